/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A virtual card's directory: keys, certificates (from pki.c), and the
 * file "card.state" with the person, the serial and every PIN's value and
 * retry counter.  The counters are rewritten atomically after each change,
 * so a PIN blocked in one run stays blocked in the next.
 */
#ifndef MYNA_VCARD_STATE_H
#define MYNA_VCARD_STATE_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "card.h"
#include "content.h"

struct vcard_blob {
    uint8_t *data;
    size_t len;
};

struct vcard_state {
    char *dir;
    size_t person;
    char serial[17];
    char security_code[5];
    unsigned expiry_year;
    struct vcard_blob auth_crt, sign_crt, auth_ca_crt, sign_ca_crt;
    EVP_PKEY *auth_key, *sign_key;
    uint8_t token_info[VCARD_TOKEN_INFO_LEN];
    uint8_t my_number_ef[VCARD_MY_NUMBER_EF_LEN];
    char my_number[13];
    uint8_t attrs_ef[VCARD_ATTRS_EF_MAX];
    size_t attrs_len;
    uint8_t surface_info[VCARD_SURFACE_INFO_LEN];
    char verification_b[15];
    struct vcard card; /* borrows everything above */
};

/* Issue a new card for built-in person `person` into card_dir, with the
 * default test secrets (docs/myna-vcard.1).  Returns 1, or 0 with a
 * message on stderr. */
int vcard_state_create(const char *pki_dir, const char *card_dir,
                       size_t person);

/* Load card_dir into a new state with a ready (reset) card.  NULL and a
 * message on stderr on failure. */
struct vcard_state *vcard_state_load(const char *card_dir);

/* Build the data EFs and the card (with default PINs) from the person,
 * serial, security code, expiry, certificates and keys already in st.
 * Returns 1, or 0 with a message on stderr. */
int vcard_state_build(struct vcard_state *st);

/* Persist the PIN values and counters (the card's pin_changed hook). */
int vcard_state_save(const struct vcard_state *st);

void vcard_state_free(struct vcard_state *st);

/* Fill st->card with the applications of a My Number Card (apps.c). */
int vcard_apps_build(struct vcard_state *st);

#endif
