/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * JPKI card commands (card-protocol.md §2-§6) over struct myna_io.
 *
 * Nothing the card answers is trusted: every response is checked for its
 * length (at least SW1 SW2, never more data than the Le we sent), DER
 * lengths are bounded by MYNA_EF_MAX, and every loop that follows the
 * card's answers has a bound that does not depend on them.  61xx and 6Cxx
 * (§14: never seen on the card, handled defensively like OpenSC does) get
 * one GET RESPONSE and one resend each, no more.
 */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "card.h"

/* Short APDU: header, Lc, 255 data bytes, Le (ISO/IEC 7816-4 §5.1). */
#define APDU_CMD_MAX (5 + 255 + 1)
/* READ BINARY with Le=00 asks for 256 bytes (§4.1). */
#define CHUNK 256
/* §6.1: PKCS#1 v1.5 type 01 of a 2048-bit key leaves 256 - 11 bytes. */
#define SIGN_INPUT_MAX 245
#define SIGNATURE_LEN 256
/* §5.1: VERIFY data is 1-16 bytes (JICSAP 6.4.9(3)). */
#define PIN_DATA_MAX 16

#define SW_OK 0x9000
#define SW_OFFSET_OUTSIDE 0x6B00
#define SW_FILE_NOT_FOUND 0x6A82
#define SW_WRONG_DATA 0x6A80

/* §4.1: P1-P2 is a 15-bit offset; the last chunk of the largest EF we
 * accept (plus the 1-byte probe past it) must still be addressable. */
_Static_assert(MYNA_EF_MAX + 1 <= 0x7FFF, "MYNA_EF_MAX beyond the offset");

/* §2.1: DF name of the JPKI AP. */
static const uint8_t jpki_aid[10] = {
    0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01,
};

/* §2.1 / §8: DF name of the card info input support AP. */
static const uint8_t text_aid[10] = {
    0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08,
};

struct key_files {
    uint16_t pin_fid; /* key reference of the PIN (§5.1) */
    uint16_t key_fid; /* private key EF (§3.1), 0 for none */
    int max_tries;    /* §5.1 */
};

static const struct key_files *
key_files(enum myna_key key)
{
    static const struct key_files auth = { 0x0018, 0x0017, 3 };
    static const struct key_files sign = { 0x001B, 0x001A, 5 };
    static const struct key_files text = { 0x0011, 0, 3 }; /* §8.1 */

    switch (key) {
    case MYNA_KEY_AUTH:
        return &auth;
    case MYNA_KEY_SIGN:
        return &sign;
    case MYNA_KEY_TEXT:
        return &text;
    default:
        return NULL;
    }
}

static bool
io_ok(const struct myna_io *io)
{
    return io != NULL && io->transmit != NULL;
}

/* Send one APDU and check the bare shape of the answer. */
static CK_RV
exchange(struct myna_io *io, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
         size_t *resp_len)
{
    size_t n = 0;
    CK_RV rv;

    io->apdus++;
    rv = io->transmit(io->ctx, cmd, cmd_len, resp, &n);
    if (io->trace != NULL)
        io->trace(cmd, cmd_len, resp, rv == CKR_OK ? n : 0);
    if (rv != CKR_OK)
        return rv;
    /* A response without SW1 SW2, or longer than the buffer we gave, is
     * a broken transport or a hostile card. */
    if (n < 2 || n > MYNA_APDU_RESP_MAX)
        return CKR_DEVICE_ERROR;
    *resp_len = n;
    return CKR_OK;
}

static size_t
le_count(uint8_t b)
{
    return b == 0 ? 256 : b; /* Le=00 means 256 (§4.1) */
}

/*
 * One command with its answer.  le_max is the number of data bytes the
 * command may return (0 for cases 1 and 3, the Le sent for cases 2 and 4,
 * whose last command byte is Le); data holds le_max bytes (may be NULL
 * when le_max is 0).  Returns CKR_OK with the status word in *sw, or the
 * transport's error, or CKR_DEVICE_ERROR when the card sent more data than
 * asked for.  §14: 6Cxx resends the command once with Le=xx, 61xx fetches
 * the rest once with GET RESPONSE; a second one is left in *sw and becomes
 * an error in myna_sw_to_rv().
 */
static CK_RV
transceive(struct myna_io *io, const uint8_t *cmd, size_t cmd_len,
           size_t le_max, uint8_t *data, size_t *data_len, uint16_t *sw)
{
    uint8_t resp[MYNA_APDU_RESP_MAX];
    uint8_t again[APDU_CMD_MAX];
    uint8_t get_response[5] = { 0x00, 0xC0, 0x00, 0x00, 0x00 };
    bool resent = false, fetched = false, used_again = false;
    size_t n = 0, dn, have = 0;
    uint8_t sw1, sw2;
    CK_RV rv;

    *data_len = 0;
    *sw = 0;
    rv = exchange(io, cmd, cmd_len, resp, &n);
    while (rv == CKR_OK) {
        dn = n - 2;
        sw1 = resp[dn];
        sw2 = resp[dn + 1];
        *sw = (uint16_t)(sw1 << 8 | sw2);
        /* Invariant: have <= le_max. */
        if (dn > le_max - have) {
            rv = CKR_DEVICE_ERROR; /* more than asked for: never trusted */
            break;
        }
        if (dn > 0)
            memcpy(data + have, resp, dn);
        have += dn;
        if (sw1 == 0x6C && le_max > 0 && !resent && !fetched && have == 0 &&
            cmd_len <= sizeof(again) && le_count(sw2) <= le_max) {
            /* Wrong Le: resend with the Le the card names (§14). */
            memcpy(again, cmd, cmd_len);
            again[cmd_len - 1] = sw2;
            used_again = resent = true;
            rv = exchange(io, again, cmd_len, resp, &n);
        } else if (sw1 == 0x61 && le_max > 0 && !fetched &&
                   le_count(sw2) <= le_max - have) {
            /* More data waiting (T=0 case 4, §14). */
            get_response[4] = sw2;
            fetched = true;
            rv = exchange(io, get_response, sizeof(get_response), resp, &n);
        } else {
            *data_len = have;
            break;
        }
    }
    if (used_again)
        explicit_bzero(again, sizeof(again));
    return rv;
}

/* A command that answers no data: CKR_OK with *sw. */
static CK_RV
command(struct myna_io *io, const uint8_t *cmd, size_t cmd_len, uint16_t *sw)
{
    size_t dn = 0;

    return transceive(io, cmd, cmd_len, 0, NULL, &dn, sw);
}

/* The status word of a command that has nothing to do with a PIN (READ
 * BINARY, COMPUTE DIGITAL SIGNATURE): 63Cx / 6984 there would make C_Sign
 * or C_GetAttributeValue answer a PIN error they may not return (PKCS#11
 * v3.0 §5.1); such a card is faulty. */
static CK_RV
non_pin_rv(uint16_t sw)
{
    CK_RV rv = myna_sw_to_rv(sw);

    return rv == CKR_PIN_INCORRECT || rv == CKR_PIN_LOCKED ? CKR_DEVICE_ERROR
                                                           : rv;
}

/* §2.2: 00 A4 02 0C 02 FID, no Le, answers 9000 without data.  Every EF
 * the module selects exists on a JPKI card (§3.1) and SELECT needs no
 * credential, so any other answer is a card fault. */
static CK_RV
select_ef(struct myna_io *io, uint16_t fid)
{
    uint8_t cmd[7] = { 0x00, 0xA4, 0x02, 0x0C, 0x02, 0, 0 };
    uint16_t sw;
    CK_RV rv;

    cmd[5] = (uint8_t)(fid >> 8);
    cmd[6] = (uint8_t)fid;
    rv = command(io, cmd, sizeof(cmd), &sw);
    if (rv != CKR_OK)
        return rv;
    return sw == SW_OK ? CKR_OK : CKR_DEVICE_ERROR;
}

/* §2.2: 00 A4 04 0C 0A <DF name>. */
static CK_RV
select_df(struct myna_io *io, const uint8_t aid[10])
{
    uint8_t cmd[5 + 10] = { 0x00, 0xA4, 0x04, 0x0C, 10 };
    uint16_t sw;
    CK_RV rv;

    if (!io_ok(io))
        return CKR_ARGUMENTS_BAD;
    memcpy(cmd + 5, aid, 10);
    rv = command(io, cmd, sizeof(cmd), &sw);
    if (rv != CKR_OK)
        return rv;
    /* §2.2: an AID that is not on the card (very probably) answers 6A82:
     * a card, but not a My Number Card. */
    if (sw == SW_FILE_NOT_FOUND)
        return CKR_TOKEN_NOT_RECOGNIZED;
    return sw == SW_OK ? CKR_OK : CKR_DEVICE_ERROR;
}

CK_RV
myna_card_select_jpki(struct myna_io *io)
{
    return select_df(io, jpki_aid);
}

CK_RV
myna_card_select_text(struct myna_io *io)
{
    return select_df(io, text_aid);
}

/* §4.1: 00 B0 P1 P2 Le with a 15-bit offset; le is 1..256. */
static CK_RV
read_chunk(struct myna_io *io, size_t offset, size_t le, uint8_t *dst,
           size_t *got, uint16_t *sw)
{
    uint8_t cmd[5] = { 0x00, 0xB0, 0, 0, 0 };

    cmd[2] = (uint8_t)((offset >> 8) & 0x7F);
    cmd[3] = (uint8_t)offset;
    cmd[4] = (uint8_t)le; /* 256 -> 00 */
    return transceive(io, cmd, sizeof(cmd), le, dst, got, sw);
}

/*
 * Total length of the DER object at the start of an EF whose first got
 * bytes are in b (b[0] is 30), or 0 when the header is malformed, not
 * complete in the bytes read, or claims more than MYNA_EF_MAX (§4.3: the
 * certificates start 30 82 LL LL).
 */
static size_t
der_total(const uint8_t *b, size_t got)
{
    size_t total;

    if (got < 2)
        return 0;
    if (b[1] < 0x80)
        total = 2 + (size_t)b[1];
    else if (b[1] == 0x81 && got >= 3)
        total = 3 + (size_t)b[2];
    else if (b[1] == 0x82 && got >= 4)
        total = 4 + ((size_t)b[2] << 8 | b[3]);
    else
        return 0; /* indefinite, > 64 KiB, or cut off */
    return total <= MYNA_EF_MAX ? total : 0;
}

/* DER mode: read the object's bytes [have, total) into buf, 256 at a time
 * and the last read exact (§4.3).  Every read must answer in full. */
static CK_RV
read_rest_der(struct myna_io *io, uint8_t *buf, size_t have, size_t total)
{
    size_t le, got;
    uint16_t sw;
    CK_RV rv;

    /* Bounded: every pass adds le >= 1 bytes and total <= MYNA_EF_MAX. */
    while (have < total) {
        le = total - have < CHUNK ? total - have : CHUNK;
        rv = read_chunk(io, have, le, buf + have, &got, &sw);
        if (rv != CKR_OK)
            return rv;
        /* The EF ended (6B00 or a short answer, §4.2) before the end of
         * the object its header announced. */
        if (sw == SW_OFFSET_OUTSIDE)
            return CKR_DEVICE_ERROR;
        if (sw != SW_OK)
            return non_pin_rv(sw);
        if (got != le)
            return CKR_DEVICE_ERROR;
        have += got;
    }
    return CKR_OK;
}

/* Not DER: read until a short answer or 6B00 (§4.2).  buf holds
 * MYNA_EF_MAX + 1 bytes; the last read asks for one byte past
 * MYNA_EF_MAX, so a card answering full chunks forever ends here. */
static CK_RV
read_rest_plain(struct myna_io *io, uint8_t *buf, size_t *have)
{
    size_t le, got;
    uint16_t sw;
    CK_RV rv;

    for (;;) {
        le = MYNA_EF_MAX + 1 - *have;
        if (le > CHUNK)
            le = CHUNK;
        rv = read_chunk(io, *have, le, buf + *have, &got, &sw);
        if (rv != CKR_OK)
            return rv;
        if (sw == SW_OFFSET_OUTSIDE)
            return CKR_OK; /* §4.2: offset at the end of the EF */
        if (sw != SW_OK)
            return non_pin_rv(sw);
        *have += got;
        if (*have > MYNA_EF_MAX)
            return CKR_DEVICE_ERROR;
        if (got < le)
            return CKR_OK; /* §4.2: short answer at the end of the EF */
    }
}

/* The first READ BINARY (Le=00 from offset 0, §4.3 as myna-card does it)
 * tells whether the EF holds a DER object; then read what is left. */
static CK_RV
read_selected(struct myna_io *io, uint8_t **out, size_t *len)
{
    uint8_t first[CHUNK];
    uint8_t *buf = NULL, *shrunk;
    size_t got = 0, total = 0, have;
    uint16_t sw;
    CK_RV rv;

    rv = read_chunk(io, 0, CHUNK, first, &got, &sw);
    if (rv != CKR_OK)
        goto out;
    rv = non_pin_rv(sw); /* 6982: EF 0001 before the password (§3.1) */
    if (rv != CKR_OK)
        goto out;
    /* Every JPKI EF the module reads has content (§3.1). */
    rv = CKR_DEVICE_ERROR;
    if (got == 0)
        goto out;
    if (first[0] == 0x30) {
        total = der_total(first, got);
        /* A bad header, or an object larger than what the EF held when
         * the card gave a short first answer (§4.2). */
        if (total == 0 || (total > got && got < CHUNK))
            goto out;
        rv = CKR_HOST_MEMORY;
        buf = malloc(total);
        if (buf == NULL)
            goto out;
        have = got < total ? got : total; /* filler after the object */
        memcpy(buf, first, have);
        rv = read_rest_der(io, buf, have, total);
    } else {
        rv = CKR_HOST_MEMORY;
        buf = malloc(MYNA_EF_MAX + 1);
        if (buf == NULL)
            goto out;
        memcpy(buf, first, got);
        total = got;
        rv = got < CHUNK ? CKR_OK : read_rest_plain(io, buf, &total);
        if (rv == CKR_OK) {
            shrunk = realloc(buf, total);
            if (shrunk != NULL)
                buf = shrunk;
        }
    }
out:
    if (rv == CKR_OK) {
        *out = buf;
        *len = total;
    } else {
        free(buf);
    }
    return rv;
}

CK_RV
myna_card_read_ef(struct myna_io *io, uint16_t fid, uint8_t **out, size_t *len)
{
    CK_RV rv;

    if (out != NULL)
        *out = NULL;
    if (len != NULL)
        *len = 0;
    if (!io_ok(io) || out == NULL || len == NULL)
        return CKR_ARGUMENTS_BAD;
    rv = select_ef(io, fid);
    if (rv != CKR_OK)
        return rv;
    return read_selected(io, out, len);
}

CK_RV
myna_card_pin_tries(struct myna_io *io, enum myna_key key, int *tries)
{
    static const uint8_t empty_verify[4] = { 0x00, 0x20, 0x00, 0x80 };
    const struct key_files *kf = key_files(key);
    uint16_t sw;
    CK_RV rv;

    if (tries != NULL)
        *tries = 0;
    if (!io_ok(io) || kf == NULL || tries == NULL)
        return CKR_ARGUMENTS_BAD;
    rv = select_ef(io, kf->pin_fid);
    if (rv != CKR_OK)
        return rv;
    rv = command(io, empty_verify, sizeof(empty_verify), &sw);
    if (rv != CKR_OK)
        return rv;
    /* §5.3: the JPKI card always answers 63Cx here, verified or not. */
    if ((sw & 0xFFF0) == 0x63C0) {
        *tries = sw & 0x0F;
        return CKR_OK;
    }
    /* Anything else, 9000 included (the card would have taken the empty
     * VERIFY as a login), breaks §5.3. */
    return CKR_DEVICE_ERROR;
}

/* SELECT the PIN's key reference, then ins/p1 with the PIN as data:
 * VERIFY 00 20 00 80 (§5.2) or CHANGE REFERENCE DATA 00 24 01 80 (§5.4).
 * The APDU buffer is wiped on every path. */
static CK_RV
pin_command(struct myna_io *io, const struct key_files *kf, uint8_t ins,
            uint8_t p1, const uint8_t *pin, size_t pin_len, uint16_t *sw)
{
    uint8_t cmd[5 + PIN_DATA_MAX];
    CK_RV rv;

    *sw = 0;
    rv = select_ef(io, kf->pin_fid);
    if (rv != CKR_OK)
        return rv;
    cmd[0] = 0x00;
    cmd[1] = ins;
    cmd[2] = p1;
    cmd[3] = 0x80; /* the key of the current EF (JICSAP Table 19) */
    cmd[4] = (uint8_t)pin_len;
    memcpy(cmd + 5, pin, pin_len);
    rv = command(io, cmd, 5 + pin_len, sw);
    explicit_bzero(cmd, sizeof(cmd));
    return rv;
}

CK_RV
myna_card_verify(struct myna_io *io, enum myna_key key, const uint8_t *pin,
                 size_t pin_len, int *tries_left)
{
    const struct key_files *kf = key_files(key);
    uint16_t sw;
    CK_RV rv;

    if (tries_left != NULL)
        *tries_left = -1; /* unknown unless the card told us */
    /* An empty VERIFY is the status query of §5.3, never a login. */
    if (!io_ok(io) || kf == NULL || pin == NULL || pin_len == 0 ||
        pin_len > PIN_DATA_MAX)
        return CKR_ARGUMENTS_BAD;
    rv = pin_command(io, kf, 0x20, 0x00, pin, pin_len, &sw);
    if (rv != CKR_OK)
        return rv;
    rv = myna_sw_to_rv(sw);
    /* 6982 to a VERIFY that carries the PIN: the card would not even
     * check it, which §5.2 does not foresee; C_Login may not answer
     * CKR_USER_NOT_LOGGED_IN (PKCS#11 v3.0 §5.6).  Found by
     * fuzz-p11-module. */
    if (rv == CKR_USER_NOT_LOGGED_IN)
        rv = CKR_DEVICE_ERROR;
    if (tries_left == NULL)
        return rv;
    if (rv == CKR_OK)
        *tries_left = kf->max_tries; /* §5.1: reset by a success */
    else if ((sw & 0xFFF0) == 0x63C0)
        *tries_left = sw & 0x0F; /* §5.2: 63C0 blocked it */
    else if (rv == CKR_PIN_LOCKED)
        *tries_left = 0; /* §5.2: 6984 on a blocked key */
    return rv;
}

CK_RV
myna_card_change(struct myna_io *io, enum myna_key key, const uint8_t *new_pin,
                 size_t new_len)
{
    const struct key_files *kf = key_files(key);
    uint16_t sw;
    CK_RV rv;

    if (!io_ok(io) || kf == NULL || new_pin == NULL || new_len == 0 ||
        new_len > PIN_DATA_MAX)
        return CKR_ARGUMENTS_BAD;
    /* The key reference is normally still current after the caller's
     * VERIFY; selecting it again costs one APDU and keeps the verified
     * state (§7), so a SELECT in between cannot make us change another
     * key. */
    rv = pin_command(io, kf, 0x24, 0x01, new_pin, new_len, &sw);
    if (rv != CKR_OK)
        return rv;
    /* §5.4: what the card answers to a new value of the wrong format is
     * UNCONFIRMED; the virtual card answers 6A80 (wrong data). */
    if (sw == SW_WRONG_DATA)
        return CKR_PIN_INVALID;
    return myna_sw_to_rv(sw);
}

CK_RV
myna_card_sign(struct myna_io *io, enum myna_key key, const uint8_t *in,
               size_t in_len, uint8_t *sig, size_t *sig_len)
{
    const struct key_files *kf = key_files(key);
    uint8_t cmd[5 + SIGN_INPUT_MAX + 1];
    uint8_t resp[SIGNATURE_LEN];
    size_t got = 0;
    uint16_t sw;
    CK_RV rv;

    if (sig_len != NULL)
        *sig_len = 0;
    if (!io_ok(io) || kf == NULL || kf->key_fid == 0 || in == NULL ||
        sig == NULL || sig_len == NULL)
        return CKR_ARGUMENTS_BAD;
    /* §6.1: P1=00 takes 1-245 bytes; refuse before spending an APDU. */
    if (in_len == 0 || in_len > SIGN_INPUT_MAX)
        return CKR_DATA_LEN_RANGE;
    rv = select_ef(io, kf->key_fid);
    if (rv != CKR_OK)
        return rv;
    /* §6.1: 80 2A 00 80 Lc <DigestInfo> 00. */
    cmd[0] = 0x80;
    cmd[1] = 0x2A;
    cmd[2] = 0x00;
    cmd[3] = 0x80;
    cmd[4] = (uint8_t)in_len;
    memcpy(cmd + 5, in, in_len);
    cmd[5 + in_len] = 0x00;
    rv = transceive(io, cmd, 6 + in_len, SIGNATURE_LEN, resp, &got, &sw);
    if (rv != CKR_OK)
        return rv;
    rv = non_pin_rv(sw); /* 6982: PIN not verified (§6.2) */
    if (rv != CKR_OK)
        return rv;
    /* §6.1: an RSA-2048 signature is exactly 256 bytes. */
    if (got != SIGNATURE_LEN)
        return CKR_DEVICE_ERROR;
    memcpy(sig, resp, SIGNATURE_LEN);
    *sig_len = SIGNATURE_LEN;
    return CKR_OK;
}
