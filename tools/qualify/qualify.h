/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * myna-qualify: the clinic's side of the eligibility check
 * (docs/eligibility-protocol.md, docs/myna-qualify.1).  One concern per
 * file, as curl's src/tool_*.c:
 *   main.c      options, dispatch
 *   pin.c       the PIN: --pin-fd, --pin-source, /dev/tty; format check
 *   token.c     the private OSSL_LIB_CTX with providers myna + default;
 *               certificates and keys through OSSL_STORE
 *   oerr.c      the OpenSSL error queue -> message and exit code
 *   jws.c       the protected header, payload and RS256 signature (§4)
 *   http.c      libcurl: HTTPS POST, limits, the terminal certificate;
 *               the one CURLcode translation
 *   response.c  strict parsing of what the service answers (§3, §6, §7)
 *   print.c     the result as a table
 *   card.c      the card mode (§4); insurance.c the card-data mode (§5)
 */
#ifndef MYNA_QUALIFY_H
#define MYNA_QUALIFY_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/ui.h>
#include <openssl/x509.h>

/* Exit codes (myna-qualify(1), EXIT STATUS). */
enum {
    QX_ELIGIBLE = 0,     /* answered: a valid qualification (1 or 5) */
    QX_NOT_ELIGIBLE = 1, /* answered: none valid, no record, withheld */
    QX_USAGE = 2,        /* bad option or argument (checked locally) */
    QX_PIN = 3,          /* PIN wrong, locked, on its final try, malformed */
    QX_TOKEN = 4,        /* token or card: not found, removed, error */
    QX_NETWORK = 5,      /* network, TLS, or an answer outside the protocol */
    QX_REFUSED = 6,      /* the service refused the request (REF-E1xx) */
    QX_INTERNAL = 7,
};

#define QUALIFY_DEFAULT_CERT                                                   \
    "pkcs11:token=JPKI%20User%20Authentication;id=%01;type=cert"
#define QUALIFY_DEFAULT_KEY                                                    \
    "pkcs11:token=JPKI%20User%20Authentication;id=%01;type=private"
/* Bigger than any answer of §6 (a few KiB); beyond, the answer is refused
 * unread rather than buffered. */
#define QUALIFY_RESPONSE_MAX (256 * 1024)

struct qualify_opts {
    const char *url;         /* --url https://HOST:PORT */
    const char *cacert;      /* --cacert FILE */
    const char *institution; /* --institution CODE */
    const char *date;        /* --date YYYYMMDD, NULL: today (JST) */
    const char *cert_uri;    /* --cert URI|FILE */
    const char *key_uri;     /* --key URI */
    const char *module;      /* --module PATH */
    const char *pin_source;  /* --pin-source file:PATH|env:VAR */
    const char *client_cert; /* --client-cert FILE|URI */
    const char *client_key;  /* --client-key FILE|URI */
    const char *request_id;  /* --request-id ID, NULL: a random UUID */
    const char *file_id;     /* --file-id ID (arbitraryFileIdentifier) */
    /* insurance mode (§5) */
    const char *insurer, *symbol, *number, *branch, *birthdate;
    long connect_timeout; /* seconds */
    long timeout;         /* seconds, the whole exchange */
    int pin_fd;           /* -1: none */
    bool json;
    bool verbose;
};

/* main.c: a line on stderr when --verbose. */
void qualify_verbose(const struct qualify_opts *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* "myna-qualify: ..." on stderr; returns code. */
int qualify_fail(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* --- pin.c ------------------------------------------------------------- */

struct qualify_pin {
    int fd;             /* --pin-fd, -1: none */
    const char *source; /* --pin-source, NULL: none */
    bool asked;         /* the provider asked for the PIN */
    bool malformed;     /* what was given is not 4 digits: not sent */
    bool unreadable;    /* no PIN could be read (no terminal, EOF, ...) */
};
/* An OpenSSL UI_METHOD that answers the provider's passphrase request
 * from the struct qualify_pin given as the UI's data (UI_destroy_method()
 * it); NULL when out of memory. */
UI_METHOD *qualify_pin_ui(void);
/* "file:PATH", "env:VAR" or a bare PATH: 1 when well-formed. */
bool qualify_pin_source_valid(const char *s);

/* --- token.c ----------------------------------------------------------- */

struct qualify_token;
/* Providers myna + default in a private library context; module sets the
 * provider's PKCS#11 module (NULL: its configuration or p11-kit-proxy). */
struct qualify_token *qualify_token_open(const char *module);
void qualify_token_close(struct qualify_token *t);
/* A certificate from a pkcs11: URI or a PEM/DER file; exit code. */
int qualify_token_cert(struct qualify_token *t, const char *uri, X509 **out);
/* A private key from a pkcs11: URI (login with pin) or a PEM file. */
int qualify_token_key(struct qualify_token *t, const char *uri,
                      struct qualify_pin *pin, EVP_PKEY **out);
/* The RS256 signature (RSASSA-PKCS1-v1_5, SHA-256) of data; exit code. */
int qualify_token_sign(struct qualify_token *t, EVP_PKEY *key,
                       const unsigned char *data, size_t len,
                       unsigned char **sig, size_t *siglen);

/* --- oerr.c ------------------------------------------------------------ */

/* Drain the OpenSSL error queue: print what went wrong (the provider's
 * reason and detail) after what, and return the exit code it means. */
int qualify_openssl_fail(const char *what, const struct qualify_pin *pin);

/* --- jws.c ------------------------------------------------------------- */

/* The compact JWS (RFC 7515 §7.1) of payload (a JSON text) signed by key
 * with cert in x5c (§4).  *jws is malloc'ed; exit code. */
int qualify_jws(struct qualify_token *t, X509 *cert, EVP_PKEY *key,
                const char *payload, char **jws);
/* A random (version 4) UUID, RFC 9562 §5.4. */
int qualify_uuid(char out[37]);

/* --- http.c ------------------------------------------------------------ */

struct qualify_http;
struct qualify_reply {
    long status; /* HTTP status */
    char *body;  /* NUL-terminated, malloc'ed */
    size_t len;
    bool json; /* Content-Type application/json */
};
/* Checks the URL (https only); the terminal certificate and key (already
 * loaded, may be NULL) are presented when the server asks.  NULL with a
 * message and *code set. */
struct qualify_http *qualify_http_new(const struct qualify_opts *o,
                                      X509 *client_cert, EVP_PKEY *client_key,
                                      int *code);
void qualify_http_free(struct qualify_http *h);
/* POST body to base URL + path; exit code (0 for any HTTP answer). */
int qualify_http_post(struct qualify_http *h, const char *path,
                      const char *content_type, const char *body, size_t len,
                      struct qualify_reply *reply);
void qualify_reply_clear(struct qualify_reply *r);

/* --- card.c, insurance.c, common.c --------------------------------------- */

int qualify_card(const struct qualify_opts *o);
int qualify_insurance(const struct qualify_opts *o);
/* Checks shared by both modes: institution code, date, request id. */
int qualify_check_common(const struct qualify_opts *o);
/* The terminal certificate and key (--client-cert, --client-key). */
int qualify_client_credentials(const struct qualify_opts *o,
                               struct qualify_token *t, X509 **cert,
                               EVP_PKEY **key);
/* Interpret the service's answer to a qualification request and print
 * it; the exit code (0 eligible, 1 not, 5 malformed, 6 refused). */
int qualify_answer(const struct qualify_opts *o, const char *request_id,
                   const struct qualify_reply *reply);

/* An answer other than the expected status: the service's error (§7),
 * printed; QX_REFUSED, or QX_NETWORK when it is not a protocol error. */
int qualify_refused(const struct qualify_opts *o,
                    const struct qualify_reply *reply);

/* --- print.c ----------------------------------------------------------- */

struct qualify_result;
/* The result as a table on stdout (labels in Japanese and English). */
void qualify_print_result(const struct qualify_result *r);

#endif
