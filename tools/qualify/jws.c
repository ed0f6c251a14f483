/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The signed request of docs/eligibility-protocol.md §4: a compact JWS
 * (RFC 7515 §7.1) whose protected header holds exactly alg RS256, typ
 * myna-elig+jws and x5c with the one user-authentication certificate
 * (standard base64 of the DER, RFC 7515 §4.1.6), signed over
 * ASCII(BASE64URL(header) "." BASE64URL(payload)) (RFC 7515 §5.1).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "elig.h"
#include "qualify.h"

/* The header's JSON text; NULL when out of memory. */
static char *
header_json(X509 *cert)
{
    unsigned char *der = NULL;
    char *b64 = NULL, *text = NULL;
    json_t *h = NULL;
    int len;

    len = i2d_X509(cert, &der);
    if (len <= 0)
        return NULL;
    if ((b64 = elig_b64_encode(der, (size_t)len)) == NULL)
        goto out;
    h = json_pack("{s:s, s:s, s:[s]}", "alg", "RS256", "typ", ELIG_JWS_TYP,
                  "x5c", b64);
    if (h != NULL)
        text = json_dumps(h, JSON_COMPACT | JSON_PRESERVE_ORDER);
out:
    json_decref(h);
    free(b64);
    OPENSSL_free(der);
    return text;
}

int
qualify_jws(struct qualify_token *t, X509 *cert, EVP_PKEY *key,
            const char *payload, char **jws)
{
    char *header = NULL, *h64 = NULL, *p64 = NULL, *s64 = NULL, *input = NULL;
    unsigned char *sig = NULL;
    size_t siglen = 0, n;
    int rc = QX_INTERNAL;

    *jws = NULL;
    if ((header = header_json(cert)) == NULL ||
        (h64 = elig_b64url_encode((const unsigned char *)header,
                                  strlen(header))) == NULL ||
        (p64 = elig_b64url_encode((const unsigned char *)payload,
                                  strlen(payload))) == NULL)
        goto oom;
    n = strlen(h64) + 1 + strlen(p64);
    if ((input = malloc(n + 1)) == NULL)
        goto oom;
    snprintf(input, n + 1, "%s.%s", h64, p64);
    rc = qualify_token_sign(t, key, (const unsigned char *)input, n, &sig,
                            &siglen);
    if (rc != QX_ELIGIBLE)
        goto out;
    if ((s64 = elig_b64url_encode(sig, siglen)) == NULL ||
        (*jws = malloc(n + 1 + strlen(s64) + 1)) == NULL)
        goto oom;
    snprintf(*jws, n + 1 + strlen(s64) + 1, "%s.%s", input, s64);
    rc = QX_ELIGIBLE;
    goto out;
oom:
    rc = qualify_fail(QX_INTERNAL, "out of memory building the request");
out:
    free(header);
    free(h64);
    free(p64);
    free(s64);
    free(input);
    free(sig);
    return rc;
}

int
qualify_uuid(char out[37])
{
    unsigned char b[16];

    if (RAND_bytes(b, sizeof(b)) != 1)
        return 0;
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* variant 10 */
    snprintf(out, 37,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
             "%02x%02x%02x%02x%02x%02x",
             b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10],
             b[11], b[12], b[13], b[14], b[15]);
    return 1;
}
