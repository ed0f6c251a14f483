/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reason codes and the one CK_RV -> OpenSSL reason map.  Raised through
 * the core's error upcalls (provider-base(7): "core_new_error",
 * "core_set_error_debug", "core_vset_error"): a provider never calls
 * ERR_raise itself, its libcrypto may not be the application's.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>

#include "errors.h"

static OSSL_FUNC_core_new_error_fn *c_new_error;
static OSSL_FUNC_core_set_error_debug_fn *c_set_error_debug;
static OSSL_FUNC_core_vset_error_fn *c_vset_error;
static const OSSL_CORE_HANDLE *core_handle;

/* OSSL_ITEM.ptr is not const; the strings are never written. */
#define REASON(code, text)                                                     \
    {                                                                          \
        (code), (void *)(text)                                                 \
    }

static const OSSL_ITEM reason_strings[] = {
    REASON(MYNA_R_INTERNAL, "internal error"),
    REASON(MYNA_R_MALLOC, "out of memory"),
    REASON(MYNA_R_CONFIG, "bad provider configuration"),
    REASON(MYNA_R_MODULE_LOAD, "cannot load the PKCS#11 module"),
    REASON(MYNA_R_MODULE_INIT, "cannot initialise the PKCS#11 module"),
    REASON(MYNA_R_BAD_URI, "malformed pkcs11: URI"),
    REASON(MYNA_R_TOKEN_NOT_FOUND, "no token matches the URI"),
    REASON(MYNA_R_OBJECT_NOT_FOUND, "object not found"),
    REASON(MYNA_R_PIN_INCORRECT, "PIN incorrect"),
    REASON(MYNA_R_PIN_LOCKED, "PIN locked"),
    REASON(MYNA_R_PIN_FINAL_TRY, "PIN has one try left: login refused"),
    REASON(MYNA_R_PIN_ALREADY_FAILED, "PIN already failed: not retried"),
    REASON(MYNA_R_PIN_UNAVAILABLE, "no PIN available"),
    REASON(MYNA_R_PIN_INVALID, "PIN has an invalid format or length"),
    REASON(MYNA_R_TOKEN_REMOVED, "token removed"),
    REASON(MYNA_R_NOT_LOGGED_IN, "not logged in to the token"),
    REASON(MYNA_R_MECHANISM_UNSUPPORTED,
           "mechanism not supported by the token"),
    REASON(MYNA_R_KEY_UNSUPPORTED, "key type not supported"),
    REASON(MYNA_R_OPERATION_UNSUPPORTED, "operation not supported"),
    REASON(MYNA_R_BUFFER_TOO_SMALL, "output buffer too small"),
    REASON(MYNA_R_BAD_PARAMETER, "bad parameter"),
    REASON(MYNA_R_PKCS11, "PKCS#11 error"),
    { 0, NULL }
};

void
myna_err_init(const OSSL_CORE_HANDLE *handle, const OSSL_DISPATCH *in)
{
    core_handle = handle;
    for (; in != NULL && in->function_id != 0; in++) {
        switch (in->function_id) {
        case OSSL_FUNC_CORE_NEW_ERROR:
            c_new_error = OSSL_FUNC_core_new_error(in);
            break;
        case OSSL_FUNC_CORE_SET_ERROR_DEBUG:
            c_set_error_debug = OSSL_FUNC_core_set_error_debug(in);
            break;
        case OSSL_FUNC_CORE_VSET_ERROR:
            c_vset_error = OSSL_FUNC_core_vset_error(in);
            break;
        default:
            break;
        }
    }
}

const OSSL_ITEM *
myna_err_reason_strings(void)
{
    return reason_strings;
}

static void
vraise(const char *file, int line, const char *func, int reason,
       const char *fmt, va_list ap)
{
    if (c_new_error == NULL || c_set_error_debug == NULL ||
        c_vset_error == NULL)
        return;
    c_new_error(core_handle);
    c_set_error_debug(core_handle, file, line, func);
    c_vset_error(core_handle, (uint32_t)reason, fmt, ap);
}

void
myna_raise_at(const char *file, int line, const char *func, int reason,
              const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vraise(file, line, func, reason, fmt, ap);
    va_end(ap);
}

/* Names of the return values a consumer meets (PKCS#11 3.0 base §5.1). */
const char *
myna_rv_name(CK_RV rv)
{
    switch (rv) {
#define RV(x)                                                                  \
    case x:                                                                    \
        return #x
        RV(CKR_OK);
        RV(CKR_HOST_MEMORY);
        RV(CKR_SLOT_ID_INVALID);
        RV(CKR_GENERAL_ERROR);
        RV(CKR_FUNCTION_FAILED);
        RV(CKR_ARGUMENTS_BAD);
        RV(CKR_ATTRIBUTE_TYPE_INVALID);
        RV(CKR_DATA_LEN_RANGE);
        RV(CKR_DEVICE_ERROR);
        RV(CKR_DEVICE_MEMORY);
        RV(CKR_DEVICE_REMOVED);
        RV(CKR_FUNCTION_NOT_SUPPORTED);
        RV(CKR_KEY_HANDLE_INVALID);
        RV(CKR_KEY_TYPE_INCONSISTENT);
        RV(CKR_KEY_FUNCTION_NOT_PERMITTED);
        RV(CKR_MECHANISM_INVALID);
        RV(CKR_MECHANISM_PARAM_INVALID);
        RV(CKR_OBJECT_HANDLE_INVALID);
        RV(CKR_OPERATION_ACTIVE);
        RV(CKR_PIN_INCORRECT);
        RV(CKR_PIN_INVALID);
        RV(CKR_PIN_LEN_RANGE);
        RV(CKR_PIN_EXPIRED);
        RV(CKR_PIN_LOCKED);
        RV(CKR_SESSION_CLOSED);
        RV(CKR_SESSION_HANDLE_INVALID);
        RV(CKR_TOKEN_NOT_PRESENT);
        RV(CKR_TOKEN_NOT_RECOGNIZED);
        RV(CKR_USER_NOT_LOGGED_IN);
        RV(CKR_USER_ALREADY_LOGGED_IN);
        RV(CKR_BUFFER_TOO_SMALL);
        RV(CKR_CRYPTOKI_NOT_INITIALIZED);
        RV(CKR_CRYPTOKI_ALREADY_INITIALIZED);
#undef RV
    default:
        return NULL;
    }
}

/*
 * The one CK_RV -> reason map.  Removal and an invalidated session are the
 * same thing to the user (base §5.6: removal closes every session).
 */
int
myna_rv_reason(CK_RV rv)
{
    switch (rv) {
    case CKR_HOST_MEMORY:
        return MYNA_R_MALLOC;
    case CKR_PIN_INCORRECT:
        return MYNA_R_PIN_INCORRECT;
    case CKR_PIN_LOCKED:
        return MYNA_R_PIN_LOCKED;
    case CKR_PIN_INVALID:
    case CKR_PIN_LEN_RANGE:
        return MYNA_R_PIN_INVALID;
    case CKR_DEVICE_REMOVED:
    case CKR_TOKEN_NOT_PRESENT:
    case CKR_SESSION_CLOSED:
    case CKR_SESSION_HANDLE_INVALID:
        return MYNA_R_TOKEN_REMOVED;
    case CKR_OBJECT_HANDLE_INVALID:
    case CKR_KEY_HANDLE_INVALID:
        return MYNA_R_OBJECT_NOT_FOUND;
    case CKR_USER_NOT_LOGGED_IN:
        return MYNA_R_NOT_LOGGED_IN;
    case CKR_MECHANISM_INVALID:
    case CKR_MECHANISM_PARAM_INVALID:
    case CKR_KEY_TYPE_INCONSISTENT:
    case CKR_KEY_FUNCTION_NOT_PERMITTED:
        return MYNA_R_MECHANISM_UNSUPPORTED;
    case CKR_BUFFER_TOO_SMALL:
        return MYNA_R_BUFFER_TOO_SMALL;
    case CKR_CRYPTOKI_NOT_INITIALIZED:
        return MYNA_R_MODULE_INIT;
    default:
        return MYNA_R_PKCS11;
    }
}

void
myna_raise_rv_at(const char *file, int line, const char *func, CK_RV rv,
                 const char *what)
{
    const char *name = myna_rv_name(rv);

    if (name != NULL)
        myna_raise_at(file, line, func, myna_rv_reason(rv), "%s: %s", what,
                      name);
    else
        myna_raise_at(file, line, func, myna_rv_reason(rv), "%s: CK_RV 0x%08lx",
                      what, (unsigned long)rv);
}
