/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Test PKI for the virtual My Number Card (card-protocol.md §12).
 *
 * Two self-signed roots stand in for the J-LIS user authentication and
 * digital signature CAs; every card gets an authentication certificate
 * (EF 000A, §12.3) and a signing certificate (EF 0001, §12.4) issued
 * directly by them.  The profiles copy the real ones field by field so that
 * relying-party code meets the same DN string types, critical extensions
 * and otherName encoding, but every DN says O=JPKI-TEST (what the real test
 * cards carry, §12.1) and the policy OIDs are the test ones, so nothing
 * made here can pass for a real JPKI certificate.
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
#define RSA_BITS 2048         /* RSA-2048, e = 65537 everywhere (§12.2) */
#define DAY (24L * 60 * 60)
#define CA_DAYS 3652          /* the J-LIS roots live ten years (§12.1) */
#define JST (9L * 60 * 60)    /* J-LIS dates and times are Japan time */
#define DER_MIN 256           /* smallest length with a 30 82 LL LL header */
#define AUTH_CN_LEN 20        /* "8439XXXXXXXXXXXXXXXX" (§12.3) */
#define SIGN_SEQ_MOD 100000   /* 5-digit sequence in the sign CN (§12.4) */
#define OFFICE_CODE "TEST00001" /* 9-char issuing office code (§12.4) */
#define CA_ORG "JPKI-TEST"    /* O= of the test hierarchy (§12.1) */
#define JLIS_EN "Japan Agency for Local Authority Information Systems"
#define JLIS_JA "地方公共団体情報システム機構"
#define JPKI_JA "公的個人認証サービス"
#define AUTH_POLICY "1.2.392.200149.8.5.1.3.30"  /* auth-class30 (§12.3) */
#define SIGN_POLICY "1.2.392.200149.8.5.1.0.20"  /* test hierarchy (§12.4) */
#define CPS_URI "http://www.jpki.go.jp/cps.html" /* as in [ZKM] (§12.4) */
#define ATTR_OID "1.2.392.200149.8.5.5."         /* .1 .. .6 (§12.4) */
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
    [CA_SIGN] = { "sign-ca", "JPKI for digital signature",
                  JPKI_JA "署名用" },
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

    if (len == 0 || len >= sizeof(path)) {
        fprintf(stderr, PROG ": cannot create %s: %s\n", dir,
                strerror(len == 0 ? ENOENT : ENAMETOOLONG));
        return 0;
    }
    memcpy(path, dir, len + 1);
    for (char *p = path + 1;; p++) {
        char c = *p;

        if (c != '/' && c != '\0')
            continue;
        *p = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST)
            break;
        *p = c;
        if (c == '\0')
            break;
    }
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, PROG ": cannot create %s: %s\n", dir,
                strerror(errno != 0 && errno != EEXIST ? errno : ENOTDIR));
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
        if (n <= 0)
            return 0;
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
    int fd = -1, n, ok = 0, err = 0;

    n = snprintf(tmp, sizeof(tmp), "%s.tmpXXXXXX", path);
    if (n < 0 || (size_t)n >= sizeof(tmp)) {
        err = ENAMETOOLONG;
        goto out;
    }
    fd = mkstemp(tmp);
    if (fd < 0 || fchmod(fd, 0600) != 0 || !write_all(fd, data, len)
        || fsync(fd) != 0)
        goto fail;
    n = close(fd);
    fd = -1;
    if (n != 0 || rename(tmp, path) != 0)
        goto fail;
    ok = 1;
    goto out;
fail:
    err = errno != 0 ? errno : EIO;
    if (fd >= 0)
        close(fd);
    if (tmp[n] == '\0' && access(tmp, F_OK) == 0)
        unlink(tmp);
out:
    if (!ok)
        fprintf(stderr, PROG ": cannot write %s: %s\n", path, strerror(err));
    return ok;
}
