#!/usr/bin/env bash
# `make format` as a test: the tree is as clang-format (Debian 12's, with the repository's
# .clang-format) would leave it. Run with the host tests; PASS:/FAIL: lines.
cd "$(dirname "$0")/.." || exit 1
if ! command -v clang-format >/dev/null 2>&1; then
	echo "FAIL: format: clang-format is not installed (scripts/setup installs it)"
	echo "SUMMARY: 0 passed, 1 failed, 0 skipped"
	exit 1
fi
mapfile -t files < <(find arch boot kernel drivers include apps tests bench -name '*.[ch]' | sort)
out=$(clang-format --dry-run "${files[@]}" 2>&1 | grep ': warning:')
if [ -z "$out" ]; then
	echo "PASS: format: ${#files[@]} files as clang-format leaves them"
	echo "SUMMARY: 1 passed, 0 failed, 0 skipped"
	exit 0
fi
echo "$out" | head -20 | sed 's/^/INFO: format: /'
echo "FAIL: format: $(echo "$out" | cut -d: -f1 | sort -u | wc -l) files differ from clang-format ($(echo "$out" | wc -l) places; 'make format' fixes them)"
echo "SUMMARY: 0 passed, 1 failed, 0 skipped"
exit 1
