/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for the virtual card's command engine.
 *
 * One input is one card session: a sequence of APDUs, each prefixed by a
 * one-byte length, fed to a freshly reset card (so SELECT, VERIFY, READ
 * BINARY and signing can follow each other and reach deep states).  The
 * session runs twice: with the default switches, and with extended APDUs
 * allowed and the state kept across a re-SELECT.  Each chunk also goes
 * through the APDU parser and both trace functions.
 *
 * Invariants (abort on violation): every response is 2..VCARD_RESP_MAX
 * bytes, SW1 is 90 or 61-6F, only 90xx/61xx carry data, and every retry
 * counter stays within 0..max.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apdu.h"
#include "card.h"
#include "state.h"
#include "trace.h"
#include "vcard-fixture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct vcard_state *fuzz_st;
static struct vcard_pin fuzz_pins[VCARD_MAX_PINS];

static void
fail(const char *what, const uint8_t *apdu, size_t len)
{
    fprintf(stderr, "fuzz-vcard-apdu: %s; APDU (%zu bytes):", what, len);
    for (size_t i = 0; i < len; i++)
        fprintf(stderr, " %02X", apdu[i]);
    fputc('\n', stderr);
    abort();
}

static void
check_response(const struct vcard *card, const uint8_t *apdu, size_t len,
               const uint8_t *resp, size_t n)
{
    uint8_t sw1;

    if (n < 2 || n > VCARD_RESP_MAX)
        fail("response length out of range", apdu, len);
    sw1 = resp[n - 2];
    if (sw1 != 0x90 && (sw1 < 0x61 || sw1 > 0x6F))
        fail("bad SW1", apdu, len);
    if (n > 2 && sw1 != 0x90 && sw1 != 0x61)
        fail("data with an error status", apdu, len);
    for (size_t i = 0; i < card->n_pins; i++) {
        const struct vcard_pin *p = &card->pins[i];

        if (p->tries < 0 || p->tries > p->max_tries ||
            p->len > VCARD_PIN_MAX_LEN)
            fail("PIN counter or length out of range", apdu, len);
    }
}

/* Trace into a buffer of a size chosen by the input (0..TRACE_MAX), with
 * a guard byte after it: the line must end within cap, nothing after. */
#define TRACE_MAX 96

static void
trace(int response, size_t cap, const uint8_t *apdu, size_t len,
      const uint8_t *bytes, size_t n)
{
    char line[TRACE_MAX + 1];

    memset(line, 0x7E, sizeof(line));
    if (response)
        vcard_trace_response(line, cap, bytes, n);
    else
        vcard_trace_command(line, cap, bytes, n);
    if (line[cap] != 0x7E)
        fail("trace wrote past its buffer", apdu, len);
    if (cap > 0 && strnlen(line, cap) >= cap)
        fail("trace line not terminated", apdu, len);
    /* VERIFY / CHANGE REFERENCE DATA: "> " + the 4-byte header, then
     * " **": no byte of the PIN (§5, trace.h). */
    if (!response && cap == TRACE_MAX && len > 5 &&
        (apdu[1] == 0x20 || apdu[1] == 0x24) &&
        strncmp(line + 10, " **", 3) != 0)
        fail("PIN shown in the trace", apdu, len);
}

static void
one_apdu(struct vcard *card, const uint8_t *apdu, size_t len)
{
    uint8_t resp[VCARD_RESP_MAX];
    struct vcard_apdu a;
    size_t n, cap;

    (void)vcard_apdu_parse(apdu, len, &a);
    cap = len > 0 ? (len + apdu[len - 1]) % (TRACE_MAX + 1) : TRACE_MAX;
    trace(0, cap, apdu, len, apdu, len);
    trace(0, TRACE_MAX, apdu, len, apdu, len);
    n = vcard_process(card, apdu, len, resp);
    check_response(card, apdu, len, resp, n);
    trace(1, cap, apdu, len, resp, n);
    trace(1, TRACE_MAX, apdu, len, resp, n);
}

static void
session(struct vcard *card, const uint8_t *data, size_t size)
{
    size_t pos = 0, len;
    uint8_t *apdu;

    /* Every PIN back to its default value and full counter. */
    memcpy(card->pins, fuzz_pins, sizeof(fuzz_pins));
    vcard_reset(card);
    while (pos < size) {
        len = data[pos++];
        if (len > size - pos)
            len = size - pos;
        /* A private copy, so that reading past the APDU is caught. */
        apdu = malloc(len > 0 ? len : 1);
        if (apdu == NULL)
            abort();
        memcpy(apdu, data + pos, len);
        one_apdu(card, apdu, len);
        free(apdu);
        pos += len;
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct vcard *card;

    if (fuzz_st == NULL) {
        fuzz_st = fixture_card_new();
        if (fuzz_st == NULL)
            abort();
        memcpy(fuzz_pins, fuzz_st->card.pins, sizeof(fuzz_pins));
    }
    card = &fuzz_st->card;
    card->keep_state_on_reselect = false;
    card->allow_extended = false;
    session(card, data, size);
    card->keep_state_on_reselect = true;
    card->allow_extended = true;
    session(card, data, size);
    return 0;
}
