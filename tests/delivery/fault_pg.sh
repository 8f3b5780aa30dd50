#!/bin/bash
# Fault: PostgreSQL goes down (an immediate shutdown, as a crash) while
# records keep arriving, and is started again.  fpsink retries the batch
# with backoff and commits no offset meanwhile; in the end every record is
# in Postgres once.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/delivery/lib.sh"
need_delivery

start_broker fp:4 fp.dlq:1 || { fail "mock broker"; finish; exit; }
start_pg main || { fail "postgres"; finish; exit; }
start_redis main || { fail "redis"; finish; exit; }
KOPTS="--kafka-brokers $BROKERS --kafka-topic fp"
start_sink main -t fp --pg "$PG_main" --redis "$REDIS_main"

"$FPSENSOR" -r "$PCAPS/demo.pcap" $KOPTS -o "$TMP/printed.jsonl" 2>/dev/null
check "before: 15 rows" wait_for 30 rows_are "$PG_main" 15

stop_pg main immediate
check "postgres is down" sh -c "! $PGBIN/pg_isready -q -h 127.0.0.1 -p $PGPORT_main"
for p in dig ipv6 chromium sll; do
	"$FPSENSOR" -r "$PCAPS/$p.pcap" $KOPTS -o "$TMP/r.jsonl" 2>/dev/null
	cat "$TMP/r.jsonl" >>"$TMP/printed.jsonl"
done
N=$(wc -l <"$TMP/printed.jsonl")
check "fpsink notices and retries" wait_for 20 grep -q "retrying" \
    "$TMP/sink-main.log"
sleep 2
restart_pg main
check "after the restart: all $N rows" wait_for 60 rows_are "$PG_main" "$N"
check "each event id once" cmp -s <(event_ids "$TMP/printed.jsonl") \
    <(sql "$PG_main" "SELECT event_id FROM fp_records ORDER BY 1")
stop_sink
check "failed attempts counted" grep -q '^pg_errors=[1-9]' "$TMP/sink-main.log"
check "no offset commit failed" grep -q '^commit_errors=0$' "$TMP/sink-main.log"
finish
