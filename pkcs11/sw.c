/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The one SW1SW2 -> CK_RV table (card-protocol.md §11).  card.c handles
 * the status words that mean something specific to one command (6A82 on
 * SELECT of the JPKI AP, 63Cx on the empty VERIFY) and passes every other
 * status word through here, so that the module answers the same CK_RV for
 * the same card fault wherever it happens.
 */
#include "config.h"

#include "card.h"

CK_RV
myna_sw_to_rv(uint16_t sw)
{
    /* §11: 63Cx, x tries left after a wrong VERIFY.  63C0 is the attempt
     * that blocked the key (and the empty VERIFY on a blocked key): the
     * PIN is locked now, which §11 says the module reports as
     * CKR_PIN_LOCKED rather than OpenSC's CKR_PIN_INCORRECT. */
    if ((sw & 0xFFF0) == 0x63C0)
        return sw == 0x63C0 ? CKR_PIN_LOCKED : CKR_PIN_INCORRECT;

    switch (sw) {
    case 0x9000:
        return CKR_OK;
    case 0x6300:
        /* §11: wrong value for a key without a retry limit; not a JPKI
         * key, but still a wrong PIN. */
        return CKR_PIN_INCORRECT;
    case 0x6982:
        /* §11, §3.1, §6.2: security status not satisfied, e.g. EF 0001
         * or a signature before the PIN was verified. */
        return CKR_USER_NOT_LOGGED_IN;
    case 0x6984:
    case 0x6983:
        /* §5.2, §11: every VERIFY on a blocked key answers 6984; 6983 is
         * the ISO "authentication method blocked", not seen on the card
         * but unambiguous. */
        return CKR_PIN_LOCKED;
    case 0x6A82:
        /* §2.2, §11: file not found.  Every EF the module asks for exists
         * on a JPKI card, so this is a card fault for us (card.c maps it
         * to CKR_TOKEN_NOT_RECOGNIZED for the SELECT of the AP). */
        return CKR_DEVICE_ERROR;
    case 0x6700: /* §11: wrong length: we sent a short APDU it rejects */
    case 0x6A86: /* §11: wrong P1-P2 */
    case 0x6D00: /* §11: INS not supported */
    case 0x6E00: /* §11: CLA not supported */
    case 0x6981: /* §11: command incompatible with the file structure */
    case 0x6985: /* §11: conditions of use not satisfied */
    case 0x6986: /* §11: no current EF: our SELECT did not take effect */
        /* The module only sends the commands of §2-§6 with the exact
         * bytes every client sends: if the card refuses one of them, the
         * card (or what answers in its place) is at fault, not the
         * caller's arguments. */
        return CKR_DEVICE_ERROR;
    case 0x6581: /* ISO 7816-4: memory failure (the vcard's failed save) */
    case 0x6F00: /* ISO 7816-4: no precise diagnosis */
        return CKR_DEVICE_ERROR;
    case 0x6B00:
        /* §4.2, §11: offset outside the EF.  card.c treats it as the end
         * of a non-DER EF itself; anywhere else it is a card fault. */
        return CKR_DEVICE_ERROR;
    default:
        /* Anything else (secure-messaging or channel errors §2.2, 61xx or
         * 6Cxx left after one retry §14, status words §11 does not list)
         * is a device we cannot trust to have done what we asked. */
        return CKR_DEVICE_ERROR;
    }
}
