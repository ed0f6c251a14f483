/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The provider context of "myna" and what every operation shares: the
 * configuration, the lazily loaded PKCS#11 module, the key object and the
 * login policy.
 *
 * Locking: prov->lock guards p11 and pid (myna_prov_p11) and the bad-PIN
 * memory (login.c).  It is never held while the application is called
 * back (passphrase callbacks).  Lock order: prov->lock, then the module's
 * session lock (p11.h).
 */
#ifndef MYNA_PROVIDER_PROV_H
#define MYNA_PROVIDER_PROV_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <openssl/core.h>
#include <openssl/core_dispatch.h>
#include <openssl/types.h>

#include "p11.h"
#include "uri.h"

#define MYNA_PROV_NAME "myna"
#define MYNA_DEFAULT_MODULE "/usr/lib/x86_64-linux-gnu/p11-kit-proxy.so"
#define MYNA_PIN_MAX 256

struct myna_bad_pin {
    unsigned char hash[32]; /* SHA-256(slot || token serial || PIN) */
};

struct myna_prov {
    const OSSL_CORE_HANDLE *handle;
    OSSL_LIB_CTX *libctx; /* child of the application's library context */
    char *module_path;    /* config "pkcs11-module", MYNA_PROVIDER_MODULE */
    char *pin_source;     /* config "pin-source": "file:PATH" or PATH */
    int debug;            /* config "debug", MYNA_PROVIDER_DEBUG */
    pthread_mutex_t lock;
    struct myna_p11 *p11; /* NULL until the first operation needs it */
    pid_t pid;            /* process that initialised p11 */
    struct myna_bad_pin *bad;
    size_t nbad;
};

/*
 * The loaded module, initialised on first use (never in
 * OSSL_provider_init) and again in a child after fork.  NULL + raise when
 * it cannot be loaded.  The pointer stays valid until provider teardown.
 */
struct myna_p11 *myna_prov_p11(struct myna_prov *prov);

/* Algorithm tables (algs.c) and the dispatch tables they point at. */
const OSSL_ALGORITHM *myna_algs(int operation_id);
extern const OSSL_DISPATCH myna_rsa_keymgmt_functions[];
extern const OSSL_DISPATCH myna_rsa_signature_functions[];
extern const OSSL_DISPATCH myna_store_functions[];
extern const OSSL_DISPATCH myna_rsa_spki_der_encoder_functions[];
extern const OSSL_DISPATCH myna_rsa_spki_pem_encoder_functions[];
extern const OSSL_DISPATCH myna_rsa_text_encoder_functions[];

/* Debug line on stderr when "debug" is set; never prints secrets. */
void myna_debug(const struct myna_prov *prov, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * A token-resident key (private or public) as KEYMGMT keydata.  Reference
 * counted: the STORE loader hands a reference to KEYMGMT load, which takes
 * its own.  The private key never leaves the token; n and e are the public
 * parts, read from the token (key, public key or certificate object).
 */
struct myna_key {
    struct myna_prov *prov;
    int refs;
    CK_SLOT_ID slot;
    CK_OBJECT_HANDLE handle;
    CK_OBJECT_CLASS cls;
    unsigned int generation; /* myna_p11_generation when handle was found */
    unsigned char *id;
    size_t id_len;
    BIGNUM *n, *e;
    bool can_pkcs; /* CKM_RSA_PKCS */
    bool can_pss;  /* CKM_RSA_PKCS_PSS */
    /*
     * CKA_ALWAYS_AUTHENTICATE (base §4.9): every C_SignInit needs a
     * C_Login(CKU_CONTEXT_SPECIFIC).  pin is the PIN from the source that
     * logged the token in when the key was loaded (store.c), so no second
     * prompt; NUL-terminated, wiped on free, dropped once the token rejects
     * it.  NULL for other keys.
     */
    bool always_auth;
    char *pin;
};

/* keymgmt-rsa.c: build from an object found in session s (lock held). */
struct myna_key *myna_key_from_object(struct myna_prov *prov,
                                      struct myna_p11 *p, CK_SESSION_HANDLE s,
                                      CK_SLOT_ID slot, CK_OBJECT_HANDLE h,
                                      CK_OBJECT_CLASS cls);
struct myna_key *myna_key_ref(struct myna_key *key);
void myna_key_free(struct myna_key *key);
/* The handle valid in this process (found again after a fork). */
int myna_key_handle(struct myna_key *key, struct myna_p11 *p,
                    CK_SESSION_HANDLE s, CK_OBJECT_HANDLE *h);

/*
 * login.c: log the token in slot in (CKU_USER) unless it is already or
 * needs no login.  PIN sources in order: u's pin-value, u's pin-source,
 * the provider's pin-source, cb (OSSL_STORE's passphrase callback).
 * Refuses when the token reports CKF_USER_PIN_LOCKED or
 * CKF_USER_PIN_FINAL_TRY; never tries a PIN that failed before on that
 * token.  Takes and releases the module lock itself.
 */
int myna_login(struct myna_prov *prov, struct myna_p11 *p, CK_SLOT_ID slot,
               const struct myna_uri *u, OSSL_PASSPHRASE_CALLBACK *cb,
               void *cbarg);
/*
 * The PIN for a CKA_ALWAYS_AUTHENTICATE key of the token in slot, from the
 * same sources as myna_login (one callback call at most), as a new
 * NUL-terminated string in *pin (OPENSSL_clear_free it).  Refuses a locked
 * / final-try PIN and one that failed before, as myna_login does.
 */
int myna_login_pin(struct myna_prov *prov, struct myna_p11 *p, CK_SLOT_ID slot,
                   const struct myna_uri *u, OSSL_PASSPHRASE_CALLBACK *cb,
                   void *cbarg, char **pin);

#endif
