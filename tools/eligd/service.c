/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Request handling (service.h): the router, the three endpoints and the
 * error bodies of docs/eligibility-protocol.md §7.  The checks run in the
 * order §4 lists and stop at the first failure; the nonce is consumed
 * before the certificate and the signature are looked at, so that a
 * replay fails whatever happened to the first request.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>
#include <openssl/x509.h>

#include "elig.h"
#include "jws.h"
#include "refusal.h"
#include "request.h"
#include "result.h"
#include "service.h"

enum route { R_NONE, R_NONCE, R_CARD, R_INSURANCE };

/* What one request leaves for the audit line. */
struct trail {
    const char *endpoint;
    char request_id[ELIG_REQUEST_ID_MAX + 1];
    char validity[2];
    long long person;
    char cert_serial[128];
    char cert_issuer[1024];
};

static long long
now_of(const struct eligd_service *svc)
{
    return svc->clock != NULL ? svc->clock() : (long long)time(NULL);
}

static void
respond(struct eligd_http_response *rs, int status, json_t *body)
{
    char *text = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;
    size_t n;

    json_decref(body);
    if (text == NULL) {
        rs->status = 500;
        rs->body = NULL;
        rs->body_len = 0;
        return;
    }
    n = strlen(text);
    rs->body = realloc(text, n + 2);
    if (rs->body == NULL) {
        free(text);
        rs->status = 500;
        rs->body_len = 0;
        return;
    }
    rs->body[n] = '\n';
    rs->body[n + 1] = '\0';
    rs->body_len = n + 1;
    rs->status = status;
}

/* §7: the error body; http overrides the table's status (405). */
static void
refuse(struct eligd_http_response *rs, const struct eligd_refusal *why,
       const struct trail *t, int http)
{
    const struct elig_error *e = elig_error_find(why->code);
    json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "ver", ELIG_PROTOCOL_VERSION,
                          "segmentOfResult", "9", "errorCode", why->code,
                          "errorMessage", why->message);

    if (o != NULL && t->request_id[0] != '\0')
        json_object_set_new(o, "requestId", json_string(t->request_id));
    respond(rs, http != 0 ? http : e != NULL ? e->http : 500, o);
}

static enum route
route_of(const char *path)
{
    if (strcmp(path, "/v1/nonce") == 0)
        return R_NONCE;
    if (strcmp(path, "/v1/qualification/card") == 0)
        return R_CARD;
    if (strcmp(path, "/v1/qualification/insurance") == 0)
        return R_INSURANCE;
    return R_NONE;
}

/* The media type without parameters matches want (RFC 9110 §8.3.1: case
 * does not matter); a charset, if any, is UTF-8 (§1). */
static bool
media_type_is(const char *ct, const char *want)
{
    size_t n = strlen(want);
    const char *p;

    if (ct == NULL)
        return false;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    if (strncasecmp(ct, want, n) != 0)
        return false;
    p = ct + n;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p == '\0')
        return true;
    if (*p != ';')
        return false;
    p++;
    while (*p == ' ' || *p == '\t')
        p++;
    return strncasecmp(p, "charset=", 8) == 0 &&
           (strcasecmp(p + 8, "utf-8") == 0 ||
            strcasecmp(p + 8, "\"utf-8\"") == 0);
}

static json_t *
strict_json(const char *body, size_t len)
{
    return json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
}

/* §3 */
static int
do_nonce(struct eligd_service *svc, const struct eligd_http_request *rq,
         struct eligd_http_response *rs, struct eligd_refusal *why)
{
    char text[ELIGD_NONCE_TEXT], at[15];
    long long now = now_of(svc), expires = 0;
    json_t *body;

    if (rq->body_len > 0) {
        if (!media_type_is(rq->content_type, "application/json"))
            return eligd_refuse(why, "REF-E104", NULL);
        body = strict_json(rq->body, rq->body_len);
        if (!json_is_object(body)) {
            json_decref(body);
            return eligd_refuse(why, "REF-E100", NULL);
        }
        if (elig_json_has_my_number(body)) {
            json_decref(body);
            return eligd_refuse(why, "REF-E140", NULL);
        }
        if (json_object_size(body) != 0) {
            json_decref(body);
            return eligd_refuse(why, "REF-E101",
                                "a nonce request has no members");
        }
        json_decref(body);
    }
    switch (eligd_nonce_issue(svc->nonces, now, text, &expires)) {
    case ELIGD_NONCE_OK:
        break;
    case ELIGD_NONCE_FULL:
        return eligd_refuse(why, "REF-E150", "too many outstanding nonces");
    default:
        return eligd_refuse(why, "REF-E199", NULL);
    }
    elig_jst_datetime(expires, at);
    respond(rs, 201,
            json_pack("{s:s, s:s, s:I, s:s}", "ver", ELIG_PROTOCOL_VERSION,
                      "nonce", text, "expiresIn",
                      (json_int_t)svc->nonce_lifetime, "expiresAt", at));
    return 1;
}

static const char *
trust_code(enum elig_trust_rc rc)
{
    switch (rc) {
    case ELIG_TRUST_OK:
        return NULL;
    case ELIG_TRUST_UNTRUSTED:
        return "REF-E113";
    case ELIG_TRUST_EXPIRED:
        return "REF-E114";
    case ELIG_TRUST_REVOKED:
        return "REF-E115";
    case ELIG_TRUST_STATUS_UNKNOWN:
        return "REF-E116";
    case ELIG_TRUST_WRONG_USAGE:
        return "REF-E117";
    case ELIG_TRUST_ERROR:
        break;
    }
    return "REF-E199";
}

/* Step 7 and §6: look-up, decision, the 200 answer. */
static int
answer(struct elig_store *store, enum elig_store_rc found,
       struct elig_person *p, const struct eligd_result_head *head,
       long days_left, struct eligd_http_response *rs, struct trail *t,
       struct eligd_refusal *why)
{
    struct eligd_decision d;

    if (found == ELIG_STORE_ERROR || store == NULL)
        return eligd_refuse(why, "REF-E199", NULL);
    eligd_decide(found == ELIG_STORE_FOUND ? p : NULL, head->date, days_left,
                 &d);
    snprintf(t->validity, sizeof(t->validity), "%s", d.validity);
    t->person = found == ELIG_STORE_FOUND ? p->id : -1;
    respond(rs, 200,
            eligd_result_json(head, found == ELIG_STORE_FOUND ? p : NULL, &d));
    return 1;
}

/* §4 */
static int
do_card(struct eligd_service *svc, struct elig_store *store,
        const struct eligd_http_request *rq, struct eligd_http_response *rs,
        struct trail *t, struct eligd_refusal *why)
{
    struct eligd_jws jws;
    struct eligd_card_request req;
    struct eligd_result_head head;
    struct elig_person p;
    enum elig_store_rc found = ELIG_STORE_ERROR;
    const char *id, *code;
    long long now = now_of(svc), skew;
    long days_left = 0;
    EVP_PKEY *key = NULL;
    int ok = 0;

    memset(&p, 0, sizeof(p));
    if (!media_type_is(rq->content_type, "application/jose"))
        return eligd_refuse(why, "REF-E104", NULL);
    /* 1. JWS syntax (and the My Number refusal before anything else) */
    if (!eligd_jws_parse(rq->body, rq->body_len, &jws, why))
        goto out;
    if ((id = eligd_request_id_of(jws.payload)) != NULL)
        snprintf(t->request_id, sizeof(t->request_id), "%s", id);
    /* 2. the payload's members */
    if (!eligd_card_request_parse(jws.payload, now, &req, why))
        goto out;
    /* the terminal's binding to institution codes (§4 table) */
    if (rq->terminal != NULL &&
        !eligd_terminal_may(svc->terminals, rq->terminal->sha256,
                            req.institution)) {
        eligd_refuse(why, "REF-E123", NULL);
        goto out;
    }
    /* 3. the nonce, consumed at once */
    switch (eligd_nonce_consume(svc->nonces, now, req.nonce)) {
    case ELIGD_NONCE_OK:
        break;
    case ELIGD_NONCE_USED:
        eligd_refuse(why, "REF-E121", NULL);
        goto out;
    case ELIGD_NONCE_UNKNOWN:
        eligd_refuse(why, "REF-E120", NULL);
        goto out;
    default:
        eligd_refuse(why, "REF-E199", NULL);
        goto out;
    }
    /* 4. iat */
    skew = req.iat - now;
    if (skew > svc->clock_skew || -skew > svc->clock_skew) {
        eligd_refuse(why, "REF-E122", NULL);
        goto out;
    }
    /* 5. the certificate: exactly the x5c bytes, checked from the DER so
     * that a certificate seen before is not parsed again (trust.h; the
     * parse was half of a request's CPU time, bench/README.md) */
    code = trust_code(elig_trust_check_der(
        svc->trust, jws.cert_der, jws.cert_len, now, &days_left, t->cert_issuer,
        sizeof(t->cert_issuer), t->cert_serial, sizeof(t->cert_serial), &key));
    if (code != NULL) {
        eligd_refuse(why, code, NULL);
        goto out;
    }
    /* 6. the signature over header "." payload */
    if (!eligd_jws_verify(&jws, key)) {
        eligd_refuse(why, "REF-E112", NULL);
        goto out;
    }
    /* 7. the person registered for this certificate */
    if (store != NULL)
        found = elig_store_by_cert(store, t->cert_issuer, t->cert_serial, &p);
    head.request_id = req.request_id;
    head.file_id = req.file_id;
    head.institution = req.institution;
    head.date = req.date;
    head.reference = "1";
    head.now = now;
    ok = answer(store, found, &p, &head, days_left < 0 ? 0 : days_left, rs, t,
                why);
out:
    elig_person_clear(&p);
    EVP_PKEY_free(key);
    eligd_jws_clear(&jws);
    return ok;
}

/* §5 */
static int
do_insurance(struct eligd_service *svc, struct elig_store *store,
             const struct eligd_http_request *rq,
             struct eligd_http_response *rs, struct trail *t,
             struct eligd_refusal *why)
{
    struct eligd_insurance_request req;
    struct eligd_result_head head;
    struct elig_person p;
    enum elig_store_rc found = ELIG_STORE_ERROR;
    long long now = now_of(svc);
    const char *id;
    json_t *body = NULL;
    int ok = 0;

    memset(&p, 0, sizeof(p));
    /* Only the terminal's certificate authorises this query (§1, §5). */
    if (rq->terminal == NULL)
        return eligd_refuse(why, "REF-E130", NULL);
    if (!media_type_is(rq->content_type, "application/json"))
        return eligd_refuse(why, "REF-E104", NULL);
    body = strict_json(rq->body, rq->body_len);
    if (!json_is_object(body)) {
        eligd_refuse(why, "REF-E100", NULL);
        goto out;
    }
    if (elig_json_has_my_number(body)) {
        eligd_refuse(why, "REF-E140", NULL);
        goto out;
    }
    if ((id = eligd_request_id_of(body)) != NULL)
        snprintf(t->request_id, sizeof(t->request_id), "%s", id);
    if (!eligd_insurance_request_parse(body, now, &req, why))
        goto out;
    if (!eligd_terminal_may(svc->terminals, rq->terminal->sha256,
                            req.institution)) {
        eligd_refuse(why, "REF-E123", NULL);
        goto out;
    }
    if (store != NULL)
        found =
            elig_store_by_insurance(store, req.insurer, req.symbol, req.number,
                                    req.branch, req.birthdate, &p);
    head.request_id = req.request_id;
    head.file_id = req.file_id;
    head.institution = req.institution;
    head.date = req.date;
    head.reference = "2";
    head.now = now;
    ok = answer(store, found, &p, &head, -1, rs, t, why);
out:
    elig_person_clear(&p);
    json_decref(body);
    return ok;
}

static void
audit(struct eligd_service *svc, const struct eligd_http_request *rq,
      const struct trail *t, const char *outcome)
{
    struct eligd_audit_entry e;

    if (svc->audit == NULL)
        return;
    memset(&e, 0, sizeof(e));
    e.now = now_of(svc);
    if (rq->terminal != NULL) {
        e.terminal_subject = rq->terminal->subject;
        e.terminal_sha256 = rq->terminal->sha256;
    }
    e.peer = rq->peer;
    e.endpoint = t->endpoint;
    e.request_id = t->request_id[0] != '\0' ? t->request_id : NULL;
    e.outcome = outcome;
    e.validity = t->validity[0] != '\0' ? t->validity : NULL;
    e.person = t->person;
    e.cert_serial = t->cert_serial[0] != '\0' ? t->cert_serial : NULL;
    e.cert_issuer = t->cert_issuer[0] != '\0' ? t->cert_issuer : NULL;
    eligd_audit_write(svc->audit, &e);
}

void
eligd_handle(struct eligd_service *svc, struct elig_store *store,
             const struct eligd_http_request *rq,
             struct eligd_http_response *rs)
{
    struct eligd_refusal why = { NULL, "" };
    struct trail t;
    enum route r = route_of(rq->path != NULL ? rq->path : "");
    int http = 0, ok = 0;

    memset(rs, 0, sizeof(*rs));
    memset(&t, 0, sizeof(t));
    t.person = -1;
    t.endpoint = r == R_NONCE       ? "nonce"
                 : r == R_CARD      ? "qualification/card"
                 : r == R_INSURANCE ? "qualification/insurance"
                                    : "none";
    if (rq->header_too_large) {
        eligd_refuse(&why, "REF-E106", NULL);
    } else if (r == R_NONE) {
        eligd_refuse(&why, "REF-E105", "no such path");
    } else if (rq->method == NULL || strcmp(rq->method, "POST") != 0) {
        eligd_refuse(&why, "REF-E105", "only POST is allowed here");
        http = 405;
    } else if (svc->require_client_cert && rq->terminal == NULL) {
        eligd_refuse(&why, "REF-E130", NULL);
    } else if (rq->body_too_large || rq->body_len > ELIG_BODY_MAX) {
        eligd_refuse(&why, "REF-E103", NULL);
    } else if (r == R_NONCE) {
        ok = do_nonce(svc, rq, rs, &why);
    } else if (r == R_CARD) {
        ok = do_card(svc, store, rq, rs, &t, &why);
    } else {
        ok = do_insurance(svc, store, rq, rs, &t, &why);
    }
    if (!ok) {
        if (why.code == NULL)
            eligd_refuse(&why, "REF-E199", NULL);
        refuse(rs, &why, &t, http);
    }
    audit(svc, rq, &t, ok ? "ok" : why.code);
}

void
eligd_http_response_clear(struct eligd_http_response *rs)
{
    free(rs->body);
    memset(rs, 0, sizeof(*rs));
}
