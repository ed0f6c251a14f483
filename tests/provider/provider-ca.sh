#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Token keys as CA and CMS signing keys through the "myna" OpenSSL
# provider (issue #4):
#  1. softhsm2: a self-signed CA whose key is in the token
#     (openssl req -x509), which then issues a certificate for a software
#     key's CSR (openssl x509 -req -CAkey pkcs11:...); openssl verify.
#  2. our module + pcscd + myna-vcard: openssl cms -sign with the card's
#     digital-signature key and certificate, verified against the card's
#     signature CA certificate (CKA_ID 04).
# pin-value in the URIs is a test convenience.

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
P=(-provider-path "$PROVDIR" -provider myna -provider default)
# Unlike dgst -sign (provider.sh), req/x509/cms sign through the key's
# own provider here: no -propquery is needed.

ossl() {
    {
        printf '$ openssl'
        printf ' %q' "$@"
        echo
    } >>"$W/openssl.log"
    timeout 60 openssl "$@" 2>&1 | tee -a "$W/openssl.log"
    return "${PIPESTATUS[0]}"
}

printf 'myna provider CA/CMS test %s\n' "$(date +%s%N)" >"$W/data"

# ------------------------------------------------- softhsm2: a token CA
export SOFTHSM2_CONF=$W/softhsm2.conf
mkdir -p "$W/tokens"
printf '%s\n' "directories.tokendir = $W/tokens" \
    'objectstore.backend = file' 'log.level = ERROR' >"$SOFTHSM2_CONF"
softhsm2-util --init-token --free --label myna-ca --so-pin 87654321 \
    --pin 123456 >>"$W/softhsm.log" 2>&1 ||
    harness_bail "softhsm2-util --init-token failed"
pkcs11-tool --module "$SOFTHSM" --token-label myna-ca --login --pin 123456 \
    --keypairgen --key-type rsa:2048 --id 01 --label ca \
    >>"$W/softhsm.log" 2>&1 || harness_bail "pkcs11-tool --keypairgen failed"
export MYNA_PROVIDER_MODULE=$SOFTHSM
CAKEY='pkcs11:token=myna-ca;id=%01;type=private?pin-value=123456'

check "softhsm: req -x509 makes the CA certificate" \
    ossl req -new -x509 "${P[@]}" -key "$CAKEY" -subj /CN=myna-token-ca \
    -days 1 -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign,cRLSign -out "$W/ca.pem"
check "softhsm: the CA certificate verifies" \
    openssl verify -CAfile "$W/ca.pem" "$W/ca.pem"
openssl req -new -newkey rsa:2048 -nodes -keyout "$W/ee.key" \
    -subj /CN=myna-software-ee -out "$W/ee.csr" >>"$W/openssl.log" 2>&1 ||
    harness_bail "software key CSR failed"
cat >"$W/ee.ext" <<'EXT'
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EXT
# x509 -req also checks that -CAkey belongs to -CA (X509_check_private_key,
# our KEYMGMT match).
check "softhsm: x509 -req signs the CSR with the token CA key" \
    ossl x509 -req "${P[@]}" -in "$W/ee.csr" -CA "$W/ca.pem" \
    -CAkey "$CAKEY" -CAcreateserial -days 1 -extfile "$W/ee.ext" \
    -out "$W/ee.pem"
check "softhsm: openssl verify -CAfile ca.pem ee.pem" \
    openssl verify -CAfile "$W/ca.pem" "$W/ee.pem"
out=$(openssl x509 -in "$W/ee.pem" -noout -issuer 2>&1)
check_match "softhsm: issued by the token CA" "*CN *= *myna-token-ca*" "$out"
# A wrong CA key is caught before anything is signed.
pkcs11-tool --module "$SOFTHSM" --token-label myna-ca --login --pin 123456 \
    --keypairgen --key-type rsa:2048 --id 02 --label other \
    >>"$W/softhsm.log" 2>&1 || harness_bail "pkcs11-tool --keypairgen failed"
out=$(ossl x509 -req "${P[@]}" -in "$W/ee.csr" -CA "$W/ca.pem" \
    -CAkey 'pkcs11:token=myna-ca;id=%02;type=private?pin-value=123456' \
    -set_serial 2 -days 1 -out "$W/bad.pem")
check_match "softhsm: x509 -req refuses a CA key that does not match" \
    "*key values mismatch*" "$out"
unset SOFTHSM2_CONF

# ------------------------------------------------- our module + the card
if ! (harness_require pkcs11-tool) >/dev/null 2>&1 || [ ! -f "$MODULE" ]; then
    diag "card part skipped: pcscd/vpcd/myna-vcard or $MODULE unavailable"
    harness_done
fi
harness_require
harness_start_pcscd
harness_new_card ca
harness_start_vcard "$HARNESS_CARD"
export MYNA_PROVIDER_MODULE=$MODULE
TOK='token=JPKI%20Digital%20Signature'
KEY="pkcs11:$TOK;id=%02;type=private?pin-value=$MYNA_TEST_SIGN_PIN"

# The signature CA certificate (on the authentication token, with the
# other public certificates) is public; the signer's certificate is
# private to the token (JPKI: read after VERIFY of the signature
# password), so pkcs11-tool reads it after logging in.
check "card: storeutl -certs (signature CA, id 04)" \
    ossl storeutl "${P[@]}" -certs -out "$W/sign-ca.pem" \
    "pkcs11:token=JPKI%20User%20Authentication;id=%04;type=cert"
out=$(openssl x509 -in "$W/sign-ca.pem" -noout -ext basicConstraints 2>&1)
check_match "card: the signature CA certificate is a CA" "*CA:TRUE*" "$out"
check "card: the signer's certificate after login (pkcs11-tool)" \
    pkcs11-tool --module "$MODULE" --token-label 'JPKI Digital Signature' \
    --login --pin "$MYNA_TEST_SIGN_PIN" --read-object --type cert --id 02 \
    -o "$W/sign.der"
openssl x509 -inform DER -in "$W/sign.der" -out "$W/sign.pem" \
    >>"$W/openssl.log" 2>&1
check "card: cms -sign with the card's signature key" \
    ossl cms -sign "${P[@]}" -binary -in "$W/data" \
    -signer "$W/sign.pem" -inkey "$KEY" -md sha256 -outform DER \
    -out "$W/data.p7s"
# No extra flags are needed: the signer's certificate has a critical
# certificatePolicies extension, but OpenSSL knows that extension
# (X509_supported_extension), so it is not an "unhandled critical
# extension"; policies are only evaluated with -policy_check or
# -explicit_policy, which we do not ask for.  The default purpose
# (smimesign) accepts its keyUsage digitalSignature + nonRepudiation.
check "card: cms -verify (detached, -content)" \
    ossl cms -verify -binary -inform DER -in "$W/data.p7s" \
    -content "$W/data" -CAfile "$W/sign-ca.pem" -out "$W/data.out"
check "card: the content came back" cmp "$W/data" "$W/data.out"
printf 'tampered\n' >>"$W/data.out"
out=$(ossl cms -verify -binary -inform DER -in "$W/data.p7s" \
    -content "$W/data.out" -CAfile "$W/sign-ca.pem" -out /dev/null)
check_match "card: changed content fails to verify" \
    "*Verification failure*" "$out"
out=$(ossl cms -verify -binary -inform DER -in "$W/data.p7s" \
    -content "$W/data" -CAfile "$W/ca.pem" -out /dev/null)
check_match "card: another CA does not verify the card's signer" \
    "*unable to get local issuer certificate*" "$out"
check "card: cms -sign -nodetach, SHA-384" \
    ossl cms -sign "${P[@]}" -nodetach -binary -in "$W/data" \
    -signer "$W/sign.pem" -inkey "$KEY" -md sha384 -outform DER \
    -out "$W/data2.p7s"
check "card: cms -verify (attached)" \
    ossl cms -verify -binary -inform DER -in "$W/data2.p7s" \
    -CAfile "$W/sign-ca.pem" -out "$W/data2.out"
check "card: the attached content came back" cmp "$W/data" "$W/data2.out"
harness_done
