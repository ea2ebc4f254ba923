/* util: small helpers shared by every module.  Pure: no I/O but the clock. */
#ifndef RC_UTIL_H
#define RC_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Allocation that aborts (with a log line) on out-of-memory.  Used for
 * server-sized allocations; client-sized ones use plain malloc and fail the
 * request. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
void *xmemdup(const void *p, size_t n);

/* Wall clock in ms / us since the epoch, and a monotonic clock in us. */
int64_t mstime(void);
int64_t ustime(void);
int64_t monotonic_us(void);

/* Strict decimal integer parsing as Redis's string2ll: no spaces, no leading
 * '+', no leading zeros, must fit in int64.  Returns 0 on success, -1 on any
 * error; *out written only on success. */
int str_to_ll(const char *s, size_t len, long long *out);
/* Decimal to unsigned long long / long double with Redis's rules
 * (string2ld: no spaces, no nan, finite). */
int str_to_ld(const char *s, size_t len, long double *out);
/* Double as Redis parses scores / INCRBYFLOAT arguments: accepts inf, -inf,
 * rejects nan and trailing garbage. */
int str_to_d(const char *s, size_t len, double *out);
/* Writes the decimal form of v into dst (size >= 21); returns the length. */
int ll_to_str(char *dst, size_t size, long long v);
/* Formats a long double as INCRBYFLOAT does ("%.17Lg", no trailing zeros,
 * no exponent); returns the length, 0 if it does not fit. */
int ld_to_str(char *dst, size_t size, long double v);
/* Formats a double as Redis's RESP3 double / ZSCORE do ("%.17g" with inf). */
int d_to_str(char *dst, size_t size, double v);

/* Glob-style match as Redis's stringmatchlen: * ? [abc] [^a] [a-z] \x.
 * nocase: ASCII case-insensitive. */
int glob_match(const char *pattern, size_t plen, const char *s, size_t slen, int nocase);

/* Case-insensitive compare of a counted string with a C string. */
int eq_nocase(const char *s, size_t len, const char *cstr);

/* Parses "64mb", "1gb", "100", "10k" (Redis memtoll rules: k=1000,
 * kb=1024, m, mb, g, gb).  0 on success, -1 on error. */
int mem_to_ll(const char *s, long long *out);

/* A fast non-cryptographic PRNG (xoshiro256**), seeded once. */
void rand_seed(uint64_t seed);
uint64_t rand_u64(void);

/* SipHash-1-3 of a byte string with the process's random key, for hash
 * tables that hold untrusted keys (defeats hash flooding). */
uint64_t hash_bytes(const void *p, size_t len);
/* Case-insensitive variant (for the command table). */
uint64_t hash_bytes_nocase(const void *p, size_t len);
void hash_set_seed(const uint8_t seed[16]);

#endif
