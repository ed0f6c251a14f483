#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Unit tests under valgrind memcheck: any error or leak fails.  pki-check
# (RSA key generation: 80 s under valgrind) runs under ASan instead.
set -eu
b=${top_builddir:-.}
s=${top_srcdir:-.}
if ! command -v valgrind >/dev/null 2>&1; then
    echo "valgrind not found: install the Debian package valgrind" >&2
    exit 1
fi
for t in test-vcard-apdu test-vcard-card; do
    echo "== valgrind $t"
    valgrind --quiet --error-exitcode=99 --leak-check=full \
        --errors-for-leak-kinds=definite,indirect \
        --suppressions="$s/tests/valgrind.supp" "$b/tests/unit/$t"
done
