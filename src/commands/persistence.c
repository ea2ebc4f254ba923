/* persistence: commands of the AOF (BGREWRITEAOF).  The work is in aof.c. */
#include <stdio.h>
#include <stdlib.h>

#include "aof.h"
#include "command.h"
#include "db.h"
#include "evict.h"
#include "reply.h"
#include "server_state.h"
#include "util/util.h"

static void bgrewriteaof_command(struct client *c)
{
    char err[256];
    if (aof_rewrite_in_progress()) {
        reply_error(c, "ERR Background append only file rewriting already in progress");
        return;
    }
    if (aof_rewrite_start(err, sizeof(err)) < 0) {
        reply_error(c, err);
        return;
    }
    reply_simple(c, "Background append only file rewriting started");
}

/* RAFT.EXPIRE key [key ...]: proposed by the Raft leader for keys it found
 * expired.  Applied with the entry's time, a key is deleted only if it is
 * still expired then (a later PERSIST or SET wins), on every node alike.
 * Replies the number of keys deleted. */
static void raft_expire_command(struct client *c)
{
    long long deleted = 0;
    for (int i = 1; i < c->argc; i++) {
        size_t before = db_size(c->db);
        db_lookup(c->db, c->argv[i].ptr, c->argv[i].len, server.cmd_now_ms);
        if (db_size(c->db) < before) {
            deleted++;
            cmd_dirty(c, 1);
        }
    }
    /* The deletions were logged as DELs by the expire hook. */
    cmd_propagate_none(c);
    reply_int(c, deleted);
}

/* RAFT.EVICT key [key ...]: proposed by the Raft leader when used memory is
 * over maxmemory (evict.h): every node deletes the keys at the same point
 * of the history, counts them in evicted_keys, and logs a DEL of those that
 * existed.  Replies the number of keys deleted. */
static void raft_evict_command(struct client *c)
{
    struct resp_arg *del = xmalloc(sizeof(*del) * (size_t)c->argc);
    int n = 0;
    del[n++] = (struct resp_arg){"DEL", 3};
    for (int i = 1; i < c->argc; i++) {
        evict_pending_applied(c->db, c->argv[i].ptr, c->argv[i].len);
        if (db_delete(c->db, c->argv[i].ptr, c->argv[i].len))
            del[n++] = c->argv[i];
    }
    if (n > 1) {
        server.stat_evictedkeys += n - 1;
        cmd_dirty(c, n - 1);
        cmd_propagate(c, n, del);
    } else {
        cmd_propagate_none(c);
    }
    free(del);
    reply_int(c, n - 1);
}

/* RAFT.INFO: the INFO raft section as a bulk string. */
static void raft_info_command(struct client *c)
{
    struct buf b = BUF_INIT;
    buf_printf(&b, "# Raft\r\n");
    if (server.info_raft)
        server.info_raft(&b);
    else
        buf_printf(&b, "raft_enabled:0\r\n");
    reply_verbatim(c, b.data, b.len);
    buf_free(&b);
}

/* RAFT.BLOCK peer-id 0|1: fault injection for tests (a partition).  Only
 * when the server was started with RAFTCACHE_FAULT_INJECTION=1. */
static void raft_block_command(struct client *c)
{
    long long peer, on;
    if (!server.raft_set_blocked) {
        reply_error(c, "ERR RAFT.BLOCK needs a Raft cluster started with "
                       "RAFTCACHE_FAULT_INJECTION=1");
        return;
    }
    if (str_to_ll(c->argv[1].ptr, c->argv[1].len, &peer) < 0 || peer <= 0 ||
        str_to_ll(c->argv[2].ptr, c->argv[2].len, &on) < 0 || (on != 0 && on != 1)) {
        reply_error_syntax(c);
        return;
    }
    if (server.raft_set_blocked((uint64_t)peer, (int)on) < 0) {
        reply_error(c, "ERR no such peer");
        return;
    }
    reply_ok(c);
}

struct command persistence_commands[] = {
    {.name = "bgrewriteaof",
     .proc = bgrewriteaof_command,
     .arity = 1,
     .flags = CMD_ADMIN | CMD_NOSCRIPT,
     .group = "server",
     .since = "1.0.0",
     .summary = "Asynchronously rewrites the append-only file to disk.",
     .complexity = "O(1)",
     .args = ""},
    {.name = "raft.expire",
     .proc = raft_expire_command,
     .arity = -2,
     .flags = CMD_WRITE | CMD_FAST,
     .first_key = 1,
     .last_key = -1,
     .key_step = 1,
     .group = "generic",
     .since = "7.0.0",
     .summary = "Deletes the given keys if they are expired (proposed by the Raft leader).",
     .complexity = "O(N) where N is the number of keys",
     .args = "key:key..."},
    {.name = "raft.evict",
     .proc = raft_evict_command,
     .arity = -2,
     .flags = CMD_WRITE | CMD_FAST,
     .first_key = 1,
     .last_key = -1,
     .key_step = 1,
     .group = "generic",
     .since = "7.0.0",
     .summary = "Evicts the given keys (proposed by the Raft leader over maxmemory).",
     .complexity = "O(N) where N is the number of keys",
     .args = "key:key..."},
    {.name = "raft.block",
     .proc = raft_block_command,
     .arity = 3,
     .flags = CMD_ADMIN | CMD_LOADING | CMD_STALE,
     .group = "server",
     .since = "7.0.0",
     .summary = "Test builds: blocks or restores Raft traffic with a peer (fault injection).",
     .complexity = "O(1)",
     .args = "peer-id:integer blocked:integer"},
    {.name = "raft.info",
     .proc = raft_info_command,
     .arity = 1,
     .flags = CMD_LOADING | CMD_STALE,
     .group = "server",
     .since = "7.0.0",
     .summary = "Returns the state of this Raft node (role, term, indexes, peers).",
     .complexity = "O(N) where N is the number of peers",
     .args = ""},
    {0},
};
