/* zmalloc: the process's malloc family, counted (see zmalloc.h).
 *
 * Why interpose rather than wrap: a zmalloc()/zfree() API would count only
 * the callers that use it, and SQLite (the Raft log), libyaml and libev
 * would escape; so would every malloc() in our own code that someone forgot
 * to convert.  Replacing the symbols counts all of it with no change to the
 * callers.  glibc documents this ("Replacing malloc"): a replacement must
 * provide malloc, free, calloc and realloc, and should provide the aligned
 * variants too, since glibc itself may call them and hand the block to
 * free().  Every block still comes from glibc's allocator (__libc_malloc
 * and friends), so a block from anywhere can be freed anywhere.
 *
 * The counter is one relaxed atomic: the server has a thread or two besides
 * the loop (AOF fsync), and the total only needs to be exact, not ordered
 * with anything.  Cost: malloc_usable_size() reads the chunk header (which
 * the allocation just touched) and one locked add; the unit test
 * tests/unit/test_zmalloc.c prints it. */
#include "util/zmalloc.h"

#include <errno.h>
#include <malloc.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#if defined(__SANITIZE_ADDRESS__)
#define ZM_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ZM_ASAN 1
#endif
#endif

#ifdef ZM_ASAN

/* ASan's allocator statistics (sanitizer/allocator_interface.h, which not
 * every compiler ships: the one declaration we need is here). */
size_t __sanitizer_get_current_allocated_bytes(void);

long long zmalloc_used_memory(void)
{
    return (long long)__sanitizer_get_current_allocated_bytes();
}

int zmalloc_counting(void)
{
    return 0;
}

const char *zmalloc_allocator_name(void)
{
    return "libc (AddressSanitizer)";
}

#else

/* glibc's allocator under its own names (exported for exactly this use). */
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);
extern void __libc_free(void *p);
extern void *__libc_memalign(size_t alignment, size_t n);
extern void *__libc_valloc(size_t n);
extern void *__libc_pvalloc(size_t n);

/* glibc keeps one size_t (the chunk's size field) in front of every block:
 * usable size + this is the chunk size, what mallinfo2() adds up. */
#define CHUNK_OVERHEAD sizeof(size_t)

static atomic_llong used_bytes;

static inline long long block_bytes(void *p)
{
    return (long long)(malloc_usable_size(p) + CHUNK_OVERHEAD);
}

static inline void *counted(void *p)
{
    if (p)
        atomic_fetch_add_explicit(&used_bytes, block_bytes(p), memory_order_relaxed);
    return p;
}

long long zmalloc_used_memory(void)
{
    return atomic_load_explicit(&used_bytes, memory_order_relaxed);
}

int zmalloc_counting(void)
{
    return 1;
}

const char *zmalloc_allocator_name(void)
{
    return "libc";
}

void *malloc(size_t n)
{
    return counted(__libc_malloc(n));
}

void *calloc(size_t n, size_t size)
{
    return counted(__libc_calloc(n, size));
}

void free(void *p)
{
    if (!p)
        return;
    atomic_fetch_sub_explicit(&used_bytes, block_bytes(p), memory_order_relaxed);
    __libc_free(p);
}

void *realloc(void *p, size_t n)
{
    if (!p)
        return malloc(n);
    long long before = block_bytes(p);
    void *q = __libc_realloc(p, n);
    if (q) {
        atomic_fetch_add_explicit(&used_bytes, block_bytes(q) - before, memory_order_relaxed);
    } else if (n == 0) {
        /* glibc's realloc(p, 0) frees p and returns NULL. */
        atomic_fetch_sub_explicit(&used_bytes, before, memory_order_relaxed);
    }
    return q;
}

void *reallocarray(void *p, size_t n, size_t size)
{
    size_t total;
    if (__builtin_mul_overflow(n, size, &total)) {
        errno = ENOMEM;
        return NULL;
    }
    return realloc(p, total);
}

int posix_memalign(void **out, size_t alignment, size_t n)
{
    if (alignment == 0 || alignment % sizeof(void *) != 0 || (alignment & (alignment - 1)) != 0)
        return EINVAL;
    void *p = counted(__libc_memalign(alignment, n));
    if (!p)
        return ENOMEM;
    *out = p;
    return 0;
}

void *aligned_alloc(size_t alignment, size_t n)
{
    return counted(__libc_memalign(alignment, n));
}

void *memalign(size_t alignment, size_t n)
{
    return counted(__libc_memalign(alignment, n));
}

void *valloc(size_t n)
{
    return counted(__libc_valloc(n));
}

void *pvalloc(size_t n)
{
    return counted(__libc_pvalloc(n));
}

#endif
