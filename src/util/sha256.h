/* sha256: SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104), our own code.
 *
 * Used by the Raft transport's challenge-response handshake (the shared
 * secret never crosses the wire: each side proves it knows it with an HMAC
 * over fresh nonces).  Pure: no I/O, no allocation.  Tested against the
 * FIPS 180-4 examples and the RFC 4231 HMAC vectors (tests/unit/test_sha256.c).
 *
 * Both hashes are incremental: init, any number of updates (any split of the
 * input gives the same digest), final.  A context is a plain value: copy it
 * to hash a common prefix once.  final() wipes the context's secret state
 * (the key pads of an HMAC) so a freed context does not leave the key in
 * memory.
 */
#ifndef RC_SHA256_H
#define RC_SHA256_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_LEN 32
#define SHA256_BLOCK_LEN  64

struct sha256_ctx {
    uint32_t h[8];
    uint64_t bytes; /* message length so far */
    uint8_t block[SHA256_BLOCK_LEN];
    size_t fill; /* bytes buffered in block */
};

void sha256_init(struct sha256_ctx *c);
void sha256_update(struct sha256_ctx *c, const void *p, size_t n);
/* Writes the digest and wipes c (init it again to reuse it). */
void sha256_final(struct sha256_ctx *c, uint8_t out[SHA256_DIGEST_LEN]);
/* One shot. */
void sha256(const void *p, size_t n, uint8_t out[SHA256_DIGEST_LEN]);

struct hmac_sha256_ctx {
    struct sha256_ctx inner; /* H((K ^ ipad) || ...) */
    struct sha256_ctx outer; /* H((K ^ opad) || inner digest), prefix only */
};

/* key of any length (longer than a block is hashed first, as RFC 2104 says;
 * an empty key is allowed).  Borrows key for the call only. */
void hmac_sha256_init(struct hmac_sha256_ctx *c, const void *key, size_t key_len);
void hmac_sha256_update(struct hmac_sha256_ctx *c, const void *p, size_t n);
/* Writes the MAC and wipes c. */
void hmac_sha256_final(struct hmac_sha256_ctx *c, uint8_t out[SHA256_DIGEST_LEN]);
/* One shot. */
void hmac_sha256(const void *key, size_t key_len, const void *p, size_t n,
                 uint8_t out[SHA256_DIGEST_LEN]);

/* Compares two n-byte strings in time that depends on n only, not on where
 * they differ: MACs received from the network are checked with this so an
 * attacker cannot learn a valid MAC byte by byte from response times. */
bool sha256_equal_ct(const void *a, const void *b, size_t n);

#endif
