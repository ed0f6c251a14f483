/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Request members (docs/eligibility-protocol.md §2, §4, §5).  A table per
 * query names each member, whether it is required and its syntax; the
 * walk refuses unknown members, then missing ones, then malformed ones
 * (REF-E101), and only then looks at check digits (REF-E102), so that a
 * message always names the first member at fault.
 */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "request.h"

enum syntax {
    SYN_VERSION,     /* "1" */
    SYN_REQUEST_ID,  /* §2 */
    SYN_NONCE,       /* 43 base64url characters (§3) */
    SYN_IAT,         /* JSON integer, Unix seconds */
    SYN_INSTITUTION, /* 10 digits */
    SYN_DATE,        /* YYYYMMDD */
    SYN_PIN,         /* "pin" */
    SYN_FILE_ID,     /* up to 64 printable */
    SYN_INSURER,     /* 6 or 8 digits */
    SYN_CARD_TEXT,   /* 記号/番号: 1-48 bytes, no control characters */
    SYN_BRANCH,      /* 2 digits */
    SYN_FLAG,        /* "0" or "1" */
};

struct member {
    const char *name;
    bool required;
    enum syntax syntax;
    size_t offset; /* of the destination in the request struct */
    size_t size;
};

#define CARD(m)                                                                \
    offsetof(struct eligd_card_request, m),                                    \
        sizeof(((struct eligd_card_request *)0)->m)
#define INS(m)                                                                 \
    offsetof(struct eligd_insurance_request, m),                               \
        sizeof(((struct eligd_insurance_request *)0)->m)

static const struct member card_members[] = {
    { "ver", true, SYN_VERSION, 0, 0 },
    { "nonce", true, SYN_NONCE, CARD(nonce) },
    { "iat", true, SYN_IAT, 0, 0 },
    { "requestId", true, SYN_REQUEST_ID, CARD(request_id) },
    { "medicalInstitutionCode", true, SYN_INSTITUTION, CARD(institution) },
    { "qualificationConfirmationDate", true, SYN_DATE, CARD(date) },
    { "identityVerification", true, SYN_PIN, 0, 0 },
    { "arbitraryFileIdentifier", false, SYN_FILE_ID, CARD(file_id) },
};

static const struct member insurance_members[] = {
    { "ver", true, SYN_VERSION, 0, 0 },
    { "requestId", true, SYN_REQUEST_ID, INS(request_id) },
    { "medicalInstitutionCode", true, SYN_INSTITUTION, INS(institution) },
    { "qualificationConfirmationDate", true, SYN_DATE, INS(date) },
    { "arbitraryFileIdentifier", false, SYN_FILE_ID, INS(file_id) },
    { "insurerNumber", true, SYN_INSURER, INS(insurer) },
    { "insuredCardSymbol", false, SYN_CARD_TEXT, INS(symbol) },
    { "insuredIdentificationNumber", true, SYN_CARD_TEXT, INS(number) },
    { "insuredBranchNumber", true, SYN_BRANCH, INS(branch) },
    { "birthdate", true, SYN_DATE, INS(birthdate) },
    { "limitApplicationCertificateRelatedConsFlg", false, SYN_FLAG,
      INS(limit_consent) },
};

/* A string without embedded NULs (jansson allows \u0000). */
static const char *
plain_string(const json_t *v)
{
    const char *s = json_string_value(v);

    if (s == NULL || strlen(s) != json_string_length(v))
        return NULL;
    return s;
}

static bool
card_text_valid(const char *s)
{
    size_t n = strlen(s), i;

    if (n == 0 || n > ELIGD_CARD_TEXT_MAX)
        return false;
    for (i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return false;
    return true;
}

static bool
syntax_ok(enum syntax syn, const char *s)
{
    unsigned char *raw = NULL;
    size_t n = 0;
    bool ok;

    switch (syn) {
    case SYN_VERSION:
        return strcmp(s, ELIG_PROTOCOL_VERSION) == 0;
    case SYN_REQUEST_ID:
        return elig_request_id_valid(s);
    case SYN_NONCE:
        ok = strlen(s) == 43 && elig_b64url_decode(s, 43, &raw, &n) &&
             n == ELIG_NONCE_BYTES;
        free(raw);
        return ok;
    case SYN_INSTITUTION:
        return strlen(s) == 10 && elig_digits_valid(s, 10);
    case SYN_DATE:
        return elig_date_valid(s);
    case SYN_PIN:
        return strcmp(s, "pin") == 0;
    case SYN_FILE_ID:
        return elig_file_id_valid(s);
    case SYN_INSURER:
        return (strlen(s) == 6 || strlen(s) == 8) && elig_digits_valid(s, 8);
    case SYN_CARD_TEXT:
        return card_text_valid(s);
    case SYN_BRANCH:
        return elig_branch_valid(s);
    case SYN_FLAG:
        return strcmp(s, "0") == 0 || strcmp(s, "1") == 0;
    case SYN_IAT:
        break;
    }
    return false;
}

static const struct member *
find_member(const struct member *tab, size_t n, const char *name)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (strcmp(tab[i].name, name) == 0)
            return &tab[i];
    return NULL;
}

/* Unknown, missing, mistyped or malformed members: REF-E101. */
static int
walk(const json_t *obj, const struct member *tab, size_t n, void *dst,
     long long *iat, struct eligd_refusal *why)
{
    const char *key, *s;
    json_t *v;
    size_t i;

    if (!json_is_object(obj))
        return eligd_refuse(why, "REF-E100",
                            "the request is not a JSON "
                            "object");
    json_object_foreach((json_t *)obj, key, v)
    {
        if (find_member(tab, n, key) == NULL)
            return eligd_refuse(why, "REF-E101", "unknown member '%.48s'", key);
    }
    for (i = 0; i < n; i++) {
        v = json_object_get(obj, tab[i].name);
        if (v == NULL) {
            if (tab[i].required)
                return eligd_refuse(why, "REF-E101", "member '%s' is missing",
                                    tab[i].name);
            continue;
        }
        if (tab[i].syntax == SYN_IAT) {
            if (!json_is_integer(v) || json_integer_value(v) < 0)
                return eligd_refuse(why, "REF-E101",
                                    "member 'iat' must be an integer "
                                    "(Unix seconds)");
            *iat = json_integer_value(v);
            continue;
        }
        s = plain_string(v);
        if (s == NULL)
            return eligd_refuse(why, "REF-E101", "member '%s' must be a string",
                                tab[i].name);
        if (!syntax_ok(tab[i].syntax, s))
            return eligd_refuse(why, "REF-E101", "member '%s' is malformed",
                                tab[i].name);
        if (tab[i].size > 0)
            snprintf((char *)dst + tab[i].offset, tab[i].size, "%s", s);
    }
    return 1;
}

/* 資格確認日 within one day of today in JST (§4). */
static int
date_near(const char *date, long long now, struct eligd_refusal *why)
{
    char lo[9], hi[9];

    elig_jst_date(now - 86400, lo);
    elig_jst_date(now + 86400, hi);
    if (strcmp(date, lo) < 0 || strcmp(date, hi) > 0)
        return eligd_refuse(why, "REF-E101",
                            "member 'qualificationConfirmationDate' must "
                            "be within 1 day of today (JST)");
    return 1;
}

const char *
eligd_request_id_of(const json_t *obj)
{
    const char *s = plain_string(json_object_get(obj, "requestId"));

    return s != NULL && elig_request_id_valid(s) ? s : NULL;
}

int
eligd_card_request_parse(const json_t *payload, long long now,
                         struct eligd_card_request *rq,
                         struct eligd_refusal *why)
{
    memset(rq, 0, sizeof(*rq));
    if (!walk(payload, card_members,
              sizeof(card_members) / sizeof(card_members[0]), rq, &rq->iat,
              why) ||
        !date_near(rq->date, now, why))
        return 0;
    if (!elig_institution_code_valid(rq->institution))
        return eligd_refuse(why, "REF-E102",
                            "check digit of 'medicalInstitutionCode'");
    return 1;
}

int
eligd_insurance_request_parse(const json_t *body, long long now,
                              struct eligd_insurance_request *rq,
                              struct eligd_refusal *why)
{
    long long unused = 0;

    memset(rq, 0, sizeof(*rq));
    if (!walk(body, insurance_members,
              sizeof(insurance_members) / sizeof(insurance_members[0]), rq,
              &unused, why) ||
        !date_near(rq->date, now, why))
        return 0;
    if (rq->limit_consent[0] == '\0')
        strcpy(rq->limit_consent, "0");
    if (!elig_institution_code_valid(rq->institution))
        return eligd_refuse(why, "REF-E102",
                            "check digit of 'medicalInstitutionCode'");
    if (!elig_insurer_number_valid(rq->insurer))
        return eligd_refuse(why, "REF-E102", "check digit of 'insurerNumber'");
    return 1;
}
