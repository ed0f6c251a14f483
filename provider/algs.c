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

#include "prov.h"

#define PROPS "provider=" MYNA_PROV_NAME
/* Names as the default provider's (OSSL_PROVIDER-default(7)). */
#define RSA_NAMES "RSA:rsaEncryption:1.2.840.113549.1.1.1"

static const OSSL_ALGORITHM keymgmt[] = {
    { RSA_NAMES, PROPS, myna_rsa_keymgmt_functions,
      "RSA keys held in a PKCS#11 token" },
    { NULL, NULL, NULL, NULL }
};

static const OSSL_ALGORITHM signature[] = {
    { RSA_NAMES, PROPS, myna_rsa_signature_functions,
      "RSA PKCS#1 v1.5 and PSS signatures made by a PKCS#11 token" },
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
    default:
        return NULL;
    }
}
