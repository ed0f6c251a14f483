/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Bounded caches keyed by a certificate's SHA-256 (trust-int.h): verified
 * chains and OCSP answers, so that the service's hot path is one RSA
 * verification of the request signature (docs/eligibility-protocol.md
 * §4 step 6) and not a chain build or a round trip to the responder.
 *
 * The entries are a ring: a new key takes the slot after the last one
 * written, evicting what was there (FIFO), so the cache never grows past
 * its capacity whatever a client sends.  A hash table of chains over the
 * ring finds keys; one mutex guards it all, held for a memcmp or two.
 *
 * Values may own references (the chain cache holds parsed certificates):
 * hold() takes one for the cache on put and one for the caller on get,
 * drop() gives the cache's back on eviction, replacement and free.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "trust-int.h"

#define NO_ENTRY SIZE_MAX

struct entry {
    unsigned char key[TRUST_KEY_LEN];
    long long expires;
    size_t next; /* next entry in the same bucket, NO_ENTRY at the end */
    int used;
};

struct trust_cache {
    pthread_mutex_t lock;
    trust_cache_fn *hold, *drop; /* see trust_cache_set_owner */
    size_t capacity, value_size, n_buckets, ring_next;
    size_t *buckets;       /* first entry of each bucket */
    struct entry *entries; /* capacity of them, the ring */
    unsigned char *values; /* capacity * value_size bytes */
};

struct trust_cache *
trust_cache_new(size_t capacity, size_t value_size)
{
    struct trust_cache *c;

    if (capacity == 0 || value_size == 0 ||
        capacity > SIZE_MAX / 2 / value_size)
        return NULL;
    c = calloc(1, sizeof(*c));
    if (c == NULL)
        return NULL;
    c->capacity = capacity;
    c->value_size = value_size;
    c->n_buckets = capacity * 2;
    c->buckets = malloc(c->n_buckets * sizeof(*c->buckets));
    c->entries = calloc(capacity, sizeof(*c->entries));
    c->values = calloc(capacity, value_size);
    if (c->buckets == NULL || c->entries == NULL || c->values == NULL ||
        pthread_mutex_init(&c->lock, NULL) != 0) {
        free(c->buckets);
        free(c->entries);
        free(c->values);
        free(c);
        return NULL;
    }
    for (size_t i = 0; i < c->n_buckets; i++)
        c->buckets[i] = NO_ENTRY;
    return c;
}

void
trust_cache_set_owner(struct trust_cache *c, trust_cache_fn *hold,
                      trust_cache_fn *drop)
{
    c->hold = hold;
    c->drop = drop;
}

void
trust_cache_free(struct trust_cache *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; c->drop != NULL && i < c->capacity; i++)
        if (c->entries[i].used)
            c->drop(c->values + i * c->value_size);
    pthread_mutex_destroy(&c->lock);
    free(c->buckets);
    free(c->entries);
    free(c->values);
    free(c);
}

/* The key is a SHA-256 already: any 8 of its bytes are a good hash. */
static size_t
bucket_of(const struct trust_cache *c, const unsigned char *key)
{
    uint64_t h;

    memcpy(&h, key, sizeof(h));
    return (size_t)(h % c->n_buckets);
}

static size_t
find(const struct trust_cache *c, const unsigned char *key)
{
    size_t i = c->buckets[bucket_of(c, key)];

    while (i != NO_ENTRY && memcmp(c->entries[i].key, key, TRUST_KEY_LEN) != 0)
        i = c->entries[i].next;
    return i;
}

static void
unlink_entry(struct trust_cache *c, size_t victim)
{
    size_t *link = &c->buckets[bucket_of(c, c->entries[victim].key)];

    while (*link != NO_ENTRY && *link != victim)
        link = &c->entries[*link].next;
    if (*link == victim)
        *link = c->entries[victim].next;
    c->entries[victim].used = 0;
    if (c->drop != NULL)
        c->drop(c->values + victim * c->value_size);
}

int
trust_cache_get(struct trust_cache *c, const unsigned char *key, long long now,
                void *value)
{
    size_t i;
    int hit = 0;

    pthread_mutex_lock(&c->lock);
    i = find(c, key);
    if (i != NO_ENTRY && now < c->entries[i].expires) {
        memcpy(value, c->values + i * c->value_size, c->value_size);
        if (c->hold != NULL) /* under the lock: no eviction in between */
            c->hold(value);
        hit = 1;
    }
    pthread_mutex_unlock(&c->lock);
    return hit;
}

void
trust_cache_put(struct trust_cache *c, const unsigned char *key,
                long long expires, const void *value)
{
    size_t i, b;

    pthread_mutex_lock(&c->lock);
    i = find(c, key);
    if (i == NO_ENTRY) {
        i = c->ring_next;
        c->ring_next = (c->ring_next + 1) % c->capacity;
        if (c->entries[i].used)
            unlink_entry(c, i);
        memcpy(c->entries[i].key, key, TRUST_KEY_LEN);
        b = bucket_of(c, key);
        c->entries[i].next = c->buckets[b];
        c->buckets[b] = i;
        c->entries[i].used = 1;
    } else if (c->drop != NULL) {
        c->drop(c->values + i * c->value_size); /* the value replaced */
    }
    if (c->hold != NULL) /* the cache's own reference */
        c->hold(value);
    c->entries[i].expires = expires;
    memcpy(c->values + i * c->value_size, value, c->value_size);
    pthread_mutex_unlock(&c->lock);
}
