/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The "myna" provider from several threads (issue #4: thread safety):
 * NTHREADS threads share one token key (loaded once through OSSL_STORE)
 * and each makes NSIGS EVP_DigestSign calls over its own messages; every
 * signature is verified with the token's public key (by OpenSSL's own RSA,
 * in the default library context).
 *
 *   provider-threads PROVDIR PRIVATE-URI PUBLIC-URI
 *
 * The module comes from MYNA_PROVIDER_MODULE (softhsm2 in provider.sh).
 * Exit status 0 when all signatures verify.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include <openssl/store.h>

#define NTHREADS 4
#define NSIGS 50

static OSSL_LIB_CTX *libctx;
static EVP_PKEY *priv, *pub;

static EVP_PKEY *
load(const char *uri, int type)
{
    OSSL_STORE_CTX *st;
    OSSL_STORE_INFO *info;
    EVP_PKEY *k = NULL;

    st = OSSL_STORE_open_ex(uri, libctx, NULL, NULL, NULL, NULL, NULL, NULL);
    while (st != NULL && k == NULL && (info = OSSL_STORE_load(st)) != NULL) {
        if (OSSL_STORE_INFO_get_type(info) == type)
            k = type == OSSL_STORE_INFO_PKEY
                    ? OSSL_STORE_INFO_get1_PKEY(info)
                    : OSSL_STORE_INFO_get1_PUBKEY(info);
        OSSL_STORE_INFO_free(info);
    }
    OSSL_STORE_close(st);
    return k;
}

static int
sign_verify(const unsigned char *msg, size_t len)
{
    unsigned char sig[1024];
    size_t siglen = sizeof(sig);
    EVP_MD_CTX *s = EVP_MD_CTX_new(), *v = EVP_MD_CTX_new();
    int ok;

    ok = s != NULL && v != NULL &&
         EVP_DigestSignInit_ex(s, NULL, "SHA256", libctx, NULL, priv, NULL) ==
             1 &&
         EVP_DigestSign(s, sig, &siglen, msg, len) == 1 &&
         EVP_DigestVerifyInit_ex(v, NULL, "SHA256", NULL, NULL, pub, NULL) ==
             1 &&
         EVP_DigestVerify(v, sig, siglen, msg, len) == 1;
    EVP_MD_CTX_free(s);
    EVP_MD_CTX_free(v);
    return ok;
}

static void *
worker(void *arg)
{
    long id = (long)arg, bad = 0;
    char msg[64];
    int i, len;

    for (i = 0; i < NSIGS; i++) {
        len = snprintf(msg, sizeof(msg), "thread %ld message %d", id, i);
        if (!sign_verify((const unsigned char *)msg, (size_t)len)) {
            ERR_print_errors_fp(stderr);
            bad++;
        }
    }
    return (void *)bad;
}

int
main(int argc, char **argv)
{
    pthread_t t[NTHREADS];
    void *bad;
    long nbad = 0, i;

    if (argc != 4) {
        fprintf(stderr, "usage: %s PROVDIR PRIVATE-URI PUBLIC-URI\n", argv[0]);
        return 2;
    }
    libctx = OSSL_LIB_CTX_new();
    if (libctx == NULL ||
        !OSSL_PROVIDER_set_default_search_path(libctx, argv[1]) ||
        OSSL_PROVIDER_load(libctx, "myna") == NULL ||
        OSSL_PROVIDER_load(libctx, "default") == NULL ||
        (priv = load(argv[2], OSSL_STORE_INFO_PKEY)) == NULL ||
        (pub = load(argv[3], OSSL_STORE_INFO_PUBKEY)) == NULL) {
        ERR_print_errors_fp(stderr);
        return 1;
    }
    for (i = 0; i < NTHREADS; i++)
        if (pthread_create(&t[i], NULL, worker, (void *)i) != 0)
            return 1;
    for (i = 0; i < NTHREADS; i++) {
        pthread_join(t[i], &bad);
        nbad += (long)bad;
    }
    printf("%d threads x %d signatures: %ld failed\n", NTHREADS, NSIGS, nbad);
    EVP_PKEY_free(priv);
    EVP_PKEY_free(pub);
    OSSL_LIB_CTX_free(libctx);
    return nbad == 0 ? 0 : 1;
}
