#!/bin/bash
# The command line as a user meets it.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

SRC="$PCAPS/demo.pcap"
[ -f "$SRC" ] || skip "no $SRC"

expect_exit "--version" 0 "$FPSENSOR" --version
check "--version names the program" contains "$TMP/out" "fpsensor "
expect_exit "--help" 0 "$FPSENSOR" --help
check "--help shows -r" contains "$TMP/out" "-r, --read FILE"
expect_exit "no arguments" 64 "$FPSENSOR"
check "no arguments: says why" contains "$TMP/err" "give -r FILE"
expect_exit "unknown option" 64 "$FPSENSOR" --bogus -r "$SRC"
expect_exit "stray argument" 64 "$FPSENSOR" -r "$SRC" extra
expect_exit "bad number" 64 "$FPSENSOR" -r "$SRC" --max-flows 12abc
check "bad number: names the option" contains "$TMP/err" "--max-flows: '12abc'"

# One JSON object per flow on stdout; the same with -o and from stdin.
"$FPSENSOR" -r "$SRC" --deterministic >"$TMP/a.jsonl"
check "records written" test -s "$TMP/a.jsonl"
check "every line is a JSON object" "$PYTHON" -c '
import json, sys
for l in open(sys.argv[1]): assert isinstance(json.loads(l), dict)' "$TMP/a.jsonl"
"$FPSENSOR" -r "$SRC" --deterministic -o "$TMP/b.jsonl"
check "-o FILE writes the same records" cmp -s "$TMP/a.jsonl" "$TMP/b.jsonl"
"$FPSENSOR" -r - --deterministic <"$SRC" >"$TMP/c.jsonl"
check "-r - reads stdin" cmp -s "$TMP/a.jsonl" "$TMP/c.jsonl"

# Format by content, not by name: a pcap named .pcapng and vice versa.
cp "$SRC" "$TMP/renamed.pcapng"
"$FPSENSOR" -r "$TMP/renamed.pcapng" --deterministic >"$TMP/d.jsonl"
check "pcap named .pcapng" cmp -s "$TMP/a.jsonl" "$TMP/d.jsonl"
pcaptool ng-unknown "$SRC" "$TMP/ng.pcap"
"$FPSENSOR" -r "$TMP/ng.pcap" --deterministic >"$TMP/e.jsonl"
check "pcapng named .pcap" cmp -s "$TMP/a.jsonl" "$TMP/e.jsonl"

# BPF filter.
"$FPSENSOR" -r "$SRC" --deterministic -f 'udp' >"$TMP/udp.jsonl"
check "-f udp keeps only UDP flows" "$PYTHON" -c '
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
assert recs and all(r["proto"] == "udp" for r in recs)' "$TMP/udp.jsonl"

# --stats on stderr, counters consistent with the output.
"$FPSENSOR" -r "$SRC" --deterministic --stats >"$TMP/f.jsonl" 2>"$TMP/stats"
n=$(wc -l <"$TMP/f.jsonl")
check "--stats counts records" contains "$TMP/stats" "records=$n"
check "--stats counts packets" grep -q '^packets=[1-9]' "$TMP/stats"
check "--stats has skip reasons" contains "$TMP/stats" "packets_skipped_not_ip="

# --deterministic: two runs give identical bytes; without it, wall clock.
"$FPSENSOR" -r "$SRC" --deterministic >"$TMP/g.jsonl"
check "--deterministic is repeatable" cmp -s "$TMP/a.jsonl" "$TMP/g.jsonl"
"$FPSENSOR" -r "$SRC" >"$TMP/h.jsonl"
check "default output carries emitted_at" contains "$TMP/h.jsonl" '"emitted_at"'
check "deterministic output does not" sh -c "! grep -q emitted_at '$TMP/a.jsonl'"

# --analyzers: only those run; a wrong name is refused with the known ones.
"$FPSENSOR" -r "$SRC" --deterministic --analyzers tcp >"$TMP/t.jsonl"
check "--analyzers tcp: no TLS, HTTP, DNS members" "$PYTHON" -c '
import json, sys
sys.exit(any(k in json.loads(l) for l in open(sys.argv[1])
             for k in ("tls", "http", "dns", "ssh")))' "$TMP/t.jsonl"
check "--analyzers tcp: same flows" test "$(wc -l <"$TMP/t.jsonl")" -eq "$(wc -l <"$TMP/a.jsonl")"
check "all analyzers: TLS present" grep -q '"tls":' "$TMP/a.jsonl"
expect_exit "--analyzers with an unknown name" 64 "$FPSENSOR" -r "$SRC" --analyzers tcp,nope
check "unknown analyzer: lists the known ones" contains "$TMP/err" "known: tcp,tls"

# A tiny flow table evicts and counts, and loses no flow.
"$FPSENSOR" -r "$SRC" --deterministic --max-flows 2 --stats >"$TMP/i.jsonl" 2>"$TMP/stats2"
check "eviction counted" grep -q '^flows_evicted=[1-9]' "$TMP/stats2"
check "evicted flows are still written" test "$(wc -l <"$TMP/i.jsonl")" -ge "$n"

finish
