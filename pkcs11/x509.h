/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Attributes of certificates and of the public keys inside them (base spec
 * §4.6 X.509 certificates, §2.1.2 RSA public keys), from DER bytes read
 * from the card.  Parsing uses the module's private OSSL_LIB_CTX
 * (digest.h), never the application's default one.
 */
#ifndef MYNA_PKCS11_X509_H
#define MYNA_PKCS11_X509_H

#include <stddef.h>
#include <stdint.h>

#include "attr.h"

/* Sets CKA_CERTIFICATE_TYPE (CKC_X_509), CKA_SUBJECT, CKA_ISSUER,
 * CKA_SERIAL_NUMBER (DER INTEGER), CKA_VALUE, CKA_START_DATE,
 * CKA_END_DATE (CK_DATE), CKA_CHECK_VALUE (first 3 bytes of SHA-1 of the
 * value), CKA_HASH_OF_SUBJECT_PUBLIC_KEY and CKA_HASH_OF_ISSUER_PUBLIC_KEY
 * (SHA-1), CKA_NAME_HASH_ALGORITHM (CKM_SHA_1), CKA_CERTIFICATE_CATEGORY
 * (authority when is_ca), CKA_JAVA_MIDP_SECURITY_DOMAIN (0), CKA_URL
 * (empty), CKA_TRUSTED (false).  CKR_DEVICE_ERROR for bytes that are not one
 * DER certificate (a malicious card), CKR_HOST_MEMORY. */
CK_RV myna_x509_cert_attrs(struct myna_attrs *a, const uint8_t *der, size_t len,
                           bool is_ca);

/* For the RSA public key in the certificate: CKA_KEY_TYPE (CKK_RSA),
 * CKA_MODULUS, CKA_PUBLIC_EXPONENT, CKA_MODULUS_BITS, CKA_SUBJECT,
 * CKA_PUBLIC_KEY_INFO (DER SubjectPublicKeyInfo).  For a private key
 * object the same minus nothing (they are public values).
 * CKR_DEVICE_ERROR when the key is not RSA. */
CK_RV myna_x509_rsa_attrs(struct myna_attrs *a, const uint8_t *der, size_t len);

/* The certificate's serial number as lower-case hex (for token serials),
 * at most cap-1 characters, NUL-terminated. */
CK_RV myna_x509_serial_hex(const uint8_t *der, size_t len, char *out,
                           size_t cap);

#endif
