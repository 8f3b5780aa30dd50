#!/bin/bash
# tests/bench/bench_delivery.sh: delivery figures (make bench-delivery).
#
#   1. fpsensor offline on a corpus, JSON to /dev/null, against the same
#      run with the Kafka output (idempotent, acks=all, lz4) to the mock
#      cluster: the cost of the Kafka output (target: within 10%), and
#      the verdicts per second that went through Kafka, delivery included.
#   2. fpsink reading those records into PostgreSQL 15 (COPY + INSERT ...
#      ON CONFLICT, batches of 1000), without and with Redis: rows/s.
#
# Everything runs on loopback; the broker is librdkafka's mock cluster (in
# memory, one process), so the Kafka figure is the client side's cost, not
# a real cluster's.  Knobs: BENCH_DELIVERY_FLOWS (corpus size, default
# 50000), BENCH_RUNS (default 3), BENCH_CORPUS (time an existing pcap).
# Results go to stdout and bench-delivery-results.txt in the build dir.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/delivery/lib.sh"
need_delivery
RUNS=${BENCH_RUNS:-3}
FLOWS=${BENCH_DELIVERY_FLOWS:-50000}
OUT="$top_builddir/bench-delivery-results.txt"

corpus=${BENCH_CORPUS:-$top_builddir/bench-delivery-corpus-$FLOWS.pcap}
if [ ! -s "$corpus" ]; then
	echo "bench-delivery: growing a corpus of $FLOWS flows" >&2
	"$PYTHON" "$top_srcdir/tests/bench/grow_corpus.py" --flows "$FLOWS" \
	    --out "$corpus" "$PCAPS/demo.pcap" "$PCAPS/dig.pcap" \
	    "$PCAPS/chromium.pcap" "$PCAPS/ipv6.pcap" >&2 || exit 1
fi
cat "$corpus" >/dev/null			# page cache

# best SECONDS of RUNS runs of CMD...
best() {
	local b="" t0 t1 s i
	for i in $(seq "$RUNS"); do
		t0=$(date +%s%N)
		"$@" >/dev/null 2>"$TMP/best.err" || {
			cat "$TMP/best.err" >&2; return 1; }
		t1=$(date +%s%N)
		s=$(((t1 - t0) / 1000000))
		[ -z "$b" ] || [ "$s" -lt "$b" ] && b=$s
	done
	echo "$b"
}

# The mock cluster keeps a few MB per partition: the sink reads its own
# topic, written once, spread over enough partitions.
start_broker bench:8 sink:16 sink.dlq:1 || exit 1
ms_json=$(best "$FPSENSOR" -r "$corpus" --no-p0f -o /dev/null) || exit 1
"$FPSENSOR" -r "$corpus" --no-p0f -o "$TMP/records.jsonl" 2>/dev/null
N=$(wc -l <"$TMP/records.jsonl")
ms_kafka=$(best "$FPSENSOR" -r "$corpus" --no-p0f --kafka-brokers \
    "$BROKERS" --kafka-topic bench --spool-dir "$TMP/spool" \
    --kafka-flush-timeout 60) || exit 1
"$FPSENSOR" -r "$corpus" --no-p0f --kafka-brokers "$BROKERS" \
    --kafka-topic sink --kafka-flush-timeout 60 2>/dev/null || exit 1
M=$N

start_pg bench || exit 1
"$FPSINK" --migrate-only --pg "$PG_bench" --retention-days 0 >/dev/null
# sink_rate GROUP [fpsink options]: ms from the first row in Postgres to
# the last (the consumer group join before it is not counted).
sink_rate() {
	local group=$1 pid t0="" t1=""
	shift
	sql "$PG_bench" "TRUNCATE fp_records" >/dev/null
	"$FPSINK" -b "$BROKERS" -t sink --kafka-group "$group" \
	    --pg "$PG_bench" --retention-days 0 --batch-size 1000 \
	    --idle-exit 5 --stats "$@" 2>"$TMP/sink-$group.log" &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		n=$(sql "$PG_bench" "SELECT count(*) FROM fp_records")
		[ -z "$t0" ] && [ "$n" -gt 0 ] && t0=$(now_ms)
		[ "$n" -ge "$M" ] && { t1=$(now_ms); break; }
		sleep 0.05
	done
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	echo $(((${t1:-0} - ${t0:-0}) > 0 ? t1 - t0 : 1))
}
ms_pg=$(sink_rate g1)
rows_pg=$(sql "$PG_bench" "SELECT count(*) FROM fp_records")
start_redis bench || exit 1
ms_pgr=$(sink_rate g2 --redis "$REDIS_bench")
rows_pgr=$(sql "$PG_bench" "SELECT count(*) FROM fp_records")

{
	echo "fpsensor delivery benchmark: $(basename "$corpus"), $N records," \
	    "best of $RUNS"
	printf '  %-44s %8d ms  %9.0f records/s\n' \
	    "fpsensor -o /dev/null (JSON)" "$ms_json" \
	    "$(echo "$N * 1000 / $ms_json" | bc -l)"
	printf '  %-44s %8d ms  %9.0f records/s  (%+.1f%%)\n' \
	    "fpsensor --kafka-brokers (delivered)" "$ms_kafka" \
	    "$(echo "$N * 1000 / $ms_kafka" | bc -l)" \
	    "$(echo "($ms_kafka - $ms_json) * 100 / $ms_json" | bc -l)"
	printf '  %-44s %8d ms  %9.0f messages/s  (%d rows)\n' \
	    "fpsink -> Postgres ($M messages)" "$ms_pg" \
	    "$(echo "$M * 1000 / $ms_pg" | bc -l)" "$rows_pg"
	printf '  %-44s %8d ms  %9.0f messages/s  (%d rows)\n' \
	    "fpsink -> Postgres + Redis ($M messages)" "$ms_pgr" \
	    "$(echo "$M * 1000 / $ms_pgr" | bc -l)" "$rows_pgr"
} | tee "$OUT"
