/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The certificate's chain, validity and key usage (docs/eligibility-
 * protocol.md §4 step 5).  The chain is built from the configured JPKI
 * auth CAs only (x5c carries the one certificate, §4), at the caller's
 * time (X509_VERIFY_PARAM_set_time), with every configured CA a trust
 * anchor (X509_V_FLAG_PARTIAL_CHAIN), so that an intermediate may be
 * configured as well as a root.
 *
 * A certificate outside its validity is EXPIRED only when it otherwise
 * chains: the verify callback lets the end entity's time errors pass and
 * notes them, so that an expired certificate with a forged signature or
 * from a foreign CA is still UNTRUSTED (the order of §4 step 5).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdint.h>

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "trust-int.h"

struct verify_notes {
    int ee_time; /* the end entity is outside its validity */
};

static int
verify_cb(int ok, X509_STORE_CTX *ctx)
{
    struct verify_notes *notes;
    int err = X509_STORE_CTX_get_error(ctx);

    if (ok)
        return 1;
    if (X509_STORE_CTX_get_error_depth(ctx) == 0 &&
        (err == X509_V_ERR_CERT_HAS_EXPIRED ||
         err == X509_V_ERR_CERT_NOT_YET_VALID)) {
        notes = X509_STORE_CTX_get_app_data(ctx);
        notes->ee_time = 1;
        return 1; /* go on: does it chain, otherwise? */
    }
    return 0;
}

/* RFC 5280 §4.2.1.3; the JPKI auth profile marks it critical with
 * digitalSignature alone (card-protocol.md §12.3). */
int
trust_chain_usage_ok(X509 *cert)
{
    int idx = X509_get_ext_by_NID(cert, NID_key_usage, -1);
    X509_EXTENSION *ext = idx >= 0 ? X509_get_ext(cert, idx) : NULL;

    return ext != NULL && X509_EXTENSION_get_critical(ext) &&
           (X509_get_key_usage(cert) & KU_DIGITAL_SIGNATURE) != 0;
}

/* The whole chain's validity window and the end entity's notAfter. */
static int
chain_window(STACK_OF(X509) * chain, struct trust_chain *out)
{
    long long from, to;

    out->valid_from = INT64_MIN;
    out->valid_to = INT64_MAX;
    for (int i = 0; i < sk_X509_num(chain); i++) {
        X509 *x = sk_X509_value(chain, i);

        if (!trust_time(X509_get0_notBefore(x), &from) ||
            !trust_time(X509_get0_notAfter(x), &to))
            return 0;
        if (i == 0)
            out->not_after = to;
        if (from > out->valid_from)
            out->valid_from = from;
        if (to < out->valid_to)
            out->valid_to = to;
    }
    return 1;
}

/* The configured CA object that issued the end entity: the set's own
 * pointer (trust_crl_check and OCSP look CAs up by it). */
static X509 *
set_ca(const struct trust_set *s, X509 *issuer)
{
    for (int i = 0; i < sk_X509_num(s->cas); i++)
        if (X509_cmp(sk_X509_value(s->cas, i), issuer) == 0)
            return sk_X509_value(s->cas, i);
    return NULL;
}

enum elig_trust_rc
trust_chain_verify(const struct trust_set *s, X509 *cert, long long now,
                   struct trust_chain *out)
{
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    struct verify_notes notes = { 0 };
    enum elig_trust_rc rc = ELIG_TRUST_ERROR;
    STACK_OF(X509) * chain;
    X509_VERIFY_PARAM *param;

    if (ctx == NULL || !X509_STORE_CTX_init(ctx, s->store, cert, NULL))
        goto out;
    param = X509_STORE_CTX_get0_param(ctx);
    X509_VERIFY_PARAM_set_time(param, (time_t)now);
    X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
    X509_STORE_CTX_set_app_data(ctx, &notes);
    X509_STORE_CTX_set_verify_cb(ctx, verify_cb);
    if (X509_verify_cert(ctx) <= 0) {
        rc = ELIG_TRUST_UNTRUSTED;
        goto out;
    }
    chain = X509_STORE_CTX_get0_chain(ctx);
    if (sk_X509_num(chain) < 2 || !chain_window(chain, out) ||
        (out->ca = set_ca(s, sk_X509_value(chain, 1))) == NULL) {
        rc = ELIG_TRUST_UNTRUSTED;
        goto out;
    }
    if (notes.ee_time)
        rc = ELIG_TRUST_EXPIRED;
    else if (!trust_chain_usage_ok(cert))
        rc = ELIG_TRUST_WRONG_USAGE;
    else
        rc = ELIG_TRUST_OK;
out:
    X509_STORE_CTX_free(ctx);
    ERR_clear_error();
    return rc;
}
