#!/usr/bin/python3
"""tunfwd.py - join two network namespaces with a pair of TUN devices.

  usage: tunfwd.py NETNS_A NETNS_B [IFNAME] [SECONDS]

Creates a layer-3 TUN device IFNAME (default tun0) in each of the two named
namespaces (/run/netns/NAME) and copies every IP packet read from one to
the other, like a minimal point-to-point tunnel.  make_pcaps.sh uses it
for raw.pcap: a TUN device has no link-layer header, so tcpdump on it
writes link type RAW (bare IPv4/IPv6 packets).  (The ipip/gre drivers,
which also give RAW, are not in the kernel the fixtures were made on.)

The devices exist while this process runs; it exits on SIGTERM/SIGINT or
after SECONDS (default 120), and the kernel then removes both devices.
Standard library only; needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN).
"""
import ctypes
import fcntl
import os
import select
import signal
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TUN, IFF_NO_PI = 0x0001, 0x1000
CLONE_NEWNET = 0x40000000


def enter_netns(name):
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(f"/run/netns/{name}", os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"setns({name}): {os.strerror(err)}")
    finally:
        os.close(fd)


def open_tun(ifname):
    fd = os.open("/dev/net/tun", os.O_RDWR)
    ifr = struct.pack("16sH22x", ifname.encode(), IFF_TUN | IFF_NO_PI)
    fcntl.ioctl(fd, TUNSETIFF, ifr)
    return fd


def main(argv):
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    ns_a, ns_b = argv[1], argv[2]
    ifname = argv[3] if len(argv) > 3 else "tun0"
    lifetime = float(argv[4]) if len(argv) > 4 else 120.0

    enter_netns(ns_a)
    fd_a = open_tun(ifname)  # the device lives in the netns current at creation
    enter_netns(ns_b)
    fd_b = open_tun(ifname)
    peer = {fd_a: fd_b, fd_b: fd_a}

    stop = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.append(1))
    print(f"tunfwd: {ifname} up in {ns_a} and {ns_b}", flush=True)
    deadline = time.monotonic() + lifetime
    while not stop and time.monotonic() < deadline:
        try:
            ready, _, _ = select.select([fd_a, fd_b], [], [], 0.5)
        except InterruptedError:
            continue
        for fd in ready:
            try:
                pkt = os.read(fd, 65535)
                os.write(peer[fd], pkt)
            except OSError:
                pass  # e.g. the other side is not up yet: drop, like a wire
    os.close(fd_a)
    os.close(fd_b)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
