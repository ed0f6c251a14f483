/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pkcs11/card.c against the in-process virtual card (tests/unit/fake-io.c):
 * the JPKI commands of card-protocol.md §2-§6 with exact CK_RVs, the APDU
 * budget of every read (SELECT + ceil(len/256) READ BINARY: our speed
 * budget), and hostile answers made by the fake io's fault switches.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "../../pkcs11/card.h"
#include "../../tools/vcard/state.h"
#include "fake-io.h"
#include "vcard-fixture.h"

#define INS_SELECT 0xA4
#define INS_READ_BINARY 0xB0
#define INS_VERIFY 0x20
#define INS_SIGN 0x2A

static const uint8_t pin_auth[] = "1234";
static const uint8_t pin_sign[] = "ABC123";
static const uint8_t pin_wrong[] = "0000";
#define PIN_LEN(p) (sizeof(p) - 1)

/* SHA-256 DigestInfo prefix (§6.1) + 32 bytes. */
static const uint8_t digest_info[51] = {
    0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65,
    0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20, 1,    2,    3,
    4,    5,    6,    7,    8,    9,    10,   11,   12,   13,   14,
    15,   16,   17,   18,   19,   20,   21,   22,   23,   24,   25,
    26,   27,   28,   29,   30,   31,   32,
};

struct ctx {
    struct vcard_state *st;
    struct fake_io f;
};

static int
setup(void **state)
{
    struct ctx *c = calloc(1, sizeof(*c));

    if (c == NULL)
        return -1;
    c->st = fixture_card_new();
    if (c->st == NULL) {
        free(c);
        return -1;
    }
    fake_io_init(&c->f, c->st);
    if (myna_card_select_jpki(&c->f.io) != CKR_OK) {
        fixture_card_free(c->st);
        free(c);
        return -1;
    }
    c->f.apdus = 0;
    c->f.io.apdus = 0;
    *state = c;
    return 0;
}

static int
teardown(void **state)
{
    struct ctx *c = *state;

    fixture_card_free(c->st);
    free(c);
    return 0;
}

static struct fake_io *
io_of(void **state)
{
    return &((struct ctx *)*state)->f;
}

static struct vcard_state *
st_of(void **state)
{
    return ((struct ctx *)*state)->st;
}

static void
reset_counts(struct fake_io *f)
{
    f->apdus = 0;
    f->io.apdus = 0;
}

/* ---- SELECT ---------------------------------------------------------- */

static void
test_select(void **state)
{
    struct fake_io *f = io_of(state);
    static const uint8_t want[] = { 0x00, 0xA4, 0x04, 0x0C, 0x0A,
                                    0xD3, 0x92, 0xF0, 0x00, 0x26,
                                    0x01, 0x00, 0x00, 0x00, 0x01 };

    assert_int_equal(myna_card_select_jpki(&f->io), CKR_OK);
    assert_int_equal(f->apdus, 1);
    assert_int_equal(f->io.apdus, 1);
    assert_int_equal(f->last_cmd_len, sizeof(want));
    assert_memory_equal(f->last_cmd, want, sizeof(want));
}

static void
test_select_not_jpki(void **state)
{
    struct fake_io *f = io_of(state);

    f->force_sw_ins = INS_SELECT;
    f->force_sw = 0x6A82;
    assert_int_equal(myna_card_select_jpki(&f->io), CKR_TOKEN_NOT_RECOGNIZED);
    f->force_sw = 0x6E00;
    assert_int_equal(myna_card_select_jpki(&f->io), CKR_DEVICE_ERROR);
}

/* ---- READ BINARY ----------------------------------------------------- */

/* Read fid; it must equal want and cost SELECT + ceil(len/256) READs, the
 * last one asking for exactly the remainder. */
static void
check_read(struct fake_io *f, uint16_t fid, const uint8_t *want, size_t len)
{
    uint8_t *out = NULL;
    size_t out_len = 0;
    size_t reads = (len + 255) / 256;
    size_t rem = len % 256;

    reset_counts(f);
    assert_int_equal(myna_card_read_ef(&f->io, fid, &out, &out_len), CKR_OK);
    assert_non_null(out);
    assert_int_equal(out_len, len);
    assert_memory_equal(out, want, len);
    assert_int_equal(f->apdus, 1 + reads);
    assert_int_equal(f->io.apdus, 1 + reads);
    assert_int_equal(f->last_cmd_len, 5);
    assert_int_equal(f->last_cmd[1], INS_READ_BINARY);
    assert_int_equal((size_t)f->last_cmd[2] << 8 | f->last_cmd[3],
                     (reads - 1) * 256);
    /* Certificates: the last READ asks exactly the remainder (§4.3); a
     * non-DER EF is read with Le=00 until a short answer. */
    if (want[0] == 0x30)
        assert_int_equal(f->last_cmd[4], (uint8_t)rem);
    else
        assert_int_equal(f->last_cmd[4], 0x00);
    free(out);
}

static void
test_read_certs(void **state)
{
    struct fake_io *f = io_of(state);
    struct vcard_state *st = st_of(state);

    check_read(f, MYNA_EF_AUTH_CERT, st->auth_crt.data, st->auth_crt.len);
    check_read(f, MYNA_EF_AUTH_CA, st->auth_ca_crt.data, st->auth_ca_crt.len);
    check_read(f, MYNA_EF_SIGN_CA, st->sign_ca_crt.data, st->sign_ca_crt.len);
    assert_int_equal(myna_card_verify(&f->io, MYNA_KEY_SIGN, pin_sign,
                                      PIN_LEN(pin_sign), NULL),
                     CKR_OK);
    check_read(f, MYNA_EF_SIGN_CERT, st->sign_crt.data, st->sign_crt.len);
    assert_int_equal(st->auth_crt.len, FIXTURE_AUTH_CRT_LEN);
    assert_int_equal(st->sign_crt.len, FIXTURE_SIGN_CRT_LEN);
}

/* The budget of the brief: a 1314-byte certificate is SELECT + 6 READs. */
static void
patch_len_1314(struct fake_io *f, const uint8_t *cmd, size_t cmd_len,
               uint8_t *resp, size_t *resp_len)
{
    (void)f;
    (void)resp_len;
    if (cmd_len == 5 && cmd[1] == INS_READ_BINARY && cmd[2] == 0 &&
        cmd[3] == 0 && resp[0] == 0x30) {
        resp[2] = (1314 - 4) >> 8;
        resp[3] = (uint8_t)(1314 - 4);
    }
}

static void
test_read_1314(void **state)
{
    struct fake_io *f = io_of(state);
    struct vcard_state *st = st_of(state);
    uint8_t *want = malloc(1314);
    uint8_t *out = NULL;
    size_t len = 0;

    assert_non_null(want);
    memcpy(want, st->auth_crt.data, 1314); /* the EF holds filler after */
    want[2] = (1314 - 4) >> 8;
    want[3] = (uint8_t)(1314 - 4);
    f->mangle = patch_len_1314;
    assert_int_equal(myna_card_read_ef(&f->io, MYNA_EF_AUTH_CERT, &out, &len),
                     CKR_OK);
    assert_int_equal(len, 1314);
    assert_memory_equal(out, want, 1314);
    assert_int_equal(f->apdus, 1 + 6);
    assert_int_equal(f->last_cmd[4], 1314 - 1280);
    free(out);
    free(want);
}

static void
test_read_small_efs(void **state)
{
    struct fake_io *f = io_of(state);
    struct vcard_state *st = st_of(state);
    static const uint8_t avail[3] = { 0x8F, 0x8F, 0x00 };

    check_read(f, MYNA_EF_TOKEN_INFO, st->token_info, sizeof(st->token_info));
    assert_int_equal(sizeof(st->token_info), 160);
    assert_int_equal(f->apdus, 2);
    check_read(f, MYNA_EF_CERT_AVAILABILITY, avail, sizeof(avail));
    assert_int_equal(f->apdus, 2);
}

static void
test_read_sign_cert_needs_password(void **state)
{
    struct fake_io *f = io_of(state);
    uint8_t *out = (uint8_t *)&out;
    size_t len = 99;

    assert_int_equal(myna_card_read_ef(&f->io, MYNA_EF_SIGN_CERT, &out, &len),
                     CKR_USER_NOT_LOGGED_IN);
    assert_null(out);
    assert_int_equal(len, 0);
    /* The auth PIN does not open it (§7). */
    assert_int_equal(myna_card_verify(&f->io, MYNA_KEY_AUTH, pin_auth,
                                      PIN_LEN(pin_auth), NULL),
                     CKR_OK);
    assert_int_equal(myna_card_read_ef(&f->io, MYNA_EF_SIGN_CERT, &out, &len),
                     CKR_USER_NOT_LOGGED_IN);
}

static void
test_read_missing_ef(void **state)
{
    struct fake_io *f = io_of(state);
    uint8_t *out = NULL;
    size_t len = 0;

    /* 6A82 on a JPKI card is a card fault for us (sw.c). */
    assert_int_equal(myna_card_read_ef(&f->io, 0x0003, &out, &len),
                     CKR_DEVICE_ERROR);
    assert_null(out);
    assert_int_equal(myna_card_read_ef(NULL, 0x000A, &out, &len),
                     CKR_ARGUMENTS_BAD);
    assert_int_equal(myna_card_read_ef(&f->io, 0x000A, NULL, &len),
                     CKR_ARGUMENTS_BAD);
    assert_int_equal(f->apdus, 1);
}

/* ---- hostile READ BINARY answers ----------------------------------- */

static void
expect_read_rv(struct fake_io *f, uint16_t fid, CK_RV want)
{
    uint8_t *out = (uint8_t *)&out;
    size_t len = 99;

    assert_int_equal(myna_card_read_ef(&f->io, fid, &out, &len), want);
    assert_null(out);
    assert_int_equal(len, 0);
}

static void
test_read_truncated(void **state)
{
    struct fake_io *f = io_of(state);

    f->truncate_ins = INS_READ_BINARY;
    expect_read_rv(f, MYNA_EF_AUTH_CERT, CKR_DEVICE_ERROR);
    expect_read_rv(f, MYNA_EF_AUTH_CA, CKR_DEVICE_ERROR);
}

/* Truncate only a chunk in the middle of the certificate. */
static void
truncate_third(struct fake_io *f, const uint8_t *cmd, size_t cmd_len,
               uint8_t *resp, size_t *resp_len)
{
    (void)f;
    if (cmd_len == 5 && cmd[1] == INS_READ_BINARY && cmd[2] == 2 &&
        *resp_len > 2) {
        memmove(resp + *resp_len - 3, resp + *resp_len - 2, 2);
        (*resp_len)--;
    }
}

static void
test_read_truncated_middle(void **state)
{
    struct fake_io *f = io_of(state);

    f->mangle = truncate_third;
    expect_read_rv(f, MYNA_EF_AUTH_CERT, CKR_DEVICE_ERROR);
    assert_int_equal(f->apdus, 1 + 3);
}

static void
test_read_oversized(void **state)
{
    struct fake_io *f = io_of(state);

    f->oversize_ins = INS_READ_BINARY;
    /* 257 data bytes to Le=00: longer than the buffer. */
    expect_read_rv(f, MYNA_EF_AUTH_CERT, CKR_DEVICE_ERROR);
    assert_int_equal(f->apdus, 2);
}

/* One byte more than asked for in the last, short, chunk: it fits the
 * buffer but exceeds Le. */
static void
oversize_last(struct fake_io *f, const uint8_t *cmd, size_t cmd_len,
              uint8_t *resp, size_t *resp_len)
{
    (void)f;
    if (cmd_len == 5 && cmd[1] == INS_READ_BINARY && cmd[4] != 0 &&
        *resp_len > 2) {
        memmove(resp + *resp_len - 1, resp + *resp_len - 2, 2);
        resp[*resp_len - 2] = 0xEE;
        (*resp_len)++;
    }
}

static void
test_read_oversized_last(void **state)
{
    struct fake_io *f = io_of(state);

    f->mangle = oversize_last;
    expect_read_rv(f, MYNA_EF_AUTH_CERT, CKR_DEVICE_ERROR);
    assert_int_equal(f->apdus, 1 + 6);
}

static void
test_read_one_byte_response(void **state)
{
    struct fake_io *f = io_of(state);

    f->short_ins = INS_READ_BINARY;
    expect_read_rv(f, MYNA_EF_AUTH_CERT, CKR_DEVICE_ERROR);
    expect_read_rv(f, MYNA_EF_TOKEN_INFO, CKR_DEVICE_ERROR);
    f->short_ins = INS_SELECT;
    expect_read_rv(f, MYNA_EF_TOKEN_INFO, CKR_DEVICE_ERROR);
    assert_int_equal(myna_card_select_jpki(&f->io), CKR_DEVICE_ERROR);
}

static void
claim_60000(struct fake_io *f, const uint8_t *cmd, size_t cmd_len,
            uint8_t *resp, size_t *resp_len)
{
    (void)f;
    (void)resp_len;
    if (cmd_len == 5 && cmd[1] == INS_READ_BINARY && cmd[2] == 0 &&
        cmd[3] == 0) {
        resp[2] = (60000 - 4) >> 8;
        resp[3] = (uint8_t)(60000 - 4);
    }
}

static void
test_read_der_too_long(void **state)
{
    struct fake_io *f = io_of(state);

    f->mangle = claim_60000;
    expect_read_rv(f, MYNA_EF_AUTH_CERT, CKR_DEVICE_ERROR);
    assert_int_equal(f->apdus, 2); /* no READ after the bad header */
}

/* The header claims 2000 bytes; the EF has 1500 (§4.2: short answer). */
static void
claim_2000(struct fake_io *f, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
           size_t *resp_len)
{
    (void)f;
    (void)resp_len;
    if (cmd_len == 5 && cmd[1] == INS_READ_BINARY && cmd[2] == 0 &&
        cmd[3] == 0) {
        resp[2] = (2000 - 4) >> 8;
        resp[3] = (uint8_t)(2000 - 4);
    }
}

static void
test_read_der_past_end(void **state)
{
    struct fake_io *f = io_of(state);

    f->mangle = claim_2000;
    expect_read_rv(f, MYNA_EF_AUTH_CERT, CKR_DEVICE_ERROR);
    assert_true(f->apdus <= 1 + 8);
}

/* Bad DER headers: indefinite length, 30 83, 30 82 cut off in a 3-byte
 * EF. */
static void
bad_header(struct fake_io *f, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
           size_t *resp_len)
{
    const uint8_t *h = f->mangle_arg;

    if (cmd_len == 5 && cmd[1] == INS_READ_BINARY) {
        memcpy(resp, h + 1, h[0]);
        resp[h[0]] = 0x90;
        resp[h[0] + 1] = 0x00;
        *resp_len = (size_t)h[0] + 2;
    }
}

static void
test_read_bad_headers(void **state)
{
    struct fake_io *f = io_of(state);
    static const uint8_t indefinite[] = { 4, 0x30, 0x80, 0x01, 0x02 };
    static const uint8_t len3[] = { 5, 0x30, 0x83, 0x00, 0x00, 0x10 };
    static const uint8_t cut[] = { 3, 0x30, 0x82, 0x05 };
    static const uint8_t one[] = { 1, 0x30 };
    static const uint8_t empty[] = { 0 };

    f->mangle = bad_header;
    f->mangle_arg = (void *)indefinite;
    expect_read_rv(f, MYNA_EF_AUTH_CERT, CKR_DEVICE_ERROR);
    f->mangle_arg = (void *)len3;
    expect_read_rv(f, MYNA_EF_AUTH_CERT, CKR_DEVICE_ERROR);
    f->mangle_arg = (void *)cut;
    expect_read_rv(f, MYNA_EF_AUTH_CERT, CKR_DEVICE_ERROR);
    f->mangle_arg = (void *)one;
    expect_read_rv(f, MYNA_EF_AUTH_CERT, CKR_DEVICE_ERROR);
    f->mangle_arg = (void *)empty;
    expect_read_rv(f, MYNA_EF_AUTH_CERT, CKR_DEVICE_ERROR);
}

/* A short DER object in a larger EF: the filler is not returned. */
static void
short_der(struct fake_io *f, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
          size_t *resp_len)
{
    (void)f;
    (void)resp_len;
    if (cmd_len == 5 && cmd[1] == INS_READ_BINARY && cmd[2] == 0 &&
        cmd[3] == 0) {
        resp[1] = 0x81;
        resp[2] = 0xC8; /* 3 + 200 bytes */
    }
}

static void
test_read_der_with_filler(void **state)
{
    struct fake_io *f = io_of(state);
    uint8_t *out = NULL;
    size_t len = 0;

    f->mangle = short_der;
    assert_int_equal(myna_card_read_ef(&f->io, MYNA_EF_AUTH_CERT, &out, &len),
                     CKR_OK);
    assert_int_equal(len, 203);
    assert_int_equal(f->apdus, 2);
    assert_int_equal(out[1], 0x81);
    assert_memory_equal(out + 3, st_of(state)->auth_crt.data + 3, 200);
    free(out);
}

/* A card that answers 256 bytes of non-DER data to every READ. */
static void
endless(struct fake_io *f, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
        size_t *resp_len)
{
    size_t le;

    (void)f;
    if (cmd_len == 5 && cmd[1] == INS_READ_BINARY) {
        le = cmd[4] == 0 ? 256 : cmd[4];
        memset(resp, 0x41, le);
        resp[le] = 0x90;
        resp[le + 1] = 0x00;
        *resp_len = le + 2;
    }
}

static void
test_read_endless(void **state)
{
    struct fake_io *f = io_of(state);

    f->mangle = endless;
    expect_read_rv(f, MYNA_EF_TOKEN_INFO, CKR_DEVICE_ERROR);
    /* SELECT, MYNA_EF_MAX / 256 full reads, one 1-byte probe. */
    assert_int_equal(f->apdus, 1 + MYNA_EF_MAX / 256 + 1);
}

/* Non-DER EF of exactly 512 bytes: ends with 6B00 (§4.2). */
static void
exact_512(struct fake_io *f, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
          size_t *resp_len)
{
    (void)f;
    if (cmd_len == 5 && cmd[1] == INS_READ_BINARY) {
        if (cmd[2] >= 2) {
            resp[0] = 0x6B;
            resp[1] = 0x00;
            *resp_len = 2;
            return;
        }
        memset(resp, 0x42 + cmd[2], 256);
        resp[256] = 0x90;
        resp[257] = 0x00;
        *resp_len = 258;
    }
}

static void
test_read_plain_multiple_of_256(void **state)
{
    struct fake_io *f = io_of(state);
    uint8_t *out = NULL;
    size_t len = 0;

    f->mangle = exact_512;
    assert_int_equal(myna_card_read_ef(&f->io, MYNA_EF_TOKEN_INFO, &out, &len),
                     CKR_OK);
    assert_int_equal(len, 512);
    assert_int_equal(out[0], 0x42);
    assert_int_equal(out[511], 0x43);
    assert_int_equal(f->apdus, 4);
    free(out);
}

static void
test_read_removed(void **state)
{
    struct fake_io *f = io_of(state);

    f->fail_after = 3; /* SELECT, READ, READ, then gone */
    expect_read_rv(f, MYNA_EF_AUTH_CERT, CKR_DEVICE_REMOVED);
    assert_int_equal(f->apdus, 3);
    f->fail_after = 0;
    expect_read_rv(f, MYNA_EF_AUTH_CERT, CKR_DEVICE_REMOVED);
    assert_int_equal(myna_card_select_jpki(&f->io), CKR_DEVICE_REMOVED);
}

/* ---- 61xx / 6Cxx (§14) --------------------------------------------- */

struct t0 {
    uint8_t pending[MYNA_APDU_RESP_MAX];
    size_t n;
    unsigned long get_responses, wrong_le;
};

/* Emulate T=0: data comes as 61xx + GET RESPONSE. */
static void
t0_mangle(struct fake_io *f, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
          size_t *resp_len)
{
    struct t0 *t = f->mangle_arg;

    if (cmd_len == 5 && cmd[1] == 0xC0) {
        t->get_responses++;
        assert_int_equal(cmd[4], (uint8_t)t->n);
        memcpy(resp, t->pending, t->n);
        resp[t->n] = 0x90;
        resp[t->n + 1] = 0x00;
        *resp_len = t->n + 2;
        return;
    }
    if (*resp_len > 2 && resp[*resp_len - 2] == 0x90) {
        t->n = *resp_len - 2;
        memcpy(t->pending, resp, t->n);
        resp[0] = 0x61;
        resp[1] = (uint8_t)t->n;
        *resp_len = 2;
    }
}

/* READ BINARY with a Le that is not the remaining size answers 6Cxx. */
static void
wrong_le_mangle(struct fake_io *f, const uint8_t *cmd, size_t cmd_len,
                uint8_t *resp, size_t *resp_len)
{
    struct t0 *t = f->mangle_arg;
    size_t le, dn = *resp_len - 2;

    if (cmd_len == 5 && cmd[1] == INS_READ_BINARY && *resp_len >= 2) {
        le = cmd[4] == 0 ? 256 : cmd[4];
        if (resp[dn] == 0x90 && dn < le) {
            t->wrong_le++;
            resp[0] = 0x6C;
            resp[1] = (uint8_t)dn;
            *resp_len = 2;
        }
    }
}

static void
test_get_response(void **state)
{
    struct fake_io *f = io_of(state);
    struct vcard_state *st = st_of(state);
    struct t0 t = { { 0 }, 0, 0, 0 };
    uint8_t sig[256];
    size_t sig_len = 0;
    uint8_t *out = NULL;
    size_t len = 0;

    f->mangle = t0_mangle;
    f->mangle_arg = &t;
    assert_int_equal(myna_card_read_ef(&f->io, MYNA_EF_AUTH_CERT, &out, &len),
                     CKR_OK);
    assert_int_equal(len, st->auth_crt.len);
    assert_memory_equal(out, st->auth_crt.data, len);
    assert_int_equal(t.get_responses, 6);
    free(out);
    assert_int_equal(myna_card_verify(&f->io, MYNA_KEY_AUTH, pin_auth,
                                      PIN_LEN(pin_auth), NULL),
                     CKR_OK);
    t.get_responses = 0;
    assert_int_equal(myna_card_sign(&f->io, MYNA_KEY_AUTH, digest_info,
                                    sizeof(digest_info), sig, &sig_len),
                     CKR_OK);
    assert_int_equal(sig_len, 256);
    assert_int_equal(t.get_responses, 1);
}

static void
test_wrong_le(void **state)
{
    struct fake_io *f = io_of(state);
    struct vcard_state *st = st_of(state);
    struct t0 t = { { 0 }, 0, 0, 0 };
    uint8_t *out = NULL;
    size_t len = 0;

    f->mangle = wrong_le_mangle;
    f->mangle_arg = &t;
    assert_int_equal(myna_card_read_ef(&f->io, MYNA_EF_TOKEN_INFO, &out, &len),
                     CKR_OK);
    assert_int_equal(len, 160);
    assert_memory_equal(out, st->token_info, 160);
    assert_int_equal(t.wrong_le, 1);
    assert_int_equal(f->apdus, 3);
    free(out);
}

/* A card that answers 61xx forever, or 6Cxx forever. */
static void
always_61(struct fake_io *f, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
          size_t *resp_len)
{
    (void)cmd;
    (void)cmd_len;
    resp[0] = (uint8_t)(uintptr_t)f->mangle_arg;
    resp[1] = 0x10;
    *resp_len = 2;
}

static void
test_61_6c_bounded(void **state)
{
    struct fake_io *f = io_of(state);

    f->mangle = always_61;
    f->mangle_arg = (void *)(uintptr_t)0x61;
    expect_read_rv(f, MYNA_EF_AUTH_CERT, CKR_DEVICE_ERROR);
    assert_int_equal(f->apdus, 1); /* SELECT has no Le: no GET RESPONSE */
    f->apdus = 0;
    assert_int_equal(myna_card_select_jpki(&f->io), CKR_DEVICE_ERROR);
    f->mangle_arg = (void *)(uintptr_t)0x6C;
    f->apdus = 0;
    expect_read_rv(f, MYNA_EF_AUTH_CERT, CKR_DEVICE_ERROR);
    assert_int_equal(f->apdus, 1);
}

/* 61xx on the READ only: one GET RESPONSE, then give up. */
static void
read_61(struct fake_io *f, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
        size_t *resp_len)
{
    (void)f;
    if (cmd_len == 5 && (cmd[1] == INS_READ_BINARY || cmd[1] == 0xC0)) {
        resp[0] = 0x61; /* to the READ and to the GET RESPONSE */
        resp[1] = 0x00;
        *resp_len = 2;
    }
}

static void
test_61_once(void **state)
{
    struct fake_io *f = io_of(state);

    f->mangle = read_61;
    expect_read_rv(f, MYNA_EF_AUTH_CERT, CKR_DEVICE_ERROR);
    assert_int_equal(f->apdus, 3); /* SELECT, READ, one GET RESPONSE */
}

/* ---- PINs ------------------------------------------------------------ */

static void
test_pin_tries(void **state)
{
    struct fake_io *f = io_of(state);
    int tries = -1;

    for (int i = 0; i < 10; i++) {
        tries = -1;
        assert_int_equal(myna_card_pin_tries(&f->io, MYNA_KEY_AUTH, &tries),
                         CKR_OK);
        assert_int_equal(tries, 3);
    }
    assert_int_equal(myna_card_pin_tries(&f->io, MYNA_KEY_SIGN, &tries),
                     CKR_OK);
    assert_int_equal(tries, 5);
    assert_int_equal(f->apdus, 22);
    assert_int_equal(f->last_cmd_len, 4);
    assert_int_equal(myna_card_pin_tries(&f->io, MYNA_KEY_AUTH, NULL),
                     CKR_ARGUMENTS_BAD);
    assert_int_equal(myna_card_pin_tries(&f->io, (enum myna_key)7, &tries),
                     CKR_ARGUMENTS_BAD);
}

static void
test_pin_tries_bad_answer(void **state)
{
    struct fake_io *f = io_of(state);
    int tries = -1;

    f->force_sw_ins = INS_VERIFY;
    f->force_sw = 0x9000; /* never on this card (§5.3) */
    assert_int_equal(myna_card_pin_tries(&f->io, MYNA_KEY_AUTH, &tries),
                     CKR_DEVICE_ERROR);
    f->force_sw = 0x6984; /* §5.3: a blocked key answers 63C0 here */
    assert_int_equal(myna_card_pin_tries(&f->io, MYNA_KEY_AUTH, &tries),
                     CKR_DEVICE_ERROR);
    f->force_sw = 0x6A86;
    assert_int_equal(myna_card_pin_tries(&f->io, MYNA_KEY_AUTH, &tries),
                     CKR_DEVICE_ERROR);
    f->force_sw_ins = -1;
    f->short_ins = INS_VERIFY; /* 1 byte: no SW */
    assert_int_equal(myna_card_pin_tries(&f->io, MYNA_KEY_AUTH, &tries),
                     CKR_DEVICE_ERROR);
}

static void
test_verify_ok(void **state)
{
    struct fake_io *f = io_of(state);
    static const uint8_t want[] = { 0x00, 0x20, 0x00, 0x80, 0x04,
                                    '1',  '2',  '3',  '4' };
    int left = 0;

    assert_int_equal(myna_card_verify(&f->io, MYNA_KEY_AUTH, pin_auth,
                                      PIN_LEN(pin_auth), &left),
                     CKR_OK);
    assert_int_equal(left, 3);
    assert_int_equal(f->apdus, 2);
    assert_int_equal(f->last_cmd_len, sizeof(want));
    assert_memory_equal(f->last_cmd, want, sizeof(want));
    assert_int_equal(myna_card_verify(&f->io, MYNA_KEY_SIGN, pin_sign,
                                      PIN_LEN(pin_sign), &left),
                     CKR_OK);
    assert_int_equal(left, 5);
}

static void
test_verify_refuses_empty(void **state)
{
    struct fake_io *f = io_of(state);
    uint8_t long_pin[17];
    int left = 0;

    memset(long_pin, '1', sizeof(long_pin));
    assert_int_equal(
        myna_card_verify(&f->io, MYNA_KEY_AUTH, pin_auth, 0, &left),
        CKR_ARGUMENTS_BAD);
    assert_int_equal(myna_card_verify(&f->io, MYNA_KEY_AUTH, NULL, 4, &left),
                     CKR_ARGUMENTS_BAD);
    assert_int_equal(myna_card_verify(&f->io, MYNA_KEY_SIGN, long_pin,
                                      sizeof(long_pin), &left),
                     CKR_ARGUMENTS_BAD);
    assert_int_equal(f->apdus, 0);
}

static void
test_verify_lockout(void **state)
{
    struct fake_io *f = io_of(state);
    int left = -1, tries = -1;

    assert_int_equal(myna_card_verify(&f->io, MYNA_KEY_AUTH, pin_wrong,
                                      PIN_LEN(pin_wrong), &left),
                     CKR_PIN_INCORRECT);
    assert_int_equal(left, 2);
    assert_int_equal(myna_card_verify(&f->io, MYNA_KEY_AUTH, pin_wrong,
                                      PIN_LEN(pin_wrong), &left),
                     CKR_PIN_INCORRECT);
    assert_int_equal(left, 1);
    assert_int_equal(myna_card_verify(&f->io, MYNA_KEY_AUTH, pin_wrong,
                                      PIN_LEN(pin_wrong), &left),
                     CKR_PIN_LOCKED); /* 63C0 */
    assert_int_equal(left, 0);
    left = -1;
    assert_int_equal(myna_card_verify(&f->io, MYNA_KEY_AUTH, pin_auth,
                                      PIN_LEN(pin_auth), &left),
                     CKR_PIN_LOCKED); /* 6984 */
    assert_int_equal(left, 0);
    assert_int_equal(myna_card_verify(&f->io, MYNA_KEY_AUTH, pin_auth,
                                      PIN_LEN(pin_auth), NULL),
                     CKR_PIN_LOCKED);
    assert_int_equal(myna_card_pin_tries(&f->io, MYNA_KEY_AUTH, &tries),
                     CKR_OK);
    assert_int_equal(tries, 0);
    /* The sign password is untouched. */
    assert_int_equal(myna_card_pin_tries(&f->io, MYNA_KEY_SIGN, &tries),
                     CKR_OK);
    assert_int_equal(tries, 5);
}

static void
test_verify_wrong_then_right(void **state)
{
    struct fake_io *f = io_of(state);
    static const uint8_t wrong_sign[] = "ZZZ999";
    int left = -1;

    assert_int_equal(myna_card_verify(&f->io, MYNA_KEY_SIGN, wrong_sign,
                                      PIN_LEN(wrong_sign), &left),
                     CKR_PIN_INCORRECT);
    assert_int_equal(left, 4);
    assert_int_equal(myna_card_verify(&f->io, MYNA_KEY_SIGN, pin_sign,
                                      PIN_LEN(pin_sign), &left),
                     CKR_OK);
    assert_int_equal(left, 5);
}

static void
test_change(void **state)
{
    struct fake_io *f = io_of(state);
    static const uint8_t new_pin[] = "5678";
    static const uint8_t bad_pin[] = "12a4";
    int left = -1;

    /* Not verified: 6982. */
    assert_int_equal(
        myna_card_change(&f->io, MYNA_KEY_AUTH, new_pin, PIN_LEN(new_pin)),
        CKR_USER_NOT_LOGGED_IN);
    assert_int_equal(myna_card_verify(&f->io, MYNA_KEY_AUTH, pin_auth,
                                      PIN_LEN(pin_auth), NULL),
                     CKR_OK);
    /* The card's own format check (§5.4, virtual card: 6A80). */
    assert_int_equal(
        myna_card_change(&f->io, MYNA_KEY_AUTH, bad_pin, PIN_LEN(bad_pin)),
        CKR_PIN_INVALID);
    assert_int_equal(
        myna_card_change(&f->io, MYNA_KEY_AUTH, new_pin, PIN_LEN(new_pin)),
        CKR_OK);
    assert_int_equal(f->last_cmd[1], 0x24);
    assert_int_equal(f->last_cmd[2], 0x01);
    assert_int_equal(myna_card_select_jpki(&f->io), CKR_OK);
    assert_int_equal(myna_card_verify(&f->io, MYNA_KEY_AUTH, pin_auth,
                                      PIN_LEN(pin_auth), &left),
                     CKR_PIN_INCORRECT);
    assert_int_equal(left, 2);
    assert_int_equal(myna_card_verify(&f->io, MYNA_KEY_AUTH, new_pin,
                                      PIN_LEN(new_pin), &left),
                     CKR_OK);
    assert_int_equal(left, 3);
    assert_int_equal(myna_card_change(&f->io, MYNA_KEY_AUTH, new_pin, 0),
                     CKR_ARGUMENTS_BAD);
}

/* A SELECT, READ or signature answered with a PIN status word is a card
 * fault, never a PIN error (found by fuzz-p11-card: a SELECT answered
 * 6984 made VERIFY return CKR_PIN_LOCKED with tries_left -1). */
static void
test_pin_sw_elsewhere(void **state)
{
    struct fake_io *f = io_of(state);
    uint8_t sig[256];
    size_t sig_len = 0;
    int left = 5;

    f->force_sw_ins = INS_SELECT;
    f->force_sw = 0x6984;
    assert_int_equal(myna_card_verify(&f->io, MYNA_KEY_AUTH, pin_auth,
                                      PIN_LEN(pin_auth), &left),
                     CKR_DEVICE_ERROR);
    assert_int_equal(left, -1);
    f->force_sw = 0x6982;
    expect_read_rv(f, MYNA_EF_AUTH_CERT, CKR_DEVICE_ERROR);
    f->force_sw_ins = INS_READ_BINARY;
    f->force_sw = 0x63C2;
    expect_read_rv(f, MYNA_EF_AUTH_CERT, CKR_DEVICE_ERROR);
    f->force_sw_ins = INS_SIGN;
    f->force_sw = 0x6984;
    assert_int_equal(myna_card_sign(&f->io, MYNA_KEY_AUTH, digest_info,
                                    sizeof(digest_info), sig, &sig_len),
                     CKR_DEVICE_ERROR);
    f->force_sw = 0x6982;
    assert_int_equal(myna_card_sign(&f->io, MYNA_KEY_AUTH, digest_info,
                                    sizeof(digest_info), sig, &sig_len),
                     CKR_USER_NOT_LOGGED_IN);
    /* 6982 to a VERIFY with the PIN: a card fault, never the
     * CKR_USER_NOT_LOGGED_IN C_Login may not return (fuzz-p11-module). */
    f->force_sw_ins = INS_VERIFY;
    assert_int_equal(myna_card_verify(&f->io, MYNA_KEY_AUTH, pin_auth,
                                      PIN_LEN(pin_auth), &left),
                     CKR_DEVICE_ERROR);
    assert_int_equal(left, -1);
}

/* ---- signing --------------------------------------------------------- */

static void
check_signature(const uint8_t *sig, size_t sig_len, const uint8_t *in,
                size_t in_len)
{
    EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new(fixture_key(), NULL);
    uint8_t rec[256];
    size_t rec_len = sizeof(rec);

    assert_non_null(pctx);
    assert_int_equal(EVP_PKEY_verify_recover_init(pctx), 1);
    assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING), 1);
    assert_int_equal(EVP_PKEY_verify_recover(pctx, rec, &rec_len, sig, sig_len),
                     1);
    assert_int_equal(rec_len, in_len);
    assert_memory_equal(rec, in, in_len);
    EVP_PKEY_CTX_free(pctx);
}

static void
test_sign(void **state)
{
    struct fake_io *f = io_of(state);
    uint8_t sig[256], big[245];
    size_t sig_len = 0;

    assert_int_equal(myna_card_verify(&f->io, MYNA_KEY_AUTH, pin_auth,
                                      PIN_LEN(pin_auth), NULL),
                     CKR_OK);
    reset_counts(f);
    assert_int_equal(myna_card_sign(&f->io, MYNA_KEY_AUTH, digest_info,
                                    sizeof(digest_info), sig, &sig_len),
                     CKR_OK);
    assert_int_equal(sig_len, 256);
    assert_int_equal(f->apdus, 2);
    assert_int_equal(f->last_cmd_len, 5 + sizeof(digest_info) + 1);
    check_signature(sig, sig_len, digest_info, sizeof(digest_info));

    memset(big, 0x5A, sizeof(big));
    assert_int_equal(
        myna_card_sign(&f->io, MYNA_KEY_AUTH, big, sizeof(big), sig, &sig_len),
        CKR_OK);
    check_signature(sig, sig_len, big, sizeof(big));
    assert_int_equal(
        myna_card_sign(&f->io, MYNA_KEY_AUTH, big, 1, sig, &sig_len), CKR_OK);
    check_signature(sig, sig_len, big, 1);

    assert_int_equal(myna_card_verify(&f->io, MYNA_KEY_SIGN, pin_sign,
                                      PIN_LEN(pin_sign), NULL),
                     CKR_OK);
    assert_int_equal(myna_card_sign(&f->io, MYNA_KEY_SIGN, digest_info,
                                    sizeof(digest_info), sig, &sig_len),
                     CKR_OK);
    check_signature(sig, sig_len, digest_info, sizeof(digest_info));
}

static void
test_sign_not_logged_in(void **state)
{
    struct fake_io *f = io_of(state);
    uint8_t sig[256];
    size_t sig_len = 99;

    assert_int_equal(myna_card_sign(&f->io, MYNA_KEY_AUTH, digest_info,
                                    sizeof(digest_info), sig, &sig_len),
                     CKR_USER_NOT_LOGGED_IN);
    assert_int_equal(sig_len, 0);
    /* The auth PIN does not open the sign key (§7). */
    assert_int_equal(myna_card_verify(&f->io, MYNA_KEY_AUTH, pin_auth,
                                      PIN_LEN(pin_auth), NULL),
                     CKR_OK);
    assert_int_equal(myna_card_sign(&f->io, MYNA_KEY_SIGN, digest_info,
                                    sizeof(digest_info), sig, &sig_len),
                     CKR_USER_NOT_LOGGED_IN);
}

static void
test_sign_len_range(void **state)
{
    struct fake_io *f = io_of(state);
    uint8_t in[246], sig[256];
    size_t sig_len = 0;

    memset(in, 1, sizeof(in));
    assert_int_equal(
        myna_card_sign(&f->io, MYNA_KEY_AUTH, in, sizeof(in), sig, &sig_len),
        CKR_DATA_LEN_RANGE);
    assert_int_equal(
        myna_card_sign(&f->io, MYNA_KEY_AUTH, in, 0, sig, &sig_len),
        CKR_DATA_LEN_RANGE);
    assert_int_equal(
        myna_card_sign(&f->io, MYNA_KEY_AUTH, in, 10, NULL, &sig_len),
        CKR_ARGUMENTS_BAD);
    assert_int_equal(f->apdus, 0);
}

static void
test_sign_bad_responses(void **state)
{
    struct fake_io *f = io_of(state);
    uint8_t sig[256];
    size_t sig_len = 99;

    assert_int_equal(myna_card_verify(&f->io, MYNA_KEY_AUTH, pin_auth,
                                      PIN_LEN(pin_auth), NULL),
                     CKR_OK);
    f->truncate_ins = INS_SIGN; /* 255 bytes + 9000 */
    assert_int_equal(myna_card_sign(&f->io, MYNA_KEY_AUTH, digest_info,
                                    sizeof(digest_info), sig, &sig_len),
                     CKR_DEVICE_ERROR);
    assert_int_equal(sig_len, 0);
    f->truncate_ins = -1;
    f->oversize_ins = INS_SIGN; /* 257 bytes: past the buffer */
    assert_int_equal(myna_card_sign(&f->io, MYNA_KEY_AUTH, digest_info,
                                    sizeof(digest_info), sig, &sig_len),
                     CKR_DEVICE_ERROR);
    f->oversize_ins = -1;
    f->short_ins = INS_SIGN;
    assert_int_equal(myna_card_sign(&f->io, MYNA_KEY_AUTH, digest_info,
                                    sizeof(digest_info), sig, &sig_len),
                     CKR_DEVICE_ERROR);
    f->short_ins = -1;
    f->force_sw_ins = INS_SIGN;
    f->force_sw = 0x9000; /* no signature at all */
    assert_int_equal(myna_card_sign(&f->io, MYNA_KEY_AUTH, digest_info,
                                    sizeof(digest_info), sig, &sig_len),
                     CKR_DEVICE_ERROR);
    f->force_sw_ins = -1;
    f->fail_after = (int)f->apdus + 1; /* removed after the SELECT */
    assert_int_equal(myna_card_sign(&f->io, MYNA_KEY_AUTH, digest_info,
                                    sizeof(digest_info), sig, &sig_len),
                     CKR_DEVICE_REMOVED);
    assert_int_equal(sig_len, 0);
}

/* ---- the SW table ---------------------------------------------------- */

static void
test_sw_table(void **state)
{
    (void)state;
    assert_int_equal(myna_sw_to_rv(0x9000), CKR_OK);
    assert_int_equal(myna_sw_to_rv(0x6982), CKR_USER_NOT_LOGGED_IN);
    assert_int_equal(myna_sw_to_rv(0x6984), CKR_PIN_LOCKED);
    assert_int_equal(myna_sw_to_rv(0x6983), CKR_PIN_LOCKED);
    assert_int_equal(myna_sw_to_rv(0x63C0), CKR_PIN_LOCKED);
    assert_int_equal(myna_sw_to_rv(0x63C1), CKR_PIN_INCORRECT);
    assert_int_equal(myna_sw_to_rv(0x63C5), CKR_PIN_INCORRECT);
    assert_int_equal(myna_sw_to_rv(0x6A82), CKR_DEVICE_ERROR);
    assert_int_equal(myna_sw_to_rv(0x6700), CKR_DEVICE_ERROR);
    assert_int_equal(myna_sw_to_rv(0x6B00), CKR_DEVICE_ERROR);
    assert_int_equal(myna_sw_to_rv(0x6581), CKR_DEVICE_ERROR);
    assert_int_equal(myna_sw_to_rv(0x6110), CKR_DEVICE_ERROR);
    assert_int_equal(myna_sw_to_rv(0x0000), CKR_DEVICE_ERROR);
    assert_int_equal(myna_sw_to_rv(0x6381), CKR_DEVICE_ERROR);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_select),
        T(test_select_not_jpki),
        T(test_read_certs),
        T(test_read_1314),
        T(test_read_small_efs),
        T(test_read_sign_cert_needs_password),
        T(test_read_missing_ef),
        T(test_read_truncated),
        T(test_read_truncated_middle),
        T(test_read_oversized),
        T(test_read_oversized_last),
        T(test_read_one_byte_response),
        T(test_read_der_too_long),
        T(test_read_der_past_end),
        T(test_read_bad_headers),
        T(test_read_der_with_filler),
        T(test_read_endless),
        T(test_read_plain_multiple_of_256),
        T(test_read_removed),
        T(test_get_response),
        T(test_wrong_le),
        T(test_61_6c_bounded),
        T(test_61_once),
        T(test_pin_tries),
        T(test_pin_tries_bad_answer),
        T(test_verify_ok),
        T(test_verify_refuses_empty),
        T(test_verify_lockout),
        T(test_verify_wrong_then_right),
        T(test_change),
        T(test_pin_sw_elsewhere),
        T(test_sign),
        T(test_sign_not_logged_in),
        T(test_sign_len_range),
        T(test_sign_bad_responses),
        cmocka_unit_test(test_sw_table),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
