/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Inside libeligdtrust (trust.h): the pieces trust.c puts together.
 *
 *   trust-set.c    one loaded CA/CRL set, reference counted, swapped
 *                  whole on reload
 *   trust-chain.c  chain, validity and key usage of one certificate
 *   trust-crl.c    CRL files: loading (signature checked) and look-up
 *   trust-ocsp.c   one OCSP exchange over HTTP and its verification
 *   trust-cache.c  bounded caches keyed by SHA-256
 *   trust-time.c   ASN1_TIME to Unix seconds
 *   trust-key.c    elig_cert_key
 */
#ifndef MYNA_ELIGD_TRUST_INT_H
#define MYNA_ELIGD_TRUST_INT_H

#include <stdatomic.h>
#include <stddef.h>

#include <openssl/ocsp.h>
#include <openssl/x509.h>

#include "trust.h"

#define TRUST_KEY_LEN 32 /* SHA-256 of the certificate's DER */

/* ------------------------------------------------------------ caches */

struct trust_cache;

/* capacity entries of value_size bytes each; NULL on allocation failure. */
struct trust_cache *trust_cache_new(size_t capacity, size_t value_size);
void trust_cache_free(struct trust_cache *c);
/* 1 and the value copied out when key is present and now < its expiry. */
int trust_cache_get(struct trust_cache *c, const unsigned char *key,
                    long long now, void *value);
/* Insert or replace; when full, the oldest insertion goes (FIFO). */
void trust_cache_put(struct trust_cache *c, const unsigned char *key,
                     long long expires, const void *value);
/*
 * For values that own references: hold(value) takes one (for the cache
 * on put, for the caller on get: the caller then owns what it got), and
 * drop(value) releases the cache's one when an entry goes.  Both run under
 * the cache's lock.  Set before the first put.
 */
typedef void trust_cache_fn(const void *value);
void trust_cache_set_owner(struct trust_cache *c, trust_cache_fn *hold,
                           trust_cache_fn *drop);

/* ------------------------------------------------------------ CA set */

/* One CRL, checked at load time against the CA that signed it. */
struct trust_crl {
    X509_CRL *crl;
    X509 *ca; /* the configured CA whose key verifies it (not owned) */
    long long this_update, next_update; /* next_update -1: none */
};

struct trust_set {
    atomic_int refs;
    X509_STORE *store;           /* the CA certificates, trust anchors */
    STACK_OF(X509) * cas;        /* the same certificates, for look-ups */
    STACK_OF(X509) * responders; /* ocsp_responder_ca, may be empty */
    struct trust_crl *crls;      /* newest CRL per CA only */
    size_t n_crls;
    struct trust_cache *chains; /* verified chains of this set */
};

/* The files of cfg, all or nothing: NULL with messages on stderr. */
struct trust_set *trust_set_load(const struct elig_trust_config *cfg);
struct trust_set *trust_set_ref(struct trust_set *s);
void trust_set_unref(struct trust_set *s);

/* CRL files into s->crls: each must verify with a CA of s->cas. */
int trust_crl_load(struct trust_set *s, const char *const *files, size_t n);
/* Is cert, issued by ca, listed?  OK, REVOKED or STATUS_UNKNOWN. */
enum elig_trust_rc trust_crl_check(const struct trust_set *s, X509 *cert,
                                   const X509 *ca, long long now);

/* ------------------------------------------------------------ chain */

/* What a chain verification found out, cached per certificate. */
struct trust_chain {
    X509 *cert;          /* the certificate, parsed: a reference (trust.c) */
    X509 *ca;            /* the issuing CA in the set (not owned) */
    long long not_after; /* the certificate's own notAfter */
    long long valid_from, valid_to; /* the whole chain's validity */
};

/*
 * Chain to a CA of s at time now, then validity (EXPIRED only for a
 * certificate that otherwise chains), then key usage.  OK fills *out.
 */
enum elig_trust_rc trust_chain_verify(const struct trust_set *s, X509 *cert,
                                      long long now, struct trust_chain *out);
/* Critical keyUsage with digitalSignature (JPKI auth profile). */
int trust_chain_usage_ok(X509 *cert);

/* ------------------------------------------------------------ OCSP */

/* An OCSP verdict and how long it may be reused (-1: not at all). */
struct trust_ocsp_answer {
    enum elig_trust_rc rc; /* OK, REVOKED or STATUS_UNKNOWN */
    long long cache_until;
};

/*
 * Ask the responder at url about cert (issued by ca), verify the answer
 * against s (RFC 6960 §3.2, §4.2.2.2) and the time now.
 */
struct trust_ocsp_answer trust_ocsp_query(const struct trust_set *s,
                                          const char *url, long timeout_ms,
                                          X509 *cert, X509 *ca, long long now);

/* ------------------------------------------------------------ time */

/* Unix seconds of an ASN1_TIME; 0 when it cannot be read. */
int trust_time(const ASN1_TIME *t, long long *out);

#endif
