#!/bin/bash
# tests/replay_readahead.sh: with more than one CPU, -r maps the file and
# a thread of its own walks it and decodes the packets for the thread that
# analyses them (sensor/stage.c); on one CPU one thread does it all.  Both
# must give the same records, counters and exit status: records cut by
# block boundaries, records larger than a block, a file cut short in the
# middle of a record, and stdin (libpcap's path, which must not start the
# thread).  SIGINT stops a replay whose reader is held up by a full ring
# behind a stalled output: the records of the packets read are written.
. "$(dirname "$0")/lib.sh"

[ -x "$FPSENSOR" ] || skip "no fpsensor at $FPSENSOR"
command -v taskset >/dev/null || skip "no taskset"
[ "$(nproc)" -ge 2 ] || skip "one CPU: the populating thread is not started"
cpu=$(taskset -pc $$ | sed 's/.*: *//; s/[-,].*//')

# Lines of --stats that may differ: times, memory, which replay ran and
# how its stages fared.
noise='_seconds\|_bytes_resident\|^rss\|^replay_'

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
	if ! diff <(grep -v "$noise" "$TMP/one.err") \
	    <(grep -v "$noise" "$TMP/all.err") >"$TMP/d"; then
		fail "$name: counters or messages differ"
		sed 's/^/    /' "$TMP/d" | head -10
		return
	fi
	if [ "$(stat_of "$TMP/one.err" replay_decode_thread)" != 0 ] ||
	    [ "$(stat_of "$TMP/all.err" replay_decode_thread)" != \
	    "$([ "$f" = - ] && echo 0 || echo 1)" ]; then
		fail "$name: replay_decode_thread $(stat_of "$TMP/one.err" \
		    replay_decode_thread) on one CPU, $(stat_of "$TMP/all.err" \
		    replay_decode_thread) on all"
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

# held FILE ACTION...: replay FILE (--stats) into a FIFO nobody reads for
# a second, run ACTION (the replay's pid in $pid), then read the output to
# $TMP/held.jsonl.  rc: the replay's exit status; its stderr in held.err.
held() {
	local f=$1 reader
	shift
	rm -f "$TMP/out.fifo"
	mkfifo "$TMP/out.fifo"
	exec 3<>"$TMP/out.fifo"
	timeout 60 "$FPSENSOR" -r "$f" --no-model --stats \
	    -o "$TMP/out.fifo" 2>"$TMP/held.err" 3>&- &
	pid=$!
	sleep 1
	"$@"
	timeout 60 cat "$TMP/out.fifo" >"$TMP/held.jsonl" 3>&- &
	reader=$!
	sleep 0.2
	exec 3>&-
	wait $pid
	rc=$?
	wait $reader
}

# A file cut while a replay has it mapped: the replay is held by its
# output (a FIFO nobody reads yet), the file is cut behind and ahead of
# where it stands, then the output is read.  It must end as damaged, with
# the message, not die of SIGBUS.
pcaptool repeat "$PCAPS/demo.pcap" "$TMP/flows.pcap" 300
for size in 1000000 $(($(stat -c %s "$TMP/flows.pcap") * 2 / 3)); do
	cp "$TMP/flows.pcap" "$TMP/shrink.pcap"
	held "$TMP/shrink.pcap" truncate -s "$size" "$TMP/shrink.pcap"
	check "cut to $size under a replay: exit 1 (damaged), not a signal" \
	    test "$rc" = 1
	check "cut to $size under a replay: the message says so" \
	    contains "$TMP/held.err" "shrink.pcap: damaged after"
	check "cut to $size under a replay: records up to the cut" \
	    test "$(wc -l <"$TMP/held.jsonl")" -gt 0
done

# SIGINT while the output is stalled: the analysing thread blocks on the
# FIFO, the ring fills, the reader waits for room.  Once the output is
# read again both stop: exit 0, every line a whole record, fewer packets
# than the file has, and --stats still printed.
interrupt() { kill -INT "$pid"; }
held "$TMP/flows.pcap" interrupt
check "SIGINT with the output stalled: exit 0" test "$rc" = 0
check "  the packets read were fewer than the file's" test \
    "$(stat_of "$TMP/held.err" packets)" -lt "$(pcaptool count \
    "$TMP/flows.pcap" -)"
check "  on two threads" test "$(stat_of "$TMP/held.err" \
    replay_decode_thread)" = 1
check "  the reader found the ring full (the analysis held it up)" test \
    "$(stat_of "$TMP/held.err" replay_reader_waits)" -gt 0
check "  every line a whole record" "$PYTHON" -c '
import json, sys
n = 0
for l in open(sys.argv[1]):
    json.loads(l); n += 1
assert n > 0' "$TMP/held.jsonl"

finish
