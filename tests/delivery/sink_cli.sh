#!/bin/bash
# fpsink's command line as an operator meets it: usage errors name the
# option, configuration errors name the setting, --migrate-only creates and
# migrates the schema (idempotent, refuses a newer one), makes the day
# partitions ahead and applies the retention.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/delivery/lib.sh"
[ -x "$FPSINK" ] || skip "fpsink not built (librdkafka, libpq, hiredis)"

expect_exit "--version" 0 "$FPSINK" --version
check "--version names the program" contains "$TMP/out" "fpsink "
expect_exit "--help" 0 "$FPSINK" --help
check "--help shows --pg" contains "$TMP/out" "--pg CONNINFO"
expect_exit "no arguments" 64 "$FPSINK"
check "no arguments: says why" contains "$TMP/err" "--pg"
expect_exit "no brokers" 64 "$FPSINK" --pg "dbname=x"
check "no brokers: says why" contains "$TMP/err" "--kafka-brokers"
K="-b 127.0.0.1:1 -t fp --pg dbname=x"
expect_exit "bad number" 64 "$FPSINK" $K --batch-size 0
check "bad number: names the option" contains "$TMP/err" "--batch-size: '0'"
expect_exit "bad --redis" 64 "$FPSINK" $K --redis localhost
check "bad --redis: names it" contains "$TMP/err" "--redis"
expect_exit "dead letters into the topic itself" 64 "$FPSINK" $K \
    --dlq-topic fp
expect_exit "unknown librdkafka key" 64 "$FPSINK" $K --kafka-conf no.such=1
check "unknown key named" contains "$TMP/err" "no.such"
expect_exit "bad librdkafka value" 64 "$FPSINK" $K \
    --kafka-conf session.timeout.ms=soon
check "bad value named" contains "$TMP/err" "session.timeout.ms"
expect_exit "missing auth file" 64 "$FPSINK" $K --redis-auth-file "$TMP/none"
port=$(free_port)
expect_exit "--migrate-only, no server" 2 "$FPSINK" --migrate-only \
    --pg "host=127.0.0.1 port=$port dbname=fp connect_timeout=2"
check "no server: says so" contains "$TMP/err" "postgres: connect"

[ -x "$PGBIN/initdb" ] || { finish; exit; }
start_pg main || { fail "postgres"; finish; exit; }
expect_exit "--migrate-only" 0 "$FPSINK" --migrate-only --pg "$PG_main" \
    --retention-days 30 -v
check "schema created" contains "$TMP/err" "schema migration 1 applied"
check "migrations recorded" test "$(sql "$PG_main" \
    'SELECT string_agg(version::text, $$,$$ ORDER BY version) FROM fpsink_migrations')" = "1,2"
today=$(date -u +%Y%m%d)
tomorrow=$(date -u -d tomorrow +%Y%m%d)
check "partitions of today and tomorrow made ahead" test "$(sql "$PG_main" \
    "SELECT count(*) FROM pg_class WHERE relname IN
    ('fp_records_$today', 'fp_records_$tomorrow')")" = 2
expect_exit "--migrate-only again: nothing to do" 0 "$FPSINK" --migrate-only \
    --pg "$PG_main" -v
check "again: no migration applied" sh -c "! grep -q 'migration' '$TMP/err'"
# Retention: an old day partition with a row is dropped, a recent one kept.
sql "$PG_main" "CREATE TABLE fp_records_20000101 PARTITION OF fp_records
    FOR VALUES FROM ('2000-01-01 00:00:00+00') TO ('2000-01-02 00:00:00+00');
    INSERT INTO fp_records (event_id, ts_start, ts_end, client_ip,
    client_port, server_ip, server_port, proto, record) VALUES
    ('00000000000000000000000000000001', '2000-01-01T10:00:00Z',
    '2000-01-01T10:00:01Z', '192.0.2.1', 1, '192.0.2.2', 2, 'tcp', '{}')"
expect_exit "retention 30 days" 0 "$FPSINK" --migrate-only --pg "$PG_main" \
    --retention-days 30 -v
check "old partition dropped" test "$(sql "$PG_main" \
    "SELECT count(*) FROM pg_class WHERE relname = 'fp_records_20000101'")" = 0
check "drop logged" contains "$TMP/err" "fp_records_20000101 dropped"
check "today's partition kept" test "$(sql "$PG_main" \
    "SELECT count(*) FROM pg_class WHERE relname = 'fp_records_$today'")" = 1
# A schema newer than this fpsink: refused, not touched.
sql "$PG_main" "INSERT INTO fpsink_migrations (version, name) VALUES (99, 'x')"
expect_exit "newer schema refused" 2 "$FPSINK" --migrate-only --pg "$PG_main"
check "newer schema: says so" contains "$TMP/err" "newer than this fpsink"
finish
