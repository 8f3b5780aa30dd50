#!/bin/bash
# Hostile and broken inputs: each gets one clear message naming the file,
# records before the damage are still written, the exit code says whether
# anything could be read, and nothing crashes.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

SRC="$PCAPS/demo.pcap"
[ -f "$SRC" ] || skip "no $SRC"
"$FPSENSOR" -r "$SRC" --deterministic --no-p0f >"$TMP/full.jsonl" 2>/dev/null
full=$(wc -l <"$TMP/full.jsonl")
nrec=$(pcaptool count "$SRC" -)

# Not a capture at all.
pcaptool garbage - "$TMP/garbage.pcap" 4096
expect_exit "garbage file" 2 "$FPSENSOR" -r "$TMP/garbage.pcap"
check "garbage: message names the file" contains "$TMP/err" "garbage.pcap: not a pcap or pcapng"
: >"$TMP/empty.pcap"
expect_exit "empty file" 2 "$FPSENSOR" -r "$TMP/empty.pcap"
check "empty: message names the file" contains "$TMP/err" "empty.pcap"
expect_exit "directory" 2 "$FPSENSOR" -r "$TMP"
check "directory: message" contains "$TMP/err" "is a directory"
expect_exit "missing file" 2 "$FPSENSOR" -r "$TMP/nope.pcap"
check "missing: message" contains "$TMP/err" "nope.pcap: No such file"

# A compressed capture: the message says how to replay it, and that works.
gzip -c "$SRC" >"$TMP/demo.pcap.gz"
expect_exit "gzip-compressed capture" 2 "$FPSENSOR" -r "$TMP/demo.pcap.gz"
check "gzip: message names the file and zcat" contains "$TMP/err" \
    "demo.pcap.gz: not a pcap or pcapng capture but gzip-compressed (zcat $TMP/demo.pcap.gz | fpsensor -r - replays it)"
zcat "$TMP/demo.pcap.gz" | "$FPSENSOR" -r - --deterministic --no-p0f \
    >"$TMP/zcat.jsonl" 2>/dev/null
check "gzip: zcat | fpsensor -r - gives the file's records" \
    cmp -s "$TMP/full.jsonl" "$TMP/zcat.jsonl"
# Through a FIFO whose writer has gone: the same refusal, no hang (the
# file is small, so the writer is usually gone by the time it is refused).
mkfifo "$TMP/gz.fifo"
gzip -c "$PCAPS/dig.pcap" >"$TMP/dig.pcap.gz"
cat "$TMP/dig.pcap.gz" >"$TMP/gz.fifo" &
expect_exit "gzip through a FIFO" 2 timeout 20 "$FPSENSOR" -r "$TMP/gz.fifo"
check "gzip through a FIFO: message names the file" contains "$TMP/err" \
    "gz.fifo: not a pcap or pcapng"
wait
if command -v xz >/dev/null; then
	xz -c "$SRC" >"$TMP/demo.pcap.xz"
	expect_exit "xz-compressed capture" 2 "$FPSENSOR" -r "$TMP/demo.pcap.xz"
	check "xz: message names xzcat" contains "$TMP/err" "xz-compressed (xzcat"
fi

# Cut in the middle of a record near the end: what came before is written.
cut=$((nrec - 2))
pcaptool cut-mid "$SRC" "$TMP/cut.pcap" "$cut"
expect_exit "pcap cut mid-record" 1 "$FPSENSOR" -r "$TMP/cut.pcap" --deterministic --no-p0f
check "cut: message names file and place" contains "$TMP/err" "cut.pcap: damaged after $cut packets"
got=$(wc -l <"$TMP/out")
check "cut: records before the damage written ($got of $full)" test "$got" -ge $((full - 2)) -a "$got" -gt 0

# A record longer than the snap length, and a zero-length record.
pcaptool caplen-big "$SRC" "$TMP/big.pcap" 3
"$FPSENSOR" -r "$TMP/big.pcap" --no-p0f >"$TMP/out" 2>"$TMP/err"
rc=$?
check "caplen > snaplen: no crash, clear outcome (exit $rc)" test "$rc" -le 1
pcaptool zero-len "$SRC" "$TMP/zero.pcap" 2
expect_exit "zero-length record" 0 "$FPSENSOR" -r "$TMP/zero.pcap" --no-p0f --stats
check "zero-length record counted" contains "$TMP/err" "packets_skipped_truncated_l2=1"
check "zero-length: all records still written" test "$(wc -l <"$TMP/out")" -eq "$full"

# Unknown link type.
pcaptool linktype "$SRC" "$TMP/lt.pcap" 147
expect_exit "unknown link type" 2 "$FPSENSOR" -r "$TMP/lt.pcap"
check "link type: message" contains "$TMP/err" "lt.pcap: unsupported link type 147"

# pcapng: unknown blocks are skipped, a damaged block stops with a message.
pcaptool ng-unknown "$SRC" "$TMP/unknown.pcapng"
expect_exit "pcapng with unknown blocks" 0 "$FPSENSOR" -r "$TMP/unknown.pcapng" --deterministic --no-p0f
check "pcapng unknown blocks: same records" cmp -s "$TMP/out" "$TMP/full.jsonl"
pcaptool ng-damaged "$SRC" "$TMP/damaged.pcapng" 6
expect_exit "pcapng with a damaged block" 1 "$FPSENSOR" -r "$TMP/damaged.pcapng" --no-p0f
check "pcapng damaged: message names the file" contains "$TMP/err" "damaged.pcapng: damaged after 4 packets"

# Bad configuration.
expect_exit "bad BPF filter" 64 "$FPSENSOR" -r "$SRC" -f "tcp port nonsense"
check "bad BPF: message" contains "$TMP/err" "filter 'tcp port nonsense'"
expect_exit "bad p0f database" 64 "$FPSENSOR" -r "$SRC" --p0f-db "$top_srcdir/tests/fixtures/p0f/bad_quirk.fp"
check "bad p0f db: file:line" contains "$TMP/err" "bad_quirk.fp:4: unknown quirk"
expect_exit "unwritable output" 3 "$FPSENSOR" -r "$SRC" -o "$TMP/no/such/dir/out.jsonl"

finish
