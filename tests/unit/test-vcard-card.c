/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The virtual card's command engine against card-protocol.md: one test per
 * row of the §15 checklist that concerns the JPKI AP and the card info
 * input support AP (§2-§8, §11), with exact status words and data.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "apdu.h"
#include "card.h"
#include "content.h"
#include "people.h"
#include "state.h"
#include "vcard-fixture.h"

#define AID_JPKI "D392F000260100000001"
#define AID_TEXT "D3921000310001010408"
#define SEL_JPKI "00A4040C0A" AID_JPKI
#define SEL_TEXT "00A4040C0A" AID_TEXT
#define SEL_EF(fid) "00A4020C02" fid
#define VERIFY_AUTH "00200080041234"
#define VERIFY_EMPTY "00200080"
/* "1234", "ABC123", "4321" in ASCII */
#define PIN_AUTH "0431323334"
#define PIN_SIGN "06414243313233"
#define PIN_TEXT "0434333231"
#define PIN_WRONG4 "0430303030"
#define PIN_WRONG_SIGN "065a5a5a393939"

/* SHA-256 DigestInfo prefix (§6.1). */
static const uint8_t sha256_prefix[19] = {
    0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
    0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20,
};

static int
setup(void **state)
{
    struct vcard_state *st = fixture_card_new();

    if (st == NULL)
        return -1;
    *state = st;
    return 0;
}

static int
teardown(void **state)
{
    fixture_card_free(*state);
    return 0;
}

static struct vcard_state *
st_of(void **state)
{
    return *state;
}

static struct vcard *
card_of(void **state)
{
    return &st_of(state)->card;
}

/* Send hex; the answer must be exactly `want` without data. */
static void
expect_sw(struct vcard *card, const char *hex, uint16_t want)
{
    uint8_t data[VCARD_RESP_MAX];
    size_t len = 0;
    uint16_t got = fixture_apdu(card, hex, data, &len);

    if (got != want || len != 0)
        print_error("APDU %s: SW %04X (%zu data bytes), expected %04X\n", hex,
                    got, len, want);
    assert_int_equal(got, want);
    assert_int_equal(len, 0);
}

/* Send hex; the answer must be 9000.  Returns the data length. */
static size_t
expect_data(struct vcard *card, const char *hex, uint8_t *data)
{
    size_t len = 0;
    uint16_t got = fixture_apdu(card, hex, data, &len);

    if (got != SW_OK)
        print_error("APDU %s: SW %04X, expected 9000\n", hex, got);
    assert_int_equal(got, SW_OK);
    return len;
}

static void
read_binary_hex(char *out, size_t cap, size_t offset, unsigned le)
{
    int n = snprintf(out, cap, "00B0%02X%02X%02X", (unsigned)(offset >> 8),
                     (unsigned)(offset & 0xFF), le);

    assert_true(n > 0 && (size_t)n < cap);
}

/* SELECT fid (4 hex digits) in the current DF and read the whole EF in
 * 256-byte chunks, as OpenSC does (§4.3).  Returns its length. */
static size_t
read_ef(struct vcard *card, const char *fid, uint8_t *buf, size_t cap)
{
    char sel[32], rb[16];
    size_t total = 0, len;
    uint16_t sw;

    assert_true(snprintf(sel, sizeof(sel), "00A4020C02%s", fid) == 14);
    expect_sw(card, sel, SW_OK);
    for (;;) {
        read_binary_hex(rb, sizeof(rb), total, 0);
        assert_true(total + 256 <= cap);
        sw = fixture_apdu(card, rb, buf + total, &len);
        if (sw == SW_OFFSET_OUTSIDE) {
            assert_int_equal(len, 0);
            break;
        }
        assert_int_equal(sw, SW_OK);
        assert_true(len > 0 && len <= 256);
        total += len;
        if (len < 256)
            break;
    }
    return total;
}

static void
digest_info(const void *msg, size_t len, uint8_t out[51])
{
    memcpy(out, sha256_prefix, sizeof(sha256_prefix));
    assert_int_equal(EVP_Digest(msg, len, out + 19, NULL, EVP_sha256(), NULL),
                     1);
}

/* 80 2A P1 P2 Lc <in> 00 */
static uint16_t
sign(struct vcard *card, uint8_t p1, uint8_t p2, const uint8_t *in, size_t len,
     uint8_t *sig, size_t *sig_len)
{
    uint8_t apdu[5 + 255 + 1] = { 0x80, 0x2A, p1, p2, (uint8_t)len };

    assert_true(len >= 1 && len <= 255);
    memcpy(apdu + 5, in, len);
    apdu[5 + len] = 0x00;
    return fixture_apdu_bin(card, apdu, 6 + len, sig, sig_len);
}

/* The signature is PKCS#1 v1.5 type 01 over exactly `in` (§6.1). */
static void
assert_signature(const uint8_t *sig, size_t sig_len, const uint8_t *in,
                 size_t in_len)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(fixture_key(), NULL);
    uint8_t out[256];
    size_t out_len = sizeof(out);

    assert_int_equal(sig_len, 256);
    assert_non_null(ctx);
    assert_int_equal(EVP_PKEY_verify_recover_init(ctx), 1);
    assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING), 1);
    assert_int_equal(EVP_PKEY_verify_recover(ctx, out, &out_len, sig, sig_len),
                     1);
    assert_int_equal(out_len, in_len);
    assert_memory_equal(out, in, in_len);
    assert_int_equal(EVP_PKEY_verify_init(ctx), 1);
    assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING), 1);
    assert_int_equal(EVP_PKEY_verify(ctx, sig, sig_len, in, in_len), 1);
    EVP_PKEY_CTX_free(ctx);
}

/* Sign a SHA-256 DigestInfo of "myna" with the current key: 9000 and a
 * valid signature, or `want` without data. */
static void
expect_sign(struct vcard *card, uint8_t p2, uint16_t want)
{
    uint8_t di[51], sig[VCARD_RESP_MAX];
    size_t sig_len = 0;
    uint16_t got;

    digest_info("myna", 4, di);
    got = sign(card, 0x00, p2, di, sizeof(di), sig, &sig_len);
    if (got != want)
        print_error("COMPUTE SIGNATURE P2=%02X: SW %04X, expected %04X\n", p2,
                    got, want);
    assert_int_equal(got, want);
    if (want == SW_OK)
        assert_signature(sig, sig_len, di, sizeof(di));
    else
        assert_int_equal(sig_len, 0);
}

static void
login_sign(struct vcard *card)
{
    expect_sw(card, SEL_EF("001B"), SW_OK);
    expect_sw(card, "00200080" PIN_SIGN, SW_OK);
}

static void
login_auth(struct vcard *card)
{
    expect_sw(card, SEL_EF("0018"), SW_OK);
    expect_sw(card, "00200080" PIN_AUTH, SW_OK);
}

/* ---- §2: SELECT ------------------------------------------------------ */

static void
test_select_jpki(void **state)
{
    struct vcard *card = card_of(state);

    expect_sw(card, SEL_JPKI, SW_OK);
    assert_int_equal(card->cur_ef, -1);
    assert_string_equal(card->apps[card->cur_app].name, "jpki");
}

static void
test_select_other_aps(void **state)
{
    struct vcard *card = card_of(state);

    expect_sw(card, SEL_TEXT, SW_OK);
    expect_sw(card, "00A4040C0AD3921000310001010402", SW_OK); /* surface */
    expect_sw(card, "00A4040C0AD3921000310001010401", SW_OK); /* 住基 */
    expect_sw(card, "00A4040C0AD3921000310001010100", SW_OK); /* 共通 */
    expect_sw(card, "00A4040C07A0000001510000", SW_OK);       /* GP ISD */
}

static void
test_select_unknown_aid(void **state)
{
    struct vcard *card = card_of(state);

    /* Foreign AIDs of OpenSC's driver probes must never answer 9000. */
    expect_sw(card, "00A4040C0BA000000308000010000100", SW_FILE_NOT_FOUND);
    expect_sw(card, "00A4040C06D27600012401", SW_FILE_NOT_FOUND);
    expect_sw(card, "00A4040C0BE82B0601040181C31F0201", SW_FILE_NOT_FOUND);
    expect_sw(card, "00A4040C09A00000039742544659", SW_FILE_NOT_FOUND);
    /* Longer than the JPKI AID: not a prefix. */
    expect_sw(card, "00A4040C0B" AID_JPKI "00", SW_FILE_NOT_FOUND);
    /* A failed SELECT leaves no application current. */
    expect_sw(card, "00A40000", SW_WRONG_P1P2);
}

static void
test_select_partial_aid(void **state)
{
    struct vcard *card = card_of(state);

    expect_sw(card, "00A4040C05D392F00026", SW_OK);
    assert_string_equal(card->apps[card->cur_app].name, "jpki");
    expect_sw(card, SEL_EF("0006"), SW_OK);
    /* An application whose DF name starts so (§2.2). */
    expect_sw(card, "00A4040C03D39210", SW_OK);
    assert_memory_equal(card->apps[card->cur_app].aid, "\xD3\x92\x10", 3);
    expect_sw(card, "00A4040C03D39211", SW_FILE_NOT_FOUND);
}

static void
test_select_fci(void **state)
{
    struct vcard *card = card_of(state);
    uint8_t data[VCARD_RESP_MAX];
    size_t len = 0;
    uint16_t sw = fixture_apdu(card, "00A404000A" AID_JPKI "00", data, &len);

    /* §2.2 EMULATOR: P2=00 answers a minimal FCI or 6A86. */
    if (sw == SW_WRONG_P1P2) {
        assert_int_equal(len, 0);
        return;
    }
    assert_int_equal(sw, SW_OK);
    assert_true(len >= 2);
    assert_int_equal(data[0], 0x6F);
    assert_int_equal(data[1], len - 2);
}

static void
test_select_ef(void **state)
{
    struct vcard *card = card_of(state);

    /* No DF current after reset: no EF either. */
    expect_sw(card, SEL_EF("0006"), SW_FILE_NOT_FOUND);
    expect_sw(card, SEL_JPKI, SW_OK);
    for (size_t i = 0; i < 11; i++) {
        static const char *const fids[] = {
            "0001", "0002", "0006", "0008", "0009", "000A",
            "000B", "0017", "0018", "001A", "001B",
        };
        char hex[32];

        assert_true(snprintf(hex, sizeof(hex), "00A4020C02%s", fids[i]) == 14);
        expect_sw(card, hex, SW_OK);
    }
    expect_sw(card, SEL_EF("0003"), SW_FILE_NOT_FOUND);
    expect_sw(card, SEL_EF("0011"), SW_FILE_NOT_FOUND); /* text AP's */
    expect_sw(card, SEL_EF("2F00"), SW_FILE_NOT_FOUND);
    /* §2.2: path selection (P1=09) does not work on the card. */
    expect_sw(card, "00A4090C020006", SW_WRONG_P1P2);
    expect_sw(card, "00A4080C020006", SW_WRONG_P1P2);
}

static void
test_select_mf(void **state)
{
    struct vcard *card = card_of(state);
    uint8_t data[VCARD_RESP_MAX];

    expect_sw(card, "00A40000", SW_WRONG_P1P2);
    expect_sw(card, SEL_EF("3F00"), SW_FILE_NOT_FOUND);
    expect_sw(card, SEL_JPKI, SW_OK);
    expect_sw(card, SEL_EF("0008"), SW_OK);
    expect_sw(card, "00A40000", SW_OK);
    /* ... without changing the current DF. */
    assert_string_equal(card->apps[card->cur_app].name, "jpki");
    expect_sw(card, SEL_EF("3F00"), SW_FILE_NOT_FOUND);
    expect_sw(card, SEL_EF("0008"), SW_OK);
    assert_int_equal(expect_data(card, "00B0000000", data), 3);
}

/* ---- §3: JPKI EFs ----------------------------------------------------- */

static void
test_ef_0006_token_info(void **state)
{
    struct vcard *card = card_of(state);
    uint8_t data[VCARD_RESP_MAX];

    expect_sw(card, SEL_JPKI, SW_OK);
    expect_sw(card, SEL_EF("0006"), SW_OK);
    assert_int_equal(expect_data(card, "00B0000000", data), 160);
    assert_memory_equal(data, "JPKIAPICCTOKEN2                 ", 32);
    assert_memory_equal(data + 80, FIXTURE_SERIAL, 16);
    /* [TRET] reads 20 bytes, [MYNA] 32. */
    assert_int_equal(expect_data(card, "00B0000014", data), 20);
    assert_memory_equal(data, "JPKIAPICCTOKEN2     ", 20);
    assert_int_equal(expect_data(card, "00B0000020", data), 32);
}

static void
test_ef_0008_availability(void **state)
{
    struct vcard *card = card_of(state);
    uint8_t data[VCARD_RESP_MAX];

    expect_sw(card, SEL_JPKI, SW_OK);
    expect_sw(card, SEL_EF("0008"), SW_OK);
    assert_int_equal(expect_data(card, "00B0000000", data), 3);
    assert_memory_equal(data, "\x8F\x8F\x00", 3);
}

static void
test_read_le00_is_256(void **state)
{
    struct vcard_state *st = st_of(state);
    uint8_t data[VCARD_RESP_MAX];

    expect_sw(&st->card, SEL_JPKI, SW_OK);
    expect_sw(&st->card, SEL_EF("000A"), SW_OK);
    assert_int_equal(expect_data(&st->card, "00B0000000", data), 256);
    assert_memory_equal(data, st->auth_crt.data, 256);
    assert_int_equal(expect_data(&st->card, "00B0010101", data), 1);
    assert_int_equal(data[0], st->auth_crt.data[257]);
}

static void
test_read_short_at_end(void **state)
{
    struct vcard_state *st = st_of(state);
    uint8_t data[VCARD_RESP_MAX];
    char hex[16];

    expect_sw(&st->card, SEL_JPKI, SW_OK);
    expect_sw(&st->card, SEL_EF("000A"), SW_OK);
    read_binary_hex(hex, sizeof(hex), FIXTURE_AUTH_CRT_LEN - 100, 0);
    assert_int_equal(expect_data(&st->card, hex, data), 100);
    assert_memory_equal(data, st->auth_crt.data + FIXTURE_AUTH_CRT_LEN - 100,
                        100);
    read_binary_hex(hex, sizeof(hex), FIXTURE_AUTH_CRT_LEN - 1, 0x10);
    assert_int_equal(expect_data(&st->card, hex, data), 1);
    assert_int_equal(data[0], st->auth_crt.data[FIXTURE_AUTH_CRT_LEN - 1]);
    /* EF 0008: Le 05 on 3 bytes. */
    expect_sw(&st->card, SEL_EF("0008"), SW_OK);
    assert_int_equal(expect_data(&st->card, "00B0000005", data), 3);
    assert_int_equal(expect_data(&st->card, "00B0000200", data), 1);
    assert_int_equal(data[0], 0x00);
}

static void
test_read_past_end(void **state)
{
    struct vcard *card = card_of(state);
    char hex[16];

    expect_sw(card, SEL_JPKI, SW_OK);
    expect_sw(card, SEL_EF("000A"), SW_OK);
    read_binary_hex(hex, sizeof(hex), FIXTURE_AUTH_CRT_LEN, 0);
    expect_sw(card, hex, SW_OFFSET_OUTSIDE);
    read_binary_hex(hex, sizeof(hex), FIXTURE_AUTH_CRT_LEN + 1, 1);
    expect_sw(card, hex, SW_OFFSET_OUTSIDE);
    expect_sw(card, "00B07FFF00", SW_OFFSET_OUTSIDE);
    expect_sw(card, SEL_EF("0008"), SW_OK);
    expect_sw(card, "00B0000300", SW_OFFSET_OUTSIDE);
    expect_sw(card, "00B0000401", SW_OFFSET_OUTSIDE);
}

static void
check_cert_ef(struct vcard *card, const char *fid,
              const struct vcard_blob *blob)
{
    uint8_t hdr[VCARD_RESP_MAX], *buf = malloc(blob->len + 512);
    size_t size;

    assert_non_null(buf);
    /* OpenSC: 4-byte header, size = LL LL + 4 (§4.3). */
    assert_int_equal(read_ef(card, fid, buf, blob->len + 512), blob->len);
    assert_memory_equal(buf, blob->data, blob->len);
    assert_int_equal(expect_data(card, "00B0000004", hdr), 4);
    assert_int_equal(hdr[0], 0x30);
    assert_int_equal(hdr[1], 0x82);
    size = ((size_t)hdr[2] << 8 | hdr[3]) + 4;
    assert_int_equal(size, blob->len);
    /* myna: 7-byte header. */
    assert_int_equal(expect_data(card, "00B0000007", hdr), 7);
    assert_memory_equal(hdr, blob->data, 7);
    free(buf);
}

static void
test_cert_read_chunks(void **state)
{
    struct vcard_state *st = st_of(state);

    expect_sw(&st->card, SEL_JPKI, SW_OK);
    check_cert_ef(&st->card, "000A", &st->auth_crt);
    check_cert_ef(&st->card, "000B", &st->auth_ca_crt);
    check_cert_ef(&st->card, "0002", &st->sign_ca_crt);
}

static void
test_sign_cert_needs_password(void **state)
{
    struct vcard_state *st = st_of(state);
    struct vcard *card = &st->card;

    expect_sw(card, SEL_JPKI, SW_OK);
    expect_sw(card, SEL_EF("0001"), SW_OK); /* SELECT itself succeeds */
    expect_sw(card, "00B0000004", SW_SECURITY_NOT_SATISFIED);
    expect_sw(card, "00B0000000", SW_SECURITY_NOT_SATISFIED);
    /* §7: the auth PIN does not open it. */
    login_auth(card);
    expect_sw(card, SEL_EF("0001"), SW_OK);
    expect_sw(card, "00B0000004", SW_SECURITY_NOT_SATISFIED);
    login_sign(card);
    check_cert_ef(card, "0001", &st->sign_crt);
}

static void
test_read_internal_ef(void **state)
{
    struct vcard *card = card_of(state);

    expect_sw(card, SEL_JPKI, SW_OK);
    login_auth(card);
    login_sign(card);
    expect_sw(card, SEL_EF("0018"), SW_OK);
    expect_sw(card, "00B0000000", SW_FILE_INCOMPATIBLE);
    expect_sw(card, SEL_EF("0017"), SW_OK);
    expect_sw(card, "00B0000000", SW_FILE_INCOMPATIBLE);
    expect_sw(card, SEL_EF("001A"), SW_OK);
    expect_sw(card, "00B0000004", SW_FILE_INCOMPATIBLE);
    expect_sw(card, SEL_EF("001B"), SW_OK);
    expect_sw(card, "00B0000004", SW_FILE_INCOMPATIBLE);
    /* §3.1: no credential opens EF 0009. */
    expect_sw(card, SEL_EF("0009"), SW_OK);
    expect_sw(card, "00B0000000", SW_SECURITY_NOT_SATISFIED);
}

static void
test_read_no_current_ef(void **state)
{
    struct vcard *card = card_of(state);

    expect_sw(card, "00B0000000", SW_NO_CURRENT_EF);
    expect_sw(card, SEL_JPKI, SW_OK);
    expect_sw(card, "00B0000000", SW_NO_CURRENT_EF);
    /* A SELECT by DF name clears the current EF. */
    expect_sw(card, SEL_EF("0006"), SW_OK);
    expect_sw(card, SEL_JPKI, SW_OK);
    expect_sw(card, "00B0000000", SW_NO_CURRENT_EF);
}

static void
test_read_sfi(void **state)
{
    struct vcard *card = card_of(state);
    uint8_t data[VCARD_RESP_MAX];

    /* §4.1: P1 = 80|SFI, the EF becomes current. */
    expect_sw(card, SEL_JPKI, SW_OK);
    assert_int_equal(expect_data(card, "00B0880000", data), 3);
    assert_memory_equal(data, "\x8F\x8F\x00", 3);
    assert_int_equal(expect_data(card, "00B0000000", data), 3);
    expect_sw(card, "00B0810000", SW_SECURITY_NOT_SATISFIED);
}

/* ---- §5: PINs --------------------------------------------------------- */

static void
test_empty_verify(void **state)
{
    struct vcard *card = card_of(state);

    expect_sw(card, SEL_JPKI, SW_OK);
    expect_sw(card, SEL_EF("0018"), SW_OK);
    expect_sw(card, VERIFY_EMPTY, SW_TRIES(3));
    expect_sw(card, "00200080" PIN_AUTH, SW_OK);
    /* §5.3: never 9000, also once verified. */
    expect_sw(card, VERIFY_EMPTY, SW_TRIES(3));
    expect_sw(card, VERIFY_EMPTY, SW_TRIES(3));
    expect_sw(card, SEL_EF("001B"), SW_OK);
    expect_sw(card, VERIFY_EMPTY, SW_TRIES(5));
}

static void
test_auth_lockout(void **state)
{
    struct vcard *card = card_of(state);

    expect_sw(card, SEL_JPKI, SW_OK);
    expect_sw(card, SEL_EF("0018"), SW_OK);
    expect_sw(card, "00200080" PIN_WRONG4, SW_TRIES(2));
    expect_sw(card, VERIFY_EMPTY, SW_TRIES(2));
    expect_sw(card, "00200080" PIN_WRONG4, SW_TRIES(1));
    expect_sw(card, "00200080" PIN_WRONG4, SW_TRIES(0));
    expect_sw(card, "00200080" PIN_WRONG4, SW_KEY_BLOCKED);
    expect_sw(card, "00200080" PIN_AUTH, SW_KEY_BLOCKED);
    expect_sw(card, VERIFY_EMPTY, SW_TRIES(0));
    /* Blocked survives a reset; the sign password is independent. */
    vcard_reset(card);
    expect_sw(card, SEL_JPKI, SW_OK);
    expect_sw(card, SEL_EF("0018"), SW_OK);
    expect_sw(card, "00200080" PIN_AUTH, SW_KEY_BLOCKED);
    expect_sw(card, VERIFY_EMPTY, SW_TRIES(0));
    expect_sw(card, SEL_EF("0017"), SW_OK);
    expect_sign(card, 0x80, SW_SECURITY_NOT_SATISFIED);
    expect_sw(card, SEL_EF("001B"), SW_OK);
    expect_sw(card, VERIFY_EMPTY, SW_TRIES(5));
    expect_sw(card, "00200080" PIN_SIGN, SW_OK);
}

static void
test_sign_password_lockout(void **state)
{
    struct vcard *card = card_of(state);

    expect_sw(card, SEL_JPKI, SW_OK);
    expect_sw(card, SEL_EF("001B"), SW_OK);
    for (int left = 4; left >= 0; left--)
        expect_sw(card, "00200080" PIN_WRONG_SIGN, SW_TRIES(left));
    expect_sw(card, "00200080" PIN_SIGN, SW_KEY_BLOCKED);
    expect_sw(card, VERIFY_EMPTY, SW_TRIES(0));
}

static void
test_success_resets_counter(void **state)
{
    struct vcard *card = card_of(state);

    expect_sw(card, SEL_JPKI, SW_OK);
    expect_sw(card, SEL_EF("001B"), SW_OK);
    expect_sw(card, "00200080" PIN_WRONG_SIGN, SW_TRIES(4));
    expect_sw(card, "00200080" PIN_SIGN, SW_OK);
    expect_sw(card, VERIFY_EMPTY, SW_TRIES(5));
    expect_sw(card, SEL_EF("0018"), SW_OK);
    expect_sw(card, "00200080" PIN_WRONG4, SW_TRIES(2));
    expect_sw(card, "00200080" PIN_WRONG4, SW_TRIES(1));
    expect_sw(card, "00200080" PIN_AUTH, SW_OK);
    expect_sw(card, VERIFY_EMPTY, SW_TRIES(3));
}

static void
test_wrong_verify_clears_state(void **state)
{
    struct vcard *card = card_of(state);

    /* §7 (UNCONFIRMED, ISO practice): a failed VERIFY clears the key. */
    expect_sw(card, SEL_JPKI, SW_OK);
    login_sign(card);
    expect_sw(card, "00200080" PIN_WRONG_SIGN, SW_TRIES(4));
    expect_sw(card, SEL_EF("001A"), SW_OK);
    expect_sign(card, 0x80, SW_SECURITY_NOT_SATISFIED);
}

static void
test_verify_sfi(void **state)
{
    struct vcard *card = card_of(state);

    /* §5.2: P2 = 80|SFI names the key without a SELECT. */
    expect_sw(card, SEL_JPKI, SW_OK);
    expect_sw(card, "00200098", SW_TRIES(3));
    expect_sw(card, "00200098" PIN_AUTH, SW_OK);
    expect_sw(card, "0020009B", SW_TRIES(5));
    expect_sw(card, "0020009F" PIN_AUTH, SW_FILE_NOT_FOUND);
    expect_sw(card, SEL_EF("0017"), SW_OK);
    expect_sign(card, 0x80, SW_OK);
}

static void
test_change_pin_needs_verify(void **state)
{
    struct vcard *card = card_of(state);

    expect_sw(card, SEL_JPKI, SW_OK);
    expect_sw(card, SEL_EF("0018"), SW_OK);
    expect_sw(card, "002401800435363738", SW_SECURITY_NOT_SATISFIED);
    expect_sw(card, SEL_EF("001B"), SW_OK);
    expect_sw(card, "0024018006585958373839", SW_SECURITY_NOT_SATISFIED);
    /* Verifying the auth PIN does not allow changing the sign password. */
    login_auth(card);
    expect_sw(card, SEL_EF("001B"), SW_OK);
    expect_sw(card, "0024018006585958373839", SW_SECURITY_NOT_SATISFIED);
    expect_sw(card, VERIFY_EMPTY, SW_TRIES(5));
}

static void
test_change_pin(void **state)
{
    struct vcard *card = card_of(state);

    expect_sw(card, SEL_JPKI, SW_OK);
    login_auth(card);
    expect_sw(card, "002401800435363738", SW_OK); /* "5678" */
    login_sign(card);
    expect_sw(card, "002401800950415353574F524439", SW_OK); /* PASSWORD9 */
    /* Re-SELECT logs out; the old values fail, the new ones verify. */
    expect_sw(card, SEL_JPKI, SW_OK);
    expect_sw(card, SEL_EF("0018"), SW_OK);
    expect_sw(card, "00200080" PIN_AUTH, SW_TRIES(2));
    expect_sw(card, "002000800435363738", SW_OK);
    expect_sw(card, VERIFY_EMPTY, SW_TRIES(3));
    expect_sw(card, SEL_EF("001B"), SW_OK);
    expect_sw(card, "00200080" PIN_SIGN, SW_TRIES(4));
    expect_sw(card, "002000800950415353574F524439", SW_OK);
    expect_sw(card, SEL_EF("001A"), SW_OK);
    expect_sign(card, 0x80, SW_OK);
}

static void
test_change_pin_bad_format(void **state)
{
    static const char *const bad_auth[] = {
        "0431326134",   /* "12a4" */
        "053132333435", /* "12345" */
        "03313233",     /* "123" */
        "0431322034",   /* "12 4" */
    };
    static const char *const bad_sign[] = {
        "06616263313233", /* "abc123" */
        "06414243444546", /* "ABCDEF" */
        "06313233343536", /* "123456" */
        "054142433132",   /* "ABC12": 5 */
        "0641424331322D", /* "ABC12-" */
        "06414243313200", /* NUL */
    };
    struct vcard *card = card_of(state);
    char hex[64];

    expect_sw(card, SEL_JPKI, SW_OK);
    login_auth(card);
    for (size_t i = 0; i < sizeof(bad_auth) / sizeof(bad_auth[0]); i++) {
        assert_true(snprintf(hex, sizeof(hex), "00240180%s", bad_auth[i]) <
                    (int)sizeof(hex));
        expect_sw(card, hex, SW_WRONG_DATA);
    }
    login_sign(card);
    for (size_t i = 0; i < sizeof(bad_sign) / sizeof(bad_sign[0]); i++) {
        assert_true(snprintf(hex, sizeof(hex), "00240180%s", bad_sign[i]) <
                    (int)sizeof(hex));
        expect_sw(card, hex, SW_WRONG_DATA);
    }
    /* Nothing changed; 16 characters are accepted. */
    expect_sw(card, SEL_JPKI, SW_OK);
    login_auth(card);
    login_sign(card);
    expect_sw(card, "002401801041424344454647483132333435363738",
              SW_OK); /* "ABCDEFGH12345678" */
}

static void
test_change_pin_too_long(void **state)
{
    struct vcard *card = card_of(state);

    /* A 17-byte value exceeds the 1-16 byte data field of the key
     * commands (JICSAP 6.4.9(3)): wrong length, before any format check
     * (docs/card-emulation.md, row 11). */
    expect_sw(card, SEL_JPKI, SW_OK);
    login_sign(card);
    expect_sw(card, "00240180114142434445464748313233343536373839",
              SW_WRONG_LENGTH);
    expect_sw(card, SEL_JPKI, SW_OK);
    login_sign(card);
}

static void
test_pin_format_table(void **state)
{
    static const struct {
        enum vcard_pin_format format;
        const char *value;
        int ok;
    } rows[] = {
        { VCARD_PIN_4DIGITS, "1234", 1 },
        { VCARD_PIN_4DIGITS, "0000", 1 },
        { VCARD_PIN_4DIGITS, "9999", 1 },
        { VCARD_PIN_4DIGITS, "123", 0 },
        { VCARD_PIN_4DIGITS, "12345", 0 },
        { VCARD_PIN_4DIGITS, "12a4", 0 },
        { VCARD_PIN_4DIGITS, "12 4", 0 },
        { VCARD_PIN_4DIGITS, "", 0 },
        { VCARD_PIN_SIGN_PASSWORD, "ABC123", 1 },
        { VCARD_PIN_SIGN_PASSWORD, "A1B2C3D4E5F6G7H8", 1 },
        { VCARD_PIN_SIGN_PASSWORD, "1A2345", 1 },
        { VCARD_PIN_SIGN_PASSWORD, "PASSWORD1234", 1 },
        { VCARD_PIN_SIGN_PASSWORD, "abc123", 0 },
        { VCARD_PIN_SIGN_PASSWORD, "Abc123", 0 },
        { VCARD_PIN_SIGN_PASSWORD, "ABCDEF", 0 },
        { VCARD_PIN_SIGN_PASSWORD, "123456", 0 },
        { VCARD_PIN_SIGN_PASSWORD, "ABC12", 0 },
        { VCARD_PIN_SIGN_PASSWORD, "A1B2C3D4E5F6G7H8I", 0 },
        { VCARD_PIN_SIGN_PASSWORD, "ABC 123", 0 },
        { VCARD_PIN_SIGN_PASSWORD, "ABC-123", 0 },
        { VCARD_PIN_SIGN_PASSWORD, "", 0 },
        { VCARD_PIN_DIGITS, "123456789012", 1 },
        { VCARD_PIN_DIGITS, "12345678901", 0 },
        { VCARD_PIN_DIGITS, "1234567890123", 0 },
        { VCARD_PIN_DIGITS, "12345678901A", 0 },
    };
    struct vcard_pin pin = { .len = 12 };

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        int got;

        pin.format = rows[i].format;
        got = vcard_pin_format_ok(&pin, (const uint8_t *)rows[i].value,
                                  strlen(rows[i].value));
        if (got != rows[i].ok)
            print_error("format %d \"%s\": %d, expected %d\n",
                        (int)rows[i].format, rows[i].value, got, rows[i].ok);
        assert_int_equal(got, rows[i].ok);
    }
    /* A NUL byte is never a PIN character. */
    pin.format = VCARD_PIN_4DIGITS;
    assert_int_equal(vcard_pin_format_ok(&pin, (const uint8_t *)"12\0004", 4),
                     0);
    pin.format = VCARD_PIN_SIGN_PASSWORD;
    assert_int_equal(
        vcard_pin_format_ok(&pin, (const uint8_t *)"ABC\000123", 7), 0);
}

/* ---- §6: COMPUTE DIGITAL SIGNATURE ------------------------------------ */

static void
test_sign_without_pin(void **state)
{
    struct vcard *card = card_of(state);

    expect_sw(card, SEL_JPKI, SW_OK);
    expect_sw(card, SEL_EF("0017"), SW_OK);
    expect_sign(card, 0x80, SW_SECURITY_NOT_SATISFIED);
    expect_sw(card, SEL_EF("001A"), SW_OK);
    expect_sign(card, 0x80, SW_SECURITY_NOT_SATISFIED);
    /* §7: the two PINs are independent. */
    login_auth(card);
    expect_sw(card, SEL_EF("001A"), SW_OK);
    expect_sign(card, 0x80, SW_SECURITY_NOT_SATISFIED);
    expect_sw(card, SEL_EF("0017"), SW_OK);
    expect_sign(card, 0x80, SW_OK);
}

static void
test_sign_auth_and_sign_keys(void **state)
{
    struct vcard *card = card_of(state);

    expect_sw(card, SEL_JPKI, SW_OK);
    login_auth(card);
    expect_sw(card, SEL_EF("0017"), SW_OK);
    expect_sign(card, 0x80, SW_OK);
    login_sign(card);
    expect_sw(card, SEL_EF("001A"), SW_OK);
    expect_sign(card, 0x80, SW_OK);
}

static void
test_sign_deterministic(void **state)
{
    struct vcard *card = card_of(state);
    uint8_t di[51], sig1[VCARD_RESP_MAX], sig2[VCARD_RESP_MAX];
    size_t len1 = 0, len2 = 0;

    expect_sw(card, SEL_JPKI, SW_OK);
    login_sign(card);
    expect_sw(card, SEL_EF("001A"), SW_OK);
    digest_info("deterministic", 13, di);
    assert_int_equal(sign(card, 0x00, 0x80, di, sizeof(di), sig1, &len1),
                     SW_OK);
    assert_int_equal(sign(card, 0x00, 0x80, di, sizeof(di), sig2, &len2),
                     SW_OK);
    assert_int_equal(len1, 256);
    assert_int_equal(len2, 256);
    assert_memory_equal(sig1, sig2, 256);
    digest_info("deterministiC", 13, di);
    assert_int_equal(sign(card, 0x00, 0x80, di, sizeof(di), sig2, &len2),
                     SW_OK);
    assert_memory_not_equal(sig1, sig2, 256);
}

static void
test_sign_lengths(void **state)
{
    struct vcard *card = card_of(state);
    uint8_t in[255], sig[VCARD_RESP_MAX];
    size_t len = 0;

    for (size_t i = 0; i < sizeof(in); i++)
        in[i] = (uint8_t)(i * 13 + 1);
    expect_sw(card, SEL_JPKI, SW_OK);
    login_auth(card);
    expect_sw(card, SEL_EF("0017"), SW_OK);
    /* §6.1: 1 to 245 bytes. */
    assert_int_equal(sign(card, 0x00, 0x80, in, 245, sig, &len), SW_OK);
    assert_signature(sig, len, in, 245);
    assert_int_equal(sign(card, 0x00, 0x80, in, 1, sig, &len), SW_OK);
    assert_signature(sig, len, in, 1);
    assert_int_equal(sign(card, 0x00, 0x80, in, 246, sig, &len),
                     SW_WRONG_LENGTH);
    assert_int_equal(len, 0);
    assert_int_equal(sign(card, 0x00, 0x80, in, 255, sig, &len),
                     SW_WRONG_LENGTH);
    /* Empty input, with and without Le. */
    expect_sw(card, "802A008000", SW_WRONG_LENGTH);
    expect_sw(card, "802A0080", SW_WRONG_LENGTH);
}

static void
test_sign_bad_p1(void **state)
{
    struct vcard *card = card_of(state);
    uint8_t di[51], sig[VCARD_RESP_MAX];
    size_t len = 0;

    digest_info("p1", 2, di);
    expect_sw(card, SEL_JPKI, SW_OK);
    login_auth(card);
    expect_sw(card, SEL_EF("0017"), SW_OK);
    assert_int_equal(sign(card, 0x06, 0x80, di, sizeof(di), sig, &len),
                     SW_WRONG_P1P2);
    assert_int_equal(len, 0);
    assert_int_equal(sign(card, 0xFF, 0x80, di, sizeof(di), sig, &len),
                     SW_WRONG_P1P2);
    assert_int_equal(sign(card, 0x80, 0x80, di, sizeof(di), sig, &len),
                     SW_WRONG_P1P2);
}

static void
test_sign_schemes(void **state)
{
    struct vcard *card = card_of(state);
    static const char msg[] = "the message";
    uint8_t hash[32], di[51], sig[VCARD_RESP_MAX], ref[VCARD_RESP_MAX];
    size_t len = 0, ref_len = 0;
    EVP_PKEY_CTX *ctx;

    assert_int_equal(
        EVP_Digest(msg, strlen(msg), hash, NULL, EVP_sha256(), NULL), 1);
    digest_info(msg, strlen(msg), di);
    expect_sw(card, SEL_JPKI, SW_OK);
    login_sign(card);
    expect_sw(card, SEL_EF("001A"), SW_OK);
    assert_int_equal(sign(card, 0x00, 0x80, di, sizeof(di), ref, &ref_len),
                     SW_OK);
    /* §6.3 P1=02: DigestInfo around a given hash = P1=00 of it. */
    assert_int_equal(sign(card, 0x02, 0x80, hash, 32, sig, &len), SW_OK);
    assert_int_equal(len, 256);
    assert_memory_equal(sig, ref, 256);
    assert_int_equal(sign(card, 0x02, 0x80, hash, 31, sig, &len),
                     SW_WRONG_LENGTH);
    /* P1=03: sha256WithRSAEncryption of the message. */
    assert_int_equal(
        sign(card, 0x03, 0x80, (const uint8_t *)msg, strlen(msg), sig, &len),
        SW_OK);
    assert_memory_equal(sig, ref, 256);
    /* P1=01: PKCS#1 v1.5 over the bare hash. */
    assert_int_equal(
        sign(card, 0x01, 0x80, (const uint8_t *)msg, strlen(msg), sig, &len),
        SW_OK);
    assert_signature(sig, len, hash, 32);
    /* P1=04/05: RSASSA-PSS of the hash. */
    for (uint8_t p1 = 0x04; p1 <= 0x05; p1++) {
        if (p1 == 0x04)
            assert_int_equal(sign(card, p1, 0x80, hash, 32, sig, &len), SW_OK);
        else
            assert_int_equal(sign(card, p1, 0x80, (const uint8_t *)msg,
                                  strlen(msg), sig, &len),
                             SW_OK);
        assert_int_equal(len, 256);
        ctx = EVP_PKEY_CTX_new(fixture_key(), NULL);
        assert_non_null(ctx);
        assert_int_equal(EVP_PKEY_verify_init(ctx), 1);
        assert_int_equal(
            EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING), 1);
        assert_int_equal(EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()), 1);
        assert_int_equal(EVP_PKEY_verify(ctx, sig, len, hash, 32), 1);
        EVP_PKEY_CTX_free(ctx);
    }
}

static void
test_sign_non_key_ef(void **state)
{
    struct vcard *card = card_of(state);

    expect_sw(card, SEL_JPKI, SW_OK);
    expect_sign(card, 0x80, SW_NO_CURRENT_EF);
    login_auth(card);
    login_sign(card);
    expect_sw(card, SEL_EF("000A"), SW_OK);
    expect_sign(card, 0x80, SW_FILE_INCOMPATIBLE);
    expect_sw(card, SEL_EF("0018"), SW_OK);
    expect_sign(card, 0x80, SW_FILE_INCOMPATIBLE);
    expect_sw(card, SEL_EF("0001"), SW_OK);
    expect_sign(card, 0x80, SW_FILE_INCOMPATIBLE);
}

static void
test_sign_sfi(void **state)
{
    struct vcard *card = card_of(state);
    uint8_t di[51], a[VCARD_RESP_MAX], b[VCARD_RESP_MAX];
    size_t alen = 0, blen = 0;

    digest_info("sfi", 3, di);
    expect_sw(card, SEL_JPKI, SW_OK);
    login_auth(card);
    expect_sw(card, SEL_EF("000A"), SW_OK);
    /* §6.2: 80 2A 00 97 names key 0017 without a SELECT. */
    assert_int_equal(sign(card, 0x00, 0x97, di, sizeof(di), a, &alen), SW_OK);
    assert_signature(a, alen, di, sizeof(di));
    expect_sw(card, SEL_EF("0017"), SW_OK);
    assert_int_equal(sign(card, 0x00, 0x80, di, sizeof(di), b, &blen), SW_OK);
    assert_int_equal(alen, blen);
    assert_memory_equal(a, b, alen);
    /* Key 001A still needs its own password. */
    expect_sign(card, 0x9A, SW_SECURITY_NOT_SATISFIED);
}

/* ---- §7: security state ------------------------------------------------ */

static void
test_reselect_clears_state(void **state)
{
    struct vcard *card = card_of(state);

    expect_sw(card, SEL_JPKI, SW_OK);
    login_sign(card);
    expect_sw(card, SEL_EF("001A"), SW_OK);
    expect_sign(card, 0x80, SW_OK);
    expect_sw(card, SEL_JPKI, SW_OK);
    expect_sw(card, SEL_EF("001A"), SW_OK);
    expect_sign(card, 0x80, SW_SECURITY_NOT_SATISFIED);
    expect_sw(card, SEL_EF("0001"), SW_OK);
    expect_sw(card, "00B0000004", SW_SECURITY_NOT_SATISFIED);
}

static void
test_keep_state_on_reselect(void **state)
{
    struct vcard *card = card_of(state);

    card->keep_state_on_reselect = true;
    expect_sw(card, SEL_JPKI, SW_OK);
    login_sign(card);
    expect_sw(card, SEL_JPKI, SW_OK);
    expect_sw(card, SEL_EF("001A"), SW_OK);
    expect_sign(card, 0x80, SW_OK);
    /* Selecting another application still logs out. */
    expect_sw(card, SEL_TEXT, SW_OK);
    expect_sw(card, SEL_JPKI, SW_OK);
    expect_sw(card, SEL_EF("001A"), SW_OK);
    expect_sign(card, 0x80, SW_SECURITY_NOT_SATISFIED);
    /* And so does a reset. */
    login_sign(card);
    vcard_reset(card);
    expect_sw(card, SEL_JPKI, SW_OK);
    expect_sw(card, SEL_EF("001A"), SW_OK);
    expect_sign(card, 0x80, SW_SECURITY_NOT_SATISFIED);
}

static void
test_reset_clears_state(void **state)
{
    struct vcard *card = card_of(state);

    expect_sw(card, SEL_JPKI, SW_OK);
    login_auth(card);
    login_sign(card);
    vcard_reset(card);
    assert_int_equal(card->cur_app, -1);
    assert_int_equal(card->cur_ef, -1);
    for (size_t i = 0; i < card->n_pins; i++)
        assert_false(card->pins[i].verified);
    expect_sw(card, "00A40000", SW_WRONG_P1P2);
    expect_sw(card, SEL_JPKI, SW_OK);
    expect_sw(card, SEL_EF("0017"), SW_OK);
    expect_sign(card, 0x80, SW_SECURITY_NOT_SATISFIED);
    expect_sw(card, SEL_EF("0001"), SW_OK);
    expect_sw(card, "00B0000004", SW_SECURITY_NOT_SATISFIED);
    /* The counters are not reset. */
    expect_sw(card, SEL_EF("0018"), SW_OK);
    expect_sw(card, VERIFY_EMPTY, SW_TRIES(3));
}

static void
test_state_survives(void **state)
{
    struct vcard *card = card_of(state);
    uint8_t data[VCARD_RESP_MAX];

    expect_sw(card, SEL_JPKI, SW_OK);
    login_sign(card);
    expect_sw(card, SEL_EF("0006"), SW_OK);
    assert_int_equal(expect_data(card, "00B0000000", data), 160);
    expect_sw(card, SEL_EF("001A"), SW_OK);
    expect_sign(card, 0x80, SW_OK);
    expect_sign(card, 0x80, SW_OK);
    expect_sw(card, SEL_EF("001B"), SW_OK);
    expect_sw(card, VERIFY_EMPTY, SW_TRIES(5));
    expect_sw(card, SEL_EF("0001"), SW_OK);
    assert_int_equal(expect_data(card, "00B0000004", data), 4);
    expect_sw(card, "00A40000", SW_OK);
    expect_sw(card, SEL_EF("3F00"), SW_FILE_NOT_FOUND);
    expect_sw(card, SEL_EF("001A"), SW_OK);
    expect_sign(card, 0x80, SW_OK);
}

/* ---- §2, §10, §11, §14: command classes and lengths -------------------- */

static void
test_unknown_ins(void **state)
{
    struct vcard *card = card_of(state);

    expect_sw(card, SEL_JPKI, SW_OK);
    expect_sw(card, "00CA004200", SW_INS_NOT_SUPPORTED);
    expect_sw(card, "0084000008", SW_INS_NOT_SUPPORTED);
    expect_sw(card, "00FF0000", SW_INS_NOT_SUPPORTED);
    expect_sw(card, "00C0000010", SW_INS_NOT_SUPPORTED);
}

static void
test_cla(void **state)
{
    struct vcard *card = card_of(state);

    expect_sw(card, "01A4040C0A" AID_JPKI, SW_CHANNEL_NOT_SUPPORTED);
    expect_sw(card, "03A4040C0A" AID_JPKI, SW_CHANNEL_NOT_SUPPORTED);
    expect_sw(card, SEL_JPKI, SW_OK);
    expect_sw(card, "01B0000000", SW_CHANNEL_NOT_SUPPORTED);
    /* Further interindustry class: channels 4-19. */
    expect_sw(card, "40A4040C0A" AID_JPKI, SW_CHANNEL_NOT_SUPPORTED);
    expect_sw(card, "7FB0000000", SW_CHANNEL_NOT_SUPPORTED);
    expect_sw(card, "0CA4020C020006", SW_SM_NOT_SUPPORTED);
    expect_sw(card, "08A4020C020006", SW_SM_NOT_SUPPORTED);
    expect_sw(card, SEL_EF("0006"), SW_OK);
    expect_sw(card, "0CB0000000", SW_SM_READ_VERIFY);
    expect_sw(card, SEL_EF("0018"), SW_OK);
    expect_sw(card, "0C200080" PIN_AUTH, SW_SM_READ_VERIFY);
    expect_sw(card, VERIFY_EMPTY, SW_TRIES(3)); /* not counted */
    expect_sw(card, "002A0080010100", SW_CLA_NOT_SUPPORTED);
    expect_sw(card, "80A4020C020006", SW_CLA_NOT_SUPPORTED);
    expect_sw(card, "B0B0000000", SW_CLA_NOT_SUPPORTED);
}

static void
test_extended_apdus(void **state)
{
    struct vcard *card = card_of(state);
    uint8_t data[VCARD_RESP_MAX], di[51], apdu[7 + 51 + 2];
    size_t len = 0;

    expect_sw(card, SEL_JPKI, SW_OK);
    expect_sw(card, SEL_EF("000A"), SW_OK);
    expect_sw(card, "00B00000000100", SW_WRONG_LENGTH);
    expect_sw(card, "00B00000000000", SW_WRONG_LENGTH);
    expect_sw(card, "00A4020C000002000A", SW_WRONG_LENGTH);
    login_auth(card);
    expect_sw(card, SEL_EF("0017"), SW_OK);
    digest_info("ext", 3, di);
    memcpy(apdu, "\x80\x2A\x00\x80\x00\x00\x33", 7);
    memcpy(apdu + 7, di, sizeof(di));
    apdu[7 + 51] = 0x00;
    apdu[8 + 51] = 0x00;
    assert_int_equal(fixture_apdu_bin(card, apdu, sizeof(apdu), data, &len),
                     SW_WRONG_LENGTH);
    assert_int_equal(len, 0);

    card->allow_extended = true;
    assert_int_equal(fixture_apdu_bin(card, apdu, sizeof(apdu), data, &len),
                     SW_OK);
    assert_signature(data, len, di, sizeof(di));
    expect_sw(card, "00A4020C000002000A", SW_OK);
    /* Extended Le is capped to a short response (§14). */
    assert_int_equal(expect_data(card, "00B00000000000", data), 256);
    assert_int_equal(expect_data(card, "00B00000000010", data), 16);
}

static void
test_proprietary_commands(void **state)
{
    struct vcard *card = card_of(state);

    /* §10: iPhone's last-command indicator. */
    expect_sw(card, "80FC0000", SW_WRONG_LENGTH);
    /* §10: SET SESSION KEY: 6982 in the JPKI AP, 66F1 in the 共通 and
     * 券面事項確認 APs. */
    expect_sw(card, SEL_JPKI, SW_OK);
    expect_sw(card, "80AE0000", SW_SECURITY_NOT_SATISFIED);
    expect_sw(card, "00A4040C0AD3921000310001010100", SW_OK);
    expect_sw(card, "80AE0000", SW_SEC_ENV_FAULTY);
    expect_sw(card, "00A4040C0AD3921000310001010402", SW_OK);
    expect_sw(card, "80AE0000", SW_SEC_ENV_FAULTY);
}

static void
test_set_session_key_juki(void **state)
{
    struct vcard *card = card_of(state);

    /* §10: the 住基 AP refuses SET SESSION KEY like the JPKI AP. */
    expect_sw(card, "00A4040C0AD3921000310001010401", SW_OK);
    expect_sw(card, "80AE0000", SW_SECURITY_NOT_SATISFIED);
}

/* ---- §8: card info input support AP ------------------------------------ */

static void
test_text_my_number(void **state)
{
    struct vcard_state *st = st_of(state);
    struct vcard *card = &st->card;
    const struct vcard_person *p = vcard_person_get(0);
    uint8_t data[VCARD_RESP_MAX];
    char body[12];

    expect_sw(card, SEL_TEXT, SW_OK);
    expect_sw(card, SEL_EF("0001"), SW_OK);
    expect_sw(card, "00B0000011", SW_SECURITY_NOT_SATISFIED);
    expect_sw(card, SEL_EF("0011"), SW_OK);
    expect_sw(card, VERIFY_EMPTY, SW_TRIES(3));
    expect_sw(card, "00200080" PIN_TEXT, SW_OK);
    expect_sw(card, SEL_EF("0001"), SW_OK);
    assert_int_equal(expect_data(card, "00B0000011", data), 17);
    assert_memory_equal(data, "\xFF\x10\x0C", 3);
    assert_memory_equal(data + 15, "\xFF\xFF", 2);
    for (size_t i = 0; i < 12; i++)
        assert_true(data[3 + i] >= '0' && data[3 + i] <= '9');
    memcpy(body, data + 3, 11);
    body[11] = '\0';
    assert_string_equal(body, p->my_number_body);
    assert_int_equal(data[14], vcard_my_number_check_digit(body));
    /* The example of §8.2 has check digit 8. */
    assert_int_equal(vcard_my_number_check_digit("12345678901"), '8');
    /* Le 00 reads the same 17 bytes (§4.2). */
    assert_int_equal(expect_data(card, "00B0000000", data), 17);
    expect_sw(card, "00B0001100", SW_OFFSET_OUTSIDE);
}

static void
test_text_attributes(void **state)
{
    struct vcard_state *st = st_of(state);
    struct vcard *card = &st->card;
    const struct vcard_person *p = vcard_person_get(0);
    uint8_t buf[VCARD_ATTRS_EF_MAX + 256];
    size_t len, hdr, total;
    const char *values[4];
    char sex[2] = { p->sex, '\0' };

    values[0] = p->name;
    values[1] = p->address;
    values[2] = p->birth;
    values[3] = sex;
    expect_sw(card, SEL_TEXT, SW_OK);
    expect_sw(card, SEL_EF("0002"), SW_OK);
    expect_sw(card, "00B0000007", SW_SECURITY_NOT_SATISFIED);
    expect_sw(card, SEL_EF("0011"), SW_OK);
    expect_sw(card, "00200080" PIN_TEXT, SW_OK);
    len = read_ef(card, "0002", buf, sizeof(buf));
    assert_int_equal(len, st->attrs_len);
    assert_int_equal(buf[0], 0xFF);
    assert_int_equal(buf[1], 0x20);
    if (buf[2] < 0x80) {
        total = buf[2];
        hdr = 3;
    } else if (buf[2] == 0x81) {
        total = buf[3];
        hdr = 4;
    } else {
        assert_int_equal(buf[2], 0x82);
        total = (size_t)buf[3] << 8 | buf[4];
        hdr = 5;
    }
    assert_true(hdr + total <= len);
    for (size_t i = hdr + total; i < len; i++)
        assert_true(buf[i] == 0x00 || buf[i] == 0xFF);
    assert_memory_equal(buf + hdr, "\xDF\x21\x08", 3);
    for (size_t i = 0; i < 4; i++) {
        size_t off = (size_t)buf[hdr + 3 + 2 * i] << 8 | buf[hdr + 4 + 2 * i];
        size_t vlen = strlen(values[i]);

        assert_true(off + 3 + vlen <= hdr + total);
        assert_int_equal(buf[off], 0xDF);
        assert_int_equal(buf[off + 1], 0x22 + i);
        assert_int_equal(buf[off + 2], vlen); /* all < 0x80 here */
        assert_memory_equal(buf + off + 3, values[i], vlen);
    }
}

static void
test_text_pin_lockout(void **state)
{
    struct vcard *card = card_of(state);

    expect_sw(card, SEL_TEXT, SW_OK);
    expect_sw(card, SEL_EF("0011"), SW_OK);
    expect_sw(card, "00200080" PIN_AUTH, SW_TRIES(2)); /* JPKI's value */
    expect_sw(card, "00200080" PIN_TEXT, SW_OK);
    expect_sw(card, VERIFY_EMPTY, SW_TRIES(3));
    expect_sw(card, "00200080" PIN_WRONG4, SW_TRIES(2));
    expect_sw(card, "00200080" PIN_WRONG4, SW_TRIES(1));
    expect_sw(card, "00200080" PIN_WRONG4, SW_TRIES(0));
    expect_sw(card, "00200080" PIN_TEXT, SW_KEY_BLOCKED);
    expect_sw(card, VERIFY_EMPTY, SW_TRIES(0));
    /* The JPKI auth PIN is a separate key reference (§5.1). */
    expect_sw(card, SEL_JPKI, SW_OK);
    expect_sw(card, SEL_EF("0018"), SW_OK);
    expect_sw(card, VERIFY_EMPTY, SW_TRIES(3));
}

static void
test_text_change_pin(void **state)
{
    struct vcard *card = card_of(state);
    uint8_t data[VCARD_RESP_MAX];

    expect_sw(card, SEL_TEXT, SW_OK);
    expect_sw(card, SEL_EF("0011"), SW_OK);
    expect_sw(card, "002401800438373635", SW_SECURITY_NOT_SATISFIED);
    expect_sw(card, "00200080" PIN_TEXT, SW_OK);
    expect_sw(card, "0024018003383736", SW_WRONG_DATA);
    expect_sw(card, "002401800438373635", SW_OK); /* "8765" */
    expect_sw(card, SEL_TEXT, SW_OK);
    expect_sw(card, SEL_EF("0011"), SW_OK);
    expect_sw(card, "00200080" PIN_TEXT, SW_TRIES(2));
    expect_sw(card, "002000800438373635", SW_OK);
    expect_sw(card, SEL_EF("0001"), SW_OK);
    assert_int_equal(expect_data(card, "00B0000011", data), 17);
}

static void
test_text_key_0012_blocked(void **state)
{
    struct vcard *card = card_of(state);

    expect_sw(card, SEL_TEXT, SW_OK);
    expect_sw(card, SEL_EF("0012"), SW_OK);
    expect_sw(card, VERIFY_EMPTY, SW_TRIES(0));
    expect_sw(card, "00200080" PIN_TEXT, SW_KEY_BLOCKED);
    expect_sw(card, "002000800430303030", SW_KEY_BLOCKED);
    expect_sw(card, VERIFY_EMPTY, SW_TRIES(0));
}

static void
verify_digits(struct vcard *card, const char *digits, uint16_t want)
{
    char hex[64];
    size_t n = strlen(digits), pos;

    assert_true(n <= 16);
    pos = (size_t)snprintf(hex, sizeof(hex), "00200080%02X", (unsigned)n);
    for (size_t i = 0; i < n; i++)
        pos += (size_t)snprintf(hex + pos, sizeof(hex) - pos, "%02X",
                                (unsigned)(uint8_t)digits[i]);
    assert_true(pos < sizeof(hex));
    expect_sw(card, hex, want);
}

static void
test_text_verification_a(void **state)
{
    struct vcard_state *st = st_of(state);
    struct vcard *card = &st->card;
    uint8_t data[VCARD_RESP_MAX];

    assert_int_equal(strlen(st->my_number), 12);
    expect_sw(card, SEL_TEXT, SW_OK);
    expect_sw(card, SEL_EF("0014"), SW_OK);
    verify_digits(card, "000000000000", SW_TRIES(9));
    verify_digits(card, st->my_number, SW_OK);
    expect_sw(card, SEL_EF("0001"), SW_OK);
    assert_int_equal(expect_data(card, "00B0000011", data), 17);
    assert_memory_equal(data + 3, st->my_number, 12);
    /* §8.1: 照合番号A does not open the four attributes. */
    expect_sw(card, SEL_EF("0002"), SW_OK);
    expect_sw(card, "00B0000007", SW_SECURITY_NOT_SATISFIED);
    /* §5.4: 照合番号A is printed on the card: no CHANGE REFERENCE DATA,
     * even after it was verified. */
    expect_sw(card, SEL_EF("0014"), SW_OK);
    expect_sw(card, "002401800C313131313131313131313131",
              SW_CONDITIONS_NOT_SATISFIED);
}

static void
test_text_verification_b(void **state)
{
    struct vcard_state *st = st_of(state);
    struct vcard *card = &st->card;
    uint8_t data[VCARD_RESP_MAX];

    /* §5.1: person 0 was born 1980-02-17 (昭和55), expiry 2035, security
     * code 1234. */
    assert_string_equal(st->verification_b, "55021720351234");
    expect_sw(card, SEL_TEXT, SW_OK);
    expect_sw(card, SEL_EF("0015"), SW_OK);
    verify_digits(card, st->verification_b, SW_OK);
    expect_sw(card, SEL_EF("0002"), SW_OK);
    assert_int_equal(expect_data(card, "00B0000002", data), 2);
    assert_memory_equal(data, "\xFF\x20", 2);
    expect_sw(card, SEL_EF("0001"), SW_OK);
    expect_sw(card, "00B0000011", SW_SECURITY_NOT_SATISFIED);
}

static void
test_text_verify_does_not_open_jpki(void **state)
{
    struct vcard *card = card_of(state);

    expect_sw(card, SEL_TEXT, SW_OK);
    /* JPKI FIDs are not in the text AP. */
    expect_sw(card, SEL_EF("0017"), SW_FILE_NOT_FOUND);
    expect_sw(card, SEL_EF("001B"), SW_FILE_NOT_FOUND);
    expect_sw(card, SEL_EF("0011"), SW_OK);
    expect_sw(card, "00200080" PIN_TEXT, SW_OK);
    /* Only the text PIN is verified, before any DF change. */
    for (size_t i = 0; i < card->n_pins; i++)
        assert_int_equal(card->pins[i].verified,
                         strcmp(card->pins[i].name, "text") == 0);
    card->keep_state_on_reselect = true;
    expect_sw(card, SEL_JPKI, SW_OK);
    expect_sw(card, SEL_EF("0001"), SW_OK);
    expect_sw(card, "00B0000004", SW_SECURITY_NOT_SATISFIED);
    expect_sw(card, SEL_EF("0017"), SW_OK);
    expect_sign(card, 0x80, SW_SECURITY_NOT_SATISFIED);
    /* And the other way round. */
    login_auth(card);
    login_sign(card);
    expect_sw(card, SEL_TEXT, SW_OK);
    expect_sw(card, SEL_EF("0001"), SW_OK);
    expect_sw(card, "00B0000011", SW_SECURITY_NOT_SATISFIED);
}

/* ---- counters and the persistence hook --------------------------------- */

static void
test_counters(void **state)
{
    struct vcard *card = card_of(state);
    unsigned long apdus = card->apdus;

    assert_int_equal(card->signatures, 0);
    expect_sw(card, SEL_JPKI, SW_OK);
    expect_sw(card, "00A4", SW_WRONG_LENGTH);
    expect_sw(card, "01A40000", SW_CHANNEL_NOT_SUPPORTED);
    assert_int_equal(card->apdus, apdus + 3);
    login_auth(card);
    expect_sw(card, SEL_EF("0017"), SW_OK);
    expect_sign(card, 0x80, SW_OK);
    expect_sign(card, 0x80, SW_OK);
    assert_int_equal(card->signatures, 2);
    expect_sw(card, SEL_EF("001A"), SW_OK);
    expect_sign(card, 0x80, SW_SECURITY_NOT_SATISFIED);
    assert_int_equal(card->signatures, 2);
    assert_int_equal(card->apdus, apdus + 3 + 3 + 2 + 1 + 1);
}

static int hook_calls;
static int hook_result;

static int
count_hook(void *arg, const struct vcard *card)
{
    (void)arg;
    (void)card;
    hook_calls++;
    return hook_result;
}

static void
test_pin_changed_hook(void **state)
{
    struct vcard *card = card_of(state);

    card->pin_changed = count_hook;
    hook_calls = 0;
    hook_result = 1;
    expect_sw(card, SEL_JPKI, SW_OK);
    expect_sw(card, SEL_EF("0018"), SW_OK);
    expect_sw(card, VERIFY_EMPTY, SW_TRIES(3));
    assert_int_equal(hook_calls, 0);
    expect_sw(card, "00200080" PIN_WRONG4, SW_TRIES(2));
    assert_int_equal(hook_calls, 1);
    expect_sw(card, "00200080" PIN_AUTH, SW_OK);
    assert_int_equal(hook_calls, 2);
    expect_sw(card, "002401800435363738", SW_OK);
    assert_int_equal(hook_calls, 3);
    /* A failing store answers 6581 (memory failure). */
    hook_result = 0;
    expect_sw(card, "00200080" PIN_WRONG4, 0x6581);
    card->pin_changed = NULL;
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_select_jpki),
        T(test_select_other_aps),
        T(test_select_unknown_aid),
        T(test_select_partial_aid),
        T(test_select_fci),
        T(test_select_ef),
        T(test_select_mf),
        T(test_ef_0006_token_info),
        T(test_ef_0008_availability),
        T(test_read_le00_is_256),
        T(test_read_short_at_end),
        T(test_read_past_end),
        T(test_cert_read_chunks),
        T(test_sign_cert_needs_password),
        T(test_read_internal_ef),
        T(test_read_no_current_ef),
        T(test_read_sfi),
        T(test_empty_verify),
        T(test_auth_lockout),
        T(test_sign_password_lockout),
        T(test_success_resets_counter),
        T(test_wrong_verify_clears_state),
        T(test_verify_sfi),
        T(test_change_pin_needs_verify),
        T(test_change_pin),
        T(test_change_pin_bad_format),
        T(test_change_pin_too_long),
        T(test_pin_format_table),
        T(test_sign_without_pin),
        T(test_sign_auth_and_sign_keys),
        T(test_sign_deterministic),
        T(test_sign_lengths),
        T(test_sign_bad_p1),
        T(test_sign_schemes),
        T(test_sign_non_key_ef),
        T(test_sign_sfi),
        T(test_reselect_clears_state),
        T(test_keep_state_on_reselect),
        T(test_reset_clears_state),
        T(test_state_survives),
        T(test_unknown_ins),
        T(test_cla),
        T(test_extended_apdus),
        T(test_proprietary_commands),
        T(test_set_session_key_juki),
        T(test_text_my_number),
        T(test_text_attributes),
        T(test_text_pin_lockout),
        T(test_text_change_pin),
        T(test_text_key_0012_blocked),
        T(test_text_verification_a),
        T(test_text_verification_b),
        T(test_text_verify_does_not_open_jpki),
        T(test_counters),
        T(test_pin_changed_hook),
    };
#undef T

    return cmocka_run_group_tests(tests, NULL, NULL);
}
