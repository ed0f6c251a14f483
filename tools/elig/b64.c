/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * base64url without padding (RFC 4648 §5, as JWS uses it: RFC 7515 §2)
 * and standard base64 with padding (§4, for x5c: RFC 7515 §4.1.6).
 * Decoding is strict: one encoding per byte string, so that the bytes a
 * signature covers are the bytes we parse.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "elig.h"

static const char URL[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
static const char STD[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static char *
encode(const char *alpha, bool pad, const unsigned char *in, size_t len)
{
    size_t n = (len / 3) * 4 + (len % 3 ? (pad ? 4 : len % 3 + 1) : 0), i, o;
    char *out;
    uint32_t v;

    if (len > (SIZE_MAX - 8) / 4 * 3)
        return NULL;
    out = malloc(n + 1);
    if (out == NULL)
        return NULL;
    for (i = 0, o = 0; i + 2 < len; i += 3) {
        v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = alpha[v >> 18];
        out[o++] = alpha[(v >> 12) & 63];
        out[o++] = alpha[(v >> 6) & 63];
        out[o++] = alpha[v & 63];
    }
    if (len - i == 1) {
        v = (uint32_t)in[i] << 16;
        out[o++] = alpha[v >> 18];
        out[o++] = alpha[(v >> 12) & 63];
        if (pad) {
            out[o++] = '=';
            out[o++] = '=';
        }
    } else if (len - i == 2) {
        v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        out[o++] = alpha[v >> 18];
        out[o++] = alpha[(v >> 12) & 63];
        out[o++] = alpha[(v >> 6) & 63];
        if (pad)
            out[o++] = '=';
    }
    out[o] = '\0';
    return out;
}

static int
value(const char *alpha, char c)
{
    const char *p;

    if (c == '\0')
        return -1;
    p = memchr(alpha, c, 64);
    return p != NULL ? (int)(p - alpha) : -1;
}

static int
decode(const char *alpha, bool pad, const char *in, size_t len,
       unsigned char **out, size_t *outlen)
{
    size_t full, rest, i, o;
    unsigned char *buf;
    uint32_t v;
    int d[4], k;

    *out = NULL;
    *outlen = 0;
    if (pad) {
        if (len % 4 != 0)
            return 0;
        /* Strip at most two '=' and decode the rest unpadded. */
        if (len > 0 && in[len - 1] == '=')
            len--;
        if (len > 0 && in[len - 1] == '=')
            len--;
        if (len % 4 == 1)
            return 0;
    }
    full = len / 4;
    rest = len % 4;
    if (rest == 1)
        return 0;
    buf = malloc(full * 3 + 3);
    if (buf == NULL)
        return 0;
    for (i = 0, o = 0; i < full * 4; i += 4) {
        for (k = 0; k < 4; k++)
            if ((d[k] = value(alpha, in[i + (size_t)k])) < 0)
                goto bad;
        v = (uint32_t)d[0] << 18 | (uint32_t)d[1] << 12 | (uint32_t)d[2] << 6 |
            (uint32_t)d[3];
        buf[o++] = (unsigned char)(v >> 16);
        buf[o++] = (unsigned char)(v >> 8);
        buf[o++] = (unsigned char)v;
    }
    if (rest > 0) {
        for (k = 0; k < (int)rest; k++)
            if ((d[k] = value(alpha, in[i + (size_t)k])) < 0)
                goto bad;
        v = (uint32_t)d[0] << 18 | (uint32_t)d[1] << 12;
        if (rest == 3)
            v |= (uint32_t)d[2] << 6;
        /* The unused low bits must be zero (RFC 4648 §3.5). */
        if ((rest == 2 && (v & 0xFFFF)) || (rest == 3 && (v & 0xFF)))
            goto bad;
        buf[o++] = (unsigned char)(v >> 16);
        if (rest == 3)
            buf[o++] = (unsigned char)(v >> 8);
    }
    *out = buf;
    *outlen = o;
    return 1;
bad:
    free(buf);
    return 0;
}

char *
elig_b64url_encode(const unsigned char *in, size_t len)
{
    return encode(URL, false, in, len);
}

int
elig_b64url_decode(const char *in, size_t len, unsigned char **out,
                   size_t *outlen)
{
    return decode(URL, false, in, len, out, outlen);
}

char *
elig_b64_encode(const unsigned char *in, size_t len)
{
    return encode(STD, true, in, len);
}

int
elig_b64_decode(const char *in, size_t len, unsigned char **out, size_t *outlen)
{
    return decode(STD, true, in, len, out, outlen);
}
