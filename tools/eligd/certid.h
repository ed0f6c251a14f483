/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Certificate serial numbers as people type them.  The store names a
 * certificate as trust.h's elig_cert_key does (RFC 2253 issuer, upper-case
 * hex serial without leading zeros); an import file or a CSV column may
 * write the serial otherwise, and a look-up brings it to that form first,
 * so that "0x0ed9b10c" and "0ED9B10C" find the same row.
 */
#ifndef MYNA_ELIGD_CERTID_H
#define MYNA_ELIGD_CERTID_H

#include <stddef.h>

/*
 * in (hex, any case, leading zeros, optional 0x, colons) in the canonical
 * form.  1, or 0 when it is not hex or out is too small.
 */
int eligd_serial_canonical(const char *in, char *out, size_t out_size);

#endif
