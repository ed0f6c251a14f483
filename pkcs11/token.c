/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The JPKI application as two PKCS#11 tokens (card-protocol.md §13.3):
 * "auth" (4-digit PIN: auth key, its public key and certificate, both CA
 * certificates) and "sign" (6-16 character password: sign key, and the
 * sign certificate and public key, which the card releases only after the
 * password, §3.1).  Public data is read once per insertion, and only when a
 * call needs it: listing tokens reads EF 0006 and the PIN counters, never a
 * certificate; signing needs no certificate either (docs/pkcs11-module.md,
 * "APDU budget").
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "pin.h"
#include "x509.h"

struct cert_def {
    uint16_t fid;
    const char *label;
    uint8_t id;
    bool is_ca;
};

/* CKA_IDs 01-04 as OpenSC's JPKI emulation (§13.2), so that configurations
 * written for OpenSC keep working.  A key pair and its certificate share
 * one label, as they share the CKA_ID, so that applications that pair
 * objects by label find them (OpenSC's three labels differ). */
static const struct cert_def cert_defs[MYNA_CERT_COUNT] = {
    [MYNA_CERT_AUTH] = { MYNA_EF_AUTH_CERT, "User Authentication", 0x01,
                         false },
    [MYNA_CERT_AUTH_CA] = { MYNA_EF_AUTH_CA,
                            "User Authentication CA Certificate", 0x03, true },
    [MYNA_CERT_SIGN_CA] = { MYNA_EF_SIGN_CA, "Digital Signature CA Certificate",
                            0x04, true },
    [MYNA_CERT_SIGN] = { MYNA_EF_SIGN_CERT, "Digital Signature", 0x02, false },
};

static const char *const token_labels[MYNA_TOKENS_PER_CARD] = {
    "JPKI User Authentication",
    "JPKI Digital Signature",
};

/* §5.1: 3 tries for the auth PIN, 5 for the sign password. */
static const int max_tries[MYNA_TOKENS_PER_CARD] = { 3, 5 };
static const CK_ULONG pin_len[MYNA_TOKENS_PER_CARD][2] = { { 4, 4 },
                                                           { 6, 16 } };

static void
pad(CK_UTF8CHAR *dst, size_t len, const char *s)
{
    size_t n = strlen(s);

    memset(dst, ' ', len);
    memcpy(dst, s, n < len ? n : len);
}

struct read_arg {
    uint16_t fid;
    uint8_t **data;
    size_t *len;
};

static CK_RV
read_op(struct myna_io *io, void *arg)
{
    struct read_arg *a = arg;

    return myna_card_read_ef(io, a->fid, a->data, a->len);
}

/* Read a whole EF of the JPKI AP.  6982 (myna_card_read_ef's
 * CKR_USER_NOT_LOGGED_IN) is only foreseen for EF 0001 before the sign
 * password (§3.1), and the module reads it only after: the card no longer
 * counts the password (someone re-selected the AP or reset the card), so
 * the sign token is logged out, as after a 6982 to a signature.  The
 * functions that read (C_GetTokenInfo, C_GetAttributeValue,
 * C_FindObjectsInit) may not answer CKR_USER_NOT_LOGGED_IN (PKCS#11 v3.0
 * §5.5, §5.7): it is CKR_DEVICE_ERROR.  Found by fuzz-p11-module. */
static CK_RV
read_ef_inlock(struct myna_reader *r, uint16_t fid, uint8_t **data, size_t *len)
{
    struct read_arg a = { fid, data, len };
    CK_RV rv = myna_reader_run_inlock(r, read_op, &a, true);

    if (rv == CKR_USER_NOT_LOGGED_IN) {
        if (fid == MYNA_EF_SIGN_CERT)
            r->tokens[MYNA_KEY_SIGN].logged_in = false;
        rv = CKR_DEVICE_ERROR;
    }
    return rv;
}

/* Read a certificate once per insertion (EF 0001 only after the sign
 * password). */
static CK_RV
load_cert_inlock(struct myna_reader *r, enum myna_cert_src src)
{
    struct myna_blob *b = &r->certs[src];

    if (b->data != NULL)
        return CKR_OK;
    return read_ef_inlock(r, cert_defs[src].fid, &b->data, &b->len);
}

/* The token serial number identifies the card: EF 0006's serialNumber
 * field (§3.2), per card on the virtual card; where it is blank or all
 * zeros (the real card's value is UNCONFIRMED, §16.13) the auth
 * certificate's serial number, which J-LIS makes unique per CA. */
static CK_RV
serial_from_card_inlock(struct myna_reader *r)
{
    char s[17];
    size_t n = 16;
    CK_RV rv;

    memcpy(s, r->token_info + 80, 16);
    s[16] = '\0';
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\0'))
        s[--n] = '\0';
    if (n > 0 && strspn(s, "0") != n) {
        memcpy(r->serial, s, n + 1);
        return CKR_OK;
    }
    rv = load_cert_inlock(r, MYNA_CERT_AUTH);
    if (rv != CKR_OK)
        return rv;
    return myna_x509_serial_hex(r->certs[MYNA_CERT_AUTH].data,
                                r->certs[MYNA_CERT_AUTH].len, r->serial,
                                sizeof(r->serial));
}

CK_RV
myna_token_load_info_inlock(struct myna_reader *r)
{
    uint8_t *data = NULL;
    size_t len = 0;
    CK_RV rv;

    if (r->have_info)
        return CKR_OK;
    rv = read_ef_inlock(r, MYNA_EF_TOKEN_INFO, &data, &len);
    if (rv == CKR_OK && len < sizeof(r->token_info))
        rv = CKR_DEVICE_ERROR;
    if (rv == CKR_OK) {
        memcpy(r->token_info, data, sizeof(r->token_info));
        rv = serial_from_card_inlock(r);
    }
    free(data);
    r->have_info = rv == CKR_OK;
    return rv;
}

struct tries_arg {
    enum myna_key key;
    int tries;
};

static CK_RV
tries_op(struct myna_io *io, void *arg)
{
    struct tries_arg *a = arg;

    return myna_card_pin_tries(io, a->key, &a->tries);
}

/* The empty VERIFY presents no PIN: it may be repeated. */
static CK_RV
read_tries_inlock(struct myna_reader *r, enum myna_key key)
{
    struct tries_arg a = { key, -1 };
    CK_RV rv = myna_reader_run_inlock(r, tries_op, &a, true);

    if (rv == CKR_OK)
        r->tokens[key].tries = a.tries;
    return rv;
}

static CK_VERSION
ascii_version(const uint8_t *v)
{
    CK_VERSION out = { 0, 0 };

    if (v[0] >= '0' && v[0] <= '9' && v[1] >= '0' && v[1] <= '9')
        out.major = (CK_BYTE)((v[0] - '0') * 10 + (v[1] - '0'));
    return out;
}

/* §5.3: the retry counter is read with the empty VERIFY, which never
 * spends a try; it is read again on every call because another program
 * may have tried a PIN since. */
CK_RV
myna_token_info_inlock(struct myna_reader *r, enum myna_key key,
                       CK_TOKEN_INFO *info)
{
    CK_RV rv = myna_token_load_info_inlock(r);
    int tries;

    if (rv == CKR_OK)
        rv = read_tries_inlock(r, key);
    if (rv != CKR_OK)
        return rv;
    tries = r->tokens[key].tries;
    memset(info, 0, sizeof(*info));
    pad(info->label, sizeof(info->label), token_labels[key]);
    pad(info->manufacturerID, sizeof(info->manufacturerID), "J-LIS");
    pad(info->model, sizeof(info->model), "My Number Card");
    pad(info->serialNumber, sizeof(info->serialNumber), r->serial);
    info->flags =
        CKF_LOGIN_REQUIRED | CKF_USER_PIN_INITIALIZED | CKF_TOKEN_INITIALIZED;
    if (tries < max_tries[key])
        info->flags |= CKF_USER_PIN_COUNT_LOW;
    if (tries == 1)
        info->flags |= CKF_USER_PIN_FINAL_TRY;
    if (tries == 0)
        info->flags |= CKF_USER_PIN_LOCKED;
    info->ulMaxSessionCount = CK_EFFECTIVELY_INFINITE;
    info->ulSessionCount = CK_UNAVAILABLE_INFORMATION;
    info->ulMaxRwSessionCount = CK_EFFECTIVELY_INFINITE;
    info->ulRwSessionCount = CK_UNAVAILABLE_INFORMATION;
    info->ulMinPinLen = pin_len[key][0];
    info->ulMaxPinLen = pin_len[key][1];
    info->ulTotalPublicMemory = CK_UNAVAILABLE_INFORMATION;
    info->ulFreePublicMemory = CK_UNAVAILABLE_INFORMATION;
    info->ulTotalPrivateMemory = CK_UNAVAILABLE_INFORMATION;
    info->ulFreePrivateMemory = CK_UNAVAILABLE_INFORMATION;
    info->hardwareVersion = ascii_version(r->token_info + 140);
    info->firmwareVersion = ascii_version(r->token_info + 142);
    memset(info->utcTime, ' ', sizeof(info->utcTime));
    return CKR_OK;
}

/* ------------------------------------------------------------------ */
/* Objects                                                            */
/* ------------------------------------------------------------------ */

/* Attributes that come from a certificate: asking for one of them is what
 * makes the module read that certificate (once per insertion). */
static bool
cert_derived(CK_ATTRIBUTE_TYPE t)
{
    static const CK_ATTRIBUTE_TYPE types[] = {
        CKA_VALUE,
        CKA_SUBJECT,
        CKA_ISSUER,
        CKA_SERIAL_NUMBER,
        CKA_START_DATE,
        CKA_END_DATE,
        CKA_CHECK_VALUE,
        CKA_HASH_OF_SUBJECT_PUBLIC_KEY,
        CKA_HASH_OF_ISSUER_PUBLIC_KEY,
        CKA_NAME_HASH_ALGORITHM,
        CKA_JAVA_MIDP_SECURITY_DOMAIN,
        CKA_URL,
        CKA_PUBLIC_KEY_INFO,
        CKA_MODULUS,
        CKA_PUBLIC_EXPONENT,
    };

    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (types[i] == t)
            return true;
    return false;
}

static struct myna_object *
new_object(struct myna_token *t, enum myna_obj_kind kind,
           enum myna_cert_src cert, bool is_private)
{
    struct myna_object *o;

    if (t->n_objects >= MYNA_MAX_OBJECTS)
        return NULL;
    o = &t->objects[t->n_objects++];
    memset(o, 0, sizeof(*o));
    o->handle = ++myna_mod.next_object;
    o->kind = kind;
    o->cert = cert;
    o->is_private = is_private;
    myna_attrs_init(&o->attrs);
    return o;
}

/* Storage attributes of every object (base spec §4.4): all objects live on
 * the card and none can be changed through PKCS#11. */
static CK_RV
storage_attrs(struct myna_object *o, CK_OBJECT_CLASS cls, const char *label,
              const char *unique_id)
{
    CK_RV rv = myna_attrs_set_ulong(&o->attrs, CKA_CLASS, cls);

    if (rv == CKR_OK)
        rv = myna_attrs_set_bool(&o->attrs, CKA_TOKEN, CK_TRUE);
    if (rv == CKR_OK)
        rv = myna_attrs_set_bool(&o->attrs, CKA_PRIVATE,
                                 o->is_private ? CK_TRUE : CK_FALSE);
    if (rv == CKR_OK)
        rv = myna_attrs_set_bool(&o->attrs, CKA_MODIFIABLE, CK_FALSE);
    if (rv == CKR_OK)
        rv = myna_attrs_set_bool(&o->attrs, CKA_COPYABLE, CK_FALSE);
    if (rv == CKR_OK)
        rv = myna_attrs_set_bool(&o->attrs, CKA_DESTROYABLE, CK_FALSE);
    if (rv == CKR_OK && label != NULL)
        rv = myna_attrs_set_string(&o->attrs, CKA_LABEL, label);
    if (rv == CKR_OK)
        rv = myna_attrs_set_string(&o->attrs, CKA_UNIQUE_ID, unique_id);
    return rv;
}

static CK_RV
bools(struct myna_attrs *a, const CK_ATTRIBUTE_TYPE *types, size_t n,
      CK_BBOOL v)
{
    CK_RV rv = CKR_OK;

    for (size_t i = 0; rv == CKR_OK && i < n; i++)
        rv = myna_attrs_set_bool(a, types[i], v);
    return rv;
}

static CK_RV
add_cert(struct myna_token *t, enum myna_cert_src src, bool is_private)
{
    const struct cert_def *d = &cert_defs[src];
    struct myna_object *o = new_object(t, MYNA_OBJ_CERT, src, is_private);
    char uid[16];
    CK_RV rv;

    if (o == NULL)
        return CKR_HOST_MEMORY;
    snprintf(uid, sizeof(uid), "cert-%02x", d->id);
    rv = storage_attrs(o, CKO_CERTIFICATE, d->label, uid);
    if (rv == CKR_OK)
        rv = myna_attrs_set(&o->attrs, CKA_ID, &d->id, 1);
    if (rv == CKR_OK)
        rv = myna_attrs_set_ulong(&o->attrs, CKA_CERTIFICATE_TYPE, CKC_X_509);
    if (rv == CKR_OK)
        rv = myna_attrs_set_bool(&o->attrs, CKA_TRUSTED, CK_FALSE);
    /* §4.6.1: 1 = token user, 2 = authority */
    if (rv == CKR_OK)
        rv = myna_attrs_set_ulong(&o->attrs, CKA_CERTIFICATE_CATEGORY,
                                  d->is_ca ? 2 : 1);
    return rv;
}

/* The two keys' attributes that need no certificate; usage attributes
 * agree between the private key (CKA_SIGN) and its public key
 * (CKA_VERIFY), which OpenSC's JPKI public keys lack (§13.2). */
static CK_RV
add_key(struct myna_token *t, enum myna_cert_src src, bool private_key,
        bool is_private)
{
    static const CK_ATTRIBUTE_TYPE priv_false[] = {
        CKA_DECRYPT,     CKA_UNWRAP,
        CKA_DERIVE,      CKA_SIGN_RECOVER,
        CKA_EXTRACTABLE, CKA_WRAP_WITH_TRUSTED,
        CKA_LOCAL,       CKA_ALWAYS_AUTHENTICATE,
    };
    static const CK_ATTRIBUTE_TYPE priv_true[] = {
        CKA_SIGN,
        CKA_SENSITIVE,
        CKA_ALWAYS_SENSITIVE,
        CKA_NEVER_EXTRACTABLE,
    };
    static const CK_ATTRIBUTE_TYPE pub_false[] = {
        CKA_ENCRYPT,        CKA_WRAP,    CKA_DERIVE,
        CKA_VERIFY_RECOVER, CKA_TRUSTED, CKA_LOCAL,
    };
    static const CK_ATTRIBUTE_TYPE priv_secret[] = {
        CKA_PRIVATE_EXPONENT, CKA_PRIME_1,    CKA_PRIME_2,
        CKA_EXPONENT_1,       CKA_EXPONENT_2, CKA_COEFFICIENT,
    };
    const struct cert_def *d = &cert_defs[src];
    struct myna_object *o = new_object(
        t, private_key ? MYNA_OBJ_PRIVKEY : MYNA_OBJ_PUBKEY, src, is_private);
    char uid[16];
    CK_RV rv;

    if (o == NULL)
        return CKR_HOST_MEMORY;
    snprintf(uid, sizeof(uid), "%s-%02x", private_key ? "priv" : "pub", d->id);
    rv = storage_attrs(o, private_key ? CKO_PRIVATE_KEY : CKO_PUBLIC_KEY,
                       d->label, uid);
    if (rv == CKR_OK)
        rv = myna_attrs_set(&o->attrs, CKA_ID, &d->id, 1);
    if (rv == CKR_OK)
        rv = myna_attrs_set_ulong(&o->attrs, CKA_KEY_TYPE, CKK_RSA);
    /* RSA-2048 (§6.1): known without reading the certificate. */
    if (rv == CKR_OK)
        rv = myna_attrs_set_ulong(&o->attrs, CKA_MODULUS_BITS, 2048);
    if (rv == CKR_OK)
        rv = myna_attrs_set_ulong(&o->attrs, CKA_KEY_GEN_MECHANISM,
                                  CK_UNAVAILABLE_INFORMATION);
    /* Keys carry no validity dates of their own (empty, §4.7). */
    if (rv == CKR_OK)
        rv = myna_attrs_set(&o->attrs, CKA_START_DATE, NULL, 0);
    if (rv == CKR_OK)
        rv = myna_attrs_set(&o->attrs, CKA_END_DATE, NULL, 0);
    if (rv == CKR_OK && private_key)
        rv = bools(&o->attrs, priv_false,
                   sizeof(priv_false) / sizeof(priv_false[0]), CK_FALSE);
    if (rv == CKR_OK && private_key)
        rv = bools(&o->attrs, priv_true,
                   sizeof(priv_true) / sizeof(priv_true[0]), CK_TRUE);
    if (rv == CKR_OK && !private_key)
        rv = bools(&o->attrs, pub_false,
                   sizeof(pub_false) / sizeof(pub_false[0]), CK_FALSE);
    if (rv == CKR_OK && !private_key)
        rv = myna_attrs_set_bool(&o->attrs, CKA_VERIFY, CK_TRUE);
    /* The RSA private values exist but never leave the card: asking for
     * one is CKR_ATTRIBUTE_SENSITIVE (base spec §5.7.5 case 1), not
     * CKR_ATTRIBUTE_TYPE_INVALID as for an attribute a key lacks. */
    for (size_t i = 0; rv == CKR_OK && private_key &&
                       i < sizeof(priv_secret) / sizeof(priv_secret[0]);
         i++) {
        rv = myna_attrs_set(&o->attrs, priv_secret[i], NULL, 0);
        if (rv == CKR_OK)
            myna_attrs_set_sensitive(&o->attrs, priv_secret[i]);
    }
    return rv;
}

/* §4.13 profiles: both tokens sign with a key behind a PIN
 * (authentication token); the auth token's certificates are readable
 * without login (public certificates token). */
static CK_RV
add_profile(struct myna_token *t, CK_ULONG profile)
{
    struct myna_object *o =
        new_object(t, MYNA_OBJ_PROFILE, MYNA_CERT_NONE, false);
    char uid[16];
    CK_RV rv;

    if (o == NULL)
        return CKR_HOST_MEMORY;
    snprintf(uid, sizeof(uid), "profile-%lu", profile);
    rv = storage_attrs(o, CKO_PROFILE, NULL, uid);
    if (rv == CKR_OK)
        rv = myna_attrs_set_ulong(&o->attrs, CKA_PROFILE_ID, profile);
    return rv;
}

void
myna_token_build_objects_inlock(struct myna_reader *r)
{
    struct myna_token *auth = &r->tokens[MYNA_KEY_AUTH];
    struct myna_token *sign = &r->tokens[MYNA_KEY_SIGN];
    CK_RV rv;

    myna_token_clear_inlock(r);
    auth->key = MYNA_KEY_AUTH;
    sign->key = MYNA_KEY_SIGN;
    auth->tries = sign->tries = -1;
    rv = add_cert(auth, MYNA_CERT_AUTH, false);
    if (rv == CKR_OK)
        rv = add_key(auth, MYNA_CERT_AUTH, false, false);
    if (rv == CKR_OK)
        rv = add_key(auth, MYNA_CERT_AUTH, true, true);
    if (rv == CKR_OK)
        rv = add_cert(auth, MYNA_CERT_AUTH_CA, false);
    if (rv == CKR_OK)
        rv = add_cert(auth, MYNA_CERT_SIGN_CA, false);
    if (rv == CKR_OK)
        rv = add_profile(auth, CKP_AUTHENTICATION_TOKEN);
    if (rv == CKR_OK)
        rv = add_profile(auth, CKP_PUBLIC_CERTIFICATES_TOKEN);
    /* The sign certificate and its public key are private objects: the
     * card answers 6982 to reading EF 0001 before the password (§3.1). */
    if (rv == CKR_OK)
        rv = add_key(sign, MYNA_CERT_SIGN, true, true);
    if (rv == CKR_OK)
        rv = add_cert(sign, MYNA_CERT_SIGN, true);
    if (rv == CKR_OK)
        rv = add_key(sign, MYNA_CERT_SIGN, false, true);
    if (rv == CKR_OK)
        rv = add_profile(sign, CKP_AUTHENTICATION_TOKEN);
    if (rv != CKR_OK)
        myna_log("cannot build the token objects: 0x%lx", rv);
}

void
myna_token_clear_inlock(struct myna_reader *r)
{
    for (size_t k = 0; k < MYNA_TOKENS_PER_CARD; k++) {
        struct myna_token *t = &r->tokens[k];

        for (size_t i = 0; i < t->n_objects; i++)
            myna_attrs_clear(&t->objects[i].attrs);
        t->n_objects = 0;
        t->logged_in = false;
        t->tries = -1;
    }
}

struct myna_object *
myna_token_object_inlock(struct myna_reader *r, enum myna_key key,
                         CK_OBJECT_HANDLE h)
{
    struct myna_token *t = &r->tokens[key];

    for (size_t i = 0; i < t->n_objects; i++)
        if (t->objects[i].handle == h && myna_object_visible(t, &t->objects[i]))
            return &t->objects[i];
    return NULL;
}

bool
myna_object_visible(const struct myna_token *t, const struct myna_object *o)
{
    return !o->is_private || t->logged_in;
}

/* Read the object's certificate and add what it tells, if the template
 * asks for something only the certificate knows. */
static CK_RV
ensure_cert_inlock(struct myna_reader *r, struct myna_object *o,
                   const CK_ATTRIBUTE *tmpl, CK_ULONG count)
{
    const struct myna_blob *b;
    bool need = false;
    CK_RV rv;

    if (o->cert == MYNA_CERT_NONE || o->cert_loaded)
        return CKR_OK;
    for (CK_ULONG i = 0; i < count && !need; i++)
        need = cert_derived(tmpl[i].type) &&
               myna_attrs_find(&o->attrs, tmpl[i].type) == NULL;
    if (!need)
        return CKR_OK;
    rv = load_cert_inlock(r, o->cert);
    if (rv != CKR_OK)
        return rv;
    b = &r->certs[o->cert];
    if (o->kind == MYNA_OBJ_CERT)
        rv = myna_x509_cert_attrs(&o->attrs, b->data, b->len,
                                  cert_defs[o->cert].is_ca);
    else
        rv = myna_x509_rsa_attrs(&o->attrs, b->data, b->len);
    o->cert_loaded = rv == CKR_OK;
    return rv;
}

CK_RV
myna_object_get_inlock(struct myna_reader *r, struct myna_object *o,
                       CK_ATTRIBUTE_PTR tmpl, CK_ULONG count)
{
    CK_RV rv = ensure_cert_inlock(r, o, tmpl, count);

    if (rv != CKR_OK)
        return rv;
    return myna_attrs_get(&o->attrs, tmpl, count);
}

CK_RV
myna_object_match_inlock(struct myna_reader *r, struct myna_object *o,
                         const CK_ATTRIBUTE *tmpl, CK_ULONG count, bool *match)
{
    CK_RV rv = ensure_cert_inlock(r, o, tmpl, count);

    *match = rv == CKR_OK && myna_attrs_match(&o->attrs, tmpl, count);
    return rv;
}

/* ------------------------------------------------------------------ */
/* PINs and signatures                                                */
/* ------------------------------------------------------------------ */

static void
pin_result(struct myna_token *t, CK_RV rv, int tries_left)
{
    if (rv == CKR_OK)
        t->tries = max_tries[t->key]; /* a success resets it (§5.1) */
    else if (rv == CKR_PIN_INCORRECT)
        t->tries = tries_left;
    else if (rv == CKR_PIN_LOCKED)
        t->tries = 0;
}

/* The PIN's format is checked before any APDU, so a malformed PIN never
 * costs a retry; a wrong one is never retried (§5.2). */
CK_RV
myna_token_login_inlock(struct myna_reader *r, enum myna_key key,
                        const CK_UTF8CHAR *pin, CK_ULONG len)
{
    uint8_t buf[MYNA_PIN_MAX];
    size_t n = 0;
    int tries_left = -1;
    CK_RV rv = myna_pin_normalize(key, pin, len, buf, &n);

    if (rv != CKR_OK)
        return rv;
    rv = myna_reader_begin_inlock(r);
    if (rv == CKR_OK) {
        rv = myna_reader_select_ap_inlock(r);
        if (rv == CKR_OK)
            rv = myna_card_verify(&r->io, key, buf, n, &tries_left);
        myna_reader_end_inlock(r, false);
        rv = myna_reader_check_inlock(r, rv);
    }
    myna_wipe(buf, sizeof(buf));
    pin_result(&r->tokens[key], rv, tries_left);
    if (rv == CKR_OK)
        r->tokens[key].logged_in = true;
    myna_log("login %s: 0x%lx (tries left %d)", token_labels[key], rv,
             r->tokens[key].tries);
    return rv;
}

/* OpenSC's logout (§7, [OSC#2807]): SELECT the AP again, which clears the
 * card's security state.  The card has one state for both PINs, so both
 * tokens of the card are logged out. */
CK_RV
myna_token_logout_inlock(struct myna_reader *r, enum myna_key key)
{
    CK_RV rv = myna_reader_begin_inlock(r);

    (void)key;
    for (size_t k = 0; k < MYNA_TOKENS_PER_CARD; k++)
        r->tokens[k].logged_in = false;
    if (rv != CKR_OK)
        return rv == CKR_DEVICE_REMOVED ? CKR_OK : rv;
    r->ap_selected = false;
    rv = myna_reader_select_ap_inlock(r);
    myna_reader_end_inlock(r, rv != CKR_OK);
    rv = myna_reader_check_inlock(r, rv);
    return rv == CKR_DEVICE_REMOVED ? CKR_OK : rv;
}

/* §5.4: VERIFY the old value, CHANGE REFERENCE DATA to the new one.  When
 * the token was not logged in, the card's verified state that VERIFY left
 * behind is cleared again, so nobody rides on it. */
CK_RV
myna_token_set_pin_inlock(struct myna_reader *r, enum myna_key key,
                          const CK_UTF8CHAR *old_pin, CK_ULONG old_len,
                          const CK_UTF8CHAR *new_pin, CK_ULONG new_len)
{
    uint8_t old_buf[MYNA_PIN_MAX], new_buf[MYNA_PIN_MAX];
    size_t old_n = 0, new_n = 0;
    int tries_left = -1;
    bool was_logged_in = r->tokens[key].logged_in;
    CK_RV rv = myna_pin_normalize(key, old_pin, old_len, old_buf, &old_n);

    if (rv == CKR_OK)
        rv = myna_pin_normalize(key, new_pin, new_len, new_buf, &new_n);
    if (rv != CKR_OK)
        goto out;
    rv = myna_reader_begin_inlock(r);
    if (rv != CKR_OK)
        goto out;
    rv = myna_reader_select_ap_inlock(r);
    /* A SELECT of the AP just now ended the login (§7): then the state
     * VERIFY leaves behind is not the token's and is cleared below. */
    was_logged_in = was_logged_in && r->tokens[key].logged_in;
    if (rv == CKR_OK)
        rv = myna_card_verify(&r->io, key, old_buf, old_n, &tries_left);
    pin_result(&r->tokens[key], rv, tries_left);
    if (rv == CKR_OK)
        rv = myna_card_change(&r->io, key, new_buf, new_n);
    /* 6982 (card.c: CKR_USER_NOT_LOGGED_IN) right after our VERIFY
     * succeeded: the card did not keep the state it just granted, a
     * fault; C_SetPIN may not answer CKR_USER_NOT_LOGGED_IN (PKCS#11 v3.0
     * §5.6).  Found by fuzz-p11-module. */
    if (rv == CKR_USER_NOT_LOGGED_IN)
        rv = CKR_DEVICE_ERROR;
    if (!was_logged_in) {
        r->ap_selected = false;
        if (myna_reader_select_ap_inlock(r) != CKR_OK)
            r->ap_selected = false;
    }
    myna_reader_end_inlock(r, false);
    rv = myna_reader_check_inlock(r, rv);
out:
    myna_wipe(old_buf, sizeof(old_buf));
    myna_wipe(new_buf, sizeof(new_buf));
    return rv;
}

struct sign_arg {
    enum myna_key key;
    const uint8_t *in;
    size_t in_len;
    uint8_t *sig;
    size_t *sig_len;
};

static CK_RV
sign_op(struct myna_io *io, void *arg)
{
    struct sign_arg *a = arg;

    return myna_card_sign(io, a->key, a->in, a->in_len, a->sig, a->sig_len);
}

CK_RV
myna_token_sign_inlock(struct myna_reader *r, enum myna_key key,
                       const uint8_t *in, size_t in_len, uint8_t *sig,
                       size_t *sig_len)
{
    struct sign_arg a = { key, in, in_len, sig, sig_len };
    CK_RV rv = myna_reader_run_inlock(r, sign_op, &a, true);

    /* 6982: the card forgot our PIN (another program re-selected the AP
     * or reset the card): the token is logged out. */
    if (rv == CKR_USER_NOT_LOGGED_IN)
        r->tokens[key].logged_in = false;
    return rv;
}
