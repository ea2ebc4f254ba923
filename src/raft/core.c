/* core: a node's roles and their transitions (paper 5.1, Figure 4), the
 * logical clock, the dispatch of messages by term and role, and the public
 * input API.  The protocol steps themselves are in election.c,
 * replication.c and read_index.c.
 *
 * Terms (Figure 2, "Rules for all servers"): a message of a higher term makes
 * the node a follower of that term first, with these exceptions from the
 * thesis: a (pre)vote request inside the leader lease is ignored (9.6, with
 * CheckQuorum), a PreVote request never changes our term, and a granted
 * PreVote answer carries a future term we have not entered yet.  A message
 * of a lower term is dropped, except that an AppendEntries or heartbeat from
 * a stale leader gets an answer in our term, so that it steps down: with
 * PreVote or CheckQuorum it could otherwise never learn of the newer term.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "raft/raft_int.h"
#include "util/util.h"

/* ---- small helpers ---- */

static uint64_t rng_next(uint64_t *s)
{
    /* splitmix64: deterministic from the caller's seed. */
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void randomize_timeout(struct raft *r)
{
    r->randomized_timeout =
        r->election_tick + (int)(rng_next(&r->rng) % (uint64_t)r->election_tick);
}

struct progress *core_peer(struct raft *r, uint64_t id)
{
    for (size_t i = 0; i < r->n_peers; i++)
        if (r->peers[i].id == id)
            return &r->peers[i];
    return NULL;
}

size_t core_quorum(const struct raft *r)
{
    return r->n_peers / 2 + 1;
}

void core_fail(struct raft *r, int err)
{
    if (r->err == 0)
        r->err = err;
}

/* ---- roles (Figure 4) ---- */

/* Enters `term` (forgetting the vote if it is a new one) and clears every
 * per-role state. */
static void reset(struct raft *r, uint64_t term)
{
    if (r->term != term) {
        r->term = term;
        r->vote = RAFT_NONE;
    }
    r->lead = RAFT_NONE;
    r->election_elapsed = 0;
    r->heartbeat_elapsed = 0;
    randomize_timeout(r);
    for (size_t i = 0; i < r->n_peers; i++)
        progress_reset(&r->peers[i], r->log.last);
    /* This node's own match is what it has on disk: a leader counts itself
     * towards a quorum only for persisted entries (raft_advance()). */
    r->peers[r->self].match = r->log.stable_last;
    r->uncommitted_size = 0;
    r->bcast_pending = false;
    r->commit_bcast_pending = false;
    readidx_reset(r);
}

void core_become_follower(struct raft *r, uint64_t term, uint64_t lead)
{
    reset(r, term);
    r->lead = lead;
    r->role = RAFT_FOLLOWER;
}

void core_become_pre_candidate(struct raft *r)
{
    /* Thesis 9.6: a pre-candidate changes neither its term nor its vote. */
    assert(r->role != RAFT_LEADER);
    for (size_t i = 0; i < r->n_peers; i++)
        r->peers[i].vote = 0;
    r->lead = RAFT_NONE;
    r->role = RAFT_PRE_CANDIDATE;
}

void core_become_candidate(struct raft *r)
{
    assert(r->role != RAFT_LEADER);
    reset(r, r->term + 1);
    r->vote = r->id;
    r->role = RAFT_CANDIDATE;
}

void core_become_leader(struct raft *r)
{
    assert(r->role == RAFT_CANDIDATE);
    reset(r, r->term);
    r->lead = r->id;
    r->role = RAFT_LEADER;
    /* The voters just answered: give them an election timeout before the
     * first CheckQuorum. */
    for (size_t i = 0; i < r->n_peers; i++)
        r->peers[i].recent_active = true;
    progress_become_replicate(&r->peers[r->self]);
    /* Paper 8 / thesis 6.4: an entry of the new term, so that the leader
     * learns what is committed (Figure 8) and can serve ReadIndex. */
    rlog_append_owned(&r->log, r->term, RAFT_ENTRY_NOOP, NULL, 0);
    r->bcast_pending = true;
}

/* ---- ticks ---- */

static void tick_election(struct raft *r)
{
    r->election_elapsed++;
    if (r->election_elapsed >= r->randomized_timeout) {
        r->election_elapsed = 0;
        election_hup(r);
    }
}

/* Thesis 6.2: is a quorum (this node included) recently active?  Starts a
 * new observation period. */
static bool quorum_active(struct raft *r)
{
    size_t active = 0;
    for (size_t i = 0; i < r->n_peers; i++) {
        if (i == r->self || r->peers[i].recent_active)
            active++;
        if (i != r->self)
            r->peers[i].recent_active = false;
    }
    return active >= core_quorum(r);
}

static void tick_heartbeat(struct raft *r)
{
    r->heartbeat_elapsed++;
    r->election_elapsed++;
    if (r->election_elapsed >= r->election_tick) {
        r->election_elapsed = 0;
        if (r->check_quorum && !quorum_active(r)) {
            core_become_follower(r, r->term, RAFT_NONE);
            return;
        }
    }
    if (r->heartbeat_elapsed >= r->heartbeat_tick) {
        r->heartbeat_elapsed = 0;
        repl_bcast_heartbeat(r, readidx_last_ctx(r));
    }
}

/* ---- messages ---- */

static bool is_local(int type)
{
    switch (type) {
    case RAFT_MSG_HUP:
    case RAFT_MSG_BEAT:
    case RAFT_MSG_PROP:
    case RAFT_MSG_READ_INDEX:
    case RAFT_MSG_SNAP_STATUS:
    case RAFT_MSG_UNREACHABLE:
        return true;
    default:
        return false;
    }
}

/* A network message is checked before it can change anything: it comes from
 * a peer, possibly a buggy or stale one.  The codec checked the framing; this
 * checks what the fields mean. */
static int check_network_msg(const struct raft *r, const struct raft_msg *m)
{
    if (m->to != r->id || m->from == r->id || m->term == 0)
        return RAFT_EMSG;
    if (core_peer((struct raft *)r, m->from) == NULL)
        return RAFT_EMSG;
    switch (m->type) {
    case RAFT_MSG_APP:
        if (m->log_term > m->term || m->index + m->n_entries < m->index)
            return RAFT_EMSG;
        for (size_t k = 0; k < m->n_entries; k++) {
            const struct raft_entry *e = &m->entries[k];
            uint64_t prev = k ? m->entries[k - 1].term : m->log_term;
            if (e->index != m->index + 1 + k || e->term < prev || e->term > m->term ||
                (e->type != RAFT_ENTRY_NORMAL && e->type != RAFT_ENTRY_NOOP) ||
                (e->len > 0 && e->data == NULL))
                return RAFT_EMSG;
        }
        return 0;
    case RAFT_MSG_VOTE:
    case RAFT_MSG_PRE_VOTE:
        if (m->log_term > m->term)
            return RAFT_EMSG;
        break;
    case RAFT_MSG_APP_RESP:
    case RAFT_MSG_VOTE_RESP:
    case RAFT_MSG_PRE_VOTE_RESP:
    case RAFT_MSG_HEARTBEAT:
    case RAFT_MSG_HEARTBEAT_RESP:
    case RAFT_MSG_SNAP:
        break;
    case RAFT_MSG_TIMEOUT_NOW:
        return RAFT_ENOTSUP;
    default:
        return RAFT_EMSG;
    }
    return m->n_entries == 0 ? 0 : RAFT_EMSG;
}

static int propose_entries(struct raft *r, const struct raft_entry *ents, size_t n, uint64_t *index,
                           uint64_t *term);

static int step_leader(struct raft *r, const struct raft_msg *m)
{
    switch (m->type) {
    case RAFT_MSG_BEAT:
        repl_bcast_heartbeat(r, readidx_last_ctx(r));
        return 0;
    case RAFT_MSG_PROP:
        return propose_entries(r, m->entries, m->n_entries, NULL, NULL);
    case RAFT_MSG_READ_INDEX:
        return m->ctx == 0 ? RAFT_EINVAL : readidx_request(r, m->ctx);
    default:
        break;
    }
    struct progress *pr = core_peer(r, m->from);
    if (pr == NULL || pr == &r->peers[r->self])
        return RAFT_EMSG;
    switch (m->type) {
    case RAFT_MSG_APP_RESP:
        repl_handle_append_resp(r, pr, m);
        break;
    case RAFT_MSG_HEARTBEAT_RESP:
        repl_handle_heartbeat_resp(r, pr, m);
        break;
    case RAFT_MSG_SNAP_STATUS:
        if (pr->state == RAFT_PROGRESS_SNAPSHOT) {
            /* Success or not, probe from there: the follower's answer
             * tells where its log stands. */
            if (m->reject)
                pr->pending_snapshot = 0;
            progress_become_probe(pr);
            pr->probe_sent = true; /* wait for a heartbeat answer */
        }
        break;
    case RAFT_MSG_UNREACHABLE:
        /* The optimistic pipeline is lost with the connection. */
        if (pr->state == RAFT_PROGRESS_REPLICATE)
            progress_become_probe(pr);
        break;
    default:
        break; /* votes of a finished election, our own term's App: ignore */
    }
    return 0;
}

static int step_candidate(struct raft *r, const struct raft_msg *m)
{
    int resp = r->role == RAFT_PRE_CANDIDATE ? RAFT_MSG_PRE_VOTE_RESP : RAFT_MSG_VOTE_RESP;
    switch (m->type) {
    case RAFT_MSG_PROP:
    case RAFT_MSG_READ_INDEX:
        return RAFT_ENOTLEADER;
    case RAFT_MSG_APP:
        /* A leader of our term exists (Figure 2, Candidates). */
        core_become_follower(r, m->term, m->from);
        return repl_handle_append(r, m);
    case RAFT_MSG_HEARTBEAT:
        core_become_follower(r, m->term, m->from);
        repl_handle_heartbeat(r, m);
        return 0;
    case RAFT_MSG_SNAP:
        core_become_follower(r, m->term, m->from);
        return RAFT_ENOTSUP;
    default:
        if (m->type == resp)
            election_handle_response(r, m);
        return 0;
    }
}

static int step_follower(struct raft *r, const struct raft_msg *m)
{
    switch (m->type) {
    case RAFT_MSG_PROP:
    case RAFT_MSG_READ_INDEX:
        return RAFT_ENOTLEADER;
    case RAFT_MSG_APP:
        r->election_elapsed = 0;
        r->lead = m->from;
        return repl_handle_append(r, m);
    case RAFT_MSG_HEARTBEAT:
        r->election_elapsed = 0;
        r->lead = m->from;
        repl_handle_heartbeat(r, m);
        return 0;
    case RAFT_MSG_SNAP:
        r->election_elapsed = 0;
        r->lead = m->from;
        return RAFT_ENOTSUP;
    default:
        return 0;
    }
}

static int step(struct raft *r, const struct raft_msg *m)
{
    if (m->term == 0) {
        /* local */
    } else if (m->term > r->term) {
        if (m->type == RAFT_MSG_VOTE || m->type == RAFT_MSG_PRE_VOTE) {
            /* The leader lease (thesis 6.2 / 9.6): a node that heard from a
             * leader less than an election timeout ago ignores a campaign,
             * so a node returning from a partition cannot disrupt a healthy
             * leader. */
            bool in_lease =
                r->check_quorum && r->lead != RAFT_NONE && r->election_elapsed < r->election_tick;
            if (in_lease)
                return 0;
        }
        if (m->type == RAFT_MSG_PRE_VOTE) {
            /* never change term on a PreVote */
        } else if (m->type == RAFT_MSG_PRE_VOTE_RESP && !m->reject) {
            /* the granted term is the one we would campaign in */
        } else if (m->type == RAFT_MSG_APP || m->type == RAFT_MSG_HEARTBEAT ||
                   m->type == RAFT_MSG_SNAP) {
            core_become_follower(r, m->term, m->from);
        } else {
            core_become_follower(r, m->term, RAFT_NONE);
        }
    } else if (m->term < r->term) {
        if ((r->check_quorum || r->pre_vote) &&
            (m->type == RAFT_MSG_HEARTBEAT || m->type == RAFT_MSG_APP)) {
            struct raft_msg resp = {.type = RAFT_MSG_APP_RESP, .to = m->from};
            ready_send(r, &resp);
        } else if (m->type == RAFT_MSG_PRE_VOTE) {
            struct raft_msg resp = {.type = RAFT_MSG_PRE_VOTE_RESP, .to = m->from, .reject = true};
            ready_send(r, &resp);
        }
        return 0;
    }

    switch (m->type) {
    case RAFT_MSG_HUP:
        election_hup(r);
        return 0;
    case RAFT_MSG_VOTE:
    case RAFT_MSG_PRE_VOTE:
        election_handle_request(r, m);
        return 0;
    default:
        break;
    }
    switch (r->role) {
    case RAFT_LEADER:
        return step_leader(r, m);
    case RAFT_FOLLOWER:
        return step_follower(r, m);
    default:
        return step_candidate(r, m);
    }
}

/* ---- public API: life cycle ---- */

int raft_new(const struct raft_config *cfg, const struct raft_storage *storage,
             const struct raft_start_state *st, struct raft **out)
{
    if (cfg == NULL || st == NULL || cfg->id == RAFT_NONE || cfg->peers == NULL ||
        cfg->n_peers == 0 || cfg->n_peers > RAFT_MAX_PEERS || cfg->heartbeat_tick < 1 ||
        cfg->election_tick <= cfg->heartbeat_tick || cfg->max_inflight_msgs < 1)
        return RAFT_EINVAL;
    size_t self = cfg->n_peers;
    for (size_t i = 0; i < cfg->n_peers; i++) {
        if (cfg->peers[i] == RAFT_NONE)
            return RAFT_EINVAL;
        for (size_t j = 0; j < i; j++)
            if (cfg->peers[j] == cfg->peers[i])
                return RAFT_EINVAL;
        if (cfg->peers[i] == cfg->id)
            self = i;
    }
    if (self == cfg->n_peers)
        return RAFT_EINVAL;

    struct raft *r = xcalloc(1, sizeof(*r));
    int rc = rlog_init(&r->log, storage, st);
    if (rc != 0) {
        free(r);
        return rc;
    }
    /* The log's last term cannot be newer than the persisted currentTerm. */
    if (rlog_last_term(&r->log) > st->hs.term) {
        rlog_free(&r->log);
        free(r);
        return RAFT_EINVAL;
    }
    r->id = cfg->id;
    r->election_tick = cfg->election_tick;
    r->heartbeat_tick = cfg->heartbeat_tick;
    r->pre_vote = cfg->pre_vote;
    r->check_quorum = cfg->check_quorum;
    r->max_size_per_msg = cfg->max_size_per_msg;
    r->max_committed_size = cfg->max_committed_size_per_ready;
    r->max_uncommitted_size = cfg->max_uncommitted_size;
    r->rng = cfg->rand_seed;
    r->n_peers = cfg->n_peers;
    r->self = self;
    r->peers = xcalloc(cfg->n_peers, sizeof(*r->peers));
    for (size_t i = 0; i < cfg->n_peers; i++)
        progress_init(&r->peers[i], cfg->peers[i], cfg->max_inflight_msgs);

    core_become_follower(r, st->hs.term, RAFT_NONE);
    r->vote = st->hs.vote;
    r->prev_hs = st->hs;
    r->prev_ss.leader = RAFT_NONE;
    r->prev_ss.role = RAFT_FOLLOWER;
    *out = r;
    return 0;
}

void raft_free(struct raft *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->n_msgs; i++)
        raft_msg_free(&r->msgs[i]);
    free(r->msgs);
    free(r->read_states);
    readidx_free(r);
    for (size_t i = 0; i < r->n_peers; i++)
        progress_free(&r->peers[i]);
    free(r->peers);
    rlog_free(&r->log);
    free(r);
}

/* ---- public API: input ---- */

int raft_tick(struct raft *r)
{
    assert(!r->in_ready);
    if (r->err)
        return r->err;
    if (r->role == RAFT_LEADER)
        tick_heartbeat(r);
    else
        tick_election(r);
    return r->err;
}

int raft_step(struct raft *r, const struct raft_msg *m)
{
    assert(!r->in_ready);
    if (r->err)
        return r->err;
    int rc;
    if (is_local(m->type)) {
        if (m->term != 0)
            return RAFT_EINVAL;
        if ((m->type == RAFT_MSG_SNAP_STATUS || m->type == RAFT_MSG_UNREACHABLE) &&
            core_peer(r, m->from) == NULL)
            return RAFT_EINVAL;
    } else if ((rc = check_network_msg(r, m)) != 0) {
        return rc;
    }
    rc = step(r, m);
    return r->err ? r->err : rc;
}

static int propose_entries(struct raft *r, const struct raft_entry *ents, size_t n, uint64_t *index,
                           uint64_t *term)
{
    if (r->role != RAFT_LEADER)
        return RAFT_ENOTLEADER;
    if (n == 0)
        return RAFT_EINVAL;
    uint64_t bytes = 0;
    for (size_t k = 0; k < n; k++) {
        if (ents[k].len > 0 && ents[k].data == NULL)
            return RAFT_EINVAL;
        bytes += ents[k].len;
    }
    /* An empty pipeline always takes one proposal, however large, so that a
     * big command cannot be refused forever. */
    if (r->max_uncommitted_size && r->uncommitted_size > 0 &&
        r->uncommitted_size + bytes > r->max_uncommitted_size)
        return RAFT_EDROPPED;
    for (size_t k = 0; k < n; k++) {
        uint8_t *copy = ents[k].len ? xmemdup(ents[k].data, ents[k].len) : NULL;
        uint8_t type = ents[k].type == RAFT_ENTRY_NOOP ? RAFT_ENTRY_NOOP : RAFT_ENTRY_NORMAL;
        rlog_append_owned(&r->log, r->term, type, copy, ents[k].len);
    }
    r->uncommitted_size += bytes;
    /* Sent at the next raft_ready(): all the proposals of one loop iteration
     * leave in one MsgApp per follower. */
    r->bcast_pending = true;
    if (index)
        *index = r->log.last;
    if (term)
        *term = r->term;
    return 0;
}

int raft_propose(struct raft *r, const void *data, size_t len, uint64_t *index, uint64_t *term)
{
    assert(!r->in_ready);
    if (r->err)
        return r->err;
    if (len > UINT32_MAX)
        return RAFT_EINVAL;
    struct raft_entry e = {
        .type = RAFT_ENTRY_NORMAL, .len = (uint32_t)len, .data = (uint8_t *)data};
    return propose_entries(r, &e, 1, index, term);
}

int raft_read_index(struct raft *r, uint64_t ctx)
{
    assert(!r->in_ready);
    if (r->err)
        return r->err;
    if (ctx == 0)
        return RAFT_EINVAL;
    if (r->role != RAFT_LEADER)
        return RAFT_ENOTLEADER;
    int rc = readidx_request(r, ctx);
    return r->err ? r->err : rc;
}

/* ---- public API: inspection ---- */

int raft_role(const struct raft *r)
{
    return r->role;
}

uint64_t raft_id(const struct raft *r)
{
    return r->id;
}

uint64_t raft_term(const struct raft *r)
{
    return r->term;
}

uint64_t raft_vote(const struct raft *r)
{
    return r->vote;
}

uint64_t raft_leader(const struct raft *r)
{
    return r->lead;
}

uint64_t raft_commit_index(const struct raft *r)
{
    return r->log.committed;
}

uint64_t raft_applied_index(const struct raft *r)
{
    return r->log.applied;
}

uint64_t raft_first_index(const struct raft *r)
{
    return r->log.first;
}

uint64_t raft_last_index(const struct raft *r)
{
    return r->log.last;
}

uint64_t raft_last_term(const struct raft *r)
{
    return rlog_last_term(&r->log);
}

int raft_term_at(const struct raft *r, uint64_t index, uint64_t *term)
{
    return rlog_term(&r->log, index, term);
}

size_t raft_peer_count(const struct raft *r)
{
    return r->n_peers;
}

void raft_peer_info(const struct raft *r, size_t i, struct raft_peer_info *out)
{
    assert(i < r->n_peers);
    const struct progress *pr = &r->peers[i];
    memset(out, 0, sizeof(*out));
    out->id = pr->id;
    if (r->role != RAFT_LEADER)
        return;
    out->match = pr->match;
    out->next = pr->next;
    out->state = pr->state;
    out->inflight = pr->ins.count;
    out->recent_active = i == r->self || pr->recent_active;
}
