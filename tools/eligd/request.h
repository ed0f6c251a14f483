/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The members of the two queries (docs/eligibility-protocol.md §4 payload,
 * §5 body): every member known, typed and well formed (REF-E101), check
 * digits right (REF-E102).  Unknown members are refused so that typos
 * fail loudly (the protocol's preamble).
 */
#ifndef MYNA_ELIGD_REQUEST_H
#define MYNA_ELIGD_REQUEST_H

#include <stdbool.h>

#include <jansson.h>

#include "elig.h"
#include "refusal.h"

/* Free-text numbers of the 被保険者証 (qualification-domain.md §3.3). */
#define ELIGD_CARD_TEXT_MAX 48

struct eligd_card_request {
    char request_id[ELIG_REQUEST_ID_MAX + 1];
    char nonce[64];
    long long iat;
    char institution[11];
    char date[9];
    char file_id[ELIG_FILE_ID_MAX + 1]; /* "" when absent */
};

struct eligd_insurance_request {
    char request_id[ELIG_REQUEST_ID_MAX + 1];
    char institution[11];
    char date[9];
    char file_id[ELIG_FILE_ID_MAX + 1];
    char insurer[9];                      /* 6 or 8 digits as sent */
    char symbol[ELIGD_CARD_TEXT_MAX + 1]; /* "" when absent */
    char number[ELIGD_CARD_TEXT_MAX + 1];
    char branch[3];
    char birthdate[9];
    char limit_consent[2]; /* "0" or "1" */
};

/*
 * The requestId of obj when it is there and well formed (for echoing in
 * errors, §7), else NULL.  Points into obj.
 */
const char *eligd_request_id_of(const json_t *obj);

/* today = the service's time (Unix seconds), for the 1-day window on
 * qualificationConfirmationDate.  1, or 0 with the refusal. */
int eligd_card_request_parse(const json_t *payload, long long now,
                             struct eligd_card_request *rq,
                             struct eligd_refusal *why);
int eligd_insurance_request_parse(const json_t *body, long long now,
                                  struct eligd_insurance_request *rq,
                                  struct eligd_refusal *why);

#endif
