/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One loaded set of JPKI auth CA certificates and CRLs (trust-int.h).
 * A set is immutable once loaded; elig_trust_reload loads a new one and
 * swaps it in, and the old one lives on until the last check using it
 * lets go (reference count).  Its chain cache goes with it, so a chain
 * verified against a CA that a reload removed is never reused.
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

/* Certificates, each with its parsed X509 (a few KB): bounded, FIFO. */
#define CHAIN_CACHE_SIZE 16384

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

/* Every certificate of a PEM file (several CA generations may share one
 * file), or the one certificate of a DER file (what myna-vcard writes). */
static STACK_OF(X509) * read_certs(const char *file)
{
    STACK_OF(X509) *certs = sk_X509_new_null();
    BIO *bio = BIO_new_file(file, "rb");
    X509 *x;

    if (certs == NULL || bio == NULL)
        goto fail;
    while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
        if (!sk_X509_push(certs, x)) {
            X509_free(x);
            goto fail;
        }
    }
    if (sk_X509_num(certs) == 0 && BIO_reset(bio) == 0 &&
        (x = d2i_X509_bio(bio, NULL)) != NULL && !sk_X509_push(certs, x)) {
        X509_free(x);
        goto fail;
    }
    ERR_clear_error(); /* the PEM reader's "no start line" at the end */
    BIO_free(bio);
    if (sk_X509_num(certs) == 0) {
        report(file, "no certificate in the file");
        sk_X509_free(certs);
        return NULL;
    }
    return certs;
fail:
    report(file, "cannot read certificates");
    BIO_free(bio);
    sk_X509_pop_free(certs, X509_free);
    return NULL;
}

/* A configured JPKI auth CA must be a CA (RFC 5280 §4.2.1.9): an end
 * entity certificate among the trust anchors would vouch for itself. */
static int
add_cas(struct trust_set *s, const char *file)
{
    STACK_OF(X509) *certs = read_certs(file);
    X509 *x;
    int ok = 0;

    if (certs == NULL)
        return 0;
    while ((x = sk_X509_shift(certs)) != NULL) {
        if (X509_check_ca(x) < 1) {
            report(file, "a certificate in it is not a CA certificate");
            X509_free(x);
            goto out;
        }
        if (!X509_STORE_add_cert(s->store, x) || !sk_X509_push(s->cas, x)) {
            report(file, "cannot add a CA certificate");
            X509_free(x);
            goto out;
        }
    }
    ok = 1;
out:
    sk_X509_pop_free(certs, X509_free);
    return ok;
}

static int
add_responders(struct trust_set *s, const char *file)
{
    STACK_OF(X509) *certs = read_certs(file);
    X509 *x;
    int ok = 1;

    if (certs == NULL)
        return 0;
    while (ok && (x = sk_X509_shift(certs)) != NULL) {
        ok = sk_X509_push(s->responders, x) > 0;
        if (!ok)
            X509_free(x);
    }
    sk_X509_pop_free(certs, X509_free);
    return ok;
}

/* The chain cache owns a reference to each certificate it keeps. */
static void
hold_cert(const void *value)
{
    const struct trust_chain *ch = value;

    X509_up_ref(ch->cert);
}

static void
drop_cert(const void *value)
{
    const struct trust_chain *ch = value;

    X509_free(ch->cert);
}

struct trust_set *
trust_set_load(const struct elig_trust_config *cfg)
{
    struct trust_set *s = calloc(1, sizeof(*s));

    if (s == NULL)
        return NULL;
    atomic_init(&s->refs, 1);
    s->store = X509_STORE_new();
    s->cas = sk_X509_new_null();
    s->responders = sk_X509_new_null();
    s->chains = trust_cache_new(CHAIN_CACHE_SIZE, sizeof(struct trust_chain));
    if (s->store == NULL || s->cas == NULL || s->responders == NULL ||
        s->chains == NULL) {
        fprintf(stderr, "myna-eligd: out of memory loading the CA set\n");
        goto fail;
    }
    trust_cache_set_owner(s->chains, hold_cert, drop_cert);
    if (cfg->n_ca_files == 0) {
        fprintf(stderr, "myna-eligd: no JPKI auth CA file configured\n");
        goto fail;
    }
    for (size_t i = 0; i < cfg->n_ca_files; i++)
        if (!add_cas(s, cfg->ca_files[i]))
            goto fail;
    if (cfg->ocsp_responder_ca != NULL &&
        !add_responders(s, cfg->ocsp_responder_ca))
        goto fail;
    if (!trust_crl_load(s, cfg->crl_files, cfg->n_crl_files))
        goto fail;
    return s;
fail:
    trust_set_unref(s);
    return NULL;
}

struct trust_set *
trust_set_ref(struct trust_set *s)
{
    atomic_fetch_add(&s->refs, 1);
    return s;
}

void
trust_set_unref(struct trust_set *s)
{
    if (s == NULL || atomic_fetch_sub(&s->refs, 1) != 1)
        return;
    for (size_t i = 0; i < s->n_crls; i++)
        X509_CRL_free(s->crls[i].crl);
    free(s->crls);
    trust_cache_free(s->chains);
    sk_X509_pop_free(s->responders, X509_free);
    sk_X509_pop_free(s->cas, X509_free);
    X509_STORE_free(s->store);
    free(s);
}
