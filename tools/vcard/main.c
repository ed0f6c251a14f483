/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * myna-vcard: a virtual My Number Card for vsmartcard's vpcd.
 * Subcommands: init, create, run, status (docs/myna-vcard.1).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "serve.h"
#include "pki.h"
#include "state.h"

struct args {
    const char *pki;
    const char *card;
    const char *trace;
    unsigned long person;
    struct serve_opts serve;
    bool keep_state;
    bool allow_extended;
};

/* Long options, sorted by name (curl src/tool_getparam.c style). */
enum {
    OPT_ALLOW_EXTENDED = 256,
    OPT_APDU_DELAY,
    OPT_ATR,
    OPT_CARD,
    OPT_DROP_AFTER,
    OPT_OVERSIZE,
    OPT_REMOVE_AFTER,
    OPT_FAULT_SW,
    OPT_TRUNCATE,
    OPT_HELP,
    OPT_HOST,
    OPT_KEEP_STATE,
    OPT_PERSON,
    OPT_PKI,
    OPT_PORT,
    OPT_REINSERT,
    OPT_SIGN_DELAY,
    OPT_STATS,
    OPT_TRACE,
};

static const struct option options[] = {
    { "allow-extended", no_argument, NULL, OPT_ALLOW_EXTENDED },
    { "apdu-delay-ms", required_argument, NULL, OPT_APDU_DELAY },
    { "atr", required_argument, NULL, OPT_ATR },
    { "card", required_argument, NULL, OPT_CARD },
    { "fault-drop-after", required_argument, NULL, OPT_DROP_AFTER },
    { "fault-oversize", required_argument, NULL, OPT_OVERSIZE },
    { "fault-remove-after", required_argument, NULL, OPT_REMOVE_AFTER },
    { "fault-sw", required_argument, NULL, OPT_FAULT_SW },
    { "fault-truncate", required_argument, NULL, OPT_TRUNCATE },
    { "help", no_argument, NULL, OPT_HELP },
    { "host", required_argument, NULL, OPT_HOST },
    { "keep-state-on-reselect", no_argument, NULL, OPT_KEEP_STATE },
    { "person", required_argument, NULL, OPT_PERSON },
    { "pki", required_argument, NULL, OPT_PKI },
    { "port", required_argument, NULL, OPT_PORT },
    { "reinsert-after-ms", required_argument, NULL, OPT_REINSERT },
    { "sign-delay-ms", required_argument, NULL, OPT_SIGN_DELAY },
    { "stats", required_argument, NULL, OPT_STATS },
    { "trace", required_argument, NULL, OPT_TRACE },
    { NULL, 0, NULL, 0 },
};
/* set_option() finds an option's name by its enum value: same order. */
_Static_assert(sizeof(options) / sizeof(options[0]) ==
                   OPT_TRACE - OPT_ALLOW_EXTENDED + 2,
               "options[] and the OPT_ enum must list the same options");

static const char usage[] =
    "usage: myna-vcard init   --pki DIR\n"
    "       myna-vcard create --pki DIR --card DIR [--person N]\n"
    "       myna-vcard run    --card DIR [--host H] [--port N] [--atr HEX]\n"
    "                         [--trace FILE] [--stats FILE]\n"
    "                         [--apdu-delay-ms N] [--sign-delay-ms N]\n"
    "                         [--fault-remove-after N] [--fault-drop-after N]\n"
    "                         [--reinsert-after-ms N] [--fault-sw INS=SWSW]\n"
    "                         [--fault-truncate INS] [--fault-oversize INS]\n"
    "                         [--keep-state-on-reselect] [--allow-extended]\n"
    "       myna-vcard status --card DIR\n"
    "       myna-vcard --help | --version\n"
    "A virtual My Number Card for vsmartcard's vpcd; see myna-vcard(1).\n";

static int
bad(const char *opt, const char *value)
{
    fprintf(stderr, "myna-vcard: invalid value for --%s: '%s'\n", opt, value);
    return 0;
}

static int
parse_ulong(const char *opt, const char *s, unsigned long max,
            unsigned long *out)
{
    char *end;

    errno = 0;
    *out = strtoul(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || *out > max || s[0] == '-')
        return bad(opt, s);
    return 1;
}

static int
parse_hex(const char *opt, const char *s, uint8_t *out, size_t cap, size_t *len)
{
    size_t n = strlen(s);

    if (n == 0 || n % 2 != 0 || n / 2 > cap)
        return bad(opt, s);
    for (size_t i = 0; i < n / 2; i++) {
        unsigned v;

        if (sscanf(s + 2 * i, "%2x", &v) != 1 ||
            strspn(s + 2 * i, "0123456789abcdefABCDEF") < 2)
            return bad(opt, s);
        out[i] = (uint8_t)v;
    }
    *len = n / 2;
    return 1;
}

static int
parse_ins(const char *opt, const char *s, int *ins)
{
    uint8_t b;
    size_t n;

    if (!parse_hex(opt, s, &b, 1, &n))
        return 0;
    *ins = b;
    return 1;
}

/* INS=SWSW, e.g. 2A=6F00 */
static int
parse_fault_sw(const char *s, struct serve_opts *o)
{
    const char *eq = strchr(s, '=');
    char ins[3];
    uint8_t sw[2];
    size_t n;

    if (eq == NULL || eq - s != 2)
        return bad("fault-sw", s);
    memcpy(ins, s, 2);
    ins[2] = '\0';
    if (!parse_ins("fault-sw", ins, &o->fault_sw_ins) ||
        !parse_hex("fault-sw", eq + 1, sw, 2, &n) || n != 2)
        return 0;
    o->fault_sw = (uint16_t)(sw[0] << 8 | sw[1]);
    return 1;
}

static int
set_option(struct args *a, int opt, const char *v)
{
    struct serve_opts *o = &a->serve;
    unsigned long n = 0;
    const char *name = options[opt - OPT_ALLOW_EXTENDED].name;

    switch (opt) {
    case OPT_ALLOW_EXTENDED:
        a->allow_extended = true;
        return 1;
    case OPT_KEEP_STATE:
        a->keep_state = true;
        return 1;
    case OPT_ATR:
        return parse_hex(name, v, o->atr, sizeof(o->atr), &o->atr_len);
    case OPT_CARD:
        a->card = v;
        return 1;
    case OPT_PKI:
        a->pki = v;
        return 1;
    case OPT_HOST:
        o->host = v;
        return 1;
    case OPT_TRACE:
        a->trace = v;
        return 1;
    case OPT_STATS:
        o->stats_path = v;
        return 1;
    case OPT_FAULT_SW:
        return parse_fault_sw(v, o);
    case OPT_TRUNCATE:
        return parse_ins(name, v, &o->truncate_ins);
    case OPT_OVERSIZE:
        return parse_ins(name, v, &o->oversize_ins);
    default:
        break;
    }
    if (!parse_ulong(name, v, opt == OPT_PORT ? 65535 : 86400000, &n))
        return 0;
    switch (opt) {
    case OPT_APDU_DELAY:
        o->apdu_delay_ms = (unsigned)n;
        return 1;
    case OPT_SIGN_DELAY:
        o->sign_delay_ms = (unsigned)n;
        return 1;
    case OPT_DROP_AFTER:
        o->drop_after = (long)n;
        return 1;
    case OPT_REMOVE_AFTER:
        o->remove_after = (long)n;
        return 1;
    case OPT_REINSERT:
        o->reinsert_ms = (long)n;
        return 1;
    case OPT_PERSON:
        a->person = n;
        return 1;
    case OPT_PORT:
        o->port = (unsigned)n;
        return n > 0 ? 1 : bad(name, v);
    default:
        return 0;
    }
}

static int
need(const char *what, const char *value)
{
    if (value != NULL)
        return 1;
    fprintf(stderr, "myna-vcard: --%s is required\n%s", what, usage);
    return 0;
}

static int
cmd_status(const struct args *a)
{
    struct vcard_state *st;

    if (!need("card", a->card) || (st = vcard_state_load(a->card)) == NULL)
        return 1;
    printf("person=%zu\nserial=%s\n", st->person, st->serial);
    for (size_t i = 0; i < st->card.n_pins; i++) {
        const struct vcard_pin *p = &st->card.pins[i];

        if (p->persistent)
            printf("%s_tries=%d/%d\n", p->name, p->tries, p->max_tries);
    }
    vcard_state_free(st);
    return 0;
}

static int
cmd_run(struct args *a)
{
    struct vcard_state *st;
    int rc;

    if (!need("card", a->card) || (st = vcard_state_load(a->card)) == NULL)
        return 1;
    st->card.keep_state_on_reselect = a->keep_state;
    st->card.allow_extended = a->allow_extended;
    if (a->trace != NULL) {
        a->serve.trace = fopen(a->trace, "a");
        if (a->serve.trace == NULL) {
            fprintf(stderr, "myna-vcard: cannot open %s: %s\n", a->trace,
                    strerror(errno));
            vcard_state_free(st);
            return 1;
        }
    }
    rc = vcard_serve(st, &a->serve);
    if (a->serve.trace != NULL)
        fclose(a->serve.trace);
    vcard_state_free(st);
    return rc;
}

int
main(int argc, char **argv)
{
    struct args a = { 0 };
    const char *cmd;
    int opt;

    serve_opts_init(&a.serve);
    if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "help") == 0) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
        puts("myna-vcard " PACKAGE_VERSION);
        return 0;
    }
    cmd = argv[1];
    optind = 2;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        if (opt == OPT_HELP) {
            fputs(usage, stdout);
            return 0;
        }
        if (opt == '?' || !set_option(&a, opt, optarg))
            return 2;
    }
    if (optind != argc) {
        fprintf(stderr, "myna-vcard: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    if (strcmp(cmd, "init") == 0)
        return need("pki", a.pki) && vcard_pki_init(a.pki) ? 0 : 1;
    if (strcmp(cmd, "create") == 0)
        return need("pki", a.pki) && need("card", a.card) &&
                       vcard_state_create(a.pki, a.card, a.person)
                   ? 0
                   : 1;
    if (strcmp(cmd, "status") == 0)
        return cmd_status(&a);
    if (strcmp(cmd, "run") == 0)
        return cmd_run(&a);
    fprintf(stderr, "myna-vcard: unknown command '%s'\n%s", cmd, usage);
    return 2;
}
