/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The service's request handling without a socket: a request (method,
 * path, content type, body, the terminal's certificate if any) in, a
 * status and a JSON body out (docs/eligibility-protocol.md §3-7), one
 * audit line (§9) written.  http.c feeds it from libmicrohttpd; the fuzz
 * target and the unit tests call it directly.
 */
#ifndef MYNA_ELIGD_SERVICE_H
#define MYNA_ELIGD_SERVICE_H

#include <stdbool.h>
#include <stddef.h>

#include "audit.h"
#include "nonce.h"
#include "store.h"
#include "terminals.h"
#include "trust.h"

/* A terminal, known by its verified TLS client certificate (§1). */
struct eligd_terminal {
    char subject[512]; /* RFC 2253 */
    char sha256[65];   /* fingerprint of the DER, lower-case hex */
};

struct eligd_service {
    struct eligd_nonces *nonces;
    struct elig_trust *trust;
    struct eligd_audit *audit;         /* NULL: no audit log */
    long nonce_lifetime;               /* seconds (§3), for expiresIn */
    long clock_skew;                   /* seconds allowed for iat (§4) */
    bool require_client_cert;          /* --require-client-cert */
    struct eligd_terminals *terminals; /* NULL: no terminal is bound */
    long long (*clock)(void);          /* NULL: time(NULL); tests set it */
};

struct eligd_http_request {
    const char *method;
    const char *path;
    const char *content_type; /* NULL when absent */
    const char *body;         /* need not be NUL-terminated */
    size_t body_len;
    bool body_too_large;   /* more than ELIG_BODY_MAX arrived */
    bool header_too_large; /* header block over ELIG_HEADER_MAX */
    const struct eligd_terminal *terminal; /* NULL without a verified one */
    const char *peer; /* the peer's address, for the audit log */
};

struct eligd_http_response {
    int status;
    char *body; /* JSON and a newline, malloc'ed; NULL only when out of
                 * memory (then status is 500 and the caller answers a
                 * fixed body) */
    size_t body_len;
};

/* store: this worker thread's handle, NULL when it could not be opened. */
void eligd_handle(struct eligd_service *svc, struct elig_store *store,
                  const struct eligd_http_request *rq,
                  struct eligd_http_response *rs);
void eligd_http_response_clear(struct eligd_http_response *rs);

#endif
