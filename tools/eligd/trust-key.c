/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * elig_cert_key (trust.h): how the store names a certificate.  The exact
 * strings matter more than their beauty: the importer and the request
 * path must produce the same bytes for the same certificate.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/x509.h>

#include "trust.h"

/* RFC 2253 form, as OpenSSL prints it (XN_FLAG_RFC2253: reversed RDN
 * order, "," separators, non-ASCII escaped as \XX). */
static int
issuer_rfc2253(X509 *cert, char *out, size_t size)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *mem = NULL;
    long n;
    int ok = 0;

    if (bio == NULL || X509_NAME_print_ex(bio, X509_get_issuer_name(cert), 0,
                                          XN_FLAG_RFC2253) < 0)
        goto out;
    n = BIO_get_mem_data(bio, &mem);
    if (n < 0 || (size_t)n >= size || memchr(mem, '\0', (size_t)n) != NULL)
        goto out;
    memcpy(out, mem, (size_t)n);
    out[n] = '\0';
    ok = 1;
out:
    BIO_free(bio);
    return ok;
}

/* Upper-case hex without leading zeros: BN_bn2hex writes whole bytes
 * ("0A"), so its leading zero goes. */
static int
serial_hex(X509 *cert, char *out, size_t size)
{
    const ASN1_INTEGER *sn = X509_get0_serialNumber(cert);
    BIGNUM *bn = ASN1_INTEGER_to_BN(sn, NULL);
    char *hex = NULL;
    const char *p;
    size_t len;
    int ok = 0;

    if (bn == NULL || BN_is_negative(bn) || (hex = BN_bn2hex(bn)) == NULL)
        goto out;
    for (p = hex; p[0] == '0' && p[1] != '\0'; p++)
        continue;
    len = strlen(p);
    if (len >= size)
        goto out;
    memcpy(out, p, len + 1);
    ok = 1;
out:
    OPENSSL_free(hex);
    BN_free(bn);
    return ok;
}

int
elig_cert_key(X509 *cert, char *issuer, size_t issuer_size, char *serial,
              size_t serial_size)
{
    if (cert == NULL || issuer == NULL || serial == NULL)
        return 0;
    return issuer_rfc2253(cert, issuer, issuer_size) &&
           serial_hex(cert, serial, serial_size);
}
