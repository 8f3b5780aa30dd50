#!/bin/bash
# Fault: Redis goes away for a while.  fpsink keeps writing Postgres (the
# source of truth), counts the Redis failures, leaves a backlog marker in
# Postgres, and when Redis is back rewrites the latest record of every
# client seen meanwhile: no client key is missing or stale in the end.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/delivery/lib.sh"
need_delivery

start_broker fp:4 fp.dlq:1 || { fail "mock broker"; finish; exit; }
start_pg main || { fail "postgres"; finish; exit; }
# Persistent, so that a restart keeps what was there before the outage.
start_redis main --appendonly yes --appendfsync always || {
	fail "redis"; finish; exit; }
KOPTS="--kafka-brokers $BROKERS --kafka-topic fp"
start_sink main -t fp --pg "$PG_main" --redis "$REDIS_main"

"$FPSENSOR" -r "$PCAPS/demo.pcap" $KOPTS -o "$TMP/printed.jsonl" 2>/dev/null
check "before: 15 rows" wait_for 30 rows_are "$PG_main" 15
check "before: client key" wait_for 10 sh -c \
    "[ -n \"\$(redis-cli -p $RPORT_main HGET fp:client:192.0.2.10 event_id)\" ]"

kill9 "$RPID_main"
for p in dig ipv6 chromium sll vlan null; do
	"$FPSENSOR" -r "$PCAPS/$p.pcap" $KOPTS -o "$TMP/r.jsonl" 2>/dev/null
	cat "$TMP/r.jsonl" >>"$TMP/printed.jsonl"
done
N=$(wc -l <"$TMP/printed.jsonl")
check "Redis away: Postgres still gets all $N rows" wait_for 60 rows_are \
    "$PG_main" "$N"
check "Redis away: backlog marked in Postgres" test "$(sql "$PG_main" \
    'SELECT count(*) FROM fp_redis_backlog')" = 1
check "Redis away: said so" grep -q "redis .*Postgres writes go on" \
    "$TMP/sink-main.log"
sleep 1

redis-server --port "$RPORT_main" --bind 127.0.0.1 --save '' \
    --appendonly yes --dir "$TMP/redis-main" --logfile "$TMP/redis-main/log2" &
DLIB_PIDS="$DLIB_PIDS $!"
wait_for 10 redis-cli -p "$RPORT_main" ping
check "Redis back: caught up" wait_for 30 grep -q "caught up the latest" \
    "$TMP/sink-main.log"
check "Redis back: backlog cleared" test "$(sql "$PG_main" \
    'SELECT count(*) FROM fp_redis_backlog')" = 0
check "every client has its latest record" "$PYTHON" -c '
import json, subprocess, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
for c in {r["client"]["ip"] for r in recs}:
    latest = max(r["ts_end"] for r in recs if r["client"]["ip"] == c)
    eid = subprocess.run(["redis-cli", "-p", sys.argv[2], "HGET",
        "fp:client:" + c, "event_id"], capture_output=True, text=True).stdout.strip()
    assert eid in {r["event_id"] for r in recs
        if r["client"]["ip"] == c and r["ts_end"] == latest}, (c, eid)
' "$TMP/printed.jsonl" "$RPORT_main"
stop_sink
check "Redis failures counted" grep -q '^redis_errors=[1-9]' "$TMP/sink-main.log"
check "no Postgres failure" grep -q '^pg_errors=0$' "$TMP/sink-main.log"
finish
