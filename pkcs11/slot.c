/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Readers and slots.  Every PC/SC reader gets an index the first time it is
 * seen and keeps it while the module is loaded, so slot ids are stable:
 * slot 2i is reader i's auth token, slot 2i+1 its sign token (one card =
 * two tokens, as OpenSC users expect, card-protocol.md §13.3).  A card is a
 * My Number Card when the JPKI AP can be selected, whatever its ATR (§1).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static void
blob_free(struct myna_blob *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
}

void
myna_reader_forget_inlock(struct myna_reader *r)
{
    for (size_t i = 0; i < MYNA_CERT_COUNT; i++)
        blob_free(&r->certs[i]);
    myna_token_clear_inlock(r);
    if (r->conn != NULL)
        myna_pcsc_disconnect(r->conn, false);
    r->conn = NULL;
    r->kind = MYNA_CARD_UNKNOWN;
    r->have_info = false;
    r->ap_selected = false;
    r->in_transaction = false;
    r->generation++;
    for (size_t k = 0; k < MYNA_TOKENS_PER_CARD; k++)
        myna_session_close_slot_inlock(
            (CK_SLOT_ID)((r - myna_mod.readers) * MYNA_TOKENS_PER_CARD + k));
}

static struct myna_reader *
reader_by_name(const char *name)
{
    for (size_t i = 0; i < myna_mod.n_readers; i++)
        if (strcmp(myna_mod.readers[i].name, name) == 0)
            return &myna_mod.readers[i];
    if (myna_mod.n_readers >= MYNA_MAX_READERS)
        return NULL;
    struct myna_reader *r = &myna_mod.readers[myna_mod.n_readers++];

    memset(r, 0, sizeof(*r));
    size_t n = strnlen(name, sizeof(r->name) - 1);

    memcpy(r->name, name, n);
    r->name[n] = '\0';
    return r;
}

/* Take the readers' state from pcscd; a change of a reader's event counter
 * means the card was removed or inserted (or reset by a reader): drop
 * everything known about the old insertion. */
CK_RV
myna_readers_refresh_inlock(void)
{
    struct myna_reader_state now[MYNA_MAX_READERS];
    size_t n = 0;
    CK_RV rv = myna_pcsc_readers(myna_mod.pcsc, now, MYNA_MAX_READERS, &n);

    /* The listing is about no token: C_GetSlotList, C_GetSlotInfo and
     * C_WaitForSlotEvent may not answer CKR_DEVICE_ERROR or
     * CKR_DEVICE_REMOVED (PKCS#11 v3.0 §5.1.3, §5.5), which is what a
     * failed SCardListReaders / SCardGetStatusChange becomes in
     * myna_pcsc_rv().  Found by fuzz-p11-module. */
    if (rv != CKR_OK && rv != CKR_HOST_MEMORY)
        rv = CKR_FUNCTION_FAILED;
    if (rv != CKR_OK)
        return rv;
    if (myna_pcsc_epoch(myna_mod.pcsc) != myna_mod.pcsc_epoch) {
        /* pcscd restarted: our card handles are dead and the cards were
         * powered off, whatever the (restarted) event counters say. */
        myna_mod.pcsc_epoch = myna_pcsc_epoch(myna_mod.pcsc);
        for (size_t i = 0; i < myna_mod.n_readers; i++) {
            struct myna_reader *r = &myna_mod.readers[i];

            if (r->present || r->conn != NULL)
                myna_reader_forget_inlock(r);
            r->present = false;
        }
    }
    for (size_t i = 0; i < myna_mod.n_readers; i++)
        myna_mod.readers[i].exists = false;
    for (size_t i = 0; i < n; i++) {
        struct myna_reader *r = reader_by_name(now[i].name);

        if (r == NULL)
            continue; /* more than MYNA_MAX_READERS readers */
        r->exists = true;
        if (r->present != now[i].present || r->counter != now[i].counter) {
            if (r->present || r->conn != NULL)
                myna_reader_forget_inlock(r);
            r->present = now[i].present;
            r->counter = now[i].counter;
        }
    }
    for (size_t i = 0; i < myna_mod.n_readers; i++) {
        struct myna_reader *r = &myna_mod.readers[i];

        if (!r->exists && (r->present || r->conn != NULL)) {
            myna_reader_forget_inlock(r); /* reader unplugged */
            r->present = false;
        }
    }
    return CKR_OK;
}

struct myna_reader *
myna_reader_of_slot_inlock(CK_SLOT_ID slot, enum myna_key *key)
{
    size_t i = slot / MYNA_TOKENS_PER_CARD;

    if (i >= myna_mod.n_readers)
        return NULL;
    if (key != NULL)
        *key = slot % MYNA_TOKENS_PER_CARD == 0 ? MYNA_KEY_AUTH : MYNA_KEY_SIGN;
    return &myna_mod.readers[i];
}

CK_RV
myna_reader_check_inlock(struct myna_reader *r, CK_RV rv)
{
    if (rv == CKR_DEVICE_REMOVED || rv == CKR_TOKEN_NOT_PRESENT) {
        myna_log("reader '%s': card gone", r->name);
        myna_reader_forget_inlock(r);
        r->present = false;
        return CKR_DEVICE_REMOVED;
    }
    return rv;
}

/* The card forgets its verified PINs on a reset and on a SELECT of an
 * application by DF name (card-protocol.md §7, OpenSC's model, which our
 * logout relies on): so must we, or the module would offer private
 * objects and signatures on a login the card no longer has.  Both tokens:
 * the card has one security state. */
static void
forget_logins(struct myna_reader *r)
{
    for (size_t k = 0; k < MYNA_TOKENS_PER_CARD; k++)
        r->tokens[k].logged_in = false;
}

CK_RV
myna_reader_begin_inlock(struct myna_reader *r)
{
    bool was_reset = false;
    CK_RV rv;

    if (!r->exists || !r->present)
        return CKR_TOKEN_NOT_PRESENT;
    if (r->conn == NULL) {
        rv = myna_pcsc_connect(myna_mod.pcsc, r->name, &r->conn);
        if (rv != CKR_OK)
            return myna_reader_check_inlock(r, rv);
        r->io.transmit = myna_pcsc_transmit;
        r->io.ctx = r->conn;
        r->io.trace = myna_log_apdu;
        r->ap_selected = false;
    }
    rv = myna_pcsc_begin(r->conn, &was_reset);
    if (rv != CKR_OK)
        return myna_reader_check_inlock(r, rv);
    if (was_reset) {
        /* Someone reset the card: its security state and current DF are
         * gone (§7), so are our logins. */
        myna_log("reader '%s': card was reset", r->name);
        r->ap_selected = false;
        forget_logins(r);
    }
    r->in_transaction = true;
    return CKR_OK;
}

void
myna_reader_end_inlock(struct myna_reader *r, bool reset)
{
    if (r->conn != NULL && r->in_transaction)
        myna_pcsc_end(r->conn, reset);
    r->in_transaction = false;
    /* Also a reset by someone else that a transmit of this transaction
     * ran into (transport.h): the next begin would learn it, but until
     * then C_GetSessionInfo and the object lists must not show a login. */
    if (reset || (r->conn != NULL && myna_pcsc_take_reset(r->conn))) {
        r->ap_selected = false;
        forget_logins(r);
    }
}

CK_RV
myna_reader_select_ap_inlock(struct myna_reader *r)
{
    CK_RV rv;

    if (r->ap_selected)
        return CKR_OK;
    rv = myna_card_select_jpki(&r->io);
    /* 6A82 tells a card without the JPKI AP from a My Number Card (§1),
     * which is news only the first time (myna_reader_has_token_inlock).
     * A card already known as one that answers it later is faulty, and
     * the session functions that select the AP (C_Login, C_Logout,
     * C_Sign, ...) may not answer CKR_TOKEN_NOT_RECOGNIZED (PKCS#11 v3.0
     * §5.1.2, §5.1.7).  Found by fuzz-p11-module. */
    if (rv == CKR_TOKEN_NOT_RECOGNIZED && r->kind == MYNA_CARD_JPKI)
        rv = CKR_DEVICE_ERROR;
    /* A SELECT the card accepted cleared its verified state (§7).  E.g.
     * the retry of myna_reader_run_inlock after a broken answer used to
     * keep a login the card had dropped (found by fuzz-p11-module).  One
     * that failed leaves ap_selected false: the next operation selects
     * again before anything else. */
    if (rv == CKR_OK) {
        forget_logins(r);
        r->ap_selected = true;
    }
    return rv;
}

CK_RV
myna_reader_run_inlock(struct myna_reader *r, myna_card_op op, void *arg,
                       bool retry)
{
    CK_RV rv = myna_reader_begin_inlock(r);
    bool assumed;

    if (rv != CKR_OK)
        return rv;
    assumed = r->ap_selected;
    rv = myna_reader_select_ap_inlock(r);
    if (rv == CKR_OK)
        rv = op(&r->io, arg);
    if (rv == CKR_DEVICE_ERROR && assumed && retry) {
        myna_log("reader '%s': the JPKI AP was not current, selecting it",
                 r->name);
        r->ap_selected = false;
        rv = myna_reader_select_ap_inlock(r);
        if (rv == CKR_OK)
            rv = op(&r->io, arg);
    }
    myna_reader_end_inlock(r, false);
    return myna_reader_check_inlock(r, rv);
}

bool
myna_reader_has_token_inlock(struct myna_reader *r)
{
    CK_RV rv;

    if (!r->exists || !r->present)
        return false;
    if (r->kind != MYNA_CARD_UNKNOWN)
        return r->kind == MYNA_CARD_JPKI;
    rv = myna_reader_begin_inlock(r);
    if (rv != CKR_OK)
        return false;
    rv = myna_reader_select_ap_inlock(r);
    myna_reader_end_inlock(r, false);
    if (rv == CKR_OK) {
        r->kind = MYNA_CARD_JPKI;
        myna_token_build_objects_inlock(r);
    } else if (rv == CKR_TOKEN_NOT_RECOGNIZED || rv == CKR_DEVICE_ERROR) {
        r->kind = MYNA_CARD_OTHER;
    } else {
        myna_reader_check_inlock(r, rv);
    }
    myna_log("reader '%s': %s", r->name,
             r->kind == MYNA_CARD_JPKI ? "My Number Card" : "no JPKI AP");
    return r->kind == MYNA_CARD_JPKI;
}

/* ours: C_Finalize (disconnect, resetting a logged-in card); !ours: a
 * forked child forgetting the parent's readers (no SCard call). */
static void
readers_release_inlock(bool ours)
{
    for (size_t i = 0; i < myna_mod.n_readers; i++) {
        struct myna_reader *r = &myna_mod.readers[i];

        bool logged_in = r->tokens[MYNA_KEY_AUTH].logged_in ||
                         r->tokens[MYNA_KEY_SIGN].logged_in;

        for (size_t c = 0; c < MYNA_CERT_COUNT; c++)
            blob_free(&r->certs[c]);
        myna_token_clear_inlock(r);
        /* C_Finalize with a token still logged in: reset the card, so
         * that its verified state does not outlive us (§7). */
        if (r->conn != NULL && ours)
            myna_pcsc_disconnect(r->conn, logged_in);
        else
            myna_pcsc_card_abandon(r->conn);
        r->conn = NULL;
    }
    myna_mod.n_readers = 0;
}

void
myna_readers_free_inlock(void)
{
    readers_release_inlock(true);
}

void
myna_readers_abandon_inlock(void)
{
    readers_release_inlock(false);
}
