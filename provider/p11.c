/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * PKCS#11 consumer: module loading (base spec §5.4 C_GetInterface, §5.2
 * C_GetFunctionList), C_Initialize with CKF_OS_LOCKING_OK (§5.4), token
 * matching against RFC 7512 URI attributes, object search (§5.7) and a
 * session pool of one session per slot.
 */
#include "config.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "errors.h"
#include "p11.h"

struct pooled {
    CK_SLOT_ID slot;
    CK_SESSION_HANDLE session;
};

struct myna_p11 {
    void *dl;
    CK_FUNCTION_LIST *fn;
    pthread_mutex_t lock;
    struct pooled *pool;
    size_t npool;
    unsigned int generation;
    bool finalize; /* we initialised it: C_Finalize it at the end */
    bool done;     /* finalised at exit: do not call the module again */
    pid_t pid;     /* the process that initialised it */
    int debug;
    struct myna_p11 *next_live;
};

/*
 * Modules loaded and not yet freed.  OpenSSL tears providers down from its
 * own atexit handler (OPENSSL_cleanup), which runs after the destructors of
 * modules loaded later (softhsm2's C++ singletons): C_CloseSession then
 * crashes.  Our handler, registered after the first C_Initialize, runs
 * before those destructors and finalises the modules there; atexit from a
 * shared object is tied to it (__cxa_atexit), so a dlclose'd provider
 * leaves no dangling handler.
 */
static pthread_mutex_t live_lock = PTHREAD_MUTEX_INITIALIZER;
static struct myna_p11 *live;
static pthread_once_t atexit_once = PTHREAD_ONCE_INIT;

static void
finalize_now(struct myna_p11 *p)
{
    size_t i;

    /* Never in a child that did not initialise it: the parent owns it. */
    if (p->fn == NULL || p->done || p->pid != getpid())
        return;
    for (i = 0; i < p->npool; i++)
        p->fn->C_CloseSession(p->pool[i].session);
    p->npool = 0;
    /* Finalise once, and only what we initialised (§5.4). */
    if (p->finalize)
        p->fn->C_Finalize(NULL);
    p->done = true;
}

static void
at_exit(void)
{
    struct myna_p11 *p;

    pthread_mutex_lock(&live_lock);
    for (p = live; p != NULL; p = p->next_live)
        finalize_now(p);
    pthread_mutex_unlock(&live_lock);
}

static void
register_at_exit(void)
{
    atexit(at_exit);
}

static void
live_add(struct myna_p11 *p)
{
    pthread_mutex_lock(&live_lock);
    p->next_live = live;
    live = p;
    pthread_mutex_unlock(&live_lock);
    pthread_once(&atexit_once, register_at_exit);
}

static void
live_remove(struct myna_p11 *p)
{
    struct myna_p11 **pp;

    pthread_mutex_lock(&live_lock);
    for (pp = &live; *pp != NULL; pp = &(*pp)->next_live) {
        if (*pp == p) {
            *pp = p->next_live;
            break;
        }
    }
    pthread_mutex_unlock(&live_lock);
}

static CK_RV
initialize(struct myna_p11 *p)
{
    CK_C_INITIALIZE_ARGS args;
    CK_RV rv;

    memset(&args, 0, sizeof(args));
    args.flags = CKF_OS_LOCKING_OK;
    rv = p->fn->C_Initialize(&args);
    /* Another user in this process initialised it (§5.4): share it. */
    p->finalize = rv == CKR_OK;
    p->pid = getpid();
    if (rv == CKR_CRYPTOKI_ALREADY_INITIALIZED)
        rv = CKR_OK;
    return rv;
}

/*
 * PKCS#11 3.0 §5.4: C_GetInterface("PKCS 11", NULL) gives the default
 * interface; a 2.x module only has C_GetFunctionList.  The 3.0 function
 * list begins with the 2.40 one, so fn points at either.
 */
static int
get_functions(struct myna_p11 *p, const char *path)
{
    CK_C_GetInterface get_interface;
    CK_C_GetFunctionList get_list;
    CK_INTERFACE_PTR iface = NULL;
    CK_RV rv;

    *(void **)&get_interface = dlsym(p->dl, "C_GetInterface");
    if (get_interface != NULL) {
        rv = get_interface((CK_UTF8CHAR_PTR) "PKCS 11", NULL, &iface, 0);
        if (rv == CKR_OK && iface != NULL && iface->pFunctionList != NULL) {
            p->fn = iface->pFunctionList;
            return 1;
        }
    }
    *(void **)&get_list = dlsym(p->dl, "C_GetFunctionList");
    if (get_list == NULL) {
        MYNA_RAISE(MYNA_R_MODULE_LOAD, "%s: no C_GetFunctionList", path);
        return 0;
    }
    rv = get_list(&p->fn);
    if (rv != CKR_OK || p->fn == NULL) {
        MYNA_RAISE_RV(rv, "C_GetFunctionList");
        return 0;
    }
    return 1;
}

struct myna_p11 *
myna_p11_load(const char *path, int debug)
{
    struct myna_p11 *p;
    CK_RV rv;

    p = OPENSSL_zalloc(sizeof(*p));
    if (p == NULL) {
        MYNA_RAISE(MYNA_R_MALLOC, NULL);
        return NULL;
    }
    p->debug = debug;
    pthread_mutex_init(&p->lock, NULL);
    p->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (p->dl == NULL) {
        MYNA_RAISE(MYNA_R_MODULE_LOAD, "%s", dlerror());
        goto err;
    }
    if (!get_functions(p, path))
        goto err;
    rv = initialize(p);
    if (rv != CKR_OK) {
        MYNA_RAISE_RV(rv, "C_Initialize");
        goto err;
    }
    live_add(p);
    return p;
err:
    myna_p11_free(p);
    return NULL;
}

void
myna_p11_free(struct myna_p11 *p)
{
    if (p == NULL)
        return;
    live_remove(p);
    finalize_now(p);
    if (p->dl != NULL)
        dlclose(p->dl);
    OPENSSL_free(p->pool);
    pthread_mutex_destroy(&p->lock);
    OPENSSL_free(p);
}

int
myna_p11_after_fork(struct myna_p11 *p)
{
    CK_RV rv;

    /* The parent's sessions are not ours: forget them, do not close. */
    OPENSSL_free(p->pool);
    p->pool = NULL;
    p->npool = 0;
    pthread_mutex_init(&p->lock, NULL);
    p->generation++;
    rv = initialize(p);
    if (rv == CKR_OK && !p->finalize) {
        /* A module that does not notice the fork (§5.4 note). */
        p->fn->C_Finalize(NULL);
        rv = initialize(p);
    }
    if (rv != CKR_OK) {
        MYNA_RAISE_RV(rv, "C_Initialize after fork");
        return 0;
    }
    return 1;
}

unsigned int
myna_p11_generation(const struct myna_p11 *p)
{
    return p->generation;
}

CK_FUNCTION_LIST *
myna_p11_fn(const struct myna_p11 *p)
{
    return p->fn;
}

/* RFC 7512 §2.3: compare a URI value to a space-padded CK_UTF8CHAR field. */
static bool
field_eq(const char *want, const CK_UTF8CHAR *field, size_t size)
{
    size_t len = size;

    if (want == NULL)
        return true;
    while (len > 0 && field[len - 1] == ' ')
        len--;
    return strlen(want) == len && memcmp(want, field, len) == 0;
}

static bool
slot_matches(struct myna_p11 *p, CK_SLOT_ID id, const struct myna_uri *u)
{
    CK_SLOT_INFO si;
    CK_TOKEN_INFO ti;

    if (u == NULL)
        return true;
    if (u->has_slot_id && u->slot_id != id)
        return false;
    if (u->slot_description != NULL || u->slot_manufacturer != NULL) {
        if (p->fn->C_GetSlotInfo(id, &si) != CKR_OK)
            return false;
        if (!field_eq(u->slot_description, si.slotDescription,
                      sizeof(si.slotDescription)) ||
            !field_eq(u->slot_manufacturer, si.manufacturerID,
                      sizeof(si.manufacturerID)))
            return false;
    }
    if (p->fn->C_GetTokenInfo(id, &ti) != CKR_OK)
        return false;
    return field_eq(u->token, ti.label, sizeof(ti.label)) &&
           field_eq(u->manufacturer, ti.manufacturerID,
                    sizeof(ti.manufacturerID)) &&
           field_eq(u->serial, ti.serialNumber, sizeof(ti.serialNumber)) &&
           field_eq(u->model, ti.model, sizeof(ti.model));
}

int
myna_p11_match_slots(struct myna_p11 *p, const struct myna_uri *u,
                     CK_SLOT_ID **slots, size_t *n)
{
    CK_SLOT_ID *list = NULL;
    CK_ULONG count = 0, i;
    size_t k = 0;
    CK_RV rv;

    *slots = NULL;
    *n = 0;
    rv = p->fn->C_GetSlotList(CK_TRUE, NULL, &count);
    if (rv != CKR_OK) {
        MYNA_RAISE_RV(rv, "C_GetSlotList");
        return 0;
    }
    if (count == 0)
        return 1;
    list = OPENSSL_malloc(count * sizeof(*list));
    if (list == NULL) {
        MYNA_RAISE(MYNA_R_MALLOC, NULL);
        return 0;
    }
    rv = p->fn->C_GetSlotList(CK_TRUE, list, &count);
    if (rv != CKR_OK) {
        OPENSSL_free(list);
        MYNA_RAISE_RV(rv, "C_GetSlotList");
        return 0;
    }
    for (i = 0; i < count; i++)
        if (slot_matches(p, list[i], u))
            list[k++] = list[i];
    *slots = list;
    *n = k;
    return 1;
}

static struct pooled *
pool_find(struct myna_p11 *p, CK_SLOT_ID slot)
{
    size_t i;

    for (i = 0; i < p->npool; i++)
        if (p->pool[i].slot == slot)
            return &p->pool[i];
    return NULL;
}

static CK_RV
open_session(struct myna_p11 *p, CK_SLOT_ID slot, CK_SESSION_HANDLE *s)
{
    CK_RV rv;

    /* RW if the token allows it, else RO (base §5.6 C_OpenSession). */
    rv = p->fn->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL,
                              NULL, s);
    if (rv == CKR_TOKEN_WRITE_PROTECTED)
        rv = p->fn->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, s);
    return rv;
}

int
myna_p11_session_get(struct myna_p11 *p, CK_SLOT_ID slot,
                     CK_SESSION_HANDLE *session)
{
    struct pooled *e, *grown;
    CK_SESSION_HANDLE s;
    CK_RV rv;

    pthread_mutex_lock(&p->lock);
    e = pool_find(p, slot);
    if (e != NULL) {
        *session = e->session;
        return 1;
    }
    rv = open_session(p, slot, &s);
    if (rv != CKR_OK) {
        pthread_mutex_unlock(&p->lock);
        MYNA_RAISE_RV(rv, "C_OpenSession");
        return 0;
    }
    grown = OPENSSL_realloc(p->pool, (p->npool + 1) * sizeof(*grown));
    if (grown == NULL) {
        p->fn->C_CloseSession(s);
        pthread_mutex_unlock(&p->lock);
        MYNA_RAISE(MYNA_R_MALLOC, NULL);
        return 0;
    }
    p->pool = grown;
    p->pool[p->npool].slot = slot;
    p->pool[p->npool].session = s;
    p->npool++;
    *session = s;
    return 1;
}

void
myna_p11_session_put(struct myna_p11 *p, CK_SLOT_ID slot, CK_RV rv)
{
    struct pooled *e;

    if (rv == CKR_SESSION_HANDLE_INVALID || rv == CKR_SESSION_CLOSED ||
        rv == CKR_DEVICE_REMOVED || rv == CKR_TOKEN_NOT_PRESENT) {
        e = pool_find(p, slot);
        if (e != NULL) {
            *e = p->pool[p->npool - 1];
            p->npool--;
        }
    }
    pthread_mutex_unlock(&p->lock);
}

int
myna_p11_find(struct myna_p11 *p, CK_SESSION_HANDLE s, CK_ATTRIBUTE *tmpl,
              CK_ULONG ntmpl, CK_OBJECT_HANDLE **objs, size_t *n)
{
    CK_OBJECT_HANDLE *list = NULL, *grown;
    CK_ULONG got = 0;
    size_t cap = 0, k = 0;
    CK_RV rv;

    *objs = NULL;
    *n = 0;
    rv = p->fn->C_FindObjectsInit(s, tmpl, ntmpl);
    if (rv != CKR_OK) {
        MYNA_RAISE_RV(rv, "C_FindObjectsInit");
        return 0;
    }
    do {
        if (k == cap) {
            cap = cap == 0 ? 16 : cap * 2;
            grown = OPENSSL_realloc(list, cap * sizeof(*list));
            if (grown == NULL) {
                rv = CKR_HOST_MEMORY;
                break;
            }
            list = grown;
        }
        rv = p->fn->C_FindObjects(s, list + k, (CK_ULONG)(cap - k), &got);
        if (rv != CKR_OK)
            break;
        k += got;
    } while (got > 0);
    p->fn->C_FindObjectsFinal(s);
    if (rv != CKR_OK) {
        OPENSSL_free(list);
        MYNA_RAISE_RV(rv, "C_FindObjects");
        return 0;
    }
    *objs = list;
    *n = k;
    return 1;
}

int
myna_p11_attr(struct myna_p11 *p, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o,
              CK_ATTRIBUTE_TYPE type, unsigned char **val, size_t *len)
{
    CK_ATTRIBUTE a = { type, NULL, 0 };
    CK_RV rv;

    *val = NULL;
    *len = 0;
    rv = p->fn->C_GetAttributeValue(s, o, &a, 1);
    if (rv == CKR_ATTRIBUTE_TYPE_INVALID || rv == CKR_ATTRIBUTE_SENSITIVE ||
        (rv == CKR_OK && a.ulValueLen == CK_UNAVAILABLE_INFORMATION))
        return 1;
    if (rv != CKR_OK) {
        MYNA_RAISE_RV(rv, "C_GetAttributeValue");
        return 0;
    }
    a.pValue = OPENSSL_malloc(a.ulValueLen > 0 ? a.ulValueLen : 1);
    if (a.pValue == NULL) {
        MYNA_RAISE(MYNA_R_MALLOC, NULL);
        return 0;
    }
    rv = p->fn->C_GetAttributeValue(s, o, &a, 1);
    if (rv != CKR_OK) {
        OPENSSL_free(a.pValue);
        MYNA_RAISE_RV(rv, "C_GetAttributeValue");
        return 0;
    }
    *val = a.pValue;
    *len = a.ulValueLen;
    return 1;
}

int
myna_p11_attr_ulong(struct myna_p11 *p, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o,
                    CK_ATTRIBUTE_TYPE type, CK_ULONG *val)
{
    CK_ATTRIBUTE a = { type, val, sizeof(*val) };
    CK_RV rv;

    rv = p->fn->C_GetAttributeValue(s, o, &a, 1);
    if (rv != CKR_OK) {
        MYNA_RAISE_RV(rv, "C_GetAttributeValue");
        return 0;
    }
    return 1;
}

bool
myna_p11_has_mech(struct myna_p11 *p, CK_SLOT_ID slot, CK_MECHANISM_TYPE mech)
{
    CK_MECHANISM_INFO info;

    /* Base §5.5: C_GetMechanismInfo fails with CKR_MECHANISM_INVALID. */
    return p->fn->C_GetMechanismInfo(slot, mech, &info) == CKR_OK &&
           (info.flags & CKF_SIGN) != 0;
}
