#!/bin/bash
# p0f signatures and OS labels against p0f's own log over ../shared/peer.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
[ -f "$PEER/p0f/p0f_flat.tsv" ] || skip "no peer data at $PEER"
FPSENSOR="$FPSENSOR" FP_PEER_DIR="$PEER" "$PYTHON" "$top_srcdir/tests/conformance_p0f.py"
