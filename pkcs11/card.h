/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * JPKI card commands (card-protocol.md §2-§6): pure protocol over one
 * function that exchanges an APDU, so that unit tests can run them against
 * the in-process virtual card (tests/unit/fake-io.c) and the module against
 * PC/SC (transport-pcsc.c).  No locking: callers hold the slot lock and a
 * PC/SC transaction.  Every status word becomes a CK_RV in sw.c, here.
 */
#ifndef MYNA_PKCS11_CARD_H
#define MYNA_PKCS11_CARD_H

#include <stddef.h>
#include <stdint.h>

#include "pkcs11-3.h"

#define MYNA_APDU_RESP_MAX 258 /* 256 data bytes + SW1 SW2 (§14) */
#define MYNA_EF_MAX 8192       /* larger EFs are refused as malicious */

/* One APDU exchange.  resp holds MYNA_APDU_RESP_MAX bytes; *resp_len is
 * set to the response length including SW1 SW2.  Returns CKR_OK or the
 * transport's CK_RV (CKR_DEVICE_REMOVED, CKR_DEVICE_ERROR, ...). */
struct myna_io {
    CK_RV(*transmit)
    (void *ctx, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
     size_t *resp_len);
    void *ctx;
    unsigned long apdus; /* counted by myna_card_*, for the debug trace */
    /* Optional: called after every exchange (the module's debug trace,
     * log.c, which never shows the data of VERIFY or CHANGE REFERENCE
     * DATA).  resp_len is 0 when the transport failed. */
    void (*trace)(const uint8_t *cmd, size_t cmd_len, const uint8_t *resp,
                  size_t resp_len);
};

enum myna_key {
    MYNA_KEY_AUTH, /* key EF 0017, PIN 0018: 4 digits, 3 tries */
    MYNA_KEY_SIGN, /* key EF 001A, PIN 001B: 6-16 of A-Z0-9, 5 tries */
    /* The card info input support AP's PIN 0011 (§8.1): 4 digits, 3
     * tries, no key.  Used by myna-card, never by the module. */
    MYNA_KEY_TEXT,
};

/* JPKI AP files (§3.1). */
#define MYNA_EF_SIGN_CERT 0x0001
#define MYNA_EF_SIGN_CA 0x0002
#define MYNA_EF_TOKEN_INFO 0x0006
#define MYNA_EF_CERT_AVAILABILITY 0x0008
#define MYNA_EF_AUTH_CERT 0x000A
#define MYNA_EF_AUTH_CA 0x000B

/* SELECT the JPKI AP by DF name (00 A4 04 0C 0A D392F00026010000 0001).
 * CKR_TOKEN_NOT_RECOGNIZED when the card has no JPKI AP (6A82). */
CK_RV myna_card_select_jpki(struct myna_io *io);

/* SELECT the card info input support AP (券面事項入力補助AP, §8) by DF
 * name D3 92 10 00 31 00 01 01 04 08; CKR_TOKEN_NOT_RECOGNIZED when
 * absent.  For myna-card: the module never selects it. */
CK_RV myna_card_select_text(struct myna_io *io);

/*
 * Read a whole transparent EF of the current application with the fewest
 * APDUs: SELECT (00 A4 02 0C 02 FID), then READ BINARY with Le=00 from
 * offset 0; if the first bytes are a DER header (30 82 LL LL / 30 81 LL)
 * only the remaining bytes of that object are read (256 at a time, the
 * last read exact), otherwise it reads until a short answer or 6B00.
 * *out is malloc'd (free with free()); *len its length.  A response longer
 * than asked, an object larger than MYNA_EF_MAX or a DER length past the
 * end of the EF is CKR_DEVICE_ERROR (never trusted, never overflows).
 * 6982 (sign certificate without the password) is CKR_USER_NOT_LOGGED_IN.
 */
CK_RV myna_card_read_ef(struct myna_io *io, uint16_t fid, uint8_t **out,
                        size_t *len);

/* Retry counter of a PIN without spending a try: SELECT key EF + the
 * empty VERIFY 00 20 00 80 (§5.3), which always answers 63Cx. */
CK_RV myna_card_pin_tries(struct myna_io *io, enum myna_key key, int *tries);

/*
 * VERIFY the PIN (§5.2).  The caller has checked its format.  Returns
 * CKR_OK; CKR_PIN_INCORRECT with *tries_left = x of 63Cx (x > 0);
 * CKR_PIN_LOCKED for 63C0 and 6984 (*tries_left = 0).  tries_left may be
 * NULL.  The APDU buffer holding the PIN is wiped before returning.
 */
CK_RV myna_card_verify(struct myna_io *io, enum myna_key key,
                       const uint8_t *pin, size_t pin_len, int *tries_left);

/* CHANGE REFERENCE DATA 00 24 01 80 (§5.4); the PIN must have been
 * verified in this card session (the caller does VERIFY first). */
CK_RV myna_card_change(struct myna_io *io, enum myna_key key,
                       const uint8_t *new_pin, size_t new_len);

/* SELECT the key EF and COMPUTE DIGITAL SIGNATURE 80 2A 00 80 Lc data 00
 * (§6.1): PKCS#1 v1.5 type-01 padding of 1-245 input bytes by the card.
 * sig holds 256 bytes.  6982 (PIN not verified) is
 * CKR_USER_NOT_LOGGED_IN. */
CK_RV myna_card_sign(struct myna_io *io, enum myna_key key, const uint8_t *in,
                     size_t in_len, uint8_t *sig, size_t *sig_len);

/* The one SW1SW2 -> CK_RV table (sw.c), for status words that have no
 * command-specific meaning. */
CK_RV myna_sw_to_rv(uint16_t sw);

#endif
