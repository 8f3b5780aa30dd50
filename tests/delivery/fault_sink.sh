#!/bin/bash
# Fault: fpsink killed with SIGKILL in the middle of its work, and started
# again.  First at the worst moment, a batch committed to Postgres but its
# Kafka offsets not yet (a test option holds fpsink there); then at random
# moments while small batches go by.  Offsets are only committed after
# Postgres, so every record comes again after the restart, and Postgres
# keeps each once: nothing lost, nothing duplicated.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/delivery/lib.sh"
need_delivery

start_broker fp:4 fp.dlq:1 || { fail "mock broker"; finish; exit; }
start_pg main || { fail "postgres"; finish; exit; }
KOPTS="--kafka-brokers $BROKERS --kafka-topic fp"

: >"$TMP/printed.jsonl"
for p in demo dig ipv6 chromium; do
	"$FPSENSOR" -r "$PCAPS/$p.pcap" $KOPTS -o "$TMP/r.jsonl" 2>/dev/null
	cat "$TMP/r.jsonl" >>"$TMP/printed.jsonl"
done
N=$(wc -l <"$TMP/printed.jsonl")

# 1. Killed between the Postgres commit and the offset commit.
start_sink a -t fp --pg "$PG_main" --batch-size 5 \
    --test-commit-delay-ms 5000
check "first batch stored, offsets pending" wait_for 30 \
    grep -q "committing offsets in" "$TMP/sink-a.log"
kill9 "$SINK_PID"
stored=$(sql "$PG_main" "SELECT count(*) FROM fp_records")
check "killed with $stored rows stored, none committed" test "$stored" -gt 0
start_sink b -t fp --pg "$PG_main" --batch-size 5
check "restart: all $N rows" wait_for 60 rows_are "$PG_main" "$N"
stop_sink
check "restart: the stored batch came again" \
    grep -q "^duplicates=$stored\$" "$TMP/sink-b.log"
check "restart: each event id once" cmp -s <(event_ids "$TMP/printed.jsonl") \
    <(sql "$PG_main" "SELECT event_id FROM fp_records ORDER BY 1")

# 2. Killed at random moments (a fresh topic and group, batches of 3, each
# held 200 ms before its offsets are committed).
for p in demo dig ipv6 chromium quic-go-v1-initial sll; do
	"$FPSENSOR" -r "$PCAPS/$p.pcap" --kafka-brokers "$BROKERS" \
	    --kafka-topic fp2 -o "$TMP/r.jsonl" 2>/dev/null
	cat "$TMP/r.jsonl" >>"$TMP/printed.jsonl"
done
N=$(wc -l <"$TMP/printed.jsonl")
for i in 1 2; do
	start_sink "k$i" -t fp2 --kafka-group g2 --pg "$PG_main" \
	    --batch-size 3 --batch-ms 20 --test-commit-delay-ms 200
	wait_for 30 grep -q "partitions assigned" "$TMP/sink-k$i.log"
	sleep "$((RANDOM % 2)).$((RANDOM % 10))"
	kill9 "$SINK_PID"
	echo "  (kill $i: $(sql "$PG_main" 'SELECT count(*) FROM fp_records') of $N rows stored)"
done
start_sink last -t fp2 --kafka-group g2 --pg "$PG_main"
check "after the kills: all $N rows" wait_for 60 rows_are "$PG_main" "$N"
check "after the kills: each event id once" cmp -s \
    <(event_ids "$TMP/printed.jsonl") \
    <(sql "$PG_main" "SELECT event_id FROM fp_records ORDER BY 1")
stop_sink
finish
