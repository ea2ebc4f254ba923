/* object: the values a key can hold.
 *
 * A value is a struct robj with a type tag.  Strings keep their bytes inline
 * after the header (one allocation), which is what most cache keys are.
 * Hashes hold a dict of field -> struct rstr*.  Lists hold a ring buffer
 * (deque) of struct rstr*: O(1) push and pop at both ends and O(1) access
 * by index.  Later types (set, zset) add their own tags here.
 *
 * Ownership: an robj is owned by whoever holds it (the keyspace normally);
 * obj_free() releases it and all it owns.  Functions that return a new robj
 * return an owned one. */
#ifndef RC_OBJECT_H
#define RC_OBJECT_H

#include <stddef.h>
#include <stdint.h>

#include "dict.h"
#include "skiplist.h"

enum obj_type {
    OBJ_STRING = 0,
    OBJ_HASH = 1,
    OBJ_LIST = 2,
    OBJ_SET = 3,
    OBJ_ZSET = 4,
};

/* A counted byte string (hash field values). */
struct rstr {
    size_t len;
    char data[]; /* len bytes, then a NUL not counted in len */
};

struct rstr *rstr_new(const void *p, size_t len); /* aborts on OOM */
void rstr_free(struct rstr *s);                   /* accepts NULL */

/* A list's elements: a ring of cap slots (cap a power of two, or 0), the
 * element of index i at v[(head + i) & (cap - 1)].  The list owns the
 * elements. */
struct rlist {
    struct rstr **v;
    size_t cap, head, len;
};

struct robj {
    uint8_t type;
    uint8_t pad[3];
    uint32_t lru; /* last access, seconds resolution, for OBJECT IDLETIME / eviction */
    /* Every member is at most a pointer wide: the header is 16 bytes, so a
     * small string (the common cache value) is one 64-byte malloc chunk. */
    union {
        struct {
            size_t len; /* the capacity is what malloc_usable_size() gives */
        } str;
        struct dict *hash;  /* field -> struct rstr* */
        struct rlist *list; /* OBJ_LIST */
        struct dict *set;   /* OBJ_SET: member -> NULL */
        struct zset *zset;  /* OBJ_ZSET (skiplist.h) */
    } u;
    char data[]; /* OBJ_STRING bytes (cap bytes, NUL-terminated at len) */
};

/* New string value holding a copy of p[0..len).  NULL on OOM (client-sized). */
struct robj *obj_new_string(const void *p, size_t len);
/* New string holding the decimal form of v. */
struct robj *obj_new_string_ll(long long v);
/* Returns the bytes of a string value. */
static inline const char *obj_str_ptr(const struct robj *o)
{
    return o->data;
}
static inline size_t obj_str_len(const struct robj *o)
{
    return o->u.str.len;
}
/* Resizes a string value to newlen bytes (zero-filling growth); returns the
 * possibly moved object, or NULL on OOM (the old one is then untouched).
 * The caller must store the returned pointer back in the keyspace. */
struct robj *obj_string_resize(struct robj *o, size_t newlen);

/* Hashes have two encodings (docs/commands.md, Hashes):
 *   table: u.hash is a dict field -> struct rstr* (obj_new_hash());
 *   small: pad[0] == HASH_ENC_SMALL, the fields and values are packed in
 *          the robj's own allocation after the header, u.str.len bytes:
 *          a u16 count, then per pair [u8 flen][field][u8 vlen][value].
 *          Used while a hash has at most HASH_SMALL_MAX_ENTRIES fields and
 *          no field or value longer than HASH_SMALL_MAX_VALUE bytes (Redis's
 *          listpack thresholds); past them it converts to a table for good.
 * The hash_* functions below work on both; those that may grow a small
 * hash return the (possibly moved) object, which the caller stores back
 * in the keyspace (db_replace_ptr), as with obj_string_resize(). */
#define HASH_ENC_SMALL         1
#define HASH_SMALL_MAX_ENTRIES 128
#define HASH_SMALL_MAX_VALUE   64

/* New empty hash, table-encoded. */
struct robj *obj_new_hash(void);
/* New empty hash, small-encoded (what HSET creates). */
struct robj *obj_new_hash_small(void);
static inline int hash_is_small(const struct robj *o)
{
    return o->pad[0] == HASH_ENC_SMALL;
}
size_t hash_len(const struct robj *o);
/* Finds field; on success points *v at the value (valid until the next
 * change of o) and returns 1. */
int hash_get(const struct robj *o, const void *f, size_t flen, const char **v, size_t *vlen);
/* Sets field to value; *created = 1 if the field is new.  Returns o,
 * possibly moved (or converted to a table). */
struct robj *hash_set(struct robj *o, const void *f, size_t flen, const void *v, size_t vlen,
                      int *created);
/* Removes field; returns 1 if it was there.  Never moves o. */
int hash_del(struct robj *o, const void *f, size_t flen);
/* Converts a small hash to a table; returns o, possibly moved. */
struct robj *hash_to_table(struct robj *o);
/* Iteration over both encodings; the pointers stay valid until the next
 * call or a change of o. */
struct hash_iter {
    const struct robj *o;
    size_t pos, left;
    struct dict_iter it;
};
void hash_iter_init(struct hash_iter *it, const struct robj *o);
int hash_iter_next(struct hash_iter *it, const char **f, size_t *flen, const char **v,
                   size_t *vlen);
void hash_iter_release(struct hash_iter *it);

/* New empty list. */
struct robj *obj_new_list(void);
static inline size_t list_len(const struct robj *o)
{
    return o->u.list->len;
}
/* The element at index i (0 <= i < len), still owned by the list. */
static inline struct rstr *list_at(const struct robj *o, size_t i)
{
    const struct rlist *l = o->u.list;
    return l->v[(l->head + i) & (l->cap - 1)];
}
/* Push s (taken over by the list) at the head or the tail. */
void list_push_head(struct robj *o, struct rstr *s);
void list_push_tail(struct robj *o, struct rstr *s);
/* Pop from the head or the tail of a non-empty list; the caller owns the
 * returned element. */
struct rstr *list_pop_head(struct robj *o);
struct rstr *list_pop_tail(struct robj *o);
/* Replaces the element at index i (0 <= i < len) by s, freeing the old. */
void list_replace(struct robj *o, size_t i, struct rstr *s);
/* Inserts s before index i (0 <= i <= len; i == len appends).  O(N). */
void list_insert(struct robj *o, size_t i, struct rstr *s);
/* Removes elements equal to p[0..n): count > 0 the first count from the
 * head, count < 0 the first -count from the tail, 0 all.  Returns how many
 * were removed.  O(N). */
size_t list_remove(struct robj *o, const void *p, size_t n, long long count);

/* New empty set (a dict of members with NULL values). */
struct robj *obj_new_set(void);
static inline size_t set_size(const struct robj *o)
{
    return dict_size(o->u.set);
}

/* New empty sorted set. */
struct robj *obj_new_zset(void);

void obj_free(struct robj *o); /* accepts NULL */
/* void* wrapper for dict val_free callbacks. */
void obj_free_void(void *o);
/* Deep copy (for RENAME is not needed: it moves; for COPY later). */
struct robj *obj_dup(const struct robj *o);
/* Approximate bytes used by the value (MEMORY USAGE, INFO used_memory). */
size_t obj_mem_usage(const struct robj *o);
/* "string", "hash", "list" as TYPE replies. */
const char *obj_type_name(int type);

#endif
