#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# myna-card (issue #7) through the real stack (pcscd + vpcd + myna-vcard):
# readers and card type, the three PINs' tries without spending one (the
# card's --trace shows no VERIFY with data), certificates (details, PEM
# equal to the card's), PIN change for auth/sign/text, the card info AP's
# four attributes behind its PIN (the My Number only with --my-number and
# never in the --verbose trace), wrong / malformed / final-try PINs, JSON
# output, usage errors.  PINs come from a file descriptor, never argv.

set -u
# shellcheck source-path=SCRIPTDIR source=../harness/lib.sh
. "$(dirname "$0")/../harness/lib.sh"

TOP=${top_builddir:-$(cd "$(dirname "$0")/../.." && pwd)}
CARDTOOL=$TOP/tools/myna-card
[ -x "$CARDTOOL" ] || harness_bail "myna-card not built: $CARDTOOL"
harness_require
harness_init
harness_start_pcscd
harness_new_card mc
CARD=$HARNESS_CARD
TRACE=$HARNESS_DIR/trace
harness_start_vcard "$CARD" --trace "$TRACE"
W=$HARNESS_DIR

mc() { harness_run myna-card.log 60 "$CARDTOOL" "$@"; }
# mc_pins "PIN1\nPIN2" ARGS...: PINs on descriptor 3
mc_pins() {
    local pins=$1
    shift
    harness_run myna-card.log 60 "$CARDTOOL" --pin-fd 3 "$@" \
        3< <(printf '%b\n' "$pins")
}
verifies() { grep -c '^> 00200080 \*\*' "$TRACE"; }
field() { sed -n "s/^ *$1: //p" <<<"$2" | head -n 1; }

# ------------------------------------------------------------ readers
out=$(mc readers)
check_eq "readers: exit 0" 0 $?
check_match "readers: the virtual reader holds a My Number Card" \
    "*card: My Number Card*" "$out"
diag "$out"

# ------------------------------------------------------------ status
before=$(verifies)
out=$(mc status)
check_eq "status: exit 0" 0 $?
diag "$out"
check_eq "status: auth PIN 3 left" 3 "$(field left "$(sed -n '/authPin/,/state/p' <<<"$out")")"
check_match "status: sign password 5/5" "*signPassword:*left: 5*max: 5*" \
    "$(tr '\n' ' ' <<<"$out")"
check_match "status: card info PIN 3/3" "*cardInfoPin:*left: 3*max: 3*" \
    "$(tr '\n' ' ' <<<"$out")"
check_eq "status: no PIN sent to the card" "$before" "$(verifies)"
json=$(mc --json status)
check_eq "status --json: authPin.left" 3 \
    "$(python3 -c 'import json,sys; print(json.load(sys.stdin)["authPin"]["left"])' <<<"$json")"

# ------------------------------------------------------------ certs
out=$(mc certs auth)
check_eq "certs auth: exit 0" 0 $?
check_match "certs auth: issuer is the test auth CA" "*issuer:*JPKI*" "$out"
check_match "certs auth: chains to the card's CA" "*signedByCardCA: yes*" "$out"
serial=$(openssl x509 -in "$CARD/auth.crt" -noout -serial | sed 's/serial=//')
check_eq "certs auth: serial as the certificate's" "$serial" \
    "$(field serial "$out")"
mc --pem certs auth >"$W/auth.pem"
check_eq "certs --pem auth: the card's certificate" \
    "$(openssl x509 -in "$CARD/auth.crt" -outform DER | sha256sum)" \
    "$(openssl x509 -in "$W/auth.pem" -outform DER | sha256sum)"
mc --pem certs all >"$W/all.pem"
check_eq "certs --pem all: three certificates" 3 \
    "$(grep -c 'BEGIN CERTIFICATE' "$W/all.pem")"
check "certs: the auth cert verifies against the exported auth CA" \
    openssl verify -CAfile <(mc --pem certs auth-ca) "$W/auth.pem"
out=$(mc certs bogus 2>&1)
check_eq "certs bogus: usage error (2)" 2 $?

# ------------------------------------------------------------ info
before=$(verifies)
out=$(mc_pins "$MYNA_TEST_TEXT_PIN" info)
check_eq "info: exit 0" 0 $?
check_eq "info: name of person 0" "試験　太郎" "$(field name "$out")"
check_eq "info: birth date" 19800217 "$(field birthDate "$out")"
check_match "info: address" "東京都*" "$(field address "$out")"
check_eq "info: no My Number unless asked" "" "$(field myNumber "$out")"
check_eq "info: one VERIFY" $((before + 1)) "$(verifies)"
# Not through harness_run, which merges stderr into stdout.
out=$(timeout 60 "$CARDTOOL" --pin-fd 3 --verbose --my-number info \
    3< <(printf '%s\n' "$MYNA_TEST_TEXT_PIN") 2>"$W/verbose.err")
num=$(field myNumber "$out")
check_match "info --my-number: 12 digits of person 0" "31415926535?" "$num"
check_eq "--verbose: the My Number is not in the trace" 0 \
    "$(grep -c "$(hex_of_ascii "$num")" "$W/verbose.err")"
check_eq "--verbose: the PIN is not in the trace" 0 \
    "$(grep -c "$(hex_of_ascii "$MYNA_TEST_TEXT_PIN")" "$W/verbose.err")"
check_match "--verbose: APDUs traced, data hidden" "*myna-card: < ?? (*" \
    "$(cat "$W/verbose.err")"
check_eq "--verbose: the card info reads are hidden" 2 \
    "$(grep -c '^myna-card: < \*\* (' "$W/verbose.err")"

before=$(verifies)
out=$(mc_pins 12 info 2>&1)
check_eq "info, malformed PIN: exit 3" 3 $?
check_match "info, malformed PIN: said so" "*malformed PIN*" "$out"
check_eq "info, malformed PIN: nothing sent" "$before" "$(verifies)"
out=$(mc_pins 0000 info 2>&1)
check_eq "info, wrong PIN: exit 3" 3 $?
check_match "info, wrong PIN: tries left shown" "*wrong PIN, 2 tries left*" "$out"
check_eq "info, wrong PIN: one VERIFY, not retried" $((before + 1)) "$(verifies)"
mc_pins 0000 info >/dev/null 2>&1 # 1 left: final try
before=$(verifies)
out=$(mc_pins "$MYNA_TEST_TEXT_PIN" info 2>&1)
check_eq "info, final try: exit 3" 3 $?
check_match "info, final try: refused" "*final try*" "$out"
check_eq "info, final try: no VERIFY sent" "$before" "$(verifies)"

# ------------------------------------------------------------ change-pin
out=$(mc_pins "$MYNA_TEST_AUTH_PIN\n5678" change-pin auth 2>&1)
check_eq "change-pin auth 1234 -> 5678" 0 $?
out=$(mc_pins "5678\n$MYNA_TEST_AUTH_PIN" change-pin auth 2>&1)
check_eq "change-pin auth back" 0 $?
out=$(mc_pins "abc123\nxyz789" change-pin sign 2>&1)
check_eq "change-pin sign (lower case upper-cased)" 0 $?
out=$(mc_pins "XYZ789\n$MYNA_TEST_SIGN_PIN" change-pin sign 2>&1)
check_eq "change-pin sign back" 0 $?
before=$(verifies)
out=$(mc_pins "$MYNA_TEST_AUTH_PIN\n12345" change-pin auth 2>&1)
check_eq "change-pin, malformed new PIN: exit 3" 3 $?
check_eq "change-pin, malformed new PIN: nothing sent" "$before" "$(verifies)"
out=$(mc_pins "9999\n5678" change-pin auth 2>&1)
check_match "change-pin, wrong current PIN: tries left" "*2 tries left*" "$out"
out=$(mc status)
check_eq "status after a wrong PIN: 2 left" 2 \
    "$(field left "$(sed -n '/authPin/,/state/p' <<<"$out")")"
mc_pins "$MYNA_TEST_AUTH_PIN\n$MYNA_TEST_AUTH_PIN" change-pin auth >/dev/null 2>&1
check_eq "a right PIN resets the counter" 3 \
    "$(field left "$(sed -n '/authPin/,/state/p' <<<"$(mc status)")")"

# ------------------------------------------------------------ usage, no card
out=$(mc 2>&1)
check_eq "no command: exit 2" 2 $?
check_match "--version" "myna-card *" "$(mc --version)"
harness_stop_vcard
out=$(mc status 2>&1)
check_eq "no card: exit 1" 1 $?
check_match "no card: said so" "*no card*" "$out"
harness_done
