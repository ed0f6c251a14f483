/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The module's model: readers -> slots -> tokens -> objects, sessions, and
 * the one module lock.  Locking (docs/pkcs11-module.md): every function
 * here that ends in _inlock expects the caller (module.c) to hold the
 * module lock; card I/O happens inside a PC/SC transaction taken by
 * myna_reader_begin_inlock().  Lock order: module lock -> PC/SC
 * transaction.  Nothing blocks with the lock held except card I/O.
 */
#ifndef MYNA_PKCS11_INTERNAL_H
#define MYNA_PKCS11_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attr.h"
#include "card.h"
#include "digest.h"
#include "pkcs11-3.h"
#include "transport.h"

#define MYNA_MAX_READERS 16
#define MYNA_TOKENS_PER_CARD 2 /* auth, sign: slot id = reader * 2 + key */
#define MYNA_MAX_OBJECTS 8
#define MYNA_SIGN_INPUT_MAX 245 /* 256 - 11 (PKCS#1 v1.5, §6.1) */

enum myna_cert_src {
    MYNA_CERT_NONE = -1,
    MYNA_CERT_AUTH,    /* EF 000A */
    MYNA_CERT_AUTH_CA, /* EF 000B */
    MYNA_CERT_SIGN_CA, /* EF 0002 */
    MYNA_CERT_SIGN,    /* EF 0001, after the sign password */
    MYNA_CERT_COUNT,
};

enum myna_obj_kind {
    MYNA_OBJ_CERT,
    MYNA_OBJ_PUBKEY,
    MYNA_OBJ_PRIVKEY,
    MYNA_OBJ_PROFILE,
};

struct myna_object {
    CK_OBJECT_HANDLE handle;
    enum myna_obj_kind kind;
    enum myna_cert_src cert; /* where cert-derived attributes come from */
    bool cert_loaded;        /* the cert-derived attributes are in attrs */
    bool is_private;         /* CKA_PRIVATE: visible after login only */
    struct myna_attrs attrs;
};

struct myna_token {
    enum myna_key key;
    bool logged_in;
    int tries; /* last known retry counter, -1 unknown */
    struct myna_object objects[MYNA_MAX_OBJECTS];
    size_t n_objects;
};

struct myna_blob {
    uint8_t *data;
    size_t len;
};

/* A PC/SC reader and the card in it.  Everything below `name` is about
 * one insertion and is dropped when the card goes (myna_reader_forget). */
struct myna_reader {
    char name[MYNA_READER_NAME_MAX];
    bool exists;              /* the reader is connected now */
    bool present;             /* a card is in it */
    unsigned long counter;    /* PC/SC event counter of that state */
    unsigned long generation; /* bumped on every removal: sessions die */
    enum { MYNA_CARD_UNKNOWN, MYNA_CARD_JPKI, MYNA_CARD_OTHER } kind;
    struct myna_pcsc_card *conn;
    struct myna_io io;
    bool ap_selected; /* the JPKI AP is (believed to be) the current DF */
    bool in_transaction;
    bool have_info;
    uint8_t token_info[160]; /* EF 0006 (§3.2) */
    char serial[17];
    struct myna_blob certs[MYNA_CERT_COUNT];
    struct myna_token tokens[MYNA_TOKENS_PER_CARD];
};

struct myna_session {
    CK_SESSION_HANDLE handle;
    CK_SLOT_ID slot;
    CK_FLAGS flags;
    unsigned long generation;
    /* C_FindObjects */
    bool find_active;
    CK_OBJECT_HANDLE found[MYNA_MAX_OBJECTS];
    size_t n_found, find_pos;
    /* C_Sign* */
    bool sign_active;
    bool sign_multipart;
    CK_MECHANISM_TYPE mech;
    CK_OBJECT_HANDLE key_handle;
    struct myna_digest *digest;       /* CKM_SHAx_RSA_PKCS */
    uint8_t raw[MYNA_SIGN_INPUT_MAX]; /* CKM_RSA_PKCS input so far */
    size_t raw_len;
    bool raw_overflow;
    struct myna_session *next;
};

struct myna_module {
    struct myna_pcsc *pcsc;
    struct myna_reader readers[MYNA_MAX_READERS];
    size_t n_readers;
    unsigned long pcsc_epoch; /* myna_pcsc_epoch() when last refreshed */
    struct myna_session *sessions;
    CK_SESSION_HANDLE next_session;
    CK_OBJECT_HANDLE next_object;
    /* C_WaitForSlotEvent: what the caller has been told already */
    unsigned long event_seen[MYNA_MAX_READERS];
    bool event_exists_seen[MYNA_MAX_READERS];
};

extern struct myna_module myna_mod;

/* slot.c */
CK_RV myna_readers_refresh_inlock(void);
struct myna_reader *myna_reader_of_slot_inlock(CK_SLOT_ID slot,
                                               enum myna_key *key);
/* Present and JPKI?  Connects and SELECTs the AP at most once per
 * insertion. */
bool myna_reader_has_token_inlock(struct myna_reader *r);
CK_RV myna_reader_begin_inlock(struct myna_reader *r);
void myna_reader_end_inlock(struct myna_reader *r, bool reset);
/* Map a card-operation result: a removed card forgets the insertion. */
CK_RV myna_reader_check_inlock(struct myna_reader *r, CK_RV rv);
void myna_reader_forget_inlock(struct myna_reader *r);
/* SELECT the JPKI AP unless it is already current in this insertion. */
CK_RV myna_reader_select_ap_inlock(struct myna_reader *r);
void myna_readers_free_inlock(void);
/* After fork(): free the parent's reader state without touching PC/SC. */
void myna_readers_abandon_inlock(void);

/* One card operation, run by myna_reader_run_inlock with the JPKI AP
 * current, inside a PC/SC transaction. */
typedef CK_RV (*myna_card_op)(struct myna_io *io, void *arg);
/* Run op; when the AP was only assumed current and op fails with
 * CKR_DEVICE_ERROR, select the AP and run op once more (another program
 * may have selected another application without resetting the card).
 * retry is false for operations that present a PIN: a PIN is never sent
 * twice. */
CK_RV myna_reader_run_inlock(struct myna_reader *r, myna_card_op op, void *arg,
                             bool retry);

/* token.c */
CK_RV myna_token_load_info_inlock(struct myna_reader *r);
CK_RV myna_token_info_inlock(struct myna_reader *r, enum myna_key key,
                             CK_TOKEN_INFO *info);
void myna_token_build_objects_inlock(struct myna_reader *r);
struct myna_object *myna_token_object_inlock(struct myna_reader *r,
                                             enum myna_key key,
                                             CK_OBJECT_HANDLE h);
bool myna_object_visible(const struct myna_token *t,
                         const struct myna_object *o);
CK_RV myna_object_get_inlock(struct myna_reader *r, struct myna_object *o,
                             CK_ATTRIBUTE_PTR tmpl, CK_ULONG count);
CK_RV myna_object_match_inlock(struct myna_reader *r, struct myna_object *o,
                               const CK_ATTRIBUTE *tmpl, CK_ULONG count,
                               bool *match);
CK_RV myna_token_login_inlock(struct myna_reader *r, enum myna_key key,
                              const CK_UTF8CHAR *pin, CK_ULONG len);
CK_RV myna_token_logout_inlock(struct myna_reader *r, enum myna_key key);
CK_RV myna_token_set_pin_inlock(struct myna_reader *r, enum myna_key key,
                                const CK_UTF8CHAR *old_pin, CK_ULONG old_len,
                                const CK_UTF8CHAR *new_pin, CK_ULONG new_len);
CK_RV myna_token_sign_inlock(struct myna_reader *r, enum myna_key key,
                             const uint8_t *in, size_t in_len, uint8_t *sig,
                             size_t *sig_len);
void myna_token_clear_inlock(struct myna_reader *r);

/* session.c */
CK_RV myna_session_open_inlock(CK_SLOT_ID slot, CK_FLAGS flags,
                               CK_SESSION_HANDLE *h);
CK_RV myna_session_get_inlock(CK_SESSION_HANDLE h, struct myna_session **s,
                              struct myna_reader **r, enum myna_key *key);
void myna_session_close_inlock(CK_SESSION_HANDLE h);
void myna_session_close_slot_inlock(CK_SLOT_ID slot);
void myna_sessions_free_inlock(void);
bool myna_slot_has_rw_session_inlock(CK_SLOT_ID slot);
bool myna_slot_has_session_inlock(CK_SLOT_ID slot);
void myna_session_end_sign(struct myna_session *s);

/* log.c: debug trace on stderr when MYNA_PKCS11_DEBUG is set (never PINs) */
void myna_log_init(void);
void myna_log_apdu(const uint8_t *cmd, size_t cmd_len, const uint8_t *resp,
                   size_t resp_len);
void myna_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
