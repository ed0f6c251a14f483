/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One OCSP exchange (RFC 6960) for docs/eligibility-protocol.md §8: a
 * request with a nonce POSTed over plain HTTP (the answer is signed, so
 * TLS adds nothing) through OpenSSL's HTTP client, which bounds the
 * whole exchange by a timeout; then the answer is verified:
 *
 *  - signed by the issuing CA, by its delegated responder (issued by that
 *    CA, id-kp-OCSPSigning; RFC 6960 §4.2.2.2) or by a locally configured
 *    responder certificate (ocsp_responder_ca, OCSP_TRUSTOTHER);
 *  - about our certificate (the CertID we asked for), with a nonce that
 *    matches ours when the responder echoes one (a cached or pre-produced
 *    response carries none; RFC 6960 §4.4.1 makes it optional);
 *  - current: thisUpdate not in the future (beyond a clock skew),
 *    nextUpdate not passed; without nextUpdate, at most an hour old.
 *
 * `good` is OK, `revoked` REVOKED; anything else (`unknown`, an error
 * status, a bad signature, a timeout, a refused connection) is
 * STATUS_UNKNOWN: fail closed (REF-E116).  Definite answers may be
 * reused until nextUpdate, at most an hour (§8).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/http.h>
#include <openssl/ocsp.h>
#include <openssl/x509.h>

#include "trust-int.h"

#define OCSP_SKEW 300           /* seconds; as the protocol's iat skew */
#define OCSP_MAX_AGE 3600       /* answers without nextUpdate, §8 */
#define OCSP_MAX_CACHE 3600     /* §8: cached at most one hour */
#define OCSP_MAX_RESPONSE 65536 /* bytes; a response is ~2 KB */

static void
report(const char *url, const char *what)
{
    unsigned long e = ERR_peek_last_error();
    char buf[256] = "";

    if (e != 0)
        ERR_error_string_n(e, buf, sizeof(buf));
    fprintf(stderr, "myna-eligd: OCSP %s: %s%s%s\n", url, what,
            e != 0 ? ": " : "", buf);
    ERR_clear_error();
}

/* POST the DER request, read the DER response: NULL on any failure,
 * including the timeout (whole seconds, rounded up, at least one). */
static OCSP_RESPONSE *
exchange(const char *url, long timeout_ms, OCSP_REQUEST *req)
{
    char *host = NULL, *port = NULL, *path = NULL;
    int use_ssl = 0, timeout;
    BIO *req_bio = NULL, *rsp_bio = NULL;
    OCSP_RESPONSE *resp = NULL;

    timeout = timeout_ms <= 0 ? 3 : (int)((timeout_ms + 999) / 1000);
    if (!OSSL_HTTP_parse_url(url, &use_ssl, NULL, &host, &port, NULL, &path,
                             NULL, NULL) ||
        use_ssl) {
        report(url, "not an http:// URL");
        goto out;
    }
    req_bio = ASN1_item_i2d_mem_bio(ASN1_ITEM_rptr(OCSP_REQUEST),
                                    (const ASN1_VALUE *)req);
    if (req_bio == NULL)
        goto out;
    /* proxy "": never a proxy from the environment (a daemon's OCSP
     * traffic goes where it is configured to go). */
    rsp_bio = OSSL_HTTP_transfer(
        NULL, host, port, path, 0, "", NULL, NULL, NULL, NULL, NULL, 0, NULL,
        "application/ocsp-request", req_bio, "application/ocsp-response", 1,
        OCSP_MAX_RESPONSE, timeout, 0);
    if (rsp_bio == NULL) {
        report(url, "no answer from the responder");
        goto out;
    }
    resp = ASN1_item_d2i_bio(ASN1_ITEM_rptr(OCSP_RESPONSE), rsp_bio, NULL);
    if (resp == NULL)
        report(url, "malformed response");
out:
    BIO_free(rsp_bio);
    BIO_free(req_bio);
    OPENSSL_free(host);
    OPENSSL_free(port);
    OPENSSL_free(path);
    return resp;
}

/* The CA itself or its delegate (chain to the store, §4.2.2.2 checks in
 * OCSP_basic_verify); failing that, a configured responder certificate. */
static int
signature_ok(const struct trust_set *s, OCSP_BASICRESP *bs)
{
    if (OCSP_basic_verify(bs, s->cas, s->store, 0) > 0)
        return 1;
    ERR_clear_error();
    if (sk_X509_num(s->responders) > 0 &&
        OCSP_basic_verify(bs, s->responders, s->store, OCSP_TRUSTOTHER) > 0)
        return 1;
    return 0;
}

/* thisUpdate / nextUpdate against now (RFC 6960 §4.2.2.1); sets how long
 * the answer may be reused, -1 when not at all. */
static int
current(ASN1_GENERALIZEDTIME *this_upd, ASN1_GENERALIZEDTIME *next_upd,
        long long now, long long *cache_until)
{
    long long this_t, next_t;

    *cache_until = -1;
    if (!trust_time(this_upd, &this_t) || this_t > now + OCSP_SKEW)
        return 0;
    if (next_upd == NULL)
        return this_t >= now - OCSP_MAX_AGE;
    if (!trust_time(next_upd, &next_t) || now >= next_t)
        return 0;
    *cache_until =
        next_t < now + OCSP_MAX_CACHE ? next_t : now + OCSP_MAX_CACHE;
    return 1;
}

struct trust_ocsp_answer
trust_ocsp_query(const struct trust_set *s, const char *url, long timeout_ms,
                 X509 *cert, X509 *ca, long long now)
{
    struct trust_ocsp_answer ans = { ELIG_TRUST_STATUS_UNKNOWN, -1 };
    OCSP_CERTID *id = OCSP_cert_to_id(NULL, cert, ca), *id_req = NULL;
    OCSP_REQUEST *req = OCSP_REQUEST_new();
    OCSP_RESPONSE *resp = NULL;
    OCSP_BASICRESP *bs = NULL;
    ASN1_GENERALIZEDTIME *rev = NULL, *this_upd = NULL, *next_upd = NULL;
    int status = -1, reason = -1;

    if (id == NULL || req == NULL || (id_req = OCSP_CERTID_dup(id)) == NULL ||
        OCSP_request_add0_id(req, id_req) == NULL) {
        OCSP_CERTID_free(id_req);
        report(url, "cannot build the request");
        goto out;
    }
    if (!OCSP_request_add1_nonce(req, NULL, -1)) {
        report(url, "cannot build the request");
        goto out;
    }
    if ((resp = exchange(url, timeout_ms, req)) == NULL)
        goto out;
    if (OCSP_response_status(resp) != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
        report(url, OCSP_response_status_str(OCSP_response_status(resp)));
        goto out;
    }
    if ((bs = OCSP_response_get1_basic(resp)) == NULL) {
        report(url, "not a basic OCSP response");
        goto out;
    }
    /* 0: both carry a nonce and they differ (a replayed answer). */
    if (OCSP_check_nonce(req, bs) == 0) {
        report(url, "nonce mismatch");
        goto out;
    }
    if (!signature_ok(s, bs)) {
        report(url, "response not signed by the CA or its responder");
        goto out;
    }
    if (!OCSP_resp_find_status(bs, id, &status, &reason, &rev, &this_upd,
                               &next_upd)) {
        report(url, "no answer about this certificate");
        goto out;
    }
    if (!current(this_upd, next_upd, now, &ans.cache_until)) {
        report(url, "response out of date");
        goto out;
    }
    if (status == V_OCSP_CERTSTATUS_GOOD)
        ans.rc = ELIG_TRUST_OK;
    else if (status == V_OCSP_CERTSTATUS_REVOKED)
        ans.rc = ELIG_TRUST_REVOKED;
    else
        ans.cache_until = -1; /* `unknown`: ask again next time */
out:
    OCSP_BASICRESP_free(bs);
    OCSP_RESPONSE_free(resp);
    OCSP_REQUEST_free(req);
    OCSP_CERTID_free(id);
    ERR_clear_error();
    return ans;
}
