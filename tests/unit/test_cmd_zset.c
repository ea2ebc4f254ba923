/* Unit tests for the sorted set commands (commands/zset.c): exact replies
 * in RESP2 and RESP3 (checked against redis-server 7.0 when written),
 * Redis's error texts, removal of emptied sorted sets, and what each write
 * propagates. */
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
#include "server_state.h"

static struct client *c;

#define RUN(...)           cmdtest_run(c, __VA_ARGS__, NULL)
#define EXPECT(reply, ...) assert_string_equal(RUN(__VA_ARGS__), reply)
#define PROP()             cmdtest_propagated()

static const char ERR_SYNTAX[] = "-ERR syntax error\r\n";
static const char ERR_FLOAT[] = "-ERR value is not a valid float\r\n";
static const char ERR_WRONGTYPE[] =
    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

static int setup(void **state)
{
    (void)state;
    cmdtest_setup();
    cmdtest_set_time(1700000000000LL);
    c = cmdtest_client();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    cmdtest_teardown();
    return 0;
}

static void test_zadd_flags(void **state)
{
    (void)state;
    EXPECT(":3\r\n", "ZADD", "z", "1", "a", "2", "b", "3", "c");
    assert_string_equal(PROP(), "*8\r\n$4\r\nZADD\r\n$1\r\nz\r\n$1\r\n1\r\n$1\r\na\r\n$1\r\n2\r\n"
                                "$1\r\nb\r\n$1\r\n3\r\n$1\r\nc\r\n");
    EXPECT(":0\r\n", "ZADD", "z", "1", "a");
    assert_string_equal(PROP(), ""); /* nothing changed */
    EXPECT(":0\r\n", "ZADD", "z", "5", "a");
    EXPECT(":1\r\n", "ZADD", "z", "CH", "6", "a");
    EXPECT(":0\r\n", "ZADD", "z", "NX", "9", "a");
    EXPECT(":0\r\n", "ZADD", "z", "XX", "9", "new");
    EXPECT(":0\r\n", "EXISTS", (RUN("ZADD", "xx", "XX", "1", "a"), "xx"));
    EXPECT(":1\r\n", "ZADD", "z", "GT", "CH", "1", "a", "9", "b");
    EXPECT(":0\r\n", "ZADD", "z", "LT", "CH", "100", "c");
    EXPECT("*6\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\na\r\n$1\r\n6\r\n$1\r\nb\r\n$1\r\n9\r\n", "ZRANGE",
           "z", "0", "-1", "WITHSCORES");
    EXPECT("$1\r\n7\r\n", "ZADD", "z", "INCR", "1", "a");
    EXPECT("$-1\r\n", "ZADD", "z", "NX", "INCR", "1", "a");
    EXPECT("$-1\r\n", "ZADD", "z", "GT", "INCR", "-1", "a");
    EXPECT("$1\r\n7\r\n", "ZADD", "z", "INCR", "0", "a");
    EXPECT("$1\r\n8\r\n", "ZINCRBY", "z", "1", "a");

    EXPECT("-ERR XX and NX options at the same time are not compatible\r\n", "ZADD", "z", "NX",
           "XX", "1", "a");
    EXPECT("-ERR GT, LT, and/or NX options at the same time are not compatible\r\n", "ZADD", "z",
           "GT", "LT", "1", "a");
    EXPECT("-ERR GT, LT, and/or NX options at the same time are not compatible\r\n", "ZADD", "z",
           "GT", "NX", "1", "a");
    EXPECT("-ERR INCR option supports a single increment-element pair\r\n", "ZADD", "z", "INCR",
           "1", "a", "2", "b");
    EXPECT(ERR_SYNTAX, "ZADD", "z", "1", "a", "2");
    EXPECT(ERR_FLOAT, "ZADD", "z", "nan", "a");
    EXPECT(ERR_FLOAT, "ZADD", "z", "x", "a");
    EXPECT(ERR_FLOAT, "ZINCRBY", "z", "x", "a");
    RUN("SET", "str", "v");
    EXPECT(ERR_WRONGTYPE, "ZADD", "str", "1", "a");
    EXPECT(ERR_WRONGTYPE, "ZRANGE", "str", "0", "-1");
}

static void test_infinities_and_nan(void **state)
{
    (void)state;
    EXPECT(":2\r\n", "ZADD", "z", "-inf", "lo", "+inf", "hi");
    EXPECT("$3\r\ninf\r\n", "ZSCORE", "z", "hi");
    EXPECT("$4\r\n-inf\r\n", "ZSCORE", "z", "lo");
    EXPECT("$3\r\ninf\r\n", "ZINCRBY", "z", "inf", "hi");
    EXPECT("-ERR resulting score is not a number (NaN)\r\n", "ZINCRBY", "z", "-inf", "hi");
    EXPECT("$3\r\ninf\r\n", "ZSCORE", "z", "hi"); /* unchanged by the refused NaN */
    EXPECT("$4\r\n-inf\r\n", "ZADD", "nanz", "INCR", "-inf", "x");
    EXPECT("-ERR resulting score is not a number (NaN)\r\n", "ZADD", "nanz", "INCR", "+inf", "x");
    EXPECT("$4\r\n-inf\r\n", "ZSCORE", "nanz", "x");
    EXPECT("$18\r\n1.1000000000000001\r\n", "ZINCRBY", "f", "1.1", "m");
    /* inf + -inf in a union is 0, as Redis */
    EXPECT(":2\r\n", "ZUNIONSTORE", "u", "2", "z", "z", "WEIGHTS", "1", "-1");
    EXPECT("$1\r\n0\r\n", "ZSCORE", "u", "hi");
}

static void test_rank_score_count(void **state)
{
    (void)state;
    RUN("ZADD", "z", "1", "a", "2", "b", "3", "c", "3", "d");
    EXPECT(":4\r\n", "ZCARD", "z");
    EXPECT(":0\r\n", "ZCARD", "nosuch");
    EXPECT(":2\r\n", "ZRANK", "z", "c");
    EXPECT(":1\r\n", "ZREVRANK", "z", "c");
    EXPECT("$-1\r\n", "ZRANK", "z", "x");
    EXPECT("$-1\r\n", "ZRANK", "nosuch", "x");
    EXPECT("*3\r\n$1\r\n1\r\n$-1\r\n$1\r\n3\r\n", "ZMSCORE", "z", "a", "x", "d");
    EXPECT(":4\r\n", "ZCOUNT", "z", "-inf", "+inf");
    EXPECT(":2\r\n", "ZCOUNT", "z", "(2", "3");
    EXPECT(":0\r\n", "ZCOUNT", "z", "(3", "3");
    EXPECT(":0\r\n", "ZCOUNT", "z", "5", "1");
    EXPECT("-ERR min or max is not a float\r\n", "ZCOUNT", "z", "x", "1");
    EXPECT("-ERR min or max is not a float\r\n", "ZCOUNT", "z", "(", "1");
}

static void test_ranges(void **state)
{
    (void)state;
    RUN("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e");
    EXPECT("*2\r\n$1\r\nd\r\n$1\r\ne\r\n", "ZRANGE", "z", "-2", "-1");
    EXPECT("*0\r\n", "ZRANGE", "z", "3", "1");
    EXPECT("*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n", "ZRANGE", "z", "-100",
           "100");
    EXPECT("*2\r\n$1\r\ne\r\n$1\r\nd\r\n", "ZREVRANGE", "z", "0", "1");
    EXPECT("*2\r\n$1\r\ne\r\n$1\r\nd\r\n", "ZRANGE", "z", "0", "1", "REV");
    EXPECT("*0\r\n", "ZRANGE", "nosuch", "0", "-1");
}

static void test_ranges_byscore_bylex(void **state)
{
    (void)state;
    RUN("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e");
    EXPECT("*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n", "ZRANGEBYSCORE", "z", "(1", "4");
    EXPECT("*2\r\n$1\r\nc\r\n$1\r\nd\r\n", "ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "2", "2");
    EXPECT("*4\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\nc\r\n$1\r\n3\r\n", "ZREVRANGEBYSCORE", "z", "4", "(2",
           "WITHSCORES");
    EXPECT("*2\r\n$1\r\nd\r\n$1\r\nc\r\n", "ZRANGE", "z", "+inf", "-inf", "BYSCORE", "REV", "LIMIT",
           "1", "2");
    EXPECT("*0\r\n", "ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "0", "0");
    EXPECT("*0\r\n", "ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "-1", "2");
    EXPECT("-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or "
           "BYLEX\r\n",
           "ZRANGE", "z", "0", "-1", "LIMIT", "0", "1");
    EXPECT("-ERR syntax error, WITHSCORES not supported in combination with BYLEX\r\n", "ZRANGE",
           "z", "-", "+", "BYLEX", "WITHSCORES");
    EXPECT(ERR_SYNTAX, "ZRANGE", "z", "0", "-1", "FOO");
    EXPECT("-ERR value is not an integer or out of range\r\n", "ZRANGE", "z", "0", "x");

    RUN("ZADD", "l", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e");
    EXPECT("*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n", "ZRANGEBYLEX", "l", "[b", "(e");
    EXPECT("*3\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n", "ZREVRANGEBYLEX", "l", "(e", "[b");
    EXPECT("*2\r\n$1\r\nb\r\n$1\r\nc\r\n", "ZRANGEBYLEX", "l", "-", "+", "LIMIT", "1", "2");
    EXPECT(":4\r\n", "ZLEXCOUNT", "l", "[b", "+");
    EXPECT(":0\r\n", "ZLEXCOUNT", "l", "+", "-");
    EXPECT("-ERR min or max not valid string range item\r\n", "ZRANGEBYLEX", "l", "a", "b");
    EXPECT("-ERR min or max not valid string range item\r\n", "ZLEXCOUNT", "l", "[a", "b");
}

static void test_pops_and_removals(void **state)
{
    (void)state;
    RUN("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e");
    EXPECT("*2\r\n$1\r\na\r\n$1\r\n1\r\n", "ZPOPMIN", "z");
    assert_string_equal(PROP(), "*2\r\n$7\r\nZPOPMIN\r\n$1\r\nz\r\n");
    EXPECT("*4\r\n$1\r\ne\r\n$1\r\n5\r\n$1\r\nd\r\n$1\r\n4\r\n", "ZPOPMAX", "z", "2");
    EXPECT("*0\r\n", "ZPOPMIN", "z", "0");
    assert_string_equal(PROP(), "");
    EXPECT("*0\r\n", "ZPOPMIN", "nosuch");
    EXPECT("-ERR value is out of range, must be positive\r\n", "ZPOPMIN", "z", "-1");
    EXPECT("-ERR value is out of range, must be positive\r\n", "ZPOPMIN", "z", "x");
    EXPECT(ERR_SYNTAX, "ZPOPMIN", "z", "1", "2");
    EXPECT("*4\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n", "ZPOPMIN", "z", "10");
    EXPECT(":0\r\n", "EXISTS", "z");

    RUN("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e");
    EXPECT(":1\r\n", "ZREMRANGEBYSCORE", "z", "(1", "2");
    EXPECT(":2\r\n", "ZREMRANGEBYRANK", "z", "-2", "-1");
    EXPECT(":0\r\n", "ZREMRANGEBYRANK", "z", "5", "9");
    assert_string_equal(PROP(), "");
    EXPECT(":1\r\n", "ZREM", "z", "a", "zz");
    EXPECT(":1\r\n", "ZREMRANGEBYLEX", "z", "-", "+");
    EXPECT(":0\r\n", "EXISTS", "z");
    EXPECT(":0\r\n", "ZREM", "z", "a");
}

static void test_store(void **state)
{
    (void)state;
    RUN("ZADD", "w", "1", "a", "2", "b", "3", "c");
    RUN("ZADD", "w2", "10", "b", "20", "c", "30", "d");
    RUN("SADD", "ws", "c", "d", "e");
    EXPECT(":5\r\n", "ZUNIONSTORE", "u", "3", "w", "w2", "ws", "WEIGHTS", "1", "2", "3");
    EXPECT("*10\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\ne\r\n$1\r\n3\r\n$1\r\nb\r\n$2\r\n22\r\n$1\r\nc\r\n"
           "$2\r\n46\r\n$1\r\nd\r\n$2\r\n63\r\n",
           "ZRANGE", "u", "0", "-1", "WITHSCORES");
    EXPECT(":1\r\n", "ZINTERSTORE", "i", "3", "w", "w2", "ws", "AGGREGATE", "MAX");
    EXPECT("*2\r\n$1\r\nc\r\n$2\r\n20\r\n", "ZRANGE", "i", "0", "-1", "WITHSCORES");
    EXPECT(":2\r\n", "ZINTERSTORE", "i", "2", "w", "w2", "AGGREGATE", "MIN", "WEIGHTS", "2", "1");
    EXPECT("*4\r\n$1\r\nb\r\n$1\r\n4\r\n$1\r\nc\r\n$1\r\n6\r\n", "ZRANGE", "i", "0", "-1",
           "WITHSCORES");
    EXPECT(":0\r\n", "ZINTERSTORE", "i", "2", "w", "nosuch");
    EXPECT(":0\r\n", "EXISTS", "i");
    EXPECT("-ERR at least 1 input key is needed for 'zunionstore' command\r\n", "ZUNIONSTORE", "d",
           "0", "w");
    EXPECT(ERR_SYNTAX, "ZUNIONSTORE", "d", "2", "w");
    EXPECT(ERR_SYNTAX, "ZINTERSTORE", "d", "1", "w", "WEIGHTS", "1", "2");
    EXPECT("-ERR weight value is not a float\r\n", "ZUNIONSTORE", "d", "1", "w", "WEIGHTS", "x");
    EXPECT(ERR_SYNTAX, "ZUNIONSTORE", "d", "1", "w", "AGGREGATE", "foo");
    RUN("SET", "str", "v");
    EXPECT(ERR_WRONGTYPE, "ZUNIONSTORE", "d", "1", "str");

    EXPECT(":2\r\n", "ZRANGESTORE", "dd", "w", "1", "-1");
    EXPECT("*4\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n", "ZRANGE", "dd", "0", "-1",
           "WITHSCORES");
    EXPECT(":0\r\n", "ZRANGESTORE", "dd", "w", "(3", "+inf", "BYSCORE");
    EXPECT(":0\r\n", "EXISTS", "dd");
    EXPECT(ERR_SYNTAX, "ZRANGESTORE", "dd", "w", "0", "-1", "WITHSCORES");
}

static void test_resp3(void **state)
{
    (void)state;
    RUN("HELLO", "3");
    RUN("ZADD", "z", "1", "a", "2.5", "b", "3", "c");
    EXPECT("*3\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nb\r\n,2.5\r\n*2\r\n$1\r\nc\r\n,3\r\n",
           "ZRANGE", "z", "0", "-1", "WITHSCORES");
    EXPECT(",2.5\r\n", "ZSCORE", "z", "b");
    EXPECT("_\r\n", "ZSCORE", "z", "x");
    EXPECT("*2\r\n$1\r\na\r\n,1\r\n", "ZPOPMIN", "z");
    EXPECT("*1\r\n*2\r\n$1\r\nb\r\n,2.5\r\n", "ZPOPMIN", "z", "1");
    EXPECT("_\r\n", "ZADD", "z", "NX", "INCR", "1", "c");
    EXPECT(",4\r\n", "ZADD", "z", "INCR", "1", "c");
    /* ZSCAN: scores are bulk strings in RESP3 too */
    EXPECT("*2\r\n$1\r\n0\r\n*2\r\n$1\r\nc\r\n$1\r\n4\r\n", "ZSCAN", "z", "0");
}

static void test_type_and_encoding(void **state)
{
    (void)state;
    RUN("ZADD", "z", "1", "a");
    EXPECT("+zset\r\n", "TYPE", "z");
    EXPECT("*2\r\n$1\r\n0\r\n*1\r\n$1\r\nz\r\n", "SCAN", "0", "TYPE", "zset");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_zadd_flags, setup, teardown),
        cmocka_unit_test_setup_teardown(test_infinities_and_nan, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rank_score_count, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ranges, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ranges_byscore_bylex, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pops_and_removals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resp3, setup, teardown),
        cmocka_unit_test_setup_teardown(test_type_and_encoding, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
