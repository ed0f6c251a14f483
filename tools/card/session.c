/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "session.h"

static bool trace_on, trace_private;

void
card_trace(bool on)
{
    trace_on = on;
}

void
card_trace_private(bool on)
{
    trace_private = on;
}

static void
hex(const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fprintf(stderr, "%02X", b[i]);
}

static void
trace(const uint8_t *cmd, size_t cmd_len, const uint8_t *resp, size_t resp_len)
{
    bool pin = cmd_len > 5 && (cmd[1] == 0x20 || cmd[1] == 0x24);
    bool hide = trace_private && cmd_len >= 2 && cmd[1] == 0xB0;

    if (!trace_on || cmd_len < 4)
        return;
    fputs("myna-card: > ", stderr);
    hex(cmd, pin ? 4 : cmd_len);
    if (pin)
        fprintf(stderr, " ** (%zu bytes)", cmd_len - 4);
    fputs("\nmyna-card: < ", stderr);
    if (resp_len == 0)
        fputs("(no answer)", stderr);
    else if (hide && resp_len > 2)
        fprintf(stderr, "** (%zu bytes) %02X%02X", resp_len - 2,
                resp[resp_len - 2], resp[resp_len - 1]);
    else
        hex(resp, resp_len);
    fputc('\n', stderr);
}

CK_RV
card_open(struct card_session *s, const char *reader)
{
    struct myna_reader_state st[16];
    size_t n = 0, i;
    bool was_reset;
    CK_RV rv;

    memset(s, 0, sizeof(*s));
    rv = myna_pcsc_open(&s->pcsc);
    if (rv != CKR_OK)
        return rv;
    rv = myna_pcsc_readers(s->pcsc, st, 16, &n);
    if (rv != CKR_OK)
        goto fail;
    rv = CKR_TOKEN_NOT_PRESENT;
    for (i = 0; i < n; i++) {
        if (reader != NULL ? strcmp(st[i].name, reader) != 0 : !st[i].present)
            continue;
        if (!st[i].present)
            break; /* the named reader is empty */
        snprintf(s->reader, sizeof(s->reader), "%s", st[i].name);
        rv = myna_pcsc_connect(s->pcsc, st[i].name, &s->card);
        break;
    }
    if (rv == CKR_TOKEN_NOT_PRESENT && reader != NULL && i == n)
        rv = CKR_SLOT_ID_INVALID; /* no such reader */
    if (rv != CKR_OK)
        goto fail;
    rv = myna_pcsc_begin(s->card, &was_reset);
    if (rv != CKR_OK)
        goto fail;
    s->in_transaction = true;
    s->io.transmit = myna_pcsc_transmit;
    s->io.ctx = s->card;
    s->io.trace = trace;
    return CKR_OK;
fail:
    card_close(s);
    return rv;
}

void
card_close(struct card_session *s)
{
    if (s->card != NULL) {
        if (s->in_transaction)
            myna_pcsc_end(s->card, s->verified);
        myna_pcsc_disconnect(s->card, s->verified);
    }
    if (s->pcsc != NULL)
        myna_pcsc_close(s->pcsc);
    memset(s, 0, sizeof(*s));
}

const char *
card_strerror(CK_RV rv)
{
    switch (rv) {
    case CKR_OK:
        return "ok";
    case CKR_TOKEN_NOT_PRESENT:
        return "no card in the reader";
    case CKR_SLOT_ID_INVALID:
        return "no such reader";
    case CKR_TOKEN_NOT_RECOGNIZED:
        return "not a My Number Card (no JPKI application)";
    case CKR_DEVICE_REMOVED:
        return "the card was removed";
    case CKR_PIN_INCORRECT:
        return "wrong PIN";
    case CKR_PIN_LOCKED:
        return "the PIN is locked";
    case CKR_PIN_LEN_RANGE:
    case CKR_PIN_INVALID:
        return "malformed PIN (nothing was sent to the card)";
    case CKR_USER_NOT_LOGGED_IN:
        return "the card wants its PIN first";
    case CKR_DEVICE_ERROR:
        return "the card answered something unexpected";
    case CKR_FUNCTION_CANCELED:
        return "cancelled";
    case CKR_HOST_MEMORY:
        return "out of memory";
    default:
        return "card or reader error (pcscd running? see --verbose)";
    }
}
