/* Unit tests for the blocking list pops (commands/list.c, blocking.c)
 * through the fake-client harness: a client with no socket never blocks
 * (it answers null at once, as inside MULTI), a served pop replies and
 * logs the pop that happened (LPOP/RPOP/LMOVE, never the blocking form),
 * and the timeout argument is checked with Redis's error texts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "blocking.h"
#include "cmdtest.h"
#include "command.h"
#include "server_state.h"

static struct client *c;

#define RUN(...)           cmdtest_run(c, __VA_ARGS__, NULL)
#define EXPECT(reply, ...) assert_string_equal(RUN(__VA_ARGS__), reply)
#define PROP()             cmdtest_propagated()

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

static void test_served_at_once(void **state)
{
    (void)state;
    RUN("RPUSH", "b", "x", "y");
    EXPECT("*2\r\n$1\r\nb\r\n$1\r\nx\r\n", "BLPOP", "a", "b", "0");
    assert_string_equal(PROP(), "*2\r\n$4\r\nLPOP\r\n$1\r\nb\r\n");
    EXPECT("*2\r\n$1\r\nb\r\n$1\r\ny\r\n", "BRPOP", "b", "1.5");
    assert_string_equal(PROP(), "*2\r\n$4\r\nRPOP\r\n$1\r\nb\r\n");
    EXPECT(":0\r\n", "EXISTS", "b");
    RUN("RPUSH", "src", "1", "2");
    EXPECT("$1\r\n2\r\n", "BLMOVE", "src", "dst", "RIGHT", "LEFT", "0");
    assert_string_equal(PROP(),
                        "*5\r\n$5\r\nLMOVE\r\n$3\r\nsrc\r\n$3\r\ndst\r\n$5\r\nRIGHT\r\n$4\r\n"
                        "LEFT\r\n");
    EXPECT("$1\r\n1\r\n", "BRPOPLPUSH", "src", "dst", "0");
    EXPECT("*2\r\n$1\r\n1\r\n$1\r\n2\r\n", "LRANGE", "dst", "0", "-1");
}

static void test_fake_client_does_not_block(void **state)
{
    (void)state;
    /* no socket: answers null at once, logs nothing, waits for nothing */
    EXPECT("*-1\r\n", "BLPOP", "none", "0");
    assert_string_equal(PROP(), "");
    EXPECT("$-1\r\n", "BLMOVE", "none", "d", "LEFT", "LEFT", "0");
    assert_int_equal(server.blocked_clients, 0);
    assert_int_equal(blocking_next_deadline(), 0);
    RUN("HELLO", "3");
    EXPECT("_\r\n", "BLPOP", "none", "0");
    EXPECT("_\r\n", "BRPOPLPUSH", "none", "d", "0");
}

static void test_errors(void **state)
{
    (void)state;
    EXPECT("-ERR timeout is not a float or out of range\r\n", "BLPOP", "a", "x");
    EXPECT("-ERR timeout is negative\r\n", "BLPOP", "a", "-0.5");
    EXPECT("-ERR syntax error\r\n", "BLMOVE", "a", "b", "UP", "LEFT", "0");
    EXPECT("-ERR wrong number of arguments for 'blpop' command\r\n", "BLPOP", "a");
    RUN("SET", "s", "v");
    EXPECT("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "BLPOP", "s",
           "0");
    RUN("RPUSH", "l", "v");
    EXPECT("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "BLMOVE", "l",
           "s", "LEFT", "LEFT", "0");
    EXPECT(":1\r\n", "LLEN", "l"); /* the refused move took nothing */
}

static void test_in_multi(void **state)
{
    (void)state;
    EXPECT("+OK\r\n", "MULTI");
    EXPECT("+QUEUED\r\n", "BLPOP", "none", "0");
    EXPECT("+QUEUED\r\n", "RPUSH", "none", "v");
    EXPECT("+QUEUED\r\n", "BLPOP", "none", "0");
    EXPECT("*3\r\n*-1\r\n:1\r\n*2\r\n$4\r\nnone\r\n$1\r\nv\r\n", "EXEC");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_served_at_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fake_client_does_not_block, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_in_multi, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
