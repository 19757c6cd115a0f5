#!/usr/bin/env bash
# Runs one libFuzzer harness (build/fuzz/<name>, built by `make fuzz-build`) and reports in the host
# tests' vocabulary: one PASS:/FAIL: line and a SUMMARY: line (docs/TESTING.md "Fuzzing").
#
#   tests/fuzz/run.sh NAME SECONDS          fuzz for SECONDS from build/fuzz/corpus/NAME, which keeps
#                                           what earlier runs found (the committed seeds are added first)
#   tests/fuzz/run.sh --test NAME SECONDS   the same from a fresh copy of the committed corpus
#                                           (build/fuzz/test-corpus/NAME; what make test runs)
#   tests/fuzz/run.sh --replay NAME [FILE|DIR...]
#                                           run each input once, no fuzzing (regression): by default
#                                           every committed seed of tests/fuzz/corpus/NAME
#
# The tree is never written: corpora, crash inputs (build/fuzz/crashes/NAME/) and the whole output of
# the run (build/fuzz/logs/NAME.log) go under build/fuzz/. A FAIL line names the crash input and the
# command that replays it.
cd "$(dirname "$0")/../.." || exit 1

mode=fuzz
case "${1:-}" in
--test) mode=test; shift ;;
--replay) mode=replay; shift ;;
esac
name=${1:?usage: tests/fuzz/run.sh [--test|--replay] NAME [SECONDS | FILE...]}
shift
bin=build/fuzz/$name
seeds=tests/fuzz/corpus/$name
crashes=build/fuzz/crashes/$name
log=build/fuzz/logs/$name.log

fail() {
	echo "FAIL: fuzz: $name: $*"
	echo "SUMMARY: 0 passed, 1 failed, 0 skipped"
	exit 1
}

[ -x "$bin" ] || fail "$bin is not built (make fuzz-build; clang and libclang-rt-14-dev from scripts/setup)"
[ -d "$seeds" ] || fail "no committed corpus $seeds (tests/fuzz/gen_corpus.py writes it)"
mkdir -p "$crashes" "$(dirname "$log")"

# The first line that says what went wrong: an oracle of the harness, a sanitizer, or libFuzzer.
why() {
	grep -m1 -E 'ORACLE: ' "$log" && return
	grep -m1 -E '^SUMMARY: (Address|UndefinedBehavior|Leak)Sanitizer' "$log" && return
	grep -m1 -E 'runtime error: ' "$log" && return
	grep -m1 -E '^==[0-9]+== ?ERROR: ' "$log" && return
	tail -n 3 "$log" | tr '\n' ' '
}
# Libfuzzer's options for every run: per-input timeout, memory cap, inputs up to 1 KiB.
opts=(-timeout=25 -rss_limit_mb=2048 -max_len=1024 -print_final_stats=0 -artifact_prefix="$crashes/")

if [ "$mode" = replay ]; then
	inputs=("$@")
	[ ${#inputs[@]} -gt 0 ] || inputs=("$seeds")
	files=()
	for i in "${inputs[@]}"; do
		if [ -d "$i" ]; then
			while IFS= read -r f; do files+=("$f"); done < <(find "$i" -maxdepth 1 -type f | sort)
		else
			files+=("$i")
		fi
	done
	[ ${#files[@]} -gt 0 ] || fail "nothing to replay in ${inputs[*]}"
	# Individual files: libFuzzer runs each once and writes nothing.
	"$bin" "${opts[@]}" "${files[@]}" >"$log" 2>&1
	rc=$?
	if [ $rc -ne 0 ]; then
		last=$(grep '^Running: ' "$log" | tail -n 1 | sed 's/^Running: //')
		fail "replay: $(why) (input $last; replay: $bin $last; log $log)"
	fi
	echo "PASS: fuzz: $name: replayed ${#files[@]} inputs"
	echo "SUMMARY: 1 passed, 0 failed, 0 skipped"
	exit 0
fi

secs=${1:?usage: tests/fuzz/run.sh [--test] NAME SECONDS}
if [ "$mode" = test ]; then
	corpus=build/fuzz/test-corpus/$name
	rm -rf "$corpus"
	# make test mutates from a fixed seed (FUZZ_SEED), so a run explores the same inputs in the same
	# order on every machine (a slower one fewer of them): what passed here passes in CI. make fuzz
	# draws a new seed each time, to find new things.
	opts+=(-seed="${FUZZ_SEED:-1}")
else
	corpus=build/fuzz/corpus/$name
fi
mkdir -p "$corpus"
cp "$seeds"/* "$corpus"/ 2>/dev/null
"$bin" "${opts[@]}" -max_total_time="$secs" "$corpus" >"$log" 2>&1
rc=$?
crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
if [ -n "$crash" ]; then
	fail "$(why) (input $crash; replay: $bin $crash; minimize: $bin -minimize_crash=1 -runs=10000 $crash; log $log)"
elif [ $rc -ne 0 ]; then
	fail "libFuzzer exited with status $rc: $(why) (log $log)"
fi
runs=$(sed -n 's/^Done \([0-9]*\) runs in.*/\1/p' "$log")
stats=$(grep -E '^#[0-9]+' "$log" | tail -n 1 | sed -n 's/.* cov: \([0-9]*\).* corp: \([0-9]*\).*/coverage \1, corpus \2/p')
echo "PASS: fuzz: $name: ${secs} s, ${runs:-?} inputs, ${stats:-no stats} (corpus $corpus)"
echo "SUMMARY: 1 passed, 0 failed, 0 skipped"
exit 0
