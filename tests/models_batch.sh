#!/bin/bash
# tests/models_batch.sh: model rows scored in batches give the records,
# in the same order, that rows scored one at a time give.  200 TLS flows,
# each with a ClientHello no other has (tests/bench/distinct_hellos.py)
# and ended by the idle timeout while the next ones are read, read from a
# file (rows wait for a batch of 32) and trickled through a
# pipe (the pipe runs dry after each packet: the held records are written
# then, in batches of about one row).
. "$(dirname "$0")/lib.sh"

"$FPSENSOR" -r "$PCAPS/chromium.pcap" --model-dir "$top_srcdir/models" \
    >/dev/null 2>"$TMP/probe.err" || skip "models do not load: $(head -n 1 \
    "$TMP/probe.err")"
"$PYTHON" "$top_srcdir/tests/bench/distinct_hellos.py" \
    "$PCAPS/curl_https.pcap" "$TMP/h.pcap" 200 7 ||
    { fail "distinct_hellos.py"; finish; exit; }
OPTS="--deterministic --no-ndpi --stats --tcp-timeout 1 --model-dir $top_srcdir/models"

"$FPSENSOR" -r "$TMP/h.pcap" $OPTS >"$TMP/file.jsonl" 2>"$TMP/file.err"
check "from a file: exit 0" test $? = 0
mkfifo "$TMP/fifo"
"$FPSENSOR" -r "$TMP/fifo" $OPTS >"$TMP/pipe.jsonl" 2>"$TMP/pipe.err" &
pid=$!
"$PYTHON" - "$TMP/h.pcap" "$TMP/fifo" <<'PY'
import struct, sys, time
with open(sys.argv[1], "rb") as f, open(sys.argv[2], "wb") as o:
    o.write(f.read(24))
    while True:
        rec = f.read(16)
        if len(rec) < 16:
            break
        o.write(rec + f.read(struct.unpack("<I", rec[8:12])[0]))
        o.flush()
        time.sleep(0.001)
PY
wait "$pid"
check "through a pipe: exit 0" test $? = 0

stat() { sed -n "s/^$2=//p" "$1"; }
rows=$(stat "$TMP/file.err" model_rows)
b_file=$(stat "$TMP/file.err" model_batches)
b_pipe=$(stat "$TMP/pipe.err" model_batches)
echo "rows $rows: $b_file batches from the file, $b_pipe through the pipe"
check "200 records, a verdict with the model each" "$PYTHON" -c '
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
assert len(r) == 200 and all(x["verdict"]["model"]["version"] for x in r)
assert len({x["tls"]["ja4_r"] for x in r}) == 200' "$TMP/file.jsonl"
check "from a file: rows in batches of up to 32 ($rows rows, $b_file calls)" \
    test "${rows:-0}" -ge 190 -a "${b_file:-0}" -ge $(((rows + 31) / 32)) \
    -a "${b_file:-0}" -le $((rows / 16))
check "the pipe ran dry: smaller batches ($b_pipe calls)" \
    test "${b_pipe:-0}" -gt "${b_file:-0}"
check "batched and trickled: the same records in the same order" \
    cmp -s "$TMP/file.jsonl" "$TMP/pipe.jsonl"
check "every flow's model answer asked once, none from the cache" test \
    "$(stat "$TMP/file.err" model_cache_lookups)" = 200 -a \
    "$(stat "$TMP/pipe.err" model_cache_hits)" = \
    "$(stat "$TMP/file.err" model_cache_hits)"
finish
