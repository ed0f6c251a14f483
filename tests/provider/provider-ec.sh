#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# EC keys in the "myna" OpenSSL provider (issue #4): KEYMGMT "EC" and
# SIGNATURE "ECDSA" with softhsm2 keys generated here (P-256 and P-384).
# The token signs with CKM_ECDSA (raw r || s); the provider hands OpenSSL
# DER ECDSA-Sig-Value, which the default provider verifies with the public
# key the provider exported.  pin-value in the URIs is a test convenience.

set -u
# shellcheck source-path=SCRIPTDIR source=../harness/lib.sh
. "$(dirname "$0")/../harness/lib.sh"

TOP=${top_builddir:-$(cd "$(dirname "$0")/../.." && pwd)}
PROVDIR=${MYNA_PROVIDER_DIR:-$TOP/provider/.libs}
SOFTHSM=${SOFTHSM2_MODULE:-/usr/lib/softhsm/libsofthsm2.so}
[ -f "$PROVDIR/myna.so" ] || harness_bail "provider not built: $PROVDIR/myna.so"
for t in openssl softhsm2-util pkcs11-tool; do
    command -v "$t" >/dev/null 2>&1 || harness_unavailable "$t" "not installed"
done
[ -f "$SOFTHSM" ] || harness_unavailable softhsm2 "$SOFTHSM missing"

harness_init
W=$HARNESS_DIR
P=(-provider-path "$PROVDIR" -provider myna -provider default)
# As in provider.sh: OpenSSL 3.0 may pick the default provider's ECDSA for
# a digest-sign (dgst -sign) and hand it the exported public half; asking
# for ours first avoids that.
Q=(-propquery '?provider=myna')

ossl() {
    {
        printf '$ openssl'
        printf ' %q' "$@"
        echo
    } >>"$W/openssl.log"
    timeout 60 openssl "$@" 2>&1 | tee -a "$W/openssl.log"
    return "${PIPESTATUS[0]}"
}

printf 'myna provider EC test %s\n' "$(date +%s%N)" >"$W/data"
openssl dgst -sha256 -binary "$W/data" >"$W/data.sha256"
openssl dgst -sha384 -binary "$W/data" >"$W/data.sha384"

export SOFTHSM2_CONF=$W/softhsm2.conf
mkdir -p "$W/tokens"
printf '%s\n' "directories.tokendir = $W/tokens" \
    'objectstore.backend = file' 'log.level = ERROR' >"$SOFTHSM2_CONF"
softhsm2-util --init-token --free --label myna-ec --so-pin 87654321 \
    --pin 123456 >>"$W/softhsm.log" 2>&1 ||
    harness_bail "softhsm2-util --init-token failed"
while read -r curve id label; do
    pkcs11-tool --module "$SOFTHSM" --token-label myna-ec --login --pin 123456 \
        --keypairgen --key-type "EC:$curve" --id "$id" --label "$label" \
        >>"$W/softhsm.log" 2>&1 ||
        harness_bail "pkcs11-tool --keypairgen EC:$curve failed"
done <<'KEYS'
prime256v1 02 p256
secp384r1 03 p384
KEYS

export MYNA_PROVIDER_MODULE=$SOFTHSM
KEY='pkcs11:token=myna-ec;id=%02;type=private?pin-value=123456'
PUB='pkcs11:token=myna-ec;id=%02;type=public'

check "P-256: public key through the store" \
    ossl pkey "${P[@]}" -pubin -in "$PUB" -pubout -out "$W/ec.pub"
out=$(openssl pkey -pubin -in "$W/ec.pub" -noout -text 2>&1)
check_match "P-256: exported key is a 256-bit prime256v1 key" \
    "*256 bit*NIST CURVE: P-256*" "$out"
check "P-256: public half of the private key matches" \
    ossl pkey "${P[@]}" -in "$KEY" -pubout -out "$W/ec-priv.pub"
check "P-256: both public keys are equal" cmp "$W/ec.pub" "$W/ec-priv.pub"
check "P-256: pkeyutl -sign (digest as given)" \
    ossl pkeyutl -sign "${P[@]}" -inkey "$KEY" -in "$W/data.sha256" \
    -out "$W/ec.sig"
check "P-256: the signature verifies" \
    openssl pkeyutl -verify -pubin -inkey "$W/ec.pub" -in "$W/data.sha256" \
    -sigfile "$W/ec.sig"
out=$(openssl asn1parse -inform DER -in "$W/ec.sig" 2>&1)
check_match "P-256: signature is a DER SEQUENCE of two INTEGERs" \
    "*SEQUENCE*INTEGER*INTEGER*" "$out"
check "P-256: pkeyutl -sign -pkeyopt digest:sha256" \
    ossl pkeyutl -sign "${P[@]}" -inkey "$KEY" -in "$W/data.sha256" \
    -pkeyopt digest:sha256 -out "$W/ec2.sig"
check "P-256: that signature verifies" \
    openssl pkeyutl -verify -pubin -inkey "$W/ec.pub" -in "$W/data.sha256" \
    -sigfile "$W/ec2.sig" -pkeyopt digest:sha256
out=$(ossl pkeyutl -sign "${P[@]}" -inkey "$KEY" -in "$W/data.sha384" \
    -pkeyopt digest:sha256 -out "$W/bad.sig")
check_match "P-256: wrong digest length is refused" \
    "*is not a SHA256 digest*" "$out"
check "P-256: dgst -sha256 -sign" \
    ossl dgst -sha256 "${P[@]}" "${Q[@]}" -sign "$KEY" -out "$W/ec.dgst" \
    "$W/data"
check "P-256: dgst signature verifies" \
    openssl dgst -sha256 -verify "$W/ec.pub" -signature "$W/ec.dgst" "$W/data"
check "P-256: dgst -sha512 -sign" \
    ossl dgst -sha512 "${P[@]}" "${Q[@]}" -sign "$KEY" -out "$W/ec512.dgst" \
    "$W/data"
check "P-256: dgst -sha512 signature verifies" \
    openssl dgst -sha512 -verify "$W/ec.pub" -signature "$W/ec512.dgst" \
    "$W/data"
check "P-256: req -new (CSR signed in the token)" \
    ossl req -new "${P[@]}" -key "$KEY" -subj /CN=myna-ec -out "$W/ec.csr"
check "P-256: the CSR verifies" openssl req -verify -noout -in "$W/ec.csr"
out=$(openssl req -in "$W/ec.csr" -noout -text 2>&1)
check_match "P-256: CSR says ecdsa-with-SHA256" \
    "*Signature Algorithm: ecdsa-with-SHA256*" "$out"
check "P-256: req -x509 -sha384 (self-signed in the token)" \
    ossl req -new -x509 "${P[@]}" -key "$KEY" -subj /CN=myna-ec -days 1 \
    -sha384 -out "$W/ec.crt"
check "P-256: the certificate verifies" \
    openssl verify -CAfile "$W/ec.crt" "$W/ec.crt"
out=$(openssl x509 -in "$W/ec.crt" -noout -text 2>&1)
check_match "P-256: certificate says ecdsa-with-SHA384" \
    "*Signature Algorithm: ecdsa-with-SHA384*" "$out"

KEY3='pkcs11:token=myna-ec;id=%03;type=private?pin-value=123456'
check "P-384: public key through the store" \
    ossl pkey "${P[@]}" -pubin -in 'pkcs11:token=myna-ec;id=%03;type=public' \
    -pubout -out "$W/ec3.pub"
check "P-384: pkeyutl -sign" \
    ossl pkeyutl -sign "${P[@]}" -inkey "$KEY3" -in "$W/data.sha384" \
    -out "$W/ec3.sig"
check "P-384: the signature verifies" \
    openssl pkeyutl -verify -pubin -inkey "$W/ec3.pub" -in "$W/data.sha384" \
    -sigfile "$W/ec3.sig"
check "P-384: req -new" \
    ossl req -new "${P[@]}" -key "$KEY3" -subj /CN=myna-ec3 -out "$W/ec3.csr"
check "P-384: the CSR verifies" openssl req -verify -noout -in "$W/ec3.csr"
harness_done
