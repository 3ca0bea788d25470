#!/usr/bin/env bash
# Fuzz proclab's cargo-fuzz targets on stable Rust for a bounded time.
#
#   fuzz/run.sh [SECONDS]     (default 60; CI calls `fuzz/run.sh 30`)
#
# Installs cargo-fuzz if missing, then runs every target (`cargo fuzz list`;
# today only channel_codec) for SECONDS each, with `--sanitizer none`
# (the only mode stable Rust supports: the sanitizers need -Z flags).
# Each target's scratch corpus is fuzz/corpus/TARGET/ (gitignored; new
# inputs are written there), seeded by the committed fuzz/seeds/TARGET/,
# which libFuzzer only reads. Exits non-zero if any target crashed; the
# crashing input is saved under fuzz/artifacts/TARGET/ and cargo-fuzz prints
# the command that reproduces it (also non-zero if a target fails to build).
#
# -use_value_profile=1 matters here: without it libFuzzer, started from an
# empty corpus, never got past the decoder's exact-length check in 120 s
# (coverage alone gives no gradient towards len == 17); with it, it reached
# valid frames in under a second.
set -euo pipefail

seconds=${1:-60}
if ! [[ $seconds =~ ^[1-9][0-9]*$ ]]; then
    echo "usage: $0 [SECONDS]  (a positive whole number, default 60)" >&2
    exit 2
fi

fuzz_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$fuzz_dir/.."
export PATH="$HOME/.cargo/bin:$PATH"

if ! cargo fuzz --version > /dev/null 2>&1; then
    echo "== installing cargo-fuzz (cargo install cargo-fuzz --locked)"
    cargo install cargo-fuzz --locked
fi
cargo fuzz --version

status=0
targets=$(cargo fuzz list --fuzz-dir "$fuzz_dir")
if [[ -z $targets ]]; then
    echo "no fuzz targets found in $fuzz_dir" >&2
    exit 1
fi
for target in $targets; do
    corpus="$fuzz_dir/corpus/$target"
    seeds="$fuzz_dir/seeds/$target"
    mkdir -p "$corpus"
    dirs=("$corpus")
    [[ -d $seeds ]] && dirs+=("$seeds")
    # Build first, so a compile error is not reported as a crash.
    if ! cargo fuzz build --fuzz-dir "$fuzz_dir" --sanitizer none "$target"; then
        echo "== $target: BUILD FAILED" >&2
        status=1
        continue
    fi
    echo "== fuzzing $target for ${seconds}s (corpus ${dirs[*]#"$PWD/"})"
    if ! cargo fuzz run --fuzz-dir "$fuzz_dir" --sanitizer none "$target" "${dirs[@]}" \
        -- -max_total_time="$seconds" -use_value_profile=1 -print_final_stats=1; then
        echo "== $target: CRASH (input saved under fuzz/artifacts/$target/)" >&2
        status=1
    else
        echo "== $target: no crash in ${seconds}s"
    fi
done
exit "$status"
