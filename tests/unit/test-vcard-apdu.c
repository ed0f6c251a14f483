/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The virtual card's APDU parser (ISO/IEC 7816-3 §12.1.3 cases) and its
 * trace lines, which must never show a PIN (card-protocol.md §5).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "apdu.h"
#include "trace.h"

static uint16_t
parse(const uint8_t *buf, size_t len, struct vcard_apdu *a)
{
    return vcard_apdu_parse(buf, len, a);
}

static void
assert_header(const struct vcard_apdu *a, uint8_t cla, uint8_t ins, uint8_t p1,
              uint8_t p2)
{
    assert_int_equal(a->cla, cla);
    assert_int_equal(a->ins, ins);
    assert_int_equal(a->p1, p1);
    assert_int_equal(a->p2, p2);
}

static void
test_case1(void **state)
{
    static const uint8_t c[] = { 0x00, 0x20, 0x00, 0x80 };
    struct vcard_apdu a;

    (void)state;
    assert_int_equal(parse(c, sizeof(c), &a), SW_OK);
    assert_header(&a, 0x00, 0x20, 0x00, 0x80);
    assert_int_equal(a.lc, 0);
    assert_null(a.data);
    assert_false(a.has_le);
    assert_false(a.extended);
}

static void
test_case2s(void **state)
{
    static const uint8_t c[] = { 0x00, 0xB0, 0x01, 0x02, 0x14 };
    static const uint8_t c00[] = { 0x00, 0xB0, 0x00, 0x00, 0x00 };
    struct vcard_apdu a;

    (void)state;
    assert_int_equal(parse(c, sizeof(c), &a), SW_OK);
    assert_header(&a, 0x00, 0xB0, 0x01, 0x02);
    assert_int_equal(a.lc, 0);
    assert_true(a.has_le);
    assert_int_equal(a.le, 0x14);
    assert_false(a.extended);
    assert_int_equal(parse(c00, sizeof(c00), &a), SW_OK);
    assert_true(a.has_le);
    assert_int_equal(a.le, 256);
    assert_false(a.extended);
}

static void
test_case3s(void **state)
{
    static const uint8_t c[] = { 0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x18 };
    struct vcard_apdu a;

    (void)state;
    assert_int_equal(parse(c, sizeof(c), &a), SW_OK);
    assert_header(&a, 0x00, 0xA4, 0x02, 0x0C);
    assert_int_equal(a.lc, 2);
    assert_ptr_equal(a.data, c + 5);
    assert_false(a.has_le);
    assert_false(a.extended);
}

static void
test_case4s(void **state)
{
    static const uint8_t c[] = { 0x80, 0x2A, 0x00, 0x80, 0x03,
                                 0xAA, 0xBB, 0xCC, 0x00 };
    static const uint8_t c10[] = { 0x80, 0x2A, 0x00, 0x80, 0x01, 0xAA, 0x10 };
    struct vcard_apdu a;

    (void)state;
    assert_int_equal(parse(c, sizeof(c), &a), SW_OK);
    assert_header(&a, 0x80, 0x2A, 0x00, 0x80);
    assert_int_equal(a.lc, 3);
    assert_ptr_equal(a.data, c + 5);
    assert_true(a.has_le);
    assert_int_equal(a.le, 256);
    assert_false(a.extended);
    assert_int_equal(parse(c10, sizeof(c10), &a), SW_OK);
    assert_int_equal(a.lc, 1);
    assert_int_equal(a.le, 0x10);
}

static void
test_case2e(void **state)
{
    static const uint8_t c[] = { 0x00, 0xB0, 0x00, 0x00, 0x00, 0x01, 0x23 };
    static const uint8_t c0[] = { 0x00, 0xB0, 0x00, 0x00, 0x00, 0x00, 0x00 };
    struct vcard_apdu a;

    (void)state;
    assert_int_equal(parse(c, sizeof(c), &a), SW_OK);
    assert_header(&a, 0x00, 0xB0, 0x00, 0x00);
    assert_true(a.extended);
    assert_true(a.has_le);
    assert_int_equal(a.le, 0x123);
    assert_int_equal(a.lc, 0);
    assert_null(a.data);
    assert_int_equal(parse(c0, sizeof(c0), &a), SW_OK);
    assert_int_equal(a.le, 65536);
}

static void
test_case3e(void **state)
{
    uint8_t c[7 + 300];
    struct vcard_apdu a;

    (void)state;
    memset(c, 0x5A, sizeof(c));
    memcpy(c, "\x80\x2A\x01\x80\x00\x01\x2C", 7);
    assert_int_equal(parse(c, sizeof(c), &a), SW_OK);
    assert_header(&a, 0x80, 0x2A, 0x01, 0x80);
    assert_true(a.extended);
    assert_int_equal(a.lc, 300);
    assert_ptr_equal(a.data, c + 7);
    assert_false(a.has_le);
}

static void
test_case4e(void **state)
{
    static const uint8_t c[] = { 0x80, 0x2A, 0x00, 0x80, 0x00, 0x00,
                                 0x02, 0xAA, 0xBB, 0x00, 0x00 };
    static const uint8_t c1[] = { 0x80, 0x2A, 0x00, 0x80, 0x00,
                                  0x00, 0x01, 0xAA, 0x01, 0x00 };
    struct vcard_apdu a;

    (void)state;
    assert_int_equal(parse(c, sizeof(c), &a), SW_OK);
    assert_true(a.extended);
    assert_int_equal(a.lc, 2);
    assert_ptr_equal(a.data, c + 7);
    assert_true(a.has_le);
    assert_int_equal(a.le, 65536);
    assert_int_equal(parse(c1, sizeof(c1), &a), SW_OK);
    assert_int_equal(a.lc, 1);
    assert_int_equal(a.le, 256);
}

static void
test_too_short(void **state)
{
    static const uint8_t c[] = { 0x00, 0xA4, 0x04 };
    struct vcard_apdu a;

    (void)state;
    for (size_t n = 0; n < sizeof(c); n++)
        assert_int_equal(parse(c, n, &a), SW_WRONG_LENGTH);
    assert_int_equal(parse(NULL, 0, &a), SW_WRONG_LENGTH);
}

static void
test_lc_mismatch(void **state)
{
    /* Lc says 10, only 2 data bytes follow. */
    static const uint8_t short_data[] = { 0x00, 0xA4, 0x04, 0x0C,
                                          0x0A, 0xD3, 0x92 };
    /* Lc 2 + data + Le + one more byte (5 + Lc + 2). */
    static const uint8_t extra[] = { 0x00, 0xA4, 0x02, 0x0C, 0x02,
                                     0x00, 0x18, 0x00, 0x00 };
    /* Lc 2 + data + Le 00 00: not short 4S, and not extended either. */
    static const uint8_t extra3[] = { 0x00, 0xA4, 0x02, 0x0C, 0x02,
                                      0x00, 0x18, 0x00, 0x00, 0x00 };
    struct vcard_apdu a;

    (void)state;
    assert_int_equal(parse(short_data, sizeof(short_data), &a),
                     SW_WRONG_LENGTH);
    /* The header is kept for a malformed command of >= 4 bytes. */
    assert_header(&a, 0x00, 0xA4, 0x04, 0x0C);
    assert_int_equal(parse(extra, sizeof(extra), &a), SW_WRONG_LENGTH);
    assert_int_equal(parse(extra3, sizeof(extra3), &a), SW_WRONG_LENGTH);
}

static void
test_extended_malformed(void **state)
{
    /* Extended Lc 0000 is not a length (case 3E/4E need Lc >= 1). */
    static const uint8_t lc0[] = { 0x00, 0xB0, 0x00, 0x00, 0x00,
                                   0x00, 0x00, 0x00, 0x00 };
    static const uint8_t lc0b[] = { 0x00, 0xB0, 0x00, 0x00,
                                    0x00, 0x00, 0x00, 0x12 };
    /* 6 bytes with 00 at [4]: neither 2S nor an extended case. */
    static const uint8_t six[] = { 0x00, 0xB0, 0x00, 0x00, 0x00, 0x10 };
    /* Extended Lc 0003 with only two data bytes, and with 3 + 1 extra. */
    static const uint8_t lc_short[] = { 0x80, 0x2A, 0x00, 0x80, 0x00,
                                        0x00, 0x03, 0xAA, 0xBB };
    static const uint8_t lc_one_le[] = { 0x80, 0x2A, 0x00, 0x80, 0x00,
                                         0x00, 0x02, 0xAA, 0xBB, 0x00 };
    struct vcard_apdu a;

    (void)state;
    assert_int_equal(parse(lc0, sizeof(lc0), &a), SW_WRONG_LENGTH);
    assert_int_equal(parse(lc0b, sizeof(lc0b), &a), SW_WRONG_LENGTH);
    assert_int_equal(parse(six, sizeof(six), &a), SW_WRONG_LENGTH);
    assert_int_equal(parse(lc_short, sizeof(lc_short), &a), SW_WRONG_LENGTH);
    assert_int_equal(parse(lc_one_le, sizeof(lc_one_le), &a), SW_WRONG_LENGTH);
}

static void
test_short_max(void **state)
{
    uint8_t c[5 + 255 + 1];
    struct vcard_apdu a;

    (void)state;
    memset(c, 0x41, sizeof(c));
    memcpy(c, "\x80\x2A\x00\x80\xFF", 5);
    c[sizeof(c) - 1] = 0x00;
    assert_int_equal(parse(c, sizeof(c), &a), SW_OK);
    assert_int_equal(a.lc, 255);
    assert_int_equal(a.le, 256);
    assert_false(a.extended);
    assert_int_equal(parse(c, sizeof(c) - 1, &a), SW_OK);
    assert_int_equal(a.lc, 255);
    assert_false(a.has_le);
}

static void
test_trace_verify_redacted(void **state)
{
    static const uint8_t c[] = { 0x00, 0x20, 0x00, 0x80, 0x04,
                                 0x31, 0x32, 0x33, 0x34 };
    char out[128];

    (void)state;
    vcard_trace_command(out, sizeof(out), c, sizeof(c));
    assert_null(strstr(out, "31323334"));
    assert_null(strstr(out, "3132"));
    assert_non_null(strstr(out, "**"));
    assert_non_null(strstr(out, "00200080"));
    assert_true(strncmp(out, "> ", 2) == 0);
}

static void
test_trace_change_redacted(void **state)
{
    static const uint8_t c[] = { 0x00, 0x24, 0x01, 0x80, 0x06, 0x58,
                                 0x59, 0x5A, 0x37, 0x38, 0x39 };
    /* The same as a case 4 command and as an extended one. */
    static const uint8_t c4[] = { 0x00, 0x24, 0x01, 0x80, 0x04,
                                  0x31, 0x32, 0x33, 0x34, 0x00 };
    static const uint8_t ce[] = { 0x00, 0x20, 0x00, 0x80, 0x00, 0x00,
                                  0x04, 0x31, 0x32, 0x33, 0x34 };
    char out[128];

    (void)state;
    vcard_trace_command(out, sizeof(out), c, sizeof(c));
    assert_null(strstr(out, "58595A373839"));
    assert_null(strstr(out, "5859"));
    assert_non_null(strstr(out, "**"));
    vcard_trace_command(out, sizeof(out), c4, sizeof(c4));
    assert_null(strstr(out, "31323334"));
    assert_non_null(strstr(out, "**"));
    vcard_trace_command(out, sizeof(out), ce, sizeof(ce));
    assert_null(strstr(out, "31323334"));
    assert_non_null(strstr(out, "**"));
}

static void
test_trace_empty_verify(void **state)
{
    static const uint8_t c[] = { 0x00, 0x20, 0x00, 0x80 };
    char out[64];

    (void)state;
    vcard_trace_command(out, sizeof(out), c, sizeof(c));
    assert_string_equal(out, "> 00200080");
}

static void
test_trace_plain(void **state)
{
    static const uint8_t c[] = { 0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x18 };
    static const uint8_t r[] = { 0x63, 0xC3 };
    char out[64];

    (void)state;
    vcard_trace_command(out, sizeof(out), c, sizeof(c));
    assert_string_equal(out, "> 00A4020C020018");
    vcard_trace_response(out, sizeof(out), r, sizeof(r));
    assert_string_equal(out, "< 63C3");
}

static void
test_trace_truncated(void **state)
{
    uint8_t c[200];
    char out[64];
    size_t n;

    (void)state;
    memset(c, 0xAB, sizeof(c));
    memcpy(c, "\x00\xB0\x00\x00", 4);
    memset(out, 'X', sizeof(out));
    vcard_trace_command(out, 40, c, sizeof(c));
    n = strnlen(out, 40);
    assert_true(n < 40);
    assert_true(n >= 3);
    assert_string_equal(out + n - 3, "...");
    assert_int_equal(out[40], 'X'); /* nothing written past cap */

    memset(out, 'X', sizeof(out));
    vcard_trace_response(out, 20, c, sizeof(c));
    n = strnlen(out, 20);
    assert_true(n < 20);
    assert_string_equal(out + n - 3, "...");
    assert_int_equal(out[20], 'X');

    /* Too small for anything: an empty string, still terminated. */
    out[0] = 'X';
    vcard_trace_command(out, 4, c, sizeof(c));
    assert_int_equal(out[0], '\0');
}

static void
test_trace_truncated_pin(void **state)
{
    static const uint8_t c[] = { 0x00, 0x20, 0x00, 0x80, 0x04,
                                 0x31, 0x32, 0x33, 0x34 };
    char out[64];

    (void)state;
    for (size_t cap = 1; cap <= sizeof(out); cap++) {
        memset(out, 'X', sizeof(out));
        vcard_trace_command(out, cap, c, sizeof(c));
        assert_true(strnlen(out, cap) < cap);
        assert_null(strstr(out, "3132"));
        assert_null(strstr(out, "1234"));
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_case1),
        cmocka_unit_test(test_case2s),
        cmocka_unit_test(test_case3s),
        cmocka_unit_test(test_case4s),
        cmocka_unit_test(test_case2e),
        cmocka_unit_test(test_case3e),
        cmocka_unit_test(test_case4e),
        cmocka_unit_test(test_too_short),
        cmocka_unit_test(test_lc_mismatch),
        cmocka_unit_test(test_extended_malformed),
        cmocka_unit_test(test_short_max),
        cmocka_unit_test(test_trace_verify_redacted),
        cmocka_unit_test(test_trace_change_redacted),
        cmocka_unit_test(test_trace_empty_verify),
        cmocka_unit_test(test_trace_plain),
        cmocka_unit_test(test_trace_truncated),
        cmocka_unit_test(test_trace_truncated_pin),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
