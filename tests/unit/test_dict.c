/* Unit tests for dict: binary keys, value ownership, growth and shrink with
 * a rehash in progress, the dict_scan guarantee under concurrent changes,
 * iterators that delete, and dict_random coverage. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dict.h"
#include "util/util.h"

static int g_frees;

static void count_free(void *v)
{
    g_frees++;
    free(v);
}

/* Key i: 'k', a NUL, the 4 bytes of i, then i % 5 more NUL bytes, so keys
 * contain zero bytes and differ in length.  Returns the length. */
static size_t make_key(char *buf, uint32_t i)
{
    size_t n = 0;
    buf[n++] = 'k';
    buf[n++] = '\0';
    memcpy(buf + n, &i, sizeof(i));
    n += sizeof(i);
    for (uint32_t j = 0; j < i % 5; j++)
        buf[n++] = '\0';
    return n;
}

static uint32_t key_id(const struct dict_entry *e)
{
    uint32_t i;
    assert_true(e->klen >= 6);
    memcpy(&i, e->key + 2, sizeof(i));
    return i;
}

static int *new_int(int v)
{
    int *p = malloc(sizeof(*p));
    assert_non_null(p);
    *p = v;
    return p;
}

static int is_rehashing(struct dict *d)
{
    return dict_rehash_steps(d, 0);
}

static void test_empty(void **state)
{
    (void)state;
    struct dict *d = dict_create(NULL);
    assert_int_equal(dict_size(d), 0);
    assert_null(dict_find(d, "a", 1));
    assert_null(dict_random(d));
    assert_int_equal(dict_delete(d, "a", 1), 0);
    void *v = (void *)1;
    assert_int_equal(dict_unlink(d, "a", 1, &v), 0);
    assert_ptr_equal(v, (void *)1); /* out-parameter untouched on failure */
    assert_int_equal(dict_scan(d, 0, NULL, NULL), 0);
    struct dict_iter it;
    dict_iter_init(&it, d);
    assert_null(dict_next(&it));
    dict_iter_release(&it);
    dict_iter_release(&it); /* idempotent */
    assert_int_equal(dict_rehash_steps(d, 10), 0);
    dict_clear(d);
    assert_int_equal(dict_size(d), 0);
    dict_free(d);
    dict_free(NULL);
}

static void test_expand(void **state)
{
    (void)state;
    struct dict *d = dict_create(NULL);
    /* an empty table is replaced at once: no rehash pending */
    dict_expand(d, 1000);
    assert_int_equal(dict_rehash_steps(d, 0), 0);
    char key[32];
    for (int i = 0; i < 1000; i++) {
        int n = snprintf(key, sizeof(key), "k%d", i);
        dict_set(d, key, (size_t)n, (void *)(intptr_t)(i + 1));
    }
    /* 1000 keys fit in the 1024 buckets made ahead: no growth happened */
    assert_int_equal(dict_rehash_steps(d, 0), 0);
    /* a non-empty table grows incrementally and keeps every key */
    dict_expand(d, 5000);
    assert_int_equal(dict_rehash_steps(d, 0), 1);
    for (int i = 0; i < 1000; i++) {
        int n = snprintf(key, sizeof(key), "k%d", i);
        struct dict_entry *e = dict_find(d, key, (size_t)n);
        assert_non_null(e);
        assert_int_equal((intptr_t)e->val, i + 1);
    }
    while (dict_rehash_steps(d, 100)) {
    }
    assert_int_equal(dict_size(d), 1000);
    /* smaller than the table: nothing to do */
    dict_expand(d, 10);
    assert_int_equal(dict_rehash_steps(d, 0), 0);
    dict_free(d);
}

static void test_binary_keys(void **state)
{
    (void)state;
    struct dict *d = dict_create(NULL);
    int created;
    /* "a", "a\0" and "" are three different keys. */
    struct dict_entry *e1 = dict_add_or_find(d, "a", 1, &created);
    assert_int_equal(created, 1);
    assert_null(e1->val);
    struct dict_entry *e2 = dict_add_or_find(d, "a\0", 2, &created);
    assert_int_equal(created, 1);
    struct dict_entry *e3 = dict_add_or_find(d, "", 0, &created);
    assert_int_equal(created, 1);
    assert_int_equal(dict_size(d), 3);
    assert_ptr_equal(dict_find(d, "a", 1), e1);
    assert_ptr_equal(dict_find(d, "a\0", 2), e2);
    assert_ptr_equal(dict_find(d, "", 0), e3);
    assert_null(dict_find(d, "b", 1));
    assert_null(dict_find(d, "a\0\0", 3));
    /* Key bytes are copied and NUL-terminated. */
    assert_int_equal(e2->klen, 2);
    assert_memory_equal(e2->key, "a\0\0", 3);
    assert_int_equal(e3->klen, 0);
    assert_int_equal(e3->key[0], '\0');
    assert_ptr_equal(dict_add_or_find(d, "a\0", 2, &created), e2);
    assert_int_equal(created, 0);
    assert_int_equal(dict_delete(d, "a", 1), 1);
    assert_null(dict_find(d, "a", 1));
    assert_non_null(dict_find(d, "a\0", 2));
    dict_free(d);
}

static void test_value_ownership(void **state)
{
    (void)state;
    g_frees = 0;
    struct dict *d = dict_create(count_free);
    assert_int_equal(dict_set(d, "k", 1, new_int(1)), 1);
    assert_int_equal(dict_set(d, "k", 1, new_int(2)), 0); /* old value freed */
    assert_int_equal(g_frees, 1);
    struct dict_entry *e = dict_find(d, "k", 1);
    assert_int_equal(*(int *)e->val, 2);
    /* Setting a key to the value it already holds must not free it. */
    assert_int_equal(dict_set(d, "k", 1, e->val), 0);
    assert_int_equal(g_frees, 1);
    assert_int_equal(*(int *)dict_find(d, "k", 1)->val, 2);

    void *v = NULL;
    assert_int_equal(dict_unlink(d, "k", 1, &v), 1);
    assert_int_equal(g_frees, 1); /* unlink hands the value back */
    assert_int_equal(*(int *)v, 2);
    free(v);

    dict_set(d, "a", 1, new_int(1));
    dict_set(d, "b", 1, new_int(2));
    dict_set(d, "c", 1, NULL); /* val_free gets NULL: free(NULL) is fine */
    assert_int_equal(dict_delete(d, "a", 1), 1);
    assert_int_equal(g_frees, 2);
    assert_int_equal(dict_delete(d, "a", 1), 0);
    assert_int_equal(g_frees, 2);
    dict_clear(d);
    assert_int_equal(g_frees, 4);
    assert_int_equal(dict_size(d), 0);
    /* Still usable after clear. */
    dict_set(d, "z", 1, new_int(9));
    dict_free(d);
    assert_int_equal(g_frees, 5);
}

#define MANY 100000

static void test_many(void **state)
{
    (void)state;
    char k[16];
    g_frees = 0;
    struct dict *d = dict_create(count_free);
    for (uint32_t i = 0; i < MANY; i++) {
        size_t n = make_key(k, i);
        assert_int_equal(dict_set(d, k, n, new_int((int)i)), 1);
    }
    assert_int_equal(dict_size(d), MANY);
    for (uint32_t i = 0; i < MANY; i++) {
        size_t n = make_key(k, i);
        struct dict_entry *e = dict_find(d, k, n);
        assert_non_null(e);
        assert_int_equal(e->klen, n);
        assert_int_equal(*(int *)e->val, (int)i);
        /* Same prefix, different length: a different key. */
        assert_null(dict_find(d, k, n + 1));
    }
    size_t big = dict_mem_usage(d);
    assert_true(big > (size_t)MANY * 16);
    /* Delete the even ones, then check both halves. */
    for (uint32_t i = 0; i < MANY; i += 2) {
        size_t n = make_key(k, i);
        assert_int_equal(dict_delete(d, k, n), 1);
    }
    assert_int_equal(g_frees, MANY / 2);
    assert_int_equal(dict_size(d), MANY / 2);
    for (uint32_t i = 0; i < MANY; i++) {
        size_t n = make_key(k, i);
        if (i % 2)
            assert_non_null(dict_find(d, k, n));
        else
            assert_null(dict_find(d, k, n));
    }
    for (uint32_t i = 1; i < MANY; i += 2) {
        size_t n = make_key(k, i);
        assert_int_equal(dict_delete(d, k, n), 1);
    }
    assert_int_equal(dict_size(d), 0);
    assert_int_equal(g_frees, MANY);
    while (dict_rehash_steps(d, 100))
        ;
    /* Shrunk back to a small table. */
    assert_true(dict_mem_usage(d) < 1024);
    dict_free(d);
    assert_int_equal(g_frees, MANY);
}

static void check_all(struct dict *d, const char *present, uint32_t n)
{
    char k[16];
    for (uint32_t i = 0; i < n; i++) {
        size_t kl = make_key(k, i);
        struct dict_entry *e = dict_find(d, k, kl);
        if (present[i]) {
            assert_non_null(e);
            assert_int_equal(*(int *)e->val, (int)i);
        } else {
            assert_null(e);
        }
    }
}

static void test_grow_shrink_during_rehash(void **state)
{
    (void)state;
    char k[16];
    enum { N = 5000 };
    char *present = calloc(N, 1);
    g_frees = 0;
    struct dict *d = dict_create(count_free);

    /* Insert until a grow starts, then keep mutating while it is running. */
    uint32_t next = 0;
    int saw_rehash = 0;
    while (next < N) {
        size_t kl = make_key(k, next);
        dict_set(d, k, kl, new_int((int)next));
        present[next++] = 1;
        if (is_rehashing(d)) {
            saw_rehash++;
            /* Lookups of every key must work with two tables live. */
            if (saw_rehash == 1 || next % 512 == 0)
                check_all(d, present, next);
            /* Delete something while both tables are in use. */
            if (next % 3 == 0) {
                uint32_t victim = next / 2;
                kl = make_key(k, victim);
                if (present[victim]) {
                    assert_int_equal(dict_delete(d, k, kl), 1);
                    present[victim] = 0;
                }
            }
        }
    }
    assert_true(saw_rehash > 0);
    check_all(d, present, N);

    /* Now delete 97%: a shrink starts and runs while we keep deleting. */
    size_t before = dict_mem_usage(d);
    int saw_shrink = 0;
    for (uint32_t i = 0; i < N; i++) {
        if (i % 33 == 0 || !present[i])
            continue;
        size_t kl = make_key(k, i);
        assert_int_equal(dict_delete(d, k, kl), 1);
        present[i] = 0;
        if (is_rehashing(d)) {
            saw_shrink++;
            if (saw_shrink == 1)
                check_all(d, present, N);
        }
    }
    assert_true(saw_shrink > 0);
    check_all(d, present, N);
    /* Re-grow while a shrink may still be running. */
    for (uint32_t i = 0; i < N; i += 7) {
        if (present[i])
            continue;
        size_t kl = make_key(k, i);
        assert_int_equal(dict_set(d, k, kl, new_int((int)i)), 1);
        present[i] = 1;
    }
    check_all(d, present, N);
    size_t count = 0;
    for (uint32_t i = 0; i < N; i++)
        count += present[i];
    assert_int_equal(dict_size(d), count);
    while (dict_rehash_steps(d, 1000))
        ;
    check_all(d, present, N);
    assert_true(dict_mem_usage(d) < before);
    dict_free(d);
    free(present);
}

struct scan_state {
    uint32_t *seen; /* times each id was returned */
    struct dict *d;
    int delete_in_cb;
    uint32_t cb_deleted;
    char *present;
    int rehash_seen; /* callbacks run while a rehash was in progress */
};

static void scan_cb(void *ud, struct dict_entry *e)
{
    struct scan_state *s = ud;
    uint32_t id = key_id(e);
    s->seen[id]++;
    if (s->d) {
        /* Rehashing is paused while the callback runs: even a request for
         * a lot of rehash work must leave the tables as they are. */
        int was = is_rehashing(s->d);
        assert_int_equal(dict_rehash_steps(s->d, 1 << 20), was);
        s->rehash_seen += was;
    }
    /* Optionally delete the entry we were handed (allowed by dict_scan). */
    if (s->delete_in_cb && id % 11 == 5 && s->present[id]) {
        s->present[id] = 0;
        s->cb_deleted++;
        assert_int_equal(dict_delete(s->d, e->key, e->klen), 1);
    }
}

/* A full scan during which keys are added (growing the table several times)
 * and removed (shrinking it) returns every key present throughout. */
static void run_scan(int delete_in_cb)
{
    char k[16];
    enum { START = 2000, MAXID = 60000 };
    char *present = calloc(MAXID, 1);
    char *stayed = calloc(MAXID, 1); /* present from start to end */
    struct scan_state s = {calloc(MAXID, sizeof(uint32_t)), NULL, delete_in_cb, 0, present, 0};
    struct dict *d = dict_create(count_free);
    s.d = d;
    for (uint32_t i = 0; i < START; i++) {
        size_t kl = make_key(k, i);
        dict_set(d, k, kl, new_int((int)i));
        present[i] = stayed[i] = 1;
    }
    uint32_t next = START;
    uint64_t cursor = 0;
    int calls = 0, grew_mid = 0, shrank_mid = 0;
    do {
        cursor = dict_scan(d, cursor, scan_cb, &s);
        calls++;
        if (is_rehashing(d)) {
            if (next < 40000)
                grew_mid = 1;
            else
                shrank_mid = 1;
        }
        if (next < 40000) {
            /* Phase 1: grow fast (many resizes during the scan), and delete
             * one original key per call. */
            for (int j = 0; j < 40 && next < 40000; j++) {
                size_t kl = make_key(k, next);
                dict_set(d, k, kl, new_int((int)next));
                present[next++] = 1;
            }
            uint32_t victim = (uint32_t)(calls * 7) % START;
            if (present[victim]) {
                size_t kl = make_key(k, victim);
                assert_int_equal(dict_delete(d, k, kl), 1);
                present[victim] = 0;
            }
            stayed[victim] = 0;
        } else if (next == 40000) {
            /* Phase 2: delete every added key at once so the table shrinks
             * hard while the cursor is in the middle. */
            for (uint32_t i = START; i < 40000; i++) {
                if (!present[i])
                    continue;
                size_t kl = make_key(k, i);
                assert_int_equal(dict_delete(d, k, kl), 1);
                present[i] = 0;
            }
            next++;
        }
        assert_true(calls < 10000000);
    } while (cursor != 0);
    assert_true(grew_mid || shrank_mid);

    for (uint32_t i = 0; i < START; i++) {
        if (stayed[i] && present[i])
            assert_true(s.seen[i] >= 1);
    }
    if (delete_in_cb)
        assert_true(s.cb_deleted > 0);
    assert_true(s.rehash_seen > 0);
    size_t count = 0;
    for (uint32_t i = 0; i < MAXID; i++)
        count += present[i];
    assert_int_equal(dict_size(d), count);
    dict_free(d);
    free(present);
    free(stayed);
    free(s.seen);
}

static void test_scan_concurrent(void **state)
{
    (void)state;
    run_scan(0);
    run_scan(1);
}

/* A scan with no changes returns every key, and each at most a few times. */
static void test_scan_stable(void **state)
{
    (void)state;
    char k[16];
    enum { N = 3000 };
    char present[N];
    struct scan_state s = {calloc(N, sizeof(uint32_t)), NULL, 0, 0, present, 0};
    struct dict *d = dict_create(count_free);
    for (uint32_t i = 0; i < N; i++) {
        size_t kl = make_key(k, i);
        dict_set(d, k, kl, new_int((int)i));
        present[i] = 1;
    }
    uint64_t cursor = 0;
    do {
        cursor = dict_scan(d, cursor, scan_cb, &s);
    } while (cursor != 0);
    for (uint32_t i = 0; i < N; i++)
        assert_int_equal(s.seen[i], 1); /* no resize: exactly once */
    dict_free(d);
    free(s.seen);
}

static void test_iter_delete(void **state)
{
    (void)state;
    char k[16];
    enum { N = 3000 };
    uint32_t seen[N];
    g_frees = 0;
    struct dict *d = dict_create(count_free);
    /* Stop inserting while a grow is in progress so the iterator walks
     * both tables. */
    uint32_t n = 0;
    while (n < 1000 || !is_rehashing(d)) {
        assert_true(n < N);
        size_t kl = make_key(k, n);
        dict_set(d, k, kl, new_int((int)n));
        n++;
    }
    assert_true(is_rehashing(d));
    size_t size_before = dict_size(d);
    memset(seen, 0, sizeof(seen));
    int rehashing = is_rehashing(d);

    struct dict_iter it;
    struct dict_entry *e;
    size_t visited = 0, deleted = 0;
    dict_iter_init(&it, d);
    while ((e = dict_next(&it)) != NULL) {
        uint32_t id = key_id(e);
        seen[id]++;
        visited++;
        if (id % 2 == 0) {
            assert_int_equal(dict_delete(d, e->key, e->klen), 1);
            deleted++;
        }
        /* Lookups during iteration must not move buckets. */
        size_t kl = make_key(k, (id + 1) % n);
        (void)dict_find(d, k, kl);
        assert_int_equal(is_rehashing(d), rehashing);
    }
    dict_iter_release(&it);
    assert_int_equal(visited, size_before);
    for (uint32_t i = 0; i < n; i++)
        assert_int_equal(seen[i], 1);
    assert_int_equal(dict_size(d), size_before - deleted);
    assert_int_equal((size_t)g_frees, deleted);
    /* After release, pending resize work proceeds. */
    while (dict_rehash_steps(d, 100))
        ;
    for (uint32_t i = 0; i < n; i++) {
        size_t kl = make_key(k, i);
        if (i % 2)
            assert_non_null(dict_find(d, k, kl));
        else
            assert_null(dict_find(d, k, kl));
    }
    dict_free(d);
}

/* Iteration while a rehash is half done visits both tables exactly once. */
static void test_iter_mid_rehash(void **state)
{
    (void)state;
    char k[16];
    struct dict *d = dict_create(NULL);
    uint32_t n = 0;
    /* Fill until a grow of a large enough table starts (a tiny one finishes
     * in one step), then add a few more so both tables hold entries. */
    while (n < 500 || !is_rehashing(d)) {
        size_t kl = make_key(k, n);
        dict_set(d, k, kl, NULL);
        n++;
    }
    for (int j = 0; j < 3 && is_rehashing(d); j++) {
        size_t kl = make_key(k, n);
        dict_set(d, k, kl, NULL);
        n++;
    }
    assert_true(is_rehashing(d));
    uint32_t *seen = calloc(n, sizeof(*seen));
    struct dict_iter it;
    struct dict_entry *e;
    dict_iter_init(&it, d);
    while ((e = dict_next(&it)) != NULL)
        seen[key_id(e)]++;
    dict_iter_release(&it);
    for (uint32_t i = 0; i < n; i++)
        assert_int_equal(seen[i], 1);
    free(seen);
    dict_free(d);
}

static void random_covers(struct dict *d, uint32_t n, int max_draws)
{
    char *hit = calloc(n, 1);
    uint32_t distinct = 0;
    for (int i = 0; i < max_draws && distinct < n; i++) {
        struct dict_entry *e = dict_random(d);
        assert_non_null(e);
        uint32_t id = key_id(e);
        assert_true(id < n);
        if (!hit[id]) {
            hit[id] = 1;
            distinct++;
        }
    }
    assert_int_equal(distinct, n);
    free(hit);
}

static void test_random(void **state)
{
    (void)state;
    char k[16];
    struct dict *d = dict_create(NULL);
    size_t kl = make_key(k, 0);
    dict_set(d, k, kl, NULL);
    for (int i = 0; i < 10; i++)
        assert_int_equal(key_id(dict_random(d)), 0);
    for (uint32_t i = 1; i < 3; i++) {
        kl = make_key(k, i);
        dict_set(d, k, kl, NULL);
    }
    random_covers(d, 3, 1000);
    dict_free(d);

    /* Large, and sampled while a rehash is in progress. */
    d = dict_create(NULL);
    uint32_t n = 0;
    while (n < 2000 || !is_rehashing(d)) {
        kl = make_key(k, n);
        dict_set(d, k, kl, NULL);
        n++;
    }
    assert_true(is_rehashing(d));
    /* Pause rehashing (an iterator) so all draws happen mid-rehash. */
    struct dict_iter it;
    dict_iter_init(&it, d);
    random_covers(d, n, 2000000);
    assert_true(is_rehashing(d));
    dict_iter_release(&it);
    random_covers(d, n, 2000000);
    dict_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_binary_keys),
        cmocka_unit_test(test_expand),
        cmocka_unit_test(test_value_ownership),
        cmocka_unit_test(test_many),
        cmocka_unit_test(test_grow_shrink_during_rehash),
        cmocka_unit_test(test_scan_concurrent),
        cmocka_unit_test(test_scan_stable),
        cmocka_unit_test(test_iter_delete),
        cmocka_unit_test(test_iter_mid_rehash),
        cmocka_unit_test(test_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
