/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The provider's PKCS#11 consumer: load a module, initialise it, find
 * tokens and objects, and a minimal session pool (one session per slot).
 *
 * Locking: one mutex per loaded module.  myna_p11_session_get takes it and
 * myna_p11_session_put releases it, so every C_* call made with a pooled
 * session is serialised; nothing calls back into the application between
 * the two.  Functions return 1/0 (or a pointer/NULL) and raise on error.
 */
#ifndef MYNA_PROVIDER_P11_H
#define MYNA_PROVIDER_P11_H

#include <stdbool.h>
#include <stddef.h>

#include "pkcs11/pkcs11-3.h"
#include "uri.h"

struct myna_p11;

/* dlopen path, C_GetInterface/C_GetFunctionList, C_Initialize. */
struct myna_p11 *myna_p11_load(const char *path, int debug);
/* C_Finalize (unless the process forked since) and dlclose; NULL ok. */
void myna_p11_free(struct myna_p11 *p);
/*
 * In a child after fork: the parent's sessions and handles are gone
 * (base §5.4 "C_Initialize ... in the child"); initialise again.
 */
int myna_p11_after_fork(struct myna_p11 *p);
/* Incremented by every re-initialisation: object handles are stale. */
unsigned int myna_p11_generation(const struct myna_p11 *p);
CK_FUNCTION_LIST *myna_p11_fn(const struct myna_p11 *p);

/*
 * Slots with a token that matches u (token/manufacturer/serial/model,
 * slot-id, slot-description...).  *slots is OPENSSL_free'd by the caller.
 * 0 matches is success with *n == 0.
 */
int myna_p11_match_slots(struct myna_p11 *p, const struct myna_uri *u,
                         CK_SLOT_ID **slots, size_t *n);

/* Take the module lock and the slot's pooled RW (else RO) session. */
int myna_p11_session_get(struct myna_p11 *p, CK_SLOT_ID slot,
                         CK_SESSION_HANDLE *session);
/*
 * Release the lock.  rv is the last C_* result on the session: a session
 * that the module invalidated (removal, §5.6) is dropped from the pool.
 */
void myna_p11_session_put(struct myna_p11 *p, CK_SLOT_ID slot, CK_RV rv);

/* Objects matching tmpl (C_FindObjects*); caller holds the session. */
int myna_p11_find(struct myna_p11 *p, CK_SESSION_HANDLE s, CK_ATTRIBUTE *tmpl,
                  CK_ULONG ntmpl, CK_OBJECT_HANDLE **objs, size_t *n);
/*
 * One attribute, allocated (two-pass length protocol, base §5.7).  Returns
 * 1 and *val NULL when the attribute is absent or sensitive.
 */
int myna_p11_attr(struct myna_p11 *p, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o,
                  CK_ATTRIBUTE_TYPE type, unsigned char **val, size_t *len);
int myna_p11_attr_ulong(struct myna_p11 *p, CK_SESSION_HANDLE s,
                        CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type,
                        CK_ULONG *val);
/* Does slot offer mech (C_GetMechanismList)?  No raise. */
bool myna_p11_has_mech(struct myna_p11 *p, CK_SLOT_ID slot,
                       CK_MECHANISM_TYPE mech);

#endif
