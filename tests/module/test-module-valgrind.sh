#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The module's cmocka suite (tests/module/test-module, through the real
# pcscd + myna-vcard) under valgrind (issue #6):
#   memcheck: every test, zero errors and zero definite/indirect leaks,
#             the forked child of test_fork included (it frees what it
#             inherited from the parent without touching PC/SC);
#   helgrind: the threading tests (8 threads signing and reading token info
#             at once; C_WaitForSlotEvent ended by C_Finalize from another
#             thread): zero data races and lock-order errors.
# Suppressions (tests/valgrind.supp) only for third-party one-time
# allocations, each justified there.

set -u
# shellcheck source-path=SCRIPTDIR source=../harness/lib.sh
. "$(dirname "$0")/../harness/lib.sh"

harness_require valgrind
BIN=${TEST_MODULE:-$top_builddir/tests/module/test-module}
MODULE=${MYNA_PKCS11_MODULE:-$top_builddir/pkcs11/.libs/myna-pkcs11.so}
SUPP=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/valgrind.supp
[ -x "$BIN" ] || harness_bail "test program not built: $BIN"
[ -f "$MODULE" ] || harness_bail "module not built: $MODULE"
export MYNA_PKCS11_MODULE=$MODULE
export MYNA_TEST_AUTH_PIN MYNA_TEST_SIGN_PIN
harness_init
W=$HARNESS_DIR
harness_start_pcscd
harness_new_card vg
harness_start_vcard "$HARNESS_CARD"
MYNA_TEST_SERIAL=$("$MYNA_VCARD" status --card "$HARNESS_CARD" |
    sed -n 's/^serial=//p')
export MYNA_TEST_SERIAL

# run_tool NAME LOG VALGRIND-ARGS...: the suite under valgrind; "PASSED"
# count, the error summary and the exit status as checks.
run_tool() {
    local name=$1 log=$2 start rc
    shift 2
    start=$(date +%s)
    timeout 900 valgrind --quiet --error-exitcode=99 --suppressions="$SUPP" \
        "$@" "$BIN" >"$log" 2>&1
    rc=$?
    diag "$name: $(($(date +%s) - start)) s; $(grep -h 'PASSED' "$log")"
    check_eq "$name: exit status 0 (no valgrind error, every test passed)" \
        0 "$rc" || diag_file "$log" 60
    check_eq "$name: no FAILED test" 0 "$(grep -c 'FAILED' "$log")"
}

run_tool memcheck "$W/memcheck.log" --leak-check=full \
    --errors-for-leak-kinds=definite,indirect --trace-children=no \
    --child-silent-after-fork=no
check_match "memcheck: the whole suite ran" "*PASSED  ] 2[0-9] test*" \
    "$(grep -h 'PASSED' "$W/memcheck.log")"

MYNA_TEST_FILTER='test_threads' run_tool "helgrind (threads)" \
    "$W/helgrind.log" --tool=helgrind
check_match "helgrind: the thread test ran" "*threads x * signatures verified*" \
    "$(cat "$W/helgrind.log")"
MYNA_TEST_FILTER='test_wait_finalize' run_tool \
    "helgrind (C_Finalize wakes C_WaitForSlotEvent)" "$W/helgrind-wait.log" \
    --tool=helgrind
harness_done
