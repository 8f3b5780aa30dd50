#!/usr/bin/python3
"""JA4T of every SYN in FoxIO's reference captures against FoxIO's Rust
output (peer/ja4/expected_flat.tsv, source == rust).  Exit 77 when the peer
data or a JA4+ build is absent; 1 on a difference."""
import collections
import json
import os
import subprocess
import sys


def main():
    top = os.environ.get("top_srcdir", ".")
    peer = os.environ.get("FP_PEER_DIR", os.path.join(top, "..", "shared", "peer"))
    fpsensor = os.environ.get("FPSENSOR", "./fpsensor")
    flat = os.path.join(peer, "ja4", "expected_flat.tsv")
    if not os.path.exists(flat):
        print("SKIP: no peer data at %s" % peer)
        return 77
    ver = subprocess.run([fpsensor, "--version"], stdout=subprocess.PIPE).stdout
    if b"JA4+ analyzers: yes" not in ver:
        print("SKIP: built without --enable-ja4plus")
        return 77
    expected = collections.defaultdict(dict)
    with open(flat) as f:
        cols = f.readline().rstrip("\n").split("\t")
        for line in f:
            r = dict(zip(cols, line.rstrip("\n").split("\t")))
            if r["source"] == "rust" and r["fp_type"] == "ja4t":
                key = (r["src"], r["src_port"], r["dst"], r["dst_port"])
                expected[r["pcap"]][key] = r["value"]
    agree = total = 0
    for pcap, want in sorted(expected.items()):
        out = subprocess.run([fpsensor, "-r", os.path.join(peer, "ja4", "pcap", pcap),
                              "--deterministic", "--no-p0f"],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        got = {}
        for line in out.stdout.decode().splitlines():
            r = json.loads(line)
            syn = r.get("tcp", {}).get("syn")
            if syn:
                key = (r["client"]["ip"], str(r["client"]["port"]),
                       r["server"]["ip"], str(r["server"]["port"]))
                got.setdefault(key, syn["ja4t"])
        for key, value in sorted(want.items()):
            total += 1
            if got.get(key) == value:
                agree += 1
            else:
                print("DIFF: %s %s: rust=%s fpsensor=%s" % (pcap, key, value,
                                                           got.get(key)))
    print("ja4t %d/%d" % (agree, total))
    return 0 if agree == total and total > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
