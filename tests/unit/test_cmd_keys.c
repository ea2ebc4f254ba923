/* Unit tests of commands/keys.c through the fake-client harness. */
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

#define NOW 1700000000000LL /* fixed command time, ms */

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

static struct db *db0(void)
{
    return server.dbs[0];
}

/* Creates a string key directly in db `idx` (the string family is tested
 * elsewhere; these tests only need values to exist). */
static void put(int idx, const char *key, const char *val)
{
    db_set(server.dbs[idx], key, strlen(key), obj_new_string(val, strlen(val)), 0);
}

static void put_hash(const char *key)
{
    db_set(db0(), key, strlen(key), obj_new_hash(), 0);
}

static int has(int idx, const char *key)
{
    return dict_find(server.dbs[idx]->keys, key, strlen(key)) != NULL;
}

#define RUN(...) cmdtest_run(c, __VA_ARGS__, NULL)

/* ---- a tiny RESP2 reader for array replies ---- */

struct parsed {
    char cursor[32];
    int n;
    char *items[2048];
};

static long read_len(const char **p, char type)
{
    assert_int_equal(**p, type);
    char *end;
    long n = strtol(*p + 1, &end, 10);
    assert_memory_equal(end, "\r\n", 2);
    *p = end + 2;
    return n;
}

static char *read_bulk(const char **p)
{
    long n = read_len(p, '$');
    char *s = malloc((size_t)n + 1);
    memcpy(s, *p, (size_t)n);
    s[n] = '\0';
    *p += n + 2;
    return s;
}

/* Parses an array of bulks. */
static void parse_array(const char *r, struct parsed *out)
{
    const char *p = r;
    out->n = (int)read_len(&p, '*');
    assert_true(out->n <= 2048);
    for (int i = 0; i < out->n; i++)
        out->items[i] = read_bulk(&p);
    assert_int_equal(*p, '\0');
}

/* Parses a SCAN reply: [cursor, [keys...]]. */
static void parse_scan(const char *r, struct parsed *out)
{
    const char *p = r;
    assert_int_equal(read_len(&p, '*'), 2);
    char *cur = read_bulk(&p);
    snprintf(out->cursor, sizeof(out->cursor), "%s", cur);
    free(cur);
    out->n = (int)read_len(&p, '*');
    assert_true(out->n <= 2048);
    for (int i = 0; i < out->n; i++)
        out->items[i] = read_bulk(&p);
    assert_int_equal(*p, '\0');
}

static void free_parsed(struct parsed *pp)
{
    for (int i = 0; i < pp->n; i++)
        free(pp->items[i]);
    pp->n = 0;
}

static int contains(const struct parsed *pp, const char *s)
{
    for (int i = 0; i < pp->n; i++)
        if (strcmp(pp->items[i], s) == 0)
            return 1;
    return 0;
}

/* ---- DEL UNLINK EXISTS TYPE TOUCH ---- */

static void test_del(void **state)
{
    (void)state;
    put(0, "a", "1");
    put(0, "b", "2");
    assert_string_equal(RUN("DEL", "a", "b", "a", "nokey"), ":2\r\n");
    assert_false(has(0, "a"));
    assert_false(has(0, "b"));
    /* deterministic as sent: logged as is */
    assert_string_equal(cmdtest_propagated(),
                        "*5\r\n$3\r\nDEL\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\na\r\n$5\r\nnokey\r\n");
    /* nothing deleted: nothing logged */
    assert_string_equal(RUN("DEL", "a"), ":0\r\n");
    assert_string_equal(cmdtest_propagated(), "");
    assert_string_equal(RUN("DEL"), "-ERR wrong number of arguments for 'del' command\r\n");
}

static void test_unlink(void **state)
{
    (void)state;
    put(0, "a", "1");
    assert_string_equal(RUN("UNLINK", "a", "a"), ":1\r\n");
    assert_false(has(0, "a"));
    assert_string_equal(RUN("unlink", "x"), ":0\r\n");
}

static void test_del_expired_key_not_counted(void **state)
{
    (void)state;
    put(0, "a", "1");
    db_set_expire(db0(), "a", 1, NOW - 1);
    assert_string_equal(RUN("DEL", "a"), ":0\r\n");
    assert_false(has(0, "a"));
    /* the lazy expiry logs its own DEL, through the expire hook */
    assert_string_equal(cmdtest_propagated(), "*2\r\n$3\r\nDEL\r\n$1\r\na\r\n");
}

static void test_exists_counts_repeats(void **state)
{
    (void)state;
    put(0, "a", "1");
    assert_string_equal(RUN("EXISTS", "a", "a", "b", "a"), ":3\r\n");
    assert_string_equal(RUN("EXISTS", "b"), ":0\r\n");
    assert_string_equal(cmdtest_propagated(), "");
}

static void test_type(void **state)
{
    (void)state;
    put(0, "s", "1");
    put_hash("h");
    assert_string_equal(RUN("TYPE", "s"), "+string\r\n");
    assert_string_equal(RUN("TYPE", "h"), "+hash\r\n");
    assert_string_equal(RUN("TYPE", "none"), "+none\r\n");
    assert_string_equal(RUN("TYPE", "a", "b"),
                        "-ERR wrong number of arguments for 'type' command\r\n");
}

static void test_touch(void **state)
{
    (void)state;
    put(0, "a", "1");
    put(0, "b", "1");
    assert_string_equal(RUN("TOUCH", "a", "b", "c", "a"), ":3\r\n");
}

/* ---- EXPIRE family, TTL family, PERSIST ---- */

static void test_expire_sets_ttl_and_propagates_absolute(void **state)
{
    (void)state;
    put(0, "k", "v");
    assert_string_equal(RUN("EXPIRE", "k", "100"), ":1\r\n");
    assert_int_equal(db_get_expire(db0(), "k", 1), NOW + 100000);
    assert_string_equal(cmdtest_propagated(),
                        "*3\r\n$9\r\nPEXPIREAT\r\n$1\r\nk\r\n$13\r\n1700000100000\r\n");
    assert_string_equal(RUN("TTL", "k"), ":100\r\n");
    assert_string_equal(RUN("PTTL", "k"), ":100000\r\n");
    assert_string_equal(RUN("EXPIRETIME", "k"), ":1700000100\r\n");
    assert_string_equal(RUN("PEXPIRETIME", "k"), ":1700000100000\r\n");

    assert_string_equal(RUN("PEXPIRE", "k", "1500"), ":1\r\n");
    assert_string_equal(cmdtest_propagated(),
                        "*3\r\n$9\r\nPEXPIREAT\r\n$1\r\nk\r\n$13\r\n1700000001500\r\n");
    /* TTL rounds to the nearest second, as Redis */
    assert_string_equal(RUN("TTL", "k"), ":2\r\n");
    assert_string_equal(RUN("PEXPIRE", "k", "1499"), ":1\r\n");
    assert_string_equal(RUN("TTL", "k"), ":1\r\n");

    assert_string_equal(RUN("EXPIREAT", "k", "1700000200"), ":1\r\n");
    assert_int_equal(db_get_expire(db0(), "k", 1), 1700000200000LL);
    assert_string_equal(cmdtest_propagated(),
                        "*3\r\n$9\r\nPEXPIREAT\r\n$1\r\nk\r\n$13\r\n1700000200000\r\n");

    assert_string_equal(RUN("PEXPIREAT", "k", "1700000300123"), ":1\r\n");
    assert_string_equal(cmdtest_propagated(),
                        "*3\r\n$9\r\nPEXPIREAT\r\n$1\r\nk\r\n$13\r\n1700000300123\r\n");
    assert_string_equal(RUN("PTTL", "k"), ":300123\r\n");
    assert_string_equal(cmdtest_propagated(), ""); /* reads log nothing */
}

static void test_expire_missing_key(void **state)
{
    (void)state;
    assert_string_equal(RUN("EXPIRE", "nokey", "10"), ":0\r\n");
    assert_string_equal(cmdtest_propagated(), "");
    assert_string_equal(RUN("TTL", "nokey"), ":-2\r\n");
    assert_string_equal(RUN("PTTL", "nokey"), ":-2\r\n");
    assert_string_equal(RUN("EXPIRETIME", "nokey"), ":-2\r\n");
    assert_string_equal(RUN("PEXPIRETIME", "nokey"), ":-2\r\n");
    put(0, "k", "v");
    assert_string_equal(RUN("TTL", "k"), ":-1\r\n");
    assert_string_equal(RUN("PTTL", "k"), ":-1\r\n");
    assert_string_equal(RUN("EXPIRETIME", "k"), ":-1\r\n");
}

static void test_expire_in_past_deletes_and_propagates_del(void **state)
{
    (void)state;
    put(0, "k", "v");
    assert_string_equal(RUN("EXPIRE", "k", "-1"), ":1\r\n");
    assert_false(has(0, "k"));
    assert_string_equal(cmdtest_propagated(), "*2\r\n$3\r\nDEL\r\n$1\r\nk\r\n");

    put(0, "k", "v");
    assert_string_equal(RUN("PEXPIREAT", "k", "1700000000000"), ":1\r\n"); /* == now */
    assert_false(has(0, "k"));
    assert_string_equal(cmdtest_propagated(), "*2\r\n$3\r\nDEL\r\n$1\r\nk\r\n");

    put(0, "k", "v");
    assert_string_equal(RUN("EXPIRE", "k", "0"), ":1\r\n");
    assert_false(has(0, "k"));
}

static void test_expire_while_loading_keeps_past_time(void **state)
{
    (void)state;
    put(0, "k", "v");
    server.loading = 1;
    assert_string_equal(RUN("PEXPIREAT", "k", "5"), ":1\r\n");
    server.loading = 0;
    assert_true(has(0, "k"));
    assert_int_equal(db_get_expire(db0(), "k", 1), 5);
    /* and it is then expired for readers */
    assert_string_equal(RUN("EXISTS", "k"), ":0\r\n");
}

static void test_expire_options(void **state)
{
    (void)state;
    put(0, "k", "v");
    /* no TTL: XX and GT fail, LT and NX pass */
    assert_string_equal(RUN("EXPIRE", "k", "100", "XX"), ":0\r\n");
    assert_string_equal(cmdtest_propagated(), "");
    assert_string_equal(RUN("EXPIRE", "k", "100", "GT"), ":0\r\n");
    assert_string_equal(RUN("EXPIRE", "k", "100", "lt"), ":1\r\n");
    assert_string_equal(RUN("PERSIST", "k"), ":1\r\n");
    assert_string_equal(RUN("EXPIRE", "k", "100", "nx"), ":1\r\n");
    /* has a TTL of 100 s now */
    assert_string_equal(RUN("EXPIRE", "k", "50", "NX"), ":0\r\n");
    assert_string_equal(RUN("EXPIRE", "k", "50", "GT"), ":0\r\n");
    assert_string_equal(RUN("EXPIRE", "k", "100", "GT"), ":0\r\n"); /* equal is not greater */
    assert_string_equal(RUN("EXPIRE", "k", "200", "GT"), ":1\r\n");
    assert_string_equal(RUN("EXPIRE", "k", "300", "LT"), ":0\r\n");
    assert_string_equal(RUN("EXPIRE", "k", "200", "LT"), ":0\r\n");
    assert_string_equal(RUN("EXPIRE", "k", "150", "LT", "XX"), ":1\r\n");
    assert_int_equal(db_get_expire(db0(), "k", 1), NOW + 150000);
    /* the effect is logged without the options */
    assert_string_equal(cmdtest_propagated(),
                        "*3\r\n$9\r\nPEXPIREAT\r\n$1\r\nk\r\n$13\r\n1700000150000\r\n");
    assert_string_equal(RUN("EXPIRE", "k", "10", "xx"), ":1\r\n");
    assert_string_equal(RUN("TTL", "k"), ":10\r\n");
}

static void test_expire_errors(void **state)
{
    (void)state;
    put(0, "k", "v");
    const char *nx_err = "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n";
    assert_string_equal(RUN("EXPIRE", "k", "10", "NX", "XX"), nx_err);
    assert_string_equal(RUN("EXPIRE", "k", "10", "NX", "GT"), nx_err);
    assert_string_equal(RUN("EXPIRE", "k", "10", "LT", "NX"), nx_err);
    /* option errors come before the key lookup */
    assert_string_equal(RUN("EXPIRE", "nokey", "10", "NX", "XX"), nx_err);
    assert_string_equal(RUN("EXPIRE", "k", "10", "GT", "LT"),
                        "-ERR GT and LT options at the same time are not compatible\r\n");
    assert_string_equal(RUN("EXPIRE", "k", "10", "foo"), "-ERR Unsupported option foo\r\n");
    /* and before the time argument */
    assert_string_equal(RUN("EXPIRE", "k", "abc", "foo"), "-ERR Unsupported option foo\r\n");
    assert_string_equal(RUN("EXPIRE", "k", "abc"),
                        "-ERR value is not an integer or out of range\r\n");
    assert_string_equal(RUN("EXPIRE", "k", "1.5"),
                        "-ERR value is not an integer or out of range\r\n");
    assert_string_equal(RUN("EXPIRE", "k", " 1"),
                        "-ERR value is not an integer or out of range\r\n");
    assert_string_equal(RUN("EXPIRE", "k"),
                        "-ERR wrong number of arguments for 'expire' command\r\n");
    /* overflow in the unit conversion or the addition of now */
    assert_string_equal(RUN("EXPIRE", "k", "9223372036854775807"),
                        "-ERR invalid expire time in 'expire' command\r\n");
    assert_string_equal(RUN("EXPIRE", "k", "9223372036854775"),
                        "-ERR invalid expire time in 'expire' command\r\n");
    assert_string_equal(RUN("PEXPIRE", "k", "9223372036854775807"),
                        "-ERR invalid expire time in 'pexpire' command\r\n");
    assert_string_equal(RUN("EXPIREAT", "k", "-9223372036854775808"),
                        "-ERR invalid expire time in 'expireat' command\r\n");
    assert_string_equal(RUN("EXPIREAT", "k", "9223372036854776"),
                        "-ERR invalid expire time in 'expireat' command\r\n");
    assert_true(has(0, "k"));
    assert_string_equal(RUN("TTL", "k"), ":-1\r\n");
    /* the largest absolute times are fine */
    assert_string_equal(RUN("PEXPIREAT", "k", "9223372036854775807"), ":1\r\n");
    assert_string_equal(RUN("PEXPIRETIME", "k"), ":9223372036854775807\r\n");
    /* rounding does not overflow */
    assert_string_equal(RUN("EXPIRETIME", "k"), ":9223372036854776\r\n");
    assert_string_equal(RUN("EXPIREAT", "k", "9223372036854775"), ":1\r\n");
    /* very negative relative times are valid and delete */
    assert_string_equal(RUN("PEXPIRE", "k", "-9223372036854775808"), ":1\r\n");
    assert_false(has(0, "k"));
}

static void test_key_expires_with_time(void **state)
{
    (void)state;
    put(0, "k", "v");
    assert_string_equal(RUN("PEXPIRE", "k", "100"), ":1\r\n");
    cmdtest_set_time(NOW + 99);
    assert_string_equal(RUN("PTTL", "k"), ":1\r\n");
    assert_string_equal(RUN("EXISTS", "k"), ":1\r\n");
    cmdtest_set_time(NOW + 100);
    assert_string_equal(RUN("PTTL", "k"), ":-2\r\n");
    assert_string_equal(RUN("EXISTS", "k"), ":0\r\n");
    assert_string_equal(RUN("TYPE", "k"), "+none\r\n");
    assert_string_equal(RUN("PERSIST", "k"), ":0\r\n");
    assert_string_equal(RUN("EXPIRE", "k", "10"), ":0\r\n");
}

static void test_persist(void **state)
{
    (void)state;
    put(0, "k", "v");
    assert_string_equal(RUN("PERSIST", "k"), ":0\r\n");
    assert_string_equal(cmdtest_propagated(), "");
    assert_string_equal(RUN("EXPIRE", "k", "10"), ":1\r\n");
    assert_string_equal(RUN("PERSIST", "k"), ":1\r\n");
    assert_string_equal(cmdtest_propagated(), "*2\r\n$7\r\nPERSIST\r\n$1\r\nk\r\n");
    assert_string_equal(RUN("TTL", "k"), ":-1\r\n");
    assert_string_equal(RUN("PERSIST", "nokey"), ":0\r\n");
}

/* ---- KEYS SCAN RANDOMKEY ---- */

static void test_keys(void **state)
{
    (void)state;
    struct parsed p;
    put(0, "hello", "1");
    put(0, "hallo", "1");
    put(0, "world", "1");
    put(0, "gone", "1");
    db_set_expire(db0(), "gone", 4, NOW);

    parse_array(RUN("KEYS", "*"), &p);
    assert_int_equal(p.n, 3);
    assert_true(contains(&p, "hello") && contains(&p, "hallo") && contains(&p, "world"));
    free_parsed(&p);

    parse_array(RUN("KEYS", "h?llo"), &p);
    assert_int_equal(p.n, 2);
    free_parsed(&p);

    parse_array(RUN("KEYS", "h[^e]llo"), &p);
    assert_int_equal(p.n, 1);
    assert_string_equal(p.items[0], "hallo");
    free_parsed(&p);

    assert_string_equal(RUN("KEYS", "nomatch*"), "*0\r\n");
    /* KEYS hides expired keys without deleting them */
    assert_true(has(0, "gone"));
    assert_string_equal(RUN("KEYS", "gone"), "*0\r\n");
}

/* Runs a full SCAN with the given extra options; returns the keys seen
 * (with duplicates) in *out and the number of calls. */
static int scan_all(struct parsed *all, const char *opt1, const char *val1, const char *opt2,
                    const char *val2)
{
    char cursor[32] = "0";
    int calls = 0;
    all->n = 0;
    do {
        struct parsed p;
        const char *argv[6] = {"SCAN", cursor, opt1, val1, opt2, val2};
        int argc = opt1 ? (opt2 ? 6 : 4) : 2;
        parse_scan(cmdtest_runv(c, argc, argv, NULL), &p);
        for (int i = 0; i < p.n; i++) {
            if (!contains(all, p.items[i]))
                all->items[all->n++] = strdup(p.items[i]);
            free(p.items[i]);
        }
        snprintf(cursor, sizeof(cursor), "%s", p.cursor);
        calls++;
        assert_true(calls < 100000);
    } while (strcmp(cursor, "0") != 0);
    return calls;
}

static void test_scan_full_iteration(void **state)
{
    (void)state;
    char key[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(key, sizeof(key), "key:%d", i);
        put(0, key, "v");
    }
    struct parsed *all = malloc(sizeof(*all));
    int calls = scan_all(all, NULL, NULL, NULL, NULL);
    assert_int_equal(all->n, 1000);
    assert_true(calls > 1); /* COUNT 10 by default: many calls */
    for (int i = 0; i < 1000; i++) {
        snprintf(key, sizeof(key), "key:%d", i);
        assert_true(contains(all, key));
    }
    free_parsed(all);

    calls = scan_all(all, "COUNT", "1000", NULL, NULL);
    assert_int_equal(all->n, 1000);
    free_parsed(all);

    scan_all(all, "MATCH", "key:1??", "COUNT", "50");
    assert_int_equal(all->n, 100);
    assert_true(contains(all, "key:100") && contains(all, "key:199"));
    free_parsed(all);
    free(all);
}

static void test_scan_type_and_expired(void **state)
{
    (void)state;
    struct parsed *all = malloc(sizeof(*all));
    put(0, "s1", "v");
    put(0, "s2", "v");
    put_hash("h1");
    put(0, "old", "v");
    db_set_expire(db0(), "old", 3, NOW - 5);

    scan_all(all, "TYPE", "hash", NULL, NULL);
    assert_int_equal(all->n, 1);
    assert_string_equal(all->items[0], "h1");
    free_parsed(all);

    scan_all(all, "type", "STRING", "match", "s*");
    assert_int_equal(all->n, 2);
    free_parsed(all);

    scan_all(all, "TYPE", "nosuchtype", NULL, NULL);
    assert_int_equal(all->n, 0);
    free_parsed(all);

    scan_all(all, NULL, NULL, NULL, NULL);
    assert_int_equal(all->n, 3);
    assert_false(contains(all, "old"));
    free_parsed(all);
    /* SCAN removes the expired keys it meets, as Redis */
    assert_false(has(0, "old"));
    free(all);
}

static void test_scan_errors(void **state)
{
    (void)state;
    put(0, "k", "v");
    assert_string_equal(RUN("SCAN", "abc"), "-ERR invalid cursor\r\n");
    assert_string_equal(RUN("SCAN", " 0"), "-ERR invalid cursor\r\n");
    assert_string_equal(RUN("SCAN", "1x"), "-ERR invalid cursor\r\n");
    assert_string_equal(RUN("SCAN", "18446744073709551616"), "-ERR invalid cursor\r\n");
    assert_string_equal(RUN("SCAN", "0", "COUNT", "0"), "-ERR syntax error\r\n");
    assert_string_equal(RUN("SCAN", "0", "COUNT", "-1"), "-ERR syntax error\r\n");
    assert_string_equal(RUN("SCAN", "0", "COUNT", "x"),
                        "-ERR value is not an integer or out of range\r\n");
    assert_string_equal(RUN("SCAN", "0", "foo", "bar"), "-ERR syntax error\r\n");
    assert_string_equal(RUN("SCAN", "0", "MATCH"), "-ERR syntax error\r\n");
    assert_string_equal(RUN("SCAN"), "-ERR wrong number of arguments for 'scan' command\r\n");
    /* strtoul's forms are accepted as by Redis */
    assert_string_equal(RUN("SCAN", "+0"), "*2\r\n$1\r\n0\r\n*1\r\n$1\r\nk\r\n");
    assert_string_equal(RUN("SCAN", "0"), "*2\r\n$1\r\n0\r\n*1\r\n$1\r\nk\r\n");
    const char *r = RUN("SCAN", "18446744073709551615");
    assert_memory_equal(r, "*2\r\n", 4);
}

static void test_scan_binary_args(void **state)
{
    (void)state;
    put(0, "k", "v");
    /* arguments are not NUL-terminated on the wire: lens cut them short */
    const char *argv[] = {"SCANxx", "0junk", "COUNTjunk", "100junk", "MATCHjunk", "k*junk"};
    size_t lens[] = {4, 1, 5, 3, 5, 2};
    assert_string_equal(cmdtest_runv(c, 6, argv, lens), "*2\r\n$1\r\n0\r\n*1\r\n$1\r\nk\r\n");
}

static void test_randomkey(void **state)
{
    (void)state;
    assert_string_equal(RUN("RANDOMKEY"), "$-1\r\n");
    put(0, "only", "v");
    assert_string_equal(RUN("RANDOMKEY"), "$4\r\nonly\r\n");
    assert_string_equal(RUN("RANDOMKEY", "x"),
                        "-ERR wrong number of arguments for 'randomkey' command\r\n");
}

/* ---- RENAME RENAMENX COPY ---- */

static void test_rename(void **state)
{
    (void)state;
    assert_string_equal(RUN("RENAME", "nokey", "x"), "-ERR no such key\r\n");
    assert_string_equal(RUN("RENAMENX", "nokey", "x"), "-ERR no such key\r\n");
    put(0, "a", "1");
    db_set_expire(db0(), "a", 1, NOW + 5000);
    assert_string_equal(RUN("RENAME", "a", "a"), "+OK\r\n");
    assert_string_equal(RUN("RENAMENX", "a", "a"), ":0\r\n");
    assert_string_equal(RUN("RENAME", "a", "b"), "+OK\r\n");
    assert_false(has(0, "a"));
    assert_true(has(0, "b"));
    assert_string_equal(cmdtest_propagated(), "*3\r\n$6\r\nRENAME\r\n$1\r\na\r\n$1\r\nb\r\n");
    assert_string_equal(RUN("PTTL", "b"), ":5000\r\n"); /* the TTL moves */

    /* RENAME over an existing key with a TTL: dst takes src's (none) */
    put(0, "c", "3");
    db_set_expire(db0(), "b", 1, NOW + 5000);
    put(0, "d", "4");
    assert_string_equal(RUN("RENAME", "d", "b"), "+OK\r\n");
    assert_string_equal(RUN("TTL", "b"), ":-1\r\n");

    assert_string_equal(RUN("RENAMENX", "c", "b"), ":0\r\n");
    assert_string_equal(cmdtest_propagated(), "");
    assert_true(has(0, "c"));
    assert_string_equal(RUN("RENAMENX", "c", "e"), ":1\r\n");
    assert_true(has(0, "e"));
    assert_false(has(0, "c"));
}

static void test_rename_expired_source(void **state)
{
    (void)state;
    put(0, "a", "1");
    db_set_expire(db0(), "a", 1, NOW);
    assert_string_equal(RUN("RENAME", "a", "b"), "-ERR no such key\r\n");
    put(0, "x", "1");
    put(0, "y", "1");
    db_set_expire(db0(), "y", 1, NOW - 1);
    /* an expired destination does not block RENAMENX */
    assert_string_equal(RUN("RENAMENX", "x", "y"), ":1\r\n");
}

static void test_copy(void **state)
{
    (void)state;
    put(0, "a", "hello");
    db_set_expire(db0(), "a", 1, NOW + 9000);
    assert_string_equal(RUN("COPY", "a", "b"), ":1\r\n");
    assert_string_equal(cmdtest_propagated(), "*3\r\n$4\r\nCOPY\r\n$1\r\na\r\n$1\r\nb\r\n");
    assert_string_equal(RUN("PTTL", "b"), ":9000\r\n");
    struct robj *o = db_peek(db0(), "b", 1, NOW);
    assert_non_null(o);
    assert_memory_equal(obj_str_ptr(o), "hello", 5);
    assert_ptr_not_equal(o, db_peek(db0(), "a", 1, NOW));

    assert_string_equal(RUN("COPY", "a", "b"), ":0\r\n");
    assert_string_equal(cmdtest_propagated(), "");
    put(0, "a", "new");
    assert_string_equal(RUN("COPY", "a", "b", "REPLACE"), ":1\r\n");
    assert_string_equal(RUN("TTL", "b"), ":-1\r\n");
    assert_string_equal(RUN("COPY", "nokey", "b"), ":0\r\n");
    assert_string_equal(RUN("COPY", "a", "a"),
                        "-ERR source and destination objects are the same\r\n");
    assert_string_equal(RUN("COPY", "a", "a", "DB", "1"), ":1\r\n");
    assert_true(has(1, "a"));
    assert_string_equal(RUN("COPY", "a", "z", "DB", "16"), "-ERR DB index is out of range\r\n");
    assert_string_equal(RUN("COPY", "a", "z", "DB", "-1"), "-ERR DB index is out of range\r\n");
    assert_string_equal(RUN("COPY", "a", "z", "DB", "x"),
                        "-ERR value is not an integer or out of range\r\n");
    assert_string_equal(RUN("COPY", "a", "z", "DB"), "-ERR syntax error\r\n");
    assert_string_equal(RUN("COPY", "a", "z", "foo"), "-ERR syntax error\r\n");
}

static void test_table(void **state)
{
    (void)state;
    /* the metadata COMMAND INFO/DOCS are generated from */
    struct command *del = command_lookup("DEL", 3);
    assert_non_null(del);
    assert_int_equal(del->arity, -2);
    assert_true(del->flags & CMD_WRITE);
    assert_int_equal(del->first_key, 1);
    assert_int_equal(del->last_key, -1);
    assert_int_equal(del->key_step, 1);
    assert_string_equal(del->group, "generic");
    struct command *ttl = command_lookup("ttl", 3);
    assert_true(ttl->flags & CMD_READONLY);
    assert_true(ttl->flags & CMD_FAST);
    struct command *rn = command_lookup("rename", 6);
    assert_int_equal(rn->last_key, 2);
    struct command *keys = command_lookup("keys", 4);
    assert_int_equal(keys->first_key, 0);
    for (struct command *cmd = keys_commands; cmd->name; cmd++) {
        assert_non_null(cmd->proc);
        assert_non_null(cmd->summary);
        assert_non_null(cmd->since);
        assert_non_null(cmd->complexity);
        assert_string_equal(cmd->group, "generic");
        assert_true(!!(cmd->flags & CMD_WRITE) != !!(cmd->flags & CMD_READONLY));
        /* the args spec parses: COMMAND DOCS shows the arguments */
        const char *r = RUN("COMMAND", "DOCS", cmd->name);
        if (cmd->args)
            assert_non_null(strstr(r, "$9\r\narguments\r\n"));
        else
            assert_null(strstr(r, "$9\r\narguments\r\n"));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_del, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unlink, setup, teardown),
        cmocka_unit_test_setup_teardown(test_del_expired_key_not_counted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exists_counts_repeats, setup, teardown),
        cmocka_unit_test_setup_teardown(test_type, setup, teardown),
        cmocka_unit_test_setup_teardown(test_touch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expire_sets_ttl_and_propagates_absolute, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_expire_missing_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expire_in_past_deletes_and_propagates_del, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_expire_while_loading_keeps_past_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expire_options, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expire_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_expires_with_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_persist, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scan_full_iteration, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scan_type_and_expired, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scan_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scan_binary_args, setup, teardown),
        cmocka_unit_test_setup_teardown(test_randomkey, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rename, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rename_expired_source, setup, teardown),
        cmocka_unit_test_setup_teardown(test_copy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_table, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
