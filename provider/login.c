/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Login policy (issue #4).  A PIN comes from, in order: the URI's
 * pin-value, the URI's pin-source, the provider's pin-source, the
 * passphrase callback OSSL_STORE passes to the loader (provider-storemgmt
 * (7); the openssl CLI's -passin and prompt arrive through it).  No login
 * is attempted when the token reports CKF_USER_PIN_LOCKED or
 * CKF_USER_PIN_FINAL_TRY (PKCS#11 base §5.5 CK_TOKEN_INFO flags): the
 * user decides about the last try, not a program.  A PIN that failed on a
 * token is remembered (as a salted hash) and never sent to it again.
 * PINs are wiped with OPENSSL_cleanse.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "errors.h"
#include "prov.h"

struct pin {
    char buf[MYNA_PIN_MAX + 1];
    size_t len;
};

static void
token_name(const CK_TOKEN_INFO *ti, char *out, size_t size)
{
    size_t len = sizeof(ti->label);

    while (len > 0 && ti->label[len - 1] == ' ')
        len--;
    snprintf(out, size, "%.*s", (int)len, (const char *)ti->label);
}

/* pin-source: "file:PATH" or PATH; the first line of the file. */
static int
pin_from_file(const char *source, struct pin *pin)
{
    const char *path = source;
    FILE *f;
    int ok;

    if (strncmp(path, "file:", 5) == 0)
        path += 5;
    f = fopen(path, "re");
    if (f == NULL) {
        MYNA_RAISE(MYNA_R_PIN_UNAVAILABLE, "cannot open pin-source %s", path);
        return 0;
    }
    ok = fgets(pin->buf, sizeof(pin->buf), f) != NULL;
    fclose(f);
    if (!ok) {
        MYNA_RAISE(MYNA_R_PIN_UNAVAILABLE, "pin-source %s is empty", path);
        return 0;
    }
    pin->len = strcspn(pin->buf, "\r\n");
    pin->buf[pin->len] = '\0';
    return 1;
}

static int
pin_from_string(const char *s, struct pin *pin)
{
    pin->len = strlen(s);
    if (pin->len > MYNA_PIN_MAX) {
        MYNA_RAISE(MYNA_R_PIN_INVALID, "PIN longer than %d bytes",
                   MYNA_PIN_MAX);
        return 0;
    }
    memcpy(pin->buf, s, pin->len + 1);
    return 1;
}

static int
get_pin(struct myna_prov *prov, const struct myna_uri *u, const char *token,
        OSSL_PASSPHRASE_CALLBACK *cb, void *cbarg, struct pin *pin)
{
    char info[128];
    OSSL_PARAM params[2];

    if (u != NULL && u->pin_value != NULL)
        return pin_from_string(u->pin_value, pin);
    if (u != NULL && u->pin_source != NULL)
        return pin_from_file(u->pin_source, pin);
    if (prov->pin_source != NULL)
        return pin_from_file(prov->pin_source, pin);
    if (cb == NULL) {
        MYNA_RAISE(MYNA_R_PIN_UNAVAILABLE,
                   "token '%s' needs a PIN and none was given", token);
        return 0;
    }
    snprintf(info, sizeof(info), "PIN of %s", token);
    params[0] =
        OSSL_PARAM_construct_utf8_string(OSSL_PASSPHRASE_PARAM_INFO, info, 0);
    params[1] = OSSL_PARAM_construct_end();
    if (!cb(pin->buf, MYNA_PIN_MAX, &pin->len, params, cbarg)) {
        MYNA_RAISE(MYNA_R_PIN_UNAVAILABLE, "no PIN entered for '%s'", token);
        return 0;
    }
    pin->buf[pin->len < MYNA_PIN_MAX ? pin->len : MYNA_PIN_MAX] = '\0';
    return 1;
}

/* SHA-256 over slot id, token serial and label, and the PIN. */
static int
pin_hash(struct myna_prov *prov, CK_SLOT_ID slot, const CK_TOKEN_INFO *ti,
         const struct pin *pin, unsigned char out[32])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_MD *sha = EVP_MD_fetch(prov->libctx, "SHA256", NULL);
    int ok;

    ok = md != NULL && sha != NULL && EVP_DigestInit_ex(md, sha, NULL) &&
         EVP_DigestUpdate(md, &slot, sizeof(slot)) &&
         EVP_DigestUpdate(md, ti->serialNumber, sizeof(ti->serialNumber)) &&
         EVP_DigestUpdate(md, ti->label, sizeof(ti->label)) &&
         EVP_DigestUpdate(md, pin->buf, pin->len) &&
         EVP_DigestFinal_ex(md, out, NULL);
    EVP_MD_CTX_free(md);
    EVP_MD_free(sha);
    if (!ok)
        MYNA_RAISE(MYNA_R_INTERNAL, "cannot hash the PIN (SHA-256)");
    return ok;
}

static bool
pin_failed_before(struct myna_prov *prov, const unsigned char h[32])
{
    bool found = false;
    size_t i;

    pthread_mutex_lock(&prov->lock);
    for (i = 0; i < prov->nbad && !found; i++)
        found = CRYPTO_memcmp(prov->bad[i].hash, h, 32) == 0;
    pthread_mutex_unlock(&prov->lock);
    return found;
}

static void
remember_failed(struct myna_prov *prov, const unsigned char h[32])
{
    struct myna_bad_pin *grown;

    pthread_mutex_lock(&prov->lock);
    grown = OPENSSL_realloc(prov->bad, (prov->nbad + 1) * sizeof(*grown));
    if (grown != NULL) {
        prov->bad = grown;
        memcpy(prov->bad[prov->nbad++].hash, h, 32);
    }
    pthread_mutex_unlock(&prov->lock);
}

/* Refuse before any VERIFY when the token says so (base §5.5). */
static int
check_pin_flags(CK_FLAGS flags, const char *token)
{
    if (flags & CKF_USER_PIN_LOCKED) {
        MYNA_RAISE(MYNA_R_PIN_LOCKED, "the PIN of '%s' is locked", token);
        return 0;
    }
    if (flags & CKF_USER_PIN_FINAL_TRY) {
        MYNA_RAISE(MYNA_R_PIN_FINAL_TRY,
                   "the PIN of '%s' is on its final try (one try left); not "
                   "trying it (use the token's own tool)",
                   token);
        return 0;
    }
    return 1;
}

static void
raise_incorrect(struct myna_p11 *p, CK_SLOT_ID slot, const char *token)
{
    CK_TOKEN_INFO ti;
    const char *left = "the token does not report how many tries are left";

    if (myna_p11_fn(p)->C_GetTokenInfo(slot, &ti) == CKR_OK) {
        if (ti.flags & CKF_USER_PIN_LOCKED)
            left = "no tries left: the PIN is now locked";
        else if (ti.flags & CKF_USER_PIN_FINAL_TRY)
            left = "1 try left";
        else if (ti.flags & CKF_USER_PIN_COUNT_LOW)
            left = "tries left: few (the token reports the count as low)";
    }
    MYNA_RAISE(MYNA_R_PIN_INCORRECT, "PIN incorrect for '%s' (%s)", token,
               left);
}

static int
logged_in(struct myna_p11 *p, CK_SLOT_ID slot, int *yes)
{
    CK_SESSION_HANDLE s;
    CK_SESSION_INFO si;
    CK_RV rv;

    if (!myna_p11_session_get(p, slot, &s))
        return 0;
    rv = myna_p11_fn(p)->C_GetSessionInfo(s, &si);
    myna_p11_session_put(p, slot, rv);
    if (rv != CKR_OK) {
        MYNA_RAISE_RV(rv, "C_GetSessionInfo");
        return 0;
    }
    *yes = si.state == CKS_RW_USER_FUNCTIONS ||
           si.state == CKS_RO_USER_FUNCTIONS || si.state == CKS_RW_SO_FUNCTIONS;
    return 1;
}

static int
do_login(struct myna_p11 *p, CK_SLOT_ID slot, const struct pin *pin, CK_RV *rv)
{
    CK_SESSION_HANDLE s;

    if (!myna_p11_session_get(p, slot, &s))
        return 0;
    *rv = myna_p11_fn(p)->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)pin->buf,
                                  (CK_ULONG)pin->len);
    myna_p11_session_put(p, slot, *rv);
    return 1;
}

int
myna_login(struct myna_prov *prov, struct myna_p11 *p, CK_SLOT_ID slot,
           const struct myna_uri *u, OSSL_PASSPHRASE_CALLBACK *cb, void *cbarg)
{
    CK_TOKEN_INFO ti;
    struct pin pin;
    unsigned char h[32];
    char token[40];
    int yes = 0, ok = 0;
    CK_RV rv;

    memset(&pin, 0, sizeof(pin));
    rv = myna_p11_fn(p)->C_GetTokenInfo(slot, &ti);
    if (rv != CKR_OK) {
        MYNA_RAISE_RV(rv, "C_GetTokenInfo");
        return 0;
    }
    token_name(&ti, token, sizeof(token));
    if (!(ti.flags & CKF_LOGIN_REQUIRED))
        return 1;
    if (!logged_in(p, slot, &yes))
        return 0;
    if (yes)
        return 1;
    if (!check_pin_flags(ti.flags, token))
        return 0;
    /* No lock held here: the callback may prompt for as long as it likes */
    if (!get_pin(prov, u, token, cb, cbarg, &pin))
        goto out;
    if (!pin_hash(prov, slot, &ti, &pin, h))
        goto out;
    if (pin_failed_before(prov, h)) {
        MYNA_RAISE(MYNA_R_PIN_ALREADY_FAILED,
                   "this PIN was rejected by '%s' before; not sending it "
                   "again",
                   token);
        goto out;
    }
    myna_debug(prov, "C_Login on '%s' (slot %lu)", token, (unsigned long)slot);
    if (!do_login(p, slot, &pin, &rv))
        goto out;
    switch (rv) {
    case CKR_OK:
    case CKR_USER_ALREADY_LOGGED_IN:
        ok = 1;
        break;
    case CKR_PIN_INCORRECT:
        remember_failed(prov, h);
        raise_incorrect(p, slot, token);
        break;
    case CKR_PIN_INVALID:
    case CKR_PIN_LEN_RANGE:
        /* Rejected without a try spent, but it cannot work: remember it */
        remember_failed(prov, h);
        MYNA_RAISE_RV(rv, "C_Login");
        break;
    default:
        MYNA_RAISE_RV(rv, "C_Login");
        break;
    }
out:
    OPENSSL_cleanse(&pin, sizeof(pin));
    OPENSSL_cleanse(h, sizeof(h));
    return ok;
}

int
myna_login_pin(struct myna_prov *prov, struct myna_p11 *p, CK_SLOT_ID slot,
               const struct myna_uri *u, OSSL_PASSPHRASE_CALLBACK *cb,
               void *cbarg, char **out)
{
    CK_TOKEN_INFO ti;
    struct pin pin;
    unsigned char h[32];
    char token[40];
    int ok = 0;
    CK_RV rv;

    *out = NULL;
    memset(&pin, 0, sizeof(pin));
    rv = myna_p11_fn(p)->C_GetTokenInfo(slot, &ti);
    if (rv != CKR_OK) {
        MYNA_RAISE_RV(rv, "C_GetTokenInfo");
        return 0;
    }
    token_name(&ti, token, sizeof(token));
    if (!check_pin_flags(ti.flags, token) ||
        !get_pin(prov, u, token, cb, cbarg, &pin) ||
        !pin_hash(prov, slot, &ti, &pin, h))
        goto out;
    if (pin_failed_before(prov, h)) {
        MYNA_RAISE(MYNA_R_PIN_ALREADY_FAILED,
                   "this PIN was rejected by '%s' before; not sending it "
                   "again",
                   token);
        goto out;
    }
    *out = OPENSSL_strndup(pin.buf, pin.len);
    ok = *out != NULL;
    if (!ok)
        MYNA_RAISE(MYNA_R_MALLOC, NULL);
out:
    OPENSSL_cleanse(&pin, sizeof(pin));
    OPENSSL_cleanse(h, sizeof(h));
    return ok;
}
