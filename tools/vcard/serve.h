/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Serving a virtual card on vpcd, with the switches tests and benchmarks
 * need: latency, trace, counters and faults (docs/myna-vcard.1).
 */
#ifndef MYNA_VCARD_SERVE_H
#define MYNA_VCARD_SERVE_H

#include <stdint.h>
#include <stdio.h>

#include "state.h"

#define SERVE_NO_INS (-1)

struct serve_opts {
    const char *host;
    unsigned port;
    uint8_t atr[33];
    size_t atr_len;
    FILE *trace;            /* NULL: no trace */
    const char *stats_path; /* NULL: no stats file */
    unsigned apdu_delay_ms;
    unsigned sign_delay_ms;
    long remove_after; /* close the connection after N APDUs; 0: never */
    long drop_after;   /* leave APDU N+1 unanswered and close; 0: never */
    long reinsert_ms;  /* after a fault: reconnect after N ms; <0 never */
    int fault_sw_ins;  /* answer fault_sw to this INS */
    uint16_t fault_sw;
    int truncate_ins; /* answer half the data of this INS */
    int oversize_ins; /* answer 300 extra bytes to this INS */
};

void serve_opts_init(struct serve_opts *o);

/* Serve until SIGINT/SIGTERM.  Returns 0 on a clean stop, 1 on error. */
int vcard_serve(struct vcard_state *st, const struct serve_opts *o);

#endif
