#!/bin/bash
# tests/live_metrics.sh: fpsensor -i --workers 2 --metrics on a veth pair
# between two network namespaces the test makes and removes
# (tests/live_lib.sh); /metrics scraped with curl on the capture
# namespace's loopback while it captures: per-worker packets, bytes and
# kernel drops, the pipeline families summed over the workers, verdicts,
# rules versions and a rules reload; promtool check metrics; /readyz;
# Kafka delivery counters with librdkafka's mock cluster.
# Needs root, ip netns and tcpreplay: exit 77 (skip) without.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/live_lib.sh"
. "$(dirname "$0")/prom_lib.sh"

command -v curl >/dev/null || skip "no curl"
netns_need
[ -x "$FPSENSOR" ] || skip "no fpsensor at $FPSENSOR"
netns_up || { fail "network namespaces set up"; finish; exit; }

for f in curl_https quic-go-v1-initial dig; do
	netns_rewrite "$PCAPS/$f.pcap" "$TMP/$f.pcap" ||
	    fail "tcprewrite $f"
done
cp -r "$top_srcdir/rules" "$TMP/rules"
chmod -R u+w "$TMP/rules"

live_start "$TMP/a.jsonl" "$TMP/a.err" --workers 2 --stats --no-ndpi \
    --rules "$TMP/rules" --no-watch --metrics 127.0.0.1:0 ||
    fail "fpsensor -i --metrics starts: $(tail -n 3 "$TMP/a.err")"
PORT=$(sed -n 's/.*metrics: serving .*(port \([0-9]*\)).*/\1/p' \
    "$TMP/a.err" | head -n 1)
check "endpoint listening (port ${PORT:-none})" test -n "$PORT"
URL="http://127.0.0.1:$PORT"
in_ns() { ip netns exec "$NS_CAP" "$@"; }
code() { in_ns curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@"; }
scrape() { in_ns curl -s --max-time 5 "$URL/metrics"; }
# sum_of FILE NAME: the sum of NAME's samples in FILE.
sum_of() {
	awk -v n="$2" 'index($0, n "{") == 1 || index($0, n " ") == 1 {
	    s += $NF } END { print s + 0 }' "$1"
}
check "/healthz 200 while capturing" test "$(code "$URL/healthz")" = 200
check "/readyz 200 while both workers capture" \
    test "$(code "$URL/readyz")" = 200

replay --pps 500 "$TMP/curl_https.pcap" "$TMP/quic-go-v1-initial.pcap" \
    "$TMP/dig.pcap" >"$TMP/replay.out"
SENT=$(sed -n 's/^[[:space:]]*Successful packets:[[:space:]]*\([0-9]*\).*/\1/p' \
    "$TMP/replay.out")
check "tcpreplay sent ${SENT:-no} packets" test "${SENT:-0}" -gt 0
# A worker publishes once per poll (100 ms when idle).
wait_until 10 sh -c "ip netns exec '$NS_CAP' curl -s --max-time 5 \
    '$URL/metrics' >'$TMP/m1.txt' && test \"\$(awk '/^fpsensor_packets_total\\{/ \
    { s += \$2 } END { print s + 0 }' '$TMP/m1.txt')\" = '$SENT'"
check "packets_total over the workers = packets sent ($SENT)" \
    test "$(sum_of "$TMP/m1.txt" fpsensor_packets_total)" = "$SENT"
grep '^fpsensor_packets_total{' "$TMP/m1.txt" | sed 's/^/    /'
for w in 0 1; do
	check "packets_total{worker=\"$w\"}" \
	    grep -q "^fpsensor_packets_total{worker=\"$w\"} [0-9]*\$" "$TMP/m1.txt"
	check "kernel_drops_total{worker=\"$w\"}" grep -q \
	    "^fpsensor_kernel_drops_total{worker=\"$w\"} [0-9]*\$" "$TMP/m1.txt"
	check "bytes_total{worker=\"$w\"}" grep -q \
	    "^fpsensor_bytes_total{worker=\"$w\"} [0-9]*\$" "$TMP/m1.txt"
done
check "flows active, summed" grep -q '^fpsensor_flows_active [0-9]*$' \
    "$TMP/m1.txt"
check "skipped by reason" contains "$TMP/m1.txt" \
    'fpsensor_packets_skipped_total{reason="not_ip"}'
check "records by type" contains "$TMP/m1.txt" 'fpsensor_records_total{type="dns"}'
check "anomalies by analyzer" contains "$TMP/m1.txt" \
    'fpsensor_anomalies_total{analyzer="tls"}'
check "verdicts by result" grep -Eq \
    '^fpsensor_verdicts_total\{model_version="[^"]+",result="spoof"\} ' \
    "$TMP/m1.txt"
check "rules_info of the tls database" grep -q \
    '^fpsensor_rules_info{database="tls",version="[^"]*"} 1$' "$TMP/m1.txt"
check "promtool check metrics" sh -c "promtool check metrics \
    <'$TMP/m1.txt' >'$TMP/promtool.out' 2>&1"
sed 's/^/    /' "$TMP/promtool.out" | head -n 5
check "every family served is in metrics.txt, labels as listed" \
    prom_listed "$TMP/m1.txt"

# A rules reload: counted, and the new version served.
sed -i 's/^version: .*/version: "metrics-reload"/' "$TMP/rules/tls.yaml"
kill -HUP "$LIVE_PID"
check "SIGHUP: rules reloaded" wait_until 10 contains "$TMP/a.err" \
    "reloaded rules"
check "reloads_total{rules,ok} 1 and the new tls version" wait_until 5 \
    sh -c "ip netns exec '$NS_CAP' curl -s --max-time 5 '$URL/metrics' \
    >'$TMP/m2.txt' && grep -q '^fpsensor_reloads_total{what=\"rules\",result=\"ok\"} 1\$' \
    '$TMP/m2.txt' && grep -q '^fpsensor_rules_info{database=\"tls\",version=\"metrics-reload\"} 1\$' '$TMP/m2.txt'"
check "reloads_total{rules,failed} 0" contains "$TMP/m2.txt" \
    'fpsensor_reloads_total{what="rules",result="failed"} 0'

live_stop
check "SIGTERM: exit 0" test $? = 0
# What the workers counted by the stop is what the last scrape saw: no
# packet came in between.
for w in 0 1; do
	check "worker $w: packets_total = --stats worker${w}_packets" test \
	    "$(sed -n "s/^fpsensor_packets_total{worker=\"$w\"} //p" \
	    "$TMP/m2.txt")" = "$(stat_of "$TMP/a.err" "worker${w}_packets")"
	check "worker $w: kernel_drops_total = --stats worker${w}_kernel_drops" \
	    test "$(sed -n "s/^fpsensor_kernel_drops_total{worker=\"$w\"} //p" \
	    "$TMP/m2.txt")" = "$(stat_of "$TMP/a.err" "worker${w}_kernel_drops")"
done
check "--stats: rules_reloads=1" contains "$TMP/a.err" "rules_reloads=1"
# The models of both workers (the source tree's by default), summed over
# them in one scrape: a latency per verdict, rows scored out of lookups.
if grep -q '^model_primary=' "$TMP/a.err"; then
	check "models: verdict_latency_seconds_count = verdicts_total" test \
	    "$(sum_of "$TMP/m2.txt" fpsensor_verdict_latency_seconds_count)" = \
	    "$(sum_of "$TMP/m2.txt" fpsensor_verdicts_total)" -a \
	    "$(sum_of "$TMP/m2.txt" fpsensor_verdicts_total)" -gt 0
	rows=$(sum_of "$TMP/m2.txt" fpsensor_inference_batch_size_sum)
	look=$(sum_of "$TMP/m2.txt" fpsensor_verdict_cache_lookups_total)
	hits=$(sum_of "$TMP/m2.txt" fpsensor_verdict_cache_hits_total)
	check "models: rows scored $rows = lookups $look - hits $hits" test \
	    "$rows" -gt 0 -a "$rows" = $((look - hits))
fi

# Kafka (librdkafka's mock cluster on the capture namespace's loopback):
# the output thread's delivery counters.  DNS flows only, ended by the
# UDP timeout: every record is delivered while it runs.
broker=$top_builddir/tests/kafka/mock_broker
if [ -x "$broker" ]; then
	ip netns exec "$NS_CAP" "$broker" -t fp >"$TMP/broker.out" \
	    2>"$TMP/broker.err" &
	bpid=$!
	trap 'kill $bpid 2>/dev/null; netns_down; rm -rf "$TMP"' EXIT
	wait_until 5 test -s "$TMP/broker.out"
	live_start "$TMP/k.jsonl" "$TMP/k.err" --workers 2 --stats \
	    --no-ndpi --udp-timeout 1 --metrics 127.0.0.1:0 \
	    --kafka-brokers "$(head -n 1 "$TMP/broker.out")" \
	    --kafka-topic fp ||
	    fail "fpsensor -i --kafka-brokers starts: $(tail -n 2 "$TMP/k.err")"
	PORT=$(sed -n 's/.*metrics: serving .*(port \([0-9]*\)).*/\1/p' \
	    "$TMP/k.err" | head -n 1)
	URL="http://127.0.0.1:$PORT"
	replay --pps 500 "$TMP/dig.pcap" >/dev/null
	# 1 s UDP timeout + 1 s clock lag + delivery.
	check "Kafka: records delivered and none queued" wait_until 20 sh -c \
	    "ip netns exec '$NS_CAP' curl -s --max-time 5 '$URL/metrics' \
	    >'$TMP/k.txt' && grep -q '^fpsensor_kafka_delivered_total [1-9]' \
	    '$TMP/k.txt' && grep -q '^fpsensor_kafka_queue_depth 0\$' '$TMP/k.txt'"
	check "Kafka: promtool check metrics" sh -c "promtool check metrics \
	    <'$TMP/k.txt' >/dev/null 2>&1"
	check "Kafka: families listed in metrics.txt" prom_listed "$TMP/k.txt"
	live_stop
	check "Kafka: exit 0" test $? = 0
	n=$(sed -n 's/^fpsensor_kafka_delivered_total //p' "$TMP/k.txt")
	check "Kafka: delivered_total = --stats kafka_delivered ($n)" test \
	    "$(stat_of "$TMP/k.err" kafka_delivered)" = "$n"
	check "Kafka: delivery_errors_total 0" contains "$TMP/k.txt" \
	    "fpsensor_kafka_delivery_errors_total 0"
	kill "$bpid" 2>/dev/null
	wait "$bpid" 2>/dev/null
else
	echo "SKIP Kafka: mock_broker not built"
fi
finish
