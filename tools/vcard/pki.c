/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Test PKI for the virtual My Number Card (card-protocol.md §12).
 *
 * Two self-signed roots stand in for the J-LIS user authentication and
 * digital signature CAs; every card gets an authentication certificate
 * (EF 000A, §12.3) and a signing certificate (EF 0001, §12.4) issued
 * directly by them.  The profiles follow §12 field by field so that
 * relying-party code meets the same DN string types, critical extensions
 * and otherName encoding, but the CA DNs say O=JPKI-TEST (what the real
 * test cards chain to, §12.1) and the signing policy is the test
 * hierarchy's, so nothing made here can pass for a real JPKI certificate.
 *
 * Error handling: OpenSSL helpers fail silently; the step that called them
 * prints one line on stderr, so each failure is reported exactly once.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "pki.h"

#define PROG "myna-vcard"
#define RSA_BITS 2048 /* RSA-2048, e = 65537 everywhere (§12.2) */
#define DAY (24L * 60 * 60)
#define CA_DAYS 3652            /* the J-LIS roots live ten years (§12.1) */
#define JST (9L * 60 * 60)      /* J-LIS dates and times are Japan time */
#define DER_MIN 256             /* smallest length with a 30 82 LL LL header */
#define AUTH_CN_LEN 20          /* "8439XXXXXXXXXXXXXXXX" (§12.3) */
#define SIGN_SEQ_MOD 100000     /* 5-digit sequence in the sign CN (§12.4) */
#define OFFICE_CODE "TEST00001" /* 9-char issuing office code (§12.4) */
#define CA_ORG "JPKI-TEST"      /* O= of the test hierarchy (§12.1) */
#define JLIS_EN "Japan Agency for Local Authority Information Systems"
#define JLIS_JA "地方公共団体情報システム機構"
#define JPKI_JA "公的個人認証サービス"
#define AUTH_POLICY "1.2.392.200149.8.5.1.3.30"  /* auth-class30 (§12.3) */
#define SIGN_POLICY "1.2.392.200149.8.5.1.0.20"  /* test hierarchy (§12.4) */
#define CPS_URI "http://www.jpki.go.jp/cps.html" /* as in [ZKM] (§12.4) */
#define OCSP_AIA "OCSP;URI:http://ocsp.jpki-test.invalid/"
#define ATTR_OID "1.2.392.200149.8.5.5." /* .1 .. .6 (§12.4) */
#define N_ATTRS 6

enum ca_kind { CA_AUTH, CA_SIGN };

struct ca_profile {
    const char *stem;   /* <stem>.crt and <stem>.key.pem, see pki.h */
    const char *ou;     /* first subject OU (§12.2) */
    const char *alt_ou; /* first OU of the subjectAltName directoryName */
};

static const struct ca_profile ca_profiles[] = {
    [CA_AUTH] = { "auth-ca", "JPKI for user authentication",
                  JPKI_JA "利用者証明用" },
    [CA_SIGN] = { "sign-ca", "JPKI for digital signature", JPKI_JA "署名用" },
};

struct ca {
    X509 *cert;
    EVP_PKEY *key;
};

/* What an end-entity certificate needs besides its key and issuer. */
struct ee_info {
    const struct vcard_person *p;
    unsigned long seq; /* cards issued so far, from pki_dir/serial */
    time_t now;
    time_t not_after;
};

typedef X509 *build_fn(const struct ca *ca, EVP_PKEY *key,
                       const struct ee_info *info);

/* ---------------------------------------------------------------------- */
/* Files                                                                  */
/* ---------------------------------------------------------------------- */

static void
ssl_error(const char *what)
{
    unsigned long e = ERR_get_error();
    char buf[256] = "unknown error";

    if (e != 0)
        ERR_error_string_n(e, buf, sizeof(buf));
    fprintf(stderr, PROG ": %s: %s\n", what, buf);
    ERR_clear_error();
}

static int
join(char *buf, size_t size, const char *dir, const char *name)
{
    int n = snprintf(buf, size, "%s/%s", dir, name);

    if (n < 0 || (size_t)n >= size) {
        fprintf(stderr, PROG ": path too long: %s/%s\n", dir, name);
        return 0;
    }
    return 1;
}

/* <dir>/<stem>.crt and <dir>/<stem>.key.pem, the names pki.h promises. */
static int
file_paths(const char *dir, const char *stem, char *crt, char *key)
{
    char name[64];

    snprintf(name, sizeof(name), "%s.crt", stem);
    if (!join(crt, PATH_MAX, dir, name))
        return 0;
    snprintf(name, sizeof(name), "%s.key.pem", stem);
    return join(key, PATH_MAX, dir, name);
}

/* mkdir -p with mode 0700: the directories hold private keys. */
static int
make_dir(const char *dir)
{
    char path[PATH_MAX];
    size_t len = strlen(dir);
    struct stat st;
    int err = 0;

    if (len == 0 || len >= sizeof(path)) {
        fprintf(stderr, PROG ": cannot create %s: %s\n", dir,
                strerror(len == 0 ? ENOENT : ENAMETOOLONG));
        return 0;
    }
    memcpy(path, dir, len + 1);
    for (char *p = path + 1; err == 0; p++) {
        char c = *p;

        if (c != '/' && c != '\0')
            continue;
        *p = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST)
            err = errno;
        *p = c;
        if (c == '\0')
            break;
    }
    if (err == 0 && stat(dir, &st) != 0)
        err = errno;
    else if (err == 0 && !S_ISDIR(st.st_mode))
        err = ENOTDIR;
    if (err != 0) {
        fprintf(stderr, PROG ": cannot create %s: %s\n", dir, strerror(err));
        return 0;
    }
    return 1;
}

static int
write_all(int fd, const unsigned char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = EIO;
            return 0;
        }
        p += n;
        len -= (size_t)n;
    }
    return 1;
}

/*
 * Write through a temporary file and rename(2), so that a reader (the
 * virtual card, a second vcard_pki_init) never sees half a key.
 */
static int
write_atomic(const char *path, const void *data, size_t len)
{
    char tmp[PATH_MAX];
    int fd, n, err;

    n = snprintf(tmp, sizeof(tmp), "%s.tmpXXXXXX", path);
    if (n < 0 || (size_t)n >= sizeof(tmp)) {
        err = ENAMETOOLONG;
        goto fail;
    }
    fd = mkstemp(tmp);
    if (fd < 0) {
        err = errno;
        goto fail;
    }
    if (fchmod(fd, 0600) != 0 || !write_all(fd, data, len) || fsync(fd) != 0) {
        err = errno;
        close(fd);
        goto fail_unlink;
    }
    if (close(fd) != 0 || rename(tmp, path) != 0) {
        err = errno;
        goto fail_unlink;
    }
    return 1;
fail_unlink:
    unlink(tmp);
fail:
    fprintf(stderr, PROG ": cannot write %s: %s\n", path, strerror(err));
    return 0;
}

/*
 * Certificates are stored in DER and must start 30 82 LL LL: the card
 * sizes EF 000A/0001/000B/0002 from that header (§12, EMULATOR note).
 */
static int
write_cert(const char *path, X509 *x)
{
    unsigned char *der = NULL;
    int len = i2d_X509(x, &der);
    int ok = 0;

    if (len < 0) {
        ssl_error("cannot encode certificate");
        return 0;
    }
    if (len < DER_MIN || der[0] != 0x30 || der[1] != 0x82 ||
        ((der[2] << 8) | der[3]) + 4 != len)
        fprintf(stderr, PROG ": cannot write %s: DER is not 30 82 LL LL\n",
                path);
    else
        ok = write_atomic(path, der, (size_t)len);
    OPENSSL_free(der);
    return ok;
}

/* Unencrypted PKCS#8 PEM; the secure-memory BIO is wiped on free. */
static int
write_key(const char *path, EVP_PKEY *key)
{
    BIO *bio = BIO_new(BIO_s_secmem());
    char *data;
    long len;
    int ok = 0;

    if (bio == NULL ||
        !PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL)) {
        ssl_error("cannot encode private key");
        goto out;
    }
    len = BIO_get_mem_data(bio, &data);
    ok = len > 0 && write_atomic(path, data, (size_t)len);
out:
    BIO_free(bio);
    return ok;
}

static X509 *
load_cert(const char *path)
{
    FILE *f = fopen(path, "rb");
    X509 *x;

    if (f == NULL) {
        fprintf(stderr, PROG ": cannot read %s: %s\n", path, strerror(errno));
        return NULL;
    }
    x = d2i_X509_fp(f, NULL);
    fclose(f);
    if (x == NULL) {
        fprintf(stderr, PROG ": cannot read %s: not a DER certificate\n", path);
        ERR_clear_error();
    }
    return x;
}

/* Never prompt for a passphrase: our keys are not encrypted. */
static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)u;
    return -1;
}

static EVP_PKEY *
load_key(const char *path)
{
    FILE *f = fopen(path, "r");
    EVP_PKEY *key;

    if (f == NULL) {
        fprintf(stderr, PROG ": cannot read %s: %s\n", path, strerror(errno));
        return NULL;
    }
    key = PEM_read_PrivateKey(f, NULL, no_passphrase, NULL);
    fclose(f);
    if (key == NULL) {
        fprintf(stderr, PROG ": cannot read %s: not an unencrypted PEM key\n",
                path);
        ERR_clear_error();
    }
    return key;
}

static void
free_ca(struct ca *ca)
{
    EVP_PKEY_free(ca->key);
    X509_free(ca->cert);
    ca->key = NULL;
    ca->cert = NULL;
}

/* The caller frees *ca with free_ca() whatever this returns. */
static int
load_ca(const char *dir, enum ca_kind kind, struct ca *ca)
{
    char crt[PATH_MAX], key[PATH_MAX];

    if (!file_paths(dir, ca_profiles[kind].stem, crt, key))
        return 0;
    ca->cert = load_cert(crt);
    if (ca->cert == NULL)
        return 0;
    ca->key = load_key(key);
    if (ca->key == NULL)
        return 0;
    if (!X509_check_private_key(ca->cert, ca->key)) {
        fprintf(stderr, PROG ": %s does not belong to %s\n", key, crt);
        ERR_clear_error();
        return 0;
    }
    if (X509_cmp_current_time(X509_get0_notAfter(ca->cert)) <= 0) {
        fprintf(stderr, PROG ": %s has expired; remove %s to start over\n", crt,
                dir);
        return 0;
    }
    return 1;
}

/*
 * pki_dir/serial holds the number of cards issued so far, in decimal.  The
 * new value is the 5-digit sequence of the signing certificate CN (§12.4).
 */
static int
next_sequence(const char *pki_dir, unsigned long *seq)
{
    char path[PATH_MAX], buf[32] = "";
    char *end;
    unsigned long n;
    FILE *f;
    int len;

    if (!join(path, sizeof(path), pki_dir, "serial"))
        return 0;
    f = fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, PROG ": cannot read %s: %s\n", path, strerror(errno));
        return 0;
    }
    if (fgets(buf, sizeof(buf), f) == NULL)
        buf[0] = '\0';
    fclose(f);
    errno = 0;
    n = strtoul(buf, &end, 10);
    if (buf[0] < '0' || buf[0] > '9' || errno != 0 ||
        (*end != '\n' && *end != '\0') || n == ULONG_MAX) {
        fprintf(stderr, PROG ": cannot read %s: not a number\n", path);
        return 0;
    }
    len = snprintf(buf, sizeof(buf), "%lu\n", ++n);
    if (!write_atomic(path, buf, (size_t)len))
        return 0;
    *seq = n;
    return 1;
}

/* ---------------------------------------------------------------------- */
/* Names and extensions                                                   */
/* ---------------------------------------------------------------------- */

/*
 * A UTF8String from UTF-8 text.  The conversion validates the input; the
 * explicit mask keeps the type UTF8String even if someone changed the
 * process-wide default (ASN1_STRING_set_default_mask).
 */
static ASN1_UTF8STRING *
utf8_string(const char *text)
{
    ASN1_STRING *s = NULL;

    if (ASN1_mbstring_copy(&s, (const unsigned char *)text, -1, MBSTRING_UTF8,
                           B_ASN1_UTF8STRING) < 0)
        return NULL;
    return s;
}

/*
 * A DN from field/value pairs ending in NULL, one RDN each, in DER order.
 * C is a PrintableString, everything else a UTF8String (§12.2).
 */
static X509_NAME *
make_dn(const char *const *pairs)
{
    X509_NAME *name = X509_NAME_new();

    if (name == NULL)
        return NULL;
    for (; pairs[0] != NULL; pairs += 2) {
        ASN1_UTF8STRING *s = NULL;
        int ok;

        if (strcmp(pairs[0], "C") == 0) {
            ok = X509_NAME_add_entry_by_txt(
                name, pairs[0], V_ASN1_PRINTABLESTRING,
                (const unsigned char *)pairs[1], -1, -1, 0);
        } else {
            s = utf8_string(pairs[1]);
            ok = s != NULL &&
                 X509_NAME_add_entry_by_txt(name, pairs[0], V_ASN1_UTF8STRING,
                                            s->data, s->length, -1, 0);
        }
        ASN1_STRING_free(s);
        if (!ok) {
            X509_NAME_free(name);
            return NULL;
        }
    }
    return name;
}

/* GeneralNames holding one directoryName; takes ownership of name. */
static GENERAL_NAMES *
dirname_gens(X509_NAME *name)
{
    GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
    GENERAL_NAME *gen = GENERAL_NAME_new();

    if (name == NULL || gens == NULL || gen == NULL) {
        X509_NAME_free(name);
        GENERAL_NAME_free(gen);
        GENERAL_NAMES_free(gens);
        return NULL;
    }
    GENERAL_NAME_set0_value(gen, GEN_DIRNAME, name);
    if (sk_GENERAL_NAME_push(gens, gen) <= 0) {
        GENERAL_NAME_free(gen);
        GENERAL_NAMES_free(gens);
        return NULL;
    }
    return gens;
}

/* subjectAltName or issuerAltName with one directoryName (takes name). */
static int
add_dirname_ext(X509 *x, int nid, X509_NAME *name)
{
    GENERAL_NAMES *gens = dirname_gens(name);
    int ok;

    ok = gens != NULL &&
         X509_add1_ext_i2d(x, nid, gens, 0, X509V3_ADD_DEFAULT) == 1;
    GENERAL_NAMES_free(gens);
    return ok;
}

/* An extension in openssl.cnf syntax, for those that need no sections. */
static int
add_ext_conf(X509 *x, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509_EXTENSION *ext;
    int ok;

    X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
    ext = X509V3_EXT_nconf_nid(NULL, &ctx, nid, value);
    ok = ext != NULL && X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    return ok;
}

/* The CA DN itself as a directoryName, no URL (§12.2, §12.5). */
static int
add_crl_dp(X509 *x, const X509_NAME *dn)
{
    CRL_DIST_POINTS *dps = sk_DIST_POINT_new_null();
    DIST_POINT *dp = DIST_POINT_new();
    int ok = 0;

    if (dps == NULL || dp == NULL || sk_DIST_POINT_push(dps, dp) <= 0) {
        DIST_POINT_free(dp);
        goto out;
    }
    dp->distpoint = DIST_POINT_NAME_new();
    if (dp->distpoint == NULL)
        goto out;
    dp->distpoint->type = 0; /* fullName */
    dp->distpoint->name.fullname = dirname_gens(X509_NAME_dup(dn));
    if (dp->distpoint->name.fullname == NULL)
        goto out;
    ok = X509_add1_ext_i2d(x, NID_crl_distribution_points, dps, 0,
                           X509V3_ADD_DEFAULT) == 1;
out:
    CRL_DIST_POINTS_free(dps);
    return ok;
}

/* One critical certificate policy, with an optional CPS URI (§12.3-4). */
static int
add_policy(X509 *x, const char *oid, const char *cps)
{
    CERTIFICATEPOLICIES *pols = sk_POLICYINFO_new_null();
    POLICYINFO *pol = POLICYINFO_new();
    POLICYQUALINFO *qual;
    int ok = 0;

    if (pols == NULL || pol == NULL || sk_POLICYINFO_push(pols, pol) <= 0) {
        POLICYINFO_free(pol);
        goto out;
    }
    ASN1_OBJECT_free(pol->policyid);
    pol->policyid = OBJ_txt2obj(oid, 1);
    if (pol->policyid == NULL)
        goto out;
    if (cps != NULL) {
        pol->qualifiers = sk_POLICYQUALINFO_new_null();
        qual = POLICYQUALINFO_new();
        if (pol->qualifiers == NULL || qual == NULL ||
            sk_POLICYQUALINFO_push(pol->qualifiers, qual) <= 0) {
            POLICYQUALINFO_free(qual);
            goto out;
        }
        qual->pqualid = OBJ_nid2obj(NID_id_qt_cps);
        qual->d.cpsuri = ASN1_IA5STRING_new();
        if (qual->d.cpsuri == NULL || !ASN1_STRING_set(qual->d.cpsuri, cps, -1))
            goto out;
    }
    ok = X509_add1_ext_i2d(x, NID_certificate_policies, pols, 1,
                           X509V3_ADD_DEFAULT) == 1;
out:
    CERTIFICATEPOLICIES_free(pols);
    return ok;
}

/* otherName 1.2.392.200149.8.5.5.<n> = [0] EXPLICIT UTF8String (§12.4). */
static int
push_attr(GENERAL_NAMES *gens, int n, const char *value)
{
    char oid_text[32];
    ASN1_OBJECT *oid;
    ASN1_UTF8STRING *s = utf8_string(value);
    ASN1_TYPE *type = ASN1_TYPE_new();
    GENERAL_NAME *gen = GENERAL_NAME_new();
    int ok = 0;

    snprintf(oid_text, sizeof(oid_text), ATTR_OID "%d", n);
    oid = OBJ_txt2obj(oid_text, 1);
    if (oid == NULL || s == NULL || type == NULL || gen == NULL)
        goto out;
    ASN1_TYPE_set(type, V_ASN1_UTF8STRING, s);
    s = NULL;
    if (!GENERAL_NAME_set0_othername(gen, oid, type))
        goto out;
    oid = NULL;
    type = NULL;
    if (sk_GENERAL_NAME_push(gens, gen) <= 0)
        goto out;
    gen = NULL;
    ok = 1;
out:
    GENERAL_NAME_free(gen);
    ASN1_TYPE_free(type);
    ASN1_UTF8STRING_free(s);
    ASN1_OBJECT_free(oid);
    return ok;
}

/* The four basic attributes and their substitute-character maps (§12.4). */
static int
add_person_san(X509 *x, const struct vcard_person *p)
{
    char sex[2] = { p->sex, '\0' };
    char birth[16];
    const char *values[N_ATTRS];
    GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
    int ok = 0;

    snprintf(birth, sizeof(birth), "%c%.8s", p->era, p->birth);
    values[0] = p->name;
    values[1] = p->name_alt;
    values[2] = sex;
    values[3] = birth; /* EYYYYMMDD */
    values[4] = p->address;
    values[5] = p->address_alt;
    if (gens == NULL)
        goto out;
    for (int i = 0; i < N_ATTRS; i++)
        if (!push_attr(gens, i + 1, values[i]))
            goto out;
    ok = X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0,
                           X509V3_ADD_DEFAULT) == 1;
out:
    GENERAL_NAMES_free(gens);
    return ok;
}

/* ---------------------------------------------------------------------- */
/* Certificates                                                           */
/* ---------------------------------------------------------------------- */

/* A random positive 4-byte serial with no leading zero, like 0705d990. */
static int
set_serial(X509 *x)
{
    unsigned char b[4];
    uint64_t v;

    if (RAND_bytes(b, sizeof(b)) != 1)
        return 0;
    b[0] = (unsigned char)(b[0] % 0x7F + 1);
    v = (uint64_t)b[0] << 24 | (uint64_t)b[1] << 16 | (uint64_t)b[2] << 8 |
        b[3];
    return ASN1_INTEGER_set_uint64(X509_get_serialNumber(x), v);
}

static X509 *
new_cert(const X509_NAME *subject, const X509_NAME *issuer, EVP_PKEY *key,
         time_t not_after)
{
    X509 *x = X509_new();

    if (x == NULL || !X509_set_version(x, X509_VERSION_3) || !set_serial(x) ||
        !X509_set_issuer_name(x, issuer) ||
        X509_gmtime_adj(X509_getm_notBefore(x), 0) == NULL ||
        ASN1_TIME_set(X509_getm_notAfter(x), not_after) == NULL ||
        !X509_set_subject_name(x, subject) || !X509_set_pubkey(x, key)) {
        X509_free(x);
        return NULL;
    }
    return x;
}

/* The self-signed root of §12.2, extensions in the J-LIS order. */
static X509 *
build_ca_cert(enum ca_kind kind, EVP_PKEY *key, time_t now)
{
    const struct ca_profile *prof = &ca_profiles[kind];
    const char *const dn[] = { "C",      "JP", "O",     CA_ORG, "OU",
                               prof->ou, "OU", JLIS_EN, NULL };
    const char *const alt[] = { "C",          "JP", "O",     JPKI_JA, "OU",
                                prof->alt_ou, "OU", JLIS_JA, NULL };
    X509_NAME *name = make_dn(dn);
    X509 *x = NULL;

    if (name == NULL)
        goto fail;
    x = new_cert(name, name, key, now + CA_DAYS * DAY);
    if (x == NULL ||
        !add_ext_conf(x, x, NID_key_usage, "critical,keyCertSign,cRLSign") ||
        !add_dirname_ext(x, NID_subject_alt_name, make_dn(alt)) ||
        !add_ext_conf(x, x, NID_basic_constraints, "critical,CA:TRUE") ||
        !add_crl_dp(x, name) ||
        !add_ext_conf(x, x, NID_subject_key_identifier, "hash") ||
        !X509_sign(x, key, EVP_sha256()))
        goto fail;
    X509_NAME_free(name);
    return x;
fail:
    ssl_error("cannot create CA certificate");
    X509_free(x);
    X509_NAME_free(name);
    return NULL;
}

/* CRL partition of an end-entity certificate: the CA's DN plus
 * OU=CRL Distribution Points (as the CAs' own directoryName CRL DP, §12.2;
 * the end-entity form is UNCONFIRMED, §12.5). */
static int
add_ee_crl_dp(X509 *x, const struct ca *ca)
{
    X509_NAME *dn = X509_NAME_dup(X509_get_subject_name(ca->cert));
    int ok = dn != NULL &&
             X509_NAME_add_entry_by_txt(
                 dn, "OU", MBSTRING_UTF8,
                 (const unsigned char *)"CRL Distribution Points", -1, -1, 0) &&
             add_crl_dp(x, dn);

    X509_NAME_free(dn);
    return ok;
}

/* What both end-entity profiles end with (§12.3, §12.4).  The OCSP
 * address names a test host under .invalid (RFC 6761): the real one is
 * not public (§12.5), and tests configure their own responder. */
static int
finish_ee(X509 *x, const struct ca *ca)
{
    const char *const ian[] = { "C", "JP", "O", JPKI_JA, NULL };

    return add_dirname_ext(x, NID_issuer_alt_name, make_dn(ian)) &&
           add_ext_conf(x, NULL, NID_subject_key_identifier, "hash") &&
           add_ext_conf(x, ca->cert, NID_authority_key_identifier,
                        "keyid:always") &&
           add_ee_crl_dp(x, ca) &&
           add_ext_conf(x, NULL, NID_info_access, OCSP_AIA) &&
           X509_sign(x, ca->key, EVP_sha256()) > 0;
}

/* 20 upper-case hex digits: the format of the CN is UNCONFIRMED (§12.3). */
static int
auth_cn(char *cn)
{
    static const char hex[] = "0123456789ABCDEF";
    unsigned char b[AUTH_CN_LEN / 2];

    if (RAND_bytes(b, sizeof(b)) != 1)
        return 0;
    for (size_t i = 0; i < sizeof(b); i++) {
        cn[2 * i] = hex[b[i] >> 4];
        cn[2 * i + 1] = hex[b[i] & 0x0F];
    }
    cn[AUTH_CN_LEN] = '\0';
    return 1;
}

static X509 *
build_auth_cert(const struct ca *ca, EVP_PKEY *key, const struct ee_info *info)
{
    char cn[AUTH_CN_LEN + 1];
    const char *const dn[] = { "C", "JP", "CN", cn, NULL };
    X509_NAME *subject = NULL;
    X509 *x = NULL;

    if (!auth_cn(cn) || (subject = make_dn(dn)) == NULL)
        goto fail;
    x = new_cert(subject, X509_get_subject_name(ca->cert), key,
                 info->not_after);
    /* The policy's criticality is UNCONFIRMED; as for the sign cert. */
    if (x == NULL ||
        !add_ext_conf(x, NULL, NID_key_usage, "critical,digitalSignature") ||
        !add_policy(x, AUTH_POLICY, CPS_URI) || !finish_ee(x, ca))
        goto fail;
    X509_NAME_free(subject);
    return x;
fail:
    ssl_error("cannot create authentication certificate");
    X509_free(x);
    X509_NAME_free(subject);
    return NULL;
}

/* YYYYMMDDhhmmss (Japan time) + 5-digit sequence + office code (§12.4). */
static void
sign_cn(char *cn, size_t size, const struct ee_info *info)
{
    time_t jst = info->now + JST;
    char stamp[16] = "";
    struct tm tm;

    if (gmtime_r(&jst, &tm) != NULL)
        strftime(stamp, sizeof(stamp), "%Y%m%d%H%M%S", &tm);
    snprintf(cn, size, "%.14s%05lu%s", stamp, info->seq % SIGN_SEQ_MOD,
             OFFICE_CODE);
}

static X509 *
build_sign_cert(const struct ca *ca, EVP_PKEY *key, const struct ee_info *info)
{
    const struct vcard_person *p = info->p;
    char cn[64];
    const char *const dn[] = { "C",           "JP", "L",
                               p->prefecture, "L",  p->municipality,
                               "CN",          cn,   NULL };
    X509_NAME *subject = NULL;
    X509 *x = NULL;

    sign_cn(cn, sizeof(cn), info);
    subject = make_dn(dn);
    if (subject == NULL)
        goto fail;
    x = new_cert(subject, X509_get_subject_name(ca->cert), key,
                 info->not_after);
    if (x == NULL ||
        !add_ext_conf(x, NULL, NID_key_usage,
                      "critical,digitalSignature,nonRepudiation") ||
        !add_policy(x, SIGN_POLICY, CPS_URI) || !add_person_san(x, p) ||
        !finish_ee(x, ca))
        goto fail;
    X509_NAME_free(subject);
    return x;
fail:
    ssl_error("cannot create signing certificate");
    X509_free(x);
    X509_NAME_free(subject);
    return NULL;
}

/*
 * End-entity certificates run until the holder's 5th birthday after
 * issuance, at 23:59:59 Japan time (§12.3), but never past the CA's own
 * end.  A 29 February birthday becomes 1 March in common years (timegm).
 */
static time_t
ee_not_after(const struct vcard_person *p, time_t now, const X509 *ca)
{
    const char *b = p->birth;
    int month = (b[4] - '0') * 10 + (b[5] - '0');
    int day = (b[6] - '0') * 10 + (b[7] - '0');
    time_t jst = now + JST, end, ca_end = now;
    struct tm tm, ca_tm;

    if (gmtime_r(&jst, &tm) == NULL)
        return now + 5L * 365 * DAY;
    /* the first birthday after today, then four more */
    if (month < tm.tm_mon + 1 || (month == tm.tm_mon + 1 && day <= tm.tm_mday))
        tm.tm_year++;
    tm.tm_year += 4;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = 14; /* 23:59:59 JST */
    tm.tm_min = 59;
    tm.tm_sec = 59;
    end = timegm(&tm);
    if (ASN1_TIME_to_tm(X509_get0_notAfter(ca), &ca_tm))
        ca_end = timegm(&ca_tm);
    return end < ca_end ? end : ca_end;
}

/* The person's strings go into DER as they are: refuse malformed ones. */
static int
person_valid(const struct vcard_person *p)
{
    int ok = p != NULL && p->name != NULL && p->name_alt != NULL &&
             p->address != NULL && p->address_alt != NULL &&
             p->prefecture != NULL && p->municipality != NULL &&
             p->birth != NULL && strlen(p->birth) == 8 && p->era >= '0' &&
             p->era <= '5' && p->sex >= '1' && p->sex <= '3';

    for (int i = 0; ok && i < 8; i++)
        ok = p->birth[i] >= '0' && p->birth[i] <= '9';
    if (!ok)
        fprintf(stderr, PROG ": invalid card holder record\n");
    return ok;
}

/* ---------------------------------------------------------------------- */
/* Public interface (pki.h)                                               */
/* ---------------------------------------------------------------------- */

/*
 * An existing CA is kept: the certificate is written after the key, so a
 * certificate on disk means a complete CA, and no certificate means an
 * interrupted first run whose stray key may be replaced.
 */
static int
init_ca(const char *dir, enum ca_kind kind)
{
    char crt[PATH_MAX], key_path[PATH_MAX];
    struct ca ca = { NULL, NULL };
    int ok = 0;

    if (!file_paths(dir, ca_profiles[kind].stem, crt, key_path))
        return 0;
    if (access(crt, F_OK) == 0) {
        ok = load_ca(dir, kind, &ca);
        goto out;
    }
    ca.key = EVP_RSA_gen(RSA_BITS);
    if (ca.key == NULL) {
        ssl_error("cannot generate RSA key");
        goto out;
    }
    ca.cert = build_ca_cert(kind, ca.key, time(NULL));
    ok = ca.cert != NULL && write_key(key_path, ca.key) &&
         write_cert(crt, ca.cert);
out:
    free_ca(&ca);
    return ok;
}

int
vcard_pki_init(const char *pki_dir)
{
    char path[PATH_MAX];

    if (pki_dir == NULL || !make_dir(pki_dir) || !init_ca(pki_dir, CA_AUTH) ||
        !init_ca(pki_dir, CA_SIGN) ||
        !join(path, sizeof(path), pki_dir, "serial"))
        return 0;
    if (access(path, F_OK) == 0)
        return 1;
    return write_atomic(path, "0\n", 2);
}

/* New key, certificate from build(), both written: key first (§12.3-4). */
static int
issue_ee(const char *card_dir, const char *stem, const struct ca *ca,
         build_fn *build, const struct ee_info *info)
{
    char crt[PATH_MAX], key_path[PATH_MAX];
    EVP_PKEY *key = NULL;
    X509 *x = NULL;
    int ok = 0;

    if (!file_paths(card_dir, stem, crt, key_path))
        goto out;
    key = EVP_RSA_gen(RSA_BITS);
    if (key == NULL) {
        ssl_error("cannot generate RSA key");
        goto out;
    }
    x = build(ca, key, info);
    ok = x != NULL && write_key(key_path, key) && write_cert(crt, x);
out:
    X509_free(x);
    EVP_PKEY_free(key);
    return ok;
}

/* The card carries its CA certificates too (EF 000B, EF 0002). */
static int
copy_ca_cert(const char *card_dir, enum ca_kind kind, const struct ca *ca)
{
    char crt[PATH_MAX], key_path[PATH_MAX];

    return file_paths(card_dir, ca_profiles[kind].stem, crt, key_path) &&
           write_cert(crt, ca->cert);
}

int
vcard_pki_issue(const char *pki_dir, const char *card_dir,
                const struct vcard_person *p)
{
    struct ca auth = { NULL, NULL }, sign = { NULL, NULL };
    struct ee_info info = { .p = p, .now = time(NULL) };
    int ok = 0;

    if (pki_dir == NULL || card_dir == NULL || !person_valid(p) ||
        !load_ca(pki_dir, CA_AUTH, &auth) ||
        !load_ca(pki_dir, CA_SIGN, &sign) || !make_dir(card_dir) ||
        !next_sequence(pki_dir, &info.seq))
        goto out;
    info.not_after = ee_not_after(p, info.now, auth.cert);
    ok = issue_ee(card_dir, "auth", &auth, build_auth_cert, &info) &&
         issue_ee(card_dir, "sign", &sign, build_sign_cert, &info) &&
         copy_ca_cert(card_dir, CA_AUTH, &auth) &&
         copy_ca_cert(card_dir, CA_SIGN, &sign);
out:
    free_ca(&sign);
    free_ca(&auth);
    return ok;
}
