/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The virtual card's command engine: applications (DFs), elementary files,
 * key references and the security state of card-protocol.md §7.  It knows
 * nothing of sockets or files: tools/vcard/serve.c feeds it APDUs and
 * tools/vcard/state.c persists its PIN counters through pin_changed.
 *
 * Not thread-safe: one card, one reader, one APDU at a time (as a card).
 */
#ifndef MYNA_VCARD_CARD_H
#define MYNA_VCARD_CARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#define VCARD_MAX_APPS 8
#define VCARD_MAX_EFS 16
#define VCARD_MAX_PINS 12
#define VCARD_PIN_MAX_LEN 16
/* 256 data bytes + SW1 SW2: the card never answers more (§14) unless a
 * fault asks for an oversized answer. */
#define VCARD_RESP_MAX 258

enum vcard_ef_type {
    VCARD_EF_BINARY, /* transparent EF, READ BINARY */
    VCARD_EF_PIN,    /* key reference of a PIN (internal EF) */
    VCARD_EF_KEY,    /* RSA private key (internal EF) */
};

/* Format rules the card enforces on CHANGE REFERENCE DATA (§5.1). */
enum vcard_pin_format {
    VCARD_PIN_4DIGITS,       /* JPKI 0018, text AP 0011 */
    VCARD_PIN_SIGN_PASSWORD, /* JPKI 001B: 6-16 of A-Z0-9, both kinds */
    VCARD_PIN_DIGITS,        /* 照合番号A/B: fixed-length digits */
};

struct vcard_pin {
    const char *name; /* key in the state file, e.g. "auth" */
    uint8_t value[VCARD_PIN_MAX_LEN];
    size_t len;
    int tries;
    int max_tries;
    bool verified;
    bool persistent; /* tries and value are saved by pin_changed */
    bool changeable; /* CHANGE REFERENCE DATA allowed (§5.4) */
    enum vcard_pin_format format;
};

struct vcard_ef {
    uint16_t fid;
    enum vcard_ef_type type;
    const uint8_t *data; /* BINARY: contents (owned by the caller) */
    size_t len;
    /* BINARY: bit i set = PIN i opens READ BINARY; 0 = always readable.
     * read_never: no credential opens it (JPKI EF 0009, §3.1). */
    uint32_t read_pins;
    bool read_never;
    int pin;       /* PIN: index of the PIN; KEY: the PIN that unlocks it */
    EVP_PKEY *key; /* KEY: borrowed */
};

struct vcard_app {
    const char *name;
    uint8_t aid[16];
    size_t aid_len;
    struct vcard_ef efs[VCARD_MAX_EFS];
    size_t n_efs;
};

struct vcard {
    struct vcard_app apps[VCARD_MAX_APPS];
    size_t n_apps;
    struct vcard_pin pins[VCARD_MAX_PINS];
    size_t n_pins;
    int cur_app; /* -1: none (after reset: the GP ISD is implicitly current) */
    int cur_ef;  /* -1: none */
    /* Switches (docs/myna-vcard.1). */
    bool keep_state_on_reselect; /* §7: re-SELECT of the same AID keeps PINs */
    bool allow_extended;         /* §14: extended APDUs answered, not 6700 */
    /* Called after a PIN's counter or value changed, to persist it. Returns
     * 1 on success; on failure the card answers 6581 (memory failure). */
    int (*pin_changed)(void *arg, const struct vcard *card);
    void *pin_changed_arg;
    /* Counters for benchmarks (--stats). */
    unsigned long apdus;
    unsigned long signatures;
};

/* Power-on or warm reset: security state and current DF/EF are cleared. */
void vcard_reset(struct vcard *card);

/*
 * Process one command APDU.  Writes the response (data + SW1 SW2) to resp,
 * which must hold VCARD_RESP_MAX bytes, and returns its length (>= 2).
 */
size_t vcard_process(struct vcard *card, const uint8_t *cmd, size_t len,
                     uint8_t *resp);

/* Index of a new PIN / application / EF, or -1 when the table is full. */
int vcard_add_pin(struct vcard *card, const struct vcard_pin *pin);
struct vcard_app *vcard_add_app(struct vcard *card, const char *name,
                                const uint8_t *aid, size_t aid_len);
struct vcard_ef *vcard_app_add_ef(struct vcard_app *app, uint16_t fid,
                                  enum vcard_ef_type type);

/* 1 when value is an acceptable new value for pin (its format, and for
 * VCARD_PIN_DIGITS its current length). */
int vcard_pin_format_ok(const struct vcard_pin *pin, const uint8_t *value,
                        size_t len);

#endif
