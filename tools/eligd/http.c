/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libmicrohttpd glue (http.h).  The access handler gathers a request
 * (headers, a body of at most ELIG_BODY_MAX bytes, the terminal's
 * certificate) and hands it to eligd_handle; every decision, errors
 * included, is made there so that the fuzz target covers it.  Limits that
 * must act before a body is read (a Content-Length over 64 KiB, a header
 * block over 8 KiB) answer at the first call, which makes
 * libmicrohttpd close the connection instead of reading the rest.
 */
#include "config.h"

#include <netdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <microhttpd.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "http.h"

/* TLS 1.2 and 1.3 only (§1), GnuTLS's default suites otherwise. */
#define TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"
/* libmicrohttpd's own per-connection pool: headers plus read buffer.  Our
 * 8 KiB header limit answers in JSON below this; beyond it
 * libmicrohttpd answers 431 itself. */
#define CONNECTION_MEMORY (64 * 1024)

/* Each worker thread's store handle, and the list to close them all. */
struct store_slot {
    struct elig_store *store;
    struct store_slot *next;
};

struct eligd_http {
    struct MHD_Daemon *daemon;
    struct eligd_service *svc;
    char *db;
    pthread_mutex_t lock;
    struct store_slot *slots;
    char *cert_pem, *key_pem, *ca_pem;
};

static __thread struct store_slot *thread_slot;

/* One request being received. */
struct pending {
    char *body;
    size_t len;
    bool too_large;
    bool answered;
};

static struct elig_store *
thread_store(struct eligd_http *h)
{
    struct store_slot *s = thread_slot;

    if (s != NULL)
        return s->store;
    s = calloc(1, sizeof(*s));
    if (s == NULL)
        return NULL;
    /* NULL when the file cannot be opened: the request gets REF-E199 and
     * the next one tries again. */
    s->store = elig_store_open(h->db);
    if (s->store == NULL) {
        free(s);
        return NULL;
    }
    pthread_mutex_lock(&h->lock);
    s->next = h->slots;
    h->slots = s;
    pthread_mutex_unlock(&h->lock);
    thread_slot = s;
    return s->store;
}

static char *
read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;

    if (f == NULL)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && n < (1 << 24) &&
        fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1)) != NULL) {
        if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
            free(buf);
            buf = NULL;
        } else {
            buf[n] = '\0';
        }
    }
    fclose(f);
    return buf;
}

/* Paths are compared as sent: the three of the protocol (§3-5) need no
 * escapes, and libmicrohttpd's %HH decoding would turn "/v1/nonce%00..."
 * into "/v1/nonce" for strcmp (tests/eligd/abuse.sh). */
static size_t
keep_escapes(void *cls, struct MHD_Connection *c, char *s)
{
    (void)cls;
    (void)c;
    return strlen(s);
}

static void
log_mhd(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    fputs("myna-eligd: http: ", stderr);
    vfprintf(stderr, fmt, ap);
}

/* The verified client certificate, if any (§1): GnuTLS checked it
 * against --client-ca during the handshake's verify step. */
static bool
terminal_of(struct MHD_Connection *c, struct eligd_terminal *t)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    gnutls_session_t session;
    const gnutls_datum_t *peers;
    unsigned int status = 0, n = 0, len = 0, i;
    unsigned char md[EVP_MAX_MD_SIZE];
    const unsigned char *der;
    X509 *x = NULL;
    BIO *bio = NULL;
    char *mem;
    long m;
    bool ok = false;

    if (ci == NULL)
        return false;
    session = (gnutls_session_t)ci->tls_session;
    if (gnutls_certificate_verify_peers2(session, &status) != 0 || status != 0)
        return false;
    peers = gnutls_certificate_get_peers(session, &n);
    if (peers == NULL || n == 0)
        return false;
    der = peers[0].data;
    x = d2i_X509(NULL, &der, (long)peers[0].size);
    bio = BIO_new(BIO_s_mem());
    if (x == NULL || bio == NULL ||
        X509_NAME_print_ex(bio, X509_get_subject_name(x), 0, XN_FLAG_RFC2253) <
            0 ||
        !EVP_Digest(peers[0].data, peers[0].size, md, &len, EVP_sha256(), NULL))
        goto out;
    m = BIO_get_mem_data(bio, &mem);
    snprintf(t->subject, sizeof(t->subject), "%.*s", (int)m, mem);
    for (i = 0; i < len && i < 32; i++)
        snprintf(t->sha256 + 2 * i, 3, "%02x", md[i]);
    ok = true;
out:
    BIO_free(bio);
    X509_free(x);
    return ok;
}

static void
peer_of(struct MHD_Connection *c, char *out, size_t size)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);

    snprintf(out, size, "unknown");
    if (ci != NULL && ci->client_addr != NULL)
        getnameinfo(ci->client_addr,
                    ci->client_addr->sa_family == AF_INET6
                        ? sizeof(struct sockaddr_in6)
                        : sizeof(struct sockaddr_in),
                    out, (socklen_t)size, NULL, 0, NI_NUMERICHOST);
}

static enum MHD_Result
count_header(void *cls, enum MHD_ValueKind kind, const char *key,
             const char *value)
{
    size_t *total = cls;

    (void)kind;
    /* "Name: value\r\n" */
    *total += strlen(key) + (value != NULL ? strlen(value) : 0) + 4;
    return MHD_YES;
}

static enum MHD_Result
answer(struct eligd_http *h, struct MHD_Connection *c, const char *url,
       const char *method, struct pending *p, bool header_too_large)
{
    struct eligd_http_request rq;
    struct eligd_http_response rs;
    struct eligd_terminal term;
    struct MHD_Response *resp;
    static const char oom[] = "{\"ver\":\"1\",\"segmentOfResult\":\"9\","
                              "\"errorCode\":\"REF-E199\",\"errorMessage\":"
                              "\"internal error\"}\n";
    char peer[64];
    enum MHD_Result ret;

    memset(&rq, 0, sizeof(rq));
    peer_of(c, peer, sizeof(peer));
    rq.method = method;
    rq.path = url;
    rq.content_type =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
    rq.body = p->body != NULL ? p->body : "";
    rq.body_len = p->len;
    rq.body_too_large = p->too_large;
    rq.header_too_large = header_too_large;
    rq.terminal = terminal_of(c, &term) ? &term : NULL;
    rq.peer = peer;
    eligd_handle(h->svc, thread_store(h), &rq, &rs);
    if (rs.body != NULL)
        resp = MHD_create_response_from_buffer(rs.body_len, rs.body,
                                               MHD_RESPMEM_MUST_FREE);
    else
        resp = MHD_create_response_from_buffer(sizeof(oom) - 1, (void *)oom,
                                               MHD_RESPMEM_PERSISTENT);
    if (resp == NULL) {
        eligd_http_response_clear(&rs);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                            "application/json");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (rs.status == 405)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "POST");
    ret = MHD_queue_response(c, (unsigned)rs.status, resp);
    MHD_destroy_response(resp);
    p->answered = true;
    return ret;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url,
           const char *method, const char *version, const char *upload,
           size_t *upload_size, void **con_cls)
{
    struct eligd_http *h = cls;
    struct pending *p = *con_cls;
    const char *cl;
    size_t headers = 0;
    char *nb;

    (void)version;
    if (p == NULL) {
        p = calloc(1, sizeof(*p));
        if (p == NULL)
            return MHD_NO;
        *con_cls = p;
        MHD_get_connection_values(c, MHD_HEADER_KIND, count_header, &headers);
        if (headers > ELIG_HEADER_MAX)
            return answer(h, c, url, method, p, true);
        cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                         MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl != NULL && strtoull(cl, NULL, 10) > ELIG_BODY_MAX) {
            p->too_large = true;
            return answer(h, c, url, method, p, false);
        }
        return MHD_YES;
    }
    if (p->answered) {
        *upload_size = 0;
        return MHD_YES;
    }
    if (*upload_size > 0) {
        if (!p->too_large && p->len + *upload_size <= ELIG_BODY_MAX) {
            nb = realloc(p->body, p->len + *upload_size);
            if (nb == NULL)
                return MHD_NO;
            p->body = nb;
            memcpy(p->body + p->len, upload, *upload_size);
            p->len += *upload_size;
        } else {
            /* Chunked and too big: read and drop the rest, then 413. */
            p->too_large = true;
        }
        *upload_size = 0;
        return MHD_YES;
    }
    return answer(h, c, url, method, p, false);
}

static void
on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
             enum MHD_RequestTerminationCode toe)
{
    struct pending *p = *con_cls;

    (void)cls;
    (void)c;
    (void)toe;
    if (p != NULL) {
        free(p->body);
        free(p);
        *con_cls = NULL;
    }
}

static int
parse_listen(const char *spec, struct sockaddr_storage *ss)
{
    char host[256];
    const char *colon = strrchr(spec, ':');
    struct addrinfo hints, *ai = NULL;
    size_t n;
    int ok;

    if (colon == NULL || colon[1] == '\0')
        return 0;
    n = (size_t)(colon - spec);
    if (n >= 2 && spec[0] == '[' && spec[n - 1] == ']') {
        spec++;
        n -= 2;
    }
    if (n == 0 || n >= sizeof(host))
        return 0;
    memcpy(host, spec, n);
    host[n] = '\0';
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    if (getaddrinfo(host, colon + 1, &hints, &ai) != 0 || ai == NULL)
        return 0;
    ok = ai->ai_addrlen <= sizeof(*ss);
    if (ok)
        memcpy(ss, ai->ai_addr, ai->ai_addrlen);
    freeaddrinfo(ai);
    return ok;
}

struct eligd_http *
eligd_http_start(const struct eligd_http_config *cfg, struct eligd_service *svc,
                 unsigned short *port)
{
    struct eligd_http *h = calloc(1, sizeof(*h));
    struct sockaddr_storage ss;
    const union MHD_DaemonInfo *di;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_TLS |
                     MHD_USE_ERROR_LOG | MHD_USE_EPOLL;

    if (h == NULL)
        return NULL;
    memset(&ss, 0, sizeof(ss));
    if (!parse_listen(cfg->listen, &ss)) {
        fprintf(stderr, "myna-eligd: --listen %s: not ADDR:PORT\n",
                cfg->listen);
        goto fail;
    }
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    h->svc = svc;
    h->db = strdup(cfg->db);
    h->cert_pem = read_text(cfg->cert_file);
    h->key_pem = read_text(cfg->key_file);
    if (cfg->client_ca_file != NULL)
        h->ca_pem = read_text(cfg->client_ca_file);
    if (h->db == NULL || pthread_mutex_init(&h->lock, NULL) != 0)
        goto fail;
    if (h->cert_pem == NULL || h->key_pem == NULL ||
        (cfg->client_ca_file != NULL && h->ca_pem == NULL)) {
        fprintf(stderr, "myna-eligd: cannot read %s\n",
                h->cert_pem == NULL  ? cfg->cert_file
                : h->key_pem == NULL ? cfg->key_file
                                     : cfg->client_ca_file);
        goto fail;
    }
    /* With a trust list libmicrohttpd asks for (does not demand) a client
     * certificate; terminal_of() checks it per request. */
    h->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, h, MHD_OPTION_SOCK_ADDR, &ss,
        MHD_OPTION_HTTPS_MEM_CERT, h->cert_pem, MHD_OPTION_HTTPS_MEM_KEY,
        h->key_pem, MHD_OPTION_HTTPS_PRIORITIES, TLS_PRIORITIES,
        MHD_OPTION_HTTPS_MEM_TRUST, h->ca_pem != NULL ? h->ca_pem : NULL,
        MHD_OPTION_THREAD_POOL_SIZE, cfg->threads, MHD_OPTION_CONNECTION_LIMIT,
        cfg->max_connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        cfg->per_ip_connections, MHD_OPTION_CONNECTION_TIMEOUT, cfg->timeout,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
        MHD_OPTION_UNESCAPE_CALLBACK, keep_escapes, NULL,
        MHD_OPTION_EXTERNAL_LOGGER, log_mhd, NULL, MHD_OPTION_END);
    if (h->daemon == NULL) {
        fprintf(stderr,
                "myna-eligd: cannot listen on %s (address in use, "
                "or a bad certificate/key)\n",
                cfg->listen);
        goto fail;
    }
    di = MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_BIND_PORT);
    *port = di != NULL ? di->port : 0;
    return h;
fail:
    eligd_http_stop(h);
    return NULL;
}

void
eligd_http_stop(struct eligd_http *h)
{
    struct store_slot *s, *next;

    if (h == NULL)
        return;
    if (h->daemon != NULL)
        MHD_stop_daemon(h->daemon);
    /* The workers are gone: their store handles can be closed here. */
    for (s = h->slots; s != NULL; s = next) {
        next = s->next;
        elig_store_close(s->store);
        free(s);
    }
    free(h->db);
    free(h->cert_pem);
    if (h->key_pem != NULL)
        OPENSSL_cleanse(h->key_pem, strlen(h->key_pem));
    free(h->key_pem);
    free(h->ca_pem);
    free(h);
}
