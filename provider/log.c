/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The provider's debug trace: the only place in provider/ that prints.
 * Enabled by "debug = 1" in the provider's openssl.cnf section or
 * MYNA_PROVIDER_DEBUG=1; one line per event on stderr, never a PIN or
 * any other secret (callers pass none).  Errors for the application go
 * through the OpenSSL error queue (errors.c), not here.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "prov.h"

void
myna_debug(const struct myna_prov *prov, const char *fmt, ...)
{
    va_list ap;

    if (prov == NULL || !prov->debug)
        return;
    va_start(ap, fmt);
    flockfile(stderr);
    fputs("myna-provider: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    funlockfile(stderr);
    va_end(ap);
}
