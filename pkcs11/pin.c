/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * PIN format checks before VERIFY (card-protocol.md §5.1): a PIN the card
 * would reject for its form must not cost one of the 3 (auth) or 5 (sign)
 * tries.  C_Login reports these as CKR_PIN_LEN_RANGE / CKR_PIN_INVALID
 * (PKCS#11 3.0 base spec §5.6 C_Login, §5.1 return values).
 */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "pin.h"

#define AUTH_PIN_LEN 4
#define SIGN_PIN_MIN 6
#define SIGN_PIN_MAX 16

_Static_assert(SIGN_PIN_MAX <= MYNA_PIN_MAX, "MYNA_PIN_MAX");

void
myna_wipe(void *p, size_t len)
{
    if (p != NULL && len != 0)
        explicit_bzero(p, len);
}

static bool
is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

static bool
is_upper(uint8_t c)
{
    return c >= 'A' && c <= 'Z';
}

/* The user authentication PIN: exactly 4 ASCII digits. */
static CK_RV
auth_pin(const CK_UTF8CHAR *pin, CK_ULONG len, uint8_t *out)
{
    if (len != AUTH_PIN_LEN)
        return CKR_PIN_LEN_RANGE;
    for (CK_ULONG i = 0; i < len; i++) {
        if (!is_digit(pin[i]))
            return CKR_PIN_INVALID;
        out[i] = pin[i];
    }
    return CKR_OK;
}

/*
 * The signature password: 6-16 of A-Z and 0-9 with at least one letter
 * and one digit.  Lower case is upper-cased first, as the J-LIS client
 * does; OpenSC sends it unchanged and the card counts a wrong try
 * (card-protocol.md §13.3).
 */
static CK_RV
sign_pin(const CK_UTF8CHAR *pin, CK_ULONG len, uint8_t *out)
{
    bool letter = false, digit = false;
    uint8_t c;

    if (len < SIGN_PIN_MIN || len > SIGN_PIN_MAX)
        return CKR_PIN_LEN_RANGE;
    for (CK_ULONG i = 0; i < len; i++) {
        c = pin[i];
        if (c >= 'a' && c <= 'z')
            c = (uint8_t)(c - 'a' + 'A');
        if (is_upper(c))
            letter = true;
        else if (is_digit(c))
            digit = true;
        else
            return CKR_PIN_INVALID;
        out[i] = c;
    }
    if (!letter || !digit)
        return CKR_PIN_INVALID;
    return CKR_OK;
}

CK_RV
myna_pin_normalize(enum myna_key key, const CK_UTF8CHAR *pin, CK_ULONG len,
                   uint8_t *out, size_t *out_len)
{
    CK_RV rv;

    if (out_len != NULL)
        *out_len = 0;
    if (out == NULL || out_len == NULL || (pin == NULL && len != 0))
        return CKR_ARGUMENTS_BAD;
    switch (key) {
    case MYNA_KEY_AUTH:
    case MYNA_KEY_TEXT: /* §8.1: 4 digits too */
        rv = auth_pin(pin, len, out);
        break;
    case MYNA_KEY_SIGN:
        rv = sign_pin(pin, len, out);
        break;
    default:
        rv = CKR_ARGUMENTS_BAD;
        break;
    }
    if (rv != CKR_OK) {
        myna_wipe(out, MYNA_PIN_MAX);
        return rv;
    }
    *out_len = (size_t)len;
    return CKR_OK;
}
