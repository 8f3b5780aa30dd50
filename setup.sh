#!/bin/bash
# setup.sh: one command from a fresh Debian 12 machine.
#   ./setup.sh demo   install what is missing, build, replay pcaps/demo.pcap
#   ./setup.sh test   install what is missing, build, run the whole test suite
#                     (normal build, ASan+UBSan build, make distcheck)
# Packages are installed with apt-get (as root, or through sudo).
set -euo pipefail
cd "$(dirname "$0")"
TOP=$(pwd)
MODE=${1:-demo}
JOBS=$(nproc 2>/dev/null || echo 2)

PACKAGES="build-essential autoconf automake pkg-config clang
libpcap-dev libssl-dev libyaml-dev libndpi-dev libmaxminddb-dev
libxgboost-dev librdkafka-dev libhiredis-dev libpq-dev
kcat postgresql-15 redis-server redis-tools
p0f python3 python3-jsonschema
libmaxmind-db-writer-perl python3-cryptography libndpi-bin
prometheus"

install_missing() {
	local missing=()
	for p in $PACKAGES; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		    grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "setup: installing ${missing[*]}" >&2
	local sudo=""
	[ "$(id -u)" -ne 0 ] && sudo=sudo
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get update -qq
	$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

# build DIR CONFIGURE-FLAGS...: configure out of tree (once) and make.
build() {
	local dir=$1
	shift
	[ -x configure ] || autoreconf -fi >&2
	mkdir -p "$dir"
	if [ ! -f "$dir/Makefile" ] || [ "$dir/config.status" -ot configure ]; then
		(cd "$dir" && "$TOP/configure" -q "$@") >&2
	fi
	make -s -C "$dir" -j"$JOBS" >&2
}

# Sum the automake test-suite results of the given build directories.
# The first argument is 0 or 1: whether make distcheck passed.
summary() {
	local pass=0 fail=0 skip=0 n
	if [ "$1" -eq 0 ]; then pass=1; else fail=1; fi
	shift
	for log in "$@"; do
		[ -f "$log" ] || continue
		n=$(sed -n 's/^# PASS: *//p' "$log"); pass=$((pass + ${n:-0}))
		n=$(sed -n 's/^# SKIP: *//p' "$log"); skip=$((skip + ${n:-0}))
		for k in FAIL XPASS ERROR; do
			n=$(sed -n "s/^# $k: *//p" "$log"); fail=$((fail + ${n:-0}))
		done
	done
	echo "$pass passed, $fail failed, $skip skipped"
	[ "$fail" -eq 0 ]
}

install_missing
case "$MODE" in
demo)
	build build --enable-ja4plus
	exec build/fpsensor -r pcaps/demo.pcap
	;;
test)
	status=0
	build build --enable-ja4plus --enable-werror
	make -s -C build -j"$JOBS" check >&2 || status=1
	build build-asan --enable-ja4plus --enable-asan
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    make -s -C build-asan -j"$JOBS" check >&2 || status=1
	dist=0
	make -s -C build -j"$JOBS" distcheck >&2 || { dist=1; status=1; }
	for d in build build-asan; do
		grep -h -E '^(FAIL|ERROR|XPASS)' "$d/test-suite.log" 2>/dev/null >&2 || true
	done
	summary "$dist" build/test-suite.log build-asan/test-suite.log || status=1
	exit $status
	;;
*)
	echo "usage: ./setup.sh demo|test" >&2
	exit 64
	;;
esac
