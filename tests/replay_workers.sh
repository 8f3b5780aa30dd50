#!/bin/bash
# tests/replay_workers.sh: -r with --workers N gives the records of a
# one-pipeline replay, in another order.  Each packet goes to the worker its
# address pair hashes to (sensor/live.h): from a file every worker reads
# the file and takes its share, from stdin a reader thread copies packets
# to the workers.  Records are compared whole,
# verdicts included; flow ids, which each worker hands out in its own
# sequence, are compared by the flows they name.  Exit status and the
# summed counters must agree too.
. "$(dirname "$0")/lib.sh"

[ -x "$FPSENSOR" ] || skip "no fpsensor at $FPSENSOR"

# same NAME ONE MANY: the two record files hold the same records.
same() {
	"$PYTHON" - "$2" "$3" <<'EOF'
import collections, json, re, sys
# Flow ids name flows by the order their worker saw them: each reference
# to one (flow_id, verdict.*.from_flow, "(flow N)" in a reason) is replaced
# by what the flow it names is, its first packet's time and endpoints.
def load(path):
    recs = [json.loads(line) for line in open(path)]
    name = {r["flow_id"]: "%s %s %s" % (r["ts_start"],
            json.dumps(r.get("client")), json.dumps(r.get("server")))
            for r in recs}
    def ref(o):
        if isinstance(o, dict):
            return {k: name.get(v, "?%s" % v) if k == "from_flow" else ref(v)
                    for k, v in o.items()}
        if isinstance(o, list):
            return [ref(v) for v in o]
        if isinstance(o, str):
            return re.sub(r"\(flow (\d+)\)",
                          lambda m: "(flow %s)" % name.get(int(m.group(1)),
                                                           "?"), o)
        return o
    c = collections.Counter()
    for r in recs:
        r.pop("event_id", None)
        r.pop("flow_id", None)
        c[json.dumps(ref(r), sort_keys=True)] += 1
    return c
a, b = load(sys.argv[1]), load(sys.argv[2])
print("records=%d missing=%d extra=%d" % (sum(b.values()),
      sum((a - b).values()), sum((b - a).values())))
sys.exit(0 if a == b and a else 1)
EOF
}

# compare NAME FILE WORKERS [ARGS...]: one pipeline against WORKERS.
compare() {
	local name=$1 f=$2 n=$3
	shift 3
	"$FPSENSOR" -r "$f" --deterministic --stats "$@" >"$TMP/one.jsonl" \
	    2>"$TMP/one.err"
	local rc1=$?
	"$FPSENSOR" -r "$f" --deterministic --stats --workers "$n" "$@" \
	    >"$TMP/many.jsonl" 2>"$TMP/many.err"
	local rc2=$?
	if [ $rc1 != $rc2 ]; then
		fail "$name: exit $rc2 with $n workers, $rc1 with one"
		return
	fi
	if out=$(same "$name" "$TMP/one.jsonl" "$TMP/many.jsonl"); then
		pass "$name: $n workers, the same records ($out)"
	else
		fail "$name: $n workers: $out"
	fi
	for k in packets packets_analysed records flows_created; do
		a=$(stat_of "$TMP/one.err" "$k")
		b=$(stat_of "$TMP/many.err" "$k")
		[ "$a" = "$b" ] || fail "$name: --stats $k=$b, one pipeline $a"
	done
}

for f in "$PCAPS"/*.pcap; do
	compare "$(basename "$f")" "$f" 3
done

# Every Ethernet capture in one file, three times: many address pairs,
# flows that come back, and blocks read across record boundaries.
ether=
for f in "$PCAPS"/*.pcap; do
	case $(basename "$f") in
	null.pcap|raw.pcap|sll.pcap|sll2.pcap) ;;
	*) ether="$ether${ether:+,}$f" ;;
	esac
done
pcaptool repeat "$ether" "$TMP/big.pcap" 3 || fail "pcaptool repeat"
size=$(stat -c %s "$TMP/big.pcap")
check "the big capture is over 2 MiB ($size bytes)" test "$size" -gt 2097152
compare "every Ethernet capture, three times" "$TMP/big.pcap" 4
used=0
for i in 0 1 2 3; do
	n=$(stat_of "$TMP/many.err" "worker${i}_packets")
	[ "${n:-0}" -gt 0 ] && used=$((used + 1))
done
check "the flows are spread over all four workers" test "$used" = 4
compare "with every analyzer and the models" "$TMP/big.pcap" 2 --ndpi

# pcapng goes through libpcap in each worker; stdin through the reader.
pcaptool ng-unknown "$PCAPS/demo.pcap" "$TMP/demo.pcapng" ||
    fail "pcaptool ng-unknown"
compare "pcapng" "$TMP/demo.pcapng" 2
"$FPSENSOR" -r - --deterministic --workers 2 <"$TMP/big.pcap" \
    >"$TMP/stdin.jsonl" 2>"$TMP/stdin.err"
check "stdin: exit 0" test $? = 0
"$FPSENSOR" -r "$TMP/big.pcap" --deterministic >"$TMP/one.jsonl" 2>/dev/null
if out=$(same stdin "$TMP/one.jsonl" "$TMP/stdin.jsonl"); then
	pass "stdin, 2 workers: the same records ($out)"
else
	fail "stdin, 2 workers: $out"
fi

# A damaged file: the packets before the damage, and the same exit status.
pcaptool cut-mid "$TMP/big.pcap" "$TMP/cut.pcap" 9000 || fail "pcaptool cut"
compare "cut in a record" "$TMP/cut.pcap" 3
grep -q "damaged after" "$TMP/many.err" ||
    fail "cut in a record: no 'damaged after' message with 3 workers"
finish
