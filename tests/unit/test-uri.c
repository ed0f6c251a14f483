/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pkcs11: URI parser (provider/uri.c): every example of RFC 7512 §3 with
 * every field of the result checked, our own card's URIs, and one error
 * case per rule of §2.3 the parser enforces.  Meant to run under ASan.
 */
#include "config.h"

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "uri.h"

/* CKO_* (PKCS#11 3.0 §4.1) */
#define CKO_DATA 0UL
#define CKO_CERTIFICATE 1UL
#define CKO_PUBLIC_KEY 2UL
#define CKO_PRIVATE_KEY 3UL
#define CKO_SECRET_KEY 4UL

/* The expected result: NULL strings mean absent, id NULL means no id. */
struct want {
    const char *token;
    const char *manufacturer;
    const char *serial;
    const char *model;
    const char *library_manufacturer;
    const char *library_description;
    const char *library_version;
    const char *slot_description;
    const char *slot_manufacturer;
    bool has_slot_id;
    unsigned long slot_id;
    const char *object;
    const char *id; /* bytes, id_len of them */
    size_t id_len;
    bool has_type;
    unsigned long type;
    const char *pin_value;
    const char *pin_source;
    const char *module_name;
    const char *module_path;
};

static void
check_str(const char *got, const char *want)
{
    if (want == NULL) {
        assert_null(got);
        return;
    }
    assert_non_null(got);
    assert_string_equal(got, want);
}

/* Parse s, which must succeed, and compare every field with w. */
static void
check_uri(const char *s, const struct want *w)
{
    const char *err = "unset";
    struct myna_uri *u = myna_uri_parse(s, &err);

    if (u == NULL)
        fail_msg("%s: %s", s, err);
    assert_null(err);
    check_str(u->token, w->token);
    check_str(u->manufacturer, w->manufacturer);
    check_str(u->serial, w->serial);
    check_str(u->model, w->model);
    check_str(u->library_manufacturer, w->library_manufacturer);
    check_str(u->library_description, w->library_description);
    check_str(u->library_version, w->library_version);
    check_str(u->slot_description, w->slot_description);
    check_str(u->slot_manufacturer, w->slot_manufacturer);
    assert_int_equal(u->has_slot_id, w->has_slot_id);
    assert_int_equal(u->slot_id, w->has_slot_id ? w->slot_id : 0);
    check_str(u->object, w->object);
    assert_int_equal(u->has_id, w->id != NULL);
    if (w->id != NULL) {
        assert_non_null(u->id);
        assert_int_equal(u->id_len, w->id_len);
        assert_memory_equal(u->id, w->id, w->id_len);
    } else {
        assert_null(u->id);
        assert_int_equal(u->id_len, 0);
    }
    assert_int_equal(u->has_type, w->has_type);
    assert_int_equal(u->type, w->has_type ? w->type : 0);
    check_str(u->pin_value, w->pin_value);
    check_str(u->pin_source, w->pin_source);
    check_str(u->module_name, w->module_name);
    check_str(u->module_path, w->module_path);
    myna_uri_free(u);
}

/* Parse s, which must fail with exactly the message want. */
static void
check_err(const char *s, const char *want)
{
    const char *err = NULL;
    struct myna_uri *u = myna_uri_parse(s, &err);

    if (u != NULL) {
        myna_uri_free(u);
        fail_msg("%s: accepted", s);
    }
    assert_non_null(err);
    assert_string_equal(err, want);
}

/* ---- RFC 7512 §3 examples ---- */

static void
test_rfc_empty(void **state)
{
    static const struct want w = { 0 };

    (void)state;
    check_uri("pkcs11:", &w);
}

static void
test_rfc_pubkey(void **state)
{
    static const struct want w = {
        .object = "my-pubkey",
        .has_type = true,
        .type = CKO_PUBLIC_KEY,
    };

    (void)state;
    check_uri("pkcs11:object=my-pubkey;type=public", &w);
}

static void
test_rfc_pin_source(void **state)
{
    static const struct want w = {
        .object = "my-key",
        .has_type = true,
        .type = CKO_PRIVATE_KEY,
        .pin_source = "file:/etc/token",
    };

    (void)state;
    check_uri("pkcs11:object=my-key;type=private?pin-source=file:/etc/token",
              &w);
}

static void
test_rfc_full_token(void **state)
{
    static const struct want w = {
        .token = "The Software PKCS#11 Softtoken",
        .manufacturer = "Snake Oil, Inc.",
        .model = "1.0",
        .object = "my-certificate",
        .has_type = true,
        .type = CKO_CERTIFICATE,
        .id = "\x69\x95\x3e\x5c\xf4\xbd\xec\x91",
        .id_len = 8,
        .serial = "",
        .pin_source = "file:/etc/token_pin",
    };

    (void)state;
    check_uri("pkcs11:token=The%20Software%20PKCS%2311%20Softtoken;"
              "manufacturer=Snake%20Oil,%20Inc.;model=1.0;"
              "object=my-certificate;type=cert;"
              "id=%69%95%3E%5C%F4%BD%EC%91;serial="
              "?pin-source=file:/etc/token_pin",
              &w);
}

static void
test_rfc_module_name(void **state)
{
    static const struct want w = {
        .object = "my-sign-key",
        .has_type = true,
        .type = CKO_PRIVATE_KEY,
        .module_name = "mypkcs11",
    };

    (void)state;
    check_uri("pkcs11:object=my-sign-key;type=private?module-name=mypkcs11",
              &w);
}

static void
test_rfc_module_path(void **state)
{
    static const struct want w = {
        .object = "my-sign-key",
        .has_type = true,
        .type = CKO_PRIVATE_KEY,
        .module_path = "/mnt/libmypkcs11.so.1",
    };

    (void)state;
    check_uri("pkcs11:object=my-sign-key;type=private"
              "?module-path=/mnt/libmypkcs11.so.1",
              &w);
}

static void
test_rfc_pin_value(void **state)
{
    static const struct want w = {
        .token = "Software PKCS#11 softtoken",
        .manufacturer = "Snake Oil, Inc.",
        .pin_value = "the-pin",
    };

    (void)state;
    check_uri("pkcs11:token=Software%20PKCS%2311%20softtoken;"
              "manufacturer=Snake%20Oil,%20Inc.?pin-value=the-pin",
              &w);
}

static void
test_rfc_slot_description(void **state)
{
    static const struct want w = {
        .slot_description = "Sun Metaslot",
    };

    (void)state;
    check_uri("pkcs11:slot-description=Sun%20Metaslot", &w);
}

static void
test_rfc_library(void **state)
{
    static const struct want w = {
        .library_manufacturer = "Snake Oil, Inc.",
        .library_description = "Soft Token Library",
        .library_version = "1.23",
    };

    (void)state;
    check_uri("pkcs11:library-manufacturer=Snake%20Oil,%20Inc.;"
              "library-description=Soft%20Token%20Library;"
              "library-version=1.23",
              &w);
}

static void
test_rfc_mixed_case_hex(void **state)
{
    static const struct want w = {
        .token = "My token% created by Joe",
        .library_version = "3",
        .id = "\x01\x02\x03\xba\xdd\xef\xab",
        .id_len = 7,
        .object = "\xa1\xa2\xa3\xa4",
    };

    (void)state;
    check_uri("pkcs11:token=My%20token%25%20created%20by%20Joe;"
              "library-version=3;id=%01%02%03%Ba%dd%Ef%aB;"
              "object=%A1%A2%A3%A4",
              &w);
}

static void
test_rfc_substring(void **state)
{
    static const struct want w = {
        .token = "A name with a substring %;",
        .object = "my-certificate",
        .has_type = true,
        .type = CKO_CERTIFICATE,
    };

    (void)state;
    check_uri("pkcs11:token=A%20name%20with%20a%20substring%20%25%3B;"
              "object=my-certificate;type=cert",
              &w);
}

static void
test_rfc_utf8(void **state)
{
    static const struct want w = {
        .token = "Name with a small A with acute: \xc3\xa1",
        .object = "my-certificate",
        .has_type = true,
        .type = CKO_CERTIFICATE,
    };

    (void)state;
    check_uri("pkcs11:token=Name%20with%20a%20small%20A%20with%20acute:"
              "%20%C3%A1;object=my-certificate;type=cert",
              &w);
}

static void
test_rfc_vendor(void **state)
{
    static const struct want w = {
        .token = "my-token",
        .object = "my-certificate",
        .has_type = true,
        .type = CKO_CERTIFICATE,
        .pin_source = "file:/etc/token_pin",
    };

    (void)state;
    check_uri("pkcs11:token=my-token;object=my-certificate;type=cert;"
              "x-vend-aaa=value-a"
              "?pin-source=file:/etc/token_pin&x-vend-bbb=value-b",
              &w);
}

/* ---- our own ---- */

static void
test_jpki_auth_key(void **state)
{
    static const struct want w = {
        .token = "JPKI User Authentication",
        .id = "\x01",
        .id_len = 1,
        .has_type = true,
        .type = CKO_PRIVATE_KEY,
    };

    (void)state;
    check_uri("pkcs11:token=JPKI%20User%20Authentication;id=%01;"
              "type=private",
              &w);
}

static void
test_scheme_case(void **state)
{
    static const struct want w = {
        .object = "k",
        .has_type = true,
        .type = CKO_SECRET_KEY,
    };

    (void)state;
    check_uri("PKCS11:object=k;type=secret-key", &w);
    check_uri("Pkcs11:object=k;type=secret-key", &w);
}

/* RFC 5234 §2.3: ABNF literals (names, type keywords) ignore case */
static void
test_name_case(void **state)
{
    static const struct want w = {
        .object = "MiXed",
        .has_type = true,
        .type = CKO_CERTIFICATE,
        .module_name = "m",
    };

    (void)state;
    check_uri("pkcs11:OBJECT=MiXed;Type=CERT;X-Vendor=1?Module-Name=m", &w);
}

static void
test_types(void **state)
{
    static const struct {
        const char *uri;
        unsigned long cko;
    } t[] = {
        { "pkcs11:type=cert", CKO_CERTIFICATE },
        { "pkcs11:type=private", CKO_PRIVATE_KEY },
        { "pkcs11:type=public", CKO_PUBLIC_KEY },
        { "pkcs11:type=secret-key", CKO_SECRET_KEY },
        { "pkcs11:type=data", CKO_DATA },
        { "pkcs11:type=%64ata", CKO_DATA }, /* decoded before matching */
    };

    (void)state;
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        struct want w = { .has_type = true, .type = t[i].cko };

        check_uri(t[i].uri, &w);
    }
}

static void
test_id_with_nul(void **state)
{
    static const struct want w = {
        .id = "\x00\x01\x00",
        .id_len = 3,
    };
    static const struct want empty = {
        .id = "",
        .id_len = 0,
    };

    (void)state;
    check_uri("pkcs11:id=%00%01%00", &w);
    check_uri("pkcs11:id=", &empty); /* present, zero bytes */
}

static void
test_empty_values(void **state)
{
    static const struct want w = {
        .serial = "",
        .object = "",
        .pin_value = "",
    };

    (void)state;
    check_uri("pkcs11:serial=;object=?pin-value=", &w);
}

static void
test_slot_id(void **state)
{
    static const struct want zero = { .has_slot_id = true, .slot_id = 0 };
    static const struct want max = { .has_slot_id = true,
                                     .slot_id = ULONG_MAX };
    static const struct want w = {
        .has_slot_id = true,
        .slot_id = 2053753261,
        .slot_manufacturer = "ACME",
    };

    (void)state;
    check_uri("pkcs11:slot-id=0", &zero);
    check_uri("pkcs11:slot-manufacturer=ACME;slot-id=2053753261", &w);
    if (sizeof(unsigned long) == 8)
        check_uri("pkcs11:slot-id=18446744073709551615", &max);
}

static void
test_value_with_equals(void **state)
{
    static const struct want w = {
        .object = "a=b",
        .pin_source = "file:/x?y",
    };

    (void)state;
    /* '=' is in pk11-res-avail; '?' in pk11-query-res-avail (§2.3) */
    check_uri("pkcs11:object=a=b?pin-source=file:/x?y", &w);
}

static void
test_ignored_query(void **state)
{
    static const struct want w = {
        .object = "k",
    };

    (void)state;
    check_uri("pkcs11:object=k?foo=bar&token=ignored&x-a=b", &w);
    check_uri("pkcs11:object=k?", &w); /* empty query */
}

static void
test_library_version_forms(void **state)
{
    static const struct want w = { .library_version = "0.0" };

    (void)state;
    check_uri("pkcs11:library-version=0.0", &w);
}

/* ---- errors ---- */

static void
test_err_scheme(void **state)
{
    (void)state;
    check_err("", "not a pkcs11: URI");
    check_err("pkcs11", "not a pkcs11: URI");
    check_err("pkcs12:object=a", "not a pkcs11: URI");
    check_err("file:/etc/passwd", "not a pkcs11: URI");
    check_err(" pkcs11:", "not a pkcs11: URI");
    check_err(NULL, "not a pkcs11: URI");
}

static void
test_err_percent(void **state)
{
    (void)state;
    check_err("pkcs11:object=%", "bad percent-encoding in 'object'");
    check_err("pkcs11:object=%4", "bad percent-encoding in 'object'");
    check_err("pkcs11:object=%4g", "bad percent-encoding in 'object'");
    check_err("pkcs11:object=%g4;type=cert",
              "bad percent-encoding in 'object'");
    check_err("pkcs11:id=%0", "bad percent-encoding in 'id'");
    check_err("pkcs11:?pin-value=12%3", "bad percent-encoding in 'pin-value'");
    check_err("pkcs11:x-v=%zz", "bad percent-encoding in an ignored attribute");
    check_err("pkcs11:?foo=%", "bad percent-encoding in an ignored attribute");
}

static void
test_err_nul(void **state)
{
    (void)state;
    check_err("pkcs11:object=a%00b", "NUL byte in 'object'");
    check_err("pkcs11:token=%00", "NUL byte in 'token'");
    check_err("pkcs11:?pin-value=12%0034", "NUL byte in 'pin-value'");
    check_err("pkcs11:slot-id=1%00", "NUL byte in 'slot-id'");
}

static void
test_err_type(void **state)
{
    static const char msg[] =
        "unknown type (not cert, private, public, secret-key or data)";

    (void)state;
    check_err("pkcs11:type=foo", msg);
    check_err("pkcs11:type=", msg);
    check_err("pkcs11:type=certificate", msg);
    check_err("pkcs11:type=cer", msg);
}

static void
test_err_twice(void **state)
{
    (void)state;
    check_err("pkcs11:id=%01;id=%02", "attribute 'id' given twice");
    check_err("pkcs11:object=a;type=cert;object=a",
              "attribute 'object' given twice");
    check_err("pkcs11:type=cert;type=cert", "attribute 'type' given twice");
    check_err("pkcs11:slot-id=1;slot-id=1", "attribute 'slot-id' given twice");
    check_err("pkcs11:?pin-value=1&pin-value=2",
              "attribute 'pin-value' given twice");
    check_err("pkcs11:?module-path=/a&module-path=/b",
              "attribute 'module-path' given twice");
}

static void
test_err_slot_id(void **state)
{
    (void)state;
    check_err("pkcs11:slot-id=", "slot-id is not a number");
    check_err("pkcs11:slot-id=abc", "slot-id is not a number");
    check_err("pkcs11:slot-id=-1", "slot-id is not a number");
    check_err("pkcs11:slot-id=+1", "slot-id is not a number");
    check_err("pkcs11:slot-id=%201", "slot-id is not a number");
    check_err("pkcs11:slot-id=1x", "slot-id is not a number");
    check_err("pkcs11:slot-id=99999999999999999999999",
              "slot-id is not a number");
    if (sizeof(unsigned long) == 8)
        check_err("pkcs11:slot-id=18446744073709551616",
                  "slot-id is not a number");
    else
        check_err("pkcs11:slot-id=4294967296", "slot-id is not a number");
}

static void
test_err_library_version(void **state)
{
    static const char msg[] = "library-version is not M or M.m";

    (void)state;
    check_err("pkcs11:library-version=", msg);
    check_err("pkcs11:library-version=1.", msg);
    check_err("pkcs11:library-version=.1", msg);
    check_err("pkcs11:library-version=1.2.3", msg);
    check_err("pkcs11:library-version=v1", msg);
    check_err("pkcs11:library-version=1.x", msg);
}

static void
test_err_unknown_path_attr(void **state)
{
    static const char msg[] =
        "unknown path attribute (neither RFC 7512 nor x-)";

    (void)state;
    check_err("pkcs11:foo=bar", msg);
    check_err("pkcs11:object=a;label=b", msg);
    check_err("pkcs11:pin-value=1234", msg); /* a query attribute */
    check_err("pkcs11:x-=a", msg);           /* "x-" with no name */
}

static void
test_err_syntax(void **state)
{
    (void)state;
    check_err("pkcs11:object", "path attribute is not name=value");
    check_err("pkcs11:=a", "path attribute is not name=value");
    check_err("pkcs11:object=a;", "path attribute is not name=value");
    check_err("pkcs11:;object=a", "path attribute is not name=value");
    check_err("pkcs11:?pin-value", "query attribute is not name=value");
    check_err("pkcs11:?pin-value=1&", "query attribute is not name=value");
}

static void
test_err_pin_both(void **state)
{
    (void)state;
    check_err("pkcs11:?pin-value=1&pin-source=file:/p",
              "both pin-value and pin-source given");
}

static void
test_err_too_long(void **state)
{
    static const char prefix[] = "pkcs11:object=";
    char *s = malloc(4097 + 1);
    struct myna_uri *u;
    const char *err = NULL;

    (void)state;
    assert_non_null(s);
    /* exactly 4096 bytes: accepted */
    memcpy(s, prefix, sizeof(prefix) - 1);
    memset(s + sizeof(prefix) - 1, 'a', 4096 - (sizeof(prefix) - 1));
    s[4096] = '\0';
    u = myna_uri_parse(s, &err);
    assert_non_null(u);
    assert_int_equal(strlen(u->object), 4096 - (sizeof(prefix) - 1));
    myna_uri_free(u);
    /* 4097: refused */
    s[4096] = 'a';
    s[4097] = '\0';
    check_err(s, "URI too long");
    free(s);
}

static void
test_null_err(void **state)
{
    (void)state;
    /* err may be NULL */
    assert_null(myna_uri_parse("nope", NULL));
    myna_uri_free(myna_uri_parse("pkcs11:", NULL));
    myna_uri_free(NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc_empty),
        cmocka_unit_test(test_rfc_pubkey),
        cmocka_unit_test(test_rfc_pin_source),
        cmocka_unit_test(test_rfc_full_token),
        cmocka_unit_test(test_rfc_module_name),
        cmocka_unit_test(test_rfc_module_path),
        cmocka_unit_test(test_rfc_pin_value),
        cmocka_unit_test(test_rfc_slot_description),
        cmocka_unit_test(test_rfc_library),
        cmocka_unit_test(test_rfc_mixed_case_hex),
        cmocka_unit_test(test_rfc_substring),
        cmocka_unit_test(test_rfc_utf8),
        cmocka_unit_test(test_rfc_vendor),
        cmocka_unit_test(test_jpki_auth_key),
        cmocka_unit_test(test_scheme_case),
        cmocka_unit_test(test_name_case),
        cmocka_unit_test(test_types),
        cmocka_unit_test(test_id_with_nul),
        cmocka_unit_test(test_empty_values),
        cmocka_unit_test(test_slot_id),
        cmocka_unit_test(test_value_with_equals),
        cmocka_unit_test(test_ignored_query),
        cmocka_unit_test(test_library_version_forms),
        cmocka_unit_test(test_err_scheme),
        cmocka_unit_test(test_err_percent),
        cmocka_unit_test(test_err_nul),
        cmocka_unit_test(test_err_type),
        cmocka_unit_test(test_err_twice),
        cmocka_unit_test(test_err_slot_id),
        cmocka_unit_test(test_err_library_version),
        cmocka_unit_test(test_err_unknown_path_attr),
        cmocka_unit_test(test_err_syntax),
        cmocka_unit_test(test_err_pin_both),
        cmocka_unit_test(test_err_too_long),
        cmocka_unit_test(test_null_err),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
