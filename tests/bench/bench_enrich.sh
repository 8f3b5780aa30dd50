#!/bin/sh
# tests/bench/bench_enrich.sh: the cost of enrichment (issue 6), one table.
#
# usage: bench_enrich.sh [TOP_SRCDIR [TOP_BUILDDIR]]   (normally: make
#        bench-enrich)
#
# Times fpsensor on the bench corpus (the file make bench grows, grown
# here the same way when absent) without enrichment, with nDPI (default
# and a small packet budget), with GeoIP/ASN (databases from
# tests/fixtures/geoip/make_mmdb.pl covering the corpus's benchmark
# ranges), with pseudonymization, and with everything.  Each runs
# BENCH_RUNS times: best wall time, least CPU time, largest peak RSS.  The
# table goes to stdout and $top_builddir/bench-enrich-results.txt.
#
# Environment (all optional), as for bench.sh:
#   top_srcdir, top_builddir, FPSENSOR, PYTHON, BENCH_FLOWS (100000),
#   BENCH_SEED (1), BENCH_INPUTS, BENCH_CORPUS, BENCH_RUNS (3)

set -u

top_srcdir=${1:-${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}}
top_builddir=${2:-${top_builddir:-$(pwd)}}
top_srcdir=$(cd "$top_srcdir" && pwd) || exit 99
top_builddir=$(cd "$top_builddir" && pwd) || exit 99
FPSENSOR=${FPSENSOR:-$top_builddir/fpsensor}
PYTHON=${PYTHON:-/usr/bin/python3}
BENCH_FLOWS=${BENCH_FLOWS:-100000}
BENCH_SEED=${BENCH_SEED:-1}
BENCH_RUNS=${BENCH_RUNS:-3}
P0F_DB=/etc/p0f/p0f.fp
results=$top_builddir/bench-enrich-results.txt

die() {
	echo "bench-enrich: $*" >&2
	exit 1
}

[ -x "$FPSENSOR" ] || die "$FPSENSOR not built"
work=$(mktemp -d "$top_builddir/bench-enrich.tmp.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

# --- corpus: the same file as bench.sh, same signature -------------------

. "$top_srcdir/tests/bench/corpus.sh"
bench_corpus bench-enrich
packets=$("$PYTHON" - "$corpus" <<'EOF'
import struct, sys
with open(sys.argv[1], "rb") as f:
    hdr = f.read(24)
    end = "<" if hdr[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    n = 0
    while True:
        rec = f.read(16)
        if len(rec) < 16:
            break
        f.seek(struct.unpack(end + "I", rec[8:12])[0], 1)
        n += 1
print(n)
EOF
)

# --- what the enrichment needs -------------------------------------------

geo=
if perl -MMaxMind::DB::Writer::Tree -e 1 2>/dev/null &&
    perl "$top_srcdir/tests/fixtures/geoip/make_mmdb.pl" "$work" bench; then
	geo="--geoip-city $work/bench-city.mmdb --geoip-asn $work/bench-asn.mmdb"
else
	echo "bench-enrich: libmaxmind-db-writer-perl missing: no GeoIP rows" >&2
fi
head -c 32 /dev/urandom >"$work/key"
anon="--anonymize-key $work/key"
base="-o /dev/null --stats"
[ -r "$P0F_DB" ] && base="$base --p0f-db $P0F_DB"
ndpi_built=1
"$FPSENSOR" -r "$corpus" --ndpi -o /dev/null 2>&1 | grep -q 'not built with nDPI' &&
    ndpi_built=0

# --- measuring -------------------------------------------------------------

rows=$work/rows
: >"$rows"
base_s=
base_cpu=
base_kb=

# stat KEY: a --stats counter of the last run.
stat() {
	sed -n "s/^$1=\([0-9]*\)\$/\1/p" "$work/err" | head -n 1
}

# row NAME NOTE-KIND ARGS...: best of BENCH_RUNS runs of fpsensor ARGS.
row() {
	name=$1
	kind=$2
	shift 2
	best_ns=
	cpu=-
	kb=0
	i=0
	while [ "$i" -lt "$BENCH_RUNS" ]; do
		i=$((i + 1))
		t0=$(date +%s%N)
		# shellcheck disable=SC2086
		/usr/bin/time -o "$work/time" -f '%M %U %S' "$FPSENSOR" \
		    -r "$corpus" $base "$@" >/dev/null 2>"$work/err" || {
			printf '%s\t-\t-\t-\t-\t-\t-\t-\tfailed: %s\n' "$name" \
			    "$(grep -v '=' "$work/err" | head -n 1)" >>"$rows"
			return
		}
		t1=$(date +%s%N)
		ns=$((t1 - t0))
		[ -z "$best_ns" ] || [ "$ns" -lt "$best_ns" ] && best_ns=$ns
		m=$(tail -n 1 "$work/time" | awk '{ print $1 }')
		[ "$m" -gt "$kb" ] && kb=$m
		cpu=$(tail -n 1 "$work/time" | awk -v c="$cpu" \
		    '{ t = $2 + $3; printf "%.2f", (c == "-" || t < c) ? t : c }')
	done
	s=$(awk -v ns="$best_ns" 'BEGIN { printf "%.3f", ns / 1e9 }')
	if [ -z "$base_s" ]; then
		base_s=$s
		base_cpu=$cpu
		base_kb=$kb
	fi
	case $kind in
	ndpi) note="flows fed $(stat ndpi_flows), packets fed $(stat ndpi_packets), named $(stat ndpi_detected), guessed $(stat ndpi_guessed), unknown $(stat ndpi_unknown), pool slots used $(stat ndpi_pool_high_water)" ;;
	geo) note="cache hits $(stat geoip_cache_hits), misses $(stat geoip_cache_misses)" ;;
	*) note="records $(stat records)" ;;
	esac
	awk -v name="$name" -v s="$s" -v cpu="$cpu" -v kb="$kb" -v n="$packets" \
	    -v b="$base_s" -v bc="$base_cpu" -v bkb="$base_kb" -v note="$note" '
	BEGIN {
		dc = 0
		if (bc + 0 > 0)
			dc = 100 * (cpu - bc) / bc
		printf "%s\t%s\t%s\t%.0f\t%.1f\t%+.1f%%\t%+.1f%%\t%+.1f\t%s\n",
		    name, s, cpu, n / s, kb / 1024, 100 * (s - b) / b, dc,
		    (kb - bkb) / 1024, note
	}' >>"$rows"
}

echo "bench-enrich: $packets packets, $BENCH_RUNS runs per row" >&2
cat "$corpus" >/dev/null		# warm the page cache
row "no enrichment (--no-ndpi)" plain --no-ndpi
if [ "$ndpi_built" = 1 ]; then
	row "nDPI, 24 packets (default)" ndpi --ndpi
	row "nDPI, --ndpi-packets 8" ndpi --ndpi --ndpi-packets 8
else
	printf 'nDPI\t-\t-\t-\t-\t-\t-\t-\tnot built with nDPI\n' >>"$rows"
fi
# shellcheck disable=SC2086
[ -n "$geo" ] && row "GeoIP City + ASN" geo --no-ndpi $geo
# shellcheck disable=SC2086
row "--anonymize-key" plain --no-ndpi $anon
# shellcheck disable=SC2086
[ "$ndpi_built" = 1 ] && row "all: nDPI + GeoIP + key" ndpi --ndpi $geo $anon

{
	echo "fpsensor enrichment benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -n)"
	echo "machine: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo |
	    head -n 1) x $(nproc 2>/dev/null || echo ?)"
	echo "corpus: $corpus ($packets packets)"
	echo "wall s: best of $BENCH_RUNS runs, page cache warm; cpu s: least" \
	    "user+system; RSS MiB: largest peak."
	echo "d wall, d cpu, d RSS: against the first row (d cpu is the steadier" \
	    "figure on a shared machine)."
	echo
	cols="fpsensor|wall s|cpu s|packets/s|RSS MiB|d wall|d cpu"
	awk -v HEAD="$cols|d RSS MiB|notes (--stats)" \
	    -f "$top_srcdir/tests/bench/table.awk" "$rows"
} >"$results"
cat "$results"
echo "bench-enrich: table written to $results" >&2
