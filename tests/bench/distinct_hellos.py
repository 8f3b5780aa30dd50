#!/usr/bin/python3
"""distinct_hellos.py: a capture of many TLS flows whose ClientHellos all
differ, for measuring model scoring (every flow a verdict cache miss).

usage: distinct_hellos.py IN.pcap OUT.pcap N [SEED]

IN is a classic little-endian Ethernet pcap of one TLS connection (e.g.
pcaps/curl_https.pcap).  Its first four packets (SYN, SYN+ACK, ACK,
ClientHello) are written N times, instance k on client port 1024 + k,
two seconds after instance k - 1 (so an idle timeout of 1 s ends each
flow while the next are read), with the ClientHello's cipher suites
replaced by a seeded draw from a
list of real suites (same count, so no length changes): a new ja4_r per
flow, as many distinct hellos as flows.  Python standard library only."""
import random
import struct
import sys

SUITES = [0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9,
          0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035, 0xc009,
          0xc00a, 0x000a, 0x0033, 0x0039, 0x009e, 0x009f, 0xc023, 0xc024,
          0xc027, 0xc028, 0x003c, 0x003d, 0x0067, 0x006b, 0xccaa, 0xc0ad,
          0xc0ac, 0xc0af, 0xc0ae, 0x00ff]


def packets(path):
    with open(path, "rb") as f:
        hdr = f.read(24)
        if struct.unpack("<I", hdr[:4])[0] != 0xa1b2c3d4:
            sys.exit("distinct_hellos: %s: not a little-endian usec pcap"
                     % path)
        out = []
        while len(out) < 4:
            rec = f.read(16)
            if len(rec) < 16:
                sys.exit("distinct_hellos: %s: fewer than 4 packets" % path)
            n = struct.unpack("<I", rec[8:12])[0]
            out.append((rec, bytearray(f.read(n))))
        return hdr, out


def tcp_at(pkt):
    """Offset of the TCP header in an Ethernet + IPv4 frame."""
    return 14 + (pkt[14] & 0x0f) * 4


def suites_at(pkt):
    """Offset and count of the cipher suites of the ClientHello in pkt."""
    t = tcp_at(pkt)
    p = t + (pkt[t + 12] >> 4) * 4
    if pkt[p] != 0x16 or pkt[p + 5] != 0x01:
        sys.exit("distinct_hellos: packet 4 is not a ClientHello")
    p += 5 + 4 + 2 + 32
    p += 1 + pkt[p]
    n = struct.unpack(">H", pkt[p:p + 2])[0] // 2
    return p + 2, n


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    hdr, pk = packets(sys.argv[1])
    n = int(sys.argv[3])
    rng = random.Random(int(sys.argv[4]) if len(sys.argv) == 5 else 1)
    cport = struct.unpack(">H", pk[0][1][tcp_at(pk[0][1]):][:2])[0]
    at, count = suites_at(pk[3][1])
    with open(sys.argv[2], "wb") as o:
        o.write(hdr)
        for k in range(n):
            port = 1024 + k
            suites = rng.sample(SUITES, min(count, len(SUITES)))
            suites += [SUITES[0]] * (count - len(suites))
            for i, (rec, data) in enumerate(pk):
                d = bytearray(data)
                t = tcp_at(d)
                for off in (t, t + 2):
                    if struct.unpack(">H", d[off:off + 2])[0] == cport:
                        d[off:off + 2] = struct.pack(">H", port)
                if i == 3:
                    for j, s in enumerate(suites):
                        d[at + 2 * j:at + 2 * j + 2] = struct.pack(">H", s)
                ts = 1700000000 + 2 * k
                us = i
                o.write(struct.pack("<IIII", ts, us, len(d), len(d)) + d)


if __name__ == "__main__":
    main()
