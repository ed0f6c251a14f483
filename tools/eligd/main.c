/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * myna-eligd: the reference eligibility service (docs/myna-eligd.8,
 * docs/eligibility-protocol.md).  Two commands: serve (HTTPS until
 * SIGTERM/SIGINT; SIGHUP reloads the CA and CRL files) and import
 * (records into the store).  Options live in one table sorted by name,
 * which both getopt_long and --help read.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "http.h"
#include "nonce.h"
#include "service.h"
#include "store.h"
#include "trust.h"

/* Exit status (docs/myna-eligd.8 EXIT STATUS). */
enum {
    EXIT_OK = 0,
    EXIT_RUNTIME = 1, /* could not listen; an import failed */
    EXIT_USAGE = 2,
    EXIT_CONFIG = 3, /* a certificate, key, CA, CRL, store or log would
                      * not load */
};

#define MAX_FILES 16

enum opt {
    O_AUDIT = 256,
    O_CERT,
    O_CLIENT_CA,
    O_CLOCK_SKEW,
    O_CRL,
    O_DB,
    O_JPKI_CA,
    O_KEY,
    O_LISTEN,
    O_MAX_CONNECTIONS,
    O_MAX_NONCES,
    O_NONCE_LIFETIME,
    O_OCSP_RESPONDER_CA,
    O_OCSP_URL,
    O_PER_IP,
    O_READY_FILE,
    O_REPLACE,
    O_REQUIRE_CLIENT_CERT,
    O_TERMINAL_INSTITUTIONS,
    O_THREADS,
    O_TIMEOUT,
};

struct opt_doc {
    struct option o;
    const char *arg;  /* NULL: a switch */
    const char *help; /* one line */
    const char *cmd;  /* "serve", "import" or "" (both) */
};

/* Sorted by long name (curl's tool_getparam keeps its table the same
 * way): the order of --help. */
static const struct opt_doc opts[] = {
    { { "audit", required_argument, NULL, O_AUDIT },
      "FILE",
      "audit log, one JSON line per request ('-': stderr)",
      "serve" },
    { { "cert", required_argument, NULL, O_CERT },
      "FILE",
      "server certificate (and chain), PEM",
      "serve" },
    { { "client-ca", required_argument, NULL, O_CLIENT_CA },
      "FILE",
      "CA certificates of terminal (TLS client) certificates",
      "serve" },
    { { "clock-skew", required_argument, NULL, O_CLOCK_SKEW },
      "SECONDS",
      "how far iat may be from the service clock (300)",
      "serve" },
    { { "crl", required_argument, NULL, O_CRL },
      "FILE",
      "a CRL of the JPKI CA, PEM or DER (repeatable)",
      "serve" },
    { { "db", required_argument, NULL, O_DB },
      "PATH",
      "the SQLite store (created and migrated on open)",
      "" },
    { { "help", no_argument, NULL, 'h' }, NULL, "this text", "" },
    { { "jpki-ca", required_argument, NULL, O_JPKI_CA },
      "FILE",
      "JPKI user-authentication CA certificates, PEM (repeatable)",
      "serve" },
    { { "key", required_argument, NULL, O_KEY },
      "FILE",
      "the server certificate's key, PEM",
      "serve" },
    { { "listen", required_argument, NULL, O_LISTEN },
      "ADDR:PORT",
      "where to listen (127.0.0.1:8443; port 0: any free port)",
      "serve" },
    { { "max-connections", required_argument, NULL, O_MAX_CONNECTIONS },
      "N",
      "connections at once (256)",
      "serve" },
    { { "max-nonces", required_argument, NULL, O_MAX_NONCES },
      "N",
      "outstanding nonces before REF-E150 (100000)",
      "serve" },
    { { "nonce-lifetime", required_argument, NULL, O_NONCE_LIFETIME },
      "SECONDS",
      "how long a nonce stays valid (60)",
      "serve" },
    { { "ocsp-responder-ca", required_argument, NULL, O_OCSP_RESPONDER_CA },
      "FILE",
      "who signs OCSP answers (default: the issuing CA)",
      "serve" },
    { { "ocsp-url", required_argument, NULL, O_OCSP_URL },
      "URL",
      "OCSP responder of the JPKI CA",
      "serve" },
    { { "per-ip-connections", required_argument, NULL, O_PER_IP },
      "N",
      "connections at once from one address (32)",
      "serve" },
    { { "ready-file", required_argument, NULL, O_READY_FILE },
      "FILE",
      "written with the bound port once listening",
      "serve" },
    { { "replace", no_argument, NULL, O_REPLACE },
      NULL,
      "empty the store before importing",
      "import" },
    { { "require-client-cert", no_argument, NULL, O_REQUIRE_CLIENT_CERT },
      NULL,
      "every request needs a terminal certificate",
      "serve" },
    { { "terminal-institutions", required_argument, NULL,
        O_TERMINAL_INSTITUTIONS },
      "FILE",
      "terminals bound to institution codes (REF-E123)",
      "serve" },
    { { "threads", required_argument, NULL, O_THREADS },
      "N",
      "worker threads (4)",
      "serve" },
    { { "timeout", required_argument, NULL, O_TIMEOUT },
      "SECONDS",
      "idle connections are cut after this (10)",
      "serve" },
    { { "version", no_argument, NULL, 'V' }, NULL, "the version", "" },
};
#define N_OPTS (sizeof(opts) / sizeof(opts[0]))

struct config {
    const char *audit, *cert, *client_ca, *db, *key, *listen, *ocsp_url;
    const char *ocsp_responder_ca, *ready_file, *terminal_institutions;
    const char *jpki_ca[MAX_FILES], *crl[MAX_FILES];
    size_t n_jpki_ca, n_crl;
    long clock_skew, nonce_lifetime, max_connections, max_nonces, per_ip;
    long threads, timeout;
    bool replace, require_client_cert;
};

static void
usage(FILE *f)
{
    size_t i;
    char left[48];

    fputs("usage: myna-eligd serve --cert FILE --key FILE --jpki-ca FILE "
          "--db PATH [options]\n"
          "       myna-eligd import --db PATH [--replace] FILE...\n"
          "options:\n",
          f);
    for (i = 0; i < N_OPTS; i++) {
        snprintf(left, sizeof(left), "--%s%s%s", opts[i].o.name,
                 opts[i].arg != NULL ? " " : "",
                 opts[i].arg != NULL ? opts[i].arg : "");
        fprintf(f, "  %-30s %s%s%s%s\n", left, opts[i].help,
                opts[i].cmd[0] != '\0' ? " [" : "", opts[i].cmd,
                opts[i].cmd[0] != '\0' ? "]" : "");
    }
    fputs("exit status: 0 ok, 1 runtime failure (listen, import), 2 usage,\n"
          "3 a certificate, key, CA, CRL, store or log would not load\n",
          f);
}

static int
number(const char *name, const char *s, long min, long max, long *out)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < min || v > max) {
        fprintf(stderr, "myna-eligd: --%s: a number from %ld to %ld\n", name,
                min, max);
        return 0;
    }
    *out = v;
    return 1;
}

static int
add_file(const char *name, const char **list, size_t *n, const char *file)
{
    if (*n == MAX_FILES) {
        fprintf(stderr, "myna-eligd: --%s: at most %d files\n", name,
                MAX_FILES);
        return 0;
    }
    list[(*n)++] = file;
    return 1;
}

/* 1 ok, 0 usage error, -1 help/version printed. */
static int
parse(int argc, char **argv, struct config *c)
{
    struct option long_opts[N_OPTS + 1];
    size_t i;
    int ch, ok = 1;

    for (i = 0; i < N_OPTS; i++)
        long_opts[i] = opts[i].o;
    memset(&long_opts[N_OPTS], 0, sizeof(long_opts[N_OPTS]));
    while (ok && (ch = getopt_long(argc, argv, "hV", long_opts, NULL)) != -1) {
        switch (ch) {
        case 'h':
            usage(stdout);
            return -1;
        case 'V':
            printf("myna-eligd %s (eligibility protocol %s)\n", VERSION,
                   ELIG_PROTOCOL_VERSION);
            return -1;
        case O_AUDIT:
            c->audit = optarg;
            break;
        case O_CERT:
            c->cert = optarg;
            break;
        case O_CLIENT_CA:
            c->client_ca = optarg;
            break;
        case O_CLOCK_SKEW:
            ok = number("clock-skew", optarg, 0, 86400, &c->clock_skew);
            break;
        case O_CRL:
            ok = add_file("crl", c->crl, &c->n_crl, optarg);
            break;
        case O_DB:
            c->db = optarg;
            break;
        case O_JPKI_CA:
            ok = add_file("jpki-ca", c->jpki_ca, &c->n_jpki_ca, optarg);
            break;
        case O_KEY:
            c->key = optarg;
            break;
        case O_LISTEN:
            c->listen = optarg;
            break;
        case O_MAX_CONNECTIONS:
            ok = number("max-connections", optarg, 1, 100000,
                        &c->max_connections);
            break;
        case O_MAX_NONCES:
            ok = number("max-nonces", optarg, 1, 10000000, &c->max_nonces);
            break;
        case O_NONCE_LIFETIME:
            ok = number("nonce-lifetime", optarg, 1, 3600, &c->nonce_lifetime);
            break;
        case O_OCSP_RESPONDER_CA:
            c->ocsp_responder_ca = optarg;
            break;
        case O_OCSP_URL:
            c->ocsp_url = optarg;
            break;
        case O_PER_IP:
            ok = number("per-ip-connections", optarg, 1, 100000, &c->per_ip);
            break;
        case O_READY_FILE:
            c->ready_file = optarg;
            break;
        case O_REPLACE:
            c->replace = true;
            break;
        case O_REQUIRE_CLIENT_CERT:
            c->require_client_cert = true;
            break;
        case O_TERMINAL_INSTITUTIONS:
            c->terminal_institutions = optarg;
            break;
        case O_THREADS:
            ok = number("threads", optarg, 1, 256, &c->threads);
            break;
        case O_TIMEOUT:
            ok = number("timeout", optarg, 1, 3600, &c->timeout);
            break;
        default:
            ok = 0;
        }
    }
    return ok;
}

static int
write_ready_file(const char *path, unsigned short port)
{
    char tmp[PATH_MAX];
    FILE *f;

    /* Written aside and renamed, so a waiting test never reads half. */
    if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
        return 0;
    f = fopen(tmp, "w");
    if (f == NULL)
        return 0;
    fprintf(f, "%u\n", port);
    if (fclose(f) != 0 || rename(tmp, path) != 0)
        return 0;
    return 1;
}

static int
serve(struct config *c)
{
    struct elig_trust_config tc;
    struct eligd_http_config hc;
    struct eligd_service svc;
    struct eligd_http *http = NULL;
    struct elig_store *st;
    unsigned short port = 0;
    sigset_t sigs;
    int sig, rc = EXIT_CONFIG;

    memset(&svc, 0, sizeof(svc));
    if (c->cert == NULL || c->key == NULL || c->db == NULL ||
        c->n_jpki_ca == 0) {
        fputs("myna-eligd serve: --cert, --key, --jpki-ca and --db are "
              "required\n",
              stderr);
        return EXIT_USAGE;
    }
    if (c->require_client_cert && c->client_ca == NULL) {
        fputs("myna-eligd serve: --require-client-cert needs --client-ca\n",
              stderr);
        return EXIT_USAGE;
    }
    /* Create or migrate the store now, so that a bad path fails here. */
    st = elig_store_open(c->db);
    if (st == NULL)
        goto out;
    elig_store_close(st);

    memset(&tc, 0, sizeof(tc));
    tc.ca_files = c->jpki_ca;
    tc.n_ca_files = c->n_jpki_ca;
    tc.crl_files = c->crl;
    tc.n_crl_files = c->n_crl;
    tc.ocsp_url = c->ocsp_url;
    tc.ocsp_responder_ca = c->ocsp_responder_ca;
    tc.ocsp_timeout_ms = 3000;
    svc.trust = elig_trust_new(&tc);
    svc.nonces = eligd_nonces_new(c->nonce_lifetime, (size_t)c->max_nonces);
    if (svc.trust == NULL || svc.nonces == NULL)
        goto out;
    if (c->audit != NULL && (svc.audit = eligd_audit_open(c->audit)) == NULL)
        goto out;
    if (c->terminal_institutions != NULL &&
        (svc.terminals = eligd_terminals_load(c->terminal_institutions)) ==
            NULL)
        goto out;
    svc.nonce_lifetime = c->nonce_lifetime;
    svc.clock_skew = c->clock_skew;
    svc.require_client_cert = c->require_client_cert;

    /* The workers inherit this mask: only the main thread takes signals,
     * in sigwait below. */
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    memset(&hc, 0, sizeof(hc));
    hc.listen = c->listen;
    hc.cert_file = c->cert;
    hc.key_file = c->key;
    hc.client_ca_file = c->client_ca;
    hc.db = c->db;
    hc.threads = (unsigned)c->threads;
    hc.max_connections = (unsigned)c->max_connections;
    hc.per_ip_connections = (unsigned)c->per_ip;
    hc.timeout = (unsigned)c->timeout;
    http = eligd_http_start(&hc, &svc, &port);
    if (http == NULL) {
        rc = EXIT_RUNTIME;
        goto out;
    }
    fprintf(stderr, "myna-eligd: listening on %s (port %u), %ld threads\n",
            c->listen, port, c->threads);
    if (c->ready_file != NULL && !write_ready_file(c->ready_file, port)) {
        fprintf(stderr, "myna-eligd: cannot write %s: %s\n", c->ready_file,
                strerror(errno));
        rc = EXIT_RUNTIME;
        goto out;
    }
    for (;;) {
        if (sigwait(&sigs, &sig) != 0)
            continue;
        if (sig != SIGHUP)
            break;
        fputs("myna-eligd: SIGHUP: reloading the CA and CRL files\n", stderr);
        if (!elig_trust_reload(svc.trust))
            fputs("myna-eligd: reload failed; the previous set stays\n",
                  stderr);
    }
    fprintf(stderr, "myna-eligd: signal %d: stopping\n", sig);
    rc = EXIT_OK;
out:
    eligd_http_stop(http);
    eligd_audit_close(svc.audit);
    eligd_terminals_free(svc.terminals);
    eligd_nonces_free(svc.nonces);
    elig_trust_free(svc.trust);
    if (c->ready_file != NULL && http != NULL)
        unlink(c->ready_file);
    return rc;
}

static int
import(struct config *c, int n, char **files)
{
    struct elig_store *st;
    size_t count, total = 0;
    int i, rc = EXIT_OK;

    if (c->db == NULL || n == 0) {
        fputs("myna-eligd import: --db PATH and at least one FILE\n", stderr);
        return EXIT_USAGE;
    }
    st = elig_store_open(c->db);
    if (st == NULL)
        return EXIT_CONFIG;
    if (c->replace && (!elig_store_begin(st) || !elig_store_clear(st) ||
                       !elig_store_commit(st))) {
        elig_store_close(st);
        return EXIT_RUNTIME;
    }
    for (i = 0; i < n; i++) {
        if (!elig_store_import(st, files[i], &count)) {
            fprintf(stderr, "myna-eligd: import %s: nothing imported\n",
                    files[i]);
            rc = EXIT_RUNTIME;
            break;
        }
        fprintf(stderr, "myna-eligd: import %s: %zu people\n", files[i], count);
        total += count;
    }
    if (rc == EXIT_OK)
        fprintf(stderr, "myna-eligd: imported %zu people into %s\n", total,
                c->db);
    elig_store_close(st);
    return rc;
}

int
main(int argc, char **argv)
{
    struct config c;
    const char *cmd;
    int r;

    memset(&c, 0, sizeof(c));
    c.listen = "127.0.0.1:8443";
    c.clock_skew = 300;
    c.nonce_lifetime = 60;
    c.max_connections = 256;
    c.max_nonces = 100000;
    c.per_ip = 32;
    c.threads = 4;
    c.timeout = 10;
    if (argc >= 2 && argv[1][0] != '-') {
        cmd = argv[1];
        argc--;
        argv++;
    } else {
        cmd = NULL;
    }
    r = parse(argc, argv, &c);
    if (r < 0)
        return EXIT_OK;
    if (r == 0 || cmd == NULL) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (strcmp(cmd, "serve") == 0) {
        if (optind != argc) {
            fprintf(stderr, "myna-eligd serve: unexpected '%s'\n",
                    argv[optind]);
            return EXIT_USAGE;
        }
        return serve(&c);
    }
    if (strcmp(cmd, "import") == 0)
        return import(&c, argc - optind, argv + optind);
    fprintf(stderr, "myna-eligd: unknown command '%s'\n", cmd);
    usage(stderr);
    return EXIT_USAGE;
}
