/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * RFC 7512 "pkcs11:" URIs: parse into the attributes a PKCS#11 consumer
 * matches tokens and objects with.  Pure (no PKCS#11 calls, no I/O but
 * pin-source reading, which the caller does); fuzzed by
 * tests/fuzz/fuzz-uri.c.
 */
#ifndef MYNA_PROVIDER_URI_H
#define MYNA_PROVIDER_URI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Every string is percent-decoded and NUL-terminated, NULL when absent. */
struct myna_uri {
    /* path attributes (RFC 7512 §2.3) */
    char *token;                /* CK_TOKEN_INFO label */
    char *manufacturer;         /* CK_TOKEN_INFO manufacturerID */
    char *serial;               /* CK_TOKEN_INFO serialNumber */
    char *model;                /* CK_TOKEN_INFO model */
    char *library_manufacturer; /* CK_INFO manufacturerID */
    char *library_description;  /* CK_INFO libraryDescription */
    char *library_version;      /* "M" or "M.m" */
    char *slot_description;     /* CK_SLOT_INFO (RFC 7512 + errata) */
    char *slot_manufacturer;
    unsigned long slot_id;
    bool has_slot_id;
    char *object; /* CKA_LABEL */
    uint8_t *id;  /* CKA_ID, raw bytes */
    size_t id_len;
    bool has_id;
    /* "cert", "private", "public", "secret-key", "data"; as CKO_* value */
    unsigned long type;
    bool has_type;
    /* query attributes (§2.3) */
    char *pin_value;  /* secret: wiped by myna_uri_free */
    char *pin_source; /* "file:..." or a path */
    char *module_name;
    char *module_path;
};

/*
 * Parse s.  Returns a new struct (free with myna_uri_free) or NULL with
 * *err set to a static English message that says what is wrong (unknown
 * scheme, bad percent-encoding, unknown type, attribute given twice,
 * non-numeric slot-id, ...).  Unknown path attributes make the URI
 * invalid (§2.3: "the URI is unusable"); unknown query attributes are
 * ignored, as the RFC allows, except that "x-" vendor ones are ignored
 * silently.
 */
struct myna_uri *myna_uri_parse(const char *s, const char **err);

void myna_uri_free(struct myna_uri *u);

#endif
