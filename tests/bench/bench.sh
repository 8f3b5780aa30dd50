#!/bin/sh
# tests/bench/bench.sh: one benchmark run, one table.
#
# usage: bench.sh [TOP_SRCDIR [TOP_BUILDDIR]]     (normally: make bench)
#
# Takes the shared benchmark corpus (/tmp/fp-corpus/big_2g.pcap, made by
# ../shared/tools/corpus/make_corpus.sh) when it is there, else grows one
# from $top_srcdir/pcaps (once; kept in the build directory), then times on
# that same file: the read-only floors, fpsensor, and the peers
# that are installed (p0f 3, ndpiReader, tshark JA3).  Each timed command
# runs BENCH_RUNS times; the table shows the best wall time, the least CPU
# time and the largest peak RSS.  User-space instructions per packet come
# from callgrind on a slice.  The table is printed and written to $top_builddir/bench-results.txt.
# Everything written goes under $top_builddir; $top_srcdir is only read.
#
# Environment (all optional):
#   top_srcdir, top_builddir  as the arguments (defaults: this script's
#                 ../.. and the current directory)
#   FPSENSOR      sensor binary (default $top_builddir/fpsensor)
#   BENCH_CORPUS_DIR  where the shared corpus is (default /tmp/fp-corpus)
#   BENCH_FLOWS   grow a corpus of this many flows (default 100000, when
#                 the shared corpus is not there)
#   BENCH_SEED    corpus seed (default 1)
#   BENCH_INPUTS  captures to grow from (default $top_srcdir/pcaps/*.pcap*)
#   BENCH_CORPUS  time this existing pcap instead of growing one
#   BENCH_RUNS    runs per command (default 5)
#   BENCH_SLICE   packets in tshark's slice (default 50000)
#   BENCH_CG_PACKETS  packets in the callgrind slice (default 20000;
#                 0 skips callgrind)
#   BENCH_PEERS   peers to try (default "p0f ndpi tshark"; "" for none)
#   BENCH_WORKERS workers of the --workers rows (default: the CPUs, at
#                 least 2; 1 leaves those rows out)
#   PYTHON        (default /usr/bin/python3)

set -u

top_srcdir=${1:-${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}}
top_builddir=${2:-${top_builddir:-$(pwd)}}
top_srcdir=$(cd "$top_srcdir" && pwd) || exit 99
top_builddir=$(cd "$top_builddir" && pwd) || exit 99
FPSENSOR=${FPSENSOR:-$top_builddir/fpsensor}
PYTHON=${PYTHON:-/usr/bin/python3}
# The shared benchmark corpus when it has been made, unless a corpus size
# or file is asked for (tests/bench/corpus.sh).
[ -z "${BENCH_FLOWS:-}" ] && BENCH_USE_SHARED=${BENCH_USE_SHARED:-1}
BENCH_FLOWS=${BENCH_FLOWS:-100000}
BENCH_SEED=${BENCH_SEED:-1}
BENCH_RUNS=${BENCH_RUNS:-5}
BENCH_SLICE=${BENCH_SLICE:-50000}
BENCH_CG_PACKETS=${BENCH_CG_PACKETS:-20000}
BENCH_PEERS=${BENCH_PEERS-p0f ndpi tshark}
ncpu=$(nproc 2>/dev/null || echo 2)
BENCH_WORKERS=${BENCH_WORKERS:-$([ "$ncpu" -gt 2 ] && echo "$ncpu" || echo 2)}
P0F_DB=/etc/p0f/p0f.fp
benchdir=$top_builddir/tests/bench
results=$top_builddir/bench-results.txt

die() {
	echo "bench: $*" >&2
	exit 1
}

have() {
	command -v "$1" >/dev/null 2>&1
}

work=$(mktemp -d "$top_builddir/bench.tmp.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
rows=$work/rows
: >"$rows"

# --- corpus ---------------------------------------------------------------

. "$top_srcdir/tests/bench/corpus.sh"
bench_corpus bench

# --- measuring ------------------------------------------------------------

now_ns() {
	date +%s%N
}

# run_best NAME OUT CMD...: run CMD BENCH_RUNS times, stdout to OUT (a
# file, or /dev/null), stderr to $work/NAME.err.  Sets best_s (best wall
# seconds), cpu_s (least user + system seconds, or -), rss_kb (largest peak
# RSS, or -) and run_rc (exit status of the last run).  With paired=1 set
# by the caller (reset here), each run comes right after a run of the
# floor, and pair_s is the floor's best wall of those runs: a neighbour's
# busy spell then slows a tool and the floor it is divided by alike.
run_best() {
	local name=$1 out=$2 i=0 t0 t1 ns kb pair_ns=
	shift 2
	best_ns=
	rss_kb=-
	cpu_s=-
	run_rc=0
	pair_s=
	while [ "$i" -lt "$BENCH_RUNS" ]; do
		i=$((i + 1))
		if [ "${paired:-0}" = 1 ]; then
			t0=$(now_ns)
			"$benchdir/pcap_read" "$corpus" >/dev/null 2>&1
			t1=$(now_ns)
			ns=$((t1 - t0))
			if [ -z "$pair_ns" ] || [ "$ns" -lt "$pair_ns" ]; then
				pair_ns=$ns
			fi
		fi
		t0=$(now_ns)
		if [ -x /usr/bin/time ]; then
			/usr/bin/time -o "$work/$name.time" -f '%M %U %S' "$@" \
			    >"$out" 2>"$work/$name.err"
			run_rc=$?
		else
			"$@" >"$out" 2>"$work/$name.err"
			run_rc=$?
		fi
		t1=$(now_ns)
		[ "$run_rc" -eq 0 ] || break
		ns=$((t1 - t0))
		if [ -z "$best_ns" ] || [ "$ns" -lt "$best_ns" ]; then
			best_ns=$ns
			cp "$work/$name.err" "$work/$name.best.err"
		fi
		if [ -f "$work/$name.time" ]; then
			kb=$(tail -n 1 "$work/$name.time" | awk '{ print $1 }')
			if [ "$rss_kb" = - ] || [ "$kb" -gt "$rss_kb" ]; then
				rss_kb=$kb
			fi
			cpu_s=$(tail -n 1 "$work/$name.time" | awk -v c="$cpu_s" \
			    '{ t = $2 + $3
			    printf "%.2f", (c == "-" || t < c) ? t : c }')
		fi
	done
	best_s=$(awk -v ns="${best_ns:-0}" 'BEGIN { printf "%.3f", ns / 1e9 }')
	[ -n "$pair_ns" ] &&
	    pair_s=$(awk -v ns="$pair_ns" 'BEGIN { printf "%.3f", ns / 1e9 }')
	paired=0
}

# add_row NAME WALL_S CPU_S RSS_KB IR_PER_PACKET NOTE: one table row
# (packets/s from $packets; the ratio to the floor from $row_floor_s, the
# floor paired with this row, else $floor_s; row_floor_s is reset here).
add_row() {
	local f=${row_floor_s:-$floor_s}

	row_floor_s=
	awk -v name="$1" -v s="$2" -v cpu="$3" -v kb="$4" -v ir="$5" \
	    -v note="$6" -v n="$packets" -v f="$f" 'BEGIN {
		pps = s > 0 ? sprintf("%.0f", n / s) : "-"
		mib = kb == "-" ? "-" : sprintf("%.1f", kb / 1024)
		ratio = f > 0 ? sprintf("%.2f", s / f) : "-"
		printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", name, s, cpu, \
		    pps, mib, ratio, ir, note
	}' >>"$rows"
}

# fail_row NAME WHY: a row with no numbers.
fail_row() {
	printf '%s\t-\t-\t-\t-\t-\t-\t%s\n' "$1" "$2" >>"$rows"
}

# cg_run NAME PCAP CMD...: Ir of CMD under callgrind with each @PCAP@
# argument replaced by PCAP; prints nothing when the run fails.
cg_run() {
	cg_name=$1
	cg_in=$2
	shift 2
	cg_n=$#
	for a in "$@"; do
		[ "$a" = @PCAP@ ] && a=$cg_in
		set -- "$@" "$a"
	done
	shift "$cg_n"
	valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" "$@" \
	    >/dev/null 2>"$work/$cg_name.cg" &&
	    sed -n 's/^==[0-9]*== Collected : //p' "$work/$cg_name.cg"
}

# callgrind_ir NAME CMD-WITH-@PCAP@...: user-space instructions per packet:
# (Ir on the slice - Ir on a packet-less pcap) / packets in the slice.
callgrind_ir() {
	[ "$cg_packets" -gt 0 ] || { echo -; return; }
	ir_name=$1
	shift
	ir_slice=$(cg_run "$ir_name" "$work/cg_slice.pcap" "$@")
	ir_empty=$(cg_run "$ir_name" "$work/cg_empty.pcap" "$@")
	if [ -z "$ir_slice" ] || [ -z "$ir_empty" ]; then
		echo -
		return
	fi
	awk -v a="$ir_slice" -v b="$ir_empty" -v n="$cg_packets" \
	    'BEGIN { printf "%.0f", (a - b) / n }'
}

[ -x "$benchdir/pcap_read" ] ||
    die "$benchdir/pcap_read not built (run make bench)"

echo "bench: warming the page cache" >&2
cat "$corpus" >/dev/null

# The floor: every other row's packets/s and ratio are relative to it.
run_best pcap_read "$work/pcap_read.out" "$benchdir/pcap_read" "$corpus"
[ "$run_rc" -eq 0 ] || die "pcap_read failed: $(cat "$work/pcap_read.err")"
packets=$(sed -n 's/.*packets=\([0-9]*\).*/\1/p' "$work/pcap_read.out")
corpus_bytes=$(wc -c <"$corpus")
floor_s=$best_s
floor_rss=$rss_kb
floor_cpu=$cpu_s

cg_packets=0
if [ "$BENCH_CG_PACKETS" -gt 0 ] && have valgrind; then
	if ! pcap_head "$BENCH_CG_PACKETS" "$corpus" "$work/cg_slice.pcap" ||
	    ! pcap_head 0 "$corpus" "$work/cg_empty.pcap"; then
		die "cannot cut the callgrind slice"
	fi
	cg_packets=$("$benchdir/pcap_read" "$work/cg_slice.pcap" |
	    sed -n 's/.*packets=\([0-9]*\).*/\1/p')
fi

if [ -x "$benchdir/mmap_read" ]; then
	echo "bench: mmap_read" >&2
	run_best mmap_read /dev/null "$benchdir/mmap_read" "$corpus"
	if [ "$run_rc" -eq 0 ]; then
		add_row "mmap walk (no libpcap)" "$best_s" "$cpu_s" "$rss_kb" \
		    "$(callgrind_ir mmap_read "$benchdir/mmap_read" @PCAP@)" ""
	else
		fail_row "mmap walk (no libpcap)" "failed (exit $run_rc)"
	fi
fi

echo "bench: pcap_read" >&2
add_row "libpcap read (floor)" "$floor_s" "$floor_cpu" "$floor_rss" \
    "$(callgrind_ir pcap_read "$benchdir/pcap_read" @PCAP@)" ""

# fpsensor_stats KEY FORMAT...: KEY=VALUE lines of fpsensor --stats (on
# stderr or stdout; the best run's) as FORMAT (one %s), with ? for a
# missing key.
fpsensor_stats() {
	while [ $# -ge 2 ]; do
		v=$(stat_value "$1")
		# shellcheck disable=SC2059
		printf "$2" "${v:-?}"
		shift 2
	done
}

stat_value() {
	sed -n "s/^$1=\([0-9][0-9.]*\)\$/\1/p" "$work/fpsensor.best.err" \
	    "$work/fpsensor.out" | head -n 1
}

# A replay in two stages (sensor/stage.h): each thread's CPU seconds in
# the best run; the slower bounds the wall time.  Nothing for one thread.
stage_note() {
	local r a

	r=$(stat_value replay_reader_cpu_seconds)
	a=$(stat_value replay_analysis_cpu_seconds)
	[ -n "$r" ] && [ -n "$a" ] &&
	    printf ", cpu s reader %.2f analysis %.2f" "$r" "$a"
}

# fpsensor, three times, models off (make bench-models measures them):
# every analyzer on but nDPI (make bench-enrich measures nDPI and GeoIP);
# TCP and TLS over TCP and QUIC alone; flow tracking + TCP analysis + JSON
# alone (--analyzers tcp).  Verdicts from the rules are on in all three.
# Then the first two again with --workers (each worker walks the file in
# place and keeps the flows that hash to it, sensor/live.h): wall time on
# several cores, cpu s the sum over the threads, instr/pkt too.
# Each row shows the flows, records and evictions --stats reports.
bench_fpsensor() {
	local name=$1
	shift
	echo "bench: $name" >&2
	set -- -o /dev/null --stats "$@"
	[ -r "$P0F_DB" ] && set -- "$@" --p0f-db "$P0F_DB"
	paired=1
	run_best fpsensor "$work/fpsensor.out" "$FPSENSOR" -r "$corpus" "$@"
	if [ "$run_rc" -eq 0 ]; then
		row_floor_s=$pair_s
		add_row "$name" "$best_s" "$cpu_s" "$rss_kb" \
		    "$(callgrind_ir fpsensor "$FPSENSOR" -r @PCAP@ "$@")" \
		    "$(fpsensor_stats flows_created "flows %s" \
		    records ", records %s" flows_evicted ", evicted %s")$(
		    stage_note)"
	else
		fail_row "$name" "failed (exit $run_rc): $(tail -n 1 \
		    "$work/fpsensor.err")"
	fi
}

if [ -x "$FPSENSOR" ]; then
	if "$FPSENSOR" --help 2>/dev/null | grep -q -- --no-ndpi; then
		bench_fpsensor "fpsensor-all-no-ndpi" --no-ndpi --no-model
	else
		bench_fpsensor "fpsensor-all" --no-model
	fi
	bench_fpsensor "fpsensor-tcp-tls" --analyzers tcp,tls,tls_udp \
	    --no-model
	bench_fpsensor "fpsensor-tcp-only" --analyzers tcp --no-model
	if [ "$BENCH_WORKERS" -gt 1 ]; then
		bench_fpsensor "fpsensor-all-no-ndpi, $BENCH_WORKERS workers" \
		    --no-ndpi --no-model --workers "$BENCH_WORKERS"
		bench_fpsensor "fpsensor-tcp-tls, $BENCH_WORKERS workers" \
		    --analyzers tcp,tls,tls_udp --no-model \
		    --workers "$BENCH_WORKERS"
	fi
else
	fail_row fpsensor "fpsensor: not built"
fi

for peer in $BENCH_PEERS; do
	case $peer in
	p0f)
		have p0f || { fail_row "p0f 3" "not installed"; continue; }
		echo "bench: p0f" >&2
		# -m: room for 100,000 open connections and 300,000 hosts; the
		# corpus has fewer than 65,536 flows open at once (fpsensor's
		# default table evicts none) and 72,917 addresses, so every
		# flow is analysed.
		# p0f refuses -o /dev/null, so its report goes to stdout, and
		# that to /dev/null: p0f flushes every line, and a real file
		# would cost it more than half again.
		set -- -r "$corpus" -m 100000,300000
		paired=1
		run_best p0f /dev/null p0f "$@"
		if [ "$run_rc" -eq 0 ]; then
			row_floor_s=$pair_s
			add_row "p0f 3" "$best_s" "$cpu_s" "$rss_kb" "$(callgrind_ir p0f \
			    p0f -r @PCAP@ -m 100000,300000)" ""
		else
			fail_row "p0f 3" "failed (exit $run_rc)"
		fi
		;;
	ndpi)
		have ndpiReader ||
		    { fail_row ndpiReader "not installed"; continue; }
		echo "bench: ndpiReader" >&2
		paired=1
		run_best ndpi "$work/ndpi.out" ndpiReader -i "$corpus" -v 2 -C /dev/null
		if [ "$run_rc" -eq 0 ]; then
			row_floor_s=$pair_s
			nflows=$(sed -n 's/^[[:space:]]*Unique flows:[[:space:]]*\([0-9]*\).*/\1/p' \
			    "$work/ndpi.out" | head -n 1)
			add_row ndpiReader "$best_s" "$cpu_s" "$rss_kb" "$(callgrind_ir \
			    ndpi ndpiReader -i @PCAP@ -v 2 -C /dev/null)" \
			    "flows ${nflows:-?}"
		else
			fail_row ndpiReader "failed (exit $run_rc)"
		fi
		;;
	tshark)
		have tshark || { fail_row "tshark JA3" "not installed"; continue; }
		echo "bench: tshark" >&2
		pcap_head "$BENCH_SLICE" "$corpus" "$work/ts_slice.pcap"
		pcap_head 0 "$corpus" "$work/ts_empty.pcap"
		n_slice=$("$benchdir/pcap_read" "$work/ts_slice.pcap" |
		    sed -n 's/.*packets=\([0-9]*\).*/\1/p')
		set -- -T fields -e tls.handshake.ja3 -Y tls.handshake.ja3
		run_best tshark0 /dev/null tshark -r "$work/ts_empty.pcap" "$@"
		start_s=$best_s
		run_best tshark /dev/null tshark -r "$work/ts_slice.pcap" "$@"
		if [ "$run_rc" -eq 0 ]; then
			# Startup once plus the slice's per-packet rate over the
			# whole corpus; RSS is the slice's.
			est=$(awk -v s="$best_s" -v s0="$start_s" -v n="$n_slice" \
			    -v total="$packets" 'BEGIN { d = s - s0
				if (d <= 0) d = s
				printf "%.3f", s0 + d * total / n }')
			add_row "tshark JA3" "$est" - "$rss_kb" - \
			    "extrapolated from $n_slice packets"
		else
			fail_row "tshark JA3" "failed (exit $run_rc)"
		fi
		;;
	*)
		fail_row "$peer" "unknown peer"
		;;
	esac
done

# --- the table ------------------------------------------------------------

{
	echo "fpsensor benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -n)"
	echo "machine: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo |
	    head -n 1) x $(nproc 2>/dev/null || echo ?)"
	echo "corpus: $corpus"
	echo "        $packets packets, $corpus_bytes bytes, flows $corpus_flows"
	echo "wall s: best of $BENCH_RUNS runs, page cache warm." \
	    "cpu s: least user+system of those runs."
	echo "RSS MiB: largest peak of those runs." \
	    "x floor: wall / libpcap read wall; for fpsensor,"
	echo "  p0f and ndpiReader, each run follows a run of the floor and" \
	    "the ratio is to the best of those."
	echo "instr/pkt: callgrind Ir (user space, libraries included) on the" \
	    "first $cg_packets packets,"
	echo "  minus a run on a packet-less file, per packet."
	echo "cpu s reader, analysis: a one-pipeline replay's two threads" \
	    "(reader+decoder, analysis)"
	echo "  in the best run (fpsensor --stats); the slower bounds the" \
	    "wall time."
	echo
	awk -v HEAD="tool|wall s|cpu s|packets/s|RSS MiB|x floor|instr/pkt|notes" \
	    -f "$top_srcdir/tests/bench/table.awk" "$rows"
	echo
	echo "targets, this run (x floor as above; faster: the peer's wall / ours):"
	awk -F '\t' -f "$top_srcdir/tests/bench/targets.awk" "$rows"
} >"$work/table"

cp "$work/table" "$results"
cat "$results"
echo "bench: table written to $results" >&2
