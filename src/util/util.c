/* util: small shared helpers (see util.h).
 *
 * The number parsers and formatters follow Redis's util.c rules exactly,
 * because their accept/reject decisions are visible to clients (an INCR on
 * "012" must fail as it does on redis-server, INCRBYFLOAT must print 10.6
 * and not 10.59999999999999964). */
#include "util/util.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "util/log.h"

/* ---- allocation ---- */

static void oom(size_t n)
{
    log_warning("Out Of Memory allocating %zu bytes!", n);
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (p == NULL)
        oom(n);
    return p;
}

void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (p == NULL)
        oom(n * size);
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (q == NULL)
        oom(n);
    return q;
}

char *xstrdup(const char *s)
{
    return xmemdup(s, strlen(s) + 1);
}

void *xmemdup(const void *p, size_t n)
{
    void *q = xmalloc(n);
    if (n)
        memcpy(q, p, n);
    return q;
}

/* ---- clocks ---- */

int64_t ustime(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t mstime(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t monotonic_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- numbers ---- */

/* Redis's LONG_STR_SIZE: the longest int64 ("-9223372036854775808") is 20
 * chars, so 21 or more can never be valid. */
#define LONG_STR_SIZE 21
/* Redis's MAX_LONG_DOUBLE_CHARS. */
#define MAX_LD_CHARS (5 * 1024)

int str_to_ll(const char *s, size_t len, long long *out)
{
    size_t i = 0;
    int negative = 0;
    unsigned long long v;

    if (len == 0 || len >= LONG_STR_SIZE)
        return -1;
    if (len == 1 && s[0] == '0') {
        *out = 0;
        return 0;
    }
    if (s[0] == '-') {
        negative = 1;
        i++;
        if (i == len)
            return -1;
    }
    /* The first digit must be 1-9: this rejects "-0", "007" and "+1". */
    if (s[i] < '1' || s[i] > '9')
        return -1;
    v = (unsigned long long)(s[i] - '0');
    i++;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > ULLONG_MAX / 10)
            return -1;
        v *= 10;
        if (v > ULLONG_MAX - d)
            return -1;
        v += d;
    }
    if (negative) {
        if (v > (unsigned long long)LLONG_MAX + 1)
            return -1;
        /* Negating in unsigned space avoids overflow for LLONG_MIN. */
        *out = (long long)(0ULL - v);
    } else {
        if (v > (unsigned long long)LLONG_MAX)
            return -1;
        *out = (long long)v;
    }
    return 0;
}

int str_to_ld(const char *s, size_t len, long double *out)
{
    char buf[MAX_LD_CHARS];
    char *end;
    long double v;

    if (len == 0 || len >= sizeof(buf))
        return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    errno = 0;
    v = strtold(buf, &end);
    /* Redis accepts "inf" here (INCRBYFLOAT then reports "increment would
     * produce NaN or Infinity"), but not an overflow to infinity or an
     * underflow to zero. */
    if (isspace((unsigned char)buf[0]) || *end != '\0' || (size_t)(end - buf) != len ||
        (errno == ERANGE && (v == HUGE_VALL || v == -HUGE_VALL || fpclassify(v) == FP_ZERO)) ||
        errno == EINVAL || isnan(v))
        return -1;
    *out = v;
    return 0;
}

int str_to_d(const char *s, size_t len, double *out)
{
    char small[128];
    char *buf = small;
    char *end;
    double v;
    int rc = -1;

    if (len == 0 || isspace((unsigned char)s[0]))
        return -1;
    if (len >= sizeof(small)) {
        /* Client-sized: fail the parse rather than the process. */
        buf = malloc(len + 1);
        if (buf == NULL)
            return -1;
    }
    memcpy(buf, s, len);
    buf[len] = '\0';
    errno = 0;
    v = strtod(buf, &end);
    if ((size_t)(end - buf) != len ||
        (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL || fpclassify(v) == FP_ZERO)) ||
        isnan(v))
        goto cleanup;
    *out = v;
    rc = 0;
cleanup:
    if (buf != small)
        free(buf);
    return rc;
}

static const char digit_pairs[201] = "00010203040506070809"
                                     "10111213141516171819"
                                     "20212223242526272829"
                                     "30313233343536373839"
                                     "40414243444546474849"
                                     "50515253545556575859"
                                     "60616263646566676869"
                                     "70717273747576777879"
                                     "80818283848586878889"
                                     "90919293949596979899";

int ll_to_str(char *dst, size_t size, long long v)
{
    char tmp[24];
    char *p = tmp + sizeof(tmp);
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

    /* Two digits per division halves the number of (slow) divisions. */
    while (u >= 100) {
        unsigned i = (unsigned)(u % 100) * 2;
        u /= 100;
        *--p = digit_pairs[i + 1];
        *--p = digit_pairs[i];
    }
    if (u < 10) {
        *--p = (char)('0' + u);
    } else {
        unsigned i = (unsigned)u * 2;
        *--p = digit_pairs[i + 1];
        *--p = digit_pairs[i];
    }
    if (v < 0)
        *--p = '-';
    size_t n = (size_t)(tmp + sizeof(tmp) - p);
    if (n + 1 > size)
        return 0;
    memcpy(dst, p, n);
    dst[n] = '\0';
    return (int)n;
}

int ld_to_str(char *dst, size_t size, long double v)
{
    int l;

    if (isinf(v)) {
        if (size < 5)
            return 0;
        l = v > 0 ? 3 : 4;
        memcpy(dst, v > 0 ? "inf" : "-inf", (size_t)l + 1);
        return l;
    }
    if (isnan(v)) {
        if (size < 4)
            return 0;
        memcpy(dst, "nan", 4);
        return 3;
    }
    /* 17 digits after the point, then trim: with 80-bit long doubles this
     * prints most short decimals exactly as the user typed them (as Redis's
     * ld2string LD_STR_HUMAN does). */
    l = snprintf(dst, size, "%.17Lf", v);
    if (l < 0 || (size_t)l + 1 > size)
        return 0;
    if (memchr(dst, '.', (size_t)l) != NULL) {
        while (dst[l - 1] == '0')
            l--;
        if (dst[l - 1] == '.')
            l--;
    }
    if (l == 2 && dst[0] == '-' && dst[1] == '0') {
        dst[0] = '0';
        l = 1;
    }
    dst[l] = '\0';
    return l;
}

int d_to_str(char *dst, size_t size, double v)
{
    int l;

    if (isinf(v)) {
        if (size < 5)
            return 0;
        l = v > 0 ? 3 : 4;
        memcpy(dst, v > 0 ? "inf" : "-inf", (size_t)l + 1);
        return l;
    }
    if (isnan(v)) {
        if (size < 4)
            return 0;
        memcpy(dst, "nan", 4);
        return 3;
    }
    l = snprintf(dst, size, "%.17g", v);
    if (l < 0 || (size_t)l + 1 > size)
        return 0;
    return l;
}

/* ---- glob ---- */

static int lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

/* Redis's stringmatchlen, written to never read outside [p, p+plen) (Redis
 * relies on a NUL terminator) and with the same two guards against
 * pathological patterns: a recursion depth limit, and *skip_longer, which
 * stops trying longer matches for an earlier '*' once the rest of the
 * pattern matched nowhere in the remaining string (making "a*a*a*...b"
 * polynomial instead of exponential). */
static int match_impl(const unsigned char *p, size_t plen, const unsigned char *s, size_t slen,
                      int nocase, int *skip_longer, int nesting)
{
    if (nesting > 1000)
        return 0;

    while (plen && slen) {
        switch (p[0]) {
        case '*':
            while (plen > 1 && p[1] == '*') {
                p++;
                plen--;
            }
            if (plen == 1)
                return 1;
            while (slen) {
                if (match_impl(p + 1, plen - 1, s, slen, nocase, skip_longer, nesting + 1))
                    return 1;
                if (*skip_longer)
                    return 0;
                s++;
                slen--;
            }
            *skip_longer = 1;
            return 0;
        case '?':
            s++;
            slen--;
            break;
        case '[': {
            int negate, match = 0;
            p++;
            plen--;
            negate = plen > 0 && p[0] == '^';
            if (negate) {
                p++;
                plen--;
            }
            for (;;) {
                if (plen == 0) {
                    /* Unterminated class: step back so the shared
                     * "advance past the pattern char" below lands at the
                     * end, as Redis does. */
                    p--;
                    plen++;
                    break;
                } else if (p[0] == '\\' && plen >= 2) {
                    p++;
                    plen--;
                    if (p[0] == s[0])
                        match = 1;
                } else if (p[0] == ']') {
                    break;
                } else if (plen >= 3 && p[1] == '-') {
                    int start = p[0], end = p[2], c = s[0];
                    if (start > end) {
                        int t = start;
                        start = end;
                        end = t;
                    }
                    if (nocase) {
                        start = lower(start);
                        end = lower(end);
                        c = lower(c);
                    }
                    p += 2;
                    plen -= 2;
                    if (c >= start && c <= end)
                        match = 1;
                } else if (nocase ? lower(p[0]) == lower(s[0]) : p[0] == s[0]) {
                    match = 1;
                }
                p++;
                plen--;
            }
            if (negate)
                match = !match;
            if (!match)
                return 0;
            s++;
            slen--;
            break;
        }
        case '\\':
            if (plen >= 2) {
                p++;
                plen--;
            }
            /* A trailing backslash matches itself. */
            /* fall through */
        default:
            if (nocase ? lower(p[0]) != lower(s[0]) : p[0] != s[0])
                return 0;
            s++;
            slen--;
            break;
        }
        p++;
        plen--;
        if (slen == 0) {
            while (plen && p[0] == '*') {
                p++;
                plen--;
            }
            break;
        }
    }
    return plen == 0 && slen == 0;
}

int glob_match(const char *pattern, size_t plen, const char *s, size_t slen, int nocase)
{
    int skip_longer = 0;
    /* One deliberate difference from stringmatchlen: there, no pattern but
     * "" matches an empty subject (not even "*"), and Redis hides that by
     * special-casing "*" in KEYS and SCAN.  Here an all-star pattern matches
     * the empty string, so a caller that forgets the shortcut still finds
     * the key "". */
    if (slen == 0) {
        while (plen && pattern[0] == '*') {
            pattern++;
            plen--;
        }
    }
    return match_impl((const unsigned char *)pattern, plen, (const unsigned char *)s, slen, nocase,
                      &skip_longer, 0);
}

int eq_nocase(const char *s, size_t len, const char *cstr)
{
    size_t i;
    for (i = 0; i < len; i++) {
        if (cstr[i] == '\0' || lower((unsigned char)s[i]) != lower((unsigned char)cstr[i]))
            return 0;
    }
    return cstr[i] == '\0';
}

/* ---- memory sizes ---- */

int mem_to_ll(const char *s, long long *out)
{
    static const struct {
        const char *suffix;
        long long mul;
    } units[] = {
        {"", 1},
        {"b", 1},
        {"k", 1000},
        {"kb", 1024},
        {"m", 1000LL * 1000},
        {"mb", 1024LL * 1024},
        {"g", 1000LL * 1000 * 1000},
        {"gb", 1024LL * 1024 * 1024},
    };
    const char *u = s;
    long long mul = 0, val;

    if (*u == '-')
        u++;
    while (*u >= '0' && *u <= '9')
        u++;
    for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
        if (strcasecmp(u, units[i].suffix) == 0) {
            mul = units[i].mul;
            break;
        }
    }
    if (mul == 0)
        return -1;
    /* Redis feeds the digits to strtoll; an empty or lone "-" number would
     * silently be 0 there, we reject it, and we reject overflow instead of
     * wrapping. */
    size_t ndigits = (size_t)(u - s);
    if (ndigits == 0 || (s[0] == '-' && ndigits == 1))
        return -1;
    /* Leading zeros are fine here (strtoll rules), so parse by hand. */
    const char *d = s[0] == '-' ? s + 1 : s;
    unsigned long long v = 0;
    for (; d < u; d++) {
        unsigned dig = (unsigned)(*d - '0');
        if (v > (ULLONG_MAX - dig) / 10)
            return -1;
        v = v * 10 + dig;
    }
    if (s[0] == '-') {
        if (v > (unsigned long long)LLONG_MAX + 1)
            return -1;
        val = (long long)(0ULL - v);
    } else {
        if (v > (unsigned long long)LLONG_MAX)
            return -1;
        val = (long long)v;
    }
    if (val > 0 ? val > LLONG_MAX / mul : val < LLONG_MIN / mul)
        return -1;
    *out = val * mul;
    return 0;
}

/* ---- random ---- */

static uint64_t rng_state[4];
static int rng_seeded;

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

void rand_seed(uint64_t seed)
{
    /* splitmix64 never yields an all-zero xoshiro state from any seed. */
    for (int i = 0; i < 4; i++)
        rng_state[i] = splitmix64(&seed);
    rng_seeded = 1;
}

uint64_t rand_u64(void)
{
    if (!rng_seeded)
        rand_seed(0);
    uint64_t *st = rng_state;
    const uint64_t result = rotl(st[1] * 5, 7) * 9;
    const uint64_t t = st[1] << 17;
    st[2] ^= st[0];
    st[3] ^= st[1];
    st[1] ^= st[2];
    st[0] ^= st[3];
    st[2] ^= t;
    st[3] = rotl(st[3], 45);
    return result;
}

/* ---- SipHash-1-3 ---- */

static uint8_t hash_key[16];

void hash_set_seed(const uint8_t seed[16])
{
    memcpy(hash_key, seed, sizeof(hash_key));
}

static uint64_t load_le64(const uint8_t *p)
{
    return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
           (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 |
           (uint64_t)p[7] << 56;
}

static uint64_t load_le64_lower(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | (uint64_t)lower(p[i]);
    return v;
}

#define SIPROUND                                                                                   \
    do {                                                                                           \
        v0 += v1;                                                                                  \
        v1 = rotl(v1, 13);                                                                         \
        v1 ^= v0;                                                                                  \
        v0 = rotl(v0, 32);                                                                         \
        v2 += v3;                                                                                  \
        v3 = rotl(v3, 16);                                                                         \
        v3 ^= v2;                                                                                  \
        v0 += v3;                                                                                  \
        v3 = rotl(v3, 21);                                                                         \
        v3 ^= v0;                                                                                  \
        v2 += v1;                                                                                  \
        v1 = rotl(v1, 17);                                                                         \
        v1 ^= v2;                                                                                  \
        v2 = rotl(v2, 32);                                                                         \
    } while (0)

static inline uint64_t siphash13(const uint8_t *in, size_t len, int nocase)
{
    const uint64_t k0 = load_le64(hash_key);
    const uint64_t k1 = load_le64(hash_key + 8);
    uint64_t v0 = 0x736f6d6570736575ULL ^ k0;
    uint64_t v1 = 0x646f72616e646f6dULL ^ k1;
    uint64_t v2 = 0x6c7967656e657261ULL ^ k0;
    uint64_t v3 = 0x7465646279746573ULL ^ k1;
    const uint8_t *end = in + (len - (len % 8));
    uint64_t b = (uint64_t)len << 56;

    for (; in != end; in += 8) {
        uint64_t m = nocase ? load_le64_lower(in) : load_le64(in);
        v3 ^= m;
        SIPROUND;
        v0 ^= m;
    }
    for (int i = (int)(len & 7) - 1; i >= 0; i--) {
        uint8_t c = in[i];
        b |= (uint64_t)(nocase ? (uint8_t)lower(c) : c) << (8 * i);
    }
    v3 ^= b;
    SIPROUND;
    v0 ^= b;
    v2 ^= 0xff;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

uint64_t hash_bytes(const void *p, size_t len)
{
    return siphash13(p, len, 0);
}

uint64_t hash_bytes_nocase(const void *p, size_t len)
{
    return siphash13(p, len, 1);
}
