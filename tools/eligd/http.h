/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * HTTPS in front of service.c (docs/eligibility-protocol.md §1):
 * libmicrohttpd with GnuTLS, a pool of worker threads, each with its own
 * store handle (store.h), TLS 1.2/1.3 only, optional terminal client
 * certificates verified against --client-ca, and the limits of §1.
 */
#ifndef MYNA_ELIGD_HTTP_H
#define MYNA_ELIGD_HTTP_H

#include "service.h"

struct eligd_http_config {
    const char *listen;         /* "ADDR:PORT", "[ADDR]:PORT"; port 0: any */
    const char *cert_file;      /* server certificate (chain), PEM */
    const char *key_file;       /* its key, PEM */
    const char *client_ca_file; /* CA(s) of terminal certificates, or NULL */
    const char *db;             /* the store each worker opens */
    unsigned threads;           /* worker threads */
    unsigned max_connections;
    unsigned per_ip_connections;
    unsigned timeout; /* seconds of silence before a cut */
};

struct eligd_http;

/* Listening once it returns; *port gets the bound port.  NULL with a
 * message on stderr. */
struct eligd_http *eligd_http_start(const struct eligd_http_config *cfg,
                                    struct eligd_service *svc,
                                    unsigned short *port);
/* Stop accepting, finish the requests in flight, close every store. */
void eligd_http_stop(struct eligd_http *h);

#endif
