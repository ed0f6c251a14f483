/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * trust-check: elig_trust_check (tools/eligd/trust.h) from the command
 * line, for tests/eligd/trust.sh and the end-to-end tests that make a PKI
 * with tests/eligd/pki.sh.
 *
 *   trust-check --ca FILE [--ca FILE...] [--crl FILE...] [--ocsp-url URL]
 *               [--responder FILE] [--timeout-ms N] [--time UNIX]
 *               [--repeat N] [--stats] [--der] CERT...
 *
 * One line per certificate (PEM or DER) and repetition:
 *   <verdict> [days=N serial=<HEX> issuer=<RFC 2253, rest of the line>]
 * where verdict is elig_trust_rc_name's; --stats adds the counters;
 * --der goes through elig_trust_check_der (the x5c path) and checks that
 * the key it returns is the certificate's.
 * Exit status: 0 when it ran (whatever the verdicts), 1 when it could not
 * load its configuration or a certificate, 2 on a usage error.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "trust.h"

#define MAX_FILES 16

static X509 *
read_cert(const char *path)
{
    BIO *bio = BIO_new_file(path, "rb");
    X509 *x = NULL;

    if (bio == NULL)
        return NULL;
    x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    if (x == NULL && BIO_reset(bio) == 0)
        x = d2i_X509_bio(bio, NULL);
    BIO_free(bio);
    ERR_clear_error();
    return x;
}

/* elig_trust_check_der on the certificate's DER; an OK whose key is not
 * the certificate's would be a bug: reported as "error". */
static enum elig_trust_rc
check_der(struct elig_trust *t, X509 *x, long long now, long *days,
          char *issuer, size_t issuer_size, char *serial, size_t serial_size)
{
    unsigned char *der = NULL;
    int len = i2d_X509(x, &der);
    EVP_PKEY *key = NULL;
    enum elig_trust_rc rc = ELIG_TRUST_ERROR;

    if (len > 0)
        rc = elig_trust_check_der(t, der, (size_t)len, now, days, issuer,
                                  issuer_size, serial, serial_size, &key);
    if (rc == ELIG_TRUST_OK && EVP_PKEY_eq(key, X509_get0_pubkey(x)) != 1)
        rc = ELIG_TRUST_ERROR;
    EVP_PKEY_free(key);
    OPENSSL_free(der);
    return rc;
}

static int
usage(void)
{
    fputs("usage: trust-check --ca FILE... [--crl FILE...] [--ocsp-url URL]\n"
          "       [--responder FILE] [--timeout-ms N] [--time UNIX]\n"
          "       [--repeat N] [--stats] [--der] CERT...\n",
          stderr);
    return 2;
}

static int
number(const char *s, long long *out)
{
    char *end;

    *out = strtoll(s, &end, 10);
    return *s != '\0' && *end == '\0';
}

int
main(int argc, char **argv)
{
    const char *cas[MAX_FILES], *crls[MAX_FILES];
    struct elig_trust_config cfg = { 0 };
    struct elig_trust_stats st;
    struct elig_trust *t;
    long long now = (long long)time(NULL), repeat = 1, v;
    int i, stats = 0, der_mode = 0, rc = 0;

    cfg.ca_files = cas;
    cfg.crl_files = crls;
    for (i = 1; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

        if (strcmp(opt, "--stats") == 0) {
            stats = 1;
            continue;
        }
        if (strcmp(opt, "--der") == 0) {
            der_mode = 1;
            continue;
        }
        if (val == NULL)
            return usage();
        i++;
        if (strcmp(opt, "--ca") == 0 && cfg.n_ca_files < MAX_FILES)
            cas[cfg.n_ca_files++] = val;
        else if (strcmp(opt, "--crl") == 0 && cfg.n_crl_files < MAX_FILES)
            crls[cfg.n_crl_files++] = val;
        else if (strcmp(opt, "--ocsp-url") == 0)
            cfg.ocsp_url = val;
        else if (strcmp(opt, "--responder") == 0)
            cfg.ocsp_responder_ca = val;
        else if (strcmp(opt, "--timeout-ms") == 0 && number(val, &v))
            cfg.ocsp_timeout_ms = (long)v;
        else if (strcmp(opt, "--time") == 0 && number(val, &v))
            now = v;
        else if (strcmp(opt, "--repeat") == 0 && number(val, &v) && v > 0)
            repeat = v;
        else
            return usage();
    }
    if (i >= argc)
        return usage();
    t = elig_trust_new(&cfg);
    if (t == NULL)
        return 1;
    for (; i < argc; i++) {
        X509 *x = read_cert(argv[i]);

        if (x == NULL) {
            fprintf(stderr, "trust-check: cannot read %s\n", argv[i]);
            rc = 1;
            continue;
        }
        for (long long r = 0; r < repeat; r++) {
            char issuer[1024], serial[128];
            long days = 0;
            enum elig_trust_rc verdict =
                der_mode
                    ? check_der(t, x, now, &days, issuer, sizeof(issuer),
                                serial, sizeof(serial))
                    : elig_trust_check(t, x, now, &days, issuer, sizeof(issuer),
                                       serial, sizeof(serial));

            if (verdict == ELIG_TRUST_OK)
                printf("ok days=%ld serial=%s issuer=%s\n", days, serial,
                       issuer);
            else
                printf("%s\n", elig_trust_rc_name(verdict));
        }
        X509_free(x);
    }
    if (stats) {
        elig_trust_get_stats(t, &st);
        printf("stats chain_verified=%lu chain_cached=%lu ocsp_queried=%lu "
               "ocsp_cached=%lu\n",
               st.chain_verified, st.chain_cached, st.ocsp_queried,
               st.ocsp_cached);
    }
    elig_trust_free(t);
    return rc;
}
