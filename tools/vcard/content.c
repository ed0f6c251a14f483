/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "content.h"

static void
put_padded(uint8_t *dst, size_t len, const char *s)
{
    size_t n = strlen(s);

    memset(dst, ' ', len);
    memcpy(dst, s, n < len ? n : len);
}

static void
put_u32(uint8_t *dst, uint32_t v)
{
    dst[0] = (uint8_t)(v >> 24);
    dst[1] = (uint8_t)(v >> 16);
    dst[2] = (uint8_t)(v >> 8);
    dst[3] = (uint8_t)v;
}

/* Layout and the values of [MC]'s unit test (§3.2); only the label is
 * confirmed on real cards, the rest is our best reading (§16.13). */
void
vcard_token_info(uint8_t out[VCARD_TOKEN_INFO_LEN], const char *serial)
{
    static const uint32_t ulongs[10] = {
        1,          0,          1,          0, /* sessions */
        16,         6,                         /* max / min PIN length */
        0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF, /* memory */
    };

    put_padded(out, 32, "JPKIAPICCTOKEN2");
    put_padded(out + 32, 32, "00000000000000000000000000000001");
    put_padded(out + 64, 16, "E16R01NJ");
    put_padded(out + 80, 16, serial);
    /* CKF_RNG | CKF_LOGIN_REQUIRED | CKF_USER_PIN_INITIALIZED |
     * CKF_TOKEN_INITIALIZED */
    put_u32(out + 96, 0x0000040D);
    for (size_t i = 0; i < 10; i++)
        put_u32(out + 100 + 4 * i, ulongs[i]);
    memcpy(out + 140, "03", 2); /* hardwareVersion, ASCII on cards */
    memcpy(out + 142, "01", 2); /* firmwareVersion */
    memset(out + 144, '0', 16); /* utcTime */
}

int
vcard_my_number_ef(uint8_t out[VCARD_MY_NUMBER_EF_LEN],
                   const struct vcard_person *p, char digits[13])
{
    char check = vcard_my_number_check_digit(p->my_number_body);

    if (check == 0)
        return 0;
    memcpy(digits, p->my_number_body, 11);
    digits[11] = check;
    digits[12] = '\0';
    out[0] = 0xFF;
    out[1] = 0x10;
    out[2] = 0x0C;
    memcpy(out + 3, digits, 12);
    out[15] = 0xFF; /* filler (§8.2) */
    out[16] = 0xFF;
    return 1;
}

/* BER length (short form, 81 xx or 82 xx xx). */
static size_t
put_len(uint8_t *dst, size_t len)
{
    if (len < 0x80) {
        dst[0] = (uint8_t)len;
        return 1;
    }
    if (len <= 0xFF) {
        dst[0] = 0x81;
        dst[1] = (uint8_t)len;
        return 2;
    }
    dst[0] = 0x82;
    dst[1] = (uint8_t)(len >> 8);
    dst[2] = (uint8_t)len;
    return 3;
}

static size_t
len_of_len(size_t len)
{
    return len < 0x80 ? 1 : len <= 0xFF ? 2 : 3;
}

static size_t
put_tlv(uint8_t *dst, uint8_t tag2, const void *v, size_t len)
{
    size_t n = 0;

    dst[n++] = 0xDF;
    dst[n++] = tag2;
    n += put_len(dst + n, len);
    memcpy(dst + n, v, len);
    return n + len;
}

/* The text AP writes 1/2/9 (JIS X 0303); the certificate's '3' (unknown)
 * becomes '9' here (§8.3 vs §12.4). */
static char
text_ap_sex(char cert_sex)
{
    return cert_sex == '1' || cert_sex == '2' ? cert_sex : '9';
}

size_t
vcard_attrs_ef(uint8_t *out, size_t cap, const struct vcard_person *p)
{
    const char *fields[4] = { p->name, p->address, p->birth, NULL };
    char sex[2] = { text_ap_sex(p->sex), '\0' };
    uint8_t body[VCARD_ATTRS_EF_MAX];
    size_t off[4], n = 2 + 1 + 8, total, hdr, ef_size;

    fields[3] = sex;
    if (strlen(p->birth) != 8)
        return 0;
    /* Offsets count from the first byte of the file (§8.3), so the outer
     * header length must be known first: compute the body length. */
    total = n;
    for (size_t i = 0; i < 4; i++)
        total += 2 + len_of_len(strlen(fields[i])) + strlen(fields[i]);
    hdr = 2 + len_of_len(total);
    if (hdr + total > sizeof(body) || hdr + total > cap)
        return 0;
    for (size_t i = 0; i < 4; i++) {
        off[i] = hdr + n;
        n += put_tlv(body + n, (uint8_t)(0x22 + i), fields[i],
                     strlen(fields[i]));
    }
    body[0] = 0xDF;
    body[1] = 0x21;
    body[2] = 8;
    for (size_t i = 0; i < 4; i++) {
        body[3 + 2 * i] = (uint8_t)(off[i] >> 8);
        body[4 + 2 * i] = (uint8_t)off[i];
    }
    out[0] = 0xFF;
    out[1] = 0x20;
    put_len(out + 2, total);
    memcpy(out + hdr, body, total);
    /* The EF is larger than its object; the rest is filler (§8.3). */
    ef_size = (hdr + total + 31) / 32 * 32;
    if (ef_size > cap)
        ef_size = hdr + total;
    memset(out + hdr + total, 0x00, ef_size - hdr - total);
    return ef_size;
}

size_t
vcard_surface_info_ef(uint8_t out[VCARD_SURFACE_INFO_LEN])
{
    static const uint8_t info[] = {
        0xFF, 0x30, 0x27, 0xDF, 0x31, 0x04, 0x06, 0x03, 0x0E, 0x01, 0xDF,
        0x32, 0x10, '6',  '0',  '0',  '0',  '0',  '2',  '3',  'T',  'E',
        'S',  'T',  'K',  'E',  'Y',  '0',  '1',  0xDF, 0x33, 0x02, 0x01,
        0x00, 0xDF, 0x34, 0x05, '1',  '3',  '1',  '0',  '1',
    };

    memset(out, 0xFF, VCARD_SURFACE_INFO_LEN);
    memcpy(out, info, sizeof(info));
    return VCARD_SURFACE_INFO_LEN;
}

/* Japanese era year of a Gregorian year for the era code of §12.4. */
static int
era_year(char era, unsigned year)
{
    static const unsigned first[] = { 1868, 1912, 1926, 1989, 2019 };

    if (era < '1' || era > '5' || year < first[era - '1'])
        return -1;
    return (int)(year - first[era - '1'] + 1);
}

int
vcard_verification_b(char out[15], const struct vcard_person *p,
                     unsigned expiry_year, const char *security_code)
{
    unsigned y = 0;
    int ey, n;

    if (strlen(p->birth) != 8 || strlen(security_code) != 4 ||
        sscanf(p->birth, "%4u", &y) != 1)
        return 0;
    ey = era_year(p->era, y);
    if (ey < 0 || ey > 99 || expiry_year > 9999)
        return 0;
    n = snprintf(out, 15, "%02d%.4s%04u%.4s", ey, p->birth + 4, expiry_year,
                 security_code);
    return n == 14;
}
