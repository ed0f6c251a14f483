/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The audit log (audit.h).  Lines are built with jansson (so that no
 * value can break out of its string) and written with one write(2) under
 * a mutex; nothing is buffered in the process, so a crash loses no line
 * that a client has seen answered.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "audit.h"

struct eligd_audit {
    int fd;
    int own_fd;
    int failing;
    pthread_mutex_t lock;
};

struct eligd_audit *
eligd_audit_open(const char *path)
{
    struct eligd_audit *a = calloc(1, sizeof(*a));

    if (a == NULL)
        return NULL;
    if (strcmp(path, "-") == 0) {
        a->fd = STDERR_FILENO;
    } else {
        a->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
        a->own_fd = 1;
    }
    if (a->fd < 0 || pthread_mutex_init(&a->lock, NULL) != 0) {
        fprintf(stderr, "myna-eligd: audit log %s: %s\n", path,
                strerror(errno));
        if (a->fd >= 0 && a->own_fd)
            close(a->fd);
        free(a);
        return NULL;
    }
    return a;
}

void
eligd_audit_close(struct eligd_audit *a)
{
    if (a == NULL)
        return;
    if (a->own_fd)
        close(a->fd);
    pthread_mutex_destroy(&a->lock);
    free(a);
}

/* ISO 8601 in Japan Standard Time (UTC+9, no daylight saving, §2). */
static void
iso_jst(long long t, char out[32])
{
    time_t j = (time_t)(t + 9 * 3600);
    struct tm tm;

    gmtime_r(&j, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%S+09:00", &tm);
}

static int
opt(json_t *o, const char *name, const char *v)
{
    return v == NULL || json_object_set_new(o, name, json_string(v)) == 0;
}

int
eligd_audit_write(struct eligd_audit *a, const struct eligd_audit_entry *e)
{
    json_t *o = json_object(), *term = json_object();
    char when[32], *line = NULL;
    size_t len, off = 0;
    ssize_t n;
    int ok = 0;

    if (a == NULL) {
        json_decref(o);
        json_decref(term);
        return 1;
    }
    if (o == NULL || term == NULL)
        goto out;
    iso_jst(e->now, when);
    if (!opt(term, "subject", e->terminal_subject) ||
        !opt(term, "sha256", e->terminal_sha256) ||
        !opt(term, "address", e->peer) || !opt(o, "time", when) ||
        json_object_set(o, "terminal", term) != 0 ||
        !opt(o, "endpoint", e->endpoint) ||
        !opt(o, "requestId", e->request_id) || !opt(o, "outcome", e->outcome) ||
        !opt(o, "validity", e->validity) ||
        (e->person >= 0 &&
         json_object_set_new(o, "person", json_integer(e->person)) != 0) ||
        !opt(o, "certSerial", e->cert_serial) ||
        !opt(o, "certIssuer", e->cert_issuer))
        goto out;
    line = json_dumps(o, JSON_COMPACT);
    if (line == NULL)
        goto out;
    len = strlen(line);
    line[len++] = '\n'; /* replaces the NUL: written by length */

    pthread_mutex_lock(&a->lock);
    while (off < len) {
        n = write(a->fd, line + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        off += (size_t)n;
    }
    ok = off == len;
    if (!ok && !a->failing)
        fprintf(stderr, "myna-eligd: audit log write failed: %s\n",
                strerror(errno));
    a->failing = !ok;
    pthread_mutex_unlock(&a->lock);
out:
    free(line);
    json_decref(term);
    json_decref(o);
    return ok;
}
