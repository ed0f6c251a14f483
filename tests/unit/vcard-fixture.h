/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * An in-memory virtual My Number Card for unit tests and fuzz targets:
 * no disk access, no PKI.  Certificates are DER-shaped filler blobs
 * (30 82 LL LL + LL pattern bytes), both keys are one RSA-2048 key made
 * once per process, the holder is built-in person 0, and the PINs have the
 * defaults of docs/myna-vcard.1 (auth "1234", sign "ABC123", text "4321").
 */
#ifndef MYNA_TESTS_VCARD_FIXTURE_H
#define MYNA_TESTS_VCARD_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "card.h"
#include "state.h"

/* Sizes of the fake certificate EFs: several 256-byte READ BINARY chunks
 * each, and never a multiple of 256. */
#define FIXTURE_AUTH_CRT_LEN 1500
#define FIXTURE_SIGN_CRT_LEN 1800
#define FIXTURE_AUTH_CA_CRT_LEN 1300
#define FIXTURE_SIGN_CA_CRT_LEN 1310

#define FIXTURE_SERIAL "1234567890123456"
#define FIXTURE_SECURITY_CODE "1234"
#define FIXTURE_EXPIRY_YEAR 2035

/* A fresh state with a reset card, or NULL (message on stderr). */
struct vcard_state *fixture_card_new(void);
void fixture_card_free(struct vcard_state *st);

/* The RSA-2048 key behind both JPKI keys (borrowed; lives until exit). */
EVP_PKEY *fixture_key(void);

/*
 * Send one APDU written in hex ("00 A4 04 0C 0A D3..."; spaces allowed)
 * to card.  Returns the status word; the response data (without SW) is
 * copied to resp_data (VCARD_RESP_MAX bytes, may be NULL) and its length
 * stored in *resp_len (may be NULL).  Malformed hex returns 0, which is
 * no status word.
 */
uint16_t fixture_apdu(struct vcard *card, const char *hex, uint8_t *resp_data,
                      size_t *resp_len);

/* The same for a binary APDU. */
uint16_t fixture_apdu_bin(struct vcard *card, const uint8_t *apdu, size_t len,
                          uint8_t *resp_data, size_t *resp_len);

#endif
