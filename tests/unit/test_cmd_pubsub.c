/* Unit tests for pub/sub (pubsub.c, commands/pubsub.c and the executor's
 * subscribed mode): exact confirmation and message bytes in RESP2 and
 * RESP3 (push), counts, patterns, shard channels, unsubscribe-all, the
 * RESP2 subscribed-mode restrictions, PING and RESET there, the PUBSUB
 * introspection subcommands, cleanup when a client is freed, the output
 * buffer limits (hard and soft, with a fixed clock), the INFO and CLIENT
 * LIST fields, and a randomized model of who receives what. */
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
#include "pubsub.h"
#include "server_state.h"
#include "util/buf.h"
#include "util/util.h"

#define NOW 1700000000000LL

static struct client *c; /* the publisher: never subscribes */

#define RUN(...)           cmdtest_run(c, __VA_ARGS__, NULL)
#define EXPECT(reply, ...) assert_string_equal(RUN(__VA_ARGS__), reply)
#define ON(cl, ...)        cmdtest_run(cl, __VA_ARGS__, NULL)

static const char ERR_CONTEXT[] =
    "-ERR Can't execute '%s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are "
    "allowed in this context\r\n";

/* RESP of an array of bulks: the header ('*' or '>') then the strings. */
static const char *arr(char head, int n, ...)
{
    static struct buf b = BUF_INIT;
    buf_clear(&b);
    buf_printf(&b, "%c%d\r\n", head, n);
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++) {
        const char *a = va_arg(ap, const char *);
        buf_printf(&b, "$%zu\r\n%s\r\n", strlen(a), a);
    }
    va_end(ap);
    buf_append_char(&b, '\0');
    return b.data;
}

/* A (un)subscribe confirmation: [word, name, count]; name NULL: null. */
static const char *conf(int resp, const char *word, const char *name, int count)
{
    static char out[256];
    char nm[128];
    if (name)
        snprintf(nm, sizeof(nm), "$%zu\r\n%s\r\n", strlen(name), name);
    else
        snprintf(nm, sizeof(nm), "%s", resp == 3 ? "_\r\n" : "$-1\r\n");
    snprintf(out, sizeof(out), "%c3\r\n$%zu\r\n%s\r\n%s:%d\r\n", resp == 3 ? '>' : '*',
             strlen(word), word, nm, count);
    return out;
}

/* What has been pushed to a subscriber (outside its own commands), then
 * forgotten, as if its socket took it. */
static char *take(struct client *cl)
{
    static struct buf b = BUF_INIT;
    buf_clear(&b);
    buf_append(&b, cl->reply.data ? cl->reply.data : "", cl->reply.len);
    buf_append_char(&b, '\0');
    buf_clear(&cl->reply);
    cl->sentpos = 0;
    return b.data;
}

static char *info_text(const char *section)
{
    static char out[16384];
    const char *r = RUN("INFO", section);
    snprintf(out, sizeof(out), "%s", r);
    return out;
}

static long long info_field(const char *section, const char *name)
{
    char *t = info_text(section);
    char key[128];
    snprintf(key, sizeof(key), "\r\n%s:", name);
    char *p = strstr(t, key);
    if (!p)
        fail_msg("INFO %s lacks %s", section, name);
    return strtoll(p + strlen(key), NULL, 10);
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

/* ---- confirmations ---- */

static void test_subscribe_confirmations(void **state)
{
    (void)state;
    struct client *s = cmdtest_client();
    char want[512];

    snprintf(want, sizeof(want), "%s", conf(2, "subscribe", "a", 1));
    strcat(want, conf(2, "subscribe", "b", 2));
    strcat(want, conf(2, "subscribe", "a", 2)); /* again: same count */
    assert_string_equal(ON(s, "SUBSCRIBE", "a", "b", "a"), want);
    assert_true(s->flags & CLIENT_PUBSUB);
    /* patterns add to the same count, shard channels have their own */
    assert_string_equal(ON(s, "PSUBSCRIBE", "x*"), conf(2, "psubscribe", "x*", 3));
    assert_string_equal(ON(s, "SSUBSCRIBE", "s1"), conf(2, "ssubscribe", "s1", 1));
    assert_int_equal(pubsub_client_count(s, PUBSUB_CHANNEL), 2);
    assert_int_equal(pubsub_client_count(s, PUBSUB_PATTERN), 1);
    assert_int_equal(pubsub_client_count(s, PUBSUB_SHARD), 1);

    /* unsubscribing from something never subscribed still confirms */
    assert_string_equal(ON(s, "UNSUBSCRIBE", "zz"), conf(2, "unsubscribe", "zz", 3));
    assert_string_equal(ON(s, "UNSUBSCRIBE", "a"), conf(2, "unsubscribe", "a", 2));
    assert_string_equal(ON(s, "PUNSUBSCRIBE", "x*"), conf(2, "punsubscribe", "x*", 1));
    assert_string_equal(ON(s, "SUNSUBSCRIBE", "s1"), conf(2, "sunsubscribe", "s1", 0));
    assert_true(s->flags & CLIENT_PUBSUB); /* still on b */
    assert_string_equal(ON(s, "UNSUBSCRIBE", "b"), conf(2, "unsubscribe", "b", 0));
    assert_false(s->flags & CLIENT_PUBSUB);
    assert_string_equal(ON(s, "GET", "k"), "$-1\r\n");

    /* arity */
    EXPECT("-ERR wrong number of arguments for 'subscribe' command\r\n", "SUBSCRIBE");
    EXPECT("-ERR wrong number of arguments for 'psubscribe' command\r\n", "PSUBSCRIBE");
    EXPECT("-ERR wrong number of arguments for 'ssubscribe' command\r\n", "SSUBSCRIBE");
    EXPECT("-ERR wrong number of arguments for 'publish' command\r\n", "PUBLISH", "a");
    EXPECT("-ERR wrong number of arguments for 'spublish' command\r\n", "SPUBLISH", "a", "b", "c");
    assert_false(c->flags & CLIENT_PUBSUB);
}

static void test_unsubscribe_all(void **state)
{
    (void)state;
    struct client *s = cmdtest_client();

    /* nothing subscribed: one confirmation with a null name and 0 */
    assert_string_equal(ON(s, "UNSUBSCRIBE"), conf(2, "unsubscribe", NULL, 0));
    assert_string_equal(ON(s, "PUNSUBSCRIBE"), conf(2, "punsubscribe", NULL, 0));
    assert_string_equal(ON(s, "SUNSUBSCRIBE"), conf(2, "sunsubscribe", NULL, 0));
    assert_false(s->flags & CLIENT_PUBSUB);

    ON(s, "SUBSCRIBE", "a", "b", "c");
    ON(s, "PSUBSCRIBE", "p1", "p2");
    /* every channel, in some order, counting down; patterns stay */
    const char *r = ON(s, "UNSUBSCRIBE");
    const char *names[] = {"a", "b", "c"};
    int seen[3] = {0, 0, 0};
    for (int count = 4; count >= 2; count--) {
        int found = 0;
        for (int i = 0; i < 3; i++) {
            const char *want = conf(2, "unsubscribe", names[i], count);
            if (!seen[i] && strncmp(r, want, strlen(want)) == 0) {
                seen[i] = 1;
                r += strlen(want);
                found = 1;
                break;
            }
        }
        if (!found)
            fail_msg("unexpected confirmation at count %d: %s", count, r);
    }
    assert_string_equal(r, "");
    assert_true(s->flags & CLIENT_PUBSUB);
    assert_int_equal(pubsub_numsub(PUBSUB_CHANNEL, "a", 1), 0);
    assert_int_equal(pubsub_count(PUBSUB_CHANNEL), 0);

    /* with nothing left of this kind: the null form, count of the rest */
    assert_string_equal(ON(s, "UNSUBSCRIBE"), conf(2, "unsubscribe", NULL, 2));
    r = ON(s, "PUNSUBSCRIBE");
    assert_true(strstr(r, conf(2, "punsubscribe", "p1", 1)) ||
                strstr(r, conf(2, "punsubscribe", "p2", 1)));
    assert_non_null(strstr(r, ":0\r\n"));
    assert_false(s->flags & CLIENT_PUBSUB);
    assert_int_equal(pubsub_count(PUBSUB_PATTERN), 0);

    ON(s, "SSUBSCRIBE", "x", "y");
    r = ON(s, "SUNSUBSCRIBE");
    assert_non_null(strstr(r, ":1\r\n"));
    assert_non_null(strstr(r, ":0\r\n"));
    assert_int_equal(pubsub_count(PUBSUB_SHARD), 0);
    assert_false(s->flags & CLIENT_PUBSUB);
}

/* ---- delivery ---- */

static void test_publish_channels(void **state)
{
    (void)state;
    struct client *s1 = cmdtest_client(), *s2 = cmdtest_client();

    EXPECT(":0\r\n", "PUBLISH", "news", "nobody");
    assert_string_equal(cmdtest_propagated(), ""); /* not a write: nothing logged */
    ON(s1, "SUBSCRIBE", "news", "sport");
    ON(s2, "SUBSCRIBE", "news");
    take(s1);
    take(s2);

    EXPECT(":2\r\n", "PUBLISH", "news", "hello");
    assert_string_equal(cmdtest_propagated(), "");
    assert_string_equal(take(s1), arr('*', 3, "message", "news", "hello"));
    assert_string_equal(take(s2), arr('*', 3, "message", "news", "hello"));
    EXPECT(":1\r\n", "PUBLISH", "sport", "goal");
    assert_string_equal(take(s1), arr('*', 3, "message", "sport", "goal"));
    assert_string_equal(take(s2), "");
    /* channel names are exact and case-sensitive */
    EXPECT(":0\r\n", "PUBLISH", "NEWS", "x");
    EXPECT(":0\r\n", "PUBLISH", "new", "x");

    /* binary-safe channel and message, the empty message included */
    const char *sub[] = {"SUBSCRIBE", "b\0in"};
    size_t sublens[] = {9, 4};
    cmdtest_runv(s2, 2, sub, sublens);
    take(s2);
    const char *pub[] = {"PUBLISH", "b\0in", "a\0\r\nb"};
    size_t publens[] = {7, 4, 5};
    assert_string_equal(cmdtest_runv(c, 3, pub, publens), ":1\r\n");
    assert_int_equal(s2->reply.len, 38);
    assert_memory_equal(s2->reply.data, "*3\r\n$7\r\nmessage\r\n$4\r\nb\0in\r\n$5\r\na\0\r\nb\r\n",
                        38);
    take(s2);
    EXPECT(":2\r\n", "PUBLISH", "news", "");
    assert_string_equal(take(s2), arr('*', 3, "message", "news", ""));
    take(s1);

    /* a RESP3 subscriber may publish, and gets its own message first */
    struct client *s3 = cmdtest_client();
    ON(s3, "HELLO", "3");
    ON(s3, "SUBSCRIBE", "self");
    char want[256];
    snprintf(want, sizeof(want), "%s:1\r\n", arr('>', 3, "message", "self", "hi"));
    assert_string_equal(ON(s3, "PUBLISH", "self", "hi"), want);
}

static void test_patterns(void **state)
{
    (void)state;
    struct client *s = cmdtest_client(), *t = cmdtest_client();

    ON(s, "PSUBSCRIBE", "news.*", "n?ws.[ab]*");
    ON(t, "PSUBSCRIBE", "news.*");
    ON(t, "SUBSCRIBE", "news.art");
    take(s);
    take(t);
    EXPECT(":2\r\n", "PUBSUB", "NUMPAT");
    /* distinct patterns, not subscriptions */
    ON(t, "PSUBSCRIBE", "n?ws.[ab]*", "zzz");
    EXPECT(":3\r\n", "PUBSUB", "NUMPAT");
    ON(t, "PUNSUBSCRIBE", "n?ws.[ab]*", "zzz");
    take(t);
    EXPECT(":2\r\n", "PUBSUB", "NUMPAT");

    /* one pmessage per matching pattern, plus the channel's message */
    EXPECT(":4\r\n", "PUBLISH", "news.art", "m");
    const char *r = take(s);
    char p1[256], p2[256];
    snprintf(p1, sizeof(p1), "%s", arr('*', 4, "pmessage", "news.*", "news.art", "m"));
    snprintf(p2, sizeof(p2), "%s", arr('*', 4, "pmessage", "n?ws.[ab]*", "news.art", "m"));
    assert_int_equal(strlen(r), strlen(p1) + strlen(p2));
    assert_non_null(strstr(r, p1));
    assert_non_null(strstr(r, p2));
    /* channel subscribers first, then patterns (as Redis) */
    char want[512];
    snprintf(want, sizeof(want), "%s", arr('*', 3, "message", "news.art", "m"));
    strcat(want, p1);
    assert_string_equal(take(t), want);

    EXPECT(":2\r\n", "PUBLISH", "news.zoo", "z");
    assert_string_equal(take(s), arr('*', 4, "pmessage", "news.*", "news.zoo", "z"));
    take(t);
    /* case-sensitive, as Redis's PUBLISH */
    EXPECT(":0\r\n", "PUBLISH", "NEWS.zoo", "z");
    EXPECT(":0\r\n", "PUBLISH", "sport", "z");
    assert_string_equal(take(s), "");

    /* shard publications ignore patterns and plain channels */
    EXPECT(":0\r\n", "SPUBLISH", "news.art", "m");
    assert_string_equal(take(s), "");
    assert_string_equal(take(t), "");
}

static void test_shard_channels(void **state)
{
    (void)state;
    struct client *s = cmdtest_client(), *t = cmdtest_client();

    ON(s, "SSUBSCRIBE", "orders");
    ON(t, "SUBSCRIBE", "orders");
    take(s);
    take(t);
    EXPECT(":1\r\n", "SPUBLISH", "orders", "o1");
    assert_string_equal(take(s), arr('*', 3, "smessage", "orders", "o1"));
    assert_string_equal(take(t), "");
    EXPECT(":1\r\n", "PUBLISH", "orders", "o2");
    assert_string_equal(take(s), "");
    assert_string_equal(take(t), arr('*', 3, "message", "orders", "o2"));

    EXPECT("*1\r\n$6\r\norders\r\n", "PUBSUB", "SHARDCHANNELS");
    EXPECT("*1\r\n$6\r\norders\r\n", "PUBSUB", "SHARDCHANNELS", "ord*");
    EXPECT("*0\r\n", "PUBSUB", "SHARDCHANNELS", "x*");
    EXPECT("*4\r\n$6\r\norders\r\n:1\r\n$1\r\nx\r\n:0\r\n", "PUBSUB", "SHARDNUMSUB", "orders", "x");
    EXPECT("*0\r\n", "PUBSUB", "SHARDNUMSUB");
    /* shard channels are in their own namespace for NUMSUB too */
    ON(t, "UNSUBSCRIBE", "orders");
    EXPECT("*2\r\n$6\r\norders\r\n:0\r\n", "PUBSUB", "NUMSUB", "orders");
    /* a shard subscription alone is subscribed mode */
    assert_true(s->flags & CLIENT_PUBSUB);
    assert_false(t->flags & CLIENT_PUBSUB);
    char err[512];
    snprintf(err, sizeof(err), ERR_CONTEXT, "get");
    assert_string_equal(ON(s, "GET", "x"), err);
}

/* ---- RESP3 ---- */

static void test_resp3_push(void **state)
{
    (void)state;
    struct client *s = cmdtest_client();
    ON(s, "HELLO", "3");

    assert_string_equal(ON(s, "UNSUBSCRIBE"), conf(3, "unsubscribe", NULL, 0));
    char want[512];
    snprintf(want, sizeof(want), "%s", conf(3, "subscribe", "a", 1));
    strcat(want, conf(3, "subscribe", "b", 2));
    assert_string_equal(ON(s, "SUBSCRIBE", "a", "b"), want);
    assert_string_equal(ON(s, "PSUBSCRIBE", "a*"), conf(3, "psubscribe", "a*", 3));

    /* any command runs while subscribed, with its normal reply */
    assert_string_equal(ON(s, "PING"), "+PONG\r\n");
    assert_string_equal(ON(s, "PING", "hi"), "$2\r\nhi\r\n");
    assert_string_equal(ON(s, "SET", "k", "v"), "+OK\r\n");
    assert_string_equal(ON(s, "GET", "k"), "$1\r\nv\r\n");
    assert_string_equal(ON(s, "GET", "nokey"), "_\r\n");
    assert_string_equal(ON(s, "PUBSUB", "NUMSUB", "a"), "*2\r\n$1\r\na\r\n:1\r\n");

    EXPECT(":2\r\n", "PUBLISH", "a", "hello");
    snprintf(want, sizeof(want), "%s", arr('>', 3, "message", "a", "hello"));
    strcat(want, arr('>', 4, "pmessage", "a*", "a", "hello"));
    assert_string_equal(take(s), want);

    /* a RESP2 subscriber beside it gets arrays */
    struct client *t = cmdtest_client();
    ON(t, "SUBSCRIBE", "a");
    take(t);
    EXPECT(":3\r\n", "PUBLISH", "a", "x");
    assert_string_equal(take(t), arr('*', 3, "message", "a", "x"));
    take(s);

    assert_string_equal(ON(s, "UNSUBSCRIBE", "zz"), conf(3, "unsubscribe", "zz", 3));
    /* HELLO 2 while subscribed: back to RESP2 subscribed mode */
    ON(s, "HELLO", "2");
    char err[512];
    snprintf(err, sizeof(err), ERR_CONTEXT, "get");
    assert_string_equal(ON(s, "GET", "k"), err);
}

/* ---- RESP2 subscribed mode ---- */

static void test_resp2_subscribed_mode(void **state)
{
    (void)state;
    struct client *s = cmdtest_client();
    char err[512];

    ON(s, "SUBSCRIBE", "a");
    snprintf(err, sizeof(err), ERR_CONTEXT, "get");
    assert_string_equal(ON(s, "GET", "k"), err);
    snprintf(err, sizeof(err), ERR_CONTEXT, "config|get");
    assert_string_equal(ON(s, "CONFIG", "GET", "port"), err);
    snprintf(err, sizeof(err), ERR_CONTEXT, "publish");
    assert_string_equal(ON(s, "PUBLISH", "a", "x"), err);
    snprintf(err, sizeof(err), ERR_CONTEXT, "hello");
    assert_string_equal(ON(s, "HELLO", "3"), err);
    snprintf(err, sizeof(err), ERR_CONTEXT, "pubsub|numsub");
    assert_string_equal(ON(s, "PUBSUB", "NUMSUB"), err);
    /* arity and unknown commands are checked first, as by Redis */
    assert_string_equal(ON(s, "GET"), "-ERR wrong number of arguments for 'get' command\r\n");
    assert_string_equal(ON(s, "NOSUCH"),
                        "-ERR unknown command 'NOSUCH', with args beginning with: \r\n");

    /* PING answers in the shape of a message */
    assert_string_equal(ON(s, "PING"), "*2\r\n$4\r\npong\r\n$0\r\n\r\n");
    assert_string_equal(ON(s, "PING", "hi"), "*2\r\n$4\r\npong\r\n$2\r\nhi\r\n");
    /* the allowed ones */
    assert_string_equal(ON(s, "PSUBSCRIBE", "p"), conf(2, "psubscribe", "p", 2));
    assert_string_equal(ON(s, "SSUBSCRIBE", "s"), conf(2, "ssubscribe", "s", 1));
    assert_string_equal(ON(s, "SUNSUBSCRIBE", "s"), conf(2, "sunsubscribe", "s", 0));
    assert_string_equal(ON(s, "PUNSUBSCRIBE", "p"), conf(2, "punsubscribe", "p", 1));

    /* the rejections are counted as rejected calls, as Redis's */
    struct command *get = command_lookup("get", 3);
    assert_true(get->rejected_calls >= 1);

    /* RESET leaves subscribed mode and drops every subscription */
    ON(s, "PSUBSCRIBE", "p");
    ON(s, "SSUBSCRIBE", "s");
    assert_string_equal(ON(s, "RESET"), "+RESET\r\n");
    assert_false(s->flags & CLIENT_PUBSUB);
    assert_int_equal(pubsub_client_count(s, PUBSUB_CHANNEL), 0);
    EXPECT("*2\r\n$1\r\na\r\n:0\r\n", "PUBSUB", "NUMSUB", "a");
    EXPECT(":0\r\n", "PUBSUB", "NUMPAT");
    EXPECT(":0\r\n", "SPUBLISH", "s", "x");
    assert_string_equal(ON(s, "PING"), "+PONG\r\n");
    assert_string_equal(ON(s, "GET", "k"), "$-1\r\n");

    /* QUIT is allowed */
    ON(s, "SUBSCRIBE", "a");
    assert_string_equal(ON(s, "QUIT"), "+OK\r\n");
    assert_true(s->flags & CLIENT_CLOSE_AFTER_REPLY);
    /* and a client on its way out gets no more messages */
    EXPECT(":1\r\n", "PUBLISH", "a", "late");
    assert_string_equal(take(s), "");
}

/* ---- PUBSUB ---- */

static void test_pubsub_introspection(void **state)
{
    (void)state;
    struct client *s = cmdtest_client(), *t = cmdtest_client();

    EXPECT("*0\r\n", "PUBSUB", "CHANNELS");
    EXPECT("*0\r\n", "PUBSUB", "NUMSUB");
    EXPECT(":0\r\n", "PUBSUB", "NUMPAT");
    ON(s, "SUBSCRIBE", "news.art", "news.music", "sport");
    ON(t, "SUBSCRIBE", "sport");
    ON(t, "PSUBSCRIBE", "news.*", "x");

    const char *r = RUN("PUBSUB", "CHANNELS");
    assert_true(strncmp(r, "*3\r\n", 4) == 0);
    assert_non_null(strstr(r, "$8\r\nnews.art\r\n"));
    assert_non_null(strstr(r, "$10\r\nnews.music\r\n"));
    assert_non_null(strstr(r, "$5\r\nsport\r\n"));
    r = RUN("PUBSUB", "channels", "news.*");
    assert_true(strncmp(r, "*2\r\n", 4) == 0);
    assert_null(strstr(r, "sport"));
    EXPECT("*1\r\n$5\r\nsport\r\n", "PUBSUB", "CHANNELS", "s[o-p]ort");
    EXPECT("*0\r\n", "PUBSUB", "CHANNELS", "SPORT"); /* case-sensitive */
    /* patterns are not channels */
    EXPECT("*0\r\n", "PUBSUB", "CHANNELS", "x");

    EXPECT("*6\r\n$5\r\nsport\r\n:2\r\n$8\r\nnews.art\r\n:1\r\n$4\r\nnone\r\n:0\r\n", "PUBSUB",
           "NUMSUB", "sport", "news.art", "none");
    /* NUMSUB excludes pattern subscribers */
    EXPECT("*2\r\n$1\r\nx\r\n:0\r\n", "PUBSUB", "NUMSUB", "x");
    EXPECT(":2\r\n", "PUBSUB", "NUMPAT");

    /* the errors Redis gives */
    EXPECT("-ERR unknown subcommand 'foo'. Try PUBSUB HELP.\r\n", "PUBSUB", "foo");
    EXPECT("-ERR unknown subcommand or wrong number of arguments for 'channels'. Try PUBSUB "
           "HELP.\r\n",
           "PUBSUB", "channels", "a", "b");
    EXPECT("-ERR unknown subcommand or wrong number of arguments for 'SHARDCHANNELS'. Try PUBSUB "
           "HELP.\r\n",
           "pubsub", "SHARDCHANNELS", "a", "b");
    EXPECT("-ERR wrong number of arguments for 'pubsub|numpat' command\r\n", "PUBSUB", "NUMPAT",
           "x");
    EXPECT("-ERR wrong number of arguments for 'pubsub' command\r\n", "PUBSUB");

    r = RUN("PUBSUB", "HELP");
    const char *head = "*14\r\n+PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands "
                       "are:\r\n+CHANNELS [<pattern>]\r\n";
    assert_true(strncmp(r, head, strlen(head)) == 0);
    assert_non_null(strstr(r, "+HELP\r\n+    Prints this help.\r\n"));

    /* the table is well formed for COMMAND INFO / DOCS */
    r = RUN("COMMAND", "INFO", "publish", "subscribe", "pubsub|numpat", "ssubscribe");
    assert_true(strncmp(r, "*4\r\n", 4) == 0);
    assert_non_null(strstr(r, "+@pubsub\r\n"));
    r = RUN("COMMAND", "DOCS", "psubscribe", "pubsub");
    assert_true(strncmp(r, "*4\r\n", 4) == 0);
    assert_non_null(strstr(r, "pubsub|shardnumsub"));
    EXPECT("*1\r\n$2\r\nch\r\n", "COMMAND", "GETKEYS", "SPUBLISH", "ch", "msg");
}

/* ---- lifetime ---- */

static void test_client_free_cleans_up(void **state)
{
    (void)state;
    /* not a cmdtest client: this test frees it */
    struct client *s = client_create(-1);
    server_link_client(s);
    struct client *t = cmdtest_client();

    ON(s, "SUBSCRIBE", "a", "b");
    ON(s, "PSUBSCRIBE", "a*");
    ON(s, "SSUBSCRIBE", "sh");
    ON(t, "SUBSCRIBE", "a");
    EXPECT(":3\r\n", "PUBLISH", "a", "1");
    assert_int_equal(info_field("stats", "pubsub_channels"), 2);
    assert_int_equal(info_field("stats", "pubsub_patterns"), 1);
    assert_int_equal(info_field("stats", "pubsubshard_channels"), 1);
    assert_int_equal(info_field("clients", "pubsub_clients"), 2);

    server_unlink_client(s);
    client_free(s);

    EXPECT(":1\r\n", "PUBLISH", "a", "2");
    EXPECT(":0\r\n", "PUBLISH", "b", "2");
    EXPECT(":0\r\n", "SPUBLISH", "sh", "2");
    EXPECT(":0\r\n", "PUBSUB", "NUMPAT");
    EXPECT("*1\r\n$1\r\na\r\n", "PUBSUB", "CHANNELS");
    EXPECT("*4\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n:0\r\n", "PUBSUB", "NUMSUB", "a", "b");
    assert_int_equal(info_field("stats", "pubsub_channels"), 1);
    assert_int_equal(info_field("stats", "pubsub_patterns"), 0);
    assert_int_equal(info_field("stats", "pubsubshard_channels"), 0);
    assert_int_equal(info_field("clients", "pubsub_clients"), 1);
    /* the registry empties entirely with the last subscriber */
    ON(t, "UNSUBSCRIBE");
    assert_int_equal(pubsub_count(PUBSUB_CHANNEL), 0);
}

/* ---- output buffer limits ---- */

static void test_obuf_hard_limit(void **state)
{
    (void)state;
    struct client *s = cmdtest_client(), *t = cmdtest_client();

    EXPECT("+OK\r\n", "CONFIG", "SET", "client-output-buffer-limit", "pubsub 1000 0 0");
    ON(s, "SUBSCRIBE", "a");
    ON(t, "SUBSCRIBE", "a");
    take(s);
    take(t);
    char msg[400];
    memset(msg, 'x', sizeof(msg) - 1);
    msg[sizeof(msg) - 1] = '\0';

    EXPECT(":2\r\n", "PUBLISH", "a", msg);
    EXPECT(":2\r\n", "PUBLISH", "a", msg);
    take(t); /* t reads; s does not */
    assert_false(s->flags & CLIENT_CLOSE_ASAP);
    EXPECT(":2\r\n", "PUBLISH", "a", msg); /* s now holds > 1000 bytes */
    assert_true(s->flags & CLIENT_CLOSE_ASAP);
    assert_false(t->flags & CLIENT_CLOSE_ASAP);
    assert_int_equal(server.stat_client_obuf_limit_disconnections, 1);
    assert_int_equal(info_field("stats", "client_output_buffer_limit_disconnections"), 1);
    /* a client marked for closing is sent nothing more, still counted */
    size_t held = s->reply.len;
    EXPECT(":2\r\n", "PUBLISH", "a", msg);
    assert_int_equal(s->reply.len, held);
    assert_int_equal(server.stat_client_obuf_limit_disconnections, 1);

    /* normal clients are unlimited by default */
    struct client *n = cmdtest_client();
    buf_reserve(&n->reply, 1 << 20);
    n->reply.len = 1 << 20;
    assert_int_equal(client_check_obuf_limits(n, NOW), 0);
    /* unless configured */
    EXPECT("+OK\r\n", "CONFIG", "SET", "client-output-buffer-limit", "normal 1mb 0 0");
    assert_int_equal(client_check_obuf_limits(n, NOW), 1);
    assert_true(n->flags & CLIENT_CLOSE_ASAP);
    n->reply.len = 0;
    EXPECT("+OK\r\n", "CONFIG", "RESETSTAT");
    assert_int_equal(info_field("stats", "client_output_buffer_limit_disconnections"), 0);
}

static void test_obuf_soft_limit(void **state)
{
    (void)state;
    struct client *s = cmdtest_client();
    char msg[300];
    memset(msg, 'x', sizeof(msg) - 1);
    msg[sizeof(msg) - 1] = '\0';

    /* soft 500 bytes for 2 seconds, no hard limit */
    EXPECT("+OK\r\n", "CONFIG", "SET", "client-output-buffer-limit", "pubsub 0 500 2");
    ON(s, "SUBSCRIBE", "a");
    take(s);
    RUN("PUBLISH", "a", msg);
    assert_int_equal(s->obuf_soft_since_ms, 0);
    RUN("PUBLISH", "a", msg); /* over: the clock starts */
    assert_int_equal(s->obuf_soft_since_ms, NOW);
    cmdtest_set_time(NOW + 2000);
    RUN("PUBLISH", "a", msg); /* over for 2 s: tolerated */
    assert_false(s->flags & CLIENT_CLOSE_ASAP);

    /* back under the limit: the clock stops */
    take(s);
    RUN("PUBLISH", "a", msg);
    assert_int_equal(s->obuf_soft_since_ms, 0);
    RUN("PUBLISH", "a", msg);
    assert_int_equal(s->obuf_soft_since_ms, NOW + 2000);
    cmdtest_set_time(NOW + 4001);
    RUN("PUBLISH", "a", msg); /* over for more than 2 s */
    assert_true(s->flags & CLIENT_CLOSE_ASAP);
    assert_int_equal(server.stat_client_obuf_limit_disconnections, 1);
    cmdtest_set_time(NOW);
}

/* ---- CLIENT LIST ---- */

static void test_client_list_fields(void **state)
{
    (void)state;
    struct client *s = cmdtest_client();
    ON(s, "SUBSCRIBE", "a", "b");
    ON(s, "PSUBSCRIBE", "p*");
    ON(s, "SSUBSCRIBE", "s");

    char id[32];
    snprintf(id, sizeof(id), "%llu", (unsigned long long)s->id);
    const char *r = RUN("CLIENT", "LIST", "ID", id);
    assert_non_null(strstr(r, " flags=P "));
    assert_non_null(strstr(r, " sub=2 psub=1 ssub=1 "));
    r = RUN("CLIENT", "LIST", "TYPE", "pubsub");
    assert_non_null(strstr(r, " sub=2 psub=1 ssub=1 "));
    assert_null(strstr(r, "cmd=client|list")); /* the caller is a normal client */
    r = RUN("CLIENT", "LIST", "TYPE", "normal");
    assert_null(strstr(r, "flags=P"));
    assert_non_null(strstr(r, "cmd=client|list"));
    r = RUN("CLIENT", "INFO");
    assert_non_null(strstr(r, " sub=0 psub=0 ssub=0 "));
    EXPECT(":0\r\n", "CLIENT", "KILL", "TYPE", "master");
    EXPECT(":1\r\n", "CLIENT", "KILL", "TYPE", "pubsub");
    assert_true(s->flags & CLIENT_CLOSE_ASAP);
    /* out of its channels at once (Redis frees it there and then) */
    EXPECT("*2\r\n$1\r\na\r\n:0\r\n", "PUBSUB", "NUMSUB", "a");
    EXPECT(":0\r\n", "PUBLISH", "a", "x");
}

/* ---- a model of who receives what ---- */

#define MODEL_CLIENTS  8
#define MODEL_CHANNELS 6
#define MODEL_PATTERNS 4

static void test_model(void **state)
{
    (void)state;
    static const char *const channels[MODEL_CHANNELS] = {"a", "ab", "b", "abc", "ba", ""};
    static const char *const patterns[MODEL_PATTERNS] = {"a*", "?b", "*", "[ab]"};
    struct client *cl[MODEL_CLIENTS];
    int ch[MODEL_CLIENTS][MODEL_CHANNELS] = {{0}}, pt[MODEL_CLIENTS][MODEL_PATTERNS] = {{0}};
    for (int i = 0; i < MODEL_CLIENTS; i++)
        cl[i] = cmdtest_client();
    rand_seed(42);

    for (int step = 0; step < 3000; step++) {
        int i = (int)(rand_u64() % MODEL_CLIENTS);
        int op = (int)(rand_u64() % 6);
        int k = (int)(rand_u64() % MODEL_CHANNELS), p = (int)(rand_u64() % MODEL_PATTERNS);
        if (op == 0) {
            ON(cl[i], "SUBSCRIBE", channels[k]);
            ch[i][k] = 1;
        } else if (op == 1) {
            ON(cl[i], "UNSUBSCRIBE", channels[k]);
            ch[i][k] = 0;
        } else if (op == 2) {
            ON(cl[i], "PSUBSCRIBE", patterns[p]);
            pt[i][p] = 1;
        } else if (op == 3) {
            ON(cl[i], "PUNSUBSCRIBE", patterns[p]);
            pt[i][p] = 0;
        } else if (op == 4 && rand_u64() % 8 == 0) {
            if (rand_u64() % 2) {
                ON(cl[i], "UNSUBSCRIBE");
                memset(ch[i], 0, sizeof(ch[i]));
            } else {
                ON(cl[i], "PUNSUBSCRIBE");
                memset(pt[i], 0, sizeof(pt[i]));
            }
        } else {
            /* publish and check the receivers and what each one got */
            for (int j = 0; j < MODEL_CLIENTS; j++)
                take(cl[j]);
            long long want = 0;
            int got_each[MODEL_CLIENTS];
            for (int j = 0; j < MODEL_CLIENTS; j++) {
                got_each[j] = ch[j][k];
                for (int q = 0; q < MODEL_PATTERNS; q++)
                    if (pt[j][q] && glob_match(patterns[q], strlen(patterns[q]), channels[k],
                                               strlen(channels[k]), 0))
                        got_each[j]++;
                want += got_each[j];
            }
            char w[32];
            snprintf(w, sizeof(w), ":%lld\r\n", want);
            EXPECT(w, "PUBLISH", channels[k], "m");
            for (int j = 0; j < MODEL_CLIENTS; j++) {
                const char *r = take(cl[j]);
                int n = 0;
                for (const char *q = r; (q = strstr(q, "message\r\n")) != NULL; q++)
                    n++;
                assert_int_equal(n, got_each[j]);
            }
        }
        /* the counts always agree with the model */
        for (int j = 0; j < MODEL_CLIENTS; j++) {
            int nc = 0, np = 0;
            for (int q = 0; q < MODEL_CHANNELS; q++)
                nc += ch[j][q];
            for (int q = 0; q < MODEL_PATTERNS; q++)
                np += pt[j][q];
            assert_int_equal(pubsub_client_count(cl[j], PUBSUB_CHANNEL), nc);
            assert_int_equal(pubsub_client_count(cl[j], PUBSUB_PATTERN), np);
            assert_int_equal(!!(cl[j]->flags & CLIENT_PUBSUB), nc + np > 0);
        }
        int live = 0;
        for (int q = 0; q < MODEL_CHANNELS; q++) {
            long long n = 0;
            for (int j = 0; j < MODEL_CLIENTS; j++)
                n += ch[j][q];
            assert_int_equal(pubsub_numsub(PUBSUB_CHANNEL, channels[q], strlen(channels[q])), n);
            live += n > 0;
        }
        assert_int_equal(pubsub_count(PUBSUB_CHANNEL), live);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_subscribe_confirmations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unsubscribe_all, setup, teardown),
        cmocka_unit_test_setup_teardown(test_publish_channels, setup, teardown),
        cmocka_unit_test_setup_teardown(test_patterns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shard_channels, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resp3_push, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resp2_subscribed_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pubsub_introspection, setup, teardown),
        cmocka_unit_test_setup_teardown(test_client_free_cleans_up, setup, teardown),
        cmocka_unit_test_setup_teardown(test_obuf_hard_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_obuf_soft_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_client_list_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_model, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
