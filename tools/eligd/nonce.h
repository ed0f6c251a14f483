/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Single-use challenges (docs/eligibility-protocol.md §3, §4 step 3).
 * A nonce is 32 random bytes, base64url (43 characters); the service keeps
 * only the SHA-256 of each one, found by hash and compared in constant
 * time.  A used nonce stays known (as used) until it would have expired,
 * so that a replay is told apart (REF-E121) from a stranger (REF-E120);
 * at most max of those are kept, the oldest dropped first.
 *
 * Thread safety: every function may be called from any worker thread.
 */
#ifndef MYNA_ELIGD_NONCE_H
#define MYNA_ELIGD_NONCE_H

#include <stddef.h>

#include "elig.h"

/* 43 characters and the NUL */
#define ELIGD_NONCE_TEXT (((ELIG_NONCE_BYTES * 4) + 2) / 3 + 1)

enum eligd_nonce_rc {
    ELIGD_NONCE_OK = 0,  /* was fresh; now consumed */
    ELIGD_NONCE_UNKNOWN, /* REF-E120: never issued, or expired */
    ELIGD_NONCE_USED,    /* REF-E121: a replay */
    ELIGD_NONCE_FULL,    /* REF-E150: too many outstanding */
    ELIGD_NONCE_ERROR,   /* REF-E199: no randomness, no memory */
};

struct eligd_nonces;

/* lifetime in seconds; max outstanding nonces (issued and not used yet;
 * used ones do not count, so a busy service never fills up with them). */
struct eligd_nonces *eligd_nonces_new(long lifetime, size_t max);
void eligd_nonces_free(struct eligd_nonces *ns);

/* A new nonce at time now: text gets the base64url form, *expires the
 * Unix time it expires at. */
enum eligd_nonce_rc eligd_nonce_issue(struct eligd_nonces *ns, long long now,
                                      char text[ELIGD_NONCE_TEXT],
                                      long long *expires);
/* Consume a nonce presented at time now (any string; malformed ones are
 * simply unknown). */
enum eligd_nonce_rc eligd_nonce_consume(struct eligd_nonces *ns, long long now,
                                        const char *text);
/* How many are held (fresh or used, not yet expired or dropped). */
size_t eligd_nonces_count(struct eligd_nonces *ns);

#endif
