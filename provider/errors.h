/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Errors of the "myna" provider: reason codes, their strings (returned by
 * the provider's get_reason_strings, provider-base(7)), and the one
 * CK_RV -> reason map.  Errors go onto the application's error queue
 * through the core's new_error/set_error_debug/vset_error upcalls, as a
 * provider must (it may be linked against another libcrypto).
 *
 * Thread safety: every function may be called from any thread; the upcall
 * pointers are set once by myna_err_init before any other call.
 */
#ifndef MYNA_PROVIDER_ERRORS_H
#define MYNA_PROVIDER_ERRORS_H

#include <openssl/core.h>
#include <openssl/core_dispatch.h>
#include <openssl/crypto.h>

#include "pkcs11/pkcs11-3.h"

enum myna_reason {
    MYNA_R_INTERNAL = 1,
    MYNA_R_MALLOC,
    MYNA_R_CONFIG,
    MYNA_R_MODULE_LOAD,
    MYNA_R_MODULE_INIT,
    MYNA_R_BAD_URI,
    MYNA_R_TOKEN_NOT_FOUND,
    MYNA_R_OBJECT_NOT_FOUND,
    MYNA_R_PIN_INCORRECT,
    MYNA_R_PIN_LOCKED,
    MYNA_R_PIN_FINAL_TRY,
    MYNA_R_PIN_ALREADY_FAILED,
    MYNA_R_PIN_UNAVAILABLE,
    MYNA_R_PIN_INVALID,
    MYNA_R_TOKEN_REMOVED,
    MYNA_R_NOT_LOGGED_IN,
    MYNA_R_MECHANISM_UNSUPPORTED,
    MYNA_R_KEY_UNSUPPORTED,
    MYNA_R_OPERATION_UNSUPPORTED,
    MYNA_R_BUFFER_TOO_SMALL,
    MYNA_R_BAD_PARAMETER,
    MYNA_R_PKCS11
};

/* Called once by OSSL_provider_init with the core's dispatch table. */
void myna_err_init(const OSSL_CORE_HANDLE *handle, const OSSL_DISPATCH *in);

/* The reason-string table for OSSL_FUNC_PROVIDER_GET_REASON_STRINGS. */
const OSSL_ITEM *myna_err_reason_strings(void);

/* Raise reason with a printf-style detail (may be NULL). */
void myna_raise_at(const char *file, int line, const char *func, int reason,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));
#define MYNA_RAISE(reason, ...)                                                \
    myna_raise_at(OPENSSL_FILE, OPENSSL_LINE, OPENSSL_FUNC, (reason),          \
                  __VA_ARGS__)

/* The one CK_RV -> reason map; what names the PKCS#11 call that failed. */
int myna_rv_reason(CK_RV rv);
const char *myna_rv_name(CK_RV rv);
void myna_raise_rv_at(const char *file, int line, const char *func, CK_RV rv,
                      const char *what);
#define MYNA_RAISE_RV(rv, what)                                                \
    myna_raise_rv_at(OPENSSL_FILE, OPENSSL_LINE, OPENSSL_FUNC, (rv), (what))

#endif
