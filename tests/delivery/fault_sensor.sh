#!/bin/bash
# Fault: fpsensor killed (SIGKILL) while its spool holds records, then
# started again.  The records in the spool at the kill are delivered by the
# next run, before its own; a record torn by the kill (simulated: junk at
# the end of the segment) is cut off with a log line; Postgres ends with
# every spooled record and every record of the second run, once each.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/delivery/lib.sh"
need_delivery

FEED="$PYTHON $top_srcdir/tests/delivery/pcapfeed.py"
SPOOLTOOL="$PYTHON $top_srcdir/tests/delivery/spooltool.py"
SRC="$PCAPS/demo.pcap"
start_broker fp:4 fp.dlq:1 || { fail "mock broker"; finish; exit; }
start_pg main || { fail "postgres"; finish; exit; }
KOPTS="--kafka-brokers $BROKERS --kafka-topic fp --spool-dir $TMP/spool"

broker_down
mkfifo "$TMP/feed"
"$FPSENSOR" -r "$TMP/feed" $KOPTS --kafka-conf message.timeout.ms=1000 \
    2>"$TMP/sensor1.err" &
SENSOR=$!
DLIB_PIDS="$DLIB_PIDS $SENSOR"
exec 3>"$TMP/feed"
$FEED header "$SRC" >&3
$FEED packets "$SRC" 0 >&3
$FEED packets "$SRC" 1000 >&3		# records, broker away
sleep 2					# > message.timeout.ms: all failed
$FEED packets "$SRC" 2000 >&3		# the reports are read: spool; new
					# records go straight to the spool
check "records in the spool" wait_for 15 sh -c \
    "[ \"\$($SPOOLTOOL count $TMP/spool)\" -ge 15 ]"
# Every record written so far is in the spool once its count stops moving.
n=0
while [ "$n" != "$($SPOOLTOOL count "$TMP/spool")" ]; do
	n=$($SPOOLTOOL count "$TMP/spool")
	sleep 0.5
done
kill9 "$SENSOR"
exec 3>&-
$SPOOLTOOL ids "$TMP/spool" | sort >"$TMP/spooled.ids"
check "spooled: $n distinct records" test "$(sort -u "$TMP/spooled.ids" |
    wc -l)" -eq "$n"
# A write torn by the kill: half a record header where the next record
# would have gone.
read -r seg off <<<"$($SPOOLTOOL end "$TMP/spool")"
printf '\0\0\1' | dd of="$seg" bs=1 seek="$off" conv=notrunc 2>/dev/null

broker_up
start_sink main -t fp --pg "$PG_main"
"$FPSENSOR" -r "$PCAPS/dig.pcap" $KOPTS -o "$TMP/run2.jsonl" --stats \
    2>"$TMP/sensor2.err"
rc=$?
check "restart: exit 0 (got $rc)" test "$rc" -eq 0
check "restart: torn tail cut off and logged" \
    contains "$TMP/sensor2.err" "damaged record"
check "restart: spool from the killed run found" \
    contains "$TMP/sensor2.err" "holds $n records from an earlier run"
check "restart: spool delivered" grep -q '^kafka_spool_records=0$' \
    "$TMP/sensor2.err"
check "restart: truncation counted" grep -q '^kafka_spool_truncated=1$' \
    "$TMP/sensor2.err"
{ cat "$TMP/spooled.ids"; event_ids "$TMP/run2.jsonl"; } | sort >"$TMP/want.ids"
N=$(wc -l <"$TMP/want.ids")
check "Postgres has all $N" wait_for 60 rows_are "$PG_main" "$N"
check "spooled and new records, once each" cmp -s "$TMP/want.ids" \
    <(sql "$PG_main" "SELECT event_id FROM fp_records ORDER BY 1")
check "spool directory empty" test -z "$(ls "$TMP/spool" | grep seg)"
stop_sink
finish
