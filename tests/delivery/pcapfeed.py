#!/usr/bin/python3
"""tests/delivery/pcapfeed.py: pieces of a pcap stream for a FIFO.

  pcapfeed.py header PCAP          the 24-byte global header of PCAP
  pcapfeed.py packets PCAP SECONDS every packet of PCAP, SECONDS later
  pcapfeed.py tick PCAP SECONDS    one ARP frame, SECONDS after PCAP's first
                                   packet: not a flow, but it moves the clock

Written to stdout.  Feeding a header, then copies of a capture shifted far
enough apart, makes fpsensor end the previous copy's flows (idle timeout) and
write their records while it keeps reading: a stream that a test can pause.
Classic little-endian microsecond pcap only (pcaps/demo.pcap is one).
"""
import struct
import sys


def main():
    what, path = sys.argv[1], sys.argv[2]
    data = open(path, "rb").read()
    if data[:4] != b"\xd4\xc3\xb2\xa1":
        sys.exit("pcapfeed: %s: not a little-endian microsecond pcap" % path)
    out = sys.stdout.buffer
    if what == "header":
        out.write(data[:24])
        return
    shift = int(sys.argv[3])
    if what == "tick":
        sec, usec = struct.unpack("<II", data[24:32])
        frame = b"\xff" * 6 + b"\x02" * 6 + b"\x08\x06" + bytes(46)
        out.write(struct.pack("<IIII", sec + shift, usec, len(frame),
                              len(frame)) + frame)
        out.flush()
        return
    off = 24
    while off + 16 <= len(data):
        sec, usec, incl, orig = struct.unpack("<IIII", data[off:off + 16])
        out.write(struct.pack("<IIII", sec + shift, usec, incl, orig))
        out.write(data[off + 16:off + 16 + incl])
        off += 16 + incl
    out.flush()


if __name__ == "__main__":
    main()
