/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Serial numbers in the store's form (certid.h). */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "certid.h"

int
eligd_serial_canonical(const char *in, char *out, size_t out_size)
{
    size_t o = 0;
    int seen = 0;

    if (strncmp(in, "0x", 2) == 0 || strncmp(in, "0X", 2) == 0)
        in += 2;
    for (; *in != '\0'; in++) {
        if (*in == ':')
            continue;
        if (!isxdigit((unsigned char)*in))
            return 0;
        seen = 1;
        if (o == 0 && *in == '0')
            continue; /* leading zero */
        if (o + 1 >= out_size)
            return 0;
        out[o++] = (char)toupper((unsigned char)*in);
    }
    if (!seen)
        return 0;
    if (o == 0) {
        if (out_size < 2)
            return 0;
        out[o++] = '0'; /* BN_bn2hex writes zero as "0" */
    }
    out[o] = '\0';
    return 1;
}
