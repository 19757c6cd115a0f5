#!/usr/bin/env bash
# `make lint` as a test: cppcheck over the kernel sources must stay clean, and every #include must keep
# to its layer (scripts/check-layers, docs/ARCHITECTURE.md). Run by tests/run_tests.py with the host
# tests; prints the same vocabulary (PASS:/FAIL:/SUMMARY:).
cd "$(dirname "$0")/.." || exit 1
if ! command -v cppcheck >/dev/null 2>&1; then
	echo "FAIL: lint: cppcheck: cppcheck is not installed (scripts/setup installs it)"
	echo "SUMMARY: 0 passed, 1 failed, 0 skipped"
	exit 1
fi
if out=$(make -s lint 2>&1); then
	echo "PASS: lint: cppcheck, include layers"
	echo "SUMMARY: 1 passed, 0 failed, 0 skipped"
	exit 0
fi
echo "$out" | grep -E '(error|warning|portability)' | head -20 | sed 's/^/INFO: lint: /'
echo "FAIL: lint: cppcheck, include layers: make lint reported problems (above)"
echo "SUMMARY: 0 passed, 1 failed, 0 skipped"
exit 1
