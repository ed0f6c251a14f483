/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Is this a good JPKI user-authentication certificate, now?
 * (docs/eligibility-protocol.md §4 step 5, §8).  Chain to one of the
 * configured JPKI auth CA certificates (several generations side by side),
 * validity at the given time, critical digitalSignature key usage,
 * revocation by CRL files and/or OCSP (fail closed).  Verified chains may
 * be cached by certificate fingerprint; revocation answers by their own
 * lifetime.
 *
 * Thread safety: one struct elig_trust is shared by all worker threads;
 * elig_trust_check may be called concurrently.  elig_trust_reload (SIGHUP)
 * swaps the CA/CRL set atomically.
 */
#ifndef MYNA_ELIGD_TRUST_H
#define MYNA_ELIGD_TRUST_H

#include <openssl/x509.h>

struct elig_trust_config {
    const char *const *ca_files;  /* PEM files, each may hold several CAs */
    size_t n_ca_files;
    const char *const *crl_files; /* PEM or DER CRLs */
    size_t n_crl_files;
    const char *ocsp_url;         /* NULL: no OCSP */
    const char *ocsp_responder_ca; /* NULL: the issuing CA or its delegate */
    long ocsp_timeout_ms;         /* per request, default 3000 */
};

/* The outcome, one per protocol error code. */
enum elig_trust_rc {
    ELIG_TRUST_OK = 0,
    ELIG_TRUST_UNTRUSTED,     /* REF-E113: malformed or unknown issuer */
    ELIG_TRUST_EXPIRED,       /* REF-E114: outside notBefore..notAfter */
    ELIG_TRUST_REVOKED,       /* REF-E115 */
    ELIG_TRUST_STATUS_UNKNOWN, /* REF-E116: stale CRL, OCSP down/unsure */
    ELIG_TRUST_WRONG_USAGE,   /* REF-E117: no critical digitalSignature */
    ELIG_TRUST_ERROR,         /* REF-E199 */
};

struct elig_trust;

/* NULL with a message on stderr when a file cannot be loaded. */
struct elig_trust *elig_trust_new(const struct elig_trust_config *cfg);
int elig_trust_reload(struct elig_trust *t);
void elig_trust_free(struct elig_trust *t);

/*
 * Check cert at time now (Unix seconds).  On ELIG_TRUST_OK, *days_left is
 * the number of whole days until notAfter (REF-W001 under 92), and
 * issuer/serial are filled for the store (RFC 2253 DN, upper-case hex
 * serial without leading zeros) when the buffers are given.
 */
enum elig_trust_rc elig_trust_check(struct elig_trust *t, X509 *cert,
                                    long long now, long *days_left,
                                    char *issuer, size_t issuer_size,
                                    char *serial_hex, size_t serial_size);

#endif
