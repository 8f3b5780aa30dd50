#!/bin/bash
# Spoofed User-Agents: curl, wget and Python's urllib sending browser
# User-Agents over HTTP and HTTPS (pcaps/spoof_*.pcap) must be flagged, and
# chromium and firefox-esr sending their own (pcaps/browsers_ua.pcap) must
# not.  A faked flow is one that carries a request (HTTP with a
# User-Agent, or a TLS ClientHello); over HTTPS the User-Agent is hidden
# and the verdict rests on what the same client showed in its earlier
# plain-HTTP flows.  Fails below 95% flagged or above 1% false alarms.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

RULES="$top_srcdir/rules"
for f in spoof_curl spoof_wget spoof_python browsers_ua; do
	[ -f "$PCAPS/$f.pcap" ] || skip "no pcaps/$f.pcap"
done

# count FILE...: "flagged total" over the flows that carry a request.
count() {
	local f
	for f in "$@"; do
		"$FPSENSOR" -r "$PCAPS/$f.pcap" --deterministic --no-p0f \
		    --rules "$RULES" 2>/dev/null
	done | "$PYTHON" -c '
import json, sys
flagged = total = 0
for line in sys.stdin:
    r = json.loads(line)
    if not (r.get("http", {}).get("user_agent") or r.get("tls", {}).get("ja4")):
        continue
    total += 1
    flagged += bool(r.get("verdict", {}).get("spoof"))
print(flagged, total)'
}

read -r x y < <(count spoof_curl spoof_wget spoof_python)
z=$(( y ? 100 * x / y : 0 ))
echo "faked UA flagged $x/$y ($z%)"
check "faked User-Agents: flows found ($y)" test "$y" -ge 60
check "faked User-Agents: at least 95% flagged" test $((100 * x)) -ge $((95 * y))

read -r a b < <(count browsers_ua)
c=$(( b ? 100 * a / b : 0 ))
echo "genuine browser flows flagged $a/$b ($c%)"
check "genuine browsers: flows found ($b)" test "$b" -ge 12
check "genuine browsers: at most 1% flagged" test $((100 * a)) -le "$b"

# Per tool, so a regression names the client.
for t in curl wget python; do
	read -r x y < <(count "spoof_$t")
	check "spoof_$t: $x/$y flagged" test $((100 * x)) -ge $((95 * y)) -a "$y" -gt 0
done

# The HTTPS flows take the claim from an earlier flow and say which.
"$FPSENSOR" -r "$PCAPS/spoof_curl.pcap" --deterministic --no-p0f \
    --rules "$RULES" >"$TMP/curl.jsonl" 2>/dev/null
check "HTTPS verdicts name the flow of the claim" "$PYTHON" -c '
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
tls = [r for r in recs if r.get("tls", {}).get("ja4")]
ok = all(r["verdict"]["claims"]["from_flow"] < r["flow_id"] for r in tls)
sys.exit(0 if tls and ok else 1)' "$TMP/curl.jsonl"
finish
