/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The eligibility store behind one interface (docs/eligibility-protocol.md
 * §4 step 7, §5, §6): SQLite is the embedded default (store-sqlite.c); a
 * PostgreSQL back end can implement the same vtable later so that several
 * service instances share one store.  No My Number anywhere: people are
 * found by the certificate registered for them (issuer + serial, the
 * 保険証利用登録 link) or by their insurance quartet + birth date.
 *
 * Thread safety: one struct elig_store per worker thread (open() is
 * cheap); a store is not shared between threads.
 */
#ifndef MYNA_ELIGD_STORE_H
#define MYNA_ELIGD_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

/* One qualification (OQS ResultOfQualificationConfirmation), as stored. */
struct elig_qualification {
    char classification[3]; /* OQSCD010 "01".."07","A1" */
    char insurer_number[9]; /* 6 or 8 digits as registered */
    char insurer_name[97];  /* UTF-8 */
    char symbol[49];        /* may be empty (後期高齢者) */
    char number[49];
    char branch[3];             /* "01" */
    char personal_family[2];    /* OQSCD009 "1"/"2", "" for 後期高齢者 */
    char insured_name[97];      /* 被保険者氏名 */
    char valid_from[9];         /* 有効開始年月日, YYYYMMDD */
    char valid_to[9];           /* 有効終了年月日, "" when open */
    char qualification_date[9]; /* 資格取得年月日 */
    char disqualification_date[9]; /* 資格喪失年月日, "" when current */
    char reason_of_loss[3];        /* OQSCD008, "" when current */
    char ratio[4];                 /* 一部負担金割合 "030" */
    char preschool[2];             /* OQSCD015, "" */
    /* 高齢受給者証 (70-74), all "" when none */
    char elderly_date[9], elderly_from[9], elderly_to[9], elderly_ratio[4];
};

/* One person and their qualifications. */
struct elig_person {
    long long id;       /* the store's internal id: what the audit logs */
    char name[97];      /* 氏名 (card face), UTF-8 */
    char name_kana[97]; /* 氏名カナ, half-width katakana */
    char sex[2];        /* OQSCD007 */
    char birthdate[9];
    bool withheld; /* records withheld pending correction (REF-E003) */
    size_t n;
    struct elig_qualification *q; /* n entries, malloc'ed */
};

enum elig_store_rc {
    ELIG_STORE_FOUND = 0,
    ELIG_STORE_NOT_FOUND = 1,
    ELIG_STORE_ERROR = -1, /* details logged by the store, not returned */
};

struct elig_store;

/*
 * Open (creating and migrating the schema when needed) the store named
 * by spec: "sqlite:PATH" or a bare path.  NULL with a message on stderr.
 */
struct elig_store *elig_store_open(const char *spec);
void elig_store_close(struct elig_store *st);

/* The person registered for a certificate: issuer DN in RFC 2253 form
 * (X509_NAME_print_ex XN_FLAG_RFC2253), serial in upper-case hex without
 * leading zeros. */
enum elig_store_rc elig_store_by_cert(struct elig_store *st, const char *issuer,
                                      const char *serial_hex,
                                      struct elig_person *out);
/* The person for an insurance quartet + birth date (§5): insurer number
 * as sent (6 or 8 digits), symbol may be NULL/"" (none). */
enum elig_store_rc
elig_store_by_insurance(struct elig_store *st, const char *insurer,
                        const char *symbol, const char *number,
                        const char *branch, const char *birthdate,
                        struct elig_person *out);
void elig_person_clear(struct elig_person *p);

/*
 * Writing (import.c): one transaction around a whole import.  add_person
 * stores p and its qualifications and gives the new id (-1 on error);
 * add_certificate links a certificate to a person, moving the link when
 * the certificate was registered to someone else (a new 保険証利用登録
 * wins).  clear empties the store (import --replace).  1/0 unless said.
 */
int elig_store_begin(struct elig_store *st);
int elig_store_commit(struct elig_store *st);
void elig_store_rollback(struct elig_store *st);
int elig_store_clear(struct elig_store *st);
long long elig_store_add_person(struct elig_store *st,
                                const struct elig_person *p);
int elig_store_add_certificate(struct elig_store *st, long long person,
                               const char *issuer, const char *serial_hex);

/*
 * Import records (import.c): a JSON array of people, or CSV with one row
 * per qualification (docs/myna-eligd.8 gives both formats).  Runs in one
 * transaction; *count gets the number of people imported.  1/0 with the
 * line/record of the first error on stderr.
 */
int elig_store_import(struct elig_store *st, const char *path, size_t *count);

#endif
