/* commands/set: the set family (SADD, SREM, SMEMBERS, SPOP, SINTER, ...).
 *
 * A set value is an OBJ_SET robj: a dict whose keys are the members (values
 * unused).  Semantics, replies and error texts are Redis 7's (t_set.c).  A
 * set never exists empty: removing its last member deletes the key, and a
 * STORE whose result is empty deletes the destination.
 *
 * Write path (command.h): SADD, SREM, SMOVE and the STORE forms are
 * deterministic as sent and are logged as sent.  SPOP is not: it is logged
 * as the SREM of the members it actually removed (or a DEL when it took
 * them all).  With Raft the SPOP entry itself is applied on every node,
 * whose dicts may differ in layout (rehash state, insertion order after a
 * restart), so while an entry is applied (server.raft_applying) SPOP picks
 * the members with the smallest keyed hash of (entry index, member): a
 * choice that depends only on the set's content and the log position, at
 * O(N log count) per SPOP instead of O(count).  SRANDMEMBER is a read: it runs on the
 * node that serves it. */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "command.h"
#include "db.h"
#include "dict.h"
#include "object.h"
#include "reply.h"
#include "server_state.h"
#include "util/util.h"

/* A reply bigger than this from SRANDMEMBER with a huge negative count can
 * only exhaust the server's memory: the client is closed instead (as with
 * HRANDFIELD). */
#define SRANDMEMBER_MAX_REPLY (1024LL * 1024 * 1024)

/* ---- helpers ---- */

/* Looks key up for a read; *out is NULL when missing.  Returns -1 (and
 * replies WRONGTYPE) when the key holds another type. */
static int get_set(struct client *c, const struct resp_arg *key, int write, struct robj **out)
{
    struct robj *o = write ? cmd_lookup_write(c, key) : cmd_lookup_read(c, key);
    if (o && o->type != OBJ_SET) {
        reply_error_wrongtype(c);
        return -1;
    }
    *out = o;
    return 0;
}

static int set_add(struct robj *o, const void *p, size_t n)
{
    int created;
    dict_add_or_find(o->u.set, p, n, &created);
    return created;
}

static int set_has(struct robj *o, const void *p, size_t n)
{
    return dict_find(o->u.set, p, n) != NULL;
}

static void delete_if_empty(struct client *c, const struct resp_arg *key, struct robj *o)
{
    if (set_size(o) == 0)
        db_delete(c->db, key->ptr, key->len);
}

/* The entries of a set, in dict order, in an owned array of *n. */
static struct dict_entry **set_entries(struct robj *o, size_t *n)
{
    size_t cap = set_size(o);
    struct dict_entry **v = xmalloc(sizeof(*v) * (cap ? cap : 1));
    struct dict_iter it;
    struct dict_entry *e;
    size_t i = 0;
    dict_iter_init(&it, o->u.set);
    while ((e = dict_next(&it)) != NULL)
        v[i++] = e;
    dict_iter_release(&it);
    *n = i;
    return v;
}

/* A hash of (seed, member) that is the same on every node and every run
 * (not the dict's per-process SipHash key): FNV-1a over the bytes, started
 * from the seed, then a 64-bit finalizer (splitmix64) to spread it. */
static uint64_t det_hash(uint64_t seed, const char *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL ^ (seed * 0x9e3779b97f4a7c15ULL);
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)p[i];
        h *= 0x100000001b3ULL;
    }
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebULL;
    h ^= h >> 31;
    return h;
}

struct ranked {
    uint64_t h;
    struct dict_entry *e;
};

static int ranked_cmp(const void *a, const void *b)
{
    const struct ranked *x = a, *y = b;
    if (x->h != y->h)
        return x->h < y->h ? -1 : 1;
    /* Equal hashes (rare): order by the member bytes, still content-only. */
    size_t n = x->e->klen < y->e->klen ? x->e->klen : y->e->klen;
    int r = memcmp(x->e->key, y->e->key, n);
    if (r)
        return r;
    return x->e->klen < y->e->klen ? -1 : x->e->klen > y->e->klen;
}

/* A max-heap of ranked members on ranked_cmp (the root is the greatest). */
static void heap_down(struct ranked *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && ranked_cmp(&h[m], &h[l]) < 0)
            m = l;
        if (r < n && ranked_cmp(&h[m], &h[r]) < 0)
            m = r;
        if (m == i)
            return;
        struct ranked t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

static void heap_up(struct ranked *h, size_t i)
{
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (ranked_cmp(&h[p], &h[i]) >= 0)
            return;
        struct ranked t = h[i];
        h[i] = h[p];
        h[p] = t;
        i = p;
    }
}

/* Chooses k (< size) distinct members into out[0..k).  Deterministic from
 * the content and seed when det is set; otherwise random. */
static void choose_members(struct robj *o, size_t k, int det, uint64_t seed,
                           struct dict_entry **out)
{
    size_t size = set_size(o);
    if (det) {
        /* The k lowest (hash, bytes) in ascending order: a max-heap of the
         * k lowest so far, O(N log k) time and O(k) memory. */
        struct ranked *h = xmalloc(sizeof(*h) * k);
        size_t n = 0;
        struct dict_iter it;
        struct dict_entry *e;
        dict_iter_init(&it, o->u.set);
        while ((e = dict_next(&it)) != NULL) {
            struct ranked r = {det_hash(seed, e->key, e->klen), e};
            if (n < k) {
                h[n] = r;
                heap_up(h, n++);
            } else if (ranked_cmp(&r, &h[0]) < 0) {
                h[0] = r;
                heap_down(h, n, 0);
            }
        }
        dict_iter_release(&it);
        /* Heap sort: the greatest goes to the end each round. */
        for (size_t m = n; m > 1; m--) {
            struct ranked t = h[0];
            h[0] = h[m - 1];
            h[m - 1] = t;
            heap_down(h, m - 1, 0);
        }
        for (size_t i = 0; i < k; i++)
            out[i] = h[i].e;
        free(h);
        return;
    }
    if (k * 4 < size) {
        /* Few of many: sample at random, skipping repeats. */
        struct dict *seen = dict_create(NULL);
        size_t got = 0;
        while (got < k) {
            struct dict_entry *e = dict_random(o->u.set);
            int created;
            dict_add_or_find(seen, e->key, e->klen, &created);
            if (created)
                out[got++] = e;
        }
        dict_free(seen);
        return;
    }
    /* Many of the set: a partial Fisher-Yates shuffle of all of them. */
    size_t n;
    struct dict_entry **all = set_entries(o, &n);
    for (size_t i = 0; i < k; i++) {
        size_t j = i + (size_t)(rand_u64() % (n - i));
        struct dict_entry *t = all[i];
        all[i] = all[j];
        all[j] = t;
        out[i] = all[i];
    }
    free(all);
}

static void reply_entry(struct client *c, struct dict_entry *e)
{
    reply_bulk(c, e->key, e->klen);
}

/* Parses a count that must be >= 0 (SPOP): Redis 7 gives one error text
 * for a negative count and for one that is not a number. */
static int parse_positive(struct client *c, const struct resp_arg *a, long long *out)
{
    if (str_to_ll(a->ptr, a->len, out) != 0 || *out < 0) {
        reply_error(c, "ERR value is out of range, must be positive");
        return -1;
    }
    return 0;
}

/* ---- SADD, SREM, SCARD, SISMEMBER, SMISMEMBER, SMEMBERS ---- */

static void sadd_cmd(struct client *c)
{
    struct robj *o;
    if (get_set(c, &c->argv[1], 1, &o) < 0)
        return;
    if (!o) {
        o = obj_new_set();
        db_set(c->db, c->argv[1].ptr, c->argv[1].len, o, 0);
    }
    int added = 0;
    for (int i = 2; i < c->argc; i++)
        added += set_add(o, c->argv[i].ptr, c->argv[i].len);
    if (added)
        cmd_dirty(c, added);
    reply_int(c, added);
}

static void srem_cmd(struct client *c)
{
    struct robj *o;
    if (get_set(c, &c->argv[1], 1, &o) < 0)
        return;
    int removed = 0;
    for (int i = 2; o && i < c->argc; i++) {
        removed += dict_delete(o->u.set, c->argv[i].ptr, c->argv[i].len);
        if (set_size(o) == 0)
            break;
    }
    if (removed) {
        delete_if_empty(c, &c->argv[1], o);
        cmd_dirty(c, removed);
    }
    reply_int(c, removed);
}

static void scard_cmd(struct client *c)
{
    struct robj *o;
    if (get_set(c, &c->argv[1], 0, &o) < 0)
        return;
    reply_int(c, o ? (long long)set_size(o) : 0);
}

static void sismember_cmd(struct client *c)
{
    struct robj *o;
    if (get_set(c, &c->argv[1], 0, &o) < 0)
        return;
    reply_int(c, o && set_has(o, c->argv[2].ptr, c->argv[2].len));
}

static void smismember_cmd(struct client *c)
{
    struct robj *o;
    if (get_set(c, &c->argv[1], 0, &o) < 0)
        return;
    reply_array(c, c->argc - 2);
    for (int i = 2; i < c->argc; i++)
        reply_int(c, o && set_has(o, c->argv[i].ptr, c->argv[i].len));
}

static void smembers_cmd(struct client *c)
{
    struct robj *o;
    if (get_set(c, &c->argv[1], 0, &o) < 0)
        return;
    if (!o) {
        reply_set(c, 0);
        return;
    }
    reply_set(c, (long long)set_size(o));
    struct dict_iter it;
    struct dict_entry *e;
    dict_iter_init(&it, o->u.set);
    while ((e = dict_next(&it)) != NULL)
        reply_entry(c, e);
    dict_iter_release(&it);
}

/* ---- SPOP, SRANDMEMBER ---- */

/* Replies with and removes the chosen members, logging SREM key members. */
static void pop_members(struct client *c, struct robj *o, struct dict_entry **v, size_t k,
                        int single)
{
    const struct resp_arg *key = &c->argv[1];
    if (single)
        reply_entry(c, v[0]);
    else {
        reply_set(c, (long long)k);
        for (size_t i = 0; i < k; i++)
            reply_entry(c, v[i]);
    }
    struct resp_arg *argv = xmalloc(sizeof(*argv) * (k + 2));
    argv[0] = (struct resp_arg){"SREM", 4};
    argv[1] = *key;
    for (size_t i = 0; i < k; i++)
        argv[i + 2] = (struct resp_arg){v[i]->key, v[i]->klen};
    cmd_propagate(c, (int)k + 2, argv); /* encoded now: the entries may go */
    free(argv);
    /* Copy each member out of its entry before deleting by it. */
    for (size_t i = 0; i < k; i++) {
        struct dict_entry *e = v[i];
        char small[64];
        char *m = e->klen <= sizeof(small) ? small : xmalloc(e->klen);
        size_t n = e->klen;
        memcpy(m, e->key, n);
        dict_delete(o->u.set, m, n);
        if (m != small)
            free(m);
    }
    cmd_dirty(c, (int)(k > INT32_MAX ? INT32_MAX : k));
    delete_if_empty(c, key, o);
}

static void spop_cmd(struct client *c)
{
    if (c->argc > 3) {
        reply_error_syntax(c);
        return;
    }
    long long count = 1;
    int single = c->argc == 2;
    if (!single && parse_positive(c, &c->argv[2], &count) < 0)
        return;
    struct robj *o;
    if (get_set(c, &c->argv[1], 1, &o) < 0)
        return;
    if (!o || count == 0) {
        if (single)
            reply_null(c);
        else
            reply_set(c, 0);
        return;
    }
    size_t size = set_size(o);
    if ((unsigned long long)count >= size && !single) {
        /* All of it: reply the members, log one DEL. */
        reply_set(c, (long long)size);
        struct dict_iter it;
        struct dict_entry *e;
        dict_iter_init(&it, o->u.set);
        while ((e = dict_next(&it)) != NULL)
            reply_entry(c, e);
        dict_iter_release(&it);
        struct resp_arg del[2] = {{"DEL", 3}, c->argv[1]};
        cmd_propagate(c, 2, del);
        db_delete(c->db, c->argv[1].ptr, c->argv[1].len);
        cmd_dirty(c, (int)(size > INT32_MAX ? INT32_MAX : size));
        return;
    }
    size_t k = (size_t)count;
    struct dict_entry **v = xmalloc(sizeof(*v) * k);
    if (server.raft_applying) {
        choose_members(o, k, 1, server.raft_apply_index, v);
    } else if (k == 1) {
        v[0] = dict_random(o->u.set);
    } else {
        choose_members(o, k, 0, 0, v);
    }
    pop_members(c, o, v, k, single);
    free(v);
}

static int reply_too_big(struct client *c)
{
    if (c->flags & CLIENT_CLOSE_ASAP)
        return 1;
    if ((long long)client_pending_reply(c) > SRANDMEMBER_MAX_REPLY) {
        c->flags |= CLIENT_CLOSE_ASAP;
        return 1;
    }
    return 0;
}

static void srandmember_cmd(struct client *c)
{
    if (c->argc > 3) {
        reply_error_syntax(c);
        return;
    }
    long long count = 0;
    if (c->argc == 3) {
        if (cmd_arg_ll(c, &c->argv[2], &count) < 0)
            return;
        if (count == LLONG_MIN) {
            reply_error(c, "ERR value is out of range, value must between "
                           "-9223372036854775807 and 9223372036854775807");
            return;
        }
    }
    struct robj *o;
    if (get_set(c, &c->argv[1], 0, &o) < 0)
        return;
    if (c->argc == 2) {
        if (!o)
            reply_null(c);
        else
            reply_entry(c, dict_random(o->u.set));
        return;
    }
    if (!o || count == 0) {
        reply_array(c, 0);
        return;
    }
    if (count < 0) {
        /* May repeat: -count independent draws. */
        reply_array(c, -count);
        for (long long i = 0; i < -count; i++) {
            if ((i & 1023) == 0 && reply_too_big(c))
                return;
            reply_entry(c, dict_random(o->u.set));
        }
        return;
    }
    /* An array even in RESP3 (Redis 7.0 answers SRANDMEMBER with a count
     * with an array whatever its sign). */
    size_t size = set_size(o);
    if ((unsigned long long)count >= size) {
        reply_array(c, (long long)size);
        struct dict_iter it;
        struct dict_entry *e;
        dict_iter_init(&it, o->u.set);
        while ((e = dict_next(&it)) != NULL)
            reply_entry(c, e);
        dict_iter_release(&it);
        return;
    }
    size_t k = (size_t)count;
    struct dict_entry **v = xmalloc(sizeof(*v) * k);
    choose_members(o, k, 0, 0, v);
    reply_array(c, (long long)k);
    for (size_t i = 0; i < k; i++)
        reply_entry(c, v[i]);
    free(v);
}

/* ---- SMOVE ---- */

static void smove_cmd(struct client *c)
{
    struct robj *src, *dst;
    if (get_set(c, &c->argv[1], 1, &src) < 0)
        return;
    const struct resp_arg *m = &c->argv[3];
    /* Redis's order: a missing source is 0 whatever the destination holds;
     * only then is the destination's type checked. */
    if (!src) {
        reply_int(c, 0);
        return;
    }
    if (get_set(c, &c->argv[2], 1, &dst) < 0)
        return;
    if (src == dst) {
        /* Same key: nothing moves; the reply says whether it is there. */
        reply_int(c, set_has(src, m->ptr, m->len));
        return;
    }
    if (!dict_delete(src->u.set, m->ptr, m->len)) {
        reply_int(c, 0);
        return;
    }
    delete_if_empty(c, &c->argv[1], src);
    if (!dst) {
        dst = obj_new_set();
        db_set(c->db, c->argv[2].ptr, c->argv[2].len, dst, 0);
    }
    set_add(dst, m->ptr, m->len);
    cmd_dirty(c, 1);
    reply_int(c, 1);
}

/* ---- SINTER, SUNION, SDIFF and their STORE forms, SINTERCARD ---- */

enum { OP_INTER, OP_UNION, OP_DIFF };

/* Looks up the n sets at keys; a missing key is NULL (an empty set).
 * Returns NULL after replying WRONGTYPE. */
static struct robj **lookup_sets(struct client *c, const struct resp_arg *keys, int n, int write)
{
    struct robj **sets = xmalloc(sizeof(*sets) * (size_t)n);
    for (int i = 0; i < n; i++) {
        if (get_set(c, &keys[i], write, &sets[i]) < 0) {
            free(sets);
            return NULL;
        }
    }
    return sets;
}

static int by_size(const void *a, const void *b)
{
    size_t x = set_size(*(struct robj *const *)a), y = set_size(*(struct robj *const *)b);
    return x < y ? -1 : x > y;
}

/* Members of the smallest set found in every other one; stops at limit
 * (0: none).  Calls fn for each; returns how many. */
static size_t inter_each(struct robj **sets, int n, size_t limit,
                         void (*fn)(void *ud, struct dict_entry *e), void *ud)
{
    for (int i = 0; i < n; i++)
        if (!sets[i] || set_size(sets[i]) == 0)
            return 0;
    qsort(sets, (size_t)n, sizeof(*sets), by_size);
    size_t found = 0;
    struct dict_iter it;
    struct dict_entry *e;
    dict_iter_init(&it, sets[0]->u.set);
    while ((e = dict_next(&it)) != NULL) {
        int j = 1;
        while (j < n && set_has(sets[j], e->key, e->klen))
            j++;
        if (j < n)
            continue;
        if (fn)
            fn(ud, e);
        if (++found == limit)
            break;
    }
    dict_iter_release(&it);
    return found;
}

static void add_to_dict(void *ud, struct dict_entry *e)
{
    int created;
    dict_add_or_find(ud, e->key, e->klen, &created);
}

/* The result of op over the sets, as a new dict (the caller owns it). */
static struct dict *set_op(struct robj **sets, int n, int op)
{
    struct dict *r = dict_create(NULL);
    if (op == OP_INTER) {
        inter_each(sets, n, 0, add_to_dict, r);
        return r;
    }
    struct dict_iter it;
    struct dict_entry *e;
    if (op == OP_UNION) {
        for (int i = 0; i < n; i++) {
            if (!sets[i])
                continue;
            dict_iter_init(&it, sets[i]->u.set);
            while ((e = dict_next(&it)) != NULL)
                add_to_dict(r, e);
            dict_iter_release(&it);
        }
        return r;
    }
    /* DIFF: the first set without the members of the others. */
    if (!sets[0])
        return r;
    dict_iter_init(&it, sets[0]->u.set);
    while ((e = dict_next(&it)) != NULL) {
        int j = 1;
        while (j < n && !(sets[j] && set_has(sets[j], e->key, e->klen)))
            j++;
        if (j == n)
            add_to_dict(r, e);
    }
    dict_iter_release(&it);
    return r;
}

static void reply_dict_members(struct client *c, struct dict *d)
{
    reply_set(c, (long long)dict_size(d));
    struct dict_iter it;
    struct dict_entry *e;
    dict_iter_init(&it, d);
    while ((e = dict_next(&it)) != NULL)
        reply_entry(c, e);
    dict_iter_release(&it);
}

static void setop_generic(struct client *c, int op)
{
    struct robj **sets = lookup_sets(c, &c->argv[1], c->argc - 1, 0);
    if (!sets)
        return;
    struct dict *r = set_op(sets, c->argc - 1, op);
    reply_dict_members(c, r);
    dict_free(r);
    free(sets);
}

static void setop_store_generic(struct client *c, int op)
{
    const struct resp_arg *dst = &c->argv[1];
    struct robj **sets = lookup_sets(c, &c->argv[2], c->argc - 2, 1);
    if (!sets)
        return;
    struct dict *r = set_op(sets, c->argc - 2, op);
    free(sets);
    size_t n = dict_size(r);
    if (n == 0) {
        dict_free(r);
        if (db_delete(c->db, dst->ptr, dst->len))
            cmd_dirty(c, 1);
        reply_int(c, 0);
        return;
    }
    struct robj *o = obj_new_set();
    dict_free(o->u.set);
    o->u.set = r;
    db_set(c->db, dst->ptr, dst->len, o, 0);
    cmd_dirty(c, 1);
    reply_int(c, (long long)n);
}

static void sinter_cmd(struct client *c)
{
    setop_generic(c, OP_INTER);
}

static void sunion_cmd(struct client *c)
{
    setop_generic(c, OP_UNION);
}

static void sdiff_cmd(struct client *c)
{
    setop_generic(c, OP_DIFF);
}

static void sinterstore_cmd(struct client *c)
{
    setop_store_generic(c, OP_INTER);
}

static void sunionstore_cmd(struct client *c)
{
    setop_store_generic(c, OP_UNION);
}

static void sdiffstore_cmd(struct client *c)
{
    setop_store_generic(c, OP_DIFF);
}

static void sintercard_cmd(struct client *c)
{
    long long numkeys;
    if (str_to_ll(c->argv[1].ptr, c->argv[1].len, &numkeys) != 0 || numkeys <= 0) {
        reply_error(c, "ERR numkeys should be greater than 0");
        return;
    }
    if (numkeys > c->argc - 2) {
        reply_error(c, "ERR Number of keys can't be greater than number of args");
        return;
    }
    long long limit = 0;
    for (int i = 2 + (int)numkeys; i < c->argc; i += 2) {
        if (cmd_arg_is(&c->argv[i], "limit") && i + 1 < c->argc) {
            if (str_to_ll(c->argv[i + 1].ptr, c->argv[i + 1].len, &limit) != 0 || limit < 0) {
                reply_error(c, "ERR LIMIT can't be negative");
                return;
            }
        } else {
            reply_error_syntax(c);
            return;
        }
    }
    struct robj **sets = lookup_sets(c, &c->argv[2], (int)numkeys, 0);
    if (!sets)
        return;
    size_t n = inter_each(sets, (int)numkeys, (size_t)limit, NULL, NULL);
    free(sets);
    reply_int(c, (long long)n);
}

/* ---- SSCAN ---- */

static void sscan_cmd(struct client *c)
{
    uint64_t cursor;
    if (cmd_parse_cursor(c, &c->argv[2], &cursor) < 0)
        return;
    struct robj *o;
    if (get_set(c, &c->argv[1], 0, &o) < 0)
        return;
    cmd_scan_dict(c, o ? o->u.set : NULL, cursor, 1, reply_entry);
}

/* ---- the table ---- */

#define KEY1     .first_key = 1, .last_key = 1, .key_step = 1
#define KEY2     .first_key = 1, .last_key = 2, .key_step = 1
#define KEYS_ALL .first_key = 1, .last_key = -1, .key_step = 1

struct command set_commands[] = {
    {.name = "sadd",
     .proc = sadd_cmd,
     .arity = -3,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     KEY1,
     .group = "set",
     .since = "1.0.0",
     .summary = "Add one or more members to a set",
     .complexity = "O(1) for each element added, so O(N) to add N elements when the command is "
                   "called with multiple arguments.",
     .args = "key:key member:string..."},
    {.name = "srem",
     .proc = srem_cmd,
     .arity = -3,
     .flags = CMD_WRITE | CMD_FAST,
     KEY1,
     .group = "set",
     .since = "1.0.0",
     .summary = "Remove one or more members from a set",
     .complexity = "O(N) where N is the number of members to be removed.",
     .args = "key:key member:string..."},
    {.name = "smembers",
     .proc = smembers_cmd,
     .arity = 2,
     .flags = CMD_READONLY,
     KEY1,
     .group = "set",
     .since = "1.0.0",
     .summary = "Get all the members in a set",
     .complexity = "O(N) where N is the set cardinality.",
     .args = "key:key"},
    {.name = "sismember",
     .proc = sismember_cmd,
     .arity = 3,
     .flags = CMD_READONLY | CMD_FAST,
     KEY1,
     .group = "set",
     .since = "1.0.0",
     .summary = "Determine if a given value is a member of a set",
     .complexity = "O(1)",
     .args = "key:key member:string"},
    {.name = "smismember",
     .proc = smismember_cmd,
     .arity = -3,
     .flags = CMD_READONLY | CMD_FAST,
     KEY1,
     .group = "set",
     .since = "6.2.0",
     .summary = "Returns the membership associated with the given elements for a set",
     .complexity = "O(N) where N is the number of elements being checked for membership",
     .args = "key:key member:string..."},
    {.name = "scard",
     .proc = scard_cmd,
     .arity = 2,
     .flags = CMD_READONLY | CMD_FAST,
     KEY1,
     .group = "set",
     .since = "1.0.0",
     .summary = "Get the number of members in a set",
     .complexity = "O(1)",
     .args = "key:key"},
    {.name = "spop",
     .proc = spop_cmd,
     .arity = -2,
     .flags = CMD_WRITE | CMD_FAST,
     KEY1,
     .group = "set",
     .since = "1.0.0",
     .summary = "Remove and return one or multiple random members from a set",
     .complexity = "Without the count argument O(1), otherwise O(N) where N is the value of the "
                   "passed count (O(size of the set) when applied from the Raft log).",
     .args = "key:key [count:integer]"},
    {.name = "srandmember",
     .proc = srandmember_cmd,
     .arity = -2,
     .flags = CMD_READONLY,
     KEY1,
     .group = "set",
     .since = "1.0.0",
     .summary = "Get one or multiple random members from a set",
     .complexity = "Without the count argument O(1), otherwise O(N) where N is the absolute "
                   "value of the passed count.",
     .args = "key:key [count:integer]"},
    {.name = "smove",
     .proc = smove_cmd,
     .arity = 4,
     .flags = CMD_WRITE | CMD_FAST,
     KEY2,
     .group = "set",
     .since = "1.0.0",
     .summary = "Move a member from one set to another",
     .complexity = "O(1)",
     .args = "source:key destination:key member:string"},
    {.name = "sinter",
     .proc = sinter_cmd,
     .arity = -2,
     .flags = CMD_READONLY,
     KEYS_ALL,
     .group = "set",
     .since = "1.0.0",
     .summary = "Intersect multiple sets",
     .complexity = "O(N*M) worst case where N is the cardinality of the smallest set and M is "
                   "the number of sets.",
     .args = "key:key..."},
    {.name = "sunion",
     .proc = sunion_cmd,
     .arity = -2,
     .flags = CMD_READONLY,
     KEYS_ALL,
     .group = "set",
     .since = "1.0.0",
     .summary = "Add multiple sets",
     .complexity = "O(N) where N is the total number of elements in all given sets.",
     .args = "key:key..."},
    {.name = "sdiff",
     .proc = sdiff_cmd,
     .arity = -2,
     .flags = CMD_READONLY,
     KEYS_ALL,
     .group = "set",
     .since = "1.0.0",
     .summary = "Subtract multiple sets",
     .complexity = "O(N) where N is the total number of elements in all given sets.",
     .args = "key:key..."},
    {.name = "sinterstore",
     .proc = sinterstore_cmd,
     .arity = -3,
     .flags = CMD_WRITE | CMD_DENYOOM,
     KEYS_ALL,
     .group = "set",
     .since = "1.0.0",
     .summary = "Intersect multiple sets and store the resulting set in a key",
     .complexity = "O(N*M) worst case where N is the cardinality of the smallest set and M is "
                   "the number of sets.",
     .args = "destination:key key:key..."},
    {.name = "sunionstore",
     .proc = sunionstore_cmd,
     .arity = -3,
     .flags = CMD_WRITE | CMD_DENYOOM,
     KEYS_ALL,
     .group = "set",
     .since = "1.0.0",
     .summary = "Add multiple sets and store the resulting set in a key",
     .complexity = "O(N) where N is the total number of elements in all given sets.",
     .args = "destination:key key:key..."},
    {.name = "sdiffstore",
     .proc = sdiffstore_cmd,
     .arity = -3,
     .flags = CMD_WRITE | CMD_DENYOOM,
     KEYS_ALL,
     .group = "set",
     .since = "1.0.0",
     .summary = "Subtract multiple sets and store the resulting set in a key",
     .complexity = "O(N) where N is the total number of elements in all given sets.",
     .args = "destination:key key:key..."},
    /* numkeys-style keys: first/last/step cannot say where they end; as
     * Redis's COMMAND INFO, the table says 0,0,0 (movable keys). */
    {.name = "sintercard",
     .proc = sintercard_cmd,
     .arity = -3,
     .flags = CMD_READONLY,
     .group = "set",
     .since = "7.0.0",
     .summary = "Intersect multiple sets and return the cardinality of the result",
     .complexity = "O(N*M) worst case where N is the cardinality of the smallest set and M is "
                   "the number of sets.",
     .args = "numkeys:integer key:key... [LIMIT limit:integer]"},
    {.name = "sscan",
     .proc = sscan_cmd,
     .arity = -3,
     .flags = CMD_READONLY,
     KEY1,
     .group = "set",
     .since = "2.8.0",
     .summary = "Incrementally iterate Set elements",
     .complexity = "O(1) for every call. O(N) for a complete iteration, including enough command "
                   "calls for the cursor to return back to 0. N is the number of elements inside "
                   "the collection.",
     .args = "key:key cursor:integer [MATCH pattern:pattern] [COUNT count:integer]"},
    {.name = NULL},
};
