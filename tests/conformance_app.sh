#!/bin/bash
# HTTP (JA4H, User-Agent, Host, p0f HTTP) and SSH (HASSH) against FoxIO's
# Rust, nDPI and p0f over ../shared/peer.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
[ -f "$PEER/ja4/expected_flat.tsv" ] || skip "no peer data at $PEER"
FPSENSOR="$FPSENSOR" FP_PEER_DIR="$PEER" "$PYTHON" "$top_srcdir/tests/conformance_app.py"
