/* commands/string: the string family (SET, GET, INCR, APPEND, ...).
 *
 * Semantics, replies and error texts are Redis 7's (t_string.c).  Handlers
 * follow the write-path contract of command.h: every change calls
 * cmd_dirty(), and a command whose effect is not deterministic as sent
 * (relative expiry, SET ... GET, INCRBYFLOAT, GETDEL, GETEX) propagates its
 * deterministic effect with cmd_propagate().
 *
 * GET and SET are the hottest paths of the server: they allocate nothing but
 * the value itself and format nothing with printf. */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "command.h"
#include "db.h"
#include "object.h"
#include "reply.h"
#include "server_state.h"
#include "util/util.h"

/* Room for any long double in INCRBYFLOAT's "%.17Lf"-style form: the largest
 * finite long double has 4933 integer digits (Redis: MAX_LONG_DOUBLE_CHARS). */
#define LD_STR_MAX         (5 * 1024)
#define DEFAULT_MAX_STRING (512LL * 1024 * 1024)

/* ---- helpers ---- */

static void reply_oom(struct client *c)
{
    reply_error(c, "ERR out of memory");
}

static long long max_string_len(void)
{
    return server.cfg ? server.cfg->proto_max_bulk_len : DEFAULT_MAX_STRING;
}

/* Redis's checkStringLength: a string may not grow past proto-max-bulk-len.
 * The AOF being replayed is obeyed whatever the limit is now. */
static int check_string_length(struct client *c, unsigned long long size, unsigned long long append)
{
    if (server.loading)
        return 0;
    if (size + append > (unsigned long long)max_string_len()) {
        reply_error(c, "ERR string exceeds maximum allowed size (proto-max-bulk-len)");
        return -1;
    }
    return 0;
}

/* Stores bytes p[0..n) as the string value of key, keeping any TTL.  o is
 * the current value (a string) or NULL if the key is absent.  Reuses o's
 * allocation where it can: INCR on a counter is mostly in place.  Returns 0,
 * or -1 on OOM (nothing changed). */
static int store_string_keepttl(struct client *c, const struct resp_arg *key, struct robj *o,
                                const char *p, size_t n)
{
    if (o) {
        struct robj *no = obj_string_resize(o, n);
        if (!no)
            return -1;
        memcpy(no->data, p, n);
        if (no != o)
            db_replace_ptr(c->db, key->ptr, key->len, no);
        return 0;
    }
    struct robj *nv = obj_new_string(p, n);
    if (!nv)
        return -1;
    db_set(c->db, key->ptr, key->len, nv, 0);
    return 0;
}

static void propagate_del(struct client *c, const struct resp_arg *key)
{
    struct resp_arg argv[2] = {{"DEL", 3}, *key};
    cmd_propagate(c, 2, argv);
}

/* ---- SET and GETEX option parsing ---- */

enum {
    OPT_NX = 1u << 0,
    OPT_XX = 1u << 1,
    OPT_GET = 1u << 2,
    OPT_KEEPTTL = 1u << 3,
    OPT_PERSIST = 1u << 4,
    OPT_EX = 1u << 5,
    OPT_PX = 1u << 6,
    OPT_EXAT = 1u << 7,
    OPT_PXAT = 1u << 8,
};
#define OPT_ANY_EXPIRE (OPT_EX | OPT_PX | OPT_EXAT | OPT_PXAT)

enum set_kind { FOR_SET, FOR_GETEX };

/* Parses argv[first..argc) as Redis's parseExtendedStringArgumentsOrReply:
 * SET takes NX|XX, GET, KEEPTTL and one expiry; GETEX one expiry or PERSIST.
 * A repeated expiry option of the same kind is allowed (the last one wins);
 * any conflict is a syntax error.  Replies on error and returns -1. */
static int parse_set_options(struct client *c, int first, enum set_kind kind, unsigned *flags,
                             const struct resp_arg **expire)
{
    static const struct {
        const char *name;
        unsigned flag;
    } expiry_opts[] = {{"ex", OPT_EX}, {"px", OPT_PX}, {"exat", OPT_EXAT}, {"pxat", OPT_PXAT}};

    for (int j = first; j < c->argc; j++) {
        const struct resp_arg *opt = &c->argv[j];
        int has_next = j + 1 < c->argc;
        unsigned f = *flags;

        if (kind == FOR_SET && cmd_arg_is(opt, "nx") && !(f & OPT_XX)) {
            *flags |= OPT_NX;
            continue;
        }
        if (kind == FOR_SET && cmd_arg_is(opt, "xx") && !(f & OPT_NX)) {
            *flags |= OPT_XX;
            continue;
        }
        if (kind == FOR_SET && cmd_arg_is(opt, "get")) {
            *flags |= OPT_GET;
            continue;
        }
        if (kind == FOR_SET && cmd_arg_is(opt, "keepttl") &&
            !(f & (OPT_PERSIST | OPT_ANY_EXPIRE))) {
            *flags |= OPT_KEEPTTL;
            continue;
        }
        if (kind == FOR_GETEX && cmd_arg_is(opt, "persist") &&
            !(f & (OPT_KEEPTTL | OPT_ANY_EXPIRE))) {
            *flags |= OPT_PERSIST;
            continue;
        }
        int matched = 0;
        for (size_t i = 0; i < ARRAY_SIZE(expiry_opts); i++) {
            unsigned flag = expiry_opts[i].flag;
            unsigned others = OPT_ANY_EXPIRE & ~flag;
            if (cmd_arg_is(opt, expiry_opts[i].name) && has_next &&
                !(f & (OPT_KEEPTTL | OPT_PERSIST | others))) {
                *flags |= flag;
                *expire = &c->argv[++j];
                matched = 1;
                break;
            }
        }
        if (!matched) {
            reply_error_syntax(c);
            return -1;
        }
    }
    return 0;
}

static void reply_invalid_expire(struct client *c, const char *cmdname)
{
    reply_errorf(c, "ERR invalid expire time in '%s' command", cmdname);
}

/* Turns the expiry argument into an absolute time in ms (Redis's
 * getExpireMillisecondsOrReply): it must be a positive integer, and the
 * result must not overflow.  EX/PX are relative to the command's time.
 * Replies on error and returns -1. */
static int expire_to_abs_ms(struct client *c, const struct resp_arg *arg, unsigned flags,
                            const char *cmdname, int64_t *when)
{
    long long v;
    if (str_to_ll(arg->ptr, arg->len, &v) != 0) {
        reply_error_not_int(c);
        return -1;
    }
    int seconds = (flags & (OPT_EX | OPT_EXAT)) != 0;
    if (v <= 0 || (seconds && v > LLONG_MAX / 1000)) {
        reply_invalid_expire(c, cmdname);
        return -1;
    }
    if (seconds)
        v *= 1000;
    if (flags & (OPT_EX | OPT_PX)) {
        int64_t now = server.cmd_now_ms;
        if (now > 0 && v > LLONG_MAX - now) {
            reply_invalid_expire(c, cmdname);
            return -1;
        }
        v += now;
    }
    *when = v;
    return 0;
}

/* An absolute expiry at or before the command's time means the key is gone
 * at once.  While replaying the AOF the time logged was valid when written,
 * so the key is stored and left to normal expiry, as Redis does. */
static int already_expired(int64_t when)
{
    return when <= server.cmd_now_ms && !server.loading;
}

/* ---- SET family ---- */

enum set_reply {
    SETR_OK_NULL, /* SET: +OK, or null when NX/XX aborts */
    SETR_ONE_ZERO /* SETNX: :1 / :0 */
};

static void set_generic(struct client *c, unsigned flags, const struct resp_arg *expire,
                        const struct resp_arg *valarg, const char *cmdname, enum set_reply kind)
{
    const struct resp_arg *key = &c->argv[1];
    int64_t when = 0;
    struct robj *old = NULL;
    int found = 0;

    if (expire && expire_to_abs_ms(c, expire, flags, cmdname, &when) != 0)
        return;

    if (flags & OPT_GET) {
        old = cmd_lookup_read(c, key);
        if (old && old->type != OBJ_STRING) {
            reply_error_wrongtype(c);
            return;
        }
        found = old != NULL;
    } else if (flags & (OPT_NX | OPT_XX)) {
        found = cmd_lookup_write(c, key) != NULL;
    }

    if (((flags & OPT_NX) && found) || ((flags & OPT_XX) && !found)) {
        if (flags & OPT_GET) {
            if (old)
                reply_bulk(c, obj_str_ptr(old), obj_str_len(old));
            else
                reply_null(c);
        } else if (kind == SETR_ONE_ZERO) {
            reply_int(c, 0);
        } else {
            reply_null(c);
        }
        return;
    }

    if (expire && already_expired(when)) {
        /* The new value would be born expired: the effect is a delete. */
        if (flags & OPT_GET) {
            if (old)
                reply_bulk(c, obj_str_ptr(old), obj_str_len(old));
            else
                reply_null(c);
        }
        if (db_delete(c->db, key->ptr, key->len)) {
            cmd_dirty(c, 1);
            propagate_del(c, key);
        } else {
            /* Nothing existed, nothing changed: log nothing. */
        }
        if (!(flags & OPT_GET))
            reply_ok(c);
        return;
    }

    if ((flags & OPT_GET) || !db_overwrite_string(c->db, key->ptr, key->len, valarg->ptr,
                                                  valarg->len, (flags & OPT_KEEPTTL) != 0)) {
        /* Allocate before any reply so an OOM leaves a single error reply. */
        struct robj *nv = obj_new_string(valarg->ptr, valarg->len);
        if (!nv) {
            reply_oom(c);
            return;
        }
        if (flags & OPT_GET) {
            /* Before db_set frees the old value. */
            if (old)
                reply_bulk(c, obj_str_ptr(old), obj_str_len(old));
            else
                reply_null(c);
        }
        db_set(c->db, key->ptr, key->len, nv, (flags & OPT_KEEPTTL) != 0);
    }
    cmd_dirty(c, 1);

    if (expire) {
        db_set_expire(c->db, key->ptr, key->len, when);
        /* SET key value PXAT <abs ms>: the same on every node and replay. */
        char num[24];
        int n = ll_to_str(num, sizeof(num), when);
        struct resp_arg argv[5] = {{"SET", 3}, *key, *valarg, {"PXAT", 4}, {num, (size_t)n}};
        cmd_propagate(c, 5, argv);
    } else if (flags & OPT_GET) {
        /* The effect without GET (and without NX/XX, which held here). */
        struct resp_arg argv[4] = {{"SET", 3}, *key, *valarg, {"KEEPTTL", 7}};
        cmd_propagate(c, (flags & OPT_KEEPTTL) ? 4 : 3, argv);
    }

    if (!(flags & OPT_GET)) {
        if (kind == SETR_ONE_ZERO)
            reply_int(c, 1);
        else
            reply_ok(c);
    }
}

static void set_cmd(struct client *c)
{
    if (c->argc == 3) {
        /* The common case: one lookup; in place over a string that fits,
         * else one allocation. */
        if (db_set_string(c->db, c->argv[1].ptr, c->argv[1].len, c->argv[2].ptr, c->argv[2].len) <
            0) {
            reply_oom(c);
            return;
        }
        cmd_dirty(c, 1);
        reply_ok(c);
        return;
    }
    unsigned flags = 0;
    const struct resp_arg *expire = NULL;
    if (parse_set_options(c, 3, FOR_SET, &flags, &expire) != 0)
        return;
    set_generic(c, flags, expire, &c->argv[2], "set", SETR_OK_NULL);
}

static void setnx_cmd(struct client *c)
{
    set_generic(c, OPT_NX, NULL, &c->argv[2], "setnx", SETR_ONE_ZERO);
}

static void setex_cmd(struct client *c)
{
    set_generic(c, OPT_EX, &c->argv[2], &c->argv[3], "setex", SETR_OK_NULL);
}

static void psetex_cmd(struct client *c)
{
    set_generic(c, OPT_PX, &c->argv[2], &c->argv[3], "psetex", SETR_OK_NULL);
}

static void get_cmd(struct client *c)
{
    struct robj *o = cmd_lookup_read(c, &c->argv[1]);
    if (!o) {
        reply_null(c);
        return;
    }
    if (o->type != OBJ_STRING) {
        reply_error_wrongtype(c);
        return;
    }
    reply_bulk(c, obj_str_ptr(o), obj_str_len(o));
}

static void getset_cmd(struct client *c)
{
    const struct resp_arg *key = &c->argv[1];
    struct robj *old = cmd_lookup_read(c, key);
    if (old && old->type != OBJ_STRING) {
        reply_error_wrongtype(c);
        return;
    }
    struct robj *nv = obj_new_string(c->argv[2].ptr, c->argv[2].len);
    if (!nv) {
        reply_oom(c);
        return;
    }
    if (old)
        reply_bulk(c, obj_str_ptr(old), obj_str_len(old));
    else
        reply_null(c);
    db_set(c->db, key->ptr, key->len, nv, 0);
    cmd_dirty(c, 1);
    /* Logged as the SET it is (Redis does the same). */
    struct resp_arg argv[3] = {{"SET", 3}, *key, c->argv[2]};
    cmd_propagate(c, 3, argv);
}

static void getdel_cmd(struct client *c)
{
    const struct resp_arg *key = &c->argv[1];
    struct robj *o = cmd_lookup_read(c, key);
    if (!o) {
        reply_null(c);
        return;
    }
    if (o->type != OBJ_STRING) {
        reply_error_wrongtype(c);
        return;
    }
    reply_bulk(c, obj_str_ptr(o), obj_str_len(o));
    db_delete(c->db, key->ptr, key->len);
    cmd_dirty(c, 1);
    propagate_del(c, key);
}

static void getex_cmd(struct client *c)
{
    const struct resp_arg *key = &c->argv[1];
    unsigned flags = 0;
    const struct resp_arg *expire = NULL;
    int64_t when = 0;

    if (parse_set_options(c, 2, FOR_GETEX, &flags, &expire) != 0)
        return;
    struct robj *o = cmd_lookup_read(c, key);
    if (!o) {
        reply_null(c);
        return;
    }
    if (o->type != OBJ_STRING) {
        reply_error_wrongtype(c);
        return;
    }
    if (expire && expire_to_abs_ms(c, expire, flags, "getex", &when) != 0)
        return;

    /* Reply first: the value may be deleted below. */
    reply_bulk(c, obj_str_ptr(o), obj_str_len(o));

    if (expire && (flags & (OPT_EXAT | OPT_PXAT)) && already_expired(when)) {
        db_delete(c->db, key->ptr, key->len);
        cmd_dirty(c, 1);
        propagate_del(c, key);
    } else if (expire) {
        db_set_expire(c->db, key->ptr, key->len, when);
        cmd_dirty(c, 1);
        char num[24];
        int n = ll_to_str(num, sizeof(num), when);
        struct resp_arg argv[3] = {{"PEXPIREAT", 9}, *key, {num, (size_t)n}};
        cmd_propagate(c, 3, argv);
    } else if (flags & OPT_PERSIST) {
        if (db_persist(c->db, key->ptr, key->len)) {
            cmd_dirty(c, 1);
            struct resp_arg argv[2] = {{"PERSIST", 7}, *key};
            cmd_propagate(c, 2, argv);
        }
    }
}

/* ---- multi-key ---- */

static void mget_cmd(struct client *c)
{
    reply_array(c, c->argc - 1);
    for (int j = 1; j < c->argc; j++) {
        struct robj *o = cmd_lookup_read(c, &c->argv[j]);
        if (!o || o->type != OBJ_STRING)
            reply_null(c);
        else
            reply_bulk(c, obj_str_ptr(o), obj_str_len(o));
    }
}

/* Sets every key/value pair of argv[1..].  All values are allocated first so
 * that an OOM changes nothing (a half-applied MSET would be logged whole). */
static void mset_generic(struct client *c, int nx, const char *cmdname)
{
    if (c->argc % 2 == 0) {
        reply_error_arity(c, cmdname);
        return;
    }
    int npairs = (c->argc - 1) / 2;

    if (nx) {
        for (int j = 1; j < c->argc; j += 2) {
            if (cmd_lookup_write(c, &c->argv[j])) {
                reply_int(c, 0);
                return;
            }
        }
    }

    struct robj *stackvals[32];
    struct robj **vals = stackvals;
    if (npairs > (int)ARRAY_SIZE(stackvals)) {
        vals = malloc(sizeof(*vals) * (size_t)npairs);
        if (!vals) {
            reply_oom(c);
            return;
        }
    }
    for (int i = 0; i < npairs; i++) {
        const struct resp_arg *v = &c->argv[2 + 2 * i];
        vals[i] = obj_new_string(v->ptr, v->len);
        if (!vals[i]) {
            for (int k = 0; k < i; k++)
                obj_free(vals[k]);
            reply_oom(c);
            goto cleanup;
        }
    }
    for (int i = 0; i < npairs; i++) {
        const struct resp_arg *k = &c->argv[1 + 2 * i];
        db_set(c->db, k->ptr, k->len, vals[i], 0);
    }
    cmd_dirty(c, npairs);
    if (nx)
        reply_int(c, 1);
    else
        reply_ok(c);
cleanup:
    if (vals != stackvals)
        free(vals);
}

static void mset_cmd(struct client *c)
{
    mset_generic(c, 0, "mset");
}

static void msetnx_cmd(struct client *c)
{
    mset_generic(c, 1, "msetnx");
}

/* ---- counters ---- */

static void incr_generic(struct client *c, long long incr)
{
    const struct resp_arg *key = &c->argv[1];
    struct robj *o = cmd_lookup_write(c, key);
    long long value = 0;

    if (o) {
        if (o->type != OBJ_STRING) {
            reply_error_wrongtype(c);
            return;
        }
        if (str_to_ll(obj_str_ptr(o), obj_str_len(o), &value) != 0) {
            reply_error_not_int(c);
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
    if (store_string_keepttl(c, key, o, buf, (size_t)n) != 0) {
        reply_oom(c);
        return;
    }
    cmd_dirty(c, 1);
    reply_int(c, value);
}

static void incr_cmd(struct client *c)
{
    incr_generic(c, 1);
}

static void decr_cmd(struct client *c)
{
    incr_generic(c, -1);
}

static void incrby_cmd(struct client *c)
{
    long long incr;
    if (str_to_ll(c->argv[2].ptr, c->argv[2].len, &incr) != 0) {
        reply_error_not_int(c);
        return;
    }
    incr_generic(c, incr);
}

static void decrby_cmd(struct client *c)
{
    long long decr;
    if (str_to_ll(c->argv[2].ptr, c->argv[2].len, &decr) != 0) {
        reply_error_not_int(c);
        return;
    }
    /* -LLONG_MIN does not exist. */
    if (decr == LLONG_MIN) {
        reply_error(c, "ERR decrement would overflow");
        return;
    }
    incr_generic(c, -decr);
}

static void incrbyfloat_cmd(struct client *c)
{
    const struct resp_arg *key = &c->argv[1];
    struct robj *o = cmd_lookup_write(c, key);
    long double value = 0, incr;

    if (o && o->type != OBJ_STRING) {
        reply_error_wrongtype(c);
        return;
    }
    if ((o && str_to_ld(obj_str_ptr(o), obj_str_len(o), &value) != 0) ||
        str_to_ld(c->argv[2].ptr, c->argv[2].len, &incr) != 0) {
        reply_error_not_float(c);
        return;
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
    if (store_string_keepttl(c, key, o, buf, (size_t)n) != 0) {
        reply_oom(c);
        return;
    }
    cmd_dirty(c, 1);
    reply_bulk(c, buf, (size_t)n);
    /* Log the result, not the increment: float formatting and precision
     * must not make a replica or a replay diverge. */
    struct resp_arg argv[4] = {{"SET", 3}, *key, {buf, (size_t)n}, {"KEEPTTL", 7}};
    cmd_propagate(c, 4, argv);
}

/* ---- byte ranges ---- */

static void append_cmd(struct client *c)
{
    const struct resp_arg *key = &c->argv[1];
    const struct resp_arg *val = &c->argv[2];
    struct robj *o = cmd_lookup_write(c, key);
    size_t totlen;

    if (!o) {
        struct robj *nv = obj_new_string(val->ptr, val->len);
        if (!nv) {
            reply_oom(c);
            return;
        }
        db_set(c->db, key->ptr, key->len, nv, 0);
        totlen = val->len;
    } else {
        if (o->type != OBJ_STRING) {
            reply_error_wrongtype(c);
            return;
        }
        size_t olen = obj_str_len(o);
        if (check_string_length(c, olen, val->len) != 0)
            return;
        struct robj *no = obj_string_resize(o, olen + val->len);
        if (!no) {
            reply_oom(c);
            return;
        }
        memcpy(no->data + olen, val->ptr, val->len);
        if (no != o)
            db_replace_ptr(c->db, key->ptr, key->len, no);
        totlen = olen + val->len;
    }
    cmd_dirty(c, 1);
    reply_int(c, (long long)totlen);
}

static void strlen_cmd(struct client *c)
{
    struct robj *o = cmd_lookup_read(c, &c->argv[1]);
    if (!o) {
        reply_int(c, 0);
        return;
    }
    if (o->type != OBJ_STRING) {
        reply_error_wrongtype(c);
        return;
    }
    reply_int(c, (long long)obj_str_len(o));
}

static void getrange_cmd(struct client *c)
{
    long long start, end;
    if (str_to_ll(c->argv[2].ptr, c->argv[2].len, &start) != 0 ||
        str_to_ll(c->argv[3].ptr, c->argv[3].len, &end) != 0) {
        reply_error_not_int(c);
        return;
    }
    struct robj *o = cmd_lookup_read(c, &c->argv[1]);
    if (!o) {
        reply_bulk(c, "", 0);
        return;
    }
    if (o->type != OBJ_STRING) {
        reply_error_wrongtype(c);
        return;
    }
    long long len = (long long)obj_str_len(o);

    if (start < 0 && end < 0 && start > end) {
        reply_bulk(c, "", 0);
        return;
    }
    /* len is at most proto-max-bulk-len: these sums cannot overflow. */
    if (start < 0)
        start += len;
    if (end < 0)
        end += len;
    if (start < 0)
        start = 0;
    if (end < 0)
        end = 0;
    if (end >= len)
        end = len - 1;
    if (len == 0 || start > end) {
        reply_bulk(c, "", 0);
        return;
    }
    reply_bulk(c, obj_str_ptr(o) + start, (size_t)(end - start + 1));
}

static void setrange_cmd(struct client *c)
{
    const struct resp_arg *key = &c->argv[1];
    const struct resp_arg *val = &c->argv[3];
    long long offset;

    if (str_to_ll(c->argv[2].ptr, c->argv[2].len, &offset) != 0) {
        reply_error_not_int(c);
        return;
    }
    if (offset < 0) {
        reply_error(c, "ERR offset is out of range");
        return;
    }

    struct robj *o = cmd_lookup_write(c, key);
    if (!o) {
        /* Setting nothing on a missing key creates nothing. */
        if (val->len == 0) {
            reply_int(c, 0);
            return;
        }
        if (check_string_length(c, (unsigned long long)offset, val->len) != 0)
            return;
        struct robj *nv = obj_new_string("", 0);
        struct robj *grown = nv ? obj_string_resize(nv, (size_t)offset + val->len) : NULL;
        if (!grown) {
            obj_free(nv);
            reply_oom(c);
            return;
        }
        memcpy(grown->data + offset, val->ptr, val->len);
        db_set(c->db, key->ptr, key->len, grown, 0);
        cmd_dirty(c, 1);
        reply_int(c, (long long)obj_str_len(grown));
        return;
    }

    if (o->type != OBJ_STRING) {
        reply_error_wrongtype(c);
        return;
    }
    size_t olen = obj_str_len(o);
    if (val->len == 0) {
        reply_int(c, (long long)olen);
        return;
    }
    if (check_string_length(c, (unsigned long long)offset, val->len) != 0)
        return;
    size_t need = (size_t)offset + val->len;
    if (need > olen) {
        struct robj *no = obj_string_resize(o, need);
        if (!no) {
            reply_oom(c);
            return;
        }
        if (no != o)
            db_replace_ptr(c->db, key->ptr, key->len, no);
        o = no;
    }
    memcpy(o->data + offset, val->ptr, val->len);
    cmd_dirty(c, 1);
    reply_int(c, (long long)obj_str_len(o));
}

/* ---- the table ---- */

#define KEY1 .first_key = 1, .last_key = 1, .key_step = 1

static const char RANGE_COMPLEXITY[] =
    "O(N) where N is the length of the returned string. The complexity is ultimately "
    "determined by the returned length, but because creating a substring from an existing "
    "string is very cheap, it can be considered O(1) for small strings.";

struct command string_commands[] = {
    {.name = "get",
     .proc = get_cmd,
     .arity = 2,
     .flags = CMD_READONLY | CMD_FAST,
     KEY1,
     .group = "string",
     .since = "1.0.0",
     .summary = "Get the value of a key",
     .complexity = "O(1)",
     .args = "key:key"},
    {.name = "set",
     .proc = set_cmd,
     .arity = -3,
     .flags = CMD_WRITE | CMD_DENYOOM,
     KEY1,
     .group = "string",
     .since = "1.0.0",
     .summary = "Set the string value of a key",
     .complexity = "O(1)",
     .args = "key:key value:string [NX|XX] [GET] [EX seconds:integer|PX milliseconds:integer|"
             "EXAT unix-time-seconds:unix-time|PXAT unix-time-milliseconds:unix-time|KEEPTTL]"},
    {.name = "setnx",
     .proc = setnx_cmd,
     .arity = 3,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     KEY1,
     .group = "string",
     .since = "1.0.0",
     .summary = "Set the value of a key, only if the key does not exist",
     .complexity = "O(1)",
     .args = "key:key value:string"},
    {.name = "setex",
     .proc = setex_cmd,
     .arity = 4,
     .flags = CMD_WRITE | CMD_DENYOOM,
     KEY1,
     .group = "string",
     .since = "2.0.0",
     .summary = "Set the value and expiration of a key",
     .complexity = "O(1)",
     .args = "key:key seconds:integer value:string"},
    {.name = "psetex",
     .proc = psetex_cmd,
     .arity = 4,
     .flags = CMD_WRITE | CMD_DENYOOM,
     KEY1,
     .group = "string",
     .since = "2.6.0",
     .summary = "Set the value and expiration in milliseconds of a key",
     .complexity = "O(1)",
     .args = "key:key milliseconds:integer value:string"},
    {.name = "getset",
     .proc = getset_cmd,
     .arity = 3,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     KEY1,
     .group = "string",
     .since = "1.0.0",
     .summary = "Set the string value of a key and return its old value",
     .complexity = "O(1)",
     .args = "key:key value:string"},
    {.name = "getdel",
     .proc = getdel_cmd,
     .arity = 2,
     .flags = CMD_WRITE | CMD_FAST,
     KEY1,
     .group = "string",
     .since = "6.2.0",
     .summary = "Get the value of a key and delete the key",
     .complexity = "O(1)",
     .args = "key:key"},
    {.name = "getex",
     .proc = getex_cmd,
     .arity = -2,
     .flags = CMD_WRITE | CMD_FAST,
     KEY1,
     .group = "string",
     .since = "6.2.0",
     .summary = "Get the value of a key and optionally set its expiration",
     .complexity = "O(1)",
     .args = "key:key [EX seconds:integer|PX milliseconds:integer|EXAT "
             "unix-time-seconds:unix-time|PXAT unix-time-milliseconds:unix-time|PERSIST]"},
    {.name = "mget",
     .proc = mget_cmd,
     .arity = -2,
     .flags = CMD_READONLY | CMD_FAST,
     .first_key = 1,
     .last_key = -1,
     .key_step = 1,
     .group = "string",
     .since = "1.0.0",
     .summary = "Get the values of all the given keys",
     .complexity = "O(N) where N is the number of keys to retrieve.",
     .args = "key:key..."},
    {.name = "mset",
     .proc = mset_cmd,
     .arity = -3,
     .flags = CMD_WRITE | CMD_DENYOOM,
     .first_key = 1,
     .last_key = -1,
     .key_step = 2,
     .group = "string",
     .since = "1.0.1",
     .summary = "Set multiple keys to multiple values",
     .complexity = "O(N) where N is the number of keys to set.",
     .args = "(key:key value:string)..."},
    {.name = "msetnx",
     .proc = msetnx_cmd,
     .arity = -3,
     .flags = CMD_WRITE | CMD_DENYOOM,
     .first_key = 1,
     .last_key = -1,
     .key_step = 2,
     .group = "string",
     .since = "1.0.1",
     .summary = "Set multiple keys to multiple values, only if none of the keys exist",
     .complexity = "O(N) where N is the number of keys to set.",
     .args = "(key:key value:string)..."},
    {.name = "incr",
     .proc = incr_cmd,
     .arity = 2,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     KEY1,
     .group = "string",
     .since = "1.0.0",
     .summary = "Increment the integer value of a key by one",
     .complexity = "O(1)",
     .args = "key:key"},
    {.name = "decr",
     .proc = decr_cmd,
     .arity = 2,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     KEY1,
     .group = "string",
     .since = "1.0.0",
     .summary = "Decrement the integer value of a key by one",
     .complexity = "O(1)",
     .args = "key:key"},
    {.name = "incrby",
     .proc = incrby_cmd,
     .arity = 3,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     KEY1,
     .group = "string",
     .since = "1.0.0",
     .summary = "Increment the integer value of a key by the given amount",
     .complexity = "O(1)",
     .args = "key:key increment:integer"},
    {.name = "decrby",
     .proc = decrby_cmd,
     .arity = 3,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     KEY1,
     .group = "string",
     .since = "1.0.0",
     .summary = "Decrement the integer value of a key by the given number",
     .complexity = "O(1)",
     .args = "key:key decrement:integer"},
    {.name = "incrbyfloat",
     .proc = incrbyfloat_cmd,
     .arity = 3,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     KEY1,
     .group = "string",
     .since = "2.6.0",
     .summary = "Increment the float value of a key by the given amount",
     .complexity = "O(1)",
     .args = "key:key increment:double"},
    {.name = "append",
     .proc = append_cmd,
     .arity = 3,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     KEY1,
     .group = "string",
     .since = "2.0.0",
     .summary = "Append a value to a key",
     .complexity = "O(1). The amortized time complexity is O(1) assuming the appended value is "
                   "small and the already present value is of any size, since the dynamic string "
                   "library used by Redis will double the free space available on every "
                   "reallocation.",
     .args = "key:key value:string"},
    {.name = "strlen",
     .proc = strlen_cmd,
     .arity = 2,
     .flags = CMD_READONLY | CMD_FAST,
     KEY1,
     .group = "string",
     .since = "2.2.0",
     .summary = "Get the length of the value stored in a key",
     .complexity = "O(1)",
     .args = "key:key"},
    {.name = "getrange",
     .proc = getrange_cmd,
     .arity = 4,
     .flags = CMD_READONLY,
     KEY1,
     .group = "string",
     .since = "2.4.0",
     .summary = "Get a substring of the string stored at a key",
     .complexity = RANGE_COMPLEXITY,
     .args = "key:key start:integer end:integer"},
    {.name = "substr",
     .proc = getrange_cmd,
     .arity = 4,
     .flags = CMD_READONLY,
     KEY1,
     .group = "string",
     .since = "1.0.0",
     .summary = "Get a substring of the string stored at a key",
     .complexity = RANGE_COMPLEXITY,
     .args = "key:key start:integer end:integer"},
    {.name = "setrange",
     .proc = setrange_cmd,
     .arity = 4,
     .flags = CMD_WRITE | CMD_DENYOOM,
     KEY1,
     .group = "string",
     .since = "2.2.0",
     .summary = "Overwrite part of a string at key starting at the specified offset",
     .complexity = "O(1), not counting the time taken to copy the new string in place. Usually, "
                   "this string is very small so the amortized complexity is O(1). Otherwise, "
                   "complexity is O(M) with M being the length of the value argument.",
     .args = "key:key offset:integer value:string"},
    {.name = NULL},
};
