#!/usr/bin/python3
"""TLS fingerprints against the reference implementations in ../shared/peer:

  ja3, ja3s        Wireshark 4.0 (generated-tshark-4.0.17/*.tsv), first hello
                   of each side of each flow
  ja3, ja3s        nDPI's JA3C/JA3S per flow (nDPI/flows_flat.tsv)
  ja4, ja4s, ja4x  FoxIO's Rust implementation (ja4/expected_flat.tsv,
                   source == rust), QUIC included
  suricata         Suricata's JA3/JA4 checks (suricata-verify/)

Prints agreement per type ("ja4 202/202") and every difference; fails on a
difference not listed in EXPLAINED with its reason.  Exit 77 without the
peer data."""
import collections
import ipaddress
import json
import os
import subprocess
import sys

# (fingerprint type, pcap, client endpoint) -> why the reference differs.
EXPLAINED = {
    ("ja4", "tls-non-ascii-alpn.pcapng", "192.168.1.168/50112"):
        "ALPN 0xba 0xad: the JA4 spec takes the hex of the first and last "
        "bytes ('bd'); the Rust snapshot maps non-ASCII bytes to '9' ('99')",
    ("suricata tls.ja4", "tests/bug-5713-02-ja4", "-"):
        "no signature algorithms: the JA4 spec hashes the sorted extensions "
        "without a trailing '_' (c39ab67fec8e); Suricata hashes 'exts_' "
        "(ce66f3b797c1)",
    ("ja3s (tshark)", "tests/tls/tls13-draft14/tls13_draft14.pcap",
     "10.0.2.15/54049"):
        "a TLS 1.3 draft-14 ServerHello that claims 0x0304: Wireshark reads "
        "it with the final layout (cipher 44205, no extensions); we use the "
        "draft layout it really has",
}

JA4PLUS_TYPES = {"ja4s", "ja4x"}


def ep(ip, port):
    return "%s/%s" % (ipaddress.ip_address(ip), port)


class Sensor:
    def __init__(self, fpsensor, peer):
        self.fpsensor = fpsensor
        self.peer = peer
        self.cache = {}
        out = subprocess.run([fpsensor, "--version"], stdout=subprocess.PIPE)
        self.ja4plus = b"JA4+ analyzers: yes" in out.stdout

    def flows(self, path):
        """{(client, server, proto): [tls objects in flow order]}."""
        if path in self.cache:
            return self.cache[path]
        out = subprocess.run([self.fpsensor, "-r", path, "--deterministic",
                              "--no-p0f"], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL)
        flows = collections.defaultdict(list)
        for line in out.stdout.decode().splitlines():
            r = json.loads(line)
            if "tls" not in r:
                continue
            key = (ep(r["client"]["ip"], r["client"]["port"]),
                   ep(r["server"]["ip"], r["server"]["port"]), r["proto"])
            flows[key].append(r["tls"])
        self.cache[path] = flows
        return flows

    def find(self, path, a, b, proto):
        """The TLS object of the flow between endpoints a and b (either
        may be the client), and whether a is the client."""
        fl = self.flows(path)
        if fl.get((a, b, proto)):
            return fl[(a, b, proto)][0], True
        if fl.get((b, a, proto)):
            return fl[(b, a, proto)][0], False
        return None, None


class Tally:
    def __init__(self):
        self.agree = collections.Counter()
        self.total = collections.Counter()
        self.unexplained = []
        self.explained = []

    def check(self, kind, pcap, client, want, got, what=""):
        self.total[kind] += 1
        if want == got:
            self.agree[kind] += 1
            return
        why = EXPLAINED.get((kind, pcap, client))
        line = "%s %s %s %s: reference=%r fpsensor=%r" % (kind, pcap, client,
                                                        what, want, got)
        if why:
            self.explained.append(line + " [%s]" % why)
        else:
            self.unexplained.append(line)


def tshark_ja3(peer, sensor, t):
    base = os.path.join(peer, "generated-tshark-4.0.17")
    dirs = {"ja4-ja3.tsv": os.path.join(peer, "ja4", "pcap"),
            "salesforce-ja3-ja3.tsv": os.path.join(peer, "salesforce-ja3",
                                                   "testing", "Traces"),
            "suricata-verify-ja3.tsv": os.path.join(peer, "suricata-verify")}
    for name, d in dirs.items():
        seen = set()
        with open(os.path.join(base, name)) as f:
            cols = f.readline().rstrip("\n").split("\t")
            for line in f:
                r = dict(zip(cols, line.rstrip("\n").split("\t")))
                path = os.path.join(d, r["pcap"])
                if not os.path.exists(path):
                    continue
                a, b = ep(r["src"], r["src_port"]), ep(r["dst"], r["dst_port"])
                client = r["handshake_type"] == "1"
                side = (r["pcap"], a, b) if client else (r["pcap"], b, a)
                key = side + (r["handshake_type"],)
                if key in seen:
                    continue        # the flow is fingerprinted by its first
                seen.add(key)
                proto = "udp" if r["transport_stream"] == "" else "tcp"
                tls, a_is_client = sensor.find(path, a, b, proto)
                if proto == "udp" and tls is None:
                    tls, a_is_client = sensor.find(path, a, b, "tcp")
                if client:
                    t.check("ja3 (tshark)", r["pcap"], a, r["ja3"],
                            tls and tls.get("ja3_hash"))
                else:
                    t.check("ja3s (tshark)", r["pcap"], b, r["ja3s"],
                            tls and tls.get("ja3s_hash"))


def ndpi_ja3(peer, sensor, t):
    d = os.path.join(peer, "nDPI", "tests", "cfgs", "default", "pcap")
    with open(os.path.join(peer, "nDPI", "flows_flat.tsv"),
              errors="replace") as f:
        cols = f.readline().rstrip("\n").split("\t")
        for line in f:
            r = dict(zip(cols, line.rstrip("\n").split("\t")))
            if not r.get("JA3C") and not r.get("JA3S"):
                continue
            path = os.path.join(d, r["pcap"])
            if not os.path.exists(path):
                continue
            c_ip, c_port = r["client"].rsplit(":", 1)
            s_ip, s_port = r["server"].rsplit(":", 1)
            try:
                a = ep(c_ip.strip("[]"), c_port)
                b = ep(s_ip.strip("[]"), s_port)
            except ValueError:
                # nDPI prints some IPv6 addresses cut short
                # ("2600:1901::7a0b::"): such a flow cannot be matched.
                continue
            proto = r["l4"].lower()
            tls, _ = sensor.find(path, a, b, proto)
            # nDPI appends notes to some hashes: "<md5> (WEAK)".
            if r.get("JA3C"):
                t.check("ja3 (nDPI)", r["pcap"], a, r["JA3C"].split()[0],
                        tls and tls.get("ja3_hash"))
            if r.get("JA3S"):
                t.check("ja3s (nDPI)", r["pcap"], a, r["JA3S"].split()[0],
                        tls and tls.get("ja3s_hash"))


def rust_ja4(peer, sensor, t):
    d = os.path.join(peer, "ja4", "pcap")
    with open(os.path.join(peer, "ja4", "expected_flat.tsv")) as f:
        cols = f.readline().rstrip("\n").split("\t")
        for line in f:
            r = dict(zip(cols, line.rstrip("\n").split("\t")))
            kind = r["fp_type"]
            if r["source"] != "rust" or kind not in ("ja4", "ja4s", "ja4x"):
                continue
            if kind in JA4PLUS_TYPES and not sensor.ja4plus:
                continue
            path = os.path.join(d, r["pcap"])
            a, b = ep(r["src"], r["src_port"]), ep(r["dst"], r["dst_port"])
            tls, _ = sensor.find(path, a, b, r["transport"])
            got = None
            if tls is not None and kind == "ja4x":
                certs = tls.get("certificates", [])
                i = int(r["idx"])
                got = certs[i].get("ja4x") if i < len(certs) else None
            elif tls is not None:
                got = tls.get(kind)
            t.check(kind, r["pcap"], a, r["value"], got,
                    "#" + r["idx"] if kind == "ja4x" else "")


def suricata(peer, sensor, t):
    base = os.path.join(peer, "suricata-verify")
    fields = {"tls.ja4": "ja4", "quic.ja4": "ja4", "tls.ja3.hash": "ja3_hash",
              "tls.ja3.string": "ja3", "tls.ja3s.hash": "ja3s_hash",
              "tls.ja3s.string": "ja3s"}
    with open(os.path.join(base, "expected_ja3_ja4.tsv")) as f:
        cols = f.readline().rstrip("\n").split("\t")
        for line in f:
            r = dict(zip(cols, line.rstrip("\n").split("\t")))
            path = os.path.normpath(os.path.join(base, r["test"], r["pcap"]))
            if r["field"] not in fields or not os.path.exists(path):
                continue
            values = set()
            for objs in sensor.flows(path).values():
                for o in objs:
                    values.add(o.get(fields[r["field"]]))
            t.check("suricata " + r["field"], r["test"], "-", r["value"],
                    r["value"] if r["value"] in values else None)


def main():
    top = os.environ.get("top_srcdir", ".")
    peer = os.environ.get("FP_PEER_DIR",
                          os.path.join(top, "..", "shared", "peer"))
    if not os.path.exists(os.path.join(peer, "ja4", "expected_flat.tsv")):
        print("SKIP: no peer data at %s" % peer)
        return 77
    sensor = Sensor(os.environ.get("FPSENSOR", "./fpsensor"), peer)
    t = Tally()
    tshark_ja3(peer, sensor, t)
    ndpi_ja3(peer, sensor, t)
    rust_ja4(peer, sensor, t)
    suricata(peer, sensor, t)
    for kind in sorted(t.total):
        print("%-28s %d/%d" % (kind, t.agree[kind], t.total[kind]))
    for line in t.explained:
        print("explained: " + line)
    for line in t.unexplained:
        print("DIFF: " + line)
    return 1 if t.unexplained else 0


if __name__ == "__main__":
    sys.exit(main())
