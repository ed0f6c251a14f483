/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The applications of the virtual My Number Card and their files, as
 * card-protocol.md §2.1, §3.1, §8.1 and §9 describe them.
 */
#include "config.h"

#include <string.h>

#include "state.h"

static const uint8_t aid_jpki[] = { 0xD3, 0x92, 0xF0, 0x00, 0x26,
                                    0x01, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t aid_text[] = { 0xD3, 0x92, 0x10, 0x00, 0x31,
                                    0x00, 0x01, 0x01, 0x04, 0x08 };
static const uint8_t aid_surface[] = { 0xD3, 0x92, 0x10, 0x00, 0x31,
                                       0x00, 0x01, 0x01, 0x04, 0x02 };
static const uint8_t aid_juki[] = { 0xD3, 0x92, 0x10, 0x00, 0x31,
                                    0x00, 0x01, 0x01, 0x04, 0x01 };
static const uint8_t aid_common[] = { 0xD3, 0x92, 0x10, 0x00, 0x31,
                                      0x00, 0x01, 0x01, 0x01, 0x00 };
static const uint8_t aid_isd[] = { 0xA0, 0x00, 0x00, 0x01, 0x51, 0x00, 0x00 };
static const uint8_t cert_availability[] = { 0x8F, 0x8F, 0x00 }; /* §3.1 */

static int
add_pin(struct vcard *card, const char *name, enum vcard_pin_format fmt,
        int max_tries, const char *value)
{
    struct vcard_pin pin = { 0 };
    size_t len = strlen(value);

    if (len > sizeof(pin.value))
        return -1;
    pin.name = name;
    pin.format = fmt;
    pin.max_tries = max_tries;
    pin.tries = max_tries;
    pin.persistent = true;
    pin.changeable = fmt != VCARD_PIN_DIGITS;
    memcpy(pin.value, value, len);
    pin.len = len;
    return vcard_add_pin(card, &pin);
}

static struct vcard_ef *
add_binary(struct vcard_app *app, uint16_t fid, const uint8_t *data, size_t len,
           uint32_t read_pins)
{
    struct vcard_ef *ef = vcard_app_add_ef(app, fid, VCARD_EF_BINARY);

    if (ef != NULL) {
        ef->data = data;
        ef->len = len;
        ef->read_pins = read_pins;
    }
    return ef;
}

static int
add_key_ref(struct vcard_app *app, uint16_t fid, enum vcard_ef_type type,
            int pin, EVP_PKEY *key)
{
    struct vcard_ef *ef;

    if (pin < 0 || (ef = vcard_app_add_ef(app, fid, type)) == NULL)
        return 0;
    ef->pin = pin;
    ef->key = key;
    return 1;
}

/* §3.1: JPKI AP.  The sign certificate 0001 opens only with the sign
 * password; EF 0009 opens with nothing. */
static int
build_jpki(struct vcard_state *st, int auth, int sign)
{
    struct vcard_app *app;
    struct vcard_ef *ef;

    app = vcard_add_app(&st->card, "jpki", aid_jpki, sizeof(aid_jpki));
    if (app == NULL ||
        add_binary(app, 0x0001, st->sign_crt.data, st->sign_crt.len,
                   1u << sign) == NULL ||
        add_binary(app, 0x0002, st->sign_ca_crt.data, st->sign_ca_crt.len, 0) ==
            NULL ||
        add_binary(app, 0x0006, st->token_info, sizeof(st->token_info), 0) ==
            NULL ||
        add_binary(app, 0x0008, cert_availability, sizeof(cert_availability),
                   0) == NULL ||
        (ef = add_binary(app, 0x0009, cert_availability, 1, 0)) == NULL ||
        add_binary(app, 0x000A, st->auth_crt.data, st->auth_crt.len, 0) ==
            NULL ||
        add_binary(app, 0x000B, st->auth_ca_crt.data, st->auth_ca_crt.len, 0) ==
            NULL)
        return 0;
    ef->read_never = true;
    return add_key_ref(app, 0x0017, VCARD_EF_KEY, auth, st->auth_key) &&
           add_key_ref(app, 0x0018, VCARD_EF_PIN, auth, NULL) &&
           add_key_ref(app, 0x001A, VCARD_EF_KEY, sign, st->sign_key) &&
           add_key_ref(app, 0x001B, VCARD_EF_PIN, sign, NULL);
}

/* §8.1: card info input support AP.  My Number opens with the PIN or
 * 照合番号A, the four attributes with the PIN or 照合番号B; key 0012 is
 * blocked on every card examined. */
static int
build_text(struct vcard_state *st)
{
    struct vcard *card = &st->card;
    struct vcard_pin blocked = { .name = "text_0012", .max_tries = 3 };
    struct vcard_app *app;
    int pin, a, b, k12;

    pin = add_pin(card, "text", VCARD_PIN_4DIGITS, 3, "4321");
    a = add_pin(card, "text_a", VCARD_PIN_DIGITS, 10, st->my_number);
    b = add_pin(card, "text_b", VCARD_PIN_DIGITS, 10, st->verification_b);
    memcpy(blocked.value, "0000", 4);
    blocked.len = 4;
    k12 = vcard_add_pin(card, &blocked);
    app = vcard_add_app(card, "text", aid_text, sizeof(aid_text));
    if (app == NULL || pin < 0 || a < 0 || b < 0 ||
        add_binary(app, 0x0001, st->my_number_ef, sizeof(st->my_number_ef),
                   1u << pin | 1u << a) == NULL ||
        add_binary(app, 0x0002, st->attrs_ef, st->attrs_len,
                   1u << pin | 1u << b) == NULL)
        return 0;
    return add_key_ref(app, 0x0011, VCARD_EF_PIN, pin, NULL) &&
           add_key_ref(app, 0x0012, VCARD_EF_PIN, k12, NULL) &&
           add_key_ref(app, 0x0014, VCARD_EF_PIN, a, NULL) &&
           add_key_ref(app, 0x0015, VCARD_EF_PIN, b, NULL);
}

/* §9: card surface AP, enough to be selected and identified: its basic
 * information and its three key references (images are not emulated). */
static int
build_surface(struct vcard_state *st)
{
    struct vcard *card = &st->card;
    struct vcard_app *app;
    char birth_key[7];
    int k11, k12, k13;

    memcpy(birth_key, st->verification_b, 6);
    birth_key[6] = '\0';
    k11 = add_pin(card, "surface_birth", VCARD_PIN_DIGITS, 10, birth_key);
    k12 = add_pin(card, "surface_b", VCARD_PIN_DIGITS, 10, st->verification_b);
    k13 = add_pin(card, "surface_a", VCARD_PIN_DIGITS, 10, st->my_number);
    app = vcard_add_app(card, "surface", aid_surface, sizeof(aid_surface));
    if (app == NULL || add_binary(app, 0x0003, st->surface_info,
                                  sizeof(st->surface_info), 0) == NULL)
        return 0;
    return add_key_ref(app, 0x0011, VCARD_EF_PIN, k11, NULL) &&
           add_key_ref(app, 0x0012, VCARD_EF_PIN, k12, NULL) &&
           add_key_ref(app, 0x0013, VCARD_EF_PIN, k13, NULL);
}

int
vcard_apps_build(struct vcard_state *st)
{
    struct vcard *card = &st->card;
    int auth, sign;

    memset(card, 0, sizeof(*card));
    auth = add_pin(card, "auth", VCARD_PIN_4DIGITS, 3, "1234");
    sign = add_pin(card, "sign", VCARD_PIN_SIGN_PASSWORD, 5, "ABC123");
    if (auth < 0 || sign < 0 || !build_jpki(st, auth, sign) ||
        !build_text(st) || !build_surface(st))
        return 0;
    /* The other applications answer SELECT (§15 row 2) and nothing else. */
    if (vcard_add_app(card, "juki", aid_juki, sizeof(aid_juki)) == NULL ||
        vcard_add_app(card, "common", aid_common, sizeof(aid_common)) == NULL ||
        vcard_add_app(card, "isd", aid_isd, sizeof(aid_isd)) == NULL)
        return 0;
    vcard_reset(card);
    return 1;
}
