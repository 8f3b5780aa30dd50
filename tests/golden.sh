#!/bin/bash
# Golden output: fpsensor --deterministic on each capture in pcaps/ must
# equal tests/golden/<capture>.jsonl.  run.sh --update rewrites them (review
# the diff).  The signatures-only mode (--no-p0f) keeps the files independent
# of the p0f database installed; JA4+ members are compared only in builds
# that have them.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
GOLDEN="$top_srcdir/tests/golden"
update=0
[ "${1:-}" = "--update" ] && update=1
ja4plus=0
"$FPSENSOR" --version | grep -q 'JA4+ analyzers: yes' && ja4plus=1
[ $update = 1 ] && [ $ja4plus = 0 ] && { echo "update needs a --enable-ja4plus build"; exit 99; }
for f in "$PCAPS"/*.pcap; do
	name=$(basename "$f" .pcap)
	# A capture's key log beside it (NAME.keys) decrypts its TLS.
	keys=()
	[ -f "$PCAPS/$name.keys" ] && keys=(--tls-keylog "$PCAPS/$name.keys")
	"$FPSENSOR" -r "$f" --deterministic --no-p0f --rules "$top_srcdir/rules" --no-model "${keys[@]}" >"$TMP/$name.jsonl" 2>/dev/null
	if [ $update = 1 ]; then
		cp "$TMP/$name.jsonl" "$GOLDEN/$name.jsonl"
		pass "updated $name"
		continue
	fi
	if [ ! -f "$GOLDEN/$name.jsonl" ]; then
		fail "$name: no golden file (make update-golden)"
		continue
	fi
	if "$PYTHON" "$top_srcdir/tests/golden/compare.py" $ja4plus \
	    "$GOLDEN/$name.jsonl" "$TMP/$name.jsonl"; then
		pass "$name"
	else
		fail "$name"
	fi
done
finish
