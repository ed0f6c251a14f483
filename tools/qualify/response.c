/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Strict parsing of the service's answers (response.h).  Table-driven:
 * each member the client reads has a syntax; a member of another JSON
 * type or another syntax makes the whole answer unusable (the client then
 * shows nothing rather than something half-checked).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elig.h"
#include "response.h"

enum syntax {
    S_TEXT,     /* any text without control characters */
    S_DATE,     /* YYYYMMDD (§2) */
    S_DATETIME, /* YYYYMMDDHHmmss */
    S_CODE,     /* an OQS code: 1-2 of 0-9 A-Z */
    S_RATIO,    /* 3 digits, "030" */
    S_INSURER,  /* 8 characters: digits, or spaces then 6 digits (§2) */
    S_BRANCH,   /* 2 digits */
    S_REQID,    /* §2 requestId */
    S_FILEID,   /* arbitraryFileIdentifier */
    S_INST,     /* 10 digits */
    S_REFCODE,  /* REF-E123 / REF-W001 */
};

struct member {
    const char *name;
    size_t offset; /* of a const char * in the target struct */
    enum syntax syntax;
    bool required;
};

#define QM(name, field, syntax, req)                                           \
    {                                                                          \
        (name), offsetof(struct qualify_qual, field), (syntax), (req)          \
    }
static const struct member qual_members[] = {
    QM("insuredCardClassification", classification, S_CODE, true),
    QM("insurerNumber", insurer_number, S_INSURER, true),
    QM("insurerName", insurer_name, S_TEXT, false),
    QM("insuredCardSymbol", symbol, S_TEXT, false),
    QM("insuredIdentificationNumber", number, S_TEXT, true),
    QM("insuredBranchNumber", branch, S_BRANCH, false),
    QM("personalFamilyClassification", personal_family, S_CODE, false),
    QM("insuredName", insured_name, S_TEXT, false),
    QM("name", name, S_TEXT, true),
    QM("nameKana", name_kana, S_TEXT, false),
    QM("sex1", sex, S_CODE, false),
    QM("birthdate", birthdate, S_DATE, true),
    QM("qualificationDate", qualification_date, S_DATE, false),
    QM("disqualificationDate", disqualification_date, S_DATE, false),
    QM("insuredCardValidDate", valid_from, S_DATE, false),
    QM("insuredCardExpirationDate", valid_to, S_DATE, false),
    QM("insuredPartialContributionRatio", ratio, S_RATIO, false),
    QM("preschoolClassification", preschool, S_CODE, false),
    QM("reasonOfLoss", reason_of_loss, S_CODE, false),
};

#define EM(name, field, syntax, req)                                           \
    {                                                                          \
        (name), offsetof(struct qualify_elderly, field), (syntax), (req)       \
    }
static const struct member elderly_members[] = {
    EM("elderlyRecipientCertificateDate", date, S_DATE, false),
    EM("elderlyRecipientValidStartDate", valid_from, S_DATE, false),
    EM("elderlyRecipientValidEndDate", valid_to, S_DATE, false),
    EM("elderlyRecipientContributionRatio", ratio, S_RATIO, false),
};

#define RM(name, field, syntax, req)                                           \
    {                                                                          \
        (name), offsetof(struct qualify_result, field), (syntax), (req)        \
    }
static const struct member result_members[] = {
    RM("requestId", request_id, S_REQID, true),
    RM("arbitraryFileIdentifier", file_id, S_FILEID, false),
    RM("processExecutionTime", exec_time, S_DATETIME, false),
    RM("qualificationConfirmationDate", date, S_DATE, false),
    RM("medicalInstitutionCode", institution, S_INST, false),
    RM("referenceClassification", reference, S_CODE, true),
    RM("segmentOfResult", segment, S_CODE, true),
    RM("processingResultStatus", status, S_CODE, true),
    RM("processingResultCode", code, S_REFCODE, false),
    RM("processingResultMessage", message, S_TEXT, false),
    RM("qualificationValidity", validity, S_CODE, true),
};

#define XM(name, field, syntax, req)                                           \
    {                                                                          \
        (name), offsetof(struct qualify_error, field), (syntax), (req)         \
    }
static const struct member error_members[] = {
    XM("errorCode", code, S_REFCODE, true),
    XM("errorMessage", message, S_TEXT, false),
    XM("requestId", request_id, S_REQID, false),
};

static void why_set(char *why, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
why_set(char *why, size_t size, const char *fmt, ...)
{
    va_list ap;

    if (why == NULL || size == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(why, size, fmt, ap);
    va_end(ap);
}

/* No C0 controls, DEL, or C1 controls (U+0080..U+009F, which some
 * terminals obey as escapes).  jansson has already checked the UTF-8. */
static bool
text_ok(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;

    if (len > QUALIFY_STRING_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (u[i] < 0x20 || u[i] == 0x7f)
            return false;
        if (u[i] == 0xc2 && i + 1 < len && u[i + 1] >= 0x80 && u[i + 1] <= 0x9f)
            return false;
    }
    return true;
}

static bool
all_digits(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static bool
syntax_ok(enum syntax syn, const char *s, size_t len)
{
    size_t i;

    if (strlen(s) != len) /* an embedded NUL */
        return false;
    switch (syn) {
    case S_TEXT:
        return text_ok(s, len);
    case S_DATE:
        return elig_date_valid(s);
    case S_DATETIME:
        return elig_datetime_valid(s);
    case S_CODE:
        if (len < 1 || len > 2)
            return false;
        for (i = 0; i < len; i++)
            if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'Z')))
                return false;
        return true;
    case S_RATIO:
        return len == 3 && all_digits(s, 3);
    case S_INSURER:
        if (len != 8)
            return false;
        for (i = 0; i < 2 && s[i] == ' '; i++)
            ;
        return (i == 0 || i == 2) && all_digits(s + i, len - i);
    case S_BRANCH:
        return elig_branch_valid(s);
    case S_REQID:
        return elig_request_id_valid(s);
    case S_FILEID:
        return elig_file_id_valid(s);
    case S_INST:
        return len == 10 && all_digits(s, 10);
    case S_REFCODE:
        return len == 8 && strncmp(s, "REF-", 4) == 0 &&
               (s[4] == 'E' || s[4] == 'W') && all_digits(s + 5, 3);
    }
    return false;
}

/* Fill the const char * members of target described by table from obj. */
static int
take_members(const json_t *obj, const struct member *table, size_t n,
             void *target, const char *where, char *why, size_t whysize)
{
    for (size_t i = 0; i < n; i++) {
        const json_t *v = json_object_get(obj, table[i].name);
        const char **slot =
            (const char **)(void *)((char *)target + table[i].offset);

        *slot = NULL;
        if (v == NULL) {
            if (table[i].required) {
                why_set(why, whysize, "%s%s is missing", where, table[i].name);
                return 0;
            }
            continue;
        }
        if (!json_is_string(v) ||
            !syntax_ok(table[i].syntax, json_string_value(v),
                       json_string_length(v))) {
            why_set(why, whysize, "%s%s is not a valid %s", where,
                    table[i].name, json_is_string(v) ? "value" : "string");
            return 0;
        }
        *slot = json_string_value(v);
    }
    return 1;
}

static json_t *
load(const char *body, size_t len, char *why, size_t whysize)
{
    json_error_t err;
    json_t *root;

    root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);
    if (root == NULL) {
        why_set(why, whysize, "not JSON (%s, at byte %d)", err.text,
                err.position);
        return NULL;
    }
    if (!json_is_object(root)) {
        why_set(why, whysize, "not a JSON object");
        json_decref(root);
        return NULL;
    }
    if (!json_is_string(json_object_get(root, "ver")) ||
        strcmp(json_string_value(json_object_get(root, "ver")),
               ELIG_PROTOCOL_VERSION) != 0) {
        why_set(why, whysize, "ver is not \"%s\"", ELIG_PROTOCOL_VERSION);
        json_decref(root);
        return NULL;
    }
    return root;
}

static int
take_qual(const json_t *obj, size_t i, struct qualify_qual *q, char *why,
          size_t whysize)
{
    char where[48];
    const json_t *e;

    snprintf(where, sizeof(where), "resultList[%zu].", i);
    if (!json_is_object(obj)) {
        why_set(why, whysize, "resultList[%zu] is not an object", i);
        return 0;
    }
    if (!take_members(obj, qual_members,
                      sizeof(qual_members) / sizeof(qual_members[0]), q, where,
                      why, whysize))
        return 0;
    e = json_object_get(obj, "elderlyRecipientCertificateInfo");
    q->has_elderly = false;
    memset(&q->elderly, 0, sizeof(q->elderly));
    if (e == NULL)
        return 1;
    snprintf(where, sizeof(where), "resultList[%zu].elderly...", i);
    if (!json_is_object(e)) {
        why_set(why, whysize, "%s is not an object", where);
        return 0;
    }
    if (!take_members(e, elderly_members,
                      sizeof(elderly_members) / sizeof(elderly_members[0]),
                      &q->elderly, where, why, whysize))
        return 0;
    q->has_elderly = true;
    return 1;
}

bool
qualify_result_eligible(const struct qualify_result *r)
{
    return strcmp(r->status, "1") == 0 &&
           (strcmp(r->validity, "1") == 0 || strcmp(r->validity, "5") == 0);
}

int
qualify_parse_result(const char *body, size_t len, struct qualify_result *r,
                     char *why, size_t whysize)
{
    const json_t *list;
    size_t i;

    memset(r, 0, sizeof(*r));
    if ((r->root = load(body, len, why, whysize)) == NULL)
        return 0;
    if (!take_members(r->root, result_members,
                      sizeof(result_members) / sizeof(result_members[0]), r, "",
                      why, whysize))
        goto err;
    /* §6: a 200 answer always has segmentOfResult "1"; the person-level
     * outcome is "1" or "2". */
    if (strcmp(r->segment, "1") != 0) {
        why_set(why, whysize, "segmentOfResult is not \"1\"");
        goto err;
    }
    if (strcmp(r->status, "1") != 0 && strcmp(r->status, "2") != 0) {
        why_set(why, whysize, "processingResultStatus is not \"1\" or \"2\"");
        goto err;
    }
    list = json_object_get(r->root, "resultList");
    if (!json_is_array(list)) {
        why_set(why, whysize, "resultList is missing or not an array");
        goto err;
    }
    if (json_array_size(list) > QUALIFY_RESULTS_MAX) {
        why_set(why, whysize, "resultList has more than %d entries",
                QUALIFY_RESULTS_MAX);
        goto err;
    }
    for (i = 0; i < json_array_size(list); i++)
        if (!take_qual(json_array_get(list, i), i, &r->q[i], why, whysize))
            goto err;
    r->n = i;
    /* Never call a patient eligible without the qualification to show. */
    if (qualify_result_eligible(r) && r->n == 0) {
        why_set(why, whysize, "qualificationValidity %s with no resultList",
                r->validity);
        goto err;
    }
    return 1;
err:
    qualify_result_clear(r);
    return 0;
}

int
qualify_parse_error(const char *body, size_t len, struct qualify_error *e,
                    char *why, size_t whysize)
{
    const json_t *seg;

    memset(e, 0, sizeof(*e));
    if ((e->root = load(body, len, why, whysize)) == NULL)
        return 0;
    seg = json_object_get(e->root, "segmentOfResult");
    if (!json_is_string(seg) || strcmp(json_string_value(seg), "9") != 0) {
        why_set(why, whysize, "segmentOfResult is not \"9\"");
        goto err;
    }
    if (!take_members(e->root, error_members,
                      sizeof(error_members) / sizeof(error_members[0]), e, "",
                      why, whysize))
        goto err;
    return 1;
err:
    qualify_error_clear(e);
    return 0;
}

int
qualify_parse_nonce(const char *body, size_t len, struct qualify_nonce *n,
                    char *why, size_t whysize)
{
    const json_t *v;
    unsigned char *raw = NULL;
    size_t rawlen = 0;

    memset(n, 0, sizeof(*n));
    if ((n->root = load(body, len, why, whysize)) == NULL)
        return 0;
    v = json_object_get(n->root, "nonce");
    /* §3: 32 random bytes, base64url without padding. */
    if (!json_is_string(v) ||
        !elig_b64url_decode(json_string_value(v), json_string_length(v), &raw,
                            &rawlen) ||
        rawlen != ELIG_NONCE_BYTES) {
        free(raw);
        why_set(why, whysize, "nonce is not %d bytes of base64url",
                ELIG_NONCE_BYTES);
        goto err;
    }
    free(raw);
    n->nonce = json_string_value(v);
    v = json_object_get(n->root, "expiresIn");
    if (v != NULL && (!json_is_integer(v) || json_integer_value(v) < 1 ||
                      json_integer_value(v) > 86400)) {
        why_set(why, whysize, "expiresIn is not a number of seconds");
        goto err;
    }
    n->expires_in = v != NULL ? (long long)json_integer_value(v) : 0;
    return 1;
err:
    qualify_nonce_clear(n);
    return 0;
}

void
qualify_result_clear(struct qualify_result *r)
{
    json_decref(r->root);
    memset(r, 0, sizeof(*r));
}

void
qualify_error_clear(struct qualify_error *e)
{
    json_decref(e->root);
    memset(e, 0, sizeof(*e));
}

void
qualify_nonce_clear(struct qualify_nonce *n)
{
    json_decref(n->root);
    memset(n, 0, sizeof(*n));
}
