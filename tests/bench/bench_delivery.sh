#!/bin/bash
# tests/bench/bench_delivery.sh: delivery figures (make bench-delivery).
#
#   1. fpsensor offline on a corpus, JSON to /dev/null, against the same
#      run with the Kafka output (idempotent, acks=all, lz4) to the mock
#      cluster, with the write-ahead spool (the default) and with
#      --spool-mode overflow: the cost of the Kafka output (target: within
#      10%), and the verdicts per second that went through Kafka, delivery
#      included.  Wall time and CPU time (user + system, all threads: the
#      figure to trust on a shared machine), best of BENCH_RUNS each, with
#      the load average at the end.
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

# best CMD...: "WALL_MS CPU_MS", the least of each over RUNS runs (CPU:
# user + system of the process and its threads, from /usr/bin/time; "-"
# without it).
best() {
	local bw="" bc="" t0 t1 w c i
	for i in $(seq "$RUNS"); do
		rm -rf "$TMP/spool"
		t0=$(date +%s%N)
		if [ -x /usr/bin/time ]; then
			/usr/bin/time -f '%U %S' -o "$TMP/best.time" "$@" \
			    >/dev/null 2>"$TMP/best.err" || {
				cat "$TMP/best.err" >&2; return 1; }
			c=$(awk '{ printf "%d", ($1 + $2) * 1000 }' \
			    "$TMP/best.time")
		else
			"$@" >/dev/null 2>"$TMP/best.err" || {
				cat "$TMP/best.err" >&2; return 1; }
			c=-
		fi
		t1=$(date +%s%N)
		w=$(((t1 - t0) / 1000000))
		[ -z "$bw" ] || [ "$w" -lt "$bw" ] && bw=$w
		[ "$c" = - ] || [ -z "$bc" ] || [ "$c" -lt "$bc" ] && bc=$c
	done
	echo "$bw ${bc:--}"
}

# row NAME "WALL CPU" [JSON_WALL JSON_CPU]: one line of the table.
row() {
	local name=$1 w=${2% *} c=${2#* } jw=${3:-} jc=${4:-} d=""
	if [ -n "$jw" ]; then
		d=$(printf '  (wall %+.1f%%' \
		    "$(echo "($w - $jw) * 100 / $jw" | bc -l)")
		[ "$c" != - ] && d="$d$(printf ', cpu %+.1f%%' \
		    "$(echo "($c - $jc) * 100 / $jc" | bc -l)")"
		d="$d)"
	fi
	printf '  %-44s %8d ms  %6s ms cpu  %9.0f records/s%s\n' "$name" \
	    "$w" "$c" "$(echo "$N * 1000 / $w" | bc -l)" "$d"
}

# The mock cluster keeps a few MB per partition: the sink reads its own
# topic, written once, spread over enough partitions.
start_broker bench:8 sink:16 sink.dlq:1 || exit 1
"$FPSENSOR" -r "$corpus" --no-p0f -o "$TMP/records.jsonl" 2>/dev/null
N=$(wc -l <"$TMP/records.jsonl")
KAFKA="--kafka-brokers $BROKERS --kafka-topic bench --spool-dir $TMP/spool
    --kafka-flush-timeout 60"
r_json=$(best "$FPSENSOR" -r "$corpus" --no-p0f -o /dev/null) || exit 1
# shellcheck disable=SC2086
r_wal=$(best "$FPSENSOR" -r "$corpus" --no-p0f $KAFKA) || exit 1
# shellcheck disable=SC2086
r_ovf=$(best "$FPSENSOR" -r "$corpus" --no-p0f $KAFKA \
    --spool-mode overflow) || exit 1
"$FPSENSOR" -r "$corpus" --no-p0f --kafka-brokers "$BROKERS" \
    --kafka-topic sink --kafka-flush-timeout 60 2>/dev/null || exit 1
load=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)
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
	    "best of $RUNS, load average $load ($(nproc) CPUs)"
	row "fpsensor -o /dev/null (JSON)" "$r_json"
	row "fpsensor --kafka-brokers (wal spool)" "$r_wal" $r_json
	row "fpsensor --kafka-brokers (overflow spool)" "$r_ovf" $r_json
	printf '  %-44s %8d ms  %9.0f messages/s  (%d rows)\n' \
	    "fpsink -> Postgres ($M messages)" "$ms_pg" \
	    "$(echo "$M * 1000 / $ms_pg" | bc -l)" "$rows_pg"
	printf '  %-44s %8d ms  %9.0f messages/s  (%d rows)\n' \
	    "fpsink -> Postgres + Redis ($M messages)" "$ms_pgr" \
	    "$(echo "$M * 1000 / $ms_pgr" | bc -l)" "$rows_pgr"
} | tee "$OUT"
