/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Checks of the virtual card's test PKI (tools/vcard/pki.c) against the
 * certificate profiles of card-protocol.md §12, and of the synthetic people
 * and the My Number check digit (tools/vcard/people.c).
 *
 * Issues two cards into a fresh temporary directory, then reads every file
 * back and takes the certificates apart.  Exit status 0 when every check
 * passed, 1 otherwise (the directory is then kept for inspection).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "people.h"
#include "pki.h"

#define JPKI_JA "公的個人認証サービス"
#define JLIS_EN "Japan Agency for Local Authority Information Systems"
#define JLIS_JA "地方公共団体情報システム機構"
#define CPS_URI "http://www.jpki.go.jp/cps.html"
#define AUTH_POLICY "1.2.392.200149.8.5.1.3.30"
#define SIGN_POLICY "1.2.392.200149.8.5.1.0.20"
#define PEM_KEY_HEADER "-----BEGIN PRIVATE KEY-----\n"
#define DER_MIN 1200
#define DER_MAX 2000
/* With its CRL DP, AIA and key identifiers the authentication profile
 * lands near the real certificates' size too. */
#define AUTH_DER_MIN DER_MIN

static int passed, failed;

static void check(int ok, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
check(int ok, int line, const char *fmt, ...)
{
    va_list ap;

    if (ok) {
        passed++;
        return;
    }
    failed++;
    fprintf(stderr, "pki-check:%d: FAIL: ", line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

#define CHECK(cond, ...) check(!!(cond), __LINE__, __VA_ARGS__)

struct card {
    const char *dir;
    const struct vcard_person *p;
    X509 *auth, *sign, *auth_ca, *sign_ca;
    EVP_PKEY *auth_key, *sign_key;
};

/* ---------------------------------------------------------------------- */
/* Helpers                                                                */
/* ---------------------------------------------------------------------- */

static double
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static char *
path_of(const char *dir, const char *name)
{
    static char buf[4][4096];
    static int next;
    char *p = buf[next++ % 4];
    int n = snprintf(p, sizeof(buf[0]), "%s/%s", dir, name);

    if (n < 0 || (size_t)n >= sizeof(buf[0])) {
        fprintf(stderr, "pki-check: path too long: %s/%s\n", dir, name);
        exit(1);
    }
    return p;
}

/* Whole file into a malloc'd buffer; NULL when unreadable. */
static unsigned char *
slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    long n;

    *len = 0;
    if (f == NULL)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
        fseek(f, 0, SEEK_SET) == 0) {
        buf = malloc((size_t)n + 1);
        if (buf != NULL && fread(buf, 1, (size_t)n, f) == (size_t)n) {
            buf[n] = '\0';
            *len = (size_t)n;
        } else {
            free(buf);
            buf = NULL;
        }
    }
    fclose(f);
    return buf;
}

static unsigned int
mode_of(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 ? (unsigned int)(st.st_mode & 07777) : 0;
}

static size_t
utf8_chars(const char *s)
{
    size_t n = 0;

    for (; *s != '\0'; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

static int
only_01(const char *s)
{
    return s[strspn(s, "01")] == '\0';
}

static int
str_eq(const ASN1_STRING *s, const char *text)
{
    size_t len = strlen(text);

    return s != NULL && (size_t)ASN1_STRING_length(s) == len &&
           memcmp(ASN1_STRING_get0_data(s), text, len) == 0;
}

static const char *
oid_text(const ASN1_OBJECT *obj)
{
    static char buf[2][80];
    static int next;
    char *p = buf[next++ % 2];

    if (obj == NULL || OBJ_obj2txt(p, sizeof(buf[0]), obj, 1) <= 0)
        return "(none)";
    return p;
}

/* Criticality of an extension, -1 when it is absent. */
static int
ext_critical(const X509 *x, int nid)
{
    int i = X509_get_ext_by_NID(x, nid, -1);

    return i < 0 ? -1 : X509_EXTENSION_get_critical(X509_get_ext(x, i));
}

/* Remove a flat directory; count leftover temporary files on the way. */
static int
remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int tmp_files = 0;

    if (d == NULL)
        return 0;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (strstr(e->d_name, ".tmp") != NULL)
            tmp_files++;
        unlinkat(dirfd(d), e->d_name, 0);
    }
    closedir(d);
    rmdir(dir);
    return tmp_files;
}

static int
count_tmp_files(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    if (d == NULL)
        return -1;
    while ((e = readdir(d)) != NULL)
        if (strstr(e->d_name, ".tmp") != NULL)
            n++;
    closedir(d);
    return n;
}

/* ---------------------------------------------------------------------- */
/* People and check digit                                                 */
/* ---------------------------------------------------------------------- */

static void
check_check_digit(void)
{
    static const char *const bad[] = { "",
                                       "1234567890",
                                       "123456789012",
                                       "1234567890a",
                                       "12345 78901",
                                       "-1234567890" };

    CHECK(vcard_my_number_check_digit("12345678901") == '8',
          "check digit of 12345678901 is '8'");
    /* sum 0: remainder 0 gives the digit '0', not the error value 0 */
    CHECK(vcard_my_number_check_digit("00000000000") == '0',
          "check digit of 00000000000 is '0'");
    CHECK(vcard_my_number_check_digit(NULL) == 0, "NULL body rejected");
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        CHECK(vcard_my_number_check_digit(bad[i]) == 0,
              "malformed body \"%s\" rejected", bad[i]);
}

/* Era codes and their Gregorian ranges (§12.4, OID .5.5.4). */
static int
era_matches(char era, const char *birth)
{
    switch (era) {
    case '3':
        return strcmp(birth, "19261225") >= 0 && strcmp(birth, "19890107") <= 0;
    case '4':
        return strcmp(birth, "19890108") >= 0 && strcmp(birth, "20190430") <= 0;
    case '5':
        return strcmp(birth, "20190501") >= 0;
    default:
        return 0;
    }
}

static void
check_people(void)
{
    size_t n = vcard_people_count();
    int substitutes = 0, men = 0, women = 0;

    CHECK(n == 4, "4 people, got %zu", n);
    CHECK(vcard_person_get(n) == NULL, "person %zu is NULL", n);
    for (size_t i = 0; i < n; i++) {
        const struct vcard_person *p = vcard_person_get(i);

        CHECK(p != NULL, "person %zu exists", i);
        if (p == NULL)
            continue;
        CHECK(strlen(p->name_alt) == utf8_chars(p->name) &&
                  only_01(p->name_alt),
              "person %zu: name_alt has one 0/1 per character", i);
        CHECK(strlen(p->address_alt) == utf8_chars(p->address) &&
                  only_01(p->address_alt),
              "person %zu: address_alt has one 0/1 per character", i);
        CHECK(strstr(p->name, "\u3000") != NULL,
              "person %zu: name has a full-width space", i);
        CHECK(strncmp(p->address, p->prefecture, strlen(p->prefecture)) == 0 &&
                  strstr(p->address, p->municipality) != NULL,
              "person %zu: address starts with prefecture, municipality", i);
        CHECK(strlen(p->birth) == 8 && era_matches(p->era, p->birth),
              "person %zu: era %c matches birth %s", i, p->era, p->birth);
        CHECK(vcard_my_number_check_digit(p->my_number_body) != 0,
              "person %zu: My Number body is 11 digits", i);
        substitutes += strchr(p->name_alt, '1') != NULL;
        men += p->sex == '1';
        women += p->sex == '2';
    }
    CHECK(substitutes > 0, "someone has a substitute character in the name");
    CHECK(men > 0 && women > 0, "both sexes present");
}

/* ---------------------------------------------------------------------- */
/* Files                                                                  */
/* ---------------------------------------------------------------------- */

static X509 *
load_der(const char *dir, const char *name, size_t min)
{
    size_t len;
    unsigned char *der = slurp(path_of(dir, name), &len);
    const unsigned char *p = der;
    X509 *x = NULL;

    CHECK(der != NULL, "%s/%s readable", dir, name);
    if (der == NULL)
        return NULL;
    printf("  %-12s %4zu bytes DER\n", name, len);
    /* the card sizes its EFs from the 30 82 LL LL header (§12) */
    CHECK(len >= 4 && der[0] == 0x30 && der[1] == 0x82 &&
              ((size_t)der[2] << 8 | der[3]) + 4 == len,
          "%s starts 30 82 LL LL and LL matches the size", name);
    CHECK(len >= min && len <= DER_MAX, "%s size %zu within %zu..%d", name, len,
          min, DER_MAX);
    x = d2i_X509(NULL, &p, (long)len);
    CHECK(x != NULL && p == der + len, "%s parses as one certificate", name);
    CHECK(mode_of(path_of(dir, name)) == 0600, "%s has mode 0600", name);
    free(der);
    return x;
}

static EVP_PKEY *
load_key(const char *dir, const char *name)
{
    size_t len;
    unsigned char *pem = slurp(path_of(dir, name), &len);
    BIO *bio;
    EVP_PKEY *key = NULL;

    CHECK(pem != NULL, "%s/%s readable", dir, name);
    if (pem == NULL)
        return NULL;
    CHECK(strncmp((char *)pem, PEM_KEY_HEADER, strlen(PEM_KEY_HEADER)) == 0,
          "%s is unencrypted PKCS#8 PEM", name);
    CHECK(mode_of(path_of(dir, name)) == 0600, "%s has mode 0600", name);
    bio = BIO_new_mem_buf(pem, (int)len);
    if (bio != NULL)
        key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
    CHECK(key != NULL, "%s parses", name);
    BIO_free(bio);
    OPENSSL_cleanse(pem, len);
    free(pem);
    return key;
}

static void
check_same_file(const char *a, const char *b)
{
    size_t la, lb;
    unsigned char *da = slurp(a, &la), *db = slurp(b, &lb);

    CHECK(da != NULL && db != NULL && la == lb && memcmp(da, db, la) == 0,
          "%s is a copy of %s", a, b);
    free(da);
    free(db);
}

/* ---------------------------------------------------------------------- */
/* Certificates                                                           */
/* ---------------------------------------------------------------------- */

struct rdn {
    const char *field;
    int type;
    const char *value; /* NULL: checked by the caller */
};

#define P V_ASN1_PRINTABLESTRING
#define U V_ASN1_UTF8STRING
#define N_RDN(a) (sizeof(a) / sizeof((a)[0]))

/* DN order, one attribute per RDN, string types and values (§12.2-4). */
static void
check_dn(const char *what, const X509_NAME *name, const struct rdn *want,
         size_t n)
{
    int count = name != NULL ? X509_NAME_entry_count(name) : -1;

    CHECK(count == (int)n, "%s: %zu RDNs, got %d", what, n, count);
    for (int i = 0; i < count && (size_t)i < n; i++) {
        const X509_NAME_ENTRY *e = X509_NAME_get_entry(name, i);
        const ASN1_STRING *v = X509_NAME_ENTRY_get_data(e);
        int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(e));

        CHECK(strcmp(OBJ_nid2sn(nid), want[i].field) == 0 &&
                  ASN1_STRING_type(v) == want[i].type &&
                  X509_NAME_ENTRY_set(e) == i &&
                  (want[i].value == NULL || str_eq(v, want[i].value)),
              "%s: RDN %d is %s=%s as %s", what, i, want[i].field,
              want[i].value != NULL ? want[i].value : "*",
              ASN1_tag2str(want[i].type));
    }
}

/* The only entry of a GeneralNames, if it is a directoryName. */
static const X509_NAME *
single_dirname(const GENERAL_NAMES *gens)
{
    const GENERAL_NAME *gen;

    if (gens == NULL || sk_GENERAL_NAME_num(gens) != 1)
        return NULL;
    gen = sk_GENERAL_NAME_value(gens, 0);
    return gen->type == GEN_DIRNAME ? gen->d.directoryName : NULL;
}

static void
check_alt_dirname(const char *what, const X509 *x, int nid,
                  const struct rdn *want, size_t n)
{
    int crit = -1;
    GENERAL_NAMES *gens = X509_get_ext_d2i(x, nid, &crit, NULL);

    CHECK(gens != NULL && crit == 0, "%s present, not critical", what);
    check_dn(what, single_dirname(gens), want, n);
    GENERAL_NAMES_free(gens);
}

/* What all four certificates share (§12.2-4, EMULATOR note of §12.5). */
static void
check_common(const char *what, const X509 *x)
{
    EVP_PKEY *pub = X509_get0_pubkey(x);
    const ASN1_INTEGER *serial = X509_get0_serialNumber(x);
    BIGNUM *e = NULL;

    CHECK(X509_get_version(x) == X509_VERSION_3, "%s: X.509 v3", what);
    CHECK(X509_get_signature_nid(x) == NID_sha256WithRSAEncryption,
          "%s: sha256WithRSAEncryption", what);
    CHECK(pub != NULL && EVP_PKEY_get_base_id(pub) == EVP_PKEY_RSA &&
              EVP_PKEY_get_bits(pub) == 2048,
          "%s: RSA-2048", what);
    CHECK(pub != NULL &&
              EVP_PKEY_get_bn_param(pub, OSSL_PKEY_PARAM_RSA_E, &e) &&
              BN_is_word(e, 65537),
          "%s: e = 65537", what);
    CHECK(ASN1_STRING_type(serial) == V_ASN1_INTEGER &&
              ASN1_STRING_length(serial) == 4 &&
              ASN1_STRING_get0_data(serial)[0] != 0 &&
              ASN1_STRING_get0_data(serial)[0] < 0x80,
          "%s: serial is 4 bytes, positive", what);
    BN_free(e);
}

static void
check_key_usage(const char *what, X509 *x, uint32_t want)
{
    CHECK(ext_critical(x, NID_key_usage) == 1, "%s: keyUsage critical", what);
    CHECK(X509_get_key_usage(x) == want, "%s: keyUsage 0x%x, got 0x%x", what,
          (unsigned int)want, (unsigned int)X509_get_key_usage(x));
}

static void
check_ca_extensions(const char *what, X509 *x)
{
    static const int order[] = { NID_key_usage, NID_subject_alt_name,
                                 NID_basic_constraints,
                                 NID_crl_distribution_points,
                                 NID_subject_key_identifier };
    int crit = -1;
    BASIC_CONSTRAINTS *bc;
    CRL_DIST_POINTS *dps;
    const DIST_POINT *dp;

    CHECK(X509_get_ext_count(x) == (int)N_RDN(order), "%s: %zu extensions",
          what, N_RDN(order));
    for (size_t i = 0; i < N_RDN(order); i++)
        CHECK(OBJ_obj2nid(X509_EXTENSION_get_object(X509_get_ext(x, (int)i))) ==
                  order[i],
              "%s: extension %zu is %s", what, i, OBJ_nid2sn(order[i]));
    check_key_usage(what, x, KU_KEY_CERT_SIGN | KU_CRL_SIGN);
    bc = X509_get_ext_d2i(x, NID_basic_constraints, &crit, NULL);
    CHECK(bc != NULL && bc->ca && bc->pathlen == NULL && crit == 1,
          "%s: basicConstraints critical CA:TRUE", what);
    BASIC_CONSTRAINTS_free(bc);
    CHECK(X509_check_ca(x) == 1, "%s: is a CA", what);
    CHECK(X509_get0_subject_key_id(x) != NULL, "%s: has SKI", what);
    dps = X509_get_ext_d2i(x, NID_crl_distribution_points, &crit, NULL);
    dp = dps != NULL && sk_DIST_POINT_num(dps) == 1
             ? sk_DIST_POINT_value(dps, 0)
             : NULL;
    CHECK(dp != NULL && dp->distpoint != NULL && dp->distpoint->type == 0 &&
              dp->reasons == NULL && dp->CRLissuer == NULL &&
              X509_NAME_cmp(single_dirname(dp->distpoint->name.fullname),
                            X509_get_subject_name(x)) == 0,
          "%s: CRL DP is its own DN as directoryName, no URL", what);
    CRL_DIST_POINTS_free(dps);
}

static void
check_ca(const char *what, X509 *x, const char *ou, const char *alt_ou)
{
    const struct rdn dn[] = { { "C", P, "JP" },
                              { "O", U, "JPKI-TEST" },
                              { "OU", U, ou },
                              { "OU", U, JLIS_EN } };
    const struct rdn alt[] = { { "C", P, "JP" },
                               { "O", U, JPKI_JA },
                               { "OU", U, alt_ou },
                               { "OU", U, JLIS_JA } };
    int days = 0, secs = 0;

    check_common(what, x);
    check_dn(what, X509_get_subject_name(x), dn, N_RDN(dn));
    CHECK(X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)) == 0,
          "%s: subject = issuer", what);
    CHECK(X509_verify(x, X509_get0_pubkey(x)) == 1, "%s: self-signed", what);
    check_ca_extensions(what, x);
    check_alt_dirname(what, x, NID_subject_alt_name, alt, N_RDN(alt));
    CHECK(ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(x),
                         X509_get0_notAfter(x)) &&
              days >= 3650 && days <= 3653,
          "%s: valid about 10 years, got %d days", what, days);
}

/* Does leaf chain to root (§12.1)?  *why gets the verify error. */
static int
chain_ok(X509 *leaf, X509 *root, const char **why)
{
    X509_STORE *store = X509_STORE_new();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    int ok = 0;

    *why = "out of memory";
    if (store != NULL && ctx != NULL && X509_STORE_add_cert(store, root) &&
        X509_STORE_set_flags(store, X509_V_FLAG_X509_STRICT) &&
        X509_STORE_CTX_init(ctx, store, leaf, NULL)) {
        ok = X509_verify_cert(ctx) == 1;
        *why = X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx));
    }
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    ERR_clear_error();
    return ok;
}

/* One critical policy with an optional CPS qualifier (§12.3, §12.4). */
static void
check_policy(const char *what, const X509 *x, const char *oid, const char *cps)
{
    int crit = -1, ok;
    CERTIFICATEPOLICIES *pols =
        X509_get_ext_d2i(x, NID_certificate_policies, &crit, NULL);
    const POLICYINFO *pol = pols != NULL && sk_POLICYINFO_num(pols) == 1
                                ? sk_POLICYINFO_value(pols, 0)
                                : NULL;

    CHECK(pol != NULL && crit == 1, "%s: one critical policy", what);
    CHECK(pol != NULL && strcmp(oid_text(pol->policyid), oid) == 0,
          "%s: policy %s, got %s", what, oid,
          pol != NULL ? oid_text(pol->policyid) : "(none)");
    if (cps == NULL) {
        ok = pol != NULL && pol->qualifiers == NULL;
    } else {
        const POLICYQUALINFO *q =
            pol != NULL && sk_POLICYQUALINFO_num(pol->qualifiers) == 1
                ? sk_POLICYQUALINFO_value(pol->qualifiers, 0)
                : NULL;

        ok = q != NULL && OBJ_obj2nid(q->pqualid) == NID_id_qt_cps &&
             str_eq(q->d.cpsuri, cps);
    }
    CHECK(ok, "%s: CPS qualifier %s", what, cps != NULL ? cps : "absent");
    CERTIFICATEPOLICIES_free(pols);
}

/* SKI, the directoryName CRL partition and the OCSP address under the
 * .invalid test domain (pki.c finish_ee). */
static void
check_ee_locators(const char *what, X509 *x)
{
    CRL_DIST_POINTS *dps =
        X509_get_ext_d2i(x, NID_crl_distribution_points, NULL, NULL);
    AUTHORITY_INFO_ACCESS *aia =
        X509_get_ext_d2i(x, NID_info_access, NULL, NULL);
    const DIST_POINT *dp =
        sk_DIST_POINT_num(dps) == 1 ? sk_DIST_POINT_value(dps, 0) : NULL;
    const ACCESS_DESCRIPTION *ad = sk_ACCESS_DESCRIPTION_num(aia) == 1
                                       ? sk_ACCESS_DESCRIPTION_value(aia, 0)
                                       : NULL;

    CHECK(X509_get0_subject_key_id(x) != NULL, "%s: has an SKI", what);
    CHECK(dp != NULL && dp->distpoint != NULL && dp->distpoint->type == 0 &&
              sk_GENERAL_NAME_num(dp->distpoint->name.fullname) == 1 &&
              sk_GENERAL_NAME_value(dp->distpoint->name.fullname, 0)->type ==
                  GEN_DIRNAME,
          "%s: one directoryName CRL distribution point", what);
    CHECK(ad != NULL && OBJ_obj2nid(ad->method) == NID_ad_OCSP &&
              ad->location->type == GEN_URI &&
              str_eq(ad->location->d.uniformResourceIdentifier,
                     "http://ocsp.jpki-test.invalid/"),
          "%s: OCSP address under .invalid", what);
    CRL_DIST_POINTS_free(dps);
    AUTHORITY_INFO_ACCESS_free(aia);
}

/* Issuer, AKI, issuerAltName, chain, key, validity: both EE profiles. */
static void
check_ee(const char *what, X509 *x, EVP_PKEY *key, X509 *ca, X509 *other)
{
    const struct rdn ian[] = { { "C", P, "JP" }, { "O", U, JPKI_JA } };
    const ASN1_OCTET_STRING *aki = X509_get0_authority_key_id(x);
    const ASN1_TIME *end = X509_get0_notAfter(x);
    const char *why;
    int days = 0, secs = 0, ok;

    check_common(what, x);
    CHECK(X509_NAME_cmp(X509_get_issuer_name(x), X509_get_subject_name(ca)) ==
              0,
          "%s: issuer is the CA", what);
    CHECK(aki != NULL &&
              ASN1_OCTET_STRING_cmp(aki, X509_get0_subject_key_id(ca)) == 0,
          "%s: AKI is the CA's SKI", what);
    check_alt_dirname(what, x, NID_issuer_alt_name, ian, N_RDN(ian));
    check_ee_locators(what, x);
    CHECK(X509_check_ca(x) == 0, "%s: not a CA", what);
    ok = chain_ok(x, ca, &why);
    CHECK(ok, "%s: chains to its CA: %s", what, why);
    ok = chain_ok(x, other, &why);
    CHECK(!ok, "%s: does not chain to the other CA", what);
    CHECK(key != NULL && X509_check_private_key(x, key) == 1,
          "%s: private key matches", what);
    CHECK(X509_cmp_current_time(X509_get0_notBefore(x)) < 0 &&
              ASN1_TIME_compare(end, X509_get0_notAfter(ca)) <= 0,
          "%s: valid now, not beyond the CA", what);
    /* until the 5th birthday after issuance, 23:59:59 JST (§12.3) */
    CHECK(ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(x), end) &&
              days >= 4 * 365 - 1 && days <= 5 * 366 &&
              memcmp(end->data + end->length - 7, "145959Z", 7) == 0,
          "%s: valid 4-5 years to 14:59:59Z, got %d days", what, days);
}

static void
check_auth(const struct card *c)
{
    const struct rdn dn[] = { { "C", P, "JP" }, { "CN", U, NULL } };
    const X509_NAME *subject = X509_get_subject_name(c->auth);
    const ASN1_STRING *cn = X509_NAME_ENTRY_get_data(
        X509_NAME_get_entry(subject, X509_NAME_entry_count(subject) - 1));
    const char *s = (const char *)ASN1_STRING_get0_data(cn);

    check_dn("auth.crt", subject, dn, N_RDN(dn));
    CHECK(ASN1_STRING_length(cn) == 20 && strspn(s, "0123456789ABCDEF") == 20,
          "auth.crt: CN is 20 upper-case hex digits: %s", s);
    check_key_usage("auth.crt", c->auth, KU_DIGITAL_SIGNATURE);
    check_policy("auth.crt", c->auth, AUTH_POLICY, CPS_URI);
    /* "基本4情報 なし" (§12.3) */
    CHECK(ext_critical(c->auth, NID_subject_alt_name) == -1,
          "auth.crt: no personal data (no subjectAltName)");
    check_ee("auth.crt", c->auth, c->auth_key, c->auth_ca, c->sign_ca);
}

static size_t
tlv_header(const unsigned char *p, size_t avail, size_t *len)
{
    if (avail >= 2 && p[1] < 0x80) {
        *len = p[1];
        return 2;
    }
    if (avail >= 3 && p[1] == 0x81) {
        *len = p[2];
        return 3;
    }
    return 0;
}

/* DER of the GeneralName: A0 { 06 oid, A0 { 0C utf8 } } (§12.4). */
static int
explicit_utf8(const GENERAL_NAME *gen)
{
    unsigned char *der = NULL;
    int n = i2d_GENERAL_NAME(gen, &der);
    const unsigned char *p = der, *stop = der + (n > 0 ? n : 0);
    size_t h, len;
    int ok = 0;

    if (n <= 0 || p[0] != 0xA0 || (h = tlv_header(p, (size_t)n, &len)) == 0)
        goto out;
    p += h;
    if (p >= stop || p[0] != 0x06 ||
        (h = tlv_header(p, (size_t)(stop - p), &len)) == 0)
        goto out;
    p += h + len;
    if (p >= stop || p[0] != 0xA0 ||
        (h = tlv_header(p, (size_t)(stop - p), &len)) == 0)
        goto out;
    p += h;
    ok = p < stop && p[0] == 0x0C;
out:
    OPENSSL_free(der);
    return ok;
}

static void
check_attributes(const struct card *c)
{
    const struct vcard_person *p = c->p;
    char sex[2] = { p->sex, '\0' }, birth[16], oid[48];
    const char *want[6] = { p->name, p->name_alt, sex,
                            birth,   p->address,  p->address_alt };
    int crit = -1, n;
    GENERAL_NAMES *gens =
        X509_get_ext_d2i(c->sign, NID_subject_alt_name, &crit, NULL);

    snprintf(birth, sizeof(birth), "%c%s", p->era, p->birth);
    n = gens != NULL ? sk_GENERAL_NAME_num(gens) : -1;
    CHECK(n == 6 && crit == 0, "sign.crt: 6 otherNames, got %d", n);
    for (int i = 0; i < n && i < 6; i++) {
        const GENERAL_NAME *gen = sk_GENERAL_NAME_value(gens, i);
        ASN1_OBJECT *type_id = NULL;
        ASN1_TYPE *value = NULL;

        snprintf(oid, sizeof(oid), "1.2.392.200149.8.5.5.%d", i + 1);
        CHECK(GENERAL_NAME_get0_otherName(gen, &type_id, &value) &&
                  strcmp(oid_text(type_id), oid) == 0,
              "sign.crt: otherName %d is %s", i, oid);
        CHECK(value != NULL && value->type == V_ASN1_UTF8STRING &&
                  str_eq(value->value.utf8string, want[i]),
              "sign.crt: %s = UTF8String \"%s\"", oid, want[i]);
        CHECK(explicit_utf8(gen), "sign.crt: %s in [0] EXPLICIT", oid);
    }
    GENERAL_NAMES_free(gens);
}

static void
check_sign(const struct card *c, unsigned int seq)
{
    const struct rdn dn[] = { { "C", P, "JP" },
                              { "L", U, c->p->prefecture },
                              { "L", U, c->p->municipality },
                              { "CN", U, NULL } };
    const X509_NAME *subject = X509_get_subject_name(c->sign);
    const ASN1_STRING *cn = X509_NAME_ENTRY_get_data(
        X509_NAME_get_entry(subject, X509_NAME_entry_count(subject) - 1));
    const char *s = (const char *)ASN1_STRING_get0_data(cn);
    char seq_text[8];

    snprintf(seq_text, sizeof(seq_text), "%05u", seq);
    check_dn("sign.crt", subject, dn, N_RDN(dn));
    CHECK(ASN1_STRING_length(cn) == 28 && strspn(s, "0123456789") == 19 &&
              memcmp(s + 14, seq_text, 5) == 0 &&
              strcmp(s + 19, "TEST00001") == 0,
          "sign.crt: CN is time, sequence %s, office code: %s", seq_text, s);
    check_key_usage("sign.crt", c->sign,
                    KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION);
    check_policy("sign.crt", c->sign, SIGN_POLICY, CPS_URI);
    check_attributes(c);
    check_ee("sign.crt", c->sign, c->sign_key, c->sign_ca, c->auth_ca);
}

/* ---------------------------------------------------------------------- */
/* Driver                                                                 */
/* ---------------------------------------------------------------------- */

static void
load_card(struct card *c, const char *pki)
{
    printf("card %s\n", c->dir);
    c->auth_ca = load_der(c->dir, "auth-ca.crt", DER_MIN);
    c->sign_ca = load_der(c->dir, "sign-ca.crt", DER_MIN);
    c->auth = load_der(c->dir, "auth.crt", AUTH_DER_MIN);
    c->sign = load_der(c->dir, "sign.crt", DER_MIN);
    c->auth_key = load_key(c->dir, "auth.key.pem");
    c->sign_key = load_key(c->dir, "sign.key.pem");
    CHECK(mode_of(c->dir) == 0700, "%s has mode 0700", c->dir);
    check_same_file(path_of(c->dir, "auth-ca.crt"),
                    path_of(pki, "auth-ca.crt"));
    check_same_file(path_of(c->dir, "sign-ca.crt"),
                    path_of(pki, "sign-ca.crt"));
}

static void
free_card(struct card *c)
{
    EVP_PKEY_free(c->sign_key);
    EVP_PKEY_free(c->auth_key);
    X509_free(c->sign);
    X509_free(c->auth);
    X509_free(c->sign_ca);
    X509_free(c->auth_ca);
}

static int
card_ok(const struct card *c)
{
    return c->auth && c->sign && c->auth_ca && c->sign_ca && c->auth_key &&
           c->sign_key;
}

/* Four certificate serials of two cards and two CAs, all different. */
static void
check_serials_unique(const struct card *c)
{
    const X509 *x[6] = { c[0].auth_ca, c[0].sign_ca, c[0].auth,
                         c[0].sign,    c[1].auth,    c[1].sign };

    for (int i = 0; i < 6; i++)
        for (int j = i + 1; j < 6; j++)
            CHECK(ASN1_INTEGER_cmp(X509_get0_serialNumber(x[i]),
                                   X509_get0_serialNumber(x[j])) != 0,
                  "serials %d and %d differ", i, j);
}

static void
check_file_text(const char *path, const char *want)
{
    size_t len;
    unsigned char *text = slurp(path, &len);

    CHECK(text != NULL && strcmp((char *)text, want) == 0, "%s holds \"%s\"",
          path, want);
    free(text);
}

/* Every failure returns 0 after one line on stderr. */
static void
check_errors(const char *root, const char *pki)
{
    char file[4096], below[4096];
    struct vcard_person bad = *vcard_person_get(0);
    FILE *f;

    snprintf(file, sizeof(file), "%s/plain-file", root);
    snprintf(below, sizeof(below), "%s/plain-file/pki", root);
    f = fopen(file, "w");
    if (f != NULL)
        fclose(f);
    bad.birth = "1980021";
    /* a directory where sign.crt should go: rename(2) fails late */
    mkdir(path_of(root, "busy"), 0700);
    mkdir(path_of(path_of(root, "busy"), "sign.crt"), 0700);
    fprintf(stderr, "pki-check: 5 error messages expected:\n");
    CHECK(!vcard_pki_init(below), "init below a plain file fails");
    CHECK(!vcard_pki_issue(below, path_of(root, "x"), vcard_person_get(0)),
          "issue without CA fails");
    CHECK(!vcard_pki_issue(pki, below, vcard_person_get(0)),
          "issue into an impossible directory fails");
    CHECK(!vcard_pki_issue(pki, path_of(root, "x"), &bad),
          "issue with a malformed birth date fails");
    CHECK(!vcard_pki_issue(pki, path_of(root, "busy"), vcard_person_get(0)),
          "issue fails when sign.crt cannot be written");
    CHECK(count_tmp_files(path_of(root, "busy")) == 0,
          "no temporary file left after a failed write");
    rmdir(path_of(path_of(root, "busy"), "sign.crt"));
    remove_dir(path_of(root, "busy"));
    unlink(file);
}

static void
issue_cards(struct card *cards, const char *root, const char *pki)
{
    static char dirs[2][4096];
    static const size_t who[2] = { 0, 3 };

    for (int i = 0; i < 2; i++) {
        double t0 = now_ms();

        snprintf(dirs[i], sizeof(dirs[i]), "%s/card%zu", root, who[i]);
        cards[i].dir = dirs[i];
        cards[i].p = vcard_person_get(who[i]);
        CHECK(vcard_pki_issue(pki, dirs[i], cards[i].p),
              "vcard_pki_issue person %zu", who[i]);
        printf("issue person %zu (2 RSA-2048 keys): %.0f ms\n", who[i],
               now_ms() - t0);
    }
    check_file_text(path_of(pki, "serial"), "2\n");
}

static void
init_pki(const char *pki)
{
    size_t len_a, len_b;
    unsigned char *a, *b;
    double t0 = now_ms();

    CHECK(vcard_pki_init(pki), "vcard_pki_init");
    printf("init (2 RSA-2048 CA keys): %.0f ms\n", now_ms() - t0);
    CHECK(mode_of(pki) == 0700, "%s has mode 0700", pki);
    CHECK(mode_of(path_of(pki, "auth-ca.key.pem")) == 0600 &&
              mode_of(path_of(pki, "sign-ca.key.pem")) == 0600,
          "CA keys have mode 0600");
    check_file_text(path_of(pki, "serial"), "0\n");
    a = slurp(path_of(pki, "auth-ca.crt"), &len_a);
    CHECK(vcard_pki_init(pki), "vcard_pki_init again");
    b = slurp(path_of(pki, "auth-ca.crt"), &len_b);
    CHECK(a != NULL && b != NULL && len_a == len_b && memcmp(a, b, len_a) == 0,
          "vcard_pki_init keeps an existing CA");
    free(a);
    free(b);
}

int
main(void)
{
    char root[] = "/tmp/pki-check.XXXXXX", pki[4096];
    struct card cards[2];

    memset(cards, 0, sizeof(cards));
    check_check_digit();
    check_people();
    if (mkdtemp(root) == NULL) {
        perror("pki-check: mkdtemp");
        return 1;
    }
    snprintf(pki, sizeof(pki), "%s/pki", root);
    init_pki(pki);
    issue_cards(cards, root, pki);
    for (int i = 0; i < 2; i++) {
        load_card(&cards[i], pki);
        if (!card_ok(&cards[i]))
            continue;
        check_ca("auth-ca.crt", cards[i].auth_ca,
                 "JPKI for user authentication", JPKI_JA "利用者証明用");
        check_ca("sign-ca.crt", cards[i].sign_ca, "JPKI for digital signature",
                 JPKI_JA "署名用");
        check_auth(&cards[i]);
        check_sign(&cards[i], (unsigned int)i + 1);
    }
    if (card_ok(&cards[0]) && card_ok(&cards[1]))
        check_serials_unique(cards);
    check_errors(root, pki);
    CHECK(count_tmp_files(pki) == 0 && count_tmp_files(cards[0].dir) == 0 &&
              count_tmp_files(cards[1].dir) == 0,
          "no temporary files left behind");
    for (int i = 0; i < 2; i++)
        free_card(&cards[i]);
    printf("pki-check: %d passed, %d failed\n", passed, failed);
    if (failed != 0) {
        fprintf(stderr, "pki-check: files kept in %s\n", root);
        return 1;
    }
    remove_dir(cards[0].dir);
    remove_dir(cards[1].dir);
    remove_dir(pki);
    rmdir(root);
    return 0;
}
