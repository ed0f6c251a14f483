#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# tests/provider/provider-valgrind.sh again with the provider and the
# module built with ASan + UBSan (provider/local.mk, tests/local.mk) and
# the ASan runtime preloaded into openssl: the card and softhsm2 paths,
# any sanitizer report fails.
b=${top_builddir:-$(cd "$(dirname "$0")/../.." && pwd)}
export MYNA_MEM_TOOL=asan
export MYNA_PROVIDER_DIR="$b/tests/provider/asan/.libs"
export MYNA_PKCS11_MODULE="$b/tests/module/.libs/myna-pkcs11-asan.so"
exec "$(dirname "$0")/provider-valgrind.sh"
