#!/bin/bash
# --anonymize-key: every address in the records is replaced by its keyed,
# prefix-preserving pseudonym (Crypto-PAn); nothing else changes; GeoIP is
# looked up on the real address; bad key files are refused before anything
# is written.  Pseudonyms are checked against tests/fixtures/anonymize/
# cryptopan.py, a separate implementation (python3-cryptography).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
KEY="$TMP/key"
echo 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f >"$KEY"
KEYHEX=$(cat "$KEY")

for f in "$PCAPS"/*.pcap; do
	"$FPSENSOR" -r "$f" --deterministic --no-p0f
done >"$TMP/plain.jsonl" 2>/dev/null
for f in "$PCAPS"/*.pcap; do
	"$FPSENSOR" -r "$f" --deterministic --no-p0f --anonymize-key "$KEY"
done >"$TMP/anon.jsonl" 2>/dev/null
check "records written with a key" test -s "$TMP/anon.jsonl"

# compare.py PLAIN ANON: pairs of records.  Every string that is an IP
# address or an IP-literal host ("192.0.2.1:8080", "[2001:db8::1]:443") may
# differ, as long as each real address always gets the same pseudonym of
# its family; nothing else may; no real address is left anywhere; prefixes
# are preserved across all pairs of addresses.  Writes "real pseudonym"
# pairs to ANON.pairs.
cat >"$TMP/compare.py" <<'EOF'
import ipaddress, itertools, json, re, sys
plain = [json.loads(l) for l in open(sys.argv[1])]
anon = [json.loads(l) for l in open(sys.argv[2])]
assert len(plain) == len(anon) > 0, (len(plain), len(anon))
pairs = {}
HOST = re.compile(r"^(?:\[([0-9A-Fa-f:.]+)\]|([0-9.]+))(?::[0-9]+)?$")

def addr(s):
    m = HOST.match(s)
    for cand in ((m.group(1) or m.group(2)) if m else None, s):
        try:
            return ipaddress.ip_address(cand), cand
        except (ValueError, TypeError):
            pass
    return None, None

def walk(p, a, path):
    if isinstance(p, dict):
        assert isinstance(a, dict) and set(p) == set(a), path
        for k in p:
            walk(p[k], a[k], path + "." + k)
    elif isinstance(p, list):
        assert isinstance(a, list) and len(p) == len(a), path
        for i, (x, y) in enumerate(zip(p, a)):
            walk(x, y, path)
    elif isinstance(p, str) and addr(p)[0] is not None:
        (ra, rt), (pa, pt) = addr(p), addr(a)
        assert pa is not None and pa.version == ra.version, (path, p, a)
        assert p.replace(rt, "") == a.replace(pt, ""), (path, p, a)
        assert pairs.setdefault(str(ra), str(pa)) == str(pa), "not stable: " + p
    else:
        assert p == a, "%s changed: %r -> %r" % (path, p, a)

for p, a in zip(plain, anon):
    walk(p, a, "")
reals = set(pairs)
assert not [r for r in reals if pairs[r] == r], "an address kept as it was"
# No real address inside any other string either.
text = open(sys.argv[2]).read()
for r in reals - set(pairs.values()):
    assert not re.search(r"(?<![0-9A-Za-z.:])%s(?![0-9A-Za-z.])" % re.escape(r),
                         text), "real address %s left in the output" % r
def bits(s):
    a = ipaddress.ip_address(s)
    return a.version, int(a), 32 if a.version == 4 else 128
def cpl(x, y, w):
    d = x ^ y
    return w if d == 0 else w - d.bit_length()
n = 0
for r1, r2 in itertools.combinations(sorted(reals), 2):
    v1, x1, w = bits(r1)
    v2, x2, _ = bits(r2)
    if v1 != v2:
        continue
    _, y1, _ = bits(pairs[r1])
    _, y2, _ = bits(pairs[r2])
    assert bits(pairs[r1])[0] == v1, "family changed"
    assert cpl(x1, x2, w) == cpl(y1, y2, w), (r1, r2, pairs[r1], pairs[r2])
    n += 1
with open(sys.argv[2] + ".pairs", "w") as f:
    for r in sorted(reals):
        f.write("%s %s\n" % (r, pairs[r]))
print("  %d records, %d addresses, %d same-family pairs keep their common prefix" % (
    len(plain), len(reals), n))
EOF
check "only addresses change; prefixes kept across the captures" \
    "$PYTHON" "$TMP/compare.py" "$TMP/plain.jsonl" "$TMP/anon.jsonl"

# The same pseudonyms from an independent implementation.
if "$PYTHON" -c 'import cryptography' 2>/dev/null; then
	# shellcheck disable=SC2046
	"$PYTHON" "$top_srcdir/tests/fixtures/anonymize/cryptopan.py" "$KEYHEX" \
	    $(cut -d' ' -f1 "$TMP/anon.jsonl.pairs") >"$TMP/ref.pairs"
	check "pseudonyms equal cryptopan.py's ($(wc -l <"$TMP/ref.pairs") addresses)" \
	    cmp -s "$TMP/ref.pairs" "$TMP/anon.jsonl.pairs"
else
	echo "SKIP: python3-cryptography missing: no cross-check"
fi

# Stable for a key (and across key file formats), different for another.
"$FPSENSOR" -r "$PCAPS/demo.pcap" --deterministic --no-p0f --anonymize-key "$KEY" >"$TMP/a1"
"$PYTHON" -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(sys.argv[1]))' "$KEYHEX" >"$TMP/key.raw"
"$FPSENSOR" -r "$PCAPS/demo.pcap" --deterministic --no-p0f --anonymize-key "$TMP/key.raw" >"$TMP/a2"
check "same key (hex or raw file): same output" cmp -s "$TMP/a1" "$TMP/a2"
echo 1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100 >"$TMP/key2"
"$FPSENSOR" -r "$PCAPS/demo.pcap" --deterministic --no-p0f --anonymize-key "$TMP/key2" >"$TMP/a3"
check "another key: other pseudonyms" sh -c "! cmp -s '$TMP/a1' '$TMP/a3'"

# GeoIP is looked up on the real address, before pseudonymization.
if perl -MMaxMind::DB::Writer::Tree -e 1 2>/dev/null &&
    perl "$top_srcdir/tests/fixtures/geoip/make_mmdb.pl" "$TMP" 2>/dev/null &&
    "$FPSENSOR" -r "$PCAPS/dig.pcap" --geoip-city "$TMP/city.mmdb" -o /dev/null 2>/dev/null; then
	"$FPSENSOR" -r "$PCAPS/demo.pcap" --deterministic --no-p0f \
	    --geoip-city "$TMP/city.mmdb" --geoip-asn "$TMP/asn.mmdb" >"$TMP/g1" 2>/dev/null
	"$FPSENSOR" -r "$PCAPS/demo.pcap" --deterministic --no-p0f \
	    --geoip-city "$TMP/city.mmdb" --geoip-asn "$TMP/asn.mmdb" \
	    --anonymize-key "$KEY" >"$TMP/g2" 2>/dev/null
	check "GeoIP of the real address under a key" "$PYTHON" -c '
import json, sys
a = [json.loads(l) for l in open(sys.argv[1])]
b = [json.loads(l) for l in open(sys.argv[2])]
assert a and len(a) == len(b)
for x, y in zip(a, b):
    for s in ("client", "server"):
        assert x[s]["ip"] != y[s]["ip"]
        assert x[s].get("geo") == y[s].get("geo") and x[s].get("as") == y[s].get("as")
assert any("geo" in y["client"] for y in b)' "$TMP/g1" "$TMP/g2"
fi

# Bad key files: exit 64, the file named, nothing written.
bad_key() {
	local name=$1 file=$2 why=$3
	rm -f "$TMP/never.jsonl"
	expect_exit "$name" 64 "$FPSENSOR" -r "$PCAPS/demo.pcap" --anonymize-key "$file" -o "$TMP/never.jsonl"
	check "$name: message names the file and says why" sh -c \
	    "grep -qF -- '$file' '$TMP/err' && grep -qF -- '$why' '$TMP/err'"
	check "$name: nothing written" test ! -e "$TMP/never.jsonl" -a ! -s "$TMP/out"
}
: >"$TMP/empty.key"
bad_key "empty key file" "$TMP/empty.key" "empty key file"
printf '0123456789abcdef' >"$TMP/short.key"
bad_key "short key file" "$TMP/short.key" "key too short (16 bytes"
head -c 31 "$TMP/key.raw" >"$TMP/31.key"
bad_key "31-byte key file" "$TMP/31.key" "key too short (31 bytes"
printf '%s%s' "$KEYHEX" "$KEYHEX" >"$TMP/long.key"
bad_key "long key file" "$TMP/long.key" "key too long"
bad_key "missing key file" "$TMP/nope.key" "No such file"
bad_key "directory as key file" "$TMP" "Is a directory"
if [ "$(id -u)" -ne 0 ]; then
	cp "$KEY" "$TMP/locked.key"
	chmod 000 "$TMP/locked.key"
	bad_key "unreadable key file" "$TMP/locked.key" "Permission denied"
fi

# A wider set of addresses when the peer captures are there.
if [ -d "$PEER/ja4/pcap" ]; then
	for f in "$PEER"/ja4/pcap/*; do
		"$FPSENSOR" -r "$f" --deterministic --no-p0f 2>/dev/null
	done >"$TMP/pp.jsonl"
	for f in "$PEER"/ja4/pcap/*; do
		"$FPSENSOR" -r "$f" --deterministic --no-p0f --anonymize-key "$KEY" 2>/dev/null
	done >"$TMP/pa.jsonl"
	check "peer captures: prefixes kept" \
	    "$PYTHON" "$TMP/compare.py" "$TMP/pp.jsonl" "$TMP/pa.jsonl"
	if "$PYTHON" -c 'import cryptography' 2>/dev/null; then
		# shellcheck disable=SC2046
		"$PYTHON" "$top_srcdir/tests/fixtures/anonymize/cryptopan.py" \
		    "$KEYHEX" $(cut -d' ' -f1 "$TMP/pa.jsonl.pairs") >"$TMP/ref2"
		check "peer captures: pseudonyms equal cryptopan.py's" \
		    cmp -s "$TMP/ref2" "$TMP/pa.jsonl.pairs"
	fi
fi
finish
