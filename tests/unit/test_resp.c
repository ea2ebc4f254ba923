/* Unit tests for resp: the incremental parser gives the same commands for
 * every way of splitting the same bytes (with the query buffer moving in
 * memory between reads), every malformed input gets Redis's exact error
 * text, the limits hold at their edges, and the writer's output is
 * byte-exact in RESP2 and RESP3. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#include <cmocka.h>

#include "resp.h"
#include "util/buf.h"

/* ---- a caller that behaves like the server's read loop ---- */

struct feed_result {
    struct buf cmds; /* each command: "<argc>|" then "<len>:<bytes>|" per arg, then "\n" */
    const char *err; /* copy of the error text, or NULL */
    char err_copy[128];
    size_t leftover; /* bytes still buffered at the end */
    int ncmds;
};

static void record_cmd(struct feed_result *r, const struct resp_parser *p)
{
    buf_printf(&r->cmds, "%d|", p->argc);
    for (int i = 0; i < p->argc; i++) {
        buf_printf(&r->cmds, "%zu:", p->argv[i].len);
        buf_append(&r->cmds, p->argv[i].ptr, p->argv[i].len);
        buf_append_char(&r->cmds, '|');
    }
    buf_append_char(&r->cmds, '\n');
    r->ncmds++;
}

/* Feeds data[0..n) in chunks ending at the offsets in cuts[] (ascending,
 * the last one is n).  After each read the query buffer is copied to a new
 * allocation, so a parser that kept pointers across calls reads freed
 * memory (and ASan says so). */
static void feed_chunks(struct resp_parser *p, const char *data, size_t n, const size_t *cuts,
                        size_t ncuts, struct feed_result *r)
{
    char *q = NULL;
    size_t qlen = 0, off = 0;

    assert_true(ncuts == 0 || cuts[ncuts - 1] == n);
    buf_init(&r->cmds);
    r->err = NULL;
    r->ncmds = 0;
    for (size_t c = 0; c < ncuts && r->err == NULL; c++) {
        size_t chunk = cuts[c] - off;
        char *nq = malloc(qlen + chunk + 1);
        assert_non_null(nq);
        if (qlen)
            memcpy(nq, q, qlen);
        if (chunk)
            memcpy(nq + qlen, data + off, chunk);
        free(q);
        q = nq;
        qlen += chunk;
        off = cuts[c];
        for (;;) {
            size_t consumed = 77, hint = 77;
            int rc = resp_parse(p, q, qlen, &consumed, &hint);
            if (rc == RESP_OK) {
                assert_true(consumed > 0 && consumed <= qlen);
                record_cmd(r, p);
                memmove(q, q + consumed, qlen - consumed);
                qlen -= consumed;
                continue;
            }
            assert_int_equal(consumed, 0);
            if (rc == RESP_ERR) {
                assert_non_null(p->err);
                snprintf(r->err_copy, sizeof(r->err_copy), "%s", p->err);
                r->err = r->err_copy;
            } else {
                assert_int_equal(rc, RESP_NEED_MORE);
            }
            break;
        }
    }
    r->leftover = qlen;
    free(q);
}

static void feed_whole(struct resp_parser *p, const char *data, size_t n, struct feed_result *r)
{
    size_t cut = n;
    feed_chunks(p, data, n, &cut, 1, r);
}

static char *dup_bytes(const char *d, size_t n)
{
    char *c = malloc(n + 1);
    assert_non_null(c);
    if (n)
        memcpy(c, d, n);
    c[n] = '\0';
    return c;
}

/* Checks that data parses to `want` (and error `want_err`, or none) fed
 * whole, split at every single point, split at every pair of points for
 * short inputs, and one byte at a time. */
static void check_all_splits(const char *data, size_t n, const char *want, const char *want_err,
                             int want_ncmds)
{
    struct resp_parser p;
    struct feed_result r;

    resp_parser_init(&p);
    feed_whole(&p, data, n, &r);
    if (want != NULL)
        assert_string_equal(r.cmds.data ? r.cmds.data : "", want);
    if (want_err)
        assert_non_null(r.err);
    if (want_err)
        assert_string_equal(r.err, want_err);
    else
        assert_null(r.err);
    assert_int_equal(r.ncmds, want_ncmds);
    char *ref = dup_bytes(r.cmds.data, r.cmds.len);
    size_t ref_len = r.cmds.len;
    buf_free(&r.cmds);
    resp_parser_free(&p);

    size_t *cuts = malloc((n + 1) * sizeof(size_t));
    /* one cut */
    for (size_t i = 0; i <= n; i++) {
        cuts[0] = i;
        cuts[1] = n;
        resp_parser_init(&p);
        feed_chunks(&p, data, n, cuts, 2, &r);
        assert_int_equal(r.cmds.len, ref_len);
        if (ref_len)
            assert_memory_equal(r.cmds.data, ref, ref_len);
        if (want_err)
            assert_string_equal(r.err, want_err);
        else
            assert_null(r.err);
        buf_free(&r.cmds);
        resp_parser_free(&p);
    }
    /* two cuts, for inputs small enough */
    if (n <= 80) {
        for (size_t i = 0; i <= n; i++) {
            for (size_t j = i; j <= n; j++) {
                cuts[0] = i;
                cuts[1] = j;
                cuts[2] = n;
                resp_parser_init(&p);
                feed_chunks(&p, data, n, cuts, 3, &r);
                assert_int_equal(r.cmds.len, ref_len);
                if (ref_len)
                    assert_memory_equal(r.cmds.data, ref, ref_len);
                buf_free(&r.cmds);
                resp_parser_free(&p);
            }
        }
    }
    /* byte by byte */
    for (size_t i = 0; i < n; i++)
        cuts[i] = i + 1;
    resp_parser_init(&p);
    feed_chunks(&p, data, n, cuts, n, &r);
    assert_int_equal(r.cmds.len, ref_len);
    if (ref_len)
        assert_memory_equal(r.cmds.data, ref, ref_len);
    if (want_err)
        assert_string_equal(r.err, want_err);
    else
        assert_null(r.err);
    buf_free(&r.cmds);
    resp_parser_free(&p);
    free(cuts);
    free(ref);
}

/* ---- well-formed inputs ---- */

static void test_multibulk(void **state)
{
    (void)state;
    static const char in[] = "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n";
    check_all_splits(in, sizeof(in) - 1, "3|3:SET|3:key|5:value|\n", NULL, 1);

    static const char empty_bulk[] = "*2\r\n$4\r\nECHO\r\n$0\r\n\r\n";
    check_all_splits(empty_bulk, sizeof(empty_bulk) - 1, "2|4:ECHO|0:|\n", NULL, 1);

    /* "*0" and negative counts are empty commands, as in Redis. */
    static const char zero[] = "*0\r\n*-1\r\n*-5\r\n*1\r\n$4\r\nPING\r\n";
    check_all_splits(zero, sizeof(zero) - 1, "0|\n0|\n0|\n1|4:PING|\n", NULL, 4);
}

static void test_inline(void **state)
{
    (void)state;
    static const char in[] = "SET key value\r\n";
    check_all_splits(in, sizeof(in) - 1, "3|3:SET|3:key|5:value|\n", NULL, 1);

    static const char lf[] = "PING\n  get   k  \n\r\n\n";
    check_all_splits(lf, sizeof(lf) - 1, "1|4:PING|\n2|3:get|1:k|\n0|\n0|\n", NULL, 4);

    /* sdssplitargs quoting: "..." with escapes, '...' with only \'. */
    static const char q[] = "set \"a b\" 'c\\'d' \"\\x41\\x4g\\n\\r\\t\\b\\a\\\\\\\"\" '\\n'\r\n";
    check_all_splits(q, sizeof(q) - 1, "5|3:set|3:a b|3:c'd|11:Ax4g\n\r\t\b\a\\\"|2:\\n|\n", NULL,
                     1);

    /* Quotes may open mid-word; "" is an empty argument; \v is skipped
     * between words but is part of an unquoted word; \xHH needs two hex
     * digits. */
    static const char mid[] = "echo a\"b c\" \"\" \v x\v \"\\x4\"\n";
    check_all_splits(mid, sizeof(mid) - 1, "5|4:echo|4:ab c|0:|2:x\v|2:x4|\n", NULL, 1);
}

static void test_inline_quotes(void **state)
{
    (void)state;
    static const char a[] = "echo \"\\x4\"\n";
    check_all_splits(a, sizeof(a) - 1, "2|4:echo|2:x4|\n", NULL, 1);
    /* A closing quote followed by \v (isspace) is fine and ends the word. */
    static const char b[] = "echo \"a\"\vb\n";
    check_all_splits(b, sizeof(b) - 1, "3|4:echo|1:a|1:b|\n", NULL, 1);
    static const char c[] = "echo 'it''s'\n";
    check_all_splits(c, sizeof(c) - 1, NULL, "ERR Protocol error: unbalanced quotes in request", 0);
    /* A NUL ends the line's content, as the C string in sdssplitargs. */
    static const char d[] = "echo a\0b c\r\nPING\r\n";
    check_all_splits(d, sizeof(d) - 1, "2|4:echo|1:a|\n1|4:PING|\n", NULL, 2);
    /* Trailing backslash inside quotes at the end: unbalanced. */
    static const char e[] = "echo \"ab\\\"\n";
    check_all_splits(e, sizeof(e) - 1, NULL, "ERR Protocol error: unbalanced quotes in request", 0);
}

static void test_pipeline(void **state)
{
    (void)state;
    static const char in[] = "*1\r\n$4\r\nPING\r\n"
                             "GET a\r\n"
                             "*2\r\n$3\r\nGET\r\n$1\r\nb\r\n"
                             "\r\n"
                             "*0\r\n"
                             "set \"x y\" z\n"
                             "*3\r\n$3\r\nSET\r\n$2\r\nk2\r\n$10\r\n0123456789\r\n";
    check_all_splits(in, sizeof(in) - 1,
                     "1|4:PING|\n2|3:GET|1:a|\n2|3:GET|1:b|\n0|\n0|\n3|3:set|3:x y|1:z|\n"
                     "3|3:SET|2:k2|10:0123456789|\n",
                     NULL, 7);
}

static void test_binary(void **state)
{
    (void)state;
    /* Bulk payloads carry \0, \r\n, and things that look like headers. */
    static const char in[] = "*3\r\n$3\r\nSET\r\n$5\r\nk\0\r\n$\r\n$12\r\n*1\r\n$4\r\n\0\0\r\n\r\n"
                             "*1\r\n$2\r\n\r\n\r\n";
    static const char want[] = "3|3:SET|5:k\0\r\n$|12:*1\r\n$4\r\n\0\0\r\n|\n1|2:\r\n|\n";
    struct resp_parser p;
    struct feed_result r;
    resp_parser_init(&p);
    feed_whole(&p, in, sizeof(in) - 1, &r);
    assert_int_equal(r.ncmds, 2);
    assert_int_equal(r.cmds.len, sizeof(want) - 1);
    assert_memory_equal(r.cmds.data, want, sizeof(want) - 1);
    buf_free(&r.cmds);
    resp_parser_free(&p);
    check_all_splits(in, sizeof(in) - 1, NULL, NULL, 2);

    /* All 256 byte values in one bulk. */
    char big[300];
    size_t n = (size_t)snprintf(big, sizeof(big), "*1\r\n$256\r\n");
    for (int i = 0; i < 256; i++)
        big[n++] = (char)i;
    big[n++] = '\r';
    big[n++] = '\n';
    resp_parser_init(&p);
    size_t consumed = 0;
    assert_int_equal(resp_parse(&p, big, n, &consumed, NULL), RESP_OK);
    assert_int_equal(consumed, n);
    assert_int_equal(p.argc, 1);
    assert_int_equal(p.argv[0].len, 256);
    assert_ptr_equal(p.argv[0].ptr, big + 10); /* points into the fed bytes */
    for (int i = 0; i < 256; i++)
        assert_int_equal((unsigned char)p.argv[0].ptr[i], i);
    resp_parser_free(&p);
}

/* Redis does not check the bytes that follow a '\r' ending a length line, or
 * the two after a payload; neither do we (documented in docs/resp.md). */
static void test_redis_leniency(void **state)
{
    (void)state;
    static const char a[] = "*1\rX$4\r\nPINGXY*1\r\n$1\r\na\r\n";
    check_all_splits(a, sizeof(a) - 1, "1|4:PING|\n1|1:a|\n", NULL, 2);
}

static void test_many_args(void **state)
{
    (void)state;
    /* 3000 arguments: argv grows as they arrive; byte-by-byte feeding works
     * (and stays linear: every byte is scanned a bounded number of times). */
    struct buf in = BUF_INIT, want = BUF_INIT;
    const int nargs = 3000;
    buf_printf(&in, "*%d\r\n", nargs);
    buf_printf(&want, "%d|", nargs);
    for (int i = 0; i < nargs; i++) {
        char a[16];
        int l = snprintf(a, sizeof(a), "a%d", i);
        buf_printf(&in, "$%d\r\n%s\r\n", l, a);
        buf_printf(&want, "%d:%s|", l, a);
    }
    buf_append_char(&want, '\n');
    /* Followed by a small command, which gets a small argv again. */
    buf_append_str(&in, "*1\r\n$4\r\nPING\r\n");
    buf_append_str(&want, "1|4:PING|\n");

    struct resp_parser p;
    struct feed_result r;
    size_t *cuts = malloc(in.len * sizeof(size_t));
    for (size_t i = 0; i < in.len; i++)
        cuts[i] = i + 1;
    resp_parser_init(&p);
    feed_chunks(&p, in.data, in.len, cuts, in.len, &r);
    if (r.err)
        fail_msg("%s", r.err);
    assert_int_equal(r.ncmds, 2);
    assert_string_equal(r.cmds.data, want.data);
    assert_true(p.argv_cap <= 1024);
    buf_free(&r.cmds);
    resp_parser_free(&p);
    free(cuts);
    buf_free(&in);
    buf_free(&want);
}

static void test_argv_grows_incrementally(void **state)
{
    (void)state;
    /* A tiny request announcing 2^31-1 arguments must not allocate for
     * them up front. */
    static const char in[] = "*2147483647\r\n$1\r\na\r\n$1\r\nb\r\n";
    struct resp_parser p;
    size_t consumed = 1, hint = 1;
    resp_parser_init(&p);
    assert_int_equal(resp_parse(&p, in, sizeof(in) - 1, &consumed, &hint), RESP_NEED_MORE);
    assert_int_equal(consumed, 0);
    assert_true(p.argv_cap <= 16);
    resp_parser_free(&p);
}

static void test_need_more_hint(void **state)
{
    (void)state;
    struct resp_parser p;
    size_t consumed, hint;
    resp_parser_init(&p);
    static const char a[] = "*2\r\n$3\r\nGET\r\n$10\r\nab";
    assert_int_equal(resp_parse(&p, a, sizeof(a) - 1, &consumed, &hint), RESP_NEED_MORE);
    assert_int_equal(consumed, 0);
    assert_int_equal(hint, 10); /* 8 payload bytes + \r\n */
    /* Unknown while still reading a header line. */
    resp_parser_reset(&p);
    assert_int_equal(resp_parse(&p, a, 6, &consumed, &hint), RESP_NEED_MORE);
    assert_int_equal(hint, 0);
    resp_parser_reset(&p);
    /* NULL hint pointer is allowed. */
    assert_int_equal(resp_parse(&p, a, sizeof(a) - 1, &consumed, NULL), RESP_NEED_MORE);
    resp_parser_reset(&p);
    assert_int_equal(resp_parse(&p, "", 0, &consumed, &hint), RESP_NEED_MORE);
    resp_parser_free(&p);
}

/* ---- errors ---- */

#define E_MBULK      "ERR Protocol error: invalid multibulk length"
#define E_BULK       "ERR Protocol error: invalid bulk length"
#define E_INLINE_BIG "ERR Protocol error: too big inline request"
#define E_MBULK_BIG  "ERR Protocol error: too big mbulk count string"
#define E_BULK_BIG   "ERR Protocol error: too big bulk count string"
#define E_QUOTES     "ERR Protocol error: unbalanced quotes in request"

static void check_err(const char *in, const char *want)
{
    check_all_splits(in, strlen(in), NULL, want, 0);
}

static void test_errors(void **state)
{
    (void)state;
    check_err("*x\r\n", E_MBULK);
    check_err("*\r\n", E_MBULK);
    check_err("*+1\r\n", E_MBULK);
    check_err("*01\r\n", E_MBULK);
    check_err("*1 \r\n", E_MBULK);
    check_err("*-0\r\n", E_MBULK);
    check_err("*2147483648\r\n", E_MBULK);
    check_err("*99999999999999999999\r\n", E_MBULK);
    check_err("*1\r\n$-1\r\n", E_BULK);
    check_err("*1\r\n$x\r\n", E_BULK);
    check_err("*1\r\n$\r\n", E_BULK);
    check_err("*1\r\n$04\r\nPING\r\n", E_BULK);
    check_err("*1\r\n$536870913\r\n", E_BULK); /* 512mb + 1 */
    check_err("*1\r\nx\r\n", "ERR Protocol error: expected '$', got 'x'");
    check_err("*1\r\n:1\r\n", "ERR Protocol error: expected '$', got ':'");
    /* Redis turns \r and \n in an error into spaces. */
    check_err("*1\r\n\r\n", "ERR Protocol error: expected '$', got ' '");
    check_err("*2\r\n$1\r\na\r\n*1\r\n", "ERR Protocol error: expected '$', got '*'");
    check_err("set \"a\r\n", E_QUOTES);
    check_err("set \"a\"b\r\n", E_QUOTES);
    check_err("set 'a'b\r\n", E_QUOTES);
    check_err("set 'a\n", E_QUOTES);
    check_err("\"\n", E_QUOTES);
    /* A good command before the error is still delivered. */
    check_all_splits("PING\r\nset \"a\r\n", 14, "1|4:PING|\n", E_QUOTES, 1);
}

static void test_error_sticky(void **state)
{
    (void)state;
    struct resp_parser p;
    size_t consumed;
    resp_parser_init(&p);
    assert_int_equal(resp_parse(&p, "*x\r\n", 4, &consumed, NULL), RESP_ERR);
    assert_string_equal(p.err, E_MBULK);
    assert_int_equal(resp_parse(&p, "PING\r\n", 6, &consumed, NULL), RESP_ERR);
    assert_string_equal(p.err, E_MBULK);
    assert_int_equal(consumed, 0);
    resp_parser_reset(&p);
    assert_null(p.err);
    assert_int_equal(resp_parse(&p, "PING\r\n", 6, &consumed, NULL), RESP_OK);
    assert_int_equal(p.argc, 1);
    assert_int_equal(consumed, 6);
    /* reset also forgets a partial command */
    assert_int_equal(resp_parse(&p, "*2\r\n$3\r\nGET\r\n", 13, &consumed, NULL), RESP_NEED_MORE);
    resp_parser_reset(&p);
    assert_int_equal(resp_parse(&p, "ECHO x\n", 7, &consumed, NULL), RESP_OK);
    assert_int_equal(p.argc, 2);
    assert_int_equal(p.inline_mode, 1);
    resp_parser_free(&p);
}

/* ---- limits at their edges ---- */

static void fill(char *d, size_t n, char c)
{
    memset(d, c, n);
}

static void test_limit_bulk_len(void **state)
{
    (void)state;
    struct resp_parser p;
    size_t consumed, hint;

    resp_parser_init(&p);
    assert_int_equal(p.max_bulk_len, 512LL * 1024 * 1024);
    assert_true(p.max_multibulk_len >= 1024LL * 1024 * 1024);
    assert_int_equal(p.max_inline_len, 64 * 1024);
    /* Default limit: exactly 512mb is accepted (we just need its bytes). */
    static const char ok[] = "*1\r\n$536870912\r\n";
    assert_int_equal(resp_parse(&p, ok, sizeof(ok) - 1, &consumed, &hint), RESP_NEED_MORE);
    assert_int_equal(hint, 536870912 + 2);
    resp_parser_free(&p);

    /* A configured limit: max ok, max+1 refused. */
    resp_parser_init(&p);
    p.max_bulk_len = 10;
    static const char ten[] = "*1\r\n$10\r\n0123456789\r\n";
    assert_int_equal(resp_parse(&p, ten, sizeof(ten) - 1, &consumed, NULL), RESP_OK);
    assert_int_equal(p.argv[0].len, 10);
    static const char eleven[] = "*1\r\n$11\r\n0123456789a\r\n";
    assert_int_equal(resp_parse(&p, eleven, sizeof(eleven) - 1, &consumed, NULL), RESP_ERR);
    assert_string_equal(p.err, E_BULK);
    resp_parser_free(&p);
}

static void test_limit_multibulk(void **state)
{
    (void)state;
    struct resp_parser p;
    size_t consumed;

    /* Default: INT_MAX arguments announced is fine, INT_MAX+1 is not
     * (checked in test_errors). */
    resp_parser_init(&p);
    assert_int_equal(resp_parse(&p, "*2147483647\r\n", 13, &consumed, NULL), RESP_NEED_MORE);
    resp_parser_free(&p);

    resp_parser_init(&p);
    p.max_multibulk_len = 2;
    static const char two[] = "*2\r\n$1\r\na\r\n$1\r\nb\r\n";
    assert_int_equal(resp_parse(&p, two, sizeof(two) - 1, &consumed, NULL), RESP_OK);
    assert_int_equal(p.argc, 2);
    assert_int_equal(resp_parse(&p, "*3\r\n", 4, &consumed, NULL), RESP_ERR);
    assert_string_equal(p.err, E_MBULK);
    resp_parser_free(&p);
}

/* Feeds `n` bytes whole, and byte by byte, and returns the status of the
 * last call (the error text, if any, in *err). */
static int feed_status(const char *d, size_t n, size_t max_inline, const char **err, int bytewise)
{
    static char errbuf[128];
    struct resp_parser p;
    size_t consumed;
    int rc = RESP_NEED_MORE;
    resp_parser_init(&p);
    if (max_inline)
        p.max_inline_len = max_inline;
    if (bytewise) {
        for (size_t i = 1; i <= n; i++) {
            rc = resp_parse(&p, d, i, &consumed, NULL);
            if (rc != RESP_NEED_MORE)
                break;
        }
    } else {
        rc = resp_parse(&p, d, n, &consumed, NULL);
    }
    *err = NULL;
    if (rc == RESP_ERR) {
        snprintf(errbuf, sizeof(errbuf), "%s", p.err);
        *err = errbuf;
    }
    resp_parser_free(&p);
    return rc;
}

static void test_limit_inline(void **state)
{
    (void)state;
    const size_t max = 64 * 1024;
    char *d = malloc(max + 16);
    const char *err;

    for (int bytewise = 0; bytewise <= 1; bytewise++) {
        /* 64kb without a newline: still waiting; one more byte: too big. */
        fill(d, max + 2, 'a');
        assert_int_equal(feed_status(d, max, 0, &err, bytewise), RESP_NEED_MORE);
        assert_int_equal(feed_status(d, max + 1, 0, &err, bytewise), RESP_ERR);
        assert_string_equal(err, E_INLINE_BIG);
        /* A line of exactly 64kb before its \n is accepted... */
        d[max] = '\n';
        assert_int_equal(feed_status(d, max + 1, 0, &err, bytewise), RESP_OK);
        /* ...one byte more is not, whether or not the \n has arrived. */
        d[max] = 'a';
        d[max + 1] = '\n';
        assert_int_equal(feed_status(d, max + 2, 0, &err, bytewise), RESP_ERR);
        assert_string_equal(err, E_INLINE_BIG);
    }

    /* The same limit bounds the "*<n>" and "$<n>" lines. */
    d[0] = '*';
    fill(d + 1, max + 8, '1');
    assert_int_equal(feed_status(d, max, 0, &err, 0), RESP_NEED_MORE);
    assert_int_equal(feed_status(d, max + 1, 0, &err, 0), RESP_ERR);
    assert_string_equal(err, E_MBULK_BIG);
    assert_int_equal(feed_status(d, max + 1, 0, &err, 1), RESP_ERR);
    assert_string_equal(err, E_MBULK_BIG);
    memcpy(d, "*1\r\n$", 5);
    fill(d + 5, max + 8, '1');
    assert_int_equal(feed_status(d, 4 + max, 0, &err, 0), RESP_NEED_MORE);
    assert_int_equal(feed_status(d, 4 + max + 1, 0, &err, 0), RESP_ERR);
    assert_string_equal(err, E_BULK_BIG);
    assert_int_equal(feed_status(d, 4 + max + 1, 0, &err, 1), RESP_ERR);
    assert_string_equal(err, E_BULK_BIG);

    /* A configured limit, with a quick check of every split. */
    check_all_splits("abcdefgh\r\n", 10, "1|8:abcdefgh|\n", NULL, 1);
    assert_int_equal(feed_status("abcdefghi", 9, 8, &err, 0), RESP_ERR);
    assert_string_equal(err, E_INLINE_BIG);
    assert_int_equal(feed_status("abcdefgh", 8, 8, &err, 1), RESP_NEED_MORE);
    assert_int_equal(feed_status("abcdefg\r\n", 9, 8, &err, 1), RESP_OK);
    assert_int_equal(feed_status("abcdefgh\r\n", 10, 8, &err, 1), RESP_ERR);
    free(d);
}

/* ---- writer ---- */

static struct buf wb;

static void expect(const char *want, size_t n)
{
    assert_int_equal(wb.len, n);
    assert_memory_equal(wb.data, want, n);
    buf_clear(&wb);
}

#define EXPECT(lit) expect(lit, sizeof(lit) - 1)

static void test_writer(void **state)
{
    (void)state;
    buf_init(&wb);

    resp_add_simple(&wb, "OK");
    EXPECT("+OK\r\n");
    resp_add_simple_len(&wb, "PONGxx", 4);
    EXPECT("+PONG\r\n");
    resp_add_simple(&wb, "");
    EXPECT("+\r\n");

    resp_add_error(&wb, "ERR syntax error", 16);
    EXPECT("-ERR syntax error\r\n");
    resp_add_error(&wb, "ERR bad\r\nthing\n", 15);
    EXPECT("-ERR bad  thing \r\n");
    resp_add_error(&wb, "-WRONGTYPE x", 12);
    EXPECT("-WRONGTYPE x\r\n");

    resp_add_int(&wb, 0);
    EXPECT(":0\r\n");
    resp_add_int(&wb, 7);
    EXPECT(":7\r\n");
    resp_add_int(&wb, 10);
    EXPECT(":10\r\n");
    resp_add_int(&wb, -1);
    EXPECT(":-1\r\n");
    resp_add_int(&wb, INT64_MAX);
    EXPECT(":9223372036854775807\r\n");
    resp_add_int(&wb, INT64_MIN);
    EXPECT(":-9223372036854775808\r\n");

    resp_add_bulk(&wb, "hello", 5);
    EXPECT("$5\r\nhello\r\n");
    resp_add_bulk(&wb, "", 0);
    EXPECT("$0\r\n\r\n");
    resp_add_bulk(&wb, "a\0\r\nb", 5);
    EXPECT("$5\r\na\0\r\nb\r\n");
    resp_add_bulk_cstr(&wb, "0123456789ab");
    EXPECT("$12\r\n0123456789ab\r\n");
    resp_add_bulk_ll(&wb, -42);
    EXPECT("$3\r\n-42\r\n");
    resp_add_bulk_ll(&wb, INT64_MIN);
    EXPECT("$20\r\n-9223372036854775808\r\n");

    char big[1000];
    memset(big, 'x', sizeof(big));
    resp_add_bulk(&wb, big, sizeof(big));
    assert_int_equal(wb.len, 7 + 1000 + 2);
    assert_memory_equal(wb.data, "$1000\r\nxx", 9);
    assert_memory_equal(wb.data + wb.len - 3, "x\r\n", 3);
    buf_clear(&wb);

    resp_add_null(&wb, 2);
    EXPECT("$-1\r\n");
    resp_add_null(&wb, 3);
    EXPECT("_\r\n");
    resp_add_null_array(&wb, 2);
    EXPECT("*-1\r\n");
    resp_add_null_array(&wb, 3);
    EXPECT("_\r\n");

    resp_add_array_len(&wb, 0);
    EXPECT("*0\r\n");
    resp_add_array_len(&wb, 3);
    EXPECT("*3\r\n");
    resp_add_array_len(&wb, 12345);
    EXPECT("*12345\r\n");
    resp_add_array_len(&wb, -1);
    EXPECT("*-1\r\n");

    resp_add_map_len(&wb, 2, 2);
    EXPECT("*4\r\n");
    resp_add_map_len(&wb, 3, 2);
    EXPECT("%2\r\n");
    resp_add_map_len(&wb, 2, 7);
    EXPECT("*14\r\n");
    resp_add_set_len(&wb, 2, 5);
    EXPECT("*5\r\n");
    resp_add_set_len(&wb, 3, 5);
    EXPECT("~5\r\n");

    resp_add_double(&wb, 2, 1.5);
    EXPECT("$3\r\n1.5\r\n");
    resp_add_double(&wb, 3, 1.5);
    EXPECT(",1.5\r\n");
    resp_add_double(&wb, 2, 1.1);
    EXPECT("$18\r\n1.1000000000000001\r\n");
    resp_add_double(&wb, 3, 3.0);
    EXPECT(",3\r\n");
    resp_add_double(&wb, 2, INFINITY);
    EXPECT("$3\r\ninf\r\n");
    resp_add_double(&wb, 3, -INFINITY);
    EXPECT(",-inf\r\n");
    resp_add_double(&wb, 3, 1e300);
    EXPECT(",1.0000000000000001e+300\r\n");

    resp_add_bool(&wb, 2, 1);
    EXPECT(":1\r\n");
    resp_add_bool(&wb, 2, 0);
    EXPECT(":0\r\n");
    resp_add_bool(&wb, 3, 1);
    EXPECT("#t\r\n");
    resp_add_bool(&wb, 3, 0);
    EXPECT("#f\r\n");

    resp_add_verbatim(&wb, 2, "txt", "hello", 5);
    EXPECT("$5\r\nhello\r\n");
    resp_add_verbatim(&wb, 3, "txt", "hello", 5);
    EXPECT("=9\r\ntxt:hello\r\n");
    resp_add_verbatim(&wb, 3, "mkd", "", 0);
    EXPECT("=4\r\nmkd:\r\n");

    /* Appends accumulate. */
    resp_add_array_len(&wb, 2);
    resp_add_bulk_cstr(&wb, "a");
    resp_add_int(&wb, 1);
    EXPECT("*2\r\n$1\r\na\r\n:1\r\n");

    buf_free(&wb);
}

/* What the writer produces, the parser reads back (a RESP request is an
 * array of bulks). */
static void test_roundtrip(void **state)
{
    (void)state;
    struct buf b = BUF_INIT;
    resp_add_array_len(&b, 3);
    resp_add_bulk_cstr(&b, "SET");
    resp_add_bulk(&b, "k\0\r\n", 4);
    resp_add_bulk_ll(&b, 12345);
    struct resp_parser p;
    size_t consumed;
    resp_parser_init(&p);
    assert_int_equal(resp_parse(&p, b.data, b.len, &consumed, NULL), RESP_OK);
    assert_int_equal(consumed, b.len);
    assert_int_equal(p.argc, 3);
    assert_int_equal(p.inline_mode, 0);
    assert_memory_equal(p.argv[1].ptr, "k\0\r\n", 4);
    assert_memory_equal(p.argv[2].ptr, "12345", 5);
    resp_parser_free(&p);
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_multibulk),       cmocka_unit_test(test_inline),
        cmocka_unit_test(test_inline_quotes),   cmocka_unit_test(test_pipeline),
        cmocka_unit_test(test_binary),          cmocka_unit_test(test_redis_leniency),
        cmocka_unit_test(test_many_args),       cmocka_unit_test(test_argv_grows_incrementally),
        cmocka_unit_test(test_need_more_hint),  cmocka_unit_test(test_errors),
        cmocka_unit_test(test_error_sticky),    cmocka_unit_test(test_limit_bulk_len),
        cmocka_unit_test(test_limit_multibulk), cmocka_unit_test(test_limit_inline),
        cmocka_unit_test(test_writer),          cmocka_unit_test(test_roundtrip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
