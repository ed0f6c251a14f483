/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The card request's JWS and both queries' members
 * (tools/eligd/jws.c, request.c; docs/eligibility-protocol.md §4, §5):
 * every refusal code of steps 1 and 2, RS256 over the exact bytes, and
 * the My Number refusal before anything else.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "jws.h"
#include "request.h"

/* 2026-11-24 12:00 JST */
#define NOW 1795489200LL
#define TODAY "20261124"
#define NONCE "q3yJ0m3T2m6b3nZq9-vK1xWkR9pXcFh8bq4sXk3yE0U"

static EVP_PKEY *key, *other_key;
static X509 *cert;
static char *x5c;

static int
setup(void **state)
{
    unsigned char *der = NULL;
    int n;

    (void)state;
    key = EVP_RSA_gen(2048);
    other_key = EVP_RSA_gen(2048);
    cert = X509_new();
    if (key == NULL || other_key == NULL || cert == NULL)
        return -1;
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(cert), "CN", MBSTRING_ASC,
                               (const unsigned char *)"t", -1, -1, 0);
    X509_set_issuer_name(cert, X509_get_subject_name(cert));
    X509_gmtime_adj(X509_getm_notBefore(cert), 0);
    X509_gmtime_adj(X509_getm_notAfter(cert), 86400);
    X509_set_pubkey(cert, key);
    if (!X509_sign(cert, key, EVP_sha256()))
        return -1;
    n = i2d_X509(cert, &der);
    x5c = elig_b64_encode(der, (size_t)n);
    OPENSSL_free(der);
    return x5c != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
    (void)state;
    EVP_PKEY_free(key);
    EVP_PKEY_free(other_key);
    X509_free(cert);
    free(x5c);
    return 0;
}

static char *
b64url_str(const char *s)
{
    return elig_b64url_encode((const unsigned char *)s, strlen(s));
}

/* header "." payload "." RS256(signer) ; sig NULL: sign, "" : none */
static char *
make_jws(const char *header, const char *payload, EVP_PKEY *signer)
{
    char *h = b64url_str(header), *p = b64url_str(payload), *s = NULL;
    char *input, *out;
    unsigned char sig[512];
    size_t siglen = sizeof(sig);
    EVP_MD_CTX *md = EVP_MD_CTX_new();

    input = malloc(strlen(h) + strlen(p) + 2);
    sprintf(input, "%s.%s", h, p);
    if (signer != NULL) {
        assert_int_equal(
            EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, signer), 1);
        assert_int_equal(EVP_DigestSign(md, sig, &siglen,
                                        (unsigned char *)input, strlen(input)),
                         1);
        s = elig_b64url_encode(sig, siglen);
    }
    out = malloc(strlen(input) + (s != NULL ? strlen(s) : 0) + 2);
    sprintf(out, "%s.%s", input, s != NULL ? s : "");
    EVP_MD_CTX_free(md);
    free(h);
    free(p);
    free(s);
    free(input);
    return out;
}

static char *
header_with(const char *alg, const char *extra)
{
    char *h = malloc(strlen(x5c) + 256);

    sprintf(h, "{\"alg\":\"%s\",\"typ\":\"myna-elig+jws\",\"x5c\":[\"%s\"]%s}",
            alg, x5c, extra);
    return h;
}

static const char good_payload[] =
    "{\"ver\":\"1\",\"nonce\":\"" NONCE "\",\"iat\":1795489200,"
    "\"requestId\":\"r-1\",\"medicalInstitutionCode\":\"3410712362\","
    "\"qualificationConfirmationDate\":\"" TODAY "\","
    "\"identityVerification\":\"pin\"}";

/* Parse text; return the refusal code, or "ok". */
static const char *
parse_code(const char *text, struct eligd_jws *jws, struct eligd_refusal *r)
{
    memset(r, 0, sizeof(*r));
    if (eligd_jws_parse(text, strlen(text), jws, r))
        return "ok";
    return r->code;
}

static void
good_signature_verifies(void **state)
{
    char *h = header_with("RS256", ""), *t = make_jws(h, good_payload, key);
    struct eligd_jws jws;
    struct eligd_refusal r;
    struct eligd_card_request rq;

    (void)state;
    assert_string_equal(parse_code(t, &jws, &r), "ok");
    assert_int_equal(eligd_jws_verify(&jws, X509_get0_pubkey(cert)), 1);
    assert_true(eligd_card_request_parse(jws.payload, NOW, &rq, &r));
    assert_string_equal(rq.nonce, NONCE);
    assert_string_equal(rq.request_id, "r-1");
    assert_int_equal(rq.iat, 1795489200LL);
    eligd_jws_clear(&jws);
    /* one changed byte of the payload part: parses, does not verify */
    t[strlen(h) / 3 * 4 + 10] ^= 1;
    if (strcmp(parse_code(t, &jws, &r), "ok") == 0)
        assert_int_equal(eligd_jws_verify(&jws, X509_get0_pubkey(cert)), 0);
    eligd_jws_clear(&jws);
    free(t);
    /* signed by another key */
    t = make_jws(h, good_payload, other_key);
    assert_string_equal(parse_code(t, &jws, &r), "ok");
    assert_int_equal(eligd_jws_verify(&jws, X509_get0_pubkey(cert)), 0);
    eligd_jws_clear(&jws);
    free(t);
    free(h);
}

static void
header_refusals(void **state)
{
    static const struct {
        const char *alg, *extra, *code;
    } cases[] = {
        { "none", "", "REF-E111" },
        { "HS256", "", "REF-E111" },
        { "PS256", "", "REF-E111" },
        { "rs256", "", "REF-E111" },
        { "RS256", ",\"kid\":\"1\"", "REF-E110" },
        { "RS256", ",\"jku\":\"https://x/\"", "REF-E110" },
        { "RS256", ",\"crit\":[\"b64\"]", "REF-E110" },
    };
    struct eligd_jws jws;
    struct eligd_refusal r;
    size_t i;
    char *h, *t;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        h = header_with(cases[i].alg, cases[i].extra);
        t = make_jws(h, good_payload, key);
        assert_string_equal(parse_code(t, &jws, &r), cases[i].code);
        eligd_jws_clear(&jws);
        free(t);
        free(h);
    }
    /* alg none with no signature at all */
    h = header_with("none", "");
    t = make_jws(h, good_payload, NULL);
    assert_string_equal(parse_code(t, &jws, &r), "REF-E111");
    eligd_jws_clear(&jws);
    free(t);
    free(h);
}

static void
structure_refusals(void **state)
{
    static const struct {
        const char *header, *code;
    } headers[] = {
        { "{\"typ\":\"myna-elig+jws\",\"x5c\":[\"AA==\"]}", "REF-E110" },
        { "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"x5c\":[\"MA==\"]}",
          "REF-E110" },
        { "{\"alg\":\"RS256\",\"typ\":\"myna-elig+jws\",\"x5c\":[]}",
          "REF-E110" },
        { "{\"alg\":\"RS256\",\"typ\":\"myna-elig+jws\",\"x5c\":[\"MA==\","
          "\"MA==\"]}",
          "REF-E110" },
        { "{\"alg\":\"RS256\",\"typ\":\"myna-elig+jws\",\"x5c\":[\"M-A_\"]}",
          "REF-E110" },
        { "{\"alg\":\"RS256\",\"alg\":\"RS256\",\"typ\":\"myna-elig+jws\","
          "\"x5c\":[\"MA==\"]}",
          "REF-E110" },
        { "[1]", "REF-E110" },
        { "not json", "REF-E110" },
    };
    static const char *const bodies[] = {
        "", "a", "a.b", "a.b.c.d", ".b.c", "a..c", "eyJ9.e30.AA==",
    };
    struct eligd_jws jws;
    struct eligd_refusal r;
    char *t, *h;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
        t = make_jws(headers[i].header, good_payload, key);
        assert_string_equal(parse_code(t, &jws, &r), headers[i].code);
        eligd_jws_clear(&jws);
        free(t);
    }
    for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        assert_string_not_equal(parse_code(bodies[i], &jws, &r), "ok");
        eligd_jws_clear(&jws);
    }
    /* payload not an object; signature missing or with padding */
    h = header_with("RS256", "");
    t = make_jws(h, "[]", key);
    assert_string_equal(parse_code(t, &jws, &r), "REF-E100");
    eligd_jws_clear(&jws);
    free(t);
    t = make_jws(h, good_payload, NULL);
    assert_string_equal(parse_code(t, &jws, &r), "REF-E100");
    eligd_jws_clear(&jws);
    free(t);
    t = make_jws(h, good_payload, key);
    t = realloc(t, strlen(t) + 2);
    strcat(t, "=");
    assert_string_equal(parse_code(t, &jws, &r), "REF-E100");
    eligd_jws_clear(&jws);
    free(t);
    free(h);
}

static void
my_number_first(void **state)
{
    /* even with alg none and a nested member, E140 comes first */
    char *h = header_with("none", ""),
         *t = make_jws(h, "{\"ver\":\"1\",\"x\":{\"MyNumber\":\"1\"}}", NULL);
    struct eligd_jws jws;
    struct eligd_refusal r;

    (void)state;
    assert_string_equal(parse_code(t, &jws, &r), "REF-E140");
    assert_null(strstr(r.message, "1\""));
    eligd_jws_clear(&jws);
    free(t);
    free(h);
}

static const char *
card_code(const char *payload)
{
    static struct eligd_refusal r;
    struct eligd_card_request rq;
    json_t *v = json_loads(payload, JSON_REJECT_DUPLICATES, NULL);
    const char *code = "ok";

    assert_non_null(v);
    memset(&r, 0, sizeof(r));
    if (!eligd_card_request_parse(v, NOW, &rq, &r))
        code = r.code;
    json_decref(v);
    return code;
}

static void
card_members(void **state)
{
    char buf[1024];
    static const struct {
        const char *from, *to, *code;
    } edits[] = {
        { "\"ver\":\"1\"", "\"ver\":\"2\"", "REF-E101" },
        { "\"ver\":\"1\",", "", "REF-E101" },
        { "1795489200", "\"1795489200\"", "REF-E101" },
        { "1795489200", "1.5", "REF-E101" },
        { "3410712362", "3410712363", "REF-E102" },
        { "3410712362", "341071236", "REF-E101" },
        { "\"pin\"", "\"face\"", "REF-E101" },
        { TODAY, "20261130", "REF-E101" },
        { TODAY, "20261125", "ok" },
        { TODAY, "20261123", "ok" },
        { TODAY, "20261131", "REF-E101" },
        { NONCE, "short", "REF-E101" },
        { "\"r-1\"", "\"r 1\"", "REF-E101" },
        { "\"ver\"", "\"colour\":1,\"ver\"", "REF-E101" },
        { "\"ver\"", "\"arbitraryFileIdentifier\":\"v-1\",\"ver\"", "ok" },
    };
    const char *p;
    size_t i, at;

    (void)state;
    assert_string_equal(card_code(good_payload), "ok");
    for (i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
        p = strstr(good_payload, edits[i].from);
        assert_non_null(p);
        at = (size_t)(p - good_payload);
        snprintf(buf, sizeof(buf), "%.*s%s%s", (int)at, good_payload,
                 edits[i].to, p + strlen(edits[i].from));
        assert_string_equal(card_code(buf), edits[i].code);
    }
}

static const char *
insurance_code(const char *body, struct eligd_insurance_request *rq)
{
    static struct eligd_refusal r;
    json_t *v = json_loads(body, 0, NULL);
    const char *code = "ok";

    assert_non_null(v);
    memset(&r, 0, sizeof(r));
    if (!eligd_insurance_request_parse(v, NOW, rq, &r))
        code = r.code;
    json_decref(v);
    return code;
}

#define INS_FMT                                                                \
    "{\"ver\":\"1\",\"requestId\":\"v\",\"medicalInstitutionCode\":"           \
    "\"3410712362\",\"qualificationConfirmationDate\":\"" TODAY "\","          \
    "\"insurerNumber\":\"%s\",%s\"insuredIdentificationNumber\":\"5678\","     \
    "\"insuredBranchNumber\":\"%s\",\"birthdate\":\"19800217\"}"

static void
insurance_members(void **state)
{
    struct eligd_insurance_request rq;
    char buf[1024];

    (void)state;
    snprintf(buf, sizeof(buf), INS_FMT, "131045", "", "01");
    assert_string_equal(insurance_code(buf, &rq), "ok");
    assert_string_equal(rq.symbol, "");
    assert_string_equal(rq.limit_consent, "0");
    assert_string_equal(rq.branch, "01");
    snprintf(buf, sizeof(buf), INS_FMT, "06130488",
             "\"insuredCardSymbol\":\"記号01\",", "00");
    assert_string_equal(insurance_code(buf, &rq), "ok");
    assert_string_equal(rq.symbol, "記号01");
    snprintf(buf, sizeof(buf), INS_FMT, "06130487", "", "01");
    assert_string_equal(insurance_code(buf, &rq), "REF-E102");
    snprintf(buf, sizeof(buf), INS_FMT, "0613048", "", "01");
    assert_string_equal(insurance_code(buf, &rq), "REF-E101");
    snprintf(buf, sizeof(buf), INS_FMT, "06130488", "", "1");
    assert_string_equal(insurance_code(buf, &rq), "REF-E101");
    snprintf(buf, sizeof(buf), INS_FMT, "06130488",
             "\"insuredCardSymbol\":\"\",", "01");
    assert_string_equal(insurance_code(buf, &rq), "REF-E101");
    snprintf(buf, sizeof(buf), INS_FMT, "06130488",
             "\"limitApplicationCertificateRelatedConsFlg\":\"2\",", "01");
    assert_string_equal(insurance_code(buf, &rq), "REF-E101");
    snprintf(buf, sizeof(buf), INS_FMT, "06130488", "\"nonce\":\"x\",", "01");
    assert_string_equal(insurance_code(buf, &rq), "REF-E101");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(good_signature_verifies),
        cmocka_unit_test(header_refusals),
        cmocka_unit_test(structure_refusals),
        cmocka_unit_test(my_number_first),
        cmocka_unit_test(card_members),
        cmocka_unit_test(insurance_members),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
