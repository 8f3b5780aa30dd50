#!/bin/bash
# DTLS hellos against Wireshark: for every DTLS ClientHello in our captures,
# fpsensor's JA3, SNI and ALPN must equal what tshark reads from the same
# packets after its own reassembly of handshake fragments (dtls_frag.pcap
# sends each ClientHello in two fragments), also with the fragments
# swapped.  Skips without tshark.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
command -v tshark >/dev/null || skip "tshark not installed"
n=0
for f in "$PCAPS"/*.pcap; do
	name=$(basename "$f")
	tshark -n -r "$f" -Y "dtls.handshake.type == 1" -T fields \
	    -E separator='|' -e ip.src -e ipv6.src -e udp.srcport \
	    -e dtls.handshake.version -e dtls.handshake.ciphersuite \
	    -e dtls.handshake.extension.type \
	    -e dtls.handshake.extensions_supported_group \
	    -e dtls.handshake.extensions_ec_point_format \
	    -e dtls.handshake.extensions_server_name \
	    -e dtls.handshake.extensions_alpn_str \
	    >"$TMP/$name.tshark" 2>/dev/null || { fail "$name: tshark"; continue; }
	grep -q '^[^|]*|[^|]*|[^|]*|0x' "$TMP/$name.tshark" || continue
	"$FPSENSOR" -r "$f" --deterministic >"$TMP/$name.jsonl" 2>/dev/null
	if "$PYTHON" - "$TMP/$name.tshark" "$TMP/$name.jsonl" <<'PY'
import json, sys

def num(v):
    return str(int(v, 16) if v.startswith("0x") else int(v))

def grease(v):
    x = int(v, 16) if v.startswith("0x") else int(v)
    return (x & 0x0f0f) == 0x0a0a and (x >> 8) == (x & 0xff)

def ja3(version, *lists):
    parts = [num(version)]
    for l in lists:
        vals = [v for v in l.split(",") if v]
        parts.append("-".join(num(v) for v in vals if not grease(v)))
    return ",".join(parts)

want = {}
for line in open(sys.argv[1]):
    src4, src6, port, ver, ciphers, exts, groups, pf, sni, alpn = \
        line.rstrip("\n").split("|")
    if not ver:
        continue        # a fragment; tshark shows the message once whole
    key = "%s/%s" % (src4 or src6, port)
    if key in want:
        continue        # the flow is fingerprinted by its first hello
    want[key] = {"ja3": ja3(ver, ciphers, exts, groups, pf), "sni": sni,
                 "alpn": [a for a in alpn.split(",") if a]}
got = {}
for line in open(sys.argv[2]):
    r = json.loads(line)
    t = r.get("tls", {})
    if t.get("transport") == "dtls" and "ja3" in t:
        c = r["client"]
        got["%s/%s" % (c["ip"], c["port"])] = {
            "ja3": t["ja3"], "sni": t.get("sni", ""), "alpn": t.get("alpn", [])}
bad = 0
for key, w in sorted(want.items()):
    g = got.get(key)
    if g != w:
        bad += 1
        print("  %s: tshark %r fpsensor %r" % (key, w, g))
print("  dtls client hellos %d/%d" % (len(want) - bad, len(want)))
sys.exit(1 if bad or not want else 0)
PY
	then pass "$name"; n=$((n + 1)); else fail "$name"; fi
done

# The same hello with its two fragments in the other order (records 2 and 3
# of dtls_frag.pcap: the first ClientHello's two datagrams).
pcaptool swap-next "$PCAPS/dtls_frag.pcap" "$TMP/swapped.pcap" 2
"$FPSENSOR" -r "$PCAPS/dtls_frag.pcap" --deterministic 2>/dev/null |
    "$PYTHON" -c 'import json,sys; print(json.loads(sys.stdin.readline())["tls"]["ja4_ro"])' >"$TMP/a"
"$FPSENSOR" -r "$TMP/swapped.pcap" --deterministic 2>/dev/null |
    "$PYTHON" -c 'import json,sys; print(json.loads(sys.stdin.readline())["tls"].get("ja4_ro"))' >"$TMP/b"
if [ -s "$TMP/a" ] && cmp -s "$TMP/a" "$TMP/b"; then
	pass "fragments out of order"
else
	fail "fragments out of order: $(cat "$TMP/a") vs $(cat "$TMP/b")"
fi
[ $n -gt 0 ] || [ $n_fail -gt 0 ] || fail "no DTLS ClientHello found in $PCAPS"
finish
