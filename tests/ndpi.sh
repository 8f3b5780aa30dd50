#!/bin/bash
# nDPI enrichment: application protocol, category and risks per flow on the
# project's captures; the options; and, with ../shared/peer, agreement of
# the application protocol with ndpiReader's published results (a newer
# nDPI than Debian's 4.2, so agreement is reported, with a floor).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
"$FPSENSOR" -r "$PCAPS/dig.pcap" --ndpi -o /dev/null 2>"$TMP/probe"
contains "$TMP/probe" "not built with nDPI" && skip "built without nDPI"

# proto_of CAPTURE: "l4 server_port ndpi.proto" per record.
proto_of() {
	"$FPSENSOR" -r "$PCAPS/$1" --no-p0f "${@:2}" | "$PYTHON" -c '
import json, sys
for l in sys.stdin:
    r = json.loads(l)
    print(r["proto"], r["server"]["port"], r.get("ndpi", {}).get("proto", "-"))'
}
proto_of ssh.pcap >"$TMP/ssh"
check "ssh.pcap: SSH" grep -qx 'tcp 22 SSH' "$TMP/ssh"
proto_of curl_https.pcap >"$TMP/https"
check "curl_https.pcap: every flow TLS" sh -c "test -s '$TMP/https' && ! grep -vx 'tcp 443 TLS' '$TMP/https'"
proto_of dig.pcap >"$TMP/dns"
check "dig.pcap: every flow DNS (UDP and TCP)" sh -c "grep -q '^udp 53 DNS' '$TMP/dns' && grep -q '^tcp 53 DNS' '$TMP/dns' && ! grep -v ' 53 DNS$' '$TMP/dns'"
proto_of curl_http.pcap >"$TMP/http"
check "curl_http.pcap: HTTP" grep -qx 'tcp 80 HTTP' "$TMP/http"

# The full member on one record: names, category, risk names and score.
"$FPSENSOR" -r "$PCAPS/demo.pcap" --no-p0f >"$TMP/demo.jsonl"
check "demo.pcap: members and risks well formed" "$PYTHON" - "$TMP/demo.jsonl" <<'EOF'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
n = [r["ndpi"] for r in recs if "ndpi" in r]
assert len(n) == len(recs), "every flow of demo.pcap carries ndpi"
for x in n:
    assert x["proto"] and x["app"] and x["category"], x
    assert ("risks" in x) == ("risk_score" in x), x
    assert all(isinstance(s, str) and s for s in x.get("risks", [])), x
# TLS on a non-standard port is a risk nDPI 4.2 names.
odd = [x for r, x in zip(recs, n) if r["server"]["port"] == 4433]
assert odd and "Known Protocol on Non Standard Port" in odd[0]["risks"], odd
assert odd[0]["risk_score"] > 0
EOF

# Off and on.
"$FPSENSOR" -r "$PCAPS/demo.pcap" --no-p0f --no-ndpi >"$TMP/off.jsonl"
check "--no-ndpi: no ndpi member" sh -c "test -s '$TMP/off.jsonl' && ! grep -q '\"ndpi\"' '$TMP/off.jsonl'"
"$FPSENSOR" -r "$PCAPS/demo.pcap" --no-p0f --deterministic >"$TMP/det.jsonl"
check "--deterministic: off by default (goldens)" sh -c "! grep -q '\"ndpi\"' '$TMP/det.jsonl'"
"$FPSENSOR" -r "$PCAPS/demo.pcap" --no-p0f --deterministic --ndpi >"$TMP/det1.jsonl"
"$FPSENSOR" -r "$PCAPS/demo.pcap" --no-p0f --deterministic --ndpi >"$TMP/det2.jsonl"
check "--deterministic --ndpi: on" grep -q '"ndpi"' "$TMP/det1.jsonl"
check "--deterministic --ndpi: repeatable" cmp -s "$TMP/det1.jsonl" "$TMP/det2.jsonl"
check "--ndpi adds only the ndpi member" "$PYTHON" -c '
import json, sys
a = [json.loads(l) for l in open(sys.argv[1])]
b = [json.loads(l) for l in open(sys.argv[2])]
assert len(a) == len(b) and all(x == {k: v for k, v in y.items() if k != "ndpi"} for x, y in zip(a, b))' \
    "$TMP/det.jsonl" "$TMP/det1.jsonl"

# --ndpi-packets: the budget is respected (counted), and bad values refused.
"$FPSENSOR" -r "$PCAPS/ssh.pcap" --no-p0f --ndpi-packets 3 --stats >"$TMP/p3.jsonl" 2>"$TMP/p3.stats"
check "--ndpi-packets 3: 3 packets fed" contains "$TMP/p3.stats" "ndpi_packets=3"
check "--ndpi-packets 3: too few to see SSH, guessed from the port" grep -q '"ndpi":{"proto":"SSH",[^}]*"guessed":true' "$TMP/p3.jsonl"
"$FPSENSOR" -r "$PCAPS/demo.pcap" --no-p0f --stats >"$TMP/s.jsonl" 2>"$TMP/s.stats"
nflows=$(grep -c '"ndpi"' "$TMP/s.jsonl")
check "--stats: ndpi_flows=$nflows" contains "$TMP/s.stats" "ndpi_flows=$nflows"
check "--stats: no pool exhaustion" contains "$TMP/s.stats" "ndpi_pool_exhausted=0"
for bad in 0 1001 x; do
	expect_exit "--ndpi-packets $bad refused" 64 "$FPSENSOR" -r "$PCAPS/demo.pcap" --ndpi-packets "$bad"
done
check "--ndpi-packets: message names the option" contains "$TMP/err" "--ndpi-packets: 'x'"

# Flows ending inside the detection window (eviction from a tiny table,
# end of input) give their nDPI state back: run under ASan, this is where
# a leak or a double free would show.
"$FPSENSOR" -r "$PCAPS/demo.pcap" --no-p0f --max-flows 2 --stats >"$TMP/ev.jsonl" 2>"$TMP/ev.stats"
check "tiny flow table: evictions" grep -q '^flows_evicted=[1-9]' "$TMP/ev.stats"
check "tiny flow table: every record still named" sh -c "test \$(grep -c '\"ndpi\"' '$TMP/ev.jsonl') -eq \$(wc -l <'$TMP/ev.jsonl')"

# ---- peer: ndpiReader's published results, and ndpiReader 4.2 here ------
TSV="$PEER/nDPI/flows_flat.tsv"
PCAPDIR="$PEER/nDPI/tests/cfgs/default/pcap"
if [ ! -f "$TSV" ] || [ ! -d "$PCAPDIR" ]; then
	echo "SKIP: $TSV absent: no peer agreement"
	finish
	exit
fi
crashed=
for f in "$PCAPDIR"/*; do
	[ -f "$f" ] || continue
	"$FPSENSOR" -r "$f" --no-p0f --deterministic --ndpi 2>"$TMP/peer.err" |
	    sed "s|^{|{\"pcap\":\"${f##*/}\",|"
	[ "${PIPESTATUS[0]}" -le 3 ] || crashed="$crashed ${f##*/}"
done >"$TMP/peer.jsonl"
check "peer captures: no crash with nDPI${crashed:+ (crashed:$crashed)}" test -z "$crashed"
"$top_builddir/tests/unit/test_ndpi" names >"$TMP/names"
# ndpiReader of the installed libndpi (Debian libndpi-bin) on the same
# captures: the same library, so this measures how fpsensor feeds it.
if command -v ndpiReader >/dev/null 2>&1; then
	for f in "$PCAPDIR"/*; do
		[ -f "$f" ] || continue
		echo "#PCAP ${f##*/}"
		timeout 120 ndpiReader -i "$f" -v 2 2>/dev/null |
		    grep -a -E $'^\t[0-9]+\t(TCP|UDP) '
	done >"$TMP/reader.txt"
else
	: >"$TMP/reader.txt"
	echo "SKIP: ndpiReader not installed: no same-version comparison"
fi
# agree.py KIND REFERENCE OURS NAMES: the app protocol per flow, compared.
cat >"$TMP/agree.py" <<'EOF'
import collections, json, re, sys
kind, ref, ours, names = sys.argv[1:5]

def ep(s):                   # "1.2.3.4:80" or "[::1]:80" -> ("1.2.3.4", 80)
    host, port = s.rsplit(":", 1)
    return host.strip("[]"), int(port)

want = {}
if kind == "published":
    with open(ref) as f:
        head = f.readline().rstrip("\n").split("\t")
        for line in f:
            r = dict(zip(head, line.rstrip("\n").split("\t")))
            if r["l4"] in ("TCP", "UDP"):
                want[(r["pcap"], r["l4"].lower(), frozenset(
                    (ep(r["client"]), ep(r["server"]))))] = r["proto"].split("/", 1)[1]
else:
    pat = re.compile(r"^\t\d+\t(TCP|UDP) (\S+) <?->? (\S+) \[proto: [0-9.]+/([^\]]+)\]")
    pcap = None
    for line in open(ref, errors="replace"):
        m = pat.match(line)
        if line.startswith("#PCAP "):
            pcap = line.split()[1]
        elif m:
            want[(pcap, m.group(1).lower(), frozenset(
                (ep(m.group(2)), ep(m.group(3)))))] = m.group(4)
got = {}
for line in open(ours):
    r = json.loads(line)
    key = (r["pcap"], r["proto"], frozenset(((r["client"]["ip"], r["client"]["port"]),
                                             (r["server"]["ip"], r["server"]["port"]))))
    if "ndpi" in r and key not in got:
        got[key] = r["ndpi"]["proto"]
known = set(open(names).read().split("\n"))
both = [k for k in want if k in got]
same = [k for k in both if got[k] == want[k]]
kn = [k for k in both if all(p in known for p in want[k].split("."))]
kn_same = [k for k in kn if got[k] == want[k]]
pct = lambda a, b: 100.0 * len(a) / max(len(b), 1)
print("  %s: %d flows, %d matched to records, same protocol %d (%.1f%%)" % (
    kind, len(want), len(both), len(same), pct(same, both)))
print("  %s, protocols the installed libndpi knows: %d flows, same %d (%.1f%%)" % (
    kind, len(kn), len(kn_same), pct(kn_same, kn)))
for (w, g), n in collections.Counter((want[k], got[k]) for k in kn
                                     if got[k] != want[k]).most_common(5):
    print("    %4d  %s says %s, fpsensor %s" % (n, kind, w, g))
print("AGREE %.4f" % (len(kn_same) / max(len(kn), 1)))
EOF
"$PYTHON" "$TMP/agree.py" published "$TSV" "$TMP/peer.jsonl" "$TMP/names" >"$TMP/pub.txt"
sed '/^AGREE/d' "$TMP/pub.txt"
# The published results come from a newer nDPI: where it names protocols
# the installed libndpi knows too, at least 85% must agree (88.6% with
# Debian's 4.2; most differences are sub-protocols told by server address).
check "published ndpiReader results: app protocol agreement >= 85%" \
    awk '/^AGREE/ { exit !($2 >= 0.85) }' "$TMP/pub.txt"
if [ -s "$TMP/reader.txt" ]; then
	"$PYTHON" "$TMP/agree.py" ndpiReader "$TMP/reader.txt" "$TMP/peer.jsonl" "$TMP/names" >"$TMP/rd.txt"
	sed '/^AGREE/d' "$TMP/rd.txt"
	check "ndpiReader of the same libndpi: agreement >= 99%" \
	    awk '/^AGREE/ { exit !($2 >= 0.99) }' "$TMP/rd.txt"
fi
finish
