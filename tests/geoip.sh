#!/bin/bash
# GeoIP/ASN enrichment.  Always on (where Debian's libmaxmind-db-writer-perl
# is installed, as setup.sh does): the project's own databases, written at
# test time by tests/fixtures/geoip/make_mmdb.pl, over the captures in
# pcaps/; damaged copies of them; the unit checks of tests/unit/test_geoip.
# With ../shared/peer: MaxMind's test databases against their expected
# lookups, their ASN database over the peer captures, and their corrupt
# databases.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
TEST_GEOIP="$top_builddir/tests/unit/test_geoip"
"$FPSENSOR" -r "$PCAPS/dig.pcap" --geoip-city /nonexistent 2>&1 |
    grep -q 'not built with libmaxminddb' && skip "built without libmaxminddb"
perl -MMaxMind::DB::Writer::Tree -e 1 2>/dev/null ||
    skip "libmaxmind-db-writer-perl missing (setup.sh installs it)"
DB="$TMP/db"
mkdir -p "$DB"
check "make_mmdb.pl writes the test databases" \
    perl "$top_srcdir/tests/fixtures/geoip/make_mmdb.pl" "$DB"

# Damaged and wrong files for the unit checks and the command line.
: >"$DB/empty.mmdb"
head -c "$(($(wc -c <"$DB/city.mmdb") / 2))" "$DB/city.mmdb" >"$DB/truncated.mmdb"
echo "this is not a database" >"$DB/text.mmdb"
"$PYTHON" - "$DB" <<'EOF'
import sys
d = sys.argv[1]
# badtree: node 0's records (24-bit) point far past the file.
b = bytearray(open(d + "/city.mmdb", "rb").read())
b[0:6] = b"\xff" * 6
open(d + "/badtree.mmdb", "wb").write(b)
# baddata: the data section's first record gets an unknown type.
b = bytearray(open(d + "/asn.mmdb", "rb").read())
meta = b.rfind(b"\xab\xcd\xefMaxMind.com")
i = b.rfind(b"node_count", 0, len(b))
# node_count is a uint32 after its key: control byte 0xc0|len, then bytes.
ctl = b[i + 10]
n = int.from_bytes(b[i + 11:i + 11 + (ctl & 0x1f)], "big")
start = n * 24 * 2 // 8 + 16
b[start:start + 2] = b"\x00\xff"
open(d + "/baddata.mmdb", "wb").write(b)
EOF
check "unit checks (test_geoip)" "$TEST_GEOIP" check "$DB"

# Every capture with both databases: each endpoint in a documentation range
# carries exactly the values make_mmdb.pl wrote; others carry none.
for f in "$PCAPS"/*.pcap; do
	"$FPSENSOR" -r "$f" --deterministic --no-p0f \
	    --geoip-city "$DB/city.mmdb" --geoip-asn "$DB/asn.mmdb"
done >"$TMP/geo.jsonl" 2>"$TMP/geo.err"
check "records with GeoIP/ASN fields" test -s "$TMP/geo.jsonl"
check "fields match the database on every endpoint" "$PYTHON" - "$TMP/geo.jsonl" <<'EOF'
import ipaddress, json, sys
WANT = [
    ("192.0.2.0/24", "JP", "Tokyo", 35.6895, 139.6917, 50, 64496, "Example Documentation Net One"),
    ("198.51.100.0/24", "DE", "Berlin", 52.52, 13.405, 20, 64497, "Example Documentation Net Two"),
    ("203.0.113.0/24", "BR", "São Paulo", -23.5505, -46.6333, 100, 64498, "Réseau de Documentation"),
    ("2001:db8::/32", "NZ", "Wellington", -41.2865, 174.7762, 10, 64499, "Example IPv6 Documentation"),
]
n = seen = 0
for line in open(sys.argv[1]):
    r = json.loads(line)
    for side in ("client", "server"):
        e = r[side]
        a = ipaddress.ip_address(e["ip"])
        want = [w for w in WANT if a in ipaddress.ip_network(w[0])]
        n += 1
        if not want:
            assert "geo" not in e and "as" not in e, e
            continue
        _, cc, city, lat, lon, rad, asn, org = want[0]
        exp = {"country": cc, "city": city,
               "location": {"lat": lat, "lon": lon, "accuracy_km": rad}}
        assert e["geo"] == exp, (e, exp)
        assert e["as"] == {"number": asn, "org": org}, e
        seen += 1
assert seen > 0
print("  %d endpoints, %d enriched" % (n, seen))
EOF
check "no warning without a problem" test ! -s "$TMP/geo.err"

# The golden output is untouched when no database is given.
"$FPSENSOR" -r "$PCAPS/demo.pcap" --deterministic --no-p0f >"$TMP/plain.jsonl"
check "no database: no geo/as members" sh -c "! grep -q -e '\"geo\"' -e '\"as\"' '$TMP/plain.jsonl'"

# Cache: one miss per distinct address, hits for the rest.
"$FPSENSOR" -r "$PCAPS/demo.pcap" --deterministic --no-p0f --stats \
    --geoip-city "$DB/city.mmdb" >"$TMP/s.jsonl" 2>"$TMP/stats"
nrec=$(wc -l <"$TMP/s.jsonl")
naddr=$("$PYTHON" -c '
import json, sys
print(len({r[s]["ip"] for r in map(json.loads, open(sys.argv[1])) for s in ("client", "server")}))' "$TMP/s.jsonl")
check "--stats: geoip_cache_misses=$naddr (distinct addresses)" contains "$TMP/stats" "geoip_cache_misses=$naddr"
check "--stats: geoip_cache_hits=$((2 * nrec - naddr))" contains "$TMP/stats" "geoip_cache_hits=$((2 * nrec - naddr))"
check "--stats: no lookup errors" contains "$TMP/stats" "geoip_lookup_errors=0"

# Bad databases on the command line: exit 64, one clear message naming the
# file, and nothing written (not even the -o file).
bad_db() {
	local name=$1 opt=$2 file=$3 why=$4
	rm -f "$TMP/never.jsonl"
	expect_exit "$name" 64 "$FPSENSOR" -r "$PCAPS/demo.pcap" "$opt" "$file" -o "$TMP/never.jsonl"
	check "$name: message names the file" contains "$TMP/err" "$file"
	[ -n "$why" ] && check "$name: says why" contains "$TMP/err" "$why"
	check "$name: nothing written" test ! -e "$TMP/never.jsonl" -a ! -s "$TMP/out"
}
bad_db "directory as database" --geoip-asn "$DB" "Is a directory"
bad_db "empty database" --geoip-city "$DB/empty.mmdb" "not a valid MaxMind DB"
bad_db "truncated database" --geoip-city "$DB/truncated.mmdb" "not a valid MaxMind DB"
bad_db "text file as database" --geoip-asn "$DB/text.mmdb" "not a valid MaxMind DB"
bad_db "corrupt search tree" --geoip-city "$DB/badtree.mmdb" "corrupt MaxMind DB"
bad_db "corrupt data record" --geoip-asn "$DB/baddata.mmdb" "corrupt MaxMind DB"
bad_db "ASN database as city" --geoip-city "$DB/asn.mmdb" "database type 'fpsensor-Test-ASN' is not a City or Country database"
bad_db "city database as ASN" --geoip-asn "$DB/city.mmdb" "database type 'fpsensor-Test-City' is not an ASN or ISP database"
# A good city database and a bad ASN one: refused as a whole.
expect_exit "one good, one bad: refused" 64 "$FPSENSOR" -r "$PCAPS/demo.pcap" \
    --geoip-city "$DB/city.mmdb" --geoip-asn "$DB/truncated.mmdb"
check "one good, one bad: no records" test ! -s "$TMP/out"

# A database that does not exist (yet): one warning naming it, records
# without its fields, exit 0.
"$FPSENSOR" -r "$PCAPS/demo.pcap" --deterministic --no-p0f \
    --geoip-city "$DB/nope.mmdb" --geoip-asn "$DB/asn.mmdb" \
    >"$TMP/absent.jsonl" 2>"$TMP/absent.err"
check "absent city database: exit 0" test $? -eq 0
check "absent city database: one warning naming it" test "$(grep -c "no GeoIP database at $DB/nope.mmdb" "$TMP/absent.err")" -eq 1
check "absent city database: nothing else on stderr" test "$(wc -l <"$TMP/absent.err")" -eq 1
check "absent city database: no geo, AS kept" "$PYTHON" -c '
import json, sys
rs = [json.loads(l) for l in open(sys.argv[1])]
assert rs and all("geo" not in r[s] for r in rs for s in ("client", "server"))
assert all("as" in r["client"] for r in rs)' "$TMP/absent.jsonl"

# Reload on SIGHUP while reading: the capture goes through a FIFO in two
# halves, the database file is replaced and SIGHUP sent between them.  A
# good new database (city2: 192.0.2.0/24 moved to Paris) is used by every
# record written after it; a damaged one is refused with a message naming
# it, and the last good database stays in use.
half=$("$PYTHON" -c '
import struct, sys
b = open(sys.argv[1], "rb").read()
off = 24
while off < len(b) // 2:
    off += 16 + struct.unpack("<I", b[off + 8:off + 12])[0]
print(off)' "$PCAPS/demo.pcap")
reload_run() {	# reload_run NEWDB TAG [absent at start]
	cp "$DB/city.mmdb" "$TMP/live.mmdb"
	[ -n "${3:-}" ] && rm "$TMP/live.mmdb"
	rm -f "$TMP/fifo"
	mkfifo "$TMP/fifo"
	"$FPSENSOR" -r - --deterministic --no-p0f --no-model --stats \
	    --no-watch --geoip-city "$TMP/live.mmdb" <"$TMP/fifo" \
	    >"$TMP/reload.$2.jsonl" 2>"$TMP/reload.$2.err" &
	local pid=$!
	exec 3>"$TMP/fifo"
	head -c "$half" "$PCAPS/demo.pcap" >&3
	sleep 0.2
	cp "$1" "$TMP/live.tmp" && mv "$TMP/live.tmp" "$TMP/live.mmdb"
	kill -HUP "$pid"
	tail -c +"$((half + 1))" "$PCAPS/demo.pcap" >&3
	exec 3>&-
	wait "$pid"
}
check "SIGHUP, good database: exit 0" reload_run "$DB/city2.mmdb" good
check "SIGHUP, good database: counted" contains "$TMP/reload.good.err" "geoip_reloads=1"
check "SIGHUP, good database: no failure" contains "$TMP/reload.good.err" "geoip_reloads_failed=0"
check "SIGHUP, damaged database: exit 0" reload_run "$DB/truncated.mmdb" bad
check "SIGHUP, damaged database: counted" contains "$TMP/reload.bad.err" "geoip_reloads_failed=1"
check "SIGHUP, damaged database: message names it" contains "$TMP/reload.bad.err" "$TMP/live.mmdb: not a valid MaxMind DB"
check "SIGHUP, damaged database: says the old one stays" contains "$TMP/reload.bad.err" "keeping the previous city database"
check "SIGHUP, database absent at start: exit 0" reload_run "$DB/city2.mmdb" late absent
check "SIGHUP, database absent at start: warned" contains "$TMP/reload.late.err" "no GeoIP database at $TMP/live.mmdb"
check "SIGHUP, database absent at start: loaded" contains "$TMP/reload.late.err" "geoip_reloads_failed=0"
check "SIGHUP, database absent at start: used from then on" "$PYTHON" -c '
import json, sys
c = [r[s].get("geo", {}).get("city") for r in map(json.loads, open(sys.argv[1]))
     for s in ("client", "server") if r[s]["ip"].startswith("192.0.2.")]
assert "Paris" in c and set(c[c.index("Paris"):]) == {"Paris"}, c
assert set(c) <= {None, "Paris"}, c' "$TMP/reload.late.jsonl"
check "records follow the database in use" "$PYTHON" - "$TMP/reload.good.jsonl" "$TMP/reload.bad.jsonl" <<'EOF'
import json, sys
def cities(path):
    out = []
    for line in open(path):
        r = json.loads(line)
        for side in ("client", "server"):
            if r[side]["ip"].startswith("192.0.2."):
                out.append(r[side]["geo"]["city"])
    return out
good, bad = cities(sys.argv[1]), cities(sys.argv[2])
assert "Paris" in good, good
first = good.index("Paris")
assert set(good[first:]) == {"Paris"}, good    # nothing old after the swap
assert bad and set(bad) == {"Tokyo"}, bad      # the last good one stayed
print("  good: %d Tokyo then %d Paris; damaged: %d Tokyo" %
      (first, len(good) - first, len(bad)))
EOF

# ---- MaxMind's test databases (../shared/peer) --------------------------
MM="$PEER/MaxMind-DB"
if [ ! -d "$MM/test-data" ]; then
	echo "SKIP: $MM absent: MaxMind test databases not checked"
	finish
	exit
fi
# Expected lookups: every probe of the City, Country and ASN databases.
check "MaxMind expected lookups agree" "$PYTHON" - "$MM" "$TEST_GEOIP" <<'EOF'
import collections, subprocess, sys
mm, tool = sys.argv[1], sys.argv[2]
rows = collections.defaultdict(list)
with open(mm + "/expected_lookups.tsv") as f:
    head = f.readline().rstrip("\n").split("\t")
    for line in f:
        rows[line.split("\t")[0]].append(dict(zip(head, line.rstrip("\n").split("\t"))))
total = bad = 0
for db in sorted(rows):
    kind = "asn" if ("ASN" in db or "ISP" in db) else "city"
    if kind == "city" and not any(k in db for k in ("City", "Country", "Enterprise")):
        continue
    path = "%s/test-data/%s.mmdb" % (mm, db)
    probes = rows[db]
    out = subprocess.run([tool, "lookup", kind, path], input="".join(
        p["probe_ip"] + "\n" for p in probes), capture_output=True, text=True)
    if out.returncode != 0:
        print("  %s: %s" % (db, out.stderr.strip()))
        bad += len(probes)
        total += len(probes)
        continue
    for p, got in zip(probes, out.stdout.splitlines()):
        g = got.split("\t")
        total += 1
        ok = len(g) == 7
        if ok and kind == "city":
            ok = g[1] == p["country_iso"] and g[2] == p["city_en"]
            for i, k in ((3, "latitude"), (4, "longitude")):
                if p[k]:
                    ok = ok and g[i] != "" and abs(float(g[i]) - float(p[k])) < 1e-4 + 1e-9
                else:
                    ok = ok and g[i] == ""
        elif ok:
            ok = g[5] == p["asn"] and g[6] == p["as_org"]
        if not ok:
            bad += 1
            if bad <= 5:
                print("  %s %s: got %r, want %r" % (db, p["probe_ip"], g, p))
print("  %d probes, %d disagree" % (total, bad))
sys.exit(1 if bad or total == 0 else 0)
EOF

# GeoLite2-ASN-Test over the peer captures: every staged address that a
# record carries has the expected AS number and organisation.
if [ -f "$MM/staged_pcap_ips_in_GeoLite2-ASN-Test.tsv" ]; then
	cut -f5 "$MM/staged_pcap_ips_in_GeoLite2-ASN-Test.tsv" | tail -n +2 |
	    tr ',' '\n' | sort -u >"$TMP/staged_pcaps"
	# Named "set/file.pcap": the file is somewhere under $PEER/set.
	while read -r rel; do
		f=$(find "$PEER/${rel%%/*}" -type f -name "${rel##*/}" 2>/dev/null | head -n 1)
		[ -n "$f" ] || continue
		"$FPSENSOR" -r "$f" --no-p0f --no-ndpi \
		    --geoip-asn "$MM/test-data/GeoLite2-ASN-Test.mmdb" 2>/dev/null
	done <"$TMP/staged_pcaps" >"$TMP/peer_asn.jsonl"
	check "GeoLite2-ASN-Test over peer captures" "$PYTHON" - \
	    "$MM/staged_pcap_ips_in_GeoLite2-ASN-Test.tsv" "$TMP/peer_asn.jsonl" <<'EOF'
import json, sys
want = {}
with open(sys.argv[1]) as f:
    f.readline()
    for line in f:
        ip, asn, org = line.rstrip("\n").split("\t")[:3]
        want[ip] = (int(asn), org)
n = bad = 0
for line in open(sys.argv[2]):
    r = json.loads(line)
    for side in ("client", "server"):
        e = r[side]
        if e["ip"] in want:
            n += 1
            got = (e.get("as", {}).get("number"), e.get("as", {}).get("org"))
            if got != want[e["ip"]]:
                bad += 1
                if bad <= 5:
                    print("  %s: got %r, want %r" % (e["ip"], got, want[e["ip"]]))
print("  %d endpoints of %d staged addresses checked, %d disagree" % (n, len(want), bad))
sys.exit(1 if bad or n == 0 else 0)
EOF
fi

# MaxMind's corrupt databases, and their broken test databases: refused
# with the file named, never a crash.
for f in "$MM"/bad-data/*/*.mmdb "$MM"/test-data/*Broken* \
    "$MM"/test-data/*Invalid-Node-Count*; do
	[ -f "$f" ] || continue
	name=${f#"$MM"/}
	"$FPSENSOR" -r "$PCAPS/dig.pcap" --geoip-city "$f" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	if [ "$rc" = 64 ] && contains "$TMP/err" "$f" && [ ! -s "$TMP/out" ]; then
		pass "refused: $name ($(sed 's/.*\.mmdb: //' "$TMP/err" | head -c 70))"
	else
		fail "$name: exit $rc: $(head -c 200 "$TMP/err")"
	fi
done
finish
