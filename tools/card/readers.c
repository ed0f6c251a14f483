/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * myna-card readers: every PC/SC reader, whether a card is in it, and
 * whether that card is a My Number Card (its JPKI AP can be selected:
 * the ATR is not looked at, card-protocol.md §1).
 */
#include "config.h"

#include "cmd.h"
#include "session.h"

static const char *
card_type(const char *reader)
{
    struct card_session s;
    const char *type = "unknown card";
    CK_RV rv;

    if (card_open(&s, reader) != CKR_OK)
        return "card not readable";
    rv = myna_card_select_jpki(&s.io);
    if (rv == CKR_OK)
        type = myna_card_select_text(&s.io) == CKR_OK
                   ? "My Number Card"
                   : "JPKI token (no card info AP: smartphone JPKI?)";
    else if (rv == CKR_TOKEN_NOT_RECOGNIZED)
        type = "not a My Number Card";
    card_close(&s);
    return type;
}

int
cmd_readers(const struct card_opts *o)
{
    struct myna_reader_state st[16];
    struct myna_pcsc *p = NULL;
    json_t *res, *list, *r;
    size_t n = 0, i;
    CK_RV rv;

    rv = myna_pcsc_open(&p);
    if (rv == CKR_OK)
        rv = myna_pcsc_readers(p, st, 16, &n);
    myna_pcsc_close(p);
    if (rv != CKR_OK)
        return out_error(rv, "listing readers");
    res = json_object();
    list = json_array();
    json_object_set_new(res, "readers", list);
    for (i = 0; i < n; i++) {
        r = json_object();
        json_object_set_new(r, "reader", json_string(st[i].name));
        json_object_set_new(
            r, "card",
            json_string(st[i].present ? card_type(st[i].name) : "none"));
        json_array_append_new(list, r);
    }
    out_print(o, res);
    json_decref(res);
    return n > 0 ? 0 : out_fail(EXIT_CARD, "no reader found");
}
