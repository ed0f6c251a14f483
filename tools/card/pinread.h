/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * PINs for myna-card: from a file descriptor (--pin-fd, one PIN per line,
 * for automation) or typed on /dev/tty without echo.  Never from argv.
 * The caller wipes the buffer (explicit_bzero) after use.
 */
#ifndef MYNA_CARD_PINREAD_H
#define MYNA_CARD_PINREAD_H

#include <stddef.h>

#define CARD_PIN_BUF 64

/* One line into buf (NUL-terminated, newline removed).  fd >= 0 reads
 * from it; fd < 0 prompts on /dev/tty with echo off.  1/0 (no terminal,
 * end of input, line too long). */
int card_read_pin(int fd, const char *prompt, char buf[CARD_PIN_BUF]);

#endif
