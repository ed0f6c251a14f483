/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The SQLite store (store.h).  The schema is versioned: schema_version
 * holds the number of migrations applied and open() applies the missing
 * ones in one IMMEDIATE transaction, so that several worker threads (or
 * an import and a running service) opening the same file at once migrate
 * it exactly once.  WAL mode lets readers go on while an import writes.
 * Every query is a statement prepared once per handle.  No column can
 * hold a My Number: people are found by certificate or insurance data.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "certid.h"
#include "store.h"

/* Migration n (1-based) brings the schema from version n-1 to n. */
static const char *const migrations[] = {
    /* 1: people, their registered certificates, their qualifications */
    "CREATE TABLE person ("
    " id INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL, name_kana TEXT NOT NULL, sex TEXT NOT NULL,"
    " birthdate TEXT NOT NULL, withheld INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE certificate ("
    " issuer TEXT NOT NULL, serial TEXT NOT NULL,"
    " person_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE,"
    " PRIMARY KEY (issuer, serial));"
    "CREATE INDEX certificate_person ON certificate(person_id);"
    "CREATE TABLE qualification ("
    " id INTEGER PRIMARY KEY,"
    " person_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE,"
    " classification TEXT NOT NULL, insurer_number TEXT NOT NULL,"
    " insurer_name TEXT NOT NULL, symbol TEXT NOT NULL, number TEXT NOT NULL,"
    " branch TEXT NOT NULL, personal_family TEXT NOT NULL,"
    " insured_name TEXT NOT NULL, valid_from TEXT NOT NULL,"
    " valid_to TEXT NOT NULL, qualification_date TEXT NOT NULL,"
    " disqualification_date TEXT NOT NULL, reason_of_loss TEXT NOT NULL,"
    " ratio TEXT NOT NULL, preschool TEXT NOT NULL,"
    " elderly_date TEXT NOT NULL, elderly_from TEXT NOT NULL,"
    " elderly_to TEXT NOT NULL, elderly_ratio TEXT NOT NULL);"
    "CREATE INDEX qualification_person ON qualification(person_id);"
    "CREATE INDEX qualification_quartet ON qualification"
    " (insurer_number, number, branch, symbol);",
};
#define SCHEMA_VERSION ((int)(sizeof(migrations) / sizeof(migrations[0])))

#define QUAL_COLUMNS                                                           \
    "classification, insurer_number, insurer_name, symbol, number, branch, "   \
    "personal_family, insured_name, valid_from, valid_to, "                    \
    "qualification_date, disqualification_date, reason_of_loss, ratio, "       \
    "preschool, elderly_date, elderly_from, elderly_to, elderly_ratio"

enum stmt {
    S_BY_CERT,
    S_BY_INSURANCE,
    S_PERSON,
    S_QUALS,
    S_ADD_PERSON,
    S_ADD_QUAL,
    S_ADD_CERT,
    S_COUNT
};

static const char *const sql[S_COUNT] = {
    [S_BY_CERT] = "SELECT person_id FROM certificate"
                  " WHERE issuer = ?1 AND serial = ?2",
    /* The whole quartet plus the birth date (§5); the lowest id when an
     * insurer registered the same numbers twice. */
    [S_BY_INSURANCE] = "SELECT q.person_id FROM qualification q"
                       " JOIN person p ON p.id = q.person_id"
                       " WHERE q.insurer_number = ?1 AND q.number = ?3"
                       " AND q.branch = ?4 AND q.symbol = ?2"
                       " AND p.birthdate = ?5"
                       " ORDER BY q.person_id LIMIT 1",
    [S_PERSON] = "SELECT name, name_kana, sex, birthdate, withheld"
                 " FROM person WHERE id = ?1",
    [S_QUALS] = "SELECT " QUAL_COLUMNS " FROM qualification"
                " WHERE person_id = ?1 ORDER BY id",
    [S_ADD_PERSON] = "INSERT INTO person"
                     " (name, name_kana, sex, birthdate, withheld)"
                     " VALUES (?1, ?2, ?3, ?4, ?5)",
    [S_ADD_QUAL] = "INSERT INTO qualification (person_id, " QUAL_COLUMNS
                   ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
                   " ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)",
    [S_ADD_CERT] = "INSERT INTO certificate (issuer, serial, person_id)"
                   " VALUES (?1, ?2, ?3) ON CONFLICT (issuer, serial)"
                   " DO UPDATE SET person_id = excluded.person_id",
};

struct elig_store {
    sqlite3 *db;
    char *path;
    sqlite3_stmt *st[S_COUNT];
};

static void
db_error(struct elig_store *st, const char *what)
{
    fprintf(stderr, "myna-eligd: store %s: %s: %s\n", st->path, what,
            sqlite3_errmsg(st->db));
}

static int
exec(struct elig_store *st, const char *q)
{
    char *msg = NULL;

    if (sqlite3_exec(st->db, q, NULL, NULL, &msg) != SQLITE_OK) {
        fprintf(stderr, "myna-eligd: store %s: %s\n", st->path,
                msg != NULL ? msg : sqlite3_errmsg(st->db));
        sqlite3_free(msg);
        return 0;
    }
    return 1;
}

static int
schema_version(struct elig_store *st, int *version)
{
    sqlite3_stmt *s = NULL;
    int rc;

    *version = 0;
    if (sqlite3_prepare_v2(st->db, "SELECT max(version) FROM schema_version",
                           -1, &s, NULL) != SQLITE_OK) {
        db_error(st, "reading the schema version");
        return 0;
    }
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *version = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE;
}

static int
migrate(struct elig_store *st)
{
    char q[96];
    int v, i;

    if (!exec(st, "BEGIN IMMEDIATE"))
        return 0;
    if (!exec(st, "CREATE TABLE IF NOT EXISTS schema_version"
                  " (version INTEGER NOT NULL)") ||
        !schema_version(st, &v))
        goto fail;
    if (v > SCHEMA_VERSION) {
        fprintf(stderr,
                "myna-eligd: store %s: schema version %d is newer than "
                "this program's %d\n",
                st->path, v, SCHEMA_VERSION);
        goto fail;
    }
    for (i = v; i < SCHEMA_VERSION; i++) {
        snprintf(q, sizeof(q), "INSERT INTO schema_version VALUES (%d)", i + 1);
        if (!exec(st, migrations[i]) || !exec(st, q))
            goto fail;
    }
    return exec(st, "COMMIT");
fail:
    exec(st, "ROLLBACK");
    return 0;
}

struct elig_store *
elig_store_open(const char *spec)
{
    struct elig_store *st = calloc(1, sizeof(*st));
    const char *path = spec;
    int i;

    if (st == NULL)
        return NULL;
    if (strncmp(spec, "sqlite:", 7) == 0)
        path = spec + 7;
    st->path = strdup(path);
    if (st->path == NULL)
        goto fail;
    if (sqlite3_open_v2(path, &st->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                            SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        fprintf(stderr, "myna-eligd: cannot open store %s: %s\n", path,
                st->db != NULL ? sqlite3_errmsg(st->db) : "out of memory");
        goto fail;
    }
    /* Another handle may hold the write lock for a while (an import). */
    sqlite3_busy_timeout(st->db, 5000);
    if (!exec(st, "PRAGMA foreign_keys = ON") ||
        !exec(st, "PRAGMA journal_mode = WAL") || !migrate(st))
        goto fail;
    for (i = 0; i < S_COUNT; i++)
        if (sqlite3_prepare_v3(st->db, sql[i], -1, SQLITE_PREPARE_PERSISTENT,
                               &st->st[i], NULL) != SQLITE_OK) {
            db_error(st, "preparing a statement");
            goto fail;
        }
    return st;
fail:
    elig_store_close(st);
    return NULL;
}

void
elig_store_close(struct elig_store *st)
{
    int i;

    if (st == NULL)
        return;
    for (i = 0; i < S_COUNT; i++)
        sqlite3_finalize(st->st[i]);
    sqlite3_close(st->db);
    free(st->path);
    free(st);
}

static void
column(sqlite3_stmt *s, int i, char *dst, size_t size)
{
    const unsigned char *t = sqlite3_column_text(s, i);

    snprintf(dst, size, "%s", t != NULL ? (const char *)t : "");
}

static enum elig_store_rc
load_person(struct elig_store *st, long long id, struct elig_person *out)
{
    sqlite3_stmt *s = st->st[S_PERSON], *qs = st->st[S_QUALS];
    struct elig_qualification *q, *nq;
    enum elig_store_rc rc = ELIG_STORE_ERROR;
    size_t cap = 0;
    int r;

    memset(out, 0, sizeof(*out));
    sqlite3_bind_int64(s, 1, id);
    r = sqlite3_step(s);
    if (r != SQLITE_ROW) {
        rc = r == SQLITE_DONE ? ELIG_STORE_NOT_FOUND : ELIG_STORE_ERROR;
        goto out;
    }
    out->id = id;
    column(s, 0, out->name, sizeof(out->name));
    column(s, 1, out->name_kana, sizeof(out->name_kana));
    column(s, 2, out->sex, sizeof(out->sex));
    column(s, 3, out->birthdate, sizeof(out->birthdate));
    out->withheld = sqlite3_column_int(s, 4) != 0;

    sqlite3_bind_int64(qs, 1, id);
    while ((r = sqlite3_step(qs)) == SQLITE_ROW) {
        if (out->n == cap) {
            cap = cap ? cap * 2 : 4;
            nq = realloc(out->q, cap * sizeof(*nq));
            if (nq == NULL)
                goto out;
            out->q = nq;
        }
        q = &out->q[out->n++];
        memset(q, 0, sizeof(*q));
        column(qs, 0, q->classification, sizeof(q->classification));
        column(qs, 1, q->insurer_number, sizeof(q->insurer_number));
        column(qs, 2, q->insurer_name, sizeof(q->insurer_name));
        column(qs, 3, q->symbol, sizeof(q->symbol));
        column(qs, 4, q->number, sizeof(q->number));
        column(qs, 5, q->branch, sizeof(q->branch));
        column(qs, 6, q->personal_family, sizeof(q->personal_family));
        column(qs, 7, q->insured_name, sizeof(q->insured_name));
        column(qs, 8, q->valid_from, sizeof(q->valid_from));
        column(qs, 9, q->valid_to, sizeof(q->valid_to));
        column(qs, 10, q->qualification_date, sizeof(q->qualification_date));
        column(qs, 11, q->disqualification_date,
               sizeof(q->disqualification_date));
        column(qs, 12, q->reason_of_loss, sizeof(q->reason_of_loss));
        column(qs, 13, q->ratio, sizeof(q->ratio));
        column(qs, 14, q->preschool, sizeof(q->preschool));
        column(qs, 15, q->elderly_date, sizeof(q->elderly_date));
        column(qs, 16, q->elderly_from, sizeof(q->elderly_from));
        column(qs, 17, q->elderly_to, sizeof(q->elderly_to));
        column(qs, 18, q->elderly_ratio, sizeof(q->elderly_ratio));
    }
    rc = r == SQLITE_DONE ? ELIG_STORE_FOUND : ELIG_STORE_ERROR;
out:
    if (rc == ELIG_STORE_ERROR)
        db_error(st, "reading a person");
    if (rc != ELIG_STORE_FOUND)
        elig_person_clear(out);
    sqlite3_reset(s);
    sqlite3_reset(qs);
    return rc;
}

/* Run a look-up statement that yields one person id. */
static enum elig_store_rc
find(struct elig_store *st, sqlite3_stmt *s, struct elig_person *out)
{
    long long id = 0;
    int r = sqlite3_step(s);

    if (r == SQLITE_ROW)
        id = sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (r == SQLITE_DONE)
        return ELIG_STORE_NOT_FOUND;
    if (r != SQLITE_ROW) {
        db_error(st, "look-up");
        return ELIG_STORE_ERROR;
    }
    return load_person(st, id, out);
}

enum elig_store_rc
elig_store_by_cert(struct elig_store *st, const char *issuer,
                   const char *serial_hex, struct elig_person *out)
{
    sqlite3_stmt *s = st->st[S_BY_CERT];
    char serial[128];

    memset(out, 0, sizeof(*out));
    if (!eligd_serial_canonical(serial_hex, serial, sizeof(serial)))
        return ELIG_STORE_NOT_FOUND;
    sqlite3_bind_text(s, 1, issuer, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, serial, -1, SQLITE_STATIC);
    return find(st, s, out);
}

enum elig_store_rc
elig_store_by_insurance(struct elig_store *st, const char *insurer,
                        const char *symbol, const char *number,
                        const char *branch, const char *birthdate,
                        struct elig_person *out)
{
    sqlite3_stmt *s = st->st[S_BY_INSURANCE];

    memset(out, 0, sizeof(*out));
    sqlite3_bind_text(s, 1, insurer, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, symbol != NULL ? symbol : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, number, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, branch, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, birthdate, -1, SQLITE_STATIC);
    return find(st, s, out);
}

void
elig_person_clear(struct elig_person *p)
{
    free(p->q);
    memset(p, 0, sizeof(*p));
}

int
elig_store_begin(struct elig_store *st)
{
    return exec(st, "BEGIN IMMEDIATE");
}

int
elig_store_commit(struct elig_store *st)
{
    return exec(st, "COMMIT");
}

void
elig_store_rollback(struct elig_store *st)
{
    exec(st, "ROLLBACK");
}

int
elig_store_clear(struct elig_store *st)
{
    return exec(st, "DELETE FROM certificate; DELETE FROM qualification;"
                    " DELETE FROM person");
}

/* Step a write statement to its end, then reset it. */
static int
run(struct elig_store *st, sqlite3_stmt *s, const char *what)
{
    int r = sqlite3_step(s);

    if (r != SQLITE_DONE)
        db_error(st, what);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return r == SQLITE_DONE;
}

long long
elig_store_add_person(struct elig_store *st, const struct elig_person *p)
{
    sqlite3_stmt *s = st->st[S_ADD_PERSON], *qs = st->st[S_ADD_QUAL];
    const struct elig_qualification *q;
    const char *v[19];
    long long id;
    size_t i;
    int j;

    sqlite3_bind_text(s, 1, p->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, p->name_kana, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, p->sex, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, p->birthdate, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 5, p->withheld ? 1 : 0);
    if (!run(st, s, "adding a person"))
        return -1;
    id = sqlite3_last_insert_rowid(st->db);
    for (i = 0; i < p->n; i++) {
        q = &p->q[i];
        v[0] = q->classification, v[1] = q->insurer_number;
        v[2] = q->insurer_name, v[3] = q->symbol, v[4] = q->number;
        v[5] = q->branch, v[6] = q->personal_family;
        v[7] = q->insured_name, v[8] = q->valid_from, v[9] = q->valid_to;
        v[10] = q->qualification_date, v[11] = q->disqualification_date;
        v[12] = q->reason_of_loss, v[13] = q->ratio, v[14] = q->preschool;
        v[15] = q->elderly_date, v[16] = q->elderly_from;
        v[17] = q->elderly_to, v[18] = q->elderly_ratio;
        sqlite3_bind_int64(qs, 1, id);
        for (j = 0; j < 19; j++)
            sqlite3_bind_text(qs, j + 2, v[j], -1, SQLITE_STATIC);
        if (!run(st, qs, "adding a qualification"))
            return -1;
    }
    return id;
}

int
elig_store_add_certificate(struct elig_store *st, long long person,
                           const char *issuer, const char *serial_hex)
{
    sqlite3_stmt *s = st->st[S_ADD_CERT];
    char serial[128];

    if (!eligd_serial_canonical(serial_hex, serial, sizeof(serial))) {
        fprintf(stderr, "myna-eligd: serial '%.64s' is not hex\n", serial_hex);
        return 0;
    }
    sqlite3_bind_text(s, 1, issuer, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, serial, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, person);
    return run(st, s, "registering a certificate");
}
