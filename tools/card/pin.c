/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * myna-card change-pin auth|sign|text: VERIFY the current value, then
 * CHANGE REFERENCE DATA (card-protocol.md §5.2, §5.4, §8.1).  Both values
 * are checked for format before any APDU (pkcs11/pin.c: a malformed PIN
 * never costs a try); the refusal of a final-try or locked PIN happens
 * before anything is sent, and a wrong PIN is never retried.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "pin.h"
#include "pinread.h"
#include "session.h"

static int
key_of(const char *which, enum myna_key *key, int *max)
{
    if (strcmp(which, "auth") == 0) {
        *key = MYNA_KEY_AUTH;
        *max = 3;
    } else if (strcmp(which, "sign") == 0) {
        *key = MYNA_KEY_SIGN;
        *max = 5;
    } else if (strcmp(which, "text") == 0) {
        *key = MYNA_KEY_TEXT;
        *max = 3;
    } else {
        return 0;
    }
    return 1;
}

/* Read and normalise one PIN; wipes the raw input. */
static CK_RV
get_pin(const struct card_opts *o, enum myna_key key, const char *prompt,
        uint8_t out[MYNA_PIN_MAX], size_t *out_len)
{
    char buf[CARD_PIN_BUF];
    CK_RV rv;

    if (!card_read_pin(o->pin_fd, prompt, buf))
        return CKR_FUNCTION_CANCELED;
    rv = myna_pin_normalize(key, (const CK_UTF8CHAR *)buf,
                            (CK_ULONG)strlen(buf), out, out_len);
    explicit_bzero(buf, sizeof(buf));
    return rv;
}

static CK_RV
select_app(struct card_session *s, enum myna_key key)
{
    return key == MYNA_KEY_TEXT ? myna_card_select_text(&s->io)
                                : myna_card_select_jpki(&s->io);
}

int
cmd_change_pin(const struct card_opts *o, const char *which)
{
    uint8_t old[MYNA_PIN_MAX], new1[MYNA_PIN_MAX], new2[MYNA_PIN_MAX];
    size_t old_len = 0, new_len = 0, new2_len = 0;
    struct card_session s;
    bool opened = false;
    enum myna_key key;
    int max, tries = -1, rc = 0;
    CK_RV rv;

    if (which == NULL || !key_of(which, &key, &max))
        return out_fail(EXIT_USAGE, "change-pin: auth, sign or text");
    rv = get_pin(o, key, "Current PIN: ", old, &old_len);
    if (rv == CKR_OK)
        rv = get_pin(o, key, "New PIN: ", new1, &new_len);
    if (rv == CKR_OK && o->pin_fd < 0) {
        rv = get_pin(o, key, "New PIN again: ", new2, &new2_len);
        if (rv == CKR_OK &&
            (new2_len != new_len || memcmp(new1, new2, new_len) != 0)) {
            rc = out_fail(EXIT_PIN, "the two new PINs differ; nothing sent");
            goto out;
        }
    }
    if (rv != CKR_OK) {
        rc = out_error(rv, "reading the PINs");
        goto out;
    }
    rv = card_open(&s, o->reader);
    if (rv != CKR_OK) {
        rc = out_error(rv, "opening the card");
        goto out;
    }
    opened = true;
    rv = select_app(&s, key);
    if (rv == CKR_OK)
        rv = myna_card_pin_tries(&s.io, key, &tries);
    /* pkcs11-provider's rule: no attempt on a final try or locked PIN. */
    if (rv == CKR_OK && tries <= 1) {
        rc = out_fail(EXIT_PIN,
                      "the %s PIN is %s; not trying it (use the municipal "
                      "office's terminal to reset it)",
                      which, tries == 0 ? "locked" : "on its final try");
        goto out;
    }
    if (rv == CKR_OK) {
        s.verified = true; /* from here on, reset the card when done */
        rv = myna_card_verify(&s.io, key, old, old_len, &tries);
    }
    if (rv == CKR_OK)
        rv = myna_card_change(&s.io, key, new1, new_len);
    if (rv == CKR_PIN_INCORRECT) {
        rc = out_fail(EXIT_PIN, "wrong PIN, %d %s left", tries,
                      tries == 1 ? "try" : "tries");
    } else if (rv != CKR_OK) {
        rc = out_error(rv, "changing the PIN");
    } else {
        printf("The %s PIN was changed.\n", which);
    }
out:
    if (opened)
        card_close(&s);
    explicit_bzero(old, sizeof(old));
    explicit_bzero(new1, sizeof(new1));
    explicit_bzero(new2, sizeof(new2));
    return rc;
}
