/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The compact JWS of a card request (docs/eligibility-protocol.md §4,
 * RFC 7515 §7.1): strict parsing of the three parts and of the protected
 * header, and the RS256 check over the exact bytes that were signed.
 */
#ifndef MYNA_ELIGD_JWS_H
#define MYNA_ELIGD_JWS_H

#include <stddef.h>

#include <jansson.h>
#include <openssl/x509.h>

#include "refusal.h"

struct eligd_jws {
    json_t *header;          /* the protected header, checked */
    json_t *payload;         /* a JSON object, members unchecked */
    unsigned char *cert_der; /* x5c[0], DER */
    size_t cert_len;
    unsigned char *sig; /* the signature bytes */
    size_t sig_len;
    const char *signing_input; /* header "." payload, inside the input */
    size_t signing_len;
};

/*
 * Parse the body of a card request.  1 when the JWS is well formed (step
 * 1 of §4, and the My Number refusal first of all); 0 with the refusal
 * (REF-E100, REF-E110, REF-E111, REF-E140).  The input must outlive jws
 * (signing_input points into it).
 */
int eligd_jws_parse(const char *in, size_t len, struct eligd_jws *jws,
                    struct eligd_refusal *why);
/* RS256 (RSASSA-PKCS1-v1_5, SHA-256) with the certificate's RSA key
 * (elig_trust_check_der hands it out): 1 good, 0 not. */
int eligd_jws_verify(const struct eligd_jws *jws, EVP_PKEY *pkey);
void eligd_jws_clear(struct eligd_jws *jws);

#endif
