/* replication: AppendEntries and heartbeats (paper 5.3, Figure 2), the
 * commitment rule (5.4.2, Figure 8) and the leader's flow control.
 *
 * Leader side: each follower has a progress (progress.c).  New entries are
 * broadcast once per Ready, so the proposals of one loop iteration become
 * one MsgApp per follower; a follower that answers gets the next batch at
 * once, up to max_inflight_msgs unacknowledged MsgApps of at most
 * max_size_per_msg bytes each.  A rejection carries the follower's hint
 * (the last index whose term is <= the term the leader sent), so the leader
 * skips a whole conflicting term per round trip instead of one entry.
 *
 * Commitment: an entry is committed once the leader stored it and a quorum
 * of matchIndex values reach it, and only if it is of the leader's current
 * term; entries of earlier terms are then committed by implication
 * (Figure 8: counting replicas of an old-term entry is unsafe).
 *
 * Follower side: the consistency check on (prevLogIndex, prevLogTerm), the
 * truncation of a conflicting suffix (never of a committed entry), and
 * commit = min(leaderCommit, index of the last new entry).
 */
#include <assert.h>
#include <string.h>

#include "raft/raft_int.h"

/* Stub until the snapshot issue: tells the server, through a MsgSnap in the
 * Ready, that a follower needs entries compacted away; nothing more is sent
 * to it until a MsgSnapStatus. */
static bool send_snapshot(struct raft *r, struct progress *pr)
{
    if (!pr->recent_active)
        return false;
    progress_become_snapshot(pr, r->log.first - 1);
    struct raft_msg m = {
        .type = RAFT_MSG_SNAP,
        .to = pr->id,
        .index = r->log.first - 1,
        .log_term = r->log.snap_term,
    };
    ready_send(r, &m);
    return true;
}

bool repl_send_append(struct raft *r, struct progress *pr, bool send_if_empty)
{
    if (progress_is_paused(pr))
        return false;
    struct raft_msg m = {.type = RAFT_MSG_APP, .to = pr->id, .index = pr->next - 1};
    if (rlog_term(&r->log, m.index, &m.log_term) != 0)
        return send_snapshot(r, pr);
    int rc = rlog_fill_msg(&r->log, pr->next, r->max_size_per_msg, &m);
    if (rc == RAFT_EUNAVAILABLE)
        return send_snapshot(r, pr);
    if (rc != 0) {
        core_fail(r, rc);
        return false;
    }
    if (m.n_entries == 0 && !send_if_empty)
        return false;
    m.commit = r->log.committed;
    progress_sent(pr, m.n_entries, m.n_entries ? m.entries[m.n_entries - 1].index : 0);
    ready_send(r, &m);
    return true;
}

void repl_bcast_append(struct raft *r, bool send_if_empty)
{
    for (size_t i = 0; i < r->n_peers && !r->err; i++) {
        if (i == r->self)
            continue;
        struct progress *pr = &r->peers[i];
        repl_send_append(r, pr, send_if_empty);
        /* A follower known to match gets as much as its window allows. */
        while (!r->err && pr->state == RAFT_PROGRESS_REPLICATE && repl_send_append(r, pr, false)) {
        }
    }
}

void repl_bcast_heartbeat(struct raft *r, uint64_t ctx)
{
    for (size_t i = 0; i < r->n_peers; i++) {
        if (i == r->self)
            continue;
        const struct progress *pr = &r->peers[i];
        /* Never tell a follower to commit past what it is known to share
         * with us: its entries beyond match may not be ours. */
        struct raft_msg m = {
            .type = RAFT_MSG_HEARTBEAT,
            .to = pr->id,
            .commit = pr->match < r->log.committed ? pr->match : r->log.committed,
            .ctx = ctx,
        };
        ready_send(r, &m);
    }
}

bool repl_committed_in_term(const struct raft *r)
{
    return rlog_term_or0(&r->log, r->log.committed) == r->term;
}

bool repl_maybe_commit(struct raft *r)
{
    uint64_t m[RAFT_MAX_PEERS];
    size_t n = r->n_peers;
    for (size_t i = 0; i < n; i++) {
        /* insertion sort, descending: n is small */
        uint64_t v = r->peers[i].match;
        size_t j = i;
        while (j > 0 && m[j - 1] < v) {
            m[j] = m[j - 1];
            j--;
        }
        m[j] = v;
    }
    uint64_t old = r->log.committed;
    if (!rlog_maybe_commit(&r->log, m[core_quorum(r) - 1], r->term))
        return false;
    /* Entries above the old commit index are still in memory (they are not
     * applied yet); what this term proposed no longer counts as uncommitted. */
    for (uint64_t i = old + 1; i <= r->log.committed; i++) {
        const struct raft_entry *e = rlog_mem_entry(&r->log, i);
        if (e != NULL && e->term == r->term)
            r->uncommitted_size -= e->len < r->uncommitted_size ? e->len : r->uncommitted_size;
    }
    r->commit_bcast_pending = true;
    if (repl_committed_in_term(r))
        readidx_release_gated(r);
    return true;
}

void repl_self_persisted(struct raft *r)
{
    if (progress_maybe_update(&r->peers[r->self], r->log.stable_last))
        repl_maybe_commit(r);
}

void repl_handle_append_resp(struct raft *r, struct progress *pr, const struct raft_msg *m)
{
    pr->recent_active = true;
    if (m->reject) {
        /* The follower has no entry (m->index, term) of ours.  Its hint is
         * the last entry it has with a term <= that term; find where our
         * log has an entry of a term <= the hint's term, and probe there. */
        uint64_t next_probe = m->reject_hint;
        if (m->log_term > 0) {
            uint64_t t;
            next_probe = rlog_find_conflict_by_term(&r->log, m->reject_hint, m->log_term, &t);
        }
        if (progress_maybe_decr_to(pr, m->index, next_probe)) {
            if (pr->state == RAFT_PROGRESS_REPLICATE)
                progress_become_probe(pr);
            repl_send_append(r, pr, true);
        }
        return;
    }
    /* An acknowledgement beyond our log is nonsense in our term: ignore. */
    if (m->index > r->log.last)
        return;
    if (!progress_maybe_update(pr, m->index))
        return;
    switch (pr->state) {
    case RAFT_PROGRESS_PROBE:
        progress_become_replicate(pr);
        break;
    case RAFT_PROGRESS_SNAPSHOT:
        if (pr->match >= pr->pending_snapshot) {
            progress_become_probe(pr);
            progress_become_replicate(pr);
        }
        break;
    case RAFT_PROGRESS_REPLICATE:
        inflights_free_le(&pr->ins, m->index);
        break;
    default:
        break;
    }
    repl_maybe_commit(r);
    /* Keep the pipe full: send what the window now allows. */
    while (!r->err && repl_send_append(r, pr, false)) {
    }
}

void repl_handle_heartbeat_resp(struct raft *r, struct progress *pr, const struct raft_msg *m)
{
    pr->recent_active = true;
    /* The follower is alive: a lost probe or a lost MsgApp must not stall
     * it forever, so let one more message go. */
    pr->probe_sent = false;
    if (pr->state == RAFT_PROGRESS_REPLICATE && inflights_full(&pr->ins))
        inflights_free_first(&pr->ins);
    if (pr->match < r->log.last)
        repl_send_append(r, pr, true);
    if (m->ctx != 0)
        readidx_ack(r, (size_t)(pr - r->peers), m->ctx);
}

int repl_handle_append(struct raft *r, const struct raft_msg *m)
{
    struct raft_msg resp = {.type = RAFT_MSG_APP_RESP, .to = m->from};
    if (m->index < r->log.committed) {
        /* Old news: everything up to our commit index matches the leader. */
        resp.index = r->log.committed;
        ready_send(r, &resp);
        return 0;
    }
    uint64_t lastnew;
    int rc = rlog_maybe_append(&r->log, m->index, m->log_term, m->commit, m->entries, m->n_entries,
                               &lastnew);
    if (rc < 0)
        return rc;
    if (rc == 1) {
        resp.index = lastnew;
    } else {
        /* Reject, with a hint: the last index (at most the leader's prev
         * index) whose term is <= the leader's prev term.  All entries
         * between the hint and prevLogIndex can be skipped by the leader. */
        uint64_t hint = m->index < r->log.last ? m->index : r->log.last;
        uint64_t hint_term;
        hint = rlog_find_conflict_by_term(&r->log, hint, m->log_term, &hint_term);
        resp.index = m->index;
        resp.reject = true;
        resp.reject_hint = hint;
        resp.log_term = hint_term;
    }
    ready_send(r, &resp);
    return 0;
}

void repl_handle_heartbeat(struct raft *r, const struct raft_msg *m)
{
    /* The leader sends min(our match, its commit): never beyond our log.  A
     * heartbeat that says otherwise is inconsistent: do not commit on it. */
    if (m->commit <= r->log.last)
        rlog_commit_to(&r->log, m->commit);
    struct raft_msg resp = {.type = RAFT_MSG_HEARTBEAT_RESP, .to = m->from, .ctx = m->ctx};
    ready_send(r, &resp);
}
