/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * PIN formats checked before any APDU, so that a malformed PIN never
 * costs a card retry (card-protocol.md §5.1): the auth PIN is exactly 4
 * ASCII digits; the sign password 6-16 characters of A-Z and 0-9 with at
 * least one of each, where a-z is accepted and upper-cased first (the
 * card compares bytes; J-LIS clients upper-case).
 */
#ifndef MYNA_PKCS11_PIN_H
#define MYNA_PKCS11_PIN_H

#include <stddef.h>
#include <stdint.h>

#include "card.h"

#define MYNA_PIN_MAX 16

/* Copy pin into out (MYNA_PIN_MAX bytes) in the form the card expects.
 * Returns CKR_OK, or CKR_PIN_LEN_RANGE (wrong length) or CKR_PIN_INVALID
 * (wrong characters, or a sign password without a letter or a digit);
 * out is wiped on error.  The caller wipes out after use. */
CK_RV myna_pin_normalize(enum myna_key key, const CK_UTF8CHAR *pin,
                         CK_ULONG len, uint8_t *out, size_t *out_len);

/* explicit_bzero, never optimised away. */
void myna_wipe(void *p, size_t len);

#endif
