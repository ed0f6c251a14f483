#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# myna-pkcs11.so through the real stack (pcscd + vpcd + myna-vcard) with
# pkcs11-tool: tokens, objects, every mechanism (each signature verified by
# OpenSSL against the certificate), PIN rules, PIN change, lock-out, and
# the APDU budgets of issue #3 (exact counts from the card's --stats).

set -u
# shellcheck source-path=SCRIPTDIR source=../harness/lib.sh
. "$(dirname "$0")/../harness/lib.sh"

harness_require pkcs11-tool openssl
MODULE=${MYNA_PKCS11_MODULE:-${top_builddir:-$(cd "$(dirname "$0")/../.." && pwd)}/pkcs11/.libs/myna-pkcs11.so}
[ -f "$MODULE" ] || harness_bail "module not built: $MODULE"
harness_init
harness_start_pcscd
harness_new_card mod
CARD=$HARNESS_CARD
STATS=$HARNESS_DIR/stats
harness_start_vcard "$CARD" --stats "$STATS" --trace "$HARNESS_DIR/trace"

W=$HARNESS_DIR
AUTH=("--token-label" "JPKI User Authentication")
SIGN=("--token-label" "JPKI Digital Signature")
# Test secrets only: real users let pkcs11-tool prompt for the PIN.
AUTH_PIN=$MYNA_TEST_AUTH_PIN
SIGN_PIN=$MYNA_TEST_SIGN_PIN

p11() { harness_run p11.log 60 pkcs11-tool --module "$MODULE" "$@"; }
apdus() { sed -n 's/^apdus=//p' "$STATS"; }
# budget NAME MAX CMD...: run CMD (its output in $OUT), count the card's
# APDUs and check the budget.  Not in a subshell: the checks must count.
budget() {
    local name=$1 max=$2 before after
    shift 2
    before=$(apdus)
    OUT=$("$@")
    after=$(apdus)
    if [ $((after - before)) -le "$max" ]; then
        pass "budget: $name took $((after - before)) APDUs (<= $max)"
    else
        fail "budget: $name took $((after - before)) APDUs (> $max)"
    fi
}
auth_tries() { "$MYNA_VCARD" status --card "$CARD" | sed -n 's/^auth_tries=//p'; }

# ----------------------------------------------------------- tokens (-L)
budget "pkcs11-tool -L" 8 p11 -L
slots=$OUT
diag "pkcs11-tool -L:" "$slots"
check_match "-L: auth token" "*token label*: JPKI User Authentication*" "$slots"
check_match "-L: sign token" "*token label*: JPKI Digital Signature*" "$slots"
serial=$("$MYNA_VCARD" status --card "$CARD" | sed -n 's/^serial=//p')
check_eq "-L: both tokens carry the card's serial" 2 \
    "$(grep -c "serial num *: $serial" <<<"$slots")"
check_match "-L: PIN lengths 4/4" "*pin min/max *: 4/4*" "$slots"
check_match "-L: password lengths 6/16" "*pin min/max *: 6/16*" "$slots"

# ------------------------------------------------------ objects (-O)
# The budgets of issue #3 are for the commands as written there: -O and
# --sign on the first token (the auth token), no --token-label (which
# makes pkcs11-tool call C_GetTokenInfo too: EF 0006 and the PIN status).
budget "pkcs11-tool -O (auth token)" 24 p11 -O
objs=$OUT
diag "-O auth token:" "$objs"
for label in "User Authentication" \
    "User Authentication CA Certificate" "Digital Signature CA Certificate"; do
    check_match "-O: certificate '$label'" \
        "*Certificate Object*label:*$label"$'\n'"*" "$objs"
done
check_match "-O: the public key verifies" \
    "*Public Key Object*label: *User Authentication"$'\n'"*Usage:*verify*" \
    "$objs"
check_match "-O: a profile object" "*Profile object*" "$objs"
case $objs in
*"label:      Digital Signature"$'\n'*) fail "-O: no sign certificate on the auth token" ;;
*) pass "-O: no sign certificate on the auth token" ;;
esac
objs=$(p11 "${SIGN[@]}" -O)
case $objs in
*"Certificate Object"*) fail "sign token: no certificate before login" "$objs" ;;
*) pass "sign token: no certificate before login" ;;
esac

# ------------------------------------------- signatures, each verified
p11 "${AUTH[@]}" -r --type cert --id 01 -o "$W/auth.der" >/dev/null
openssl x509 -inform DER -in "$W/auth.der" -pubkey -noout >"$W/auth.pub"
printf 'myna module test %s\n' "$(date +%s%N)" >"$W/data"
budget "login + sign in a fresh process" 12 p11 --login --pin "$AUTH_PIN" \
    --sign -m SHA256-RSA-PKCS -i "$W/data" -o "$W/first.sig"
check "the first signature verifies" openssl dgst -sha256 -verify \
    "$W/auth.pub" -signature "$W/first.sig" "$W/data"
for m in SHA256 SHA1 SHA224 SHA384 SHA512; do
    p11 "${AUTH[@]}" --login --pin "$AUTH_PIN" --sign -m "$m-RSA-PKCS" \
        --id 01 -i "$W/data" -o "$W/$m.sig" >/dev/null
    dgst=$(tr 'A-Z' 'a-z' <<<"$m")
    check "$m-RSA-PKCS signature verifies (openssl dgst -$dgst)" \
        openssl dgst "-$dgst" -verify "$W/auth.pub" -signature "$W/$m.sig" \
        "$W/data"
done
# CKM_RSA_PKCS: the caller's DigestInfo goes to the card as it is.
sha256_digestinfo "$W/data" | xxd -r -p >"$W/di.bin"
check "RSA-PKCS over a DigestInfo" p11 "${AUTH[@]}" --login --pin "$AUTH_PIN" \
    --sign -m RSA-PKCS --id 01 -i "$W/di.bin" -o "$W/raw.sig"
check "RSA-PKCS signature verifies (openssl dgst -sha256)" \
    openssl dgst -sha256 -verify "$W/auth.pub" -signature "$W/raw.sig" "$W/data"

# ---------------------------------------------------------------- PINs
before=$(grep -c '^> 00200080 \*\*' "$W/trace")
out=$(p11 "${AUTH[@]}" --login --pin 12a4 -O 2>&1)
check_match "malformed PIN: CKR_PIN_INVALID" "*CKR_PIN_INVALID*" "$out"
out=$(p11 "${AUTH[@]}" --login --pin 12345 -O 2>&1)
check_match "5-digit PIN: CKR_PIN_LEN_RANGE" "*CKR_PIN_LEN_RANGE*" "$out"
check_eq "malformed PINs never reach the card" "$before" \
    "$(grep -c '^> 00200080 \*\*' "$W/trace")"
check_eq "malformed PINs cost no try" 3/3 "$(auth_tries)"
verifies() { grep -c '^> 00200080 \*\*' "$W/trace"; }
before=$(verifies)
out=$(p11 "${AUTH[@]}" --login --pin 0000 -O 2>&1)
check_match "wrong PIN: CKR_PIN_INCORRECT" "*CKR_PIN_INCORRECT*" "$out"
check_eq "wrong PIN: sent to the card exactly once, never retried" 1 \
    $(($(verifies) - before))
check_eq "wrong PIN: one try spent" 2/3 "$(auth_tries)"
check_match "-L: user PIN count low" "*user PIN count low*" "$(p11 -L)"
check "right PIN after a wrong one" p11 "${AUTH[@]}" --login --pin "$AUTH_PIN" -O
check_eq "a right PIN resets the counter" 3/3 "$(auth_tries)"
check "sign password in lower case is accepted (upper-cased)" \
    p11 "${SIGN[@]}" --login --pin "$(tr 'A-Z' 'a-z' <<<"$SIGN_PIN")" -O
objs=$(p11 "${SIGN[@]}" --login --pin "$SIGN_PIN" -O)
check_match "sign token after login: the sign certificate" \
    "*Certificate Object*label: *Digital Signature"$'\n'"*" "$objs"
check_match "sign token after login: its public key" \
    "*Public Key Object*label: *Digital Signature"$'\n'"*" "$objs"
check "sign key signs" p11 "${SIGN[@]}" --login --pin "$SIGN_PIN" --sign \
    -m SHA256-RSA-PKCS --id 02 -i "$W/data" -o "$W/sign.sig"
p11 "${SIGN[@]}" --login --pin "$SIGN_PIN" -r --type cert --id 02 \
    -o "$W/sign.der" >/dev/null
openssl x509 -inform DER -in "$W/sign.der" -pubkey -noout >"$W/sign.pub"
check "sign-key signature verifies with the sign certificate" \
    openssl dgst -sha256 -verify "$W/sign.pub" -signature "$W/sign.sig" \
    "$W/data"

# ------------------------------------- several processes, one card
# PC/SC transactions keep their APDUs apart: no signature is corrupted.
# The card has one security state, so one process's first SELECT or its
# closing SELECT can clear another's login between its C_Login and its
# C_Sign; that process must then fail with CKR_USER_NOT_LOGGED_IN (no PIN
# cached or re-sent), never sign without a login, never hang.
pids=()
before_verify=$(verifies)
for i in 1 2 3 4; do
    p11 "${AUTH[@]}" --login --pin "$AUTH_PIN" --sign -m SHA256-RSA-PKCS \
        --id 01 -i "$W/data" -o "$W/par$i.sig" >"$W/par$i.out" 2>&1 &
    pids+=($!)
done
wait "${pids[@]}" # not a bare wait: pcscd and the card are children too
signed=0
for i in 1 2 3 4; do
    if [ -s "$W/par$i.sig" ]; then
        check "4 processes at once: signature $i verifies" openssl dgst \
            -sha256 -verify "$W/auth.pub" -signature "$W/par$i.sig" "$W/data"
        signed=$((signed + 1))
    else
        check_match "4 processes at once: process $i lost its login to another" \
            "*CKR_USER_NOT_LOGGED_IN*" "$(cat "$W/par$i.out")"
    fi
done
diag "4 processes at once: $signed signed, $((4 - signed)) lost the login"
check_eq "4 processes at once: one PIN VERIFY each, none re-sent" 4 \
    $(($(verifies) - before_verify))

# ------------------------------------------------------- C_SetPIN
check "--change-pin 1234 -> 5678" p11 "${AUTH[@]}" --login --pin "$AUTH_PIN" \
    --change-pin --new-pin 5678
check "the new PIN works" p11 "${AUTH[@]}" --login --pin 5678 -O
check "--change-pin back" p11 "${AUTH[@]}" --login --pin 5678 --change-pin \
    --new-pin "$AUTH_PIN"
out=$(p11 "${AUTH[@]}" --login --pin "$AUTH_PIN" --change-pin --new-pin 12 2>&1)
check_match "a malformed new PIN is refused" "*CKR_PIN_LEN_RANGE*" "$out"

check "--change-pin on the sign token (ABC123 -> XYZ789)" \
    p11 "${SIGN[@]}" --login --pin "$SIGN_PIN" --change-pin --new-pin XYZ789
check "the new sign password works" p11 "${SIGN[@]}" --login --pin XYZ789 -O
check "--change-pin back on the sign token" p11 "${SIGN[@]}" --login \
    --pin XYZ789 --change-pin --new-pin "$SIGN_PIN"
out=$(p11 "${SIGN[@]}" --login --pin "$SIGN_PIN" --change-pin \
    --new-pin ABCDEF 2>&1)
check_match "a sign password without a digit is refused" "*CKR_PIN_INVALID*" \
    "$out"

# ------------------------------------------------- the debug trace
DEBUG_LOG=$W/p11-debug.log
MYNA_PKCS11_DEBUG=$DEBUG_LOG p11 "${AUTH[@]}" --login --pin "$AUTH_PIN" \
    --sign -m SHA256-RSA-PKCS --id 01 -i "$W/data" -o "$W/dbg.sig" >/dev/null
check "MYNA_PKCS11_DEBUG=file: APDUs are traced" \
    grep -q ': > 802A0080' "$DEBUG_LOG"
check "the trace redacts the VERIFY data" \
    grep -q ': > 00200080 \*\* (5 bytes)' "$DEBUG_LOG"
check_eq "no command line of the trace carries the PIN's bytes" 0 \
    "$(grep ': > ' "$DEBUG_LOG" | grep -c "$(hex_of_ascii "$AUTH_PIN")")"
check_eq "without MYNA_PKCS11_DEBUG nothing is written" "" \
    "$(p11 -L 2>&1 | grep 'myna-pkcs11\[')"

# ------------------------------------------------- pkcs11-tool --test
for t in AUTH SIGN; do
    declare -n tok=$t
    pin=$AUTH_PIN
    [ "$t" = SIGN ] && pin=$SIGN_PIN
    out=$(p11 "${tok[@]}" --login --pin "$pin" --test)
    diag "--test ($t):" "$out"
    check_match "--test on the $t token: No errors" "*No errors*" "$out"
done

# ------------------------------------------------------------- lock-out
for i in 1 2; do p11 "${AUTH[@]}" --login --pin 000$i -O >/dev/null 2>&1; done
check_match "-L after two wrong PINs: CKF_USER_PIN_FINAL_TRY" \
    "*final user PIN try*" "$(p11 -L)"
p11 "${AUTH[@]}" --login --pin 0003 -O >/dev/null 2>&1
out=$(p11 "${AUTH[@]}" --login --pin "$AUTH_PIN" -O 2>&1)
check_match "blocked PIN: CKR_PIN_LOCKED (OpenSC: CKR_GENERAL_ERROR)" \
    "*CKR_PIN_LOCKED*" "$out"
check_match "-L: user PIN locked" "*user PIN locked*" "$(p11 -L)"

harness_done
