/* command: the declarative command table and the executor.
 *
 * Each command family (commands/string.c, hash.c, list.c, keys.c, server.c,
 * connection.c) exports a table of struct command terminated by an entry
 * with name NULL; command_init() indexes them all.  A handler only touches
 * the keyspace (db.h) and the reply API (reply.h).
 *
 * The write path (docs/architecture.md): a handler that changes the dataset
 * calls cmd_dirty(c).  After it returns, the executor hands the effect of
 * the command to server.propagate (the AOF, later the Raft log): by default
 * the command as the client sent it; a handler whose command is not
 * deterministic as sent (relative expiry, INCRBYFLOAT, SET ... GET) calls
 * cmd_propagate() with the deterministic form instead (e.g. PEXPIREAT with
 * an absolute time), possibly several times.  A command that changed
 * nothing propagates nothing.
 *
 * Argument docs (COMMAND DOCS) are written in a compact spec, `args`:
 *   name:type          an argument; type is one of string integer double
 *                      key pattern unix-time
 *   TOKEN              a pure token (all caps), e.g. NX
 *   TOKEN name:type    inside brackets or a group: a token followed by a value
 *   [ ... ]            optional
 *   ( ... )            a block (group of arguments)
 *   a|b|c              one of (inside [] or ())
 *   x...               may repeat (suffix on an argument or a closing ] or ))
 * e.g. SET: "key:key value:string [NX|XX] [GET] [EX seconds:integer|PX
 * milliseconds:integer|EXAT unix-time-seconds:unix-time|PXAT
 * unix-time-milliseconds:unix-time|KEEPTTL]"
 */
#ifndef RC_COMMAND_H
#define RC_COMMAND_H

#include <stdint.h>

#include "client.h"

/* flags, as Redis's (COMMAND INFO shows them by these names) */
#define CMD_WRITE        (1u << 0)  /* "write": changes the dataset: goes through the write path */
#define CMD_READONLY     (1u << 1)  /* "readonly" */
#define CMD_FAST         (1u << 2)  /* "fast": O(1) or O(log n) */
#define CMD_ADMIN        (1u << 3)  /* "admin" */
#define CMD_NOAUTH       (1u << 4)  /* "no_auth": allowed before AUTH */
#define CMD_DENYOOM      (1u << 5)  /* "denyoom": refused over maxmemory */
#define CMD_LOADING      (1u << 6)  /* "loading": allowed while loading */
#define CMD_STALE        (1u << 7)  /* "stale" */
#define CMD_PUBSUB       (1u << 8)  /* "pubsub" */
#define CMD_NOSCRIPT     (1u << 9)  /* "noscript" */
#define CMD_KEYSPACE_ALL (1u << 10) /* touches the whole keyspace (FLUSHALL, KEYS...) */
#define CMD_BLOCKING     (1u << 11) /* "blocking": may block the client (BLPOP) */

struct command {
    const char *name; /* lower case */
    void (*proc)(struct client *c);
    int arity; /* > 0: exactly; < 0: at least -arity (argv[0] counts) */
    uint32_t flags;
    int first_key, last_key, key_step; /* last_key -1: to the end; 0,0,0: no keys */
    const char *group;                 /* "string" "hash" "generic" "server" "connection" */
    const char *since;                 /* Redis version that introduced it, e.g. "1.0.0" */
    const char *summary;
    const char *complexity;
    const char *args;            /* spec above, NULL or "" for none */
    struct command *subcommands; /* CONFIG GET, CLIENT LIST...: NULL-terminated */

    /* statistics (INFO commandstats) */
    long long calls, usec, rejected_calls, failed_calls;
};

/* Builds the lookup index from every family's table.  Idempotent. */
void command_init(void);
/* Finds a command by name (case-insensitive); NULL if unknown. */
struct command *command_lookup(const char *name, size_t len);
/* Finds "container|sub" for COMMAND INFO / DOCS / commandstats. */
struct command *command_lookup_sub(struct command *container, const char *name, size_t len);
/* Calls fn for every top-level command, in table order. */
void command_foreach(void (*fn)(struct command *cmd, void *ud), void *ud);
int command_count(void);
/* Flag names, for COMMAND INFO: fills names[] and returns how many. */
int command_flag_names(uint32_t flags, const char **names, int max);

/* Executes the command in c->argc / c->argv: lookup, arity, auth, then the
 * handler; counts statistics; propagates the effect of writes.  Replies go
 * to c->reply.  Returns CMD_DONE, or CMD_RETRY when the command could not
 * run yet (Raft: the client waits for its earlier proposals): the caller
 * keeps it and calls again once server.unblock_client(c) was called. */
enum { CMD_DONE = 0, CMD_RETRY = 1 };
int command_exec(struct client *c);
/* Runs cmd's handler for c->argc / c->argv with no checks (they were made
 * by command_exec): statistics, key signals, propagation.  EXEC calls it
 * for each queued command; it restores c->cmd and server.current_client,
 * so it nests. */
void command_call(struct client *c, struct command *cmd);

/* For handlers: the dataset changed (n changes). */
void cmd_dirty(struct client *c, int n);
/* For handlers: log this command as the effect instead of the original
 * (call once per command to log; argv borrowed).  Encodes argv as a RESP
 * multibulk into c->prop at once, so argv may be stack temporaries. */
void cmd_propagate(struct client *c, int argc, const struct resp_arg *argv);
/* For handlers: log nothing for this command even though it is dirty. */
void cmd_propagate_none(struct client *c);
/* Helpers shared by the command handlers. */
/* Key lookup for commands that read: counts keyspace hits and misses, as
 * Redis's lookupKeyRead.  The time is server.cmd_now_ms. */
struct robj *cmd_lookup_read(struct client *c, const struct resp_arg *key);
/* Key lookup for commands that write: no statistics (lookupKeyWrite). */
struct robj *cmd_lookup_write(struct client *c, const struct resp_arg *key);
/* Whether argument a is token, ASCII case-insensitively (NX, WITHSCORES...). */
int cmd_arg_is(const struct resp_arg *a, const char *token);
/* Parses a as a strict integer; replies "ERR value is not an integer or out
 * of range" and returns -1 on failure. */
int cmd_arg_ll(struct client *c, const struct resp_arg *a, long long *out);

/* SCAN-family helpers (SSCAN, ZSCAN; HSCAN and SCAN have their own).
 * cmd_parse_cursor: as Redis's strtoul parse; replies "ERR invalid cursor"
 * and returns -1 on failure.  cmd_scan_dict: parses [MATCH p] [COUNT n]
 * from argv[3..], scans d (NULL: an empty collection) from cursor and
 * replies [next-cursor, [...]] with emit() writing `per_entry` replies for
 * each entry whose key matches. */
struct dict;
struct dict_entry;
int cmd_parse_cursor(struct client *c, const struct resp_arg *a, uint64_t *cursor);
void cmd_scan_dict(struct client *c, struct dict *d, uint64_t cursor, int per_entry,
                   void (*emit)(struct client *c, struct dict_entry *e));

/* Encodes argv as a RESP multibulk command into b (for propagation). */
void cmd_encode(struct buf *b, int argc, const struct resp_arg *argv);

/* Family tables */
extern struct command string_commands[];
extern struct command hash_commands[];
extern struct command list_commands[];
extern struct command set_commands[];
extern struct command zset_commands[];
extern struct command keys_commands[];
extern struct command server_commands[];
extern struct command connection_commands[];
extern struct command persistence_commands[];
extern struct command multi_commands[];
extern struct command pubsub_commands[];

#endif
