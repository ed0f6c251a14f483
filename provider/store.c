/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * OSSL_STORE loader for RFC 7512 "pkcs11:" URIs (provider-storemgmt(7)).
 * Certificates are passed as DER (OSSL_OBJECT_CERT); keys as a reference
 * (OSSL_OBJECT_PARAM_REFERENCE) that our KEYMGMT loads: the private key
 * never leaves the token.  The search runs once, on the first load; each
 * load then returns one object.
 *
 * Login happens when the URI asks for type=private, or asks for no type
 * and the caller expects a private key (OSSL_STORE_expect); a certificate
 * search never asks for a PIN.
 *
 * CKA_ALWAYS_AUTHENTICATE RSA keys are given the PIN for their
 * context-specific logins here (sig-rsa.c), from the same source as the
 * login; a PIN typed into the callback is asked once per load (pwcache).
 */
#include "config.h"

#include <string.h>

#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/core_object.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/params.h>
#include <openssl/store.h>

#include "ec.h"
#include "errors.h"
#include "prov.h"

struct item {
    unsigned char *der; /* certificate */
    size_t der_len;
    struct myna_key *key;      /* or an RSA key */
    struct myna_ec_key *eckey; /* or an EC key */
};

struct store_ctx {
    struct myna_prov *prov;
    struct myna_uri *uri;
    int expect; /* OSSL_STORE_INFO_* or 0 */
    bool searched;
    bool eof;
    struct item *items;
    size_t n, next;
};

static void *
st_open(void *provctx, const char *uri)
{
    struct store_ctx *ctx;
    const char *why = NULL;

    ctx = OPENSSL_zalloc(sizeof(*ctx));
    if (ctx == NULL) {
        MYNA_RAISE(MYNA_R_MALLOC, NULL);
        return NULL;
    }
    ctx->prov = provctx;
    ctx->uri = myna_uri_parse(uri, &why);
    if (ctx->uri == NULL) {
        MYNA_RAISE(MYNA_R_BAD_URI, "%s", why != NULL ? why : "invalid");
        OPENSSL_free(ctx);
        return NULL;
    }
    return ctx;
}

static const OSSL_PARAM *
st_settable_ctx_params(void *provctx)
{
    static const OSSL_PARAM settable[] = {
        OSSL_PARAM_int(OSSL_STORE_PARAM_EXPECT, NULL), OSSL_PARAM_END
    };

    (void)provctx;
    return settable;
}

static int
st_set_ctx_params(void *vctx, const OSSL_PARAM params[])
{
    struct store_ctx *ctx = vctx;
    const OSSL_PARAM *p;

    p = OSSL_PARAM_locate_const(params, OSSL_STORE_PARAM_EXPECT);
    if (p != NULL && !OSSL_PARAM_get_int(p, &ctx->expect))
        return 0;
    return 1;
}

static bool
wanted(const struct store_ctx *ctx, CK_OBJECT_CLASS cls)
{
    switch (ctx->expect) {
    case OSSL_STORE_INFO_CERT:
        return cls == CKO_CERTIFICATE;
    case OSSL_STORE_INFO_PKEY:
        return cls == CKO_PRIVATE_KEY;
    case OSSL_STORE_INFO_PUBKEY:
        return cls == CKO_PUBLIC_KEY || cls == CKO_PRIVATE_KEY;
    default:
        return cls == CKO_CERTIFICATE || cls == CKO_PRIVATE_KEY ||
               cls == CKO_PUBLIC_KEY;
    }
}

static int
add_item(struct store_ctx *ctx, struct item *it)
{
    struct item *grown;

    grown = OPENSSL_realloc(ctx->items, (ctx->n + 1) * sizeof(*grown));
    if (grown == NULL) {
        MYNA_RAISE(MYNA_R_MALLOC, NULL);
        return 0;
    }
    ctx->items = grown;
    ctx->items[ctx->n++] = *it;
    return 1;
}

/* One found object: an X.509 certificate, an RSA or EC key, else skipped. */
static int
collect(struct store_ctx *ctx, struct myna_p11 *p, CK_SESSION_HANDLE s,
        CK_SLOT_ID slot, CK_OBJECT_HANDLE h)
{
    struct item it = { NULL, 0, NULL, NULL };
    CK_ULONG cls, type;

    if (!myna_p11_attr_ulong(p, s, h, CKA_CLASS, &cls))
        return 0;
    if (!wanted(ctx, cls))
        return 1;
    if (cls == CKO_CERTIFICATE) {
        if (!myna_p11_attr_ulong(p, s, h, CKA_CERTIFICATE_TYPE, &type))
            return 0;
        if (type != CKC_X_509)
            return 1;
        if (!myna_p11_attr(p, s, h, CKA_VALUE, &it.der, &it.der_len))
            return 0;
        if (it.der == NULL)
            return 1;
    } else {
        if (!myna_p11_attr_ulong(p, s, h, CKA_KEY_TYPE, &type))
            return 0;
        if (type == CKK_EC)
            it.eckey = myna_ec_key_from_object(ctx->prov, p, s, slot, h, cls);
        else if (type == CKK_RSA)
            it.key = myna_key_from_object(ctx->prov, p, s, slot, h, cls);
        else
            return 1;
        if (it.key == NULL && it.eckey == NULL)
            return 0;
    }
    if (!add_item(ctx, &it)) {
        OPENSSL_free(it.der);
        myna_key_free(it.key);
        myna_ec_key_free(it.eckey);
        return 0;
    }
    return 1;
}

static int
search_slot(struct store_ctx *ctx, struct myna_p11 *p, CK_SLOT_ID slot)
{
    const struct myna_uri *u = ctx->uri;
    CK_OBJECT_CLASS cls = u->type;
    CK_ATTRIBUTE tmpl[3];
    CK_ULONG n = 0;
    CK_OBJECT_HANDLE *objs = NULL;
    CK_SESSION_HANDLE s;
    size_t nobjs = 0, i;
    int ok;

    if (u->has_type)
        tmpl[n++] = (CK_ATTRIBUTE){ CKA_CLASS, &cls, sizeof(cls) };
    if (u->has_id)
        tmpl[n++] = (CK_ATTRIBUTE){ CKA_ID, u->id, u->id_len };
    if (u->object != NULL)
        tmpl[n++] = (CK_ATTRIBUTE){ CKA_LABEL, u->object, strlen(u->object) };
    if (!myna_p11_session_get(p, slot, &s))
        return 0;
    ok = myna_p11_find(p, s, tmpl, n, &objs, &nobjs);
    for (i = 0; ok && i < nobjs; i++)
        ok = collect(ctx, p, s, slot, objs[i]);
    myna_p11_session_put(p, slot, CKR_OK);
    OPENSSL_free(objs);
    return ok;
}

/* The application's passphrase callback, called at most once per search */
struct pwcache {
    OSSL_PASSPHRASE_CALLBACK *cb;
    void *arg;
    char buf[MYNA_PIN_MAX + 1];
    size_t len;
    bool have;
};

static int
pwcache_cb(char *pass, size_t size, size_t *len, const OSSL_PARAM params[],
           void *arg)
{
    struct pwcache *c = arg;

    if (!c->have) {
        if (c->cb == NULL ||
            !c->cb(c->buf, sizeof(c->buf) - 1, &c->len, params, c->arg))
            return 0;
        c->have = true;
    }
    if (c->len > size)
        return 0;
    memcpy(pass, c->buf, c->len);
    *len = c->len;
    return 1;
}

/* The PIN for the always-authenticate RSA keys among items[from...]. */
static int
give_pins(struct store_ctx *ctx, struct myna_p11 *p, CK_SLOT_ID slot,
          size_t from, struct pwcache *pw)
{
    char *pin = NULL;
    struct myna_key *key;
    size_t i;
    int ok = 1;

    for (i = from; ok && i < ctx->n; i++) {
        key = ctx->items[i].key;
        if (key == NULL || !key->always_auth || key->pin != NULL)
            continue;
        /*
         * No PIN (e.g. the token was logged in before, no source given):
         * not an error yet, the key still has its public half; signing
         * says why it cannot.
         */
        ERR_set_mark();
        if (pin == NULL &&
            !myna_login_pin(ctx->prov, p, slot, ctx->uri,
                            pw->cb != NULL ? pwcache_cb : NULL, pw, &pin)) {
            ERR_pop_to_mark();
            myna_debug(ctx->prov, "no PIN for an always-authenticate key");
            return 1;
        }
        ERR_clear_last_mark();
        key->pin = OPENSSL_strdup(pin);
        if (key->pin == NULL) {
            MYNA_RAISE(MYNA_R_MALLOC, NULL);
            ok = 0;
        }
    }
    if (pin != NULL)
        OPENSSL_clear_free(pin, strlen(pin));
    return ok;
}

static int
search(struct store_ctx *ctx, OSSL_PASSPHRASE_CALLBACK *pw_cb, void *pw_cbarg)
{
    const struct myna_uri *u = ctx->uri;
    struct myna_p11 *p;
    CK_SLOT_ID *slots = NULL;
    size_t nslots = 0, i, from;
    struct pwcache pw = { pw_cb, pw_cbarg, { 0 }, 0, false };
    bool login;
    int ok = 0;

    p = myna_prov_p11(ctx->prov);
    if (p == NULL || !myna_p11_match_slots(p, u, &slots, &nslots))
        return 0;
    if (nslots == 0) {
        MYNA_RAISE(MYNA_R_TOKEN_NOT_FOUND,
                   "no token present matches%s%s%s (not inserted or removed?)",
                   u->token != NULL ? " '" : "",
                   u->token != NULL ? u->token : "",
                   u->token != NULL ? "'" : "");
        goto out;
    }
    login = u->has_type ? u->type == CKO_PRIVATE_KEY
                        : ctx->expect == OSSL_STORE_INFO_PKEY;
    for (i = 0; i < nslots; i++) {
        /* A failed login ends the search: no PIN goes to a second token */
        if (login && !myna_login(ctx->prov, p, slots[i], u,
                                 pw_cb != NULL ? pwcache_cb : NULL, &pw))
            goto out;
        from = ctx->n;
        if (!search_slot(ctx, p, slots[i]))
            goto out;
        if (login && !give_pins(ctx, p, slots[i], from, &pw))
            goto out;
    }
    if (ctx->n == 0) {
        MYNA_RAISE(MYNA_R_OBJECT_NOT_FOUND, "no %s matches the URI",
                   ctx->expect == OSSL_STORE_INFO_CERT   ? "certificate"
                   : ctx->expect == OSSL_STORE_INFO_PKEY ? "private key"
                                                         : "object");
        goto out;
    }
    ok = 1;
out:
    OPENSSL_cleanse(&pw, sizeof(pw));
    OPENSSL_free(slots);
    return ok;
}

static int
st_load(void *vctx, OSSL_CALLBACK *object_cb, void *object_cbarg,
        OSSL_PASSPHRASE_CALLBACK *pw_cb, void *pw_cbarg)
{
    struct store_ctx *ctx = vctx;
    OSSL_PARAM params[4];
    struct item *it;
    int type;

    if (!ctx->searched) {
        ctx->searched = true;
        if (!search(ctx, pw_cb, pw_cbarg)) {
            ctx->eof = true; /* an error is final: no retry, no 2nd PIN */
            return 0;
        }
    }
    if (ctx->next >= ctx->n) {
        ctx->eof = true;
        return 0;
    }
    it = &ctx->items[ctx->next++];
    if (it->key != NULL) {
        type = OSSL_OBJECT_PKEY;
        params[0] = OSSL_PARAM_construct_int(OSSL_OBJECT_PARAM_TYPE, &type);
        params[1] = OSSL_PARAM_construct_utf8_string(
            OSSL_OBJECT_PARAM_DATA_TYPE, (char *)"RSA", 0);
        /* provider-object(7): an opaque reference for our KEYMGMT load */
        params[2] = OSSL_PARAM_construct_octet_string(
            OSSL_OBJECT_PARAM_REFERENCE, &it->key, sizeof(it->key));
    } else if (it->eckey != NULL) {
        type = OSSL_OBJECT_PKEY;
        params[0] = OSSL_PARAM_construct_int(OSSL_OBJECT_PARAM_TYPE, &type);
        params[1] = OSSL_PARAM_construct_utf8_string(
            OSSL_OBJECT_PARAM_DATA_TYPE, (char *)"EC", 0);
        params[2] = OSSL_PARAM_construct_octet_string(
            OSSL_OBJECT_PARAM_REFERENCE, &it->eckey, sizeof(it->eckey));
    } else {
        type = OSSL_OBJECT_CERT;
        params[0] = OSSL_PARAM_construct_int(OSSL_OBJECT_PARAM_TYPE, &type);
        params[1] = OSSL_PARAM_construct_octet_string(OSSL_OBJECT_PARAM_DATA,
                                                      it->der, it->der_len);
        params[2] = OSSL_PARAM_construct_end();
    }
    params[3] = OSSL_PARAM_construct_end();
    return object_cb(params, object_cbarg);
}

static int
st_eof(void *vctx)
{
    struct store_ctx *ctx = vctx;

    return ctx->eof;
}

static int
st_close(void *vctx)
{
    struct store_ctx *ctx = vctx;
    size_t i;

    if (ctx == NULL)
        return 1;
    for (i = 0; i < ctx->n; i++) {
        OPENSSL_free(ctx->items[i].der);
        myna_key_free(ctx->items[i].key);
        myna_ec_key_free(ctx->items[i].eckey);
    }
    OPENSSL_free(ctx->items);
    myna_uri_free(ctx->uri);
    OPENSSL_free(ctx);
    return 1;
}

const OSSL_DISPATCH myna_store_functions[] = {
    { OSSL_FUNC_STORE_OPEN, (void (*)(void))st_open },
    { OSSL_FUNC_STORE_SETTABLE_CTX_PARAMS,
      (void (*)(void))st_settable_ctx_params },
    { OSSL_FUNC_STORE_SET_CTX_PARAMS, (void (*)(void))st_set_ctx_params },
    { OSSL_FUNC_STORE_LOAD, (void (*)(void))st_load },
    { OSSL_FUNC_STORE_EOF, (void (*)(void))st_eof },
    { OSSL_FUNC_STORE_CLOSE, (void (*)(void))st_close },
    { 0, NULL }
};
