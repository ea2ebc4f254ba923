/* commands/keys: the generic keyspace commands (Redis's "generic" group):
 * DEL UNLINK EXISTS TYPE TOUCH, the EXPIRE family and TTL family, PERSIST,
 * KEYS, SCAN, RENAME RENAMENX, RANDOMKEY, COPY.
 *
 * Time: every handler uses server.cmd_now_ms, the time command_exec fixed
 * for this command, never the clock, so a replayed command decides the same.
 *
 * Propagation: relative expiries are not deterministic as sent (EXPIRE k 10
 * means a different instant on every replay), so the EXPIRE family logs its
 * effect as PEXPIREAT with the absolute time, and an expire time already in
 * the past logs the deletion it caused (DEL), as Redis does.  The other
 * writes are deterministic as sent and use the default propagation. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "command.h"
#include "db.h"
#include "dict.h"
#include "object.h"
#include "reply.h"
#include "server_state.h"
#include "util/util.h"

/* ---- helpers ---- */

/* Expired by the db's rule (db.c: a key is gone once now reaches its expire
 * time).  Only reads: KEYS must not delete while it iterates. */
static int key_is_expired(struct db *db, const char *key, size_t klen, int64_t now)
{
    if (db_expires_size(db) == 0)
        return 0;
    int64_t when = db_get_expire(db, key, klen);
    return when != -1 && now >= when;
}

/* ---- DEL, UNLINK, EXISTS, TYPE, TOUCH ---- */

/* DEL and UNLINK are the same here: values are freed at once (a lazy-free
 * thread is not worth it for a cache of mostly small strings). */
static void del_command(struct client *c)
{
    int deleted = 0;
    for (int i = 1; i < c->argc; i++) {
        const struct resp_arg *k = &c->argv[i];
        /* An expired key does not count: the lookup removes it (and logs
         * that removal itself through the expire hook). */
        if (db_peek(c->db, k->ptr, k->len, server.cmd_now_ms) == NULL)
            continue;
        deleted += db_delete(c->db, k->ptr, k->len);
    }
    if (deleted)
        cmd_dirty(c, deleted);
    reply_int(c, deleted);
}

static void exists_command(struct client *c)
{
    long long n = 0;
    /* A key named twice counts twice, as Redis. */
    for (int i = 1; i < c->argc; i++)
        if (db_peek(c->db, c->argv[i].ptr, c->argv[i].len, server.cmd_now_ms))
            n++;
    reply_int(c, n);
}

static void touch_command(struct client *c)
{
    long long n = 0;
    for (int i = 1; i < c->argc; i++)
        if (db_lookup(c->db, c->argv[i].ptr, c->argv[i].len, server.cmd_now_ms))
            n++;
    reply_int(c, n);
}

static void type_command(struct client *c)
{
    struct robj *o = db_peek(c->db, c->argv[1].ptr, c->argv[1].len, server.cmd_now_ms);
    reply_simple(c, o ? obj_type_name(o->type) : "none");
}

/* ---- EXPIRE family ---- */

#define EXPIRE_NX (1 << 0)
#define EXPIRE_XX (1 << 1)
#define EXPIRE_GT (1 << 2)
#define EXPIRE_LT (1 << 3)

enum { UNIT_SECONDS, UNIT_MS };

/* Parses the NX|XX|GT|LT options from argv[3..]; replies and returns -1 on
 * an unknown or incompatible combination.  Options are checked before the
 * time argument, as Redis does (so "EXPIRE k abc foo" is about foo). */
static int parse_expire_flags(struct client *c, int *flags)
{
    int f = 0;
    for (int i = 3; i < c->argc; i++) {
        const struct resp_arg *a = &c->argv[i];
        if (cmd_arg_is(a, "nx")) {
            f |= EXPIRE_NX;
        } else if (cmd_arg_is(a, "xx")) {
            f |= EXPIRE_XX;
        } else if (cmd_arg_is(a, "gt")) {
            f |= EXPIRE_GT;
        } else if (cmd_arg_is(a, "lt")) {
            f |= EXPIRE_LT;
        } else {
            reply_errorf(c, "ERR Unsupported option %.*s", (int)(a->len > 128 ? 128 : a->len),
                         a->ptr);
            return -1;
        }
    }
    if ((f & EXPIRE_NX) && (f & (EXPIRE_XX | EXPIRE_GT | EXPIRE_LT))) {
        reply_error(c, "ERR NX and XX, GT or LT options at the same time are not compatible");
        return -1;
    }
    if ((f & EXPIRE_GT) && (f & EXPIRE_LT)) {
        reply_error(c, "ERR GT and LT options at the same time are not compatible");
        return -1;
    }
    *flags = f;
    return 0;
}

/* EXPIRE / PEXPIRE / EXPIREAT / PEXPIREAT.  basetime is 0 for the absolute
 * forms, now for the relative ones. */
static void expire_generic(struct client *c, int64_t basetime, int unit)
{
    const struct resp_arg *key = &c->argv[1];
    int flags;
    long long when;

    if (parse_expire_flags(c, &flags) != 0)
        return;
    if (cmd_arg_ll(c, &c->argv[2], &when) != 0)
        return;

    /* The time may be negative (it deletes the key), but it must not
     * overflow when made milliseconds and absolute. */
    if (unit == UNIT_SECONDS) {
        if (when > LLONG_MAX / 1000 || when < LLONG_MIN / 1000)
            goto invalid_time;
        when *= 1000;
    }
    if (when > LLONG_MAX - basetime)
        goto invalid_time;
    when += basetime;

    if (db_lookup(c->db, key->ptr, key->len, server.cmd_now_ms) == NULL) {
        reply_int(c, 0);
        return;
    }

    if (flags) {
        int64_t cur = db_get_expire(c->db, key->ptr, key->len);
        /* A key without a TTL counts as expiring at infinity: GT never
         * passes, LT always does. */
        if ((flags & EXPIRE_NX) && cur != -1)
            goto not_set;
        if ((flags & EXPIRE_XX) && cur == -1)
            goto not_set;
        if ((flags & EXPIRE_GT) && (cur == -1 || when <= cur))
            goto not_set;
        if ((flags & EXPIRE_LT) && cur != -1 && when >= cur)
            goto not_set;
    }

    /* While loading the AOF, a past time is applied as is: the deletion
     * that followed it is in the file too. */
    if (when <= server.cmd_now_ms && !server.loading) {
        db_delete(c->db, key->ptr, key->len);
        cmd_dirty(c, 1);
        struct resp_arg del[2] = {{"DEL", 3}, *key};
        cmd_propagate(c, 2, del);
        reply_int(c, 1);
        return;
    }

    db_set_expire(c->db, key->ptr, key->len, when);
    cmd_dirty(c, 1);
    /* The effect is "expire at this instant"; the options were already
     * decided here and need not be re-evaluated on replay. */
    char num[32];
    int n = ll_to_str(num, sizeof(num), when);
    struct resp_arg eff[3] = {{"PEXPIREAT", 9}, *key, {num, (size_t)n}};
    cmd_propagate(c, 3, eff);
    reply_int(c, 1);
    return;

not_set:
    reply_int(c, 0);
    return;

invalid_time:
    reply_errorf(c, "ERR invalid expire time in '%s' command", c->cmd ? c->cmd->name : "expire");
}

static void expire_command(struct client *c)
{
    expire_generic(c, server.cmd_now_ms, UNIT_SECONDS);
}

static void pexpire_command(struct client *c)
{
    expire_generic(c, server.cmd_now_ms, UNIT_MS);
}

static void expireat_command(struct client *c)
{
    expire_generic(c, 0, UNIT_SECONDS);
}

static void pexpireat_command(struct client *c)
{
    expire_generic(c, 0, UNIT_MS);
}

/* Rounds ms to the nearest second as Redis does ((ms+500)/1000) without
 * overflowing near LLONG_MAX. */
static long long ms_to_sec_rounded(long long ms)
{
    if (ms > LLONG_MAX - 500)
        return ms / 1000 + (ms % 1000 >= 500);
    return (ms + 500) / 1000;
}

/* TTL / PTTL / EXPIRETIME / PEXPIRETIME: -2 if no key, -1 if no TTL. */
static void ttl_generic(struct client *c, int output_ms, int output_abs)
{
    const struct resp_arg *key = &c->argv[1];
    if (db_peek(c->db, key->ptr, key->len, server.cmd_now_ms) == NULL) {
        reply_int(c, -2);
        return;
    }
    int64_t when = db_get_expire(c->db, key->ptr, key->len);
    if (when == -1) {
        reply_int(c, -1);
        return;
    }
    long long v = output_abs ? when : when - server.cmd_now_ms;
    if (v < 0)
        v = 0;
    reply_int(c, output_ms ? v : ms_to_sec_rounded(v));
}

static void ttl_command(struct client *c)
{
    ttl_generic(c, 0, 0);
}

static void pttl_command(struct client *c)
{
    ttl_generic(c, 1, 0);
}

static void expiretime_command(struct client *c)
{
    ttl_generic(c, 0, 1);
}

static void pexpiretime_command(struct client *c)
{
    ttl_generic(c, 1, 1);
}

static void persist_command(struct client *c)
{
    const struct resp_arg *key = &c->argv[1];
    if (db_lookup(c->db, key->ptr, key->len, server.cmd_now_ms) == NULL) {
        reply_int(c, 0);
        return;
    }
    if (db_persist(c->db, key->ptr, key->len)) {
        cmd_dirty(c, 1);
        reply_int(c, 1);
    } else {
        reply_int(c, 0);
    }
}

/* ---- KEYS, SCAN, RANDOMKEY ---- */

static void keys_command(struct client *c)
{
    const struct resp_arg *pat = &c->argv[1];
    int all = pat->len == 1 && pat->ptr[0] == '*';
    int64_t now = server.cmd_now_ms;
    struct dict *d = c->db->keys;

    /* Collect first, reply after: the array length comes first.  Nothing
     * changes the table meanwhile (expired keys are skipped, not deleted:
     * Redis's KEYS does not delete either), so the entries stay valid. */
    size_t cap = 16, n = 0;
    struct dict_entry **found = xmalloc(cap * sizeof(*found));
    struct dict_iter it;
    struct dict_entry *e;
    dict_iter_init(&it, d);
    while ((e = dict_next(&it)) != NULL) {
        if (!all && !glob_match(pat->ptr, pat->len, e->key, e->klen, 0))
            continue;
        if (key_is_expired(c->db, e->key, e->klen, now))
            continue;
        if (n == cap) {
            cap *= 2;
            found = xrealloc(found, cap * sizeof(*found));
        }
        found[n++] = e;
    }
    reply_array(c, (long long)n);
    for (size_t i = 0; i < n; i++)
        reply_bulk(c, found[i]->key, found[i]->klen);
    dict_iter_release(&it);
    free(found);
}

/* Parses a SCAN cursor as Redis does (strtoul: an optional sign is
 * accepted and "-1" wraps, leading spaces and trailing bytes are not, and
 * the empty string is 0).  Returns 0 or -1. */
static int parse_cursor(const struct resp_arg *a, uint64_t *out)
{
    char stack[64];
    char *s = a->len < sizeof(stack) ? stack : malloc(a->len + 1);
    if (!s)
        return -1;
    memcpy(s, a->ptr, a->len);
    s[a->len] = '\0';
    int rc = -1;
    if (memchr(a->ptr, '\0', a->len) == NULL && !isspace((unsigned char)s[0])) {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (*end == '\0' && errno != ERANGE) {
            *out = (uint64_t)v;
            rc = 0;
        }
    }
    if (s != stack)
        free(s);
    return rc;
}

struct scan_keys {
    char **keys;
    size_t *lens;
    size_t n, cap;
};

/* Copies each key: the filter pass below may delete expired ones. */
static void scan_collect(void *ud, struct dict_entry *e)
{
    struct scan_keys *sk = ud;
    if (sk->n == sk->cap) {
        sk->cap = sk->cap ? sk->cap * 2 : 16;
        sk->keys = xrealloc(sk->keys, sk->cap * sizeof(*sk->keys));
        sk->lens = xrealloc(sk->lens, sk->cap * sizeof(*sk->lens));
    }
    sk->keys[sk->n] = xmemdup(e->key, e->klen);
    sk->lens[sk->n] = e->klen;
    sk->n++;
}

static void scan_command(struct client *c)
{
    uint64_t cursor;
    long long count = 10;
    const struct resp_arg *pat = NULL, *type = NULL;

    if (parse_cursor(&c->argv[1], &cursor) != 0) {
        reply_error(c, "ERR invalid cursor");
        return;
    }
    for (int i = 2; i < c->argc; i += 2) {
        const struct resp_arg *opt = &c->argv[i];
        int more = i + 1 < c->argc;
        if (cmd_arg_is(opt, "count") && more) {
            if (cmd_arg_ll(c, &c->argv[i + 1], &count) != 0)
                return;
            if (count < 1) {
                reply_error_syntax(c);
                return;
            }
        } else if (cmd_arg_is(opt, "match") && more) {
            pat = &c->argv[i + 1];
            if (pat->len == 1 && pat->ptr[0] == '*')
                pat = NULL; /* matches everything: skip the matching */
        } else if (cmd_arg_is(opt, "type") && more) {
            /* An unknown type name matches nothing (Redis 7.0). */
            type = &c->argv[i + 1];
        } else {
            reply_error_syntax(c);
            return;
        }
    }

    /* COUNT is a hint of work, as Redis: visit buckets until count keys
     * were seen (before filtering) or 10*count buckets were visited, so a
     * sparse table does not make one call unbounded. */
    struct scan_keys sk = {0};
    long long maxiter = count > LLONG_MAX / 10 ? LLONG_MAX : count * 10;
    do {
        cursor = dict_scan(c->db->keys, cursor, scan_collect, &sk);
    } while (cursor && maxiter-- && (long long)sk.n < count);

    /* Filter in place: pattern, then liveness (the lookup removes a key
     * found expired, as Redis's SCAN does), then type. */
    size_t kept = 0;
    for (size_t i = 0; i < sk.n; i++) {
        int keep = 1;
        if (pat && !glob_match(pat->ptr, pat->len, sk.keys[i], sk.lens[i], 0))
            keep = 0;
        if (keep) {
            struct robj *o = db_peek(c->db, sk.keys[i], sk.lens[i], server.cmd_now_ms);
            if (!o)
                keep = 0;
            else if (type && !eq_nocase(type->ptr, type->len, obj_type_name(o->type)))
                keep = 0;
        }
        if (keep) {
            sk.keys[kept] = sk.keys[i];
            sk.lens[kept] = sk.lens[i];
            kept++;
        } else {
            free(sk.keys[i]);
        }
    }

    char num[32];
    int nlen = snprintf(num, sizeof(num), "%llu", (unsigned long long)cursor);
    reply_array(c, 2);
    reply_bulk(c, num, (size_t)nlen);
    reply_array(c, (long long)kept);
    for (size_t i = 0; i < kept; i++) {
        reply_bulk(c, sk.keys[i], sk.lens[i]);
        free(sk.keys[i]);
    }
    free(sk.keys);
    free(sk.lens);
}

static void randomkey_command(struct client *c)
{
    struct dict_entry *e = db_random_key(c->db, server.cmd_now_ms);
    if (!e)
        reply_null(c);
    else
        reply_bulk(c, e->key, e->klen);
}

/* ---- RENAME, RENAMENX, COPY ---- */

static void rename_generic(struct client *c, int nx)
{
    const struct resp_arg *src = &c->argv[1], *dst = &c->argv[2];
    int64_t now = server.cmd_now_ms;

    if (db_lookup(c->db, src->ptr, src->len, now) == NULL) {
        reply_error(c, "ERR no such key");
        return;
    }
    if (src->len == dst->len && memcmp(src->ptr, dst->ptr, src->len) == 0) {
        /* Renaming a key to itself changes nothing. */
        if (nx)
            reply_int(c, 0);
        else
            reply_ok(c);
        return;
    }
    if (nx && db_lookup(c->db, dst->ptr, dst->len, now) != NULL) {
        reply_int(c, 0);
        return;
    }
    db_rename(c->db, src->ptr, src->len, dst->ptr, dst->len);
    cmd_dirty(c, 1);
    if (nx)
        reply_int(c, 1);
    else
        reply_ok(c);
}

static void rename_command(struct client *c)
{
    rename_generic(c, 0);
}

static void renamenx_command(struct client *c)
{
    rename_generic(c, 1);
}

static void copy_command(struct client *c)
{
    const struct resp_arg *src = &c->argv[1], *dst = &c->argv[2];
    struct db *target = c->db;
    int replace = 0;
    int64_t now = server.cmd_now_ms;

    for (int i = 3; i < c->argc; i++) {
        const struct resp_arg *a = &c->argv[i];
        if (cmd_arg_is(a, "replace")) {
            replace = 1;
        } else if (cmd_arg_is(a, "db") && i + 1 < c->argc) {
            long long idx;
            if (cmd_arg_ll(c, &c->argv[i + 1], &idx) != 0)
                return;
            if (idx < 0 || idx >= server.ndbs) {
                reply_error(c, "ERR DB index is out of range");
                return;
            }
            target = server.dbs[idx];
            i++;
        } else {
            reply_error_syntax(c);
            return;
        }
    }

    if (target == c->db && src->len == dst->len && memcmp(src->ptr, dst->ptr, src->len) == 0) {
        reply_error(c, "ERR source and destination objects are the same");
        return;
    }
    struct robj *o = db_lookup(c->db, src->ptr, src->len, now);
    if (!o) {
        reply_int(c, 0);
        return;
    }
    int64_t when = db_get_expire(c->db, src->ptr, src->len);
    if (db_lookup(target, dst->ptr, dst->len, now) != NULL && !replace) {
        reply_int(c, 0);
        return;
    }
    /* db_set replaces any old value of dst and drops its TTL. */
    db_set(target, dst->ptr, dst->len, obj_dup(o), 0);
    if (when != -1)
        db_set_expire(target, dst->ptr, dst->len, when);
    cmd_dirty(c, 1);
    reply_int(c, 1);
}

/* ---- the table ---- */

#define KEYS_ARGS   "key:key..."
#define EXPIRE_OPTS " [NX|XX|GT|LT]"

struct command keys_commands[] = {
    {.name = "del",
     .proc = del_command,
     .arity = -2,
     .flags = CMD_WRITE,
     .first_key = 1,
     .last_key = -1,
     .key_step = 1,
     .group = "generic",
     .since = "1.0.0",
     .summary = "Delete a key",
     .complexity = "O(N) where N is the number of keys that will be removed. When a key to "
                   "remove holds a value other than a string, the individual complexity for "
                   "this key is O(M) where M is the number of elements in the list, set, sorted "
                   "set or hash. Removing a single key that holds a string value is O(1).",
     .args = KEYS_ARGS},
    {.name = "unlink",
     .proc = del_command,
     .arity = -2,
     .flags = CMD_WRITE | CMD_FAST,
     .first_key = 1,
     .last_key = -1,
     .key_step = 1,
     .group = "generic",
     .since = "4.0.0",
     .summary = "Delete a key asynchronously in another thread. Otherwise it is just as DEL, "
                "but non blocking.",
     .complexity = "O(1) for each key removed regardless of its size. Then the command does "
                   "O(N) work in a different thread in order to reclaim memory, where N is the "
                   "number of allocations the deleted objects where composed of.",
     .args = KEYS_ARGS},
    {.name = "exists",
     .proc = exists_command,
     .arity = -2,
     .flags = CMD_READONLY | CMD_FAST,
     .first_key = 1,
     .last_key = -1,
     .key_step = 1,
     .group = "generic",
     .since = "1.0.0",
     .summary = "Determine if a key exists",
     .complexity = "O(N) where N is the number of keys to check.",
     .args = KEYS_ARGS},
    {.name = "type",
     .proc = type_command,
     .arity = 2,
     .flags = CMD_READONLY | CMD_FAST,
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "generic",
     .since = "1.0.0",
     .summary = "Determine the type stored at key",
     .complexity = "O(1)",
     .args = "key:key"},
    {.name = "touch",
     .proc = touch_command,
     .arity = -2,
     .flags = CMD_READONLY | CMD_FAST,
     .first_key = 1,
     .last_key = -1,
     .key_step = 1,
     .group = "generic",
     .since = "3.2.1",
     .summary = "Alters the last access time of a key(s). Returns the number of existing keys "
                "specified.",
     .complexity = "O(N) where N is the number of keys that will be touched.",
     .args = KEYS_ARGS},
    {.name = "expire",
     .proc = expire_command,
     .arity = -3,
     .flags = CMD_WRITE | CMD_FAST,
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "generic",
     .since = "1.0.0",
     .summary = "Set a key's time to live in seconds",
     .complexity = "O(1)",
     .args = "key:key seconds:integer" EXPIRE_OPTS},
    {.name = "pexpire",
     .proc = pexpire_command,
     .arity = -3,
     .flags = CMD_WRITE | CMD_FAST,
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "generic",
     .since = "2.6.0",
     .summary = "Set a key's time to live in milliseconds",
     .complexity = "O(1)",
     .args = "key:key milliseconds:integer" EXPIRE_OPTS},
    {.name = "expireat",
     .proc = expireat_command,
     .arity = -3,
     .flags = CMD_WRITE | CMD_FAST,
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "generic",
     .since = "1.2.0",
     .summary = "Set the expiration for a key as a UNIX timestamp",
     .complexity = "O(1)",
     .args = "key:key unix-time-seconds:unix-time" EXPIRE_OPTS},
    {.name = "pexpireat",
     .proc = pexpireat_command,
     .arity = -3,
     .flags = CMD_WRITE | CMD_FAST,
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "generic",
     .since = "2.6.0",
     .summary = "Set the expiration for a key as a UNIX timestamp specified in milliseconds",
     .complexity = "O(1)",
     .args = "key:key unix-time-milliseconds:unix-time" EXPIRE_OPTS},
    {.name = "ttl",
     .proc = ttl_command,
     .arity = 2,
     .flags = CMD_READONLY | CMD_FAST,
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "generic",
     .since = "1.0.0",
     .summary = "Get the time to live for a key in seconds",
     .complexity = "O(1)",
     .args = "key:key"},
    {.name = "pttl",
     .proc = pttl_command,
     .arity = 2,
     .flags = CMD_READONLY | CMD_FAST,
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "generic",
     .since = "2.6.0",
     .summary = "Get the time to live for a key in milliseconds",
     .complexity = "O(1)",
     .args = "key:key"},
    {.name = "expiretime",
     .proc = expiretime_command,
     .arity = 2,
     .flags = CMD_READONLY | CMD_FAST,
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "generic",
     .since = "7.0.0",
     .summary = "Get the expiration Unix timestamp for a key",
     .complexity = "O(1)",
     .args = "key:key"},
    {.name = "pexpiretime",
     .proc = pexpiretime_command,
     .arity = 2,
     .flags = CMD_READONLY | CMD_FAST,
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "generic",
     .since = "7.0.0",
     .summary = "Get the expiration Unix timestamp for a key in milliseconds",
     .complexity = "O(1)",
     .args = "key:key"},
    {.name = "persist",
     .proc = persist_command,
     .arity = 2,
     .flags = CMD_WRITE | CMD_FAST,
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "generic",
     .since = "2.2.0",
     .summary = "Remove the expiration from a key",
     .complexity = "O(1)",
     .args = "key:key"},
    {.name = "keys",
     .proc = keys_command,
     .arity = 2,
     .flags = CMD_READONLY | CMD_KEYSPACE_ALL,
     .group = "generic",
     .since = "1.0.0",
     .summary = "Find all keys matching the given pattern",
     .complexity = "O(N) with N being the number of keys in the database, under the "
                   "assumption that the key names in the database and the given pattern have "
                   "limited length.",
     .args = "pattern:pattern"},
    {.name = "scan",
     .proc = scan_command,
     .arity = -2,
     .flags = CMD_READONLY | CMD_KEYSPACE_ALL,
     .group = "generic",
     .since = "2.8.0",
     .summary = "Incrementally iterate the keys space",
     .complexity = "O(1) for every call. O(N) for a complete iteration, including enough "
                   "command calls for the cursor to return back to 0. N is the number of "
                   "elements inside the collection.",
     .args = "cursor:integer [MATCH pattern:pattern] [COUNT count:integer] [TYPE type:string]"},
    {.name = "rename",
     .proc = rename_command,
     .arity = 3,
     .flags = CMD_WRITE,
     .first_key = 1,
     .last_key = 2,
     .key_step = 1,
     .group = "generic",
     .since = "1.0.0",
     .summary = "Rename a key",
     .complexity = "O(1)",
     .args = "key:key newkey:key"},
    {.name = "renamenx",
     .proc = renamenx_command,
     .arity = 3,
     .flags = CMD_WRITE | CMD_FAST,
     .first_key = 1,
     .last_key = 2,
     .key_step = 1,
     .group = "generic",
     .since = "1.0.0",
     .summary = "Rename a key, only if the new key does not exist",
     .complexity = "O(1)",
     .args = "key:key newkey:key"},
    {.name = "randomkey",
     .proc = randomkey_command,
     .arity = 1,
     .flags = CMD_READONLY | CMD_KEYSPACE_ALL,
     .group = "generic",
     .since = "1.0.0",
     .summary = "Return a random key from the keyspace",
     .complexity = "O(1)",
     .args = NULL},
    {.name = "copy",
     .proc = copy_command,
     .arity = -3,
     .flags = CMD_WRITE | CMD_DENYOOM,
     .first_key = 1,
     .last_key = 2,
     .key_step = 1,
     .group = "generic",
     .since = "6.2.0",
     .summary = "Copy a key",
     .complexity = "O(N) worst case for collections, where N is the number of nested items. "
                   "O(1) for string values.",
     .args = "source:key destination:key [DB destination-db:integer] [REPLACE]"},
    {.name = NULL},
};
