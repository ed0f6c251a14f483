/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The one place that says what "myna" offers (provider-base(7),
 * OSSL_FUNC_provider_query_operation).  Every algorithm carries
 * "provider=myna" so applications can ask for it; no digest or cipher is
 * offered, so hashing inside the provider never comes back to us.
 */
#include "config.h"

#include <stddef.h>

#include <openssl/core_dispatch.h>

#include "ec.h"
#include "prov.h"

#define PROPS "provider=" MYNA_PROV_NAME
/* Names as the default provider's (OSSL_PROVIDER-default(7)). */
#define RSA_NAMES "RSA:rsaEncryption:1.2.840.113549.1.1.1"
#define EC_NAMES "EC:id-ecPublicKey:1.2.840.10045.2.1"

static const OSSL_ALGORITHM keymgmt[] = {
    { RSA_NAMES, PROPS, myna_rsa_keymgmt_functions,
      "RSA keys held in a PKCS#11 token" },
    { EC_NAMES, PROPS, myna_ec_keymgmt_functions,
      "EC keys (named curves) held in a PKCS#11 token" },
    { NULL, NULL, NULL, NULL }
};

static const OSSL_ALGORITHM signature[] = {
    { RSA_NAMES, PROPS, myna_rsa_signature_functions,
      "RSA PKCS#1 v1.5 and PSS signatures made by a PKCS#11 token" },
    { "ECDSA", PROPS, myna_ecdsa_signature_functions,
      "ECDSA signatures made by a PKCS#11 token (CKM_ECDSA)" },
    { NULL, NULL, NULL, NULL }
};

/* Public keys out of the token keys (encoder.c). */
#define SPKI_PROPS(out) PROPS ",output=" out ",structure=SubjectPublicKeyInfo"
static const OSSL_ALGORITHM encoder[] = {
    { RSA_NAMES, SPKI_PROPS("der"), myna_rsa_spki_der_encoder_functions,
      "RSA SubjectPublicKeyInfo, DER" },
    { RSA_NAMES, SPKI_PROPS("pem"), myna_rsa_spki_pem_encoder_functions,
      "RSA SubjectPublicKeyInfo, PEM" },
    { RSA_NAMES, PROPS ",output=text", myna_rsa_text_encoder_functions,
      "RSA token keys as text" },
    { NULL, NULL, NULL, NULL }
};

static const OSSL_ALGORITHM store[] = { { "pkcs11", PROPS, myna_store_functions,
                                          "RFC 7512 pkcs11: URIs" },
                                        { NULL, NULL, NULL, NULL } };

const OSSL_ALGORITHM *
myna_algs(int operation_id)
{
    switch (operation_id) {
    case OSSL_OP_KEYMGMT:
        return keymgmt;
    case OSSL_OP_SIGNATURE:
        return signature;
    case OSSL_OP_STORE:
        return store;
    case OSSL_OP_ENCODER:
        return encoder;
    default:
        return NULL;
    }
}
