/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The card info input support AP's data (card-protocol.md §8.2-8.3):
 * 基本4情報 (EF 0002) and the My Number (EF 0001), parsed from the bytes
 * the card returned.  Pure code: nothing the card sends is trusted.
 */
#ifndef MYNA_CARD_ATTRS_H
#define MYNA_CARD_ATTRS_H

#include <stddef.h>
#include <stdint.h>

#define CARD_ATTR_MAX 256 /* longer names/addresses are refused */

struct card_attrs {
    char name[CARD_ATTR_MAX + 1];    /* 氏名, UTF-8 (DF22) */
    char address[CARD_ATTR_MAX + 1]; /* 住所, UTF-8 (DF23) */
    char birth[9];                   /* 生年月日 YYYYMMDD (DF24) */
    char sex[2]; /* 性別: 1, 2, 9 (or 0/3, §8.3) (DF25) */
};

/* EF 0002: FF 20 <len> { DF21 offsets, DF22 .. DF25 }, filler after it.
 * 1 with every field set, 0 for anything malformed (lengths past the
 * end, a missing field, invalid UTF-8, a date that is not 8 digits). */
int card_attrs_parse(const uint8_t *buf, size_t len, struct card_attrs *out);

/* EF 0001: FF 10 0C <12 ASCII digits>, filler after it.  out gets the 12
 * digits and a NUL.  1/0. */
int card_my_number_parse(const uint8_t *buf, size_t len, char out[13]);

#endif
