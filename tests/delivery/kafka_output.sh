#!/bin/bash
# fpsensor's Kafka output against a real Kafka protocol endpoint (the
# librdkafka mock cluster in its own process), read back with kcat as an
# independent client: records, keys, headers, the spool when the broker is
# away (offline replay), its cap, and configuration errors.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/delivery/lib.sh"
[ -x "$MOCK_BROKER" ] || skip "mock_broker not built (no librdkafka)"
command -v "$KCAT" >/dev/null || skip "no kcat"

SRC="$PCAPS/demo.pcap"
start_broker fp:4 || { fail "mock broker"; finish; exit; }
KOPTS="--kafka-brokers $BROKERS --kafka-topic fp --sensor-id test-sensor"

# --- delivered: what fpsensor printed is what kcat reads ------------------
expect_exit "replay to Kafka" 0 "$FPSENSOR" -r "$SRC" $KOPTS \
    --spool-dir "$TMP/spool" -o "$TMP/printed.jsonl" --stats
check "15 records printed" test "$(wc -l <"$TMP/printed.jsonl")" -eq 15
check "--stats: 15 delivered" contains "$TMP/err" "kafka_delivered=15"
check "--stats: nothing spooled" contains "$TMP/err" "kafka_spooled=0"
timeout 20 "$KCAT" -C -b "$BROKERS" -t fp -e -q \
    -f '%k\t%h\t%s\n' >"$TMP/kcat.tsv" 2>"$TMP/kcat.err"
cut -f3 "$TMP/kcat.tsv" >"$TMP/topic.jsonl"
check "kcat reads 15 messages" test "$(wc -l <"$TMP/topic.jsonl")" -eq 15
check "same event ids in the topic" cmp -s <(event_ids "$TMP/printed.jsonl") \
    <(event_ids "$TMP/topic.jsonl")
check "values are the printed records" cmp -s \
    <(sort "$TMP/printed.jsonl") <(sort "$TMP/topic.jsonl")
check "key is the client address" "$PYTHON" -c '
import json, sys
for line in open(sys.argv[1]):
    key, hdrs, val = line.rstrip("\n").split("\t", 2)
    assert key == json.loads(val)["client"]["ip"], (key, val[:80])' \
    "$TMP/kcat.tsv"
# The model version header: the primary model's, as the verdicts name it.
mv=$("$PYTHON" -c '
import json, sys
v = [json.loads(l).get("verdict", {}).get("versions", {}).get("model")
     for l in open(sys.argv[1])]
print(next((x for x in v if x), "none"))' "$TMP/printed.jsonl")
check "headers: schema version, sensor id, model version ($mv)" \
    contains "$TMP/kcat.tsv" "schema_version=1,sensor_id=test-sensor,model_version=$mv"
check "spool left empty" test -z "$(ls "$TMP/spool" | grep seg)"

# --- broker away during an offline replay: spooled, exit 4 ---------------
broker_down
expect_exit "broker away: records spooled" 4 "$FPSENSOR" -r "$SRC" $KOPTS \
    --spool-dir "$TMP/spool" --kafka-flush-timeout 2 \
    --kafka-conf message.timeout.ms=1000 -o "$TMP/run1.jsonl" --stats
check "broker away: says so" contains "$TMP/err" "kept in spool"
check "broker away: 15 in the spool" contains "$TMP/err" "kafka_spool_records=15"
check "broker away: a segment on disk" test -n "$(ls "$TMP/spool" | grep seg)"
broker_up
# The next run sends the spool first, then its own records.
expect_exit "next run delivers the spool" 0 "$FPSENSOR" \
    -r "$PCAPS/dig.pcap" $KOPTS --spool-dir "$TMP/spool" \
    -o "$TMP/run2.jsonl" --stats
check "next run: spool replayed" contains "$TMP/err" "kafka_spool_replayed="
check "next run: spool empty" contains "$TMP/err" "kafka_spool_records=0"
check "next run: says it found a spool" contains "$TMP/err" "from an earlier run"
timeout 20 "$KCAT" -C -b "$BROKERS" -t fp -e -q -f '%p %o %s\n' \
    >"$TMP/all.txt" 2>/dev/null
cut -d' ' -f3- "$TMP/all.txt" >"$TMP/all.jsonl"
check "every record of both runs in the topic" "$PYTHON" -c '
import json, sys
have = [json.loads(l)["event_id"] for l in open(sys.argv[1])]
want = [json.loads(l)["event_id"] for f in sys.argv[2:] for l in open(f)]
assert all(w in have for w in want), "missing"
assert len(have) == len(set(have)), "duplicate"' \
    "$TMP/all.jsonl" "$TMP/printed.jsonl" "$TMP/run1.jsonl" "$TMP/run2.jsonl"
# In order: per partition, the spooled records (run 1) before run 2's.
check "spooled records come first" "$PYTHON" -c '
import json, sys
run1 = {json.loads(l)["event_id"] for l in open(sys.argv[2])}
run2 = {json.loads(l)["event_id"] for l in open(sys.argv[3])}
last1, first2 = {}, {}
for line in open(sys.argv[1]):
    p, o, v = line.split(" ", 2)
    e, o = json.loads(v)["event_id"], int(o)
    if e in run1: last1[p] = max(last1.get(p, -1), o)
    if e in run2: first2[p] = min(first2.get(p, 1 << 60), o)
assert last1 and first2
assert all(last1[p] < first2[p] for p in last1 if p in first2), (last1, first2)' \
    "$TMP/all.txt" "$TMP/run1.jsonl" "$TMP/run2.jsonl"

# --- spool cap: past it records are dropped, counted, exit 3 -------------
broker_down
expect_exit "spool full: records lost, exit 3" 3 "$FPSENSOR" -r "$SRC" \
    $KOPTS --spool-dir "$TMP/small" --spool-max-bytes 8192 \
    --kafka-flush-timeout 1 --kafka-conf message.timeout.ms=500 --stats
check "spool full: drops counted" grep -q '^kafka_spool_drops=[1-9]' "$TMP/err"
check "spool full: says records were lost" contains "$TMP/err" "records lost"
check "spool full: cap kept" test "$(cat "$TMP"/small/*.seg | wc -c)" -le 8192
broker_up

# --- write-ahead with the spool too small for the records in flight ------
# Sent without their spool copy (counted, said once), none lost: exit 0.
expect_exit "spool too small, broker up: delivered" 0 "$FPSENSOR" -r "$SRC" \
    $KOPTS --spool-dir "$TMP/tiny" --spool-max-bytes 4096 --stats
check "too small: sent without a copy, counted" \
    grep -q '^kafka_unlogged=[1-9]' "$TMP/err"
check "too small: said so" contains "$TMP/err" "without their copy"
check "too small: all 15 delivered" contains "$TMP/err" "kafka_delivered=15"
check "too small: nothing dropped" contains "$TMP/err" "kafka_spool_drops=0"

# --- configuration errors name what is wrong -------------------------------
expect_exit "unknown librdkafka key" 64 "$FPSENSOR" -r "$SRC" $KOPTS \
    --kafka-conf bogus.key=1
check "unknown key named" contains "$TMP/err" "bogus.key"
expect_exit "bad librdkafka value" 64 "$FPSENSOR" -r "$SRC" $KOPTS \
    --kafka-conf acks=seven
check "bad value named" contains "$TMP/err" "acks"
expect_exit "--kafka-conf without =" 64 "$FPSENSOR" -r "$SRC" $KOPTS \
    --kafka-conf acks
check "--kafka-conf without = explained" contains "$TMP/err" "KEY=VALUE"
expect_exit "idempotence needs acks=all" 64 "$FPSENSOR" -r "$SRC" $KOPTS \
    --kafka-conf acks=1
check "conflicting settings explained" contains "$TMP/err" "acks"
expect_exit "brokers without topic" 64 "$FPSENSOR" -r "$SRC" \
    --kafka-brokers "$BROKERS"
expect_exit "topic without brokers" 64 "$FPSENSOR" -r "$SRC" \
    --kafka-topic fp
expect_exit "spool under a file" 3 "$FPSENSOR" -r "$SRC" $KOPTS \
    --spool-dir "$SRC/spool"
check "spool error names the directory" contains "$TMP/err" "$SRC/spool"
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
	mkdir -p "$TMP/ro"
	chmod 555 "$TMP/ro"
	expect_exit "spool dir not writable" 3 runuser -u nobody -- \
	    "$FPSENSOR" -r "$SRC" $KOPTS --spool-dir "$TMP/ro"
	check "not writable: said so" contains "$TMP/err" "not writable"
fi
mkdir -p "$TMP/busy"
"$PYTHON" -c 'import fcntl, os, sys, time
fd = os.open(sys.argv[1] + "/spool.lock", os.O_RDWR | os.O_CREAT)
fcntl.flock(fd, fcntl.LOCK_EX)
time.sleep(5)' "$TMP/busy" &
LOCKER=$!
sleep 0.3
expect_exit "spool in use by another process" 3 "$FPSENSOR" -r "$SRC" \
    $KOPTS --spool-dir "$TMP/busy"
check "in use: said so" contains "$TMP/err" "in use"
kill "$LOCKER" 2>/dev/null

finish
