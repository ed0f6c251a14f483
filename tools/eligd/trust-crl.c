/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Revocation by CRL files (docs/eligibility-protocol.md §8, RFC 5280
 * §6.3).  Every CRL is checked once, when it is loaded: it must be signed
 * by one of the configured CAs, and it is then bound to that CA (that
 * generation: two generations may share a DN, and each revokes only what
 * it issued).  At check time a certificate's CRL is the one bound to the
 * CA its chain went through; a CRL past its nextUpdate, or none at all,
 * gives STATUS_UNKNOWN (fail closed, REF-E116).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <stdlib.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "trust-int.h"

/* A CRL issued a little "in the future" by a CA whose clock runs ahead is
 * still the CA's word; the same tolerance as the protocol's clock skew. */
#define CRL_SKEW 300

static void
report(const char *file, const char *what)
{
    unsigned long e = ERR_get_error();
    char buf[256] = "";

    if (e != 0)
        ERR_error_string_n(e, buf, sizeof(buf));
    fprintf(stderr, "myna-eligd: %s: %s%s%s\n", file, what, e != 0 ? ": " : "",
            buf);
    ERR_clear_error();
}

/* PEM (one or more CRLs) or DER (one), as `openssl ca -gencrl` writes. */
static STACK_OF(X509_CRL) * read_crls(const char *file)
{
    STACK_OF(X509_CRL) *crls = sk_X509_CRL_new_null();
    BIO *bio = BIO_new_file(file, "rb");
    X509_CRL *crl;

    if (crls == NULL || bio == NULL)
        goto fail;
    while ((crl = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL)) != NULL) {
        if (!sk_X509_CRL_push(crls, crl)) {
            X509_CRL_free(crl);
            goto fail;
        }
    }
    if (sk_X509_CRL_num(crls) == 0 && BIO_reset(bio) == 0 &&
        (crl = d2i_X509_CRL_bio(bio, NULL)) != NULL &&
        !sk_X509_CRL_push(crls, crl)) {
        X509_CRL_free(crl);
        goto fail;
    }
    ERR_clear_error();
    BIO_free(bio);
    if (sk_X509_CRL_num(crls) == 0) {
        report(file, "no CRL in the file");
        sk_X509_CRL_free(crls);
        return NULL;
    }
    return crls;
fail:
    report(file, "cannot read CRLs");
    BIO_free(bio);
    sk_X509_CRL_pop_free(crls, X509_CRL_free);
    return NULL;
}

/* The configured CA that signed crl: same DN, and its key verifies it. */
static X509 *
crl_signer(const struct trust_set *s, X509_CRL *crl)
{
    for (int i = 0; i < sk_X509_num(s->cas); i++) {
        X509 *ca = sk_X509_value(s->cas, i);
        EVP_PKEY *key = X509_get0_pubkey(ca);

        if (X509_NAME_cmp(X509_get_subject_name(ca),
                          X509_CRL_get_issuer(crl)) == 0 &&
            key != NULL && X509_CRL_verify(crl, key) > 0)
            return ca;
    }
    ERR_clear_error();
    return NULL;
}

/* Keep the newest CRL of each CA (the largest thisUpdate). */
static int
add_crl(struct trust_set *s, const char *file, X509_CRL *crl)
{
    struct trust_crl e = { crl, NULL, 0, -1 }, *grown;
    const ASN1_TIME *next = X509_CRL_get0_nextUpdate(crl);

    /* A delta CRL (RFC 5280 §5.2.4) only makes sense with its base;
     * nothing here would combine them, so refuse rather than misread. */
    if (X509_CRL_get_ext_by_NID(crl, NID_delta_crl, -1) >= 0) {
        report(file, "delta CRLs are not supported");
        return 0;
    }
    if ((e.ca = crl_signer(s, crl)) == NULL) {
        report(file, "CRL not signed by any configured JPKI auth CA");
        return 0;
    }
    if (!trust_time(X509_CRL_get0_lastUpdate(crl), &e.this_update) ||
        (next != NULL && !trust_time(next, &e.next_update))) {
        report(file, "CRL with unreadable thisUpdate/nextUpdate");
        return 0;
    }
    for (size_t i = 0; i < s->n_crls; i++) {
        if (s->crls[i].ca != e.ca)
            continue;
        if (s->crls[i].this_update < e.this_update) {
            X509_CRL_free(s->crls[i].crl);
            s->crls[i] = e;
        } else {
            X509_CRL_free(crl);
        }
        return 1;
    }
    grown = realloc(s->crls, (s->n_crls + 1) * sizeof(*grown));
    if (grown == NULL) {
        report(file, "out of memory");
        return 0;
    }
    s->crls = grown;
    s->crls[s->n_crls++] = e;
    return 1;
}

int
trust_crl_load(struct trust_set *s, const char *const *files, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        STACK_OF(X509_CRL) *crls = read_crls(files[i]);
        X509_CRL *crl;
        int ok = crls != NULL;

        while (ok && (crl = sk_X509_CRL_shift(crls)) != NULL) {
            ok = add_crl(s, files[i], crl);
            if (!ok)
                X509_CRL_free(crl);
        }
        sk_X509_CRL_pop_free(crls, X509_CRL_free);
        if (!ok)
            return 0;
    }
    return 1;
}

enum elig_trust_rc
trust_crl_check(const struct trust_set *s, X509 *cert, const X509 *ca,
                long long now)
{
    X509_REVOKED *rev = NULL;

    for (size_t i = 0; i < s->n_crls; i++) {
        const struct trust_crl *c = &s->crls[i];

        if (X509_cmp(c->ca, ca) != 0)
            continue;
        /* RFC 5280 §6.3.3 (a)(2): the CRL must be current.  No
         * nextUpdate means no promise about freshness: unusable. */
        if (c->next_update < 0 || now >= c->next_update ||
            now + CRL_SKEW < c->this_update)
            return ELIG_TRUST_STATUS_UNKNOWN;
        /* 1: listed; 2: listed as removeFromCRL (not revoked). */
        if (X509_CRL_get0_by_cert(c->crl, &rev, cert) == 1)
            return ELIG_TRUST_REVOKED;
        return ELIG_TRUST_OK;
    }
    return ELIG_TRUST_STATUS_UNKNOWN;
}
