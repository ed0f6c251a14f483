/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Importing records into the store (store.h, docs/myna-eligd.8 IMPORT
 * FORMATS).  Two formats, one validator: a JSON array of people, or CSV
 * with one row per qualification whose rows are turned into the same
 * JSON person objects (consecutive rows with the same "person" key are
 * one person).  Every member is checked as the protocol checks requests
 * (dates, check digits, 2-digit 枝番), unknown members are refused, and
 * anything carrying a My Number is refused outright.  All or nothing: one
 * transaction.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "certid.h"
#include "elig.h"
#include "store.h"
#include "trust.h"

/* A progress line on stderr every this many people. */
#define PROGRESS_EVERY 10000

enum syn { ANY, DATE, INSURER, BRANCH, DIGITS3, CODE, FAMILY };

struct ctx {
    struct elig_store *st;
    const char *path;
    char where[96]; /* "record 3" / "line 7" */
};

static int bad(const struct ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
bad(const struct ctx *c, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "myna-eligd: import %s: %s: ", c->path, c->where);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return 0;
}

static bool
syntax_ok(enum syn syn, const char *s)
{
    size_t n = strlen(s), i;

    switch (syn) {
    case ANY:
        for (i = 0; i < n; i++)
            if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
                return false;
        return true;
    case DATE:
        return elig_date_valid(s);
    case INSURER:
        return elig_insurer_number_valid(s);
    case BRANCH:
        return elig_branch_valid(s);
    case DIGITS3:
        return n == 3 && elig_digits_valid(s, 3);
    case CODE: /* OQS codes: "01", "A1", "B09" */
        for (i = 0; i < n; i++)
            if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'Z')))
                return false;
        return n >= 1;
    case FAMILY:
        return strcmp(s, "1") == 0 || strcmp(s, "2") == 0;
    }
    return false;
}

/* Copy member name of o into dst; absent is fine unless required. */
static int
field(const struct ctx *c, json_t *o, const char *name, bool required,
      enum syn syn, char *dst, size_t size)
{
    json_t *v = json_object_get(o, name);
    const char *s;

    dst[0] = '\0';
    if (v == NULL || (json_is_string(v) && json_string_length(v) == 0)) {
        if (required)
            return bad(c, "member '%s' is missing", name);
        return 1;
    }
    s = json_string_value(v);
    if (s == NULL || strlen(s) != json_string_length(v))
        return bad(c, "member '%s' must be a string", name);
    if (strlen(s) >= size)
        return bad(c, "member '%s' is too long", name);
    if (!syntax_ok(syn, s))
        return bad(c,
                   "member '%s' is malformed (or its check digit is "
                   "wrong)",
                   name);
    memcpy(dst, s, strlen(s) + 1);
    return 1;
}

static int
only_members(const struct ctx *c, json_t *o, const char *const *names)
{
    const char *key;
    json_t *v;
    size_t i;

    if (!json_is_object(o))
        return bad(c, "%s is not a JSON object", "the record");
    json_object_foreach(o, key, v)
    {
        for (i = 0; names[i] != NULL; i++)
            if (strcmp(names[i], key) == 0)
                break;
        if (names[i] == NULL)
            return bad(c, "unknown member '%s'", key);
    }
    return 1;
}

static int
qualification(const struct ctx *c, json_t *o, struct elig_qualification *q)
{
    static const char *const names[] = {
        "insuredCardClassification",
        "insurerNumber",
        "insurerName",
        "insuredCardSymbol",
        "insuredIdentificationNumber",
        "insuredBranchNumber",
        "personalFamilyClassification",
        "insuredName",
        "insuredCardValidDate",
        "insuredCardExpirationDate",
        "qualificationDate",
        "disqualificationDate",
        "reasonOfLoss",
        "insuredPartialContributionRatio",
        "preschoolClassification",
        "elderlyRecipientCertificateInfo",
        NULL,
    };
    static const char *const elderly[] = { "elderlyRecipientCertificateDate",
                                           "elderlyRecipientValidStartDate",
                                           "elderlyRecipientValidEndDate",
                                           "elderlyRecipientContributionRatio",
                                           NULL };
    json_t *e = json_object_get(o, "elderlyRecipientCertificateInfo");

    memset(q, 0, sizeof(*q));
    if (!only_members(c, o, names) ||
        !field(c, o, "insuredCardClassification", true, CODE, q->classification,
               sizeof(q->classification)) ||
        !field(c, o, "insurerNumber", true, INSURER, q->insurer_number,
               sizeof(q->insurer_number)) ||
        !field(c, o, "insurerName", true, ANY, q->insurer_name,
               sizeof(q->insurer_name)) ||
        !field(c, o, "insuredCardSymbol", false, ANY, q->symbol,
               sizeof(q->symbol)) ||
        !field(c, o, "insuredIdentificationNumber", true, ANY, q->number,
               sizeof(q->number)) ||
        !field(c, o, "insuredBranchNumber", true, BRANCH, q->branch,
               sizeof(q->branch)) ||
        !field(c, o, "personalFamilyClassification", false, FAMILY,
               q->personal_family, sizeof(q->personal_family)) ||
        !field(c, o, "insuredName", true, ANY, q->insured_name,
               sizeof(q->insured_name)) ||
        !field(c, o, "insuredCardValidDate", false, DATE, q->valid_from,
               sizeof(q->valid_from)) ||
        !field(c, o, "insuredCardExpirationDate", false, DATE, q->valid_to,
               sizeof(q->valid_to)) ||
        !field(c, o, "qualificationDate", true, DATE, q->qualification_date,
               sizeof(q->qualification_date)) ||
        !field(c, o, "disqualificationDate", false, DATE,
               q->disqualification_date, sizeof(q->disqualification_date)) ||
        !field(c, o, "reasonOfLoss", false, CODE, q->reason_of_loss,
               sizeof(q->reason_of_loss)) ||
        !field(c, o, "insuredPartialContributionRatio", false, DIGITS3,
               q->ratio, sizeof(q->ratio)) ||
        !field(c, o, "preschoolClassification", false, CODE, q->preschool,
               sizeof(q->preschool)))
        return 0;
    if (e == NULL)
        return 1;
    return only_members(c, e, elderly) &&
           field(c, e, "elderlyRecipientCertificateDate", false, DATE,
                 q->elderly_date, sizeof(q->elderly_date)) &&
           field(c, e, "elderlyRecipientValidStartDate", false, DATE,
                 q->elderly_from, sizeof(q->elderly_from)) &&
           field(c, e, "elderlyRecipientValidEndDate", false, DATE,
                 q->elderly_to, sizeof(q->elderly_to)) &&
           field(c, e, "elderlyRecipientContributionRatio", false, DIGITS3,
                 q->elderly_ratio, sizeof(q->elderly_ratio));
}

/* A certificate file named relative to the import file. */
static X509 *
load_cert(const struct ctx *c, const char *file)
{
    char path[4096];
    const char *slash = strrchr(c->path, '/');
    FILE *f;
    X509 *x;

    if (file[0] == '/' || slash == NULL)
        snprintf(path, sizeof(path), "%s", file);
    else
        snprintf(path, sizeof(path), "%.*s/%s", (int)(slash - c->path), c->path,
                 file);
    f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "myna-eligd: import %s: %s: %s: %s\n", c->path,
                c->where, path, strerror(errno));
        return NULL;
    }
    x = PEM_read_X509(f, NULL, NULL, NULL);
    if (x == NULL) {
        rewind(f);
        x = d2i_X509_fp(f, NULL);
    }
    fclose(f);
    if (x == NULL)
        fprintf(stderr,
                "myna-eligd: import %s: %s: %s is not a PEM or DER "
                "certificate\n",
                c->path, c->where, path);
    return x;
}

static int
certificate(const struct ctx *c, json_t *o, long long person)
{
    static const char *const names[] = { "issuer", "serial", "file", NULL };
    char issuer[1024], serial[128];
    json_t *file = json_object_get(o, "file");
    X509 *x;
    int ok;

    if (!only_members(c, o, names))
        return 0;
    if (file != NULL) {
        if (!json_is_string(file) || json_object_size(o) != 1)
            return bad(c, "%s: a string, and alone", "certificate 'file'");
        x = load_cert(c, json_string_value(file));
        if (x == NULL)
            return 0;
        ok = elig_cert_key(x, issuer, sizeof(issuer), serial, sizeof(serial));
        X509_free(x);
        if (!ok)
            return bad(c, "%s: cannot name its issuer and serial",
                       "certificate");
    } else if (!field(c, o, "issuer", true, ANY, issuer, sizeof(issuer)) ||
               !field(c, o, "serial", true, ANY, serial, sizeof(serial))) {
        return 0;
    }
    return elig_store_add_certificate(c->st, person, issuer, serial);
}

static int
person(const struct ctx *c, json_t *o)
{
    static const char *const names[] = {
        "name",     "nameKana",     "sex1",           "birthdate",
        "withheld", "certificates", "qualifications", NULL,
    };
    struct elig_person p;
    json_t *quals = json_object_get(o, "qualifications");
    json_t *certs = json_object_get(o, "certificates");
    json_t *withheld = json_object_get(o, "withheld");
    long long id;
    size_t i;
    int ok = 0;

    memset(&p, 0, sizeof(p));
    if (!only_members(c, o, names) ||
        !field(c, o, "name", true, ANY, p.name, sizeof(p.name)) ||
        !field(c, o, "nameKana", true, ANY, p.name_kana, sizeof(p.name_kana)) ||
        !field(c, o, "sex1", true, CODE, p.sex, sizeof(p.sex)) ||
        !field(c, o, "birthdate", true, DATE, p.birthdate, sizeof(p.birthdate)))
        goto out;
    if (withheld != NULL && !json_is_boolean(withheld)) {
        bad(c, "member '%s' must be true or false", "withheld");
        goto out;
    }
    p.withheld = json_is_true(withheld);
    if ((quals != NULL && !json_is_array(quals)) ||
        (certs != NULL && !json_is_array(certs))) {
        bad(c, "%s must be arrays", "qualifications and certificates");
        goto out;
    }
    p.n = json_array_size(quals);
    if (p.n > 0 && (p.q = calloc(p.n, sizeof(*p.q))) == NULL)
        goto out;
    for (i = 0; i < p.n; i++)
        if (!qualification(c, json_array_get(quals, i), &p.q[i]))
            goto out;
    id = elig_store_add_person(c->st, &p);
    if (id < 0)
        goto out;
    for (i = 0; i < json_array_size(certs); i++)
        if (!certificate(c, json_array_get(certs, i), id))
            goto out;
    ok = 1;
out:
    elig_person_clear(&p);
    return ok;
}

static void
progress(size_t n)
{
    if (n % PROGRESS_EVERY == 0)
        fprintf(stderr, "myna-eligd: import: %zu people\n", n);
}

static int
import_json(struct ctx *c, const char *text, size_t len, size_t *count)
{
    json_error_t err;
    json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
    size_t i;
    int ok = 0;

    if (doc == NULL) {
        fprintf(stderr, "myna-eligd: import %s: line %d: %s\n", c->path,
                err.line, err.text);
        return 0;
    }
    if (!json_is_array(doc)) {
        snprintf(c->where, sizeof(c->where), "top level");
        bad(c, "%s", "not an array of people");
        goto out;
    }
    if (elig_json_has_my_number(doc)) {
        snprintf(c->where, sizeof(c->where), "somewhere");
        bad(c, "%s", "a My Number member: refused, nothing imported");
        goto out;
    }
    for (i = 0; i < json_array_size(doc); i++) {
        snprintf(c->where, sizeof(c->where), "record %zu", i + 1);
        if (!person(c, json_array_get(doc, i)))
            goto out;
        ++*count;
        progress(*count);
    }
    ok = 1;
out:
    json_decref(doc);
    return ok;
}

/* --- CSV (RFC 4180): quoted fields may hold commas, quotes, newlines --- */

#define CSV_MAX_COLUMNS 64

struct csv {
    const char *p, *end;
    size_t line;
};

/* Read one record into fields (new strings); 1 read, 0 at EOF, -1 bad. */
static int
csv_record(struct csv *r, char **fields, size_t *n)
{
    size_t cap, len;
    char *f;
    bool quoted;

    *n = 0;
    if (r->p >= r->end)
        return 0;
    r->line++;
    for (;;) {
        if (*n == CSV_MAX_COLUMNS)
            return -1;
        cap = 64, len = 0;
        if ((f = malloc(cap)) == NULL)
            return -1;
        fields[(*n)++] = f;
        quoted = r->p < r->end && *r->p == '"';
        if (quoted)
            r->p++;
        for (;;) {
            if (r->p >= r->end) {
                if (quoted)
                    return -1; /* unterminated quote */
                break;
            }
            if (quoted && *r->p == '"') {
                if (r->p + 1 < r->end && r->p[1] == '"') {
                    r->p++;
                } else {
                    r->p++;
                    quoted = false;
                    if (r->p < r->end && *r->p != ',' && *r->p != '\n' &&
                        *r->p != '\r')
                        return -1;
                    continue;
                }
            } else if (!quoted &&
                       (*r->p == ',' || *r->p == '\n' || *r->p == '\r')) {
                break;
            } else if (!quoted && *r->p == '"') {
                return -1; /* a quote inside an unquoted field */
            }
            if (*r->p == '\n')
                r->line++;
            if (len + 2 > cap) {
                char *nf = realloc(f, cap *= 2);
                if (nf == NULL)
                    return -1;
                fields[*n - 1] = f = nf;
            }
            f[len++] = *r->p++;
        }
        f[len] = '\0';
        if (r->p < r->end && *r->p == ',') {
            r->p++;
            continue;
        }
        if (r->p < r->end && *r->p == '\r')
            r->p++;
        if (r->p < r->end && *r->p == '\n')
            r->p++;
        return 1;
    }
}

static void
csv_free(char **fields, size_t n)
{
    while (n > 0)
        free(fields[--n]);
}

/* Person-level columns; every other column is a qualification member,
 * except the certificate columns. */
static const char *const person_columns[] = { "name", "nameKana", "sex1",
                                              "birthdate", NULL };
static const char *const elderly_columns[] = {
    "elderlyRecipientCertificateDate", "elderlyRecipientValidStartDate",
    "elderlyRecipientValidEndDate", "elderlyRecipientContributionRatio", NULL
};

static bool
in_list(const char *const *list, const char *s)
{
    for (; *list != NULL; list++)
        if (strcmp(*list, s) == 0)
            return true;
    return false;
}

/* Turn one CSV row into person/qualification/certificate members. */
static int
csv_row(const struct ctx *c, char **head, char **row, size_t n, json_t *pers)
{
    json_t *q = json_object(), *cert = json_object(), *e = json_object();
    json_t *quals = json_object_get(pers, "qualifications");
    json_t *certs = json_object_get(pers, "certificates");
    size_t i;
    int ok = 0;

    if (q == NULL || cert == NULL || e == NULL)
        goto out;
    for (i = 0; i < n; i++) {
        const char *h = head[i], *v = row[i];

        if (strcmp(h, "person") == 0 || v[0] == '\0')
            continue;
        if (strcmp(h, "withheld") == 0) {
            if (strcmp(v, "1") != 0 && strcmp(v, "0") != 0) {
                bad(c, "column '%s' must be 0 or 1", h);
                goto out;
            }
            json_object_set_new(pers, "withheld", json_boolean(v[0] == '1'));
        } else if (in_list(person_columns, h)) {
            json_object_set_new(pers, h, json_string(v));
        } else if (strcmp(h, "certIssuer") == 0) {
            json_object_set_new(cert, "issuer", json_string(v));
        } else if (strcmp(h, "certSerial") == 0) {
            json_object_set_new(cert, "serial", json_string(v));
        } else if (strcmp(h, "certFile") == 0) {
            json_object_set_new(cert, "file", json_string(v));
        } else if (in_list(elderly_columns, h)) {
            json_object_set_new(e, h, json_string(v));
        } else {
            json_object_set_new(q, h, json_string(v));
        }
    }
    if (json_object_size(e) > 0)
        json_object_set(q, "elderlyRecipientCertificateInfo", e);
    /* A row without qualification columns registers a person (or one
     * more certificate) only. */
    if (json_object_size(q) > 0)
        json_array_append(quals, q);
    if (json_object_size(cert) > 0)
        json_array_append(certs, cert);
    ok = 1;
out:
    json_decref(q);
    json_decref(cert);
    json_decref(e);
    return ok;
}

static json_t *
new_person(void)
{
    json_t *p = json_object();

    if (p != NULL &&
        (json_object_set_new(p, "qualifications", json_array()) != 0 ||
         json_object_set_new(p, "certificates", json_array()) != 0)) {
        json_decref(p);
        return NULL;
    }
    return p;
}

/* The same names libelig refuses in JSON, asked through a JSON object. */
static bool
my_number_column(const char *name)
{
    json_t *o = json_object();
    bool found;

    if (o == NULL || json_object_set_new(o, name, json_null()) != 0) {
        json_decref(o);
        return true; /* cannot tell: refuse */
    }
    found = elig_json_has_my_number(o);
    json_decref(o);
    return found;
}

static int
import_csv(struct ctx *c, const char *text, size_t len, size_t *count)
{
    struct csv r = { text, text + len, 0 };
    char *head[CSV_MAX_COLUMNS], *row[CSV_MAX_COLUMNS];
    size_t nh = 0, nr = 0, i, key_col = CSV_MAX_COLUMNS;
    char key[128] = "";
    json_t *pers = NULL;
    int rc, ok = 0;

    snprintf(c->where, sizeof(c->where), "line 1");
    if (csv_record(&r, head, &nh) != 1) {
        bad(c, "%s", "no header row");
        goto out;
    }
    for (i = 0; i < nh; i++) {
        if (my_number_column(head[i])) {
            bad(c, "column '%s' would carry a My Number: refused", head[i]);
            goto out;
        }
        if (strcmp(head[i], "person") == 0)
            key_col = i;
    }
    if (key_col == CSV_MAX_COLUMNS) {
        bad(c, "%s", "no 'person' column");
        goto out;
    }
    for (;;) {
        snprintf(c->where, sizeof(c->where), "line %zu", r.line + 1);
        rc = csv_record(&r, row, &nr);
        if (rc == 0)
            break;
        if (rc < 0 || nr != nh) {
            csv_free(row, nr);
            bad(c, "%s",
                "malformed CSV row (quotes, or not as many "
                "columns as the header)");
            goto out;
        }
        if (pers != NULL && strcmp(row[key_col], key) != 0) {
            snprintf(c->where, sizeof(c->where), "person '%.40s'", key);
            if (!person(c, pers))
                goto out_row;
            json_decref(pers);
            pers = NULL;
            ++*count;
            progress(*count);
        }
        if (pers == NULL) {
            snprintf(key, sizeof(key), "%s", row[key_col]);
            if ((pers = new_person()) == NULL)
                goto out_row;
        }
        if (!csv_row(c, head, row, nr, pers))
            goto out_row;
        csv_free(row, nr);
        nr = 0;
    }
    if (pers != NULL) {
        snprintf(c->where, sizeof(c->where), "person '%.40s'", key);
        if (!person(c, pers))
            goto out;
        ++*count;
    }
    ok = 1;
    goto out;
out_row:
    csv_free(row, nr);
out:
    json_decref(pers);
    csv_free(head, nh);
    return ok;
}

static char *
slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL, *nb;
    size_t cap = 0, n;

    *len = 0;
    if (f == NULL)
        return NULL;
    for (;;) {
        if (*len + 1 >= cap) {
            cap = cap ? cap * 2 : 65536;
            if ((nb = realloc(buf, cap)) == NULL)
                goto fail;
            buf = nb;
        }
        n = fread(buf + *len, 1, cap - *len - 1, f);
        if (n == 0)
            break;
        *len += n;
    }
    if (ferror(f))
        goto fail;
    fclose(f);
    buf[*len] = '\0';
    return buf;
fail:
    fclose(f);
    free(buf);
    return NULL;
}

static bool
looks_like_json(const char *text, size_t len)
{
    size_t i = 0;

    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
        i = 3;
    while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' ||
                       text[i] == '\r'))
        i++;
    return i < len && text[i] == '[';
}

int
elig_store_import(struct elig_store *st, const char *path, size_t *count)
{
    struct ctx c = { st, path, "" };
    size_t len = 0, skip = 0;
    char *text = slurp(path, &len);
    int ok;

    *count = 0;
    if (text == NULL) {
        fprintf(stderr, "myna-eligd: import %s: %s\n", path, strerror(errno));
        return 0;
    }
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
        skip = 3; /* a UTF-8 byte order mark from a spreadsheet */
    if (!elig_store_begin(st)) {
        free(text);
        return 0;
    }
    if (looks_like_json(text, len))
        ok = import_json(&c, text + skip, len - skip, count);
    else
        ok = import_csv(&c, text + skip, len - skip, count);
    free(text);
    if (ok)
        ok = elig_store_commit(st);
    if (!ok) {
        elig_store_rollback(st);
        *count = 0;
    }
    return ok;
}
