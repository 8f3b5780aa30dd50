#!/bin/bash
# fpsink and bad input: messages that are not JSON, not an object, not our
# schema, not storable in jsonb, or too large go to the dead-letter topic
# with the reason in a header, are counted, and never block their
# partition (the valid records after them are stored).  A record older
# than the retention is counted, not stored.  A record with a
# model version not seen before is announced on the Redis channel fp:model.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/delivery/lib.sh"
need_delivery

start_broker fp:2 fp.dlq:1 || { fail "mock broker"; finish; exit; }
start_pg main || { fail "postgres"; finish; exit; }
start_redis main || { fail "redis"; finish; exit; }
redis-cli -p "$RPORT_main" SUBSCRIBE fp:model >"$TMP/sub.out" &
DLIB_PIDS="$DLIB_PIDS $!"

"$FPSENSOR" -r "$PCAPS/demo.pcap" -o "$TMP/good.jsonl" 2>/dev/null
# Bad messages, each followed by a valid record, all in partition 0.
"$PYTHON" - "$TMP/good.jsonl" "$TMP" <<'PY'
import json, sys
good = [l.rstrip("\n") for l in open(sys.argv[1])]
rec = json.loads(good[0])
def variant(**kw):
    r = dict(rec); r.update(kw); return json.dumps(r)
bad = [
    "hello, world",                                   # not_json
    good[1][:100],                                    # not_json (cut)
    "[1, 2, 3]",                                      # not_object
    "{}",                                             # bad_schema
    variant(event_id="NOT-AN-ID"),                    # bad_schema
    variant(ts_start="2026-02-30T00:00:00.000000Z"),  # bad_schema
    variant(client={"ip": "999.1.1.1", "port": 1}),   # bad_schema
    variant(schema_version=2),                        # bad_version
    variant(end_reason="nul\u0000byte"),              # not_json (jsonb)
    json.dumps(rec)[:-1] + ', "pad": "' + "x" * 10000 + '"}',  # oversized
]
with open(sys.argv[2] + "/mixed.txt", "w") as f:
    for i, b in enumerate(bad):
        f.write(b + "\n" + good[2 + i] + "\n")
with open(sys.argv[2] + "/rest.txt", "w") as f:
    for g in [good[0], good[1]] + good[12:]:
        f.write(g + "\n")
with open(sys.argv[2] + "/model.txt", "w") as f:
    f.write(variant(event_id="f" * 32) + "\n")
    # Past the retention: valid, counted, not stored.
    f.write(variant(event_id="e" * 32, ts_start="2001-01-01T00:00:00.000000Z",
                    ts_end="2001-01-01T00:00:01.000000Z") + "\n")
open(sys.argv[2] + "/binary.bin", "wb").write(bytes(range(256)) * 4)
PY
"$KCAT" -P -b "$BROKERS" -t fp -p 0 -l "$TMP/mixed.txt" 2>/dev/null
"$KCAT" -P -b "$BROKERS" -t fp -p 0 "$TMP/binary.bin" 2>/dev/null
"$KCAT" -P -b "$BROKERS" -t fp -p 1 -l "$TMP/rest.txt" 2>/dev/null
"$KCAT" -P -b "$BROKERS" -t fp -p 1 -H model_version=xgb-2026.1 \
    -l "$TMP/model.txt" 2>/dev/null

start_sink main -t fp --pg "$PG_main" --redis "$REDIS_main" \
    --max-message-bytes 4096 --retention-days 3650
check "the 16 valid records stored" wait_for 30 rows_are "$PG_main" 16
check "valid records after bad ones stored (partition not blocked)" \
    test "$(sql "$PG_main" "SELECT count(*) FROM fp_records WHERE event_id
    IN ($(sed -n '3,12p' "$TMP/good.jsonl" | "$PYTHON" -c '
import json, sys
print(",".join("%s" % repr(json.loads(l)["event_id"]) for l in sys.stdin))'))")" = 10
check "11 dead letters" wait_for 20 sh -c "[ \"\$(timeout 10 $KCAT -C \
    -b $BROKERS -t fp.dlq -e -q -f '%h\n' 2>/dev/null | wc -l)\" -eq 11 ]"
timeout 10 "$KCAT" -C -b "$BROKERS" -t fp.dlq -e -q -f '%h\n' \
    >"$TMP/dlq.hdr" 2>/dev/null
for r in not_json not_object bad_schema bad_version oversized; do
	check "dead letter reason $r" contains "$TMP/dlq.hdr" "dlq_reason=$r"
done
check "dead letters say where they came from" contains "$TMP/dlq.hdr" \
    "dlq_source_topic=fp,dlq_source_partition=0"
check "oversized dead letter cut, length kept" contains "$TMP/dlq.hdr" \
    "dlq_original_length=100"
check "model version announced on fp:model" wait_for 10 grep -q \
    "xgb-2026.1" "$TMP/sub.out"
check "model version in fp:models" test "$(rcli "$RPORT_main" SISMEMBER \
    fp:models xgb-2026.1)" = 1
check "model version stored" test "$(sql "$PG_main" "SELECT model_version
    FROM fp_records WHERE event_id = '$(printf 'f%.0s' $(seq 32))'")" = \
    "xgb-2026.1"
stop_sink
L="$TMP/sink-main.log"
check "counted: 11 dead letters" grep -q '^dead_letters=11$' "$L"
check "counted: 4 not JSON" grep -q '^invalid_not_json=4$' "$L"
check "counted: 4 bad schema" grep -q '^invalid_bad_schema=4$' "$L"
check "counted: 1 not an object" grep -q '^invalid_not_object=1$' "$L"
check "counted: 1 bad version" grep -q '^invalid_bad_version=1$' "$L"
check "counted: 1 oversized" grep -q '^oversized=1$' "$L"
check "counted: 1 model announced" grep -q '^models_announced=1$' "$L"
check "counted: 1 past the retention" grep -q '^expired=1$' "$L"
check "past the retention: no partition made" test "$(sql "$PG_main" \
    "SELECT count(*) FROM pg_class WHERE relname = 'fp_records_20010101'")" = 0
finish
