#!/bin/bash
# tests/bench/bench_reload.sh: how long a reload takes, and that reloading
# loses no packet (make bench-reload).
#
# usage: bench_reload.sh   (environment: top_srcdir, top_builddir, FPSENSOR)
#
# (a) fpsensor -r reads a FIFO with the shipped rules (rules/) and models
#     (models/), and the benchmark GeoIP databases when
#     tests/fixtures/geoip/make_mmdb.pl can write them; RELOAD_RUNS times
#     (default 20) it gets SIGHUP and one packet, which runs the reload;
#     fpsensor_reload_duration_seconds{what} is read from its metrics
#     endpoint after each.  Prints min, median and max ms of each part and
#     of the whole reload.  Target: the whole reload under 1000 ms.
# (b) the first RELOAD_PACKETS (default 200000) packets of the bench
#     corpus (tests/bench/corpus.sh; BENCH_FLOWS default 20000 here),
#     rewritten for a veth pair between two network namespaces made and
#     removed here (tests/live_lib.sh), replayed with tcpreplay at
#     RELOAD_PPS (default 20000) packets/s into fpsensor -i
#     (RELOAD_LIVE_ARGS, default --workers 2) while SIGHUP comes every
#     200 ms.  Prints the reloads done, packets sent and captured, kernel
#     drops (target: 0) and the records against fpsensor -r on the same
#     file (same fingerprints: tests/fp_multiset.py).  Needs root, ip netns
#     and tcpreplay; skipped without.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../live_lib.sh"
. "$top_srcdir/tests/bench/corpus.sh"

RUNS=${RELOAD_RUNS:-20}
PACKETS=${RELOAD_PACKETS:-200000}
PPS=${RELOAD_PPS:-20000}
: "${BENCH_FLOWS:=20000}"
RULES=$top_srcdir/rules
MODELS=$top_srcdir/models
work=$TMP
die() { echo "bench-reload: $*" >&2; exit 1; }
[ -x "$FPSENSOR" ] || die "no fpsensor at $FPSENSOR"

GEO=()
mkdir -p "$TMP/db"
if perl "$top_srcdir/tests/fixtures/geoip/make_mmdb.pl" "$TMP/db" bench \
    >/dev/null 2>&1; then
	GEO=(--geoip-city "$TMP/db/bench-city.mmdb"
	    --geoip-asn "$TMP/db/bench-asn.mmdb")
fi

# --- (a) reload duration ---------------------------------------------------
mkfifo "$TMP/a.fifo"
"$FPSENSOR" -r - --no-p0f --no-ndpi --no-watch --rules "$RULES" \
    --model-dir "$MODELS" "${GEO[@]}" --metrics 127.0.0.1:0 -v -o /dev/null \
    2>"$TMP/a.err" <"$TMP/a.fifo" &
APID=$!
"$PYTHON" - "$APID" "$TMP/a.fifo" "$TMP/a.err" "$PCAPS/demo.pcap" "$RUNS" \
    "$([ ${#GEO[@]} -gt 0 ] && echo 1 || echo 0)" <<'PY'
import os, re, signal, statistics, struct, sys, time, urllib.request
pid, fifo, errf, pcap, runs, geo = sys.argv[1:7]
pid, runs = int(pid), int(runs)
b = open(pcap, "rb").read()
pkts, off = [], 24
while off < len(b):
    n = 16 + struct.unpack("<I", b[off + 8:off + 12])[0]
    pkts.append(b[off:off + n])
    off += n
out = open(fifo, "wb", buffering=0)
out.write(b[:24])
port = None
for _ in range(600):
    m = re.search(r"\(port (\d+)\)", open(errf).read())
    if m:
        port = m.group(1)
        break
    time.sleep(0.05)
if port is None:
    sys.exit("bench-reload: no metrics port in the log")
url = "http://127.0.0.1:%s/metrics" % port
def scrape():
    t = urllib.request.urlopen(url, timeout=5).read().decode()
    v = {}
    for l in t.splitlines():
        if l.startswith("fpsensor_reload"):
            k, x = l.rsplit(" ", 1)
            v[k] = float(x)
    return v
def models_done(v):
    return sum(x for k, x in v.items()
               if k.startswith('fpsensor_reloads_total{what="models"'))
whats = ["geoip", "rules", "models"] if geo == "1" else ["rules", "models"]
ms = {w: [] for w in whats + ["all"]}
for _ in range(200):	# the models load at start
    if "models " in open(errf).read():
        break
    time.sleep(0.05)
for i in range(runs):
    before = models_done(scrape())
    os.kill(pid, signal.SIGHUP)
    time.sleep(0.01)
    out.write(pkts[i % len(pkts)])
    for _ in range(3000):
        v = scrape()
        if models_done(v) > before:
            break
        time.sleep(0.01)
    else:
        sys.exit("bench-reload: reload %d did not finish" % i)
    tot = 0
    for w in whats:
        x = v['fpsensor_reload_duration_seconds{what="%s"}' % w] * 1000
        ms[w].append(x)
        tot += x
    ms["all"].append(tot)
out.close()
print("(a) reload of the shipped rules and models%s, %d times (ms):" %
      (" and the bench GeoIP databases" if geo == "1" else "", runs))
print("    %-8s %9s %9s %9s" % ("what", "min", "median", "max"))
for w in whats + ["all"]:
    print("    %-8s %9.2f %9.2f %9.2f" % (w, min(ms[w]),
          statistics.median(ms[w]), max(ms[w])))
print("    target: all under 1000 ms: %s" %
      ("met" if max(ms["all"]) < 1000 else "NOT MET"))
sys.exit(0 if max(ms["all"]) < 1000 else 3)
PY
rc=$?
wait "$APID"
arc=$?
check "(a) reloads under 1000 ms" test "$rc" = 0
check "(a) fpsensor exit 0" test "$arc" = 0
grep -q 'reload: ' "$TMP/a.err" && fail "(a) a reload failed: $(grep \
    'reload: ' "$TMP/a.err" | head -n 1)"

# --- (b) live, SIGHUP every 200 ms -----------------------------------------
netns_need
netns_up || { fail "network namespaces set up"; finish; exit; }
bench_corpus bench-reload
pcap_head "$PACKETS" "$corpus" "$TMP/in.pcap"
netns_rewrite "$TMP/in.pcap" "$TMP/r.pcap" >/dev/null ||
    { fail "tcprewrite"; finish; exit; }
"$FPSENSOR" -r "$TMP/r.pcap" --deterministic --no-ndpi --no-watch \
    --rules "$RULES" --model-dir "$MODELS" "${GEO[@]}" \
    >"$TMP/offline.jsonl" 2>"$TMP/offline.err" || fail "offline replay"
# shellcheck disable=SC2086
live_start "$TMP/live.jsonl" "$TMP/live.err" ${RELOAD_LIVE_ARGS:---workers 2} \
    --deterministic --no-ndpi --no-watch --stats --rules "$RULES" \
    --model-dir "$MODELS" "${GEO[@]}" ||
    { fail "fpsensor -i did not start: $(tail -n 2 "$TMP/live.err")"; finish; exit; }
( while kill -HUP "$LIVE_PID" 2>/dev/null; do sleep 0.2; done ) &
HUPPER=$!
replay --preload-pcap --pps="$PPS" "$TMP/r.pcap" >"$TMP/replay.out"
sleep 0.5
kill "$HUPPER" 2>/dev/null
wait "$HUPPER" 2>/dev/null
live_stop
check "(b) fpsensor -i exit 0" test $? = 0
sent=$(sed -n 's/^[[:space:]]*Successful packets:[[:space:]]*\([0-9]*\).*/\1/p' \
    "$TMP/replay.out")
rate=$(sed -n 's/.*Rated: .* Mbps, \([0-9.]*\) pps.*/\1/p' "$TMP/replay.out" |
    tail -n 1)
got=$(stat_of "$TMP/live.err" packets)
drops=$(stat_of "$TMP/live.err" kernel_drops)
reloads=$(stat_of "$TMP/live.err" rules_reloads)
rfail=$(stat_of "$TMP/live.err" rules_reloads_failed)
recs=$(stat_of "$TMP/live.err" records_written)
n_off=$(wc -l <"$TMP/offline.jsonl")
cmp=$("$PYTHON" "$top_srcdir/tests/fp_multiset.py" "$TMP/offline.jsonl" \
    "$TMP/live.jsonl")
same=$?
echo "(b) live, ${RELOAD_LIVE_ARGS:---workers 2}, SIGHUP every 200 ms:"
echo "    packets sent ${sent:-?} at ${rate:-?} pps (asked $PPS), captured" \
    "${got:-?}, kernel drops ${drops:-?}"
echo "    reloads ${reloads:-?} (failed ${rfail:-?}), last rules reload" \
    "$(stat_of "$TMP/live.err" rules_reload_us) us, geoip" \
    "$(stat_of "$TMP/live.err" geoip_reload_us) us"
echo "    records ${recs:-?} live, $n_off offline; fingerprints:" \
    "$(echo "$cmp" | head -n 1)"
echo "    load average $(cut -d' ' -f1-3 /proc/loadavg)"
check "(b) no kernel drop" test "${drops:-1}" = 0
check "(b) every packet sent captured" test "${got:-0}" = "${sent:-x}"
check "(b) reloads happened throughout (${reloads:-0})" test "${reloads:-0}" -ge 5
check "(b) same fingerprints as offline" test "$same" = 0
finish
