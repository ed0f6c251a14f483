/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * HTTPS to the eligibility service with libcurl (docs/eligibility-
 * protocol.md §1): https only, the server certificate and host name
 * always verified (against --cacert or the system store), TLS 1.2 at
 * least, connect and total timeouts, no redirects, and an answer that
 * may not exceed QUALIFY_RESPONSE_MAX bytes (refused while it arrives,
 * never buffered whole).  The terminal's client certificate and key,
 * loaded by token.c (a file or a PKCS#11 token through the provider), go
 * into libcurl's OpenSSL SSL_CTX by CURLOPT_SSL_CTX_FUNCTION.  Every
 * CURLcode is translated in curl_fail(), and only there.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <openssl/ssl.h>

#include "qualify.h"

struct qualify_http {
    CURL *curl;
    const struct qualify_opts *o;
    char *base; /* the URL without a trailing slash */
    X509 *cert;
    EVP_PKEY *key;
    bool key_in_token;
    bool ctx_failed; /* the client credentials did not go into the SSL_CTX */
    char errbuf[CURL_ERROR_SIZE];
    /* the answer being received */
    char *body;
    size_t len;
    bool too_big;
};

/* The one CURLcode -> message and exit code map. */
static int
curl_fail(struct qualify_http *h, CURLcode rc)
{
    const char *detail = h->errbuf[0] ? h->errbuf : curl_easy_strerror(rc);

    switch (rc) {
    case CURLE_WRITE_ERROR:
    case CURLE_FILESIZE_EXCEEDED:
        if (h->too_big || rc == CURLE_FILESIZE_EXCEEDED)
            return qualify_fail(QX_NETWORK,
                                "the service's answer is larger than %d "
                                "bytes: refused",
                                QUALIFY_RESPONSE_MAX);
        return qualify_fail(QX_INTERNAL, "cannot store the answer");
    case CURLE_OUT_OF_MEMORY:
        return qualify_fail(QX_INTERNAL, "out of memory");
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
        return qualify_fail(QX_USAGE, "--url: %s", detail);
    case CURLE_ABORTED_BY_CALLBACK:
    case CURLE_SSL_CERTPROBLEM:
        if (h->ctx_failed)
            return QX_TOKEN; /* ssl_ctx_cb said why */
        return qualify_fail(QX_NETWORK, "TLS client certificate: %s", detail);
    case CURLE_PEER_FAILED_VERIFICATION:
        return qualify_fail(QX_NETWORK,
                            "the service's certificate does not verify "
                            "(wrong --cacert, or a host name mismatch): %s",
                            detail);
    case CURLE_OPERATION_TIMEDOUT:
        return qualify_fail(QX_NETWORK, "timed out: %s", detail);
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
        return qualify_fail(QX_NETWORK, "cannot reach the service: %s", detail);
    default:
        return qualify_fail(QX_NETWORK, "%s", detail);
    }
}

static size_t
on_data(char *ptr, size_t size, size_t nmemb, void *arg)
{
    struct qualify_http *h = arg;
    size_t n = size * nmemb;
    char *grown;

    if (n > QUALIFY_RESPONSE_MAX - h->len) {
        h->too_big = true;
        return 0; /* CURLE_WRITE_ERROR */
    }
    if ((grown = realloc(h->body, h->len + n + 1)) == NULL)
        return 0;
    h->body = grown;
    memcpy(h->body + h->len, ptr, n);
    h->len += n;
    h->body[h->len] = '\0';
    return n;
}

/*
 * The terminal certificate.  A key in a token through the provider signs
 * PKCS#1 v1.5 only when the token has no PSS (the My Number Card, many
 * HSM setups): TLS 1.3 forbids that in CertificateVerify (RFC 8446
 * §4.2.3), so such a client stays at TLS 1.2 with PKCS#1 v1.5 / ECDSA
 * signature algorithms (myna-provider(7), TLS).
 */
static CURLcode
ssl_ctx_cb(CURL *curl, void *sslctx, void *arg)
{
    struct qualify_http *h = arg;
    SSL_CTX *ctx = sslctx;

    (void)curl;
    if (SSL_CTX_use_certificate(ctx, h->cert) != 1 ||
        SSL_CTX_use_PrivateKey(ctx, h->key) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1)
        goto err;
    if (h->key_in_token &&
        (SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION) != 1 ||
         SSL_CTX_set1_client_sigalgs_list(
             ctx, "RSA+SHA256:RSA+SHA384:RSA+SHA512:ECDSA+SHA256:"
                  "ECDSA+SHA384:ECDSA+SHA512") != 1))
        goto err;
    return CURLE_OK;
err:
    h->ctx_failed = true;
    qualify_openssl_fail("the terminal certificate and key do not go "
                         "together or cannot be used for TLS",
                         NULL);
    return CURLE_SSL_CERTPROBLEM;
}

static bool
backend_is_openssl(void)
{
    const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);

    return v != NULL && v->ssl_version != NULL &&
           strncmp(v->ssl_version, "OpenSSL/", 8) == 0;
}

struct qualify_http *
qualify_http_new(const struct qualify_opts *o, X509 *client_cert,
                 EVP_PKEY *client_key, int *code)
{
    struct qualify_http *h;
    size_t n;

    *code = QX_INTERNAL;
    /* §1: HTTPS only; a typo'd http:// must not send a patient's request
     * in clear. */
    if (o->url == NULL || strncasecmp(o->url, "https://", 8) != 0) {
        *code = qualify_fail(QX_USAGE, "--url must be an https:// URL");
        return NULL;
    }
    if (client_cert != NULL && !backend_is_openssl()) {
        *code = qualify_fail(QX_INTERNAL,
                             "libcurl is not built with OpenSSL: it cannot "
                             "present a terminal certificate");
        return NULL;
    }
    if ((h = calloc(1, sizeof(*h))) == NULL ||
        (h->base = strdup(o->url)) == NULL ||
        (h->curl = curl_easy_init()) == NULL) {
        qualify_http_free(h);
        *code = qualify_fail(QX_INTERNAL, "out of memory");
        return NULL;
    }
    n = strlen(h->base);
    while (n > 8 && h->base[n - 1] == '/')
        h->base[--n] = '\0';
    h->o = o;
    h->cert = client_cert;
    h->key = client_key;
    h->key_in_token =
        o->client_key != NULL && strncmp(o->client_key, "pkcs11:", 7) == 0;
    *code = QX_ELIGIBLE;
    return h;
}

void
qualify_http_free(struct qualify_http *h)
{
    if (h == NULL)
        return;
    if (h->curl != NULL)
        curl_easy_cleanup(h->curl);
    free(h->base);
    free(h->body);
    free(h);
}

static CURLcode
set_options(struct qualify_http *h, const char *url, struct curl_slist *hdr,
            const char *body, size_t len)
{
    CURL *c = h->curl;
    CURLcode rc;

    curl_easy_reset(c);
    /* Each setopt returns CURLE_OK or an error; stop at the first. */
    if ((rc = curl_easy_setopt(c, CURLOPT_URL, url)) != CURLE_OK ||
        (rc = curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https")) !=
            CURLE_OK ||
        (rc = curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L)) != CURLE_OK ||
        (rc = curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L)) != CURLE_OK ||
        (rc = curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L)) != CURLE_OK ||
        (rc = curl_easy_setopt(c, CURLOPT_SSLVERSION,
                               (long)CURL_SSLVERSION_TLSv1_2)) != CURLE_OK ||
        (rc = curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT,
                               h->o->connect_timeout)) != CURLE_OK ||
        (rc = curl_easy_setopt(c, CURLOPT_TIMEOUT, h->o->timeout)) !=
            CURLE_OK ||
        (rc = curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L)) != CURLE_OK ||
        (rc = curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->errbuf)) !=
            CURLE_OK ||
        (rc = curl_easy_setopt(c, CURLOPT_USERAGENT,
                               "myna-qualify/" PACKAGE_VERSION)) != CURLE_OK ||
        (rc = curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr)) != CURLE_OK ||
        (rc = curl_easy_setopt(c, CURLOPT_POST, 1L)) != CURLE_OK ||
        (rc = curl_easy_setopt(c, CURLOPT_POSTFIELDS, body)) != CURLE_OK ||
        (rc = curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                               (curl_off_t)len)) != CURLE_OK ||
        (rc = curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE,
                               (curl_off_t)QUALIFY_RESPONSE_MAX)) != CURLE_OK ||
        (rc = curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data)) !=
            CURLE_OK ||
        (rc = curl_easy_setopt(c, CURLOPT_WRITEDATA, h)) != CURLE_OK)
        return rc;
    if (h->o->cacert != NULL &&
        (rc = curl_easy_setopt(c, CURLOPT_CAINFO, h->o->cacert)) != CURLE_OK)
        return rc;
    if (h->o->verbose &&
        (rc = curl_easy_setopt(c, CURLOPT_VERBOSE, 1L)) != CURLE_OK)
        return rc;
    if (h->cert != NULL &&
        ((rc = curl_easy_setopt(c, CURLOPT_SSL_CTX_FUNCTION, ssl_ctx_cb)) !=
             CURLE_OK ||
         (rc = curl_easy_setopt(c, CURLOPT_SSL_CTX_DATA, h)) != CURLE_OK))
        return rc;
    return CURLE_OK;
}

int
qualify_http_post(struct qualify_http *h, const char *path,
                  const char *content_type, const char *body, size_t len,
                  struct qualify_reply *reply)
{
    struct curl_slist *hdr = NULL;
    char line[128], *url = NULL, *ctype = NULL;
    CURLcode rc;
    int code = QX_INTERNAL;
    size_t n;

    memset(reply, 0, sizeof(*reply));
    free(h->body);
    h->body = NULL;
    h->len = 0;
    h->too_big = false;
    h->errbuf[0] = '\0';
    n = strlen(h->base) + strlen(path) + 1;
    if ((url = malloc(n)) == NULL)
        goto oom;
    snprintf(url, n, "%s%s", h->base, path);
    snprintf(line, sizeof(line), "Content-Type: %s", content_type);
    /* No "Expect: 100-continue" round trip. */
    if ((hdr = curl_slist_append(NULL, line)) == NULL ||
        curl_slist_append(hdr, "Accept: application/json") == NULL ||
        curl_slist_append(hdr, "Expect:") == NULL)
        goto oom;
    qualify_verbose(h->o, "POST %s (%zu bytes)", url, len);
    rc = set_options(h, url, hdr, body, len);
    if (rc == CURLE_OK)
        rc = curl_easy_perform(h->curl);
    if (rc != CURLE_OK) {
        code = curl_fail(h, rc);
        goto out;
    }
    curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &reply->status);
    if (curl_easy_getinfo(h->curl, CURLINFO_CONTENT_TYPE, &ctype) == CURLE_OK &&
        ctype != NULL)
        reply->json = strncasecmp(ctype, "application/json", 16) == 0 &&
                      (ctype[16] == '\0' || ctype[16] == ';');
    reply->body = h->body != NULL ? h->body : strdup("");
    reply->len = h->len;
    h->body = NULL;
    h->len = 0;
    if (reply->body == NULL)
        goto oom;
    qualify_verbose(h->o, "HTTP %ld, %zu bytes", reply->status, reply->len);
    code = QX_ELIGIBLE;
    goto out;
oom:
    code = qualify_fail(QX_INTERNAL, "out of memory");
out:
    curl_slist_free_all(hdr);
    free(url);
    return code;
}

void
qualify_reply_clear(struct qualify_reply *r)
{
    free(r->body);
    memset(r, 0, sizeof(*r));
}
