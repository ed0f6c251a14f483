/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for the whole PKCS#11 module (issue #6): module.c and
 * every layer under it, except transport-pcsc.c, which fuzz-transport.c
 * replaces with a reader whose card is the fuzz input (the format is in
 * fuzz-transport.h: 8 control bytes, then one answer per APDU).
 *
 * The session is what an application does: C_GetFunctionList,
 * C_Initialize, C_GetInfo, C_GetSlotList (all, then with a token; length
 * queries and short buffers), C_GetSlotInfo / C_GetTokenInfo on each slot,
 * C_OpenSession, every object found read attribute by attribute (length
 * query, exact buffer, one byte short), C_Login with the right PIN (the
 * card decides), the objects again, C_SignInit + C_Sign with
 * CKM_SHA256_RSA_PKCS and CKM_RSA_PKCS, C_Logout, C_CloseAllSessions,
 * C_Finalize.  ctl[0] and ctl[1] vary it (fuzz-p11-module.h).
 *
 * Invariants (abort on violation): every CK_RV is one PKCS#11 v3.0 §5
 * allows for that function (p11-rv-sets.c); no length returned exceeds
 * the buffer; a value read with the length the module gave fits it
 * exactly; a missing or sensitive attribute has the length
 * CK_UNAVAILABLE_INFORMATION (§5.7.5); a signature is 256 bytes; one
 * C_Login sends at most one VERIFY with a PIN (a PIN is never retried);
 * C_Finalize succeeds and leaves no PC/SC context, connection or
 * transaction behind (fuzz-transport.c).  ASan/LSan catch the rest.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-p11-module.h"
#include "p11-rv-sets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_SLOTS 16
#define MAX_FOUND 32    /* the module has 8 objects per token */
#define VALUE_MAX 65536 /* no attribute of a JPKI object is larger */
#define AUTH_PIN "1234" /* the virtual card's defaults (myna-vcard.1) */
#define SIGN_PIN "ABC123"

static CK_FUNCTION_LIST_PTR p11;
static volatile uint8_t sink;
/* fuzz_transport_stats()->forgets right after the last successful login
 * (CKU_USER or CKU_CONTEXT_SPECIFIC), -1 when none counts. */
static unsigned long login_forgets;

#define RV(fn, call) p11_rv_check(P11_##fn, p11->C_##call)

static void
fail(const char *what)
{
    fprintf(stderr, "fuzz-p11-module: %s\n", what);
    abort();
}

static const CK_ATTRIBUTE_TYPE attr_types[] = {
    CKA_CLASS,
    CKA_TOKEN,
    CKA_PRIVATE,
    CKA_MODIFIABLE,
    CKA_LABEL,
    CKA_UNIQUE_ID,
    CKA_ID,
    CKA_VALUE,
    CKA_SUBJECT,
    CKA_ISSUER,
    CKA_SERIAL_NUMBER,
    CKA_START_DATE,
    CKA_END_DATE,
    CKA_CHECK_VALUE,
    CKA_CERTIFICATE_TYPE,
    CKA_CERTIFICATE_CATEGORY,
    CKA_TRUSTED,
    CKA_HASH_OF_SUBJECT_PUBLIC_KEY,
    CKA_HASH_OF_ISSUER_PUBLIC_KEY,
    CKA_NAME_HASH_ALGORITHM,
    CKA_JAVA_MIDP_SECURITY_DOMAIN,
    CKA_URL,
    CKA_PUBLIC_KEY_INFO,
    CKA_KEY_TYPE,
    CKA_MODULUS,
    CKA_MODULUS_BITS,
    CKA_PUBLIC_EXPONENT,
    CKA_PRIVATE_EXPONENT,
    CKA_SIGN,
    CKA_ALWAYS_AUTHENTICATE,
    CKA_PROFILE_ID,
    CKA_APPLICATION, /* no object has it */
};
#define N_ATTR_TYPES (sizeof(attr_types) / sizeof(attr_types[0]))

/* One attribute: length query, exact buffer, one byte short. */
static void
read_attr(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type,
          bool short_buf, struct fuzz_p11_outcome *out)
{
    CK_ATTRIBUTE a = { type, NULL, 0 };
    CK_ULONG len;
    uint8_t *buf;
    CK_RV rv;

    rv = RV(GET_ATTRIBUTE_VALUE, GetAttributeValue(s, o, &a, 1));
    if (rv == CKR_ATTRIBUTE_SENSITIVE || rv == CKR_ATTRIBUTE_TYPE_INVALID) {
        if (a.ulValueLen != CK_UNAVAILABLE_INFORMATION)
            fail("a missing or sensitive attribute has a length");
        return;
    }
    if (rv != CKR_OK)
        return;
    len = a.ulValueLen;
    if (len == CK_UNAVAILABLE_INFORMATION || len > VALUE_MAX)
        fail("C_GetAttributeValue: unreasonable length");
    /* Exactly the length asked for, so that ASan sees a byte too many. */
    buf = malloc(len > 0 ? len : 1);
    if (buf == NULL)
        return;
    a.pValue = buf;
    rv = RV(GET_ATTRIBUTE_VALUE, GetAttributeValue(s, o, &a, 1));
    if (rv == CKR_OK) {
        if (a.ulValueLen != len)
            fail("C_GetAttributeValue: the length changed");
        for (CK_ULONG i = 0; i < len; i++)
            sink ^= buf[i];
        out->values++;
    } else if (rv == CKR_BUFFER_TOO_SMALL) {
        fail("C_GetAttributeValue: too small a buffer of the size it named");
    }
    if (short_buf && len > 0) {
        a.ulValueLen = len - 1;
        rv = RV(GET_ATTRIBUTE_VALUE, GetAttributeValue(s, o, &a, 1));
        if (rv == CKR_OK)
            fail("C_GetAttributeValue: a value fit one byte less");
        if (rv == CKR_BUFFER_TOO_SMALL &&
            a.ulValueLen != CK_UNAVAILABLE_INFORMATION)
            fail("C_GetAttributeValue: too small, but a length (§5.7.5)");
    }
    free(buf);
}

/* Every attribute at once with NULL values, then one by one. */
static void
read_object(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, bool short_buf,
            struct fuzz_p11_outcome *out)
{
    CK_ATTRIBUTE all[N_ATTR_TYPES];

    for (size_t i = 0; i < N_ATTR_TYPES; i++) {
        all[i].type = attr_types[i];
        all[i].pValue = NULL;
        all[i].ulValueLen = 0;
    }
    if (RV(GET_ATTRIBUTE_VALUE, GetAttributeValue(s, o, all, N_ATTR_TYPES)) ==
        CKR_OK)
        fail("C_GetAttributeValue: CKA_APPLICATION found");
    for (size_t i = 0; i < N_ATTR_TYPES; i++)
        if (all[i].ulValueLen != CK_UNAVAILABLE_INFORMATION &&
            all[i].ulValueLen > VALUE_MAX)
            fail("C_GetAttributeValue: unreasonable length in a template");
    for (size_t i = 0; i < N_ATTR_TYPES; i++)
        read_attr(s, o, attr_types[i], short_buf, out);
}

/* The C_FindObjectsInit template ctl[1] picks. */
static CK_ULONG
pick_template(uint8_t sel, CK_ATTRIBUTE *t)
{
    static CK_OBJECT_CLASS cert = CKO_CERTIFICATE, priv = CKO_PRIVATE_KEY,
                           profile = CKO_PROFILE;
    static CK_BYTE id = 0x01;
    static char label[] = "User Authentication";
    static CK_BYTE der[] = { 0x30, 0x00 };
    static CK_BYTE modulus[256] = { 0xC0 };

    switch (sel & 7) {
    case 1:
        *t = (CK_ATTRIBUTE){ CKA_CLASS, &cert, sizeof(cert) };
        return 1;
    case 2:
        *t = (CK_ATTRIBUTE){ CKA_CLASS, &priv, sizeof(priv) };
        return 1;
    case 3:
        *t = (CK_ATTRIBUTE){ CKA_ID, &id, 1 };
        return 1;
    case 4: /* only a certificate knows it: the module reads them all */
        *t = (CK_ATTRIBUTE){ CKA_SUBJECT, der, sizeof(der) };
        return 1;
    case 5:
        *t = (CK_ATTRIBUTE){ CKA_MODULUS, modulus, sizeof(modulus) };
        return 1;
    case 6:
        *t = (CK_ATTRIBUTE){ CKA_LABEL, label, sizeof(label) - 1 };
        return 1;
    case 7:
        *t = (CK_ATTRIBUTE){ CKA_CLASS, &profile, sizeof(profile) };
        return 1;
    default:
        return 0;
    }
}

/* Search with tmpl; the handles found go to found[] (at most max). */
static size_t
find(CK_SESSION_HANDLE s, CK_ATTRIBUTE *tmpl, CK_ULONG n, uint8_t ctl1,
     CK_OBJECT_HANDLE *found, size_t max)
{
    CK_ULONG batch = 1 + ((ctl1 >> 3) & 3), got;
    CK_OBJECT_HANDLE h[4];
    size_t total = 0;
    CK_RV rv;

    if (RV(FIND_OBJECTS_INIT, FindObjectsInit(s, tmpl, n)) != CKR_OK)
        return 0;
    if ((ctl1 & 0x20) &&
        RV(FIND_OBJECTS_INIT, FindObjectsInit(s, tmpl, n)) == CKR_OK)
        fail("C_FindObjectsInit twice without C_FindObjectsFinal");
    for (int rounds = 0;; rounds++) {
        if (rounds > MAX_FOUND)
            fail("C_FindObjects never ends");
        got = 777;
        rv = RV(FIND_OBJECTS, FindObjects(s, h, batch, &got));
        if (rv != CKR_OK || got == 0)
            break;
        if (got > batch)
            fail("C_FindObjects: more handles than asked for");
        for (CK_ULONG i = 0; i < got; i++)
            if (total < max)
                found[total++] = h[i];
    }
    (void)RV(FIND_OBJECTS_FINAL, FindObjectsFinal(s));
    return total;
}

static void
read_objects(CK_SESSION_HANDLE s, const uint8_t *ctl,
             struct fuzz_p11_outcome *out)
{
    CK_OBJECT_HANDLE found[MAX_FOUND];
    CK_ATTRIBUTE t;
    CK_ULONG n = pick_template(ctl[1], &t);
    size_t k = find(s, &t, n, ctl[1], found, MAX_FOUND);

    out->objects += k;
    for (size_t i = 0; i < k; i++)
        read_object(s, found[i], (ctl[0] & FUZZ_OPT_SHORT_BUF) != 0, out);
}

static void
check_token_info(const CK_TOKEN_INFO *ti)
{
    if (ti->ulMinPinLen > ti->ulMaxPinLen)
        fail("C_GetTokenInfo: min PIN length above max");
    if (!(ti->flags & CKF_TOKEN_INITIALIZED))
        fail("C_GetTokenInfo: token not initialized");
}

static void
mechanisms(CK_SLOT_ID slot)
{
    CK_MECHANISM_TYPE list[16];
    CK_MECHANISM_INFO info;
    CK_ULONG n = 0;

    if (RV(GET_MECHANISM_LIST, GetMechanismList(slot, NULL, &n)) != CKR_OK)
        return;
    if (n > 16)
        fail("C_GetMechanismList: unreasonable count");
    if (RV(GET_MECHANISM_LIST, GetMechanismList(slot, list, &n)) != CKR_OK)
        return;
    if (n > 16)
        fail("C_GetMechanismList: more than the buffer holds");
    for (CK_ULONG i = 0; i < n; i++)
        if (RV(GET_MECHANISM_INFO, GetMechanismInfo(slot, list[i], &info)) ==
                CKR_OK &&
            !(info.flags & CKF_SIGN))
            fail("C_GetMechanismInfo: a listed mechanism that cannot sign");
    (void)RV(GET_MECHANISM_INFO,
             GetMechanismInfo(slot, CKM_RSA_PKCS_OAEP, &info));
}

/* Both slot lists; returns the slots with a token, in ids. */
static size_t
list_slots(const uint8_t *ctl, CK_SLOT_ID *ids, size_t max)
{
    CK_SLOT_ID all[MAX_SLOTS];
    CK_ULONG n = 0, m;
    CK_SLOT_INFO si;
    CK_TOKEN_INFO ti;

    if (RV(GET_SLOT_LIST, GetSlotList(CK_FALSE, NULL, &n)) != CKR_OK)
        return 0;
    if ((ctl[0] & FUZZ_OPT_SHORT_BUF) && n > 0) {
        m = n - 1;
        if (RV(GET_SLOT_LIST, GetSlotList(CK_FALSE, all, &m)) == CKR_OK &&
            m > n - 1)
            fail("C_GetSlotList: more slots than the buffer holds");
    }
    m = MAX_SLOTS;
    if (RV(GET_SLOT_LIST, GetSlotList(CK_FALSE, all, &m)) == CKR_OK) {
        if (m > MAX_SLOTS)
            fail("C_GetSlotList: more slots than the buffer holds");
        for (CK_ULONG i = 0; i < m; i++)
            (void)RV(GET_SLOT_INFO, GetSlotInfo(all[i], &si));
    }
    m = (CK_ULONG)max;
    if (RV(GET_SLOT_LIST, GetSlotList(CK_TRUE, ids, &m)) != CKR_OK)
        return 0;
    if (m > max)
        fail("C_GetSlotList: more slots than the buffer holds");
    for (CK_ULONG i = 0; i < m; i++) {
        if (RV(GET_TOKEN_INFO, GetTokenInfo(ids[i], &ti)) == CKR_OK)
            check_token_info(&ti);
        if (ctl[1] & 0x80)
            mechanisms(ids[i]);
    }
    return m;
}

static void
poll_events(const uint8_t *ctl)
{
    CK_SLOT_ID slot;

    if (ctl[0] & FUZZ_OPT_EVENTS)
        for (int i = 0; i < 3; i++)
            if (RV(WAIT_FOR_SLOT_EVENT,
                   WaitForSlotEvent(CKF_DONT_BLOCK, &slot, NULL)) != CKR_OK)
                break;
}

static CK_RV
login(CK_SESSION_HANDLE s, bool sign_token, const uint8_t *ctl,
      struct fuzz_p11_outcome *out)
{
    const char *pin = sign_token ? SIGN_PIN : AUTH_PIN;
    unsigned long before = fuzz_transport_stats()->verifies_with_pin;
    CK_RV rv = RV(
        LOGIN, Login(s, CKU_USER, (CK_UTF8CHAR_PTR)pin, (CK_ULONG)strlen(pin)));

    if (fuzz_transport_stats()->verifies_with_pin - before > 1)
        fail("C_Login sent the PIN more than once");
    if (rv == CKR_OK) {
        out->logins++;
        login_forgets = fuzz_transport_stats()->forgets;
    }
    if (rv == CKR_OK && (ctl[1] & 0x40) &&
        RV(LOGIN, Login(s, CKU_USER, (CK_UTF8CHAR_PTR)pin,
                        (CK_ULONG)strlen(pin))) == CKR_OK)
        fail("C_Login twice succeeded");
    return rv;
}

/* The first private key the session sees, or a handle no object has. */
static CK_OBJECT_HANDLE
private_key(CK_SESSION_HANDLE s)
{
    CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    CK_ATTRIBUTE t = { CKA_CLASS, &cls, sizeof(cls) };
    CK_OBJECT_HANDLE h[1] = { 0x7FFF };

    (void)find(s, &t, 1, 0, h, 1);
    return h[0];
}

static void
check_signature(CK_RV rv, CK_ULONG len, struct fuzz_p11_outcome *out)
{
    if (rv == CKR_OK && len != 256)
        fail("a signature that is not 256 bytes");
    if (rv == CKR_OK)
        out->signatures++;
}

static CK_SLOT_ID
slot_of(CK_SESSION_HANDLE s)
{
    CK_SESSION_INFO info;

    if (RV(GET_SESSION_INFO, GetSessionInfo(s, &info)) != CKR_OK)
        return 0;
    return info.slotID;
}

/* One signature with mech over data; single- or multi-part. */
static void
sign_once(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key, CK_MECHANISM_TYPE mech,
          const uint8_t *data, size_t len, const uint8_t *ctl,
          struct fuzz_p11_outcome *out)
{
    CK_MECHANISM m = { mech, NULL, 0 };
    uint8_t sig[256 + 16];
    CK_ULONG sig_len;
    CK_RV rv;
    bool multi = (ctl[0] & FUZZ_OPT_MULTIPART) != 0;

    if (RV(SIGN_INIT, SignInit(s, &m, key)) != CKR_OK)
        return;
    if (ctl[1] & 0x80) {
        const char *pin = slot_of(s) % 2 == 1 ? SIGN_PIN : AUTH_PIN;
        unsigned long before = fuzz_transport_stats()->verifies_with_pin;

        /* The PIN again: the card is verified anew. */
        if (RV(LOGIN, Login(s, CKU_CONTEXT_SPECIFIC, (CK_UTF8CHAR_PTR)pin,
                            (CK_ULONG)strlen(pin))) == CKR_OK)
            login_forgets = fuzz_transport_stats()->forgets;
        if (fuzz_transport_stats()->verifies_with_pin - before > 1)
            fail("C_Login sent the PIN more than once");
    }
    if (multi) {
        rv = RV(SIGN_UPDATE, SignUpdate(s, (CK_BYTE_PTR)data, len / 2));
        if (rv == CKR_OK)
            rv = RV(SIGN_UPDATE,
                    SignUpdate(s, (CK_BYTE_PTR)data + len / 2, len - len / 2));
        if (rv != CKR_OK)
            return;
    }
    sig_len = 0;
    rv = multi ? RV(SIGN_FINAL, SignFinal(s, NULL, &sig_len))
               : RV(SIGN, Sign(s, (CK_BYTE_PTR)data, len, NULL, &sig_len));
    if (rv != CKR_OK)
        return;
    if (sig_len != 256)
        fail("signature length query not 256");
    if (ctl[0] & FUZZ_OPT_SHORT_BUF) {
        sig_len = 255;
        rv = multi ? RV(SIGN_FINAL, SignFinal(s, sig, &sig_len))
                   : RV(SIGN, Sign(s, (CK_BYTE_PTR)data, len, sig, &sig_len));
        if (rv != CKR_BUFFER_TOO_SMALL || sig_len != 256)
            fail("a 255-byte signature buffer not too small");
    }
    sig_len = sizeof(sig);
    memset(sig, 0xA5, sizeof(sig));
    rv = multi ? RV(SIGN_FINAL, SignFinal(s, sig, &sig_len))
               : RV(SIGN, Sign(s, (CK_BYTE_PTR)data, len, sig, &sig_len));
    check_signature(rv, sig_len, out);
    for (size_t i = 256; i < sizeof(sig); i++)
        if (sig[i] != 0xA5)
            fail("C_Sign wrote past 256 bytes");
}

static void
sign_all(CK_SESSION_HANDLE s, const uint8_t *ctl, struct fuzz_p11_outcome *out)
{
    /* DigestInfo of SHA-256 (RFC 8017 §9.2) and a digest-sized body. */
    static const uint8_t digest_info[19 + 32] = {
        0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
        0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20, 0x5a,
    };
    static const uint8_t message[] = "myna fuzz-p11-module: to be signed";
    CK_OBJECT_HANDLE key = private_key(s);

    sign_once(s, key, CKM_SHA256_RSA_PKCS, message, sizeof(message) - 1, ctl,
              out);
    sign_once(s, key, CKM_RSA_PKCS, digest_info, sizeof(digest_info), ctl, out);
}

/* The module may not believe in a login the card was told to forget
 * since (a SELECT of the AP, a reset: fuzz-transport.h "forgets"), or it
 * would offer private objects and signatures the card refuses. */
static void
check_login_belief(CK_SESSION_HANDLE s)
{
    CK_SESSION_INFO info;

    if (RV(GET_SESSION_INFO, GetSessionInfo(s, &info)) != CKR_OK)
        return;
    if ((info.state == CKS_RO_USER_FUNCTIONS ||
         info.state == CKS_RW_USER_FUNCTIONS) &&
        fuzz_transport_stats()->forgets != login_forgets)
        fail("logged in, but the card has been made to forget the PIN");
}

/* Open a session on slot, or 0. */
static CK_SESSION_HANDLE
open_session(CK_SLOT_ID slot, const uint8_t *ctl)
{
    CK_FLAGS flags = CKF_SERIAL_SESSION;
    CK_SESSION_HANDLE s = 0;
    CK_SESSION_INFO info;

    if (ctl[0] & FUZZ_OPT_RW)
        flags |= CKF_RW_SESSION;
    if (RV(OPEN_SESSION, OpenSession(slot, flags, NULL, NULL, &s)) != CKR_OK)
        return 0;
    if (RV(GET_SESSION_INFO, GetSessionInfo(s, &info)) == CKR_OK &&
        info.slotID != slot)
        fail("C_GetSessionInfo: another slot");
    return s;
}

/* One application session on the token slots listed: read, log in,
 * read again, sign, log out. */
static void
use_tokens(const CK_SLOT_ID *slots, size_t n, const uint8_t *ctl,
           CK_SESSION_HANDLE *opened, size_t *n_opened,
           struct fuzz_p11_outcome *out)
{
    for (size_t i = 0; i < n; i++) {
        bool sign_token = slots[i] % 2 == 1;
        CK_SESSION_HANDLE s;

        if (sign_token && !(ctl[0] & FUZZ_OPT_SIGN_TOKEN))
            continue;
        s = open_session(slots[i], ctl);
        if (s == 0)
            continue;
        opened[(*n_opened)++] = s;
        login_forgets = (unsigned long)-1;
        read_objects(s, ctl, out);
        poll_events(ctl);
        if (login(s, sign_token, ctl, out) == CKR_OK) {
            read_objects(s, ctl, out);
            check_login_belief(s);
        }
        sign_all(s, ctl, out);
        check_login_belief(s);
        if (ctl[1] & 0x80) {
            const char *pin = sign_token ? SIGN_PIN : AUTH_PIN;
            unsigned long before = fuzz_transport_stats()->verifies_with_pin;

            /* The same PIN again: the card's value never changes. */
            (void)RV(SET_PIN,
                     SetPIN(s, (CK_UTF8CHAR_PTR)pin, (CK_ULONG)strlen(pin),
                            (CK_UTF8CHAR_PTR)pin, (CK_ULONG)strlen(pin)));
            if (fuzz_transport_stats()->verifies_with_pin - before > 1)
                fail("C_SetPIN sent the old PIN more than once");
            login_forgets = (unsigned long)-1; /* may log in, or not */
        }
        if (!(ctl[0] & FUZZ_OPT_NO_LOGOUT))
            (void)RV(LOGOUT, Logout(s));
    }
}

static void
close_sessions(const CK_SLOT_ID *slots, size_t n, CK_SESSION_HANDLE *opened,
               size_t n_opened, const uint8_t *ctl)
{
    CK_SESSION_INFO info;

    if (ctl[0] & FUZZ_OPT_CLOSE_EACH) {
        for (size_t i = 0; i < n_opened; i++)
            (void)RV(CLOSE_SESSION, CloseSession(opened[i]));
    } else {
        for (size_t i = 0; i < n; i++)
            (void)RV(CLOSE_ALL_SESSIONS, CloseAllSessions(slots[i]));
    }
    for (size_t i = 0; i < n_opened; i++)
        if (RV(GET_SESSION_INFO, GetSessionInfo(opened[i], &info)) !=
            CKR_SESSION_HANDLE_INVALID)
            fail("a closed session is still valid");
}

void
fuzz_p11_module_run(const uint8_t ctl[FUZZ_CTL_LEN],
                    struct fuzz_p11_outcome *out)
{
    CK_SLOT_ID slots[MAX_SLOTS];
    CK_SESSION_HANDLE opened[2 * MAX_SLOTS];
    size_t n, n_opened = 0;
    CK_INFO info;

    memset(out, 0, sizeof(*out));
    if (C_GetFunctionList(&p11) != CKR_OK || p11 == NULL)
        fail("C_GetFunctionList");
    if (RV(INITIALIZE, Initialize(NULL)) != CKR_OK)
        return;
    (void)RV(GET_INFO, GetInfo(&info));
    poll_events(ctl);
    n = list_slots(ctl, slots, MAX_SLOTS);
    out->token_slots = n;
    use_tokens(slots, n, ctl, opened, &n_opened, out);
    if (ctl[0] & FUZZ_OPT_AGAIN) {
        /* The card may have left and come back in between. */
        poll_events(ctl);
        close_sessions(slots, n, opened, n_opened, ctl);
        n_opened = 0;
        n = list_slots(ctl, slots, MAX_SLOTS);
        use_tokens(slots, n, ctl, opened, &n_opened, out);
    }
    close_sessions(slots, n, opened, n_opened, ctl);
    if (RV(FINALIZE, Finalize(NULL)) != CKR_OK)
        fail("C_Finalize failed");
    out->finalized = 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t ctl[FUZZ_CTL_LEN] = { 0 };
    size_t h = size < FUZZ_CTL_LEN ? size : FUZZ_CTL_LEN;
    struct fuzz_p11_outcome out;

    memcpy(ctl, data, h);
    fuzz_transport_start(ctl, data + h, size - h);
    fuzz_p11_module_run(ctl, &out);
    fuzz_transport_end();
    return 0;
}
