#!/usr/bin/python3
"""Validate every JSON line of the given files (or stdin) against the record
schema.  Usage: schema_check.py SCHEMA [FILE...].  Exit 0 when all valid,
1 on the first invalid record (printed), 77 when python3-jsonschema is
missing."""
import json
import sys

try:
    import jsonschema
except ImportError:
    print("SKIP: python3-jsonschema is not installed")
    sys.exit(77)


def main():
    schema = json.load(open(sys.argv[1]))
    validator = jsonschema.Draft202012Validator(schema)
    n = 0
    files = sys.argv[2:] or ["-"]
    for name in files:
        f = sys.stdin if name == "-" else open(name)
        for lineno, line in enumerate(f, 1):
            rec = json.loads(line)
            errors = sorted(validator.iter_errors(rec), key=str)
            if errors:
                print("%s:%d: %s" % (name, lineno, errors[0].message))
                print("  at %s" % "/".join(map(str, errors[0].path)))
                return 1
            n += 1
    print("%d records valid" % n)
    return 0 if n else 1


if __name__ == "__main__":
    sys.exit(main())
