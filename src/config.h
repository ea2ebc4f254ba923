/* config: the server's configuration.
 *
 * Sources, in order of precedence (highest first):
 *   1. the command line   (--port 7000, --bind 127.0.0.1 ::1, --dir ./data,
 *                          and any CONFIG name as --<name> <value>)
 *   2. the environment    (USE_RAFT, RAFT_DIR, ...)
 *   3. the YAML file      (-c PATH)
 *   4. built-in defaults
 * config_init() sets the defaults, then main applies the file, then the
 * environment, then the command line.
 *
 * config.c is the only file that includes yaml.h.  A bad YAML file yields
 * an error "file:line:column: message" (1-based line and column, as an
 * editor shows them), e.g.
 *   config/raftcache.yaml:3:5: unknown key 'prot' in section 'server'
 *   config/raftcache.yaml:4:9: server.port: expected an integer 1..65535, got 'abc'
 *
 * CONFIG GET / SET see the keys by Redis's names (port, bind, maxclients,
 * timeout, requirepass, databases, loglevel, logfile, appendonly,
 * appendfsync, dir, proto-max-bulk-len, ...) through config_get_* and
 * config_set(). */
#ifndef RC_CONFIG_H
#define RC_CONFIG_H

#include <stddef.h>

#define CONFIG_MAX_BIND  16
#define CONFIG_MAX_PEERS 16

enum aof_fsync { AOF_FSYNC_NO = 0, AOF_FSYNC_EVERYSEC = 1, AOF_FSYNC_ALWAYS = 2 };
enum read_mode { READ_LINEARIZABLE = 0, READ_LEASE = 1, READ_STALE = 2 };

/* client-output-buffer-limit classes (Redis's: there are no replicas here,
 * but the class is accepted and shown, as Redis's "slave") */
enum obuf_class { OBUF_NORMAL = 0, OBUF_REPLICA = 1, OBUF_PUBSUB = 2, OBUF_CLASSES = 3 };

struct obuf_limit {
    long long hard, soft; /* bytes, 0 = no limit */
    long long soft_seconds;
};

struct raft_peer {
    int id;
    char *raft_addr;   /* host:port of its Raft listener */
    char *client_addr; /* host:port clients use */
};

struct config {
    /* server: */
    char *bind[CONFIG_MAX_BIND]; /* owned strings */
    int nbind;
    int port; /* 0..65535; 0 = no TCP listener */
    long long maxclients;
    long long timeout; /* client idle timeout, seconds; 0 = never */
    char *requirepass; /* "" = none */
    int databases;
    int tcp_backlog;
    long long tcp_keepalive; /* seconds */
    long long proto_max_bulk_len;
    char *pidfile; /* "" = none */
    int hz;        /* cron frequency (1..500), default 10 */
    /* client-output-buffer-limit, by enum obuf_class */
    struct obuf_limit obuf_limits[OBUF_CLASSES];

    /* log: */
    int log_level;  /* enum log_level in util/log.h */
    char *log_file; /* "" = stdout */

    /* aof: */
    int aof_enabled;
    char *aof_dir;
    char *aof_filename; /* "appendonly.aof" */
    int aof_fsync;      /* enum aof_fsync */
    int aof_rewrite_auto;
    long long aof_rewrite_percentage;
    long long aof_rewrite_min_size;
    int aof_load_truncated;

    /* raft: */
    int raft_enabled;
    char *raft_dir;
    int raft_node_id;
    char *raft_listen;
    struct raft_peer peers[CONFIG_MAX_PEERS];
    int npeers;
    long long raft_election_timeout_ms;
    long long raft_heartbeat_ms;
    int raft_read_mode; /* enum read_mode */
    char *raft_secret;

    /* memory: (docs/memory.md) */
    long long maxmemory;
    char *maxmemory_policy;
    int maxmemory_samples;
    int lfu_log_factor;
    int lfu_decay_time; /* minutes */

    char *config_file; /* path it was loaded from, "" if none (INFO config_file) */
};

/* Fills cfg with the built-in defaults (allocated strings). */
void config_init(struct config *cfg);
void config_free(struct config *cfg);

/* Loads path into cfg over what is there.  On error returns -1 and writes
 * "file:line:column: message" into err (always NUL-terminated). */
int config_load_file(struct config *cfg, const char *path, char *err, size_t errlen);
/* Applies USE_RAFT, RAFT_DIR (and RAFTCACHE_PORT...) from the environment. */
int config_apply_env(struct config *cfg, char *err, size_t errlen);
/* Applies --name value overrides.  argv holds only the overrides (main has
 * removed -c PATH and the flags it handles).  --bind takes one or more
 * values up to the next --option. */
int config_apply_args(struct config *cfg, int argc, char **argv, char *err, size_t errlen);
/* Checks cross-key constraints (e.g. heartbeat < election timeout). */
int config_validate(const struct config *cfg, char *err, size_t errlen);

/* CONFIG GET: calls fn(name, value) for each Redis-named key matching the
 * glob pattern (case-insensitive).  value is formatted as Redis does
 * ("yes"/"no", numbers in decimal, lists space-separated). */
void config_get(const struct config *cfg, const char *pattern,
                void (*fn)(void *ud, const char *name, const char *value), void *ud);
/* CONFIG SET name value.  Returns 0, or -1 with Redis's message in err,
 * e.g. "ERR Unknown option or number of arguments for CONFIG SET - 'foo'"
 * or "ERR CONFIG SET failed (possibly related to argument 'port') - ...".
 * Keys that cannot change at run time are refused ("can't set immutable
 * config").  Side effects that live in lower modules (loglevel, logfile)
 * are applied here; the caller (CONFIG SET in commands/server.c) then calls
 * server.on_config_set(name) for those owned by higher ones (maxclients,
 * appendonly...). */
int config_set(struct config *cfg, const char *name, const char *value, char *err, size_t errlen);

const char *config_fsync_name(int policy);

#endif
