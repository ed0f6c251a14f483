/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * PC/SC transport (transport-pcsc.c): the only file that calls SCard*,
 * and myna_pcsc_rv(), the only place where SCARD_* becomes a CK_RV.
 * Thread safety: one myna_pcsc per module; calls on one card handle are
 * serialised by the caller (slot lock); myna_pcsc_cancel() may be called
 * from any thread.
 */
#ifndef MYNA_PKCS11_TRANSPORT_H
#define MYNA_PKCS11_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pkcs11-3.h"

struct myna_pcsc;      /* SCARDCONTEXT and what belongs to it */
struct myna_pcsc_card; /* SCARDHANDLE on one reader */

#define MYNA_READER_NAME_MAX 128

struct myna_reader_state {
    char name[MYNA_READER_NAME_MAX];
    bool present;          /* a card is in the reader */
    unsigned long counter; /* PC/SC event counter (high 16 bits of the
                              event state): changes on every insert/remove */
};

CK_RV myna_pcsc_open(struct myna_pcsc **ctx);
void myna_pcsc_close(struct myna_pcsc *ctx);
/* After fork(): free our memory of a context or connection the parent
 * owns, without a single SCard call (its handles are the parent's). */
void myna_pcsc_abandon(struct myna_pcsc *ctx);
void myna_pcsc_card_abandon(struct myna_pcsc_card *card);

/* The readers now, at most max of them.  A pcscd restart is handled
 * here: on SCARD_E_NO_SERVICE / SCARD_E_INVALID_HANDLE the context is
 * re-established once. */
CK_RV myna_pcsc_readers(struct myna_pcsc *ctx, struct myna_reader_state *out,
                        size_t max, size_t *n);
/* How many times myna_pcsc_readers() found pcscd gone and re-established
 * the context: a restart, after which every card handle is dead and every
 * card was powered off. */
unsigned long myna_pcsc_epoch(struct myna_pcsc *ctx);

/* Block until a reader or card changes or timeout_ms passes (0: poll,
 * -1: forever) or myna_pcsc_cancel() is called.  CKR_OK: something
 * changed; CKR_NO_EVENT: timeout; CKR_CRYPTOKI_NOT_INITIALIZED when
 * cancelled.  states (n entries) are updated in place. */
CK_RV myna_pcsc_wait(struct myna_pcsc *ctx, struct myna_reader_state *states,
                     size_t n, long timeout_ms);
void myna_pcsc_cancel(struct myna_pcsc *ctx);

CK_RV myna_pcsc_connect(struct myna_pcsc *ctx, const char *reader,
                        struct myna_pcsc_card **card);
/* reset: SCARD_RESET_CARD (clears the card's security state, §7) instead of
 * SCARD_LEAVE_CARD. */
void myna_pcsc_disconnect(struct myna_pcsc_card *card, bool reset);

/* SCardBeginTransaction.  *was_reset is set when the card was reset (or
 * reconnected) by someone else since the last transaction: the caller must
 * assume the security state and the current DF are gone.  A removed card
 * is CKR_DEVICE_REMOVED. */
CK_RV myna_pcsc_begin(struct myna_pcsc_card *card, bool *was_reset);
/* SCardEndTransaction with SCARD_LEAVE_CARD, or SCARD_RESET_CARD when reset. */
void myna_pcsc_end(struct myna_pcsc_card *card, bool reset);

/* True once after the card was reset by someone else (seen by a transmit,
 * which then failed its APDU with CKR_DEVICE_ERROR after reconnecting, or
 * by begin); clears the flag.  begin reports it too, as *was_reset.  The
 * caller must assume the security state and the current DF are gone. */
bool myna_pcsc_take_reset(struct myna_pcsc_card *card);

/* The struct myna_io transmit function; ctx is a struct myna_pcsc_card. */
CK_RV myna_pcsc_transmit(void *card, const uint8_t *cmd, size_t cmd_len,
                         uint8_t *resp, size_t *resp_len);

/* The one SCARD_* -> CK_RV translation. */
CK_RV myna_pcsc_rv(long scard_rv);

#endif
