/* db: keyspace with expiry (see db.h).
 *
 * Invariant: every key of `expires` is also in `keys`.  So a miss in `keys`
 * never needs the second probe, and a key created by db_set cannot have a
 * stale TTL.
 *
 * An expire time is stored in the entry's value pointer; this needs 64-bit
 * pointers (ms since the epoch do not fit in 32 bits). */
#include "db.h"

#include <malloc.h>

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "lru.h"
#include "util/util.h"

_Static_assert(sizeof(intptr_t) >= sizeof(int64_t), "expire times are stored in pointers");

/* Active expiry, as Redis's activeExpireCycle: keys sampled per round, the
 * share of expired keys in a round above which another round runs, and how
 * many buckets one round may visit looking for them (a sparse table must
 * not make a round unbounded). */
#define EXPIRE_KEYS_PER_ROUND       20
#define EXPIRE_ACCEPTABLE_STALE_PCT 25
#define EXPIRE_BUCKETS_PER_ROUND    (EXPIRE_KEYS_PER_ROUND * 20)

/* db_random_key gives up looking for a live key after this many expired
 * ones, and returns one that may be expired, as Redis does on a replica: a
 * db whose keys are all logically expired would otherwise loop forever (in
 * hide mode) or stall the loop deleting a huge db (in delete mode). */
#define RANDOM_KEY_TRIES 100

static db_expire_hook g_hook;
static void *g_hook_ud;
static int g_expire_deletes = 1;

void db_set_expire_hook(db_expire_hook fn, void *ud)
{
    g_hook = fn;
    g_hook_ud = ud;
}

void db_set_expire_policy(int deletes)
{
    g_expire_deletes = deletes != 0;
}

struct db *db_create(int id)
{
    struct db *db = xcalloc(1, sizeof(*db));
    db->id = id;
    db->keys = dict_create(obj_free_void);
    db->expires = dict_create(NULL);
    db->avg_ttl = 0;
    db->expire_cursor = 0;
    return db;
}

void db_free(struct db *db)
{
    if (!db)
        return;
    dict_free(db->expires);
    dict_free(db->keys);
    free(db);
}

size_t db_size(const struct db *db)
{
    return dict_size(db->keys);
}

size_t db_expires_size(const struct db *db)
{
    return dict_size(db->expires);
}

static inline int64_t entry_when(const struct dict_entry *e)
{
    return (int64_t)(intptr_t)e->val;
}

/* A key is expired once now reaches its expire time ("its time has come",
 * db.h).  Redis itself uses now > when for lookups, i.e. a key stays
 * readable during the millisecond it expires in; the difference is one ms. */
static inline int when_expired(int64_t when, int64_t now)
{
    return now >= when;
}

/* Returns 1 if key has a TTL that has come.  Caller knows `expires` is not
 * empty or accepts the probe. */
static int key_expired(struct db *db, const char *key, size_t klen, int64_t now)
{
    struct dict_entry *e = dict_find(db->expires, key, klen);
    return e != NULL && when_expired(entry_when(e), now);
}

/* Deletes an expired key and tells the hook.  `key` may point into the
 * dict entry being freed, so the hook gets a copy.  The hook may run inside
 * db_active_expire's dict_scan of `expires`: it may read the db but must not
 * add or delete keys. */
static void delete_expired(struct db *db, const char *key, size_t klen)
{
    char stack[128];
    char *copy = klen <= sizeof(stack) ? stack : xmalloc(klen);
    memcpy(copy, key, klen);
    dict_delete(db->expires, copy, klen);
    dict_delete(db->keys, copy, klen);
    if (g_hook)
        g_hook(g_hook_ud, db, copy, klen);
    if (copy != stack)
        free(copy);
}

/* Shared body of db_lookup / db_peek.  The caller's key outlives the
 * deletion, so no copy is needed here. */
static struct robj *lookup(struct db *db, const char *key, size_t klen, int64_t now)
{
    struct dict_entry *e = dict_find(db->keys, key, klen);
    if (!e)
        return NULL;
    if (dict_size(db->expires) != 0 && key_expired(db, key, klen, now)) {
        if (g_expire_deletes) {
            dict_delete(db->expires, key, klen);
            dict_delete(db->keys, key, klen);
            if (g_hook)
                g_hook(g_hook_ud, db, key, klen);
        }
        return NULL;
    }
    return e->val;
}

struct robj *db_lookup(struct db *db, const char *key, size_t klen, int64_t now)
{
    struct robj *o = lookup(db, key, klen, now);
    if (o)
        lru_touch(o, now);
    return o;
}

struct robj *db_peek(struct db *db, const char *key, size_t klen, int64_t now)
{
    return lookup(db, key, klen, now);
}

/* db_set's body.  stamp: give val a fresh access field (lru.h): a new key
 * starts at the LRU clock of its command, or the initial LFU counter; a
 * value that replaces another keeps the old one's LFU counter, as Redis's
 * dbOverwrite does, so a hot key rewritten often stays hot.  A value that
 * moves (RENAME) keeps its own field. */
static void set_value(struct db *db, const char *key, size_t klen, struct robj *val, int keep_ttl,
                      int stamp)
{
    int created;
    struct dict_entry *e = dict_add_or_find(db->keys, key, klen, &created);
    struct robj *old = e->val;
    if (stamp)
        val->lru = !created && old && lru_lfu_mode() ? old->lru : lru_initial();
    e->val = val;
    /* Never free the value being stored (setting a key to itself). */
    if (!created && old != val)
        obj_free(old);
    if (!created && !keep_ttl && dict_size(db->expires) != 0)
        dict_delete(db->expires, key, klen);
}

/* Whether string o's allocation can take n bytes (and is not much
 * bigger): then a SET rewrites it in place. */
static int fits_in_place(const struct robj *o, size_t n)
{
    if (o->type != OBJ_STRING)
        return 0;
    size_t cap = malloc_usable_size((void *)o) - sizeof(*o); /* counts the NUL */
    return n < cap && cap <= 2 * n + 64;
}

static void overwrite_in_place(struct db *db, const char *key, size_t klen, struct robj *o,
                               const void *p, size_t n, int keep_ttl)
{
    memcpy(o->data, p, n);
    o->data[n] = '\0';
    o->u.str.len = n;
    if (!lru_lfu_mode())
        o->lru = lru_initial();
    if (!keep_ttl && dict_size(db->expires) != 0)
        dict_delete(db->expires, key, klen);
}

int db_overwrite_string(struct db *db, const char *key, size_t klen, const void *p, size_t n,
                        int keep_ttl)
{
    struct dict_entry *e = dict_find(db->keys, key, klen);
    if (!e || !fits_in_place(e->val, n))
        return 0;
    overwrite_in_place(db, key, klen, e->val, p, n, keep_ttl);
    return 1;
}

int db_set_string(struct db *db, const char *key, size_t klen, const void *p, size_t n)
{
    int created;
    struct dict_entry *e = dict_add_or_find(db->keys, key, klen, &created);
    if (!created && fits_in_place(e->val, n)) {
        overwrite_in_place(db, key, klen, e->val, p, n, 0);
        return 0;
    }
    struct robj *nv = obj_new_string(p, n);
    if (!nv) {
        if (created)
            dict_delete(db->keys, key, klen);
        return -1;
    }
    set_value(db, key, klen, nv, 0, 1); /* finds the entry again: rare path */
    return 0;
}

void db_set(struct db *db, const char *key, size_t klen, struct robj *val, int keep_ttl)
{
    set_value(db, key, klen, val, keep_ttl, 1);
}

void db_replace_ptr(struct db *db, const char *key, size_t klen, struct robj *val)
{
    struct dict_entry *e = dict_find(db->keys, key, klen);
    assert(e != NULL);
    e->val = val;
}

int db_delete(struct db *db, const char *key, size_t klen)
{
    if (!dict_delete(db->keys, key, klen))
        return 0;
    if (dict_size(db->expires) != 0)
        dict_delete(db->expires, key, klen);
    return 1;
}

int db_rename(struct db *db, const char *src, size_t slen, const char *dst, size_t dlen)
{
    if (slen == dlen && memcmp(src, dst, slen) == 0) {
        assert(dict_find(db->keys, src, slen) != NULL);
        return 0; /* RENAME k k: nothing moves, the TTL stays */
    }
    void *val = NULL;
    int found = dict_unlink(db->keys, src, slen, &val);
    assert(found);
    (void)found;
    int64_t when = -1;
    void *w;
    if (dict_size(db->expires) != 0 && dict_unlink(db->expires, src, slen, &w))
        when = (int64_t)(intptr_t)w;
    set_value(db, dst, dlen, val, 0, 0);
    if (when != -1)
        dict_set(db->expires, dst, dlen, (void *)(intptr_t)when);
    return 0;
}

void db_set_expire(struct db *db, const char *key, size_t klen, int64_t when)
{
    assert(dict_find(db->keys, key, klen) != NULL);
    dict_set(db->expires, key, klen, (void *)(intptr_t)when);
}

int64_t db_get_expire(struct db *db, const char *key, size_t klen)
{
    if (dict_size(db->expires) == 0)
        return -1;
    struct dict_entry *e = dict_find(db->expires, key, klen);
    return e ? entry_when(e) : -1;
}

int db_persist(struct db *db, const char *key, size_t klen)
{
    return dict_delete(db->expires, key, klen);
}

size_t db_flush(struct db *db)
{
    size_t n = dict_size(db->keys);
    dict_clear(db->expires);
    dict_clear(db->keys);
    db->avg_ttl = 0;
    db->expire_cursor = 0;
    return n;
}

struct expire_round {
    struct db *db;
    int64_t now;
    int deletes;
    long long sampled, expired;
    long long ttl_sum, ttl_samples;
};

/* dict_scan callback over `expires`.  Deleting e itself is allowed by
 * dict_scan (rehashing is paused during the callback). */
static void expire_scan_cb(void *ud, struct dict_entry *e)
{
    struct expire_round *r = ud;
    int64_t when = entry_when(e);
    r->sampled++;
    if (when_expired(when, r->now)) {
        if (r->deletes) {
            delete_expired(r->db, e->key, e->klen);
            r->expired++;
        }
    } else {
        r->ttl_sum += when - r->now;
        r->ttl_samples++;
    }
}

/* Walks `expires` with dict_scan and a cursor kept in the db, rather than
 * sampling at random: successive rounds and calls sweep the whole table, so
 * every key is looked at within a bounded number of rounds. */
long long db_active_expire(struct db *db, int64_t now, int64_t budget_us)
{
    int64_t start = monotonic_us();
    long long total = 0;
    struct expire_round r;

    for (;;) {
        if (dict_size(db->expires) == 0) {
            db->avg_ttl = 0;
            break;
        }
        memset(&r, 0, sizeof(r));
        r.db = db;
        r.now = now;
        r.deletes = g_expire_deletes;
        long long want = (long long)dict_size(db->expires);
        if (want > EXPIRE_KEYS_PER_ROUND)
            want = EXPIRE_KEYS_PER_ROUND;
        for (int buckets = 0; r.sampled < want && buckets < EXPIRE_BUCKETS_PER_ROUND; buckets++)
            db->expire_cursor = dict_scan(db->expires, db->expire_cursor, expire_scan_cb, &r);
        total += r.expired;

        if (r.ttl_samples) {
            /* Running average, 2% weight for the new sample, as Redis. */
            long long avg = r.ttl_sum / r.ttl_samples;
            if (db->avg_ttl == 0)
                db->avg_ttl = avg;
            db->avg_ttl = (db->avg_ttl / 50) * 49 + avg / 50;
        }

        /* A follower deletes nothing, so the share of expired keys would
         * never drop: one round (for avg_ttl) is all it does. */
        if (!r.deletes)
            break;
        if (monotonic_us() - start >= budget_us)
            break;
        if (r.sampled != 0 && r.expired * 100 <= r.sampled * EXPIRE_ACCEPTABLE_STALE_PCT)
            break;
    }
    return total;
}

struct dict_entry *db_random_key(struct db *db, int64_t now)
{
    struct dict_entry *e = NULL;
    for (int tries = 0; tries < RANDOM_KEY_TRIES; tries++) {
        e = dict_random(db->keys);
        if (!e)
            return NULL;
        if (dict_size(db->expires) == 0 || !key_expired(db, e->key, e->klen, now))
            return e;
        if (g_expire_deletes) {
            delete_expired(db, e->key, e->klen);
            e = NULL;
        }
    }
    /* Only expired keys were found: hand one back anyway (see above). */
    return e ? e : dict_random(db->keys);
}
