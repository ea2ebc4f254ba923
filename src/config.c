/* config: the server's configuration, from defaults, a YAML file, the
 * environment and the command line; CONFIG GET / SET by Redis's names.
 *
 * Every key is described once, in the option table below: where it lives
 * in the YAML file (section + key), its Redis name (used by CONFIG GET/SET
 * and as --name on the command line), its type, its range and whether
 * CONFIG SET may change it.  The YAML loader, the command-line parser, the
 * environment and CONFIG GET/SET all go through that table, so a key cannot
 * be known to one and forgotten by another.
 *
 * Every entry point that can fail works on a copy of the configuration and
 * only replaces the caller's on success: a bad file, a bad --option or a
 * refused CONFIG SET leaves cfg exactly as it was.
 *
 * The YAML file is untrusted input: any shape or value gets an error
 * message, never an assert.  It is read whole (it is small, and capped) and
 * parsed with libyaml's document API; marks are 0-based in libyaml and
 * reported 1-based, as editors show them. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#include "util/buf.h"
#include "util/log.h"
#include "util/util.h"

/* A config file is a few kilobytes; anything this large is a mistake (or
 * hostile) and is refused before libyaml sees it. */
#define CONFIG_MAX_FILE_SIZE (1024 * 1024)
/* How much of an offending value an error message quotes. */
#define QUOTE_MAX 64

/* ---------------------------------------------------------------------- */
/* The option table                                                        */

enum opt_type {
    OT_INT,      /* int field, decimal, [min, max] */
    OT_LL,       /* long long field, decimal, [min, max] */
    OT_SIZE,     /* long long field, bytes; "64mb" units accepted */
    OT_BOOL,     /* int field, 0/1 */
    OT_STR,      /* char * field, any text ("" allowed) */
    OT_PATH,     /* char * field, non-empty */
    OT_HOSTPORT, /* char * field, host:port */
    OT_ENUM,     /* int field, one of opt->enums */
    OT_ENUM_STR, /* char * field holding one of opt->enums' names */
    OT_BIND,     /* cfg->bind / cfg->nbind */
    OT_PEERS,    /* cfg->peers / cfg->npeers */
    OT_SAVE,     /* accepted for Redis compatibility, stored nowhere */
    OT_OBUF,     /* cfg->obuf_limits: "class hard soft seconds" groups */
};

#define F_MUTABLE 1 /* CONFIG SET may change it */
#define F_HIDDEN  2 /* CONFIG GET does not show it (secrets) */
#define F_CLAMP   4 /* CONFIG SET accepts 0..INT_MAX and clamps (Redis's hz) */

struct enum_item {
    const char *name;
    int value;
};

struct opt {
    const char *section; /* YAML section ("aof.rewrite"), NULL: no YAML key */
    const char *key;     /* YAML key inside the section */
    const char *name;    /* CONFIG GET/SET name, --name on the command line */
    enum opt_type type;
    size_t off; /* of the field in struct config */
    long long min, max;
    const struct enum_item *enums; /* NULL-name terminated */
    int flags;
};

/* The orders are Redis's, so that CONFIG SET's "must be one of" lists read
 * as Redis's do. */
static const struct enum_item fsync_names[] = {
    {"everysec", AOF_FSYNC_EVERYSEC},
    {"always", AOF_FSYNC_ALWAYS},
    {"no", AOF_FSYNC_NO},
    {NULL, 0},
};
static const struct enum_item loglevel_names[] = {
    {"debug", LOG_DEBUG},
    {"verbose", LOG_VERBOSE},
    {"notice", LOG_NOTICE},
    {"warning", LOG_WARNING},
    {NULL, 0},
};
static const struct enum_item read_mode_names[] = {
    {"linearizable", READ_LINEARIZABLE},
    {"lease", READ_LEASE},
    {"stale", READ_STALE},
    {NULL, 0},
};
static const struct enum_item policy_names[] = {
    {"volatile-lru", 0},   {"volatile-lfu", 1}, {"volatile-random", 2},
    {"volatile-ttl", 3},   {"allkeys-lru", 4},  {"allkeys-lfu", 5},
    {"allkeys-random", 6}, {"noeviction", 7},   {NULL, 0},
};

#define OFF(field) offsetof(struct config, field)
#define OPT(sec, key, name, type, field, min, max, enums, flags)                                   \
    {                                                                                              \
        sec, key, name, type, OFF(field), min, max, enums, flags                                   \
    }

static const struct opt opts[] = {
    OPT("server", "bind", "bind", OT_BIND, bind, 0, 0, NULL, 0),
    OPT("server", "port", "port", OT_INT, port, 0, 65535, NULL, 0),
    OPT("server", "maxclients", "maxclients", OT_LL, maxclients, 1, 4294967295LL, NULL, F_MUTABLE),
    OPT("server", "timeout", "timeout", OT_LL, timeout, 0, INT_MAX, NULL, F_MUTABLE),
    OPT("server", "requirepass", "requirepass", OT_STR, requirepass, 0, 0, NULL, F_MUTABLE),
    OPT("server", "databases", "databases", OT_INT, databases, 1, 10000, NULL, 0),
    OPT("server", "tcp_backlog", "tcp-backlog", OT_INT, tcp_backlog, 0, INT_MAX, NULL, 0),
    OPT("server", "tcp_keepalive", "tcp-keepalive", OT_LL, tcp_keepalive, 0, INT_MAX, NULL,
        F_MUTABLE),
    OPT("server", "proto_max_bulk_len", "proto-max-bulk-len", OT_SIZE, proto_max_bulk_len,
        1024 * 1024, LLONG_MAX, NULL, F_MUTABLE),
    OPT("server", "pidfile", "pidfile", OT_STR, pidfile, 0, 0, NULL, 0),
    OPT("server", "hz", "hz", OT_INT, hz, 1, 500, NULL, F_MUTABLE | F_CLAMP),
    OPT("server", "client_output_buffer_limit", "client-output-buffer-limit", OT_OBUF, obuf_limits,
        0, 0, NULL, F_MUTABLE),

    OPT("log", "level", "loglevel", OT_ENUM, log_level, 0, 0, loglevel_names, F_MUTABLE),
    OPT("log", "file", "logfile", OT_STR, log_file, 0, 0, NULL, 0),

    OPT("aof", "enabled", "appendonly", OT_BOOL, aof_enabled, 0, 0, NULL, F_MUTABLE),
    OPT("aof", "dir", "dir", OT_PATH, aof_dir, 0, 0, NULL, 0),
    OPT("aof", "filename", "appendfilename", OT_PATH, aof_filename, 0, 0, NULL, 0),
    OPT("aof", "fsync", "appendfsync", OT_ENUM, aof_fsync, 0, 0, fsync_names, F_MUTABLE),
    OPT("aof", "load_truncated", "aof-load-truncated", OT_BOOL, aof_load_truncated, 0, 0, NULL,
        F_MUTABLE),
    OPT("aof.rewrite", "auto", "auto-aof-rewrite-enabled", OT_BOOL, aof_rewrite_auto, 0, 0, NULL,
        F_MUTABLE),
    OPT("aof.rewrite", "percentage", "auto-aof-rewrite-percentage", OT_LL, aof_rewrite_percentage,
        0, INT_MAX, NULL, F_MUTABLE),
    OPT("aof.rewrite", "min_size", "auto-aof-rewrite-min-size", OT_SIZE, aof_rewrite_min_size, 0,
        LLONG_MAX, NULL, F_MUTABLE),

    OPT("raft", "enabled", "raft-enabled", OT_BOOL, raft_enabled, 0, 0, NULL, 0),
    OPT("raft", "dir", "raft-dir", OT_PATH, raft_dir, 0, 0, NULL, 0),
    OPT("raft", "node_id", "raft-node-id", OT_INT, raft_node_id, 1, INT_MAX, NULL, 0),
    OPT("raft", "listen", "raft-listen", OT_HOSTPORT, raft_listen, 0, 0, NULL, 0),
    OPT("raft", "peers", "raft-peers", OT_PEERS, peers, 0, 0, NULL, 0),
    OPT("raft", "election_timeout_ms", "raft-election-timeout-ms", OT_LL, raft_election_timeout_ms,
        1, 86400000, NULL, 0),
    OPT("raft", "heartbeat_ms", "raft-heartbeat-ms", OT_LL, raft_heartbeat_ms, 1, 86400000, NULL,
        0),
    OPT("raft", "read_mode", "raft-read-mode", OT_ENUM, raft_read_mode, 0, 0, read_mode_names, 0),
    OPT("raft", "secret", "raft-secret", OT_STR, raft_secret, 0, 0, NULL, F_HIDDEN),

    OPT("memory", "maxmemory", "maxmemory", OT_SIZE, maxmemory, 0, LLONG_MAX, NULL, F_MUTABLE),
    OPT("memory", "policy", "maxmemory-policy", OT_ENUM_STR, maxmemory_policy, 0, 0, policy_names,
        F_MUTABLE),
    OPT("memory", "samples", "maxmemory-samples", OT_INT, maxmemory_samples, 1, INT_MAX, NULL,
        F_MUTABLE),
    OPT("memory", "lfu_log_factor", "lfu-log-factor", OT_INT, lfu_log_factor, 0, INT_MAX, NULL,
        F_MUTABLE),
    OPT("memory", "lfu_decay_time", "lfu-decay-time", OT_INT, lfu_decay_time, 0, INT_MAX, NULL,
        F_MUTABLE),

    /* redis-benchmark and many tools send CONFIG GET save / --save "". */
    OPT(NULL, NULL, "save", OT_SAVE, config_file, 0, 0, NULL, F_MUTABLE),
};

static const char *const sections[] = {"server", "log", "aof", "aof.rewrite", "raft", "memory"};

static int *field_int(struct config *c, const struct opt *o)
{
    return (int *)(void *)((char *)c + o->off);
}

static long long *field_ll(struct config *c, const struct opt *o)
{
    return (long long *)(void *)((char *)c + o->off);
}

static char **field_str(struct config *c, const struct opt *o)
{
    return (char **)(void *)((char *)c + o->off);
}

static const struct opt *find_by_name(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(opts); i++) {
        if (strcasecmp(opts[i].name, name) == 0)
            return &opts[i];
    }
    return NULL;
}

static const struct opt *find_by_yaml(const char *section, const char *key)
{
    for (size_t i = 0; i < ARRAY_SIZE(opts); i++) {
        if (opts[i].section && strcmp(opts[i].section, section) == 0 &&
            strcmp(opts[i].key, key) == 0)
            return &opts[i];
    }
    return NULL;
}

static int is_section(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(sections); i++) {
        if (strcmp(sections[i], name) == 0)
            return 1;
    }
    return 0;
}

static const struct enum_item *enum_find(const struct enum_item *e, const char *name)
{
    for (; e->name; e++) {
        if (strcasecmp(e->name, name) == 0)
            return e;
    }
    return NULL;
}

static const char *enum_name(const struct enum_item *e, int value)
{
    for (; e->name; e++) {
        if (e->value == value)
            return e->name;
    }
    return "unknown";
}

/* "a, b, c" */
static void enum_list(const struct enum_item *e, char *dst, size_t size)
{
    size_t len = 0;

    dst[0] = '\0';
    for (const struct enum_item *i = e; i->name; i++) {
        int n = snprintf(dst + len, size - len, "%s%s", i == e ? "" : ", ", i->name);
        if (n < 0 || (size_t)n >= size - len)
            return;
        len += (size_t)n;
    }
}

/* ---------------------------------------------------------------------- */
/* Small helpers                                                           */

static char *dupn(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

static void set_str(char **slot, const char *s)
{
    char *copy = xstrdup(s ? s : "");
    free(*slot);
    *slot = copy;
}

/* Copies at most QUOTE_MAX bytes of s into dst for an error message, with
 * control bytes shown as '?' so a message stays one printable line. */
static void quote(char *dst, size_t size, const char *s)
{
    size_t i = 0;

    for (; s[i] && i < QUOTE_MAX && i + 4 < size; i++) {
        unsigned char ch = (unsigned char)s[i];
        dst[i] = (ch < 0x20 || ch == 0x7f) ? '?' : (char)ch;
    }
    if (s[i] && i + 4 < size) {
        memcpy(dst + i, "...", 3);
        i += 3;
    }
    dst[i] = '\0';
}

static int errf(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int errf(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (errlen == 0)
        return -1;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static int parse_bool(const char *s, int yes_no_only)
{
    if (strcasecmp(s, "yes") == 0)
        return 1;
    if (strcasecmp(s, "no") == 0)
        return 0;
    if (yes_no_only)
        return -1;
    if (strcasecmp(s, "true") == 0)
        return 1;
    if (strcasecmp(s, "false") == 0)
        return 0;
    return -1;
}

static int host_char_ok(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '.' || ch == '-' || ch == '_';
}

/* host:port, [v6]:port; port 1..65535.  An unbracketed IPv6 address is
 * refused because its last colon would be taken for the port's. */
static int hostport_valid(const char *s)
{
    const char *port;
    long long n;

    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close || close == s + 1 || close[1] != ':')
            return 0;
        for (const char *p = s + 1; p < close; p++) {
            if (!(host_char_ok(*p) || *p == ':' || *p == '%'))
                return 0;
        }
        port = close + 2;
    } else {
        const char *colon = strrchr(s, ':');
        if (!colon || colon == s)
            return 0;
        for (const char *p = s; p < colon; p++) {
            if (!host_char_ok(*p))
                return 0;
        }
        port = colon + 1;
    }
    if (str_to_ll(port, strlen(port), &n) < 0 || n < 1 || n > 65535)
        return 0;
    return 1;
}

/* ---------------------------------------------------------------------- */
/* Lifetime                                                                */

void config_init(struct config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));

    cfg->bind[0] = xstrdup("127.0.0.1");
    cfg->bind[1] = xstrdup("::1");
    cfg->nbind = 2;
    cfg->port = 6379;
    cfg->maxclients = 10000;
    cfg->timeout = 0;
    cfg->requirepass = xstrdup("");
    cfg->databases = 16;
    cfg->tcp_backlog = 511;
    cfg->tcp_keepalive = 300;
    cfg->proto_max_bulk_len = 512LL * 1024 * 1024;
    cfg->pidfile = xstrdup("");
    cfg->hz = 10;
    /* Redis's defaults: normal clients unlimited (back-pressure bounds
     * them), pub/sub subscribers 32mb hard, 8mb for 60 seconds soft. */
    cfg->obuf_limits[OBUF_NORMAL] = (struct obuf_limit){0, 0, 0};
    cfg->obuf_limits[OBUF_REPLICA] = (struct obuf_limit){256LL << 20, 64LL << 20, 60};
    cfg->obuf_limits[OBUF_PUBSUB] = (struct obuf_limit){32LL << 20, 8LL << 20, 60};

    cfg->log_level = LOG_NOTICE;
    cfg->log_file = xstrdup("");

    cfg->aof_enabled = 1;
    cfg->aof_dir = xstrdup("./data");
    cfg->aof_filename = xstrdup("appendonly.aof");
    cfg->aof_fsync = AOF_FSYNC_EVERYSEC;
    cfg->aof_rewrite_auto = 1;
    cfg->aof_rewrite_percentage = 100;
    cfg->aof_rewrite_min_size = 64LL * 1024 * 1024;
    cfg->aof_load_truncated = 1;

    cfg->raft_enabled = 0;
    cfg->raft_dir = xstrdup("./raftdata");
    cfg->raft_node_id = 1;
    cfg->raft_listen = xstrdup("127.0.0.1:7379");
    cfg->npeers = 0;
    cfg->raft_election_timeout_ms = 1000;
    cfg->raft_heartbeat_ms = 100;
    cfg->raft_read_mode = READ_LINEARIZABLE;
    cfg->raft_secret = xstrdup("");

    cfg->maxmemory = 0;
    cfg->maxmemory_policy = xstrdup("noeviction");
    cfg->maxmemory_samples = 5;
    cfg->lfu_log_factor = 10;
    cfg->lfu_decay_time = 1;

    cfg->config_file = xstrdup("");
}

static void clear_bind(struct config *cfg)
{
    for (int i = 0; i < cfg->nbind; i++) {
        free(cfg->bind[i]);
        cfg->bind[i] = NULL;
    }
    cfg->nbind = 0;
}

static void clear_peers(struct config *cfg)
{
    for (int i = 0; i < cfg->npeers; i++) {
        free(cfg->peers[i].raft_addr);
        free(cfg->peers[i].client_addr);
        cfg->peers[i].raft_addr = NULL;
        cfg->peers[i].client_addr = NULL;
    }
    cfg->npeers = 0;
}

/* The char * fields outside the bind and peers lists; kept in one place so
 * that copy and free cannot disagree. */
static const size_t string_fields[] = {
    OFF(requirepass), OFF(pidfile),     OFF(log_file),    OFF(aof_dir),          OFF(aof_filename),
    OFF(raft_dir),    OFF(raft_listen), OFF(raft_secret), OFF(maxmemory_policy), OFF(config_file),
};

static char **string_at(struct config *c, size_t off)
{
    return (char **)(void *)((char *)c + off);
}

void config_free(struct config *cfg)
{
    if (!cfg)
        return;
    clear_bind(cfg);
    clear_peers(cfg);
    for (size_t i = 0; i < ARRAY_SIZE(string_fields); i++) {
        char **slot = string_at(cfg, string_fields[i]);
        free(*slot);
        *slot = NULL;
    }
}

/* Deep copy: dst gets its own strings. */
static void config_copy(struct config *dst, const struct config *src)
{
    *dst = *src;
    for (int i = 0; i < src->nbind; i++)
        dst->bind[i] = xstrdup(src->bind[i]);
    for (int i = 0; i < src->npeers; i++) {
        dst->peers[i].raft_addr = xstrdup(src->peers[i].raft_addr);
        dst->peers[i].client_addr = xstrdup(src->peers[i].client_addr);
    }
    for (size_t i = 0; i < ARRAY_SIZE(string_fields); i++) {
        char **slot = string_at(dst, string_fields[i]);
        if (*slot)
            *slot = xstrdup(*slot);
    }
}

/* Replaces *cfg by *tmp (which it takes). */
static void config_commit(struct config *cfg, struct config *tmp)
{
    config_free(cfg);
    *cfg = *tmp;
}

/* ---------------------------------------------------------------------- */
/* Setting one option from text                                            */

/* Where a value came from: decides the wording of an error. */
enum ctx {
    CTX_YAML, /* label "server.port"; the caller adds "file:line:col: " */
    CTX_ARG,  /* label "--port" */
    CTX_ENV,  /* label "RAFTCACHE_PORT" */
    CTX_SET,  /* label = the name as the client wrote it; Redis's texts */
};

enum verr {
    VE_INT,      /* not an integer */
    VE_RANGE,    /* integer out of [lo, hi] */
    VE_SIZE,     /* not a size */
    VE_SIZE_MIN, /* size under lo */
    VE_BOOL,
    VE_ENUM,
    VE_EMPTY,
    VE_HOSTPORT,
    VE_SAVE,
    VE_PEERS,
    VE_TOO_MANY,
};

static int value_error(const struct opt *o, enum verr why, long long lo, long long hi,
                       const char *text, enum ctx ctx, const char *label, char *err, size_t errlen)
{
    char q[QUOTE_MAX + 8], list[256], desc[300];

    quote(q, sizeof(q), text);
    if (o->enums)
        enum_list(o->enums, list, sizeof(list));
    else
        list[0] = '\0';

    if (ctx == CTX_SET) {
        const char *msg;
        switch (why) {
        case VE_INT:
            msg = "argument couldn't be parsed into an integer";
            break;
        case VE_RANGE:
        case VE_SIZE_MIN:
            snprintf(desc, sizeof(desc), "argument must be between %lld and %lld inclusive", lo,
                     hi);
            msg = desc;
            break;
        case VE_SIZE:
            msg = "argument must be a memory value";
            break;
        case VE_BOOL:
            msg = "argument must be 'yes' or 'no'";
            break;
        case VE_ENUM:
            snprintf(desc, sizeof(desc), "argument(s) must be one of the following: %s", list);
            msg = desc;
            break;
        case VE_SAVE:
            msg = "Invalid save parameters";
            break;
        default:
            msg = "argument is invalid";
            break;
        }
        return errf(err, errlen, "ERR CONFIG SET failed (possibly related to argument '%s') - %s",
                    label, msg);
    }

    switch (why) {
    case VE_INT:
    case VE_RANGE:
        if (hi >= INT_MAX)
            snprintf(desc, sizeof(desc), "an integer >= %lld", lo);
        else
            snprintf(desc, sizeof(desc), "an integer %lld..%lld", lo, hi);
        break;
    case VE_SIZE:
        snprintf(desc, sizeof(desc), "a size in bytes (a number, or with a unit: 100mb, 1gb)");
        break;
    case VE_SIZE_MIN:
        snprintf(desc, sizeof(desc), "a size of at least %lld bytes", lo);
        break;
    case VE_BOOL:
        snprintf(desc, sizeof(desc), "a boolean (true, false, yes, no)");
        break;
    case VE_ENUM:
        snprintf(desc, sizeof(desc), "one of (%s)", list);
        break;
    case VE_EMPTY:
        snprintf(desc, sizeof(desc), "a non-empty value");
        break;
    case VE_HOSTPORT:
        snprintf(desc, sizeof(desc), "host:port (e.g. 127.0.0.1:7379 or [::1]:7379)");
        break;
    case VE_SAVE:
        snprintf(desc, sizeof(desc), "\"\" or pairs of <seconds> <changes>");
        break;
    case VE_PEERS:
        snprintf(desc, sizeof(desc),
                 "space-separated peers ID,RAFT_HOST:PORT,CLIENT_HOST:PORT with distinct ids");
        break;
    case VE_TOO_MANY:
        return errf(err, errlen, "%s: at most %d %s", label,
                    o->type == OT_BIND ? CONFIG_MAX_BIND : CONFIG_MAX_PEERS,
                    o->type == OT_BIND ? "addresses" : "peers");
    }
    return errf(err, errlen, "%s: expected %s, got '%s'", label, desc, q);
}

/* "" or "3600 1 300 100": pairs of non-negative integers.  Nothing is
 * stored: there is no RDB, the AOF is the persistence. */
static int save_valid(const char *s)
{
    int count = 0;

    while (*s) {
        while (*s == ' ')
            s++;
        if (!*s)
            break;
        size_t len = strcspn(s, " ");
        long long n;
        if (str_to_ll(s, len, &n) < 0 || n < 0)
            return 0;
        count++;
        s += len;
    }
    return count % 2 == 0;
}

/* Splits text on spaces and commas into at most max owned strings. */
static int split_list(const char *text, char **out, int max, int *n)
{
    int count = 0;
    const char *seps = " ,\t";

    while (*text) {
        text += strspn(text, seps);
        if (!*text)
            break;
        size_t len = strcspn(text, seps);
        if (count == max) {
            for (int i = 0; i < count; i++)
                free(out[i]);
            return -1;
        }
        out[count++] = dupn(text, len);
        text += len;
    }
    *n = count;
    return 0;
}

/* "1,127.0.0.1:7379,127.0.0.1:6379 2,..." into tmp's peers. */
static int parse_peers_text(const char *text, struct raft_peer *peers, int *npeers, enum verr *why)
{
    char *items[CONFIG_MAX_PEERS];
    int n = 0, rc = -1, done = 0;

    /* Peers are split on spaces only: the commas are inside a peer. */
    while (*text) {
        text += strspn(text, " \t");
        if (!*text)
            break;
        size_t len = strcspn(text, " \t");
        if (n == CONFIG_MAX_PEERS) {
            *why = VE_TOO_MANY;
            goto cleanup;
        }
        items[n++] = dupn(text, len);
        text += len;
    }
    for (done = 0; done < n; done++) {
        char *id = items[done];
        char *raft = strchr(id, ',');
        char *client = raft ? strchr(raft + 1, ',') : NULL;
        long long v;
        if (!client)
            goto bad;
        *raft++ = '\0';
        *client++ = '\0';
        if (str_to_ll(id, strlen(id), &v) < 0 || v < 1 || v > INT_MAX)
            goto bad;
        if (!hostport_valid(raft) || !hostport_valid(client))
            goto bad;
        for (int j = 0; j < done; j++) {
            if (peers[j].id == (int)v)
                goto bad;
        }
        peers[done].id = (int)v;
        peers[done].raft_addr = xstrdup(raft);
        peers[done].client_addr = xstrdup(client);
    }
    *npeers = n;
    rc = 0;
    goto cleanup;
bad:
    *why = VE_PEERS;
    for (int j = 0; j < done; j++) {
        free(peers[j].raft_addr);
        free(peers[j].client_addr);
    }
cleanup:
    for (int j = 0; j < n; j++)
        free(items[j]);
    return rc;
}

/* client-output-buffer-limit: Redis's class names ("slave" is the old
 * name of "replica"; "master" is refused, as by Redis). */
static int obuf_class(const char *s, size_t n)
{
    if (n == 6 && strncasecmp(s, "normal", 6) == 0)
        return OBUF_NORMAL;
    if ((n == 7 && strncasecmp(s, "replica", 7) == 0) ||
        (n == 5 && strncasecmp(s, "slave", 5) == 0))
        return OBUF_REPLICA;
    if (n == 6 && strncasecmp(s, "pubsub", 6) == 0)
        return OBUF_PUBSUB;
    return -1;
}

enum { OBUF_EARGS = 1, OBUF_ECLASS = 2, OBUF_EVALUE = 3 };

/* Parses "class hard soft seconds [class hard soft seconds ...]" (sizes
 * with units, as "32mb") into limits, which keeps the classes not named.
 * Returns 0, or one of OBUF_E* with limits untouched.  "" changes nothing,
 * as in Redis. */
static int parse_obuf(const char *text, struct obuf_limit *limits)
{
    struct obuf_limit tmp[OBUF_CLASSES];
    const char *tok[4];
    size_t len[4];
    int n = 0;

    memcpy(tmp, limits, sizeof(tmp));
    for (const char *p = text;;) {
        p += strspn(p, " \t");
        if (*p) {
            tok[n] = p;
            len[n] = strcspn(p, " \t");
            p += len[n];
            n++;
        }
        if (n == 4 || (!*p && n > 0)) {
            if (n < 4)
                return OBUF_EARGS;
            int cls = obuf_class(tok[0], len[0]);
            if (cls < 0)
                return OBUF_ECLASS;
            char num[3][32];
            long long v[3];
            for (int i = 0; i < 3; i++) {
                if (len[i + 1] >= sizeof(num[i]))
                    return OBUF_EVALUE;
                memcpy(num[i], tok[i + 1], len[i + 1]);
                num[i][len[i + 1]] = '\0';
            }
            if (mem_to_ll(num[0], &v[0]) < 0 || v[0] < 0 || mem_to_ll(num[1], &v[1]) < 0 ||
                v[1] < 0 || str_to_ll(num[2], strlen(num[2]), &v[2]) < 0 || v[2] < 0)
                return OBUF_EVALUE;
            tmp[cls] = (struct obuf_limit){v[0], v[1], v[2]};
            n = 0;
        }
        if (!*p)
            break;
    }
    memcpy(limits, tmp, sizeof(tmp));
    return 0;
}

static int obuf_error(int why, const char *text, enum ctx ctx, const char *label, char *err,
                      size_t errlen)
{
    char q[QUOTE_MAX + 8];

    if (ctx == CTX_SET) {
        const char *msg = why == OBUF_EARGS    ? "Wrong number of arguments"
                          : why == OBUF_ECLASS ? "Invalid client class specified"
                                               : "Error in hard, soft or soft_seconds setting";
        return errf(err, errlen,
                    "ERR CONFIG SET failed (possibly related to argument '%s') - %s in buffer "
                    "limit configuration.",
                    label, msg);
    }
    quote(q, sizeof(q), text);
    const char *msg = why == OBUF_EARGS ? "the words come in groups of four"
                      : why == OBUF_ECLASS
                          ? "the class must be normal, replica or pubsub"
                          : "hard and soft are sizes, seconds an integer, all >= 0";
    return errf(err, errlen,
                "%s: expected CLASS HARD SOFT SECONDS groups (e.g. 'pubsub 32mb 8mb 60'): %s, "
                "got '%s'",
                label, msg, q);
}

/* Parses text for o and stores it in c.  On error c is untouched and err
 * holds the message for ctx. */
static int set_from_text(struct config *c, const struct opt *o, const char *text, enum ctx ctx,
                         const char *label, char *err, size_t errlen)
{
    long long n, lo = o->min, hi = o->max;
    int b;

    switch (o->type) {
    case OT_INT:
    case OT_LL:
        /* Redis accepts any hz and clamps it; the file and the command line
         * are ours and say what is wrong instead. */
        if (ctx == CTX_SET && (o->flags & F_CLAMP)) {
            lo = 0;
            hi = INT_MAX;
        }
        if (str_to_ll(text, strlen(text), &n) < 0)
            return value_error(o, VE_INT, lo, hi, text, ctx, label, err, errlen);
        if (n < lo || n > hi)
            return value_error(o, VE_RANGE, lo, hi, text, ctx, label, err, errlen);
        if (n < o->min)
            n = o->min;
        if (n > o->max)
            n = o->max;
        if (o->type == OT_INT)
            *field_int(c, o) = (int)n;
        else
            *field_ll(c, o) = n;
        return 0;
    case OT_SIZE:
        if (mem_to_ll(text, &n) < 0 || n < 0)
            return value_error(o, VE_SIZE, lo, hi, text, ctx, label, err, errlen);
        if (n < lo)
            return value_error(o, VE_SIZE_MIN, lo, hi, text, ctx, label, err, errlen);
        *field_ll(c, o) = n;
        return 0;
    case OT_BOOL:
        b = parse_bool(text, ctx == CTX_SET);
        if (b < 0)
            return value_error(o, VE_BOOL, 0, 0, text, ctx, label, err, errlen);
        *field_int(c, o) = b;
        return 0;
    case OT_ENUM:
    case OT_ENUM_STR: {
        const struct enum_item *e = enum_find(o->enums, text);
        if (!e)
            return value_error(o, VE_ENUM, 0, 0, text, ctx, label, err, errlen);
        if (o->type == OT_ENUM)
            *field_int(c, o) = e->value;
        else
            set_str(field_str(c, o), e->name);
        return 0;
    }
    case OT_STR:
        set_str(field_str(c, o), text);
        return 0;
    case OT_PATH:
        if (!*text)
            return value_error(o, VE_EMPTY, 0, 0, text, ctx, label, err, errlen);
        set_str(field_str(c, o), text);
        return 0;
    case OT_HOSTPORT:
        if (!hostport_valid(text))
            return value_error(o, VE_HOSTPORT, 0, 0, text, ctx, label, err, errlen);
        set_str(field_str(c, o), text);
        return 0;
    case OT_BIND: {
        char *list[CONFIG_MAX_BIND];
        int count;
        if (split_list(text, list, CONFIG_MAX_BIND, &count) < 0)
            return value_error(o, VE_TOO_MANY, 0, 0, text, ctx, label, err, errlen);
        if (count == 0)
            return value_error(o, VE_EMPTY, 0, 0, text, ctx, label, err, errlen);
        clear_bind(c);
        memcpy(c->bind, list, (size_t)count * sizeof(list[0]));
        c->nbind = count;
        return 0;
    }
    case OT_PEERS: {
        struct raft_peer peers[CONFIG_MAX_PEERS];
        int count;
        enum verr why;
        if (parse_peers_text(text, peers, &count, &why) < 0)
            return value_error(o, why, 0, 0, text, ctx, label, err, errlen);
        clear_peers(c);
        memcpy(c->peers, peers, (size_t)count * sizeof(peers[0]));
        c->npeers = count;
        return 0;
    }
    case OT_SAVE:
        if (!save_valid(text))
            return value_error(o, VE_SAVE, 0, 0, text, ctx, label, err, errlen);
        return 0;
    case OT_OBUF: {
        int why = parse_obuf(text, c->obuf_limits);
        if (why)
            return obuf_error(why, text, ctx, label, err, errlen);
        return 0;
    }
    }
    return errf(err, errlen, "%s: internal error: unknown option type", label);
}

/* ---------------------------------------------------------------------- */
/* The YAML file                                                           */

struct loader {
    const char *path;
    yaml_document_t *doc;
    struct config *cfg;
    char *err;
    size_t errlen;
};

static int lerr(struct loader *L, const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int lerr(struct loader *L, const yaml_node_t *n, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return errf(L->err, L->errlen, "%s:%zu:%zu: %s", L->path, n->start_mark.line + 1,
                n->start_mark.column + 1, msg);
}

static const char *node_kind(const yaml_node_t *n)
{
    switch (n->type) {
    case YAML_SCALAR_NODE:
        return "a scalar";
    case YAML_SEQUENCE_NODE:
        return "a list";
    case YAML_MAPPING_NODE:
        return "a mapping";
    default:
        return "nothing";
    }
}

static const char *scalar(const yaml_node_t *n)
{
    /* libyaml NUL-terminates scalar values. */
    return (const char *)n->data.scalar.value;
}

/* An empty value ("key:" with nothing after it), ~ or null, unquoted. */
static int is_null(const yaml_node_t *n)
{
    if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return 0;
    const char *s = scalar(n);
    return !*s || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 || strcmp(s, "Null") == 0 ||
           strcmp(s, "NULL") == 0;
}

/* A scalar whose text contains a NUL (a "\0" escape) cannot be a C string:
 * refused rather than silently cut. */
static int scalar_check(struct loader *L, const yaml_node_t *n, const char *label)
{
    if (strlen(scalar(n)) != n->data.scalar.length)
        return lerr(L, n, "%s: contains a NUL byte", label);
    return 0;
}

static yaml_node_t *node_at(struct loader *L, int index)
{
    return yaml_document_get_node(L->doc, index);
}

static int load_scalar_value(struct loader *L, const struct opt *o, yaml_node_t *v,
                             const char *label)
{
    char msg[512];
    const char *text;

    if (v->type != YAML_SCALAR_NODE)
        return lerr(L, v, "%s: expected a scalar value, got %s", label, node_kind(v));
    if (scalar_check(L, v, label) < 0)
        return -1;
    /* "requirepass:" with nothing after it (or ~) means the empty string;
     * for a number that would be a guess, so it gets an error instead. */
    text = (is_null(v) && (o->type == OT_STR || o->type == OT_PATH || o->type == OT_HOSTPORT))
               ? ""
               : scalar(v);
    if (set_from_text(L->cfg, o, text, CTX_YAML, label, msg, sizeof(msg)) < 0)
        return lerr(L, v, "%s", msg);
    return 0;
}

static int load_bind(struct loader *L, const struct opt *o, yaml_node_t *v, const char *label)
{
    char *list[CONFIG_MAX_BIND];
    int n = 0;

    if (is_null(v)) {
        clear_bind(L->cfg);
        return 0;
    }
    if (v->type == YAML_SCALAR_NODE) {
        if (scalar_check(L, v, label) < 0)
            return -1;
        if (!*scalar(v))
            return lerr(L, v, "%s: expected an address, got ''", label);
        clear_bind(L->cfg);
        L->cfg->bind[0] = xstrdup(scalar(v));
        L->cfg->nbind = 1;
        return 0;
    }
    if (v->type != YAML_SEQUENCE_NODE)
        return lerr(L, v, "%s: expected a list or a string, got %s", label, node_kind(v));
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
         it++) {
        yaml_node_t *item = node_at(L, *it);
        char ilabel[160];
        snprintf(ilabel, sizeof(ilabel), "%s[%d]", label, n);
        if (n == CONFIG_MAX_BIND) {
            lerr(L, item, "%s: at most %d addresses", label, CONFIG_MAX_BIND);
            goto fail;
        }
        if (item->type != YAML_SCALAR_NODE) {
            lerr(L, item, "%s: expected an address, got %s", ilabel, node_kind(item));
            goto fail;
        }
        if (scalar_check(L, item, ilabel) < 0)
            goto fail;
        if (!*scalar(item)) {
            lerr(L, item, "%s: expected an address, got ''", ilabel);
            goto fail;
        }
        list[n++] = xstrdup(scalar(item));
    }
    (void)o;
    clear_bind(L->cfg);
    memcpy(L->cfg->bind, list, (size_t)n * sizeof(list[0]));
    L->cfg->nbind = n;
    return 0;
fail:
    for (int i = 0; i < n; i++)
        free(list[i]);
    return -1;
}

/* One peer mapping {id, raft, client} into *p (strings owned on success). */
static int load_peer(struct loader *L, yaml_node_t *m, int index, struct raft_peer *p)
{
    char label[48], klabel[96];
    yaml_node_t *id = NULL, *raft = NULL, *client = NULL;
    long long v;

    snprintf(label, sizeof(label), "raft.peers[%d]", index);
    if (m->type != YAML_MAPPING_NODE)
        return lerr(L, m, "%s: expected a mapping {id, raft, client}, got %s", label, node_kind(m));
    for (yaml_node_pair_t *pr = m->data.mapping.pairs.start; pr < m->data.mapping.pairs.top; pr++) {
        yaml_node_t *k = node_at(L, pr->key), *val = node_at(L, pr->value);
        yaml_node_t **slot;
        if (k->type != YAML_SCALAR_NODE)
            return lerr(L, k, "%s: expected a key name, got %s", label, node_kind(k));
        const char *key = scalar(k);
        char q[QUOTE_MAX + 8];
        quote(q, sizeof(q), key);
        if (strcmp(key, "id") == 0)
            slot = &id;
        else if (strcmp(key, "raft") == 0)
            slot = &raft;
        else if (strcmp(key, "client") == 0)
            slot = &client;
        else
            return lerr(L, k, "unknown key '%s' in %s (expected id, raft, client)", q, label);
        if (*slot)
            return lerr(L, k, "duplicate key '%s' in %s", q, label);
        snprintf(klabel, sizeof(klabel), "%s.%s", label, key);
        if (val->type != YAML_SCALAR_NODE)
            return lerr(L, val, "%s: expected a scalar value, got %s", klabel, node_kind(val));
        if (scalar_check(L, val, klabel) < 0)
            return -1;
        *slot = val;
    }
    if (!id)
        return lerr(L, m, "%s: missing key 'id'", label);
    if (!raft)
        return lerr(L, m, "%s: missing key 'raft'", label);
    if (!client)
        return lerr(L, m, "%s: missing key 'client'", label);

    const char *s = scalar(id);
    char q[QUOTE_MAX + 8];
    quote(q, sizeof(q), s);
    if (str_to_ll(s, strlen(s), &v) < 0 || v < 1 || v > INT_MAX)
        return lerr(L, id, "%s.id: expected an integer >= 1, got '%s'", label, q);
    quote(q, sizeof(q), scalar(raft));
    if (!hostport_valid(scalar(raft)))
        return lerr(L, raft,
                    "%s.raft: expected host:port (e.g. 127.0.0.1:7379 or [::1]:7379), got '%s'",
                    label, q);
    quote(q, sizeof(q), scalar(client));
    if (!hostport_valid(scalar(client)))
        return lerr(L, client,
                    "%s.client: expected host:port (e.g. 127.0.0.1:6379 or [::1]:6379), got '%s'",
                    label, q);
    p->id = (int)v;
    p->raft_addr = xstrdup(scalar(raft));
    p->client_addr = xstrdup(scalar(client));
    return 0;
}

static int load_peers(struct loader *L, yaml_node_t *v, const char *label)
{
    struct raft_peer peers[CONFIG_MAX_PEERS];
    int n = 0;

    if (is_null(v)) {
        clear_peers(L->cfg);
        return 0;
    }
    if (v->type != YAML_SEQUENCE_NODE)
        return lerr(L, v, "%s: expected a list, got %s", label, node_kind(v));
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
         it++) {
        yaml_node_t *item = node_at(L, *it);
        if (n == CONFIG_MAX_PEERS) {
            lerr(L, item, "%s: at most %d peers", label, CONFIG_MAX_PEERS);
            goto fail;
        }
        if (load_peer(L, item, n, &peers[n]) < 0)
            goto fail;
        for (int j = 0; j < n; j++) {
            if (peers[j].id == peers[n].id) {
                free(peers[n].raft_addr);
                free(peers[n].client_addr);
                lerr(L, item, "%s[%d]: duplicate peer id %d", label, n, peers[n].id);
                goto fail;
            }
        }
        n++;
    }
    clear_peers(L->cfg);
    memcpy(L->cfg->peers, peers, (size_t)n * sizeof(peers[0]));
    L->cfg->npeers = n;
    return 0;
fail:
    for (int j = 0; j < n; j++) {
        free(peers[j].raft_addr);
        free(peers[j].client_addr);
    }
    return -1;
}

/* client_output_buffer_limit as a mapping of class -> "hard soft seconds"
 * (the scalar form is Redis's "class hard soft seconds ..." text). */
static int load_obuf_map(struct loader *L, const struct opt *o, yaml_node_t *v, const char *label)
{
    for (yaml_node_pair_t *pr = v->data.mapping.pairs.start; pr < v->data.mapping.pairs.top; pr++) {
        yaml_node_t *k = node_at(L, pr->key), *val = node_at(L, pr->value);
        char q[QUOTE_MAX + 8], klabel[256], msg[512];
        if (k->type != YAML_SCALAR_NODE)
            return lerr(L, k, "%s: expected a client class, got %s", label, node_kind(k));
        const char *cls = scalar(k);
        quote(q, sizeof(q), cls);
        if (obuf_class(cls, strlen(cls)) < 0)
            return lerr(L, k, "%s: unknown client class '%s' (expected normal, replica, pubsub)",
                        label, q);
        for (yaml_node_pair_t *prev = v->data.mapping.pairs.start; prev < pr; prev++) {
            yaml_node_t *pk = node_at(L, prev->key);
            if (pk->type == YAML_SCALAR_NODE && strcasecmp(scalar(pk), cls) == 0)
                return lerr(L, k, "%s: duplicate class '%s'", label, q);
        }
        snprintf(klabel, sizeof(klabel), "%s.%s", label, q);
        if (val->type != YAML_SCALAR_NODE)
            return lerr(L, val, "%s: expected \"HARD SOFT SECONDS\", got %s", klabel,
                        node_kind(val));
        if (scalar_check(L, val, klabel) < 0)
            return -1;
        const char *text = scalar(val);
        size_t words = 0;
        for (const char *p = text; *p;) {
            p += strspn(p, " \t");
            if (*p)
                words++;
            p += strcspn(p, " \t");
        }
        quote(q, sizeof(q), text);
        if (words != 3)
            return lerr(L, val, "%s: expected \"HARD SOFT SECONDS\" (e.g. 32mb 8mb 60), got '%s'",
                        klabel, q);
        struct buf line = BUF_INIT;
        buf_printf(&line, "%s %s", cls, text);
        int rc = set_from_text(L->cfg, o, line.data, CTX_YAML, klabel, msg, sizeof(msg));
        buf_free(&line);
        if (rc < 0)
            return lerr(L, val, "%s", msg);
    }
    return 0;
}

/* Section names for messages: the top level is not a section. */
static int load_section(struct loader *L, const char *sec, yaml_node_t *map)
{
    if (is_null(map))
        return 0; /* "server:" with nothing under it */
    if (map->type != YAML_MAPPING_NODE)
        return lerr(L, map, "%s: expected a mapping, got %s", sec, node_kind(map));

    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = node_at(L, p->key), *v = node_at(L, p->value);
        char q[QUOTE_MAX + 8], sub[128], label[128];

        if (k->type != YAML_SCALAR_NODE)
            return lerr(L, k, "%s: expected a key name, got %s", sec, node_kind(k));
        const char *key = scalar(k);
        quote(q, sizeof(q), key);
        for (yaml_node_pair_t *prev = map->data.mapping.pairs.start; prev < p; prev++) {
            yaml_node_t *pk = node_at(L, prev->key);
            if (pk->type == YAML_SCALAR_NODE && strcmp(scalar(pk), key) == 0)
                return lerr(L, k, "duplicate key '%s' in section '%s'", q, sec);
        }
        snprintf(sub, sizeof(sub), "%s.%s", sec, key);
        if (strlen(key) < 64 && is_section(sub)) {
            if (load_section(L, sub, v) < 0)
                return -1;
            continue;
        }
        const struct opt *o = find_by_yaml(sec, key);
        if (!o)
            return lerr(L, k, "unknown key '%s' in section '%s'", q, sec);
        snprintf(label, sizeof(label), "%s.%s", sec, key);
        int rc;
        if (o->type == OT_BIND)
            rc = load_bind(L, o, v, label);
        else if (o->type == OT_PEERS)
            rc = load_peers(L, v, label);
        else if (o->type == OT_OBUF && v->type == YAML_MAPPING_NODE)
            rc = load_obuf_map(L, o, v, label);
        else
            rc = load_scalar_value(L, o, v, label);
        if (rc < 0)
            return -1;
    }
    return 0;
}

static int load_root(struct loader *L, yaml_node_t *root)
{
    if (is_null(root))
        return 0;
    if (root->type != YAML_MAPPING_NODE)
        return lerr(L, root,
                    "expected a mapping of sections (server, log, aof, raft, memory), "
                    "got %s",
                    node_kind(root));
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = node_at(L, p->key), *v = node_at(L, p->value);
        char q[QUOTE_MAX + 8];

        if (k->type != YAML_SCALAR_NODE)
            return lerr(L, k, "expected a section name, got %s", node_kind(k));
        const char *key = scalar(k);
        quote(q, sizeof(q), key);
        for (yaml_node_pair_t *prev = root->data.mapping.pairs.start; prev < p; prev++) {
            yaml_node_t *pk = node_at(L, prev->key);
            if (pk->type == YAML_SCALAR_NODE && strcmp(scalar(pk), key) == 0)
                return lerr(L, k, "duplicate section '%s'", q);
        }
        /* Subsections ("aof.rewrite") are reached through their parent. */
        if (strchr(key, '.') || !is_section(key))
            return lerr(L, k, "unknown section '%s' (expected server, log, aof, raft, memory)", q);
        if (load_section(L, key, v) < 0)
            return -1;
    }
    return 0;
}

/* libyaml's reader errors carry a byte offset, not a mark. */
static void offset_to_mark(const char *buf, size_t len, size_t off, size_t *line, size_t *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off && i < len; i++) {
        if (buf[i] == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

static int parser_error(const char *path, const yaml_parser_t *p, const char *buf, size_t len,
                        char *err, size_t errlen)
{
    size_t line, col;
    const char *problem = p->problem ? p->problem : "unknown error";

    if (p->error == YAML_MEMORY_ERROR)
        return errf(err, errlen, "%s: out of memory while parsing", path);
    if (p->error == YAML_READER_ERROR) {
        offset_to_mark(buf, len, p->problem_offset, &line, &col);
        if (p->problem_value != -1)
            return errf(err, errlen, "%s:%zu:%zu: %s (byte 0x%02x)", path, line, col, problem,
                        (unsigned)p->problem_value & 0xff);
        return errf(err, errlen, "%s:%zu:%zu: %s", path, line, col, problem);
    }
    line = p->problem_mark.line + 1;
    col = p->problem_mark.column + 1;
    if (p->context)
        return errf(err, errlen, "%s:%zu:%zu: %s (%s that starts at %zu:%zu)", path, line, col,
                    problem, p->context, p->context_mark.line + 1, p->context_mark.column + 1);
    return errf(err, errlen, "%s:%zu:%zu: %s", path, line, col, problem);
}

/* How deep a config file may nest, and how many aliases it may use.  The
 * real shape is 4 levels deep (raft: peers: - {id: ...}).  The limits exist
 * because libyaml's scanner is quadratic in the flow nesting depth (a 1 MB
 * file of '[' takes minutes) and its loader in the number of aliases: the
 * event pass below stops such a file early, before the document loader
 * sees it. */
#define CONFIG_MAX_DEPTH   32
#define CONFIG_MAX_ALIASES 64

/* A first pass over the events: syntax errors, depth and alias limits. */
static int precheck(const char *path, const char *buf, size_t len, char *err, size_t errlen)
{
    yaml_parser_t p;
    yaml_event_t ev;
    int depth = 0, aliases = 0, rc = -1;

    if (!yaml_parser_initialize(&p))
        return errf(err, errlen, "%s: out of memory while parsing", path);
    yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
    for (;;) {
        if (!yaml_parser_parse(&p, &ev)) {
            parser_error(path, &p, buf, len, err, errlen);
            break;
        }
        yaml_event_type_t type = ev.type;
        size_t line = ev.start_mark.line + 1, col = ev.start_mark.column + 1;
        yaml_event_delete(&ev);
        if (type == YAML_SEQUENCE_START_EVENT || type == YAML_MAPPING_START_EVENT) {
            if (++depth > CONFIG_MAX_DEPTH) {
                errf(err, errlen, "%s:%zu:%zu: nested more than %d levels deep", path, line, col,
                     CONFIG_MAX_DEPTH);
                break;
            }
        } else if (type == YAML_SEQUENCE_END_EVENT || type == YAML_MAPPING_END_EVENT) {
            depth--;
        } else if (type == YAML_ALIAS_EVENT) {
            if (++aliases > CONFIG_MAX_ALIASES) {
                errf(err, errlen, "%s:%zu:%zu: more than %d aliases", path, line, col,
                     CONFIG_MAX_ALIASES);
                break;
            }
        } else if (type == YAML_STREAM_END_EVENT) {
            rc = 0;
            break;
        }
    }
    yaml_parser_delete(&p);
    return rc;
}

/* Reads the whole file into an owned buffer. */
static int read_file(const char *path, char **out, size_t *outlen, char *err, size_t errlen)
{
    struct stat st;
    char *buf = NULL;
    size_t len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return errf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
    if (fstat(fd, &st) < 0) {
        errf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        goto fail;
    }
    if (S_ISDIR(st.st_mode)) {
        errf(err, errlen, "%s: cannot open: %s", path, strerror(EISDIR));
        goto fail;
    }
    buf = xmalloc(CONFIG_MAX_FILE_SIZE + 1);
    for (;;) {
        ssize_t n = read(fd, buf + len, CONFIG_MAX_FILE_SIZE + 1 - len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            errf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
            goto fail;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (len > CONFIG_MAX_FILE_SIZE) {
            errf(err, errlen, "%s: file too large (more than %d bytes)", path,
                 CONFIG_MAX_FILE_SIZE);
            goto fail;
        }
    }
    close(fd);
    *out = buf;
    *outlen = len;
    return 0;
fail:
    free(buf);
    close(fd);
    return -1;
}

int config_load_file(struct config *cfg, const char *path, char *err, size_t errlen)
{
    struct config tmp;
    yaml_parser_t parser;
    yaml_document_t doc, extra;
    char *buf = NULL;
    size_t len = 0;
    int rc = -1, have_doc = 0, parser_ready = 0;

    if (errlen > 0)
        err[0] = '\0';
    if (read_file(path, &buf, &len, err, errlen) < 0)
        return -1;
    if (precheck(path, buf, len, err, errlen) < 0) {
        free(buf);
        return -1;
    }
    config_copy(&tmp, cfg);

    if (!yaml_parser_initialize(&parser)) {
        errf(err, errlen, "%s: out of memory while parsing", path);
        goto cleanup;
    }
    parser_ready = 1;
    yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
    if (!yaml_parser_load(&parser, &doc)) {
        parser_error(path, &parser, buf, len, err, errlen);
        goto cleanup;
    }
    have_doc = 1;

    struct loader L = {path, &doc, &tmp, err, errlen};
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (root && load_root(&L, root) < 0)
        goto cleanup;

    /* A second document ("---" then more) would be silently ignored by a
     * loader that stops at the first: refuse it instead. */
    if (!yaml_parser_load(&parser, &extra)) {
        parser_error(path, &parser, buf, len, err, errlen);
        goto cleanup;
    }
    yaml_node_t *extra_root = yaml_document_get_root_node(&extra);
    if (extra_root) {
        errf(err, errlen, "%s:%zu:%zu: only one YAML document is allowed", path,
             extra_root->start_mark.line + 1, extra_root->start_mark.column + 1);
        yaml_document_delete(&extra);
        goto cleanup;
    }
    yaml_document_delete(&extra);

    set_str(&tmp.config_file, path);
    config_commit(cfg, &tmp);
    rc = 0;

cleanup:
    if (rc < 0)
        config_free(&tmp);
    if (have_doc)
        yaml_document_delete(&doc);
    if (parser_ready)
        yaml_parser_delete(&parser);
    free(buf);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* Environment and command line                                            */

int config_apply_env(struct config *cfg, char *err, size_t errlen)
{
    struct config tmp;
    const char *v;
    char q[QUOTE_MAX + 8];

    if (errlen > 0)
        err[0] = '\0';
    config_copy(&tmp, cfg);

    /* An empty variable (USE_RAFT=) counts as unset, as shells make it easy
     * to write one by accident. */
    v = getenv("USE_RAFT");
    if (v && *v) {
        if (strcmp(v, "1") == 0 || strcasecmp(v, "true") == 0 || strcasecmp(v, "yes") == 0) {
            tmp.raft_enabled = 1;
        } else if (strcmp(v, "0") == 0 || strcasecmp(v, "false") == 0 || strcasecmp(v, "no") == 0) {
            tmp.raft_enabled = 0;
        } else {
            quote(q, sizeof(q), v);
            errf(err, errlen, "USE_RAFT: expected 1, true, yes, 0, false or no, got '%s'", q);
            goto fail;
        }
    }
    v = getenv("RAFT_DIR");
    if (v && *v)
        set_str(&tmp.raft_dir, v);
    v = getenv("RAFTCACHE_PORT");
    if (v && *v &&
        set_from_text(&tmp, find_by_name("port"), v, CTX_ENV, "RAFTCACHE_PORT", err, errlen) < 0)
        goto fail;
    v = getenv("RAFTCACHE_BIND");
    if (v && *v &&
        set_from_text(&tmp, find_by_name("bind"), v, CTX_ENV, "RAFTCACHE_BIND", err, errlen) < 0)
        goto fail;

    config_commit(cfg, &tmp);
    return 0;
fail:
    config_free(&tmp);
    return -1;
}

static int is_option(const char *a)
{
    return a[0] == '-' && a[1] == '-' && a[2] != '\0';
}

int config_apply_args(struct config *cfg, int argc, char **argv, char *err, size_t errlen)
{
    struct config tmp;
    char q[QUOTE_MAX + 8], label[QUOTE_MAX + 16];

    if (errlen > 0)
        err[0] = '\0';
    config_copy(&tmp, cfg);

    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        quote(q, sizeof(q), a);
        if (!is_option(a)) {
            errf(err, errlen, "unexpected argument '%s' (options are --name value)", q);
            goto fail;
        }
        const struct opt *o = find_by_name(a + 2);
        if (!o) {
            errf(err, errlen, "unknown option '%s'", q);
            goto fail;
        }
        snprintf(label, sizeof(label), "--%s", o->name);

        if (o->type == OT_BIND) {
            /* --bind takes every value up to the next --option, as
             * redis-server's does. */
            char *list[CONFIG_MAX_BIND];
            int n = 0;
            while (i + 1 < argc && !is_option(argv[i + 1])) {
                if (n == CONFIG_MAX_BIND) {
                    for (int j = 0; j < n; j++)
                        free(list[j]);
                    errf(err, errlen, "%s: at most %d addresses", label, CONFIG_MAX_BIND);
                    goto fail;
                }
                list[n++] = xstrdup(argv[++i]);
            }
            if (n == 0) {
                errf(err, errlen, "%s: missing value", label);
                goto fail;
            }
            clear_bind(&tmp);
            memcpy(tmp.bind, list, (size_t)n * sizeof(list[0]));
            tmp.nbind = n;
            continue;
        }

        const char *value;
        if (o->type == OT_SAVE && (i + 1 >= argc || is_option(argv[i + 1]))) {
            /* "--save" alone, as people write it to mean "no snapshots". */
            value = "";
        } else {
            if (i + 1 >= argc) {
                errf(err, errlen, "%s: missing value", label);
                goto fail;
            }
            value = argv[++i];
        }
        if (set_from_text(&tmp, o, value, CTX_ARG, label, err, errlen) < 0)
            goto fail;
    }

    config_commit(cfg, &tmp);
    return 0;
fail:
    config_free(&tmp);
    return -1;
}

/* ---------------------------------------------------------------------- */
/* Cross-key rules                                                         */

static int filename_ok(const char *s)
{
    return *s && !strchr(s, '/') && strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

int config_validate(const struct config *cfg, char *err, size_t errlen)
{
    if (errlen > 0)
        err[0] = '\0';
    if (cfg->port < 0 || cfg->port > 65535)
        return errf(err, errlen, "server.port: must be 0..65535, is %d", cfg->port);
    if (cfg->port != 0 && cfg->nbind == 0)
        return errf(err, errlen,
                    "server.bind: no address to listen on (give one, or set port to 0)");
    if (cfg->maxclients < 1)
        return errf(err, errlen, "server.maxclients: must be at least 1, is %lld", cfg->maxclients);
    if (cfg->timeout < 0)
        return errf(err, errlen, "server.timeout: must not be negative, is %lld", cfg->timeout);
    if (cfg->databases < 1 || cfg->databases > 10000)
        return errf(err, errlen, "server.databases: must be 1..10000, is %d", cfg->databases);
    if (cfg->tcp_backlog < 0)
        return errf(err, errlen, "server.tcp_backlog: must not be negative, is %d",
                    cfg->tcp_backlog);
    if (cfg->tcp_keepalive < 0)
        return errf(err, errlen, "server.tcp_keepalive: must not be negative, is %lld",
                    cfg->tcp_keepalive);
    if (cfg->proto_max_bulk_len < 1024 * 1024)
        return errf(err, errlen,
                    "server.proto_max_bulk_len: must be at least 1048576 bytes, is %lld",
                    cfg->proto_max_bulk_len);
    if (cfg->hz < 1 || cfg->hz > 500)
        return errf(err, errlen, "server.hz: must be 1..500, is %d", cfg->hz);
    if (cfg->log_level < LOG_DEBUG || cfg->log_level > LOG_WARNING)
        return errf(err, errlen, "log.level: invalid level %d", cfg->log_level);

    if (cfg->aof_fsync < AOF_FSYNC_NO || cfg->aof_fsync > AOF_FSYNC_ALWAYS)
        return errf(err, errlen, "aof.fsync: invalid policy %d", cfg->aof_fsync);
    if (!cfg->aof_dir || !*cfg->aof_dir)
        return errf(err, errlen, "aof.dir: must not be empty");
    if (!cfg->aof_filename || !filename_ok(cfg->aof_filename))
        return errf(err, errlen, "aof.filename: must be a plain file name (no '/'), is '%s'",
                    cfg->aof_filename ? cfg->aof_filename : "");
    if (cfg->aof_rewrite_percentage < 0)
        return errf(err, errlen, "aof.rewrite.percentage: must not be negative, is %lld",
                    cfg->aof_rewrite_percentage);
    if (cfg->aof_rewrite_min_size < 0)
        return errf(err, errlen, "aof.rewrite.min_size: must not be negative, is %lld",
                    cfg->aof_rewrite_min_size);

    if (!cfg->raft_dir || !*cfg->raft_dir)
        return errf(err, errlen, "raft.dir: must not be empty");
    if (cfg->raft_node_id < 1)
        return errf(err, errlen, "raft.node_id: must be at least 1, is %d", cfg->raft_node_id);
    if (!cfg->raft_listen || !hostport_valid(cfg->raft_listen))
        return errf(err, errlen, "raft.listen: expected host:port, is '%s'",
                    cfg->raft_listen ? cfg->raft_listen : "");
    if (cfg->raft_heartbeat_ms < 1)
        return errf(err, errlen, "raft.heartbeat_ms: must be at least 1, is %lld",
                    cfg->raft_heartbeat_ms);
    /* A follower that hears nothing for an election timeout starts an
     * election: heartbeats slower than that would depose a healthy leader. */
    if (cfg->raft_heartbeat_ms >= cfg->raft_election_timeout_ms)
        return errf(err, errlen,
                    "raft.heartbeat_ms (%lld) must be less than raft.election_timeout_ms (%lld)",
                    cfg->raft_heartbeat_ms, cfg->raft_election_timeout_ms);
    if (cfg->raft_read_mode < READ_LINEARIZABLE || cfg->raft_read_mode > READ_STALE)
        return errf(err, errlen, "raft.read_mode: invalid mode %d", cfg->raft_read_mode);
    if (cfg->npeers > 0) {
        int self = 0;
        for (int i = 0; i < cfg->npeers; i++) {
            const struct raft_peer *p = &cfg->peers[i];
            if (p->id < 1)
                return errf(err, errlen, "raft.peers[%d].id: must be at least 1, is %d", i, p->id);
            for (int j = 0; j < i; j++) {
                if (cfg->peers[j].id == p->id)
                    return errf(err, errlen, "raft.peers[%d]: duplicate peer id %d", i, p->id);
                if (strcmp(cfg->peers[j].raft_addr, p->raft_addr) == 0)
                    return errf(err, errlen,
                                "raft.peers[%d]: raft address %s is also that of peer %d", i,
                                p->raft_addr, cfg->peers[j].id);
            }
            if (p->id == cfg->raft_node_id)
                self = 1;
        }
        /* peers lists the whole cluster, this node included: a node that
         * is not in it could never count its own vote. */
        if (!self)
            return errf(err, errlen,
                        "raft.node_id %d is not among raft.peers (the list must include this "
                        "node)",
                        cfg->raft_node_id);
        /* The others dial this node at its raft.peers address: a listener
         * elsewhere would send but never receive. */
        for (int i = 0; i < cfg->npeers && cfg->raft_enabled && cfg->npeers > 1; i++) {
            const struct raft_peer *p = &cfg->peers[i];
            if (p->id != cfg->raft_node_id)
                continue;
            const char *lp = strrchr(cfg->raft_listen, ':');
            const char *pp = p->raft_addr ? strrchr(p->raft_addr, ':') : NULL;
            if (!lp || !pp)
                return errf(err, errlen, "raft.peers: this node's raft address must be host:port");
            size_t lh = (size_t)(lp - cfg->raft_listen), ph = (size_t)(pp - p->raft_addr);
            int wildcard = (lh == 7 && strncmp(cfg->raft_listen, "0.0.0.0", 7) == 0) ||
                           (lh == 4 && strncmp(cfg->raft_listen, "[::]", 4) == 0) ||
                           (lh == 1 && cfg->raft_listen[0] == '*');
            int same_host = lh == ph && strncmp(cfg->raft_listen, p->raft_addr, lh) == 0;
            if (strcmp(lp, pp) != 0 || (!wildcard && !same_host))
                return errf(err, errlen,
                            "raft.listen (%s) must be this node's address in raft.peers (%s), "
                            "or a wildcard address on its port",
                            cfg->raft_listen, p->raft_addr);
        }
    }

    if (cfg->maxmemory < 0)
        return errf(err, errlen, "memory.maxmemory: must not be negative, is %lld", cfg->maxmemory);
    if (!cfg->maxmemory_policy || !enum_find(policy_names, cfg->maxmemory_policy))
        return errf(err, errlen, "memory.policy: unknown policy '%s'",
                    cfg->maxmemory_policy ? cfg->maxmemory_policy : "");
    if (cfg->maxmemory_samples < 1)
        return errf(err, errlen, "memory.samples: must be at least 1, is %d",
                    cfg->maxmemory_samples);
    return 0;
}

/* ---------------------------------------------------------------------- */
/* CONFIG GET / SET                                                        */

/* Joins n strings with sep into an owned string. */
static char *join(char *const *items, int n, const char *sep)
{
    size_t len = 1;
    for (int i = 0; i < n; i++)
        len += strlen(items[i]) + strlen(sep);
    char *out = xmalloc(len);
    out[0] = '\0';
    for (int i = 0; i < n; i++) {
        if (i)
            strcat(out, sep);
        strcat(out, items[i]);
    }
    return out;
}

static char *peers_text(const struct config *cfg)
{
    char *items[CONFIG_MAX_PEERS];
    for (int i = 0; i < cfg->npeers; i++) {
        const struct raft_peer *p = &cfg->peers[i];
        size_t len = 16 + strlen(p->raft_addr) + strlen(p->client_addr);
        items[i] = xmalloc(len);
        snprintf(items[i], len, "%d,%s,%s", p->id, p->raft_addr, p->client_addr);
    }
    char *out = join(items, cfg->npeers, " ");
    for (int i = 0; i < cfg->npeers; i++)
        free(items[i]);
    return out;
}

void config_get(const struct config *cfg, const char *pattern,
                void (*fn)(void *ud, const char *name, const char *value), void *ud)
{
    struct config *c = (struct config *)cfg; /* field_* only read through it */
    size_t plen = strlen(pattern);

    for (size_t i = 0; i < ARRAY_SIZE(opts); i++) {
        const struct opt *o = &opts[i];
        char num[32];
        char *owned = NULL;
        const char *value = "";

        if (o->flags & F_HIDDEN)
            continue;
        if (!glob_match(pattern, plen, o->name, strlen(o->name), 1))
            continue;
        switch (o->type) {
        case OT_INT:
            snprintf(num, sizeof(num), "%d", *field_int(c, o));
            value = num;
            break;
        case OT_LL:
        case OT_SIZE:
            snprintf(num, sizeof(num), "%lld", *field_ll(c, o));
            value = num;
            break;
        case OT_BOOL:
            value = *field_int(c, o) ? "yes" : "no";
            break;
        case OT_ENUM:
            value = enum_name(o->enums, *field_int(c, o));
            break;
        case OT_STR:
        case OT_PATH:
        case OT_HOSTPORT:
        case OT_ENUM_STR:
            value = *field_str(c, o) ? *field_str(c, o) : "";
            break;
        case OT_BIND:
            value = owned = join(cfg->bind, cfg->nbind, " ");
            break;
        case OT_PEERS:
            value = owned = peers_text(cfg);
            break;
        case OT_SAVE:
            value = "";
            break;
        case OT_OBUF: {
            /* Redis's form and order; the replica class under its old name */
            static const char *const names[OBUF_CLASSES] = {"normal", "slave", "pubsub"};
            struct buf b = BUF_INIT;
            for (int k = 0; k < OBUF_CLASSES; k++) {
                const struct obuf_limit *l = &cfg->obuf_limits[k];
                buf_printf(&b, "%s%s %lld %lld %lld", k ? " " : "", names[k], l->hard, l->soft,
                           l->soft_seconds);
            }
            value = owned = b.data;
            break;
        }
        }
        fn(ud, o->name, value);
        free(owned);
    }
}

int config_set(struct config *cfg, const char *name, const char *value, char *err, size_t errlen)
{
    struct config tmp;
    const struct opt *o = find_by_name(name);
    char q[QUOTE_MAX + 8];

    if (errlen > 0)
        err[0] = '\0';
    quote(q, sizeof(q), name);
    /* Redis echoes an unknown name as written, a known one by its own name. */
    if (!o)
        return errf(err, errlen, "ERR Unknown option or number of arguments for CONFIG SET - '%s'",
                    q);
    if (!(o->flags & F_MUTABLE))
        return errf(err, errlen,
                    "ERR CONFIG SET failed (possibly related to argument '%s') - can't set "
                    "immutable config",
                    o->name);
    config_copy(&tmp, cfg);
    if (set_from_text(&tmp, o, value, CTX_SET, o->name, err, errlen) < 0) {
        config_free(&tmp);
        return -1;
    }
    config_commit(cfg, &tmp);
    if (o->off == OFF(log_level) && o->type == OT_ENUM)
        log_set_level(cfg->log_level);
    return 0;
}

const char *config_fsync_name(int policy)
{
    return enum_name(fsync_names, policy);
}
