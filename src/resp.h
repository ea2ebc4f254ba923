/* resp: the RESP protocol, with no I/O.
 *
 * The parser is incremental in the manner of hiredis's reader: feed it the
 * bytes of a query buffer, and it reports a complete command (its arguments),
 * "need more bytes", or a protocol error.  Errors are sticky: once a parser
 * has failed it keeps failing until reset, and the caller closes the client
 * after sending the error text (Redis's exact wording, see docs/resp.md).
 *
 * It understands the two request forms Redis does:
 *   multibulk:  *<n>\r\n  then n times  $<len>\r\n<len bytes>\r\n
 *   inline:     a line of space-separated words with "double" and 'single'
 *               quotes and \xHH escapes, as redis-cli and telnet send.
 *
 * Limits (configurable, tested at their edges):
 *   max_bulk_len       proto-max-bulk-len, default 512mb
 *   max_multibulk_len  count of arguments, 1024*1024*1024 as Redis
 *   max_inline_len     an inline line without \n, 64kb as Redis
 *
 * The writer functions append one RESP value to a struct buf.  Those whose
 * form differs between RESP2 and RESP3 take the protocol version.
 */
#ifndef RC_RESP_H
#define RC_RESP_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

enum resp_status {
    RESP_OK = 0,        /* a complete command is in argv/argc */
    RESP_NEED_MORE = 1, /* not enough bytes yet; feed more */
    RESP_ERR = -1,      /* protocol error; see resp_parser.err */
};

struct resp_arg {
    const char *ptr; /* points into the fed buffer or into parser storage */
    size_t len;
};

struct resp_parser {
    /* limits */
    long long max_bulk_len;
    long long max_multibulk_len;
    size_t max_inline_len;

    /* result of the last RESP_OK */
    int argc;
    struct resp_arg *argv; /* owned by the parser, valid until the next call */

    /* sticky error text, without the "-" and "\r\n": e.g.
     * "ERR Protocol error: invalid bulk length" */
    const char *err;

    /* internal state: opaque to callers */
    int state;
    long long mb_remaining; /* bulks still expected in this multibulk */
    long long bulk_len;     /* length of the bulk being read, -1 if none */
    int argv_cap;
    struct buf inline_store; /* unescaped inline arguments */
    int inline_mode;         /* 1 if the last command was inline */
};

/* Sets defaults (512mb bulk, 1G args, 64kb inline) and an empty state. */
void resp_parser_init(struct resp_parser *p);
void resp_parser_free(struct resp_parser *p);
/* Forgets any partial command and any error. */
void resp_parser_reset(struct resp_parser *p);

/* Parses one command from data[0..len).
 *
 * On RESP_OK, *consumed is the number of bytes of the command (the caller
 * drops them from its buffer after executing the command; argv points into
 * `data`, so the bytes must stay until then), and argc/argv describe it.
 * argc may be 0 for an empty inline line or "*0\r\n": the caller skips it.
 * On RESP_NEED_MORE, *consumed is 0: call again with the same bytes plus more.
 * The parser may remember how far it scanned, so the bytes must be fed again
 * from the same start (the caller must not consume them).
 * On RESP_ERR, p->err holds the error text.
 *
 * `hint_more` (out, may be NULL): on RESP_NEED_MORE, how many more bytes are
 * known to be needed (for a large bulk, so the caller can read it in one go);
 * 0 if unknown. */
int resp_parse(struct resp_parser *p, const char *data, size_t len, size_t *consumed,
               size_t *hint_more);

/* ---- writer: each appends one value to b ---- */
void resp_add_simple(struct buf *b, const char *s);               /* +s\r\n */
void resp_add_simple_len(struct buf *b, const char *s, size_t n); /* +s\r\n */
/* -<msg>\r\n.  msg is the full text, e.g. "ERR syntax error"; any \r or \n in
 * it is replaced by a space so the reply stays well formed. */
void resp_add_error(struct buf *b, const char *msg, size_t n);
void resp_add_int(struct buf *b, long long v);              /* :v\r\n */
void resp_add_bulk(struct buf *b, const void *p, size_t n); /* $n\r\n..\r\n */
void resp_add_bulk_cstr(struct buf *b, const char *s);
void resp_add_bulk_ll(struct buf *b, long long v);
/* RESP2: $-1\r\n   RESP3: _\r\n */
void resp_add_null(struct buf *b, int proto);
/* RESP2: *-1\r\n   RESP3: _\r\n */
void resp_add_null_array(struct buf *b, int proto);
void resp_add_array_len(struct buf *b, long long n); /* *n\r\n */
/* RESP2: *<2n>\r\n   RESP3: %n\r\n */
void resp_add_map_len(struct buf *b, int proto, long long n);
/* RESP2: *n\r\n   RESP3: ~n\r\n */
void resp_add_set_len(struct buf *b, int proto, long long n);
/* RESP2: bulk string of the %.17g form   RESP3: ,<double>\r\n */
void resp_add_double(struct buf *b, int proto, double d);
/* RESP2: :1 / :0   RESP3: #t / #f */
void resp_add_bool(struct buf *b, int proto, int v);
/* RESP2: bulk   RESP3: =<n+4>\r\ntxt:<text>\r\n  (ext is 3 chars, "txt") */
void resp_add_verbatim(struct buf *b, int proto, const char *ext, const char *p, size_t n);

#endif
