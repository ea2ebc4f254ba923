/* zmalloc: how many bytes of heap the process uses, cheaply enough to be
 * read before every write command (maxmemory, INFO used_memory).
 *
 * In a normal build this module replaces the process's malloc family
 * (malloc, calloc, realloc, reallocarray, free, posix_memalign,
 * aligned_alloc, memalign, valloc, pvalloc) by thin wrappers around glibc's
 * own allocator (__libc_malloc...) that keep one relaxed atomic counter.
 * Because the wrappers are the process's malloc (ELF symbol interposition,
 * which glibc supports for replacing the allocator), what SQLite, libyaml,
 * libev and glibc itself allocate is counted too, as Redis's zmalloc counts
 * everything that goes through it.  Code keeps calling plain malloc/free.
 *
 * What is counted: for each live allocation, malloc_usable_size() plus the
 * one size_t glibc keeps in front of the chunk; that is the chunk's size in
 * the arena, which is what mallinfo2() calls uordblks + hblkhd, so the two
 * agree up to the chunks glibc's thread caches hold (docs/memory.md).
 *
 * Under AddressSanitizer (RC_SANITIZE, RC_FUZZ) ASan owns malloc: the
 * wrappers are compiled out and zmalloc_used_memory() asks ASan
 * (__sanitizer_get_current_allocated_bytes: the bytes requested). */
#ifndef RC_ZMALLOC_H
#define RC_ZMALLOC_H

#include <stddef.h>

/* Bytes of heap in use now.  A relaxed atomic load: a few ns. */
long long zmalloc_used_memory(void);
/* 1 when the counting wrappers are in this build (0 under ASan). */
int zmalloc_counting(void);
/* Name for INFO mem_allocator. */
const char *zmalloc_allocator_name(void);

#endif
