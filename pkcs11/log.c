/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Debug trace: off by default; MYNA_PKCS11_DEBUG=1 writes to stderr,
 * MYNA_PKCS11_DEBUG=/path appends to that file.  Callers never pass PINs
 * (card.c logs VERIFY and CHANGE without their data).  Read with
 * secure_getenv, so a setuid program's environment cannot turn it on.
 */
#include "config.h"

#include <stdarg.h>
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
