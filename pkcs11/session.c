/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Sessions: a list owned by the module, handles never reused while the
 * module is initialised.  Logins belong to the token (base spec §5.6: all
 * sessions of an application share the login state), so a session only
 * holds its slot, its flags and its operations.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "pin.h"

CK_RV
myna_session_open_inlock(CK_SLOT_ID slot, CK_FLAGS flags, CK_SESSION_HANDLE *h)
{
    struct myna_reader *r = myna_reader_of_slot_inlock(slot, NULL);
    struct myna_session *s;

    if (r == NULL)
        return CKR_SLOT_ID_INVALID;
    s = calloc(1, sizeof(*s));
    if (s == NULL)
        return CKR_HOST_MEMORY;
    s->handle = ++myna_mod.next_session;
    s->slot = slot;
    s->flags = flags;
    s->generation = r->generation;
    s->next = myna_mod.sessions;
    myna_mod.sessions = s;
    *h = s->handle;
    return CKR_OK;
}

/* A session whose card went away (its reader's generation moved on) is
 * closed: its handle is invalid from then on (base spec §5.6). */
CK_RV
myna_session_get_inlock(CK_SESSION_HANDLE h, struct myna_session **out,
                        struct myna_reader **reader, enum myna_key *key)
{
    struct myna_reader *r;
    struct myna_session *s;

    for (s = myna_mod.sessions; s != NULL; s = s->next)
        if (s->handle == h)
            break;
    if (s == NULL)
        return CKR_SESSION_HANDLE_INVALID;
    r = myna_reader_of_slot_inlock(s->slot, key);
    if (r == NULL || r->generation != s->generation) {
        myna_session_close_inlock(h);
        return CKR_SESSION_HANDLE_INVALID;
    }
    *out = s;
    if (reader != NULL)
        *reader = r;
    return CKR_OK;
}

void
myna_session_end_sign(struct myna_session *s)
{
    myna_digest_free(s->digest);
    s->digest = NULL;
    myna_wipe(s->raw, sizeof(s->raw)); /* data to be signed */
    s->raw_len = 0;
    s->raw_overflow = false;
    s->sign_active = false;
    s->sign_multipart = false;
}

static void
session_free(struct myna_session *s)
{
    myna_session_end_sign(s);
    free(s);
}

/* Base spec §5.6: a login ends when the application's last session with
 * the token closes.  The card keeps its verified state until told
 * otherwise (§7), so it is cleared then (SELECT of the AP, one APDU):
 * nobody else may sign with it after we are done.  The card has one state
 * for both tokens: it is cleared once no session of either remains. */
static void
end_unused_login_inlock(CK_SLOT_ID slot)
{
    CK_SLOT_ID first = slot - slot % MYNA_TOKENS_PER_CARD;
    enum myna_key key;
    struct myna_reader *r = myna_reader_of_slot_inlock(slot, &key);
    bool logged_in = false;

    if (r == NULL)
        return;
    for (CK_SLOT_ID k = 0; k < MYNA_TOKENS_PER_CARD; k++) {
        if (myna_slot_has_session_inlock(first + k))
            return;
        logged_in |= r->tokens[k].logged_in;
    }
    if (logged_in)
        (void)myna_token_logout_inlock(r, key);
}

void
myna_session_close_inlock(CK_SESSION_HANDLE h)
{
    struct myna_session **p;

    for (p = &myna_mod.sessions; *p != NULL; p = &(*p)->next) {
        if ((*p)->handle == h) {
            struct myna_session *s = *p;
            CK_SLOT_ID slot = s->slot;

            *p = s->next;
            session_free(s);
            end_unused_login_inlock(slot);
            return;
        }
    }
}

void
myna_session_close_slot_inlock(CK_SLOT_ID slot)
{
    struct myna_session **p = &myna_mod.sessions;

    while (*p != NULL) {
        struct myna_session *s = *p;

        if (s->slot == slot) {
            *p = s->next;
            session_free(s);
        } else {
            p = &s->next;
        }
    }
    end_unused_login_inlock(slot);
}

void
myna_sessions_free_inlock(void)
{
    while (myna_mod.sessions != NULL) {
        struct myna_session *s = myna_mod.sessions;

        myna_mod.sessions = s->next;
        session_free(s);
    }
}

bool
myna_slot_has_session_inlock(CK_SLOT_ID slot)
{
    for (struct myna_session *s = myna_mod.sessions; s != NULL; s = s->next)
        if (s->slot == slot)
            return true;
    return false;
}

bool
myna_slot_has_rw_session_inlock(CK_SLOT_ID slot)
{
    for (struct myna_session *s = myna_mod.sessions; s != NULL; s = s->next)
        if (s->slot == slot && (s->flags & CKF_RW_SESSION))
            return true;
    return false;
}
