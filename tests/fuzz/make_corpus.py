#!/usr/bin/python3
"""Seed the decode and tcp_opts fuzz corpora from the project's captures.

decode/: the first three frames of each capture in pcaps/, prefixed by the
index of its link type in fuzz_decode.c's table.  tcp_opts/: the option
bytes of each distinct SYN and SYN+ACK.  Usage: make_corpus.py [PCAPS] [OUT]"""
import hashlib
import os
import struct
import sys

FUZZ_DLT = {1: 0, 113: 1, 276: 2, 101: 3, 228: 4, 229: 5, 0: 6, 108: 7}


def frames(path):
    data = open(path, "rb").read()
    if data[:4] not in (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4"):
        return None, []
    e = "<" if data[:4] == b"\xd4\xc3\xb2\xa1" else ">"
    lt = struct.unpack(e + "I", data[20:24])[0] & 0xffff
    out, off = [], 24
    while off + 16 <= len(data):
        caplen = struct.unpack(e + "I", data[off + 8:off + 12])[0]
        out.append(data[off + 16:off + 16 + caplen])
        off += 16 + caplen
    return lt, out


def syn_options(lt, frame):
    """Options of an Ethernet/IPv4 or IPv6 TCP SYN, else None."""
    if lt != 1 or len(frame) < 14:
        return None
    et = struct.unpack(">H", frame[12:14])[0]
    ip = frame[14:]
    if et == 0x0800 and len(ip) >= 20 and ip[9] == 6:
        tcp = ip[(ip[0] & 15) * 4:]
    elif et == 0x86dd and len(ip) >= 40 and ip[6] == 6:
        tcp = ip[40:]
    else:
        return None
    if len(tcp) < 20 or not tcp[13] & 0x02:
        return None
    return tcp[20:(tcp[12] >> 4) * 4]


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else "pcaps"
    out = sys.argv[2] if len(sys.argv) > 2 else "tests/fuzz/corpus"
    for sub in ("decode", "tcp_opts"):
        os.makedirs(os.path.join(out, sub), exist_ok=True)
    for name in sorted(os.listdir(src)):
        if not name.endswith(".pcap"):
            continue
        lt, fr = frames(os.path.join(src, name))
        if lt not in FUZZ_DLT:
            continue
        for i, f in enumerate(fr[:3]):
            open(os.path.join(out, "decode", "%s-%d" % (name[:-5], i + 1)),
                 "wb").write(bytes([FUZZ_DLT[lt]]) + f)
        for f in fr:
            opts = syn_options(lt, f)
            if opts:
                h = hashlib.sha1(opts).hexdigest()[:12]
                open(os.path.join(out, "tcp_opts", "syn-" + h), "wb").write(opts)


if __name__ == "__main__":
    main()
