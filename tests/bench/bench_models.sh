#!/bin/sh
# tests/bench/bench_models.sh: the cost of the models in the verdicts, one
# table (make bench-models; part of make bench).
#
# usage: bench_models.sh [TOP_SRCDIR [TOP_BUILDDIR]]
#
# On the corpus bench.sh times (tests/bench/corpus.sh: the shared
# benchmark corpus when it has been made, else the file make bench grows;
# BENCH_CORPUS, or BENCH_FLOWS for a grown one, to choose), times
# the read-only libpcap loop (tests/bench/pcap_read, the floor) and
# fpsensor as make bench runs it (every analyzer but nDPI) without models,
# with the shipped model, and with the model and a shadow.  Each runs
# BENCH_RUNS times; the table shows the least wall time, user CPU time and
# user+system time, each as a multiple of the floor's, and the model
# counters of --stats.  The target: with models on, at most 2.2 times
# the floor in wall time, as make bench measures its targets; the CPU
# multiple is printed beside it (a replay with a second CPU decodes on a
# thread of its own, which spends CPU to save wall time: sensor/stage.h).
# The load average is printed before and after: on a shared machine the
# minimum of several runs is the steady figure.
#
# Environment (all optional), as for bench.sh: top_srcdir, top_builddir,
#   FPSENSOR, PYTHON, BENCH_FLOWS (100000), BENCH_SEED (1), BENCH_INPUTS,
#   BENCH_CORPUS, BENCH_RUNS (5 here), BENCH_TARGET (2.2)

set -u

top_srcdir=${1:-${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}}
top_builddir=${2:-${top_builddir:-$(pwd)}}
top_srcdir=$(cd "$top_srcdir" && pwd) || exit 99
top_builddir=$(cd "$top_builddir" && pwd) || exit 99
FPSENSOR=${FPSENSOR:-$top_builddir/fpsensor}
# The same corpus as bench.sh: the shared one unless a size is asked for.
[ -z "${BENCH_FLOWS:-}" ] && BENCH_USE_SHARED=${BENCH_USE_SHARED:-1}
BENCH_FLOWS=${BENCH_FLOWS:-100000}
BENCH_RUNS=${BENCH_RUNS:-5}
BENCH_TARGET=${BENCH_TARGET:-2.2}
BENCH_SEED=${BENCH_SEED:-1}
PYTHON=${PYTHON:-/usr/bin/python3}
floor=$top_builddir/tests/bench/pcap_read
results=$top_builddir/bench-models-results.txt
P0F_DB=/etc/p0f/p0f.fp

die() {
	echo "bench-models: $*" >&2
	exit 1
}

[ -x "$floor" ] || die "$floor not built"
[ -x "$FPSENSOR" ] || die "$FPSENSOR not built"
[ -x /usr/bin/time ] || die "/usr/bin/time missing (Debian: time)"
work=$(mktemp -d "$top_builddir/bench-models.tmp.XXXXXX") || die "mktemp"
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
rows=$work/rows
: >"$rows"
floor_cpu=

# --- corpus: the same file as bench.sh, same signature -------------------

. "$top_srcdir/tests/bench/corpus.sh"
bench_corpus bench-models
# --- measuring -------------------------------------------------------------

# lesser A B: the smaller of two numbers, B when A is empty.
lesser() {
	awk -v a="$1" -v b="$2" \
	    'BEGIN { print (a == "" || b + 0 < a + 0) ? b : a }'
}

# row NAME CMD...: BENCH_RUNS runs; least wall, user and user+system.
row() {
	name=$1
	shift
	wall=
	user=
	cpu=
	i=0
	while [ "$i" -lt "$BENCH_RUNS" ]; do
		i=$((i + 1))
		/usr/bin/time -o "$work/time" -f '%U %S %e' "$@" >/dev/null \
		    2>"$work/err" || die "$name failed: $(tail -n 1 "$work/err")"
		read -r u sy e <<EOF2
$(tail -n 1 "$work/time")
EOF2
		wall=$(lesser "$wall" "$e")
		user=$(lesser "$user" "$u")
		cpu=$(lesser "$cpu" "$(awk -v u="$u" -v s="$sy" \
		    'BEGIN { printf "%.2f", u + s }')")
	done
	if [ -z "$floor_cpu" ]; then
		floor_wall=$wall
		floor_user=$user
		floor_cpu=$cpu
	fi
	note=$(sed -n 's/^model_\(rows\|cache_hit_ratio\|primary\|shadow\)=/\1 /p' \
	    "$work/err" | tr '\n' ' ')
	awk -v n="$name" -v w="$wall" -v u="$user" -v c="$cpu" \
	    -v fw="$floor_wall" -v fu="$floor_user" -v fc="$floor_cpu" \
	    -v note="$note" 'BEGIN {
		printf "%-26s %6.2f %6.2f %6.2f %7.2f %6.2f %6.2f  %s\n", n,
		    w, u, c, w / fw, u / fu, c / fc, note }' >>"$rows"
	last_x=$(awk -v w="$wall" -v fw="$floor_wall" 'BEGIN { print w / fw }')
	last_xc=$(awk -v c="$cpu" -v fc="$floor_cpu" 'BEGIN { print c / fc }')
}

set -- -o /dev/null --stats --no-ndpi
[ -r "$P0F_DB" ] && set -- "$@" --p0f-db "$P0F_DB"
load0=$(cut -d' ' -f1-3 /proc/loadavg)
cat "$corpus" >/dev/null	# warm the page cache
row "libpcap read (floor)" "$floor" "$corpus"
row "fpsensor --no-model" "$FPSENSOR" -r "$corpus" "$@" --no-model
row "fpsensor, model" "$FPSENSOR" -r "$corpus" "$@"
model_x=$last_x
model_xc=$last_xc
version=$(sed -n 's/^model_primary=//p' "$work/err")
row "fpsensor, model + shadow" "$FPSENSOR" -r "$corpus" "$@" \
    --model-shadow "$version"
load1=$(cut -d' ' -f1-3 /proc/loadavg)
verdict=$(awk -v x="$model_x" -v t="$BENCH_TARGET" \
    'BEGIN { print (x <= t) ? "met" : "NOT met" }')
{
	echo "fpsensor models benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -n)"
	echo "corpus: $corpus"
	echo "least of $BENCH_RUNS runs; x floor: against the libpcap read loop;"
	echo "load average before: $load0, after: $load1 ($(nproc) CPUs)"
	echo
	printf "%-26s %6s %6s %6s %7s %6s %6s  %s\n" "" "wall s" "user s" \
	    "cpu s" "x wall" "x user" "x cpu" "notes (--stats)"
	cat "$rows"
	echo
	echo "target: with the model at most ${BENCH_TARGET}x the floor" \
	    "(wall, as make bench): $(printf '%.2f' "$model_x")x, $verdict" \
	    "(CPU: $(printf '%.2f' "$model_xc")x)"
} >"$results"
cat "$results"
