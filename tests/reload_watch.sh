#!/bin/bash
# tests/reload_watch.sh: reload when a file in use changes (sensor/watch.h),
# with no signal, and reload requests that coalesce.
#
# Replay, through a FIFO the test keeps open: the model directory's
# default symlink swapped atomically (the new model is used from then on),
# then to a version that does not exist, and the named version moved away
# (one clear error each, the model in use kept);
# --no-watch; a burst of SIGHUPs while idle (one reload) and SIGHUPs while
# a reload runs (exactly one more after it).
# Live, on a veth between two network namespaces the test makes and
# removes (tests/live_lib.sh): a rules file rewritten in place, then broken
# (FILE:LINE:COL logged, counted, the old set kept), then fixed; a GeoIP
# database moved into place, then a damaged one; records and metrics follow.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/live_lib.sh"

SRC="$PCAPS/demo.pcap"
RULES="$top_srcdir/rules"
[ -f "$SRC" ] || skip "no $SRC"
[ -f "$top_srcdir/models/v1/client.json" ] || skip "no shipped model"

# Cut points of demo.pcap at packet boundaries: thirds.
read -r cut1 cut2 <<<"$("$PYTHON" -c '
import struct, sys
b = open(sys.argv[1], "rb").read()
cuts, off, k = [], 24, 1
while off < len(b):
    if off >= k * len(b) // 3 and len(cuts) < 2:
        cuts.append(off)
        k += 1
    off += 16 + struct.unpack("<I", b[off + 8:off + 12])[0]
print(*cuts)' "$SRC")"
part() {	# part 1|2|3: that third of demo.pcap on stdout
	case $1 in
	1) head -c "$cut1" "$SRC" ;;
	2) tail -c +"$((cut1 + 1))" "$SRC" | head -c "$((cut2 - cut1))" ;;
	3) tail -c +"$((cut2 + 1))" "$SRC" ;;
	esac
}
# wait_for SECONDS FILE TEXT: until FILE contains TEXT.
wait_for() {
	local n=$(($1 * 20))
	while ! grep -qF -- "$3" "$2" 2>/dev/null; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || return 1
		sleep 0.05
	done
}
# count_of FILE TEXT: lines of FILE containing TEXT.
count_of() { grep -cF -- "$2" "$1"; }
stat_is() { grep -qx "$2=$3" "$1"; }
models_seen() {	# models_seen JSONL PYTHON-CONDITION-ON-s
	"$PYTHON" -c '
import json, sys
s = [json.loads(l)["verdict"]["versions"].get("model")
     for l in open(sys.argv[1]) if "verdict" in json.loads(l)]
s = [x for x in s if x]
assert s and ('"$2"'), s' "$1"
}
# start_replay TAG ARGS...: fpsensor -r - on $TMP/TAG.fifo, fd 3 open on it.
start_replay() {
	local tag=$1
	shift
	mkfifo "$TMP/$tag.fifo"
	"$FPSENSOR" -r - --deterministic --no-p0f --no-ndpi --stats -v \
	    --rules "$RULES" "$@" <"$TMP/$tag.fifo" >"$TMP/$tag.jsonl" \
	    2>"$TMP/$tag.err" &
	PID=$!
	exec 3>"$TMP/$tag.fifo"
}
end_replay() { exec 3>&-; wait "$PID"; }

# --- Replay: the default symlink swapped, no signal ----------------------
M="$TMP/models"
mkdir "$M"
cp -r "$top_srcdir/models/v1" "$M/v1"
cp -r "$top_srcdir/models/v1" "$M/v2"
ln -s v1 "$M/default"
start_replay swap --model-dir "$M"
part 1 >&3
check "watch: started" wait_for 20 "$TMP/swap.err" "watch: reload when"
wait_for 20 "$TMP/swap.err" "models $M: v1"
ln -s v2 "$M/.default.new" && mv -T "$M/.default.new" "$M/default"
check "default swapped: the change logged with its path" \
    wait_for 10 "$TMP/swap.err" "watch: $M/default changed"
part 2 >&3
check "default swapped: reloaded, no signal" \
    wait_for 10 "$TMP/swap.err" "reloaded model v2"
ln -s v9 "$M/.default.new" && mv -T "$M/.default.new" "$M/default"
for _ in $(seq 200); do
	[ "$(count_of "$TMP/swap.err" "watch: $M/default changed")" = 2 ] &&
	    break
	sleep 0.05
done
part 3 >&3
end_replay
check "default swapped: exit 0" test $? = 0
check "default names a missing version: one error naming it" \
    contains "$TMP/swap.err" "reload: model: $M/v9/client.yaml: No such file"
check "  ... the model in use kept" contains "$TMP/swap.err" \
    "keeping model v2"
check "  ... reload counted as failed" stat_is "$TMP/swap.err" \
    model_reloads_failed 1
check "default swapped: the duration logged" \
    grep -q 'reload what=models ok ms=[0-9.]*"' "$TMP/swap.err"
check "default swapped: v1, then v2 for every later verdict" \
    models_seen "$TMP/swap.jsonl" \
    's[0] == "v1" and s[-1] == "v2" and set(s[s.index("v2"):]) == {"v2"}'
check "default swapped: --stats model_reload_us" \
    grep -q '^model_reload_us=[1-9][0-9]*$' "$TMP/swap.err"

# --- Replay with workers (their own model sets, as live): the same ------
ln -s v1 "$M/.default.new" && mv -T "$M/.default.new" "$M/default"
start_replay swapw --model-dir "$M" --workers 2
part 1 >&3
check "workers: watch started" wait_for 20 "$TMP/swapw.err" \
    "watch: reload when"
ln -s v2 "$M/.default.new" && mv -T "$M/.default.new" "$M/default"
check "workers: default swapped: the change seen" \
    wait_for 10 "$TMP/swapw.err" "watch: $M/default changed"
check "workers: default swapped: reloaded, no signal" \
    wait_for 10 "$TMP/swapw.err" "reload what=models ok"
part 2 >&3
part 3 >&3
end_replay
check "workers: exit 0" test $? = 0
check "workers: one model reload counted" stat_is "$TMP/swapw.err" \
    model_reloads 1
check "workers: every verdict after the reload by v2" \
    models_seen "$TMP/swapw.jsonl" 's[-1] == "v2"'

# --- Replay: the named version moved away --------------------------------
ln -sfn v1 "$M/default"
start_replay gone --model-dir "$M" --model v2 --metrics 127.0.0.1:0
part 1 >&3
wait_for 20 "$TMP/gone.err" "watch: reload when"
wait_for 20 "$TMP/gone.err" "models $M: v2"
mv "$M/v2" "$M/v2.old"
check "version moved away: the change logged" \
    wait_for 10 "$TMP/gone.err" "watch: $M/v2"
part 2 >&3
check "version moved away: one error naming it, the model kept" \
    wait_for 10 "$TMP/gone.err" "reload: model: $M/v2"
check "  ... says the model in use stays" contains "$TMP/gone.err" \
    "keeping model v2"
port=$(sed -n 's/.*metrics: serving .*(port \([0-9]*\)).*/\1/p' \
    "$TMP/gone.err" | head -n 1)
curl -s --max-time 5 "http://127.0.0.1:$port/metrics" >"$TMP/gone.txt"
check "  ... reloads_total{models,failed} 1" grep -qxF \
    'fpsensor_reloads_total{what="models",result="failed"} 1' "$TMP/gone.txt"
check "  ... its duration served" grep -q \
    '^fpsensor_reload_duration_seconds{what="models"} 0\.[0-9]*[1-9]' \
    "$TMP/gone.txt"
part 3 >&3
end_replay
check "version moved away: exit 0" test $? = 0
check "version moved away: counted" stat_is "$TMP/gone.err" \
    model_reloads_failed 1
check "version moved away: v2 throughout" models_seen "$TMP/gone.jsonl" \
    'set(s) == {"v2"}'
mv "$M/v2.old" "$M/v2"

# --- Replay: --no-watch ---------------------------------------------------
cp -r "$RULES" "$TMP/rules-nw"
start_replay nowatch --no-model --no-watch --rules "$TMP/rules-nw"
part 1 >&3
wait_for 20 "$TMP/nowatch.err" "rules $TMP/rules-nw"
sed -i 's/^version: .*/version: "nowatch"/' "$TMP/rules-nw/tls.yaml"
sleep 0.8
part 2 >&3
part 3 >&3
end_replay
check "--no-watch: no reload" stat_is "$TMP/nowatch.err" rules_reloads 0
check "--no-watch: no watch line" test "$(count_of "$TMP/nowatch.err" \
    'watch:')" = 0

# --- Replay: SIGHUPs coalesce, none lost ---------------------------------
# 50 while idle: one reload, at the next packet.  Then one more SIGHUP and
# a packet: a reload; SIGHUPs while it runs (its rules are loaded, the
# model takes a while longer): exactly one more reload after it.
read -r p1 p2 p3 <<<"$("$PYTHON" -c '
import struct, sys
b = open(sys.argv[1], "rb").read()
off = [int(sys.argv[2])]
for _ in range(2):
    off.append(off[-1] + 16 + struct.unpack("<I", b[off[-1] + 8:off[-1] + 12])[0])
print(*off)' "$SRC" "$cut1")"
bytes() { tail -c +"$(($1 + 1))" "$SRC" | head -c "$(($2 - $1))"; }
start_replay burst --no-watch --model-dir "$M" --model v1
part 1 >&3
wait_for 20 "$TMP/burst.err" "models $M: v1"
sleep 0.3
for _ in $(seq 50); do kill -HUP "$PID"; done
sleep 0.2
bytes "$p1" "$p2" >&3		# one packet
check "50 SIGHUPs while idle: a reload at the next packet" \
    wait_for 10 "$TMP/burst.err" "reload what=models"
sleep 0.2
kill -HUP "$PID"
bytes "$p2" "$p3" >&3		# the next packet
for _ in $(seq 2000); do
	[ "$(count_of "$TMP/burst.err" "reload what=rules ok")" -ge 2 ] &&
	    break
	sleep 0.005
done
for _ in 1 2 3 4 5; do kill -HUP "$PID"; done
[ "$(count_of "$TMP/burst.err" "reload what=models")" -lt 2 ] ||
    echo "note: the model had loaded before the SIGHUPs came"
tail -c +"$((p3 + 1))" "$SRC" >&3
end_replay
check "burst: exit 0" test $? = 0
check "SIGHUPs coalesce, none lost: 3 reloads (idle burst, one, one after)" \
    stat_is "$TMP/burst.err" rules_reloads 3
check "  ... the models too" stat_is "$TMP/burst.err" model_reloads 3

# --- Live: rules and GeoIP databases changed, no signal ------------------
netns_need
[ -x "$FPSENSOR" ] || skip "no fpsensor at $FPSENSOR"
netns_up || { fail "network namespaces set up"; finish; exit; }
for f in curl_https dig; do
	netns_rewrite "$PCAPS/$f.pcap" "$TMP/$f.pcap" || fail "tcprewrite $f"
done
have_mmdb=0
mkdir -p "$TMP/db"
perl "$top_srcdir/tests/fixtures/geoip/make_mmdb.pl" "$TMP/db" bench \
    >/dev/null 2>&1 && have_mmdb=1
cp -r "$RULES" "$TMP/rules"
chmod -R u+w "$TMP/rules"
live_start "$TMP/a.jsonl" "$TMP/a.err" --workers 2 --stats --deterministic \
    --no-ndpi --no-model --rules "$TMP/rules" --geoip-city "$TMP/city.mmdb" \
    --metrics 127.0.0.1:0 ||
    fail "fpsensor -i starts: $(tail -n 3 "$TMP/a.err")"
PORT=$(sed -n 's/.*metrics: serving .*(port \([0-9]*\)).*/\1/p' \
    "$TMP/a.err" | head -n 1)
scrape() {	# scrape FILE: /metrics into FILE
	ip netns exec "$NS_CAP" curl -s --max-time 5 \
	    "http://127.0.0.1:$PORT/metrics" >"$1"
}
served() {	# served TEXT: the next scrape has the line TEXT
	scrape "$TMP/m.txt" && grep -qxF -- "$1" "$TMP/m.txt"
}
T="$TMP/rules/tls.yaml"
sed 's/^version: .*/version: "watch-1"/' "$T" >"$TMP/tls.next"
cat "$TMP/tls.next" >"$T"	# in place: written and closed
check "rules rewritten in place: the change logged with its path" \
    wait_for 10 "$TMP/a.err" "watch: $T changed"
check "  ... reloaded, no signal" wait_for 10 "$TMP/a.err" "reloaded rules"
check "  ... the new version served" wait_until 5 \
    served 'fpsensor_rules_info{database="tls",version="watch-1"} 1'
check "  ... reloads_total{rules,ok} 1" grep -qxF \
    'fpsensor_reloads_total{what="rules",result="ok"} 1' "$TMP/m.txt"
check "  ... its duration served" grep -q \
    '^fpsensor_reload_duration_seconds{what="rules"} 0\.[0-9]*[1-9]' \
    "$TMP/m.txt"
printf '  - id: broken\n    ja3: [x\n' >>"$T"
n=$(grep -c '' "$T")
check "broken rules: one line naming FILE:LINE:COL" \
    wait_for 10 "$TMP/a.err" "reload: $T:$((n + 1)):1:"
check "  ... keeping the previous rules" contains "$TMP/a.err" \
    "keeping the previous rules"
check "  ... reloads_total{rules,failed} 1" wait_until 5 \
    served 'fpsensor_reloads_total{what="rules",result="failed"} 1'
check "  ... the old version still served" grep -qxF \
    'fpsensor_rules_info{database="tls",version="watch-1"} 1' "$TMP/m.txt"
sed 's/^version: .*/version: "watch-2"/' "$TMP/tls.next" >"$T.tmp"
mv "$T.tmp" "$T"			# sed -i, editors: moved into place
check "rules moved into place: loaded" wait_until 5 \
    served 'fpsensor_rules_info{database="tls",version="watch-2"} 1'
if [ "$have_mmdb" = 1 ]; then
	cp "$TMP/db/bench-city.mmdb" "$TMP/city.tmp"
	mv "$TMP/city.tmp" "$TMP/city.mmdb"
	check "GeoIP database moved into place: the change logged" \
	    wait_for 10 "$TMP/a.err" "watch: $TMP/city.mmdb changed"
	check "  ... loaded" wait_for 10 "$TMP/a.err" "reloaded city database"
	check "  ... reloads_total{geoip,ok} counted" wait_until 5 sh -c \
	    "ip netns exec '$NS_CAP' curl -s 'http://127.0.0.1:$PORT/metrics' |
	    grep -q '^fpsensor_reloads_total{what=\"geoip\",result=\"ok\"} [1-9]'"
	scrape "$TMP/g0.txt"
	f0=$(sed -n 's/^fpsensor_reloads_total{what="geoip",result="failed"} //p' \
	    "$TMP/g0.txt")
	head -c 3000 "$TMP/db/bench-city.mmdb" >"$TMP/city.tmp"
	mv "$TMP/city.tmp" "$TMP/city.mmdb"
	check "damaged GeoIP database: one line naming it" \
	    wait_for 10 "$TMP/a.err" "$TMP/city.mmdb: not a valid MaxMind DB"
	check "  ... keeping the previous one" contains "$TMP/a.err" \
	    "keeping the previous city database"
	check "  ... reloads_total{geoip,failed} counted" wait_until 5 served \
	    "fpsensor_reloads_total{what=\"geoip\",result=\"failed\"} $((f0 + 1))"
else
	echo "SKIP GeoIP: make_mmdb.pl failed (no MaxMind::DB::Writer)"
fi
sleep 0.3
replay --pps 500 "$TMP/curl_https.pcap" "$TMP/dig.pcap" >/dev/null
sleep 0.5
live_stop
check "live: exit 0" test $? = 0
check "live: the records name the rules reloaded without a signal" \
    "$PYTHON" -c '
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
v = {x["verdict"]["versions"]["tls"] for x in r if "verdict" in x}
assert v == {"watch-2"}, v' "$TMP/a.jsonl"
if [ "$have_mmdb" = 1 ]; then
	check "live: records carry GeoIP fields of the database kept" \
	    "$PYTHON" -c '
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
dns = [x for x in r if "dns" in x and x["ip_version"] == 4]
assert dns and all("geo" in x["client"] for x in dns), dns' "$TMP/a.jsonl"
fi
check "live: --stats rules_reloads_failed=1" stat_is "$TMP/a.err" \
    rules_reloads_failed 1
check "live: --stats rules_reload_us" grep -q '^rules_reload_us=[0-9]*$' \
    "$TMP/a.err"
finish
