/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A PC/SC transport without PC/SC (pkcs11/transport.h implemented by
 * fuzz-transport.c) for the whole-module fuzz target fuzz-p11-module.c:
 * one reader whose card answers every APDU from a script, and whose
 * readers, connections and transactions misbehave where the script says.
 * It only ever returns what transport-pcsc.c can return for the same call
 * (transport.h), so a CK_RV the module passes on is one a real reader can
 * cause.  Not thread-safe: one module, one thread.
 *
 * Script = 8 control bytes (missing ones are 0) + a stream of card answers.
 *
 * Control bytes used by the transport (ctl[0], ctl[1] belong to the
 * driver):
 *   ctl[2]  listing n (low nibble, 1-15; 0 never) of myna_pcsc_readers
 *           fails with the error of the high nibble % 3: CKR_DEVICE_ERROR,
 *           CKR_DEVICE_REMOVED, CKR_HOST_MEMORY
 *   ctl[3]  begin n (1-255; 0 never) reports was_reset (someone else reset
 *           the card)
 *   ctl[4]  begin n (low 7 bits; 0 never) fails: CKR_DEVICE_REMOVED when
 *           bit 7 is set (and the card is gone), else CKR_DEVICE_ERROR
 *   ctl[5]  bit 7 set: myna_pcsc_open fails (C_Initialize), with
 *           CKR_DEVICE_ERROR when bit 6 is set, else CKR_HOST_MEMORY;
 *           bit 7 clear: connect n (low nibble; 0 never) fails with the
 *           error of bits 4-6 % 3 (as ctl[2])
 *   ctl[6]  bit 0: a removed card is inserted again at the next listing;
 *           bit 1: the card is absent at the first listing and inserted at
 *           the second; bits 4-7: at listing n (1-15) pcscd restarts (the
 *           epoch moves on, every connection dies)
 *   ctl[7]  bits 0-1: that many empty readers are listed before ours
 *
 * Stream: each transmit takes one record, starting with a tag byte T:
 *   00-F9     T bytes follow, the answer verbatim (SW included, or not)
 *   FA hi lo  N = (hi lo) % 259 bytes follow verbatim
 *   FB f      as many bytes f as the command's Le asks (256 for a case 3
 *             command), then 90 00: a cheap full READ BINARY chunk
 *   FC        90 00
 *   FD        the transmit fails: CKR_DEVICE_ERROR (a mute card)
 *   FE        someone else reset the card: CKR_DEVICE_ERROR, and the reset
 *             is reported by myna_pcsc_take_reset / the next begin
 *   FF        the card is pulled out: CKR_DEVICE_REMOVED, and it stays out
 *             (unless ctl[6] bit 0)
 * When the stream is used up, the card is pulled out.
 *
 * Record mode (the seed generator, gen-p11-module-seeds.c): the answers
 * come from an oracle (the in-process virtual card) and are written to a
 * stream in the format above, which replays the same session.
 */
#ifndef MYNA_TESTS_FUZZ_TRANSPORT_H
#define MYNA_TESTS_FUZZ_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../pkcs11/pkcs11-3.h"

#define FUZZ_CTL_LEN 8
#define FUZZ_READER_NAME "Fuzz Reader 00 00"

enum fuzz_tag {
    FUZZ_TAG_VERBATIM_MAX = 0xF9,
    FUZZ_TAG_LONG = 0xFA,
    FUZZ_TAG_FILL = 0xFB,
    FUZZ_TAG_OK = 0xFC,
    FUZZ_TAG_ERROR = 0xFD,
    FUZZ_TAG_RESET = 0xFE,
    FUZZ_TAG_REMOVED = 0xFF,
};

/* An oracle answers cmd into resp (MYNA_APDU_RESP_MAX bytes) and returns
 * the answer's length, or returns 0 and sets *event to FUZZ_TAG_ERROR,
 * FUZZ_TAG_RESET (having reset its card) or FUZZ_TAG_REMOVED; *event is 0
 * for an answer.  Called with cmd NULL when the module resets the card
 * (a disconnect or end with reset, a begin that reports one): the oracle
 * resets its card and answers nothing. */
typedef size_t (*fuzz_oracle_fn)(void *arg, const uint8_t *cmd, size_t cmd_len,
                                 uint8_t *resp, int *event);

/* What the transport saw, for the driver's invariants and the seed
 * generator's check that a seed replays its recording. */
struct fuzz_transport_stats {
    unsigned long transmits;
    unsigned long verifies_with_pin; /* VERIFY carrying a PIN */
    unsigned long opens, closes, connects, disconnects, begins, ends;
    uint64_t commands_hash; /* FNV-1a of every command sent */
    /* Times the module made or saw the card forget its verified PINs
     * (card-protocol.md §7, OpenSC's model the module follows): a SELECT
     * of an application by DF name answered 9000, a reset by someone
     * else reported to it (transmit or begin), a reset it asked for (end
     * or disconnect). */
    unsigned long forgets;
};

/* A new run: ctl (FUZZ_CTL_LEN bytes) and the stream; both are borrowed
 * until fuzz_transport_end. */
void fuzz_transport_start(const uint8_t *ctl, const uint8_t *stream,
                          size_t stream_len);
/* A new run in record mode: the card is the oracle. */
void fuzz_transport_start_record(const uint8_t *ctl, fuzz_oracle_fn oracle,
                                 void *arg);
/* After the module was finalized: abort unless every context and
 * connection was closed and no transaction is open. */
void fuzz_transport_end(void);
const struct fuzz_transport_stats *fuzz_transport_stats(void);
/* Record mode: the stream written so far (valid until the next start). */
const uint8_t *fuzz_transport_recorded(size_t *len);

#endif
