/* Unit tests for the memory accounting (util/zmalloc.c): every entry point
 * of the malloc family is counted and given back, allocations made inside
 * glibc are too, the total agrees with glibc's own mallinfo2() within a few
 * percent, and what a counted malloc/free costs (printed, not asserted:
 * tests never assert on time).  Under AddressSanitizer the counter is
 * ASan's, which counts requested bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <malloc.h>

#include "util/util.h"
#include "util/zmalloc.h"

/* Called through volatile pointers so the compiler cannot pair a malloc
 * with its free and remove both. */
static void *(*volatile p_malloc)(size_t) = malloc;
static void *(*volatile p_calloc)(size_t, size_t) = calloc;
static void *(*volatile p_realloc)(void *, size_t) = realloc;
static void (*volatile p_free)(void *) = free;

static long long used(void)
{
    return zmalloc_used_memory();
}

static void test_counts_and_gives_back(void **state)
{
    (void)state;
    long long base = used();
    void *p = p_malloc(1000);
    long long grown = used() - base;
    assert_true(grown >= 1000);
    if (zmalloc_counting())
        assert_int_equal(grown, (long long)(malloc_usable_size(p) + sizeof(size_t)));
    else
        assert_true(grown < 2000);
    p_free(p);
    assert_int_equal(used(), base);
    p_free(NULL);
    assert_int_equal(used(), base);
}

static void test_every_entry_point(void **state)
{
    (void)state;
    long long base = used();
    char *a = p_calloc(10, 100);
    assert_true(used() - base >= 1000);
    a = p_realloc(a, 100000); /* grows */
    assert_true(used() - base >= 100000);
    a = p_realloc(a, 10); /* shrinks */
    assert_true(used() - base < 1000);
    char *b = p_realloc(NULL, 300); /* as malloc */
    void *c = NULL;
    assert_int_equal(posix_memalign(&c, 64, 500), 0);
    assert_true(((uintptr_t)c & 63) == 0);
    void *d = aligned_alloc(256, 512);
    void *e = memalign(128, 200);
    void *f = valloc(100);
    void *g = pvalloc(100);
    void *h = reallocarray(NULL, 10, 30);
    void *big = p_malloc(8 << 20); /* an mmap'ed chunk */
    assert_true(used() - base >= (8 << 20));
    if (zmalloc_counting()) {
        /* (ASan reports these as errors instead) */
        void *x = NULL;
        volatile size_t huge = SIZE_MAX / 2;
        assert_null(reallocarray(NULL, huge, 4));          /* overflow */
        assert_int_not_equal(posix_memalign(&x, 3, 8), 0); /* EINVAL */
        assert_null(x);
    }
    p_free(a);
    p_free(b);
    p_free(c);
    p_free(d);
    p_free(e);
    p_free(f);
    p_free(g);
    p_free(h);
    p_free(big);
    assert_int_equal(used(), base);
    /* realloc(p, 0) frees p in glibc */
    void *z = p_malloc(50);
    z = p_realloc(z, 0);
    p_free(z);
    assert_int_equal(used(), base);
}

static void test_glibc_internal_allocations(void **state)
{
    (void)state;
    /* strdup, stdio buffers, getline: glibc allocates through the same
     * (interposed) malloc, and whoever frees them gives the bytes back. */
    long long base = used();
    char *s = strdup("a string glibc copies with its malloc");
    assert_true(used() > base);
    free(s);
    FILE *f = fopen("/proc/self/statm", "r");
    assert_non_null(f);
    char *line = NULL;
    size_t cap = 0;
    assert_true(getline(&line, &cap, f) > 0);
    assert_true(used() > base);
    free(line);
    fclose(f);
    char *path = realpath(".", NULL);
    free(path);
    assert_int_equal(used(), base);
}

static long long mallinfo_used(void)
{
    struct mallinfo2 mi = mallinfo2();
    return (long long)(mi.uordblks + mi.hblkhd);
}

static void test_agrees_with_mallinfo2(void **state)
{
    (void)state;
    if (!zmalloc_counting())
        skip(); /* ASan's heap is not glibc's */
    /* A cache-like mix: many small values of various sizes, some big. */
    enum { N = 200000 };
    void **blocks = p_malloc(N * sizeof(*blocks));
    rand_seed(3);
    for (int i = 0; i < N; i++)
        blocks[i] = p_malloc(16 + rand_u64() % 400);
    void *big[4];
    for (int i = 0; i < 4; i++)
        big[i] = p_malloc((size_t)(1 + i) << 20);
    /* free a third, as deletes do */
    for (int i = 0; i < N; i += 3) {
        p_free(blocks[i]);
        blocks[i] = NULL;
    }
    long long mine = used(), glibc = mallinfo_used();
    double diff = (double)(mine - glibc) / (double)glibc;
    printf("used_memory %lld, mallinfo2 uordblks+hblkhd %lld: %+.3f%%\n", mine, glibc, diff * 100);
    assert_true(diff > -0.03 && diff < 0.03);
    for (int i = 0; i < N; i++)
        p_free(blocks[i]);
    for (int i = 0; i < 4; i++)
        p_free(big[i]);
    p_free(blocks);
    mine = used();
    glibc = mallinfo_used();
    printf("after freeing: used_memory %lld, mallinfo2 %lld\n", mine, glibc);
    /* what is left is small on both sides; glibc's count includes the
     * blocks its thread cache holds (freed, not back in the arena) */
    assert_true(mine < 1 << 20 && glibc < 1 << 20);
}

extern void *__libc_malloc(size_t n);
extern void __libc_free(void *p);

static void test_overhead_benchmark(void **state)
{
    (void)state;
    enum { ROUNDS = 2000000 };
    void *(*volatile raw_malloc)(size_t) = __libc_malloc;
    void (*volatile raw_free)(void *) = __libc_free;
    int64_t t0 = monotonic_us();
    for (int i = 0; i < ROUNDS; i++)
        p_free(p_malloc(64));
    int64_t t1 = monotonic_us();
    for (int i = 0; i < ROUNDS; i++)
        raw_free(raw_malloc(64));
    int64_t t2 = monotonic_us();
    volatile long long sink = 0;
    for (int i = 0; i < ROUNDS; i++)
        sink += zmalloc_used_memory();
    int64_t t3 = monotonic_us();
    for (int i = 0; i < 1000; i++)
        sink += mallinfo_used();
    int64_t t4 = monotonic_us();
    (void)sink;
    printf("malloc(64)+free: %.1f ns counted (%s), %.1f ns glibc's own\n",
           (double)(t1 - t0) * 1000 / ROUNDS, zmalloc_allocator_name(),
           (double)(t2 - t1) * 1000 / ROUNDS);
    printf("zmalloc_used_memory(): %.2f ns; mallinfo2(): %.0f ns\n",
           (double)(t3 - t2) * 1000 / ROUNDS, (double)(t4 - t3) * 1000 / 1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts_and_gives_back),
        cmocka_unit_test(test_every_entry_point),
        cmocka_unit_test(test_glibc_internal_allocations),
        cmocka_unit_test(test_agrees_with_mallinfo2),
        cmocka_unit_test(test_overhead_benchmark),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
