/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Object attribute lists: an owned array of (type, value) pairs, with
 * C_GetAttributeValue's rules (PKCS#11 3.0 base spec §5.7.5) and
 * C_FindObjects' template matching (§5.7.7).  Lists are small (a few dozen
 * entries), so lookups are linear.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "attr.h"

void
myna_attrs_init(struct myna_attrs *a)
{
    a->items = NULL;
    a->n = 0;
    a->cap = 0;
}

void
myna_attrs_clear(struct myna_attrs *a)
{
    if (a == NULL)
        return;
    for (size_t i = 0; i < a->n; i++)
        free(a->items[i].value);
    free(a->items);
    myna_attrs_init(a);
}

static struct myna_attr *
find_mut(const struct myna_attrs *a, CK_ATTRIBUTE_TYPE type)
{
    for (size_t i = 0; i < a->n; i++) {
        if (a->items[i].type == type)
            return &a->items[i];
    }
    return NULL;
}

const struct myna_attr *
myna_attrs_find(const struct myna_attrs *a, CK_ATTRIBUTE_TYPE type)
{
    if (a == NULL)
        return NULL;
    return find_mut(a, type);
}

/* Make room for one more item; the array doubles (from 16). */
static CK_RV
grow(struct myna_attrs *a)
{
    struct myna_attr *items;
    size_t cap;

    if (a->n < a->cap)
        return CKR_OK;
    cap = a->cap != 0 ? a->cap * 2 : 16;
    if (cap < a->cap || cap > SIZE_MAX / sizeof(*items))
        return CKR_HOST_MEMORY;
    items = realloc(a->items, cap * sizeof(*items));
    if (items == NULL)
        return CKR_HOST_MEMORY;
    a->items = items;
    a->cap = cap;
    return CKR_OK;
}

/*
 * Replacing keeps the sensitive mark: once an attribute is declared
 * sensitive, no later update can make its value readable by accident.
 */
CK_RV
myna_attrs_set(struct myna_attrs *a, CK_ATTRIBUTE_TYPE type, const void *value,
               CK_ULONG len)
{
    struct myna_attr *it;
    void *copy = NULL;
    CK_RV rv;

    if (a == NULL || (value == NULL && len != 0))
        return CKR_ARGUMENTS_BAD;
    if (len != 0) {
        copy = malloc((size_t)len);
        if (copy == NULL)
            return CKR_HOST_MEMORY;
        memcpy(copy, value, (size_t)len);
    }
    it = find_mut(a, type);
    if (it == NULL) {
        rv = grow(a);
        if (rv != CKR_OK) {
            free(copy);
            return rv;
        }
        it = &a->items[a->n++];
        it->type = type;
        it->sensitive = false;
    } else {
        free(it->value);
    }
    it->value = copy;
    it->len = len;
    return CKR_OK;
}

CK_RV
myna_attrs_set_bool(struct myna_attrs *a, CK_ATTRIBUTE_TYPE type, CK_BBOOL v)
{
    return myna_attrs_set(a, type, &v, sizeof(v));
}

CK_RV
myna_attrs_set_ulong(struct myna_attrs *a, CK_ATTRIBUTE_TYPE type, CK_ULONG v)
{
    return myna_attrs_set(a, type, &v, sizeof(v));
}

CK_RV
myna_attrs_set_string(struct myna_attrs *a, CK_ATTRIBUTE_TYPE type,
                      const char *s)
{
    if (s == NULL)
        return CKR_ARGUMENTS_BAD;
    return myna_attrs_set(a, type, s, (CK_ULONG)strlen(s));
}

/* Absent attributes are left absent: callers that want "exists but is
 * secret" (CKA_PRIVATE_EXPONENT of a card key) set it empty first. */
void
myna_attrs_set_sensitive(struct myna_attrs *a, CK_ATTRIBUTE_TYPE type)
{
    struct myna_attr *it;

    if (a == NULL)
        return;
    it = find_mut(a, type);
    if (it != NULL)
        it->sensitive = true;
}

/* One template entry of C_GetAttributeValue (§5.7.5 cases 1-5). */
static CK_RV
get_one(const struct myna_attrs *a, CK_ATTRIBUTE *t)
{
    const struct myna_attr *it = find_mut(a, t->type);

    if (it != NULL && it->sensitive) {
        /* 1. Sensitive or unextractable: never revealed. */
        t->ulValueLen = CK_UNAVAILABLE_INFORMATION;
        return CKR_ATTRIBUTE_SENSITIVE;
    }
    if (it == NULL) {
        /* 2. Not an attribute of this object. */
        t->ulValueLen = CK_UNAVAILABLE_INFORMATION;
        return CKR_ATTRIBUTE_TYPE_INVALID;
    }
    if (t->pValue == NULL) {
        /* 3. Length query. */
        t->ulValueLen = it->len;
        return CKR_OK;
    }
    if (t->ulValueLen < it->len) {
        /* 5. Buffer too small: nothing copied, length unavailable. */
        t->ulValueLen = CK_UNAVAILABLE_INFORMATION;
        return CKR_BUFFER_TOO_SMALL;
    }
    /* 4. Copy; ulValueLen becomes the exact length. */
    if (it->len != 0)
        memcpy(t->pValue, it->value, (size_t)it->len);
    t->ulValueLen = it->len;
    return CKR_OK;
}

/*
 * §5.7.5: every entry is processed even after an error, and when several
 * errors apply "any of them" may be returned; the first one encountered
 * is, which is what most modules (SoftHSM2, OpenSC) do.
 */
CK_RV
myna_attrs_get(const struct myna_attrs *a, CK_ATTRIBUTE_PTR tmpl,
               CK_ULONG count)
{
    CK_RV rv = CKR_OK, r;

    if (a == NULL || (tmpl == NULL && count != 0))
        return CKR_ARGUMENTS_BAD;
    for (CK_ULONG i = 0; i < count; i++) {
        r = get_one(a, &tmpl[i]);
        if (rv == CKR_OK)
            rv = r;
    }
    return rv;
}

/*
 * §5.7.7: an object matches when every template attribute is present with
 * exactly the same length and bytes (an empty entry, pValue NULL and
 * ulValueLen 0, matches an empty value only).  A sensitive attribute never
 * matches, so that C_FindObjects cannot be used as an oracle for it.
 */
bool
myna_attrs_match(const struct myna_attrs *a, const CK_ATTRIBUTE *tmpl,
                 CK_ULONG count)
{
    const struct myna_attr *it;

    if (a == NULL || (tmpl == NULL && count != 0))
        return false;
    for (CK_ULONG i = 0; i < count; i++) {
        it = find_mut(a, tmpl[i].type);
        if (it == NULL || it->sensitive || it->len != tmpl[i].ulValueLen)
            return false;
        if (it->len == 0)
            continue;
        if (tmpl[i].pValue == NULL ||
            memcmp(it->value, tmpl[i].pValue, (size_t)it->len) != 0)
            return false;
    }
    return true;
}
