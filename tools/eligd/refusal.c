/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Refusals: a protocol error code and a message (refusal.h). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "elig.h"
#include "refusal.h"

int
eligd_refuse(struct eligd_refusal *r, const char *code, const char *fmt, ...)
{
    const struct elig_error *e = elig_error_find(code);
    va_list ap;

    r->code = e != NULL ? e->code : "REF-E199";
    if (fmt == NULL) {
        snprintf(r->message, sizeof(r->message), "%s",
                 e != NULL ? e->message : "internal error");
        return 0;
    }
    va_start(ap, fmt);
    vsnprintf(r->message, sizeof(r->message), fmt, ap);
    va_end(ap);
    return 0;
}
