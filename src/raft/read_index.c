/* read_index: linearizable reads without writing to the log (thesis 6.4).
 *
 * 1. The leader must have committed an entry of its own term (its no-op):
 *    before that its commit index may lag what an earlier leader committed.
 *    Requests made earlier wait in `gated`.
 * 2. The read index is the commit index when the request arrives.
 * 3. The leader proves it was still the leader after the request arrived: it
 *    sends a heartbeat carrying the request's ctx, and a quorum (itself
 *    included) answers in its term.  A quorum's answer to ctx confirms every
 *    request queued before ctx too, so requests are batched: heartbeats
 *    always carry the newest pending ctx, and a lost round is retried by the
 *    next heartbeat.
 * 4. The server serves the read once its applied index reaches the read
 *    index (struct raft_read_state).
 * When the node stops being leader every pending request is answered with
 * RAFT_ENOTLEADER, so the server never waits for an answer that cannot come.
 */
#include <stdlib.h>
#include <string.h>

#include "raft/raft_int.h"
#include "util/util.h"

static void push_read(struct raft *r, uint64_t ctx)
{
    if (r->n_reads == r->cap_reads) {
        r->cap_reads = r->cap_reads ? r->cap_reads * 2 : 8;
        r->reads = xrealloc(r->reads, r->cap_reads * sizeof(*r->reads));
    }
    struct read_req *q = &r->reads[r->n_reads++];
    q->ctx = ctx;
    q->index = r->log.committed;
    q->acks = (uint64_t)1 << r->self;
}

static size_t popcount64(uint64_t v)
{
    size_t n = 0;
    for (; v; v &= v - 1)
        n++;
    return n;
}

/* Answers requests 0..k (FIFO order) and removes them. */
static void release_through(struct raft *r, size_t k)
{
    for (size_t j = 0; j <= k; j++)
        ready_read_state(r, r->reads[j].ctx, r->reads[j].index, 0);
    memmove(r->reads, r->reads + k + 1, (r->n_reads - k - 1) * sizeof(*r->reads));
    r->n_reads -= k + 1;
}

int readidx_request(struct raft *r, uint64_t ctx)
{
    if (!repl_committed_in_term(r)) {
        if (r->n_gated == r->cap_gated) {
            r->cap_gated = r->cap_gated ? r->cap_gated * 2 : 8;
            r->gated = xrealloc(r->gated, r->cap_gated * sizeof(*r->gated));
        }
        r->gated[r->n_gated++] = ctx;
        return 0;
    }
    push_read(r, ctx);
    if (core_quorum(r) == 1)
        release_through(r, r->n_reads - 1);
    else
        repl_bcast_heartbeat(r, ctx);
    return 0;
}

void readidx_release_gated(struct raft *r)
{
    if (r->n_gated == 0)
        return;
    for (size_t j = 0; j < r->n_gated; j++)
        push_read(r, r->gated[j]);
    r->n_gated = 0;
    if (core_quorum(r) == 1)
        release_through(r, r->n_reads - 1);
    else
        repl_bcast_heartbeat(r, r->reads[r->n_reads - 1].ctx);
}

void readidx_ack(struct raft *r, size_t peer, uint64_t ctx)
{
    for (size_t j = 0; j < r->n_reads; j++) {
        if (r->reads[j].ctx != ctx)
            continue;
        r->reads[j].acks |= (uint64_t)1 << peer;
        if (popcount64(r->reads[j].acks) >= core_quorum(r))
            release_through(r, j);
        return;
    }
}

uint64_t readidx_last_ctx(const struct raft *r)
{
    return r->n_reads ? r->reads[r->n_reads - 1].ctx : 0;
}

void readidx_reset(struct raft *r)
{
    for (size_t j = 0; j < r->n_reads; j++)
        ready_read_state(r, r->reads[j].ctx, 0, RAFT_ENOTLEADER);
    for (size_t j = 0; j < r->n_gated; j++)
        ready_read_state(r, r->gated[j], 0, RAFT_ENOTLEADER);
    r->n_reads = 0;
    r->n_gated = 0;
}

void readidx_free(struct raft *r)
{
    free(r->reads);
    free(r->gated);
    r->reads = NULL;
    r->gated = NULL;
    r->n_reads = r->n_gated = 0;
}
