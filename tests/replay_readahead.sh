#!/bin/bash
# tests/replay_readahead.sh: with more than one CPU, -r maps the file and
# a thread of its own populates the pages ahead (sensor/capture.c); on one
# CPU it reads blocks itself.  Both must give the same records, counters and exit status:
# records cut by block boundaries, records larger than a block, a file cut
# short in the middle of a record, and stdin (libpcap's path, which must not
# start the thread).
. "$(dirname "$0")/lib.sh"

[ -x "$FPSENSOR" ] || skip "no fpsensor at $FPSENSOR"
command -v taskset >/dev/null || skip "no taskset"
[ "$(nproc)" -ge 2 ] || skip "one CPU: the populating thread is not started"
cpu=$(taskset -pc $$ | sed 's/.*: *//; s/[-,].*//')

# same NAME FILE [ARGS...]: one CPU and all CPUs agree on FILE.
same() {
	local name=$1 f=$2 in=$2 rc1 rc2
	shift 2
	[ "$f" = - ] && in=$TMP/big.pcap
	taskset -c "$cpu" "$FPSENSOR" -r "$f" --deterministic --stats "$@" \
	    >"$TMP/one.jsonl" 2>"$TMP/one.err" <"$in"
	rc1=$?
	"$FPSENSOR" -r "$f" --deterministic --stats "$@" \
	    >"$TMP/all.jsonl" 2>"$TMP/all.err" <"$in"
	rc2=$?
	if [ $rc1 != $rc2 ]; then
		fail "$name: exit $rc1 on one CPU, $rc2 on all"
		return
	fi
	if ! [ -s "$TMP/one.jsonl" ] || ! cmp -s "$TMP/one.jsonl" "$TMP/all.jsonl"; then
		fail "$name: records differ ($(wc -l <"$TMP/one.jsonl") vs $(wc -l <"$TMP/all.jsonl"))"
		return
	fi
	if ! diff <(grep -v '_seconds\|_bytes_resident\|^rss' "$TMP/one.err") \
	    <(grep -v '_seconds\|_bytes_resident\|^rss' "$TMP/all.err") >"$TMP/d"; then
		fail "$name: counters or messages differ"
		sed 's/^/    /' "$TMP/d" | head -10
		return
	fi
	pass "$name: $(wc -l <"$TMP/one.jsonl") records, exit $rc1"
}

# Several MiB, so the reads span many blocks, with records of every size.
pcaptool repeat "$PCAPS/bulk_https.pcap,$PCAPS/bulk_http.pcap,$PCAPS/demo.pcap" \
    "$TMP/many.pcap" 3
pcaptool jumbo "$TMP/many.pcap" "$TMP/big.pcap" 40
n=$(pcaptool count "$TMP/big.pcap" -)
check "corpus is larger than a few blocks" \
    test "$(stat -c %s "$TMP/big.pcap")" -gt $((4 << 20))

same "file" "$TMP/big.pcap"
same "stdin" -
same "records at the largest snaplen" "$TMP/big.pcap" --no-p0f --no-ndpi

for at in $((n / 3)) $((n - 2)); do
	pcaptool cut-mid "$TMP/big.pcap" "$TMP/cut.pcap" "$at"
	same "cut mid-record after $at packets" "$TMP/cut.pcap"
	check "cut after $at: message names file and place" \
	    contains "$TMP/all.err" "cut.pcap: damaged after $at packets"
done

# A file cut while a replay has it mapped: the replay is held by its
# output (a FIFO nobody reads yet), the file is cut behind and ahead of
# where it stands, then the output is read.  It must end as damaged, with
# the message, not die of SIGBUS.
pcaptool repeat "$PCAPS/demo.pcap" "$TMP/flows.pcap" 300
for size in 1000000 $(($(stat -c %s "$TMP/flows.pcap") * 2 / 3)); do
	cp "$TMP/flows.pcap" "$TMP/shrink.pcap"
	rm -f "$TMP/out.fifo"
	mkfifo "$TMP/out.fifo"
	exec 3<>"$TMP/out.fifo"
	timeout 60 "$FPSENSOR" -r "$TMP/shrink.pcap" --no-model \
	    -o "$TMP/out.fifo" 2>"$TMP/shrink.err" &
	pid=$!
	sleep 1
	truncate -s "$size" "$TMP/shrink.pcap"
	timeout 60 cat "$TMP/out.fifo" >"$TMP/shrink.jsonl" &
	reader=$!
	sleep 0.2
	exec 3>&-
	wait $pid
	rc=$?
	wait $reader
	check "cut to $size under a replay: exit 1 (damaged), not a signal" \
	    test "$rc" = 1
	check "cut to $size under a replay: the message says so" \
	    contains "$TMP/shrink.err" "shrink.pcap: damaged after"
	check "cut to $size under a replay: records up to the cut" \
	    test "$(wc -l <"$TMP/shrink.jsonl")" -gt 0
done

finish
