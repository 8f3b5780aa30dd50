#!/bin/bash
# make_pcaps.sh - (re)generate the small real-traffic captures in pcaps/.
#
# Usage (as root):  pcaps/make_pcaps.sh [SCENARIO...]
#                   pcaps/make_pcaps.sh --list
#                   pcaps/make_pcaps.sh --summary      (table of the pcaps/ files)
# With no SCENARIO every scenario runs.  PCAP_OUT=DIR writes elsewhere.
#
# Real clients talk to real servers in two private network namespaces
# ("client" and "server") joined by a veth pair; tcpdump runs in the client
# namespace.  Only documentation addresses are used (192.0.2.0/24,
# 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32), the client namespace has
# no default route, and nothing is sent outside the namespaces.  Everything
# created (namespaces, links, processes, temp files) is removed on exit,
# also on failure.  See README for what each capture shows.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=${PCAP_OUT:-$HERE}
PY=/usr/bin/python3
TAG=fpcap$$
NS_C=${TAG}c                       # client namespace
NS_S=${TAG}s                       # server namespace
NS_W=${TAG}w                       # "wire" namespace (mpls only)
C4=192.0.2.10   S4=192.0.2.20      # main veth pair "eth0" <-> "eth0"
C6=2001:db8:1::10 S6=2001:db8:1::20
C_MAC=02:00:c0:00:02:0a S_MAC=02:00:c0:00:02:14
HOST=www.example.test              # -> S4 (client /etc/hosts)
HOST6=www6.example.test            # -> S6 (client /etc/hosts)
SNAP=262144

WORK=""
PIDS=()
MADE_RUN_SSHD=0
HAVE_SSHD=0
PRODUCED=()
SKIPPED=()
CAP_PID="" CAP_NAME="" CAP_TMP="" LAST_PID=""

log()  { printf '[make_pcaps] %s\n' "$*" >&2; }
skip() { log "SKIP $1: $2"; SKIPPED+=("$1: $2"); }
die()  { log "ERROR: $*"; exit 1; }
nsc()  { ip netns exec "$NS_C" "$@"; }
nss()  { ip netns exec "$NS_S" "$@"; }

# ----------------------------------------------------------------- cleanup
cleanup() {
	local rc=$? p ns
	set +e
	trap - EXIT INT TERM
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	# anything else still running inside our own namespaces (browser helpers...)
	for ns in "$NS_C" "$NS_S" "$NS_W"; do
		[ -e "/run/netns/$ns" ] || continue
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill "$p" 2>/dev/null; done
	done
	sleep 0.5
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
	for ns in "$NS_C" "$NS_S" "$NS_W"; do
		[ -e "/run/netns/$ns" ] || continue
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
		ip netns del "$ns" 2>/dev/null       # also removes its veth/vxlan/tun devices
		rm -rf "/etc/netns/$ns"
	done
	rmdir /etc/netns 2>/dev/null
	[ "$MADE_RUN_SSHD" = 1 ] && rmdir /run/sshd 2>/dev/null
	[ -n "$WORK" ] && rm -rf "$WORK"
	exit "$rc"
}

# namespaces left behind by an earlier run that was killed with SIGKILL
remove_stale() {
	local ns pid
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E '^fpcap[0-9]+[csw]$' || true); do
		pid=${ns#fpcap}; pid=${pid%?}
		kill -0 "$pid" 2>/dev/null && continue
		log "removing stale namespace $ns"
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
		ip netns del "$ns" 2>/dev/null || true
		rm -rf "/etc/netns/$ns"
	done
}

# --------------------------------------------------------------- captures
# cap_start NAME [NETNS] [IFACE] [extra tcpdump args...]
cap_start() {
	local ns=${2:-$NS_C} ifc=${3:-eth0} i
	CAP_NAME=$1
	CAP_TMP=$WORK/cap/$1.pcap
	shift $(($# < 3 ? $# : 3))
	ip netns exec "$ns" tcpdump -i "$ifc" -nn -U --immediate-mode -s "$SNAP" -Z root -w "$CAP_TMP" "$@" \
		2>"$WORK/cap/$CAP_NAME.err" &
	CAP_PID=$!
	PIDS+=("$CAP_PID")
	for i in $(seq 50); do
		grep -q 'listening on' "$WORK/cap/$CAP_NAME.err" 2>/dev/null && break
		kill -0 "$CAP_PID" 2>/dev/null || die "tcpdump for $CAP_NAME died: $(cat "$WORK/cap/$CAP_NAME.err")"
		sleep 0.1
	done
	sleep 0.2
	log "capturing $CAP_NAME ($ifc)"
}

# cap_stop: let trailing packets (FIN/ACK) arrive, stop tcpdump with SIGINT so it
# flushes and closes the file, then move the finished file into place.
cap_stop() {
	sleep "${1:-0.7}"
	kill -INT "$CAP_PID"
	wait "$CAP_PID" || true
	[ -s "$CAP_TMP" ] || die "$CAP_NAME: empty capture"
	local n d
	d=$(sed -n 's/^\([0-9]*\) packets\{0,1\} dropped by kernel$/\1/p' "$WORK/cap/$CAP_NAME.err")
	[ "${d:-0}" = 0 ] || die "$CAP_NAME: tcpdump dropped $d packets (capture incomplete)"
	n=$(tcpdump -nn -r "$CAP_TMP" 2>/dev/null | wc -l)
	[ "$n" -gt 0 ] || die "$CAP_NAME: no packets captured ($(tr '\n' ' ' <"$WORK/cap/$CAP_NAME.err"))"
	mv -f "$CAP_TMP" "$OUT/$CAP_NAME.pcap"
	chmod 644 "$OUT/$CAP_NAME.pcap"
	PRODUCED+=("$CAP_NAME")
	log "wrote $CAP_NAME.pcap ($n packets)"
	CAP_PID=""
}

# background process in a namespace, tracked for cleanup
# (NETNS "" = the host namespace, for tunfwd.py which enters namespaces itself)
bg() {
	local ns=$1 name=$2
	shift 2
	if [ -n "$ns" ]; then
		ip netns exec "$ns" "$@" >"$WORK/log/$name.log" 2>&1 </dev/null &
	else
		"$@" >"$WORK/log/$name.log" 2>&1 </dev/null &
	fi
	LAST_PID=$!
	PIDS+=("$LAST_PID")
}

wait_port() { # wait_port PROTO(tcp|udp) PORT
	local i flag=-tln
	[ "$1" = udp ] && flag=-uln
	for i in $(seq 100); do
		nss ss -H "$flag" "sport = :$2" | grep -q . && return 0
		sleep 0.1
	done
	die "server on $1/$2 did not start (logs in $WORK/log)"
}

# ------------------------------------------------------------ topology
setup_namespaces() {
	local ns
	for ns in "$NS_C" "$NS_S"; do
		ip netns add "$ns"
		ip -n "$ns" link set lo up
		ip netns exec "$ns" sysctl -qw \
			net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.default.accept_ra=0 \
			net.ipv6.conf.all.router_solicitations=0 net.ipv6.conf.default.router_solicitations=0 \
			net.ipv6.conf.default.accept_dad=0
	done
	ip link add eth0 netns "$NS_C" address "$C_MAC" type veth peer name eth0 netns "$NS_S" address "$S_MAC"
	offloads_off "$NS_C" eth0
	offloads_off "$NS_S" eth0
	ip -n "$NS_C" addr add "$C4/24" dev eth0
	ip -n "$NS_S" addr add "$S4/24" dev eth0
	ip -n "$NS_C" -6 addr add "$C6/64" dev eth0 nodad
	ip -n "$NS_S" -6 addr add "$S6/64" dev eth0 nodad
	ip -n "$NS_C" link set eth0 up
	ip -n "$NS_S" link set eth0 up

	# the client resolves through files first, then the dnsmasq in the server ns
	mkdir -p "/etc/netns/$NS_C"
	printf 'nameserver %s\noptions timeout:2 attempts:1\n' "$S4" >"/etc/netns/$NS_C/resolv.conf"
	# (the machine's own name too, so no client asks the DNS server for it)
	printf '127.0.0.1 localhost\n127.0.1.1 %s\n::1 localhost\n%s %s\n%s %s\n' \
		"$(hostname)" "$S4" "$HOST" "$S6" "$HOST6" >"/etc/netns/$NS_C/hosts"
}

# checksums filled in by the kernel, one frame per segment: captures look
# like a real NIC's wire (no partial checksums, no 64 KB TSO/GRO "packets")
offloads_off() {
	ip netns exec "$1" ethtool -K "$2" tx off tso off gso off gro off >/dev/null 2>&1 ||
		log "warning: ethtool -K $2 failed in $1"
}

# ------------------------------------------------------------------ servers
make_pki() {
	local d=$WORK/pki
	mkdir -p "$d"
	cat >"$d/leaf.ext" <<-EOF
		basicConstraints=CA:FALSE
		keyUsage=digitalSignature,keyEncipherment
		extendedKeyUsage=serverAuth
		subjectAltName=DNS:$HOST,DNS:$HOST6,DNS:*.example.test,IP:$S4,IP:$S6,IP:203.0.113.2
	EOF
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
		-subj "/CN=fpsensor test CA" -keyout "$d/ca.key" -out "$d/ca.crt" \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
	# ECDSA leaf for nginx / gnutls-serv, RSA leaf for the openssl s_server
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$HOST" \
		-keyout "$d/ec.key" -out "$d/ec.csr" 2>/dev/null
	openssl req -newkey rsa:2048 -nodes -subj "/CN=$HOST" \
		-keyout "$d/rsa.key" -out "$d/rsa.csr" 2>/dev/null
	for k in ec rsa; do
		openssl x509 -req -in "$d/$k.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial \
			-days 30 -extfile "$d/leaf.ext" -out "$d/$k.crt" 2>/dev/null
		cat "$d/$k.crt" "$d/ca.crt" >"$d/$k.chain.crt"
	done
}

make_www() {
	mkdir -p "$WORK/www"
	{
		printf '<!doctype html>\n<html><head><meta charset="utf-8"><title>fpsensor test page</title></head>\n<body>\n'
		printf '<h1>fpsensor test server</h1>\n<p>Served from a private network namespace.</p>\n'
		for i in $(seq 12); do printf '<p>line %02d of filler text so the page spans a few segments.</p>\n' "$i"; done
		printf '</body></html>\n'
	} >"$WORK/www/index.html"
	printf 'User-agent: *\nDisallow:\n' >"$WORK/www/robots.txt"
	# 1 MiB of random bytes (incompressible) for the bulk_* downloads
	head -c 1048576 /dev/urandom >"$WORK/www/bulk.bin"
}

start_nginx() {
	local w=$WORK h2="http2"
	mkdir -p "$w/nginx"
	cat >"$w/nginx/nginx.conf" <<-EOF
		user root;
		worker_processes 1;
		daemon off;
		pid $w/nginx/nginx.pid;
		error_log $w/log/nginx-error.log warn;
		events { worker_connections 64; }
		http {
		    access_log off;
		    types { text/html html; text/plain txt; }
		    default_type application/octet-stream;
		    client_body_temp_path $w/nginx/body;
		    proxy_temp_path $w/nginx/proxy;
		    fastcgi_temp_path $w/nginx/fastcgi;
		    uwsgi_temp_path $w/nginx/uwsgi;
		    scgi_temp_path $w/nginx/scgi;
		    server {
		        listen 80;
		        listen [::]:80;
		        root $w/www;
		    }
		    server {
		        listen 443 ssl $h2;
		        listen [::]:443 ssl $h2;
		        ssl_certificate $w/pki/ec.chain.crt;
		        ssl_certificate_key $w/pki/ec.key;
		        ssl_protocols TLSv1.2 TLSv1.3;
		        root $w/www;
		    }
		}
	EOF
	bg "$NS_S" nginx nginx -p "$w/nginx" -c "$w/nginx/nginx.conf"
	wait_port tcp 80
	wait_port tcp 443
}

start_tls_servers() {
	local p=$WORK/pki
	# -www answers a GET with a status page; TLS 1.2 only (RSA) and 1.3 only (ECDSA)
	bg "$NS_S" s_server12 openssl s_server -quiet -accept 4433 -www -tls1_2 \
		-cert "$p/rsa.crt" -key "$p/rsa.key" -cert_chain "$p/ca.crt"
	bg "$NS_S" s_server13 openssl s_server -quiet -accept 4434 -www -tls1_3 \
		-cert "$p/ec.crt" -key "$p/ec.key" -cert_chain "$p/ca.crt"
	bg "$NS_S" gnutls-serv gnutls-serv --http --port 5556 \
		--x509certfile "$p/ec.chain.crt" --x509keyfile "$p/ec.key"
	wait_port tcp 4433
	wait_port tcp 4434
	wait_port tcp 5556
}

start_dnsmasq() {
	local txt=() i
	# big.example.test: ~2.3 KB of TXT records -> a fragmented UDP answer
	for i in $(seq 9); do
		txt+=("--txt-record=big.example.test,record $i $(printf 'x%.0s' $(seq 230))")
	done
	bg "$NS_S" dnsmasq dnsmasq --keep-in-foreground --conf-file=/dev/null --pid-file= \
		--no-resolv --no-hosts --no-poll --bind-interfaces \
		--listen-address="$S4" --listen-address="$S6" \
		--local=/example.test/ --edns-packet-max=4096 \
		--host-record="$HOST,$S4,$S6" \
		--host-record="$HOST6,$S6" \
		--host-record=api.example.test,"$S4" \
		--txt-record=example.test,"v=fpsensor test zone" \
		--mx-host=example.test,mail.example.test,10 \
		"${txt[@]}"
	wait_port udp 53
	wait_port tcp 53
}

start_sshd() {
	local d=$WORK/ssh
	if [ ! -x /usr/sbin/sshd ]; then
		skip ssh "openssh-server not installed (apt-get install openssh-server)"
		return 0
	fi
	mkdir -p "$d"
	chmod 700 "$d"
	ssh-keygen -q -t ed25519 -N '' -f "$d/host_ed25519"
	ssh-keygen -q -t ed25519 -N '' -f "$d/id_ed25519"
	cp "$d/id_ed25519.pub" "$d/authorized_keys"
	cat >"$d/sshd_config" <<-EOF
		Port 22
		ListenAddress 0.0.0.0
		ListenAddress ::
		HostKey $d/host_ed25519
		PidFile none
		UsePAM no
		StrictModes no
		PermitRootLogin prohibit-password
		PubkeyAuthentication yes
		AuthorizedKeysFile $d/authorized_keys
		PasswordAuthentication no
		KbdInteractiveAuthentication no
		PrintMotd no
		Banner none
	EOF
	if [ ! -d /run/sshd ]; then mkdir -p /run/sshd && MADE_RUN_SSHD=1; fi
	bg "$NS_S" sshd /usr/sbin/sshd -D -e -f "$d/sshd_config"
	wait_port tcp 22
	HAVE_SSHD=1
}

start_servers() {
	make_pki
	make_www
	start_nginx
	start_tls_servers
	start_dnsmasq
	start_sshd
	sleep 1.5 # let IPv6 MLD/ND chatter from link-up finish before the first capture
}

# ------------------------------------------------------------------ clients
# each prints nothing on success; failures are reported, not fatal, where a
# client may legitimately fail (ssh auth, browsers)
q() { "$@" >/dev/null 2>>"$WORK/log/clients.log"; }

cl_curl_https()  { q nsc curl -sS --max-time 10 --cacert "$WORK/pki/ca.crt" -o /dev/null "https://$HOST/"; }
cl_curl_http()   { q nsc curl -sS --max-time 10 -o /dev/null "http://$HOST/"; }
cl_wget_http()   { q nsc wget -q -T 10 -t 1 -O /dev/null "http://$HOST/"; }
cl_openssl()     { # cl_openssl PORT -tls1_2|-tls1_3
	printf 'GET / HTTP/1.0\r\nHost: %s\r\n\r\n' "$HOST" |
		q nsc timeout 10 openssl s_client -quiet -connect "$S4:$1" -servername "$HOST" \
			-CAfile "$WORK/pki/ca.crt" "$2"
}
cl_gnutls() {
	printf 'GET / HTTP/1.0\r\nHost: %s\r\n\r\n' "$HOST" |
		q nsc timeout 10 gnutls-cli --x509cafile="$WORK/pki/ca.crt" --port=5556 "$HOST"
}
cl_python() { # cl_python URL
	q nsc "$PY" -I -c '
import ssl, sys, urllib.request
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
urllib.request.urlopen(sys.argv[1], context=ctx, timeout=10).read()
' "$1"
}
cl_dig() { q nsc dig +time=3 +tries=1 "@$S4" "$@"; }
cl_ssh() {
	[ "$HAVE_SSHD" = 1 ] || return 0
	q nsc timeout 15 ssh -F /dev/null -i "$WORK/ssh/id_ed25519" -o BatchMode=yes \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=5 \
		-o LogLevel=ERROR "root@$S4" true || log "ssh client exited non-zero (handshake still captured)"
}
cl_chromium() { # cl_chromium [URL [FLAG...]]
	local prof url=${1:-https://$HOST/}
	prof=$(mktemp -d "$WORK/chromium.XXXXXX")
	[ $# -gt 0 ] && shift
	HOME=$prof q nsc timeout 40 chromium --headless --no-sandbox --disable-gpu --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--disable-default-apps --disable-breakpad --no-default-browser-check \
		--user-data-dir="$prof" --ignore-certificate-errors \
		--host-resolver-rules="MAP * ~NOTFOUND, EXCLUDE $HOST" "$@" \
		--dump-dom "$url" ||
		log "chromium exited non-zero"
}
cl_firefox() { # cl_firefox [URL]
	local prof url=${1:-https://$HOST/}
	prof=$(mktemp -d "$WORK/firefox.XXXXXX")
	# trust the run-time CA in the fresh profile so the page really loads
	if command -v certutil >/dev/null; then
		certutil -N -d "sql:$prof" --empty-password
		certutil -A -d "sql:$prof" -n "fpsensor test CA" -t "C,," -i "$WORK/pki/ca.crt"
	fi
	cat >"$prof/user.js" <<-'EOF'
		user_pref("app.update.enabled", false);
		user_pref("app.normandy.enabled", false);
		user_pref("browser.safebrowsing.malware.enabled", false);
		user_pref("browser.safebrowsing.phishing.enabled", false);
		user_pref("browser.safebrowsing.downloads.enabled", false);
		user_pref("browser.safebrowsing.provider.mozilla.updateURL", "");
		user_pref("browser.shell.checkDefaultBrowser", false);
		user_pref("browser.startup.homepage_override.mstone", "ignore");
		user_pref("browser.newtabpage.enabled", false);
		user_pref("browser.region.network.url", "");
		user_pref("browser.search.geoip.url", "");
		user_pref("captivedetect.canonicalURL", "");
		user_pref("datareporting.healthreport.uploadEnabled", false);
		user_pref("datareporting.policy.dataSubmissionEnabled", false);
		user_pref("extensions.update.enabled", false);
		user_pref("extensions.getAddons.cache.enabled", false);
		user_pref("network.captive-portal-service.enabled", false);
		user_pref("network.connectivity-service.enabled", false);
		user_pref("network.dns.disablePrefetch", true);
		user_pref("network.prefetch-next", false);
		user_pref("network.trr.mode", 5);
		user_pref("security.OCSP.enabled", 0);
		user_pref("services.settings.server", "http://127.0.0.1:9/");
		user_pref("toolkit.telemetry.enabled", false);
		user_pref("toolkit.telemetry.server", "");
		user_pref("dom.security.https_first", false);
		user_pref("dom.security.https_first_schemeless", false);
	EOF
	# (release builds ignore services.settings.server unless this is set)
	HOME=$prof MOZ_REMOTE_SETTINGS_DEVTOOLS=1 q nsc timeout 60 firefox-esr --headless --no-remote --profile "$prof" \
		--screenshot "$prof/shot.png" "$url" || log "firefox exited non-zero"
}

have_chromium() { command -v chromium >/dev/null; }
have_firefox()  { command -v firefox-esr >/dev/null; }

# ---------------------------------------------------------------- scenarios
# Each sc_NAME makes NAME.pcap.  The default capture point is eth0 in the
# client namespace (Ethernet).

sc_demo() {
	cap_start demo
	cl_dig "$HOST" A                           # DNS over UDP
	cl_dig +tcp "$HOST" AAAA                   # DNS over TCP
	q nsc curl -sS --max-time 10 -o /dev/null "http://api.example.test/" # glibc A+AAAA lookup, then HTTP
	cl_curl_https                              # TLS 1.3 + h2
	cl_curl_http
	cl_wget_http
	cl_openssl 4433 -tls1_2
	cl_openssl 4434 -tls1_3
	cl_gnutls
	cl_python "https://$HOST/"
	q nsc curl -sS --max-time 10 --cacert "$WORK/pki/ca.crt" -o /dev/null "https://$HOST6/" # IPv6
	cl_ssh
	if have_chromium; then cl_chromium; elif have_firefox; then cl_firefox; fi
	cap_stop 1
}

sc_curl_https()   { cap_start curl_https;   cl_curl_https;   cl_curl_https; cap_stop; }
sc_curl_http()    { cap_start curl_http;    cl_curl_http;    cap_stop; }
sc_wget_http()    { cap_start wget_http;    cl_wget_http;    cap_stop; }
sc_openssl_tls12(){ cap_start openssl_tls12; cl_openssl 4433 -tls1_2; cap_stop; }
sc_openssl_tls13(){ cap_start openssl_tls13; cl_openssl 4434 -tls1_3; cap_stop; }
sc_gnutls()       { cap_start gnutls;       cl_gnutls;       cap_stop; }
sc_python_https() { cap_start python_https; cl_python "https://$HOST/"; cap_stop; }
sc_python_http()  { cap_start python_http;  cl_python "http://$HOST/";  cap_stop; }

# DTLS 1.2 with a 256-byte path MTU: the ClientHello (long SNI, eight ALPN
# names, every cipher) is sent as handshake fragments over two datagrams,
# twice (before and after the HelloVerifyRequest cookie), and the server's
# certificate chain in many fragments.
sc_dtls_frag() {
	local p=$WORK/pki
	bg "$NS_S" s_server_dtls openssl s_server -quiet -dtls1_2 -accept 4444 \
		-cert "$p/rsa.crt" -key "$p/rsa.key" -cert_chain "$p/ca.crt"
	wait_port udp 4444
	cap_start dtls_frag
	echo Q | q nsc timeout 5 openssl s_client -quiet -dtls1_2 -mtu 256 \
		-connect "$S4:4444" -servername dtls-fragmented-client-hello.example.test \
		-alpn webrtc,c-webrtc,h2,http/1.1,spdy/3,coap,sip/2,stun.turn \
		-cipher ALL -CAfile "$p/ca.crt" || log "dtls client exited non-zero"
	cap_stop
	kill "$LAST_PID" 2>/dev/null || true
}

sc_dig() {
	cap_start dig
	cl_dig "$HOST" A
	cl_dig "$HOST" AAAA
	cl_dig +subnet=198.51.100.0/24 "$HOST" A   # EDNS client subnet option
	cl_dig nope.example.test A || true         # NXDOMAIN (dig exits 0 anyway)
	cl_dig +tcp example.test MX
	cl_dig +tcp example.test TXT
	cl_dig -6 "@$S6" "$HOST" AAAA              # over IPv6 (the last @ wins)
	cap_stop
}

sc_ssh() {
	[ "$HAVE_SSHD" = 1 ] || { skip ssh "no sshd"; return 0; }
	cap_start ssh
	cl_ssh
	cap_stop
}

sc_chromium() {
	have_chromium || { skip chromium "chromium not installed"; return 0; }
	cap_start chromium
	cl_chromium
	cap_stop 1
}

sc_firefox() {
	have_firefox || { skip firefox "firefox-esr not installed"; return 0; }
	cap_start firefox
	cl_firefox
	cap_stop 1
}

# Spoofed User-Agents (tests/spoof.sh): curl, wget and Python's urllib send
# browser User-Agents, each one twice over plain HTTP (the User-Agent is on
# the wire) then twice over HTTPS (it is not), all from the one client
# address.  The strings follow the browsers' published User-Agent grammar.
SPOOF_UAS=(
	'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36'
	'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36'
	'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0'
	'Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Firefox/115.0'
	'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15'
	'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.51'
)
cl_spoof() { # cl_spoof curl|wget|python USER-AGENT http|https
	case $1 in
	curl) q nsc curl -sS --max-time 10 --cacert "$WORK/pki/ca.crt" -A "$2" -o /dev/null "$3://$HOST/" ;;
	wget) q nsc wget -q -T 10 -t 1 --ca-certificate="$WORK/pki/ca.crt" -U "$2" -O /dev/null "$3://$HOST/" ;;
	python) q nsc "$PY" -I -c '
import ssl, sys, urllib.request
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
req = urllib.request.Request(sys.argv[1], headers={"User-Agent": sys.argv[2]})
urllib.request.urlopen(req, context=ctx, timeout=10).read()
' "$3://$HOST/" "$2" ;;
	esac
}
spoof_capture() { # spoof_capture TOOL
	local ua
	cap_start "spoof_$1"
	for ua in "${SPOOF_UAS[@]}"; do
		cl_spoof "$1" "$ua" http
		cl_spoof "$1" "$ua" http
		cl_spoof "$1" "$ua" https
		cl_spoof "$1" "$ua" https
	done
	cap_stop
}
sc_spoof_curl()   { spoof_capture curl; }
sc_spoof_wget()   { spoof_capture wget; }
sc_spoof_python() { spoof_capture python; }

# Genuine browsers with their own User-Agents (tests/spoof.sh): chromium and
# firefox-esr each load the page three times over plain HTTP (HTTPS
# upgrades turned off, so the User-Agent is on the wire) and three times
# over HTTPS, from the same client address.
sc_browsers_ua() {
	have_chromium || have_firefox || { skip browsers_ua "no chromium or firefox-esr"; return 0; }
	local i
	cap_start browsers_ua
	if have_chromium; then
		for i in 1 2 3; do
			cl_chromium "http://$HOST/" --disable-features=HttpsUpgrades,HttpsFirstBalancedModeAutoEnable
			cl_chromium "https://$HOST/"
		done
	fi
	if have_firefox; then
		for i in 1 2 3; do
			cl_firefox "http://$HOST/"
			cl_firefox "https://$HOST/"
		done
	fi
	cap_stop 1
}

sc_ipv6() {
	cap_start ipv6
	q nsc curl -sS --max-time 10 -o /dev/null "http://[$S6]/"
	q nsc curl -sS --max-time 10 --cacert "$WORK/pki/ca.crt" -o /dev/null "https://$HOST6/"
	cap_stop
}

sc_tcp_tuned() {
	local keys="net.ipv4.tcp_timestamps net.ipv4.tcp_window_scaling net.ipv4.tcp_sack net.ipv4.tcp_ecn net.ipv4.ip_default_ttl"
	local saved k
	saved=$(for k in $keys; do printf '%s=%s ' "$k" "$(nsc sysctl -n "$k")"; done)
	nsc sysctl -qw net.ipv4.tcp_timestamps=0 net.ipv4.tcp_window_scaling=0 \
		net.ipv4.tcp_sack=0 net.ipv4.tcp_ecn=1 net.ipv4.ip_default_ttl=128
	cap_start tcp_tuned
	cl_curl_http
	cl_curl_https
	cap_stop
	# shellcheck disable=SC2086
	nsc sysctl -qw $saved
}

sc_frag4() {
	cap_start frag4
	q nsc ping -c 2 -i 0.3 -s 3000 "$S4"             # 3 fragments each way
	cl_dig +bufsize=4096 +notcp big.example.test TXT # ~2.4 KB UDP answer, fragmented by the server
	cl_curl_http
	cap_stop
}

sc_frag6() {
	cap_start frag6
	q nsc ping -6 -c 2 -i 0.3 -s 3000 "$S6"          # IPv6 Fragment extension headers
	# a new address makes the kernel join its solicited-node group: MLDv2
	# report with a Hop-by-Hop Router Alert option
	ip -n "$NS_C" -6 addr add 2001:db8:1::99/64 dev eth0 nodad
	sleep 0.3
	q nsc curl -sS --max-time 10 -o /dev/null "http://[$S6]/"
	ip -n "$NS_C" -6 addr del 2001:db8:1::99/64 dev eth0
	cap_stop
}

sc_sll() {
	cap_start sll "$NS_C" any -y LINUX_SLL
	cl_dig "$HOST" A
	cl_curl_http
	cap_stop
}

sc_sll2() {
	cap_start sll2 "$NS_C" any -y LINUX_SLL2
	cl_dig "$HOST" A
	cl_curl_http
	cap_stop
}

sc_null() {
	cap_start null_src
	cl_curl_http
	q nsc curl -sS --max-time 10 -o /dev/null "http://[$S6]/"
	cap_stop
	"$PY" "$HERE/to_null.py" "$OUT/null_src.pcap" "$OUT/null.pcap" >&2
	rm -f "$OUT/null_src.pcap"
	unset 'PRODUCED[-1]'
	PRODUCED+=(null)
}

# ---- encapsulations -------------------------------------------------------
# A second veth pair "lnk0" carries only the scenario's traffic:
# 203.0.113.1 (client) <-> 203.0.113.2 (server), IPv6 off.
link_up() {
	ip link add lnk0 netns "$NS_C" address 02:00:cb:00:71:01 type veth \
		peer name lnk0 netns "$NS_S" address 02:00:cb:00:71:02
	local ns
	for ns in "$NS_C" "$NS_S"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.lnk0.disable_ipv6=1
		offloads_off "$ns" lnk0
	done
	ip -n "$NS_C" addr add 203.0.113.1/24 dev lnk0
	ip -n "$NS_S" addr add 203.0.113.2/24 dev lnk0
	ip -n "$NS_C" link set lnk0 up
	ip -n "$NS_S" link set lnk0 up
}
# the tc-BPF tunnels carry only IPv4, so no ARP on lnk0
static_arp() {
	ip -n "$NS_C" neigh replace 203.0.113.2 dev lnk0 nud permanent \
		lladdr "$(ip -n "$NS_S" -br link show lnk0 | awk '{print $3}')"
	ip -n "$NS_S" neigh replace 203.0.113.1 dev lnk0 nud permanent \
		lladdr "$(ip -n "$NS_C" -br link show lnk0 | awk '{print $3}')"
}
link_down() { ip -n "$NS_C" link del lnk0 2>/dev/null || true; }

# traffic for the encapsulation captures: 2 pings and one HTTP GET
overlay_traffic() { # overlay_traffic SERVER_IP
	q nsc ping -c 2 -i 0.3 "$1"
	q nsc curl -sS --max-time 10 -o /dev/null "http://$1/"
}

BPF_OK=""
build_bpf() {
	[ -n "$BPF_OK" ] && { [ "$BPF_OK" = yes ]; return; }
	BPF_OK=no
	command -v clang >/dev/null || { log "clang not installed: no tc-BPF encapsulations"; return 1; }
	clang -O2 -g -target bpf -DOUTER_SRC=0xc6336401 -DOUTER_DST=0xc6336402 \
		-c "$HERE/tc_encap.c" -o "$WORK/encap_client.o" 2>>"$WORK/log/clang.log" || return 1
	clang -O2 -g -target bpf -DOUTER_SRC=0xc6336402 -DOUTER_DST=0xc6336401 \
		-c "$HERE/tc_encap.c" -o "$WORK/encap_server.o" 2>>"$WORK/log/clang.log" || return 1
	BPF_OK=yes
}

# bpf_link EGRESS_SECTION INGRESS_SECTION: attach tc_encap.c programs to lnk0
bpf_link() {
	local ns side
	for ns in "$NS_C" "$NS_S"; do
		side=client
		[ "$ns" = "$NS_S" ] && side=server
		tc -n "$ns" qdisc add dev lnk0 clsact
		tc -n "$ns" filter add dev lnk0 egress bpf da obj "$WORK/encap_$side.o" sec "$1" 2>>"$WORK/log/tc.log" || return 1
		tc -n "$ns" filter add dev lnk0 ingress bpf da obj "$WORK/encap_$side.o" sec "$2" 2>>"$WORK/log/tc.log" || return 1
	done
}

# native kernel drivers first; tc-BPF when the driver is not in this kernel
kernel_can() { # kernel_can TYPE ARGS...: can the kernel create such a link?
	local t=$1
	shift
	if ip -n "$NS_C" link add fpprobe0 type "$t" "$@" 2>/dev/null; then
		ip -n "$NS_C" link del fpprobe0
		return 0
	fi
	return 1
}

sc_vlan() {
	link_up
	if kernel_can vlan link lnk0 id 100; then
		ip -n "$NS_C" link add link lnk0 name lnk0.100 type vlan id 100
		ip -n "$NS_S" link add link lnk0 name lnk0.100 type vlan id 100
		vlan_addrs lnk0.100 "802.1Q subinterfaces"
	elif build_bpf && bpf_link vlan_push vlan_pop; then
		log "vlan: no 8021q in this kernel, tagging with tc-BPF"
	else
		skip vlan "no 8021q and no tc-BPF"; link_down; return 0
	fi
	cap_start vlan "$NS_C" lnk0
	overlay_traffic 203.0.113.2
	cap_stop
	link_down
}

sc_qinq() {
	link_up
	if kernel_can vlan link lnk0 proto 802.1ad id 10; then
		local ns
		for ns in "$NS_C" "$NS_S"; do
			ip -n "$ns" link add link lnk0 name lnk0.10 type vlan proto 802.1ad id 10
			ip -n "$ns" link add link lnk0.10 name lnk0.10.20 type vlan id 20
			ip -n "$ns" link set lnk0.10 up
		done
		vlan_addrs lnk0.10.20 "802.1ad+802.1Q subinterfaces"
	elif build_bpf && bpf_link qinq_push vlan_pop; then
		log "qinq: no 8021q in this kernel, tagging with tc-BPF"
	else
		skip qinq "no 8021q and no tc-BPF"; link_down; return 0
	fi
	cap_start qinq "$NS_C" lnk0
	overlay_traffic 203.0.113.2
	cap_stop
	link_down
}

# move the overlay addresses from lnk0 to a (kernel) vlan device
vlan_addrs() {
	local ns a
	for ns in "$NS_C" "$NS_S"; do
		a=203.0.113.1
		[ "$ns" = "$NS_S" ] && a=203.0.113.2
		ip -n "$ns" addr flush dev lnk0
		ip netns exec "$ns" sysctl -qw "net.ipv6.conf.${1//./\/}.disable_ipv6=1"
		ip -n "$ns" addr add "$a/24" dev "$1"
		ip -n "$ns" link set "$1" up
	done
	log "$2"
}

# Tunnels: with the kernel driver the underlay is lnk0 (198.51.100.x) and a
# tunnel device tnl0 carries the overlay 203.0.113.x.  Where the driver is not
# in the kernel (and a tc_encap.c section exists) lnk0 itself carries
# 203.0.113.x and the tc-BPF programs add/remove the outer 198.51.100.x headers.
# tunnel_scenario NAME BPF_SECTION|"" "ip link type+args with @L@/@R@ for local/remote"
tunnel_scenario() {
	local name=$1 sec=$2 tmpl=$3 ns lo re a args
	local kind=${tmpl%% *}
	link_up
	args=${tmpl//@L@/198.51.100.1}
	# shellcheck disable=SC2086
	if kernel_can ${args//@R@/198.51.100.2}; then
		for ns in "$NS_C" "$NS_S"; do
			if [ "$ns" = "$NS_C" ]; then lo=198.51.100.1 re=198.51.100.2 a=203.0.113.1
			else lo=198.51.100.2 re=198.51.100.1 a=203.0.113.2; fi
			args=${tmpl//@L@/$lo}
			args=${args//@R@/$re}
			ip -n "$ns" addr flush dev lnk0
			ip -n "$ns" addr add "$lo/24" dev lnk0
			# shellcheck disable=SC2086
			ip -n "$ns" link add tnl0 type $args
			# fixed inner MACs for Ethernet-carrying tunnels (vxlan...); L3 ones refuse
			ip -n "$ns" link set tnl0 address "02:00:cb:00:71:1${a##*.}" 2>/dev/null || true
			ip netns exec "$ns" sysctl -qw net.ipv6.conf.tnl0.disable_ipv6=1 || true
			offloads_off "$ns" tnl0
			ip -n "$ns" addr add "$a/24" dev tnl0
			ip -n "$ns" link set tnl0 up
		done
		log "$name: kernel $kind driver"
	elif [ -n "$sec" ] && build_bpf && static_arp && bpf_link "$sec" tunnel_decap; then
		log "$name: no $kind driver in this kernel, encapsulating with tc-BPF ($sec)"
	else
		skip "$name" "no $kind driver in this kernel${sec:+ and tc-BPF failed}"
		tunnel_down
		return 0
	fi
	cap_start "$name" "$NS_C" lnk0
	overlay_traffic 203.0.113.2
	cap_stop
	tunnel_down
}
tunnel_down() {
	ip -n "$NS_C" link del tnl0 2>/dev/null || true
	ip -n "$NS_S" link del tnl0 2>/dev/null || true
	link_down
}

sc_gre()    { tunnel_scenario gre gre_encap "gre local @L@ remote @R@"; }
sc_erspan() { tunnel_scenario erspan erspan_encap "erspan seq key 100 erspan_ver 1 erspan 100 local @L@ remote @R@"; }
sc_geneve() { tunnel_scenario geneve geneve_encap "geneve id 4242 remote @R@"; }
sc_vxlan()  { tunnel_scenario vxlan "" "vxlan id 42 dstport 4789 local @L@ remote @R@ dev lnk0"; }

# MPLS: this kernel has no mpls_router/mpls_iptunnel, so tc-BPF pushes one
# label (1000) on egress and an XDP program pops it on ingress.  XDP runs
# before the packet taps, so the capture point is a third "wire" namespace
# whose bridge joins the two lnk0 ends (a SPAN-port view of the link).
sc_mpls() {
	if ! build_bpf; then
		skip mpls "no mpls_router in this kernel and no clang for tc-BPF"
		return 0
	fi
	local ns side
	ip netns add "$NS_W"
	ip netns exec "$NS_W" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	ip -n "$NS_W" link add br0 type bridge stp_state 0 forward_delay 0 mcast_snooping 0
	ip link add lnk0 netns "$NS_C" address 02:00:cb:00:71:01 type veth peer name wc netns "$NS_W"
	ip link add lnk0 netns "$NS_S" address 02:00:cb:00:71:02 type veth peer name ws netns "$NS_W"
	for side in wc ws; do
		offloads_off "$NS_W" "$side"
		ip -n "$NS_W" link set "$side" master br0
		ip -n "$NS_W" link set "$side" up
	done
	ip -n "$NS_W" link set br0 up
	ip -n "$NS_C" addr add 203.0.113.1/24 dev lnk0
	ip -n "$NS_S" addr add 203.0.113.2/24 dev lnk0
	for ns in "$NS_C" "$NS_S"; do
		side=client
		[ "$ns" = "$NS_S" ] && side=server
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.lnk0.disable_ipv6=1
		offloads_off "$ns" lnk0
		ip -n "$ns" link set lnk0 up
		tc -n "$ns" qdisc add dev lnk0 clsact
		if ! tc -n "$ns" filter add dev lnk0 egress bpf da obj "$WORK/encap_$side.o" sec mpls_push 2>>"$WORK/log/tc.log" ||
			! ip -n "$ns" link set dev lnk0 xdpgeneric obj "$WORK/encap_$side.o" sec xdp_mpls_pop 2>>"$WORK/log/tc.log"; then
			skip mpls "loading the tc/XDP programs failed (see tc.log)"
			link_down
			ip netns del "$NS_W"
			return 0
		fi
	done
	static_arp
	log "mpls: no mpls_router in this kernel, labels pushed by tc-BPF and popped by XDP"
	cap_start mpls "$NS_W" wc
	overlay_traffic 203.0.113.2
	cap_stop
	ip netns del "$NS_W" # takes wc/ws and so both lnk0 ends with it
}

# RAW: a TUN device (no link-layer header) joined to the server namespace by tunfwd.py
sc_raw() {
	[ -c /dev/net/tun ] || { skip raw "/dev/net/tun missing"; return 0; }
	bg "" tunfwd "$PY" "$HERE/tunfwd.py" "$NS_C" "$NS_S" tun0 120
	local i fwd=$LAST_PID
	for i in $(seq 50); do
		ip -n "$NS_S" link show tun0 >/dev/null 2>&1 && break
		sleep 0.1
	done
	ip -n "$NS_S" link show tun0 >/dev/null 2>&1 || die "tunfwd.py did not create tun0"
	ip -n "$NS_C" addr add 203.0.113.1 peer 203.0.113.2 dev tun0
	ip -n "$NS_S" addr add 203.0.113.2 peer 203.0.113.1 dev tun0
	ip -n "$NS_C" -6 addr add 2001:db8:2::1/64 dev tun0 nodad
	ip -n "$NS_S" -6 addr add 2001:db8:2::2/64 dev tun0 nodad
	ip -n "$NS_C" link set tun0 up
	ip -n "$NS_S" link set tun0 up
	sleep 1
	cap_start raw "$NS_C" tun0
	overlay_traffic 203.0.113.2
	q nsc ping -6 -c 2 -i 0.3 2001:db8:2::2
	cap_stop
	kill "$fwd" 2>/dev/null || true
	wait "$fwd" 2>/dev/null || true
}

# Bulk downloads (about 1.1 MB captures, for the benchmark corpus): curl fetches
# /bulk.bin, 1 MiB of random bytes, from nginx.  Offloads are already off on
# eth0 (offloads_off), so every frame is at most 1514 bytes.  A larger capture
# buffer (-B, KiB) keeps tcpdump from dropping packets at veth speed.
# HTTPS with the client's key log beside the capture (tls_keylog.keys), for
# --tls-keylog: TLS 1.3 (AES-256-GCM, ChaCha20) and TLS 1.2 (AES-128-GCM,
# ChaCha20), HTTP/2 with one and two requests, and HTTP/1.1.
cl_keylog() { # cl_keylog KEYLOG CURL-ARGS...
	local k=$1
	shift
	q nsc env SSLKEYLOGFILE="$k" curl -sS --max-time 10 --cacert "$WORK/pki/ca.crt" "$@"
}
sc_tls_keylog() {
	local k=$WORK/tls_keylog.keys u="https://$HOST/" r="https://$HOST/robots.txt"
	: >"$k"
	cap_start tls_keylog
	cl_keylog "$k" --http2 -o /dev/null "$u" -o /dev/null "$r"
	cl_keylog "$k" --http2 --tls13-ciphers TLS_CHACHA20_POLY1305_SHA256 -o /dev/null "$u"
	cl_keylog "$k" --http2 --tls-max 1.2 --ciphers ECDHE-ECDSA-AES128-GCM-SHA256 \
		-o /dev/null "$u" -o /dev/null "$r"
	cl_keylog "$k" --http2 --tls-max 1.2 --ciphers ECDHE-ECDSA-CHACHA20-POLY1305 -o /dev/null "$u"
	cl_keylog "$k" --http1.1 -o /dev/null "$u" -o /dev/null "$r"
	cap_stop
	install -m 644 "$k" "$OUT/tls_keylog.keys"
}

sc_bulk_http() {
	cap_start bulk_http "$NS_C" eth0 -B 16384
	q nsc curl -sS --max-time 30 -o /dev/null "http://$HOST/bulk.bin"
	cap_stop
}
sc_bulk_https() { # TLS 1.3 (curl and nginx defaults; ALPN h2,http/1.1 offered)
	cap_start bulk_https "$NS_C" eth0 -B 16384
	q nsc curl -sS --max-time 30 --cacert "$WORK/pki/ca.crt" -o /dev/null "https://$HOST/bulk.bin"
	cap_stop
}

# The bulk scenarios come last: a full run makes the other captures in the
# same order and state as before (the kernel's per-destination TCP metrics
# cache is only filled by a big transfer after them).
ALL_SCENARIOS=(demo curl_https curl_http wget_http openssl_tls12 openssl_tls13 gnutls
	python_https python_http dtls_frag dig ssh chromium firefox ipv6 tcp_tuned frag4 frag6
	sll sll2 null vlan qinq gre erspan geneve vxlan mpls raw
	spoof_curl spoof_wget spoof_python browsers_ua tls_keylog
	bulk_http bulk_https)

# ----------------------------------------------------------------- summary
# one line per pcap: name, link type, packets, TCP/UDP flows (5-tuples, innermost
# IP header), bytes
summary() {
	local f name lt pk fl sz
	printf '%-24s %-20s %7s %5s %8s\n' file linktype packets flows bytes
	for f in "$OUT"/*.pcap; do
		name=$(basename "$f")
		lt=$(capinfos -M -E "$f" | sed -n 's/^File encapsulation: *//p')
		pk=$(capinfos -M -c "$f" | sed -n 's/^Number of packets: *//p')
		sz=$(stat -c %s "$f")
		fl=$(tshark -n -r "$f" -T fields -E occurrence=l -E separator=/t \
			-e frame.protocols -e ip.src -e ip.dst -e ipv6.src -e ipv6.dst \
			-e tcp.srcport -e tcp.dstport -e udp.srcport -e udp.dstport 2>/dev/null | flow_count)
		printf '%-24s %-20s %7s %5s %8s\n' "$name" "$lt" "$pk" "$fl" "$sz"
	done
}

# TCP/UDP 5-tuples of the innermost IP header (ICMP, ARP... are not counted)
flow_count() {
	"$PY" -c '
import sys
flows = set()
for line in sys.stdin:
    protos, s4, d4, s6, d6, ts, td, us, ud = (line.rstrip("\n").split("\t") + [""] * 9)[:9]
    chain = protos.split(":")
    last_ip = max((i for i, p in enumerate(chain) if p in ("ip", "ipv6")), default=-1)
    l4 = [p for p in chain[last_ip + 1:] if p in ("tcp", "udp")]
    if last_ip < 0 or not l4:
        continue
    v4_last = chain[last_ip] == "ip"
    a, b = (s4, d4) if v4_last else (s6, d6)
    p, q = (ts, td) if l4[0] == "tcp" else (us, ud)
    flows.add((l4[0],) + tuple(sorted([(a, p), (b, q)])))
print(len(flows))
'
}

# --------------------------------------------------------------------- main
main() {
	if [ "${1:-}" = --list ]; then printf '%s\n' "${ALL_SCENARIOS[@]}"; return 0; fi
	if [ "${1:-}" = --summary ]; then summary; return 0; fi
	[ "$(id -u)" = 0 ] || die "must run as root"
	local b missing=()
	for b in ip tc ethtool tcpdump nginx openssl gnutls-serv gnutls-cli dnsmasq dig curl wget ping ss; do
		command -v "$b" >/dev/null || missing+=("$b")
	done
	[ -x "$PY" ] || missing+=("$PY")
	[ ${#missing[@]} = 0 ] || die "missing: ${missing[*]}
  apt-get install -y iproute2 ethtool tcpdump nginx-light openssl gnutls-bin dnsmasq-base bind9-dnsutils curl wget iputils-ping python3
  optional: openssh-server chromium firefox-esr libnss3-tools clang wireshark-common tshark"
	local scenarios=("$@")
	[ ${#scenarios[@]} -gt 0 ] || scenarios=("${ALL_SCENARIOS[@]}")
	for b in "${scenarios[@]}"; do
		declare -F "sc_$b" >/dev/null || die "unknown scenario '$b' (see --list)"
	done

	trap cleanup EXIT
	trap 'exit 130' INT TERM
	remove_stale
	mkdir -p "$OUT"
	WORK=$(mktemp -d /tmp/make_pcaps.XXXXXX)
	chmod 755 "$WORK"
	mkdir -p "$WORK/cap" "$WORK/log"

	local t0=$SECONDS
	setup_namespaces
	start_servers
	for b in "${scenarios[@]}"; do
		"sc_$b"
		sleep 0.3
	done

	log "done in $((SECONDS - t0)) s: ${#PRODUCED[@]} captures written to $OUT"
	log "produced: ${PRODUCED[*]}"
	local s
	for s in "${SKIPPED[@]}"; do log "skipped: $s"; done
}

main "$@"
