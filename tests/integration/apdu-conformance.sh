#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Every row of the emulator checklist (docs/card-protocol.md §15) that can be
# observed with raw APDUs, sent through the real pcscd + vpcd to myna-vcard.
# Dependent APDUs are sent in ONE opensc-tool session (see harness/lib.sh).

set -u
# shellcheck source-path=SCRIPTDIR source=../harness/lib.sh
. "$(dirname "$0")/../harness/lib.sh"

harness_require openssl
harness_init
harness_start_pcscd
harness_new_card conformance
CARD=$HARNESS_CARD
harness_start_vcard "$CARD"

W=$HARNESS_DIR
AUTH_VERIFY=$(verify_apdu "$MYNA_TEST_AUTH_PIN")
SIGN_VERIFY=$(verify_apdu "$MYNA_TEST_SIGN_PIN")
TEXT_VERIFY=$(verify_apdu "$MYNA_TEST_TEXT_PIN")

# sign_apdu DIGESTINFO-HEX [P1]: 80 2A P1 80 Lc data 00
sign_apdu() {
    printf '802A%s80%02X%s00\n' "${2:-00}" $((${#1} / 2)) "$1"
}

# ---------------------------------------------------------------- row 1: ATR
check_eq "row 1: ATR (opensc-tool -a)" 3BE000FF8131FE4514 "$(harness_atr)"
name=$(timeout 30 opensc-tool -r "$HARNESS_READER" -n 2>&1)
check_match "OpenSC's jpki driver takes the card (opensc-tool -n)" \
    "*[Jj][Pp][Kk][Ii]*" "$name"

# --------------------------------------------------- rows 2-4: SELECT rules
harness_reset_card
mapfile -t R < <(apdu 00A40000 "$SELECT_JPKI" 00A40000 00A4020C02000A \
    00B0000004 00A4040C07A0000000041010 "$SELECT_JPKI" 00A4020C020099 \
    00A4020C023F00 00A4090C02000A "$SELECT_TEXT" "$SELECT_SURFACE")
expect_sw "row 4: 00 A4 00 00 straight after reset" 6A86 "${R[0]:-}"
expect_sw "row 2: SELECT JPKI AP by AID" 9000 "${R[1]:-}"
expect_sw "row 4: 00 A4 00 00 with the JPKI AP current" 9000 "${R[2]:-}"
expect_sw "row 4: ... and it did not change the DF: SELECT EF 000A" 9000 "${R[3]:-}"
check_match "row 4: ... READ BINARY of 000A still reads the certificate" \
    "9000 3082*" "${R[4]:-}"
expect_sw "row 2: SELECT of an AID that is not on the card" 6A82 "${R[5]:-}"
expect_sw "row 2: SELECT JPKI AP again" 9000 "${R[6]:-}"
expect_sw "row 3: SELECT of an unknown FID 0099" 6A82 "${R[7]:-}"
expect_sw "row 4: SELECT FID 3F00 (no MF)" 6A82 "${R[8]:-}"
expect_sw "row 3: SELECT with P1=09 (path) is an error" '6*' "${R[9]:-}"
expect_sw "row 2: text AP selectable" 9000 "${R[10]:-}"
expect_sw "row 2: surface AP selectable" 9000 "${R[11]:-}"

# ------------------------------------------------------ rows 5, 6, 8: READ
LABEL=$(hex_of_ascii JPKIAPICCTOKEN2)$(printf '20%.0s' $(seq 1 17))
mapfile -t R < <(apdu "$SELECT_JPKI" 00A4020C020006 00B0000000 00B0009000 \
    00B000A001 00A4020C020008 00B0000000 00B0000301 00B0001001 \
    00A4020C02000A 00B0000000 00B07F0001)
d=$(data_of "${R[2]:-}")
check_eq "row 5: EF 0006 is 160 bytes (READ with Le=00)" 160 $((${#d} / 2))
check_eq "row 5: EF 0006 label JPKIAPICCTOKEN2, space padded" "$LABEL" "${d:0:64}"
expect_sw "row 8: READ at offset 144 with Le=256" 9000 "${R[3]:-}"
d=$(data_of "${R[3]:-}")
check_eq "row 8: short read at the end returns the 16 remaining bytes" 16 $((${#d} / 2))
expect_sw "row 8: READ at offset 160 = end of EF 0006" 6B00 "${R[4]:-}"
check_eq "row 6: EF 0008 is 8F 8F 00" "9000 8F8F00" "${R[6]:-}"
expect_sw "row 8: READ at offset 3 = end of EF 0008" 6B00 "${R[7]:-}"
expect_sw "row 8: READ past the end of EF 0008" 6B00 "${R[8]:-}"
d=$(data_of "${R[10]:-}")
check_eq "row 8: READ BINARY with Le=00 returns 256 bytes" 256 $((${#d} / 2))
check_match "row 7: auth certificate EF 000A starts with 30 82" "3082*" "$d"
expect_sw "row 8: READ at offset 7F00 of EF 000A" 6B00 "${R[11]:-}"

# ------------------------------------------- row 7: certificates readable
for fid in 000A 000B 0002; do
    hex=$(read_ef "$fid" "$SELECT_JPKI")
    hex_to_file "$hex" "$W/$fid.der"
    check "row 7: EF $fid read without a PIN is a DER certificate" \
        openssl x509 -inform DER -in "$W/$fid.der" -noout
done
openssl x509 -inform DER -in "$W/000A.der" -pubkey -noout >"$W/auth.pub" 2>/dev/null

mapfile -t R < <(apdu "$SELECT_JPKI" 00A4020C020001 00B0000004 \
    00A4020C020018 "$AUTH_VERIFY" 00A4020C020001 00B0000004 \
    00A4020C02001B "$SIGN_VERIFY" 00A4020C020001 00B0000004)
expect_sw "row 7: SELECT of the sign certificate EF 0001 succeeds" 9000 "${R[1]:-}"
expect_sw "row 7: READ of 0001 before the sign password" 6982 "${R[2]:-}"
expect_sw "auth PIN verified" 9000 "${R[4]:-}"
expect_sw "§7: the auth PIN does not open 0001" 6982 "${R[6]:-}"
expect_sw "sign password verified" 9000 "${R[8]:-}"
check_match "row 7: READ of 0001 after the sign password: 30 82 ..." \
    "9000 3082*" "${R[10]:-}"
hex=$(read_ef 0001 "$SELECT_JPKI" 00A4020C02001B "$SIGN_VERIFY")
hex_to_file "$hex" "$W/0001.der"
check "row 7: EF 0001 after the sign password is a DER certificate" \
    openssl x509 -inform DER -in "$W/0001.der" -noout
openssl x509 -inform DER -in "$W/0001.der" -pubkey -noout >"$W/sign.pub" 2>/dev/null

# row 14: state cleared by re-SELECT of the AP and by a reset
mapfile -t R < <(apdu "$SELECT_JPKI" 00A4020C02001B "$SIGN_VERIFY" \
    "$SELECT_JPKI" 00A4020C020001 00B0000004 00A4020C02001B "$SIGN_VERIFY")
expect_sw "row 14: after re-SELECT of the JPKI AP, 0001 is closed again" 6982 "${R[5]:-}"
expect_sw "sign password verified again" 9000 "${R[7]:-}"
harness_reset_card
mapfile -t R < <(apdu "$SELECT_JPKI" 00A4020C020001 00B0000004)
expect_sw "row 14: after a card reset, 0001 is closed again" 6982 "${R[2]:-}"

# ------------------------------------------------- rows 12, 13, 14: signing
printf 'conformance test data\n' >"$W/data"
DI=$(sha256_digestinfo "$W/data")
mapfile -t R < <(apdu "$SELECT_JPKI" 00A4020C020017 "$(sign_apdu "$DI")" \
    00A4020C020018 "$AUTH_VERIFY" 00A4020C020017 "$(sign_apdu "$DI")" \
    00A4020C02000A 00B0000004 00A4020C020018 00200080 \
    00A4020C020017 "$(sign_apdu "$DI")" "$(sign_apdu "$DI" 06)" \
    00A4020C02001A "$(sign_apdu "$DI")")
expect_sw "row 13: COMPUTE SIGNATURE without the PIN" 6982 "${R[2]:-}"
expect_sw "row 12: COMPUTE SIGNATURE after VERIFY" 9000 "${R[6]:-}"
sig=$(data_of "${R[6]:-}")
check_eq "row 12: the signature is 256 bytes" 256 $((${#sig} / 2))
hex_to_file "$sig" "$W/sig.bin"
rec=$(openssl pkeyutl -verifyrecover -pubin -inkey "$W/auth.pub" \
    -pkeyopt rsa_padding_mode:pkcs1 -in "$W/sig.bin" 2>/dev/null |
    od -An -v -tx1 | tr -d ' \n' | tr a-f A-F)
check_eq "row 12: openssl pkeyutl -verifyrecover (auth cert) gives back the DigestInfo" \
    "$DI" "$rec"
expect_sw "row 14: empty VERIFY after a successful one still answers 63Cx" 63C3 "${R[10]:-}"
expect_sw "row 14: the PIN stays verified across SELECT, READ, SIGN, empty VERIFY" 9000 "${R[12]:-}"
if [ "${#sig}" -eq 512 ] && [ "$sig" = "$(data_of "${R[12]:-}")" ]; then
    pass "§6: signatures are deterministic (PKCS#1 v1.5)"
else
    fail "§6: signatures are deterministic (PKCS#1 v1.5)" \
        "first: ${sig:-none}" "again: ${R[12]:-none}"
fi
expect_sw "row 13: COMPUTE SIGNATURE with P1=06" 6A86 "${R[13]:-}"
expect_sw "§7: the auth PIN does not open the sign key 001A" 6982 "${R[15]:-}"

mapfile -t R < <(apdu "$SELECT_JPKI" 00A4020C02001B "$SIGN_VERIFY" \
    00A4020C02001A "$(sign_apdu "$DI")")
expect_sw "row 12: sign key 001A signs after the sign password" 9000 "${R[4]:-}"
hex_to_file "$(data_of "${R[4]:-}")" "$W/sig2.bin"
rec=$(openssl pkeyutl -verifyrecover -pubin -inkey "$W/sign.pub" \
    -pkeyopt rsa_padding_mode:pkcs1 -in "$W/sig2.bin" 2>/dev/null |
    od -An -v -tx1 | tr -d ' \n' | tr a-f A-F)
check_eq "row 12: the sign key's signature verifies against the sign cert" "$DI" "$rec"

# row 12: the input is 1 to 245 bytes (256 - 11 bytes of PKCS#1 padding)
in245=$(printf 'AB%.0s' $(seq 1 245))
mapfile -t R < <(apdu "$SELECT_JPKI" 00A4020C020018 "$AUTH_VERIFY" \
    00A4020C020017 "$(sign_apdu "$in245")" "$(sign_apdu "${in245}AB")")
expect_sw "row 12: COMPUTE SIGNATURE over 245 bytes" 9000 "${R[4]:-}"
case ${R[5]:-} in
6700 | 6985) pass "row 12: COMPUTE SIGNATURE over 246 bytes is refused -> ${R[5]}" ;;
*) fail "row 12: COMPUTE SIGNATURE over 246 bytes is refused" \
    "expected 6700 or 6985, got: ${R[5]:-no response}" ;;
esac

# ------------------------------------------------- row 15: INS and CLA
mapfile -t R < <(apdu "$SELECT_JPKI" 005A0000 "01A4040C0A$JPKI_AID" \
    "0CA4040C0A$JPKI_AID" 00A4020C020006 0CB0000004)
expect_sw "row 15: unknown INS 5A" 6D00 "${R[1]:-}"
expect_sw "row 15: CLA 01 (logical channel 1)" 6881 "${R[2]:-}"
expect_sw "row 15: CLA 0C (secure messaging) on SELECT" 6882 "${R[3]:-}"
expect_sw "row 15: CLA 0C (secure messaging) on READ BINARY" 69FC "${R[5]:-}"

# ---------------------------------------------- row 11: CHANGE REFERENCE DATA
NEW_PIN=5678
mapfile -t R < <(apdu "$SELECT_JPKI" 00A4020C020018 "$AUTH_VERIFY" \
    "$(change_apdu "$NEW_PIN")" "$SELECT_JPKI" 00A4020C020018 \
    "$(verify_apdu "$NEW_PIN")" "$(change_apdu "$MYNA_TEST_AUTH_PIN")" \
    "$SELECT_JPKI" 00A4020C020018 "$AUTH_VERIFY" 00200080)
expect_sw "row 11: VERIFY the current PIN" 9000 "${R[2]:-}"
expect_sw "row 11: CHANGE REFERENCE DATA to $NEW_PIN" 9000 "${R[3]:-}"
expect_sw "row 11: VERIFY with the new PIN" 9000 "${R[6]:-}"
expect_sw "row 11: change it back" 9000 "${R[7]:-}"
expect_sw "row 11: VERIFY with the original PIN again" 9000 "${R[10]:-}"
expect_sw "row 11: no try was lost" 63C3 "${R[11]:-}"

# ----------------------------------------------------- row 16: text AP
mapfile -t R < <(apdu "$SELECT_TEXT" 00A4020C020001 00B0000011 \
    00A4020C020011 00200080 "$TEXT_VERIFY" 00A4020C020001 00B0000011)
expect_sw "row 16: text AP: SELECT" 9000 "${R[0]:-}"
expect_sw "row 16: text AP: EF 0001 before the PIN" 6982 "${R[2]:-}"
expect_sw "row 16: text AP: empty VERIFY of 0011" 63C3 "${R[4]:-}"
expect_sw "row 16: text AP: VERIFY 0011" 9000 "${R[5]:-}"
check_match "row 16: text AP EF 0001 is FF 10 0C + 12 digits + FF FF (17 bytes)" \
    "9000 FF100C3[0-9]3[0-9]3[0-9]3[0-9]3[0-9]3[0-9]3[0-9]3[0-9]3[0-9]3[0-9]3[0-9]3[0-9]FFFF" \
    "${R[7]:-}"

attrs=$(read_ef 0002 "$SELECT_TEXT" 00A4020C020011 "$TEXT_VERIFY")
check_match "row 16: text AP EF 0002 starts with FF 20" "FF20*" "$attrs"

# tlv_tags HEX: tags of the objects inside the outer FF20 template.
tlv_tags() {
    local h=$1 p=4 end len l tags=''
    len=$((16#${h:$p:2})); p=$((p + 2))
    case $len in
    129) len=$((16#${h:$p:2})); p=$((p + 2)) ;;
    130) len=$((16#${h:$p:4})); p=$((p + 4)) ;;
    esac
    end=$((p + 2 * len))
    while [ "$p" -lt "$end" ]; do
        tags+="${h:$p:4} "
        p=$((p + 4))
        l=$((16#${h:$p:2})); p=$((p + 2))
        case $l in
        129) l=$((16#${h:$p:2})); p=$((p + 2)) ;;
        130) l=$((16#${h:$p:4})); p=$((p + 4)) ;;
        esac
        p=$((p + 2 * l))
    done
    printf '%s\n' "${tags% }"
}
check_eq "row 16: text AP EF 0002 holds DF21..DF25 in order" \
    "DF21 DF22 DF23 DF24 DF25" "$(tlv_tags "$attrs")"

# ------------------------------------------- row 1: configurable ATR (02)
ATR02=3BDA13FF8131FB468012392F31C173C601C03B
harness_stop_vcard
check_eq "myna-vcard exits 0 on SIGTERM" 0 "$HARNESS_VCARD_STATUS"
harness_start_vcard "$CARD" --atr "$ATR02" --keep-state-on-reselect
check_eq "row 1: --atr $ATR02 is what the reader reports" "$ATR02" "$(harness_atr)"
name=$(timeout 30 opensc-tool -r "$HARNESS_READER" -n 2>&1)
check_match "OpenSC still finds the JPKI card with the other ATR (AID match)" \
    "*[Jj][Pp][Kk][Ii]*" "$name"
mapfile -t R < <(apdu "$SELECT_JPKI" 00A4020C02001B "$SIGN_VERIFY" \
    "$SELECT_JPKI" 00A4020C020001 00B0000004)
check_match "row 14: with --keep-state-on-reselect, 0001 stays open after re-SELECT" \
    "9000 3082*" "${R[5]:-}"

harness_done
