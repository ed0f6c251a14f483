/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the eligibility service answers, parsed without trusting it
 * (docs/eligibility-protocol.md §3, §6, §7): every member the client uses
 * is type-checked and its syntax verified; strings that reach the terminal
 * hold no control characters (no escape sequences from a hostile
 * service); unknown members are ignored, as §0 asks of clients.  Pure
 * code (no I/O) so that tests/fuzz/fuzz-qualify-response.c can drive it.
 */
#ifndef MYNA_QUALIFY_RESPONSE_H
#define MYNA_QUALIFY_RESPONSE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

/* More qualifications than anyone holds at once (§6 "several valid"). */
#define QUALIFY_RESULTS_MAX 32
/* The longest string member displayed: names are ~100 bytes of UTF-8. */
#define QUALIFY_STRING_MAX 256

/* 高齢受給者証 (§6), all NULL when absent. */
struct qualify_elderly {
    const char *date, *valid_from, *valid_to, *ratio;
};

/* One resultList entry; absent optional members are NULL. */
struct qualify_qual {
    const char *classification; /* OQSCD010 */
    const char *insurer_number; /* 8 characters */
    const char *insurer_name;
    const char *symbol; /* absent: none (後期高齢者) */
    const char *number;
    const char *branch;
    const char *personal_family; /* OQSCD009 */
    const char *insured_name;
    const char *name, *name_kana, *sex, *birthdate;
    const char *qualification_date, *disqualification_date;
    const char *valid_from, *valid_to;
    const char *ratio; /* "030" */
    const char *preschool, *reason_of_loss;
    struct qualify_elderly elderly;
    bool has_elderly;
};

/* A 200 answer (§6).  Strings point into root. */
struct qualify_result {
    json_t *root;
    const char *request_id, *file_id, *exec_time, *date, *institution;
    const char *reference, *segment, *status, *code, *message, *validity;
    size_t n;
    struct qualify_qual q[QUALIFY_RESULTS_MAX];
};

/* An error answer (§7). */
struct qualify_error {
    json_t *root;
    const char *code, *message, *request_id;
};

/* The answer to POST /v1/nonce (§3). */
struct qualify_nonce {
    json_t *root;
    const char *nonce;
    long long expires_in;
};

/* Each returns 1 on success, 0 with a reason in why (which names the
 * member at fault); on failure nothing needs freeing. */
int qualify_parse_result(const char *body, size_t len, struct qualify_result *r,
                         char *why, size_t whysize);
int qualify_parse_error(const char *body, size_t len, struct qualify_error *e,
                        char *why, size_t whysize);
int qualify_parse_nonce(const char *body, size_t len, struct qualify_nonce *n,
                        char *why, size_t whysize);
void qualify_result_clear(struct qualify_result *r);
void qualify_error_clear(struct qualify_error *e);
void qualify_nonce_clear(struct qualify_nonce *n);

/* True when the service found a valid qualification (OQSCD006 1 or 5). */
bool qualify_result_eligible(const struct qualify_result *r);

#endif
