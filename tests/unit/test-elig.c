/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libelig (tools/elig): check digits with the worked examples of
 * qualification-domain.md §3, field syntax, base64url/base64 round trips
 * and the strictness the JWS code relies on, the My Number refusal, the
 * code tables.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "elig.h"

static void
check_digits(void **state)
{
    (void)state;
    /* §3.1: body 0613048 -> sum 22 -> 8; 3312001 (千葉県警) -> 15 -> 5 */
    assert_int_equal(elig_check_digit("0613048", 7), 8);
    assert_int_equal(elig_check_digit("3312001", 7), 5);
    /* §3.1: 国保 body 13104 -> 131045 */
    assert_int_equal(elig_check_digit("13104", 5), 5);
    /* §3.2: 34 1 07 1236 -> sum 28 -> 2 */
    assert_int_equal(elig_check_digit("341071236", 9), 2);
    /* a sum ending in 0 gives 0: "5" -> 5*2=10 -> 1+0=1 -> 9; "0" -> 0 */
    assert_int_equal(elig_check_digit("0", 1), 0);
    assert_int_equal(elig_check_digit("5", 1), 9);
    assert_int_equal(elig_check_digit("12a", 3), -1);
    assert_int_equal(elig_check_digit("", 0), -1);

    assert_true(elig_insurer_number_valid("06130488"));
    assert_true(elig_insurer_number_valid("33120015"));
    assert_true(elig_insurer_number_valid("131045"));
    assert_false(elig_insurer_number_valid("06130487")); /* wrong digit */
    assert_false(elig_insurer_number_valid("131046"));
    assert_false(elig_insurer_number_valid("0613048")); /* 7 digits */
    assert_false(elig_insurer_number_valid("  131045"));
    assert_false(elig_insurer_number_valid(NULL));
    assert_true(elig_institution_code_valid("3410712362"));
    assert_false(elig_institution_code_valid("3410712363"));
    assert_false(elig_institution_code_valid("341071236"));
    assert_false(elig_institution_code_valid("34107123620"));
}

static void
insurer_oqs_form(void **state)
{
    char out[9];

    (void)state;
    elig_insurer_number_oqs("131045", out);
    assert_string_equal(out, "  131045");
    elig_insurer_number_oqs("06130488", out);
    assert_string_equal(out, "06130488");
}

static void
fields(void **state)
{
    char d[9], dt[15];

    (void)state;
    assert_true(elig_date_valid("20261124"));
    assert_true(elig_date_valid("20240229"));
    assert_false(elig_date_valid("20250229"));
    assert_true(elig_date_valid("20000229"));
    assert_false(elig_date_valid("21000229"));
    assert_false(elig_date_valid("20261131"));
    assert_false(elig_date_valid("2026112"));
    assert_false(elig_date_valid("2026-11-2"));
    assert_false(elig_date_valid("18991231"));
    assert_true(elig_datetime_valid("20261124235959"));
    assert_false(elig_datetime_valid("20261124240000"));
    assert_true(elig_request_id_valid("2f1c9d7e-5a7b-4c53.x_y"));
    assert_false(elig_request_id_valid(""));
    assert_false(elig_request_id_valid("a b"));
    assert_false(elig_request_id_valid(
        "0123456789012345678901234567890123456789012345678901234567890123"
        "4"));
    assert_true(elig_file_id_valid("visit-000123 (x)"));
    assert_false(elig_file_id_valid("tab\there"));
    assert_true(elig_branch_valid("01"));
    assert_false(elig_branch_valid("1"));
    assert_false(elig_branch_valid("0a"));
    assert_true(elig_digits_valid("5678", 20));
    assert_false(elig_digits_valid("56-78", 20));
    /* 2026-11-24T15:00:00Z is 2026-11-25 00:00:00 JST */
    elig_jst_date(1795532400LL, d);
    assert_string_equal(d, "20261125");
    elig_jst_datetime(1795532399LL, dt);
    assert_string_equal(dt, "20261124235959");
}

static void
b64_round_trips(void **state)
{
    unsigned char buf[300], *out;
    size_t i, n, len;
    char *s;

    (void)state;
    for (i = 0; i < sizeof(buf); i++)
        buf[i] = (unsigned char)(i * 7 + 3);
    for (n = 0; n < 40; n++) {
        s = elig_b64url_encode(buf, n);
        assert_non_null(s);
        assert_null(strchr(s, '='));
        assert_int_equal(elig_b64url_decode(s, strlen(s), &out, &len), 1);
        assert_int_equal(len, n);
        assert_memory_equal(out, buf, n);
        free(out);
        free(s);
        s = elig_b64_encode(buf, n);
        assert_non_null(s);
        assert_int_equal(strlen(s) % 4, 0);
        assert_int_equal(elig_b64_decode(s, strlen(s), &out, &len), 1);
        assert_int_equal(len, n);
        assert_memory_equal(out, buf, n);
        free(out);
        free(s);
    }
    /* RFC 4648 §10 vectors */
    s = elig_b64_encode((const unsigned char *)"foob", 4);
    assert_string_equal(s, "Zm9vYg==");
    free(s);
    s = elig_b64url_encode((const unsigned char *)"\xfb\xff", 2);
    assert_string_equal(s, "-_8");
    free(s);
}

static void
b64_strict(void **state)
{
    unsigned char *out = (unsigned char *)"x";
    size_t len = 9;

    (void)state;
    /* padding, the other alphabet, whitespace, a lone char, stray bits */
    assert_int_equal(elig_b64url_decode("Zg==", 4, &out, &len), 0);
    assert_null(out);
    assert_int_equal(len, 0);
    assert_int_equal(elig_b64url_decode("+/8", 3, &out, &len), 0);
    assert_int_equal(elig_b64url_decode("Zm 9v", 5, &out, &len), 0);
    assert_int_equal(elig_b64url_decode("Zm9vY", 5, &out, &len), 0);
    assert_int_equal(elig_b64url_decode("Zh", 2, &out, &len), 0);
    assert_int_equal(elig_b64url_decode("Zm\0v", 4, &out, &len), 0);
    assert_int_equal(elig_b64_decode("Zg=", 3, &out, &len), 0);
    assert_int_equal(elig_b64_decode("Zg=a", 4, &out, &len), 0);
    assert_int_equal(elig_b64_decode("Z===", 4, &out, &len), 0);
    assert_int_equal(elig_b64_decode("-_8=", 4, &out, &len), 0);
    assert_int_equal(elig_b64_decode("Zm9vYg====", 10, &out, &len), 0);
    assert_int_equal(elig_b64url_decode("", 0, &out, &len), 1);
    assert_int_equal(len, 0);
    free(out);
}

static void
my_number_refused(void **state)
{
    static const char *const bad[] = {
        "{\"myNumber\":\"123456789012\"}",
        "{\"a\":{\"b\":[1,{\"IndividualNumber\":\"x\"}]}}",
        "[{\"kojinBango\":null}]",
        "{\"MY_NUMBER\":1}",
    };
    static const char *const good[] = {
        "{\"insuredIdentificationNumber\":\"5678\"}",
        "{\"note\":\"myNumber\"}",
        "[]",
    };
    json_error_t e;
    json_t *v;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        v = json_loads(bad[i], 0, &e);
        assert_non_null(v);
        assert_true(elig_json_has_my_number(v));
        json_decref(v);
    }
    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        v = json_loads(good[i], 0, &e);
        assert_non_null(v);
        assert_false(elig_json_has_my_number(v));
        json_decref(v);
    }
}

static void
codes(void **state)
{
    const struct elig_error *e;

    (void)state;
    e = elig_error_find("REF-E121");
    assert_non_null(e);
    assert_int_equal(e->http, 401);
    assert_null(elig_error_find("REF-E999"));
    assert_string_equal(elig_code_label(6, "1"), "有効");
    assert_string_equal(elig_code_label(10, "A1"), "医療扶助");
    assert_null(elig_code_label(6, "9"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(check_digits), cmocka_unit_test(insurer_oqs_form),
        cmocka_unit_test(fields),       cmocka_unit_test(b64_round_trips),
        cmocka_unit_test(b64_strict),   cmocka_unit_test(my_number_refused),
        cmocka_unit_test(codes),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
