/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ASN1_TIME (UTCTime / GeneralizedTime, RFC 5280 §4.1.2.5) to Unix
 * seconds, so that every comparison in the trust checks is between plain
 * integers and the caller's "now".
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <time.h>

#include <openssl/asn1.h>

#include "trust-int.h"

int
trust_time(const ASN1_TIME *t, long long *out)
{
    struct tm tm;

    if (t == NULL || !ASN1_TIME_to_tm(t, &tm))
        return 0;
    *out = (long long)timegm(&tm);
    return 1;
}
