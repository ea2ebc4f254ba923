/* commands/connection: the connection group: PING ECHO QUIT HELLO AUTH
 * SELECT RESET and the CLIENT container (ID INFO LIST KILL SETNAME GETNAME
 * SETINFO NO-EVICT HELP).
 *
 * Authentication: there is one user, "default", whose password is
 * server.cfg->requirepass ("" = no password: any password is accepted, as
 * Redis's "nopass").  The executor refuses commands without the no_auth
 * flag (CMD_NOAUTH) before AUTH; these handlers only set c->authenticated.
 *
 * Version: HELLO reports server "redis" (clients such as redis-py check
 * it) and version RC_REDIS_COMPAT_VERSION, the Redis release whose
 * behaviour we follow, so clients enable exactly the features we have.
 *
 * Closing: QUIT and killing yourself set CLIENT_CLOSE_AFTER_REPLY (the
 * reply is flushed first); CLIENT KILL of another client sets
 * CLIENT_CLOSE_ASAP and puts it on the pending-write list (server.on_reply)
 * so net.c closes it before the loop sleeps, without writing to it. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "command.h"
#include "multi.h"
#include "pubsub.h"
#include "reply.h"
#include "server_state.h"
#include "util/buf.h"
#include "util/util.h"

#ifndef RC_REDIS_COMPAT_VERSION
#define RC_REDIS_COMPAT_VERSION "7.0.15"
#endif

/* ---- helpers ---- */

static int arg_eq(const struct resp_arg *a, const char *s)
{
    size_t n = strlen(s);
    return a->len == n && memcmp(a->ptr, s, n) == 0;
}

/* Short printable form of an argument for error messages. */
static int err_len(const struct resp_arg *a)
{
    return (int)(a->len > 128 ? 128 : a->len);
}

static const char *requirepass(void)
{
    return server.cfg && server.cfg->requirepass ? server.cfg->requirepass : "";
}

/* Compares in time that depends only on the lengths, so the password
 * cannot be guessed byte by byte from response times. */
static int secret_equal(const char *a, size_t alen, const char *b, size_t blen)
{
    unsigned diff = (unsigned)(alen != blen);
    size_t n = alen > blen ? alen : blen;
    for (size_t i = 0; i < n; i++) {
        unsigned char x = i < alen ? (unsigned char)a[i] : 0;
        unsigned char y = i < blen ? (unsigned char)b[i] : 0;
        diff |= (unsigned)(x ^ y);
    }
    return diff == 0;
}

/* Checks user/password against the one user; on success authenticates c.
 * Usernames are case-sensitive, as Redis's ACL users. */
static int try_auth(struct client *c, const struct resp_arg *user, const struct resp_arg *pass)
{
    const char *req = requirepass();
    if (!arg_eq(user, "default"))
        return -1;
    if (req[0] && !secret_equal(pass->ptr, pass->len, req, strlen(req)))
        return -1;
    c->authenticated = 1;
    return 0;
}

static void reply_wrongpass(struct client *c)
{
    reply_error(c, "WRONGPASS invalid username-password pair or user is disabled.");
}

/* Client names and attributes go on one CLIENT LIST line: printable ASCII
 * without spaces only. */
static int valid_client_attr(const struct resp_arg *a)
{
    for (size_t i = 0; i < a->len; i++)
        if (a->ptr[i] < '!' || a->ptr[i] > '~')
            return 0;
    return 1;
}

/* Sets *slot to a copy of a (NULL if a is empty).  Returns 0, or -1 on
 * out-of-memory (a client-sized allocation) with *slot untouched. */
static int set_attr(char **slot, const struct resp_arg *a)
{
    char *v = NULL;
    if (a->len) {
        v = malloc(a->len + 1);
        if (!v)
            return -1;
        memcpy(v, a->ptr, a->len);
        v[a->len] = '\0';
    }
    free(*slot);
    *slot = v;
    return 0;
}

/* CLIENT SETNAME / HELLO SETNAME.  Replies with the error and returns -1
 * if the name is refused. */
static int set_name_or_reply(struct client *c, const struct resp_arg *name)
{
    if (!valid_client_attr(name)) {
        reply_error(c, "ERR Client names cannot contain spaces, newlines or special characters.");
        return -1;
    }
    if (set_attr(&c->name, name) != 0) {
        reply_error(c, "ERR out of memory");
        return -1;
    }
    return 0;
}

/* ---- PING ECHO QUIT ---- */

static void ping_command(struct client *c)
{
    /* arity -1 lets PING take an optional message; more is an arity error */
    if (c->argc > 2) {
        reply_error_arity(c, "ping");
        return;
    }
    /* RESP2 subscribed mode: a reply shaped as the messages around it */
    if ((c->flags & CLIENT_PUBSUB) && c->resp == 2) {
        reply_array(c, 2);
        reply_bulk(c, "pong", 4);
        if (c->argc == 1)
            reply_bulk(c, "", 0);
        else
            reply_bulk(c, c->argv[1].ptr, c->argv[1].len);
        return;
    }
    if (c->argc == 1)
        reply_simple(c, "PONG");
    else
        reply_bulk(c, c->argv[1].ptr, c->argv[1].len);
}

static void echo_command(struct client *c)
{
    reply_bulk(c, c->argv[1].ptr, c->argv[1].len);
}

static void quit_command(struct client *c)
{
    reply_ok(c);
    c->flags |= CLIENT_CLOSE_AFTER_REPLY;
}

/* ---- AUTH HELLO SELECT RESET ---- */

static void auth_command(struct client *c)
{
    static const struct resp_arg default_user = {"default", 7};
    const struct resp_arg *user, *pass;

    if (c->argc > 3) {
        reply_error_syntax(c);
        return;
    }
    if (c->argc == 2) {
        /* The old one-argument form is an error when there is no password,
         * which catches a client configured for a server that has one. */
        if (!requirepass()[0]) {
            reply_error(c, "ERR AUTH <password> called without any password configured for "
                           "the default user. Are you sure your configuration is correct?");
            return;
        }
        user = &default_user;
        pass = &c->argv[1];
    } else {
        user = &c->argv[1];
        pass = &c->argv[2];
    }
    if (try_auth(c, user, pass) != 0) {
        reply_wrongpass(c);
        return;
    }
    reply_ok(c);
}

static void hello_command(struct client *c)
{
    long long ver = 0;
    const struct resp_arg *user = NULL, *pass = NULL, *name = NULL;

    if (c->argc >= 2) {
        if (str_to_ll(c->argv[1].ptr, c->argv[1].len, &ver) != 0) {
            reply_error(c, "ERR Protocol version is not an integer or out of range");
            return;
        }
        if (ver < 2 || ver > 3) {
            reply_error(c, "NOPROTO unsupported protocol version");
            return;
        }
    }
    for (int i = 2; i < c->argc; i++) {
        int more = c->argc - 1 - i;
        const struct resp_arg *opt = &c->argv[i];
        if (cmd_arg_is(opt, "auth") && more >= 2) {
            user = &c->argv[i + 1];
            pass = &c->argv[i + 2];
            i += 2;
        } else if (cmd_arg_is(opt, "setname") && more >= 1) {
            name = &c->argv[i + 1];
            i++;
        } else {
            reply_errorf(c, "ERR Syntax error in HELLO option '%.*s'", err_len(opt), opt->ptr);
            return;
        }
    }

    if (user && try_auth(c, user, pass) != 0) {
        reply_wrongpass(c);
        return;
    }
    if (!c->authenticated) {
        reply_error(c, "NOAUTH HELLO must be called with the client already authenticated, "
                       "otherwise the HELLO AUTH <user> <pass> option can be used to "
                       "authenticate the client and select the RESP protocol version at the "
                       "same time");
        return;
    }
    if (name && set_name_or_reply(c, name) != 0)
        return;

    /* The new protocol applies to this very reply. */
    if (ver)
        c->resp = (int)ver;
    reply_map(c, 7);
    reply_bulk_cstr(c, "server");
    reply_bulk_cstr(c, "redis");
    reply_bulk_cstr(c, "version");
    reply_bulk_cstr(c, RC_REDIS_COMPAT_VERSION);
    reply_bulk_cstr(c, "proto");
    reply_int(c, c->resp);
    reply_bulk_cstr(c, "id");
    reply_int(c, (long long)c->id);
    reply_bulk_cstr(c, "mode");
    reply_bulk_cstr(c, "standalone");
    reply_bulk_cstr(c, "role");
    reply_bulk_cstr(c, "master");
    reply_bulk_cstr(c, "modules");
    reply_array(c, 0);
}

static void select_command(struct client *c)
{
    long long idx;
    if (str_to_ll(c->argv[1].ptr, c->argv[1].len, &idx) != 0 || idx < INT_MIN || idx > INT_MAX) {
        reply_error_not_int(c);
        return;
    }
    if (client_select_db(c, (int)idx) != 0) {
        reply_error(c, "ERR DB index is out of range");
        return;
    }
    reply_ok(c);
}

/* RESET: back to the state of a new connection (RESP2, db 0, no name, not
 * authenticated if a password is required, no subscriptions). */
static void reset_command(struct client *c)
{
    multi_reset(c); /* discards a transaction, forgets the watched keys */
    pubsub_client_reset(c);
    c->resp = 2;
    client_select_db(c, 0);
    free(c->name);
    c->name = NULL;
    c->authenticated = requirepass()[0] == '\0';
    reply_simple(c, "RESET");
}

/* ---- CLIENT ---- */

/* Appends one CLIENT LIST line for cl (without the newline).  `self` is the
 * client running the command: its current command is shown, as Redis. */
static void client_info_line(struct buf *b, const struct client *cl, const struct client *self)
{
    int64_t now = server.cmd_now_ms;
    long long age = (now - cl->ctime_ms) / 1000;
    long long idle = (now - cl->last_io_ms) / 1000;
    if (age < 0)
        age = 0;
    if (idle < 0)
        idle = 0;

    char flags[16];
    int nf = 0;
    if (cl->flags & CLIENT_BLOCKED_KEYS)
        flags[nf++] = 'b';
    if (cl->flags & CLIENT_MULTI)
        flags[nf++] = 'x';
    if (cl->flags & CLIENT_DIRTY_CAS)
        flags[nf++] = 'd';
    if (cl->flags & CLIENT_PUBSUB)
        flags[nf++] = 'P';
    if (cl->flags & CLIENT_CLOSE_AFTER_REPLY)
        flags[nf++] = 'c';
    if (cl->flags & CLIENT_CLOSE_ASAP)
        flags[nf++] = 'A';
    if (cl->flags & CLIENT_UNIX_SOCKET)
        flags[nf++] = 'U';
    if (nf == 0)
        flags[nf++] = 'N';
    flags[nf] = '\0';

    /* argv points into the query buffer only while a command runs */
    size_t argv_mem = 0;
    if (cl == self || (cl->flags & CLIENT_IN_EXEC))
        for (int i = 0; i < cl->argc; i++)
            argv_mem += cl->argv[i].len;

    const struct command *cmd = (cl == self && cl->cmd) ? cl->cmd : cl->lastcmd;
    size_t pending = client_pending_reply(cl);
    size_t qbuf = cl->query.len - cl->qpos;
    size_t qfree = cl->query.cap - cl->query.len;
    size_t tot = sizeof(*cl) + cl->query.cap + cl->reply.cap + cl->prop.cap +
                 (size_t)cl->parser.argv_cap * sizeof(struct resp_arg) +
                 (cl->name ? strlen(cl->name) + 1 : 0);

    char events[3];
    int ne = 0;
    if (!(cl->flags & CLIENT_READ_PAUSED))
        events[ne++] = 'r';
    if (cl != self && pending > 0)
        events[ne++] = 'w';
    events[ne] = '\0';

    /* Field order and names are Redis 7.0's (rbs/rbp included), then
     * lib-name/lib-ver as Redis 7.2 adds them. */
    buf_printf(
        b,
        "id=%llu addr=%s laddr=%s fd=%d name=%s age=%lld idle=%lld flags=%s db=%d "
        "sub=%lld psub=%lld ssub=%lld multi=-1 qbuf=%zu qbuf-free=%zu argv-mem=%zu multi-mem=0 "
        "rbs=%zu rbp=%zu obl=%zu oll=0 omem=0 tot-mem=%zu events=%s cmd=%s "
        "user=default redir=-1 resp=%d lib-name=%s lib-ver=%s",
        (unsigned long long)cl->id, cl->addr, cl->laddr, cl->fd, cl->name ? cl->name : "", age,
        idle, flags, cl->db_index, pubsub_client_count(cl, PUBSUB_CHANNEL),
        pubsub_client_count(cl, PUBSUB_PATTERN), pubsub_client_count(cl, PUBSUB_SHARD), qbuf, qfree,
        argv_mem, cl->reply.cap, cl->reply.cap, pending, tot, events, cmd ? cmd->name : "NULL",
        cl->resp, cl->lib_name ? cl->lib_name : "", cl->lib_ver ? cl->lib_ver : "");
}

/* Oldest client: the server list is pushed at the head, and CLIENT LIST
 * shows clients oldest first, as Redis does. */
static struct client *oldest_client(void)
{
    struct client *cl = server.clients;
    while (cl && cl->next)
        cl = cl->next;
    return cl;
}

static struct client *find_client(long long id)
{
    for (struct client *cl = server.clients; cl; cl = cl->next)
        if ((long long)cl->id == id)
            return cl;
    return NULL;
}

/* Client types for TYPE filters: a client with subscriptions is "pubsub"
 * (in RESP3 too, as Redis), any other "normal"; there are no masters or
 * replicas.  CT_ANY is "no filter". */
enum { CT_NONE = 0, CT_NORMAL = 1, CT_PUBSUB = 2, CT_ANY = 3 };

/* Returns the CT_ value of a TYPE argument, -1 if unknown. */
static int client_type_matches(const struct resp_arg *t)
{
    if (cmd_arg_is(t, "normal"))
        return CT_NORMAL;
    if (cmd_arg_is(t, "pubsub"))
        return CT_PUBSUB;
    if (cmd_arg_is(t, "master") || cmd_arg_is(t, "slave") || cmd_arg_is(t, "replica"))
        return CT_NONE;
    return -1;
}

static int client_has_type(const struct client *cl, int type)
{
    if (type == CT_ANY)
        return 1;
    if (type == CT_PUBSUB)
        return (cl->flags & CLIENT_PUBSUB) != 0;
    if (type == CT_NORMAL)
        return !(cl->flags & CLIENT_PUBSUB);
    return 0;
}

static void reply_unknown_type(struct client *c, const struct resp_arg *t)
{
    reply_errorf(c, "ERR Unknown client type '%.*s'", err_len(t), t->ptr);
}

static void client_id_command(struct client *c)
{
    reply_int(c, (long long)c->id);
}

static void client_info_command(struct client *c)
{
    struct buf b = BUF_INIT;
    client_info_line(&b, c, c);
    buf_append_char(&b, '\n');
    reply_verbatim(c, b.data, b.len);
    buf_free(&b);
}

static void client_list_command(struct client *c)
{
    struct buf b = BUF_INIT;

    if (c->argc == 4 && cmd_arg_is(&c->argv[2], "type")) {
        int m = client_type_matches(&c->argv[3]);
        if (m < 0) {
            reply_unknown_type(c, &c->argv[3]);
            return;
        }
        for (struct client *cl = oldest_client(); cl; cl = cl->prev) {
            if (!client_has_type(cl, m))
                continue;
            client_info_line(&b, cl, c);
            buf_append_char(&b, '\n');
        }
    } else if (c->argc > 3 && cmd_arg_is(&c->argv[2], "id")) {
        /* Check every id before building any output. */
        for (int i = 3; i < c->argc; i++) {
            long long id;
            if (str_to_ll(c->argv[i].ptr, c->argv[i].len, &id) != 0) {
                reply_error(c, "ERR Invalid client ID");
                return;
            }
        }
        for (int i = 3; i < c->argc; i++) {
            long long id;
            str_to_ll(c->argv[i].ptr, c->argv[i].len, &id);
            struct client *cl = find_client(id);
            if (cl) {
                client_info_line(&b, cl, c);
                buf_append_char(&b, '\n');
            }
        }
    } else if (c->argc != 2) {
        reply_error_syntax(c);
        return;
    } else {
        for (struct client *cl = oldest_client(); cl; cl = cl->prev) {
            client_info_line(&b, cl, c);
            buf_append_char(&b, '\n');
        }
    }
    reply_verbatim(c, b.data ? b.data : "", b.len);
    buf_free(&b);
}

static void client_kill_command(struct client *c)
{
    const struct resp_arg *addr = NULL, *laddr = NULL;
    long long id = 0;
    int type = CT_ANY; /* TYPE filter */
    int skipme = 1;
    int old_form = c->argc == 3;

    if (old_form) {
        /* CLIENT KILL addr: the old form may kill the caller. */
        addr = &c->argv[2];
        skipme = 0;
    } else {
        for (int i = 2; i < c->argc; i += 2) {
            const struct resp_arg *opt = &c->argv[i];
            if (i + 1 >= c->argc) {
                reply_error_syntax(c);
                return;
            }
            const struct resp_arg *val = &c->argv[i + 1];
            if (cmd_arg_is(opt, "id")) {
                if (str_to_ll(val->ptr, val->len, &id) != 0 || id < 1) {
                    reply_error(c, "ERR client-id should be greater than 0");
                    return;
                }
            } else if (cmd_arg_is(opt, "type")) {
                int m = client_type_matches(val);
                if (m < 0) {
                    reply_unknown_type(c, val);
                    return;
                }
                type = m;
            } else if (cmd_arg_is(opt, "addr")) {
                addr = val;
            } else if (cmd_arg_is(opt, "laddr")) {
                laddr = val;
            } else if (cmd_arg_is(opt, "user")) {
                if (!arg_eq(val, "default")) {
                    reply_errorf(c, "ERR No such user '%.*s'", err_len(val), val->ptr);
                    return;
                }
            } else if (cmd_arg_is(opt, "skipme")) {
                if (cmd_arg_is(val, "yes")) {
                    skipme = 1;
                } else if (cmd_arg_is(val, "no")) {
                    skipme = 0;
                } else {
                    reply_error_syntax(c);
                    return;
                }
            } else {
                reply_error_syntax(c);
                return;
            }
        }
    }

    long long killed = 0;
    int kill_self = 0;
    for (struct client *cl = server.clients; cl; cl = cl->next) {
        if (!client_has_type(cl, type))
            continue;
        if (addr && !arg_eq(addr, cl->addr))
            continue;
        if (laddr && !arg_eq(laddr, cl->laddr))
            continue;
        if (id != 0 && (long long)cl->id != id)
            continue;
        if (cl == c && skipme)
            continue;
        if (cl == c) {
            kill_self = 1;
        } else if (!(cl->flags & CLIENT_CLOSE_ASAP)) {
            cl->flags |= CLIENT_CLOSE_ASAP;
            /* Gone for PUBLISH and PUBSUB at once, as Redis frees it here */
            pubsub_client_reset(cl);
            /* Get it closed before the loop sleeps, not at the next cron. */
            if (!(cl->flags & CLIENT_PENDING_WRITE) && server.on_reply)
                server.on_reply(cl);
        }
        killed++;
    }

    if (old_form) {
        if (killed == 0)
            reply_error(c, "ERR No such client");
        else
            reply_ok(c);
    } else {
        reply_int(c, killed);
    }
    /* After the reply: it is flushed before the connection closes. */
    if (kill_self)
        c->flags |= CLIENT_CLOSE_AFTER_REPLY;
}

static void client_setname_command(struct client *c)
{
    if (set_name_or_reply(c, &c->argv[2]) == 0)
        reply_ok(c);
}

static void client_getname_command(struct client *c)
{
    if (c->name)
        reply_bulk_cstr(c, c->name);
    else
        reply_null(c);
}

/* CLIENT SETINFO LIB-NAME|LIB-VER value (Redis 7.2; redis-py 5 sends it on
 * connect and ignores an error, but an OK keeps its log quiet). */
static void client_setinfo_command(struct client *c)
{
    const struct resp_arg *attr = &c->argv[2], *val = &c->argv[3];
    char **slot;
    if (cmd_arg_is(attr, "lib-name")) {
        slot = &c->lib_name;
    } else if (cmd_arg_is(attr, "lib-ver")) {
        slot = &c->lib_ver;
    } else {
        reply_errorf(c, "ERR Unrecognized option '%.*s'", err_len(attr), attr->ptr);
        return;
    }
    if (!valid_client_attr(val)) {
        reply_errorf(c, "ERR %.*s cannot contain spaces, newlines or special characters.",
                     err_len(attr), attr->ptr);
        return;
    }
    if (set_attr(slot, val) != 0) {
        reply_error(c, "ERR out of memory");
        return;
    }
    reply_ok(c);
}

/* CLIENT NO-EVICT ON|OFF: accepted for compatibility; there is no client
 * eviction to exempt a client from. */
static void client_no_evict_command(struct client *c)
{
    if (cmd_arg_is(&c->argv[2], "on") || cmd_arg_is(&c->argv[2], "off"))
        reply_ok(c);
    else
        reply_error_syntax(c);
}

static void client_help_command(struct client *c)
{
    static const char *const lines[] = {
        "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GETNAME",
        "    Return the name of the current connection.",
        "ID",
        "    Return the ID of the current connection.",
        "INFO",
        "    Return information about the current client connection.",
        "KILL <ip:port>",
        "    Kill connection made from <ip:port>.",
        "KILL <option> <value> [<option> <value> [...]]",
        "    Kill connections. Options are:",
        "    * ADDR (<ip:port>|<unixsocket>:0)",
        "      Kill connections made from the specified address",
        "    * LADDR (<ip:port>|<unixsocket>:0)",
        "      Kill connections made to specified local address",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "      Kill connections by type.",
        "    * USER <username>",
        "      Kill connections authenticated by <username>.",
        "    * SKIPME (YES|NO)",
        "      Skip killing current connection (default: yes).",
        "    * ID <client-id>",
        "      Kill connections by client id.",
        "LIST [options ...]",
        "    Return information about client connections. Options:",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "      Return clients of specified type.",
        "    * ID <client-id> [<client-id> ...]",
        "      Return clients of specified IDs only.",
        "NO-EVICT (ON|OFF)",
        "    Accepted for compatibility; clients are never evicted.",
        "SETNAME <name>",
        "    Assign the name <name> to the current connection.",
        "SETINFO <LIB-NAME|LIB-VER> <value>",
        "    Set the client library name or version shown by CLIENT LIST.",
        "HELP",
        "    Print this help.",
    };
    reply_array(c, (long long)ARRAY_SIZE(lines));
    for (size_t i = 0; i < ARRAY_SIZE(lines); i++)
        reply_simple(c, lines[i]);
}

#define CLIENT_FLAGS (CMD_NOSCRIPT | CMD_LOADING | CMD_STALE)

static struct command client_subcommands[] = {
    {.name = "client|id",
     .proc = client_id_command,
     .arity = 2,
     .flags = CLIENT_FLAGS,
     .group = "connection",
     .since = "5.0.0",
     .summary = "Returns the client ID for the current connection",
     .complexity = "O(1)"},
    {.name = "client|info",
     .proc = client_info_command,
     .arity = 2,
     .flags = CLIENT_FLAGS,
     .group = "connection",
     .since = "6.2.0",
     .summary = "Returns information about the current client connection.",
     .complexity = "O(1)"},
    {.name = "client|list",
     .proc = client_list_command,
     .arity = -2,
     .flags = CLIENT_FLAGS | CMD_ADMIN,
     .group = "connection",
     .since = "2.4.0",
     .summary = "Get the list of client connections",
     .complexity = "O(N) where N is the number of client connections",
     .args = "[TYPE (NORMAL|MASTER|REPLICA|PUBSUB)] [ID client-id:integer...]"},
    {.name = "client|kill",
     .proc = client_kill_command,
     .arity = -3,
     .flags = CLIENT_FLAGS | CMD_ADMIN,
     .group = "connection",
     .since = "2.4.0",
     .summary = "Kill the connection of a client",
     .complexity = "O(N) where N is the number of client connections",
     .args = "(old-format:string|(ID client-id:integer|TYPE (NORMAL|MASTER|SLAVE|REPLICA|PUBSUB)"
             "|USER username:string|ADDR addr:string|LADDR laddr:string|SKIPME (YES|NO))...)"},
    {.name = "client|setname",
     .proc = client_setname_command,
     .arity = 3,
     .flags = CLIENT_FLAGS,
     .group = "connection",
     .since = "2.6.9",
     .summary = "Set the current connection name",
     .complexity = "O(1)",
     .args = "connection-name:string"},
    {.name = "client|getname",
     .proc = client_getname_command,
     .arity = 2,
     .flags = CLIENT_FLAGS,
     .group = "connection",
     .since = "2.6.9",
     .summary = "Get the current connection name",
     .complexity = "O(1)"},
    {.name = "client|setinfo",
     .proc = client_setinfo_command,
     .arity = 4,
     .flags = CLIENT_FLAGS,
     .group = "connection",
     .since = "7.2.0",
     .summary = "Set client or connection specific info",
     .complexity = "O(1)",
     .args = "(LIB-NAME libname:string|LIB-VER libver:string)"},
    {.name = "client|no-evict",
     .proc = client_no_evict_command,
     .arity = 3,
     .flags = CLIENT_FLAGS | CMD_ADMIN,
     .group = "connection",
     .since = "7.0.0",
     .summary = "Set client eviction mode for the current connection",
     .complexity = "O(1)",
     .args = "(ON|OFF)"},
    {.name = "client|help",
     .proc = client_help_command,
     .arity = 2,
     .flags = CMD_LOADING | CMD_STALE,
     .group = "connection",
     .since = "5.0.0",
     .summary = "Show helpful text about the different subcommands",
     .complexity = "O(1)"},
    {.name = NULL},
};

#define CONN_FLAGS (CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_NOAUTH)

struct command connection_commands[] = {
    {.name = "ping",
     .proc = ping_command,
     .arity = -1,
     .flags = CMD_FAST,
     .group = "connection",
     .since = "1.0.0",
     .summary = "Ping the server",
     .complexity = "O(1)",
     .args = "[message:string]"},
    {.name = "echo",
     .proc = echo_command,
     .arity = 2,
     .flags = CMD_LOADING | CMD_STALE | CMD_FAST,
     .group = "connection",
     .since = "1.0.0",
     .summary = "Echo the given string",
     .complexity = "O(1)",
     .args = "message:string"},
    {.name = "quit",
     .proc = quit_command,
     .arity = -1,
     .flags = CONN_FLAGS,
     .group = "connection",
     .since = "1.0.0",
     .summary = "Close the connection",
     .complexity = "O(1)"},
    {.name = "hello",
     .proc = hello_command,
     .arity = -1,
     .flags = CONN_FLAGS,
     .group = "connection",
     .since = "6.0.0",
     .summary = "Handshake with Redis",
     .complexity = "O(1)",
     .args = "[protover:integer [AUTH username:string password:string] "
             "[SETNAME clientname:string]]"},
    {.name = "auth",
     .proc = auth_command,
     .arity = -2,
     .flags = CONN_FLAGS,
     .group = "connection",
     .since = "1.0.0",
     .summary = "Authenticate to the server",
     .complexity = "O(N) where N is the number of passwords defined for the user",
     .args = "[username:string] password:string"},
    {.name = "select",
     .proc = select_command,
     .arity = 2,
     .flags = CMD_LOADING | CMD_STALE | CMD_FAST,
     .group = "connection",
     .since = "1.0.0",
     .summary = "Change the selected database for the current connection",
     .complexity = "O(1)",
     .args = "index:integer"},
    {.name = "reset",
     .proc = reset_command,
     .arity = 1,
     .flags = CONN_FLAGS,
     .group = "connection",
     .since = "6.2.0",
     .summary = "Reset the connection",
     .complexity = "O(1)"},
    {.name = "client",
     .proc = NULL,
     .arity = -2,
     .flags = 0,
     .group = "connection",
     .since = "2.4.0",
     .summary = "A container for client connection commands",
     .complexity = "Depends on subcommand.",
     .subcommands = client_subcommands},
    {.name = NULL},
};
