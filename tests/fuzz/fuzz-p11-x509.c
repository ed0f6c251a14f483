/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for the module's certificate parsing (pkcs11/x509.c):
 * the input is the content of a certificate EF as a (malicious) card
 * returns it.  Each input goes through myna_x509_cert_attrs (both
 * categories), myna_x509_rsa_attrs and myna_x509_serial_hex.
 *
 * Invariants (abort on violation): the only results are CKR_OK,
 * CKR_DEVICE_ERROR and CKR_HOST_MEMORY; the three functions agree on
 * whether the input is a certificate; an accepted input is CKA_VALUE
 * byte for byte, its dates are 8 ASCII digits, and the serial string is
 * NUL-terminated lower-case hex within its buffer.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "x509.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fail(const char *what)
{
    fprintf(stderr, "fuzz-p11-x509: %s\n", what);
    abort();
}

static void
check_rv(CK_RV rv)
{
    if (rv != CKR_OK && rv != CKR_DEVICE_ERROR && rv != CKR_HOST_MEMORY)
        fail("unexpected CK_RV");
}

static void
check_date(const struct myna_attrs *a, CK_ATTRIBUTE_TYPE type)
{
    const struct myna_attr *it = myna_attrs_find(a, type);
    const uint8_t *p;

    if (it == NULL || it->len != sizeof(CK_DATE))
        fail("date missing");
    p = it->value;
    for (size_t i = 0; i < sizeof(CK_DATE); i++) {
        if (p[i] < '0' || p[i] > '9')
            fail("date not digits");
    }
}

static void
check_cert(const struct myna_attrs *a, const uint8_t *data, size_t size)
{
    const struct myna_attr *it = myna_attrs_find(a, CKA_VALUE);

    if (it == NULL || it->len != size || memcmp(it->value, data, size) != 0)
        fail("CKA_VALUE differs from the input");
    it = myna_attrs_find(a, CKA_CHECK_VALUE);
    if (it == NULL || it->len != 3)
        fail("CKA_CHECK_VALUE");
    check_date(a, CKA_START_DATE);
    check_date(a, CKA_END_DATE);
}

static void
check_hex(const char *hex, size_t cap)
{
    size_t n = strnlen(hex, cap);

    if (n >= cap)
        fail("serial not NUL-terminated");
    for (size_t i = 0; i < n; i++) {
        if (!((hex[i] >= '0' && hex[i] <= '9') ||
              (hex[i] >= 'a' && hex[i] <= 'f') || (i == 0 && hex[i] == '-')))
            fail("serial not lower-case hex");
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct myna_attrs a;
    char hex[17], wide[128];
    CK_RV cert, ca, rsa, ser, ser_wide;

    myna_attrs_init(&a);
    cert = myna_x509_cert_attrs(&a, data, size, false);
    check_rv(cert);
    if (cert == CKR_OK)
        check_cert(&a, data, size);
    ca = myna_x509_cert_attrs(&a, data, size, true);
    check_rv(ca);
    myna_attrs_clear(&a);

    rsa = myna_x509_rsa_attrs(&a, data, size);
    check_rv(rsa);
    if (rsa == CKR_OK && (myna_attrs_find(&a, CKA_MODULUS) == NULL ||
                          myna_attrs_find(&a, CKA_PUBLIC_KEY_INFO) == NULL))
        fail("RSA attributes missing");
    myna_attrs_clear(&a);

    ser = myna_x509_serial_hex(data, size, hex, sizeof(hex));
    check_rv(ser);
    ser_wide = myna_x509_serial_hex(data, size, wide, sizeof(wide));
    if (ser == CKR_OK) {
        check_hex(hex, sizeof(hex));
        check_hex(wide, sizeof(wide));
        if (strncmp(hex, wide, sizeof(hex) - 1) != 0)
            fail("serial prefix differs");
    }

    if (cert != CKR_HOST_MEMORY && ser != CKR_HOST_MEMORY &&
        ((cert == CKR_OK) != (ser == CKR_OK) || ser != ser_wide || cert != ca))
        fail("functions disagree on the input");
    if (rsa == CKR_OK && cert != CKR_OK)
        fail("RSA attributes of a non-certificate");
    return 0;
}
