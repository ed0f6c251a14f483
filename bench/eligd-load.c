/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench/eligd-load.c - load generator for myna-eligd (bench/eligd-load.sh,
 * bench/README.md).  Built by the script with cc; not part of the build.
 *
 *   eligd-load URL CACERT CARDDIR N CONCURRENCY MAX_SECONDS [SERVER_PID]
 *   eligd-load --soak SECONDS URL CACERT CARDDIR CONCURRENCY [SERVER_PID
 *              [PAUSE_MS]]
 *
 * Phase 1 (untimed): N nonces from POST /v1/nonce, then N card requests
 * (docs/eligibility-protocol.md §4) signed RS256 with a software copy of
 * the card's authentication key (CARDDIR/auth.key.pem, auth.crt).  A real
 * card takes ~300 ms per signature, one at a time; signing here keeps the
 * card out of the measurement, which is of the service.
 *
 * Phase 2 (timed): the N requests POSTed to /v1/qualification/card over
 * CONCURRENCY keep-alive HTTPS connections (one thread and one libcurl
 * handle each), until all are sent or MAX_SECONDS have passed.
 *
 * Output, one line on stdout:
 *   sent=N ok=N found=N errors=N seconds=S rps=R p50_ms=L p99_ms=L
 *   server_cpu_s=C
 * ok: HTTP 200; found: 200 with qualificationValidity "1" (the person
 * was looked up and eligible: every check passed); rps counts ok.
 * server_cpu_s: user + system CPU time of SERVER_PID during phase 2
 * (/proc/PID/stat), -1 without it.
 * Exit status 0 when it ran, 1 when it could not prepare (phase 1).
 *
 * --soak (bench/eligd-soak.sh, tests/eligd/abuse.sh): no phase 1; each of
 * the CONCURRENCY threads repeats, over its one keep-alive connection, a
 * nonce, an RS256 signature of a fresh request, its POST, then PAUSE_MS
 * (default 0) of sleep, for SECONDS.  Pre-signed requests cannot last
 * long: 60 s at 3 000 req/s is 180 000 signatures, and phase 1's first
 * iat would age past the 300 s clock skew before the last is sent.  The
 * same output line; a request is the nonce + the card POST, an error when
 * either fails (nonce_errors counts the first kind); the latency is the
 * card POST's.  Each failure (the first 50) goes to stderr with the wall
 * clock time, so that a test can tell when it happened.  SIGTERM or
 * SIGINT ends the run early (the requests under way finish), figures
 * printed.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#define INSTITUTION "3410712362" /* a valid code (protocol §2) */
#define JST (9 * 3600)

struct buf {
    char *p;
    size_t len, cap;
};

struct job {
    char *body; /* the compact JWS */
    size_t len;
    double ms;  /* latency, -1 when not sent */
    int status; /* HTTP status, 0 on a transport error */
    int found;
};

struct load {
    const char *url, *cacert;
    struct job *jobs;
    size_t n;
    atomic_size_t next;
    double deadline; /* monotonic seconds */
};

static double
now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t
collect(char *data, size_t size, size_t n, void *arg)
{
    struct buf *b = arg;
    size_t len = size * n;

    if (b->len + len + 1 > b->cap) {
        size_t cap = (b->len + len + 1) * 2;
        char *p = realloc(b->p, cap);

        if (p == NULL)
            return 0;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, len);
    b->len += len;
    b->p[b->len] = '\0';
    return len;
}

static CURL *
handle(const char *cacert, struct buf *b, struct curl_slist *headers)
{
    CURL *c = curl_easy_init();

    if (c == NULL)
        return NULL;
    curl_easy_setopt(c, CURLOPT_CAINFO, cacert);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
    return c;
}

/* base64 (std) or base64url without padding (RFC 7515 §2). */
static char *
b64(const unsigned char *in, size_t len, int url)
{
    char *out = malloc(4 * ((len + 2) / 3) + 1);
    int n;

    if (out == NULL)
        return NULL;
    n = EVP_EncodeBlock((unsigned char *)out, in, (int)len);
    if (url) {
        while (n > 0 && out[n - 1] == '=')
            n--;
        out[n] = '\0';
        for (int i = 0; i < n; i++)
            out[i] = out[i] == '+' ? '-' : out[i] == '/' ? '_' : out[i];
    }
    return out;
}

/* The nonce of a /v1/nonce answer ("nonce":"<43 chars>"). */
static int
nonce_of(const char *json, char *out, size_t size)
{
    const char *p = strstr(json, "\"nonce\"");
    size_t i = 0;

    if (p == NULL || (p = strchr(p + 7, '"')) == NULL)
        return 0;
    for (p++; *p != '"' && *p != '\0' && i + 1 < size; p++)
        out[i++] = *p;
    out[i] = '\0';
    return *p == '"' && i > 0;
}

static char *
sign_request(EVP_PKEY *key, const char *header_b64, const char *nonce, size_t i,
             const char *date, size_t *len)
{
    char payload[512], *payload_b64 = NULL, *signing = NULL, *sig_b64 = NULL;
    char *out = NULL;
    unsigned char sig[512];
    size_t sig_len = sizeof(sig);
    EVP_MD_CTX *md = EVP_MD_CTX_new();

    snprintf(payload, sizeof(payload),
             "{\"ver\":\"1\",\"nonce\":\"%s\",\"iat\":%lld,"
             "\"requestId\":\"bench-%06zu\",\"medicalInstitutionCode\":"
             "\"" INSTITUTION "\",\"qualificationConfirmationDate\":\"%s\","
             "\"identityVerification\":\"pin\"}",
             nonce, (long long)time(NULL), i, date);
    payload_b64 = b64((const unsigned char *)payload, strlen(payload), 1);
    if (md == NULL || payload_b64 == NULL ||
        asprintf(&signing, "%s.%s", header_b64, payload_b64) < 0) {
        signing = NULL;
        goto out;
    }
    if (EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) != 1 ||
        EVP_DigestSign(md, sig, &sig_len, (unsigned char *)signing,
                       strlen(signing)) != 1 ||
        (sig_b64 = b64(sig, sig_len, 1)) == NULL)
        goto out;
    if (asprintf(&out, "%s.%s", signing, sig_b64) < 0)
        out = NULL;
    else
        *len = strlen(out);
out:
    EVP_MD_CTX_free(md);
    free(payload_b64);
    free(signing);
    free(sig_b64);
    return out;
}

/* The card's key and the JWS header with its certificate (base64url). */
static int
load_card(const char *card, EVP_PKEY **key, char **header_b64)
{
    char path[4096], header[4096], *x5c = NULL;
    unsigned char *der = NULL;
    X509 *cert = NULL;
    FILE *f;
    int der_len, ok = 0;

    snprintf(path, sizeof(path), "%s/auth.key.pem", card);
    if ((f = fopen(path, "r")) != NULL) {
        *key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
        fclose(f);
    }
    snprintf(path, sizeof(path), "%s/auth.crt", card);
    if ((f = fopen(path, "rb")) != NULL) {
        cert = d2i_X509_fp(f, NULL);
        fclose(f);
    }
    if (*key == NULL || cert == NULL || (der_len = i2d_X509(cert, &der)) <= 0 ||
        (x5c = b64(der, (size_t)der_len, 0)) == NULL) {
        fprintf(stderr,
                "eligd-load: cannot read the card's key and "
                "certificate in %s\n",
                card);
        goto out;
    }
    snprintf(header, sizeof(header),
             "{\"alg\":\"RS256\",\"typ\":\"myna-elig+jws\",\"x5c\":[\"%s\"]}",
             x5c);
    *header_b64 = b64((unsigned char *)header, strlen(header), 1);
    ok = *header_b64 != NULL;
out:
    free(x5c);
    OPENSSL_free(der);
    X509_free(cert);
    return ok;
}

/* Today in Japan (the qualificationConfirmationDate, protocol §2). */
static void
jst_today(char date[16])
{
    time_t jst = time(NULL) + JST;
    struct tm tm;

    gmtime_r(&jst, &tm);
    strftime(date, 16, "%Y%m%d", &tm);
}

/* POST URL/v1/nonce on c (any earlier connection reused): 1 and the nonce
 * on 201, else 0 with *status the HTTP status (0: transport error). */
static int
fetch_nonce(CURL *c, struct buf *b, struct curl_slist *json, const char *url,
            char *nonce, size_t size, long *status)
{
    *status = 0;
    b->len = 0;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, json);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, "{}");
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, 2L);
    return curl_easy_perform(c) == CURLE_OK &&
           curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status) == CURLE_OK &&
           *status == 201 && b->p != NULL && nonce_of(b->p, nonce, size);
}

/* Phase 1: nonces over one keep-alive connection, then the signatures. */
static int
prepare(struct load *ld, const char *card)
{
    char url[512], nonce[128], date[16], *header_b64 = NULL;
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: "
                                                   "application/json");
    struct buf b = { 0 };
    CURL *c = NULL;
    EVP_PKEY *key = NULL;
    int ok = 0;
    long status = 0;

    jst_today(date);
    if (!load_card(card, &key, &header_b64))
        goto out;
    snprintf(url, sizeof(url), "%s/v1/nonce", ld->url);
    if ((c = handle(ld->cacert, &b, h)) == NULL)
        goto out;
    for (size_t i = 0; i < ld->n; i++) {
        if (!fetch_nonce(c, &b, h, url, nonce, sizeof(nonce), &status)) {
            fprintf(stderr, "eligd-load: nonce %zu: HTTP %ld %s\n", i, status,
                    b.p != NULL ? b.p : "");
            goto out;
        }
        ld->jobs[i].body =
            sign_request(key, header_b64, nonce, i, date, &ld->jobs[i].len);
        ld->jobs[i].ms = -1;
        if (ld->jobs[i].body == NULL) {
            fprintf(stderr, "eligd-load: cannot sign request %zu\n", i);
            goto out;
        }
    }
    ok = 1;
out:
    curl_easy_cleanup(c);
    curl_slist_free_all(h);
    free(b.p);
    free(header_b64);
    EVP_PKEY_free(key);
    return ok;
}

/* Phase 2: one connection per thread, jobs taken in order. */
static void *
worker(void *arg)
{
    struct load *ld = arg;
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: "
                                                   "application/jose");
    char url[512];
    struct buf b = { 0 };
    CURL *c = handle(ld->cacert, &b, h);
    size_t i;

    snprintf(url, sizeof(url), "%s/v1/qualification/card", ld->url);
    if (c == NULL)
        goto out;
    curl_easy_setopt(c, CURLOPT_URL, url);
    while ((i = atomic_fetch_add(&ld->next, 1)) < ld->n &&
           now_s() < ld->deadline) {
        struct job *j = &ld->jobs[i];
        long status = 0;
        double t = now_s();

        b.len = 0;
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, j->body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)j->len);
        if (curl_easy_perform(c) == CURLE_OK &&
            curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK)
            j->status = (int)status;
        j->ms = (now_s() - t) * 1000.0;
        j->found = j->status == 200 && b.p != NULL &&
                   strstr(b.p, "\"qualificationValidity\":\"1\"") != NULL;
        if (j->status != 200 && b.p != NULL && i < 3)
            fprintf(stderr, "eligd-load: request %zu: HTTP %d %s\n", i,
                    j->status, b.p);
    }
out:
    curl_easy_cleanup(c);
    curl_slist_free_all(h);
    free(b.p);
    return NULL;
}

/* --soak: SIGTERM/SIGINT end the run early, with the figures printed
 * (tests/eligd/abuse.sh stops its background client so). */
static volatile sig_atomic_t soak_stop;

static void
on_stop(int sig)
{
    (void)sig;
    soak_stop = 1;
}

/* --soak: what the threads share, and what each one counts. */
struct soak {
    const char *url, *cacert;
    EVP_PKEY *key;
    char *header_b64;
    char date[16];
    double deadline;
    long pause_ms;
    atomic_size_t seq;
    atomic_int logged;
};

struct soak_count {
    struct soak *sk;
    double *lat; /* card POST latencies of the 200s, ms */
    size_t k, cap;
    size_t sent, ok, found, nonce_errors;
};

static void
soak_failure(struct soak *sk, const char *what, long status, const char *body)
{
    struct timespec ts;

    if (atomic_fetch_add(&sk->logged, 1) >= 50)
        return;
    clock_gettime(CLOCK_REALTIME, &ts);
    fprintf(stderr, "eligd-load: %lld.%03ld %s: HTTP %ld %.200s\n",
            (long long)ts.tv_sec, ts.tv_nsec / 1000000, what, status,
            body != NULL ? body : "");
}

static int
soak_latency(struct soak_count *sc, double ms)
{
    if (sc->k == sc->cap) {
        size_t cap = sc->cap ? 2 * sc->cap : 4096;
        double *p = realloc(sc->lat, cap * sizeof(*p));

        if (p == NULL)
            return 0;
        sc->lat = p;
        sc->cap = cap;
    }
    sc->lat[sc->k++] = ms;
    return 1;
}

/* One connection: nonce, signature, card POST, pause; until the deadline. */
static void *
soak_worker(void *arg)
{
    struct soak_count *sc = arg;
    struct soak *sk = sc->sk;
    struct curl_slist *json = curl_slist_append(NULL, "Content-Type: "
                                                      "application/json");
    struct curl_slist *jose = curl_slist_append(NULL, "Content-Type: "
                                                      "application/jose");
    char nonce_url[512], card_url[512], nonce[128];
    struct buf b = { 0 };
    CURL *c = handle(sk->cacert, &b, json);
    struct timespec pause = { sk->pause_ms / 1000,
                              (sk->pause_ms % 1000) * 1000000 };

    snprintf(nonce_url, sizeof(nonce_url), "%s/v1/nonce", sk->url);
    snprintf(card_url, sizeof(card_url), "%s/v1/qualification/card", sk->url);
    if (c == NULL || json == NULL || jose == NULL)
        goto out;
    while (!soak_stop && now_s() < sk->deadline) {
        char *body;
        size_t len = 0;
        long status = 0;
        double t;

        sc->sent++;
        if (!fetch_nonce(c, &b, json, nonce_url, nonce, sizeof(nonce),
                         &status)) {
            sc->nonce_errors++;
            soak_failure(sk, "nonce", status, b.p);
            goto next;
        }
        body = sign_request(sk->key, sk->header_b64, nonce,
                            atomic_fetch_add(&sk->seq, 1), sk->date, &len);
        if (body == NULL) {
            soak_failure(sk, "signature", 0, NULL);
            goto next;
        }
        b.len = 0;
        curl_easy_setopt(c, CURLOPT_URL, card_url);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, jose);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
        t = now_s();
        if (curl_easy_perform(c) != CURLE_OK ||
            curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK)
            status = 0;
        t = (now_s() - t) * 1000.0;
        free(body);
        if (status != 200) {
            soak_failure(sk, "card", status, b.p);
            goto next;
        }
        sc->ok++;
        sc->found += b.p != NULL &&
                     strstr(b.p, "\"qualificationValidity\":\"1\"") != NULL;
        if (!soak_latency(sc, t))
            break;
    next:
        if (sk->pause_ms > 0)
            nanosleep(&pause, NULL);
    }
out:
    curl_easy_cleanup(c);
    curl_slist_free_all(json);
    curl_slist_free_all(jose);
    free(b.p);
    return NULL;
}

/* utime + stime of a process in seconds (proc(5)), -1 when unknown. */
static double
cpu_of(long pid)
{
    char path[64], line[2048], *p;
    unsigned long long ut = 0, st = 0;
    FILE *f;

    if (pid <= 0)
        return -1;
    snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    if ((f = fopen(path, "r")) == NULL)
        return -1;
    p = fgets(line, sizeof(line), f);
    fclose(f);
    /* after "pid (comm) ": field 3 is state; utime and stime are 14, 15 */
    if (p == NULL || (p = strrchr(line, ')')) == NULL ||
        sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
               &ut, &st) != 2)
        return -1;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static int
by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static double cpu_of(long pid);
static int by_value(const void *a, const void *b);

/* eligd-load --soak SECONDS URL CACERT CARDDIR CONCURRENCY [PID [PAUSE]] */
static int
soak_main(int argc, char **argv)
{
    struct soak sk = { 0 };
    struct soak_count *sc = NULL;
    pthread_t *th = NULL;
    size_t conc = 0, started, sent = 0, ok = 0, found = 0, nerr = 0, k = 0;
    double secs, t0, cpu0, cpu1, *lat = NULL, max_s;
    long pid = 0;
    int rc = 1;

    if (argc < 7 || argc > 9 || (max_s = strtod(argv[2], NULL)) <= 0 ||
        (conc = strtoul(argv[6], NULL, 10)) == 0) {
        fputs("usage: eligd-load --soak SECONDS URL CACERT CARDDIR "
              "CONCURRENCY [SERVER_PID [PAUSE_MS]]\n",
              stderr);
        return 2;
    }
    if (argc >= 8)
        pid = strtol(argv[7], NULL, 10);
    if (argc == 9)
        sk.pause_ms = strtol(argv[8], NULL, 10);
    sk.url = argv[3];
    sk.cacert = argv[4];
    jst_today(sk.date);
    sc = calloc(conc, sizeof(*sc));
    th = calloc(conc, sizeof(*th));
    if (sc == NULL || th == NULL || sk.pause_ms < 0 ||
        curl_global_init(CURL_GLOBAL_DEFAULT) != 0 ||
        !load_card(argv[5], &sk.key, &sk.header_b64))
        goto out;
    signal(SIGTERM, on_stop);
    signal(SIGINT, on_stop);
    cpu0 = cpu_of(pid);
    t0 = now_s();
    sk.deadline = t0 + max_s;
    for (started = 0; started < conc; started++) {
        sc[started].sk = &sk;
        if (pthread_create(&th[started], NULL, soak_worker, &sc[started]) !=
            0) {
            sk.deadline = 0; /* the started ones stop at once */
            break;
        }
    }
    for (size_t i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    if (started < conc)
        goto out;
    secs = now_s() - t0;
    cpu1 = cpu_of(pid);
    for (size_t i = 0; i < conc; i++) {
        sent += sc[i].sent;
        ok += sc[i].ok;
        found += sc[i].found;
        nerr += sc[i].nonce_errors;
        k += sc[i].k;
    }
    if ((lat = calloc(k ? k : 1, sizeof(*lat))) == NULL)
        goto out;
    k = 0;
    for (size_t i = 0; i < conc; i++) {
        memcpy(lat + k, sc[i].lat, sc[i].k * sizeof(*lat));
        k += sc[i].k;
    }
    qsort(lat, k, sizeof(*lat), by_value);
    printf("sent=%zu ok=%zu found=%zu errors=%zu nonce_errors=%zu "
           "seconds=%.3f rps=%.1f p50_ms=%.2f p99_ms=%.2f "
           "server_cpu_s=%.2f\n",
           sent, ok, found, sent - ok, nerr, secs, (double)ok / secs,
           k ? lat[k / 2] : 0.0, k ? lat[(k * 99) / 100] : 0.0,
           cpu0 >= 0 && cpu1 >= 0 ? cpu1 - cpu0 : -1.0);
    rc = 0;
out:
    for (size_t i = 0; sc != NULL && i < conc; i++)
        free(sc[i].lat);
    free(sc);
    free(th);
    free(lat);
    free(sk.header_b64);
    EVP_PKEY_free(sk.key);
    curl_global_cleanup();
    return rc;
}

int
main(int argc, char **argv)
{
    struct load ld = { 0 };
    size_t conc, sent = 0, ok = 0, found = 0, k = 0;
    double max_s, t0, secs, *lat, cpu0, cpu1;
    long pid = 0;
    pthread_t *th;

    if (argc > 1 && strcmp(argv[1], "--soak") == 0)
        return soak_main(argc, argv);
    if (argc == 8)
        pid = strtol(argv[7], NULL, 10);
    if (argc < 7 || argc > 8 || (ld.n = strtoul(argv[4], NULL, 10)) == 0 ||
        (conc = strtoul(argv[5], NULL, 10)) == 0 ||
        (max_s = strtod(argv[6], NULL)) <= 0) {
        fputs("usage: eligd-load URL CACERT CARDDIR N CONCURRENCY "
              "MAX_SECONDS [SERVER_PID]\n",
              stderr);
        return 2;
    }
    ld.url = argv[1];
    ld.cacert = argv[2];
    ld.jobs = calloc(ld.n, sizeof(*ld.jobs));
    lat = calloc(ld.n, sizeof(*lat));
    th = calloc(conc, sizeof(*th));
    if (ld.jobs == NULL || lat == NULL || th == NULL ||
        curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
        return 1;
    if (!prepare(&ld, argv[3]))
        return 1;
    fprintf(stderr,
            "eligd-load: %zu requests signed; posting with %zu "
            "connections\n",
            ld.n, conc);
    cpu0 = cpu_of(pid);
    t0 = now_s();
    ld.deadline = t0 + max_s;
    for (size_t i = 0; i < conc; i++)
        if (pthread_create(&th[i], NULL, worker, &ld) != 0)
            return 1;
    for (size_t i = 0; i < conc; i++)
        pthread_join(th[i], NULL);
    secs = now_s() - t0;
    cpu1 = cpu_of(pid);
    for (size_t i = 0; i < ld.n; i++) {
        if (ld.jobs[i].ms < 0)
            continue;
        sent++;
        if (ld.jobs[i].status == 200) {
            ok++;
            found += (size_t)ld.jobs[i].found;
            lat[k++] = ld.jobs[i].ms;
        }
    }
    qsort(lat, k, sizeof(*lat), by_value);
    printf("sent=%zu ok=%zu found=%zu errors=%zu seconds=%.3f rps=%.1f "
           "p50_ms=%.2f p99_ms=%.2f server_cpu_s=%.2f\n",
           sent, ok, found, sent - ok, secs, (double)ok / secs,
           k ? lat[k / 2] : 0.0, k ? lat[(k * 99) / 100] : 0.0,
           cpu0 >= 0 && cpu1 >= 0 ? cpu1 - cpu0 : -1.0);
    for (size_t i = 0; i < ld.n; i++)
        free(ld.jobs[i].body);
    free(ld.jobs);
    free(lat);
    free(th);
    curl_global_cleanup();
    return 0;
}
