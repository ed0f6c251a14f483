/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What both modes share: the local checks of docs/eligibility-protocol.md
 * §2 done before anything is sent (a wrong check digit is a typo at the
 * counter, not a question for the service), the terminal certificate,
 * and the reading of the answer (§6, §7).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "elig.h"
#include "qualify.h"
#include "response.h"

int
qualify_check_common(const struct qualify_opts *o)
{
    if (o->url == NULL)
        return qualify_fail(QX_USAGE, "--url is required");
    /* §1: HTTPS only; a mistyped http:// must never send a request in
     * clear (http.c refuses it again, and libcurl is limited to https). */
    if (strncasecmp(o->url, "https://", 8) != 0)
        return qualify_fail(QX_USAGE, "--url must be an https:// URL");
    if (o->institution == NULL)
        return qualify_fail(QX_USAGE, "--institution is required");
    if (!elig_digits_valid(o->institution, 10) || strlen(o->institution) != 10)
        return qualify_fail(QX_USAGE,
                            "--institution: a 医療機関コード is 10 digits");
    /* qualification-domain.md §3.2 */
    if (!elig_institution_code_valid(o->institution))
        return qualify_fail(QX_USAGE,
                            "--institution %s: wrong check digit (the last "
                            "digit should be %d)",
                            o->institution,
                            elig_check_digit(o->institution, 9));
    if (o->date != NULL && !elig_date_valid(o->date))
        return qualify_fail(QX_USAGE, "--date: not a date YYYYMMDD");
    if (o->request_id != NULL && !elig_request_id_valid(o->request_id))
        return qualify_fail(QX_USAGE,
                            "--request-id: 1-64 of A-Z a-z 0-9 . _ -");
    if (o->file_id != NULL && !elig_file_id_valid(o->file_id))
        return qualify_fail(QX_USAGE,
                            "--file-id: up to 64 printable characters");
    if ((o->client_cert == NULL) != (o->client_key == NULL))
        return qualify_fail(QX_USAGE,
                            "--client-cert and --client-key go together");
    return QX_ELIGIBLE;
}

int
qualify_client_credentials(const struct qualify_opts *o,
                           struct qualify_token *t, X509 **cert, EVP_PKEY **key)
{
    int rc;

    *cert = NULL;
    *key = NULL;
    if (o->client_cert == NULL)
        return QX_ELIGIBLE;
    rc = qualify_token_cert(t, o->client_cert, cert);
    if (rc == QX_ELIGIBLE)
        rc = qualify_token_key(t, o->client_key, NULL, key);
    return rc;
}

int
qualify_refused(const struct qualify_opts *o, const struct qualify_reply *reply)
{
    struct qualify_error e;
    const struct elig_error *known;
    char why[160];

    if (!reply->json ||
        !qualify_parse_error(reply->body, reply->len, &e, why, sizeof(why)))
        return qualify_fail(QX_NETWORK,
                            "HTTP %ld with an answer outside the protocol "
                            "(%s)",
                            reply->status,
                            reply->json ? why : "not application/json");
    if (o->json)
        printf("%s\n", reply->body);
    known = elig_error_find(e.code);
    qualify_fail(QX_REFUSED,
                 "the service refused the request: %s %s (HTTP %ld)", e.code,
                 e.message ? e.message
                 : known   ? known->message
                           : "",
                 reply->status);
    qualify_error_clear(&e);
    return QX_REFUSED;
}

int
qualify_answer(const struct qualify_opts *o, const char *request_id,
               const struct qualify_reply *reply)
{
    struct qualify_result r;
    char why[160];
    int rc;

    if (reply->status != 200)
        return qualify_refused(o, reply);
    if (!reply->json)
        return qualify_fail(QX_NETWORK, "the answer is not application/json");
    if (!qualify_parse_result(reply->body, reply->len, &r, why, sizeof(why)))
        return qualify_fail(
            QX_NETWORK, "the service's answer is not a valid result: %s", why);
    /* §2: the requestId is echoed; another one is someone else's answer. */
    if (strcmp(r.request_id, request_id) != 0) {
        qualify_result_clear(&r);
        return qualify_fail(QX_NETWORK, "the answer is for another requestId");
    }
    if (o->json)
        printf("%s\n", reply->body);
    else
        qualify_print_result(&r);
    rc = qualify_result_eligible(&r) ? QX_ELIGIBLE : QX_NOT_ELIGIBLE;
    if (rc == QX_NOT_ELIGIBLE && r.code != NULL && r.message != NULL)
        fprintf(stderr, "myna-qualify: not eligible: %s %s\n", r.code,
                r.message);
    qualify_result_clear(&r);
    return rc;
}
