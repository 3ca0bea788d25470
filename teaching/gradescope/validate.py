#!/usr/bin/env python3
"""Check a Gradescope results.json against the fields Gradescope reads.

usage: validate.py RESULTS.json [--expect-score N|full]
Exit 0 if valid (and the score is N, or every point, when asked); otherwise
print why, exit 1.
"""
import json
import sys

VISIBILITY = {"visible", "hidden", "after_due_date", "after_published"}
STATUS = {"passed", "failed"}


def problems(doc):
    if not isinstance(doc, dict):
        return ["top level is not an object"]
    out = []
    if not isinstance(doc.get("score"), (int, float)):
        out.append("`score` is missing or not a number")
    tests = doc.get("tests")
    if not isinstance(tests, list) or not tests:
        return out + ["`tests` is missing, not a list, or empty"]
    for i, t in enumerate(tests):
        where = f"tests[{i}]"
        if not isinstance(t, dict):
            out.append(f"{where} is not an object")
            continue
        if not isinstance(t.get("name"), str) or not t["name"]:
            out.append(f"{where}.name is missing or empty")
        for f in ("score", "max_score"):
            if not isinstance(t.get(f), (int, float)) or t[f] < 0:
                out.append(f"{where}.{f} is missing or negative")
        if isinstance(t.get("score"), (int, float)) and isinstance(t.get("max_score"), (int, float)):
            if t["score"] > t["max_score"] + 1e-9:
                out.append(f"{where}.score exceeds max_score")
        if t.get("status") not in STATUS:
            out.append(f"{where}.status is not one of {sorted(STATUS)}")
        if not isinstance(t.get("output"), str):
            out.append(f"{where}.output is not a string")
        if t.get("visibility") not in VISIBILITY:
            out.append(f"{where}.visibility is not one of {sorted(VISIBILITY)}")
        if t.get("status") == "failed" and not t.get("output"):
            out.append(f"{where} failed without saying why")
    total = sum(t.get("score", 0) for t in tests if isinstance(t, dict))
    if isinstance(doc.get("score"), (int, float)) and abs(total - doc["score"]) > 1e-3:
        out.append(f"`score` {doc['score']} is not the sum of the tests' scores {total}")
    return out


def main(argv):
    if len(argv) not in (2, 4) or (len(argv) == 4 and argv[2] != "--expect-score"):
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1]) as f:
        doc = json.load(f)
    found = problems(doc)
    if len(argv) == 4 and not found:
        if argv[3] == "full":
            want = sum(t["max_score"] for t in doc["tests"])
        else:
            want = float(argv[3])
        if abs(doc["score"] - want) > 1e-3:
            found.append(f"score is {doc['score']}, expected {want}")
    for p in found:
        print(f"{argv[1]}: {p}", file=sys.stderr)
    if not found:
        print(f"{argv[1]}: valid, score {doc['score']}, {len(doc['tests'])} tests")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
