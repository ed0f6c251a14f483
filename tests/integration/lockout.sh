#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# PIN retry counters of myna-vcard, seen through the real pcscd with raw
# APDUs (docs card-protocol.md §5.2, §5.3, checklist rows 9 and 10):
#   auth PIN (0018, 3 tries): 63C3 -> wrong x3 -> 63C2 63C1 63C0 -> every
#   later VERIFY 6984 (also the correct PIN), empty VERIFY 63C0, and all of
#   that still true after myna-vcard restarts on the same card directory;
#   sign password (001B, 5 tries): wrong -> 63C4, correct -> 9000, and the
#   counter is back to 63C5.

set -u
# shellcheck source-path=SCRIPTDIR source=../harness/lib.sh
. "$(dirname "$0")/../harness/lib.sh"

harness_require
harness_init
harness_start_pcscd
harness_new_card lockout
CARD=$HARNESS_CARD
harness_start_vcard "$CARD"

WRONG=$(verify_apdu 0000)
RIGHT=$(verify_apdu "$MYNA_TEST_AUTH_PIN")

diag "auth PIN: exhaust the retry counter"
mapfile -t R < <(apdu "$SELECT_JPKI" 00A4020C020018 00200080 \
    "$WRONG" "$WRONG" "$WRONG" "$WRONG" "$RIGHT" 00200080)
expect_sw "SELECT JPKI AP" 9000 "${R[0]:-}"
expect_sw "SELECT EF 0018 (auth PIN)" 9000 "${R[1]:-}"
expect_sw "empty VERIFY on a fresh card shows 3 tries" 63C3 "${R[2]:-}"
expect_sw "wrong PIN 0000, 1st time" 63C2 "${R[3]:-}"
expect_sw "wrong PIN 0000, 2nd time" 63C1 "${R[4]:-}"
expect_sw "wrong PIN 0000, 3rd time blocks the PIN" 63C0 "${R[5]:-}"
expect_sw "wrong PIN on the blocked PIN" 6984 "${R[6]:-}"
expect_sw "correct PIN on the blocked PIN" 6984 "${R[7]:-}"
expect_sw "empty VERIFY on the blocked PIN" 63C0 "${R[8]:-}"

diag "a blocked auth PIN does not let the auth key sign"
printf 'lockout test data\n' >"$HARNESS_DIR/data"
DI=$(sha256_digestinfo "$HARNESS_DIR/data")
mapfile -t R < <(apdu "$SELECT_JPKI" 00A4020C020018 "$RIGHT" \
    00A4020C020017 "802A0080$(printf '%02X' $((${#DI} / 2)))${DI}00")
expect_sw "correct PIN still refused" 6984 "${R[2]:-}"
expect_sw "COMPUTE SIGNATURE with the auth key without a verified PIN" 6982 "${R[4]:-}"

diag "restart myna-vcard on the same card directory"
harness_stop_vcard
check_eq "myna-vcard exits 0 on SIGTERM" 0 "$HARNESS_VCARD_STATUS"

status=$("$MYNA_VCARD" status --card "$CARD" 2>&1)
diag "myna-vcard status:" "$status"
check_match "myna-vcard status reports auth_tries=0/3" \
    "*auth_tries=0/3*" "$status"
check_match "myna-vcard status reports sign_tries=5/5 (untouched)" \
    "*sign_tries=5/5*" "$status"

harness_start_vcard "$CARD"
mapfile -t R < <(apdu "$SELECT_JPKI" 00A4020C020018 00200080 "$RIGHT" 00200080)
expect_sw "after restart: SELECT JPKI AP" 9000 "${R[0]:-}"
expect_sw "after restart: SELECT EF 0018" 9000 "${R[1]:-}"
expect_sw "after restart: empty VERIFY still 63C0" 63C0 "${R[2]:-}"
expect_sw "after restart: correct PIN still blocked" 6984 "${R[3]:-}"
expect_sw "after restart: empty VERIFY still 63C0 afterwards" 63C0 "${R[4]:-}"

diag "sign password: one failure, then success resets the counter"
mapfile -t R < <(apdu "$SELECT_JPKI" 00A4020C02001B 00200080 \
    "$(verify_apdu WRONG9)" 00200080 "$(verify_apdu "$MYNA_TEST_SIGN_PIN")" \
    00200080)
expect_sw "SELECT JPKI AP" 9000 "${R[0]:-}"
expect_sw "SELECT EF 001B (sign password)" 9000 "${R[1]:-}"
expect_sw "empty VERIFY of the sign password shows 5 tries" 63C5 "${R[2]:-}"
expect_sw "wrong sign password" 63C4 "${R[3]:-}"
expect_sw "empty VERIFY after one failure" 63C4 "${R[4]:-}"
expect_sw "correct sign password" 9000 "${R[5]:-}"
expect_sw "empty VERIFY after success: counter back to 5" 63C5 "${R[6]:-}"

harness_stop_vcard
status=$("$MYNA_VCARD" status --card "$CARD" 2>&1)
check_match "status after the sign password session: sign_tries=5/5" \
    "*sign_tries=5/5*" "$status"
check_match "status after the sign password session: auth_tries=0/3" \
    "*auth_tries=0/3*" "$status"

harness_done
