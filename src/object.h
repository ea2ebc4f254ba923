/* object: the values a key can hold.
 *
 * A value is a struct robj with a type tag.  Strings keep their bytes inline
 * after the header (one allocation), which is what most cache keys are.
 * Hashes hold a dict of field -> struct rstr*.  Later types (list, set, zset)
 * add their own tags here.
 *
 * Ownership: an robj is owned by whoever holds it (the keyspace normally);
 * obj_free() releases it and all it owns.  Functions that return a new robj
 * return an owned one. */
#ifndef RC_OBJECT_H
#define RC_OBJECT_H

#include <stddef.h>
#include <stdint.h>

#include "dict.h"

enum obj_type {
    OBJ_STRING = 0,
    OBJ_HASH = 1,
};

/* A counted byte string (hash field values). */
struct rstr {
    size_t len;
    char data[]; /* len bytes, then a NUL not counted in len */
};

struct rstr *rstr_new(const void *p, size_t len); /* aborts on OOM */
void rstr_free(struct rstr *s);                   /* accepts NULL */

struct robj {
    uint8_t type;
    uint8_t pad[3];
    uint32_t lru; /* last access, seconds resolution, for OBJECT IDLETIME / eviction */
    union {
        struct {
            size_t len;
            size_t cap; /* bytes allocated after the header for data */
        } str;
        struct dict *hash; /* field -> struct rstr* */
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

/* New empty hash. */
struct robj *obj_new_hash(void);

void obj_free(struct robj *o); /* accepts NULL */
/* void* wrapper for dict val_free callbacks. */
void obj_free_void(void *o);
/* Deep copy (for RENAME is not needed: it moves; for COPY later). */
struct robj *obj_dup(const struct robj *o);
/* Approximate bytes used by the value (MEMORY USAGE, INFO used_memory). */
size_t obj_mem_usage(const struct robj *o);
/* "string", "hash" as TYPE replies. */
const char *obj_type_name(int type);

#endif
