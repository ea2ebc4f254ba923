/* crc64: the 64-bit CRC that frames the AOF.
 *
 * The function is Redis's crc64: the Jones polynomial 0xad93d23594c935a9,
 * bit-reflected (input and output), initial value 0, no final xor.  Check
 * value: crc64(0, "123456789", 9) == 0xe9c6d914c4b8d9ca.  Using Redis's exact
 * function means a frame's checksum can be cross-checked with any tool that
 * knows "CRC-64/Redis" (e.g. the crcmod / reveng catalogues).
 *
 * Implementation: slicing-by-16 over tables built once, on first use
 * (pthread_once, so concurrent first calls from the loop and the fsync thread
 * are safe).  Pure: no I/O, no allocation.
 */
#ifndef RC_CRC64_H
#define RC_CRC64_H

#include <stddef.h>
#include <stdint.h>

/* Incremental: crc64(crc64(0, a, na), b, nb) == crc64(0, a||b, na+nb).
 * Start with crc = 0.  p may be NULL when n == 0. */
uint64_t crc64(uint64_t crc, const void *p, size_t n);

/* The reference bit-at-a-time implementation, for tests only (slow). */
uint64_t crc64_bitwise(uint64_t crc, const void *p, size_t n);

#endif
