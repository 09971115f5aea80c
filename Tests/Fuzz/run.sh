#!/usr/bin/env bash
# Builds the libFuzzer targets and runs each for a bounded time (see Tests/Fuzz/README.md).
#
#   FUZZ_SECONDS   seconds per target (default 60)
#   FUZZ_TARGETS   targets to run (default: all five), e.g. "http-head chunked"
#   FUZZ_JOBS      targets fuzzed at the same time (default: the number of cores, at most 5)
#   FUZZ_ASAN      1 (default) adds AddressSanitizer (catches out-of-bounds reads of unsafe
#                  buffers, which -O builds do not check); 0 builds with libFuzzer only
#
# Exit status: 0 when no target found anything; 1 when a regression input or a fuzzer crashed,
# hung (-timeout) or ran out of memory. Each finding's reproducer path and bytes are printed.
set -uo pipefail

cd "$(dirname "$0")/../.."
SWIFT=${SWIFT:-swift}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_TARGETS=${FUZZ_TARGETS:-"http-head chunked client-hello server-hello config"}
jobs_default=$(nproc 2>/dev/null || echo 2)
FUZZ_JOBS=${FUZZ_JOBS:-$(( jobs_default > 5 ? 5 : jobs_default ))}
FUZZ_ASAN=${FUZZ_ASAN:-1}

if [ "$FUZZ_ASAN" = 1 ]; then
    scratch_path=.build-fuzz-asan
    # --sanitize=fuzzer makes SwiftPM compile the entry files as libraries (libFuzzer has main);
    # -Xswiftc replaces the driver's sanitizer list (two --sanitize flags lose the fuzzer coverage).
    sanitize=(--sanitize=fuzzer -Xswiftc -sanitize=address,fuzzer -Xcc -fsanitize=address)
else
    scratch_path=.build-fuzz
    sanitize=(--sanitize=fuzzer)
fi

# Per-target libFuzzer options: the hello targets may need a full record (16 KiB + header).
options_for() {
    [ -f "Tests/Fuzz/Dict/$1.dict" ] && echo "-dict=Tests/Fuzz/Dict/$1.dict"
    case "$1" in
        client-hello|server-hello) echo "-max_len=17000" ;;
        config) echo "-max_len=4096 -timeout=20" ;;
        *) echo "-max_len=4096" ;;
    esac
}

start=$SECONDS
build_log=$(mktemp /tmp/tlsgate-fuzz-build.XXXXXX)
trap 'rm -f "$build_log"' EXIT
for target in $FUZZ_TARGETS; do
    [ -d "Tests/Fuzz/Corpus/$target" ] || { echo "unknown fuzz target '$target'" >&2; exit 2; }
    echo "== building fuzz-$target"
    if ! "$SWIFT" build -c release "${sanitize[@]}" --scratch-path "$scratch_path" --product "fuzz-$target" \
        >"$build_log" 2>&1; then
        cat "$build_log" >&2
        echo "build of fuzz-$target failed" >&2
        exit 1
    fi
done
echo "== built in $((SECONDS - start))s"

export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=0}
work=$(mktemp -d /tmp/tlsgate-fuzz.XXXXXX)
failed=0

# Known findings stay fixed: run every stored regression input once.
for target in $FUZZ_TARGETS; do
    dir="Tests/Fuzz/Regressions/$target"
    [ -d "$dir" ] || continue
    inputs=$(find "$dir" -type f ! -name '*.md' | sort)
    [ -n "$inputs" ] || continue
    # shellcheck disable=SC2086
    if ! "$scratch_path/release/fuzz-$target" $inputs >"$work/regress-$target.log" 2>&1; then
        echo "!! fuzz-$target: a regression input in $dir fails again:"
        grep -E 'Running:|Fatal error|ERROR: |SUMMARY' "$work/regress-$target.log" | head -20
        failed=1
    else
        echo "== fuzz-$target: regression inputs pass ($(echo "$inputs" | wc -l))"
    fi
done

# One fuzzing run: new corpus entries go to a scratch dir (the first corpus dir); the repo's seed
# corpus is only read; artifacts (crash-/timeout-/oom-) go to a scratch dir.
fuzz_one() {
    local target=$1 dir="$work/$1"
    mkdir -p "$dir/corpus" "$dir/artifacts"
    # shellcheck disable=SC2046
    "$scratch_path/release/fuzz-$target" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$dir/artifacts/" $(options_for "$target") \
        "$dir/corpus" "Tests/Fuzz/Corpus/$target" >"$dir/log" 2>&1
    echo $? >"$dir/status"
}

echo "== fuzzing $FUZZ_TARGETS for ${FUZZ_SECONDS}s each, $FUZZ_JOBS at a time"
running=0
for target in $FUZZ_TARGETS; do
    fuzz_one "$target" &
    running=$((running + 1))
    if [ "$running" -ge "$FUZZ_JOBS" ]; then wait -n; running=$((running - 1)); fi
done
wait

for target in $FUZZ_TARGETS; do
    dir="$work/$target"
    status=$(cat "$dir/status" 2>/dev/null || echo 1)
    stats=$(grep -E '^stat::number_of_executed_units' "$dir/log" | awk '{print $2}')
    cov=$(grep -E '^#[0-9]+.*cov: ' "$dir/log" | tail -1 | sed -E 's/.*(cov: [0-9]+ ft: [0-9]+ corp: [^ ]+).*/\1/')
    if [ "$status" = 0 ]; then
        echo "== fuzz-$target: ok (${stats:-?} runs; ${cov:-?})"
        continue
    fi
    failed=1
    echo "!! fuzz-$target: FAILED (libFuzzer exit $status); log: $dir/log"
    grep -E 'Fatal error|ERROR: |SUMMARY|==[0-9]+== ?ERROR|deadly signal|Test unit written' "$dir/log" | head -20
    for artifact in "$dir"/artifacts/*; do
        [ -f "$artifact" ] || continue
        echo "   reproducer: $artifact ($(stat -c %s "$artifact") bytes)"
        echo "   hex: $(head -c 2048 "$artifact" | od -An -v -tx1 | tr -d ' \n')"
        echo "   reproduce: $scratch_path/release/fuzz-$target $artifact"
    done
done

echo "== make fuzz took $((SECONDS - start))s"
if [ "$failed" = 0 ]; then rm -rf "$work"; fi
exit "$failed"
