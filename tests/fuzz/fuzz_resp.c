/* fuzz_resp: libFuzzer target for the RESP request parser.
 *
 * For each input it checks, beyond "no crash, no sanitizer report":
 *   - the parser's contract (consumed in range and 0 unless RESP_OK, argv
 *     inside the fed bytes or the parser's own storage, err set iff
 *     RESP_ERR, errors sticky);
 *   - split invariance: the same bytes fed whole and fed in small chunks
 *     (through a query buffer that moves in memory at every read) give the
 *     same commands and the same error;
 *   - small limits (inline 32, bulk 16, 8 args) exercise the limit paths;
 *   - every parsed command, written back with the writer as an array of
 *     bulks, parses to the same arguments.
 *
 * Built with clang -fsanitize=fuzzer it is a libFuzzer target.  Built with
 * -DRC_FUZZ_REPLAY it gets a main() that runs each file (or each file in
 * each directory) named on the command line once: that is how ctest replays
 * the committed corpus in tests/fuzz/corpus/resp/ without libFuzzer. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resp.h"
#include "util/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken property is a bug in the parser: stop loudly so the fuzzer
 * records the input (assert() could be compiled out). */
#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);               \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

struct limits {
    long long max_bulk;
    long long max_mb;
    size_t max_inline;
};

struct outcome {
    struct buf cmds; /* serialized commands */
    char err[128];
    int has_err;
    int ncmds;
};

static void record(struct outcome *o, const struct resp_parser *p, const char *q, size_t qlen)
{
    buf_printf(&o->cmds, "%d|", p->argc);
    for (int i = 0; i < p->argc; i++) {
        const char *a = p->argv[i].ptr;
        size_t l = p->argv[i].len;
        int in_query = a >= q && a + l <= q + qlen;
        int in_store = p->inline_store.data != NULL && a >= p->inline_store.data &&
                       a + l <= p->inline_store.data + p->inline_store.len;
        CHECK(l == 0 || in_query || in_store);
        buf_printf(&o->cmds, "%zu:", l);
        buf_append(&o->cmds, a, l);
        buf_append_char(&o->cmds, '|');
    }
    o->ncmds++;
}

/* The round trip: write the command as a multibulk request, parse it back. */
static void check_roundtrip(const struct resp_parser *orig)
{
    struct buf w = BUF_INIT;
    struct resp_parser p;
    size_t consumed = 0;

    resp_add_array_len(&w, orig->argc);
    for (int i = 0; i < orig->argc; i++)
        resp_add_bulk(&w, orig->argv[i].ptr, orig->argv[i].len);
    resp_parser_init(&p);
    int rc = resp_parse(&p, w.data, w.len, &consumed, NULL);
    CHECK(rc == RESP_OK);
    CHECK(consumed == w.len);
    CHECK(p.argc == orig->argc);
    for (int i = 0; i < p.argc; i++) {
        CHECK(p.argv[i].len == orig->argv[i].len);
        CHECK(memcmp(p.argv[i].ptr, orig->argv[i].ptr, p.argv[i].len) == 0);
    }
    resp_parser_free(&p);
    buf_free(&w);
}

/* Feeds data in chunks of the given sizes (cycled; 0 means everything at
 * once), like the server's read loop. */
static void run(const uint8_t *data, size_t size, const struct limits *lim, const uint8_t *chunks,
                size_t nchunks, int roundtrip, struct outcome *o)
{
    struct resp_parser p;
    char *q = NULL;
    size_t qlen = 0, off = 0, ci = 0;

    buf_init(&o->cmds);
    o->has_err = 0;
    o->ncmds = 0;
    resp_parser_init(&p);
    if (lim) {
        p.max_bulk_len = lim->max_bulk;
        p.max_multibulk_len = lim->max_mb;
        p.max_inline_len = lim->max_inline;
    }
    while (off < size && !o->has_err) {
        size_t step = size - off;
        if (nchunks) {
            size_t c = chunks[ci++ % nchunks];
            if (c > 0 && c < step)
                step = c;
        }
        /* A fresh allocation each read: stale pointers become ASan reports. */
        char *nq = malloc(qlen + step + 1);
        CHECK(nq != NULL);
        if (qlen)
            memcpy(nq, q, qlen);
        memcpy(nq + qlen, data + off, step);
        free(q);
        q = nq;
        qlen += step;
        off += step;
        for (;;) {
            size_t consumed = 12345, hint = 12345;
            int rc = resp_parse(&p, q, qlen, &consumed, &hint);
            if (rc == RESP_OK) {
                CHECK(consumed > 0 && consumed <= qlen);
                CHECK(p.argc >= 0);
                CHECK(p.err == NULL);
                record(o, &p, q, qlen);
                if (roundtrip)
                    check_roundtrip(&p);
                memmove(q, q + consumed, qlen - consumed);
                qlen -= consumed;
                continue;
            }
            CHECK(consumed == 0);
            if (rc == RESP_ERR) {
                CHECK(p.err != NULL);
                CHECK(strncmp(p.err, "ERR Protocol error: ", 20) == 0);
                CHECK(strchr(p.err, '\r') == NULL && strchr(p.err, '\n') == NULL);
                snprintf(o->err, sizeof(o->err), "%s", p.err);
                o->has_err = 1;
                /* Sticky. */
                CHECK(resp_parse(&p, "PING\r\n", 6, &consumed, NULL) == RESP_ERR);
                CHECK(consumed == 0);
            } else {
                CHECK(rc == RESP_NEED_MORE);
                CHECK(hint <= (size_t)INT64_MAX);
            }
            break;
        }
    }
    free(q);
    resp_parser_free(&p);
}

static void compare(const struct outcome *a, const struct outcome *b)
{
    CHECK(a->ncmds == b->ncmds);
    CHECK(a->cmds.len == b->cmds.len);
    CHECK(a->cmds.len == 0 || memcmp(a->cmds.data, b->cmds.data, a->cmds.len) == 0);
    CHECK(a->has_err == b->has_err);
    CHECK(!a->has_err || strcmp(a->err, b->err) == 0);
}

static void check_limits(const uint8_t *data, size_t size, const struct limits *lim)
{
    /* Chunk sizes derived from the input itself, so the fuzzer can steer
     * the split points; plus byte-at-a-time for short inputs. */
    uint8_t chunks[16];
    size_t nchunks = 0;
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < size; i++)
        h = (h ^ data[i]) * 16777619u;
    for (; nchunks < sizeof(chunks); nchunks++) {
        h = h * 1103515245u + 12345u;
        chunks[nchunks] = (uint8_t)(1 + (h >> 16) % 13);
    }
    static const uint8_t one = 1;

    struct outcome whole, split, bytewise;
    run(data, size, lim, NULL, 0, 1, &whole);
    run(data, size, lim, chunks, nchunks, 0, &split);
    compare(&whole, &split);
    buf_free(&split.cmds);
    if (size <= 2048) {
        run(data, size, lim, &one, 1, 0, &bytewise);
        compare(&whole, &bytewise);
        buf_free(&bytewise.cmds);
    }
    buf_free(&whole.cmds);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct limits small = {16, 8, 32};
    check_limits(data, size, NULL);
    check_limits(data, size, &small);
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
            snprintf(path, sizeof(path), "%s/%s", argv[i], e->d_name);
            failures += replay_file(path) != 0;
            files++;
        }
        closedir(d);
    }
    printf("fuzz_resp: replayed %d input(s), %d unreadable\n", files, failures);
    /* An empty corpus means the test is not testing anything. */
    return (failures || files == 0) ? 1 : 0;
}
#endif
