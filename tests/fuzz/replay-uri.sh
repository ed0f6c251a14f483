#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Replay the fuzz corpus of the pkcs11: URI parser through
# tests/fuzz/replay-uri (fuzz-uri.c built without libFuzzer).
# make check sets top_builddir and top_srcdir; by default both are the
# source tree this script lives in.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}

replay="$top_builddir/tests/fuzz/replay-uri"
corpus="$top_srcdir/tests/fuzz/corpus/uri"

if [ ! -x "$replay" ]; then
    echo "replay-uri.sh: $replay not built (make check builds it)" >&2
    exit 99
fi
if [ ! -d "$corpus" ]; then
    echo "replay-uri.sh: no corpus at $corpus" >&2
    exit 99
fi
exec "$replay" "$corpus"
