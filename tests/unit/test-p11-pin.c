/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * PIN format checks (pkcs11/pin.c, card-protocol.md §5.1): a table of
 * auth PINs and sign passwords with the expected CK_RV and card bytes,
 * and the output buffer wiped whenever the PIN is refused.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pin.h"

struct pin_case {
    enum myna_key key;
    const char *pin;
    CK_RV rv;
    const char *card; /* bytes sent to the card when rv is CKR_OK */
};

static const struct pin_case cases[] = {
    /* Auth PIN: exactly 4 digits. */
    { MYNA_KEY_AUTH, "1234", CKR_OK, "1234" },
    { MYNA_KEY_AUTH, "0000", CKR_OK, "0000" },
    { MYNA_KEY_AUTH, "9999", CKR_OK, "9999" },
    { MYNA_KEY_AUTH, "", CKR_PIN_LEN_RANGE, NULL },
    { MYNA_KEY_AUTH, "123", CKR_PIN_LEN_RANGE, NULL },
    { MYNA_KEY_AUTH, "12345", CKR_PIN_LEN_RANGE, NULL },
    { MYNA_KEY_AUTH, "12a4", CKR_PIN_INVALID, NULL },
    { MYNA_KEY_AUTH, "12A4", CKR_PIN_INVALID, NULL },
    { MYNA_KEY_AUTH, " 123", CKR_PIN_INVALID, NULL },
    { MYNA_KEY_AUTH, "123/", CKR_PIN_INVALID, NULL }, /* '0' - 1 */
    { MYNA_KEY_AUTH, "123:", CKR_PIN_INVALID, NULL }, /* '9' + 1 */
    { MYNA_KEY_AUTH, "12\xef\xbc\x93", CKR_PIN_LEN_RANGE, NULL },
    { MYNA_KEY_AUTH, "1\xef\xbc\x93", CKR_PIN_INVALID, NULL }, /* U+FF13 */
    /* Sign password: 6-16 of A-Z0-9, a letter and a digit. */
    { MYNA_KEY_SIGN, "abc123", CKR_OK, "ABC123" },
    { MYNA_KEY_SIGN, "ABC123", CKR_OK, "ABC123" },
    { MYNA_KEY_SIGN, "a1b2C3d4", CKR_OK, "A1B2C3D4" },
    { MYNA_KEY_SIGN, "1zzzzz", CKR_OK, "1ZZZZZ" },
    { MYNA_KEY_SIGN, "ABCDEFGHIJKLMNO1", CKR_OK, "ABCDEFGHIJKLMNO1" },
    { MYNA_KEY_SIGN, "abcdefghijklmno1", CKR_OK, "ABCDEFGHIJKLMNO1" },
    { MYNA_KEY_SIGN, "ABCDEF", CKR_PIN_INVALID, NULL },
    { MYNA_KEY_SIGN, "abcdef", CKR_PIN_INVALID, NULL },
    { MYNA_KEY_SIGN, "123456", CKR_PIN_INVALID, NULL },
    { MYNA_KEY_SIGN, "ABC12!", CKR_PIN_INVALID, NULL },
    { MYNA_KEY_SIGN, "ABC 12", CKR_PIN_INVALID, NULL },
    { MYNA_KEY_SIGN, "ABC12@", CKR_PIN_INVALID, NULL },       /* 'A' - 1 */
    { MYNA_KEY_SIGN, "ABC12[", CKR_PIN_INVALID, NULL },       /* 'Z' + 1 */
    { MYNA_KEY_SIGN, "ABC12`", CKR_PIN_INVALID, NULL },       /* 'a' - 1 */
    { MYNA_KEY_SIGN, "ABC12{", CKR_PIN_INVALID, NULL },       /* 'z' + 1 */
    { MYNA_KEY_SIGN, "ABC1\xc3\xa9", CKR_PIN_INVALID, NULL }, /* é */
    { MYNA_KEY_SIGN, "", CKR_PIN_LEN_RANGE, NULL },
    { MYNA_KEY_SIGN, "ABC12", CKR_PIN_LEN_RANGE, NULL },
    { MYNA_KEY_SIGN, "ABCDEFGHIJKLMNOP1", CKR_PIN_LEN_RANGE, NULL },
    /* Length is checked before the characters. */
    { MYNA_KEY_SIGN, "!!!!!", CKR_PIN_LEN_RANGE, NULL },
    { MYNA_KEY_AUTH, "!!!!!", CKR_PIN_LEN_RANGE, NULL },
};

static void
test_table(void **state)
{
    uint8_t out[MYNA_PIN_MAX];
    size_t out_len;
    CK_RV rv;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct pin_case *c = &cases[i];
        size_t len = strlen(c->pin);

        memset(out, 0xAA, sizeof(out));
        out_len = 99;
        rv = myna_pin_normalize(c->key, (const CK_UTF8CHAR *)c->pin,
                                (CK_ULONG)len, out, &out_len);
        if (rv != c->rv)
            fail_msg("case %zu \"%s\": rv 0x%lx, want 0x%lx", i, c->pin,
                     (unsigned long)rv, (unsigned long)c->rv);
        if (rv == CKR_OK) {
            assert_int_equal(out_len, strlen(c->card));
            assert_memory_equal(out, c->card, out_len);
        } else {
            static const uint8_t zero[MYNA_PIN_MAX];

            assert_int_equal(out_len, 0);
            assert_memory_equal(out, zero, sizeof(zero)); /* wiped */
        }
    }
}

/* Not NUL-terminated: only len bytes are read (ASan checks). */
static void
test_exact_length(void **state)
{
    uint8_t *pin = malloc(16);
    uint8_t out[MYNA_PIN_MAX];
    size_t out_len = 0;

    (void)state;
    assert_non_null(pin);
    memcpy(pin, "ab34567890123456", 16);
    assert_int_equal(myna_pin_normalize(MYNA_KEY_SIGN, pin, 16, out, &out_len),
                     CKR_OK);
    assert_int_equal(out_len, 16);
    assert_memory_equal(out, "AB34567890123456", 16);
    assert_int_equal(
        myna_pin_normalize(MYNA_KEY_AUTH, pin + 12, 4, out, &out_len), CKR_OK);
    assert_memory_equal(out, "3456", 4);
    myna_wipe(out, sizeof(out));
    free(pin);
}

static void
test_null(void **state)
{
    uint8_t out[MYNA_PIN_MAX];
    size_t out_len = 99;

    (void)state;
    memset(out, 0xAA, sizeof(out));
    assert_int_equal(myna_pin_normalize(MYNA_KEY_AUTH, NULL, 4, out, &out_len),
                     CKR_ARGUMENTS_BAD);
    assert_int_equal(out_len, 0);
    assert_int_equal(myna_pin_normalize(MYNA_KEY_SIGN, NULL, 6, out, &out_len),
                     CKR_ARGUMENTS_BAD);
    /* A NULL, empty PIN is a wrong length, not a bad pointer. */
    assert_int_equal(myna_pin_normalize(MYNA_KEY_AUTH, NULL, 0, out, &out_len),
                     CKR_PIN_LEN_RANGE);
    assert_int_equal(myna_pin_normalize(MYNA_KEY_SIGN, NULL, 0, out, &out_len),
                     CKR_PIN_LEN_RANGE);
    assert_int_equal(myna_pin_normalize(MYNA_KEY_AUTH,
                                        (const CK_UTF8CHAR *)"1234", 4, NULL,
                                        &out_len),
                     CKR_ARGUMENTS_BAD);
    assert_int_equal(myna_pin_normalize(MYNA_KEY_AUTH,
                                        (const CK_UTF8CHAR *)"1234", 4, out,
                                        NULL),
                     CKR_ARGUMENTS_BAD);
    assert_int_equal(myna_pin_normalize((enum myna_key)7,
                                        (const CK_UTF8CHAR *)"1234", 4, out,
                                        &out_len),
                     CKR_ARGUMENTS_BAD);
    /* A huge length is refused before anything is read. */
    assert_int_equal(myna_pin_normalize(MYNA_KEY_SIGN,
                                        (const CK_UTF8CHAR *)"ABC123",
                                        (CK_ULONG)-1, out, &out_len),
                     CKR_PIN_LEN_RANGE);
}

/* Wiped on error even after some bytes were already converted. */
static void
test_wiped_midway(void **state)
{
    static const uint8_t zero[MYNA_PIN_MAX];
    uint8_t out[MYNA_PIN_MAX];
    size_t out_len = 99;

    (void)state;
    memset(out, 0xAA, sizeof(out));
    /* No digit: every byte was copied before the check failed. */
    assert_int_equal(myna_pin_normalize(MYNA_KEY_SIGN,
                                        (const CK_UTF8CHAR *)"abcdefgh", 8, out,
                                        &out_len),
                     CKR_PIN_INVALID);
    assert_memory_equal(out, zero, sizeof(zero));
    memset(out, 0xAA, sizeof(out));
    assert_int_equal(myna_pin_normalize(MYNA_KEY_AUTH,
                                        (const CK_UTF8CHAR *)"123x", 4, out,
                                        &out_len),
                     CKR_PIN_INVALID);
    assert_memory_equal(out, zero, sizeof(zero));
}

static void
test_wipe(void **state)
{
    uint8_t buf[32];

    (void)state;
    memset(buf, 0xAA, sizeof(buf));
    myna_wipe(buf + 4, 8);
    assert_int_equal(buf[3], 0xAA);
    for (size_t i = 4; i < 12; i++)
        assert_int_equal(buf[i], 0);
    assert_int_equal(buf[12], 0xAA);
    myna_wipe(NULL, 0);
    myna_wipe(buf, 0);
    assert_int_equal(buf[0], 0xAA);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table), cmocka_unit_test(test_exact_length),
        cmocka_unit_test(test_null),  cmocka_unit_test(test_wiped_midway),
        cmocka_unit_test(test_wipe),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
