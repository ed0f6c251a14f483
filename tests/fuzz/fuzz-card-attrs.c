/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for what the card info input support AP returns
 * (tools/card/attrs.c, card-protocol.md §8.2-8.3): the input is the bytes
 * of EF 0002, then of EF 0001, as a hostile card could send them.
 *
 * Invariants (abort on violation): a success yields NUL-terminated fields
 * within their buffers, a birth date of 8 digits, a sex of one digit, and
 * a failure leaves the result zeroed; the My Number parser yields 12
 * digits or nothing.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attrs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fail(const char *what)
{
    fprintf(stderr, "fuzz-card-attrs: %s\n", what);
    abort();
}

static int
digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return s[n] == '\0';
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct card_attrs zero;
    struct card_attrs a;
    char num[13];

    if (card_attrs_parse(data, size, &a)) {
        if (memchr(a.name, '\0', sizeof(a.name)) == NULL ||
            memchr(a.address, '\0', sizeof(a.address)) == NULL)
            fail("unterminated field");
        if (!digits(a.birth, 8) || !digits(a.sex, 1))
            fail("birth date or sex not digits");
    } else if (memcmp(&a, &zero, sizeof(a)) != 0) {
        fail("failure left data behind");
    }
    if (card_my_number_parse(data, size, num)) {
        if (!digits(num, 12))
            fail("My Number not 12 digits");
    } else if (num[0] != '\0') {
        fail("My Number failure left data behind");
    }
    return 0;
}
