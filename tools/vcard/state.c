/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "pki.h"
#include "state.h"

#define STATE_FILE "card.state"
#define STATE_MAX 4096
#define BLOB_MAX 65536
#define STATE_VERSION 1

static char *
path_join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);

    if (p != NULL)
        snprintf(p, n, "%s/%s", dir, name);
    return p;
}

static int
read_blob(const char *dir, const char *name, struct vcard_blob *b)
{
    char *path = path_join(dir, name);
    FILE *f = path == NULL ? NULL : fopen(path, "rb");
    int ok = 0;

    b->data = malloc(BLOB_MAX);
    if (f == NULL || b->data == NULL) {
        fprintf(stderr, "myna-vcard: cannot read %s: %s\n", path ? path : name,
                strerror(errno));
        goto out;
    }
    b->len = fread(b->data, 1, BLOB_MAX, f);
    ok = b->len > 0 && b->len < BLOB_MAX && !ferror(f);
    if (!ok)
        fprintf(stderr, "myna-vcard: %s: empty, unreadable or too large\n",
                path);
out:
    if (f != NULL)
        fclose(f);
    free(path);
    return ok;
}

static EVP_PKEY *
read_key(const char *dir, const char *name)
{
    char *path = path_join(dir, name);
    FILE *f = path == NULL ? NULL : fopen(path, "r");
    EVP_PKEY *key = NULL;

    if (f != NULL) {
        key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
        fclose(f);
    }
    if (key == NULL)
        fprintf(stderr, "myna-vcard: cannot read the key %s\n",
                path ? path : name);
    free(path);
    return key;
}

/* Write path atomically: temporary file, fsync, rename (so a crash or a
 * kill never leaves a half-written counter that would unblock a PIN). */
static int
write_atomic(const char *dir, const char *name, const char *text, size_t len)
{
    char *path = path_join(dir, name), *tmp = path_join(dir, ".state.tmp");
    int fd = -1, ok = 0;

    if (path == NULL || tmp == NULL)
        goto out;
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || write(fd, text, len) != (ssize_t)len || fsync(fd) != 0 ||
        close(fd) != 0) {
        fd = -1;
        goto out;
    }
    fd = -1;
    ok = rename(tmp, path) == 0;
out:
    if (!ok)
        fprintf(stderr, "myna-vcard: cannot write %s: %s\n", path ? path : name,
                strerror(errno));
    if (fd >= 0)
        close(fd);
    free(path);
    free(tmp);
    return ok;
}

int
vcard_state_save(const struct vcard_state *st)
{
    char text[STATE_MAX];
    size_t n = 0;
    int w;

    w = snprintf(text, sizeof(text),
                 "# myna-vcard test card: synthetic data, never a real "
                 "person\nversion=%d\nperson=%zu\nserial=%s\n"
                 "security_code=%s\nexpiry=%u\n",
                 STATE_VERSION, st->person, st->serial, st->security_code,
                 st->expiry_year);
    if (w < 0 || (size_t)w >= sizeof(text))
        return 0;
    n = (size_t)w;
    for (size_t i = 0; i < st->card.n_pins; i++) {
        const struct vcard_pin *pin = &st->card.pins[i];

        if (!pin->persistent)
            continue;
        w = snprintf(text + n, sizeof(text) - n, "pin.%s=%.*s\ntries.%s=%d\n",
                     pin->name, (int)pin->len, (const char *)pin->value,
                     pin->name, pin->tries);
        if (w < 0 || (size_t)w >= sizeof(text) - n)
            return 0;
        n += (size_t)w;
    }
    w = write_atomic(st->dir, STATE_FILE, text, n);
    OPENSSL_cleanse(text, sizeof(text));
    return w;
}

static int
save_hook(void *arg, const struct vcard *card)
{
    (void)card;
    return vcard_state_save(arg);
}

static struct vcard_pin *
pin_by_name(struct vcard *card, const char *name)
{
    for (size_t i = 0; i < card->n_pins; i++)
        if (card->pins[i].persistent && strcmp(card->pins[i].name, name) == 0)
            return &card->pins[i];
    return NULL;
}

/* Apply "pin.NAME=VALUE" / "tries.NAME=N" over the built-in defaults. */
static int
apply_pin_line(struct vcard *card, const char *key, const char *value)
{
    int is_pin = strncmp(key, "pin.", 4) == 0;
    struct vcard_pin *pin = pin_by_name(card, key + (is_pin ? 4 : 6));
    char *end;
    long n;

    if (pin == NULL)
        return 0;
    if (is_pin) {
        if (strlen(value) == 0 || strlen(value) > sizeof(pin->value))
            return 0;
        pin->len = strlen(value);
        memcpy(pin->value, value, pin->len);
        return 1;
    }
    n = strtol(value, &end, 10);
    if (*end != '\0' || n < 0 || n > pin->max_tries)
        return 0;
    pin->tries = (int)n;
    return 1;
}

static int
apply_header_line(struct vcard_state *st, const char *key, const char *value)
{
    char *end = NULL;
    unsigned long n = strtoul(value, &end, 10);

    if (strcmp(key, "version") == 0)
        return *end == '\0' && n == STATE_VERSION;
    if (strcmp(key, "person") == 0) {
        st->person = n;
        return *end == '\0' && n < vcard_people_count();
    }
    if (strcmp(key, "expiry") == 0) {
        st->expiry_year = (unsigned)n;
        return *end == '\0' && n >= 2000 && n <= 9999;
    }
    if (strcmp(key, "serial") == 0 && strlen(value) < sizeof(st->serial)) {
        memcpy(st->serial, value, strlen(value) + 1);
        return 1;
    }
    if (strcmp(key, "security_code") == 0 && strlen(value) == 4) {
        memcpy(st->security_code, value, 5);
        return 1;
    }
    return 0;
}

/* pass 0: header fields; pass 1: PIN values and counters.  Each pass
 * cuts its own copy of the text into lines. */
static int
parse_state(struct vcard_state *st, const char *text, int pass)
{
    char copy[STATE_MAX], *line, *next, *eq;
    int lineno = 0, ok = 1;

    snprintf(copy, sizeof(copy), "%s", text);
    for (line = copy; ok && line != NULL && *line != '\0'; line = next) {
        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        lineno++;
        if (line[0] == '#' || line[0] == '\0')
            continue;
        eq = strchr(line, '=');
        if (eq == NULL) {
            ok = 0;
            break;
        }
        *eq = '\0';
        int pin_line =
            strncmp(line, "pin.", 4) == 0 || strncmp(line, "tries.", 6) == 0;
        if (pass == 0)
            ok = pin_line || apply_header_line(st, line, eq + 1);
        else
            ok = !pin_line || apply_pin_line(&st->card, line, eq + 1);
    }
    OPENSSL_cleanse(copy, sizeof(copy));
    if (!ok)
        fprintf(stderr, "myna-vcard: %s/%s:%d: bad line\n", st->dir, STATE_FILE,
                lineno);
    return ok;
}

static int
read_state_text(const char *dir, char text[STATE_MAX])
{
    char *path = path_join(dir, STATE_FILE);
    FILE *f = path == NULL ? NULL : fopen(path, "r");
    size_t n = 0;

    if (f != NULL) {
        n = fread(text, 1, STATE_MAX - 1, f);
        fclose(f);
    }
    if (f == NULL || n == 0 || n == STATE_MAX - 1) {
        fprintf(stderr, "myna-vcard: cannot read %s: %s\n",
                path ? path : STATE_FILE,
                f == NULL ? strerror(errno) : "empty or too large");
        free(path);
        return 0;
    }
    text[n] = '\0';
    free(path);
    return 1;
}

int
vcard_state_build(struct vcard_state *st)
{
    const struct vcard_person *p = vcard_person_get(st->person);

    if (p == NULL)
        return 0;
    vcard_token_info(st->token_info, st->serial);
    vcard_surface_info_ef(st->surface_info);
    st->attrs_len = vcard_attrs_ef(st->attrs_ef, sizeof(st->attrs_ef), p);
    if (!vcard_my_number_ef(st->my_number_ef, p, st->my_number) ||
        st->attrs_len == 0 ||
        !vcard_verification_b(st->verification_b, p, st->expiry_year,
                              st->security_code)) {
        fprintf(stderr, "myna-vcard: person %zu has malformed data\n",
                st->person);
        return 0;
    }
    return vcard_apps_build(st);
}

struct vcard_state *
vcard_state_load(const char *card_dir)
{
    struct vcard_state *st = calloc(1, sizeof(*st));
    char text[STATE_MAX];
    int ok = 0;

    if (st == NULL || (st->dir = strdup(card_dir)) == NULL)
        goto out;
    if (!read_state_text(card_dir, text) || !parse_state(st, text, 0) ||
        !read_blob(card_dir, "auth.crt", &st->auth_crt) ||
        !read_blob(card_dir, "sign.crt", &st->sign_crt) ||
        !read_blob(card_dir, "auth-ca.crt", &st->auth_ca_crt) ||
        !read_blob(card_dir, "sign-ca.crt", &st->sign_ca_crt) ||
        (st->auth_key = read_key(card_dir, "auth.key.pem")) == NULL ||
        (st->sign_key = read_key(card_dir, "sign.key.pem")) == NULL ||
        !vcard_state_build(st) || !parse_state(st, text, 1))
        goto out;
    st->card.pin_changed = save_hook;
    st->card.pin_changed_arg = st;
    ok = 1;
out:
    OPENSSL_cleanse(text, sizeof(text));
    if (!ok) {
        vcard_state_free(st);
        st = NULL;
    }
    return st;
}

static int
random_digits(char *out, size_t n)
{
    uint8_t r[16];

    if (n > sizeof(r) || RAND_bytes(r, (int)n) != 1)
        return 0;
    for (size_t i = 0; i < n; i++)
        out[i] = (char)('0' + r[i] % 10);
    out[n] = '\0';
    return 1;
}

int
vcard_state_create(const char *pki_dir, const char *card_dir, size_t person)
{
    struct vcard_state st = { 0 };
    time_t now = time(NULL);
    struct tm tm;
    int ok;

    if (person >= vcard_people_count()) {
        fprintf(stderr, "myna-vcard: no person %zu (0-%zu)\n", person,
                vcard_people_count() - 1);
        return 0;
    }
    if (!vcard_pki_init(pki_dir) ||
        !vcard_pki_issue(pki_dir, card_dir, vcard_person_get(person)))
        return 0;
    gmtime_r(&now, &tm);
    st.dir = (char *)card_dir;
    st.person = person;
    st.expiry_year = (unsigned)tm.tm_year + 1900 + 10;
    if (!random_digits(st.serial, 16) || !random_digits(st.security_code, 4))
        return 0;
    /* Build the PIN table with its defaults, then write it out. */
    ok = vcard_state_build(&st) && vcard_state_save(&st);
    OPENSSL_cleanse(&st.card, sizeof(st.card));
    return ok;
}

void
vcard_state_free(struct vcard_state *st)
{
    if (st == NULL)
        return;
    OPENSSL_cleanse(&st->card, sizeof(st->card));
    EVP_PKEY_free(st->auth_key);
    EVP_PKEY_free(st->sign_key);
    free(st->auth_crt.data);
    free(st->sign_crt.data);
    free(st->auth_ca_crt.data);
    free(st->sign_ca_crt.data);
    free(st->dir);
    free(st);
}
