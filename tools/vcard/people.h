/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Synthetic card holders for the virtual My Number Card.
 * Never real people: every name, address and number here is invented.
 */
#ifndef MYNA_VCARD_PEOPLE_H
#define MYNA_VCARD_PEOPLE_H

#include <stddef.h>

struct vcard_person {
    const char *name;        /* UTF-8, family name U+3000 given name */
    const char *name_alt;    /* one '0'/'1' per character of name
                                (card-protocol.md §12.4, OID .5.5.2) */
    const char *address;     /* UTF-8, from the prefecture on */
    const char *address_alt; /* one digit per character of address */
    const char *prefecture;  /* sign certificate subject L= (§12.4) */
    const char *municipality;
    const char *birth;          /* "YYYYMMDD", Gregorian */
    char era;                   /* '1' Meiji .. '5' Reiwa (§12.4, .5.5.4) */
    char sex;                   /* '1' male, '2' female, '3' unknown (cert) */
    const char *my_number_body; /* 11 digits; check digit is computed */
};

/* Number of built-in people; index 0..n-1. */
size_t vcard_people_count(void);
const struct vcard_person *vcard_person_get(size_t index);

/*
 * My Number check digit (個人番号の検査用数字, 行政手続における特定の個人を
 * 識別するための番号の利用等に関する法律施行令 第8条): body is 11 ASCII
 * digits; returns '0'..'9', or 0 when body is malformed.
 */
char vcard_my_number_check_digit(const char *body);

#endif
