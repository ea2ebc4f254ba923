/* Unit tests for transactions (commands/multi.c and the executor's
 * queueing): MULTI/EXEC/DISCARD/WATCH/UNWATCH replies and error texts in
 * RESP2 and RESP3, EXECABORT after refused commands, WATCH made dirty by
 * other clients, by the client itself, by expiry and by FLUSHDB/FLUSHALL,
 * and what a transaction propagates: one call, effects in order, SELECTs
 * where the db changes, nothing when nothing changed. */
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
#include "multi.h"
#include "server_state.h"
#include "util/buf.h"

#define NOW 1700000000000LL

static struct client *c, *c2;

#define RUN(...)            cmdtest_run(c, __VA_ARGS__, NULL)
#define RUN2(...)           cmdtest_run(c2, __VA_ARGS__, NULL)
#define EXPECT(reply, ...)  assert_string_equal(RUN(__VA_ARGS__), reply)
#define EXPECT2(reply, ...) assert_string_equal(RUN2(__VA_ARGS__), reply)

static const char EXECABORT[] = "-EXECABORT Transaction discarded because of previous errors.\r\n";

/* Every server.propagate call: how many, and the last one's db and bytes. */
static int prop_calls;
static int prop_db;
static struct buf prop_all = BUF_INIT;

static void record_propagate(int dbid, const char *resp, size_t len)
{
    prop_calls++;
    prop_db = dbid;
    buf_append(&prop_all, resp, len);
}

static void prop_reset(void)
{
    prop_calls = 0;
    prop_db = -1;
    buf_clear(&prop_all);
}

static const char *prop_bytes(void)
{
    buf_append_char(&prop_all, '\0');
    prop_all.len--;
    return prop_all.data ? prop_all.data : "";
}

/* RESP multibulk of the given strings, appended to b. */
static void mbv(struct buf *b, int argc, va_list ap)
{
    buf_printf(b, "*%d\r\n", argc);
    for (int i = 0; i < argc; i++) {
        const char *a = va_arg(ap, const char *);
        buf_printf(b, "$%zu\r\n%s\r\n", strlen(a), a);
    }
}

static struct buf want = BUF_INIT;

static void want_reset(void)
{
    buf_clear(&want);
}

static void want_cmd(int argc, ...)
{
    va_list ap;
    va_start(ap, argc);
    mbv(&want, argc, ap);
    va_end(ap);
}

static const char *want_bytes(void)
{
    buf_append_char(&want, '\0');
    want.len--;
    return want.data;
}

static const char *deny_misconf(void)
{
    return "MISCONF Errors writing to the AOF file: No space left on device";
}

static int setup(void **state)
{
    (void)state;
    cmdtest_setup();
    cmdtest_set_time(NOW);
    c = cmdtest_client();
    c2 = cmdtest_client();
    server.propagate = record_propagate;
    prop_reset();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    cmdtest_teardown();
    c = c2 = NULL;
    buf_free(&prop_all);
    buf_free(&want);
    return 0;
}

/* ---- queueing and EXEC ---- */

static void test_queue_and_exec(void **state)
{
    (void)state;
    EXPECT("+OK\r\n", "MULTI");
    assert_true(c->flags & CLIENT_MULTI);
    assert_int_equal(multi_queued_count(c), 0);
    EXPECT("+QUEUED\r\n", "SET", "k", "v");
    EXPECT("+QUEUED\r\n", "GET", "k");
    EXPECT("+QUEUED\r\n", "INCR", "n");
    EXPECT("+QUEUED\r\n", "PING");
    assert_int_equal(multi_queued_count(c), 4);
    /* nothing ran yet */
    EXPECT2("$-1\r\n", "GET", "k");
    EXPECT("*4\r\n+OK\r\n$1\r\nv\r\n:1\r\n+PONG\r\n", "EXEC");
    assert_false(c->flags & CLIENT_MULTI);
    assert_int_equal(multi_queued_count(c), -1);
    assert_int_equal(server.in_exec, 0);
    EXPECT2("$1\r\nv\r\n", "GET", "k");

    /* an empty transaction */
    EXPECT("+OK\r\n", "MULTI");
    EXPECT("*0\r\n", "EXEC");

    /* binary-safe queued arguments (copied from the request) */
    EXPECT("+OK\r\n", "MULTI");
    const char *argv[] = {"SET", "bin", "a\0b\r\n"};
    size_t lens[] = {3, 3, 5};
    assert_string_equal(cmdtest_runv(c, 3, argv, lens), "+QUEUED\r\n");
    EXPECT("+QUEUED\r\n", "STRLEN", "bin");
    EXPECT("*2\r\n+OK\r\n:5\r\n", "EXEC");
}

static void test_errors(void **state)
{
    (void)state;
    EXPECT("-ERR EXEC without MULTI\r\n", "EXEC");
    EXPECT("-ERR DISCARD without MULTI\r\n", "DISCARD");
    EXPECT("-ERR wrong number of arguments for 'multi' command\r\n", "MULTI", "x");
    EXPECT("-ERR wrong number of arguments for 'watch' command\r\n", "WATCH");
    EXPECT("-ERR wrong number of arguments for 'unwatch' command\r\n", "UNWATCH", "x");

    /* nested MULTI and WATCH inside MULTI are errors that do not abort */
    EXPECT("+OK\r\n", "MULTI");
    EXPECT("-ERR MULTI calls can not be nested\r\n", "MULTI");
    EXPECT("-ERR WATCH inside MULTI is not allowed\r\n", "WATCH", "k");
    EXPECT("+QUEUED\r\n", "SET", "k", "1");
    EXPECT("*1\r\n+OK\r\n", "EXEC");

    /* errors at execution are elements of the array; the rest runs */
    EXPECT("+OK\r\n", "SET", "s", "abc");
    EXPECT("+OK\r\n", "MULTI");
    EXPECT("+QUEUED\r\n", "INCR", "s");
    EXPECT("+QUEUED\r\n", "SET", "t", "1");
    EXPECT("+QUEUED\r\n", "LPUSH", "s", "x");
    EXPECT("+QUEUED\r\n", "SELECT", "99");
    EXPECT("*4\r\n-ERR value is not an integer or out of range\r\n+OK\r\n"
           "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
           "-ERR DB index is out of range\r\n",
           "EXEC");
    EXPECT("$1\r\n1\r\n", "GET", "t");
}

static void test_execabort(void **state)
{
    (void)state;
    /* unknown command */
    EXPECT("+OK\r\n", "MULTI");
    EXPECT("+QUEUED\r\n", "SET", "a", "1");
    EXPECT("-ERR unknown command 'FOO', with args beginning with: 'x' \r\n", "FOO", "x");
    assert_true(c->flags & CLIENT_DIRTY_EXEC);
    EXPECT("+QUEUED\r\n", "SET", "b", "1");
    prop_reset();
    EXPECT(EXECABORT, "EXEC");
    assert_int_equal(prop_calls, 0);
    assert_false(c->flags & (CLIENT_MULTI | CLIENT_DIRTY_EXEC));
    EXPECT("$-1\r\n", "GET", "a");
    EXPECT("-ERR EXEC without MULTI\r\n", "EXEC");

    /* arity */
    EXPECT("+OK\r\n", "MULTI");
    EXPECT("-ERR wrong number of arguments for 'set' command\r\n", "SET", "a");
    EXPECT(EXECABORT, "EXEC");

    /* EXEC itself refused: the transaction ends */
    EXPECT("+OK\r\n", "MULTI");
    EXPECT("+QUEUED\r\n", "SET", "a", "1");
    EXPECT("-EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' "
           "command\r\n",
           "EXEC", "x");
    assert_false(c->flags & CLIENT_MULTI);
    EXPECT("-ERR EXEC without MULTI\r\n", "EXEC");
    EXPECT("-ERR wrong number of arguments for 'exec' command\r\n", "EXEC", "x");
    EXPECT("$-1\r\n", "GET", "a");

    /* unknown subcommand */
    EXPECT("+OK\r\n", "MULTI");
    EXPECT("-ERR unknown subcommand 'nope'. Try CLIENT HELP.\r\n", "CLIENT", "nope");
    EXPECT(EXECABORT, "EXEC");

    /* a write refused by the persistence layer (MISCONF) */
    server.deny_write = deny_misconf;
    EXPECT("+OK\r\n", "MULTI");
    EXPECT("+QUEUED\r\n", "GET", "a");
    EXPECT("-MISCONF Errors writing to the AOF file: No space left on device\r\n", "SET", "a", "1");
    EXPECT(EXECABORT, "EXEC");
    server.deny_write = NULL;

    /* MISCONF arriving after the writes were queued refuses the EXEC whole */
    EXPECT("+OK\r\n", "MULTI");
    EXPECT("+QUEUED\r\n", "SET", "a", "1");
    server.deny_write = deny_misconf;
    EXPECT("-EXECABORT Transaction discarded because of: MISCONF Errors writing to the AOF "
           "file: No space left on device\r\n",
           "EXEC");
    assert_false(c->flags & CLIENT_MULTI);
    /* a read-only transaction still runs */
    EXPECT("+OK\r\n", "MULTI");
    EXPECT("+QUEUED\r\n", "GET", "a");
    EXPECT("*1\r\n$-1\r\n", "EXEC");
    server.deny_write = NULL;

    /* NOAUTH while queueing */
    EXPECT("+OK\r\n", "MULTI");
    c->authenticated = 0;
    EXPECT("-NOAUTH Authentication required.\r\n", "GET", "a");
    c->authenticated = 1;
    EXPECT(EXECABORT, "EXEC");
}

static void test_discard_and_reset(void **state)
{
    (void)state;
    EXPECT("+OK\r\n", "MULTI");
    EXPECT("+QUEUED\r\n", "SET", "d", "1");
    EXPECT("+OK\r\n", "DISCARD");
    assert_false(c->flags & CLIENT_MULTI);
    EXPECT("$-1\r\n", "GET", "d");
    EXPECT("-ERR DISCARD without MULTI\r\n", "DISCARD");

    /* DISCARD forgets watched keys too */
    EXPECT("+OK\r\n", "WATCH", "w");
    EXPECT("+OK\r\n", "MULTI");
    EXPECT("+OK\r\n", "DISCARD");
    EXPECT2("+OK\r\n", "SET", "w", "1");
    EXPECT("+OK\r\n", "MULTI");
    EXPECT("*0\r\n", "EXEC");

    /* a refused transaction is discarded by DISCARD as well */
    EXPECT("+OK\r\n", "MULTI");
    RUN("NOSUCHCMD");
    EXPECT("+OK\r\n", "DISCARD");
    EXPECT("+OK\r\n", "MULTI");
    EXPECT("*0\r\n", "EXEC");

    /* RESET is not queued: it ends the transaction and the watches */
    EXPECT("+OK\r\n", "WATCH", "w");
    EXPECT("+OK\r\n", "MULTI");
    EXPECT("+QUEUED\r\n", "SET", "d", "1");
    EXPECT("+RESET\r\n", "RESET");
    assert_false(c->flags & CLIENT_MULTI);
    assert_false(multi_has_watches(c));
    EXPECT("$-1\r\n", "GET", "d");
}

static void test_resp3(void **state)
{
    (void)state;
    c->resp = 3;
    EXPECT("+OK\r\n", "MULTI");
    EXPECT("+QUEUED\r\n", "GET", "nokey");
    EXPECT("*1\r\n_\r\n", "EXEC");
    EXPECT("+OK\r\n", "WATCH", "k");
    EXPECT2("+OK\r\n", "SET", "k", "1");
    EXPECT("+OK\r\n", "MULTI");
    EXPECT("+QUEUED\r\n", "GET", "k");
    EXPECT("_\r\n", "EXEC");
    c->resp = 2;
    EXPECT("+OK\r\n", "WATCH", "k");
    EXPECT2("+OK\r\n", "SET", "k", "2");
    EXPECT("+OK\r\n", "MULTI");
    EXPECT("*-1\r\n", "EXEC");
}

/* ---- WATCH ---- */

/* WATCH k, something happens, then MULTI SET k mine EXEC: returns whether
 * the EXEC ran. */
static int watched_exec(void (*between)(void))
{
    EXPECT("+OK\r\n", "WATCH", "k");
    between();
    EXPECT("+OK\r\n", "MULTI");
    EXPECT("+QUEUED\r\n", "SET", "k", "mine");
    const char *r = RUN("EXEC");
    if (strcmp(r, "*-1\r\n") == 0) {
        assert_false(c->flags & (CLIENT_MULTI | CLIENT_DIRTY_CAS));
        assert_false(multi_has_watches(c));
        return 0;
    }
    assert_string_equal(r, "*1\r\n+OK\r\n");
    return 1;
}

static void nothing(void)
{
}
static void other_sets(void)
{
    RUN2("SET", "k", "theirs");
}
static void self_sets(void)
{
    RUN("SET", "k", "own");
}
static void other_reads(void)
{
    RUN2("GET", "k");
    RUN2("EXISTS", "k");
}
static void other_dels_missing(void)
{
    RUN2("DEL", "k");
}
static void other_other_key(void)
{
    RUN2("SET", "k2", "x");
}
static void other_other_db(void)
{
    RUN2("SELECT", "1");
    RUN2("SET", "k", "x");
    RUN2("SELECT", "0");
}
static void other_fails(void)
{
    RUN2("LPUSH", "k", "x"); /* WRONGTYPE when k is a string */
}
static void other_flushall(void)
{
    RUN2("FLUSHALL");
}
static void other_flushdb(void)
{
    RUN2("FLUSHDB");
}
static void other_flushdb_other_db(void)
{
    RUN2("SELECT", "1");
    RUN2("FLUSHDB");
    RUN2("SELECT", "0");
}
static void other_transaction(void)
{
    RUN2("MULTI");
    RUN2("INCR", "k");
    RUN2("EXEC");
}
static void other_queues_only(void)
{
    RUN2("MULTI");
    RUN2("SET", "k", "x");
    RUN2("DISCARD");
}
static void time_passes(void)
{
    cmdtest_set_time(NOW + 10000);
}
static void unwatch(void)
{
    RUN2("SET", "k", "theirs");
    RUN("UNWATCH");
}

static void test_watch_missing_key(void **state)
{
    (void)state;
    assert_int_equal(watched_exec(nothing), 1);
    RUN("DEL", "k");
    assert_int_equal(watched_exec(other_sets), 0);
    RUN("DEL", "k");
    assert_int_equal(watched_exec(self_sets), 0);
    RUN("DEL", "k");
    assert_int_equal(watched_exec(other_reads), 1);
    RUN("DEL", "k");
    assert_int_equal(watched_exec(other_dels_missing), 1);
    RUN("DEL", "k");
    assert_int_equal(watched_exec(other_other_key), 1);
    RUN("DEL", "k");
    assert_int_equal(watched_exec(other_other_db), 1);
    RUN("FLUSHALL");
    /* as Redis: a flush touches only watched keys that existed */
    assert_int_equal(watched_exec(other_flushall), 1);
    RUN("DEL", "k");
    assert_int_equal(watched_exec(other_flushdb), 1);
    RUN("DEL", "k");
    assert_int_equal(watched_exec(other_queues_only), 1);
    RUN("DEL", "k");
    assert_int_equal(watched_exec(other_transaction), 0);
    RUN("DEL", "k");
    assert_int_equal(watched_exec(unwatch), 1);
}

static void test_watch_existing_key(void **state)
{
    (void)state;
    RUN("SET", "k", "v");
    assert_int_equal(watched_exec(nothing), 1);
    assert_int_equal(watched_exec(other_sets), 0);
    assert_int_equal(watched_exec(other_reads), 1);
    assert_int_equal(watched_exec(other_fails), 1);
    assert_int_equal(watched_exec(other_flushall), 0);
    RUN("SET", "k", "v");
    assert_int_equal(watched_exec(other_flushdb), 0);
    RUN("SET", "k", "v");
    assert_int_equal(watched_exec(other_flushdb_other_db), 1);
    RUN("SET", "k", "5");
    assert_int_equal(watched_exec(other_transaction), 0);
    RUN("SET", "k", "v");
    /* the key expires between WATCH and EXEC, not deleted yet */
    RUN("PEXPIRE", "k", "5000");
    assert_int_equal(watched_exec(time_passes), 0);
    cmdtest_set_time(NOW);
    /* deleted by expiry: a lookup found it expired */
    RUN("SET", "k", "v", "PX", "5000");
    EXPECT("+OK\r\n", "WATCH", "k");
    cmdtest_set_time(NOW + 10000);
    EXPECT2("$-1\r\n", "GET", "k");
    cmdtest_set_time(NOW);
    EXPECT("+OK\r\n", "MULTI");
    EXPECT("*-1\r\n", "EXEC");
}

static void test_watch_expired_key(void **state)
{
    (void)state;
    /* a key already expired (not yet deleted) when watched: its deletion
     * changes nothing, a new value does */
    RUN("SET", "k", "v", "PX", "5000");
    cmdtest_set_time(NOW + 10000);
    EXPECT("+OK\r\n", "WATCH", "k");
    EXPECT2("$-1\r\n", "GET", "k"); /* deletes it */
    EXPECT("+OK\r\n", "MULTI");
    EXPECT("+QUEUED\r\n", "GET", "k");
    EXPECT("*1\r\n$-1\r\n", "EXEC");

    cmdtest_set_time(NOW);
    RUN("SET", "k", "v", "PX", "5000");
    cmdtest_set_time(NOW + 10000);
    EXPECT("+OK\r\n", "WATCH", "k");
    EXPECT2("+OK\r\n", "SET", "k", "new");
    EXPECT("+OK\r\n", "MULTI");
    EXPECT("*-1\r\n", "EXEC");

    /* ... and a flush of it is no change either */
    cmdtest_set_time(NOW);
    RUN("SET", "k", "v", "PX", "5000");
    cmdtest_set_time(NOW + 10000);
    EXPECT("+OK\r\n", "WATCH", "k");
    EXPECT2("+OK\r\n", "FLUSHALL");
    EXPECT("+OK\r\n", "MULTI");
    EXPECT("*0\r\n", "EXEC");
}

static void test_watch_misc(void **state)
{
    (void)state;
    /* several keys, one touched; watching twice is once */
    EXPECT("+OK\r\n", "WATCH", "a", "b", "a");
    EXPECT("+OK\r\n", "WATCH", "c");
    EXPECT2("+OK\r\n", "SET", "c", "1");
    assert_true(c->flags & CLIENT_DIRTY_CAS);
    EXPECT("+OK\r\n", "MULTI");
    EXPECT("*-1\r\n", "EXEC");

    /* two watchers of one key, both fail */
    EXPECT("+OK\r\n", "WATCH", "x");
    EXPECT2("+OK\r\n", "WATCH", "x");
    struct client *c3 = cmdtest_client();
    cmdtest_run(c3, "SET", "x", "1", NULL);
    EXPECT("+OK\r\n", "MULTI");
    EXPECT("*-1\r\n", "EXEC");
    EXPECT2("+OK\r\n", "MULTI");
    EXPECT2("*-1\r\n", "EXEC");

    /* the winner's EXEC dirties the loser */
    EXPECT("+OK\r\n", "WATCH", "x");
    EXPECT2("+OK\r\n", "WATCH", "x");
    EXPECT("+OK\r\n", "MULTI");
    EXPECT("+QUEUED\r\n", "INCR", "x");
    EXPECT2("+OK\r\n", "MULTI");
    EXPECT2("+QUEUED\r\n", "INCR", "x");
    EXPECT("*1\r\n:2\r\n", "EXEC");
    EXPECT2("*-1\r\n", "EXEC");

    /* a client freed while watching leaves nothing behind */
    struct client *c4 = client_create(-1);
    cmdtest_run(c4, "WATCH", "x", "y", NULL);
    cmdtest_run(c4, "MULTI", NULL);
    cmdtest_run(c4, "SET", "x", "9", NULL);
    client_free(c4);
    EXPECT("+OK\r\n", "SET", "x", "3");
    EXPECT("+OK\r\n", "FLUSHALL");

    /* UNWATCH clears an already dirty state; EXEC clears the watches */
    EXPECT("+OK\r\n", "WATCH", "x");
    EXPECT2("+OK\r\n", "SET", "x", "1");
    EXPECT("+OK\r\n", "UNWATCH");
    assert_false(c->flags & CLIENT_DIRTY_CAS);
    EXPECT("+OK\r\n", "WATCH", "x");
    EXPECT("+OK\r\n", "MULTI");
    EXPECT("*0\r\n", "EXEC");
    assert_false(multi_has_watches(c));

    /* WATCH in another db watches that db's key */
    EXPECT("+OK\r\n", "SELECT", "2");
    EXPECT("+OK\r\n", "WATCH", "x");
    EXPECT2("+OK\r\n", "SET", "x", "1");
    assert_false(c->flags & CLIENT_DIRTY_CAS);
    EXPECT2("+OK\r\n", "SELECT", "2");
    EXPECT2("+OK\r\n", "SET", "x", "1");
    assert_true(c->flags & CLIENT_DIRTY_CAS);
    EXPECT("+OK\r\n", "UNWATCH");
    EXPECT("+OK\r\n", "SELECT", "0");
    EXPECT2("+OK\r\n", "SELECT", "0");
}

/* ---- what a transaction propagates ---- */

static void test_propagation(void **state)
{
    (void)state;
    EXPECT("+OK\r\n", "MULTI");
    EXPECT("+QUEUED\r\n", "SET", "a", "1");
    EXPECT("+QUEUED\r\n", "GET", "a");
    EXPECT("+QUEUED\r\n", "INCR", "n");
    EXPECT("+QUEUED\r\n", "EXPIRE", "a", "100");
    EXPECT("+QUEUED\r\n", "DEL", "missing");
    prop_reset();
    EXPECT("*5\r\n+OK\r\n$1\r\n1\r\n:1\r\n:1\r\n:0\r\n", "EXEC");
    assert_int_equal(prop_calls, 1);
    assert_int_equal(prop_db, 0);
    want_reset();
    want_cmd(3, "SET", "a", "1");
    want_cmd(2, "INCR", "n");
    want_cmd(3, "PEXPIREAT", "a", "1700000100000");
    assert_string_equal(prop_bytes(), want_bytes());

    /* nothing changed: nothing propagated */
    EXPECT("+OK\r\n", "MULTI");
    EXPECT("+QUEUED\r\n", "GET", "a");
    EXPECT("+QUEUED\r\n", "DEL", "missing");
    EXPECT("+QUEUED\r\n", "INCR", "a");
    RUN2("SET", "a", "x"); /* so that INCR fails */
    prop_reset();
    EXPECT("*3\r\n$1\r\nx\r\n:0\r\n-ERR value is not an integer or out of range\r\n", "EXEC");
    assert_int_equal(prop_calls, 0);

    /* SELECT inside: one call, SELECTs in the payload, and back to the
     * first db at the end so the log's selected db stays right */
    EXPECT("+OK\r\n", "MULTI");
    EXPECT("+QUEUED\r\n", "SET", "a", "1");
    EXPECT("+QUEUED\r\n", "SELECT", "3");
    EXPECT("+QUEUED\r\n", "SET", "b", "2");
    EXPECT("+QUEUED\r\n", "SELECT", "0");
    EXPECT("+QUEUED\r\n", "SET", "c", "3");
    EXPECT("+QUEUED\r\n", "SELECT", "5");
    EXPECT("+QUEUED\r\n", "SET", "d", "4");
    prop_reset();
    EXPECT("*7\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\n", "EXEC");
    assert_int_equal(prop_calls, 1);
    assert_int_equal(prop_db, 0);
    want_reset();
    want_cmd(3, "SET", "a", "1");
    want_cmd(2, "SELECT", "3");
    want_cmd(3, "SET", "b", "2");
    want_cmd(2, "SELECT", "0");
    want_cmd(3, "SET", "c", "3");
    want_cmd(2, "SELECT", "5");
    want_cmd(3, "SET", "d", "4");
    want_cmd(2, "SELECT", "0");
    assert_string_equal(prop_bytes(), want_bytes());
    /* the client stays in the db the transaction selected */
    assert_int_equal(c->db_index, 5);
    EXPECT("$1\r\n4\r\n", "GET", "d");

    /* a transaction in one other db: no SELECT needed in the payload */
    EXPECT("+OK\r\n", "MULTI");
    EXPECT("+QUEUED\r\n", "SET", "e", "1");
    prop_reset();
    EXPECT("*1\r\n+OK\r\n", "EXEC");
    assert_int_equal(prop_calls, 1);
    assert_int_equal(prop_db, 5);
    want_reset();
    want_cmd(3, "SET", "e", "1");
    assert_string_equal(prop_bytes(), want_bytes());
    RUN("SELECT", "0");

    /* keys found expired inside the transaction: their DEL is part of it */
    RUN("SET", "t", "v", "PX", "100");
    cmdtest_set_time(NOW + 1000);
    EXPECT("+OK\r\n", "MULTI");
    EXPECT("+QUEUED\r\n", "GET", "t");
    EXPECT("+QUEUED\r\n", "SET", "u", "1");
    prop_reset();
    EXPECT("*2\r\n$-1\r\n+OK\r\n", "EXEC");
    assert_int_equal(prop_calls, 1);
    want_reset();
    want_cmd(2, "DEL", "t");
    want_cmd(3, "SET", "u", "1");
    assert_string_equal(prop_bytes(), want_bytes());

    /* the counters are the transaction's: c->dirty is its total */
    EXPECT("+OK\r\n", "MULTI");
    EXPECT("+QUEUED\r\n", "SET", "a", "1");
    EXPECT("+QUEUED\r\n", "SET", "b", "1");
    long long before = server.dirty;
    EXPECT("*2\r\n+OK\r\n+OK\r\n", "EXEC");
    assert_int_equal(server.dirty - before, 2);

    /* with no propagation hook (no AOF, no Raft), EXEC still works */
    server.propagate = NULL;
    EXPECT("+OK\r\n", "MULTI");
    EXPECT("+QUEUED\r\n", "SET", "a", "2");
    EXPECT("*1\r\n+OK\r\n", "EXEC");
    assert_null(server.propagate);
}

/* ---- helpers used by the Raft node ---- */

static void test_encode_and_final_db(void **state)
{
    (void)state;
    EXPECT("+OK\r\n", "MULTI");
    EXPECT("+QUEUED\r\n", "SET", "a", "1");
    EXPECT("+QUEUED\r\n", "SELECT", "4");
    EXPECT("+QUEUED\r\n", "SELECT", "99");
    EXPECT("+QUEUED\r\n", "SELECT", "x");
    struct buf b = BUF_INIT;
    multi_encode(c, &b);
    want_reset();
    want_cmd(1, "MULTI");
    want_cmd(3, "SET", "a", "1");
    want_cmd(2, "SELECT", "4");
    want_cmd(2, "SELECT", "99");
    want_cmd(2, "SELECT", "x");
    want_cmd(1, "EXEC");
    buf_append_char(&b, '\0');
    assert_string_equal(b.data, want_bytes());
    buf_free(&b);
    assert_int_equal(multi_final_db(c, 0), 4);
    assert_true(multi_has_writes(c));
    EXPECT("+OK\r\n", "DISCARD");
    assert_false(multi_has_writes(c));

    /* the encoded transaction, run as the Raft apply client runs it */
    EXPECT("+OK\r\n", "MULTI");
    EXPECT("+QUEUED\r\n", "INCR", "n");
    EXPECT("+OK\r\n", "DISCARD");
    EXPECT2("+OK\r\n", "MULTI");
    EXPECT2("+QUEUED\r\n", "INCR", "n");
    EXPECT2("+QUEUED\r\n", "INCR", "n");
    EXPECT2("*2\r\n:1\r\n:2\r\n", "EXEC");
}

static void test_table(void **state)
{
    (void)state;
    const struct {
        const char *name;
        int arity;
        uint32_t flags;
    } want_tab[] = {
        {"multi", 1, CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST},
        {"exec", 1, CMD_NOSCRIPT | CMD_LOADING | CMD_STALE},
        {"discard", 1, CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST},
        {"watch", -2, CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST},
        {"unwatch", 1, CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST},
    };
    for (size_t i = 0; i < sizeof(want_tab) / sizeof(want_tab[0]); i++) {
        struct command *cmd = command_lookup(want_tab[i].name, strlen(want_tab[i].name));
        assert_non_null(cmd);
        assert_int_equal(cmd->arity, want_tab[i].arity);
        assert_int_equal(cmd->flags, want_tab[i].flags);
        assert_string_equal(cmd->group, "transactions");
    }
    assert_true(multi_is_exec(command_lookup("EXEC", 4)));
    assert_false(multi_is_exec(command_lookup("MULTI", 5)));
    /* COMMAND INFO shows the @transaction category */
    const char *r = RUN("COMMAND", "INFO", "watch");
    assert_non_null(strstr(r, "@transaction"));
    /* CLIENT LIST flags: x inside MULTI */
    EXPECT("+OK\r\n", "MULTI");
    EXPECT("+QUEUED\r\n", "PING");
    EXPECT("+OK\r\n", "DISCARD");
    RUN("MULTI");
    r = RUN2("CLIENT", "LIST");
    assert_non_null(strstr(r, "flags=x"));
    RUN("DISCARD");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_queue_and_exec, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_execabort, setup, teardown),
        cmocka_unit_test_setup_teardown(test_discard_and_reset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resp3, setup, teardown),
        cmocka_unit_test_setup_teardown(test_watch_missing_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_watch_existing_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_watch_expired_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_watch_misc, setup, teardown),
        cmocka_unit_test_setup_teardown(test_propagation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_encode_and_final_db, setup, teardown),
        cmocka_unit_test_setup_teardown(test_table, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
