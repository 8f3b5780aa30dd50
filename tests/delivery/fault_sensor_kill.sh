#!/bin/bash
# Fault: fpsensor killed (SIGKILL) while records are in flight.  The broker
# is down, so every record written so far waits in librdkafka's queue
# (message.timeout.ms is far away); fpsensor is killed, the broker comes
# back and fpsensor is started again.  Every record the killed run had
# written must reach Kafka (at least once) and Postgres (exactly once),
# with the spool (--spool-mode wal, the default) as the only copy that
# outlived the process.
#
# Which records the killed run wrote: the same stream read offline with
# -o.  The stream is three copies of demo.pcap, 1000 s apart, and a last
# frame that is not a flow but moves the clock past every idle timeout, so
# the killed run had ended (and written) every flow, as the offline run
# does.  Event ids are random per run: records are compared without
# event_id and sensor.emitted_at.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/delivery/lib.sh"
need_delivery

FEED="$PYTHON $top_srcdir/tests/delivery/pcapfeed.py"
SPOOLTOOL="$PYTHON $top_srcdir/tests/delivery/spooltool.py"
SRC="$PCAPS/demo.pcap"
stream() {
	$FEED header "$SRC"
	$FEED packets "$SRC" 0
	$FEED packets "$SRC" 1000
	$FEED packets "$SRC" 2000
	$FEED tick "$SRC" 3000
}
stream >"$TMP/stream.pcap"
"$FPSENSOR" -r "$TMP/stream.pcap" -o "$TMP/clean.jsonl" 2>"$TMP/clean.err"
N=$(wc -l <"$TMP/clean.jsonl")
check "clean offline run: 45 records (got $N)" test "$N" -eq 45

start_broker fp:4 fp.dlq:1 || { fail "mock broker"; finish; exit; }
start_pg main || { fail "postgres"; finish; exit; }
KOPTS="--kafka-brokers $BROKERS --kafka-topic fp --spool-dir $TMP/spool"

broker_down
mkfifo "$TMP/feed"
"$FPSENSOR" -r "$TMP/feed" $KOPTS --kafka-conf message.timeout.ms=120000 \
    2>"$TMP/sensor1.err" &
SENSOR=$!
DLIB_PIDS="$DLIB_PIDS $SENSOR"
exec 3>"$TMP/feed"
cat "$TMP/stream.pcap" >&3
# The input stays open: fpsensor is killed reading it, not at its end.
# Write-ahead: the spool holds every record once they are written; before
# that, wait at most 20 s (without write-ahead it stays empty).
wait_for 20 sh -c "[ \"\$($SPOOLTOOL count $TMP/spool 2>/dev/null)\" = $N ]"
n_spool=$($SPOOLTOOL count "$TMP/spool" 2>/dev/null || echo 0)
check "the killed run is still running" kill -0 "$SENSOR"
kill9 "$SENSOR"
exec 3>&-
check "spool at the kill: all $N records (got $n_spool)" \
    test "$n_spool" -eq "$N"

broker_up
start_sink main -t fp --pg "$PG_main"
"$FPSENSOR" -r "$PCAPS/dig.pcap" $KOPTS -o "$TMP/run2.jsonl" --stats \
    2>"$TMP/sensor2.err"
rc=$?
check "restart: exit 0 (got $rc)" test "$rc" -eq 0
check "restart: spool from the killed run found" \
    contains "$TMP/sensor2.err" "from an earlier run"
check "restart: spool delivered" grep -q '^kafka_spool_records=0$' \
    "$TMP/sensor2.err"
check "restart: nothing lost" grep -q '^kafka_spool_drops=0$' \
    "$TMP/sensor2.err"
check "spool directory empty" test -z "$(ls "$TMP/spool" | grep seg)"
N2=$(wc -l <"$TMP/run2.jsonl")
cat "$TMP/clean.jsonl" "$TMP/run2.jsonl" >"$TMP/want.jsonl"

# Same record: every member but event_id and sensor.emitted_at.
SAME='import json, sys
def key(line):
    r = json.loads(line)
    r.pop("event_id", None)
    r.get("sensor", {}).pop("emitted_at", None)
    return json.dumps(r, sort_keys=True)
def keys(path):
    out = {}
    for line in open(path):
        if line.strip():
            k = key(line)
            out[k] = out.get(k, 0) + 1
    return out
want, have = keys(sys.argv[1]), keys(sys.argv[2])
missing = [k for k in want if have.get(k, 0) < want[k]]
print("missing %d, extra %d, repeated %d" % (len(missing),
    sum(1 for k in have if k not in want),
    sum(have[k] - want[k] for k in want if have.get(k, 0) > want[k])))
if missing:
    sys.exit(1)
if sys.argv[3] == "exactly" and have != want:
    sys.exit(1)'
check "Postgres has all $((N + N2))" wait_for 60 rows_are "$PG_main" $((N + N2))
sql "$PG_main" "SELECT record FROM fp_records" >"$TMP/pg.jsonl"
check "Postgres: every record of both runs, exactly once" \
    "$PYTHON" -c "$SAME" "$TMP/want.jsonl" "$TMP/pg.jsonl" exactly
topic_dump fp "$TMP/topic.jsonl"
check "Kafka (kcat): every record of both runs, at least once" \
    "$PYTHON" -c "$SAME" "$TMP/want.jsonl" "$TMP/topic.jsonl" atleast
stop_sink
finish
