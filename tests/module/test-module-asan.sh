#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# tests/module/test-module.sh again, with the module and the test program
# built with ASan + UBSan (tests/local.mk): the cmocka suite and every
# card-moving scenario (removal mid-operation, swap, pcscd restarts,
# C_WaitForSlotEvent) with any sanitizer report failing the run.
b=${top_builddir:-$(cd "$(dirname "$0")/../.." && pwd)}
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export MYNA_PKCS11_MODULE="$b/tests/module/.libs/myna-pkcs11-asan.so"
export TEST_MODULE="$b/tests/module/test-module-asan"
exec "$(dirname "$0")/test-module.sh"
