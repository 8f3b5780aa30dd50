#!/usr/bin/python3
"""tests/delivery/spooltool.py: read a spool directory (sensor/spool.h).

  spooltool.py count DIR   records not yet delivered
  spooltool.py ids DIR     their event ids, one per line
  spooltool.py end DIR     the newest segment and the offset where its
                           records end (where the next one would go)

An independent reader of the on-disk format: segments <16 hex>.seg starting
with "FPSPOOL2" (or "FPSPOOL1"), records of u32 length, u32 CRC-32C (CRC-32
in FPSPOOL1 segments) of the length bytes and the payload, payload; spool.pos holds "seq offset" of the first record not
yet delivered.  Stops at the first record that fails its checks.
"""
import json
import os
import struct
import sys
import zlib


def _crc32c_table():
    tab = []
    for b in range(256):
        c = b
        for _ in range(8):
            c = (c >> 1) ^ (0x82F63B78 if c & 1 else 0)
        tab.append(c)
    return tab


CRC32C_TAB = _crc32c_table()


def crc32c(data, crc=0):
    crc ^= 0xFFFFFFFF
    for b in data:
        crc = (crc >> 8) ^ CRC32C_TAB[(crc ^ b) & 0xFF]
    return crc ^ 0xFFFFFFFF


def record_ok(magic, lenbytes, payload, crc):
    if magic == b"FPSPOOL1":
        return zlib.crc32(payload, zlib.crc32(lenbytes)) == crc
    return crc32c(payload, crc32c(lenbytes)) == crc


def records(d):
    pos_seq, pos_off = 0, 0
    try:
        pos_seq, pos_off = map(int, open(os.path.join(d, "spool.pos")).read().split())
    except (OSError, ValueError):
        pass
    segs = sorted(f for f in os.listdir(d) if f.endswith(".seg") and len(f) == 20)
    for name in segs:
        seq = int(name[:16], 16)
        if seq < pos_seq:
            continue
        data = open(os.path.join(d, name), "rb").read()
        if data[:8] not in (b"FPSPOOL1", b"FPSPOOL2"):
            return
        off = pos_off if seq == pos_seq and pos_off > 8 else 8
        while off + 8 <= len(data):
            length, crc = struct.unpack(">II", data[off:off + 8])
            payload = data[off + 8:off + 8 + length]
            if len(payload) != length or not record_ok(data[:8], data[off:off + 4], payload, crc):
                return
            yield payload
            off += 8 + length


def end(d):
    segs = sorted(f for f in os.listdir(d) if f.endswith(".seg") and len(f) == 20)
    path = os.path.join(d, segs[-1])
    data = open(path, "rb").read()
    off = 8
    while off + 8 <= len(data):
        length, crc = struct.unpack(">II", data[off:off + 8])
        payload = data[off + 8:off + 8 + length]
        if length == 0 or len(payload) != length or not record_ok(data[:8], data[off:off + 4], payload, crc):
            break
        off += 8 + length
    print(path, off)


def main():
    what, d = sys.argv[1], sys.argv[2]
    if what == "end":
        end(d)
        return
    recs = list(records(d))
    if what == "count":
        print(len(recs))
    else:
        for r in recs:
            print(json.loads(r)["event_id"])


if __name__ == "__main__":
    main()
