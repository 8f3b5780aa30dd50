#!/bin/bash
# The systemd units: made from their templates with this build's paths,
# `systemd-analyze verify` must accept them without a word, fpsensor's may
# hold no capability but CAP_NET_RAW and CAP_NET_ADMIN, fpsink's none.
# Skips without systemd-analyze.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
command -v systemd-analyze >/dev/null || skip "systemd-analyze not installed"
for u in fpsensor fpsink; do
	[ "$u" = fpsink ] && [ ! -x "$top_builddir/fpsink" ] && continue
	sed -e "s|@bindir@|$top_builddir|g" -e "s|@sysconfdir@|/etc|g" \
	    -e "s|@pkgdatadir@|/usr/share/fpsensor|g" \
	    "$top_srcdir/deploy/systemd/$u.service.in" >"$TMP/$u.service"
	if systemd-analyze verify --man=no "$TMP/$u.service" \
	    >"$TMP/$u.out" 2>&1 && [ ! -s "$TMP/$u.out" ]; then
		pass "$u.service: systemd-analyze verify"
	else
		fail "$u.service: $(head -3 "$TMP/$u.out")"
	fi
done
caps=$(sed -n 's/^\(AmbientCapabilities\|CapabilityBoundingSet\)=//p' \
    "$TMP/fpsensor.service" | tr ' ' '\n' | sort -u | tr '\n' ' ')
check "fpsensor.service: CAP_NET_ADMIN and CAP_NET_RAW only ($caps)" \
    test "$caps" = "CAP_NET_ADMIN CAP_NET_RAW "
if [ -f "$TMP/fpsink.service" ]; then
	check "fpsink.service: no capability" \
	    grep -qx 'CapabilityBoundingSet=' "$TMP/fpsink.service"
fi
finish
