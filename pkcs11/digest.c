/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Host-side hashing for CKM_SHAx_RSA_PKCS (PKCS#11 3.0 mechanisms spec
 * §2.1, RSA) in a private OSSL_LIB_CTX.  The context has OpenSSL's default
 * provider loaded explicitly and no configuration file: an openssl.cnf that
 * activates our own provider (which calls this module) can therefore never
 * make a digest here recurse into the module.
 *
 * The context and the fetched digests live from first use until C_Finalize
 * (myna_libctx_free); a later C_Initialize creates them again, which is why
 * a mutex and a pointer are used rather than pthread_once.
 */
#include "config.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/provider.h>

#include "digest.h"

/*
 * DER of DigestInfo up to the hash value (RFC 8017 §9.2 note 1): the
 * card pads the DigestInfo with PKCS#1 v1.5 type 01 and signs it.
 */
static const uint8_t prefix_sha1[] = { 0x30, 0x21, 0x30, 0x09, 0x06,
                                       0x05, 0x2b, 0x0e, 0x03, 0x02,
                                       0x1a, 0x05, 0x00, 0x04, 0x14 };
static const uint8_t prefix_sha224[] = { 0x30, 0x2d, 0x30, 0x0d, 0x06,
                                         0x09, 0x60, 0x86, 0x48, 0x01,
                                         0x65, 0x03, 0x04, 0x02, 0x04,
                                         0x05, 0x00, 0x04, 0x1c };
static const uint8_t prefix_sha256[] = { 0x30, 0x31, 0x30, 0x0d, 0x06,
                                         0x09, 0x60, 0x86, 0x48, 0x01,
                                         0x65, 0x03, 0x04, 0x02, 0x01,
                                         0x05, 0x00, 0x04, 0x20 };
static const uint8_t prefix_sha384[] = { 0x30, 0x41, 0x30, 0x0d, 0x06,
                                         0x09, 0x60, 0x86, 0x48, 0x01,
                                         0x65, 0x03, 0x04, 0x02, 0x02,
                                         0x05, 0x00, 0x04, 0x30 };
static const uint8_t prefix_sha512[] = { 0x30, 0x51, 0x30, 0x0d, 0x06,
                                         0x09, 0x60, 0x86, 0x48, 0x01,
                                         0x65, 0x03, 0x04, 0x02, 0x03,
                                         0x05, 0x00, 0x04, 0x40 };

struct digest_alg {
    CK_MECHANISM_TYPE mech;
    const char *name; /* OpenSSL fetch name */
    const uint8_t *prefix;
    size_t prefix_len;
    size_t hash_len;
};

#define NALGS 5

/* The longest DigestInfo (SHA-512) fills MYNA_DIGESTINFO_MAX exactly. */
_Static_assert(sizeof(prefix_sha512) + 64 == MYNA_DIGESTINFO_MAX,
               "MYNA_DIGESTINFO_MAX");

static const struct digest_alg algs[NALGS] = {
    { CKM_SHA1_RSA_PKCS, "SHA1", prefix_sha1, sizeof(prefix_sha1), 20 },
    { CKM_SHA224_RSA_PKCS, "SHA224", prefix_sha224, sizeof(prefix_sha224), 28 },
    { CKM_SHA256_RSA_PKCS, "SHA256", prefix_sha256, sizeof(prefix_sha256), 32 },
    { CKM_SHA384_RSA_PKCS, "SHA384", prefix_sha384, sizeof(prefix_sha384), 48 },
    { CKM_SHA512_RSA_PKCS, "SHA512", prefix_sha512, sizeof(prefix_sha512), 64 },
};

/* Guarded by ctx_lock. */
static pthread_mutex_t ctx_lock = PTHREAD_MUTEX_INITIALIZER;
static OSSL_LIB_CTX *libctx;
static OSSL_PROVIDER *defprov;
static EVP_MD *mds[NALGS];

struct myna_digest {
    EVP_MD_CTX *ctx;
    const struct digest_alg *alg;
    bool finished;
};

static void
free_inlock(void)
{
    for (size_t i = 0; i < NALGS; i++) {
        EVP_MD_free(mds[i]);
        mds[i] = NULL;
    }
    if (defprov != NULL)
        OSSL_PROVIDER_unload(defprov);
    defprov = NULL;
    OSSL_LIB_CTX_free(libctx);
    libctx = NULL;
}

/* All or nothing: a context without every digest is not kept. */
static void
create_inlock(void)
{
    libctx = OSSL_LIB_CTX_new();
    if (libctx == NULL)
        return;
    defprov = OSSL_PROVIDER_load(libctx, "default");
    if (defprov == NULL)
        goto fail;
    for (size_t i = 0; i < NALGS; i++) {
        mds[i] = EVP_MD_fetch(libctx, algs[i].name, NULL);
        if (mds[i] == NULL)
            goto fail;
    }
    return;
fail:
    free_inlock();
}

OSSL_LIB_CTX *
myna_libctx(void)
{
    OSSL_LIB_CTX *ctx;

    pthread_mutex_lock(&ctx_lock);
    if (libctx == NULL)
        create_inlock();
    ctx = libctx;
    pthread_mutex_unlock(&ctx_lock);
    return ctx;
}

/* The caller (C_Finalize) has freed every struct myna_digest and X509
 * made in the context. */
void
myna_libctx_free(void)
{
    pthread_mutex_lock(&ctx_lock);
    free_inlock();
    pthread_mutex_unlock(&ctx_lock);
}

static const struct digest_alg *
find_alg(CK_MECHANISM_TYPE mech, size_t *idx)
{
    for (size_t i = 0; i < NALGS; i++) {
        if (algs[i].mech == mech) {
            if (idx != NULL)
                *idx = i;
            return &algs[i];
        }
    }
    return NULL;
}

int
myna_digest_mech_supported(CK_MECHANISM_TYPE mech)
{
    return find_alg(mech, NULL) != NULL;
}

/* The cached digest for algs[idx], creating the context if needed. */
static EVP_MD *
get_md(size_t idx)
{
    EVP_MD *md;

    pthread_mutex_lock(&ctx_lock);
    if (libctx == NULL)
        create_inlock();
    md = mds[idx];
    pthread_mutex_unlock(&ctx_lock);
    return md;
}

CK_RV
myna_digest_new(CK_MECHANISM_TYPE mech, struct myna_digest **d)
{
    const struct digest_alg *alg;
    struct myna_digest *nd = NULL;
    EVP_MD *md;
    size_t idx = 0;
    CK_RV rv;

    if (d == NULL)
        return CKR_ARGUMENTS_BAD;
    *d = NULL;
    alg = find_alg(mech, &idx);
    if (alg == NULL)
        return CKR_MECHANISM_INVALID;
    md = get_md(idx);
    if (md == NULL)
        return CKR_GENERAL_ERROR;

    nd = calloc(1, sizeof(*nd));
    if (nd == NULL)
        return CKR_HOST_MEMORY;
    nd->alg = alg;
    nd->ctx = EVP_MD_CTX_new();
    if (nd->ctx == NULL) {
        rv = CKR_HOST_MEMORY;
        goto out;
    }
    if (EVP_DigestInit_ex2(nd->ctx, md, NULL) != 1) {
        rv = CKR_FUNCTION_FAILED;
        goto out;
    }
    *d = nd;
    nd = NULL;
    rv = CKR_OK;
out:
    myna_digest_free(nd);
    return rv;
}

CK_RV
myna_digest_update(struct myna_digest *d, const uint8_t *data, size_t len)
{
    if (d == NULL || (data == NULL && len != 0))
        return CKR_ARGUMENTS_BAD;
    if (d->finished)
        return CKR_OPERATION_NOT_INITIALIZED;
    if (len == 0)
        return CKR_OK;
    if (EVP_DigestUpdate(d->ctx, data, len) != 1)
        return CKR_FUNCTION_FAILED;
    return CKR_OK;
}

CK_RV
myna_digest_final(struct myna_digest *d, uint8_t *out, size_t *len)
{
    const struct digest_alg *alg;
    unsigned int n = 0;

    if (len != NULL)
        *len = 0;
    if (d == NULL || out == NULL || len == NULL)
        return CKR_ARGUMENTS_BAD;
    if (d->finished)
        return CKR_OPERATION_NOT_INITIALIZED;
    alg = d->alg;
    d->finished = true;
    memcpy(out, alg->prefix, alg->prefix_len);
    if (EVP_DigestFinal_ex(d->ctx, out + alg->prefix_len, &n) != 1 ||
        n != alg->hash_len) {
        OPENSSL_cleanse(out, MYNA_DIGESTINFO_MAX);
        return CKR_FUNCTION_FAILED;
    }
    *len = alg->prefix_len + n;
    return CKR_OK;
}

void
myna_digest_free(struct myna_digest *d)
{
    if (d == NULL)
        return;
    /* EVP_MD_CTX_free cleanses the hash state. */
    EVP_MD_CTX_free(d->ctx);
    free(d);
}
