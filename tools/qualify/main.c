/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * myna-qualify: confirm a patient's health-insurance eligibility with the
 * My Number Card (docs/myna-qualify.1, docs/eligibility-protocol.md).
 */
#include "config.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "qualify.h"

static const char usage[] =
    "usage: myna-qualify card --url URL --institution CODE [options]\n"
    "       myna-qualify insurance --url URL --institution CODE\n"
    "                    --insurer N [--symbol S] --number N --branch NN\n"
    "                    --birthdate YYYYMMDD --client-cert C --client-key K\n"
    "options:\n"
    "      --birthdate DATE     insurance: the patient's birth date\n"
    "      --branch NN          insurance: 枝番, 2 digits\n"
    "      --cacert FILE        CA certificates for the service (PEM)\n"
    "      --cert URI|FILE      card: the auth certificate (default: the\n"
    "                           card's, or --key's with type=cert)\n"
    "      --client-cert URI|FILE  the terminal's TLS certificate\n"
    "      --client-key URI|FILE   its key (a pkcs11: URI or a PEM file)\n"
    "      --connect-timeout S  seconds to connect (default 10)\n"
    "      --date YYYYMMDD      資格確認日 (default: today, JST)\n"
    "      --file-id ID         card: arbitraryFileIdentifier, echoed\n"
    "  -h, --help               this text\n"
    "      --institution CODE   医療機関コード (10 digits, checked)\n"
    "      --insurer N          insurance: 保険者番号 (8 or 6 digits)\n"
    "  -j, --json               print the service's result as JSON\n"
    "      --key URI            card: the auth key (default: the card's)\n"
    "      --module PATH        the PKCS#11 module for the provider\n"
    "      --number N           insurance: 番号\n"
    "      --pin-fd N           read the PIN from file descriptor N\n"
    "      --pin-source SRC     read the PIN from file:PATH or env:VAR\n"
    "      --request-id ID      requestId (default: a random UUID)\n"
    "      --symbol S           insurance: 記号 (absent when none)\n"
    "      --timeout S          seconds for each request (default 30)\n"
    "      --url URL            the service, https://HOST:PORT\n"
    "  -v, --verbose            what happens, on stderr (never the PIN)\n"
    "  -V, --version            the version\n"
    "Without --pin-fd or --pin-source the PIN is asked on the terminal.\n"
    "exit status: 0 eligible, 1 not eligible or no record, 2 usage,\n"
    "3 PIN wrong/locked/refused, 4 card or token, 5 network or TLS,\n"
    "6 refused by the service, 7 internal error\n";

enum {
    OPT_BIRTHDATE = 256,
    OPT_BRANCH,
    OPT_CACERT,
    OPT_CERT,
    OPT_CLIENT_CERT,
    OPT_CLIENT_KEY,
    OPT_CONNECT_TIMEOUT,
    OPT_DATE,
    OPT_FILE_ID,
    OPT_INSTITUTION,
    OPT_INSURER,
    OPT_KEY,
    OPT_MODULE,
    OPT_NUMBER,
    OPT_PIN_FD,
    OPT_PIN_SOURCE,
    OPT_REQUEST_ID,
    OPT_SYMBOL,
    OPT_TIMEOUT,
    OPT_URL,
};

/* Sorted by long name. */
static const struct option options[] = {
    { "birthdate", required_argument, NULL, OPT_BIRTHDATE },
    { "branch", required_argument, NULL, OPT_BRANCH },
    { "cacert", required_argument, NULL, OPT_CACERT },
    { "cert", required_argument, NULL, OPT_CERT },
    { "client-cert", required_argument, NULL, OPT_CLIENT_CERT },
    { "client-key", required_argument, NULL, OPT_CLIENT_KEY },
    { "connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT },
    { "date", required_argument, NULL, OPT_DATE },
    { "file-id", required_argument, NULL, OPT_FILE_ID },
    { "help", no_argument, NULL, 'h' },
    { "institution", required_argument, NULL, OPT_INSTITUTION },
    { "insurer", required_argument, NULL, OPT_INSURER },
    { "json", no_argument, NULL, 'j' },
    { "key", required_argument, NULL, OPT_KEY },
    { "module", required_argument, NULL, OPT_MODULE },
    { "number", required_argument, NULL, OPT_NUMBER },
    { "pin-fd", required_argument, NULL, OPT_PIN_FD },
    { "pin-source", required_argument, NULL, OPT_PIN_SOURCE },
    { "request-id", required_argument, NULL, OPT_REQUEST_ID },
    { "symbol", required_argument, NULL, OPT_SYMBOL },
    { "timeout", required_argument, NULL, OPT_TIMEOUT },
    { "url", required_argument, NULL, OPT_URL },
    { "verbose", no_argument, NULL, 'v' },
    { "version", no_argument, NULL, 'V' },
    { NULL, 0, NULL, 0 },
};

void
qualify_verbose(const struct qualify_opts *o, const char *fmt, ...)
{
    va_list ap;

    if (!o->verbose)
        return;
    va_start(ap, fmt);
    fputs("myna-qualify: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int
qualify_fail(int code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    fputs("myna-qualify: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return code;
}

static int
parse_long(const char *s, long min, long max, long *out)
{
    char *end;
    long v = strtol(s, &end, 10);

    if (*s == '\0' || *end != '\0' || v < min || v > max)
        return 0;
    *out = v;
    return 1;
}

static int
parse_options(int argc, char **argv, struct qualify_opts *o)
{
    long v;
    int c;

    while ((c = getopt_long(argc, argv, "hjvV", options, NULL)) != -1) {
        switch (c) {
        case OPT_BIRTHDATE:
            o->birthdate = optarg;
            break;
        case OPT_BRANCH:
            o->branch = optarg;
            break;
        case OPT_CACERT:
            o->cacert = optarg;
            break;
        case OPT_CERT:
            o->cert_uri = optarg;
            break;
        case OPT_CLIENT_CERT:
            o->client_cert = optarg;
            break;
        case OPT_CLIENT_KEY:
            o->client_key = optarg;
            break;
        case OPT_CONNECT_TIMEOUT:
            if (!parse_long(optarg, 1, 600, &o->connect_timeout))
                return qualify_fail(QX_USAGE, "--connect-timeout: 1-600");
            break;
        case OPT_DATE:
            o->date = optarg;
            break;
        case OPT_FILE_ID:
            o->file_id = optarg;
            break;
        case 'h':
            fputs(usage, stdout);
            exit(0);
        case OPT_INSTITUTION:
            o->institution = optarg;
            break;
        case OPT_INSURER:
            o->insurer = optarg;
            break;
        case 'j':
            o->json = true;
            break;
        case OPT_KEY:
            o->key_uri = optarg;
            break;
        case OPT_MODULE:
            o->module = optarg;
            break;
        case OPT_NUMBER:
            o->number = optarg;
            break;
        case OPT_PIN_FD:
            if (!parse_long(optarg, 0, 1024, &v))
                return qualify_fail(QX_USAGE, "--pin-fd: not a descriptor");
            o->pin_fd = (int)v;
            break;
        case OPT_PIN_SOURCE:
            if (!qualify_pin_source_valid(optarg))
                return qualify_fail(QX_USAGE,
                                    "--pin-source: file:PATH or env:VAR");
            o->pin_source = optarg;
            break;
        case OPT_REQUEST_ID:
            o->request_id = optarg;
            break;
        case OPT_SYMBOL:
            o->symbol = optarg;
            break;
        case OPT_TIMEOUT:
            if (!parse_long(optarg, 1, 3600, &o->timeout))
                return qualify_fail(QX_USAGE, "--timeout: 1-3600");
            break;
        case OPT_URL:
            o->url = optarg;
            break;
        case 'v':
            o->verbose = true;
            break;
        case 'V':
            printf("myna-qualify %s (%s)\n", PACKAGE_VERSION, curl_version());
            exit(0);
        default:
            fputs(usage, stderr);
            return QX_USAGE;
        }
    }
    if (o->pin_fd >= 0 && o->pin_source != NULL)
        return qualify_fail(QX_USAGE, "--pin-fd or --pin-source, not both");
    return QX_ELIGIBLE;
}

int
main(int argc, char **argv)
{
    struct qualify_opts o = {
        .pin_fd = -1,
        .connect_timeout = 10,
        .timeout = 30,
    };
    const char *cmd;
    int rc;

    if ((rc = parse_options(argc, argv, &o)) != QX_ELIGIBLE)
        return rc;
    if (optind + 1 != argc) {
        fputs(usage, stderr);
        return QX_USAGE;
    }
    cmd = argv[optind];
    if (strcmp(cmd, "card") != 0 && strcmp(cmd, "insurance") != 0) {
        fputs(usage, stderr);
        return QX_USAGE;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return qualify_fail(QX_INTERNAL, "cannot initialise libcurl");
    rc = strcmp(cmd, "card") == 0 ? qualify_card(&o) : qualify_insurance(&o);
    curl_global_cleanup();
    return rc;
}
