/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libelig: what myna-qualify (client) and myna-eligd (service) share of
 * the eligibility protocol (docs/eligibility-protocol.md): number formats
 * and check digits, field syntax, base64url, the refusal of My Numbers,
 * the error codes and the OQS code tables for display.  Pure code: no
 * I/O, no global state.
 */
#ifndef MYNA_ELIG_H
#define MYNA_ELIG_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#define ELIG_PROTOCOL_VERSION "1"
#define ELIG_NONCE_BYTES 32
#define ELIG_REQUEST_ID_MAX 64
#define ELIG_FILE_ID_MAX 64
#define ELIG_JWS_TYP "myna-elig+jws"
/* Limits of docs/eligibility-protocol.md §1 */
#define ELIG_BODY_MAX (64 * 1024)
#define ELIG_HEADER_MAX (8 * 1024)

/* --- checkdigit.c: qualification-domain.md §3 --------------------------- */

/*
 * The 検証番号 over the len digits of body: from the rightmost digit,
 * weights 2, 1, 2, 1, ...; two-digit products add their digits; 10 minus
 * the last digit of the sum (0 when that digit is 0).  -1 when body holds
 * a non-digit or len is 0.
 */
int elig_check_digit(const char *body, size_t len);
/* 保険者番号: 8 digits, or 6 (国保), the last the check digit (§3.1). */
bool elig_insurer_number_valid(const char *s);
/* The 8-character OQS form: 6 digits right-justified with spaces. */
void elig_insurer_number_oqs(const char *s, char out[9]);
/* 医療機関コード: 10 digits, the last the check digit (§3.2). */
bool elig_institution_code_valid(const char *s);

/* --- fields.c: syntax of the protocol's fields (§2) ---------------------- */

/* YYYYMMDD, a real Gregorian date from 1900 to 2199. */
bool elig_date_valid(const char *s);
/* YYYYMMDDHHmmss with a valid date and time. */
bool elig_datetime_valid(const char *s);
/* 1-64 of A-Z a-z 0-9 . _ - */
bool elig_request_id_valid(const char *s);
/* up to 64 printable ASCII characters */
bool elig_file_id_valid(const char *s);
/* 枝番: exactly 2 digits */
bool elig_branch_valid(const char *s);
/* 1-max digits */
bool elig_digits_valid(const char *s, size_t max);
/* today / now in Japan Standard Time (UTC+9) for a Unix time t */
void elig_jst_date(long long t, char out[9]);
void elig_jst_datetime(long long t, char out[15]);

/*
 * True when the JSON value holds, at any depth, an object member whose
 * name is one a My Number travels under (myNumber, individualNumber,
 * kojinBango, any case): such a request is refused (REF-E140) unread.
 */
bool elig_json_has_my_number(const json_t *v);

/* --- b64.c: base64url (RFC 4648 §5, no padding) and base64 (§4) -------- */

/* A new NUL-terminated string (free()), NULL when out of memory. */
char *elig_b64url_encode(const unsigned char *in, size_t len);
/*
 * Strict decoding: the url alphabet, no padding, no whitespace, no
 * non-zero trailing bits.  *out is a new buffer (free()).  1/0.
 */
int elig_b64url_decode(const char *in, size_t len, unsigned char **out,
                       size_t *outlen);
/* Standard base64 with padding (x5c, RFC 7515 §4.1.6), same rules. */
char *elig_b64_encode(const unsigned char *in, size_t len);
int elig_b64_decode(const char *in, size_t len, unsigned char **out,
                    size_t *outlen);

/* --- codes.c: error codes (§7) and OQS code tables (for display) -------- */

struct elig_error {
    const char *code;    /* "REF-E121" */
    int http;            /* 401 */
    const char *message; /* "the nonce was already used" */
};
/* The table entry for code, NULL when unknown. */
const struct elig_error *elig_error_find(const char *code);

/*
 * The Japanese label of an OQS code: table is the OQSCD number (6 for
 * 資格有効性, 7 性別, 9 本人・家族, 10 被保険者証区分, ...); NULL when
 * unknown (display the raw code then).
 */
const char *elig_code_label(int table, const char *code);

#endif
