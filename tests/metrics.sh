#!/bin/bash
# --metrics: fpsensor's Prometheus endpoint scraped by a real Prometheus on
# loopback (fpsensor_packets_total must equal what --stats prints for the
# capture), checked with promtool, and hostile clients (oversized request,
# slowloris connections, garbage) that must not stop a scrape.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/prom_lib.sh"

command -v curl >/dev/null || skip "no curl"
PIDS=""
cleanup() {
	local p
	for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
	exec 3>&- 2>/dev/null
	wait 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

SRC="$PCAPS/demo.pcap"
"$FPSENSOR" -r "$SRC" --no-p0f -o /dev/null --stats 2>"$TMP/stats"
PACKETS=$(sed -n 's/^packets=//p' "$TMP/stats")
BYTES=$(sed -n 's/^bytes=//p' "$TMP/stats")
RECORDS=$(sed -n 's/^records=//p' "$TMP/stats")
check "reference run: $PACKETS packets, $RECORDS records" test "${PACKETS:-0}" -gt 0

# The endpoint's port, from the -v log line (port 0: the kernel's choice).
port_of() {
	poll 10 grep -q 'metrics: serving' "$1" || return 1
	sed -n 's/.*metrics: serving .*(port \([0-9]*\)).*/\1/p' "$1" | head -1
}

# fpsensor reading a pipe that stays open: the endpoint is up while it
# waits for more input.
# With a GeoIP database (when tests/fixtures/geoip/make_mmdb.pl can write
# one), a SIGHUP halfway through the capture reloads it.
GEO=()
mkdir -p "$TMP/geo"
if perl "$top_srcdir/tests/fixtures/geoip/make_mmdb.pl" "$TMP/geo" >/dev/null 2>&1; then
	GEO=(--geoip-city "$TMP/geo/city.mmdb")
fi
# The signature databases, with tls.yaml broken before the SIGHUP: that
# rules reload fails and the previous set is kept.
cp -r "$top_srcdir/rules" "$TMP/rules"
chmod -R u+w "$TMP/rules"
mkfifo "$TMP/in"
"$FPSENSOR" -r "$TMP/in" --no-p0f -o "$TMP/pipe.jsonl" --stats -v \
    --metrics 127.0.0.1:0 --rules "$TMP/rules" --no-watch "${GEO[@]}" \
    2>"$TMP/pipe.err" &
SENSOR=$!
PIDS="$PIDS $SENSOR"
PORT=$(port_of "$TMP/pipe.err")
check "endpoint listening before the input opens (port ${PORT:-none})" test -n "$PORT"
URL="http://127.0.0.1:$PORT"
code() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@"; }
check "/healthz 200 while waiting for the input" test "$(code "$URL/healthz")" = 200
check "/readyz 503 while waiting for the input" test "$(code "$URL/readyz")" = 503
exec 3>"$TMP/in"
HALF=$(($(wc -c <"$SRC") / 2))
head -c "$HALF" "$SRC" >&3
check "first half of the capture counted" poll 10 sh -c \
    "curl -s --max-time 5 '$URL/metrics' | grep -q '^fpsensor_packets_total{worker=\"0\"} [1-9]'"
echo 'rules: [' >>"$TMP/rules/tls.yaml"
kill -HUP "$SENSOR"
tail -c +$((HALF + 1)) "$SRC" >&3

scrape() { curl -s --max-time 5 "$URL/metrics"; }
metric() { scrape | sed -n "s/^$1 //p"; }
check "packets of the open pipe all counted" poll 10 \
    sh -c "curl -s --max-time 5 '$URL/metrics' | grep -qx 'fpsensor_packets_total{worker=\"0\"} $PACKETS'"
scrape >"$TMP/m1.txt"
check "bytes_total = $BYTES" contains "$TMP/m1.txt" "fpsensor_bytes_total{worker=\"0\"} $BYTES"
check "build_info" grep -q '^fpsensor_build_info{version="[0-9.]*",ja4plus="\(yes\|no\)"} 1$' "$TMP/m1.txt"
check "skipped by reason" contains "$TMP/m1.txt" 'fpsensor_packets_skipped_total{reason="not_ip"}'
check "records by type" contains "$TMP/m1.txt" 'fpsensor_records_total{type="tls"}'
check "flows active" grep -q '^fpsensor_flows_active [0-9]*$' "$TMP/m1.txt"
if [ ${#GEO[@]} -gt 0 ]; then
	check "SIGHUP: reloads_total{geoip,ok} 1" contains "$TMP/m1.txt" \
	    'fpsensor_reloads_total{what="geoip",result="ok"} 1'
	check "SIGHUP: reloads_total{geoip,failed} 0" contains "$TMP/m1.txt" \
	    'fpsensor_reloads_total{what="geoip",result="failed"} 0'
fi
check "SIGHUP, broken tls.yaml: reloads_total{rules,failed} 1" contains \
    "$TMP/m1.txt" 'fpsensor_reloads_total{what="rules",result="failed"} 1'
check "SIGHUP, broken tls.yaml: reloads_total{rules,ok} 0" contains \
    "$TMP/m1.txt" 'fpsensor_reloads_total{what="rules",result="ok"} 0'
for db in tls tcp http useragent; do
	v=$(sed -n 's/^version: *"\{0,1\}\([^"]*\)"\{0,1\} *$/\1/p' \
	    "$top_srcdir/rules/$db.yaml")
	check "rules_info{database=$db,version=$v} 1 (the set kept)" contains \
	    "$TMP/m1.txt" "fpsensor_rules_info{database=\"$db\",version=\"$v\"} 1"
done
if command -v promtool >/dev/null; then
	check "promtool check metrics" sh -c "promtool check metrics <'$TMP/m1.txt' >'$TMP/promtool.out' 2>&1"
	sed 's/^/    /' "$TMP/promtool.out" | head -5
fi
check "content type 0.0.4" sh -c "curl -s -o /dev/null -w '%{content_type}' '$URL/metrics' | grep -q 'text/plain; version=0.0.4'"
check "/healthz 200" test "$(code "$URL/healthz")" = 200
check "/readyz 200 while capturing" test "$(code "$URL/readyz")" = 200
check "unknown path 404" test "$(code "$URL/nothing")" = 404
check "POST 405" test "$(code -X POST "$URL/metrics")" = 405
check "HEAD 405" test "$(code -I "$URL/metrics")" = 405
check "query string ignored" test "$(code "$URL/metrics?x=1")" = 200

# Hostile clients.  Each answer is read by a small client that reports the
# status line, or "closed" when the server closed without one.
raw() {
	"$PYTHON" - "$PORT" "$1" 3>&- <<'PY'
import socket, sys, os
port, mode = int(sys.argv[1]), sys.argv[2]
s = socket.create_connection(("127.0.0.1", port), timeout=8)
if mode == "big":
    s.sendall(b"GET /metrics HTTP/1.1\r\nX-Pad: " + b"a" * 20000 + b"\r\n\r\n")
elif mode == "garbage":
    s.sendall(os.urandom(300).replace(b"\r\n\r\n", b"") + b"\r\n\r\n")
elif mode == "nul":
    s.sendall(b"GET /met\x00rics HTTP/1.1\r\n")
elif mode == "nocrlf":
    s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
s.shutdown(socket.SHUT_WR) if mode != "nocrlf" else None
data = b""
try:
    while True:
        b = s.recv(65536)
        if not b:
            break
        data += b
except OSError as e:
    print("error", e)
    sys.exit(0)
print(data.split(b"\r\n")[0].decode("latin-1") if data else "closed")
PY
}
check "oversized request: 431" sh -c "test \"\$(cat)\" = 'HTTP/1.1 431 Request Header Fields Too Large'" <<<"$(raw big)"
check "garbage bytes: 400" sh -c "test \"\$(cat)\" = 'HTTP/1.1 400 Bad Request'" <<<"$(raw garbage)"
check "NUL byte: 400" sh -c "test \"\$(cat)\" = 'HTTP/1.1 400 Bad Request'" <<<"$(raw nul)"
check "plain request still served: 200" sh -c "test \"\$(cat)\" = 'HTTP/1.1 200 OK'" <<<"$(raw nocrlf)"

# Slowloris: connections that send half a request and hold it, more of
# them than the server keeps; a scrape meanwhile is answered in full.
"$PYTHON" - "$PORT" 40 >"$TMP/slow.out" 2>&1 3>&- <<'PY' &
import socket, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2])
socks = []
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET /metrics HTTP/1.1\r\nHost: slow\r\n")
    socks.append(s)
print("holding", len(socks), flush=True)
time.sleep(4)
PY
SLOW=$!
PIDS="$PIDS $SLOW"
poll 10 grep -q holding "$TMP/slow.out"
check "scrape succeeds while 40 slow connections are held" \
    sh -c "curl -s --max-time 5 '$URL/metrics' | grep -q '^fpsensor_packets_total{worker=\"0\"} $PACKETS\$'"
n_fd=$(ls /proc/"$SENSOR"/fd | wc -l)
check "descriptors bounded under slowloris ($n_fd open)" test "$n_fd" -lt 40
wait "$SLOW" 2>/dev/null

# A real Prometheus scraping it every second.
if command -v prometheus >/dev/null; then
	# The alerting rules deploy/ ships (promtool-tested by
	# tests/deploy.sh); the job is named as the Kubernetes Service is.
	RULES="$top_srcdir/deploy/k8s/base/monitoring/fpsensor.rules.yml"
	check "promtool check rules (deploy/k8s/base/monitoring)" sh -c "promtool check rules '$RULES' >/dev/null"
	if PROM_RULES=$RULES start_prometheus "fpsensor-metrics=127.0.0.1:$PORT"; then
		PIDS="$PIDS $PROM_PID"
		check "Prometheus: every alerting rule evaluates" poll 20 sh -c "
		    curl -s 'http://$PROM/api/v1/rules' | '$PYTHON' -c '
import json, sys
g = json.load(sys.stdin)[\"data\"][\"groups\"]
r = [x for grp in g for x in grp[\"rules\"]]
assert len(r) >= 10 and all(x.get(\"health\") == \"ok\" for x in r), r'"
		check "Prometheus: up == 1" poll 30 prom_is 'up{job="fpsensor-metrics"}' 1
		check "Prometheus: fpsensor_packets_total == $PACKETS (--stats)" \
		    poll 30 prom_is 'fpsensor_packets_total{job="fpsensor-metrics",worker="0"}' "$PACKETS"
		check "Prometheus: records_total sums to $RECORDS" \
		    poll 10 prom_is 'sum(fpsensor_records_total{job="fpsensor-metrics"})' "$RECORDS"
	else
		fail "prometheus did not start"
	fi
else
	echo "SKIP Prometheus part: prometheus not installed (setup.sh installs it)"
fi

# End of input: fpsensor exits 0 and wrote its records.
exec 3>&-
wait "$SENSOR"
check "fpsensor exits 0 when the pipe closes" test $? = 0
check "--stats: rules_reloads_failed=1" contains "$TMP/pipe.err" \
    "rules_reloads_failed=1"
check "records written: $RECORDS" test "$(wc -l <"$TMP/pipe.jsonl")" = "$RECORDS"

# --metrics-linger: the final figures stay readable after the file ends;
# not ready any more; SIGTERM ends the wait.  Verdicts by result equal
# what --stats prints at the exit.
"$FPSENSOR" -r "$SRC" --no-p0f -o /dev/null -v --metrics 127.0.0.1:0 \
    --rules "$top_srcdir/rules" --stats \
    --metrics-linger 60 2>"$TMP/linger.err" &
LING=$!
PIDS="$PIDS $LING"
PORT=$(port_of "$TMP/linger.err")
URL="http://127.0.0.1:$PORT"
check "linger: input ended" poll 10 grep -q 'input ended' "$TMP/linger.err"
check "linger: final packets_total" sh -c "curl -s --max-time 5 '$URL/metrics' | grep -qx 'fpsensor_packets_total{worker=\"0\"} $PACKETS'"
check "linger: /readyz 503 once the input ended" test "$(code "$URL/readyz")" = 503
curl -s --max-time 5 "$URL/metrics" >"$TMP/linger.txt"
check "linger: /healthz 200" test "$(code "$URL/healthz")" = 200
kill -TERM "$LING"
wait "$LING"
check "linger: SIGTERM ends it, exit 0" test $? = 0
# The verdicts' model_version is the primary model's, as model_info and
# --stats say ("none" without a model).
mv=$(sed -n 's/^fpsensor_model_info{role="primary",version="\([^"]*\)"} 1$/\1/p' \
    "$TMP/linger.txt")
check "model_info names the primary model --stats names (${mv:-none})" \
    test "${mv:-none}" = "$(sed -n 's/^model_primary=//p' "$TMP/linger.err" |
    grep . || echo none)"
n_v=0
for r in consistent spoof unknown; do
	want=$(sed -n "s/^verdicts_$r=//p" "$TMP/linger.err")
	got=$(sed -n "s/^fpsensor_verdicts_total{model_version=\"${mv:-none}\",result=\"$r\"} //p" \
	    "$TMP/linger.txt")
	check "verdicts_total{result=$r} = --stats verdicts_$r (${want:-none})" \
	    test -n "$want" -a "$got" = "$want"
	n_v=$((n_v + ${got:-0}))
done
check "  verdicts sum to --stats verdicts ($n_v)" contains "$TMP/linger.err" \
    "verdicts=$n_v"
check "  some verdicts in this capture" test "$n_v" -gt 0
# The model families (the source tree's model is the default here), equal
# to what --stats prints at the exit.
if [ -n "$mv" ]; then
	stat() { sed -n "s/^$1=//p" "$TMP/linger.err"; }
	metric() { sed -n "s/^$1 //p" "$TMP/linger.txt"; }
	for x in "verdict_cache_lookups_total model_cache_lookups" \
	    "verdict_cache_hits_total model_cache_hits" \
	    "inference_batch_size_count model_batches" \
	    "inference_batch_size_sum model_rows" \
	    "verdict_latency_seconds_count verdicts" \
	    "model_scored_total{version=\"$mv\",role=\"primary\"} model_verdicts.$mv" \
	    'reloads_total{what="models",result="failed"} model_reloads_failed'; do
		set -- $x
		check "fpsensor_$1 = --stats $2 ($(stat "$2"))" \
		    test -n "$(stat "$2")" -a "$(metric "fpsensor_$1")" = "$(stat "$2")"
	done
	check "  model rows scored in this capture" test "$(stat model_rows)" -gt 0
	check "  verdict latency: every bucket count counted, sum > 0" \
	    "$PYTHON" -c '
import re, sys
t = open(sys.argv[1]).read()
b = [int(x) for x in re.findall(r"^fpsensor_verdict_latency_seconds_bucket"
                                 r"\{le=\"[^\"]+\"\} (\d+)$", t, re.M)]
s = float(re.search(r"^fpsensor_verdict_latency_seconds_sum (\S+)$", t,
                    re.M).group(1))
assert len(b) == 15 and b == sorted(b) and b[-1] > 0 and s > 0, (b, s)' \
	    "$TMP/linger.txt"
else
	echo "SKIP model families: no model in this build"
fi
check "every family served is in deploy/.../metrics.txt, labels as listed" \
    prom_listed "$TMP/m1.txt" "$TMP/linger.txt"

# Candidate and shadow: both versions visible, disagreements with the
# primary equal --stats (v2: v1 with other class names for two classes).
if [ -n "$mv" ] && [ -d "$top_srcdir/models/$mv" ]; then
	MD="$TMP/models"
	mkdir -p "$MD"
	cp -r "$top_srcdir/models/$mv" "$MD/a"
	cp -r "$top_srcdir/models/$mv" "$MD/b"
	"$PYTHON" - "$MD/b/client.yaml" <<'PY'
import re, sys
p = sys.argv[1]
t = open(p).read()
t = t.replace("chrome", "chrome_b", 1).replace("firefox", "firefox_b", 1)
open(p, "w").write(t)
PY
	"$FPSENSOR" -r "$PCAPS/demo.pcap" -o /dev/null -v --metrics 127.0.0.1:0 \
	    --stats --metrics-linger 60 --model-dir "$MD" --model a \
	    --model-candidate a --model-candidate-share 50 --model-shadow b \
	    2>"$TMP/ab.err" &
	AB=$!
	PIDS="$PIDS $AB"
	PORT=$(port_of "$TMP/ab.err")
	poll 10 grep -q 'input ended' "$TMP/ab.err"
	curl -s --max-time 5 "http://127.0.0.1:$PORT/metrics" >"$TMP/ab.txt"
	kill -TERM "$AB"
	wait "$AB"
	ab() { sed -n "s/^$1=//p" "$TMP/ab.err"; }
	d=$(ab model_shadow_disagreements)
	check "disagreements_total{primary=a,other=b} = --stats (${d:-none})" \
	    grep -qx "fpsensor_model_disagreements_total{primary=\"a\",other=\"b\"} $d" \
	    "$TMP/ab.txt"
	check "  some in this capture" test "${d:-0}" -gt 0
	check "model_scored_total{b,shadow} = --stats model_shadowed.b" \
	    grep -qx "fpsensor_model_scored_total{version=\"b\",role=\"shadow\"} $(ab model_shadowed.b)" \
	    "$TMP/ab.txt"
	n=$(awk '/^fpsensor_model_scored_total\{version="a",role="(primary|candidate)"\}/ { n += $2 } END { print n + 0 }' \
	    "$TMP/ab.txt")
	check "model_scored_total{a, primary + candidate} = --stats model_verdicts.a ($n)" \
	    test "$n" = "$(ab model_verdicts.a)" -a "$n" -gt 0
	check "  families listed in metrics.txt" prom_listed "$TMP/ab.txt"
fi

# Anomalies: the names the records carry, counted by analyzer.
Q="$PCAPS/quic-go-v1-initial.pcap"
"$FPSENSOR" -r "$Q" --no-p0f -o "$TMP/q.jsonl" -v --metrics 127.0.0.1:0 \
    --metrics-linger 60 2>"$TMP/q.err" &
QP=$!
PIDS="$PIDS $QP"
PORT=$(port_of "$TMP/q.err")
poll 10 grep -q 'input ended' "$TMP/q.err"
WANT=$("$PYTHON" -c 'import json, sys
def walk(v):
    if isinstance(v, dict):
        return sum(len(x) if k == "anomalies" and isinstance(x, list) else walk(x)
                   for k, x in v.items())
    return sum(walk(x) for x in v) if isinstance(v, list) else 0
print(sum(walk(json.loads(l)) for l in open(sys.argv[1])))' "$TMP/q.jsonl")
GOT=$(curl -s --max-time 5 "http://127.0.0.1:$PORT/metrics" |
    awk '/^fpsensor_anomalies_total\{/ { n += $2 } END { print n + 0 }')
check "anomalies_total sums the records' anomaly names ($WANT)" test "$GOT" = "$WANT"
check "  at least one in this capture" test "$WANT" -gt 0
kill -TERM "$QP"
wait "$QP"

# Address errors.
expect_exit "--metrics without a port" 64 "$FPSENSOR" -r "$SRC" --metrics 127.0.0.1
expect_exit "--metrics with a name, not an address" 64 "$FPSENSOR" -r "$SRC" --metrics localhost:0
"$PYTHON" -c 'import socket, time, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
print(s.getsockname()[1], flush=True); time.sleep(5)' >"$TMP/busy" &
BUSY=$!
PIDS="$PIDS $BUSY"
poll 5 test -s "$TMP/busy"
expect_exit "--metrics on a port in use" 64 "$FPSENSOR" -r "$SRC" --metrics "127.0.0.1:$(cat "$TMP/busy")"
check "  says why" contains "$TMP/err" "Address already in use"

finish
