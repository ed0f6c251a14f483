/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The session fuzz-p11-module.c drives through the module's C_* functions,
 * callable on its own so that the seed generator (gen-p11-module-seeds.c)
 * runs exactly the session the fuzz target runs.
 */
#ifndef MYNA_TESTS_FUZZ_P11_MODULE_H
#define MYNA_TESTS_FUZZ_P11_MODULE_H

#include <stdint.h>

#include "fuzz-transport.h"

/* How far the session got. */
struct fuzz_p11_outcome {
    unsigned long token_slots; /* slots with a token at the first listing */
    unsigned long objects;     /* objects found, all searches */
    unsigned long values;      /* attribute values read */
    unsigned long logins;      /* successful C_Login */
    unsigned long signatures;  /* 256-byte signatures made */
    unsigned long finalized;   /* 1 when C_Finalize returned CKR_OK */
};

/* Driver options, ctl[0] (the transport reads ctl[2..7]). */
enum {
    FUZZ_OPT_RW = 0x01,         /* read-write sessions */
    FUZZ_OPT_SIGN_TOKEN = 0x02, /* also log in to the sign token and sign */
    FUZZ_OPT_MULTIPART = 0x04,  /* C_SignUpdate x2 + C_SignFinal */
    FUZZ_OPT_SHORT_BUF = 0x08,  /* probe every buffer one byte short */
    FUZZ_OPT_EVENTS = 0x10,     /* C_WaitForSlotEvent(CKF_DONT_BLOCK) */
    FUZZ_OPT_AGAIN = 0x20,      /* a second session after the first */
    FUZZ_OPT_CLOSE_EACH = 0x40, /* C_CloseSession instead of ...All... */
    FUZZ_OPT_NO_LOGOUT = 0x80,  /* C_Finalize while logged in */
};
/* ctl[1]: bits 0-2 the C_FindObjectsInit template, bits 3-4 + 1 the
 * C_FindObjects batch size, bit 5 a second C_FindObjectsInit without
 * C_FindObjectsFinal, bit 6 C_Login once more when logged in, bit 7 the
 * rest of an application's calls: C_GetMechanismList / Info on every
 * token slot, C_Login(CKU_CONTEXT_SPECIFIC) during each signature,
 * C_SetPIN to the same PIN after signing. */

/* Run the session against whatever fuzz_transport_start* set up. */
void fuzz_p11_module_run(const uint8_t ctl[FUZZ_CTL_LEN],
                         struct fuzz_p11_outcome *out);

#endif
