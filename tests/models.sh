#!/bin/bash
# The client and OS family models in the verdicts: --model-dir, --model
# (default version), broken models refused at startup, the model's
# answer in records, rules vs model on fingerprints no rule knows, A/B
# share and stickiness of --model-candidate, --model-shadow, the
# counters of --stats, and SIGHUP reload (a bad model keeps the old one).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

RULES="$top_srcdir/rules"
SRC="$PCAPS/demo.pcap"
M="$TMP/models"
mkdir -p "$M"
cp -r "$top_srcdir/models/v1" "$M/v1"
if ! "$FPSENSOR" -r "$PCAPS/chromium.pcap" --model-dir "$M" \
    >/dev/null 2>"$TMP/probe.err"; then
	grep -q "without XGBoost" "$TMP/probe.err" && skip "built without XGBoost"
	cat "$TMP/probe.err"
fi

run() { "$FPSENSOR" --deterministic --no-p0f --rules "$RULES" "$@"; }

# py FILE CODE: CODE runs with recs = the records of FILE, and
# v = the verdicts among them; it fails by assertion.
py() {
	"$PYTHON" -c '
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
v = [r["verdict"] for r in recs if "verdict" in r]
'"$2" "$1"
}

# --- broken models: exit 64, one message naming the file -----------------
refuse() {	# refuse NAME TEXT ARGS...
	local name=$1 text=$2
	shift 2
	expect_exit "$name: refused" 64 run -r "$PCAPS/chromium.pcap" "$@"
	check "$name: message names $text" contains "$TMP/err" "$text"
	check "$name: no record" test ! -s "$TMP/out"
}
broken() {	# broken NAME EDIT: $M/NAME is v1 edited by EDIT (run in it)
	rm -rf "${M:?}/$1"
	cp -r "$M/v1" "$M/$1"
	(cd "$M/$1" && eval "$2")
}
refuse "missing version" "$M/v9" --model-dir "$M" --model v9
refuse "no model directory" "$TMP/none" --model-dir "$TMP/none" --model v1
mkdir "$TMP/empty"
refuse "empty model directory" "$TMP/empty: no model version" \
	--model-dir "$TMP/empty"
broken trunc 'head -c 4000 ../v1/client.json >client.json'
refuse "truncated booster" "$M/trunc/client.json" --model-dir "$M" --model trunc
broken nometa 'rm os.yaml'
refuse "missing os.yaml" "$M/nometa/os.yaml" --model-dir "$M" --model nometa
broken layout 'sed -i "s/^n_features: .*/n_features: 130/" os.yaml'
refuse "other feature layout" "$M/layout/os.yaml" --model-dir "$M" --model layout
broken fver 'sed -i "s/^features_version: .*/features_version: 99/" client.yaml'
refuse "other features version" "$M/fver/client.yaml" --model-dir "$M" --model fver
broken shape 'sed -i "/^  - other$/d" client.yaml'
refuse "wrong output shape" "classes" --model-dir "$M" --model shape
refuse "broken shadow" "$M/trunc/client.json" --model-dir "$M" --model v1 \
	--model-shadow trunc
refuse "share without candidate" "--model-candidate" --model-dir "$M" \
	--model-candidate-share 10
expect_exit "share over 100" 64 run -r "$PCAPS/chromium.pcap" \
	--model-dir "$M" --model-candidate v1 --model-candidate-share 101
rm -rf "$M"/{trunc,nometa,layout,fver,shape}

# --- the default version: DIR/default, else the newest -------------------
D="$TMP/dflt"
mkdir "$D"
for x in v2 v10; do cp -r "$M/v1" "$D/$x"; done
mkdir "$D/v11"		# no client.json or .ubj: not a version
version_is() {	# version_is WANT ARGS...
	local want=$1
	shift
	run -r "$PCAPS/chromium.pcap" "$@" >"$TMP/d.jsonl" 2>/dev/null &&
	py "$TMP/d.jsonl" '
assert v and {x["versions"]["model"] for x in v} == {"'"$want"'"}, v[0]'
}
check "default: the newest (v10 after v2)" version_is v10 --model-dir "$D"
ln -s v2 "$D/default"
check "default: the default symlink" version_is v2 --model-dir "$D"
rm "$D/default"
echo v2 >"$D/default"
check "default: the default file" version_is v2 --model-dir "$D"
check "--model overrides the default" version_is v10 --model-dir "$D" --model v10
# A version whose boosters are UBJSON alone is a version, and it loads.
rm "$D/default"
mkdir "$D/v12"
cp "$top_srcdir"/models/v2/client.ubj "$top_srcdir"/models/v2/client.yaml \
    "$top_srcdir"/models/v2/os.ubj "$top_srcdir"/models/v2/os.yaml "$D/v12/"
check "default: v12, UBJSON boosters alone" version_is v12 --model-dir "$D"
# the source tree's models: v2 is the default, v1 still loads (rollback)
check "shipped: v2 is the default" version_is v2 --model-dir "$top_srcdir/models"
check "shipped: v1 on request" version_is v1 --model-dir "$top_srcdir/models" \
	--model v1

# --- the model's answer in the records ----------------------------------
run -r "$PCAPS/chromium.pcap" --model-dir "$M" >"$TMP/c.jsonl"
check "chromium: verdict.model from v1, client chrome" py "$TMP/c.jsonl" '
m = [x["model"] for x in v]
assert m and all(x["version"] == "v1" and x["client"] == "chrome" and
    0 < x["client_probability"] <= 1 and 0 < x["os_probability"] <= 1
    for x in m), m'
check "chromium: the exact rule still decides" py "$TMP/c.jsonl" '
assert all(x["client"]["source"] == "rule" for x in v)'
run -r "$PCAPS/chromium.pcap" --no-model >"$TMP/n.jsonl"
check "--no-model: no model in the verdict" py "$TMP/n.jsonl" '
assert v and not any("model" in x or "model" in x["versions"] for x in v)'
check "--no-model: only the model members differ" "$PYTHON" -c '
import json, sys
a = [json.loads(l) for l in open(sys.argv[1])]
b = [json.loads(l) for l in open(sys.argv[2])]
for r in a:
    r["verdict"].pop("model", None)
    r["verdict"]["versions"].pop("model", None)
assert a == b' "$TMP/c.jsonl" "$TMP/n.jsonl"

# Fingerprints no rule knows: rules without their TLS entries.
R="$TMP/rules"
mkdir "$R"
cp "$RULES"/*.yaml "$R/"
sed -i '/^rules:/,$d' "$R/tls.yaml"
echo 'rules: []' >>"$R/tls.yaml"
for f in chromium firefox curl_https; do
	"$FPSENSOR" -r "$PCAPS/$f.pcap" --deterministic --no-p0f --rules "$R" \
	    --model-dir "$M"
done >"$TMP/u.jsonl"
check "unknown TLS: the model's client, source model, probability" \
	py "$TMP/u.jsonl" '
t = [r["verdict"] for r in recs if "tls" in r]
assert t and all(x["client"]["source"] == "model" and
    0 < x["client"]["probability"] <= 1 and
    "tls.ja4_r" in x["evidence"]["fields"] for x in t), t[0]
fam = {x["client"]["family"] for x in t}
assert {"chrome", "firefox", "openssl_curl"} <= fam, fam'

# Spoofed User-Agents over TLS no rule knows: the model's family flags
# what rules alone cannot, and genuine browsers stay unflagged.
spoofed() {	# spoofed ARGS...: "flagged total" over flows with a request
	for f in spoof_curl spoof_wget spoof_python; do
		"$FPSENSOR" -r "$PCAPS/$f.pcap" --deterministic --no-p0f \
		    --rules "$R" "$@" 2>/dev/null
	done | "$PYTHON" -c '
import json, sys
n = k = 0
for l in sys.stdin:
    r = json.loads(l)
    if r.get("http", {}).get("user_agent") or r.get("tls", {}).get("ja4"):
        n += 1
        k += bool(r.get("verdict", {}).get("spoof"))
print(k, n)'
}
if [ -f "$PCAPS/spoof_curl.pcap" ] && [ -f "$PCAPS/browsers_ua.pcap" ]; then
	read -r a n < <(spoofed --no-model)
	read -r b m < <(spoofed --model-dir "$M")
	echo "unknown TLS, faked UA flagged: rules alone $a/$n, with model $b/$m"
	check "unknown TLS: the model flags more faked UAs ($b > $a of $n)" \
		test "$b" -gt "$a"
	"$FPSENSOR" -r "$PCAPS/browsers_ua.pcap" --deterministic --no-p0f \
	    --rules "$R" --model-dir "$M" >"$TMP/g.jsonl" 2>/dev/null
	check "unknown TLS: genuine browsers at most 1% flagged" py "$TMP/g.jsonl" '
g = [r for r in recs if r.get("http", {}).get("user_agent") or "tls" in r]
k = sum(bool(r.get("verdict", {}).get("spoof")) for r in g)
print("unknown TLS, genuine flagged %d/%d" % (k, len(g)))
assert len(g) >= 12 and 100 * k <= len(g)'
fi

# --- --stats -------------------------------------------------------------
run -r "$SRC" --model-dir "$M" --stats >/dev/null 2>"$TMP/s.err"
check "stats: rows, batches, cache lookups and hits" "$PYTHON" -c '
import sys
s = dict(l.strip().split("=", 1) for l in open(sys.argv[1]) if "=" in l)
rows, look, hits = int(s["model_rows"]), int(s["model_cache_lookups"]), \
    int(s["model_cache_hits"])
assert s["model_primary"] == "v1" and rows > 0 and look > rows
# Rows wait in a batch of up to 32 (a row queued twice is one row).
b = int(s["model_batches"])
assert hits == look - rows and 1 <= b <= rows and rows <= 32 * b, s
assert int(s["model_verdicts.v1"]) == look, s' "$TMP/s.err"

# --- A/B: a share of the clients, each always on the same version -------
# A grown capture (one client per flow), then the same flows again 30 s
# later: every client has two flows.
"$PYTHON" "$top_srcdir/tests/bench/grow_corpus.py" --flows 2000 --seed 5 \
    --out "$TMP/grow.pcap" "$PCAPS/chromium.pcap" "$PCAPS/firefox.pcap" \
    "$PCAPS/curl_https.pcap" >/dev/null 2>&1
"$PYTHON" -c '
import struct, sys
b = open(sys.argv[1], "rb").read()
hdr, body, out, off = b[:24], b[24:], [], 0
pk = []
while off < len(body):
    n = struct.unpack("<I", body[off + 8:off + 12])[0]
    pk.append(body[off:off + 16 + n])
    off += 16 + n
last = struct.unpack("<I", pk[-1][:4])[0]
with open(sys.argv[2], "wb") as f:
    f.write(hdr)
    for p in pk:
        f.write(p)
    for p in pk:
        s = struct.unpack("<I", p[:4])[0] - struct.unpack("<I", pk[0][:4])[0]
        f.write(struct.pack("<I", last + 30 + s) + p[4:])
' "$TMP/grow.pcap" "$TMP/ab.pcap"
cp -r "$M/v1" "$M/v2"
ab() {	# ab PCT TAG
	run -r "$TMP/ab.pcap" --model-dir "$M" --model v1 --model-candidate v2 \
	    --model-candidate-share "$1" --stats >"$TMP/ab.$2.jsonl" \
	    2>"$TMP/ab.$2.err"
}
share() {	# share TAG LOW HIGH: clients on v2, in percent, and stickiness
	py "$TMP/ab.$1.jsonl" '
by = {}
for r in recs:
    if "model" in r.get("verdict", {}):
        x = r["verdict"]
        assert x["versions"]["model"] == x["model"]["version"]
        by.setdefault(r["client"]["ip"], []).append(x["model"]["version"])
assert len(by) >= 1900, len(by)
assert sum(len(x) for x in by.values()) >= 3800
assert all(len(set(x)) == 1 for x in by.values()), "a client saw two versions"
pct = 100.0 * sum(x[0] == "v2" for x in by.values()) / len(by)
print("candidate share %.1f%% of %d clients" % (pct, len(by)))
assert '"$2"' <= pct <= '"$3"', pct'
}
ab 30 a; check "candidate 30%: measured share within 27..33, sticky" share a 27 33
ab 30 b; check "candidate 30%: the same clients on a second run" \
	cmp -s "$TMP/ab.a.jsonl" "$TMP/ab.b.jsonl"
check "candidate 30%: verdicts counted per version" "$PYTHON" -c '
import sys
s = dict(l.strip().split("=", 1) for l in open(sys.argv[1]) if "=" in l)
a, b = int(s["model_verdicts.v1"]), int(s["model_verdicts.v2"])
assert a + b >= 3800 and int(s["model_candidate_compared"]) == b, s
assert int(s["model_candidate_disagreements"]) == 0, s' "$TMP/ab.a.err"
ab 5 c; check "candidate 5%: share within 3..7" share c 3 7
ab 0 d; check "candidate 0%: nobody" share d 0 0
ab 100 e; check "candidate 100%: everybody" share e 100 100

# --- shadow: scored beside, never deciding -------------------------------
# v2p: v1 with two client classes swapped, so that it disagrees.
cp -r "$M/v1" "$M/v2p"
sed -i 's/^  - chrome$/  - X/; s/^  - firefox$/  - chrome/; s/^  - X$/  - firefox/' \
	"$M/v2p/client.yaml"
run -r "$TMP/grow.pcap" --model-dir "$M" --model v1 >"$TMP/p.jsonl"
run -r "$TMP/grow.pcap" --model-dir "$M" --model v1 --model-shadow v2p \
    --stats >"$TMP/sh.jsonl" 2>"$TMP/sh.err"
check "shadow: in every verdict with a model, named" py "$TMP/sh.jsonl" '
m = [x for x in v if "model" in x]
assert m and all(x["shadow"]["version"] == "v2p" and
    x["model"]["version"] == "v1" and x["versions"]["model"] == "v1"
    for x in m)
assert any(x["shadow"]["client"] != x["model"]["client"] for x in m)'
check "shadow: the verdict itself unchanged" "$PYTHON" -c '
import json, sys
a = [json.loads(l) for l in open(sys.argv[1])]
b = [json.loads(l) for l in open(sys.argv[2])]
for r in a:
    r.get("verdict", {}).pop("shadow", None)
assert a == b' "$TMP/sh.jsonl" "$TMP/p.jsonl"
check "shadow: agreement and disagreements counted" "$PYTHON" -c '
import sys
s = dict(l.strip().split("=", 1) for l in open(sys.argv[1]) if "=" in l)
n, d = int(s["model_shadow_compared"]), int(s["model_shadow_disagreements"])
assert n == 2000 and 0 < d < n and int(s["model_shadow_os_disagreements"]) == 0
assert abs(float(s["model_shadow_agreement"]) - (1 - d / n)) < 1e-3, s
assert int(s["model_shadowed.v2p"]) == n, s' "$TMP/sh.err"

if "$PYTHON" -c 'import jsonschema' 2>/dev/null; then
	cat "$TMP/sh.jsonl" "$TMP/u.jsonl" "$TMP/ab.a.jsonl" >"$TMP/all.jsonl"
	check "records with model, shadow and candidate: schema" "$PYTHON" \
		"$top_srcdir/tests/schema_check.py" \
		"$top_srcdir/schema/record.schema.json" "$TMP/all.jsonl"
fi

# --- SIGHUP: a bad model keeps the old one; a good one is taken up -------
# demo.pcap through a FIFO in three parts, the model directory changed
# and SIGHUP sent between them.  --model is not given: the newest version
# is resolved again on each reload.
third=$("$PYTHON" -c '
import struct, sys
b = open(sys.argv[1], "rb").read()
cuts, off, k = [], 24, 1
while off < len(b):
    if off >= k * len(b) // 3 and len(cuts) < 2:
        cuts.append(off)
        k += 1
    off += 16 + struct.unpack("<I", b[off + 8:off + 12])[0]
print(*cuts)' "$SRC")
read -r cut1 cut2 <<<"$third"
L="$TMP/live"
mkdir "$L"
cp -r "$M/v1" "$L/v1"
mkfifo "$TMP/fifo"
"$FPSENSOR" -r - --deterministic --no-p0f --stats -v --rules "$RULES" \
    --no-watch --model-dir "$L" <"$TMP/fifo" >"$TMP/hup.jsonl" \
    2>"$TMP/hup.err" &
pid=$!
exec 3>"$TMP/fifo"
head -c "$cut1" "$SRC" >&3
sleep 1.5	# the models load first (slower under sanitizers)
cp -r "$L/v1" "$L/v3"
head -c 5000 "$L/v1/os.json" >"$L/v3/os.json"
kill -HUP "$pid"
sleep 0.3
tail -c +"$((cut1 + 1))" "$SRC" | head -c "$((cut2 - cut1))" >&3
sleep 1
cp "$L/v1/os.json" "$L/v3/os.json"
kill -HUP "$pid"
sleep 0.3
tail -c +"$((cut2 + 1))" "$SRC" >&3
exec 3>&-
wait "$pid"
check "SIGHUP: exit 0" test $? -eq 0
check "SIGHUP: two reloads, one failed" "$PYTHON" -c '
import sys
s = dict(l.strip().split("=", 1) for l in open(sys.argv[1]) if "=" in l)
assert s["model_reloads"] == "2" and s["model_reloads_failed"] == "1", s' \
	"$TMP/hup.err"
check "SIGHUP: the bad model named in one log line" \
	contains "$TMP/hup.err" "reload: model: $L/v3/os.json"
check "SIGHUP: v1, still v1 after the bad reload, then v3" py "$TMP/hup.jsonl" '
s = [x["versions"]["model"] for x in v if "model" in x["versions"]]
i = s.index("v3")
assert s[0] == "v1" and set(s[:i]) == {"v1"} and set(s[i:]) == {"v3"}, s
assert i >= 2, s'
finish
