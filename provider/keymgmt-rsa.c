/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * KEYMGMT "RSA" for token-resident keys (provider-keymgmt(7)).  Keys are
 * only ever loaded by reference from our STORE loader; the private key
 * stays in the token.
 *
 * A private key is never exported, not even its public half: OpenSSL 3.0
 * (do_sigver_init, evp_pkey_signature_init) first tries the signature of
 * the "best" provider and moves the key there with evp_pkey_export_to_
 * provider(); a successful public-only export would make the default
 * provider try (and fail) to sign.  A refused export makes OpenSSL fall
 * back to our own signature.  What export used to serve is done here
 * instead: encoder.c writes SubjectPublicKeyInfo, and import (public n, e
 * only) lets OpenSSL compare a certificate's key with ours (EVP_PKEY_eq,
 * X509_check_private_key) by moving the certificate's key to us.
 * Public key objects (no private half) still export n and e.
 */
#include "config.h"

#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/params.h>
#include <openssl/x509.h>

#include "errors.h"
#include "prov.h"

struct myna_key *
myna_key_ref(struct myna_key *key)
{
    if (key != NULL)
        __atomic_add_fetch(&key->refs, 1, __ATOMIC_RELAXED);
    return key;
}

void
myna_key_free(struct myna_key *key)
{
    if (key == NULL || __atomic_sub_fetch(&key->refs, 1, __ATOMIC_ACQ_REL))
        return;
    BN_free(key->n);
    BN_free(key->e);
    OPENSSL_free(key->id);
    if (key->pin != NULL)
        OPENSSL_clear_free(key->pin, strlen(key->pin));
    OPENSSL_free(key);
}

/* First object of class cls with the key's CKA_ID (base §4.4 CKA_ID). */
static int
find_by_id(struct myna_p11 *p, CK_SESSION_HANDLE s, const struct myna_key *key,
           CK_OBJECT_CLASS cls, CK_OBJECT_HANDLE *h)
{
    CK_ATTRIBUTE tmpl[] = { { CKA_CLASS, &cls, sizeof(cls) },
                            { CKA_ID, key->id, key->id_len } };
    CK_OBJECT_HANDLE *objs;
    size_t n;

    if (!myna_p11_find(p, s, tmpl, 2, &objs, &n))
        return 0;
    if (n > 0)
        *h = objs[0];
    OPENSSL_free(objs);
    return n > 0;
}

static int
bn_attr(struct myna_p11 *p, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h,
        CK_ATTRIBUTE_TYPE type, BIGNUM **bn)
{
    unsigned char *v;
    size_t len;

    if (!myna_p11_attr(p, s, h, type, &v, &len))
        return 0;
    if (v != NULL && len > 0)
        *bn = BN_bin2bn(v, (int)len, NULL);
    OPENSSL_free(v);
    return 1;
}

/* n and e of the certificate with the key's CKA_ID, if there is one. */
static int
public_from_cert(struct myna_key *key, struct myna_p11 *p, CK_SESSION_HANDLE s)
{
    CK_OBJECT_HANDLE h;
    unsigned char *der = NULL;
    const unsigned char *q;
    size_t len;
    X509 *x = NULL;
    EVP_PKEY *pk;
    int ok = 0;

    if (!find_by_id(p, s, key, CKO_CERTIFICATE, &h) ||
        !myna_p11_attr(p, s, h, CKA_VALUE, &der, &len) || der == NULL)
        goto out;
    q = der;
    x = X509_new_ex(key->prov->libctx, NULL);
    if (x == NULL || d2i_X509(&x, &q, (long)len) == NULL)
        goto out;
    pk = X509_get0_pubkey(x);
    ok = pk != NULL &&
         EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_N, &key->n) &&
         EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_E, &key->e);
out:
    X509_free(x);
    OPENSSL_free(der);
    return ok;
}

/* Public parts: the object itself, its public key, its certificate. */
static int
read_public(struct myna_key *key, struct myna_p11 *p, CK_SESSION_HANDLE s)
{
    CK_OBJECT_HANDLE h = key->handle;

    if (!bn_attr(p, s, h, CKA_MODULUS, &key->n) ||
        !bn_attr(p, s, h, CKA_PUBLIC_EXPONENT, &key->e))
        return 0;
    if ((key->n == NULL || key->e == NULL) && key->id != NULL &&
        find_by_id(p, s, key, CKO_PUBLIC_KEY, &h)) {
        BN_free(key->n);
        BN_free(key->e);
        key->n = key->e = NULL;
        if (!bn_attr(p, s, h, CKA_MODULUS, &key->n) ||
            !bn_attr(p, s, h, CKA_PUBLIC_EXPONENT, &key->e))
            return 0;
    }
    if ((key->n == NULL || key->e == NULL) && key->id != NULL) {
        BN_free(key->n);
        BN_free(key->e);
        key->n = key->e = NULL;
        public_from_cert(key, p, s);
    }
    if (key->n == NULL || key->e == NULL) {
        MYNA_RAISE(MYNA_R_KEY_UNSUPPORTED,
                   "no public modulus/exponent for the key (no CKA_MODULUS, "
                   "public key or certificate with its CKA_ID)");
        return 0;
    }
    return 1;
}

/* CKA_ALWAYS_AUTHENTICATE, absent = CK_FALSE (base §4.9). */
static int
read_always_auth(struct myna_key *key, struct myna_p11 *p, CK_SESSION_HANDLE s)
{
    unsigned char *v = NULL;
    size_t len = 0;

    if (!myna_p11_attr(p, s, key->handle, CKA_ALWAYS_AUTHENTICATE, &v, &len))
        return 0;
    key->always_auth = v != NULL && len == sizeof(CK_BBOOL) && v[0] != 0;
    OPENSSL_free(v);
    return 1;
}

struct myna_key *
myna_key_from_object(struct myna_prov *prov, struct myna_p11 *p,
                     CK_SESSION_HANDLE s, CK_SLOT_ID slot, CK_OBJECT_HANDLE h,
                     CK_OBJECT_CLASS cls)
{
    struct myna_key *key;
    CK_ULONG type;

    if (!myna_p11_attr_ulong(p, s, h, CKA_KEY_TYPE, &type))
        return NULL;
    if (type != CKK_RSA) {
        MYNA_RAISE(MYNA_R_KEY_UNSUPPORTED, "key type 0x%lx is not RSA",
                   (unsigned long)type);
        return NULL;
    }
    key = OPENSSL_zalloc(sizeof(*key));
    if (key == NULL) {
        MYNA_RAISE(MYNA_R_MALLOC, NULL);
        return NULL;
    }
    key->prov = prov;
    key->refs = 1;
    key->slot = slot;
    key->handle = h;
    key->cls = cls;
    key->generation = myna_p11_generation(p);
    if (!myna_p11_attr(p, s, h, CKA_ID, &key->id, &key->id_len) ||
        !read_public(key, p, s)) {
        myna_key_free(key);
        return NULL;
    }
    key->can_pkcs = myna_p11_has_mech(p, slot, CKM_RSA_PKCS);
    key->can_pss = myna_p11_has_mech(p, slot, CKM_RSA_PKCS_PSS);
    if (cls == CKO_PRIVATE_KEY && !read_always_auth(key, p, s)) {
        myna_key_free(key);
        return NULL;
    }
    myna_debug(prov, "RSA %s key, %d bits, PKCS#1 v1.5 %s, PSS %s",
               cls == CKO_PRIVATE_KEY ? "private" : "public",
               BN_num_bits(key->n), key->can_pkcs ? "yes" : "no",
               key->can_pss ? "yes" : "no");
    return key;
}

int
myna_key_handle(struct myna_key *key, struct myna_p11 *p, CK_SESSION_HANDLE s,
                CK_OBJECT_HANDLE *h)
{
    if (key->generation == myna_p11_generation(p)) {
        *h = key->handle;
        return 1;
    }
    /* Handles do not survive C_Initialize (after fork): find it again. */
    if (key->id == NULL || !find_by_id(p, s, key, key->cls, h)) {
        MYNA_RAISE(MYNA_R_OBJECT_NOT_FOUND,
                   "the key cannot be found again after fork");
        return 0;
    }
    key->handle = *h;
    key->generation = myna_p11_generation(p);
    return 1;
}

/* ---- KEYMGMT dispatch ------------------------------------------------ */

static OSSL_FUNC_keymgmt_new_fn km_new;
static OSSL_FUNC_keymgmt_load_fn km_load;
static OSSL_FUNC_keymgmt_free_fn km_free;
static OSSL_FUNC_keymgmt_has_fn km_has;
static OSSL_FUNC_keymgmt_match_fn km_match;
static OSSL_FUNC_keymgmt_get_params_fn km_get_params;
static OSSL_FUNC_keymgmt_gettable_params_fn km_gettable_params;
static OSSL_FUNC_keymgmt_export_fn km_export;
static OSSL_FUNC_keymgmt_export_types_fn km_export_types;
static OSSL_FUNC_keymgmt_import_fn km_import;
static OSSL_FUNC_keymgmt_import_types_fn km_import_types;
static OSSL_FUNC_keymgmt_query_operation_name_fn km_query_name;

/*
 * An empty public key for km_import (a key from another provider being
 * compared with ours).  It has no token object: signing with it is
 * refused (sig-rsa.c wants CKO_PRIVATE_KEY).
 */
static void *
km_new(void *provctx)
{
    struct myna_key *key = OPENSSL_zalloc(sizeof(*key));

    if (key == NULL) {
        MYNA_RAISE(MYNA_R_MALLOC, NULL);
        return NULL;
    }
    key->prov = provctx;
    key->refs = 1;
    key->handle = CK_INVALID_HANDLE;
    key->cls = CKO_PUBLIC_KEY;
    return key;
}

static int
km_import(void *keydata, int selection, const OSSL_PARAM params[])
{
    struct myna_key *key = keydata;
    const OSSL_PARAM *pn, *pe;

    if (key == NULL || key->handle != CK_INVALID_HANDLE)
        return 0;
    if ((selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY) ||
        !(selection & OSSL_KEYMGMT_SELECT_PUBLIC_KEY)) {
        MYNA_RAISE(MYNA_R_OPERATION_UNSUPPORTED,
                   "only public RSA keys can be imported");
        return 0;
    }
    pn = OSSL_PARAM_locate_const(params, OSSL_PKEY_PARAM_RSA_N);
    pe = OSSL_PARAM_locate_const(params, OSSL_PKEY_PARAM_RSA_E);
    if (pn == NULL || pe == NULL || !OSSL_PARAM_get_BN(pn, &key->n) ||
        !OSSL_PARAM_get_BN(pe, &key->e)) {
        MYNA_RAISE(MYNA_R_BAD_PARAMETER, "an RSA public key needs n and e");
        return 0;
    }
    return 1;
}

static const OSSL_PARAM *
km_import_types(int selection)
{
    static const OSSL_PARAM types[] = {
        OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_N, NULL, 0),
        OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_E, NULL, 0), OSSL_PARAM_END
    };

    return (selection & OSSL_KEYMGMT_SELECT_PUBLIC_KEY) ? types : NULL;
}

/* provider-keymgmt(7) "load": the reference our STORE loader passed. */
static void *
km_load(const void *reference, size_t reference_sz)
{
    struct myna_key *key;

    if (reference == NULL || reference_sz != sizeof(key)) {
        MYNA_RAISE(MYNA_R_BAD_PARAMETER, "not a myna key reference");
        return NULL;
    }
    memcpy(&key, reference, sizeof(key));
    return myna_key_ref(key);
}

static void
km_free(void *keydata)
{
    myna_key_free(keydata);
}

static int
km_has(const void *keydata, int selection)
{
    const struct myna_key *key = keydata;

    if (key == NULL)
        return 0;
    if ((selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY) &&
        key->cls != CKO_PRIVATE_KEY)
        return 0;
    return key->n != NULL && key->e != NULL;
}

static int
km_match(const void *k1, const void *k2, int selection)
{
    const struct myna_key *a = k1, *b = k2;

    if ((selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY) &&
        !(selection & OSSL_KEYMGMT_SELECT_PUBLIC_KEY))
        return a->slot == b->slot && a->handle == b->handle;
    /* A key pair matches when its public halves do. */
    if (a->n == NULL || a->e == NULL || b->n == NULL || b->e == NULL)
        return 0;
    return BN_cmp(a->n, b->n) == 0 && BN_cmp(a->e, b->e) == 0;
}

static int
km_get_params(void *keydata, OSSL_PARAM params[])
{
    struct myna_key *key = keydata;
    int bits;
    OSSL_PARAM *p;

    if (key->n == NULL || key->e == NULL)
        return 0;
    bits = BN_num_bits(key->n);
    p = OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_BITS);
    if (p != NULL && !OSSL_PARAM_set_int(p, bits))
        return 0;
    /* SP 800-57 Part 1 Table 2 as OpenSSL's RSA keymgmt computes it. */
    p = OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_SECURITY_BITS);
    if (p != NULL && !OSSL_PARAM_set_int(p, BN_security_bits(bits, -1)))
        return 0;
    p = OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_MAX_SIZE);
    if (p != NULL && !OSSL_PARAM_set_int(p, BN_num_bytes(key->n)))
        return 0;
    p = OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_DEFAULT_DIGEST);
    if (p != NULL && !OSSL_PARAM_set_utf8_string(p, "SHA256"))
        return 0;
    p = OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_RSA_N);
    if (p != NULL && !OSSL_PARAM_set_BN(p, key->n))
        return 0;
    p = OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_RSA_E);
    if (p != NULL && !OSSL_PARAM_set_BN(p, key->e))
        return 0;
    return 1;
}

static const OSSL_PARAM *
km_gettable_params(void *provctx)
{
    static const OSSL_PARAM gettable[] = {
        OSSL_PARAM_int(OSSL_PKEY_PARAM_BITS, NULL),
        OSSL_PARAM_int(OSSL_PKEY_PARAM_SECURITY_BITS, NULL),
        OSSL_PARAM_int(OSSL_PKEY_PARAM_MAX_SIZE, NULL),
        OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_DEFAULT_DIGEST, NULL, 0),
        OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_N, NULL, 0),
        OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_E, NULL, 0),
        OSSL_PARAM_END
    };

    (void)provctx;
    return gettable;
}

/*
 * Public key objects only (see the top of the file).  OpenSSL 3.0 exports
 * with OSSL_KEYMGMT_SELECT_ALL when it moves a key to another provider
 * (evp_keymgmt_util_export_to_provider): refusing it for private keys
 * keeps their operations in this provider.
 */
static int
km_export(void *keydata, int selection, OSSL_CALLBACK *cb, void *cbarg)
{
    struct myna_key *key = keydata;
    OSSL_PARAM_BLD *bld;
    OSSL_PARAM *params = NULL;
    int ok = 0;

    if (key->cls == CKO_PRIVATE_KEY ||
        !(selection & OSSL_KEYMGMT_SELECT_PUBLIC_KEY)) {
        /* Not raised: OpenSSL tries this routinely and then uses us. */
        myna_debug(key->prov, "export of a token private key refused");
        return 0;
    }
    bld = OSSL_PARAM_BLD_new();
    if (bld != NULL &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, key->n) &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, key->e))
        params = OSSL_PARAM_BLD_to_param(bld);
    if (params != NULL)
        ok = cb(params, cbarg);
    else
        MYNA_RAISE(MYNA_R_MALLOC, NULL);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    return ok;
}

static const OSSL_PARAM *
km_export_types(int selection)
{
    static const OSSL_PARAM types[] = {
        OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_N, NULL, 0),
        OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_E, NULL, 0), OSSL_PARAM_END
    };

    return (selection & OSSL_KEYMGMT_SELECT_PUBLIC_KEY) ? types : NULL;
}

static const char *
km_query_name(int operation_id)
{
    return operation_id == OSSL_OP_SIGNATURE ? "RSA" : NULL;
}

const OSSL_DISPATCH myna_rsa_keymgmt_functions[] = {
    { OSSL_FUNC_KEYMGMT_NEW, (void (*)(void))km_new },
    { OSSL_FUNC_KEYMGMT_LOAD, (void (*)(void))km_load },
    { OSSL_FUNC_KEYMGMT_FREE, (void (*)(void))km_free },
    { OSSL_FUNC_KEYMGMT_HAS, (void (*)(void))km_has },
    { OSSL_FUNC_KEYMGMT_MATCH, (void (*)(void))km_match },
    { OSSL_FUNC_KEYMGMT_GET_PARAMS, (void (*)(void))km_get_params },
    { OSSL_FUNC_KEYMGMT_GETTABLE_PARAMS, (void (*)(void))km_gettable_params },
    { OSSL_FUNC_KEYMGMT_EXPORT, (void (*)(void))km_export },
    { OSSL_FUNC_KEYMGMT_EXPORT_TYPES, (void (*)(void))km_export_types },
    { OSSL_FUNC_KEYMGMT_IMPORT, (void (*)(void))km_import },
    { OSSL_FUNC_KEYMGMT_IMPORT_TYPES, (void (*)(void))km_import_types },
    { OSSL_FUNC_KEYMGMT_QUERY_OPERATION_NAME, (void (*)(void))km_query_name },
    { 0, NULL }
};
