/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The answer to a query (docs/eligibility-protocol.md §6): the decision
 * table (qualificationValidity, processingResultStatus, our codes) and
 * the limited field profile of the 資格確認限定型 (qualification-domain.md
 * §1.7): no address, nothing consent-gated.
 */
#ifndef MYNA_ELIGD_RESULT_H
#define MYNA_ELIGD_RESULT_H

#include <stddef.h>

#include <jansson.h>

#include "store.h"

/* REF-W001: the card's certificate expires within 3 months (§6). */
#define ELIGD_WARN_DAYS 92

struct eligd_decision {
    char validity[2];  /* OQSCD006 "1".."5" */
    char status[2];    /* OQSCD004 "1" or "2" */
    const char *code;  /* NULL, "REF-E001", "REF-E003", "REF-W001" */
    size_t n;          /* qualifications in the result list */
    size_t picked[64]; /* their indexes in the person's list */
};

/*
 * Decide for person p (NULL: nobody registered) at date (YYYYMMDD).
 * days_left: days until the card certificate's notAfter, or -1 when the
 * query is not by card.
 */
void eligd_decide(const struct elig_person *p, const char *date, long days_left,
                  struct eligd_decision *d);

struct eligd_result_head {
    const char *request_id;
    const char *file_id; /* NULL or "" when none */
    const char *institution;
    const char *date;      /* qualificationConfirmationDate */
    const char *reference; /* OQSCD002: "1" card, "2" insurance */
    long long now;         /* processExecutionTime */
};

/* The §6 JSON object (new reference), NULL when out of memory. */
json_t *eligd_result_json(const struct eligd_result_head *h,
                          const struct elig_person *p,
                          const struct eligd_decision *d);

#endif
