/* progress: the leader's view of one follower's log (paper 5.3: nextIndex
 * and matchIndex, Figure 2 "Volatile state on leaders"), with etcd's flow
 * control on top:
 *   probe      the leader does not know where the logs match: one MsgApp at
 *              a time, stepping back on each rejection (using the follower's
 *              hint to skip a whole term at once);
 *   replicate  the logs match at `match`: MsgApps are pipelined, next moves
 *              optimistically, and at most max_inflight_msgs are unacknowledged;
 *   snapshot   the follower needs entries the leader compacted away: nothing
 *              is sent until the snapshot is reported (stub until snapshots).
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "raft/raft_int.h"
#include "util/util.h"

void progress_init(struct progress *pr, uint64_t id, size_t max_inflight)
{
    memset(pr, 0, sizeof(*pr));
    pr->id = id;
    pr->ins.cap = max_inflight;
    pr->ins.buf = xcalloc(max_inflight, sizeof(*pr->ins.buf));
}

void progress_free(struct progress *pr)
{
    free(pr->ins.buf);
    pr->ins.buf = NULL;
}

static void inflights_reset(struct inflights *in)
{
    in->start = 0;
    in->count = 0;
}

bool inflights_full(const struct inflights *in)
{
    return in->count == in->cap;
}

static void inflights_add(struct inflights *in, uint64_t index)
{
    assert(!inflights_full(in));
    in->buf[(in->start + in->count) % in->cap] = index;
    in->count++;
}

void inflights_free_le(struct inflights *in, uint64_t index)
{
    while (in->count > 0 && in->buf[in->start] <= index) {
        in->start = (in->start + 1) % in->cap;
        in->count--;
    }
    if (in->count == 0)
        in->start = 0;
}

void inflights_free_first(struct inflights *in)
{
    if (in->count > 0)
        inflights_free_le(in, in->buf[in->start]);
}

static void reset_state(struct progress *pr, int state)
{
    pr->state = state;
    pr->probe_sent = false;
    pr->pending_snapshot = 0;
    inflights_reset(&pr->ins);
}

void progress_reset(struct progress *pr, uint64_t last)
{
    reset_state(pr, RAFT_PROGRESS_PROBE);
    pr->match = 0;
    pr->next = last + 1;
    pr->recent_active = false;
    pr->vote = 0;
}

void progress_become_probe(struct progress *pr)
{
    /* Coming out of a snapshot, the follower holds at least the snapshot. */
    uint64_t next = pr->match + 1;
    if (pr->state == RAFT_PROGRESS_SNAPSHOT && pr->pending_snapshot + 1 > next)
        next = pr->pending_snapshot + 1;
    reset_state(pr, RAFT_PROGRESS_PROBE);
    pr->next = next;
}

void progress_become_replicate(struct progress *pr)
{
    reset_state(pr, RAFT_PROGRESS_REPLICATE);
    pr->next = pr->match + 1;
}

void progress_become_snapshot(struct progress *pr, uint64_t snap_index)
{
    reset_state(pr, RAFT_PROGRESS_SNAPSHOT);
    pr->pending_snapshot = snap_index;
}

bool progress_maybe_update(struct progress *pr, uint64_t n)
{
    bool updated = false;
    if (pr->match < n) {
        pr->match = n;
        updated = true;
        pr->probe_sent = false;
    }
    if (pr->next < n + 1)
        pr->next = n + 1;
    return updated;
}

bool progress_maybe_decr_to(struct progress *pr, uint64_t rejected, uint64_t match_hint)
{
    if (pr->state == RAFT_PROGRESS_REPLICATE) {
        /* A rejection at or below match is stale (reordered or duplicated):
         * the follower has acknowledged more since. */
        if (rejected <= pr->match)
            return false;
        pr->next = pr->match + 1;
        return true;
    }
    /* Probe: only the answer to the probe in flight counts. */
    if (pr->next == 0 || pr->next - 1 != rejected)
        return false;
    uint64_t next = match_hint + 1 < rejected ? match_hint + 1 : rejected;
    if (next < pr->match + 1)
        next = pr->match + 1;
    if (next < 1)
        next = 1;
    pr->next = next;
    pr->probe_sent = false;
    return true;
}

bool progress_is_paused(const struct progress *pr)
{
    switch (pr->state) {
    case RAFT_PROGRESS_PROBE:
        return pr->probe_sent;
    case RAFT_PROGRESS_REPLICATE:
        return inflights_full(&pr->ins);
    default:
        return true;
    }
}

void progress_sent(struct progress *pr, size_t n, uint64_t last)
{
    switch (pr->state) {
    case RAFT_PROGRESS_REPLICATE:
        if (n > 0) {
            pr->next = last + 1;
            inflights_add(&pr->ins, last);
        }
        break;
    case RAFT_PROGRESS_PROBE:
        /* One probe at a time; a heartbeat answer or the probe's own answer
         * lets the next one go. */
        pr->probe_sent = true;
        break;
    default:
        break;
    }
}
