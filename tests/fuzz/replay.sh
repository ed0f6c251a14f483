#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# replay.sh BINARY CORPUS: replay a committed fuzz corpus through a fuzz
# target built without libFuzzer (tests/fuzz/replay.c).  The replay-*.sh
# tests of make check call it.  make check sets top_builddir and
# top_srcdir; by default both are the source tree this script lives in.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}

replay="$top_builddir/tests/fuzz/$1"
corpus="$top_srcdir/tests/fuzz/corpus/$2"

if [ ! -x "$replay" ]; then
    echo "replay: $replay not built (make check builds it)" >&2
    exit 99
fi
if [ ! -d "$corpus" ]; then
    echo "replay: no corpus at $corpus" >&2
    exit 99
fi
exec "$replay" "$corpus"
