/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * SIGNATURE "ECDSA" for token EC keys (provider-signature(7),
 * EVP_SIGNATURE-ECDSA(7)).  The token signs a digest with CKM_ECDSA
 * (PKCS#11 3.0 mechanisms §2.3.6), whose output is r || s, each as long
 * as the group order (§2.3.1); OpenSSL wants the DER ECDSA-Sig-Value
 * (RFC 5480 §2.2, RFC 3279 §2.2.3), so the signature is re-encoded here.
 * Digest-sign hashes on the host with a digest from the application's
 * providers (we offer no digest).
 */
#include "config.h"

#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "ec.h"
#include "errors.h"

struct digest {
    const char *name;
    size_t size;
    unsigned char aid[12]; /* AlgorithmIdentifier, ecdsa-with-SHAx */
    size_t aid_len;
};

/*
 * RFC 5758 §3.2 (SHA-2) and RFC 3279 §2.2.3 (SHA-1): the parameters
 * field is absent.  OIDs 1.2.840.10045.4.1 and 1.2.840.10045.4.3.n.
 */
#define AID_ECDSA_SHA2(n)                                                      \
    {                                                                          \
        0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, n    \
    }

static const struct digest digests[] = {
    { "SHA1",
      20,
      { 0x30, 0x09, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x01 },
      11 },
    { "SHA224", 28, AID_ECDSA_SHA2(0x01), 12 },
    { "SHA256", 32, AID_ECDSA_SHA2(0x02), 12 },
    { "SHA384", 48, AID_ECDSA_SHA2(0x03), 12 },
    { "SHA512", 64, AID_ECDSA_SHA2(0x04), 12 },
};

struct sig_ctx {
    struct myna_prov *prov;
    struct myna_ec_key *key;
    const struct digest *md; /* NULL: sign the input as it is */
    EVP_MD_CTX *mdctx;       /* digest-sign */
};

static const struct digest *
find_digest(struct sig_ctx *ctx, const char *name)
{
    EVP_MD *md;
    const struct digest *found = NULL;
    size_t i;

    md = EVP_MD_fetch(ctx->prov->libctx, name, NULL);
    for (i = 0; md != NULL && i < sizeof(digests) / sizeof(digests[0]); i++)
        if (EVP_MD_is_a(md, digests[i].name))
            found = &digests[i];
    EVP_MD_free(md);
    if (found == NULL)
        MYNA_RAISE(MYNA_R_BAD_PARAMETER, "digest %s is not supported", name);
    return found;
}

static void *
sig_newctx(void *provctx, const char *propq)
{
    struct sig_ctx *ctx = OPENSSL_zalloc(sizeof(*ctx));

    (void)propq;
    if (ctx == NULL) {
        MYNA_RAISE(MYNA_R_MALLOC, NULL);
        return NULL;
    }
    ctx->prov = provctx;
    return ctx;
}

static void
sig_freectx(void *vctx)
{
    struct sig_ctx *ctx = vctx;

    if (ctx == NULL)
        return;
    myna_ec_key_free(ctx->key);
    EVP_MD_CTX_free(ctx->mdctx);
    OPENSSL_free(ctx);
}

static void *
sig_dupctx(void *vctx)
{
    struct sig_ctx *src = vctx, *dst;

    dst = OPENSSL_memdup(src, sizeof(*src));
    if (dst == NULL) {
        MYNA_RAISE(MYNA_R_MALLOC, NULL);
        return NULL;
    }
    dst->key = myna_ec_key_ref(src->key);
    dst->mdctx = NULL;
    if (src->mdctx != NULL) {
        dst->mdctx = EVP_MD_CTX_new();
        if (dst->mdctx == NULL || !EVP_MD_CTX_copy_ex(dst->mdctx, src->mdctx)) {
            sig_freectx(dst);
            MYNA_RAISE(MYNA_R_MALLOC, NULL);
            return NULL;
        }
    }
    return dst;
}

static int sig_set_ctx_params(void *vctx, const OSSL_PARAM params[]);

static int
sig_sign_init(void *vctx, void *vkey, const OSSL_PARAM params[])
{
    struct sig_ctx *ctx = vctx;
    struct myna_ec_key *key = vkey;

    if (key == NULL || key->cls != CKO_PRIVATE_KEY) {
        MYNA_RAISE(MYNA_R_KEY_UNSUPPORTED, "not a token private key");
        return 0;
    }
    myna_ec_key_free(ctx->key);
    ctx->key = myna_ec_key_ref(key);
    ctx->md = NULL;
    return sig_set_ctx_params(ctx, params);
}

/* C_Sign with CKM_ECDSA: raw r || s into raw (PKCS#11 mechanisms §2.3.1) */
static int
token_sign(struct sig_ctx *ctx, const unsigned char *in, size_t inlen,
           unsigned char *raw, size_t *rawlen)
{
    struct myna_p11 *p = myna_prov_p11(ctx->prov);
    CK_MECHANISM mech = { CKM_ECDSA, NULL, 0 };
    CK_SESSION_HANDLE s;
    CK_OBJECT_HANDLE h;
    CK_ULONG len = (CK_ULONG)*rawlen;
    CK_RV rv;

    if (p == NULL || !myna_p11_session_get(p, ctx->key->slot, &s))
        return 0;
    if (!myna_ec_key_handle(ctx->key, p, s, &h)) {
        myna_p11_session_put(p, ctx->key->slot, CKR_OK);
        return 0;
    }
    rv = myna_p11_fn(p)->C_SignInit(s, &mech, h);
    if (rv == CKR_OK)
        rv = myna_p11_fn(p)->C_Sign(s, (CK_BYTE_PTR)in, (CK_ULONG)inlen, raw,
                                    &len);
    myna_p11_session_put(p, ctx->key->slot, rv);
    if (rv != CKR_OK) {
        MYNA_RAISE_RV(rv, "C_Sign");
        return 0;
    }
    *rawlen = len;
    return 1;
}

/* r || s (two equal halves) as DER ECDSA-Sig-Value into sig. */
static int
raw_to_der(const unsigned char *raw, size_t rawlen, unsigned char *sig,
           size_t *siglen, size_t sigsize)
{
    ECDSA_SIG *es = ECDSA_SIG_new();
    BIGNUM *r, *s;
    unsigned char *q = NULL;
    int len, ok = 0;

    if (es == NULL) {
        MYNA_RAISE(MYNA_R_MALLOC, NULL);
        return 0;
    }
    r = BN_bin2bn(raw, (int)(rawlen / 2), NULL);
    s = BN_bin2bn(raw + rawlen / 2, (int)(rawlen / 2), NULL);
    if (r == NULL || s == NULL || !ECDSA_SIG_set0(es, r, s)) {
        BN_free(r);
        BN_free(s);
        MYNA_RAISE(MYNA_R_MALLOC, NULL);
        goto out;
    }
    len = i2d_ECDSA_SIG(es, &q);
    if (len <= 0) {
        MYNA_RAISE(MYNA_R_INTERNAL, "cannot encode ECDSA-Sig-Value");
        goto out;
    }
    if ((size_t)len > sigsize) {
        MYNA_RAISE(MYNA_R_BUFFER_TOO_SMALL, "%zu < %d bytes", sigsize, len);
        goto out;
    }
    memcpy(sig, q, (size_t)len);
    *siglen = (size_t)len;
    ok = 1;
out:
    OPENSSL_free(q);
    ECDSA_SIG_free(es);
    return ok;
}

static int
sig_sign(void *vctx, unsigned char *sig, size_t *siglen, size_t sigsize,
         const unsigned char *tbs, size_t tbslen)
{
    struct sig_ctx *ctx = vctx;
    unsigned char raw[2 * 66]; /* P-521 is the largest named prime curve */
    size_t rawlen = 2 * myna_ec_key_order_bytes(ctx->key);

    if (sig == NULL) {
        *siglen = myna_ec_key_sig_max(ctx->key);
        return 1;
    }
    if (ctx->md != NULL && tbslen != ctx->md->size) {
        MYNA_RAISE(MYNA_R_BAD_PARAMETER, "%zu bytes is not a %s digest", tbslen,
                   ctx->md->name);
        return 0;
    }
    if (rawlen > sizeof(raw)) {
        MYNA_RAISE(MYNA_R_KEY_UNSUPPORTED, "%d-bit curve", ctx->key->bits);
        return 0;
    }
    /*
     * CKM_ECDSA takes the hash as it is; like OpenSSL, a hash longer than
     * the order is cut to its leftmost bits by the token (FIPS 186-4 §6.4).
     */
    if (!token_sign(ctx, tbs, tbslen, raw, &rawlen))
        return 0;
    if (rawlen != 2 * myna_ec_key_order_bytes(ctx->key)) {
        MYNA_RAISE(MYNA_R_PKCS11, "CKM_ECDSA gave %zu bytes, not r || s",
                   rawlen);
        return 0;
    }
    return raw_to_der(raw, rawlen, sig, siglen, sigsize);
}

static int
sig_digest_sign_init(void *vctx, const char *mdname, void *vkey,
                     const OSSL_PARAM params[])
{
    struct sig_ctx *ctx = vctx;
    EVP_MD *md;
    int ok;

    if (!sig_sign_init(ctx, vkey, params))
        return 0;
    ctx->md =
        find_digest(ctx, mdname != NULL && *mdname != '\0' ? mdname : "SHA256");
    if (ctx->md == NULL)
        return 0;
    if (ctx->mdctx == NULL && (ctx->mdctx = EVP_MD_CTX_new()) == NULL) {
        MYNA_RAISE(MYNA_R_MALLOC, NULL);
        return 0;
    }
    md = EVP_MD_fetch(ctx->prov->libctx, ctx->md->name, NULL);
    ok = md != NULL && EVP_DigestInit_ex2(ctx->mdctx, md, NULL);
    EVP_MD_free(md);
    if (!ok)
        MYNA_RAISE(MYNA_R_INTERNAL, "cannot start %s", ctx->md->name);
    return ok;
}

static int
sig_digest_sign_update(void *vctx, const unsigned char *data, size_t len)
{
    struct sig_ctx *ctx = vctx;

    return ctx->mdctx != NULL && EVP_DigestUpdate(ctx->mdctx, data, len);
}

static int
sig_digest_sign_final(void *vctx, unsigned char *sig, size_t *siglen,
                      size_t sigsize)
{
    struct sig_ctx *ctx = vctx;
    unsigned char dgst[EVP_MAX_MD_SIZE];
    unsigned int dlen = 0;
    int ok;

    if (ctx->mdctx == NULL)
        return 0;
    if (sig == NULL)
        return sig_sign(ctx, NULL, siglen, 0, NULL, 0);
    if (!EVP_DigestFinal_ex(ctx->mdctx, dgst, &dlen))
        return 0;
    ok = sig_sign(ctx, sig, siglen, sigsize, dgst, dlen);
    OPENSSL_cleanse(dgst, sizeof(dgst));
    return ok;
}

static int
sig_set_ctx_params(void *vctx, const OSSL_PARAM params[])
{
    struct sig_ctx *ctx = vctx;
    const OSSL_PARAM *p;
    const char *name;

    if (params == NULL)
        return 1;
    p = OSSL_PARAM_locate_const(params, OSSL_SIGNATURE_PARAM_DIGEST);
    if (p != NULL) {
        if (!OSSL_PARAM_get_utf8_string_ptr(p, &name) ||
            (ctx->md = find_digest(ctx, name)) == NULL)
            return 0;
    }
    return 1;
}

static const OSSL_PARAM *
sig_settable_ctx_params(void *vctx, void *provctx)
{
    static const OSSL_PARAM settable[] = {
        OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_DIGEST, NULL, 0),
        OSSL_PARAM_END
    };

    (void)vctx;
    (void)provctx;
    return settable;
}

static int
sig_get_ctx_params(void *vctx, OSSL_PARAM params[])
{
    struct sig_ctx *ctx = vctx;
    OSSL_PARAM *p;

    /* X.509/CMS signing asks for this (provider-signature(7)). */
    p = OSSL_PARAM_locate(params, OSSL_SIGNATURE_PARAM_ALGORITHM_ID);
    if (p != NULL && ctx->md != NULL &&
        !OSSL_PARAM_set_octet_string(p, ctx->md->aid, ctx->md->aid_len))
        return 0;
    p = OSSL_PARAM_locate(params, OSSL_SIGNATURE_PARAM_DIGEST);
    if (p != NULL && ctx->md != NULL &&
        !OSSL_PARAM_set_utf8_string(p, ctx->md->name))
        return 0;
    p = OSSL_PARAM_locate(params, OSSL_SIGNATURE_PARAM_DIGEST_SIZE);
    if (p != NULL && ctx->md != NULL &&
        !OSSL_PARAM_set_size_t(p, ctx->md->size))
        return 0;
    return 1;
}

static const OSSL_PARAM *
sig_gettable_ctx_params(void *vctx, void *provctx)
{
    static const OSSL_PARAM gettable[] = {
        OSSL_PARAM_octet_string(OSSL_SIGNATURE_PARAM_ALGORITHM_ID, NULL, 0),
        OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_DIGEST, NULL, 0),
        OSSL_PARAM_size_t(OSSL_SIGNATURE_PARAM_DIGEST_SIZE, NULL),
        OSSL_PARAM_END
    };

    (void)vctx;
    (void)provctx;
    return gettable;
}

const OSSL_DISPATCH myna_ecdsa_signature_functions[] = {
    { OSSL_FUNC_SIGNATURE_NEWCTX, (void (*)(void))sig_newctx },
    { OSSL_FUNC_SIGNATURE_FREECTX, (void (*)(void))sig_freectx },
    { OSSL_FUNC_SIGNATURE_DUPCTX, (void (*)(void))sig_dupctx },
    { OSSL_FUNC_SIGNATURE_SIGN_INIT, (void (*)(void))sig_sign_init },
    { OSSL_FUNC_SIGNATURE_SIGN, (void (*)(void))sig_sign },
    { OSSL_FUNC_SIGNATURE_DIGEST_SIGN_INIT,
      (void (*)(void))sig_digest_sign_init },
    { OSSL_FUNC_SIGNATURE_DIGEST_SIGN_UPDATE,
      (void (*)(void))sig_digest_sign_update },
    { OSSL_FUNC_SIGNATURE_DIGEST_SIGN_FINAL,
      (void (*)(void))sig_digest_sign_final },
    { OSSL_FUNC_SIGNATURE_GET_CTX_PARAMS, (void (*)(void))sig_get_ctx_params },
    { OSSL_FUNC_SIGNATURE_GETTABLE_CTX_PARAMS,
      (void (*)(void))sig_gettable_ctx_params },
    { OSSL_FUNC_SIGNATURE_SET_CTX_PARAMS, (void (*)(void))sig_set_ctx_params },
    { OSSL_FUNC_SIGNATURE_SETTABLE_CTX_PARAMS,
      (void (*)(void))sig_settable_ctx_params },
    { 0, NULL }
};
