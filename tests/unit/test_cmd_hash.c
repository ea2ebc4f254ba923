/* Unit tests for the hash commands (commands/hash.c): exact reply bytes in
 * RESP2 and RESP3, Redis's error texts, removal of emptied hashes, random
 * fields, HSCAN cursors, and what each write propagates. */
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

#define NOW 1700000000000LL

static struct client *c;

#define RUN(...)           cmdtest_run(c, __VA_ARGS__, NULL)
#define EXPECT(reply, ...) assert_string_equal(RUN(__VA_ARGS__), reply)
#define PROP()             cmdtest_propagated()

static const char ERR_SYNTAX[] = "-ERR syntax error\r\n";
static const char ERR_NOT_INT[] = "-ERR value is not an integer or out of range\r\n";
static const char ERR_NOT_FLOAT[] = "-ERR value is not a valid float\r\n";
static const char ERR_WRONGTYPE[] =
    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

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

/* A minimal RESP reader for replies whose order is not fixed. */
struct reader {
    const char *p, *end;
};

/* Reads a header line "<t><n>\r\n" and returns n; asserts the type. */
static long long rd_head(struct reader *r, char type)
{
    assert_true(r->p < r->end);
    assert_int_equal(*r->p, type);
    char *e;
    long long n = strtoll(r->p + 1, &e, 10);
    assert_memory_equal(e, "\r\n", 2);
    r->p = e + 2;
    return n;
}

/* Reads a bulk string into out (NUL-terminated). */
static void rd_bulk(struct reader *r, char *out, size_t size)
{
    long long n = rd_head(r, '$');
    assert_true(n >= 0 && (size_t)n < size);
    memcpy(out, r->p, (size_t)n);
    out[n] = '\0';
    r->p += n;
    assert_memory_equal(r->p, "\r\n", 2);
    r->p += 2;
}

static struct reader reader_of(const char *reply)
{
    struct reader r = {reply, reply + cmdtest_last_len()};
    return r;
}

/* h = {f0: v0, ..., f<n-1>: v<n-1>} */
static void fill_hash(const char *key, int n)
{
    for (int i = 0; i < n; i++) {
        char f[16], v[16];
        snprintf(f, sizeof(f), "f%d", i);
        snprintf(v, sizeof(v), "v%d", i);
        RUN("HSET", key, f, v);
    }
}

/* ---- set / get ---- */

static void test_hset_hget(void **state)
{
    (void)state;
    EXPECT("$-1\r\n", "HGET", "h", "f");
    EXPECT(":2\r\n", "HSET", "h", "a", "1", "b", "2");
    assert_string_equal(PROP(), mb(6, "HSET", "h", "a", "1", "b", "2"));
    long long dirty = server.dirty;
    EXPECT(":1\r\n", "HSET", "h", "a", "10", "c", "3");
    assert_int_equal(server.dirty, dirty + 2);
    EXPECT("$2\r\n10\r\n", "HGET", "h", "a");
    EXPECT("$-1\r\n", "HGET", "h", "zz");
    EXPECT(":0\r\n", "HSET", "h", "a", "11");
    EXPECT("$2\r\n11\r\n", "HGET", "h", "a");
    c->resp = 3;
    EXPECT("_\r\n", "HGET", "h", "zz");
    EXPECT("_\r\n", "HGET", "nokey", "zz");
    c->resp = 2;

    EXPECT("+OK\r\n", "HMSET", "h", "d", "4");
    assert_string_equal(PROP(), mb(4, "HMSET", "h", "d", "4"));
    EXPECT(":4\r\n", "HLEN", "h");
    EXPECT(":0\r\n", "HLEN", "nokey");

    EXPECT("-ERR wrong number of arguments for 'hset' command\r\n", "HSET", "h", "a", "1", "b");
    EXPECT("-ERR wrong number of arguments for 'hset' command\r\n", "HSET", "h", "a");
    EXPECT("-ERR wrong number of arguments for 'hmset' command\r\n", "HMSET", "h", "a", "1", "b");

    EXPECT("+OK\r\n", "SET", "s", "x");
    EXPECT(ERR_WRONGTYPE, "HSET", "s", "a", "1");
    EXPECT(ERR_WRONGTYPE, "HMSET", "s", "a", "1");
    EXPECT(ERR_WRONGTYPE, "HGET", "s", "a");
    EXPECT(ERR_WRONGTYPE, "HLEN", "s");
    EXPECT("$1\r\nx\r\n", "GET", "s");
}

static void test_binary_fields(void **state)
{
    (void)state;
    const char *set[] = {"HSET", "h\0", "f\0\r\n", "v\0"};
    size_t setl[] = {4, 2, 4, 2};
    assert_string_equal(cmdtest_runv(c, 4, set, setl), ":1\r\n");
    const char *get[] = {"HGET", "h\0", "f\0\r\n"};
    size_t getl[] = {4, 2, 4};
    const char *r = cmdtest_runv(c, 3, get, getl);
    assert_int_equal(cmdtest_last_len(), 8);
    assert_memory_equal(r, "$2\r\nv\0\r\n", 8);
    EXPECT("$-1\r\n", "HGET", "h", "f");
    r = cmdtest_runv(c, 2, (const char *[]){"HGETALL", "h\0"}, (size_t[]){7, 2});
    assert_int_equal(cmdtest_last_len(), 4 + 10 + 8);
    assert_memory_equal(r, "*2\r\n$4\r\nf\0\r\n\r\n$2\r\nv\0\r\n", 22);
}

static void test_hsetnx(void **state)
{
    (void)state;
    EXPECT(":1\r\n", "HSETNX", "h", "f", "v");
    assert_string_equal(PROP(), mb(4, "HSETNX", "h", "f", "v"));
    long long dirty = server.dirty;
    EXPECT(":0\r\n", "HSETNX", "h", "f", "w");
    assert_string_equal(PROP(), "");
    assert_int_equal(server.dirty, dirty);
    EXPECT("$1\r\nv\r\n", "HGET", "h", "f");
    EXPECT(":1\r\n", "HSETNX", "h", "g", "w");
    EXPECT(":2\r\n", "HLEN", "h");
    EXPECT("+OK\r\n", "SET", "s", "x");
    EXPECT(ERR_WRONGTYPE, "HSETNX", "s", "f", "v");
}

static void test_hmget(void **state)
{
    (void)state;
    EXPECT("*2\r\n$-1\r\n$-1\r\n", "HMGET", "nokey", "a", "b");
    RUN("HSET", "h", "a", "1", "b", "2");
    EXPECT("*3\r\n$1\r\n1\r\n$-1\r\n$1\r\n2\r\n", "HMGET", "h", "a", "x", "b");
    c->resp = 3;
    EXPECT("*2\r\n_\r\n$1\r\n1\r\n", "HMGET", "h", "x", "a");
    RUN("SET", "s", "x");
    EXPECT(ERR_WRONGTYPE, "HMGET", "s", "a");
    EXPECT("-ERR wrong number of arguments for 'hmget' command\r\n", "HMGET", "h");
}

static void test_hdel(void **state)
{
    (void)state;
    EXPECT(":0\r\n", "HDEL", "nokey", "a");
    assert_string_equal(PROP(), "");
    RUN("HSET", "h", "a", "1", "b", "2", "c", "3");
    long long dirty = server.dirty;
    EXPECT(":0\r\n", "HDEL", "h", "x", "y");
    assert_int_equal(server.dirty, dirty);
    assert_string_equal(PROP(), "");
    EXPECT(":2\r\n", "HDEL", "h", "a", "x", "b", "a");
    assert_int_equal(server.dirty, dirty + 2);
    assert_string_equal(PROP(), mb(6, "HDEL", "h", "a", "x", "b", "a"));
    EXPECT(":1\r\n", "HLEN", "h");
    /* Deleting the last field deletes the key. */
    EXPECT(":1\r\n", "HDEL", "h", "c", "c");
    assert_int_equal(db_size(c->db), 0);
    EXPECT("$-1\r\n", "HGET", "h", "c");
    EXPECT("$-1\r\n", "GET", "h");
    RUN("SET", "s", "x");
    EXPECT(ERR_WRONGTYPE, "HDEL", "s", "a");
}

static void test_hexists_hstrlen(void **state)
{
    (void)state;
    EXPECT(":0\r\n", "HEXISTS", "h", "a");
    EXPECT(":0\r\n", "HSTRLEN", "h", "a");
    RUN("HSET", "h", "a", "hello", "e", "");
    EXPECT(":1\r\n", "HEXISTS", "h", "a");
    EXPECT(":1\r\n", "HEXISTS", "h", "e");
    EXPECT(":0\r\n", "HEXISTS", "h", "b");
    EXPECT(":5\r\n", "HSTRLEN", "h", "a");
    EXPECT(":0\r\n", "HSTRLEN", "h", "e");
    EXPECT(":0\r\n", "HSTRLEN", "h", "b");
    c->resp = 3;
    EXPECT(":1\r\n", "HEXISTS", "h", "a");
    RUN("SET", "s", "x");
    EXPECT(ERR_WRONGTYPE, "HEXISTS", "s", "a");
    EXPECT(ERR_WRONGTYPE, "HSTRLEN", "s", "a");
}

static void test_getall_keys_vals(void **state)
{
    (void)state;
    EXPECT("*0\r\n", "HGETALL", "nokey");
    EXPECT("*0\r\n", "HKEYS", "nokey");
    EXPECT("*0\r\n", "HVALS", "nokey");
    RUN("HSET", "h", "f", "v");
    EXPECT("*2\r\n$1\r\nf\r\n$1\r\nv\r\n", "HGETALL", "h");
    EXPECT("*1\r\n$1\r\nf\r\n", "HKEYS", "h");
    EXPECT("*1\r\n$1\r\nv\r\n", "HVALS", "h");
    c->resp = 3;
    EXPECT("%0\r\n", "HGETALL", "nokey");
    EXPECT("*0\r\n", "HKEYS", "nokey");
    EXPECT("%1\r\n$1\r\nf\r\n$1\r\nv\r\n", "HGETALL", "h");
    EXPECT("*1\r\n$1\r\nf\r\n", "HKEYS", "h");
    c->resp = 2;

    /* Every pair comes back, once, and keys/vals agree with the pairs. */
    fill_hash("big", 100);
    const char *r = RUN("HGETALL", "big");
    struct reader rd = reader_of(r);
    assert_int_equal(rd_head(&rd, '*'), 200);
    int seen[100] = {0};
    for (int i = 0; i < 100; i++) {
        char f[16], v[16];
        rd_bulk(&rd, f, sizeof(f));
        rd_bulk(&rd, v, sizeof(v));
        int n = atoi(f + 1);
        assert_true(n >= 0 && n < 100);
        assert_int_equal(atoi(v + 1), n);
        seen[n]++;
    }
    for (int i = 0; i < 100; i++)
        assert_int_equal(seen[i], 1);
    assert_ptr_equal(rd.p, rd.end);
    r = RUN("HKEYS", "big");
    rd = reader_of(r);
    assert_int_equal(rd_head(&rd, '*'), 100);
    char f[16];
    rd_bulk(&rd, f, sizeof(f));
    assert_int_equal(f[0], 'f');

    RUN("SET", "s", "x");
    EXPECT(ERR_WRONGTYPE, "HGETALL", "s");
    EXPECT(ERR_WRONGTYPE, "HKEYS", "s");
    EXPECT(ERR_WRONGTYPE, "HVALS", "s");
}

/* ---- counters ---- */

static void test_hincrby(void **state)
{
    (void)state;
    EXPECT(":5\r\n", "HINCRBY", "h", "n", "5");
    assert_string_equal(PROP(), mb(4, "HINCRBY", "h", "n", "5"));
    EXPECT(":-5\r\n", "HINCRBY", "h", "n", "-10");
    EXPECT("$2\r\n-5\r\n", "HGET", "h", "n");
    EXPECT(":1\r\n", "HINCRBY", "h", "m", "1");
    EXPECT(":2\r\n", "HLEN", "h");

    RUN("HSET", "h", "max", "9223372036854775807", "s", "abc", "sp", " 1");
    long long dirty = server.dirty;
    EXPECT("-ERR increment or decrement would overflow\r\n", "HINCRBY", "h", "max", "1");
    EXPECT("-ERR hash value is not an integer\r\n", "HINCRBY", "h", "s", "1");
    EXPECT("-ERR hash value is not an integer\r\n", "HINCRBY", "h", "sp", "1");
    EXPECT(ERR_NOT_INT, "HINCRBY", "h", "n", "x");
    EXPECT(ERR_NOT_INT, "HINCRBY", "h", "n", "1.5");
    assert_int_equal(server.dirty, dirty);
    assert_string_equal(PROP(), "");
    EXPECT(":-1\r\n", "HINCRBY", "h", "max", "-9223372036854775808");

    /* A failed increment on a missing key leaves no empty hash. */
    EXPECT(ERR_NOT_INT, "HINCRBY", "nokey", "n", "x");
    assert_null(db_lookup(c->db, "nokey", 5, NOW));
    RUN("SET", "str", "x");
    EXPECT(ERR_WRONGTYPE, "HINCRBY", "str", "n", "1");
}

static void test_hincrbyfloat(void **state)
{
    (void)state;
    EXPECT("$3\r\n1.5\r\n", "HINCRBYFLOAT", "h", "f", "1.5");
    assert_string_equal(PROP(), mb(4, "HSET", "h", "f", "1.5"));
    EXPECT("$3\r\n1.6\r\n", "HINCRBYFLOAT", "h", "f", "0.1");
    assert_string_equal(PROP(), mb(4, "HSET", "h", "f", "1.6"));
    EXPECT("$1\r\n0\r\n", "HINCRBYFLOAT", "h", "f", "-1.6");
    EXPECT("$4\r\n1000\r\n", "HINCRBYFLOAT", "h", "g", "1e3");
    RUN("HSET", "h", "i", "7");
    EXPECT("$3\r\n7.5\r\n", "HINCRBYFLOAT", "h", "i", "0.5");

    RUN("HSET", "h", "s", "abc");
    long long dirty = server.dirty;
    EXPECT("-ERR hash value is not a float\r\n", "HINCRBYFLOAT", "h", "s", "1");
    EXPECT("-ERR value is NaN or Infinity\r\n", "HINCRBYFLOAT", "h", "f", "inf");
    EXPECT("-ERR value is NaN or Infinity\r\n", "HINCRBYFLOAT", "h", "f", "-Infinity");
    EXPECT(ERR_NOT_FLOAT, "HINCRBYFLOAT", "h", "f", "nan");
    EXPECT(ERR_NOT_FLOAT, "HINCRBYFLOAT", "h", "f", "x");
    RUN("HSET", "h", "hinf", "inf");
    dirty = server.dirty;
    EXPECT("-ERR increment would produce NaN or Infinity\r\n", "HINCRBYFLOAT", "h", "hinf", "1");
    assert_int_equal(server.dirty, dirty);
    assert_string_equal(PROP(), "");
    EXPECT(ERR_NOT_FLOAT, "HINCRBYFLOAT", "nokey", "f", "x");
    assert_null(db_lookup(c->db, "nokey", 5, NOW));
    RUN("SET", "str", "x");
    EXPECT(ERR_WRONGTYPE, "HINCRBYFLOAT", "str", "f", "1");
}

/* ---- HRANDFIELD ---- */

static void test_hrandfield_single(void **state)
{
    (void)state;
    EXPECT("$-1\r\n", "HRANDFIELD", "nokey");
    c->resp = 3;
    EXPECT("_\r\n", "HRANDFIELD", "nokey");
    EXPECT("*0\r\n", "HRANDFIELD", "nokey", "3");
    EXPECT("*0\r\n", "HRANDFIELD", "nokey", "-3", "WITHVALUES");
    c->resp = 2;
    EXPECT("*0\r\n", "HRANDFIELD", "nokey", "3");
    RUN("HSET", "h", "only", "val");
    EXPECT("$4\r\nonly\r\n", "HRANDFIELD", "h");
    EXPECT("*0\r\n", "HRANDFIELD", "h", "0");
    EXPECT("*1\r\n$4\r\nonly\r\n", "HRANDFIELD", "h", "1");
    EXPECT("*1\r\n$4\r\nonly\r\n", "HRANDFIELD", "h", "5");
    EXPECT("*3\r\n$4\r\nonly\r\n$4\r\nonly\r\n$4\r\nonly\r\n", "HRANDFIELD", "h", "-3");
    EXPECT("*2\r\n$4\r\nonly\r\n$3\r\nval\r\n", "HRANDFIELD", "h", "1", "WITHVALUES");
    EXPECT("*4\r\n$4\r\nonly\r\n$3\r\nval\r\n$4\r\nonly\r\n$3\r\nval\r\n", "HRANDFIELD", "h", "-2",
           "withvalues");
    c->resp = 3;
    EXPECT("*1\r\n*2\r\n$4\r\nonly\r\n$3\r\nval\r\n", "HRANDFIELD", "h", "1", "WITHVALUES");
    EXPECT("*2\r\n*2\r\n$4\r\nonly\r\n$3\r\nval\r\n*2\r\n$4\r\nonly\r\n$3\r\nval\r\n", "HRANDFIELD",
           "h", "-2", "WITHVALUES");
    EXPECT("*1\r\n$4\r\nonly\r\n", "HRANDFIELD", "h", "1");
    c->resp = 2;

    EXPECT(ERR_NOT_INT, "HRANDFIELD", "h", "x");
    EXPECT(ERR_SYNTAX, "HRANDFIELD", "h", "1", "WITHVALUE");
    EXPECT(ERR_SYNTAX, "HRANDFIELD", "h", "1", "WITHVALUES", "x");
    EXPECT("-ERR value is out of range, value must between -9223372036854775807 and "
           "9223372036854775807\r\n",
           "HRANDFIELD", "h", "-9223372036854775808");
    EXPECT("-ERR value is out of range\r\n", "HRANDFIELD", "h", "-9223372036854775807",
           "WITHVALUES");
    EXPECT("-ERR value is out of range\r\n", "HRANDFIELD", "h", "4611686018427387904",
           "WITHVALUES");
    RUN("SET", "s", "x");
    EXPECT(ERR_WRONGTYPE, "HRANDFIELD", "s");
    EXPECT(ERR_WRONGTYPE, "HRANDFIELD", "s", "2");
}

/* Checks a HRANDFIELD reply of `want` elements: distinct when uniq, each a
 * real field whose value matches when withvalues. */
static void check_randfield(const char *reply, long long want, int uniq, int withvalues, int size)
{
    struct reader rd = reader_of(reply);
    long long n = rd_head(&rd, '*');
    assert_int_equal(n, withvalues && c->resp == 2 ? 2 * want : want);
    int *seen = calloc((size_t)size, sizeof(int));
    for (long long i = 0; i < want; i++) {
        char f[16], v[16];
        if (withvalues && c->resp == 3)
            assert_int_equal(rd_head(&rd, '*'), 2);
        rd_bulk(&rd, f, sizeof(f));
        int k = atoi(f + 1);
        assert_true(f[0] == 'f' && k >= 0 && k < size);
        if (withvalues) {
            rd_bulk(&rd, v, sizeof(v));
            assert_int_equal(atoi(v + 1), k);
        }
        seen[k]++;
        if (uniq)
            assert_int_equal(seen[k], 1);
    }
    assert_ptr_equal(rd.p, rd.end);
    free(seen);
}

static void test_hrandfield_counts(void **state)
{
    (void)state;
    fill_hash("h", 50);
    for (int resp = 2; resp <= 3; resp++) {
        c->resp = resp;
        for (int wv = 0; wv <= 1; wv++) {
            const char *opt = wv ? "WITHVALUES" : NULL;
            /* Whole hash, most of it (shuffle), a few (sampling), repeats. */
            check_randfield(RUN("HRANDFIELD", "h", "50", opt), 50, 1, wv, 50);
            check_randfield(RUN("HRANDFIELD", "h", "1000", opt), 50, 1, wv, 50);
            check_randfield(RUN("HRANDFIELD", "h", "40", opt), 40, 1, wv, 50);
            check_randfield(RUN("HRANDFIELD", "h", "5", opt), 5, 1, wv, 50);
            check_randfield(RUN("HRANDFIELD", "h", "-200", opt), 200, 0, wv, 50);
        }
    }
    /* Over many draws, every field shows up (it is random, not fixed). */
    c->resp = 2;
    const char *r = RUN("HRANDFIELD", "h", "-2000");
    struct reader rd = reader_of(r);
    assert_int_equal(rd_head(&rd, '*'), 2000);
    int seen[50] = {0};
    for (int i = 0; i < 2000; i++) {
        char f[16];
        rd_bulk(&rd, f, sizeof(f));
        seen[atoi(f + 1)] = 1;
    }
    for (int i = 0; i < 50; i++)
        assert_true(seen[i]);
    /* HRANDFIELD writes nothing. */
    assert_string_equal(PROP(), "");
}

/* ---- HSCAN ---- */

/* Runs a full HSCAN (with optional MATCH/COUNT) and counts each field. */
static void full_scan(const char *key, const char *match, const char *count, int *seen, int size,
                      int *calls)
{
    char cursor[32] = "0";
    *calls = 0;
    do {
        const char *argv[8] = {"HSCAN", key, cursor};
        int argc = 3;
        if (match) {
            argv[argc++] = "MATCH";
            argv[argc++] = match;
        }
        if (count) {
            argv[argc++] = "COUNT";
            argv[argc++] = count;
        }
        const char *r = cmdtest_runv(c, argc, argv, NULL);
        struct reader rd = reader_of(r);
        assert_int_equal(rd_head(&rd, '*'), 2);
        rd_bulk(&rd, cursor, sizeof(cursor));
        long long n = rd_head(&rd, '*');
        assert_int_equal(n % 2, 0);
        for (long long i = 0; i < n; i += 2) {
            char f[16], v[16];
            rd_bulk(&rd, f, sizeof(f));
            rd_bulk(&rd, v, sizeof(v));
            int k = atoi(f + 1);
            assert_true(k >= 0 && k < size);
            assert_int_equal(atoi(v + 1), k);
            seen[k]++;
        }
        assert_ptr_equal(rd.p, rd.end);
        (*calls)++;
        assert_true(*calls < 10000);
    } while (strcmp(cursor, "0") != 0);
}

static void test_hscan(void **state)
{
    (void)state;
    EXPECT("*2\r\n$1\r\n0\r\n*0\r\n", "HSCAN", "nokey", "0");
    /* A missing key answers before the options are looked at (as Redis). */
    EXPECT("*2\r\n$1\r\n0\r\n*0\r\n", "HSCAN", "nokey", "0", "COUNT", "0");
    RUN("HSET", "small", "a", "1");
    EXPECT("*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n", "HSCAN", "small", "0");
    c->resp = 3;
    EXPECT("*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n", "HSCAN", "small", "0");
    c->resp = 2;

    fill_hash("h", 300);
    int seen[300] = {0}, calls;
    full_scan("h", NULL, NULL, seen, 300, &calls);
    for (int i = 0; i < 300; i++)
        assert_true(seen[i] >= 1);
    assert_true(calls > 1);

    int seen2[300] = {0}, calls2;
    full_scan("h", NULL, "1000", seen2, 300, &calls2);
    for (int i = 0; i < 300; i++)
        assert_true(seen2[i] >= 1);
    assert_true(calls2 < calls);

    /* MATCH filters: f1, f10..f19, f100..f199. */
    int seen3[300] = {0};
    full_scan("h", "f1*", "7", seen3, 300, &calls);
    for (int i = 0; i < 300; i++) {
        char f[16];
        snprintf(f, sizeof(f), "f%d", i);
        if (f[1] == '1')
            assert_true(seen3[i] >= 1);
        else
            assert_int_equal(seen3[i], 0);
    }

    EXPECT("-ERR invalid cursor\r\n", "HSCAN", "h", "abc");
    EXPECT("-ERR invalid cursor\r\n", "HSCAN", "h", " 1");
    EXPECT("-ERR invalid cursor\r\n", "HSCAN", "h", "1x");
    EXPECT("-ERR invalid cursor\r\n", "HSCAN", "h", "-");
    EXPECT("-ERR invalid cursor\r\n", "HSCAN", "h", "18446744073709551616");
    EXPECT("-ERR invalid cursor\r\n", "HSCAN", "nokey", "x");
    /* strtoul's leniency, as Redis: empty is 0, a sign is allowed. */
    RUN("HSCAN", "small", "");
    assert_true(strncmp(cmdtest_runv(c, 3, (const char *[]){"HSCAN", "small", ""}, NULL),
                        "*2\r\n$1\r\n0\r\n*2\r\n", 15) == 0);
    assert_true(strncmp(RUN("HSCAN", "small", "+0"), "*2\r\n", 4) == 0);
    assert_true(strncmp(RUN("HSCAN", "small", "-1"), "*2\r\n", 4) == 0);
    assert_true(strncmp(RUN("HSCAN", "small", "18446744073709551615"), "*2\r\n", 4) == 0);

    EXPECT(ERR_SYNTAX, "HSCAN", "h", "0", "COUNT", "0");
    EXPECT(ERR_SYNTAX, "HSCAN", "h", "0", "COUNT", "-1");
    EXPECT(ERR_NOT_INT, "HSCAN", "h", "0", "COUNT", "x");
    EXPECT(ERR_SYNTAX, "HSCAN", "h", "0", "COUNT");
    EXPECT(ERR_SYNTAX, "HSCAN", "h", "0", "MATCH");
    EXPECT(ERR_SYNTAX, "HSCAN", "h", "0", "TYPE", "string");
    EXPECT(ERR_SYNTAX, "HSCAN", "h", "0", "bogus", "1");
    RUN("SET", "s", "x");
    EXPECT(ERR_WRONGTYPE, "HSCAN", "s", "0");
    assert_true(strncmp(RUN("HSCAN", "small", "0", "MATCH", "*", "COUNT", "5", "match", "a"),
                        "*2\r\n$1\r\n0\r\n*2\r\n", 15) == 0);
    EXPECT("*2\r\n$1\r\n0\r\n*0\r\n", "HSCAN", "small", "0", "MATCH", "zz*");
}

/* ---- expiry, stats, table ---- */

static void test_hash_expiry(void **state)
{
    (void)state;
    RUN("HSET", "h", "f", "v");
    db_set_expire(c->db, "h", 1, NOW + 100);
    EXPECT("$1\r\nv\r\n", "HGET", "h", "f");
    RUN("HSET", "h", "g", "w");
    assert_int_equal(db_get_expire(c->db, "h", 1), NOW + 100);
    cmdtest_set_time(NOW + 100);
    EXPECT("$-1\r\n", "HGET", "h", "f");
    EXPECT(":0\r\n", "HLEN", "h");
    EXPECT(":1\r\n", "HSET", "h", "f", "new");
    EXPECT(":1\r\n", "HLEN", "h");
    assert_int_equal(db_get_expire(c->db, "h", 1), -1);
}

static void test_hash_stats(void **state)
{
    (void)state;
    server.stat_keyspace_hits = server.stat_keyspace_misses = 0;
    RUN("HSET", "h", "f", "v");
    RUN("HGET", "h", "f");
    RUN("HGET", "h", "nofield");
    RUN("HGET", "nokey", "f");
    RUN("HLEN", "h");
    RUN("HGETALL", "nokey");
    assert_int_equal(server.stat_keyspace_hits, 3);
    assert_int_equal(server.stat_keyspace_misses, 2);
    RUN("HDEL", "nokey", "f");
    RUN("HINCRBY", "h", "n", "1");
    assert_int_equal(server.stat_keyspace_hits, 3);
    assert_int_equal(server.stat_keyspace_misses, 2);
}

static void test_hash_table(void **state)
{
    (void)state;
    const struct {
        const char *name;
        int arity;
        uint32_t flags;
    } want[] = {
        {"hset", -4, CMD_WRITE | CMD_DENYOOM | CMD_FAST},
        {"hget", 3, CMD_READONLY | CMD_FAST},
        {"hdel", -3, CMD_WRITE | CMD_FAST},
        {"hgetall", 2, CMD_READONLY},
        {"hincrbyfloat", 4, CMD_WRITE | CMD_DENYOOM | CMD_FAST},
        {"hrandfield", -2, CMD_READONLY},
        {"hscan", -3, CMD_READONLY},
        {"hstrlen", 3, CMD_READONLY | CMD_FAST},
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        struct command *cmd = command_lookup(want[i].name, strlen(want[i].name));
        assert_non_null(cmd);
        assert_int_equal(cmd->arity, want[i].arity);
        assert_int_equal(cmd->flags, want[i].flags);
    }
    int n = 0;
    for (struct command *cmd = hash_commands; cmd->name; cmd++, n++) {
        assert_string_equal(cmd->group, "hash");
        assert_int_equal(cmd->first_key, 1);
        assert_int_equal(cmd->last_key, 1);
        assert_int_equal(cmd->key_step, 1);
        assert_non_null(cmd->since);
        assert_non_null(cmd->summary);
        assert_non_null(cmd->complexity);
        assert_true(strncmp(cmd->args, "key:key", 7) == 0);
        assert_true(!!(cmd->flags & CMD_WRITE) != !!(cmd->flags & CMD_READONLY));
    }
    assert_int_equal(n, 16);
}

static int encoding_is(const char *key, const char *enc)
{
    char want[64];
    snprintf(want, sizeof(want), " encoding:%s ", enc);
    return strstr(RUN("DEBUG", "OBJECT", key), want) != NULL;
}

/* Small hashes (packed in the object) and tables give the same replies;
 * a hash converts past 128 fields or at a field or value over 64 bytes,
 * and never back.  A random walk against a model checks both sides of
 * the conversion. */
static void test_encodings(void **state)
{
    (void)state;
    RUN("HSET", "h", "f", "v");
    assert_true(encoding_is("h", "listpack"));
    char f[32], v[128];
    for (int i = 0; i < 127; i++) {
        snprintf(f, sizeof(f), "f%d", i);
        RUN("HSET", "h", f, "x");
    }
    assert_true(encoding_is("h", "listpack"));
    EXPECT(":128\r\n", "HLEN", "h");
    RUN("HSET", "h", "one-more", "x");
    assert_true(encoding_is("h", "hashtable"));
    RUN("HDEL", "h", "one-more", "f0", "f1");
    assert_true(encoding_is("h", "hashtable")); /* never back */

    memset(v, 'v', 65);
    v[65] = '\0';
    RUN("HSET", "long", "a", "1");
    RUN("HSET", "long", "b", v);
    assert_true(encoding_is("long", "hashtable"));
    EXPECT("$1\r\n1\r\n", "HGET", "long", "a");

    /* model: fields k0..k149, values of random length, -1 = absent */
    static int model[150];
    for (int i = 0; i < 150; i++)
        model[i] = -1;
    srand(99);
    for (int step = 0; step < 4000; step++) {
        int k = rand() % 150, op = rand() % 4;
        snprintf(f, sizeof(f), "k%d", k);
        if (op < 2) {
            int len = rand() % 3 == 0 ? rand() % 80 : rand() % 10;
            memset(v, 'a' + k % 26, (size_t)len);
            v[len] = '\0';
            char want[16];
            snprintf(want, sizeof(want), ":%d\r\n", model[k] < 0);
            EXPECT(want, "HSET", "m", f, v);
            model[k] = len;
        } else if (op == 2) {
            char want[16];
            snprintf(want, sizeof(want), ":%d\r\n", model[k] >= 0);
            EXPECT(want, "HDEL", "m", f);
            model[k] = -1;
        } else {
            char want[16];
            snprintf(want, sizeof(want), ":%d\r\n", model[k] < 0 ? 0 : model[k]);
            EXPECT(want, "HSTRLEN", "m", f);
        }
        int n = 0;
        for (int i = 0; i < 150; i++)
            n += model[i] >= 0;
        char want[16];
        snprintf(want, sizeof(want), ":%d\r\n", n);
        EXPECT(want, n ? "HLEN" : "EXISTS", "m");
        if (n == 0)
            continue;
        const char *all = RUN("HGETALL", "m");
        snprintf(want, sizeof(want), "*%d\r\n", 2 * n);
        assert_memory_equal(all, want, strlen(want));
    }
    /* HINCRBY / HINCRBYFLOAT on a small hash, then HSCAN answers whole */
    RUN("HSET", "c", "n", "5");
    EXPECT(":7\r\n", "HINCRBY", "c", "n", "2");
    EXPECT("$3\r\n7.5\r\n", "HINCRBYFLOAT", "c", "n", "0.5");
    EXPECT("*2\r\n$1\r\n0\r\n*2\r\n$1\r\nn\r\n$3\r\n7.5\r\n", "HSCAN", "c", "0", "COUNT", "1");
    assert_true(encoding_is("c", "listpack"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_hset_hget, setup, teardown),
        cmocka_unit_test_setup_teardown(test_binary_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hsetnx, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hmget, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hdel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hexists_hstrlen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_getall_keys_vals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hincrby, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hincrbyfloat, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hrandfield_single, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hrandfield_counts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hscan, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hash_expiry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hash_stats, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hash_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_encodings, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
