#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# gen-p11-module-seeds.sh [OUT_DIR]: record the seed corpus of
# fuzz-p11-module (real sessions with a virtual card; scenarios in
# gen-p11-module-seeds.c).  Makes a test PKI and card with myna-vcard in a
# scratch directory.  With OUT_DIR (tests/fuzz/corpus/p11-module to
# regenerate the committed seeds after the module changes what it sends)
# the seeds go there; without it (make check) they go to the scratch
# directory, which checks that every scenario still records, replays APDU
# for APDU and signs what it should.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
vcard=${MYNA_VCARD:-$top_builddir/tools/myna-vcard}
gen=$top_builddir/tests/fuzz/gen-p11-module-seeds

for p in "$vcard" "$gen"; do
    if [ ! -x "$p" ]; then
        echo "gen-p11-module-seeds: $p not built (make check builds it)" >&2
        exit 99
    fi
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/myna-p11-seeds.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
"$vcard" init --pki "$tmp/pki" >/dev/null
"$vcard" create --pki "$tmp/pki" --card "$tmp/card" >/dev/null
out=${1:-$tmp/seeds}
mkdir -p "$out"
"$gen" "$tmp/card" "$out"
