#!/usr/bin/env bash
# Runs mailflow's fuzz targets (fuzz/, cargo-fuzz with libFuzzer) on the
# stable toolchain. See docs/fuzzing.md for what each target checks.
#
#   scripts/fuzz.sh [TARGET|all] [SECONDS]   fuzz each target for SECONDS (default 600)
#   scripts/fuzz.sh merge [TARGET|all]       add the new inputs that reach new code to fuzz/corpus/TARGET
#   scripts/fuzz.sh cmin [TARGET|all]        minimise fuzz/corpus/TARGET in place
#   scripts/fuzz.sh list                     name the targets
#
# Quick mode, e.g. before a commit: `scripts/fuzz.sh all 30` (or FUZZ_SECONDS=30).
#
# Each target runs alone, one process (the machine is small), reading its
# committed corpus fuzz/corpus/TARGET and its hand-written seeds
# fuzz/seeds/TARGET, with the dictionary fuzz/dicts/TARGET.dict when there is
# one. New inputs go to fuzz/target/corpus/TARGET, so a run leaves the
# committed corpus as it was; `merge` adds those of them that reach code the
# committed corpus does not. A crash, a panic, a failed check, a time-out (over
# FUZZ_TIMEOUT s for one input, default 10) or running out of memory is a
# finding: the input is saved under fuzz/artifacts/TARGET/ and the script exits
# non-zero once every target asked for has run. Each run's output is kept in
# fuzz/target/logs/TARGET.log. Builds go to fuzz/target (both git-ignored).
#
# cargo-fuzz needs nightly-only compiler flags; RUSTC_BOOTSTRAP=1 lets the
# stable compiler accept them. Targets are built in release mode with debug
# assertions and overflow checks, and without a sanitizer by default (mailflow
# has no unsafe code); FUZZ_SANITIZER=address turns AddressSanitizer on.
set -euo pipefail

cd "$(dirname "$0")/.."
root=$(pwd)
fuzz_dir="$root/fuzz"
export RUSTC_BOOTSTRAP=1

targets=(smtp_command data_reader dsn_params config_loader)

usage() {
    sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

pick_targets() {
    case "${1:-all}" in
        all) chosen=("${targets[@]}") ;;
        *)
            for target in "${targets[@]}"; do
                if [[ "$target" == "$1" ]]; then
                    chosen=("$1")
                    return
                fi
            done
            echo "fuzz.sh: no target named '$1' (targets: ${targets[*]})" >&2
            exit 2
            ;;
    esac
}

ensure_cargo_fuzz() {
    if ! cargo fuzz --version >/dev/null 2>&1; then
        echo "fuzz.sh: installing cargo-fuzz" >&2
        cargo install cargo-fuzz --locked
    fi
}

build_flags=(--release --debug-assertions --sanitizer "${FUZZ_SANITIZER:-none}" --target-dir "$fuzz_dir/target")

mode=run
case "${1:-}" in
    -h | --help | help) usage ;;
    list)
        printf '%s\n' "${targets[@]}"
        exit 0
        ;;
    cmin | merge)
        mode=$1
        shift
        ;;
esac

pick_targets "${1:-all}"
seconds="${2:-${FUZZ_SECONDS:-600}}"
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || ((seconds == 0)); then
    echo "fuzz.sh: SECONDS must be a whole number above 0, not '$seconds'" >&2
    exit 2
fi

ensure_cargo_fuzz
cd "$fuzz_dir"
mkdir -p target/logs

if [[ "$mode" == merge ]]; then
    for target in "${chosen[@]}"; do
        mkdir -p "target/corpus/$target"
        echo "== merging fuzz/target/corpus/$target into fuzz/corpus/$target"
        cargo fuzz run "${build_flags[@]}" "$target" "corpus/$target" "target/corpus/$target" \
            -- -merge=1 -timeout="${FUZZ_TIMEOUT:-10}"
    done
    exit 0
fi

if [[ "$mode" == cmin ]]; then
    for target in "${chosen[@]}"; do
        echo "== minimising fuzz/corpus/$target"
        cargo fuzz cmin "${build_flags[@]}" "$target" "corpus/$target" -- -timeout="${FUZZ_TIMEOUT:-10}"
    done
    exit 0
fi

failed=()
for target in "${chosen[@]}"; do
    mkdir -p "corpus/$target" "artifacts/$target" "target/corpus/$target"
    # libFuzzer adds new inputs to the first directory only.
    dirs=("target/corpus/$target" "corpus/$target")
    if [[ -d "seeds/$target" ]]; then
        dirs+=("seeds/$target")
    fi
    options=(
        -max_total_time="$seconds"
        -timeout="${FUZZ_TIMEOUT:-10}"
        -rss_limit_mb=2048
        -print_final_stats=1
    )
    if [[ -f "dicts/$target.dict" ]]; then
        options+=(-dict="dicts/$target.dict")
    fi
    echo "== fuzzing $target for ${seconds}s (log: fuzz/target/logs/$target.log)"
    if cargo fuzz run "${build_flags[@]}" "$target" "${dirs[@]}" -- "${options[@]}" \
        2>&1 | tee "target/logs/$target.log"; then
        echo "== $target: no finding"
    else
        echo "== $target: FINDING, see fuzz/artifacts/$target/ and fuzz/target/logs/$target.log" >&2
        failed+=("$target")
    fi
done

if ((${#failed[@]} > 0)); then
    echo "fuzz.sh: findings in: ${failed[*]}" >&2
    exit 1
fi
echo "fuzz.sh: no findings in ${chosen[*]} (${seconds}s each)"
