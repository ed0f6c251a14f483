/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Syntax of the protocol's fields (docs/eligibility-protocol.md §2) and the
 * refusal of anything that looks like it carries a My Number.
 */
#include "config.h"

#include <string.h>
#include <strings.h>
#include <time.h>

#include "elig.h"

static bool
all_digits(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static unsigned
num(const char *s, size_t n)
{
    unsigned v = 0;

    while (n-- > 0)
        v = v * 10 + (unsigned)(*s++ - '0');
    return v;
}

static bool
date_ok(const char *s)
{
    static const unsigned mdays[] = { 31, 28, 31, 30, 31, 30,
                                      31, 31, 30, 31, 30, 31 };
    unsigned y = num(s, 4), m = num(s + 4, 2), d = num(s + 6, 2), max;

    if (y < 1900 || y > 2199 || m < 1 || m > 12 || d < 1)
        return false;
    max = mdays[m - 1];
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        max = 29;
    return d <= max;
}

bool
elig_date_valid(const char *s)
{
    return s != NULL && strlen(s) == 8 && all_digits(s, 8) && date_ok(s);
}

bool
elig_datetime_valid(const char *s)
{
    return s != NULL && strlen(s) == 14 && all_digits(s, 14) && date_ok(s) &&
           num(s + 8, 2) < 24 && num(s + 10, 2) < 60 && num(s + 12, 2) < 60;
}

bool
elig_request_id_valid(const char *s)
{
    size_t n = s != NULL ? strlen(s) : 0, i;

    if (n == 0 || n > ELIG_REQUEST_ID_MAX)
        return false;
    for (i = 0; i < n; i++)
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
              (s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == '_' ||
              s[i] == '-'))
            return false;
    return true;
}

bool
elig_file_id_valid(const char *s)
{
    size_t n = s != NULL ? strlen(s) : 0, i;

    if (n == 0 || n > ELIG_FILE_ID_MAX)
        return false;
    for (i = 0; i < n; i++)
        if (s[i] < 0x20 || s[i] > 0x7e)
            return false;
    return true;
}

bool
elig_branch_valid(const char *s)
{
    return s != NULL && strlen(s) == 2 && all_digits(s, 2);
}

bool
elig_digits_valid(const char *s, size_t max)
{
    size_t n = s != NULL ? strlen(s) : 0;

    return n >= 1 && n <= max && all_digits(s, n);
}

/* Japan Standard Time is UTC+9 all year (no daylight saving). */
static void
jst(long long t, struct tm *tm)
{
    time_t j = (time_t)(t + 9 * 3600);

    gmtime_r(&j, tm);
}

void
elig_jst_date(long long t, char out[9])
{
    struct tm tm;

    jst(t, &tm);
    strftime(out, 9, "%Y%m%d", &tm);
}

void
elig_jst_datetime(long long t, char out[15])
{
    struct tm tm;

    jst(t, &tm);
    strftime(out, 15, "%Y%m%d%H%M%S", &tm);
}

static bool
my_number_key(const char *k)
{
    static const char *const names[] = {
        "myNumber",  "individualNumber",  "kojinBango",
        "my_number", "individual_number", "kojin_bango"
    };
    size_t i;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcasecmp(k, names[i]) == 0)
            return true;
    return false;
}

bool
elig_json_has_my_number(const json_t *v)
{
    const char *k;
    json_t *m;
    size_t i;

    /* Depth is bounded by the JSON parser's own limit (jansson: 2048). */
    if (json_is_object(v)) {
        json_object_foreach((json_t *)v, k,
                            m) if (my_number_key(k) ||
                                   elig_json_has_my_number(m)) return true;
    } else if (json_is_array(v)) {
        for (i = 0; i < json_array_size(v); i++)
            if (elig_json_has_my_number(json_array_get(v, i)))
                return true;
    }
    return false;
}
