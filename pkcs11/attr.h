/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Object attributes: a small owned list per object, and the two PKCS#11
 * algorithms over it, C_GetAttributeValue's length-query rules (base spec
 * §5.7.5) and C_FindObjects' template matching (§5.7.7).  Not locked: the
 * caller holds the module lock.
 */
#ifndef MYNA_PKCS11_ATTR_H
#define MYNA_PKCS11_ATTR_H

#include <stdbool.h>
#include <stddef.h>

#include "pkcs11-3.h"

struct myna_attr {
    CK_ATTRIBUTE_TYPE type;
    void *value; /* owned, malloc'd; NULL when len == 0 */
    CK_ULONG len;
    bool sensitive; /* C_GetAttributeValue: CKR_ATTRIBUTE_SENSITIVE */
};

struct myna_attrs {
    struct myna_attr *items;
    size_t n, cap;
};

void myna_attrs_init(struct myna_attrs *a);
void myna_attrs_clear(struct myna_attrs *a); /* frees every value */

/* Add or replace.  Return CKR_OK or CKR_HOST_MEMORY. */
CK_RV myna_attrs_set(struct myna_attrs *a, CK_ATTRIBUTE_TYPE type,
                     const void *value, CK_ULONG len);
CK_RV myna_attrs_set_bool(struct myna_attrs *a, CK_ATTRIBUTE_TYPE type,
                          CK_BBOOL v);
CK_RV myna_attrs_set_ulong(struct myna_attrs *a, CK_ATTRIBUTE_TYPE type,
                           CK_ULONG v);
CK_RV myna_attrs_set_string(struct myna_attrs *a, CK_ATTRIBUTE_TYPE type,
                            const char *s); /* without the NUL */
/* Mark an attribute sensitive (value never returned). */
void myna_attrs_set_sensitive(struct myna_attrs *a, CK_ATTRIBUTE_TYPE type);

const struct myna_attr *myna_attrs_find(const struct myna_attrs *a,
                                        CK_ATTRIBUTE_TYPE type);

/*
 * C_GetAttributeValue over a template (§5.7.5): for every entry, in order:
 * sensitive -> ulValueLen = CK_UNAVAILABLE_INFORMATION,
 * CKR_ATTRIBUTE_SENSITIVE; unknown type -> CK_UNAVAILABLE_INFORMATION,
 * CKR_ATTRIBUTE_TYPE_INVALID; pValue NULL -> ulValueLen = length; too small ->
 * CK_UNAVAILABLE_INFORMATION, CKR_BUFFER_TOO_SMALL; else copy.  All entries are
 * processed; the result is CKR_OK or one of those three codes.  CKA_* arrays
 * (CKF_ARRAY_ATTRIBUTE) are not used by this module.
 */
CK_RV myna_attrs_get(const struct myna_attrs *a, CK_ATTRIBUTE_PTR tmpl,
                     CK_ULONG count);

/* 1 when every template entry is present with an equal value. */
bool myna_attrs_match(const struct myna_attrs *a, const CK_ATTRIBUTE *tmpl,
                      CK_ULONG count);

#endif
