#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/summary.sh [DIR] - summarise an automake test run.
#
# Reads every *.trs file under DIR (default: tests, relative to the build
# directory) that `make check' left behind.  For each failed test it prints the
# test's name and the last 30 lines of its .log; then it prints exactly one
# line "N passed, M failed" (", K skipped" appended when K > 0).
# A test counts by its :global-test-result: PASS/XFAIL = passed,
# FAIL/XPASS/ERROR = failed, SKIP = skipped.
#
# Exit status: 1 if M > 0, or if K > 0 while CI=true (CI must not go green by
# skipping); 1 also when no .trs file was found; 0 otherwise.

set -uo pipefail

dir=${1:-tests}
lines=${SUMMARY_LOG_LINES:-30}

if [ ! -d "$dir" ]; then
    echo "summary: no directory '$dir' (run make check first)" >&2
    echo "0 passed, 0 failed"
    exit 1
fi

passed=0
failed=0
skipped=0
found=0

while IFS= read -r -d '' trs; do
    found=$((found + 1))
    name=${trs%.trs}
    name=${name#./}
    result=$(sed -n 's/^:global-test-result:[[:space:]]*//p' "$trs" | head -n 1)
    if [ -z "$result" ]; then
        # Older drivers: fall back to the worst per-test result.
        results=$(sed -n 's/^:test-result:[[:space:]]*//p' "$trs")
        case $results in
        *ERROR*) result=ERROR ;;
        *FAIL*) result=FAIL ;;
        *XPASS*) result=XPASS ;;
        *PASS*) result=PASS ;;
        *SKIP*) result=SKIP ;;
        *) result=ERROR ;;
        esac
    fi
    case $result in
    PASS | XFAIL)
        passed=$((passed + 1))
        ;;
    SKIP)
        skipped=$((skipped + 1))
        ;;
    *)
        failed=$((failed + 1))
        echo "$result: $name"
        log=${trs%.trs}.log
        if [ -f "$log" ]; then
            echo "--- last $lines lines of $log:"
            tail -n "$lines" "$log" | sed 's/^/  | /'
        else
            echo "--- (no log file $log)"
        fi
        echo
        ;;
    esac
done < <(find "$dir" -name '*.trs' -type f -print0 | sort -z)

if [ "$skipped" -gt 0 ]; then
    echo "$passed passed, $failed failed, $skipped skipped"
else
    echo "$passed passed, $failed failed"
fi

if [ "$found" -eq 0 ]; then
    echo "summary: no *.trs files under '$dir' (did make check run?)" >&2
    exit 1
fi
if [ "$failed" -gt 0 ]; then
    exit 1
fi
if [ "$skipped" -gt 0 ] && [ "${CI:-}" = true ]; then
    echo "summary: $skipped test(s) skipped, which CI does not accept" >&2
    exit 1
fi
exit 0
