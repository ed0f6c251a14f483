/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Certificate and RSA public-key attributes (pkcs11/x509.c) of
 * certificates made here with OpenSSL: an EC P-256 test CA and an
 * RSA-2048 end-entity certificate shaped like the card's authentication
 * certificate (card-protocol.md §12.3: C=JP, CN=..., serial 0705D990).
 * Every attribute value is checked, and anything that is not exactly one
 * certificate must be CKR_DEVICE_ERROR.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "digest.h"
#include "x509.h"

struct fixture {
    EVP_PKEY *ca_key, *ee_key;
    X509 *ca, *ee;
    unsigned char *ca_der, *ee_der;
    int ca_len, ee_len;
};

/* DER of the Name C=JP (PrintableString), CN=test (UTF8String). */
static const uint8_t ee_subject[] = {
    0x30, 0x1c, 0x31, 0x0b, 0x30, 0x09, 0x06, 0x03, 0x55, 0x04,
    0x06, 0x13, 0x02, 0x4a, 0x50, 0x31, 0x0d, 0x30, 0x0b, 0x06,
    0x03, 0x55, 0x04, 0x03, 0x0c, 0x04, 0x74, 0x65, 0x73, 0x74,
};
/* DER of INTEGER 0x0705D990. */
static const uint8_t ee_serial[] = { 0x02, 0x04, 0x07, 0x05, 0xd9, 0x90 };

static void
add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX v3;
    X509_EXTENSION *ext;

    X509V3_set_ctx(&v3, issuer, x, NULL, NULL, 0);
    ext = X509V3_EXT_nconf_nid(NULL, &v3, nid, value);
    assert_non_null(ext);
    assert_int_equal(X509_add_ext(x, ext, -1), 1);
    X509_EXTENSION_free(ext);
}

static X509 *
make_cert(EVP_PKEY *key, long serial, const char *cn, X509 *issuer,
          EVP_PKEY *issuer_key, const char *from, const char *to)
{
    X509 *x = X509_new();
    X509_NAME *name;

    assert_non_null(x);
    assert_int_equal(X509_set_version(x, X509_VERSION_3), 1);
    assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), serial), 1);
    name = X509_get_subject_name(x);
    assert_int_equal(X509_NAME_add_entry_by_txt(name, "C", MBSTRING_ASC,
                                                (const unsigned char *)"JP", -1,
                                                -1, 0),
                     1);
    assert_int_equal(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                                (const unsigned char *)cn, -1,
                                                -1, 0),
                     1);
    assert_int_equal(
        X509_set_issuer_name(x, X509_get_subject_name(issuer ? issuer : x)), 1);
    assert_int_equal(ASN1_TIME_set_string_X509(X509_getm_notBefore(x), from),
                     1);
    assert_int_equal(ASN1_TIME_set_string_X509(X509_getm_notAfter(x), to), 1);
    assert_int_equal(X509_set_pubkey(x, key), 1);
    add_ext(x, issuer ? issuer : x, NID_subject_key_identifier, "hash");
    if (issuer != NULL) {
        add_ext(x, issuer, NID_authority_key_identifier, "keyid:always");
        add_ext(x, issuer, NID_key_usage, "critical,digitalSignature");
    } else {
        add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE");
    }
    assert_true(X509_sign(x, issuer_key, EVP_sha256()) > 0);
    return x;
}

static int
setup_group(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));

    if (f == NULL)
        return -1;
    f->ca_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    f->ee_key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    if (f->ca_key == NULL || f->ee_key == NULL)
        return -1;
    /* GeneralizedTime after 2049 (RFC 5280 §4.1.2.5). */
    f->ca = make_cert(f->ca_key, 1, "Test CA", NULL, f->ca_key,
                      "20230716010104Z", "20600101000000Z");
    f->ee = make_cert(f->ee_key, 0x0705D990L, "test", f->ca, f->ca_key,
                      "20240122000000Z", "20241225145959Z");
    f->ca_len = i2d_X509(f->ca, &f->ca_der);
    f->ee_len = i2d_X509(f->ee, &f->ee_der);
    if (f->ca_len <= 0 || f->ee_len <= 0)
        return -1;
    *state = f;
    return 0;
}

static int
teardown_group(void **state)
{
    struct fixture *f = *state;

    OPENSSL_free(f->ca_der);
    OPENSSL_free(f->ee_der);
    X509_free(f->ca);
    X509_free(f->ee);
    EVP_PKEY_free(f->ca_key);
    EVP_PKEY_free(f->ee_key);
    free(f);
    myna_libctx_free();
    return 0;
}

static void
assert_attr(const struct myna_attrs *a, CK_ATTRIBUTE_TYPE type,
            const void *value, size_t len)
{
    const struct myna_attr *it = myna_attrs_find(a, type);

    if (it == NULL)
        fail_msg("attribute 0x%lx missing", (unsigned long)type);
    assert_int_equal(it->len, len);
    assert_false(it->sensitive);
    if (len == 0)
        assert_null(it->value);
    else
        assert_memory_equal(it->value, value, len);
}

static void
assert_ulong(const struct myna_attrs *a, CK_ATTRIBUTE_TYPE type, CK_ULONG v)
{
    assert_attr(a, type, &v, sizeof(v));
}

static void
assert_name(const struct myna_attrs *a, CK_ATTRIBUTE_TYPE type,
            const X509_NAME *name)
{
    unsigned char *der = NULL;
    int len = i2d_X509_NAME(name, &der);

    assert_true(len > 0);
    assert_attr(a, type, der, (size_t)len);
    OPENSSL_free(der);
}

static void
sha1(const void *data, size_t len, uint8_t out[20])
{
    unsigned int n = 0;

    assert_int_equal(EVP_Digest(data, len, out, &n, EVP_sha1(), NULL), 1);
    assert_int_equal(n, 20);
}

/* The SHA-1 of the subjectPublicKey BIT STRING (PKCS#11 §4.6.3). */
static void
spk_hash(X509 *x, uint8_t out[20])
{
    unsigned int n = 0;

    assert_int_equal(X509_pubkey_digest(x, EVP_sha1(), out, &n), 1);
    assert_int_equal(n, 20);
}

static void
test_cert_attrs(void **state)
{
    struct fixture *f = *state;
    struct myna_attrs a;
    uint8_t h[20], issuer_h[20];
    const ASN1_OCTET_STRING *ski;

    myna_attrs_init(&a);
    assert_int_equal(
        myna_x509_cert_attrs(&a, f->ee_der, (size_t)f->ee_len, false), CKR_OK);
    assert_ulong(&a, CKA_CERTIFICATE_TYPE, CKC_X_509);
    assert_attr(&a, CKA_SUBJECT, ee_subject, sizeof(ee_subject));
    assert_name(&a, CKA_SUBJECT, X509_get_subject_name(f->ee));
    assert_name(&a, CKA_ISSUER, X509_get_subject_name(f->ca));
    assert_attr(&a, CKA_SERIAL_NUMBER, ee_serial, sizeof(ee_serial));
    assert_attr(&a, CKA_VALUE, f->ee_der, (size_t)f->ee_len);
    assert_attr(&a, CKA_START_DATE, "20240122", 8);
    assert_attr(&a, CKA_END_DATE, "20241225", 8);
    sha1(f->ee_der, (size_t)f->ee_len, h);
    assert_attr(&a, CKA_CHECK_VALUE, h, 3);
    /* Method 1 of RFC 5280 §4.2.1.2: the SKI is that same hash. */
    spk_hash(f->ee, h);
    ski = X509_get0_subject_key_id(f->ee);
    assert_non_null(ski);
    assert_int_equal(ASN1_STRING_length(ski), 20);
    assert_memory_equal(ASN1_STRING_get0_data(ski), h, 20);
    assert_attr(&a, CKA_HASH_OF_SUBJECT_PUBLIC_KEY, h, 20);
    spk_hash(f->ca, issuer_h);
    assert_attr(&a, CKA_HASH_OF_ISSUER_PUBLIC_KEY, issuer_h, 20);
    assert_ulong(&a, CKA_NAME_HASH_ALGORITHM, CKM_SHA_1);
    assert_ulong(&a, CKA_CERTIFICATE_CATEGORY, 1); /* token user */
    assert_ulong(&a, CKA_JAVA_MIDP_SECURITY_DOMAIN, 0);
    assert_attr(&a, CKA_URL, NULL, 0);
    assert_attr(&a, CKA_TRUSTED, &(CK_BBOOL){ CK_FALSE }, sizeof(CK_BBOOL));
    assert_int_equal(a.n, 15);
    myna_attrs_clear(&a);
}

/* A CA certificate without an AKI: empty hash of the issuer key. */
static void
test_cert_attrs_ca(void **state)
{
    struct fixture *f = *state;
    struct myna_attrs a;
    uint8_t h[20];

    myna_attrs_init(&a);
    assert_int_equal(
        myna_x509_cert_attrs(&a, f->ca_der, (size_t)f->ca_len, true), CKR_OK);
    assert_name(&a, CKA_SUBJECT, X509_get_subject_name(f->ca));
    assert_name(&a, CKA_ISSUER, X509_get_subject_name(f->ca));
    assert_attr(&a, CKA_SERIAL_NUMBER, "\x02\x01\x01", 3);
    assert_attr(&a, CKA_START_DATE, "20230716", 8);
    assert_attr(&a, CKA_END_DATE, "20600101", 8);
    spk_hash(f->ca, h);
    assert_attr(&a, CKA_HASH_OF_SUBJECT_PUBLIC_KEY, h, 20);
    assert_attr(&a, CKA_HASH_OF_ISSUER_PUBLIC_KEY, NULL, 0);
    assert_ulong(&a, CKA_CERTIFICATE_CATEGORY, 2); /* authority */
    /* Setting again replaces, it does not duplicate. */
    assert_int_equal(
        myna_x509_cert_attrs(&a, f->ca_der, (size_t)f->ca_len, true), CKR_OK);
    assert_int_equal(a.n, 15);
    myna_attrs_clear(&a);
}

static void
test_rsa_attrs(void **state)
{
    struct fixture *f = *state;
    struct myna_attrs a;
    BIGNUM *n = NULL;
    uint8_t mod[256];
    unsigned char *spki = NULL;
    int spki_len;

    myna_attrs_init(&a);
    assert_int_equal(myna_x509_rsa_attrs(&a, f->ee_der, (size_t)f->ee_len),
                     CKR_OK);
    assert_ulong(&a, CKA_KEY_TYPE, CKK_RSA);
    assert_int_equal(
        EVP_PKEY_get_bn_param(f->ee_key, OSSL_PKEY_PARAM_RSA_N, &n), 1);
    assert_int_equal(BN_bn2binpad(n, mod, sizeof(mod)), 256);
    BN_free(n);
    assert_true(mod[0] & 0x80); /* exactly 2048 bits, no padding byte */
    assert_attr(&a, CKA_MODULUS, mod, sizeof(mod));
    assert_attr(&a, CKA_PUBLIC_EXPONENT, "\x01\x00\x01", 3);
    assert_ulong(&a, CKA_MODULUS_BITS, 2048);
    assert_attr(&a, CKA_SUBJECT, ee_subject, sizeof(ee_subject));
    spki_len = i2d_PUBKEY(f->ee_key, &spki);
    assert_true(spki_len > 0);
    assert_attr(&a, CKA_PUBLIC_KEY_INFO, spki, (size_t)spki_len);
    OPENSSL_free(spki);
    assert_int_equal(a.n, 6);
    myna_attrs_clear(&a);
}

static void
test_serial_hex(void **state)
{
    struct fixture *f = *state;
    const uint8_t *der = f->ee_der;
    size_t len = (size_t)f->ee_len;
    char out[17];

    assert_int_equal(myna_x509_serial_hex(der, len, out, sizeof(out)), CKR_OK);
    assert_string_equal(out, "0705d990");
    assert_int_equal(myna_x509_serial_hex(der, len, out, 9), CKR_OK);
    assert_string_equal(out, "0705d990");
    assert_int_equal(myna_x509_serial_hex(der, len, out, 5), CKR_OK);
    assert_string_equal(out, "0705");
    assert_int_equal(myna_x509_serial_hex(der, len, out, 4), CKR_OK);
    assert_string_equal(out, "070");
    assert_int_equal(myna_x509_serial_hex(der, len, out, 1), CKR_OK);
    assert_string_equal(out, "");
    assert_int_equal(myna_x509_serial_hex(der, len, out, 0), CKR_ARGUMENTS_BAD);
    assert_int_equal(myna_x509_serial_hex(der, len, NULL, 5),
                     CKR_ARGUMENTS_BAD);
    assert_int_equal(
        myna_x509_serial_hex(f->ca_der, (size_t)f->ca_len, out, sizeof(out)),
        CKR_OK);
    assert_string_equal(out, "01");
    memcpy(out, "xyz", 4);
    assert_int_equal(myna_x509_serial_hex(der, len - 1, out, sizeof(out)),
                     CKR_DEVICE_ERROR);
    assert_string_equal(out, "");
}

/* Every function rejects the input, the list stays empty, and nothing is
 * left on the thread's OpenSSL error queue. */
static void
assert_rejected(const uint8_t *der, size_t len)
{
    struct myna_attrs a;
    char hex[17];

    ERR_clear_error();
    myna_attrs_init(&a);
    assert_int_equal(myna_x509_cert_attrs(&a, der, len, false),
                     CKR_DEVICE_ERROR);
    assert_int_equal(myna_x509_rsa_attrs(&a, der, len), CKR_DEVICE_ERROR);
    assert_int_equal(myna_x509_serial_hex(der, len, hex, sizeof(hex)),
                     CKR_DEVICE_ERROR);
    assert_int_equal(a.n, 0);
    assert_int_equal(ERR_peek_error(), 0);
    myna_attrs_clear(&a);
}

static void
test_garbage(void **state)
{
    static const uint8_t zeros[64];
    static const uint8_t header_only[] = { 0x30, 0x82, 0x05, 0x00 };
    static const uint8_t huge_len[] = { 0x30, 0x84, 0xff, 0xff,
                                        0xff, 0xff, 0x30, 0x00 };
    uint8_t junk[512];

    (void)state;
    for (size_t i = 0; i < sizeof(junk); i++)
        junk[i] = (uint8_t)(i * 131 + 17);
    assert_rejected(NULL, 0);
    assert_rejected(NULL, 100);
    assert_rejected(zeros, 0);
    assert_rejected(zeros, sizeof(zeros));
    assert_rejected(junk, sizeof(junk));
    assert_rejected(header_only, sizeof(header_only));
    assert_rejected(huge_len, sizeof(huge_len));
}

/* Every proper prefix of the certificate. */
static void
test_truncated(void **state)
{
    struct fixture *f = *state;

    for (int len = 0; len < f->ee_len; len++)
        assert_rejected(f->ee_der, (size_t)len);
}

static void
test_trailing(void **state)
{
    struct fixture *f = *state;
    size_t len = (size_t)f->ee_len;
    uint8_t *buf = malloc(2 * len);

    assert_non_null(buf);
    memcpy(buf, f->ee_der, len);
    buf[len] = 0x00;
    assert_rejected(buf, len + 1);
    buf[len] = 0x30;
    assert_rejected(buf, len + 1);
    /* Two certificates back to back are not one. */
    memcpy(buf + len, f->ee_der, len);
    assert_rejected(buf, 2 * len);
    free(buf);
}

/* Validity times that are not dates: no CK_DATE, so not a certificate
 * for any of the three functions. */
static void
test_bad_dates(void **state)
{
    static const char not_after[] = "\x17\x0d"
                                    "241225145959Z";
    struct fixture *f = *state;
    size_t len = (size_t)f->ee_len, off;
    uint8_t *buf = malloc(len);
    uint8_t *p;

    assert_non_null(buf);
    memcpy(buf, f->ee_der, len);
    p = memmem(buf, len, not_after, sizeof(not_after) - 1);
    assert_non_null(p);
    off = (size_t)(p - buf);
    buf[off + 14] = '['; /* not 'Z' */
    assert_rejected(buf, len);
    buf[off + 14] = 'Z';
    memcpy(buf + off + 4, "13", 2); /* month 13 */
    assert_rejected(buf, len);
    memcpy(buf + off + 4, "02", 2);
    memcpy(buf + off + 6, "30", 2); /* 30 February */
    assert_rejected(buf, len);
    memcpy(buf + off + 4, "12", 2);
    memcpy(buf + off + 6, "25", 2);
    assert_memory_equal(buf, f->ee_der, len); /* restored: accepted */
    free(buf);
}

/* A certificate for an EC key has certificate attributes but no RSA
 * public-key attributes. */
static void
test_ec_key(void **state)
{
    struct fixture *f = *state;
    struct myna_attrs a;

    myna_attrs_init(&a);
    assert_int_equal(myna_x509_rsa_attrs(&a, f->ca_der, (size_t)f->ca_len),
                     CKR_DEVICE_ERROR);
    assert_int_equal(a.n, 0);
    assert_int_equal(
        myna_x509_cert_attrs(&a, f->ca_der, (size_t)f->ca_len, true), CKR_OK);
    myna_attrs_clear(&a);
}

/* A signature byte flipped: still parses (no verification here). */
static void
test_corrupt_signature(void **state)
{
    struct fixture *f = *state;
    size_t len = (size_t)f->ee_len;
    uint8_t *buf = malloc(len);
    struct myna_attrs a;

    assert_non_null(buf);
    memcpy(buf, f->ee_der, len);
    buf[len - 1] ^= 0xff;
    myna_attrs_init(&a);
    assert_int_equal(myna_x509_cert_attrs(&a, buf, len, false), CKR_OK);
    assert_int_equal(myna_x509_rsa_attrs(&a, buf, len), CKR_OK);
    myna_attrs_clear(&a);
    free(buf);
}

static void
test_bad_args(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(
        myna_x509_cert_attrs(NULL, f->ee_der, (size_t)f->ee_len, false),
        CKR_ARGUMENTS_BAD);
    assert_int_equal(myna_x509_rsa_attrs(NULL, f->ee_der, (size_t)f->ee_len),
                     CKR_ARGUMENTS_BAD);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cert_attrs),
        cmocka_unit_test(test_cert_attrs_ca),
        cmocka_unit_test(test_rsa_attrs),
        cmocka_unit_test(test_serial_hex),
        cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_trailing),
        cmocka_unit_test(test_bad_dates),
        cmocka_unit_test(test_ec_key),
        cmocka_unit_test(test_corrupt_signature),
        cmocka_unit_test(test_bad_args),
    };

    return cmocka_run_group_tests(tests, setup_group, teardown_group);
}
