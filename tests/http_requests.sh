#!/bin/bash
# Requests after the first in one connection, HTTP/1.1 keep-alive and h2c
# streams (tests/fixtures/http/h2c_multi.pcap, made by make_h2c_multi.sh):
# each request's JA4H, the request count and the Akamai HTTP/2 print
# against tshark's view of the same capture (h2c_multi.tsv, derived by
# gen_multi.py).  Then the same capture cut short and bit-flipped: every
# variant is read without a crash and gives valid JSON.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
TEST_NAME=http_requests
D=$top_srcdir/tests/fixtures/http

"$FPSENSOR" --version | grep -q "JA4+ analyzers: yes" ||
	skip "JA4H needs --enable-ja4plus"
"$FPSENSOR" -r "$D/h2c_multi.pcap" --deterministic --no-p0f \
	>"$TMP/out.jsonl" 2>"$TMP/err" || fail "fpsensor exit $?"
"$PYTHON" - "$TMP/out.jsonl" "$D/h2c_multi.tsv" >"$TMP/cmp" <<'PY'
import json, sys
recs = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    recs[str(r["client"]["port"])] = r.get("http", {})
for line in open(sys.argv[2]):
    if line.startswith("#"):
        continue
    port, field, idx, want = line.rstrip("\n").split("\t")
    h, idx = recs.get(port, {}), int(idx)
    if field == "ja4h":
        later = h.get("later_requests", [])
        if idx == 0:
            got = h.get("ja4h")
        elif idx <= 3:
            got = later[idx - 1]["ja4h"] if idx <= len(later) else None
        else:
            continue            # counted, not listed
    elif field == "requests":
        got = str(h.get("requests", 1))
    else:
        got = h.get("h2", {}).get("akamai")
    print("%s %s %s #%d: tshark %s, fpsensor %s" % (
        "ok" if got == want else "FAIL", port, field, idx, want, got))
PY
while read -r verdict rest; do
	if [ "$verdict" = ok ]; then pass "$rest"; else fail "$rest"; fi
done <"$TMP/cmp"
[ -s "$TMP/cmp" ] || fail "no comparison made"

# Copies of the capture with every packet cut short (as by a snap length)
# or with bits flipped past the headers (deterministic seeds): each is
# read to the end and gives valid JSON.
for v in cut:60 cut:90 cut:200 flip:1 flip:2 flip:3 flip:4 flip:5; do
	"$PYTHON" - "$D/h2c_multi.pcap" "$TMP/m.pcap" "$v" <<'PY'
import random, struct, sys
src, out, (mode, n) = sys.argv[1], sys.argv[2], sys.argv[3].split(":")
n = int(n)
data = open(src, "rb").read()
e = "<" if data[:4] == b"\xd4\xc3\xb2\xa1" else ">"
parts, off, rnd = [data[:24]], 24, random.Random(n)
while off + 16 <= len(data):
    s, u, c, w = struct.unpack(e + "IIII", data[off:off + 16])
    body = bytearray(data[off + 16:off + 16 + c])
    off += 16 + c
    if mode == "cut":
        body = body[:n]
    elif len(body) > 68:
        for _ in range(n):
            i = rnd.randrange(68, len(body))
            body[i] ^= 1 << rnd.randrange(8)
    parts.append(struct.pack(e + "IIII", s, u, len(body), w) + bytes(body))
open(out, "wb").write(b"".join(parts))
PY
	if "$FPSENSOR" -r "$TMP/m.pcap" --deterministic --no-p0f \
	    >"$TMP/m.jsonl" 2>/dev/null &&
	    "$PYTHON" -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' \
	    "$TMP/m.jsonl"; then
		pass "damaged copy ($v): read, valid JSON"
	else
		fail "damaged copy ($v)"
	fi
done
finish
