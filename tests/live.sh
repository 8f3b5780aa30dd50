#!/bin/bash
# tests/live.sh: fpsensor -i on a veth pair between two network namespaces
# the test makes and removes (tests/live_lib.sh): options, privilege drop,
# idle timeout without packets, SIGHUP and SIGTERM in live mode, the pcap
# method.  Needs root, ip netns and tcpreplay: exit 77 (skip) without.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/live_lib.sh"

expect_exit "-r and -i together" 64 "$FPSENSOR" -r "$PCAPS/dig.pcap" -i lo
check "  says why" contains "$TMP/err" "exclude each other"
expect_exit "--capture-method bogus" 64 "$FPSENSOR" -i lo \
    --capture-method bogus
expect_exit "--cpu-pin 1-0" 64 "$FPSENSOR" -i lo --cpu-pin 1-0
expect_exit "--workers 0" 64 "$FPSENSOR" -i lo --workers 0
expect_exit "pcap method with two workers" 64 "$FPSENSOR" -i lo \
    --capture-method pcap --workers 2
expect_exit "--user unknown" 64 "$FPSENSOR" -i lo \
    --user fpsensor-no-such-user-here
netns_need
[ -x "$FPSENSOR" ] || skip "no fpsensor at $FPSENSOR"
netns_up || { fail "network namespaces set up"; finish; exit; }

expect_exit "no such interface" 2 ip netns exec "$NS_CAP" "$FPSENSOR" \
    -i fpsensor-none0
check "  names it" contains "$TMP/err" "fpsensor-none0: no such interface"
expect_exit "bad filter" 64 ip netns exec "$NS_CAP" "$FPSENSOR" \
    -i "$VETH_CAP" -f "tcp port"
check "  says filter" contains "$TMP/err" "filter 'tcp port'"

for f in curl_https quic-go-v1-initial dig frag4; do
	netns_rewrite "$PCAPS/$f.pcap" "$TMP/$f.pcap" ||
	    fail "tcprewrite $f"
done
# The first 4 packets of a TLS connection: it never closes.
"$PYTHON" - "$TMP/curl_https.pcap" "$TMP/open.pcap" <<'PY'
import struct, sys
with open(sys.argv[1], "rb") as f, open(sys.argv[2], "wb") as o:
    o.write(f.read(24))
    for _ in range(4):
        rec = f.read(16)
        o.write(rec + f.read(struct.unpack("<I", rec[8:12])[0]))
PY

# --user nobody: no capabilities left, root cannot come back; workers
# pinned; idle UDP flows end by the clock with no packet arriving; SIGHUP
# while idle, first with the GeoIP database absent (kept as it was), then
# present (loaded, used by the next records); SIGTERM ends the open TCP
# flow as "shutdown".
have_mmdb=0
mkdir -p "$TMP/db"
perl "$top_srcdir/tests/fixtures/geoip/make_mmdb.pl" "$TMP/db" bench \
    >/dev/null 2>&1 && have_mmdb=1
# The signature databases, to break and replace while it runs.
cp -r "$top_srcdir/rules" "$TMP/rules"
chmod -R u+w,a+rX "$TMP/rules"
sed 's/^version: .*/version: "live-reload"/' "$top_srcdir/rules/tls.yaml" \
    >"$TMP/tls.yaml.next"
user=nobody
id "$user" >/dev/null 2>&1 || user=
# LeakSanitizer cannot inspect a process that gave up root (not dumpable).
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
live_start "$TMP/a.jsonl" "$TMP/a.err" --workers 2 --stats --deterministic \
    --no-ndpi --udp-timeout 1 --geoip-city "$TMP/city.mmdb" --cpu-pin 0 \
    --rules "$TMP/rules" --no-watch ${user:+--user $user} ||
    fail "fpsensor -i starts: $(tail -n 3 "$TMP/a.err")"
if [ -n "$user" ]; then
	st=/proc/$LIVE_PID/status
	check "--user: real and effective uid are $user's" \
	    grep -Eq "^Uid:[[:space:]]+$(id -u $user)[[:space:]]+$(id -u $user)[[:space:]]+$(id -u $user)" "$st"
	check "--user: supplementary groups dropped" \
	    grep -Eq "^Groups:[[:space:]]*$(id -g $user)?[[:space:]]*\$" "$st"
else
	st=/proc/$LIVE_PID/status
	echo "SKIP --user: no user nobody"
fi
check "no capabilities left (effective, permitted)" \
    grep -Eq '^CapEff:[[:space:]]+0+$' "$st"
check "no capabilities left (bounding set)" \
    grep -Eq '^CapBnd:[[:space:]]+0+$' "$st"
check "no_new_privs set" grep -Eq '^NoNewPrivs:[[:space:]]+1$' "$st"
pinned=0
for t in /proc/"$LIVE_PID"/task/*; do
	case $(cat "$t/comm") in
	fpsensor-w*) grep -Eq '^Cpus_allowed_list:[[:space:]]+0$' "$t/status" &&
	    pinned=$((pinned + 1)) ;;
	esac
done
check "--cpu-pin 0: both workers on CPU 0" test "$pinned" = 2
replay --pps 200 "$TMP/open.pcap" "$TMP/quic-go-v1-initial.pcap" >/dev/null
# 1 s UDP timeout + 1 s clock lag + poll and output flush: about 2.2 s.
wait_until 20 test "$(wc -l <"$TMP/a.jsonl")" -ge 2
check "idle UDP flow written while no packet comes" "$PYTHON" -c '
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
assert [x["end_reason"] for x in r] == ["idle", "idle"], r
assert {x["proto"] for x in r} == {"udp"}, r' "$TMP/a.jsonl"
echo 'rules: [' >>"$TMP/rules/tls.yaml"	# now a YAML syntax error
kill -HUP "$LIVE_PID"
check "SIGHUP while idle, no database: the previous one kept" wait_until 10 \
    contains "$TMP/a.err" "keeping the previous city database"
check "SIGHUP while idle, broken tls.yaml: the previous rules kept" \
    wait_until 10 contains "$TMP/a.err" "keeping the previous rules"
cp "$TMP/tls.yaml.next" "$TMP/rules/tls.yaml"	# the next HUP loads it
if [ "$have_mmdb" = 1 ]; then
	cp "$TMP/db/bench-city.mmdb" "$TMP/city.mmdb"
	chmod a+r "$TMP/city.mmdb"
	chmod a+x "$TMP"
	kill -HUP "$LIVE_PID"
	check "SIGHUP while idle: database loaded" wait_until 10 \
	    contains "$TMP/a.err" "reloaded city database"
	replay --pps 200 "$TMP/dig.pcap" >/dev/null
	sleep 0.3
fi
[ "$have_mmdb" = 1 ] || kill -HUP "$LIVE_PID"
check "SIGHUP while idle, new tls.yaml: loaded by the workers" wait_until 10 \
    contains "$TMP/a.err" "reloaded rules"
live_stop
rc=$?
check "SIGTERM: exit 0" test "$rc" = 0
check "the record written after the rules reload names the new version" \
    "$PYTHON" -c '
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
t = [x for x in r if x["end_reason"] == "shutdown"]
assert t and t[0]["verdict"]["versions"]["tls"] == "live-reload", t' \
    "$TMP/a.jsonl"
check "--stats: two rules reloads, one failed" grep -q \
    '^rules_reloads_failed=1$' "$TMP/a.err"
check "SIGTERM: the open TCP flow is written, end_reason shutdown" \
    "$PYTHON" -c '
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
t = [x for x in r if x["end_reason"] == "shutdown"]
assert len(t) == 1, [x["end_reason"] for x in r]
assert t[0]["tls"]["sni"] == "www.example.test", t' "$TMP/a.jsonl"
if [ "$have_mmdb" = 1 ]; then
	check "records after the reload carry GeoIP fields" "$PYTHON" -c '
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
dns = [x for x in r if "dns" in x and x["ip_version"] == 4]
assert dns and all("geo" in x["client"] for x in dns), "no geo after"
quic = [x for x in r if x.get("tls", {}).get("transport") == "quic"]
assert quic and not any("geo" in x["client"] for x in quic), "geo before"' \
	    "$TMP/a.jsonl"
	check "--stats: two SIGHUPs, one failed" grep -q \
	    '^geoip_reloads_failed=1$' "$TMP/a.err"
else
	echo "SKIP GeoIP reload: make_mmdb.pl failed (no MaxMind::DB::Writer)"
fi
check "--stats: flows_ended_shutdown=1" contains "$TMP/a.err" \
    "flows_ended_shutdown=1"
check "--stats: per-worker kernel drops" grep -q '^worker1_kernel_drops=0$' \
    "$TMP/a.err"
check "--stats: records written" grep -q "^records_written=$(wc -l \
    <"$TMP/a.jsonl")\$" "$TMP/a.err"

# The libpcap method, with a filter: only DNS, same records as offline.
"$FPSENSOR" -r "$TMP/dig.pcap" --deterministic --no-ndpi -f "udp port 53" \
    >"$TMP/dig.off.jsonl" 2>/dev/null
live_start "$TMP/p.jsonl" "$TMP/p.err" --capture-method pcap \
    --deterministic --no-ndpi --stats -f "udp port 53" ||
    fail "fpsensor -i --capture-method pcap starts"
replay --pps 500 "$TMP/curl_https.pcap" "$TMP/dig.pcap" >/dev/null
sleep 0.3
live_stop
check "pcap method: exit 0" test $? = 0
check "pcap method with a filter: same fingerprints as offline" \
    "$PYTHON" "$top_srcdir/tests/fp_multiset.py" "$TMP/dig.off.jsonl" \
    "$TMP/p.jsonl"
check "pcap method: kernel counters" grep -q '^kernel_packets=[1-9]' \
    "$TMP/p.err"

# IPv4 fragments are reassembled by the kernel (fanout defragmentation,
# one worker too): the DNS answer replay sees only the first fragment of
# is read whole.
"$FPSENSOR" -r "$TMP/frag4.pcap" --deterministic --no-ndpi \
    >"$TMP/f.off.jsonl" 2>/dev/null
live_start "$TMP/f.jsonl" "$TMP/f.err" --deterministic --no-ndpi ||
    fail "fpsensor -i starts"
replay --pps 500 "$TMP/frag4.pcap" >/dev/null
live_stop
check "fragmented DNS answer: replay sees no response, live reads it" \
    "$PYTHON" -c '
import json, sys
off = [json.loads(l) for l in open(sys.argv[1])]
live = [json.loads(l) for l in open(sys.argv[2])]
big = lambda r: [x["dns"] for x in r if x.get("dns", {}).get("qname") ==
                 "big.example.test"]
assert big(off) and big(off)[0]["responses"] == 0, big(off)
assert big(live) and big(live)[0]["responses"] == 1 and \
    len(big(live)[0]["answers"]) > 1, big(live)' "$TMP/f.off.jsonl" \
    "$TMP/f.jsonl"

# Kafka through the output thread: librdkafka's mock cluster runs on the
# capture namespace's loopback; every record is delivered by the exit.
broker=$top_builddir/tests/kafka/mock_broker
if [ -x "$broker" ]; then
	ip netns exec "$NS_CAP" "$broker" -t fp >"$TMP/broker.out" \
	    2>"$TMP/broker.err" &
	bpid=$!
	trap 'kill $bpid 2>/dev/null; netns_down; rm -rf "$TMP"' EXIT
	for _ in $(seq 50); do [ -s "$TMP/broker.out" ] && break; sleep 0.1; done
	live_start "$TMP/k.jsonl" "$TMP/k.err" --workers 2 --stats \
	    --kafka-brokers "$(head -n 1 "$TMP/broker.out")" \
	    --kafka-topic fp ||
	    fail "fpsensor -i --kafka-brokers starts: $(tail -n 2 "$TMP/k.err")"
	replay --pps 500 "$TMP/dig.pcap" "$TMP/curl_https.pcap" >"$TMP/k.replay"
	live_stop	# at once
	check "Kafka: exit 0" test $? = 0
	check "stopped right after the replay: every packet read" test \
	    "$(stat_of "$TMP/k.err" packets)" = "$(sed -n \
	    's/^[[:space:]]*Successful packets:[[:space:]]*\([0-9]*\).*/\1/p' \
	    "$TMP/k.replay")"
	n=$(stat_of "$TMP/k.err" records_written)
	check "Kafka: every record delivered ($n)" test "${n:-0}" -gt 0 -a \
	    "$(stat_of "$TMP/k.err" kafka_delivered)" = "$n"
	kill "$bpid" 2>/dev/null
	wait "$bpid" 2>/dev/null
else
	echo "SKIP Kafka: mock_broker not built"
fi
finish
