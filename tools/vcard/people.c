/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Synthetic card holders for the virtual My Number Card.
 *
 * Every entry is invented: the family names are the words for "test",
 * "sample", "pseudonym" and "mock", the towns do not exist, and the
 * My Number bodies are digits of well-known mathematical constants.
 * The strings follow the formats of the signing certificate attributes
 * (card-protocol.md §12.4): family and given name separated by U+3000,
 * addresses from the prefecture on with full-width digits and the
 * full-width hyphen U+FF0D, and one '0'/'1' per Unicode character in the
 * *_alt strings (tests/unit/pki-check.c counts the code points).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stddef.h>
#include <string.h>

#include "people.h"

#define MY_NUMBER_BODY_LEN 11

static const struct vcard_person people[] = {
    {
        .name = "試験　太郎",
        .name_alt = "00000",
        .address = "東京都千代田区見本町一丁目２－３",
        .address_alt = "0000000000000000",
        .prefecture = "東京都",
        .municipality = "千代田区",
        .birth = "19800217", /* 昭和55年 */
        .era = '3',
        .sex = '1',
        .my_number_body = "31415926535",
    },
    {
        .name = "見本　花子",
        .name_alt = "00000",
        .address = "大阪府大阪市北区試験町４－５６－７　見本ハイツ１０１号",
        .address_alt = "000000000000000000000000000",
        .prefecture = "大阪府",
        .municipality = "大阪市北区",
        .birth = "19950603", /* 平成7年 */
        .era = '4',
        .sex = '2',
        .my_number_body = "27182818284",
    },
    {
        /*
         * 高 stands in for 髙, a character outside JIS level 1/2: the '1'
         * marks it as a substitute character (§12.4, OID .5.5.2).
         */
        .name = "仮名　高志",
        .name_alt = "00010",
        .address = "北海道札幌市中央区仮名通１２丁目３４－５",
        .address_alt = "00000000000000000000",
        .prefecture = "北海道",
        .municipality = "札幌市中央区",
        .birth = "19620930", /* 昭和37年 */
        .era = '3',
        .sex = '1',
        .my_number_body = "16180339887",
    },
    {
        .name = "模擬　由美",
        .name_alt = "00000",
        .address = "福岡県福岡市博多区模擬台二丁目８－９",
        .address_alt = "000000000000000000",
        .prefecture = "福岡県",
        .municipality = "福岡市博多区",
        .birth = "20010111", /* 平成13年 */
        .era = '4',
        .sex = '2',
        .my_number_body = "14142135623",
    },
};

size_t
vcard_people_count(void)
{
    return sizeof(people) / sizeof(people[0]);
}

const struct vcard_person *
vcard_person_get(size_t index)
{
    if (index >= vcard_people_count())
        return NULL;
    return &people[index];
}

/*
 * 行政手続における特定の個人を識別するための番号の利用等に関する法律施行令
 * 第8条: with P_n the n-th digit counted from the right of the 11-digit
 * body and Q_n = n + 1 (n <= 6) or n - 5 (n >= 7), the check digit is
 * 11 - (sum P_n * Q_n mod 11), or 0 when that remainder is 0 or 1.
 */
char
vcard_my_number_check_digit(const char *body)
{
    unsigned int sum = 0, r;

    if (body == NULL ||
        strnlen(body, MY_NUMBER_BODY_LEN + 1) != MY_NUMBER_BODY_LEN)
        return 0;
    for (unsigned int n = 1; n <= MY_NUMBER_BODY_LEN; n++) {
        char c = body[MY_NUMBER_BODY_LEN - n];

        if (c < '0' || c > '9')
            return 0;
        sum += (unsigned int)(c - '0') * (n <= 6 ? n + 1 : n - 5);
    }
    r = sum % 11;
    return (char)('0' + (r <= 1 ? 0 : 11 - r));
}
