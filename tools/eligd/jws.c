/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Compact JWS, strictly (docs/eligibility-protocol.md §4; RFC 7515 §7.1,
 * RFC 7518 §3.3).  One encoding per byte string (libelig's strict
 * base64url), duplicate JSON members refused, the header exactly
 * {alg, typ, x5c}: whatever we parse is exactly what was signed, and no
 * member can steer the verification (no jku/jwk/x5u/kid/crit, no "none").
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "elig.h"
#include "jws.h"

/* json_loadb flags: RFC 8259 JSON, one value, no duplicate members. */
#define STRICT_JSON (JSON_REJECT_DUPLICATES)

static json_t *
decode_json(const char *part, size_t len)
{
    unsigned char *raw = NULL;
    size_t n = 0;
    json_t *v = NULL;

    if (elig_b64url_decode(part, len, &raw, &n))
        v = json_loadb((const char *)raw, n, STRICT_JSON, NULL);
    free(raw);
    if (v != NULL && !json_is_object(v)) {
        json_decref(v);
        v = NULL;
    }
    return v;
}

static int
check_header(struct eligd_jws *jws, struct eligd_refusal *why)
{
    json_t *alg = json_object_get(jws->header, "alg");
    json_t *typ = json_object_get(jws->header, "typ");
    json_t *x5c = json_object_get(jws->header, "x5c");
    const char *key, *b64;
    json_t *v;

    /* RS256 is all the card can do; refusing everything else first keeps
     * "none" and HMAC-with-the-public-key out (RFC 8725 §2.1, §3.1). */
    if (!json_is_string(alg))
        return eligd_refuse(why, "REF-E110", "JWS header: alg missing");
    if (strcmp(json_string_value(alg), "RS256") != 0)
        return eligd_refuse(why, "REF-E111", NULL);
    json_object_foreach(jws->header, key, v)
    {
        if (strcmp(key, "alg") != 0 && strcmp(key, "typ") != 0 &&
            strcmp(key, "x5c") != 0)
            return eligd_refuse(why, "REF-E110",
                                "JWS header: member '%.40s' not allowed", key);
    }
    if (!json_is_string(typ) ||
        strcmp(json_string_value(typ), ELIG_JWS_TYP) != 0)
        return eligd_refuse(why, "REF-E110",
                            "JWS header: typ must be \"" ELIG_JWS_TYP "\"");
    /* Exactly the card's certificate: the service builds the chain from
     * its own CA set (§4), so intermediates are refused. */
    if (!json_is_array(x5c) || json_array_size(x5c) != 1 ||
        !json_is_string(json_array_get(x5c, 0)))
        return eligd_refuse(why, "REF-E110",
                            "JWS header: x5c must hold exactly one "
                            "certificate");
    b64 = json_string_value(json_array_get(x5c, 0));
    if (!elig_b64_decode(b64, strlen(b64), &jws->cert_der, &jws->cert_len) ||
        jws->cert_len == 0)
        return eligd_refuse(why, "REF-E110",
                            "JWS header: x5c is not base64 (RFC 7515 "
                            "§4.1.6)");
    return 1;
}

int
eligd_jws_parse(const char *in, size_t len, struct eligd_jws *jws,
                struct eligd_refusal *why)
{
    const char *dot1, *dot2, *sig;
    size_t hlen, plen, slen;

    memset(jws, 0, sizeof(*jws));
    dot1 = memchr(in, '.', len);
    dot2 = dot1 != NULL ? memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - in))
                        : NULL;
    if (dot2 == NULL ||
        memchr(dot2 + 1, '.', len - (size_t)(dot2 + 1 - in)) != NULL)
        return eligd_refuse(why, "REF-E100",
                            "the body is not a compact JWS (three parts)");
    hlen = (size_t)(dot1 - in);
    plen = (size_t)(dot2 - dot1 - 1);
    sig = dot2 + 1;
    slen = len - (size_t)(sig - in);
    if (hlen == 0 || plen == 0)
        return eligd_refuse(why, "REF-E100", "a JWS part is empty");

    jws->header = decode_json(in, hlen);
    if (jws->header == NULL)
        return eligd_refuse(why, "REF-E110",
                            "JWS header: not a base64url JSON object");
    jws->payload = decode_json(dot1 + 1, plen);
    if (jws->payload == NULL)
        return eligd_refuse(why, "REF-E100",
                            "JWS payload: not a base64url JSON object");
    /* §2: refused before anything else is looked at, value unread. */
    if (elig_json_has_my_number(jws->header) ||
        elig_json_has_my_number(jws->payload))
        return eligd_refuse(why, "REF-E140", NULL);
    if (!check_header(jws, why))
        return 0;
    if (slen == 0 || !elig_b64url_decode(sig, slen, &jws->sig, &jws->sig_len))
        return eligd_refuse(why, "REF-E100",
                            "JWS signature: missing or not base64url");
    jws->signing_input = in;
    jws->signing_len = (size_t)(dot2 - in);
    return 1;
}

int
eligd_jws_verify(const struct eligd_jws *jws, EVP_PKEY *pkey)
{
    EVP_MD_CTX *md = NULL;
    EVP_PKEY_CTX *pctx = NULL;
    int ok = 0;

    /* "RSA" only: an RSA-PSS key would not be RS256 (RFC 7518 §3.3). */
    if (pkey == NULL || !EVP_PKEY_is_a(pkey, "RSA") || jws->sig == NULL)
        return 0;
    md = EVP_MD_CTX_new();
    if (md == NULL ||
        EVP_DigestVerifyInit_ex(md, &pctx, "SHA256", NULL, NULL, pkey, NULL) !=
            1 ||
        EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1)
        goto out;
    ok = EVP_DigestVerify(md, jws->sig, jws->sig_len,
                          (const unsigned char *)jws->signing_input,
                          jws->signing_len) == 1;
out:
    EVP_MD_CTX_free(md);
    return ok;
}

void
eligd_jws_clear(struct eligd_jws *jws)
{
    json_decref(jws->header);
    json_decref(jws->payload);
    free(jws->cert_der);
    free(jws->sig);
    memset(jws, 0, sizeof(*jws));
}
