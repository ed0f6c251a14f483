/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Is this a good JPKI user-authentication certificate, now?
 * (docs/eligibility-protocol.md §4 step 5, §8).  Chain to one of the
 * configured JPKI auth CA certificates (several generations side by side),
 * validity at the given time, critical digitalSignature key usage,
 * revocation by CRL files and/or OCSP (fail closed).  Verified chains are
 * cached by certificate SHA-256; OCSP answers until their nextUpdate (at
 * most an hour, §8); both caches are bounded.
 *
 * Revocation: every configured source must vouch for the certificate.
 * With CRL files, the issuing CA (the very generation that signed the
 * certificate) must have a CRL that is current (thisUpdate <= now <
 * nextUpdate) and does not list it; with an OCSP URL, the responder must
 * answer `good` in a response signed by that CA, by its delegated
 * responder (id-kp-OCSPSigning, RFC 6960 §4.2.2.2) or by a responder
 * certificate of ocsp_responder_ca.  Listed / `revoked` is REVOKED; a
 * missing or stale CRL, an unreachable responder, a bad signature or an
 * `unknown` answer is STATUS_UNKNOWN, never OK.  With neither source, no
 * revocation check is made (elig_trust_new says so on stderr).
 *
 * Thread safety: one struct elig_trust is shared by all worker threads;
 * elig_trust_check may be called concurrently.  elig_trust_reload (SIGHUP)
 * loads the CA/CRL files again and swaps them in atomically: a check in
 * flight finishes with the set it started with; a reload that fails keeps
 * the old set.
 */
#ifndef MYNA_ELIGD_TRUST_H
#define MYNA_ELIGD_TRUST_H

#include <stddef.h>

#include <openssl/x509.h>

struct elig_trust_config {
    const char *const *ca_files; /* PEM files, each may hold several CAs */
    size_t n_ca_files;
    const char *const *crl_files; /* PEM or DER CRLs, signed by those CAs */
    size_t n_crl_files;
    const char *ocsp_url; /* http://HOST[:PORT]/PATH; NULL: no OCSP */
    /* PEM file of OCSP responder certificates trusted as they are (RFC
     * 6960 §4.2.2.2, "local configuration"); NULL: only the issuing CA or
     * its delegate. */
    const char *ocsp_responder_ca;
    long ocsp_timeout_ms; /* per request, 0: 3000; whole seconds upward */
};

/* The outcome, one per protocol error code. */
enum elig_trust_rc {
    ELIG_TRUST_OK = 0,
    ELIG_TRUST_UNTRUSTED,      /* REF-E113: malformed or unknown issuer */
    ELIG_TRUST_EXPIRED,        /* REF-E114: outside notBefore..notAfter */
    ELIG_TRUST_REVOKED,        /* REF-E115 */
    ELIG_TRUST_STATUS_UNKNOWN, /* REF-E116: stale CRL, OCSP down/unsure */
    ELIG_TRUST_WRONG_USAGE,    /* REF-E117: no critical digitalSignature */
    ELIG_TRUST_ERROR,          /* REF-E199 */
};

struct elig_trust;

/* NULL with a message on stderr when a file cannot be loaded. */
struct elig_trust *elig_trust_new(const struct elig_trust_config *cfg);
/* 1 when the new set is in place; 0 (message on stderr) keeps the old. */
int elig_trust_reload(struct elig_trust *t);
void elig_trust_free(struct elig_trust *t);

/*
 * Check cert at time now (Unix seconds).  On ELIG_TRUST_OK, *days_left is
 * the number of whole days until notAfter (REF-W001 under 92), and
 * issuer/serial are filled for the store (elig_cert_key) when the buffers
 * are given.  The checks run in the order of §4 step 5: chain (a forged or
 * foreign certificate is UNTRUSTED even when it is also expired), validity,
 * key usage, revocation.
 */
enum elig_trust_rc elig_trust_check(struct elig_trust *t, X509 *cert,
                                    long long now, long *days_left,
                                    char *issuer, size_t issuer_size,
                                    char *serial_hex, size_t serial_size);

/*
 * The same for a certificate as DER bytes (the x5c member, §4), with the
 * parse cached too: OpenSSL 3.0 spends ~170 µs decoding a certificate
 * (d2i_X509, mostly its public key), seven RSA-2048 verifications, so a
 * certificate seen before is found by the SHA-256 of its bytes and not
 * decoded again; the service's hot path is then the RSA verification of
 * the request signature (§4 step 6).  On ELIG_TRUST_OK, *key_out (when
 * key_out is not NULL) is the certificate's public key, a reference the
 * caller frees with EVP_PKEY_free; otherwise it is set to NULL.  Bytes
 * that are not exactly one DER certificate are UNTRUSTED.
 */
enum elig_trust_rc elig_trust_check_der(struct elig_trust *t,
                                        const unsigned char *der,
                                        size_t der_len, long long now,
                                        long *days_left, char *issuer,
                                        size_t issuer_size, char *serial_hex,
                                        size_t serial_size, EVP_PKEY **key_out);

/* A short English name of rc ("ok", "untrusted", ...), for logs. */
const char *elig_trust_rc_name(enum elig_trust_rc rc);

/* Counters since elig_trust_new, for tests and the benchmark. */
struct elig_trust_stats {
    unsigned long chain_verified; /* full X509_verify_cert runs */
    unsigned long chain_cached;   /* answered from the chain cache */
    unsigned long ocsp_queried;   /* requests sent to the responder */
    unsigned long ocsp_cached;    /* answered from the OCSP cache */
    unsigned long reloads;        /* successful elig_trust_reload calls */
};
void elig_trust_get_stats(struct elig_trust *t, struct elig_trust_stats *out);

/*
 * How the store names a certificate (the 保険証利用登録 link,
 * qualification-domain.md §1.2, store.h elig_store_by_cert): the issuer
 * DN as X509_NAME_print_ex(..., XN_FLAG_RFC2253) prints it (non-ASCII
 * bytes escaped as \XX) and the serial in upper-case hex without leading
 * zeros ("0" for zero).  The importer and elig_trust_check both use this,
 * so that a certificate registered from a file and the same certificate
 * in a request meet in one row.  1, or 0 when a buffer is too small or the
 * serial is negative (no JPKI certificate has one).
 */
int elig_cert_key(X509 *cert, char *issuer, size_t issuer_size,
                  char *serial_hex, size_t serial_size);

#endif
