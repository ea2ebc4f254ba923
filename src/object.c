/* object: values (see object.h).
 *
 * String layout: one allocation, the struct robj header then u.str.cap bytes
 * of data.  cap counts the terminating NUL, so len < cap always holds and
 * data[len] == '\0' (C-string helpers and strtod-style parsers may read the
 * value in place).  After malloc, cap is raised to what the allocator really
 * gave (malloc_usable_size), so small APPENDs often fit for free. */
#include "object.h"

#include <assert.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

/* Growth policy of obj_string_resize, as Redis's sdsMakeRoomFor: double
 * below 1MB, then grow by 1MB at a time, so a run of APPENDs costs amortised
 * O(1) copies without wasting more than 1MB on a huge value. */
#define STR_PREALLOC_MAX (1024 * 1024)

struct rstr *rstr_new(const void *p, size_t len)
{
    struct rstr *s = xmalloc(sizeof(*s) + len + 1);
    s->len = len;
    if (len)
        memcpy(s->data, p, len);
    s->data[len] = '\0';
    return s;
}

void rstr_free(struct rstr *s)
{
    free(s);
}

static void rstr_free_void(void *p)
{
    rstr_free(p);
}

static void string_init(struct robj *o, const void *p, size_t len)
{
    o->type = OBJ_STRING;
    memset(o->pad, 0, sizeof(o->pad));
    o->lru = 0;
    o->u.str.len = len;
    o->u.str.cap = malloc_usable_size(o) - sizeof(*o);
    if (len)
        memcpy(o->data, p, len);
    o->data[len] = '\0';
}

struct robj *obj_new_string(const void *p, size_t len)
{
    if (len > SIZE_MAX - sizeof(struct robj) - 1)
        return NULL;
    struct robj *o = malloc(sizeof(*o) + len + 1);
    if (!o)
        return NULL;
    string_init(o, p, len);
    return o;
}

/* Same as obj_new_string but aborts on OOM: for values whose size the server
 * controls (numbers, copies of existing values). */
static struct robj *new_string_or_die(const void *p, size_t len)
{
    struct robj *o = xmalloc(sizeof(*o) + len + 1);
    string_init(o, p, len);
    return o;
}

struct robj *obj_new_string_ll(long long v)
{
    char buf[32];
    int n = ll_to_str(buf, sizeof(buf), v);
    return new_string_or_die(buf, (size_t)n);
}

struct robj *obj_string_resize(struct robj *o, size_t newlen)
{
    assert(o->type == OBJ_STRING);
    size_t oldlen = o->u.str.len;
    if (newlen >= o->u.str.cap) {
        if (newlen > SIZE_MAX - sizeof(*o) - 1 - STR_PREALLOC_MAX)
            return NULL;
        size_t cap = newlen + 1;
        if (cap < STR_PREALLOC_MAX)
            cap *= 2;
        else
            cap += STR_PREALLOC_MAX;
        struct robj *n = realloc(o, sizeof(*o) + cap);
        if (!n)
            return NULL; /* realloc left o untouched */
        o = n;
        o->u.str.cap = malloc_usable_size(o) - sizeof(*o);
    }
    if (newlen > oldlen)
        memset(o->data + oldlen, 0, newlen - oldlen);
    o->u.str.len = newlen;
    o->data[newlen] = '\0';
    return o;
}

struct robj *obj_new_hash(void)
{
    struct robj *o = xmalloc(sizeof(*o));
    o->type = OBJ_HASH;
    memset(o->pad, 0, sizeof(o->pad));
    o->lru = 0;
    o->u.hash = dict_create(rstr_free_void);
    return o;
}

void obj_free(struct robj *o)
{
    if (!o)
        return;
    switch (o->type) {
    case OBJ_STRING:
        break;
    case OBJ_HASH:
        dict_free(o->u.hash);
        break;
    default:
        assert(!"obj_free: unknown type");
    }
    free(o);
}

void obj_free_void(void *o)
{
    obj_free(o);
}

struct robj *obj_dup(const struct robj *o)
{
    struct robj *n;
    switch (o->type) {
    case OBJ_STRING:
        n = new_string_or_die(o->data, o->u.str.len);
        break;
    case OBJ_HASH: {
        n = obj_new_hash();
        struct dict_iter it;
        struct dict_entry *e;
        dict_iter_init(&it, o->u.hash);
        while ((e = dict_next(&it)) != NULL) {
            const struct rstr *v = e->val;
            dict_set(n->u.hash, e->key, e->klen, rstr_new(v->data, v->len));
        }
        dict_iter_release(&it);
        break;
    }
    default:
        assert(!"obj_dup: unknown type");
        return NULL;
    }
    n->lru = o->lru;
    return n;
}

/* Hashes bigger than this are measured on a sample of their fields and
 * extrapolated, as Redis's MEMORY USAGE does, so the call stays O(1)-ish. */
#define MEM_SAMPLES 64

size_t obj_mem_usage(const struct robj *o)
{
    switch (o->type) {
    case OBJ_STRING:
        return malloc_usable_size((void *)o);
    case OBJ_HASH: {
        struct dict *h = o->u.hash;
        size_t total = malloc_usable_size((void *)o) + dict_mem_usage(h);
        size_t n = dict_size(h), sampled = 0, vbytes = 0;
        struct dict_iter it;
        struct dict_entry *e;
        dict_iter_init(&it, h);
        while (sampled < MEM_SAMPLES && (e = dict_next(&it)) != NULL) {
            vbytes += malloc_usable_size(e->val);
            sampled++;
        }
        dict_iter_release(&it);
        if (sampled)
            total += (size_t)((double)vbytes / (double)sampled * (double)n);
        return total;
    }
    default:
        assert(!"obj_mem_usage: unknown type");
        return 0;
    }
}

const char *obj_type_name(int type)
{
    switch (type) {
    case OBJ_STRING:
        return "string";
    case OBJ_HASH:
        return "hash";
    default:
        return "none";
    }
}
