# tests/bench/corpus.sh: the benchmark corpus, shared by bench.sh,
# bench_enrich.sh, bench_models.sh and loadtest.sh.  Sourced, not run.
# Needs top_srcdir, top_builddir, PYTHON, a die() and a scratch dir $work.

# bench_corpus WHO: set $corpus to BENCH_CORPUS; else, when the caller
# set BENCH_USE_SHARED=1, to the shared benchmark corpus
# $BENCH_CORPUS_DIR/big_2g.pcap (default /tmp/fp-corpus, made by
# ../shared/tools/corpus/make_corpus.sh) if it is there; else to
# $top_builddir/bench-corpus-$BENCH_FLOWS.pcap grown from pcaps/ (or
# BENCH_INPUTS) by grow_corpus.py with BENCH_SEED, grown again when the
# inputs, the generator or the parameters change; $corpus_flows to its
# flow count ("?" for a given file).  WHO names the caller in messages.
bench_corpus() {
	local who=$1 inputs f sig shared
	shared=${BENCH_CORPUS_DIR:-/tmp/fp-corpus}/big_2g.pcap
	if [ -z "${BENCH_CORPUS:-}" ] && [ "${BENCH_USE_SHARED:-0}" = 1 ] &&
	    [ -r "$shared" ]; then
		corpus=$shared
		corpus_flows=$(sed -n 's/^ *"flows": *\([0-9]*\).*/\1/p' \
		    "${shared%.pcap}.stats.json" 2>/dev/null)
		: "${corpus_flows:=?}"
		echo "$who: the shared benchmark corpus $corpus" >&2
		return 0
	fi
	: "${BENCH_FLOWS:=100000}" "${BENCH_SEED:=1}"
	if [ -n "${BENCH_CORPUS:-}" ]; then
		corpus=$BENCH_CORPUS
		[ -r "$corpus" ] || die "BENCH_CORPUS=$corpus: not readable"
		corpus_flows="?"
		return 0
	fi
	inputs=${BENCH_INPUTS:-}
	if [ -z "$inputs" ]; then
		for f in "$top_srcdir"/pcaps/*.pcap "$top_srcdir"/pcaps/*.pcapng; do
			[ -f "$f" ] && inputs="$inputs $f"
		done
	fi
	[ -n "$inputs" ] || die "no captures in $top_srcdir/pcaps" \
	    "(set BENCH_INPUTS or BENCH_CORPUS)"
	corpus=$top_builddir/bench-corpus-$BENCH_FLOWS.pcap
	# shellcheck disable=SC2086
	sig=$( (echo "$BENCH_FLOWS $BENCH_SEED"; cat $inputs \
	    "$top_srcdir/tests/bench/grow_corpus.py") | cksum)
	if [ ! -f "$corpus" ] || [ ! -f "$corpus.info" ] ||
	    [ "$(sed -n 's/^sig=//p' "$corpus.info")" != "$sig" ]; then
		echo "$who: growing $BENCH_FLOWS flows into $corpus" >&2
		# shellcheck disable=SC2086
		"$PYTHON" "$top_srcdir/tests/bench/grow_corpus.py" \
		    --flows "$BENCH_FLOWS" --seed "$BENCH_SEED" \
		    --out "$corpus" $inputs >"$work/grow" ||
		    die "grow_corpus.py failed"
		{ echo "sig=$sig"; tr ' ' '\n' <"$work/grow"; } >"$corpus.info"
	fi
	corpus_flows=$(sed -n 's/^flows=//p' "$corpus.info")
}

# pcap_head N IN OUT: the first N packets of classic pcap IN.
pcap_head() {
	"$PYTHON" - "$@" <<'PY'
import struct, sys
n, src, dst = int(sys.argv[1]), sys.argv[2], sys.argv[3]
with open(src, "rb") as f, open(dst, "wb") as o:
    hdr = f.read(24)
    end = "<" if hdr[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    o.write(hdr)
    for _ in range(n):
        rec = f.read(16)
        if len(rec) < 16:
            break
        o.write(rec + f.read(struct.unpack(end + "I", rec[8:12])[0]))
PY
}
