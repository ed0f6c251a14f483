/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "serve.h"
#include "trace.h"
#include "vpcd.h"

/* §1: ATR of the first registered card, the only one in OpenSC's table. */
static const uint8_t default_atr[] = { 0x3B, 0xE0, 0x00, 0xFF, 0x81,
                                       0x31, 0xFE, 0x45, 0x14 };
static volatile sig_atomic_t stop_requested;

static void
on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

void
serve_opts_init(struct serve_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->host = "127.0.0.1";
    o->port = 35963; /* vpcd's default (VPCDPORT) */
    memcpy(o->atr, default_atr, sizeof(default_atr));
    o->atr_len = sizeof(default_atr);
    o->reinsert_ms = -1;
    o->fault_sw_ins = SERVE_NO_INS;
    o->truncate_ins = SERVE_NO_INS;
    o->oversize_ins = SERVE_NO_INS;
}

static void
sleep_ms(unsigned ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

    while (!stop_requested && nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static void
write_stats(const char *path, const struct vcard *card)
{
    char tmp[4096];
    FILE *f;

    if (path == NULL ||
        (size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
        return;
    f = fopen(tmp, "w");
    if (f == NULL)
        return;
    fprintf(f, "apdus=%lu\nsignatures=%lu\n", card->apdus, card->signatures);
    if (fclose(f) == 0)
        rename(tmp, path);
}

static void
trace_pair(FILE *trace, const uint8_t *cmd, size_t cmd_len, const uint8_t *resp,
           size_t resp_len)
{
    char line[2 * VCARD_RESP_MAX + 700];

    if (trace == NULL)
        return;
    vcard_trace_command(line, sizeof(line), cmd, cmd_len);
    fprintf(trace, "%s\n", line);
    vcard_trace_response(line, sizeof(line), resp, resp_len);
    fprintf(trace, "%s\n", line);
    fflush(trace);
}

/* Faults that change an answer (docs/myna-vcard.1, "FAULTS"). */
static size_t
apply_faults(const struct serve_opts *o, uint8_t ins, uint8_t *resp, size_t len,
             size_t cap)
{
    size_t data = len - 2;

    if (ins == o->fault_sw_ins) {
        resp[0] = (uint8_t)(o->fault_sw >> 8);
        resp[1] = (uint8_t)o->fault_sw;
        return 2;
    }
    if (ins == o->truncate_ins && data > 0) {
        /* Half the data, still with the SW: a card that lies about length. */
        memmove(resp + data / 2, resp + data, 2);
        return data / 2 + 2;
    }
    if (ins == o->oversize_ins && len + 300 <= cap) {
        memmove(resp + data + 300, resp + data, 2);
        memset(resp + data, 0xA5, 300);
        return len + 300;
    }
    return len;
}

enum conn_end { CONN_CLOSED, CONN_FAULT, CONN_STOP };

struct session {
    struct vcard_state *st;
    const struct serve_opts *o;
    long served;     /* APDUs answered since start, for the faults */
    int fault_fired; /* faults fire once */
};

static int
control(int fd, struct session *s, uint8_t code)
{
    switch (code) {
    case VPCD_CTRL_OFF:
    case VPCD_CTRL_ON:
    case VPCD_CTRL_RESET:
        vcard_reset(&s->st->card); /* §7: a reset clears the state */
        return 1;
    case VPCD_CTRL_ATR:
        return vpcd_send(fd, s->o->atr, s->o->atr_len);
    default:
        return 1; /* unknown control codes are ignored, as vicc does */
    }
}

static int
fault_due(struct session *s, long limit)
{
    return !s->fault_fired && limit > 0 && s->served >= limit;
}

static enum conn_end
serve_connection(int fd, struct session *s)
{
    static uint8_t msg[VPCD_MSG_MAX];
    uint8_t resp[VCARD_RESP_MAX + 300];
    const struct serve_opts *o = s->o;
    size_t len, rlen;

    for (;;) {
        if (!vpcd_recv(fd, msg, sizeof(msg), &len))
            return stop_requested ? CONN_STOP : CONN_CLOSED;
        if (len == 1) {
            if (!control(fd, s, msg[0]))
                return CONN_CLOSED;
            continue;
        }
        if (fault_due(s, o->drop_after))
            return CONN_FAULT; /* removed while the command was running */
        rlen = vcard_process(&s->st->card, msg, len, resp);
        if (o->apdu_delay_ms > 0)
            sleep_ms(o->apdu_delay_ms);
        if (o->sign_delay_ms > 0 && msg[1] == 0x2A && rlen > 2)
            sleep_ms(o->sign_delay_ms);
        rlen = apply_faults(o, msg[1], resp, rlen, sizeof(resp));
        trace_pair(o->trace, msg, len, resp, rlen);
        write_stats(o->stats_path, &s->st->card);
        if (!vpcd_send(fd, resp, rlen))
            return CONN_CLOSED;
        s->served++;
        if (fault_due(s, o->remove_after))
            return CONN_FAULT;
    }
}

static int
connect_retry(const struct serve_opts *o)
{
    int fd, said = 0;

    while (!stop_requested) {
        fd = vpcd_connect(o->host, o->port);
        if (fd >= 0)
            return fd;
        if (!said++)
            fprintf(stderr, "myna-vcard: waiting for vpcd at %s:%u\n", o->host,
                    o->port);
        sleep_ms(100);
    }
    return -1;
}

int
vcard_serve(struct vcard_state *st, const struct serve_opts *o)
{
    struct sigaction sa = { .sa_handler = on_signal }; /* no SA_RESTART */
    struct session s = { st, o, 0, 0 };
    enum conn_end end;
    int fd;

    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    write_stats(o->stats_path, &st->card);
    while (!stop_requested) {
        fd = connect_retry(o);
        if (fd < 0)
            break;
        vcard_reset(&st->card); /* inserted: a fresh power-on */
        end = serve_connection(fd, &s);
        close(fd);
        if (end != CONN_FAULT)
            continue; /* vpcd went away (pcscd restart): reconnect */
        s.fault_fired = 1;
        fprintf(stderr, "myna-vcard: card removed after %ld APDUs\n", s.served);
        if (o->reinsert_ms < 0) {
            while (!stop_requested)
                sleep_ms(100);
            break;
        }
        sleep_ms((unsigned)o->reinsert_ms);
    }
    return 0;
}
