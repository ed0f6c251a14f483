/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Check digits (検証番号) of insurer numbers and medical institution
 * codes: MHLW 保険者番号等設定要領 別添2 第1, as summarised in
 * qualification-domain.md §3.1-3.2.
 */
#include "config.h"

#include <string.h>

#include "elig.h"

int
elig_check_digit(const char *body, size_t len)
{
    unsigned sum = 0, w = 2, p;
    size_t i;

    if (len == 0)
        return -1;
    /* From the rightmost digit: weights 2, 1, 2, 1, ... */
    for (i = len; i-- > 0; w = 3 - w) {
        if (body[i] < '0' || body[i] > '9')
            return -1;
        p = (unsigned)(body[i] - '0') * w;
        sum += p / 10 + p % 10; /* a two-digit product adds its digits */
    }
    return sum % 10 == 0 ? 0 : (int)(10 - sum % 10);
}

static bool
number_with_check(const char *s, size_t len)
{
    int cd;

    if (s == NULL || strlen(s) != len)
        return false;
    cd = elig_check_digit(s, len - 1);
    return cd >= 0 && s[len - 1] == '0' + cd;
}

bool
elig_insurer_number_valid(const char *s)
{
    /* 8 digits (法別番号 + 都道府県 + 保険者別 + 検証), 6 for 国保 */
    return number_with_check(s, 8) || number_with_check(s, 6);
}

void
elig_insurer_number_oqs(const char *s, char out[9])
{
    size_t n = s != NULL ? strlen(s) : 0;

    if (n > 8)
        n = 8;
    memset(out, ' ', 8 - n);
    memcpy(out + 8 - n, s, n);
    out[8] = '\0';
}

bool
elig_institution_code_valid(const char *s)
{
    /* 都道府県 (2) + 点数表 (1) + 郡市区 (2) + 番号 (4) + 検証 (1) */
    return number_with_check(s, 10);
}
