#!/usr/bin/env bash
# Run the Gradescope entry point on this machine, the way Gradescope would,
# on the reference solutions (must get every point) and on the untouched
# stubs (must get zero), and check each results.json. Used by .ci/run.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
ag="$(mktemp -d)"
trap 'rm -rf "$ag"' EXIT
ln -s "$repo" "$ag/source"
for case in solutions:full exercises:0; do
    from="${case%%:*}" want="${case##*:}"
    rm -rf "$ag/submission" "$ag/results"
    mkdir -p "$ag/submission/exercises"
    cp "$repo/$from"/*.rs "$ag/submission/exercises/"
    AUTOGRADER_ROOT="$ag" "$repo/teaching/gradescope/run_autograder" > "$ag/log" 2>&1 || {
        cat "$ag/log"
        exit 1
    }
    python3 "$repo/teaching/gradescope/validate.py" "$ag/results/results.json" --expect-score "$want"
done
