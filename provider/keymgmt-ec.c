/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * KEYMGMT "EC" for token-resident keys on named curves
 * (provider-keymgmt(7), EVP_PKEY-EC(7)).  As for RSA, keys are only
 * loaded by reference from our STORE loader and the private key stays in
 * the token.  Export gives the group name and the public point, which is
 * what OpenSSL's EC keymgmt imports to encode, print and verify.
 */
#include "config.h"

#include <string.h>

#include <openssl/asn1.h>
#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/params.h>
#include <openssl/x509.h>

#include "ec.h"
#include "errors.h"

struct myna_ec_key *
myna_ec_key_ref(struct myna_ec_key *key)
{
    if (key != NULL)
        __atomic_add_fetch(&key->refs, 1, __ATOMIC_RELAXED);
    return key;
}

void
myna_ec_key_free(struct myna_ec_key *key)
{
    if (key == NULL || __atomic_sub_fetch(&key->refs, 1, __ATOMIC_ACQ_REL))
        return;
    OPENSSL_free(key->pub);
    OPENSSL_free(key->id);
    OPENSSL_free(key);
}

size_t
myna_ec_key_order_bytes(const struct myna_ec_key *key)
{
    return ((size_t)key->bits + 7) / 8;
}

/* DER length of a TLV with len content bytes (X.690 §8.1.3). */
static size_t
tlv_len(size_t len)
{
    return 1 + (len < 0x80 ? 1 : len < 0x100 ? 2 : 3) + len;
}

size_t
myna_ec_key_sig_max(const struct myna_ec_key *key)
{
    /* Two INTEGERs of n bytes, each maybe with a leading 0x00 (X.690). */
    size_t n = myna_ec_key_order_bytes(key) + 1;

    return tlv_len(2 * tlv_len(n));
}

/* First object of class cls with the key's CKA_ID (base §4.4 CKA_ID). */
static int
find_by_id(struct myna_p11 *p, CK_SESSION_HANDLE s,
           const struct myna_ec_key *key, CK_OBJECT_CLASS cls,
           CK_OBJECT_HANDLE *h)
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

/*
 * CKA_EC_PARAMS is DER ECParameters (mechanisms §2.3.3); only the
 * namedCurve choice (an OBJECT IDENTIFIER, RFC 5480 §2.1.1) is taken.
 */
static int
set_group(struct myna_ec_key *key, const unsigned char *der, size_t len)
{
    const unsigned char *q = der;
    ASN1_OBJECT *oid;
    EC_GROUP *g;
    const char *sn;
    int nid;

    oid = d2i_ASN1_OBJECT(NULL, &q, (long)len);
    nid = oid != NULL ? OBJ_obj2nid(oid) : NID_undef;
    ASN1_OBJECT_free(oid);
    sn = OBJ_nid2sn(nid);
    if (nid == NID_undef || sn == NULL || strlen(sn) >= sizeof(key->group))
        return 0;
    g = EC_GROUP_new_by_curve_name_ex(key->prov->libctx, NULL, nid);
    if (g == NULL)
        return 0;
    key->bits = EC_GROUP_order_bits(g);
    EC_GROUP_free(g);
    strcpy(key->group, sn);
    return 1;
}

/*
 * CKA_EC_POINT is "DER-encoding of ANSI X9.62 ECPoint value Q"
 * (mechanisms §2.3.3), an OCTET STRING around the point; some modules
 * give the bare point.  Accept both: the DER form must span the whole
 * attribute and hold a point of the group's size.
 */
static int
set_point(struct myna_ec_key *key, const unsigned char *v, size_t len)
{
    const unsigned char *q = v;
    ASN1_OCTET_STRING *os;
    size_t fb = ((size_t)key->bits + 7) / 8;

    os = d2i_ASN1_OCTET_STRING(NULL, &q, (long)len);
    if (os != NULL && (size_t)(q - v) == len &&
        ((size_t)os->length == 2 * fb + 1 || (size_t)os->length == fb + 1)) {
        v = os->data;
        len = (size_t)os->length;
    }
    key->pub = OPENSSL_memdup(v, len);
    key->pub_len = len;
    ASN1_OCTET_STRING_free(os);
    return key->pub != NULL;
}

/* Is key->pub a point of key->group?  (Catches a wrong EC_POINT form.) */
static int
point_ok(const struct myna_ec_key *key)
{
    EC_GROUP *g;
    EC_POINT *pt = NULL;
    int ok = 0;

    g = EC_GROUP_new_by_curve_name_ex(key->prov->libctx, NULL,
                                      OBJ_sn2nid(key->group));
    if (g != NULL && (pt = EC_POINT_new(g)) != NULL)
        ok = EC_POINT_oct2point(g, pt, key->pub, key->pub_len, NULL);
    EC_POINT_free(pt);
    EC_GROUP_free(g);
    return ok;
}

static int
from_ec_object(struct myna_ec_key *key, struct myna_p11 *p, CK_SESSION_HANDLE s,
               CK_OBJECT_HANDLE h)
{
    unsigned char *params = NULL, *point = NULL;
    size_t plen = 0, qlen = 0;
    int ok = 0;

    if (!myna_p11_attr(p, s, h, CKA_EC_PARAMS, &params, &plen) ||
        !myna_p11_attr(p, s, h, CKA_EC_POINT, &point, &qlen))
        goto out;
    ok = 1;
    if (params != NULL && key->group[0] == '\0' &&
        !set_group(key, params, plen)) {
        MYNA_RAISE(MYNA_R_KEY_UNSUPPORTED,
                   "CKA_EC_PARAMS is not a named curve OpenSSL knows");
        ok = 0;
    }
    if (ok && point != NULL && key->group[0] != '\0' && key->pub == NULL)
        ok = set_point(key, point, qlen);
out:
    OPENSSL_free(params);
    OPENSSL_free(point);
    return ok;
}

/* Group and point of the certificate with the key's CKA_ID, if any. */
static void
from_cert(struct myna_ec_key *key, struct myna_p11 *p, CK_SESSION_HANDLE s)
{
    CK_OBJECT_HANDLE h;
    unsigned char *der = NULL, buf[256];
    const unsigned char *q;
    size_t len;
    X509 *x = NULL;
    EVP_PKEY *pk;

    if (!find_by_id(p, s, key, CKO_CERTIFICATE, &h) ||
        !myna_p11_attr(p, s, h, CKA_VALUE, &der, &len) || der == NULL)
        goto out;
    q = der;
    x = X509_new_ex(key->prov->libctx, NULL);
    if (x == NULL || d2i_X509(&x, &q, (long)len) == NULL)
        goto out;
    pk = X509_get0_pubkey(x);
    if (pk == NULL || !EVP_PKEY_is_a(pk, "EC") ||
        !EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME,
                                        key->group, sizeof(key->group), NULL) ||
        !EVP_PKEY_get_octet_string_param(pk, OSSL_PKEY_PARAM_PUB_KEY, buf,
                                         sizeof(buf), &len)) {
        key->group[0] = '\0';
        goto out;
    }
    key->bits = EVP_PKEY_get_bits(pk);
    key->pub = OPENSSL_memdup(buf, len);
    key->pub_len = len;
out:
    X509_free(x);
    OPENSSL_free(der);
}

/* Group and point: the object, its public key, its certificate. */
static int
read_public(struct myna_ec_key *key, struct myna_p11 *p, CK_SESSION_HANDLE s)
{
    CK_OBJECT_HANDLE h;

    if (!from_ec_object(key, p, s, key->handle))
        return 0;
    if (key->pub == NULL && key->id != NULL &&
        find_by_id(p, s, key, CKO_PUBLIC_KEY, &h) &&
        !from_ec_object(key, p, s, h))
        return 0;
    if (key->pub == NULL && key->id != NULL) {
        key->group[0] = '\0';
        from_cert(key, p, s);
    }
    if (key->pub == NULL || key->group[0] == '\0') {
        MYNA_RAISE(MYNA_R_KEY_UNSUPPORTED,
                   "no EC group/point for the key (no CKA_EC_POINT, public "
                   "key or certificate with its CKA_ID)");
        return 0;
    }
    if (!point_ok(key)) {
        MYNA_RAISE(MYNA_R_KEY_UNSUPPORTED, "CKA_EC_POINT is not a %s point",
                   key->group);
        return 0;
    }
    return 1;
}

struct myna_ec_key *
myna_ec_key_from_object(struct myna_prov *prov, struct myna_p11 *p,
                        CK_SESSION_HANDLE s, CK_SLOT_ID slot,
                        CK_OBJECT_HANDLE h, CK_OBJECT_CLASS cls)
{
    struct myna_ec_key *key;

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
        myna_ec_key_free(key);
        return NULL;
    }
    myna_debug(prov, "EC %s key, %s, %d bits, CKM_ECDSA %s",
               cls == CKO_PRIVATE_KEY ? "private" : "public", key->group,
               key->bits, myna_p11_has_mech(p, slot, CKM_ECDSA) ? "yes" : "no");
    return key;
}

int
myna_ec_key_handle(struct myna_ec_key *key, struct myna_p11 *p,
                   CK_SESSION_HANDLE s, CK_OBJECT_HANDLE *h)
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
static OSSL_FUNC_keymgmt_query_operation_name_fn km_query_name;

static void *
km_new(void *provctx)
{
    (void)provctx;
    MYNA_RAISE(MYNA_R_OPERATION_UNSUPPORTED,
               "token keys are loaded through a pkcs11: URI");
    return NULL;
}

/* provider-keymgmt(7) "load": the reference our STORE loader passed. */
static void *
km_load(const void *reference, size_t reference_sz)
{
    struct myna_ec_key *key;

    if (reference == NULL || reference_sz != sizeof(key)) {
        MYNA_RAISE(MYNA_R_BAD_PARAMETER, "not a myna key reference");
        return NULL;
    }
    memcpy(&key, reference, sizeof(key));
    return myna_ec_key_ref(key);
}

static void
km_free(void *keydata)
{
    myna_ec_key_free(keydata);
}

static int
km_has(const void *keydata, int selection)
{
    const struct myna_ec_key *key = keydata;

    if (key == NULL)
        return 0;
    if ((selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY) &&
        key->cls != CKO_PRIVATE_KEY)
        return 0;
    return key->pub != NULL;
}

static int
km_match(const void *k1, const void *k2, int selection)
{
    const struct myna_ec_key *a = k1, *b = k2;

    if ((selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY) &&
        !(selection & OSSL_KEYMGMT_SELECT_PUBLIC_KEY))
        return a->slot == b->slot && a->handle == b->handle;
    /* A key pair matches when its public halves do. */
    return strcmp(a->group, b->group) == 0 && a->pub_len == b->pub_len &&
           memcmp(a->pub, b->pub, a->pub_len) == 0;
}

/* As OpenSSL's EC keymgmt (providers/implementations/keymgmt/ec_kmgmt.c) */
static int
security_bits(int bits)
{
    return bits >= 512   ? 256
           : bits >= 384 ? 192
           : bits >= 256 ? 128
           : bits >= 224 ? 112
           : bits >= 160 ? 80
                         : bits / 2;
}

static int
km_get_params(void *keydata, OSSL_PARAM params[])
{
    struct myna_ec_key *key = keydata;
    OSSL_PARAM *p;

    p = OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_BITS);
    if (p != NULL && !OSSL_PARAM_set_int(p, key->bits))
        return 0;
    p = OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_SECURITY_BITS);
    if (p != NULL && !OSSL_PARAM_set_int(p, security_bits(key->bits)))
        return 0;
    p = OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_MAX_SIZE);
    if (p != NULL && !OSSL_PARAM_set_int(p, (int)myna_ec_key_sig_max(key)))
        return 0;
    p = OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_DEFAULT_DIGEST);
    if (p != NULL && !OSSL_PARAM_set_utf8_string(p, "SHA256"))
        return 0;
    p = OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_GROUP_NAME);
    if (p != NULL && !OSSL_PARAM_set_utf8_string(p, key->group))
        return 0;
    p = OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_PUB_KEY);
    if (p != NULL && !OSSL_PARAM_set_octet_string(p, key->pub, key->pub_len))
        return 0;
    p = OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY);
    if (p != NULL && !OSSL_PARAM_set_octet_string(p, key->pub, key->pub_len))
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
        OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, NULL, 0),
        OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_PUB_KEY, NULL, 0),
        OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, NULL, 0),
        OSSL_PARAM_END
    };

    (void)provctx;
    return gettable;
}

/*
 * Public parts only (see keymgmt-rsa.c for why a selection that includes
 * the public key is answered): the group by name (domain parameters) and
 * the point, as EVP_PKEY-EC(7) names them.
 */
static int
km_export(void *keydata, int selection, OSSL_CALLBACK *cb, void *cbarg)
{
    struct myna_ec_key *key = keydata;
    OSSL_PARAM_BLD *bld;
    OSSL_PARAM *params = NULL;
    int ok = 0;

    if (!(selection & (OSSL_KEYMGMT_SELECT_PUBLIC_KEY |
                       OSSL_KEYMGMT_SELECT_DOMAIN_PARAMETERS))) {
        MYNA_RAISE(MYNA_R_OPERATION_UNSUPPORTED,
                   "a token's private key cannot be exported");
        return 0;
    }
    bld = OSSL_PARAM_BLD_new();
    if (bld != NULL &&
        OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
                                        key->group, 0) &&
        (!(selection & OSSL_KEYMGMT_SELECT_PUBLIC_KEY) ||
         OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
                                          key->pub, key->pub_len)))
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
        OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, NULL, 0),
        OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_PUB_KEY, NULL, 0),
        OSSL_PARAM_END
    };

    return (selection & (OSSL_KEYMGMT_SELECT_PUBLIC_KEY |
                         OSSL_KEYMGMT_SELECT_DOMAIN_PARAMETERS))
               ? types
               : NULL;
}

static const char *
km_query_name(int operation_id)
{
    return operation_id == OSSL_OP_SIGNATURE ? "ECDSA" : NULL;
}

const OSSL_DISPATCH myna_ec_keymgmt_functions[] = {
    { OSSL_FUNC_KEYMGMT_NEW, (void (*)(void))km_new },
    { OSSL_FUNC_KEYMGMT_LOAD, (void (*)(void))km_load },
    { OSSL_FUNC_KEYMGMT_FREE, (void (*)(void))km_free },
    { OSSL_FUNC_KEYMGMT_HAS, (void (*)(void))km_has },
    { OSSL_FUNC_KEYMGMT_MATCH, (void (*)(void))km_match },
    { OSSL_FUNC_KEYMGMT_GET_PARAMS, (void (*)(void))km_get_params },
    { OSSL_FUNC_KEYMGMT_GETTABLE_PARAMS, (void (*)(void))km_gettable_params },
    { OSSL_FUNC_KEYMGMT_EXPORT, (void (*)(void))km_export },
    { OSSL_FUNC_KEYMGMT_EXPORT_TYPES, (void (*)(void))km_export_types },
    { OSSL_FUNC_KEYMGMT_QUERY_OPERATION_NAME, (void (*)(void))km_query_name },
    { 0, NULL }
};
