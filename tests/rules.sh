#!/bin/bash
# --rules, --no-rules and SIGHUP reload of the signature databases: a bad
# database is one message naming FILE:LINE:COL at start (exit 64) and keeps
# the rules in use on reload; the verdict's versions follow the set in use.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

SRC="$PCAPS/demo.pcap"
RULES="$top_srcdir/rules"
[ -f "$SRC" ] || skip "no $SRC"

has_verdicts() { "$PYTHON" -c '
import json, sys
n = sum("verdict" in json.loads(l) for l in open(sys.argv[1]))
sys.exit(0 if (n > 0) == (sys.argv[2] == "yes") else 1)' "$@"; }

expect_exit "--rules DIR" 0 "$FPSENSOR" -r "$SRC" --no-p0f --rules "$RULES"
check "--rules DIR: verdicts" has_verdicts "$TMP/out" yes
expect_exit "--no-rules" 0 "$FPSENSOR" -r "$SRC" --no-p0f --no-rules
check "--no-rules: no verdict" has_verdicts "$TMP/out" no
expect_exit "--rules missing directory" 64 "$FPSENSOR" -r "$SRC" --rules "$TMP/none"
check "missing directory: message" contains "$TMP/err" "rules: $TMP/none: No such file or directory"
mkdir "$TMP/empty"
expect_exit "--rules empty directory" 64 "$FPSENSOR" -r "$SRC" --rules "$TMP/empty"
check "empty directory: message" contains "$TMP/err" "$TMP/empty: no *.yaml signature database"

# A bad database: FILE:LINE:COL and the key.
mkdir "$TMP/bad"
cp "$RULES"/*.yaml "$TMP/bad/"
sed -i 's/^    family: curl$/    famly: curl/' "$TMP/bad/tls.yaml"
line=$(grep -n 'famly' "$TMP/bad/tls.yaml" | head -1 | cut -d: -f1)
expect_exit "--rules with a bad file" 64 "$FPSENSOR" -r "$SRC" --rules "$TMP/bad"
check "bad file: FILE:LINE:COL: key" contains "$TMP/err" "$TMP/bad/tls.yaml:$line:5: famly: unknown key"

# Bad input, in the style of badinput.sh: one message naming the file and
# the place, exit 64, nothing written.
bad_db() {	# bad_db NAME MESSAGE: $TMP/b/tls.yaml already written
	expect_exit "$1" 64 "$FPSENSOR" -r "$SRC" --rules "$TMP/b"
	check "$1: message" contains "$TMP/err" "$TMP/b/tls.yaml:$2"
	check "$1: no record" test ! -s "$TMP/out"
}
mkdir "$TMP/b"
sed -n '1,/^rules:/p' "$RULES/tls.yaml" >"$TMP/b/tls.yaml"
printf '  - id: [x\n' >>"$TMP/b/tls.yaml"
bad_db "truncated YAML" "$(grep -c '' "$TMP/b/tls.yaml" | awk '{print $1 + 1}'):1: did not find expected"
head -c 2048 "$SRC" >"$TMP/b/tls.yaml"
bad_db "binary junk" "1:"
: >"$TMP/b/tls.yaml"
bad_db "empty file" "1:1: empty database"
{ echo 'version: "1"'; echo 'rules:'; echo '  - id: a'
  echo '    ja3: 0149f47eabf9a20d0893e2a44e5a6323'
  printf '    application: %s\n' "$(head -c 100000 /dev/zero | tr '\0' x)"
  echo '    family: a'; echo '    category: tool'; } >"$TMP/b/tls.yaml"
bad_db "huge value" "5:18: application: bad text"

# SIGHUP: demo.pcap through a FIFO in two halves, the rules changed and
# SIGHUP sent between them.
half=$("$PYTHON" -c '
import struct, sys
b = open(sys.argv[1], "rb").read()
off = 24
while off < len(b) // 2:
    off += 16 + struct.unpack("<I", b[off + 8:off + 12])[0]
print(off)' "$SRC")
reload_run() {	# reload_run TAG EDIT-COMMAND...
	local tag=$1 pid
	shift
	rm -rf "$TMP/live" "$TMP/fifo"
	mkdir "$TMP/live"
	cp "$RULES"/*.yaml "$TMP/live/"
	mkfifo "$TMP/fifo"
	"$FPSENSOR" -r - --deterministic --no-p0f --no-model --stats -v \
	    --no-watch --rules "$TMP/live" <"$TMP/fifo" \
	    >"$TMP/reload.$tag.jsonl" 2>"$TMP/reload.$tag.err" &
	pid=$!
	exec 3>"$TMP/fifo"
	head -c "$half" "$SRC" >&3
	sleep 0.3
	"$@"
	kill -HUP "$pid"
	sleep 0.2
	tail -c +"$((half + 1))" "$SRC" >&3
	exec 3>&-
	wait "$pid"
}
good_edit() { sed -i 's/^version: .*/version: "reloaded"/' "$TMP/live/tcp.yaml"; }
bad_edit() {
	sed -i 's/^version: .*/version: "reloaded"/' "$TMP/live/tcp.yaml"
	printf '  - id: broken\n    sig: "4:64"\n    os: linux\n' >>"$TMP/live/tcp.yaml"
}
check "SIGHUP, good rules: exit 0" reload_run good good_edit
check "SIGHUP, good rules: counted" contains "$TMP/reload.good.err" "rules_reloads=1"
check "SIGHUP, good rules: no failure" contains "$TMP/reload.good.err" "rules_reloads_failed=0"
check "SIGHUP, good rules: new version in later verdicts" "$PYTHON" -c '
import json, sys
v = [json.loads(l)["verdict"]["versions"]["tcp"] for l in open(sys.argv[1])
     if "verdict" in json.loads(l)]
assert v[0] == "2026.11.1" and v[-1] == "reloaded", v
i = v.index("reloaded")
assert set(v[i:]) == {"reloaded"}, v' "$TMP/reload.good.jsonl"
check "SIGHUP, bad rules: exit 0" reload_run bad bad_edit
check "SIGHUP, bad rules: counted" contains "$TMP/reload.bad.err" "rules_reloads_failed=1"
n=$(grep -n 'id: broken' "$TMP/live/tcp.yaml" | cut -d: -f1)
check "SIGHUP, bad rules: one line naming FILE:LINE:COL" contains "$TMP/reload.bad.err" \
	"reload: $TMP/live/tcp.yaml:$((n + 1)):10: sig: bad pattern"
check "SIGHUP, bad rules: old set kept" "$PYTHON" -c '
import json, sys
v = {json.loads(l)["verdict"]["versions"]["tcp"] for l in open(sys.argv[1])
     if "verdict" in json.loads(l)}
assert v == {"2026.11.1"}, v' "$TMP/reload.bad.jsonl"
finish
