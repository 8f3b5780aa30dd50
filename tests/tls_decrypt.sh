#!/bin/bash
# TLS decryption with a key log: pcaps/tls_keylog.pcap (curl to nginx over
# TLS 1.3 and 1.2, HTTP/2 and HTTP/1.1, made by pcaps/make_pcaps.sh with
# SSLKEYLOGFILE) replayed with --tls-keylog must give, on every
# connection, the requests tshark finds with the same key log: method,
# target, User-Agent, header order, JA4H computed here from tshark's
# header names, and the HTTP/2 SETTINGS, WINDOW_UPDATE and pseudo-header
# order of the Akamai fingerprint; and the server certificates (TLS 1.3:
# encrypted) tshark finds.  Without the key log the HTTP fields are
# absent, and the TLS 1.3 certificates; with a wrong secret decryption fails and is counted; the same
# secrets inside the pcapng (editcap --inject-secrets) work without the
# option; bad key log lines are refused by file:line without their
# content.  Skips without tshark.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
command -v tshark >/dev/null || skip "tshark not installed"
"$FPSENSOR" --version | grep -q 'JA4+ analyzers: yes' ||
    skip "JA4H needs a JA4+ build"
PCAP=$PCAPS/tls_keylog.pcap
KEYS=$PCAPS/tls_keylog.keys

tshark -n -r "$PCAP" -o "tls.keylog_file:$KEYS" \
    -Y 'tcp.dstport == 443 && (http2.type == 1 || http.request ||
    http2.type == 4 || http2.type == 8)' -T fields -E separator='|' \
    -E occurrence=a -E aggregator='^' -e tcp.srcport -e http2.type \
    -e http2.header.name -e http2.headers.method -e http2.headers.path \
    -e http2.headers.user_agent -e http.request.method -e http.request.uri \
    -e http.user_agent -e http.request.line -e http2.settings.id \
    -e http2.settings.header_table_size -e http2.settings.enable_push \
    -e http2.settings.max_concurrent_streams \
    -e http2.settings.initial_window_size \
    -e http2.settings.max_frame_size -e http2.settings.max_header_list_size \
    -e http2.window_update.window_size_increment -e http2.streamid \
    >"$TMP/tshark.txt" 2>"$TMP/tshark.err" || fail "tshark: $(cat "$TMP/tshark.err")"

tshark -n -r "$PCAP" -o "tls.keylog_file:$KEYS" -Y 'tls.handshake.type == 11' \
    -T fields -E occurrence=a -E aggregator='^' -e tcp.dstport \
    -e tls.handshake.certificate_length -e x509sat.uTF8String \
    >"$TMP/certs.txt" 2>>"$TMP/tshark.err" || fail "tshark certificates"

"$FPSENSOR" -r "$PCAP" --tls-keylog "$KEYS" --deterministic --no-p0f \
    --stats >"$TMP/dec.jsonl" 2>"$TMP/dec.err"
check "replay with --tls-keylog" test -s "$TMP/dec.jsonl"

compare() { # compare JSONL: fpsensor's requests against tshark's
	"$PYTHON" - "$TMP/tshark.txt" "$1" "$TMP/certs.txt" <<'PY'
import collections, hashlib, json, sys

conns = collections.OrderedDict()
for line in open(sys.argv[1]):
    f = line.rstrip("\n").split("|")
    port, types = f[0], f[1].split("^")
    c = conns.setdefault(port, {"reqs": [], "settings": None, "wu": None})
    sids = f[18].split("^")
    if "4" in types and c["settings"] is None and f[10]:
        # SETTINGS ids in order; each value from its own field.
        vals = {i: f[10 + i].split("^") for i in range(1, 7)}
        out = []
        for sid in f[10].split("^"):
            out.append("%s:%s" % (sid, vals[int(sid)].pop(0)))
        c["settings"] = ";".join(out)
    if "8" in types and c["wu"] is None and f[17]:
        # Increments are listed for WINDOW_UPDATE frames only; stream
        # ids for every frame.
        incs = f[17].split("^")
        for t, sid in zip(types, sids):
            if t == "8":
                inc = incs.pop(0)
                if sid == "0":
                    c["wu"] = inc
                    break
    if f[2]:
        c["reqs"].append({"version": "20", "method": f[3], "path": f[4],
                          "ua": f[5], "headers": f[2].split("^")})
    elif f[6]:
        names = [l.split(":", 1)[0] for l in f[9].split("^") if ":" in l]
        c["reqs"].append({"version": "11", "method": f[6], "path": f[7],
                          "ua": f[8], "headers": names})

def ja4h_ab(r):
    names = [h for h in r["headers"] if h.lower() not in ("cookie",
                                                          "referer")]
    low = [h.lower() for h in r["headers"]]
    a = "%s%s%s%s%02d0000" % (r["method"][:2].lower(), r["version"],
                              "c" if "cookie" in low else "n",
                              "r" if "referer" in low else "n",
                              min(len(names), 99))
    b = hashlib.sha256(",".join(names).encode()).hexdigest()[:12]
    return "%s_%s_000000000000_000000000000" % (a, b)

recs = {}
for line in open(sys.argv[2]):
    r = json.loads(line)
    recs[str(r["client"]["port"])] = r
bad = 0
def check(what, want, got):
    global bad
    if want != got:
        print("FAIL %s: tshark %r fpsensor %r" % (what, want, got))
        bad += 1
n_reqs = 0
for port, c in conns.items():
    r = recs.get(port, {})
    h = r.get("http", {})
    check("%s tls.decrypted" % port, True, r.get("tls", {}).get("decrypted"))
    first, later = c["reqs"][0], c["reqs"][1:]
    check("%s method" % port, first["method"], h.get("method"))
    check("%s target" % port, first["path"], h.get("target"))
    check("%s user_agent" % port, first["ua"], h.get("user_agent"))
    check("%s headers" % port, first["headers"], h.get("headers"))
    check("%s ja4h" % port, ja4h_ab(first), h.get("ja4h"))
    check("%s requests" % port, len(c["reqs"]), h.get("requests", 1))
    got = h.get("later_requests", [])
    check("%s later targets" % port, [x["path"] for x in later],
          [x["target"] for x in got])
    check("%s later ja4h" % port, [ja4h_ab(x) for x in later],
          [x["ja4h"] for x in got])
    if first["version"] == "20":
        ak = h.get("h2", {}).get("akamai", "").split("|")
        pseudo = ",".join(x[1] for x in first["headers"] if x[0] == ":")
        check("%s h2 settings" % port, c["settings"], ak[0])
        check("%s h2 window_update" % port, c["wu"], ak[1])
        check("%s h2 pseudo order" % port, pseudo, ak[3])
    n_reqs += len(c["reqs"])
# The server certificates: as many, and their subjects' names.
n_certs = 0
for line in open(sys.argv[3]):
    port, lens, names = line.rstrip("\n").split("\t")
    got = recs.get(port, {}).get("tls", {}).get("certificates", [])
    check("%s certificates" % port, len(lens.split("^")), len(got))
    for c in got:
        if c["subject"].split("CN=")[-1] not in names.split("^"):
            check("%s certificate subject" % port, names, c["subject"])
    n_certs += len(got)
print("%d connections, %d requests, %d certificates compared" %
      (len(conns), n_reqs, n_certs))
sys.exit(1 if bad or len(conns) < 5 or n_certs < 10 else 0)
PY
}
if compare "$TMP/dec.jsonl" >"$TMP/cmp.out" 2>&1; then
	pass "$(tail -1 "$TMP/cmp.out"): as tshark decrypts them"
else
	fail "requests differ from tshark's"
	sed 's/^/    /' "$TMP/cmp.out"
fi
check "--stats: 5 flows decrypted" contains "$TMP/dec.err" \
    "tls_decrypted_flows=5"
check "--stats: 14 secrets loaded, none refused" \
    "$PYTHON" -c 'import sys; t = open(sys.argv[1]).read()
sys.exit(not ("tls_keylog_keys=14\n" in t and "tls_keylog_refused=0\n" in t))' \
    "$TMP/dec.err"

# Without the key log: the TLS fields, no HTTP ones.
"$FPSENSOR" -r "$PCAP" --deterministic --no-p0f >"$TMP/plain.jsonl" 2>&1
check "without the key log: no http, no tls.decrypted, no TLS 1.3 certificates" \
    "$PYTHON" -c '
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
tls = [r["tls"] for r in recs if "tls" in r]
sys.exit(not (len(tls) == 5 and not any("http" in r or
    "decrypted" in r["tls"] for r in recs) and
    [t["version"] for t in tls if "certificates" in t] == ["TLS 1.2"] * 2))' \
    "$TMP/plain.jsonl"

# A wrong application secret: the first record fails, decryption stops.
"$PYTHON" - "$KEYS" >"$TMP/wrong.keys" <<'PY'
import sys
done = False
for line in open(sys.argv[1]):
    f = line.split()
    if not done and f and f[0] == "CLIENT_TRAFFIC_SECRET_0":
        f[2] = ("0" if f[2][0] != "0" else "1") + f[2][1:]
        line = " ".join(f) + "\n"
        done = True
    sys.stdout.write(line)
PY
"$FPSENSOR" -r "$PCAP" --tls-keylog "$TMP/wrong.keys" --deterministic \
    --no-p0f --stats >"$TMP/wrong.jsonl" 2>"$TMP/wrong.err"
check "wrong secret: decrypt_failed on one flow, counted" "$PYTHON" -c '
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
failed = [r for r in recs if r.get("tls", {}).get("decrypt_failed")]
ok = [r for r in recs if r.get("tls", {}).get("decrypted")]
sys.exit(not (len(failed) == 1 and "http" not in failed[0] and len(ok) == 4
    and "tls_decrypt_auth_failed=1\n" in open(sys.argv[2]).read()))' \
    "$TMP/wrong.jsonl" "$TMP/wrong.err"

# The same secrets inside a pcapng: no option needed.
if editcap --inject-secrets "tls,$KEYS" "$PCAP" "$TMP/dsb.pcapng" \
    >/dev/null 2>&1; then
	"$FPSENSOR" -r "$TMP/dsb.pcapng" --deterministic --no-p0f \
	    >"$TMP/dsb.jsonl" 2>"$TMP/dsb.err"
	if compare "$TMP/dsb.jsonl" >"$TMP/cmp.out" 2>&1; then
		pass "pcapng secrets block: $(tail -1 "$TMP/cmp.out")"
	else
		fail "pcapng secrets block"
		sed 's/^/    /' "$TMP/cmp.out" "$TMP/dsb.err"
	fi
	# A block length that runs past the end: named, replay goes on.
	head -c -6 "$TMP/dsb.pcapng" >"$TMP/cut.pcapng"
	"$FPSENSOR" -r "$TMP/cut.pcapng" --deterministic --no-p0f \
	    >"$TMP/cut.jsonl" 2>"$TMP/cut.err"
	check "cut pcapng: the damaged block is named by offset" grep -q \
	    "secrets blocks: .*cut.pcapng: offset [0-9]*: " "$TMP/cut.err"
	check "cut pcapng: the flows before the damage decrypted" grep -q \
	    '"decrypted":true' "$TMP/cut.jsonl"
else
	fail "editcap --inject-secrets"
fi

# Refused lines: file:line, never the line.
{
	echo "# comment"
	echo ""
	echo "CLIENT_RANDOM abcd 00"
	echo "CLIENT_RANDOM $(printf '%064d' 0) deadbeef"
	echo "NOT_A_LABEL $(printf '%064d' 0) $(printf '%064d' 7)"
	echo "CLIENT_TRAFFIC_SECRET_0 $(printf '%064d' 0) $(printf '%063dz' 0)"
	cat "$KEYS"
} >"$TMP/mixed.keys"
"$FPSENSOR" -r "$PCAP" --tls-keylog "$TMP/mixed.keys" --deterministic \
    --no-p0f --stats >"$TMP/mixed.jsonl" 2>"$TMP/mixed.err"
check "refused lines named by file:line" "$PYTHON" -c '
import sys
t = open(sys.argv[1]).read()
want = ["mixed.keys:%d: key log: " % n for n in (3, 4, 5, 6)]
sys.exit(not (all(w in t for w in want) and "tls_keylog_refused=4\n" in t
    and "deadbeef" not in t and "7777" not in t))' "$TMP/mixed.err"
check "refused lines: the good ones still decrypt" contains \
    "$TMP/mixed.err" "tls_decrypted_flows=5"
expect_exit "unreadable key log" 64 "$FPSENSOR" -r "$PCAP" \
    --tls-keylog "$TMP/absent.keys"
finish
