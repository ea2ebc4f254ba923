/* log: the Raft log as the core sees it (paper 5.3).
 *
 * Three parts:
 *   - the terms of every entry, from memory, as runs (start index, term):
 *     a log's terms never decrease, so there is one run per term that has
 *     entries, and the term of any index is a binary search away.  The core
 *     asks for terms all the time (consistency check, up-to-date check,
 *     Figure 8 check, rejection hints) and never has to touch storage for one;
 *   - the entries' contents in memory, for the tail [mem_first, last]: every
 *     entry not yet persisted, plus the persisted ones not yet applied (so the
 *     common path applies and replicates without reading storage back);
 *   - the persisted prefix, read through the server's raft_storage when a
 *     lagging follower or a restart needs older entries.
 * raft_int.h states the invariants.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "raft/raft_int.h"
#include "util/util.h"

/* What an entry costs in a message or a Ready, for the size limits: its
 * data plus its header on the wire, so a limit of 0 means one entry. */
#define ENTRY_COST(len) ((uint64_t)(len) + 13)

uint64_t rlog_mem_first(const struct rlog *l)
{
    return l->last + 1 - l->mem_n;
}

/* Precondition: mem_first <= i <= last. */
static struct raft_entry *mem_at(const struct rlog *l, uint64_t i)
{
    return &l->mem[l->mem_head + (size_t)(i - rlog_mem_first(l))];
}

const struct raft_entry *rlog_mem_entry(const struct rlog *l, uint64_t i)
{
    if (l->mem_n == 0 || i < rlog_mem_first(l) || i > l->last)
        return NULL;
    return mem_at(l, i);
}

static void runs_push(struct rlog *l, uint64_t start, uint64_t term)
{
    if (l->n_runs == l->cap_runs) {
        l->cap_runs = l->cap_runs ? l->cap_runs * 2 : 8;
        l->runs = xrealloc(l->runs, l->cap_runs * sizeof(*l->runs));
    }
    l->runs[l->n_runs].start = start;
    l->runs[l->n_runs].term = term;
    l->n_runs++;
}

/* Index in runs of the run holding i; precondition: first <= i <= last. */
static size_t run_of(const struct rlog *l, uint64_t i)
{
    size_t lo = 0, hi = l->n_runs;
    assert(l->n_runs > 0 && l->runs[0].start <= i);
    if (l->runs[hi - 1].start <= i) /* the common case: the newest term */
        return hi - 1;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (l->runs[mid].start <= i)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

int rlog_term(const struct rlog *l, uint64_t i, uint64_t *term)
{
    if (i + 1 == l->first) {
        *term = l->snap_term;
        return 0;
    }
    if (i < l->first || i > l->last)
        return RAFT_EUNAVAILABLE;
    *term = l->runs[run_of(l, i)].term;
    return 0;
}

uint64_t rlog_term_or0(const struct rlog *l, uint64_t i)
{
    uint64_t t = 0;
    return rlog_term(l, i, &t) == 0 ? t : 0;
}

uint64_t rlog_last_term(const struct rlog *l)
{
    return l->n_runs ? l->runs[l->n_runs - 1].term : l->snap_term;
}

bool rlog_match_term(const struct rlog *l, uint64_t i, uint64_t term)
{
    uint64_t t;
    return rlog_term(l, i, &t) == 0 && t == term;
}

bool rlog_is_up_to_date(const struct rlog *l, uint64_t lasti, uint64_t term)
{
    uint64_t lt = rlog_last_term(l);
    return term > lt || (term == lt && lasti >= l->last);
}

uint64_t rlog_find_conflict_by_term(const struct rlog *l, uint64_t index, uint64_t term,
                                    uint64_t *jterm)
{
    if (index > l->last || index + 1 < l->first) {
        *jterm = 0;
        return index;
    }
    if (index + 1 == l->first) {
        *jterm = l->snap_term;
        return index;
    }
    /* Walk back a whole term at a time: every entry of a run has its term. */
    size_t k = run_of(l, index);
    for (;;) {
        if (l->runs[k].term <= term) {
            *jterm = l->runs[k].term;
            return index;
        }
        index = l->runs[k].start - 1;
        if (k == 0) {
            *jterm = l->snap_term <= term ? l->snap_term : 0;
            return index;
        }
        k--;
    }
}

/* Appends e (whose data is owned by the log from now on) at last + 1. */
static void mem_push(struct rlog *l, const struct raft_entry *e)
{
    assert(e->index == l->last + 1);
    if (l->mem_head + l->mem_n == l->mem_cap) {
        if (l->mem_head > l->mem_cap / 2) {
            memmove(l->mem, l->mem + l->mem_head, l->mem_n * sizeof(*l->mem));
            l->mem_head = 0;
        } else {
            l->mem_cap = l->mem_cap ? l->mem_cap * 2 : 64;
            l->mem = xrealloc(l->mem, l->mem_cap * sizeof(*l->mem));
        }
    }
    l->mem[l->mem_head + l->mem_n] = *e;
    l->mem_n++;
    l->last = e->index;
    if (l->n_runs == 0 || l->runs[l->n_runs - 1].term != e->term) {
        /* Terms never decrease along a log: raft_step() refuses messages
         * that would break this, and a leader appends at its own term. */
        assert(e->term >= rlog_last_term(l));
        runs_push(l, e->index, e->term);
    }
}

/* Removes the entries at >= at (at <= last): a conflicting suffix. */
static void truncate_from(struct rlog *l, uint64_t at)
{
    uint64_t mf = rlog_mem_first(l);
    size_t drop = at >= mf ? (size_t)(l->last - at + 1) : l->mem_n;
    for (size_t k = l->mem_n - drop; k < l->mem_n; k++)
        free(l->mem[l->mem_head + k].data);
    l->mem_n -= drop;
    if (l->mem_n == 0)
        l->mem_head = 0;
    l->last = at - 1;
    /* Entries past here may still be on disk: the next Ready's entries
     * start at `at`, and the server truncates there before appending. */
    if (l->stable_last > l->last)
        l->stable_last = l->last;
    while (l->n_runs > 0 && l->runs[l->n_runs - 1].start >= at)
        l->n_runs--;
}

void rlog_append(struct rlog *l, const struct raft_entry *ents, size_t n)
{
    if (n == 0)
        return;
    assert(ents[0].index <= l->last + 1 && ents[0].index > l->committed);
    if (ents[0].index <= l->last)
        truncate_from(l, ents[0].index);
    for (size_t k = 0; k < n; k++) {
        struct raft_entry e = ents[k];
        e.data = e.len ? xmemdup(ents[k].data, e.len) : NULL;
        mem_push(l, &e);
    }
}

void rlog_append_owned(struct rlog *l, uint64_t term, uint8_t type, uint8_t *data, uint32_t len)
{
    struct raft_entry e = {
        .term = term, .index = l->last + 1, .type = type, .len = len, .data = data};
    mem_push(l, &e);
}

int rlog_maybe_append(struct rlog *l, uint64_t index, uint64_t log_term, uint64_t commit,
                      const struct raft_entry *ents, size_t n, uint64_t *lastnew)
{
    if (!rlog_match_term(l, index, log_term))
        return 0;
    /* Step 3 of the receiver: only a real conflict truncates.  A delayed or
     * duplicated MsgApp whose entries we already hold must not cut off the
     * entries that came after it. */
    size_t k = 0;
    while (k < n && rlog_match_term(l, ents[k].index, ents[k].term))
        k++;
    if (k < n) {
        if (ents[k].index <= l->committed)
            return RAFT_ECORRUPT;
        rlog_append(l, ents + k, n - k);
    }
    *lastnew = index + n;
    /* Step 5: commit = min(leaderCommit, index of last new entry); the
     * entries past lastnew may not be the leader's. */
    rlog_commit_to(l, commit < *lastnew ? commit : *lastnew);
    return 1;
}

void rlog_commit_to(struct rlog *l, uint64_t c)
{
    if (c <= l->committed)
        return; /* the commit index never decreases */
    assert(c <= l->last);
    l->committed = c;
}

bool rlog_maybe_commit(struct rlog *l, uint64_t mci, uint64_t term)
{
    /* Figure 8: counting replicas commits only entries of the leader's own
     * term; the earlier ones are committed by implication (Log Matching). */
    if (mci > l->committed && rlog_term_or0(l, mci) == term) {
        rlog_commit_to(l, mci);
        return true;
    }
    return false;
}

/* ---- reading entries: memory, or storage through a visitor ---- */

struct collect {
    const struct rlog *l;
    uint64_t next; /* index expected next */
    uint64_t hi;   /* exclusive */
    uint64_t max;  /* cost limit */
    uint64_t cost;
    bool full; /* stopped by the limit */
    bool bad;  /* storage broke its contract */
    struct raft_entry *v;
    size_t n, cap;
};

static int collect_visit(void *arg, const struct raft_entry *e)
{
    struct collect *c = arg;
    if (e->index != c->next || e->index >= c->hi || (e->len > 0 && e->data == NULL) ||
        e->term != rlog_term_or0(c->l, e->index)) {
        c->bad = true;
        return 1;
    }
    if (c->n > 0 && c->cost + ENTRY_COST(e->len) > c->max) {
        c->full = true;
        return 1;
    }
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 16;
        c->v = xrealloc(c->v, c->cap * sizeof(*c->v));
    }
    c->v[c->n] = *e;
    c->v[c->n].data = e->len ? xmemdup(e->data, e->len) : NULL;
    c->n++;
    c->cost += ENTRY_COST(e->len);
    c->next++;
    return c->next == c->hi;
}

static void entries_free(struct raft_entry *v, size_t n)
{
    for (size_t k = 0; k < n; k++)
        free(v[k].data);
    free(v);
}

/* Reads [lo, hi) (or a prefix within max) from storage into *c. */
static int collect_storage(const struct rlog *l, uint64_t lo, uint64_t hi, uint64_t max,
                           struct collect *c)
{
    memset(c, 0, sizeof(*c));
    c->l = l;
    c->next = lo;
    c->hi = hi;
    c->max = max;
    int rc = l->st.entries(l->st.ctx, lo, hi, collect_visit, c);
    if (rc == RAFT_EUNAVAILABLE || rc < 0 || c->bad || c->n == 0 || (!c->full && c->next != hi)) {
        entries_free(c->v, c->n);
        c->v = NULL;
        c->n = 0;
        return rc == RAFT_EUNAVAILABLE ? RAFT_EUNAVAILABLE : RAFT_ESTORAGE;
    }
    return 0;
}

/* Copies n entries into one block: the array, then every entry's data. */
static struct raft_entry *pack(const struct raft_entry *src, size_t n)
{
    size_t bytes = 0;
    for (size_t k = 0; k < n; k++)
        bytes += src[k].len;
    struct raft_entry *blk = xmalloc(n * sizeof(*blk) + bytes);
    uint8_t *d = (uint8_t *)(blk + n);
    for (size_t k = 0; k < n; k++) {
        blk[k] = src[k];
        blk[k].data = NULL;
        if (src[k].len) {
            memcpy(d, src[k].data, src[k].len);
            blk[k].data = d;
            d += src[k].len;
        }
    }
    return blk;
}

int rlog_fill_msg(struct rlog *l, uint64_t lo, uint64_t max_bytes, struct raft_msg *m)
{
    m->entries = NULL;
    m->n_entries = 0;
    if (lo > l->last)
        return 0;
    if (lo < l->first)
        return RAFT_EUNAVAILABLE;
    uint64_t mf = rlog_mem_first(l);
    if (lo >= mf) {
        size_t n = 0;
        uint64_t cost = 0;
        for (uint64_t i = lo; i <= l->last; i++) {
            uint64_t c = ENTRY_COST(mem_at(l, i)->len);
            if (n > 0 && cost + c > max_bytes)
                break;
            cost += c;
            n++;
        }
        m->entries = pack(mem_at(l, lo), n);
        m->n_entries = n;
        return 0;
    }
    struct collect c;
    int rc = collect_storage(l, lo, mf, max_bytes, &c);
    if (rc != 0)
        return rc;
    m->entries = pack(c.v, c.n);
    m->n_entries = c.n;
    entries_free(c.v, c.n);
    return 0;
}

int rlog_next_committed(struct rlog *l, uint64_t max_bytes, const struct raft_entry **out,
                        size_t *n)
{
    uint64_t lo = l->applied + 1, hi = l->committed;
    if (max_bytes == 0)
        max_bytes = UINT64_MAX;
    *out = NULL;
    *n = 0;
    if (lo > hi)
        return 0;
    uint64_t mf = rlog_mem_first(l);
    if (lo >= mf) {
        size_t k = 0;
        uint64_t cost = 0;
        for (uint64_t i = lo; i <= hi; i++) {
            uint64_t c = ENTRY_COST(mem_at(l, i)->len);
            if (k > 0 && cost + c > max_bytes)
                break;
            cost += c;
            k++;
        }
        *out = mem_at(l, lo);
        *n = k;
        return 0;
    }
    /* After a restart, or once the tail was dropped: read back what was
     * persisted; the part in memory follows in the next Ready. */
    struct collect c;
    uint64_t end = hi + 1 < mf ? hi + 1 : mf;
    int rc = collect_storage(l, lo, end, max_bytes, &c);
    if (rc != 0)
        return RAFT_ESTORAGE; /* committed entries are never compacted away */
    l->scratch = c.v;
    l->n_scratch = c.n;
    *out = c.v;
    *n = c.n;
    return 0;
}

void rlog_release_scratch(struct rlog *l)
{
    entries_free(l->scratch, l->n_scratch);
    l->scratch = NULL;
    l->n_scratch = 0;
}

/* Drops from memory the entries that are both persisted and applied. */
static void drop_mem(struct rlog *l)
{
    uint64_t upto = l->applied < l->stable_last ? l->applied : l->stable_last;
    while (l->mem_n > 0 && rlog_mem_first(l) <= upto) {
        free(l->mem[l->mem_head].data);
        l->mem_head++;
        l->mem_n--;
    }
    if (l->mem_n == 0)
        l->mem_head = 0;
}

void rlog_stable_to(struct rlog *l, uint64_t index)
{
    assert(index >= l->stable_last && index <= l->last);
    l->stable_last = index;
    drop_mem(l);
}

void rlog_applied_to(struct rlog *l, uint64_t applied)
{
    assert(applied >= l->applied && applied <= l->committed);
    l->applied = applied;
    drop_mem(l);
}

/* ---- life cycle ---- */

static int storage_term(const struct rlog *l, uint64_t i, uint64_t *t)
{
    return l->st.term(l->st.ctx, i, t) == 0 ? 0 : RAFT_ESTORAGE;
}

/* Builds the term runs of [first, last] with O(terms * log(entries)) reads. */
static int build_runs(struct rlog *l)
{
    uint64_t prev = l->snap_term;
    uint64_t i = l->first;
    while (i <= l->last) {
        uint64_t t, tm;
        if (storage_term(l, i, &t) != 0)
            return RAFT_ESTORAGE;
        if (t < prev || t == 0)
            return RAFT_EINVAL; /* terms decrease: not a Raft log */
        /* The run of t is [i, lo]: term(lo) == t, and hi is past it. */
        uint64_t lo = i, hi = l->last + 1;
        while (hi - lo > 1) {
            uint64_t mid = lo + (hi - lo) / 2;
            if (storage_term(l, mid, &tm) != 0)
                return RAFT_ESTORAGE;
            if (tm == t)
                lo = mid;
            else if (tm > t)
                hi = mid;
            else
                return RAFT_EINVAL;
        }
        runs_push(l, i, t);
        prev = t;
        i = lo + 1;
    }
    return 0;
}

int rlog_init(struct rlog *l, const struct raft_storage *st, const struct raft_start_state *s)
{
    memset(l, 0, sizeof(*l));
    if (s->first_index == 0 || s->last_index + 1 < s->first_index || s->hs.commit > s->last_index ||
        s->applied > s->hs.commit || s->applied + 1 < s->first_index)
        return RAFT_EINVAL;
    /* Both calls are needed even for an empty log: persisted entries leave
     * memory once applied, and are read back from storage. */
    if (st == NULL || st->term == NULL || st->entries == NULL)
        return RAFT_EINVAL;
    l->st = *st;
    l->first = s->first_index;
    l->last = s->last_index;
    l->stable_last = s->last_index;
    l->committed = s->hs.commit;
    l->applied = s->applied;
    if (l->first > 1 && storage_term(l, l->first - 1, &l->snap_term) != 0)
        return RAFT_ESTORAGE;
    int rc = build_runs(l);
    if (rc != 0) {
        rlog_free(l);
        return rc;
    }
    return 0;
}

void rlog_free(struct rlog *l)
{
    for (size_t k = 0; k < l->mem_n; k++)
        free(l->mem[l->mem_head + k].data);
    free(l->mem);
    free(l->runs);
    rlog_release_scratch(l);
    memset(l, 0, sizeof(*l));
}
