#!/bin/bash
# Fault: the broker goes away while fpsensor is running and comes back.
# fpsensor reads a stream from a FIFO (copies of demo.pcap, 1000 s apart, so
# each copy ends the flows left open by the one before); the brokers of the mock
# cluster are taken down between copies (connections closed and refused:
# the cluster, and what it stored, stays).  Records whose delivery fails go
# to the spool and are sent once the brokers are back; in the end Postgres
# (through fpsink, which lives through the outage too) has every record
# exactly once.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/delivery/lib.sh"
need_delivery

FEED="$PYTHON $top_srcdir/tests/delivery/pcapfeed.py"
SRC="$PCAPS/demo.pcap"
start_broker fp:4 fp.dlq:1 || { fail "mock broker"; finish; exit; }
start_pg main || { fail "postgres"; finish; exit; }
start_sink main -t fp --pg "$PG_main"

mkfifo "$TMP/feed"
"$FPSENSOR" -r "$TMP/feed" --kafka-brokers "$BROKERS" --kafka-topic fp \
    --spool-dir "$TMP/spool" --kafka-conf message.timeout.ms=1500 \
    --kafka-flush-timeout 30 -o "$TMP/printed.jsonl" --stats \
    2>"$TMP/sensor.err" &
SENSOR=$!
DLIB_PIDS="$DLIB_PIDS $SENSOR"
exec 3>"$TMP/feed"
$FEED header "$SRC" >&3
$FEED packets "$SRC" 0 >&3
$FEED packets "$SRC" 1000 >&3		# copy 0's records (at least)
check "copy 0 delivered" wait_for 20 rows_at_least "$PG_main" 15
n1=$(stable_rows "$PG_main")

broker_down
$FEED packets "$SRC" 2000 >&3		# more records: cannot be sent
sleep 2.5				# > message.timeout.ms
$FEED packets "$SRC" 3000 >&3		# reports come in: spool
check "spooled while the broker is away" wait_for 10 sh -c \
    "[ \"\$($PYTHON $top_srcdir/tests/delivery/spooltool.py count \
    $TMP/spool)\" -ge 15 ]"
check "nothing new in Postgres meanwhile ($n1 rows)" rows_are "$PG_main" "$n1"

broker_up
$FEED packets "$SRC" 4000 >&3		# more records; the spool drains
sleep 1
exec 3>&-				# end of input: flush, exit
wait "$SENSOR"
rc=$?
check "fpsensor exit 0 once all is delivered (got $rc)" test "$rc" -eq 0
N=$(wc -l <"$TMP/printed.jsonl")
check "75 records printed" test "$N" -eq 75
check "spool was used" grep -q '^kafka_spooled=[1-9]' "$TMP/sensor.err"
check "spool empty at exit" grep -q '^kafka_spool_records=0$' "$TMP/sensor.err"
check "no record lost" grep -q '^kafka_spool_drops=0$' "$TMP/sensor.err"
check "Postgres has all 75" wait_for 60 rows_are "$PG_main" "$N"
check "the printed event ids, once each" cmp -s \
    <(event_ids "$TMP/printed.jsonl") \
    <(sql "$PG_main" "SELECT event_id FROM fp_records ORDER BY 1")
topic_dump fp "$TMP/topic.jsonl"
check "kcat: every record in the topic" "$PYTHON" -c '
import json, sys
have = {json.loads(l)["event_id"] for l in open(sys.argv[1])}
want = {json.loads(l)["event_id"] for l in open(sys.argv[2])}
assert want <= have, len(want - have)' "$TMP/topic.jsonl" "$TMP/printed.jsonl"
stop_sink
finish
