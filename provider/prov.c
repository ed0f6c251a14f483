/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * OSSL_provider_init and the provider context (provider-base(7)).
 *
 * Configuration (openssl.cnf, the provider's section; read through the
 * core's get_params upcall):
 *   pkcs11-module = PATH   the PKCS#11 module (default: p11-kit-proxy).
 *                          Not "module": OpenSSL itself reads "module" in
 *                          a provider section as the provider's own path.
 *   pin-source = file:PATH a file whose first line is the user PIN
 *   debug = 1              a trace on stderr (no secrets)
 * Environment (secure_getenv) overrides the file: MYNA_PROVIDER_MODULE,
 * MYNA_PROVIDER_DEBUG.
 *
 * The module is loaded on first use, never here: loading a provider must
 * not touch a card (or start p11-kit's remote modules) for programs that
 * never use it.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/params.h>

#include "errors.h"
#include "prov.h"

static OSSL_FUNC_core_get_params_fn *c_get_params;

struct myna_p11 *
myna_prov_p11(struct myna_prov *prov)
{
    struct myna_p11 *p;

    pthread_mutex_lock(&prov->lock);
    if (prov->p11 == NULL) {
        myna_debug(prov, "loading %s", prov->module_path);
        prov->p11 = myna_p11_load(prov->module_path, prov->debug);
        prov->pid = getpid();
    } else if (prov->pid != getpid()) {
        /* A child after fork (PKCS#11 base §5.4): initialise again. */
        myna_debug(prov, "fork detected: initialising the module again");
        if (myna_p11_after_fork(prov->p11))
            prov->pid = getpid();
        /* The bad-PIN memory concerns the same tokens: keep it. */
    }
    p = prov->pid == getpid() ? prov->p11 : NULL;
    pthread_mutex_unlock(&prov->lock);
    return p;
}

static void
prov_teardown(void *vprov)
{
    struct myna_prov *prov = vprov;

    if (prov == NULL)
        return;
    /* Finalise once; in a child that never used it, not at all. */
    if (prov->p11 != NULL && prov->pid == getpid())
        myna_p11_free(prov->p11);
    OSSL_LIB_CTX_free(prov->libctx);
    OPENSSL_free(prov->module_path);
    OPENSSL_free(prov->pin_source);
    OPENSSL_clear_free(prov->bad, prov->nbad * sizeof(*prov->bad));
    pthread_mutex_destroy(&prov->lock);
    OPENSSL_free(prov);
}

static const OSSL_PARAM *
prov_gettable_params(void *vprov)
{
    static const OSSL_PARAM gettable[] = {
        OSSL_PARAM_DEFN(OSSL_PROV_PARAM_NAME, OSSL_PARAM_UTF8_PTR, NULL, 0),
        OSSL_PARAM_DEFN(OSSL_PROV_PARAM_VERSION, OSSL_PARAM_UTF8_PTR, NULL, 0),
        OSSL_PARAM_DEFN(OSSL_PROV_PARAM_BUILDINFO, OSSL_PARAM_UTF8_PTR, NULL,
                        0),
        OSSL_PARAM_DEFN(OSSL_PROV_PARAM_STATUS, OSSL_PARAM_INTEGER, NULL, 0),
        OSSL_PARAM_END
    };

    (void)vprov;
    return gettable;
}

static int
prov_get_params(void *vprov, OSSL_PARAM params[])
{
    OSSL_PARAM *p;

    (void)vprov;
    p = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_NAME);
    if (p != NULL &&
        !OSSL_PARAM_set_utf8_ptr(p, "myna: PKCS#11 tokens (My Number Card)"))
        return 0;
    p = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_VERSION);
    if (p != NULL && !OSSL_PARAM_set_utf8_ptr(p, PACKAGE_VERSION))
        return 0;
    p = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_BUILDINFO);
    if (p != NULL && !OSSL_PARAM_set_utf8_ptr(p, PACKAGE_STRING))
        return 0;
    p = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_STATUS);
    if (p != NULL && !OSSL_PARAM_set_int(p, 1))
        return 0;
    return 1;
}

static const OSSL_ALGORITHM *
prov_query(void *vprov, int operation_id, int *no_cache)
{
    (void)vprov;
    *no_cache = 0;
    return myna_algs(operation_id);
}

static const OSSL_ITEM *
prov_reasons(void *vprov)
{
    (void)vprov;
    return myna_err_reason_strings();
}

static const OSSL_DISPATCH prov_functions[] = {
    { OSSL_FUNC_PROVIDER_TEARDOWN, (void (*)(void))prov_teardown },
    { OSSL_FUNC_PROVIDER_GETTABLE_PARAMS,
      (void (*)(void))prov_gettable_params },
    { OSSL_FUNC_PROVIDER_GET_PARAMS, (void (*)(void))prov_get_params },
    { OSSL_FUNC_PROVIDER_QUERY_OPERATION, (void (*)(void))prov_query },
    { OSSL_FUNC_PROVIDER_GET_REASON_STRINGS, (void (*)(void))prov_reasons },
    { 0, NULL }
};

static bool
truthy(const char *s)
{
    return s != NULL && (strcmp(s, "1") == 0 || strcmp(s, "yes") == 0 ||
                         strcmp(s, "true") == 0 || strcmp(s, "on") == 0);
}

/* Provider parameters from openssl.cnf, then the environment. */
static int
configure(struct myna_prov *prov, const OSSL_CORE_HANDLE *handle)
{
    char *module = NULL, *pin_source = NULL, *debug = NULL;
    const char *env;
    OSSL_PARAM params[] = { OSSL_PARAM_utf8_ptr("pkcs11-module", &module, 0),
                            OSSL_PARAM_utf8_ptr("pin-source", &pin_source, 0),
                            OSSL_PARAM_utf8_ptr("debug", &debug, 0),
                            OSSL_PARAM_END };

    if (c_get_params != NULL && !c_get_params(handle, params)) {
        MYNA_RAISE(MYNA_R_CONFIG, "cannot read the provider parameters");
        return 0;
    }
    env = secure_getenv("MYNA_PROVIDER_MODULE");
    if (env != NULL && *env != '\0')
        module = (char *)env;
    if (module == NULL || *module == '\0')
        module = (char *)MYNA_DEFAULT_MODULE;
    env = secure_getenv("MYNA_PROVIDER_DEBUG");
    prov->debug = truthy(env != NULL ? env : debug);
    prov->module_path = OPENSSL_strdup(module);
    if (pin_source != NULL && *pin_source != '\0')
        prov->pin_source = OPENSSL_strdup(pin_source);
    if (prov->module_path == NULL ||
        (pin_source != NULL && *pin_source != '\0' &&
         prov->pin_source == NULL)) {
        MYNA_RAISE(MYNA_R_MALLOC, NULL);
        return 0;
    }
    return 1;
}

/* The only exported symbol (provider-base(7), myna-provider.map). */
__attribute__((visibility("default"))) int
OSSL_provider_init(const OSSL_CORE_HANDLE *handle, const OSSL_DISPATCH *in,
                   const OSSL_DISPATCH **out, void **provctx);

int
OSSL_provider_init(const OSSL_CORE_HANDLE *handle, const OSSL_DISPATCH *in,
                   const OSSL_DISPATCH **out, void **provctx)
{
    struct myna_prov *prov;
    const OSSL_DISPATCH *d;

    *provctx = NULL;
    myna_err_init(handle, in);
    for (d = in; d != NULL && d->function_id != 0; d++)
        if (d->function_id == OSSL_FUNC_CORE_GET_PARAMS)
            c_get_params = OSSL_FUNC_core_get_params(d);
    prov = OPENSSL_zalloc(sizeof(*prov));
    if (prov == NULL) {
        MYNA_RAISE(MYNA_R_MALLOC, NULL);
        return 0;
    }
    pthread_mutex_init(&prov->lock, NULL);
    prov->handle = handle;
    if (!configure(prov, handle))
        goto err;
    /* Digests for hash-and-sign come from the application's providers. */
    prov->libctx = OSSL_LIB_CTX_new_child(handle, in);
    if (prov->libctx == NULL) {
        MYNA_RAISE(MYNA_R_INTERNAL, "OSSL_LIB_CTX_new_child failed");
        goto err;
    }
    *out = prov_functions;
    *provctx = prov;
    return 1;
err:
    prov_teardown(prov);
    return 0;
}
