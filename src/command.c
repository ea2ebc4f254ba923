/* command: the command index and the executor (lookup, arity, auth,
 * statistics, propagation of effects). */
#include "command.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "dict.h"
#include "blocking.h"
#include "evict.h"
#include "lru.h"
#include "multi.h"
#include "pubsub.h"
#include "reply.h"
#include "server_state.h"
#include "util/util.h"

static struct command *const families[] = {
    connection_commands,  string_commands, hash_commands,   list_commands,
    set_commands,         zset_commands,   keys_commands,   server_commands,
    persistence_commands, multi_commands,  pubsub_commands,
};

static struct dict *index_dict;
static int ncommands;

#define MAX_NAME 64

/* Lowercases name into out (size MAX_NAME); returns the length, or -1 if
 * it is too long to be a command name. */
static int lower_name(const char *name, size_t len, char *out)
{
    if (len >= MAX_NAME)
        return -1;
    for (size_t i = 0; i < len; i++)
        out[i] = (char)tolower((unsigned char)name[i]);
    out[len] = '\0';
    return (int)len;
}

void command_init(void)
{
    if (index_dict)
        return;
    index_dict = dict_create(NULL);
    for (size_t f = 0; f < ARRAY_SIZE(families); f++) {
        for (struct command *cmd = families[f]; cmd->name; cmd++) {
            int created;
            struct dict_entry *e =
                dict_add_or_find(index_dict, cmd->name, strlen(cmd->name), &created);
            /* Two families defining one name is a programming error. */
            if (!created) {
                fprintf(stderr, "duplicate command '%s' in the command table\n", cmd->name);
                abort();
            }
            e->val = cmd;
            ncommands++;
        }
    }
}

struct command *command_lookup(const char *name, size_t len)
{
    char low[MAX_NAME];
    int n = lower_name(name, len, low);
    if (n < 0 || !index_dict)
        return NULL;
    struct dict_entry *e = dict_find(index_dict, low, (size_t)n);
    return e ? e->val : NULL;
}

struct command *command_lookup_sub(struct command *container, const char *name, size_t len)
{
    if (!container || !container->subcommands)
        return NULL;
    char low[MAX_NAME];
    if (lower_name(name, len, low) < 0)
        return NULL;
    for (struct command *sub = container->subcommands; sub->name; sub++) {
        /* Subcommand entries are named "container|sub" or just "sub". */
        const char *bar = strchr(sub->name, '|');
        const char *sname = bar ? bar + 1 : sub->name;
        if (strcmp(sname, low) == 0)
            return sub;
    }
    return NULL;
}

void command_foreach(void (*fn)(struct command *cmd, void *ud), void *ud)
{
    for (size_t f = 0; f < ARRAY_SIZE(families); f++)
        for (struct command *cmd = families[f]; cmd->name; cmd++)
            fn(cmd, ud);
}

int command_count(void)
{
    return ncommands;
}

int command_flag_names(uint32_t flags, const char **names, int max)
{
    static const struct {
        uint32_t flag;
        const char *name;
    } table[] = {
        {CMD_WRITE, "write"},     {CMD_READONLY, "readonly"}, {CMD_DENYOOM, "denyoom"},
        {CMD_ADMIN, "admin"},     {CMD_PUBSUB, "pubsub"},     {CMD_NOSCRIPT, "noscript"},
        {CMD_LOADING, "loading"}, {CMD_STALE, "stale"},       {CMD_FAST, "fast"},
        {CMD_NOAUTH, "no_auth"},  {CMD_BLOCKING, "blocking"},
    };
    int n = 0;
    for (size_t i = 0; i < ARRAY_SIZE(table) && n < max; i++)
        if (flags & table[i].flag)
            names[n++] = table[i].name;
    return n;
}

/* Appends at most `room` bytes of arg to b as 'arg' for error messages,
 * replacing bytes that would break the reply line. */
static void append_quoted(struct buf *b, const struct resp_arg *a, size_t room)
{
    size_t n = a->len < room ? a->len : room;
    buf_append_char(b, '\'');
    for (size_t i = 0; i < n; i++) {
        char ch = a->ptr[i];
        buf_append_char(b, (ch == '\r' || ch == '\n') ? ' ' : ch);
    }
    buf_append_char(b, '\'');
}

static void reply_unknown_command(struct client *c)
{
    /* Redis 7: ERR unknown command 'foo', with args beginning with: 'a' 'b' */
    struct buf b = BUF_INIT;
    buf_append_str(&b, "ERR unknown command ");
    append_quoted(&b, &c->argv[0], 128);
    buf_append_str(&b, ", with args beginning with: ");
    size_t budget = 128;
    for (int i = 1; i < c->argc && budget > 0; i++) {
        size_t before = b.len;
        append_quoted(&b, &c->argv[i], budget);
        buf_append_char(&b, ' ');
        size_t used = b.len - before - 3;
        budget = used >= budget ? 0 : budget - used;
    }
    buf_append_char(&b, '\0');
    reply_error(c, b.data);
    buf_free(&b);
}

static int arity_ok(const struct command *cmd, int argc)
{
    return (cmd->arity > 0 && argc == cmd->arity) || (cmd->arity < 0 && argc >= -cmd->arity);
}

struct robj *cmd_lookup_read(struct client *c, const struct resp_arg *key)
{
    struct robj *o = db_lookup(c->db, key->ptr, key->len, server.cmd_now_ms);
    if (o)
        server.stat_keyspace_hits++;
    else
        server.stat_keyspace_misses++;
    return o;
}

struct robj *cmd_lookup_write(struct client *c, const struct resp_arg *key)
{
    return db_lookup(c->db, key->ptr, key->len, server.cmd_now_ms);
}

int cmd_arg_is(const struct resp_arg *a, const char *token)
{
    return eq_nocase(a->ptr, a->len, token);
}

int cmd_arg_ll(struct client *c, const struct resp_arg *a, long long *out)
{
    if (str_to_ll(a->ptr, a->len, out) != 0) {
        reply_error_not_int(c);
        return -1;
    }
    return 0;
}

int cmd_parse_cursor(struct client *c, const struct resp_arg *a, uint64_t *cursor)
{
    /* Redis reads the cursor with strtoul() as a C string: up to its first
     * NUL, an optional sign ("-1" wraps around), "" is 0; leading space,
     * trailing garbage and overflow are errors. */
    size_t len = a->len;
    const char *s = a->ptr;
    const char *nul = memchr(s, '\0', len);
    if (nul)
        len = (size_t)(nul - s);
    uint64_t v = 0;
    size_t i = 0;
    int neg = 0;
    if (len > 0 && (s[0] == '+' || s[0] == '-')) {
        neg = s[0] == '-';
        i = 1;
    }
    if (len > 0 && (i == len || s[i] < '0' || s[i] > '9'))
        goto bad;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            goto bad;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            goto bad;
        v = v * 10 + d;
    }
    *cursor = neg ? (uint64_t)0 - v : v;
    return 0;
bad:
    reply_error(c, "ERR invalid cursor");
    return -1;
}

struct scan_acc {
    struct dict_entry **v;
    size_t n, cap;
};

static void scan_collect(void *ud, struct dict_entry *e)
{
    struct scan_acc *acc = ud;
    if (acc->n == acc->cap) {
        acc->cap = acc->cap ? acc->cap * 2 : 16;
        acc->v = xrealloc(acc->v, sizeof(*acc->v) * acc->cap);
    }
    acc->v[acc->n++] = e;
}

void cmd_scan_dict(struct client *c, struct dict *d, uint64_t cursor, int per_entry,
                   void (*emit)(struct client *c, struct dict_entry *e))
{
    long long count = 10;
    const char *pat = NULL;
    size_t patlen = 0;
    for (int i = 3; i < c->argc; i += 2) {
        int has_value = c->argc - i >= 2;
        if (has_value && cmd_arg_is(&c->argv[i], "count")) {
            if (cmd_arg_ll(c, &c->argv[i + 1], &count) < 0)
                return;
            if (count < 1) {
                reply_error_syntax(c);
                return;
            }
        } else if (has_value && cmd_arg_is(&c->argv[i], "match")) {
            pat = c->argv[i + 1].ptr;
            patlen = c->argv[i + 1].len;
            if (patlen == 1 && pat[0] == '*')
                pat = NULL; /* matches everything */
        } else {
            reply_error_syntax(c);
            return;
        }
    }
    struct scan_acc acc = {NULL, 0, 0};
    if (d) {
        /* As Redis: stop after count elements, or after count*10 buckets
         * so a sparse table does not block the loop. */
        unsigned long long maxiter = (unsigned long long)count > ULLONG_MAX / 10
                                         ? ULLONG_MAX
                                         : (unsigned long long)count * 10;
        do {
            cursor = dict_scan(d, cursor, scan_collect, &acc);
        } while (cursor && maxiter-- && acc.n < (unsigned long long)count);
    } else {
        cursor = 0;
    }
    if (pat) {
        size_t kept = 0;
        for (size_t i = 0; i < acc.n; i++)
            if (glob_match(pat, patlen, acc.v[i]->key, acc.v[i]->klen, 0))
                acc.v[kept++] = acc.v[i];
        acc.n = kept;
    }
    char num[24];
    int n = snprintf(num, sizeof(num), "%llu", (unsigned long long)cursor);
    reply_array(c, 2);
    reply_bulk(c, num, (size_t)n);
    reply_array(c, (long long)acc.n * per_entry);
    for (size_t i = 0; i < acc.n; i++)
        emit(c, acc.v[i]);
    free(acc.v);
}

void cmd_encode(struct buf *b, int argc, const struct resp_arg *argv)
{
    resp_add_array_len(b, argc);
    for (int i = 0; i < argc; i++)
        resp_add_bulk(b, argv[i].ptr, argv[i].len);
}

void cmd_dirty(struct client *c, int n)
{
    c->dirty += n;
    server.dirty += n;
}

void cmd_propagate(struct client *c, int argc, const struct resp_arg *argv)
{
    c->prop_custom = 1;
    cmd_encode(&c->prop, argc, argv);
    c->prop_count++;
}

void cmd_propagate_none(struct client *c)
{
    c->prop_custom = 1;
}

static void propagate_effects(struct client *c)
{
    if (c->prop_custom) {
        if (c->prop.len > 0 && server.propagate)
            server.propagate(c->db_index, c->prop.data, c->prop.len);
    } else if (server.propagate) {
        /* The command as sent is its own effect: encode it once. */
        cmd_encode(&c->prop, c->argc, c->argv);
        server.propagate(c->db_index, c->prop.data, c->prop.len);
    }
}

int command_exec(struct client *c)
{
    if (c->argc == 0)
        return CMD_DONE;
    server.cmd_now_ms = server.fixed_time_ms ? server.fixed_time_ms : mstime();
    lru_set_clock(server.cmd_now_ms); /* the access stamp of keys it creates */
    c->cmd = NULL;

    struct command *cmd = command_lookup(c->argv[0].ptr, c->argv[0].len);
    if (!cmd) {
        reply_unknown_command(c);
        multi_flag_error(c);
        return CMD_DONE;
    }
    if (!arity_ok(cmd, c->argc)) {
        cmd->rejected_calls++;
        if (multi_is_exec(cmd) && (c->flags & CLIENT_MULTI)) {
            /* A refused EXEC ends the transaction (Redis's execCommandAbort). */
            multi_exec_abort(c, "wrong number of arguments for 'exec' command");
            return CMD_DONE;
        }
        reply_error_arity(c, cmd->name);
        multi_flag_error(c);
        return CMD_DONE;
    }
    if (cmd->subcommands && c->argc >= 2) {
        struct command *sub = command_lookup_sub(cmd, c->argv[1].ptr, c->argv[1].len);
        if (!sub) {
            /* Redis 7: ERR unknown subcommand 'x'. Try CONFIG HELP. */
            char upper[MAX_NAME];
            size_t n = strlen(cmd->name);
            for (size_t i = 0; i <= n; i++)
                upper[i] = (char)toupper((unsigned char)cmd->name[i]);
            struct buf b = BUF_INIT;
            buf_append_str(&b, "ERR unknown subcommand ");
            append_quoted(&b, &c->argv[1], 128);
            buf_printf(&b, ". Try %s HELP.", upper);
            buf_append_char(&b, '\0');
            reply_error(c, b.data);
            buf_free(&b);
            cmd->rejected_calls++;
            multi_flag_error(c);
            return CMD_DONE;
        }
        if (!arity_ok(sub, c->argc)) {
            sub->rejected_calls++;
            reply_errorf(c, "ERR wrong number of arguments for '%s' command", sub->name);
            multi_flag_error(c);
            return CMD_DONE;
        }
        cmd = sub;
    }
    if (!c->authenticated && !(cmd->flags & CMD_NOAUTH)) {
        cmd->rejected_calls++;
        reply_error(c, "NOAUTH Authentication required.");
        multi_flag_error(c);
        return CMD_DONE;
    }
    /* RESP2 subscribed mode: the connection carries messages, so only
     * commands whose replies fit in that stream may run (RESP3 pushes
     * messages out of band and has no such limit). */
    if ((c->flags & CLIENT_PUBSUB) && c->resp == 2 && !pubsub_allowed_when_subscribed(cmd)) {
        cmd->rejected_calls++;
        reply_errorf(c,
                     "ERR Can't execute '%s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / "
                     "QUIT / RESET are allowed in this context",
                     cmd->name);
        return CMD_DONE;
    }

    if (server.loading && c->fd >= 0 && !(cmd->flags & CMD_LOADING)) {
        cmd->rejected_calls++;
        reply_error(c, "LOADING Redis is loading the dataset in memory");
        multi_flag_error(c);
        return CMD_DONE;
    }
    /* maxmemory: evict first (every command may, as Redis), then refuse
     * the commands that grow the dataset if that was not enough. */
    if (server.cfg && server.cfg->maxmemory > 0 && evict_perform() == EVICT_FAIL &&
        (cmd->flags & CMD_DENYOOM)) {
        cmd->rejected_calls++;
        reply_error(c, "OOM command not allowed when used memory > 'maxmemory'.");
        multi_flag_error(c); /* queued in MULTI: EXECABORT, as Redis */
        return CMD_DONE;
    }
    if (((cmd->flags & CMD_WRITE) || (multi_is_exec(cmd) && multi_has_writes(c))) &&
        server.deny_write) {
        const char *why = server.deny_write();
        if (why) {
            cmd->rejected_calls++;
            if (multi_is_exec(cmd)) {
                /* An EXEC with writes is refused whole, as Redis. */
                multi_exec_abort(c, why);
                return CMD_DONE;
            }
            reply_error(c, why);
            multi_flag_error(c);
            return CMD_DONE;
        }
    }

    /* Inside MULTI, a command that passed every check is queued.  With
     * Raft this is before the interception: nothing is proposed until EXEC,
     * and the client has no proposal pending here (MULTI itself waited for
     * them), so +QUEUED cannot overtake an earlier reply. */
    if (multi_should_queue(c, cmd)) {
        multi_queue(c, cmd);
        return CMD_DONE;
    }

    if (server.raft_intercept && c->fd >= 0) {
        int r = server.raft_intercept(c, cmd);
        if (r == RAFT_RETRY)
            return CMD_RETRY;
        if (r == RAFT_TAKEN)
            return CMD_DONE; /* counted when it is applied */
    }

    command_call(c, cmd);
    if (c->bpop_retry) {
        /* a blocking command found nothing: it stays in the query buffer
         * and runs again when its key is ready (blocking.h) */
        c->bpop_retry = 0;
        return CMD_RETRY;
    }
    return CMD_DONE;
}

void command_call(struct client *c, struct command *cmd)
{
    if (server.raft_applying && (cmd->flags & CMD_PUBSUB)) {
        /* Queued in a transaction that Raft applies on every node: the
         * apply client would subscribe, every node would publish. */
        reply_error(c, "ERR pub/sub commands are not allowed in a transaction with Raft on");
        return;
    }
    const struct command *saved_cmd = c->cmd;
    struct client *saved_current = server.current_client;
    uint32_t saved_in_exec = c->flags & CLIENT_IN_EXEC;
    c->cmd = cmd;
    server.current_client = c;
    c->dirty = 0;
    c->prop_custom = 0;
    c->prop_count = 0;
    buf_clear(&c->prop);
    c->flags |= CLIENT_IN_EXEC;

    int64_t start = monotonic_us();
    cmd->proc(c);
    int64_t dur = monotonic_us() - start;

    c->flags = (c->flags & ~CLIENT_IN_EXEC) | saved_in_exec;
    cmd->calls++;
    cmd->usec += dur;
    server.stat_numcommands++;
    if (c->dirty > 0 && (cmd->flags & CMD_WRITE)) {
        server_signal_command_keys(c);
        propagate_effects(c);
    } else if (c->dirty > 0 && c->prop_custom && c->prop.len > 0 && server.propagate)
        server.propagate(c->db_index, c->prop.data, c->prop.len);
    c->lastcmd = cmd;
    c->cmd = saved_cmd;
    server.current_client = saved_current;
}
