/* ready: the core's output, handed to the server in batches (etcd's Ready).
 *
 * Everything the core wants done accumulates between two Readies: messages,
 * read states, and implicitly the state that changed (hard state, soft
 * state, new entries, newly committed entries).  raft_ready() lends it all
 * out; raft_advance() is the server's word that it was done in the required
 * order (persist, then send, then apply), after which the core:
 *   - marks the entries stable, and, on a leader, counts its own vote for
 *     them (the leader is one of the quorum only once its disk has them);
 *   - records what was applied, and drops from memory what is both
 *     persisted and applied (the storage has it from now on);
 *   - frees the messages and read states.
 * No other call may come between raft_ready() and raft_advance(): that is
 * what lets a Ready borrow the core's memory without copies.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "raft/raft_int.h"
#include "util/util.h"

void ready_send(struct raft *r, struct raft_msg *m)
{
    m->from = r->id;
    if (m->term == 0)
        m->term = r->term;
    assert(m->term != 0 && m->to != RAFT_NONE && m->to != r->id);
    if (r->n_msgs == r->cap_msgs) {
        r->cap_msgs = r->cap_msgs ? r->cap_msgs * 2 : 16;
        r->msgs = xrealloc(r->msgs, r->cap_msgs * sizeof(*r->msgs));
    }
    r->msgs[r->n_msgs++] = *m;
    m->entries = NULL;
    m->n_entries = 0;
}

void ready_read_state(struct raft *r, uint64_t ctx, uint64_t index, int err)
{
    if (r->n_read_states == r->cap_read_states) {
        r->cap_read_states = r->cap_read_states ? r->cap_read_states * 2 : 8;
        r->read_states = xrealloc(r->read_states, r->cap_read_states * sizeof(*r->read_states));
    }
    struct raft_read_state *rs = &r->read_states[r->n_read_states++];
    rs->ctx = ctx;
    rs->index = index;
    rs->err = err;
}

static struct raft_hard_state hard_state(const struct raft *r)
{
    struct raft_hard_state hs = {.term = r->term, .vote = r->vote, .commit = r->log.committed};
    return hs;
}

static bool hs_equal(const struct raft_hard_state *a, const struct raft_hard_state *b)
{
    return a->term == b->term && a->vote == b->vote && a->commit == b->commit;
}

bool raft_has_ready(struct raft *r)
{
    if (r->err || r->in_ready)
        return false;
    struct raft_hard_state hs = hard_state(r);
    return r->prev_ss.leader != r->lead || r->prev_ss.role != r->role ||
           !hs_equal(&hs, &r->prev_hs) || r->log.last > r->log.stable_last || r->n_msgs > 0 ||
           r->bcast_pending || r->commit_bcast_pending || r->log.committed > r->log.applied ||
           r->n_read_states > 0;
}

int raft_ready(struct raft *r, struct raft_ready *rd)
{
    assert(!r->in_ready);
    if (r->err)
        return r->err;
    if (r->role == RAFT_LEADER && (r->bcast_pending || r->commit_bcast_pending)) {
        /* New entries and a new commit index go out here, batched. */
        repl_bcast_append(r, r->commit_bcast_pending);
        if (r->err)
            return r->err;
    }
    r->bcast_pending = false;
    r->commit_bcast_pending = false;

    const struct raft_entry *committed;
    size_t n_committed;
    int rc = rlog_next_committed(&r->log, r->max_committed_size, &committed, &n_committed);
    if (rc != 0) {
        core_fail(r, rc);
        return rc;
    }

    memset(rd, 0, sizeof(*rd));
    if (r->prev_ss.leader != r->lead || r->prev_ss.role != r->role) {
        rd->has_soft_state = true;
        rd->soft_state.leader = r->lead;
        rd->soft_state.role = (uint8_t)r->role;
    }
    struct raft_hard_state hs = hard_state(r);
    if (!hs_equal(&hs, &r->prev_hs)) {
        rd->has_hard_state = true;
        rd->hard_state = hs;
        rd->must_sync = hs.term != r->prev_hs.term || hs.vote != r->prev_hs.vote;
    }
    if (r->log.last > r->log.stable_last) {
        rd->entries = rlog_mem_entry(&r->log, r->log.stable_last + 1);
        assert(rd->entries != NULL);
        rd->n_entries = (size_t)(r->log.last - r->log.stable_last);
        rd->must_sync = true;
    }
    rd->committed_entries = committed;
    rd->n_committed = n_committed;
    rd->messages = r->msgs;
    rd->n_messages = r->n_msgs;
    rd->read_states = r->read_states;
    rd->n_read_states = r->n_read_states;
    r->in_ready = true;
    return 0;
}

void raft_advance(struct raft *r, const struct raft_ready *rd)
{
    assert(r->in_ready);
    assert(rd->messages == r->msgs && rd->n_messages == r->n_msgs);
    if (rd->has_soft_state) {
        r->prev_ss = rd->soft_state;
    }
    if (rd->has_hard_state)
        r->prev_hs = rd->hard_state;
    uint64_t stable = rd->n_entries ? rd->entries[rd->n_entries - 1].index : 0;
    uint64_t applied = rd->n_committed ? rd->committed_entries[rd->n_committed - 1].index : 0;

    for (size_t i = 0; i < r->n_msgs; i++)
        raft_msg_free(&r->msgs[i]);
    r->n_msgs = 0;
    r->n_read_states = 0;
    rlog_release_scratch(&r->log);
    if (stable)
        rlog_stable_to(&r->log, stable);
    if (applied)
        rlog_applied_to(&r->log, applied);
    r->in_ready = false;
    if (stable && r->role == RAFT_LEADER)
        repl_self_persisted(r);
}
