/* server_state: the global `server` and its life cycle. */
#include "server_state.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blocking.h"
#include "command.h"
#include "dict.h"
#include "evict.h"
#include "util/util.h"
#include "util/zmalloc.h"

struct server server;

static server_key_listener key_listeners[SERVER_MAX_KEY_LISTENERS];
static int n_key_listeners;

void server_add_key_listener(server_key_listener fn)
{
    for (int i = 0; i < n_key_listeners; i++)
        if (key_listeners[i] == fn)
            return;
    if (n_key_listeners == SERVER_MAX_KEY_LISTENERS)
        abort(); /* a programming error: raise the constant */
    key_listeners[n_key_listeners++] = fn;
}

void server_signal_key(struct db *db, const char *key, size_t klen)
{
    for (int i = 0; i < n_key_listeners; i++)
        key_listeners[i](db, key, klen);
}

void server_signal_command_keys(struct client *c)
{
    const struct command *cmd = c->cmd;
    if (n_key_listeners == 0 || !cmd || cmd->first_key <= 0)
        return;
    if (cmd->flags & CMD_KEYSPACE_ALL)
        return; /* FLUSHDB/FLUSHALL signal themselves */
    int last = cmd->last_key < 0 ? c->argc + cmd->last_key : cmd->last_key;
    int step = cmd->key_step > 0 ? cmd->key_step : 1;
    for (int i = cmd->first_key; i <= last && i < c->argc; i += step)
        server_signal_key(c->db, c->argv[i].ptr, c->argv[i].len);
}

static void make_run_id(char out[41])
{
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 40; i++)
        out[i] = hex[rand_u64() & 15];
    out[40] = '\0';
}

/* An expired key was deleted (lazily or by the active cycle): count it and
 * log the deletion, so that replaying the AOF (which knows no clock of its
 * own at load time) reaches the same dataset. */
static void on_key_expired(void *ud, struct db *db, const char *key, size_t klen)
{
    (void)ud;
    server.stat_expiredkeys++;
    server_signal_key(db, key, klen);
    if (server.propagate) {
        struct buf b = BUF_INIT;
        struct resp_arg argv[2] = {{"DEL", 3}, {key, klen}};
        cmd_encode(&b, 2, argv);
        server.propagate(db->id, b.data, b.len);
        buf_free(&b);
    }
}

void server_state_init(struct config *cfg)
{
    memset(&server, 0, sizeof(server));
    server.cfg = cfg;
    server.ndbs = cfg->databases;
    server.dbs = xcalloc((size_t)server.ndbs, sizeof(*server.dbs));
    for (int i = 0; i < server.ndbs; i++)
        server.dbs[i] = db_create(i);
    server.errorstats = dict_create(NULL);
    server.start_time_ms = mstime();
    server.ops_sample_time_ms = server.start_time_ms;
    server.hz = cfg->hz;
    server.lru_clock = (uint32_t)(server.start_time_ms / 1000);
    server.next_client_id = 1;
    make_run_id(server.run_id);
    db_set_expire_hook(on_key_expired, NULL);
    db_set_expire_policy(1);
    command_init();
    blocking_init();
    evict_config_changed();
    server.stat_startup_memory = zmalloc_used_memory();
}

void server_state_free(void)
{
    for (int i = 0; i < server.ndbs; i++)
        db_free(server.dbs[i]);
    free(server.dbs);
    dict_free(server.errorstats);
    evict_reset();
    memset(&server, 0, sizeof(server));
}

void server_link_client(struct client *c)
{
    c->prev = NULL;
    c->next = server.clients;
    if (server.clients)
        server.clients->prev = c;
    server.clients = c;
    server.nclients++;
}

void server_unlink_client(struct client *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else if (server.clients == c)
        server.clients = c->next;
    else
        return; /* not linked */
    if (c->next)
        c->next->prev = c->prev;
    c->prev = c->next = NULL;
    server.nclients--;
}

static void reset_command_stats(struct command *cmd, void *ud)
{
    (void)ud;
    cmd->calls = cmd->usec = cmd->rejected_calls = cmd->failed_calls = 0;
    if (cmd->subcommands)
        for (struct command *sub = cmd->subcommands; sub->name; sub++)
            sub->calls = sub->usec = sub->rejected_calls = sub->failed_calls = 0;
}

void server_reset_stats(void)
{
    server.stat_numcommands = 0;
    server.stat_numconnections = 0;
    server.stat_rejected_conn = 0;
    server.stat_expiredkeys = 0;
    server.stat_evictedkeys = 0;
    server.stat_keyspace_hits = 0;
    server.stat_keyspace_misses = 0;
    server.stat_net_input_bytes = 0;
    server.stat_net_output_bytes = 0;
    server.stat_total_error_replies = 0;
    server.stat_unexpected_error_replies = 0;
    server.stat_io_reads = server.stat_io_writes = 0;
    server.stat_client_obuf_limit_disconnections = 0;
    server.stat_peak_memory = 0;
    server.ops_sample_count = 0;
    server.ops_per_sec = 0;
    dict_clear(server.errorstats);
    command_foreach(reset_command_stats, NULL);
}

void server_count_error(const char *msg)
{
    server.stat_total_error_replies++;
    /* Redis counts by the first word of the error ("ERR", "WRONGTYPE"); an
     * error without a space is counted whole.  Bound the table so a stream
     * of odd error codes cannot grow it without limit, as Redis does (128). */
    size_t n = strcspn(msg, " ");
    if (n == 0 || n > 64)
        return;
    struct dict_entry *e = dict_find(server.errorstats, msg, n);
    if (!e) {
        if (dict_size(server.errorstats) >= 128)
            return;
        int created;
        e = dict_add_or_find(server.errorstats, msg, n, &created);
    }
    e->val = (void *)((intptr_t)e->val + 1);
}

long long server_used_memory(void)
{
    /* The counting allocator's total (util/zmalloc.h): a relaxed load, so
     * the executor can read it before every command when maxmemory is set
     * (mallinfo2() walks the arenas and would cost microseconds). */
    long long used = zmalloc_used_memory();
    if (used > server.stat_peak_memory)
        server.stat_peak_memory = used;
    return used;
}
