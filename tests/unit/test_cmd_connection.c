/* Unit tests of commands/connection.c through the fake-client harness. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cmdtest.h"
#include "command.h"
#include "db.h"
#include "object.h"
#include "server_state.h"

#define NOW 1700000000000LL

static struct client *c;

static int setup(void **state)
{
    (void)state;
    cmdtest_setup();
    cmdtest_set_time(NOW);
    c = cmdtest_client();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    cmdtest_teardown();
    return 0;
}

/* Sets requirepass; clients created afterwards start unauthenticated. */
static void set_requirepass(const char *pass)
{
    free(server.cfg->requirepass);
    server.cfg->requirepass = strdup(pass);
}

#define RUN(cl, ...) cmdtest_run(cl, __VA_ARGS__, NULL)

/* Returns the value of field `name` in a CLIENT LIST line (static buffer). */
static const char *field(const char *line, const char *name)
{
    static char val[256];
    char pat[64];
    snprintf(pat, sizeof(pat), " %s=", name);
    const char *p = NULL;
    if (strncmp(line, pat + 1, strlen(pat + 1)) == 0)
        p = line + strlen(pat + 1);
    else if ((p = strstr(line, pat)) != NULL)
        p += strlen(pat);
    if (!p)
        return NULL;
    size_t n = strcspn(p, " \n");
    snprintf(val, sizeof(val), "%.*s", (int)n, p);
    return val;
}

/* Strips the bulk header of a RESP2 bulk reply; returns a static copy. */
static const char *bulk_body(const char *r)
{
    static char body[8192];
    assert_int_equal(r[0], '$');
    const char *p = strstr(r, "\r\n");
    assert_non_null(p);
    long n = strtol(r + 1, NULL, 10);
    assert_true(n >= 0 && n < (long)sizeof(body));
    memcpy(body, p + 2, (size_t)n);
    body[n] = '\0';
    assert_string_equal(p + 2 + n, "\r\n");
    return body;
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        if (*s == '\n')
            n++;
    return n;
}

/* ---- PING ECHO QUIT ---- */

static void test_ping_echo(void **state)
{
    (void)state;
    assert_string_equal(RUN(c, "PING"), "+PONG\r\n");
    assert_string_equal(RUN(c, "ping", "hello world"), "$11\r\nhello world\r\n");
    assert_string_equal(RUN(c, "PING", "a", "b"),
                        "-ERR wrong number of arguments for 'ping' command\r\n");
    assert_string_equal(RUN(c, "ECHO", "x"), "$1\r\nx\r\n");
    assert_string_equal(RUN(c, "ECHO", ""), "$0\r\n\r\n");
    assert_string_equal(RUN(c, "ECHO"), "-ERR wrong number of arguments for 'echo' command\r\n");
    assert_string_equal(cmdtest_propagated(), "");
}

static void test_quit(void **state)
{
    (void)state;
    assert_false(c->flags & CLIENT_CLOSE_AFTER_REPLY);
    assert_string_equal(RUN(c, "QUIT"), "+OK\r\n");
    assert_true(c->flags & CLIENT_CLOSE_AFTER_REPLY);
}

/* ---- AUTH ---- */

static void test_auth_without_password(void **state)
{
    (void)state;
    assert_true(c->authenticated);
    assert_string_equal(RUN(c, "AUTH", "foo"),
                        "-ERR AUTH <password> called without any password configured for the "
                        "default user. Are you sure your configuration is correct?\r\n");
    /* the default user is "nopass": any password works */
    assert_string_equal(RUN(c, "AUTH", "default", "anything"), "+OK\r\n");
    assert_string_equal(RUN(c, "AUTH", "bob", "x"),
                        "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
    assert_string_equal(RUN(c, "AUTH", "a", "b", "c"), "-ERR syntax error\r\n");
    assert_string_equal(RUN(c, "AUTH"), "-ERR wrong number of arguments for 'auth' command\r\n");
}

static void test_auth_with_password(void **state)
{
    (void)state;
    set_requirepass("secret");
    struct client *u = cmdtest_client();
    assert_false(u->authenticated);
    assert_string_equal(RUN(u, "PING"), "-NOAUTH Authentication required.\r\n");
    assert_string_equal(RUN(u, "SELECT", "1"), "-NOAUTH Authentication required.\r\n");
    assert_string_equal(RUN(u, "CLIENT", "ID"), "-NOAUTH Authentication required.\r\n");
    assert_string_equal(RUN(u, "AUTH", "wrong"),
                        "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
    assert_string_equal(RUN(u, "AUTH", "secre"),
                        "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
    assert_string_equal(RUN(u, "AUTH", "secrets"),
                        "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
    assert_string_equal(RUN(u, "AUTH", "DEFAULT", "secret"),
                        "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
    assert_string_equal(RUN(u, "AUTH", ""),
                        "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
    assert_false(u->authenticated);
    assert_string_equal(RUN(u, "AUTH", "secret"), "+OK\r\n");
    assert_true(u->authenticated);
    assert_string_equal(RUN(u, "PING"), "+PONG\r\n");

    struct client *v = cmdtest_client();
    assert_string_equal(RUN(v, "AUTH", "default", "secret"), "+OK\r\n");
    assert_true(v->authenticated);
    /* a failed AUTH does not log out an authenticated client (Redis) */
    assert_string_equal(RUN(v, "AUTH", "nope"),
                        "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
    assert_true(v->authenticated);

    /* QUIT is allowed before AUTH */
    struct client *w = cmdtest_client();
    assert_string_equal(RUN(w, "QUIT"), "+OK\r\n");
}

/* ---- HELLO ---- */

static void expected_hello(char *out, size_t n, int proto, unsigned long long id)
{
    char idbuf[32];
    snprintf(idbuf, sizeof(idbuf), ":%llu\r\n", id);
    snprintf(out, n,
             "%s$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n"
             "$5\r\nproto\r\n:%d\r\n$2\r\nid\r\n%s$4\r\nmode\r\n$10\r\nstandalone\r\n"
             "$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n",
             proto == 3 ? "%7\r\n" : "*14\r\n", proto, idbuf);
}

static void test_hello(void **state)
{
    (void)state;
    char want[512];
    expected_hello(want, sizeof(want), 2, (unsigned long long)c->id);
    assert_string_equal(RUN(c, "HELLO"), want);
    assert_int_equal(c->resp, 2);

    expected_hello(want, sizeof(want), 3, (unsigned long long)c->id);
    assert_string_equal(RUN(c, "HELLO", "3"), want);
    assert_int_equal(c->resp, 3);
    /* RESP3 now: a null is "_" */
    assert_string_equal(RUN(c, "CLIENT", "GETNAME"), "_\r\n");
    /* HELLO without a version keeps the current one */
    assert_string_equal(RUN(c, "HELLO"), want);

    expected_hello(want, sizeof(want), 2, (unsigned long long)c->id);
    assert_string_equal(RUN(c, "HELLO", "2", "SETNAME", "myname"), want);
    assert_int_equal(c->resp, 2);
    assert_string_equal(RUN(c, "CLIENT", "GETNAME"), "$6\r\nmyname\r\n");
}

static void test_hello_errors(void **state)
{
    (void)state;
    assert_string_equal(RUN(c, "HELLO", "4"), "-NOPROTO unsupported protocol version\r\n");
    assert_string_equal(RUN(c, "HELLO", "1"), "-NOPROTO unsupported protocol version\r\n");
    assert_string_equal(RUN(c, "HELLO", "abc"),
                        "-ERR Protocol version is not an integer or out of range\r\n");
    assert_string_equal(RUN(c, "HELLO", "3", "foo"), "-ERR Syntax error in HELLO option 'foo'\r\n");
    assert_string_equal(RUN(c, "HELLO", "3", "AUTH", "a"),
                        "-ERR Syntax error in HELLO option 'AUTH'\r\n");
    assert_string_equal(RUN(c, "HELLO", "3", "SETNAME"),
                        "-ERR Syntax error in HELLO option 'SETNAME'\r\n");
    assert_string_equal(RUN(c, "HELLO", "3", "SETNAME", "a b"),
                        "-ERR Client names cannot contain spaces, newlines or special "
                        "characters.\r\n");
    /* nothing changed on error */
    assert_int_equal(c->resp, 2);
    assert_null(c->name);
}

static void test_hello_auth(void **state)
{
    (void)state;
    set_requirepass("secret");
    struct client *u = cmdtest_client();
    assert_string_equal(RUN(u, "HELLO", "3"),
                        "-NOAUTH HELLO must be called with the client already authenticated, "
                        "otherwise the HELLO AUTH <user> <pass> option can be used to "
                        "authenticate the client and select the RESP protocol version at the "
                        "same time\r\n");
    assert_int_equal(u->resp, 2);
    assert_string_equal(RUN(u, "HELLO", "3", "AUTH", "default", "bad"),
                        "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
    assert_false(u->authenticated);
    char want[512];
    expected_hello(want, sizeof(want), 3, (unsigned long long)u->id);
    assert_string_equal(RUN(u, "HELLO", "3", "auth", "default", "secret", "setname", "n1"), want);
    assert_true(u->authenticated);
    assert_string_equal(u->name, "n1");
}

/* ---- SELECT RESET ---- */

static void test_select(void **state)
{
    (void)state;
    db_set(server.dbs[0], "k", 1, obj_new_string("v", 1), 0);
    assert_string_equal(RUN(c, "SELECT", "1"), "+OK\r\n");
    assert_int_equal(c->db_index, 1);
    assert_ptr_equal(c->db, server.dbs[1]);
    assert_string_equal(RUN(c, "EXISTS", "k"), ":0\r\n");
    assert_string_equal(RUN(c, "SELECT", "15"), "+OK\r\n");
    assert_string_equal(RUN(c, "SELECT", "16"), "-ERR DB index is out of range\r\n");
    assert_string_equal(RUN(c, "SELECT", "-1"), "-ERR DB index is out of range\r\n");
    assert_string_equal(RUN(c, "SELECT", "abc"),
                        "-ERR value is not an integer or out of range\r\n");
    assert_string_equal(RUN(c, "SELECT", "99999999999"),
                        "-ERR value is not an integer or out of range\r\n");
    assert_int_equal(c->db_index, 15);
    assert_string_equal(RUN(c, "SELECT", "0"), "+OK\r\n");
    assert_string_equal(RUN(c, "EXISTS", "k"), ":1\r\n");
    assert_string_equal(cmdtest_propagated(), "");
}

static void test_reset(void **state)
{
    (void)state;
    RUN(c, "HELLO", "3", "SETNAME", "x");
    RUN(c, "SELECT", "3");
    assert_string_equal(RUN(c, "RESET"), "+RESET\r\n");
    assert_int_equal(c->resp, 2);
    assert_int_equal(c->db_index, 0);
    assert_null(c->name);
    assert_true(c->authenticated);

    set_requirepass("pw");
    assert_string_equal(RUN(c, "RESET"), "+RESET\r\n");
    assert_false(c->authenticated);
}

/* ---- CLIENT ---- */

static void test_client_id_name(void **state)
{
    (void)state;
    char want[32];
    snprintf(want, sizeof(want), ":%llu\r\n", (unsigned long long)c->id);
    assert_string_equal(RUN(c, "CLIENT", "ID"), want);
    assert_string_equal(RUN(c, "client", "getname"), "$-1\r\n");
    assert_string_equal(RUN(c, "CLIENT", "SETNAME", "worker-1"), "+OK\r\n");
    assert_string_equal(RUN(c, "CLIENT", "GETNAME"), "$8\r\nworker-1\r\n");
    const char *bad = "-ERR Client names cannot contain spaces, newlines or special "
                      "characters.\r\n";
    assert_string_equal(RUN(c, "CLIENT", "SETNAME", "a b"), bad);
    assert_string_equal(RUN(c, "CLIENT", "SETNAME", "a\nb"), bad);
    assert_string_equal(RUN(c, "CLIENT", "SETNAME", "\x7f"), bad);
    assert_string_equal(RUN(c, "CLIENT", "GETNAME"), "$8\r\nworker-1\r\n");
    /* an empty name clears it */
    assert_string_equal(RUN(c, "CLIENT", "SETNAME", ""), "+OK\r\n");
    assert_string_equal(RUN(c, "CLIENT", "GETNAME"), "$-1\r\n");
    assert_string_equal(RUN(c, "CLIENT", "SETNAME"),
                        "-ERR wrong number of arguments for 'client|setname' command\r\n");
    assert_string_equal(RUN(c, "CLIENT"),
                        "-ERR wrong number of arguments for 'client' command\r\n");
    assert_string_equal(RUN(c, "CLIENT", "foo"),
                        "-ERR unknown subcommand 'foo'. Try CLIENT HELP.\r\n");
}

static void test_client_info(void **state)
{
    (void)state;
    snprintf(c->addr, sizeof(c->addr), "127.0.0.1:40000");
    snprintf(c->laddr, sizeof(c->laddr), "127.0.0.1:6379");
    RUN(c, "CLIENT", "SETNAME", "me");
    RUN(c, "SELECT", "2");
    const char *line = bulk_body(RUN(c, "CLIENT", "INFO"));
    assert_int_equal(count_lines(line), 1);
    assert_int_equal(line[strlen(line) - 1], '\n');
    char id[32];
    snprintf(id, sizeof(id), "%llu", (unsigned long long)c->id);
    assert_string_equal(field(line, "id"), id);
    assert_string_equal(field(line, "addr"), "127.0.0.1:40000");
    assert_string_equal(field(line, "laddr"), "127.0.0.1:6379");
    assert_string_equal(field(line, "fd"), "-1");
    assert_string_equal(field(line, "name"), "me");
    assert_string_equal(field(line, "flags"), "N");
    assert_string_equal(field(line, "db"), "2");
    assert_string_equal(field(line, "multi"), "-1");
    assert_string_equal(field(line, "cmd"), "client|info");
    assert_string_equal(field(line, "user"), "default");
    assert_string_equal(field(line, "redir"), "-1");
    assert_string_equal(field(line, "resp"), "2");
    assert_string_equal(field(line, "events"), "r");
    assert_string_equal(field(line, "argv-mem"), "10"); /* "CLIENT" + "INFO" */
    /* the exact field order of Redis 7.0 */
    const char *order[] = {"id",    "addr",  "laddr",     "fd",       "name",      "age",
                           "idle",  "flags", "db",        "sub",      "psub",      "ssub",
                           "multi", "qbuf",  "qbuf-free", "argv-mem", "multi-mem", "rbs",
                           "rbp",   "obl",   "oll",       "omem",     "tot-mem",   "events",
                           "cmd",   "user",  "redir",     "resp",     "lib-name",  "lib-ver"};
    const char *p = line;
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        char pat[32];
        snprintf(pat, sizeof(pat), "%s%s=", i ? " " : "", order[i]);
        const char *q = strstr(p, pat);
        assert_non_null(q);
        p = q + 1;
    }

    /* RESP3: a verbatim string */
    RUN(c, "HELLO", "3");
    const char *r = RUN(c, "CLIENT", "INFO");
    assert_int_equal(r[0], '=');
    assert_non_null(strstr(r, "\r\ntxt:id="));
}

static void test_client_age_idle(void **state)
{
    (void)state;
    c->ctime_ms = NOW - 65000;
    c->last_io_ms = NOW - 5000;
    const char *line = bulk_body(RUN(c, "CLIENT", "INFO"));
    assert_string_equal(field(line, "age"), "65");
    assert_string_equal(field(line, "idle"), "5");
}

static void test_client_list(void **state)
{
    (void)state;
    struct client *d = cmdtest_client();
    RUN(d, "CLIENT", "SETNAME", "other");
    RUN(d, "PING");
    const char *body = bulk_body(RUN(c, "CLIENT", "LIST"));
    assert_int_equal(count_lines(body), 2);
    /* oldest first */
    char first[32], second[32];
    snprintf(first, sizeof(first), "id=%llu ", (unsigned long long)c->id);
    snprintf(second, sizeof(second), "\nid=%llu ", (unsigned long long)d->id);
    assert_memory_equal(body, first, strlen(first));
    const char *l2 = strstr(body, second);
    assert_non_null(l2);
    assert_string_equal(field(l2 + 1, "name"), "other");
    assert_string_equal(field(l2 + 1, "cmd"), "ping"); /* its last command */
    assert_string_equal(field(l2 + 1, "argv-mem"), "0");

    char idarg[32];
    snprintf(idarg, sizeof(idarg), "%llu", (unsigned long long)d->id);
    body = bulk_body(RUN(c, "CLIENT", "LIST", "ID", idarg, "999999", idarg));
    assert_int_equal(count_lines(body), 2); /* listed as often as named */
    assert_string_equal(field(body, "name"), "other");
    assert_string_equal(RUN(c, "CLIENT", "LIST", "ID", "999999"), "$0\r\n\r\n");
    assert_string_equal(RUN(c, "CLIENT", "LIST", "ID", "abc"), "-ERR Invalid client ID\r\n");

    body = bulk_body(RUN(c, "CLIENT", "LIST", "TYPE", "normal"));
    assert_int_equal(count_lines(body), 2);
    assert_string_equal(RUN(c, "CLIENT", "LIST", "TYPE", "pubsub"), "$0\r\n\r\n");
    assert_string_equal(RUN(c, "CLIENT", "LIST", "TYPE", "foo"),
                        "-ERR Unknown client type 'foo'\r\n");
    assert_string_equal(RUN(c, "CLIENT", "LIST", "foo"), "-ERR syntax error\r\n");
    assert_string_equal(RUN(c, "CLIENT", "LIST", "ID"), "-ERR syntax error\r\n");
}

static void test_client_kill_old_form(void **state)
{
    (void)state;
    struct client *d = cmdtest_client();
    snprintf(c->addr, sizeof(c->addr), "127.0.0.1:1111");
    snprintf(d->addr, sizeof(d->addr), "127.0.0.1:2222");
    assert_string_equal(RUN(c, "CLIENT", "KILL", "127.0.0.1:3333"), "-ERR No such client\r\n");
    assert_string_equal(RUN(c, "CLIENT", "KILL", "127.0.0.1:2222"), "+OK\r\n");
    assert_true(d->flags & CLIENT_CLOSE_ASAP);
    assert_false(c->flags & (CLIENT_CLOSE_ASAP | CLIENT_CLOSE_AFTER_REPLY));
    /* the old form can kill the caller: reply first, then close */
    assert_string_equal(RUN(c, "CLIENT", "KILL", "127.0.0.1:1111"), "+OK\r\n");
    assert_true(c->flags & CLIENT_CLOSE_AFTER_REPLY);
    assert_false(c->flags & CLIENT_CLOSE_ASAP);
}

static void test_client_kill_filters(void **state)
{
    (void)state;
    struct client *d = cmdtest_client();
    struct client *e = cmdtest_client();
    snprintf(c->addr, sizeof(c->addr), "127.0.0.1:1111");
    snprintf(d->addr, sizeof(d->addr), "127.0.0.1:2222");
    snprintf(e->addr, sizeof(e->addr), "127.0.0.1:3333");
    snprintf(c->laddr, sizeof(c->laddr), "127.0.0.1:6379");
    snprintf(d->laddr, sizeof(d->laddr), "127.0.0.1:6379");
    snprintf(e->laddr, sizeof(e->laddr), "127.0.0.1:7000");
    char idarg[32];
    snprintf(idarg, sizeof(idarg), "%llu", (unsigned long long)d->id);

    assert_string_equal(RUN(c, "CLIENT", "KILL", "ID", "999999"), ":0\r\n");
    assert_string_equal(RUN(c, "CLIENT", "KILL", "ID", idarg, "ADDR", "127.0.0.1:3333"), ":0\r\n");
    assert_false(d->flags & CLIENT_CLOSE_ASAP);
    assert_string_equal(RUN(c, "CLIENT", "KILL", "ID", idarg), ":1\r\n");
    assert_true(d->flags & CLIENT_CLOSE_ASAP);
    d->flags &= ~CLIENT_CLOSE_ASAP;

    /* SKIPME yes by default */
    assert_string_equal(RUN(c, "CLIENT", "KILL", "LADDR", "127.0.0.1:6379"), ":1\r\n");
    assert_true(d->flags & CLIENT_CLOSE_ASAP);
    assert_false(c->flags & CLIENT_CLOSE_AFTER_REPLY);
    assert_false(e->flags & CLIENT_CLOSE_ASAP);
    d->flags &= ~CLIENT_CLOSE_ASAP;

    assert_string_equal(RUN(c, "CLIENT", "KILL", "TYPE", "pubsub"), ":0\r\n");
    assert_string_equal(RUN(c, "CLIENT", "KILL", "USER", "default", "ADDR", "127.0.0.1:3333"),
                        ":1\r\n");
    assert_true(e->flags & CLIENT_CLOSE_ASAP);

    assert_string_equal(RUN(c, "CLIENT", "KILL", "TYPE", "normal", "SKIPME", "no"), ":3\r\n");
    assert_true(c->flags & CLIENT_CLOSE_AFTER_REPLY);
    assert_true(d->flags & CLIENT_CLOSE_ASAP);
}

static void test_client_kill_errors(void **state)
{
    (void)state;
    const char *idneg = "-ERR client-id should be greater than 0\r\n";
    assert_string_equal(RUN(c, "CLIENT", "KILL", "ID", "0"), idneg);
    assert_string_equal(RUN(c, "CLIENT", "KILL", "ID", "-5"), idneg);
    assert_string_equal(RUN(c, "CLIENT", "KILL", "ID", "abc"), idneg);
    assert_string_equal(RUN(c, "CLIENT", "KILL", "TYPE", "foo"),
                        "-ERR Unknown client type 'foo'\r\n");
    assert_string_equal(RUN(c, "CLIENT", "KILL", "USER", "bob"), "-ERR No such user 'bob'\r\n");
    assert_string_equal(RUN(c, "CLIENT", "KILL", "SKIPME", "maybe"), "-ERR syntax error\r\n");
    assert_string_equal(RUN(c, "CLIENT", "KILL", "foo", "bar"), "-ERR syntax error\r\n");
    assert_string_equal(RUN(c, "CLIENT", "KILL", "ID", "1", "ADDR"), "-ERR syntax error\r\n");
    assert_string_equal(RUN(c, "CLIENT", "KILL"),
                        "-ERR wrong number of arguments for 'client|kill' command\r\n");
    assert_false(c->flags & (CLIENT_CLOSE_AFTER_REPLY | CLIENT_CLOSE_ASAP));
}

static void test_client_setinfo(void **state)
{
    (void)state;
    assert_string_equal(RUN(c, "CLIENT", "SETINFO", "LIB-NAME", "redis-py"), "+OK\r\n");
    assert_string_equal(RUN(c, "CLIENT", "SETINFO", "lib-ver", "5.0.1"), "+OK\r\n");
    assert_string_equal(c->lib_name, "redis-py");
    assert_string_equal(c->lib_ver, "5.0.1");
    const char *line = bulk_body(RUN(c, "CLIENT", "INFO"));
    assert_string_equal(field(line, "lib-name"), "redis-py");
    assert_string_equal(field(line, "lib-ver"), "5.0.1");
    assert_string_equal(RUN(c, "CLIENT", "SETINFO", "foo", "x"),
                        "-ERR Unrecognized option 'foo'\r\n");
    assert_string_equal(RUN(c, "CLIENT", "SETINFO", "lib-name", "a b"),
                        "-ERR lib-name cannot contain spaces, newlines or special characters.\r\n");
    assert_string_equal(c->lib_name, "redis-py");
    assert_string_equal(RUN(c, "CLIENT", "SETINFO", "lib-name", ""), "+OK\r\n");
    assert_null(c->lib_name);
    assert_string_equal(RUN(c, "CLIENT", "SETINFO", "lib-name"),
                        "-ERR wrong number of arguments for 'client|setinfo' command\r\n");
}

static void test_client_misc(void **state)
{
    (void)state;
    assert_string_equal(RUN(c, "CLIENT", "NO-EVICT", "on"), "+OK\r\n");
    assert_string_equal(RUN(c, "CLIENT", "NO-EVICT", "OFF"), "+OK\r\n");
    assert_string_equal(RUN(c, "CLIENT", "NO-EVICT", "maybe"), "-ERR syntax error\r\n");
    const char *r = RUN(c, "CLIENT", "HELP");
    assert_int_equal(r[0], '*');
    assert_non_null(strstr(r, "+CLIENT <subcommand>"));
}

static void test_table(void **state)
{
    (void)state;
    const char *noauth[] = {"auth", "hello", "quit", "reset"};
    for (size_t i = 0; i < 4; i++) {
        struct command *cmd = command_lookup(noauth[i], strlen(noauth[i]));
        assert_non_null(cmd);
        assert_true(cmd->flags & CMD_NOAUTH);
        assert_string_equal(cmd->group, "connection");
    }
    struct command *ping = command_lookup("PING", 4);
    assert_false(ping->flags & CMD_NOAUTH); /* Redis 7: PING needs AUTH */
    struct command *client = command_lookup("client", 6);
    assert_non_null(client);
    assert_int_equal(client->arity, -2);
    struct command *list = command_lookup_sub(client, "LIST", 4);
    assert_non_null(list);
    assert_string_equal(list->name, "client|list");
    assert_true(list->flags & CMD_ADMIN);
    for (struct command *cmd = client->subcommands; cmd->name; cmd++) {
        assert_non_null(cmd->proc);
        assert_non_null(cmd->summary);
        assert_memory_equal(cmd->name, "client|", 7);
    }
    /* every args spec parses: COMMAND DOCS shows the arguments */
    for (struct command *cmd = connection_commands; cmd->name; cmd++) {
        struct command *subs = cmd->subcommands;
        for (struct command *one = subs ? subs : cmd; one->name; one++) {
            const char *r =
                subs ? RUN(c, "COMMAND", "DOCS", cmd->name) : RUN(c, "COMMAND", "DOCS", one->name);
            char want[64];
            snprintf(want, sizeof(want), "$%zu\r\n%s\r\n", strlen(one->name), one->name);
            const char *at = strstr(r, want);
            assert_non_null(at);
            /* the entry's own "arguments" comes before the next entry */
            const char *args = strstr(at, "$9\r\narguments\r\n");
            const char *next =
                one[1].name && subs ? strstr(at + strlen(want), "\r\nclient|") : NULL;
            int has_args = args && (!next || args < next);
            assert_int_equal(has_args, one->args != NULL);
            if (!subs)
                break;
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ping_echo, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_auth_without_password, setup, teardown),
        cmocka_unit_test_setup_teardown(test_auth_with_password, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hello, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hello_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hello_auth, setup, teardown),
        cmocka_unit_test_setup_teardown(test_select, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_client_id_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_client_info, setup, teardown),
        cmocka_unit_test_setup_teardown(test_client_age_idle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_client_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_client_kill_old_form, setup, teardown),
        cmocka_unit_test_setup_teardown(test_client_kill_filters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_client_kill_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_client_setinfo, setup, teardown),
        cmocka_unit_test_setup_teardown(test_client_misc, setup, teardown),
        cmocka_unit_test_setup_teardown(test_table, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
