#!/usr/bin/python3
"""HTTP and SSH fields against the references in ../shared/peer:

  ja4h                 FoxIO's Rust output (ja4/expected_flat.tsv), each
                       request of a connection (idx 0: http.ja4h, then
                       http.later_requests[idx - 1])
  ja4l_c, ja4l_s       FoxIO's Rust output (tcp / udp parts)
  ja4ssh               FoxIO's Rust output, each 200-packet window
  hassh, hassh_server  FoxIO's Rust output
  user_agent, host     nDPI's User-Agent and Hostname per flow (HTTP flows)
  p0f http sig/label   p0f 3.09b's 'http request' records (p0f/p0f_flat.tsv)

FoxIO's three implementations disagree on JA4H for HTTP/2, JA4L and
JA4SSH; the Rust one is the reference.  For the FoxIO fields every
difference must be one named in KNOWN with its reason, and agreement must
not fall below FLOOR.  Exit 77 without the peer data."""
import collections
import ipaddress
import json
import os
import subprocess
import sys

FLOOR = {
    "hassh": 11,
    "hassh_server": 12,
    "host (nDPI)": 140,
    "ja4h": 78,
    "ja4l_c": 58,
    "ja4l_s": 58,
    "ja4ssh": 18,
    "p0f http label": 69,
    "p0f http sig": 69,
    "user_agent (nDPI)": 139,
}

# fpsensor renders the first HTTP_KEPT_REQUESTS requests of a connection
# (analyzers/http_flow.c) and counts the others ("requests").
KEPT_REQUESTS = 4
NOT_KEPT = ("fpsensor renders the first %d requests of a connection and "
            "counts the others" % KEPT_REQUESTS)
GENEVE = ("GENEVE with one VNI per direction: fpsensor keeps tunnels apart "
          "by VNI, so the two halves of the connection are two flows")
LATE_ACK = ("the FINs cross and are each sent twice; the last ACKs come "
            "after both FINs are acknowledged, when fpsensor has written "
            "the record")
# (field, capture) -> why fpsensor differs from FoxIO's Rust output there.
KNOWN = {
    ("ja4l_c", "gre-sample.pcap"): (
        "TTL: the reference takes the outer (GRE) IP header's, fpsensor the "
        "innermost one, the endpoint's own hop count; the times agree"),
    ("ja4l_s", "gre-sample.pcap"): (
        "TTL: the reference takes the outer (GRE) IP header's, fpsensor the "
        "innermost one, the endpoint's own hop count; the times agree"),
    ("ja4l_c", "tcpdump-geneve.pcap"): GENEVE,
    ("ja4l_s", "tcpdump-geneve.pcap"): GENEVE,
    ("hassh", "tcpdump-geneve.pcap"): GENEVE,
    ("ja4ssh", "tcpdump-geneve.pcap"): GENEVE,
    ("ja4ssh", "ssh2-malformed.pcap"): (
        "Wireshark stops at the malformed DH reply and misses the server's "
        "NEWKEYS in the same segment, so it reassembles the server's first "
        "encrypted segments as clear text and counts one packet fewer"),
    ("ja4ssh", "ssh2-moloch-crash.pcap"): (
        "the same capture as ssh2-malformed.pcap"),
    ("ja4ssh", "sshv1.pcap"): (
        "SSH 1: Wireshark reassembles the server's last packets across "
        "segments where fpsensor finds packet boundaries; and " + LATE_ACK),
    ("ja4ssh", "v6.pcap"): "the same connection as sshv1.pcap",
}
STRICT = ("ja4h", "ja4l_c", "ja4l_s", "ja4ssh", "hassh", "hassh_server")


def ep(ip, port):
    return "%s/%s" % (ipaddress.ip_address(ip), port)


def run(fpsensor, path, p0f_db):
    # FoxIO's tools never time a connection out; ssh-r.pcap has a 320 s
    # pause inside one SSH session.
    args = [fpsensor, "-r", path, "--deterministic", "--tcp-timeout", "3600"]
    args += ["--p0f-db", p0f_db] if p0f_db else ["--no-p0f"]
    out = subprocess.run(args, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL)
    flows = {}
    for line in out.stdout.decode().splitlines():
        r = json.loads(line)
        key = (ep(r["client"]["ip"], r["client"]["port"]),
               ep(r["server"]["ip"], r["server"]["port"]))
        proto = "udp" if "udp" in r else "tcp"
        flows.setdefault(key + (proto,), r)
        flows.setdefault(key, r)
    return flows


def find(flows, a, b, proto=None):
    if proto:
        return flows.get((a, b, proto)) or flows.get((b, a, proto))
    return flows.get((a, b)) or flows.get((b, a))


def main():
    top = os.environ.get("top_srcdir", ".")
    peer = os.environ.get("FP_PEER_DIR",
                          os.path.join(top, "..", "shared", "peer"))
    fpsensor = os.environ.get("FPSENSOR", "./fpsensor")
    if not os.path.exists(os.path.join(peer, "ja4", "expected_flat.tsv")):
        print("SKIP: no peer data at %s" % peer)
        return 77
    p0f_db = os.path.join(peer, "p0f", "p0f.fp")
    ver = subprocess.run([fpsensor, "--version"], stdout=subprocess.PIPE)
    ja4plus = b"JA4+ analyzers: yes" in ver.stdout
    cache = {}

    def flows_of(path):
        if path not in cache:
            cache[path] = run(fpsensor, path, p0f_db)
        return cache[path]

    agree, total, diffs = collections.Counter(), collections.Counter(), []
    known, unexplained = [], []

    def check(kind, where, want, got, why=None):
        total[kind] += 1
        if want == got:
            agree[kind] += 1
            return
        line = "%s %s: reference=%r fpsensor=%r" % (kind, where, want, got)
        pcap = where.split()[0]
        why = why or KNOWN.get((kind, pcap))
        if why is None and not os.path.exists(
                os.path.join(peer, "ja4", "pcap", pcap)) and kind in STRICT:
            why = "capture not in ../shared/peer/ja4/pcap"
        if why is not None:
            known.append("%s (%s)" % (line, why))
        elif kind in STRICT:
            unexplained.append(line)
        else:
            diffs.append(line)

    with open(os.path.join(peer, "ja4", "expected_flat.tsv")) as f:
        cols = f.readline().rstrip("\n").split("\t")
        for line in f:
            r = dict(zip(cols, line.rstrip("\n").split("\t")))
            kind = r["fp_type"]
            if r["source"] != "rust" or kind not in ("ja4h", "hassh",
                                                     "hassh_server",
                                                     "ja4l_c", "ja4l_s",
                                                     "ja4ssh"):
                continue
            if kind != "hassh" and kind != "hassh_server" and not ja4plus:
                continue
            if kind == "ja4ssh":
                path = os.path.join(peer, "ja4", "pcap", r["pcap"])
                rec = find(flows_of(path), ep(r["src"], r["src_port"]),
                           ep(r["dst"], r["dst_port"]), "tcp")
                got = (rec or {}).get("ssh", {}).get("ja4ssh", [])
                idx = int(r["idx"])
                check(kind, "%s %s #%d" % (r["pcap"], r["src_port"], idx),
                      r["value"], got[idx] if idx < len(got) else None)
                continue
            if kind in ("ja4l_c", "ja4l_s"):
                path = os.path.join(peer, "ja4", "pcap", r["pcap"])
                rec = find(flows_of(path), ep(r["src"], r["src_port"]),
                           ep(r["dst"], r["dst_port"]), r["transport"])
                sub = (rec or {}).get(r["transport"], {})
                check(kind, "%s %s" % (r["pcap"], r["src_port"]),
                      r["value"], sub.get(kind))
                continue
            path = os.path.join(peer, "ja4", "pcap", r["pcap"])
            rec = find(flows_of(path), ep(r["src"], r["src_port"]),
                       ep(r["dst"], r["dst_port"]))
            sub = (rec or {}).get("http" if kind == "ja4h" else "ssh", {})
            # Rust prints null where there is no KEXINIT (SSH 1).
            want = None if r["value"] == "null" else r["value"]
            where = "%s %s" % (r["pcap"], r["src_port"])
            got = sub.get(kind)
            why = None
            if kind == "ja4h":
                # Rust's idx: the request's place in its connection.
                idx = int(r["idx"])
                later = sub.get("later_requests", [])
                if idx:
                    got = later[idx - 1]["ja4h"] if idx <= len(later) \
                        else None
                if idx >= KEPT_REQUESTS and got is None and \
                        sub.get("requests", 1) > idx:
                    why = NOT_KEPT
                where += " #%d" % idx
            check(kind, where, want, got, why)

    d = os.path.join(peer, "nDPI", "tests", "cfgs", "default", "pcap")
    with open(os.path.join(peer, "nDPI", "flows_flat.tsv"),
              errors="replace") as f:
        cols = f.readline().rstrip("\n").split("\t")
        for line in f:
            r = dict(zip(cols, line.rstrip("\n").split("\t")))
            if not r.get("User-Agent") or "HTTP" not in r.get("proto", ""):
                continue
            try:
                c_ip, c_port = r["client"].rsplit(":", 1)
                s_ip, s_port = r["server"].rsplit(":", 1)
                a, b = ep(c_ip.strip("[]"), c_port), ep(s_ip.strip("[]"),
                                                        s_port)
            except ValueError:
                continue
            rec = find(flows_of(os.path.join(d, r["pcap"])), a, b)
            http = (rec or {}).get("http", {})
            ua = http.get("user_agent")
            # nDPI's printout cuts long User-Agents (at 128 characters).
            if ua and len(r["User-Agent"]) >= 128 and \
                    ua.startswith(r["User-Agent"]):
                ua = r["User-Agent"]
            # nDPI reads the request's first segment only: a User-Agent
            # cut where that segment ends is nDPI's prefix of ours.
            cut = None
            if ua and ua != r["User-Agent"] and \
                    ua.startswith(r["User-Agent"]):
                cut = ("nDPI reads the request's first TCP segment only, "
                       "which ends inside the User-Agent; fpsensor "
                       "reassembles the stream")
            check("user_agent (nDPI)", "%s %s" % (r["pcap"], a),
                  r["User-Agent"], ua, cut)
            if r.get("Hostname_SNI"):
                check("host (nDPI)", "%s %s" % (r["pcap"], a),
                      r["Hostname_SNI"], (http.get("host") or "").lower()
                      .split(":")[0] or None)

    sets = {"ja4": "ja4/pcap", "nDPI": "nDPI/tests/cfgs/default/pcap",
            "salesforce-ja3": "salesforce-ja3/testing/Traces"}
    seen = set()
    with open(os.path.join(peer, "p0f", "p0f_flat.tsv"),
              errors="replace") as f:
        cols = f.readline().rstrip("\n").split("\t")
        for line in f:
            r = dict(zip(cols, line.rstrip("\n").split("\t")))
            if r.get("mod") != "http request":
                continue
            cli = r["cli"].rsplit("/", 1)
            srv = r["srv"].rsplit("/", 1)
            a, b = ep(*cli), ep(*srv)
            if (r["pcap"], a, b) in seen:
                continue        # the first request of a flow only
            seen.add((r["pcap"], a, b))
            rec = find(flows_of(os.path.join(peer, sets[r["set"]],
                                             r["pcap"])), a, b)
            http = (rec or {}).get("http", {})
            check("p0f http sig", "%s %s" % (r["pcap"], a), r["raw_sig"],
                  http.get("p0f_sig"))
            label = r.get("os") or r.get("app") or "???"
            check("p0f http label", "%s %s" % (r["pcap"], a), label,
                  http.get("p0f_label", "???"))

    bad = False
    for kind in sorted(total):
        floor = FLOOR.get(kind, 0)
        print("%-22s %d/%d (floor %d)" % (kind, agree[kind], total[kind],
                                          floor))
        bad |= agree[kind] < floor
    for line in known:
        print("KNOWN: " + line)
    for line in diffs:
        print("DIFF: " + line)
    for line in unexplained:
        print("UNEXPLAINED: " + line)
    return 1 if bad or unexplained else 0


if __name__ == "__main__":
    sys.exit(main())
