#!/usr/bin/python3
"""Seed tests/fuzz/corpus/pipeline/ from the project's Ethernet captures:
each seed is a capture's first 40 frames as 2-byte length + bytes, the
input format of fuzz_pipeline.c.  Usage: make_pipeline_corpus.py [PCAPS] [OUT]"""
import os
import struct
import sys


def frames(path):
    data = open(path, "rb").read()
    if data[:4] != b"\xd4\xc3\xb2\xa1":
        return []
    if struct.unpack("<I", data[20:24])[0] != 1:
        return []
    out, off = [], 24
    while off + 16 <= len(data) and len(out) < 40:
        caplen = struct.unpack("<I", data[off + 8:off + 12])[0]
        out.append(data[off + 16:off + 16 + caplen])
        off += 16 + caplen
    return out


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else "pcaps"
    dst = sys.argv[2] if len(sys.argv) > 2 else "tests/fuzz/corpus/pipeline"
    os.makedirs(dst, exist_ok=True)
    for name in sorted(os.listdir(src)):
        if not name.endswith(".pcap") or name.startswith("bulk"):
            continue
        fr = frames(os.path.join(src, name))
        if fr:
            blob = b"".join(struct.pack(">H", min(len(f), 65535)) + f[:65535]
                            for f in fr)
            open(os.path.join(dst, name[:-5]), "wb").write(blob)


if __name__ == "__main__":
    main()
