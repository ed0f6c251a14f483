/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Token-resident EC keys (keymgmt-ec.c) and ECDSA signatures
 * (sig-ecdsa.c).  Kept apart from struct myna_key (RSA, prov.h) so the two
 * key types never share fields by accident.  Named curves only: the
 * public point and its group come from CKA_EC_PARAMS / CKA_EC_POINT
 * (PKCS#11 3.0 mechanisms §2.3.3-§2.3.4), a public key or certificate
 * with the same CKA_ID.
 */
#ifndef MYNA_PROVIDER_EC_H
#define MYNA_PROVIDER_EC_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/core_dispatch.h>

#include "prov.h"

struct myna_ec_key {
    struct myna_prov *prov;
    int refs;
    CK_SLOT_ID slot;
    CK_OBJECT_HANDLE handle;
    CK_OBJECT_CLASS cls;
    unsigned int generation; /* myna_p11_generation when handle was found */
    unsigned char *id;
    size_t id_len;
    char group[64];     /* OpenSSL short name of the curve, "prime256v1" */
    int bits;           /* order bits */
    unsigned char *pub; /* encoded point (SEC 1 §2.3.3), uncompressed */
    size_t pub_len;
};

extern const OSSL_DISPATCH myna_ec_keymgmt_functions[];
extern const OSSL_DISPATCH myna_ecdsa_signature_functions[];

/* keymgmt-ec.c: build from an object found in session s (lock held). */
struct myna_ec_key *myna_ec_key_from_object(struct myna_prov *prov,
                                            struct myna_p11 *p,
                                            CK_SESSION_HANDLE s,
                                            CK_SLOT_ID slot, CK_OBJECT_HANDLE h,
                                            CK_OBJECT_CLASS cls);
struct myna_ec_key *myna_ec_key_ref(struct myna_ec_key *key);
void myna_ec_key_free(struct myna_ec_key *key);
/* The handle valid in this process (found again after a fork). */
int myna_ec_key_handle(struct myna_ec_key *key, struct myna_p11 *p,
                       CK_SESSION_HANDLE s, CK_OBJECT_HANDLE *h);
/* Bytes of r (and of s) in the raw r || s of CKM_ECDSA. */
size_t myna_ec_key_order_bytes(const struct myna_ec_key *key);
/* Largest DER ECDSA-Sig-Value (RFC 5480 §2.2 / SEC 1 C.5) for the key. */
size_t myna_ec_key_sig_max(const struct myna_ec_key *key);

#endif
