#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# make fuzz: build every libFuzzer target with clang (ASan + UBSan) and run
# each for FUZZ_SECONDS (default 60) on a scratch copy of its committed
# corpus; the committed seeds are never rewritten.  FUZZ_TARGETS picks a
# subset.  Prints executions and coverage per target and fails on the
# first crash, leaving the reproducer in $FUZZ_DIR/<target>/.
set -euo pipefail

srcdir=$(cd "$(dirname "$0")/../.." && pwd)
builddir=${top_builddir:-$srcdir}
seconds=${FUZZ_SECONDS:-60}
dir=${FUZZ_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/myna-fuzz.XXXXXX")}
cc=${FUZZ_CC:-clang}
cflags=(-std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined
    -fno-sanitize-recover=all -I"$builddir" -I"$srcdir"
    -I"$srcdir/pkcs11" -I"$srcdir/provider" -I"$srcdir/tools/vcard"
    -I"$srcdir/tools/card" -I"$srcdir/tools/elig" -I"$srcdir/tools/qualify"
    -I"$srcdir/tools/eligd"
    -I"$srcdir/tests/unit" $(pkg-config --cflags p11-kit-1))
vcard=(apdu.c card.c content.c apps.c trace.c people.c state.c pki.c)
elig=(tools/elig/b64.c tools/elig/checkdigit.c tools/elig/codes.c
    tools/elig/fields.c)
# myna-eligd without main.c and http.c (no socket in a fuzz target).
eligd=(audit.c certid.c import.c jws.c nonce.c refusal.c request.c result.c
    service.c store-sqlite.c terminals.c)
eligd_trust() { (cd "$srcdir" && ls tools/eligd/trust*.c); }
# The whole PKCS#11 module but transport-pcsc.c (fuzz-transport.c instead).
p11core=(attr.c card.c sw.c digest.c log.c pin.c session.c slot.c token.c
    x509.c module.c)

# sources TARGET: the files of one target (relative to the source tree).
sources() {
    case $1 in
    vcard-apdu)
        echo tests/fuzz/fuzz-vcard-apdu.c tests/unit/vcard-fixture.c \
            "${vcard[@]/#/tools/vcard/}"
        ;;
    p11-card) echo tests/fuzz/fuzz-p11-card.c pkcs11/card.c pkcs11/sw.c ;;
    p11-x509)
        echo tests/fuzz/fuzz-p11-x509.c pkcs11/attr.c pkcs11/digest.c \
            pkcs11/x509.c
        ;;
    p11-module)
        echo tests/fuzz/fuzz-p11-module.c tests/fuzz/fuzz-transport.c \
            tests/fuzz/p11-rv-sets.c "${p11core[@]/#/pkcs11/}"
        ;;
    uri) echo tests/fuzz/fuzz-uri.c provider/uri.c ;;
    card-attrs) echo tests/fuzz/fuzz-card-attrs.c tools/card/attrs.c ;;
    qualify-response)
        echo tests/fuzz/fuzz-qualify-response.c tools/qualify/response.c \
            tools/elig/b64.c tools/elig/checkdigit.c tools/elig/codes.c \
            tools/elig/fields.c
        ;;
    eligd-jws)
        echo tests/fuzz/fuzz-eligd-jws.c "${elig[@]}" \
            "${eligd[@]/#/tools/eligd/}" $(eligd_trust)
        ;;
    eligd-http)
        echo tests/fuzz/fuzz-eligd-http.c "${elig[@]}" \
            "${eligd[@]/#/tools/eligd/}" $(eligd_trust)
        ;;
    *) return 1 ;;
    esac
}

# libs TARGET: what a target links beyond libcrypto.
libs() {
    case $1 in
    eligd-*) echo -lsqlite3 ;;
    esac
}

command -v "$cc" >/dev/null || { echo "fuzz: $cc not found (apt-get install clang)" >&2; exit 1; }
status=0
for t in ${FUZZ_TARGETS:-vcard-apdu p11-card p11-module p11-x509 uri card-attrs qualify-response eligd-jws eligd-http}; do
    mkdir -p "$dir/$t/corpus"
    read -r -a src <<<"$(sources "$t")"
    read -r -a lib <<<"$(libs "$t")"
    (cd "$srcdir" && "$cc" "${cflags[@]}" "${src[@]}" "${lib[@]}" -lcrypto -ljansson -lpthread \
        -o "$dir/$t/fuzz")
    cp -r "$srcdir/tests/fuzz/corpus/$t/." "$dir/$t/corpus/"
    echo "== fuzz $t for ${seconds}s"
    if (cd "$dir/$t" && ./fuzz -max_total_time="$seconds" -print_final_stats=1 \
        -artifact_prefix="$dir/$t/" corpus >"$dir/$t/log" 2>&1); then
        grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' "$dir/$t/log" |
            tail -n 2
    else
        echo "fuzz: $t crashed; reproducer and log in $dir/$t/" >&2
        tail -n 30 "$dir/$t/log" >&2
        status=1
    fi
done
[ -n "${FUZZ_DIR:-}" ] || [ "$status" -ne 0 ] || rm -rf "$dir"
exit "$status"
