/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Host hashing for CKM_SHAx_RSA_PKCS (pkcs11/digest.c): the DigestInfo of
 * RFC 8017 §9.2 note 1 for every mechanism, multi-part hashing, and the
 * private OSSL_LIB_CTX (only the default provider, freed and re-created
 * across C_Finalize / C_Initialize).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/provider.h>

#include "digest.h"

struct vector {
    CK_MECHANISM_TYPE mech;
    const char *name;
    const char *prefix;   /* RFC 8017 §9.2 note 1 */
    const char *hash_abc; /* FIPS 180-4 example "abc" */
};

static const struct vector vectors[] = {
    { CKM_SHA1_RSA_PKCS, "SHA1", "3021300906052B0E03021A05000414",
      "a9993e364706816aba3e25717850c26c9cd0d89d" },
    { CKM_SHA224_RSA_PKCS, "SHA224", "302D300D06096086480165030402040500041C",
      "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7" },
    { CKM_SHA256_RSA_PKCS, "SHA256", "3031300D060960864801650304020105000420",
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
    { CKM_SHA384_RSA_PKCS, "SHA384", "3041300D060960864801650304020205000430",
      "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded163"
      "1a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7" },
    { CKM_SHA512_RSA_PKCS, "SHA512", "3051300D060960864801650304020305000440",
      "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
      "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f" },
};

#define NVECTORS (sizeof(vectors) / sizeof(vectors[0]))

static int
nibble(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    fail_msg("bad hex digit %c", c);
    return 0;
}

/* Appends the bytes of hex to out; returns how many. */
static size_t
unhex(const char *hex, uint8_t *out)
{
    size_t n = strlen(hex) / 2;

    for (size_t i = 0; i < n; i++)
        out[i] = (uint8_t)(nibble(hex[2 * i]) << 4 | nibble(hex[2 * i + 1]));
    return n;
}

static void
digest_info(CK_MECHANISM_TYPE mech, const uint8_t *data, size_t len,
            uint8_t *out, size_t *out_len)
{
    struct myna_digest *d = NULL;

    assert_int_equal(myna_digest_new(mech, &d), CKR_OK);
    assert_non_null(d);
    assert_int_equal(myna_digest_update(d, data, len), CKR_OK);
    assert_int_equal(myna_digest_final(d, out, out_len), CKR_OK);
    myna_digest_free(d);
}

/* Runs first: freeing a context that was never created is harmless. */
static void
test_free_before_create(void **state)
{
    (void)state;
    myna_libctx_free();
    myna_libctx_free();
    myna_digest_free(NULL);
}

static void
test_supported(void **state)
{
    (void)state;
    for (size_t i = 0; i < NVECTORS; i++)
        assert_true(myna_digest_mech_supported(vectors[i].mech));
    assert_false(myna_digest_mech_supported(CKM_RSA_PKCS));
    assert_false(myna_digest_mech_supported(CKM_MD5_RSA_PKCS));
    assert_false(myna_digest_mech_supported(CKM_SHA256));
    assert_false(myna_digest_mech_supported(CKM_SHA256_RSA_PKCS_PSS));
}

/* DigestInfo = prefix || H("abc"), against the published vectors. */
static void
test_abc_vectors(void **state)
{
    uint8_t want[MYNA_DIGESTINFO_MAX], got[MYNA_DIGESTINFO_MAX];
    size_t want_len, got_len = 0;

    (void)state;
    for (size_t i = 0; i < NVECTORS; i++) {
        want_len = unhex(vectors[i].prefix, want);
        want_len += unhex(vectors[i].hash_abc, want + want_len);
        assert_true(want_len <= MYNA_DIGESTINFO_MAX);
        digest_info(vectors[i].mech, (const uint8_t *)"abc", 3, got, &got_len);
        assert_int_equal(got_len, want_len);
        assert_memory_equal(got, want, want_len);
    }
}

/* The hash part also equals EVP_Digest in OpenSSL's default context. */
static void
test_vs_default_context(void **state)
{
    uint8_t data[1000], got[MYNA_DIGESTINFO_MAX], md[EVP_MAX_MD_SIZE];
    uint8_t prefix[32];
    size_t got_len = 0, plen;
    unsigned int n = 0;
    EVP_MD *evp;

    (void)state;
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)(i * 7 + 3);
    for (size_t i = 0; i < NVECTORS; i++) {
        evp = EVP_MD_fetch(NULL, vectors[i].name, NULL);
        assert_non_null(evp);
        assert_int_equal(EVP_Digest(data, sizeof(data), md, &n, evp, NULL), 1);
        EVP_MD_free(evp);
        plen = unhex(vectors[i].prefix, prefix);
        digest_info(vectors[i].mech, data, sizeof(data), got, &got_len);
        assert_int_equal(got_len, plen + n);
        assert_memory_equal(got, prefix, plen);
        assert_memory_equal(got + plen, md, n);
    }
}

/* Any split of the input, including empty and NULL/0 updates. */
static void
test_multipart(void **state)
{
    static const size_t chunks[] = { 0, 1, 3, 63, 64, 65, 127, 200, 477 };
    uint8_t data[1000], one[MYNA_DIGESTINFO_MAX], many[MYNA_DIGESTINFO_MAX];
    size_t one_len = 0, many_len = 0, off, c;
    struct myna_digest *d = NULL;

    (void)state;
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)(i ^ 0x5a);
    for (size_t i = 0; i < NVECTORS; i++) {
        digest_info(vectors[i].mech, data, sizeof(data), one, &one_len);
        assert_int_equal(myna_digest_new(vectors[i].mech, &d), CKR_OK);
        assert_int_equal(myna_digest_update(d, NULL, 0), CKR_OK);
        for (off = 0, c = 0; off < sizeof(data); c++) {
            size_t n = chunks[c % (sizeof(chunks) / sizeof(chunks[0]))];

            if (n > sizeof(data) - off)
                n = sizeof(data) - off;
            assert_int_equal(myna_digest_update(d, data + off, n), CKR_OK);
            off += n;
        }
        assert_int_equal(myna_digest_final(d, many, &many_len), CKR_OK);
        myna_digest_free(d);
        d = NULL;
        assert_int_equal(many_len, one_len);
        assert_memory_equal(many, one, one_len);
    }
}

static void
test_unsupported(void **state)
{
    struct myna_digest *d = (struct myna_digest *)&d; /* must be reset */

    (void)state;
    assert_int_equal(myna_digest_new(CKM_RSA_PKCS, &d), CKR_MECHANISM_INVALID);
    assert_null(d);
    assert_int_equal(myna_digest_new(CKM_MD5_RSA_PKCS, &d),
                     CKR_MECHANISM_INVALID);
    assert_int_equal(myna_digest_new(CKM_SHA256, &d), CKR_MECHANISM_INVALID);
    assert_int_equal(myna_digest_new(0xFFFFFFFFUL, &d), CKR_MECHANISM_INVALID);
    assert_null(d);
    assert_int_equal(myna_digest_new(CKM_SHA256_RSA_PKCS, NULL),
                     CKR_ARGUMENTS_BAD);
}

static void
test_bad_calls(void **state)
{
    uint8_t out[MYNA_DIGESTINFO_MAX];
    size_t len = 99;
    struct myna_digest *d = NULL;

    (void)state;
    assert_int_equal(myna_digest_new(CKM_SHA256_RSA_PKCS, &d), CKR_OK);
    assert_int_equal(myna_digest_update(d, NULL, 1), CKR_ARGUMENTS_BAD);
    assert_int_equal(myna_digest_update(NULL, out, 1), CKR_ARGUMENTS_BAD);
    assert_int_equal(myna_digest_final(d, NULL, &len), CKR_ARGUMENTS_BAD);
    assert_int_equal(len, 0);
    assert_int_equal(myna_digest_final(d, out, NULL), CKR_ARGUMENTS_BAD);
    assert_int_equal(myna_digest_final(NULL, out, &len), CKR_ARGUMENTS_BAD);
    assert_int_equal(myna_digest_final(d, out, &len), CKR_OK);
    assert_int_equal(len, 19 + 32);
    /* Finished: no further update or final. */
    assert_int_equal(myna_digest_update(d, out, 1),
                     CKR_OPERATION_NOT_INITIALIZED);
    assert_int_equal(myna_digest_final(d, out, &len),
                     CKR_OPERATION_NOT_INITIALIZED);
    assert_int_equal(len, 0);
    myna_digest_free(d);
}

/*
 * The private context holds OpenSSL's default provider, and only it: a
 * provider loaded into the application's default context (here "legacy",
 * when installed) is not visible in it.
 */
static void
test_private_context(void **state)
{
    OSSL_LIB_CTX *ctx = myna_libctx();
    OSSL_PROVIDER *global_default, *legacy;
    const OSSL_PROVIDER *prov;
    EVP_MD *md, *global_md;

    (void)state;
    assert_non_null(ctx);
    assert_ptr_equal(myna_libctx(), ctx); /* created once */
    assert_ptr_not_equal(ctx, OSSL_LIB_CTX_get0_global_default());

    md = EVP_MD_fetch(ctx, "SHA256", NULL);
    assert_non_null(md);
    prov = EVP_MD_get0_provider(md);
    assert_non_null(prov);
    assert_string_equal(OSSL_PROVIDER_get0_name(prov), "default");

    /* The default context's own "default" is another provider object. */
    global_md = EVP_MD_fetch(NULL, "SHA256", NULL);
    assert_non_null(global_md);
    global_default = OSSL_PROVIDER_load(NULL, "default");
    assert_non_null(global_default);
    assert_ptr_equal(EVP_MD_get0_provider(global_md), global_default);
    assert_ptr_not_equal(prov, global_default);
    assert_ptr_not_equal(md, global_md);

    assert_int_equal(OSSL_PROVIDER_available(ctx, "default"), 1);
    assert_int_equal(OSSL_PROVIDER_available(ctx, "base"), 0);
    assert_int_equal(OSSL_PROVIDER_available(ctx, "fips"), 0);
    legacy = OSSL_PROVIDER_load(NULL, "legacy");
    if (legacy != NULL) {
        assert_int_equal(OSSL_PROVIDER_available(ctx, "legacy"), 0);
        OSSL_PROVIDER_unload(legacy);
    }

    EVP_MD_free(md);
    EVP_MD_free(global_md);
    OSSL_PROVIDER_unload(global_default);
}

/* C_Finalize then C_Initialize: a new context that works as before. */
static void
test_free_recreate(void **state)
{
    uint8_t a[MYNA_DIGESTINFO_MAX], b[MYNA_DIGESTINFO_MAX];
    size_t alen = 0, blen = 0;

    (void)state;
    assert_non_null(myna_libctx());
    digest_info(CKM_SHA384_RSA_PKCS, (const uint8_t *)"abc", 3, a, &alen);
    myna_libctx_free();
    myna_libctx_free();
    /* A digest creates the context again on its own. */
    digest_info(CKM_SHA384_RSA_PKCS, (const uint8_t *)"abc", 3, b, &blen);
    assert_int_equal(alen, blen);
    assert_memory_equal(a, b, alen);
    assert_non_null(myna_libctx());
    myna_libctx_free();
    assert_non_null(myna_libctx());
    digest_info(CKM_SHA1_RSA_PKCS, (const uint8_t *)"abc", 3, b, &blen);
    assert_int_equal(blen, 15 + 20);
}

static int
teardown_group(void **state)
{
    (void)state;
    myna_libctx_free();
    return 0;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_free_before_create),
        cmocka_unit_test(test_supported),
        cmocka_unit_test(test_abc_vectors),
        cmocka_unit_test(test_vs_default_context),
        cmocka_unit_test(test_multipart),
        cmocka_unit_test(test_unsupported),
        cmocka_unit_test(test_bad_calls),
        cmocka_unit_test(test_private_context),
        cmocka_unit_test(test_free_recreate),
    };

    return cmocka_run_group_tests(tests, NULL, teardown_group);
}
