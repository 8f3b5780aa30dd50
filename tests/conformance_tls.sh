#!/bin/bash
# JA3/JA3S/JA4/JA4S/JA4X against Wireshark, nDPI, FoxIO's Rust and Suricata
# over ../shared/peer.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
[ -f "$PEER/ja4/expected_flat.tsv" ] || skip "no peer data at $PEER"
FPSENSOR="$FPSENSOR" FP_PEER_DIR="$PEER" "$PYTHON" "$top_srcdir/tests/conformance_tls.py"
