/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "trace.h"

static void
hex(char *out, size_t cap, size_t *pos, const uint8_t *b, size_t len)
{
    static const char digits[] = "0123456789ABCDEF";

    for (size_t i = 0; i < len; i++) {
        if (*pos + 3 >= cap - 4) { /* keep room for "..." */
            memcpy(out + *pos, "...", 4);
            *pos += 3;
            return;
        }
        out[(*pos)++] = digits[b[i] >> 4];
        out[(*pos)++] = digits[b[i] & 15];
    }
    out[*pos] = '\0';
}

static int
carries_pin(const uint8_t *apdu, size_t len)
{
    /* VERIFY (INS 20) and CHANGE REFERENCE DATA (INS 24), case 3/4 short
     * or extended: everything after the header is secret. */
    return len > 5 && (apdu[1] == 0x20 || apdu[1] == 0x24);
}

void
vcard_trace_command(char *out, size_t cap, const uint8_t *apdu, size_t len)
{
    size_t pos = 2;

    if (cap < 16) {
        if (cap > 0)
            out[0] = '\0';
        return;
    }
    memcpy(out, "> ", 3);
    if (carries_pin(apdu, len)) {
        hex(out, cap, &pos, apdu, 4);
        snprintf(out + pos, cap - pos, " ** (%zu bytes)", len - 4);
        return;
    }
    hex(out, cap, &pos, apdu, len);
}

void
vcard_trace_response(char *out, size_t cap, const uint8_t *resp, size_t len)
{
    size_t pos = 2;

    if (cap < 16) {
        if (cap > 0)
            out[0] = '\0';
        return;
    }
    memcpy(out, "< ", 3);
    hex(out, cap, &pos, resp, len);
}
