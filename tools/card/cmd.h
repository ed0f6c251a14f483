/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * myna-card's commands, one file each (readers.c status.c certs.c
 * pin.c info.c), the options they share, and the output helpers
 * (output.c).  Exit codes (myna-card(1)): 0 ok, 1 card or reader problem,
 * 2 usage, 3 PIN problem (wrong, locked, malformed), 4 internal error.
 */
#ifndef MYNA_CARD_CMD_H
#define MYNA_CARD_CMD_H

#include <stdbool.h>

#include <jansson.h>

#include "pkcs11-3.h"

enum { EXIT_CARD = 1, EXIT_USAGE = 2, EXIT_PIN = 3, EXIT_INTERNAL = 4 };

struct card_opts {
    const char *reader; /* --reader */
    const char *which;  /* certs: auth, auth-ca, sign-ca, all */
    int pin_fd;         /* --pin-fd, -1: prompt on the terminal */
    bool json;          /* --json */
    bool pem;           /* certs --pem */
    bool my_number;     /* info --my-number */
    bool verbose;       /* --verbose */
};

int cmd_readers(const struct card_opts *o);
int cmd_status(const struct card_opts *o);
int cmd_certs(const struct card_opts *o);
int cmd_change_pin(const struct card_opts *o, const char *which);
int cmd_info(const struct card_opts *o);

/* output.c: the result object is printed as JSON (--json) or as
 * "key: value" lines; errors go to stderr as "myna-card: ..." and map a
 * CK_RV to the exit code. */
void out_print(const struct card_opts *o, json_t *result);
int out_error(CK_RV rv, const char *what);
int out_fail(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
