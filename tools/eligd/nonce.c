/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Nonces (docs/eligibility-protocol.md §3): a hash table of SHA-256
 * digests, chained per bucket, plus one list in issue order.  All nonces
 * live equally long, so the oldest expire first and the sweep only ever
 * looks at the head of that list.  The table holds digests, never the
 * nonces themselves, and compares them with CRYPTO_memcmp so that a
 * lookup's timing says nothing about how close a guess was.
 */
#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "nonce.h"

struct entry {
    unsigned char digest[32];
    long long expires;
    int used;
    struct entry *chain;         /* next in the bucket */
    struct entry *older, *newer; /* fresh: issue order; used: use order */
};

/* A list of entries, oldest first. */
struct list {
    struct entry *oldest, *newest;
};

struct eligd_nonces {
    pthread_mutex_t lock;
    long lifetime;
    size_t max, count, fresh, mask;
    struct entry **buckets;
    struct list fresh_list; /* issued, not used: expire in this order */
    struct list used_list;  /* tombstones, in the order they were used */
};

static void
list_unlink(struct list *l, struct entry *e)
{
    if (e->older != NULL)
        e->older->newer = e->newer;
    else
        l->oldest = e->newer;
    if (e->newer != NULL)
        e->newer->older = e->older;
    else
        l->newest = e->older;
    e->older = e->newer = NULL;
}

static void
list_append(struct list *l, struct entry *e)
{
    e->newer = NULL;
    e->older = l->newest;
    if (l->newest != NULL)
        l->newest->newer = e;
    else
        l->oldest = e;
    l->newest = e;
}

static int
digest_of(const unsigned char *nonce, size_t len, unsigned char out[32])
{
    unsigned int n = 0;

    return EVP_Digest(nonce, len, out, &n, EVP_sha256(), NULL) && n == 32;
}

static size_t
bucket_of(const struct eligd_nonces *ns, const unsigned char digest[32])
{
    uint64_t h;

    /* The digest is uniformly distributed: its first bytes are the hash. */
    memcpy(&h, digest, sizeof(h));
    return (size_t)h & ns->mask;
}

struct eligd_nonces *
eligd_nonces_new(long lifetime, size_t max)
{
    struct eligd_nonces *ns;
    size_t nb = 16;

    if (lifetime <= 0 || max == 0)
        return NULL;
    while (nb < max / 2 && nb < ((size_t)1 << 20))
        nb <<= 1;
    ns = calloc(1, sizeof(*ns));
    if (ns == NULL)
        return NULL;
    ns->buckets = calloc(nb, sizeof(*ns->buckets));
    if (ns->buckets == NULL || pthread_mutex_init(&ns->lock, NULL) != 0) {
        free(ns->buckets);
        free(ns);
        return NULL;
    }
    ns->lifetime = lifetime;
    ns->max = max;
    ns->mask = nb - 1;
    return ns;
}

void
eligd_nonces_free(struct eligd_nonces *ns)
{
    struct entry *e, *next;
    struct list *lists[2];

    if (ns == NULL)
        return;
    lists[0] = &ns->fresh_list;
    lists[1] = &ns->used_list;
    for (int i = 0; i < 2; i++)
        for (e = lists[i]->oldest; e != NULL; e = next) {
            next = e->newer;
            OPENSSL_cleanse(e, sizeof(*e));
            free(e);
        }
    free(ns->buckets);
    pthread_mutex_destroy(&ns->lock);
    free(ns);
}

/* Unlink e from its bucket and from the issue list, then free it. */
static void
drop(struct eligd_nonces *ns, struct entry *e)
{
    struct entry **pp = &ns->buckets[bucket_of(ns, e->digest)];

    while (*pp != NULL && *pp != e)
        pp = &(*pp)->chain;
    if (*pp == e)
        *pp = e->chain;
    list_unlink(e->used ? &ns->used_list : &ns->fresh_list, e);
    ns->count--;
    if (!e->used)
        ns->fresh--;
    OPENSSL_cleanse(e, sizeof(*e));
    free(e);
}

static void
sweep(struct eligd_nonces *ns, long long now)
{
    while (ns->fresh_list.oldest != NULL &&
           ns->fresh_list.oldest->expires <= now)
        drop(ns, ns->fresh_list.oldest);
    /*
     * Used nonces stay as tombstones only to tell a replay (REF-E121) from
     * a stranger (REF-E120); both are refused.  At most max are kept, the
     * first used dropped first (expired ones too), so that a busy
     * service's used nonces never crowd out fresh ones; a tombstone
     * dropped early only turns a replay's REF-E121 into REF-E120.
     */
    while (ns->used_list.oldest != NULL &&
           (ns->used_list.oldest->expires <= now ||
            ns->count - ns->fresh > ns->max))
        drop(ns, ns->used_list.oldest);
}

enum eligd_nonce_rc
eligd_nonce_issue(struct eligd_nonces *ns, long long now,
                  char text[ELIGD_NONCE_TEXT], long long *expires)
{
    unsigned char raw[ELIG_NONCE_BYTES];
    struct entry *e = NULL;
    char *b64 = NULL;
    size_t b;
    enum eligd_nonce_rc rc = ELIGD_NONCE_ERROR;

    if (RAND_bytes(raw, sizeof(raw)) != 1)
        goto out;
    b64 = elig_b64url_encode(raw, sizeof(raw));
    e = calloc(1, sizeof(*e));
    if (b64 == NULL || e == NULL || strlen(b64) != ELIGD_NONCE_TEXT - 1 ||
        !digest_of(raw, sizeof(raw), e->digest))
        goto out;
    e->expires = now + ns->lifetime;

    pthread_mutex_lock(&ns->lock);
    sweep(ns, now);
    /* The bound is on outstanding nonces: issued, not yet used. */
    if (ns->fresh >= ns->max) {
        pthread_mutex_unlock(&ns->lock);
        rc = ELIGD_NONCE_FULL;
        goto out;
    }
    b = bucket_of(ns, e->digest);
    e->chain = ns->buckets[b];
    ns->buckets[b] = e;
    list_append(&ns->fresh_list, e);
    ns->count++;
    ns->fresh++;
    pthread_mutex_unlock(&ns->lock);

    memcpy(text, b64, ELIGD_NONCE_TEXT);
    *expires = e->expires;
    e = NULL;
    rc = ELIGD_NONCE_OK;
out:
    OPENSSL_cleanse(raw, sizeof(raw));
    free(b64);
    free(e);
    return rc;
}

enum eligd_nonce_rc
eligd_nonce_consume(struct eligd_nonces *ns, long long now, const char *text)
{
    unsigned char *raw = NULL, digest[32];
    size_t len = 0;
    struct entry *e;
    enum eligd_nonce_rc rc = ELIGD_NONCE_UNKNOWN;

    if (text == NULL || strlen(text) != ELIGD_NONCE_TEXT - 1 ||
        !elig_b64url_decode(text, strlen(text), &raw, &len) ||
        len != ELIG_NONCE_BYTES)
        goto out;
    if (!digest_of(raw, len, digest)) {
        rc = ELIGD_NONCE_ERROR;
        goto out;
    }
    pthread_mutex_lock(&ns->lock);
    sweep(ns, now);
    for (e = ns->buckets[bucket_of(ns, digest)]; e != NULL; e = e->chain) {
        if (CRYPTO_memcmp(e->digest, digest, sizeof(digest)) != 0)
            continue;
        if (e->expires <= now)
            rc = ELIGD_NONCE_UNKNOWN;
        else if (e->used)
            rc = ELIGD_NONCE_USED;
        else
            rc = ELIGD_NONCE_OK;
        /* Consumed whatever the request's fate (§3): it stays as a
         * tombstone until it would have expired (or is crowded out, see
         * sweep). */
        if (!e->used) {
            list_unlink(&ns->fresh_list, e);
            list_append(&ns->used_list, e);
            ns->fresh--;
            e->used = 1;
        }
        break;
    }
    pthread_mutex_unlock(&ns->lock);
out:
    free(raw);
    return rc;
}

size_t
eligd_nonces_count(struct eligd_nonces *ns)
{
    size_t n;

    pthread_mutex_lock(&ns->lock);
    n = ns->count;
    pthread_mutex_unlock(&ns->lock);
    return n;
}
