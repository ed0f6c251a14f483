/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Certificates and keys through OpenSSL's OSSL_STORE, in a private
 * library context that holds the providers "myna" (pkcs11: URIs, the key
 * stays in the token; docs/myna-provider.7) and "default" (files, SHA-256).
 * A private context keeps the client independent of the system's
 * openssl.cnf and of whatever providers libcurl's TLS uses.  "myna" is
 * loaded on the first pkcs11: URI only, so the card-data mode with file
 * credentials works without it.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include <openssl/rsa.h>
#include <openssl/store.h>

#include "qualify.h"

struct qualify_token {
    OSSL_LIB_CTX *libctx;
    OSSL_PROVIDER *dflt, *myna;
};

struct qualify_token *
qualify_token_open(const char *module)
{
    struct qualify_token *t = calloc(1, sizeof(*t));

    if (t == NULL)
        return NULL;
    /* The provider reads its module from the environment when it
     * initialises (docs/myna-provider.7, ENVIRONMENT): --module is
     * passed that way, before "myna" is loaded. */
    if (module != NULL && setenv("MYNA_PROVIDER_MODULE", module, 1) != 0)
        goto err;
    if ((t->libctx = OSSL_LIB_CTX_new()) == NULL ||
        (t->dflt = OSSL_PROVIDER_load(t->libctx, "default")) == NULL)
        goto err;
    return t;
err:
    qualify_token_close(t);
    return NULL;
}

void
qualify_token_close(struct qualify_token *t)
{
    if (t == NULL)
        return;
    OSSL_PROVIDER_unload(t->myna);
    OSSL_PROVIDER_unload(t->dflt);
    OSSL_LIB_CTX_free(t->libctx);
    free(t);
}

static bool
is_pkcs11(const char *uri)
{
    return strncmp(uri, "pkcs11:", 7) == 0;
}

static int
need_myna(struct qualify_token *t)
{
    if (t->myna != NULL)
        return QX_ELIGIBLE;
    t->myna = OSSL_PROVIDER_load(t->libctx, "myna");
    if (t->myna == NULL) {
        qualify_openssl_fail("cannot load the OpenSSL provider \"myna\" (is "
                             "myna.so in OpenSSL's modules directory, or "
                             "OPENSSL_MODULES set?)",
                             NULL);
        return QX_TOKEN;
    }
    return QX_ELIGIBLE;
}

/* The first object of type want at uri; NULL with the error queue set. */
static OSSL_STORE_INFO *
store_first(struct qualify_token *t, const char *uri, int want,
            struct qualify_pin *pin)
{
    OSSL_STORE_CTX *s;
    OSSL_STORE_INFO *info = NULL;
    UI_METHOD *ui = NULL;

    if (pin != NULL && (ui = qualify_pin_ui()) == NULL)
        return NULL;
    s = OSSL_STORE_open_ex(uri, t->libctx, NULL, ui, pin, NULL, NULL, NULL);
    if (s == NULL)
        goto out;
    /* One load: a failed login ends it (never a second PIN try). */
    OSSL_STORE_expect(s, want);
    while (!OSSL_STORE_eof(s)) {
        info = OSSL_STORE_load(s);
        if (info != NULL && OSSL_STORE_INFO_get_type(info) == want)
            break;
        OSSL_STORE_INFO_free(info);
        info = NULL;
        if (OSSL_STORE_error(s))
            break;
    }
    OSSL_STORE_close(s);
out:
    UI_destroy_method(ui);
    return info;
}

int
qualify_token_cert(struct qualify_token *t, const char *uri, X509 **out)
{
    OSSL_STORE_INFO *info;
    int rc;

    *out = NULL;
    if (is_pkcs11(uri) && (rc = need_myna(t)) != QX_ELIGIBLE)
        return rc;
    ERR_clear_error();
    info = store_first(t, uri, OSSL_STORE_INFO_CERT, NULL);
    if (info != NULL)
        *out = OSSL_STORE_INFO_get1_CERT(info);
    OSSL_STORE_INFO_free(info);
    if (*out != NULL)
        return QX_ELIGIBLE;
    if (ERR_peek_error() == 0)
        return qualify_fail(is_pkcs11(uri) ? QX_TOKEN : QX_USAGE,
                            "no certificate at %s", uri);
    return qualify_openssl_fail(uri, NULL);
}

int
qualify_token_key(struct qualify_token *t, const char *uri,
                  struct qualify_pin *pin, EVP_PKEY **out)
{
    OSSL_STORE_INFO *info;
    int rc;

    *out = NULL;
    if (is_pkcs11(uri) && (rc = need_myna(t)) != QX_ELIGIBLE)
        return rc;
    ERR_clear_error();
    info =
        store_first(t, uri, OSSL_STORE_INFO_PKEY, is_pkcs11(uri) ? pin : NULL);
    if (info != NULL)
        *out = OSSL_STORE_INFO_get1_PKEY(info);
    OSSL_STORE_INFO_free(info);
    if (*out != NULL)
        return QX_ELIGIBLE;
    if (ERR_peek_error() == 0 && !(pin != NULL && pin->asked))
        return qualify_fail(is_pkcs11(uri) ? QX_TOKEN : QX_USAGE,
                            "no private key at %s", uri);
    return qualify_openssl_fail(uri, is_pkcs11(uri) ? pin : NULL);
}

int
qualify_token_sign(struct qualify_token *t, EVP_PKEY *key,
                   const unsigned char *data, size_t len, unsigned char **sig,
                   size_t *siglen)
{
    EVP_MD_CTX *md = NULL;
    EVP_PKEY_CTX *pctx = NULL;
    int rc = QX_INTERNAL;
    size_t n;

    *sig = NULL;
    /* RS256 (RFC 7518 §3.3) is all the My Number Card can do. */
    if (!EVP_PKEY_is_a(key, "RSA"))
        return qualify_fail(QX_TOKEN, "the key is not an RSA key (RS256)");
    n = (size_t)EVP_PKEY_get_size(key);
    ERR_clear_error();
    if ((md = EVP_MD_CTX_new()) == NULL || (*sig = malloc(n)) == NULL)
        goto out;
    if (EVP_DigestSignInit_ex(md, &pctx, "SHA256", t->libctx, NULL, key,
                              NULL) != 1 ||
        EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1 ||
        EVP_DigestSignUpdate(md, data, len) != 1 ||
        EVP_DigestSignFinal(md, *sig, &n) != 1) {
        rc = qualify_openssl_fail("signing with the card", NULL);
        goto out;
    }
    *siglen = n;
    rc = QX_ELIGIBLE;
out:
    EVP_MD_CTX_free(md);
    if (rc != QX_ELIGIBLE) {
        free(*sig);
        *sig = NULL;
    }
    return rc;
}
