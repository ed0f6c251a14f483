/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Terminal to institution code bindings (terminals.h). */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elig.h"
#include "terminals.h"

struct binding {
    char sha256[65];
    char code[11];
};

struct eligd_terminals {
    struct binding *b;
    size_t n, cap;
};

/* 64 hex digits, colons allowed, into lower case; 1/0. */
static int
fingerprint(const char *in, char out[65])
{
    size_t o = 0;

    for (; *in != '\0'; in++) {
        if (*in == ':')
            continue;
        if (!isxdigit((unsigned char)*in) || o == 64)
            return 0;
        out[o++] = (char)tolower((unsigned char)*in);
    }
    out[o] = '\0';
    return o == 64;
}

static int
add(struct eligd_terminals *t, const char *sha, const char *code)
{
    struct binding *nb;

    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 16;
        nb = realloc(t->b, t->cap * sizeof(*nb));
        if (nb == NULL)
            return 0;
        t->b = nb;
    }
    memcpy(t->b[t->n].sha256, sha, 65);
    snprintf(t->b[t->n].code, sizeof(t->b[t->n].code), "%s", code);
    t->n++;
    return 1;
}

struct eligd_terminals *
eligd_terminals_load(const char *path)
{
    struct eligd_terminals *t = calloc(1, sizeof(*t));
    FILE *f = fopen(path, "r");
    char line[4096], sha[65], *hash, *fp, *codes, *code, *save = NULL;
    unsigned long n = 0;

    if (t == NULL || f == NULL) {
        fprintf(stderr, "myna-eligd: %s: %s\n", path, strerror(errno));
        goto fail;
    }
    while (fgets(line, sizeof(line), f) != NULL) {
        n++;
        if ((hash = strchr(line, '#')) != NULL)
            *hash = '\0';
        fp = strtok_r(line, " \t\r\n", &save);
        if (fp == NULL)
            continue;
        codes = strtok_r(NULL, " \t\r\n", &save);
        if (!fingerprint(fp, sha) || codes == NULL ||
            strtok_r(NULL, " \t\r\n", &save) != NULL) {
            fprintf(stderr,
                    "myna-eligd: %s:%lu: not 'SHA256-FINGERPRINT "
                    "CODE[,CODE...]'\n",
                    path, n);
            goto fail;
        }
        for (code = strtok_r(codes, ",", &save); code != NULL;
             code = strtok_r(NULL, ",", &save)) {
            if (!elig_institution_code_valid(code)) {
                fprintf(stderr,
                        "myna-eligd: %s:%lu: '%.16s' is not an "
                        "institution code (10 digits, check digit)\n",
                        path, n, code);
                goto fail;
            }
            if (!add(t, sha, code))
                goto fail;
        }
    }
    fclose(f);
    return t;
fail:
    if (f != NULL)
        fclose(f);
    eligd_terminals_free(t);
    return NULL;
}

void
eligd_terminals_free(struct eligd_terminals *t)
{
    if (t == NULL)
        return;
    free(t->b);
    free(t);
}

bool
eligd_terminal_may(const struct eligd_terminals *t, const char *sha256,
                   const char *institution)
{
    bool bound = false;
    size_t i;

    if (t == NULL || sha256 == NULL)
        return true;
    for (i = 0; i < t->n; i++) {
        if (strcmp(t->b[i].sha256, sha256) != 0)
            continue;
        if (strcmp(t->b[i].code, institution) == 0)
            return true;
        bound = true;
    }
    return !bound;
}
