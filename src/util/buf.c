/* buf: a growable byte buffer (see buf.h for the contract).
 *
 * Growth doubles the capacity (with a small floor) so that a sequence of
 * appends costs amortized O(1) per byte.  The buffer is kept NUL-terminated
 * whenever it has an allocation (one spare byte beyond cap is never promised
 * to callers, we just reserve len+1 internally), which makes debugging and
 * the occasional strtod() on a buffer's content safe. */
#include "util/buf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"

#define BUF_MIN_CAP 64

void buf_init(struct buf *b)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void buf_free(struct buf *b)
{
    free(b->data);
    buf_init(b);
}

int buf_try_reserve(struct buf *b, size_t extra)
{
    /* +1 keeps room for the terminating NUL we maintain. */
    if (extra > SIZE_MAX - b->len - 1)
        return -ENOMEM;
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return 0;
    size_t ncap = b->cap ? b->cap : BUF_MIN_CAP;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2) {
            ncap = need;
            break;
        }
        ncap *= 2;
    }
    char *nd = realloc(b->data, ncap);
    if (nd == NULL) {
        /* A doubling may overshoot what is possible; retry with the exact
         * amount before giving up. */
        ncap = need;
        nd = realloc(b->data, ncap);
        if (nd == NULL)
            return -ENOMEM;
    }
    b->data = nd;
    b->cap = ncap;
    return 0;
}

void buf_reserve(struct buf *b, size_t extra)
{
    if (buf_try_reserve(b, extra) != 0) {
        log_warning("Out of memory growing a buffer of %zu bytes by %zu", b->len, extra);
        abort();
    }
}

void buf_append(struct buf *b, const void *p, size_t n)
{
    buf_reserve(b, n);
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void buf_append_str(struct buf *b, const char *s)
{
    buf_append(b, s, strlen(s));
}

void buf_append_char(struct buf *b, char c)
{
    buf_reserve(b, 1);
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    size_t avail;
    int n;

    buf_reserve(b, 64);
    avail = b->cap - b->len;
    va_start(ap, fmt);
    n = vsnprintf(b->data + b->len, avail, fmt, ap);
    va_end(ap);
    if (n < 0) {
        /* Only an invalid format does this; keep the buffer unchanged. */
        b->data[b->len] = '\0';
        return;
    }
    if ((size_t)n >= avail) {
        buf_reserve(b, (size_t)n);
        va_start(ap, fmt);
        n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->data[b->len] = '\0';
            return;
        }
    }
    b->len += (size_t)n;
}

void buf_consume(struct buf *b, size_t n)
{
    if (n >= b->len) {
        buf_clear(b);
        return;
    }
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
    b->data[b->len] = '\0';
}

void buf_clear(struct buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}
