/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The return values PKCS#11 v3.0 §5 allows each C_* function: the
 * function's own list, the universal ones (§5.1.1), those of functions
 * that take a session handle (§5.1.2) and of functions that use a token
 * (§5.1.3; CKR_TOKEN_NOT_PRESENT only without a session handle, §5.1.7).
 * For the whole-module fuzz target: a CK_RV outside the set aborts.
 */
#ifndef MYNA_TESTS_P11_RV_SETS_H
#define MYNA_TESTS_P11_RV_SETS_H

#include <stdbool.h>

#include "../../pkcs11/pkcs11-3.h"

enum p11_fn {
    P11_INITIALIZE,
    P11_FINALIZE,
    P11_GET_INFO,
    P11_GET_SLOT_LIST,
    P11_GET_SLOT_INFO,
    P11_GET_TOKEN_INFO,
    P11_WAIT_FOR_SLOT_EVENT,
    P11_OPEN_SESSION,
    P11_CLOSE_SESSION,
    P11_CLOSE_ALL_SESSIONS,
    P11_GET_SESSION_INFO,
    P11_LOGIN,
    P11_LOGOUT,
    P11_FIND_OBJECTS_INIT,
    P11_FIND_OBJECTS,
    P11_FIND_OBJECTS_FINAL,
    P11_GET_ATTRIBUTE_VALUE,
    P11_SIGN_INIT,
    P11_SIGN,
    P11_SIGN_UPDATE,
    P11_SIGN_FINAL,
    P11_GET_MECHANISM_LIST,
    P11_GET_MECHANISM_INFO,
    P11_SET_PIN,
    P11_FN_COUNT,
};

const char *p11_fn_name(enum p11_fn fn);
bool p11_rv_allowed(enum p11_fn fn, CK_RV rv);

/* Abort with the function's name and the CK_RV unless it is allowed;
 * returns rv. */
CK_RV p11_rv_check(enum p11_fn fn, CK_RV rv);

#endif
