#!/usr/bin/python3
"""to_null.py - rewrite an Ethernet pcap as a BSD null/loopback (DLT_NULL) pcap.

Linux cannot capture with link type NULL (it is what BSD/macOS "lo0"
captures use), so make_pcaps.sh captures real traffic on Ethernet and this
converts it.  Every IPv4/IPv6 frame (optionally behind 802.1Q/802.1ad tags)
keeps its IP packet unchanged; the 14-byte Ethernet header (plus tags) is
replaced by the 4-byte address-family word in *host* byte order, exactly
as the BSD loopback driver writes it.  The pcap file header is also written
in host order, so a reader can tell which order the family word uses.
Frames that are not IP (ARP, ...) are dropped.

  usage: to_null.py IN.pcap OUT.pcap [--inet6-af N]

AF_INET is 2 everywhere; AF_INET6 differs between BSDs: 24 (NetBSD,
OpenBSD, and the value libpcap calls "BSD"), 28 (FreeBSD/DragonFly),
30 (macOS, the default here).  Standard library only.
"""
import struct
import sys

ETH_P_IP, ETH_P_IPV6 = 0x0800, 0x86DD
VLAN_TPIDS = (0x8100, 0x88A8, 0x9100)
LINKTYPE_ETHERNET, LINKTYPE_NULL = 1, 0


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        raise SystemExit(f"{path}: too short for a pcap file")
    magic = data[:4]
    for endian in ("<", ">"):
        (m,) = struct.unpack(endian + "I", magic)
        if m in (0xA1B2C3D4, 0xA1B23C4D):
            break
    else:
        raise SystemExit(f"{path}: not a classic pcap file (pcapng is not supported)")
    _, vmaj, vmin, _, _, snaplen, linktype = struct.unpack(endian + "IHHiIII", data[:24])
    if linktype & 0xFFFF != LINKTYPE_ETHERNET:
        raise SystemExit(f"{path}: link type {linktype}, expected Ethernet (1)")
    off, packets = 24, []
    while off + 16 <= len(data):
        ts_s, ts_frac, caplen, origlen = struct.unpack(endian + "IIII", data[off:off + 16])
        off += 16
        packets.append((ts_s, ts_frac, origlen, data[off:off + caplen]))
        off += caplen
    return m, vmaj, vmin, snaplen, packets


def ip_payload(frame):
    """Return (family, ip_bytes_offset) or None for non-IP frames."""
    if len(frame) < 14:
        return None
    off = 12
    (etype,) = struct.unpack("!H", frame[off:off + 2])
    while etype in VLAN_TPIDS and len(frame) >= off + 6:
        off += 4
        (etype,) = struct.unpack("!H", frame[off:off + 2])
    off += 2
    if etype == ETH_P_IP:
        return "inet", off
    if etype == ETH_P_IPV6:
        return "inet6", off
    return None


def main(argv):
    args = [a for a in argv[1:]]
    inet6_af = 30
    if "--inet6-af" in args:
        i = args.index("--inet6-af")
        inet6_af = int(args[i + 1])
        del args[i:i + 2]
    if len(args) != 2:
        sys.stderr.write(__doc__)
        return 2
    src, dst = args
    magic, vmaj, vmin, snaplen, packets = read_pcap(src)
    families = {"inet": 2, "inet6": inet6_af}
    out = [struct.pack("=IHHiIII", magic, vmaj, vmin, 0, 0, snaplen, LINKTYPE_NULL)]
    kept = dropped = 0
    for ts_s, ts_frac, origlen, frame in packets:
        hit = ip_payload(frame)
        if hit is None:
            dropped += 1
            continue
        fam, off = hit
        body = struct.pack("=I", families[fam]) + frame[off:]
        out.append(struct.pack("=IIII", ts_s, ts_frac, len(body), origlen - off + 4))
        out.append(body)
        kept += 1
    with open(dst, "wb") as f:
        f.write(b"".join(out))
    print(f"to_null: {src} -> {dst}: {kept} packets kept, {dropped} non-IP dropped")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
