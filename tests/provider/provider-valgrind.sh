#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The "myna" provider under valgrind memcheck (issue #6): real openssl
# commands, each run under valgrind with zero errors and zero definite or
# indirect leaks allowed:
#   with our module + the virtual card: store (certificate, public key),
#   pkeyutl -sign, dgst -sign, req -new (a CSR signed on the card), a wrong
#   PIN (the error path frees what it allocated);
#   with softhsm2 (RSA and EC P-256 keys made here): pkeyutl -sign with
#   PKCS#1 v1.5, PSS and ECDSA.
# Every signature is verified outside valgrind.

set -u
# shellcheck source-path=SCRIPTDIR source=../harness/lib.sh
. "$(dirname "$0")/../harness/lib.sh"

TOP=${top_builddir:-$(cd "$(dirname "$0")/../.." && pwd)}
PROVDIR=${MYNA_PROVIDER_DIR:-$TOP/provider/.libs}
MODULE=${MYNA_PKCS11_MODULE:-$TOP/pkcs11/.libs/myna-pkcs11.so}
SOFTHSM=${SOFTHSM2_MODULE:-/usr/lib/softhsm/libsofthsm2.so}
SRC=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
SUPP=$SRC/tests/valgrind.supp
LSAN_SUPP=$SRC/tests/lsan.supp
[ -f "$PROVDIR/myna.so" ] || harness_bail "provider not built: $PROVDIR/myna.so"
[ -f "$MODULE" ] || harness_bail "module not built: $MODULE"
harness_require openssl softhsm2-util pkcs11-tool
[ "${MYNA_MEM_TOOL:-valgrind}" = asan ] || harness_require valgrind
[ -f "$SOFTHSM" ] || harness_unavailable softhsm2 "$SOFTHSM missing"
harness_init
W=$HARNESS_DIR
P=(-provider-path "$PROVDIR" -provider myna -provider default)
N=0

# vg WHAT EXPECT-RC ARGS...: openssl ARGS under the memory checker; the
# exit status must be EXPECT-RC (0, or 1 for an expected failure) and the
# checker must report nothing.  MYNA_MEM_TOOL=asan (provider-asan.sh):
# instead of valgrind, the provider and module built with ASan + UBSan,
# loaded into openssl with the ASan runtime preloaded; any report aborts
# (exit 134), leaks included.
MEM_TOOL=${MYNA_MEM_TOOL:-valgrind}
ASAN_RT=$(${CC:-cc} -print-file-name=libasan.so)
vg() {
    local what=$1 want=$2 log rc
    shift 2
    N=$((N + 1))
    log=$W/vg.$N.log
    if [ "$MEM_TOOL" = asan ]; then
        LD_PRELOAD=$ASAN_RT \
            ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:halt_on_error=1 \
            UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
            LSAN_OPTIONS=suppressions=$LSAN_SUPP \
            timeout 300 openssl "$@" </dev/null >"$log" 2>&1
    else
        timeout 300 valgrind --quiet --error-exitcode=99 --leak-check=full \
            --errors-for-leak-kinds=definite,indirect \
            --suppressions="$SUPP" openssl "$@" </dev/null >"$log" 2>&1
    fi
    rc=$?
    check_eq "$MEM_TOOL: $what" "$want" "$rc" || diag_file "$log" 40
}

printf 'myna provider valgrind test %s\n' "$(date +%s%N)" >"$W/data"
openssl dgst -sha256 -binary "$W/data" >"$W/data.sha256"

# ------------------------------------------------ our module + the card
harness_start_pcscd
harness_new_card vg
harness_start_vcard "$HARNESS_CARD"
export MYNA_PROVIDER_MODULE=$MODULE
TOK='pkcs11:token=JPKI%20User%20Authentication;id=%01'
KEY="$TOK;type=private?pin-value=$MYNA_TEST_AUTH_PIN"
openssl x509 -in "$HARNESS_CARD/auth.crt" -pubkey -noout >"$W/auth.pub"

vg "x509 from the store (the card's certificate)" 0 x509 "${P[@]}" \
    -in "$TOK;type=cert" -noout -subject
vg "pkey -pubin from the store" 0 pkey "${P[@]}" -pubin \
    -in "$TOK;type=public" -pubout -out "$W/store.pub"
vg "pkeyutl -sign on the card" 0 pkeyutl -sign "${P[@]}" -inkey "$KEY" \
    -in "$W/data.sha256" -pkeyopt digest:sha256 -out "$W/card.sig"
check "the card's pkeyutl signature verifies" openssl pkeyutl -verify \
    -pubin -inkey "$W/auth.pub" -in "$W/data.sha256" -sigfile "$W/card.sig" \
    -pkeyopt digest:sha256
vg "dgst -sha256 -sign on the card" 0 dgst -sha256 "${P[@]}" -sign "$KEY" \
    -out "$W/dgst.sig" "$W/data"
check "the card's dgst signature verifies" openssl dgst -sha256 \
    -verify "$W/auth.pub" -signature "$W/dgst.sig" "$W/data"
vg "req -new signed on the card" 0 req -new "${P[@]}" -key "$KEY" \
    -subj /CN=valgrind -out "$W/req.pem"
check "the card's CSR verifies" openssl req -in "$W/req.pem" -verify -noout
vg "a wrong PIN: the error path" 1 pkeyutl -sign "${P[@]}" \
    -inkey "$TOK;type=private?pin-value=0000" -in "$W/data.sha256" \
    -pkeyopt digest:sha256 -out "$W/wrong.sig"

# ------------------------------------------------ softhsm2: RSA, PSS, EC
export SOFTHSM2_CONF=$W/softhsm2.conf
mkdir -p "$W/tokens"
printf '%s\n' "directories.tokendir = $W/tokens" \
    'objectstore.backend = file' 'log.level = ERROR' >"$SOFTHSM2_CONF"
softhsm2-util --init-token --free --label vg --so-pin 87654321 \
    --pin 123456 >>"$W/softhsm.log" 2>&1 ||
    harness_bail "softhsm2-util --init-token failed"
for k in "rsa:2048 01" "EC:prime256v1 02"; do
    set -- $k
    pkcs11-tool --module "$SOFTHSM" --token-label vg --login --pin 123456 \
        --keypairgen --key-type "$1" --id "$2" --label "k$2" \
        >>"$W/softhsm.log" 2>&1 || harness_bail "keypairgen $1 failed"
done
export MYNA_PROVIDER_MODULE=$SOFTHSM
H='pkcs11:token=vg'
vg "softhsm2: RSA public key from the store" 0 pkey "${P[@]}" -pubin \
    -in "$H;id=%01;type=public" -out "$W/rsa.pub"
vg "softhsm2: EC public key from the store" 0 pkey "${P[@]}" -pubin \
    -in "$H;id=%02;type=public" -out "$W/ec.pub"
vg "softhsm2: RSA PKCS#1 v1.5" 0 pkeyutl -sign "${P[@]}" \
    -inkey "$H;id=%01;type=private?pin-value=123456" -in "$W/data.sha256" \
    -pkeyopt digest:sha256 -out "$W/rsa.sig"
check "softhsm2: RSA signature verifies" openssl pkeyutl -verify -pubin \
    -inkey "$W/rsa.pub" -in "$W/data.sha256" -sigfile "$W/rsa.sig" \
    -pkeyopt digest:sha256
vg "softhsm2: RSA-PSS" 0 pkeyutl -sign "${P[@]}" \
    -inkey "$H;id=%01;type=private?pin-value=123456" -in "$W/data.sha256" \
    -pkeyopt digest:sha256 -pkeyopt rsa_padding_mode:pss -out "$W/pss.sig"
check "softhsm2: PSS signature verifies" openssl pkeyutl -verify -pubin \
    -inkey "$W/rsa.pub" -in "$W/data.sha256" -sigfile "$W/pss.sig" \
    -pkeyopt digest:sha256 -pkeyopt rsa_padding_mode:pss
vg "softhsm2: ECDSA P-256" 0 pkeyutl -sign "${P[@]}" \
    -inkey "$H;id=%02;type=private?pin-value=123456" -in "$W/data.sha256" \
    -out "$W/ec.sig"
check "softhsm2: ECDSA signature verifies" openssl pkeyutl -verify -pubin \
    -inkey "$W/ec.pub" -in "$W/data.sha256" -sigfile "$W/ec.sig"
harness_done
