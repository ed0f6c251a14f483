/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * APDU trace lines of the virtual card.  PIN values (the data of VERIFY
 * and CHANGE REFERENCE DATA) are never written: they become "**".
 */
#ifndef MYNA_VCARD_TRACE_H
#define MYNA_VCARD_TRACE_H

#include <stddef.h>
#include <stdint.h>

/* "> 00200080 04 **" for a command, "< 9000" for a response; always
 * NUL-terminated, truncated with "..." if cap is too small. */
void vcard_trace_command(char *out, size_t cap, const uint8_t *apdu,
                         size_t len);
void vcard_trace_response(char *out, size_t cap, const uint8_t *resp,
                          size_t len);

#endif
