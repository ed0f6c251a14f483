/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * TEMPORARY, branch eligd only: a stand-in for trust.c (written by the
 * trust helper on branch trust) so that the service can be tested before
 * that lands.  Chain to the configured CAs, validity at `now`, critical
 * digitalSignature; NO revocation checking.  Deleted before delivery.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "certid.h"
#include "trust.h"

struct elig_trust {
    STACK_OF(X509) * cas;
};

struct elig_trust *
elig_trust_new(const struct elig_trust_config *cfg)
{
    struct elig_trust *t = calloc(1, sizeof(*t));
    size_t i;
    FILE *f;
    X509 *x;

    if (t == NULL || (t->cas = sk_X509_new_null()) == NULL)
        goto fail;
    for (i = 0; i < cfg->n_ca_files; i++) {
        f = fopen(cfg->ca_files[i], "r");
        if (f == NULL) {
            fprintf(stderr, "myna-eligd: cannot read %s\n", cfg->ca_files[i]);
            goto fail;
        }
        while ((x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL)
            sk_X509_push(t->cas, x);
        fclose(f);
    }
    return t;
fail:
    elig_trust_free(t);
    return NULL;
}

int
elig_trust_reload(struct elig_trust *t)
{
    (void)t;
    return 1;
}

void
elig_trust_free(struct elig_trust *t)
{
    if (t == NULL)
        return;
    sk_X509_pop_free(t->cas, X509_free);
    free(t);
}

enum elig_trust_rc
elig_trust_check(struct elig_trust *t, X509 *cert, long long now,
                 long *days_left, char *issuer, size_t issuer_size,
                 char *serial_hex, size_t serial_size)
{
    X509_STORE *store = X509_STORE_new();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    ASN1_TIME *at = NULL;
    enum elig_trust_rc rc = ELIG_TRUST_ERROR;
    int i, days = 0, secs = 0, err, crit = 0;
    ASN1_BIT_STRING *ku;

    if (store == NULL || ctx == NULL)
        goto out;
    for (i = 0; i < sk_X509_num(t->cas); i++)
        X509_STORE_add_cert(store, sk_X509_value(t->cas, i));
    if (!X509_STORE_CTX_init(ctx, store, cert, NULL))
        goto out;
    X509_STORE_CTX_set_time(ctx, 0, (time_t)now);
    if (X509_verify_cert(ctx) != 1) {
        err = X509_STORE_CTX_get_error(ctx);
        rc = err == X509_V_ERR_CERT_HAS_EXPIRED ||
                     err == X509_V_ERR_CERT_NOT_YET_VALID
                 ? ELIG_TRUST_EXPIRED
                 : ELIG_TRUST_UNTRUSTED;
        goto out;
    }
    ku = X509_get_ext_d2i(cert, NID_key_usage, &crit, NULL);
    if (ku == NULL || crit != 1 || !ASN1_BIT_STRING_get_bit(ku, 0)) {
        ASN1_BIT_STRING_free(ku);
        rc = ELIG_TRUST_WRONG_USAGE;
        goto out;
    }
    ASN1_BIT_STRING_free(ku);
    at = ASN1_TIME_set(NULL, (time_t)now);
    if (at == NULL ||
        !ASN1_TIME_diff(&days, &secs, at, X509_get0_notAfter(cert)))
        goto out;
    *days_left = days;
    if (issuer != NULL &&
        !eligd_cert_id(cert, issuer, issuer_size, serial_hex, serial_size))
        goto out;
    rc = ELIG_TRUST_OK;
out:
    ASN1_TIME_free(at);
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    return rc;
}
