/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Nonces (tools/eligd/nonce.c, docs/eligibility-protocol.md §3): format,
 * single use (a replay is told apart from a stranger), expiry, the bound,
 * and many threads consuming one nonce at once (exactly one wins).
 */
#include "config.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "nonce.h"

static void
format_and_single_use(void **state)
{
    struct eligd_nonces *ns = eligd_nonces_new(60, 10);
    char a[ELIGD_NONCE_TEXT], b[ELIGD_NONCE_TEXT];
    long long exp = 0;
    unsigned char *raw = NULL;
    size_t n = 0;

    (void)state;
    assert_non_null(ns);
    assert_int_equal(eligd_nonce_issue(ns, 1000, a, &exp), ELIGD_NONCE_OK);
    assert_int_equal(exp, 1060);
    assert_int_equal(strlen(a), 43);
    assert_true(elig_b64url_decode(a, 43, &raw, &n));
    assert_int_equal(n, 32);
    free(raw);
    assert_int_equal(eligd_nonce_issue(ns, 1000, b, &exp), ELIGD_NONCE_OK);
    assert_string_not_equal(a, b);
    assert_int_equal(eligd_nonce_consume(ns, 1001, a), ELIGD_NONCE_OK);
    assert_int_equal(eligd_nonce_consume(ns, 1002, a), ELIGD_NONCE_USED);
    assert_int_equal(eligd_nonce_consume(ns, 1002, b), ELIGD_NONCE_OK);
    /* strangers and garbage are unknown, never a crash */
    assert_int_equal(
        eligd_nonce_consume(ns, 1002,
                            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
        ELIGD_NONCE_UNKNOWN);
    assert_int_equal(eligd_nonce_consume(ns, 1002, ""), ELIGD_NONCE_UNKNOWN);
    assert_int_equal(eligd_nonce_consume(ns, 1002, NULL), ELIGD_NONCE_UNKNOWN);
    assert_int_equal(eligd_nonce_consume(ns, 1002, "a+b/"),
                     ELIGD_NONCE_UNKNOWN);
    eligd_nonces_free(ns);
}

static void
expiry_and_bound(void **state)
{
    struct eligd_nonces *ns = eligd_nonces_new(60, 3);
    char a[ELIGD_NONCE_TEXT], b[ELIGD_NONCE_TEXT], c[ELIGD_NONCE_TEXT];
    char d[ELIGD_NONCE_TEXT];
    long long exp;

    (void)state;
    assert_int_equal(eligd_nonce_issue(ns, 1000, a, &exp), ELIGD_NONCE_OK);
    assert_int_equal(eligd_nonce_issue(ns, 1010, b, &exp), ELIGD_NONCE_OK);
    assert_int_equal(eligd_nonce_issue(ns, 1020, c, &exp), ELIGD_NONCE_OK);
    /* full: used ones count until they expire (they answer REF-E121) */
    assert_int_equal(eligd_nonce_consume(ns, 1030, c), ELIGD_NONCE_OK);
    assert_int_equal(eligd_nonce_issue(ns, 1030, d, &exp), ELIGD_NONCE_FULL);
    assert_int_equal(eligd_nonces_count(ns), 3);
    /* at 1060 the first has expired: unknown, and its room is free */
    assert_int_equal(eligd_nonce_consume(ns, 1060, a), ELIGD_NONCE_UNKNOWN);
    assert_int_equal(eligd_nonces_count(ns), 2);
    assert_int_equal(eligd_nonce_issue(ns, 1060, d, &exp), ELIGD_NONCE_OK);
    /* b expires at 1070: one second before it is still good */
    assert_int_equal(eligd_nonce_consume(ns, 1069, b), ELIGD_NONCE_OK);
    assert_int_equal(eligd_nonce_consume(ns, 1200, d), ELIGD_NONCE_UNKNOWN);
    assert_int_equal(eligd_nonces_count(ns), 0);
    eligd_nonces_free(ns);
    assert_null(eligd_nonces_new(0, 10));
    assert_null(eligd_nonces_new(60, 0));
}

#define RACERS 8
struct race {
    struct eligd_nonces *ns;
    const char *nonce;
    int wins;
};

static void *
racer(void *arg)
{
    struct race *r = arg;

    r->wins = eligd_nonce_consume(r->ns, 1001, r->nonce) == ELIGD_NONCE_OK;
    return NULL;
}

static void
one_winner_among_threads(void **state)
{
    struct eligd_nonces *ns = eligd_nonces_new(60, 100000);
    struct race r[RACERS];
    pthread_t t[RACERS];
    char a[ELIGD_NONCE_TEXT];
    long long exp;
    int i, round, wins;

    (void)state;
    for (round = 0; round < 50; round++) {
        assert_int_equal(eligd_nonce_issue(ns, 1000, a, &exp), ELIGD_NONCE_OK);
        for (i = 0; i < RACERS; i++) {
            r[i].ns = ns;
            r[i].nonce = a;
            r[i].wins = 0;
            assert_int_equal(pthread_create(&t[i], NULL, racer, &r[i]), 0);
        }
        for (wins = 0, i = 0; i < RACERS; i++) {
            pthread_join(t[i], NULL);
            wins += r[i].wins;
        }
        assert_int_equal(wins, 1);
    }
    eligd_nonces_free(ns);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(format_and_single_use),
        cmocka_unit_test(expiry_and_bound),
        cmocka_unit_test(one_winner_among_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
