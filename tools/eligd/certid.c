/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Certificate names for the store (certid.h). */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/x509.h>

#include "certid.h"

int
eligd_cert_id(X509 *cert, char *issuer, size_t issuer_size, char *serial_hex,
              size_t serial_size)
{
    BIO *bio = BIO_new(BIO_s_mem());
    BIGNUM *bn = NULL;
    char *hex = NULL, *mem = NULL;
    long n;
    int ok = 0;

    if (bio == NULL || X509_NAME_print_ex(bio, X509_get_issuer_name(cert), 0,
                                          XN_FLAG_RFC2253) < 0)
        goto out;
    n = BIO_get_mem_data(bio, &mem);
    if (n < 0 || (size_t)n >= issuer_size)
        goto out;
    memcpy(issuer, mem, (size_t)n);
    issuer[n] = '\0';
    bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
    hex = bn != NULL ? BN_bn2hex(bn) : NULL;
    /* BN_bn2hex writes whole bytes ("0A"): drop the leading zero. */
    if (hex == NULL || !eligd_serial_canonical(hex, serial_hex, serial_size))
        goto out;
    ok = 1;
out:
    OPENSSL_free(hex);
    BN_free(bn);
    BIO_free(bio);
    return ok;
}

int
eligd_serial_canonical(const char *in, char *out, size_t out_size)
{
    size_t o = 0;
    int seen = 0;

    if (strncmp(in, "0x", 2) == 0 || strncmp(in, "0X", 2) == 0)
        in += 2;
    for (; *in != '\0'; in++) {
        if (*in == ':')
            continue;
        if (!isxdigit((unsigned char)*in))
            return 0;
        seen = 1;
        if (o == 0 && *in == '0')
            continue; /* leading zero */
        if (o + 1 >= out_size)
            return 0;
        out[o++] = (char)toupper((unsigned char)*in);
    }
    if (!seen)
        return 0;
    if (o == 0) {
        if (out_size < 2)
            return 0;
        out[o++] = '0'; /* BN_bn2hex writes zero as "0" */
    }
    out[o] = '\0';
    return 1;
}
