/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rsa.h>

#include "state.h"
#include "vcard-fixture.h"

static EVP_PKEY *fixture_rsa;

EVP_PKEY *
fixture_key(void)
{
    if (fixture_rsa == NULL)
        fixture_rsa = EVP_RSA_gen(2048);
    return fixture_rsa;
}

/* 30 82 LL LL followed by LL bytes of a pattern that differs per blob. */
static int
fake_cert(struct vcard_blob *b, size_t total, uint8_t seed)
{
    size_t body = total - 4;

    b->data = malloc(total);
    if (b->data == NULL)
        return 0;
    b->len = total;
    b->data[0] = 0x30;
    b->data[1] = 0x82;
    b->data[2] = (uint8_t)(body >> 8);
    b->data[3] = (uint8_t)body;
    for (size_t i = 0; i < body; i++)
        b->data[4 + i] = (uint8_t)(seed + i * 7 + (i >> 8));
    return 1;
}

struct vcard_state *
fixture_card_new(void)
{
    struct vcard_state *st = calloc(1, sizeof(*st));
    EVP_PKEY *key = fixture_key();

    if (st == NULL || key == NULL)
        goto fail;
    st->dir = NULL;
    st->person = 0;
    memcpy(st->serial, FIXTURE_SERIAL, sizeof(FIXTURE_SERIAL));
    memcpy(st->security_code, FIXTURE_SECURITY_CODE,
           sizeof(FIXTURE_SECURITY_CODE));
    st->expiry_year = FIXTURE_EXPIRY_YEAR;
    if (!fake_cert(&st->auth_crt, FIXTURE_AUTH_CRT_LEN, 0x11) ||
        !fake_cert(&st->sign_crt, FIXTURE_SIGN_CRT_LEN, 0x22) ||
        !fake_cert(&st->auth_ca_crt, FIXTURE_AUTH_CA_CRT_LEN, 0x33) ||
        !fake_cert(&st->sign_ca_crt, FIXTURE_SIGN_CA_CRT_LEN, 0x44))
        goto fail;
    if (EVP_PKEY_up_ref(key) != 1)
        goto fail;
    st->auth_key = key;
    if (EVP_PKEY_up_ref(key) != 1)
        goto fail;
    st->sign_key = key;
    if (!vcard_state_build(st))
        goto fail;
    st->card.pin_changed = NULL;
    st->card.pin_changed_arg = NULL;
    return st;
fail:
    fprintf(stderr, "vcard-fixture: cannot build the card\n");
    fixture_card_free(st);
    return NULL;
}

void
fixture_card_free(struct vcard_state *st)
{
    vcard_state_free(st);
}

uint16_t
fixture_apdu_bin(struct vcard *card, const uint8_t *apdu, size_t len,
                 uint8_t *resp_data, size_t *resp_len)
{
    uint8_t resp[VCARD_RESP_MAX];
    size_t n = vcard_process(card, apdu, len, resp);

    if (n < 2 || n > VCARD_RESP_MAX) {
        fprintf(stderr, "vcard-fixture: response of %zu bytes\n", n);
        abort();
    }
    if (resp_data != NULL)
        memcpy(resp_data, resp, n - 2);
    if (resp_len != NULL)
        *resp_len = n - 2;
    return (uint16_t)(resp[n - 2] << 8 | resp[n - 1]);
}

static int
nibble(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

uint16_t
fixture_apdu(struct vcard *card, const char *hex, uint8_t *resp_data,
             size_t *resp_len)
{
    uint8_t *apdu = malloc(strlen(hex) / 2 + 1);
    size_t len = 0;
    int hi = -1, v;
    uint16_t sw = 0;

    if (resp_len != NULL)
        *resp_len = 0;
    if (apdu == NULL)
        return 0;
    for (const char *s = hex; *s != '\0'; s++) {
        if (*s == ' ')
            continue;
        if ((v = nibble(*s)) < 0)
            goto out;
        if (hi < 0) {
            hi = v;
        } else {
            apdu[len++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    if (hi < 0)
        sw = fixture_apdu_bin(card, apdu, len, resp_data, resp_len);
out:
    if (sw == 0)
        fprintf(stderr, "vcard-fixture: bad hex \"%s\"\n", hex);
    free(apdu);
    return sw;
}
