#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The "myna" provider (issue #4) with a CKA_ALWAYS_AUTHENTICATE key
# (softhsm2): every C_SignInit needs a C_Login(CKU_CONTEXT_SPECIFIC), which
# the provider makes itself with the PIN of the login (URI, -passin), with
# no second prompt and no terminal (stdin closed).  softhsm2 enforces it:
# without the context login C_Sign returns CKR_USER_NOT_LOGGED_IN.
# Then, with our module + myna-vcard (skipped without pcscd/vpcd): the
# provider refuses to log in when the card's auth PIN is on its final try
# (two wrong VERIFYs sent here) and when it is locked (three), with a clear
# error and no VERIFY of its own (the card's --trace).
# pin-value in the URIs is a test convenience.

set -u
# shellcheck source-path=SCRIPTDIR source=../harness/lib.sh
. "$(dirname "$0")/../harness/lib.sh"

TOP=${top_builddir:-$(cd "$(dirname "$0")/../.." && pwd)}
PROVDIR=${MYNA_PROVIDER_DIR:-$TOP/provider/.libs}
SOFTHSM=${SOFTHSM2_MODULE:-/usr/lib/softhsm/libsofthsm2.so}
MODULE=${MYNA_PKCS11_MODULE:-$TOP/pkcs11/.libs/myna-pkcs11.so}
[ -f "$PROVDIR/myna.so" ] || harness_bail "provider not built: $PROVDIR/myna.so"
for t in openssl softhsm2-util pkcs11-tool; do
    command -v "$t" >/dev/null 2>&1 || harness_unavailable "$t" "not installed"
done
[ -f "$SOFTHSM" ] || harness_unavailable softhsm2 "$SOFTHSM missing"

harness_init
W=$HARNESS_DIR
P=(-provider-path "$PROVDIR" -provider myna -provider default)

ossl() {
    {
        printf '$ openssl'
        printf ' %q' "$@"
        echo
    } >>"$W/openssl.log"
    timeout 60 openssl "$@" 2>&1 </dev/null | tee -a "$W/openssl.log"
    return "${PIPESTATUS[0]}"
}

printf 'myna provider auth test %s\n' "$(date +%s%N)" >"$W/data"
openssl dgst -sha256 -binary "$W/data" >"$W/data.sha256"

export SOFTHSM2_CONF=$W/softhsm2.conf
mkdir -p "$W/tokens"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' \
    "$W/tokens" >"$SOFTHSM2_CONF"
softhsm2-util --init-token --free --label myna-auth --so-pin 87654321 \
    --pin 123456 >>"$W/softhsm.log" 2>&1 || harness_bail "softhsm2-util --init-token failed"
pkcs11-tool --module "$SOFTHSM" --token-label myna-auth --login --pin 123456 \
    --keypairgen --key-type rsa:2048 --id 42 --label always --always-auth \
    >>"$W/softhsm.log" 2>&1 || harness_bail "pkcs11-tool --keypairgen --always-auth failed"
out=$(pkcs11-tool --module "$SOFTHSM" --token-label myna-auth --login \
    --pin 123456 -O --type privkey 2>&1)
check_match "the key has CKA_ALWAYS_AUTHENTICATE" "*always authenticate*" "$out"

export MYNA_PROVIDER_MODULE=$SOFTHSM
TOK='pkcs11:token=myna-auth;id=%42'
check "public key through the store" \
    ossl pkey "${P[@]}" -pubin -in "$TOK;type=public" -pubout -out "$W/pub.pem"

# ossl() closes stdin: a prompt would fail, so these prove there is none.
check "pkeyutl -sign, pin-value in the URI, stdin closed" \
    ossl pkeyutl -sign "${P[@]}" -inkey "$TOK;type=private?pin-value=123456" \
    -in "$W/data.sha256" -pkeyopt digest:sha256 -out "$W/uri.sig"
check "the signature verifies" \
    openssl pkeyutl -verify -pubin -inkey "$W/pub.pem" -in "$W/data.sha256" \
    -sigfile "$W/uri.sig" -pkeyopt digest:sha256
check "pkeyutl -sign, -passin (the passphrase callback), stdin closed" \
    ossl pkeyutl -sign "${P[@]}" -inkey "$TOK;type=private" \
    -passin pass:123456 -in "$W/data.sha256" -pkeyopt digest:sha256 \
    -out "$W/passin.sig"
check "the -passin signature verifies" \
    openssl pkeyutl -verify -pubin -inkey "$W/pub.pem" -in "$W/data.sha256" \
    -sigfile "$W/passin.sig" -pkeyopt digest:sha256
printf '123456\n' >"$W/pin.txt"
check "dgst -sha256 -sign, pin-source file" \
    ossl dgst -sha256 "${P[@]}" \
    -sign "$TOK;type=private?pin-source=file:$W/pin.txt" \
    -out "$W/dgst.sig" "$W/data"
check "the dgst signature verifies" \
    openssl dgst -sha256 -verify "$W/pub.pem" -signature "$W/dgst.sig" \
    "$W/data"
out=$(ossl pkeyutl -sign "${P[@]}" -inkey "$TOK;type=private" \
    -in "$W/data.sha256" -pkeyopt digest:sha256 -out "$W/none.sig")
rc=$?
check_eq "no PIN source, no terminal: fails (no hang)" 1 $((rc != 0))
diag "no PIN: $(grep -m1 -i 'pin' <<<"$out")"
unset SOFTHSM2_CONF

# ------------------------------ our module + the card: final try, locked
if ! (harness_require) >/dev/null 2>&1 || [ ! -f "$MODULE" ]; then
    diag "card part skipped: pcscd/vpcd/myna-vcard or $MODULE unavailable"
    harness_done
fi
harness_require
harness_start_pcscd
harness_new_card auth
harness_start_vcard "$HARNESS_CARD" --trace "$W/trace"
export MYNA_PROVIDER_MODULE=$MODULE
KEY="pkcs11:token=JPKI%20User%20Authentication;id=%01;type=private"
KEY="$KEY?pin-value=$MYNA_TEST_AUTH_PIN"
verifies() { grep -c '^> 00200080 \*\*' "$W/trace"; }
# One wrong VERIFY of the auth PIN (EF 0018), "9999", straight to the card.
wrong_verify() {
    apdu "$SELECT_JPKI" 00A4020C020018 002000800439393939 | tail -n 1
}

check_eq "card: wrong VERIFY 1 (2 tries left)" 63C2 "$(wrong_verify)"
check_eq "card: wrong VERIFY 2 (1 try left)" 63C1 "$(wrong_verify)"
before=$(verifies)
check_eq "card: the trace shows the two wrong VERIFYs" 2 "$before"
out=$(ossl pkeyutl -sign "${P[@]}" -inkey "$KEY" -in "$W/data.sha256" \
    -pkeyopt digest:sha256 -out "$W/final.sig")
rc=$?
check_eq "final try: pkeyutl -sign fails" 1 $((rc != 0))
check_match "final try: the error says so" "*final try*" "$out"
diag "final try: $(grep -m1 'final try' <<<"$out")"
check_eq "final try: no VERIFY from the provider" "$before" "$(verifies)"

check_eq "card: wrong VERIFY 3 (locked: 0 tries)" 63C0 "$(wrong_verify)"
before=$(verifies)
out=$(ossl pkeyutl -sign "${P[@]}" -inkey "$KEY" -in "$W/data.sha256" \
    -pkeyopt digest:sha256 -out "$W/locked.sig")
rc=$?
check_eq "locked: pkeyutl -sign fails" 1 $((rc != 0))
check_match "locked: the error says so" "*locked*" "$out"
diag "locked: $(grep -m1 'locked' <<<"$out")"
check_eq "locked: no VERIFY from the provider" "$before" "$(verifies)"
harness_done
