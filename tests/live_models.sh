#!/bin/bash
# tests/live_models.sh: the client/OS family models in live capture with
# two workers (each with its own model set): the verdicts carry the
# model's version and client family, equal to an offline replay of the
# same traffic; SIGHUP loads a new version in every worker, and a broken
# model keeps the one in use.  Network namespaces as in tests/live.sh;
# exit 77 (skip) without root, ip netns, tcpreplay or XGBoost.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/live_lib.sh"

netns_need
[ -x "$FPSENSOR" ] || skip "no fpsensor at $FPSENSOR"
M="$TMP/models"
mkdir -p "$M"
cp -r "$top_srcdir/models/v1" "$M/v1"
"$FPSENSOR" -r "$PCAPS/chromium.pcap" --model-dir "$M" >/dev/null \
    2>"$TMP/probe.err" || skip "models do not load: $(head -n 1 \
    "$TMP/probe.err")"
netns_up || { fail "network namespaces set up"; finish; exit; }

TLS="chromium firefox curl_https python_https openssl_tls13 gnutls"
for f in $TLS; do
	netns_rewrite "$PCAPS/$f.pcap" "$TMP/$f.pcap" ||
	    fail "tcprewrite $f"
done
OPTS="--deterministic --no-ndpi --stats --model-dir $M"
for f in $TLS; do
	"$FPSENSOR" -r "$TMP/$f.pcap" $OPTS >>"$TMP/off.jsonl" 2>/dev/null
done

# model_of FILE FROM: "client ip:port ja4 -> model" lines of the records
# from line FROM on, sorted.
model_of() {
	tail -n +"$2" "$1" | "$PYTHON" -c '
import json, sys
for l in sys.stdin:
    r = json.loads(l)
    if "tls" not in r:
        continue
    v = r.get("verdict", {})
    m = v.get("model", {})
    print(r["client"]["ip"], r["client"]["port"], r["tls"].get("ja4"),
          m.get("version"), m.get("client"), m.get("client_probability"),
          m.get("os"), m.get("os_probability"),
          v.get("versions", {}).get("model"))' | sort
}

# --no-watch: the reloads counted below are the SIGHUPs' alone
# (tests/reload_watch.sh covers reloads on file change with workers).
live_start "$TMP/a.jsonl" "$TMP/a.err" --workers 2 $OPTS \
    --metrics 127.0.0.1:0 --no-watch ||
    fail "fpsensor -i --workers 2 with models starts: $(tail -n 3 \
    "$TMP/a.err")"
check "no warning about one worker" bash -c '! grep -qF "one worker" "$1"' _ "$TMP/a.err"
for f in $TLS; do
	replay --pps 200 "$TMP/$f.pcap" >/dev/null
done
n_off=$(grep -c '"tls"' "$TMP/off.jsonl")
check "every TLS flow written ($n_off)" wait_until 20 test \
    "$(grep -c '"tls"' "$TMP/a.jsonl")" -ge "$n_off"
model_of "$TMP/off.jsonl" 1 >"$TMP/off.models"
model_of "$TMP/a.jsonl" 1 >"$TMP/a.models"
check "two workers: verdicts carry the model, version and client" \
    "$PYTHON" -c '
import sys
rows = [l.split() for l in open(sys.argv[1])]
assert len(rows) >= 6, rows
assert all(r[3] == "v1" and r[8] == "v1" and r[4] != "None" for r in rows), rows
assert {"chrome", "firefox", "openssl_curl"} <= {r[4] for r in rows}, rows' \
    "$TMP/a.models"
check "two workers: the same model verdicts as an offline replay" \
    cmp -s "$TMP/off.models" "$TMP/a.models"
diff "$TMP/off.models" "$TMP/a.models" | head -n 6 | sed 's/^/    /'

# SIGHUP: a newer version in the directory is taken up by every worker.
cp -r "$M/v1" "$M/v2"
chmod -R a+rX "$M"
n=$(wc -l <"$TMP/a.jsonl")
kill -HUP "$LIVE_PID"
check "SIGHUP: the new model loaded" wait_until 20 contains "$TMP/a.err" \
    "reloaded model"
sleep 0.3	# both workers pass a poll
for f in chromium curl_https; do
	replay --pps 200 "$TMP/$f.pcap" >/dev/null
done
wait_until 20 test "$(wc -l <"$TMP/a.jsonl")" -ge $((n + 4))
model_of "$TMP/a.jsonl" $((n + 1)) >"$TMP/b.models"
check "after the reload: verdicts from v2" "$PYTHON" -c '
import sys
rows = [l.split() for l in open(sys.argv[1])]
assert len(rows) >= 4 and all(r[3] == "v2" and r[8] == "v2"
                              for r in rows), rows' "$TMP/b.models"

# A broken newest version: the reload fails, v2 stays.
mkdir "$M/v3"
cp "$M/v2/"* "$M/v3/"
head -c 100 "$M/v2/client.json" >"$M/v3/client.json"
chmod -R a+rX "$M"
n=$(wc -l <"$TMP/a.jsonl")
kill -HUP "$LIVE_PID"
check "SIGHUP, broken model: named, the previous one kept" wait_until 20 \
    contains "$TMP/a.err" "reload: model: $M/v3/client.json"
replay --pps 200 "$TMP/firefox.pcap" >/dev/null
wait_until 20 test "$(wc -l <"$TMP/a.jsonl")" -ge $((n + 1))
model_of "$TMP/a.jsonl" $((n + 1)) >"$TMP/c.models"
check "after the failed reload: verdicts still from v2" "$PYTHON" -c '
import sys
rows = [l.split() for l in open(sys.argv[1])]
assert rows and all(r[3] == "v2" for r in rows), rows' "$TMP/c.models"
PORT=$(sed -n 's/.*metrics: serving .*(port \([0-9]*\)).*/\1/p' \
    "$TMP/a.err" | head -n 1)
ip netns exec "$NS_CAP" curl -s --max-time 5 \
    "http://127.0.0.1:$PORT/metrics" >"$TMP/m.txt"
check "metrics: model reloads, one ok and one failed" "$PYTHON" -c '
import sys
t = open(sys.argv[1]).read()
for s in ("fpsensor_reloads_total{what=\"models\",result=\"ok\"} 1",
          "fpsensor_reloads_total{what=\"models\",result=\"failed\"} 1",
          "fpsensor_model_info{role=\"primary\",version=\"v2\"} 1",
          "fpsensor_model_scored_total{version=\"v1\",role=\"primary\"}",
          "fpsensor_model_scored_total{version=\"v2\",role=\"primary\"}"):
    assert s in t, s' "$TMP/m.txt"
live_stop
check "SIGTERM: exit 0" test $? = 0
check "--stats: two model reloads, one failed" "$PYTHON" -c '
import sys
s = dict(l.rstrip("\n").split("=", 1) for l in open(sys.argv[1]) if "=" in l)
assert s["model_reloads"] == "2" and s["model_reloads_failed"] == "1", s
assert int(s["model_rows"]) > 0 and int(s["model_cache_lookups"]) >= \
    int(s["model_rows"]), s' "$TMP/a.err"
finish
