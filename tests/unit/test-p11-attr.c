/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Attribute lists (pkcs11/attr.c): C_GetAttributeValue's rules of the
 * PKCS#11 3.0 base spec §5.7.5 and C_FindObjects' matching (§5.7.7).
 * Meant to run under ASan: set/replace/clear must not leak or overrun.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "attr.h"

static const uint8_t label[] = "hello";      /* 5 bytes without the NUL */
static const uint8_t secret[] = { 1, 2, 3 }; /* a "sensitive" value */

/* A certificate-like object: class, label, id, empty URL, secret. */
static int
setup(void **state)
{
    struct myna_attrs *a = malloc(sizeof(*a));

    if (a == NULL)
        return -1;
    myna_attrs_init(a);
    if (myna_attrs_set_ulong(a, CKA_CLASS, CKO_CERTIFICATE) != CKR_OK ||
        myna_attrs_set_string(a, CKA_LABEL, "hello") != CKR_OK ||
        myna_attrs_set_bool(a, CKA_TOKEN, CK_TRUE) != CKR_OK ||
        myna_attrs_set(a, CKA_URL, NULL, 0) != CKR_OK ||
        myna_attrs_set(a, CKA_VALUE, secret, sizeof(secret)) != CKR_OK) {
        myna_attrs_clear(a);
        free(a);
        return -1;
    }
    myna_attrs_set_sensitive(a, CKA_VALUE);
    *state = a;
    return 0;
}

static int
teardown(void **state)
{
    struct myna_attrs *a = *state;

    myna_attrs_clear(a);
    free(a);
    return 0;
}

static void
test_init_clear(void **state)
{
    struct myna_attrs a;

    (void)state;
    myna_attrs_init(&a);
    assert_null(a.items);
    assert_int_equal(a.n, 0);
    myna_attrs_clear(&a); /* empty: no-op */
    myna_attrs_clear(NULL);
    assert_null(myna_attrs_find(&a, CKA_CLASS));
}

static void
test_set_types(void **state)
{
    struct myna_attrs *a = *state;
    const struct myna_attr *it;

    it = myna_attrs_find(a, CKA_CLASS);
    assert_non_null(it);
    assert_int_equal(it->len, sizeof(CK_ULONG));
    assert_int_equal(*(const CK_ULONG *)it->value, CKO_CERTIFICATE);
    it = myna_attrs_find(a, CKA_TOKEN);
    assert_non_null(it);
    assert_int_equal(it->len, sizeof(CK_BBOOL));
    assert_int_equal(*(const CK_BBOOL *)it->value, CK_TRUE);
    it = myna_attrs_find(a, CKA_LABEL);
    assert_non_null(it);
    assert_int_equal(it->len, 5);
    assert_memory_equal(it->value, label, 5);
    it = myna_attrs_find(a, CKA_URL);
    assert_non_null(it);
    assert_int_equal(it->len, 0);
    assert_null(it->value);
    assert_null(myna_attrs_find(a, CKA_ID));
}

static void
test_set_replaces(void **state)
{
    struct myna_attrs *a = *state;
    const struct myna_attr *it;
    size_t n = a->n;

    assert_int_equal(myna_attrs_set_string(a, CKA_LABEL, "a longer label"),
                     CKR_OK);
    assert_int_equal(a->n, n);
    it = myna_attrs_find(a, CKA_LABEL);
    assert_int_equal(it->len, 14);
    assert_memory_equal(it->value, "a longer label", 14);
    /* Replace by an empty value: stored as NULL. */
    assert_int_equal(myna_attrs_set(a, CKA_LABEL, NULL, 0), CKR_OK);
    it = myna_attrs_find(a, CKA_LABEL);
    assert_int_equal(it->len, 0);
    assert_null(it->value);
    assert_int_equal(a->n, n);
    /* Replacing keeps the sensitive mark. */
    assert_int_equal(myna_attrs_set(a, CKA_VALUE, label, 5), CKR_OK);
    assert_true(myna_attrs_find(a, CKA_VALUE)->sensitive);
    /* A value taken from the list itself. */
    it = myna_attrs_find(a, CKA_VALUE);
    assert_int_equal(myna_attrs_set(a, CKA_VALUE, it->value, 2), CKR_OK);
    assert_memory_equal(myna_attrs_find(a, CKA_VALUE)->value, "he", 2);
}

static void
test_set_bad_args(void **state)
{
    struct myna_attrs *a = *state;

    assert_int_equal(myna_attrs_set(a, CKA_ID, NULL, 3), CKR_ARGUMENTS_BAD);
    assert_int_equal(myna_attrs_set(NULL, CKA_ID, label, 3), CKR_ARGUMENTS_BAD);
    assert_int_equal(myna_attrs_set_string(a, CKA_ID, NULL), CKR_ARGUMENTS_BAD);
    assert_null(myna_attrs_find(a, CKA_ID));
    /* Marking an absent attribute does not create it. */
    myna_attrs_set_sensitive(a, CKA_ID);
    assert_null(myna_attrs_find(a, CKA_ID));
}

/* Many attributes: the array grows and clear frees every value. */
static void
test_grow_clear(void **state)
{
    struct myna_attrs a;
    uint8_t buf[64];

    (void)state;
    myna_attrs_init(&a);
    for (CK_ULONG t = 0; t < 200; t++) {
        memset(buf, (int)t, sizeof(buf));
        assert_int_equal(myna_attrs_set(&a, 0x80000000UL + t, buf, t % 64),
                         CKR_OK);
    }
    assert_int_equal(a.n, 200);
    for (CK_ULONG t = 0; t < 200; t++) {
        const struct myna_attr *it = myna_attrs_find(&a, 0x80000000UL + t);

        assert_non_null(it);
        assert_int_equal(it->len, t % 64);
        if (it->len == 0)
            assert_null(it->value);
        else
            assert_int_equal(((const uint8_t *)it->value)[0], t & 0xff);
    }
    myna_attrs_clear(&a);
    assert_int_equal(a.n, 0);
    assert_null(a.items);
}

/* §5.7.5 case 3: pValue NULL gives the exact length. */
static void
test_get_length_query(void **state)
{
    struct myna_attrs *a = *state;
    CK_ATTRIBUTE t[] = {
        { CKA_LABEL, NULL, 12345 },
        { CKA_CLASS, NULL, 0 },
        { CKA_URL, NULL, 99 },
    };

    assert_int_equal(myna_attrs_get(a, t, 3), CKR_OK);
    assert_int_equal(t[0].ulValueLen, 5);
    assert_int_equal(t[1].ulValueLen, sizeof(CK_ULONG));
    assert_int_equal(t[2].ulValueLen, 0);
}

/* §5.7.5 case 4: a buffer of exactly the length, and a larger one. */
static void
test_get_copy(void **state)
{
    struct myna_attrs *a = *state;
    uint8_t exact[5], big[32];
    CK_ULONG cls = 0;
    CK_ATTRIBUTE t[] = {
        { CKA_LABEL, exact, sizeof(exact) },
        { CKA_CLASS, &cls, sizeof(cls) },
    };
    CK_ATTRIBUTE t2 = { CKA_LABEL, big, sizeof(big) };

    assert_int_equal(myna_attrs_get(a, t, 2), CKR_OK);
    assert_int_equal(t[0].ulValueLen, 5);
    assert_memory_equal(exact, label, 5);
    assert_int_equal(t[1].ulValueLen, sizeof(CK_ULONG));
    assert_int_equal(cls, CKO_CERTIFICATE);

    memset(big, 0xAA, sizeof(big));
    assert_int_equal(myna_attrs_get(a, &t2, 1), CKR_OK);
    assert_int_equal(t2.ulValueLen, 5);
    assert_memory_equal(big, label, 5);
    assert_int_equal(big[5], 0xAA); /* nothing past the value */
}

/* An empty value with a non-NULL buffer: length 0, nothing written. */
static void
test_get_empty_value(void **state)
{
    struct myna_attrs *a = *state;
    uint8_t buf[4] = { 0xAA, 0xAA, 0xAA, 0xAA };
    CK_ATTRIBUTE t = { CKA_URL, buf, sizeof(buf) };

    assert_int_equal(myna_attrs_get(a, &t, 1), CKR_OK);
    assert_int_equal(t.ulValueLen, 0);
    assert_int_equal(buf[0], 0xAA);
}

/* §5.7.5 case 5: too small → CK_UNAVAILABLE_INFORMATION, no copy. */
static void
test_get_too_small(void **state)
{
    struct myna_attrs *a = *state;
    uint8_t buf[4] = { 0xAA, 0xAA, 0xAA, 0xAA };
    CK_ATTRIBUTE t = { CKA_LABEL, buf, sizeof(buf) };
    CK_ATTRIBUTE z = { CKA_LABEL, buf, 0 };

    assert_int_equal(myna_attrs_get(a, &t, 1), CKR_BUFFER_TOO_SMALL);
    assert_int_equal(t.ulValueLen, CK_UNAVAILABLE_INFORMATION);
    assert_int_equal(buf[0], 0xAA);
    assert_int_equal(myna_attrs_get(a, &z, 1), CKR_BUFFER_TOO_SMALL);
    assert_int_equal(z.ulValueLen, CK_UNAVAILABLE_INFORMATION);
}

/* §5.7.5 case 1: sensitive, also for a length query. */
static void
test_get_sensitive(void **state)
{
    struct myna_attrs *a = *state;
    uint8_t buf[16];
    CK_ATTRIBUTE t = { CKA_VALUE, buf, sizeof(buf) };
    CK_ATTRIBUTE q = { CKA_VALUE, NULL, 0 };

    memset(buf, 0xAA, sizeof(buf));
    assert_int_equal(myna_attrs_get(a, &t, 1), CKR_ATTRIBUTE_SENSITIVE);
    assert_int_equal(t.ulValueLen, CK_UNAVAILABLE_INFORMATION);
    assert_int_equal(buf[0], 0xAA);
    assert_int_equal(myna_attrs_get(a, &q, 1), CKR_ATTRIBUTE_SENSITIVE);
    assert_int_equal(q.ulValueLen, CK_UNAVAILABLE_INFORMATION);
}

/* §5.7.5 case 2: not an attribute of the object. */
static void
test_get_invalid_type(void **state)
{
    struct myna_attrs *a = *state;
    uint8_t buf[16];
    CK_ATTRIBUTE t = { CKA_MODULUS, buf, sizeof(buf) };
    CK_ATTRIBUTE q = { CKA_ID, NULL, 0 };

    assert_int_equal(myna_attrs_get(a, &t, 1), CKR_ATTRIBUTE_TYPE_INVALID);
    assert_int_equal(t.ulValueLen, CK_UNAVAILABLE_INFORMATION);
    assert_int_equal(myna_attrs_get(a, &q, 1), CKR_ATTRIBUTE_TYPE_INVALID);
    assert_int_equal(q.ulValueLen, CK_UNAVAILABLE_INFORMATION);
}

static int
is_get_error(CK_RV rv)
{
    return rv == CKR_ATTRIBUTE_SENSITIVE || rv == CKR_ATTRIBUTE_TYPE_INVALID ||
           rv == CKR_BUFFER_TOO_SMALL;
}

/*
 * §5.7.5: every entry is processed although some fail; the result is one
 * of the codes that apply (this module: the first).  Errors first and
 * last, so that "stop at the first error" would fail.
 */
static void
test_get_mixed(void **state)
{
    struct myna_attrs *a = *state;
    uint8_t small[2], lab[8];
    CK_ULONG cls = 0;
    CK_BBOOL tok = CK_FALSE;
    CK_ATTRIBUTE t[] = {
        { CKA_MODULUS, NULL, 0 },            /* invalid */
        { CKA_LABEL, lab, sizeof(lab) },     /* ok */
        { CKA_VALUE, NULL, 0 },              /* sensitive */
        { CKA_CLASS, &cls, sizeof(cls) },    /* ok */
        { CKA_LABEL, small, sizeof(small) }, /* too small */
        { CKA_URL, NULL, 7 },                /* length query → 0 */
        { CKA_TOKEN, &tok, sizeof(tok) },    /* ok */
        { CKA_ID, lab, sizeof(lab) },        /* invalid */
    };
    CK_ATTRIBUTE t2[] = {
        { CKA_CLASS, &cls, sizeof(cls) },
        { CKA_LABEL, small, sizeof(small) },
        { CKA_VALUE, NULL, 0 },
    };
    CK_RV rv;

    rv = myna_attrs_get(a, t, 8);
    assert_true(is_get_error(rv));
    assert_int_equal(rv, CKR_ATTRIBUTE_TYPE_INVALID); /* the first */
    assert_int_equal(t[0].ulValueLen, CK_UNAVAILABLE_INFORMATION);
    assert_int_equal(t[1].ulValueLen, 5);
    assert_memory_equal(lab, label, 5);
    assert_int_equal(t[2].ulValueLen, CK_UNAVAILABLE_INFORMATION);
    assert_int_equal(t[3].ulValueLen, sizeof(CK_ULONG));
    assert_int_equal(cls, CKO_CERTIFICATE);
    assert_int_equal(t[4].ulValueLen, CK_UNAVAILABLE_INFORMATION);
    assert_int_equal(t[5].ulValueLen, 0);
    assert_int_equal(t[6].ulValueLen, sizeof(CK_BBOOL));
    assert_int_equal(tok, CK_TRUE);
    assert_int_equal(t[7].ulValueLen, CK_UNAVAILABLE_INFORMATION);

    cls = 0;
    assert_int_equal(myna_attrs_get(a, t2, 3), CKR_BUFFER_TOO_SMALL);
    assert_int_equal(cls, CKO_CERTIFICATE);
    assert_int_equal(t2[2].ulValueLen, CK_UNAVAILABLE_INFORMATION);
}

static void
test_get_args(void **state)
{
    struct myna_attrs *a = *state;

    assert_int_equal(myna_attrs_get(a, NULL, 1), CKR_ARGUMENTS_BAD);
    assert_int_equal(myna_attrs_get(a, NULL, 0), CKR_OK);
    assert_int_equal(myna_attrs_get(NULL, NULL, 0), CKR_ARGUMENTS_BAD);
}

static void
test_match(void **state)
{
    struct myna_attrs *a = *state;
    CK_ULONG cert = CKO_CERTIFICATE, key = CKO_PRIVATE_KEY;
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    CK_ATTRIBUTE all[] = {
        { CKA_CLASS, &cert, sizeof(cert) },
        { CKA_LABEL, (void *)label, 5 },
        { CKA_TOKEN, &yes, sizeof(yes) },
        { CKA_URL, NULL, 0 },
    };
    CK_ATTRIBUTE cls_only = { CKA_CLASS, &cert, sizeof(cert) };
    CK_ATTRIBUTE wrong_cls = { CKA_CLASS, &key, sizeof(key) };
    CK_ATTRIBUTE wrong_bool = { CKA_TOKEN, &no, sizeof(no) };
    CK_ATTRIBUTE prefix = { CKA_LABEL, (void *)label, 4 };
    CK_ATTRIBUTE longer = { CKA_LABEL, (void *)"hello!", 6 };
    CK_ATTRIBUTE other = { CKA_LABEL, (void *)"world", 5 };
    CK_ATTRIBUTE empty_label = { CKA_LABEL, NULL, 0 };
    CK_ATTRIBUTE absent = { CKA_ID, NULL, 0 };
    CK_ATTRIBUTE url_buf = { CKA_URL, (void *)label, 0 };
    CK_ATTRIBUTE url_nonempty = { CKA_URL, (void *)label, 1 };
    CK_ATTRIBUTE secret_eq = { CKA_VALUE, (void *)secret, sizeof(secret) };
    CK_ATTRIBUTE bad_ptr = { CKA_LABEL, NULL, 5 };

    /* The empty template matches every object. */
    assert_true(myna_attrs_match(a, NULL, 0));
    assert_true(myna_attrs_match(a, all, 0));
    assert_true(myna_attrs_match(a, all, 4));
    assert_true(myna_attrs_match(a, &all[1], 2)); /* partial */
    assert_true(myna_attrs_match(a, &cls_only, 1));
    assert_true(myna_attrs_match(a, &url_buf, 1));
    assert_false(myna_attrs_match(a, &wrong_cls, 1));
    assert_false(myna_attrs_match(a, &wrong_bool, 1));
    assert_false(myna_attrs_match(a, &prefix, 1));
    assert_false(myna_attrs_match(a, &longer, 1));
    assert_false(myna_attrs_match(a, &other, 1));
    assert_false(myna_attrs_match(a, &empty_label, 1));
    assert_false(myna_attrs_match(a, &absent, 1));
    assert_false(myna_attrs_match(a, &url_nonempty, 1));
    assert_false(myna_attrs_match(a, &secret_eq, 1)); /* sensitive */
    assert_false(myna_attrs_match(a, &bad_ptr, 1));
    assert_false(myna_attrs_match(a, NULL, 1));
    assert_false(myna_attrs_match(NULL, NULL, 0));

    /* One mismatch among matches fails the whole template. */
    all[2].pValue = &no;
    assert_false(myna_attrs_match(a, all, 4));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_clear),
        cmocka_unit_test_setup_teardown(test_set_types, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_replaces, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_bad_args, setup, teardown),
        cmocka_unit_test(test_grow_clear),
        cmocka_unit_test_setup_teardown(test_get_length_query, setup, teardown),
        cmocka_unit_test_setup_teardown(test_get_copy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_get_empty_value, setup, teardown),
        cmocka_unit_test_setup_teardown(test_get_too_small, setup, teardown),
        cmocka_unit_test_setup_teardown(test_get_sensitive, setup, teardown),
        cmocka_unit_test_setup_teardown(test_get_invalid_type, setup, teardown),
        cmocka_unit_test_setup_teardown(test_get_mixed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_get_args, setup, teardown),
        cmocka_unit_test_setup_teardown(test_match, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
