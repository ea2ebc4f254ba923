/* aof_codec: the on-disk format of the append-only file, with no policy.
 *
 * This module encodes and decodes AOF frames, parses their payloads into
 * commands, and scans a whole file at start-up (or for raftcache-check-aof),
 * deciding whether it is intact, has a torn tail, or is corrupt.  It does not
 * append, fsync, rewrite or replay: that is aof.c.  Pure but for
 * aof_scan_file() and aof_truncate_tail(), which read (mmap) and truncate a
 * file and nothing else.
 *
 * ---------------------------------------------------------------------------
 * FILE FORMAT (version 1).  docs/persistence.md has the same, with examples.
 *
 * An AOF is a sequence of frames.  The first frame is a header frame; every
 * other frame is a command frame.  There is nothing between frames and
 * nothing after the last one.  All integers are little-endian.
 *
 *   offset  size  field
 *   0       4     start marker   F7 52 43 46   ("\xF7RCF")
 *   4       1     kind           48 'H' header frame | 43 'C' command frame
 *   5       3     reserved       00 00 00
 *   8       4     payload length N, uint32, 0 <= N <= AOF_MAX_PAYLOAD
 *   12      8     raft index     uint64; 0 when Raft is off
 *   20      N     payload
 *   20+N    8     CRC64 of bytes [0, 20+N), uint64 (see crc64.h)
 *   28+N    4     end marker     F7 45 4E 44   ("\xF7END")
 *
 * A frame is AOF_FRAME_OVERHEAD (32) bytes plus its payload.
 *
 * Command frame payload: zero or more RESP multibulk commands, exactly as a
 * client would send them in the strict form ("*<argc>\r\n" then argc times
 * "$<len>\r\n<bytes>\r\n"; argc >= 1; no inline form, no leading zeros).
 * Several commands share a frame when they must be replayed together (SELECT
 * then the command, a MULTI ... EXEC batch).  An empty payload is allowed: it
 * records a Raft index whose entry changed nothing (a leader's no-op entry).
 *
 * Header frame payload: ASCII lines, each ending in "\n":
 *     raftcache-aof 1            the format version, always the first line
 *     base-term <decimal>        optional: the Raft term of the raft index
 * and possibly more "key value" lines, which a reader skips if it does not
 * know the key.  The header frame's raft index field is the Raft index that
 * the file's base covers (a rewritten AOF is a Raft snapshot), else 0.
 *
 * WHY IT IS SO
 *
 * - Start marker 0xF7 'R' 'C' 'F': 0xF7 never occurs in UTF-8 text and the
 *   RESP framing is ASCII, so the marker is rare inside payloads; "RCF"
 *   ("raftcache frame") makes frames easy to spot in `hexdump -C`.  The end
 *   marker 0xF7 'E' 'N' 'D' differs from it, so a scan for start markers
 *   never stops on an end marker.  Markers are only a fast, readable sanity
 *   check; the CRC is what proves a frame intact.
 * - Fixed-width binary length, not decimal: the 20-byte head has a fixed
 *   size, so one look tells the frame's full extent (no "more digits may
 *   come" state, no parse ambiguity), and the payload, which is what a human
 *   wants to read in a hex dump, stays plain RESP.
 * - The length is bounded (AOF_MAX_PAYLOAD, 1 GiB) and checked before
 *   anything else is trusted: a flipped bit in a length can neither make a
 *   streaming reader allocate gigabytes nor send it past the end of its
 *   buffer.  1 GiB because one SET may carry a 512 MB key and a 512 MB value
 *   under the default proto-max-bulk-len; a writer splits batches that would
 *   exceed it, and a single command above it cannot be logged (the write
 *   fails).  aof_scan_file() maps the file, so it allocates nothing per
 *   frame at all.
 * - The CRC covers everything before it (marker, kind, length, raft index,
 *   payload), not the payload alone: a flipped bit in the kind or the raft
 *   index must be detected too (a wrong index would make Raft re-apply or skip
 *   entries), and a wrong length that happened to land on an end marker must
 *   still fail.  It is CRC-64/Redis so that it is a known, well-tested
 *   function with a published check value.
 * - The CRC sits after the payload and the end marker last, so a frame can
 *   be written with one append and checked with one pass.  The end marker
 *   catches a wrong length before a possibly huge CRC is computed.  Neither
 *   proves the frame was fully written (a crash can persist sectors out of
 *   order); only a matching CRC does.
 * - Three reserved zero bytes put the length and index at fixed offsets 8
 *   and 12 and leave room for flags; a version-1 reader rejects nonzero
 *   reserved bytes (they are covered by the CRC, so they are not corruption
 *   in disguise).
 * - A header frame with a version line, so the format can change: a reader
 *   refuses a version it does not know instead of misreading it.
 *
 * DAMAGE: TORN TAIL VERSUS CORRUPTION
 *
 * The scanner reads frames from offset 0.  At the first offset X where a
 * frame does not decode (incomplete, bad marker, bad length, bad CRC, ...)
 * it looks at the rest of the file for an intact frame (a start marker at
 * which a whole frame decodes, CRC and all):
 *
 * - If an intact frame exists after X, the file is CORRUPT at X.  Cutting
 *   the file at X would throw that intact frame away, and it may hold an
 *   acknowledged write; skipping the bad frame would replay a history with a
 *   hole.  Nothing is skipped and nothing is cut: the start is refused with
 *   the offset, and raftcache-check-aof --fix refuses too.
 * - If no intact frame exists after X, the damage is a TORN TAIL and the file
 *   may be truncated to X.  This is what a crash leaves at the end of an
 *   append-only file: a frame cut short (the process died mid-write), a frame
 *   of full length whose bytes did not all reach the disk (the file size was
 *   persisted before the data: some file systems then show zeros or stale
 *   blocks), zero-filled blocks after the last frame, or a group-commit batch
 *   persisted in part.  In every such case the bytes from X on hold no frame
 *   that could be replayed, so cutting them loses nothing that loading could
 *   have kept.  A frame is acknowledged under `fsync: always` only after its
 *   fsync returned, so such a tail was never acknowledged.  The bytes
 *   dropped are reported (and logged by the loader); `aof.load_truncated:
 *   false` refuses instead.  In particular a complete last frame with a bad
 *   CRC that ends exactly at the end of the file is a torn tail.
 * - Exception: damage at offset 0 is a torn tail only when the file is a
 *   strict prefix of a frame (it was being created); anything else there is
 *   CORRUPT, so a file that is not a raftcache AOF at all (say, a Redis AOF)
 *   is refused, never truncated to nothing.  Writers create an AOF under a
 *   temporary name, write and fsync the header, then rename it into place.
 * - A mid-file frame whose length field was corrupted upwards looks
 *   incomplete, but the intact frames after it make it CORRUPT, not torn.
 * - Known limit: a torn last frame whose payload itself contains a complete
 *   AOF frame (a value holding a copy of an AOF) is reported CORRUPT; that is
 *   the safe direction (the start is refused, nothing is lost).
 *
 * Frames that decode but are out of place are CORRUPT at their offset
 * whatever follows: a first frame that is not a header, a header frame later
 * in the file, an unknown format version, a malformed header, a command
 * payload that is not strict RESP.
 * ---------------------------------------------------------------------------
 */
#ifndef RC_AOF_CODEC_H
#define RC_AOF_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "resp.h" /* struct resp_arg (the type only: no code of resp.c is used) */
#include "util/buf.h"

#define AOF_FORMAT_VERSION 1

#define AOF_FRAME_HEAD_LEN 20 /* marker, kind, reserved, length, raft index */
#define AOF_FRAME_TAIL_LEN 12 /* CRC64, end marker */
#define AOF_FRAME_OVERHEAD (AOF_FRAME_HEAD_LEN + AOF_FRAME_TAIL_LEN)
#define AOF_MAX_PAYLOAD    (1u << 30)

#define AOF_START_MARKER "\xF7RCF"
#define AOF_END_MARKER   "\xF7\x45ND" /* F7 "END" */

enum aof_frame_kind {
    AOF_KIND_HEADER = 'H',
    AOF_KIND_COMMAND = 'C',
};

/* Return codes.  0 and 1 are the decoder's "frame" and "need more"; the
 * AOF_ERR_* values are far from -errno values so one int can carry either
 * (aof_strerror() names both). */
enum aof_code {
    AOF_OK = 0,
    AOF_NEED_MORE = 1,
    /* framing: the bytes are not an intact frame */
    AOF_ERR_INCOMPLETE = -1001, /* the file ends inside the frame */
    AOF_ERR_START = -1002,      /* bad start marker */
    AOF_ERR_KIND = -1003,       /* unknown frame kind */
    AOF_ERR_RESERVED = -1004,   /* nonzero reserved bytes */
    AOF_ERR_LENGTH = -1005,     /* payload length above AOF_MAX_PAYLOAD */
    AOF_ERR_END = -1006,        /* bad end marker */
    AOF_ERR_CRC = -1007,        /* CRC64 mismatch */
    /* content: an intact frame that is wrong where it is */
    AOF_ERR_NO_HEADER = -1010,         /* first frame is not a header frame */
    AOF_ERR_UNEXPECTED_HEADER = -1011, /* header frame after the first frame */
    AOF_ERR_HEADER = -1012,            /* malformed header payload */
    AOF_ERR_VERSION = -1013,           /* format version this code cannot read */
    AOF_ERR_PAYLOAD = -1014,           /* command payload is not strict RESP */
    /* encoder */
    AOF_ERR_TOO_BIG = -1020, /* payload above AOF_MAX_PAYLOAD */
};

/* Text for an aof_code or a -errno value; static storage. */
const char *aof_strerror(int code);

/* ---- frames ---- */

struct aof_frame {
    int kind; /* enum aof_frame_kind */
    uint64_t raft_index;
    const char *payload; /* points into the decoded bytes (borrowed) */
    size_t payload_len;
    size_t frame_len; /* bytes of the whole frame: AOF_FRAME_OVERHEAD + payload_len */
};

/* Appends one frame to b.  Returns 0, or AOF_ERR_TOO_BIG (b untouched) if
 * len > AOF_MAX_PAYLOAD.  Aborts on out-of-memory (buf policy). */
int aof_frame_encode(struct buf *b, int kind, uint64_t raft_index, const void *payload, size_t len);

/* Zero-copy encoding, for a writer that builds the payload in place:
 *     size_t start = aof_frame_begin(b, AOF_KIND_COMMAND, index);
 *     ... append the RESP payload to b ...
 *     rc = aof_frame_finish(b, start);
 * begin appends the frame head (length left blank) and returns its offset in
 * b; finish fills in the length and appends the CRC and end marker.  If the
 * payload is above AOF_MAX_PAYLOAD, finish truncates b back to `start` and
 * returns AOF_ERR_TOO_BIG. */
size_t aof_frame_begin(struct buf *b, int kind, uint64_t raft_index);
int aof_frame_finish(struct buf *b, size_t start);

/* Decodes the frame at the start of data[0..len) (untrusted bytes: never
 * asserts, never reads outside the range).
 *   AOF_OK:        *f describes the frame; f->payload points into data.
 *   AOF_NEED_MORE: data is a strict prefix of a frame as far as it can be
 *                  checked (markers, kind, reserved, length); *need, if not
 *                  NULL, is the whole frame's size when the head is complete,
 *                  else AOF_FRAME_HEAD_LEN.  At end of file this is a torn
 *                  frame.
 *   AOF_ERR_*:     a framing error, checked in the order start marker, kind,
 *                  reserved, length, end marker, CRC.
 * *f and *need are written only for the result they are described for. */
int aof_frame_decode(const void *data, size_t len, struct aof_frame *f, size_t *need);

/* ---- header frame ---- */

struct aof_header {
    unsigned version;    /* AOF_FORMAT_VERSION */
    uint64_t base_index; /* Raft index the base covers (the frame's raft index), 0 if none */
    uint64_t base_term;  /* its term, 0 if none */
    uint64_t keys;       /* keys of db 0 in a rewritten base, 0 if unknown: lets
                            the loader size the keyspace once ("keys N" line) */
};

/* Appends the header frame for h (h->version is ignored: the frame always
 * says AOF_FORMAT_VERSION). */
void aof_header_encode(struct buf *b, const struct aof_header *h);
/* Reads a decoded header frame.  Returns 0, AOF_ERR_HEADER (malformed, or not
 * a header frame), or AOF_ERR_VERSION (a version other than
 * AOF_FORMAT_VERSION).  *h written only on success. */
int aof_header_parse(const struct aof_frame *f, struct aof_header *h);

/* ---- command payloads ---- */

/* The arguments of one command, pointing into a payload.  argv is owned by the
 * struct and reused from command to command; free with aof_argv_free(). */
struct aof_argv {
    int argc;
    struct resp_arg *argv;
    int cap;
};

void aof_argv_init(struct aof_argv *a);
void aof_argv_free(struct aof_argv *a); /* leaves it empty and reusable */

/* Parses the next command of payload[*pos..len).  Returns 1 with a->argc /
 * a->argv set (pointing into payload, borrowed) and *pos moved past the
 * command; 0 if *pos == len (no more commands); AOF_ERR_PAYLOAD if the bytes
 * are not a strict RESP multibulk with argc >= 1 (then *pos and *a are left
 * as they were).  The argv array grows as needed (never beyond what the
 * payload's length can hold, so a bad count cannot make it huge). */
int aof_payload_next(const char *payload, size_t len, size_t *pos, struct aof_argv *a);

/* Checks a whole command payload; returns the number of commands (>= 0) or
 * AOF_ERR_PAYLOAD.  Allocates nothing. */
long long aof_payload_check(const char *payload, size_t len);

/* ---- whole files ---- */

enum aof_scan_status {
    AOF_SCAN_OK = 0,        /* every byte belongs to an intact frame */
    AOF_SCAN_TORN_TAIL = 1, /* intact frames, then a tail to drop (see above) */
    AOF_SCAN_CORRUPT = 2,   /* damage followed by intact data, or a misplaced frame */
    AOF_SCAN_STOPPED = 3,   /* a callback returned nonzero */
};

struct aof_scan_opts {
    /* Called for each command frame in file order, after the frame has been
     * checked (CRC, strict RESP payload).  f->payload is valid during the
     * call only.  offset: the frame's offset in the file.  Return 0 to go
     * on, nonzero to stop the scan (status AOF_SCAN_STOPPED, stop_code).
     * May be NULL.  Frames before a damage are delivered before the damage
     * is found: a loader must discard what it loaded if the result is
     * CORRUPT; for TORN_TAIL what it loaded is exactly the prefix to keep. */
    int (*on_frame)(void *ctx, const struct aof_frame *f, uint64_t offset);
    /* Called once for the header frame, before any on_frame.  May be NULL.
     * Nonzero return stops the scan as for on_frame. */
    int (*on_header)(void *ctx, const struct aof_header *h);
    /* Called every progress_interval bytes (and not at all if 0). */
    void (*on_progress)(void *ctx, uint64_t done, uint64_t total);
    uint64_t progress_interval;
    void *ctx;
};

struct aof_scan_result {
    int status;               /* enum aof_scan_status */
    int reason;               /* TORN_TAIL / CORRUPT: the AOF_ERR_* of the first damage */
    uint64_t file_size;       /* bytes scanned */
    uint64_t frames;          /* intact frames accepted (the header included) */
    uint64_t commands;        /* RESP commands in the accepted command frames */
    uint64_t valid_bytes;     /* end of the last accepted frame: the size to truncate a torn
                                 tail to */
    uint64_t bad_offset;      /* TORN_TAIL / CORRUPT / STOPPED: offset of the frame at issue */
    uint64_t intact_offset;   /* CORRUPT by framing damage: the first intact frame after
                                 bad_offset; 0 otherwise */
    uint64_t last_raft_index; /* raft index of the last accepted frame whose index is
                                 nonzero (the header's base index counts), else 0 */
    int has_header;
    struct aof_header header; /* valid if has_header */
    int stop_code;            /* STOPPED: the callback's return */
};

/* Scans data[0..len) as a whole AOF file (see DAMAGE above).  opts may be
 * NULL.  Always fills *res; returns res->status. */
int aof_scan_buffer(const void *data, size_t len, const struct aof_scan_opts *opts,
                    struct aof_scan_result *res);

/* Maps the file at path read-only and scans it with aof_scan_buffer().
 * Returns 0 when the scan ran (res->status tells the verdict), or -errno if
 * the file could not be opened, stat'ed or mapped (*res then untouched).  An
 * empty file is AOF_SCAN_OK with no header (a caller creates the header).
 * The file must not be truncated by someone else during the scan. */
int aof_scan_file(const char *path, const struct aof_scan_opts *opts, struct aof_scan_result *res);

/* Cuts a torn tail: truncates the file at path to new_size and fsyncs it, if
 * and only if its size is still expected_size (the size that was scanned;
 * otherwise -ESTALE and nothing changes).  Returns 0 or -errno. */
int aof_truncate_tail(const char *path, uint64_t new_size, uint64_t expected_size);

#endif
