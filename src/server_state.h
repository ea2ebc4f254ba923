/* server_state: the one global `server` that the command layer reads and
 * net.c / main.c fill in.  Pure data: no event-loop types. */
#ifndef RC_SERVER_STATE_H
#define RC_SERVER_STATE_H

#include <stdint.h>

#include "client.h"
#include "config.h"
#include "db.h"
#include "util/buf.h"

struct dict;
struct command;

enum { RAFT_LOCAL = 0, RAFT_TAKEN = 1, RAFT_RETRY = 2 };

struct server {
    struct config *cfg; /* effective configuration (owned by main) */
    struct db **dbs;    /* cfg->databases of them */
    int ndbs;

    char run_id[41];
    int64_t start_time_ms;
    int64_t cmd_now_ms;    /* time of the running command (set by command_exec) */
    int64_t fixed_time_ms; /* tests only: if non-zero, the time command_exec uses */
    int loading;           /* replaying the AOF */
    int shutdown_asap;     /* SHUTDOWN or a signal: the loop stops */
    uint32_t lru_clock;    /* seconds, updated by cron */
    int hz;                /* cron frequency */
    int tcp_port_bound;    /* actual port listened on */

    /* clients */
    struct client *clients; /* doubly linked list head */
    long long nclients;
    uint64_t next_client_id;
    long long blocked_clients;

    /* stats (INFO stats; CONFIG RESETSTAT zeroes them) */
    long long stat_numcommands;
    long long stat_numconnections;
    long long stat_rejected_conn;
    long long stat_expiredkeys;
    long long stat_evictedkeys;
    long long stat_keyspace_hits;
    long long stat_keyspace_misses;
    long long stat_net_input_bytes;
    long long stat_net_output_bytes;
    long long stat_total_error_replies;
    long long stat_unexpected_error_replies;
    long long stat_io_reads, stat_io_writes;
    /* clients closed by client-output-buffer-limit */
    long long stat_client_obuf_limit_disconnections;
    struct dict *errorstats; /* error prefix -> (void*)(intptr_t)count */
    long long dirty;         /* changes since start (and since last save, later) */
    long long stat_peak_memory;
    long long stat_startup_memory; /* used memory once initialised (MEMORY STATS) */

    /* instantaneous ops/sec sampling */
    int64_t ops_sample_time_ms;
    long long ops_sample_count;
    long long ops_per_sec;

    /* Durability generations: a write's reply is held until the batch it
     * belongs to (client.wait_gen) is durable (durable_gen >= wait_gen). */
    uint64_t durable_gen;

    /* hooks set by net.c/main.c; NULL in unit tests */
    /* c has new reply bytes: put it on the pending-write list */
    void (*on_reply)(struct client *c);
    /* the effect of a write in db `dbid`: one or more commands encoded as
     * RESP multibulks (what the AOF appends and Raft will replicate) */
    void (*propagate)(int dbid, const char *resp, size_t len);
    /* The persistence layer cannot take writes now (a failed AOF write or
     * fsync): returns the full error text ("MISCONF ...") for write
     * commands, or NULL when writes are allowed. */
    const char *(*deny_write)(void);
    /* Appends the fields of INFO persistence that the AOF owns. */
    void (*info_persistence)(struct buf *b);
    /* Serves clients for a moment during a long load (they get -LOADING
     * for all but a few commands). */
    void (*process_events)(void);
    /* Raft (raft/node.c), NULL when Raft is off.  Called by the executor
     * for a client's command after the auth checks: returns RAFT_LOCAL to
     * execute it here and now, RAFT_TAKEN when it was proposed to the log
     * (the reply comes when the entry is applied), RAFT_RETRY when the
     * client must first get the replies of its earlier proposals (the
     * command stays in its query buffer and is parsed again later). */
    int (*raft_intercept)(struct client *c, const struct command *cmd);
    /* INFO raft section (fields only, after "# Raft"). */
    void (*info_raft)(struct buf *b);
    /* net.c: c, blocked by RAFT_RETRY, may run its commands again. */
    void (*unblock_client)(struct client *c);
    /* Fault injection for tests (RAFT.BLOCK, enabled by the environment
     * variable RAFTCACHE_FAULT_INJECTION=1): cut this node off from peer. */
    int (*raft_set_blocked)(uint64_t peer, int blocked);
    /* A client is being freed (net.c calls it): forget references to it. */
    void (*on_client_free)(struct client *c);
    /* Raft eviction (evict.h), NULL when Raft is off.  raft_leader_term:
     * the term this node leads in, 0 when it does not lead.  raft_propose:
     * the leader proposes argv as an entry for db dbid, stamped with its
     * clock (argv is copied); returns 0 and the entry's index, or -1. */
    uint64_t (*raft_leader_term)(void);
    int (*raft_propose)(int dbid, int argc, const struct resp_arg *argv, uint64_t *index);

    /* Raft: set while node.c applies a committed entry (raft_apply_index
     * is its index).  Commands with a random effect (SPOP) must then pick
     * the same result on every node: from apply_index and the value's
     * content, never from the dict's layout or the process's RNG. */
    int raft_applying;
    uint64_t raft_apply_index;

    /* 1 while EXEC runs the queued commands of a transaction (the client
     * keeps CLIENT_MULTI meanwhile): a blocking command must not block. */
    int in_exec;

    /* net.c: runs c's waiting commands now (a client blocked on keys whose
     * key became ready or whose deadline passed). */
    void (*run_client)(struct client *c);

    /* The client whose command is running (NULL while loading). */
    struct client *current_client;

    /* CONFIG SET of a key that needs action (e.g. "maxclients"); returns 0
     * or -1 with an error text in err */
    int (*on_config_set)(const char *name, char *err, size_t errlen);
};

extern struct server server;

/* Sets up `server` for cfg: creates the databases, the errorstats table,
 * the run id, and calls command_init().  Used by main and by unit tests. */
void server_state_init(struct config *cfg);
void server_state_free(void);
/* Adds / removes a client from the list (net.c). */
void server_link_client(struct client *c);
void server_unlink_client(struct client *c);
/* Zeroes the stats (CONFIG RESETSTAT). */
void server_reset_stats(void);
/* Counts an error reply by its first word, for INFO errorstats. */
void server_count_error(const char *msg);
/* Key-modification listeners (WATCH, clients blocked on keys).  A listener
 * is called for each key a write changed: every key argument of a write
 * command that made the dataset dirty (command_exec), keys deleted by
 * expiry or eviction, and with key NULL for "every key of db" (FLUSHDB,
 * FLUSHALL: db NULL means every db).  At most SERVER_MAX_KEY_LISTENERS. */
#define SERVER_MAX_KEY_LISTENERS 4
typedef void (*server_key_listener)(struct db *db, const char *key, size_t klen);
void server_add_key_listener(server_key_listener fn);
void server_signal_key(struct db *db, const char *key, size_t klen);
/* The keys of c's running command (its table's key positions). */
void server_signal_command_keys(struct client *c);

/* Bytes of heap in use (INFO used_memory, maxmemory): the counting
 * allocator's total (util/zmalloc.h, docs/memory.md); also updates the
 * peak.  Cheap: a relaxed atomic load. */
long long server_used_memory(void);

#endif
