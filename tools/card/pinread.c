/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "pinread.h"

/* Byte by byte, so that a second PIN on the same descriptor (PIN change)
 * is left for the next call. */
static int
read_line(int fd, char buf[CARD_PIN_BUF])
{
    size_t n = 0;
    ssize_t r;
    char c;

    for (;;) {
        r = read(fd, &c, 1);
        if (r < 0)
            return 0;
        if (r == 0 || c == '\n')
            break;
        if (n + 1 >= CARD_PIN_BUF) {
            explicit_bzero(buf, CARD_PIN_BUF);
            return 0;
        }
        buf[n++] = c;
    }
    if (n > 0 && buf[n - 1] == '\r')
        n--;
    buf[n] = '\0';
    return r != 0 || n > 0;
}

int
card_read_pin(int fd, const char *prompt, char buf[CARD_PIN_BUF])
{
    struct termios old, quiet;
    int tty, ok;

    buf[0] = '\0';
    if (fd >= 0)
        return read_line(fd, buf);
    tty = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
    if (tty < 0)
        return 0;
    if (tcgetattr(tty, &old) != 0) {
        close(tty);
        return 0;
    }
    quiet = old;
    quiet.c_lflag &= (tcflag_t) ~(ECHO | ECHONL);
    quiet.c_lflag |= ICANON;
    ok = write(tty, prompt, strlen(prompt)) >= 0 &&
         tcsetattr(tty, TCSAFLUSH, &quiet) == 0;
    ok = ok && read_line(tty, buf);
    tcsetattr(tty, TCSAFLUSH, &old);
    if (write(tty, "\n", 1) < 0)
        ok = 0;
    close(tty);
    if (!ok)
        explicit_bzero(buf, CARD_PIN_BUF);
    return ok;
}
