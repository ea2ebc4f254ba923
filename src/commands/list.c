/* commands/list: the list family, non-blocking commands (LPUSH, LPOP, LRANGE,
 * LPOS, LMOVE, ...).
 *
 * A list value is an OBJ_LIST robj: a ring buffer of struct rstr* (object.h)
 * that owns its elements.  Semantics, replies and error texts are Redis 7's
 * (t_list.c).  A list never exists empty: a pop, trim or removal that takes
 * the last element deletes the key, and a list is created only when an
 * element is about to be pushed in it.
 *
 * Write path (command.h): every change calls cmd_dirty(); all these commands
 * are deterministic as sent, so they are logged as the client sent them
 * (LMOVE and RPOPLPUSH included), and a write that changed nothing (a pop
 * on a missing key, a trim that kept everything) logs nothing. */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "blocking.h"
#include "command.h"
#include "db.h"
#include "object.h"
#include "reply.h"
#include "server_state.h"
#include "util/util.h"

enum { LIST_HEAD = 0, LIST_TAIL = 1 };

/* ---- helpers ---- */

static void push(struct robj *o, int where, const void *p, size_t n)
{
    struct rstr *s = rstr_new(p, n);
    if (where == LIST_HEAD)
        list_push_head(o, s);
    else
        list_push_tail(o, s);
}

static struct rstr *pop(struct robj *o, int where)
{
    return where == LIST_HEAD ? list_pop_head(o) : list_pop_tail(o);
}

static void reply_rstr(struct client *c, const struct rstr *s)
{
    reply_bulk(c, s->data, s->len);
}

/* Deletes key if its list was emptied: no empty lists in the keyspace. */
static void delete_if_empty(struct client *c, const struct resp_arg *key, struct robj *o)
{
    if (list_len(o) == 0)
        db_delete(c->db, key->ptr, key->len);
}

/* Parses LEFT / RIGHT; -1 if neither. */
static int parse_where(const struct resp_arg *a)
{
    if (eq_nocase(a->ptr, a->len, "left"))
        return LIST_HEAD;
    if (eq_nocase(a->ptr, a->len, "right"))
        return LIST_TAIL;
    return -1;
}

/* Converts a Redis index (negative: from the tail) to a position; returns
 * -1 if it is out of range. */
static long long norm_index(long long idx, size_t len)
{
    if (idx < 0)
        idx += (long long)len;
    if (idx < 0 || idx >= (long long)len)
        return -1;
    return idx;
}

/* Clamps a start/stop range as LRANGE and LTRIM do; returns 0 if it is
 * empty, else sets [*from, *to] (inclusive). */
static int norm_range(long long start, long long stop, size_t len, size_t *from, size_t *to)
{
    long long l = (long long)len;
    if (start < 0)
        start += l;
    if (stop < 0)
        stop += l;
    if (start < 0)
        start = 0;
    if (start > stop || start >= l)
        return 0;
    if (stop >= l)
        stop = l - 1;
    *from = (size_t)start;
    *to = (size_t)stop;
    return 1;
}

/* ---- push ---- */

static void push_generic(struct client *c, int where, int only_existing)
{
    const struct resp_arg *key = &c->argv[1];
    struct robj *o = cmd_lookup_write(c, key);
    if (o && o->type != OBJ_LIST) {
        reply_error_wrongtype(c);
        return;
    }
    if (!o) {
        if (only_existing) {
            reply_int(c, 0);
            return;
        }
        o = obj_new_list();
        db_set(c->db, key->ptr, key->len, o, 0);
    }
    for (int j = 2; j < c->argc; j++)
        push(o, where, c->argv[j].ptr, c->argv[j].len);
    cmd_dirty(c, c->argc - 2);
    reply_int(c, (long long)list_len(o));
}

static void lpush_cmd(struct client *c)
{
    push_generic(c, LIST_HEAD, 0);
}

static void rpush_cmd(struct client *c)
{
    push_generic(c, LIST_TAIL, 0);
}

static void lpushx_cmd(struct client *c)
{
    push_generic(c, LIST_HEAD, 1);
}

static void rpushx_cmd(struct client *c)
{
    push_generic(c, LIST_TAIL, 1);
}

/* ---- pop ---- */

static void pop_generic(struct client *c, int where)
{
    const struct resp_arg *key = &c->argv[1];
    int hascount = c->argc == 3;
    long long count = 0;
    if (c->argc > 3) {
        reply_error_arity(c, where == LIST_HEAD ? "lpop" : "rpop");
        return;
    }
    if (hascount) {
        /* Redis gives this one text for a non-number too. */
        if (str_to_ll(c->argv[2].ptr, c->argv[2].len, &count) != 0 || count < 0) {
            reply_error(c, "ERR value is out of range, must be positive");
            return;
        }
    }
    struct robj *o = cmd_lookup_write(c, key);
    if (!o) {
        if (hascount)
            reply_null_array(c);
        else
            reply_null(c);
        return;
    }
    if (o->type != OBJ_LIST) {
        reply_error_wrongtype(c);
        return;
    }
    if (!hascount) {
        struct rstr *s = pop(o, where);
        reply_rstr(c, s);
        rstr_free(s);
        cmd_dirty(c, 1);
        delete_if_empty(c, key, o);
        return;
    }
    if (count == 0) {
        reply_array(c, 0);
        return;
    }
    size_t n = (unsigned long long)count < list_len(o) ? (size_t)count : list_len(o);
    reply_array(c, (long long)n);
    for (size_t i = 0; i < n; i++) {
        struct rstr *s = pop(o, where);
        reply_rstr(c, s);
        rstr_free(s);
    }
    cmd_dirty(c, (int)(n > INT_MAX ? INT_MAX : n));
    delete_if_empty(c, key, o);
}

static void lpop_cmd(struct client *c)
{
    pop_generic(c, LIST_HEAD);
}

static void rpop_cmd(struct client *c)
{
    pop_generic(c, LIST_TAIL);
}

/* ---- read ---- */

static void llen_cmd(struct client *c)
{
    struct robj *o = cmd_lookup_read(c, &c->argv[1]);
    if (!o) {
        reply_int(c, 0);
        return;
    }
    if (o->type != OBJ_LIST) {
        reply_error_wrongtype(c);
        return;
    }
    reply_int(c, (long long)list_len(o));
}

static void lindex_cmd(struct client *c)
{
    struct robj *o = cmd_lookup_read(c, &c->argv[1]);
    if (!o) {
        reply_null(c);
        return;
    }
    if (o->type != OBJ_LIST) {
        reply_error_wrongtype(c);
        return;
    }
    long long idx;
    if (cmd_arg_ll(c, &c->argv[2], &idx) != 0)
        return;
    idx = norm_index(idx, list_len(o));
    if (idx < 0)
        reply_null(c);
    else
        reply_rstr(c, list_at(o, (size_t)idx));
}

static void lrange_cmd(struct client *c)
{
    long long start, stop;
    if (cmd_arg_ll(c, &c->argv[2], &start) != 0 || cmd_arg_ll(c, &c->argv[3], &stop) != 0)
        return;
    struct robj *o = cmd_lookup_read(c, &c->argv[1]);
    if (!o) {
        reply_array(c, 0);
        return;
    }
    if (o->type != OBJ_LIST) {
        reply_error_wrongtype(c);
        return;
    }
    size_t from, to;
    if (!norm_range(start, stop, list_len(o), &from, &to)) {
        reply_array(c, 0);
        return;
    }
    reply_array(c, (long long)(to - from + 1));
    for (size_t i = from; i <= to; i++)
        reply_rstr(c, list_at(o, i));
}

/* LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len] */
static void lpos_cmd(struct client *c)
{
    const struct resp_arg *ele = &c->argv[2];
    long long rank = 1, count = -1, maxlen = 0;
    for (int j = 3; j < c->argc; j++) {
        const struct resp_arg *opt = &c->argv[j];
        int moreargs = c->argc - 1 - j;
        long long v;
        if (moreargs && eq_nocase(opt->ptr, opt->len, "rank")) {
            if (cmd_arg_ll(c, &c->argv[j + 1], &v) != 0)
                return;
            /* Redis 7.0 lets LLONG_MIN through (its negation overflows);
             * later versions refuse it with this text, as we do. */
            if (v == LLONG_MIN) {
                reply_error(c, "ERR value is out of range, value must between "
                               "-9223372036854775807 and 9223372036854775807");
                return;
            }
            if (v == 0) {
                reply_error(c, "ERR RANK can't be zero: use 1 to start from the first match, "
                               "2 from the second ... or use negative to start from the end "
                               "of the list");
                return;
            }
            rank = v;
        } else if (moreargs && eq_nocase(opt->ptr, opt->len, "count")) {
            if (str_to_ll(c->argv[j + 1].ptr, c->argv[j + 1].len, &v) != 0 || v < 0) {
                reply_error(c, "ERR COUNT can't be negative");
                return;
            }
            count = v;
        } else if (moreargs && eq_nocase(opt->ptr, opt->len, "maxlen")) {
            if (str_to_ll(c->argv[j + 1].ptr, c->argv[j + 1].len, &v) != 0 || v < 0) {
                reply_error(c, "ERR MAXLEN can't be negative");
                return;
            }
            maxlen = v;
        } else {
            reply_error_syntax(c);
            return;
        }
        j++;
    }

    struct robj *o = cmd_lookup_read(c, &c->argv[1]);
    if (!o) {
        if (count != -1)
            reply_array(c, 0);
        else
            reply_null(c);
        return;
    }
    if (o->type != OBJ_LIST) {
        reply_error_wrongtype(c);
        return;
    }

    /* Scan from the head for a positive rank, from the tail for a negative
     * one; the rank-th match is the first one reported. */
    size_t len = list_len(o);
    int backwards = rank < 0;
    unsigned long long skip = (unsigned long long)(backwards ? -rank : rank) - 1;
    unsigned long long want = count == -1 ? 1 : count == 0 ? ULLONG_MAX : (unsigned long long)count;
    unsigned long long limit = maxlen == 0 ? ULLONG_MAX : (unsigned long long)maxlen;
    long long *found = NULL;
    size_t nfound = 0, capfound = 0;
    for (size_t k = 0; k < len && k < limit && nfound < want; k++) {
        size_t i = backwards ? len - 1 - k : k;
        const struct rstr *s = list_at(o, i);
        if (s->len != ele->len || (s->len && memcmp(s->data, ele->ptr, s->len) != 0))
            continue;
        if (skip) {
            skip--;
            continue;
        }
        if (nfound == capfound) {
            capfound = capfound ? capfound * 2 : 8;
            found = xrealloc(found, sizeof(*found) * capfound);
        }
        found[nfound++] = (long long)i;
    }
    if (count != -1) {
        reply_array(c, (long long)nfound);
        for (size_t i = 0; i < nfound; i++)
            reply_int(c, found[i]);
    } else if (nfound) {
        reply_int(c, found[0]);
    } else {
        reply_null(c);
    }
    free(found);
}

/* ---- in-place writes ---- */

static void lset_cmd(struct client *c)
{
    struct robj *o = cmd_lookup_write(c, &c->argv[1]);
    if (!o) {
        reply_error(c, "ERR no such key");
        return;
    }
    if (o->type != OBJ_LIST) {
        reply_error_wrongtype(c);
        return;
    }
    long long idx;
    if (cmd_arg_ll(c, &c->argv[2], &idx) != 0)
        return;
    idx = norm_index(idx, list_len(o));
    if (idx < 0) {
        reply_error(c, "ERR index out of range");
        return;
    }
    list_replace(o, (size_t)idx, rstr_new(c->argv[3].ptr, c->argv[3].len));
    cmd_dirty(c, 1);
    reply_ok(c);
}

static void linsert_cmd(struct client *c)
{
    int after;
    if (eq_nocase(c->argv[2].ptr, c->argv[2].len, "after")) {
        after = 1;
    } else if (eq_nocase(c->argv[2].ptr, c->argv[2].len, "before")) {
        after = 0;
    } else {
        reply_error_syntax(c);
        return;
    }
    struct robj *o = cmd_lookup_write(c, &c->argv[1]);
    if (!o) {
        reply_int(c, 0);
        return;
    }
    if (o->type != OBJ_LIST) {
        reply_error_wrongtype(c);
        return;
    }
    const struct resp_arg *pivot = &c->argv[3];
    size_t len = list_len(o);
    for (size_t i = 0; i < len; i++) {
        const struct rstr *s = list_at(o, i);
        if (s->len == pivot->len && (s->len == 0 || memcmp(s->data, pivot->ptr, s->len) == 0)) {
            list_insert(o, i + (size_t)after, rstr_new(c->argv[4].ptr, c->argv[4].len));
            cmd_dirty(c, 1);
            reply_int(c, (long long)list_len(o));
            return;
        }
    }
    reply_int(c, -1);
}

static void lrem_cmd(struct client *c)
{
    const struct resp_arg *key = &c->argv[1];
    long long count;
    if (cmd_arg_ll(c, &c->argv[2], &count) != 0)
        return;
    struct robj *o = cmd_lookup_write(c, key);
    if (!o) {
        reply_int(c, 0);
        return;
    }
    if (o->type != OBJ_LIST) {
        reply_error_wrongtype(c);
        return;
    }
    size_t removed = list_remove(o, c->argv[3].ptr, c->argv[3].len, count);
    if (removed) {
        cmd_dirty(c, (int)(removed > INT_MAX ? INT_MAX : removed));
        delete_if_empty(c, key, o);
    }
    reply_int(c, (long long)removed);
}

static void ltrim_cmd(struct client *c)
{
    const struct resp_arg *key = &c->argv[1];
    long long start, stop;
    if (cmd_arg_ll(c, &c->argv[2], &start) != 0 || cmd_arg_ll(c, &c->argv[3], &stop) != 0)
        return;
    struct robj *o = cmd_lookup_write(c, key);
    if (!o) {
        reply_ok(c);
        return;
    }
    if (o->type != OBJ_LIST) {
        reply_error_wrongtype(c);
        return;
    }
    size_t len = list_len(o), from = 0, to = 0, drop_head, drop_tail;
    if (norm_range(start, stop, len, &from, &to)) {
        drop_head = from;
        drop_tail = len - 1 - to;
    } else {
        drop_head = len; /* empty range: everything goes */
        drop_tail = 0;
    }
    for (size_t i = 0; i < drop_head; i++)
        rstr_free(list_pop_head(o));
    for (size_t i = 0; i < drop_tail; i++)
        rstr_free(list_pop_tail(o));
    size_t removed = drop_head + drop_tail;
    if (removed) {
        cmd_dirty(c, (int)(removed > INT_MAX ? INT_MAX : removed));
        delete_if_empty(c, key, o);
    }
    reply_ok(c);
}

/* ---- move ---- */

static void move_generic(struct client *c, int wherefrom, int whereto)
{
    const struct resp_arg *src = &c->argv[1], *dst = &c->argv[2];
    struct robj *so = cmd_lookup_write(c, src);
    if (!so) {
        reply_null(c);
        return;
    }
    if (so->type != OBJ_LIST) {
        reply_error_wrongtype(c);
        return;
    }
    struct robj *dobj = cmd_lookup_write(c, dst);
    if (dobj && dobj->type != OBJ_LIST) {
        reply_error_wrongtype(c);
        return;
    }
    struct rstr *s = pop(so, wherefrom);
    if (!dobj) {
        dobj = obj_new_list();
        db_set(c->db, dst->ptr, dst->len, dobj, 0);
    }
    /* The reply is sent before the element moves into the destination:
     * it then belongs to the list. */
    reply_rstr(c, s);
    if (whereto == LIST_HEAD)
        list_push_head(dobj, s);
    else
        list_push_tail(dobj, s);
    cmd_dirty(c, 1);
    /* With src == dst the list got its element back and is not empty. */
    delete_if_empty(c, src, so);
}

static void lmove_cmd(struct client *c)
{
    int from = parse_where(&c->argv[3]), to = parse_where(&c->argv[4]);
    if (from < 0 || to < 0) {
        reply_error_syntax(c);
        return;
    }
    move_generic(c, from, to);
}

static void rpoplpush_cmd(struct client *c)
{
    move_generic(c, LIST_TAIL, LIST_HEAD);
}

/* ---- blocking: BLPOP, BRPOP, BLMOVE, BRPOPLPUSH (blocking.h) ---- */

/* Serves from the first non-empty key in argument order, or blocks.  The
 * pop that happened is logged (LPOP/RPOP key), never the BLPOP: replayed,
 * a BLPOP could block or find another key. */
static void bpop_generic(struct client *c, int where)
{
    int64_t deadline;
    if (blocking_parse_timeout(c, &c->argv[c->argc - 1], &deadline) < 0)
        return;
    for (int i = 1; i < c->argc - 1; i++) {
        const struct resp_arg *key = &c->argv[i];
        struct robj *o = cmd_lookup_write(c, key);
        if (!o)
            continue;
        blocking_done(c);
        if (o->type != OBJ_LIST) {
            reply_error_wrongtype(c);
            return;
        }
        struct rstr *s = pop(o, where);
        reply_array(c, 2);
        reply_bulk(c, key->ptr, key->len);
        reply_rstr(c, s);
        rstr_free(s);
        struct resp_arg eff[2] = {{where == LIST_HEAD ? "LPOP" : "RPOP", 4}, *key};
        cmd_propagate(c, 2, eff);
        cmd_dirty(c, 1);
        delete_if_empty(c, key, o);
        return;
    }
    if (!blocking_block(c, &c->argv[1], c->argc - 2, deadline))
        reply_null_array(c); /* timed out, or cannot block (MULTI) */
}

static void blpop_cmd(struct client *c)
{
    bpop_generic(c, LIST_HEAD);
}

static void brpop_cmd(struct client *c)
{
    bpop_generic(c, LIST_TAIL);
}

static void bmove_generic(struct client *c, int from, int to, const struct resp_arg *timeout)
{
    int64_t deadline;
    if (blocking_parse_timeout(c, timeout, &deadline) < 0)
        return;
    struct robj *so = cmd_lookup_write(c, &c->argv[1]);
    if (!so) {
        if (!blocking_block(c, &c->argv[1], 1, deadline))
            reply_null(c);
        return;
    }
    blocking_done(c);
    move_generic(c, from, to);
    if (c->dirty) {
        struct resp_arg eff[5] = {{"LMOVE", 5},
                                  c->argv[1],
                                  c->argv[2],
                                  {from == LIST_HEAD ? "LEFT" : "RIGHT", from == LIST_HEAD ? 4 : 5},
                                  {to == LIST_HEAD ? "LEFT" : "RIGHT", to == LIST_HEAD ? 4 : 5}};
        cmd_propagate(c, 5, eff);
    }
}

static void blmove_cmd(struct client *c)
{
    int from = parse_where(&c->argv[3]), to = parse_where(&c->argv[4]);
    if (from < 0 || to < 0) {
        reply_error_syntax(c);
        return;
    }
    bmove_generic(c, from, to, &c->argv[5]);
}

static void brpoplpush_cmd(struct client *c)
{
    bmove_generic(c, LIST_TAIL, LIST_HEAD, &c->argv[3]);
}

/* ---- the table ---- */

#define KEY1 .first_key = 1, .last_key = 1, .key_step = 1
#define KEY2 .first_key = 1, .last_key = 2, .key_step = 1
#define PUSH_COMPLEXITY                                                                            \
    "O(1) for each element added, so O(N) to add N elements when the command is called with "      \
    "multiple arguments."
#define POP_COMPLEXITY "O(N) where N is the number of elements returned"

struct command list_commands[] = {
    {.name = "blpop",
     .proc = blpop_cmd,
     .arity = -3,
     .flags = CMD_WRITE | CMD_BLOCKING,
     .first_key = 1,
     .last_key = -2,
     .key_step = 1,
     .group = "list",
     .since = "2.0.0",
     .summary = "Remove and get the first element in a list, or block until one is available",
     .complexity = "O(N) where N is the number of provided keys.",
     .args = "key:key... timeout:double"},
    {.name = "brpop",
     .proc = brpop_cmd,
     .arity = -3,
     .flags = CMD_WRITE | CMD_BLOCKING,
     .first_key = 1,
     .last_key = -2,
     .key_step = 1,
     .group = "list",
     .since = "2.0.0",
     .summary = "Remove and get the last element in a list, or block until one is available",
     .complexity = "O(N) where N is the number of provided keys.",
     .args = "key:key... timeout:double"},
    {.name = "blmove",
     .proc = blmove_cmd,
     .arity = 6,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_BLOCKING,
     KEY2,
     .group = "list",
     .since = "6.2.0",
     .summary = "Pop an element from a list, push it to another list and return it; or block "
                "until one is available",
     .complexity = "O(1)",
     .args = "source:key destination:key (LEFT|RIGHT) (LEFT|RIGHT) timeout:double"},
    {.name = "brpoplpush",
     .proc = brpoplpush_cmd,
     .arity = 4,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_BLOCKING,
     KEY2,
     .group = "list",
     .since = "2.2.0",
     .summary = "Pop an element from a list, push it to another list and return it; or block "
                "until one is available",
     .complexity = "O(1)",
     .args = "source:key destination:key timeout:double"},
    {.name = "lpush",
     .proc = lpush_cmd,
     .arity = -3,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     KEY1,
     .group = "list",
     .since = "1.0.0",
     .summary = "Prepend one or multiple elements to a list",
     .complexity = PUSH_COMPLEXITY,
     .args = "key:key element:string..."},
    {.name = "rpush",
     .proc = rpush_cmd,
     .arity = -3,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     KEY1,
     .group = "list",
     .since = "1.0.0",
     .summary = "Append one or multiple elements to a list",
     .complexity = PUSH_COMPLEXITY,
     .args = "key:key element:string..."},
    {.name = "lpushx",
     .proc = lpushx_cmd,
     .arity = -3,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     KEY1,
     .group = "list",
     .since = "2.2.0",
     .summary = "Prepend an element to a list, only if the list exists",
     .complexity = PUSH_COMPLEXITY,
     .args = "key:key element:string..."},
    {.name = "rpushx",
     .proc = rpushx_cmd,
     .arity = -3,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     KEY1,
     .group = "list",
     .since = "2.2.0",
     .summary = "Append an element to a list, only if the list exists",
     .complexity = PUSH_COMPLEXITY,
     .args = "key:key element:string..."},
    {.name = "lpop",
     .proc = lpop_cmd,
     .arity = -2,
     .flags = CMD_WRITE | CMD_FAST,
     KEY1,
     .group = "list",
     .since = "1.0.0",
     .summary = "Remove and get the first elements in a list",
     .complexity = POP_COMPLEXITY,
     .args = "key:key [count:integer]"},
    {.name = "rpop",
     .proc = rpop_cmd,
     .arity = -2,
     .flags = CMD_WRITE | CMD_FAST,
     KEY1,
     .group = "list",
     .since = "1.0.0",
     .summary = "Remove and get the last elements in a list",
     .complexity = POP_COMPLEXITY,
     .args = "key:key [count:integer]"},
    {.name = "llen",
     .proc = llen_cmd,
     .arity = 2,
     .flags = CMD_READONLY | CMD_FAST,
     KEY1,
     .group = "list",
     .since = "1.0.0",
     .summary = "Get the length of a list",
     .complexity = "O(1)",
     .args = "key:key"},
    {.name = "lrange",
     .proc = lrange_cmd,
     .arity = 4,
     .flags = CMD_READONLY,
     KEY1,
     .group = "list",
     .since = "1.0.0",
     .summary = "Get a range of elements from a list",
     .complexity = "O(S+N) where S is the distance of start offset from HEAD for small lists, "
                   "from nearest end (HEAD or TAIL) for large lists; and N is the number of "
                   "elements in the specified range.",
     .args = "key:key start:integer stop:integer"},
    {.name = "lindex",
     .proc = lindex_cmd,
     .arity = 3,
     .flags = CMD_READONLY,
     KEY1,
     .group = "list",
     .since = "1.0.0",
     .summary = "Get an element from a list by its index",
     .complexity = "O(1)",
     .args = "key:key index:integer"},
    {.name = "lset",
     .proc = lset_cmd,
     .arity = 4,
     .flags = CMD_WRITE | CMD_DENYOOM,
     KEY1,
     .group = "list",
     .since = "1.0.0",
     .summary = "Set the value of an element in a list by its index",
     .complexity = "O(1)",
     .args = "key:key index:integer element:string"},
    {.name = "linsert",
     .proc = linsert_cmd,
     .arity = 5,
     .flags = CMD_WRITE | CMD_DENYOOM,
     KEY1,
     .group = "list",
     .since = "2.2.0",
     .summary = "Insert an element before or after another element in a list",
     .complexity = "O(N) where N is the number of elements to traverse before seeing the "
                   "value pivot.",
     .args = "key:key (BEFORE|AFTER) pivot:string element:string"},
    {.name = "lrem",
     .proc = lrem_cmd,
     .arity = 4,
     .flags = CMD_WRITE,
     KEY1,
     .group = "list",
     .since = "1.0.0",
     .summary = "Remove elements from a list",
     .complexity = "O(N+M) where N is the length of the list and M is the number of elements "
                   "removed.",
     .args = "key:key count:integer element:string"},
    {.name = "ltrim",
     .proc = ltrim_cmd,
     .arity = 4,
     .flags = CMD_WRITE,
     KEY1,
     .group = "list",
     .since = "1.0.0",
     .summary = "Trim a list to the specified range",
     .complexity = "O(N) where N is the number of elements to be removed by the operation.",
     .args = "key:key start:integer stop:integer"},
    {.name = "lpos",
     .proc = lpos_cmd,
     .arity = -3,
     .flags = CMD_READONLY,
     KEY1,
     .group = "list",
     .since = "6.0.6",
     .summary = "Return the index of matching elements on a list",
     .complexity = "O(N) where N is the number of elements in the list, for the average case. "
                   "When searching for elements near the head or the tail of the list, or when "
                   "the MAXLEN option is provided, the command may run in constant time.",
     .args = "key:key element:string [RANK rank:integer] [COUNT num-matches:integer] "
             "[MAXLEN len:integer]"},
    {.name = "lmove",
     .proc = lmove_cmd,
     .arity = 5,
     .flags = CMD_WRITE | CMD_DENYOOM,
     KEY2,
     .group = "list",
     .since = "6.2.0",
     .summary = "Pop an element from a list, push it to another list and return it",
     .complexity = "O(1)",
     .args = "source:key destination:key (LEFT|RIGHT) (LEFT|RIGHT)"},
    {.name = "rpoplpush",
     .proc = rpoplpush_cmd,
     .arity = 3,
     .flags = CMD_WRITE | CMD_DENYOOM,
     KEY2,
     .group = "list",
     .since = "1.2.0",
     .summary = "Remove the last element in a list, prepend it to another list and return it",
     .complexity = "O(1)",
     .args = "source:key destination:key"},
    {.name = NULL},
};
