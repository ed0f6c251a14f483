/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "../../tools/vcard/state.h"
#include "fake-io.h"

static CK_RV
fake_transmit(void *ctx, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
              size_t *resp_len)
{
    struct fake_io *f = ctx;
    uint8_t r[FAKE_IO_RESP_MAX];
    int ins = cmd_len >= 2 ? cmd[1] : -1;
    size_t n;

    *resp_len = 0;
    if (f->fail_after >= 0 && f->apdus >= (unsigned long)f->fail_after)
        return CKR_DEVICE_REMOVED; /* the card left the reader */
    f->apdus++;
    f->last_cmd_len =
        cmd_len < sizeof(f->last_cmd) ? cmd_len : sizeof(f->last_cmd);
    memcpy(f->last_cmd, cmd, f->last_cmd_len);

    if (f->force_sw_ins >= 0 && ins == f->force_sw_ins) {
        r[0] = (uint8_t)(f->force_sw >> 8);
        r[1] = (uint8_t)f->force_sw;
        n = 2;
    } else {
        n = vcard_process(&f->st->card, cmd, cmd_len, r);
    }
    if (ins == f->truncate_ins && n > 2) {
        memmove(r + n - 3, r + n - 2, 2);
        n--;
    }
    if (ins == f->oversize_ins && n > 2) {
        memmove(r + n - 1, r + n - 2, 2);
        r[n - 2] = 0xEE;
        n++;
    }
    if (ins == f->short_ins)
        n = 1;
    if (f->mangle != NULL)
        f->mangle(f, cmd, cmd_len, r, &n);
    memcpy(resp, r, n < MYNA_APDU_RESP_MAX ? n : MYNA_APDU_RESP_MAX);
    *resp_len = n;
    return CKR_OK;
}

void
fake_io_init(struct fake_io *f, struct vcard_state *st)
{
    memset(f, 0, sizeof(*f));
    f->io.transmit = fake_transmit;
    f->io.ctx = f;
    f->io.apdus = 0;
    f->st = st;
    f->fail_after = -1;
    f->force_sw_ins = -1;
    f->truncate_ins = -1;
    f->oversize_ins = -1;
    f->short_ins = -1;
}
