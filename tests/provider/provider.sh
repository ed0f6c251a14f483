#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The "myna" OpenSSL provider (issue #4) through real openssl commands:
#  1. softhsm2 with an RSA key generated here (PKCS#1 v1.5 and PSS),
#     and 4 threads signing with one key (provider-threads.c);
#  2. our module + pcscd + myna-vcard (PKCS#1 v1.5 only, the card's case),
#     with the card's --trace to count VERIFY commands.
# pin-value in the URIs is a test convenience; real users let the
# passphrase prompt (or -passin) supply the PIN.

set -u
# shellcheck source-path=SCRIPTDIR source=../harness/lib.sh
. "$(dirname "$0")/../harness/lib.sh"

TOP=${top_builddir:-$(cd "$(dirname "$0")/../.." && pwd)}
PROVDIR=${MYNA_PROVIDER_DIR:-$TOP/provider/.libs}
MODULE=${MYNA_PKCS11_MODULE:-$TOP/pkcs11/.libs/myna-pkcs11.so}
SOFTHSM=${SOFTHSM2_MODULE:-/usr/lib/softhsm/libsofthsm2.so}
[ -f "$PROVDIR/myna.so" ] || harness_bail "provider not built: $PROVDIR/myna.so"
for t in openssl softhsm2-util pkcs11-tool; do
    command -v "$t" >/dev/null 2>&1 || harness_unavailable "$t" "not installed"
done
[ -f "$SOFTHSM" ] || harness_unavailable softhsm2 "$SOFTHSM missing"

harness_init
W=$HARNESS_DIR
# No -propquery: a token private key is never exported to another
# provider, so OpenSSL keeps its signatures in ours (keymgmt-rsa.c).
P=(-provider-path "$PROVDIR" -provider myna -provider default)

ossl() {
    {
        printf '$ openssl'
        printf ' %q' "$@"
        echo
    } >>"$W/openssl.log"
    timeout 60 openssl "$@" 2>&1 | tee -a "$W/openssl.log"
    return "${PIPESTATUS[0]}"
}

printf 'myna provider test %s\n' "$(date +%s%N)" >"$W/data"
openssl dgst -sha256 -binary "$W/data" >"$W/data.sha256"

# ------------------------------------------------------------ softhsm2
export SOFTHSM2_CONF=$W/softhsm2.conf
mkdir -p "$W/tokens"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' \
    "$W/tokens" >"$SOFTHSM2_CONF"
softhsm2-util --init-token --free --label myna-test --so-pin 87654321 \
    --pin 123456 >>"$W/softhsm.log" 2>&1 || harness_bail "softhsm2-util --init-token failed"
pkcs11-tool --module "$SOFTHSM" --token-label myna-test --login --pin 123456 \
    --keypairgen --key-type rsa:2048 --id 01 --label rsa1 \
    >>"$W/softhsm.log" 2>&1 || harness_bail "pkcs11-tool --keypairgen failed"

export MYNA_PROVIDER_MODULE=$SOFTHSM
KEY='pkcs11:token=myna-test;id=%01;type=private?pin-value=123456'
PUB='pkcs11:token=myna-test;id=%01;type=public'

check "softhsm: public key through the store" \
    ossl pkey "${P[@]}" -pubin -in "$PUB" -pubout -out "$W/hsm.pub"
check "softhsm: pkeyutl -sign (PKCS#1 v1.5, sha256)" \
    ossl pkeyutl -sign "${P[@]}" -inkey "$KEY" -in "$W/data.sha256" \
    -pkeyopt digest:sha256 -out "$W/hsm.sig"
check "softhsm: the signature verifies" \
    openssl pkeyutl -verify -pubin -inkey "$W/hsm.pub" -in "$W/data.sha256" \
    -sigfile "$W/hsm.sig" -pkeyopt digest:sha256
check "softhsm: pkeyutl -sign (PSS)" \
    ossl pkeyutl -sign "${P[@]}" -inkey "$KEY" -in "$W/data.sha256" \
    -pkeyopt digest:sha256 -pkeyopt rsa_padding_mode:pss -out "$W/hsm.pss"
check "softhsm: the PSS signature verifies" \
    openssl pkeyutl -verify -pubin -inkey "$W/hsm.pub" -in "$W/data.sha256" \
    -sigfile "$W/hsm.pss" -pkeyopt digest:sha256 \
    -pkeyopt rsa_padding_mode:pss
check "softhsm: dgst -sha256 -sign" \
    ossl dgst -sha256 "${P[@]}" -sign "$KEY" -out "$W/hsm.dgst" \
    "$W/data"
check "softhsm: dgst signature verifies" \
    openssl dgst -sha256 -verify "$W/hsm.pub" -signature "$W/hsm.dgst" \
    "$W/data"
check "softhsm: pkey -pubout of the private key (our encoder)" \
    ossl pkey "${P[@]}" -in "$KEY" -pubout -out "$W/hsm-priv.pub"
check "softhsm: same public key as the public object" \
    cmp "$W/hsm.pub" "$W/hsm-priv.pub"
out=$(ossl pkey "${P[@]}" -in "$KEY" -text -noout)
check_match "softhsm: pkey -text says the key is in a token" \
    "Private-Key: (2048 bit, in a PKCS#11 token*Modulus:*Exponent: 65537*" \
    "$out"
check "softhsm: dgst -verify with the providers loaded" \
    ossl dgst -sha256 "${P[@]}" -verify "$W/hsm.pub" -signature "$W/hsm.dgst" \
    "$W/data"
check "softhsm: req -new (CSR signed in the token)" \
    ossl req -new "${P[@]}" -key "$KEY" -subj /CN=myna-softhsm \
    -out "$W/hsm.csr"
check "softhsm: the CSR verifies" openssl req -verify -noout -in "$W/hsm.csr"
check "softhsm: req -x509 (self-signed in the token)" \
    ossl req -new -x509 "${P[@]}" -key "$KEY" -subj /CN=myna-softhsm \
    -days 1 -outform DER -out "$W/hsm.crt"
openssl x509 -inform DER -in "$W/hsm.crt" -out "$W/hsm-ca.pem"
ossl req -new "${P[@]}" -key "$KEY" -subj /CN=myna-leaf -out "$W/leaf.csr" \
    >/dev/null
check "softhsm: x509 -req (certificate signed in the token)" \
    ossl x509 -req "${P[@]}" -in "$W/leaf.csr" -CA "$W/hsm-ca.pem" \
    -CAkey "$KEY" -set_serial 2 -days 1 -out "$W/hsm-leaf.pem"
check "softhsm: the certificate verifies" \
    openssl verify -partial_chain -trusted "$W/hsm-ca.pem" "$W/hsm-leaf.pem"
check "softhsm: cms -sign (key matched with its certificate)" \
    ossl cms -sign "${P[@]}" -in "$W/data" -signer "$W/hsm-ca.pem" \
    -inkey "$KEY" \
    -outform PEM -out "$W/hsm.p7"
check "softhsm: the CMS signature verifies" \
    openssl cms -verify -inform PEM -in "$W/hsm.p7" -content "$W/data" \
    -CAfile "$W/hsm-ca.pem" -out /dev/null
pkcs11-tool --module "$SOFTHSM" --token-label myna-test --login --pin 123456 \
    --write-object "$W/hsm.crt" --type cert --id 01 --label rsa1 \
    >>"$W/softhsm.log" 2>&1
ossl storeutl "${P[@]}" -certs -out "$W/hsm-store.pem" \
    'pkcs11:token=myna-test;type=cert' >/dev/null
out=$(openssl x509 -in "$W/hsm-store.pem" -noout -subject 2>&1)
check_match "softhsm: storeutl -certs" "*CN *= *myna-softhsm*" "$out"
out=$(ossl pkeyutl -sign "${P[@]}" -in "$W/data.sha256" \
    -inkey 'pkcs11:token=myna-test;id=%01;type=private?pin-value=999999')
check_match "softhsm: wrong PIN is reported" "*PIN incorrect*tries*" "$out"
out=$(ossl pkeyutl -sign "${P[@]}" -in "$W/data.sha256" \
    -inkey 'pkcs11:token=myna-test;id=%77;type=private?pin-value=123456')
check_match "softhsm: missing object is reported" "*no private key matches*" "$out"
out=$(ossl pkeyutl -sign "${P[@]}" -in "$W/data.sha256" -inkey 'pkcs11:token=myna-test;bogus=1')
check_match "softhsm: malformed URI is reported" "*malformed pkcs11: URI*" "$out"
# Thread safety: tests/provider/provider-threads.c (built by make check).
THREADS=$TOP/tests/provider/provider-threads
if [ -x "$THREADS" ]; then
    check "softhsm: 4 threads x 50 EVP_DigestSign, all verify" \
        timeout 120 "$THREADS" "$PROVDIR" "$KEY" "$PUB"
else
    diag "thread test skipped: $THREADS not built (make check builds it)"
fi
unset SOFTHSM2_CONF

# ------------------------------------------------- our module + the card
if ! (harness_require pkcs11-tool) >/dev/null 2>&1 || [ ! -f "$MODULE" ]; then
    diag "card part skipped: pcscd/vpcd/myna-vcard or $MODULE unavailable"
    harness_done
fi
harness_require
harness_start_pcscd
harness_new_card prov
CARD=$HARNESS_CARD
harness_start_vcard "$CARD" --trace "$W/trace"
export MYNA_PROVIDER_MODULE=$MODULE
TOK='token=JPKI%20User%20Authentication'
KEY="pkcs11:$TOK;id=%01;type=private?pin-value=$MYNA_TEST_AUTH_PIN"
verifies() { grep -c '^> 00200080 \*\*' "$W/trace"; }

check "card: storeutl -certs" \
    ossl storeutl "${P[@]}" -certs -out "$W/auth.crt" \
    "pkcs11:$TOK;id=%01;type=cert"
openssl x509 -in "$W/auth.crt" -pubkey -noout >"$W/auth.pub"
check "card: pkeyutl -sign" \
    ossl pkeyutl -sign "${P[@]}" -inkey "$KEY" -in "$W/data.sha256" \
    -pkeyopt digest:sha256 -out "$W/card.sig"
check "card: the signature verifies with the certificate's key" \
    openssl pkeyutl -verify -pubin -inkey "$W/auth.pub" \
    -in "$W/data.sha256" -sigfile "$W/card.sig" -pkeyopt digest:sha256
check "card: dgst -sha256 -sign" \
    ossl dgst -sha256 "${P[@]}" -sign "$KEY" -out "$W/card.dgst" \
    "$W/data"
check "card: dgst signature verifies" \
    openssl dgst -sha256 -verify "$W/auth.pub" -signature "$W/card.dgst" \
    "$W/data"
check "card: req -new (CSR signed by the card)" \
    ossl req -new "${P[@]}" -key "$KEY" -subj /CN=myna-card -out "$W/card.csr"
check "card: the CSR verifies" openssl req -verify -noout -in "$W/card.csr"
before=$(verifies)
out=$(ossl pkeyutl -sign "${P[@]}" -inkey "$KEY" -in "$W/data.sha256" \
    -pkeyopt digest:sha256 -pkeyopt rsa_padding_mode:pss)
check_match "card: PSS refused clearly" "*does not offer CKM_RSA_PKCS_PSS*" "$out"
before=$(verifies)
out=$(ossl pkeyutl -sign "${P[@]}" -in "$W/data.sha256" \
    -inkey "pkcs11:$TOK;id=%01;type=private?pin-value=9999")
check_match "card: wrong PIN: 'PIN incorrect' and tries" "*PIN incorrect*tries*" "$out"
diag "wrong PIN: $(grep -m1 'PIN incorrect' <<<"$out")"
check_eq "card: exactly one VERIFY for the wrong PIN" 1 $(($(verifies) - before))
# A correct PIN resets the counter for what follows.
check "card: the right PIN works again" \
    ossl pkeyutl -sign "${P[@]}" -inkey "$KEY" -in "$W/data.sha256" \
    -pkeyopt digest:sha256 -out "$W/card2.sig"

# Card gone: a clear error naming the token or its removal, no hang.
harness_stop_vcard
out=$(ossl pkeyutl -sign "${P[@]}" -inkey "$KEY" -in "$W/data.sha256" \
    -pkeyopt digest:sha256 -out "$W/card3.sig")
rc=$?
check_eq "card removed: pkeyutl -sign fails" 1 $((rc != 0))
check_match "card removed: the error names the token" \
    "*no token present matches 'JPKI User Authentication'*removed*" "$out"
diag "card removed: $(grep -m1 -i 'token' <<<"$out")"
harness_start_vcard "$CARD" --trace "$W/trace"
check "card back: pkeyutl -sign works again" \
    ossl pkeyutl -sign "${P[@]}" -inkey "$KEY" -in "$W/data.sha256" \
    -pkeyopt digest:sha256 -out "$W/card3.sig"
harness_done
