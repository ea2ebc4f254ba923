/* buf: a growable byte buffer.
 *
 * Used for client query buffers, reply buffers and anywhere bytes are
 * accumulated.  A buf owns its memory; buf_free() releases it.  Growth aborts
 * on out-of-memory (xmalloc policy) except through buf_try_reserve(), which
 * callers use for client-sized allocations so a huge request fails the
 * request instead of the process. */
#ifndef RC_BUF_H
#define RC_BUF_H

#include <stddef.h>

struct buf {
    char *data;
    size_t len; /* bytes in use */
    size_t cap; /* bytes allocated */
};

#define BUF_INIT                                                                                   \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

void buf_init(struct buf *b);
/* Releases the memory; the buf is left empty and reusable. */
void buf_free(struct buf *b);
/* Makes room for at least `extra` more bytes (aborts on OOM). */
void buf_reserve(struct buf *b, size_t extra);
/* As buf_reserve, but returns -ENOMEM instead of aborting. */
int buf_try_reserve(struct buf *b, size_t extra);
void buf_append(struct buf *b, const void *p, size_t n);
void buf_append_str(struct buf *b, const char *s);
void buf_append_char(struct buf *b, char c);
/* printf-style append. */
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Drops the first n bytes (n <= len). */
void buf_consume(struct buf *b, size_t n);
/* Sets len to 0, keeps the allocation. */
void buf_clear(struct buf *b);

#endif
