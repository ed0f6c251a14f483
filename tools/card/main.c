/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * myna-card: My Number Card diagnostics for the counter and for support
 * (docs/myna-card.1).  Talks to the card through PC/SC with the module's
 * own card layer (pkcs11/card.c), one PC/SC transaction per command.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "session.h"

static const char usage[] =
    "usage: myna-card [options] COMMAND\n"
    "commands:\n"
    "  readers                 readers, and the card in each\n"
    "  status                  both PINs' remaining tries (none spent)\n"
    "  certs [auth|auth-ca|sign-ca|all]\n"
    "                          certificate details, or PEM with --pem\n"
    "  change-pin auth|sign|text\n"
    "                          change a PIN (asks the current and new one)\n"
    "  info                    name, address, birth date, sex (card info "
    "PIN)\n"
    "options:\n"
    "  -h, --help              this text\n"
    "  -j, --json              JSON output\n"
    "      --my-number         info: also the My Number (printed, never "
    "logged)\n"
    "      --pem               certs: PEM output\n"
    "      --pin-fd N          read PINs from file descriptor N, one per "
    "line\n"
    "  -r, --reader NAME       this reader (default: the first with a "
    "card)\n"
    "  -v, --verbose           trace APDUs on stderr (PINs and personal "
    "data hidden)\n"
    "  -V, --version           the version\n"
    "exit status: 0 ok, 1 card or reader problem, 2 usage, 3 PIN problem,\n"
    "4 internal error\n";

enum { OPT_MY_NUMBER = 256, OPT_PEM, OPT_PIN_FD };

/* Sorted by long name. */
static const struct option options[] = {
    { "help", no_argument, NULL, 'h' },
    { "json", no_argument, NULL, 'j' },
    { "my-number", no_argument, NULL, OPT_MY_NUMBER },
    { "pem", no_argument, NULL, OPT_PEM },
    { "pin-fd", required_argument, NULL, OPT_PIN_FD },
    { "reader", required_argument, NULL, 'r' },
    { "verbose", no_argument, NULL, 'v' },
    { "version", no_argument, NULL, 'V' },
    { NULL, 0, NULL, 0 },
};

static int
parse_fd(const char *s, int *fd)
{
    char *end;
    long v = strtol(s, &end, 10);

    if (*s == '\0' || *end != '\0' || v < 0 || v > 1024)
        return 0;
    *fd = (int)v;
    return 1;
}

int
main(int argc, char **argv)
{
    struct card_opts o = { .pin_fd = -1 };
    const char *cmd, *arg;
    int c;

    while ((c = getopt_long(argc, argv, "hjr:vV", options, NULL)) != -1) {
        switch (c) {
        case 'h':
            fputs(usage, stdout);
            return 0;
        case 'j':
            o.json = true;
            break;
        case OPT_MY_NUMBER:
            o.my_number = true;
            break;
        case OPT_PEM:
            o.pem = true;
            break;
        case OPT_PIN_FD:
            if (!parse_fd(optarg, &o.pin_fd))
                return out_fail(EXIT_USAGE, "--pin-fd: not a descriptor");
            break;
        case 'r':
            o.reader = optarg;
            break;
        case 'v':
            o.verbose = true;
            break;
        case 'V':
            puts("myna-card " PACKAGE_VERSION);
            return 0;
        default:
            fputs(usage, stderr);
            return EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        fputs(usage, stderr);
        return EXIT_USAGE;
    }
    cmd = argv[optind];
    arg = optind + 1 < argc ? argv[optind + 1] : NULL;
    if (optind + 2 < argc)
        return out_fail(EXIT_USAGE, "too many arguments");
    card_trace(o.verbose);
    if (strcmp(cmd, "readers") == 0 && arg == NULL)
        return cmd_readers(&o);
    if (strcmp(cmd, "status") == 0 && arg == NULL)
        return cmd_status(&o);
    if (strcmp(cmd, "certs") == 0) {
        o.which = arg;
        return cmd_certs(&o);
    }
    if (strcmp(cmd, "change-pin") == 0)
        return cmd_change_pin(&o, arg);
    if (strcmp(cmd, "info") == 0 && arg == NULL)
        return cmd_info(&o);
    fputs(usage, stderr);
    return EXIT_USAGE;
}
