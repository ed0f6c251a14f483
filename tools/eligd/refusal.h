/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Why a request is refused: one protocol error code (the table of
 * docs/eligibility-protocol.md §7, libelig's elig_error_find) and a
 * message that names the member at fault.  Messages never quote a
 * member's value: a value may be personal data.
 */
#ifndef MYNA_ELIGD_REFUSAL_H
#define MYNA_ELIGD_REFUSAL_H

struct eligd_refusal {
    const char *code; /* "REF-E101"; NULL while nothing is refused */
    char message[160];
};

/*
 * Record the refusal (fmt NULL: the table's message for code).  Returns
 * 0 so that callers can write `return eligd_refuse(r, ...)`.
 */
int eligd_refuse(struct eligd_refusal *r, const char *code, const char *fmt,
                 ...) __attribute__((format(printf, 3, 4)));

#endif
