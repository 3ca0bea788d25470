#!/usr/bin/env bash
# Run the Gradescope entry point on this machine, the way Gradescope would,
# on a mixed submission: the reference `tas_lock` (every point of it), the
# untouched stub of `spinlock` (none), and no other file (none: each missing
# file is refused without a build). Checks results.json and its score.
# Used by .ci/run.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
ag="$(mktemp -d)"
trap 'rm -rf "$ag"' EXIT
ln -s "$repo" "$ag/source"
mkdir -p "$ag/submission/exercises"
cp "$repo/solutions/tas_lock.rs" "$ag/submission/exercises/"
cp "$repo/exercises/spinlock.rs" "$ag/submission/exercises/"
want=$(python3 - "$repo/course.toml" <<'PY'
import sys, tomllib
course = tomllib.load(open(sys.argv[1], "rb"))
print(next(e["points"] for e in course["exercise"] if e["name"] == "tas_lock"))
PY
)
AUTOGRADER_ROOT="$ag" "$repo/teaching/gradescope/run_autograder" > "$ag/log" 2>&1 || {
    cat "$ag/log"
    exit 1
}
python3 "$repo/teaching/gradescope/validate.py" "$ag/results/results.json" --expect-score "$want"
python3 - "$ag/results/results.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
by = {t["name"]: t for t in doc["tests"]}
assert by["spinlock/invariants"]["score"] == 0 and by["spinlock/behaviour"]["score"] == 0
missing = by["barrier/invariants"]
assert missing["status"] == "failed" and "refused" in missing["output"], missing
print("tas_lock full, the spinlock stub 0, missing files refused:", doc["score"])
PY
