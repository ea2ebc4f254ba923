/* lru: LRU clock and LFU counter in struct robj.lru (see lru.h). */
#include "lru.h"

#include "util/util.h"

static struct {
    int lfu;
    int log_factor;
    int decay_time;
    int64_t clock_ms;
} g = {0, 10, 1, 0};

void lru_configure(int lfu, int log_factor, int decay_time)
{
    g.lfu = lfu != 0;
    g.log_factor = log_factor < 0 ? 0 : log_factor;
    g.decay_time = decay_time < 0 ? 0 : decay_time;
}

int lru_lfu_mode(void)
{
    return g.lfu;
}

int lfu_decay_time(void)
{
    return g.decay_time;
}

void lru_set_clock(int64_t now_ms)
{
    g.clock_ms = now_ms;
}

uint32_t lfu_minutes(int64_t now_ms)
{
    return (uint32_t)(now_ms / 60000) & 0xFFFF;
}

uint32_t lfu_elapsed_minutes(uint32_t ldt, int64_t now_ms)
{
    uint32_t now = lfu_minutes(now_ms);
    return now >= ldt ? now - ldt : 0xFFFF - ldt + now;
}

uint32_t lru_initial(void)
{
    if (g.lfu)
        return (lfu_minutes(g.clock_ms) << 8) | LFU_INIT_VAL;
    return lru_clock(g.clock_ms);
}

uint64_t lru_idle_ms(uint32_t lru, int64_t now_ms)
{
    uint32_t clock = lru_clock(now_ms);
    lru &= LRU_CLOCK_MAX;
    uint64_t units = clock >= lru ? clock - lru : (uint64_t)clock + (LRU_CLOCK_MAX - lru);
    return units * LRU_CLOCK_RESOLUTION;
}

unsigned lfu_decayed_counter(uint32_t lru, int64_t now_ms, int decay_time)
{
    uint32_t ldt = (lru >> 8) & 0xFFFF;
    unsigned counter = lru & 0xFF;
    if (decay_time <= 0)
        return counter;
    uint32_t periods = lfu_elapsed_minutes(ldt, now_ms) / (uint32_t)decay_time;
    return periods >= counter ? 0 : counter - periods;
}

unsigned lfu_log_incr(unsigned counter, int log_factor, double r)
{
    if (counter >= 255)
        return 255;
    double base = counter > LFU_INIT_VAL ? (double)(counter - LFU_INIT_VAL) : 0.0;
    double p = 1.0 / (base * log_factor + 1);
    return r < p ? counter + 1 : counter;
}

void lru_touch(struct robj *o, int64_t now_ms)
{
    if (!g.lfu) {
        o->lru = lru_clock(now_ms);
        return;
    }
    unsigned counter = lfu_decayed_counter(o->lru, now_ms, g.decay_time);
    /* 53 random bits: a uniform double in [0, 1). */
    double r = (double)(rand_u64() >> 11) * (1.0 / 9007199254740992.0);
    counter = lfu_log_incr(counter, g.log_factor, r);
    o->lru = (lfu_minutes(now_ms) << 8) | counter;
}
