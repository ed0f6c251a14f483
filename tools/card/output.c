/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "cmd.h"
#include "session.h"

static void
human(json_t *v, int depth, const char *key)
{
    const char *k;
    json_t *m;
    size_t i;

    if (json_is_object(v)) {
        if (key != NULL)
            printf("%*s%s:\n", depth * 2, "", key);
        json_object_foreach(v, k, m)
            human(m, key != NULL ? depth + 1 : depth, k);
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, m) human(m, depth, key);
    } else if (json_is_string(v)) {
        printf("%*s%s: %s\n", depth * 2, "", key, json_string_value(v));
    } else if (json_is_integer(v)) {
        printf("%*s%s: %lld\n", depth * 2, "", key,
               (long long)json_integer_value(v));
    } else if (json_is_boolean(v)) {
        printf("%*s%s: %s\n", depth * 2, "", key,
               json_is_true(v) ? "yes" : "no");
    }
}

void
out_print(const struct card_opts *o, json_t *result)
{
    if (o->json) {
        json_dumpf(result, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        fputc('\n', stdout);
    } else {
        human(result, 0, NULL);
    }
    fflush(stdout);
}

int
out_error(CK_RV rv, const char *what)
{
    fprintf(stderr, "myna-card: %s: %s\n", what, card_strerror(rv));
    switch (rv) {
    case CKR_PIN_INCORRECT:
    case CKR_PIN_LOCKED:
    case CKR_PIN_LEN_RANGE:
    case CKR_PIN_INVALID:
        return EXIT_PIN;
    case CKR_HOST_MEMORY:
        return EXIT_INTERNAL;
    default:
        return EXIT_CARD;
    }
}

int
out_fail(int code, const char *fmt, ...)
{
    va_list ap;

    fputs("myna-card: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return code;
}
