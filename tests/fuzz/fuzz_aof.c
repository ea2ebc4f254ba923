/* fuzz_aof: libFuzzer target for the AOF frame decoder, payload parser and
 * file scanner (aof_codec.c).
 *
 * Two modes, chosen by the first input byte:
 *
 *   raw (even):   the rest of the input is an AOF file as found on disk.
 *                 Random bytes rarely pass a CRC, so this mode mostly
 *                 exercises the framing errors and the torn/corrupt rule.
 *   built (odd):  the rest is a recipe: chunks of [index byte][len byte]
 *                 [len bytes], each becoming a command frame (the bytes
 *                 wrapped as a one-argument RESP command) after a header
 *                 frame; the last 4 bytes give a cut point and one damaged
 *                 byte.  This reaches deep into intact files, which
 *                 mutation alone cannot forge.
 *
 * Checked beyond "no crash, no sanitizer report":
 *   - every delivered frame lies inside the input and re-encodes to exactly
 *     its bytes; its payload parses into commands whose arguments lie inside
 *     it, as many as aof_payload_check() counted;
 *   - the verdict is consistent: OK covers every byte; TORN/CORRUPT report
 *     the offset where intact frames stop; a CORRUPT verdict's intact frame
 *     really decodes; the kept prefix of a torn file scans OK, same frames;
 *   - built mode: what is delivered is a byte-exact prefix of what was
 *     built, and the damage is reported at the damaged frame's offset.
 *
 * Build (clang from Debian, from the top of the tree):
 *   clang -g -O1 -std=c11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
 *       -Isrc tests/fuzz/fuzz_aof.c src/aof_codec.c src/crc64.c src/util/buf.c \
 *       src/util/util.c src/util/log.c -lm -lpthread -o fuzz_aof
 *   ./fuzz_aof -max_len=4096 tests/fuzz/corpus/aof
 * With -DRC_FUZZ_REPLAY instead of -fsanitize=fuzzer (any compiler) it gets a
 * main() that runs each file, or each file in each directory, named on the
 * command line once: that is how ctest replays tests/fuzz/corpus/aof/. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aof_codec.h"
#include "util/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);               \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#define MAX_BUILT 256

struct built {
    size_t nframes;
    size_t offset[MAX_BUILT + 1];
};

struct ctx {
    const uint8_t *data;
    size_t size;
    struct aof_argv argv;
    struct buf reenc;
    uint64_t frames_seen;
    const struct built *built; /* built mode: the frames as written */
    const uint8_t *orig;       /* built mode: the file before damage */
};

static int on_frame(void *vctx, const struct aof_frame *f, uint64_t offset)
{
    struct ctx *c = vctx;
    const char *base = (const char *)c->data;

    c->frames_seen++;
    CHECK(offset + f->frame_len <= c->size);
    CHECK(f->payload == base + offset + AOF_FRAME_HEAD_LEN);
    CHECK(f->frame_len == AOF_FRAME_OVERHEAD + f->payload_len);
    CHECK(f->kind == AOF_KIND_COMMAND);

    /* Encoding is deterministic: an intact frame is what the encoder writes. */
    buf_clear(&c->reenc);
    CHECK(aof_frame_encode(&c->reenc, f->kind, f->raft_index, f->payload, f->payload_len) == 0);
    CHECK(c->reenc.len == f->frame_len);
    CHECK(memcmp(c->reenc.data, base + offset, f->frame_len) == 0);

    long long n = aof_payload_check(f->payload, f->payload_len);
    CHECK(n >= 0);
    size_t pos = 0;
    long long got = 0;
    int rc;
    while ((rc = aof_payload_next(f->payload, f->payload_len, &pos, &c->argv)) == 1) {
        got++;
        CHECK(c->argv.argc >= 1);
        for (int i = 0; i < c->argv.argc; i++) {
            const char *a = c->argv.argv[i].ptr;
            CHECK(a >= f->payload && a + c->argv.argv[i].len <= f->payload + f->payload_len);
        }
    }
    CHECK(rc == 0 && got == n && pos == f->payload_len);

    if (c->built) {
        /* Delivered frames are the built ones, in order, unchanged. */
        size_t k = (size_t)c->frames_seen; /* frame 0 is the header */
        CHECK(k < c->built->nframes);
        CHECK(offset == c->built->offset[k]);
        CHECK(memcmp(base + offset, c->orig + offset, f->frame_len) == 0);
    }
    return 0;
}

static void check_scan(struct ctx *c, const struct built *built, const uint8_t *orig)
{
    struct aof_scan_opts o = {0};
    struct aof_scan_result r, r2;
    struct aof_frame f;

    c->frames_seen = 0;
    c->built = built;
    c->orig = orig;
    o.on_frame = on_frame;
    o.ctx = c;
    int status = aof_scan_buffer(c->data, c->size, &o, &r);
    CHECK(status == r.status);
    CHECK(r.file_size == c->size);
    CHECK(r.valid_bytes <= c->size);
    CHECK(r.frames == c->frames_seen + (r.has_header ? 1 : 0));
    switch (status) {
    case AOF_SCAN_OK:
        CHECK(r.valid_bytes == c->size);
        break;
    case AOF_SCAN_TORN_TAIL:
        CHECK(r.bad_offset == r.valid_bytes && r.bad_offset < c->size);
        CHECK(r.intact_offset == 0);
        /* The prefix to keep is a file that loads, with the same frames. */
        CHECK(aof_scan_buffer(c->data, (size_t)r.valid_bytes, NULL, &r2) == AOF_SCAN_OK);
        CHECK(r2.frames == r.frames && r2.commands == r.commands &&
              r2.last_raft_index == r.last_raft_index);
        break;
    case AOF_SCAN_CORRUPT:
        CHECK(r.bad_offset == r.valid_bytes && r.bad_offset < c->size);
        if (r.intact_offset != 0) {
            CHECK(r.intact_offset > r.bad_offset && r.intact_offset < c->size);
            CHECK(aof_frame_decode(c->data + r.intact_offset, c->size - (size_t)r.intact_offset, &f,
                                   NULL) == AOF_OK);
        }
        break;
    default:
        CHECK(0);
    }
    if (built != NULL && r.frames > 0)
        CHECK(r.valid_bytes == built->offset[r.frames]);
}

/* The decoder alone, at the start of the input: a frame's strict prefixes
 * need more; the header and payload parsers on raw bytes. */
static void check_decoder(const uint8_t *data, size_t size)
{
    struct aof_frame f;
    struct aof_header h;
    size_t need = 0;
    int rc = aof_frame_decode(data, size, &f, &need);
    if (rc == AOF_OK) {
        CHECK(f.frame_len <= size);
        size_t cuts[3] = {0, f.frame_len / 2, f.frame_len - 1};
        for (int i = 0; i < 3; i++) {
            CHECK(aof_frame_decode(data, cuts[i], &f, &need) == AOF_NEED_MORE);
            CHECK(need > cuts[i]);
        }
    } else if (rc == AOF_NEED_MORE) {
        CHECK(need > size);
    } else {
        CHECK(rc <= AOF_ERR_INCOMPLETE && rc >= AOF_ERR_CRC);
    }
    struct aof_frame hf = {AOF_KIND_HEADER, 0, (const char *)data, size, 0};
    rc = aof_header_parse(&hf, &h);
    CHECK(rc == 0 || rc == AOF_ERR_HEADER || rc == AOF_ERR_VERSION);
    CHECK(aof_payload_check((const char *)data, size) >= AOF_ERR_PAYLOAD);
}

static void built_mode(struct ctx *c, const uint8_t *in, size_t n)
{
    struct built b;
    struct buf file = BUF_INIT, cmd = BUF_INIT;
    struct aof_header h = {AOF_FORMAT_VERSION, 0, 0, 0};
    uint8_t tailp[4] = {0, 0, 0, 0};

    if (n >= 4) {
        memcpy(tailp, in + n - 4, 4);
        n -= 4;
    }
    aof_header_encode(&file, &h);
    b.nframes = 1;
    b.offset[0] = 0;
    size_t i = 0;
    uint64_t index = 0;
    while (i + 2 <= n && b.nframes < MAX_BUILT) {
        size_t len = in[i + 1];
        if (len > n - i - 2)
            len = n - i - 2;
        index += in[i]; /* 0 now and then: a frame without a Raft index */
        buf_clear(&cmd);
        buf_printf(&cmd, "*1\r\n$%zu\r\n", len);
        buf_append(&cmd, in + i + 2, len);
        buf_append(&cmd, "\r\n", 2);
        b.offset[b.nframes++] = file.len;
        CHECK(aof_frame_encode(&file, AOF_KIND_COMMAND, in[i] ? index : 0, cmd.data, cmd.len) == 0);
        i += 2 + len;
    }
    b.offset[b.nframes] = file.len;

    uint8_t *orig = malloc(file.len ? file.len : 1);
    CHECK(orig != NULL);
    memcpy(orig, file.data, file.len);

    /* Intact first: everything loads. */
    c->data = (const uint8_t *)file.data;
    c->size = file.len;
    check_scan(c, &b, orig);

    /* Then cut and damage as the recipe says. */
    size_t cut = file.len - (file.len * tailp[0]) / 1024; /* keeps >= 75% */
    size_t at = ((size_t)tailp[1] << 8 | tailp[2]) % (file.len ? file.len : 1);
    uint8_t *copy = malloc(cut ? cut : 1);
    CHECK(copy != NULL);
    memcpy(copy, file.data, cut);
    int damaged = at < cut && tailp[3] != 0;
    if (damaged)
        copy[at] ^= tailp[3];
    c->data = copy;
    c->size = cut;
    check_scan(c, &b, orig);
    struct aof_scan_result r;
    aof_scan_buffer(copy, cut, NULL, &r);
    if (damaged) {
        /* The damage stops the scan at the damaged frame (or earlier, if
         * the cut is earlier). */
        size_t k = 0;
        while (b.offset[k + 1] <= at)
            k++;
        CHECK(r.status != AOF_SCAN_OK);
        CHECK(r.bad_offset <= b.offset[k]);
    }
    free(copy);
    free(orig);
    buf_free(&file);
    buf_free(&cmd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ctx c;
    memset(&c, 0, sizeof c);
    aof_argv_init(&c.argv);
    buf_init(&c.reenc);

    if (size == 0 || (data[0] & 1) == 0) {
        size_t n = size ? size - 1 : 0;
        /* An exact-size copy, so a read past the end is an ASan report. */
        uint8_t *copy = malloc(n ? n : 1);
        CHECK(copy != NULL);
        if (n)
            memcpy(copy, data + 1, n);
        check_decoder(copy, n);
        c.data = copy;
        c.size = n;
        check_scan(&c, NULL, NULL);
        free(copy);
    } else {
        built_mode(&c, data + 1, size - 1);
    }
    aof_argv_free(&c.argv);
    buf_free(&c.reenc);
    return 0;
}

#ifdef RC_FUZZ_REPLAY
#include <dirent.h>
#include <sys/stat.h>

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        return -1;
    }
    struct buf b = BUF_INIT;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        buf_append(&b, chunk, n);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        fprintf(stderr, "%s: read error\n", path);
        buf_free(&b);
        return -1;
    }
    LLVMFuzzerTestOneInput((const uint8_t *)(b.data ? b.data : ""), b.len);
    buf_free(&b);
    return 0;
}

int main(int argc, char **argv)
{
    int files = 0, failures = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            perror(argv[i]);
            failures++;
            continue;
        }
        if (!S_ISDIR(st.st_mode)) {
            failures += replay_file(argv[i]) != 0;
            files++;
            continue;
        }
        DIR *d = opendir(argv[i]);
        if (d == NULL) {
            perror(argv[i]);
            failures++;
            continue;
        }
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.')
                continue;
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", argv[i], e->d_name);
            failures += replay_file(path) != 0;
            files++;
        }
        closedir(d);
    }
    printf("fuzz_aof: replayed %d input(s), %d failure(s)\n", files, failures);
    return failures ? 1 : 0;
}
#endif
