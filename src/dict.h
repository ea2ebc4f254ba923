/* dict: a chained hash table of binary-safe byte-string keys.
 *
 * Keys are copied into the entry (one allocation per entry holds the key
 * bytes inline); values are opaque pointers owned by the caller unless a
 * val_free callback is given.  Hashing is SipHash with a per-process random
 * key (util.h), so a client cannot flood a bucket.
 *
 * The table grows and shrinks by powers of two with incremental rehashing,
 * as Redis's dict does: each lookup/insert/delete moves a bucket or so, so a
 * resize never stalls the event loop.
 *
 * Iteration:
 *   - dict_scan() uses Redis's reverse-binary cursor: a full scan returns
 *     every key present for the whole scan at least once, even across
 *     resizes (it may return some twice).  It is safe to modify the table
 *     between calls.
 *   - dict_next() is a plain iterator (see below for what may change while
 *     it runs).
 *   - dict_random() returns a random entry (uniform enough for RANDOMKEY,
 *     HRANDFIELD and eviction/expiry sampling), NULL if empty.
 */
#ifndef RC_DICT_H
#define RC_DICT_H

#include <stddef.h>
#include <stdint.h>

struct dict_entry {
    struct dict_entry *next;
    void *val;
    uint32_t klen;
    char key[]; /* klen bytes, then a NUL (not part of the key) */
};

struct dict;

/* val_free: called on a value when its entry is deleted or overwritten by
 * dict_set() or when the dict is freed; may be NULL. */
struct dict *dict_create(void (*val_free)(void *val));
void dict_free(struct dict *d); /* accepts NULL */
size_t dict_size(const struct dict *d);
/* Approximate bytes used by the table and its entries (not the values). */
size_t dict_mem_usage(const struct dict *d);

/* Returns the entry or NULL. */
struct dict_entry *dict_find(struct dict *d, const void *key, size_t klen);
/* Inserts key if absent and returns its entry with val NULL, *created = 1;
 * or returns the existing entry, *created = 0. */
struct dict_entry *dict_add_or_find(struct dict *d, const void *key, size_t klen, int *created);
/* Sets key to val, freeing any old value with val_free.  Returns 1 if the
 * key was created, 0 if updated. */
int dict_set(struct dict *d, const void *key, size_t klen, void *val);
/* Deletes key, freeing its value with val_free.  Returns 1 if deleted, 0 if
 * absent. */
int dict_delete(struct dict *d, const void *key, size_t klen);
/* Removes key without freeing its value; returns the value in *val (may be
 * NULL).  Returns 1 if found. */
int dict_unlink(struct dict *d, const void *key, size_t klen, void **val);
/* Removes every entry (values freed); keeps the dict usable. */
void dict_clear(struct dict *d);

struct dict_entry *dict_random(struct dict *d);

/* Sizes the table for n entries ahead of time (a loader that knows how many
 * keys are coming saves every growth step).  An empty table is replaced at
 * once; a non-empty one is rehashed incrementally.  Does nothing while an
 * iterator is live or a rehash runs, or when the table is big enough. */
void dict_expand(struct dict *d, size_t n);

/* Calls fn for every entry of the bucket(s) at cursor and returns the next
 * cursor; 0 when the scan is complete.  Start with cursor 0. */
typedef void (*dict_scan_fn)(void *ud, struct dict_entry *e);
uint64_t dict_scan(struct dict *d, uint64_t cursor, dict_scan_fn fn, void *ud);

struct dict_iter {
    struct dict *d;
    int table;
    size_t index;
    struct dict_entry *entry, *next_entry;
};
void dict_iter_init(struct dict_iter *it, struct dict *d);
/* Returns the next entry or NULL at the end.  The iterator pauses
 * incremental rehashing until dict_iter_release(), so the current entry may
 * be deleted with dict_delete() safely; inserting while iterating is not
 * allowed. */
struct dict_entry *dict_next(struct dict_iter *it);
void dict_iter_release(struct dict_iter *it);

/* Does at most `steps` buckets of pending rehash work; returns 1 if more
 * remains.  Called from the server's cron so an idle table still finishes. */
int dict_rehash_steps(struct dict *d, int steps);

#endif
