/* lru: what struct robj.lru holds, for eviction and OBJECT IDLETIME/FREQ.
 *
 * As Redis, the field means one of two things, by the maxmemory policy:
 *
 *   LRU (every policy but *-lfu): the 24-bit LRU clock of the last access,
 *     in seconds (now / 1000 mod 2^24: it wraps every 194 days; the idle
 *     time handles one wrap).
 *   LFU (allkeys-lfu, volatile-lfu):
 *         16 bits          8 bits
 *     +----------------+--------+
 *     | last decrement | counter|
 *     |  time (minutes)|  (log) |
 *     +----------------+--------+
 *     The counter is a logarithmic access count: an access increments it
 *     with probability 1 / ((counter - LFU_INIT_VAL) * lfu-log-factor + 1),
 *     so with the default factor 10 it reaches 255 after about a million
 *     accesses; it is decremented by one per lfu-decay-time minutes without
 *     access (0: never).  New keys start at LFU_INIT_VAL so they are not
 *     evicted before they had a chance to be read.
 *
 * When the policy changes at run time, existing fields keep their old
 * meaning until the keys are accessed again (Redis does the same, and says
 * so in OBJECT FREQ / IDLETIME's errors).
 *
 * Pure: the time is passed in, or set with lru_set_clock() by the command
 * executor (the stamp for objects created by a command). */
#ifndef RC_LRU_H
#define RC_LRU_H

#include <stdint.h>

#include "object.h"

#define LRU_BITS             24
#define LRU_CLOCK_MAX        ((1u << LRU_BITS) - 1)
#define LRU_CLOCK_RESOLUTION 1000 /* ms per LRU clock unit */
#define LFU_INIT_VAL         5

/* The mode and LFU parameters (from the config: maxmemory-policy,
 * lfu-log-factor, lfu-decay-time). */
void lru_configure(int lfu, int log_factor, int decay_time);
/* 1 when the field holds LFU data. */
int lru_lfu_mode(void);
/* The time the next new objects are stamped with (lru_initial). */
void lru_set_clock(int64_t now_ms);

/* The 24-bit LRU clock at now_ms. */
static inline uint32_t lru_clock(int64_t now_ms)
{
    return (uint32_t)(now_ms / LRU_CLOCK_RESOLUTION) & LRU_CLOCK_MAX;
}

/* The field for an object created now (the clock set by lru_set_clock):
 * the LRU clock, or the LFU initial counter stamped with this minute. */
uint32_t lru_initial(void);
/* Records an access at now_ms (db_lookup). */
void lru_touch(struct robj *o, int64_t now_ms);
/* LRU: ms since the last access of an object whose field is lru. */
uint64_t lru_idle_ms(uint32_t lru, int64_t now_ms);

/* LFU: the counter of field lru after the decay due by now_ms (without
 * storing it), as Redis's LFUDecrAndReturn. */
unsigned lfu_decayed_counter(uint32_t lru, int64_t now_ms, int decay_time);
/* LFU: the counter after one access; r is uniform in [0, 1). */
unsigned lfu_log_incr(unsigned counter, int log_factor, double r);
/* LFU: minutes since the epoch, mod 2^16, and the minutes elapsed since
 * ldt, allowing one wrap. */
uint32_t lfu_minutes(int64_t now_ms);
uint32_t lfu_elapsed_minutes(uint32_t ldt, int64_t now_ms);
/* Current parameters (for OBJECT FREQ and eviction). */
int lfu_decay_time(void);

#endif
