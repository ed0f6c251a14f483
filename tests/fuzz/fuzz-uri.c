/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for the pkcs11: URI parser (provider/uri.c): the input
 * is a URI as a user or a configuration file gives it.  A NUL-terminated
 * copy is parsed and the result freed.
 *
 * Invariants (abort on violation): a failure has an error message and a
 * success none; a success only from a "pkcs11:" input of at most 4096
 * bytes; no decoded value longer than the input; has_* flags agree with
 * their fields; type is a CKO_* the RFC names (RFC 7512 §2.3); at most
 * one of pin-value and pin-source; and the result survives a round trip:
 * every present field percent-encoded back into a URI parses to the same
 * fields.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "uri.h"

#define URI_MAX 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fail(const char *what)
{
    fprintf(stderr, "fuzz-uri: %s\n", what);
    abort();
}

struct buf {
    char s[URI_MAX + 1];
    size_t len;
    bool overflow;
};

static void
put(struct buf *b, const char *s)
{
    size_t n = strlen(s);

    if (b->overflow || n > URI_MAX - b->len) {
        b->overflow = true;
        return;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

/* ";name=" (or sep) then every byte of v as %XX */
static void
put_attr(struct buf *b, const char *sep, const char *name, const void *v,
         size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    const uint8_t *p = v;

    put(b, sep);
    put(b, name);
    put(b, "=");
    for (size_t i = 0; i < n; i++) {
        char e[4] = { '%', hex[p[i] >> 4], hex[p[i] & 15], '\0' };

        put(b, e);
    }
}

static void
put_str(struct buf *b, const char *sep, const char *name, const char *v)
{
    if (v != NULL)
        put_attr(b, sep, name, v, strlen(v));
}

static void
same_str(const char *a, const char *b)
{
    if ((a == NULL) != (b == NULL) || (a != NULL && strcmp(a, b) != 0))
        fail("round trip changed a string");
}

static void
check_str(const char *s, size_t size)
{
    if (s != NULL && strlen(s) > size)
        fail("decoded string longer than the input");
}

static void
check_result(const struct myna_uri *u, size_t size)
{
    const char *strs[] = {
        u->token,
        u->manufacturer,
        u->serial,
        u->model,
        u->library_manufacturer,
        u->library_description,
        u->library_version,
        u->slot_description,
        u->slot_manufacturer,
        u->object,
        u->pin_value,
        u->pin_source,
        u->module_name,
        u->module_path,
    };

    for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
        check_str(strs[i], size);
    if (u->has_id != (u->id != NULL) || (!u->has_id && u->id_len != 0))
        fail("has_id disagrees with id");
    if (u->id_len > size)
        fail("id longer than the input");
    if (u->has_type ? u->type > 4 : u->type != 0)
        fail("bad type");
    if (!u->has_slot_id && u->slot_id != 0)
        fail("slot_id without has_slot_id");
    if (u->pin_value != NULL && u->pin_source != NULL)
        fail("both pin-value and pin-source");
    if (u->library_version != NULL) {
        const char *v = u->library_version;
        size_t n = strspn(v, "0123456789");

        if (n == 0 || (v[n] != '\0' &&
                       (v[n] != '.' || strspn(v + n + 1, "0123456789") == 0 ||
                        v[n + 1 + strspn(v + n + 1, "0123456789")] != '\0')))
            fail("library-version not M or M.m");
    }
}

/* Encode every field of u back into a URI; reparse; compare. */
static void
round_trip(const struct myna_uri *u)
{
    static const char *const tnames[] = { "data", "cert", "public", "private",
                                          "secret-key" };
    static struct buf b;
    struct myna_uri *v;
    const char *err = NULL;
    char num[32];

    b.len = 0;
    b.overflow = false;
    put(&b, "pkcs11:");
    put(&b, "x-fuzz=1"); /* so every real attribute starts with ';' */
    put_str(&b, ";", "token", u->token);
    put_str(&b, ";", "manufacturer", u->manufacturer);
    put_str(&b, ";", "serial", u->serial);
    put_str(&b, ";", "model", u->model);
    put_str(&b, ";", "library-manufacturer", u->library_manufacturer);
    put_str(&b, ";", "library-description", u->library_description);
    put_str(&b, ";", "library-version", u->library_version);
    put_str(&b, ";", "slot-description", u->slot_description);
    put_str(&b, ";", "slot-manufacturer", u->slot_manufacturer);
    if (u->has_slot_id) {
        snprintf(num, sizeof(num), "%lu", u->slot_id);
        put_str(&b, ";", "slot-id", num);
    }
    put_str(&b, ";", "object", u->object);
    if (u->has_id)
        put_attr(&b, ";", "id", u->id, u->id_len);
    if (u->has_type)
        put_str(&b, ";", "type", tnames[u->type]);
    put(&b, "?x-fuzz=1");
    put_str(&b, "&", "pin-value", u->pin_value);
    put_str(&b, "&", "pin-source", u->pin_source);
    put_str(&b, "&", "module-name", u->module_name);
    put_str(&b, "&", "module-path", u->module_path);
    if (b.overflow)
        return; /* longer than a URI may be */

    v = myna_uri_parse(b.s, &err);
    if (v == NULL) {
        fprintf(stderr, "fuzz-uri: %s: %s\n", b.s, err);
        fail("round trip refused");
    }
    same_str(u->token, v->token);
    same_str(u->manufacturer, v->manufacturer);
    same_str(u->serial, v->serial);
    same_str(u->model, v->model);
    same_str(u->library_manufacturer, v->library_manufacturer);
    same_str(u->library_description, v->library_description);
    same_str(u->library_version, v->library_version);
    same_str(u->slot_description, v->slot_description);
    same_str(u->slot_manufacturer, v->slot_manufacturer);
    same_str(u->object, v->object);
    same_str(u->pin_value, v->pin_value);
    same_str(u->pin_source, v->pin_source);
    same_str(u->module_name, v->module_name);
    same_str(u->module_path, v->module_path);
    if (u->has_slot_id != v->has_slot_id || u->slot_id != v->slot_id ||
        u->has_type != v->has_type || u->type != v->type ||
        u->has_id != v->has_id || u->id_len != v->id_len ||
        (u->id_len != 0 && memcmp(u->id, v->id, u->id_len) != 0))
        fail("round trip changed a field");
    myna_uri_free(v);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    struct myna_uri *u;
    const char *err = NULL;
    size_t len;

    if (s == NULL)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    len = strlen(s); /* the parser stops at an embedded NUL */

    u = myna_uri_parse(s, &err);
    if (u == NULL) {
        if (err == NULL || err[0] == '\0')
            fail("failure without a message");
        goto out;
    }
    if (err != NULL)
        fail("success with a message");
    if (len > URI_MAX || strncasecmp(s, "pkcs11:", 7) != 0)
        fail("accepted a non-pkcs11: or too long input");
    check_result(u, len);
    round_trip(u);
    myna_uri_free(u);
out:
    free(s);
    return 0;
}
