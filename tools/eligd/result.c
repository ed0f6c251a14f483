/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The decision table of docs/eligibility-protocol.md §6 and the result
 * JSON.  A qualification holds on date D when it has started (資格取得
 * 年月日 and 有効開始年月日 not after D) and has not ended (D before the
 * 資格喪失年月日, and not after the 有効終了年月日).  Dates are YYYYMMDD,
 * so string order is date order.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "elig.h"
#include "result.h"

enum state { HOLDS, NOT_STARTED, ENDED };

static enum state
state_on(const struct elig_qualification *q, const char *d)
{
    if (strcmp(q->qualification_date, d) > 0 ||
        (q->valid_from[0] != '\0' && strcmp(q->valid_from, d) > 0))
        return NOT_STARTED;
    if ((q->disqualification_date[0] != '\0' &&
         strcmp(q->disqualification_date, d) <= 0) ||
        (q->valid_to[0] != '\0' && strcmp(q->valid_to, d) < 0))
        return ENDED;
    return HOLDS;
}

/* When an ended qualification ended, for "the latest ended one". */
static const char *
end_of(const struct elig_qualification *q)
{
    return q->disqualification_date[0] != '\0' ? q->disqualification_date
                                               : q->valid_to;
}

static void
set(struct eligd_decision *d, const char *validity, const char *status,
    const char *code)
{
    snprintf(d->validity, sizeof(d->validity), "%s", validity);
    snprintf(d->status, sizeof(d->status), "%s", status);
    d->code = code;
}

void
eligd_decide(const struct elig_person *p, const char *date, long days_left,
             struct eligd_decision *d)
{
    size_t i, latest_ended = 0;
    bool any_ended = false, any_future = false;
    const size_t cap = sizeof(d->picked) / sizeof(d->picked[0]);

    memset(d, 0, sizeof(*d));
    if (p == NULL) {
        set(d, "4", "2", "REF-E001");
        return;
    }
    if (p->withheld) {
        set(d, "4", "2", "REF-E003");
        return;
    }
    for (i = 0; i < p->n; i++) {
        switch (state_on(&p->q[i], date)) {
        case HOLDS:
            if (d->n < cap)
                d->picked[d->n++] = i;
            break;
        case NOT_STARTED:
            any_future = true;
            break;
        case ENDED:
            if (!any_ended ||
                strcmp(end_of(&p->q[i]), end_of(&p->q[latest_ended])) > 0)
                latest_ended = i;
            any_ended = true;
            break;
        }
    }
    if (d->n == 1)
        set(d, "1", "1", NULL);
    else if (d->n > 1)
        set(d, "5", "1", NULL);
    else if (any_ended) {
        /* 無効（新しい資格あり） when a newer one is yet to start, else 無効;
         * either way the list shows the one that ended. */
        set(d, any_future ? "3" : "2", "1", NULL);
        d->picked[d->n++] = latest_ended;
    } else {
        /* Registered, but nothing has started yet (or nothing at all). */
        set(d, "2", "1", NULL);
    }
    if (days_left >= 0 && days_left < ELIGD_WARN_DAYS)
        d->code = "REF-W001";
}

/* Add a string member, skipping it when optional and empty. */
static int
put(json_t *o, const char *name, const char *value, bool optional)
{
    if (optional && (value == NULL || value[0] == '\0'))
        return 1;
    return json_object_set_new(o, name,
                               json_string(value != NULL ? value : "")) == 0;
}

static json_t *
qualification_json(const struct elig_person *p,
                   const struct elig_qualification *q)
{
    json_t *o = json_object(), *e = NULL;
    char insurer[9];
    int ok;

    if (o == NULL)
        return NULL;
    /* OQS sends 8 characters, a 6-digit 国保 number padded with spaces
     * (§2). */
    elig_insurer_number_oqs(q->insurer_number, insurer);
    ok = put(o, "insuredCardClassification", q->classification, false) &&
         put(o, "insurerNumber", insurer, false) &&
         put(o, "insurerName", q->insurer_name, false) &&
         put(o, "insuredCardSymbol", q->symbol, true) &&
         put(o, "insuredIdentificationNumber", q->number, false) &&
         put(o, "insuredBranchNumber", q->branch, false) &&
         put(o, "personalFamilyClassification", q->personal_family, true) &&
         put(o, "insuredName", q->insured_name, false) &&
         put(o, "name", p->name, false) &&
         put(o, "nameKana", p->name_kana, false) &&
         put(o, "sex1", p->sex, false) &&
         put(o, "birthdate", p->birthdate, false) &&
         put(o, "qualificationDate", q->qualification_date, false) &&
         put(o, "disqualificationDate", q->disqualification_date, true) &&
         put(o, "insuredCardValidDate", q->valid_from, true) &&
         put(o, "insuredCardExpirationDate", q->valid_to, true) &&
         put(o, "insuredPartialContributionRatio", q->ratio, true) &&
         put(o, "preschoolClassification", q->preschool, true) &&
         put(o, "reasonOfLoss", q->reason_of_loss, true);
    if (ok && (q->elderly_date[0] != '\0' || q->elderly_from[0] != '\0' ||
               q->elderly_to[0] != '\0' || q->elderly_ratio[0] != '\0')) {
        e = json_object();
        ok = e != NULL &&
             put(e, "elderlyRecipientCertificateDate", q->elderly_date, true) &&
             put(e, "elderlyRecipientValidStartDate", q->elderly_from, true) &&
             put(e, "elderlyRecipientValidEndDate", q->elderly_to, true) &&
             put(e, "elderlyRecipientContributionRatio", q->elderly_ratio,
                 true) &&
             json_object_set(o, "elderlyRecipientCertificateInfo", e) == 0;
        json_decref(e);
    }
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *
eligd_result_json(const struct eligd_result_head *h,
                  const struct elig_person *p, const struct eligd_decision *d)
{
    const struct elig_error *err =
        d->code != NULL ? elig_error_find(d->code) : NULL;
    json_t *o = json_object(), *list = json_array(), *q;
    char when[15];
    size_t i;
    int ok;

    if (o == NULL || list == NULL)
        goto fail;
    elig_jst_datetime(h->now, when);
    ok = put(o, "ver", ELIG_PROTOCOL_VERSION, false) &&
         put(o, "requestId", h->request_id, false) &&
         put(o, "arbitraryFileIdentifier", h->file_id, true) &&
         put(o, "processExecutionTime", when, false) &&
         put(o, "qualificationConfirmationDate", h->date, false) &&
         put(o, "medicalInstitutionCode", h->institution, false) &&
         put(o, "referenceClassification", h->reference, false) &&
         put(o, "segmentOfResult", "1", false) &&
         put(o, "processingResultStatus", d->status, false) &&
         (err == NULL ||
          (put(o, "processingResultCode", err->code, false) &&
           put(o, "processingResultMessage", err->message, false))) &&
         put(o, "qualificationValidity", d->validity, false);
    if (!ok)
        goto fail;
    for (i = 0; p != NULL && i < d->n; i++) {
        q = qualification_json(p, &p->q[d->picked[i]]);
        if (q == NULL || json_array_append_new(list, q) != 0)
            goto fail;
    }
    if (json_object_set_new(o, "resultList", list) != 0) {
        list = NULL;
        goto fail;
    }
    return o;
fail:
    json_decref(list);
    json_decref(o);
    return NULL;
}
