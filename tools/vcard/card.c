/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Command engine of the virtual My Number Card.  Every status word and
 * every rule cites card-protocol.md (§ numbers); where that document marks
 * a behaviour UNCONFIRMED the choice made here is named as such.
 */
#include "config.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rsa.h>

#include "apdu.h"
#include "card.h"

#define CLA_ISO 0x00
#define CLA_PROPRIETARY 0x80
#define INS_VERIFY 0x20
#define INS_CHANGE_REFERENCE_DATA 0x24
#define INS_COMPUTE_SIGNATURE 0x2A
#define INS_SELECT 0xA4
#define INS_SET_SESSION_KEY 0xAE
#define INS_READ_BINARY 0xB0
#define INS_LAST_COMMAND 0xFC
#define SW_MEMORY_FAILURE 0x6581
#define SIGN_INPUT_MAX 245 /* 256 - 11 bytes of PKCS#1 v1.5 padding (§6.1) */

struct reply {
    uint8_t *buf;
    size_t len;
};

static uint16_t
reply_data(struct reply *r, const uint8_t *data, size_t len)
{
    memcpy(r->buf, data, len);
    r->len = len;
    return SW_OK;
}

void
vcard_reset(struct vcard *card)
{
    for (size_t i = 0; i < card->n_pins; i++)
        card->pins[i].verified = false;
    card->cur_app = -1;
    card->cur_ef = -1;
}

int
vcard_add_pin(struct vcard *card, const struct vcard_pin *pin)
{
    if (card->n_pins >= VCARD_MAX_PINS)
        return -1;
    card->pins[card->n_pins] = *pin;
    return (int)card->n_pins++;
}

struct vcard_app *
vcard_add_app(struct vcard *card, const char *name, const uint8_t *aid,
              size_t aid_len)
{
    struct vcard_app *app;

    if (card->n_apps >= VCARD_MAX_APPS || aid_len > sizeof(app->aid))
        return NULL;
    app = &card->apps[card->n_apps++];
    memset(app, 0, sizeof(*app));
    app->name = name;
    memcpy(app->aid, aid, aid_len);
    app->aid_len = aid_len;
    return app;
}

struct vcard_ef *
vcard_app_add_ef(struct vcard_app *app, uint16_t fid, enum vcard_ef_type type)
{
    struct vcard_ef *ef;

    if (app->n_efs >= VCARD_MAX_EFS)
        return NULL;
    ef = &app->efs[app->n_efs++];
    memset(ef, 0, sizeof(*ef));
    ef->fid = fid;
    ef->type = type;
    ef->pin = -1;
    return ef;
}

static int
all_in(const uint8_t *v, size_t len, const char *set)
{
    for (size_t i = 0; i < len; i++)
        if (v[i] == 0 || strchr(set, v[i]) == NULL)
            return 0;
    return 1;
}

/* §5.1: auth PIN 4 digits; sign password 6-16 of [A-Z0-9] with at least
 * one letter and one digit (J-LIS).  Whether the card itself checks this
 * on CHANGE REFERENCE DATA is UNCONFIRMED (§16 item 11): we do, so that a
 * test can never leave a card with a PIN no client accepts. */
int
vcard_pin_format_ok(const struct vcard_pin *pin, const uint8_t *value,
                    size_t len)
{
    static const char digits[] = "0123456789";
    static const char letters[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    static const char alnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    int has_digit = 0, has_letter = 0;

    switch (pin->format) {
    case VCARD_PIN_4DIGITS:
        return len == 4 && all_in(value, len, digits);
    case VCARD_PIN_DIGITS:
        return len == pin->len && all_in(value, len, digits);
    case VCARD_PIN_SIGN_PASSWORD:
        if (len < 6 || len > 16)
            return 0;
        for (size_t i = 0; i < len; i++) {
            has_digit |= value[i] != 0 && strchr(digits, value[i]) != NULL;
            has_letter |= value[i] != 0 && strchr(letters, value[i]) != NULL;
        }
        return has_digit && has_letter && all_in(value, len, alnum);
    default:
        return 0;
    }
}

static struct vcard_app *
current_app(struct vcard *card)
{
    return card->cur_app < 0 ? NULL : &card->apps[card->cur_app];
}

static struct vcard_ef *
current_ef(struct vcard *card)
{
    struct vcard_app *app = current_app(card);

    return app == NULL || card->cur_ef < 0 ? NULL : &app->efs[card->cur_ef];
}

static int
find_ef(const struct vcard_app *app, uint16_t fid)
{
    for (size_t i = 0; app != NULL && i < app->n_efs; i++)
        if (app->efs[i].fid == fid)
            return (int)i;
    return -1;
}

/* P2 = 80 names the current EF; P2 = 80|SFI names the EF whose FID is the
 * SFI (every JPKI FID is 0001-001E, §3.1), which also becomes current.
 * Returns NULL and sets *sw when it cannot be resolved. */
static struct vcard_ef *
resolve_p2(struct vcard *card, uint8_t p2, uint16_t *sw)
{
    struct vcard_ef *ef;
    int idx;

    if ((p2 & 0xE0) != 0x80) {
        *sw = SW_WRONG_P1P2;
        return NULL;
    }
    if ((p2 & 0x1F) != 0) {
        idx = find_ef(current_app(card), p2 & 0x1F);
        if (idx < 0) {
            *sw = SW_FILE_NOT_FOUND;
            return NULL;
        }
        card->cur_ef = idx;
    }
    ef = current_ef(card);
    if (ef == NULL)
        *sw = SW_NO_CURRENT_EF;
    return ef;
}

static void
clear_security_state(struct vcard *card)
{
    for (size_t i = 0; i < card->n_pins; i++)
        card->pins[i].verified = false;
}

/* Full DF name or a prefix of one (partial DF name selection, §2.2). */
static int
find_app(const struct vcard *card, const uint8_t *aid, size_t len)
{
    for (size_t i = 0; i < card->n_apps; i++)
        if (len <= card->apps[i].aid_len &&
            memcmp(card->apps[i].aid, aid, len) == 0)
            return (int)i;
    return -1;
}

static uint16_t
select_df(struct vcard *card, const struct vcard_apdu *a, struct reply *r)
{
    int idx;

    if (a->lc == 0)
        return SW_WRONG_LENGTH;
    if (a->p2 != 0x0C && a->p2 != 0x00)
        return SW_WRONG_P1P2;
    idx = find_app(card, a->data, a->lc);
    if (idx < 0)
        return SW_FILE_NOT_FOUND; /* §2.2: "very probably 6A82" */
    /* §7: a SELECT by DF name clears the security state (OpenSC's logout
     * model); --keep-state-on-reselect keeps it for the same AID. */
    if (!(card->keep_state_on_reselect && idx == card->cur_app))
        clear_security_state(card);
    card->cur_app = idx;
    card->cur_ef = -1;
    if (a->p2 == 0x00) {
        /* Minimal FCI: 6F { 84 DF name } (content UNCONFIRMED, §16.1). */
        const struct vcard_app *app = &card->apps[idx];
        uint8_t fci[2 + 2 + 16];

        fci[0] = 0x6F;
        fci[1] = (uint8_t)(2 + app->aid_len);
        fci[2] = 0x84;
        fci[3] = (uint8_t)app->aid_len;
        memcpy(fci + 4, app->aid, app->aid_len);
        return reply_data(r, fci, 4 + app->aid_len);
    }
    return SW_OK;
}

static uint16_t
cmd_select(struct vcard *card, const struct vcard_apdu *a, struct reply *r)
{
    int idx;

    switch (a->p1) {
    case 0x04:
        return select_df(card, a, r);
    case 0x02:
        if (a->p2 != 0x0C)
            return SW_WRONG_P1P2;
        if (a->lc != 2)
            return SW_WRONG_LENGTH;
        idx = find_ef(current_app(card),
                      (uint16_t)(a->data[0] << 8 | a->data[1]));
        if (idx < 0)
            return SW_FILE_NOT_FOUND; /* includes 3F00: no MF (§2.2) */
        card->cur_ef = idx;
        return SW_OK;
    case 0x00:
        /* §2.2: no usable MF. Without data: 6A86 straight after reset, 9000
         * without any change once an application is current. */
        if (a->lc != 0)
            return SW_FILE_NOT_FOUND;
        return card->cur_app < 0 ? SW_WRONG_P1P2 : SW_OK;
    default:
        /* P1=08/09 (paths) do not work on the card (§2.2, [OSC#801]); the
         * exact SW is UNCONFIRMED (§16.3). */
        return SW_WRONG_P1P2;
    }
}

static int
ef_readable(const struct vcard *card, const struct vcard_ef *ef)
{
    if (ef->read_never)
        return 0;
    if (ef->read_pins == 0)
        return 1;
    for (size_t i = 0; i < card->n_pins; i++)
        if ((ef->read_pins & (1u << i)) && card->pins[i].verified)
            return 1;
    return 0;
}

static uint16_t
cmd_read_binary(struct vcard *card, const struct vcard_apdu *a, struct reply *r)
{
    const struct vcard_ef *ef;
    size_t offset, n;
    int idx;

    if (a->lc != 0 || !a->has_le)
        return SW_WRONG_LENGTH;
    if (a->p1 & 0x80) {
        /* §4.1: P1 = 80|SFI, P2 = 8-bit offset; the EF becomes current. */
        idx = find_ef(current_app(card), a->p1 & 0x1F);
        if ((a->p1 & 0x60) != 0 || idx < 0)
            return SW_FILE_NOT_FOUND;
        card->cur_ef = idx;
        offset = a->p2;
    } else {
        offset = (size_t)a->p1 << 8 | a->p2;
    }
    ef = current_ef(card);
    if (ef == NULL)
        return SW_NO_CURRENT_EF;
    if (ef->type != VCARD_EF_BINARY)
        return SW_FILE_INCOMPATIBLE; /* internal EF (§3.1, §11: 6981) */
    if (!ef_readable(card, ef))
        return SW_SECURITY_NOT_SATISFIED; /* §3.1: 0001 before 001B */
    if (offset >= ef->len)
        return SW_OFFSET_OUTSIDE; /* JICSAP 7.3.1 (§4.2) */
    n = ef->len - offset;
    if (n > a->le)
        n = a->le;
    if (n > VCARD_RESP_MAX - 2)
        n = VCARD_RESP_MAX - 2;
    /* §4.2: a short read at the end answers 9000 with fewer bytes. */
    return reply_data(r, ef->data + offset, n);
}

static uint16_t
persist(struct vcard *card)
{
    if (card->pin_changed == NULL)
        return SW_OK;
    return card->pin_changed(card->pin_changed_arg, card) ? SW_OK
                                                          : SW_MEMORY_FAILURE;
}

/* §5.2: a correct value resets the counter; a wrong one decrements it and
 * clears the verified state (ISO practice, UNCONFIRMED §16.4).  A value of
 * the wrong length is compared like any other and counts as a failure
 * (UNCONFIRMED §16.10): the PKCS#11 module must never send one. */
static uint16_t
verify_value(struct vcard *card, struct vcard_pin *pin,
             const struct vcard_apdu *a)
{
    bool match =
        a->lc == pin->len && CRYPTO_memcmp(a->data, pin->value, pin->len) == 0;
    uint16_t sw;

    if (match) {
        pin->tries = pin->max_tries;
        pin->verified = true;
    } else {
        pin->tries--;
        pin->verified = false;
    }
    sw = pin->persistent ? persist(card) : SW_OK;
    if (sw != SW_OK)
        return sw;
    return match ? SW_OK : SW_TRIES(pin->tries);
}

static uint16_t
cmd_verify(struct vcard *card, const struct vcard_apdu *a)
{
    struct vcard_ef *ef;
    struct vcard_pin *pin;
    uint16_t sw = SW_OK;

    if (a->p1 != 0x00)
        return SW_WRONG_P1P2;
    ef = resolve_p2(card, a->p2, &sw);
    if (ef == NULL)
        return sw;
    if (ef->type != VCARD_EF_PIN)
        return SW_FILE_INCOMPATIBLE;
    pin = &card->pins[ef->pin];
    if (a->has_le || a->lc > VCARD_PIN_MAX_LEN)
        return SW_WRONG_LENGTH;
    /* §5.3: the empty VERIFY always answers 63Cx, verified or not, and
     * 63C0 on a blocked key. */
    if (a->lc == 0)
        return SW_TRIES(pin->tries);
    /* §5.2: every VERIFY with data on a blocked key answers 6984. */
    if (pin->tries <= 0)
        return SW_KEY_BLOCKED;
    return verify_value(card, pin, a);
}

/* §5.4: 00 24 01 80 Lc <new>, after VERIFY of the same key. */
static uint16_t
cmd_change(struct vcard *card, const struct vcard_apdu *a)
{
    struct vcard_ef *ef;
    struct vcard_pin *pin;
    uint16_t sw = SW_OK;

    if (a->p1 != 0x01)
        return SW_WRONG_P1P2;
    ef = resolve_p2(card, a->p2, &sw);
    if (ef == NULL)
        return sw;
    if (ef->type != VCARD_EF_PIN)
        return SW_FILE_INCOMPATIBLE;
    pin = &card->pins[ef->pin];
    /* §5.4: only the user's PINs (JPKI 0018, 001B, text AP 0011) change
     * this way; 照合番号A/B are printed on the card. */
    if (!pin->changeable)
        return SW_CONDITIONS_NOT_SATISFIED;
    if (a->lc == 0 || a->has_le || a->lc > VCARD_PIN_MAX_LEN)
        return SW_WRONG_LENGTH;
    if (pin->tries <= 0)
        return SW_KEY_BLOCKED;
    if (!pin->verified)
        return SW_SECURITY_NOT_SATISFIED;
    if (!vcard_pin_format_ok(pin, a->data, a->lc))
        return SW_WRONG_DATA;
    OPENSSL_cleanse(pin->value, sizeof(pin->value));
    memcpy(pin->value, a->data, a->lc);
    pin->len = a->lc;
    return pin->persistent ? persist(card) : SW_OK;
}

/* §6.3: the six signature schemes reported for P1 00-05 (single source;
 * clients use 00 only): whether the card hashes the input with SHA-256,
 * whether it wraps a DigestInfo around it (md set), and the padding. */
static int
scheme(uint8_t p1, const EVP_MD **md, int *padding, int *hash_input)
{
    static const struct {
        int hash_input, digest_info, pss;
    } schemes[6] = {
        { 0, 0, 0 }, /* 00: PKCS#1 v1.5 over the input (a DigestInfo) */
        { 1, 0, 0 }, /* 01: PKCS#1 v1.5 over the bare SHA-256 hash */
        { 0, 1, 0 }, /* 02: DigestInfo around the given SHA-256 hash */
        { 1, 1, 0 }, /* 03: sha256WithRSAEncryption of the message */
        { 0, 1, 1 }, /* 04: RSASSA-PSS of the given SHA-256 hash */
        { 1, 1, 1 }, /* 05: RSASSA-PSS of the message */
    };

    if (p1 >= 6)
        return 0;
    *hash_input = schemes[p1].hash_input;
    *md = schemes[p1].digest_info ? EVP_sha256() : NULL;
    *padding = schemes[p1].pss ? RSA_PKCS1_PSS_PADDING : RSA_PKCS1_PADDING;
    return 1;
}

static int
rsa_sign(EVP_PKEY *key, uint8_t p1, const uint8_t *in, size_t in_len,
         uint8_t *sig, size_t *sig_len)
{
    uint8_t hash[32];
    const EVP_MD *md;
    EVP_PKEY_CTX *ctx = NULL;
    int padding, hash_input, ok = 0;

    if (!scheme(p1, &md, &padding, &hash_input))
        return 0;
    if (hash_input) {
        if (!EVP_Digest(in, in_len, hash, NULL, EVP_sha256(), NULL))
            return 0;
        in = hash;
        in_len = sizeof(hash);
    }
    ctx = EVP_PKEY_CTX_new(key, NULL);
    if (ctx == NULL || EVP_PKEY_sign_init(ctx) <= 0 ||
        EVP_PKEY_CTX_set_rsa_padding(ctx, padding) <= 0 ||
        (md != NULL && EVP_PKEY_CTX_set_signature_md(ctx, md) <= 0) ||
        (padding == RSA_PKCS1_PSS_PADDING &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, RSA_PSS_SALTLEN_DIGEST) <= 0))
        goto out;
    ok = EVP_PKEY_sign(ctx, sig, sig_len, in, in_len) > 0;
out:
    EVP_PKEY_CTX_free(ctx);
    OPENSSL_cleanse(hash, sizeof(hash));
    return ok;
}

/* §6: 80 2A P1 80 Lc <input> 00 with the key EF current (or named by
 * P2 = 80|SFI) and its PIN verified. */
static uint16_t
cmd_sign(struct vcard *card, const struct vcard_apdu *a, struct reply *r)
{
    struct vcard_ef *ef;
    size_t sig_len = VCARD_RESP_MAX - 2;
    uint16_t sw = SW_OK;

    if (a->p1 > 0x05)
        return SW_WRONG_P1P2;
    ef = resolve_p2(card, a->p2, &sw);
    if (ef == NULL)
        return sw;
    /* With a non-key EF current the SW is UNCONFIRMED (§6.2): 6981. */
    if (ef->type != VCARD_EF_KEY || ef->key == NULL)
        return SW_FILE_INCOMPATIBLE;
    /* UNCONFIRMED (§6.2) but what the card answers for every other
     * PIN-protected use: 6982. */
    if (ef->pin >= 0 && !card->pins[ef->pin].verified)
        return SW_SECURITY_NOT_SATISFIED;
    if (a->lc == 0 || (a->p1 == 0x00 && a->lc > SIGN_INPUT_MAX) ||
        ((a->p1 == 0x02 || a->p1 == 0x04) && a->lc != 32))
        return SW_WRONG_LENGTH;
    if (a->has_le && a->le < 256)
        return SW_WRONG_LENGTH;
    if (!rsa_sign(ef->key, a->p1, a->data, a->lc, r->buf, &sig_len))
        return SW_CONDITIONS_NOT_SATISFIED;
    r->len = sig_len;
    card->signatures++;
    return SW_OK;
}

/* CLA byte rules (§2.2, §11, ISO/IEC 7816-4 §5.4.1): logical channels other
 * than 0 answer 6881, secure messaging 6882 (69FC for READ BINARY and
 * VERIFY); ISO commands take CLA 00, the card's own commands CLA 80. */
static uint16_t
check_cla(const struct vcard_apdu *a)
{
    int proprietary = a->ins == INS_COMPUTE_SIGNATURE ||
                      a->ins == INS_SET_SESSION_KEY ||
                      a->ins == INS_LAST_COMMAND;

    /* First interindustry class: channel in b2-b1; further interindustry
     * class (40-7F): channels 4-19, none of which exists. */
    if ((a->cla & 0x03) != 0 || (a->cla & 0xC0) == 0x40)
        return SW_CHANNEL_NOT_SUPPORTED;
    if ((a->cla & 0x0C) != 0)
        return a->ins == INS_READ_BINARY || a->ins == INS_VERIFY
                   ? SW_SM_READ_VERIFY
                   : SW_SM_NOT_SUPPORTED;
    if ((a->cla & 0xF0) != (proprietary ? CLA_PROPRIETARY : CLA_ISO))
        return SW_CLA_NOT_SUPPORTED;
    return SW_OK;
}

static uint16_t
dispatch(struct vcard *card, const struct vcard_apdu *a, struct reply *r)
{
    switch (a->ins) {
    case INS_SELECT:
        return cmd_select(card, a, r);
    case INS_READ_BINARY:
        return cmd_read_binary(card, a, r);
    case INS_VERIFY:
        return cmd_verify(card, a);
    case INS_CHANGE_REFERENCE_DATA:
        return cmd_change(card, a);
    case INS_COMPUTE_SIGNATURE:
        return cmd_sign(card, a, r);
    case INS_SET_SESSION_KEY:
        /* §10: refused with 6982 in the JPKI and 住基 APs, 66F1 in the
         * others. */
        return card->cur_app >= 0 &&
                       (strcmp(card->apps[card->cur_app].name, "jpki") == 0 ||
                        strcmp(card->apps[card->cur_app].name, "juki") == 0)
                   ? SW_SECURITY_NOT_SATISFIED
                   : SW_SEC_ENV_FAULTY;
    case INS_LAST_COMMAND:
        return SW_WRONG_LENGTH; /* §10: iPhone's 80 FC 00 00 */
    default:
        return SW_INS_NOT_SUPPORTED;
    }
}

size_t
vcard_process(struct vcard *card, const uint8_t *cmd, size_t len, uint8_t *resp)
{
    struct vcard_apdu a;
    struct reply r = { resp, 0 };
    uint16_t sw;

    card->apdus++;
    sw = vcard_apdu_parse(cmd, len, &a);
    if (sw == SW_OK)
        sw = check_cla(&a);
    /* §14: every JPKI command fits a short APDU; extended ones get 6700. */
    if (sw == SW_OK && a.extended && !card->allow_extended)
        sw = SW_WRONG_LENGTH;
    if (sw == SW_OK)
        sw = dispatch(card, &a, &r);
    if (sw != SW_OK)
        r.len = 0;
    resp[r.len] = (uint8_t)(sw >> 8);
    resp[r.len + 1] = (uint8_t)sw;
    return r.len + 2;
}
