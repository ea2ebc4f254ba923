/* commands/server: the "server" group: INFO, CONFIG, COMMAND, DBSIZE,
 * FLUSHDB, FLUSHALL, TIME, LASTSAVE, SHUTDOWN, DEBUG, MEMORY.
 *
 * It also holds the parser of the compact argument spec of command.h (the
 * `args` field of every command entry), which COMMAND DOCS turns into
 * Redis 7's documentation tree.  redis-cli 7 reads that tree at start-up to
 * build its help and hints and asserts on its shape, so the tree must be
 * exactly what Redis sends: every argument a map with a name and a type,
 * flags as a set of status strings, blocks and oneofs with a non-empty
 * "arguments" array.
 *
 * Reply shapes and error texts follow Redis 7.0 (checked against
 * redis-server 7.0.15). */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "aof.h"
#include "command.h"
#include "config.h"
#include "db.h"
#include "dict.h"
#include "evict.h"
#include "lru.h"
#include "object.h"
#include "pubsub.h"
#include "reply.h"
#include "server_state.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/util.h"
#include "util/zmalloc.h"

/* The Redis version we claim in INFO: clients (redis-cli's hints, client
 * libraries' feature checks) compare against it, and we implement the 7.0
 * command semantics. */
#define REDIS_COMPAT_VERSION "7.0.15"

/* ------------------------------------------------------------------------
 * The argument spec parser.
 *
 * Grammar (command.h has the user's view):
 *   spec  := seq EOF
 *   seq   := item*
 *   item  := WORD | '[' alts ']' ['...'] | '(' alts ')' ['...']
 *   alts  := seq ('|' seq)*
 *   WORD  := name:type ['...']  |  TOKEN ['...']
 *
 * Tree building, chosen so that redis-cli renders our specs as Redis's own
 * docs render (e.g. "[EX seconds|PX milliseconds|KEEPTTL]"):
 *   - an alternative of one item is that item;
 *   - an alternative "TOKEN x" (a pure token then one argument without a
 *     token) is the argument x introduced by TOKEN;
 *   - an alternative "TOKEN x y ..." is a block introduced by TOKEN;
 *   - any other alternative of several items is a block;
 *   - several alternatives make a oneof;
 *   - [ ] makes the result optional; a trailing ... makes it multiple, and
 *     when the repeated thing carries a token the token repeats too
 *     (multiple_token: "[GET pattern [GET pattern ...]]").
 * At the top level items stay as written (a TOKEN there is a pure token).
 *
 * These functions are exported for tests/unit/test_cmd_server.c only; they
 * have no header yet (see the report: a src/commands/argspec.h would be the
 * place). */

struct argspec {
    char *name;       /* owned */
    const char *type; /* static: string integer double key pattern unix-time
                         pure-token block oneof */
    char *token;      /* owned, NULL if none */
    int optional, multiple, multiple_token;
    struct argspec **args; /* children of a block / oneof, owned */
    int nargs, cap;
};

int argspec_parse(const char *spec, struct argspec **out, char *err, size_t errlen);
void argspec_free(struct argspec *a);
int argspec_usage(const char *spec, struct buf *out, char *err, size_t errlen);
int argspec_dump(const char *spec, struct buf *out, char *err, size_t errlen);

enum { T_EOF, T_LBRACK, T_RBRACK, T_LPAREN, T_RPAREN, T_BAR, T_WORD };

struct lex_token {
    int kind;
    const char *p; /* T_WORD: the word without a trailing "..." */
    size_t len;
    int repeat; /* followed by "..." */
    size_t at;  /* offset in the spec, for error messages */
};

struct parser {
    const char *s;
    size_t pos;
    struct lex_token tok; /* one token of lookahead */
    int failed;
    char *err;
    size_t errlen;
};

static void parse_fail(struct parser *p, size_t at, const char *msg)
{
    if (p->failed)
        return;
    p->failed = 1;
    snprintf(p->err, p->errlen, "offset %zu: %s", at, msg);
}

static int is_special(char ch)
{
    return ch == '[' || ch == ']' || ch == '(' || ch == ')' || ch == '|';
}

/* Reads the next token into p->tok. */
static void lex_next(struct parser *p)
{
    const char *s = p->s;
    while (s[p->pos] == ' ' || s[p->pos] == '\t' || s[p->pos] == '\n')
        p->pos++;
    struct lex_token *t = &p->tok;
    memset(t, 0, sizeof(*t));
    t->at = p->pos;
    char ch = s[p->pos];
    if (ch == '\0') {
        t->kind = T_EOF;
        return;
    }
    if (is_special(ch)) {
        p->pos++;
        switch (ch) {
        case '[':
            t->kind = T_LBRACK;
            break;
        case ']':
            t->kind = T_RBRACK;
            break;
        case '(':
            t->kind = T_LPAREN;
            break;
        case ')':
            t->kind = T_RPAREN;
            break;
        default:
            t->kind = T_BAR;
            break;
        }
        if ((t->kind == T_RBRACK || t->kind == T_RPAREN) && strncmp(s + p->pos, "...", 3) == 0) {
            t->repeat = 1;
            p->pos += 3;
        }
        return;
    }
    size_t start = p->pos;
    while (s[p->pos] && s[p->pos] != ' ' && s[p->pos] != '\t' && s[p->pos] != '\n' &&
           !is_special(s[p->pos]))
        p->pos++;
    t->kind = T_WORD;
    t->p = s + start;
    t->len = p->pos - start;
    if (t->len >= 3 && memcmp(t->p + t->len - 3, "...", 3) == 0) {
        t->repeat = 1;
        t->len -= 3;
    }
    if (t->len == 0)
        parse_fail(p, start, "'...' must follow an argument or a closing bracket");
}

static struct argspec *node_new(const char *type)
{
    struct argspec *a = xcalloc(1, sizeof(*a));
    a->type = type;
    return a;
}

static void node_add(struct argspec *parent, struct argspec *child)
{
    if (parent->nargs == parent->cap) {
        parent->cap = parent->cap ? parent->cap * 2 : 4;
        parent->args = xrealloc(parent->args, (size_t)parent->cap * sizeof(*parent->args));
    }
    parent->args[parent->nargs++] = child;
}

void argspec_free(struct argspec *a)
{
    if (!a)
        return;
    for (int i = 0; i < a->nargs; i++)
        argspec_free(a->args[i]);
    free(a->args);
    free(a->name);
    free(a->token);
    free(a);
}

static const char *const arg_types[] = {"string", "integer", "double",
                                        "key",    "pattern", "unix-time"};

/* Builds a leaf from a WORD token: "name:type" or "TOKEN". */
static struct argspec *parse_word(struct parser *p)
{
    const struct lex_token *t = &p->tok;
    const char *colon = memchr(t->p, ':', t->len);
    struct argspec *a = NULL;
    if (colon) {
        size_t nlen = (size_t)(colon - t->p);
        size_t tlen = t->len - nlen - 1;
        const char *type = NULL;
        for (size_t i = 0; i < ARRAY_SIZE(arg_types); i++)
            if (strlen(arg_types[i]) == tlen && memcmp(arg_types[i], colon + 1, tlen) == 0)
                type = arg_types[i];
        if (!type) {
            char msg[160];
            snprintf(msg, sizeof(msg), "unknown argument type '%.*s'", (int)(tlen > 64 ? 64 : tlen),
                     colon + 1);
            parse_fail(p, t->at, msg);
            return NULL;
        }
        if (nlen == 0 || !islower((unsigned char)t->p[0])) {
            parse_fail(p, t->at, "an argument name must start with a lower-case letter");
            return NULL;
        }
        for (size_t i = 0; i < nlen; i++) {
            unsigned char ch = (unsigned char)t->p[i];
            if (!islower(ch) && !isdigit(ch) && ch != '-' && ch != '_') {
                parse_fail(p, t->at, "an argument name may hold only a-z 0-9 - _");
                return NULL;
            }
        }
        a = node_new(type);
        a->name = xmemdup(t->p, nlen + 1);
        a->name[nlen] = '\0';
    } else {
        for (size_t i = 0; i < t->len; i++) {
            unsigned char ch = (unsigned char)t->p[i];
            if (islower(ch)) {
                parse_fail(p, t->at,
                           "an argument needs a type (name:type); a token must be all caps");
                return NULL;
            }
            if (ch == '.' || !isgraph(ch)) {
                parse_fail(p, t->at, "a token may not hold '.' or control characters");
                return NULL;
            }
        }
        a = node_new("pure-token");
        a->token = xmemdup(t->p, t->len + 1);
        a->token[t->len] = '\0';
        a->name = xmemdup(t->p, t->len + 1);
        a->name[t->len] = '\0';
        for (size_t i = 0; i < t->len; i++)
            a->name[i] = (char)tolower((unsigned char)a->name[i]);
    }
    a->multiple = t->repeat;
    return a;
}

/* Name of a block or oneof: its children's names joined by '_' (as Redis
 * names CONFIG SET's block "parameter_value"). */
static char *joined_name(const struct argspec *const *kids, int n)
{
    struct buf b = BUF_INIT;
    for (int i = 0; i < n; i++) {
        if (i)
            buf_append_char(&b, '_');
        buf_append_str(&b, kids[i]->name);
    }
    buf_append_char(&b, '\0');
    return b.data;
}

static struct argspec *parse_group(struct parser *p);

/* Parses items until a closing bracket, a '|' or the end, into seq. */
static void parse_seq(struct parser *p, struct argspec *seq)
{
    while (!p->failed) {
        struct argspec *item = NULL;
        switch (p->tok.kind) {
        case T_WORD:
            item = parse_word(p);
            if (item)
                lex_next(p);
            break;
        case T_LBRACK:
        case T_LPAREN:
            item = parse_group(p);
            break;
        default:
            return;
        }
        if (!item)
            return;
        node_add(seq, item);
    }
}

/* Turns one alternative (a sequence of items) inside [] or () into a node;
 * takes the items out of seq. */
static struct argspec *seq_to_node(struct argspec *seq)
{
    struct argspec *first = seq->args[0];
    struct argspec *node;
    int lead_token = strcmp(first->type, "pure-token") == 0 && !first->optional && !first->multiple;
    if (seq->nargs == 1) {
        node = first;
    } else if (seq->nargs == 2 && lead_token && !seq->args[1]->token) {
        node = seq->args[1];
        node->token = first->token;
        first->token = NULL;
        argspec_free(first);
    } else if (lead_token) {
        node = node_new("block");
        node->token = first->token;
        first->token = NULL;
        node->name = xstrdup(first->name);
        argspec_free(first);
        for (int i = 1; i < seq->nargs; i++)
            node_add(node, seq->args[i]);
    } else {
        node = node_new("block");
        for (int i = 0; i < seq->nargs; i++)
            node_add(node, seq->args[i]);
        node->name = joined_name((const struct argspec *const *)node->args, node->nargs);
    }
    seq->nargs = 0;
    return node;
}

/* Parses '[' alts ']' or '(' alts ')' with its optional "..." suffix. */
static struct argspec *parse_group(struct parser *p)
{
    int optional = p->tok.kind == T_LBRACK;
    int closer = optional ? T_RBRACK : T_RPAREN;
    size_t open_at = p->tok.at;
    struct argspec *alts = node_new("oneof");
    struct argspec *seq = node_new("block");
    struct argspec *result = NULL;

    lex_next(p);
    for (;;) {
        size_t alt_at = p->tok.at;
        parse_seq(p, seq);
        if (p->failed)
            goto cleanup;
        if (seq->nargs == 0) {
            parse_fail(p, alt_at, "empty group or alternative");
            goto cleanup;
        }
        node_add(alts, seq_to_node(seq));
        if (p->tok.kind == T_BAR) {
            lex_next(p);
            continue;
        }
        if (p->tok.kind == closer)
            break;
        parse_fail(p, open_at, optional ? "'[' without its ']'" : "'(' without its ')'");
        goto cleanup;
    }
    int repeat = p->tok.repeat;
    lex_next(p);

    if (alts->nargs == 1) {
        result = alts->args[0];
        alts->nargs = 0;
    } else {
        result = alts;
        result->name = joined_name((const struct argspec *const *)alts->args, alts->nargs);
        alts = NULL;
    }
    if (optional)
        result->optional = 1;
    if (repeat) {
        if (result->multiple) {
            parse_fail(p, open_at, "a group repeats what already repeats");
            argspec_free(result);
            result = NULL;
            goto cleanup;
        }
        result->multiple = 1;
        if (result->token)
            result->multiple_token = 1;
    }
cleanup:
    argspec_free(alts);
    argspec_free(seq);
    return result;
}

/* Parses spec into a tree whose root is a block named "arguments" holding
 * the top-level arguments (none for NULL or "").  Returns 0 and an owned
 * tree in *out (free with argspec_free), or -1 with a message in err. */
int argspec_parse(const char *spec, struct argspec **out, char *err, size_t errlen)
{
    struct parser p = {.s = spec ? spec : "", .err = err, .errlen = errlen};
    struct argspec *root = node_new("block");
    root->name = xstrdup("arguments");
    if (errlen)
        err[0] = '\0';

    lex_next(&p);
    parse_seq(&p, root);
    if (!p.failed) {
        switch (p.tok.kind) {
        case T_EOF:
            break;
        case T_BAR:
            parse_fail(&p, p.tok.at, "'|' outside of [] or ()");
            break;
        default:
            parse_fail(&p, p.tok.at, "closing bracket without its opening one");
            break;
        }
    }
    if (p.failed) {
        argspec_free(root);
        return -1;
    }
    *out = root;
    return 0;
}

/* Renders one argument as redis-cli 7 does from COMMAND DOCS
 * (cliAddArgument), so tests can compare with what Redis users see. */
static void usage_arg(struct buf *b, const struct argspec *a);

static void usage_list(struct buf *b, const struct argspec *a, const char *sep)
{
    for (int i = 0; i < a->nargs; i++) {
        if (i)
            buf_append_str(b, sep);
        usage_arg(b, a->args[i]);
    }
}

static void usage_arg(struct buf *b, const struct argspec *a)
{
    struct buf token = BUF_INIT, repeat = BUF_INIT;
    int pure = strcmp(a->type, "pure-token") == 0;
    buf_append_str(&token, "");
    buf_append_str(&repeat, "");
    if (a->token)
        buf_append_str(&token, a->token);
    if (strcmp(a->type, "oneof") == 0)
        usage_list(&repeat, a, "|");
    else if (strcmp(a->type, "block") == 0)
        usage_list(&repeat, a, " ");
    else if (!pure)
        buf_append_str(&repeat, a->name);
    if (token.len && !pure)
        buf_append_char(&token, ' ');
    if (a->optional)
        buf_append_char(b, '[');
    buf_append(b, token.data, token.len);
    buf_append(b, repeat.data, repeat.len);
    if (a->multiple) {
        buf_append_str(b, " [");
        if (a->multiple_token)
            buf_append(b, token.data, token.len);
        buf_append(b, repeat.data, repeat.len);
        buf_append_str(b, " ...]");
    }
    if (a->optional)
        buf_append_char(b, ']');
    buf_free(&token);
    buf_free(&repeat);
}

/* Appends the usage line of spec to out (NUL-terminated, len excludes it). */
int argspec_usage(const char *spec, struct buf *out, char *err, size_t errlen)
{
    struct argspec *root;
    if (argspec_parse(spec, &root, err, errlen) < 0)
        return -1;
    usage_list(out, root, " ");
    buf_append_char(out, '\0');
    out->len--;
    argspec_free(root);
    return 0;
}

/* A compact structural dump for tests: each node is
 *   [TOKEN=]name:type[?][*][+][(children)]
 * with ? optional, * multiple, + multiple_token; siblings separated by
 * spaces. */
static void dump_node(struct buf *b, const struct argspec *a)
{
    if (a->token)
        buf_printf(b, "%s=", a->token);
    buf_printf(b, "%s:%s", a->name, a->type);
    if (a->optional)
        buf_append_char(b, '?');
    if (a->multiple)
        buf_append_char(b, '*');
    if (a->multiple_token)
        buf_append_char(b, '+');
    if (a->nargs) {
        buf_append_char(b, '(');
        for (int i = 0; i < a->nargs; i++) {
            if (i)
                buf_append_char(b, ' ');
            dump_node(b, a->args[i]);
        }
        buf_append_char(b, ')');
    }
}

int argspec_dump(const char *spec, struct buf *out, char *err, size_t errlen)
{
    struct argspec *root;
    if (argspec_parse(spec, &root, err, errlen) < 0)
        return -1;
    for (int i = 0; i < root->nargs; i++) {
        if (i)
            buf_append_char(out, ' ');
        dump_node(out, root->args[i]);
    }
    buf_append_char(out, '\0');
    out->len--;
    argspec_free(root);
    return 0;
}

/* ------------------------------------------------------------------------
 * Small helpers. */

static int arg_is(const struct client *c, int i, const char *word)
{
    return eq_nocase(c->argv[i].ptr, c->argv[i].len, word);
}

/* Copies argv[i] into a NUL-terminated string; NULL on out-of-memory (the
 * size is the client's choice, so it fails the request, not the server). */
static char *arg_dup(const struct client *c, int i)
{
    char *s = malloc(c->argv[i].len + 1);
    if (!s)
        return NULL;
    memcpy(s, c->argv[i].ptr, c->argv[i].len);
    s[c->argv[i].len] = '\0';
    return s;
}

/* "config|get" for a subcommand, "get" for a top-level command. */
static void full_name(char *out, size_t size, const struct command *parent,
                      const struct command *cmd)
{
    if (parent && !strchr(cmd->name, '|'))
        snprintf(out, size, "%s|%s", parent->name, cmd->name);
    else
        snprintf(out, size, "%s", cmd->name);
}

/* Replies with a help text as Redis's addReplyHelp: a status line per line. */
static void reply_help(struct client *c, const char *cmd, const char *const *lines)
{
    int n = 0;
    while (lines[n])
        n++;
    reply_array(c, n + 3);
    char head[128];
    snprintf(head, sizeof(head),
             "%s <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", cmd);
    reply_simple(c, head);
    for (int i = 0; i < n; i++)
        reply_simple(c, lines[i]);
    reply_simple(c, "HELP");
    reply_simple(c, "    Print this help.");
}

/* Dispatches argv[1] to a subcommand of container.  The executor normally
 * does this itself (command.h); this is the fallback for a container called
 * with a subcommand anyway. */
static void container_dispatch(struct client *c, struct command *container)
{
    struct command *sub = command_lookup_sub(container, c->argv[1].ptr, c->argv[1].len);
    if (!sub) {
        char upper[64];
        size_t i;
        for (i = 0; container->name[i] && i < sizeof(upper) - 1; i++)
            upper[i] = (char)toupper((unsigned char)container->name[i]);
        upper[i] = '\0';
        reply_errorf(c, "ERR unknown subcommand '%.*s'. Try %s HELP.",
                     (int)(c->argv[1].len > 128 ? 128 : c->argv[1].len), c->argv[1].ptr, upper);
        return;
    }
    if ((sub->arity > 0 && c->argc != sub->arity) || (sub->arity < 0 && c->argc < -sub->arity)) {
        char name[128];
        full_name(name, sizeof(name), container, sub);
        reply_error_arity(c, name);
        return;
    }
    sub->proc(c);
}

/* ------------------------------------------------------------------------
 * DBSIZE, FLUSHDB, FLUSHALL, TIME, LASTSAVE, SHUTDOWN */

static void dbsize_cmd(struct client *c)
{
    reply_int(c, (long long)db_size(c->db));
}

/* [ASYNC|SYNC]: we always flush synchronously (freeing is fast enough for a
 * cache of this size), but accept both as Redis does. */
static int parse_flush_flags(struct client *c)
{
    if (c->argc == 1)
        return 0;
    if (c->argc == 2 && (arg_is(c, 1, "async") || arg_is(c, 1, "sync")))
        return 0;
    reply_error_syntax(c);
    return -1;
}

static void flushdb_cmd(struct client *c)
{
    if (parse_flush_flags(c) < 0)
        return;
    size_t removed = db_flush(c->db);
    server_signal_key(c->db, NULL, 0);
    /* Redis propagates a flush even of an empty db: the replica/AOF must
     * see it (it may hold keys the master no longer has). */
    cmd_dirty(c, (int)(removed > INT32_MAX - 1 ? INT32_MAX - 1 : removed) + 1);
    reply_ok(c);
}

static void flushall_cmd(struct client *c)
{
    if (parse_flush_flags(c) < 0)
        return;
    size_t removed = 0;
    for (int i = 0; i < server.ndbs; i++)
        removed += db_flush(server.dbs[i]);
    server_signal_key(NULL, NULL, 0);
    cmd_dirty(c, (int)(removed > INT32_MAX - 1 ? INT32_MAX - 1 : removed) + 1);
    reply_ok(c);
}

static void time_cmd(struct client *c)
{
    int64_t us = server.fixed_time_ms ? server.fixed_time_ms * 1000 : ustime();
    reply_array(c, 2);
    reply_bulk_ll(c, us / 1000000);
    reply_bulk_ll(c, us % 1000000);
}

static void lastsave_cmd(struct client *c)
{
    /* No RDB snapshots: the dataset was last "saved" (loaded) at start. */
    reply_int(c, server.start_time_ms / 1000);
}

static void shutdown_cmd(struct client *c)
{
    int nosave = 0, save = 0, now = 0, force = 0, abort_ = 0;
    for (int i = 1; i < c->argc; i++) {
        if (arg_is(c, i, "nosave"))
            nosave = 1;
        else if (arg_is(c, i, "save"))
            save = 1;
        else if (arg_is(c, i, "now"))
            now = 1;
        else if (arg_is(c, i, "force"))
            force = 1;
        else if (arg_is(c, i, "abort"))
            abort_ = 1;
        else {
            reply_error_syntax(c);
            return;
        }
    }
    if ((abort_ && (nosave || save || now || force)) || (nosave && save)) {
        reply_error_syntax(c);
        return;
    }
    if (abort_) {
        /* We never wait for replicas, so no shutdown is ever in progress. */
        reply_error(c, "ERR No shutdown in progress.");
        return;
    }
    log_warning("User requested shutdown...");
    /* As Redis: no reply on success; the loop stops and the client sees the
     * connection close. */
    server.shutdown_asap = 1;
}

/* ------------------------------------------------------------------------
 * DEBUG and MEMORY */

static const char *const debug_help[] = {
    "ERROR <string>",
    "    Return a Redis protocol error with <string> as message.",
    "LOG <message>",
    "    Write <message> to the server log.",
    "OBJECT <key>",
    "    Show low level info about `key` and associated value.",
    "SLEEP <seconds>",
    "    Stop the server for <seconds>. Decimals allowed.",
    NULL,
};

static const char *obj_encoding(const struct robj *o)
{
    long long v;
    if (o->type == OBJ_STRING) {
        if (obj_str_len(o) <= 20 && str_to_ll(obj_str_ptr(o), obj_str_len(o), &v) == 0)
            return "int";
        return obj_str_len(o) <= 44 ? "embstr" : "raw";
    }
    if (o->type == OBJ_LIST)
        return "quicklist"; /* what Redis names it; ours is a ring of elements */
    if (o->type == OBJ_ZSET)
        return "skiplist";
    if (o->type == OBJ_HASH && hash_is_small(o))
        return "listpack";
    return "hashtable";
}

static void debug_cmd(struct client *c)
{
    if (c->argc == 2 && arg_is(c, 1, "help")) {
        reply_help(c, "DEBUG", debug_help);
    } else if (c->argc == 3 && arg_is(c, 1, "sleep")) {
        char num[64];
        size_t n = c->argv[2].len < sizeof(num) - 1 ? c->argv[2].len : sizeof(num) - 1;
        memcpy(num, c->argv[2].ptr, n);
        num[n] = '\0';
        /* Redis parses this leniently (strtod): garbage sleeps 0 s. */
        double secs = strtod(num, NULL);
        if (secs > 0) {
            struct timespec ts;
            ts.tv_sec = (time_t)secs;
            ts.tv_nsec = (long)((secs - (double)ts.tv_sec) * 1e9);
            while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
        }
        reply_ok(c);
    } else if (c->argc == 3 && arg_is(c, 1, "object")) {
        struct robj *o = db_peek(c->db, c->argv[2].ptr, c->argv[2].len, server.cmd_now_ms);
        if (!o) {
            reply_error(c, "ERR no such key");
            return;
        }
        uint32_t idle = (uint32_t)(lru_idle_ms(o->lru, server.cmd_now_ms) / 1000);
        char line[256];
        size_t ser = o->type == OBJ_STRING ? obj_str_len(o) : obj_mem_usage(o);
        snprintf(line, sizeof(line),
                 "Value at:%p refcount:1 encoding:%s serializedlength:%zu lru:%" PRIu32
                 " lru_seconds_idle:%" PRIu32,
                 (void *)o, obj_encoding(o), ser, o->lru, idle);
        reply_simple(c, line);
    } else if (c->argc == 3 && arg_is(c, 1, "error")) {
        char *msg = arg_dup(c, 2);
        if (!msg) {
            reply_error(c, "ERR out of memory");
            return;
        }
        reply_error(c, msg);
        free(msg);
    } else if (c->argc >= 3 && arg_is(c, 1, "log")) {
        log_warning("DEBUG LOG: %.*s", (int)(c->argv[2].len > 4096 ? 4096 : c->argv[2].len),
                    c->argv[2].ptr);
        reply_ok(c);
    } else {
        reply_errorf(c,
                     "ERR unknown subcommand or wrong number of arguments for '%.*s'. Try "
                     "DEBUG HELP.",
                     (int)(c->argv[1].len > 128 ? 128 : c->argv[1].len), c->argv[1].ptr);
    }
}

static void memory_cmd(struct client *c)
{
    container_dispatch(c, command_lookup("memory", 6));
}

static void memory_usage_cmd(struct client *c)
{
    for (int i = 3; i < c->argc; i += 2) {
        if (arg_is(c, i, "samples") && i + 1 < c->argc) {
            long long samples;
            if (str_to_ll(c->argv[i + 1].ptr, c->argv[i + 1].len, &samples) < 0) {
                reply_error_not_int(c);
                return;
            }
            if (samples < 0) {
                reply_error_syntax(c);
                return;
            }
        } else {
            reply_error_syntax(c);
            return;
        }
    }
    struct robj *o = db_peek(c->db, c->argv[2].ptr, c->argv[2].len, server.cmd_now_ms);
    if (!o) {
        reply_null(c);
        return;
    }
    /* The value, plus the dict entry that holds the key bytes inline. */
    size_t total = obj_mem_usage(o) + sizeof(struct dict_entry) + c->argv[2].len + 1;
    reply_int(c, (long long)total);
}

static void memory_purge_cmd(struct client *c)
{
    malloc_trim(0);
    reply_ok(c);
}

static long long rss_bytes(void);

/* MEMORY DOCTOR: Redis's verdicts on an empty instance and a healthy one;
 * in between, the two findings that mean something with glibc's malloc. */
static void memory_doctor_cmd(struct client *c)
{
    static const char empty[] =
        "Hi Sam, this instance is empty or is using very little memory, my issues detector "
        "can't be used in these conditions. Please, leave for your mission on Earth and fill "
        "it with some data. The new Sam and I will be back to our programming as soon as I "
        "finished rebooting.";
    static const char fine[] = "Hi Sam, I can't find any memory issue in your instance. I can "
                               "only account for what occurs on this base.";
    long long used = server_used_memory();
    long long peak = server.stat_peak_memory > used ? server.stat_peak_memory : used;
    long long rss = rss_bytes();
    if (used < 5 * 1024 * 1024) {
        reply_verbatim(c, empty, sizeof(empty) - 1);
        return;
    }
    struct buf b = BUF_INIT;
    if (peak * 2 > used * 3)
        buf_printf(&b,
                   " * Peak memory: this instance once used more than 150%% of the memory "
                   "it uses now (peak %lld bytes). The allocator keeps most of what was "
                   "freed, which shows as fragmentation; it is reused as data comes back. "
                   "MEMORY PURGE hands back what it can.\n\n",
                   peak);
    if (rss * 10 > used * 14)
        buf_printf(&b,
                   " * High total RSS: the resident set is %.2f times used_memory. After a "
                   "peak this is harmless; otherwise the workload fragments the heap.\n\n",
                   (double)rss / (double)used);
    if (b.len == 0) {
        reply_verbatim(c, fine, sizeof(fine) - 1);
    } else {
        struct buf out = BUF_INIT;
        buf_printf(&out, "Sam, I detected a few issues in this instance memory implants:\n\n");
        buf_append(&out, b.data, b.len);
        buf_printf(&out, "I'm here to keep you safe, Sam. I want to help you.\n");
        reply_verbatim(c, out.data, out.len);
        buf_free(&out);
    }
    buf_free(&b);
}

static const char *const memory_help[] = {
    "DOCTOR",
    "    Return memory problems reports.",
    "PURGE",
    "    Attempt to purge dirty pages for reclamation by the allocator.",
    "STATS",
    "    Return information about the memory usage of the server.",
    "USAGE <key> [SAMPLES <count>]",
    "    Return memory in bytes used by <key> and its value. Nested values are",
    "    sampled up to <count> times (default: 5, 0 means sample all).",
    NULL,
};

static void memory_help_cmd(struct client *c)
{
    reply_help(c, "MEMORY", memory_help);
}

/* MEMORY STATS: the fields of Redis's that mean something here. */
static void memory_stats_cmd(struct client *c)
{
    long long used = server_used_memory();
    long long peak = server.stat_peak_memory > used ? server.stat_peak_memory : used;
    long long startup = server.stat_startup_memory;
    long long rss = rss_bytes();
    long long clients_mem = 0;
    for (const struct client *cl = server.clients; cl; cl = cl->next)
        clients_mem += (long long)(sizeof(*cl) + cl->query.cap + cl->reply.cap);
    int ndb = 0;
    long long keys = 0, overhead = startup + clients_mem;
    for (int i = 0; i < server.ndbs; i++) {
        if (db_size(server.dbs[i]) == 0)
            continue;
        ndb++;
        keys += (long long)db_size(server.dbs[i]);
        overhead += (long long)(dict_mem_usage(server.dbs[i]->keys) +
                                dict_mem_usage(server.dbs[i]->expires));
    }
    if (overhead > used)
        overhead = used;
    long long dataset = used - overhead;
    long long net = used - startup;
    reply_map(c, 15 + ndb);
    reply_bulk_cstr(c, "peak.allocated");
    reply_int(c, peak);
    reply_bulk_cstr(c, "total.allocated");
    reply_int(c, used);
    reply_bulk_cstr(c, "startup.allocated");
    reply_int(c, startup);
    reply_bulk_cstr(c, "replication.backlog");
    reply_int(c, 0);
    reply_bulk_cstr(c, "clients.slaves");
    reply_int(c, 0);
    reply_bulk_cstr(c, "clients.normal");
    reply_int(c, clients_mem);
    reply_bulk_cstr(c, "aof.buffer");
    reply_int(c, (long long)aof_buffer_bytes());
    for (int i = 0; i < server.ndbs; i++) {
        if (db_size(server.dbs[i]) == 0)
            continue;
        char name[32];
        snprintf(name, sizeof(name), "db.%d", server.dbs[i]->id);
        reply_bulk_cstr(c, name);
        reply_map(c, 2);
        reply_bulk_cstr(c, "overhead.hashtable.main");
        reply_int(c, (long long)dict_mem_usage(server.dbs[i]->keys));
        reply_bulk_cstr(c, "overhead.hashtable.expires");
        reply_int(c, (long long)dict_mem_usage(server.dbs[i]->expires));
    }
    reply_bulk_cstr(c, "overhead.total");
    reply_int(c, overhead);
    reply_bulk_cstr(c, "keys.count");
    reply_int(c, keys);
    reply_bulk_cstr(c, "keys.bytes-per-key");
    reply_int(c, keys ? (net > 0 ? net : 0) / keys : 0);
    reply_bulk_cstr(c, "dataset.bytes");
    reply_int(c, dataset);
    reply_bulk_cstr(c, "dataset.percentage");
    reply_double(c, net > 0 ? 100.0 * (double)dataset / (double)net : 0);
    reply_bulk_cstr(c, "peak.percentage");
    reply_double(c, peak ? 100.0 * (double)used / (double)peak : 0);
    reply_bulk_cstr(c, "fragmentation");
    reply_double(c, used ? (double)rss / (double)used : 0);
    reply_bulk_cstr(c, "fragmentation.bytes");
    reply_int(c, rss - used);
}

/* ------------------------------------------------------------------------
 * OBJECT */

static const char *const object_help[] = {
    "ENCODING <key>",
    "    Return the kind of internal representation used in order to store the value",
    "    associated with a <key>.",
    "FREQ <key>",
    "    Return the access frequency index of the <key>. The returned integer is",
    "    proportional to the logarithm of the recent access frequency of the key.",
    "IDLETIME <key>",
    "    Return the idle time of the <key>, that is the approximated number of",
    "    seconds elapsed since the last access to the key.",
    "REFCOUNT <key>",
    "    Return the number of references of the value associated with the specified",
    "    <key>.",
    NULL,
};

static void object_cmd(struct client *c)
{
    container_dispatch(c, command_lookup("object", 6));
}

static void object_help_cmd(struct client *c)
{
    reply_help(c, "OBJECT", object_help);
}

/* The value of argv[2] without touching its access data; replies nil and
 * returns NULL when missing (Redis 7). */
static struct robj *object_lookup(struct client *c)
{
    struct robj *o = db_peek(c->db, c->argv[2].ptr, c->argv[2].len, server.cmd_now_ms);
    if (!o)
        reply_null(c);
    return o;
}

static void object_encoding_cmd(struct client *c)
{
    struct robj *o = object_lookup(c);
    if (o)
        reply_bulk_cstr(c, obj_encoding(o));
}

static void object_refcount_cmd(struct client *c)
{
    struct robj *o = object_lookup(c);
    if (!o)
        return;
    /* Redis shares the integers 0..9999 between keys (refcount INT_MAX)
     * unless a maxmemory LRU/LFU policy needs per-key access data; we
     * report what Redis would, though every value here is its own. */
    long long v;
    int policy = evict_policy();
    if (o->type == OBJ_STRING && obj_str_len(o) <= 4 &&
        str_to_ll(obj_str_ptr(o), obj_str_len(o), &v) == 0 && v >= 0 && v < 10000 &&
        (server.cfg->maxmemory == 0 ||
         !(evict_policy_is_lru(policy) || evict_policy_is_lfu(policy))))
        reply_int(c, 2147483647);
    else
        reply_int(c, 1);
}

static void object_idletime_cmd(struct client *c)
{
    struct robj *o = object_lookup(c);
    if (!o)
        return;
    if (lru_lfu_mode()) {
        reply_error(c, "ERR An LFU maxmemory policy is selected, idle time not tracked. Please "
                       "note that when switching between policies at runtime LRU and LFU data "
                       "will take some time to adjust.");
        return;
    }
    reply_int(c, (long long)(lru_idle_ms(o->lru, server.cmd_now_ms) / 1000));
}

static void object_freq_cmd(struct client *c)
{
    struct robj *o = object_lookup(c);
    if (!o)
        return;
    if (!lru_lfu_mode()) {
        reply_error(c, "ERR An LFU maxmemory policy is not selected, access frequency not "
                       "tracked. Please note that when switching between policies at runtime "
                       "LRU and LFU data will take some time to adjust.");
        return;
    }
    reply_int(c, (long long)lfu_decayed_counter(o->lru, server.cmd_now_ms, lfu_decay_time()));
}

/* ------------------------------------------------------------------------
 * INFO */

static void bytes_to_human(char *s, size_t size, long long n)
{
    double d = (double)n;
    if (n < 1024)
        snprintf(s, size, "%lldB", n);
    else if (n < 1024LL * 1024)
        snprintf(s, size, "%.2fK", d / 1024);
    else if (n < 1024LL * 1024 * 1024)
        snprintf(s, size, "%.2fM", d / (1024.0 * 1024));
    else if (n < 1024LL * 1024 * 1024 * 1024)
        snprintf(s, size, "%.2fG", d / (1024.0 * 1024 * 1024));
    else if (n < 1024LL * 1024 * 1024 * 1024 * 1024)
        snprintf(s, size, "%.2fT", d / (1024.0 * 1024 * 1024 * 1024));
    else
        snprintf(s, size, "%.2fP", d / (1024.0 * 1024 * 1024 * 1024 * 1024));
}

static long long rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long long size = 0, resident = 0;
    if (!f)
        return 0;
    if (fscanf(f, "%lld %lld", &size, &resident) != 2)
        resident = 0;
    fclose(f);
    return resident * sysconf(_SC_PAGESIZE);
}

static void info_server(struct buf *b)
{
    struct utsname u;
    if (uname(&u) < 0)
        memset(&u, 0, sizeof(u));
    char exe[1024];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    exe[n > 0 ? n : 0] = '\0';
    int64_t uptime = (mstime() - server.start_time_ms) / 1000;
    const struct config *cfg = server.cfg;
    buf_printf(b,
               "# Server\r\n"
               "redis_version:%s\r\n"
               "raftcache_version:%s\r\n"
               "redis_git_sha1:00000000\r\n"
               "redis_git_dirty:0\r\n"
               "redis_build_id:0\r\n"
               "redis_mode:standalone\r\n"
               "os:%s %s %s\r\n"
               "arch_bits:%d\r\n"
               "monotonic_clock:POSIX clock_gettime\r\n"
               "multiplexing_api:epoll\r\n"
               "atomicvar_api:c11-builtin\r\n"
               "gcc_version:%d.%d.%d\r\n"
               "process_id:%ld\r\n"
               "process_supervised:no\r\n"
               "run_id:%s\r\n"
               "tcp_port:%d\r\n"
               "server_time_usec:%" PRId64 "\r\n"
               "uptime_in_seconds:%" PRId64 "\r\n"
               "uptime_in_days:%" PRId64 "\r\n"
               "hz:%d\r\n"
               "configured_hz:%d\r\n"
               "lru_clock:%" PRIu32 "\r\n"
               "executable:%s\r\n"
               "config_file:%s\r\n"
               "io_threads_active:0\r\n",
               REDIS_COMPAT_VERSION, RC_VERSION, u.sysname, u.release, u.machine,
               (int)(sizeof(long) * 8),
#ifdef __GNUC__
               __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__,
#else
               0, 0, 0,
#endif
               (long)getpid(), server.run_id,
               server.tcp_port_bound ? server.tcp_port_bound : (cfg ? cfg->port : 0), ustime(),
               uptime, uptime / 86400, server.hz, cfg ? cfg->hz : server.hz, lru_clock(mstime()),
               exe, cfg && cfg->config_file ? cfg->config_file : "");
}

static void info_clients(struct buf *b)
{
    size_t max_in = 0, max_out = 0;
    long long pubsub_clients = 0;
    for (const struct client *c = server.clients; c; c = c->next) {
        if (c->flags & CLIENT_PUBSUB)
            pubsub_clients++;
        if (c->query.len > max_in)
            max_in = c->query.len;
        if (client_pending_reply(c) > max_out)
            max_out = client_pending_reply(c);
    }
    buf_printf(b,
               "# Clients\r\n"
               "connected_clients:%lld\r\n"
               "cluster_connections:0\r\n"
               "maxclients:%lld\r\n"
               "client_recent_max_input_buffer:%zu\r\n"
               "client_recent_max_output_buffer:%zu\r\n"
               "blocked_clients:%lld\r\n"
               "tracking_clients:0\r\n"
               "pubsub_clients:%lld\r\n"
               "clients_in_timeout_table:0\r\n",
               server.nclients, server.cfg ? server.cfg->maxclients : 0, max_in, max_out,
               server.blocked_clients, pubsub_clients);
}

static void info_memory(struct buf *b)
{
    long long used = server_used_memory();
    long long rss = rss_bytes();
    /* An allocator without arena statistics (ASan's, say) reports 0; the
     * resident size is then the honest upper bound. */
    if (used <= 0)
        used = rss;
    long long peak = server.stat_peak_memory > used ? server.stat_peak_memory : used;
    long long overhead = 0;
    for (int i = 0; i < server.ndbs; i++)
        overhead += (long long)(dict_mem_usage(server.dbs[i]->keys) +
                                dict_mem_usage(server.dbs[i]->expires));
    long long clients_mem = 0;
    for (const struct client *c = server.clients; c; c = c->next)
        clients_mem += (long long)(sizeof(*c) + c->query.cap + c->reply.cap);
    overhead += clients_mem;
    if (overhead > used)
        overhead = used;
    long long dataset = used - overhead;
    long long total_sys = (long long)sysconf(_SC_PHYS_PAGES) * sysconf(_SC_PAGESIZE);
    long long maxmemory = server.cfg ? server.cfg->maxmemory : 0;
    const char *policy =
        server.cfg && server.cfg->maxmemory_policy ? server.cfg->maxmemory_policy : "noeviction";
    char used_h[32], rss_h[32], peak_h[32], sys_h[32], max_h[32];
    bytes_to_human(used_h, sizeof(used_h), used);
    bytes_to_human(rss_h, sizeof(rss_h), rss);
    bytes_to_human(peak_h, sizeof(peak_h), peak);
    bytes_to_human(sys_h, sizeof(sys_h), total_sys);
    bytes_to_human(max_h, sizeof(max_h), maxmemory);
    buf_printf(b,
               "# Memory\r\n"
               "used_memory:%lld\r\n"
               "used_memory_human:%s\r\n"
               "used_memory_rss:%lld\r\n"
               "used_memory_rss_human:%s\r\n"
               "used_memory_peak:%lld\r\n"
               "used_memory_peak_human:%s\r\n"
               "used_memory_peak_perc:%.2f%%\r\n"
               "used_memory_overhead:%lld\r\n"
               "used_memory_dataset:%lld\r\n"
               "used_memory_dataset_perc:%.2f%%\r\n"
               "total_system_memory:%lld\r\n"
               "total_system_memory_human:%s\r\n"
               "used_memory_lua:0\r\n"
               "used_memory_scripts:0\r\n"
               "maxmemory:%lld\r\n"
               "maxmemory_human:%s\r\n"
               "maxmemory_policy:%s\r\n"
               "mem_fragmentation_ratio:%.2f\r\n"
               "mem_fragmentation_bytes:%lld\r\n"
               "mem_not_counted_for_evict:%zu\r\n"
               "mem_clients_normal:%lld\r\n"
               "mem_aof_buffer:%zu\r\n"
               "mem_allocator:%s\r\n"
               "lazyfree_pending_objects:0\r\n",
               used, used_h, rss, rss_h, peak, peak_h,
               peak ? 100.0 * (double)used / (double)peak : 0, overhead, dataset,
               used ? 100.0 * (double)dataset / (double)used : 0, total_sys, sys_h, maxmemory,
               max_h, policy, used ? (double)rss / (double)used : 0, rss - used, aof_buffer_bytes(),
               clients_mem, aof_buffer_bytes(), zmalloc_allocator_name());
}

static void info_persistence(struct buf *b)
{
    buf_printf(b,
               "# Persistence\r\n"
               "loading:%d\r\n"
               "async_loading:0\r\n"
               "rdb_changes_since_last_save:%lld\r\n"
               "rdb_bgsave_in_progress:0\r\n"
               "rdb_last_save_time:%" PRId64 "\r\n"
               "rdb_last_bgsave_status:ok\r\n"
               "rdb_last_bgsave_time_sec:-1\r\n"
               "rdb_current_bgsave_time_sec:-1\r\n"
               "rdb_saves:0\r\n",
               server.loading ? 1 : 0, server.dirty, server.start_time_ms / 1000);
    /* The AOF fields belong to the AOF module (src/aof.c). */
    if (server.info_persistence) {
        server.info_persistence(b);
    } else {
        buf_printf(b,
                   "aof_enabled:%d\r\n"
                   "aof_rewrite_in_progress:0\r\n"
                   "aof_rewrite_scheduled:0\r\n"
                   "aof_last_rewrite_time_sec:-1\r\n"
                   "aof_current_rewrite_time_sec:-1\r\n"
                   "aof_last_bgrewrite_status:ok\r\n"
                   "aof_rewrites:0\r\n"
                   "aof_last_write_status:ok\r\n",
                   server.cfg && server.cfg->aof_enabled ? 1 : 0);
    }
}

static void info_stats(struct buf *b)
{
    buf_printf(b,
               "# Stats\r\n"
               "total_connections_received:%lld\r\n"
               "total_commands_processed:%lld\r\n"
               "instantaneous_ops_per_sec:%lld\r\n"
               "total_net_input_bytes:%lld\r\n"
               "total_net_output_bytes:%lld\r\n"
               "total_net_repl_input_bytes:0\r\n"
               "total_net_repl_output_bytes:0\r\n"
               "instantaneous_input_kbps:0.00\r\n"
               "instantaneous_output_kbps:0.00\r\n"
               "rejected_connections:%lld\r\n"
               "sync_full:0\r\n"
               "sync_partial_ok:0\r\n"
               "sync_partial_err:0\r\n"
               "expired_keys:%lld\r\n"
               "expired_stale_perc:0.00\r\n"
               "expired_time_cap_reached_count:0\r\n"
               "evicted_keys:%lld\r\n"
               "evicted_clients:0\r\n"
               "keyspace_hits:%lld\r\n"
               "keyspace_misses:%lld\r\n"
               "pubsub_channels:%lld\r\n"
               "pubsub_patterns:%lld\r\n"
               "pubsubshard_channels:%lld\r\n"
               "latest_fork_usec:0\r\n"
               "total_forks:0\r\n"
               "migrate_cached_sockets:0\r\n"
               "unexpected_error_replies:%lld\r\n"
               "total_error_replies:%lld\r\n"
               "total_reads_processed:%lld\r\n"
               "total_writes_processed:%lld\r\n"
               "client_output_buffer_limit_disconnections:%lld\r\n",
               server.stat_numconnections, server.stat_numcommands, server.ops_per_sec,
               server.stat_net_input_bytes, server.stat_net_output_bytes, server.stat_rejected_conn,
               server.stat_expiredkeys, server.stat_evictedkeys, server.stat_keyspace_hits,
               server.stat_keyspace_misses, pubsub_count(PUBSUB_CHANNEL),
               pubsub_count(PUBSUB_PATTERN), pubsub_count(PUBSUB_SHARD),
               server.stat_unexpected_error_replies, server.stat_total_error_replies,
               server.stat_io_reads, server.stat_io_writes,
               server.stat_client_obuf_limit_disconnections);
}

static void info_replication(struct buf *b)
{
    buf_printf(b,
               "# Replication\r\n"
               "role:master\r\n"
               "connected_slaves:0\r\n"
               "master_failover_state:no-failover\r\n"
               "master_replid:%s\r\n"
               "master_replid2:0000000000000000000000000000000000000000\r\n"
               "master_repl_offset:0\r\n"
               "second_repl_offset:-1\r\n"
               "repl_backlog_active:0\r\n"
               "repl_backlog_size:1048576\r\n"
               "repl_backlog_first_byte_offset:0\r\n"
               "repl_backlog_histlen:0\r\n",
               server.run_id);
}

static void info_cpu(struct buf *b)
{
    struct rusage self, children, thread;
    memset(&self, 0, sizeof(self));
    memset(&children, 0, sizeof(children));
    memset(&thread, 0, sizeof(thread));
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &children);
    getrusage(RUSAGE_THREAD, &thread);
    buf_printf(b,
               "# CPU\r\n"
               "used_cpu_sys:%ld.%06ld\r\n"
               "used_cpu_user:%ld.%06ld\r\n"
               "used_cpu_sys_children:%ld.%06ld\r\n"
               "used_cpu_user_children:%ld.%06ld\r\n"
               "used_cpu_sys_main_thread:%ld.%06ld\r\n"
               "used_cpu_user_main_thread:%ld.%06ld\r\n",
               (long)self.ru_stime.tv_sec, (long)self.ru_stime.tv_usec, (long)self.ru_utime.tv_sec,
               (long)self.ru_utime.tv_usec, (long)children.ru_stime.tv_sec,
               (long)children.ru_stime.tv_usec, (long)children.ru_utime.tv_sec,
               (long)children.ru_utime.tv_usec, (long)thread.ru_stime.tv_sec,
               (long)thread.ru_stime.tv_usec, (long)thread.ru_utime.tv_sec,
               (long)thread.ru_utime.tv_usec);
}

static void info_modules(struct buf *b)
{
    buf_append_str(b, "# Modules\r\n");
}

static void cmdstat_line(struct buf *b, const struct command *parent, const struct command *cmd)
{
    if (!cmd->calls && !cmd->failed_calls && !cmd->rejected_calls)
        return;
    char name[128];
    full_name(name, sizeof(name), parent, cmd);
    buf_printf(b,
               "cmdstat_%s:calls=%lld,usec=%lld,usec_per_call=%.2f,rejected_calls=%lld,"
               "failed_calls=%lld\r\n",
               name, cmd->calls, cmd->usec,
               cmd->calls ? (double)cmd->usec / (double)cmd->calls : 0.0, cmd->rejected_calls,
               cmd->failed_calls);
}

static void cmdstat_each(struct command *cmd, void *ud)
{
    struct buf *b = ud;
    cmdstat_line(b, NULL, cmd);
    if (cmd->subcommands)
        for (const struct command *sub = cmd->subcommands; sub->name; sub++)
            cmdstat_line(b, cmd, sub);
}

static void info_commandstats(struct buf *b)
{
    buf_append_str(b, "# Commandstats\r\n");
    command_foreach(cmdstat_each, b);
}

static int cmp_entry_key(const void *x, const void *y)
{
    const struct dict_entry *a = *(const struct dict_entry *const *)x;
    const struct dict_entry *e = *(const struct dict_entry *const *)y;
    size_t n = a->klen < e->klen ? a->klen : e->klen;
    int r = memcmp(a->key, e->key, n);
    return r ? r : (a->klen > e->klen) - (a->klen < e->klen);
}

static void info_errorstats(struct buf *b)
{
    buf_append_str(b, "# Errorstats\r\n");
    if (!server.errorstats)
        return;
    size_t n = dict_size(server.errorstats);
    if (n == 0)
        return;
    /* Sorted, as Redis's rax iteration prints them. */
    struct dict_entry **v = xcalloc(n, sizeof(*v));
    size_t k = 0;
    struct dict_iter it;
    struct dict_entry *e;
    dict_iter_init(&it, server.errorstats);
    while ((e = dict_next(&it)) && k < n)
        v[k++] = e;
    dict_iter_release(&it);
    qsort(v, k, sizeof(*v), cmp_entry_key);
    for (size_t i = 0; i < k; i++)
        buf_printf(b, "errorstat_%.*s:count=%lld\r\n", (int)v[i]->klen, v[i]->key,
                   (long long)(intptr_t)v[i]->val);
    free(v);
}

static void info_cluster(struct buf *b)
{
    buf_append_str(b, "# Cluster\r\ncluster_enabled:0\r\n");
}

static void info_keyspace(struct buf *b)
{
    buf_append_str(b, "# Keyspace\r\n");
    for (int i = 0; i < server.ndbs; i++) {
        const struct db *db = server.dbs[i];
        size_t keys = db_size(db);
        if (keys == 0)
            continue;
        buf_printf(b, "db%d:keys=%zu,expires=%zu,avg_ttl=%lld\r\n", i, keys, db_expires_size(db),
                   db->avg_ttl);
    }
}

static void info_raft(struct buf *b)
{
    buf_printf(b, "# Raft\r\n");
    if (server.info_raft)
        server.info_raft(b);
    else
        buf_printf(b, "raft_enabled:0\r\n");
}

static const struct info_section {
    const char *name;
    void (*fn)(struct buf *b);
    int in_default; /* part of INFO / INFO default */
} info_sections[] = {
    /* Redis 7's order; "default" leaves out commandstats (and latencystats,
     * which we do not keep). */
    {"server", info_server, 1},
    {"clients", info_clients, 1},
    {"memory", info_memory, 1},
    {"persistence", info_persistence, 1},
    {"stats", info_stats, 1},
    {"replication", info_replication, 1},
    {"cpu", info_cpu, 1},
    {"modules", info_modules, 1},
    {"commandstats", info_commandstats, 0},
    {"errorstats", info_errorstats, 1},
    {"cluster", info_cluster, 1},
    {"keyspace", info_keyspace, 1},
    {"raft", info_raft, 0}, /* INFO raft, INFO all */
};

static void info_cmd(struct client *c)
{
    int want[ARRAY_SIZE(info_sections)] = {0};
    if (c->argc == 1) {
        for (size_t s = 0; s < ARRAY_SIZE(info_sections); s++)
            want[s] = info_sections[s].in_default;
    }
    for (int i = 1; i < c->argc; i++) {
        int all = arg_is(c, i, "all") || arg_is(c, i, "everything");
        int dflt = arg_is(c, i, "default");
        for (size_t s = 0; s < ARRAY_SIZE(info_sections); s++)
            if (all || (dflt && info_sections[s].in_default) || arg_is(c, i, info_sections[s].name))
                want[s] = 1;
    }
    struct buf b = BUF_INIT;
    int emitted = 0;
    for (size_t s = 0; s < ARRAY_SIZE(info_sections); s++) {
        if (!want[s])
            continue;
        if (emitted++)
            buf_append_str(&b, "\r\n");
        info_sections[s].fn(&b);
    }
    reply_verbatim(c, b.data ? b.data : "", b.len);
    buf_free(&b);
}

/* ------------------------------------------------------------------------
 * CONFIG */

struct kv {
    char *name, *value;
};

struct kv_list {
    struct kv *v;
    size_t n, cap;
    const char *only; /* if set, keep only this exact name (case-insensitive) */
};

static void kv_collect(void *ud, const char *name, const char *value)
{
    struct kv_list *l = ud;
    if (l->only && strcasecmp(l->only, name) != 0)
        return;
    /* CONFIG GET with several patterns lists each name once (Redis 7). */
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i].name, name) == 0)
            return;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
    }
    l->v[l->n].name = xstrdup(name);
    l->v[l->n].value = xstrdup(value ? value : "");
    l->n++;
}

static void kv_free(struct kv_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].name);
        free(l->v[i].value);
    }
    free(l->v);
    memset(l, 0, sizeof(*l));
}

static void config_cmd(struct client *c)
{
    container_dispatch(c, command_lookup("config", 6));
}

static void config_get_cmd(struct client *c)
{
    struct kv_list l = {0};
    for (int i = 2; i < c->argc; i++) {
        char *pat = arg_dup(c, i);
        if (!pat) {
            kv_free(&l);
            reply_error(c, "ERR out of memory");
            return;
        }
        config_get(server.cfg, pat, kv_collect, &l);
        free(pat);
    }
    reply_map(c, (long long)l.n);
    for (size_t i = 0; i < l.n; i++) {
        reply_bulk_cstr(c, l.v[i].name);
        reply_bulk_cstr(c, l.v[i].value);
    }
    kv_free(&l);
}

/* Formats a failure of the on_config_set hook as CONFIG SET reports one. */
static void config_hook_error(char *out, size_t size, const char *name, const char *err)
{
    if (strncmp(err, "ERR ", 4) == 0)
        snprintf(out, size, "%s", err);
    else
        snprintf(out, size, "ERR CONFIG SET failed (possibly related to argument '%s') - %s", name,
                 err[0] ? err : "the server could not apply it");
}

/* CONFIG SET name value [name value ...]: all or nothing, as Redis 7.  The
 * old values are read first; if any pair fails (validation by config_set,
 * or the server's hook refusing it), the pairs already applied are put
 * back in reverse order. */
static void config_set_cmd(struct client *c)
{
    if ((c->argc - 2) % 2 != 0) {
        reply_error_syntax(c);
        return;
    }
    int npairs = (c->argc - 2) / 2;
    char **names = calloc((size_t)npairs, sizeof(*names));
    char **values = calloc((size_t)npairs, sizeof(*values));
    char **olds = calloc((size_t)npairs, sizeof(*olds));
    char err[512], msg[640];
    int applied = 0, failed = 0;
    if (!names || !values || !olds) {
        reply_error(c, "ERR out of memory");
        goto cleanup;
    }
    for (int i = 0; i < npairs; i++) {
        names[i] = arg_dup(c, 2 + 2 * i);
        values[i] = arg_dup(c, 3 + 2 * i);
        if (!names[i] || !values[i]) {
            reply_error(c, "ERR out of memory");
            goto cleanup;
        }
    }
    /* Validation before anything changes: duplicates and unknown names. */
    for (int i = 0; i < npairs; i++) {
        for (int j = 0; j < i; j++) {
            if (strcasecmp(names[i], names[j]) == 0) {
                reply_errorf(c,
                             "ERR CONFIG SET failed (possibly related to argument '%s') - "
                             "duplicate parameter",
                             names[i]);
                goto cleanup;
            }
        }
        struct kv_list l = {.only = names[i]};
        /* A name with glob characters is not a config name: config_set will
         * refuse it below, and no pattern must widen the lookup. */
        if (!strpbrk(names[i], "*?[\\"))
            config_get(server.cfg, names[i], kv_collect, &l);
        if (l.n == 1) {
            olds[i] = l.v[0].value;
            l.v[0].value = NULL;
        }
        kv_free(&l);
        if (!olds[i]) {
            /* Not readable, so not a known option: let config_set produce
             * Redis's exact "Unknown option" text; nothing is applied yet. */
            if (config_set(server.cfg, names[i], values[i], err, sizeof(err)) < 0) {
                reply_error(c, err);
                goto cleanup;
            }
            /* Settable but not readable: applied, cannot be rolled back. */
        }
    }
    for (applied = 0; applied < npairs; applied++) {
        int i = applied;
        if (olds[i] && config_set(server.cfg, names[i], values[i], err, sizeof(err)) < 0) {
            snprintf(msg, sizeof(msg), "%s", err);
            failed = 1;
            break;
        }
        if (server.on_config_set) {
            err[0] = '\0';
            if (server.on_config_set(names[i], err, sizeof(err)) < 0) {
                config_hook_error(msg, sizeof(msg), names[i], err);
                /* This pair was set: it must be restored too. */
                applied++;
                failed = 1;
                break;
            }
        }
    }
    if (failed) {
        for (int i = applied - 1; i >= 0; i--) {
            if (!olds[i])
                continue;
            if (config_set(server.cfg, names[i], olds[i], err, sizeof(err)) < 0) {
                log_warning("CONFIG SET: could not restore '%s' to '%s': %s", names[i], olds[i],
                            err);
                continue;
            }
            if (server.on_config_set && server.on_config_set(names[i], err, sizeof(err)) < 0)
                log_warning("CONFIG SET: could not re-apply restored '%s': %s", names[i], err);
        }
        reply_error(c, msg);
        goto cleanup;
    }
    reply_ok(c);
cleanup:
    /* maxmemory-policy and the LFU parameters live in the evict module. */
    evict_config_changed();
    for (int i = 0; i < npairs; i++) {
        if (names)
            free(names[i]);
        if (values)
            free(values[i]);
        if (olds)
            free(olds[i]);
    }
    free(names);
    free(values);
    free(olds);
}

static void reset_cmd_stats(struct command *cmd, void *ud)
{
    (void)ud;
    cmd->calls = cmd->usec = cmd->rejected_calls = cmd->failed_calls = 0;
    if (cmd->subcommands)
        for (struct command *sub = cmd->subcommands; sub->name; sub++)
            sub->calls = sub->usec = sub->rejected_calls = sub->failed_calls = 0;
}

static void config_resetstat_cmd(struct client *c)
{
    server_reset_stats();
    command_foreach(reset_cmd_stats, NULL);
    reply_ok(c);
}

static void config_rewrite_cmd(struct client *c)
{
    if (!server.cfg || !server.cfg->config_file || !server.cfg->config_file[0]) {
        reply_error(c, "ERR The server is running without a config file");
        return;
    }
    /* The YAML file is the operator's: comments and layout would not
     * survive a rewrite, so we refuse rather than mangle it. */
    reply_error(c, "ERR Rewriting config file: not supported, raftcache does not rewrite its "
                   "YAML configuration file (edit it by hand)");
}

static const char *const config_help[] = {
    "GET <pattern>",
    "    Return parameters matching the glob-like <pattern> and their values.",
    "SET <directive> <value>",
    "    Set the configuration <directive> to <value>.",
    "RESETSTAT",
    "    Reset statistics reported by the INFO command.",
    "REWRITE",
    "    Not supported: the YAML configuration file is not rewritten.",
    NULL,
};

static void config_help_cmd(struct client *c)
{
    reply_help(c, "CONFIG", config_help);
}

/* ------------------------------------------------------------------------
 * COMMAND */

/* ACL categories, derived from the flags and group (we have no ACLs, but
 * COMMAND INFO and COMMAND LIST FILTERBY ACLCAT show them). */
static int acl_categories(const struct command *cmd, const char **out, int max)
{
    int n = 0;
#define ADD(s)                                                                                     \
    do {                                                                                           \
        if (n < max)                                                                               \
            out[n++] = (s);                                                                        \
    } while (0)
    if (cmd->flags & CMD_KEYSPACE_ALL)
        ADD("@keyspace");
    if (cmd->flags & CMD_WRITE)
        ADD("@write");
    if (cmd->flags & CMD_READONLY)
        ADD("@read");
    if (cmd->group) {
        if (strcmp(cmd->group, "string") == 0)
            ADD("@string");
        else if (strcmp(cmd->group, "hash") == 0)
            ADD("@hash");
        else if (strcmp(cmd->group, "list") == 0)
            ADD("@list");
        else if (strcmp(cmd->group, "set") == 0)
            ADD("@set");
        else if (strcmp(cmd->group, "sorted_set") == 0)
            ADD("@sortedset");
        else if (strcmp(cmd->group, "generic") == 0 && !(cmd->flags & CMD_KEYSPACE_ALL))
            ADD("@keyspace");
        else if (strcmp(cmd->group, "connection") == 0)
            ADD("@connection");
    }
    if (cmd->flags & CMD_ADMIN)
        ADD("@admin");
    if (cmd->flags & CMD_PUBSUB)
        ADD("@pubsub");
    ADD((cmd->flags & CMD_FAST) ? "@fast" : "@slow");
    if (cmd->flags & (CMD_ADMIN | CMD_KEYSPACE_ALL))
        ADD("@dangerous");
    /* Redis lists @transaction after @fast / @slow (its category order) */
    if (cmd->group && strcmp(cmd->group, "transactions") == 0)
        ADD("@transaction");
#undef ADD
    return n;
}

static int has_keys(const struct command *cmd)
{
    return cmd->first_key > 0;
}

static void reply_command_info(struct client *c, const struct command *parent,
                               const struct command *cmd)
{
    char name[128];
    full_name(name, sizeof(name), parent, cmd);
    reply_array(c, 10);
    reply_bulk_cstr(c, name);
    reply_int(c, cmd->arity);

    const char *flags[32];
    int nf = command_flag_names(cmd->flags, flags, 32);
    reply_set(c, nf);
    for (int i = 0; i < nf; i++)
        reply_simple(c, flags[i]);

    reply_int(c, cmd->first_key);
    reply_int(c, cmd->last_key);
    reply_int(c, cmd->key_step);

    const char *cats[16];
    int nc = acl_categories(cmd, cats, 16);
    reply_set(c, nc);
    for (int i = 0; i < nc; i++)
        reply_simple(c, cats[i]);

    reply_set(c, 0); /* tips */

    /* One key spec from first/last/step (Redis 7's "range" form). */
    if (has_keys(cmd)) {
        reply_set(c, 1);
        reply_map(c, 3);
        reply_bulk_cstr(c, "flags");
        reply_set(c, 2);
        if (cmd->flags & CMD_WRITE) {
            reply_simple(c, "RW");
            reply_simple(c, "update");
        } else {
            reply_simple(c, "RO");
            reply_simple(c, "access");
        }
        reply_bulk_cstr(c, "begin_search");
        reply_map(c, 2);
        reply_bulk_cstr(c, "type");
        reply_bulk_cstr(c, "index");
        reply_bulk_cstr(c, "spec");
        reply_map(c, 1);
        reply_bulk_cstr(c, "index");
        reply_int(c, cmd->first_key);
        reply_bulk_cstr(c, "find_keys");
        reply_map(c, 2);
        reply_bulk_cstr(c, "type");
        reply_bulk_cstr(c, "range");
        reply_bulk_cstr(c, "spec");
        reply_map(c, 3);
        reply_bulk_cstr(c, "lastkey");
        reply_int(c, cmd->last_key < 0 ? cmd->last_key : cmd->last_key - cmd->first_key);
        reply_bulk_cstr(c, "keystep");
        reply_int(c, cmd->key_step);
        reply_bulk_cstr(c, "limit");
        reply_int(c, 0);
    } else {
        reply_set(c, 0);
    }

    if (!cmd->subcommands) {
        reply_set(c, 0);
        return;
    }
    int ns = 0;
    for (const struct command *sub = cmd->subcommands; sub->name; sub++)
        ns++;
    reply_array(c, ns);
    for (const struct command *sub = cmd->subcommands; sub->name; sub++)
        reply_command_info(c, cmd, sub);
}

static void reply_arg_doc(struct client *c, const struct argspec *a, int keyspec)
{
    int is_key = strcmp(a->type, "key") == 0 && keyspec;
    int nflags = a->optional + a->multiple + a->multiple_token;
    reply_map(c, 2 + is_key + (a->token != NULL) + (nflags > 0) + (a->nargs > 0));
    reply_bulk_cstr(c, "name");
    reply_bulk_cstr(c, a->name);
    reply_bulk_cstr(c, "type");
    reply_bulk_cstr(c, a->type);
    if (is_key) {
        reply_bulk_cstr(c, "key_spec_index");
        reply_int(c, 0);
    }
    if (a->token) {
        reply_bulk_cstr(c, "token");
        reply_bulk_cstr(c, a->token);
    }
    if (nflags) {
        /* redis-cli asserts these are status strings. */
        reply_bulk_cstr(c, "flags");
        reply_set(c, nflags);
        if (a->optional)
            reply_simple(c, "optional");
        if (a->multiple)
            reply_simple(c, "multiple");
        if (a->multiple_token)
            reply_simple(c, "multiple_token");
    }
    if (a->nargs) {
        reply_bulk_cstr(c, "arguments");
        reply_array(c, a->nargs);
        for (int i = 0; i < a->nargs; i++)
            reply_arg_doc(c, a->args[i], keyspec);
    }
}

/* The value of one COMMAND DOCS entry (a map). */
static void reply_command_docs(struct client *c, const struct command *cmd)
{
    struct argspec *root = NULL;
    char err[256];
    if (cmd->args && cmd->args[0] && argspec_parse(cmd->args, &root, err, sizeof(err)) < 0) {
        /* The unit test walks every spec, so this is a build that skipped
         * it: document the command without its arguments. */
        log_warning("bad args spec of '%s': %s", cmd->name, err);
        root = NULL;
    }
    if (root && root->nargs == 0) {
        argspec_free(root);
        root = NULL;
    }
    int nsub = 0;
    if (cmd->subcommands)
        for (const struct command *sub = cmd->subcommands; sub->name; sub++)
            nsub++;
    int n = (cmd->summary != NULL) + (cmd->since != NULL) + (cmd->group != NULL) +
            (cmd->complexity != NULL) + (root != NULL) + (nsub > 0);
    reply_map(c, n);
    if (cmd->summary) {
        reply_bulk_cstr(c, "summary");
        reply_bulk_cstr(c, cmd->summary);
    }
    if (cmd->since) {
        reply_bulk_cstr(c, "since");
        reply_bulk_cstr(c, cmd->since);
    }
    if (cmd->group) {
        reply_bulk_cstr(c, "group");
        reply_bulk_cstr(c, cmd->group);
    }
    if (cmd->complexity) {
        reply_bulk_cstr(c, "complexity");
        reply_bulk_cstr(c, cmd->complexity);
    }
    if (root) {
        reply_bulk_cstr(c, "arguments");
        reply_array(c, root->nargs);
        for (int i = 0; i < root->nargs; i++)
            reply_arg_doc(c, root->args[i], has_keys(cmd));
        argspec_free(root);
    }
    if (nsub > 0) {
        reply_bulk_cstr(c, "subcommands");
        reply_map(c, nsub);
        for (const struct command *sub = cmd->subcommands; sub->name; sub++) {
            char name[128];
            full_name(name, sizeof(name), cmd, sub);
            reply_bulk_cstr(c, name);
            reply_command_docs(c, sub);
        }
    }
}

/* Finds "name" or "container|sub" (COMMAND INFO / DOCS accept both). */
static struct command *lookup_full(const char *p, size_t len, struct command **parent)
{
    const char *bar = memchr(p, '|', len);
    *parent = NULL;
    if (!bar)
        return command_lookup(p, len);
    struct command *container = command_lookup(p, (size_t)(bar - p));
    if (!container || !container->subcommands)
        return NULL;
    const char *sub = bar + 1;
    size_t slen = len - (size_t)(sub - p);
    if (memchr(sub, '|', slen))
        return NULL;
    *parent = container;
    return command_lookup_sub(container, sub, slen);
}

struct counter {
    int n;
};

static void count_each(struct command *cmd, void *ud)
{
    (void)cmd;
    ((struct counter *)ud)->n++;
}

static void info_each(struct command *cmd, void *ud)
{
    reply_command_info(ud, NULL, cmd);
}

static void command_cmd(struct client *c)
{
    if (c->argc >= 2) {
        container_dispatch(c, command_lookup("command", 7));
        return;
    }
    struct counter k = {0};
    command_foreach(count_each, &k);
    reply_array(c, k.n);
    command_foreach(info_each, c);
}

static void command_count_cmd(struct client *c)
{
    struct counter k = {0};
    command_foreach(count_each, &k);
    reply_int(c, k.n);
}

static void command_info_cmd(struct client *c)
{
    if (c->argc == 2) {
        /* COMMAND INFO without names is COMMAND. */
        struct counter k = {0};
        command_foreach(count_each, &k);
        reply_array(c, k.n);
        command_foreach(info_each, c);
        return;
    }
    reply_array(c, c->argc - 2);
    for (int i = 2; i < c->argc; i++) {
        struct command *parent;
        struct command *cmd = lookup_full(c->argv[i].ptr, c->argv[i].len, &parent);
        if (cmd)
            reply_command_info(c, parent, cmd);
        else
            reply_null(c);
    }
}

static void docs_each(struct command *cmd, void *ud)
{
    struct client *c = ud;
    reply_bulk_cstr(c, cmd->name);
    reply_command_docs(c, cmd);
}

static void command_docs_cmd(struct client *c)
{
    if (c->argc == 2) {
        struct counter k = {0};
        command_foreach(count_each, &k);
        reply_map(c, k.n);
        command_foreach(docs_each, c);
        return;
    }
    /* Unknown names are left out, so count the known ones first. */
    int found = 0;
    for (int i = 2; i < c->argc; i++) {
        struct command *parent;
        if (lookup_full(c->argv[i].ptr, c->argv[i].len, &parent))
            found++;
    }
    reply_map(c, found);
    for (int i = 2; i < c->argc; i++) {
        struct command *parent;
        struct command *cmd = lookup_full(c->argv[i].ptr, c->argv[i].len, &parent);
        if (!cmd)
            continue;
        char name[128];
        full_name(name, sizeof(name), parent, cmd);
        reply_bulk_cstr(c, name);
        reply_command_docs(c, cmd);
    }
}

enum list_filter { LIST_ALL, LIST_MODULE, LIST_ACLCAT, LIST_PATTERN };

struct list_ctx {
    int filter;
    const char *arg;
    size_t arglen;
    struct buf names; /* NUL-separated names that passed */
    int n;
};

static int list_match(struct list_ctx *l, const struct command *cmd, const char *name)
{
    switch (l->filter) {
    case LIST_MODULE:
        return 0; /* no modules */
    case LIST_ACLCAT: {
        const char *cats[16];
        int nc = acl_categories(cmd, cats, 16);
        for (int i = 0; i < nc; i++)
            if (eq_nocase(l->arg, l->arglen, cats[i] + 1))
                return 1;
        return 0;
    }
    case LIST_PATTERN:
        return glob_match(l->arg, l->arglen, name, strlen(name), 1);
    default:
        return 1;
    }
}

static void list_one(struct list_ctx *l, const struct command *parent, const struct command *cmd)
{
    char name[128];
    full_name(name, sizeof(name), parent, cmd);
    if (!list_match(l, cmd, name))
        return;
    buf_append(&l->names, name, strlen(name) + 1);
    l->n++;
}

static void list_each(struct command *cmd, void *ud)
{
    struct list_ctx *l = ud;
    list_one(l, NULL, cmd);
    if (cmd->subcommands)
        for (const struct command *sub = cmd->subcommands; sub->name; sub++)
            list_one(l, cmd, sub);
}

static void command_list_cmd(struct client *c)
{
    struct list_ctx l = {.filter = LIST_ALL};
    if (c->argc == 5 && arg_is(c, 2, "filterby")) {
        if (arg_is(c, 3, "module"))
            l.filter = LIST_MODULE;
        else if (arg_is(c, 3, "aclcat"))
            l.filter = LIST_ACLCAT;
        else if (arg_is(c, 3, "pattern"))
            l.filter = LIST_PATTERN;
        else {
            reply_error_syntax(c);
            return;
        }
        l.arg = c->argv[4].ptr;
        l.arglen = c->argv[4].len;
    } else if (c->argc != 2) {
        reply_error_syntax(c);
        return;
    }
    command_foreach(list_each, &l);
    reply_array(c, l.n);
    for (size_t off = 0; off < l.names.len;) {
        size_t len = strlen(l.names.data + off);
        reply_bulk(c, l.names.data + off, len);
        off += len + 1;
    }
    buf_free(&l.names);
}

static void command_getkeys_cmd(struct client *c)
{
    struct command *cmd = command_lookup(c->argv[2].ptr, c->argv[2].len);
    int argc = c->argc - 2; /* the full command's argc */
    if (cmd && cmd->subcommands && argc >= 2)
        cmd = command_lookup_sub(cmd, c->argv[3].ptr, c->argv[3].len);
    /* Redis's order of checks: known, has keys, then arity. */
    if (!cmd) {
        reply_error(c, "ERR Invalid command specified");
        return;
    }
    if (!has_keys(cmd)) {
        reply_error(c, "ERR The command has no key arguments");
        return;
    }
    if ((cmd->arity > 0 && cmd->arity != argc) || argc < -cmd->arity) {
        reply_error(c, "ERR Invalid number of arguments specified for command");
        return;
    }
    int last = cmd->last_key < 0 ? argc + cmd->last_key : cmd->last_key;
    if (last >= argc)
        last = argc - 1;
    int step = cmd->key_step > 0 ? cmd->key_step : 1;
    int n = 0;
    for (int i = cmd->first_key; i <= last; i += step)
        n++;
    reply_array(c, n);
    for (int i = cmd->first_key; i <= last; i += step)
        reply_bulk(c, c->argv[2 + i].ptr, c->argv[2 + i].len);
}

static const char *const command_help[] = {
    "(no subcommand)",
    "    Return details about all Redis commands.",
    "COUNT",
    "    Return the total number of commands in this Redis server.",
    "LIST",
    "    Return a list of all commands in this Redis server.",
    "INFO [<command-name> ...]",
    "    Return details about multiple Redis commands.",
    "    If no command names are given, documentation details for all",
    "    commands are returned.",
    "DOCS [<command-name> ...]",
    "    Return documentation details about multiple Redis commands.",
    "    If no command names are given, documentation details for all",
    "    commands are returned.",
    "GETKEYS <full-command>",
    "    Return the keys from a full Redis command.",
    NULL,
};

static void command_help_cmd(struct client *c)
{
    reply_help(c, "COMMAND", command_help);
}

/* ------------------------------------------------------------------------
 * The table. */

#define ADMIN_FLAGS (CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE)

static struct command config_subcommands[] = {
    {.name = "config|get",
     .proc = config_get_cmd,
     .arity = -3,
     .flags = ADMIN_FLAGS,
     .group = "server",
     .since = "2.0.0",
     .summary = "Get the values of configuration parameters",
     .complexity = "O(N) when N is the number of configuration parameters provided",
     .args = "parameter:string..."},
    {.name = "config|set",
     .proc = config_set_cmd,
     .arity = -4,
     .flags = ADMIN_FLAGS,
     .group = "server",
     .since = "2.0.0",
     .summary = "Set configuration parameters to the given values",
     .complexity = "O(N) when N is the number of configuration parameters provided",
     .args = "(parameter:string value:string)..."},
    {.name = "config|resetstat",
     .proc = config_resetstat_cmd,
     .arity = 2,
     .flags = ADMIN_FLAGS,
     .group = "server",
     .since = "2.0.0",
     .summary = "Reset the stats returned by INFO",
     .complexity = "O(1)"},
    {.name = "config|rewrite",
     .proc = config_rewrite_cmd,
     .arity = 2,
     .flags = ADMIN_FLAGS,
     .group = "server",
     .since = "2.8.0",
     .summary = "Rewrite the configuration file with the in memory configuration (not supported)",
     .complexity = "O(1)"},
    {.name = "config|help",
     .proc = config_help_cmd,
     .arity = 2,
     .flags = CMD_LOADING | CMD_STALE,
     .group = "server",
     .since = "5.0.0",
     .summary = "Show helpful text about the different subcommands",
     .complexity = "O(1)"},
    {.name = NULL},
};

static struct command command_subcommands[] = {
    {.name = "command|count",
     .proc = command_count_cmd,
     .arity = 2,
     .flags = CMD_LOADING | CMD_STALE,
     .group = "server",
     .since = "2.8.13",
     .summary = "Get total number of Redis commands",
     .complexity = "O(1)"},
    {.name = "command|docs",
     .proc = command_docs_cmd,
     .arity = -2,
     .flags = CMD_LOADING | CMD_STALE,
     .group = "server",
     .since = "7.0.0",
     .summary = "Get array of specific Redis command documentation",
     .complexity = "O(N) where N is the number of commands to look up",
     .args = "[command-name:string...]"},
    {.name = "command|getkeys",
     .proc = command_getkeys_cmd,
     .arity = -4,
     .flags = CMD_LOADING | CMD_STALE,
     .group = "server",
     .since = "2.8.13",
     .summary = "Extract keys given a full Redis command",
     .complexity = "O(N) where N is the number of arguments to the command",
     .args = "command:string arg:string..."},
    {.name = "command|help",
     .proc = command_help_cmd,
     .arity = 2,
     .flags = CMD_LOADING | CMD_STALE,
     .group = "server",
     .since = "5.0.0",
     .summary = "Show helpful text about the different subcommands",
     .complexity = "O(1)"},
    {.name = "command|info",
     .proc = command_info_cmd,
     .arity = -2,
     .flags = CMD_LOADING | CMD_STALE,
     .group = "server",
     .since = "2.8.13",
     .summary = "Get array of specific Redis command details, or all when no argument is given.",
     .complexity = "O(N) where N is the number of commands to look up",
     .args = "[command-name:string...]"},
    {.name = "command|list",
     .proc = command_list_cmd,
     .arity = -2,
     .flags = CMD_LOADING | CMD_STALE,
     .group = "server",
     .since = "7.0.0",
     .summary = "Get an array of Redis command names",
     .complexity = "O(N) where N is the total number of Redis commands",
     .args = "[FILTERBY (MODULE module-name:string|ACLCAT category:string|PATTERN "
             "pattern:pattern)]"},
    {.name = NULL},
};

static struct command object_subcommands[] = {
    {.name = "object|encoding",
     .proc = object_encoding_cmd,
     .arity = 3,
     .flags = CMD_READONLY,
     .first_key = 2,
     .last_key = 2,
     .key_step = 1,
     .group = "generic",
     .since = "2.2.3",
     .summary = "Inspect the internal encoding of a Redis object",
     .complexity = "O(1)",
     .args = "key:key"},
    {.name = "object|freq",
     .proc = object_freq_cmd,
     .arity = 3,
     .flags = CMD_READONLY,
     .first_key = 2,
     .last_key = 2,
     .key_step = 1,
     .group = "generic",
     .since = "4.0.0",
     .summary = "Get the logarithmic access frequency counter of a Redis object",
     .complexity = "O(1)",
     .args = "key:key"},
    {.name = "object|help",
     .proc = object_help_cmd,
     .arity = 2,
     .flags = CMD_LOADING | CMD_STALE,
     .group = "generic",
     .since = "6.2.0",
     .summary = "Show helpful text about the different subcommands",
     .complexity = "O(1)"},
    {.name = "object|idletime",
     .proc = object_idletime_cmd,
     .arity = 3,
     .flags = CMD_READONLY,
     .first_key = 2,
     .last_key = 2,
     .key_step = 1,
     .group = "generic",
     .since = "2.2.3",
     .summary = "Get the time since a Redis object was last accessed",
     .complexity = "O(1)",
     .args = "key:key"},
    {.name = "object|refcount",
     .proc = object_refcount_cmd,
     .arity = 3,
     .flags = CMD_READONLY,
     .first_key = 2,
     .last_key = 2,
     .key_step = 1,
     .group = "generic",
     .since = "2.2.3",
     .summary = "Get the number of references to the value of the key",
     .complexity = "O(1)",
     .args = "key:key"},
    {.name = NULL},
};

static struct command memory_subcommands[] = {
    {.name = "memory|doctor",
     .proc = memory_doctor_cmd,
     .arity = 2,
     .flags = 0,
     .group = "server",
     .since = "4.0.0",
     .summary = "Outputs memory problems report",
     .complexity = "O(1)"},
    {.name = "memory|help",
     .proc = memory_help_cmd,
     .arity = 2,
     .flags = CMD_LOADING | CMD_STALE,
     .group = "server",
     .since = "4.0.0",
     .summary = "Show helpful text about the different subcommands",
     .complexity = "O(1)"},
    {.name = "memory|purge",
     .proc = memory_purge_cmd,
     .arity = 2,
     .flags = 0,
     .group = "server",
     .since = "4.0.0",
     .summary = "Ask the allocator to release memory",
     .complexity = "Depends on how much memory is allocated, could be slow"},
    {.name = "memory|stats",
     .proc = memory_stats_cmd,
     .arity = 2,
     .flags = 0,
     .group = "server",
     .since = "4.0.0",
     .summary = "Show memory usage details",
     .complexity = "O(1)"},
    {.name = "memory|usage",
     .proc = memory_usage_cmd,
     .arity = -3,
     .flags = CMD_READONLY,
     .first_key = 2,
     .last_key = 2,
     .key_step = 1,
     .group = "server",
     .since = "4.0.0",
     .summary = "Estimate the memory usage of a key",
     .complexity = "O(N) where N is the number of samples.",
     .args = "key:key [SAMPLES count:integer]"},
    {.name = NULL},
};

struct command server_commands[] = {
    {.name = "command",
     .proc = command_cmd,
     .arity = -1,
     .flags = CMD_LOADING | CMD_STALE,
     .group = "server",
     .since = "2.8.13",
     .summary = "Get array of Redis command details",
     .complexity = "O(N) where N is the total number of Redis commands",
     .subcommands = command_subcommands},
    {.name = "config",
     .proc = config_cmd,
     .arity = -2,
     .flags = 0,
     .group = "server",
     .since = "2.0.0",
     .summary = "A container for server configuration commands",
     .complexity = "Depends on subcommand.",
     .subcommands = config_subcommands},
    {.name = "dbsize",
     .proc = dbsize_cmd,
     .arity = 1,
     .flags = CMD_READONLY | CMD_FAST,
     .group = "server",
     .since = "1.0.0",
     .summary = "Return the number of keys in the selected database",
     .complexity = "O(1)"},
    {.name = "debug",
     .proc = debug_cmd,
     .arity = -2,
     .flags = ADMIN_FLAGS,
     .group = "server",
     .since = "1.0.0",
     .summary = "A container for debugging commands",
     .complexity = "Depends on subcommand.",
     .args = "subcommand:string [argument:string...]"},
    {.name = "flushall",
     .proc = flushall_cmd,
     .arity = -1,
     .flags = CMD_WRITE | CMD_KEYSPACE_ALL,
     .group = "server",
     .since = "1.0.0",
     .summary = "Remove all keys from all databases",
     .complexity = "O(N) where N is the total number of keys in all databases",
     .args = "[ASYNC|SYNC]"},
    {.name = "flushdb",
     .proc = flushdb_cmd,
     .arity = -1,
     .flags = CMD_WRITE | CMD_KEYSPACE_ALL,
     .group = "server",
     .since = "1.0.0",
     .summary = "Remove all keys from the current database",
     .complexity = "O(N) where N is the number of keys in the selected database",
     .args = "[ASYNC|SYNC]"},
    {.name = "info",
     .proc = info_cmd,
     .arity = -1,
     .flags = CMD_LOADING | CMD_STALE,
     .group = "server",
     .since = "1.0.0",
     .summary = "Get information and statistics about the server",
     .complexity = "O(1)",
     .args = "[section:string...]"},
    {.name = "lastsave",
     .proc = lastsave_cmd,
     .arity = 1,
     .flags = CMD_LOADING | CMD_STALE | CMD_FAST,
     .group = "server",
     .since = "1.0.0",
     .summary = "Get the UNIX time stamp of the last successful save to disk",
     .complexity = "O(1)"},
    {.name = "memory",
     .proc = memory_cmd,
     .arity = -2,
     .flags = 0,
     .group = "server",
     .since = "4.0.0",
     .summary = "A container for memory diagnostics commands",
     .complexity = "Depends on subcommand.",
     .subcommands = memory_subcommands},
    {.name = "object",
     .proc = object_cmd,
     .arity = -2,
     .flags = 0,
     .group = "generic",
     .since = "2.2.3",
     .summary = "A container for object introspection commands",
     .complexity = "Depends on subcommand.",
     .subcommands = object_subcommands},
    {.name = "shutdown",
     .proc = shutdown_cmd,
     .arity = -1,
     .flags = ADMIN_FLAGS,
     .group = "server",
     .since = "1.0.0",
     .summary = "Synchronously save the dataset to disk and then shut down the server",
     .complexity = "O(N) when saving, where N is the total number of keys in all databases",
     .args = "[NOSAVE|SAVE] [NOW] [FORCE] [ABORT]"},
    {.name = "time",
     .proc = time_cmd,
     .arity = 1,
     .flags = CMD_LOADING | CMD_STALE | CMD_FAST,
     .group = "server",
     .since = "2.6.0",
     .summary = "Return the current server time",
     .complexity = "O(1)"},
    {.name = NULL},
};
