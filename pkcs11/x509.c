/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Certificate and RSA public-key attributes (PKCS#11 3.0 base spec §4.6.3
 * X.509 public-key certificate objects, mechanisms spec §2.1.2 RSA public
 * key objects) from the DER bytes of a certificate EF.  The bytes come from
 * a card and are untrusted: anything but exactly one certificate is
 * CKR_DEVICE_ERROR.  All OpenSSL work happens in the module's private
 * OSSL_LIB_CTX (digest.h), and the errors OpenSSL queues for a rejected
 * certificate are popped again: the thread's error queue belongs to the
 * application.
 */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "digest.h"
#include "x509.h"

#define SHA1_LEN 20

/* CKA_CERTIFICATE_CATEGORY values (§4.6.2); p11-kit's 2.40
 * header has the attribute but not the values. */
#define CATEGORY_TOKEN_USER 1UL
#define CATEGORY_AUTHORITY 2UL

/* The DER-encoded values of myna_x509_cert_attrs, gathered before any
 * attribute is set so that a bad certificate leaves the list alone. */
struct cert_values {
    unsigned char *subject, *issuer, *serial;
    int subject_len, issuer_len, serial_len;
    CK_DATE start, end;
    uint8_t value_hash[SHA1_LEN];
    uint8_t spk_hash[SHA1_LEN];
    const unsigned char *akid; /* points into the X509 */
    int akid_len;
};

/* SHA-1 from the private context (never an implicit fetch in the
 * application's default context). */
static CK_RV
sha1(const void *data, size_t len, uint8_t out[SHA1_LEN])
{
    OSSL_LIB_CTX *ctx = myna_libctx();
    EVP_MD *md;
    unsigned int n = 0;
    CK_RV rv = CKR_OK;

    if (ctx == NULL)
        return CKR_GENERAL_ERROR;
    md = EVP_MD_fetch(ctx, "SHA1", NULL);
    if (md == NULL)
        return CKR_GENERAL_ERROR;
    if (EVP_Digest(data, len, out, &n, md, NULL) != 1 || n != SHA1_LEN)
        rv = CKR_FUNCTION_FAILED;
    EVP_MD_free(md);
    return rv;
}

static void
put_digits(CK_CHAR *out, size_t n, int v)
{
    for (size_t i = n; i > 0; i--) {
        out[i - 1] = (CK_CHAR)('0' + v % 10);
        v /= 10;
    }
}

/* CK_DATE (base spec §3.4): "YYYY" "MM" "DD" in ASCII, no NUL. */
static CK_RV
time_to_date(const ASN1_TIME *t, CK_DATE *d)
{
    struct tm tm;
    int year;

    memset(&tm, 0, sizeof(tm));
    if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
        return CKR_DEVICE_ERROR;
    year = tm.tm_year + 1900;
    if (year < 0 || year > 9999 || tm.tm_mon < 0 || tm.tm_mon > 11 ||
        tm.tm_mday < 1 || tm.tm_mday > 31)
        return CKR_DEVICE_ERROR;
    put_digits(d->year, sizeof(d->year), year);
    put_digits(d->month, sizeof(d->month), tm.tm_mon + 1);
    put_digits(d->day, sizeof(d->day), tm.tm_mday);
    return CKR_OK;
}

/*
 * Exactly one DER certificate, nothing after it: trailing bytes would mean
 * CKA_VALUE differs from the certificate that was parsed.  The validity
 * dates must be real dates too, so that the three functions below agree
 * on what a certificate is.  d2i_X509 frees and clears *x when decoding
 * fails, but leaves it set when caching the extensions fails (invalid
 * extensions), so x is freed in both cases.
 */
static CK_RV
parse_cert(const uint8_t *der, size_t len, X509 **out)
{
    const unsigned char *p = der;
    OSSL_LIB_CTX *ctx;
    CK_DATE d;
    X509 *x;

    *out = NULL;
    if (der == NULL || len == 0 || len > LONG_MAX)
        return CKR_DEVICE_ERROR;
    ctx = myna_libctx();
    if (ctx == NULL)
        return CKR_GENERAL_ERROR;
    x = X509_new_ex(ctx, NULL);
    if (x == NULL)
        return CKR_HOST_MEMORY;
    if (d2i_X509(&x, &p, (long)len) == NULL || p != der + len ||
        time_to_date(X509_get0_notBefore(x), &d) != CKR_OK ||
        time_to_date(X509_get0_notAfter(x), &d) != CKR_OK) {
        X509_free(x);
        return CKR_DEVICE_ERROR;
    }
    *out = x;
    return CKR_OK;
}

static void
cert_values_free(struct cert_values *v)
{
    OPENSSL_free(v->subject);
    OPENSSL_free(v->issuer);
    OPENSSL_free(v->serial);
}

static CK_RV
cert_values_get(X509 *x, const uint8_t *der, size_t len, struct cert_values *v)
{
    const ASN1_BIT_STRING *spk = X509_get0_pubkey_bitstr(x);
    const ASN1_OCTET_STRING *akid = X509_get0_authority_key_id(x);
    CK_RV rv;

    memset(v, 0, sizeof(*v));
    v->subject_len = i2d_X509_NAME(X509_get_subject_name(x), &v->subject);
    v->issuer_len = i2d_X509_NAME(X509_get_issuer_name(x), &v->issuer);
    v->serial_len = i2d_ASN1_INTEGER(X509_get0_serialNumber(x), &v->serial);
    if (v->subject_len <= 0 || v->issuer_len <= 0 || v->serial_len <= 0)
        return CKR_DEVICE_ERROR;
    rv = time_to_date(X509_get0_notBefore(x), &v->start);
    if (rv == CKR_OK)
        rv = time_to_date(X509_get0_notAfter(x), &v->end);
    if (rv != CKR_OK)
        return rv;
    /* §4.6.3: CKA_CHECK_VALUE is over the whole CKA_VALUE. */
    rv = sha1(der, len, v->value_hash);
    if (rv != CKR_OK)
        return rv;
    /* §4.6.3: the hash of the subjectPublicKey BIT STRING contents, the
     * form OCSP uses for issuerKeyHash (RFC 6960 §4.1.1). */
    if (spk == NULL || ASN1_STRING_length(spk) < 0)
        return CKR_DEVICE_ERROR;
    rv = sha1(ASN1_STRING_get0_data(spk), (size_t)ASN1_STRING_length(spk),
              v->spk_hash);
    if (rv != CKR_OK)
        return rv;
    /* RFC 5280 §4.2.1.1: the issuer's key identifier, usually its SHA-1
     * (§4.2.1.2 method 1); empty when the certificate has none. */
    if (akid != NULL && ASN1_STRING_length(akid) > 0) {
        v->akid = ASN1_STRING_get0_data(akid);
        v->akid_len = ASN1_STRING_length(akid);
    }
    return CKR_OK;
}

static CK_RV
cert_values_set(struct myna_attrs *a, const struct cert_values *v,
                const uint8_t *der, size_t len, bool is_ca)
{
    CK_RV rv;

    rv = myna_attrs_set_ulong(a, CKA_CERTIFICATE_TYPE, CKC_X_509);
    if (rv == CKR_OK)
        rv = myna_attrs_set(a, CKA_SUBJECT, v->subject,
                            (CK_ULONG)v->subject_len);
    if (rv == CKR_OK)
        rv = myna_attrs_set(a, CKA_ISSUER, v->issuer, (CK_ULONG)v->issuer_len);
    if (rv == CKR_OK)
        rv = myna_attrs_set(a, CKA_SERIAL_NUMBER, v->serial,
                            (CK_ULONG)v->serial_len);
    if (rv == CKR_OK)
        rv = myna_attrs_set(a, CKA_VALUE, der, len);
    if (rv == CKR_OK)
        rv = myna_attrs_set(a, CKA_START_DATE, &v->start, sizeof(v->start));
    if (rv == CKR_OK)
        rv = myna_attrs_set(a, CKA_END_DATE, &v->end, sizeof(v->end));
    if (rv == CKR_OK)
        rv = myna_attrs_set(a, CKA_CHECK_VALUE, v->value_hash, 3);
    if (rv == CKR_OK)
        rv = myna_attrs_set(a, CKA_HASH_OF_SUBJECT_PUBLIC_KEY, v->spk_hash,
                            SHA1_LEN);
    if (rv == CKR_OK)
        rv = myna_attrs_set(a, CKA_HASH_OF_ISSUER_PUBLIC_KEY, v->akid,
                            (CK_ULONG)v->akid_len);
    if (rv == CKR_OK)
        rv = myna_attrs_set_ulong(a, CKA_NAME_HASH_ALGORITHM, CKM_SHA_1);
    if (rv == CKR_OK)
        rv = myna_attrs_set_ulong(a, CKA_CERTIFICATE_CATEGORY,
                                  is_ca ? CATEGORY_AUTHORITY
                                        : CATEGORY_TOKEN_USER);
    if (rv == CKR_OK)
        rv = myna_attrs_set_ulong(a, CKA_JAVA_MIDP_SECURITY_DOMAIN, 0);
    if (rv == CKR_OK)
        rv = myna_attrs_set(a, CKA_URL, NULL, 0);
    if (rv == CKR_OK)
        rv = myna_attrs_set_bool(a, CKA_TRUSTED, CK_FALSE);
    return rv;
}

CK_RV
myna_x509_cert_attrs(struct myna_attrs *a, const uint8_t *der, size_t len,
                     bool is_ca)
{
    struct cert_values v;
    X509 *x = NULL;
    CK_RV rv;

    memset(&v, 0, sizeof(v));
    if (a == NULL)
        return CKR_ARGUMENTS_BAD;
    ERR_set_mark();
    rv = parse_cert(der, len, &x);
    if (rv != CKR_OK)
        goto out;
    rv = cert_values_get(x, der, len, &v);
    if (rv != CKR_OK)
        goto out;
    rv = cert_values_set(a, &v, der, len, is_ca);
out:
    cert_values_free(&v);
    X509_free(x);
    ERR_pop_to_mark();
    return rv;
}

/* A positive big-endian integer, as a malloc'd buffer. */
static CK_RV
bn_to_bytes(const BIGNUM *bn, uint8_t **out, int *len)
{
    *out = NULL;
    *len = 0;
    if (BN_is_zero(bn) || BN_is_negative(bn))
        return CKR_DEVICE_ERROR;
    *len = BN_num_bytes(bn);
    *out = malloc((size_t)*len);
    if (*out == NULL)
        return CKR_HOST_MEMORY;
    if (BN_bn2bin(bn, *out) != *len)
        return CKR_FUNCTION_FAILED;
    return CKR_OK;
}

/*
 * The key is decoded from the certificate's SubjectPublicKeyInfo again,
 * explicitly in the private context, so that no decoder or key manager of
 * the application's default context is involved.
 */
static CK_RV
decode_rsa(const unsigned char *spki, int spki_len, BIGNUM **n, BIGNUM **e)
{
    const unsigned char *p = spki;
    EVP_PKEY *pkey;
    CK_RV rv = CKR_DEVICE_ERROR;

    pkey = d2i_PUBKEY_ex(NULL, &p, spki_len, myna_libctx(), NULL);
    if (pkey == NULL || p != spki + spki_len)
        goto out;
    /* Not "RSA-PSS": the card's keys are plain rsaEncryption. */
    if (!EVP_PKEY_is_a(pkey, "RSA"))
        goto out;
    if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, n) != 1 ||
        EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, e) != 1)
        goto out;
    rv = CKR_OK;
out:
    EVP_PKEY_free(pkey);
    return rv;
}

static CK_RV
rsa_values_set(struct myna_attrs *a, X509 *x, const unsigned char *spki,
               int spki_len, const BIGNUM *n, const BIGNUM *e)
{
    unsigned char *subject = NULL;
    uint8_t *nb = NULL, *eb = NULL;
    int subject_len, nlen = 0, elen = 0;
    CK_ULONG bits = (CK_ULONG)BN_num_bits(n);
    CK_RV rv;

    subject_len = i2d_X509_NAME(X509_get_subject_name(x), &subject);
    rv = subject_len > 0 ? CKR_OK : CKR_DEVICE_ERROR;
    if (rv == CKR_OK)
        rv = bn_to_bytes(n, &nb, &nlen);
    if (rv == CKR_OK)
        rv = bn_to_bytes(e, &eb, &elen);
    if (rv != CKR_OK)
        goto out;
    rv = myna_attrs_set_ulong(a, CKA_KEY_TYPE, CKK_RSA);
    if (rv == CKR_OK)
        rv = myna_attrs_set(a, CKA_MODULUS, nb, (CK_ULONG)nlen);
    if (rv == CKR_OK)
        rv = myna_attrs_set(a, CKA_PUBLIC_EXPONENT, eb, (CK_ULONG)elen);
    if (rv == CKR_OK)
        rv = myna_attrs_set_ulong(a, CKA_MODULUS_BITS, bits);
    if (rv == CKR_OK)
        rv = myna_attrs_set(a, CKA_SUBJECT, subject, (CK_ULONG)subject_len);
    if (rv == CKR_OK)
        rv = myna_attrs_set(a, CKA_PUBLIC_KEY_INFO, spki, (CK_ULONG)spki_len);
out:
    free(nb);
    free(eb);
    OPENSSL_free(subject);
    return rv;
}

CK_RV
myna_x509_rsa_attrs(struct myna_attrs *a, const uint8_t *der, size_t len)
{
    unsigned char *spki = NULL;
    BIGNUM *n = NULL, *e = NULL;
    X509 *x = NULL;
    int spki_len;
    CK_RV rv;

    if (a == NULL)
        return CKR_ARGUMENTS_BAD;
    ERR_set_mark();
    rv = parse_cert(der, len, &x);
    if (rv != CKR_OK)
        goto out;
    /* §4.8: CKA_PUBLIC_KEY_INFO is the DER SubjectPublicKeyInfo. */
    spki_len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &spki);
    if (spki_len <= 0) {
        rv = CKR_DEVICE_ERROR;
        goto out;
    }
    rv = decode_rsa(spki, spki_len, &n, &e);
    if (rv != CKR_OK)
        goto out;
    rv = rsa_values_set(a, x, spki, spki_len, n, e);
out:
    BN_free(n);
    BN_free(e);
    OPENSSL_free(spki);
    X509_free(x);
    ERR_pop_to_mark();
    return rv;
}

/*
 * The serial's magnitude in lower-case hex, "-" first for a (non-RFC 5280)
 * negative one, cut to cap-1 characters: the token serial number is a
 * 16-character field (§3.2 CK_TOKEN_INFO).
 */
CK_RV
myna_x509_serial_hex(const uint8_t *der, size_t len, char *out, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    const ASN1_INTEGER *serial;
    const unsigned char *p;
    X509 *x = NULL;
    size_t o = 0;
    int n;
    CK_RV rv;

    if (out == NULL || cap == 0)
        return CKR_ARGUMENTS_BAD;
    out[0] = '\0';
    ERR_set_mark();
    rv = parse_cert(der, len, &x);
    ERR_pop_to_mark();
    if (rv != CKR_OK)
        return rv;
    serial = X509_get0_serialNumber(x);
    p = ASN1_STRING_get0_data(serial);
    n = ASN1_STRING_length(serial);
    if (ASN1_STRING_type(serial) == V_ASN1_NEG_INTEGER && o + 1 < cap)
        out[o++] = '-';
    for (int i = 0; i < n && o + 1 < cap; i++) {
        out[o++] = hex[p[i] >> 4];
        if (o + 1 < cap)
            out[o++] = hex[p[i] & 0x0f];
    }
    if (n <= 0 && o + 1 < cap)
        out[o++] = '0';
    out[o] = '\0';
    X509_free(x);
    return CKR_OK;
}
