/* fixture: see fixture.h. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "raft/msg.h"

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
    *cap = c;
    return p;
}

static void check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fixture: %s\n", what);
        abort();
    }
}

/* ---- storage ---- */

static int st_term(void *ctx, uint64_t i, uint64_t *t)
{
    struct fx_node *n = ctx;
    if (i == 0 || i > n->n_log)
        return -1;
    *t = n->log[i - 1].term;
    return 0;
}

static int st_entries(void *ctx, uint64_t lo, uint64_t hi, raft_entry_visit_fn visit, void *arg)
{
    struct fx_node *n = ctx;
    n->storage_reads++;
    if (n->fail_reads)
        return -5;
    check(lo >= 1 && lo < hi && hi <= n->n_log + 1, "core read beyond the disk");
    for (uint64_t i = lo; i < hi; i++) {
        struct raft_entry e = n->log[i - 1];
        e.index = i;
        if (visit(arg, &e))
            break;
    }
    return 0;
}

static void free_disk(struct fx_node *n)
{
    for (size_t k = 0; k < n->n_log; k++)
        free(n->log[k].data);
    free(n->log);
    n->log = NULL;
    n->n_log = n->cap_log = 0;
}

void fx_init(struct fx *f, int n)
{
    assert(n >= 1 && n <= FX_MAX);
    memset(f, 0, sizeof(*f));
    f->n = n;
    for (int i = 0; i < n; i++)
        f->peers[i] = (uint64_t)i + 1;
    for (int i = 1; i <= n; i++) {
        struct fx_node *nd = &f->nodes[i];
        nd->id = (uint64_t)i;
        nd->cfg.id = (uint64_t)i;
        nd->cfg.peers = f->peers;
        nd->cfg.n_peers = (size_t)n;
        nd->cfg.election_tick = 10;
        nd->cfg.heartbeat_tick = 1;
        nd->cfg.max_inflight_msgs = 256;
        nd->cfg.max_size_per_msg = 1 << 20;
        nd->cfg.rand_seed = (uint64_t)i * 7919;
        fx_start(f, (uint64_t)i);
    }
}

void fx_set_options(struct fx *f, bool pre_vote, bool check_quorum)
{
    for (int i = 1; i <= f->n; i++) {
        fx_stop(f, (uint64_t)i);
        f->nodes[i].cfg.pre_vote = pre_vote;
        f->nodes[i].cfg.check_quorum = check_quorum;
        fx_start(f, (uint64_t)i);
    }
}

void fx_free(struct fx *f)
{
    for (int i = 1; i <= f->n; i++) {
        raft_free(f->nodes[i].r);
        free_disk(&f->nodes[i]);
    }
    fx_drop_all(f);
    free(f->out);
    memset(f, 0, sizeof(*f));
}

void fx_set_disk(struct fx *f, uint64_t id, const uint64_t *terms, size_t n, uint64_t term,
                 uint64_t vote)
{
    struct fx_node *nd = &f->nodes[id];
    check(nd->r == NULL, "fx_set_disk on a running node");
    free_disk(nd);
    nd->log = xgrow(NULL, &nd->cap_log, n + 1, sizeof(*nd->log));
    for (size_t k = 0; k < n; k++) {
        char buf[32];
        int len = snprintf(buf, sizeof(buf), "e%zu.t%llu", k + 1, (unsigned long long)terms[k]);
        nd->log[k].term = terms[k];
        nd->log[k].index = k + 1;
        nd->log[k].type = RAFT_ENTRY_NORMAL;
        nd->log[k].len = (uint32_t)len;
        nd->log[k].data = malloc((size_t)len);
        memcpy(nd->log[k].data, buf, (size_t)len);
    }
    nd->n_log = n;
    nd->hs.term = term;
    nd->hs.vote = vote;
    nd->hs.commit = 0;
    nd->applied = 0;
}

void fx_start(struct fx *f, uint64_t id)
{
    struct fx_node *nd = &f->nodes[id];
    check(nd->r == NULL, "fx_start on a running node");
    struct raft_storage st = {.ctx = nd, .term = st_term, .entries = st_entries};
    struct raft_start_state ss = {
        .hs = nd->hs, .first_index = 1, .last_index = nd->n_log, .applied = nd->applied};
    int rc = raft_new(&nd->cfg, &st, &ss, &nd->r);
    if (rc != 0) {
        fprintf(stderr, "fixture: raft_new(%llu): %s\n", (unsigned long long)id, raft_strerror(rc));
        abort();
    }
}

void fx_stop(struct fx *f, uint64_t id)
{
    raft_free(f->nodes[id].r);
    f->nodes[id].r = NULL;
}

static void queue(struct fx *f, const struct raft_msg *m)
{
    /* A deep copy through the codec: it is what the wire does. */
    size_t len = raft_msg_encoded_size(m);
    uint8_t *buf = malloc(len);
    raft_msg_encode(m, buf);
    f->out = xgrow(f->out, &f->cap_out, f->n_out + 1, sizeof(*f->out));
    size_t used;
    int rc = raft_msg_decode(buf, len, len, &f->out[f->n_out], &used);
    check(rc == 1 && used == len, "codec round trip");
    f->n_out++;
    free(buf);
}

void fx_ready(struct fx *f, uint64_t id)
{
    struct fx_node *nd = &f->nodes[id];
    while (nd->r && raft_has_ready(nd->r)) {
        struct raft_ready rd;
        int rc = raft_ready(nd->r, &rd);
        check(rc == 0, "raft_ready failed");
        nd->last_rd = rd;
        nd->readies++;
        if (rd.n_entries) {
            uint64_t first = rd.entries[0].index;
            check(first >= 1 && first <= nd->n_log + 1, "Ready entries leave a gap");
            for (size_t k = first - 1; k < nd->n_log; k++)
                free(nd->log[k].data);
            nd->n_log = first - 1;
            nd->log = xgrow(nd->log, &nd->cap_log, nd->n_log + rd.n_entries, sizeof(*nd->log));
            for (size_t k = 0; k < rd.n_entries; k++) {
                struct raft_entry e = rd.entries[k];
                if (e.len) {
                    e.data = malloc(e.len);
                    memcpy(e.data, rd.entries[k].data, e.len);
                }
                nd->log[nd->n_log++] = e;
            }
        }
        if (rd.has_hard_state)
            nd->hs = rd.hard_state;
        for (size_t k = 0; k < rd.n_messages; k++)
            queue(f, &rd.messages[k]);
        for (size_t k = 0; k < rd.n_committed; k++) {
            check(rd.committed_entries[k].index == nd->applied + 1, "apply out of order");
            nd->applied = rd.committed_entries[k].index;
            nd->apply_count++;
        }
        for (size_t k = 0; k < rd.n_read_states && nd->n_read_states < 64; k++)
            nd->read_states[nd->n_read_states++] = rd.read_states[k];
        raft_advance(nd->r, &rd);
    }
}

void fx_tick(struct fx *f, uint64_t id, int k)
{
    for (int i = 0; i < k; i++) {
        check(raft_tick(f->nodes[id].r) == 0, "raft_tick failed");
        fx_ready(f, id);
    }
}

int fx_step(struct fx *f, const struct raft_msg *m)
{
    struct fx_node *nd = &f->nodes[m->to];
    if (nd->r == NULL)
        return 0;
    int rc = raft_step(nd->r, m);
    fx_ready(f, m->to);
    return rc;
}

size_t fx_deliver_once(struct fx *f, fx_filter keep, void *arg)
{
    size_t n = f->n_out, delivered = 0;
    struct raft_msg *batch = f->out;
    f->out = NULL;
    f->n_out = f->cap_out = 0;
    for (size_t k = 0; k < n; k++) {
        if (keep == NULL || keep(&batch[k], arg)) {
            int rc = fx_step(f, &batch[k]);
            check(rc == 0 || rc == RAFT_ENOTSUP, "raft_step failed on a delivered message");
            delivered++;
        }
        raft_msg_free(&batch[k]);
    }
    free(batch);
    return delivered;
}

size_t fx_deliver(struct fx *f, fx_filter keep, void *arg)
{
    size_t total = 0;
    for (int round = 0; f->n_out > 0; round++) {
        check(round < 10000, "messages never stop");
        total += fx_deliver_once(f, keep, arg);
    }
    return total;
}

void fx_drop_all(struct fx *f)
{
    for (size_t k = 0; k < f->n_out; k++)
        raft_msg_free(&f->out[k]);
    f->n_out = 0;
}

size_t fx_count(const struct fx *f, int type, uint64_t from, uint64_t to)
{
    size_t c = 0;
    for (size_t k = 0; k < f->n_out; k++) {
        const struct raft_msg *m = &f->out[k];
        if ((type == 0 || m->type == type) && (from == 0 || m->from == from) &&
            (to == 0 || m->to == to))
            c++;
    }
    return c;
}

const struct raft_msg *fx_find(const struct fx *f, int type, uint64_t from, uint64_t to)
{
    for (size_t k = 0; k < f->n_out; k++) {
        const struct raft_msg *m = &f->out[k];
        if ((type == 0 || m->type == type) && (from == 0 || m->from == from) &&
            (to == 0 || m->to == to))
            return m;
    }
    return NULL;
}

bool fx_not_isolated(const struct raft_msg *m, void *arg)
{
    uint32_t mask = *(const uint32_t *)arg;
    return !(mask & (1u << m->from)) && !(mask & (1u << m->to));
}

int fx_campaign(struct fx *f, uint64_t id)
{
    struct raft_msg hup = {.type = RAFT_MSG_HUP};
    hup.to = id;
    check(raft_step(f->nodes[id].r, &hup) == 0, "MsgHup failed");
    fx_ready(f, id);
    fx_deliver(f, NULL, NULL);
    return raft_role(f->nodes[id].r);
}

int fx_propose(struct fx *f, uint64_t id, const char *s)
{
    uint64_t index, term;
    int rc = raft_propose(f->nodes[id].r, s, strlen(s), &index, &term);
    fx_ready(f, id);
    return rc;
}

uint64_t fx_disk_term(const struct fx *f, uint64_t id, uint64_t index)
{
    const struct fx_node *nd = &f->nodes[id];
    return index >= 1 && index <= nd->n_log ? nd->log[index - 1].term : 0;
}
