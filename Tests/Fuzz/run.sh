#!/usr/bin/env bash
# Builds the libFuzzer targets (address sanitizer on) and runs each one after the other
# for SECONDS (default 60), starting from the committed seeds in Tests/Fuzz/Corpus/<target>.
#
# Usage: Tests/Fuzz/run.sh [SECONDS] [TARGET ...]
#
# New inputs go to $SCRATCH/corpus/<target> (kept between runs, not committed); a crash,
# hang (-timeout, 10 s per input) or over-large allocation is saved to
# $SCRATCH/artifacts/<target>/ and makes the script exit 1 after the other targets ran.
# SCRATCH defaults to .build-fuzz at the repository root; logs are in $SCRATCH/logs/.
# Environment: FUZZ_JOBS > 1 runs that many libFuzzer workers per target; FUZZ_ARGS adds flags.

set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
seconds=${1:-60}
shift || true
case "$seconds" in ''|*[!0-9]*) echo "run.sh: SECONDS must be a whole number, not '$seconds'" >&2; exit 64 ;; esac
all=(FuzzQMPCapture FuzzExecutableStrings FuzzConfigureCalls FuzzHelperScript FuzzSpecNeutralize FuzzBaseline FuzzRPMPackage FuzzPolicyFile)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")
scratch=${SCRATCH:-$root/.build-fuzz}

# -use-ld=lld: gold fails (internal error) linking libFuzzer with Swift's `main` alias.
swift build -c release --package-path "$here" --scratch-path "$scratch" \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld 2>&1 | grep -v "^warning: 'fuzz'" >&2

export ASAN_OPTIONS=${ASAN_OPTIONS:-allocator_may_return_null=1:detect_stack_use_after_return=1}
mkdir -p "$scratch/logs"
failed=()
for target in "${targets[@]}"; do
    work="$scratch/corpus/$target"
    artifacts="$scratch/artifacts/$target/"
    mkdir -p "$work" "$artifacts"
    log="$scratch/logs/$target.log"
    echo "== $target: ${seconds}s" >&2
    status=0
    parallel=()
    # Several jobs: libFuzzer forks workers that log to fuzz-N.log in the current directory.
    [ "${FUZZ_JOBS:-1}" -le 1 ] || parallel=(-jobs="$FUZZ_JOBS" -workers="$FUZZ_JOBS")
    # Seeds read in place rather than copied into Corpus/: the fixture helper scripts.
    seeds=("$here/Corpus/$target")
    [ "$target" != FuzzHelperScript ] || seeds+=("$root/Fixtures/specs")
    # shellcheck disable=SC2086
    (cd "$scratch/logs" && exec "$scratch/release/$target" "$work" "${seeds[@]}" \
        -max_total_time="$seconds" -rss_limit_mb=2048 -malloc_limit_mb=2048 -timeout=10 \
        -print_final_stats=1 -artifact_prefix="$artifacts" "${parallel[@]}" ${FUZZ_ARGS:-}) >"$log" 2>&1 || status=$?
    if [ ${#parallel[@]} -gt 0 ]; then cat "$scratch"/logs/fuzz-*.log >>"$log" 2>/dev/null && rm -f "$scratch"/logs/fuzz-*.log; fi
    # The last status line: executions, coverage, corpus.
    summary=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
    runs=$(grep -E '^stat::number_of_executed_units' "$log" | awk '{s+=$2} END {print s+0}')
    echo "   $summary" >&2
    echo "   executions: $runs, status $status, log $log" >&2
    if [ "$status" -ne 0 ]; then
        failed+=("$target")
        grep -E 'ERROR|invariant|SUMMARY|Test unit written' "$log" | head -5 >&2 || true
    fi
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "run.sh: findings in: ${failed[*]} (inputs in $scratch/artifacts/)" >&2
    exit 1
fi
echo "run.sh: ${#targets[@]} targets, ${seconds}s each, no finding" >&2
