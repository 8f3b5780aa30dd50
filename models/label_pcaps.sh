#!/bin/sh
# models/label_pcaps.sh: fpsensor's records of our own captures of known
# clients (pcaps/, made by pcaps/make_pcaps.sh), each with the label of the
# client that made it: fptrain's "fpsensor" input format on stdout.
# usage: FPSENSOR=./fpsensor models/label_pcaps.sh [SRCDIR]
set -eu
srcdir=${1:-.}
: "${FPSENSOR:=fpsensor}"
# pcap              client        os
while read -r pcap client os; do
	"$FPSENSOR" --deterministic -r "$srcdir/pcaps/$pcap.pcap" |
	    grep '"ja4_r"' |
	    sed "s/}\$/,\"label\":{\"client\":\"$client\",\"os\":\"$os\"}}/"
done <<'LIST'
chromium           chrome        linux
firefox            firefox       linux
curl_https         openssl_curl  linux
openssl_tls12      openssl_curl  linux
openssl_tls13      openssl_curl  linux
gnutls             gnutls        linux
python_https       python        linux
quic-go-v1-initial go            linux
LIST
