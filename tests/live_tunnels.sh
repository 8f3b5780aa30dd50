#!/bin/bash
# tests/live_tunnels.sh: tunnelled flows captured live by four workers are
# each seen whole by one worker.  VXLAN and Geneve pick the outer UDP
# source port per packet or per direction, so a hash of the outer headers
# would give one connection's packets to several workers; the fanout
# program hashes the innermost flow (sensor/fanout_bpf.h).  Every record
# must equal replay's of the same file.  Needs root, ip netns and
# tcpreplay: exit 77 (skip) without.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/live_lib.sh"

netns_need
[ -x "$FPSENSOR" ] || skip "no fpsensor at $FPSENSOR"
netns_up || { fail "network namespaces set up"; finish; exit; }

tunnels="vxlan geneve gre erspan ipv6 vlan qinq curl_https"
: >"$TMP/off.jsonl"
for f in $tunnels; do
	netns_rewrite "$PCAPS/$f.pcap" "$TMP/$f.pcap" ||
	    fail "tcprewrite $f"
	"$FPSENSOR" -r "$TMP/$f.pcap" --deterministic --no-ndpi \
	    >>"$TMP/off.jsonl" 2>/dev/null
done
live_start "$TMP/live.jsonl" "$TMP/live.err" --workers 4 --stats \
    --deterministic --no-ndpi ||
    fail "fpsensor -i --workers 4 starts: $(tail -n 3 "$TMP/live.err")"
for f in $tunnels; do
	replay --pps 200 "$TMP/$f.pcap" >/dev/null
done
sleep 0.3
live_stop
check "SIGTERM: exit 0" test $? = 0
check "offline replay gave records" test -s "$TMP/off.jsonl"
check "four workers: every tunnelled flow whole, as offline" \
    "$PYTHON" "$top_srcdir/tests/fp_multiset.py" "$TMP/off.jsonl" \
    "$TMP/live.jsonl"
used=0
for i in 0 1 2 3; do
	n=$(stat_of "$TMP/live.err" "worker${i}_packets")
	[ "${n:-0}" -gt 0 ] && used=$((used + 1))
done
check "the flows are spread over more than one worker" test "$used" -gt 1
finish
