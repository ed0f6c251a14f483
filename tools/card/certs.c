/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * myna-card certs: the certificates the card gives without a PIN (the
 * user-authentication certificate EF 000A, its CA EF 000B and the sign CA
 * EF 0002, card-protocol.md §3.1, §12): subject, issuer, serial,
 * validity, days left, the CA generation, whether the certificate chains
 * to the CA on the card; or PEM (--pem).  The sign certificate carries
 * name and address and needs the password: not shown here.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "cmd.h"
#include "session.h"

struct which {
    const char *name;
    uint16_t fid;
};

static const struct which certs[] = {
    { "auth", MYNA_EF_AUTH_CERT },
    { "auth-ca", MYNA_EF_AUTH_CA },
    { "sign-ca", MYNA_EF_SIGN_CA },
};

static json_t *
name_json(const X509_NAME *n)
{
    BIO *b = BIO_new(BIO_s_mem());
    json_t *s = NULL;
    char *p;
    long len;

    /* RFC 2253 with UTF-8 left as is (the CAs' O/OU are Japanese). */
    if (b != NULL &&
        X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >=
            0) {
        len = BIO_get_mem_data(b, &p);
        s = json_stringn(p, (size_t)len);
    }
    BIO_free(b);
    return s != NULL ? s : json_string("(unprintable)");
}

static json_t *
time_json(const ASN1_TIME *t)
{
    struct tm tm;
    char buf[32];

    if (ASN1_TIME_to_tm(t, &tm) != 1)
        return json_string("(invalid)");
    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return json_string(buf);
}

static json_t *
serial_json(const X509 *x)
{
    BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
    char *hex = bn != NULL ? BN_bn2hex(bn) : NULL;
    json_t *s = json_string(hex != NULL ? hex : "?");

    OPENSSL_free(hex);
    BN_free(bn);
    return s;
}

static json_t *
details(X509 *x, X509 *ca)
{
    json_t *d = json_object();
    int days = 0, secs = 0;
    struct tm tm;

    json_object_set_new(d, "subject", name_json(X509_get_subject_name(x)));
    json_object_set_new(d, "issuer", name_json(X509_get_issuer_name(x)));
    json_object_set_new(d, "serial", serial_json(x));
    json_object_set_new(d, "notBefore", time_json(X509_get0_notBefore(x)));
    json_object_set_new(d, "notAfter", time_json(X509_get0_notAfter(x)));
    if (ASN1_TIME_diff(&days, &secs, NULL, X509_get0_notAfter(x)) == 1)
        json_object_set_new(d, "daysLeft", json_integer(days));
    /* The CA generation: the year its certificate starts (JPKI renews
     * its CAs, 2015 and 2023 generations side by side, §12.2). */
    if (ca != NULL && ASN1_TIME_to_tm(X509_get0_notBefore(ca), &tm) == 1)
        json_object_set_new(d, "caGeneration", json_integer(tm.tm_year + 1900));
    if (ca != NULL && x != ca)
        json_object_set_new(
            d, "signedByCardCA",
            json_boolean(X509_verify(x, X509_get0_pubkey(ca)) == 1));
    return d;
}

static X509 *
parse(const uint8_t *der, size_t len)
{
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)len);

    if (x != NULL && p != der + len) { /* trailing bytes: not one cert */
        X509_free(x);
        x = NULL;
    }
    return x;
}

int
cmd_certs(const struct card_opts *o)
{
    X509 *x[3] = { NULL, NULL, NULL };
    struct card_session s;
    json_t *res = NULL;
    uint8_t *der;
    size_t len, i;
    bool progress = !o->json && !o->verbose && isatty(STDERR_FILENO);
    int rc = 0;
    CK_RV rv;

    if (o->which != NULL && strcmp(o->which, "all") != 0 &&
        strcmp(o->which, "auth") != 0 && strcmp(o->which, "auth-ca") != 0 &&
        strcmp(o->which, "sign-ca") != 0)
        return out_fail(EXIT_USAGE, "certs: auth, auth-ca, sign-ca or all");
    rv = card_open(&s, o->reader);
    if (rv != CKR_OK)
        return out_error(rv, "opening the card");
    rv = myna_card_select_jpki(&s.io);
    for (i = 0; rv == CKR_OK && i < 3; i++) {
        /* ~7 APDUs each: over a second in all on a slow reader, so say
         * what is happening (on a terminal only, never in --json). */
        if (progress)
            fprintf(stderr, "\rmyna-card: reading certificate %zu of 3...",
                    i + 1);
        rv = myna_card_read_ef(&s.io, certs[i].fid, &der, &len);
        if (rv == CKR_OK) {
            x[i] = parse(der, len);
            free(der);
            if (x[i] == NULL)
                rv = CKR_DEVICE_ERROR;
        }
    }
    card_close(&s);
    if (progress)
        fputs("\r\033[K", stderr);
    if (rv != CKR_OK) {
        rc = out_error(rv, "reading the certificates");
        goto out;
    }
    res = json_object();
    for (i = 0; i < 3; i++) {
        if (o->which != NULL && strcmp(o->which, "all") != 0 &&
            strcmp(o->which, certs[i].name) != 0)
            continue;
        if (o->pem)
            PEM_write_X509(stdout, x[i]);
        else
            json_object_set_new(res, certs[i].name,
                                details(x[i], i == 0 ? x[1] : x[i]));
    }
    if (!o->pem)
        out_print(o, res);
out:
    json_decref(res);
    for (i = 0; i < 3; i++)
        X509_free(x[i]);
    return rc;
}
