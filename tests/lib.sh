# tests/lib.sh: shared by the shell tests.  Sourced, not run.
# Inputs come from $top_srcdir (read-only under distcheck); scratch files go
# to a per-test directory under the build tree, removed on exit.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${FPSENSOR:=$top_builddir/fpsensor}"
PYTHON=/usr/bin/python3
PCAPS="$top_srcdir/pcaps"
PEER="${FP_PEER_DIR:-$top_srcdir/../shared/peer}"
TEST_NAME=$(basename "$0" .sh)
TMP=$(mktemp -d "$top_builddir/.tmp-$TEST_NAME.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
n_fail=0
n_pass=0

pass() { n_pass=$((n_pass + 1)); printf 'ok   %s\n' "$*"; }
fail() { n_fail=$((n_fail + 1)); printf 'FAIL %s\n' "$*"; }
skip() { printf 'SKIP %s\n' "$*"; exit 77; }

# check NAME CMD...: pass if CMD succeeds.
check() {
	local name=$1
	shift
	if "$@"; then pass "$name"; else fail "$name"; fi
}

# expect_exit NAME CODE CMD...: pass if CMD exits with CODE.
expect_exit() {
	local name=$1 want=$2 got
	shift 2
	"$@" >"$TMP/out" 2>"$TMP/err"
	got=$?
	if [ "$got" = "$want" ]; then
		pass "$name (exit $got)"
	else
		fail "$name: exit $got, wanted $want"
		sed 's/^/    /' "$TMP/err" | head -5
	fi
}

# contains FILE TEXT: FILE has TEXT (fixed string).
contains() { grep -qF -- "$2" "$1"; }

finish() {
	printf '%s: %d passed, %d failed\n' "$TEST_NAME" "$n_pass" "$n_fail"
	[ "$n_fail" -eq 0 ]
}

# Fresh pcap variants written by tests/pcaptool.py.
# stat_of FILE KEY: KEY's value in --stats output FILE.
stat_of() {
	sed -n "s/^$2=\([0-9][0-9]*\)\$/\1/p" "$1" | head -n 1
}
pcaptool() { "$PYTHON" "$top_srcdir/tests/pcaptool.py" "$@"; }
