/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The decision table and result profile (tools/eligd/result.c,
 * docs/eligibility-protocol.md §6) and the SQLite store with its JSON and
 * CSV import (store-sqlite.c, import.c) on a temporary file.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "certid.h"
#include "result.h"
#include "store.h"

static char dir[] = "/tmp/test-eligd-store.XXXXXX";
static char db[512];

static void
qual(struct elig_qualification *q, const char *from, const char *lost,
     const char *to)
{
    memset(q, 0, sizeof(*q));
    strcpy(q->classification, "01");
    strcpy(q->insurer_number, "131045");
    strcpy(q->insurer_name, "試験市");
    strcpy(q->number, "1");
    strcpy(q->branch, "01");
    strcpy(q->insured_name, "試験");
    strcpy(q->qualification_date, from);
    strcpy(q->disqualification_date, lost);
    strcpy(q->valid_to, to);
    strcpy(q->ratio, "030");
}

static void
decision_table(void **state)
{
    struct elig_qualification q[3];
    struct elig_person p;
    struct eligd_decision d;

    (void)state;
    memset(&p, 0, sizeof(p));
    p.q = q;
    eligd_decide(NULL, "20261124", 1000, &d);
    assert_string_equal(d.validity, "4");
    assert_string_equal(d.status, "2");
    assert_string_equal(d.code, "REF-E001");
    p.withheld = true;
    eligd_decide(&p, "20261124", 1000, &d);
    assert_string_equal(d.code, "REF-E003");
    assert_int_equal(d.n, 0);
    p.withheld = false;

    p.n = 1;
    qual(&q[0], "20200401", "", "");
    eligd_decide(&p, "20261124", 1000, &d);
    assert_string_equal(d.validity, "1");
    assert_string_equal(d.status, "1");
    assert_null(d.code);
    assert_int_equal(d.n, 1);
    /* the day of 資格喪失 it no longer holds; the day before it does */
    qual(&q[0], "20200401", "20261124", "");
    eligd_decide(&p, "20261124", -1, &d);
    assert_string_equal(d.validity, "2");
    assert_int_equal(d.n, 1);
    eligd_decide(&p, "20261123", -1, &d);
    assert_string_equal(d.validity, "1");
    /* 有効終了年月日 is the last valid day */
    qual(&q[0], "20200401", "", "20261124");
    eligd_decide(&p, "20261124", -1, &d);
    assert_string_equal(d.validity, "1");
    eligd_decide(&p, "20261125", -1, &d);
    assert_string_equal(d.validity, "2");

    /* two ended: the latest; plus a future one: 3 */
    p.n = 2;
    qual(&q[0], "20100401", "20150401", "");
    qual(&q[1], "20150401", "20200401", "");
    eligd_decide(&p, "20261124", -1, &d);
    assert_string_equal(d.validity, "2");
    assert_int_equal(d.n, 1);
    assert_int_equal(d.picked[0], 1);
    p.n = 3;
    qual(&q[2], "20270101", "", "");
    eligd_decide(&p, "20261124", -1, &d);
    assert_string_equal(d.validity, "3");
    assert_int_equal(d.picked[0], 1);
    /* two holding: 5, both */
    qual(&q[0], "20100401", "", "");
    qual(&q[2], "20200101", "", "");
    eligd_decide(&p, "20261124", -1, &d);
    assert_string_equal(d.validity, "5");
    assert_int_equal(d.n, 2);
    /* only a future one: not valid, nothing listed */
    p.n = 1;
    qual(&q[0], "20270101", "", "");
    eligd_decide(&p, "20261124", -1, &d);
    assert_string_equal(d.validity, "2");
    assert_int_equal(d.n, 0);
    /* REF-W001 under 92 days, status stays 1 */
    qual(&q[0], "20200401", "", "");
    eligd_decide(&p, "20261124", 91, &d);
    assert_string_equal(d.code, "REF-W001");
    assert_string_equal(d.status, "1");
    eligd_decide(&p, "20261124", 92, &d);
    assert_null(d.code);
    /* ... but never over an error code */
    eligd_decide(NULL, "20261124", 10, &d);
    assert_string_equal(d.code, "REF-E001");
}

static void
result_profile(void **state)
{
    struct elig_qualification q;
    struct elig_person p;
    struct eligd_decision d;
    struct eligd_result_head h = { "r-1",      "",  "3410712362",
                                   "20261124", "1", 1795489200LL };
    json_t *o, *r;

    (void)state;
    memset(&p, 0, sizeof(p));
    strcpy(p.name, "試験　太郎");
    strcpy(p.sex, "1");
    p.q = &q;
    p.n = 1;
    qual(&q, "20200401", "", "");
    eligd_decide(&p, "20261124", 10, &d);
    o = eligd_result_json(&h, &p, &d);
    assert_non_null(o);
    assert_string_equal(json_string_value(json_object_get(o, "ver")), "1");
    assert_null(json_object_get(o, "arbitraryFileIdentifier"));
    assert_string_equal(
        json_string_value(json_object_get(o, "processingResultCode")),
        "REF-W001");
    assert_string_equal(
        json_string_value(json_object_get(o, "processExecutionTime")),
        "20261124120000");
    r = json_array_get(json_object_get(o, "resultList"), 0);
    assert_string_equal(json_string_value(json_object_get(r, "insurerNumber")),
                        "  131045");
    assert_string_equal(
        json_string_value(json_object_get(r, "insuredBranchNumber")), "01");
    /* absent when empty: symbol, 本人家族, loss, elderly */
    assert_null(json_object_get(r, "insuredCardSymbol"));
    assert_null(json_object_get(r, "personalFamilyClassification"));
    assert_null(json_object_get(r, "disqualificationDate"));
    assert_null(json_object_get(r, "elderlyRecipientCertificateInfo"));
    json_decref(o);
}

static int
write_file(const char *name, const char *text, char *path, size_t size)
{
    FILE *f;

    snprintf(path, size, "%s/%s", dir, name);
    f = fopen(path, "w");
    if (f == NULL)
        return 0;
    fputs(text, f);
    return fclose(f) == 0;
}

static const char people_json[] =
    "[{\"name\":\"試験　太郎\",\"nameKana\":\"ｼｹﾝ ﾀﾛｳ\",\"sex1\":\"1\","
    "\"birthdate\":\"19800217\",\"certificates\":[{\"issuer\":\"CN=CA,C=JP\","
    "\"serial\":\"00ab\"}],\"qualifications\":[{\"insuredCardClassification\":"
    "\"01\",\"insurerNumber\":\"06130488\",\"insurerName\":\"試験健康保険組合"
    "\",\"insuredCardSymbol\":\"1234\",\"insuredIdentificationNumber\":"
    "\"5678\",\"insuredBranchNumber\":\"01\",\"personalFamilyClassification"
    "\":\"1\",\"insuredName\":\"試験　太郎\",\"insuredCardValidDate\":"
    "\"20240401\",\"insuredCardExpirationDate\":\"20270331\","
    "\"qualificationDate\":\"20200401\",\"insuredPartialContributionRatio\":"
    "\"030\",\"elderlyRecipientCertificateInfo\":{"
    "\"elderlyRecipientContributionRatio\":\"020\"}}]},"
    "{\"name\":\"b\",\"nameKana\":\"b\",\"sex1\":\"2\",\"birthdate\":"
    "\"19700101\",\"withheld\":true}]";

static void
store_and_import(void **state)
{
    struct elig_store *st;
    struct elig_person p;
    char path[600];
    size_t n = 0;

    (void)state;
    st = elig_store_open(db);
    assert_non_null(st);
    assert_true(write_file("people.json", people_json, path, sizeof(path)));
    assert_true(elig_store_import(st, path, &n));
    assert_int_equal(n, 2);
    /* the serial as the certificate names it: no leading zero, upper */
    assert_int_equal(elig_store_by_cert(st, "CN=CA,C=JP", "AB", &p),
                     ELIG_STORE_FOUND);
    assert_string_equal(p.name, "試験　太郎");
    assert_int_equal(p.n, 1);
    assert_string_equal(p.q[0].branch, "01");
    assert_string_equal(p.q[0].elderly_ratio, "020");
    elig_person_clear(&p);
    assert_int_equal(elig_store_by_cert(st, "CN=CA,C=JP", "0AB", &p),
                     ELIG_STORE_FOUND);
    elig_person_clear(&p);
    assert_int_equal(elig_store_by_cert(st, "CN=Other,C=JP", "AB", &p),
                     ELIG_STORE_NOT_FOUND);
    assert_int_equal(elig_store_by_insurance(st, "06130488", "1234", "5678",
                                             "01", "19800217", &p),
                     ELIG_STORE_FOUND);
    elig_person_clear(&p);
    /* the whole quartet: a dropped leading zero of 枝番 is no match */
    assert_int_equal(elig_store_by_insurance(st, "06130488", "1234", "5678",
                                             "1", "19800217", &p),
                     ELIG_STORE_NOT_FOUND);
    assert_int_equal(elig_store_by_insurance(st, "06130488", NULL, "5678", "01",
                                             "19800217", &p),
                     ELIG_STORE_NOT_FOUND);
    assert_int_equal(elig_store_by_insurance(st, "06130488", "1234", "5678",
                                             "01", "19800218", &p),
                     ELIG_STORE_NOT_FOUND);
    elig_store_close(st);

    /* a store migrated by a newer program is not opened */
    {
        sqlite3 *raw;
        char newer[600];

        snprintf(newer, sizeof(newer), "%s/newer.db", dir);
        st = elig_store_open(newer);
        assert_non_null(st);
        elig_store_close(st);
        assert_int_equal(sqlite3_open(newer, &raw), SQLITE_OK);
        assert_int_equal(sqlite3_exec(raw,
                                      "INSERT INTO schema_version VALUES (99)",
                                      NULL, NULL, NULL),
                         SQLITE_OK);
        sqlite3_close(raw);
        assert_null(elig_store_open(newer));
    }
    /* reopening keeps the schema (version 1) and the data */
    st = elig_store_open(db);
    assert_non_null(st);
    assert_int_equal(elig_store_by_cert(st, "CN=CA,C=JP", "AB", &p),
                     ELIG_STORE_FOUND);
    elig_person_clear(&p);
    elig_store_close(st);
}

static void
import_refusals(void **state)
{
    static const char *const bad[] = {
        /* My Number anywhere */
        "[{\"name\":\"x\",\"nameKana\":\"x\",\"sex1\":\"1\",\"birthdate\":"
        "\"19800101\",\"certificates\":[{\"issuer\":\"CN=Z\",\"serial\":\"1\","
        "\"kojinBango\":\"1\"}]}]",
        /* unknown member */
        "[{\"name\":\"x\",\"nameKana\":\"x\",\"sex1\":\"1\",\"birthdate\":"
        "\"19800101\",\"address\":\"x\"}]",
        /* bad date, bad check digit, bad branch */
        "[{\"name\":\"x\",\"nameKana\":\"x\",\"sex1\":\"1\",\"birthdate\":"
        "\"19800230\"}]",
        "[{\"name\":\"x\",\"nameKana\":\"x\",\"sex1\":\"1\",\"birthdate\":"
        "\"19800101\",\"qualifications\":[{\"insuredCardClassification\":"
        "\"01\",\"insurerNumber\":\"06130487\",\"insurerName\":\"x\","
        "\"insuredIdentificationNumber\":\"1\",\"insuredBranchNumber\":\"01\","
        "\"insuredName\":\"x\",\"qualificationDate\":\"20200101\"}]}]",
        "[{\"name\":\"x\",\"nameKana\":\"x\",\"sex1\":\"1\",\"birthdate\":"
        "\"19800101\",\"qualifications\":[{\"insuredCardClassification\":"
        "\"01\",\"insurerNumber\":\"06130488\",\"insurerName\":\"x\","
        "\"insuredIdentificationNumber\":\"1\",\"insuredBranchNumber\":\"1\","
        "\"insuredName\":\"x\",\"qualificationDate\":\"20200101\"}]}]",
        /* serial not hex */
        "[{\"name\":\"x\",\"nameKana\":\"x\",\"sex1\":\"1\",\"birthdate\":"
        "\"19800101\",\"certificates\":[{\"issuer\":\"CN=Z\",\"serial\":"
        "\"xyz\"}]}]",
        /* CSV: a My Number column; a row short of columns; a bad quote */
        "person,name,nameKana,sex1,birthdate,myNumber\n1,a,a,1,19800101,1\n",
        "person,name,nameKana,sex1,birthdate\n1,a,a,1\n",
        "person,name,nameKana,sex1,birthdate\n1,\"a,a,1,19800101\n",
        "{}",
    };
    struct elig_store *st = elig_store_open(db);
    struct elig_person p;
    char path[600];
    size_t i, n;

    (void)state;
    assert_non_null(st);
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_true(write_file("bad", bad[i], path, sizeof(path)));
        n = 99;
        assert_false(elig_store_import(st, path, &n));
        assert_int_equal(n, 0);
    }
    /* nothing of a refused file stays: the first person of this one is
     * good, the second is not */
    assert_true(write_file("half.json",
                           "[{\"name\":\"h\",\"nameKana\":\"h\",\"sex1\":\"1\","
                           "\"birthdate\":\"19800101\",\"certificates\":[{"
                           "\"issuer\":\"CN=H\",\"serial\":\"1\"}]},{}]",
                           path, sizeof(path)));
    assert_false(elig_store_import(st, path, &n));
    assert_int_equal(elig_store_by_cert(st, "CN=H", "1", &p),
                     ELIG_STORE_NOT_FOUND);
    elig_store_close(st);
}

static void
csv_import(void **state)
{
    static const char csv[] =
        "\xef\xbb\xbfperson,name,nameKana,sex1,birthdate,withheld,certIssuer,"
        "certSerial,insuredCardClassification,insurerNumber,insurerName,"
        "insuredIdentificationNumber,insuredBranchNumber,insuredName,"
        "qualificationDate,elderlyRecipientContributionRatio\r\n"
        "p1,試験,ｼｹﾝ,1,19500101,0,\"CN=CA,O=\"\"Q\"\",C=JP\",0F,01,131045,"
        "\"市, 町\",77,00,試験,20200101,020\r\n"
        "p1,,,,,,\"CN=CA,O=\"\"Q\"\",C=JP\",10,39,06130488,x,78,01,試験,"
        "20210101,\r\n"
        "p2,w,w,2,19600101,1,,,,,,,,,,\r\n";
    struct elig_store *st = elig_store_open(db);
    struct elig_person p;
    char path[600];
    size_t n = 0;

    (void)state;
    assert_true(write_file("people.csv", csv, path, sizeof(path)));
    assert_true(elig_store_import(st, path, &n));
    assert_int_equal(n, 2);
    assert_int_equal(elig_store_by_cert(st, "CN=CA,O=\"Q\",C=JP", "F", &p),
                     ELIG_STORE_FOUND);
    assert_int_equal(p.n, 2);
    assert_string_equal(p.q[0].insurer_name, "市, 町");
    assert_string_equal(p.q[0].branch, "00");
    assert_string_equal(p.q[0].elderly_ratio, "020");
    assert_string_equal(p.q[1].classification, "39");
    elig_person_clear(&p);
    assert_int_equal(elig_store_by_cert(st, "CN=CA,O=\"Q\",C=JP", "10", &p),
                     ELIG_STORE_FOUND);
    assert_false(p.withheld);
    elig_person_clear(&p);
    elig_store_close(st);
}

static void
serials(void **state)
{
    char out[16];

    (void)state;
    assert_true(eligd_serial_canonical("00ab", out, sizeof(out)));
    assert_string_equal(out, "AB");
    assert_true(eligd_serial_canonical("0x0A:bC", out, sizeof(out)));
    assert_string_equal(out, "ABC");
    assert_true(eligd_serial_canonical("000", out, sizeof(out)));
    assert_string_equal(out, "0");
    assert_false(eligd_serial_canonical("", out, sizeof(out)));
    assert_false(eligd_serial_canonical("12g", out, sizeof(out)));
    assert_false(eligd_serial_canonical("1234567890ABCDEF", out, sizeof(out)));
}

static int
setup(void **state)
{
    (void)state;
    if (mkdtemp(dir) == NULL)
        return -1;
    snprintf(db, sizeof(db), "%s/elig.db", dir);
    return 0;
}

static int
teardown(void **state)
{
    char cmd[600];

    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(decision_table),  cmocka_unit_test(result_profile),
        cmocka_unit_test(serials),         cmocka_unit_test(store_and_import),
        cmocka_unit_test(import_refusals), cmocka_unit_test(csv_import),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
