/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Seed corpus of fuzz-p11-module: real card sessions, recorded.
 *
 *   gen-p11-module-seeds CARD_DIR OUT_DIR
 *
 * CARD_DIR is a virtual card made by `myna-vcard create` (real
 * certificates and keys; gen-p11-module-seeds.sh makes one).  For every
 * scenario below, the whole-module session of fuzz-p11-module.c runs with
 * the in-process virtual card (tools/vcard) answering each APDU, and the
 * answers are written in the fuzz input format (fuzz-transport.h) to
 * OUT_DIR/NAME.  Some scenarios bend the card's answers (6982, 63C2,
 * 61xx, 6Cxx, a truncated certificate, a removal mid-read, a reset by
 * someone else) or the reader (control bytes).  Each seed is then
 * replayed from the file and must give the same session: the same
 * commands (hash), the same number of APDUs, the same outcome; an honest
 * session must also produce its signatures.  Exit 0 when every seed does.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../tools/vcard/state.h"
#include "fuzz-p11-module.h"

#define RESP_MAX 258 /* MYNA_APDU_RESP_MAX, VCARD_RESP_MAX */

struct oracle;
typedef size_t (*answer_fn)(struct oracle *o, const uint8_t *cmd, size_t len,
                            uint8_t *resp, int *event);

struct scenario {
    const char *name;
    uint8_t ctl[FUZZ_CTL_LEN];
    answer_fn answer;
    long want_signatures; /* -1: whatever the card allows */
};

struct oracle {
    const struct scenario *sc;
    struct vcard_state *st;
    uint16_t ef;            /* the EF last SELECTed (by file id) */
    unsigned long reads;    /* READ BINARY */
    unsigned long pins;     /* VERIFY with a PIN */
    unsigned long signs;    /* COMPUTE DIGITAL SIGNATURE */
    unsigned long selects;  /* SELECT by DF name (jpki_ap_gone_later) */
    uint8_t held[RESP_MAX]; /* 61xx: what GET RESPONSE returns */
    size_t held_len;
};

static size_t
card(struct oracle *o, const uint8_t *cmd, size_t len, uint8_t *resp)
{
    if (len >= 7 && cmd[1] == 0xA4 && cmd[2] == 0x02)
        o->ef = (uint16_t)(cmd[5] << 8 | cmd[6]);
    if (cmd[1] == 0xB0)
        o->reads++;
    if (cmd[1] == 0x20 && len > 5)
        o->pins++;
    if (cmd[1] == 0x2A)
        o->signs++;
    return vcard_process(&o->st->card, cmd, len, resp);
}

static size_t
sw_only(uint8_t *resp, uint16_t sw)
{
    resp[0] = (uint8_t)(sw >> 8);
    resp[1] = (uint8_t)sw;
    return 2;
}

static size_t
honest(struct oracle *o, const uint8_t *cmd, size_t len, uint8_t *resp,
       int *event)
{
    (void)event;
    return card(o, cmd, len, resp);
}

/* The card leaves the reader at the 3rd READ BINARY (a certificate). */
static size_t
removed_mid_read(struct oracle *o, const uint8_t *cmd, size_t len,
                 uint8_t *resp, int *event)
{
    if (cmd[1] == 0xB0 && o->reads == 2) {
        *event = FUZZ_TAG_REMOVED;
        return 0;
    }
    return card(o, cmd, len, resp);
}

/* The same at the 5th READ BINARY, the card coming back (ctl[6] bit 0). */
static size_t
removed_later(struct oracle *o, const uint8_t *cmd, size_t len, uint8_t *resp,
              int *event)
{
    if (cmd[1] == 0xB0 && o->reads == 4) {
        o->reads++;
        *event = FUZZ_TAG_REMOVED;
        return 0;
    }
    return card(o, cmd, len, resp);
}

/* VERIFY with a PIN answers sw, the PIN unchecked. */
static size_t
verify_answers(struct oracle *o, const uint8_t *cmd, size_t len, uint8_t *resp,
               uint16_t sw)
{
    if (cmd[1] == 0x20 && len > 5) {
        o->pins++;
        return sw_only(resp, sw);
    }
    return card(o, cmd, len, resp);
}

static size_t
verify_6982(struct oracle *o, const uint8_t *cmd, size_t len, uint8_t *resp,
            int *event)
{
    (void)event;
    return verify_answers(o, cmd, len, resp, 0x6982);
}

static size_t
verify_63c2(struct oracle *o, const uint8_t *cmd, size_t len, uint8_t *resp,
            int *event)
{
    (void)event;
    return verify_answers(o, cmd, len, resp, 0x63C2);
}

static size_t
verify_6984(struct oracle *o, const uint8_t *cmd, size_t len, uint8_t *resp,
            int *event)
{
    (void)event;
    return verify_answers(o, cmd, len, resp, 0x6984);
}

/* T=0 style: data is announced with 61xx and fetched by GET RESPONSE. */
static size_t
t0_get_response(struct oracle *o, const uint8_t *cmd, size_t len, uint8_t *resp,
                int *event)
{
    size_t n;

    (void)event;
    if (cmd[1] == 0xC0 && o->held_len > 0) {
        memcpy(resp, o->held, o->held_len);
        n = o->held_len;
        o->held_len = 0;
        return n;
    }
    n = card(o, cmd, len, resp);
    if ((cmd[1] == 0xB0 || cmd[1] == 0x2A) && n > 2 && resp[n - 2] == 0x90 &&
        resp[n - 1] == 0x00) {
        memcpy(o->held, resp, n);
        o->held_len = n;
        return sw_only(resp, (uint16_t)(0x6100 | ((n - 2) & 0xFF)));
    }
    return n;
}

/* A short last chunk is first refused with 6Cxx (the right Le). */
static size_t
wrong_le(struct oracle *o, const uint8_t *cmd, size_t len, uint8_t *resp,
         int *event)
{
    uint8_t probe[RESP_MAX];
    size_t n;

    (void)event;
    if (cmd[1] != 0xB0 || len != 5 || cmd[4] != 0x00)
        return card(o, cmd, len, resp);
    /* READ BINARY changes nothing on the card: ask it what it would say. */
    n = vcard_process(&o->st->card, cmd, len, probe);
    if (n > 2 && n - 2 < 256 && probe[n - 2] == 0x90)
        return sw_only(resp, (uint16_t)(0x6C00 | (n - 2)));
    return card(o, cmd, len, resp);
}

/* The auth certificate's EF ends early: only 10 bytes of its 2nd chunk. */
static size_t
truncated_cert(struct oracle *o, const uint8_t *cmd, size_t len, uint8_t *resp,
               int *event)
{
    size_t n = card(o, cmd, len, resp);

    (void)event;
    if (cmd[1] == 0xB0 && o->ef == 0x000A && cmd[2] == 0x01 && n > 12) {
        resp[10] = 0x90;
        resp[11] = 0x00;
        return 12;
    }
    return n;
}

/* Someone else resets the card just before our first signature. */
static size_t
reset_before_sign(struct oracle *o, const uint8_t *cmd, size_t len,
                  uint8_t *resp, int *event)
{
    if (cmd[1] == 0x2A && o->signs == 0) {
        o->signs++;
        vcard_reset(&o->st->card);
        *event = FUZZ_TAG_RESET;
        return 0;
    }
    return card(o, cmd, len, resp);
}

/* A card without the JPKI AP (SELECT by DF name answers 6A82). */
static size_t
other_card(struct oracle *o, const uint8_t *cmd, size_t len, uint8_t *resp,
           int *event)
{
    (void)event;
    if (cmd[1] == 0xA4 && cmd[2] == 0x04)
        return sw_only(resp, 0x6A82);
    return card(o, cmd, len, resp);
}

/* The JPKI AP is there at first, then every later SELECT of it answers
 * 6A82 (the logout's, a reselect after a reset). */
static size_t
jpki_ap_gone_later(struct oracle *o, const uint8_t *cmd, size_t len,
                   uint8_t *resp, int *event)
{
    (void)event;
    if (cmd[1] == 0xA4 && cmd[2] == 0x04 && o->selects++ > 0)
        return sw_only(resp, 0x6A82);
    return card(o, cmd, len, resp);
}

/* CHANGE REFERENCE DATA answered 6982, as if the VERIFY before it had
 * not counted. */
static size_t
change_6982(struct oracle *o, const uint8_t *cmd, size_t len, uint8_t *resp,
            int *event)
{
    (void)event;
    if (cmd[1] == 0x24)
        return sw_only(resp, 0x6982);
    return card(o, cmd, len, resp);
}

/* The card forgot the PIN by the time it signs. */
static size_t
sign_6982(struct oracle *o, const uint8_t *cmd, size_t len, uint8_t *resp,
          int *event)
{
    (void)event;
    if (cmd[1] == 0x2A) {
        o->signs++;
        return sw_only(resp, 0x6982);
    }
    return card(o, cmd, len, resp);
}

#define OPT(x) FUZZ_OPT_##x
static const struct scenario scenarios[] = {
    { "01-honest-auth", { 0, 0 }, honest, 2 },
    { "02-honest-both-tokens",
      { OPT(SIGN_TOKEN) | OPT(RW) | OPT(CLOSE_EACH), 1 },
      honest,
      4 },
    { "03-multipart-short-buffers",
      { OPT(MULTIPART) | OPT(SHORT_BUF) | OPT(EVENTS), 0x08 | 4 },
      honest,
      2 },
    { "04-again-no-logout",
      { OPT(AGAIN) | OPT(NO_LOGOUT) | OPT(SIGN_TOKEN), 0x40 | 0x20 | 2 },
      honest,
      8 },
    { "05-removed-mid-read", { 0, 0 }, removed_mid_read, 0 },
    { "06-removed-reinserted",
      { OPT(AGAIN) | OPT(EVENTS), 0, 0, 0, 0, 0, 0x01 },
      removed_later,
      -1 },
    { "07-verify-6982", { OPT(SIGN_TOKEN), 0 }, verify_6982, 0 },
    { "08-verify-63c2", { 0, 0 }, verify_63c2, 0 },
    { "09-verify-6984-locked", { OPT(SIGN_TOKEN), 0 }, verify_6984, 0 },
    { "10-t0-61xx-get-response",
      { OPT(SIGN_TOKEN), 0x10 | 5 },
      t0_get_response,
      4 },
    { "11-wrong-le-6cxx", { OPT(SIGN_TOKEN), 3 }, wrong_le, 4 },
    { "12-truncated-auth-cert", { 0, 4 }, truncated_cert, -1 },
    { "13-reset-before-sign", { OPT(MULTIPART), 0 }, reset_before_sign, -1 },
    { "14-absent-then-inserted",
      { OPT(AGAIN) | OPT(EVENTS), 0, 0, 0, 0, 0, 0x02 },
      honest,
      -1 },
    { "15-pcscd-restart",
      { OPT(AGAIN) | OPT(EVENTS), 6, 0, 0, 0, 0, 0x30 },
      honest,
      -1 },
    { "16-begin-reports-reset", { 0, 0, 0, 6 }, honest, -1 },
    { "17-no-jpki-ap", { OPT(EVENTS), 0 }, other_card, 0 },
    { "18-sign-6982", { 0, 0 }, sign_6982, 0 },
    { "19-two-empty-readers",
      { OPT(SIGN_TOKEN), 7, 0, 0, 0, 0, 0, 2 },
      honest,
      4 },
    { "20-connect-fails-once", { OPT(AGAIN), 0, 0, 0, 0, 0x01 }, honest, -1 },
    { "21-begin-fails-removed",
      { OPT(AGAIN), 0, 0, 0, 0x80 | 4, 0, 0x01 },
      honest,
      -1 },
    { "22-jpki-ap-gone-at-logout", { 0, 0 }, jpki_ap_gone_later, 2 },
    { "23-jpki-ap-gone-after-reset", { 0, 0, 0, 5 }, jpki_ap_gone_later, -1 },
    { "24-mechanisms-context-login-set-pin",
      { OPT(RW) | OPT(SIGN_TOKEN), 0x80 },
      honest,
      4 },
    { "25-set-pin-change-6982", { OPT(RW), 0x80 }, change_6982, 2 },
};

static size_t
oracle_answer(void *arg, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
              int *event)
{
    struct oracle *o = arg;

    if (cmd == NULL) {
        vcard_reset(&o->st->card);
        o->held_len = 0;
        return 0;
    }
    *event = 0;
    return o->sc->answer(o, cmd, cmd_len, resp, event);
}

static int
write_seed(const char *dir, const char *name, const uint8_t *data, size_t len)
{
    char path[4096];
    FILE *f;
    int ok;

    if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
        return 0;
    f = fopen(path, "wb");
    if (f == NULL) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return 0;
    }
    ok = fwrite(data, 1, len, f) == len;
    ok &= fclose(f) == 0;
    return ok;
}

static int
one_scenario(const char *card_dir, const char *out_dir,
             const struct scenario *sc)
{
    struct fuzz_p11_outcome rec_out, play_out;
    struct fuzz_transport_stats rec_stats;
    struct oracle o;
    const uint8_t *stream;
    uint8_t *seed = NULL;
    size_t len;
    int ok = 0;

    memset(&o, 0, sizeof(o));
    o.st = vcard_state_load(card_dir);
    if (o.st == NULL)
        return 0;
    /* Never write the card's PIN counters back to CARD_DIR. */
    o.st->card.pin_changed = NULL;
    o.st->card.pin_changed_arg = NULL;
    o.sc = sc;

    fuzz_transport_start_record(sc->ctl, oracle_answer, &o);
    fuzz_p11_module_run(sc->ctl, &rec_out);
    fuzz_transport_end();
    rec_stats = *fuzz_transport_stats();
    stream = fuzz_transport_recorded(&len);
    seed = malloc(FUZZ_CTL_LEN + len + 1);
    if (seed == NULL)
        goto out;
    memcpy(seed, sc->ctl, FUZZ_CTL_LEN);
    memcpy(seed + FUZZ_CTL_LEN, stream, len);

    /* Replay what was recorded: the same session, APDU for APDU. */
    fuzz_transport_start(seed, seed + FUZZ_CTL_LEN, len);
    fuzz_p11_module_run(seed, &play_out);
    fuzz_transport_end();
    if (memcmp(&rec_out, &play_out, sizeof(rec_out)) != 0 ||
        rec_stats.transmits != fuzz_transport_stats()->transmits ||
        rec_stats.commands_hash != fuzz_transport_stats()->commands_hash) {
        fprintf(stderr, "%s: the replay differs from the recording\n",
                sc->name);
        goto out;
    }
    if (sc->want_signatures >= 0 &&
        rec_out.signatures != (unsigned long)sc->want_signatures) {
        fprintf(stderr, "%s: %lu signatures, expected %ld\n", sc->name,
                rec_out.signatures, sc->want_signatures);
        goto out;
    }
    if (!rec_out.finalized) {
        fprintf(stderr, "%s: the module was not finalized\n", sc->name);
        goto out;
    }
    printf("%-28s %5zu bytes %4lu APDUs, %lu objects, %lu values, "
           "%lu logins, %lu signatures\n",
           sc->name, FUZZ_CTL_LEN + len, rec_stats.transmits, rec_out.objects,
           rec_out.values, rec_out.logins, rec_out.signatures);
    ok = write_seed(out_dir, sc->name, seed, FUZZ_CTL_LEN + len);
out:
    free(seed);
    vcard_state_free(o.st);
    return ok;
}

int
main(int argc, char **argv)
{
    int ok = 1;

    if (argc != 3) {
        fprintf(stderr, "usage: %s CARD_DIR OUT_DIR\n", argv[0]);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
        ok &= one_scenario(argv[1], argv[2], &scenarios[i]);
    return ok ? 0 : 1;
}
