#!/bin/bash
# Every record of every capture of the project (and of ../shared/peer when
# present) validates against schema/record.schema.json.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
"$PYTHON" -c 'import jsonschema' 2>/dev/null || skip "python3-jsonschema missing"
SCHEMA="$top_srcdir/schema/record.schema.json"
for f in "$PCAPS"/*.pcap "$PCAPS"/*.pcapng; do
	[ -f "$f" ] || continue
	"$FPSENSOR" -r "$f" 2>/dev/null
done >"$TMP/own.jsonl"
check "own captures produce records" test -s "$TMP/own.jsonl"
check "own captures: schema ($(wc -l <"$TMP/own.jsonl") records)" \
	"$PYTHON" "$top_srcdir/tests/schema_check.py" "$SCHEMA" "$TMP/own.jsonl"
if [ -d "$PEER" ]; then
	find "$PEER" -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.cap' \) |
	while read -r f; do "$FPSENSOR" -r "$f" 2>/dev/null; done >"$TMP/peer.jsonl"
	check "peer captures: schema ($(wc -l <"$TMP/peer.jsonl") records)" \
		"$PYTHON" "$top_srcdir/tests/schema_check.py" "$SCHEMA" "$TMP/peer.jsonl"
fi
finish
