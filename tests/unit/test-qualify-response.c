/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * myna-qualify's parser of the service's answers (tools/qualify/
 * response.c) against docs/eligibility-protocol.md §3, §6, §7: the
 * documented examples parse, and each kind of wrong answer is refused
 * with a reason that names the member.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "response.h"

/* §6's example, verbatim. */
static const char example[] =
    "{\"ver\":\"1\",\"requestId\":\"2f1c9d7e-5a7b-4c53-9d0b-4a9f3f0b6a21\","
    "\"arbitraryFileIdentifier\":\"visit-000123\","
    "\"processExecutionTime\":\"20261124193005\","
    "\"qualificationConfirmationDate\":\"20261124\","
    "\"medicalInstitutionCode\":\"3410712362\","
    "\"referenceClassification\":\"1\",\"segmentOfResult\":\"1\","
    "\"processingResultStatus\":\"1\",\"qualificationValidity\":\"1\","
    "\"resultList\":[{\"insuredCardClassification\":\"01\","
    "\"insurerNumber\":\"06130488\",\"insurerName\":\"試験健康保険組合\","
    "\"insuredCardSymbol\":\"1234\",\"insuredIdentificationNumber\":\"5678\","
    "\"insuredBranchNumber\":\"01\",\"personalFamilyClassification\":\"1\","
    "\"insuredName\":\"試験　太郎\",\"name\":\"試験　太郎\","
    "\"nameKana\":\"ｼｹﾝ ﾀﾛｳ\",\"sex1\":\"1\",\"birthdate\":\"19800217\","
    "\"qualificationDate\":\"20200401\","
    "\"insuredCardValidDate\":\"20240401\","
    "\"insuredCardExpirationDate\":\"20270331\","
    "\"insuredPartialContributionRatio\":\"030\","
    "\"someFutureMember\":{\"x\":1}}]}";

static void
parse_example(void **state)
{
    struct qualify_result r;
    char why[160] = "";

    (void)state;
    assert_true(
        qualify_parse_result(example, strlen(example), &r, why, sizeof(why)));
    assert_true(qualify_result_eligible(&r));
    assert_int_equal(r.n, 1);
    assert_string_equal(r.q[0].insurer_number, "06130488");
    assert_string_equal(r.q[0].branch, "01");
    assert_string_equal(r.q[0].ratio, "030");
    assert_string_equal(r.q[0].name_kana, "ｼｹﾝ ﾀﾛｳ");
    assert_null(r.q[0].disqualification_date);
    assert_false(r.q[0].has_elderly);
    qualify_result_clear(&r);
}

/* Replace the first occurrence of from by to in the example. */
static int
parse_changed(const char *from, const char *to, char *why, size_t whysize)
{
    static char buf[4096];
    struct qualify_result r;
    const char *p = strstr(example, from);
    int ok;

    assert_non_null(p);
    snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(p - example), example, to,
             p + strlen(from));
    ok = qualify_parse_result(buf, strlen(buf), &r, why, whysize);
    if (ok)
        qualify_result_clear(&r);
    return ok;
}

static void
refuse_wrong_members(void **state)
{
    char why[160];

    (void)state;
    assert_false(
        parse_changed("\"ver\":\"1\"", "\"ver\":\"2\"", why, sizeof(why)));
    assert_false(parse_changed("\"birthdate\":\"19800217\"",
                               "\"birthdate\":19800217", why, sizeof(why)));
    assert_non_null(strstr(why, "birthdate"));
    assert_false(parse_changed("\"birthdate\":\"19800217\"",
                               "\"birthdate\":\"19800230\"", why, sizeof(why)));
    assert_false(parse_changed("\"insuredBranchNumber\":\"01\"",
                               "\"insuredBranchNumber\":\"1\"", why,
                               sizeof(why)));
    assert_non_null(strstr(why, "insuredBranchNumber"));
    assert_false(parse_changed("\"name\":\"試験　太郎\"",
                               "\"name\":\"\\u001b[2J\"", why, sizeof(why)));
    assert_false(parse_changed("\"name\":\"試験　太郎\"",
                               "\"name\":\"\\u0085\"", why, sizeof(why)));
    assert_false(parse_changed("\"segmentOfResult\":\"1\"",
                               "\"segmentOfResult\":\"9\"", why, sizeof(why)));
    assert_false(parse_changed("\"resultList\":[{", "\"resultList\":{\"a\":[{",
                               why, sizeof(why)));
    /* eligible with nothing to show */
    assert_false(parse_changed("\"resultList\":[{",
                               "\"resultList\":[],\"x\":[{", why, sizeof(why)));
    assert_false(parse_changed("\"ver\":\"1\"", "\"ver\":\"1\",\"ver\":\"1\"",
                               why, sizeof(why)));
    assert_true(parse_changed("\"insurerNumber\":\"06130488\"",
                              "\"insurerNumber\":\"  131045\"", why,
                              sizeof(why)));
    assert_false(parse_changed("\"insurerNumber\":\"06130488\"",
                               "\"insurerNumber\":\" 1310450\"", why,
                               sizeof(why)));
}

static void
errors_and_nonces(void **state)
{
    static const char err[] = "{\"ver\":\"1\",\"segmentOfResult\":\"9\","
                              "\"errorCode\":\"REF-E121\","
                              "\"errorMessage\":\"the nonce was already "
                              "used\"}";
    static const char nonce[] =
        "{\"ver\":\"1\",\"nonce\":\"q3yJ0m3T2m6b3nZq9-vK1xWkR9pXcFh8bq4sXk3yE0U"
        "\",\"expiresIn\":60,\"expiresAt\":\"20261124193001\"}";
    static const char short_nonce[] = "{\"ver\":\"1\",\"nonce\":\"q3yJ0m\"}";
    struct qualify_error e;
    struct qualify_nonce n;
    char why[160];

    (void)state;
    assert_true(qualify_parse_error(err, strlen(err), &e, why, sizeof(why)));
    assert_string_equal(e.code, "REF-E121");
    qualify_error_clear(&e);
    assert_true(
        qualify_parse_nonce(nonce, strlen(nonce), &n, why, sizeof(why)));
    assert_int_equal(n.expires_in, 60);
    qualify_nonce_clear(&n);
    assert_false(qualify_parse_nonce(short_nonce, strlen(short_nonce), &n, why,
                                     sizeof(why)));
    assert_false(qualify_parse_nonce("<html>", 6, &n, why, sizeof(why)));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_example),
        cmocka_unit_test(refuse_wrong_members),
        cmocka_unit_test(errors_and_nonces),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
