/* Unit tests for aof_codec: the byte layout of a frame, round trips of random
 * frames, every decoder error, header and payload parsing, and the scanner's
 * verdict on a small AOF truncated at every length and damaged at every byte:
 * each case loads a correct prefix (torn tail) or is refused at the right
 * offset, never delivers a payload that differs from what was written. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "aof_codec.h"
#include "crc64.h"
#include "util/buf.h"

/* ---- helpers ---- */

static uint64_t rng_state = 0x243f6a8885a308d3ULL;

static uint64_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dULL;
}

static uint64_t get_le(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

/* Appends a RESP multibulk of argc random binary arguments; some arguments
 * contain the frame markers, which must not confuse anything. */
static void add_random_command(struct buf *b)
{
    int argc = 1 + (int)(rng() % 5);
    buf_printf(b, "*%d\r\n", argc);
    for (int i = 0; i < argc; i++) {
        char arg[64];
        size_t len = (size_t)(rng() % 40);
        for (size_t k = 0; k < len; k++)
            arg[k] = (char)rng();
        if (len >= 8 && rng() % 4 == 0)
            memcpy(arg + rng() % (len - 7), rng() % 2 ? AOF_START_MARKER : AOF_END_MARKER, 4);
        buf_printf(b, "$%zu\r\n", len);
        buf_append(b, arg, len);
        buf_append(b, "\r\n", 2);
    }
}

#define MAX_FRAMES 64

/* A test AOF: the bytes, and what was written, to compare with what the
 * scanner delivers. */
struct fixture {
    struct buf file;
    int nframes;                   /* header included */
    size_t offset[MAX_FRAMES + 1]; /* offset[nframes] == file.len */
    uint64_t index[MAX_FRAMES];
    struct buf payload[MAX_FRAMES];
    long long ncmds[MAX_FRAMES];
};

static void fixture_add(struct fixture *fx, int kind, uint64_t index, const char *p, size_t n)
{
    int k = fx->nframes++;
    assert_true(k < MAX_FRAMES);
    fx->offset[k] = fx->file.len;
    fx->index[k] = index;
    buf_init(&fx->payload[k]);
    buf_append(&fx->payload[k], p, n);
    fx->ncmds[k] = kind == AOF_KIND_COMMAND ? aof_payload_check(p, n) : 0;
    assert_int_equal(aof_frame_encode(&fx->file, kind, index, p, n), 0);
    fx->offset[k + 1] = fx->file.len;
}

/* A header and `ncmd` command frames of 1 to 3 random commands (one empty),
 * with increasing raft indexes when raft is set. */
static void fixture_build(struct fixture *fx, int ncmd, int raft)
{
    struct aof_header h = {AOF_FORMAT_VERSION, raft ? 100 : 0, raft ? 7 : 0, 0};
    memset(fx, 0, sizeof *fx);
    buf_init(&fx->file);
    aof_header_encode(&fx->file, &h);
    fx->nframes = 1;
    fx->offset[0] = 0;
    fx->offset[1] = fx->file.len;
    fx->index[0] = h.base_index;
    buf_init(&fx->payload[0]);
    for (int i = 0; i < ncmd; i++) {
        struct buf p = BUF_INIT;
        int n = i == 3 ? 0 : 1 + (int)(rng() % 3);
        for (int k = 0; k < n; k++)
            add_random_command(&p);
        fixture_add(fx, AOF_KIND_COMMAND, raft ? 101 + (uint64_t)i : 0, p.data ? p.data : "",
                    p.len);
        buf_free(&p);
    }
}

static void fixture_free(struct fixture *fx)
{
    buf_free(&fx->file);
    for (int k = 0; k < fx->nframes; k++)
        buf_free(&fx->payload[k]);
}

/* What a scan delivered, checked against the fixture as it arrives. */
struct delivery {
    const struct fixture *fx;
    int next; /* index of the frame expected next (1: the first command frame) */
    int bad;  /* a delivered frame differed from what was written */
    int header_seen;
    uint64_t last_progress;
    int progress_calls;
    int stop_at; /* stop the scan at this frame (0: never) */
};

static int on_frame(void *ctx, const struct aof_frame *f, uint64_t offset)
{
    struct delivery *d = ctx;
    const struct fixture *fx = d->fx;
    int k = d->next++;
    if (k >= fx->nframes || offset != fx->offset[k] || f->kind != AOF_KIND_COMMAND ||
        f->raft_index != fx->index[k] || f->payload_len != fx->payload[k].len ||
        (f->payload_len && memcmp(f->payload, fx->payload[k].data, f->payload_len) != 0))
        d->bad = 1;
    if (d->stop_at != 0 && k == d->stop_at)
        return 42;
    return 0;
}

static int on_header(void *ctx, const struct aof_header *h)
{
    struct delivery *d = ctx;
    if (d->header_seen || d->next != 1 || h->version != AOF_FORMAT_VERSION)
        d->bad = 1;
    d->header_seen = 1;
    return 0;
}

static void on_progress(void *ctx, uint64_t done, uint64_t total)
{
    struct delivery *d = ctx;
    if (done <= d->last_progress || done > total)
        d->bad = 1;
    d->last_progress = done;
    d->progress_calls++;
}

static int scan(const struct fixture *fx, const void *data, size_t len, struct delivery *d,
                struct aof_scan_result *r)
{
    struct aof_scan_opts o = {0};
    memset(d, 0, sizeof *d);
    d->fx = fx;
    d->next = 1;
    o.on_frame = on_frame;
    o.on_header = on_header;
    o.ctx = d;
    return aof_scan_buffer(data, len, &o, r);
}

/* The frame of fx that holds byte offset `at`. */
static int frame_of(const struct fixture *fx, size_t at)
{
    for (int k = 0; k < fx->nframes; k++)
        if (at < fx->offset[k + 1])
            return k;
    return fx->nframes;
}

/* Asserts that r and d describe exactly the first k frames of fx. */
static void assert_prefix(const struct fixture *fx, const struct aof_scan_result *r,
                          const struct delivery *d, int k)
{
    assert_false(d->bad);
    assert_int_equal(r->frames, k);
    assert_int_equal(d->next - 1, k > 0 ? k - 1 : 0);
    assert_int_equal(r->valid_bytes, fx->offset[k]);
    assert_int_equal(r->has_header, k > 0);
    assert_int_equal(d->header_seen, k > 0);
    long long cmds = 0;
    uint64_t last = 0;
    for (int i = 0; i < k; i++) {
        cmds += fx->ncmds[i];
        if (fx->index[i])
            last = fx->index[i];
    }
    assert_int_equal(r->commands, cmds);
    assert_int_equal(r->last_raft_index, last);
}

/* ---- frame layout and round trips ---- */

static void test_frame_layout(void **state)
{
    (void)state;
    struct buf b = BUF_INIT;
    const char *cmd = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n";
    size_t n = strlen(cmd);
    buf_append(&b, "xx", 2); /* frames append after what is there */
    assert_int_equal(aof_frame_encode(&b, AOF_KIND_COMMAND, 0x0102030405060708ULL, cmd, n), 0);
    const unsigned char *p = (const unsigned char *)b.data + 2;
    assert_int_equal(b.len, 2 + AOF_FRAME_OVERHEAD + n);
    assert_memory_equal(p, "\xF7RCF", 4);
    assert_int_equal(p[4], 'C');
    assert_memory_equal(p + 5, "\0\0\0", 3);
    assert_int_equal(get_le(p + 8, 4), n);
    assert_true(get_le(p + 12, 8) == 0x0102030405060708ULL);
    assert_memory_equal(p + 12, "\x08\x07\x06\x05\x04\x03\x02\x01", 8);
    assert_memory_equal(p + 20, cmd, n); /* the payload is plain RESP */
    assert_true(get_le(p + 20 + n, 8) == crc64(0, p, 20 + n));
    assert_memory_equal(p + 28 + n, "\xF7\x45ND", 4);
    buf_free(&b);
}

static void test_header_layout(void **state)
{
    (void)state;
    struct buf b = BUF_INIT;
    struct aof_header h = {0, 0, 0, 0};
    aof_header_encode(&b, &h);
    const char *want = "raftcache-aof 1\n";
    assert_int_equal(b.len, AOF_FRAME_OVERHEAD + strlen(want));
    assert_int_equal(b.data[4], 'H');
    assert_memory_equal(b.data + 20, want, strlen(want));
    buf_clear(&b);

    struct aof_header h2 = {AOF_FORMAT_VERSION, 12345, 6, 0};
    aof_header_encode(&b, &h2);
    const char *want2 = "raftcache-aof 1\nbase-term 6\n";
    assert_int_equal(b.len, AOF_FRAME_OVERHEAD + strlen(want2));
    assert_memory_equal(b.data + 20, want2, strlen(want2));
    struct aof_frame f;
    struct aof_header out;
    assert_int_equal(aof_frame_decode(b.data, b.len, &f, NULL), AOF_OK);
    assert_int_equal(f.raft_index, 12345);
    assert_int_equal(aof_header_parse(&f, &out), 0);
    assert_int_equal(out.version, 1);
    assert_int_equal(out.base_index, 12345);
    assert_int_equal(out.base_term, 6);
    assert_int_equal(out.keys, 0);
    buf_clear(&b);

    /* a rewritten base names the key count of db 0 */
    struct aof_header h3 = {AOF_FORMAT_VERSION, 9, 2, 1000000};
    aof_header_encode(&b, &h3);
    const char *want3 = "raftcache-aof 1\nbase-term 2\nkeys 1000000\n";
    assert_memory_equal(b.data + 20, want3, strlen(want3));
    assert_int_equal(aof_frame_decode(b.data, b.len, &f, NULL), AOF_OK);
    assert_int_equal(aof_header_parse(&f, &out), 0);
    assert_int_equal(out.keys, 1000000);
    assert_int_equal(out.base_term, 2);
    buf_free(&b);
}

static void test_round_trip_random(void **state)
{
    (void)state;
    struct buf b = BUF_INIT, payload = BUF_INIT;
    for (int iter = 0; iter < 500; iter++) {
        buf_clear(&b);
        buf_clear(&payload);
        size_t n = (size_t)(rng() % (iter % 50 == 0 ? 70000 : 300));
        buf_reserve(&payload, n);
        for (size_t i = 0; i < n; i++)
            payload.data[i] = (char)rng();
        payload.len = n;
        uint64_t index = iter % 3 == 0 ? 0 : iter % 7 == 0 ? UINT64_MAX : rng();
        int kind = rng() % 2 ? AOF_KIND_COMMAND : AOF_KIND_HEADER;
        if (rng() % 2) {
            assert_int_equal(aof_frame_encode(&b, kind, index, payload.data, n), 0);
        } else {
            size_t start = aof_frame_begin(&b, kind, index);
            buf_append(&b, payload.data, n);
            assert_int_equal(aof_frame_finish(&b, start), 0);
        }
        /* Trailing bytes after the frame are not its business. */
        buf_append(&b, "trailing", 8);
        struct aof_frame f;
        assert_int_equal(aof_frame_decode(b.data, b.len, &f, NULL), AOF_OK);
        assert_int_equal(f.kind, kind);
        assert_true(f.raft_index == index);
        assert_int_equal(f.payload_len, n);
        assert_int_equal(f.frame_len, AOF_FRAME_OVERHEAD + n);
        assert_ptr_equal(f.payload, b.data + AOF_FRAME_HEAD_LEN);
        if (n)
            assert_memory_equal(f.payload, payload.data, n);
    }
    buf_free(&b);
    buf_free(&payload);
}

static void test_decode_prefixes_need_more(void **state)
{
    (void)state;
    struct buf b = BUF_INIT;
    assert_int_equal(aof_frame_encode(&b, AOF_KIND_COMMAND, 9, "*1\r\n$4\r\nPING\r\n", 14), 0);
    for (size_t len = 0; len < b.len; len++) {
        struct aof_frame f = {0};
        size_t need = 0;
        assert_int_equal(aof_frame_decode(b.data, len, &f, &need), AOF_NEED_MORE);
        assert_int_equal(need, len < AOF_FRAME_HEAD_LEN ? AOF_FRAME_HEAD_LEN : b.len);
        assert_int_equal(f.frame_len, 0); /* not written */
        assert_int_equal(aof_frame_decode(b.data, len, &f, NULL), AOF_NEED_MORE);
    }
    buf_free(&b);
}

static void test_decode_errors(void **state)
{
    (void)state;
    struct buf b = BUF_INIT;
    struct aof_frame f;
    assert_int_equal(aof_frame_encode(&b, AOF_KIND_COMMAND, 1, "*1\r\n$4\r\nPING\r\n", 14), 0);
    char *c = malloc(b.len);
    assert_non_null(c);

#define DAMAGED(pos, val, want)                                                                    \
    do {                                                                                           \
        memcpy(c, b.data, b.len);                                                                  \
        c[pos] = (char)(val);                                                                      \
        assert_int_equal(aof_frame_decode(c, b.len, &f, NULL), want);                              \
    } while (0)

    DAMAGED(0, 'X', AOF_ERR_START);
    DAMAGED(3, 'G', AOF_ERR_START);
    DAMAGED(4, 'Z', AOF_ERR_KIND);
    DAMAGED(4, 'c', AOF_ERR_KIND);
    DAMAGED(5, 1, AOF_ERR_RESERVED);
    DAMAGED(7, 0x80, AOF_ERR_RESERVED);
    DAMAGED(11, 0x40, AOF_ERR_LENGTH);    /* 1 GiB + 14: above the limit */
    DAMAGED(8, 13, AOF_ERR_END);          /* one byte short: the end marker is elsewhere */
    DAMAGED(12, 2, AOF_ERR_CRC);          /* raft index is covered by the CRC */
    DAMAGED(4, 'H', AOF_ERR_CRC);         /* so is the kind */
    DAMAGED(25, 'X', AOF_ERR_CRC);        /* and the payload */
    DAMAGED(20 + 14, 0, AOF_ERR_CRC);     /* the CRC itself */
    DAMAGED(20 + 14 + 8, 0, AOF_ERR_END); /* the end marker */
    DAMAGED(b.len - 1, 'd', AOF_ERR_END);
#undef DAMAGED

    /* Errors are reported as early as the bytes allow: a bad marker in a
     * 2-byte prefix, a too-large length with only the head present. */
    assert_int_equal(aof_frame_decode("\xF7X", 2, &f, NULL), AOF_ERR_START);
    assert_int_equal(aof_frame_decode("\xF7RCFQ", 5, &f, NULL), AOF_ERR_KIND);
    assert_int_equal(aof_frame_decode("\xF7RCFC\0\0\1", 8, &f, NULL), AOF_ERR_RESERVED);
    assert_int_equal(aof_frame_decode("\xF7RCFC\0\0\0\xff\xff\xff\xff", 12, &f, NULL),
                     AOF_ERR_LENGTH);
    /* Exactly the limit is allowed (and needs more bytes). */
    size_t need = 0;
    assert_int_equal(aof_frame_decode("\xF7RCFC\0\0\0\0\0\0\x40", 12, &f, &need), AOF_NEED_MORE);
    assert_int_equal(need, AOF_FRAME_HEAD_LEN);
    assert_int_equal(aof_frame_decode("\xF7RCFC\0\0\0\0\0\0\x40\0\0\0\0\0\0\0\0", 20, &f, &need),
                     AOF_NEED_MORE);
    assert_int_equal(need, (size_t)AOF_MAX_PAYLOAD + AOF_FRAME_OVERHEAD);
    free(c);
    buf_free(&b);
}

static void test_encode_too_big(void **state)
{
    (void)state;
    struct buf b = BUF_INIT;
    buf_append(&b, "abc", 3);
    /* Refused before the payload is read, so any pointer will do. */
    assert_int_equal(aof_frame_encode(&b, AOF_KIND_COMMAND, 0, "x", (size_t)AOF_MAX_PAYLOAD + 1),
                     AOF_ERR_TOO_BIG);
    assert_int_equal(b.len, 3);
    buf_free(&b);
}

static void test_strerror(void **state)
{
    (void)state;
    assert_string_equal(aof_strerror(AOF_ERR_CRC), "CRC64 mismatch");
    assert_string_equal(aof_strerror(AOF_ERR_START), "bad start marker");
    assert_string_equal(aof_strerror(-ENOENT), strerror(ENOENT));
    assert_string_equal(aof_strerror(-1999), "unknown error");
}

/* ---- header parsing ---- */

static int parse_header_payload(const char *payload, struct aof_header *h)
{
    struct aof_frame f = {AOF_KIND_HEADER, 5, payload, strlen(payload), 0};
    return aof_header_parse(&f, h);
}

static void test_header_parse(void **state)
{
    (void)state;
    struct aof_header h = {99, 99, 99, 0};
    assert_int_equal(parse_header_payload("raftcache-aof 1\n", &h), 0);
    assert_int_equal(h.version, 1);
    assert_int_equal(h.base_index, 5);
    assert_int_equal(h.base_term, 0);
    /* Unknown keys are skipped; known ones still read. */
    assert_int_equal(parse_header_payload("raftcache-aof 1\ncreated 17\nbase-term 3\n", &h), 0);
    assert_int_equal(h.base_term, 3);

    struct aof_header untouched = {77, 77, 77, 0};
    h = untouched;
    assert_int_equal(parse_header_payload("raftcache-aof 2\n", &h), AOF_ERR_VERSION);
    assert_int_equal(parse_header_payload("raftcache-aof 0\n", &h), AOF_ERR_VERSION);
    const char *bad[] = {
        "",
        "raftcache-aof 1", /* no newline */
        "raftcache-aof\n",
        "raftcache-aof 01\n",
        "raftcache-aof  1\n",
        "raftcache-aof 1x\n",
        "raftcache-aof -1\n",
        "raftcache-aof 99999999999999999999999\n",
        "redis-aof 1\n",
        "base-term 3\nraftcache-aof 1\n",
        "raftcache-aof 1\nbase-term x\n",
        "raftcache-aof 1\nbase-term\n",
        "raftcache-aof 1\n novalue\n",
        "raftcache-aof 1\nbase-term 3",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (parse_header_payload(bad[i], &h) != AOF_ERR_HEADER)
            fail_msg("header payload %zu (%s) accepted", i, bad[i]);
    }
    assert_int_equal(h.version, 77); /* never written on failure */
    assert_int_equal(h.base_index, 77);

    struct aof_frame cmd = {AOF_KIND_COMMAND, 0, "raftcache-aof 1\n", 16, 0};
    assert_int_equal(aof_header_parse(&cmd, &h), AOF_ERR_HEADER);
}

/* ---- payloads ---- */

static void test_payload_commands(void **state)
{
    (void)state;
    const char p[] = "*2\r\n$6\r\nSELECT\r\n$1\r\n3\r\n"
                     "*3\r\n$3\r\nSET\r\n$5\r\na\0b\r\n\r\n$0\r\n\r\n";
    size_t len = sizeof p - 1, pos = 0;
    struct aof_argv a;
    aof_argv_init(&a);
    assert_int_equal(aof_payload_check(p, len), 2);
    assert_int_equal(aof_payload_next(p, len, &pos, &a), 1);
    assert_int_equal(a.argc, 2);
    assert_int_equal(a.argv[0].len, 6);
    assert_memory_equal(a.argv[0].ptr, "SELECT", 6);
    assert_memory_equal(a.argv[1].ptr, "3", 1);
    assert_int_equal(aof_payload_next(p, len, &pos, &a), 1);
    assert_int_equal(a.argc, 3);
    assert_int_equal(a.argv[1].len, 5);
    assert_memory_equal(a.argv[1].ptr, "a\0b\r\n", 5); /* binary safe */
    assert_int_equal(a.argv[2].len, 0);
    assert_ptr_equal(a.argv[2].ptr, p + len - 2);
    assert_int_equal(pos, len);
    assert_int_equal(aof_payload_next(p, len, &pos, &a), 0);
    assert_int_equal(aof_payload_next(p, len, &pos, &a), 0);

    /* An empty payload holds no command. */
    pos = 0;
    assert_int_equal(aof_payload_check("", 0), 0);
    assert_int_equal(aof_payload_next("", 0, &pos, &a), 0);

    /* Many arguments make argv grow. */
    struct buf big = BUF_INIT;
    buf_append_str(&big, "*1000\r\n");
    for (int i = 0; i < 1000; i++) {
        char num[8];
        int n = snprintf(num, sizeof num, "%d", i);
        buf_printf(&big, "$%d\r\n%s\r\n", n, num);
    }
    pos = 0;
    assert_int_equal(aof_payload_next(big.data, big.len, &pos, &a), 1);
    assert_int_equal(a.argc, 1000);
    assert_memory_equal(a.argv[999].ptr, "999", 3);
    assert_true(a.cap >= 1000);
    buf_free(&big);
    aof_argv_free(&a);
    assert_null(a.argv);
    assert_int_equal(a.cap, 0);
}

static void test_payload_malformed(void **state)
{
    (void)state;
    const char *bad[] = {
        "PING\r\n", /* inline form is not AOF */
        "*0\r\n",   /* no arguments */
        "*-1\r\n",
        "*\r\n",
        "*01\r\n$4\r\nPING\r\n", /* leading zero */
        "*1\n$4\r\nPING\r\n",
        "*1\r\n$4\r\nPIN\r\n",   /* short bulk */
        "*1\r\n$4\r\nPINGG\r\n", /* long bulk */
        "*1\r\n$4\r\nPING",      /* cut */
        "*1\r\n$4\r\nPING\r",
        "*1\r\n$-1\r\n",
        "*1\r\n$04\r\nPING\r\n",
        "*1\r\n:4\r\n",
        "*2\r\n$4\r\nPING\r\n",      /* fewer arguments than announced */
        "*1\r\n$4\r\nPING\r\nX",     /* trailing garbage */
        "*999999999\r\n$1\r\na\r\n", /* a count the payload cannot hold */
        "*1\r\n$99999999999999999999\r\nx\r\n",
        "*1\r\n$18446744073709551615\r\nx\r\n",
    };
    struct aof_argv a;
    aof_argv_init(&a);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        /* An exact-size copy, so a read past the end is an ASan report. */
        size_t len = strlen(bad[i]), pos = 0;
        char *p = malloc(len);
        assert_non_null(p);
        memcpy(p, bad[i], len);
        if (aof_payload_check(p, len) != AOF_ERR_PAYLOAD)
            fail_msg("payload %zu accepted by check", i);
        /* next: the first command may be fine (trailing garbage); the
         * failing call leaves pos and a alone. */
        int rc;
        size_t before;
        do {
            before = pos;
            rc = aof_payload_next(p, len, &pos, &a);
        } while (rc == 1);
        if (rc != AOF_ERR_PAYLOAD)
            fail_msg("payload %zu: next returned %d", i, rc);
        assert_int_equal(pos, before);
        free(p);
    }
    /* The bytes after len do not count, even when they would complete the
     * command (in a frame, the CRC follows the payload). */
    const char *ping = "*1\r\n$4\r\nPING\r\n";
    for (size_t len = 0; len < strlen(ping); len++) {
        if (aof_payload_check(ping, len) != (len == 0 ? 0 : AOF_ERR_PAYLOAD))
            fail_msg("prefix of %zu bytes", len);
    }
    /* No allocation sized by an untrusted count. */
    assert_true(a.cap <= 8);
    size_t pos = 5;
    assert_int_equal(aof_payload_next("*1\r\n", 4, &pos, &a), AOF_ERR_PAYLOAD);
    aof_argv_free(&a);
}

/* ---- scanning ---- */

static void test_scan_intact(void **state)
{
    (void)state;
    for (int raft = 0; raft <= 1; raft++) {
        struct fixture fx;
        struct delivery d;
        struct aof_scan_result r;
        fixture_build(&fx, 10, raft);
        assert_int_equal(scan(&fx, fx.file.data, fx.file.len, &d, &r), AOF_SCAN_OK);
        assert_int_equal(r.status, AOF_SCAN_OK);
        assert_prefix(&fx, &r, &d, fx.nframes);
        assert_int_equal(r.file_size, fx.file.len);
        assert_int_equal(r.last_raft_index, raft ? 110 : 0);
        assert_int_equal(r.header.base_index, raft ? 100 : 0);
        assert_int_equal(r.header.base_term, raft ? 7 : 0);
        fixture_free(&fx);
    }
}

static void test_scan_empty(void **state)
{
    (void)state;
    struct aof_scan_result r;
    assert_int_equal(aof_scan_buffer("", 0, NULL, &r), AOF_SCAN_OK);
    assert_int_equal(r.frames, 0);
    assert_int_equal(r.has_header, 0);
    assert_int_equal(r.valid_bytes, 0);
}

/* The first property: cut the file at every length; each cut loads
 * exactly the frames that are whole, and calls the rest a torn tail. */
static void test_scan_truncated_everywhere(void **state)
{
    (void)state;
    struct fixture fx;
    fixture_build(&fx, 10, 1);
    for (size_t len = 0; len <= fx.file.len; len++) {
        struct delivery d;
        struct aof_scan_result r;
        /* A copy of exactly len bytes, so ASan sees any read past the end. */
        char *copy = malloc(len ? len : 1);
        assert_non_null(copy);
        memcpy(copy, fx.file.data, len);
        int status = scan(&fx, copy, len, &d, &r);
        int k = frame_of(&fx, len); /* frames wholly inside [0, len) */
        if (k < fx.nframes && len == fx.offset[k]) {
            assert_int_equal(status, AOF_SCAN_OK);
        } else if (len == fx.file.len) {
            assert_int_equal(status, AOF_SCAN_OK);
            k = fx.nframes;
        } else {
            if (status != AOF_SCAN_TORN_TAIL)
                fail_msg("cut at %zu: status %d", len, status);
            assert_int_equal(r.reason, AOF_ERR_INCOMPLETE);
            assert_int_equal(r.bad_offset, fx.offset[k]);
        }
        assert_prefix(&fx, &r, &d, k);
        free(copy);
    }
    fixture_free(&fx);
}

/* The second property: damage each byte in turn.  Damage in the
 * last frame is a torn tail (the first n-1 frames load); damage anywhere
 * else is refused at the damaged frame's offset.  Never a wrong payload. */
static void test_scan_damaged_everywhere(void **state)
{
    (void)state;
    struct fixture fx;
    fixture_build(&fx, 10, 1);
    size_t len = fx.file.len;
    char *copy = malloc(len);
    assert_non_null(copy);
    const unsigned char flips[] = {0xff, 0x01, 0x80};
    for (size_t fi = 0; fi < sizeof flips; fi++) {
        for (size_t at = 0; at < len; at++) {
            struct delivery d;
            struct aof_scan_result r;
            memcpy(copy, fx.file.data, len);
            copy[at] = (char)(copy[at] ^ flips[fi]);
            int status = scan(&fx, copy, len, &d, &r);
            int k = frame_of(&fx, at);
            assert_prefix(&fx, &r, &d, k);
            assert_int_equal(r.bad_offset, fx.offset[k]);
            if (k == fx.nframes - 1) {
                if (status != AOF_SCAN_TORN_TAIL)
                    fail_msg("flip %02x at %zu (last frame): status %d", flips[fi], at, status);
                assert_int_equal(r.intact_offset, 0);
            } else {
                if (status != AOF_SCAN_CORRUPT)
                    fail_msg("flip %02x at %zu (frame %d): status %d", flips[fi], at, k, status);
                /* The next frame is intact, and is what proves corruption. */
                assert_int_equal(r.intact_offset, fx.offset[k + 1]);
            }
            assert_true(r.reason <= AOF_ERR_INCOMPLETE && r.reason >= AOF_ERR_CRC);
        }
    }
    free(copy);
    fixture_free(&fx);
}

/* Random multi-byte damage: whatever the verdict, what was delivered is an
 * exact prefix of what was written. */
static void test_scan_random_damage(void **state)
{
    (void)state;
    struct fixture fx;
    fixture_build(&fx, 12, 1);
    size_t len = fx.file.len;
    char *copy = malloc(len);
    assert_non_null(copy);
    for (int iter = 0; iter < 3000; iter++) {
        struct delivery d;
        struct aof_scan_result r;
        memcpy(copy, fx.file.data, len);
        size_t cut = iter % 3 == 0 ? (size_t)(rng() % (len + 1)) : len;
        int nd = 1 + (int)(rng() % 4);
        for (int i = 0; i < nd && cut > 0; i++)
            copy[rng() % cut] = (char)rng();
        int status = scan(&fx, copy, cut, &d, &r);
        assert_false(d.bad);
        int k = (int)r.frames;
        assert_int_equal(r.valid_bytes, fx.offset[k]);
        if (status == AOF_SCAN_OK)
            assert_int_equal(r.valid_bytes, cut);
        else
            assert_int_equal(r.bad_offset, r.valid_bytes);
        if (status == AOF_SCAN_CORRUPT && r.intact_offset != 0)
            assert_true(r.intact_offset > r.bad_offset && r.intact_offset < cut);
    }
    free(copy);
    fixture_free(&fx);
}

static void test_scan_zero_and_garbage_tail(void **state)
{
    (void)state;
    struct fixture fx;
    fixture_build(&fx, 5, 0);
    size_t n = fx.file.len;
    struct delivery d;
    struct aof_scan_result r;

    /* Zero-filled blocks after the last frame (size persisted, data not). */
    struct buf f = BUF_INIT;
    buf_append(&f, fx.file.data, n);
    for (int i = 0; i < 8192; i++)
        buf_append_char(&f, 0);
    assert_int_equal(scan(&fx, f.data, f.len, &d, &r), AOF_SCAN_TORN_TAIL);
    assert_prefix(&fx, &r, &d, fx.nframes);
    assert_int_equal(r.reason, AOF_ERR_START);
    assert_int_equal(r.bad_offset, n);

    /* The last frame's bytes zeroed from its middle on (same file size). */
    buf_clear(&f);
    buf_append(&f, fx.file.data, n);
    size_t last = fx.offset[fx.nframes - 1];
    memset(f.data + last + 24, 0, n - last - 24);
    assert_int_equal(scan(&fx, f.data, f.len, &d, &r), AOF_SCAN_TORN_TAIL);
    assert_prefix(&fx, &r, &d, fx.nframes - 1);

    /* Text garbage after the last frame. */
    buf_clear(&f);
    buf_append(&f, fx.file.data, n);
    buf_append_str(&f, "*1\r\n$4\r\nPING\r\n");
    assert_int_equal(scan(&fx, f.data, f.len, &d, &r), AOF_SCAN_TORN_TAIL);
    assert_prefix(&fx, &r, &d, fx.nframes);

    /* A prefix of the start marker only. */
    buf_clear(&f);
    buf_append(&f, fx.file.data, n);
    buf_append(&f, "\xF7R", 2);
    assert_int_equal(scan(&fx, f.data, f.len, &d, &r), AOF_SCAN_TORN_TAIL);
    assert_int_equal(r.reason, AOF_ERR_INCOMPLETE);
    assert_prefix(&fx, &r, &d, fx.nframes);

    /* A group commit persisted in part: the last two frames, the first of
     * them damaged, the second cut short.  Nothing intact follows the
     * damage: a torn tail of two frames. */
    buf_clear(&f);
    buf_append(&f, fx.file.data, fx.file.len - 3);
    f.data[fx.offset[fx.nframes - 2] + 22] ^= 0x55;
    assert_int_equal(scan(&fx, f.data, f.len, &d, &r), AOF_SCAN_TORN_TAIL);
    assert_prefix(&fx, &r, &d, fx.nframes - 2);
    assert_int_equal(r.reason, AOF_ERR_CRC);

    buf_free(&f);
    fixture_free(&fx);
}

static void put_len(char *frame, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        frame[8 + i] = (char)(v >> (8 * i));
}

/* A mid-file frame whose length was corrupted upwards looks like a frame cut
 * short by the end of the file; the intact frames after it make it
 * corruption.  Truncating there would throw them away. */
static void test_scan_bad_length_mid_file(void **state)
{
    (void)state;
    struct fixture fx;
    fixture_build(&fx, 6, 1);
    struct delivery d;
    struct aof_scan_result r;
    struct buf f = BUF_INIT;
    buf_append(&f, fx.file.data, fx.file.len);

    put_len(f.data + fx.offset[2], 100u << 20); /* 100 MB: past the end */
    assert_int_equal(scan(&fx, f.data, f.len, &d, &r), AOF_SCAN_CORRUPT);
    assert_prefix(&fx, &r, &d, 2);
    assert_int_equal(r.reason, AOF_ERR_INCOMPLETE);
    assert_int_equal(r.bad_offset, fx.offset[2]);
    assert_int_equal(r.intact_offset, fx.offset[3]);

    put_len(f.data + fx.offset[2], 0xffffffffu); /* above the limit */
    assert_int_equal(scan(&fx, f.data, f.len, &d, &r), AOF_SCAN_CORRUPT);
    assert_int_equal(r.reason, AOF_ERR_LENGTH);
    assert_int_equal(r.intact_offset, fx.offset[3]);

    /* The same on the last frame is a torn tail. */
    buf_clear(&f);
    buf_append(&f, fx.file.data, fx.file.len);
    put_len(f.data + fx.offset[fx.nframes - 1], 100u << 20);
    assert_int_equal(scan(&fx, f.data, f.len, &d, &r), AOF_SCAN_TORN_TAIL);
    assert_prefix(&fx, &r, &d, fx.nframes - 1);
    buf_free(&f);
    fixture_free(&fx);
}

static void test_scan_misplaced_frames(void **state)
{
    (void)state;
    struct delivery d;
    struct aof_scan_result r;
    struct fixture fx;
    struct buf f = BUF_INIT;
    const char *ping = "*1\r\n$4\r\nPING\r\n";

    /* Not a raftcache AOF at all (a Redis AOF): refused, not "repaired" into
     * an empty file. */
    fixture_build(&fx, 0, 0);
    const char *redis_aof =
        "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n";
    assert_int_equal(scan(&fx, redis_aof, strlen(redis_aof), &d, &r), AOF_SCAN_CORRUPT);
    assert_int_equal(r.reason, AOF_ERR_START);
    assert_int_equal(r.bad_offset, 0);
    assert_int_equal(r.frames, 0);

    /* A damaged header that is the whole file: refused too. */
    buf_append(&f, fx.file.data, fx.file.len);
    f.data[22] ^= 1;
    assert_int_equal(scan(&fx, f.data, f.len, &d, &r), AOF_SCAN_CORRUPT);
    assert_int_equal(r.reason, AOF_ERR_CRC);
    /* But a header cut short (the file was being created) is a torn tail. */
    assert_int_equal(scan(&fx, fx.file.data, fx.file.len - 1, &d, &r), AOF_SCAN_TORN_TAIL);
    assert_int_equal(r.valid_bytes, 0);
    assert_int_equal(r.frames, 0);

    /* No header: the first frame is a command frame. */
    buf_clear(&f);
    aof_frame_encode(&f, AOF_KIND_COMMAND, 0, ping, strlen(ping));
    assert_int_equal(scan(&fx, f.data, f.len, &d, &r), AOF_SCAN_CORRUPT);
    assert_int_equal(r.reason, AOF_ERR_NO_HEADER);
    assert_int_equal(r.bad_offset, 0);
    assert_int_equal(d.next, 1); /* nothing delivered */

    /* A second header frame, even as the last frame. */
    buf_clear(&f);
    buf_append(&f, fx.file.data, fx.file.len);
    size_t second = f.len;
    struct aof_header h = {1, 0, 0, 0};
    aof_header_encode(&f, &h);
    assert_int_equal(scan(&fx, f.data, f.len, &d, &r), AOF_SCAN_CORRUPT);
    assert_int_equal(r.reason, AOF_ERR_UNEXPECTED_HEADER);
    assert_int_equal(r.bad_offset, second);
    assert_int_equal(r.frames, 1);

    /* A version from the future. */
    buf_clear(&f);
    aof_frame_encode(&f, AOF_KIND_HEADER, 0, "raftcache-aof 2\n", 16);
    aof_frame_encode(&f, AOF_KIND_COMMAND, 0, ping, strlen(ping));
    assert_int_equal(scan(&fx, f.data, f.len, &d, &r), AOF_SCAN_CORRUPT);
    assert_int_equal(r.reason, AOF_ERR_VERSION);
    assert_int_equal(r.has_header, 0);

    /* An intact command frame whose payload is not strict RESP, last. */
    buf_clear(&f);
    buf_append(&f, fx.file.data, fx.file.len);
    aof_frame_encode(&f, AOF_KIND_COMMAND, 0, "PING\r\n", 6);
    assert_int_equal(scan(&fx, f.data, f.len, &d, &r), AOF_SCAN_CORRUPT);
    assert_int_equal(r.reason, AOF_ERR_PAYLOAD);
    assert_int_equal(r.bad_offset, fx.file.len);
    assert_int_equal(r.intact_offset, 0);

    buf_free(&f);
    fixture_free(&fx);
}

/* The documented limit: a torn last frame whose payload holds a complete
 * frame is called corrupt (refused: the safe direction). */
static void test_scan_embedded_frame_is_corrupt(void **state)
{
    (void)state;
    struct fixture fx;
    struct delivery d;
    struct aof_scan_result r;
    struct buf inner = BUF_INIT, cmd = BUF_INIT;
    fixture_build(&fx, 2, 0);
    aof_frame_encode(&inner, AOF_KIND_COMMAND, 0, "*1\r\n$4\r\nPING\r\n", 14);
    buf_printf(&cmd, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$%zu\r\n", inner.len);
    buf_append(&cmd, inner.data, inner.len);
    buf_append(&cmd, "\r\n", 2);
    fixture_add(&fx, AOF_KIND_COMMAND, 0, cmd.data, cmd.len);
    assert_int_equal(scan(&fx, fx.file.data, fx.file.len, &d, &r), AOF_SCAN_OK);
    assert_prefix(&fx, &r, &d, fx.nframes);
    assert_int_equal(scan(&fx, fx.file.data, fx.file.len - 1, &d, &r), AOF_SCAN_CORRUPT);
    assert_prefix(&fx, &r, &d, fx.nframes - 1);
    buf_free(&inner);
    buf_free(&cmd);
    fixture_free(&fx);
}

static void test_scan_callbacks(void **state)
{
    (void)state;
    struct fixture fx;
    struct delivery d;
    struct aof_scan_result r;
    struct aof_scan_opts o = {0};
    fixture_build(&fx, 10, 1);

    /* A callback stops the scan. */
    memset(&d, 0, sizeof d);
    d.fx = &fx;
    d.next = 1;
    d.stop_at = 4;
    o.on_frame = on_frame;
    o.on_header = on_header;
    o.ctx = &d;
    assert_int_equal(aof_scan_buffer(fx.file.data, fx.file.len, &o, &r), AOF_SCAN_STOPPED);
    assert_int_equal(r.stop_code, 42);
    assert_int_equal(r.bad_offset, fx.offset[4]);
    assert_int_equal(r.frames, 4);
    assert_false(d.bad);

    /* Progress every 200 bytes: increasing, within the file. */
    memset(&d, 0, sizeof d);
    d.fx = &fx;
    d.next = 1;
    o.on_progress = on_progress;
    o.progress_interval = 200;
    assert_int_equal(aof_scan_buffer(fx.file.data, fx.file.len, &o, &r), AOF_SCAN_OK);
    assert_false(d.bad);
    assert_true(d.progress_calls >= 1);
    assert_true((uint64_t)d.progress_calls <= fx.file.len / 200);

    /* Raft index: frames with index 0 do not reset the last one. */
    struct buf f = BUF_INIT;
    struct aof_header h = {1, 0, 0, 0};
    aof_header_encode(&f, &h);
    aof_frame_encode(&f, AOF_KIND_COMMAND, 50, "", 0);
    aof_frame_encode(&f, AOF_KIND_COMMAND, 0, "", 0);
    assert_int_equal(aof_scan_buffer(f.data, f.len, NULL, &r), AOF_SCAN_OK);
    assert_int_equal(r.last_raft_index, 50);
    assert_int_equal(r.frames, 3);
    assert_int_equal(r.commands, 0);
    buf_free(&f);
    fixture_free(&fx);
}

/* ---- files ---- */

static void write_file(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static void test_scan_file(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_aof_codec.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/appendonly.aof", dir);
    struct fixture fx;
    struct delivery d;
    struct aof_scan_result r, rb;
    struct aof_scan_opts o = {0};
    fixture_build(&fx, 10, 1);

    /* Missing, a directory, empty. */
    assert_int_equal(aof_scan_file(path, NULL, &r), -ENOENT);
    assert_int_equal(aof_scan_file(dir, NULL, &r), -EISDIR);
    write_file(path, "", 0);
    assert_int_equal(aof_scan_file(path, NULL, &r), 0);
    assert_int_equal(r.status, AOF_SCAN_OK);
    assert_int_equal(r.frames, 0);

    /* Intact: the same verdict and deliveries as the in-memory scan. */
    write_file(path, fx.file.data, fx.file.len);
    memset(&d, 0, sizeof d);
    d.fx = &fx;
    d.next = 1;
    o.on_frame = on_frame;
    o.on_header = on_header;
    o.ctx = &d;
    assert_int_equal(aof_scan_file(path, &o, &r), 0);
    assert_int_equal(r.status, AOF_SCAN_OK);
    assert_prefix(&fx, &r, &d, fx.nframes);

    /* Torn: cut it, then it is intact. */
    size_t torn_len = fx.file.len - 5;
    write_file(path, fx.file.data, torn_len);
    assert_int_equal(aof_scan_file(path, NULL, &r), 0);
    assert_int_equal(r.status, AOF_SCAN_TORN_TAIL);
    aof_scan_buffer(fx.file.data, torn_len, NULL, &rb);
    assert_int_equal(r.status, rb.status);
    assert_int_equal(r.reason, rb.reason);
    assert_int_equal(r.frames, rb.frames);
    assert_int_equal(r.valid_bytes, rb.valid_bytes);
    assert_int_equal(r.bad_offset, rb.bad_offset);
    assert_int_equal(r.file_size, torn_len);
    /* Refused if the file is not the size that was scanned. */
    assert_int_equal(aof_truncate_tail(path, r.valid_bytes, r.file_size + 1), -ESTALE);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, torn_len);
    assert_int_equal(aof_truncate_tail(path, r.valid_bytes, r.file_size), 0);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, fx.offset[fx.nframes - 1]);
    assert_int_equal(aof_scan_file(path, NULL, &r), 0);
    assert_int_equal(r.status, AOF_SCAN_OK);
    assert_int_equal(r.frames, fx.nframes - 1);

    assert_int_equal(unlink(path), 0);
    assert_int_equal(aof_truncate_tail(path, 0, 0), -ENOENT);
    assert_int_equal(rmdir(dir), 0);
    fixture_free(&fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frame_layout),
        cmocka_unit_test(test_header_layout),
        cmocka_unit_test(test_round_trip_random),
        cmocka_unit_test(test_decode_prefixes_need_more),
        cmocka_unit_test(test_decode_errors),
        cmocka_unit_test(test_encode_too_big),
        cmocka_unit_test(test_strerror),
        cmocka_unit_test(test_header_parse),
        cmocka_unit_test(test_payload_commands),
        cmocka_unit_test(test_payload_malformed),
        cmocka_unit_test(test_scan_intact),
        cmocka_unit_test(test_scan_empty),
        cmocka_unit_test(test_scan_truncated_everywhere),
        cmocka_unit_test(test_scan_damaged_everywhere),
        cmocka_unit_test(test_scan_random_damage),
        cmocka_unit_test(test_scan_zero_and_garbage_tail),
        cmocka_unit_test(test_scan_bad_length_mid_file),
        cmocka_unit_test(test_scan_misplaced_frames),
        cmocka_unit_test(test_scan_embedded_frame_is_corrupt),
        cmocka_unit_test(test_scan_callbacks),
        cmocka_unit_test(test_scan_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
