/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * myna-qualify card: eligibility from the My Number Card
 * (docs/eligibility-protocol.md §4).  The order matters for the patient:
 * the PIN is asked (and the key logged in) before the nonce is fetched,
 * so that typing it never eats into the nonce's 60 seconds, and a PIN
 * problem never costs a request.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "elig.h"
#include "qualify.h"
#include "response.h"

/* --key given alone: its certificate is the same object's cert. */
static char *
cert_uri_for(const struct qualify_opts *o)
{
    const char *k = o->key_uri, *p;
    char *c;

    if (o->cert_uri != NULL)
        return strdup(o->cert_uri);
    if (k == NULL || (p = strstr(k, "type=private")) == NULL)
        return strdup(QUALIFY_DEFAULT_CERT);
    if ((c = malloc(strlen(k) + 1)) == NULL)
        return NULL;
    snprintf(c, strlen(k) + 1, "%.*stype=cert%s", (int)(p - k), k,
             p + strlen("type=private"));
    return c;
}

/* The payload of §4, members in the order of its table. */
static char *
payload_json(const struct qualify_opts *o, const char *nonce,
             const char *request_id, const char *date)
{
    json_t *p;
    char *text = NULL;

    p = json_pack(
        "{s:s, s:s, s:I, s:s, s:s, s:s, s:s}", "ver", ELIG_PROTOCOL_VERSION,
        "nonce", nonce, "iat", (json_int_t)time(NULL), "requestId", request_id,
        "medicalInstitutionCode", o->institution,
        "qualificationConfirmationDate", date, "identityVerification", "pin");
    if (p == NULL)
        return NULL;
    if (o->file_id == NULL || json_object_set_new(p, "arbitraryFileIdentifier",
                                                  json_string(o->file_id)) == 0)
        text = json_dumps(p, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(p);
    return text;
}

/* A nonce from POST /v1/nonce (§3); exit code. */
static int
get_nonce(const struct qualify_opts *o, struct qualify_http *h,
          struct qualify_nonce *nonce)
{
    struct qualify_reply reply;
    char why[160];
    int rc;

    rc = qualify_http_post(h, "/v1/nonce", "application/json", "", 0, &reply);
    if (rc != QX_ELIGIBLE)
        return rc;
    if (reply.status != 201)
        rc = qualify_refused(o, &reply);
    else if (!reply.json || !qualify_parse_nonce(reply.body, reply.len, nonce,
                                                 why, sizeof(why)))
        rc = qualify_fail(QX_NETWORK, "the nonce answer is not valid: %s",
                          reply.json ? why : "not application/json");
    qualify_reply_clear(&reply);
    return rc;
}

int
qualify_card(const struct qualify_opts *o)
{
    struct qualify_pin pin = { .fd = o->pin_fd, .source = o->pin_source };
    struct qualify_token *t = NULL;
    struct qualify_http *h = NULL;
    struct qualify_reply reply = { 0 };
    struct qualify_nonce nonce = { 0 };
    X509 *cert = NULL, *ccert = NULL;
    EVP_PKEY *key = NULL, *ckey = NULL;
    char request_id[ELIG_REQUEST_ID_MAX + 1], today[9];
    char *cert_uri = NULL, *payload = NULL, *jws = NULL;
    const char *key_uri = o->key_uri ? o->key_uri : QUALIFY_DEFAULT_KEY;
    int rc;

    if ((rc = qualify_check_common(o)) != QX_ELIGIBLE)
        return rc;
    if (o->insurer || o->symbol || o->number || o->branch || o->birthdate)
        return qualify_fail(QX_USAGE, "card: --insurer, --symbol, --number, "
                                      "--branch and --birthdate belong to "
                                      "the insurance mode");
    if (o->request_id != NULL)
        snprintf(request_id, sizeof(request_id), "%s", o->request_id);
    else if (!qualify_uuid(request_id))
        return qualify_fail(QX_INTERNAL, "no random numbers for a UUID");
    if (o->date == NULL)
        elig_jst_date((long long)time(NULL), today);
    if ((t = qualify_token_open(o->module)) == NULL ||
        (cert_uri = cert_uri_for(o)) == NULL) {
        rc = qualify_fail(QX_INTERNAL, "cannot set up OpenSSL");
        goto out;
    }
    qualify_verbose(o, "certificate %s", cert_uri);
    if ((rc = qualify_token_cert(t, cert_uri, &cert)) != QX_ELIGIBLE)
        goto out;
    qualify_verbose(o, "key %s (PIN asked now)", key_uri);
    if ((rc = qualify_token_key(t, key_uri, &pin, &key)) != QX_ELIGIBLE)
        goto out;
    if ((rc = qualify_client_credentials(o, t, &ccert, &ckey)) != QX_ELIGIBLE ||
        (h = qualify_http_new(o, ccert, ckey, &rc)) == NULL)
        goto out;
    if ((rc = get_nonce(o, h, &nonce)) != QX_ELIGIBLE)
        goto out;
    payload =
        payload_json(o, nonce.nonce, request_id, o->date ? o->date : today);
    if (payload == NULL) {
        rc = qualify_fail(QX_INTERNAL, "out of memory");
        goto out;
    }
    qualify_verbose(o, "payload %s", payload);
    if ((rc = qualify_jws(t, cert, key, payload, &jws)) != QX_ELIGIBLE)
        goto out;
    rc = qualify_http_post(h, "/v1/qualification/card", "application/jose", jws,
                           strlen(jws), &reply);
    if (rc == QX_ELIGIBLE)
        rc = qualify_answer(o, request_id, &reply);
out:
    qualify_reply_clear(&reply);
    qualify_nonce_clear(&nonce);
    qualify_http_free(h);
    free(payload);
    free(jws);
    free(cert_uri);
    X509_free(cert);
    X509_free(ccert);
    EVP_PKEY_free(key);
    EVP_PKEY_free(ckey);
    qualify_token_close(t);
    return rc;
}
