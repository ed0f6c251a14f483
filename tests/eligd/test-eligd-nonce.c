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
    /* full: three outstanding (issued, unused) */
    assert_int_equal(eligd_nonce_issue(ns, 1025, d, &exp), ELIGD_NONCE_FULL);
    /* a used one no longer counts: its room is free at once, and it
     * stays a tombstone (a replay is REF-E121) */
    assert_int_equal(eligd_nonce_consume(ns, 1030, c), ELIGD_NONCE_OK);
    assert_int_equal(eligd_nonce_issue(ns, 1030, d, &exp), ELIGD_NONCE_OK);
    assert_int_equal(eligd_nonces_count(ns), 4);
    assert_int_equal(eligd_nonce_consume(ns, 1031, c), ELIGD_NONCE_USED);
    /* at 1060 the first has expired: unknown, and gone */
    assert_int_equal(eligd_nonce_consume(ns, 1060, a), ELIGD_NONCE_UNKNOWN);
    assert_int_equal(eligd_nonces_count(ns), 3);
    /* b expires at 1070: one second before it is still good */
    assert_int_equal(eligd_nonce_consume(ns, 1069, b), ELIGD_NONCE_OK);
    assert_int_equal(eligd_nonce_consume(ns, 1200, d), ELIGD_NONCE_UNKNOWN);
    assert_int_equal(eligd_nonces_count(ns), 0);
    eligd_nonces_free(ns);
    /* tombstones are bounded too: with max 3, issuing and using 10
     * leaves at most 3 of them, the newest, and room for 3 fresh ones */
    ns = eligd_nonces_new(60, 3);
    for (int i = 0; i < 10; i++) {
        assert_int_equal(eligd_nonce_issue(ns, 2000 + i, a, &exp),
                         ELIGD_NONCE_OK);
        assert_int_equal(eligd_nonce_consume(ns, 2000 + i, a), ELIGD_NONCE_OK);
    }
    assert_true(eligd_nonces_count(ns) <= 3 + 1);
    assert_int_equal(eligd_nonce_consume(ns, 2010, a), ELIGD_NONCE_USED);
    assert_int_equal(eligd_nonce_issue(ns, 2010, b, &exp), ELIGD_NONCE_OK);
    assert_int_equal(eligd_nonce_issue(ns, 2010, c, &exp), ELIGD_NONCE_OK);
    assert_int_equal(eligd_nonce_issue(ns, 2010, d, &exp), ELIGD_NONCE_OK);
    assert_int_equal(eligd_nonce_issue(ns, 2010, d, &exp), ELIGD_NONCE_FULL);
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
