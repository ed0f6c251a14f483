/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for the card layer of the PKCS#11 module
 * (pkcs11/card.c): the fuzz input plays a hostile card.
 *
 * The module runs one fixed session (SELECT of the JPKI AP, READ of every
 * EF, both PIN counters, VERIFY, signatures, a PIN change), whatever each
 * step returns; every APDU it sends is answered by the next response of
 * the input.  A response starts with one byte L:
 *   00-FC     L bytes follow, copied verbatim (SW included, or not);
 *   FD f      256 bytes f, then 90 00 (a full READ BINARY chunk);
 *   FE f      as many bytes f as the command's Le asks, then 90 00;
 *   FF hi lo  N = (hi lo) % 301 bytes follow verbatim (past
 *             MYNA_APDU_RESP_MAX: reported as longer than the buffer).
 * When the input is used up, the card is gone (CKR_DEVICE_REMOVED).
 *
 * Invariants (abort on violation): every command fits a short APDU, READ
 * BINARY offsets stay within 15 bits, a read EF is non-empty and at most
 * MYNA_EF_MAX bytes (and NULL/0 on error), the APDUs of one read are
 * bounded, retry counters are 0-15, a signature is 256 bytes.  The
 * sanitizers catch the rest (overflows, leaks, uninitialised reads).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../pkcs11/card.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CMD_MAX (5 + 255 + 1)
#define VERBATIM_MAX 300
/* Per chunk: the READ, one 6Cxx resend, one GET RESPONSE (card.c). */
#define READ_APDUS_MAX (1 + 3 * (MYNA_EF_MAX / 256 + 2))

static volatile uint8_t sink;

struct feed {
    const uint8_t *data;
    size_t size, pos;
};

static void
fail(const char *what)
{
    fprintf(stderr, "fuzz-p11-card: %s\n", what);
    abort();
}

static void
check_command(const uint8_t *cmd, size_t len)
{
    if (cmd == NULL || len < 4 || len > CMD_MAX)
        fail("command of a bad length");
    if (cmd[1] == 0xB0 && (len != 5 || (cmd[2] & 0x80) != 0))
        fail("READ BINARY not a short case 2 with a 15-bit offset");
    /* A case 3/4 command's Lc must match its data. */
    if (len > 5 && cmd[4] != 0 && (size_t)cmd[4] + 5 != len &&
        (size_t)cmd[4] + 6 != len)
        fail("Lc does not match the command length");
}

static size_t
take(struct feed *f, size_t n)
{
    size_t left = f->size - f->pos;

    return n < left ? n : left;
}

static CK_RV
fuzz_transmit(void *ctx, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
              size_t *resp_len)
{
    struct feed *f = ctx;
    size_t n, le;
    uint8_t l;

    check_command(cmd, cmd_len);
    *resp_len = 0;
    if (f->pos >= f->size)
        return CKR_DEVICE_REMOVED;
    l = f->data[f->pos++];
    if (l == 0xFD || l == 0xFE) {
        uint8_t fill = f->pos < f->size ? f->data[f->pos++] : 0;

        le = l == 0xFD || cmd[cmd_len - 1] == 0 ? 256 : cmd[cmd_len - 1];
        memset(resp, fill, le);
        resp[le] = 0x90;
        resp[le + 1] = 0x00;
        *resp_len = le + 2;
        return CKR_OK;
    }
    if (l == 0xFF) {
        n = 0;
        for (int i = 0; i < 2 && f->pos < f->size; i++)
            n = n << 8 | f->data[f->pos++];
        n %= VERBATIM_MAX + 1;
    } else {
        n = l;
    }
    n = take(f, n);
    memcpy(resp, f->data + f->pos,
           n < MYNA_APDU_RESP_MAX ? n : MYNA_APDU_RESP_MAX);
    f->pos += n;
    *resp_len = n;
    return CKR_OK;
}

static void
read_one(struct myna_io *io, uint16_t fid)
{
    unsigned long before = io->apdus;
    uint8_t *out = (uint8_t *)&before; /* must become NULL or a buffer */
    size_t len = 12345;
    CK_RV rv;

    rv = myna_card_read_ef(io, fid, &out, &len);
    if (io->apdus - before > READ_APDUS_MAX)
        fail("unbounded number of READ BINARY");
    if (rv == CKR_OK) {
        if (out == NULL || len == 0 || len > MYNA_EF_MAX)
            fail("read_ef: bad length");
        /* Touch every byte: ASan flags a short allocation. */
        for (size_t i = 0; i < len; i++)
            sink ^= out[i];
        free(out);
    } else if (out != NULL || len != 0) {
        fail("read_ef: output set on error");
    }
}

static void
tries_one(struct myna_io *io, enum myna_key key)
{
    int tries = -7;
    CK_RV rv = myna_card_pin_tries(io, key, &tries);

    if (rv == CKR_OK && (tries < 0 || tries > 15))
        fail("pin_tries out of range");
    if (rv != CKR_OK && tries != 0)
        fail("pin_tries set on error");
}

static void
verify_one(struct myna_io *io, enum myna_key key, const char *pin)
{
    int left = -7;
    CK_RV rv =
        myna_card_verify(io, key, (const uint8_t *)pin, strlen(pin), &left);

    if (left < -1 || left > 15)
        fail("tries_left out of range");
    if (rv == CKR_PIN_LOCKED && left != 0)
        fail("locked but tries_left not 0");
}

static void
sign_one(struct myna_io *io, enum myna_key key, size_t in_len)
{
    uint8_t in[245], sig[256];
    size_t sig_len = 777;
    CK_RV rv;

    memset(in, 0x33, sizeof(in));
    rv = myna_card_sign(io, key, in, in_len, sig, &sig_len);
    if ((rv == CKR_OK) != (sig_len == 256) || (rv != CKR_OK && sig_len != 0))
        fail("signature length");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint16_t fids[] = {
        MYNA_EF_TOKEN_INFO, MYNA_EF_CERT_AVAILABILITY, MYNA_EF_AUTH_CERT,
        MYNA_EF_AUTH_CA,    MYNA_EF_SIGN_CA,           MYNA_EF_SIGN_CERT,
    };
    struct feed f = { data, size, 0 };
    struct myna_io io = { .transmit = fuzz_transmit, .ctx = &f };

    (void)myna_card_select_jpki(&io);
    for (size_t i = 0; i < sizeof(fids) / sizeof(fids[0]); i++)
        read_one(&io, fids[i]);
    tries_one(&io, MYNA_KEY_AUTH);
    tries_one(&io, MYNA_KEY_SIGN);
    verify_one(&io, MYNA_KEY_AUTH, "1234");
    sign_one(&io, MYNA_KEY_AUTH, 51);
    verify_one(&io, MYNA_KEY_SIGN, "ABC123");
    read_one(&io, MYNA_EF_SIGN_CERT);
    (void)myna_card_change(&io, MYNA_KEY_AUTH, (const uint8_t *)"5678", 4);
    sign_one(&io, MYNA_KEY_SIGN, 245);
    return 0;
}
