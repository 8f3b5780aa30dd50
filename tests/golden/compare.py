#!/usr/bin/python3
"""compare.py JA4PLUS EXPECTED ACTUAL: compare JSON lines record by record;
without JA4+ in the build (JA4PLUS 0), JA4+ members are dropped from the
expected records first.  Prints the first differences."""
import json
import sys

JA4PLUS_KEYS = {"ja4t", "ja4ts", "ja4s", "ja4s_r", "ja4h", "ja4h_r",
                "ja4h_ro", "ja4x", "ja4l", "ja4l_c", "ja4l_s", "ja4ssh"}


def strip(o):
    if isinstance(o, dict):
        return {k: strip(v) for k, v in o.items() if k not in JA4PLUS_KEYS}
    if isinstance(o, list):
        return [strip(v) for v in o]
    return o


def main():
    ja4plus = sys.argv[1] == "1"
    exp = [json.loads(l) for l in open(sys.argv[2])]
    act = [json.loads(l) for l in open(sys.argv[3])]
    if not ja4plus:
        exp = [strip(r) for r in exp]
    if exp == act:
        return 0
    print("  %d expected records, %d produced" % (len(exp), len(act)))
    shown = 0
    for i, (e, a) in enumerate(zip(exp, act)):
        if e != a and shown < 3:
            shown += 1
            for k in sorted(set(e) | set(a)):
                if e.get(k) != a.get(k):
                    print("  record %d %s: expected %s, got %s" % (
                        i + 1, k, json.dumps(e.get(k)), json.dumps(a.get(k))))
    return 1


if __name__ == "__main__":
    sys.exit(main())
