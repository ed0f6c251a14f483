#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Unit tests and fuzz-corpus replay built with ASan + UBSan.
set -eu
b=${top_builddir:-.}
s=${top_srcdir:-.}
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
"$b/tests/unit/test-vcard-card-asan"
"$b/tests/unit/pki-check-asan"
"$b/tests/eligd/test-trust-asan"
"$b/tests/fuzz/replay-vcard-asan" "$s/tests/fuzz/corpus/vcard-apdu"
"$b/tests/fuzz/replay-p11-module-asan" "$s/tests/fuzz/corpus/p11-module"
