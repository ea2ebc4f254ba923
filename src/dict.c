/* dict: chained hash table with incremental rehashing (see dict.h).
 *
 * Layout.  Two tables, ht[0] and ht[1], each an array of 2^n bucket heads.
 * Normally only ht[0] is in use.  A resize allocates ht[1] and sets
 * rehashidx = 0; from then on every find/add/delete/random moves one bucket
 * (rehash_step) from ht[0] to ht[1], and when ht[0] is empty ht[1] takes its
 * place.  While rehashing, new keys go to ht[1] and lookups probe both.
 *
 * Pausing.  A live dict_iter or a running dict_scan callback holds
 * d->pause > 0.  While paused no bucket moves and no resize starts, so the
 * caller may delete the entry it was just handed without the chain it is
 * walking being rearranged under it.  Resize checks run on the next add or
 * delete after the pause ends.
 *
 * Sizing.  Grow when the number of entries reaches the number of buckets
 * (load factor 1, as Redis).  Shrink when fewer than 10% of the buckets
 * would be used, to the smallest power of two >= the number of entries
 * (minimum 4).  Redis does its shrinking from the cron; here it is checked
 * on delete, which keeps the dict self-contained and the random-bucket
 * sampling of dict_random() efficient right after mass deletions.
 *
 * Why the hash is not stored in the entry.  The entry is next + val + klen +
 * key bytes (20 bytes + key + NUL): there is no free padding for a hash, and
 * adding 8 bytes to each of millions of keys costs more memory than it saves
 * time.  The hash is needed again only when growing (shrinking derives the new
 * bucket from the old index, see rehash()), and growth is amortised O(1) per
 * insert.  Lookups compare klen before memcmp, so a chain walk almost never
 * touches key bytes that do not match; Redis makes the same trade. */
#include "dict.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

#define DICT_MIN_SIZE     4
#define DICT_MIN_FILL_PCT 10
/* A rehash step gives up after this many empty buckets per bucket of work,
 * so a sparse table cannot make one lookup slow. */
#define DICT_EMPTY_VISITS 10

struct dict_table {
    struct dict_entry **table;
    size_t size; /* 0 (no table yet) or a power of two */
    size_t used;
};

struct dict {
    struct dict_table ht[2];
    long long rehashidx; /* -1 when not rehashing, else next ht[0] bucket to move */
    int pause;           /* live iterators + running scans */
    void (*val_free)(void *val);
    size_t key_bytes; /* sum of klen, for dict_mem_usage */
};

static inline int is_rehashing(const struct dict *d)
{
    return d->rehashidx != -1;
}

static size_t next_pow2(size_t n)
{
    size_t s = DICT_MIN_SIZE;
    while (s < n)
        s <<= 1;
    return s;
}

static void table_reset(struct dict_table *t)
{
    t->table = NULL;
    t->size = 0;
    t->used = 0;
}

struct dict *dict_create(void (*val_free)(void *val))
{
    struct dict *d = xmalloc(sizeof(*d));
    table_reset(&d->ht[0]);
    table_reset(&d->ht[1]);
    d->rehashidx = -1;
    d->pause = 0;
    d->val_free = val_free;
    d->key_bytes = 0;
    return d;
}

size_t dict_size(const struct dict *d)
{
    return d->ht[0].used + d->ht[1].used;
}

size_t dict_mem_usage(const struct dict *d)
{
    size_t n = dict_size(d);
    return sizeof(*d) + (d->ht[0].size + d->ht[1].size) * sizeof(struct dict_entry *) +
           n * (offsetof(struct dict_entry, key) + 1) + d->key_bytes;
}

/* Moves up to n buckets from ht[0] to ht[1].  Returns 1 if work remains. */
static int rehash(struct dict *d, int n)
{
    size_t empty_visits = (size_t)n * DICT_EMPTY_VISITS;
    struct dict_table *t0 = &d->ht[0], *t1 = &d->ht[1];
    if (!is_rehashing(d))
        return 0;
    /* Shrinking maps old bucket i to i & mask1 without hashing: the low bits
     * of the hash that chose bucket i are exactly i. */
    int shrinking = t1->size < t0->size;
    size_t mask1 = t1->size - 1;

    while (n-- > 0 && t0->used != 0) {
        assert((size_t)d->rehashidx < t0->size);
        while (t0->table[d->rehashidx] == NULL) {
            d->rehashidx++;
            if (--empty_visits == 0)
                return 1;
        }
        struct dict_entry *e = t0->table[d->rehashidx];
        while (e) {
            struct dict_entry *next = e->next;
            size_t idx = shrinking ? ((size_t)d->rehashidx & mask1)
                                   : (size_t)(hash_bytes(e->key, e->klen) & mask1);
            e->next = t1->table[idx];
            t1->table[idx] = e;
            t0->used--;
            t1->used++;
            e = next;
        }
        t0->table[d->rehashidx] = NULL;
        d->rehashidx++;
    }
    if (t0->used == 0) {
        free(t0->table);
        *t0 = *t1;
        table_reset(t1);
        d->rehashidx = -1;
        return 0;
    }
    return 1;
}

static inline void rehash_step(struct dict *d)
{
    if (d->pause == 0)
        rehash(d, 1);
}

int dict_rehash_steps(struct dict *d, int steps)
{
    if (d->pause != 0 || steps <= 0)
        return is_rehashing(d);
    return rehash(d, steps);
}

/* Starts a resize to the smallest power of two >= minimal (>= 4). */
static void resize_to(struct dict *d, size_t minimal)
{
    size_t size = next_pow2(minimal);
    assert(!is_rehashing(d));
    if (size == d->ht[0].size)
        return;
    struct dict_entry **table = xcalloc(size, sizeof(*table));
    if (d->ht[0].table == NULL) {
        d->ht[0].table = table;
        d->ht[0].size = size;
        return;
    }
    d->ht[1].table = table;
    d->ht[1].size = size;
    d->ht[1].used = 0;
    d->rehashidx = 0;
}

void dict_expand(struct dict *d, size_t n)
{
    if (d->pause != 0 || is_rehashing(d) || n <= d->ht[0].size)
        return;
    if (d->ht[0].used == 0 && d->ht[0].table != NULL) {
        /* Nothing to move: replace the empty table outright. */
        free(d->ht[0].table);
        d->ht[0].table = NULL;
        d->ht[0].size = 0;
    }
    resize_to(d, n);
}

static void grow_if_needed(struct dict *d)
{
    if (d->ht[0].size == 0) {
        /* The first table is allocated even while paused: there is nothing
         * in it that an iterator could be walking. */
        resize_to(d, DICT_MIN_SIZE);
        return;
    }
    if (d->pause != 0 || is_rehashing(d))
        return;
    if (d->ht[0].used >= d->ht[0].size)
        resize_to(d, d->ht[0].used + 1);
}

static void shrink_if_needed(struct dict *d)
{
    if (d->pause != 0 || is_rehashing(d))
        return;
    size_t size = d->ht[0].size;
    if (size > DICT_MIN_SIZE && d->ht[0].used * 100 < size * DICT_MIN_FILL_PCT)
        resize_to(d, d->ht[0].used);
}

static inline int key_eq(const struct dict_entry *e, const void *key, size_t klen)
{
    return e->klen == klen && memcmp(e->key, key, klen) == 0;
}

static struct dict_entry *find_hashed(struct dict *d, const void *key, size_t klen, uint64_t h)
{
    for (int t = 0; t <= 1; t++) {
        struct dict_table *tab = &d->ht[t];
        if (tab->size != 0) {
            for (struct dict_entry *e = tab->table[h & (tab->size - 1)]; e; e = e->next) {
                if (key_eq(e, key, klen))
                    return e;
            }
        }
        if (!is_rehashing(d))
            break;
    }
    return NULL;
}

struct dict_entry *dict_find(struct dict *d, const void *key, size_t klen)
{
    if (dict_size(d) == 0)
        return NULL;
    if (is_rehashing(d))
        rehash_step(d);
    return find_hashed(d, key, klen, hash_bytes(key, klen));
}

struct dict_entry *dict_add_or_find(struct dict *d, const void *key, size_t klen, int *created)
{
    assert(klen <= UINT32_MAX);
    if (is_rehashing(d))
        rehash_step(d);
    grow_if_needed(d);

    uint64_t h = hash_bytes(key, klen);
    struct dict_entry *e = find_hashed(d, key, klen, h);
    if (e) {
        *created = 0;
        return e;
    }
    /* While rehashing, new entries go to ht[1] so ht[0] only ever empties. */
    struct dict_table *tab = is_rehashing(d) ? &d->ht[1] : &d->ht[0];
    size_t idx = h & (tab->size - 1);
    e = xmalloc(offsetof(struct dict_entry, key) + klen + 1);
    e->val = NULL;
    e->klen = (uint32_t)klen;
    memcpy(e->key, key, klen);
    e->key[klen] = '\0';
    e->next = tab->table[idx];
    tab->table[idx] = e;
    tab->used++;
    d->key_bytes += klen;
    *created = 1;
    return e;
}

int dict_set(struct dict *d, const void *key, size_t klen, void *val)
{
    int created;
    struct dict_entry *e = dict_add_or_find(d, key, klen, &created);
    void *old = e->val;
    e->val = val;
    /* Set before freeing, and never free the value being stored: setting a
     * key to its own value must not leave a dangling pointer. */
    if (!created && old != val && d->val_free)
        d->val_free(old);
    return created;
}

/* Unlinks key's entry from its chain and returns it (not freed), or NULL. */
static struct dict_entry *unlink_entry(struct dict *d, const void *key, size_t klen)
{
    if (dict_size(d) == 0)
        return NULL;
    if (is_rehashing(d))
        rehash_step(d);
    uint64_t h = hash_bytes(key, klen);
    for (int t = 0; t <= 1; t++) {
        struct dict_table *tab = &d->ht[t];
        if (tab->size != 0) {
            struct dict_entry **pp = &tab->table[h & (tab->size - 1)];
            for (struct dict_entry *e = *pp; e; pp = &e->next, e = e->next) {
                if (key_eq(e, key, klen)) {
                    *pp = e->next;
                    tab->used--;
                    d->key_bytes -= klen;
                    return e;
                }
            }
        }
        if (!is_rehashing(d))
            break;
    }
    return NULL;
}

int dict_delete(struct dict *d, const void *key, size_t klen)
{
    struct dict_entry *e = unlink_entry(d, key, klen);
    if (!e)
        return 0;
    if (d->val_free)
        d->val_free(e->val);
    free(e);
    shrink_if_needed(d);
    return 1;
}

int dict_unlink(struct dict *d, const void *key, size_t klen, void **val)
{
    struct dict_entry *e = unlink_entry(d, key, klen);
    if (!e)
        return 0;
    *val = e->val;
    free(e);
    shrink_if_needed(d);
    return 1;
}

static void table_clear(struct dict *d, struct dict_table *t)
{
    for (size_t i = 0; i < t->size && t->used > 0; i++) {
        struct dict_entry *e = t->table[i];
        while (e) {
            struct dict_entry *next = e->next;
            if (d->val_free)
                d->val_free(e->val);
            free(e);
            t->used--;
            e = next;
        }
    }
    free(t->table);
    table_reset(t);
}

void dict_clear(struct dict *d)
{
    assert(d->pause == 0);
    table_clear(d, &d->ht[0]);
    table_clear(d, &d->ht[1]);
    d->rehashidx = -1;
    d->key_bytes = 0;
}

void dict_free(struct dict *d)
{
    if (!d)
        return;
    dict_clear(d);
    free(d);
}

struct dict_entry *dict_random(struct dict *d)
{
    struct dict_entry *e;
    if (dict_size(d) == 0)
        return NULL;
    if (is_rehashing(d))
        rehash_step(d);
    /* Pick a random non-empty bucket, then a random entry in its chain.  Not
     * perfectly uniform (entries in short chains are favoured) but chains
     * are short at load factor <= 1, which is what Redis accepts too. */
    if (is_rehashing(d)) {
        /* ht[0] buckets below rehashidx are empty: skip them. */
        size_t s0 = d->ht[0].size, s1 = d->ht[1].size;
        size_t lo = (size_t)d->rehashidx;
        do {
            size_t h = lo + (size_t)(rand_u64() % (s0 + s1 - lo));
            e = h >= s0 ? d->ht[1].table[h - s0] : d->ht[0].table[h];
        } while (e == NULL);
    } else {
        size_t mask = d->ht[0].size - 1;
        do {
            e = d->ht[0].table[rand_u64() & mask];
        } while (e == NULL);
    }
    size_t len = 0;
    for (struct dict_entry *p = e; p; p = p->next)
        len++;
    size_t k = (size_t)(rand_u64() % len);
    while (k-- > 0)
        e = e->next;
    return e;
}

static uint64_t rev64(uint64_t v)
{
    v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
    v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
    v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FULL) | ((v & 0x0F0F0F0F0F0F0F0FULL) << 4);
    v = ((v >> 8) & 0x00FF00FF00FF00FFULL) | ((v & 0x00FF00FF00FF00FFULL) << 8);
    v = ((v >> 16) & 0x0000FFFF0000FFFFULL) | ((v & 0x0000FFFF0000FFFFULL) << 16);
    return (v >> 32) | (v << 32);
}

/* Increments the cursor's bits above mask in reverse order: setting the bits
 * the mask does not cover makes the +1 carry straight into the highest
 * masked bit (read reversed). */
static inline uint64_t cursor_next(uint64_t v, uint64_t mask)
{
    v |= ~mask;
    v = rev64(v);
    v++;
    return rev64(v);
}

static void emit_bucket(struct dict_entry *e, dict_scan_fn fn, void *ud)
{
    while (e) {
        /* fn may delete e (rehashing is paused, so its successor stays put). */
        struct dict_entry *next = e->next;
        fn(ud, e);
        e = next;
    }
}

/* The cursor counts in bit-reversed order over the low bits of the bucket
 * index.  Because table sizes are powers of two, bucket i of a table of 2^n
 * splits into buckets i and i + 2^n of a table of 2^(n+1) (and merges back
 * when shrinking); reverse-binary order visits all those expansions next to
 * each other, so a resize between two calls neither skips a bucket already
 * due nor needs to restart.  During a rehash the smaller table's bucket and
 * every bucket of the larger table it expands to are emitted in one call. */
uint64_t dict_scan(struct dict *d, uint64_t cursor, dict_scan_fn fn, void *ud)
{
    uint64_t v = cursor;
    if (dict_size(d) == 0)
        return 0;
    d->pause++;
    if (!is_rehashing(d)) {
        struct dict_table *t0 = &d->ht[0];
        uint64_t m0 = t0->size - 1;
        emit_bucket(t0->table[v & m0], fn, ud);
        v = cursor_next(v, m0);
    } else {
        struct dict_table *t0 = &d->ht[0], *t1 = &d->ht[1];
        if (t0->size > t1->size) {
            struct dict_table *tmp = t0;
            t0 = t1;
            t1 = tmp;
        }
        uint64_t m0 = t0->size - 1, m1 = t1->size - 1;
        emit_bucket(t0->table[v & m0], fn, ud);
        do {
            emit_bucket(t1->table[v & m1], fn, ud);
            v = cursor_next(v, m1);
        } while (v & (m0 ^ m1));
    }
    d->pause--;
    return v;
}

void dict_iter_init(struct dict_iter *it, struct dict *d)
{
    it->d = d;
    it->table = 0;
    it->index = 0;
    it->entry = NULL;
    it->next_entry = NULL;
    d->pause++;
}

struct dict_entry *dict_next(struct dict_iter *it)
{
    struct dict *d = it->d;
    for (;;) {
        if (it->next_entry) {
            it->entry = it->next_entry;
            /* Saved now so that the caller may delete it->entry. */
            it->next_entry = it->entry->next;
            return it->entry;
        }
        struct dict_table *t = &d->ht[it->table];
        if (it->index >= t->size) {
            if (it->table == 0 && is_rehashing(d)) {
                it->table = 1;
                it->index = 0;
                continue;
            }
            it->entry = NULL;
            return NULL;
        }
        it->next_entry = t->table[it->index++];
    }
}

void dict_iter_release(struct dict_iter *it)
{
    if (it->d == NULL)
        return;
    assert(it->d->pause > 0);
    it->d->pause--;
    it->d = NULL;
}
