#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The proof that myna-vcard speaks the card's protocol: OpenSC's own jpki
# driver and PKCS#11 module (an independent implementation written against
# real cards) drive the virtual card through the real pcscd, and everything
# a user sees with pkcs11-tool must work (docs/card-protocol.md §13).
#
#  (a) two tokens, "JPKI (User Authentication PIN)" and "JPKI (Digital
#      Signature PIN)";
#  (b) the auth token lists the auth cert, both CA certs, the auth key pair;
#  (c) C_Login with the auth PIN + CKM_SHA256_RSA_PKCS; the signature
#      verifies with the public key of the auth certificate (openssl dgst);
#  (d) the sign certificate is readable only after logging in to the sign
#      token, and it chains to the sign CA certificate (openssl verify).

set -u
# shellcheck source-path=SCRIPTDIR source=../harness/lib.sh
. "$(dirname "$0")/../harness/lib.sh"

harness_require pkcs11-tool openssl
MODULE=${OPENSC_PKCS11_MODULE:-$(harness_opensc_module)} ||
    harness_unavailable pkcs11-tool "OpenSC's PKCS#11 module not found (install opensc-pkcs11)"
harness_init
harness_start_pcscd
harness_new_card crosscheck
harness_start_vcard "$HARNESS_CARD"

W=$HARNESS_DIR
AUTH_TOKEN="JPKI (User Authentication PIN)"
SIGN_TOKEN="JPKI (Digital Signature PIN)"

# p11 ARG...: pkcs11-tool on OpenSC's module; output also goes to p11.log.
p11() { harness_run p11.log 60 pkcs11-tool --module "$MODULE" "$@"; }

# Test secrets only: real users must never put a PIN on the command line
# (other users see it in ps, and it lands in shell history); pkcs11-tool
# prompts for it when --pin is left out.
AUTH_PIN=$MYNA_TEST_AUTH_PIN
SIGN_PIN=$MYNA_TEST_SIGN_PIN

# ------------------------------------------------------------ (a) tokens
slots=$(p11 --list-slots)
diag "pkcs11-tool -L:" "$slots"
check_match "(a) -L shows the token '$AUTH_TOKEN'" \
    "*token label*: $AUTH_TOKEN*" "$slots"
check_match "(a) -L shows the token '$SIGN_TOKEN'" \
    "*token label*: $SIGN_TOKEN*" "$slots"
check_eq "(a) exactly two tokens carry a JPKI label" 2 \
    "$(grep -c 'token label *: JPKI (' <<<"$slots")"

# ------------------------------------------------------- (b) auth objects
objs=$(p11 --token-label "$AUTH_TOKEN" --list-objects)
diag "pkcs11-tool -O (auth token, no login):" "$objs"
for label in "User Authentication Certificate" \
    "User Authentication Certificate CA" \
    "Digital Signature Certificate CA"; do
    check_match "(b) auth token lists the certificate '$label'" \
        "*Certificate Object*label:*$label"$'\n'"*" "$objs"
done
check_match "(b) auth token lists the auth public key" \
    "*Public Key Object*label:*User Authentication Public Key*" "$objs"
# OpenSC marks private keys CKA_PRIVATE: they are listed after C_Login.
objs=$(p11 --token-label "$AUTH_TOKEN" --login --pin "$AUTH_PIN" --list-objects)
diag "pkcs11-tool -O (auth token, logged in):" "$objs"
check_match "(b) after login the auth token lists the auth private key" \
    "*Private Key Object*label:*User Authentication Key"$'\n'"*" "$objs"
case $objs in
*"label:      Digital Signature Certificate"$'\n'*)
    fail "(b) the sign certificate is not on the auth token"
    ;;
*) pass "(b) the sign certificate is not on the auth token" ;;
esac

# ------------------------------------------------------ (c) sign + verify
printf 'myna crosscheck %s\n' "$(date +%s)" >"$W/data"
check "(c) login with the auth PIN and sign with SHA256-RSA-PKCS" \
    p11 --token-label "$AUTH_TOKEN" --login --pin "$AUTH_PIN" \
    --sign --mechanism SHA256-RSA-PKCS --id 01 \
    --input-file "$W/data" --output-file "$W/auth.sig"
check "(c) export the auth certificate (-r --type cert --id 01)" \
    p11 --token-label "$AUTH_TOKEN" --read-object --type cert --id 01 \
    --output-file "$W/auth.der"
openssl x509 -inform DER -in "$W/auth.der" -pubkey -noout >"$W/auth.pub" 2>>"$W/p11.log"
out=$(openssl dgst -sha256 -verify "$W/auth.pub" -signature "$W/auth.sig" \
    "$W/data" 2>&1)
check_eq "(c) openssl dgst -verify with the auth certificate's key" \
    "Verified OK" "$out"

# -------------------------------------------------- (d) sign certificate
check "(d) export the sign CA certificate (id 04) without login" \
    p11 --token-label "$AUTH_TOKEN" --read-object --type cert --id 04 \
    --output-file "$W/signca.der"
objs=$(p11 --token-label "$SIGN_TOKEN" --list-objects)
diag "pkcs11-tool -O (sign token, no login):" "$objs"
if p11 --token-label "$SIGN_TOKEN" --read-object --type cert --id 02 \
    --output-file "$W/sign-nologin.der" >/dev/null &&
    [ -s "$W/sign-nologin.der" ]; then
    fail "(d) the sign certificate is NOT readable before login"
else
    pass "(d) the sign certificate is NOT readable before login"
fi

objs=$(p11 --token-label "$SIGN_TOKEN" --login --pin "$SIGN_PIN" --list-objects)
diag "pkcs11-tool -O (sign token, logged in):" "$objs"
check_match "(d) after login the sign token lists the sign certificate" \
    "*Certificate Object*label:*Digital Signature Certificate*" "$objs"
check "(d) after login the sign certificate is readable" \
    p11 --token-label "$SIGN_TOKEN" --login --pin "$SIGN_PIN" \
    --read-object --type cert --id 02 --output-file "$W/sign.der"
openssl x509 -inform DER -in "$W/sign.der" -out "$W/sign.pem" 2>>"$W/p11.log"
openssl x509 -inform DER -in "$W/signca.der" -out "$W/signca.pem" 2>>"$W/p11.log"
out=$(openssl verify -partial_chain -CAfile "$W/signca.pem" "$W/sign.pem" 2>&1)
check_eq "(d) openssl verify: the sign certificate chains to the sign CA" \
    "$W/sign.pem: OK" "$out"

# The sign key is CKA_ALWAYS_AUTHENTICATE in OpenSC (user_consent), so
# pkcs11-tool logs in once more (CKU_CONTEXT_SPECIFIC) with the same --pin.
check "(d) the sign key signs after the sign password" \
    p11 --token-label "$SIGN_TOKEN" --login --pin "$SIGN_PIN" \
    --sign --mechanism SHA256-RSA-PKCS --id 02 \
    --input-file "$W/data" --output-file "$W/sign.sig"
openssl x509 -in "$W/sign.pem" -pubkey -noout >"$W/sign.pub" 2>>"$W/p11.log"
out=$(openssl dgst -sha256 -verify "$W/sign.pub" -signature "$W/sign.sig" \
    "$W/data" 2>&1)
check_eq "(d) the sign key's signature verifies with the sign certificate" \
    "Verified OK" "$out"

# PIN state as OpenSC reports it: nothing was spent.
status=$("$MYNA_VCARD" status --card "$HARNESS_CARD" 2>&1)
check_match "no PIN try was lost (myna-vcard status)" \
    "*auth_tries=3/3*sign_tries=5/5*" "$status"

harness_done
