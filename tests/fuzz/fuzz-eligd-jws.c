/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for the card request parser (tools/eligd/jws.c,
 * request.c; docs/eligibility-protocol.md §4 steps 1-2): the input is the
 * body a client posts.  The compact JWS is parsed; when it parses, its
 * payload goes through both queries' member checks, and the x5c bytes
 * through d2i_X509 as the service does.
 *
 * Invariants (abort on violation): a refusal always has a known code and
 * a message; a success has a JSON object payload, a non-empty x5c and
 * signature, and a signing input that is exactly the first two parts of
 * the input; a request that parses has the members the protocol requires
 * in their documented syntax.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "elig.h"
#include "jws.h"
#include "request.h"

#define NOW 1795489200LL /* 2026-11-24 12:00 JST */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fail(const char *what)
{
    fprintf(stderr, "fuzz-eligd-jws: %s\n", what);
    abort();
}

static void
check_refusal(const struct eligd_refusal *r)
{
    if (r->code == NULL || elig_error_find(r->code) == NULL ||
        r->message[0] == '\0')
        fail("refusal without a known code and a message");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct eligd_jws jws;
    struct eligd_refusal why;
    struct eligd_card_request card;
    struct eligd_insurance_request ins;
    const unsigned char *der;
    const char *in = (const char *)data;
    X509 *x;

    if (size > ELIG_BODY_MAX)
        return 0;
    memset(&why, 0, sizeof(why));
    if (!eligd_jws_parse(in, size, &jws, &why)) {
        check_refusal(&why);
        eligd_jws_clear(&jws);
        return 0;
    }
    if (!json_is_object(jws.payload) || jws.cert_len == 0 || jws.sig_len == 0 ||
        jws.signing_input != in || jws.signing_len >= size ||
        in[jws.signing_len] != '.' ||
        memchr(in + jws.signing_len + 1, '.', size - jws.signing_len - 1))
        fail("a parsed JWS breaks its invariants");
    memset(&why, 0, sizeof(why));
    if (eligd_card_request_parse(jws.payload, NOW, &card, &why)) {
        if (!elig_request_id_valid(card.request_id) ||
            !elig_institution_code_valid(card.institution) ||
            !elig_date_valid(card.date) || strlen(card.nonce) != 43)
            fail("a parsed card request breaks the protocol's syntax");
    } else {
        check_refusal(&why);
    }
    memset(&why, 0, sizeof(why));
    if (eligd_insurance_request_parse(jws.payload, NOW, &ins, &why)) {
        if (!elig_insurer_number_valid(ins.insurer) ||
            !elig_branch_valid(ins.branch) || !elig_date_valid(ins.birthdate))
            fail("a parsed insurance request breaks the protocol's syntax");
    } else {
        check_refusal(&why);
    }
    der = jws.cert_der;
    x = d2i_X509(NULL, &der, (long)jws.cert_len);
    X509_free(x);
    eligd_jws_clear(&jws);
    return 0;
}
