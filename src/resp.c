/* resp: incremental RESP request parser and reply writer (see resp.h).
 *
 * Parser design
 * -------------
 * The caller keeps the bytes of a partial command in its query buffer and
 * feeds them again, from the same start, with more appended.  The buffer may
 * be reallocated between calls, so the parser remembers offsets, never
 * pointers:
 *
 *   pos   offset of the first byte not yet parsed (start of the next
 *         "$<len>" line or bulk payload)
 *   scan  offset up to which we already looked for the '\r' / '\n' that
 *         ends the current line without finding it
 *
 * With both, every byte is examined a bounded number of times however the
 * input is split, so a command costs O(its size) even when it arrives one
 * byte per read.  Arguments are recorded as (offset, length) pairs and turned
 * into pointers only when the command is complete (RESP_OK).
 *
 * The argv array grows as bulks actually arrive, never to the announced
 * count: "*2000000000\r\n" costs 13 bytes of input and must not cost 32GB.
 *
 * Behaviour follows Redis 7's processMultibulkBuffer / processInlineBuffer,
 * including its leniencies (the byte after a '\r' that ends a length line,
 * and the two bytes after a bulk payload, are skipped unchecked), with two
 * deliberate differences, both about inputs Redis mishandles: a NUL byte is
 * an ordinary byte when looking for line ends (Redis's strchr() stops at it
 * and waits forever), and the "too big" limits are decided on the first
 * max_inline_len+1 bytes of a line, so the outcome never depends on how the
 * bytes were split across reads.  See docs/resp.md.
 *
 * Storage of pos/scan: struct resp_parser has no field for them, so they
 * live in a small header allocated in front of the argv array (struct
 * argv_block below); p->argv always points at its `args` member. */
#include "resp.h"

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

#define RESP_DEFAULT_MAX_BULK (512LL * 1024 * 1024)
/* Redis 7 rejects a multibulk count above INT_MAX (argc is an int). */
#define RESP_DEFAULT_MAX_MULTIBULK ((long long)INT_MAX)
#define RESP_DEFAULT_MAX_INLINE    ((size_t)64 * 1024)

#define ARGV_INIT_CAP 8
/* A command with more arguments than this gives its argv back when the next
 * command starts, so one huge MSET does not pin memory for the client's
 * lifetime. */
#define ARGV_KEEP_CAP 1024

#define ERR_MBULK_LEN    "ERR Protocol error: invalid multibulk length"
#define ERR_BULK_LEN     "ERR Protocol error: invalid bulk length"
#define ERR_INLINE_BIG   "ERR Protocol error: too big inline request"
#define ERR_MBULK_BIG    "ERR Protocol error: too big mbulk count string"
#define ERR_BULK_BIG     "ERR Protocol error: too big bulk count string"
#define ERR_QUOTES       "ERR Protocol error: unbalanced quotes in request"
#define ERR_OOM          "ERR Protocol error: out of memory"
#define ERR_EXPECTED_FMT "ERR Protocol error: expected '$', got '?'"

enum parse_state {
    ST_IDLE = 0,   /* between commands */
    ST_INLINE = 1, /* looking for the '\n' of an inline command */
    ST_MB_COUNT,   /* looking for the end of "*<n>" */
    ST_MB_BULKS,   /* reading "$<len>" lines and payloads */
    ST_ERROR,      /* sticky */
};

struct argv_block {
    size_t pos;
    size_t scan;
    struct resp_arg args[];
};

static struct argv_block *block_of(struct resp_parser *p)
{
    return (struct argv_block *)(void *)((char *)p->argv - offsetof(struct argv_block, args));
}

static struct argv_block *block_alloc(int cap)
{
    return malloc(sizeof(struct argv_block) + (size_t)cap * sizeof(struct resp_arg));
}

void resp_parser_init(struct resp_parser *p)
{
    memset(p, 0, sizeof(*p));
    p->max_bulk_len = RESP_DEFAULT_MAX_BULK;
    p->max_multibulk_len = RESP_DEFAULT_MAX_MULTIBULK;
    p->max_inline_len = RESP_DEFAULT_MAX_INLINE;
    struct argv_block *blk = block_alloc(ARGV_INIT_CAP);
    if (blk == NULL) {
        /* Tiny and made once per connection: treat as server-sized. */
        blk = xmalloc(sizeof(struct argv_block) + ARGV_INIT_CAP * sizeof(struct resp_arg));
    }
    blk->pos = 0;
    blk->scan = 0;
    p->argv = blk->args;
    p->argv_cap = ARGV_INIT_CAP;
    p->bulk_len = -1;
    buf_init(&p->inline_store);
    p->state = ST_IDLE;
}

void resp_parser_free(struct resp_parser *p)
{
    if (p->argv != NULL)
        free(block_of(p));
    p->argv = NULL;
    p->argv_cap = 0;
    p->argc = 0;
    buf_free(&p->inline_store);
}

void resp_parser_reset(struct resp_parser *p)
{
    struct argv_block *blk = block_of(p);
    blk->pos = 0;
    blk->scan = 0;
    p->state = ST_IDLE;
    p->err = NULL;
    p->argc = 0;
    p->mb_remaining = 0;
    p->bulk_len = -1;
    buf_clear(&p->inline_store);
}

static int fail(struct resp_parser *p, const char *msg)
{
    p->err = msg;
    p->state = ST_ERROR;
    return RESP_ERR;
}

/* Ensures room for one more argument; 0, or -1 if memory ran out (the
 * request is client-sized, so it fails instead of aborting). */
static int argv_grow(struct resp_parser *p)
{
    if (p->argc < p->argv_cap)
        return 0;
    if (p->argv_cap >= INT_MAX)
        return -1;
    int ncap = p->argv_cap > INT_MAX / 2 ? INT_MAX : p->argv_cap * 2;
    struct argv_block *blk =
        realloc(block_of(p), sizeof(struct argv_block) + (size_t)ncap * sizeof(struct resp_arg));
    if (blk == NULL)
        return -1;
    p->argv = blk->args;
    p->argv_cap = ncap;
    return 0;
}

static void argv_shrink(struct resp_parser *p)
{
    if (p->argv_cap <= ARGV_KEEP_CAP)
        return;
    struct argv_block *blk =
        realloc(block_of(p), sizeof(struct argv_block) + ARGV_INIT_CAP * sizeof(struct resp_arg));
    if (blk == NULL)
        return; /* keep the big one; harmless */
    p->argv = blk->args;
    p->argv_cap = ARGV_INIT_CAP;
}

/* Arguments are stored as offsets while a command is incomplete (the
 * caller's buffer may move); these convert at RESP_OK. */
static void arg_set_offset(struct resp_arg *a, size_t off, size_t len)
{
    a->ptr = (const char *)(uintptr_t)off;
    a->len = len;
}

static void args_to_pointers(struct resp_parser *p, const char *base)
{
    for (int i = 0; i < p->argc; i++)
        p->argv[i].ptr = base + (uintptr_t)p->argv[i].ptr;
}

/* Looks for `ch` in the line that starts at blk->pos, resuming at blk->scan.
 * Only the first `max + 1` bytes of the line may hold it.  Returns the
 * offset of `ch`, or -1 if more bytes are needed, or -2 if the line is
 * already longer than `max` without it. */
static long long find_line_end(struct argv_block *blk, const char *data, size_t len, char ch,
                               size_t max)
{
    size_t limit = len;
    if (max < SIZE_MAX - blk->pos - 1 && blk->pos + max + 1 < limit)
        limit = blk->pos + max + 1;
    if (blk->scan < blk->pos)
        blk->scan = blk->pos;
    if (blk->scan < limit) {
        const char *hit = memchr(data + blk->scan, ch, limit - blk->scan);
        if (hit != NULL) {
            blk->scan = (size_t)(hit - data);
            return (long long)blk->scan;
        }
        blk->scan = limit;
    }
    if (len - blk->pos > max)
        return -2;
    return -1;
}

static int is_hex(int c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int hex_val(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return c - 'A' + 10;
}

/* isspace() in the C locale, which is what sdssplitargs skips between
 * arguments (a token itself ends only at ' ', '\t', '\r', '\n'). */
static int is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* Splits an inline line by sdssplitargs's rules into p->inline_store and
 * p->argv.  The line ends at `n` or at a NUL byte (sdssplitargs works on a C
 * string).  Returns 0, or RESP_ERR with p->err set. */
static int split_inline(struct resp_parser *p, const char *line, size_t n)
{
    const char *nul = memchr(line, '\0', n);
    if (nul != NULL)
        n = (size_t)(nul - line);

    /* Unescaping only shrinks, so n bytes of storage always suffice. */
    buf_clear(&p->inline_store);
    if (buf_try_reserve(&p->inline_store, n + 1) != 0)
        return fail(p, ERR_OOM);
    char *out = p->inline_store.data;
    size_t o = 0, i = 0;
    p->argc = 0;

    for (;;) {
        while (i < n && is_space((unsigned char)line[i]))
            i++;
        if (i >= n)
            break;
        size_t start = o;
        int inq = 0, insq = 0, done = 0;
        while (!done) {
            /* c == 0 stands for the end of the line, as NUL does in Redis. */
            int c = i < n ? (unsigned char)line[i] : 0;
            int next = i + 1 < n ? (unsigned char)line[i + 1] : 0;
            if (inq) {
                if (c == '\\' && next == 'x' && i + 3 < n && is_hex((unsigned char)line[i + 2]) &&
                    is_hex((unsigned char)line[i + 3])) {
                    out[o++] = (char)(hex_val((unsigned char)line[i + 2]) * 16 +
                                      hex_val((unsigned char)line[i + 3]));
                    i += 3;
                } else if (c == '\\' && next) {
                    i++;
                    switch (next) {
                    case 'n':
                        out[o++] = '\n';
                        break;
                    case 'r':
                        out[o++] = '\r';
                        break;
                    case 't':
                        out[o++] = '\t';
                        break;
                    case 'b':
                        out[o++] = '\b';
                        break;
                    case 'a':
                        out[o++] = '\a';
                        break;
                    default:
                        out[o++] = (char)next;
                        break;
                    }
                } else if (c == '"') {
                    /* A closing quote must be followed by a space or the
                     * end: "a"b is an error, not the word ab. */
                    if (next && !is_space(next))
                        return fail(p, ERR_QUOTES);
                    done = 1;
                } else if (c == 0) {
                    return fail(p, ERR_QUOTES);
                } else {
                    out[o++] = (char)c;
                }
            } else if (insq) {
                if (c == '\\' && next == '\'') {
                    i++;
                    out[o++] = '\'';
                } else if (c == '\'') {
                    if (next && !is_space(next))
                        return fail(p, ERR_QUOTES);
                    done = 1;
                } else if (c == 0) {
                    return fail(p, ERR_QUOTES);
                } else {
                    out[o++] = (char)c;
                }
            } else {
                switch (c) {
                case ' ':
                case '\n':
                case '\r':
                case '\t':
                case 0:
                    done = 1;
                    break;
                case '"':
                    inq = 1;
                    break;
                case '\'':
                    insq = 1;
                    break;
                default:
                    out[o++] = (char)c;
                    break;
                }
            }
            if (i < n)
                i++;
        }
        if (argv_grow(p) != 0)
            return fail(p, ERR_OOM);
        arg_set_offset(&p->argv[p->argc], start, o - start);
        p->argc++;
    }
    p->inline_store.len = o;
    out[o] = '\0';
    args_to_pointers(p, out);
    return 0;
}

static void finish_command(struct resp_parser *p)
{
    struct argv_block *blk = block_of(p);
    blk->pos = 0;
    blk->scan = 0;
    p->state = ST_IDLE;
    p->mb_remaining = 0;
    p->bulk_len = -1;
}

static int parse_inline(struct resp_parser *p, struct argv_block *blk, const char *data, size_t len,
                        size_t *consumed)
{
    long long nl = find_line_end(blk, data, len, '\n', p->max_inline_len);
    if (nl == -2)
        return fail(p, ERR_INLINE_BIG);
    if (nl < 0)
        return RESP_NEED_MORE;
    size_t end = (size_t)nl;
    if (end > 0 && data[end - 1] == '\r')
        end--;
    if (split_inline(p, data, end) != 0)
        return RESP_ERR;
    *consumed = (size_t)nl + 1;
    finish_command(p);
    return RESP_OK;
}

static int parse_multibulk(struct resp_parser *p, struct argv_block *blk, const char *data,
                           size_t len, size_t *consumed, size_t *hint_more)
{
    long long ll;

    if (p->state == ST_MB_COUNT) {
        long long cr = find_line_end(blk, data, len, '\r', p->max_inline_len);
        if (cr == -2)
            return fail(p, ERR_MBULK_BIG);
        /* The line is complete only with the byte after '\r' (Redis does
         * not check that it is '\n'). */
        if (cr < 0 || (size_t)cr + 2 > len)
            return RESP_NEED_MORE;
        long long max = p->max_multibulk_len < INT_MAX ? p->max_multibulk_len : INT_MAX;
        if (str_to_ll(data + 1, (size_t)cr - 1, &ll) != 0 || ll > max)
            return fail(p, ERR_MBULK_LEN);
        blk->pos = (size_t)cr + 2;
        blk->scan = blk->pos;
        p->argc = 0;
        if (ll <= 0) {
            /* "*0" and "*-1" are empty commands, as in Redis. */
            *consumed = blk->pos;
            finish_command(p);
            return RESP_OK;
        }
        p->mb_remaining = ll;
        p->bulk_len = -1;
        p->state = ST_MB_BULKS;
    }

    while (p->mb_remaining > 0) {
        if (p->bulk_len == -1) {
            long long cr = find_line_end(blk, data, len, '\r', p->max_inline_len);
            if (cr == -2)
                return fail(p, ERR_BULK_BIG);
            if (cr < 0 || (size_t)cr + 2 > len)
                return RESP_NEED_MORE;
            if (data[blk->pos] != '$') {
                /* Redis formats the byte with %c and then turns \r and \n
                 * into spaces; a NUL cannot travel in our C-string error,
                 * so it becomes a space too. */
                char c = data[blk->pos];
                if (c == '\r' || c == '\n' || c == '\0')
                    c = ' ';
                buf_clear(&p->inline_store);
                if (buf_try_reserve(&p->inline_store, sizeof(ERR_EXPECTED_FMT)) != 0)
                    return fail(p, ERR_OOM);
                buf_append(&p->inline_store, ERR_EXPECTED_FMT, sizeof(ERR_EXPECTED_FMT) - 1);
                p->inline_store.data[p->inline_store.len - 2] = c;
                return fail(p, p->inline_store.data);
            }
            if (str_to_ll(data + blk->pos + 1, (size_t)cr - blk->pos - 1, &ll) != 0 || ll < 0 ||
                ll > p->max_bulk_len)
                return fail(p, ERR_BULK_LEN);
            blk->pos = (size_t)cr + 2;
            blk->scan = blk->pos;
            p->bulk_len = ll;
        }
        size_t need = (size_t)p->bulk_len + 2;
        if (len - blk->pos < need) {
            if (hint_more != NULL)
                *hint_more = need - (len - blk->pos);
            return RESP_NEED_MORE;
        }
        if (argv_grow(p) != 0)
            return fail(p, ERR_OOM);
        blk = block_of(p); /* argv_grow may have moved it */
        arg_set_offset(&p->argv[p->argc], blk->pos, (size_t)p->bulk_len);
        p->argc++;
        blk->pos += need;
        blk->scan = blk->pos;
        p->bulk_len = -1;
        p->mb_remaining--;
    }
    args_to_pointers(p, data);
    *consumed = blk->pos;
    finish_command(p);
    return RESP_OK;
}

int resp_parse(struct resp_parser *p, const char *data, size_t len, size_t *consumed,
               size_t *hint_more)
{
    struct argv_block *blk;

    *consumed = 0;
    if (hint_more != NULL)
        *hint_more = 0;
    if (p->state == ST_ERROR)
        return RESP_ERR;
    if (p->state == ST_IDLE) {
        if (len == 0)
            return RESP_NEED_MORE;
        /* The previous command's argv is no longer promised to anyone. */
        argv_shrink(p);
        blk = block_of(p);
        blk->pos = 0;
        blk->scan = 0;
        p->argc = 0;
        p->inline_mode = data[0] != '*';
        p->state = p->inline_mode ? ST_INLINE : ST_MB_COUNT;
    }
    blk = block_of(p);
    /* The caller must feed at least the bytes it fed before. */
    assert(len >= blk->pos && len >= blk->scan);
    if (p->state == ST_INLINE)
        return parse_inline(p, blk, data, len, consumed);
    return parse_multibulk(p, blk, data, len, consumed, hint_more);
}

/* ---- writer ---- */

/* Writes "<prefix><v>\r\n" at dst (room for 24 bytes); returns the length.
 * Counts below 10 are the common case (array and bulk headers of small
 * replies) and skip the generic conversion. */
static size_t fmt_header(char *dst, char prefix, long long v)
{
    size_t n;
    dst[0] = prefix;
    if (v >= 0 && v < 10) {
        dst[1] = (char)('0' + v);
        n = 2;
    } else {
        n = 1 + (size_t)ll_to_str(dst + 1, 22, v);
    }
    dst[n] = '\r';
    dst[n + 1] = '\n';
    return n + 2;
}

static void add_header(struct buf *b, char prefix, long long v)
{
    buf_reserve(b, 24);
    b->len += fmt_header(b->data + b->len, prefix, v);
    b->data[b->len] = '\0';
}

static void add_raw(struct buf *b, const char *s, size_t n)
{
    buf_append(b, s, n);
}

void resp_add_simple(struct buf *b, const char *s)
{
    resp_add_simple_len(b, s, strlen(s));
}

void resp_add_simple_len(struct buf *b, const char *s, size_t n)
{
    buf_reserve(b, n + 3);
    char *d = b->data + b->len;
    d[0] = '+';
    if (n)
        memcpy(d + 1, s, n);
    d[n + 1] = '\r';
    d[n + 2] = '\n';
    b->len += n + 3;
    b->data[b->len] = '\0';
}

void resp_add_error(struct buf *b, const char *msg, size_t n)
{
    /* Tolerate a caller that already put the '-' in. */
    if (n > 0 && msg[0] == '-') {
        msg++;
        n--;
    }
    buf_reserve(b, n + 3);
    char *d = b->data + b->len;
    d[0] = '-';
    for (size_t i = 0; i < n; i++) {
        char c = msg[i];
        d[i + 1] = (c == '\r' || c == '\n') ? ' ' : c;
    }
    d[n + 1] = '\r';
    d[n + 2] = '\n';
    b->len += n + 3;
    b->data[b->len] = '\0';
}

void resp_add_int(struct buf *b, long long v)
{
    add_header(b, ':', v);
}

void resp_add_bulk(struct buf *b, const void *p, size_t n)
{
    buf_reserve(b, 24 + n + 2);
    char *d = b->data + b->len;
    size_t h = fmt_header(d, '$', (long long)n);
    if (n)
        memcpy(d + h, p, n);
    d[h + n] = '\r';
    d[h + n + 1] = '\n';
    b->len += h + n + 2;
    b->data[b->len] = '\0';
}

void resp_add_bulk_cstr(struct buf *b, const char *s)
{
    resp_add_bulk(b, s, strlen(s));
}

void resp_add_bulk_ll(struct buf *b, long long v)
{
    char tmp[24];
    int n = ll_to_str(tmp, sizeof(tmp), v);
    resp_add_bulk(b, tmp, (size_t)n);
}

void resp_add_null(struct buf *b, int proto)
{
    if (proto >= 3)
        add_raw(b, "_\r\n", 3);
    else
        add_raw(b, "$-1\r\n", 5);
}

void resp_add_null_array(struct buf *b, int proto)
{
    if (proto >= 3)
        add_raw(b, "_\r\n", 3);
    else
        add_raw(b, "*-1\r\n", 5);
}

void resp_add_array_len(struct buf *b, long long n)
{
    add_header(b, '*', n);
}

void resp_add_map_len(struct buf *b, int proto, long long n)
{
    if (proto >= 3)
        add_header(b, '%', n);
    else
        add_header(b, '*', n * 2);
}

void resp_add_set_len(struct buf *b, int proto, long long n)
{
    add_header(b, proto >= 3 ? '~' : '*', n);
}

void resp_add_double(struct buf *b, int proto, double d)
{
    char tmp[64];
    int n = d_to_str(tmp, sizeof(tmp), d);
    if (proto >= 3) {
        buf_reserve(b, (size_t)n + 3);
        char *o = b->data + b->len;
        o[0] = ',';
        memcpy(o + 1, tmp, (size_t)n);
        o[n + 1] = '\r';
        o[n + 2] = '\n';
        b->len += (size_t)n + 3;
        b->data[b->len] = '\0';
    } else {
        resp_add_bulk(b, tmp, (size_t)n);
    }
}

void resp_add_bool(struct buf *b, int proto, int v)
{
    if (proto >= 3)
        add_raw(b, v ? "#t\r\n" : "#f\r\n", 4);
    else
        add_raw(b, v ? ":1\r\n" : ":0\r\n", 4);
}

void resp_add_verbatim(struct buf *b, int proto, const char *ext, const char *p, size_t n)
{
    if (proto < 3) {
        resp_add_bulk(b, p, n);
        return;
    }
    buf_reserve(b, 24 + 4 + n + 2);
    char *d = b->data + b->len;
    size_t h = fmt_header(d, '=', (long long)(n + 4));
    /* The format is exactly three characters; pad a short one with spaces
     * rather than emit a malformed frame. */
    size_t el = ext ? strlen(ext) : 0;
    for (size_t i = 0; i < 3; i++)
        d[h + i] = i < el ? ext[i] : ' ';
    d[h + 3] = ':';
    if (n)
        memcpy(d + h + 4, p, n);
    d[h + 4 + n] = '\r';
    d[h + 4 + n + 1] = '\n';
    b->len += h + 4 + n + 2;
    b->data[b->len] = '\0';
}
