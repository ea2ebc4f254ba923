/* aof_codec: AOF frames, payloads and the start-up scan.  The format and the
 * torn-tail rule are specified in aof_codec.h. */
#include "aof_codec.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crc64.h"
#include "util/util.h"

/* Offsets inside a frame's head. */
#define OFF_KIND     4
#define OFF_RESERVED 5
#define OFF_LENGTH   8
#define OFF_INDEX    12

#define HEADER_MAGIC "raftcache-aof "

/* The smallest RESP command, "*1\r\n$0\r\n\r\n", is 10 bytes; every further
 * argument adds at least "$0\r\n\r\n", 6 bytes.  Used to bound argc by the
 * payload's length before anything is allocated. */
#define MIN_ARG_BYTES 6

const char *aof_strerror(int code)
{
    switch (code) {
    case AOF_OK:
        return "ok";
    case AOF_NEED_MORE:
        return "need more bytes";
    case AOF_ERR_INCOMPLETE:
        return "incomplete frame (the file ends inside it)";
    case AOF_ERR_START:
        return "bad start marker";
    case AOF_ERR_KIND:
        return "unknown frame kind";
    case AOF_ERR_RESERVED:
        return "nonzero reserved bytes";
    case AOF_ERR_LENGTH:
        return "payload length out of range";
    case AOF_ERR_END:
        return "bad end marker";
    case AOF_ERR_CRC:
        return "CRC64 mismatch";
    case AOF_ERR_NO_HEADER:
        return "the file does not start with a header frame";
    case AOF_ERR_UNEXPECTED_HEADER:
        return "header frame after the start of the file";
    case AOF_ERR_HEADER:
        return "malformed header frame";
    case AOF_ERR_VERSION:
        return "unsupported AOF format version";
    case AOF_ERR_PAYLOAD:
        return "command payload is not valid RESP";
    case AOF_ERR_TOO_BIG:
        return "payload larger than the frame limit";
    default:
        if (code < 0 && code > -1000)
            return strerror(-code);
        return "unknown error";
    }
}

/* ---- little-endian fields ---- */

static void put_le32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void put_le64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get_le32(const unsigned char *p)
{
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static uint64_t get_le64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static int kind_known(int kind)
{
    return kind == AOF_KIND_HEADER || kind == AOF_KIND_COMMAND;
}

/* ---- encoding ---- */

size_t aof_frame_begin(struct buf *b, int kind, uint64_t raft_index)
{
    unsigned char head[AOF_FRAME_HEAD_LEN];

    assert(kind_known(kind)); /* a writer bug, not untrusted input */
    memcpy(head, AOF_START_MARKER, 4);
    head[OFF_KIND] = (unsigned char)kind;
    memset(head + OFF_RESERVED, 0, 3);
    put_le32(head + OFF_LENGTH, 0); /* filled in by aof_frame_finish() */
    put_le64(head + OFF_INDEX, raft_index);
    size_t start = b->len;
    buf_append(b, head, sizeof head);
    return start;
}

int aof_frame_finish(struct buf *b, size_t start)
{
    unsigned char tail[AOF_FRAME_TAIL_LEN];

    assert(b->len >= start + AOF_FRAME_HEAD_LEN); /* start came from aof_frame_begin() */
    size_t payload_len = b->len - start - AOF_FRAME_HEAD_LEN;

    if (payload_len > AOF_MAX_PAYLOAD) {
        b->len = start;
        return AOF_ERR_TOO_BIG;
    }
    put_le32((unsigned char *)b->data + start + OFF_LENGTH, (uint32_t)payload_len);
    uint64_t crc = crc64(0, b->data + start, AOF_FRAME_HEAD_LEN + payload_len);
    put_le64(tail, crc);
    memcpy(tail + 8, AOF_END_MARKER, 4);
    buf_append(b, tail, sizeof tail);
    return 0;
}

int aof_frame_encode(struct buf *b, int kind, uint64_t raft_index, const void *payload, size_t len)
{
    if (len > AOF_MAX_PAYLOAD)
        return AOF_ERR_TOO_BIG;
    buf_reserve(b, AOF_FRAME_OVERHEAD + len);
    size_t start = aof_frame_begin(b, kind, raft_index);
    if (len > 0)
        buf_append(b, payload, len);
    return aof_frame_finish(b, start);
}

/* ---- decoding ---- */

int aof_frame_decode(const void *data, size_t len, struct aof_frame *f, size_t *need)
{
    const unsigned char *p = data;

    /* Check what is there, field by field, so a prefix of a valid frame is
     * NEED_MORE and anything else fails as early as possible. */
    size_t n = len < 4 ? len : 4;
    if (memcmp(p, AOF_START_MARKER, n) != 0)
        return AOF_ERR_START;
    if (len > OFF_KIND && !kind_known(p[OFF_KIND]))
        return AOF_ERR_KIND;
    for (size_t i = OFF_RESERVED; i < OFF_LENGTH && i < len; i++)
        if (p[i] != 0)
            return AOF_ERR_RESERVED;
    if (len < OFF_LENGTH + 4) {
        if (need)
            *need = AOF_FRAME_HEAD_LEN;
        return AOF_NEED_MORE;
    }
    uint32_t plen = get_le32(p + OFF_LENGTH);
    if (plen > AOF_MAX_PAYLOAD)
        return AOF_ERR_LENGTH;
    size_t total = (size_t)AOF_FRAME_OVERHEAD + plen;
    if (len < total) {
        if (need)
            *need = len < AOF_FRAME_HEAD_LEN ? AOF_FRAME_HEAD_LEN : total;
        return AOF_NEED_MORE;
    }
    const unsigned char *tail = p + AOF_FRAME_HEAD_LEN + plen;
    if (memcmp(tail + 8, AOF_END_MARKER, 4) != 0)
        return AOF_ERR_END;
    if (crc64(0, p, AOF_FRAME_HEAD_LEN + (size_t)plen) != get_le64(tail))
        return AOF_ERR_CRC;

    f->kind = p[OFF_KIND];
    f->raft_index = get_le64(p + OFF_INDEX);
    f->payload = (const char *)p + AOF_FRAME_HEAD_LEN;
    f->payload_len = plen;
    f->frame_len = total;
    return AOF_OK;
}

/* ---- header frame ---- */

void aof_header_encode(struct buf *b, const struct aof_header *h)
{
    char payload[128];
    int n = snprintf(payload, sizeof payload, HEADER_MAGIC "%d\n", AOF_FORMAT_VERSION);
    if (h->base_term != 0)
        n += snprintf(payload + n, sizeof payload - (size_t)n, "base-term %llu\n",
                      (unsigned long long)h->base_term);
    if (h->keys != 0)
        n += snprintf(payload + n, sizeof payload - (size_t)n, "keys %llu\n",
                      (unsigned long long)h->keys);
    int rc = aof_frame_encode(b, AOF_KIND_HEADER, h->base_index, payload, (size_t)n);
    (void)rc; /* a 128-byte payload is always below the limit */
}

/* Strict unsigned decimal: digits only, no leading zero unless "0", fits in
 * uint64.  Returns 0 or -1. */
static int parse_u64(const char *s, size_t len, uint64_t *out)
{
    uint64_t v = 0;
    if (len == 0 || len > 20 || (len > 1 && s[0] == '0'))
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

int aof_header_parse(const struct aof_frame *f, struct aof_header *h)
{
    struct aof_header tmp = {0, f->raft_index, 0, 0};
    const char *p = f->payload, *end = f->payload + f->payload_len;
    int first = 1;

    if (f->kind != AOF_KIND_HEADER)
        return AOF_ERR_HEADER;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (nl == NULL)
            return AOF_ERR_HEADER;
        const char *sp = memchr(p, ' ', (size_t)(nl - p));
        if (sp == NULL || sp == p)
            return AOF_ERR_HEADER;
        size_t klen = (size_t)(sp - p);
        const char *val = sp + 1;
        size_t vlen = (size_t)(nl - val);
        uint64_t v;
        if (first) {
            if (klen != strlen(HEADER_MAGIC) - 1 || memcmp(p, HEADER_MAGIC, klen) != 0 ||
                parse_u64(val, vlen, &v) != 0)
                return AOF_ERR_HEADER;
            if (v != AOF_FORMAT_VERSION)
                return AOF_ERR_VERSION;
            tmp.version = (unsigned)v;
            first = 0;
        } else if (klen == 9 && memcmp(p, "base-term", 9) == 0) {
            if (parse_u64(val, vlen, &v) != 0)
                return AOF_ERR_HEADER;
            tmp.base_term = v;
        } else if (klen == 4 && memcmp(p, "keys", 4) == 0) {
            if (parse_u64(val, vlen, &v) != 0)
                return AOF_ERR_HEADER;
            tmp.keys = v;
        }
        /* Other keys: written by a later minor revision; skipped. */
        p = nl + 1;
    }
    if (first)
        return AOF_ERR_HEADER;
    *h = tmp;
    return 0;
}

/* ---- command payloads ---- */

void aof_argv_init(struct aof_argv *a)
{
    a->argc = 0;
    a->argv = NULL;
    a->cap = 0;
}

void aof_argv_free(struct aof_argv *a)
{
    free(a->argv);
    aof_argv_init(a);
}

/* Reads "<decimal>\r\n" at s[*i..len) into *out (<= max).  0 or -1. */
static int read_count(const char *s, size_t len, size_t *i, uint64_t max, uint64_t *out)
{
    size_t start = *i, j = start;
    while (j < len && s[j] >= '0' && s[j] <= '9')
        j++;
    uint64_t v;
    if (parse_u64(s + start, j - start, &v) != 0 || v > max)
        return -1;
    if (len - j < 2 || s[j] != '\r' || s[j + 1] != '\n')
        return -1;
    *i = j + 2;
    *out = v;
    return 0;
}

/* Parses one strict multibulk at payload[*pos..len).  With a == NULL it
 * only checks.  Returns 1, or AOF_ERR_PAYLOAD leaving *pos and *a alone. */
static int parse_command(const char *s, size_t len, size_t *pos, struct aof_argv *a)
{
    size_t i = *pos;
    uint64_t argc, blen;

    if (i >= len || s[i] != '*')
        return AOF_ERR_PAYLOAD;
    i++;
    /* Each argument needs at least MIN_ARG_BYTES, which bounds argc before
     * anything is allocated for it. */
    uint64_t max_argc = (len - i) / MIN_ARG_BYTES;
    if (max_argc > INT_MAX)
        max_argc = INT_MAX;
    if (read_count(s, len, &i, max_argc, &argc) != 0 || argc == 0)
        return AOF_ERR_PAYLOAD;
    size_t args_start = i;
    /* First pass: check, so *a is not touched on error. */
    for (uint64_t k = 0; k < argc; k++) {
        if (i >= len || s[i] != '$')
            return AOF_ERR_PAYLOAD;
        i++;
        if (read_count(s, len, &i, len, &blen) != 0)
            return AOF_ERR_PAYLOAD;
        if (len - i < blen + 2 || s[i + blen] != '\r' || s[i + blen + 1] != '\n')
            return AOF_ERR_PAYLOAD;
        i += blen + 2;
    }
    if (a != NULL) {
        if ((uint64_t)a->cap < argc) {
            int cap = a->cap ? a->cap : 8;
            while ((uint64_t)cap < argc)
                cap = cap > INT_MAX / 2 ? INT_MAX : cap * 2;
            a->argv = xrealloc(a->argv, (size_t)cap * sizeof *a->argv);
            a->cap = cap;
        }
        size_t j = args_start;
        for (uint64_t k = 0; k < argc; k++) {
            j++; /* '$' */
            read_count(s, len, &j, len, &blen);
            a->argv[k].ptr = s + j;
            a->argv[k].len = (size_t)blen;
            j += blen + 2;
        }
        a->argc = (int)argc;
    }
    *pos = i;
    return 1;
}

int aof_payload_next(const char *payload, size_t len, size_t *pos, struct aof_argv *a)
{
    if (*pos == len)
        return 0;
    if (*pos > len)
        return AOF_ERR_PAYLOAD;
    return parse_command(payload, len, pos, a);
}

long long aof_payload_check(const char *payload, size_t len)
{
    size_t pos = 0;
    long long n = 0;
    while (pos < len) {
        if (parse_command(payload, len, &pos, NULL) != 1)
            return AOF_ERR_PAYLOAD;
        n++;
    }
    return n;
}

/* ---- scanning ---- */

/* The offset of the first intact frame starting in data[from..len), or
 * SIZE_MAX if there is none.  Used only after a damage, to tell a torn tail
 * (nothing intact after it) from corruption (intact frames after it). */
static size_t find_intact_frame(const unsigned char *data, size_t len, size_t from)
{
    struct aof_frame f;
    while (from < len) {
        const unsigned char *q = memmem(data + from, len - from, AOF_START_MARKER, 4);
        if (q == NULL)
            break;
        size_t off = (size_t)(q - data);
        if (aof_frame_decode(q, len - off, &f, NULL) == AOF_OK)
            return off;
        from = off + 1;
    }
    return SIZE_MAX;
}

int aof_scan_buffer(const void *data, size_t len, const struct aof_scan_opts *opts,
                    struct aof_scan_result *res)
{
    static const struct aof_scan_opts no_opts;
    const unsigned char *p = data;
    size_t pos = 0;
    uint64_t next_progress;

    if (opts == NULL)
        opts = &no_opts;
    memset(res, 0, sizeof *res);
    res->file_size = len;
    next_progress = opts->progress_interval;

    while (pos < len) {
        struct aof_frame f;
        int rc = aof_frame_decode(p + pos, len - pos, &f, NULL);

        if (rc != AOF_OK) {
            /* Framing damage at pos: torn tail or corruption (aof_codec.h). */
            res->reason = rc == AOF_NEED_MORE ? AOF_ERR_INCOMPLETE : rc;
            res->bad_offset = pos;
            size_t intact = find_intact_frame(p, len, pos + 1);
            if (intact != SIZE_MAX) {
                res->status = AOF_SCAN_CORRUPT;
                res->intact_offset = intact;
            } else if (pos == 0 && rc != AOF_NEED_MORE) {
                /* Not even a header prefix: not our file, or its header is
                 * damaged.  Never "repair" it into an empty file. */
                res->status = AOF_SCAN_CORRUPT;
            } else {
                res->status = AOF_SCAN_TORN_TAIL;
            }
            return res->status;
        }

        /* An intact frame: check that it belongs where it is. */
        int bad = 0;
        long long ncmd = 0;
        if (f.kind == AOF_KIND_HEADER) {
            if (pos != 0) {
                bad = AOF_ERR_UNEXPECTED_HEADER;
            } else {
                bad = aof_header_parse(&f, &res->header);
                if (bad == 0)
                    res->has_header = 1;
            }
        } else if (pos == 0) {
            bad = AOF_ERR_NO_HEADER;
        } else {
            ncmd = aof_payload_check(f.payload, f.payload_len);
            if (ncmd < 0)
                bad = (int)ncmd;
        }
        if (bad != 0) {
            res->status = AOF_SCAN_CORRUPT;
            res->reason = bad;
            res->bad_offset = pos;
            return res->status;
        }

        int stop = 0;
        if (f.kind == AOF_KIND_HEADER) {
            if (opts->on_header)
                stop = opts->on_header(opts->ctx, &res->header);
        } else if (opts->on_frame) {
            stop = opts->on_frame(opts->ctx, &f, pos);
        }
        if (stop != 0) {
            res->status = AOF_SCAN_STOPPED;
            res->stop_code = stop;
            res->bad_offset = pos;
            return res->status;
        }

        res->frames++;
        res->commands += (uint64_t)ncmd;
        if (f.raft_index != 0)
            res->last_raft_index = f.raft_index;
        pos += f.frame_len;
        res->valid_bytes = pos;
        if (opts->on_progress && next_progress != 0 && pos >= next_progress) {
            opts->on_progress(opts->ctx, pos, len);
            while (next_progress <= pos)
                next_progress += opts->progress_interval;
        }
    }
    res->status = AOF_SCAN_OK;
    return res->status;
}

int aof_scan_file(const char *path, const struct aof_scan_opts *opts, struct aof_scan_result *res)
{
    struct stat st;
    void *map = NULL;
    int rc = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return -errno;
    if (fstat(fd, &st) != 0) {
        rc = -errno;
        goto cleanup;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
        goto cleanup;
    }
    if ((uint64_t)st.st_size > SIZE_MAX) {
        rc = -EFBIG;
        goto cleanup;
    }
    size_t size = (size_t)st.st_size;
    if (size == 0) {
        /* mmap refuses a zero length; an empty file is simply empty. */
        aof_scan_buffer("", 0, opts, res);
        goto cleanup;
    }
    map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED) {
        map = NULL;
        rc = -errno;
        goto cleanup;
    }
    /* One front-to-back pass: let the kernel read ahead aggressively. */
    (void)madvise(map, size, MADV_SEQUENTIAL);
    aof_scan_buffer(map, size, opts, res);
    munmap(map, size);

cleanup:
    close(fd);
    return rc;
}

int aof_truncate_tail(const char *path, uint64_t new_size, uint64_t expected_size)
{
    struct stat st;
    int rc = 0;
    int fd = open(path, O_WRONLY | O_CLOEXEC);

    if (fd < 0)
        return -errno;
    if (fstat(fd, &st) != 0) {
        rc = -errno;
        goto cleanup;
    }
    /* If the file changed since it was scanned, the scan's verdict no longer
     * applies: cutting at new_size could drop frames nobody has checked. */
    if ((uint64_t)st.st_size != expected_size || new_size > expected_size) {
        rc = -ESTALE;
        goto cleanup;
    }
    if (ftruncate(fd, (off_t)new_size) != 0 || fsync(fd) != 0)
        rc = -errno;

cleanup:
    close(fd);
    return rc;
}
