/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * RFC 7512 "pkcs11:" URI parser (see uri.h).
 *
 * The input is scanned in place (no copy of it is made, so no copy of a
 * pin-value needs wiping); each value is percent-decoded straight into
 * its own allocation.  Grammar (RFC 7512 §2.3):
 *
 *   pk11-URI   = "pkcs11:" pk11-path [ "?" pk11-query ]
 *   pk11-path  = [ pk11-pattr *(";" pk11-pattr) ]
 *   pk11-query = [ pk11-qattr *("&" pk11-qattr) ]
 *
 * Characters outside the RFC's pk11-pchar / pk11-qchar sets are accepted
 * as they are, like other consumers do; only '%' is interpreted.
 */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "uri.h"

/* Longest URI accepted, in bytes (not counting the terminating NUL). */
#define URI_MAX 4096

#define SCHEME "pkcs11:"
#define SCHEME_LEN (sizeof(SCHEME) - 1)

/* CKO_* values (PKCS#11 3.0 §4.1), kept here so uri.c needs no pkcs11.h */
#define URI_CKO_DATA 0UL
#define URI_CKO_CERTIFICATE 1UL
#define URI_CKO_PUBLIC_KEY 2UL
#define URI_CKO_PRIVATE_KEY 3UL
#define URI_CKO_SECRET_KEY 4UL

enum kind {
    K_STR,     /* NUL-free string */
    K_LIBVER,  /* string, 1*DIGIT [ "." 1*DIGIT ] (§2.3 pk11-lib-ver) */
    K_SLOT_ID, /* decimal CK_SLOT_ID (§2.3 pk11-slot-id) */
    K_ID,      /* raw bytes (§2.3 pk11-id) */
    K_TYPE,    /* object class keyword (§2.3 pk11-type) */
};

struct attr {
    const char *name;
    enum kind kind;
    bool query;    /* a query attribute (after '?') */
    size_t offset; /* of the char * field, for K_STR and K_LIBVER */
    const char *err_twice;
    const char *err_pct;
    const char *err_nul;
};

#define ATTR(n, k, q, field)                                                   \
    {                                                                          \
        n, k, q, offsetof(struct myna_uri, field),                             \
            "attribute '" n "' given twice",                                   \
            "bad percent-encoding in '" n "'", "NUL byte in '" n "'"           \
    }

/* §2.3: the path and query attributes this version of the RFC defines. */
static const struct attr attrs[] = {
    ATTR("token", K_STR, false, token),
    ATTR("manufacturer", K_STR, false, manufacturer),
    ATTR("serial", K_STR, false, serial),
    ATTR("model", K_STR, false, model),
    ATTR("library-manufacturer", K_STR, false, library_manufacturer),
    ATTR("library-description", K_STR, false, library_description),
    ATTR("library-version", K_LIBVER, false, library_version),
    ATTR("slot-description", K_STR, false, slot_description),
    ATTR("slot-manufacturer", K_STR, false, slot_manufacturer),
    ATTR("slot-id", K_SLOT_ID, false, slot_id),
    ATTR("object", K_STR, false, object),
    ATTR("id", K_ID, false, id),
    ATTR("type", K_TYPE, false, type),
    ATTR("pin-value", K_STR, true, pin_value),
    ATTR("pin-source", K_STR, true, pin_source),
    ATTR("module-name", K_STR, true, module_name),
    ATTR("module-path", K_STR, true, module_path),
};

#define NATTRS (sizeof(attrs) / sizeof(attrs[0]))

/* §2.3 pk11-type */
static const struct {
    const char *name;
    unsigned long cko;
} types[] = {
    { "cert", URI_CKO_CERTIFICATE },  { "private", URI_CKO_PRIVATE_KEY },
    { "public", URI_CKO_PUBLIC_KEY }, { "secret-key", URI_CKO_SECRET_KEY },
    { "data", URI_CKO_DATA },
};

static int
hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/*
 * Percent-decode s[0..len) (RFC 3986 §2.1, as RFC 7512 §2.3 requires)
 * into out, which has room for len bytes.  Returns the decoded length, or
 * (size_t)-1 when a '%' is not followed by two hex digits (either case).
 */
static size_t
pct_decode(const char *s, size_t len, uint8_t *out)
{
    size_t i = 0, n = 0;
    int hi, lo;

    while (i < len) {
        if (s[i] != '%') {
            out[n++] = (uint8_t)s[i++];
            continue;
        }
        if (len - i < 3 || (hi = hexval(s[i + 1])) < 0 ||
            (lo = hexval(s[i + 2])) < 0)
            return (size_t)-1;
        out[n++] = (uint8_t)(hi << 4 | lo);
        i += 3;
    }
    return n;
}

/* Same check as pct_decode, for the values of ignored attributes. */
static bool
pct_valid(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] != '%')
            continue;
        if (len - i < 3 || hexval(s[i + 1]) < 0 || hexval(s[i + 2]) < 0)
            return false;
        i += 2;
    }
    return true;
}

/* Wipe and free n bytes at p (every value may be a PIN's neighbour). */
static void
free_wiped(void *p, size_t n)
{
    if (p == NULL)
        return;
    OPENSSL_cleanse(p, n);
    free(p);
}

/*
 * Decode a value into a new buffer of len + 1 bytes, NUL-terminated
 * (also for ids, which are raw bytes, so that "id=" gets a non-NULL
 * pointer).  Returns NULL with *err set.
 */
static uint8_t *
decode_value(const struct attr *a, const char *v, size_t len, size_t *out_len,
             const char **err)
{
    uint8_t *buf = malloc(len + 1);
    size_t n;

    if (buf == NULL) {
        *err = "out of memory";
        return NULL;
    }
    n = pct_decode(v, len, buf);
    if (n == (size_t)-1) {
        *err = a->err_pct;
        goto fail;
    }
    buf[n] = '\0';
    /* a C string cannot carry a NUL; only the id is raw bytes */
    if (a->kind != K_ID && memchr(buf, '\0', n) != NULL) {
        *err = a->err_nul;
        goto fail;
    }
    *out_len = n;
    return buf;
fail:
    free_wiped(buf, len + 1);
    return NULL;
}

/* §2.3 pk11-lib-ver = 1*DIGIT [ "." 1*DIGIT ] */
static bool
libver_valid(const char *s)
{
    size_t i = 0;

    if (s[i] < '0' || s[i] > '9')
        return false;
    while (s[i] >= '0' && s[i] <= '9')
        i++;
    if (s[i] == '\0')
        return true;
    if (s[i++] != '.' || s[i] < '0' || s[i] > '9')
        return false;
    while (s[i] >= '0' && s[i] <= '9')
        i++;
    return s[i] == '\0';
}

/* §2.3 pk11-slot-id = 1*DIGIT, as a CK_SLOT_ID (an unsigned long) */
static bool
slot_id_parse(const char *s, unsigned long *out)
{
    unsigned long v = 0;
    size_t i = 0;

    if (s[0] == '\0')
        return false;
    for (; s[i] != '\0'; i++) {
        unsigned long d;

        if (s[i] < '0' || s[i] > '9')
            return false;
        d = (unsigned long)(s[i] - '0');
        if (v > (~0UL - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

/*
 * Attribute names are ABNF literals, which RFC 5234 §2.3 makes
 * case-insensitive; so are the pk11-type keywords.
 */
static const struct attr *
find_attr(const char *name, size_t len, bool query)
{
    for (size_t i = 0; i < NATTRS; i++) {
        if (attrs[i].query == query && strlen(attrs[i].name) == len &&
            strncasecmp(attrs[i].name, name, len) == 0)
            return &attrs[i];
    }
    return NULL;
}

/* Store one known attribute's value; v[0..len) is still encoded. */
static bool
set_attr(struct myna_uri *u, const struct attr *a, const char *v, size_t len,
         const char **err)
{
    uint8_t *buf;
    size_t n = 0;
    bool ok = false;

    buf = decode_value(a, v, len, &n, err);
    if (buf == NULL)
        return false;
    switch (a->kind) {
    case K_LIBVER:
        if (!libver_valid((char *)buf)) {
            *err = "library-version is not M or M.m";
            goto out;
        }
        *(char **)((char *)u + a->offset) = (char *)buf;
        buf = NULL;
        break;
    case K_STR:
        *(char **)((char *)u + a->offset) = (char *)buf;
        buf = NULL;
        break;
    case K_SLOT_ID:
        if (!slot_id_parse((char *)buf, &u->slot_id)) {
            *err = "slot-id is not a number";
            goto out;
        }
        u->has_slot_id = true;
        break;
    case K_ID:
        u->id = buf;
        u->id_len = n;
        u->has_id = true;
        buf = NULL;
        break;
    case K_TYPE:
        for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
            if (strcasecmp((char *)buf, types[i].name) == 0) {
                u->type = types[i].cko;
                u->has_type = true;
                break;
            }
        }
        if (!u->has_type) {
            *err = "unknown type (not cert, private, public, secret-key "
                   "or data)";
            goto out;
        }
        break;
    }
    ok = true;
out:
    free_wiped(buf, len + 1);
    return ok;
}

/*
 * One "name=value" of the path (query false) or the query; s[0..len)
 * holds no separator.  seen has a bit per attrs[] entry.
 */
static bool
parse_attr(struct myna_uri *u, const char *s, size_t len, bool query,
           unsigned long *seen, const char **err)
{
    const char *eq = memchr(s, '=', len);
    const struct attr *a;
    size_t nlen, bit;

    if (eq == NULL || eq == s) {
        *err = query ? "query attribute is not name=value"
                     : "path attribute is not name=value";
        return false;
    }
    nlen = (size_t)(eq - s);
    a = find_attr(s, nlen, query);
    if (a == NULL) {
        /* §2.3: vendor-specific attributes carry an "x-" prefix */
        bool vendor = nlen > 2 && strncasecmp(s, "x-", 2) == 0;

        if (!query && !vendor) {
            /* §2.3: an unknown path attribute makes the URI unusable */
            *err = "unknown path attribute (neither RFC 7512 nor x-)";
            return false;
        }
        /* ignored, but it must still be a well-formed URI */
        if (!pct_valid(eq + 1, len - nlen - 1)) {
            *err = "bad percent-encoding in an ignored attribute";
            return false;
        }
        return true;
    }
    bit = (size_t)(a - attrs);
    if (*seen & (1UL << bit)) {
        *err = a->err_twice;
        return false;
    }
    *seen |= 1UL << bit;
    return set_attr(u, a, eq + 1, len - nlen - 1, err);
}

/* Split s[0..len) at sep and parse each piece. */
static bool
parse_list(struct myna_uri *u, const char *s, size_t len, char sep, bool query,
           unsigned long *seen, const char **err)
{
    const char *end = s + len;

    if (len == 0)
        return true; /* §2.3: both the path and the query may be empty */
    for (;;) {
        const char *next = memchr(s, sep, (size_t)(end - s));
        size_t n = next != NULL ? (size_t)(next - s) : (size_t)(end - s);

        if (!parse_attr(u, s, n, query, seen, err))
            return false;
        if (next == NULL)
            return true;
        s = next + 1;
    }
}

struct myna_uri *
myna_uri_parse(const char *s, const char **err)
{
    struct myna_uri *u = NULL;
    const char *dummy, *path, *q;
    unsigned long seen = 0;
    size_t len, plen;

    if (err == NULL)
        err = &dummy;
    *err = NULL;
    if (s == NULL) {
        *err = "not a pkcs11: URI";
        return NULL;
    }
    len = strnlen(s, URI_MAX + 1);
    if (len > URI_MAX) {
        *err = "URI too long";
        return NULL;
    }
    /* RFC 3986 §3.1: the scheme is case-insensitive */
    if (len < SCHEME_LEN || strncasecmp(s, SCHEME, SCHEME_LEN) != 0) {
        *err = "not a pkcs11: URI";
        return NULL;
    }
    if ((u = calloc(1, sizeof(*u))) == NULL) {
        *err = "out of memory";
        return NULL;
    }
    path = s + SCHEME_LEN;
    len -= SCHEME_LEN;
    q = memchr(path, '?', len);
    plen = q != NULL ? (size_t)(q - path) : len;
    if (!parse_list(u, path, plen, ';', false, &seen, err))
        goto fail;
    if (q != NULL &&
        !parse_list(u, q + 1, len - plen - 1, '&', true, &seen, err))
        goto fail;
    /* §2.3: a URI with both pin-source and pin-value SHOULD be refused */
    if (u->pin_value != NULL && u->pin_source != NULL) {
        *err = "both pin-value and pin-source given";
        goto fail;
    }
    return u;
fail:
    myna_uri_free(u);
    return NULL;
}

static void
free_str(char *s)
{
    if (s != NULL)
        free_wiped(s, strlen(s) + 1);
}

void
myna_uri_free(struct myna_uri *u)
{
    if (u == NULL)
        return;
    free_str(u->token);
    free_str(u->manufacturer);
    free_str(u->serial);
    free_str(u->model);
    free_str(u->library_manufacturer);
    free_str(u->library_description);
    free_str(u->library_version);
    free_str(u->slot_description);
    free_str(u->slot_manufacturer);
    free_str(u->object);
    free_wiped(u->id, u->id_len + 1);
    free_str(u->pin_value); /* the secret: wiped before it is freed */
    free_str(u->pin_source);
    free_str(u->module_name);
    free_str(u->module_path);
    OPENSSL_cleanse(u, sizeof(*u));
    free(u);
}
