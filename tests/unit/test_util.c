/* Unit tests for util/: the Redis-compatible number parsers and formatters
 * at their edges, glob matching (escapes, classes, nocase, pathological
 * patterns), memory sizes, SipHash-1-3 against known answers, the PRNG, the
 * log line format, and buf operations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <math.h>
#include <errno.h>

#include <cmocka.h>

#include "util/buf.h"
#include "util/log.h"
#include "util/util.h"

/* ---- str_to_ll ---- */

static int ll_ok(const char *s, long long want)
{
    long long v = 12345;
    return str_to_ll(s, strlen(s), &v) == 0 && v == want;
}

static int ll_bad(const char *s)
{
    long long v = 12345;
    int rc = str_to_ll(s, strlen(s), &v);
    /* Out-parameter untouched on failure. */
    return rc == -1 && v == 12345;
}

static void test_str_to_ll(void **state)
{
    (void)state;
    assert_true(ll_ok("0", 0));
    assert_true(ll_ok("1", 1));
    assert_true(ll_ok("-1", -1));
    assert_true(ll_ok("1234567890", 1234567890LL));
    assert_true(ll_ok("9223372036854775807", INT64_MAX));
    assert_true(ll_ok("-9223372036854775808", INT64_MIN));
    assert_true(ll_bad("9223372036854775808"));
    assert_true(ll_bad("-9223372036854775809"));
    assert_true(ll_bad("18446744073709551615"));
    assert_true(ll_bad("18446744073709551616"));
    assert_true(ll_bad("99999999999999999999"));
    assert_true(ll_bad("123456789012345678901")); /* 21 chars */
    assert_true(ll_bad(""));
    assert_true(ll_bad("-"));
    assert_true(ll_bad("-0"));
    assert_true(ll_bad("00"));
    assert_true(ll_bad("01"));
    assert_true(ll_bad("-01"));
    assert_true(ll_bad("+1"));
    assert_true(ll_bad(" 1"));
    assert_true(ll_bad("1 "));
    assert_true(ll_bad("1a"));
    assert_true(ll_bad("0x10"));
    assert_true(ll_bad("1.0"));
    assert_true(ll_bad("1e3"));
    /* Counted, not NUL-terminated: only len bytes are looked at. */
    long long v = 0;
    assert_int_equal(str_to_ll("12345", 3, &v), 0);
    assert_int_equal(v, 123);
    assert_int_equal(str_to_ll("1\0"
                               "2",
                               3, &v),
                     -1);
}

static void test_ll_to_str(void **state)
{
    (void)state;
    char b[32];
    const long long vals[] = {0, 1, -1, 9, 10, 99, 100, -100, 123456789, INT64_MAX, INT64_MIN};
    for (size_t i = 0; i < ARRAY_SIZE(vals); i++) {
        char want[32];
        snprintf(want, sizeof(want), "%lld", vals[i]);
        int n = ll_to_str(b, sizeof(b), vals[i]);
        assert_int_equal(n, (int)strlen(want));
        assert_string_equal(b, want);
    }
    assert_int_equal(ll_to_str(b, 21, INT64_MIN), 20);
    assert_int_equal(ll_to_str(b, 3, 123), 0); /* needs 4 with the NUL */
    assert_int_equal(ll_to_str(b, 4, 123), 3);
}

/* ---- long double / double ---- */

static void test_str_to_ld(void **state)
{
    (void)state;
    long double v = 0;
    assert_int_equal(str_to_ld("10.5", 4, &v), 0);
    assert_true(v == 10.5L);
    assert_int_equal(str_to_ld("-3.0e3", 6, &v), 0);
    assert_true(v == -3000.0L);
    assert_int_equal(str_to_ld("1e400", 5, &v), 0); /* fits an 80-bit long double */
    /* Redis's string2ld accepts inf (INCRBYFLOAT then reports the
     * infinity itself); it rejects overflow to inf and nan. */
    assert_int_equal(str_to_ld("inf", 3, &v), 0);
    assert_true(isinf(v));
    assert_int_equal(str_to_ld("1e99999", 7, &v), -1);
    assert_int_equal(str_to_ld("1e-99999", 8, &v), -1);
    assert_int_equal(str_to_ld("nan", 3, &v), -1);
    assert_int_equal(str_to_ld("", 0, &v), -1);
    assert_int_equal(str_to_ld(" 1", 2, &v), -1);
    assert_int_equal(str_to_ld("\t1", 2, &v), -1);
    assert_int_equal(str_to_ld("1 ", 2, &v), -1);
    assert_int_equal(str_to_ld("1x", 2, &v), -1);
    assert_int_equal(str_to_ld("1\0"
                               "5",
                               3, &v),
                     -1);

    /* Length limit: 5k characters or more is refused outright. */
    size_t big = 5 * 1024;
    char *s = malloc(big + 1);
    memset(s, '0', big);
    s[0] = '1';
    assert_int_equal(str_to_ld("1", 1, &v), 0);
    assert_int_equal(str_to_ld(s, big, &v), -1);
    assert_int_equal(str_to_ld(s, big - 1, &v), -1); /* 1e5118 overflows: ERANGE */
    memset(s, '0', big);
    s[1] = '.';
    assert_int_equal(str_to_ld(s, big - 1, &v), 0);
    assert_true(v == 0.0L);
    free(s);
}

static void test_str_to_d(void **state)
{
    (void)state;
    double d = 7;
    assert_int_equal(str_to_d("1.5", 3, &d), 0);
    assert_true(d == 1.5);
    assert_int_equal(str_to_d("inf", 3, &d), 0);
    assert_true(isinf(d) && d > 0);
    assert_int_equal(str_to_d("+inf", 4, &d), 0);
    assert_true(isinf(d) && d > 0);
    assert_int_equal(str_to_d("-inf", 4, &d), 0);
    assert_true(isinf(d) && d < 0);
    assert_int_equal(str_to_d("-0", 2, &d), 0);
    assert_true(d == 0 && signbit(d));
    assert_int_equal(str_to_d("1e3", 3, &d), 0);
    assert_true(d == 1000);
    d = 7;
    assert_int_equal(str_to_d("nan", 3, &d), -1);
    assert_int_equal(str_to_d("", 0, &d), -1);
    assert_int_equal(str_to_d(" 1", 2, &d), -1);
    assert_int_equal(str_to_d("1 ", 2, &d), -1);
    assert_int_equal(str_to_d("1abc", 4, &d), -1);
    assert_int_equal(str_to_d("1e400", 5, &d), -1);  /* overflow */
    assert_int_equal(str_to_d("1e-400", 6, &d), -1); /* underflow to 0 */
    assert_true(d == 7);
    /* Longer than the internal stack buffer. */
    char s[300];
    memset(s, '0', sizeof(s));
    s[0] = '0';
    s[1] = '.';
    s[299] = '5';
    assert_int_equal(str_to_d(s, sizeof(s), &d), 0);
    assert_true(d > 0 && d < 1e-290);
}

static const char *ld(long double v)
{
    static char b[5200];
    int n = ld_to_str(b, sizeof(b), v);
    assert_int_equal(n, (int)strlen(b));
    return b;
}

static void test_ld_to_str(void **state)
{
    (void)state;
    long double v;
    assert_int_equal(str_to_ld("3.0e3", 5, &v), 0);
    assert_string_equal(ld(v), "3000");
    assert_int_equal(str_to_ld("10.5", 4, &v), 0);
    long double inc;
    assert_int_equal(str_to_ld("0.1", 3, &inc), 0);
    assert_string_equal(ld(v + inc), "10.6");
    assert_string_equal(ld(0.0L), "0");
    assert_string_equal(ld(-0.0L), "0"); /* "-0" is printed as "0" */
    assert_string_equal(ld(1.5L), "1.5");
    assert_string_equal(ld(-1.25L), "-1.25");
    assert_string_equal(ld(100.0L), "100");
    assert_string_equal(ld(4.0e-18L), "0"); /* below 17 decimals */
    assert_string_equal(ld(1e20L), "100000000000000000000");
    assert_string_equal(ld(INFINITY), "inf");
    assert_string_equal(ld(-INFINITY), "-inf");
    char b[8];
    assert_int_equal(ld_to_str(b, 4, -INFINITY), 0);
    assert_int_equal(ld_to_str(b, sizeof(b), 1e10L), 0); /* does not fit */
    assert_int_equal(ld_to_str(b, sizeof(b), 1.0L), 0);  /* "1.00000000000000000" */
}

static void test_d_to_str(void **state)
{
    (void)state;
    char b[64];
    assert_int_equal(d_to_str(b, sizeof(b), 1.5), 3);
    assert_string_equal(b, "1.5");
    d_to_str(b, sizeof(b), 1.1);
    assert_string_equal(b, "1.1000000000000001");
    d_to_str(b, sizeof(b), 3.0);
    assert_string_equal(b, "3");
    d_to_str(b, sizeof(b), -0.0);
    assert_string_equal(b, "-0");
    d_to_str(b, sizeof(b), 1e300);
    assert_string_equal(b, "1.0000000000000001e+300");
    d_to_str(b, sizeof(b), INFINITY);
    assert_string_equal(b, "inf");
    d_to_str(b, sizeof(b), -INFINITY);
    assert_string_equal(b, "-inf");
    assert_int_equal(d_to_str(b, 3, 1.5), 0);
}

/* ---- glob ---- */

static int gm(const char *pat, const char *s)
{
    return glob_match(pat, strlen(pat), s, strlen(s), 0);
}

static int gmi(const char *pat, const char *s)
{
    return glob_match(pat, strlen(pat), s, strlen(s), 1);
}

static void test_glob(void **state)
{
    (void)state;
    assert_true(gm("*", "anything"));
    assert_true(gm("h?llo", "hello"));
    assert_true(gm("h?llo", "hallo"));
    assert_false(gm("h?llo", "hllo"));
    assert_true(gm("h*llo", "hllo"));
    assert_true(gm("h*llo", "heeeello"));
    assert_true(gm("h[ae]llo", "hello"));
    assert_true(gm("h[ae]llo", "hallo"));
    assert_false(gm("h[ae]llo", "hillo"));
    assert_true(gm("h[^e]llo", "hallo"));
    assert_false(gm("h[^e]llo", "hello"));
    assert_true(gm("h[a-b]llo", "hbllo"));
    assert_false(gm("h[a-b]llo", "hcllo"));
    assert_true(gm("h[b-a]llo", "hallo")); /* reversed range */
    assert_true(gm("[0-9][0-9]", "42"));
    assert_false(gm("[0-9]", "a"));
    assert_true(gm("a[\\]]b", "a]b")); /* escaped ] in a class */
    assert_true(gm("a[\\-]b", "a-b"));
    assert_true(gm("\\*", "*"));
    assert_false(gm("\\*", "a"));
    assert_true(gm("\\?x", "?x"));
    assert_false(gm("\\?x", "ax"));
    assert_true(gm("a\\", "a\\")); /* trailing backslash matches itself */
    assert_true(gm("a[bc", "ab")); /* unterminated class: as Redis */
    assert_false(gm("abc", "abcd"));
    assert_false(gm("abcd", "abc"));
    assert_true(gm("abc*", "abc"));
    assert_true(gm("abc**", "abc"));
    assert_true(gm("*b*", "abc"));
    assert_true(gm("", ""));
    assert_true(gm("*", "")); /* unlike stringmatchlen, see glob_match */
    assert_true(gm("**", ""));
    assert_false(gm("*a", ""));
    assert_false(gm("?", ""));
    assert_false(gm("", "a"));
    assert_false(gm("Hello", "hello"));
    assert_true(gmi("Hello", "hELLO"));
    assert_true(gmi("[A-C]x", "bX"));
    assert_true(gmi("[^A-C]x", "dX"));
    /* Binary: NUL bytes inside pattern and subject. */
    assert_true(glob_match("a\0*", 3, "a\0zz", 4, 0));
    assert_false(glob_match("a\0*", 3, "a\1zz", 4, 0));

    /* Pathological patterns finish quickly (no exponential backtracking)
     * and deep nesting is cut off instead of overflowing the stack. */
    char pat[4000], s[4000];
    size_t pl = 0;
    for (int i = 0; i < 30; i++) {
        pat[pl++] = 'a';
        pat[pl++] = '*';
    }
    pat[pl++] = 'b';
    memset(s, 'a', 200);
    assert_false(glob_match(pat, pl, s, 200, 0));
    memset(pat, '*', sizeof(pat));
    for (size_t i = 0; i < sizeof(pat); i += 2)
        pat[i] = 'a';
    memset(s, 'a', sizeof(s));
    /* 2000 nested stars exceed the nesting limit: no match, no crash. */
    assert_false(glob_match(pat, sizeof(pat) - 1, s, sizeof(s), 0));
}

static void test_eq_nocase(void **state)
{
    (void)state;
    assert_true(eq_nocase("GET", 3, "get"));
    assert_true(eq_nocase("gEt", 3, "GeT"));
    assert_false(eq_nocase("GET", 2, "get"));
    assert_false(eq_nocase("GETX", 4, "get"));
    assert_false(eq_nocase("GE", 2, "get"));
    assert_true(eq_nocase("", 0, ""));
    assert_false(eq_nocase("a\0", 2, "a"));
}

static void test_mem_to_ll(void **state)
{
    (void)state;
    long long v = 0;
    assert_int_equal(mem_to_ll("100", &v), 0);
    assert_int_equal(v, 100);
    assert_int_equal(mem_to_ll("100b", &v), 0);
    assert_int_equal(v, 100);
    assert_int_equal(mem_to_ll("10k", &v), 0);
    assert_int_equal(v, 10000);
    assert_int_equal(mem_to_ll("10kb", &v), 0);
    assert_int_equal(v, 10240);
    assert_int_equal(mem_to_ll("2m", &v), 0);
    assert_int_equal(v, 2000000);
    assert_int_equal(mem_to_ll("64mb", &v), 0);
    assert_int_equal(v, 64LL << 20);
    assert_int_equal(mem_to_ll("64MB", &v), 0);
    assert_int_equal(v, 64LL << 20);
    assert_int_equal(mem_to_ll("3g", &v), 0);
    assert_int_equal(v, 3000000000LL);
    assert_int_equal(mem_to_ll("1Gb", &v), 0);
    assert_int_equal(v, 1LL << 30);
    assert_int_equal(mem_to_ll("-1", &v), 0);
    assert_int_equal(v, -1);
    assert_int_equal(mem_to_ll("-2kb", &v), 0);
    assert_int_equal(v, -2048);
    assert_int_equal(mem_to_ll("007", &v), 0);
    assert_int_equal(v, 7);
    assert_int_equal(mem_to_ll("0", &v), 0);
    assert_int_equal(v, 0);
    v = 99;
    assert_int_equal(mem_to_ll("", &v), -1);
    assert_int_equal(mem_to_ll("-", &v), -1);
    assert_int_equal(mem_to_ll("mb", &v), -1);
    assert_int_equal(mem_to_ll("10tb", &v), -1);
    assert_int_equal(mem_to_ll("10 mb", &v), -1);
    assert_int_equal(mem_to_ll("1.5gb", &v), -1);
    assert_int_equal(mem_to_ll("+1", &v), -1);
    assert_int_equal(mem_to_ll("99999999999999999999", &v), -1);
    assert_int_equal(mem_to_ll("9999999999999gb", &v), -1); /* overflow after scaling */
    assert_int_equal(v, 99);
    assert_int_equal(mem_to_ll("9223372036854775807", &v), 0);
    assert_int_equal(v, INT64_MAX);
}

/* ---- hashing ---- */

/* An independent, straightforward SipHash-c-d, checked against the
 * reference 2-4 vectors, then used to derive 1-3 answers. */
static uint64_t rotl64(uint64_t x, int b)
{
    return (x << b) | (x >> (64 - b));
}

static uint64_t ref_siphash(const uint8_t *in, size_t len, const uint8_t k[16], int c, int d)
{
    uint64_t k0 = 0, k1 = 0;
    for (int i = 7; i >= 0; i--) {
        k0 = (k0 << 8) | k[i];
        k1 = (k1 << 8) | k[8 + i];
    }
    uint64_t v[4] = {0x736f6d6570736575ULL ^ k0, 0x646f72616e646f6dULL ^ k1,
                     0x6c7967656e657261ULL ^ k0, 0x7465646279746573ULL ^ k1};
    size_t nblocks = len / 8 + 1; /* the last block carries the length */
    for (size_t blk = 0; blk < nblocks; blk++) {
        uint64_t m = 0;
        for (int i = 7; i >= 0; i--) {
            size_t idx = blk * 8 + (size_t)i;
            uint8_t byte;
            if (blk == nblocks - 1)
                byte = i == 7 ? (uint8_t)len : (idx < len ? in[idx] : 0);
            else
                byte = in[idx];
            m = (m << 8) | byte;
        }
        v[3] ^= m;
        for (int r = 0; r < c; r++) {
            v[0] += v[1];
            v[1] = rotl64(v[1], 13);
            v[1] ^= v[0];
            v[0] = rotl64(v[0], 32);
            v[2] += v[3];
            v[3] = rotl64(v[3], 16);
            v[3] ^= v[2];
            v[0] += v[3];
            v[3] = rotl64(v[3], 21);
            v[3] ^= v[0];
            v[2] += v[1];
            v[1] = rotl64(v[1], 17);
            v[1] ^= v[2];
            v[2] = rotl64(v[2], 32);
        }
        v[0] ^= m;
    }
    v[2] ^= 0xff;
    for (int r = 0; r < d; r++) {
        v[0] += v[1];
        v[1] = rotl64(v[1], 13);
        v[1] ^= v[0];
        v[0] = rotl64(v[0], 32);
        v[2] += v[3];
        v[3] = rotl64(v[3], 16);
        v[3] ^= v[2];
        v[0] += v[3];
        v[3] = rotl64(v[3], 21);
        v[3] ^= v[0];
        v[2] += v[1];
        v[1] = rotl64(v[1], 17);
        v[1] ^= v[2];
        v[2] = rotl64(v[2], 32);
    }
    return v[0] ^ v[1] ^ v[2] ^ v[3];
}

static void test_siphash(void **state)
{
    (void)state;
    uint8_t key[16], msg[64];
    for (int i = 0; i < 16; i++)
        key[i] = (uint8_t)i;
    for (int i = 0; i < 64; i++)
        msg[i] = (uint8_t)i;

    /* The SipHash paper's 2-4 answers (key 00..0f, message 00..len-1)
     * validate the reference implementation above. */
    assert_true(ref_siphash(msg, 0, key, 2, 4) == 0x726fdb47dd0e0e31ULL);
    assert_true(ref_siphash(msg, 8, key, 2, 4) == 0x93f5f5799a932462ULL);
    assert_true(ref_siphash(msg, 15, key, 2, 4) == 0xa129ca6149be45e5ULL);
    assert_true(ref_siphash(msg, 63, key, 2, 4) == 0x958a324ceb064572ULL);

    /* Default key (all zeros) before any hash_set_seed: published 1-3
     * answers for the zero key. */
    assert_true(hash_bytes("", 0) == 0xd1fba762150c532cULL);
    assert_true(hash_bytes("siphash", 7) == 0x8264ceeccb16bcbeULL);
    assert_true(hash_bytes("digest-sip_hash", 15) == 0xce31007e34130c0aULL);

    hash_set_seed(key);
    for (size_t len = 0; len <= 64; len++)
        assert_true(hash_bytes(msg, len) == ref_siphash(msg, len, key, 1, 3));

    /* nocase equals hashing the lowercased bytes, at every tail length. */
    const char *mixed = "Hello WORLD, SipHash-1-3 With MiXeD CaSe \xC3\x89t\xC3\xA9";
    char lowered[128];
    size_t ml = strlen(mixed);
    for (size_t i = 0; i < ml; i++) {
        char ch = mixed[i];
        lowered[i] = (ch >= 'A' && ch <= 'Z') ? (char)(ch + 32) : ch;
    }
    for (size_t len = 0; len <= ml; len++) {
        assert_true(hash_bytes_nocase(mixed, len) == hash_bytes(lowered, len));
        assert_true(hash_bytes_nocase(mixed, len) == hash_bytes_nocase(lowered, len));
    }
    assert_true(hash_bytes("GET", 3) != hash_bytes("get", 3));

    uint8_t zero[16] = {0};
    hash_set_seed(zero);
    assert_true(hash_bytes("", 0) == 0xd1fba762150c532cULL);
}

static void test_rand(void **state)
{
    (void)state;
    rand_seed(42);
    uint64_t a[8];
    for (int i = 0; i < 8; i++)
        a[i] = rand_u64();
    rand_seed(42);
    for (int i = 0; i < 8; i++)
        assert_true(rand_u64() == a[i]);
    rand_seed(43);
    assert_true(rand_u64() != a[0]);
    /* Seed 0 must not give the all-zero (stuck) xoshiro state. */
    rand_seed(0);
    uint64_t x = rand_u64(), y = rand_u64();
    assert_true(x != 0 || y != 0);
    assert_true(x != y);
    /* Rough uniformity of the low bit. */
    int ones = 0;
    for (int i = 0; i < 10000; i++)
        ones += (int)(rand_u64() & 1);
    assert_in_range(ones, 4500, 5500);
}

static void test_clock(void **state)
{
    (void)state;
    int64_t ms = mstime(), us = ustime();
    assert_true(ms > 1600000000000LL);
    assert_true(us / 1000 - ms >= -5 && us / 1000 - ms <= 1000);
    int64_t m1 = monotonic_us(), m2 = monotonic_us();
    assert_true(m2 >= m1);
}

/* ---- alloc ---- */

static void test_xalloc(void **state)
{
    (void)state;
    char *s = xstrdup("hello");
    assert_string_equal(s, "hello");
    char *m = xmemdup("a\0b", 3);
    assert_memory_equal(m, "a\0b", 3);
    int *z = xcalloc(4, sizeof(int));
    assert_int_equal(z[0] + z[1] + z[2] + z[3], 0);
    s = xrealloc(s, 100);
    assert_string_equal(s, "hello");
    void *zero = xmalloc(0); /* never NULL */
    assert_non_null(zero);
    free(zero);
    free(s);
    free(m);
    free(z);
}

/* ---- buf ---- */

static void test_buf(void **state)
{
    (void)state;
    struct buf b = BUF_INIT;
    buf_append(&b, "abc", 3);
    buf_append_char(&b, 'd');
    buf_append_str(&b, "ef");
    assert_int_equal(b.len, 6);
    assert_memory_equal(b.data, "abcdef", 6);
    assert_true(b.cap > b.len);
    buf_printf(&b, "-%d-%s", 42, "x");
    assert_int_equal(b.len, 11);
    assert_memory_equal(b.data, "abcdef-42-x", 11);
    /* A printf longer than the spare room forces the second pass. */
    char big[1000];
    memset(big, 'z', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    buf_printf(&b, "%s!", big);
    assert_int_equal(b.len, 11 + 999 + 1);
    assert_int_equal(b.data[b.len - 1], '!');
    assert_int_equal(b.data[11], 'z');
    buf_consume(&b, 3);
    assert_int_equal(b.len, 1008);
    assert_memory_equal(b.data, "def-42-xz", 9);
    buf_consume(&b, b.len);
    assert_int_equal(b.len, 0);
    size_t cap = b.cap;
    buf_append(&b, "\0\r\n", 3); /* binary safe */
    assert_int_equal(b.len, 3);
    assert_memory_equal(b.data, "\0\r\n", 3);
    buf_clear(&b);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, cap); /* allocation kept */
    buf_reserve(&b, 10000);
    assert_true(b.cap >= 10000);
    assert_int_equal(buf_try_reserve(&b, 5), 0);
    assert_int_equal(buf_try_reserve(&b, SIZE_MAX), -ENOMEM);
    buf_append(&b, NULL, 0);
    assert_int_equal(b.len, 0);
    buf_free(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
    /* Reusable after free. */
    buf_init(&b);
    buf_append_str(&b, "again");
    assert_int_equal(b.len, 5);
    buf_free(&b);
}

/* ---- log ---- */

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *d = malloc(1 << 16);
    *len = fread(d, 1, (1 << 16) - 1, f);
    d[*len] = '\0';
    fclose(f);
    return d;
}

static void test_log(void **state)
{
    (void)state;
    char path[64], rotated[80];
    snprintf(path, sizeof(path), "/tmp/rc_test_log_%d.log", (int)getpid());
    snprintf(rotated, sizeof(rotated), "%s.1", path);
    unlink(path);
    unlink(rotated);

    assert_int_equal(log_level_parse("debug"), LOG_DEBUG);
    assert_int_equal(log_level_parse("VERBOSE"), LOG_VERBOSE);
    assert_int_equal(log_level_parse("notice"), LOG_NOTICE);
    assert_int_equal(log_level_parse("warning"), LOG_WARNING);
    assert_int_equal(log_level_parse("loud"), -1);
    assert_string_equal(log_level_name(LOG_WARNING), "warning");

    assert_true(log_set_file("/nonexistent-dir/x.log") < 0);
    assert_int_equal(log_set_file(path), 0);
    log_set_level(LOG_NOTICE);
    assert_int_equal(log_get_level(), LOG_NOTICE);
    log_debug("hidden %d", 1);
    log_verbose("hidden %d", 2);
    log_notice("hello %s", "world");
    log_warning("careful");

    size_t n;
    char *d = slurp(path, &n);
    /* <pid>:M DD Mon YYYY HH:MM:SS.mmm * hello world */
    char want_prefix[32];
    snprintf(want_prefix, sizeof(want_prefix), "%d:M ", (int)getpid());
    assert_memory_equal(d, want_prefix, strlen(want_prefix));
    char *line1_end = strchr(d, '\n');
    assert_non_null(line1_end);
    const char *rest = d + strlen(want_prefix);
    int day, year, hh, mm, ss, msec;
    char mon[4], lvl;
    char msg[64];
    assert_int_equal(sscanf(rest, "%2d %3s %4d %2d:%2d:%2d.%3d %c %63[^\n]", &day, mon, &year, &hh,
                            &mm, &ss, &msec, &lvl, msg),
                     9);
    assert_int_equal(lvl, '*');
    assert_string_equal(msg, "hello world");
    /* Fixed-width time fields, as Redis prints them. */
    assert_int_equal(rest[2], ' ');
    assert_int_equal(rest[6], ' ');
    assert_int_equal(rest[11], ' ');
    assert_int_equal(rest[20], '.');
    assert_int_equal(rest[24], ' ');
    assert_non_null(strstr(line1_end + 1, " # careful\n"));
    assert_null(strstr(d, "hidden"));
    free(d);

    /* logrotate: the file is moved, log_reopen starts a new one. */
    assert_int_equal(rename(path, rotated), 0);
    log_notice("to rotated");
    assert_int_equal(log_reopen(), 0);
    log_notice("to new");
    d = slurp(rotated, &n);
    assert_non_null(strstr(d, "to rotated"));
    assert_null(strstr(d, "to new"));
    free(d);
    d = slurp(path, &n);
    assert_non_null(strstr(d, "to new"));
    free(d);

    /* Long messages are truncated to one line of bounded size. */
    char *longmsg = malloc(20000);
    memset(longmsg, 'L', 19999);
    longmsg[19999] = '\0';
    unlink(path);
    assert_int_equal(log_reopen(), 0);
    log_notice("%s", longmsg);
    d = slurp(path, &n);
    assert_true(n > 8000 && n < 8300);
    assert_int_equal(d[n - 1], '\n');
    assert_ptr_equal(strchr(d, '\n'), d + n - 1);
    free(d);
    free(longmsg);

    log_set_level(LOG_DEBUG);
    log_debug("dbg");
    d = slurp(path, &n);
    assert_non_null(strstr(d, " . dbg\n"));
    free(d);
    log_set_level(LOG_NOTICE);

    assert_int_equal(log_set_file(""), 0);
    assert_int_equal(log_reopen(), 0); /* stdout: nothing to reopen */
    unlink(path);
    unlink(rotated);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_str_to_ll), cmocka_unit_test(test_ll_to_str),
        cmocka_unit_test(test_str_to_ld), cmocka_unit_test(test_str_to_d),
        cmocka_unit_test(test_ld_to_str), cmocka_unit_test(test_d_to_str),
        cmocka_unit_test(test_glob),      cmocka_unit_test(test_eq_nocase),
        cmocka_unit_test(test_mem_to_ll), cmocka_unit_test(test_siphash),
        cmocka_unit_test(test_rand),      cmocka_unit_test(test_clock),
        cmocka_unit_test(test_xalloc),    cmocka_unit_test(test_buf),
        cmocka_unit_test(test_log),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
