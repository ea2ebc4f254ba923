/* commands/hash: the hash family (HSET, HGET, HINCRBY, HSCAN, ...).
 *
 * A hash value is an OBJ_HASH robj whose dict maps field -> struct rstr*
 * (object.h); the dict frees the rstr values.  Semantics, replies and error
 * texts are Redis 7's (t_hash.c).  A hash never exists empty: deleting its
 * last field deletes the key, and a hash is created only when a field is
 * about to be stored in it.
 *
 * Write path (command.h): every change calls cmd_dirty(); HINCRBYFLOAT is
 * logged as the HSET of its result so float formatting cannot make a replay
 * diverge. */
#include <limits.h>
#include <math.h>
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

#define LD_STR_MAX         (5 * 1024) /* any long double in "%.17Lf" form; see string.c */
#define SCAN_DEFAULT_COUNT 10

/* A reply bigger than this from HRANDFIELD with a huge negative count can
 * only exhaust the server's memory: the client is closed instead, as Redis
 * does once a client passes its output buffer limit. */
#define HRANDFIELD_MAX_REPLY (1024LL * 1024 * 1024)

/* ---- helpers ---- */

/* Returns the hash at key for writing, creating (and storing) an empty one
 * if the key is absent; NULL (after replying WRONGTYPE) if it holds another
 * type.  Callers store a field right after, so no empty hash is left. */
static struct robj *hash_for_write(struct client *c, const struct resp_arg *key)
{
    struct robj *o = cmd_lookup_write(c, key);
    if (o) {
        if (o->type != OBJ_HASH) {
            reply_error_wrongtype(c);
            return NULL;
        }
        return o;
    }
    o = obj_new_hash_small();
    db_set(c->db, key->ptr, key->len, o, 0);
    return o;
}

/* Sets field of the hash o stored at key to p[0..n) and stores o back if
 * it moved (a small hash grows in place or converts); returns 1 if the
 * field is new. */
static int set_field(struct client *c, const struct resp_arg *key, struct robj **o,
                     const void *field, size_t flen, const void *p, size_t n)
{
    int created;
    struct robj *moved = hash_set(*o, field, flen, p, n, &created);
    if (moved != *o) {
        db_replace_ptr(c->db, key->ptr, key->len, moved);
        *o = moved;
    }
    return created;
}

/* The value of field, or NULL: *n gets its length. */
static const char *get_field(const struct robj *o, const struct resp_arg *field, size_t *n)
{
    const char *v;
    return hash_get(o, field->ptr, field->len, &v, n) ? v : NULL;
}

/* A table view of o for the commands written against a dict (HRANDFIELD,
 * HSCAN): o's own dict, or a temporary copy of a small hash (at most
 * HASH_SMALL_MAX_ENTRIES fields) in *tmp, which the caller frees. */
static struct dict *table_view(struct robj *o, struct robj **tmp)
{
    *tmp = NULL;
    if (!hash_is_small(o))
        return o->u.hash;
    *tmp = hash_to_table(obj_dup(o));
    return (*tmp)->u.hash;
}

static void reply_rstr(struct client *c, const struct rstr *s)
{
    reply_bulk(c, s->data, s->len);
}

/* ---- set / get ---- */

static void hset_generic(struct client *c, int is_hmset)
{
    if (c->argc % 2 == 1) {
        reply_error_arity(c, is_hmset ? "hmset" : "hset");
        return;
    }
    struct robj *o = hash_for_write(c, &c->argv[1]);
    if (!o)
        return;
    long long created = 0;
    for (int j = 2; j < c->argc; j += 2)
        created += set_field(c, &c->argv[1], &o, c->argv[j].ptr, c->argv[j].len, c->argv[j + 1].ptr,
                             c->argv[j + 1].len);
    cmd_dirty(c, (c->argc - 2) / 2);
    if (is_hmset)
        reply_ok(c);
    else
        reply_int(c, created);
}

static void hset_cmd(struct client *c)
{
    hset_generic(c, 0);
}

static void hmset_cmd(struct client *c)
{
    hset_generic(c, 1);
}

static void hsetnx_cmd(struct client *c)
{
    struct robj *o = cmd_lookup_write(c, &c->argv[1]);
    if (o && o->type != OBJ_HASH) {
        reply_error_wrongtype(c);
        return;
    }
    size_t n;
    if (o && get_field(o, &c->argv[2], &n)) {
        reply_int(c, 0);
        return;
    }
    o = hash_for_write(c, &c->argv[1]);
    set_field(c, &c->argv[1], &o, c->argv[2].ptr, c->argv[2].len, c->argv[3].ptr, c->argv[3].len);
    cmd_dirty(c, 1);
    reply_int(c, 1);
}

static void hget_cmd(struct client *c)
{
    struct robj *o = cmd_lookup_read(c, &c->argv[1]);
    if (!o) {
        reply_null(c);
        return;
    }
    if (o->type != OBJ_HASH) {
        reply_error_wrongtype(c);
        return;
    }
    size_t n;
    const char *v = get_field(o, &c->argv[2], &n);
    if (v)
        reply_bulk(c, v, n);
    else
        reply_null(c);
}

static void hmget_cmd(struct client *c)
{
    struct robj *o = cmd_lookup_read(c, &c->argv[1]);
    if (o && o->type != OBJ_HASH) {
        reply_error_wrongtype(c);
        return;
    }
    reply_array(c, c->argc - 2);
    for (int j = 2; j < c->argc; j++) {
        size_t n;
        const char *v = o ? get_field(o, &c->argv[j], &n) : NULL;
        if (v)
            reply_bulk(c, v, n);
        else
            reply_null(c);
    }
}

static void hdel_cmd(struct client *c)
{
    const struct resp_arg *key = &c->argv[1];
    struct robj *o = cmd_lookup_write(c, key);
    if (!o) {
        reply_int(c, 0);
        return;
    }
    if (o->type != OBJ_HASH) {
        reply_error_wrongtype(c);
        return;
    }
    int deleted = 0;
    for (int j = 2; j < c->argc; j++) {
        if (hash_del(o, c->argv[j].ptr, c->argv[j].len)) {
            deleted++;
            if (hash_len(o) == 0) {
                /* No empty hashes in the keyspace. */
                db_delete(c->db, key->ptr, key->len);
                break;
            }
        }
    }
    if (deleted)
        cmd_dirty(c, deleted);
    reply_int(c, deleted);
}

static void hlen_cmd(struct client *c)
{
    struct robj *o = cmd_lookup_read(c, &c->argv[1]);
    if (!o) {
        reply_int(c, 0);
        return;
    }
    if (o->type != OBJ_HASH) {
        reply_error_wrongtype(c);
        return;
    }
    reply_int(c, (long long)hash_len(o));
}

static void hstrlen_cmd(struct client *c)
{
    struct robj *o = cmd_lookup_read(c, &c->argv[1]);
    if (!o) {
        reply_int(c, 0);
        return;
    }
    if (o->type != OBJ_HASH) {
        reply_error_wrongtype(c);
        return;
    }
    size_t n = 0;
    get_field(o, &c->argv[2], &n);
    reply_int(c, (long long)n);
}

static void hexists_cmd(struct client *c)
{
    struct robj *o = cmd_lookup_read(c, &c->argv[1]);
    if (!o) {
        reply_int(c, 0);
        return;
    }
    if (o->type != OBJ_HASH) {
        reply_error_wrongtype(c);
        return;
    }
    size_t n;
    reply_int(c, get_field(o, &c->argv[2], &n) != NULL);
}

enum { WANT_FIELDS = 1, WANT_VALUES = 2 };

static void getall_generic(struct client *c, int want)
{
    struct robj *o = cmd_lookup_read(c, &c->argv[1]);
    int as_map = want == (WANT_FIELDS | WANT_VALUES);
    if (!o) {
        if (as_map)
            reply_map(c, 0);
        else
            reply_array(c, 0);
        return;
    }
    if (o->type != OBJ_HASH) {
        reply_error_wrongtype(c);
        return;
    }
    long long n = (long long)hash_len(o);
    /* Fields with values are a map (RESP3 %); fields or values alone, a
     * flat array. */
    if (as_map)
        reply_map(c, n);
    else
        reply_array(c, n);
    struct hash_iter it;
    const char *f, *v;
    size_t fl, vl;
    hash_iter_init(&it, o);
    while (hash_iter_next(&it, &f, &fl, &v, &vl)) {
        if (want & WANT_FIELDS)
            reply_bulk(c, f, fl);
        if (want & WANT_VALUES)
            reply_bulk(c, v, vl);
    }
    hash_iter_release(&it);
}

static void hgetall_cmd(struct client *c)
{
    getall_generic(c, WANT_FIELDS | WANT_VALUES);
}

static void hkeys_cmd(struct client *c)
{
    getall_generic(c, WANT_FIELDS);
}

static void hvals_cmd(struct client *c)
{
    getall_generic(c, WANT_VALUES);
}

/* ---- counters ---- */

static void hincrby_cmd(struct client *c)
{
    long long incr, value = 0;
    if (str_to_ll(c->argv[3].ptr, c->argv[3].len, &incr) != 0) {
        reply_error_not_int(c);
        return;
    }
    struct robj *o = cmd_lookup_write(c, &c->argv[1]);
    if (o && o->type != OBJ_HASH) {
        reply_error_wrongtype(c);
        return;
    }
    size_t vl = 0;
    const char *v = o ? get_field(o, &c->argv[2], &vl) : NULL;
    if (v) {
        if (str_to_ll(v, vl, &value) != 0) {
            reply_error(c, "ERR hash value is not an integer");
            return;
        }
    }
    if ((incr < 0 && value < 0 && incr < LLONG_MIN - value) ||
        (incr > 0 && value > 0 && incr > LLONG_MAX - value)) {
        reply_error(c, "ERR increment or decrement would overflow");
        return;
    }
    value += incr;
    char buf[24];
    int n = ll_to_str(buf, sizeof(buf), value);
    if (!o)
        o = hash_for_write(c, &c->argv[1]);
    set_field(c, &c->argv[1], &o, c->argv[2].ptr, c->argv[2].len, buf, (size_t)n);
    cmd_dirty(c, 1);
    reply_int(c, value);
}

static void hincrbyfloat_cmd(struct client *c)
{
    const struct resp_arg *key = &c->argv[1], *field = &c->argv[2];
    long double incr, value = 0;

    if (str_to_ld(c->argv[3].ptr, c->argv[3].len, &incr) != 0) {
        reply_error_not_float(c);
        return;
    }
    if (isnan(incr) || isinf(incr)) {
        reply_error(c, "ERR value is NaN or Infinity");
        return;
    }
    struct robj *o = cmd_lookup_write(c, key);
    if (o && o->type != OBJ_HASH) {
        reply_error_wrongtype(c);
        return;
    }
    size_t vl = 0;
    const char *v = o ? get_field(o, field, &vl) : NULL;
    if (v) {
        if (str_to_ld(v, vl, &value) != 0) {
            reply_error(c, "ERR hash value is not a float");
            return;
        }
    }
    value += incr;
    if (isnan(value) || isinf(value)) {
        reply_error(c, "ERR increment would produce NaN or Infinity");
        return;
    }
    char buf[LD_STR_MAX];
    int n = ld_to_str(buf, sizeof(buf), value);
    if (n <= 0) {
        /* Cannot happen for a finite value with this buffer size. */
        reply_error(c, "ERR increment would produce NaN or Infinity");
        return;
    }
    if (!o)
        o = hash_for_write(c, key);
    set_field(c, key, &o, field->ptr, field->len, buf, (size_t)n);
    cmd_dirty(c, 1);
    reply_bulk(c, buf, (size_t)n);
    struct resp_arg argv[4] = {{"HSET", 4}, *key, *field, {buf, (size_t)n}};
    cmd_propagate(c, 4, argv);
}

/* ---- HRANDFIELD ---- */

static void reply_random_entry(struct client *c, struct dict_entry *e, int withvalues)
{
    /* RESP3 pairs each field with its value; RESP2 is flat. */
    if (withvalues && c->resp > 2)
        reply_array(c, 2);
    reply_bulk(c, e->key, e->klen);
    if (withvalues)
        reply_rstr(c, e->val);
}

static int reply_too_big(struct client *c)
{
    if (c->flags & CLIENT_CLOSE_ASAP)
        return 1;
    if ((long long)client_pending_reply(c) > HRANDFIELD_MAX_REPLY) {
        c->flags |= CLIENT_CLOSE_ASAP;
        return 1;
    }
    return 0;
}

static void hrandfield_table(struct client *c, struct dict *d, long long l, int withvalues);

static void hrandfield_with_count(struct client *c, long long l, int withvalues)
{
    struct robj *o = cmd_lookup_read(c, &c->argv[1]);
    if (!o) {
        reply_array(c, 0);
        return;
    }
    if (o->type != OBJ_HASH) {
        reply_error_wrongtype(c);
        return;
    }
    struct robj *tmp;
    struct dict *d = table_view(o, &tmp);
    hrandfield_table(c, d, l, withvalues);
    obj_free(tmp);
}

static void hrandfield_table(struct client *c, struct dict *d, long long l, int withvalues)
{
    unsigned long long size = dict_size(d);
    int uniq = l >= 0;
    /* l > LLONG_MIN was checked by the caller. */
    unsigned long long count = uniq ? (unsigned long long)l : (unsigned long long)-l;
    long long per = (withvalues && c->resp == 2) ? 2 : 1;

    if (count == 0) {
        reply_array(c, 0);
        return;
    }

    /* Negative count: count independent draws, repeats allowed, any order. */
    if (!uniq || count == 1) {
        reply_array(c, (long long)count * per);
        while (count--) {
            reply_random_entry(c, dict_random(d), withvalues);
            if (reply_too_big(c))
                break;
        }
        return;
    }

    /* Asking for at least the whole hash: all of it. */
    if (count >= size) {
        reply_array(c, (long long)size * per);
        struct dict_iter it;
        struct dict_entry *e;
        dict_iter_init(&it, d);
        while ((e = dict_next(&it)) != NULL)
            reply_random_entry(c, e, withvalues);
        dict_iter_release(&it);
        return;
    }

    reply_array(c, (long long)count * per);
    if (count * 3 > size) {
        /* A good part of the hash: a partial Fisher-Yates shuffle of all
         * entries picks count distinct ones. */
        struct dict_entry **all = xmalloc(sizeof(*all) * size);
        struct dict_iter it;
        struct dict_entry *e;
        size_t n = 0;
        dict_iter_init(&it, d);
        while ((e = dict_next(&it)) != NULL)
            all[n++] = e;
        dict_iter_release(&it);
        for (size_t i = 0; i < count; i++) {
            size_t k = i + (size_t)(rand_u64() % (n - i));
            struct dict_entry *t = all[i];
            all[i] = all[k];
            all[k] = t;
            reply_random_entry(c, all[i], withvalues);
        }
        free(all);
        return;
    }

    /* A few out of many: draw at random, skipping fields already given. */
    struct dict *seen = dict_create(NULL);
    while (dict_size(seen) < count) {
        struct dict_entry *e = dict_random(d);
        int created;
        dict_add_or_find(seen, e->key, e->klen, &created);
        if (created)
            reply_random_entry(c, e, withvalues);
    }
    dict_free(seen);
}

static void hrandfield_cmd(struct client *c)
{
    if (c->argc >= 3) {
        long long l;
        int withvalues = 0;
        if (str_to_ll(c->argv[2].ptr, c->argv[2].len, &l) != 0) {
            reply_error_not_int(c);
            return;
        }
        if (l < -LLONG_MAX) {
            reply_error(c, "ERR value is out of range, value must between "
                           "-9223372036854775807 and 9223372036854775807");
            return;
        }
        if (c->argc > 4 ||
            (c->argc == 4 && !eq_nocase(c->argv[3].ptr, c->argv[3].len, "withvalues"))) {
            reply_error_syntax(c);
            return;
        }
        if (c->argc == 4) {
            withvalues = 1;
            /* count * 2 elements must not overflow. */
            if (l < -LLONG_MAX / 2 || l > LLONG_MAX / 2) {
                reply_error(c, "ERR value is out of range");
                return;
            }
        }
        hrandfield_with_count(c, l, withvalues);
        return;
    }

    struct robj *o = cmd_lookup_read(c, &c->argv[1]);
    if (!o) {
        reply_null(c);
        return;
    }
    if (o->type != OBJ_HASH) {
        reply_error_wrongtype(c);
        return;
    }
    struct robj *tmp;
    struct dict_entry *e = dict_random(table_view(o, &tmp));
    reply_bulk(c, e->key, e->klen);
    obj_free(tmp);
}

/* ---- HSCAN ---- */

/* Parses a SCAN cursor as Redis does with strtoul(): the argument is read as
 * a C string (up to its first NUL), an optional sign is allowed ("-1" wraps
 * around as strtoul does), the empty string is cursor 0, and leading space,
 * trailing garbage or overflow are errors. */
static int parse_cursor(const char *s, size_t len, uint64_t *out)
{
    const char *nul = memchr(s, '\0', len);
    if (nul)
        len = (size_t)(nul - s);
    if (len == 0) {
        *out = 0;
        return 0;
    }
    size_t i = 0;
    int neg = 0;
    if (s[0] == '+' || s[0] == '-') {
        neg = s[0] == '-';
        i = 1;
    }
    if (i == len || s[i] < '0' || s[i] > '9')
        return -1; /* no digits: strtoul leaves the end at the start */
    uint64_t v = 0;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1; /* ERANGE */
        v = v * 10 + d;
    }
    *out = neg ? (uint64_t)0 - v : v;
    return 0;
}

struct scan_acc {
    struct dict_entry **v;
    size_t n, cap;
};

static void scan_collect(void *ud, struct dict_entry *e)
{
    struct scan_acc *acc = ud;
    if (acc->n == acc->cap) {
        acc->cap = acc->cap ? acc->cap * 2 : 16;
        acc->v = xrealloc(acc->v, sizeof(*acc->v) * acc->cap);
    }
    acc->v[acc->n++] = e;
}

static void hscan_cmd(struct client *c)
{
    uint64_t cursor;
    if (parse_cursor(c->argv[2].ptr, c->argv[2].len, &cursor) != 0) {
        reply_error(c, "ERR invalid cursor");
        return;
    }
    struct robj *o = cmd_lookup_read(c, &c->argv[1]);
    if (!o) {
        reply_array(c, 2);
        reply_bulk(c, "0", 1);
        reply_array(c, 0);
        return;
    }
    if (o->type != OBJ_HASH) {
        reply_error_wrongtype(c);
        return;
    }

    long long count = SCAN_DEFAULT_COUNT;
    const char *pat = NULL;
    size_t patlen = 0;
    for (int i = 3; i < c->argc; i += 2) {
        int has_value = c->argc - i >= 2;
        if (has_value && eq_nocase(c->argv[i].ptr, c->argv[i].len, "count")) {
            if (str_to_ll(c->argv[i + 1].ptr, c->argv[i + 1].len, &count) != 0) {
                reply_error_not_int(c);
                return;
            }
            if (count < 1) {
                reply_error_syntax(c);
                return;
            }
        } else if (has_value && eq_nocase(c->argv[i].ptr, c->argv[i].len, "match")) {
            pat = c->argv[i + 1].ptr;
            patlen = c->argv[i + 1].len;
            /* "*" matches everything: skip the matching. */
            if (patlen == 1 && pat[0] == '*')
                pat = NULL;
        } else {
            reply_error_syntax(c);
            return;
        }
    }

    /* As Redis: stop after count elements, or after count*10 buckets so a
     * sparse table does not block the loop. */
    /* A small hash answers whole, with cursor 0, as Redis's listpacks. */
    struct robj *copy;
    struct dict *d = table_view(o, &copy);
    if (copy) {
        cursor = 0;
        count = LLONG_MAX / 10;
    }
    struct scan_acc acc = {NULL, 0, 0};
    unsigned long long maxiter =
        (unsigned long long)count > ULLONG_MAX / 10 ? ULLONG_MAX : (unsigned long long)count * 10;
    do {
        cursor = dict_scan(d, cursor, scan_collect, &acc);
    } while (cursor && maxiter-- && acc.n < (unsigned long long)count);
    if (copy)
        cursor = 0;

    if (pat) {
        size_t kept = 0;
        for (size_t i = 0; i < acc.n; i++) {
            struct dict_entry *e = acc.v[i];
            if (glob_match(pat, patlen, e->key, e->klen, 0))
                acc.v[kept++] = e;
        }
        acc.n = kept;
    }

    char num[24];
    int n = 0;
    /* Unsigned decimal, written backwards. */
    char tmp[24];
    uint64_t cur = cursor;
    do {
        tmp[n++] = (char)('0' + cur % 10);
        cur /= 10;
    } while (cur);
    for (int i = 0; i < n; i++)
        num[i] = tmp[n - 1 - i];

    reply_array(c, 2);
    reply_bulk(c, num, (size_t)n);
    reply_array(c, (long long)acc.n * 2);
    for (size_t i = 0; i < acc.n; i++) {
        reply_bulk(c, acc.v[i]->key, acc.v[i]->klen);
        reply_rstr(c, acc.v[i]->val);
    }
    free(acc.v);
    obj_free(copy);
}

/* ---- the table ---- */

#define KEY1           .first_key = 1, .last_key = 1, .key_step = 1
#define ALL_COMPLEXITY "O(N) where N is the size of the hash."

struct command hash_commands[] = {
    {.name = "hset",
     .proc = hset_cmd,
     .arity = -4,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     KEY1,
     .group = "hash",
     .since = "2.0.0",
     .summary = "Set the string value of a hash field",
     .complexity = "O(1) for each field/value pair added, so O(N) to add N field/value pairs "
                   "when the command is called with multiple field/value pairs.",
     .args = "key:key (field:string value:string)..."},
    {.name = "hsetnx",
     .proc = hsetnx_cmd,
     .arity = 4,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     KEY1,
     .group = "hash",
     .since = "2.0.0",
     .summary = "Set the value of a hash field, only if the field does not exist",
     .complexity = "O(1)",
     .args = "key:key field:string value:string"},
    {.name = "hget",
     .proc = hget_cmd,
     .arity = 3,
     .flags = CMD_READONLY | CMD_FAST,
     KEY1,
     .group = "hash",
     .since = "2.0.0",
     .summary = "Get the value of a hash field",
     .complexity = "O(1)",
     .args = "key:key field:string"},
    {.name = "hmset",
     .proc = hmset_cmd,
     .arity = -4,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     KEY1,
     .group = "hash",
     .since = "2.0.0",
     .summary = "Set multiple hash fields to multiple values",
     .complexity = "O(N) where N is the number of fields being set.",
     .args = "key:key (field:string value:string)..."},
    {.name = "hmget",
     .proc = hmget_cmd,
     .arity = -3,
     .flags = CMD_READONLY | CMD_FAST,
     KEY1,
     .group = "hash",
     .since = "2.0.0",
     .summary = "Get the values of all the given hash fields",
     .complexity = "O(N) where N is the number of fields being requested.",
     .args = "key:key field:string..."},
    {.name = "hdel",
     .proc = hdel_cmd,
     .arity = -3,
     .flags = CMD_WRITE | CMD_FAST,
     KEY1,
     .group = "hash",
     .since = "2.0.0",
     .summary = "Delete one or more hash fields",
     .complexity = "O(N) where N is the number of fields to be removed.",
     .args = "key:key field:string..."},
    {.name = "hexists",
     .proc = hexists_cmd,
     .arity = 3,
     .flags = CMD_READONLY | CMD_FAST,
     KEY1,
     .group = "hash",
     .since = "2.0.0",
     .summary = "Determine if a hash field exists",
     .complexity = "O(1)",
     .args = "key:key field:string"},
    {.name = "hlen",
     .proc = hlen_cmd,
     .arity = 2,
     .flags = CMD_READONLY | CMD_FAST,
     KEY1,
     .group = "hash",
     .since = "2.0.0",
     .summary = "Get the number of fields in a hash",
     .complexity = "O(1)",
     .args = "key:key"},
    {.name = "hgetall",
     .proc = hgetall_cmd,
     .arity = 2,
     .flags = CMD_READONLY,
     KEY1,
     .group = "hash",
     .since = "2.0.0",
     .summary = "Get all the fields and values in a hash",
     .complexity = ALL_COMPLEXITY,
     .args = "key:key"},
    {.name = "hkeys",
     .proc = hkeys_cmd,
     .arity = 2,
     .flags = CMD_READONLY,
     KEY1,
     .group = "hash",
     .since = "2.0.0",
     .summary = "Get all the fields in a hash",
     .complexity = ALL_COMPLEXITY,
     .args = "key:key"},
    {.name = "hvals",
     .proc = hvals_cmd,
     .arity = 2,
     .flags = CMD_READONLY,
     KEY1,
     .group = "hash",
     .since = "2.0.0",
     .summary = "Get all the values in a hash",
     .complexity = ALL_COMPLEXITY,
     .args = "key:key"},
    {.name = "hincrby",
     .proc = hincrby_cmd,
     .arity = 4,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     KEY1,
     .group = "hash",
     .since = "2.0.0",
     .summary = "Increment the integer value of a hash field by the given number",
     .complexity = "O(1)",
     .args = "key:key field:string increment:integer"},
    {.name = "hincrbyfloat",
     .proc = hincrbyfloat_cmd,
     .arity = 4,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     KEY1,
     .group = "hash",
     .since = "2.6.0",
     .summary = "Increment the float value of a hash field by the given amount",
     .complexity = "O(1)",
     .args = "key:key field:string increment:double"},
    {.name = "hstrlen",
     .proc = hstrlen_cmd,
     .arity = 3,
     .flags = CMD_READONLY | CMD_FAST,
     KEY1,
     .group = "hash",
     .since = "3.2.0",
     .summary = "Get the length of the value of a hash field",
     .complexity = "O(1)",
     .args = "key:key field:string"},
    {.name = "hrandfield",
     .proc = hrandfield_cmd,
     .arity = -2,
     .flags = CMD_READONLY,
     KEY1,
     .group = "hash",
     .since = "6.2.0",
     .summary = "Get one or multiple random fields from a hash",
     .complexity = "O(N) where N is the number of fields returned",
     .args = "key:key [count:integer [WITHVALUES]]"},
    {.name = "hscan",
     .proc = hscan_cmd,
     .arity = -3,
     .flags = CMD_READONLY,
     KEY1,
     .group = "hash",
     .since = "2.8.0",
     .summary = "Incrementally iterate hash fields and associated values",
     .complexity = "O(1) for every call. O(N) for a complete iteration, including enough "
                   "command calls for the cursor to return back to 0. N is the number of "
                   "elements inside the collection..",
     .args = "key:key cursor:integer [MATCH pattern:pattern] [COUNT count:integer]"},
    {.name = NULL},
};
