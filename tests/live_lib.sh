# tests/live_lib.sh: two network namespaces joined by a veth pair, for the
# live capture tests.  Sourced after tests/lib.sh.
#
# netns_up makes them (unique names from the test's pid) and arranges for
# their removal on exit, on failure too.  Traffic is only ever replayed
# from $NS_TX into the veth whose other end, $VETH_CAP, is in $NS_CAP.  The
# replayed captures are rewritten (netns_rewrite) so that every address is
# in 198.18.0.0/15 or fd00:f9::/32 and every frame goes from $VETH_TX's
# MAC to $VETH_CAP's; both ranges are local to $NS_CAP (a local route on
# its loopback), which has no other interface: nothing leaves the pair.

# netns_need: skip (exit 77) unless root, ip netns and tcpreplay are here.
netns_need() {
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
	command -v ip >/dev/null 2>&1 || skip "no ip command (iproute2)"
	ip netns list >/dev/null 2>&1 || skip "ip netns not available"
	for t in tcpreplay tcprewrite; do
		command -v $t >/dev/null 2>&1 ||
		    skip "no $t (Debian package tcpreplay)"
	done
}

netns_down() {
	[ -n "${NS_TX:-}" ] && ip netns del "$NS_TX" 2>/dev/null
	[ -n "${NS_CAP:-}" ] && ip netns del "$NS_CAP" 2>/dev/null
	NS_TX=
	NS_CAP=
}

# mac_of NS DEV: the MAC address of DEV in namespace NS.
mac_of() {
	ip -n "$1" -o link show dev "$2" |
	    sed -n 's/.*link\/ether \([0-9a-f:]*\) .*/\1/p'
}

netns_up() {
	local id=$$
	NS_TX=fpsensor-live-$id-tx
	NS_CAP=fpsensor-live-$id-cap
	VETH_TX=fplt$id
	VETH_CAP=fplc$id
	trap 'netns_down; rm -rf "$TMP"' EXIT
	trap 'exit 130' INT TERM
	ip netns add "$NS_TX" && ip netns add "$NS_CAP" ||
	    skip "cannot create network namespaces"
	ip link add "$VETH_TX" type veth peer name "$VETH_CAP" ||
	    skip "cannot create a veth pair"
	ip link set "$VETH_TX" netns "$NS_TX" &&
	ip link set "$VETH_CAP" netns "$NS_CAP" || return 1
	for x in "$NS_TX $VETH_TX" "$NS_CAP $VETH_CAP"; do
		set -- $x
		# No IPv6 of their own on the veths: no ND or MLD chatter.
		ip netns exec "$1" sysctl -qw \
		    "net.ipv6.conf.$2.disable_ipv6=1" 2>/dev/null
		ip -n "$1" link set lo up &&
		ip -n "$1" link set "$2" up || return 1
	done
	ip -n "$NS_CAP" route add local 198.18.0.0/15 dev lo &&
	ip -n "$NS_CAP" -6 route add local fd00:f9::/32 dev lo || return 1
	MAC_TX=$(mac_of "$NS_TX" "$VETH_TX")
	MAC_CAP=$(mac_of "$NS_CAP" "$VETH_CAP")
	[ -n "$MAC_TX" ] && [ -n "$MAC_CAP" ]
}

# netns_rewrite IN OUT: IN with the addresses and MACs of the pair.
netns_rewrite() {
	tcprewrite -i "$1" -o "$2" --fixcsum \
	    --pnat='0.0.0.0/0:198.18.0.0/15,[::/0]:[fd00:f9::/32]' \
	    --enet-smac="$MAC_TX" --enet-dmac="$MAC_CAP"
}

# live_start OUT ERR ARGS...: fpsensor -i $VETH_CAP in $NS_CAP in the
# background ($LIVE_PID), back once it is capturing.
live_start() {
	local out=$1 err=$2 i=0
	shift 2
	ip netns exec "$NS_CAP" "$FPSENSOR" -i "$VETH_CAP" -v -o "$out" \
	    "$@" 2>"$err" &
	LIVE_PID=$!
	while ! grep -q 'capturing on' "$err" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 100 ] || ! kill -0 "$LIVE_PID" 2>/dev/null; then
			return 1
		fi
		sleep 0.05
	done
}

# live_stop: SIGTERM to $LIVE_PID; returns its exit status.
live_stop() {
	kill -TERM "$LIVE_PID" 2>/dev/null
	wait "$LIVE_PID"
}

# replay ARGS... FILES: tcpreplay from $NS_TX; its report on stdout.
replay() {
	ip netns exec "$NS_TX" tcpreplay -i "$VETH_TX" "$@" 2>&1
}

# wait_until SECONDS CMD...: run CMD every 0.1 s until it succeeds; fails
# when it has not after SECONDS.
wait_until() {
	local n=$(($1 * 10))
	shift
	while ! "$@" 2>/dev/null; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || return 1
		sleep 0.1
	done
}

