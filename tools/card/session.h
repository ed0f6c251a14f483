/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One card, held for one myna-card command: PC/SC through the module's
 * transport (pkcs11/transport-pcsc.c, the one SCARD_* translation), one
 * transaction from open to close, so no other program interleaves APDUs
 * and nothing rides on a PIN verified here: close resets the card when a
 * PIN was verified (card-protocol.md §7).
 */
#ifndef MYNA_CARD_SESSION_H
#define MYNA_CARD_SESSION_H

#include <stdbool.h>

#include "card.h"
#include "transport.h"

struct card_session {
    struct myna_pcsc *pcsc;
    struct myna_pcsc_card *card;
    struct myna_io io;
    char reader[MYNA_READER_NAME_MAX];
    bool in_transaction;
    bool verified; /* a PIN was presented: reset on close */
};

/* Turn the APDU trace on stderr on (--verbose).  VERIFY and CHANGE data
 * and every READ BINARY answer of the card info AP (personal data) are
 * never written. */
void card_trace(bool on);
/* While set, READ BINARY answers are traced by length only. */
void card_trace_private(bool on);

/* Connect to reader (NULL: the first reader with a card) and begin the
 * transaction.  CKR_TOKEN_NOT_PRESENT when no reader has a card. */
CK_RV card_open(struct card_session *s, const char *reader);
void card_close(struct card_session *s);

/* A message for a CK_RV of the card layer, for people at the counter. */
const char *card_strerror(CK_RV rv);

#endif
