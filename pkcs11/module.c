/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The PKCS#11 surface of myna-pkcs11.so (p11-kit trust/module.c style):
 * every C_* function is static, collected in one function table per
 * interface version, and only C_GetFunctionList, C_GetInterfaceList and
 * C_GetInterface are exported (myna-pkcs11.map).  Each function checks its
 * arguments, takes the module lock, works, and unlocks.  Base-spec section
 * numbers refer to PKCS#11 v3.0.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "pin.h"

#define EXPORT __attribute__((visibility("default")))

struct myna_module myna_mod;

static pthread_mutex_t module_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t waiters_gone = PTHREAD_COND_INITIALIZER;
static bool initialized;
static pid_t init_pid;
static bool finalizing;
static unsigned waiters;            /* threads in C_WaitForSlotEvent */
static struct myna_pcsc *wait_pcsc; /* their own PC/SC context */

static const CK_MECHANISM_TYPE mechanisms[] = {
    CKM_RSA_PKCS,        CKM_SHA1_RSA_PKCS,   CKM_SHA224_RSA_PKCS,
    CKM_SHA256_RSA_PKCS, CKM_SHA384_RSA_PKCS, CKM_SHA512_RSA_PKCS,
};
#define N_MECHANISMS (sizeof(mechanisms) / sizeof(mechanisms[0]))

/* ------------------------------------------------------------------ */
/* Lock and state                                                     */
/* ------------------------------------------------------------------ */

/* Take the lock when the module is initialised in this process; after a
 * fork the child must call C_Initialize again (base spec §5.4). */
static CK_RV
enter(void)
{
    pthread_mutex_lock(&module_lock);
    if (!initialized || finalizing || init_pid != getpid()) {
        pthread_mutex_unlock(&module_lock);
        return CKR_CRYPTOKI_NOT_INITIALIZED;
    }
    return CKR_OK;
}

static CK_RV
leave(CK_RV rv)
{
    pthread_mutex_unlock(&module_lock);
    return rv;
}

static CK_RV
enter_session(CK_SESSION_HANDLE h, struct myna_session **s,
              struct myna_reader **r, enum myna_key *key)
{
    CK_RV rv = enter();

    if (rv != CKR_OK)
        return rv;
    rv = myna_session_get_inlock(h, s, r, key);
    if (rv != CKR_OK)
        pthread_mutex_unlock(&module_lock);
    return rv;
}

static void
pad(CK_UTF8CHAR *dst, size_t len, const char *s)
{
    size_t n = strlen(s);

    memset(dst, ' ', len);
    memcpy(dst, s, n < len ? n : len);
}

/* The length rules of base spec §5.2: NULL buffer asks for the length;
 * a short one gets CKR_BUFFER_TOO_SMALL and the length. */
static CK_RV
ulong_list(const CK_ULONG *items, CK_ULONG n, CK_ULONG_PTR out,
           CK_ULONG_PTR count)
{
    CK_RV rv = CKR_OK;

    if (out != NULL && *count < n)
        rv = CKR_BUFFER_TOO_SMALL;
    else if (out != NULL)
        memcpy(out, items, n * sizeof(*items));
    *count = n;
    return rv;
}

/* ------------------------------------------------------------------ */
/* General purpose (§5.4)                                             */
/* ------------------------------------------------------------------ */

static CK_RV
check_init_args(const CK_C_INITIALIZE_ARGS *a)
{
    int set;

    if (a == NULL)
        return CKR_OK;
    if (a->pReserved != NULL)
        return CKR_ARGUMENTS_BAD;
    set = (a->CreateMutex != NULL) + (a->DestroyMutex != NULL) +
          (a->LockMutex != NULL) + (a->UnlockMutex != NULL);
    if (set != 0 && set != 4)
        return CKR_ARGUMENTS_BAD;
    /* Callbacks but no permission to use the OS's locks: we can only lock
     * with pthreads (p11-kit's answer too). */
    if (set == 4 && !(a->flags & CKF_OS_LOCKING_OK))
        return CKR_CANT_LOCK;
    return CKR_OK;
}

/* A PC/SC context that cannot be established concerns no token: of what
 * myna_pcsc_open() returns, C_Initialize and C_WaitForSlotEvent may only
 * pass on CKR_HOST_MEMORY; the rest is CKR_FUNCTION_FAILED (PKCS#11 v3.0
 * §5.4, §5.5; CKR_DEVICE_ERROR is not theirs).  Found by
 * fuzz-p11-module. */
static CK_RV
pcsc_open(struct myna_pcsc **ctx)
{
    CK_RV rv = myna_pcsc_open(ctx);

    return rv == CKR_OK || rv == CKR_HOST_MEMORY ? rv : CKR_FUNCTION_FAILED;
}

static CK_RV
mod_C_Initialize(CK_VOID_PTR init_args)
{
    CK_RV rv = check_init_args(init_args);

    if (rv != CKR_OK)
        return rv;
    pthread_mutex_lock(&module_lock);
    if (initialized && init_pid == getpid()) {
        rv = CKR_CRYPTOKI_ALREADY_INITIALIZED;
        goto out;
    }
    if (initialized) {
        /* A forked child: the parent's PC/SC connections are not ours to
         * close, and its sessions are gone (§5.4).  Forget them, giving
         * back their memory (no SCard call: the handles are the
         * parent's). */
        myna_sessions_free_inlock();
        myna_readers_abandon_inlock();
        myna_pcsc_abandon(wait_pcsc);
        myna_pcsc_abandon(myna_mod.pcsc);
        memset(&myna_mod, 0, sizeof(myna_mod));
        wait_pcsc = NULL;
        waiters = 0;
        initialized = false;
    }
    myna_log_init();
    rv = pcsc_open(&myna_mod.pcsc);
    if (rv != CKR_OK)
        goto out;
    initialized = true;
    finalizing = false;
    init_pid = getpid();
    /* C_WaitForSlotEvent reports changes from now on. */
    if (myna_readers_refresh_inlock() == CKR_OK)
        for (size_t i = 0; i < myna_mod.n_readers; i++) {
            myna_mod.event_seen[i] = myna_mod.readers[i].counter;
            myna_mod.event_exists_seen[i] = myna_mod.readers[i].exists;
        }
    myna_log("C_Initialize: ok, %zu readers", myna_mod.n_readers);
out:
    pthread_mutex_unlock(&module_lock);
    return rv;
}

static CK_RV
mod_C_Finalize(CK_VOID_PTR reserved)
{
    CK_RV rv;

    if (reserved != NULL)
        return CKR_ARGUMENTS_BAD;
    rv = enter();
    if (rv != CKR_OK)
        return rv;
    /* Wake every C_WaitForSlotEvent and wait until they have left. */
    finalizing = true;
    if (wait_pcsc != NULL)
        myna_pcsc_cancel(wait_pcsc);
    while (waiters > 0)
        pthread_cond_wait(&waiters_gone, &module_lock);
    myna_sessions_free_inlock();
    myna_readers_free_inlock();
    if (wait_pcsc != NULL)
        myna_pcsc_close(wait_pcsc);
    wait_pcsc = NULL;
    myna_pcsc_close(myna_mod.pcsc);
    memset(&myna_mod, 0, sizeof(myna_mod));
    myna_libctx_free();
    initialized = false;
    finalizing = false;
    return leave(CKR_OK);
}

static CK_RV
mod_C_GetInfo(CK_INFO_PTR info)
{
    CK_RV rv;

    if (info == NULL)
        return CKR_ARGUMENTS_BAD;
    rv = enter();
    if (rv != CKR_OK)
        return rv;
    memset(info, 0, sizeof(*info));
    info->cryptokiVersion.major = 3;
    info->cryptokiVersion.minor = 0;
    pad(info->manufacturerID, sizeof(info->manufacturerID), "myna project");
    pad(info->libraryDescription, sizeof(info->libraryDescription),
        "My Number Card JPKI (PC/SC)");
    info->libraryVersion.major = 0;
    info->libraryVersion.minor = 1;
    return leave(CKR_OK);
}

/* ------------------------------------------------------------------ */
/* Slots and tokens (§5.5)                                            */
/* ------------------------------------------------------------------ */

static CK_RV
mod_C_GetSlotList(CK_BBOOL token_present, CK_SLOT_ID_PTR list,
                  CK_ULONG_PTR count)
{
    CK_ULONG ids[MYNA_MAX_READERS * MYNA_TOKENS_PER_CARD];
    CK_ULONG n = 0;
    CK_RV rv;

    if (count == NULL)
        return CKR_ARGUMENTS_BAD;
    rv = enter();
    if (rv != CKR_OK)
        return rv;
    rv = myna_readers_refresh_inlock();
    for (size_t i = 0; rv == CKR_OK && i < myna_mod.n_readers; i++) {
        struct myna_reader *r = &myna_mod.readers[i];

        if (!r->exists || (token_present && !myna_reader_has_token_inlock(r)))
            continue;
        for (size_t k = 0; k < MYNA_TOKENS_PER_CARD; k++)
            ids[n++] = i * MYNA_TOKENS_PER_CARD + k;
    }
    if (rv == CKR_OK)
        rv = ulong_list(ids, n, list, count);
    return leave(rv);
}

static CK_RV
mod_C_GetSlotInfo(CK_SLOT_ID slot, CK_SLOT_INFO_PTR info)
{
    static const char *const suffix[] = { "auth", "sign" };
    struct myna_reader *r;
    enum myna_key key;
    char desc[160];
    CK_RV rv;

    if (info == NULL)
        return CKR_ARGUMENTS_BAD;
    rv = enter();
    if (rv != CKR_OK)
        return rv;
    rv = myna_readers_refresh_inlock();
    r = myna_reader_of_slot_inlock(slot, &key);
    if (rv == CKR_OK && r == NULL)
        rv = CKR_SLOT_ID_INVALID;
    if (rv != CKR_OK)
        return leave(rv);
    memset(info, 0, sizeof(*info));
    snprintf(desc, sizeof(desc), "%s (JPKI %s)", r->name, suffix[key]);
    pad(info->slotDescription, sizeof(info->slotDescription), desc);
    pad(info->manufacturerID, sizeof(info->manufacturerID), "PC/SC");
    info->flags = CKF_REMOVABLE_DEVICE | CKF_HW_SLOT;
    if (myna_reader_has_token_inlock(r))
        info->flags |= CKF_TOKEN_PRESENT;
    return leave(CKR_OK);
}

/* The reader of a slot with a My Number Card in it, or the reason why
 * there is none. */
static CK_RV
token_reader_inlock(CK_SLOT_ID slot, struct myna_reader **out,
                    enum myna_key *key)
{
    CK_RV rv = myna_readers_refresh_inlock();
    struct myna_reader *r = myna_reader_of_slot_inlock(slot, key);

    if (rv != CKR_OK)
        return rv;
    if (r == NULL)
        return CKR_SLOT_ID_INVALID;
    if (!r->exists || !r->present)
        return CKR_TOKEN_NOT_PRESENT;
    if (!myna_reader_has_token_inlock(r))
        return r->present ? CKR_TOKEN_NOT_RECOGNIZED : CKR_TOKEN_NOT_PRESENT;
    *out = r;
    return CKR_OK;
}

static CK_RV
mod_C_GetTokenInfo(CK_SLOT_ID slot, CK_TOKEN_INFO_PTR info)
{
    struct myna_reader *r = NULL;
    enum myna_key key;
    CK_RV rv;

    if (info == NULL)
        return CKR_ARGUMENTS_BAD;
    rv = enter();
    if (rv != CKR_OK)
        return rv;
    rv = token_reader_inlock(slot, &r, &key);
    if (rv == CKR_OK)
        rv = myna_token_info_inlock(r, key, info);
    return leave(rv == CKR_DEVICE_REMOVED ? CKR_TOKEN_NOT_PRESENT : rv);
}

static CK_RV
mod_C_GetMechanismList(CK_SLOT_ID slot, CK_MECHANISM_TYPE_PTR list,
                       CK_ULONG_PTR count)
{
    CK_RV rv;

    if (count == NULL)
        return CKR_ARGUMENTS_BAD;
    rv = enter();
    if (rv != CKR_OK)
        return rv;
    if (myna_reader_of_slot_inlock(slot, NULL) == NULL)
        return leave(CKR_SLOT_ID_INVALID);
    return leave(ulong_list(mechanisms, N_MECHANISMS, list, count));
}

/* Honest flags: the card signs (PKCS#1 v1.5 padding included, §6.1), the
 * host hashes; no decryption, no verification, no PSS, no raw RSA. */
static CK_RV
mod_C_GetMechanismInfo(CK_SLOT_ID slot, CK_MECHANISM_TYPE type,
                       CK_MECHANISM_INFO_PTR info)
{
    CK_RV rv;

    if (info == NULL)
        return CKR_ARGUMENTS_BAD;
    rv = enter();
    if (rv != CKR_OK)
        return rv;
    if (myna_reader_of_slot_inlock(slot, NULL) == NULL)
        return leave(CKR_SLOT_ID_INVALID);
    if (type != CKM_RSA_PKCS && !myna_digest_mech_supported(type))
        return leave(CKR_MECHANISM_INVALID);
    info->ulMinKeySize = 2048;
    info->ulMaxKeySize = 2048;
    info->flags = CKF_SIGN | (type == CKM_RSA_PKCS ? CKF_HW : 0);
    return leave(CKR_OK);
}

static CK_RV
mod_C_InitToken(CK_SLOT_ID slot, CK_UTF8CHAR_PTR pin, CK_ULONG len,
                CK_UTF8CHAR_PTR label)
{
    CK_RV rv = enter();

    (void)slot;
    (void)pin;
    (void)len;
    (void)label;
    /* Only a municipal office can initialise a My Number Card. */
    return rv != CKR_OK ? rv : leave(CKR_FUNCTION_NOT_SUPPORTED);
}

/* ------------------------------------------------------------------ */
/* Sessions and login (§5.6)                                          */
/* ------------------------------------------------------------------ */

static CK_RV
mod_C_InitPIN(CK_SESSION_HANDLE h, CK_UTF8CHAR_PTR pin, CK_ULONG len)
{
    struct myna_session *s;
    CK_RV rv = enter_session(h, &s, NULL, NULL);

    (void)pin;
    (void)len;
    /* There is no security officer: unblocking needs the municipality. */
    return rv != CKR_OK ? rv : leave(CKR_FUNCTION_NOT_SUPPORTED);
}

static CK_RV
mod_C_SetPIN(CK_SESSION_HANDLE h, CK_UTF8CHAR_PTR old_pin, CK_ULONG old_len,
             CK_UTF8CHAR_PTR new_pin, CK_ULONG new_len)
{
    struct myna_session *s;
    struct myna_reader *r;
    enum myna_key key;
    CK_RV rv;

    if ((old_pin == NULL && old_len > 0) || (new_pin == NULL && new_len > 0))
        return CKR_ARGUMENTS_BAD;
    rv = enter_session(h, &s, &r, &key);
    if (rv != CKR_OK)
        return rv;
    if (!(s->flags & CKF_RW_SESSION))
        return leave(CKR_SESSION_READ_ONLY); /* §5.6 C_SetPIN */
    return leave(
        myna_token_set_pin_inlock(r, key, old_pin, old_len, new_pin, new_len));
}

static CK_RV
mod_C_OpenSession(CK_SLOT_ID slot, CK_FLAGS flags, CK_VOID_PTR app,
                  CK_NOTIFY notify, CK_SESSION_HANDLE_PTR h)
{
    struct myna_reader *r = NULL;
    enum myna_key key;
    CK_RV rv;

    (void)app;
    (void)notify; /* no callbacks are ever made */
    if (h == NULL)
        return CKR_ARGUMENTS_BAD;
    if (!(flags & CKF_SERIAL_SESSION))
        return CKR_SESSION_PARALLEL_NOT_SUPPORTED;
    rv = enter();
    if (rv != CKR_OK)
        return rv;
    rv = token_reader_inlock(slot, &r, &key);
    if (rv == CKR_OK)
        rv = myna_session_open_inlock(slot, flags, h);
    return leave(rv);
}

static CK_RV
mod_C_CloseSession(CK_SESSION_HANDLE h)
{
    struct myna_session *s;
    CK_RV rv = enter_session(h, &s, NULL, NULL);

    if (rv != CKR_OK)
        return rv;
    myna_session_close_inlock(h);
    return leave(CKR_OK);
}

static CK_RV
mod_C_CloseAllSessions(CK_SLOT_ID slot)
{
    CK_RV rv = enter();

    if (rv != CKR_OK)
        return rv;
    if (myna_reader_of_slot_inlock(slot, NULL) == NULL)
        return leave(CKR_SLOT_ID_INVALID);
    myna_session_close_slot_inlock(slot);
    return leave(CKR_OK);
}

static CK_RV
mod_C_GetSessionInfo(CK_SESSION_HANDLE h, CK_SESSION_INFO_PTR info)
{
    struct myna_session *s;
    struct myna_reader *r;
    enum myna_key key;
    bool user, rw;
    CK_RV rv;

    if (info == NULL)
        return CKR_ARGUMENTS_BAD;
    rv = enter_session(h, &s, &r, &key);
    if (rv != CKR_OK)
        return rv;
    user = r->tokens[key].logged_in;
    rw = (s->flags & CKF_RW_SESSION) != 0;
    info->slotID = s->slot;
    info->flags = s->flags;
    info->ulDeviceError = 0;
    info->state = rw ? (user ? CKS_RW_USER_FUNCTIONS : CKS_RW_PUBLIC_SESSION)
                     : (user ? CKS_RO_USER_FUNCTIONS : CKS_RO_PUBLIC_SESSION);
    return leave(CKR_OK);
}

static CK_RV
mod_C_GetOperationState(CK_SESSION_HANDLE h, CK_BYTE_PTR state,
                        CK_ULONG_PTR len)
{
    struct myna_session *s;
    CK_RV rv;

    (void)state;
    if (len == NULL)
        return CKR_ARGUMENTS_BAD;
    rv = enter_session(h, &s, NULL, NULL);
    return rv != CKR_OK ? rv : leave(CKR_FUNCTION_NOT_SUPPORTED);
}

static CK_RV
mod_C_SetOperationState(CK_SESSION_HANDLE h, CK_BYTE_PTR state, CK_ULONG len,
                        CK_OBJECT_HANDLE enc_key, CK_OBJECT_HANDLE auth_key)
{
    struct myna_session *s;
    CK_RV rv;

    (void)len;
    (void)enc_key;
    (void)auth_key;
    if (state == NULL)
        return CKR_ARGUMENTS_BAD;
    rv = enter_session(h, &s, NULL, NULL);
    return rv != CKR_OK ? rv : leave(CKR_FUNCTION_NOT_SUPPORTED);
}

/* CKU_USER logs in to the slot's token (auth PIN or sign password).
 * CKU_CONTEXT_SPECIFIC re-presents the PIN during a signature, for
 * applications that always do so; the card itself does not need it
 * (§6.2), so the keys say CKA_ALWAYS_AUTHENTICATE = FALSE.  There is no
 * security officer. */
static CK_RV
mod_C_Login(CK_SESSION_HANDLE h, CK_USER_TYPE user, CK_UTF8CHAR_PTR pin,
            CK_ULONG len)
{
    struct myna_session *s;
    struct myna_reader *r;
    enum myna_key key;
    CK_RV rv;

    if (pin == NULL && len > 0)
        return CKR_ARGUMENTS_BAD;
    rv = enter_session(h, &s, &r, &key);
    if (rv != CKR_OK)
        return rv;
    if (user == CKU_SO)
        return leave(CKR_USER_TYPE_INVALID);
    if (user == CKU_CONTEXT_SPECIFIC && !s->sign_active)
        return leave(CKR_OPERATION_NOT_INITIALIZED);
    if (user != CKU_USER && user != CKU_CONTEXT_SPECIFIC)
        return leave(CKR_USER_TYPE_INVALID);
    if (user == CKU_USER && r->tokens[key].logged_in)
        return leave(CKR_USER_ALREADY_LOGGED_IN);
    rv = myna_token_login_inlock(r, key, pin, len);
    return leave(rv);
}

static CK_RV
mod_C_LoginUser(CK_SESSION_HANDLE h, CK_USER_TYPE user, CK_UTF8CHAR_PTR pin,
                CK_ULONG len, CK_UTF8CHAR_PTR username, CK_ULONG username_len)
{
    /* The card knows no user names (§5.6 C_LoginUser: then as C_Login). */
    if (username == NULL && username_len > 0)
        return CKR_ARGUMENTS_BAD;
    return mod_C_Login(h, user, pin, len);
}

static CK_RV
mod_C_Logout(CK_SESSION_HANDLE h)
{
    struct myna_session *s;
    struct myna_reader *r;
    enum myna_key key;
    CK_RV rv = enter_session(h, &s, &r, &key);

    if (rv != CKR_OK)
        return rv;
    if (!r->tokens[key].logged_in)
        return leave(CKR_USER_NOT_LOGGED_IN);
    return leave(myna_token_logout_inlock(r, key));
}

/* ------------------------------------------------------------------ */
/* Objects (§5.7)                                                     */
/* ------------------------------------------------------------------ */

static CK_RV
object_of(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE oh, struct myna_reader **r,
          struct myna_object **o)
{
    struct myna_session *s;
    enum myna_key key;
    CK_RV rv = enter_session(h, &s, r, &key);

    if (rv != CKR_OK)
        return rv;
    *o = myna_token_object_inlock(*r, key, oh);
    if (*o == NULL) {
        pthread_mutex_unlock(&module_lock);
        return CKR_OBJECT_HANDLE_INVALID;
    }
    return CKR_OK;
}

static CK_RV
mod_C_CreateObject(CK_SESSION_HANDLE h, CK_ATTRIBUTE_PTR tmpl, CK_ULONG count,
                   CK_OBJECT_HANDLE_PTR oh)
{
    struct myna_session *s;
    CK_RV rv;

    if ((tmpl == NULL && count > 0) || oh == NULL)
        return CKR_ARGUMENTS_BAD;
    rv = enter_session(h, &s, NULL, NULL);
    /* Nothing can be written to the card's JPKI AP. */
    return rv != CKR_OK ? rv : leave(CKR_FUNCTION_NOT_SUPPORTED);
}

static CK_RV
mod_C_CopyObject(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE oh,
                 CK_ATTRIBUTE_PTR tmpl, CK_ULONG count,
                 CK_OBJECT_HANDLE_PTR new_oh)
{
    struct myna_reader *r;
    struct myna_object *o;
    CK_RV rv;

    if ((tmpl == NULL && count > 0) || new_oh == NULL)
        return CKR_ARGUMENTS_BAD;
    rv = object_of(h, oh, &r, &o);
    return rv != CKR_OK ? rv : leave(CKR_ACTION_PROHIBITED); /* !COPYABLE */
}

static CK_RV
mod_C_DestroyObject(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE oh)
{
    struct myna_reader *r;
    struct myna_object *o;
    CK_RV rv = object_of(h, oh, &r, &o);

    return rv != CKR_OK ? rv : leave(CKR_ACTION_PROHIBITED); /* !DESTROYABLE */
}

static CK_RV
mod_C_GetObjectSize(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE oh, CK_ULONG_PTR size)
{
    struct myna_reader *r;
    struct myna_object *o;
    CK_RV rv;

    if (size == NULL)
        return CKR_ARGUMENTS_BAD;
    rv = object_of(h, oh, &r, &o);
    if (rv != CKR_OK)
        return rv;
    *size = CK_UNAVAILABLE_INFORMATION; /* the card does not say */
    return leave(CKR_OK);
}

static CK_RV
mod_C_GetAttributeValue(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE oh,
                        CK_ATTRIBUTE_PTR tmpl, CK_ULONG count)
{
    struct myna_reader *r;
    struct myna_object *o;
    CK_RV rv;

    if (tmpl == NULL && count > 0)
        return CKR_ARGUMENTS_BAD;
    rv = object_of(h, oh, &r, &o);
    if (rv != CKR_OK)
        return rv;
    return leave(myna_object_get_inlock(r, o, tmpl, count));
}

static CK_RV
mod_C_SetAttributeValue(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE oh,
                        CK_ATTRIBUTE_PTR tmpl, CK_ULONG count)
{
    struct myna_reader *r;
    struct myna_object *o;
    CK_RV rv;

    if (tmpl == NULL && count > 0)
        return CKR_ARGUMENTS_BAD;
    rv = object_of(h, oh, &r, &o);
    return rv != CKR_OK ? rv : leave(CKR_ACTION_PROHIBITED); /* !MODIFIABLE */
}

/* The matching objects are collected at C_FindObjectsInit (§5.7.7). */
static CK_RV
mod_C_FindObjectsInit(CK_SESSION_HANDLE h, CK_ATTRIBUTE_PTR tmpl,
                      CK_ULONG count)
{
    struct myna_session *s;
    struct myna_reader *r;
    struct myna_token *t;
    enum myna_key key;
    CK_RV rv;

    if (tmpl == NULL && count > 0)
        return CKR_ARGUMENTS_BAD;
    rv = enter_session(h, &s, &r, &key);
    if (rv != CKR_OK)
        return rv;
    if (s->find_active)
        return leave(CKR_OPERATION_ACTIVE);
    t = &r->tokens[key];
    s->n_found = 0;
    s->find_pos = 0;
    for (size_t i = 0; i < t->n_objects; i++) {
        struct myna_object *o = &t->objects[i];
        bool match = false;

        if (!myna_object_visible(t, o))
            continue;
        rv = myna_object_match_inlock(r, o, tmpl, count, &match);
        /* Matching may read a certificate; a removal found there closes
         * every session of the card, s included (found by
         * fuzz-p11-module): s is not touched again. */
        if (rv != CKR_OK)
            return leave(rv);
        if (match)
            s->found[s->n_found++] = o->handle;
    }
    s->find_active = true;
    return leave(CKR_OK);
}

static CK_RV
mod_C_FindObjects(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE_PTR out, CK_ULONG max,
                  CK_ULONG_PTR count)
{
    struct myna_session *s;
    CK_RV rv;

    if ((out == NULL && max > 0) || count == NULL)
        return CKR_ARGUMENTS_BAD;
    rv = enter_session(h, &s, NULL, NULL);
    if (rv != CKR_OK)
        return rv;
    if (!s->find_active)
        return leave(CKR_OPERATION_NOT_INITIALIZED);
    *count = 0;
    while (*count < max && s->find_pos < s->n_found)
        out[(*count)++] = s->found[s->find_pos++];
    return leave(CKR_OK);
}

static CK_RV
mod_C_FindObjectsFinal(CK_SESSION_HANDLE h)
{
    struct myna_session *s;
    CK_RV rv = enter_session(h, &s, NULL, NULL);

    if (rv != CKR_OK)
        return rv;
    if (!s->find_active)
        return leave(CKR_OPERATION_NOT_INITIALIZED);
    s->find_active = false;
    return leave(CKR_OK);
}

/* ------------------------------------------------------------------ */
/* Signing (§5.12): the host hashes, the card pads and signs           */
/* ------------------------------------------------------------------ */

static CK_RV
check_sign_key(struct myna_reader *r, enum myna_key key, CK_OBJECT_HANDLE kh)
{
    struct myna_object *o = myna_token_object_inlock(r, key, kh);
    const struct myna_token *t = &r->tokens[key];

    /* A private key that exists but is hidden because the token is not
     * logged in: CKR_USER_NOT_LOGGED_IN (base spec §5.13.1 C_SignInit),
     * not an unknown handle. */
    for (size_t i = 0; o == NULL && i < t->n_objects; i++)
        if (t->objects[i].handle == kh &&
            t->objects[i].kind == MYNA_OBJ_PRIVKEY)
            return CKR_USER_NOT_LOGGED_IN;
    if (o == NULL)
        return CKR_KEY_HANDLE_INVALID;
    if (o->kind != MYNA_OBJ_PRIVKEY)
        return CKR_KEY_FUNCTION_NOT_PERMITTED; /* CKA_SIGN is FALSE */
    return CKR_OK;
}

static CK_RV
mod_C_SignInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech, CK_OBJECT_HANDLE kh)
{
    struct myna_session *s;
    struct myna_reader *r;
    enum myna_key key;
    CK_RV rv;

    if (mech == NULL)
        return CKR_ARGUMENTS_BAD;
    rv = enter_session(h, &s, &r, &key);
    if (rv != CKR_OK)
        return rv;
    if (s->sign_active)
        return leave(CKR_OPERATION_ACTIVE);
    if (mech->mechanism != CKM_RSA_PKCS &&
        !myna_digest_mech_supported(mech->mechanism))
        return leave(CKR_MECHANISM_INVALID);
    if (mech->pParameter != NULL || mech->ulParameterLen != 0)
        return leave(CKR_MECHANISM_PARAM_INVALID);
    rv = check_sign_key(r, key, kh);
    if (rv == CKR_OK && !r->tokens[key].logged_in)
        rv = CKR_USER_NOT_LOGGED_IN;
    if (rv == CKR_OK && mech->mechanism != CKM_RSA_PKCS)
        rv = myna_digest_new(mech->mechanism, &s->digest);
    if (rv != CKR_OK)
        return leave(rv);
    s->sign_active = true;
    s->sign_multipart = false;
    s->mech = mech->mechanism;
    s->key_handle = kh;
    s->raw_len = 0;
    return leave(CKR_OK);
}

/* The card's input: the DigestInfo the host computed, or the caller's
 * bytes for CKM_RSA_PKCS (1-245 bytes, §6.1). */
static CK_RV
sign_input(struct myna_session *s, const uint8_t *data, size_t len, bool final,
           uint8_t *in, size_t *in_len)
{
    CK_RV rv = CKR_OK;

    if (s->digest != NULL) {
        if (!final)
            rv = myna_digest_update(s->digest, data, len);
        if (rv == CKR_OK)
            rv = myna_digest_final(s->digest, in, in_len);
        return rv;
    }
    if (!final) {
        if (len > MYNA_SIGN_INPUT_MAX)
            return CKR_DATA_LEN_RANGE;
        memcpy(in, data, len);
        *in_len = len;
    } else {
        if (s->raw_overflow)
            return CKR_DATA_LEN_RANGE;
        memcpy(in, s->raw, s->raw_len);
        *in_len = s->raw_len;
    }
    return *in_len == 0 ? CKR_DATA_LEN_RANGE : CKR_OK;
}

/* Shared end of C_Sign and C_SignFinal.  A length query or a short buffer
 * keeps the operation (§5.2); anything else ends it. */
static CK_RV
sign_finish(struct myna_session *s, struct myna_reader *r, enum myna_key key,
            const uint8_t *data, size_t len, bool final, CK_BYTE_PTR sig,
            CK_ULONG_PTR sig_len)
{
    uint8_t in[MYNA_SIGN_INPUT_MAX > MYNA_DIGESTINFO_MAX ? MYNA_SIGN_INPUT_MAX
                                                         : MYNA_DIGESTINFO_MAX];
    uint8_t out[256];
    size_t in_len = 0, out_len = sizeof(out);
    CK_RV rv;

    if (sig == NULL || *sig_len < sizeof(out)) {
        rv = sig == NULL ? CKR_OK : CKR_BUFFER_TOO_SMALL;
        *sig_len = sizeof(out);
        return rv;
    }
    rv = sign_input(s, data, len, final, in, &in_len);
    /* The operation ends here whatever the card says; end it before the
     * card is touched: a removal found during the signature closes every
     * session of the card, s included (found by test-module-asan). */
    myna_session_end_sign(s);
    s = NULL;
    if (rv == CKR_OK && !r->tokens[key].logged_in)
        rv = CKR_USER_NOT_LOGGED_IN;
    if (rv == CKR_OK)
        rv = myna_token_sign_inlock(r, key, in, in_len, out, &out_len);
    if (rv == CKR_OK) {
        memcpy(sig, out, out_len);
        *sig_len = out_len;
    }
    myna_wipe(in, sizeof(in));
    return rv;
}

static CK_RV
mod_C_Sign(CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len, CK_BYTE_PTR sig,
           CK_ULONG_PTR sig_len)
{
    struct myna_session *s;
    struct myna_reader *r;
    enum myna_key key;
    CK_RV rv;

    if ((data == NULL && len > 0) || sig_len == NULL)
        return CKR_ARGUMENTS_BAD;
    rv = enter_session(h, &s, &r, &key);
    if (rv != CKR_OK)
        return rv;
    if (!s->sign_active)
        return leave(CKR_OPERATION_NOT_INITIALIZED);
    if (s->sign_multipart) {
        myna_session_end_sign(s);
        return leave(CKR_OPERATION_ACTIVE);
    }
    return leave(sign_finish(s, r, key, data, len, false, sig, sig_len));
}

static CK_RV
mod_C_SignUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR part, CK_ULONG len)
{
    struct myna_session *s;
    CK_RV rv;

    if (part == NULL && len > 0)
        return CKR_ARGUMENTS_BAD;
    rv = enter_session(h, &s, NULL, NULL);
    if (rv != CKR_OK)
        return rv;
    if (!s->sign_active)
        return leave(CKR_OPERATION_NOT_INITIALIZED);
    s->sign_multipart = true;
    if (s->digest != NULL) {
        rv = myna_digest_update(s->digest, part, len);
    } else if (len > MYNA_SIGN_INPUT_MAX - s->raw_len) {
        s->raw_overflow = true; /* reported at C_SignFinal */
    } else {
        memcpy(s->raw + s->raw_len, part, len);
        s->raw_len += len;
    }
    if (rv != CKR_OK)
        myna_session_end_sign(s);
    return leave(rv);
}

static CK_RV
mod_C_SignFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR sig, CK_ULONG_PTR sig_len)
{
    struct myna_session *s;
    struct myna_reader *r;
    enum myna_key key;
    CK_RV rv;

    if (sig_len == NULL)
        return CKR_ARGUMENTS_BAD;
    rv = enter_session(h, &s, &r, &key);
    if (rv != CKR_OK)
        return rv;
    if (!s->sign_active)
        return leave(CKR_OPERATION_NOT_INITIALIZED);
    return leave(sign_finish(s, r, key, NULL, 0, true, sig, sig_len));
}

/* ------------------------------------------------------------------ */
/* What the card cannot do                                            */
/* ------------------------------------------------------------------ */

/* Checks the session first, so that a bad handle is reported as such. */
static CK_RV
unsupported(CK_SESSION_HANDLE h)
{
    struct myna_session *s;
    CK_RV rv = enter_session(h, &s, NULL, NULL);

    return rv != CKR_OK ? rv : leave(CKR_FUNCTION_NOT_SUPPORTED);
}

static CK_RV
mod_C_EncryptInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k)
{
    (void)m;
    (void)k;
    return unsupported(h);
}

static CK_RV
mod_C_Encrypt(CK_SESSION_HANDLE h, CK_BYTE_PTR a, CK_ULONG al, CK_BYTE_PTR b,
              CK_ULONG_PTR bl)
{
    (void)a;
    (void)al;
    (void)b;
    (void)bl;
    return unsupported(h);
}

/* C_EncryptUpdate, C_DecryptUpdate, C_DigestEncryptUpdate, ...: one
 * signature, one function. */
static CK_RV
crypt_update(CK_SESSION_HANDLE h, CK_BYTE_PTR a, CK_ULONG al, CK_BYTE_PTR b,
             CK_ULONG_PTR bl)
{
    (void)a;
    (void)al;
    (void)b;
    (void)bl;
    return unsupported(h);
}

static CK_RV
crypt_final(CK_SESSION_HANDLE h, CK_BYTE_PTR a, CK_ULONG_PTR al)
{
    (void)a;
    (void)al;
    return unsupported(h);
}

static CK_RV
data_update(CK_SESSION_HANDLE h, CK_BYTE_PTR a, CK_ULONG al)
{
    (void)a;
    (void)al;
    return unsupported(h);
}

static CK_RV
mod_C_DigestKey(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE k)
{
    (void)k;
    return unsupported(h);
}

static CK_RV
mod_C_VerifyFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR a, CK_ULONG al)
{
    return data_update(h, a, al);
}

static CK_RV
mod_C_Verify(CK_SESSION_HANDLE h, CK_BYTE_PTR a, CK_ULONG al, CK_BYTE_PTR b,
             CK_ULONG bl)
{
    (void)b;
    (void)bl;
    return data_update(h, a, al);
}

static CK_RV
mod_C_DigestInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m)
{
    (void)m;
    return unsupported(h);
}

static CK_RV
mod_C_GenerateKey(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_ATTRIBUTE_PTR t,
                  CK_ULONG n, CK_OBJECT_HANDLE_PTR k)
{
    (void)m;
    (void)t;
    (void)n;
    (void)k;
    return unsupported(h);
}

static CK_RV
mod_C_GenerateKeyPair(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m,
                      CK_ATTRIBUTE_PTR t1, CK_ULONG n1, CK_ATTRIBUTE_PTR t2,
                      CK_ULONG n2, CK_OBJECT_HANDLE_PTR k1,
                      CK_OBJECT_HANDLE_PTR k2)
{
    (void)m;
    (void)t1;
    (void)n1;
    (void)t2;
    (void)n2;
    (void)k1;
    (void)k2;
    return unsupported(h);
}

static CK_RV
mod_C_WrapKey(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k1,
              CK_OBJECT_HANDLE k2, CK_BYTE_PTR w, CK_ULONG_PTR wl)
{
    (void)m;
    (void)k1;
    (void)k2;
    (void)w;
    (void)wl;
    return unsupported(h);
}

static CK_RV
mod_C_UnwrapKey(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k,
                CK_BYTE_PTR w, CK_ULONG wl, CK_ATTRIBUTE_PTR t, CK_ULONG n,
                CK_OBJECT_HANDLE_PTR out)
{
    (void)m;
    (void)k;
    (void)w;
    (void)wl;
    (void)t;
    (void)n;
    (void)out;
    return unsupported(h);
}

static CK_RV
mod_C_DeriveKey(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k,
                CK_ATTRIBUTE_PTR t, CK_ULONG n, CK_OBJECT_HANDLE_PTR out)
{
    (void)m;
    (void)k;
    (void)t;
    (void)n;
    (void)out;
    return unsupported(h);
}

/* No random generator is offered (CKF_RNG is not set): base spec §5.15. */
static CK_RV
mod_C_SeedRandom(CK_SESSION_HANDLE h, CK_BYTE_PTR seed, CK_ULONG len)
{
    struct myna_session *s;
    CK_RV rv;

    if (seed == NULL && len > 0)
        return CKR_ARGUMENTS_BAD;
    rv = enter_session(h, &s, NULL, NULL);
    return rv != CKR_OK ? rv : leave(CKR_RANDOM_NO_RNG);
}

static CK_RV
mod_C_GenerateRandom(CK_SESSION_HANDLE h, CK_BYTE_PTR out, CK_ULONG len)
{
    return mod_C_SeedRandom(h, out, len);
}

/* Legacy parallel functions (§5.16). */
static CK_RV
mod_C_GetFunctionStatus(CK_SESSION_HANDLE h)
{
    struct myna_session *s;
    CK_RV rv = enter_session(h, &s, NULL, NULL);

    return rv != CKR_OK ? rv : leave(CKR_FUNCTION_NOT_PARALLEL);
}

static CK_RV
mod_C_CancelFunction(CK_SESSION_HANDLE h)
{
    return mod_C_GetFunctionStatus(h);
}

static CK_RV
mod_C_SessionCancel(CK_SESSION_HANDLE h, CK_FLAGS flags)
{
    struct myna_session *s;
    CK_RV rv = enter_session(h, &s, NULL, NULL);

    if (rv != CKR_OK)
        return rv;
    if (flags & CKF_SIGN)
        myna_session_end_sign(s);
    if (flags & CKF_FIND_OBJECTS)
        s->find_active = false;
    return leave(CKR_OK);
}

static CK_RV
message_init(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k)
{
    (void)m;
    (void)k;
    return unsupported(h);
}

static CK_RV
message_final(CK_SESSION_HANDLE h)
{
    return unsupported(h);
}

static CK_RV
crypt_message(CK_SESSION_HANDLE h, CK_VOID_PTR p, CK_ULONG pl, CK_BYTE_PTR a,
              CK_ULONG al, CK_BYTE_PTR b, CK_ULONG bl, CK_BYTE_PTR c,
              CK_ULONG_PTR cl)
{
    (void)p;
    (void)pl;
    (void)a;
    (void)al;
    (void)b;
    (void)bl;
    (void)c;
    (void)cl;
    return unsupported(h);
}

static CK_RV
crypt_message_begin(CK_SESSION_HANDLE h, CK_VOID_PTR p, CK_ULONG pl,
                    CK_BYTE_PTR a, CK_ULONG al)
{
    (void)p;
    (void)pl;
    (void)a;
    (void)al;
    return unsupported(h);
}

static CK_RV
crypt_message_next(CK_SESSION_HANDLE h, CK_VOID_PTR p, CK_ULONG pl,
                   CK_BYTE_PTR a, CK_ULONG al, CK_BYTE_PTR b, CK_ULONG_PTR bl,
                   CK_FLAGS f)
{
    (void)p;
    (void)pl;
    (void)a;
    (void)al;
    (void)b;
    (void)bl;
    (void)f;
    return unsupported(h);
}

static CK_RV
sign_message(CK_SESSION_HANDLE h, CK_VOID_PTR p, CK_ULONG pl, CK_BYTE_PTR a,
             CK_ULONG al, CK_BYTE_PTR b, CK_ULONG_PTR bl)
{
    (void)p;
    (void)pl;
    (void)a;
    (void)al;
    (void)b;
    (void)bl;
    return unsupported(h);
}

static CK_RV
message_begin(CK_SESSION_HANDLE h, CK_VOID_PTR p, CK_ULONG pl)
{
    (void)p;
    (void)pl;
    return unsupported(h);
}

static CK_RV
verify_message(CK_SESSION_HANDLE h, CK_VOID_PTR p, CK_ULONG pl, CK_BYTE_PTR a,
               CK_ULONG al, CK_BYTE_PTR b, CK_ULONG bl)
{
    (void)p;
    (void)pl;
    (void)a;
    (void)al;
    (void)b;
    (void)bl;
    return unsupported(h);
}

/* ------------------------------------------------------------------ */
/* Slot events (§5.5 C_WaitForSlotEvent)                              */
/* ------------------------------------------------------------------ */

/* A reader that appeared, went, or whose card changed since the caller
 * last heard of it; reported through its auth slot. */
static bool
pending_event_inlock(CK_SLOT_ID *slot)
{
    for (size_t i = 0; i < myna_mod.n_readers; i++) {
        const struct myna_reader *r = &myna_mod.readers[i];

        if (r->exists == myna_mod.event_exists_seen[i] &&
            (!r->exists || r->counter == myna_mod.event_seen[i]))
            continue;
        myna_mod.event_seen[i] = r->counter;
        myna_mod.event_exists_seen[i] = r->exists;
        *slot = i * MYNA_TOKENS_PER_CARD;
        return true;
    }
    return false;
}

/* Blocks without the module lock, on a PC/SC context of its own (a
 * context serialises its calls in pcsc-lite, so card operations of other
 * threads would wait otherwise).  C_Finalize cancels it. */
static CK_RV
wait_unlocked(void)
{
    struct myna_reader_state st[MYNA_MAX_READERS];
    size_t n = 0;
    CK_RV rv = CKR_OK;

    if (wait_pcsc == NULL)
        rv = pcsc_open(&wait_pcsc);
    if (rv != CKR_OK)
        return rv;
    for (size_t i = 0; i < myna_mod.n_readers; i++) {
        const struct myna_reader *r = &myna_mod.readers[i];

        if (!r->exists)
            continue;
        memcpy(st[n].name, r->name, sizeof(st[n].name));
        st[n].present = r->present;
        st[n].counter = r->counter;
        n++;
    }
    waiters++;
    pthread_mutex_unlock(&module_lock);
    rv = myna_pcsc_wait(wait_pcsc, st, n, -1);
    pthread_mutex_lock(&module_lock);
    if (--waiters == 0)
        pthread_cond_broadcast(&waiters_gone);
    return rv == CKR_NO_EVENT ? CKR_OK : rv;
}

static CK_RV
mod_C_WaitForSlotEvent(CK_FLAGS flags, CK_SLOT_ID_PTR slot,
                       CK_VOID_PTR reserved)
{
    CK_RV rv;

    if (slot == NULL || reserved != NULL)
        return CKR_ARGUMENTS_BAD;
    rv = enter();
    while (rv == CKR_OK) {
        rv = myna_readers_refresh_inlock();
        if (rv != CKR_OK || pending_event_inlock(slot))
            break;
        if (flags & CKF_DONT_BLOCK) {
            rv = CKR_NO_EVENT;
            break;
        }
        rv = wait_unlocked();
        if (finalizing) {
            pthread_mutex_unlock(&module_lock);
            return CKR_CRYPTOKI_NOT_INITIALIZED;
        }
    }
    return leave(rv);
}

/* ------------------------------------------------------------------ */
/* Function tables and the three exported functions                   */
/* ------------------------------------------------------------------ */

/* One initializer list for both tables: each unsupported function of the
 * same signature shares one implementation (all of them check the session
 * and answer CKR_FUNCTION_NOT_SUPPORTED). */
#define MYNA_FUNCTIONS_2_40                                                    \
    .C_Initialize = mod_C_Initialize, .C_Finalize = mod_C_Finalize,            \
    .C_GetInfo = mod_C_GetInfo, .C_GetFunctionList = C_GetFunctionList,        \
    .C_GetSlotList = mod_C_GetSlotList, .C_GetSlotInfo = mod_C_GetSlotInfo,    \
    .C_GetTokenInfo = mod_C_GetTokenInfo,                                      \
    .C_GetMechanismList = mod_C_GetMechanismList,                              \
    .C_GetMechanismInfo = mod_C_GetMechanismInfo,                              \
    .C_InitToken = mod_C_InitToken, .C_InitPIN = mod_C_InitPIN,                \
    .C_SetPIN = mod_C_SetPIN, .C_OpenSession = mod_C_OpenSession,              \
    .C_CloseSession = mod_C_CloseSession,                                      \
    .C_CloseAllSessions = mod_C_CloseAllSessions,                              \
    .C_GetSessionInfo = mod_C_GetSessionInfo,                                  \
    .C_GetOperationState = mod_C_GetOperationState,                            \
    .C_SetOperationState = mod_C_SetOperationState, .C_Login = mod_C_Login,    \
    .C_Logout = mod_C_Logout, .C_CreateObject = mod_C_CreateObject,            \
    .C_CopyObject = mod_C_CopyObject, .C_DestroyObject = mod_C_DestroyObject,  \
    .C_GetObjectSize = mod_C_GetObjectSize,                                    \
    .C_GetAttributeValue = mod_C_GetAttributeValue,                            \
    .C_SetAttributeValue = mod_C_SetAttributeValue,                            \
    .C_FindObjectsInit = mod_C_FindObjectsInit,                                \
    .C_FindObjects = mod_C_FindObjects,                                        \
    .C_FindObjectsFinal = mod_C_FindObjectsFinal,                              \
    .C_EncryptInit = mod_C_EncryptInit, .C_Encrypt = mod_C_Encrypt,            \
    .C_EncryptUpdate = crypt_update, .C_EncryptFinal = crypt_final,            \
    .C_DecryptInit = mod_C_EncryptInit, .C_Decrypt = mod_C_Encrypt,            \
    .C_DecryptUpdate = crypt_update, .C_DecryptFinal = crypt_final,            \
    .C_DigestInit = mod_C_DigestInit, .C_Digest = crypt_update,                \
    .C_DigestUpdate = data_update, .C_DigestKey = mod_C_DigestKey,             \
    .C_DigestFinal = crypt_final, .C_SignInit = mod_C_SignInit,                \
    .C_Sign = mod_C_Sign, .C_SignUpdate = mod_C_SignUpdate,                    \
    .C_SignFinal = mod_C_SignFinal, .C_SignRecoverInit = mod_C_EncryptInit,    \
    .C_SignRecover = mod_C_Encrypt, .C_VerifyInit = mod_C_EncryptInit,         \
    .C_Verify = mod_C_Verify, .C_VerifyUpdate = data_update,                   \
    .C_VerifyFinal = mod_C_VerifyFinal,                                        \
    .C_VerifyRecoverInit = mod_C_EncryptInit,                                  \
    .C_VerifyRecover = mod_C_Encrypt, .C_DigestEncryptUpdate = crypt_update,   \
    .C_DecryptDigestUpdate = crypt_update,                                     \
    .C_SignEncryptUpdate = crypt_update,                                       \
    .C_DecryptVerifyUpdate = crypt_update, .C_GenerateKey = mod_C_GenerateKey, \
    .C_GenerateKeyPair = mod_C_GenerateKeyPair, .C_WrapKey = mod_C_WrapKey,    \
    .C_UnwrapKey = mod_C_UnwrapKey, .C_DeriveKey = mod_C_DeriveKey,            \
    .C_SeedRandom = mod_C_SeedRandom,                                          \
    .C_GenerateRandom = mod_C_GenerateRandom,                                  \
    .C_GetFunctionStatus = mod_C_GetFunctionStatus,                            \
    .C_CancelFunction = mod_C_CancelFunction,                                  \
    .C_WaitForSlotEvent = mod_C_WaitForSlotEvent

EXPORT CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list);
EXPORT CK_RV C_GetInterfaceList(CK_INTERFACE_PTR list, CK_ULONG_PTR count);
EXPORT CK_RV C_GetInterface(CK_UTF8CHAR_PTR name, CK_VERSION_PTR version,
                            CK_INTERFACE_PTR_PTR out, CK_FLAGS flags);

static CK_FUNCTION_LIST function_list_2_40 = {
    .version = { 2, 40 },
    MYNA_FUNCTIONS_2_40,
};

static CK_FUNCTION_LIST_3_0 function_list_3_0 = {
    .version = { 3, 0 },
    MYNA_FUNCTIONS_2_40,
    .C_GetInterfaceList = C_GetInterfaceList,
    .C_GetInterface = C_GetInterface,
    .C_LoginUser = mod_C_LoginUser,
    .C_SessionCancel = mod_C_SessionCancel,
    .C_MessageEncryptInit = message_init,
    .C_EncryptMessage = crypt_message,
    .C_EncryptMessageBegin = crypt_message_begin,
    .C_EncryptMessageNext = crypt_message_next,
    .C_MessageEncryptFinal = message_final,
    .C_MessageDecryptInit = message_init,
    .C_DecryptMessage = crypt_message,
    .C_DecryptMessageBegin = crypt_message_begin,
    .C_DecryptMessageNext = crypt_message_next,
    .C_MessageDecryptFinal = message_final,
    .C_MessageSignInit = message_init,
    .C_SignMessage = sign_message,
    .C_SignMessageBegin = message_begin,
    .C_SignMessageNext = sign_message,
    .C_MessageSignFinal = message_final,
    .C_MessageVerifyInit = message_init,
    .C_VerifyMessage = verify_message,
    .C_VerifyMessageBegin = message_begin,
    .C_VerifyMessageNext = verify_message,
    .C_MessageVerifyFinal = message_final,
};

static CK_INTERFACE interfaces[] = {
    { (CK_CHAR *)"PKCS 11", &function_list_3_0, 0 },
    { (CK_CHAR *)"PKCS 11", &function_list_2_40, 0 },
};
#define N_INTERFACES (sizeof(interfaces) / sizeof(interfaces[0]))

/* The 2.40 table: what every PKCS#11 2.x consumer expects here. */
EXPORT CK_RV
C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list)
{
    if (list == NULL)
        return CKR_ARGUMENTS_BAD;
    *list = &function_list_2_40;
    return CKR_OK;
}

EXPORT CK_RV
C_GetInterfaceList(CK_INTERFACE_PTR list, CK_ULONG_PTR count)
{
    CK_RV rv = CKR_OK;

    if (count == NULL)
        return CKR_ARGUMENTS_BAD;
    if (list != NULL && *count < N_INTERFACES)
        rv = CKR_BUFFER_TOO_SMALL;
    else if (list != NULL)
        memcpy(list, interfaces, sizeof(interfaces));
    *count = N_INTERFACES;
    return rv;
}

/* §5.4 C_GetInterface: NULL name or version means "the default", the
 * first (3.0) interface; flags must all be offered by the interface. */
EXPORT CK_RV
C_GetInterface(CK_UTF8CHAR_PTR name, CK_VERSION_PTR version,
               CK_INTERFACE_PTR_PTR out, CK_FLAGS flags)
{
    if (out == NULL)
        return CKR_ARGUMENTS_BAD;
    for (size_t i = 0; i < N_INTERFACES; i++) {
        const CK_VERSION *v = interfaces[i].pFunctionList;

        if (name != NULL && strcmp((const char *)name,
                                   (const char *)interfaces[i].pInterfaceName))
            continue;
        if (version != NULL &&
            (version->major != v->major || version->minor != v->minor))
            continue;
        if ((flags & interfaces[i].flags) != flags)
            continue;
        *out = &interfaces[i];
        return CKR_OK;
    }
    return CKR_ARGUMENTS_BAD;
}
