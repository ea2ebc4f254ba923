/* Unit tests for the set commands (commands/set.c): replies in RESP2 and
 * RESP3, Redis's error texts, removal of emptied sets, what each write
 * propagates (SPOP as the SREM of what it took), SPOP's deterministic
 * choice while a Raft entry is applied, and a randomized model test against
 * a plain array. */
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

/* The members of a bulk array / set reply, sorted, joined by ','. */
static const char *members_of(const char *reply)
{
    static char out[4096];
    char *items[256];
    int n = 0;
    const char *p = strchr(reply, '\n');
    assert_non_null(p);
    p++;
    while (*p == '$' && n < 256) {
        long len = strtol(p + 1, NULL, 10);
        p = strchr(p, '\n') + 1;
        items[n] = strndup(p, (size_t)len);
        n++;
        p += len + 2;
    }
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            if (strcmp(items[j], items[i]) < 0) {
                char *t = items[i];
                items[i] = items[j];
                items[j] = t;
            }
    out[0] = '\0';
    for (int i = 0; i < n; i++) {
        if (i)
            strcat(out, ",");
        strcat(out, items[i]);
        free(items[i]);
    }
    return out;
}

static void test_sadd_srem_card(void **state)
{
    (void)state;
    EXPECT(":3\r\n", "SADD", "s", "a", "b", "c");
    assert_string_equal(PROP(), "*5\r\n$4\r\nSADD\r\n$1\r\ns\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n");
    EXPECT(":1\r\n", "SADD", "s", "a", "d", "d");
    EXPECT(":0\r\n", "SADD", "s", "a");
    assert_string_equal(PROP(), ""); /* nothing changed, nothing logged */
    EXPECT(":4\r\n", "SCARD", "s");
    EXPECT(":0\r\n", "SCARD", "nosuch");
    EXPECT(":1\r\n", "SISMEMBER", "s", "a");
    EXPECT(":0\r\n", "SISMEMBER", "s", "zz");
    EXPECT("*3\r\n:1\r\n:0\r\n:1\r\n", "SMISMEMBER", "s", "a", "x", "d");
    EXPECT("*2\r\n:0\r\n:0\r\n", "SMISMEMBER", "nosuch", "a", "b");
    assert_string_equal(members_of(RUN("SMEMBERS", "s")), "a,b,c,d");
    EXPECT("*0\r\n", "SMEMBERS", "nosuch");
    EXPECT(":2\r\n", "SREM", "s", "a", "b", "zz");
    EXPECT(":0\r\n", "SREM", "s", "zz");
    assert_string_equal(PROP(), "");
    EXPECT(":2\r\n", "SREM", "s", "c", "d");
    EXPECT(":0\r\n", "EXISTS", "s"); /* emptied: deleted */
    EXPECT(":0\r\n", "SREM", "nosuch", "a");
    EXPECT("+set\r\n", "TYPE", (RUN("SADD", "t", "x"), "t"));
}

static void test_wrongtype_and_arity(void **state)
{
    (void)state;
    RUN("SET", "str", "v");
    EXPECT(ERR_WRONGTYPE, "SADD", "str", "a");
    EXPECT(ERR_WRONGTYPE, "SREM", "str", "a");
    EXPECT(ERR_WRONGTYPE, "SCARD", "str");
    EXPECT(ERR_WRONGTYPE, "SMEMBERS", "str");
    EXPECT(ERR_WRONGTYPE, "SPOP", "str");
    EXPECT(ERR_WRONGTYPE, "SRANDMEMBER", "str");
    EXPECT(ERR_WRONGTYPE, "SINTER", "nosuch", "str"); /* every key is checked */
    EXPECT(ERR_WRONGTYPE, "SUNIONSTORE", "d", "str");
    EXPECT(ERR_WRONGTYPE, "SSCAN", "str", "0");
    RUN("SADD", "s", "a");
    EXPECT(ERR_WRONGTYPE, "SMOVE", "s", "str", "a");
    EXPECT(":1\r\n", "SISMEMBER", "s", "a"); /* the refused move lost nothing */
    EXPECT("-ERR wrong number of arguments for 'sadd' command\r\n", "SADD", "s");
    EXPECT("-ERR wrong number of arguments for 'smove' command\r\n", "SMOVE", "s", "t");
}

static void test_algebra(void **state)
{
    (void)state;
    RUN("SADD", "a", "1", "2", "3", "4");
    RUN("SADD", "b", "3", "4", "5");
    RUN("SADD", "c", "4", "5", "6");
    assert_string_equal(members_of(RUN("SINTER", "a", "b")), "3,4");
    assert_string_equal(members_of(RUN("SINTER", "a", "b", "c")), "4");
    EXPECT("*0\r\n", "SINTER", "a", "nosuch");
    assert_string_equal(members_of(RUN("SUNION", "a", "nosuch", "c")), "1,2,3,4,5,6");
    assert_string_equal(members_of(RUN("SDIFF", "a", "b")), "1,2");
    assert_string_equal(members_of(RUN("SDIFF", "a", "b", "c")), "1,2");
    EXPECT("*0\r\n", "SDIFF", "nosuch", "a");

    EXPECT(":2\r\n", "SINTERSTORE", "d", "a", "b");
    assert_string_equal(members_of(RUN("SMEMBERS", "d")), "3,4");
    assert_string_equal(PROP(), "");
    RUN("SINTERSTORE", "d", "a", "b");
    assert_string_equal(PROP(), "*4\r\n$11\r\nSINTERSTORE\r\n$1\r\nd\r\n$1\r\na\r\n$1\r\nb\r\n");
    EXPECT(":6\r\n", "SUNIONSTORE", "d", "a", "c");
    EXPECT(":2\r\n", "SDIFFSTORE", "d", "a", "b");
    /* the destination may be a source */
    EXPECT(":2\r\n", "SDIFFSTORE", "a", "a", "b");
    assert_string_equal(members_of(RUN("SMEMBERS", "a")), "1,2");
    EXPECT("*0\r\n", "SMEMBERS", "nosuch");
    /* an empty result deletes the destination (of any type) */
    RUN("SET", "str", "v");
    EXPECT(":0\r\n", "SINTERSTORE", "str", "b", "nosuch");
    EXPECT(":0\r\n", "EXISTS", "str");
    EXPECT(":0\r\n", "SINTERSTORE", "never", "b", "nosuch");
    assert_string_equal(PROP(), ""); /* nothing existed: nothing changed */
    /* a non-empty result replaces a string destination and its TTL */
    RUN("SET", "str", "v", "EX", "100");
    EXPECT(":3\r\n", "SUNIONSTORE", "str", "b");
    EXPECT(":-1\r\n", "TTL", "str");
}

static void test_sintercard(void **state)
{
    (void)state;
    RUN("SADD", "a", "1", "2", "3", "4");
    RUN("SADD", "b", "2", "3", "4", "5");
    EXPECT(":3\r\n", "SINTERCARD", "2", "a", "b");
    EXPECT(":2\r\n", "SINTERCARD", "2", "a", "b", "LIMIT", "2");
    EXPECT(":3\r\n", "SINTERCARD", "2", "a", "b", "LIMIT", "0");
    EXPECT(":0\r\n", "SINTERCARD", "2", "a", "nosuch");
    EXPECT(":4\r\n", "SINTERCARD", "1", "a");
    EXPECT("-ERR numkeys should be greater than 0\r\n", "SINTERCARD", "0", "a");
    EXPECT("-ERR numkeys should be greater than 0\r\n", "SINTERCARD", "x", "a");
    EXPECT("-ERR Number of keys can't be greater than number of args\r\n", "SINTERCARD", "3", "a",
           "b");
    EXPECT("-ERR LIMIT can't be negative\r\n", "SINTERCARD", "1", "a", "LIMIT", "-1");
    EXPECT("-ERR LIMIT can't be negative\r\n", "SINTERCARD", "1", "a", "LIMIT", "x");
    EXPECT(ERR_SYNTAX, "SINTERCARD", "1", "a", "FOO");
    EXPECT(ERR_SYNTAX, "SINTERCARD", "1", "a", "LIMIT");
}

static void test_smove(void **state)
{
    (void)state;
    RUN("SADD", "src", "a", "b");
    EXPECT(":1\r\n", "SMOVE", "src", "dst", "a");
    assert_string_equal(PROP(), "*4\r\n$5\r\nSMOVE\r\n$3\r\nsrc\r\n$3\r\ndst\r\n$1\r\na\r\n");
    EXPECT(":0\r\n", "SMOVE", "src", "dst", "zz");
    assert_string_equal(PROP(), "");
    EXPECT(":0\r\n", "SMOVE", "nosuch", "dst", "a");
    EXPECT(":1\r\n", "SMOVE", "src", "dst", "b");
    EXPECT(":0\r\n", "EXISTS", "src");
    assert_string_equal(members_of(RUN("SMEMBERS", "dst")), "a,b");
    EXPECT(":1\r\n", "SMOVE", "dst", "dst", "a"); /* same key: a no-op */
    EXPECT(":0\r\n", "SMOVE", "dst", "dst", "zz");
    EXPECT(":2\r\n", "SCARD", "dst");
    /* Redis's order of checks: a missing source is 0 even when the
     * destination holds another type; an existing one is WRONGTYPE */
    RUN("SET", "str", "v");
    EXPECT(":0\r\n", "SMOVE", "nosuch", "str", "a");
    EXPECT(ERR_WRONGTYPE, "SMOVE", "dst", "str", "a");
    EXPECT(ERR_WRONGTYPE, "SMOVE", "str", "dst", "a");
    EXPECT(":2\r\n", "SCARD", "dst");
}

static void test_spop_srandmember(void **state)
{
    (void)state;
    EXPECT("$-1\r\n", "SPOP", "nosuch");
    EXPECT("*0\r\n", "SPOP", "nosuch", "3");
    EXPECT("$-1\r\n", "SRANDMEMBER", "nosuch");
    EXPECT("*0\r\n", "SRANDMEMBER", "nosuch", "3");
    RUN("SADD", "s", "a", "b", "c", "d", "e");
    EXPECT("-ERR value is out of range, must be positive\r\n", "SPOP", "s", "-1");
    EXPECT("-ERR value is out of range, must be positive\r\n", "SPOP", "s", "x");
    EXPECT(ERR_SYNTAX, "SPOP", "s", "1", "2");
    EXPECT(ERR_NOT_INT, "SRANDMEMBER", "s", "x");
    EXPECT("-ERR value is out of range, value must between -9223372036854775807 and "
           "9223372036854775807\r\n",
           "SRANDMEMBER", "s", "-9223372036854775808");
    EXPECT("*0\r\n", "SPOP", "s", "0");
    assert_string_equal(PROP(), "");

    /* SRANDMEMBER: distinct for a positive count, repeats for a negative. */
    assert_string_equal(members_of(RUN("SRANDMEMBER", "s", "10")), "a,b,c,d,e");
    const char *r = RUN("SRANDMEMBER", "s", "3");
    assert_int_equal(strlen(members_of(r)), 5); /* three distinct one-letter members */
    r = RUN("SRANDMEMBER", "s", "-8");
    assert_memory_equal(r, "*8\r\n", 4);
    EXPECT(":5\r\n", "SCARD", "s"); /* reads take nothing */

    /* SPOP logs the SREM of what it took. */
    r = RUN("SPOP", "s");
    assert_memory_equal(r, "$1\r\n", 4);
    char m = r[4];
    char want[64];
    snprintf(want, sizeof(want), "*3\r\n$4\r\nSREM\r\n$1\r\ns\r\n$1\r\n%c\r\n", m);
    assert_string_equal(PROP(), want);
    EXPECT(":4\r\n", "SCARD", "s");
    r = RUN("SPOP", "s", "2");
    const char *got = members_of(r);
    assert_int_equal(strlen(got), 3);
    assert_memory_equal(PROP(), "*4\r\n$4\r\nSREM\r\n$1\r\ns\r\n", 21);
    EXPECT(":2\r\n", "SCARD", "s");
    /* taking all of it logs a DEL */
    RUN("SPOP", "s", "5");
    assert_string_equal(PROP(), "*2\r\n$3\r\nDEL\r\n$1\r\ns\r\n");
    EXPECT(":0\r\n", "EXISTS", "s");
}

/* While a Raft entry is applied, SPOP's choice depends on the content and
 * the entry index only: two sets built in different orders (different
 * dict layouts, one grown past a rehash) give the same members. */
static void test_spop_deterministic_in_raft_apply(void **state)
{
    (void)state;
    char m[32];
    for (int i = 0; i < 300; i++) {
        snprintf(m, sizeof(m), "m%d", i);
        RUN("SADD", "x", m);
    }
    for (int i = 299; i >= 0; i--) {
        snprintf(m, sizeof(m), "m%d", i);
        RUN("SADD", "y", m);
    }
    for (int i = 300; i < 2000; i++) { /* grow and shrink y: another layout */
        snprintf(m, sizeof(m), "m%d", i);
        RUN("SADD", "y", m);
        RUN("SREM", "y", m);
    }
    for (uint64_t index = 1; index < 40; index++) {
        server.raft_applying = 1;
        server.raft_apply_index = index;
        const char *count = index % 3 == 0 ? NULL : "3";
        char a[4096], b[4096];
        snprintf(a, sizeof(a), "%s",
                 count ? members_of(RUN("SPOP", "x", count)) : RUN("SPOP", "x"));
        snprintf(b, sizeof(b), "%s",
                 count ? members_of(RUN("SPOP", "y", count)) : RUN("SPOP", "y"));
        server.raft_applying = 0;
        assert_string_equal(a, b);
    }
    EXPECT(":0\r\n", "SINTERCARD", "1", "nosuch");
    char want[32];
    snprintf(want, sizeof(want), ":%d\r\n", 300 - (26 * 3 + 13));
    EXPECT(want, "SCARD", "x");
    assert_string_equal(RUN("SCARD", "y"), want);
    EXPECT(":0\r\n", "SCARD", (RUN("SDIFFSTORE", "z", "x", "y"), "z"));
}

/* The Raft choice is part of the log's meaning: a node (or a replay) with
 * a newer binary must take the members an older one took.  Pinned here:
 * the k members of lowest (hash, bytes), replied and logged in ascending
 * order, so SPOP k is the first k of what a bigger count takes. */
static void fill40(const char *key)
{
    char m[32];
    RUN("DEL", key);
    for (int i = 0; i < 40; i++) {
        snprintf(m, sizeof(m), "m%d", i);
        RUN("SADD", key, m);
    }
}

/* The i-th bulk (0-based) of a multibulk reply, as "$len\r\nbytes\r\n". */
static const char *nth_bulk(const char *r, int i, size_t *len)
{
    const char *p = strchr(r, '\n') + 1;
    for (;;) {
        long l = strtol(p + 1, NULL, 10);
        const char *end = strchr(p, '\n') + 1 + l + 2;
        if (i-- == 0) {
            *len = (size_t)(end - p);
            return p;
        }
        p = end;
    }
}

static void test_spop_raft_choice_is_stable(void **state)
{
    (void)state;
    server.raft_applying = 1;
    server.raft_apply_index = 12345;
    fill40("a");
    /* what the first version chose (sorting the whole set) */
    EXPECT("*5\r\n$3\r\nm30\r\n$2\r\nm0\r\n$3\r\nm20\r\n$3\r\nm26\r\n$3\r\nm12\r\n", "SPOP", "a",
           "5");
    fill40("a");
    char all[4096];
    snprintf(all, sizeof(all), "%s", RUN("SPOP", "a", "39"));
    const int ks[] = {1, 2, 5, 20, 38};
    for (size_t t = 0; t < sizeof(ks) / sizeof(ks[0]); t++) {
        fill40("b");
        char bulks[2048], want[4096], num[16];
        size_t off = 0;
        for (int i = 0; i < ks[t]; i++) {
            size_t len;
            const char *p = nth_bulk(all, i, &len);
            assert_true(off + len < sizeof(bulks));
            memcpy(bulks + off, p, len);
            off += len;
        }
        bulks[off] = '\0';
        snprintf(num, sizeof(num), "%d", ks[t]);
        snprintf(want, sizeof(want), "*%d\r\n%s", ks[t], bulks);
        EXPECT(want, "SPOP", "b", num);
        /* logged in the same order */
        snprintf(want, sizeof(want), "*%d\r\n$4\r\nSREM\r\n$1\r\nb\r\n%s", ks[t] + 2, bulks);
        assert_string_equal(PROP(), want);
    }
    fill40("b");
    size_t len;
    const char *first = nth_bulk(all, 0, &len);
    char one[64];
    memcpy(one, first, len);
    one[len] = '\0';
    EXPECT(one, "SPOP", "b");
    server.raft_applying = 0;
}

static void test_resp3_and_sscan(void **state)
{
    (void)state;
    RUN("SADD", "s", "a");
    RUN("HELLO", "3");
    EXPECT("~1\r\n$1\r\na\r\n", "SMEMBERS", "s");
    EXPECT("~0\r\n", "SMEMBERS", "nosuch");
    EXPECT("_\r\n", "SPOP", "nosuch");
    EXPECT("~1\r\n$1\r\na\r\n", "SPOP", (RUN("SADD", "p", "a"), "p"), "5");
    /* SRANDMEMBER with a count is an array whatever the count (it may
     * repeat), as Redis 7.0 answers */
    EXPECT("*1\r\n$1\r\na\r\n", "SRANDMEMBER", "s", "5");
    EXPECT("*1\r\n$1\r\na\r\n", "SRANDMEMBER", "s", "1");
    EXPECT("*2\r\n$1\r\na\r\n$1\r\na\r\n", "SRANDMEMBER", "s", "-2");
    RUN("SADD", "s", "b", "c", "d", "e", "f", "g", "h");
    assert_memory_equal(RUN("SRANDMEMBER", "s", "3"), "*3\r\n", 4);
    assert_memory_equal(RUN("SRANDMEMBER", "s", "6"), "*6\r\n", 4);
    RUN("SREM", "s", "b", "c", "d", "e", "f", "g", "h");
    RUN("HELLO", "2");
    char m[32];
    for (int i = 0; i < 100; i++) {
        snprintf(m, sizeof(m), "k%d", i);
        RUN("SADD", "big", m);
    }
    /* a full scan returns every member at least once */
    char seen[100] = {0};
    char cursor[32] = "0";
    int calls = 0;
    do {
        const char *r = RUN("SSCAN", "big", cursor, "COUNT", "7");
        const char *p = strchr(r, '\n') + 1;
        long len = strtol(p + 1, NULL, 10);
        p = strchr(p, '\n') + 1;
        memcpy(cursor, p, (size_t)len);
        cursor[len] = '\0';
        p = strchr(p, '\n') + 1;
        long n = strtol(p + 1, NULL, 10);
        p = strchr(p, '\n') + 1;
        for (long i = 0; i < n; i++) {
            long l = strtol(p + 1, NULL, 10);
            p = strchr(p, '\n') + 1;
            seen[atoi(p + 1)] = 1;
            p += l + 2;
        }
        calls++;
    } while (strcmp(cursor, "0") != 0 && calls < 1000);
    for (int i = 0; i < 100; i++)
        assert_true(seen[i]);
    EXPECT("*2\r\n$1\r\n0\r\n*1\r\n$3\r\nk42\r\n", "SSCAN", "big", "0", "MATCH", "k42", "COUNT",
           "1000");
    EXPECT("*2\r\n$1\r\n0\r\n*0\r\n", "SSCAN", "nosuch", "0");
    EXPECT("-ERR invalid cursor\r\n", "SSCAN", "big", "x");
    EXPECT(ERR_SYNTAX, "SSCAN", "big", "0", "COUNT", "0");
}

/* Random SADD/SREM/SPOP/SMOVE against an array model. */
static void test_model(void **state)
{
    (void)state;
    char model[2][64];
    memset(model, 0, sizeof(model));
    srand(7);
    char m[8];
    for (int step = 0; step < 5000; step++) {
        int k = rand() % 2, v = rand() % 64, op = rand() % 4;
        const char *key = k ? "b" : "a";
        snprintf(m, sizeof(m), "%d", v);
        if (op == 0) {
            char want[16];
            snprintf(want, sizeof(want), ":%d\r\n", !model[k][v]);
            EXPECT(want, "SADD", key, m);
            model[k][v] = 1;
        } else if (op == 1) {
            char want[16];
            snprintf(want, sizeof(want), ":%d\r\n", model[k][v]);
            EXPECT(want, "SREM", key, m);
            model[k][v] = 0;
        } else if (op == 2) {
            const char *r = RUN("SPOP", key);
            if (r[1] == '-') {
                for (int i = 0; i < 64; i++)
                    assert_int_equal(model[k][i], 0);
            } else {
                int got = atoi(strchr(r, '\n') + 1);
                assert_int_equal(model[k][got], 1);
                model[k][got] = 0;
            }
        } else {
            char want[16];
            snprintf(want, sizeof(want), ":%d\r\n", model[k][v]);
            EXPECT(want, "SMOVE", key, k ? "a" : "b", m);
            if (model[k][v]) {
                model[k][v] = 0;
                model[!k][v] = 1;
            }
        }
        int n = 0;
        for (int i = 0; i < 64; i++)
            n += model[k][i];
        char want[16];
        snprintf(want, sizeof(want), ":%d\r\n", n);
        EXPECT(want, "SCARD", key);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sadd_srem_card, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrongtype_and_arity, setup, teardown),
        cmocka_unit_test_setup_teardown(test_algebra, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sintercard, setup, teardown),
        cmocka_unit_test_setup_teardown(test_smove, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spop_srandmember, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spop_deterministic_in_raft_apply, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spop_raft_choice_is_stable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resp3_and_sscan, setup, teardown),
        cmocka_unit_test_setup_teardown(test_model, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
