#!/usr/bin/python3
"""Make damaged or altered variants of a real classic pcap for the bad-input
tests.  Usage: pcaptool.py OP IN OUT [ARG].

  cut-mid      cut the file in the middle of the record at index ARG
  caplen-big   set record ARG's caplen larger than the snaplen (and len)
  zero-len     insert a record with caplen 0 and len 0 after record ARG
  linktype     rewrite the link type to ARG
  garbage      write ARG bytes of deterministic noise (IN ignored)
  count        print the number of records in IN (OUT ignored)
  ng-unknown   write IN as pcapng with an unknown block before each packet
  ng-damaged   write IN as pcapng whose block ARG has a lying length
  swap-next    swap the packets of records ARG and ARG+1 (times kept)
  repeat       the records of IN (a comma-separated list of pcaps of one
               link type, in turn) ARG times, each pass one second after
               the last ended
"""
import random
import struct
import sys


def read_pcap(path):
    data = open(path, "rb").read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        sys.exit("%s: not a classic pcap" % path)
    hdr = data[:24]
    recs = []
    off = 24
    while off + 16 <= len(data):
        ts_s, ts_u, caplen, wlen = struct.unpack(e + "IIII", data[off:off + 16])
        recs.append((off, ts_s, ts_u, caplen, wlen,
                     data[off + 16:off + 16 + caplen]))
        off += 16 + caplen
    return e, hdr, recs, data


def rec_bytes(e, ts_s, ts_u, caplen, wlen, body):
    return struct.pack(e + "IIII", ts_s, ts_u, caplen, wlen) + body


def write_ng(e, hdr, recs, out, unknown=False, damage=None):
    linktype = struct.unpack(e + "I", hdr[20:24])[0] & 0xffff
    blocks = []

    def block(btype, body):
        body += b"\0" * (-len(body) % 4)
        n = 12 + len(body)
        return struct.pack("<II", btype, n) + body + struct.pack("<I", n)

    blocks.append(block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)))
    blocks.append(block(1, struct.pack("<HHI", linktype, 0, 262144)))
    for (_, ts_s, ts_u, caplen, wlen, body) in recs:
        if unknown:
            blocks.append(block(0x00000BAD, b"vendor data"))
        ts = ts_s * 1000000 + ts_u
        blocks.append(block(6, struct.pack("<IIIII", 0, ts >> 32,
                                           ts & 0xffffffff, caplen, wlen)
                            + body))
    if damage is not None:
        b = bytearray(blocks[damage])
        b[4:8] = struct.pack("<I", 0x7ffffff0)
        blocks[damage] = bytes(b)
    open(out, "wb").write(b"".join(blocks))


def repeat(srcs, out, n):
    files = [read_pcap(p) for p in srcs]
    e, hdr = files[0][0], files[0][1]
    parts, start = [hdr], None
    for _ in range(n):
        for fe, _, recs, _ in files:
            if fe != e:
                sys.exit("repeat: mixed byte orders")
            if not recs:
                continue
            first = min(r[1] for r in recs)
            shift = 0 if start is None else start - first
            for _, s, u, c, w, b in recs:
                parts.append(rec_bytes(e, s + shift, u, c, w, b))
            start = max(r[1] for r in recs) + shift + 1
    open(out, "wb").write(b"".join(parts))


def main():
    op, src, out = sys.argv[1], sys.argv[2], sys.argv[3]
    arg = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    if op == "garbage":
        rnd = random.Random(7)
        open(out, "wb").write(bytes(rnd.randrange(256) for _ in range(arg)))
        return
    if op == "repeat":
        repeat(src.split(","), out, arg)
        return
    e, hdr, recs, data = read_pcap(src)
    if op == "count":
        print(len(recs))
    elif op == "cut-mid":
        off, caplen = recs[arg][0], recs[arg][3]
        open(out, "wb").write(data[:off + 16 + caplen // 2])
    elif op == "caplen-big":
        snap = struct.unpack(e + "I", hdr[16:20])[0]
        parts = [hdr]
        for i, (_, s, u, c, w, b) in enumerate(recs):
            if i == arg:
                big = snap + 100
                parts.append(rec_bytes(e, s, u, big, big, b + b"\0" * (big - c)))
            else:
                parts.append(rec_bytes(e, s, u, c, w, b))
        open(out, "wb").write(b"".join(parts))
    elif op == "jumbo":
        # After record ARG, copies of it padded to libpcap's largest
        # snaplen and to a size between, with the header's snaplen raised.
        h = bytearray(hdr)
        h[16:20] = struct.pack(e + "I", 262144)
        parts = [bytes(h)]
        for i, (_, s, u, c, w, b) in enumerate(recs):
            parts.append(rec_bytes(e, s, u, c, w, b))
            if i == arg:
                for big in (262144, 100003):
                    parts.append(rec_bytes(e, s, u, big, big,
                                           b + b"\0" * (big - c)))
        open(out, "wb").write(b"".join(parts))
    elif op == "zero-len":
        parts = [hdr]
        for i, (_, s, u, c, w, b) in enumerate(recs):
            parts.append(rec_bytes(e, s, u, c, w, b))
            if i == arg:
                parts.append(rec_bytes(e, s, u, 0, 0, b""))
        open(out, "wb").write(b"".join(parts))
    elif op == "linktype":
        h = bytearray(hdr)
        h[20:24] = struct.pack(e + "I", arg)
        open(out, "wb").write(bytes(h) + data[24:])
    elif op == "swap-next":
        bodies = [r[3:] for r in recs]
        bodies[arg], bodies[arg + 1] = bodies[arg + 1], bodies[arg]
        parts = [hdr]
        for r, (c, w, b) in zip(recs, bodies):
            parts.append(rec_bytes(e, r[1], r[2], c, w, b))
        open(out, "wb").write(b"".join(parts))
    elif op == "ng-unknown":
        write_ng(e, hdr, recs, out, unknown=True)
    elif op == "ng-damaged":
        write_ng(e, hdr, recs, out, damage=arg)
    else:
        sys.exit("unknown op " + op)


if __name__ == "__main__":
    main()
