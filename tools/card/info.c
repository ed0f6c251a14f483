/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * myna-card info: the four attributes (基本4情報: name, address, birth
 * date, sex) from the card info input support AP behind its PIN 0011
 * (card-protocol.md §8).  The My Number (EF 0001) is read only when
 * --my-number asks for it, is never traced (--verbose shows lengths
 * only) and is wiped after printing.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attrs.h"
#include "cmd.h"
#include "pin.h"
#include "pinread.h"
#include "session.h"

static const char *
sex_label(char c)
{
    /* JIS X 0303 (§8.3) */
    return c == '1'   ? "male"
           : c == '2' ? "female"
           : c == '9' ? "not applicable"
                      : "unknown";
}

static CK_RV
read_attrs(struct card_session *s, struct card_attrs *a, char my_number[13],
           bool want_number)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    CK_RV rv;

    card_trace_private(true);
    rv = myna_card_read_ef(&s->io, 0x0002, &buf, &len);
    if (rv == CKR_OK && !card_attrs_parse(buf, len, a))
        rv = CKR_DEVICE_ERROR;
    if (buf != NULL)
        explicit_bzero(buf, len);
    free(buf);
    buf = NULL;
    if (rv == CKR_OK && want_number) {
        rv = myna_card_read_ef(&s->io, 0x0001, &buf, &len);
        if (rv == CKR_OK && !card_my_number_parse(buf, len, my_number))
            rv = CKR_DEVICE_ERROR;
        if (buf != NULL)
            explicit_bzero(buf, len);
        free(buf);
    }
    card_trace_private(false);
    return rv;
}

int
cmd_info(const struct card_opts *o)
{
    char buf[CARD_PIN_BUF], my_number[13] = "";
    uint8_t pin[MYNA_PIN_MAX];
    struct card_attrs a;
    struct card_session s;
    size_t pin_len = 0;
    int tries = -1, rc = 0;
    json_t *res;
    CK_RV rv;

    memset(&a, 0, sizeof(a));
    if (!card_read_pin(o->pin_fd, "Card info PIN (4 digits): ", buf))
        return out_fail(EXIT_PIN, "no PIN given");
    rv = myna_pin_normalize(MYNA_KEY_TEXT, (const CK_UTF8CHAR *)buf,
                            (CK_ULONG)strlen(buf), pin, &pin_len);
    explicit_bzero(buf, sizeof(buf));
    if (rv != CKR_OK)
        return out_error(rv, "the PIN");
    rv = card_open(&s, o->reader);
    if (rv != CKR_OK) {
        explicit_bzero(pin, sizeof(pin));
        return out_error(rv, "opening the card");
    }
    rv = myna_card_select_text(&s.io);
    if (rv == CKR_OK)
        rv = myna_card_pin_tries(&s.io, MYNA_KEY_TEXT, &tries);
    if (rv == CKR_OK && tries <= 1) {
        card_close(&s);
        explicit_bzero(pin, sizeof(pin));
        return out_fail(EXIT_PIN, "the card info PIN is %s; not trying it",
                        tries == 0 ? "locked" : "on its final try");
    }
    if (rv == CKR_OK) {
        s.verified = true;
        rv = myna_card_verify(&s.io, MYNA_KEY_TEXT, pin, pin_len, &tries);
    }
    explicit_bzero(pin, sizeof(pin));
    if (rv == CKR_OK)
        rv = read_attrs(&s, &a, my_number, o->my_number);
    card_close(&s); /* resets the card: the PIN's state is gone */
    if (rv == CKR_PIN_INCORRECT)
        return out_fail(EXIT_PIN, "wrong PIN, %d %s left", tries,
                        tries == 1 ? "try" : "tries");
    if (rv != CKR_OK)
        return out_error(rv, "reading the card info");
    res = json_object();
    json_object_set_new(res, "name", json_string(a.name));
    json_object_set_new(res, "address", json_string(a.address));
    json_object_set_new(res, "birthDate", json_string(a.birth));
    json_object_set_new(res, "sex", json_string(a.sex));
    json_object_set_new(res, "sexLabel", json_string(sex_label(a.sex[0])));
    if (o->my_number)
        json_object_set_new(res, "myNumber", json_string(my_number));
    out_print(o, res);
    json_decref(res);
    explicit_bzero(my_number, sizeof(my_number));
    explicit_bzero(&a, sizeof(a));
    return rc;
}
