/* commands/zset: the sorted set family (ZADD, ZRANGE, ZRANK, ZPOPMIN,
 * ZUNIONSTORE, ...).
 *
 * A sorted set is an OBJ_ZSET robj holding a struct zset (skiplist.h): a
 * skiplist with spans (O(log n) rank, access by rank and ranges) and a dict
 * member -> node (O(1) ZSCORE).  Semantics, replies and error texts are
 * Redis 7's (t_zset.c).  A sorted set never exists empty: a removal that
 * takes the last member deletes the key, and a STORE with an empty result
 * deletes the destination.
 *
 * Write path (command.h): every write is deterministic as sent (the score
 * arithmetic is IEEE double everywhere, the pops take the lowest/highest),
 * so they are logged as sent; one that changed nothing logs nothing. */
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
#include "skiplist.h"
#include "util/util.h"

static const char ERR_NAN[] = "ERR resulting score is not a number (NaN)";
static const char ERR_SCORE_RANGE[] = "ERR min or max is not a float";
static const char ERR_LEX_RANGE[] = "ERR min or max not valid string range item";

/* ---- helpers ---- */

static int get_zset(struct client *c, const struct resp_arg *key, int write, struct robj **out)
{
    struct robj *o = write ? cmd_lookup_write(c, key) : cmd_lookup_read(c, key);
    if (o && o->type != OBJ_ZSET) {
        reply_error_wrongtype(c);
        return -1;
    }
    *out = o;
    return 0;
}

static void delete_if_empty(struct client *c, const struct resp_arg *key, struct robj *o)
{
    if (zset_len(o->u.zset) == 0)
        db_delete(c->db, key->ptr, key->len);
}

static int parse_score(const struct resp_arg *a, double *out)
{
    return str_to_d(a->ptr, a->len, out);
}

/* "1.5", "(1.5", "-inf", "+inf": one end of a score interval. */
static int parse_score_bound(const struct resp_arg *a, double *v, int *ex)
{
    *ex = a->len > 0 && a->ptr[0] == '(';
    if (*ex)
        return str_to_d(a->ptr + 1, a->len - 1, v) == 0 ? 0 : -1;
    return str_to_d(a->ptr, a->len, v);
}

static int parse_score_range(const struct resp_arg *min, const struct resp_arg *max,
                             struct zscore_range *r)
{
    if (parse_score_bound(min, &r->min, &r->minex) < 0 ||
        parse_score_bound(max, &r->max, &r->maxex) < 0)
        return -1;
    return 0;
}

/* "[a", "(a", "-", "+": one end of a lex interval. */
static int parse_lex_bound(const struct resp_arg *a, const char **p, size_t *n, int *ex,
                           int *neg_inf, int *pos_inf)
{
    *neg_inf = *pos_inf = 0;
    *ex = 0;
    if (a->len == 1 && a->ptr[0] == '-') {
        *neg_inf = 1;
        return 0;
    }
    if (a->len == 1 && a->ptr[0] == '+') {
        *pos_inf = 1;
        return 0;
    }
    if (a->len == 0 || (a->ptr[0] != '[' && a->ptr[0] != '('))
        return -1;
    *ex = a->ptr[0] == '(';
    *p = a->ptr + 1;
    *n = a->len - 1;
    return 0;
}

static int parse_lex_range(const struct resp_arg *min, const struct resp_arg *max,
                           struct zlex_range *r)
{
    memset(r, 0, sizeof(*r));
    if (parse_lex_bound(min, &r->min, &r->minlen, &r->minex, &r->min_neg_inf, &r->min_pos_inf) <
            0 ||
        parse_lex_bound(max, &r->max, &r->maxlen, &r->maxex, &r->max_neg_inf, &r->max_pos_inf) < 0)
        return -1;
    return 0;
}

/* Scores as ZSCAN and WITHSCORES in RESP2 show them. */
static void reply_score(struct client *c, double d)
{
    reply_double(c, d);
}

/* ---- ZADD, ZINCRBY ---- */

enum {
    ZADD_NX = 1 << 0,
    ZADD_XX = 1 << 1,
    ZADD_GT = 1 << 2,
    ZADD_LT = 1 << 3,
    ZADD_CH = 1 << 4,
    ZADD_INCR = 1 << 5,
};

/* Result of adding one element: skipped by NX/XX/GT/LT, passed but the
 * score stayed the same, added, updated; or a NaN sum (INCR). */
enum { ZA_SKIPPED, ZA_SAME, ZA_ADDED, ZA_UPDATED, ZA_NAN };

static int zadd_one(struct zset *z, const struct resp_arg *m, double score, int flags,
                    double *newscore)
{
    struct zsl_node *n = zset_find(z, m->ptr, m->len);
    if (n) {
        if (flags & ZADD_NX)
            return ZA_SKIPPED;
        double cur = n->score;
        if (flags & ZADD_INCR) {
            score += cur;
            if (isnan(score))
                return ZA_NAN;
        }
        if (((flags & ZADD_LT) && score >= cur) || ((flags & ZADD_GT) && score <= cur))
            return ZA_SKIPPED;
        *newscore = score;
        if (score == cur)
            return ZA_SAME;
        zset_update(z, n, score);
        return ZA_UPDATED;
    }
    if (flags & ZADD_XX)
        return ZA_SKIPPED;
    zset_insert(z, m->ptr, m->len, score);
    *newscore = score;
    return ZA_ADDED;
}

static void zadd_generic(struct client *c, int flags, int first)
{
    int i = first;
    for (; i < c->argc; i++) {
        const struct resp_arg *a = &c->argv[i];
        if (cmd_arg_is(a, "nx"))
            flags |= ZADD_NX;
        else if (cmd_arg_is(a, "xx"))
            flags |= ZADD_XX;
        else if (cmd_arg_is(a, "gt"))
            flags |= ZADD_GT;
        else if (cmd_arg_is(a, "lt"))
            flags |= ZADD_LT;
        else if (cmd_arg_is(a, "ch"))
            flags |= ZADD_CH;
        else if (cmd_arg_is(a, "incr"))
            flags |= ZADD_INCR;
        else
            break;
    }
    int elements = c->argc - i;
    if (elements == 0 || elements % 2) {
        reply_error_syntax(c);
        return;
    }
    elements /= 2;
    if ((flags & ZADD_NX) && (flags & ZADD_XX)) {
        reply_error(c, "ERR XX and NX options at the same time are not compatible");
        return;
    }
    if (((flags & ZADD_GT) && (flags & ZADD_NX)) || ((flags & ZADD_LT) && (flags & ZADD_NX)) ||
        ((flags & ZADD_GT) && (flags & ZADD_LT))) {
        reply_error(c, "ERR GT, LT, and/or NX options at the same time are not compatible");
        return;
    }
    if ((flags & ZADD_INCR) && elements > 1) {
        reply_error(c, "ERR INCR option supports a single increment-element pair");
        return;
    }
    double *scores = xmalloc(sizeof(*scores) * (size_t)elements);
    for (int j = 0; j < elements; j++) {
        if (parse_score(&c->argv[i + 2 * j], &scores[j]) != 0) {
            reply_error_not_float(c);
            free(scores);
            return;
        }
    }
    struct robj *o;
    if (get_zset(c, &c->argv[1], 1, &o) < 0) {
        free(scores);
        return;
    }
    if (!o && !(flags & ZADD_XX)) {
        o = obj_new_zset();
        db_set(c->db, c->argv[1].ptr, c->argv[1].len, o, 0);
    }
    int added = 0, updated = 0, last = ZA_SKIPPED;
    double newscore = 0;
    for (int j = 0; o && j < elements; j++) {
        last = zadd_one(o->u.zset, &c->argv[i + 2 * j + 1], scores[j], flags, &newscore);
        if (last == ZA_NAN)
            break; /* INCR: the only element */
        added += last == ZA_ADDED;
        updated += last == ZA_UPDATED;
    }
    free(scores);
    if (o)
        delete_if_empty(c, &c->argv[1], o); /* created, then nothing added */
    if (added + updated)
        cmd_dirty(c, added + updated);
    if (last == ZA_NAN) {
        reply_error(c, ERR_NAN);
        return;
    }
    if (flags & ZADD_INCR) {
        if (last == ZA_SKIPPED)
            reply_null(c);
        else
            reply_score(c, newscore);
        return;
    }
    reply_int(c, (flags & ZADD_CH) ? added + updated : added);
}

static void zadd_cmd(struct client *c)
{
    zadd_generic(c, 0, 2);
}

static void zincrby_cmd(struct client *c)
{
    /* ZINCRBY key increment member == ZADD key INCR increment member */
    zadd_generic(c, ZADD_INCR, 2);
}

/* ---- ZREM, ZCARD, ZSCORE, ZMSCORE, ZRANK, ZCOUNT, ZLEXCOUNT ---- */

static void zrem_cmd(struct client *c)
{
    struct robj *o;
    if (get_zset(c, &c->argv[1], 1, &o) < 0)
        return;
    int removed = 0;
    for (int i = 2; o && i < c->argc; i++)
        removed += zset_delete(o->u.zset, c->argv[i].ptr, c->argv[i].len);
    if (removed) {
        delete_if_empty(c, &c->argv[1], o);
        cmd_dirty(c, removed);
    }
    reply_int(c, removed);
}

static void zcard_cmd(struct client *c)
{
    struct robj *o;
    if (get_zset(c, &c->argv[1], 0, &o) < 0)
        return;
    reply_int(c, o ? (long long)zset_len(o->u.zset) : 0);
}

static void zscore_cmd(struct client *c)
{
    struct robj *o;
    if (get_zset(c, &c->argv[1], 0, &o) < 0)
        return;
    struct zsl_node *n = o ? zset_find(o->u.zset, c->argv[2].ptr, c->argv[2].len) : NULL;
    if (n)
        reply_score(c, n->score);
    else
        reply_null(c);
}

static void zmscore_cmd(struct client *c)
{
    struct robj *o;
    if (get_zset(c, &c->argv[1], 0, &o) < 0)
        return;
    reply_array(c, c->argc - 2);
    for (int i = 2; i < c->argc; i++) {
        struct zsl_node *n = o ? zset_find(o->u.zset, c->argv[i].ptr, c->argv[i].len) : NULL;
        if (n)
            reply_score(c, n->score);
        else
            reply_null(c);
    }
}

static void rank_generic(struct client *c, int rev)
{
    struct robj *o;
    if (get_zset(c, &c->argv[1], 0, &o) < 0)
        return;
    struct zsl_node *n = o ? zset_find(o->u.zset, c->argv[2].ptr, c->argv[2].len) : NULL;
    if (!n) {
        reply_null(c);
        return;
    }
    size_t r = zset_rank(o->u.zset, n);
    reply_int(c, (long long)(rev ? zset_len(o->u.zset) - 1 - r : r));
}

static void zrank_cmd(struct client *c)
{
    rank_generic(c, 0);
}

static void zrevrank_cmd(struct client *c)
{
    rank_generic(c, 1);
}

static void zcount_cmd(struct client *c)
{
    struct zscore_range r;
    if (parse_score_range(&c->argv[2], &c->argv[3], &r) < 0) {
        reply_error(c, ERR_SCORE_RANGE);
        return;
    }
    struct robj *o;
    if (get_zset(c, &c->argv[1], 0, &o) < 0)
        return;
    struct zsl_node *first = o ? zset_first_in_score(o->u.zset, &r) : NULL;
    if (!first) {
        reply_int(c, 0);
        return;
    }
    struct zsl_node *last = zset_last_in_score(o->u.zset, &r);
    reply_int(c, (long long)(zset_rank(o->u.zset, last) - zset_rank(o->u.zset, first) + 1));
}

static void zlexcount_cmd(struct client *c)
{
    struct zlex_range r;
    if (parse_lex_range(&c->argv[2], &c->argv[3], &r) < 0) {
        reply_error(c, ERR_LEX_RANGE);
        return;
    }
    struct robj *o;
    if (get_zset(c, &c->argv[1], 0, &o) < 0)
        return;
    struct zsl_node *first = o ? zset_first_in_lex(o->u.zset, &r) : NULL;
    if (!first) {
        reply_int(c, 0);
        return;
    }
    struct zsl_node *last = zset_last_in_lex(o->u.zset, &r);
    reply_int(c, (long long)(zset_rank(o->u.zset, last) - zset_rank(o->u.zset, first) + 1));
}

/* ---- ZRANGE and friends ---- */

enum { BY_AUTO, BY_RANK, BY_SCORE, BY_LEX };
enum { DIR_AUTO, DIR_FWD, DIR_REV };

/* Where a range's result goes: the client (with or without scores) or a
 * new zset for ZRANGESTORE. */
struct range_out {
    struct client *c;
    int withscores;
    struct zset *store; /* non-NULL for ZRANGESTORE */
    size_t n;
    void *len_slot; /* deferred array length */
};

static void out_node(struct range_out *out, const struct zsl_node *n)
{
    out->n++;
    if (out->store) {
        zset_insert(out->store, n->member, n->mlen, n->score);
        return;
    }
    if (out->withscores && out->c->resp >= 3)
        reply_array(out->c, 2);
    reply_bulk(out->c, n->member, n->mlen);
    if (out->withscores)
        reply_score(out->c, n->score);
}

/* Collects the nodes of the range in order into an array (so the reply
 * length is known before the elements are written). */
struct node_vec {
    const struct zsl_node **v;
    size_t n, cap;
};

static void vec_push(struct node_vec *v, const struct zsl_node *n)
{
    if (v->n == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 16;
        v->v = xrealloc(v->v, sizeof(*v->v) * v->cap);
    }
    v->v[v->n++] = n;
}

static void range_by_rank(struct zset *z, long long start, long long end, int rev,
                          struct node_vec *res)
{
    long long len = (long long)zset_len(z);
    if (start < 0)
        start += len;
    if (end < 0)
        end += len;
    if (start < 0)
        start = 0;
    if (start > end || start >= len)
        return;
    if (end >= len)
        end = len - 1;
    long long count = end - start + 1;
    const struct zsl_node *n = zset_at(z, (size_t)(rev ? len - 1 - start : start));
    while (n && count--) {
        vec_push(res, n);
        n = rev ? zset_prev(n) : zset_next(n);
    }
}

static void range_by_score(struct zset *z, const struct zscore_range *r, int rev, long long offset,
                           long long limit, struct node_vec *res)
{
    const struct zsl_node *n = rev ? zset_last_in_score(z, r) : zset_first_in_score(z, r);
    if (offset < 0)
        return;
    while (n && offset > 0) {
        n = rev ? zset_prev(n) : zset_next(n);
        offset--;
    }
    while (n && limit != 0) {
        if (rev ? !zscore_gte_min(n->score, r) : !zscore_lte_max(n->score, r))
            break;
        vec_push(res, n);
        n = rev ? zset_prev(n) : zset_next(n);
        if (limit > 0)
            limit--;
    }
}

static void range_by_lex(struct zset *z, const struct zlex_range *r, int rev, long long offset,
                         long long limit, struct node_vec *res)
{
    const struct zsl_node *n = rev ? zset_last_in_lex(z, r) : zset_first_in_lex(z, r);
    if (offset < 0)
        return;
    while (n && offset > 0) {
        n = rev ? zset_prev(n) : zset_next(n);
        offset--;
    }
    while (n && limit != 0) {
        if (rev ? !zlex_gte_min(n->member, n->mlen, r) : !zlex_lte_max(n->member, n->mlen, r))
            break;
        vec_push(res, n);
        n = rev ? zset_prev(n) : zset_next(n);
        if (limit > 0)
            limit--;
    }
}

/* The ZRANGE engine (Redis's zrangeGenericCommand): key at argv[key],
 * the range at argv[key+1], argv[key+2], options after; store: the
 * destination argument (ZRANGESTORE) or NULL. */
static void zrange_generic(struct client *c, int key, const struct resp_arg *store, int by, int dir)
{
    int withscores = 0;
    long long offset = 0, limit = -1;
    int minidx = key + 1, maxidx = key + 2;
    for (int j = key + 3; j < c->argc; j++) {
        int left = c->argc - j - 1;
        const struct resp_arg *a = &c->argv[j];
        if (!store && cmd_arg_is(a, "withscores")) {
            withscores = 1;
        } else if (cmd_arg_is(a, "limit") && left >= 2) {
            if (cmd_arg_ll(c, &c->argv[j + 1], &offset) < 0 ||
                cmd_arg_ll(c, &c->argv[j + 2], &limit) < 0)
                return;
            j += 2;
        } else if (dir == DIR_AUTO && cmd_arg_is(a, "rev")) {
            dir = DIR_REV;
        } else if (by == BY_AUTO && cmd_arg_is(a, "bylex")) {
            by = BY_LEX;
        } else if (by == BY_AUTO && cmd_arg_is(a, "byscore")) {
            by = BY_SCORE;
        } else {
            reply_error_syntax(c);
            return;
        }
    }
    if (dir == DIR_AUTO)
        dir = DIR_FWD;
    if (by == BY_AUTO)
        by = BY_RANK;
    if (limit != -1 && by == BY_RANK) {
        reply_error(c, "ERR syntax error, LIMIT is only supported in combination with either "
                       "BYSCORE or BYLEX");
        return;
    }
    if (withscores && by == BY_LEX) {
        reply_error(c, "ERR syntax error, WITHSCORES not supported in combination with BYLEX");
        return;
    }
    int rev = dir == DIR_REV;
    if (rev && by != BY_RANK) {
        /* the interval is given as max, min */
        int t = minidx;
        minidx = maxidx;
        maxidx = t;
    }
    long long start = 0, end = 0;
    struct zscore_range sr;
    struct zlex_range lr;
    if (by == BY_RANK) {
        if (cmd_arg_ll(c, &c->argv[minidx], &start) < 0 ||
            cmd_arg_ll(c, &c->argv[maxidx], &end) < 0)
            return;
    } else if (by == BY_SCORE) {
        if (parse_score_range(&c->argv[minidx], &c->argv[maxidx], &sr) < 0) {
            reply_error(c, ERR_SCORE_RANGE);
            return;
        }
    } else if (parse_lex_range(&c->argv[minidx], &c->argv[maxidx], &lr) < 0) {
        reply_error(c, ERR_LEX_RANGE);
        return;
    }
    struct robj *o;
    if (get_zset(c, &c->argv[key], store != NULL, &o) < 0)
        return;
    struct node_vec res = {NULL, 0, 0};
    if (o) {
        struct zset *z = o->u.zset;
        if (by == BY_RANK)
            range_by_rank(z, start, end, rev, &res);
        else if (by == BY_SCORE)
            range_by_score(z, &sr, rev, offset, limit, &res);
        else
            range_by_lex(z, &lr, rev, offset, limit, &res);
    }
    struct range_out out = {c, withscores, NULL, 0, NULL};
    if (store) {
        if (res.n == 0) {
            if (db_delete(c->db, store->ptr, store->len))
                cmd_dirty(c, 1);
            reply_int(c, 0);
            free(res.v);
            return;
        }
        struct robj *dst = obj_new_zset();
        out.store = dst->u.zset;
        for (size_t i = 0; i < res.n; i++)
            out_node(&out, res.v[i]);
        free(res.v);
        db_set(c->db, store->ptr, store->len, dst, 0);
        cmd_dirty(c, 1);
        reply_int(c, (long long)out.n);
        return;
    }
    reply_array(c, (long long)res.n * (withscores && c->resp < 3 ? 2 : 1));
    for (size_t i = 0; i < res.n; i++)
        out_node(&out, res.v[i]);
    free(res.v);
}

static void zrange_cmd(struct client *c)
{
    zrange_generic(c, 1, NULL, BY_AUTO, DIR_AUTO);
}

static void zrangestore_cmd(struct client *c)
{
    zrange_generic(c, 2, &c->argv[1], BY_AUTO, DIR_AUTO);
}

static void zrevrange_cmd(struct client *c)
{
    zrange_generic(c, 1, NULL, BY_RANK, DIR_REV);
}

static void zrangebyscore_cmd(struct client *c)
{
    zrange_generic(c, 1, NULL, BY_SCORE, DIR_FWD);
}

static void zrevrangebyscore_cmd(struct client *c)
{
    zrange_generic(c, 1, NULL, BY_SCORE, DIR_REV);
}

static void zrangebylex_cmd(struct client *c)
{
    zrange_generic(c, 1, NULL, BY_LEX, DIR_FWD);
}

static void zrevrangebylex_cmd(struct client *c)
{
    zrange_generic(c, 1, NULL, BY_LEX, DIR_REV);
}

/* ---- ZPOPMIN, ZPOPMAX ---- */

static void pop_generic(struct client *c, int max)
{
    if (c->argc > 3) {
        reply_error_syntax(c);
        return;
    }
    long long count = 1;
    int has_count = c->argc == 3;
    if (has_count) {
        if (str_to_ll(c->argv[2].ptr, c->argv[2].len, &count) != 0 || count < 0) {
            reply_error(c, "ERR value is out of range, must be positive");
            return;
        }
    }
    struct robj *o;
    if (get_zset(c, &c->argv[1], 1, &o) < 0)
        return;
    if (!o || count == 0) {
        reply_array(c, 0);
        return;
    }
    struct zset *z = o->u.zset;
    size_t n = (unsigned long long)count < zset_len(z) ? (size_t)count : zset_len(z);
    /* RESP3 with a count: an array of [member, score] pairs; otherwise
     * flat member, score, member, score. */
    int nested = c->resp >= 3 && has_count;
    reply_array(c, (long long)(nested ? n : n * 2));
    for (size_t i = 0; i < n; i++) {
        struct zsl_node *x = max ? zset_last(z) : zset_first(z);
        if (nested)
            reply_array(c, 2);
        reply_bulk(c, x->member, x->mlen);
        reply_score(c, x->score);
        zset_delete(z, x->member, x->mlen);
    }
    cmd_dirty(c, (int)(n > INT32_MAX ? INT32_MAX : n));
    delete_if_empty(c, &c->argv[1], o);
}

static void zpopmin_cmd(struct client *c)
{
    pop_generic(c, 0);
}

static void zpopmax_cmd(struct client *c)
{
    pop_generic(c, 1);
}

/* ---- ZREMRANGEBYRANK / SCORE / LEX ---- */

static void remrange_done(struct client *c, struct robj *o, size_t removed)
{
    if (removed) {
        delete_if_empty(c, &c->argv[1], o);
        cmd_dirty(c, (int)(removed > INT32_MAX ? INT32_MAX : removed));
    }
    reply_int(c, (long long)removed);
}

static void zremrangebyrank_cmd(struct client *c)
{
    long long start, end;
    if (cmd_arg_ll(c, &c->argv[2], &start) < 0 || cmd_arg_ll(c, &c->argv[3], &end) < 0)
        return;
    struct robj *o;
    if (get_zset(c, &c->argv[1], 1, &o) < 0)
        return;
    if (!o) {
        reply_int(c, 0);
        return;
    }
    long long len = (long long)zset_len(o->u.zset);
    if (start < 0)
        start += len;
    if (end < 0)
        end += len;
    if (start < 0)
        start = 0;
    if (start > end || start >= len) {
        reply_int(c, 0);
        return;
    }
    if (end >= len)
        end = len - 1;
    remrange_done(c, o, zset_delete_rank_range(o->u.zset, (size_t)start, (size_t)end));
}

static void zremrangebyscore_cmd(struct client *c)
{
    struct zscore_range r;
    if (parse_score_range(&c->argv[2], &c->argv[3], &r) < 0) {
        reply_error(c, ERR_SCORE_RANGE);
        return;
    }
    struct robj *o;
    if (get_zset(c, &c->argv[1], 1, &o) < 0)
        return;
    if (!o) {
        reply_int(c, 0);
        return;
    }
    remrange_done(c, o, zset_delete_score_range(o->u.zset, &r));
}

static void zremrangebylex_cmd(struct client *c)
{
    struct zlex_range r;
    if (parse_lex_range(&c->argv[2], &c->argv[3], &r) < 0) {
        reply_error(c, ERR_LEX_RANGE);
        return;
    }
    struct robj *o;
    if (get_zset(c, &c->argv[1], 1, &o) < 0)
        return;
    if (!o) {
        reply_int(c, 0);
        return;
    }
    remrange_done(c, o, zset_delete_lex_range(o->u.zset, &r));
}

/* ---- ZUNIONSTORE, ZINTERSTORE ---- */

enum { AGG_SUM, AGG_MIN, AGG_MAX };

static double aggregate(double acc, double v, int agg)
{
    if (agg == AGG_SUM) {
        acc += v;
        return isnan(acc) ? 0.0 : acc; /* inf + -inf: 0, as Redis */
    }
    if (agg == AGG_MIN)
        return v < acc ? v : acc;
    return v > acc ? v : acc;
}

/* A source of ZUNIONSTORE/ZINTERSTORE: a zset, a set (scores 1), or
 * missing (empty). */
struct source {
    struct robj *o;
    double weight;
};

static size_t source_len(const struct source *s)
{
    if (!s->o)
        return 0;
    return s->o->type == OBJ_SET ? set_size(s->o) : zset_len(s->o->u.zset);
}

/* The weighted score of member m in source s; 0 if absent. */
static int source_score(const struct source *s, const char *m, size_t mlen, double *out)
{
    if (!s->o)
        return 0;
    double v;
    if (s->o->type == OBJ_SET) {
        if (!dict_find(s->o->u.set, m, mlen))
            return 0;
        v = 1.0;
    } else {
        struct zsl_node *n = zset_find(s->o->u.zset, m, mlen);
        if (!n)
            return 0;
        v = n->score;
    }
    v *= s->weight;
    *out = isnan(v) ? 0.0 : v;
    return 1;
}

static int by_source_len(const void *a, const void *b)
{
    size_t x = source_len(a), y = source_len(b);
    return x < y ? -1 : x > y;
}

/* Calls fn for every member of source s with its weighted score. */
static void source_each(const struct source *s,
                        void (*fn)(void *ud, const char *m, size_t mlen, double score), void *ud)
{
    if (!s->o)
        return;
    if (s->o->type == OBJ_SET) {
        struct dict_iter it;
        struct dict_entry *e;
        dict_iter_init(&it, s->o->u.set);
        while ((e = dict_next(&it)) != NULL) {
            double v = s->weight;
            fn(ud, e->key, e->klen, isnan(v) ? 0.0 : v);
        }
        dict_iter_release(&it);
        return;
    }
    for (struct zsl_node *n = zset_first(s->o->u.zset); n; n = zset_next(n)) {
        double v = n->score * s->weight;
        fn(ud, n->member, n->mlen, isnan(v) ? 0.0 : v);
    }
}

struct agg_ctx {
    struct dict *acc; /* member -> double* */
    int agg;
};

static void free_double(void *p)
{
    free(p);
}

static void union_add(void *ud, const char *m, size_t mlen, double score)
{
    struct agg_ctx *a = ud;
    int created;
    struct dict_entry *e = dict_add_or_find(a->acc, m, mlen, &created);
    if (created) {
        double *d = xmalloc(sizeof(*d));
        *d = score;
        e->val = d;
    } else {
        double *d = e->val;
        *d = aggregate(*d, score, a->agg);
    }
}

struct inter_ctx {
    struct source *src;
    int n, agg;
    struct zset *out;
};

static void inter_check(void *ud, const char *m, size_t mlen, double score)
{
    struct inter_ctx *x = ud;
    double acc = score;
    for (int j = 1; j < x->n; j++) {
        double v;
        if (!source_score(&x->src[j], m, mlen, &v))
            return;
        acc = aggregate(acc, v, x->agg);
    }
    zset_insert(x->out, m, mlen, acc);
}

static void store_generic(struct client *c, int inter)
{
    const struct resp_arg *dst = &c->argv[1];
    long long numkeys;
    if (cmd_arg_ll(c, &c->argv[2], &numkeys) < 0)
        return;
    if (numkeys < 1) {
        reply_errorf(c, "ERR at least 1 input key is needed for '%s' command",
                     inter ? "zinterstore" : "zunionstore");
        return;
    }
    if (numkeys > c->argc - 3) {
        reply_error_syntax(c);
        return;
    }
    int n = (int)numkeys;
    struct source *src = xcalloc((size_t)n, sizeof(*src));
    for (int j = 0; j < n; j++)
        src[j].weight = 1.0;
    int agg = AGG_SUM;
    for (int j = 3 + n; j < c->argc; j++) {
        int left = c->argc - j - 1;
        if (cmd_arg_is(&c->argv[j], "weights") && left >= n) {
            for (int k = 0; k < n; k++) {
                if (str_to_d(c->argv[j + 1 + k].ptr, c->argv[j + 1 + k].len, &src[k].weight) != 0) {
                    reply_error(c, "ERR weight value is not a float");
                    free(src);
                    return;
                }
            }
            j += n;
        } else if (cmd_arg_is(&c->argv[j], "aggregate") && left >= 1) {
            const struct resp_arg *a = &c->argv[j + 1];
            if (cmd_arg_is(a, "sum"))
                agg = AGG_SUM;
            else if (cmd_arg_is(a, "min"))
                agg = AGG_MIN;
            else if (cmd_arg_is(a, "max"))
                agg = AGG_MAX;
            else {
                reply_error_syntax(c);
                free(src);
                return;
            }
            j++;
        } else {
            reply_error_syntax(c);
            free(src);
            return;
        }
    }
    for (int j = 0; j < n; j++) {
        struct robj *o = cmd_lookup_write(c, &c->argv[3 + j]);
        if (o && o->type != OBJ_ZSET && o->type != OBJ_SET) {
            reply_error_wrongtype(c);
            free(src);
            return;
        }
        src[j].o = o;
    }
    struct robj *res = obj_new_zset();
    if (inter) {
        int empty = 0;
        for (int j = 0; j < n; j++)
            empty |= source_len(&src[j]) == 0;
        if (!empty) {
            qsort(src, (size_t)n, sizeof(*src), by_source_len);
            struct inter_ctx x = {src, n, agg, res->u.zset};
            source_each(&src[0], inter_check, &x);
        }
    } else {
        struct agg_ctx a = {dict_create(free_double), agg};
        for (int j = 0; j < n; j++)
            source_each(&src[j], union_add, &a);
        struct dict_iter it;
        struct dict_entry *e;
        dict_iter_init(&it, a.acc);
        while ((e = dict_next(&it)) != NULL)
            zset_insert(res->u.zset, e->key, e->klen, *(double *)e->val);
        dict_iter_release(&it);
        dict_free(a.acc);
    }
    free(src);
    size_t len = zset_len(res->u.zset);
    if (len == 0) {
        obj_free(res);
        if (db_delete(c->db, dst->ptr, dst->len))
            cmd_dirty(c, 1);
        reply_int(c, 0);
        return;
    }
    db_set(c->db, dst->ptr, dst->len, res, 0);
    cmd_dirty(c, 1);
    reply_int(c, (long long)len);
}

static void zunionstore_cmd(struct client *c)
{
    store_generic(c, 0);
}

static void zinterstore_cmd(struct client *c)
{
    store_generic(c, 1);
}

/* ---- ZSCAN ---- */

static void zscan_emit(struct client *c, struct dict_entry *e)
{
    const struct zsl_node *n = e->val;
    char num[32];
    int len = d_to_str(num, sizeof(num), n->score);
    reply_bulk(c, e->key, e->klen);
    reply_bulk(c, num, (size_t)len); /* ZSCAN scores are bulk strings in RESP3 too */
}

static void zscan_cmd(struct client *c)
{
    uint64_t cursor;
    if (cmd_parse_cursor(c, &c->argv[2], &cursor) < 0)
        return;
    struct robj *o;
    if (get_zset(c, &c->argv[1], 0, &o) < 0)
        return;
    cmd_scan_dict(c, o ? o->u.zset->dict : NULL, cursor, 2, zscan_emit);
}

/* ---- the table ---- */

#define KEY1 .first_key = 1, .last_key = 1, .key_step = 1
#define KEY2 .first_key = 1, .last_key = 2, .key_step = 1
#define G    .group = "sorted_set"
#define LOGN "O(log(N)) where N is the number of elements in the sorted set."
#define RANGE_CX                                                                                   \
    "O(log(N)+M) with N being the number of elements in the sorted set and M the number of "       \
    "elements returned."
#define REM_CX                                                                                     \
    "O(log(N)+M) with N being the number of elements in the sorted set and M the number of "       \
    "elements removed by the operation."
#define STORE_CX                                                                                   \
    "O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and M being "    \
    "the number of elements in the resulting sorted set."

struct command zset_commands[] = {
    {.name = "zadd",
     .proc = zadd_cmd,
     .arity = -4,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     KEY1,
     G,
     .since = "1.2.0",
     .summary = "Add one or more members to a sorted set, or update its score if it already "
                "exists",
     .complexity = "O(log(N)) for each item added, where N is the number of elements in the "
                   "sorted set.",
     .args = "key:key [NX|XX] [GT|LT] [CH] [INCR] (score:double member:string)..."},
    {.name = "zincrby",
     .proc = zincrby_cmd,
     .arity = 4,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     KEY1,
     G,
     .since = "1.2.0",
     .summary = "Increment the score of a member in a sorted set",
     .complexity = LOGN,
     .args = "key:key increment:double member:string"},
    {.name = "zrem",
     .proc = zrem_cmd,
     .arity = -3,
     .flags = CMD_WRITE | CMD_FAST,
     KEY1,
     G,
     .since = "1.2.0",
     .summary = "Remove one or more members from a sorted set",
     .complexity = "O(M*log(N)) with N being the number of elements in the sorted set and M the "
                   "number of elements to be removed.",
     .args = "key:key member:string..."},
    {.name = "zcard",
     .proc = zcard_cmd,
     .arity = 2,
     .flags = CMD_READONLY | CMD_FAST,
     KEY1,
     G,
     .since = "1.2.0",
     .summary = "Get the number of members in a sorted set",
     .complexity = "O(1)",
     .args = "key:key"},
    {.name = "zscore",
     .proc = zscore_cmd,
     .arity = 3,
     .flags = CMD_READONLY | CMD_FAST,
     KEY1,
     G,
     .since = "1.2.0",
     .summary = "Get the score associated with the given member in a sorted set",
     .complexity = "O(1)",
     .args = "key:key member:string"},
    {.name = "zmscore",
     .proc = zmscore_cmd,
     .arity = -3,
     .flags = CMD_READONLY | CMD_FAST,
     KEY1,
     G,
     .since = "6.2.0",
     .summary = "Get the score associated with the given members in a sorted set",
     .complexity = "O(N) where N is the number of members being requested.",
     .args = "key:key member:string..."},
    {.name = "zrank",
     .proc = zrank_cmd,
     .arity = 3,
     .flags = CMD_READONLY | CMD_FAST,
     KEY1,
     G,
     .since = "2.0.0",
     .summary = "Determine the index of a member in a sorted set",
     .complexity = LOGN,
     .args = "key:key member:string"},
    {.name = "zrevrank",
     .proc = zrevrank_cmd,
     .arity = 3,
     .flags = CMD_READONLY | CMD_FAST,
     KEY1,
     G,
     .since = "2.0.0",
     .summary = "Determine the index of a member in a sorted set, with scores ordered from high "
                "to low",
     .complexity = LOGN,
     .args = "key:key member:string"},
    {.name = "zcount",
     .proc = zcount_cmd,
     .arity = 4,
     .flags = CMD_READONLY | CMD_FAST,
     KEY1,
     G,
     .since = "2.0.0",
     .summary = "Count the members in a sorted set with scores within the given values",
     .complexity = LOGN,
     .args = "key:key min:double max:double"},
    {.name = "zlexcount",
     .proc = zlexcount_cmd,
     .arity = 4,
     .flags = CMD_READONLY | CMD_FAST,
     KEY1,
     G,
     .since = "2.8.9",
     .summary = "Count the number of members in a sorted set between a given lexicographical "
                "range",
     .complexity = LOGN,
     .args = "key:key min:string max:string"},
    {.name = "zrange",
     .proc = zrange_cmd,
     .arity = -4,
     .flags = CMD_READONLY,
     KEY1,
     G,
     .since = "1.2.0",
     .summary = "Return a range of members in a sorted set",
     .complexity = RANGE_CX,
     .args = "key:key start:string stop:string [BYSCORE|BYLEX] [REV] [LIMIT offset:integer "
             "count:integer] [WITHSCORES]"},
    {.name = "zrangestore",
     .proc = zrangestore_cmd,
     .arity = -5,
     .flags = CMD_WRITE | CMD_DENYOOM,
     KEY2,
     G,
     .since = "6.2.0",
     .summary = "Store a range of members from sorted set into another key",
     .complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the "
                   "number of elements stored into the destination key.",
     .args = "dst:key src:key min:string max:string [BYSCORE|BYLEX] [REV] [LIMIT "
             "offset:integer count:integer]"},
    {.name = "zrevrange",
     .proc = zrevrange_cmd,
     .arity = -4,
     .flags = CMD_READONLY,
     KEY1,
     G,
     .since = "1.2.0",
     .summary = "Return a range of members in a sorted set, by index, with scores ordered from "
                "high to low",
     .complexity = RANGE_CX,
     .args = "key:key start:integer stop:integer [WITHSCORES]"},
    {.name = "zrangebyscore",
     .proc = zrangebyscore_cmd,
     .arity = -4,
     .flags = CMD_READONLY,
     KEY1,
     G,
     .since = "1.0.5",
     .summary = "Return a range of members in a sorted set, by score",
     .complexity = RANGE_CX,
     .args = "key:key min:double max:double [WITHSCORES] [LIMIT offset:integer count:integer]"},
    {.name = "zrevrangebyscore",
     .proc = zrevrangebyscore_cmd,
     .arity = -4,
     .flags = CMD_READONLY,
     KEY1,
     G,
     .since = "2.2.0",
     .summary = "Return a range of members in a sorted set, by score, with scores ordered from "
                "high to low",
     .complexity = RANGE_CX,
     .args = "key:key max:double min:double [WITHSCORES] [LIMIT offset:integer count:integer]"},
    {.name = "zrangebylex",
     .proc = zrangebylex_cmd,
     .arity = -4,
     .flags = CMD_READONLY,
     KEY1,
     G,
     .since = "2.8.9",
     .summary = "Return a range of members in a sorted set, by lexicographical range",
     .complexity = RANGE_CX,
     .args = "key:key min:string max:string [LIMIT offset:integer count:integer]"},
    {.name = "zrevrangebylex",
     .proc = zrevrangebylex_cmd,
     .arity = -4,
     .flags = CMD_READONLY,
     KEY1,
     G,
     .since = "2.8.9",
     .summary = "Return a range of members in a sorted set, by lexicographical range, ordered "
                "from higher to lower strings.",
     .complexity = RANGE_CX,
     .args = "key:key max:string min:string [LIMIT offset:integer count:integer]"},
    {.name = "zpopmin",
     .proc = zpopmin_cmd,
     .arity = -2,
     .flags = CMD_WRITE | CMD_FAST,
     KEY1,
     G,
     .since = "5.0.0",
     .summary = "Remove and return members with the lowest scores in a sorted set",
     .complexity = "O(log(N)*M) with N being the number of elements in the sorted set, and M "
                   "being the number of elements popped.",
     .args = "key:key [count:integer]"},
    {.name = "zpopmax",
     .proc = zpopmax_cmd,
     .arity = -2,
     .flags = CMD_WRITE | CMD_FAST,
     KEY1,
     G,
     .since = "5.0.0",
     .summary = "Remove and return members with the highest scores in a sorted set",
     .complexity = "O(log(N)*M) with N being the number of elements in the sorted set, and M "
                   "being the number of elements popped.",
     .args = "key:key [count:integer]"},
    {.name = "zremrangebyrank",
     .proc = zremrangebyrank_cmd,
     .arity = 4,
     .flags = CMD_WRITE,
     KEY1,
     G,
     .since = "2.0.0",
     .summary = "Remove all members in a sorted set within the given indexes",
     .complexity = REM_CX,
     .args = "key:key start:integer stop:integer"},
    {.name = "zremrangebyscore",
     .proc = zremrangebyscore_cmd,
     .arity = 4,
     .flags = CMD_WRITE,
     KEY1,
     G,
     .since = "1.2.0",
     .summary = "Remove all members in a sorted set within the given scores",
     .complexity = REM_CX,
     .args = "key:key min:double max:double"},
    {.name = "zremrangebylex",
     .proc = zremrangebylex_cmd,
     .arity = 4,
     .flags = CMD_WRITE,
     KEY1,
     G,
     .since = "2.8.9",
     .summary = "Remove all members in a sorted set between the given lexicographical range",
     .complexity = REM_CX,
     .args = "key:key min:string max:string"},
    /* numkeys-style keys: the table names the destination only. */
    {.name = "zunionstore",
     .proc = zunionstore_cmd,
     .arity = -4,
     .flags = CMD_WRITE | CMD_DENYOOM,
     KEY1,
     G,
     .since = "2.0.0",
     .summary = "Add multiple sorted sets and store the resulting sorted set in a new key",
     .complexity = STORE_CX,
     .args = "destination:key numkeys:integer key:key... [WEIGHTS weight:double...] "
             "[AGGREGATE SUM|MIN|MAX]"},
    {.name = "zinterstore",
     .proc = zinterstore_cmd,
     .arity = -4,
     .flags = CMD_WRITE | CMD_DENYOOM,
     KEY1,
     G,
     .since = "2.0.0",
     .summary = "Intersect multiple sorted sets and store the resulting sorted set in a new key",
     .complexity = "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K "
                   "being the number of input sorted sets and M being the number of elements in "
                   "the resulting sorted set.",
     .args = "destination:key numkeys:integer key:key... [WEIGHTS weight:double...] "
             "[AGGREGATE SUM|MIN|MAX]"},
    {.name = "zscan",
     .proc = zscan_cmd,
     .arity = -3,
     .flags = CMD_READONLY,
     KEY1,
     G,
     .since = "2.8.0",
     .summary = "Incrementally iterate sorted sets elements and associated scores",
     .complexity = "O(1) for every call. O(N) for a complete iteration, including enough command "
                   "calls for the cursor to return back to 0. N is the number of elements inside "
                   "the collection.",
     .args = "key:key cursor:integer [MATCH pattern:pattern] [COUNT count:integer]"},
    {.name = NULL},
};
