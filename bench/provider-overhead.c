/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench/provider-overhead.c - one RSA PKCS#1 v1.5 SHA-256 signature through
 * the "myna" provider against the same signature through direct PKCS#11
 * calls, in one process, on the same module, token and key (issue #4).
 *
 *   provider-overhead PROVDIR MODULE TOKEN ID-HEX PIN N [STATS]
 *
 * Direct: C_Initialize, one session, C_Login once, then per signature
 * C_SignInit + C_Sign with CKM_SHA256_RSA_PKCS.  Provider: a libctx with
 * "myna" + "default", the key from OSSL_STORE (pkcs11: URI), then per
 * signature EVP_DigestSignInit_ex + EVP_DigestSign (a new EVP_MD_CTX each
 * time, as an application signing one message does).  The provider shares
 * the module that this program initialised (p11.c), so both sides use the
 * same token and login.  After a warm-up of each, the N signatures of the
 * two sides alternate (direct first on even i, provider first on odd i),
 * so that drifts of the machine hit both alike.  Every signature is
 * checked against the public key.
 *
 * With STATS (myna-vcard --stats), the card's APDU counter is read around
 * N direct signatures and then around N provider signatures (no timing).
 *
 * Output, one line: "direct_median direct_mean prov_median prov_mean" in
 * microseconds, then "apdus_direct apdus_provider" when STATS is given.
 */
#define _POSIX_C_SOURCE 200809L

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include <openssl/store.h>

#include "pkcs11-3.h"

static CK_FUNCTION_LIST *f;
static CK_SESSION_HANDLE sess;
static CK_OBJECT_HANDLE key;
static EVP_PKEY *pkey, *pub;
static OSSL_LIB_CTX *libctx;
static const unsigned char msg[] = "myna provider-overhead benchmark";
/* The last signature; verified outside the timed part. */
static unsigned char sig[512];
static size_t siglen;

static void
die(const char *what, CK_RV rv)
{
    fprintf(stderr, "provider-overhead: %s failed (0x%lx)\n", what,
            (unsigned long)rv);
    ERR_print_errors_fp(stderr);
    exit(1);
}

static double
now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void
verify(void)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();

    if (md == NULL ||
        EVP_DigestVerifyInit_ex(md, NULL, "SHA256", NULL, NULL, pub, NULL) !=
            1 ||
        EVP_DigestVerify(md, sig, siglen, msg, sizeof(msg)) != 1)
        die("signature verification", 0);
    EVP_MD_CTX_free(md);
}

static void
sign_direct(void)
{
    CK_MECHANISM mech = { CKM_SHA256_RSA_PKCS, NULL, 0 };
    CK_ULONG len = sizeof(sig);
    CK_RV rv;

    rv = f->C_SignInit(sess, &mech, key);
    if (rv != CKR_OK)
        die("C_SignInit", rv);
    rv = f->C_Sign(sess, (CK_BYTE_PTR)msg, sizeof(msg), sig, &len);
    if (rv != CKR_OK)
        die("C_Sign", rv);
    siglen = len;
}

static void
sign_provider(void)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();

    siglen = sizeof(sig);
    if (md == NULL ||
        EVP_DigestSignInit_ex(md, NULL, "SHA256", libctx, NULL, pkey, NULL) !=
            1 ||
        EVP_DigestSign(md, sig, &siglen, msg, sizeof(msg)) != 1)
        die("EVP_DigestSign through the provider", 0);
    EVP_MD_CTX_free(md);
}

static void
p11_setup(const char *module, const char *token, const unsigned char *id,
          size_t idlen, const char *pin)
{
    CK_RV (*getfl)(CK_FUNCTION_LIST_PTR_PTR);
    CK_C_INITIALIZE_ARGS args = { .flags = CKF_OS_LOCKING_OK };
    CK_SLOT_ID slots[16];
    CK_ULONG n = 16, i, found = 0;
    CK_TOKEN_INFO ti;
    CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    CK_ATTRIBUTE tmpl[] = { { CKA_CLASS, &cls, sizeof(cls) },
                            { CKA_ID, (void *)id, idlen } };
    size_t tl = strlen(token);
    void *dl;
    CK_RV rv;

    dl = dlopen(module, RTLD_NOW | RTLD_LOCAL);
    if (dl == NULL) {
        fprintf(stderr, "provider-overhead: %s\n", dlerror());
        exit(1);
    }
    *(void **)&getfl = dlsym(dl, "C_GetFunctionList");
    if (getfl == NULL || (rv = getfl(&f)) != CKR_OK)
        die("C_GetFunctionList", 0);
    if ((rv = f->C_Initialize(&args)) != CKR_OK)
        die("C_Initialize", rv);
    if ((rv = f->C_GetSlotList(CK_TRUE, slots, &n)) != CKR_OK)
        die("C_GetSlotList", rv);
    for (i = 0; i < n; i++) {
        if (f->C_GetTokenInfo(slots[i], &ti) != CKR_OK || tl > 32 ||
            memcmp(ti.label, token, tl) != 0 ||
            (tl < 32 && ti.label[tl] != ' '))
            continue;
        break;
    }
    if (i == n)
        die("finding the token", 0);
    rv = f->C_OpenSession(slots[i], CKF_SERIAL_SESSION, NULL, NULL, &sess);
    if (rv != CKR_OK)
        die("C_OpenSession", rv);
    rv = f->C_Login(sess, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin));
    if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN)
        die("C_Login", rv);
    if ((rv = f->C_FindObjectsInit(sess, tmpl, 2)) != CKR_OK ||
        (rv = f->C_FindObjects(sess, &key, 1, &found)) != CKR_OK ||
        (rv = f->C_FindObjectsFinal(sess)) != CKR_OK || found != 1)
        die("finding the private key", rv);
}

static EVP_PKEY *
store_load(const char *uri, int type)
{
    OSSL_STORE_CTX *st;
    OSSL_STORE_INFO *info;
    EVP_PKEY *k = NULL;

    st = OSSL_STORE_open_ex(uri, libctx, NULL, NULL, NULL, NULL, NULL, NULL);
    if (st == NULL)
        die("OSSL_STORE_open_ex", 0);
    while (k == NULL && (info = OSSL_STORE_load(st)) != NULL) {
        if (OSSL_STORE_INFO_get_type(info) == type)
            k = type == OSSL_STORE_INFO_PKEY
                    ? OSSL_STORE_INFO_get1_PKEY(info)
                    : OSSL_STORE_INFO_get1_PUBKEY(info);
        OSSL_STORE_INFO_free(info);
    }
    OSSL_STORE_close(st);
    if (k == NULL)
        die(uri, 0);
    return k;
}

static int
cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

static void
summary(double *t, int n)
{
    double sum = 0;
    int i;

    for (i = 0; i < n; i++)
        sum += t[i];
    qsort(t, n, sizeof(*t), cmp);
    printf("%.1f %.1f", n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2,
           sum / n);
}

static long
apdus(const char *stats)
{
    char line[128];
    long v = -1;
    FILE *fp = fopen(stats, "r");

    if (fp == NULL)
        die(stats, 0);
    while (fgets(line, sizeof(line), fp) != NULL)
        if (strncmp(line, "apdus=", 6) == 0)
            v = strtol(line + 6, NULL, 10);
    fclose(fp);
    if (v < 0)
        die("reading apdus= from the stats file", 0);
    return v;
}

int
main(int argc, char **argv)
{
    unsigned char id[64];
    char uri[512], idpct[3 * 64 + 1];
    size_t idlen = 0, i;
    double *td, *tp, t0;
    int n, k;
    long a0, a1, a2;

    if (argc < 7 || argc > 8) {
        fprintf(stderr,
                "usage: %s PROVDIR MODULE TOKEN ID-HEX PIN N "
                "[STATS]\n",
                argv[0]);
        return 2;
    }
    n = atoi(argv[6]);
    for (i = 0; argv[4][2 * i] && argv[4][2 * i + 1] && i < sizeof(id); i++)
        sscanf(argv[4] + 2 * i, "%2hhx", &id[idlen++]);
    for (i = 0; i < idlen; i++)
        snprintf(idpct + 3 * i, 4, "%%%02x", id[i]);
    if (n < 1 || idlen == 0)
        return 2;

    /* The module first: the provider then shares it (and the login). */
    p11_setup(argv[2], argv[3], id, idlen, argv[5]);

    libctx = OSSL_LIB_CTX_new();
    setenv("MYNA_PROVIDER_MODULE", argv[2], 1);
    if (libctx == NULL ||
        !OSSL_PROVIDER_set_default_search_path(libctx, argv[1]) ||
        OSSL_PROVIDER_load(libctx, "myna") == NULL ||
        OSSL_PROVIDER_load(libctx, "default") == NULL)
        die("loading the providers", 0);
    /* token= takes the label percent-encoded; labels here have no '%;?' */
    snprintf(uri, sizeof(uri), "pkcs11:token=%s;id=%s;type=private", argv[3],
             idpct);
    for (i = 0; uri[i]; i++)
        if (uri[i] == ' ') {
            memmove(uri + i + 3, uri + i + 1, strlen(uri + i + 1) + 1);
            memcpy(uri + i, "%20", 3);
        }
    pkey = store_load(uri, OSSL_STORE_INFO_PKEY);
    memcpy(strstr(uri, "type=") + 5, "public\0", 7);
    pub = store_load(uri, OSSL_STORE_INFO_PUBKEY);

    if (argc == 8) { /* APDUs: warm-up, then N of each, not interleaved */
        sign_direct();
        verify();
        sign_provider();
        verify();
        a0 = apdus(argv[7]);
        for (k = 0; k < n; k++) {
            sign_direct();
            verify();
        }
        a1 = apdus(argv[7]);
        for (k = 0; k < n; k++) {
            sign_provider();
            verify();
        }
        a2 = apdus(argv[7]);
        printf("%ld %ld\n", a1 - a0, a2 - a1);
        return 0;
    }

    td = calloc(n, sizeof(*td));
    tp = calloc(n, sizeof(*tp));
    if (td == NULL || tp == NULL)
        return 1;
    for (k = 0; k < 50; k++) { /* warm-up */
        sign_direct();
        verify();
        sign_provider();
        verify();
    }
    for (k = 0; k < n; k++) {
        if (k % 2 == 0) {
            t0 = now_us();
            sign_direct();
            td[k] = now_us() - t0;
            verify();
        }
        t0 = now_us();
        sign_provider();
        tp[k] = now_us() - t0;
        verify();
        if (k % 2 == 1) {
            t0 = now_us();
            sign_direct();
            td[k] = now_us() - t0;
            verify();
        }
    }
    summary(td, n);
    putchar(' ');
    summary(tp, n);
    putchar('\n');
    free(td);
    free(tp);
    EVP_PKEY_free(pkey);
    EVP_PKEY_free(pub);
    OSSL_LIB_CTX_free(libctx);
    f->C_Logout(sess);
    f->C_CloseSession(sess);
    f->C_Finalize(NULL);
    return 0;
}
