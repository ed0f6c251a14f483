/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The audit log (docs/eligibility-protocol.md §9): one JSON line per
 * request, who asked (terminal), what (endpoint, requestId), the outcome
 * and whose record was looked at; never a PIN, a My Number or the
 * eligibility data itself (the guideline's access log, qualification-
 * domain.md §5.3, not a copy of the answer).
 *
 * Thread safety: eligd_audit_write may be called from any thread; each
 * line reaches the file whole, in one write(2) on an O_APPEND descriptor.
 */
#ifndef MYNA_ELIGD_AUDIT_H
#define MYNA_ELIGD_AUDIT_H

struct eligd_audit_entry {
    long long now;                /* Unix seconds */
    const char *terminal_subject; /* client certificate, or NULL */
    const char *terminal_sha256;  /* its fingerprint (hex), or NULL */
    const char *peer;             /* the peer address */
    const char *endpoint;         /* "POST /v1/nonce" */
    const char *request_id;       /* NULL when none */
    const char *outcome;          /* "ok" or the error code */
    const char *validity;         /* NULL unless a result was given */
    long long person;             /* the store's id, -1 when none */
    const char *cert_serial;      /* card mode, NULL otherwise */
    const char *cert_issuer;
};

struct eligd_audit;

/* path "-" is stderr.  NULL with a message when it cannot be opened. */
struct eligd_audit *eligd_audit_open(const char *path);
void eligd_audit_close(struct eligd_audit *a);
/* 1/0 (a failure is also reported on stderr, once per burst). */
int eligd_audit_write(struct eligd_audit *a, const struct eligd_audit_entry *e);

#endif
