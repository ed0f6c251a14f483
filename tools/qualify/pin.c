/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The card's user-authentication PIN (利用者証明用電子証明書の暗証番号):
 * exactly 4 digits (card-protocol.md; myna-pkcs11(7)).  The provider asks
 * for it through OpenSSL's passphrase callback only when it is about to
 * log in, i.e. after it has checked that the PIN is neither locked nor on
 * its final try; we then read it from --pin-fd, --pin-source or the
 * terminal, check its format and hand it over, or refuse so that nothing
 * reaches the card (a malformed PIN must never cost a try).  PINs live in
 * a bounded buffer wiped with OPENSSL_cleanse and are never logged.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/ui.h>

#include "qualify.h"

#define PIN_BUF 64
#define PIN_DIGITS 4

/* One line; byte by byte so nothing after it is consumed from a pipe. */
static int
read_line(int fd, char buf[PIN_BUF])
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
        if (n + 1 >= PIN_BUF) {
            OPENSSL_cleanse(buf, PIN_BUF);
            return 0;
        }
        buf[n++] = c;
    }
    if (n > 0 && buf[n - 1] == '\r')
        n--;
    buf[n] = '\0';
    return r != 0 || n > 0;
}

static int
read_tty(char buf[PIN_BUF])
{
    static const char prompt[] = "PIN (4 digits) of the card's "
                                 "user-authentication certificate: ";
    struct termios old, quiet;
    int tty, ok;

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
    ok = write(tty, prompt, sizeof(prompt) - 1) >= 0 &&
         tcsetattr(tty, TCSAFLUSH, &quiet) == 0;
    ok = ok && read_line(tty, buf);
    tcsetattr(tty, TCSAFLUSH, &old);
    if (write(tty, "\n", 1) < 0)
        ok = 0;
    close(tty);
    return ok;
}

bool
qualify_pin_source_valid(const char *s)
{
    if (strncmp(s, "env:", 4) == 0)
        return s[4] != '\0';
    if (strncmp(s, "file:", 5) == 0)
        return s[5] != '\0';
    return *s != '\0';
}

/* "file:PATH" or a bare PATH (as the provider's pin-source: the first
 * line of the file), or "env:VAR". */
static int
read_source(const char *source, char buf[PIN_BUF])
{
    const char *v;
    int fd, ok;

    if (strncmp(source, "env:", 4) == 0) {
        v = getenv(source + 4);
        if (v == NULL || strlen(v) >= PIN_BUF)
            return 0;
        memcpy(buf, v, strlen(v) + 1);
        buf[strcspn(buf, "\r\n")] = '\0';
        return 1;
    }
    if (strncmp(source, "file:", 5) == 0)
        source += 5;
    fd = open(source, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ok = read_line(fd, buf);
    close(fd);
    return ok;
}

static bool
pin_format_ok(const char *s)
{
    size_t i;

    for (i = 0; i < PIN_DIGITS; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return s[PIN_DIGITS] == '\0';
}

/* pem_password_cb, wrapped into a UI_METHOD for OSSL_STORE_open_ex. */
static int
pin_cb(char *out, int size, int rwflag, void *data)
{
    struct qualify_pin *p = data;
    char buf[PIN_BUF];
    int ok, len = -1;

    (void)rwflag;
    if (p == NULL)
        return -1;
    memset(buf, 0, sizeof(buf));
    p->asked = true;
    if (p->fd >= 0)
        ok = read_line(p->fd, buf);
    else if (p->source != NULL)
        ok = read_source(p->source, buf);
    else
        ok = read_tty(buf);
    if (!ok) {
        p->unreadable = true;
        goto out;
    }
    if (!pin_format_ok(buf)) {
        p->malformed = true;
        goto out;
    }
    if (size <= PIN_DIGITS)
        goto out;
    memcpy(out, buf, PIN_DIGITS + 1);
    len = PIN_DIGITS;
out:
    OPENSSL_cleanse(buf, sizeof(buf));
    return len;
}

UI_METHOD *
qualify_pin_ui(void)
{
    return UI_UTIL_wrap_read_pem_callback(pin_cb, 0);
}
