/* evict: maxmemory and the eviction policies (see evict.h). */
#include "evict.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aof.h"
#include "command.h"
#include "config.h"
#include "db.h"
#include "dict.h"
#include "lru.h"
#include "object.h"
#include "server_state.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/util.h"

/* How long one evict_perform() may run, as Redis's default
 * maxmemory-eviction-tenacity (10): 500 us.  Past it the command runs
 * anyway (EVICT_RUNNING) and the cron and the next commands go on. */
#define EVICT_TIME_LIMIT_US 500
/* evict_select gives up after this many sampling rounds without a
 * candidate (every sampled key pending, say), rather than loop. */
#define SELECT_MAX_ROUNDS 16
/* Keys per RAFT.EVICT entry. */
#define EVICT_BATCH 128
/* glibc's chunk header, counted by zmalloc for every block. */
#define BLOCK_OVERHEAD sizeof(size_t)

static const char *const policy_names[] = {
    [EVICT_VOLATILE_LRU] = "volatile-lru",       [EVICT_VOLATILE_LFU] = "volatile-lfu",
    [EVICT_VOLATILE_RANDOM] = "volatile-random", [EVICT_VOLATILE_TTL] = "volatile-ttl",
    [EVICT_ALLKEYS_LRU] = "allkeys-lru",         [EVICT_ALLKEYS_LFU] = "allkeys-lfu",
    [EVICT_ALLKEYS_RANDOM] = "allkeys-random",   [EVICT_NOEVICTION] = "noeviction",
};

static struct {
    int policy;
    int samples;
    struct evict_pool pool;
    long long (*memory_fn)(void);
    /* Raft leader: keys proposed for eviction whose entry is not applied
     * yet, per db: key -> (void *)(intptr_t)estimated bytes. */
    struct dict **pending;
    int npending_dbs;
    long long pending_bytes, pending_keys;
    uint64_t pending_term;
} ev = {.policy = EVICT_NOEVICTION, .samples = 5};

int evict_policy_from_name(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(policy_names); i++)
        if (strcasecmp(policy_names[i], name) == 0)
            return (int)i;
    return -1;
}

const char *evict_policy_name(int policy)
{
    if (policy < 0 || policy >= (int)ARRAY_SIZE(policy_names))
        return "noeviction";
    return policy_names[policy];
}

int evict_policy_is_lfu(int policy)
{
    return policy == EVICT_VOLATILE_LFU || policy == EVICT_ALLKEYS_LFU;
}

int evict_policy_is_lru(int policy)
{
    return policy == EVICT_VOLATILE_LRU || policy == EVICT_ALLKEYS_LRU;
}

int evict_policy_is_volatile(int policy)
{
    return policy >= EVICT_VOLATILE_LRU && policy <= EVICT_VOLATILE_TTL;
}

void evict_config_changed(void)
{
    const struct config *cfg = server.cfg;
    if (!cfg)
        return;
    int policy = cfg->maxmemory_policy ? evict_policy_from_name(cfg->maxmemory_policy) : -1;
    if (policy < 0)
        policy = EVICT_NOEVICTION;
    if (policy != ev.policy) {
        /* The pool's scores were computed for the old policy. */
        evict_pool_clear(&ev.pool);
        ev.policy = policy;
    }
    ev.samples = cfg->maxmemory_samples > 0 ? cfg->maxmemory_samples : 5;
    lru_configure(evict_policy_is_lfu(policy), cfg->lfu_log_factor, cfg->lfu_decay_time);
}

int evict_policy(void)
{
    return ev.policy;
}

void evict_set_memory_fn(long long (*fn)(void))
{
    ev.memory_fn = fn;
}

/* What counts against maxmemory: used_memory less the AOF's buffers
 * (every eviction logs a DEL: counting the log would evict for it). */
static long long memory_used(void)
{
    if (ev.memory_fn)
        return ev.memory_fn();
    return server_used_memory() - (long long)aof_buffer_bytes();
}

/* ---- the pool ---- */

void evict_pool_init(struct evict_pool *p)
{
    memset(p, 0, sizeof(*p));
}

void evict_pool_clear(struct evict_pool *p)
{
    for (int i = 0; i < EVPOOL_SIZE; i++) {
        free(p->e[i].key);
        p->e[i].key = NULL;
        p->e[i].idle = 0;
    }
}

static int same_key(const struct evict_candidate *c, int dbid, const char *key, size_t klen)
{
    return c->key && c->dbid == dbid && c->klen == klen && memcmp(c->key, key, klen) == 0;
}

int evict_pool_insert(struct evict_pool *p, uint64_t idle, int dbid, const char *key, size_t klen)
{
    struct evict_candidate *e = p->e;
    for (int i = 0; i < EVPOOL_SIZE && e[i].key; i++)
        if (same_key(&e[i], dbid, key, klen))
            return 0;
    /* The first slot that is empty or holds a candidate at least as good. */
    int k = 0;
    while (k < EVPOOL_SIZE && e[k].key && e[k].idle < idle)
        k++;
    if (k == 0 && e[EVPOOL_SIZE - 1].key != NULL)
        return 0; /* full, and worse than every candidate in it */
    if (k < EVPOOL_SIZE && e[k].key == NULL) {
        /* an empty slot: the candidates are packed on the left */
    } else if (e[EVPOOL_SIZE - 1].key == NULL) {
        /* room on the right: shift [k, end) right by one */
        memmove(&e[k + 1], &e[k], sizeof(e[0]) * (size_t)(EVPOOL_SIZE - k - 1));
    } else {
        /* full: drop the worst (leftmost), shift [1, k) left */
        k--;
        free(e[0].key);
        memmove(&e[0], &e[1], sizeof(e[0]) * (size_t)k);
    }
    e[k].idle = idle;
    e[k].dbid = dbid;
    e[k].klen = klen;
    e[k].key = xmemdup(key, klen);
    return 1;
}

/* ---- selection ---- */

/* The score of a sampled entry of `keys` or `expires` (sampled_expires). */
static uint64_t score(struct db *db, int policy, struct dict_entry *e, int sampled_expires,
                      int64_t now)
{
    if (policy == EVICT_VOLATILE_TTL)
        return UINT64_MAX - (uint64_t)(intptr_t)e->val;
    const struct robj *o;
    if (sampled_expires) {
        struct dict_entry *ke = dict_find(db->keys, e->key, e->klen);
        if (!ke)
            return 0;
        o = ke->val;
    } else {
        o = e->val;
    }
    if (evict_policy_is_lfu(policy))
        return 255 - lfu_decayed_counter(o->lru, now, lfu_decay_time());
    return lru_idle_ms(o->lru, now);
}

static void pool_populate(struct evict_pool *pool, struct db *db, int policy, int samples,
                          int64_t now, evict_skip_fn skip)
{
    int vol = evict_policy_is_volatile(policy);
    struct dict *d = vol ? db->expires : db->keys;
    size_t n = dict_size(d);
    if ((size_t)samples >= n) {
        /* A table no bigger than the sample is taken whole (Redis's
         * dictGetSomeKeys does too), rather than drawn with repetition. */
        struct dict_iter it;
        struct dict_entry *e;
        dict_iter_init(&it, d);
        while ((e = dict_next(&it)) != NULL)
            if (!skip || !skip(db->id, e->key, e->klen))
                evict_pool_insert(pool, score(db, policy, e, vol, now), db->id, e->key, e->klen);
        dict_iter_release(&it);
        return;
    }
    for (int i = 0; i < samples; i++) {
        struct dict_entry *e = dict_random(d);
        if (!e)
            break;
        if (skip && skip(db->id, e->key, e->klen))
            continue;
        evict_pool_insert(pool, score(db, policy, e, vol, now), db->id, e->key, e->klen);
    }
}

static int take(char **key, size_t *klen, int *dbid, struct evict_candidate *c)
{
    *key = c->key;
    *klen = c->klen;
    *dbid = c->dbid;
    c->key = NULL;
    c->idle = 0;
    return 1;
}

static struct db *db_by_id(struct db **dbs, int ndbs, int id)
{
    for (int i = 0; i < ndbs; i++)
        if (dbs[i]->id == id)
            return dbs[i];
    return NULL;
}

int evict_select(struct evict_pool *pool, struct db **dbs, int ndbs, int policy, int samples,
                 int64_t now, evict_skip_fn skip, int *dbid, char **key, size_t *klen)
{
    if (policy == EVICT_NOEVICTION || ndbs <= 0)
        return 0;
    int vol = evict_policy_is_volatile(policy);

    if (policy == EVICT_ALLKEYS_RANDOM || policy == EVICT_VOLATILE_RANDOM) {
        for (int round = 0; round < SELECT_MAX_ROUNDS; round++) {
            int found_keys = 0;
            for (int i = 0; i < ndbs; i++) {
                pool->next_db = (pool->next_db + 1) % ndbs;
                struct db *db = dbs[pool->next_db];
                struct dict *d = vol ? db->expires : db->keys;
                if (dict_size(d) == 0)
                    continue;
                found_keys = 1;
                struct dict_entry *e = dict_random(d);
                if (!e || (skip && skip(db->id, e->key, e->klen)))
                    continue;
                *dbid = db->id;
                *klen = e->klen;
                *key = xmemdup(e->key, e->klen);
                return 1;
            }
            if (!found_keys)
                return 0;
        }
        return 0;
    }

    for (int round = 0; round < SELECT_MAX_ROUNDS; round++) {
        size_t total = 0;
        for (int i = 0; i < ndbs; i++) {
            struct dict *d = vol ? dbs[i]->expires : dbs[i]->keys;
            if (dict_size(d) == 0)
                continue;
            total += dict_size(d);
            pool_populate(pool, dbs[i], policy, samples, now, skip);
        }
        if (total == 0)
            return 0;
        /* The best candidate that still exists (and is evictable: it may
         * have lost its TTL, or have become pending, since it was
         * sampled); those that do not are dropped on the way. */
        for (int k = EVPOOL_SIZE - 1; k >= 0; k--) {
            struct evict_candidate *c = &pool->e[k];
            if (!c->key)
                continue;
            struct db *db = db_by_id(dbs, ndbs, c->dbid);
            int live = db && dict_find(vol ? db->expires : db->keys, c->key, c->klen) != NULL &&
                       !(skip && skip(c->dbid, c->key, c->klen));
            if (live)
                return take(key, klen, dbid, c);
            free(c->key);
            c->key = NULL;
            c->idle = 0;
        }
    }
    return 0;
}

/* ---- Raft: pending evictions ---- */

static struct dict *pending_dict(int dbid, int create)
{
    if (dbid < 0)
        return NULL;
    if (dbid >= ev.npending_dbs) {
        if (!create)
            return NULL;
        int n = dbid + 1 > server.ndbs ? dbid + 1 : server.ndbs;
        ev.pending = xrealloc(ev.pending, (size_t)n * sizeof(*ev.pending));
        for (int i = ev.npending_dbs; i < n; i++)
            ev.pending[i] = NULL;
        ev.npending_dbs = n;
    }
    if (!ev.pending[dbid] && create)
        ev.pending[dbid] = dict_create(NULL);
    return ev.pending[dbid];
}

static int is_pending(int dbid, const char *key, size_t klen)
{
    struct dict *d = pending_dict(dbid, 0);
    return d && dict_size(d) && dict_find(d, key, klen) != NULL;
}

static void pending_add(int dbid, const char *key, size_t klen, long long bytes)
{
    int created;
    struct dict_entry *e = dict_add_or_find(pending_dict(dbid, 1), key, klen, &created);
    if (!created)
        return;
    e->val = (void *)(intptr_t)bytes;
    ev.pending_bytes += bytes;
    ev.pending_keys++;
}

static void pending_remove(int dbid, const char *key, size_t klen)
{
    struct dict *d = pending_dict(dbid, 0);
    if (!d || dict_size(d) == 0)
        return;
    struct dict_entry *e = dict_find(d, key, klen);
    if (!e)
        return;
    ev.pending_bytes -= (long long)(intptr_t)e->val;
    ev.pending_keys--;
    dict_delete(d, key, klen);
}

static void pending_clear(void)
{
    for (int i = 0; i < ev.npending_dbs; i++)
        if (ev.pending[i])
            dict_clear(ev.pending[i]);
    ev.pending_bytes = 0;
    ev.pending_keys = 0;
}

void evict_pending_applied(struct db *db, const char *key, size_t klen)
{
    if (ev.pending_keys > 0)
        pending_remove(db->id, key, klen);
}

long long evict_pending_bytes(void)
{
    return ev.pending_bytes;
}

long long evict_pending_keys(void)
{
    return ev.pending_keys;
}

/* What deleting key will free, roughly: the value, the key's entry in
 * `keys`, and its entry in `expires` if it has a TTL. */
static long long key_bytes(struct db *db, const char *key, size_t klen)
{
    struct dict_entry *e = dict_find(db->keys, key, klen);
    if (!e)
        return 0;
    long long entry = (long long)(sizeof(struct dict_entry) + klen + 1 + BLOCK_OVERHEAD);
    long long b = (long long)(obj_mem_usage(e->val) + BLOCK_OVERHEAD) + entry;
    if (db_get_expire(db, key, klen) >= 0)
        b += entry;
    return b;
}

/* A RAFT.EVICT entry being assembled: keys of one db. */
struct batch {
    int dbid;
    int n;
    struct resp_arg argv[EVICT_BATCH + 1];
    char *keys[EVICT_BATCH];
};

/* Proposes the batch; on failure its keys are no longer pending.  Returns
 * 0 or -1. */
static int batch_flush(struct batch *b)
{
    int rc = 0;
    if (b->n == 0)
        return 0;
    b->argv[0].ptr = "RAFT.EVICT";
    b->argv[0].len = 10;
    uint64_t index;
    if (server.raft_propose(b->dbid, b->n + 1, b->argv, &index) < 0) {
        for (int i = 0; i < b->n; i++)
            pending_remove(b->dbid, b->keys[i], b->argv[i + 1].len);
        rc = -1;
    }
    for (int i = 0; i < b->n; i++)
        free(b->keys[i]);
    b->n = 0;
    return rc;
}

/* ---- eviction ---- */

/* Deletes key here and now (no Raft): counted, signalled, logged. */
static void evict_local(struct db *db, const char *key, size_t klen)
{
    if (!db_delete(db, key, klen))
        return;
    server.stat_evictedkeys++;
    server_signal_key(db, key, klen);
    if (server.propagate) {
        struct buf b = BUF_INIT;
        struct resp_arg argv[2] = {{"DEL", 3}, {key, klen}};
        cmd_encode(&b, 2, argv);
        server.propagate(db->id, b.data, b.len);
        buf_free(&b);
    }
}

int evict_perform(void)
{
    const struct config *cfg = server.cfg;
    if (!cfg || cfg->maxmemory <= 0 || server.loading || server.raft_applying)
        return EVICT_OK;
    int raft = server.raft_leader_term != NULL;
    if (raft) {
        uint64_t term = server.raft_leader_term();
        if (term == 0) {
            /* Followers never evict: the leader's RAFT.EVICT entries do. */
            if (ev.pending_keys)
                pending_clear();
            return EVICT_OK;
        }
        if (term != ev.pending_term) {
            /* Entries of an earlier term may have been lost: whatever
             * was pending is evictable again (RAFT.EVICT of a key that
             * is gone does nothing). */
            pending_clear();
            ev.pending_term = term;
        }
    }
    long long limit = cfg->maxmemory;
    long long used = memory_used();
    if (used - ev.pending_bytes <= limit)
        return EVICT_OK;
    if (ev.policy == EVICT_NOEVICTION)
        return EVICT_FAIL;

    int64_t start = monotonic_us();
    int64_t now = server.fixed_time_ms ? server.fixed_time_ms : mstime();
    int result = EVICT_FAIL;
    long long evicted = 0;
    struct batch *b = raft ? xmalloc(sizeof(*b)) : NULL;
    if (b)
        b->n = 0;
    while (used - ev.pending_bytes > limit) {
        int dbid;
        char *key;
        size_t klen;
        if (!evict_select(&ev.pool, server.dbs, server.ndbs, ev.policy, ev.samples, now,
                          raft ? is_pending : NULL, &dbid, &key, &klen))
            break; /* nothing (more) evictable */
        struct db *db = db_by_id(server.dbs, server.ndbs, dbid);
        if (raft) {
            if (b->n > 0 && (b->dbid != dbid || b->n == EVICT_BATCH) && batch_flush(b) < 0) {
                free(key);
                break;
            }
            b->dbid = dbid;
            pending_add(dbid, key, klen, key_bytes(db, key, klen));
            b->keys[b->n] = key;
            b->argv[b->n + 1].ptr = key;
            b->argv[b->n + 1].len = klen;
            b->n++;
        } else {
            evict_local(db, key, klen);
            free(key);
            used = memory_used();
        }
        evicted++;
        if ((evicted & 15) == 0 && monotonic_us() - start > EVICT_TIME_LIMIT_US) {
            result = EVICT_RUNNING;
            break;
        }
    }
    if (b) {
        if (batch_flush(b) < 0)
            result = EVICT_FAIL;
        free(b);
    }
    if (used - ev.pending_bytes <= limit)
        result = EVICT_OK;
    return result;
}

void evict_reset(void)
{
    evict_pool_clear(&ev.pool);
    ev.pool.next_db = 0;
    for (int i = 0; i < ev.npending_dbs; i++)
        dict_free(ev.pending[i]);
    free(ev.pending);
    ev.pending = NULL;
    ev.npending_dbs = 0;
    ev.pending_bytes = ev.pending_keys = 0;
    ev.pending_term = 0;
    ev.memory_fn = NULL;
    ev.policy = EVICT_NOEVICTION;
    ev.samples = 5;
    lru_configure(0, 10, 1);
}

void evict_cron(void)
{
    evict_config_changed();
    (void)server_used_memory(); /* keeps the peak current */
    if (server.cfg && server.cfg->maxmemory > 0)
        evict_perform();
}
