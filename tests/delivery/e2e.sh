#!/bin/bash
# End to end on loopback: fpsensor -> Kafka (mock cluster) -> fpsink ->
# PostgreSQL 15 + Redis.  Exactly the records fpsensor printed end up in
# Postgres (same event ids, once each), Redis holds the latest record of
# every client, kcat reads the same records from the topic, and sending
# every record a second time adds no row.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/delivery/lib.sh"
need_delivery

start_broker fp:4 fp.dlq:1 || { fail "mock broker"; finish; exit; }
start_pg main || { fail "postgres"; finish; exit; }
start_redis main || { fail "redis"; finish; exit; }

# The sink first, so it is consuming while records arrive.
start_sink main -t fp --pg "$PG_main" --redis "$REDIS_main"

: >"$TMP/printed.jsonl"
for p in demo dig ipv6 chromium quic-go-v1-initial sll vlan null; do
	"$FPSENSOR" -r "$PCAPS/$p.pcap" --kafka-brokers "$BROKERS" \
	    --kafka-topic fp --spool-dir "$TMP/spool" -o "$TMP/$p.jsonl" \
	    --stats 2>"$TMP/$p.err"
	rc=$?
	n=$(wc -l <"$TMP/$p.jsonl")
	check "$p: fpsensor exit 0, $n records delivered" \
	    sh -c "[ $rc -eq 0 ] && grep -q '^kafka_delivered=$n\$' '$TMP/$p.err'"
	cat "$TMP/$p.jsonl" >>"$TMP/printed.jsonl"
done
N=$(wc -l <"$TMP/printed.jsonl")
event_ids "$TMP/printed.jsonl" >"$TMP/printed.ids"

t0=$(now_ms)
check "Postgres has $N rows" wait_for 60 rows_are "$PG_main" "$N"
echo "  (all $N rows in Postgres $(($(now_ms) - t0)) ms after the last replay)"
sql "$PG_main" "SELECT event_id FROM fp_records ORDER BY 1" >"$TMP/pg.ids"
check "Postgres rows have the printed event ids" cmp -s "$TMP/printed.ids" \
    "$TMP/pg.ids"
check "no event id twice" test "$(sql "$PG_main" \
    'SELECT count(DISTINCT event_id) FROM fp_records')" = "$N"
check "columns match the records" test "$(sql "$PG_main" "SELECT count(*)
    FROM fp_records WHERE record->>'event_id' = event_id
    AND host(client_ip) = record->'client'->>'ip'
    AND client_port = (record->'client'->>'port')::int
    AND ts_start = (record->>'ts_start')::timestamptz")" = "$N"
check "sensor id header stored" test "$(sql "$PG_main" \
    "SELECT count(*) FROM fp_records WHERE sensor_id = '$("$PYTHON" -c 'import socket; print(socket.gethostname())')'")" = "$N"
check "partitioned by day" test "$(sql "$PG_main" "SELECT count(*) FROM
    pg_inherits WHERE inhparent = 'fp_records'::regclass")" -ge 1
check "migrations recorded" test "$(sql "$PG_main" \
    'SELECT max(version) FROM fpsink_migrations')" -ge 2

# Redis: one key per client, holding that client's latest record.
check "Redis has a key per client" wait_for 10 "$PYTHON" -c '
import json, subprocess, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
clients = {r["client"]["ip"] for r in recs}
keys = subprocess.run(["redis-cli", "-p", sys.argv[2], "--scan", "--pattern",
    "fp:client:*"], capture_output=True, text=True).stdout.split()
assert sorted(keys) == sorted("fp:client:" + c for c in clients), keys
for c in clients:
    latest = max(r["ts_end"] for r in recs if r["client"]["ip"] == c)
    eid = subprocess.run(["redis-cli", "-p", sys.argv[2], "HGET",
        "fp:client:" + c, "event_id"], capture_output=True, text=True).stdout.strip()
    assert eid in {r["event_id"] for r in recs
        if r["client"]["ip"] == c and r["ts_end"] == latest}, (c, eid)
' "$TMP/printed.jsonl" "$RPORT_main"
ttl=$(rcli "$RPORT_main" TTL "fp:client:192.0.2.10")
check "client keys expire (TTL $ttl)" test "${ttl:-0}" -gt 0
check "JA4T/raw_sig counters" test -n "$(rcli "$RPORT_main" --scan \
    --pattern 'fp:count:raw_sig:*' | head -1)"

# kcat, an independent client, reads the same records from the topic.
topic_dump fp "$TMP/topic.jsonl"
check "kcat reads the $N records" cmp -s "$TMP/printed.ids" \
    <(event_ids "$TMP/topic.jsonl")

# Every record once more (as a producer retry would): no new row.
"$KCAT" -P -b "$BROKERS" -t fp -l "$TMP/topic.jsonl" 2>/dev/null
sleep 2
check "sending again adds no row" wait_for 10 rows_are "$PG_main" "$N"
stop_sink
check "fpsink stops on SIGTERM" test -n "$(grep '^consumed=' "$TMP/sink-main.log")"
check "fpsink counted the repeats" grep -q "^duplicates=$N\$" "$TMP/sink-main.log"
check "fpsink inserted each once" grep -q "^inserted=$N\$" "$TMP/sink-main.log"
grep -q '^dead_letters=0$' "$TMP/sink-main.log" ||
    fail "no dead letters expected"
finish
