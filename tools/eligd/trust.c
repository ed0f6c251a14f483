/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The certificate checks of docs/eligibility-protocol.md §4 step 5 and §8
 * (trust.h), put together from trust-chain.c, trust-crl.c and
 * trust-ocsp.c, with the caches that keep them off the hot path: a
 * certificate seen before costs a SHA-256 and two cache look-ups.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/http.h>
#include <openssl/x509.h>

#include "trust-int.h"

#define OCSP_CACHE_SIZE 65536 /* certificates; bounded, FIFO */
#define MAX_CERT_DER 16384    /* a JPKI certificate is ~1.3 KB */
#define DAY 86400LL

struct elig_trust {
    /* The configuration, copied: reload reads the same files again. */
    char **ca_files, **crl_files;
    size_t n_ca_files, n_crl_files;
    char *ocsp_url, *ocsp_responder_ca;
    long ocsp_timeout_ms;

    pthread_mutex_t lock; /* guards cur: taken, referenced, released */
    struct trust_set *cur;
    struct trust_cache *ocsp; /* struct ocsp_entry by certificate */

    atomic_ulong chain_verified, chain_cached, ocsp_queried, ocsp_cached,
        reloads;
};

struct ocsp_entry {
    enum elig_trust_rc rc;
};

static const char *const rc_names[] = {
    [ELIG_TRUST_OK] = "ok",
    [ELIG_TRUST_UNTRUSTED] = "untrusted",
    [ELIG_TRUST_EXPIRED] = "expired",
    [ELIG_TRUST_REVOKED] = "revoked",
    [ELIG_TRUST_STATUS_UNKNOWN] = "status-unknown",
    [ELIG_TRUST_WRONG_USAGE] = "wrong-usage",
    [ELIG_TRUST_ERROR] = "error",
};

const char *
elig_trust_rc_name(enum elig_trust_rc rc)
{
    if ((unsigned)rc < sizeof(rc_names) / sizeof(rc_names[0]))
        return rc_names[rc];
    return "invalid";
}

static void
free_strings(char **v, size_t n)
{
    for (size_t i = 0; v != NULL && i < n; i++)
        free(v[i]);
    free(v);
}

static char **
copy_strings(const char *const *v, size_t n)
{
    char **out = calloc(n + 1, sizeof(*out));

    for (size_t i = 0; out != NULL && i < n; i++) {
        if (v[i] == NULL || (out[i] = strdup(v[i])) == NULL) {
            free_strings(out, i);
            return NULL;
        }
    }
    return out;
}

/* The configuration as elig_trust_config, pointing into t. */
static void
config_of(const struct elig_trust *t, struct elig_trust_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->ca_files = (const char *const *)t->ca_files;
    cfg->n_ca_files = t->n_ca_files;
    cfg->crl_files = (const char *const *)t->crl_files;
    cfg->n_crl_files = t->n_crl_files;
    cfg->ocsp_url = t->ocsp_url;
    cfg->ocsp_responder_ca = t->ocsp_responder_ca;
    cfg->ocsp_timeout_ms = t->ocsp_timeout_ms;
}

/* Only http:// (trust-ocsp.c): say so at start-up, not per request. */
static int
ocsp_url_ok(const char *url)
{
    int use_ssl = 0, ok;

    ok = strncmp(url, "http://", 7) == 0 &&
         OSSL_HTTP_parse_url(url, &use_ssl, NULL, NULL, NULL, NULL, NULL, NULL,
                             NULL) &&
         !use_ssl;
    ERR_clear_error();
    if (!ok)
        fprintf(stderr, "myna-eligd: --ocsp-url %s: not an http:// URL\n", url);
    return ok;
}

struct elig_trust *
elig_trust_new(const struct elig_trust_config *cfg)
{
    struct elig_trust *t;
    struct elig_trust_config own;

    if (cfg == NULL || (cfg->ocsp_url != NULL && !ocsp_url_ok(cfg->ocsp_url)))
        return NULL;
    t = calloc(1, sizeof(*t));
    if (t == NULL)
        return NULL;
    t->n_ca_files = cfg->n_ca_files;
    t->n_crl_files = cfg->n_crl_files;
    t->ocsp_timeout_ms = cfg->ocsp_timeout_ms > 0 ? cfg->ocsp_timeout_ms : 3000;
    t->ca_files = copy_strings(cfg->ca_files, cfg->n_ca_files);
    t->crl_files = copy_strings(cfg->crl_files, cfg->n_crl_files);
    if (cfg->ocsp_url != NULL)
        t->ocsp_url = strdup(cfg->ocsp_url);
    if (cfg->ocsp_responder_ca != NULL)
        t->ocsp_responder_ca = strdup(cfg->ocsp_responder_ca);
    t->ocsp = trust_cache_new(OCSP_CACHE_SIZE, sizeof(struct ocsp_entry));
    if (t->ca_files == NULL || t->crl_files == NULL || t->ocsp == NULL ||
        (cfg->ocsp_url != NULL && t->ocsp_url == NULL) ||
        (cfg->ocsp_responder_ca != NULL && t->ocsp_responder_ca == NULL) ||
        pthread_mutex_init(&t->lock, NULL) != 0) {
        fprintf(stderr, "myna-eligd: out of memory\n");
        trust_cache_free(t->ocsp);
        free_strings(t->ca_files, t->n_ca_files);
        free_strings(t->crl_files, t->n_crl_files);
        free(t->ocsp_url);
        free(t->ocsp_responder_ca);
        free(t);
        return NULL;
    }
    config_of(t, &own);
    t->cur = trust_set_load(&own);
    if (t->cur == NULL) {
        elig_trust_free(t);
        return NULL;
    }
    if (t->n_crl_files == 0 && t->ocsp_url == NULL)
        fputs("myna-eligd: warning: no CRL and no OCSP responder "
              "configured: certificates are not checked for revocation\n",
              stderr);
    return t;
}

int
elig_trust_reload(struct elig_trust *t)
{
    struct elig_trust_config cfg;
    struct trust_set *fresh, *old;

    if (t == NULL)
        return 0;
    config_of(t, &cfg);
    fresh = trust_set_load(&cfg);
    if (fresh == NULL) {
        fputs("myna-eligd: reload failed: keeping the previous CA and CRL "
              "set\n",
              stderr);
        return 0;
    }
    pthread_mutex_lock(&t->lock);
    old = t->cur;
    t->cur = fresh;
    pthread_mutex_unlock(&t->lock);
    trust_set_unref(old); /* freed when the last check using it ends */
    atomic_fetch_add(&t->reloads, 1);
    return 1;
}

void
elig_trust_free(struct elig_trust *t)
{
    if (t == NULL)
        return;
    trust_set_unref(t->cur);
    trust_cache_free(t->ocsp);
    pthread_mutex_destroy(&t->lock);
    free_strings(t->ca_files, t->n_ca_files);
    free_strings(t->crl_files, t->n_crl_files);
    free(t->ocsp_url);
    free(t->ocsp_responder_ca);
    free(t);
}

static struct trust_set *
current_set(struct elig_trust *t)
{
    struct trust_set *s;

    pthread_mutex_lock(&t->lock);
    s = trust_set_ref(t->cur);
    pthread_mutex_unlock(&t->lock);
    return s;
}

/* The whole of der, one certificate, or NULL (trailing bytes included:
 * x5c carries exactly one certificate, §4). */
static X509 *
parse(const unsigned char *der, size_t der_len)
{
    const unsigned char *p = der;
    X509 *x;

    if (der == NULL || der_len == 0 || der_len > MAX_CERT_DER)
        return NULL;
    x = d2i_X509(NULL, &p, (long)der_len);
    if (x != NULL && p != der + der_len) {
        X509_free(x);
        x = NULL;
    }
    ERR_clear_error();
    return x;
}

/*
 * A cached chain still holds at now if now is inside the whole chain's
 * validity window, notBefore <= now < notAfter (RFC 5280 §6.1.3 (a)(2),
 * with notAfter itself already out, as OpenSSL's X509_cmp_time has it);
 * otherwise it is verified again and gets its precise verdict.  The cache
 * also keeps the parsed certificate, so that a certificate seen before
 * as DER is not decoded again (d2i_X509 costs OpenSSL 3.0 several RSA
 * verifications).  ch->cert is a reference the caller frees, whatever the
 * verdict.
 */
static enum elig_trust_rc
chain(struct elig_trust *t, struct trust_set *s, const unsigned char *key,
      X509 *given, const unsigned char *der, size_t der_len, long long now,
      struct trust_chain *ch)
{
    enum elig_trust_rc rc;
    X509 *cert;

    if (trust_cache_get(s->chains, key, now, ch)) {
        if (now >= ch->valid_from) {
            atomic_fetch_add(&t->chain_cached, 1);
            return ELIG_TRUST_OK;
        }
        X509_free(ch->cert);
    }
    ch->cert = NULL;
    if (given != NULL && X509_up_ref(given))
        cert = given;
    else if (given != NULL || (cert = parse(der, der_len)) == NULL)
        return ELIG_TRUST_UNTRUSTED;
    atomic_fetch_add(&t->chain_verified, 1);
    rc = trust_chain_verify(s, cert, now, ch);
    ch->cert = cert;
    if (rc == ELIG_TRUST_OK)
        trust_cache_put(s->chains, key, ch->valid_to, ch);
    return rc;
}

static enum elig_trust_rc
ocsp(struct elig_trust *t, const struct trust_set *s, const unsigned char *key,
     X509 *cert, X509 *ca, long long now)
{
    struct ocsp_entry e;
    struct trust_ocsp_answer ans;

    if (trust_cache_get(t->ocsp, key, now, &e)) {
        atomic_fetch_add(&t->ocsp_cached, 1);
        return e.rc;
    }
    atomic_fetch_add(&t->ocsp_queried, 1);
    ans = trust_ocsp_query(s, t->ocsp_url, t->ocsp_timeout_ms, cert, ca, now);
    if (ans.cache_until > now) {
        e.rc = ans.rc;
        trust_cache_put(t->ocsp, key, ans.cache_until, &e);
    }
    return ans.rc;
}

/* What both entry points share, once the certificate's key is known. */
static enum elig_trust_rc
check(struct elig_trust *t, const unsigned char *key, X509 *given,
      const unsigned char *der, size_t der_len, long long now, long *days_left,
      char *issuer, size_t issuer_size, char *serial_hex, size_t serial_size,
      EVP_PKEY **key_out)
{
    struct trust_set *s = current_set(t);
    struct trust_chain ch;
    enum elig_trust_rc rc;

    rc = chain(t, s, key, given, der, der_len, now, &ch);
    if (rc != ELIG_TRUST_OK)
        goto out;
    /* §8: every configured source must vouch; the CRL first, it is local. */
    if (t->n_crl_files > 0 &&
        (rc = trust_crl_check(s, ch.cert, ch.ca, now)) != ELIG_TRUST_OK)
        goto out;
    if (t->ocsp_url != NULL &&
        (rc = ocsp(t, s, key, ch.cert, ch.ca, now)) != ELIG_TRUST_OK)
        goto out;
    if (days_left != NULL)
        *days_left = (long)((ch.not_after - now) / DAY);
    if (issuer != NULL && serial_hex != NULL &&
        !elig_cert_key(ch.cert, issuer, issuer_size, serial_hex, serial_size)) {
        rc = ELIG_TRUST_ERROR;
        goto out;
    }
    if (key_out != NULL && (*key_out = X509_get_pubkey(ch.cert)) == NULL)
        rc = ELIG_TRUST_ERROR;
out:
    X509_free(ch.cert);
    trust_set_unref(s);
    ERR_clear_error();
    return rc;
}

enum elig_trust_rc
elig_trust_check(struct elig_trust *t, X509 *cert, long long now,
                 long *days_left, char *issuer, size_t issuer_size,
                 char *serial_hex, size_t serial_size)
{
    unsigned char key[EVP_MAX_MD_SIZE];
    unsigned int key_len = 0;

    if (t == NULL)
        return ELIG_TRUST_ERROR;
    if (cert == NULL)
        return ELIG_TRUST_UNTRUSTED;
    if (!X509_digest(cert, EVP_sha256(), key, &key_len) ||
        key_len != TRUST_KEY_LEN) {
        ERR_clear_error();
        return ELIG_TRUST_UNTRUSTED;
    }
    return check(t, key, cert, NULL, 0, now, days_left, issuer, issuer_size,
                 serial_hex, serial_size, NULL);
}

enum elig_trust_rc
elig_trust_check_der(struct elig_trust *t, const unsigned char *der,
                     size_t der_len, long long now, long *days_left,
                     char *issuer, size_t issuer_size, char *serial_hex,
                     size_t serial_size, EVP_PKEY **key_out)
{
    unsigned char key[EVP_MAX_MD_SIZE];
    unsigned int key_len = 0;

    if (key_out != NULL)
        *key_out = NULL;
    if (t == NULL)
        return ELIG_TRUST_ERROR;
    /* The SHA-256 of the DER is the SHA-256 X509_digest computes: the
     * same cache entry whichever entry point saw the certificate. */
    if (der == NULL || der_len == 0 || der_len > MAX_CERT_DER ||
        !EVP_Digest(der, der_len, key, &key_len, EVP_sha256(), NULL) ||
        key_len != TRUST_KEY_LEN) {
        ERR_clear_error();
        return ELIG_TRUST_UNTRUSTED;
    }
    return check(t, key, NULL, der, der_len, now, days_left, issuer,
                 issuer_size, serial_hex, serial_size, key_out);
}

void
elig_trust_get_stats(struct elig_trust *t, struct elig_trust_stats *out)
{
    out->chain_verified = atomic_load(&t->chain_verified);
    out->chain_cached = atomic_load(&t->chain_cached);
    out->ocsp_queried = atomic_load(&t->ocsp_queried);
    out->ocsp_cached = atomic_load(&t->ocsp_cached);
    out->reloads = atomic_load(&t->reloads);
}
