/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The OpenSSL error queue turned into one message and one exit code.  The
 * provider "myna" raises its own reasons (provider/errors.h) with a
 * detail string; the PIN outcomes are what the person at the counter must
 * understand, so they are reworded here: "wrong PIN, 2 tries left",
 * "PIN locked".
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <openssl/err.h>

#include "provider/errors.h"
#include "qualify.h"

/* The auth PIN allows 3 tries (card-protocol.md, JPKI 利用者証明用 PIN):
 * the provider says "few" (CKF_USER_PIN_COUNT_LOW without FINAL_TRY),
 * which for that token means 2. */
#define JPKI_AUTH_TOKEN "'JPKI User Authentication'"

static int
pin_incorrect(const char *data)
{
    if (strstr(data, "now locked") != NULL)
        return qualify_fail(QX_PIN, "wrong PIN: no tries left, the PIN is "
                                    "now locked (the municipal office "
                                    "resets it)");
    if (strstr(data, "1 try left") != NULL)
        return qualify_fail(QX_PIN,
                            "wrong PIN, 1 try left (myna-qualify will not "
                            "use the last try; see myna-card change-pin)");
    if (strstr(data, "few") != NULL && strstr(data, JPKI_AUTH_TOKEN) != NULL)
        return qualify_fail(QX_PIN, "wrong PIN, 2 tries left");
    return qualify_fail(QX_PIN, "wrong PIN (%s)", data);
}

/* One provider error: message and code. */
static int
provider_error(int reason, const char *data)
{
    switch (reason) {
    case MYNA_R_PIN_INCORRECT:
        return pin_incorrect(data);
    case MYNA_R_PIN_LOCKED:
        return qualify_fail(QX_PIN, "PIN locked: the card refuses every "
                                    "PIN until the municipal office resets "
                                    "it; no PIN was sent");
    case MYNA_R_PIN_FINAL_TRY:
        return qualify_fail(QX_PIN,
                            "the PIN has 1 try left: not tried (the last "
                            "try is the card holder's decision: "
                            "myna-card status / change-pin); no PIN was "
                            "sent");
    case MYNA_R_PIN_ALREADY_FAILED:
        return qualify_fail(QX_PIN, "this PIN was refused before; it is not "
                                    "sent again");
    case MYNA_R_PIN_UNAVAILABLE:
        return qualify_fail(QX_PIN, "no PIN given (%s)", data);
    case MYNA_R_PIN_INVALID:
        return qualify_fail(QX_PIN, "the PIN has the wrong format (%s)", data);
    case MYNA_R_BAD_URI:
        return qualify_fail(QX_USAGE, "malformed pkcs11: URI (%s)", data);
    case MYNA_R_TOKEN_NOT_FOUND:
        return qualify_fail(QX_TOKEN, "no card: %s", data);
    case MYNA_R_TOKEN_REMOVED:
        return qualify_fail(QX_TOKEN, "the card was removed (%s)", data);
    case MYNA_R_OBJECT_NOT_FOUND:
    case MYNA_R_NOT_LOGGED_IN:
    case MYNA_R_MODULE_LOAD:
    case MYNA_R_MODULE_INIT:
    case MYNA_R_MECHANISM_UNSUPPORTED:
    case MYNA_R_KEY_UNSUPPORTED:
    case MYNA_R_PKCS11:
        return qualify_fail(QX_TOKEN, "the card or token failed: %s", data);
    default:
        return qualify_fail(QX_INTERNAL, "provider: %s", data);
    }
}

int
qualify_openssl_fail(const char *what, const struct qualify_pin *pin)
{
    unsigned long e, first = 0, mine = 0;
    const char *data, *lib;
    char first_data[256] = "", mine_data[256] = "", buf[256];
    int flags;

    while ((e = ERR_get_error_all(NULL, NULL, NULL, &data, &flags)) != 0) {
        if (!(flags & ERR_TXT_STRING))
            data = "";
        lib = ERR_lib_error_string(e);
        if (mine == 0 && lib != NULL && strcmp(lib, "myna") == 0) {
            mine = e;
            snprintf(mine_data, sizeof(mine_data), "%s", data);
        }
        if (first == 0) {
            first = e;
            snprintf(first_data, sizeof(first_data), "%s", data);
        }
    }
    /* Our own refusals come first: the provider only saw "no PIN". */
    if (pin != NULL && pin->malformed)
        return qualify_fail(QX_PIN, "the PIN must be 4 digits; nothing was "
                                    "sent to the card");
    if (pin != NULL && pin->unreadable)
        return qualify_fail(QX_PIN, "no PIN could be read from %s",
                            pin->fd >= 0          ? "--pin-fd"
                            : pin->source != NULL ? "--pin-source"
                                                  : "the terminal");
    if (mine != 0) {
        if (mine_data[0] == '\0') {
            const char *r = ERR_reason_error_string(mine);
            snprintf(mine_data, sizeof(mine_data), "%s", r ? r : "?");
        }
        return provider_error(ERR_GET_REASON(mine), mine_data);
    }
    if (first == 0)
        return qualify_fail(QX_INTERNAL, "%s: failed (no detail)", what);
    ERR_error_string_n(first, buf, sizeof(buf));
    return qualify_fail(QX_INTERNAL, "%s: %s%s%s", what, buf,
                        first_data[0] ? ": " : "", first_data);
}
