/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Command APDU parser of the virtual card (ISO/IEC 7816-3 §12.1.3 cases
 * 1, 2S, 3S, 4S, 2E, 3E, 4E).  Pure: no I/O, no allocation; fuzzed by
 * tests/fuzz/fuzz-vcard-apdu.c.
 */
#ifndef MYNA_VCARD_APDU_H
#define MYNA_VCARD_APDU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Status words the card engine answers with (card-protocol.md §11). */
#define SW_OK 0x9000
#define SW_WRONG_LENGTH 0x6700
#define SW_CHANNEL_NOT_SUPPORTED 0x6881
#define SW_SM_NOT_SUPPORTED 0x6882
#define SW_FILE_INCOMPATIBLE 0x6981
#define SW_SECURITY_NOT_SATISFIED 0x6982
#define SW_KEY_BLOCKED 0x6984
#define SW_CONDITIONS_NOT_SATISFIED 0x6985
#define SW_NO_CURRENT_EF 0x6986
#define SW_SM_READ_VERIFY 0x69FC
#define SW_WRONG_DATA 0x6A80
#define SW_FILE_NOT_FOUND 0x6A82
#define SW_WRONG_P1P2 0x6A86
#define SW_OFFSET_OUTSIDE 0x6B00
#define SW_INS_NOT_SUPPORTED 0x6D00
#define SW_CLA_NOT_SUPPORTED 0x6E00
#define SW_SEC_ENV_FAULTY 0x66F1
#define SW_TRIES(n) ((uint16_t)(0x63C0 | ((n)&0x0F)))

struct vcard_apdu {
    uint8_t cla, ins, p1, p2;
    const uint8_t *data; /* points into the parsed buffer; NULL if lc == 0 */
    size_t lc;
    size_t le; /* 256 for a short Le of 00, 65536 for extended 0000 */
    bool has_le;
    bool extended;
};

/*
 * Parse buf[0..len).  Returns SW_OK and fills *out, or the status word a
 * card answers to a malformed command (SW_WRONG_LENGTH), leaving the
 * header bytes in *out when at least four bytes were given.
 */
uint16_t vcard_apdu_parse(const uint8_t *buf, size_t len,
                          struct vcard_apdu *out);

#endif
