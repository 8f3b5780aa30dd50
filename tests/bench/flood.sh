#!/bin/bash
# tests/bench/flood.sh: memory under a SYN flood (make flood).
#
# usage: flood.sh [TOP_SRCDIR [TOP_BUILDDIR]]
#
# gen_syn_flood writes FLOOD_SYNS (default 1,000,000) TCP SYNs, each from
# its own source address, to one server: synthetic load input, not
# fingerprint truth (nothing here checks a fingerprint).  fpsensor replays
# it offline with --max-flows FLOOD_MAX_FLOWS (default 65536), then the
# same with a quarter of the SYNs, then with a table four times larger.
# Each row: peak RSS (GNU time %M), flows evicted (--stats), and the flow
# table's bytes per flow (--stats flow_table_bytes_per_flow: struct flow,
# the analyzers' per-flow state and the hash buckets, from their sizes).
# The peak RSS must follow the table size, not the number of sources:
# the script fails if a quarter of the SYNs and all of them differ by more
# than FLOOD_RSS_SLACK_PCT (default 10) percent.
# With root and ip netns (tests/live_lib.sh) the flood is also sent live
# through a veth pair with tcpreplay --topspeed to fpsensor -i --workers 2
# (FLOOD_LIVE=0 to skip); the row shows its peak RSS (VmHWM), evictions
# and kernel drops.
# Environment: FLOOD_SYNS, FLOOD_MAX_FLOWS, FLOOD_ARGS (more fpsensor
# options, e.g. --no-ndpi), FLOOD_LIVE, FLOOD_RSS_SLACK_PCT.
set -u
top_srcdir=${1:-${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}}
top_builddir=${2:-${top_builddir:-$(pwd)}}
FPSENSOR=${FPSENSOR:-$top_builddir/fpsensor}
GEN=$top_builddir/tests/bench/gen_syn_flood
SYNS=${FLOOD_SYNS:-1000000}
MAXF=${FLOOD_MAX_FLOWS:-65536}
SLACK=${FLOOD_RSS_SLACK_PCT:-10}
[ -x "$GEN" ] || { echo "flood: $GEN not built (make flood)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "flood: needs GNU time" >&2; exit 1; }
work=$(mktemp -d "$top_builddir/flood.tmp.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

stat_of() {
	sed -n "s/^$2=\([0-9][0-9]*\)\$/\1/p" "$1" | head -n 1
}

# offline NAME SYNS MAXFLOWS: one row.
offline() {
	local name=$1 n=$2 mf=$3 pcap=$work/flood-$2.pcap rss
	[ -f "$pcap" ] || "$GEN" -n "$n" "$pcap" || exit 1
	/usr/bin/time -o "$work/$name.time" -f '%M' "$FPSENSOR" -r "$pcap" \
	    -o /dev/null --stats --max-flows "$mf" ${FLOOD_ARGS:-} \
	    2>"$work/$name.err" || { echo "flood: fpsensor failed:" \
	    "$(tail -n 2 "$work/$name.err")" >&2; exit 1; }
	rss=$(tail -n 1 "$work/$name.time")
	printf '%-8s %9s %9s %9s %9s %9s %10s\n' "$name" "$n" "$mf" \
	    "$(awk -v k="$rss" 'BEGIN { printf "%.1f", k / 1024 }')" \
	    "$(stat_of "$work/$name.err" flows_evicted)" \
	    "$(stat_of "$work/$name.err" flow_table_bytes_per_flow)" \
	    "$(awk -v b="$(stat_of "$work/$name.err" flow_table_bytes)" \
	    'BEGIN { printf "%.1f", b / 1048576 }')"
	eval "rss_$name=$rss"
}

echo "SYN flood, $(date -u '+%Y-%m-%d %H:%M UTC'), load average" \
    "$(cut -d' ' -f1-3 /proc/loadavg), fpsensor ${FLOOD_ARGS:-(defaults)}"
printf '%-8s %9s %9s %9s %9s %9s %10s\n' run syns max_flows rss_mib evicted \
    bytes/flow table_mib
offline quarter $((SYNS / 4)) "$MAXF"
offline full "$SYNS" "$MAXF"
offline big "$SYNS" $((MAXF * 4))
status=0
# shellcheck disable=SC2154
awk -v a="$rss_quarter" -v b="$rss_full" -v s="$SLACK" 'BEGIN {
	d = (b - a) * 100 / a
	printf "peak RSS, all SYNs vs a quarter: %+.1f%% (bound %d%%)\n", d, s
	exit (d > s || d < -s) }' || status=1

if [ "${FLOOD_LIVE:-1}" = 1 ] && [ "$(id -u)" = 0 ] &&
    command -v tcpreplay >/dev/null && ip netns list >/dev/null 2>&1; then
	TMP=$work
	skip() { echo "flood: live run skipped: $*"; exit $status; }
	PYTHON=/usr/bin/python3
	. "$top_srcdir/tests/live_lib.sh"
	netns_up || skip "network namespaces"
	trap 'netns_down; rm -rf "$work"' EXIT
	"$GEN" -n "$SYNS" -s "$MAC_TX" -d "$MAC_CAP" "$work/live.pcap" || exit 1
	live_start "$work/live.jsonl" "$work/live.err" --workers 2 --stats \
	    --max-flows "$MAXF" ${FLOOD_ARGS:-} || skip "fpsensor -i failed"
	replay --topspeed "$work/live.pcap" >"$work/replay"
	sleep 1
	hwm=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' \
	    "/proc/$LIVE_PID/status")
	live_stop
	echo "live: $(sed -n 's/.*Rated: .* Mbps, \([0-9.]*\) pps.*/\1/p' \
	    "$work/replay" | tail -n 1) pps sent, 2 workers x --max-flows" \
	    "$MAXF: peak RSS $(awk -v k="$hwm" 'BEGIN { printf "%.1f", k / 1024 }')" \
	    "MiB, captured $(stat_of "$work/live.err" packets)," \
	    "evicted $(stat_of "$work/live.err" flows_evicted)," \
	    "kernel drops $(stat_of "$work/live.err" kernel_drops)"
fi
exit $status
