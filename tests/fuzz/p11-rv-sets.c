/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * PKCS#11 v3.0 §5: per function, the return values its description lists
 * (besides the category values added in p11_rv_allowed).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "p11-rv-sets.h"

/* PKCS#11 v3.0 §5.1.6; p11-kit's 2.40 header lacks it. */
#ifndef CKR_TOKEN_RESOURCE_EXCEEDED
#define CKR_TOKEN_RESOURCE_EXCEEDED (0x00000201UL)
#endif

#define MAX_OWN 12
#define USES_SESSION 1u /* §5.1.2 */
#define USES_TOKEN 2u   /* §5.1.3 */

struct fn_rvs {
    const char *name;
    unsigned cats;
    CK_RV own[MAX_OWN]; /* 0 (CKR_OK) ends the list */
};

static const struct fn_rvs table[P11_FN_COUNT] = {
    [P11_INITIALIZE] = { "C_Initialize",
                         0,
                         { CKR_ARGUMENTS_BAD, CKR_CANT_LOCK,
                           CKR_CRYPTOKI_ALREADY_INITIALIZED,
                           CKR_NEED_TO_CREATE_THREADS } },
    [P11_FINALIZE] = { "C_Finalize",
                       0,
                       { CKR_ARGUMENTS_BAD, CKR_CRYPTOKI_NOT_INITIALIZED } },
    [P11_GET_INFO] = { "C_GetInfo",
                       0,
                       { CKR_ARGUMENTS_BAD, CKR_CRYPTOKI_NOT_INITIALIZED } },
    [P11_GET_SLOT_LIST] = { "C_GetSlotList",
                            0,
                            { CKR_ARGUMENTS_BAD, CKR_BUFFER_TOO_SMALL,
                              CKR_CRYPTOKI_NOT_INITIALIZED } },
    [P11_GET_SLOT_INFO] = { "C_GetSlotInfo",
                            0,
                            { CKR_ARGUMENTS_BAD, CKR_CRYPTOKI_NOT_INITIALIZED,
                              CKR_DEVICE_ERROR, CKR_SLOT_ID_INVALID } },
    [P11_GET_TOKEN_INFO] = { "C_GetTokenInfo",
                             USES_TOKEN,
                             { CKR_ARGUMENTS_BAD, CKR_CRYPTOKI_NOT_INITIALIZED,
                               CKR_SLOT_ID_INVALID,
                               CKR_TOKEN_NOT_RECOGNIZED } },
    [P11_WAIT_FOR_SLOT_EVENT] = { "C_WaitForSlotEvent",
                                  0,
                                  { CKR_ARGUMENTS_BAD,
                                    CKR_CRYPTOKI_NOT_INITIALIZED,
                                    CKR_NO_EVENT } },
    [P11_OPEN_SESSION] = { "C_OpenSession",
                           USES_TOKEN,
                           { CKR_ARGUMENTS_BAD, CKR_CRYPTOKI_NOT_INITIALIZED,
                             CKR_SESSION_COUNT,
                             CKR_SESSION_PARALLEL_NOT_SUPPORTED,
                             CKR_SESSION_READ_WRITE_SO_EXISTS,
                             CKR_SLOT_ID_INVALID, CKR_TOKEN_NOT_RECOGNIZED,
                             CKR_TOKEN_WRITE_PROTECTED } },
    [P11_CLOSE_SESSION] = { "C_CloseSession",
                            USES_SESSION | USES_TOKEN,
                            { CKR_CRYPTOKI_NOT_INITIALIZED } },
    [P11_CLOSE_ALL_SESSIONS] = { "C_CloseAllSessions",
                                 USES_TOKEN,
                                 { CKR_CRYPTOKI_NOT_INITIALIZED,
                                   CKR_SLOT_ID_INVALID } },
    [P11_GET_SESSION_INFO] = { "C_GetSessionInfo",
                               USES_SESSION | USES_TOKEN,
                               { CKR_ARGUMENTS_BAD,
                                 CKR_CRYPTOKI_NOT_INITIALIZED } },
    [P11_LOGIN] = { "C_Login",
                    USES_SESSION | USES_TOKEN,
                    { CKR_ARGUMENTS_BAD, CKR_CRYPTOKI_NOT_INITIALIZED,
                      CKR_FUNCTION_CANCELED, CKR_OPERATION_NOT_INITIALIZED,
                      CKR_PIN_INCORRECT, CKR_PIN_LOCKED,
                      CKR_SESSION_READ_ONLY_EXISTS, CKR_USER_ALREADY_LOGGED_IN,
                      CKR_USER_ANOTHER_ALREADY_LOGGED_IN,
                      CKR_USER_PIN_NOT_INITIALIZED, CKR_USER_TOO_MANY_TYPES,
                      CKR_USER_TYPE_INVALID } },
    [P11_LOGOUT] = { "C_Logout",
                     USES_SESSION | USES_TOKEN,
                     { CKR_CRYPTOKI_NOT_INITIALIZED, CKR_USER_NOT_LOGGED_IN } },
    [P11_FIND_OBJECTS_INIT] = { "C_FindObjectsInit",
                                USES_SESSION | USES_TOKEN,
                                { CKR_ARGUMENTS_BAD, CKR_ATTRIBUTE_TYPE_INVALID,
                                  CKR_ATTRIBUTE_VALUE_INVALID,
                                  CKR_CRYPTOKI_NOT_INITIALIZED,
                                  CKR_OPERATION_ACTIVE, CKR_PIN_EXPIRED } },
    [P11_FIND_OBJECTS] = { "C_FindObjects",
                           USES_SESSION | USES_TOKEN,
                           { CKR_ARGUMENTS_BAD, CKR_CRYPTOKI_NOT_INITIALIZED,
                             CKR_OPERATION_NOT_INITIALIZED } },
    [P11_FIND_OBJECTS_FINAL] = { "C_FindObjectsFinal",
                                 USES_SESSION | USES_TOKEN,
                                 { CKR_CRYPTOKI_NOT_INITIALIZED,
                                   CKR_OPERATION_NOT_INITIALIZED } },
    [P11_GET_ATTRIBUTE_VALUE] = { "C_GetAttributeValue",
                                  USES_SESSION | USES_TOKEN,
                                  { CKR_ARGUMENTS_BAD, CKR_ATTRIBUTE_SENSITIVE,
                                    CKR_ATTRIBUTE_TYPE_INVALID,
                                    CKR_BUFFER_TOO_SMALL,
                                    CKR_CRYPTOKI_NOT_INITIALIZED,
                                    CKR_OBJECT_HANDLE_INVALID } },
    [P11_SIGN_INIT] = { "C_SignInit",
                        USES_SESSION | USES_TOKEN,
                        { CKR_ARGUMENTS_BAD, CKR_CRYPTOKI_NOT_INITIALIZED,
                          CKR_FUNCTION_CANCELED, CKR_KEY_FUNCTION_NOT_PERMITTED,
                          CKR_KEY_HANDLE_INVALID, CKR_KEY_SIZE_RANGE,
                          CKR_KEY_TYPE_INCONSISTENT, CKR_MECHANISM_INVALID,
                          CKR_MECHANISM_PARAM_INVALID, CKR_OPERATION_ACTIVE,
                          CKR_PIN_EXPIRED, CKR_USER_NOT_LOGGED_IN } },
    [P11_SIGN] = { "C_Sign",
                   USES_SESSION | USES_TOKEN,
                   { CKR_ARGUMENTS_BAD, CKR_BUFFER_TOO_SMALL,
                     CKR_CRYPTOKI_NOT_INITIALIZED, CKR_DATA_INVALID,
                     CKR_DATA_LEN_RANGE, CKR_FUNCTION_CANCELED,
                     CKR_OPERATION_NOT_INITIALIZED, CKR_USER_NOT_LOGGED_IN,
                     CKR_FUNCTION_REJECTED, CKR_TOKEN_RESOURCE_EXCEEDED } },
    [P11_SIGN_UPDATE] = { "C_SignUpdate",
                          USES_SESSION | USES_TOKEN,
                          { CKR_ARGUMENTS_BAD, CKR_CRYPTOKI_NOT_INITIALIZED,
                            CKR_DATA_LEN_RANGE, CKR_FUNCTION_CANCELED,
                            CKR_OPERATION_NOT_INITIALIZED,
                            CKR_USER_NOT_LOGGED_IN,
                            CKR_TOKEN_RESOURCE_EXCEEDED } },
    [P11_SIGN_FINAL] = { "C_SignFinal",
                         USES_SESSION | USES_TOKEN,
                         { CKR_ARGUMENTS_BAD, CKR_BUFFER_TOO_SMALL,
                           CKR_CRYPTOKI_NOT_INITIALIZED, CKR_DATA_LEN_RANGE,
                           CKR_FUNCTION_CANCELED, CKR_OPERATION_NOT_INITIALIZED,
                           CKR_USER_NOT_LOGGED_IN, CKR_FUNCTION_REJECTED,
                           CKR_TOKEN_RESOURCE_EXCEEDED } },
    [P11_GET_MECHANISM_LIST] = { "C_GetMechanismList",
                                 USES_TOKEN,
                                 { CKR_ARGUMENTS_BAD, CKR_BUFFER_TOO_SMALL,
                                   CKR_CRYPTOKI_NOT_INITIALIZED,
                                   CKR_SLOT_ID_INVALID,
                                   CKR_TOKEN_NOT_RECOGNIZED } },
    [P11_GET_MECHANISM_INFO] = { "C_GetMechanismInfo",
                                 USES_TOKEN,
                                 { CKR_ARGUMENTS_BAD,
                                   CKR_CRYPTOKI_NOT_INITIALIZED,
                                   CKR_MECHANISM_INVALID, CKR_SLOT_ID_INVALID,
                                   CKR_TOKEN_NOT_RECOGNIZED } },
    [P11_SET_PIN] = { "C_SetPIN",
                      USES_SESSION | USES_TOKEN,
                      { CKR_ARGUMENTS_BAD, CKR_CRYPTOKI_NOT_INITIALIZED,
                        CKR_FUNCTION_CANCELED, CKR_PIN_INCORRECT,
                        CKR_PIN_INVALID, CKR_PIN_LEN_RANGE, CKR_PIN_LOCKED,
                        CKR_SESSION_READ_ONLY, CKR_TOKEN_WRITE_PROTECTED } },
};

const char *
p11_fn_name(enum p11_fn fn)
{
    return table[fn].name;
}

bool
p11_rv_allowed(enum p11_fn fn, CK_RV rv)
{
    const struct fn_rvs *f = &table[fn];

    /* §5.1.1: any function */
    if (rv == CKR_OK || rv == CKR_GENERAL_ERROR || rv == CKR_HOST_MEMORY ||
        rv == CKR_FUNCTION_FAILED)
        return true;
    if ((f->cats & USES_SESSION) &&
        (rv == CKR_SESSION_HANDLE_INVALID || rv == CKR_DEVICE_REMOVED ||
         rv == CKR_SESSION_CLOSED))
        return true;
    if ((f->cats & USES_TOKEN) &&
        (rv == CKR_DEVICE_MEMORY || rv == CKR_DEVICE_ERROR ||
         rv == CKR_DEVICE_REMOVED ||
         (rv == CKR_TOKEN_NOT_PRESENT && !(f->cats & USES_SESSION))))
        return true;
    for (size_t i = 0; i < MAX_OWN && f->own[i] != CKR_OK; i++)
        if (f->own[i] == rv)
            return true;
    return false;
}

CK_RV
p11_rv_check(enum p11_fn fn, CK_RV rv)
{
    if (!p11_rv_allowed(fn, rv)) {
        fprintf(stderr,
                "fuzz-p11-module: %s returned 0x%lx, not a value "
                "PKCS#11 v3.0 §5 allows it\n",
                p11_fn_name(fn), (unsigned long)rv);
        abort();
    }
    return rv;
}
