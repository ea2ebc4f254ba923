/* Unit tests for util/sha256: the FIPS 180-4 example messages (and the
 * million 'a'), lengths around the padding boundaries (55/56/64 bytes mod
 * 64), incremental hashing equal to one shot for every split point, the
 * RFC 4231 HMAC-SHA256 test cases 1-7 (case 5 truncated to 128 bits as the
 * RFC gives it), keys at and around the block size, and the constant-time
 * comparison. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/sha256.h"

static void hex(const uint8_t *d, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", d[i]);
    out[2 * n] = '\0';
}

static void check_sha(const void *p, size_t n, const char *want)
{
    uint8_t d[SHA256_DIGEST_LEN];
    char h[2 * SHA256_DIGEST_LEN + 1];
    sha256(p, n, d);
    hex(d, sizeof(d), h);
    assert_string_equal(h, want);
}

static void check_hmac(const void *key, size_t klen, const void *p, size_t n, const char *want)
{
    uint8_t d[SHA256_DIGEST_LEN];
    char h[2 * SHA256_DIGEST_LEN + 1];
    hmac_sha256(key, klen, p, n, d);
    hex(d, sizeof(d), h);
    /* want may be truncated (RFC 4231 test case 5) */
    assert_int_equal(strncmp(h, want, strlen(want)), 0);
}

/* FIPS 180-4 / NIST CSRC "SHA256.pdf" examples. */
static void test_fips_examples(void **state)
{
    (void)state;
    check_sha("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    check_sha("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    check_sha(m448, strlen(m448),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    const char *m896 = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
                       "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
    check_sha(m896, strlen(m896),
              "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

static void test_million_a(void **state)
{
    (void)state;
    /* Fed in uneven pieces so the buffering path is used too. */
    uint8_t chunk[997];
    memset(chunk, 'a', sizeof(chunk));
    struct sha256_ctx c;
    sha256_init(&c);
    size_t left = 1000000;
    while (left > 0) {
        size_t n = left < sizeof(chunk) ? left : sizeof(chunk);
        sha256_update(&c, chunk, n);
        left -= n;
    }
    uint8_t d[SHA256_DIGEST_LEN];
    char h[2 * SHA256_DIGEST_LEN + 1];
    sha256_final(&c, d);
    hex(d, sizeof(d), h);
    assert_string_equal(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* Padding edges: 55 bytes is the longest message whose length fits in the
 * same block, 56 needs a second one, 64 fills a block exactly. */
static void test_padding_boundaries(void **state)
{
    (void)state;
    static const struct {
        size_t n;
        const char *want;
    } cases[] = {
        {55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"},
        {56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"},
        {57, "f13b2d724659eb3bf47f2dd6af1accc87b81f09f59f2b75e5c0bed6589dfe8c6"},
        {63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"},
        {64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"},
        {65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0"},
        {119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"},
        {120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c"},
        {128, "6836cf13bac400e9105071cd6af47084dfacad4e5e302c94bfed24e013afb73e"},
    };
    char a[128];
    memset(a, 'a', sizeof(a));
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        check_sha(a, cases[i].n, cases[i].want);
}

/* Any split of the input into two or three updates gives the one-shot
 * digest. */
static void test_incremental_splits(void **state)
{
    (void)state;
    uint8_t msg[200];
    for (size_t i = 0; i < sizeof(msg); i++)
        msg[i] = (uint8_t)(i * 7 + 3);
    uint8_t want[SHA256_DIGEST_LEN];
    sha256(msg, sizeof(msg), want);
    for (size_t a = 0; a <= sizeof(msg); a++) {
        for (size_t b = a; b <= sizeof(msg); b += 13) {
            struct sha256_ctx c;
            uint8_t got[SHA256_DIGEST_LEN];
            sha256_init(&c);
            sha256_update(&c, msg, a);
            sha256_update(&c, msg + a, b - a);
            sha256_update(&c, msg + b, sizeof(msg) - b);
            sha256_final(&c, got);
            assert_memory_equal(got, want, sizeof(want));
        }
    }
}

/* RFC 4231 section 4. */
static void test_rfc4231(void **state)
{
    (void)state;
    uint8_t k[131];

    memset(k, 0x0b, 20);
    check_hmac(k, 20, "Hi There", 8,
               "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");

    check_hmac("Jefe", 4, "what do ya want for nothing?", 28,
               "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");

    uint8_t d[50];
    memset(k, 0xaa, 20);
    memset(d, 0xdd, sizeof(d));
    check_hmac(k, 20, d, sizeof(d),
               "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");

    for (int i = 0; i < 25; i++)
        k[i] = (uint8_t)(i + 1);
    memset(d, 0xcd, sizeof(d));
    check_hmac(k, 25, d, sizeof(d),
               "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");

    memset(k, 0x0c, 20);
    check_hmac(k, 20, "Test With Truncation", 20, "a3b6167473100ee06e0c796c2955552b");

    memset(k, 0xaa, 131);
    const char *m6 = "Test Using Larger Than Block-Size Key - Hash Key First";
    check_hmac(k, 131, m6, strlen(m6),
               "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    const char *m7 = "This is a test using a larger than block-size key and a larger "
                     "than block-size data. The key needs to be hashed before being "
                     "used by the HMAC algorithm.";
    check_hmac(k, 131, m7, strlen(m7),
               "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

/* An empty key (the transport's "no secret" mode still MACs its handshake
 * transcript) and a key of exactly one block (not hashed). */
static void test_hmac_key_edges(void **state)
{
    (void)state;
    check_hmac("", 0, "", 0, "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
    uint8_t k[64];
    memset(k, 'k', sizeof(k));
    check_hmac(k, sizeof(k), "msg", 3,
               "d62ad25bb128e96ab6ef43464aaf2bb91b5b85f013381e9ba6be747e8d0911b2");

    /* Incremental HMAC equals one shot. */
    const char *m = "This is a test using a larger than block-size key and a larger "
                    "than block-size data.";
    uint8_t one[SHA256_DIGEST_LEN], inc[SHA256_DIGEST_LEN];
    hmac_sha256("Jefe", 4, m, strlen(m), one);
    struct hmac_sha256_ctx c;
    hmac_sha256_init(&c, "Jefe", 4);
    hmac_sha256_update(&c, m, 10);
    hmac_sha256_update(&c, m + 10, 0);
    hmac_sha256_update(&c, m + 10, strlen(m) - 10);
    hmac_sha256_final(&c, inc);
    assert_memory_equal(one, inc, sizeof(one));

    /* A different key gives a different MAC. */
    hmac_sha256("Jeff", 4, m, strlen(m), inc);
    assert_memory_not_equal(one, inc, sizeof(one));
}

static void test_equal_ct(void **state)
{
    (void)state;
    uint8_t a[32], b[32];
    memset(a, 0x5a, sizeof(a));
    memcpy(b, a, sizeof(b));
    assert_true(sha256_equal_ct(a, b, sizeof(a)));
    assert_true(sha256_equal_ct(a, b, 0));
    b[0] ^= 1;
    assert_false(sha256_equal_ct(a, b, sizeof(a)));
    b[0] ^= 1;
    b[31] ^= 0x80;
    assert_false(sha256_equal_ct(a, b, sizeof(a)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fips_examples),
        cmocka_unit_test(test_million_a),
        cmocka_unit_test(test_padding_boundaries),
        cmocka_unit_test(test_incremental_splits),
        cmocka_unit_test(test_rfc4231),
        cmocka_unit_test(test_hmac_key_edges),
        cmocka_unit_test(test_equal_ct),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
