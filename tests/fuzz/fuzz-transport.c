/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pkcs11/transport.h without PC/SC: the card is a script (fuzz-transport.h
 * describes its format).  Misuse of the transport by the module aborts:
 * a transmit outside a PC/SC transaction, nested or unbalanced
 * transactions, a connection dropped inside one, a command that is not a
 * well-formed short APDU, a wait that would block forever.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../pkcs11/card.h" /* MYNA_APDU_RESP_MAX */
#include "../../pkcs11/transport.h"
#include "fuzz-transport.h"

#define CMD_MAX (5 + 255 + 1)
#define EXTRA_READERS_MAX 3

struct myna_pcsc {
    bool cancelled;
};

struct myna_pcsc_card {
    unsigned long insertion; /* the card's counter when connected */
    unsigned long epoch;     /* pcscd's epoch when connected */
    bool in_tx;
    bool reset_seen;
};

static struct {
    uint8_t ctl[FUZZ_CTL_LEN];
    const uint8_t *stream;
    size_t len, pos;
    fuzz_oracle_fn oracle; /* record mode when set */
    void *oracle_arg;
    uint8_t *rec;
    size_t rec_len, rec_cap;
    bool present;
    bool pulled;            /* taken out by the script (may come back) */
    unsigned long counter;  /* event counter: moves on insert and remove */
    unsigned long epoch;    /* pcscd restarts */
    unsigned long listings; /* myna_pcsc_readers calls */
    long contexts, cards;   /* open now */
    struct fuzz_transport_stats stats;
} T;

static void
fail(const char *what)
{
    fprintf(stderr, "fuzz-transport: %s\n", what);
    abort();
}

static void
reset_state(const uint8_t *ctl)
{
    uint8_t *rec = T.rec;
    size_t cap = T.rec_cap;

    memset(&T, 0, sizeof(T));
    memcpy(T.ctl, ctl, FUZZ_CTL_LEN);
    T.rec = rec;
    T.rec_cap = cap;
    T.present = true;
    T.counter = 1;
}

void
fuzz_transport_start(const uint8_t *ctl, const uint8_t *stream,
                     size_t stream_len)
{
    reset_state(ctl);
    T.stream = stream;
    T.len = stream_len;
}

void
fuzz_transport_start_record(const uint8_t *ctl, fuzz_oracle_fn oracle,
                            void *arg)
{
    reset_state(ctl);
    T.oracle = oracle;
    T.oracle_arg = arg;
}

void
fuzz_transport_end(void)
{
    if (T.contexts != 0)
        fail("a PC/SC context was left open");
    if (T.cards != 0)
        fail("a card connection was left open");
}

const struct fuzz_transport_stats *
fuzz_transport_stats(void)
{
    return &T.stats;
}

const uint8_t *
fuzz_transport_recorded(size_t *len)
{
    *len = T.rec_len;
    return T.rec;
}

static void
record(const uint8_t *p, size_t n)
{
    if (T.rec_len + n > T.rec_cap) {
        size_t cap = (T.rec_len + n) * 2;
        uint8_t *nb = realloc(T.rec, cap);

        if (nb == NULL)
            fail("out of memory recording");
        T.rec = nb;
        T.rec_cap = cap;
    }
    memcpy(T.rec + T.rec_len, p, n);
    T.rec_len += n;
}

/* The module reset the card itself (disconnect or end with reset, or a
 * begin that reports a reset): the oracle's card forgets its state too. */
static void
card_reset(void)
{
    if (T.oracle != NULL)
        (void)T.oracle(T.oracle_arg, NULL, 0, NULL, NULL);
}

static void
pull_card(void)
{
    if (T.present)
        T.counter++;
    T.present = false;
    T.pulled = true;
}

/* The errors transport-pcsc.c returns from the listing and connect
 * (myna_pcsc_rv of what SCardListReaders / SCardConnect can answer). */
static CK_RV
listed_error(uint8_t sel)
{
    static const CK_RV errs[] = { CKR_DEVICE_ERROR, CKR_DEVICE_REMOVED,
                                  CKR_HOST_MEMORY };

    return errs[sel % 3];
}

CK_RV
myna_pcsc_rv(long scard_rv)
{
    /* Nothing here speaks SCARD_*; SCARD_S_SUCCESS is 0. */
    return scard_rv == 0 ? CKR_OK : CKR_DEVICE_ERROR;
}

CK_RV
myna_pcsc_open(struct myna_pcsc **out)
{
    if (out == NULL)
        return CKR_ARGUMENTS_BAD;
    *out = NULL;
    T.stats.opens++;
    if (T.ctl[5] & 0x80)
        return (T.ctl[5] & 0x40) ? CKR_DEVICE_ERROR : CKR_HOST_MEMORY;
    *out = calloc(1, sizeof(**out));
    if (*out == NULL)
        return CKR_HOST_MEMORY;
    T.contexts++;
    return CKR_OK;
}

void
myna_pcsc_close(struct myna_pcsc *ctx)
{
    if (ctx == NULL)
        return;
    T.stats.closes++;
    T.contexts--;
    free(ctx);
}

void
myna_pcsc_abandon(struct myna_pcsc *ctx)
{
    if (ctx != NULL)
        T.contexts--;
    free(ctx);
}

void
myna_pcsc_card_abandon(struct myna_pcsc_card *card)
{
    if (card != NULL)
        T.cards--;
    free(card);
}

static void
fill_reader(struct myna_reader_state *st, const char *name, bool present,
            unsigned long counter)
{
    memset(st, 0, sizeof(*st));
    snprintf(st->name, sizeof(st->name), "%s", name);
    st->present = present;
    st->counter = counter & 0xFFFF;
}

CK_RV
myna_pcsc_readers(struct myna_pcsc *ctx, struct myna_reader_state *out,
                  size_t max, size_t *n)
{
    size_t extra = T.ctl[7] & EXTRA_READERS_MAX, k = 0;
    char name[MYNA_READER_NAME_MAX];

    if (n != NULL)
        *n = 0;
    if (ctx == NULL || n == NULL || (out == NULL && max > 0))
        return CKR_ARGUMENTS_BAD;
    T.listings++;
    if (T.listings == (T.ctl[2] & 0x0F))
        return listed_error(T.ctl[2] >> 4);
    if (T.listings == (unsigned long)(T.ctl[6] >> 4)) {
        T.epoch++; /* pcscd restarted: every connection is dead */
        card_reset();
    }
    if ((T.ctl[6] & 0x02) && T.listings == 1 && T.present) {
        T.present = false; /* inserted at the second listing */
        T.counter++;
    } else if ((T.ctl[6] & 0x02) && T.listings == 2 && !T.pulled) {
        T.present = true;
        T.counter++;
        card_reset();
    } else if ((T.ctl[6] & 0x01) && T.pulled && !T.present &&
               (T.oracle != NULL || T.pos < T.len)) {
        T.present = true; /* put back in: powered up afresh */
        T.counter++;
        card_reset();
    }
    for (size_t i = 0; i < extra && k < max; i++) {
        snprintf(name, sizeof(name), "Fuzz Empty Reader %02zu 00", i);
        fill_reader(&out[k++], name, false, 0);
    }
    if (k < max)
        fill_reader(&out[k++], FUZZ_READER_NAME, T.present, T.counter);
    *n = k;
    return CKR_OK;
}

unsigned long
myna_pcsc_epoch(struct myna_pcsc *ctx)
{
    (void)ctx;
    return T.epoch;
}

CK_RV
myna_pcsc_wait(struct myna_pcsc *ctx, struct myna_reader_state *states,
               size_t n, long timeout_ms)
{
    if (ctx == NULL || (states == NULL && n > 0) || timeout_ms < -1)
        return CKR_ARGUMENTS_BAD;
    if (ctx->cancelled)
        return CKR_CRYPTOKI_NOT_INITIALIZED;
    for (size_t i = 0; i < n; i++)
        if (strcmp(states[i].name, FUZZ_READER_NAME) == 0 &&
            (states[i].present != T.present ||
             states[i].counter != (T.counter & 0xFFFF)))
            return CKR_OK;
    if (timeout_ms < 0)
        fail("myna_pcsc_wait would block forever");
    return CKR_NO_EVENT;
}

void
myna_pcsc_cancel(struct myna_pcsc *ctx)
{
    if (ctx != NULL)
        ctx->cancelled = true;
}

CK_RV
myna_pcsc_connect(struct myna_pcsc *ctx, const char *reader,
                  struct myna_pcsc_card **card)
{
    struct myna_pcsc_card *c;

    if (card != NULL)
        *card = NULL;
    if (ctx == NULL || reader == NULL || card == NULL)
        return CKR_ARGUMENTS_BAD;
    T.stats.connects++;
    if (!(T.ctl[5] & 0x80) && T.stats.connects == (T.ctl[5] & 0x0F))
        return listed_error((T.ctl[5] >> 4) & 0x07);
    /* SCARD_E_NO_SMARTCARD / SCARD_E_UNKNOWN_READER */
    if (strcmp(reader, FUZZ_READER_NAME) != 0 || !T.present)
        return CKR_DEVICE_REMOVED;
    c = calloc(1, sizeof(*c));
    if (c == NULL)
        return CKR_HOST_MEMORY;
    c->insertion = T.counter;
    c->epoch = T.epoch;
    T.cards++;
    *card = c;
    return CKR_OK;
}

void
myna_pcsc_disconnect(struct myna_pcsc_card *card, bool reset)
{
    if (card == NULL)
        return;
    if (card->in_tx)
        fail("disconnect inside a transaction");
    T.stats.disconnects++;
    T.cards--;
    if (reset) {
        T.stats.forgets++;
        card_reset();
    }
    free(card);
}

static bool
alive(const struct myna_pcsc_card *c)
{
    return T.present && c->insertion == T.counter && c->epoch == T.epoch;
}

CK_RV
myna_pcsc_begin(struct myna_pcsc_card *card, bool *was_reset)
{
    if (was_reset != NULL)
        *was_reset = false;
    if (card == NULL || was_reset == NULL)
        return CKR_ARGUMENTS_BAD;
    if (card->in_tx)
        fail("nested transaction");
    T.stats.begins++;
    if (!alive(card))
        return CKR_DEVICE_REMOVED;
    if (T.stats.begins == (T.ctl[4] & 0x7F)) {
        if (!(T.ctl[4] & 0x80))
            return CKR_DEVICE_ERROR; /* e.g. SCARD_E_SHARING_VIOLATION */
        pull_card();
        return CKR_DEVICE_REMOVED;
    }
    if (T.stats.begins == T.ctl[3]) {
        card->reset_seen = true; /* reported now, as was_reset */
        T.stats.forgets++;
        card_reset();
    }
    card->in_tx = true;
    *was_reset = myna_pcsc_take_reset(card);
    return CKR_OK;
}

void
myna_pcsc_end(struct myna_pcsc_card *card, bool reset)
{
    if (card == NULL)
        return;
    if (!card->in_tx)
        fail("end without a transaction");
    T.stats.ends++;
    card->in_tx = false;
    if (reset) {
        T.stats.forgets++;
        card_reset();
    }
}

bool
myna_pcsc_take_reset(struct myna_pcsc_card *card)
{
    bool seen;

    if (card == NULL)
        return false;
    seen = card->reset_seen;
    card->reset_seen = false;
    return seen;
}

/* Every command the module sends is a well-formed short APDU (§14). */
static void
check_command(const uint8_t *cmd, size_t len)
{
    if (len < 4 || len > CMD_MAX)
        fail("command of a bad length");
    if (len > 5 && cmd[4] == 0)
        fail("extended or malformed case 3/4 command");
    if (len > 5 && (size_t)cmd[4] + 5 != len && (size_t)cmd[4] + 6 != len)
        fail("Lc does not match the command length");
    if (cmd[1] == 0xB0 && (len != 5 || (cmd[2] & 0x80) != 0))
        fail("READ BINARY not a short case 2 with a 15-bit offset");
}

static void
hash_command(const uint8_t *cmd, size_t len)
{
    uint64_t h =
        T.stats.commands_hash ? T.stats.commands_hash : 0xcbf29ce484222325ULL;

    for (size_t i = 0; i < len; i++)
        h = (h ^ cmd[i]) * 0x100000001b3ULL;
    T.stats.commands_hash = (h ^ len) * 0x100000001b3ULL;
}

static size_t
fill_le(const uint8_t *cmd, size_t len)
{
    uint8_t le;

    if (len == 5)
        le = cmd[4];
    else if (len > 5 && len == (size_t)cmd[4] + 6)
        le = cmd[len - 1];
    else
        le = 0;
    return le == 0 ? 256 : le;
}

/* The next answer of the script: its length in resp, or 0 and *event. */
static size_t
next_answer(const uint8_t *cmd, size_t cmd_len, uint8_t *resp, int *event)
{
    size_t n, avail;
    uint8_t tag;

    *event = 0;
    if (T.pos >= T.len) {
        *event = FUZZ_TAG_REMOVED; /* the script is over: card gone */
        return 0;
    }
    tag = T.stream[T.pos++];
    switch (tag) {
    case FUZZ_TAG_ERROR:
    case FUZZ_TAG_RESET:
    case FUZZ_TAG_REMOVED:
        *event = tag;
        return 0;
    case FUZZ_TAG_OK:
        resp[0] = 0x90;
        resp[1] = 0x00;
        return 2;
    case FUZZ_TAG_FILL:
        n = fill_le(cmd, cmd_len);
        memset(resp, T.pos < T.len ? T.stream[T.pos++] : 0, n);
        resp[n] = 0x90;
        resp[n + 1] = 0x00;
        return n + 2;
    case FUZZ_TAG_LONG:
        n = 0;
        for (int i = 0; i < 2 && T.pos < T.len; i++)
            n = n << 8 | T.stream[T.pos++];
        n %= MYNA_APDU_RESP_MAX + 1;
        break;
    default:
        n = tag;
        break;
    }
    avail = T.len - T.pos;
    n = n < avail ? n : avail;
    memcpy(resp, T.stream + T.pos, n);
    T.pos += n;
    return n;
}

static void
record_answer(const uint8_t *resp, size_t n, int event)
{
    uint8_t hdr[3];

    if (event != 0) {
        hdr[0] = (uint8_t)event;
        record(hdr, 1);
        return;
    }
    if (n <= FUZZ_TAG_VERBATIM_MAX) {
        hdr[0] = (uint8_t)n;
        record(hdr, 1);
    } else {
        hdr[0] = FUZZ_TAG_LONG;
        hdr[1] = (uint8_t)(n >> 8);
        hdr[2] = (uint8_t)n;
        record(hdr, 3);
    }
    record(resp, n);
}

CK_RV
myna_pcsc_transmit(void *ctx, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
                   size_t *resp_len)
{
    struct myna_pcsc_card *c = ctx;
    uint8_t buf[MYNA_APDU_RESP_MAX];
    size_t n;
    int event;

    if (resp_len != NULL)
        *resp_len = 0;
    if (c == NULL || cmd == NULL || resp == NULL || resp_len == NULL ||
        cmd_len == 0 || cmd_len > CMD_MAX)
        return CKR_ARGUMENTS_BAD;
    if (!c->in_tx)
        fail("transmit outside a PC/SC transaction");
    check_command(cmd, cmd_len);
    T.stats.transmits++;
    hash_command(cmd, cmd_len);
    if (cmd[1] == 0x20 && cmd_len > 5)
        T.stats.verifies_with_pin++;
    if (!alive(c))
        return CKR_DEVICE_REMOVED;
    if (T.oracle != NULL) {
        n = T.oracle(T.oracle_arg, cmd, cmd_len, buf, &event);
        if (n > MYNA_APDU_RESP_MAX)
            fail("oracle answer too long");
        record_answer(buf, n, event);
    } else {
        n = next_answer(cmd, cmd_len, buf, &event);
    }
    switch (event) {
    case FUZZ_TAG_REMOVED:
        pull_card();
        return CKR_DEVICE_REMOVED;
    case FUZZ_TAG_RESET:
        /* transport-pcsc.c: SCARD_W_RESET_CARD, reconnected, APDU lost */
        c->reset_seen = true;
        T.stats.forgets++;
        return CKR_DEVICE_ERROR;
    case FUZZ_TAG_ERROR:
        return CKR_DEVICE_ERROR;
    default:
        break;
    }
    /* A SELECT by DF name the card accepted (§7). */
    if (cmd[1] == 0xA4 && cmd[2] == 0x04 && n == 2 && buf[0] == 0x90 &&
        buf[1] == 0x00)
        T.stats.forgets++;
    memcpy(resp, buf, n);
    *resp_len = n;
    return CKR_OK;
}
