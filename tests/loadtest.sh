#!/bin/bash
# tests/loadtest.sh: live capture under load, in two network namespaces.
#
# usage: loadtest.sh [--full]          (make check: short; make loadtest: full)
#
# A capture is rewritten for a veth pair between two namespaces this test
# makes and removes (tests/live_lib.sh), then replayed with tcpreplay into
# one end at stepped rates while fpsensor -i captures the other end with
# --workers 2.  For each step it prints the rate sent, the packets fpsensor
# captured and the kernel's drops, then the highest rate held without loss
# (no kernel drop and every packet sent captured).  Every step without loss
# must give the same fingerprints (tests/fp_multiset.py: the multiset of
# records without times, ids and counts) as fpsensor -r on the same
# rewritten file; a step with loss shows how many records differ.
#
# Short (default): pcaps/bulk_https.pcap, curl_https.pcap and dig.pcap,
# two steps (LOADTEST_STEPS, default "2000 topspeed"), a few seconds.
# Full (--full, make loadtest): the first LOADTEST_PACKETS (default
# 200000) packets of the benchmark corpus (BENCH_CORPUS, or the
# bench-corpus-$BENCH_FLOWS.pcap make bench grew in the build directory,
# grown here when absent) at LOADTEST_STEPS (default "20000 50000 100000
# 200000 400000 topspeed" packets/s).
# Needs root, ip netns and tcpreplay: exit 77 (skip) without them.
# Environment: LOADTEST_WORKERS (default 2), LOADTEST_ARGS (more fpsensor
# options).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/live_lib.sh"

full=0
[ "${1:-}" = --full ] && full=1
WORKERS=${LOADTEST_WORKERS:-2}
netns_need
[ -x "$FPSENSOR" ] || skip "no fpsensor at $FPSENSOR"

# pcap_head N IN OUT, from the benchmark scripts.
. "$top_srcdir/tests/bench/corpus.sh"

if [ "$full" = 1 ]; then
	STEPS=${LOADTEST_STEPS:-20000 50000 100000 200000 400000 topspeed}
	corpus=${BENCH_CORPUS:-$top_builddir/bench-corpus-${BENCH_FLOWS:-100000}.pcap}
	if [ ! -r "$corpus" ]; then
		echo "loadtest: growing the corpus into $corpus" >&2
		# shellcheck disable=SC2046
		"$PYTHON" "$top_srcdir/tests/bench/grow_corpus.py" \
		    --flows "${BENCH_FLOWS:-100000}" --seed 1 --out "$corpus" \
		    $(ls "$PCAPS"/*.pcap) >/dev/null ||
		    { fail "grow_corpus.py"; finish; exit; }
	fi
	pcap_head "${LOADTEST_PACKETS:-200000}" "$corpus" "$TMP/in.pcap"
	inputs="$TMP/in.pcap"
	preload=--preload-pcap
else
	preload=
	STEPS=${LOADTEST_STEPS:-2000 topspeed}
	inputs="$PCAPS/bulk_https.pcap $PCAPS/curl_https.pcap $PCAPS/dig.pcap"
fi

netns_up || { fail "network namespaces set up"; finish; exit; }

# Rewrite each input; the offline records of each are the reference.
files=
: >"$TMP/offline.jsonl"
i=0
for f in $inputs; do
	i=$((i + 1))
	netns_rewrite "$f" "$TMP/r$i.pcap" ||
	    { fail "tcprewrite $f"; finish; exit; }
	"$FPSENSOR" -r "$TMP/r$i.pcap" --deterministic --no-ndpi \
	    ${LOADTEST_ARGS:-} >>"$TMP/offline.jsonl" 2>"$TMP/offline.err" ||
	    fail "offline replay of $(basename "$f")"
	files="$files $TMP/r$i.pcap"
done
n_off=$(wc -l <"$TMP/offline.jsonl")

best=none
printf '%-10s %10s %10s %10s %10s %8s %9s %s\n' step sent_pps sent_mbps \
    sent captured k_drops records fingerprints
for step in $STEPS; do
	if [ "$step" = topspeed ]; then
		rate=--topspeed
	else
		rate=--pps=$step
	fi
	out=$TMP/live.$step.jsonl
	err=$TMP/live.$step.err
	if ! live_start "$out" "$err" --workers "$WORKERS" --deterministic \
	    --no-ndpi --stats ${LOADTEST_ARGS:-}; then
		fail "step $step: fpsensor did not start: $(tail -n 2 "$err")"
		continue
	fi
	# shellcheck disable=SC2086
	replay $preload "$rate" $files >"$TMP/replay.$step"
	sleep 0.5	# the workers are done: their CPU seconds count it all
	# CPU seconds of each worker thread (named fpsensor-wN).
	for t in /proc/"$LIVE_PID"/task/*; do
		echo "$(cat "$t/comm") $(cut -d' ' -f14,15 "$t/stat")"
	done >"$TMP/cpu.$step" 2>/dev/null
	live_stop
	rc=$?
	[ "$rc" = 0 ] || fail "step $step: fpsensor exit $rc: $(tail -n 2 "$err")"
	sent=$(sed -n 's/^[[:space:]]*Successful packets:[[:space:]]*\([0-9]*\).*/\1/p' \
	    "$TMP/replay.$step" | awk '{ s += $1 } END { print s + 0 }')
	pps=$(sed -n 's/.*Rated: .* Mbps, \([0-9.]*\) pps.*/\1/p' \
	    "$TMP/replay.$step" | tail -n 1)
	mbps=$(sed -n 's/.*Rated: .*Bps, \([0-9.]*\) Mbps.*/\1/p' \
	    "$TMP/replay.$step" | tail -n 1)
	got=$(stat_of "$err" packets)
	drops=$(stat_of "$err" kernel_drops)
	recs=$(stat_of "$err" records_written)
	cmp=$("$PYTHON" "$top_srcdir/tests/fp_multiset.py" \
	    "$TMP/offline.jsonl" "$out")
	same=$?
	printf '%-10s %10s %10s %10s %10s %8s %9s %s\n' "$step" "${pps:-?}" \
	    "${mbps:-?}" "${sent:-?}" "${got:-?}" "${drops:-?}" "${recs:-?}" \
	    "$(echo "$cmp" | head -n 1)"
	for w in $(seq 0 $((WORKERS - 1))); do
		wp=$(stat_of "$err" "worker${w}_packets")
		printf '%-10s   worker%s: packets=%s kernel_drops=%s cpu_s=%s' \
		    "" "$w" "$wp" "$(stat_of "$err" "worker${w}_kernel_drops")" \
		    "$(awk -v n="fpsensor-w$w" -v hz="$(getconf CLK_TCK)" \
		    '$1 == n { printf "%.2f", ($2 + $3) / hz }' "$TMP/cpu.$step")"
		awk -v n="fpsensor-w$w" -v hz="$(getconf CLK_TCK)" -v p="${wp:-0}" \
		    '$1 == n { s = ($2 + $3) / hz
		    if (s > 0) printf " (%.0f packets per CPU second)", p / s }
		    END { print "" }' "$TMP/cpu.$step"
	done
	if [ "${drops:-1}" = 0 ] && [ "${got:-0}" = "$sent" ] &&
	    [ "$sent" -gt 0 ]; then
		best="$step (${pps:-?} pps, ${mbps:-?} Mbps)"
		check "step $step: event ids unique across workers" "$PYTHON" -c '
import json, sys
ids = [json.loads(l)["event_id"] for l in open(sys.argv[1])]
sys.exit(len(ids) != len(set(ids)))' "$out"
		if [ "$same" = 0 ]; then
			pass "step $step: no loss, same fingerprints as offline ($n_off records)"
		else
			fail "step $step: no loss but fingerprints differ"
			echo "$cmp" | sed 's/^/    /'
		fi
	else
		echo "           loss: $((sent - ${got:-0})) packets not captured"
	fi
done
echo "highest rate without loss: $best (workers $WORKERS, load average" \
    "$(cut -d' ' -f1-3 /proc/loadavg))"
[ "$best" != none ] || fail "no step without loss"
finish
