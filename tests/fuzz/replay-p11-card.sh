#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Replay the fuzz corpus of the PKCS#11 module's card layer (pkcs11/card.c)
# through tests/fuzz/replay-p11-card (fuzz-p11-card.c built without
# libFuzzer).  make check sets top_builddir and top_srcdir; by default both
# are the source tree this script lives in.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}

replay="$top_builddir/tests/fuzz/replay-p11-card"
corpus="$top_srcdir/tests/fuzz/corpus/p11-card"

if [ ! -x "$replay" ]; then
    echo "replay-p11-card.sh: $replay not built (make check builds it)" >&2
    exit 99
fi
if [ ! -d "$corpus" ]; then
    echo "replay-p11-card.sh: no corpus at $corpus" >&2
    exit 99
fi
exec "$replay" "$corpus"
