/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Debug trace: off by default; MYNA_PKCS11_DEBUG=1 writes to stderr,
 * MYNA_PKCS11_DEBUG=/path appends to that file.  Callers never pass PINs
 * (card.c logs VERIFY and CHANGE without their data).  Read with
 * secure_getenv, so a setuid program's environment cannot turn it on.
 */
#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

static FILE *log_file;

void
myna_log_init(void)
{
    const char *v = secure_getenv("MYNA_PKCS11_DEBUG");

    if (log_file != NULL && log_file != stderr)
        fclose(log_file);
    log_file = NULL;
    if (v == NULL || v[0] == '\0' || strcmp(v, "0") == 0)
        return;
    log_file = v[0] == '/' ? fopen(v, "ae") : stderr;
}

void
myna_log(const char *fmt, ...)
{
    va_list ap;

    if (log_file == NULL)
        return;
    fprintf(log_file, "myna-pkcs11[%ld]: ", (long)getpid());
    va_start(ap, fmt);
    vfprintf(log_file, fmt, ap);
    va_end(ap);
    fputc('\n', log_file);
    fflush(log_file);
}

static void
hex(FILE *f, const uint8_t *b, size_t len)
{
    for (size_t i = 0; i < len; i++)
        fprintf(f, "%02X", b[i]);
}

/* One line per APDU.  VERIFY (INS 20) and CHANGE REFERENCE DATA (INS 24)
 * carry PINs in their data: only the header and the length are written,
 * as myna-vcard --trace does.  Certificates and signatures are public. */
void
myna_log_apdu(const uint8_t *cmd, size_t cmd_len, const uint8_t *resp,
              size_t resp_len)
{
    bool pin = cmd_len > 5 && (cmd[1] == 0x20 || cmd[1] == 0x24);

    if (log_file == NULL || cmd_len < 4)
        return;
    fprintf(log_file, "myna-pkcs11[%ld]: > ", (long)getpid());
    hex(log_file, cmd, pin ? 4 : cmd_len);
    if (pin)
        fprintf(log_file, " ** (%zu bytes)", cmd_len - 4);
    fputs("\n", log_file);
    fprintf(log_file, "myna-pkcs11[%ld]: < ", (long)getpid());
    if (resp_len == 0)
        fputs("(no answer)", log_file);
    else
        hex(log_file, resp, resp_len);
    fputs("\n", log_file);
    fflush(log_file);
}
