/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A PKI made in-process for the trust unit tests (test-pki.h). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <dirent.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "test-pki.h"

#define N_KEYS 5

static EVP_PKEY *keys[N_KEYS];
static char dir[PATH_MAX];
static char path[PATH_MAX];

EVP_PKEY *
tpki_key(int which)
{
    assert_true(which >= 0 && which < N_KEYS);
    if (keys[which] == NULL)
        keys[which] = EVP_RSA_gen(2048);
    assert_non_null(keys[which]);
    return keys[which];
}

static void
add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509_EXTENSION *ext;

    X509V3_set_ctx(&ctx, issuer != NULL ? issuer : x, x, NULL, NULL, 0);
    ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    assert_non_null(ext);
    assert_true(X509_add_ext(x, ext, -1));
    X509_EXTENSION_free(ext);
}

static X509 *
new_cert(const X509_NAME *subject, const X509_NAME *issuer, EVP_PKEY *key,
         const unsigned char *serial, size_t serial_len, long long nb,
         long long na)
{
    X509 *x = X509_new();
    BIGNUM *bn = BN_bin2bn(serial, (int)serial_len, NULL);

    assert_non_null(x);
    assert_non_null(bn);
    assert_true(X509_set_version(x, X509_VERSION_3));
    assert_non_null(BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)));
    BN_free(bn);
    assert_true(X509_set_issuer_name(x, issuer));
    assert_true(X509_set_subject_name(x, subject));
    assert_non_null(ASN1_TIME_set(X509_getm_notBefore(x), (time_t)nb));
    assert_non_null(ASN1_TIME_set(X509_getm_notAfter(x), (time_t)na));
    assert_true(X509_set_pubkey(x, key));
    return x;
}

X509 *
tpki_ca(EVP_PKEY *key, const char *org, const char *ou, long long nb,
        long long na)
{
    static const unsigned char serial[] = { 0x01 };
    X509_NAME *name = X509_NAME_new();
    X509 *x;

    assert_non_null(name);
    assert_true(X509_NAME_add_entry_by_txt(
        name, "C", MBSTRING_UTF8, (const unsigned char *)"JP", -1, -1, 0));
    assert_true(X509_NAME_add_entry_by_txt(
        name, "O", MBSTRING_UTF8, (const unsigned char *)org, -1, -1, 0));
    assert_true(X509_NAME_add_entry_by_txt(
        name, "OU", MBSTRING_UTF8, (const unsigned char *)ou, -1, -1, 0));
    x = new_cert(name, name, key, serial, sizeof(serial), nb, na);
    X509_NAME_free(name);
    add_ext(x, NULL, NID_basic_constraints, "critical,CA:TRUE");
    add_ext(x, NULL, NID_key_usage, "critical,keyCertSign,cRLSign");
    add_ext(x, NULL, NID_subject_key_identifier, "hash");
    assert_true(X509_sign(x, key, EVP_sha256()) > 0);
    return x;
}

X509 *
tpki_issue(X509 *ca, EVP_PKEY *ca_key, EVP_PKEY *key,
           const unsigned char *serial, size_t serial_len, long long nb,
           long long na, const char *key_usage)
{
    X509_NAME *name = X509_NAME_new();
    X509 *x;

    assert_non_null(name);
    assert_true(X509_NAME_add_entry_by_txt(
        name, "C", MBSTRING_UTF8, (const unsigned char *)"JP", -1, -1, 0));
    assert_true(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                           (const unsigned char *)"TESTUSER",
                                           -1, -1, 0));
    x = new_cert(name, X509_get_subject_name(ca), key, serial, serial_len, nb,
                 na);
    X509_NAME_free(name);
    if (key_usage != NULL)
        add_ext(x, NULL, NID_key_usage, key_usage);
    add_ext(x, ca, NID_authority_key_identifier, "keyid:always");
    assert_true(X509_sign(x, ca_key, EVP_sha256()) > 0);
    return x;
}

X509_CRL *
tpki_crl(X509 *ca, EVP_PKEY *ca_key, long long this_update,
         long long next_update, X509 *const *revoked, size_t n)
{
    X509_CRL *crl = X509_CRL_new();
    ASN1_TIME *t = ASN1_TIME_new();

    assert_non_null(crl);
    assert_non_null(t);
    assert_true(X509_CRL_set_version(crl, X509_CRL_VERSION_2));
    assert_true(X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca)));
    assert_non_null(ASN1_TIME_set(t, (time_t)this_update));
    assert_true(X509_CRL_set1_lastUpdate(crl, t));
    if (next_update >= 0) {
        assert_non_null(ASN1_TIME_set(t, (time_t)next_update));
        assert_true(X509_CRL_set1_nextUpdate(crl, t));
    }
    for (size_t i = 0; i < n; i++) {
        X509_REVOKED *r = X509_REVOKED_new();

        assert_non_null(r);
        /* X509_REVOKED_set_serialNumber copies it; the API is not const */
        assert_true(X509_REVOKED_set_serialNumber(
            r, (ASN1_INTEGER *)X509_get0_serialNumber(revoked[i])));
        assert_non_null(ASN1_TIME_set(t, (time_t)this_update));
        assert_true(X509_REVOKED_set_revocationDate(r, t));
        assert_true(X509_CRL_add0_revoked(crl, r));
    }
    ASN1_TIME_free(t);
    assert_true(X509_CRL_sort(crl));
    assert_true(X509_CRL_sign(crl, ca_key, EVP_sha256()) > 0);
    return crl;
}

const char *
tpki_dir(void)
{
    if (dir[0] == '\0') {
        const char *tmp = getenv("TMPDIR");

        int n = snprintf(dir, sizeof(dir), "%s/myna-test-trust.XXXXXX",
                         tmp != NULL ? tmp : "/tmp");

        assert_true(n > 0 && (size_t)n < sizeof(dir));
        assert_non_null(mkdtemp(dir));
    }
    return dir;
}

static FILE *
open_in_dir(const char *name)
{
    int n = snprintf(path, sizeof(path), "%s/%s", tpki_dir(), name);
    FILE *f;

    assert_true(n > 0 && (size_t)n < sizeof(path));
    f = fopen(path, "w");
    assert_non_null(f);
    return f;
}

const char *
tpki_write_certs(const char *name, X509 *const *certs, size_t n)
{
    FILE *f = open_in_dir(name);

    for (size_t i = 0; i < n; i++)
        assert_true(PEM_write_X509(f, certs[i]));
    assert_int_equal(fclose(f), 0);
    return path;
}

const char *
tpki_write_crl(const char *name, X509_CRL *crl)
{
    FILE *f = open_in_dir(name);

    assert_true(PEM_write_X509_CRL(f, crl));
    assert_int_equal(fclose(f), 0);
    return path;
}

/* The directory holds plain files only (tpki_write_*). */
void
tpki_cleanup(void)
{
    DIR *d;
    struct dirent *e;

    for (int i = 0; i < N_KEYS; i++) {
        EVP_PKEY_free(keys[i]);
        keys[i] = NULL;
    }
    if (dir[0] == '\0' || getenv("KEEP_TEST_PKI") != NULL ||
        (d = opendir(dir)) == NULL)
        return;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (strlen(dir) + strlen(e->d_name) + 2 > sizeof(path))
            continue;
        strcpy(path, dir);
        strcat(path, "/");
        strcat(path, e->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(dir);
}
