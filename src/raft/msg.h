/* raft/msg: the wire format of Raft messages between peers.
 *
 * Pure: no I/O.  The TCP transport frames each outgoing struct raft_msg with
 * raft_msg_encode() and feeds what it reads to raft_msg_decode(), an
 * incremental decoder in the style of hiredis's reader: a whole frame, "need
 * more bytes", or an error.  The bytes come from the network: every defect
 * is a return code, never an assert, and no allocation exceeds what the
 * caller's frame limit allows.
 *
 * Frame, version 1 (all integers little-endian):
 *
 *   off  size  field
 *     0     4  length L of the rest of the frame (body + CRC), bytes
 *     4     1  version = 1
 *     5     1  type (enum raft_msg_type; local types are refused)
 *     6     1  flags: bit 0 = reject; other bits must be 0
 *     7     1  reserved, must be 0
 *     8     8  from
 *    16     8  to
 *    24     8  term
 *    32     8  log_term
 *    40     8  index
 *    48     8  commit
 *    56     8  reject_hint
 *    64     8  ctx
 *    72     4  n_entries (nonzero only for MsgApp)
 *    76        n_entries times: term (8), type (1), len (4), data (len)
 *               (entry i has index = index + 1 + i: it is not sent)
 *   4+L-4   4  CRC32C (Castagnoli) of bytes [4, 4+L-4)
 *
 * A future format bumps the version; a reader refuses versions it does not
 * know (RAFT_EMSG_VERSION) rather than guess.
 */
#ifndef RC_RAFT_MSG_H
#define RC_RAFT_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "raft/raft.h"

#define RAFT_MSG_VERSION          1
#define RAFT_MSG_HEADER_LEN       76 /* through n_entries */
#define RAFT_MSG_ENTRY_HEADER_LEN 13
#define RAFT_MSG_MIN_FRAME        (RAFT_MSG_HEADER_LEN + 4)

/* Bytes raft_msg_encode() writes for m. */
size_t raft_msg_encoded_size(const struct raft_msg *m);

/* Writes the frame of m to dst, which has room for raft_msg_encoded_size(m)
 * bytes; returns that size.  Precondition: m is a network message (not a
 * local type) whose frame fits in 32 bits: the core only builds such. */
size_t raft_msg_encode(const struct raft_msg *m, uint8_t *dst);

/* Decodes the frame at the start of p[0..n).
 *   returns 1: *out holds the message (owned: free with raft_msg_free()),
 *              *consumed the frame's size;
 *   returns 0: the frame is not complete yet (nothing written);
 *   returns a negative code (nothing written): RAFT_EMSG_TOO_LARGE (the
 *     length field exceeds max_frame), RAFT_EMSG_VERSION,
 *     RAFT_EMSG_CHECKSUM, RAFT_EMSG_MALFORMED, RAFT_ENOMEM.  The stream is
 *     unusable after an error: close the connection.
 * Errors are detected as early as the bytes allow (a bad length or version
 * needs only the first 5 bytes).  The decoder checks the frame's structure
 * (lengths, flags, types, index overflow); raft_step() checks the meaning. */
int raft_msg_decode(const void *p, size_t n, size_t max_frame, struct raft_msg *out,
                    size_t *consumed);

/* CRC32C (Castagnoli, reflected, init ~0, final xor ~0): crc32c(0, "123456789")
 * == 0xe3069283.  Incremental: crc32c(crc32c(0, a), b) == crc32c(0, a || b). */
uint32_t raft_crc32c(uint32_t crc, const void *p, size_t n);

#endif
