/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for what an eligibility service answers to
 * myna-qualify (tools/qualify/response.c; docs/eligibility-protocol.md
 * §3, §6, §7): the input is the body of an answer, as a hostile or
 * broken service could send it, given to each of the three parsers.
 *
 * Invariants (abort on violation): a success yields strings without
 * control characters within QUALIFY_STRING_MAX, at most
 * QUALIFY_RESULTS_MAX qualifications, and an "eligible" result never
 * without a qualification; a failure leaves the result zeroed.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "response.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fail(const char *what)
{
    fprintf(stderr, "fuzz-qualify-response: %s\n", what);
    abort();
}

static void
check_text(const char *s)
{
    size_t n;

    if (s == NULL)
        return;
    n = strlen(s);
    if (n > QUALIFY_STRING_MAX)
        fail("string too long");
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            fail("control character");
}

static bool
all_zero(const void *p, size_t n)
{
    const unsigned char *b = p;

    for (size_t i = 0; i < n; i++)
        if (b[i] != 0)
            return false;
    return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct qualify_result r;
    struct qualify_error e;
    struct qualify_nonce n;
    const char *body = (const char *)data;
    char why[160];

    if (qualify_parse_result(body, size, &r, why, sizeof(why))) {
        if (r.n > QUALIFY_RESULTS_MAX)
            fail("too many results");
        if (qualify_result_eligible(&r) && r.n == 0)
            fail("eligible without a qualification");
        check_text(r.message);
        for (size_t i = 0; i < r.n; i++) {
            if (r.q[i].name == NULL || r.q[i].insurer_number == NULL)
                fail("required member missing");
            check_text(r.q[i].name);
            check_text(r.q[i].name_kana);
            check_text(r.q[i].insurer_name);
            check_text(r.q[i].symbol);
            check_text(r.q[i].number);
            check_text(r.q[i].insured_name);
        }
        qualify_result_clear(&r);
    } else if (!all_zero(&r, sizeof(r))) {
        fail("failed result parse left data behind");
    }
    if (qualify_parse_error(body, size, &e, why, sizeof(why))) {
        if (e.code == NULL || strlen(e.code) != 8)
            fail("bad error code");
        check_text(e.message);
        qualify_error_clear(&e);
    } else if (!all_zero(&e, sizeof(e))) {
        fail("failed error parse left data behind");
    }
    if (qualify_parse_nonce(body, size, &n, why, sizeof(why))) {
        if (n.nonce == NULL || strlen(n.nonce) != 43)
            fail("bad nonce");
        qualify_nonce_clear(&n);
    } else if (!all_zero(&n, sizeof(n))) {
        fail("failed nonce parse left data behind");
    }
    return 0;
}
