/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Byte images of the virtual card's data EFs that are not certificates:
 * JPKI token information (EF 0006), the card info input support AP's My
 * Number and four-attribute files, the card surface AP's basic information
 * and the verification numbers.  Pure functions of a person and a serial.
 */
#ifndef MYNA_VCARD_CONTENT_H
#define MYNA_VCARD_CONTENT_H

#include <stddef.h>
#include <stdint.h>

#include "people.h"

#define VCARD_TOKEN_INFO_LEN 160
#define VCARD_MY_NUMBER_EF_LEN 17
#define VCARD_ATTRS_EF_MAX 512
#define VCARD_SURFACE_INFO_LEN 64

/* §3.2: serialised CK_TOKEN_INFO, label "JPKIAPICCTOKEN2" space padded.
 * serial: up to 16 printable characters. */
void vcard_token_info(uint8_t out[VCARD_TOKEN_INFO_LEN], const char *serial);

/* §8.2: FF 10 0C <12 digits> FF FF.  Returns 0 if the body is bad. */
int vcard_my_number_ef(uint8_t out[VCARD_MY_NUMBER_EF_LEN],
                       const struct vcard_person *p, char digits[13]);

/* §8.3: FF 20 <len> { DF21 offsets, DF22 name, DF23 address, DF24 birth,
 * DF25 sex } padded with 00 to the EF size.  Returns the EF size or 0. */
size_t vcard_attrs_ef(uint8_t *out, size_t cap, const struct vcard_person *p);

/* §9: FF 30 { DF31 06030E01, DF32 key id, DF33 version, DF34 municipality
 * code }.  Returns the EF size. */
size_t vcard_surface_info_ef(uint8_t out[VCARD_SURFACE_INFO_LEN]);

/* §5.1: 照合番号B = era YYMMDD + expiry YYYY + 4-digit security code,
 * 14 digits; the birth-date key of the surface AP is its first 6 digits.
 * Returns 0 on bad input. */
int vcard_verification_b(char out[15], const struct vcard_person *p,
                         unsigned expiry_year, const char *security_code);

#endif
