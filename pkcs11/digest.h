/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Hashing for CKM_SHAx_RSA_PKCS on the host, in the module's private
 * OSSL_LIB_CTX with only OpenSSL's default provider loaded into it: an
 * application that loads our OpenSSL provider (or any other) can never make
 * the module recurse into itself.  The DigestInfo (RFC 8017 §9.2 note 1)
 * goes to the card, which pads and signs.
 */
#ifndef MYNA_PKCS11_DIGEST_H
#define MYNA_PKCS11_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

#include "pkcs11-3.h"

#define MYNA_DIGESTINFO_MAX (19 + 64)

/* The private library context, created on first use (thread-safe); freed
 * by myna_libctx_free() in C_Finalize. */
OSSL_LIB_CTX *myna_libctx(void);
void myna_libctx_free(void);

/* CKM_SHA1_RSA_PKCS .. CKM_SHA512_RSA_PKCS -> 1; others 0. */
int myna_digest_mech_supported(CK_MECHANISM_TYPE mech);

struct myna_digest; /* an EVP_MD_CTX in the private context */

CK_RV myna_digest_new(CK_MECHANISM_TYPE mech, struct myna_digest **d);
CK_RV myna_digest_update(struct myna_digest *d, const uint8_t *data,
                         size_t len);
/* Finish: DigestInfo DER (prefix + hash) into out[MYNA_DIGESTINFO_MAX]. */
CK_RV myna_digest_final(struct myna_digest *d, uint8_t *out, size_t *len);
void myna_digest_free(struct myna_digest *d);

#endif
