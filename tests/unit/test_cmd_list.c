/* Unit tests for the list commands (commands/list.c) and the list object
 * (object.c): exact reply bytes in RESP2 and RESP3, Redis's error texts,
 * removal of emptied lists, what each write propagates, and a randomized
 * model test against a plain array. */
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
static const char ERR_WRONGTYPE[] =
    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

/* RESP multibulk of the given strings (commands, or arrays of bulks). */
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

static int key_exists(const char *k)
{
    return db_peek(c->db, k, strlen(k), NOW) != NULL;
}

/* ---- push / len / range ---- */

static void test_push(void **state)
{
    (void)state;
    EXPECT(":3\r\n", "RPUSH", "l", "a", "b", "c");
    assert_string_equal(PROP(), mb(5, "RPUSH", "l", "a", "b", "c"));
    EXPECT(":5\r\n", "LPUSH", "l", "y", "x");
    assert_string_equal(PROP(), mb(4, "LPUSH", "l", "y", "x"));
    EXPECT(mb(5, "x", "y", "a", "b", "c"), "LRANGE", "l", "0", "-1");
    EXPECT(":5\r\n", "LLEN", "l");
    EXPECT("+list\r\n", "TYPE", "l");

    /* the X forms only push into an existing list */
    EXPECT(":0\r\n", "LPUSHX", "nokey", "a");
    assert_string_equal(PROP(), "");
    EXPECT(":0\r\n", "RPUSHX", "nokey", "a", "b");
    assert_false(key_exists("nokey"));
    EXPECT(":6\r\n", "RPUSHX", "l", "z");
    EXPECT(":8\r\n", "LPUSHX", "l", "w1", "w2");
    assert_string_equal(PROP(), mb(4, "LPUSHX", "l", "w1", "w2"));
    EXPECT(mb(8, "w2", "w1", "x", "y", "a", "b", "c", "z"), "LRANGE", "l", "0", "-1");

    /* binary-safe elements, the empty one included */
    const char *argv[] = {"RPUSH", "bin", "a\0b", ""};
    size_t lens[] = {5, 3, 3, 0};
    assert_string_equal(cmdtest_runv(c, 4, argv, lens), ":2\r\n");
    const char *r = RUN("LRANGE", "bin", "0", "-1");
    assert_int_equal(cmdtest_last_len(), 19);
    assert_memory_equal(r, "*2\r\n$3\r\na\0b\r\n$0\r\n\r\n", 19);

    /* arity */
    EXPECT("-ERR wrong number of arguments for 'lpush' command\r\n", "LPUSH", "l");
    EXPECT("-ERR wrong number of arguments for 'llen' command\r\n", "LLEN", "l", "x");
}

static void test_wrongtype(void **state)
{
    (void)state;
    RUN("SET", "s", "v");
    RUN("RPUSH", "l", "a");
    const char *cmds[][6] = {
        {"LPUSH", "s", "a"},
        {"RPUSH", "s", "a"},
        {"LPUSHX", "s", "a"},
        {"RPUSHX", "s", "a"},
        {"LPOP", "s"},
        {"RPOP", "s", "2"},
        {"LLEN", "s"},
        {"LRANGE", "s", "0", "-1"},
        {"LINDEX", "s", "0"},
        {"LSET", "s", "0", "x"},
        {"LINSERT", "s", "BEFORE", "a", "b"},
        {"LREM", "s", "0", "a"},
        {"LTRIM", "s", "0", "1"},
        {"LPOS", "s", "a"},
        {"LMOVE", "s", "l", "LEFT", "LEFT"},
        {"LMOVE", "l", "s", "LEFT", "LEFT"},
        {"RPOPLPUSH", "s", "l"},
        {"RPOPLPUSH", "l", "s"},
    };
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        int argc = 0;
        size_t lens[6];
        while (argc < 6 && cmds[i][argc]) {
            lens[argc] = strlen(cmds[i][argc]);
            argc++;
        }
        assert_string_equal(cmdtest_runv(c, argc, cmds[i], lens), ERR_WRONGTYPE);
        assert_string_equal(PROP(), "");
    }
    /* nothing moved out of l on a wrong-type destination */
    EXPECT(mb(1, "a"), "LRANGE", "l", "0", "-1");
    /* a missing source with a wrong-type destination is just nil */
    EXPECT("$-1\r\n", "LMOVE", "nokey", "s", "LEFT", "LEFT");
    EXPECT("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "HSET", "l",
           "f", "v");
}

static void test_pop(void **state)
{
    (void)state;
    EXPECT("$-1\r\n", "LPOP", "l");
    EXPECT("*-1\r\n", "RPOP", "l", "2");
    EXPECT("*-1\r\n", "LPOP", "l", "0");
    assert_string_equal(PROP(), "");

    RUN("RPUSH", "l", "a", "b", "c", "d", "e");
    EXPECT("$1\r\na\r\n", "LPOP", "l");
    assert_string_equal(PROP(), mb(2, "LPOP", "l"));
    EXPECT("$1\r\ne\r\n", "RPOP", "l");
    EXPECT(mb(2, "d", "c"), "RPOP", "l", "2");
    assert_string_equal(PROP(), mb(3, "RPOP", "l", "2"));
    EXPECT("*0\r\n", "LPOP", "l", "0");
    assert_string_equal(PROP(), "");

    /* errors: count parsed first, one text for all bad counts */
    const char *range = "-ERR value is out of range, must be positive\r\n";
    EXPECT(range, "LPOP", "l", "-1");
    EXPECT(range, "LPOP", "l", "abc");
    EXPECT(range, "RPOP", "nokey", "-1");
    EXPECT("-ERR wrong number of arguments for 'lpop' command\r\n", "LPOP", "l", "1", "2");
    EXPECT("-ERR wrong number of arguments for 'rpop' command\r\n", "RPOP", "l", "1", "2");

    /* popping more than there is empties the list: the key goes */
    EXPECT(mb(1, "b"), "LPOP", "l", "10");
    assert_string_equal(PROP(), mb(3, "LPOP", "l", "10"));
    assert_false(key_exists("l"));
    assert_int_equal(db_size(c->db), 0);

    RUN("RPUSH", "l", "x");
    EXPECT("$1\r\nx\r\n", "RPOP", "l");
    assert_false(key_exists("l"));

    /* RESP3 nulls */
    c->resp = 3;
    EXPECT("_\r\n", "LPOP", "l");
    EXPECT("_\r\n", "LPOP", "l", "3");
}

static void test_index_set(void **state)
{
    (void)state;
    EXPECT("$-1\r\n", "LINDEX", "l", "0");
    EXPECT("$-1\r\n", "LINDEX", "l", "abc"); /* key looked up first */
    RUN("RPUSH", "l", "a", "b", "c");
    EXPECT("$1\r\na\r\n", "LINDEX", "l", "0");
    EXPECT("$1\r\nc\r\n", "LINDEX", "l", "-1");
    EXPECT("$1\r\na\r\n", "LINDEX", "l", "-3");
    EXPECT("$-1\r\n", "LINDEX", "l", "3");
    EXPECT("$-1\r\n", "LINDEX", "l", "-4");
    EXPECT(ERR_NOT_INT, "LINDEX", "l", "abc");

    EXPECT("-ERR no such key\r\n", "LSET", "nokey", "0", "x");
    EXPECT("-ERR no such key\r\n", "LSET", "nokey", "abc", "x");
    EXPECT(ERR_NOT_INT, "LSET", "l", "abc", "x");
    EXPECT("-ERR index out of range\r\n", "LSET", "l", "3", "x");
    EXPECT("-ERR index out of range\r\n", "LSET", "l", "-4", "x");
    assert_string_equal(PROP(), "");
    EXPECT("+OK\r\n", "LSET", "l", "-1", "z");
    assert_string_equal(PROP(), mb(4, "LSET", "l", "-1", "z"));
    EXPECT("+OK\r\n", "LSET", "l", "0", "");
    EXPECT(mb(3, "", "b", "z"), "LRANGE", "l", "0", "-1");
}

static void test_lrange_ltrim(void **state)
{
    (void)state;
    EXPECT("*0\r\n", "LRANGE", "l", "0", "-1");
    EXPECT(ERR_NOT_INT, "LRANGE", "l", "a", "1"); /* parsed before the lookup */
    EXPECT("+OK\r\n", "LTRIM", "l", "0", "1");
    assert_string_equal(PROP(), "");
    EXPECT(ERR_NOT_INT, "LTRIM", "l", "0", "x");

    RUN("RPUSH", "l", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10");
    EXPECT(mb(3, "8", "9", "10"), "LRANGE", "l", "-3", "-1");
    EXPECT(mb(2, "1", "2"), "LRANGE", "l", "-100", "1");
    EXPECT(mb(1, "10"), "LRANGE", "l", "9", "100");
    EXPECT("*0\r\n", "LRANGE", "l", "5", "2");
    EXPECT("*0\r\n", "LRANGE", "l", "10", "20");
    EXPECT("*0\r\n", "LRANGE", "l", "0", "-11");

    /* a trim that keeps everything changes nothing and logs nothing */
    EXPECT("+OK\r\n", "LTRIM", "l", "-100", "100");
    assert_string_equal(PROP(), "");
    EXPECT("+OK\r\n", "LTRIM", "l", "2", "-3");
    assert_string_equal(PROP(), mb(4, "LTRIM", "l", "2", "-3"));
    EXPECT(mb(6, "3", "4", "5", "6", "7", "8"), "LRANGE", "l", "0", "-1");
    EXPECT("+OK\r\n", "LTRIM", "l", "1", "1");
    EXPECT(mb(1, "4"), "LRANGE", "l", "0", "-1");
    /* an empty range deletes the list */
    EXPECT("+OK\r\n", "LTRIM", "l", "5", "2");
    assert_string_equal(PROP(), mb(4, "LTRIM", "l", "5", "2"));
    assert_false(key_exists("l"));
}

static void test_linsert(void **state)
{
    (void)state;
    EXPECT(ERR_SYNTAX, "LINSERT", "nokey", "MIDDLE", "a", "b");
    EXPECT(":0\r\n", "LINSERT", "nokey", "BEFORE", "a", "b");
    assert_false(key_exists("nokey"));
    RUN("RPUSH", "l", "a", "b", "a");
    EXPECT(ERR_SYNTAX, "LINSERT", "l", "MIDDLE", "a", "b");
    EXPECT(":-1\r\n", "LINSERT", "l", "BEFORE", "zz", "x");
    assert_string_equal(PROP(), "");
    EXPECT(":4\r\n", "LINSERT", "l", "before", "a", "x");
    assert_string_equal(PROP(), mb(5, "LINSERT", "l", "before", "a", "x"));
    EXPECT(":5\r\n", "LINSERT", "l", "AFTER", "b", "y");
    EXPECT(":6\r\n", "LINSERT", "l", "AFTER", "a", "z");
    EXPECT(mb(6, "x", "a", "z", "b", "y", "a"), "LRANGE", "l", "0", "-1");
    EXPECT(":7\r\n", "LINSERT", "l", "AFTER", "y", "end");
    EXPECT(mb(7, "x", "a", "z", "b", "y", "end", "a"), "LRANGE", "l", "0", "-1");
}

static void test_lrem(void **state)
{
    (void)state;
    EXPECT(ERR_NOT_INT, "LREM", "l", "x", "a");
    EXPECT(":0\r\n", "LREM", "l", "0", "a");
    RUN("RPUSH", "l", "a", "b", "a", "c", "a", "b");
    EXPECT(":0\r\n", "LREM", "l", "0", "zz");
    assert_string_equal(PROP(), "");
    EXPECT(":1\r\n", "LREM", "l", "1", "a");
    assert_string_equal(PROP(), mb(4, "LREM", "l", "1", "a"));
    EXPECT(mb(5, "b", "a", "c", "a", "b"), "LRANGE", "l", "0", "-1");
    EXPECT(":1\r\n", "LREM", "l", "-1", "b");
    EXPECT(mb(4, "b", "a", "c", "a"), "LRANGE", "l", "0", "-1");
    EXPECT(":1\r\n", "LREM", "l", "-1", "a");
    EXPECT(mb(3, "b", "a", "c"), "LRANGE", "l", "0", "-1");
    RUN("RPUSH", "l", "a", "a");
    EXPECT(":3\r\n", "LREM", "l", "0", "a");
    EXPECT(mb(2, "b", "c"), "LRANGE", "l", "0", "-1");
    EXPECT(":1\r\n", "LREM", "l", "-5", "b");
    EXPECT(":1\r\n", "LREM", "l", "5", "c");
    assert_false(key_exists("l"));
}

static void test_lpos(void **state)
{
    (void)state;
    EXPECT("$-1\r\n", "LPOS", "l", "a");
    EXPECT("*0\r\n", "LPOS", "l", "a", "COUNT", "0");
    RUN("RPUSH", "l", "a", "b", "c", "1", "2", "3", "c", "c");
    EXPECT(":2\r\n", "LPOS", "l", "c");
    EXPECT(":6\r\n", "LPOS", "l", "c", "RANK", "2");
    EXPECT(":7\r\n", "LPOS", "l", "c", "RANK", "-1");
    EXPECT(":2\r\n", "LPOS", "l", "c", "RANK", "-3");
    EXPECT("$-1\r\n", "LPOS", "l", "c", "RANK", "4");
    EXPECT("*2\r\n:2\r\n:6\r\n", "LPOS", "l", "c", "COUNT", "2");
    EXPECT("*3\r\n:2\r\n:6\r\n:7\r\n", "LPOS", "l", "c", "COUNT", "0");
    EXPECT("*2\r\n:7\r\n:6\r\n", "LPOS", "l", "c", "COUNT", "0", "RANK", "-1", "MAXLEN", "2");
    EXPECT("*1\r\n:6\r\n", "LPOS", "l", "c", "RANK", "2", "COUNT", "0", "MAXLEN", "7");
    EXPECT("$-1\r\n", "LPOS", "l", "c", "MAXLEN", "2");
    EXPECT(":2\r\n", "LPOS", "l", "c", "MAXLEN", "0");
    EXPECT("*0\r\n", "LPOS", "l", "zz", "COUNT", "1");
    EXPECT("$-1\r\n", "LPOS", "l", "zz");

    EXPECT("-ERR RANK can't be zero: use 1 to start from the first match, 2 from the second "
           "... or use negative to start from the end of the list\r\n",
           "LPOS", "l", "c", "RANK", "0");
    EXPECT(ERR_NOT_INT, "LPOS", "l", "c", "RANK", "x");
    EXPECT("-ERR value is out of range, value must between -9223372036854775807 and "
           "9223372036854775807\r\n",
           "LPOS", "l", "c", "RANK", "-9223372036854775808");
    EXPECT("-ERR COUNT can't be negative\r\n", "LPOS", "l", "c", "COUNT", "-1");
    EXPECT("-ERR COUNT can't be negative\r\n", "LPOS", "l", "c", "COUNT", "x");
    EXPECT("-ERR MAXLEN can't be negative\r\n", "LPOS", "l", "c", "MAXLEN", "-1");
    EXPECT(ERR_SYNTAX, "LPOS", "l", "c", "FOO", "1");
    EXPECT(ERR_SYNTAX, "LPOS", "l", "c", "RANK");
    /* options are checked before the key */
    EXPECT(ERR_SYNTAX, "LPOS", "nokey", "c", "RANK");
}

static void test_lmove(void **state)
{
    (void)state;
    EXPECT("$-1\r\n", "LMOVE", "src", "dst", "LEFT", "RIGHT");
    EXPECT("$-1\r\n", "RPOPLPUSH", "src", "dst");
    assert_string_equal(PROP(), "");
    assert_false(key_exists("dst"));
    EXPECT(ERR_SYNTAX, "LMOVE", "src", "dst", "UP", "LEFT");
    EXPECT(ERR_SYNTAX, "LMOVE", "src", "dst", "LEFT", "DOWN");

    RUN("RPUSH", "src", "a", "b", "c");
    EXPECT("$1\r\na\r\n", "LMOVE", "src", "dst", "left", "right");
    assert_string_equal(PROP(), mb(5, "LMOVE", "src", "dst", "left", "right"));
    EXPECT("$1\r\nc\r\n", "RPOPLPUSH", "src", "dst");
    assert_string_equal(PROP(), mb(3, "RPOPLPUSH", "src", "dst"));
    EXPECT(mb(2, "c", "a"), "LRANGE", "dst", "0", "-1");
    EXPECT("$1\r\nb\r\n", "LMOVE", "src", "dst", "RIGHT", "RIGHT");
    assert_false(key_exists("src")); /* emptied source is deleted */
    EXPECT(mb(3, "c", "a", "b"), "LRANGE", "dst", "0", "-1");

    /* rotation within one list */
    EXPECT("$1\r\nc\r\n", "LMOVE", "dst", "dst", "LEFT", "RIGHT");
    EXPECT(mb(3, "a", "b", "c"), "LRANGE", "dst", "0", "-1");
    EXPECT("$1\r\nc\r\n", "RPOPLPUSH", "dst", "dst");
    EXPECT(mb(3, "c", "a", "b"), "LRANGE", "dst", "0", "-1");
    RUN("RPUSH", "one", "x");
    EXPECT("$1\r\nx\r\n", "LMOVE", "one", "one", "LEFT", "LEFT");
    EXPECT(mb(1, "x"), "LRANGE", "one", "0", "-1");
}

static void test_expiry(void **state)
{
    (void)state;
    RUN("RPUSH", "l", "a", "b");
    EXPECT(":1\r\n", "PEXPIRE", "l", "100");
    EXPECT(":3\r\n", "RPUSH", "l", "c"); /* a push keeps the TTL */
    assert_true(db_get_expire(c->db, "l", 1) > 0);
    cmdtest_set_time(NOW + 200);
    EXPECT(":0\r\n", "LLEN", "l");
    EXPECT(":1\r\n", "RPUSH", "l", "z");
    assert_int_equal(db_get_expire(c->db, "l", 1), -1);
}

static void test_obj_dup_mem(void **state)
{
    (void)state;
    RUN("RPUSH", "l", "a", "bb", "ccc");
    EXPECT(":1\r\n", "COPY", "l", "l2");
    RUN("LPUSH", "l", "zero");
    EXPECT(mb(3, "a", "bb", "ccc"), "LRANGE", "l2", "0", "-1");
    struct robj *o = db_peek(c->db, "l", 1, NOW);
    assert_non_null(o);
    assert_true(obj_mem_usage(o) > sizeof(*o) + 4 * sizeof(struct rstr));
    assert_string_equal(obj_type_name(OBJ_LIST), "list");
}

/* ---- randomized model test ---- */

#define MODEL_MAX 256

struct model {
    char v[MODEL_MAX][8];
    int n;
};

static void model_check(const struct model *m)
{
    struct robj *o = db_peek(c->db, "m", 1, NOW);
    if (m->n == 0) {
        assert_null(o); /* never empty in the keyspace */
        return;
    }
    assert_non_null(o);
    assert_int_equal(list_len(o), m->n);
    for (int i = 0; i < m->n; i++) {
        const struct rstr *s = list_at(o, (size_t)i);
        assert_int_equal(s->len, strlen(m->v[i]));
        assert_memory_equal(s->data, m->v[i], s->len);
    }
}

static void model_insert(struct model *m, int at, const char *v)
{
    memmove(m->v[at + 1], m->v[at], sizeof(m->v[0]) * (size_t)(m->n - at));
    snprintf(m->v[at], sizeof(m->v[0]), "%s", v);
    m->n++;
}

static void model_delete(struct model *m, int at)
{
    memmove(m->v[at], m->v[at + 1], sizeof(m->v[0]) * (size_t)(m->n - at - 1));
    m->n--;
}

static void test_model(void **state)
{
    (void)state;
    struct model m = {.n = 0};
    srand(12345);
    char val[8], num[24], num2[24];
    int maxn = 0;
    for (int step = 0; step < 20000; step++) {
        int op = rand() % 9;
        snprintf(val, sizeof(val), "v%d", rand() % 5);
        if (m.n >= MODEL_MAX - 8 && (op <= 1 || op == 3))
            op = 2;
        /* pushes weigh more: the list grows to a few hundred elements */
        if (op == 8 && rand() % 2)
            op = rand() % 2;
        switch (op) {
        case 0: /* LPUSH */
            RUN("LPUSH", "m", val, "w");
            model_insert(&m, 0, val);
            model_insert(&m, 0, "w");
            break;
        case 1: /* RPUSH */
            RUN("RPUSH", "m", val, "w");
            model_insert(&m, m.n, val);
            model_insert(&m, m.n, "w");
            break;
        case 2: /* LPOP / RPOP with a count */
        {
            int cnt = rand() % 4;
            snprintf(num, sizeof(num), "%d", cnt);
            int left = rand() % 2;
            RUN(left ? "LPOP" : "RPOP", "m", num);
            for (int i = 0; i < cnt && m.n; i++)
                model_delete(&m, left ? 0 : m.n - 1);
            break;
        }
        case 3: /* LINSERT */
        {
            int after = rand() % 2;
            char pivot[8];
            snprintf(pivot, sizeof(pivot), "v%d", rand() % 5);
            RUN("LINSERT", "m", after ? "AFTER" : "BEFORE", pivot, val);
            if (m.n >= MODEL_MAX - 1)
                fail_msg("model overflow");
            for (int i = 0; i < m.n; i++) {
                if (strcmp(m.v[i], pivot) == 0) {
                    model_insert(&m, i + after, val);
                    break;
                }
            }
            break;
        }
        case 4: /* LREM */
        {
            int cnt = rand() % 20 == 0 ? 0 : (rand() % 2 ? 1 : -1) * (1 + rand() % 2);
            snprintf(num, sizeof(num), "%d", cnt);
            RUN("LREM", "m", num, val);
            int lim = cnt == 0 ? m.n : abs(cnt), removed = 0;
            if (cnt >= 0) {
                for (int i = 0; i < m.n && removed < lim;) {
                    if (strcmp(m.v[i], val) == 0) {
                        model_delete(&m, i);
                        removed++;
                    } else {
                        i++;
                    }
                }
            } else {
                for (int i = m.n - 1; i >= 0 && removed < lim; i--) {
                    if (strcmp(m.v[i], val) == 0) {
                        model_delete(&m, i);
                        removed++;
                    }
                }
            }
            break;
        }
        case 5: /* LTRIM, mostly keeping most of the list */
        {
            int a = rand() % 2, b = -(rand() % 2) - 1;
            if (rand() % 50 == 0)
                b = a - 1;
            snprintf(num, sizeof(num), "%d", a);
            snprintf(num2, sizeof(num2), "%d", b);
            RUN("LTRIM", "m", num, num2);
            int s = a < 0 ? a + m.n : a, e = b < 0 ? b + m.n : b;
            if (s < 0)
                s = 0;
            if (e >= m.n)
                e = m.n - 1;
            if (s > e || s >= m.n) {
                m.n = 0;
            } else {
                memmove(m.v[0], m.v[s], sizeof(m.v[0]) * (size_t)(e - s + 1));
                m.n = e - s + 1;
            }
            break;
        }
        case 6: /* LSET */
        {
            if (m.n == 0)
                break;
            int idx = rand() % m.n;
            snprintf(num, sizeof(num), "%d", idx);
            EXPECT("+OK\r\n", "LSET", "m", num, val);
            snprintf(m.v[idx], sizeof(m.v[0]), "%s", val);
            break;
        }
        case 7: /* LMOVE m m: rotation */
        {
            if (m.n == 0)
                break;
            int from = rand() % 2, to = rand() % 2;
            RUN("LMOVE", "m", "m", from ? "RIGHT" : "LEFT", to ? "RIGHT" : "LEFT");
            char t[8];
            memcpy(t, m.v[from ? m.n - 1 : 0], sizeof(t));
            model_delete(&m, from ? m.n - 1 : 0);
            model_insert(&m, to ? m.n : 0, t);
            break;
        }
        default: /* LPOS: first match from the model */
        {
            int want = -1;
            for (int i = 0; i < m.n; i++) {
                if (strcmp(m.v[i], val) == 0) {
                    want = i;
                    break;
                }
            }
            const char *r = RUN("LPOS", "m", val);
            if (want < 0) {
                assert_string_equal(r, "$-1\r\n");
            } else {
                snprintf(num, sizeof(num), ":%d\r\n", want);
                assert_string_equal(r, num);
            }
            break;
        }
        }
        model_check(&m);
        if (m.n > maxn)
            maxn = m.n;
    }
    /* the lists got long enough for the ring to wrap and resize */
    assert_true(maxn > 64);
}

/* ---- the table ---- */

static void test_list_table(void **state)
{
    (void)state;
    const struct {
        const char *name;
        int arity;
        uint32_t flags;
        int last_key;
    } want[] = {
        {"lpush", -3, CMD_WRITE | CMD_DENYOOM | CMD_FAST, 1},
        {"rpush", -3, CMD_WRITE | CMD_DENYOOM | CMD_FAST, 1},
        {"lpushx", -3, CMD_WRITE | CMD_DENYOOM | CMD_FAST, 1},
        {"rpushx", -3, CMD_WRITE | CMD_DENYOOM | CMD_FAST, 1},
        {"lpop", -2, CMD_WRITE | CMD_FAST, 1},
        {"rpop", -2, CMD_WRITE | CMD_FAST, 1},
        {"llen", 2, CMD_READONLY | CMD_FAST, 1},
        {"lrange", 4, CMD_READONLY, 1},
        {"lindex", 3, CMD_READONLY, 1},
        {"lset", 4, CMD_WRITE | CMD_DENYOOM, 1},
        {"linsert", 5, CMD_WRITE | CMD_DENYOOM, 1},
        {"lrem", 4, CMD_WRITE, 1},
        {"ltrim", 4, CMD_WRITE, 1},
        {"lpos", -3, CMD_READONLY, 1},
        {"lmove", 5, CMD_WRITE | CMD_DENYOOM, 2},
        {"rpoplpush", 3, CMD_WRITE | CMD_DENYOOM, 2},
        {"blpop", -3, CMD_WRITE | CMD_BLOCKING, -2},
        {"brpop", -3, CMD_WRITE | CMD_BLOCKING, -2},
        {"blmove", 6, CMD_WRITE | CMD_DENYOOM | CMD_BLOCKING, 2},
        {"brpoplpush", 4, CMD_WRITE | CMD_DENYOOM | CMD_BLOCKING, 2},
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        struct command *cmd = command_lookup(want[i].name, strlen(want[i].name));
        assert_non_null(cmd);
        assert_int_equal(cmd->arity, want[i].arity);
        assert_int_equal(cmd->flags, want[i].flags);
        assert_int_equal(cmd->first_key, 1);
        assert_int_equal(cmd->last_key, want[i].last_key);
        assert_int_equal(cmd->key_step, 1);
    }
    int n = 0;
    for (struct command *cmd = list_commands; cmd->name; cmd++, n++) {
        assert_string_equal(cmd->group, "list");
        assert_non_null(cmd->since);
        assert_non_null(cmd->summary);
        assert_non_null(cmd->complexity);
        assert_non_null(cmd->args);
    }
    assert_int_equal(n, (int)(sizeof(want) / sizeof(want[0])));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_push, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrongtype, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_index_set, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lrange_ltrim, setup, teardown),
        cmocka_unit_test_setup_teardown(test_linsert, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lrem, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lpos, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lmove, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expiry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_obj_dup_mem, setup, teardown),
        cmocka_unit_test_setup_teardown(test_model, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_table, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
