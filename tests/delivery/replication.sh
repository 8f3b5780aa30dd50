#!/bin/bash
# Replication across regions, two of them on loopback: "us-east" (Postgres
# with wal_level=logical, Redis primary, the broker and fpsink) and
# "eu-west" (Postgres subscribed to us-east's publication, Redis replica),
# both set up with the files in deploy/replication/.  Records written
# through fpsink in us-east are read in eu-west: the same rows, the same
# client keys.  Prints the replication lag measured.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/delivery/lib.sh"
need_delivery

DEP="$top_srcdir/deploy/replication"
PW=test-secret
echo "$PW" >"$TMP/redis.pw"
start_broker fp:4 fp.dlq:1 || { fail "mock broker"; finish; exit; }
start_pg east "$(cat "$DEP/postgres/primary.conf")" || {
	fail "postgres us-east"; finish; exit; }
start_pg west "$(cat "$DEP/postgres/replica.conf")" || {
	fail "postgres eu-west"; finish; exit; }
export REDISCLI_AUTH=$PW
REDIS_CONF="$DEP/redis/us-east.conf" start_redis east --requirepass "$PW" \
    --masterauth "$PW" || { fail "redis us-east"; finish; exit; }
REDIS_CONF="$DEP/redis/eu-west.conf" start_redis west --requirepass "$PW" \
    --masterauth "$PW" --replicaof 127.0.0.1 "$RPORT_east" || {
	fail "redis eu-west"; finish; exit; }

# Schema in both regions, then publication and subscription.
for r in east west; do
	eval conn=\$PG_$r
	check "$r: fpsink --migrate-only" sh -c "'$FPSINK' --migrate-only \
	    --pg '$conn' --retention-days 0 >/dev/null"
done
check "us-east: publisher.sql" sh -c "'$PGBIN/psql' -Xq '$PG_east' \
    -v repl_password=$PW -f '$DEP/postgres/publisher.sql' >/dev/null"
check "eu-west: subscriber.sql" sh -c "'$PGBIN/psql' -Xq '$PG_west' \
    -v sub=fp_records_sub_eu_west \
    -v publisher='host=127.0.0.1 port=$PGPORT_east dbname=fp user=fp_replicator' \
    -f '$DEP/postgres/subscriber.sql' >/dev/null 2>'$TMP/sub.err'"
check "eu-west: Redis replica in sync" wait_for 20 sh -c \
    "redis-cli -p $RPORT_west INFO replication | grep -q 'master_link_status:up'"
# The subscription's own walsender (its application_name is the
# subscription's; the initial table copy has another for a while), asked
# again at each poll: a busy machine takes a while to start the workers.
sub_streaming() {
	test "$(sql "$PG_east" "SELECT count(*) FROM pg_stat_replication
	    WHERE state = 'streaming'
	    AND application_name = 'fp_records_sub_eu_west'")" = 1
}
check "eu-west: subscription streaming" wait_for 60 sub_streaming

start_sink east -t fp --pg "$PG_east" --redis "$REDIS_east" \
    --redis-auth-file "$TMP/redis.pw"
: >"$TMP/printed.jsonl"
for p in demo dig ipv6 chromium quic-go-v1-initial sll vlan; do
	"$FPSENSOR" -r "$PCAPS/$p.pcap" --kafka-brokers "$BROKERS" \
	    --kafka-topic fp -o "$TMP/r.jsonl" 2>/dev/null
	cat "$TMP/r.jsonl" >>"$TMP/printed.jsonl"
done
N=$(wc -l <"$TMP/printed.jsonl")
CLIENT=192.0.2.10

# Poll both regions every 10 ms: when did us-east have everything, when
# did eu-west.
"$PYTHON" - "$N" "$PGBIN/psql" "$PG_east" "$PG_west" "$RPORT_east" \
    "$RPORT_west" "$CLIENT" >"$TMP/lag.txt" <<'PY'
import subprocess, sys, time
n, psql, east, west, re_, rw, client = sys.argv[1:]
def rows(conn):
    r = subprocess.run([psql, conn, "-XAtqc", "SELECT count(*) FROM fp_records"],
                       capture_output=True, text=True)
    return int(r.stdout.strip() or 0)
def key(port):
    r = subprocess.run(["redis-cli", "-p", port, "HGET", "fp:client:" + client,
                        "event_id"], capture_output=True, text=True)
    return r.stdout.strip()
t = {}
deadline = time.time() + 60
while len(t) < 4 and time.time() < deadline:
    now = time.time()
    if "pg_east" not in t and rows(east) == int(n): t["pg_east"] = now
    if "pg_west" not in t and rows(west) == int(n): t["pg_west"] = now
    # The sink may still be writing when polling starts: time the latest
    # value us-east holds, afresh each time it changes.
    ke = key(re_)
    if ke and ("rd_east" not in t or t["rd_east"][1] != ke):
        t["rd_east"] = (now, ke)
        t.pop("rd_west", None)
    if "rd_east" in t and "rd_west" not in t and key(rw) == t["rd_east"][1]:
        t["rd_west"] = now
    time.sleep(0.01)
if len(t) == 4:
    print("pg %.0f" % max(0.0, (t["pg_west"] - t["pg_east"]) * 1000))
    print("redis %.0f" % max(0.0, (t["rd_west"] - t["rd_east"][0]) * 1000))
PY
check "eu-west has every row" rows_are "$PG_west" "$N"
check "eu-west rows = us-east rows (event ids)" cmp -s \
    <(sql "$PG_east" "SELECT event_id FROM fp_records ORDER BY 1") \
    <(sql "$PG_west" "SELECT event_id FROM fp_records ORDER BY 1")
check "eu-west rows = what fpsensor printed" cmp -s \
    <(event_ids "$TMP/printed.jsonl") \
    <(sql "$PG_west" "SELECT event_id FROM fp_records ORDER BY 1")
check "eu-west: whole records, same JSON" test "$(sql "$PG_west" \
    "SELECT md5(string_agg(record::text, '' ORDER BY event_id)) FROM fp_records")" = \
    "$(sql "$PG_east" \
    "SELECT md5(string_agg(record::text, '' ORDER BY event_id)) FROM fp_records")"
check "eu-west: same client keys in Redis" cmp -s \
    <(redis-cli -p "$RPORT_east" --scan --pattern 'fp:client:*' | sort) \
    <(redis-cli -p "$RPORT_west" --scan --pattern 'fp:client:*' | sort)
check "eu-west: same latest record of $CLIENT" test \
    "$(redis-cli -p "$RPORT_west" HGET "fp:client:$CLIENT" event_id)" = \
    "$(redis-cli -p "$RPORT_east" HGET "fp:client:$CLIENT" event_id)"
check "eu-west: Redis replica is read-only" sh -c "redis-cli -p $RPORT_west \
    SET x 1 | grep -q READONLY"
if [ -s "$TMP/lag.txt" ]; then
	pg_lag=$(sed -n 's/^pg //p' "$TMP/lag.txt")
	rd_lag=$(sed -n 's/^redis //p' "$TMP/lag.txt")
	slot=$(sql "$PG_east" "SELECT coalesce(round(extract(epoch FROM
	    replay_lag) * 1000, 1)::text, 'n/a') FROM pg_stat_replication
	    LIMIT 1")
	rows=$(sql "$PG_west" "SELECT round(avg(x), 1) || ' ms mean, ' ||
	    round(max(x), 1) || ' ms max' FROM (SELECT extract(epoch FROM
	    replicated_at - inserted_at) * 1000 AS x FROM fp_records) t")
	echo "replication lag us-east -> eu-west:"
	echo "  postgres, per row (replicated_at - inserted_at): $rows"
	echo "  postgres, pg_stat_replication.replay_lag: ${slot} ms"
	echo "  postgres, last row seen in eu-west after us-east: ${pg_lag} ms" \
	    "(10 ms polling)"
	echo "  redis, latest key seen in eu-west after us-east: ${rd_lag} ms" \
	    "(10 ms polling)"
	pass "replication lag measured"
else
	fail "replication lag not measured (timed out)"
fi
stop_sink
finish
