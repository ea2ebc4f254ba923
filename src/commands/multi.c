/* commands/multi: the "transactions" group: MULTI, EXEC, DISCARD, WATCH,
 * UNWATCH, and the queueing and WATCH bookkeeping the executor and the Raft
 * node use (multi.h describes the semantics). */
#include "multi.h"

#include <stdlib.h>
#include <string.h>

#include "command.h"
#include "db.h"
#include "dict.h"
#include "reply.h"
#include "server_state.h"
#include "util/util.h"

/* ---- per-client state ---- */

/* What a watched key looked like when it was WATCHed. */
enum { WK_ABSENT = 0, WK_LIVE = 1, WK_EXPIRED = 2 };

struct wkey {
    struct client *c;
    int dbid;
    int state;
    size_t klen;
    char key[]; /* klen bytes */
};

struct queued {
    struct command *cmd;
    int argc;
    struct resp_arg *argv; /* one allocation: the array, then the bytes */
};

struct multi_state {
    struct queued *q;
    int nq, qcap;
    uint32_t cmd_flags; /* union of the queued commands' flags */
    struct wkey **w;
    int nw, wcap;
};

/* (db, key) -> struct watchers: every client watching that key.  The dict
 * key is the db index (4 bytes, little endian) then the key's bytes. */
struct watchers {
    struct wkey **v;
    size_t n, cap;
};

static struct dict *watched;

static struct multi_state *state_of(struct client *c)
{
    if (!c->mstate)
        c->mstate = xcalloc(1, sizeof(*c->mstate));
    return c->mstate;
}

/* Builds the table key of (dbid, key) in out (size >= 4 + klen). */
static size_t table_key(char *out, int dbid, const char *key, size_t klen)
{
    uint32_t id = (uint32_t)dbid;
    for (int i = 0; i < 4; i++)
        out[i] = (char)(id >> (8 * i));
    memcpy(out + 4, key, klen);
    return 4 + klen;
}

/* Finds the watchers of (dbid, key); NULL if none. */
static struct watchers *find_watchers(int dbid, const char *key, size_t klen)
{
    if (!watched || dict_size(watched) == 0)
        return NULL;
    char small[256];
    char *tk = 4 + klen <= sizeof(small) ? small : xmalloc(4 + klen);
    size_t n = table_key(tk, dbid, key, klen);
    struct dict_entry *e = dict_find(watched, tk, n);
    if (tk != small)
        free(tk);
    return e ? e->val : NULL;
}

static void free_watchers(void *p)
{
    struct watchers *w = p;
    if (w) {
        free(w->v);
        free(w);
    }
}

/* ---- the key listener ---- */

/* wk's key was modified; present: whether the key is in its db now. */
static void touch(struct wkey *wk, int present)
{
    if (wk->c->flags & CLIENT_DIRTY_CAS)
        return;
    /* A key that had already expired when it was watched is logically
     * unchanged when it is deleted (the deletion of the expired key): from
     * then on it is simply absent. */
    if (wk->state == WK_EXPIRED && !present) {
        wk->state = WK_ABSENT;
        return;
    }
    wk->c->flags |= CLIENT_DIRTY_CAS;
}

/* FLUSHDB (db) or FLUSHALL (db NULL): the keys are already gone.  A
 * watched key that had not been modified since WATCH (its watcher is not
 * dirty) is as it was when watched, so "existed when flushed" is its
 * WATCH-time state; as Redis, only keys that existed count, and a key that
 * was expired then is just absent now. */
static void touch_flushed(struct db *db)
{
    struct dict_iter it;
    dict_iter_init(&it, watched);
    struct dict_entry *e;
    while ((e = dict_next(&it)) != NULL) {
        struct watchers *ws = e->val;
        for (size_t i = 0; i < ws->n; i++) {
            struct wkey *wk = ws->v[i];
            if (db && wk->dbid != db->id)
                continue;
            if (wk->c->flags & CLIENT_DIRTY_CAS)
                continue;
            if (wk->state == WK_LIVE)
                wk->c->flags |= CLIENT_DIRTY_CAS;
            else
                wk->state = WK_ABSENT;
        }
    }
    dict_iter_release(&it);
}

static void on_key_modified(struct db *db, const char *key, size_t klen)
{
    if (!watched || dict_size(watched) == 0)
        return;
    if (!key) {
        touch_flushed(db);
        return;
    }
    struct watchers *ws = find_watchers(db->id, key, klen);
    if (!ws)
        return;
    int present = dict_find(db->keys, key, klen) != NULL;
    for (size_t i = 0; i < ws->n; i++)
        touch(ws->v[i], present);
}

/* ---- watching ---- */

static int key_state(struct db *db, const char *key, size_t klen, int64_t now)
{
    if (!dict_find(db->keys, key, klen))
        return WK_ABSENT;
    int64_t when = db_get_expire(db, key, klen);
    return (when >= 0 && when <= now) ? WK_EXPIRED : WK_LIVE;
}

static void watch_key(struct client *c, const char *key, size_t klen)
{
    struct multi_state *ms = state_of(c);
    for (int i = 0; i < ms->nw; i++) {
        struct wkey *w = ms->w[i];
        if (w->dbid == c->db_index && w->klen == klen && memcmp(w->key, key, klen) == 0)
            return; /* already watched */
    }
    if (!watched) {
        watched = dict_create(free_watchers);
        server_add_key_listener(on_key_modified);
    }
    struct wkey *wk = xmalloc(sizeof(*wk) + klen);
    wk->c = c;
    wk->dbid = c->db_index;
    wk->state = key_state(c->db, key, klen, server.cmd_now_ms);
    wk->klen = klen;
    memcpy(wk->key, key, klen);

    char *tk = xmalloc(4 + klen);
    size_t n = table_key(tk, wk->dbid, key, klen);
    int created;
    struct dict_entry *e = dict_add_or_find(watched, tk, n, &created);
    free(tk);
    if (created)
        e->val = xcalloc(1, sizeof(struct watchers));
    struct watchers *ws = e->val;
    if (ws->n == ws->cap) {
        ws->cap = ws->cap ? ws->cap * 2 : 4;
        ws->v = xrealloc(ws->v, ws->cap * sizeof(*ws->v));
    }
    ws->v[ws->n++] = wk;

    if (ms->nw == ms->wcap) {
        ms->wcap = ms->wcap ? ms->wcap * 2 : 4;
        ms->w = xrealloc(ms->w, (size_t)ms->wcap * sizeof(*ms->w));
    }
    ms->w[ms->nw++] = wk;
}

static void unwatch_all(struct client *c)
{
    struct multi_state *ms = c->mstate;
    if (!ms || ms->nw == 0)
        return;
    for (int i = 0; i < ms->nw; i++) {
        struct wkey *wk = ms->w[i];
        char *tk = xmalloc(4 + wk->klen);
        size_t n = table_key(tk, wk->dbid, wk->key, wk->klen);
        struct dict_entry *e = dict_find(watched, tk, n);
        if (e) {
            struct watchers *ws = e->val;
            for (size_t j = 0; j < ws->n; j++) {
                if (ws->v[j] == wk) {
                    ws->v[j] = ws->v[--ws->n];
                    break;
                }
            }
            if (ws->n == 0)
                dict_delete(watched, tk, n);
        }
        free(tk);
        free(wk);
    }
    free(ms->w);
    ms->w = NULL;
    ms->nw = ms->wcap = 0;
}

int multi_has_watches(const struct client *c)
{
    return c->mstate && c->mstate->nw > 0;
}

int multi_watch_dirty(struct client *c, int64_t now)
{
    if (c->flags & CLIENT_DIRTY_CAS)
        return 1;
    struct multi_state *ms = c->mstate;
    for (int i = 0; ms && i < ms->nw; i++) {
        struct wkey *wk = ms->w[i];
        /* Expired since WATCH, deleted or not: the value the client saw is
         * gone (Redis 7's isWatchedKeyExpired). */
        if (wk->state == WK_LIVE && wk->dbid < server.ndbs &&
            key_state(server.dbs[wk->dbid], wk->key, wk->klen, now) == WK_EXPIRED) {
            c->flags |= CLIENT_DIRTY_CAS;
            return 1;
        }
    }
    return 0;
}

/* ---- queueing ---- */

static void multi_command(struct client *c);
static void exec_command(struct client *c);
static void discard_command(struct client *c);
static void watch_command(struct client *c);

int multi_is_exec(const struct command *cmd)
{
    return cmd && cmd->proc == exec_command;
}

int multi_should_queue(const struct client *c, const struct command *cmd)
{
    if (!(c->flags & CLIENT_MULTI) || server.in_exec)
        return 0;
    if (cmd->proc == exec_command || cmd->proc == discard_command || cmd->proc == multi_command ||
        cmd->proc == watch_command)
        return 0;
    return strcmp(cmd->name, "quit") != 0 && strcmp(cmd->name, "reset") != 0;
}

void multi_flag_error(struct client *c)
{
    if (c->flags & CLIENT_MULTI)
        c->flags |= CLIENT_DIRTY_EXEC;
}

void multi_queue(struct client *c, struct command *cmd)
{
    struct multi_state *ms = state_of(c);
    size_t bytes = (size_t)c->argc * sizeof(struct resp_arg);
    for (int i = 0; i < c->argc; i++)
        bytes += c->argv[i].len + 1;
    /* Client-sized: a failure refuses the command instead of aborting. */
    struct resp_arg *argv = malloc(bytes);
    if (!argv) {
        multi_flag_error(c);
        reply_error(c, "ERR out of memory queueing the command");
        return;
    }
    char *p = (char *)(argv + c->argc);
    for (int i = 0; i < c->argc; i++) {
        memcpy(p, c->argv[i].ptr, c->argv[i].len);
        p[c->argv[i].len] = '\0';
        argv[i].ptr = p;
        argv[i].len = c->argv[i].len;
        p += c->argv[i].len + 1;
    }
    if (ms->nq == ms->qcap) {
        ms->qcap = ms->qcap ? ms->qcap * 2 : 8;
        ms->q = xrealloc(ms->q, (size_t)ms->qcap * sizeof(*ms->q));
    }
    ms->q[ms->nq++] = (struct queued){cmd, c->argc, argv};
    ms->cmd_flags |= cmd->flags;
    reply_simple(c, "QUEUED");
}

static void free_queue(struct queued *q, int n)
{
    for (int i = 0; i < n; i++)
        free(q[i].argv);
    free(q);
}

void multi_discard(struct client *c)
{
    struct multi_state *ms = c->mstate;
    if (ms) {
        free_queue(ms->q, ms->nq);
        ms->q = NULL;
        ms->nq = ms->qcap = 0;
        ms->cmd_flags = 0;
        unwatch_all(c);
    }
    c->flags &= ~(CLIENT_MULTI | CLIENT_DIRTY_CAS | CLIENT_DIRTY_EXEC);
}

void multi_reset(struct client *c)
{
    multi_discard(c);
}

void multi_client_free(struct client *c)
{
    if (!c->mstate)
        return;
    multi_discard(c);
    free(c->mstate);
    c->mstate = NULL;
}

int multi_queued_count(const struct client *c)
{
    if (!(c->flags & CLIENT_MULTI))
        return -1;
    return c->mstate ? c->mstate->nq : 0;
}

int multi_has_writes(const struct client *c)
{
    return (c->flags & CLIENT_MULTI) && c->mstate && (c->mstate->cmd_flags & CMD_WRITE);
}

void multi_exec_abort(struct client *c, const char *error)
{
    multi_discard(c);
    reply_errorf(c, "EXECABORT Transaction discarded because of: %s", error);
}

void multi_encode(const struct client *c, struct buf *b)
{
    static const struct resp_arg multi = {"MULTI", 5}, exec = {"EXEC", 4};
    cmd_encode(b, 1, &multi);
    const struct multi_state *ms = c->mstate;
    for (int i = 0; ms && i < ms->nq; i++)
        cmd_encode(b, ms->q[i].argc, ms->q[i].argv);
    cmd_encode(b, 1, &exec);
}

int multi_final_db(const struct client *c, int db)
{
    const struct multi_state *ms = c->mstate;
    for (int i = 0; ms && i < ms->nq; i++) {
        long long idx;
        if (strcmp(ms->q[i].cmd->name, "select") == 0 && ms->q[i].argc == 2 &&
            str_to_ll(ms->q[i].argv[1].ptr, ms->q[i].argv[1].len, &idx) == 0 && idx >= 0 &&
            idx < server.ndbs)
            db = (int)idx;
    }
    return db;
}

/* ---- the transaction's effects: one propagation ---- */

static struct {
    void (*real)(int dbid, const char *resp, size_t len);
    struct buf payload;
    int first_db, cur_db;
} tx;

/* server.propagate while EXEC runs: the effects of every queued command
 * (and the DELs of keys found expired meanwhile) are gathered, with a
 * SELECT where the db changes. */
static void collect(int dbid, const char *resp, size_t len)
{
    if (tx.first_db < 0) {
        tx.first_db = tx.cur_db = dbid;
    } else if (dbid != tx.cur_db) {
        char num[24];
        int n = ll_to_str(num, sizeof(num), dbid);
        struct resp_arg sel[2] = {{"SELECT", 6}, {num, (size_t)n}};
        cmd_encode(&tx.payload, 2, sel);
        tx.cur_db = dbid;
    }
    buf_append(&tx.payload, resp, len);
}

/* ---- the commands ---- */

static void multi_command(struct client *c)
{
    if (c->flags & CLIENT_MULTI) {
        reply_error(c, "ERR MULTI calls can not be nested");
        return;
    }
    c->flags |= CLIENT_MULTI;
    reply_ok(c);
}

static void discard_command(struct client *c)
{
    if (!(c->flags & CLIENT_MULTI)) {
        reply_error(c, "ERR DISCARD without MULTI");
        return;
    }
    multi_discard(c);
    reply_ok(c);
}

static void watch_command(struct client *c)
{
    if (c->flags & CLIENT_MULTI) {
        reply_error(c, "ERR WATCH inside MULTI is not allowed");
        return;
    }
    /* Already dirty: the EXEC fails whatever else is watched. */
    if (!(c->flags & CLIENT_DIRTY_CAS))
        for (int i = 1; i < c->argc; i++)
            watch_key(c, c->argv[i].ptr, c->argv[i].len);
    reply_ok(c);
}

static void unwatch_command(struct client *c)
{
    unwatch_all(c);
    c->flags &= ~CLIENT_DIRTY_CAS;
    reply_ok(c);
}

static void exec_command(struct client *c)
{
    if (!(c->flags & CLIENT_MULTI)) {
        reply_error(c, "ERR EXEC without MULTI");
        return;
    }
    if (c->flags & CLIENT_DIRTY_EXEC) {
        multi_discard(c);
        reply_error(c, "EXECABORT Transaction discarded because of previous errors.");
        return;
    }
    if (multi_watch_dirty(c, server.cmd_now_ms)) {
        multi_discard(c);
        reply_null_array(c);
        return;
    }

    /* Take the queue: the commands run on c, whose state they may change. */
    struct multi_state *ms = c->mstate;
    struct queued *q = ms ? ms->q : NULL;
    int n = ms ? ms->nq : 0;
    if (ms) {
        ms->q = NULL;
        ms->nq = ms->qcap = 0;
        ms->cmd_flags = 0;
    }
    /* The keys were checked: the transaction's own writes must not count. */
    unwatch_all(c);
    c->flags &= ~(CLIENT_DIRTY_CAS | CLIENT_DIRTY_EXEC);

    reply_array(c, n);
    tx.real = server.propagate;
    tx.first_db = tx.cur_db = -1;
    if (tx.real)
        server.propagate = collect;
    int saved_argc = c->argc;
    struct resp_arg *saved_argv = c->argv;
    long long dirty = 0;
    /* CLIENT_MULTI stays set while the commands run: with server.in_exec,
     * that tells a blocking command to act as its non-blocking form. */
    server.in_exec = 1;
    for (int i = 0; i < n; i++) {
        c->argc = q[i].argc;
        c->argv = q[i].argv;
        command_call(c, q[i].cmd);
        dirty += c->dirty;
    }
    server.in_exec = 0;
    c->argc = saved_argc;
    c->argv = saved_argv;
    c->flags &= ~CLIENT_MULTI;
    free_queue(q, n);

    /* EXEC is not a write command: the executor propagates nothing for it
     * (prop_custom with an empty prop).  c->dirty makes the AOF hold this
     * reply until the frame is durable (fsync always). */
    c->dirty = dirty > 0x3fffffff ? 0x3fffffff : (int)dirty;
    c->prop_custom = 1;
    c->prop_count = 0;
    buf_clear(&c->prop);
    if (tx.real && server.propagate == collect) {
        server.propagate = tx.real;
        if (tx.payload.len > 0) {
            if (tx.cur_db != tx.first_db) {
                char num[24];
                int nn = ll_to_str(num, sizeof(num), tx.first_db);
                struct resp_arg sel[2] = {{"SELECT", 6}, {num, (size_t)nn}};
                cmd_encode(&tx.payload, 2, sel);
            }
            tx.real(tx.first_db, tx.payload.data, tx.payload.len);
        }
    }
    /* else: a queued command replaced the hook (CONFIG SET appendonly):
     * what was gathered before predates the new file, which starts from
     * a rewrite of memory. */
    tx.real = NULL;
    if (tx.payload.cap > 64 * 1024)
        buf_free(&tx.payload);
    else
        buf_clear(&tx.payload);
}

#define TX_FLAGS (CMD_NOSCRIPT | CMD_LOADING | CMD_STALE)

struct command multi_commands[] = {
    {.name = "multi",
     .proc = multi_command,
     .arity = 1,
     .flags = TX_FLAGS | CMD_FAST,
     .group = "transactions",
     .since = "1.2.0",
     .summary = "Mark the start of a transaction block",
     .complexity = "O(1)"},
    {.name = "exec",
     .proc = exec_command,
     .arity = 1,
     .flags = TX_FLAGS,
     .group = "transactions",
     .since = "1.2.0",
     .summary = "Execute all commands issued after MULTI",
     .complexity = "Depends on commands in the transaction"},
    {.name = "discard",
     .proc = discard_command,
     .arity = 1,
     .flags = TX_FLAGS | CMD_FAST,
     .group = "transactions",
     .since = "2.0.0",
     .summary = "Discard all commands issued after MULTI",
     .complexity = "O(N), when N is the number of queued commands"},
    {.name = "watch",
     .proc = watch_command,
     .arity = -2,
     .flags = TX_FLAGS | CMD_FAST,
     .first_key = 1,
     .last_key = -1,
     .key_step = 1,
     .group = "transactions",
     .since = "2.2.0",
     .summary = "Watch the given keys to determine execution of the MULTI/EXEC block",
     .complexity = "O(1) for every key.",
     .args = "key:key..."},
    {.name = "unwatch",
     .proc = unwatch_command,
     .arity = 1,
     .flags = TX_FLAGS | CMD_FAST,
     .group = "transactions",
     .since = "2.2.0",
     .summary = "Forget about all watched keys",
     .complexity = "O(1)"},
    {.name = NULL},
};
