/* Unit tests for eviction (evict.c) and the access data it ranks keys by
 * (lru.c): the pool's ordering, which keys each policy picks on a fake
 * keyspace, the LFU counter's arithmetic, maxmemory in the executor (OOM
 * replies, evicted_keys, the DELs it logs), the Raft leader's pending
 * evictions, and OBJECT / MEMORY. */
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
#include "evict.h"
#include "lru.h"
#include "object.h"
#include "server_state.h"
#include "util/buf.h"
#include "util/util.h"

#define NOW 1700000000000LL

/* More than the keys of one RAFT.EVICT entry. */
#define EVICT_BATCH_TEST 256

static const char OOM[] = "-OOM command not allowed when used memory > 'maxmemory'.\r\n";

/* ---- a fake keyspace ---- */

static struct db *dbs[2];

static int setup_dbs(void **state)
{
    (void)state;
    dbs[0] = db_create(0);
    dbs[1] = db_create(1);
    rand_seed(42);
    lru_configure(0, 10, 1);
    return 0;
}

static int teardown_dbs(void **state)
{
    (void)state;
    db_free(dbs[0]);
    db_free(dbs[1]);
    lru_configure(0, 10, 1);
    return 0;
}

/* Adds key with the given access field and expire time (-1: none). */
static void add_key(struct db *db, const char *key, uint32_t lru, int64_t expire)
{
    db_set(db, key, strlen(key), obj_new_string("v", 1), 0);
    struct robj *o = db_peek(db, key, strlen(key), NOW);
    o->lru = lru;
    if (expire >= 0)
        db_set_expire(db, key, strlen(key), expire);
}

/* Selects and deletes the next victim; returns its name in a static buffer
 * ("" if none), prefixed "1:" for db 1. */
static const char *evict_next(struct evict_pool *pool, int ndbs, int policy, int samples)
{
    static char name[64];
    int dbid;
    char *key;
    size_t klen;
    if (!evict_select(pool, dbs, ndbs, policy, samples, NOW, NULL, &dbid, &key, &klen))
        return "";
    assert_true(db_delete(dbs[dbid], key, klen));
    snprintf(name, sizeof(name), "%s%.*s", dbid ? "1:" : "", (int)klen, key);
    free(key);
    return name;
}

static uint32_t lru_idle(int64_t idle_ms)
{
    return lru_clock(NOW - idle_ms);
}

static uint32_t lfu(unsigned counter, int64_t minutes_ago)
{
    return (lfu_minutes(NOW - minutes_ago * 60000) << 8) | counter;
}

/* ---- the pool ---- */

static int pool_count(const struct evict_pool *p)
{
    int n = 0;
    while (n < EVPOOL_SIZE && p->e[n].key)
        n++;
    for (int i = n; i < EVPOOL_SIZE; i++)
        assert_null(p->e[i].key); /* packed on the left */
    return n;
}

static void assert_sorted(const struct evict_pool *p)
{
    int n = pool_count(p);
    for (int i = 1; i < n; i++)
        assert_true(p->e[i - 1].idle <= p->e[i].idle);
}

static void test_pool_ordering(void **state)
{
    (void)state;
    struct evict_pool p;
    evict_pool_init(&p);
    const uint64_t idles[] = {50, 10, 30, 70, 20};
    char key[16];
    for (int i = 0; i < 5; i++) {
        snprintf(key, sizeof(key), "k%d", (int)idles[i]);
        assert_int_equal(evict_pool_insert(&p, idles[i], 0, key, strlen(key)), 1);
    }
    assert_int_equal(pool_count(&p), 5);
    assert_sorted(&p);
    assert_int_equal(p.e[0].idle, 10);
    assert_int_equal(p.e[4].idle, 70);
    assert_memory_equal(p.e[4].key, "k70", 3);
    /* the same key twice: once */
    assert_int_equal(evict_pool_insert(&p, 99, 0, "k50", 3), 0);
    assert_int_equal(pool_count(&p), 5);
    /* the same name in another db is another key */
    assert_int_equal(evict_pool_insert(&p, 40, 1, "k50", 3), 1);
    assert_int_equal(pool_count(&p), 6);
    assert_sorted(&p);

    /* fill it up */
    for (int i = 0; pool_count(&p) < EVPOOL_SIZE; i++) {
        snprintf(key, sizeof(key), "f%d", i);
        assert_int_equal(evict_pool_insert(&p, 100 + (uint64_t)i * 7 % 50, 0, key, strlen(key)), 1);
    }
    assert_sorted(&p);
    /* full: worse than all is refused */
    assert_int_equal(evict_pool_insert(&p, 5, 0, "worse", 5), 0);
    assert_int_equal(pool_count(&p), EVPOOL_SIZE);
    /* better than all: the worst (10) goes, the new one is on the right */
    assert_int_equal(evict_pool_insert(&p, 1000, 0, "best", 4), 1);
    assert_int_equal(pool_count(&p), EVPOOL_SIZE);
    assert_sorted(&p);
    assert_int_equal(p.e[0].idle, 20);
    assert_int_equal(p.e[EVPOOL_SIZE - 1].idle, 1000);
    assert_memory_equal(p.e[EVPOOL_SIZE - 1].key, "best", 4);
    /* in the middle: the worst (20) goes */
    assert_int_equal(evict_pool_insert(&p, 60, 0, "mid", 3), 1);
    assert_sorted(&p);
    assert_int_equal(p.e[0].idle, 30);
    evict_pool_clear(&p);
    assert_int_equal(pool_count(&p), 0);
}

/* ---- what each policy picks ---- */

static void test_allkeys_lru_exact(void **state)
{
    (void)state;
    /* k<i> was accessed i seconds ago; a keyspace no bigger than the
     * sample is seen whole, so the order is exact: oldest first. */
    const int order[] = {3, 7, 1, 9, 0, 5, 2, 8, 6, 4};
    char key[16];
    for (int i = 0; i < 10; i++) {
        snprintf(key, sizeof(key), "k%d", order[i]);
        add_key(dbs[0], key, lru_idle(order[i] * 1000), -1);
    }
    struct evict_pool p;
    evict_pool_init(&p);
    for (int i = 9; i >= 0; i--) {
        snprintf(key, sizeof(key), "k%d", i);
        assert_string_equal(evict_next(&p, 1, EVICT_ALLKEYS_LRU, 16), key);
    }
    assert_string_equal(evict_next(&p, 1, EVICT_ALLKEYS_LRU, 16), "");
    evict_pool_clear(&p);
}

static void test_allkeys_lru_approximated(void **state)
{
    (void)state;
    /* 2000 keys, idle 0..1999 s; evict half with 5 samples: most of the
     * victims are from the older half (Redis's approximation). */
    char key[16];
    for (int i = 0; i < 2000; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        add_key(dbs[0], key, lru_idle((int64_t)i * 1000), -1);
    }
    struct evict_pool p;
    evict_pool_init(&p);
    int old = 0;
    for (int n = 0; n < 1000; n++) {
        const char *v = evict_next(&p, 1, EVICT_ALLKEYS_LRU, 5);
        assert_true(v[0] == 'k');
        if (atoi(v + 1) >= 1000)
            old++;
    }
    printf("allkeys-lru, 5 samples: %d of 1000 victims from the older half\n", old);
    assert_true(old >= 800);
    evict_pool_clear(&p);
}

static void test_volatile_lru(void **state)
{
    (void)state;
    char key[16];
    for (int i = 0; i < 10; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        /* the odd keys have a TTL; the even ones are older */
        add_key(dbs[0], key, lru_idle(((i % 2 ? 10 : 1000) + i) * 1000), i % 2 ? NOW + 100000 : -1);
    }
    struct evict_pool p;
    evict_pool_init(&p);
    assert_string_equal(evict_next(&p, 1, EVICT_VOLATILE_LRU, 16), "k9");
    assert_string_equal(evict_next(&p, 1, EVICT_VOLATILE_LRU, 16), "k7");
    assert_string_equal(evict_next(&p, 1, EVICT_VOLATILE_LRU, 16), "k5");
    assert_string_equal(evict_next(&p, 1, EVICT_VOLATILE_LRU, 16), "k3");
    assert_string_equal(evict_next(&p, 1, EVICT_VOLATILE_LRU, 16), "k1");
    /* only keys without a TTL remain: nothing is evictable */
    assert_string_equal(evict_next(&p, 1, EVICT_VOLATILE_LRU, 16), "");
    assert_int_equal(db_size(dbs[0]), 5);
    evict_pool_clear(&p);
}

static void test_volatile_ttl(void **state)
{
    (void)state;
    const int ttl[] = {50, 20, 90, 10, 70, 30, 60, 40, 80};
    char key[16];
    for (int i = 0; i < 9; i++) {
        snprintf(key, sizeof(key), "t%d", ttl[i]);
        add_key(dbs[0], key, lru_idle(0), NOW + ttl[i] * 1000);
    }
    add_key(dbs[0], "persistent", lru_idle(1000000), -1);
    struct evict_pool p;
    evict_pool_init(&p);
    for (int t = 10; t <= 90; t += 10) {
        snprintf(key, sizeof(key), "t%d", t);
        assert_string_equal(evict_next(&p, 1, EVICT_VOLATILE_TTL, 16), key);
    }
    assert_string_equal(evict_next(&p, 1, EVICT_VOLATILE_TTL, 16), "");
    assert_int_equal(db_size(dbs[0]), 1);

    /* Approximated on a big keyspace: victims expire sooner than most. */
    for (int i = 0; i < 2000; i++) {
        snprintf(key, sizeof(key), "%d", i);
        add_key(dbs[0], key, 0, NOW + (int64_t)i * 1000);
    }
    int soon = 0;
    for (int n = 0; n < 500; n++)
        if (atoi(evict_next(&p, 1, EVICT_VOLATILE_TTL, 5)) < 1000)
            soon++;
    assert_true(soon >= 450);
    evict_pool_clear(&p);
}

static void test_allkeys_lfu(void **state)
{
    (void)state;
    lru_configure(1, 10, 1);
    add_key(dbs[0], "hot", lfu(200, 0), -1);
    add_key(dbs[0], "warm", lfu(50, 0), -1);
    add_key(dbs[0], "cold", lfu(5, 0), -1);
    add_key(dbs[0], "new", lfu(LFU_INIT_VAL + 1, 0), -1);
    /* was hot, but not accessed for 190 minutes: decayed to 10 */
    add_key(dbs[0], "stale", lfu(200, 190), -1);
    struct evict_pool p;
    evict_pool_init(&p);
    assert_string_equal(evict_next(&p, 1, EVICT_ALLKEYS_LFU, 16), "cold");
    assert_string_equal(evict_next(&p, 1, EVICT_ALLKEYS_LFU, 16), "new");
    assert_string_equal(evict_next(&p, 1, EVICT_ALLKEYS_LFU, 16), "stale");
    assert_string_equal(evict_next(&p, 1, EVICT_ALLKEYS_LFU, 16), "warm");
    assert_string_equal(evict_next(&p, 1, EVICT_ALLKEYS_LFU, 16), "hot");
    assert_string_equal(evict_next(&p, 1, EVICT_ALLKEYS_LFU, 16), "");
    evict_pool_clear(&p);
}

static void test_volatile_lfu(void **state)
{
    (void)state;
    lru_configure(1, 10, 1);
    add_key(dbs[0], "cold-no-ttl", lfu(1, 0), -1);
    add_key(dbs[0], "cold", lfu(3, 0), NOW + 1000);
    add_key(dbs[0], "hot", lfu(100, 0), NOW + 1000);
    struct evict_pool p;
    evict_pool_init(&p);
    assert_string_equal(evict_next(&p, 1, EVICT_VOLATILE_LFU, 16), "cold");
    assert_string_equal(evict_next(&p, 1, EVICT_VOLATILE_LFU, 16), "hot");
    assert_string_equal(evict_next(&p, 1, EVICT_VOLATILE_LFU, 16), "");
    evict_pool_clear(&p);
}

static void test_random_policies(void **state)
{
    (void)state;
    char key[16];
    for (int i = 0; i < 50; i++) {
        snprintf(key, sizeof(key), "%c%d", i % 5 == 0 ? 'v' : 'p', i);
        add_key(dbs[i % 2], key, 0, i % 5 == 0 ? NOW + 1000 : -1);
    }
    struct evict_pool p;
    evict_pool_init(&p);
    /* volatile-random: the 10 keys with a TTL, from both dbs, then none */
    int from1 = 0;
    for (int n = 0; n < 10; n++) {
        const char *v = evict_next(&p, 2, EVICT_VOLATILE_RANDOM, 5);
        if (strncmp(v, "1:", 2) == 0) {
            from1++;
            v += 2;
        }
        assert_int_equal(v[0], 'v');
    }
    assert_int_equal(from1, 5);
    assert_string_equal(evict_next(&p, 2, EVICT_VOLATILE_RANDOM, 5), "");
    /* allkeys-random: everything goes */
    for (int n = 0; n < 40; n++)
        assert_string_not_equal(evict_next(&p, 2, EVICT_ALLKEYS_RANDOM, 5), "");
    assert_string_equal(evict_next(&p, 2, EVICT_ALLKEYS_RANDOM, 5), "");
    assert_int_equal(db_size(dbs[0]) + db_size(dbs[1]), 0);
}

static void test_across_dbs(void **state)
{
    (void)state;
    char key[16];
    for (int i = 0; i < 5; i++) {
        snprintf(key, sizeof(key), "a%d", i);
        add_key(dbs[0], key, lru_idle((1 + i) * 1000), -1);
        snprintf(key, sizeof(key), "b%d", i);
        add_key(dbs[1], key, lru_idle((100 + i) * 1000), -1);
    }
    struct evict_pool p;
    evict_pool_init(&p);
    for (int i = 4; i >= 0; i--) {
        snprintf(key, sizeof(key), "1:b%d", i);
        assert_string_equal(evict_next(&p, 2, EVICT_ALLKEYS_LRU, 16), key);
    }
    assert_string_equal(evict_next(&p, 2, EVICT_ALLKEYS_LRU, 16), "a4");
    evict_pool_clear(&p);
}

static int skip_k9(int dbid, const char *key, size_t klen)
{
    (void)dbid;
    return klen == 2 && memcmp(key, "k9", 2) == 0;
}

static void test_skip(void **state)
{
    (void)state;
    char key[16];
    for (int i = 0; i < 10; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        add_key(dbs[0], key, lru_idle(i * 1000), -1);
    }
    struct evict_pool p;
    evict_pool_init(&p);
    int dbid;
    char *k;
    size_t klen;
    for (int n = 0; n < 9; n++) {
        assert_int_equal(
            evict_select(&p, dbs, 1, EVICT_ALLKEYS_LRU, 16, NOW, skip_k9, &dbid, &k, &klen), 1);
        assert_false(klen == 2 && memcmp(k, "k9", 2) == 0);
        db_delete(dbs[0], k, klen);
        free(k);
    }
    /* only the skipped key is left */
    assert_int_equal(
        evict_select(&p, dbs, 1, EVICT_ALLKEYS_LRU, 16, NOW, skip_k9, &dbid, &k, &klen), 0);
    assert_int_equal(
        evict_select(&p, dbs, 1, EVICT_ALLKEYS_RANDOM, 16, NOW, skip_k9, &dbid, &k, &klen), 0);
    assert_int_equal(evict_select(&p, dbs, 1, EVICT_NOEVICTION, 16, NOW, NULL, &dbid, &k, &klen),
                     0);
    evict_pool_clear(&p);
}

/* ---- LRU / LFU arithmetic ---- */

static void test_lru_clock(void **state)
{
    (void)state;
    assert_int_equal(lru_clock(5999), 5);
    assert_int_equal(lru_idle_ms(lru_clock(NOW - 7000), NOW), 7000);
    assert_int_equal(lru_idle_ms(lru_clock(NOW), NOW), 0);
    /* one wrap of the 24-bit clock */
    int64_t wrap_ms = (int64_t)(LRU_CLOCK_MAX + 1) * LRU_CLOCK_RESOLUTION;
    int64_t now = 5 * wrap_ms + 3000; /* clock 3 */
    assert_int_equal(lru_clock(now), 3);
    assert_int_equal(lru_idle_ms(LRU_CLOCK_MAX - 1, now), 4000);

    struct robj *o = obj_new_string("x", 1);
    lru_configure(0, 10, 1);
    lru_touch(o, NOW);
    assert_int_equal(o->lru, lru_clock(NOW));
    obj_free(o);
}

static void test_lfu_math(void **state)
{
    (void)state;
    /* increments: always below LFU_INIT_VAL; never past 255 */
    assert_int_equal(lfu_log_incr(0, 10, 0.99), 1);
    assert_int_equal(lfu_log_incr(LFU_INIT_VAL, 10, 0.99), LFU_INIT_VAL + 1);
    assert_int_equal(lfu_log_incr(255, 10, 0.0), 255);
    /* counter 15: p = 1 / (10 * 10 + 1) */
    assert_int_equal(lfu_log_incr(15, 10, 1.0 / 102), 16);
    assert_int_equal(lfu_log_incr(15, 10, 1.0 / 100), 15);
    assert_int_equal(lfu_log_incr(15, 0, 0.999), 16); /* factor 0: every hit */

    /* decay: one per decay-time minutes since the stamp; 0 = never */
    assert_int_equal(lfu_decayed_counter(lfu(10, 3), NOW, 1), 7);
    assert_int_equal(lfu_decayed_counter(lfu(10, 3), NOW, 2), 9);
    assert_int_equal(lfu_decayed_counter(lfu(10, 3), NOW, 0), 10);
    assert_int_equal(lfu_decayed_counter(lfu(10, 30), NOW, 1), 0);
    /* the 16-bit minute stamp wraps */
    int64_t now = (int64_t)65536 * 60000 * 3 + 5 * 60000; /* minute 5 */
    assert_int_equal(lfu_minutes(now), 5);
    assert_int_equal(lfu_elapsed_minutes(65530, now), 10);
    assert_int_equal(lfu_decayed_counter((65530u << 8) | 20, now, 1), 10);

    /* Growth with the default factor, as the table in redis.conf: about
     * 10 after 100 hits, 18 after 1000, 142 after 100K, 255 after 1M. */
    rand_seed(7);
    struct robj *o = obj_new_string("x", 1);
    lru_configure(1, 10, 0);
    lru_set_clock(NOW);
    o->lru = lru_initial();
    assert_int_equal(o->lru & 255, LFU_INIT_VAL);
    const struct {
        long hits;
        unsigned lo, hi;
    } table[] = {{100, 7, 14}, {1000, 14, 23}, {100000, 125, 160}, {1000000, 245, 255}};
    long done = 0;
    for (size_t i = 0; i < ARRAY_SIZE(table); i++) {
        for (; done < table[i].hits; done++)
            lru_touch(o, NOW);
        unsigned ctr = o->lru & 255;
        printf("lfu-log-factor 10: %ld hits -> counter %u\n", table[i].hits, ctr);
        assert_in_range(ctr, table[i].lo, table[i].hi);
    }
    obj_free(o);
}

static void test_db_stamps_new_values(void **state)
{
    (void)state;
    lru_set_clock(NOW);
    lru_configure(0, 10, 1);
    add_key(dbs[0], "x", 0, -1); /* add_key overwrites the stamp: set again */
    db_set(dbs[0], "k", 1, obj_new_string("v", 1), 0);
    assert_int_equal(db_peek(dbs[0], "k", 1, NOW)->lru, lru_clock(NOW));
    /* RENAME moves the value with its access data */
    db_peek(dbs[0], "k", 1, NOW)->lru = 1234;
    db_rename(dbs[0], "k", 1, "k2", 2);
    assert_int_equal(db_peek(dbs[0], "k2", 2, NOW)->lru, 1234);

    lru_configure(1, 10, 1);
    db_set(dbs[0], "f", 1, obj_new_string("v", 1), 0);
    assert_int_equal(db_peek(dbs[0], "f", 1, NOW)->lru, lfu(LFU_INIT_VAL, 0));
    /* an overwrite keeps the counter (Redis's dbOverwrite) */
    db_peek(dbs[0], "f", 1, NOW)->lru = lfu(77, 0);
    db_set(dbs[0], "f", 1, obj_new_string("w", 1), 0);
    assert_int_equal(db_peek(dbs[0], "f", 1, NOW)->lru & 255, 77);
    /* a read counts: the first hits always do (counter <= LFU_INIT_VAL) */
    db_set(dbs[0], "g", 1, obj_new_string("v", 1), 0);
    db_peek(dbs[0], "g", 1, NOW)->lru = lfu(2, 0);
    assert_int_equal(db_lookup(dbs[0], "g", 1, NOW)->lru & 255, 3);
    assert_int_equal(db_peek(dbs[0], "g", 1, NOW)->lru & 255, 3); /* peek does not */
}

/* ---- maxmemory in the executor ---- */

static struct client *c;
static long long fake_bytes_per_key = 1000;

/* Used memory as the tests see it: 1000 bytes per key in every db. */
static long long fake_memory(void)
{
    long long n = 0;
    for (int i = 0; i < server.ndbs; i++)
        n += (long long)db_size(server.dbs[i]);
    return n * fake_bytes_per_key;
}

#define RUN(...)           cmdtest_run(c, __VA_ARGS__, NULL)
#define EXPECT(reply, ...) assert_string_equal(RUN(__VA_ARGS__), reply)

static int setup_server(void **state)
{
    (void)state;
    cmdtest_setup();
    cmdtest_set_time(NOW);
    c = cmdtest_client();
    fake_bytes_per_key = 1000;
    evict_set_memory_fn(fake_memory);
    rand_seed(1);
    return 0;
}

static int teardown_server(void **state)
{
    (void)state;
    cmdtest_teardown();
    return 0;
}

static long long info_field(const char *section, const char *field)
{
    const char *r = RUN("INFO", section);
    char pat[64];
    snprintf(pat, sizeof(pat), "\r\n%s:", field);
    const char *p = strstr(r, pat);
    assert_non_null(p);
    return atoll(p + strlen(pat));
}

static void fill(int n, const char *prefix, int ttl)
{
    char key[32];
    for (int i = 0; i < n; i++) {
        snprintf(key, sizeof(key), "%s%d", prefix, i);
        if (ttl)
            EXPECT("+OK\r\n", "SET", key, "v", "EX", "1000");
        else
            EXPECT("+OK\r\n", "SET", key, "v");
    }
}

static void test_noeviction_oom(void **state)
{
    (void)state;
    fill(20, "k", 0);
    EXPECT("+OK\r\n", "CONFIG", "SET", "maxmemory", "10000");
    /* over the limit: writes that grow the dataset are refused */
    EXPECT(OOM, "SET", "x", "1");
    EXPECT(OOM, "SET", "k1", "1");
    EXPECT(OOM, "RPUSH", "l", "a");
    EXPECT(OOM, "HSET", "h", "f", "v");
    EXPECT(OOM, "APPEND", "k1", "x");
    /* reads and the commands that free memory work */
    EXPECT("$1\r\nv\r\n", "GET", "k1");
    EXPECT(":1\r\n", "EXISTS", "k2");
    EXPECT(":1\r\n", "EXPIRE", "k2", "100");
    EXPECT(":10\r\n", "DEL", "k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8", "k9");
    EXPECT("+OK\r\n", "SET", "x", "1"); /* at the limit, not over */
    EXPECT(OOM, "SET", "y", "1");
    assert_int_equal(info_field("stats", "evicted_keys"), 0);
    assert_true(strstr(RUN("INFO", "errorstats"), "errorstat_OOM:count=6") != NULL);
    EXPECT("+OK\r\n", "CONFIG", "SET", "maxmemory", "0");
    EXPECT("+OK\r\n", "SET", "y", "1");
}

static void test_allkeys_lru_evicts(void **state)
{
    (void)state;
    EXPECT("+OK\r\n", "CONFIG", "SET", "maxmemory-policy", "allkeys-lru");
    assert_int_equal(evict_policy(), EVICT_ALLKEYS_LRU);
    fill(20, "k", 0);
    /* a minute later, read k10..k19: they are the recent ones */
    cmdtest_set_time(NOW + 60000);
    char key[16];
    for (int i = 10; i < 20; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        EXPECT("$1\r\nv\r\n", "GET", key);
    }
    EXPECT("+OK\r\n", "CONFIG", "SET", "maxmemory", "11000", "maxmemory-samples", "100");
    /* the next command evicts down to the limit first: 9 idle keys */
    assert_string_equal(RUN("SET", "new", "v"), "+OK\r\n");
    /* each eviction logged a DEL, before the SET */
    const char *prop = cmdtest_propagated();
    int dels = 0;
    for (const char *p = prop; (p = strstr(p, "$3\r\nDEL\r\n")) != NULL; p++)
        dels++;
    assert_int_equal(dels, 9);
    assert_true(strstr(prop, "$3\r\nSET\r\n$3\r\nnew\r\n") > strstr(prop, "$3\r\nDEL\r\n"));
    /* 12 keys: the next command evicts the last idle one */
    EXPECT(":11\r\n", "DBSIZE");
    assert_int_equal(info_field("stats", "evicted_keys"), 10);
    for (int i = 10; i < 20; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        EXPECT(":1\r\n", "EXISTS", key);
    }
    EXPECT(":1\r\n", "EXISTS", "new");
}

static void test_volatile_policies_spare_persistent_keys(void **state)
{
    (void)state;
    const char *policies[] = {"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"};
    for (size_t i = 0; i < ARRAY_SIZE(policies); i++) {
        EXPECT("+OK\r\n", "FLUSHALL");
        EXPECT("+OK\r\n", "CONFIG", "SET", "maxmemory", "0");
        EXPECT("+OK\r\n", "CONFIG", "SET", "maxmemory-policy", policies[i]);
        fill(10, "p", 0);
        fill(10, "t", 1);
        EXPECT("+OK\r\n", "CONFIG", "SET", "maxmemory", "15000");
        EXPECT("+OK\r\n", "SET", "t-new", "v", "EX", "1000");
        EXPECT(":15\r\n", "DBSIZE");
        char key[16];
        for (int k = 0; k < 10; k++) {
            snprintf(key, sizeof(key), "p%d", k);
            EXPECT(":1\r\n", "EXISTS", key);
        }
        /* only persistent keys over the limit: nothing evictable */
        EXPECT("+OK\r\n", "CONFIG", "SET", "maxmemory", "5000");
        EXPECT(OOM, "SET", "p-new", "v");
        EXPECT(":10\r\n", "DBSIZE");
        EXPECT("$1\r\nv\r\n", "GET", "p3");
    }
}

static void test_volatile_ttl_evicts_soonest(void **state)
{
    (void)state;
    EXPECT("+OK\r\n", "CONFIG", "SET", "maxmemory-policy", "volatile-ttl");
    char key[16], ttl[16];
    for (int i = 1; i <= 10; i++) {
        snprintf(key, sizeof(key), "t%d", i);
        snprintf(ttl, sizeof(ttl), "%d", i * 100);
        EXPECT("+OK\r\n", "SET", key, "v", "EX", ttl);
    }
    EXPECT("+OK\r\n", "CONFIG", "SET", "maxmemory", "7000", "maxmemory-samples", "20");
    EXPECT("+PONG\r\n", "PING"); /* any command evicts */
    EXPECT(":7\r\n", "DBSIZE");
    EXPECT(":0\r\n", "EXISTS", "t1", "t2", "t3");
    EXPECT(":7\r\n", "EXISTS", "t4", "t5", "t6", "t7", "t8", "t9", "t10");
}

static void test_cron_evicts(void **state)
{
    (void)state;
    EXPECT("+OK\r\n", "CONFIG", "SET", "maxmemory-policy", "allkeys-random");
    fill(50, "k", 0);
    server.cfg->maxmemory = 20000; /* as CONFIG SET does, without a command after */
    /* (a slow machine may need more than one run's time budget) */
    for (int i = 0; i < 100 && db_size(server.dbs[0]) > 20; i++)
        evict_cron();
    assert_int_equal(db_size(server.dbs[0]), 20);
    assert_int_equal(server.stat_evictedkeys, 30);
}

static void test_loading_and_apply_do_not_evict(void **state)
{
    (void)state;
    EXPECT("+OK\r\n", "CONFIG", "SET", "maxmemory-policy", "allkeys-lru");
    fill(10, "k", 0);
    server.cfg->maxmemory = 1000;
    server.loading = 1;
    EXPECT("+OK\r\n", "SET", "x", "v");
    server.loading = 0;
    server.raft_applying = 1;
    EXPECT("+OK\r\n", "SET", "y", "v");
    server.raft_applying = 0;
    assert_int_equal(db_size(server.dbs[0]), 12);
    EXPECT("+OK\r\n", "SET", "z", "v");
    assert_int_equal(db_size(server.dbs[0]), 2); /* evicted to one, then z */
}

/* ---- Raft: the leader proposes, pending keys are not evicted twice ---- */

static uint64_t fake_term;
static struct buf proposed = BUF_INIT;
static int n_proposals, proposal_keys;

static uint64_t fake_leader_term(void)
{
    return fake_term;
}

static int fake_propose(int dbid, int argc, const struct resp_arg *argv, uint64_t *index)
{
    (void)dbid;
    assert_true(argc >= 2);
    assert_memory_equal(argv[0].ptr, "RAFT.EVICT", 10);
    n_proposals++;
    proposal_keys += argc - 1;
    buf_clear(&proposed);
    for (int i = 1; i < argc; i++) {
        buf_append(&proposed, argv[i].ptr, argv[i].len);
        buf_append_char(&proposed, '\0');
    }
    *index = (uint64_t)n_proposals;
    return 0;
}

/* Applies the last proposal as node.c would: RAFT.EVICT key... */
static const char *apply_last_proposal(void)
{
    const char *argv[EVICT_BATCH_TEST + 1];
    int argc = 0;
    argv[argc++] = "RAFT.EVICT";
    for (size_t off = 0; off < proposed.len; off += strlen(proposed.data + off) + 1)
        argv[argc++] = proposed.data + off;
    server.raft_applying = 1;
    const char *r = cmdtest_runv(c, argc, argv, NULL);
    server.raft_applying = 0;
    return r;
}

static void test_raft_leader_proposes(void **state)
{
    (void)state;
    EXPECT("+OK\r\n", "CONFIG", "SET", "maxmemory-policy", "allkeys-lru");
    fill(20, "k", 0);
    /* The fake measure makes a key weigh about what the leader estimates
     * it frees, so the two agree. */
    fake_bytes_per_key = 100;
    server.cfg->maxmemory = 1500;
    fake_term = 3;
    n_proposals = proposal_keys = 0;
    server.raft_leader_term = fake_leader_term;
    server.raft_propose = fake_propose;

    /* The command runs (what is pending covers the overage); the keys are
     * only proposed, not deleted. */
    EXPECT("+PONG\r\n", "PING");
    assert_int_equal(n_proposals, 1);
    assert_true(proposal_keys >= 1);
    assert_int_equal(evict_pending_keys(), proposal_keys);
    assert_true(evict_pending_bytes() >= 500);
    EXPECT(":20\r\n", "DBSIZE");
    assert_int_equal(server.stat_evictedkeys, 0);
    /* While they are in flight, nothing more is proposed. */
    EXPECT("+PONG\r\n", "PING");
    EXPECT("$1\r\nv\r\n", "GET", "k19");
    assert_int_equal(n_proposals, 1);
    /* The entry is applied: the keys go, counted, logged as one DEL. */
    int keys = proposal_keys;
    char expect[16];
    snprintf(expect, sizeof(expect), ":%d\r\n", keys);
    assert_string_equal(apply_last_proposal(), expect);
    assert_non_null(strstr(cmdtest_propagated(), "$3\r\nDEL\r\n"));
    assert_int_equal(evict_pending_keys(), 0);
    assert_int_equal(evict_pending_bytes(), 0);
    assert_int_equal(server.stat_evictedkeys, keys);
    assert_int_equal((long long)db_size(server.dbs[0]), 20 - keys);
    /* applying it again (a replay) deletes nothing */
    assert_string_equal(apply_last_proposal(), ":0\r\n");

    /* A new term forgets what was pending (it may have been lost). */
    fake_bytes_per_key = 1000;
    EXPECT("+PONG\r\n", "PING");
    int before = n_proposals;
    assert_true(evict_pending_keys() > 0);
    fake_term = 4;
    EXPECT("+PONG\r\n", "PING");
    assert_int_equal(n_proposals, before + 1);

    /* A follower never evicts, and does not refuse (the write is
     * redirected to the leader). */
    fake_term = 0;
    n_proposals = 0;
    EXPECT("+OK\r\n", "SET", "f", "v");
    assert_int_equal(n_proposals, 0);
    assert_int_equal(evict_pending_keys(), 0);

    server.raft_leader_term = NULL;
    server.raft_propose = NULL;
    buf_free(&proposed);
}

/* ---- OBJECT / MEMORY ---- */

static const char ERR_FREQ[] =
    "-ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note "
    "that when switching between policies at runtime LRU and LFU data will take some time to "
    "adjust.\r\n";
static const char ERR_IDLE[] =
    "-ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when "
    "switching between policies at runtime LRU and LFU data will take some time to adjust.\r\n";

static void test_object(void **state)
{
    (void)state;
    evict_set_memory_fn(NULL);
    EXPECT("+OK\r\n", "SET", "s", "hello");
    EXPECT("+OK\r\n", "SET", "n", "12");
    EXPECT("+OK\r\n", "SET", "big", "123456789012345678901234567890123456789012345");
    EXPECT("$6\r\nembstr\r\n", "OBJECT", "ENCODING", "s");
    EXPECT("$3\r\nint\r\n", "OBJECT", "encoding", "n");
    EXPECT("$3\r\nraw\r\n", "OBJECT", "ENCODING", "big");
    EXPECT("$-1\r\n", "OBJECT", "ENCODING", "missing");
    EXPECT("$-1\r\n", "OBJECT", "FREQ", "missing");
    EXPECT("$-1\r\n", "OBJECT", "IDLETIME", "missing");
    EXPECT("$-1\r\n", "OBJECT", "REFCOUNT", "missing");
    EXPECT(":1\r\n", "OBJECT", "REFCOUNT", "s");
    EXPECT(":2147483647\r\n", "OBJECT", "REFCOUNT", "n"); /* a shared integer in Redis */
    EXPECT("-ERR wrong number of arguments for 'object|encoding' command\r\n", "OBJECT",
           "ENCODING");
    EXPECT("-ERR unknown subcommand 'foo'. Try OBJECT HELP.\r\n", "OBJECT", "foo");
    assert_non_null(strstr(RUN("OBJECT", "HELP"), "+FREQ <key>\r\n"));

    /* LRU: idle time in seconds; OBJECT does not touch it, GET does */
    EXPECT(":0\r\n", "OBJECT", "IDLETIME", "s");
    cmdtest_set_time(NOW + 42000);
    EXPECT(":42\r\n", "OBJECT", "IDLETIME", "s");
    EXPECT(":42\r\n", "OBJECT", "IDLETIME", "s");
    EXPECT(ERR_FREQ, "OBJECT", "FREQ", "s");
    EXPECT("$5\r\nhello\r\n", "GET", "s");
    EXPECT(":0\r\n", "OBJECT", "IDLETIME", "s");

    /* LFU */
    EXPECT("+OK\r\n", "CONFIG", "SET", "maxmemory-policy", "allkeys-lfu");
    EXPECT(ERR_IDLE, "OBJECT", "IDLETIME", "s");
    EXPECT("+OK\r\n", "SET", "f", "v");
    EXPECT(":5\r\n", "OBJECT", "FREQ", "f");
    EXPECT("$1\r\nv\r\n", "GET", "f");
    EXPECT(":6\r\n", "OBJECT", "FREQ", "f");
    for (int i = 0; i < 200; i++)
        RUN("GET", "f");
    const char *r = RUN("OBJECT", "FREQ", "f");
    assert_true(atoi(r + 1) > 6 && atoi(r + 1) < 30);
    /* decays by one a minute (lfu-decay-time 1) */
    int before = atoi(r + 1);
    cmdtest_set_time(NOW + 42000 + 3 * 60000);
    r = RUN("OBJECT", "FREQ", "f");
    assert_int_equal(atoi(r + 1), before - 3);
    EXPECT("+OK\r\n", "CONFIG", "SET", "lfu-decay-time", "0");
    cmdtest_set_time(NOW + 42000 + 30 * 60000);
    r = RUN("OBJECT", "FREQ", "f");
    assert_int_equal(atoi(r + 1), before);
    EXPECT("+OK\r\n", "CONFIG", "SET", "maxmemory", "1gb");
    EXPECT(":1\r\n", "OBJECT", "REFCOUNT", "n"); /* not shared under LFU with maxmemory */
    EXPECT("+OK\r\n", "CONFIG", "SET", "maxmemory", "0");
    EXPECT(":2147483647\r\n", "OBJECT", "REFCOUNT", "n");
    EXPECT("+OK\r\n", "CONFIG", "SET", "maxmemory-policy", "noeviction");
    EXPECT(ERR_FREQ, "OBJECT", "FREQ", "f");
}

static void test_memory_commands(void **state)
{
    (void)state;
    evict_set_memory_fn(NULL);
    EXPECT("+OK\r\n", "SET", "s", "hello");
    const char *r = RUN("MEMORY", "USAGE", "s");
    assert_int_equal(r[0], ':');
    assert_true(atoi(r + 1) > 5 && atoi(r + 1) < 200);
    EXPECT("$-1\r\n", "MEMORY", "USAGE", "nokey");
    EXPECT("-ERR syntax error\r\n", "MEMORY", "USAGE", "s", "SAMPLES");
    r = RUN("MEMORY", "STATS");
    assert_memory_equal(r, "*32\r\n", 5); /* 15 fields + db.0 */
    assert_non_null(strstr(r, "$14\r\npeak.allocated\r\n:"));
    assert_non_null(strstr(r, "$4\r\ndb.0\r\n*4\r\n"));
    assert_non_null(strstr(r, "$10\r\nkeys.count\r\n:1\r\n"));
    c->resp = 3;
    r = RUN("MEMORY", "STATS");
    assert_memory_equal(r, "%16\r\n", 5);
    c->resp = 2;
    assert_non_null(strstr(RUN("MEMORY", "HELP"), "+STATS\r\n"));
    assert_non_null(strstr(RUN("MEMORY", "DOCTOR"), "this instance is empty"));
}

static void test_info_memory(void **state)
{
    (void)state;
    evict_set_memory_fn(NULL);
    EXPECT("+OK\r\n", "CONFIG", "SET", "maxmemory", "5mb", "maxmemory-policy", "volatile-ttl");
    const char *r = RUN("INFO", "memory");
    assert_non_null(strstr(r, "\r\nmaxmemory:5242880\r\n"));
    assert_non_null(strstr(r, "\r\nmaxmemory_human:5.00M\r\n"));
    assert_non_null(strstr(r, "\r\nmaxmemory_policy:volatile-ttl\r\n"));
    assert_non_null(strstr(r, "\r\nused_memory_human:"));
    assert_non_null(strstr(r, "\r\nused_memory_peak_human:"));
    assert_non_null(strstr(r, "\r\nmem_fragmentation_ratio:"));
    long long used = info_field("memory", "used_memory");
    assert_true(used > 0);
    assert_true(info_field("memory", "used_memory_peak") >= used);
    assert_true(info_field("memory", "used_memory_rss") > 0);
    r = RUN("INFO", "stats");
    assert_non_null(strstr(r, "\r\nevicted_keys:0\r\n"));
    assert_non_null(strstr(r, "\r\nkeyspace_hits:"));
    assert_non_null(strstr(r, "\r\nexpired_keys:"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pool_ordering),
        cmocka_unit_test_setup_teardown(test_allkeys_lru_exact, setup_dbs, teardown_dbs),
        cmocka_unit_test_setup_teardown(test_allkeys_lru_approximated, setup_dbs, teardown_dbs),
        cmocka_unit_test_setup_teardown(test_volatile_lru, setup_dbs, teardown_dbs),
        cmocka_unit_test_setup_teardown(test_volatile_ttl, setup_dbs, teardown_dbs),
        cmocka_unit_test_setup_teardown(test_allkeys_lfu, setup_dbs, teardown_dbs),
        cmocka_unit_test_setup_teardown(test_volatile_lfu, setup_dbs, teardown_dbs),
        cmocka_unit_test_setup_teardown(test_random_policies, setup_dbs, teardown_dbs),
        cmocka_unit_test_setup_teardown(test_across_dbs, setup_dbs, teardown_dbs),
        cmocka_unit_test_setup_teardown(test_skip, setup_dbs, teardown_dbs),
        cmocka_unit_test(test_lru_clock),
        cmocka_unit_test(test_lfu_math),
        cmocka_unit_test_setup_teardown(test_db_stamps_new_values, setup_dbs, teardown_dbs),
        cmocka_unit_test_setup_teardown(test_noeviction_oom, setup_server, teardown_server),
        cmocka_unit_test_setup_teardown(test_allkeys_lru_evicts, setup_server, teardown_server),
        cmocka_unit_test_setup_teardown(test_volatile_policies_spare_persistent_keys, setup_server,
                                        teardown_server),
        cmocka_unit_test_setup_teardown(test_volatile_ttl_evicts_soonest, setup_server,
                                        teardown_server),
        cmocka_unit_test_setup_teardown(test_cron_evicts, setup_server, teardown_server),
        cmocka_unit_test_setup_teardown(test_loading_and_apply_do_not_evict, setup_server,
                                        teardown_server),
        cmocka_unit_test_setup_teardown(test_raft_leader_proposes, setup_server, teardown_server),
        cmocka_unit_test_setup_teardown(test_object, setup_server, teardown_server),
        cmocka_unit_test_setup_teardown(test_memory_commands, setup_server, teardown_server),
        cmocka_unit_test_setup_teardown(test_info_memory, setup_server, teardown_server),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
