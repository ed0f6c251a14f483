/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * How the store names a certificate (the 保険証利用登録 link,
 * qualification-domain.md §1.2): the issuer DN in RFC 2253 form and the
 * serial number in upper-case hex without leading zeros, exactly as
 * trust.h's elig_trust_check fills them, so that a certificate imported
 * from a file and one presented in a request meet in the same row.
 */
#ifndef MYNA_ELIGD_CERTID_H
#define MYNA_ELIGD_CERTID_H

#include <stddef.h>

#include <openssl/x509.h>

/* 1/0 (buffer too small, out of memory). */
int eligd_cert_id(X509 *cert, char *issuer, size_t issuer_size,
                  char *serial_hex, size_t serial_size);
/*
 * A serial as typed by a person (hex, any case, leading zeros, optional
 * 0x or colons) in the canonical form.  1/0 when not hex.
 */
int eligd_serial_canonical(const char *in, char *out, size_t out_size);

#endif
