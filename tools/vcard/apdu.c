/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "apdu.h"

static size_t
short_le(uint8_t b)
{
    return b == 0 ? 256 : b;
}

static size_t
ext_len(const uint8_t *b)
{
    return (size_t)b[0] << 8 | b[1];
}

/* ISO/IEC 7816-3 §12.1.3: extended cases start with a zero byte after the
 * header followed by two length bytes. */
static uint16_t
parse_extended(const uint8_t *buf, size_t len, struct vcard_apdu *out)
{
    size_t lc;

    out->extended = true;
    if (len == 7) { /* case 2E */
        out->le = ext_len(buf + 5) == 0 ? 65536 : ext_len(buf + 5);
        out->has_le = true;
        return SW_OK;
    }
    if (len < 8)
        return SW_WRONG_LENGTH;
    lc = ext_len(buf + 5);
    if (lc == 0)
        return SW_WRONG_LENGTH;
    if (len != 7 + lc && len != 9 + lc)
        return SW_WRONG_LENGTH;
    out->lc = lc;
    out->data = buf + 7;
    if (len == 9 + lc) { /* case 4E */
        out->le = ext_len(buf + 7 + lc) == 0 ? 65536 : ext_len(buf + 7 + lc);
        out->has_le = true;
    }
    return SW_OK;
}

uint16_t
vcard_apdu_parse(const uint8_t *buf, size_t len, struct vcard_apdu *out)
{
    size_t lc;

    memset(out, 0, sizeof(*out));
    if (buf == NULL || len < 4)
        return SW_WRONG_LENGTH;
    out->cla = buf[0];
    out->ins = buf[1];
    out->p1 = buf[2];
    out->p2 = buf[3];
    if (len == 4) /* case 1 */
        return SW_OK;
    if (len == 5) { /* case 2S */
        out->le = short_le(buf[4]);
        out->has_le = true;
        return SW_OK;
    }
    if (buf[4] == 0)
        return parse_extended(buf, len, out);
    lc = buf[4];
    if (len != 5 + lc && len != 6 + lc)
        return SW_WRONG_LENGTH;
    out->lc = lc;
    out->data = buf + 5;
    if (len == 6 + lc) { /* case 4S */
        out->le = short_le(buf[5 + lc]);
        out->has_le = true;
    }
    return SW_OK;
}
