/* object: values (see object.h).
 *
 * String layout: one allocation, the 16-byte struct robj header then the
 * data.  The capacity is not stored: it is what the allocator really gave
 * (malloc_usable_size() minus the header), which counts the terminating
 * NUL, so len < capacity always holds and data[len] == '\0' (C-string
 * helpers and strtod-style parsers may read the value in place), and small
 * APPENDs often fit for free. */
#include "object.h"

_Static_assert(sizeof(struct robj) == 16, "a value header is 16 bytes (object.h)");

#include <assert.h>
#include <limits.h>
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
    if (newlen >= malloc_usable_size(o) - sizeof(*o)) {
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

struct robj *obj_new_set(void)
{
    struct robj *o = xmalloc(sizeof(*o));
    o->type = OBJ_SET;
    memset(o->pad, 0, sizeof(o->pad));
    o->lru = 0;
    o->u.set = dict_create(NULL);
    return o;
}

struct robj *obj_new_zset(void)
{
    struct robj *o = xmalloc(sizeof(*o));
    o->type = OBJ_ZSET;
    memset(o->pad, 0, sizeof(o->pad));
    o->lru = 0;
    o->u.zset = zset_new();
    return o;
}

/* ---- small hashes ---- */

static unsigned char *small_data(const struct robj *o)
{
    return (unsigned char *)o->data;
}

static size_t small_count(const struct robj *o)
{
    const unsigned char *d = small_data(o);
    return (size_t)d[0] | ((size_t)d[1] << 8);
}

static void small_set_count(struct robj *o, size_t n)
{
    unsigned char *d = small_data(o);
    d[0] = (unsigned char)(n & 0xff);
    d[1] = (unsigned char)(n >> 8);
}

struct robj *obj_new_hash_small(void)
{
    struct robj *o = xmalloc(sizeof(*o) + 2);
    o->type = OBJ_HASH;
    memset(o->pad, 0, sizeof(o->pad));
    o->pad[0] = HASH_ENC_SMALL;
    o->lru = 0;
    o->u.str.len = 2;
    small_set_count(o, 0);
    return o;
}

/* Offset of field f in the blob, or 0 if absent. */
static size_t small_find(const struct robj *o, const void *f, size_t flen)
{
    const unsigned char *d = small_data(o);
    size_t pos = 2, n = small_count(o);
    for (size_t i = 0; i < n; i++) {
        size_t fl = d[pos], vl = d[pos + 1 + fl];
        if (fl == flen && memcmp(d + pos + 1, f, flen) == 0)
            return pos;
        pos += 2 + fl + vl;
    }
    return 0;
}

size_t hash_len(const struct robj *o)
{
    return hash_is_small(o) ? small_count(o) : dict_size(o->u.hash);
}

int hash_get(const struct robj *o, const void *f, size_t flen, const char **v, size_t *vlen)
{
    if (!hash_is_small(o)) {
        struct dict_entry *e = dict_find(o->u.hash, f, flen);
        if (!e)
            return 0;
        const struct rstr *s = e->val;
        *v = s->data;
        *vlen = s->len;
        return 1;
    }
    if (flen > HASH_SMALL_MAX_VALUE)
        return 0;
    size_t pos = small_find(o, f, flen);
    if (!pos)
        return 0;
    const unsigned char *d = small_data(o);
    size_t fl = d[pos];
    *vlen = d[pos + 1 + fl];
    *v = (const char *)d + pos + 2 + fl;
    return 1;
}

struct robj *hash_to_table(struct robj *o)
{
    if (!hash_is_small(o))
        return o;
    struct dict *h = dict_create(rstr_free_void);
    dict_expand(h, small_count(o));
    struct hash_iter it;
    const char *f, *v;
    size_t fl, vl;
    hash_iter_init(&it, o);
    while (hash_iter_next(&it, &f, &fl, &v, &vl))
        dict_set(h, f, fl, rstr_new(v, vl));
    hash_iter_release(&it);
    struct robj *n = xrealloc(o, sizeof(*o)); /* give back the blob */
    n->pad[0] = 0;
    n->u.hash = h;
    return n;
}

/* Makes room for used + extra bytes of blob; returns o, possibly moved. */
static struct robj *small_reserve(struct robj *o, size_t extra)
{
    size_t need = sizeof(*o) + o->u.str.len + extra;
    if (malloc_usable_size(o) >= need)
        return o;
    return xrealloc(o, need);
}

struct robj *hash_set(struct robj *o, const void *f, size_t flen, const void *v, size_t vlen,
                      int *created)
{
    if (hash_is_small(o) && (flen > HASH_SMALL_MAX_VALUE || vlen > HASH_SMALL_MAX_VALUE))
        o = hash_to_table(o);
    if (hash_is_small(o)) {
        size_t pos = small_find(o, f, flen);
        if (pos) {
            unsigned char *d = small_data(o);
            size_t fl = d[pos], vl = d[pos + 1 + fl];
            if (vlen > vl) {
                o = small_reserve(o, vlen - vl);
                d = small_data(o);
            }
            size_t vpos = pos + 2 + fl;
            memmove(d + vpos + vlen, d + vpos + vl, o->u.str.len - vpos - vl);
            memcpy(d + vpos, v, vlen);
            d[pos + 1 + fl] = (unsigned char)vlen;
            o->u.str.len = o->u.str.len - vl + vlen;
            *created = 0;
            return o;
        }
        if (small_count(o) < HASH_SMALL_MAX_ENTRIES) {
            o = small_reserve(o, 2 + flen + vlen);
            unsigned char *d = small_data(o);
            size_t at = o->u.str.len;
            d[at] = (unsigned char)flen;
            memcpy(d + at + 1, f, flen);
            d[at + 1 + flen] = (unsigned char)vlen;
            memcpy(d + at + 2 + flen, v, vlen);
            o->u.str.len += 2 + flen + vlen;
            small_set_count(o, small_count(o) + 1);
            *created = 1;
            return o;
        }
        o = hash_to_table(o);
    }
    *created = dict_set(o->u.hash, f, flen, rstr_new(v, vlen));
    return o;
}

int hash_del(struct robj *o, const void *f, size_t flen)
{
    if (!hash_is_small(o))
        return dict_delete(o->u.hash, f, flen);
    if (flen > HASH_SMALL_MAX_VALUE)
        return 0;
    size_t pos = small_find(o, f, flen);
    if (!pos)
        return 0;
    unsigned char *d = small_data(o);
    size_t len = 2 + d[pos] + d[pos + 1 + d[pos]];
    memmove(d + pos, d + pos + len, o->u.str.len - pos - len);
    o->u.str.len -= len;
    small_set_count(o, small_count(o) - 1);
    return 1;
}

void hash_iter_init(struct hash_iter *it, const struct robj *o)
{
    it->o = o;
    it->pos = 2;
    if (hash_is_small(o))
        it->left = small_count(o);
    else
        dict_iter_init(&it->it, o->u.hash);
}

int hash_iter_next(struct hash_iter *it, const char **f, size_t *flen, const char **v, size_t *vlen)
{
    if (!hash_is_small(it->o)) {
        struct dict_entry *e = dict_next(&it->it);
        if (!e)
            return 0;
        const struct rstr *s = e->val;
        *f = e->key;
        *flen = e->klen;
        *v = s->data;
        *vlen = s->len;
        return 1;
    }
    if (it->left == 0)
        return 0;
    const unsigned char *d = small_data(it->o);
    size_t fl = d[it->pos], vl = d[it->pos + 1 + fl];
    *f = (const char *)d + it->pos + 1;
    *flen = fl;
    *v = (const char *)d + it->pos + 2 + fl;
    *vlen = vl;
    it->pos += 2 + fl + vl;
    it->left--;
    return 1;
}

void hash_iter_release(struct hash_iter *it)
{
    if (!hash_is_small(it->o))
        dict_iter_release(&it->it);
}

/* ---- lists ---- */

/* Slots of a list that is empty or shrinking are never fewer than this. */
#define LIST_MIN_CAP 8

struct robj *obj_new_list(void)
{
    struct robj *o = xmalloc(sizeof(*o));
    o->type = OBJ_LIST;
    memset(o->pad, 0, sizeof(o->pad));
    o->lru = 0;
    o->u.list = xcalloc(1, sizeof(*o->u.list));
    return o;
}

/* Moves the elements to a new ring of newcap slots (newcap >= len, a power
 * of two), index 0 at slot 0. */
static void list_realloc(struct rlist *l, size_t newcap)
{
    struct rstr **v = xmalloc(sizeof(*v) * newcap);
    for (size_t i = 0; i < l->len; i++)
        v[i] = l->v[(l->head + i) & (l->cap - 1)];
    free(l->v);
    l->v = v;
    l->cap = newcap;
    l->head = 0;
}

static void list_grow(struct rlist *l)
{
    if (l->len < l->cap)
        return;
    list_realloc(l, l->cap ? l->cap * 2 : LIST_MIN_CAP);
}

/* After a pop: a ring used at less than a quarter gives half back, so a
 * list that was long once does not keep its memory forever. */
static void list_maybe_shrink(struct rlist *l)
{
    if (l->cap > LIST_MIN_CAP && l->len < l->cap / 4)
        list_realloc(l, l->cap / 2);
}

void list_push_head(struct robj *o, struct rstr *s)
{
    struct rlist *l = o->u.list;
    list_grow(l);
    l->head = (l->head - 1) & (l->cap - 1);
    l->v[l->head] = s;
    l->len++;
}

void list_push_tail(struct robj *o, struct rstr *s)
{
    struct rlist *l = o->u.list;
    list_grow(l);
    l->v[(l->head + l->len) & (l->cap - 1)] = s;
    l->len++;
}

struct rstr *list_pop_head(struct robj *o)
{
    struct rlist *l = o->u.list;
    assert(l->len > 0);
    struct rstr *s = l->v[l->head];
    l->head = (l->head + 1) & (l->cap - 1);
    l->len--;
    list_maybe_shrink(l);
    return s;
}

struct rstr *list_pop_tail(struct robj *o)
{
    struct rlist *l = o->u.list;
    assert(l->len > 0);
    struct rstr *s = l->v[(l->head + l->len - 1) & (l->cap - 1)];
    l->len--;
    list_maybe_shrink(l);
    return s;
}

static struct rstr **list_slot(struct rlist *l, size_t i)
{
    return &l->v[(l->head + i) & (l->cap - 1)];
}

void list_replace(struct robj *o, size_t i, struct rstr *s)
{
    struct rstr **slot = list_slot(o->u.list, i);
    rstr_free(*slot);
    *slot = s;
}

void list_insert(struct robj *o, size_t i, struct rstr *s)
{
    struct rlist *l = o->u.list;
    assert(i <= l->len);
    /* Shift whichever side is shorter. */
    if (i < l->len / 2) {
        list_push_head(o, s);
        for (size_t j = 0; j < i; j++)
            *list_slot(l, j) = *list_slot(l, j + 1);
    } else {
        list_push_tail(o, s);
        for (size_t j = l->len - 1; j > i; j--)
            *list_slot(l, j) = *list_slot(l, j - 1);
    }
    *list_slot(l, i) = s;
}

static int rstr_eq(const struct rstr *s, const void *p, size_t n)
{
    return s->len == n && (n == 0 || memcmp(s->data, p, n) == 0);
}

size_t list_remove(struct robj *o, const void *p, size_t n, long long count)
{
    struct rlist *l = o->u.list;
    size_t removed = 0, len = l->len;
    unsigned long long limit = count == 0  ? ULLONG_MAX
                               : count > 0 ? (unsigned long long)count
                                           : 0ULL - (unsigned long long)count;
    if (count >= 0) {
        /* Compact towards the head; the freed slots end up at the tail. */
        size_t w = 0;
        for (size_t r = 0; r < len; r++) {
            struct rstr *s = *list_slot(l, r);
            if (removed < limit && rstr_eq(s, p, n)) {
                rstr_free(s);
                removed++;
            } else {
                *list_slot(l, w++) = s;
            }
        }
    } else {
        /* Compact towards the tail, scanning from it; the head moves on. */
        size_t w = len;
        for (size_t r = len; r-- > 0;) {
            struct rstr *s = *list_slot(l, r);
            if (removed < limit && rstr_eq(s, p, n)) {
                rstr_free(s);
                removed++;
            } else {
                *list_slot(l, --w) = s;
            }
        }
        l->head = (l->head + removed) & (l->cap - 1);
    }
    l->len -= removed;
    if (removed)
        list_maybe_shrink(l);
    return removed;
}

static void list_free_elems(struct rlist *l)
{
    for (size_t i = 0; i < l->len; i++)
        rstr_free(*list_slot(l, i));
    free(l->v);
    free(l);
}

void obj_free(struct robj *o)
{
    if (!o)
        return;
    switch (o->type) {
    case OBJ_STRING:
        break;
    case OBJ_HASH:
        if (!hash_is_small(o))
            dict_free(o->u.hash);
        break;
    case OBJ_LIST:
        list_free_elems(o->u.list);
        break;
    case OBJ_SET:
        dict_free(o->u.set);
        break;
    case OBJ_ZSET:
        zset_free(o->u.zset);
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
    case OBJ_HASH:
        if (hash_is_small(o)) {
            size_t size = sizeof(*o) + o->u.str.len;
            n = xmalloc(size);
            memcpy(n, o, size);
        } else {
            n = obj_new_hash();
            struct dict_iter it;
            struct dict_entry *e;
            dict_iter_init(&it, o->u.hash);
            while ((e = dict_next(&it)) != NULL) {
                const struct rstr *v = e->val;
                dict_set(n->u.hash, e->key, e->klen, rstr_new(v->data, v->len));
            }
            dict_iter_release(&it);
        }
        break;
    case OBJ_LIST:
        n = obj_new_list();
        for (size_t i = 0; i < list_len(o); i++) {
            const struct rstr *v = list_at(o, i);
            list_push_tail(n, rstr_new(v->data, v->len));
        }
        break;
    case OBJ_SET: {
        n = obj_new_set();
        struct dict_iter it;
        struct dict_entry *e;
        int created;
        dict_expand(n->u.set, dict_size(o->u.set));
        dict_iter_init(&it, o->u.set);
        while ((e = dict_next(&it)) != NULL)
            dict_add_or_find(n->u.set, e->key, e->klen, &created);
        dict_iter_release(&it);
        break;
    }
    case OBJ_ZSET:
        n = obj_new_zset();
        for (struct zsl_node *z = zset_first(o->u.zset); z; z = zset_next(z))
            zset_insert(n->u.zset, z->member, z->mlen, z->score);
        break;
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
        if (hash_is_small(o))
            return malloc_usable_size((void *)o);
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
    case OBJ_LIST: {
        const struct rlist *l = o->u.list;
        size_t total = malloc_usable_size((void *)o) + malloc_usable_size((void *)l) +
                       (l->v ? malloc_usable_size(l->v) : 0);
        size_t n = l->len, sampled = 0, vbytes = 0;
        /* Sampled as hashes are: the first MEM_SAMPLES elements. */
        for (size_t i = 0; i < n && sampled < MEM_SAMPLES; i++, sampled++)
            vbytes += malloc_usable_size(list_at(o, i));
        if (sampled)
            total += (size_t)((double)vbytes / (double)sampled * (double)n);
        return total;
    }
    case OBJ_SET:
        /* Members live in the dict's entries: dict_mem_usage counts them. */
        return malloc_usable_size((void *)o) + dict_mem_usage(o->u.set);
    case OBJ_ZSET:
        return malloc_usable_size((void *)o) + zset_mem_usage(o->u.zset);
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
    case OBJ_LIST:
        return "list";
    case OBJ_SET:
        return "set";
    case OBJ_ZSET:
        return "zset";
    default:
        return "none";
    }
}
