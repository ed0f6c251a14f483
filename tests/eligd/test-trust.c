/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of myna-eligd's certificate checks (tools/eligd/trust.h,
 * docs/eligibility-protocol.md §4 step 5, §8) against a PKI made
 * in-process (test-pki.c): the store's certificate key, chains over two
 * CA generations with one DN, validity, key usage, CRLs (revoked, stale,
 * missing, foreign), reload, the caches, concurrent checks during
 * reloads, and OCSP responders that are down or silent.  The OCSP
 * answers themselves are tested against a real `openssl ocsp` responder
 * in tests/eligd/trust.sh.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/x509.h>

#include "test-pki.h"
#include "trust-int.h"
#include "trust.h"

#define DAY 86400LL
#define KEY_GEN1 0
#define KEY_GEN2 1
#define KEY_OTHER 2
#define KEY_USER 3

static long long t0; /* "now" of the tests */

/* The fixture: two generations of one CA (same DN, different keys), a
 * foreign CA, and certificates of each kind. */
struct pki {
    X509 *gen1, *gen2, *other;
    X509 *good, *good2, *revoked, *expired, *future, *foreign;
    X509 *forged, *no_ku, *ku_noncrit, *ku_wrong;
    const char *ca_file; /* gen1 + gen2 */
};

static struct pki P;

static X509 *
issue(X509 *ca, int ca_key, unsigned char serial, long long nb, long long na,
      const char *ku)
{
    unsigned char s[2] = { 0x00, serial };

    return tpki_issue(ca, tpki_key(ca_key), tpki_key(KEY_USER), s, sizeof(s),
                      nb, na, ku);
}

static int
setup(void **state)
{
    const char *ku = "critical,digitalSignature";
    X509 *both[2];
    static char ca_file[4096];

    (void)state;
    t0 = (long long)time(NULL);
    P.gen1 = tpki_ca(tpki_key(KEY_GEN1), "JPKI-TEST", "auth", t0 - 400 * DAY,
                     t0 + 3000 * DAY);
    P.gen2 = tpki_ca(tpki_key(KEY_GEN2), "JPKI-TEST", "auth", t0 - 10 * DAY,
                     t0 + 3600 * DAY);
    P.other = tpki_ca(tpki_key(KEY_OTHER), "ELSEWHERE", "auth", t0 - 400 * DAY,
                      t0 + 3000 * DAY);
    P.good = issue(P.gen1, KEY_GEN1, 0x10, t0 - DAY, t0 + 100 * DAY, ku);
    P.good2 = issue(P.gen2, KEY_GEN2, 0x11, t0 - DAY, t0 + 50 * DAY, ku);
    P.revoked = issue(P.gen1, KEY_GEN1, 0x12, t0 - DAY, t0 + 100 * DAY, ku);
    P.expired = issue(P.gen1, KEY_GEN1, 0x13, t0 - 300 * DAY, t0 - DAY, ku);
    P.future = issue(P.gen1, KEY_GEN1, 0x14, t0 + DAY, t0 + 300 * DAY, ku);
    P.foreign = issue(P.other, KEY_OTHER, 0x15, t0 - DAY, t0 + 100 * DAY, ku);
    /* gen1's DN, someone else's key: must not chain. */
    P.forged = issue(P.gen1, KEY_OTHER, 0x16, t0 - 300 * DAY, t0 - DAY, ku);
    P.no_ku = issue(P.gen1, KEY_GEN1, 0x17, t0 - DAY, t0 + 100 * DAY, NULL);
    P.ku_noncrit = issue(P.gen1, KEY_GEN1, 0x18, t0 - DAY, t0 + 100 * DAY,
                         "digitalSignature");
    P.ku_wrong = issue(P.gen1, KEY_GEN1, 0x19, t0 - DAY, t0 + 100 * DAY,
                       "critical,keyEncipherment");
    both[0] = P.gen1;
    both[1] = P.gen2;
    snprintf(ca_file, sizeof(ca_file), "%s",
             tpki_write_certs("cas.pem", both, 2));
    P.ca_file = ca_file;
    return 0;
}

static int
teardown(void **state)
{
    X509 **all = (X509 **)&P;

    (void)state;
    for (size_t i = 0; i < offsetof(struct pki, ca_file) / sizeof(X509 *); i++)
        X509_free(all[i]);
    tpki_cleanup();
    return 0;
}

static struct elig_trust *
trust_with(const char *const *cas, size_t n_cas, const char *const *crls,
           size_t n_crls, const char *ocsp_url)
{
    struct elig_trust_config cfg = { 0 };

    cfg.ca_files = cas;
    cfg.n_ca_files = n_cas;
    cfg.crl_files = crls;
    cfg.n_crl_files = n_crls;
    cfg.ocsp_url = ocsp_url;
    cfg.ocsp_timeout_ms = 1000;
    return elig_trust_new(&cfg);
}

static enum elig_trust_rc
check_at(struct elig_trust *t, X509 *x, long long now)
{
    return elig_trust_check(t, x, now, NULL, NULL, 0, NULL, 0);
}

static void
copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    char buf[4096];
    size_t n;

    assert_non_null(in);
    assert_non_null(out);
    while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
        assert_int_equal(fwrite(buf, 1, n, out), n);
    fclose(in);
    assert_int_equal(fclose(out), 0);
}

/* ------------------------------------------------------------------ */

/* The store's names: RFC 2253 with escaped UTF-8, hex without leading
 * zeros (DER's 00 before a high bit and BN_bn2hex's whole bytes). */
static void
test_cert_key(void **state)
{
    static const unsigned char s_ab[] = { 0x00, 0xAB };
    static const unsigned char s_0a[] = { 0x0A };
    static const unsigned char s_100[] = { 0x01, 0x00 };
    static const unsigned char s_0[] = { 0x00 };
    X509 *ca =
        tpki_ca(tpki_key(KEY_GEN1), "地方公共団体", "auth", t0 - DAY, t0 + DAY);
    char issuer[256], serial[64];
    struct {
        const unsigned char *s;
        size_t len;
        const char *hex;
    } cases[] = {
        { s_ab, sizeof(s_ab), "AB" },
        { s_0a, sizeof(s_0a), "A" },
        { s_100, sizeof(s_100), "100" },
        { s_0, sizeof(s_0), "0" },
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        X509 *x =
            tpki_issue(ca, tpki_key(KEY_GEN1), tpki_key(KEY_USER), cases[i].s,
                       cases[i].len, t0 - DAY, t0 + DAY, NULL);

        assert_int_equal(
            elig_cert_key(x, issuer, sizeof(issuer), serial, sizeof(serial)),
            1);
        assert_string_equal(serial, cases[i].hex);
        assert_string_equal(issuer, "OU=auth,O=\\E5\\9C\\B0\\E6\\96\\B9\\E5"
                                    "\\85\\AC\\E5\\85\\B1\\E5\\9B\\A3\\E4"
                                    "\\BD\\93,C=JP");
        /* too small: refused, not cut */
        assert_int_equal(elig_cert_key(x, issuer, 10, serial, sizeof(serial)),
                         0);
        assert_int_equal(elig_cert_key(x, issuer, sizeof(issuer), serial,
                                       strlen(cases[i].hex)),
                         0);
        X509_free(x);
    }
    /* A negative serial (no JPKI certificate has one) is refused. */
    {
        X509 *x = tpki_issue(ca, tpki_key(KEY_GEN1), tpki_key(KEY_USER), s_0a,
                             sizeof(s_0a), t0 - DAY, t0 + DAY, NULL);
        ASN1_INTEGER *neg = ASN1_INTEGER_new();

        assert_true(ASN1_INTEGER_set(neg, -5));
        assert_true(X509_set_serialNumber(x, neg));
        assert_int_equal(
            elig_cert_key(x, issuer, sizeof(issuer), serial, sizeof(serial)),
            0);
        ASN1_INTEGER_free(neg);
        X509_free(x);
    }
    X509_free(ca);
}

static void
test_good_and_generations(void **state)
{
    const char *cas[] = { P.ca_file };
    const char *gen1_only[1];
    struct elig_trust *t = trust_with(cas, 1, NULL, 0, NULL);
    char issuer[256], serial[64], expect[64];
    long days = -1;

    (void)state;
    assert_non_null(t);
    assert_int_equal(elig_trust_check(t, P.good, t0, &days, issuer,
                                      sizeof(issuer), serial, sizeof(serial)),
                     ELIG_TRUST_OK);
    assert_int_equal(days, 100);
    assert_string_equal(issuer, "OU=auth,O=JPKI-TEST,C=JP");
    assert_string_equal(serial, "10");
    /* A day and a second before notAfter: 98 whole days left. */
    assert_int_equal(
        elig_trust_check(t, P.good, t0 + DAY + 1, &days, NULL, 0, NULL, 0),
        ELIG_TRUST_OK);
    assert_int_equal(days, 98);
    /* The second generation, same DN, chains to its own key. */
    assert_int_equal(elig_trust_check(t, P.good2, t0, &days, issuer,
                                      sizeof(issuer), serial, sizeof(serial)),
                     ELIG_TRUST_OK);
    assert_int_equal(days, 50);
    snprintf(expect, sizeof(expect), "11");
    assert_string_equal(serial, expect);
    elig_trust_free(t);

    /* Only the first generation configured: the second's cert is foreign. */
    gen1_only[0] = tpki_write_certs("gen1.pem", &P.gen1, 1);
    t = trust_with(gen1_only, 1, NULL, 0, NULL);
    assert_non_null(t);
    assert_int_equal(check_at(t, P.good, t0), ELIG_TRUST_OK);
    assert_int_equal(check_at(t, P.good2, t0), ELIG_TRUST_UNTRUSTED);
    elig_trust_free(t);
}

static void
test_validity(void **state)
{
    const char *cas[] = { P.ca_file };
    struct elig_trust *t = trust_with(cas, 1, NULL, 0, NULL);
    long long na;

    (void)state;
    assert_non_null(t);
    assert_int_equal(check_at(t, P.expired, t0), ELIG_TRUST_EXPIRED);
    assert_int_equal(check_at(t, P.future, t0), ELIG_TRUST_EXPIRED);
    /* The same certificates at a time inside their validity. */
    assert_int_equal(check_at(t, P.expired, t0 - 2 * DAY), ELIG_TRUST_OK);
    assert_int_equal(check_at(t, P.future, t0 + 2 * DAY), ELIG_TRUST_OK);
    /* A second before notAfter is valid, notAfter itself is not (as
     * OpenSSL's X509_cmp_time has it), and the cached chain is not
     * trusted past its window either. */
    assert_true(trust_time(X509_get0_notAfter(P.good), &na));
    assert_int_equal(check_at(t, P.good, na - 1), ELIG_TRUST_OK);
    assert_int_equal(check_at(t, P.good, na), ELIG_TRUST_EXPIRED);
    elig_trust_free(t);
}

/* Order of §4 step 5: a certificate that does not chain is UNTRUSTED,
 * expired or not. */
static void
test_untrusted(void **state)
{
    const char *cas[] = { P.ca_file };
    struct elig_trust *t = trust_with(cas, 1, NULL, 0, NULL);

    (void)state;
    assert_non_null(t);
    assert_int_equal(check_at(t, P.foreign, t0), ELIG_TRUST_UNTRUSTED);
    assert_int_equal(check_at(t, P.forged, t0), ELIG_TRUST_UNTRUSTED);
    assert_int_equal(check_at(t, P.forged, t0 - 2 * DAY), ELIG_TRUST_UNTRUSTED);
    /* A CA certificate is not a user certificate. */
    assert_int_equal(check_at(t, P.gen1, t0), ELIG_TRUST_UNTRUSTED);
    assert_int_equal(check_at(t, NULL, t0), ELIG_TRUST_UNTRUSTED);
    /* The CA itself past its end: nothing it issued chains. */
    assert_int_equal(check_at(t, P.good, t0 + 3001 * DAY),
                     ELIG_TRUST_UNTRUSTED);
    elig_trust_free(t);
}

static void
test_key_usage(void **state)
{
    const char *cas[] = { P.ca_file };
    struct elig_trust *t = trust_with(cas, 1, NULL, 0, NULL);

    (void)state;
    assert_non_null(t);
    assert_int_equal(check_at(t, P.no_ku, t0), ELIG_TRUST_WRONG_USAGE);
    assert_int_equal(check_at(t, P.ku_noncrit, t0), ELIG_TRUST_WRONG_USAGE);
    assert_int_equal(check_at(t, P.ku_wrong, t0), ELIG_TRUST_WRONG_USAGE);
    elig_trust_free(t);
}

static void
test_crl(void **state)
{
    const char *cas[] = { P.ca_file };
    X509_CRL *crl1 =
        tpki_crl(P.gen1, tpki_key(KEY_GEN1), t0 - DAY, t0 + DAY, &P.revoked, 1);
    X509_CRL *older = tpki_crl(P.gen1, tpki_key(KEY_GEN1), t0 - 3 * DAY,
                               t0 + 5 * DAY, NULL, 0);
    X509_CRL *no_next =
        tpki_crl(P.gen2, tpki_key(KEY_GEN2), t0 - DAY, -1, NULL, 0);
    X509_CRL *foreign =
        tpki_crl(P.other, tpki_key(KEY_OTHER), t0 - DAY, t0 + DAY, NULL, 0);
    /* gen1's DN, signed by gen2: binds to gen2, so gen1 has no CRL */
    X509_CRL *cross =
        tpki_crl(P.gen1, tpki_key(KEY_GEN2), t0 - DAY, t0 + DAY, &P.good, 1);
    static char f1[4096], fold[4096], fnext[4096], fforeign[4096], fcross[4096];
    const char *crls[3];
    struct elig_trust *t;

    (void)state;
    snprintf(f1, sizeof(f1), "%s", tpki_write_crl("gen1.crl", crl1));
    snprintf(fold, sizeof(fold), "%s", tpki_write_crl("old.crl", older));
    snprintf(fnext, sizeof(fnext), "%s", tpki_write_crl("next.crl", no_next));
    snprintf(fforeign, sizeof(fforeign), "%s",
             tpki_write_crl("foreign.crl", foreign));
    snprintf(fcross, sizeof(fcross), "%s", tpki_write_crl("cross.crl", cross));

    /* The newest CRL of gen1 wins over an older one, in either order. */
    crls[0] = fold;
    crls[1] = f1;
    t = trust_with(cas, 1, crls, 2, NULL);
    assert_non_null(t);
    assert_int_equal(check_at(t, P.revoked, t0), ELIG_TRUST_REVOKED);
    assert_int_equal(check_at(t, P.good, t0), ELIG_TRUST_OK);
    /* Past nextUpdate: fail closed, for everyone of that CA. */
    assert_int_equal(check_at(t, P.good, t0 + DAY), ELIG_TRUST_STATUS_UNKNOWN);
    assert_int_equal(check_at(t, P.revoked, t0 + 2 * DAY),
                     ELIG_TRUST_STATUS_UNKNOWN);
    /* gen2 has no CRL here. */
    assert_int_equal(check_at(t, P.good2, t0), ELIG_TRUST_STATUS_UNKNOWN);
    /* Chain and validity are still checked first. */
    assert_int_equal(check_at(t, P.expired, t0), ELIG_TRUST_EXPIRED);
    assert_int_equal(check_at(t, P.foreign, t0), ELIG_TRUST_UNTRUSTED);
    elig_trust_free(t);

    crls[0] = f1;
    crls[1] = fold;
    t = trust_with(cas, 1, crls, 2, NULL);
    assert_non_null(t);
    assert_int_equal(check_at(t, P.revoked, t0), ELIG_TRUST_REVOKED);
    elig_trust_free(t);

    /* A CRL without nextUpdate promises nothing. */
    crls[0] = fnext;
    t = trust_with(cas, 1, crls, 1, NULL);
    assert_non_null(t);
    assert_int_equal(check_at(t, P.good2, t0), ELIG_TRUST_STATUS_UNKNOWN);
    elig_trust_free(t);

    /* A CRL from a CA not configured: refused at load. */
    crls[0] = fforeign;
    assert_null(trust_with(cas, 1, crls, 1, NULL));

    /* gen1's name signed with gen2's key revokes nothing of gen1. */
    crls[0] = fcross;
    t = trust_with(cas, 1, crls, 1, NULL);
    assert_non_null(t);
    assert_int_equal(check_at(t, P.good, t0), ELIG_TRUST_STATUS_UNKNOWN);
    elig_trust_free(t);

    X509_CRL_free(crl1);
    X509_CRL_free(older);
    X509_CRL_free(no_next);
    X509_CRL_free(foreign);
    X509_CRL_free(cross);
}

static void
test_bad_config(void **state)
{
    static char ee_file[4096], missing[4096], garbage[4096];
    const char *cas[1];
    FILE *f;

    (void)state;
    cas[0] = P.ca_file;
    assert_null(trust_with(cas, 0, NULL, 0, NULL));
    snprintf(missing, sizeof(missing), "%s/missing.pem", tpki_dir());
    cas[0] = missing;
    assert_null(trust_with(cas, 1, NULL, 0, NULL));
    snprintf(ee_file, sizeof(ee_file), "%s",
             tpki_write_certs("ee.pem", &P.good, 1));
    cas[0] = ee_file; /* not a CA */
    assert_null(trust_with(cas, 1, NULL, 0, NULL));
    snprintf(garbage, sizeof(garbage), "%s/garbage.pem", tpki_dir());
    f = fopen(garbage, "w");
    assert_non_null(f);
    fputs("-----BEGIN CERTIFICATE-----\nnot base64\n", f);
    fclose(f);
    cas[0] = garbage;
    assert_null(trust_with(cas, 1, NULL, 0, NULL));
    cas[0] = P.ca_file;
    assert_null(trust_with(cas, 1, NULL, 0, "https://ocsp.example/"));
    assert_null(trust_with(cas, 1, NULL, 0, "not a url"));
    assert_null(elig_trust_new(NULL));
    assert_int_equal(elig_trust_reload(NULL), 0);
}

static void
test_reload(void **state)
{
    static char ca_path[4096], crl_path[4096];
    const char *cas[] = { ca_path }, *crls[] = { crl_path };
    X509_CRL *empty =
        tpki_crl(P.gen1, tpki_key(KEY_GEN1), t0 - DAY, t0 + DAY, NULL, 0);
    X509_CRL *listing = tpki_crl(P.gen1, tpki_key(KEY_GEN1), t0 - DAY / 2,
                                 t0 + DAY, &P.good, 1);
    X509_CRL *gen2_crl =
        tpki_crl(P.gen2, tpki_key(KEY_GEN2), t0 - DAY, t0 + DAY, NULL, 0);
    struct elig_trust_stats st;
    struct elig_trust *t;
    FILE *f;

    (void)state;
    snprintf(ca_path, sizeof(ca_path), "%s",
             tpki_write_certs("reload-ca.pem", &P.gen1, 1));
    snprintf(crl_path, sizeof(crl_path), "%s",
             tpki_write_crl("reload.crl", empty));
    t = trust_with(cas, 1, crls, 1, NULL);
    assert_non_null(t);
    assert_int_equal(check_at(t, P.good, t0), ELIG_TRUST_OK);
    assert_int_equal(check_at(t, P.good, t0), ELIG_TRUST_OK); /* cached */

    /* SIGHUP after the CRL file was replaced: revoked, cache or not. */
    tpki_write_crl("reload.crl", listing);
    assert_int_equal(elig_trust_reload(t), 1);
    assert_int_equal(check_at(t, P.good, t0), ELIG_TRUST_REVOKED);

    /* A broken file on reload: refused, the previous set stays. */
    f = fopen(crl_path, "w");
    assert_non_null(f);
    fputs("garbage\n", f);
    fclose(f);
    assert_int_equal(elig_trust_reload(t), 0);
    assert_int_equal(check_at(t, P.good, t0), ELIG_TRUST_REVOKED);
    assert_int_equal(check_at(t, P.revoked, t0), ELIG_TRUST_OK);

    /* A CA removed by a reload: its cached chains go with the old set. */
    tpki_write_crl("reload.crl", gen2_crl);
    copy_file(tpki_write_certs("gen2.pem", &P.gen2, 1), ca_path);
    assert_int_equal(elig_trust_reload(t), 1);
    assert_int_equal(check_at(t, P.revoked, t0), ELIG_TRUST_UNTRUSTED);
    elig_trust_get_stats(t, &st);
    assert_int_equal(st.reloads, 2);
    elig_trust_free(t);
    X509_CRL_free(empty);
    X509_CRL_free(listing);
    X509_CRL_free(gen2_crl);
}

/* The hot path: a certificate seen before is not verified again. */
static void
test_chain_cache(void **state)
{
    const char *cas[] = { P.ca_file };
    struct elig_trust *t = trust_with(cas, 1, NULL, 0, NULL);
    struct elig_trust_stats st;

    (void)state;
    assert_non_null(t);
    for (int i = 0; i < 10; i++)
        assert_int_equal(check_at(t, P.good, t0 + i), ELIG_TRUST_OK);
    /* failures are not cached: checked every time */
    for (int i = 0; i < 3; i++)
        assert_int_equal(check_at(t, P.no_ku, t0), ELIG_TRUST_WRONG_USAGE);
    elig_trust_get_stats(t, &st);
    assert_int_equal(st.chain_verified, 1 + 3);
    assert_int_equal(st.chain_cached, 9);
    /* Before the cached chain's window (the certificate's notBefore):
     * verified again, not answered from the cache. */
    assert_int_equal(check_at(t, P.good, t0 - 2 * DAY), ELIG_TRUST_EXPIRED);
    elig_trust_free(t);
}

static void
test_cache_bounds(void **state)
{
    struct trust_cache *c = trust_cache_new(4, sizeof(int));
    unsigned char key[TRUST_KEY_LEN];
    int v;

    (void)state;
    assert_non_null(c);
    for (int i = 0; i < 5; i++) {
        memset(key, i, sizeof(key));
        trust_cache_put(c, key, 100, &i);
    }
    memset(key, 0, sizeof(key)); /* the first in, evicted by the fifth */
    assert_int_equal(trust_cache_get(c, key, 0, &v), 0);
    for (int i = 1; i < 5; i++) {
        memset(key, i, sizeof(key));
        assert_int_equal(trust_cache_get(c, key, 99, &v), 1);
        assert_int_equal(v, i);
        assert_int_equal(trust_cache_get(c, key, 100, &v), 0); /* expired */
    }
    /* Replacing a key keeps one entry and the new value. */
    v = 42;
    memset(key, 4, sizeof(key));
    trust_cache_put(c, key, 200, &v);
    v = 0;
    assert_int_equal(trust_cache_get(c, key, 150, &v), 1);
    assert_int_equal(v, 42);
    memset(key, 1, sizeof(key)); /* still there: no slot was taken */
    assert_int_equal(trust_cache_get(c, key, 0, &v), 1);
    trust_cache_free(c);
    assert_null(trust_cache_new(0, 4));
}

static int holds, drops;

static void
count_hold(const void *value)
{
    (void)value;
    holds++;
}

static void
count_drop(const void *value)
{
    (void)value;
    drops++;
}

/* Values that own references: one taken per put and per hit, one given
 * back per eviction, replacement and at the end. */
static void
test_cache_owner(void **state)
{
    struct trust_cache *c = trust_cache_new(2, sizeof(int));
    unsigned char key[TRUST_KEY_LEN];
    int v = 7;

    (void)state;
    assert_non_null(c);
    trust_cache_set_owner(c, count_hold, count_drop);
    for (int i = 0; i < 3; i++) { /* the third evicts the first */
        memset(key, i, sizeof(key));
        trust_cache_put(c, key, 100, &v);
    }
    assert_int_equal(holds, 3);
    assert_int_equal(drops, 1);
    trust_cache_put(c, key, 100, &v); /* replaces: one dropped, one held */
    assert_int_equal(holds, 4);
    assert_int_equal(drops, 2);
    assert_int_equal(trust_cache_get(c, key, 0, &v), 1);
    assert_int_equal(holds, 5);                            /* the caller's */
    assert_int_equal(trust_cache_get(c, key, 100, &v), 0); /* expired */
    assert_int_equal(holds, 5);
    trust_cache_free(c);
    assert_int_equal(drops, 4); /* the two left */
}

static unsigned char *
der_of(X509 *x, int *len)
{
    unsigned char *der = NULL;

    *len = i2d_X509(x, &der);
    assert_true(*len > 0);
    return der;
}

/* The DER entry point: the x5c bytes as they come, the parse cached. */
static void
test_check_der(void **state)
{
    const char *cas[] = { P.ca_file };
    struct elig_trust *t = trust_with(cas, 1, NULL, 0, NULL);
    struct elig_trust_stats st;
    unsigned char *der, *longer;
    char issuer[256], serial[64];
    EVP_PKEY *key = NULL;
    long days = 0;
    int len;

    (void)state;
    assert_non_null(t);
    der = der_of(P.good, &len);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(elig_trust_check_der(t, der, (size_t)len, t0, &days,
                                              issuer, sizeof(issuer), serial,
                                              sizeof(serial), &key),
                         ELIG_TRUST_OK);
        assert_non_null(key);
        assert_int_equal(EVP_PKEY_eq(key, X509_get0_pubkey(P.good)), 1);
        EVP_PKEY_free(key);
        key = NULL;
    }
    assert_int_equal(days, 100);
    assert_string_equal(serial, "10");
    assert_string_equal(issuer, "OU=auth,O=JPKI-TEST,C=JP");
    /* the X509 entry point finds the same entry */
    assert_int_equal(check_at(t, P.good, t0), ELIG_TRUST_OK);
    elig_trust_get_stats(t, &st);
    assert_int_equal(st.chain_verified, 1);
    assert_int_equal(st.chain_cached, 3);
    /* and the other way round */
    assert_int_equal(check_at(t, P.good2, t0), ELIG_TRUST_OK);
    OPENSSL_free(der);
    der = der_of(P.good2, &len);
    assert_int_equal(elig_trust_check_der(t, der, (size_t)len, t0, NULL, NULL,
                                          0, NULL, 0, &key),
                     ELIG_TRUST_OK);
    assert_non_null(key);
    EVP_PKEY_free(key);
    elig_trust_get_stats(t, &st);
    assert_int_equal(st.chain_verified, 2);

    /* one certificate and a byte more: refused, key_out cleared */
    longer = OPENSSL_malloc((size_t)len + 1);
    assert_non_null(longer);
    memcpy(longer, der, (size_t)len);
    longer[len] = 0;
    key = (EVP_PKEY *)1;
    assert_int_equal(elig_trust_check_der(t, longer, (size_t)len + 1, t0, NULL,
                                          NULL, 0, NULL, 0, &key),
                     ELIG_TRUST_UNTRUSTED);
    assert_null(key);
    /* cut short, empty, none */
    assert_int_equal(elig_trust_check_der(t, der, (size_t)len - 1, t0, NULL,
                                          NULL, 0, NULL, 0, NULL),
                     ELIG_TRUST_UNTRUSTED);
    assert_int_equal(
        elig_trust_check_der(t, der, 0, t0, NULL, NULL, 0, NULL, 0, NULL),
        ELIG_TRUST_UNTRUSTED);
    assert_int_equal(
        elig_trust_check_der(t, NULL, 10, t0, NULL, NULL, 0, NULL, 0, NULL),
        ELIG_TRUST_UNTRUSTED);
    OPENSSL_free(longer);
    OPENSSL_free(der);
    /* verdicts other than OK: no key */
    der = der_of(P.expired, &len);
    key = (EVP_PKEY *)1;
    assert_int_equal(elig_trust_check_der(t, der, (size_t)len, t0, NULL, NULL,
                                          0, NULL, 0, &key),
                     ELIG_TRUST_EXPIRED);
    assert_null(key);
    OPENSSL_free(der);
    der = der_of(P.no_ku, &len);
    assert_int_equal(elig_trust_check_der(t, der, (size_t)len, t0, NULL, NULL,
                                          0, NULL, 0, NULL),
                     ELIG_TRUST_WRONG_USAGE);
    OPENSSL_free(der);
    elig_trust_free(t);
}

/* ------------------------------------------------------------------ */
/* Many workers, one struct elig_trust, reloads in between.           */

struct worker {
    struct elig_trust *t;
    const unsigned char *der; /* P.good2 as DER */
    size_t der_len;
    int bad;
};

static void *
worker(void *arg)
{
    struct worker *w = arg;
    char issuer[256], serial[64];
    long days;

    for (int i = 0; i < 300; i++) {
        if (elig_trust_check(w->t, P.good, t0, &days, issuer, sizeof(issuer),
                             serial, sizeof(serial)) != ELIG_TRUST_OK ||
            strcmp(serial, "10") != 0 || days != 100 ||
            check_at(w->t, P.revoked, t0) != ELIG_TRUST_REVOKED ||
            check_at(w->t, P.foreign, t0) != ELIG_TRUST_UNTRUSTED ||
            check_at(w->t, P.good2, t0) != ELIG_TRUST_OK)
            w->bad++;
        /* the DER path holds a reference to a cached certificate while
         * reloads drop the cache that holds it */
        EVP_PKEY *key = NULL;

        if (elig_trust_check_der(w->t, w->der, w->der_len, t0, NULL, NULL, 0,
                                 NULL, 0, &key) != ELIG_TRUST_OK ||
            EVP_PKEY_eq(key, X509_get0_pubkey(P.good2)) != 1)
            w->bad++;
        EVP_PKEY_free(key);
    }
    return NULL;
}

static void
test_threads(void **state)
{
    static char crl1[4096], crl2[4096];
    const char *cas[] = { P.ca_file }, *crls[] = { crl1, crl2 };
    X509_CRL *c1 =
        tpki_crl(P.gen1, tpki_key(KEY_GEN1), t0 - DAY, t0 + DAY, &P.revoked, 1);
    X509_CRL *c2 =
        tpki_crl(P.gen2, tpki_key(KEY_GEN2), t0 - DAY, t0 + DAY, NULL, 0);
    struct worker w[8];
    pthread_t th[8];
    struct elig_trust *t;
    unsigned char *der;
    int der_len;

    (void)state;
    snprintf(crl1, sizeof(crl1), "%s", tpki_write_crl("t1.crl", c1));
    snprintf(crl2, sizeof(crl2), "%s", tpki_write_crl("t2.crl", c2));
    t = trust_with(cas, 1, crls, 2, NULL);
    assert_non_null(t);
    der = der_of(P.good2, &der_len);
    for (int i = 0; i < 8; i++) {
        w[i].t = t;
        w[i].der = der;
        w[i].der_len = (size_t)der_len;
        w[i].bad = 0;
        assert_int_equal(pthread_create(&th[i], NULL, worker, &w[i]), 0);
    }
    for (int i = 0; i < 20; i++)
        assert_int_equal(elig_trust_reload(t), 1);
    for (int i = 0; i < 8; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(w[i].bad, 0);
    }
    elig_trust_free(t);
    OPENSSL_free(der);
    X509_CRL_free(c1);
    X509_CRL_free(c2);
}

/* ------------------------------------------------------------------ */
/* OCSP responders that do not answer: fail closed, within the timeout. */

static int
listener(int backlog, unsigned short *port)
{
    struct sockaddr_in a;
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    assert_true(fd >= 0);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    if (backlog > 0)
        assert_int_equal(listen(fd, backlog), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

static void
test_ocsp_down(void **state)
{
    const char *cas[] = { P.ca_file };
    struct elig_trust_stats st;
    struct elig_trust *t;
    unsigned short port;
    char url[64];
    struct timespec a, b;
    int fd;

    (void)state;
    /* Bound but not listening: connection refused at once. */
    fd = listener(0, &port);
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/", port);
    t = trust_with(cas, 1, NULL, 0, url);
    assert_non_null(t);
    assert_int_equal(check_at(t, P.good, t0), ELIG_TRUST_STATUS_UNKNOWN);
    /* Not cached: asked again (and still down). */
    assert_int_equal(check_at(t, P.good, t0), ELIG_TRUST_STATUS_UNKNOWN);
    elig_trust_get_stats(t, &st);
    assert_int_equal(st.ocsp_queried, 2);
    assert_int_equal(st.ocsp_cached, 0);
    /* Chain problems come before OCSP: no query for those. */
    assert_int_equal(check_at(t, P.foreign, t0), ELIG_TRUST_UNTRUSTED);
    elig_trust_get_stats(t, &st);
    assert_int_equal(st.ocsp_queried, 2);
    elig_trust_free(t);
    close(fd);

    /* Listening, never answering: the timeout (1 s) ends it. */
    fd = listener(4, &port);
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/ocsp", port);
    t = trust_with(cas, 1, NULL, 0, url);
    assert_non_null(t);
    clock_gettime(CLOCK_MONOTONIC, &a);
    assert_int_equal(check_at(t, P.good, t0), ELIG_TRUST_STATUS_UNKNOWN);
    clock_gettime(CLOCK_MONOTONIC, &b);
    assert_true(b.tv_sec - a.tv_sec <= 3);
    elig_trust_free(t);
    close(fd);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cert_key),
        cmocka_unit_test(test_good_and_generations),
        cmocka_unit_test(test_validity),
        cmocka_unit_test(test_untrusted),
        cmocka_unit_test(test_key_usage),
        cmocka_unit_test(test_crl),
        cmocka_unit_test(test_bad_config),
        cmocka_unit_test(test_reload),
        cmocka_unit_test(test_chain_cache),
        cmocka_unit_test(test_cache_bounds),
        cmocka_unit_test(test_cache_owner),
        cmocka_unit_test(test_check_der),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_ocsp_down),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
