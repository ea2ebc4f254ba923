/* election: leader election (paper 5.2), the voting restriction (5.4.1) and
 * the pre-election of thesis 9.6.
 *
 * A campaign is a RequestVote round in a new term (Figure 2, Candidates).
 * With pre_vote, it is preceded by a PreVote round at term + 1 that changes
 * nothing durable: only a node that could win (a quorum would vote for it,
 * and none of them heard from a leader recently) bumps its term, so a node
 * that was partitioned away does not force the cluster into a new term when
 * it returns.
 *
 * Votes are persisted before they are announced: a granted vote sets
 * r->vote, which is in the next Ready's hard state, and every message of a
 * Ready goes out only after that Ready was persisted (Figure 2, "Persistent
 * state ... updated on stable storage before responding to RPCs").
 */
#include <assert.h>

#include "raft/raft_int.h"

enum vote_result { VOTE_PENDING, VOTE_WON, VOTE_LOST };

/* Records peer i's answer (only its first one counts) and tallies. */
static enum vote_result poll(struct raft *r, size_t i, bool granted)
{
    if (r->peers[i].vote == 0)
        r->peers[i].vote = granted ? 1 : -1;
    size_t yes = 0, no = 0;
    for (size_t k = 0; k < r->n_peers; k++) {
        if (r->peers[k].vote > 0)
            yes++;
        else if (r->peers[k].vote < 0)
            no++;
    }
    if (yes >= core_quorum(r))
        return VOTE_WON;
    if (r->n_peers - no < core_quorum(r))
        return VOTE_LOST;
    return VOTE_PENDING;
}

void election_hup(struct raft *r)
{
    if (r->role == RAFT_LEADER)
        return;
    election_campaign(r, r->pre_vote);
}

void election_campaign(struct raft *r, bool pre)
{
    uint64_t term;
    uint8_t type;
    if (pre) {
        core_become_pre_candidate(r);
        type = RAFT_MSG_PRE_VOTE;
        term = r->term + 1;
    } else {
        core_become_candidate(r);
        type = RAFT_MSG_VOTE;
        term = r->term;
    }
    if (poll(r, r->self, true) == VOTE_WON) {
        /* A single-node cluster wins at once. */
        if (pre)
            election_campaign(r, false);
        else
            core_become_leader(r);
        return;
    }
    for (size_t i = 0; i < r->n_peers; i++) {
        if (i == r->self)
            continue;
        struct raft_msg m = {
            .type = type,
            .to = r->peers[i].id,
            .term = term,
            .index = r->log.last,
            .log_term = rlog_last_term(&r->log),
        };
        ready_send(r, &m);
    }
}

void election_handle_request(struct raft *r, const struct raft_msg *m)
{
    bool pre = m->type == RAFT_MSG_PRE_VOTE;
    /* One vote per term (5.2): we may repeat our vote, vote when we have
     * neither voted nor know a leader, and always consider a PreVote for a
     * later term, which binds nothing. */
    bool can_vote = r->vote == m->from || (r->vote == RAFT_NONE && r->lead == RAFT_NONE) ||
                    (pre && m->term > r->term);
    struct raft_msg resp = {
        .type = pre ? RAFT_MSG_PRE_VOTE_RESP : RAFT_MSG_VOTE_RESP,
        .to = m->from,
    };
    if (can_vote && rlog_is_up_to_date(&r->log, m->index, m->log_term)) {
        /* A grant carries the campaign's term (for a PreVote, a term we
         * have not entered). */
        resp.term = m->term;
        if (!pre) {
            r->election_elapsed = 0;
            r->vote = m->from;
        }
    } else {
        resp.term = r->term;
        resp.reject = true;
    }
    ready_send(r, &resp);
}

void election_handle_response(struct raft *r, const struct raft_msg *m)
{
    struct progress *pr = core_peer(r, m->from);
    assert(pr != NULL);
    switch (poll(r, (size_t)(pr - r->peers), !m->reject)) {
    case VOTE_WON:
        if (r->role == RAFT_PRE_CANDIDATE)
            election_campaign(r, false);
        else
            core_become_leader(r);
        break;
    case VOTE_LOST:
        /* Back to follower in the same term: a PreVote loss leaves the term
         * untouched, a vote loss keeps the term (and our self-vote). */
        core_become_follower(r, r->term, RAFT_NONE);
        break;
    default:
        break;
    }
}
