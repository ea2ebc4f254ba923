/* Unit tests for db (keyspace, TTLs, lazy and active expiry, rename, flush,
 * random keys) and for the object values it holds. */
#include <malloc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "db.h"
#include "object.h"
#include "util/util.h"

#define NOW 1700000000000LL /* ms */

static int g_hook_calls;
static char g_hook_key[256];
static size_t g_hook_klen;
static struct db *g_hook_db;

static void hook(void *ud, struct db *db, const char *key, size_t klen)
{
    assert_ptr_equal(ud, &g_hook_calls);
    g_hook_calls++;
    g_hook_db = db;
    assert_true(klen < sizeof(g_hook_key));
    memcpy(g_hook_key, key, klen);
    g_hook_klen = klen;
    /* The hook runs after the delete: the key is gone from both dicts. */
    assert_null(dict_find(db->keys, key, klen));
    assert_null(dict_find(db->expires, key, klen));
}

static int setup(void **state)
{
    (void)state;
    g_hook_calls = 0;
    g_hook_klen = 0;
    g_hook_db = NULL;
    db_set_expire_hook(hook, &g_hook_calls);
    db_set_expire_policy(1);
    return 0;
}

static struct robj *str(const char *s)
{
    struct robj *o = obj_new_string(s, strlen(s));
    assert_non_null(o);
    return o;
}

static void assert_str(struct robj *o, const char *s)
{
    assert_non_null(o);
    assert_int_equal(o->type, OBJ_STRING);
    assert_int_equal(obj_str_len(o), strlen(s));
    assert_memory_equal(obj_str_ptr(o), s, strlen(s));
}

static void test_set_lookup_delete(void **state)
{
    (void)state;
    struct db *db = db_create(3);
    assert_int_equal(db->id, 3);
    assert_int_equal(db_size(db), 0);
    assert_null(db_lookup(db, "k", 1, NOW));
    db_set(db, "k", 1, str("v1"), 0);
    assert_int_equal(db_size(db), 1);
    assert_str(db_lookup(db, "k", 1, NOW), "v1");
    /* Overwrite frees the old value (ASan would report a leak otherwise). */
    db_set(db, "k", 1, str("value2"), 0);
    assert_int_equal(db_size(db), 1);
    assert_str(db_lookup(db, "k", 1, NOW), "value2");
    /* Binary key with a NUL is distinct from its prefix. */
    db_set(db, "k\0x", 3, str("bin"), 0);
    assert_int_equal(db_size(db), 2);
    assert_str(db_lookup(db, "k\0x", 3, NOW), "bin");
    assert_int_equal(db_delete(db, "k", 1), 1);
    assert_int_equal(db_delete(db, "k", 1), 0);
    assert_null(db_lookup(db, "k", 1, NOW));
    assert_str(db_lookup(db, "k\0x", 3, NOW), "bin");
    assert_int_equal(db_size(db), 1);
    db_free(db);
    db_free(NULL);
}

static void test_lru(void **state)
{
    (void)state;
    struct db *db = db_create(0);
    db_set(db, "k", 1, str("v"), 0);
    struct robj *o = db_lookup(db, "k", 1, 5000);
    assert_int_equal(o->lru, 5);
    o = db_peek(db, "k", 1, 9000);
    assert_int_equal(o->lru, 5); /* peek does not touch */
    o = db_lookup(db, "k", 1, 9999);
    assert_int_equal(o->lru, 9);
    db_free(db);
}

static void test_replace_ptr(void **state)
{
    (void)state;
    struct db *db = db_create(0);
    db_set(db, "k", 1, str("abc"), 0);
    db_set_expire(db, "k", 1, NOW + 1000);
    struct robj *o = db_lookup(db, "k", 1, NOW);
    o = obj_string_resize(o, 5000);
    assert_non_null(o);
    db_replace_ptr(db, "k", 1, o);
    struct robj *got = db_lookup(db, "k", 1, NOW);
    assert_ptr_equal(got, o);
    assert_int_equal(obj_str_len(got), 5000);
    assert_memory_equal(obj_str_ptr(got), "abc\0\0", 5);
    assert_int_equal(db_get_expire(db, "k", 1), NOW + 1000);
    db_free(db);
}

static void test_ttl(void **state)
{
    (void)state;
    struct db *db = db_create(0);
    db_set(db, "k", 1, str("v"), 0);
    assert_int_equal(db_get_expire(db, "k", 1), -1);
    assert_int_equal(db_get_expire(db, "nokey", 5), -1);
    assert_int_equal(db_expires_size(db), 0);
    db_set_expire(db, "k", 1, NOW + 100);
    assert_int_equal(db_get_expire(db, "k", 1), NOW + 100);
    assert_int_equal(db_expires_size(db), 1);
    db_set_expire(db, "k", 1, NOW + 200); /* update */
    assert_int_equal(db_get_expire(db, "k", 1), NOW + 200);
    assert_int_equal(db_expires_size(db), 1);
    assert_int_equal(db_persist(db, "k", 1), 1);
    assert_int_equal(db_persist(db, "k", 1), 0);
    assert_int_equal(db_get_expire(db, "k", 1), -1);
    assert_int_equal(db_expires_size(db), 0);

    /* SET drops the TTL unless keep_ttl. */
    db_set_expire(db, "k", 1, NOW + 300);
    db_set(db, "k", 1, str("v2"), 1);
    assert_int_equal(db_get_expire(db, "k", 1), NOW + 300);
    db_set(db, "k", 1, str("v3"), 0);
    assert_int_equal(db_get_expire(db, "k", 1), -1);
    assert_int_equal(db_expires_size(db), 0);

    /* DEL drops it too, and a new key of the same name has none. */
    db_set_expire(db, "k", 1, NOW + 300);
    assert_int_equal(db_delete(db, "k", 1), 1);
    assert_int_equal(db_expires_size(db), 0);
    db_set(db, "k", 1, str("v4"), 1);
    assert_int_equal(db_get_expire(db, "k", 1), -1);
    /* An expire time of 0 or in the past is stored as given. */
    db_set_expire(db, "k", 1, 0);
    assert_int_equal(db_get_expire(db, "k", 1), 0);
    db_free(db);
}

static void test_lazy_expire_delete(void **state)
{
    (void)state;
    struct db *db = db_create(1);
    db_set(db, "other", 5, str("x"), 0);
    db_set(db, "k", 1, str("v"), 0);
    db_set_expire(db, "k", 1, NOW);
    /* One ms before: live. */
    assert_str(db_lookup(db, "k", 1, NOW - 1), "v");
    assert_int_equal(g_hook_calls, 0);
    /* At the expire time: gone, deleted, hook called once. */
    assert_null(db_lookup(db, "k", 1, NOW));
    assert_int_equal(g_hook_calls, 1);
    assert_ptr_equal(g_hook_db, db);
    assert_int_equal(g_hook_klen, 1);
    assert_memory_equal(g_hook_key, "k", 1);
    assert_int_equal(db_size(db), 1);
    assert_int_equal(db_expires_size(db), 0);
    assert_null(db_lookup(db, "k", 1, NOW + 10));
    assert_int_equal(g_hook_calls, 1);

    /* db_peek expires the same way. */
    db_set(db, "p", 1, str("v"), 0);
    db_set_expire(db, "p", 1, NOW);
    assert_null(db_peek(db, "p", 1, NOW + 5));
    assert_int_equal(g_hook_calls, 2);
    assert_int_equal(db_size(db), 1);
    assert_str(db_lookup(db, "other", 5, NOW + 1000000), "x");

    /* No hook set: still deleted. */
    db_set_expire_hook(NULL, NULL);
    db_set(db, "q", 1, str("v"), 0);
    db_set_expire(db, "q", 1, NOW);
    assert_null(db_lookup(db, "q", 1, NOW));
    assert_int_equal(db_size(db), 1);
    db_free(db);
}

static void test_lazy_expire_hide(void **state)
{
    (void)state;
    struct db *db = db_create(0);
    db_set_expire_policy(0);
    db_set(db, "k", 1, str("v"), 0);
    db_set_expire(db, "k", 1, NOW);
    assert_str(db_lookup(db, "k", 1, NOW - 1), "v");
    assert_null(db_lookup(db, "k", 1, NOW));
    assert_null(db_peek(db, "k", 1, NOW + 1));
    assert_int_equal(g_hook_calls, 0);
    assert_int_equal(db_size(db), 1);
    assert_int_equal(db_expires_size(db), 1);
    assert_int_equal(db_get_expire(db, "k", 1), NOW);
    /* Still visible at an earlier time (a follower's clock is the
     * leader's). */
    assert_str(db_lookup(db, "k", 1, NOW - 1), "v");
    /* Once the policy deletes again, the next lookup deletes it. */
    db_set_expire_policy(1);
    assert_null(db_lookup(db, "k", 1, NOW));
    assert_int_equal(g_hook_calls, 1);
    assert_int_equal(db_size(db), 0);
    /* An explicit delete (the leader's DEL) works in hide mode. */
    db_set_expire_policy(0);
    db_set(db, "k", 1, str("v"), 0);
    db_set_expire(db, "k", 1, NOW);
    assert_int_equal(db_delete(db, "k", 1), 1);
    assert_int_equal(db_size(db), 0);
    assert_int_equal(db_expires_size(db), 0);
    db_free(db);
}

static void test_rename(void **state)
{
    (void)state;
    struct db *db = db_create(0);
    /* Without TTL, dst absent. */
    db_set(db, "a", 1, str("va"), 0);
    assert_int_equal(db_rename(db, "a", 1, "b", 1), 0);
    assert_null(db_lookup(db, "a", 1, NOW));
    assert_str(db_lookup(db, "b", 1, NOW), "va");
    assert_int_equal(db_size(db), 1);

    /* src with TTL moves it to dst. */
    db_set(db, "c", 1, str("vc"), 0);
    db_set_expire(db, "c", 1, NOW + 500);
    assert_int_equal(db_rename(db, "c", 1, "d", 1), 0);
    assert_int_equal(db_get_expire(db, "c", 1), -1);
    assert_int_equal(db_get_expire(db, "d", 1), NOW + 500);
    assert_str(db_lookup(db, "d", 1, NOW), "vc");
    assert_int_equal(db_expires_size(db), 1);

    /* dst exists with a TTL, src has none: dst overwritten, TTL dropped. */
    db_set(db, "e", 1, str("ve"), 0);
    assert_int_equal(db_rename(db, "e", 1, "d", 1), 0);
    assert_str(db_lookup(db, "d", 1, NOW), "ve");
    assert_int_equal(db_get_expire(db, "d", 1), -1);
    assert_int_equal(db_expires_size(db), 0);

    /* dst exists with a TTL, src has one: src's wins. */
    db_set(db, "f", 1, str("vf"), 0);
    db_set_expire(db, "f", 1, NOW + 7);
    db_set_expire(db, "d", 1, NOW + 9);
    assert_int_equal(db_rename(db, "f", 1, "d", 1), 0);
    assert_int_equal(db_get_expire(db, "d", 1), NOW + 7);
    assert_int_equal(db_expires_size(db), 1);
    assert_str(db_lookup(db, "d", 1, NOW), "vf");

    /* Renaming a key to itself changes nothing. */
    assert_int_equal(db_rename(db, "d", 1, "d", 1), 0);
    assert_str(db_lookup(db, "d", 1, NOW), "vf");
    assert_int_equal(db_get_expire(db, "d", 1), NOW + 7);
    assert_int_equal(db_size(db), 2); /* b, d */
    db_free(db);
}

static void keyname(char *buf, size_t size, const char *prefix, int i)
{
    snprintf(buf, size, "%s:%d", prefix, i);
}

static void test_active_expire(void **state)
{
    (void)state;
    char k[32];
    struct db *db = db_create(0);
    for (int i = 0; i < 1000; i++) {
        keyname(k, sizeof(k), "dead", i);
        db_set(db, k, strlen(k), str("x"), 0);
        db_set_expire(db, k, strlen(k), NOW - 1 - i);
        keyname(k, sizeof(k), "live", i);
        db_set(db, k, strlen(k), str("y"), 0);
        db_set_expire(db, k, strlen(k), NOW + 10000);
    }
    for (int i = 0; i < 100; i++) {
        keyname(k, sizeof(k), "plain", i);
        db_set(db, k, strlen(k), str("z"), 0);
    }
    assert_int_equal(db_size(db), 2100);

    /* Hide mode: nothing is deleted. */
    db_set_expire_policy(0);
    assert_int_equal(db_active_expire(db, NOW, 1000000), 0);
    assert_int_equal(db_size(db), 2100);
    assert_int_equal(g_hook_calls, 0);
    db_set_expire_policy(1);

    long long total = 0;
    int calls = 0;
    while (db_expires_size(db) > 1000 && calls < 50) {
        total += db_active_expire(db, NOW, 1000000);
        calls++;
    }
    assert_int_equal(total, 1000);
    assert_int_equal(g_hook_calls, 1000);
    assert_int_equal(db_expires_size(db), 1000);
    assert_int_equal(db_size(db), 1100);
    for (int i = 0; i < 1000; i++) {
        keyname(k, sizeof(k), "live", i);
        assert_non_null(db_peek(db, k, strlen(k), NOW));
        keyname(k, sizeof(k), "dead", i);
        assert_null(dict_find(db->keys, k, strlen(k)));
    }
    for (int i = 0; i < 100; i++) {
        keyname(k, sizeof(k), "plain", i);
        assert_non_null(db_peek(db, k, strlen(k), NOW));
    }
    /* The survivors' TTL is 10000 ms: the running average heads there. */
    assert_true(db->avg_ttl > 0 && db->avg_ttl <= 10000);
    /* Nothing left to expire: a further run deletes nothing. */
    assert_int_equal(db_active_expire(db, NOW, 1000000), 0);
    assert_int_equal(db_size(db), 1100);

    /* Everything expires: even a zero budget makes progress each call. */
    calls = 0;
    while (db_expires_size(db) > 0 && calls < 1000) {
        db_active_expire(db, NOW + 10000, 0);
        calls++;
    }
    assert_int_equal(db_expires_size(db), 0);
    assert_int_equal(db_size(db), 100);
    assert_int_equal(g_hook_calls, 2000);
    /* Empty expires: resets the average. */
    assert_int_equal(db_active_expire(db, NOW, 1000), 0);
    assert_int_equal(db->avg_ttl, 0);
    db_free(db);
}

static void test_flush(void **state)
{
    (void)state;
    struct db *db = db_create(0);
    assert_int_equal(db_flush(db), 0);
    char k[32];
    for (int i = 0; i < 500; i++) {
        keyname(k, sizeof(k), "k", i);
        db_set(db, k, strlen(k), str("v"), 0);
        if (i % 2)
            db_set_expire(db, k, strlen(k), NOW + i);
    }
    assert_int_equal(db_flush(db), 500);
    assert_int_equal(db_size(db), 0);
    assert_int_equal(db_expires_size(db), 0);
    assert_null(db_lookup(db, "k:1", 3, NOW));
    assert_int_equal(db_get_expire(db, "k:1", 3), -1);
    assert_null(db_random_key(db, NOW));
    /* Usable afterwards. */
    db_set(db, "k", 1, str("v"), 0);
    assert_int_equal(db_size(db), 1);
    assert_int_equal(g_hook_calls, 0);
    db_free(db);
}

static void test_random_key(void **state)
{
    (void)state;
    char k[32];
    struct db *db = db_create(0);
    assert_null(db_random_key(db, NOW));

    /* Only expired keys, delete mode: all get deleted, NULL returned. */
    for (int i = 0; i < 10; i++) {
        keyname(k, sizeof(k), "dead", i);
        db_set(db, k, strlen(k), str("x"), 0);
        db_set_expire(db, k, strlen(k), NOW - 1);
    }
    assert_null(db_random_key(db, NOW));
    assert_int_equal(g_hook_calls, 10);
    assert_int_equal(db_size(db), 0);
    assert_int_equal(db_expires_size(db), 0);

    /* Only expired keys, hide mode: one is returned anyway, none deleted. */
    db_set_expire_policy(0);
    for (int i = 0; i < 10; i++) {
        keyname(k, sizeof(k), "dead", i);
        db_set(db, k, strlen(k), str("x"), 0);
        db_set_expire(db, k, strlen(k), NOW - 1);
    }
    struct dict_entry *e = db_random_key(db, NOW);
    assert_non_null(e);
    assert_memory_equal(e->key, "dead:", 5);
    assert_int_equal(db_size(db), 10);
    assert_int_equal(g_hook_calls, 10);

    /* One live key among expired ones: hide mode finds it. */
    db_set(db, "live", 4, str("y"), 0);
    db_set_expire(db, "live", 4, NOW + 1000);
    /* With 5 expired keys and 1 live one, 100 tries all missing it has
     * probability (5/6)^100 ~ 1e-8. */
    for (int i = 5; i < 10; i++) {
        keyname(k, sizeof(k), "dead", i);
        assert_int_equal(db_delete(db, k, strlen(k)), 1);
    }
    for (int i = 0; i < 20; i++) {
        e = db_random_key(db, NOW);
        assert_non_null(e);
        assert_int_equal(e->klen, 4);
        assert_memory_equal(e->key, "live", 4);
    }
    assert_int_equal(db_size(db), 6);

    /* Delete mode with the same set: the expired ones found get deleted and
     * the live one is returned. */
    db_set_expire_policy(1);
    e = db_random_key(db, NOW);
    assert_non_null(e);
    assert_memory_equal(e->key, "live", 4);
    assert_true(db_size(db) >= 1);
    assert_int_equal(g_hook_calls, 10 + (6 - (int)db_size(db)));

    /* Many expired keys in delete mode: the search is bounded; it deletes
     * some, and still returns a key. */
    db_flush(db);
    g_hook_calls = 0;
    for (int i = 0; i < 1000; i++) {
        keyname(k, sizeof(k), "dead", i);
        db_set(db, k, strlen(k), str("x"), 0);
        db_set_expire(db, k, strlen(k), NOW - 1);
    }
    e = db_random_key(db, NOW);
    assert_non_null(e);
    assert_true(g_hook_calls > 0 && g_hook_calls < 1000);
    assert_int_equal(db_size(db), 1000 - (size_t)g_hook_calls);

    /* No TTLs at all: any key. */
    db_flush(db);
    db_set(db, "a", 1, str("1"), 0);
    e = db_random_key(db, NOW);
    assert_non_null(e);
    assert_memory_equal(e->key, "a", 2);
    db_free(db);
}

/* --- object ------------------------------------------------------------ */

static void test_obj_string(void **state)
{
    (void)state;
    struct robj *o = obj_new_string("hello\0world", 11);
    assert_non_null(o);
    assert_int_equal(o->type, OBJ_STRING);
    assert_int_equal(obj_str_len(o), 11);
    assert_memory_equal(obj_str_ptr(o), "hello\0world", 12); /* NUL after */
    assert_true((malloc_usable_size(o) - sizeof(*o)) > obj_str_len(o));
    assert_string_equal(obj_type_name(o->type), "string");
    assert_true(obj_mem_usage(o) >= sizeof(*o) + 12);

    struct robj *e = obj_new_string(NULL, 0);
    assert_non_null(e);
    assert_int_equal(obj_str_len(e), 0);
    assert_int_equal(obj_str_ptr(e)[0], '\0');
    obj_free(e);

    struct robj *n = obj_new_string_ll(-9223372036854775807LL - 1);
    assert_str(n, "-9223372036854775808");
    obj_free(n);
    n = obj_new_string_ll(0);
    assert_str(n, "0");
    obj_free(n);

    /* Growth zero-fills and keeps the old bytes; shrink keeps the NUL. */
    o = obj_string_resize(o, 20);
    assert_non_null(o);
    assert_int_equal(obj_str_len(o), 20);
    assert_memory_equal(obj_str_ptr(o), "hello\0world\0\0\0\0\0\0\0\0\0\0", 21);
    o = obj_string_resize(o, 3);
    assert_str(o, "hel");
    assert_int_equal(obj_str_ptr(o)[3], '\0');

    /* APPEND pattern: capacity grows geometrically, so 1000 appends of 100
     * bytes move the object only a handful of times. */
    int moves = 0;
    for (int i = 0; i < 1000; i++) {
        size_t len = obj_str_len(o);
        struct robj *p = obj_string_resize(o, len + 100);
        assert_non_null(p);
        if (p != o)
            moves++;
        o = p;
        memset(o->data + len, 'a' + i % 26, 100);
        assert_true((malloc_usable_size(o) - sizeof(*o)) > obj_str_len(o));
        assert_int_equal(o->data[obj_str_len(o)], '\0');
    }
    assert_true(moves < 40);
    assert_int_equal(obj_str_len(o), 3 + 100000);
    assert_int_equal(o->data[3 + 999 * 100], 'a' + 999 % 26);
    /* Past 1MB the slack is capped at 1MB. */
    o = obj_string_resize(o, 3 * 1024 * 1024);
    assert_non_null(o);
    assert_true((malloc_usable_size(o) - sizeof(*o)) <= 4 * 1024 * 1024 + 4096);
    assert_int_equal(o->data[3 * 1024 * 1024 - 1], 0);

    /* An impossible size fails without touching the object. */
    assert_null(obj_string_resize(o, SIZE_MAX - 8));
    assert_int_equal(obj_str_len(o), 3 * 1024 * 1024);
    assert_null(obj_new_string("x", SIZE_MAX - 4));

    struct robj *d = obj_dup(o);
    assert_ptr_not_equal(d, o);
    assert_int_equal(obj_str_len(d), obj_str_len(o));
    assert_memory_equal(obj_str_ptr(d), obj_str_ptr(o), obj_str_len(o) + 1);
    obj_free(d);
    obj_free(o);
    obj_free(NULL);
}

static void test_obj_hash(void **state)
{
    (void)state;
    struct robj *h = obj_new_hash();
    assert_int_equal(h->type, OBJ_HASH);
    assert_string_equal(obj_type_name(h->type), "hash");
    assert_string_equal(obj_type_name(99), "none");
    size_t empty = obj_mem_usage(h);
    char f[32], v[32];
    for (int i = 0; i < 200; i++) {
        int fl = snprintf(f, sizeof(f), "f%d", i);
        int vl = snprintf(v, sizeof(v), "value-%d", i);
        dict_set(h->u.hash, f, (size_t)fl, rstr_new(v, (size_t)vl));
    }
    /* Overwrite frees the old rstr (checked by ASan). */
    dict_set(h->u.hash, "f0", 2, rstr_new("new", 3));
    size_t full = obj_mem_usage(h);
    assert_true(full > empty + 200 * 16);

    struct robj *d = obj_dup(h);
    assert_int_equal(dict_size(d->u.hash), 200);
    /* Deep: changing the copy does not touch the original. */
    dict_set(d->u.hash, "f1", 2, rstr_new("changed", 7));
    dict_delete(d->u.hash, "f2", 2);
    struct rstr *s = dict_find(h->u.hash, "f1", 2)->val;
    assert_int_equal(s->len, 7);
    assert_memory_equal(s->data, "value-1", 8);
    assert_non_null(dict_find(h->u.hash, "f2", 2));
    s = dict_find(d->u.hash, "f0", 2)->val;
    assert_memory_equal(s->data, "new", 4);
    s = dict_find(d->u.hash, "f199", 4)->val;
    assert_memory_equal(s->data, "value-199", 10);
    obj_free(d);
    obj_free(h);

    struct rstr *r = rstr_new(NULL, 0);
    assert_int_equal(r->len, 0);
    assert_int_equal(r->data[0], '\0');
    rstr_free(r);
    rstr_free(NULL);
}

/* Hash values in the keyspace are freed with the key. */
static void test_db_holds_hash(void **state)
{
    (void)state;
    struct db *db = db_create(0);
    struct robj *h = obj_new_hash();
    dict_set(h->u.hash, "f", 1, rstr_new("v", 1));
    db_set(db, "h", 1, h, 0);
    struct robj *got = db_lookup(db, "h", 1, NOW);
    assert_ptr_equal(got, h);
    db_set(db, "h", 1, str("now a string"), 0);
    assert_str(db_lookup(db, "h", 1, NOW), "now a string");
    db_free(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_set_lookup_delete, setup),
        cmocka_unit_test_setup(test_lru, setup),
        cmocka_unit_test_setup(test_replace_ptr, setup),
        cmocka_unit_test_setup(test_ttl, setup),
        cmocka_unit_test_setup(test_lazy_expire_delete, setup),
        cmocka_unit_test_setup(test_lazy_expire_hide, setup),
        cmocka_unit_test_setup(test_rename, setup),
        cmocka_unit_test_setup(test_active_expire, setup),
        cmocka_unit_test_setup(test_flush, setup),
        cmocka_unit_test_setup(test_random_key, setup),
        cmocka_unit_test_setup(test_obj_string, setup),
        cmocka_unit_test_setup(test_obj_hash, setup),
        cmocka_unit_test_setup(test_db_holds_hash, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
