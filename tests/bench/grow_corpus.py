#!/usr/bin/python3
"""grow_corpus.py: replicate small captures into one large benchmark pcap.

usage: grow_corpus.py [--flows N | --size BYTES] [--seed S] --out FILE
                      [options] INPUT.pcap|INPUT.pcapng ...

Python 3 standard library only.

1. Reads every INPUT (classic pcap in either byte order with usec or nsec
   timestamps, or pcapng with any number of sections and interfaces).
   Link types: Ethernet (with 802.1Q/802.1ad tags), Linux SLL and SLL2,
   raw IP (101, 12, 14, 228, 229), BSD null/loop.  Keeps IPv4 and IPv6
   TCP and UDP packets that are complete (caplen covers the IP length);
   non-IP, other protocols, IP fragments, truncated or malformed packets
   and UDP tunnels (VXLAN 4789, VXLAN-GPE 4790, Geneve 6081: their copies
   would all carry the same inner flow) are dropped and counted.
2. Groups the kept packets into template flows by 5-tuple, per input file.
   A pure SYN after a FIN or RST (or after --idle-split seconds of
   silence) on the same tuple starts a new flow.  The client is the
   sender of the SYN, the receiver of the SYN+ACK, otherwise the side with
   the higher port, otherwise the first sender.
3. Writes flow instances: instance k replays template flow k mod n, the
   template order being reshuffled (seeded) on every pass, so the output
   keeps the mix of the inputs.  Each instance gets a fresh client:
   IPv4 198.18.0.0/16 or IPv6 2001:2:0:c::/64 (RFC 2544 and RFC 5180
   benchmark ranges) and an ephemeral port in 32768..65535 (so never a
   tunnel or service port a sensor would decode by port), from a seeded
   bijection of k: (client address, port) is unique for 2.1e9 instances
   and the output has exactly as many flows as instances.  Each template server
   address is mapped once to 198.19.0.0/16 or 2001:2:0:5::/64; server
   ports are kept.  TCP sequence and acknowledgement numbers (and SACK
   edges) get a random offset per direction (--no-seq-shift to keep).
   Ethernet header: client MAC 02:c1:xx:xx:xx:xx, gateway 02:00:00:00:00:01.
4. Instances start as a Poisson process (--rate new flows per second);
   each keeps its own packet order and spacing (times --time-scale,
   default 50, since the inputs are veth captures with RTTs of tens of
   microseconds; a flow then longer than --max-flow-seconds is compressed
   to it), and all instances are merged
   by time, so flows interleave but every flow is complete: its FIN or RST
   stays last.  Timestamps are non-decreasing.
5. IPv4 header and TCP/UDP checksums are valid in every output packet
   (computed once per template packet with the changing fields zeroed, then
   completed per packet with the new addresses, ports and numbers).

With --size, no instance is started once the instances started so far
fill BYTES, so the file ends a little above BYTES with no flow cut.
The summary (key=value, one line) goes to stdout; details to stderr.
"""

import argparse
import array
import heapq
import math
import os
import random
import struct
import sys
import time

PCAP_HDR = struct.Struct("<IHHiIII")
REC_HDR = struct.Struct("<IIII")
TS = struct.Struct("<II")
BE16 = struct.Struct(">H")
BE32 = struct.Struct(">I")
PORTS_SEQ_ACK = struct.Struct(">HHII")
PORTS = struct.Struct(">HH")

LINK_NULL, LINK_EN10MB, LINK_RAW, LINK_LOOP = 0, 1, 101, 108
LINK_SLL, LINK_SLL2, LINK_IPV4, LINK_IPV6 = 113, 276, 228, 229
LINK_RAW_BSD = (12, 14)

TCP_FIN, TCP_SYN, TCP_RST, TCP_ACK = 0x01, 0x02, 0x04, 0x10
PROTO_TCP, PROTO_UDP = 6, 17
UDP_TUNNEL_PORTS = (4789, 4790, 6081)

GATEWAY_MAC = bytes.fromhex("020000000001")
CLIENT_V4 = bytes([198, 18])
SERVER_V4 = bytes([198, 19])
CLIENT_V6 = bytes.fromhex("20010002" "0000000c" "00000000")
SERVER_V6 = bytes.fromhex("20010002" "00000005" "00000000")
N_ADDR = 65536                  # client addresses per family
PORT_BASE = 32768
N_PORT = 65536 - PORT_BASE      # client ports 32768..65535
N_CLIENT = N_ADDR * N_PORT      # unique (address, port) pairs
START_TIME_US = 1700000000 * 1000000
SNAPLEN = 262144
L3_AT = 16 + 14                 # IP header offset in a frame: record + Ethernet
LITTLE = sys.byteorder == "little"


class InputError(Exception):
    pass


def parse_size(text):
    """'200M', '2G', '1500000' -> bytes (binary multiples)."""
    mult = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
    t = text.strip().upper().rstrip("B").rstrip("I")
    if t and t[-1] in mult:
        return int(float(t[:-1]) * mult[t[-1]])
    return int(t)


# ---------------------------------------------------------------- reading

def read_classic(buf, name):
    """Yield (ts_us, linktype, data) from a classic pcap held in buf."""
    magic = buf[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        end = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        end = ">"
    else:
        raise InputError("%s: not a pcap file" % name)
    is_nsec = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    if len(buf) < 24:
        raise InputError("%s: short pcap header" % name)
    linktype = struct.unpack_from(end + "I", buf, 20)[0] & 0xffff
    rec = struct.Struct(end + "IIII")
    off, n = 24, len(buf)
    while n - off >= 16:
        sec, frac, caplen, _ = rec.unpack_from(buf, off)
        off += 16
        if n - off < caplen:
            break                       # truncated last record
        ts = sec * 1000000 + (frac // 1000 if is_nsec else frac)
        yield ts, linktype, buf[off:off + caplen]
        off += caplen


def read_pcapng(buf, name):
    """Yield (ts_us, linktype, data) from a pcapng file held in buf."""
    off, n = 0, len(buf)
    end = "<"
    ifaces = []                         # (linktype, ts units per second)
    while n - off >= 12:
        btype = struct.unpack_from(end + "I", buf, off)[0]
        if btype == 0x0a0d0d0a:         # section header: byte order may change
            bom = buf[off + 8:off + 12]
            if bom == b"\x4d\x3c\x2b\x1a":
                end = "<"
            elif bom == b"\x1a\x2b\x3c\x4d":
                end = ">"
            else:
                raise InputError("%s: bad pcapng byte-order magic" % name)
            ifaces = []
        blen = struct.unpack_from(end + "I", buf, off + 4)[0]
        if blen < 12 or blen % 4 or n - off < blen:
            break
        body = off + 8
        if btype == 1 and blen >= 20:                   # interface description
            linktype = struct.unpack_from(end + "H", buf, body)[0]
            ifaces.append((linktype, pcapng_tsresol(buf, body + 8,
                                                    off + blen - 4, end)))
        elif btype in (6, 2) and blen >= 32:            # enhanced / obsolete
            if btype == 6:
                iface, hi, lo, caplen = struct.unpack_from(end + "IIII",
                                                           buf, body)
            else:
                iface, _, hi, lo, caplen = struct.unpack_from(end + "HHIII",
                                                              buf, body)
            data = body + 20
            if iface < len(ifaces) and caplen <= off + blen - 4 - data:
                linktype, units = ifaces[iface]
                ts = ((hi << 32) | lo) * 1000000 // units
                yield ts, linktype, buf[data:data + caplen]
        elif btype == 3 and ifaces and blen >= 16:      # simple packet
            origlen = struct.unpack_from(end + "I", buf, body)[0]
            caplen = min(origlen, blen - 16)
            yield 0, ifaces[0][0], buf[body + 4:body + 4 + caplen]
        off += blen


def pcapng_tsresol(buf, p, stop, end):
    """Timestamp units per second from an IDB's options (default 1e6)."""
    while stop - p >= 4:
        code, olen = struct.unpack_from(end + "HH", buf, p)
        if code == 0:
            break
        if code == 9 and olen >= 1:
            v = buf[p + 4]
            return 2 ** (v & 0x7f) if v & 0x80 else 10 ** v
        p += 4 + (olen + 3) // 4 * 4
    return 1000000


def read_packets(path):
    with open(path, "rb") as f:
        buf = f.read()
    if buf[:4] == b"\x0a\x0d\x0d\x0a":
        return read_pcapng(buf, path)
    return read_classic(buf, path)


def l3_offset(linktype, d):
    """Offset of the IP header in frame d, or -1 when not IP."""
    if linktype == LINK_EN10MB:
        off = 12
        while len(d) >= off + 2:
            et = (d[off] << 8) | d[off + 1]
            if et in (0x8100, 0x88a8, 0x9100):
                off += 4
                continue
            return off + 2 if et in (0x0800, 0x86dd) else -1
        return -1
    if linktype == LINK_SLL:
        return 16 if len(d) >= 16 and d[14:16] in (b"\x08\x00",
                                                   b"\x86\xdd") else -1
    if linktype == LINK_SLL2:
        return 20 if len(d) >= 20 and d[0:2] in (b"\x08\x00",
                                                 b"\x86\xdd") else -1
    if linktype in (LINK_RAW, LINK_IPV4, LINK_IPV6) or \
            linktype in LINK_RAW_BSD:
        return 0
    if linktype in (LINK_NULL, LINK_LOOP):
        return 4
    return -1


class Parsed:
    """One kept packet: the IP datagram and where its fields are."""
    __slots__ = ("ts", "l3", "ver", "l4", "proto", "src", "dst", "sport",
                 "dport", "flags")


def parse_ip(d, off, counts):
    """IP datagram at d[off:] -> Parsed, or None (reason counted)."""
    if len(d) - off < 20:
        counts["not_ip"] += 1
        return None
    ver = d[off] >> 4
    if ver == 4:
        ihl = (d[off] & 15) * 4
        total = (d[off + 2] << 8) | d[off + 3]
        if ihl < 20 or total < ihl:
            counts["malformed"] += 1
            return None
        if ((d[off + 6] << 8) | d[off + 7]) & 0x3fff:
            counts["fragment"] += 1
            return None
        proto, l4 = d[off + 9], ihl
        src, dst = bytes(d[off + 12:off + 16]), bytes(d[off + 16:off + 20])
    elif ver == 6:
        if len(d) - off < 40:
            counts["truncated"] += 1
            return None
        total = 40 + ((d[off + 4] << 8) | d[off + 5])
        proto, l4 = d[off + 6], 40
        src, dst = bytes(d[off + 8:off + 24]), bytes(d[off + 24:off + 40])
        while proto in (0, 43, 60, 51, 44):
            if proto == 44:
                counts["fragment"] += 1
                return None
            if total - l4 < 8 or len(d) - off - l4 < 8:
                counts["malformed"] += 1
                return None
            nxt, hlen = d[off + l4], d[off + l4 + 1]
            l4 += (hlen + 2) * 4 if proto == 51 else (hlen + 1) * 8
            proto = nxt
    else:
        counts["not_ip"] += 1
        return None
    if len(d) - off < total:
        counts["truncated"] += 1
        return None
    if proto not in (PROTO_TCP, PROTO_UDP):
        counts["not_tcp_udp"] += 1
        return None
    hdr = 20 if proto == PROTO_TCP else 8
    if total - l4 < hdr or (proto == PROTO_TCP and
                            total - l4 < (d[off + l4 + 12] >> 4) * 4):
        counts["malformed"] += 1
        return None
    p = Parsed()
    p.l3 = bytearray(d[off:off + total])
    p.ver, p.l4, p.proto, p.src, p.dst = ver, l4, proto, src, dst
    p.sport = (p.l3[l4] << 8) | p.l3[l4 + 1]
    p.dport = (p.l3[l4 + 2] << 8) | p.l3[l4 + 3]
    p.flags = p.l3[l4 + 13] if proto == PROTO_TCP else 0
    if proto == PROTO_UDP and (p.sport in UDP_TUNNEL_PORTS or
                               p.dport in UDP_TUNNEL_PORTS):
        counts["udp_tunnel"] += 1
        return None
    return p


class TemplateFlow:
    __slots__ = ("proto", "ver", "pkts", "last_ts", "closed", "client",
                 "n_bytes")


def load_templates(paths, idle_split_us, counts):
    """All inputs -> list of template flows (lists of Parsed packets)."""
    flows = []
    for fileno, path in enumerate(paths):
        table = {}
        try:
            for ts, linktype, d in read_packets(path):
                counts["read"] += 1
                off = l3_offset(linktype, d)
                if off < 0:
                    counts["not_ip"] += 1
                    continue
                p = parse_ip(d, off, counts)
                if p is None:
                    continue
                p.ts = ts
                a, b = (p.src, p.sport), (p.dst, p.dport)
                key = (p.proto, min(a, b), max(a, b))
                f = table.get(key)
                is_pure_syn = p.flags & (TCP_SYN | TCP_ACK) == TCP_SYN
                if f is not None and (ts - f.last_ts > idle_split_us or
                                      (is_pure_syn and f.closed)):
                    f = None
                if f is None:
                    f = TemplateFlow()
                    f.proto, f.ver, f.pkts, f.closed = p.proto, p.ver, [], False
                    table[key] = f
                    flows.append(f)
                f.pkts.append(p)
                f.last_ts = ts
                if p.flags & (TCP_FIN | TCP_RST):
                    f.closed = True
                counts["kept"] += 1
        except (InputError, OSError) as e:
            print("grow_corpus: %s (skipped)" % e, file=sys.stderr)
            counts["files_skipped"] += 1
    for f in flows:
        f.client = pick_client(f.pkts)
    return flows


def pick_client(pkts):
    """(address, port) of the side that opened the flow."""
    for p in pkts:
        if p.flags & (TCP_SYN | TCP_ACK) == TCP_SYN:
            return (p.src, p.sport)
        if p.flags & (TCP_SYN | TCP_ACK) == TCP_SYN | TCP_ACK:
            return (p.dst, p.dport)
    p = pkts[0]
    if p.sport < p.dport:
        return (p.dst, p.dport)
    return (p.src, p.sport)


# --------------------------------------------------------------- checksums

def csum_sum(data):
    """Ones-complement 16-bit sum (big-endian words, folded) of data."""
    if len(data) & 1:
        data = bytes(data) + b"\0"
    s = sum(array.array("H", bytes(data)))
    s = (s & 0xffff) + (s >> 16)
    s = (s & 0xffff) + (s >> 16)
    s = (s & 0xffff) + (s >> 16)
    if LITTLE:
        s = ((s & 0xff) << 8) | (s >> 8)
    return s


def field_sum(value_bytes, is_odd):
    """Contribution of bytes placed at an even or odd offset to a sum."""
    if is_odd:
        value_bytes = b"\0" + value_bytes
    if len(value_bytes) & 1:
        value_bytes += b"\0"
    return sum(BE16.unpack_from(value_bytes, i)[0]
               for i in range(0, len(value_bytes), 2))


def sack_edges(l3, l4):
    """Offsets (in l3) of the SACK block edges of a TCP segment."""
    edges = []
    p, end = l4 + 20, l4 + (l3[l4 + 12] >> 4) * 4
    while p < end:
        kind = l3[p]
        if kind == 0:
            break
        if kind == 1:
            p += 1
            continue
        if end - p < 2 or l3[p + 1] < 2 or end - p < l3[p + 1]:
            break
        olen = l3[p + 1]
        if kind == 5:
            edges.extend(range(p + 2, p + 2 + (olen - 2) // 8 * 8, 4))
        p += olen
    return edges


# --------------------------------------------------------------- templates

class TemplatePacket:
    """What emitting one packet needs, precomputed once.

    frame: record header + Ethernet + IP, caplen/len filled in; the fields
    that change per instance are zero in ip_base and l4_base."""
    __slots__ = ("dt", "dir", "frame", "caddr", "alen", "ipc", "ip_base",
                 "l4", "l4c", "l4_base", "sport", "dport", "seq", "ack",
                 "has_ack", "sack", "is_tcp")


def build_template(flow, servers, scale, max_us):
    """Template flow -> (list of TemplatePacket, bytes per instance)."""
    caddr, cport = flow.client
    t0 = flow.pkts[0].ts
    span = (flow.pkts[-1].ts - t0) * scale
    if span > max_us:
        scale *= max_us / span
    out, total = [], 0
    prev_dt = 0
    for p in flow.pkts:
        t = TemplatePacket()
        t.dt = max(prev_dt, int((p.ts - t0) * scale))   # keep order
        prev_dt = t.dt
        t.dir = 0 if (p.src, p.sport) == (caddr, cport) else 1
        l3 = p.l3
        alen = 4 if p.ver == 4 else 16
        a_src, a_dst = (12, 16) if p.ver == 4 else (8, 24)
        c_off, s_off = (a_src, a_dst) if t.dir == 0 else (a_dst, a_src)
        sa = p.dst if t.dir == 0 else p.src
        l3[s_off:s_off + alen] = servers.setdefault(
            (p.ver, sa), server_addr(p.ver, len(servers)))
        l3[c_off:c_off + alen] = bytes(alen)
        t.caddr, t.alen = L3_AT + c_off, alen
        if p.ver == 4:
            l3[10:12] = b"\0\0"
            t.ipc = L3_AT + 10
            t.ip_base = csum_sum(l3[:p.l4])
        else:
            t.ipc = -1
            t.ip_base = 0
        l4 = p.l4
        t.is_tcp = p.proto == PROTO_TCP
        t.l4 = L3_AT + l4
        t.l4c = L3_AT + l4 + (16 if t.is_tcp else 6)
        l3[t.l4c - L3_AT:t.l4c - L3_AT + 2] = b"\0\0"
        t.sport, t.dport = p.sport, p.dport
        c_port_off = l4 if t.dir == 0 else l4 + 2
        l3[c_port_off:c_port_off + 2] = b"\0\0"
        t.sack = []
        if t.is_tcp:
            t.seq, t.ack = BE32.unpack_from(l3, l4 + 4)[0], \
                BE32.unpack_from(l3, l4 + 8)[0]
            t.has_ack = bool(p.flags & TCP_ACK)
            l3[l4 + 4:l4 + 8] = bytes(4)
            if t.has_ack:
                l3[l4 + 8:l4 + 12] = bytes(4)
            for e in sack_edges(l3, l4):
                t.sack.append((L3_AT + e, BE32.unpack_from(l3, e)[0],
                               (e - l4) & 1))
                l3[e:e + 4] = bytes(4)
        seglen = len(l3) - l4
        pseudo = l3[a_src:a_src + alen] + l3[a_dst:a_dst + alen]
        if p.ver == 4:
            pseudo += struct.pack(">BBH", 0, p.proto, seglen)
        else:
            pseudo += struct.pack(">IxxxB", seglen, p.proto)
        t.l4_base = csum_sum(pseudo) + csum_sum(l3[l4:])
        caplen = 14 + len(l3)
        ethertype = b"\x08\x00" if p.ver == 4 else b"\x86\xdd"
        t.frame = bytearray(REC_HDR.pack(0, 0, caplen, caplen) +
                            bytes(12) + ethertype + l3)
        total += 16 + caplen
        out.append(t)
    return out, total


def server_addr(ver, i):
    i += 1
    if ver == 4:
        return SERVER_V4 + bytes([(i >> 8) & 0xff, i & 0xff])
    return SERVER_V6 + struct.pack(">I", i)


# ---------------------------------------------------------------- emitting

class Instance:
    __slots__ = ("tpl", "start", "i", "macs", "caddr", "csum_ip",
                 "csum_l4", "cport", "off")


def new_instance(k, tmpl, start, a, b, rng, seq_shift):
    x = (a * k + b) % N_CLIENT
    idx, port = x % N_ADDR, PORT_BASE + x // N_ADDR
    inst = Instance()
    inst.tpl, inst.start, inst.i = tmpl, start, 0
    cmac = b"\x02\xc1" + BE32.pack(x)
    inst.macs = (GATEWAY_MAC + cmac, cmac + GATEWAY_MAC)
    ver4 = tmpl[0].alen == 4
    hi, lo = idx >> 8, idx & 0xff
    if ver4:
        inst.caddr = CLIENT_V4 + bytes([hi, lo])
        inst.csum_ip = 198 * 256 + 18 + idx
    else:
        inst.caddr = CLIENT_V6 + BE32.pack(idx)
        inst.csum_ip = 0x2001 + 0x0002 + 0x000c + idx
    inst.cport = port
    inst.csum_l4 = inst.csum_ip + port
    if seq_shift:
        inst.off = (rng.getrandbits(32), rng.getrandbits(32))
    else:
        inst.off = (0, 0)
    return inst


def emit(inst, t, ts, out_write):
    """Write template packet t of inst at time ts (microseconds)."""
    b = t.frame[:]
    TS.pack_into(b, 0, ts // 1000000, ts % 1000000)
    b[16:28] = inst.macs[t.dir]
    b[t.caddr:t.caddr + t.alen] = inst.caddr
    if t.ipc >= 0:
        s = t.ip_base + inst.csum_ip
        s = (s & 0xffff) + (s >> 16)
        s = (s & 0xffff) + (s >> 16)
        BE16.pack_into(b, t.ipc, ~s & 0xffff)
    if t.dir == 0:
        sp, dp = inst.cport, t.dport
    else:
        sp, dp = t.sport, inst.cport
    s = t.l4_base + inst.csum_l4
    if t.is_tcp:
        off = inst.off
        seq = (t.seq + off[t.dir]) & 0xffffffff
        ack = t.ack
        if t.has_ack:
            ack = (ack + off[t.dir ^ 1]) & 0xffffffff
            s += (ack >> 16) + (ack & 0xffff)
        PORTS_SEQ_ACK.pack_into(b, t.l4, sp, dp, seq, ack)
        s += (seq >> 16) + (seq & 0xffff)
        for pos, v, is_odd in t.sack:
            v = (v + off[t.dir ^ 1]) & 0xffffffff
            vb = BE32.pack(v)
            b[pos:pos + 4] = vb
            s += field_sum(vb, is_odd) if is_odd else (v >> 16) + (v & 0xffff)
        s = (s & 0xffff) + (s >> 16)
        s = (s & 0xffff) + (s >> 16)
        BE16.pack_into(b, t.l4c, ~s & 0xffff)
    else:
        PORTS.pack_into(b, t.l4, sp, dp)
        s = (s & 0xffff) + (s >> 16)
        s = (s & 0xffff) + (s >> 16)
        BE16.pack_into(b, t.l4c, (~s & 0xffff) or 0xffff)
    out_write(b)


def client_permutation(rng):
    """a, b of the bijection k -> (a*k + b) mod N_CLIENT."""
    while True:
        a = rng.randrange(N_CLIENT // 3, N_CLIENT)
        if math.gcd(a, N_CLIENT) == 1:
            return a, rng.randrange(N_CLIENT)


def generate(templates, args, out):
    """Write the merged instances to the open file out; return stats."""
    rng_order = random.Random("order:%d" % args.seed)
    rng_time = random.Random("time:%d" % args.seed)
    rng_seq = random.Random("seq:%d" % args.seed)
    a, b = client_permutation(random.Random("addr:%d" % args.seed))
    out.write(PCAP_HDR.pack(0xa1b2c3d4, 2, 4, 0, 0, SNAPLEN, LINK_EN10MB))
    write = out.write
    order = []
    heap = []                           # (next packet time, k, instance)
    k = 0
    next_start = START_TIME_US
    started_bytes = 24
    n_pkts = n_bytes = max_live = 0
    last_ts = START_TIME_US
    mean_gap_us = 1e6 / args.rate
    while True:
        more = (k < args.flows) if args.size is None else \
            (started_bytes < args.size)
        if more and (not heap or heap[0][0] >= next_start):
            if not order:
                order = list(range(len(templates)))
                rng_order.shuffle(order)
                order.reverse()
            tmpl, nbytes = templates[order.pop()]
            inst = new_instance(k, tmpl, next_start, a, b, rng_seq,
                                args.seq_shift)
            heapq.heappush(heap, (next_start + tmpl[0].dt, k, inst))
            started_bytes += nbytes
            k += 1
            next_start += max(1, int(rng_time.expovariate(1.0) * mean_gap_us))
            if len(heap) > max_live:
                max_live = len(heap)
            continue
        if not heap:
            break
        ts, kk, inst = heap[0]
        t = inst.tpl[inst.i]
        emit(inst, t, ts, write)
        n_pkts += 1
        n_bytes += len(t.frame)
        last_ts = ts
        inst.i += 1
        if inst.i < len(inst.tpl):
            heapq.heapreplace(heap, (inst.start + inst.tpl[inst.i].dt, kk,
                                     inst))
        else:
            heapq.heappop(heap)
    return {"flows": k, "packets": n_pkts, "bytes": n_bytes + 24,
            "capture_seconds": round((last_ts - START_TIME_US) / 1e6, 3),
            "max_live_flows": max_live}


def main(argv):
    ap = argparse.ArgumentParser(
        description="Grow small captures into a large benchmark pcap by "
        "replicating their flows with fresh client addresses and ports.")
    ap.add_argument("inputs", nargs="+", metavar="INPUT",
                    help="classic pcap or pcapng capture")
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--flows", type=int, help="flows to write "
                   "(default 100000)")
    g.add_argument("--size", type=parse_size, help="stop starting flows "
                   "at about this many bytes (K, M, G suffixes)")
    ap.add_argument("--seed", type=int, default=1,
                    help="same seed and inputs, same file (default 1)")
    ap.add_argument("--out", required=True, help="output classic pcap")
    ap.add_argument("--rate", type=float, default=2000.0,
                    help="new flows per second of capture time "
                    "(default 2000)")
    ap.add_argument("--time-scale", type=float, default=50.0,
                    help="multiply intra-flow packet spacing (default 50: "
                    "veth and loopback captures have RTTs of tens of "
                    "microseconds, x50 gives millisecond flows)")
    ap.add_argument("--max-flow-seconds", type=float, default=10.0,
                    help="compress longer flows to this duration "
                    "(default 10)")
    ap.add_argument("--idle-split", type=float, default=60.0,
                    help="seconds of silence that split a 5-tuple into "
                    "two template flows (default 60)")
    ap.add_argument("--no-seq-shift", dest="seq_shift",
                    action="store_false",
                    help="keep the template's TCP sequence numbers")
    args = ap.parse_args(argv)
    if args.size is None and args.flows is None:
        args.flows = 100000
    if (args.flows is not None and args.flows < 0) or args.rate <= 0:
        ap.error("--flows and --rate must be positive")

    t_start = time.monotonic()
    counts = dict.fromkeys(("read", "kept", "not_ip", "not_tcp_udp",
                            "fragment", "truncated", "malformed",
                            "udp_tunnel", "files_skipped"), 0)
    flows = load_templates(args.inputs, int(args.idle_split * 1e6), counts)
    if not flows:
        print("grow_corpus: no TCP or UDP flow in the inputs",
              file=sys.stderr)
        return 1
    servers = {}
    templates = [build_template(f, servers, args.time_scale,
                                args.max_flow_seconds * 1e6) for f in flows]
    tmp = args.out + ".tmp"
    with open(tmp, "wb", buffering=1 << 22) as out:
        st = generate(templates, args, out)
    os.replace(tmp, args.out)

    n_tcp = sum(1 for f in flows if f.proto == PROTO_TCP)
    n_v6 = sum(1 for f in flows if f.ver == 6)
    print("grow_corpus: %d inputs, %d packets read, %d kept; dropped: %s" %
          (len(args.inputs), counts["read"], counts["kept"],
           ", ".join("%s %d" % (k, v) for k, v in counts.items()
                     if k not in ("read", "kept") and v)), file=sys.stderr)
    print("grow_corpus: %d template flows (%d tcp, %d udp, %d ipv6), "
          "%d servers" % (len(flows), n_tcp, len(flows) - n_tcp, n_v6,
                          len(servers)), file=sys.stderr)
    st["template_flows"] = len(flows)
    st["seed"] = args.seed
    st["elapsed_seconds"] = round(time.monotonic() - t_start, 1)
    print(" ".join("%s=%s" % kv for kv in st.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
