/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A struct myna_io backed by the in-process virtual card (tools/vcard), for
 * the unit tests and fuzz targets of pkcs11/card.c: no pcscd, no reader.
 * Fault switches turn the honest card into a broken or hostile one.
 * Not thread-safe (one card, one APDU at a time).
 */
#ifndef MYNA_TESTS_FAKE_IO_H
#define MYNA_TESTS_FAKE_IO_H

#include <stddef.h>
#include <stdint.h>

/* Explicit paths: tools/vcard/card.h and pkcs11/card.h share a name. */
#include "../../pkcs11/card.h"

struct vcard_state;
struct fake_io;

/* Called on every response after the switches below; may rewrite it.
 * resp holds FAKE_IO_RESP_MAX bytes; a *resp_len above
 * MYNA_APDU_RESP_MAX is reported to the caller as such (only the first
 * MYNA_APDU_RESP_MAX bytes are copied), like a transport that overflows. */
#define FAKE_IO_RESP_MAX (MYNA_APDU_RESP_MAX + 16)
typedef void (*fake_io_mangle_fn)(struct fake_io *f, const uint8_t *cmd,
                                  size_t cmd_len, uint8_t *resp,
                                  size_t *resp_len);

struct fake_io {
    struct myna_io io;      /* give &f->io to myna_card_* */
    struct vcard_state *st; /* borrowed */
    unsigned long apdus;    /* APDUs that reached the card */
    /* Fault switches (-1 or 0: off). */
    int fail_after;           /* -1 none: CKR_DEVICE_REMOVED after N APDUs */
    uint16_t force_sw;        /* answer force_sw, no data, ... */
    int force_sw_ins;         /* ... to every APDU with this INS (-1 none) */
    int truncate_ins;         /* drop the last data byte of answers to INS */
    int oversize_ins;         /* add one data byte to answers to INS */
    int short_ins;            /* answer this INS with 1 byte (no SW2) */
    fake_io_mangle_fn mangle; /* NULL: none */
    void *mangle_arg;
    /* The last command that reached the card. */
    uint8_t last_cmd[5 + 255 + 1];
    size_t last_cmd_len;
};

/* Everything off, apdus 0, the io's transmit pointing at st's card. */
void fake_io_init(struct fake_io *f, struct vcard_state *st);

#endif
