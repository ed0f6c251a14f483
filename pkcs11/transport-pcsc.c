/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * PC/SC transport over pcsc-lite: the only file that calls SCard*, and
 * myna_pcsc_rv(), the only place where an SCARD_* code becomes a CK_RV.
 *
 * Contexts.  pcsc-lite serialises every call on one SCARDCONTEXT with a
 * per-context mutex that a blocking SCardGetStatusChange() holds for its
 * whole duration (as does SCardTransmit() during a slow signature).  So
 * there are three kinds of context here, none shared between them:
 *   - ctx:      reader listing (myna_pcsc_readers), guarded by our lock;
 *   - wait_ctx: myna_pcsc_wait() and myna_pcsc_cancel();
 *   - one per card connection (myna_pcsc_connect), so that one slot's
 *     signature never blocks another slot, the listing or the wait.
 *
 * pcscd restarts: a context whose daemon went away answers
 * SCARD_E_NO_SERVICE (or INVALID_HANDLE / SERVICE_STOPPED); the listing
 * and the wait establish a new one, once per call; a card connection
 * cannot survive it and reports CKR_DEVICE_REMOVED (myna_pcsc_rv).
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <winscard.h>

#include "card.h" /* MYNA_APDU_RESP_MAX */
#include "transport.h"

/* pcsc-lite refuses SCardGetStatusChange() with more than
 * PCSCLITE_MAX_READERS_CONTEXTS entries; the wait adds the PnP one. */
#define MAX_READERS (PCSCLITE_MAX_READERS_CONTEXTS - 1)
/* The wait blocks at most this long in one SCardGetStatusChange(), so a
 * cancel that slips in before the call starts, or a reader added between
 * our listing and the call, is noticed within this time. */
#define WAIT_SLICE_MS 1000
#define PNP_NOTIFICATION "\\\\?PnP?\\Notification"

struct myna_pcsc {
    pthread_mutex_t lock; /* guards ctx, have_ctx, wait_ctx, have_wait */
    SCARDCONTEXT ctx;
    bool have_ctx;
    SCARDCONTEXT wait_ctx;
    bool have_wait;
    atomic_bool cancelled; /* sticky: set by myna_pcsc_cancel() */
    unsigned long epoch;   /* pcscd restarts seen by the listing */
};

struct myna_pcsc_card {
    SCARDCONTEXT ctx; /* this connection's own context */
    SCARDHANDLE handle;
    DWORD protocol;  /* SCARD_PROTOCOL_T0 or T1 */
    bool reset_seen; /* reset by someone else, not yet reported */
};

CK_RV
myna_pcsc_rv(long scard_rv)
{
    switch (scard_rv) {
    case SCARD_S_SUCCESS:
        return CKR_OK;
    case SCARD_W_REMOVED_CARD:
    case SCARD_E_NO_SMARTCARD:
        /* The card left the reader: PKCS#11 v3.0 §5.1 "the token was
         * removed from its slot during the execution of the function". */
        return CKR_DEVICE_REMOVED;
    case SCARD_E_UNKNOWN_READER:
    case SCARD_E_READER_UNAVAILABLE:
        /* The reader was unplugged, and the card with it. */
        return CKR_DEVICE_REMOVED;
    case SCARD_E_NO_SERVICE:
    case SCARD_E_SERVICE_STOPPED:
    case SCARD_E_INVALID_HANDLE:
    case SCARD_F_COMM_ERROR:
        /* pcscd went away.  The listing and the wait recover from this
         * themselves (new context); what reaches here is a card
         * connection, which dies with the daemon: for the caller the card
         * is gone, so it drops the handle and its sessions and connects
         * again once the reader is back. */
        return CKR_DEVICE_REMOVED;
    case SCARD_E_NO_MEMORY:
        return CKR_HOST_MEMORY;
    case SCARD_E_TIMEOUT:
        return CKR_NO_EVENT; /* only SCardGetStatusChange() times out */
    case SCARD_E_CANCELLED:
        /* Only myna_pcsc_cancel() cancels, and only C_Finalize calls it:
         * PKCS#11 v3.0 §5.5 C_WaitForSlotEvent then returns
         * CKR_CRYPTOKI_NOT_INITIALIZED. */
        return CKR_CRYPTOKI_NOT_INITIALIZED;
    case SCARD_W_RESET_CARD:
        /* Handled (reconnect) where it can occur; if it still gets here
         * the command was lost with the card's state. */
        return CKR_DEVICE_ERROR;
    case SCARD_W_UNRESPONSIVE_CARD:
    case SCARD_W_UNPOWERED_CARD:
    case SCARD_E_PROTO_MISMATCH:
        /* A mute card, or one that speaks neither T=0 nor T=1. */
        return CKR_DEVICE_ERROR;
    case SCARD_E_SHARING_VIOLATION:
        /* Another application holds the card exclusively. */
        return CKR_DEVICE_ERROR;
    case SCARD_E_INSUFFICIENT_BUFFER:
        /* The card answered more than a short APDU allows (§14). */
        return CKR_DEVICE_ERROR;
    default:
        return CKR_DEVICE_ERROR;
    }
}

/* The daemon went away under a context (seen with pcscd 1.9.9: a call in
 * progress gets SCARD_F_COMM_ERROR, the next ones SCARD_E_NO_SERVICE). */
static bool
service_gone(LONG lrv)
{
    return lrv == SCARD_E_NO_SERVICE || lrv == SCARD_E_INVALID_HANDLE ||
           lrv == SCARD_E_SERVICE_STOPPED || lrv == SCARD_F_COMM_ERROR;
}

CK_RV
myna_pcsc_open(struct myna_pcsc **out)
{
    struct myna_pcsc *p;
    LONG lrv;

    if (out == NULL)
        return CKR_ARGUMENTS_BAD;
    *out = NULL;
    p = calloc(1, sizeof(*p));
    if (p == NULL)
        return CKR_HOST_MEMORY;
    if (pthread_mutex_init(&p->lock, NULL) != 0) {
        free(p);
        return CKR_HOST_MEMORY;
    }
    atomic_init(&p->cancelled, false);
    lrv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &p->ctx);
    if (lrv == SCARD_S_SUCCESS) {
        p->have_ctx = true;
    } else if (!service_gone(lrv)) {
        pthread_mutex_destroy(&p->lock);
        free(p);
        return myna_pcsc_rv(lrv);
    }
    /* No pcscd yet: not an error for C_Initialize; the listing tries
     * again and sees no readers until the daemon is there. */
    *out = p;
    return CKR_OK;
}

void
myna_pcsc_close(struct myna_pcsc *p)
{
    if (p == NULL)
        return;
    if (p->have_ctx)
        (void)SCardReleaseContext(p->ctx);
    if (p->have_wait)
        (void)SCardReleaseContext(p->wait_ctx);
    pthread_mutex_destroy(&p->lock);
    free(p);
}

void
myna_pcsc_abandon(struct myna_pcsc *p)
{
    if (p == NULL)
        return;
    /* The mutex may have been held by another thread of the parent at
     * fork time: it is not destroyed, only its memory given back. */
    free(p);
}

void
myna_pcsc_card_abandon(struct myna_pcsc_card *c)
{
    free(c);
}

/* The reader names as a pcsc-lite multi-string in *list (free()), or
 * NULL for none.  Retries when the list grows between the two calls. */
static LONG
list_readers(SCARDCONTEXT ctx, char **list)
{
    DWORD len = 0;
    LONG lrv = SCARD_E_INSUFFICIENT_BUFFER;
    char *buf;

    *list = NULL;
    for (int attempt = 0; attempt < 3; attempt++) {
        lrv = SCardListReaders(ctx, NULL, NULL, &len);
        if (lrv == SCARD_E_NO_READERS_AVAILABLE)
            return SCARD_S_SUCCESS;
        if (lrv != SCARD_S_SUCCESS)
            return lrv;
        if (len == 0)
            return SCARD_S_SUCCESS;
        buf = malloc(len);
        if (buf == NULL)
            return SCARD_E_NO_MEMORY;
        lrv = SCardListReaders(ctx, NULL, buf, &len);
        if (lrv == SCARD_S_SUCCESS && len > 0 && buf[len - 1] == '\0') {
            *list = buf;
            return SCARD_S_SUCCESS;
        }
        free(buf);
        if (lrv == SCARD_E_NO_READERS_AVAILABLE)
            return SCARD_S_SUCCESS;
        if (lrv == SCARD_S_SUCCESS)
            return SCARD_F_INTERNAL_ERROR; /* not NUL-terminated */
        if (lrv != SCARD_E_INSUFFICIENT_BUFFER)
            return lrv;
    }
    return lrv;
}

/* Split a multi-string into rs[] (at most max), skipping names too long
 * for struct myna_reader_state.  Returns the count. */
static size_t
split_readers(const char *list, SCARD_READERSTATE *rs, size_t max)
{
    size_t k = 0, len;

    for (const char *s = list; s != NULL && *s != '\0' && k < max;
         s += len + 1) {
        len = strlen(s);
        if (len >= MYNA_READER_NAME_MAX)
            continue;
        memset(&rs[k], 0, sizeof(rs[k]));
        rs[k].szReader = s;
        rs[k].dwCurrentState = SCARD_STATE_UNAWARE;
        k++;
    }
    return k;
}

static void
fill_state(struct myna_reader_state *st, const SCARD_READERSTATE *rs)
{
    size_t len = strlen(rs->szReader);

    memcpy(st->name, rs->szReader, len + 1); /* split_readers checked */
    st->present = (rs->dwEventState & SCARD_STATE_PRESENT) != 0;
    st->counter = (rs->dwEventState >> 16) & 0xFFFF;
}

/* List and query the readers once; the caller holds p->lock. */
static LONG
readers_once(struct myna_pcsc *p, struct myna_reader_state *out, size_t max,
             size_t *n)
{
    SCARD_READERSTATE rs[MAX_READERS];
    char *list = NULL;
    size_t k;
    LONG lrv;

    lrv = list_readers(p->ctx, &list);
    if (lrv != SCARD_S_SUCCESS)
        return lrv;
    k = split_readers(list, rs, max < MAX_READERS ? max : MAX_READERS);
    /* Timeout 0 with every state UNAWARE: the current states at once. */
    lrv = k == 0 ? SCARD_S_SUCCESS
                 : SCardGetStatusChange(p->ctx, 0, rs, (DWORD)k);
    if (lrv == SCARD_S_SUCCESS) {
        for (size_t i = 0; i < k; i++)
            fill_state(&out[i], &rs[i]);
        *n = k;
    }
    free(list);
    return lrv;
}

CK_RV
myna_pcsc_readers(struct myna_pcsc *p, struct myna_reader_state *out,
                  size_t max, size_t *n)
{
    LONG lrv = SCARD_S_SUCCESS;
    bool retried = false;

    if (n != NULL)
        *n = 0;
    if (p == NULL || n == NULL || (out == NULL && max > 0))
        return CKR_ARGUMENTS_BAD;
    pthread_mutex_lock(&p->lock);
    for (int attempt = 0; attempt < 4; attempt++) {
        if (!p->have_ctx) {
            lrv =
                SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &p->ctx);
            if (lrv != SCARD_S_SUCCESS)
                break;
            p->have_ctx = true;
        }
        lrv = readers_once(p, out, max, n);
        if (service_gone(lrv) && !retried) {
            /* pcscd restarted: a new context, once. */
            (void)SCardReleaseContext(p->ctx);
            p->have_ctx = false;
            p->epoch++;
            retried = true;
            continue;
        }
        /* A reader left between the listing and the query: list again. */
        if (lrv != SCARD_E_UNKNOWN_READER)
            break;
    }
    pthread_mutex_unlock(&p->lock);
    /* No daemon: no readers (pcscd is started on demand by its socket;
     * when it cannot be reached, there is nothing to show). */
    if (service_gone(lrv)) {
        *n = 0;
        return CKR_OK;
    }
    return myna_pcsc_rv(lrv);
}

unsigned long
myna_pcsc_epoch(struct myna_pcsc *p)
{
    unsigned long e;

    pthread_mutex_lock(&p->lock);
    e = p->epoch;
    pthread_mutex_unlock(&p->lock);
    return e;
}

/* ---- waiting for events ------------------------------------------- */

static long
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* The wait context, established if needed; false when pcscd is away. */
static bool
get_wait_ctx(struct myna_pcsc *p, SCARDCONTEXT *ctx)
{
    bool ok;

    pthread_mutex_lock(&p->lock);
    if (!p->have_wait && SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL,
                                               &p->wait_ctx) == SCARD_S_SUCCESS)
        p->have_wait = true;
    ok = p->have_wait;
    *ctx = p->wait_ctx;
    pthread_mutex_unlock(&p->lock);
    return ok;
}

static void
drop_wait_ctx(struct myna_pcsc *p)
{
    pthread_mutex_lock(&p->lock);
    if (p->have_wait)
        (void)SCardReleaseContext(p->wait_ctx);
    p->have_wait = false;
    pthread_mutex_unlock(&p->lock);
}

/* true when the reader list differs from the n names in states. */
static LONG
list_changed(SCARDCONTEXT ctx, const struct myna_reader_state *states, size_t n,
             bool *changed)
{
    SCARD_READERSTATE rs[MAX_READERS];
    char *list = NULL;
    size_t k;
    LONG lrv;

    *changed = false;
    lrv = list_readers(ctx, &list);
    if (lrv != SCARD_S_SUCCESS)
        return lrv;
    k = split_readers(list, rs, MAX_READERS);
    if (k != n)
        *changed = true;
    for (size_t i = 0; i < k && !*changed; i++)
        if (strcmp(rs[i].szReader, states[i].name) != 0)
            *changed = true;
    free(list);
    return SCARD_S_SUCCESS;
}

/*
 * One slice of the wait.  First the states as pcscd has them now (timeout
 * 0, UNAWARE): if present or the event counter differ from the caller's,
 * that is the event.  Otherwise block with exactly those states (so MUTE,
 * INUSE or UNAVAILABLE bits cannot make pcsc-lite report a change the
 * caller cannot see, which would spin), plus the PnP pseudo-reader for
 * readers coming and going.
 */
static LONG
wait_slice(SCARDCONTEXT ctx, struct myna_reader_state *states, size_t n,
           DWORD slice, bool *changed)
{
    SCARD_READERSTATE rs[MAX_READERS + 1];
    LONG lrv = SCARD_S_SUCCESS;

    *changed = false;
    memset(rs, 0, sizeof(rs));
    for (size_t i = 0; i < n; i++) {
        rs[i].szReader = states[i].name;
        rs[i].dwCurrentState = SCARD_STATE_UNAWARE;
    }
    if (n > 0)
        lrv = SCardGetStatusChange(ctx, 0, rs, (DWORD)n);
    if (lrv != SCARD_S_SUCCESS)
        return lrv;
    for (size_t i = 0; i < n; i++) {
        if (((rs[i].dwEventState & SCARD_STATE_PRESENT) != 0) !=
                states[i].present ||
            ((rs[i].dwEventState >> 16) & 0xFFFF) != states[i].counter)
            *changed = true;
        rs[i].dwCurrentState = rs[i].dwEventState & ~SCARD_STATE_CHANGED;
    }
    if (*changed)
        goto out;
    rs[n].szReader = PNP_NOTIFICATION;
    rs[n].dwCurrentState = SCARD_STATE_UNAWARE;
    lrv = SCardGetStatusChange(ctx, slice, rs, (DWORD)n + 1);
    if (lrv == SCARD_S_SUCCESS)
        *changed = true;
out:
    for (size_t i = 0; i < n; i++) {
        states[i].present = (rs[i].dwEventState & SCARD_STATE_PRESENT) != 0;
        states[i].counter = (rs[i].dwEventState >> 16) & 0xFFFF;
    }
    return lrv;
}

/* One pass of myna_pcsc_wait(): CKR_OK (event), CKR_NO_EVENT (go on
 * waiting) or an error. */
static CK_RV
wait_once(struct myna_pcsc *p, struct myna_reader_state *states, size_t n,
          long slice)
{
    SCARDCONTEXT ctx;
    bool changed = false;
    LONG lrv;

    if (!get_wait_ctx(p, &ctx)) {
        sleep_ms(slice); /* no pcscd: nothing can change */
        return CKR_NO_EVENT;
    }
    lrv = list_changed(ctx, states, n, &changed);
    if (lrv == SCARD_S_SUCCESS && !changed)
        lrv = wait_slice(ctx, states, n, (DWORD)slice, &changed);
    if (lrv == SCARD_S_SUCCESS)
        return changed ? CKR_OK : CKR_NO_EVENT;
    if (service_gone(lrv)) {
        /* pcscd restarted: readers and counters are new. */
        drop_wait_ctx(p);
        return CKR_OK;
    }
    if (lrv == SCARD_E_UNKNOWN_READER || lrv == SCARD_E_READER_UNAVAILABLE)
        return CKR_OK; /* a reader left between listing and waiting */
    if (lrv == SCARD_E_TIMEOUT)
        return CKR_NO_EVENT;
    return myna_pcsc_rv(lrv); /* SCARD_E_CANCELLED: not initialized */
}

CK_RV
myna_pcsc_wait(struct myna_pcsc *p, struct myna_reader_state *states, size_t n,
               long timeout_ms)
{
    long deadline = 0, left = WAIT_SLICE_MS;
    CK_RV rv;

    if (p == NULL || (states == NULL && n > 0) || n > MAX_READERS ||
        timeout_ms < -1)
        return CKR_ARGUMENTS_BAD;
    if (timeout_ms >= 0)
        deadline = now_ms() + timeout_ms;
    for (;;) {
        /* Sticky, so a cancel just before SCardGetStatusChange() starts
         * (which pcsc-lite would not see) ends the wait at the next
         * slice. */
        if (atomic_load(&p->cancelled))
            return CKR_CRYPTOKI_NOT_INITIALIZED;
        if (timeout_ms >= 0) {
            left = deadline - now_ms();
            if (left < 0)
                left = 0;
        }
        rv = wait_once(p, states, n,
                       left < WAIT_SLICE_MS ? left : WAIT_SLICE_MS);
        if (rv != CKR_NO_EVENT)
            return rv;
        if (timeout_ms >= 0 && left <= WAIT_SLICE_MS)
            return CKR_NO_EVENT;
    }
}

void
myna_pcsc_cancel(struct myna_pcsc *p)
{
    if (p == NULL)
        return;
    atomic_store(&p->cancelled, true);
    pthread_mutex_lock(&p->lock);
    if (p->have_wait)
        (void)SCardCancel(p->wait_ctx);
    pthread_mutex_unlock(&p->lock);
}

/* ---- card connections --------------------------------------------- */

CK_RV
myna_pcsc_connect(struct myna_pcsc *p, const char *reader,
                  struct myna_pcsc_card **out)
{
    struct myna_pcsc_card *c;
    LONG lrv;

    if (out != NULL)
        *out = NULL;
    if (p == NULL || reader == NULL || out == NULL)
        return CKR_ARGUMENTS_BAD;
    c = calloc(1, sizeof(*c));
    if (c == NULL)
        return CKR_HOST_MEMORY;
    lrv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &c->ctx);
    if (lrv != SCARD_S_SUCCESS) {
        free(c);
        return myna_pcsc_rv(lrv);
    }
    /* Shared: other applications (OpenSC, a second instance of us) use
     * the card too; transactions keep our command sequences whole. */
    lrv = SCardConnect(c->ctx, reader, SCARD_SHARE_SHARED,
                       SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &c->handle,
                       &c->protocol);
    if (lrv != SCARD_S_SUCCESS) {
        (void)SCardReleaseContext(c->ctx);
        free(c);
        return myna_pcsc_rv(lrv);
    }
    *out = c;
    return CKR_OK;
}

void
myna_pcsc_disconnect(struct myna_pcsc_card *c, bool reset)
{
    if (c == NULL)
        return;
    /* SCARD_RESET_CARD clears the verified PINs (§7) for whoever uses
     * the card next. */
    (void)SCardDisconnect(c->handle,
                          reset ? SCARD_RESET_CARD : SCARD_LEAVE_CARD);
    (void)SCardReleaseContext(c->ctx);
    free(c);
}

/* Someone else reset the card: take the new session (our handle is
 * unusable until we do).  The card's security state and current DF are
 * gone (§7). */
static LONG
reconnect(struct myna_pcsc_card *c)
{
    c->reset_seen = true;
    return SCardReconnect(c->handle, SCARD_SHARE_SHARED,
                          SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
                          SCARD_LEAVE_CARD, &c->protocol);
}

CK_RV
myna_pcsc_begin(struct myna_pcsc_card *c, bool *was_reset)
{
    LONG lrv;

    if (was_reset != NULL)
        *was_reset = false;
    if (c == NULL || was_reset == NULL)
        return CKR_ARGUMENTS_BAD;
    lrv = SCardBeginTransaction(c->handle);
    if (lrv == SCARD_W_RESET_CARD) {
        lrv = reconnect(c);
        if (lrv == SCARD_S_SUCCESS)
            lrv = SCardBeginTransaction(c->handle);
    }
    if (lrv != SCARD_S_SUCCESS)
        return myna_pcsc_rv(lrv);
    /* Also a reset that a transmit of the last transaction ran into. */
    *was_reset = myna_pcsc_take_reset(c);
    return CKR_OK;
}

void
myna_pcsc_end(struct myna_pcsc_card *c, bool reset)
{
    if (c == NULL)
        return;
    (void)SCardEndTransaction(c->handle,
                              reset ? SCARD_RESET_CARD : SCARD_LEAVE_CARD);
}

bool
myna_pcsc_take_reset(struct myna_pcsc_card *c)
{
    bool seen;

    if (c == NULL)
        return false;
    seen = c->reset_seen;
    c->reset_seen = false;
    return seen;
}

CK_RV
myna_pcsc_transmit(void *ctx, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
                   size_t *resp_len)
{
    struct myna_pcsc_card *c = ctx;
    DWORD len = MYNA_APDU_RESP_MAX;
    LONG lrv;

    if (resp_len != NULL)
        *resp_len = 0;
    if (c == NULL || cmd == NULL || resp == NULL || resp_len == NULL ||
        cmd_len == 0 || cmd_len > 5 + 255 + 1)
        return CKR_ARGUMENTS_BAD;
    lrv = SCardTransmit(c->handle,
                        c->protocol == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0
                                                         : SCARD_PCI_T1,
                        cmd, (DWORD)cmd_len, NULL, resp, &len);
    if (lrv == SCARD_W_RESET_CARD) {
        /* Reset by someone else since our last command: this APDU ran on
         * a card that forgot the PINs and the current DF (§7).  Reconnect
         * so the handle works again, fail this APDU, and let the caller
         * learn it from myna_pcsc_take_reset() (or the next begin). */
        (void)reconnect(c);
        return CKR_DEVICE_ERROR;
    }
    if (lrv != SCARD_S_SUCCESS)
        return myna_pcsc_rv(lrv);
    if (len > MYNA_APDU_RESP_MAX)
        return CKR_DEVICE_ERROR;
    *resp_len = len;
    return CKR_OK;
}
