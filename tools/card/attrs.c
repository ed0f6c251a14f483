/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Parsers for the card info input support AP's EFs (card-protocol.md
 * §8.2-8.3).  The DF21 offset table is not followed: the four objects are
 * read in sequence and the offsets only have to agree with where they were
 * found, so a hostile card cannot point us anywhere.
 */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "attrs.h"

/* A BER length (X.690 §8.1.3): 1 byte < 0x80, 81 xx or 82 xx xx. */
static bool
ber_len(const uint8_t *b, size_t len, size_t *pos, size_t *out)
{
    size_t p = *pos;

    if (p >= len)
        return false;
    if (b[p] < 0x80) {
        *out = b[p];
        *pos = p + 1;
    } else if (b[p] == 0x81 && p + 1 < len) {
        *out = b[p + 1];
        *pos = p + 2;
    } else if (b[p] == 0x82 && p + 2 < len) {
        *out = (size_t)b[p + 1] << 8 | b[p + 2];
        *pos = p + 3;
    } else {
        return false;
    }
    return *out <= len - *pos;
}

/* Strict UTF-8 (RFC 3629 §4): no overlongs, no surrogates, <= U+10FFFF. */
static bool
utf8_valid(const uint8_t *s, size_t n)
{
    size_t i = 0, k, need;
    uint32_t c;

    while (i < n) {
        if (s[i] < 0x80) {
            if (s[i] < 0x20 && s[i] != '\t')
                return false; /* no control characters in a name */
            i++;
            continue;
        }
        if ((s[i] & 0xE0) == 0xC0) {
            need = 1;
            c = s[i] & 0x1F;
        } else if ((s[i] & 0xF0) == 0xE0) {
            need = 2;
            c = s[i] & 0x0F;
        } else if ((s[i] & 0xF8) == 0xF0) {
            need = 3;
            c = s[i] & 0x07;
        } else {
            return false;
        }
        if (n - i <= need)
            return false;
        for (k = 1; k <= need; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
            c = c << 6 | (s[i + k] & 0x3F);
        }
        if ((need == 1 && c < 0x80) || (need == 2 && c < 0x800) ||
            (need == 3 && c < 0x10000) || c > 0x10FFFF ||
            (c >= 0xD800 && c <= 0xDFFF))
            return false;
        i += need + 1;
    }
    return true;
}

static bool
digits(const uint8_t *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* One object DF tag (2 bytes) + BER length + value at *pos. */
static bool
object(const uint8_t *b, size_t end, size_t *pos, uint8_t tag, size_t *at,
       const uint8_t **val, size_t *vlen)
{
    size_t p = *pos;

    if (end - p < 2 || b[p] != 0xDF || b[p + 1] != tag)
        return false;
    *at = p;
    p += 2;
    if (!ber_len(b, end, &p, vlen))
        return false;
    *val = b + p;
    *pos = p + *vlen;
    return true;
}

static bool
text(const uint8_t *v, size_t n, char *out)
{
    if (n > CARD_ATTR_MAX || !utf8_valid(v, n))
        return false;
    memcpy(out, v, n);
    out[n] = '\0';
    return true;
}

int
card_attrs_parse(const uint8_t *buf, size_t len, struct card_attrs *out)
{
    const uint8_t *v, *offsets;
    size_t pos = 0, end, vlen, at[4], i;

    memset(out, 0, sizeof(*out));
    /* FF 20: private, constructed, tag number 32 (§8.3) */
    if (buf == NULL || len < 2 || buf[0] != 0xFF || buf[1] != 0x20)
        return 0;
    pos = 2;
    if (!ber_len(buf, len, &pos, &vlen))
        return 0;
    end = pos + vlen;
    if (!object(buf, end, &pos, 0x21, &at[0], &offsets, &vlen) || vlen != 8)
        return 0;
    if (!object(buf, end, &pos, 0x22, &at[0], &v, &vlen) ||
        !text(v, vlen, out->name))
        goto bad;
    if (!object(buf, end, &pos, 0x23, &at[1], &v, &vlen) ||
        !text(v, vlen, out->address))
        goto bad;
    if (!object(buf, end, &pos, 0x24, &at[2], &v, &vlen) || vlen != 8 ||
        !digits(v, 8))
        goto bad;
    memcpy(out->birth, v, 8);
    if (!object(buf, end, &pos, 0x25, &at[3], &v, &vlen) || vlen != 1 ||
        !digits(v, 1))
        goto bad;
    out->sex[0] = (char)v[0];
    /* The offset table must agree with what we found (offsets count from
     * the first byte of the file). */
    for (i = 0; i < 4; i++)
        if (((size_t)offsets[2 * i] << 8 | offsets[2 * i + 1]) != at[i])
            goto bad;
    return 1;
bad:
    memset(out, 0, sizeof(*out));
    return 0;
}

int
card_my_number_parse(const uint8_t *buf, size_t len, char out[13])
{
    memset(out, 0, 13);
    /* §8.2: FF 10 0C + 12 ASCII digits (then FF FF filler) */
    if (buf == NULL || len < 15 || buf[0] != 0xFF || buf[1] != 0x10 ||
        buf[2] != 0x0C || !digits(buf + 3, 12))
        return 0;
    memcpy(out, buf + 3, 12);
    return 1;
}
