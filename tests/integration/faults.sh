#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# myna-vcard's test switches, seen through the real pcscd: --fault-sw,
# --fault-remove-after, --fault-drop-after (+ --reinsert-after-ms),
# --apdu-delay-ms, --trace (PINs redacted) and --stats.

set -u
# shellcheck source-path=SCRIPTDIR source=../harness/lib.sh
. "$(dirname "$0")/../harness/lib.sh"

harness_require
harness_init
harness_start_pcscd
harness_new_card faults
CARD=$HARNESS_CARD

AUTH_VERIFY=$(verify_apdu "$MYNA_TEST_AUTH_PIN")
SIGN_VERIFY=$(verify_apdu "$MYNA_TEST_SIGN_PIN")
printf 'faults test data\n' >"$HARNESS_DIR/data"
DI=$(sha256_digestinfo "$HARNESS_DIR/data")
SIGN=$(printf '802A0080%02X%s00' $((${#DI} / 2)) "$DI")

# ------------------------------------------------------------- --fault-sw
harness_start_vcard "$CARD" --fault-sw 2A=6F00
mapfile -t R < <(apdu "$SELECT_JPKI" 00A4020C020018 "$AUTH_VERIFY" \
    00A4020C020017 "$SIGN")
expect_sw "--fault-sw 2A=6F00: SELECT unaffected" 9000 "${R[0]:-}"
expect_sw "--fault-sw 2A=6F00: VERIFY unaffected" 9000 "${R[2]:-}"
check_eq "--fault-sw 2A=6F00: COMPUTE SIGNATURE answers 6F00 without data" \
    6F00 "${R[4]:-}"
harness_stop_vcard
check_eq "myna-vcard exits 0 on SIGTERM" 0 "$HARNESS_VCARD_STATUS"

# --------------------------------------------------- --fault-remove-after
harness_start_vcard "$CARD" --fault-remove-after 3
mapfile -t R < <(apdu "$SELECT_JPKI" 00A4020C020006 00B0000004 \
    00A4020C020008 00B0000000)
expect_sw "--fault-remove-after 3: APDU 1 answered" 9000 "${R[0]:-}"
expect_sw "--fault-remove-after 3: APDU 3 answered" 9000 "${R[2]:-}"
check_match "--fault-remove-after 3: APDU 4 gets no answer" "ERR*" "${R[3]:-}"
if harness_wait_card_gone 10; then
    pass "--fault-remove-after 3: the reader shows no card"
else
    fail "--fault-remove-after 3: the reader shows no card" \
        "$(harness_readers)"
fi
diag "reader list after the removal:" "$(harness_readers)"
harness_stop_vcard

# -------------------------------- --fault-drop-after + --reinsert-after-ms
# pcscd notices a removal only at its next poll of the reader, so the card
# stays out long enough (1.5 s) for the empty reader to be seen.
harness_start_vcard "$CARD" --fault-drop-after 2 --reinsert-after-ms 1500
mapfile -t R < <(apdu "$SELECT_JPKI" 00A4020C020006 00B0000004)
expect_sw "--fault-drop-after 2: APDU 2 answered" 9000 "${R[1]:-}"
check_match "--fault-drop-after 2: APDU 3 is left unanswered" "ERR*" "${R[2]:-}"
if harness_wait_card_gone 10; then
    pass "--fault-drop-after 2: the reader shows no card"
else
    fail "--fault-drop-after 2: the reader shows no card" "$(harness_readers)"
fi
present=no
for _ in $(seq 1 100); do
    if harness_card_present "$HARNESS_READER"; then
        present=yes
        break
    fi
    sleep 0.1
done
check_eq "--reinsert-after-ms 1500: the card comes back" yes "$present"
mapfile -t R < <(apdu "$SELECT_JPKI" 00A4020C020008 00B0000000)
check_eq "after reinsertion the card answers normally (EF 0008)" \
    "9000 8F8F00" "${R[2]:-}"
harness_stop_vcard

# --------------------------------------------------------- --apdu-delay-ms
harness_start_vcard "$CARD" --apdu-delay-ms 200
start=$(date +%s%N)
apdu "$SELECT_JPKI" 00A4020C020008 00B0000000 00A4020C020006 00B0000004 >/dev/null
ms=$(( ($(date +%s%N) - start) / 1000000 ))
if [ "$ms" -ge 1000 ]; then
    pass "--apdu-delay-ms 200: 5 APDUs took ${ms} ms (>= 1000)"
else
    fail "--apdu-delay-ms 200: 5 APDUs took only ${ms} ms (< 1000)"
fi
harness_stop_vcard

# ------------------------------------------------------ --trace and --stats
TRACE=$HARNESS_DIR/trace.txt
STATS=$HARNESS_DIR/stats.txt
harness_start_vcard "$CARD" --trace "$TRACE" --stats "$STATS"
check_eq "--stats before any APDU" "apdus=0 signatures=0" \
    "$(tr '\n' ' ' <"$STATS" 2>/dev/null | sed 's/ $//')"
mapfile -t R < <(apdu "$SELECT_JPKI" 00A4020C020018 "$AUTH_VERIFY" \
    00A4020C020017 "$SIGN" 00200080)
expect_sw "auth PIN verified (traced)" 9000 "${R[2]:-}"
expect_sw "signature made (traced)" 9000 "${R[4]:-}"
check_eq "--stats counts 6 APDUs and 1 signature" "apdus=6 signatures=1" \
    "$(tr '\n' ' ' <"$STATS" 2>/dev/null | sed 's/ $//')"
mapfile -t R < <(apdu "$SELECT_JPKI" 00A4020C02001B "$SIGN_VERIFY" \
    "$(change_apdu "$MYNA_TEST_SIGN_PIN")" 00A4020C020018 "$(verify_apdu 9999)")
expect_sw "sign password verified (traced)" 9000 "${R[2]:-}"
expect_sw "sign password changed to itself (traced)" 9000 "${R[3]:-}"
expect_sw "wrong auth PIN 9999 (traced)" 63C2 "${R[5]:-}"
mapfile -t R < <(apdu "$SELECT_JPKI" 00A4020C020018 "$AUTH_VERIFY")
expect_sw "auth PIN verified again, counter reset (traced)" 9000 "${R[2]:-}"
check_eq "--stats after 15 APDUs" "apdus=15 signatures=1" \
    "$(tr '\n' ' ' <"$STATS" 2>/dev/null | sed 's/ $//')"

harness_stop_vcard
diag "trace:" "$(cut -c1-100 "$TRACE" 2>/dev/null)"
check_eq "--trace has one '>' line per APDU" 15 "$(grep -c '^> ' "$TRACE")"
check_eq "--trace has one '<' line per APDU" 15 "$(grep -c '^< ' "$TRACE")"
check_match "--trace shows the SELECT of the JPKI AP" \
    "*> $SELECT_JPKI*" "$(cat "$TRACE")"
check_match "--trace shows a response 9000" "*< 9000*" "$(cat "$TRACE")"
verify_lines=$(grep -E '^> ..(20|24)' "$TRACE")
# The empty VERIFY is "> 00200080"; the others carry data after the header.
check_eq "--trace has the 5 VERIFY/CHANGE lines with data" 5 \
    "$(grep -cE '^> ..(20|24).{5,}' <<<"$verify_lines")"
if grep -qiE '31323334|39393939|414243313233' <<<"$verify_lines"; then
    fail "--trace never shows PIN bytes in VERIFY/CHANGE lines" "$verify_lines"
else
    pass "--trace never shows PIN bytes in VERIFY/CHANGE lines"
fi
check_match "--trace marks the redacted PIN with **" '*\*\**' \
    "$(grep -m1 -E '^> 00200080.{5,}' "$TRACE")"
if grep -qiE '31323334|414243313233' "$TRACE"; then
    fail "the trace holds no PIN anywhere" "$(grep -iE '31323334|414243313233' "$TRACE")"
else
    pass "the trace holds no PIN anywhere"
fi

# ---------------------------------------- --fault-truncate, --fault-oversize
# A card that lies about lengths: half of EF 0006 (80 of 160 bytes) with
# 9000, or 300 bytes more than READ BINARY asked for.
harness_start_vcard "$CARD" --fault-truncate B0
mapfile -t R < <(apdu "$SELECT_JPKI" 00A4020C020006 00B0000000)
check_eq "--fault-truncate B0: EF 0006 read answers 80 of 160 bytes" \
    "9000 80" "$(sw_of "${R[2]:-}") $(( $(data_of "${R[2]:-}" | tr -d '\n' | wc -c) / 2 ))"
harness_stop_vcard
harness_start_vcard "$CARD" --fault-oversize B0
mapfile -t R < <(apdu "$SELECT_JPKI" 00A4020C020008 00B0000003)
diag "--fault-oversize B0 answer:" "$(printf '%s' "${R[2]:-}" | cut -c1-80)"
case "${R[2]:-}" in
ERR*) pass "--fault-oversize B0: the 303-byte answer does not pass as a normal one" ;;
"9000 8F8F00") fail "--fault-oversize B0: answer was not oversized" "${R[2]:-}" ;;
*) if [ $(( $(data_of "${R[2]:-}" | tr -d '\n' | wc -c) / 2 )) -gt 3 ]; then
        pass "--fault-oversize B0: more data than Le=3 arrives"
    else
        fail "--fault-oversize B0: oversized answer" "${R[2]:-}"
    fi ;;
esac
harness_stop_vcard

# --------------------------------------------------------------- card swap
# Two cards of two people on the same reader: different certificates and
# token serial numbers, so a host can tell a swap from a reinsertion.
harness_start_vcard "$CARD"
first=$(read_ef 000A "$SELECT_JPKI" | md5sum)
first_info=$(read_ef 0006 "$SELECT_JPKI" | cut -c161-192)
harness_stop_vcard
harness_new_card other 2
harness_start_vcard "$HARNESS_CARD"
second=$(read_ef 000A "$SELECT_JPKI" | md5sum)
second_info=$(read_ef 0006 "$SELECT_JPKI" | cut -c161-192)
harness_stop_vcard
check "card swap: another auth certificate" test "$first" != "$second"
check "card swap: another token serial in EF 0006" \
    test -n "$first_info" -a "$first_info" != "$second_info"

harness_done
