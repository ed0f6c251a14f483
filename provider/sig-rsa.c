/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * SIGNATURE "RSA" for token keys (provider-signature(7)).
 *
 * PKCS#1 v1.5: the DigestInfo (RFC 8017 §9.2) is built here and signed
 * with CKM_RSA_PKCS (PKCS#11 3.0 mechanisms §2.1.6), which every RSA token
 * has and which is the only signature mechanism of the My Number Card.
 * RSA-PSS: CKM_RSA_PKCS_PSS (§2.1.10) over the digest, only when the token
 * offers it; asking for PSS on a key whose token does not is refused when
 * the padding is set, so the caller learns it before anything is signed.
 * Digest-sign hashes on the host with a digest from the application's
 * providers (we offer no digest, so this never comes back to us).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rsa.h>

#include "errors.h"
#include "prov.h"

struct digest {
    const char *name;
    CK_MECHANISM_TYPE ckm;
    CK_RSA_PKCS_MGF_TYPE mgf;
    size_t size;
    unsigned char info[19]; /* DigestInfo DER prefix (RFC 8017 §9.2 n.1) */
    size_t info_len;
    unsigned char aid[15]; /* AlgorithmIdentifier, shaXWithRSAEncryption */
};

#define OID_SHA2(n)                                                            \
    0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, n
#define AID_RSA(n)                                                             \
    {                                                                          \
        0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01,      \
            0x01, n, 0x05, 0x00                                                \
    }

static const struct digest digests[] = {
    { "SHA1",
      CKM_SHA_1,
      CKG_MGF1_SHA1,
      20,
      { 0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05,
        0x00, 0x04, 0x14 },
      15,
      AID_RSA(0x05) },
    { "SHA224",
      CKM_SHA224,
      CKG_MGF1_SHA224,
      28,
      { 0x30, 0x2d, 0x30, 0x0d, OID_SHA2(0x04), 0x05, 0x00, 0x04, 0x1c },
      19,
      AID_RSA(0x0e) },
    { "SHA256",
      CKM_SHA256,
      CKG_MGF1_SHA256,
      32,
      { 0x30, 0x31, 0x30, 0x0d, OID_SHA2(0x01), 0x05, 0x00, 0x04, 0x20 },
      19,
      AID_RSA(0x0b) },
    { "SHA384",
      CKM_SHA384,
      CKG_MGF1_SHA384,
      48,
      { 0x30, 0x41, 0x30, 0x0d, OID_SHA2(0x02), 0x05, 0x00, 0x04, 0x30 },
      19,
      AID_RSA(0x0c) },
    { "SHA512",
      CKM_SHA512,
      CKG_MGF1_SHA512,
      64,
      { 0x30, 0x51, 0x30, 0x0d, OID_SHA2(0x03), 0x05, 0x00, 0x04, 0x40 },
      19,
      AID_RSA(0x0d) },
};

struct sig_ctx {
    struct myna_prov *prov;
    struct myna_key *key;
    const struct digest *md;   /* NULL: sign the input as it is */
    const struct digest *mgf1; /* NULL: same as md */
    int pad;                   /* RSA_PKCS1_PADDING or RSA_PKCS1_PSS_PADDING */
    int saltlen;               /* bytes, or RSA_PSS_SALTLEN_* */
    EVP_MD_CTX *mdctx;         /* digest-sign */
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
    ctx->pad = RSA_PKCS1_PADDING;
    ctx->saltlen = RSA_PSS_SALTLEN_AUTO; /* as OpenSSL's RSA signer */
    return ctx;
}

static void
sig_freectx(void *vctx)
{
    struct sig_ctx *ctx = vctx;

    if (ctx == NULL)
        return;
    myna_key_free(ctx->key);
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
    dst->key = myna_key_ref(src->key);
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
    struct myna_key *key = vkey;

    if (key == NULL || key->cls != CKO_PRIVATE_KEY) {
        MYNA_RAISE(MYNA_R_KEY_UNSUPPORTED, "not a token private key");
        return 0;
    }
    if (!key->can_pkcs && !key->can_pss) {
        MYNA_RAISE(MYNA_R_MECHANISM_UNSUPPORTED,
                   "the token has neither CKM_RSA_PKCS nor CKM_RSA_PKCS_PSS");
        return 0;
    }
    myna_key_free(ctx->key);
    ctx->key = myna_key_ref(key);
    ctx->pad = key->can_pkcs ? RSA_PKCS1_PADDING : RSA_PKCS1_PSS_PADDING;
    ctx->md = NULL;
    ctx->mgf1 = NULL;
    ctx->saltlen = RSA_PSS_SALTLEN_AUTO;
    return sig_set_ctx_params(ctx, params);
}

/* RFC 8017 §9.1: emLen = ceil((modBits - 1) / 8); sLen <= emLen-hLen-2. */
static CK_ULONG
pss_saltlen(const struct sig_ctx *ctx)
{
    int bits = BN_num_bits(ctx->key->n);
    long max = (bits - 1 + 7) / 8 - (long)ctx->md->size - 2;

    if (ctx->saltlen == RSA_PSS_SALTLEN_DIGEST)
        return ctx->md->size;
    if (ctx->saltlen < 0) /* RSA_PSS_SALTLEN_AUTO, RSA_PSS_SALTLEN_MAX */
        return max > 0 ? (CK_ULONG)max : 0;
    return (CK_ULONG)ctx->saltlen;
}

/*
 * CKA_ALWAYS_AUTHENTICATE: C_Login(CKU_CONTEXT_SPECIFIC) right after
 * C_SignInit (base §5.6), with the PIN kept at load time (store.c): no
 * prompt, no terminal.  A PIN the token rejects is dropped, never resent.
 * Called with the module lock held.
 */
static CK_RV
context_login(struct sig_ctx *ctx, struct myna_p11 *p, CK_SESSION_HANDLE s)
{
    struct myna_key *key = ctx->key;
    CK_RV rv;

    if (key->pin == NULL) {
        MYNA_RAISE(MYNA_R_PIN_UNAVAILABLE,
                   "the key needs its PIN for every signature "
                   "(CKA_ALWAYS_AUTHENTICATE) and none is known");
        return CKR_USER_NOT_LOGGED_IN;
    }
    rv = myna_p11_fn(p)->C_Login(s, CKU_CONTEXT_SPECIFIC,
                                 (CK_UTF8CHAR_PTR)key->pin,
                                 (CK_ULONG)strlen(key->pin));
    if (rv == CKR_PIN_INCORRECT || rv == CKR_PIN_INVALID ||
        rv == CKR_PIN_LEN_RANGE || rv == CKR_PIN_LOCKED) {
        OPENSSL_clear_free(key->pin, strlen(key->pin));
        key->pin = NULL;
    }
    if (rv != CKR_OK)
        MYNA_RAISE_RV(rv, "C_Login(CKU_CONTEXT_SPECIFIC)");
    return rv;
}

static int
token_sign(struct sig_ctx *ctx, CK_MECHANISM *mech, const unsigned char *in,
           size_t inlen, unsigned char *sig, size_t *siglen, size_t sigsize)
{
    struct myna_p11 *p = myna_prov_p11(ctx->prov);
    CK_SESSION_HANDLE s;
    CK_OBJECT_HANDLE h;
    CK_ULONG len = (CK_ULONG)sigsize;
    CK_RV rv;

    if (p == NULL || !myna_p11_session_get(p, ctx->key->slot, &s))
        return 0;
    if (!myna_key_handle(ctx->key, p, s, &h)) {
        myna_p11_session_put(p, ctx->key->slot, CKR_OK);
        return 0;
    }
    rv = myna_p11_fn(p)->C_SignInit(s, mech, h);
    if (rv == CKR_OK && ctx->key->always_auth) {
        rv = context_login(ctx, p, s);
        if (rv != CKR_OK) {
            /*
             * End the operation (2.40 has no cancel): a C_Sign that the
             * token refuses (not logged in) terminates it, nothing signed.
             */
            myna_p11_fn(p)->C_Sign(s, (CK_BYTE_PTR)in, (CK_ULONG)inlen, sig,
                                   &len);
            myna_p11_session_put(p, ctx->key->slot, CKR_OK);
            return 0;
        }
    }
    if (rv == CKR_OK)
        rv = myna_p11_fn(p)->C_Sign(s, (CK_BYTE_PTR)in, (CK_ULONG)inlen, sig,
                                    &len);
    myna_p11_session_put(p, ctx->key->slot, rv);
    if (rv != CKR_OK) {
        MYNA_RAISE_RV(rv, "C_Sign");
        return 0;
    }
    *siglen = len;
    return 1;
}

static int
sig_sign(void *vctx, unsigned char *sig, size_t *siglen, size_t sigsize,
         const unsigned char *tbs, size_t tbslen)
{
    struct sig_ctx *ctx = vctx;
    size_t k = (size_t)BN_num_bytes(ctx->key->n);
    unsigned char buf[19 + 64];
    CK_RSA_PKCS_PSS_PARAMS pss;
    CK_MECHANISM mech = { CKM_RSA_PKCS, NULL, 0 };

    if (sig == NULL) {
        *siglen = k;
        return 1;
    }
    if (sigsize < k) {
        MYNA_RAISE(MYNA_R_BUFFER_TOO_SMALL, "%zu < %zu bytes", sigsize, k);
        return 0;
    }
    if (ctx->md != NULL && tbslen != ctx->md->size) {
        MYNA_RAISE(MYNA_R_BAD_PARAMETER, "%zu bytes is not a %s digest", tbslen,
                   ctx->md->name);
        return 0;
    }
    if (ctx->pad == RSA_PKCS1_PSS_PADDING) {
        if (ctx->md == NULL) {
            MYNA_RAISE(MYNA_R_BAD_PARAMETER, "RSA-PSS needs a digest");
            return 0;
        }
        pss.hashAlg = ctx->md->ckm;
        pss.mgf = (ctx->mgf1 != NULL ? ctx->mgf1 : ctx->md)->mgf;
        pss.sLen = pss_saltlen(ctx);
        mech.mechanism = CKM_RSA_PKCS_PSS;
        mech.pParameter = &pss;
        mech.ulParameterLen = sizeof(pss);
        return token_sign(ctx, &mech, tbs, tbslen, sig, siglen, sigsize);
    }
    if (ctx->md == NULL) /* EVP_PKEY_sign without a digest: as given */
        return token_sign(ctx, &mech, tbs, tbslen, sig, siglen, sigsize);
    memcpy(buf, ctx->md->info, ctx->md->info_len);
    memcpy(buf + ctx->md->info_len, tbs, tbslen);
    return token_sign(ctx, &mech, buf, ctx->md->info_len + tbslen, sig, siglen,
                      sigsize);
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
    ctx->md = find_digest(ctx, mdname != NULL ? mdname : "SHA256");
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
set_pad(struct sig_ctx *ctx, const OSSL_PARAM *p)
{
    const char *s = NULL;
    int pad = 0;

    if (p->data_type == OSSL_PARAM_UTF8_STRING) {
        if (!OSSL_PARAM_get_utf8_string_ptr(p, &s))
            return 0;
        pad = strcmp(s, OSSL_PKEY_RSA_PAD_MODE_PKCSV15) == 0 ? RSA_PKCS1_PADDING
              : strcmp(s, OSSL_PKEY_RSA_PAD_MODE_PSS) == 0
                  ? RSA_PKCS1_PSS_PADDING
                  : 0;
    } else if (!OSSL_PARAM_get_int(p, &pad)) {
        return 0;
    }
    if (pad == RSA_PKCS1_PSS_PADDING && ctx->key != NULL &&
        !ctx->key->can_pss) {
        /* Said now, not at C_Sign: the caller may pick PKCS#1 instead. */
        MYNA_RAISE(MYNA_R_MECHANISM_UNSUPPORTED,
                   "RSA-PSS: the token does not offer CKM_RSA_PKCS_PSS");
        return 0;
    }
    if (pad == RSA_PKCS1_PADDING && ctx->key != NULL && !ctx->key->can_pkcs) {
        MYNA_RAISE(MYNA_R_MECHANISM_UNSUPPORTED,
                   "PKCS#1 v1.5: the token does not offer CKM_RSA_PKCS");
        return 0;
    }
    if (pad != RSA_PKCS1_PADDING && pad != RSA_PKCS1_PSS_PADDING) {
        MYNA_RAISE(MYNA_R_BAD_PARAMETER, "padding mode %s not supported",
                   s != NULL ? s : "(number)");
        return 0;
    }
    ctx->pad = pad;
    return 1;
}

static int
set_saltlen(struct sig_ctx *ctx, const OSSL_PARAM *p)
{
    const char *s;

    if (p->data_type != OSSL_PARAM_UTF8_STRING)
        return OSSL_PARAM_get_int(p, &ctx->saltlen);
    if (!OSSL_PARAM_get_utf8_string_ptr(p, &s))
        return 0;
    if (strcmp(s, OSSL_PKEY_RSA_PSS_SALT_LEN_DIGEST) == 0)
        ctx->saltlen = RSA_PSS_SALTLEN_DIGEST;
    else if (strcmp(s, OSSL_PKEY_RSA_PSS_SALT_LEN_MAX) == 0)
        ctx->saltlen = RSA_PSS_SALTLEN_MAX;
    else if (strcmp(s, OSSL_PKEY_RSA_PSS_SALT_LEN_AUTO) == 0)
        ctx->saltlen = RSA_PSS_SALTLEN_AUTO;
    else
        ctx->saltlen = (int)strtol(s, NULL, 10);
    return 1;
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
    p = OSSL_PARAM_locate_const(params, OSSL_SIGNATURE_PARAM_PAD_MODE);
    if (p != NULL && !set_pad(ctx, p))
        return 0;
    p = OSSL_PARAM_locate_const(params, OSSL_SIGNATURE_PARAM_PSS_SALTLEN);
    if (p != NULL && !set_saltlen(ctx, p))
        return 0;
    p = OSSL_PARAM_locate_const(params, OSSL_SIGNATURE_PARAM_MGF1_DIGEST);
    if (p != NULL) {
        if (!OSSL_PARAM_get_utf8_string_ptr(p, &name) ||
            (ctx->mgf1 = find_digest(ctx, name)) == NULL)
            return 0;
    }
    return 1;
}

static const OSSL_PARAM *
sig_settable_ctx_params(void *vctx, void *provctx)
{
    static const OSSL_PARAM settable[] = {
        OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_DIGEST, NULL, 0),
        OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_PAD_MODE, NULL, 0),
        OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_PSS_SALTLEN, NULL, 0),
        OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_MGF1_DIGEST, NULL, 0),
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

    p = OSSL_PARAM_locate(params, OSSL_SIGNATURE_PARAM_ALGORITHM_ID);
    /* X.509/CMS signing asks for this (RFC 4055 §5); PSS's is not done. */
    if (p != NULL && ctx->md != NULL && ctx->pad == RSA_PKCS1_PADDING &&
        !OSSL_PARAM_set_octet_string(p, ctx->md->aid, sizeof(ctx->md->aid)))
        return 0;
    p = OSSL_PARAM_locate(params, OSSL_SIGNATURE_PARAM_DIGEST);
    if (p != NULL && ctx->md != NULL &&
        !OSSL_PARAM_set_utf8_string(p, ctx->md->name))
        return 0;
    p = OSSL_PARAM_locate(params, OSSL_SIGNATURE_PARAM_PAD_MODE);
    if (p != NULL) {
        if (p->data_type == OSSL_PARAM_UTF8_STRING) {
            if (!OSSL_PARAM_set_utf8_string(
                    p, ctx->pad == RSA_PKCS1_PSS_PADDING
                           ? OSSL_PKEY_RSA_PAD_MODE_PSS
                           : OSSL_PKEY_RSA_PAD_MODE_PKCSV15))
                return 0;
        } else if (!OSSL_PARAM_set_int(p, ctx->pad)) {
            return 0;
        }
    }
    return 1;
}

static const OSSL_PARAM *
sig_gettable_ctx_params(void *vctx, void *provctx)
{
    static const OSSL_PARAM gettable[] = {
        OSSL_PARAM_octet_string(OSSL_SIGNATURE_PARAM_ALGORITHM_ID, NULL, 0),
        OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_DIGEST, NULL, 0),
        OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_PAD_MODE, NULL, 0),
        OSSL_PARAM_END
    };

    (void)vctx;
    (void)provctx;
    return gettable;
}

const OSSL_DISPATCH myna_rsa_signature_functions[] = {
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
