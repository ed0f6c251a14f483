/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The result for the person at the counter: what the 資格確認限定型 app
 * shows (qualification-domain.md §1.7), one line per item, the OQS codes
 * with their labels (elig_code_label).  Every string was checked by
 * response.c to hold no control characters.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "elig.h"
#include "qualify.h"
#include "response.h"

/* Terminal columns of UTF-8 text: half-width katakana (U+FF61-FF9F) and
 * ASCII take one, other non-ASCII characters (kanji, kana, full-width
 * forms) two. */
static size_t
columns(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t cols = 0;

    for (; *u != '\0'; u++) {
        if ((*u & 0xc0) == 0x80)
            continue; /* continuation byte */
        if (*u < 0x80 ||
            (u[0] == 0xef && ((u[1] == 0xbd && u[2] >= 0xa1) || u[1] == 0xbe)))
            cols += 1;
        else
            cols += 2;
    }
    return cols;
}

#define LABEL_COLUMNS 36

static void
row(const char *label, const char *value)
{
    size_t c = columns(label);

    printf("  %s%*s %s\n", label,
           c < LABEL_COLUMNS ? (int)(LABEL_COLUMNS - c) : 0, "",
           value != NULL ? value : "-");
}

/* YYYYMMDD as YYYY-MM-DD */
static const char *
date(const char *s, char buf[11])
{
    if (s == NULL || strlen(s) != 8)
        return s;
    snprintf(buf, 11, "%.4s-%.2s-%.2s", s, s + 4, s + 6);
    return buf;
}

/* An OQS code with its label: "01 被保険者証（一般）". */
static const char *
code(int table, const char *c, char *buf, size_t size)
{
    const char *label;

    if (c == NULL)
        return NULL;
    label = elig_code_label(table, c);
    snprintf(buf, size, "%s%s%s", c, label ? " " : "", label ? label : "");
    return buf;
}

/* "030" as "30 %" */
static const char *
ratio(const char *r, char buf[16])
{
    int v;

    if (r == NULL)
        return NULL;
    v = (r[0] - '0') * 100 + (r[1] - '0') * 10 + (r[2] - '0');
    snprintf(buf, 16, "%d %%", v);
    return buf;
}

static void
print_qual(const struct qualify_qual *q, size_t i, size_t n)
{
    char b1[11], b2[11], c[128], line[256], r[16];

    printf("\n資格 %zu/%zu\n", i + 1, n);
    row("氏名 (name)", q->name);
    row("氏名カナ (kana)", q->name_kana);
    row("生年月日 (birthdate)", date(q->birthdate, b1));
    row("性別 (sex)", code(7, q->sex, c, sizeof(c)));
    snprintf(line, sizeof(line), "%s%s%s", q->insurer_number,
             q->insurer_name ? " " : "",
             q->insurer_name ? q->insurer_name : "");
    row("保険者 (insurer)", line);
    snprintf(line, sizeof(line), "%s / %s / %s",
             q->symbol ? q->symbol : "(なし)", q->number,
             q->branch ? q->branch : "-");
    row("記号/番号/枝番 (symbol/number/branch)", line);
    row("被保険者氏名 (insured person)", q->insured_name);
    row("本人・家族 (insured/family)",
        code(9, q->personal_family, c, sizeof(c)));
    row("証区分 (classification)", code(10, q->classification, c, sizeof(c)));
    snprintf(line, sizeof(line), "%s .. %s",
             q->valid_from ? date(q->valid_from, b1) : "",
             q->valid_to ? date(q->valid_to, b2) : "");
    row("有効期間 (valid from .. to)", line);
    row("資格取得日 (qualified since)", date(q->qualification_date, b1));
    if (q->disqualification_date != NULL) {
        row("資格喪失日 (qualification lost)",
            date(q->disqualification_date, b1));
        row("喪失事由 (reason of loss)",
            code(8, q->reason_of_loss, c, sizeof(c)));
    }
    row("一部負担金割合 (contribution)", ratio(q->ratio, r));
    if (q->preschool != NULL)
        row("未就学区分 (preschool)", code(15, q->preschool, c, sizeof(c)));
    if (q->has_elderly) {
        row("高齢受給者証 負担割合 (70-74)", ratio(q->elderly.ratio, r));
        snprintf(line, sizeof(line), "%s .. %s",
                 q->elderly.valid_from ? date(q->elderly.valid_from, b1) : "",
                 q->elderly.valid_to ? date(q->elderly.valid_to, b2) : "");
        row("高齢受給者証 有効期間", line);
    }
}

void
qualify_print_result(const struct qualify_result *r)
{
    char b[11], c[128];
    size_t i;

    printf("資格確認結果 (eligibility)\n");
    row("資格有効性 (validity)", code(6, r->validity, c, sizeof(c)));
    row("資格確認日 (confirmation date)", date(r->date, b));
    row("照会区分 (reference)", code(2, r->reference, c, sizeof(c)));
    row("処理結果 (processing result)", code(4, r->status, c, sizeof(c)));
    row("医療機関コード (institution)", r->institution);
    row("requestId", r->request_id);
    if (r->file_id != NULL)
        row("arbitraryFileIdentifier", r->file_id);
    for (i = 0; i < r->n; i++)
        print_qual(&r->q[i], i, r->n);
    if (r->code != NULL) {
        const struct elig_error *e = elig_error_find(r->code);

        printf("\n%s %s: %s\n", r->code[4] == 'W' ? "警告 warning" : "注意",
               r->code,
               r->message ? r->message
               : e        ? e->message
                          : "(no message)");
    }
}
