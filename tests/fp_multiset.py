#!/usr/bin/python3
"""fp_multiset.py EXPECTED ACTUAL: compare the fingerprints of two record
files as multisets, each record reduced to what does not depend on timing
or on how the capture ended: identifiers, times, durations, latencies,
packet and byte counts, end_reason and the sensor member are left out, and
so is the verdict: it weighs what the client's other flows showed, and
live workers each keep their own client table, so it is a judgement on
the flows a worker saw, not a fingerprint of the packets (the model's
answers alone, a function of the ClientHello, are compared by
tests/live_models.sh).
Prints the count of each side and the first differences; exit 0 when the
multisets are equal, 1 when not."""
import collections
import json
import sys

DROP = {"event_id", "flow_id", "ts_start", "ts_end", "duration_ms",
        "end_reason", "packets", "bytes", "sensor", "emitted_at",
        "response_time_ms", "rtt_ms", "ja4l", "ja4l_c", "ja4l_s",
        "verdict"}


def reduce(o):
    if isinstance(o, dict):
        return {k: reduce(v) for k, v in o.items()
                if k not in DROP and not k.endswith(("_ms", "_us"))}
    if isinstance(o, list):
        return [reduce(v) for v in o]
    return o


def load(path):
    with open(path) as f:
        return collections.Counter(json.dumps(reduce(json.loads(line)),
                                              sort_keys=True)
                                   for line in f if line.strip())


def main():
    exp, act = load(sys.argv[1]), load(sys.argv[2])
    missing, extra = exp - act, act - exp
    print("records=%d expected=%d missing=%d extra=%d" % (
        sum(act.values()), sum(exp.values()), sum(missing.values()),
        sum(extra.values())))
    for name, c in (("missing", missing), ("extra", extra)):
        for rec in list(c)[:2]:
            print("  %s: %s" % (name, rec[:400]))
    return 0 if not missing and not extra else 1


if __name__ == "__main__":
    sys.exit(main())
