/* db: one numbered keyspace (SELECT n): keys -> values, with expiry.
 *
 * Every key maps to an owned struct robj.  A key with a time to live is also
 * in `expires`, whose value is the absolute expire time in ms stored in the
 * pointer itself ((void *)(intptr_t)when: no allocation); that dict is what
 * the active expiry cycle samples and what INFO keyspace counts.  A lookup
 * skips the second hash probe when no key of the db has a TTL.
 *
 * Time is always passed in by the caller (`now` in ms since the epoch): the
 * db never reads the clock.  That keeps it deterministic for replay and Raft,
 * where the time of an operation is the time the leader proposed it.
 *
 * Expired keys: a lookup of a key whose time has come reports it missing.
 * Whether it is also deleted depends on db_set_expire_policy(): a Raft
 * follower must not delete on its own (the leader proposes the delete),
 * everyone else deletes lazily and tells the expire hook, which logs a DEL
 * and counts expired_keys. */
#ifndef RC_DB_H
#define RC_DB_H

#include <stddef.h>
#include <stdint.h>

#include "dict.h"
#include "object.h"

struct db {
    int id;
    struct dict *keys;    /* key -> struct robj* (owned) */
    struct dict *expires; /* key -> (void *)(intptr_t)expire_ms */
    long long avg_ttl;    /* running estimate, for INFO keyspace */
    uint64_t expire_cursor;
};

/* Called after an expired key was deleted (lazily or by the active cycle),
 * with the key still readable.  Set once at start-up. */
typedef void (*db_expire_hook)(void *ud, struct db *db, const char *key, size_t klen);
void db_set_expire_hook(db_expire_hook fn, void *ud);
/* deletes = 1 (default): expired keys are deleted when found.
 * deletes = 0: they are only hidden (Raft followers). */
void db_set_expire_policy(int deletes);

struct db *db_create(int id);
void db_free(struct db *db); /* accepts NULL */

size_t db_size(const struct db *db);
size_t db_expires_size(const struct db *db);

/* Returns the live value of key, or NULL if absent or expired (an expired
 * key is deleted per the policy).  Touches the LRU clock.  The robj stays
 * owned by the db. */
struct robj *db_lookup(struct db *db, const char *key, size_t klen, int64_t now);
/* As db_lookup but does not touch the LRU clock (TYPE, EXISTS, OBJECT). */
struct robj *db_peek(struct db *db, const char *key, size_t klen, int64_t now);

/* Sets key -> val, replacing (and freeing) any old value.  keep_ttl = 0
 * removes any TTL, as SET does.  Takes ownership of val. */
void db_set(struct db *db, const char *key, size_t klen, struct robj *val, int keep_ttl);
/* SET's fast path: when key holds a string whose allocation fits p[0..n)
 * (and is not much bigger), overwrites it in place -- no free and malloc
 * -- with db_set's effects otherwise (access field, TTL removed unless
 * keep_ttl).  Returns 0, changing nothing, when it does not apply. */
int db_overwrite_string(struct db *db, const char *key, size_t klen, const void *p, size_t n,
                        int keep_ttl);
/* SET key value without options, with one hash lookup: in place when the
 * old value fits, else a new string value.  Returns -1 on OOM (nothing
 * changed). */
int db_set_string(struct db *db, const char *key, size_t klen, const void *p, size_t n);
/* Replaces the value pointer of an existing key with val (after
 * obj_string_resize moved it), keeping its TTL; the old pointer is not freed
 * (it is the same object reallocated). */
void db_replace_ptr(struct db *db, const char *key, size_t klen, struct robj *val);
/* Deletes key (live or expired).  Returns 1 if it existed. */
int db_delete(struct db *db, const char *key, size_t klen);
/* Moves the value of src to dst in the same db, replacing dst, keeping src's
 * TTL.  src must exist.  Returns 0. */
int db_rename(struct db *db, const char *src, size_t slen, const char *dst, size_t dlen);

/* Expiry.  when is absolute ms since the epoch.  The key must exist. */
void db_set_expire(struct db *db, const char *key, size_t klen, int64_t when);
/* Returns the absolute expire time in ms, or -1 if the key has none. */
int64_t db_get_expire(struct db *db, const char *key, size_t klen);
/* Removes the TTL; returns 1 if there was one. */
int db_persist(struct db *db, const char *key, size_t klen);

/* Deletes every key; returns how many were removed. */
size_t db_flush(struct db *db);

/* One run of active expiry, as Redis's activeExpireCycle: samples keys with
 * a TTL (20 per round), deletes the expired ones, and repeats while more than
 * 25% of a sample was expired and the time budget (budget_us, measured with
 * the monotonic clock) is not spent.  Does nothing in follower mode except
 * report (no deletion).  Returns the number of keys deleted. */
long long db_active_expire(struct db *db, int64_t now, int64_t budget_us);

/* Random live key (RANDOMKEY); returns its entry or NULL if none. */
struct dict_entry *db_random_key(struct db *db, int64_t now);

#endif
