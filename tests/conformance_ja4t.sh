#!/bin/bash
# JA4T against FoxIO's Rust implementation over ../shared/peer.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
[ -f "$PEER/ja4/expected_flat.tsv" ] || skip "no peer data at $PEER"
FPSENSOR="$FPSENSOR" FP_PEER_DIR="$PEER" "$PYTHON" "$top_srcdir/tests/conformance_ja4t.py"
