/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Corpus replay for the libFuzzer targets when they are built without
 * libFuzzer (make check): runs LLVMFuzzerTestOneInput once on every file
 * named on the command line and on every regular file directly inside the
 * directories named (not recursively).  A crash ends the process (and the
 * sanitizers report it); otherwise "replay: N inputs, 0 crashes".
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
read_file(const char *path, uint8_t **data, size_t *size)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL, *nb;
    size_t cap = 0, len = 0, n;
    int ok = 0;

    if (f == NULL)
        return 0;
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 4096;
            if ((nb = realloc(buf, cap)) == NULL)
                goto out;
            buf = nb;
        }
        n = fread(buf + len, 1, cap - len, f);
        if (n == 0)
            break;
        len += n;
    }
    ok = !ferror(f);
out:
    fclose(f);
    if (!ok) {
        free(buf);
        return 0;
    }
    *data = buf;
    *size = len;
    return 1;
}

static int
run_file(const char *path, unsigned long *count)
{
    uint8_t *data = NULL;
    size_t size = 0;

    if (!read_file(path, &data, &size)) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return 0;
    }
    LLVMFuzzerTestOneInput(data, size);
    free(data);
    (*count)++;
    return 1;
}

static int
run_dir(const char *dir, unsigned long *count)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    struct stat sb;
    char path[4096];
    int ok = 1;

    if (d == NULL) {
        fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
        return 0;
    }
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >=
            (int)sizeof(path)) {
            fprintf(stderr, "replay: %s/%s: name too long\n", dir, e->d_name);
            ok = 0;
            continue;
        }
        if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
            continue;
        ok &= run_file(path, count);
    }
    closedir(d);
    return ok;
}

int
main(int argc, char **argv)
{
    unsigned long count = 0;
    struct stat sb;
    int ok = 1;

    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        if (stat(argv[i], &sb) != 0) {
            fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
            ok = 0;
        } else if (S_ISDIR(sb.st_mode)) {
            ok &= run_dir(argv[i], &count);
        } else {
            ok &= run_file(argv[i], &count);
        }
    }
    printf("replay: %lu inputs, 0 crashes\n", count);
    if (count == 0) {
        fprintf(stderr, "replay: no inputs\n");
        return 1;
    }
    return ok ? 0 : 1;
}
