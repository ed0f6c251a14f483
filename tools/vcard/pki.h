/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Test PKI for the virtual My Number Card: two self-signed CAs (user
 * authentication, digital signature) and per-card end-entity certificates
 * that mimic the JPKI profiles of card-protocol.md §12.
 */
#ifndef MYNA_VCARD_PKI_H
#define MYNA_VCARD_PKI_H

#include "people.h"

/*
 * Create the two CAs in pki_dir (mode 0700) unless they already exist.
 * Files: auth-ca.key.pem auth-ca.crt sign-ca.key.pem sign-ca.crt serial
 * (certificates in DER).  Returns 1 on success, 0 with a message on stderr.
 */
int vcard_pki_init(const char *pki_dir);

/*
 * Issue one card: new RSA-2048 keys and certificates for person p, written
 * into card_dir (created, mode 0700): auth.key.pem sign.key.pem auth.crt
 * sign.crt auth-ca.crt sign-ca.crt (DER).  Returns 1 / 0 as above.
 */
int vcard_pki_issue(const char *pki_dir, const char *card_dir,
                    const struct vcard_person *p);

#endif
