/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for myna-eligd's request handling without a socket
 * (tools/eligd/service.c eligd_handle: router, limits, the three
 * endpoints, error bodies, the audit line).  The input is
 *
 *     METHOD SP PATH LF CONTENT-TYPE LF FLAGS LF BODY
 *
 * where an empty CONTENT-TYPE line means none, and FLAGS holds 'T' (a
 * verified terminal certificate), 'H' (header block too large), 'B' (body
 * too large), 'R' (--require-client-cert).  The service is real: nonces,
 * a store in memory with one registered person, the trust checks with a
 * CA made at start-up.
 *
 * Invariants (abort on violation): every answer is a JSON object with
 * "ver":"1"; a status of 400 and above carries segmentOfResult "9" and an
 * errorCode whose table status is that status (405 for REF-E105 too); a
 * 200 carries qualificationValidity; a 201 a 43-character nonce.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "elig.h"
#include "service.h"

#define NOW 1795489200LL /* 2026-11-24 12:00 JST */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct eligd_service svc;
static struct elig_store *store;
static int ready;

static void
fail(const char *what)
{
    fprintf(stderr, "fuzz-eligd-http: %s\n", what);
    abort();
}

static long long
fixed_clock(void)
{
    return NOW;
}

/* A self-signed CA in a temporary PEM file, for elig_trust_new. */
static int
make_ca(char *path, size_t size)
{
    EVP_PKEY *k = EVP_EC_gen("P-256");
    X509 *x = X509_new();
    X509_EXTENSION *bc = NULL, *ku = NULL;
    X509V3_CTX ctx;
    FILE *f;
    int fd, ok = 0;

    snprintf(path, size, "%s/fuzz-eligd-ca.XXXXXX",
             getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
    fd = mkstemp(path);
    if (k == NULL || x == NULL || fd < 0)
        goto out;
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
                               (const unsigned char *)"fuzz CA", -1, -1, 0);
    X509_set_issuer_name(x, X509_get_subject_name(x));
    X509_gmtime_adj(X509_getm_notBefore(x), -86400L * 3650);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 3650);
    X509_set_pubkey(x, k);
    /* trust.c takes only real CA certificates (RFC 5280 §4.2.1.9). */
    X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
    bc = X509V3_EXT_conf_nid(NULL, &ctx, NID_basic_constraints,
                             "critical,CA:TRUE");
    ku = X509V3_EXT_conf_nid(NULL, &ctx, NID_key_usage,
                             "critical,keyCertSign,cRLSign");
    if (bc == NULL || ku == NULL || !X509_add_ext(x, bc, -1) ||
        !X509_add_ext(x, ku, -1))
        goto out;
    f = fdopen(fd, "w");
    if (f == NULL)
        goto out;
    fd = -1;
    ok = X509_sign(x, k, EVP_sha256()) > 0 && PEM_write_X509(f, x) == 1;
    ok &= fclose(f) == 0;
out:
    if (fd >= 0)
        close(fd);
    X509_EXTENSION_free(bc);
    X509_EXTENSION_free(ku);
    X509_free(x);
    EVP_PKEY_free(k);
    return ok;
}

static void
init(void)
{
    static const char *ca_files[1];
    static char ca[256];
    struct elig_trust_config tc;
    struct elig_person p;
    struct elig_qualification q;

    if (!make_ca(ca, sizeof(ca)))
        fail("cannot make the CA");
    ca_files[0] = ca;
    memset(&tc, 0, sizeof(tc));
    tc.ca_files = ca_files;
    tc.n_ca_files = 1;
    svc.trust = elig_trust_new(&tc);
    unlink(ca);
    svc.nonces = eligd_nonces_new(60, 1000);
    svc.audit = eligd_audit_open("/dev/null");
    svc.nonce_lifetime = 60;
    svc.clock_skew = 300;
    svc.clock = fixed_clock;
    store = elig_store_open(":memory:");
    if (svc.trust == NULL || svc.nonces == NULL || svc.audit == NULL ||
        store == NULL)
        fail("cannot set up the service");
    memset(&p, 0, sizeof(p));
    memset(&q, 0, sizeof(q));
    strcpy(p.name, "x");
    strcpy(p.birthdate, "19800217");
    strcpy(q.insurer_number, "06130488");
    strcpy(q.symbol, "1234");
    strcpy(q.number, "5678");
    strcpy(q.branch, "01");
    strcpy(q.qualification_date, "20200401");
    p.q = &q;
    p.n = 1;
    if (elig_store_add_person(store, &p) < 0)
        fail("cannot register the person");
    ready = 1;
}

/* Split off one line; NULL when there is no LF left. */
static char *
line(char **p, char *end)
{
    char *s = *p, *lf = memchr(s, '\n', (size_t)(end - s));

    if (lf == NULL)
        return NULL;
    *lf = '\0';
    *p = lf + 1;
    return s;
}

static void
check_answer(const struct eligd_http_response *rs)
{
    json_t *o;
    const struct elig_error *e;
    const char *code;

    if (rs->body == NULL)
        fail("no body");
    o = json_loadb(rs->body, rs->body_len, 0, NULL);
    if (!json_is_object(o) ||
        strcmp(json_string_value(json_object_get(o, "ver")) ?: "", "1") != 0)
        fail("answer is not a version 1 JSON object");
    if (rs->status >= 400) {
        code = json_string_value(json_object_get(o, "errorCode"));
        e = elig_error_find(code);
        if (e == NULL ||
            strcmp(json_string_value(json_object_get(o, "segmentOfResult"))
                       ?: "",
                   "9") != 0 ||
            (e->http != rs->status &&
             !(rs->status == 405 && strcmp(code, "REF-E105") == 0)))
            fail("error answer does not match the code table");
    } else if (rs->status == 200) {
        if (json_object_get(o, "qualificationValidity") == NULL)
            fail("200 without qualificationValidity");
    } else if (rs->status == 201) {
        if (strlen(json_string_value(json_object_get(o, "nonce")) ?: "") != 43)
            fail("201 without a nonce");
    } else {
        fail("unexpected status");
    }
    json_decref(o);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct eligd_http_request rq;
    struct eligd_http_response rs;
    struct eligd_terminal term = { "CN=terminal", "00" };
    char *copy, *p, *end, *first, *ct, *flags, *sp;

    if (!ready)
        init();
    if (size > ELIG_BODY_MAX + 1024)
        return 0;
    copy = malloc(size + 1);
    if (copy == NULL)
        return 0;
    memcpy(copy, data, size);
    copy[size] = '\0';
    p = copy;
    end = copy + size;
    memset(&rq, 0, sizeof(rq));
    if ((first = line(&p, end)) == NULL || (ct = line(&p, end)) == NULL ||
        (flags = line(&p, end)) == NULL)
        goto out;
    sp = strchr(first, ' ');
    if (sp == NULL)
        goto out;
    *sp = '\0';
    rq.method = first;
    rq.path = sp + 1;
    rq.content_type = ct[0] != '\0' ? ct : NULL;
    rq.terminal = strchr(flags, 'T') != NULL ? &term : NULL;
    rq.header_too_large = strchr(flags, 'H') != NULL;
    rq.body_too_large = strchr(flags, 'B') != NULL;
    svc.require_client_cert = strchr(flags, 'R') != NULL;
    rq.body = p;
    rq.body_len = (size_t)(end - p);
    rq.peer = "192.0.2.1";
    eligd_handle(&svc, store, &rq, &rs);
    check_answer(&rs);
    eligd_http_response_clear(&rs);
out:
    free(copy);
    return 0;
}
