#!/usr/bin/python3
"""Compare fpsensor's SYN and SYN+ACK signatures and OS labels with p0f's own
log on every capture of ../shared/peer (p0f/p0f_flat.tsv).

Prints agreement per field, lists every difference, and fails on any
difference not named in EXPLAINED below with its reason.  Exit 77 (skip)
when the peer data is absent."""
import collections
import ipaddress
import json
import os
import subprocess
import sys

# (pcap, mod, client, field) -> reason.  Each entry is a case where p0f's
# output is not what its own rules give, or where the capture itself is
# ambiguous; the test names them so nothing else can differ silently.
EXPLAINED = {
}

SETS = {
    "ja4": "ja4/pcap",
    "nDPI": "nDPI/tests/cfgs/default/pcap",
    "salesforce-ja3": "salesforce-ja3/testing/Traces",
}


def norm_ep(s):
    addr, port = s.rsplit("/", 1)
    return "%s/%s" % (ipaddress.ip_address(addr), port)


def load_p0f(path):
    rows = collections.defaultdict(list)
    with open(path, encoding="utf-8", errors="replace") as f:
        header = f.readline().rstrip("\n").split("\t")
        for line in f:
            r = dict(zip(header, line.rstrip("\n").split("\t")))
            if r.get("mod") not in ("syn", "syn+ack"):
                continue
            key = (r["set"], r["pcap"], norm_ep(r["cli"]), norm_ep(r["srv"]),
                   r["mod"])
            rows[key].append(r)
    return rows


def run_sensor(fpsensor, pcap, p0f_db):
    out = subprocess.run([fpsensor, "-r", pcap, "--deterministic",
                          "--p0f-db", p0f_db],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    recs = collections.defaultdict(list)
    for line in out.stdout.decode().splitlines():
        r = json.loads(line)
        tcp = r.get("tcp")
        if not tcp:
            continue
        cli = "%s/%d" % (ipaddress.ip_address(r["client"]["ip"]),
                         r["client"]["port"])
        srv = "%s/%d" % (ipaddress.ip_address(r["server"]["ip"]),
                         r["server"]["port"])
        for mod, k in (("syn", "syn"), ("syn+ack", "synack")):
            if k in tcp:
                recs[(cli, srv, mod)].append((r["ts_start"], tcp[k]))
    for v in recs.values():
        v.sort(key=lambda x: x[0])
    return recs, out.returncode


def ours_fields(s):
    os_label = s.get("os") or s.get("app") or "???"
    dist = str(s["dist"])
    if s.get("dist_is_upper_bound"):
        dist = "<= " + dist
    return {"raw_sig": s["raw_sig"], "os": os_label, "dist": dist,
            "params": s.get("params", "none")}


def main():
    top = os.environ.get("top_srcdir", ".")
    peer = os.environ.get("FP_PEER_DIR", os.path.join(top, "..", "shared",
                                                      "peer"))
    fpsensor = os.environ.get("FPSENSOR", "./fpsensor")
    flat = os.path.join(peer, "p0f", "p0f_flat.tsv")
    p0f_db = os.path.join(peer, "p0f", "p0f.fp")
    if not os.path.exists(flat):
        print("SKIP: no peer data at %s" % peer)
        return 77
    rows = load_p0f(flat)
    by_pcap = collections.defaultdict(list)
    for key in rows:
        by_pcap[(key[0], key[1])].append(key)
    fields = ("raw_sig", "os", "dist", "params")
    agree = collections.Counter()
    total = collections.Counter()
    unexplained, explained = [], []
    for (set_, pcap), keys in sorted(by_pcap.items()):
        path = os.path.join(peer, SETS[set_], pcap)
        recs, _ = run_sensor(fpsensor, path, p0f_db)
        for key in keys:
            _, _, cli, srv, mod = key
            theirs = rows[key]
            ours = recs.get((cli, srv, mod), [])
            for i, t in enumerate(theirs):
                o = ours_fields(ours[i][1]) if i < len(ours) else None
                for fld in fields:
                    tv = t["os"] if fld == "os" else t[fld]
                    if fld == "os" and not tv:
                        tv = t.get("app") or "???"
                    total[(mod, fld)] += 1
                    ov = o[fld] if o else "(no record)"
                    if ov == tv:
                        agree[(mod, fld)] += 1
                        continue
                    why = EXPLAINED.get((pcap, mod, cli, fld))
                    line = "%s %s %s->%s %s: p0f=%r fpsensor=%r" % (
                        pcap, mod, cli, srv, fld, tv, ov)
                    (explained if why else unexplained).append(
                        line + (" [%s]" % why if why else ""))
    for mod in ("syn", "syn+ack"):
        for fld in fields:
            print("p0f %-7s %-7s %d/%d" % (mod, fld, agree[(mod, fld)],
                                          total[(mod, fld)]))
    for line in explained:
        print("explained: " + line)
    for line in unexplained:
        print("DIFF: " + line)
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main())
