/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A small PKI made in-process for the unit tests of tools/eligd/trust.c:
 * CAs, end-entity certificates with chosen validity, key usage and
 * serial, and CRLs.  (tests/eligd/pki.sh makes the same with the openssl
 * CLI for the shell tests.)  Every function aborts the test on failure.
 */
#ifndef MYNA_TEST_PKI_H
#define MYNA_TEST_PKI_H

#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

/* An RSA-2048 key (a few are made once and reused: generation is slow). */
EVP_PKEY *tpki_key(int which);

/* A self-signed CA certificate, subject C=JP,O=<org>,OU=<ou>, valid
 * from nb to na (Unix seconds). */
X509 *tpki_ca(EVP_PKEY *key, const char *org, const char *ou, long long nb,
              long long na);

/*
 * An end-entity certificate for key, issued by ca (signed with ca_key),
 * with that serial (any bytes, big-endian), validity and key usage (an
 * X509V3 config string like "critical,digitalSignature", or NULL: none).
 */
X509 *tpki_issue(X509 *ca, EVP_PKEY *ca_key, EVP_PKEY *key,
                 const unsigned char *serial, size_t serial_len, long long nb,
                 long long na, const char *key_usage);

/* A CRL of ca revoking the certificates given; next_update -1: none. */
X509_CRL *tpki_crl(X509 *ca, EVP_PKEY *ca_key, long long this_update,
                   long long next_update, X509 *const *revoked, size_t n);

/* Files (PEM) in the test's directory; the path is returned (static). */
const char *tpki_dir(void);
const char *tpki_write_certs(const char *name, X509 *const *certs, size_t n);
const char *tpki_write_crl(const char *name, X509_CRL *crl);
void tpki_cleanup(void);

#endif
