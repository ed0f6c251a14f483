/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ENCODER "RSA" to SubjectPublicKeyInfo, DER and PEM, and to text
 * (provider-encoder(7)).  A token private key is never exported to
 * another provider (keymgmt-rsa.c), so the default provider's encoders
 * cannot reach it: this is what "openssl pkey -pubout", X509_PUBKEY_set
 * (req, x509, cms) and PEM_write_bio_PUBKEY use instead.  Only the public
 * key is ever written; the DER is built here (RFC 8017 A.1.1 RSAPublicKey
 * inside RFC 5280 §4.1.2.7 SubjectPublicKeyInfo, RFC 3279 §2.3.1) so that
 * encoding never goes back through OpenSSL's encoder selection.  The text
 * form ("openssl pkey -text") says that the private half is in a token.
 */
#include "config.h"

#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_dispatch.h>
#include <openssl/crypto.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "errors.h"
#include "prov.h"

static OSSL_FUNC_encoder_newctx_fn enc_newctx;
static OSSL_FUNC_encoder_freectx_fn enc_freectx;
static OSSL_FUNC_encoder_does_selection_fn enc_does_selection;
static OSSL_FUNC_encoder_encode_fn enc_encode_der;
static OSSL_FUNC_encoder_encode_fn enc_encode_pem;
static OSSL_FUNC_encoder_does_selection_fn enc_text_does_selection;
static OSSL_FUNC_encoder_encode_fn enc_encode_text;

static void *
enc_newctx(void *provctx)
{
    return provctx;
}

static void
enc_freectx(void *ctx)
{
    (void)ctx;
}

static int
enc_does_selection(void *provctx, int selection)
{
    (void)provctx;
    return (selection & OSSL_KEYMGMT_SELECT_PUBLIC_KEY) != 0;
}

static int
enc_text_does_selection(void *provctx, int selection)
{
    (void)provctx;
    return (selection & OSSL_KEYMGMT_SELECT_KEYPAIR) != 0;
}

/* DER INTEGER of bn appended at *pp (i2d style); returns its length. */
static int
der_integer(const BIGNUM *bn, unsigned char **pp)
{
    ASN1_INTEGER *ai = BN_to_ASN1_INTEGER(bn, NULL);
    int len = ai != NULL ? i2d_ASN1_INTEGER(ai, pp) : -1;

    ASN1_INTEGER_free(ai);
    return len;
}

/* SubjectPublicKeyInfo DER of key, OPENSSL_malloc'ed. */
static int
spki_der(const struct myna_key *key, unsigned char **der, int *derlen)
{
    unsigned char *rsapub = NULL, *q;
    int nlen, elen, seqlen, total;
    X509_PUBKEY *xpk = NULL;
    int ok = 0;

    *der = NULL;
    if (key == NULL || key->n == NULL || key->e == NULL) {
        MYNA_RAISE(MYNA_R_KEY_UNSUPPORTED, "no public key to encode");
        return 0;
    }
    nlen = der_integer(key->n, NULL);
    elen = der_integer(key->e, NULL);
    if (nlen <= 0 || elen <= 0)
        goto err;
    seqlen = nlen + elen;
    total = ASN1_object_size(1, seqlen, V_ASN1_SEQUENCE);
    if (total <= 0 || (rsapub = OPENSSL_malloc(total)) == NULL)
        goto err;
    q = rsapub;
    ASN1_put_object(&q, 1, seqlen, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL);
    if (der_integer(key->n, &q) != nlen || der_integer(key->e, &q) != elen)
        goto err;
    xpk = X509_PUBKEY_new();
    /* X509_PUBKEY_set0_param takes rsapub. */
    if (xpk == NULL ||
        !X509_PUBKEY_set0_param(xpk, OBJ_nid2obj(NID_rsaEncryption),
                                V_ASN1_NULL, NULL, rsapub, total))
        goto err;
    rsapub = NULL;
    *derlen = i2d_X509_PUBKEY(xpk, der);
    ok = *derlen > 0;
err:
    if (!ok)
        MYNA_RAISE(MYNA_R_INTERNAL, "cannot encode the RSA public key");
    OPENSSL_free(rsapub);
    X509_PUBKEY_free(xpk);
    return ok;
}

static int
encode(void *vctx, OSSL_CORE_BIO *cout, const void *obj, int selection, int pem)
{
    struct myna_prov *prov = vctx;
    unsigned char *der = NULL;
    int derlen = 0, ok = 0;
    BIO *out;

    if (!(selection & OSSL_KEYMGMT_SELECT_PUBLIC_KEY)) {
        MYNA_RAISE(MYNA_R_OPERATION_UNSUPPORTED,
                   "a token's private key cannot be encoded");
        return 0;
    }
    if (!spki_der(obj, &der, &derlen))
        return 0;
    out = BIO_new_from_core_bio(prov->libctx, cout);
    if (out != NULL)
        ok = pem ? PEM_write_bio(out, PEM_STRING_PUBLIC, "", der, derlen) > 0
                 : BIO_write(out, der, derlen) == derlen;
    if (!ok)
        MYNA_RAISE(MYNA_R_INTERNAL, "cannot write the public key");
    BIO_free(out);
    OPENSSL_free(der);
    return ok;
}

static int
enc_encode_der(void *vctx, OSSL_CORE_BIO *cout, const void *obj_raw,
               const OSSL_PARAM obj_abstract[], int selection,
               OSSL_PASSPHRASE_CALLBACK *cb, void *cbarg)
{
    (void)obj_abstract;
    (void)cb;
    (void)cbarg;
    return encode(vctx, cout, obj_raw, selection, 0);
}

static int
enc_encode_pem(void *vctx, OSSL_CORE_BIO *cout, const void *obj_raw,
               const OSSL_PARAM obj_abstract[], int selection,
               OSSL_PASSPHRASE_CALLBACK *cb, void *cbarg)
{
    (void)obj_abstract;
    (void)cb;
    (void)cbarg;
    return encode(vctx, cout, obj_raw, selection, 1);
}

static int
enc_encode_text(void *vctx, OSSL_CORE_BIO *cout, const void *obj_raw,
                const OSSL_PARAM obj_abstract[], int selection,
                OSSL_PASSPHRASE_CALLBACK *cb, void *cbarg)
{
    struct myna_prov *prov = vctx;
    const struct myna_key *key = obj_raw;
    BIO *out;
    int ok = 0;

    (void)obj_abstract;
    (void)cb;
    (void)cbarg;
    if (key == NULL || key->n == NULL || key->e == NULL) {
        MYNA_RAISE(MYNA_R_KEY_UNSUPPORTED, "no public key to print");
        return 0;
    }
    out = BIO_new_from_core_bio(prov->libctx, cout);
    if (out == NULL)
        goto err;
    if ((selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY) &&
        key->cls == CKO_PRIVATE_KEY)
        ok = BIO_printf(out,
                        "Private-Key: (%d bit, in a PKCS#11 token, "
                        "not extractable)\n",
                        BN_num_bits(key->n)) > 0;
    else
        ok = BIO_printf(out, "Public-Key: (%d bit)\n", BN_num_bits(key->n)) > 0;
    ok = ok && ASN1_bn_print(out, "Modulus:", key->n, NULL, 0) &&
         ASN1_bn_print(out, "Exponent:", key->e, NULL, 0);
err:
    if (!ok)
        MYNA_RAISE(MYNA_R_INTERNAL, "cannot print the key");
    BIO_free(out);
    return ok;
}

const OSSL_DISPATCH myna_rsa_text_encoder_functions[] = {
    { OSSL_FUNC_ENCODER_NEWCTX, (void (*)(void))enc_newctx },
    { OSSL_FUNC_ENCODER_FREECTX, (void (*)(void))enc_freectx },
    { OSSL_FUNC_ENCODER_DOES_SELECTION,
      (void (*)(void))enc_text_does_selection },
    { OSSL_FUNC_ENCODER_ENCODE, (void (*)(void))enc_encode_text },
    { 0, NULL }
};

const OSSL_DISPATCH myna_rsa_spki_der_encoder_functions[] = {
    { OSSL_FUNC_ENCODER_NEWCTX, (void (*)(void))enc_newctx },
    { OSSL_FUNC_ENCODER_FREECTX, (void (*)(void))enc_freectx },
    { OSSL_FUNC_ENCODER_DOES_SELECTION, (void (*)(void))enc_does_selection },
    { OSSL_FUNC_ENCODER_ENCODE, (void (*)(void))enc_encode_der },
    { 0, NULL }
};

const OSSL_DISPATCH myna_rsa_spki_pem_encoder_functions[] = {
    { OSSL_FUNC_ENCODER_NEWCTX, (void (*)(void))enc_newctx },
    { OSSL_FUNC_ENCODER_FREECTX, (void (*)(void))enc_freectx },
    { OSSL_FUNC_ENCODER_DOES_SELECTION, (void (*)(void))enc_does_selection },
    { OSSL_FUNC_ENCODER_ENCODE, (void (*)(void))enc_encode_pem },
    { 0, NULL }
};
