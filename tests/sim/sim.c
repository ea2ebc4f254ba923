/* sim: the deterministic cluster simulator (see sim.h for what it models and
 * checks, docs/raft.md for why). */
#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "raft/msg.h"
#include "sim.h"

#define MAX_FRAME (64u << 20)

/* ---- small tools ---- */

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t fnv(uint8_t type, const uint8_t *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    h = (h ^ type) * 0x100000001b3ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ULL;
    return h;
}

static void *xalloc(size_t n)
{
    void *p = calloc(1, n ? n : 1);
    if (p == NULL)
        abort();
    return p;
}

static void *xgrow(void *p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return p;
    size_t c = *cap ? *cap : 16;
    while (c < need)
        c *= 2;
    p = realloc(p, c * elem);
    if (p == NULL)
        abort();
    memset((char *)p + *cap * elem, 0, (c - *cap) * elem);
    *cap = c;
    return p;
}

/* ---- state ---- */

struct dent { /* an entry on a simulated disk */
    uint64_t term;
    uint8_t type;
    uint32_t len;
    uint8_t *data;
    uint64_t hash;
};

struct node {
    struct sim *s;
    int idx;
    uint64_t id;
    struct raft *r; /* NULL when down */
    uint64_t epoch; /* bumped by each crash: stale tick events are ignored */
    /* the disk */
    struct raft_hard_state hs;
    struct dent *log;
    size_t n_log, cap_log;
    uint64_t applied; /* the durable applied index ("the AOF") */
    /* the network */
    int group;
    int tick_period;
    /* checker bookkeeping, kept across restarts */
    uint64_t checked_commit;
    uint64_t completeness_term;
    uint64_t *votes; /* votes[term]: whom this node granted its vote */
    size_t cap_votes;
};

struct tv { /* (term, value) at one index */
    uint64_t term, hash, prev_term;
    /* committed entries: the term of the node that first showed the entry
     * committed: the leader that committed it, or a follower it told, whose
     * term is then the leader's: never below the term of the commitment */
    uint64_t cterm;
};

struct slot {
    struct tv *v;
    size_t n, cap;
};

enum { EV_TICK, EV_MSG };

struct ev {
    int64_t t;
    uint64_t seq;
    int type;
    int to;
    uint64_t epoch;
    uint8_t *bytes;
    size_t len;
};

struct sim_read {
    uint64_t ctx;
    int node;
    uint64_t min_index;
    bool done;
};

struct sim {
    struct sim_opts o;
    uint64_t rng;
    int64_t now;
    uint64_t seq;
    int n;
    struct node nodes[SIM_MAX_NODES];
    struct ev *heap;
    size_t n_heap, cap_heap;
    double loss, dup;
    int min_delay, max_delay;
    double p_crash_ready; /* chance that a crash strikes inside a Ready */
    /* checks */
    uint64_t *leader_of_term;
    size_t cap_lot;
    struct tv *committed; /* [0, n_committed): indexes 1.. committed somewhere */
    size_t n_committed, cap_committed;
    struct tv *applied; /* [0, n_applied): what index i + 1 applied to */
    size_t n_applied, cap_applied;
    struct slot *seen; /* seen[i]: the (term -> content) pairs at index i */
    size_t cap_seen;
    struct slot *props; /* props[i]: client proposals acknowledged at index i */
    size_t cap_props;
    struct sim_read *reads;
    size_t n_reads, cap_reads;
    uint64_t next_ctx, reads_ok, reads_failed;
    uint64_t next_value;
    /* liveness values: value id -> applied somewhere */
    bool *value_applied;
    size_t cap_values;
    bool failed;
    char failure[1024];
    uint64_t delivered, crashes, storage_reads;
};

static void trace(struct sim *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void trace(struct sim *s, const char *fmt, ...)
{
    if (s->o.trace == NULL)
        return;
    va_list ap;
    fprintf(s->o.trace, "[%6" PRId64 "] ", s->now);
    va_start(ap, fmt);
    vfprintf(s->o.trace, fmt, ap);
    va_end(ap);
    fputc('\n', s->o.trace);
}

void sim_fail(struct sim *s, const char *fmt, ...)
{
    if (s->failed)
        return;
    s->failed = true;
    int off = snprintf(s->failure, sizeof(s->failure), "t=%" PRId64 "ms: ", s->now);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->failure + off, sizeof(s->failure) - (size_t)off, fmt, ap);
    va_end(ap);
    trace(s, "FAILURE: %s", s->failure);
}

bool sim_failed(const struct sim *s)
{
    return s->failed;
}

const char *sim_failure(const struct sim *s)
{
    return s->failed ? s->failure : "";
}

int64_t sim_now(const struct sim *s)
{
    return s->now;
}

static uint64_t rnd(struct sim *s)
{
    return splitmix(&s->rng);
}

static bool chance(struct sim *s, double p)
{
    return p > 0 && (double)(rnd(s) >> 11) * (1.0 / 9007199254740992.0) < p;
}

static int rndint(struct sim *s, int lo, int hi)
{
    return lo + (int)(rnd(s) % (uint64_t)(hi - lo + 1));
}

/* Formats m for the trace (only when tracing: it is the costly part). */
static const char *msg_str(const struct sim *s, const struct raft_msg *m, char *buf, size_t n)
{
    if (s->o.trace == NULL)
        return "";
    snprintf(buf, n,
             "%s %" PRIu64 "->%" PRIu64 " t%" PRIu64 " i%" PRIu64 " lt%" PRIu64 " c%" PRIu64
             " n%zu%s hint%" PRIu64 " ctx%" PRIu64,
             raft_msg_type_name(m->type), m->from, m->to, m->term, m->index, m->log_term, m->commit,
             m->n_entries, m->reject ? " REJECT" : "", m->reject_hint, m->ctx);
    return buf;
}

/* ---- events ---- */

static bool ev_less(const struct ev *a, const struct ev *b)
{
    return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

static void push_ev(struct sim *s, struct ev e)
{
    e.seq = s->seq++;
    s->heap = xgrow(s->heap, &s->cap_heap, s->n_heap + 1, sizeof(*s->heap));
    size_t i = s->n_heap++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!ev_less(&e, &s->heap[p]))
            break;
        s->heap[i] = s->heap[p];
        i = p;
    }
    s->heap[i] = e;
}

static struct ev pop_ev(struct sim *s)
{
    struct ev top = s->heap[0];
    struct ev last = s->heap[--s->n_heap];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= s->n_heap)
            break;
        if (c + 1 < s->n_heap && ev_less(&s->heap[c + 1], &s->heap[c]))
            c++;
        if (!ev_less(&s->heap[c], &last))
            break;
        s->heap[i] = s->heap[c];
        i = c;
    }
    if (s->n_heap > 0)
        s->heap[i] = last;
    return top;
}

/* ---- the disk, as the core's storage ---- */

static int st_term(void *ctx, uint64_t i, uint64_t *t)
{
    struct node *n = ctx;
    if (i == 0 || i > n->n_log) {
        sim_fail(n->s, "n%" PRIu64 ": core asked the term of %" PRIu64 ", disk has %zu", n->id, i,
                 n->n_log);
        return -1;
    }
    *t = n->log[i - 1].term;
    return 0;
}

static int st_entries(void *ctx, uint64_t lo, uint64_t hi, raft_entry_visit_fn visit, void *arg)
{
    struct node *n = ctx;
    if (lo == 0 || lo >= hi || hi > n->n_log + 1) {
        sim_fail(n->s, "n%" PRIu64 ": core read entries [%" PRIu64 ", %" PRIu64 "), disk has %zu",
                 n->id, lo, hi, n->n_log);
        return -1;
    }
    n->s->storage_reads++;
    for (uint64_t i = lo; i < hi; i++) {
        const struct dent *d = &n->log[i - 1];
        struct raft_entry e = {
            .term = d->term, .index = i, .type = d->type, .len = d->len, .data = d->data};
        if (visit(arg, &e))
            break;
    }
    return 0;
}

static void schedule_tick(struct sim *s, struct node *n, int64_t at)
{
    struct ev e = {.t = at, .type = EV_TICK, .to = n->idx, .epoch = n->epoch};
    push_ev(s, e);
}

static void node_start(struct sim *s, struct node *n)
{
    uint64_t peers[SIM_MAX_NODES];
    for (int i = 0; i < s->n; i++)
        peers[i] = (uint64_t)i + 1;
    struct raft_config c = {
        .id = n->id,
        .peers = peers,
        .n_peers = (size_t)s->n,
        .election_tick = s->o.election_tick,
        .heartbeat_tick = s->o.heartbeat_tick,
        .pre_vote = s->o.pre_vote,
        .check_quorum = s->o.check_quorum,
        .max_inflight_msgs = s->o.max_inflight,
        .max_size_per_msg = s->o.max_size_per_msg,
        .max_committed_size_per_ready = s->o.max_committed_size,
        .max_uncommitted_size = s->o.max_uncommitted_size,
        .rand_seed = rnd(s),
    };
    struct raft_storage st = {.ctx = n, .term = st_term, .entries = st_entries};
    struct raft_start_state ss = {
        .hs = n->hs, .first_index = 1, .last_index = n->n_log, .applied = n->applied};
    int rc = raft_new(&c, &st, &ss, &n->r);
    if (rc != 0) {
        sim_fail(s, "n%" PRIu64 ": raft_new: %s", n->id, raft_strerror(rc));
        n->r = NULL;
        return;
    }
    /* Each node's clock has its own phase and rate (drift up to 10%). */
    n->tick_period = SIM_TICK_MS + rndint(s, -1, 1);
    schedule_tick(s, n, s->now + rndint(s, 1, SIM_TICK_MS));
}

struct sim *sim_new(uint64_t seed, const struct sim_opts *o)
{
    struct sim *s = xalloc(sizeof(*s));
    s->o = *o;
    s->rng = seed;
    s->n = o->n_nodes;
    assert(s->n >= 1 && s->n <= SIM_MAX_NODES);
    s->loss = o->loss;
    s->dup = o->dup;
    s->min_delay = o->min_delay;
    s->max_delay = o->max_delay;
    s->next_ctx = 1;
    trace(s,
          "seed %" PRIu64 ": %d nodes, pre_vote %d, check_quorum %d, election %d, "
          "heartbeat %d, inflight %zu, msg size %" PRIu64 ", loss %.2f, dup %.2f, delay %d..%d",
          seed, s->n, o->pre_vote, o->check_quorum, o->election_tick, o->heartbeat_tick,
          o->max_inflight, o->max_size_per_msg, o->loss, o->dup, o->min_delay, o->max_delay);
    for (int i = 0; i < s->n; i++) {
        struct node *n = &s->nodes[i];
        n->s = s;
        n->idx = i;
        n->id = (uint64_t)i + 1;
        node_start(s, n);
    }
    return s;
}

static void free_slots(struct slot *v, size_t cap)
{
    for (size_t i = 0; i < cap; i++)
        free(v[i].v);
    free(v);
}

void sim_free(struct sim *s)
{
    if (s == NULL)
        return;
    for (int i = 0; i < s->n; i++) {
        struct node *n = &s->nodes[i];
        raft_free(n->r);
        for (size_t k = 0; k < n->n_log; k++)
            free(n->log[k].data);
        free(n->log);
        free(n->votes);
    }
    for (size_t i = 0; i < s->n_heap; i++)
        free(s->heap[i].bytes);
    free(s->heap);
    free(s->leader_of_term);
    free(s->committed);
    free(s->applied);
    free_slots(s->seen, s->cap_seen);
    free_slots(s->props, s->cap_props);
    free(s->reads);
    free(s->value_applied);
    free(s);
}

/* ---- crash and restart ---- */

void sim_crash(struct sim *s, int i)
{
    struct node *n = &s->nodes[i];
    if (n->r == NULL)
        return;
    raft_free(n->r);
    n->r = NULL;
    n->epoch++;
    s->crashes++;
    /* Reads asked of it will never be answered. */
    for (size_t k = 0; k < s->n_reads; k++)
        if (s->reads[k].node == i)
            s->reads[k].done = true;
    /* The AOF may lose its tail (fsync everysec): those entries are applied
     * again from the Raft log on restart. */
    if (n->applied > 0 && chance(s, 0.5)) {
        uint64_t lose = (uint64_t)rndint(s, 0, 3);
        n->applied = lose > n->applied ? 0 : n->applied - lose;
    }
    trace(s,
          "n%" PRIu64 " CRASH (disk: term %" PRIu64 " vote %" PRIu64 " commit %" PRIu64
          " log %zu applied %" PRIu64 ")",
          n->id, n->hs.term, n->hs.vote, n->hs.commit, n->n_log, n->applied);
}

bool sim_is_up(const struct sim *s, int i)
{
    return s->nodes[i].r != NULL;
}

static void check_all(struct sim *s);
static void handle_ready(struct sim *s, struct node *n);

void sim_restart(struct sim *s, int i)
{
    struct node *n = &s->nodes[i];
    if (n->r != NULL)
        return;
    trace(s, "n%" PRIu64 " RESTART", n->id);
    node_start(s, n);
    if (n->r != NULL)
        handle_ready(s, n);
    check_all(s);
}

/* ---- network ---- */

void sim_partition(struct sim *s, const int *group)
{
    char buf[64] = "";
    size_t off = 0;
    for (int i = 0; i < s->n; i++) {
        s->nodes[i].group = group[i];
        off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%d", group[i]);
    }
    trace(s, "PARTITION groups %s", buf);
}

void sim_heal(struct sim *s)
{
    for (int i = 0; i < s->n; i++)
        s->nodes[i].group = 0;
    trace(s, "HEAL");
}

void sim_set_faults(struct sim *s, double loss, double dup, int min_delay, int max_delay)
{
    s->loss = loss;
    s->dup = dup;
    s->min_delay = min_delay;
    s->max_delay = max_delay;
}

static void send_msg(struct sim *s, struct node *from, const struct raft_msg *m)
{
    char b[256];
    int to = (int)m->to - 1;
    if (to < 0 || to >= s->n) {
        sim_fail(s, "message to unknown node %" PRIu64, m->to);
        return;
    }
    /* Election safety, per voter: one vote per term, even across restarts
     * (a vote that was not persisted could be given twice). */
    if (m->type == RAFT_MSG_VOTE_RESP && !m->reject) {
        from->votes = xgrow(from->votes, &from->cap_votes, m->term + 1, sizeof(*from->votes));
        if (from->votes[m->term] != 0 && from->votes[m->term] != m->to) {
            sim_fail(s, "n%" PRIu64 " voted for n%" PRIu64 " and n%" PRIu64 " in term %" PRIu64,
                     from->id, from->votes[m->term], m->to, m->term);
            return;
        }
        from->votes[m->term] = m->to;
    }
    if (s->nodes[to].group != from->group || chance(s, s->loss)) {
        trace(s, "drop %s", msg_str(s, m, b, sizeof(b)));
        return;
    }
    size_t len = raft_msg_encoded_size(m);
    int copies = chance(s, s->dup) ? 2 : 1;
    for (int c = 0; c < copies; c++) {
        struct ev e = {
            .t = s->now + rndint(s, s->min_delay, s->max_delay),
            .type = EV_MSG,
            .to = to,
            .bytes = xalloc(len),
            .len = len,
        };
        raft_msg_encode(m, e.bytes);
        push_ev(s, e);
    }
}

/* ---- the Ready, as a careful server handles it ---- */

static struct slot *slot_at(struct slot **v, size_t *cap, uint64_t i)
{
    *v = xgrow(*v, cap, (size_t)i + 1, sizeof(**v));
    return &(*v)[i];
}

static void slot_push(struct slot *sl, struct tv tv)
{
    sl->v = xgrow(sl->v, &sl->cap, sl->n + 1, sizeof(*sl->v));
    sl->v[sl->n++] = tv;
}

/* Log Matching (paper 5.3): an (index, term) names one content and one
 * previous term, on every node, forever.  By induction on the index that is
 * exactly "same index and term => identical logs up to there". */
static void check_seen(struct sim *s, struct node *n, uint64_t i, const struct dent *d,
                       uint64_t prev_term)
{
    struct slot *sl = slot_at(&s->seen, &s->cap_seen, i);
    for (size_t k = 0; k < sl->n; k++) {
        if (sl->v[k].term != d->term)
            continue;
        if (sl->v[k].hash != d->hash || sl->v[k].prev_term != prev_term)
            sim_fail(s,
                     "log matching: n%" PRIu64 " has a different entry (%" PRIu64 ", %" PRIu64
                     ") (prev term %" PRIu64 " vs %" PRIu64 ")",
                     n->id, i, d->term, prev_term, sl->v[k].prev_term);
        return;
    }
    struct tv tv = {.term = d->term, .hash = d->hash, .prev_term = prev_term};
    slot_push(sl, tv);
}

static void persist(struct sim *s, struct node *n, const struct raft_ready *rd)
{
    bool leader = raft_role(n->r) == RAFT_LEADER;
    if (rd->n_entries) {
        uint64_t first = rd->entries[0].index;
        if (first == 0 || first > n->n_log + 1) {
            sim_fail(s, "n%" PRIu64 ": Ready entries start at %" PRIu64 ", disk has %zu", n->id,
                     first, n->n_log);
            return;
        }
        if (leader && first <= n->n_log) {
            sim_fail(s, "leader append-only: leader n%" PRIu64 " truncates its log at %" PRIu64,
                     n->id, first);
            return;
        }
        for (uint64_t i = first; i <= n->n_log; i++) {
            struct dent *d = &n->log[i - 1];
            if (i <= s->n_committed && s->committed[i - 1].term == d->term) {
                sim_fail(s, "n%" PRIu64 " truncates committed entry %" PRIu64 " (term %" PRIu64 ")",
                         n->id, i, d->term);
                return;
            }
            free(d->data);
        }
        n->n_log = (size_t)first - 1;
        n->log = xgrow(n->log, &n->cap_log, n->n_log + rd->n_entries, sizeof(*n->log));
        for (size_t k = 0; k < rd->n_entries; k++) {
            const struct raft_entry *e = &rd->entries[k];
            if (e->index != first + k) {
                sim_fail(s, "n%" PRIu64 ": Ready entries not consecutive", n->id);
                return;
            }
            struct dent *d = &n->log[n->n_log];
            d->term = e->term;
            d->type = e->type;
            d->len = e->len;
            d->data = e->len ? xalloc(e->len) : NULL;
            if (e->len)
                memcpy(d->data, e->data, e->len);
            d->hash = fnv(e->type, e->data, e->len);
            uint64_t prev = n->n_log ? n->log[n->n_log - 1].term : 0;
            n->n_log++;
            check_seen(s, n, e->index, d, prev);
        }
        if (!rd->must_sync)
            sim_fail(s, "n%" PRIu64 ": Ready with entries and must_sync false", n->id);
    }
    if (rd->has_hard_state) {
        const struct raft_hard_state *h = &rd->hard_state;
        if (h->term < n->hs.term)
            sim_fail(s, "n%" PRIu64 ": persisted term goes back %" PRIu64 " -> %" PRIu64, n->id,
                     n->hs.term, h->term);
        if (h->term == n->hs.term && n->hs.vote != RAFT_NONE && h->vote != n->hs.vote)
            sim_fail(s, "n%" PRIu64 ": vote changed within term %" PRIu64, n->id, h->term);
        if (h->commit < n->hs.commit)
            sim_fail(s, "n%" PRIu64 ": persisted commit goes back", n->id);
        if ((h->term != n->hs.term || h->vote != n->hs.vote) && !rd->must_sync)
            sim_fail(s, "n%" PRIu64 ": term/vote changed and must_sync false", n->id);
        if (h->commit > n->n_log)
            sim_fail(s, "n%" PRIu64 ": commit %" PRIu64 " beyond the persisted log (%zu)", n->id,
                     h->commit, n->n_log);
        n->hs = *h;
    }
}

static void apply(struct sim *s, struct node *n, const struct raft_ready *rd)
{
    for (size_t k = 0; k < rd->n_committed && !s->failed; k++) {
        const struct raft_entry *e = &rd->committed_entries[k];
        if (e->index != n->applied + 1) {
            sim_fail(s, "n%" PRIu64 " applies %" PRIu64 " after %" PRIu64 " (gap or repeat)", n->id,
                     e->index, n->applied);
            return;
        }
        if (e->index > raft_commit_index(n->r) || e->index > n->n_log ||
            n->log[e->index - 1].term != e->term) {
            sim_fail(s,
                     "n%" PRIu64 " applies %" PRIu64 " (term %" PRIu64
                     ") which is not committed and persisted",
                     n->id, e->index, e->term);
            return;
        }
        uint64_t h = fnv(e->type, e->data, e->len);
        /* State machine safety (Figure 3). */
        if (e->index <= s->n_applied) {
            const struct tv *a = &s->applied[e->index - 1];
            if (a->term != e->term || a->hash != h) {
                sim_fail(s,
                         "state machine safety: n%" PRIu64 " applies (%" PRIu64 ", %" PRIu64
                         ") where another node applied (%" PRIu64 ", %" PRIu64 ")",
                         n->id, e->index, e->term, e->index, a->term);
                return;
            }
        } else {
            assert(e->index == s->n_applied + 1);
            s->applied = xgrow(s->applied, &s->cap_applied, s->n_applied + 1, sizeof(*s->applied));
            s->applied[s->n_applied].term = e->term;
            s->applied[s->n_applied].hash = h;
            s->n_applied++;
        }
        /* The client contract: what was acknowledged at (index, term). */
        if (e->index < s->cap_props) {
            const struct slot *sl = &s->props[e->index];
            for (size_t j = 0; j < sl->n; j++)
                if (sl->v[j].term == e->term && sl->v[j].hash != h)
                    sim_fail(s,
                             "proposal acknowledged at (%" PRIu64 ", %" PRIu64
                             ") applied with other data",
                             e->index, e->term);
        }
        if (e->type == RAFT_ENTRY_NORMAL && e->len >= 8) {
            uint64_t v;
            memcpy(&v, e->data, 8);
            if (v < s->cap_values)
                s->value_applied[v] = true;
        }
        n->applied = e->index;
    }
}

static void read_states(struct sim *s, struct node *n, const struct raft_ready *rd)
{
    for (size_t k = 0; k < rd->n_read_states; k++) {
        const struct raft_read_state *rs = &rd->read_states[k];
        struct sim_read *q = NULL;
        for (size_t j = 0; j < s->n_reads; j++)
            if (s->reads[j].ctx == rs->ctx)
                q = &s->reads[j];
        if (q == NULL || q->done || q->node != n->idx) {
            sim_fail(s, "n%" PRIu64 ": unexpected read state ctx %" PRIu64, n->id, rs->ctx);
            return;
        }
        q->done = true;
        if (rs->err != 0) {
            s->reads_failed++;
            trace(s, "n%" PRIu64 " read ctx %" PRIu64 " failed: %s", n->id, rs->ctx,
                  raft_strerror(rs->err));
            continue;
        }
        s->reads_ok++;
        trace(s, "n%" PRIu64 " read ctx %" PRIu64 " at index %" PRIu64 " (needed >= %" PRIu64 ")",
              n->id, rs->ctx, rs->index, q->min_index);
        /* Linearizability: the read point covers every write committed (and
         * so possibly acknowledged) before the read was asked. */
        if (rs->index < q->min_index || rs->index > raft_commit_index(n->r))
            sim_fail(s,
                     "stale read: n%" PRIu64 " answered ctx %" PRIu64 " at %" PRIu64
                     ", but %" PRIu64 " was committed before it was asked",
                     n->id, rs->ctx, rs->index, q->min_index);
    }
}

static void handle_ready(struct sim *s, struct node *n)
{
    char b[256];
    while (!s->failed && n->r != NULL && raft_has_ready(n->r)) {
        struct raft_ready rd;
        int rc = raft_ready(n->r, &rd);
        if (rc != 0) {
            sim_fail(s, "n%" PRIu64 ": raft_ready: %s", n->id, raft_strerror(rc));
            return;
        }
        if (chance(s, s->p_crash_ready)) {
            trace(s, "n%" PRIu64 " crashes before persisting its Ready", n->id);
            sim_crash(s, n->idx);
            return;
        }
        if (rd.has_soft_state)
            trace(s, "n%" PRIu64 " is %s in term %" PRIu64 " (leader n%" PRIu64 ")", n->id,
                  raft_role_name(rd.soft_state.role), raft_term(n->r), rd.soft_state.leader);
        if (rd.n_entries)
            trace(s, "n%" PRIu64 " persists %zu entries from %" PRIu64 " (term %" PRIu64 ")", n->id,
                  rd.n_entries, rd.entries[0].index, rd.entries[0].term);
        persist(s, n, &rd);
        if (s->failed)
            return;
        if (chance(s, s->p_crash_ready)) {
            trace(s, "n%" PRIu64 " crashes after persisting, before sending", n->id);
            sim_crash(s, n->idx);
            return;
        }
        for (size_t k = 0; k < rd.n_messages && !s->failed; k++) {
            trace(s, "send %s", msg_str(s, &rd.messages[k], b, sizeof(b)));
            send_msg(s, n, &rd.messages[k]);
        }
        apply(s, n, &rd);
        read_states(s, n, &rd);
        raft_advance(n->r, &rd);
    }
}

/* ---- the checks after every step ---- */

static void check_committed(struct sim *s, struct node *n)
{
    uint64_t c = raft_commit_index(n->r);
    for (uint64_t i = n->checked_commit + 1; i <= c && !s->failed; i++) {
        uint64_t t = 0;
        raft_term_at(n->r, i, &t);
        if (i > n->n_log || n->log[i - 1].term != t) {
            sim_fail(s, "n%" PRIu64 ": committed %" PRIu64 " (term %" PRIu64 ") not on its disk",
                     n->id, i, t);
            return;
        }
        const struct dent *d = &n->log[i - 1];
        if (i <= s->n_committed) {
            const struct tv *k = &s->committed[i - 1];
            if (k->term != d->term || k->hash != d->hash)
                sim_fail(s,
                         "two different entries committed at %" PRIu64 ": term %" PRIu64
                         " (n%" PRIu64 ") and term %" PRIu64,
                         i, d->term, n->id, k->term);
            continue;
        }
        assert(i == s->n_committed + 1);
        /* First sighting of a commitment: it must be on a quorum of disks
         * (entries are acknowledged only once persisted), and every leader
         * of a term above the commitment's already holds it (Leader
         * Completeness).  The commitment's term is not the entry's: a later
         * leader commits older entries by implication, and a leader of an
         * older term may still be counting late votes. */
        uint64_t cterm = raft_term(n->r);
        int on_disk = 0;
        for (int j = 0; j < s->n; j++) {
            const struct node *o = &s->nodes[j];
            if (o->n_log >= i && o->log[i - 1].term == d->term && o->log[i - 1].hash == d->hash)
                on_disk++;
        }
        if (on_disk < s->n / 2 + 1)
            sim_fail(s, "entry %" PRIu64 " (term %" PRIu64 ") committed but on %d disks only", i,
                     d->term, on_disk);
        for (int j = 0; j < s->n; j++) {
            struct node *o = &s->nodes[j];
            uint64_t ot = 0;
            if (o->r && raft_role(o->r) == RAFT_LEADER && raft_term(o->r) > cterm &&
                (raft_term_at(o->r, i, &ot) != 0 || ot != d->term))
                sim_fail(s,
                         "leader completeness: leader n%" PRIu64 " of term %" PRIu64
                         " lacks entry %" PRIu64 " committed in term %" PRIu64,
                         o->id, raft_term(o->r), i, cterm);
        }
        if (i <= s->n_applied && s->applied[i - 1].term != d->term)
            sim_fail(s, "committed %" PRIu64 " differs from what was applied there", i);
        s->committed =
            xgrow(s->committed, &s->cap_committed, s->n_committed + 1, sizeof(*s->committed));
        s->committed[s->n_committed].term = d->term;
        s->committed[s->n_committed].hash = d->hash;
        s->committed[s->n_committed].cterm = cterm;
        s->n_committed++;
    }
    if (c > n->checked_commit)
        n->checked_commit = c;
}

static void check_all(struct sim *s)
{
    for (int i = 0; i < s->n && !s->failed; i++) {
        struct node *n = &s->nodes[i];
        if (n->r == NULL)
            continue;
        uint64_t term = raft_term(n->r);
        s->leader_of_term =
            xgrow(s->leader_of_term, &s->cap_lot, term + 1, sizeof(*s->leader_of_term));
        if (raft_role(n->r) == RAFT_LEADER) {
            if (raft_leader(n->r) != n->id)
                sim_fail(s, "n%" PRIu64 " is leader but names n%" PRIu64, n->id, raft_leader(n->r));
            /* Election Safety (Figure 3). */
            if (s->leader_of_term[term] != 0 && s->leader_of_term[term] != n->id) {
                sim_fail(s,
                         "election safety: n%" PRIu64 " and n%" PRIu64
                         " are both leaders of term %" PRIu64,
                         s->leader_of_term[term], n->id, term);
                return;
            }
            s->leader_of_term[term] = n->id;
            if (n->completeness_term != term) {
                /* Leader Completeness (Figure 3): a new leader's log holds
                 * every entry committed in an earlier term. */
                for (uint64_t k = 1; k <= s->n_committed; k++) {
                    uint64_t t = 0;
                    if (s->committed[k - 1].cterm >= term)
                        continue;
                    if (raft_term_at(n->r, k, &t) != 0 || t != s->committed[k - 1].term) {
                        sim_fail(s,
                                 "leader completeness: new leader n%" PRIu64 " of term %" PRIu64
                                 " lacks entry %" PRIu64 " committed in term %" PRIu64,
                                 n->id, term, k, s->committed[k - 1].cterm);
                        return;
                    }
                }
                n->completeness_term = term;
            }
        } else if (raft_leader(n->r) != RAFT_NONE && s->leader_of_term[term] != raft_leader(n->r)) {
            sim_fail(s,
                     "n%" PRIu64 " follows n%" PRIu64 " in term %" PRIu64
                     ", which was not its leader",
                     n->id, raft_leader(n->r), term);
            return;
        }
        check_committed(s, n);
    }
}

/* ---- running ---- */

static void check_rc(struct sim *s, struct node *n, int rc, const char *what)
{
    if (rc != 0)
        sim_fail(s, "n%" PRIu64 ": %s: %s", n->id, what, raft_strerror(rc));
}

static void step_event(struct sim *s)
{
    struct ev e = pop_ev(s);
    s->now = e.t;
    struct node *n = &s->nodes[e.to];
    if (e.type == EV_TICK) {
        if (n->r != NULL && e.epoch == n->epoch) {
            check_rc(s, n, raft_tick(n->r), "tick");
            handle_ready(s, n);
            if (n->r != NULL && e.epoch == n->epoch)
                schedule_tick(s, n, s->now + n->tick_period);
        }
    } else {
        struct raft_msg m;
        size_t used;
        char b[256];
        int rc = raft_msg_decode(e.bytes, e.len, MAX_FRAME, &m, &used);
        if (rc != 1 || used != e.len) {
            sim_fail(s, "codec: a frame of %zu bytes does not decode: %s", e.len,
                     raft_strerror(rc));
        } else if (n->r == NULL || s->nodes[m.from - 1].group != n->group) {
            trace(s, "lost %s", msg_str(s, &m, b, sizeof(b)));
            raft_msg_free(&m);
        } else {
            trace(s, "recv %s", msg_str(s, &m, b, sizeof(b)));
            s->delivered++;
            check_rc(s, n, raft_step(n->r, &m), "step");
            raft_msg_free(&m);
            handle_ready(s, n);
        }
        free(e.bytes);
    }
    check_all(s);
}

void sim_run_for(struct sim *s, int64_t ms)
{
    int64_t end = s->now + ms;
    while (!s->failed && s->n_heap > 0 && s->heap[0].t <= end)
        step_event(s);
    if (s->now < end)
        s->now = end;
}

bool sim_run_until(struct sim *s, int64_t ms, bool (*pred)(struct sim *, void *), void *arg)
{
    int64_t end = s->now + ms;
    if (pred(s, arg))
        return true;
    while (!s->failed && s->n_heap > 0 && s->heap[0].t <= end) {
        step_event(s);
        if (!s->failed && pred(s, arg))
            return true;
    }
    if (s->now < end)
        s->now = end;
    return false;
}

/* ---- clients ---- */

/* One client proposal, without processing the Ready (so that several
 * proposals share one, as in a server's loop iteration). */
static int propose_one(struct sim *s, int i, uint64_t *index, uint64_t *term)
{
    struct node *n = &s->nodes[i];
    if (n->r == NULL)
        return RAFT_ENOTLEADER;
    uint8_t data[48];
    uint64_t v = s->next_value++;
    size_t len = 8 + (size_t)rndint(s, 0, 40);
    memcpy(data, &v, 8);
    for (size_t k = 8; k < len; k++)
        data[k] = (uint8_t)rnd(s);
    s->value_applied =
        xgrow(s->value_applied, &s->cap_values, (size_t)v + 1, sizeof(*s->value_applied));
    uint64_t idx = 0, t = 0;
    int rc = raft_propose(n->r, data, len, &idx, &t);
    bool leader = raft_role(n->r) == RAFT_LEADER;
    if (rc == 0 && !leader)
        sim_fail(s, "n%" PRIu64 " accepted a proposal as a %s", n->id,
                 raft_role_name(raft_role(n->r)));
    if (rc == RAFT_ENOTLEADER && leader)
        sim_fail(s, "leader n%" PRIu64 " refused a proposal as not leader", n->id);
    if (rc != 0 && rc != RAFT_ENOTLEADER && rc != RAFT_EDROPPED)
        sim_fail(s, "n%" PRIu64 ": propose: %s", n->id, raft_strerror(rc));
    if (rc != 0)
        return rc;
    if (idx != raft_last_index(n->r) || t != raft_term(n->r))
        sim_fail(s, "propose returned (%" PRIu64 ", %" PRIu64 ")", idx, t);
    struct tv tv = {.term = t, .hash = fnv(RAFT_ENTRY_NORMAL, data, len)};
    slot_push(slot_at(&s->props, &s->cap_props, idx), tv);
    trace(s, "n%" PRIu64 " client proposes value %" PRIu64 " -> (%" PRIu64 ", %" PRIu64 ")", n->id,
          v, idx, t);
    if (index)
        *index = idx;
    if (term)
        *term = t;
    return 0;
}

int sim_propose(struct sim *s, int i, uint64_t *index, uint64_t *term)
{
    int rc = propose_one(s, i, index, term);
    if (rc == 0) {
        handle_ready(s, &s->nodes[i]);
        check_all(s);
    }
    return rc;
}

int sim_propose_many(struct sim *s, int i, int k)
{
    int ok = 0;
    for (int j = 0; j < k && !s->failed; j++)
        ok += propose_one(s, i, NULL, NULL) == 0;
    if (ok) {
        handle_ready(s, &s->nodes[i]);
        check_all(s);
    }
    return ok;
}

int sim_read(struct sim *s, int i)
{
    struct node *n = &s->nodes[i];
    if (n->r == NULL)
        return RAFT_ENOTLEADER;
    uint64_t ctx = s->next_ctx++;
    int rc = raft_read_index(n->r, ctx);
    if (rc != 0)
        return rc;
    /* The commit index every node has reached so far: a linearizable read
     * may not return a point below it. */
    s->reads = xgrow(s->reads, &s->cap_reads, s->n_reads + 1, sizeof(*s->reads));
    struct sim_read *q = &s->reads[s->n_reads++];
    q->ctx = ctx;
    q->node = i;
    q->min_index = s->n_committed;
    q->done = false;
    trace(s, "n%" PRIu64 " client reads, ctx %" PRIu64, n->id, ctx);
    handle_ready(s, n);
    check_all(s);
    return 0;
}

uint64_t sim_reads_ok(const struct sim *s)
{
    return s->reads_ok;
}

uint64_t sim_reads_failed(const struct sim *s)
{
    return s->reads_failed;
}

/* ---- inspection ---- */

struct raft *sim_raft(struct sim *s, int i)
{
    return s->nodes[i].r;
}

int sim_leader(struct sim *s)
{
    int best = -1;
    for (int i = 0; i < s->n; i++) {
        struct raft *r = s->nodes[i].r;
        if (r && raft_role(r) == RAFT_LEADER &&
            (best < 0 || raft_term(r) > raft_term(s->nodes[best].r)))
            best = i;
    }
    return best;
}

uint64_t sim_applied(const struct sim *s, int i)
{
    return s->nodes[i].applied;
}

uint64_t sim_committed(const struct sim *s)
{
    return s->n_committed;
}

uint64_t sim_delivered(const struct sim *s)
{
    return s->delivered;
}

uint64_t sim_storage_reads(const struct sim *s)
{
    return s->storage_reads;
}

bool sim_check_converged(struct sim *s)
{
    if (s->failed)
        return false;
    const struct node *a = &s->nodes[0];
    for (int i = 0; i < s->n; i++) {
        const struct node *n = &s->nodes[i];
        if (n->r == NULL) {
            sim_fail(s, "converge: n%" PRIu64 " is down", n->id);
            return false;
        }
        uint64_t c = raft_commit_index(n->r);
        if (n->n_log != a->n_log || c != n->n_log || n->applied != c ||
            raft_last_index(n->r) != n->n_log) {
            sim_fail(s,
                     "converge: n%" PRIu64 " has log %zu commit %" PRIu64 " applied %" PRIu64
                     ", n1 has log %zu",
                     n->id, n->n_log, c, n->applied, a->n_log);
            return false;
        }
        for (size_t k = 0; k < n->n_log; k++) {
            if (n->log[k].term != a->log[k].term || n->log[k].hash != a->log[k].hash) {
                sim_fail(s, "converge: n%" PRIu64 " and n1 differ at %zu", n->id, k + 1);
                return false;
            }
        }
    }
    if (s->n_committed > a->n_log || s->n_applied > a->n_log) {
        sim_fail(s, "converge: %zu entries were committed, the logs hold %zu", s->n_committed,
                 a->n_log);
        return false;
    }
    for (size_t k = 0; k < s->n_committed; k++) {
        if (a->log[k].term != s->committed[k].term || a->log[k].hash != s->committed[k].hash) {
            sim_fail(s, "converge: committed entry %zu was lost", k + 1);
            return false;
        }
    }
    return true;
}

void sim_default_opts(struct sim_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->n_nodes = 3;
    o->pre_vote = true;
    o->check_quorum = true;
    o->election_tick = 10;
    o->heartbeat_tick = 1;
    o->max_inflight = 64;
    o->max_size_per_msg = 1 << 20;
    o->min_delay = 1;
    o->max_delay = 5;
}

/* ---- the randomized run ---- */

static const double LOSS[] = {0, 0.01, 0.05, 0.15, 0.3};
static const double DUP[] = {0, 0.02, 0.1};
static const int MAX_DELAY[] = {2, 5, 15, 40};
static const size_t INFLIGHT[] = {1, 2, 4, 64};
static const uint64_t MSG_SIZE[] = {0, 60, 300, 1 << 20};
static const uint64_t COMMITTED_SIZE[] = {0, 0, 80};
static const uint64_t UNCOMMITTED_SIZE[] = {0, 0, 0, 400};
static const int HEARTBEAT[] = {1, 1, 1, 2, 3};

#define PICK(s, a) ((a)[rnd(s) % (sizeof(a) / sizeof((a)[0]))])

/* After the faults: a leader, then LIVE_VALUES fresh values committed and
 * applied everywhere, within LIVE_BOUND_MS. */
#define LIVE_VALUES   5
#define LIVE_BOUND_MS 5000

static bool all_converged(struct sim *s)
{
    int l = sim_leader(s);
    if (l < 0)
        return false;
    uint64_t last = raft_last_index(s->nodes[l].r);
    for (int i = 0; i < s->n; i++) {
        struct raft *r = s->nodes[i].r;
        if (r == NULL || raft_last_index(r) != last || raft_commit_index(r) != last ||
            s->nodes[i].applied != last)
            return false;
    }
    return true;
}

bool sim_random_run(uint64_t seed, int n_nodes, FILE *trace_out, char *err, size_t errlen,
                    struct sim_run_stats *stats)
{
    uint64_t prng = seed * 0x2545f4914f6cdd1dULL + 1;
    struct sim pick = {.rng = prng}; /* parameter choices, apart from the run */
    struct sim_opts o;
    sim_default_opts(&o);
    o.n_nodes = n_nodes ? n_nodes : (seed & 1 ? 5 : 3);
    o.pre_vote = chance(&pick, 0.8);
    o.check_quorum = chance(&pick, 0.8);
    o.heartbeat_tick = PICK(&pick, HEARTBEAT);
    o.max_inflight = PICK(&pick, INFLIGHT);
    o.max_size_per_msg = PICK(&pick, MSG_SIZE);
    o.max_committed_size = PICK(&pick, COMMITTED_SIZE);
    o.max_uncommitted_size = PICK(&pick, UNCOMMITTED_SIZE);
    o.loss = PICK(&pick, LOSS);
    o.dup = PICK(&pick, DUP);
    o.min_delay = 1;
    o.max_delay = PICK(&pick, MAX_DELAY);
    o.trace = trace_out;
    struct sim *s = sim_new(seed, &o);
    s->p_crash_ready = 0.002;

    /* Chaos: 100 to 400 ticks of faults and clients.  One seed in three
     * uses "churn": the leader is killed or cut off (alone or with one
     * follower) every few election timeouts, which leaves uncommitted
     * entries of many terms on minorities: the Figure 8 situations. */
    bool churn = chance(s, 0.35);
    trace(s, "profile: %s", churn ? "churn" : "random faults");
    int64_t chaos_end = rndint(s, 1000, 4000);
    uint64_t churn_term = 0;
    int64_t churn_kill_at = -1;
    while (!s->failed && s->now < chaos_end) {
        sim_run_for(s, SIM_TICK_MS);
        if (s->failed)
            break;
        int victim = rndint(s, 0, s->n - 1);
        int l = sim_leader(s);
        /* In churn, a new leader is often struck before its no-op entry
         * reaches a quorum, while it is still catching followers up with
         * entries of older terms. */
        if (churn && l >= 0 && raft_term(s->nodes[l].r) != churn_term) {
            churn_term = raft_term(s->nodes[l].r);
            churn_kill_at = chance(s, 0.4) ? s->now + rndint(s, 1, 4) * SIM_TICK_MS : -1;
        }
        bool kill_now = churn_kill_at >= 0 && s->now >= churn_kill_at;
        if (kill_now)
            churn_kill_at = -1;
        if (churn && l >= 0 && (kill_now || chance(s, 0.03))) {
            if (chance(s, 0.5)) {
                sim_crash(s, l);
            } else {
                int g[SIM_MAX_NODES], buddy = rndint(s, 0, s->n - 1);
                for (int i = 0; i < s->n; i++)
                    g[i] = i == l || (s->n > 3 && i == buddy);
                sim_partition(s, g);
            }
        }
        if (chance(s, 0.008))
            sim_crash(s, victim);
        if (chance(s, churn ? 0.1 : 0.05))
            sim_restart(s, victim);
        if (chance(s, 0.008)) {
            int g[SIM_MAX_NODES];
            bool isolate_leader = l >= 0 && chance(s, 0.5);
            for (int i = 0; i < s->n; i++)
                g[i] = isolate_leader ? (i == l) : rndint(s, 0, 1);
            sim_partition(s, g);
        }
        if (chance(s, churn ? 0.04 : 0.02))
            sim_heal(s);
        if (chance(s, 0.3)) {
            l = sim_leader(s);
            int at = l >= 0 && chance(s, 0.8) ? l : rndint(s, 0, s->n - 1);
            sim_propose_many(s, at, rndint(s, 1, 8));
        }
        if (chance(s, 0.05)) {
            /* Reads go to the newest leader, or to any node that believes
             * it leads: a deposed leader must not answer. */
            l = sim_leader(s);
            int at = rndint(s, 0, s->n - 1);
            if (chance(s, 0.5) && s->nodes[at].r && raft_role(s->nodes[at].r) == RAFT_LEADER)
                l = at;
            if (l >= 0)
                sim_read(s, l);
        }
    }

    /* The faults stop: heal, restart, reliable network (delays stay). */
    int64_t live_start = s->now;
    if (!s->failed) {
        trace(s, "FAULTS END");
        s->p_crash_ready = 0;
        sim_set_faults(s, 0, 0, 1, 5);
        sim_heal(s);
        for (int i = 0; i < s->n; i++)
            sim_restart(s, i);
    }
    uint64_t vals[LIVE_VALUES], val_term[LIVE_VALUES];
    int n_vals = 0;
    bool done = false;
    while (!s->failed && s->now < live_start + LIVE_BOUND_MS) {
        sim_run_for(s, SIM_TICK_MS);
        int l = sim_leader(s);
        if (l < 0 || s->failed)
            continue;
        uint64_t lt = raft_term(s->nodes[l].r);
        /* Propose the values; retry one whose leader was replaced before it
         * was applied anywhere (what a client does after a timeout). */
        for (int k = 0; k < LIVE_VALUES && !s->failed; k++) {
            bool need = k >= n_vals || (!s->value_applied[vals[k]] && val_term[k] < lt);
            if (!need)
                continue;
            uint64_t t;
            if (sim_propose(s, l, NULL, &t) != 0)
                break;
            vals[k] = s->next_value - 1;
            val_term[k] = t;
            if (k == n_vals)
                n_vals++;
        }
        bool all = n_vals == LIVE_VALUES;
        for (int k = 0; k < n_vals && all; k++)
            all = s->value_applied[vals[k]];
        if (all && all_converged(s)) {
            done = true;
            break;
        }
    }
    if (!s->failed && !done)
        sim_fail(s,
                 "liveness: no convergence %d ms after the faults ended (leader %d, %d/%d "
                 "values proposed)",
                 LIVE_BOUND_MS, sim_leader(s), n_vals, LIVE_VALUES);
    if (!s->failed)
        sim_check_converged(s);
    if (stats) {
        stats->n_nodes = s->n;
        stats->committed = s->n_committed;
        stats->crashes = s->crashes;
        stats->elections = 0;
        for (size_t t = 0; t < s->cap_lot; t++)
            stats->elections += s->leader_of_term[t] != 0;
        stats->liveness_ms = s->now - live_start;
    }
    bool ok = !s->failed;
    if (!ok && err)
        snprintf(err, errlen, "%s", s->failure);
    sim_free(s);
    return ok;
}
