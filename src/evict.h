/* evict: maxmemory, and Redis's eviction policies.
 *
 * Before a command runs (command_exec), when maxmemory is set and the heap
 * (server_used_memory) is above it, evict_perform() deletes keys chosen by
 * maxmemory-policy until it is below again.  If it cannot (noeviction, or
 * nothing is evictable: volatile-* with no key that has a TTL), commands
 * flagged CMD_DENYOOM are refused with
 *   -OOM command not allowed when used memory > 'maxmemory'.
 * while reads, DEL and the other commands that do not grow the dataset
 * keep working.
 *
 * The selection is Redis's approximation: each round samples
 * maxmemory-samples keys of every db (of `keys` for allkeys-*, of `expires`
 * for volatile-*) into a pool of the EVPOOL_SIZE best candidates seen so
 * far, kept sorted by score; the best live candidate is evicted.  The score
 * ("idle") is the idle time for LRU, 255 - the decayed counter for LFU, and
 * the inverse of the expire time for volatile-ttl; *-random pick a random
 * key, round-robin over the dbs.
 *
 * An eviction deletes the key, counts evicted_keys, signals the key
 * (server_signal_key) and logs a DEL (server.propagate: the AOF).
 *
 * With Raft (server.raft_leader_term set), only the leader evicts, and
 * not by itself: it proposes RAFT.EVICT key... and every node deletes
 * those keys when the entry is applied.  The memory those keys hold is
 * freed only then, so the leader counts it as pending (an estimate by
 * obj_mem_usage), evicts only for the overage beyond what is pending, and
 * never picks a pending key again; the pending keys are forgotten when
 * their entry is applied, or all at once when the leader's term changes
 * (docs/raft.md).  Followers never evict. */
#ifndef RC_EVICT_H
#define RC_EVICT_H

#include <stddef.h>
#include <stdint.h>

struct db;

/* The policies; the values are config.c's order of the names. */
enum evict_policy {
    EVICT_VOLATILE_LRU = 0,
    EVICT_VOLATILE_LFU = 1,
    EVICT_VOLATILE_RANDOM = 2,
    EVICT_VOLATILE_TTL = 3,
    EVICT_ALLKEYS_LRU = 4,
    EVICT_ALLKEYS_LFU = 5,
    EVICT_ALLKEYS_RANDOM = 6,
    EVICT_NOEVICTION = 7,
};

/* -1 if unknown. */
int evict_policy_from_name(const char *name);
const char *evict_policy_name(int policy);
/* The policy is one of *-lfu / *-lru / volatile-*. */
int evict_policy_is_lfu(int policy);
int evict_policy_is_lru(int policy);
int evict_policy_is_volatile(int policy);

/* Takes the configuration (maxmemory-policy, maxmemory-samples,
 * lfu-log-factor, lfu-decay-time) from server.cfg: the policy, and whether
 * robj.lru holds LRU or LFU data (lru.h).  Called at start-up, after
 * CONFIG SET, and by the cron. */
void evict_config_changed(void);
/* The current policy (enum evict_policy). */
int evict_policy(void);

enum { EVICT_OK = 0, EVICT_RUNNING = 1, EVICT_FAIL = 2 };
/* Evicts until used memory (less what pending Raft evictions will free)
 * is at most maxmemory.  EVICT_OK: under the limit (or no limit);
 * EVICT_RUNNING: keys were evicted but the time budget ran out (the cron
 * goes on; the command may run); EVICT_FAIL: over the limit and nothing
 * (more) can be evicted. */
int evict_perform(void);
/* From the server cron: evicts when over the limit (after CONFIG SET
 * maxmemory, or when EVICT_RUNNING stopped early), refreshes the config. */
void evict_cron(void);
/* The Raft leader's bookkeeping: RAFT.EVICT applies the eviction of key in
 * db (the key's pending bytes are released).  No-op elsewhere. */
void evict_pending_applied(struct db *db, const char *key, size_t klen);
/* Bytes and keys the leader has proposed to evict, not yet applied. */
long long evict_pending_bytes(void);
long long evict_pending_keys(void);
/* Forgets all state (pool, pending evictions): server_state_free. */
void evict_reset(void);
/* Tests: the memory measure evict_perform uses (NULL: server_used_memory). */
void evict_set_memory_fn(long long (*fn)(void));

/* ---- The eviction pool (exposed for tests) ---- */

#define EVPOOL_SIZE 16

struct evict_candidate {
    uint64_t idle; /* higher: better to evict */
    int dbid;
    size_t klen;
    char *key; /* owned copy; NULL: empty slot */
};

/* Sorted by idle, ascending; empty slots at the end; the best candidate is
 * the rightmost non-empty one. */
struct evict_pool {
    struct evict_candidate e[EVPOOL_SIZE];
    int next_db; /* *-random: the db to try next (round-robin) */
};

void evict_pool_init(struct evict_pool *p);
void evict_pool_clear(struct evict_pool *p);
/* Inserts a candidate (key copied) if the pool has room or it beats the
 * worst one; a key already in the pool is not added twice.  Returns 1 if
 * inserted. */
int evict_pool_insert(struct evict_pool *p, uint64_t idle, int dbid, const char *key, size_t klen);

/* Skip predicate for evict_select (pending keys): 1 to skip. */
typedef int (*evict_skip_fn)(int dbid, const char *key, size_t klen);

/* Chooses the next key to evict from dbs[0..ndbs) by policy (not
 * EVICT_NOEVICTION), sampling `samples` keys per db and round, at time now
 * (LRU idle, LFU decay).  On success returns 1 with *dbid and the key in
 * key[0..*klen) (owned by the caller: free()); 0 if nothing is evictable.
 * pool carries candidates over calls (LRU/LFU/TTL). */
int evict_select(struct evict_pool *pool, struct db **dbs, int ndbs, int policy, int samples,
                 int64_t now, evict_skip_fn skip, int *dbid, char **key, size_t *klen);

#endif
