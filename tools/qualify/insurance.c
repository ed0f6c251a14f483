/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * myna-qualify insurance: eligibility from the numbers on a 資格確認書 or
 * 資格情報のお知らせ (docs/eligibility-protocol.md §5), for patients
 * without a readable card.  Nothing but the terminal's TLS client
 * certificate authorises it, so it is required here rather than left to
 * the service's REF-E130.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "elig.h"
#include "qualify.h"

/* 記号 and 番号 may hold kana or kanji (qualification-domain.md §3.3):
 * bounded text without control characters. */
static bool
card_text_ok(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n > 48)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return false;
    return true;
}

static int
check_insurance(const struct qualify_opts *o)
{
    if (o->insurer == NULL || o->number == NULL || o->branch == NULL ||
        o->birthdate == NULL)
        return qualify_fail(QX_USAGE, "insurance: --insurer, --number, "
                                      "--branch and --birthdate are "
                                      "required");
    if (!elig_digits_valid(o->insurer, 8) ||
        (strlen(o->insurer) != 6 && strlen(o->insurer) != 8))
        return qualify_fail(QX_USAGE, "--insurer: a 保険者番号 is 8 digits "
                                      "(6 for 国民健康保険)");
    /* qualification-domain.md §3.1 */
    if (!elig_insurer_number_valid(o->insurer))
        return qualify_fail(
            QX_USAGE,
            "--insurer %s: wrong check digit (the last digit "
            "should be %d)",
            o->insurer, elig_check_digit(o->insurer, strlen(o->insurer) - 1));
    if (o->symbol != NULL && !card_text_ok(o->symbol))
        return qualify_fail(QX_USAGE, "--symbol: 1-48 bytes of text");
    if (!card_text_ok(o->number))
        return qualify_fail(QX_USAGE, "--number: 1-48 bytes of text");
    if (!elig_branch_valid(o->branch))
        return qualify_fail(QX_USAGE, "--branch: exactly 2 digits (\"01\")");
    if (!elig_date_valid(o->birthdate))
        return qualify_fail(QX_USAGE, "--birthdate: not a date YYYYMMDD");
    if (o->client_cert == NULL)
        return qualify_fail(QX_USAGE, "insurance: the terminal certificate is "
                                      "required (--client-cert, --client-key; "
                                      "protocol §5)");
    if (o->file_id != NULL || o->key_uri != NULL || o->cert_uri != NULL ||
        o->pin_fd >= 0 || o->pin_source != NULL)
        return qualify_fail(QX_USAGE, "insurance: --file-id, --key, --cert "
                                      "and the PIN options belong to the "
                                      "card mode");
    return QX_ELIGIBLE;
}

static char *
body_json(const struct qualify_opts *o, const char *request_id,
          const char *date)
{
    json_t *b;
    char *text = NULL;

    b = json_pack("{s:s, s:s, s:s, s:s, s:s}", "ver", ELIG_PROTOCOL_VERSION,
                  "requestId", request_id, "medicalInstitutionCode",
                  o->institution, "qualificationConfirmationDate", date,
                  "insurerNumber", o->insurer);
    if (b == NULL)
        return NULL;
    if ((o->symbol == NULL ||
         json_object_set_new(b, "insuredCardSymbol", json_string(o->symbol)) ==
             0) &&
        json_object_set_new(b, "insuredIdentificationNumber",
                            json_string(o->number)) == 0 &&
        json_object_set_new(b, "insuredBranchNumber", json_string(o->branch)) ==
            0 &&
        json_object_set_new(b, "birthdate", json_string(o->birthdate)) == 0 &&
        json_object_set_new(b, "limitApplicationCertificateRelatedConsFlg",
                            json_string("0")) == 0)
        text = json_dumps(b, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(b);
    return text;
}

int
qualify_insurance(const struct qualify_opts *o)
{
    struct qualify_token *t = NULL;
    struct qualify_http *h = NULL;
    struct qualify_reply reply = { 0 };
    X509 *ccert = NULL;
    EVP_PKEY *ckey = NULL;
    char request_id[ELIG_REQUEST_ID_MAX + 1], today[9], *body = NULL;
    int rc;

    if ((rc = qualify_check_common(o)) != QX_ELIGIBLE ||
        (rc = check_insurance(o)) != QX_ELIGIBLE)
        return rc;
    if (o->request_id != NULL)
        snprintf(request_id, sizeof(request_id), "%s", o->request_id);
    else if (!qualify_uuid(request_id))
        return qualify_fail(QX_INTERNAL, "no random numbers for a UUID");
    if (o->date == NULL)
        elig_jst_date((long long)time(NULL), today);
    if ((t = qualify_token_open(o->module)) == NULL) {
        rc = qualify_fail(QX_INTERNAL, "cannot set up OpenSSL");
        goto out;
    }
    if ((rc = qualify_client_credentials(o, t, &ccert, &ckey)) != QX_ELIGIBLE ||
        (h = qualify_http_new(o, ccert, ckey, &rc)) == NULL)
        goto out;
    if ((body = body_json(o, request_id, o->date ? o->date : today)) == NULL) {
        rc = qualify_fail(QX_INTERNAL, "out of memory");
        goto out;
    }
    rc = qualify_http_post(h, "/v1/qualification/insurance", "application/json",
                           body, strlen(body), &reply);
    if (rc == QX_ELIGIBLE)
        rc = qualify_answer(o, request_id, &reply);
out:
    qualify_reply_clear(&reply);
    qualify_http_free(h);
    free(body);
    X509_free(ccert);
    EVP_PKEY_free(ckey);
    qualify_token_close(t);
    return rc;
}
