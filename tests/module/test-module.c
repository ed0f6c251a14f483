/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tests/module/test-module.c - the PKCS#11 API contract of myna-pkcs11.so
 * through the real stack (dlopen, pcscd, vpcd, myna-vcard).
 *
 *   test-module          the cmocka suite (needs a card in the reader)
 *   test-module repl     one command per stdin line, one result line per
 *                        command ("<command> <CKR_NAME> [detail]"), for
 *                        the card removal, swap, pcscd restart and slot
 *                        event scenarios that tests/module/test-module.sh
 *                        scripts around the virtual card
 *
 * Environment: MYNA_PKCS11_MODULE (the module, required),
 * MYNA_TEST_AUTH_PIN / MYNA_TEST_SIGN_PIN (test secrets of the virtual
 * card, default 1234 / ABC123), MYNA_TEST_SERIAL (the card's serial
 * number as `myna-vcard status' tells it; checked when set),
 * MYNA_TEST_FILTER / MYNA_TEST_SKIP (cmocka name patterns: run only the
 * matching tests / skip them, e.g. test_fork under valgrind).
 *
 * Section numbers (§) refer to the PKCS#11 v3.0 base specification.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "pkcs11-3.h"

#define AUTH_LABEL "JPKI User Authentication"
#define SIGN_LABEL "JPKI Digital Signature"
#define SIG_LEN 256
#define BAD_SESSION ((CK_SESSION_HANDLE)0x7fff1234UL)
#define BAD_SLOT ((CK_SLOT_ID)4242)
#define MAX_OBJS 16

static void *module;
static CK_FUNCTION_LIST_3_0 *F; /* the 3.0 table, from C_GetInterface */
static CK_C_GetFunctionList get_function_list;
static CK_C_GetInterfaceList get_interface_list;
static CK_C_GetInterface get_interface;
static const char *auth_pin = "1234";
static const char *sign_pin = "ABC123";

/* ------------------------------------------------------------------ */
/* CK_RV names                                                        */
/* ------------------------------------------------------------------ */

#define RV(x)                                                                  \
    {                                                                          \
        x, #x                                                                  \
    }
static const struct {
    CK_RV rv;
    const char *name;
} rv_names[] = {
    RV(CKR_OK),
    RV(CKR_CANCEL),
    RV(CKR_HOST_MEMORY),
    RV(CKR_SLOT_ID_INVALID),
    RV(CKR_GENERAL_ERROR),
    RV(CKR_FUNCTION_FAILED),
    RV(CKR_ARGUMENTS_BAD),
    RV(CKR_NO_EVENT),
    RV(CKR_NEED_TO_CREATE_THREADS),
    RV(CKR_CANT_LOCK),
    RV(CKR_ATTRIBUTE_READ_ONLY),
    RV(CKR_ATTRIBUTE_SENSITIVE),
    RV(CKR_ATTRIBUTE_TYPE_INVALID),
    RV(CKR_ATTRIBUTE_VALUE_INVALID),
    RV(CKR_ACTION_PROHIBITED),
    RV(CKR_DATA_INVALID),
    RV(CKR_DATA_LEN_RANGE),
    RV(CKR_DEVICE_ERROR),
    RV(CKR_DEVICE_MEMORY),
    RV(CKR_DEVICE_REMOVED),
    RV(CKR_FUNCTION_CANCELED),
    RV(CKR_FUNCTION_NOT_PARALLEL),
    RV(CKR_FUNCTION_NOT_SUPPORTED),
    RV(CKR_KEY_HANDLE_INVALID),
    RV(CKR_KEY_FUNCTION_NOT_PERMITTED),
    RV(CKR_MECHANISM_INVALID),
    RV(CKR_MECHANISM_PARAM_INVALID),
    RV(CKR_OBJECT_HANDLE_INVALID),
    RV(CKR_OPERATION_ACTIVE),
    RV(CKR_OPERATION_NOT_INITIALIZED),
    RV(CKR_PIN_INCORRECT),
    RV(CKR_PIN_INVALID),
    RV(CKR_PIN_LEN_RANGE),
    RV(CKR_PIN_LOCKED),
    RV(CKR_SESSION_CLOSED),
    RV(CKR_SESSION_COUNT),
    RV(CKR_SESSION_HANDLE_INVALID),
    RV(CKR_SESSION_PARALLEL_NOT_SUPPORTED),
    RV(CKR_SESSION_READ_ONLY),
    RV(CKR_SESSION_EXISTS),
    RV(CKR_TEMPLATE_INCOMPLETE),
    RV(CKR_TEMPLATE_INCONSISTENT),
    RV(CKR_TOKEN_NOT_PRESENT),
    RV(CKR_TOKEN_NOT_RECOGNIZED),
    RV(CKR_TOKEN_WRITE_PROTECTED),
    RV(CKR_USER_ALREADY_LOGGED_IN),
    RV(CKR_USER_NOT_LOGGED_IN),
    RV(CKR_USER_PIN_NOT_INITIALIZED),
    RV(CKR_USER_TYPE_INVALID),
    RV(CKR_RANDOM_SEED_NOT_SUPPORTED),
    RV(CKR_RANDOM_NO_RNG),
    RV(CKR_BUFFER_TOO_SMALL),
    RV(CKR_CRYPTOKI_NOT_INITIALIZED),
    RV(CKR_CRYPTOKI_ALREADY_INITIALIZED),
    RV(CKR_FUNCTION_REJECTED),
};

static const char *
rv_name(CK_RV rv)
{
    static _Thread_local char buf[32];

    for (size_t i = 0; i < sizeof(rv_names) / sizeof(rv_names[0]); i++)
        if (rv_names[i].rv == rv)
            return rv_names[i].name;
    snprintf(buf, sizeof(buf), "CKR_0x%08lx", (unsigned long)rv);
    return buf;
}

/* ------------------------------------------------------------------ */
/* Assertions with CK_RV names                                        */
/* ------------------------------------------------------------------ */

static void
rv_fail(const char *what, CK_RV got, const char *want, const char *file,
        int line)
{
    print_error("%s:%d: %s returned %s, expected %s\n", file, line, what,
                rv_name(got), want);
    _fail(file, line);
}

/* assert_rv(EXPECTED, CALL): the call returned exactly EXPECTED. */
#define assert_rv(want, call)                                                  \
    do {                                                                       \
        CK_RV rv_got_ = (call);                                                \
        if (rv_got_ != (CK_RV)(want))                                          \
            rv_fail(#call, rv_got_, #want, __FILE__, __LINE__);                \
    } while (0)

/* assert_rv2(A, B, CALL): either of two answers the spec allows. */
#define assert_rv2(a, b, call)                                                 \
    do {                                                                       \
        CK_RV rv_got_ = (call);                                                \
        if (rv_got_ != (CK_RV)(a) && rv_got_ != (CK_RV)(b))                    \
            rv_fail(#call, rv_got_, #a " or " #b, __FILE__, __LINE__);         \
    } while (0)

/* ------------------------------------------------------------------ */
/* Helpers (return CK_RV; no assertions, usable from any thread)      */
/* ------------------------------------------------------------------ */

static bool
padded_eq(const CK_UTF8CHAR *field, size_t len, const char *s)
{
    size_t n = strlen(s);

    if (n > len || memcmp(field, s, n) != 0)
        return false;
    for (size_t i = n; i < len; i++)
        if (field[i] != ' ')
            return false;
    return true;
}

/* The slot of the token labelled label (§5.5.1, §5.5.3). */
static CK_RV
slot_of(const char *label, CK_SLOT_ID *out)
{
    CK_SLOT_ID slots[32];
    CK_ULONG n = 32;
    CK_TOKEN_INFO ti;
    CK_RV rv = F->C_GetSlotList(CK_TRUE, slots, &n);

    if (rv != CKR_OK)
        return rv;
    for (CK_ULONG i = 0; i < n; i++) {
        rv = F->C_GetTokenInfo(slots[i], &ti);
        if (rv == CKR_OK && padded_eq(ti.label, sizeof(ti.label), label)) {
            *out = slots[i];
            return CKR_OK;
        }
    }
    return CKR_TOKEN_NOT_PRESENT;
}

static CK_RV
find_objects(CK_SESSION_HANDLE s, CK_ATTRIBUTE *tmpl, CK_ULONG count,
             CK_OBJECT_HANDLE *out, CK_ULONG *n)
{
    CK_RV rv = F->C_FindObjectsInit(s, tmpl, count);

    *n = 0;
    if (rv != CKR_OK)
        return rv;
    rv = F->C_FindObjects(s, out, MAX_OBJS, n);
    if (rv != CKR_OK) {
        (void)F->C_FindObjectsFinal(s);
        return rv;
    }
    return F->C_FindObjectsFinal(s);
}

/* The one object of class cls (and CKA_ID id when id is not 0). */
static CK_RV
find_one(CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls, CK_BYTE id,
         CK_OBJECT_HANDLE *out)
{
    CK_ATTRIBUTE t[] = {
        { CKA_CLASS, &cls, sizeof(cls) },
        { CKA_ID, &id, 1 },
    };
    CK_OBJECT_HANDLE found[MAX_OBJS];
    CK_ULONG n;
    CK_RV rv = find_objects(s, t, id != 0 ? 2 : 1, found, &n);

    if (rv != CKR_OK)
        return rv;
    if (n != 1)
        return CKR_OBJECT_HANDLE_INVALID;
    *out = found[0];
    return CKR_OK;
}

/* One attribute's value in a new buffer (free()), per §5.7.5 in two
 * steps: length, then value. */
static CK_RV
get_attr(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type,
         uint8_t **val, CK_ULONG *len)
{
    CK_ATTRIBUTE a = { type, NULL, 0 };
    CK_RV rv = F->C_GetAttributeValue(s, o, &a, 1);

    *val = NULL;
    *len = 0;
    if (rv != CKR_OK)
        return rv;
    a.pValue = malloc(a.ulValueLen + 1);
    if (a.pValue == NULL)
        return CKR_HOST_MEMORY;
    rv = F->C_GetAttributeValue(s, o, &a, 1);
    if (rv != CKR_OK) {
        free(a.pValue);
        return rv;
    }
    *val = a.pValue;
    *len = a.ulValueLen;
    return CKR_OK;
}

static CK_RV
get_ulong(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type,
          CK_ULONG *v)
{
    CK_ATTRIBUTE a = { type, v, sizeof(*v) };

    return F->C_GetAttributeValue(s, o, &a, 1);
}

static CK_RV
get_bool(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type,
         CK_BBOOL *v)
{
    CK_ATTRIBUTE a = { type, v, sizeof(*v) };

    return F->C_GetAttributeValue(s, o, &a, 1);
}

static EVP_PKEY *
pkey_of_der(const uint8_t *der, size_t len)
{
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)len);
    EVP_PKEY *k = x != NULL ? X509_get_pubkey(x) : NULL;

    X509_free(x);
    return k;
}

/* The public key of the certificate with CKA_ID id, read through
 * C_GetAttributeValue(CKA_VALUE); NULL on any failure. */
static EVP_PKEY *
cert_pkey(CK_SESSION_HANDLE s, CK_BYTE id, CK_RV *rvp)
{
    CK_OBJECT_HANDLE cert;
    uint8_t *der = NULL;
    CK_ULONG len = 0;
    EVP_PKEY *k = NULL;
    CK_RV rv = find_one(s, CKO_CERTIFICATE, id, &cert);

    if (rv == CKR_OK)
        rv = get_attr(s, cert, CKA_VALUE, &der, &len);
    if (rv == CKR_OK) {
        k = pkey_of_der(der, len);
        if (k == NULL)
            rv = CKR_FUNCTION_FAILED;
    }
    free(der);
    if (rvp != NULL)
        *rvp = rv;
    return k;
}

static const EVP_MD *
md_of(CK_MECHANISM_TYPE m)
{
    switch (m) {
    case CKM_SHA1_RSA_PKCS:
        return EVP_sha1();
    case CKM_SHA224_RSA_PKCS:
        return EVP_sha224();
    case CKM_SHA256_RSA_PKCS:
        return EVP_sha256();
    case CKM_SHA384_RSA_PKCS:
        return EVP_sha384();
    case CKM_SHA512_RSA_PKCS:
        return EVP_sha512();
    default:
        return NULL;
    }
}

/* An RSASSA-PKCS1-v1_5 signature over data with md, checked by OpenSSL. */
static bool
verify_sig(EVP_PKEY *k, const EVP_MD *md, const void *data, size_t len,
           const uint8_t *sig, size_t sig_len)
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    bool ok = c != NULL && k != NULL &&
              EVP_DigestVerifyInit(c, NULL, md, NULL, k) == 1 &&
              EVP_DigestVerify(c, sig, sig_len, data, len) == 1;

    EVP_MD_CTX_free(c);
    return ok;
}

static CK_RV
sign_once(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key, CK_MECHANISM_TYPE m,
          const void *data, size_t len, uint8_t *sig, CK_ULONG *sig_len)
{
    CK_MECHANISM mech = { m, NULL, 0 };
    CK_RV rv = F->C_SignInit(s, &mech, key);

    if (rv != CKR_OK)
        return rv;
    *sig_len = SIG_LEN;
    return F->C_Sign(s, (CK_BYTE_PTR)data, len, sig, sig_len);
}

/* An open, logged-in session on a token with its key and certificate. */
struct tok {
    CK_SLOT_ID slot;
    CK_SESSION_HANDLE s;
    CK_OBJECT_HANDLE priv, pub, cert;
    EVP_PKEY *pkey;
};

/* Open a session on the auth (key_id 1) or sign (2) token, log in, find
 * the key pair and certificate.  Asserts. */
static void
tok_open(struct tok *t, CK_BYTE key_id, CK_FLAGS extra)
{
    const char *label = key_id == 1 ? AUTH_LABEL : SIGN_LABEL;
    const char *pin = key_id == 1 ? auth_pin : sign_pin;
    CK_RV rv;

    memset(t, 0, sizeof(*t));
    assert_rv(CKR_OK, slot_of(label, &t->slot));
    assert_rv(CKR_OK, F->C_OpenSession(t->slot, CKF_SERIAL_SESSION | extra,
                                       NULL, NULL, &t->s));
    assert_rv2(CKR_OK, CKR_USER_ALREADY_LOGGED_IN,
               F->C_Login(t->s, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin)));
    assert_rv(CKR_OK, find_one(t->s, CKO_PRIVATE_KEY, key_id, &t->priv));
    assert_rv(CKR_OK, find_one(t->s, CKO_PUBLIC_KEY, key_id, &t->pub));
    assert_rv(CKR_OK, find_one(t->s, CKO_CERTIFICATE, key_id, &t->cert));
    t->pkey = cert_pkey(t->s, key_id, &rv);
    assert_rv(CKR_OK, rv);
    assert_non_null(t->pkey);
}

static void
tok_close(struct tok *t)
{
    EVP_PKEY_free(t->pkey);
    t->pkey = NULL;
}

/* ------------------------------------------------------------------ */
/* Fixtures                                                           */
/* ------------------------------------------------------------------ */

static int
setup_init(void **state)
{
    (void)state;
    return F->C_Initialize(NULL) == CKR_OK ? 0 : -1;
}

static int
teardown_fin(void **state)
{
    CK_RV rv = F->C_Finalize(NULL);

    (void)state;
    return rv == CKR_OK || rv == CKR_CRYPTOKI_NOT_INITIALIZED ? 0 : -1;
}

/* ------------------------------------------------------------------ */
/* §5.4 General-purpose functions                                     */
/* ------------------------------------------------------------------ */

static CK_RV
mx_create(CK_VOID_PTR_PTR m)
{
    *m = NULL;
    return CKR_OK;
}

static CK_RV
mx_other(CK_VOID_PTR m)
{
    (void)m;
    return CKR_OK;
}

/* §5.4.1 C_Initialize: the CK_C_INITIALIZE_ARGS cases. */
static void
test_initialize_matrix(void **state)
{
    CK_C_INITIALIZE_ARGS a;
    int dummy = 0;

    (void)state;
    assert_rv(CKR_OK, F->C_Initialize(NULL));
    assert_rv(CKR_CRYPTOKI_ALREADY_INITIALIZED, F->C_Initialize(NULL));
    assert_rv(CKR_ARGUMENTS_BAD, F->C_Finalize(&dummy));
    assert_rv(CKR_OK, F->C_Finalize(NULL));
    assert_rv(CKR_CRYPTOKI_NOT_INITIALIZED, F->C_Finalize(NULL));

    /* No callbacks, OS locking allowed. */
    memset(&a, 0, sizeof(a));
    a.flags = CKF_OS_LOCKING_OK;
    assert_rv(CKR_OK, F->C_Initialize(&a));
    assert_rv(CKR_CRYPTOKI_ALREADY_INITIALIZED, F->C_Initialize(&a));
    assert_rv(CKR_OK, F->C_Finalize(NULL));

    /* No callbacks, no flag: the application does not use threads. */
    memset(&a, 0, sizeof(a));
    assert_rv(CKR_OK, F->C_Initialize(&a));
    assert_rv(CKR_OK, F->C_Finalize(NULL));

    /* All four callbacks and no CKF_OS_LOCKING_OK: the library must use
     * them, which it cannot. */
    memset(&a, 0, sizeof(a));
    a.CreateMutex = mx_create;
    a.DestroyMutex = mx_other;
    a.LockMutex = mx_other;
    a.UnlockMutex = mx_other;
    assert_rv(CKR_CANT_LOCK, F->C_Initialize(&a));
    assert_rv(CKR_CRYPTOKI_NOT_INITIALIZED, F->C_Finalize(NULL));

    /* All four callbacks and the flag: either locking may be used. */
    a.flags = CKF_OS_LOCKING_OK;
    assert_rv(CKR_OK, F->C_Initialize(&a));
    assert_rv(CKR_OK, F->C_Finalize(NULL));

    /* Some but not all callbacks. */
    for (int missing = 0; missing < 4; missing++) {
        memset(&a, 0, sizeof(a));
        a.flags = missing % 2 ? CKF_OS_LOCKING_OK : 0;
        a.CreateMutex = missing == 0 ? NULL : mx_create;
        a.DestroyMutex = missing == 1 ? NULL : mx_other;
        a.LockMutex = missing == 2 ? NULL : mx_other;
        a.UnlockMutex = missing == 3 ? NULL : mx_other;
        assert_rv(CKR_ARGUMENTS_BAD, F->C_Initialize(&a));
    }
    memset(&a, 0, sizeof(a));
    a.LockMutex = mx_other;
    assert_rv(CKR_ARGUMENTS_BAD, F->C_Initialize(&a));

    /* pReserved must be NULL. */
    memset(&a, 0, sizeof(a));
    a.flags = CKF_OS_LOCKING_OK;
    a.pReserved = &dummy;
    assert_rv(CKR_ARGUMENTS_BAD, F->C_Initialize(&a));
    assert_rv(CKR_CRYPTOKI_NOT_INITIALIZED, F->C_Finalize(NULL));

    /* Re-initialisation after C_Finalize works, and the module works. */
    for (int i = 0; i < 3; i++) {
        CK_ULONG n = 0;

        assert_rv(CKR_OK, F->C_Initialize(NULL));
        assert_rv(CKR_OK, F->C_GetSlotList(CK_TRUE, NULL, &n));
        assert_true(n >= 2);
        assert_rv(CKR_OK, F->C_Finalize(NULL));
    }
}

/* §5.1: every function but the interface ones answers
 * CKR_CRYPTOKI_NOT_INITIALIZED before C_Initialize and after
 * C_Finalize. */
static void
test_not_initialized(void **state)
{
    CK_INFO info;
    CK_SLOT_ID slots[8];
    CK_ULONG n = 8;
    CK_SLOT_INFO si;
    CK_TOKEN_INFO ti;
    CK_MECHANISM_TYPE mechs[16];
    CK_MECHANISM_INFO mi;
    CK_SESSION_HANDLE s;
    CK_SESSION_INFO sinfo;
    CK_SLOT_ID slot;
    CK_BYTE buf[SIG_LEN];
    CK_ULONG len = sizeof(buf);
    CK_MECHANISM m = { CKM_SHA256_RSA_PKCS, NULL, 0 };
    CK_OBJECT_HANDLE objs[4];

    (void)state;
    for (int round = 0; round < 2; round++) {
        if (round == 1) {
            assert_rv(CKR_OK, F->C_Initialize(NULL));
            assert_rv(CKR_OK, F->C_Finalize(NULL));
        }
        assert_rv(CKR_CRYPTOKI_NOT_INITIALIZED, F->C_GetInfo(&info));
        assert_rv(CKR_CRYPTOKI_NOT_INITIALIZED, F->C_Finalize(NULL));
        assert_rv(CKR_CRYPTOKI_NOT_INITIALIZED,
                  F->C_GetSlotList(CK_FALSE, slots, &n));
        assert_rv(CKR_CRYPTOKI_NOT_INITIALIZED, F->C_GetSlotInfo(0, &si));
        assert_rv(CKR_CRYPTOKI_NOT_INITIALIZED, F->C_GetTokenInfo(0, &ti));
        n = 16;
        assert_rv(CKR_CRYPTOKI_NOT_INITIALIZED,
                  F->C_GetMechanismList(0, mechs, &n));
        assert_rv(CKR_CRYPTOKI_NOT_INITIALIZED,
                  F->C_GetMechanismInfo(0, CKM_RSA_PKCS, &mi));
        assert_rv(CKR_CRYPTOKI_NOT_INITIALIZED,
                  F->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &s));
        assert_rv(CKR_CRYPTOKI_NOT_INITIALIZED, F->C_CloseSession(1));
        assert_rv(CKR_CRYPTOKI_NOT_INITIALIZED, F->C_CloseAllSessions(0));
        assert_rv(CKR_CRYPTOKI_NOT_INITIALIZED, F->C_GetSessionInfo(1, &sinfo));
        assert_rv(CKR_CRYPTOKI_NOT_INITIALIZED,
                  F->C_Login(1, CKU_USER, (CK_UTF8CHAR_PTR) "1234", 4));
        assert_rv(CKR_CRYPTOKI_NOT_INITIALIZED, F->C_Logout(1));
        assert_rv(CKR_CRYPTOKI_NOT_INITIALIZED,
                  F->C_FindObjectsInit(1, NULL, 0));
        assert_rv(CKR_CRYPTOKI_NOT_INITIALIZED,
                  F->C_FindObjects(1, objs, 4, &n));
        assert_rv(CKR_CRYPTOKI_NOT_INITIALIZED, F->C_SignInit(1, &m, 1));
        assert_rv(CKR_CRYPTOKI_NOT_INITIALIZED,
                  F->C_Sign(1, buf, 4, buf, &len));
        assert_rv(CKR_CRYPTOKI_NOT_INITIALIZED,
                  F->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, NULL));
        assert_rv(CKR_CRYPTOKI_NOT_INITIALIZED, F->C_GenerateRandom(1, buf, 4));
        assert_rv(CKR_CRYPTOKI_NOT_INITIALIZED, F->C_SessionCancel(1, 0));
    }
}

/* §5.4.4-§5.4.6: the interface functions work without C_Initialize. */
static void
test_interfaces(void **state)
{
    CK_INTERFACE list[4], *ifc = NULL;
    CK_ULONG n = 0;
    CK_VERSION v30 = { 3, 0 }, v240 = { 2, 40 }, v31 = { 3, 1 };
    CK_FUNCTION_LIST_PTR fl = NULL;

    (void)state;
    /* C_GetInterfaceList: length query, short buffer, exact buffer. */
    assert_rv(CKR_ARGUMENTS_BAD, get_interface_list(NULL, NULL));
    assert_rv(CKR_ARGUMENTS_BAD, get_interface_list(list, NULL));
    assert_rv(CKR_OK, get_interface_list(NULL, &n));
    assert_int_equal(n, 2);
    n = 1;
    assert_rv(CKR_BUFFER_TOO_SMALL, get_interface_list(list, &n));
    assert_int_equal(n, 2);
    n = 0;
    assert_rv(CKR_BUFFER_TOO_SMALL, get_interface_list(list, &n));
    assert_int_equal(n, 2);
    n = 4;
    assert_rv(CKR_OK, get_interface_list(list, &n));
    assert_int_equal(n, 2);
    for (CK_ULONG i = 0; i < n; i++) {
        const CK_VERSION *v = list[i].pFunctionList;

        assert_string_equal((const char *)list[i].pInterfaceName, "PKCS 11");
        assert_true((v->major == 3 && v->minor == 0) ||
                    (v->major == 2 && v->minor == 40));
    }

    /* C_GetInterface: NULL name and/or version is the default, 3.0. */
    assert_rv(CKR_ARGUMENTS_BAD, get_interface(NULL, NULL, NULL, 0));
    assert_rv(CKR_OK, get_interface(NULL, NULL, &ifc, 0));
    assert_ptr_equal(ifc->pFunctionList, F);
    assert_int_equal(F->version.major, 3);
    assert_int_equal(F->version.minor, 0);
    ifc = NULL;
    assert_rv(CKR_OK,
              get_interface((CK_UTF8CHAR_PTR) "PKCS 11", NULL, &ifc, 0));
    assert_ptr_equal(ifc->pFunctionList, F);
    ifc = NULL;
    assert_rv(CKR_OK, get_interface(NULL, &v30, &ifc, 0));
    assert_ptr_equal(ifc->pFunctionList, F);

    /* {2,40}: the 2.40 table, the one C_GetFunctionList returns. */
    ifc = NULL;
    assert_rv(CKR_OK,
              get_interface((CK_UTF8CHAR_PTR) "PKCS 11", &v240, &ifc, 0));
    fl = ifc->pFunctionList;
    assert_int_equal(fl->version.major, 2);
    assert_int_equal(fl->version.minor, 40);
    assert_ptr_equal(fl->C_Initialize, F->C_Initialize);
    assert_ptr_equal(fl->C_Sign, F->C_Sign);
    assert_ptr_equal(fl->C_WaitForSlotEvent, F->C_WaitForSlotEvent);

    /* Unknown name or version, or a flag the interface lacks. */
    assert_true(get_interface((CK_UTF8CHAR_PTR) "PKCS 12", NULL, &ifc, 0) !=
                CKR_OK);
    assert_true(get_interface((CK_UTF8CHAR_PTR) "Vendor X", &v30, &ifc, 0) !=
                CKR_OK);
    assert_true(get_interface(NULL, &v31, &ifc, 0) != CKR_OK);
    assert_true(get_interface(NULL, NULL, &ifc, CKF_INTERFACE_FORK_SAFE) !=
                CKR_OK);

    /* §5.4.4 C_GetFunctionList: the 2.40 table. */
    assert_rv(CKR_ARGUMENTS_BAD, get_function_list(NULL));
    assert_rv(CKR_OK, get_function_list(&fl));
    assert_int_equal(fl->version.major, 2);
    assert_int_equal(fl->version.minor, 40);
    assert_ptr_equal(fl->C_GetFunctionList, get_function_list);
    assert_ptr_equal(F->C_GetFunctionList, get_function_list);
    assert_ptr_equal(F->C_GetInterfaceList, get_interface_list);
    assert_ptr_equal(F->C_GetInterface, get_interface);

    /* Every entry of the 3.0 table is filled in. */
    for (size_t off = offsetof(CK_FUNCTION_LIST_3_0, C_Initialize);
         off + sizeof(void (*)(void)) <= sizeof(CK_FUNCTION_LIST_3_0);
         off += sizeof(void (*)(void))) {
        void (*fn)(void);

        memcpy(&fn, (const char *)F + off, sizeof(fn));
        assert_non_null(fn);
    }
}

/* §5.4.3 C_GetInfo: Cryptoki 3.0, blank-padded strings. */
static void
test_get_info(void **state)
{
    CK_INFO info;

    (void)state;
    memset(&info, 0xAA, sizeof(info));
    assert_rv(CKR_ARGUMENTS_BAD, F->C_GetInfo(NULL));
    assert_rv(CKR_OK, F->C_GetInfo(&info));
    assert_int_equal(info.cryptokiVersion.major, 3);
    assert_int_equal(info.cryptokiVersion.minor, 0);
    assert_int_equal(info.flags, 0);
    for (size_t i = 0; i < sizeof(info.manufacturerID); i++)
        assert_true(info.manufacturerID[i] >= 0x20 &&
                    info.manufacturerID[i] < 0x7f);
    for (size_t i = 0; i < sizeof(info.libraryDescription); i++)
        assert_true(info.libraryDescription[i] >= 0x20 &&
                    info.libraryDescription[i] < 0x7f);
}

/* ------------------------------------------------------------------ */
/* §5.5 Slot and token management                                     */
/* ------------------------------------------------------------------ */

/* §5.5.1 C_GetSlotList and the §5.2 buffer conventions. */
static void
test_slot_list(void **state)
{
    CK_SLOT_ID slots[32], one;
    CK_ULONG n_all = 0, n_tok = 0, n;
    CK_SLOT_INFO si;

    (void)state;
    assert_rv(CKR_ARGUMENTS_BAD, F->C_GetSlotList(CK_TRUE, slots, NULL));
    assert_rv(CKR_OK, F->C_GetSlotList(CK_FALSE, NULL, &n_all));
    assert_rv(CKR_OK, F->C_GetSlotList(CK_TRUE, NULL, &n_tok));
    assert_true(n_tok >= 2);
    assert_true(n_all >= n_tok);
    assert_true(n_all <= 32);

    n = 0;
    assert_rv(CKR_BUFFER_TOO_SMALL, F->C_GetSlotList(CK_TRUE, &one, &n));
    assert_int_equal(n, n_tok);
    n = 1;
    assert_rv(CKR_BUFFER_TOO_SMALL, F->C_GetSlotList(CK_TRUE, &one, &n));
    assert_int_equal(n, n_tok);
    n = n_tok;
    assert_rv(CKR_OK, F->C_GetSlotList(CK_TRUE, slots, &n));
    assert_int_equal(n, n_tok);
    for (CK_ULONG i = 0; i < n; i++) {
        assert_rv(CKR_OK, F->C_GetSlotInfo(slots[i], &si));
        assert_true(si.flags & CKF_TOKEN_PRESENT);
        assert_true(si.flags & CKF_REMOVABLE_DEVICE);
        assert_true(si.flags & CKF_HW_SLOT);
    }
    n = 32;
    assert_rv(CKR_OK, F->C_GetSlotList(CK_FALSE, slots, &n));
    assert_int_equal(n, n_all);
}

/* §5.1: an unknown slot is CKR_SLOT_ID_INVALID everywhere. */
static void
test_bad_slot(void **state)
{
    CK_SLOT_INFO si;
    CK_TOKEN_INFO ti;
    CK_MECHANISM_TYPE mechs[16];
    CK_ULONG n = 16;
    CK_MECHANISM_INFO mi;
    CK_SESSION_HANDLE s;

    (void)state;
    assert_rv(CKR_SLOT_ID_INVALID, F->C_GetSlotInfo(BAD_SLOT, &si));
    assert_rv(CKR_SLOT_ID_INVALID, F->C_GetTokenInfo(BAD_SLOT, &ti));
    assert_rv(CKR_SLOT_ID_INVALID, F->C_GetMechanismList(BAD_SLOT, mechs, &n));
    assert_rv(CKR_SLOT_ID_INVALID, F->C_GetMechanismList(BAD_SLOT, NULL, &n));
    assert_rv(CKR_SLOT_ID_INVALID,
              F->C_GetMechanismInfo(BAD_SLOT, CKM_RSA_PKCS, &mi));
    assert_rv(CKR_SLOT_ID_INVALID,
              F->C_OpenSession(BAD_SLOT, CKF_SERIAL_SESSION, NULL, NULL, &s));
    assert_rv(CKR_SLOT_ID_INVALID, F->C_CloseAllSessions(BAD_SLOT));
    assert_rv(CKR_SLOT_ID_INVALID,
              F->C_GetSlotInfo((CK_SLOT_ID) ~(CK_ULONG)0, &si));
}

/* §5.5.5 C_GetMechanismList, §5.5.6 C_GetMechanismInfo: honest flags. */
static void
test_mechanisms(void **state)
{
    CK_MECHANISM_TYPE mechs[32];
    CK_ULONG n = 0, total;
    CK_MECHANISM_INFO mi;
    CK_SLOT_ID slot;
    bool have_raw = false, have_sha256 = false;

    (void)state;
    assert_rv(CKR_OK, slot_of(AUTH_LABEL, &slot));
    assert_rv(CKR_ARGUMENTS_BAD, F->C_GetMechanismList(slot, mechs, NULL));
    assert_rv(CKR_OK, F->C_GetMechanismList(slot, NULL, &n));
    assert_int_equal(n, 6);
    total = n;
    n = 1;
    assert_rv(CKR_BUFFER_TOO_SMALL, F->C_GetMechanismList(slot, mechs, &n));
    assert_int_equal(n, total);
    n = 32;
    assert_rv(CKR_OK, F->C_GetMechanismList(slot, mechs, &n));
    assert_int_equal(n, total);
    for (CK_ULONG i = 0; i < n; i++) {
        memset(&mi, 0xAA, sizeof(mi));
        assert_rv(CKR_OK, F->C_GetMechanismInfo(slot, mechs[i], &mi));
        assert_int_equal(mi.ulMinKeySize, 2048);
        assert_int_equal(mi.ulMaxKeySize, 2048);
        assert_true(mi.flags & CKF_SIGN);
        /* Nothing but signing (CKF_HW for the card's own mechanism). */
        assert_int_equal(mi.flags & ~(CK_FLAGS)(CKF_SIGN | CKF_HW), 0);
        assert_true(mechs[i] != CKM_RSA_PKCS_PSS && mechs[i] != CKM_RSA_X_509);
        have_raw |= mechs[i] == CKM_RSA_PKCS;
        have_sha256 |= mechs[i] == CKM_SHA256_RSA_PKCS;
    }
    assert_true(have_raw);
    assert_true(have_sha256);
    assert_rv(CKR_MECHANISM_INVALID,
              F->C_GetMechanismInfo(slot, CKM_RSA_PKCS_PSS, &mi));
    assert_rv(CKR_MECHANISM_INVALID,
              F->C_GetMechanismInfo(slot, CKM_SHA256_RSA_PKCS_PSS, &mi));
    assert_rv(CKR_MECHANISM_INVALID,
              F->C_GetMechanismInfo(slot, CKM_RSA_X_509, &mi));
    assert_rv(CKR_MECHANISM_INVALID,
              F->C_GetMechanismInfo(slot, CKM_SHA256, &mi));
    assert_rv(CKR_ARGUMENTS_BAD,
              F->C_GetMechanismInfo(slot, CKM_RSA_PKCS, NULL));
}

/* §5.5.3 C_GetTokenInfo: a real serial number, the same on both tokens;
 * §4.13 profile objects. */
static void
test_token_info_profiles(void **state)
{
    CK_TOKEN_INFO ta, ts;
    CK_SLOT_ID auth, sign;
    const char *want = getenv("MYNA_TEST_SERIAL");
    CK_OBJECT_CLASS cls = CKO_PROFILE;
    CK_ATTRIBUTE t = { CKA_CLASS, &cls, sizeof(cls) };
    CK_OBJECT_HANDLE objs[MAX_OBJS];
    CK_ULONG n;
    CK_SESSION_HANDLE s;
    unsigned seen;
    size_t zeros = 0, blanks = 0;

    (void)state;
    assert_rv(CKR_OK, slot_of(AUTH_LABEL, &auth));
    assert_rv(CKR_OK, slot_of(SIGN_LABEL, &sign));
    assert_true(auth != sign);
    assert_rv(CKR_OK, F->C_GetTokenInfo(auth, &ta));
    assert_rv(CKR_OK, F->C_GetTokenInfo(sign, &ts));
    for (size_t i = 0; i < sizeof(ta.serialNumber); i++) {
        zeros += ta.serialNumber[i] == '0';
        blanks += ta.serialNumber[i] == ' ';
    }
    assert_true(zeros + blanks < sizeof(ta.serialNumber));
    assert_true(blanks < sizeof(ta.serialNumber));
    assert_memory_equal(ta.serialNumber, ts.serialNumber,
                        sizeof(ta.serialNumber));
    if (want != NULL && *want != '\0')
        assert_true(padded_eq(ta.serialNumber, sizeof(ta.serialNumber), want));
    assert_true(ta.flags & CKF_LOGIN_REQUIRED);
    assert_true(ta.flags & CKF_TOKEN_INITIALIZED);
    assert_true(ta.flags & CKF_USER_PIN_INITIALIZED);
    assert_false(ta.flags & CKF_WRITE_PROTECTED && ta.flags & CKF_RNG);
    assert_false(ta.flags & CKF_RNG);
    assert_false(ta.flags & CKF_USER_PIN_LOCKED);
    assert_int_equal(ta.ulMinPinLen, 4);
    assert_int_equal(ta.ulMaxPinLen, 4);
    assert_int_equal(ts.ulMinPinLen, 6);
    assert_int_equal(ts.ulMaxPinLen, 16);

    /* Profiles, visible without login: auth token = authentication
     * token + public certificates token; sign token = authentication
     * token. */
    for (int k = 0; k < 2; k++) {
        assert_rv(CKR_OK, F->C_OpenSession(k == 0 ? auth : sign,
                                           CKF_SERIAL_SESSION, NULL, NULL, &s));
        assert_rv(CKR_OK, find_objects(s, &t, 1, objs, &n));
        assert_int_equal(n, k == 0 ? 2 : 1);
        seen = 0;
        for (CK_ULONG i = 0; i < n; i++) {
            CK_ULONG id = 0;

            assert_rv(CKR_OK, get_ulong(s, objs[i], CKA_PROFILE_ID, &id));
            assert_true(id == CKP_AUTHENTICATION_TOKEN ||
                        id == CKP_PUBLIC_CERTIFICATES_TOKEN);
            seen |= 1u << id;
        }
        assert_int_equal(seen, k == 0 ? (1u << CKP_AUTHENTICATION_TOKEN |
                                         1u << CKP_PUBLIC_CERTIFICATES_TOKEN)
                                      : 1u << CKP_AUTHENTICATION_TOKEN);
        assert_rv(CKR_OK, F->C_CloseSession(s));
    }
}

/* ------------------------------------------------------------------ */
/* Arguments and handles                                              */
/* ------------------------------------------------------------------ */

/* §5.1 CKR_ARGUMENTS_BAD: NULL where a pointer is needed, checked
 * before anything else, never a crash. */
static void
test_null_arguments(void **state)
{
    struct tok t;
    CK_BYTE buf[SIG_LEN];
    CK_ULONG len = sizeof(buf), n;
    CK_OBJECT_HANDLE h, objs[4];
    CK_ATTRIBUTE a = { CKA_LABEL, buf, sizeof(buf) };
    CK_MECHANISM m = { CKM_SHA256_RSA_PKCS, NULL, 0 };
    CK_SLOT_ID slot;
    CK_UTF8CHAR_PTR pin = (CK_UTF8CHAR_PTR)auth_pin;
    int dummy;

    (void)state;
    tok_open(&t, 1, CKF_RW_SESSION);
    assert_rv(CKR_ARGUMENTS_BAD, F->C_Finalize(&dummy));
    assert_rv(CKR_ARGUMENTS_BAD, F->C_GetInfo(NULL));
    assert_rv(CKR_ARGUMENTS_BAD, F->C_GetSlotList(CK_FALSE, NULL, NULL));
    assert_rv(CKR_ARGUMENTS_BAD, F->C_GetSlotInfo(t.slot, NULL));
    assert_rv(CKR_ARGUMENTS_BAD, F->C_GetTokenInfo(t.slot, NULL));
    assert_rv(CKR_ARGUMENTS_BAD, F->C_GetMechanismList(t.slot, NULL, NULL));
    assert_rv(CKR_ARGUMENTS_BAD,
              F->C_GetMechanismInfo(t.slot, CKM_RSA_PKCS, NULL));
    assert_rv(CKR_ARGUMENTS_BAD,
              F->C_WaitForSlotEvent(CKF_DONT_BLOCK, NULL, NULL));
    assert_rv(CKR_ARGUMENTS_BAD,
              F->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, &dummy));
    assert_rv(CKR_ARGUMENTS_BAD,
              F->C_OpenSession(t.slot, CKF_SERIAL_SESSION, NULL, NULL, NULL));
    assert_rv(CKR_ARGUMENTS_BAD, F->C_GetSessionInfo(t.s, NULL));
    assert_rv(CKR_ARGUMENTS_BAD, F->C_GetOperationState(t.s, buf, NULL));
    assert_rv(CKR_ARGUMENTS_BAD, F->C_SetOperationState(t.s, NULL, 4, 0, 0));
    assert_rv(CKR_ARGUMENTS_BAD, F->C_Login(t.s, CKU_USER, NULL, 4));
    assert_rv(CKR_ARGUMENTS_BAD,
              F->C_LoginUser(t.s, CKU_USER, NULL, 4, NULL, 0));
    assert_rv(CKR_ARGUMENTS_BAD,
              F->C_LoginUser(t.s, CKU_USER, pin, 4, NULL, 3));
    assert_rv(CKR_ARGUMENTS_BAD, F->C_SetPIN(t.s, NULL, 4, pin, 4));
    assert_rv(CKR_ARGUMENTS_BAD, F->C_SetPIN(t.s, pin, 4, NULL, 4));
    assert_rv(CKR_ARGUMENTS_BAD, F->C_CreateObject(t.s, NULL, 1, &h));
    assert_rv(CKR_ARGUMENTS_BAD, F->C_CreateObject(t.s, &a, 1, NULL));
    assert_rv(CKR_ARGUMENTS_BAD, F->C_CopyObject(t.s, t.cert, NULL, 1, &h));
    assert_rv(CKR_ARGUMENTS_BAD, F->C_CopyObject(t.s, t.cert, &a, 1, NULL));
    assert_rv(CKR_ARGUMENTS_BAD, F->C_GetObjectSize(t.s, t.cert, NULL));
    assert_rv(CKR_ARGUMENTS_BAD, F->C_GetAttributeValue(t.s, t.cert, NULL, 1));
    assert_rv(CKR_ARGUMENTS_BAD, F->C_SetAttributeValue(t.s, t.cert, NULL, 1));
    assert_rv(CKR_ARGUMENTS_BAD, F->C_FindObjectsInit(t.s, NULL, 1));
    assert_rv(CKR_OK, F->C_FindObjectsInit(t.s, NULL, 0));
    assert_rv(CKR_ARGUMENTS_BAD, F->C_FindObjects(t.s, NULL, 4, &n));
    assert_rv(CKR_ARGUMENTS_BAD, F->C_FindObjects(t.s, objs, 4, NULL));
    assert_rv(CKR_OK, F->C_FindObjectsFinal(t.s));
    assert_rv(CKR_ARGUMENTS_BAD, F->C_SignInit(t.s, NULL, t.priv));
    assert_rv(CKR_OK, F->C_SignInit(t.s, &m, t.priv));
    assert_rv(CKR_ARGUMENTS_BAD, F->C_Sign(t.s, NULL, 4, buf, &len));
    assert_rv(CKR_ARGUMENTS_BAD, F->C_Sign(t.s, buf, 4, buf, NULL));
    assert_rv(CKR_ARGUMENTS_BAD, F->C_SignUpdate(t.s, NULL, 4));
    assert_rv(CKR_ARGUMENTS_BAD, F->C_SignFinal(t.s, buf, NULL));
    assert_rv(CKR_OK, F->C_SessionCancel(t.s, CKF_SIGN));
    assert_rv(CKR_ARGUMENTS_BAD, F->C_SeedRandom(t.s, NULL, 4));
    assert_rv(CKR_ARGUMENTS_BAD, F->C_GenerateRandom(t.s, NULL, 4));
    tok_close(&t);
}

/* §5.1 CKR_SESSION_HANDLE_INVALID for every function that takes a
 * session, supported or not. */
static void
test_bad_session(void **state)
{
    const CK_SESSION_HANDLE b = BAD_SESSION;
    CK_BYTE buf[SIG_LEN];
    CK_ULONG len = sizeof(buf), n;
    CK_SESSION_INFO si;
    CK_OBJECT_HANDLE h, objs[4];
    CK_ATTRIBUTE a = { CKA_LABEL, buf, sizeof(buf) };
    CK_MECHANISM m = { CKM_SHA256_RSA_PKCS, NULL, 0 };
    CK_UTF8CHAR_PTR pin = (CK_UTF8CHAR_PTR)auth_pin;
    CK_SESSION_HANDLE s;
    CK_SLOT_ID slot;

    (void)state;
    assert_rv(CKR_SESSION_HANDLE_INVALID, F->C_CloseSession(b));
    assert_rv(CKR_SESSION_HANDLE_INVALID, F->C_CloseSession(0));
    assert_rv(CKR_SESSION_HANDLE_INVALID, F->C_GetSessionInfo(b, &si));
    assert_rv(CKR_SESSION_HANDLE_INVALID, F->C_GetOperationState(b, buf, &len));
    assert_rv(CKR_SESSION_HANDLE_INVALID,
              F->C_SetOperationState(b, buf, 4, 0, 0));
    assert_rv(CKR_SESSION_HANDLE_INVALID, F->C_Login(b, CKU_USER, pin, 4));
    assert_rv(CKR_SESSION_HANDLE_INVALID,
              F->C_LoginUser(b, CKU_USER, pin, 4, NULL, 0));
    assert_rv(CKR_SESSION_HANDLE_INVALID, F->C_Logout(b));
    assert_rv(CKR_SESSION_HANDLE_INVALID, F->C_InitPIN(b, pin, 4));
    assert_rv(CKR_SESSION_HANDLE_INVALID, F->C_SetPIN(b, pin, 4, pin, 4));
    assert_rv(CKR_SESSION_HANDLE_INVALID, F->C_CreateObject(b, &a, 1, &h));
    assert_rv(CKR_SESSION_HANDLE_INVALID, F->C_CopyObject(b, 1, &a, 1, &h));
    assert_rv(CKR_SESSION_HANDLE_INVALID, F->C_DestroyObject(b, 1));
    assert_rv(CKR_SESSION_HANDLE_INVALID, F->C_GetObjectSize(b, 1, &n));
    assert_rv(CKR_SESSION_HANDLE_INVALID, F->C_GetAttributeValue(b, 1, &a, 1));
    assert_rv(CKR_SESSION_HANDLE_INVALID, F->C_SetAttributeValue(b, 1, &a, 1));
    assert_rv(CKR_SESSION_HANDLE_INVALID, F->C_FindObjectsInit(b, NULL, 0));
    assert_rv(CKR_SESSION_HANDLE_INVALID, F->C_FindObjects(b, objs, 4, &n));
    assert_rv(CKR_SESSION_HANDLE_INVALID, F->C_FindObjectsFinal(b));
    assert_rv(CKR_SESSION_HANDLE_INVALID, F->C_SignInit(b, &m, 1));
    assert_rv(CKR_SESSION_HANDLE_INVALID, F->C_Sign(b, buf, 4, buf, &len));
    assert_rv(CKR_SESSION_HANDLE_INVALID, F->C_SignUpdate(b, buf, 4));
    assert_rv(CKR_SESSION_HANDLE_INVALID, F->C_SignFinal(b, buf, &len));
    assert_rv(CKR_SESSION_HANDLE_INVALID, F->C_EncryptInit(b, &m, 1));
    assert_rv(CKR_SESSION_HANDLE_INVALID, F->C_DecryptInit(b, &m, 1));
    assert_rv(CKR_SESSION_HANDLE_INVALID, F->C_DigestInit(b, &m));
    assert_rv(CKR_SESSION_HANDLE_INVALID, F->C_VerifyInit(b, &m, 1));
    assert_rv(CKR_SESSION_HANDLE_INVALID, F->C_SeedRandom(b, buf, 4));
    assert_rv(CKR_SESSION_HANDLE_INVALID, F->C_GenerateRandom(b, buf, 4));
    assert_rv(CKR_SESSION_HANDLE_INVALID, F->C_GetFunctionStatus(b));
    assert_rv(CKR_SESSION_HANDLE_INVALID, F->C_CancelFunction(b));
    assert_rv(CKR_SESSION_HANDLE_INVALID, F->C_SessionCancel(b, CKF_SIGN));
    assert_rv(CKR_SESSION_HANDLE_INVALID, F->C_MessageSignInit(b, &m, 1));

    /* A closed session's handle is invalid from then on (§5.6). */
    assert_rv(CKR_OK, slot_of(AUTH_LABEL, &slot));
    assert_rv(CKR_OK,
              F->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s));
    assert_rv(CKR_OK, F->C_GetSessionInfo(s, &si));
    assert_rv(CKR_OK, F->C_CloseSession(s));
    assert_rv(CKR_SESSION_HANDLE_INVALID, F->C_GetSessionInfo(s, &si));
    assert_rv(CKR_SESSION_HANDLE_INVALID, F->C_CloseSession(s));
    /* §5.6 C_CloseAllSessions. */
    assert_rv(CKR_OK,
              F->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s));
    assert_rv(CKR_OK, F->C_CloseAllSessions(slot));
    assert_rv(CKR_SESSION_HANDLE_INVALID, F->C_GetSessionInfo(s, &si));
    /* §5.6 C_OpenSession: CKF_SERIAL_SESSION is mandatory. */
    assert_rv(CKR_SESSION_PARALLEL_NOT_SUPPORTED,
              F->C_OpenSession(slot, 0, NULL, NULL, &s));
}

/* What the card cannot do answers CKR_FUNCTION_NOT_SUPPORTED (§5.1), the
 * RNG functions CKR_RANDOM_NO_RNG (§5.19), and nothing on the card can
 * be created, changed, copied or destroyed (§5.7). */
static void
test_unsupported(void **state)
{
    struct tok t;
    CK_BYTE buf[SIG_LEN], data[32] = { 0 };
    CK_ULONG len = sizeof(buf), len2 = sizeof(buf);
    CK_MECHANISM m = { CKM_RSA_PKCS, NULL, 0 };
    CK_MECHANISM dm = { CKM_SHA256, NULL, 0 };
    CK_OBJECT_HANDLE h = 0, h2 = 0;
    CK_BYTE label[] = "x";
    CK_ATTRIBUTE a = { CKA_LABEL, label, 1 };
    CK_OBJECT_CLASS cls = CKO_DATA;
    CK_ATTRIBUTE data_obj[] = { { CKA_CLASS, &cls, sizeof(cls) },
                                { CKA_LABEL, label, 1 } };
    CK_BYTE param[16] = { 0 };
    CK_OBJECT_HANDLE objs[3];
    CK_UTF8CHAR_PTR pin = (CK_UTF8CHAR_PTR)auth_pin;

    (void)state;
    tok_open(&t, 1, CKF_RW_SESSION);
    objs[0] = t.priv;
    objs[1] = t.pub;
    objs[2] = t.cert;

#define NS(call) assert_rv(CKR_FUNCTION_NOT_SUPPORTED, call)
    NS(F->C_EncryptInit(t.s, &m, t.pub));
    NS(F->C_Encrypt(t.s, data, 32, buf, &len));
    NS(F->C_EncryptUpdate(t.s, data, 32, buf, &len));
    NS(F->C_EncryptFinal(t.s, buf, &len));
    NS(F->C_DecryptInit(t.s, &m, t.priv));
    NS(F->C_Decrypt(t.s, buf, SIG_LEN, data, &len));
    NS(F->C_DecryptUpdate(t.s, buf, SIG_LEN, data, &len));
    NS(F->C_DecryptFinal(t.s, data, &len));
    NS(F->C_DigestInit(t.s, &dm));
    NS(F->C_Digest(t.s, data, 32, buf, &len));
    NS(F->C_DigestUpdate(t.s, data, 32));
    NS(F->C_DigestKey(t.s, t.priv));
    NS(F->C_DigestFinal(t.s, buf, &len));
    NS(F->C_VerifyInit(t.s, &m, t.pub));
    NS(F->C_Verify(t.s, data, 32, buf, SIG_LEN));
    NS(F->C_VerifyUpdate(t.s, data, 32));
    NS(F->C_VerifyFinal(t.s, buf, SIG_LEN));
    NS(F->C_VerifyRecoverInit(t.s, &m, t.pub));
    NS(F->C_VerifyRecover(t.s, buf, SIG_LEN, data, &len));
    NS(F->C_SignRecoverInit(t.s, &m, t.priv));
    NS(F->C_SignRecover(t.s, data, 32, buf, &len));
    NS(F->C_DigestEncryptUpdate(t.s, data, 32, buf, &len));
    NS(F->C_DecryptDigestUpdate(t.s, data, 32, buf, &len));
    NS(F->C_SignEncryptUpdate(t.s, data, 32, buf, &len));
    NS(F->C_DecryptVerifyUpdate(t.s, data, 32, buf, &len));
    NS(F->C_GenerateKey(t.s, &m, &a, 1, &h));
    NS(F->C_GenerateKeyPair(t.s, &m, &a, 1, &a, 1, &h, &h2));
    NS(F->C_WrapKey(t.s, &m, t.pub, t.priv, buf, &len));
    NS(F->C_UnwrapKey(t.s, &m, t.priv, buf, SIG_LEN, &a, 1, &h));
    NS(F->C_DeriveKey(t.s, &m, t.priv, &a, 1, &h));
    NS(F->C_GetOperationState(t.s, buf, &len));
    NS(F->C_SetOperationState(t.s, buf, 4, 0, 0));
    NS(F->C_InitToken(t.slot, pin, 4, buf));
    NS(F->C_InitPIN(t.s, pin, 4));
    /* §5.9, §5.11, §5.14, §5.16: message-based functions. */
    NS(F->C_MessageEncryptInit(t.s, &m, t.pub));
    NS(F->C_EncryptMessage(t.s, param, 16, NULL, 0, data, 32, buf, &len));
    NS(F->C_EncryptMessageBegin(t.s, param, 16, NULL, 0));
    NS(F->C_EncryptMessageNext(t.s, param, 16, data, 32, buf, &len, 0));
    NS(F->C_MessageEncryptFinal(t.s));
    NS(F->C_MessageDecryptInit(t.s, &m, t.priv));
    NS(F->C_DecryptMessage(t.s, param, 16, NULL, 0, buf, 32, data, &len));
    NS(F->C_DecryptMessageBegin(t.s, param, 16, NULL, 0));
    NS(F->C_DecryptMessageNext(t.s, param, 16, buf, 32, data, &len, 0));
    NS(F->C_MessageDecryptFinal(t.s));
    NS(F->C_MessageSignInit(t.s, &m, t.priv));
    NS(F->C_SignMessage(t.s, param, 16, data, 32, buf, &len));
    NS(F->C_SignMessageBegin(t.s, param, 16));
    NS(F->C_SignMessageNext(t.s, param, 16, data, 32, buf, &len));
    NS(F->C_MessageSignFinal(t.s));
    NS(F->C_MessageVerifyInit(t.s, &m, t.pub));
    NS(F->C_VerifyMessage(t.s, param, 16, data, 32, buf, SIG_LEN));
    NS(F->C_VerifyMessageBegin(t.s, param, 16));
    NS(F->C_VerifyMessageNext(t.s, param, 16, data, 32, buf, SIG_LEN));
    NS(F->C_MessageVerifyFinal(t.s));
    /* §5.7.1: nothing can be written to the JPKI AP. */
    NS(F->C_CreateObject(t.s, data_obj, 2, &h));
#undef NS

    /* NULL pointers to unsupported functions: refused, never used. */
    assert_rv2(CKR_FUNCTION_NOT_SUPPORTED, CKR_ARGUMENTS_BAD,
               F->C_Encrypt(t.s, NULL, 32, NULL, NULL));
    assert_rv2(CKR_FUNCTION_NOT_SUPPORTED, CKR_ARGUMENTS_BAD,
               F->C_DigestInit(t.s, NULL));
    assert_rv2(CKR_FUNCTION_NOT_SUPPORTED, CKR_ARGUMENTS_BAD,
               F->C_GenerateKeyPair(t.s, NULL, NULL, 1, NULL, 1, NULL, NULL));
    assert_rv2(CKR_FUNCTION_NOT_SUPPORTED, CKR_ARGUMENTS_BAD,
               F->C_SignMessage(t.s, NULL, 16, NULL, 32, NULL, NULL));

    /* §5.19: no RNG (CKF_RNG is not set). */
    assert_rv(CKR_RANDOM_NO_RNG, F->C_GenerateRandom(t.s, buf, 16));
    assert_rv(CKR_RANDOM_NO_RNG, F->C_SeedRandom(t.s, data, 16));
    /* §5.20: legacy parallel functions. */
    assert_rv(CKR_FUNCTION_NOT_PARALLEL, F->C_GetFunctionStatus(t.s));
    assert_rv(CKR_FUNCTION_NOT_PARALLEL, F->C_CancelFunction(t.s));

    /* §5.7.2, §5.7.3, §5.7.6: the real objects are CKA_COPYABLE,
     * CKA_DESTROYABLE and CKA_MODIFIABLE FALSE. */
    for (int i = 0; i < 3; i++) {
        CK_BBOOL b = CK_TRUE;

        assert_rv(CKR_ACTION_PROHIBITED, F->C_DestroyObject(t.s, objs[i]));
        assert_rv(CKR_ACTION_PROHIBITED,
                  F->C_SetAttributeValue(t.s, objs[i], &a, 1));
        assert_rv(CKR_ACTION_PROHIBITED,
                  F->C_CopyObject(t.s, objs[i], &a, 1, &h));
        assert_rv(CKR_OK, get_bool(t.s, objs[i], CKA_MODIFIABLE, &b));
        assert_int_equal(b, CK_FALSE);
        assert_rv(CKR_OK, get_bool(t.s, objs[i], CKA_DESTROYABLE, &b));
        assert_int_equal(b, CK_FALSE);
        assert_rv(CKR_OK, get_bool(t.s, objs[i], CKA_COPYABLE, &b));
        assert_int_equal(b, CK_FALSE);
    }
    assert_rv(CKR_OBJECT_HANDLE_INVALID, F->C_DestroyObject(t.s, 0x7fff0000));
    assert_rv(CKR_OBJECT_HANDLE_INVALID,
              F->C_GetAttributeValue(t.s, 0x7fff0000, &a, 1));
    /* The objects are all still there. */
    assert_rv(CKR_OK, F->C_GetObjectSize(t.s, t.cert, &len2));
    tok_close(&t);
}

/* ------------------------------------------------------------------ */
/* §5.6 Sessions and login                                            */
/* ------------------------------------------------------------------ */

static void
test_session_login(void **state)
{
    CK_SLOT_ID slot;
    CK_SESSION_HANDLE ro, rw;
    CK_SESSION_INFO si;
    CK_UTF8CHAR_PTR pin = (CK_UTF8CHAR_PTR)auth_pin;
    CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    CK_ATTRIBUTE t = { CKA_CLASS, &cls, sizeof(cls) };
    CK_OBJECT_HANDLE objs[MAX_OBJS];
    CK_ULONG n;

    (void)state;
    assert_rv(CKR_OK, slot_of(AUTH_LABEL, &slot));
    assert_rv(CKR_OK,
              F->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &ro));
    assert_rv(CKR_OK,
              F->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL,
                               NULL, &rw));
    assert_rv(CKR_OK, F->C_GetSessionInfo(ro, &si));
    assert_int_equal(si.slotID, slot);
    assert_int_equal(si.state, CKS_RO_PUBLIC_SESSION);
    assert_true(si.flags & CKF_SERIAL_SESSION);
    assert_false(si.flags & CKF_RW_SESSION);
    assert_rv(CKR_OK, F->C_GetSessionInfo(rw, &si));
    assert_int_equal(si.state, CKS_RW_PUBLIC_SESSION);

    /* Private objects (CKA_PRIVATE, §4.4) are invisible before login. */
    assert_rv(CKR_OK, find_objects(ro, &t, 1, objs, &n));
    assert_int_equal(n, 0);
    /* §5.6 C_Login: malformed PINs are refused before any APDU; there
     * is no SO. */
    assert_rv(CKR_PIN_INVALID,
              F->C_Login(ro, CKU_USER, (CK_UTF8CHAR_PTR) "12a4", 4));
    assert_rv(CKR_PIN_LEN_RANGE,
              F->C_Login(ro, CKU_USER, (CK_UTF8CHAR_PTR) "12345", 5));
    assert_rv(CKR_USER_TYPE_INVALID, F->C_Login(ro, CKU_SO, pin, 4));
    assert_rv(CKR_USER_TYPE_INVALID, F->C_Login(ro, 77, pin, 4));
    assert_rv(CKR_OPERATION_NOT_INITIALIZED,
              F->C_Login(ro, CKU_CONTEXT_SPECIFIC, pin, 4));
    assert_rv(CKR_USER_NOT_LOGGED_IN, F->C_Logout(ro));

    /* §5.5.9 C_SetPIN needs a R/W session, checked before the PINs. */
    assert_rv(CKR_SESSION_READ_ONLY, F->C_SetPIN(ro, pin, 4, pin, 4));
    assert_rv(CKR_SESSION_READ_ONLY,
              F->C_SetPIN(ro, (CK_UTF8CHAR_PTR) "0000", 4, pin, 4));

    /* Login is per token: every session of the application sees it. */
    assert_rv(CKR_OK, F->C_Login(ro, CKU_USER, pin, 4));
    assert_rv(CKR_USER_ALREADY_LOGGED_IN, F->C_Login(rw, CKU_USER, pin, 4));
    assert_rv(CKR_OK, F->C_GetSessionInfo(ro, &si));
    assert_int_equal(si.state, CKS_RO_USER_FUNCTIONS);
    assert_rv(CKR_OK, F->C_GetSessionInfo(rw, &si));
    assert_int_equal(si.state, CKS_RW_USER_FUNCTIONS);
    assert_rv(CKR_OK, find_objects(ro, &t, 1, objs, &n));
    assert_int_equal(n, 1);
    /* Changing the PIN to itself in the R/W session works. */
    assert_rv(CKR_OK, F->C_SetPIN(rw, pin, 4, pin, 4));

    assert_rv(CKR_OK, F->C_Logout(rw));
    assert_rv(CKR_OK, F->C_GetSessionInfo(ro, &si));
    assert_int_equal(si.state, CKS_RO_PUBLIC_SESSION);
    assert_rv(CKR_USER_NOT_LOGGED_IN, F->C_Logout(ro));
    assert_rv(CKR_OK, find_objects(ro, &t, 1, objs, &n));
    assert_int_equal(n, 0);
    /* C_LoginUser without a user name is C_Login (§5.6). */
    assert_rv(CKR_OK, F->C_LoginUser(rw, CKU_USER, pin, 4, NULL, 0));
    assert_rv(CKR_OK, F->C_Logout(ro));
    assert_rv(CKR_OK, F->C_CloseSession(ro));
    assert_rv(CKR_OK, F->C_CloseSession(rw));
}

/* ------------------------------------------------------------------ */
/* §5.7 Objects                                                       */
/* ------------------------------------------------------------------ */

/* §5.7.5 C_GetAttributeValue, all five cases, every template entry
 * processed even after an error. */
static void
test_get_attribute_value(void **state)
{
    struct tok t;
    CK_BYTE label[64], big[600], small[4];
    CK_ULONG ktype = 0, bits = 0;
    CK_BBOOL b;
    CK_ATTRIBUTE a[4];
    CK_RV rv;

    (void)state;
    tok_open(&t, 1, 0);

    /* Length query, then the value. */
    a[0] = (CK_ATTRIBUTE){ CKA_MODULUS, NULL, 0 };
    assert_rv(CKR_OK, F->C_GetAttributeValue(t.s, t.pub, a, 1));
    assert_int_equal(a[0].ulValueLen, 256);
    a[0].pValue = big;
    a[0].ulValueLen = sizeof(big);
    assert_rv(CKR_OK, F->C_GetAttributeValue(t.s, t.pub, a, 1));
    assert_int_equal(a[0].ulValueLen, 256);
    /* Too small: CKR_BUFFER_TOO_SMALL, length unavailable. */
    a[0] = (CK_ATTRIBUTE){ CKA_MODULUS, small, sizeof(small) };
    assert_rv(CKR_BUFFER_TOO_SMALL, F->C_GetAttributeValue(t.s, t.pub, a, 1));
    assert_int_equal(a[0].ulValueLen, CK_UNAVAILABLE_INFORMATION);

    /* A sensitive attribute of the private key. */
    a[0] = (CK_ATTRIBUTE){ CKA_PRIVATE_EXPONENT, big, sizeof(big) };
    assert_rv(CKR_ATTRIBUTE_SENSITIVE,
              F->C_GetAttributeValue(t.s, t.priv, a, 1));
    assert_int_equal(a[0].ulValueLen, CK_UNAVAILABLE_INFORMATION);
    a[0] = (CK_ATTRIBUTE){ CKA_PRIVATE_EXPONENT, NULL, 0 };
    assert_rv(CKR_ATTRIBUTE_SENSITIVE,
              F->C_GetAttributeValue(t.s, t.priv, a, 1));
    assert_int_equal(a[0].ulValueLen, CK_UNAVAILABLE_INFORMATION);
    for (CK_ATTRIBUTE_TYPE ty = CKA_PRIME_1; ty <= CKA_COEFFICIENT; ty++) {
        a[0] = (CK_ATTRIBUTE){ ty, big, sizeof(big) };
        assert_rv(CKR_ATTRIBUTE_SENSITIVE,
                  F->C_GetAttributeValue(t.s, t.priv, a, 1));
        assert_int_equal(a[0].ulValueLen, CK_UNAVAILABLE_INFORMATION);
    }
    /* An attribute the object does not have. */
    a[0] = (CK_ATTRIBUTE){ CKA_CERTIFICATE_TYPE, &ktype, sizeof(ktype) };
    assert_rv(CKR_ATTRIBUTE_TYPE_INVALID,
              F->C_GetAttributeValue(t.s, t.priv, a, 1));
    assert_int_equal(a[0].ulValueLen, CK_UNAVAILABLE_INFORMATION);
    a[0] = (CK_ATTRIBUTE){ CKA_VENDOR_DEFINED | 0x4242, big, sizeof(big) };
    assert_rv(CKR_ATTRIBUTE_TYPE_INVALID,
              F->C_GetAttributeValue(t.s, t.cert, a, 1));
    assert_int_equal(a[0].ulValueLen, CK_UNAVAILABLE_INFORMATION);

    /* A mixed template: every entry processed, any of the errors
     * returned. */
    memset(label, 0, sizeof(label));
    a[0] = (CK_ATTRIBUTE){ CKA_LABEL, label, sizeof(label) };
    a[1] = (CK_ATTRIBUTE){ CKA_PRIVATE_EXPONENT, big, sizeof(big) };
    a[2] = (CK_ATTRIBUTE){ CKA_CERTIFICATE_TYPE, small, sizeof(small) };
    a[3] = (CK_ATTRIBUTE){ CKA_KEY_TYPE, &ktype, sizeof(ktype) };
    rv = F->C_GetAttributeValue(t.s, t.priv, a, 4);
    assert_true(rv == CKR_ATTRIBUTE_SENSITIVE ||
                rv == CKR_ATTRIBUTE_TYPE_INVALID);
    assert_true(a[0].ulValueLen > 0 && a[0].ulValueLen < sizeof(label));
    assert_string_equal((char *)label, "User Authentication");
    assert_int_equal(a[1].ulValueLen, CK_UNAVAILABLE_INFORMATION);
    assert_int_equal(a[2].ulValueLen, CK_UNAVAILABLE_INFORMATION);
    assert_int_equal(a[3].ulValueLen, sizeof(CK_ULONG));
    assert_int_equal(ktype, CKK_RSA);

    /* Length query and a short buffer in one template. */
    a[0] = (CK_ATTRIBUTE){ CKA_MODULUS, NULL, 0 };
    a[1] = (CK_ATTRIBUTE){ CKA_PUBLIC_EXPONENT, small, 1 };
    a[2] = (CK_ATTRIBUTE){ CKA_MODULUS_BITS, &bits, sizeof(bits) };
    assert_rv(CKR_BUFFER_TOO_SMALL, F->C_GetAttributeValue(t.s, t.pub, a, 3));
    assert_int_equal(a[0].ulValueLen, 256);
    assert_int_equal(a[1].ulValueLen, CK_UNAVAILABLE_INFORMATION);
    assert_int_equal(bits, 2048);

    /* The private key is what a card key must be. */
    assert_rv(CKR_OK, get_bool(t.s, t.priv, CKA_SENSITIVE, &b));
    assert_int_equal(b, CK_TRUE);
    assert_rv(CKR_OK, get_bool(t.s, t.priv, CKA_EXTRACTABLE, &b));
    assert_int_equal(b, CK_FALSE);
    assert_rv(CKR_OK, get_bool(t.s, t.priv, CKA_PRIVATE, &b));
    assert_int_equal(b, CK_TRUE);
    assert_rv(CKR_OK, get_bool(t.s, t.priv, CKA_DECRYPT, &b));
    assert_int_equal(b, CK_FALSE);
    assert_rv(CKR_OK, get_bool(t.s, t.priv, CKA_ALWAYS_AUTHENTICATE, &b));
    assert_int_equal(b, CK_FALSE);
    assert_rv(CKR_OK, get_bool(t.s, t.cert, CKA_PRIVATE, &b));
    assert_int_equal(b, CK_FALSE);
    /* A sensitive attribute is no C_FindObjects oracle either. */
    {
        CK_ATTRIBUTE f = { CKA_PRIVATE_EXPONENT, NULL, 0 };
        CK_OBJECT_HANDLE objs[MAX_OBJS];
        CK_ULONG n;

        assert_rv(CKR_OK, find_objects(t.s, &f, 1, objs, &n));
        assert_int_equal(n, 0);
    }
    tok_close(&t);
}

static void
assert_same_attr(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE a, CK_OBJECT_HANDLE b,
                 CK_ATTRIBUTE_TYPE type)
{
    uint8_t *va, *vb;
    CK_ULONG la, lb;

    assert_rv(CKR_OK, get_attr(s, a, type, &va, &la));
    assert_rv(CKR_OK, get_attr(s, b, type, &vb, &lb));
    assert_int_equal(la, lb);
    assert_true(la > 0);
    assert_memory_equal(va, vb, la);
    free(va);
    free(vb);
}

/* The key, its public key and its certificate agree (§4.6, §4.8, §4.9):
 * CKA_SIGN / CKA_VERIFY, CKA_ID, CKA_MODULUS (also against the
 * certificate's own key), CKA_SUBJECT, CKA_PUBLIC_KEY_INFO. */
static void
check_agreement(CK_BYTE key_id)
{
    struct tok t;
    CK_BBOOL b;
    uint8_t *mod = NULL, *spki = NULL, *lab_priv, *lab_pub, *lab_cert;
    CK_ULONG mod_len, spki_len, lp, lq, lc;
    BIGNUM *n = NULL;
    uint8_t cert_mod[512];
    int cert_mod_len;
    unsigned char *der = NULL;
    int der_len;

    tok_open(&t, key_id, 0);
    assert_rv(CKR_OK, get_bool(t.s, t.priv, CKA_SIGN, &b));
    assert_int_equal(b, CK_TRUE);
    assert_rv(CKR_OK, get_bool(t.s, t.pub, CKA_VERIFY, &b));
    assert_int_equal(b, CK_TRUE);
    assert_rv(CKR_OK, get_bool(t.s, t.pub, CKA_ENCRYPT, &b));
    assert_int_equal(b, CK_FALSE);

    assert_same_attr(t.s, t.priv, t.pub, CKA_ID);
    assert_same_attr(t.s, t.priv, t.cert, CKA_ID);
    assert_same_attr(t.s, t.priv, t.pub, CKA_LABEL);
    assert_same_attr(t.s, t.priv, t.pub, CKA_MODULUS);
    assert_same_attr(t.s, t.priv, t.pub, CKA_PUBLIC_EXPONENT);
    assert_same_attr(t.s, t.priv, t.cert, CKA_SUBJECT);
    assert_same_attr(t.s, t.pub, t.cert, CKA_SUBJECT);
    /* One label for the key pair and its certificate, like the CKA_ID
     * (issue #3; OpenSC's three labels differ). */
    assert_rv(CKR_OK, get_attr(t.s, t.priv, CKA_LABEL, &lab_priv, &lp));
    assert_rv(CKR_OK, get_attr(t.s, t.pub, CKA_LABEL, &lab_pub, &lq));
    assert_rv(CKR_OK, get_attr(t.s, t.cert, CKA_LABEL, &lab_cert, &lc));
    assert_true(lp > 0);
    assert_int_equal(lp, lq);
    assert_int_equal(lp, lc);
    assert_memory_equal(lab_priv, lab_pub, lp);
    assert_memory_equal(lab_priv, lab_cert, lp);
    free(lab_priv);
    free(lab_pub);
    free(lab_cert);

    /* CKA_MODULUS equals the modulus inside the certificate. */
    assert_rv(CKR_OK, get_attr(t.s, t.priv, CKA_MODULUS, &mod, &mod_len));
    assert_int_equal(EVP_PKEY_get_bn_param(t.pkey, OSSL_PKEY_PARAM_RSA_N, &n),
                     1);
    cert_mod_len = BN_bn2bin(n, cert_mod);
    assert_int_equal(cert_mod_len, (int)mod_len);
    assert_memory_equal(mod, cert_mod, mod_len);
    /* CKA_PUBLIC_KEY_INFO is the certificate's SubjectPublicKeyInfo. */
    assert_rv(CKR_OK,
              get_attr(t.s, t.pub, CKA_PUBLIC_KEY_INFO, &spki, &spki_len));
    der_len = i2d_PUBKEY(t.pkey, &der);
    assert_int_equal(der_len, (int)spki_len);
    assert_memory_equal(der, spki, spki_len);
    OPENSSL_free(der);
    BN_free(n);
    free(mod);
    free(spki);
    tok_close(&t);
}

static void
test_attribute_agreement(void **state)
{
    (void)state;
    check_agreement(1);
    check_agreement(2);
}

/* ------------------------------------------------------------------ */
/* §5.13 Signing                                                      */
/* ------------------------------------------------------------------ */

/* Before login the key cannot be used: hidden from C_FindObjects (§4.4),
 * and a handle known from an earlier login answers
 * CKR_USER_NOT_LOGGED_IN (§5.13.1), as does a C_Sign whose token was
 * logged out after C_SignInit. */
static void
test_sign_not_logged_in(void **state)
{
    struct tok t;
    CK_MECHANISM m = { CKM_SHA256_RSA_PKCS, NULL, 0 };
    CK_BYTE sig[SIG_LEN];
    CK_ULONG len = sizeof(sig);
    CK_SESSION_HANDLE s2;
    CK_RV rv;

    (void)state;
    tok_open(&t, 1, 0);
    assert_rv(CKR_OK, F->C_Logout(t.s));
    assert_rv(CKR_OK,
              F->C_OpenSession(t.slot, CKF_SERIAL_SESSION, NULL, NULL, &s2));
    assert_rv(CKR_USER_NOT_LOGGED_IN, F->C_SignInit(s2, &m, t.priv));
    assert_rv(CKR_USER_NOT_LOGGED_IN, F->C_SignInit(t.s, &m, t.priv));
    assert_rv(CKR_OPERATION_NOT_INITIALIZED,
              F->C_Sign(t.s, (CK_BYTE_PTR) "x", 1, sig, &len));
    /* A public key or certificate cannot sign. */
    assert_rv(CKR_OK, F->C_Login(t.s, CKU_USER, (CK_UTF8CHAR_PTR)auth_pin,
                                 strlen(auth_pin)));
    assert_rv(CKR_KEY_FUNCTION_NOT_PERMITTED, F->C_SignInit(s2, &m, t.pub));
    rv = F->C_SignInit(s2, &m, t.cert);
    assert_true(rv == CKR_KEY_HANDLE_INVALID ||
                rv == CKR_KEY_TYPE_INCONSISTENT ||
                rv == CKR_KEY_FUNCTION_NOT_PERMITTED);
    assert_rv(CKR_KEY_HANDLE_INVALID, F->C_SignInit(s2, &m, 0x7fff0000));
    /* Logged out between C_SignInit and C_Sign. */
    assert_rv(CKR_OK, F->C_SignInit(s2, &m, t.priv));
    assert_rv(CKR_OK, F->C_Logout(t.s));
    assert_rv(CKR_USER_NOT_LOGGED_IN,
              F->C_Sign(s2, (CK_BYTE_PTR) "x", 1, sig, &len));
    assert_rv(CKR_OPERATION_NOT_INITIALIZED,
              F->C_Sign(s2, (CK_BYTE_PTR) "x", 1, sig, &len));
    tok_close(&t);
}

/* §5.2 / §5.13.2: a length query and CKR_BUFFER_TOO_SMALL keep the
 * operation; the successful call ends it.  The same for C_SignFinal. */
static void
test_sign_length_rules(void **state)
{
    struct tok t;
    CK_MECHANISM m = { CKM_SHA256_RSA_PKCS, NULL, 0 };
    CK_MECHANISM pss = { CKM_RSA_PKCS_PSS, NULL, 0 };
    CK_BYTE sig[SIG_LEN + 8], data[] = "length rules";
    CK_ULONG len;

    (void)state;
    tok_open(&t, 1, 0);
    assert_rv(CKR_MECHANISM_INVALID, F->C_SignInit(t.s, &pss, t.priv));
    pss.mechanism = CKM_SHA256_RSA_PKCS_PSS;
    assert_rv(CKR_MECHANISM_INVALID, F->C_SignInit(t.s, &pss, t.priv));
    assert_rv(CKR_OPERATION_NOT_INITIALIZED,
              F->C_Sign(t.s, data, sizeof(data), sig, &len));
    assert_rv(CKR_OPERATION_NOT_INITIALIZED, F->C_SignUpdate(t.s, data, 4));
    assert_rv(CKR_OPERATION_NOT_INITIALIZED, F->C_SignFinal(t.s, sig, &len));

    /* C_Sign */
    assert_rv(CKR_OK, F->C_SignInit(t.s, &m, t.priv));
    assert_rv(CKR_OPERATION_ACTIVE, F->C_SignInit(t.s, &m, t.priv));
    len = 0;
    assert_rv(CKR_OK, F->C_Sign(t.s, data, sizeof(data), NULL, &len));
    assert_int_equal(len, SIG_LEN);
    assert_rv(CKR_OPERATION_ACTIVE, F->C_SignInit(t.s, &m, t.priv));
    len = 10;
    assert_rv(CKR_BUFFER_TOO_SMALL,
              F->C_Sign(t.s, data, sizeof(data), sig, &len));
    assert_int_equal(len, SIG_LEN);
    assert_rv(CKR_OPERATION_ACTIVE, F->C_SignInit(t.s, &m, t.priv));
    len = sizeof(sig);
    assert_rv(CKR_OK, F->C_Sign(t.s, data, sizeof(data), sig, &len));
    assert_int_equal(len, SIG_LEN);
    assert_true(verify_sig(t.pkey, EVP_sha256(), data, sizeof(data), sig, len));
    assert_rv(CKR_OPERATION_NOT_INITIALIZED,
              F->C_Sign(t.s, data, sizeof(data), sig, &len));

    /* C_SignFinal */
    assert_rv(CKR_OK, F->C_SignInit(t.s, &m, t.priv));
    assert_rv(CKR_OK, F->C_SignUpdate(t.s, data, 5));
    assert_rv(CKR_OK, F->C_SignUpdate(t.s, data + 5, sizeof(data) - 5));
    len = 0;
    assert_rv(CKR_OK, F->C_SignFinal(t.s, NULL, &len));
    assert_int_equal(len, SIG_LEN);
    len = SIG_LEN - 1;
    assert_rv(CKR_BUFFER_TOO_SMALL, F->C_SignFinal(t.s, sig, &len));
    assert_int_equal(len, SIG_LEN);
    assert_rv(CKR_OPERATION_ACTIVE, F->C_SignInit(t.s, &m, t.priv));
    len = SIG_LEN;
    assert_rv(CKR_OK, F->C_SignFinal(t.s, sig, &len));
    assert_int_equal(len, SIG_LEN);
    assert_true(verify_sig(t.pkey, EVP_sha256(), data, sizeof(data), sig, len));
    assert_rv(CKR_OPERATION_NOT_INITIALIZED, F->C_SignFinal(t.s, sig, &len));

    /* C_Sign cannot end a multi-part operation (§5.13.2): an error,
     * and the operation is over. */
    assert_rv(CKR_OK, F->C_SignInit(t.s, &m, t.priv));
    assert_rv(CKR_OK, F->C_SignUpdate(t.s, data, 5));
    len = sizeof(sig);
    assert_true(F->C_Sign(t.s, data, sizeof(data), sig, &len) != CKR_OK);
    assert_rv(CKR_OK, F->C_SignInit(t.s, &m, t.priv));

    /* §5.6 C_SessionCancel ends it too. */
    assert_rv(CKR_OK, F->C_SessionCancel(t.s, CKF_SIGN));
    assert_rv(CKR_OPERATION_NOT_INITIALIZED, F->C_SignFinal(t.s, sig, &len));
    tok_close(&t);
}

/* Multi-part signing equals single-part for every digest mechanism
 * (PKCS#1 v1.5 is deterministic), and both verify with the certificate;
 * CKM_RSA_PKCS over the DigestInfo gives the same signature; 246 bytes
 * are CKR_DATA_LEN_RANGE (k - 11 = 245, Mechanisms spec §2.1.6). */
static void
test_sign_multipart(void **state)
{
    static const CK_MECHANISM_TYPE mechs[] = {
        CKM_SHA1_RSA_PKCS,   CKM_SHA224_RSA_PKCS, CKM_SHA256_RSA_PKCS,
        CKM_SHA384_RSA_PKCS, CKM_SHA512_RSA_PKCS,
    };
    static const uint8_t sha256_prefix[] = {
        0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
        0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20,
    };
    struct tok t;
    uint8_t data[1000], single[SIG_LEN], multi[SIG_LEN], raw[SIG_LEN];
    uint8_t di[sizeof(sha256_prefix) + 32], big[300];
    CK_ULONG ls, lm, lr;
    CK_MECHANISM mech;

    (void)state;
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)(i * 7 + 3);
    tok_open(&t, 1, 0);
    for (size_t k = 0; k < sizeof(mechs) / sizeof(mechs[0]); k++) {
        mech = (CK_MECHANISM){ mechs[k], NULL, 0 };
        assert_rv(CKR_OK, sign_once(t.s, t.priv, mechs[k], data, sizeof(data),
                                    single, &ls));
        assert_rv(CKR_OK, F->C_SignInit(t.s, &mech, t.priv));
        assert_rv(CKR_OK, F->C_SignUpdate(t.s, data, 1));
        assert_rv(CKR_OK, F->C_SignUpdate(t.s, data + 1, 0));
        assert_rv(CKR_OK, F->C_SignUpdate(t.s, data + 1, 600));
        assert_rv(CKR_OK, F->C_SignUpdate(t.s, data + 601, sizeof(data) - 601));
        lm = sizeof(multi);
        assert_rv(CKR_OK, F->C_SignFinal(t.s, multi, &lm));
        assert_int_equal(ls, SIG_LEN);
        assert_int_equal(lm, SIG_LEN);
        assert_memory_equal(single, multi, SIG_LEN);
        assert_true(verify_sig(t.pkey, md_of(mechs[k]), data, sizeof(data),
                               single, ls));
        assert_true(
            verify_sig(t.pkey, md_of(mechs[k]), data, sizeof(data), multi, lm));
        /* A changed message does not verify. */
        data[0] ^= 1;
        assert_false(verify_sig(t.pkey, md_of(mechs[k]), data, sizeof(data),
                                single, ls));
        data[0] ^= 1;
    }

    /* CKM_RSA_PKCS over SHA-256's DigestInfo == CKM_SHA256_RSA_PKCS. */
    memcpy(di, sha256_prefix, sizeof(sha256_prefix));
    assert_int_equal(EVP_Digest(data, sizeof(data), di + sizeof(sha256_prefix),
                                NULL, EVP_sha256(), NULL),
                     1);
    assert_rv(CKR_OK, sign_once(t.s, t.priv, CKM_SHA256_RSA_PKCS, data,
                                sizeof(data), single, &ls));
    assert_rv(CKR_OK,
              sign_once(t.s, t.priv, CKM_RSA_PKCS, di, sizeof(di), raw, &lr));
    assert_int_equal(lr, SIG_LEN);
    assert_memory_equal(raw, single, SIG_LEN);
    mech = (CK_MECHANISM){ CKM_RSA_PKCS, NULL, 0 };
    assert_rv(CKR_OK, F->C_SignInit(t.s, &mech, t.priv));
    assert_rv(CKR_OK, F->C_SignUpdate(t.s, di, 10));
    assert_rv(CKR_OK, F->C_SignUpdate(t.s, di + 10, sizeof(di) - 10));
    lm = sizeof(multi);
    assert_rv(CKR_OK, F->C_SignFinal(t.s, multi, &lm));
    assert_memory_equal(multi, single, SIG_LEN);

    /* 245 bytes fit, 246 do not; the failure ends the operation. */
    memset(big, 0x5a, sizeof(big));
    assert_rv(CKR_OK, sign_once(t.s, t.priv, CKM_RSA_PKCS, big, 245, raw, &lr));
    assert_rv(CKR_DATA_LEN_RANGE,
              sign_once(t.s, t.priv, CKM_RSA_PKCS, big, 246, raw, &lr));
    lr = sizeof(raw);
    assert_rv(CKR_OPERATION_NOT_INITIALIZED, F->C_Sign(t.s, big, 10, raw, &lr));
    assert_rv(CKR_OK, F->C_SignInit(t.s, &mech, t.priv));
    assert_rv(CKR_OK, F->C_SignUpdate(t.s, big, 200));
    assert_rv2(CKR_OK, CKR_DATA_LEN_RANGE, F->C_SignUpdate(t.s, big, 46));
    lr = sizeof(raw);
    assert_rv2(CKR_DATA_LEN_RANGE, CKR_OPERATION_NOT_INITIALIZED,
               F->C_SignFinal(t.s, raw, &lr));
    assert_rv(CKR_OPERATION_NOT_INITIALIZED, F->C_SignFinal(t.s, raw, &lr));
    /* Empty input is no PKCS#1 message either. */
    assert_rv(CKR_DATA_LEN_RANGE,
              sign_once(t.s, t.priv, CKM_RSA_PKCS, big, 0, raw, &lr));
    /* Mechanism parameters where there are none. */
    mech = (CK_MECHANISM){ CKM_SHA256_RSA_PKCS, big, 8 };
    assert_rv(CKR_MECHANISM_PARAM_INVALID, F->C_SignInit(t.s, &mech, t.priv));
    tok_close(&t);
}

/* The sign token: its certificate only after the password, and its key
 * signs what that certificate verifies. */
static void
test_sign_token(void **state)
{
    struct tok t;
    CK_SLOT_ID slot;
    CK_SESSION_HANDLE s;
    CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
    CK_ATTRIBUTE tmpl = { CKA_CLASS, &cls, sizeof(cls) };
    CK_OBJECT_HANDLE objs[MAX_OBJS];
    CK_ULONG n, len;
    uint8_t sig[SIG_LEN], data[] = "sign token";

    (void)state;
    assert_rv(CKR_OK, slot_of(SIGN_LABEL, &slot));
    assert_rv(CKR_OK,
              F->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s));
    assert_rv(CKR_OK, find_objects(s, &tmpl, 1, objs, &n));
    assert_int_equal(n, 0);
    assert_rv(CKR_PIN_LEN_RANGE,
              F->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR) "A1", 2));
    tok_open(&t, 2, 0);
    assert_rv(CKR_OK, find_objects(s, &tmpl, 1, objs, &n));
    assert_int_equal(n, 1);
    assert_rv(CKR_OK, sign_once(t.s, t.priv, CKM_SHA256_RSA_PKCS, data,
                                sizeof(data), sig, &len));
    assert_true(verify_sig(t.pkey, EVP_sha256(), data, sizeof(data), sig, len));
    tok_close(&t);
}

/* ------------------------------------------------------------------ */
/* Threads (§5.4.1: CKF_OS_LOCKING_OK)                                */
/* ------------------------------------------------------------------ */

#define N_THREADS 8
#define N_SIGS 20

struct worker {
    pthread_t th;
    int id;
    CK_SLOT_ID slot;
    EVP_PKEY *pkey;
    int ok, verified;
    CK_RV first_error;
};

static atomic_bool info_stop;
static atomic_int info_calls, info_errors;

static void *
worker_main(void *arg)
{
    struct worker *w = arg;
    CK_SESSION_HANDLE s;
    CK_OBJECT_HANDLE key;
    uint8_t data[64], sig[SIG_LEN];
    CK_ULONG len;
    CK_RV rv;

    rv = F->C_OpenSession(w->slot, CKF_SERIAL_SESSION, NULL, NULL, &s);
    if (rv == CKR_OK) {
        rv = F->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)auth_pin,
                        strlen(auth_pin));
        if (rv == CKR_USER_ALREADY_LOGGED_IN)
            rv = CKR_OK;
    }
    if (rv == CKR_OK)
        rv = find_one(s, CKO_PRIVATE_KEY, 1, &key);
    for (int i = 0; rv == CKR_OK && i < N_SIGS; i++) {
        int n = snprintf((char *)data, sizeof(data), "thread %d signature %d",
                         w->id, i);

        rv = sign_once(s, key, CKM_SHA256_RSA_PKCS, data, (size_t)n, sig, &len);
        if (rv != CKR_OK)
            break;
        w->ok++;
        if (verify_sig(w->pkey, EVP_sha256(), data, (size_t)n, sig, len))
            w->verified++;
    }
    w->first_error = rv;
    (void)F->C_CloseSession(s);
    return NULL;
}

static void *
info_main(void *arg)
{
    CK_SLOT_ID slot = *(CK_SLOT_ID *)arg;
    CK_TOKEN_INFO ti;

    while (!atomic_load(&info_stop)) {
        if (F->C_GetTokenInfo(slot, &ti) != CKR_OK ||
            !padded_eq(ti.label, sizeof(ti.label), AUTH_LABEL))
            atomic_fetch_add(&info_errors, 1);
        atomic_fetch_add(&info_calls, 1);
    }
    return NULL;
}

static void
test_threads(void **state)
{
    struct worker w[N_THREADS];
    struct tok t;
    pthread_t info;
    CK_C_INITIALIZE_ARGS a;

    (void)state;
    /* This test initialises with CKF_OS_LOCKING_OK itself. */
    assert_rv(CKR_OK, F->C_Finalize(NULL));
    memset(&a, 0, sizeof(a));
    a.flags = CKF_OS_LOCKING_OK;
    assert_rv(CKR_OK, F->C_Initialize(&a));
    tok_open(&t, 1, 0);
    assert_rv(CKR_OK, F->C_Logout(t.s)); /* each thread logs in */
    atomic_store(&info_stop, false);
    atomic_store(&info_calls, 0);
    atomic_store(&info_errors, 0);
    assert_int_equal(pthread_create(&info, NULL, info_main, &t.slot), 0);
    for (int i = 0; i < N_THREADS; i++) {
        memset(&w[i], 0, sizeof(w[i]));
        w[i].id = i;
        w[i].slot = t.slot;
        w[i].pkey = t.pkey;
        assert_int_equal(pthread_create(&w[i].th, NULL, worker_main, &w[i]), 0);
    }
    for (int i = 0; i < N_THREADS; i++)
        pthread_join(w[i].th, NULL);
    atomic_store(&info_stop, true);
    pthread_join(info, NULL);
    for (int i = 0; i < N_THREADS; i++) {
        if (w[i].first_error != CKR_OK)
            print_error("thread %d: %s after %d signatures\n", i,
                        rv_name(w[i].first_error), w[i].ok);
        assert_int_equal(w[i].ok, N_SIGS);
        assert_int_equal(w[i].verified, N_SIGS);
    }
    print_message("%d threads x %d signatures verified; %d C_GetTokenInfo "
                  "calls meanwhile\n",
                  N_THREADS, N_SIGS, atomic_load(&info_calls));
    assert_true(atomic_load(&info_calls) > 0);
    assert_int_equal(atomic_load(&info_errors), 0);
    tok_close(&t);
}

/* ------------------------------------------------------------------ */
/* fork(): the child must call C_Initialize itself (base spec,        */
/* "Applications and processes")                                      */
/* ------------------------------------------------------------------ */

/* The child: a step number on failure, 0 when everything worked. */
static int
fork_child(EVP_PKEY *pkey)
{
    CK_INFO info;
    CK_SLOT_ID slot;
    CK_SESSION_HANDLE s;
    CK_OBJECT_HANDLE key;
    uint8_t sig[SIG_LEN], data[] = "signed in the child";
    CK_ULONG len;

    if (F->C_GetInfo(&info) != CKR_CRYPTOKI_NOT_INITIALIZED)
        return 1;
    if (F->C_GetSlotList(CK_TRUE, NULL, &len) != CKR_CRYPTOKI_NOT_INITIALIZED)
        return 2;
    if (F->C_Initialize(NULL) != CKR_OK)
        return 3;
    if (slot_of(AUTH_LABEL, &slot) != CKR_OK)
        return 4;
    if (F->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s) != CKR_OK)
        return 5;
    if (F->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)auth_pin, strlen(auth_pin)) !=
        CKR_OK)
        return 6;
    if (find_one(s, CKO_PRIVATE_KEY, 1, &key) != CKR_OK)
        return 7;
    if (sign_once(s, key, CKM_SHA256_RSA_PKCS, data, sizeof(data), sig, &len) !=
        CKR_OK)
        return 8;
    if (!verify_sig(pkey, EVP_sha256(), data, sizeof(data), sig, len))
        return 9;
    if (F->C_Finalize(NULL) != CKR_OK)
        return 10;
    return 0;
}

static void
test_fork(void **state)
{
    struct tok t;
    uint8_t sig[SIG_LEN], data[] = "signed in the parent";
    CK_ULONG len;
    pid_t pid;
    int status = -1;

    (void)state;
    tok_open(&t, 1, 0);
    assert_rv(CKR_OK, F->C_Logout(t.s));
    fflush(stdout);
    fflush(stderr);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(fork_child(t.pkey));
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        print_error("child: %s %d\n",
                    WIFEXITED(status) ? "failed at step" : "killed by signal",
                    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);

    /* The parent's session and module state are untouched. */
    assert_rv(CKR_OK, F->C_Login(t.s, CKU_USER, (CK_UTF8CHAR_PTR)auth_pin,
                                 strlen(auth_pin)));
    assert_rv(CKR_OK, sign_once(t.s, t.priv, CKM_SHA256_RSA_PKCS, data,
                                sizeof(data), sig, &len));
    assert_true(verify_sig(t.pkey, EVP_sha256(), data, sizeof(data), sig, len));
    tok_close(&t);
}

/* ------------------------------------------------------------------ */
/* §5.5.4 C_WaitForSlotEvent                                          */
/* ------------------------------------------------------------------ */

static void
test_wait_dont_block(void **state)
{
    CK_SLOT_ID slot = 0;
    CK_RV rv = CKR_OK;
    struct timespec t0, t1;

    (void)state;
    /* Settle: events from before are reported first, then none. */
    for (int i = 0; i < 5 && rv != CKR_NO_EVENT; i++) {
        rv = F->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, NULL);
        assert_true(rv == CKR_OK || rv == CKR_NO_EVENT);
    }
    assert_rv(CKR_NO_EVENT, rv);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_rv(CKR_NO_EVENT, F->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, NULL));
    assert_rv(CKR_NO_EVENT, F->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, NULL));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    /* CKF_DONT_BLOCK does not block. */
    assert_true(t1.tv_sec - t0.tv_sec < 2);
}

struct waiter {
    sem_t done;
    CK_RV rv;
    CK_SLOT_ID slot;
    atomic_bool started;
};

static void *
waiter_main(void *arg)
{
    struct waiter *w = arg;

    atomic_store(&w->started, true);
    w->rv = F->C_WaitForSlotEvent(0, &w->slot, NULL);
    sem_post(&w->done);
    return NULL;
}

/* §5.4.2 C_Finalize, §5.5.4: a thread blocked in C_WaitForSlotEvent
 * returns CKR_CRYPTOKI_NOT_INITIALIZED when another one finalizes. */
static void
test_wait_finalize(void **state)
{
    struct waiter w;
    pthread_t th;
    struct timespec deadline, t0, t1;
    CK_SLOT_ID slot;
    CK_RV rv = CKR_OK;
    int r;

    (void)state;
    for (int i = 0; i < 5 && rv != CKR_NO_EVENT; i++)
        rv = F->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, NULL);
    assert_rv(CKR_NO_EVENT, rv);
    memset(&w, 0, sizeof(w));
    assert_int_equal(sem_init(&w.done, 0, 0), 0);
    assert_int_equal(pthread_create(&th, NULL, waiter_main, &w), 0);
    while (!atomic_load(&w.started))
        usleep(1000);
    usleep(300 * 1000);                         /* let it block */
    assert_int_equal(sem_trywait(&w.done), -1); /* still blocked */
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_rv(CKR_OK, F->C_Finalize(NULL));
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 2;
    do
        r = sem_timedwait(&w.done, &deadline);
    while (r != 0 && errno == EINTR);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_int_equal(r, 0);
    pthread_join(th, NULL);
    assert_rv(CKR_CRYPTOKI_NOT_INITIALIZED, w.rv);
    assert_true((t1.tv_sec - t0.tv_sec) * 1000 +
                    (t1.tv_nsec - t0.tv_nsec) / 1000000 <
                2000);
    sem_destroy(&w.done);
    /* And the module initialises again. */
    assert_rv(CKR_OK, F->C_Initialize(NULL));
}

/* ------------------------------------------------------------------ */
/* The REPL for the scenarios of test-module.sh                       */
/* ------------------------------------------------------------------ */

#define REPL_MAX 128

struct repl_session {
    CK_SESSION_HANDLE h;
    CK_OBJECT_HANDLE key;
    EVP_PKEY *pkey;
};

static struct repl_session repl_s[REPL_MAX];

static struct repl_session *
repl_find(CK_SESSION_HANDLE h, bool create)
{
    struct repl_session *free_slot = NULL;

    for (int i = 0; i < REPL_MAX; i++) {
        if (repl_s[i].h == h && h != 0)
            return &repl_s[i];
        if (repl_s[i].h == 0 && free_slot == NULL)
            free_slot = &repl_s[i];
    }
    if (create && free_slot != NULL) {
        memset(free_slot, 0, sizeof(*free_slot));
        free_slot->h = h;
        return free_slot;
    }
    return NULL;
}

static void
repl_forget_all(void)
{
    for (int i = 0; i < REPL_MAX; i++)
        EVP_PKEY_free(repl_s[i].pkey);
    memset(repl_s, 0, sizeof(repl_s));
}

static void out(const char *cmd, CK_RV rv, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
out(const char *cmd, CK_RV rv, const char *fmt, ...)
{
    va_list ap;

    printf("%s %s", cmd, rv_name(rv));
    if (fmt != NULL && *fmt != '\0') {
        putchar(' ');
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
    }
    putchar('\n');
    fflush(stdout);
}

/* sign: SignInit + Sign with SHA256-RSA-PKCS and OpenSSL's verdict. */
static CK_RV
repl_sign(struct repl_session *r, int n, const char **what, bool *verified)
{
    uint8_t data[64], sig[SIG_LEN];
    CK_MECHANISM m = { CKM_SHA256_RSA_PKCS, NULL, 0 };
    CK_ULONG len = sizeof(sig);
    int dl = snprintf((char *)data, sizeof(data), "repl signature %d", n);
    CK_RV rv;

    *what = "C_SignInit";
    rv = F->C_SignInit(r->h, &m, r->key);
    if (rv != CKR_OK)
        return rv;
    *what = "C_Sign";
    rv = F->C_Sign(r->h, data, (CK_ULONG)dl, sig, &len);
    *verified = rv == CKR_OK &&
                verify_sig(r->pkey, EVP_sha256(), data, (size_t)dl, sig, len);
    return rv;
}

static void
repl_line(char *line)
{
    char cmd[32] = "", arg1[64] = "", arg2[64] = "";
    unsigned long h = 0;
    struct repl_session *r;
    const char *what = "";
    bool verified = false;
    CK_SLOT_ID slot = 0;
    CK_RV rv;

    if (sscanf(line, "%31s %63s %63s", cmd, arg1, arg2) < 1)
        return;
    h = strtoul(arg1, NULL, 10);
    if (strcmp(cmd, "init") == 0) {
        out(cmd, F->C_Initialize(NULL), NULL);
    } else if (strcmp(cmd, "finalize") == 0) {
        repl_forget_all();
        out(cmd, F->C_Finalize(NULL), NULL);
    } else if (strcmp(cmd, "slot") == 0) {
        /* slot auth|sign: the slot of that token */
        rv =
            slot_of(strcmp(arg1, "sign") == 0 ? SIGN_LABEL : AUTH_LABEL, &slot);
        out(cmd, rv, rv == CKR_OK ? "%lu" : NULL, (unsigned long)slot);
    } else if (strcmp(cmd, "slots") == 0) {
        /* slots: how many slots have a token */
        CK_ULONG n = 0;

        rv = F->C_GetSlotList(CK_TRUE, NULL, &n);
        out(cmd, rv, "%lu", (unsigned long)n);
    } else if (strcmp(cmd, "tokeninfo") == 0) {
        CK_TOKEN_INFO ti;
        char serial[17] = "";
        size_t n = 16;

        rv = F->C_GetTokenInfo(h, &ti);
        if (rv == CKR_OK) {
            memcpy(serial, ti.serialNumber, 16);
            while (n > 0 && serial[n - 1] == ' ')
                n--;
            serial[n] = '\0';
        }
        out(cmd, rv, rv == CKR_OK ? "%s" : NULL, serial);
    } else if (strcmp(cmd, "open") == 0) {
        CK_SESSION_HANDLE s = 0;
        CK_FLAGS fl = CKF_SERIAL_SESSION;

        if (strcmp(arg2, "rw") == 0)
            fl |= CKF_RW_SESSION;
        rv = F->C_OpenSession(h, fl, NULL, NULL, &s);
        if (rv == CKR_OK && repl_find(s, true) == NULL)
            rv = CKR_HOST_MEMORY;
        out(cmd, rv, rv == CKR_OK ? "%lu" : NULL, (unsigned long)s);
    } else if (strcmp(cmd, "close") == 0) {
        out(cmd, F->C_CloseSession(h), NULL);
    } else if (strcmp(cmd, "login") == 0) {
        out(cmd, F->C_Login(h, CKU_USER, (CK_UTF8CHAR_PTR)arg2, strlen(arg2)),
            NULL);
    } else if (strcmp(cmd, "logout") == 0) {
        out(cmd, F->C_Logout(h), NULL);
    } else if (strcmp(cmd, "keys") == 0) {
        /* keys H: find the private key and read its certificate; print
         * the certificate's SHA-256 (first 8 bytes). */
        CK_OBJECT_HANDLE key = 0;
        CK_BYTE id = 0;
        CK_ATTRIBUTE a = { CKA_ID, &id, 1 };
        uint8_t *der = NULL, md[32];
        CK_ULONG len = 0;
        char hex[17] = "";

        r = repl_find(h, true);
        rv = find_one(h, CKO_PRIVATE_KEY, 0, &key);
        if (rv == CKR_OK)
            rv = F->C_GetAttributeValue(h, key, &a, 1);
        if (rv == CKR_OK) {
            CK_OBJECT_HANDLE cert;

            rv = find_one(h, CKO_CERTIFICATE, id, &cert);
            if (rv == CKR_OK)
                rv = get_attr(h, cert, CKA_VALUE, &der, &len);
        }
        if (rv == CKR_OK && r != NULL) {
            EVP_PKEY_free(r->pkey);
            r->key = key;
            r->pkey = pkey_of_der(der, len);
            EVP_Digest(der, len, md, NULL, EVP_sha256(), NULL);
            for (int i = 0; i < 8; i++)
                snprintf(hex + 2 * i, 3, "%02x", md[i]);
        }
        free(der);
        out(cmd, rv, rv == CKR_OK ? "%s" : NULL, hex);
    } else if (strcmp(cmd, "sign") == 0) {
        r = repl_find(h, true);
        if (r == NULL) {
            out(cmd, CKR_HOST_MEMORY, NULL);
            return;
        }
        rv = repl_sign(r, 0, &what, &verified);
        if (rv == CKR_OK)
            out(cmd, rv, "%s", verified ? "verified" : "BAD-SIGNATURE");
        else
            out(cmd, rv, "%s", what);
    } else if (strcmp(cmd, "signloop") == 0) {
        /* signloop H N: sign until the first failure, at most N times;
         * prints the failure (or CKR_OK), "verified/made" and the
         * function that failed. */
        int n = atoi(arg2), good = 0, made = 0;

        r = repl_find(h, true);
        rv = r == NULL ? CKR_HOST_MEMORY : CKR_OK;
        for (int i = 0; rv == CKR_OK && i < n; i++) {
            rv = repl_sign(r, i, &what, &verified);
            made += rv == CKR_OK;
            good += rv == CKR_OK && verified;
        }
        out(cmd, rv, "%d/%d %s", good, made, rv == CKR_OK ? "-" : what);
    } else if (strcmp(cmd, "find") == 0) {
        /* find H: all visible objects (C_FindObjectsInit/-/Final). */
        CK_OBJECT_HANDLE objs[MAX_OBJS];
        CK_ULONG n = 0;

        rv = find_objects(h, NULL, 0, objs, &n);
        out(cmd, rv, rv == CKR_OK ? "%lu" : NULL, (unsigned long)n);
    } else if (strcmp(cmd, "sessioninfo") == 0) {
        CK_SESSION_INFO si = { 0 };

        rv = F->C_GetSessionInfo(h, &si);
        out(cmd, rv, rv == CKR_OK ? "%lu" : NULL, (unsigned long)si.state);
    } else if (strcmp(cmd, "poll") == 0) {
        rv = F->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, NULL);
        out(cmd, rv, rv == CKR_OK ? "%lu" : NULL, (unsigned long)slot);
    } else if (strcmp(cmd, "settle") == 0) {
        /* settle: report events until there are none (at most 10). */
        int i = 0;

        do
            rv = F->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, NULL);
        while (rv == CKR_OK && ++i < 10);
        out(cmd, rv, "%d", i);
    } else if (strcmp(cmd, "wait") == 0) {
        rv = F->C_WaitForSlotEvent(0, &slot, NULL);
        out(cmd, rv, rv == CKR_OK ? "%lu" : NULL, (unsigned long)slot);
    } else if (strcmp(cmd, "echo") == 0) {
        out(cmd, CKR_OK, "%s", arg1);
    } else {
        out(cmd, CKR_ARGUMENTS_BAD, "unknown-command");
    }
}

static int
repl(void)
{
    char line[256];

    while (fgets(line, sizeof(line), stdin) != NULL) {
        if (strncmp(line, "quit", 4) == 0)
            break;
        repl_line(line);
    }
    repl_forget_all();
    return 0;
}

/* ------------------------------------------------------------------ */

static int
load_module(void)
{
    const char *path = getenv("MYNA_PKCS11_MODULE");
    CK_VERSION v30 = { 3, 0 };
    CK_INTERFACE *ifc = NULL;
    CK_RV rv;

    if (path == NULL || *path == '\0') {
        fprintf(stderr, "test-module: set MYNA_PKCS11_MODULE\n");
        return -1;
    }
    module = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (module == NULL) {
        fprintf(stderr, "test-module: %s\n", dlerror());
        return -1;
    }
    *(void **)&get_function_list = dlsym(module, "C_GetFunctionList");
    *(void **)&get_interface_list = dlsym(module, "C_GetInterfaceList");
    *(void **)&get_interface = dlsym(module, "C_GetInterface");
    if (get_function_list == NULL || get_interface_list == NULL ||
        get_interface == NULL) {
        fprintf(stderr, "test-module: %s lacks an exported function\n", path);
        return -1;
    }
    rv = get_interface((CK_UTF8CHAR_PTR) "PKCS 11", &v30, &ifc, 0);
    if (rv != CKR_OK || ifc == NULL) {
        fprintf(stderr, "test-module: C_GetInterface 3.0: %s\n", rv_name(rv));
        return -1;
    }
    F = ifc->pFunctionList;
    return 0;
}

int
main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_initialize_matrix),
        cmocka_unit_test(test_not_initialized),
        cmocka_unit_test(test_interfaces),
        cmocka_unit_test_setup_teardown(test_get_info, setup_init,
                                        teardown_fin),
        cmocka_unit_test_setup_teardown(test_slot_list, setup_init,
                                        teardown_fin),
        cmocka_unit_test_setup_teardown(test_bad_slot, setup_init,
                                        teardown_fin),
        cmocka_unit_test_setup_teardown(test_mechanisms, setup_init,
                                        teardown_fin),
        cmocka_unit_test_setup_teardown(test_token_info_profiles, setup_init,
                                        teardown_fin),
        cmocka_unit_test_setup_teardown(test_null_arguments, setup_init,
                                        teardown_fin),
        cmocka_unit_test_setup_teardown(test_bad_session, setup_init,
                                        teardown_fin),
        cmocka_unit_test_setup_teardown(test_unsupported, setup_init,
                                        teardown_fin),
        cmocka_unit_test_setup_teardown(test_session_login, setup_init,
                                        teardown_fin),
        cmocka_unit_test_setup_teardown(test_get_attribute_value, setup_init,
                                        teardown_fin),
        cmocka_unit_test_setup_teardown(test_attribute_agreement, setup_init,
                                        teardown_fin),
        cmocka_unit_test_setup_teardown(test_sign_not_logged_in, setup_init,
                                        teardown_fin),
        cmocka_unit_test_setup_teardown(test_sign_length_rules, setup_init,
                                        teardown_fin),
        cmocka_unit_test_setup_teardown(test_sign_multipart, setup_init,
                                        teardown_fin),
        cmocka_unit_test_setup_teardown(test_sign_token, setup_init,
                                        teardown_fin),
        cmocka_unit_test_setup_teardown(test_threads, setup_init, teardown_fin),
        cmocka_unit_test_setup_teardown(test_fork, setup_init, teardown_fin),
        cmocka_unit_test_setup_teardown(test_wait_dont_block, setup_init,
                                        teardown_fin),
        cmocka_unit_test_setup_teardown(test_wait_finalize, setup_init,
                                        teardown_fin),
    };
    const char *p;

    setvbuf(stdout, NULL, _IOLBF, 0);
    if ((p = getenv("MYNA_TEST_AUTH_PIN")) != NULL && *p != '\0')
        auth_pin = p;
    if ((p = getenv("MYNA_TEST_SIGN_PIN")) != NULL && *p != '\0')
        sign_pin = p;
    if (load_module() != 0)
        return 1;
    if (argc > 1 && strcmp(argv[1], "repl") == 0)
        return repl();
    if (argc > 1) {
        fprintf(stderr, "usage: test-module [repl]\n");
        return 2;
    }
    if ((p = getenv("MYNA_TEST_FILTER")) != NULL && *p != '\0')
        cmocka_set_test_filter(p);
    if ((p = getenv("MYNA_TEST_SKIP")) != NULL && *p != '\0')
        cmocka_set_skip_filter(p);
    return cmocka_run_group_tests_name("myna-pkcs11 module contract", tests,
                                       NULL, NULL);
}
