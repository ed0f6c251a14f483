/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * myna-card's parser of the card info AP (tools/card/attrs.c) with the
 * example of card-protocol.md §8.3 byte for byte, the long length forms,
 * and what a hostile card could send: lengths past the end, offsets that
 * disagree, invalid UTF-8, a bad date; the My Number file of §8.2.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "attrs.h"

/* §8.3's example (95 bytes): 山田　太郎, 東京都千代田区霞が関２－１－２,
 * 19850401, 2 */
static const uint8_t example[] = {
    0xFF,
    0x20,
    0x5C,
    0xDF,
    0x21,
    0x08,
    0x00,
    0x0E,
    0x00,
    0x20,
    0x00,
    0x50,
    0x00,
    0x5B,
    0xDF,
    0x22,
    0x0F,
    0xE5,
    0xB1,
    0xB1,
    0xE7,
    0x94,
    0xB0,
    0xE3,
    0x80,
    0x80,
    0xE5,
    0xA4,
    0xAA,
    0xE9,
    0x83,
    0x8E,
    0xDF,
    0x23,
    0x2D,
    0xE6,
    0x9D,
    0xB1,
    0xE4,
    0xBA,
    0xAC,
    0xE9,
    0x83,
    0xBD,
    0xE5,
    0x8D,
    0x83,
    0xE4,
    0xBB,
    0xA3,
    0xE7,
    0x94,
    0xB0,
    0xE5,
    0x8C,
    0xBA,
    0xE9,
    0x9C,
    0x9E,
    0xE3,
    0x81,
    0x8C,
    0xE9,
    0x96,
    0xA2,
    0xEF,
    0xBC,
    0x92,
    0xEF,
    0xBC,
    0x8D,
    0xEF,
    0xBC,
    0x91,
    0xEF,
    0xBC,
    0x8D,
    0xEF,
    0xBC,
    0x92,
    0xDF,
    0x24,
    0x08,
    0x31,
    0x39,
    0x38,
    0x35,
    0x30,
    0x34,
    0x30,
    0x31,
    0xDF,
    0x25,
    0x01,
    0x32,
    /* filler */
    0x00,
    0x00,
    0xFF,
};

static void
spec_example(void **state)
{
    struct card_attrs a;

    (void)state;
    assert_int_equal(card_attrs_parse(example, sizeof(example), &a), 1);
    assert_string_equal(a.name, "山田　太郎");
    assert_string_equal(a.address, "東京都千代田区霞が関２－１－２");
    assert_string_equal(a.birth, "19850401");
    assert_string_equal(a.sex, "2");
}

static void
hostile(void **state)
{
    uint8_t b[sizeof(example)];
    struct card_attrs a;
    size_t n;

    (void)state;
    /* every truncation of the object fails, none reads past the end */
    for (n = 0; n < 95; n++)
        assert_int_equal(card_attrs_parse(example, n, &a), 0);
    assert_string_equal(a.name, ""); /* a failure leaves nothing */
    /* an outer length past the end */
    memcpy(b, example, sizeof(b));
    b[2] = 0x7F;
    assert_int_equal(card_attrs_parse(b, sizeof(b), &a), 0);
    /* an offset that points elsewhere */
    memcpy(b, example, sizeof(b));
    b[7] = 0x0F;
    assert_int_equal(card_attrs_parse(b, sizeof(b), &a), 0);
    /* invalid UTF-8 in the name (a lone continuation byte) */
    memcpy(b, example, sizeof(b));
    b[17] = 0x80;
    assert_int_equal(card_attrs_parse(b, sizeof(b), &a), 0);
    /* a birth date that is not digits */
    memcpy(b, example, sizeof(b));
    b[84] = 'X';
    assert_int_equal(card_attrs_parse(b, sizeof(b), &a), 0);
    /* a sex field of two bytes */
    memcpy(b, example, sizeof(b));
    b[93] = 0x02;
    assert_int_equal(card_attrs_parse(b, sizeof(b), &a), 0);
    /* the wrong outer tag */
    memcpy(b, example, sizeof(b));
    b[1] = 0x10;
    assert_int_equal(card_attrs_parse(b, sizeof(b), &a), 0);
    assert_int_equal(card_attrs_parse(NULL, 0, &a), 0);
}

static void
long_forms(void **state)
{
    /* The same object with the outer length as 82 00 5C: offsets + 2 */
    uint8_t b[sizeof(example) + 2];
    struct card_attrs a;
    size_t i;

    (void)state;
    b[0] = 0xFF;
    b[1] = 0x20;
    b[2] = 0x82;
    b[3] = 0x00;
    b[4] = 0x5C;
    memcpy(b + 5, example + 3, sizeof(example) - 3);
    for (i = 0; i < 4; i++)
        b[9 + 2 * i] = (uint8_t)(b[9 + 2 * i] + 2);
    assert_int_equal(card_attrs_parse(b, sizeof(b), &a), 1);
    assert_string_equal(a.birth, "19850401");
}

static void
my_number(void **state)
{
    static const uint8_t ef[] = { 0xFF, 0x10, 0x0C, '1',  '2', '3',
                                  '4',  '5',  '6',  '7',  '8', '9',
                                  '0',  '1',  '8',  0xFF, 0xFF };
    uint8_t b[sizeof(ef)];
    char out[13];

    (void)state;
    assert_int_equal(card_my_number_parse(ef, sizeof(ef), out), 1);
    assert_string_equal(out, "123456789018");
    assert_int_equal(card_my_number_parse(ef, 14, out), 0);
    assert_string_equal(out, "");
    memcpy(b, ef, sizeof(b));
    b[5] = 'A';
    assert_int_equal(card_my_number_parse(b, sizeof(b), out), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(spec_example),
        cmocka_unit_test(hostile),
        cmocka_unit_test(long_forms),
        cmocka_unit_test(my_number),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
