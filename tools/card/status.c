/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * myna-card status: the card's token serial (JPKI EF 0006, §3.2) and the
 * remaining tries of its three PINs, read with the empty VERIFY that never
 * spends one (§5.3): the auth PIN (3), the sign password (5) and the card
 * info AP's PIN (3, §8.1).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "session.h"

static json_t *
tries_json(int left, int max)
{
    json_t *t = json_object();

    json_object_set_new(t, "left", json_integer(left));
    json_object_set_new(t, "max", json_integer(max));
    json_object_set_new(t, "state",
                        json_string(left == 0    ? "locked"
                                    : left == 1  ? "final try"
                                    : left < max ? "tries were spent"
                                                 : "ok"));
    return t;
}

/* EF 0006 bytes 0-31 (§3.2): a space-padded label; the serial field is
 * blank on many cards, so the label is what tells a card from a phone. */
static void
token_label(const uint8_t *ef, size_t len, char out[33])
{
    size_t n = len < 32 ? len : 32;

    memcpy(out, ef, n);
    out[n] = '\0';
    while (n > 0 && out[n - 1] == ' ')
        out[--n] = '\0';
    for (size_t i = 0; i < n; i++)
        if (out[i] < 0x20 || out[i] > 0x7e)
            out[i] = '?';
}

int
cmd_status(const struct card_opts *o)
{
    struct card_session s;
    int auth = 0, sign = 0, text = -1;
    uint8_t *ef = NULL;
    size_t len = 0;
    char label[33], reader[MYNA_READER_NAME_MAX];
    json_t *res;
    CK_RV rv;

    rv = card_open(&s, o->reader);
    if (rv != CKR_OK)
        return out_error(rv, "opening the card");
    snprintf(reader, sizeof(reader), "%s", s.reader);
    rv = myna_card_select_jpki(&s.io);
    if (rv == CKR_OK)
        rv = myna_card_read_ef(&s.io, MYNA_EF_TOKEN_INFO, &ef, &len);
    if (rv == CKR_OK)
        rv = myna_card_pin_tries(&s.io, MYNA_KEY_AUTH, &auth);
    if (rv == CKR_OK)
        rv = myna_card_pin_tries(&s.io, MYNA_KEY_SIGN, &sign);
    if (rv == CKR_OK && myna_card_select_text(&s.io) == CKR_OK)
        rv = myna_card_pin_tries(&s.io, MYNA_KEY_TEXT, &text);
    card_close(&s);
    if (rv != CKR_OK) {
        free(ef);
        return out_error(rv, "reading the card");
    }
    token_label(ef, len, label);
    free(ef);
    res = json_object();
    json_object_set_new(res, "reader", json_string(reader));
    json_object_set_new(res, "card", json_string("My Number Card"));
    json_object_set_new(res, "tokenLabel", json_string(label));
    json_object_set_new(res, "authPin", tries_json(auth, 3));
    json_object_set_new(res, "signPassword", tries_json(sign, 5));
    if (text >= 0)
        json_object_set_new(res, "cardInfoPin", tries_json(text, 3));
    out_print(o, res);
    json_decref(res);
    return 0;
}
