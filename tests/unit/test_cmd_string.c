/* Unit tests for the string commands (commands/string.c): exact reply bytes
 * in RESP2 and RESP3, Redis's error texts, TTL handling, statistics, and
 * what each write propagates (the AOF / Raft form). */
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
#include "util/buf.h"

#define NOW 1700000000000LL /* ms, fixed command time */

static struct client *c;

#define RUN(...)           cmdtest_run(c, __VA_ARGS__, NULL)
#define EXPECT(reply, ...) assert_string_equal(RUN(__VA_ARGS__), reply)
#define PROP()             cmdtest_propagated()

static const char ERR_SYNTAX[] = "-ERR syntax error\r\n";
static const char ERR_NOT_INT[] = "-ERR value is not an integer or out of range\r\n";
static const char ERR_NOT_FLOAT[] = "-ERR value is not a valid float\r\n";
static const char ERR_WRONGTYPE[] =
    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

/* The RESP multibulk of a command, as propagation encodes it. */
static const char *mb(int argc, ...)
{
    static struct buf b = BUF_INIT;
    buf_clear(&b);
    buf_printf(&b, "*%d\r\n", argc);
    va_list ap;
    va_start(ap, argc);
    for (int i = 0; i < argc; i++) {
        const char *a = va_arg(ap, const char *);
        buf_printf(&b, "$%zu\r\n%s\r\n", strlen(a), a);
    }
    va_end(ap);
    buf_append_char(&b, '\0');
    return b.data;
}

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
    c = NULL;
    return 0;
}

static int64_t ttl_of(const char *key)
{
    return db_get_expire(c->db, key, strlen(key));
}

static void make_hash(const char *key)
{
    EXPECT(":1\r\n", "HSET", key, "f", "v");
}

/* ---- GET / SET ---- */

static void test_set_get(void **state)
{
    (void)state;
    EXPECT("$-1\r\n", "GET", "k");
    assert_string_equal(PROP(), "");
    EXPECT("+OK\r\n", "SET", "k", "hello");
    assert_string_equal(PROP(), mb(3, "SET", "k", "hello"));
    EXPECT("$5\r\nhello\r\n", "GET", "k");
    assert_string_equal(PROP(), "");
    EXPECT("+OK\r\n", "set", "k", "");
    EXPECT("$0\r\n\r\n", "get", "k");

    c->resp = 3;
    EXPECT("_\r\n", "GET", "missing");
    EXPECT("$0\r\n\r\n", "GET", "k");

    make_hash("h");
    EXPECT(ERR_WRONGTYPE, "GET", "h");
    /* SET overwrites any type. */
    EXPECT("+OK\r\n", "SET", "h", "s");
    EXPECT("$1\r\ns\r\n", "GET", "h");

    EXPECT("-ERR wrong number of arguments for 'get' command\r\n", "GET");
    EXPECT("-ERR wrong number of arguments for 'set' command\r\n", "SET", "k");
}

/* SET over a string whose allocation fits the new value rewrites it in
 * place (no free + malloc): the value, the TTL rules and what is logged
 * are those of a plain SET, whatever the sizes. */
static void test_set_overwrite_in_place(void **state)
{
    (void)state;
    char big[200];
    memset(big, 'b', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    RUN("SET", "k", "0123456789012345678901234567890123456789");
    struct robj *before = db_peek(c->db, "k", 1, 1700000000000LL);
    EXPECT("+OK\r\n", "SET", "k", "short value");
    assert_ptr_equal(db_peek(c->db, "k", 1, 1700000000000LL), before); /* reused */
    EXPECT("$11\r\nshort value\r\n", "GET", "k");
    EXPECT(":11\r\n", "STRLEN", "k");
    RUN("SET", "k", "x", "EX", "100");
    EXPECT("+OK\r\n", "SET", "k", "y");
    EXPECT(":-1\r\n", "TTL", "k"); /* SET drops the TTL */
    RUN("EXPIRE", "k", "100");
    EXPECT("+OK\r\n", "SET", "k", "z", "KEEPTTL");
    EXPECT(":100\r\n", "TTL", "k");
    EXPECT("+OK\r\n", "SET", "k", big); /* does not fit: a new value */
    EXPECT(":199\r\n", "STRLEN", "k");
    EXPECT("+OK\r\n", "SET", "k", ""); /* far smaller: not kept */
    EXPECT("$0\r\n\r\n", "GET", "k");
    RUN("RPUSH", "l", "a");
    EXPECT("+OK\r\n", "SET", "l", "now a string");
    EXPECT("+string\r\n", "TYPE", "l");
}

static void test_binary_safe(void **state)
{
    (void)state;
    const char *set[] = {"SET", "k\0ey", "v\0al\r\n"};
    size_t setl[] = {3, 4, 6};
    assert_string_equal(cmdtest_runv(c, 3, set, setl), "+OK\r\n");
    const char *get[] = {"GET", "k\0ey"};
    size_t getl[] = {3, 4};
    cmdtest_runv(c, 2, get, getl);
    assert_int_equal(cmdtest_last_len(), 4 + 6 + 2);
    /* A different key (no NUL) does not exist. */
    EXPECT("$-1\r\n", "GET", "k");

    const char *app[] = {"APPEND", "k\0ey", "\0"};
    size_t appl[] = {6, 4, 1};
    assert_string_equal(cmdtest_runv(c, 3, app, appl), ":7\r\n");
    const char *r = cmdtest_runv(c, 2, get, getl);
    assert_int_equal(cmdtest_last_len(), 4 + 7 + 2);
    assert_memory_equal(r, "$7\r\nv\0al\r\n\0\r\n", 13);
}

static void test_set_nx_xx(void **state)
{
    (void)state;
    EXPECT("$-1\r\n", "SET", "k", "v", "XX");
    assert_string_equal(PROP(), "");
    EXPECT("$-1\r\n", "GET", "k");
    EXPECT("+OK\r\n", "SET", "k", "v", "nx");
    assert_string_equal(PROP(), mb(4, "SET", "k", "v", "nx"));
    long long dirty = server.dirty;
    EXPECT("$-1\r\n", "SET", "k", "w", "NX");
    assert_string_equal(PROP(), "");
    assert_int_equal(server.dirty, dirty);
    EXPECT("$1\r\nv\r\n", "GET", "k");
    EXPECT("+OK\r\n", "SET", "k", "w", "XX");
    EXPECT("$1\r\nw\r\n", "GET", "k");

    EXPECT(ERR_SYNTAX, "SET", "k", "v", "NX", "XX");
    EXPECT(ERR_SYNTAX, "SET", "k", "v", "XX", "NX");
    EXPECT(ERR_SYNTAX, "SET", "k", "v", "bogus");
    EXPECT(ERR_SYNTAX, "SET", "k", "v", "NXX");
    /* Repeating a flag is allowed. */
    EXPECT("+OK\r\n", "SET", "k", "v", "XX", "XX");
    c->resp = 3;
    EXPECT("_\r\n", "SET", "absent", "v", "XX");
}

static void test_set_get_option(void **state)
{
    (void)state;
    EXPECT("$-1\r\n", "SET", "k", "v1", "GET");
    assert_string_equal(PROP(), mb(3, "SET", "k", "v1"));
    EXPECT("$2\r\nv1\r\n", "SET", "k", "v2", "GET");
    assert_string_equal(PROP(), mb(3, "SET", "k", "v2"));
    EXPECT("$2\r\nv2\r\n", "GET", "k");

    /* NX + GET (Redis 7): the old value comes back, nothing is set. */
    EXPECT("$2\r\nv2\r\n", "SET", "k", "v3", "NX", "GET");
    assert_string_equal(PROP(), "");
    EXPECT("$2\r\nv2\r\n", "GET", "k");
    EXPECT("$-1\r\n", "SET", "new", "x", "GET", "NX");
    EXPECT("$1\r\nx\r\n", "GET", "new");
    EXPECT("$-1\r\n", "SET", "absent", "x", "GET", "XX");
    EXPECT("$-1\r\n", "GET", "absent");

    /* KEEPTTL survives the rewrite that drops GET. */
    EXPECT("+OK\r\n", "SET", "t", "a", "EX", "100");
    EXPECT("$1\r\na\r\n", "SET", "t", "b", "GET", "KEEPTTL");
    assert_string_equal(PROP(), mb(4, "SET", "t", "b", "KEEPTTL"));
    assert_int_equal(ttl_of("t"), NOW + 100000);

    make_hash("h");
    EXPECT(ERR_WRONGTYPE, "SET", "h", "v", "GET");
    assert_string_equal(PROP(), "");
    EXPECT(":1\r\n", "HLEN", "h");

    c->resp = 3;
    EXPECT("_\r\n", "SET", "r3", "v", "GET");
}

static void test_set_expire_options(void **state)
{
    (void)state;
    char when[32];

    EXPECT("+OK\r\n", "SET", "k", "v", "EX", "10");
    assert_int_equal(ttl_of("k"), NOW + 10000);
    snprintf(when, sizeof(when), "%lld", NOW + 10000);
    assert_string_equal(PROP(), mb(5, "SET", "k", "v", "PXAT", when));

    EXPECT("+OK\r\n", "SET", "k", "v", "px", "1500");
    assert_int_equal(ttl_of("k"), NOW + 1500);
    snprintf(when, sizeof(when), "%lld", NOW + 1500);
    assert_string_equal(PROP(), mb(5, "SET", "k", "v", "PXAT", when));

    snprintf(when, sizeof(when), "%lld", NOW / 1000 + 60);
    EXPECT("+OK\r\n", "SET", "k", "v", "EXAT", when);
    assert_int_equal(ttl_of("k"), (NOW / 1000 + 60) * 1000);
    snprintf(when, sizeof(when), "%lld", (NOW / 1000 + 60) * 1000);
    assert_string_equal(PROP(), mb(5, "SET", "k", "v", "PXAT", when));

    snprintf(when, sizeof(when), "%lld", NOW + 777);
    EXPECT("+OK\r\n", "SET", "k", "v", "PXAT", when);
    assert_int_equal(ttl_of("k"), NOW + 777);
    assert_string_equal(PROP(), mb(5, "SET", "k", "v", "PXAT", when));

    /* The same expiry option twice: the last wins. */
    EXPECT("+OK\r\n", "SET", "k", "v", "EX", "10", "EX", "20");
    assert_int_equal(ttl_of("k"), NOW + 20000);

    /* KEEPTTL keeps it, plain SET drops it. */
    EXPECT("+OK\r\n", "SET", "k", "w", "KEEPTTL");
    assert_int_equal(ttl_of("k"), NOW + 20000);
    assert_string_equal(PROP(), mb(4, "SET", "k", "w", "KEEPTTL"));
    EXPECT("+OK\r\n", "SET", "k", "w");
    assert_int_equal(ttl_of("k"), -1);

    /* NX with an expiry: the effect is logged without NX. */
    EXPECT("+OK\r\n", "SET", "n", "v", "NX", "PX", "5");
    snprintf(when, sizeof(when), "%lld", NOW + 5);
    assert_string_equal(PROP(), mb(5, "SET", "n", "v", "PXAT", when));
    /* GET with an expiry. */
    EXPECT("$1\r\nv\r\n", "SET", "n", "v2", "GET", "PX", "9");
    snprintf(when, sizeof(when), "%lld", NOW + 9);
    assert_string_equal(PROP(), mb(5, "SET", "n", "v2", "PXAT", when));

    /* The key expires at its time, not before. */
    cmdtest_set_time(NOW + 8);
    EXPECT("$2\r\nv2\r\n", "GET", "n");
    cmdtest_set_time(NOW + 9);
    EXPECT("$-1\r\n", "GET", "n");
}

static void test_set_expire_errors(void **state)
{
    (void)state;
    const char *inval = "-ERR invalid expire time in 'set' command\r\n";
    EXPECT(inval, "SET", "k", "v", "EX", "0");
    EXPECT(inval, "SET", "k", "v", "EX", "-1");
    EXPECT(inval, "SET", "k", "v", "PX", "0");
    EXPECT(inval, "SET", "k", "v", "EXAT", "0");
    EXPECT(inval, "SET", "k", "v", "PXAT", "-5");
    /* Seconds that overflow when made milliseconds. */
    EXPECT(inval, "SET", "k", "v", "EX", "9223372036854776");
    /* Relative times that overflow when the current time is added. */
    EXPECT(inval, "SET", "k", "v", "EX", "9223372036854775");
    EXPECT(inval, "SET", "k", "v", "PX", "9223372036854775807");
    /* Absolute ones are not added to the time. */
    EXPECT("+OK\r\n", "SET", "k", "v", "PXAT", "9223372036854775807");
    EXPECT("+OK\r\n", "SET", "k", "v", "EXAT", "9223372036854775");

    EXPECT(ERR_NOT_INT, "SET", "k", "v", "EX", "abc");
    EXPECT(ERR_NOT_INT, "SET", "k", "v", "EX", "1.5");
    EXPECT(ERR_NOT_INT, "SET", "k", "v", "PX", " 1");
    EXPECT(ERR_SYNTAX, "SET", "k", "v", "EX");
    EXPECT(ERR_SYNTAX, "SET", "k", "v", "EX", "10", "PX", "100");
    EXPECT(ERR_SYNTAX, "SET", "k", "v", "PX", "10", "EXAT", "100");
    EXPECT(ERR_SYNTAX, "SET", "k", "v", "PXAT", "10", "EX", "100");
    EXPECT(ERR_SYNTAX, "SET", "k", "v", "KEEPTTL", "EX", "10");
    EXPECT(ERR_SYNTAX, "SET", "k", "v", "EX", "10", "KEEPTTL");
    EXPECT(ERR_SYNTAX, "SET", "k", "v", "PERSIST");
    /* Syntax is checked before the expire value. */
    EXPECT(ERR_SYNTAX, "SET", "k", "v", "EX", "0", "bogus");
    /* None of the failures changed anything. */
    EXPECT("$1\r\nv\r\n", "GET", "k");
    assert_int_equal(ttl_of("k"), 9223372036854775000LL);
}

static void test_set_past_expiry_deletes(void **state)
{
    (void)state;
    char past[32];
    snprintf(past, sizeof(past), "%lld", NOW - 1000);

    EXPECT("+OK\r\n", "SET", "k", "v");
    long long dirty = server.dirty;
    EXPECT("+OK\r\n", "SET", "k", "v2", "PXAT", past);
    assert_string_equal(PROP(), mb(2, "DEL", "k"));
    assert_int_equal(server.dirty, dirty + 1);
    EXPECT("$-1\r\n", "GET", "k");
    assert_int_equal(db_size(c->db), 0);

    /* At exactly now it is already expired. */
    char now[32];
    snprintf(now, sizeof(now), "%lld", NOW);
    EXPECT("+OK\r\n", "SET", "k", "v");
    EXPECT("$1\r\nv\r\n", "SET", "k", "v2", "PXAT", now, "GET");
    assert_string_equal(PROP(), mb(2, "DEL", "k"));
    EXPECT("$-1\r\n", "GET", "k");

    /* On a missing key nothing changes: nothing is logged. */
    dirty = server.dirty;
    EXPECT("+OK\r\n", "SET", "k", "v", "EXAT", "1");
    assert_string_equal(PROP(), "");
    assert_int_equal(server.dirty, dirty);
    assert_int_equal(db_size(c->db), 0);

    /* Replaying the AOF keeps the logged time and lets the key expire. */
    server.loading = 1;
    EXPECT("+OK\r\n", "SET", "k", "v", "PXAT", past);
    server.loading = 0;
    assert_int_equal(ttl_of("k"), NOW - 1000);
    EXPECT("$-1\r\n", "GET", "k");
}

static void test_setnx_setex_psetex(void **state)
{
    (void)state;
    char when[32];
    EXPECT(":1\r\n", "SETNX", "k", "v");
    assert_string_equal(PROP(), mb(3, "SETNX", "k", "v"));
    long long dirty = server.dirty;
    EXPECT(":0\r\n", "SETNX", "k", "w");
    assert_string_equal(PROP(), "");
    assert_int_equal(server.dirty, dirty);
    EXPECT("$1\r\nv\r\n", "GET", "k");
    make_hash("h");
    EXPECT(":0\r\n", "SETNX", "h", "v");

    EXPECT("+OK\r\n", "SETEX", "k", "10", "v");
    assert_int_equal(ttl_of("k"), NOW + 10000);
    snprintf(when, sizeof(when), "%lld", NOW + 10000);
    assert_string_equal(PROP(), mb(5, "SET", "k", "v", "PXAT", when));
    EXPECT("+OK\r\n", "PSETEX", "k", "250", "w");
    assert_int_equal(ttl_of("k"), NOW + 250);
    snprintf(when, sizeof(when), "%lld", NOW + 250);
    assert_string_equal(PROP(), mb(5, "SET", "k", "w", "PXAT", when));
    EXPECT("$1\r\nw\r\n", "GET", "k");
    /* SETEX overwrites any type. */
    EXPECT("+OK\r\n", "SETEX", "h", "10", "v");

    EXPECT("-ERR invalid expire time in 'setex' command\r\n", "SETEX", "k", "0", "v");
    EXPECT("-ERR invalid expire time in 'psetex' command\r\n", "PSETEX", "k", "-5", "v");
    EXPECT(ERR_NOT_INT, "SETEX", "k", "ten", "v");
    EXPECT("-ERR wrong number of arguments for 'setex' command\r\n", "SETEX", "k", "10");
    EXPECT("$1\r\nw\r\n", "GET", "k");
}

/* ---- GETSET / GETDEL / GETEX ---- */

static void test_getset_getdel(void **state)
{
    (void)state;
    EXPECT("$-1\r\n", "GETSET", "k", "a");
    assert_string_equal(PROP(), mb(3, "SET", "k", "a"));
    EXPECT("+OK\r\n", "SET", "k", "a", "EX", "100");
    EXPECT("$1\r\na\r\n", "GETSET", "k", "b");
    /* GETSET drops the TTL as SET does. */
    assert_int_equal(ttl_of("k"), -1);
    EXPECT("$1\r\nb\r\n", "GET", "k");

    EXPECT("$1\r\nb\r\n", "GETDEL", "k");
    assert_string_equal(PROP(), mb(2, "DEL", "k"));
    EXPECT("$-1\r\n", "GETDEL", "k");
    assert_string_equal(PROP(), "");
    EXPECT("$-1\r\n", "GET", "k");

    make_hash("h");
    EXPECT(ERR_WRONGTYPE, "GETSET", "h", "v");
    EXPECT(ERR_WRONGTYPE, "GETDEL", "h");
    assert_string_equal(PROP(), "");
    EXPECT(":1\r\n", "HLEN", "h");
    c->resp = 3;
    EXPECT("_\r\n", "GETDEL", "nope");
    EXPECT("_\r\n", "GETSET", "new", "v");
}

static void test_getex(void **state)
{
    (void)state;
    char when[32];
    c->resp = 3;
    EXPECT("_\r\n", "GETEX", "k");
    c->resp = 2;
    EXPECT("$-1\r\n", "GETEX", "k", "EX", "10");
    /* A missing key is reported before a bad expire value. */
    EXPECT("$-1\r\n", "GETEX", "k", "EX", "0");
    EXPECT(ERR_SYNTAX, "GETEX", "k", "bogus");

    EXPECT("+OK\r\n", "SET", "k", "v");
    long long dirty = server.dirty;
    EXPECT("$1\r\nv\r\n", "GETEX", "k");
    assert_string_equal(PROP(), "");
    assert_int_equal(server.dirty, dirty);

    EXPECT("$1\r\nv\r\n", "GETEX", "k", "EX", "10");
    assert_int_equal(ttl_of("k"), NOW + 10000);
    snprintf(when, sizeof(when), "%lld", NOW + 10000);
    assert_string_equal(PROP(), mb(3, "PEXPIREAT", "k", when));

    EXPECT("$1\r\nv\r\n", "GETEX", "k", "px", "20");
    assert_int_equal(ttl_of("k"), NOW + 20);
    snprintf(when, sizeof(when), "%lld", NOW + 20);
    assert_string_equal(PROP(), mb(3, "PEXPIREAT", "k", when));

    snprintf(when, sizeof(when), "%lld", NOW / 1000 + 5);
    EXPECT("$1\r\nv\r\n", "GETEX", "k", "EXAT", when);
    assert_int_equal(ttl_of("k"), (NOW / 1000 + 5) * 1000);
    snprintf(when, sizeof(when), "%lld", (NOW / 1000 + 5) * 1000);
    assert_string_equal(PROP(), mb(3, "PEXPIREAT", "k", when));

    snprintf(when, sizeof(when), "%lld", NOW + 5);
    EXPECT("$1\r\nv\r\n", "GETEX", "k", "PXAT", when);
    assert_string_equal(PROP(), mb(3, "PEXPIREAT", "k", when));

    EXPECT("$1\r\nv\r\n", "GETEX", "k", "PERSIST");
    assert_int_equal(ttl_of("k"), -1);
    assert_string_equal(PROP(), mb(2, "PERSIST", "k"));
    /* PERSIST without a TTL changes nothing. */
    EXPECT("$1\r\nv\r\n", "GETEX", "k", "PERSIST");
    assert_string_equal(PROP(), "");

    /* An absolute time in the past deletes, after replying the value. */
    snprintf(when, sizeof(when), "%lld", NOW - 1);
    EXPECT("$1\r\nv\r\n", "GETEX", "k", "PXAT", when);
    assert_string_equal(PROP(), mb(2, "DEL", "k"));
    EXPECT("$-1\r\n", "GET", "k");

    EXPECT("+OK\r\n", "SET", "k", "v");
    EXPECT("-ERR invalid expire time in 'getex' command\r\n", "GETEX", "k", "EX", "0");
    EXPECT("-ERR invalid expire time in 'getex' command\r\n", "GETEX", "k", "PX",
           "9223372036854775807");
    EXPECT(ERR_NOT_INT, "GETEX", "k", "EX", "x");
    EXPECT(ERR_SYNTAX, "GETEX", "k", "PERSIST", "EX", "1");
    EXPECT(ERR_SYNTAX, "GETEX", "k", "EX", "1", "PERSIST");
    EXPECT(ERR_SYNTAX, "GETEX", "k", "EX", "1", "PX", "1");
    EXPECT(ERR_SYNTAX, "GETEX", "k", "KEEPTTL");
    EXPECT(ERR_SYNTAX, "GETEX", "k", "NX");
    EXPECT(ERR_SYNTAX, "GETEX", "k", "GET");
    EXPECT(ERR_SYNTAX, "GETEX", "k", "EX");
    assert_int_equal(ttl_of("k"), -1);

    make_hash("h");
    EXPECT(ERR_WRONGTYPE, "GETEX", "h", "EX", "10");
}

/* ---- multi-key ---- */

static void test_mget_mset(void **state)
{
    (void)state;
    EXPECT("+OK\r\n", "MSET", "a", "1", "b", "2");
    assert_string_equal(PROP(), mb(5, "MSET", "a", "1", "b", "2"));
    make_hash("h");
    EXPECT("*4\r\n$1\r\n1\r\n$1\r\n2\r\n$-1\r\n$-1\r\n", "MGET", "a", "b", "h", "c");
    c->resp = 3;
    EXPECT("*2\r\n_\r\n$1\r\n1\r\n", "MGET", "nope", "a");
    c->resp = 2;

    /* MSET drops TTLs and overwrites other types; later pairs win. */
    EXPECT("+OK\r\n", "SET", "t", "x", "EX", "10");
    EXPECT("+OK\r\n", "MSET", "t", "y", "h", "s", "t", "z");
    assert_int_equal(ttl_of("t"), -1);
    EXPECT("*2\r\n$1\r\nz\r\n$1\r\ns\r\n", "MGET", "t", "h");

    EXPECT("-ERR wrong number of arguments for 'mset' command\r\n", "MSET", "a", "1", "b");
    EXPECT("-ERR wrong number of arguments for 'mset' command\r\n", "MSET", "a");
    EXPECT("-ERR wrong number of arguments for 'msetnx' command\r\n", "MSETNX", "a", "1", "b");

    long long dirty = server.dirty;
    EXPECT(":0\r\n", "MSETNX", "new1", "x", "a", "y");
    assert_string_equal(PROP(), "");
    assert_int_equal(server.dirty, dirty);
    EXPECT("*2\r\n$-1\r\n$1\r\n1\r\n", "MGET", "new1", "a");
    EXPECT(":1\r\n", "MSETNX", "new1", "x", "new2", "y");
    assert_int_equal(server.dirty, dirty + 2);
    assert_string_equal(PROP(), mb(5, "MSETNX", "new1", "x", "new2", "y"));
    EXPECT("*2\r\n$1\r\nx\r\n$1\r\ny\r\n", "MGET", "new1", "new2");

    /* Many pairs (past the handler's stack array). */
    const char *argv[1 + 2 * 40];
    char names[40][8];
    argv[0] = "MSET";
    for (int i = 0; i < 40; i++) {
        snprintf(names[i], sizeof(names[i]), "m%d", i);
        argv[1 + 2 * i] = names[i];
        argv[2 + 2 * i] = names[i];
    }
    assert_string_equal(cmdtest_runv(c, 81, argv, NULL), "+OK\r\n");
    EXPECT("$3\r\nm39\r\n", "GET", "m39");
}

/* ---- counters ---- */

static void test_incr_decr(void **state)
{
    (void)state;
    EXPECT(":1\r\n", "INCR", "n");
    assert_string_equal(PROP(), mb(2, "INCR", "n"));
    EXPECT(":2\r\n", "INCR", "n");
    EXPECT(":12\r\n", "INCRBY", "n", "10");
    EXPECT(":-8\r\n", "INCRBY", "n", "-20");
    EXPECT(":-9\r\n", "DECR", "n");
    EXPECT(":0\r\n", "DECRBY", "n", "-9");
    EXPECT("$1\r\n0\r\n", "GET", "n");
    EXPECT(":-1\r\n", "DECR", "fresh");

    /* A counter keeps its TTL. */
    EXPECT("+OK\r\n", "SET", "t", "100", "EX", "100");
    EXPECT(":101\r\n", "INCR", "t");
    assert_int_equal(ttl_of("t"), NOW + 100000);

    /* Growing past the allocation works (in place or moved). */
    EXPECT("+OK\r\n", "SET", "g", "9");
    EXPECT(":10\r\n", "INCR", "g");
    EXPECT(":1000000000010\r\n", "INCRBY", "g", "1000000000000");
    EXPECT("$13\r\n1000000000010\r\n", "GET", "g");

    EXPECT("+OK\r\n", "SET", "max", "9223372036854775807");
    long long dirty = server.dirty;
    EXPECT("-ERR increment or decrement would overflow\r\n", "INCR", "max");
    assert_int_equal(server.dirty, dirty);
    assert_string_equal(PROP(), "");
    EXPECT("+OK\r\n", "SET", "min", "-9223372036854775808");
    EXPECT("-ERR increment or decrement would overflow\r\n", "DECR", "min");
    EXPECT("-ERR increment or decrement would overflow\r\n", "INCRBY", "min", "-1");
    EXPECT(":-1\r\n", "INCRBY", "max", "-9223372036854775808");
    EXPECT("-ERR decrement would overflow\r\n", "DECRBY", "n", "-9223372036854775808");

    EXPECT("+OK\r\n", "SET", "s", "abc");
    EXPECT(ERR_NOT_INT, "INCR", "s");
    EXPECT("+OK\r\n", "SET", "s", " 1");
    EXPECT(ERR_NOT_INT, "INCR", "s");
    EXPECT("+OK\r\n", "SET", "s", "01");
    EXPECT(ERR_NOT_INT, "INCR", "s");
    EXPECT("+OK\r\n", "SET", "s", "");
    EXPECT(ERR_NOT_INT, "INCR", "s");
    EXPECT("+OK\r\n", "SET", "s", "9223372036854775808");
    EXPECT(ERR_NOT_INT, "INCR", "s");
    EXPECT(ERR_NOT_INT, "INCRBY", "n", "1.0");
    EXPECT(ERR_NOT_INT, "DECRBY", "n", "x");
    make_hash("h");
    EXPECT(ERR_WRONGTYPE, "INCR", "h");
    /* The increment is validated before the key. */
    EXPECT(ERR_NOT_INT, "INCRBY", "h", "x");
}

static void test_incrbyfloat(void **state)
{
    (void)state;
    EXPECT("$4\r\n10.5\r\n", "INCRBYFLOAT", "f", "10.5");
    assert_string_equal(PROP(), mb(4, "SET", "f", "10.5", "KEEPTTL"));
    EXPECT("+OK\r\n", "SET", "x", "3.0");
    EXPECT("$3\r\n3.1\r\n", "INCRBYFLOAT", "x", "0.1");
    EXPECT("$1\r\n0\r\n", "INCRBYFLOAT", "x", "-3.1");
    EXPECT("$4\r\n1000\r\n", "INCRBYFLOAT", "x", "1e3");
    EXPECT("$4\r\n1016\r\n", "INCRBYFLOAT", "x", "0x10");
    EXPECT("$4\r\n1016\r\n", "GET", "x");
    /* Integers too. */
    EXPECT("+OK\r\n", "SET", "i", "5");
    EXPECT("$3\r\n7.5\r\n", "INCRBYFLOAT", "i", "2.5");
    /* TTL kept. */
    EXPECT("+OK\r\n", "SET", "t", "1", "PX", "5000");
    EXPECT("$1\r\n2\r\n", "INCRBYFLOAT", "t", "1");
    assert_int_equal(ttl_of("t"), NOW + 5000);

    long long dirty = server.dirty;
    EXPECT("-ERR increment would produce NaN or Infinity\r\n", "INCRBYFLOAT", "x", "inf");
    EXPECT("-ERR increment would produce NaN or Infinity\r\n", "INCRBYFLOAT", "x", "-inf");
    EXPECT(ERR_NOT_FLOAT, "INCRBYFLOAT", "x", "nan");
    EXPECT(ERR_NOT_FLOAT, "INCRBYFLOAT", "x", "abc");
    EXPECT(ERR_NOT_FLOAT, "INCRBYFLOAT", "x", " 1");
    EXPECT(ERR_NOT_FLOAT, "INCRBYFLOAT", "x", "1 ");
    EXPECT(ERR_NOT_FLOAT, "INCRBYFLOAT", "x", "");
    assert_int_equal(server.dirty, dirty);
    assert_string_equal(PROP(), "");
    EXPECT("+OK\r\n", "SET", "s", "1.5x");
    EXPECT(ERR_NOT_FLOAT, "INCRBYFLOAT", "s", "1");
    make_hash("h");
    EXPECT(ERR_WRONGTYPE, "INCRBYFLOAT", "h", "1");
    EXPECT(ERR_WRONGTYPE, "INCRBYFLOAT", "h", "x");

    /* Huge but finite long doubles are written out in full. */
    const char *r = RUN("INCRBYFLOAT", "big", "1e400");
    assert_true(strncmp(r, "$401\r\n1000000000000000000", 24) == 0);
}

/* ---- APPEND / STRLEN / GETRANGE / SETRANGE ---- */

static void test_append_strlen(void **state)
{
    (void)state;
    EXPECT(":0\r\n", "STRLEN", "k");
    EXPECT(":5\r\n", "APPEND", "k", "hello");
    assert_string_equal(PROP(), mb(3, "APPEND", "k", "hello"));
    EXPECT(":11\r\n", "APPEND", "k", " world");
    EXPECT("$11\r\nhello world\r\n", "GET", "k");
    EXPECT(":11\r\n", "STRLEN", "k");
    /* Appending nothing to nothing creates an empty string. */
    EXPECT(":0\r\n", "APPEND", "e", "");
    EXPECT("$0\r\n\r\n", "GET", "e");
    /* Many appends (reallocation) keep every byte. */
    for (int i = 0; i < 200; i++)
        RUN("APPEND", "grow", "0123456789");
    EXPECT(":2000\r\n", "STRLEN", "grow");
    EXPECT("$10\r\n0123456789\r\n", "GETRANGE", "grow", "1990", "-1");
    /* A TTL survives APPEND. */
    EXPECT("+OK\r\n", "SET", "t", "a", "EX", "10");
    EXPECT(":2\r\n", "APPEND", "t", "b");
    assert_int_equal(ttl_of("t"), NOW + 10000);

    make_hash("h");
    EXPECT(ERR_WRONGTYPE, "APPEND", "h", "x");
    EXPECT(ERR_WRONGTYPE, "STRLEN", "h");

    server.cfg->proto_max_bulk_len = 12;
    EXPECT("-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n", "APPEND", "k",
           "xx");
    EXPECT(":12\r\n", "APPEND", "k", "x");
    EXPECT(":12\r\n", "STRLEN", "k");
}

static void test_getrange(void **state)
{
    (void)state;
    EXPECT("$0\r\n\r\n", "GETRANGE", "nokey", "0", "-1");
    EXPECT("+OK\r\n", "SET", "s", "hello");
    EXPECT("$5\r\nhello\r\n", "GETRANGE", "s", "0", "-1");
    EXPECT("$2\r\nlo\r\n", "GETRANGE", "s", "3", "100");
    EXPECT("$2\r\nhe\r\n", "GETRANGE", "s", "-100", "1");
    EXPECT("$0\r\n\r\n", "GETRANGE", "s", "-1", "-5");
    EXPECT("$1\r\no\r\n", "GETRANGE", "s", "-1", "-1");
    EXPECT("$0\r\n\r\n", "GETRANGE", "s", "3", "2");
    EXPECT("$0\r\n\r\n", "GETRANGE", "s", "5", "10");
    EXPECT("$1\r\nh\r\n", "GETRANGE", "s", "-9223372036854775808", "0");
    EXPECT("$5\r\nhello\r\n", "GETRANGE", "s", "0", "9223372036854775807");
    EXPECT("$3\r\nell\r\n", "SUBSTR", "s", "1", "3");
    EXPECT("+OK\r\n", "SET", "e", "");
    EXPECT("$0\r\n\r\n", "GETRANGE", "e", "0", "-1");
    EXPECT(ERR_NOT_INT, "GETRANGE", "s", "a", "1");
    EXPECT(ERR_NOT_INT, "GETRANGE", "s", "0", "1.5");
    make_hash("h");
    EXPECT(ERR_WRONGTYPE, "GETRANGE", "h", "0", "1");
    /* Argument errors come before the type check. */
    EXPECT(ERR_NOT_INT, "GETRANGE", "h", "x", "1");
}

static void test_setrange(void **state)
{
    (void)state;
    EXPECT(":0\r\n", "SETRANGE", "k", "5", "");
    assert_int_equal(db_size(c->db), 0);
    assert_string_equal(PROP(), "");
    EXPECT(":5\r\n", "SETRANGE", "k", "2", "abc");
    assert_string_equal(PROP(), mb(4, "SETRANGE", "k", "2", "abc"));
    const char *r = RUN("GET", "k");
    assert_int_equal(cmdtest_last_len(), 4 + 5 + 2);
    assert_memory_equal(r, "$5\r\n\0\0abc\r\n", 11);
    EXPECT(":5\r\n", "SETRANGE", "k", "0", "XY");
    EXPECT("$5\r\nXYabc\r\n", "GET", "k");
    EXPECT(":8\r\n", "SETRANGE", "k", "5", "def");
    EXPECT("$8\r\nXYabcdef\r\n", "GET", "k");
    long long dirty = server.dirty;
    EXPECT(":8\r\n", "SETRANGE", "k", "100", "");
    assert_int_equal(server.dirty, dirty);
    EXPECT("+OK\r\n", "SET", "t", "abc", "EX", "10");
    EXPECT(":3\r\n", "SETRANGE", "t", "0", "x");
    assert_int_equal(ttl_of("t"), NOW + 10000);

    EXPECT("-ERR offset is out of range\r\n", "SETRANGE", "k", "-1", "x");
    EXPECT(ERR_NOT_INT, "SETRANGE", "k", "x", "x");
    const char *big = "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n";
    EXPECT(big, "SETRANGE", "k", "536870912", "x");
    EXPECT(big, "SETRANGE", "new", "536870911", "xy");
    EXPECT(big, "SETRANGE", "k", "9223372036854775807", "x");
    make_hash("h");
    EXPECT(ERR_WRONGTYPE, "SETRANGE", "h", "0", "x");
    EXPECT(ERR_WRONGTYPE, "SETRANGE", "h", "0", "");
    EXPECT("-ERR offset is out of range\r\n", "SETRANGE", "h", "-1", "x");
}

/* ---- expiry, statistics, table ---- */

static void test_expired_keys_are_missing(void **state)
{
    (void)state;
    EXPECT("+OK\r\n", "SET", "k", "v", "PX", "100");
    cmdtest_set_time(NOW + 100);
    EXPECT("$-1\r\n", "GET", "k");
    EXPECT(":0\r\n", "STRLEN", "k");
    EXPECT(":1\r\n", "INCR", "k");
    assert_int_equal(ttl_of("k"), -1);
    EXPECT("+OK\r\n", "SET", "a", "v", "PX", "100");
    cmdtest_set_time(NOW + 300);
    EXPECT(":1\r\n", "APPEND", "a", "x");
    assert_int_equal(ttl_of("a"), -1);
    EXPECT("+OK\r\n", "SET", "b", "v", "PX", "100");
    cmdtest_set_time(NOW + 500);
    EXPECT(":1\r\n", "SETNX", "b", "w");
    EXPECT("$1\r\nw\r\n", "GET", "b");
}

static void test_keyspace_stats(void **state)
{
    (void)state;
    server.stat_keyspace_hits = server.stat_keyspace_misses = 0;
    RUN("SET", "k", "v");
    RUN("GET", "k");
    RUN("GET", "nope");
    RUN("MGET", "k", "nope", "k");
    RUN("STRLEN", "k");
    RUN("GETRANGE", "nope", "0", "1");
    assert_int_equal(server.stat_keyspace_hits, 4);
    assert_int_equal(server.stat_keyspace_misses, 3);
    /* Writes that only look up do not count. */
    RUN("INCR", "n");
    RUN("APPEND", "k", "x");
    RUN("SETNX", "k", "x");
    assert_int_equal(server.stat_keyspace_hits, 4);
    assert_int_equal(server.stat_keyspace_misses, 3);
}

static void test_command_table(void **state)
{
    (void)state;
    const struct {
        const char *name;
        int arity;
        uint32_t flags;
        int first, last, step;
    } want[] = {
        {"get", 2, CMD_READONLY | CMD_FAST, 1, 1, 1},
        {"set", -3, CMD_WRITE | CMD_DENYOOM, 1, 1, 1},
        {"getex", -2, CMD_WRITE | CMD_FAST, 1, 1, 1},
        {"getdel", 2, CMD_WRITE | CMD_FAST, 1, 1, 1},
        {"mget", -2, CMD_READONLY | CMD_FAST, 1, -1, 1},
        {"mset", -3, CMD_WRITE | CMD_DENYOOM, 1, -1, 2},
        {"msetnx", -3, CMD_WRITE | CMD_DENYOOM, 1, -1, 2},
        {"incrbyfloat", 3, CMD_WRITE | CMD_DENYOOM | CMD_FAST, 1, 1, 1},
        {"getrange", 4, CMD_READONLY, 1, 1, 1},
        {"substr", 4, CMD_READONLY, 1, 1, 1},
        {"setrange", 4, CMD_WRITE | CMD_DENYOOM, 1, 1, 1},
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        struct command *cmd = command_lookup(want[i].name, strlen(want[i].name));
        assert_non_null(cmd);
        assert_int_equal(cmd->arity, want[i].arity);
        assert_int_equal(cmd->flags, want[i].flags);
        assert_int_equal(cmd->first_key, want[i].first);
        assert_int_equal(cmd->last_key, want[i].last);
        assert_int_equal(cmd->key_step, want[i].step);
    }
    for (struct command *cmd = string_commands; cmd->name; cmd++) {
        assert_string_equal(cmd->group, "string");
        assert_non_null(cmd->since);
        assert_non_null(cmd->summary);
        assert_non_null(cmd->complexity);
        assert_non_null(cmd->args);
        assert_non_null(cmd->proc);
        /* Every write is marked as one, and nothing is both. */
        assert_true(!!(cmd->flags & CMD_WRITE) != !!(cmd->flags & CMD_READONLY));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_set_get, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_overwrite_in_place, setup, teardown),
        cmocka_unit_test_setup_teardown(test_binary_safe, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_nx_xx, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_get_option, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_expire_options, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_expire_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_past_expiry_deletes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_setnx_setex_psetex, setup, teardown),
        cmocka_unit_test_setup_teardown(test_getset_getdel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_getex, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mget_mset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_incr_decr, setup, teardown),
        cmocka_unit_test_setup_teardown(test_incrbyfloat, setup, teardown),
        cmocka_unit_test_setup_teardown(test_append_strlen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_getrange, setup, teardown),
        cmocka_unit_test_setup_teardown(test_setrange, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expired_keys_are_missing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keyspace_stats, setup, teardown),
        cmocka_unit_test_setup_teardown(test_command_table, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
