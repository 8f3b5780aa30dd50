#!/bin/bash
# --metrics of fpsink and of fpsensor's Kafka output, on loopback with the
# mock Kafka cluster and PostgreSQL 15: a real Prometheus scrapes both;
# fpsink_rows_written_total reaches the number of records fpsensor sent,
# the consumer lag drops to 0, fpsensor_kafka_delivered_total equals its
# --stats; promtool accepts fpsink's text; /readyz follows Postgres.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/delivery/lib.sh"
. "$top_srcdir/tests/prom_lib.sh"
need_delivery
command -v curl >/dev/null || skip "no curl"

start_broker fp:2 fp.dlq:1 || { fail "mock broker"; finish; exit; }
start_pg main || { fail "postgres"; finish; exit; }

start_sink main -t fp --pg "$PG_main" --metrics 127.0.0.1:0
poll 20 grep -q 'metrics: serving' "$TMP/sink-main.log"
SPORT=$(sed -n 's/.*metrics: serving .*(port \([0-9]*\)).*/\1/p' "$TMP/sink-main.log" | head -1)
check "fpsink endpoint listening (port ${SPORT:-none})" test -n "$SPORT"
SURL="http://127.0.0.1:$SPORT"
code() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@"; }
check "fpsink /readyz 200 once Postgres and the consumer are up" \
    poll 30 sh -c "test \"\$(curl -s -o /dev/null -w '%{http_code}' '$SURL/readyz')\" = 200"

# fpsensor sends the records, its endpoint lingering for the scrape.
"$FPSENSOR" -r "$PCAPS/demo.pcap" --kafka-brokers "$BROKERS" --kafka-topic fp \
    -o "$TMP/sent.jsonl" --stats -v --metrics 127.0.0.1:0 --metrics-linger 60 \
    2>"$TMP/sensor.err" &
SENSOR=$!
DLIB_PIDS="$DLIB_PIDS $SENSOR"
poll 20 grep -q 'input ended' "$TMP/sensor.err"
PPORT=$(sed -n 's/.*metrics: serving .*(port \([0-9]*\)).*/\1/p' "$TMP/sensor.err" | head -1)
N=$(wc -l <"$TMP/sent.jsonl")
check "fpsensor wrote $N records" test "$N" -gt 0

if command -v prometheus >/dev/null; then
	if start_prometheus "fpsink=127.0.0.1:$SPORT" "fpsensor=127.0.0.1:$PPORT"; then
		DLIB_PIDS="$DLIB_PIDS $PROM_PID"
		check "Prometheus: both targets up" poll 30 prom_is 'sum(up)' 2
		check "Prometheus: fpsink_rows_written_total == $N" \
		    poll 60 prom_is 'fpsink_rows_written_total' "$N"
		check "Prometheus: fpsink consumer lag 0 on every partition" \
		    poll 30 prom_is 'count(fpsink_consumer_lag == 0)' 2
		check "Prometheus: fpsensor_kafka_delivered_total == $N" \
		    poll 30 prom_is 'fpsensor_kafka_delivered_total' "$N"
		check "Prometheus: batch size histogram counts $N messages" \
		    poll 30 prom_is 'fpsink_batch_size_sum' "$N"
	else
		fail "prometheus did not start"
	fi
else
	echo "SKIP Prometheus part: prometheus not installed (setup.sh installs it)"
fi
curl -s --max-time 5 "$SURL/metrics" >"$TMP/sink.txt"
check "fpsink build_info" grep -q '^fpsink_build_info{version="[0-9.]*"} 1$' "$TMP/sink.txt"
check "fpsink rows written (curl)" grep -qx "fpsink_rows_written_total $N" "$TMP/sink.txt"
check "fpsink dead letters 0" grep -qx "fpsink_dead_letters_total 0" "$TMP/sink.txt"
if command -v promtool >/dev/null; then
	check "promtool check metrics (fpsink)" sh -c "promtool check metrics <'$TMP/sink.txt'"
fi
curl -s --max-time 5 "http://127.0.0.1:$PPORT/metrics" >"$TMP/sensor.txt"
check "fpsensor Kafka families served" grep -qx "fpsensor_kafka_delivered_total $N" "$TMP/sensor.txt"
check "fpsensor queue empty, nothing spooled or lost" sh -c "grep -qx 'fpsensor_kafka_queue_depth 0' '$TMP/sensor.txt' && grep -qx 'fpsensor_kafka_spool_dropped_total 0' '$TMP/sensor.txt' && grep -qx 'fpsensor_kafka_delivery_errors_total 0' '$TMP/sensor.txt'"
if command -v promtool >/dev/null; then
	check "promtool check metrics (fpsensor with Kafka)" sh -c "promtool check metrics <'$TMP/sensor.txt'"
fi
# Every metric the shipped alerting rules use is one the programs serve
# (the model families only once a model is loaded: none is here).
missing=""
for m in $(grep -o 'fp\(sensor\|sink\)_[a-z_]*' "$top_srcdir/deploy/k8s/base/monitoring/fpsensor.rules.yml" | sort -u); do
	case $m in fpsensor_model_*) continue ;; esac
	grep -q "^$m[ {]" "$TMP/sensor.txt" "$TMP/sink.txt" || missing="$missing $m"
done
check "metrics of the alerting rules all served${missing:+ (missing:$missing)}" test -z "$missing"
kill -TERM "$SENSOR"
wait "$SENSOR"
check "fpsensor exits 0" test $? = 0
check "fpsensor --stats agrees: kafka_delivered=$N" grep -qx "kafka_delivered=$N" "$TMP/sensor.err"

# Postgres goes away: not ready, errors counted, endpoint still answers.
stop_pg main
"$FPSENSOR" -r "$PCAPS/dig.pcap" --kafka-brokers "$BROKERS" --kafka-topic fp \
    -o /dev/null 2>/dev/null
check "fpsink /readyz 503 while Postgres is down" \
    poll 30 sh -c "test \"\$(curl -s -o /dev/null -w '%{http_code}' '$SURL/readyz')\" = 503"
check "fpsink_postgres_errors_total counts the failures" poll 30 sh -c \
    "curl -s '$SURL/metrics' | grep -q '^fpsink_postgres_errors_total [1-9]'"
check "fpsink /healthz 200" test "$(code "$SURL/healthz")" = 200
stop_sink
finish
