/* node: the Raft node driver (see node.h). */
#include "raft/node.h"

#include <ev.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aof.h"
#include "aof_codec.h"
#include "blocking.h"
#include "command.h"
#include "db.h"
#include "multi.h"
#include "raft/msg.h"
#include "raft/raft.h"
#include "raft/storage_sqlite.h"
#include "raft/transport_tcp.h"
#include "reply.h"
#include "server_state.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/util.h"

/* Entry payload (docs/raft.md):
 *   byte 0      format version (1)
 *   bytes 1-8   the leader's clock when it proposed, ms since the epoch, LE
 *   bytes 9-12  db index, LE
 *   bytes 13-   the command as a RESP multibulk; for a transaction (EXEC)
 *               MULTI, the queued commands and EXEC, one after the other
 * Every node applies the command with that clock, so relative expiries
 * (EXPIRE k 10, SET .. EX) and expiry checks give the same result
 * everywhere without rewriting the command first. */
#define ENTRY_VERSION 1
#define ENTRY_HEAD    13

/* The largest entry a follower can receive: a one-entry MsgApp frame
 * within the transport's frame limit (raft/msg.h: header, entry header,
 * CRC). */
#define MAX_ENTRY_BYTES                                                                            \
    (TRANSPORT_DEFAULT_MAX_FRAME - RAFT_MSG_HEADER_LEN - RAFT_MSG_ENTRY_HEADER_LEN - 4)

/* Leader-side expiry, per cron tick and db: expired keys go into
 * RAFT.EXPIRE entries of about EXPIRE_BATCH keys, at most EXPIRE_ENTRIES
 * of them, found by visiting at most EXPIRE_BUCKETS buckets of `expires`
 * from where the previous tick stopped. */
#define EXPIRE_BATCH   64
#define EXPIRE_ENTRIES 16
#define EXPIRE_BUCKETS 1000

struct pending {
    uint64_t index, term;
    struct client *c; /* NULL once the client is gone */
};

static struct {
    int on;
    struct ev_loop *loop;
    struct rstore *store;
    struct raft *r;
    ev_timer tick;
    /* Active while a proposal waits for the next Ready: the loop must not
     * sleep then (see intercept()). */
    ev_idle wake;
    struct client *applyc; /* executes applied entries */
    struct aof_argv args;
    struct buf enc;
    /* proposals of this node's clients, in index order */
    struct pending *q;
    size_t qhead, qlen, qcap;
    uint64_t *expire_cursor; /* per db: where the expiry scan resumes */
    long long proposals, applied_entries, lost_proposals;
    struct raft_hard_state hs; /* the last one the core reported */
    int hs_unsaved;            /* hs is not in the store yet (a commit-only change) */
    int64_t last_save_us;      /* duration of the last rstore_save */
    /* where the time of the write path goes (docs/raft.md, Benchmark) */
    long long saves;
    int64_t save_us_total, apply_us_total;
    int64_t started_ms;

    /* cluster */
    size_t n_voters;
    struct transport *tp;
    /* linearizable reads: clients waiting for a ReadIndex confirmation
     * (ctx != 0) or for the apply of its index */
    uint64_t next_read_ctx;
    uint64_t batch_read_ctx; /* the ctx asked for in this loop iteration, 0 if none */
    struct read_wait {
        struct client *c;
        uint64_t ctx;
        uint64_t index;   /* 0 until confirmed */
        uint64_t term;    /* the leader's term when it asked */
        int64_t asked_us; /* monotonic_us() when it asked */
    } * reads;
    size_t nreads, reads_cap;
    int64_t batch_asked_us;
    long long read_index_requests, read_index_confirmed, read_index_failed;
    /* read_mode lease: the leader serves reads locally until lease_until_us
     * (monotonic) in lease_term; see intercept_read() */
    int64_t lease_us, lease_until_us;
    uint64_t lease_term;
    /* EXEC with watched keys (docs/raft.md, Transactions): the client that
     * waits for the log to be applied before deciding, and the clients
     * whose proposals wait for it meanwhile */
    struct client *exec_barrier;
    struct client **exec_waiters;
    size_t n_exec_waiters, exec_waiters_cap;
} node;

/* ---- pending proposals (a ring) ---- */

static void q_push(uint64_t index, uint64_t term, struct client *c)
{
    if (node.qlen == node.qcap) {
        size_t ncap = node.qcap ? node.qcap * 2 : 64;
        struct pending *nq = xmalloc(ncap * sizeof(*nq));
        for (size_t i = 0; i < node.qlen; i++)
            nq[i] = node.q[(node.qhead + i) % node.qcap];
        free(node.q);
        node.q = nq;
        node.qhead = 0;
        node.qcap = ncap;
    }
    node.q[(node.qhead + node.qlen) % node.qcap] = (struct pending){index, term, c};
    node.qlen++;
}

static struct pending *q_front(void)
{
    return node.qlen ? &node.q[node.qhead] : NULL;
}

static void q_pop(void)
{
    node.qhead = (node.qhead + 1) % node.qcap;
    node.qlen--;
}

static void barrier_release(void);

static void on_client_free(struct client *c)
{
    for (size_t i = 0; i < node.n_exec_waiters; i++)
        if (node.exec_waiters[i] == c)
            node.exec_waiters[i] = node.exec_waiters[--node.n_exec_waiters];
    if (node.exec_barrier == c)
        barrier_release();
    for (size_t i = 0; i < node.nreads; i++)
        if (node.reads[i].c == c)
            node.reads[i].c = NULL;
    if (c->raft_pending == 0)
        return;
    for (size_t i = 0; i < node.qlen; i++) {
        struct pending *p = &node.q[(node.qhead + i) % node.qcap];
        if (p->c == c)
            p->c = NULL;
    }
}

/* The proposal at the queue's front is answered (reply bytes, or an
 * error when it was lost): give them to its client, in order. */
static void answer_front(const char *reply, size_t len)
{
    struct pending *p = q_front();
    struct client *c = p->c;
    q_pop();
    if (!c)
        return;
    reply_raw(c, reply, len);
    if (--c->raft_pending == 0 && (c->flags & CLIENT_BLOCKED) && server.unblock_client)
        server.unblock_client(c);
}

/* ---- leader address for redirections ---- */

static const char *client_addr_of(uint64_t id)
{
    for (int i = 0; i < server.cfg->npeers; i++)
        if ((uint64_t)server.cfg->peers[i].id == id)
            return server.cfg->peers[i].client_addr;
    return NULL;
}

/* ---- the write path ---- */

static void put_le(uint8_t *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

/* Starts an entry payload (format above) in node.enc: the header. */
static void encode_head(uint64_t now, int dbid)
{
    buf_clear(&node.enc);
    buf_reserve(&node.enc, ENTRY_HEAD);
    uint8_t *h = (uint8_t *)node.enc.data;
    h[0] = ENTRY_VERSION;
    put_le(h + 1, now, 8);
    put_le(h + 9, (uint64_t)dbid, 4);
    node.enc.len = ENTRY_HEAD;
}

/* Encodes a command as an entry payload (format above) into node.enc. */
static void encode_entry(uint64_t now, int dbid, int argc, const struct resp_arg *argv)
{
    encode_head(now, dbid);
    cmd_encode(&node.enc, argc, argv);
}

/* -MOVED to the leader, or -CLUSTERDOWN while none is known. */
static void redirect(struct client *c)
{
    uint64_t leader = raft_leader(node.r);
    const char *addr = leader != RAFT_NONE ? client_addr_of(leader) : NULL;
    if (addr && leader != raft_id(node.r))
        reply_errorf(c, "MOVED 0 %s", addr);
    else
        reply_error(c, "CLUSTERDOWN No raft leader");
}

/* A keyspace read with Raft on (thesis 6.4): linearizable by default, so
 * the leader confirms it still leads with a quorum heartbeat round
 * (ReadIndex) and serves the read once it has applied up to the commit
 * index of that moment.  All reads of one loop iteration share one round. */
static int intercept_read(struct client *c)
{
    int mode = server.cfg->raft_read_mode;
    if (node.n_voters == 1 || mode == READ_STALE)
        return RAFT_LOCAL;
    if (c->read_failed) {
        c->read_failed = 0;
        redirect(c);
        return RAFT_TAKEN;
    }
    if (raft_role(node.r) != RAFT_LEADER) {
        redirect(c);
        return RAFT_TAKEN;
    }
    /* Lease (thesis 6.4.1): a quorum that answered a ReadIndex heartbeat
     * sent after time t refuses to elect another leader before about
     * t + election timeout (core.c, the in_lease check), so until then
     * this node's state is current and reads are local.  The lease is
     * measured on the monotonic clock, not in ticks: a paused process
     * (SIGSTOP, a VM freeze) misses ticks, so a tick count would let a
     * leader deposed during the pause answer from its old state.  Without
     * a lease, a read takes the ReadIndex path, which renews it. */
    if (mode == READ_LEASE && node.lease_term == raft_term(node.r) &&
        monotonic_us() < node.lease_until_us)
        return RAFT_LOCAL;
    if (c->read_granted_epoch == c->io_epoch && c->io_epoch != 0)
        return RAFT_LOCAL;
    if (node.batch_read_ctx == 0) {
        uint64_t ctx = ++node.next_read_ctx;
        int rc = raft_read_index(node.r, ctx);
        if (rc < 0) {
            redirect(c);
            return RAFT_TAKEN;
        }
        node.batch_read_ctx = ctx;
        node.batch_asked_us = monotonic_us();
        node.read_index_requests++;
    }
    if (node.nreads == node.reads_cap) {
        node.reads_cap = node.reads_cap ? node.reads_cap * 2 : 16;
        node.reads = xrealloc(node.reads, node.reads_cap * sizeof(*node.reads));
    }
    node.reads[node.nreads++] =
        (struct read_wait){c, node.batch_read_ctx, 0, raft_term(node.r), node.batch_asked_us};
    c->read_wait_ctx = node.batch_read_ctx;
    c->read_wait_epoch = c->io_epoch;
    if (!ev_is_active(&node.wake))
        ev_idle_start(node.loop, &node.wake);
    return RAFT_RETRY;
}

/* Read states and applied entries may release waiting reads. */
static void release_reads(void)
{
    uint64_t applied = raft_applied_index(node.r);
    size_t j = 0;
    for (size_t i = 0; i < node.nreads; i++) {
        struct read_wait *w = &node.reads[i];
        if (!w->c)
            continue;
        if (w->index != 0 && w->index <= applied) {
            w->c->read_granted_epoch = w->c->read_wait_epoch;
            w->c->read_wait_ctx = 0;
            if (server.unblock_client)
                server.unblock_client(w->c);
            continue;
        }
        node.reads[j++] = *w;
    }
    node.nreads = j;
}

static void on_read_state(const struct raft_read_state *rs)
{
    for (size_t i = 0; i < node.nreads; i++) {
        struct read_wait *w = &node.reads[i];
        if (w->ctx != rs->ctx || w->index != 0)
            continue;
        if (rs->err) {
            node.read_index_failed++;
            if (w->c) {
                w->c->read_failed = 1;
                w->c->read_wait_ctx = 0;
                if (server.unblock_client)
                    server.unblock_client(w->c);
            }
            w->c = NULL;
        } else {
            node.read_index_confirmed++;
            w->index = rs->index ? rs->index : 1;
            if (raft_role(node.r) == RAFT_LEADER && raft_term(node.r) == w->term &&
                w->asked_us + node.lease_us > node.lease_until_us) {
                node.lease_term = w->term;
                node.lease_until_us = w->asked_us + node.lease_us;
            }
        }
    }
}

/* ---- transactions (docs/raft.md, Transactions) ---- */

/* c's proposal must wait until the EXEC holding the barrier has decided. */
static int barrier_wait(struct client *c)
{
    for (size_t i = 0; i < node.n_exec_waiters; i++)
        if (node.exec_waiters[i] == c)
            return RAFT_RETRY;
    if (node.n_exec_waiters == node.exec_waiters_cap) {
        node.exec_waiters_cap = node.exec_waiters_cap ? node.exec_waiters_cap * 2 : 8;
        node.exec_waiters =
            xrealloc(node.exec_waiters, node.exec_waiters_cap * sizeof(*node.exec_waiters));
    }
    node.exec_waiters[node.n_exec_waiters++] = c;
    return RAFT_RETRY;
}

static void barrier_release(void)
{
    node.exec_barrier = NULL;
    for (size_t i = 0; i < node.n_exec_waiters; i++)
        if (server.unblock_client)
            server.unblock_client(node.exec_waiters[i]);
    node.n_exec_waiters = 0;
}

/* The EXEC ends here without an entry (an error reply, or a redirection). */
static int exec_refused(struct client *c)
{
    if (node.exec_barrier == c)
        barrier_release();
    multi_discard(c);
    return RAFT_TAKEN;
}

/* EXEC: the queued commands become one entry (MULTI, the commands, EXEC),
 * applied on every node by the apply client, which watches nothing; the
 * proposer gets the EXEC's reply.  WATCH is decided here, on the leader,
 * once: with every entry of its log applied (so its keyspace is the state
 * of the whole log) and no other proposal in between (the barrier), the
 * new entry directly follows the state the decision saw.  A dirty client
 * gets its null reply without an entry. */
static int intercept_exec(struct client *c)
{
    if (c->raft_pending > 0)
        return RAFT_RETRY;
    /* EXEC without MULTI, EXECABORT: answered here by the handler. */
    if (!(c->flags & CLIENT_MULTI) || (c->flags & CLIENT_DIRTY_EXEC))
        return RAFT_LOCAL;
    if (raft_role(node.r) != RAFT_LEADER) {
        redirect(c);
        return exec_refused(c);
    }
    int64_t now = server.cmd_now_ms;
    if (multi_has_watches(c) || (c->flags & CLIENT_DIRTY_CAS)) {
        /* Already dirty: a change that was applied, hence committed. */
        if (!(c->flags & CLIENT_DIRTY_CAS)) {
            if (node.exec_barrier && node.exec_barrier != c)
                return barrier_wait(c);
            if (raft_applied_index(node.r) < raft_last_index(node.r)) {
                /* node_before_sleep() resumes c once all is applied. */
                node.exec_barrier = c;
                return RAFT_RETRY;
            }
        }
        if (multi_watch_dirty(c, now) || multi_queued_count(c) == 0) {
            if (node.exec_barrier == c)
                barrier_release();
            return RAFT_LOCAL; /* the handler answers the null array / *0 */
        }
    } else {
        if (node.exec_barrier && node.exec_barrier != c)
            return barrier_wait(c);
        if (multi_queued_count(c) == 0)
            return RAFT_LOCAL;
    }

    /* The WATCH check and the entry use one clock: the commands run on
     * every node at the time the decision was made. */
    encode_head((uint64_t)now, c->db_index);
    multi_encode(c, &node.enc);
    if (node.tp && node.enc.len > MAX_ENTRY_BYTES) {
        reply_errorf(c,
                     "ERR raft: the command is too large to replicate (%zu bytes, at most "
                     "%zu)",
                     node.enc.len, (size_t)MAX_ENTRY_BYTES);
        return exec_refused(c);
    }
    uint64_t index, term;
    int rc = raft_propose(node.r, node.enc.data, node.enc.len, &index, &term);
    if (rc == RAFT_EDROPPED) {
        reply_error(c, "BUSY the Raft log has too many uncommitted writes, try again");
        return exec_refused(c);
    }
    if (rc < 0) {
        reply_errorf(c, "ERR raft: %s", raft_strerror(rc));
        return exec_refused(c);
    }
    q_push(index, term, c);
    c->raft_pending++;
    node.proposals++;
    /* The transaction runs on the apply client: a SELECT in it must still
     * move this client, as it would without Raft.  Its next commands come
     * after the entry (reads wait for it, writes are proposed after). */
    client_select_db(c, multi_final_db(c, c->db_index));
    multi_discard(c);
    if (node.exec_barrier == c)
        barrier_release();
    if (!ev_is_active(&node.wake))
        ev_idle_start(node.loop, &node.wake);
    return RAFT_TAKEN;
}

static int intercept(struct client *c, const struct command *cmd)
{
    if (multi_is_exec(cmd))
        return intercept_exec(c);
    if (!(cmd->flags & CMD_WRITE)) {
        /* A read waits for the client's own writes, so it sees them and
         * its reply comes after theirs. */
        if (c->raft_pending > 0)
            return RAFT_RETRY;
        /* Connection and server commands run here.  Keyspace reads,
         * including those without a key argument (KEYS, SCAN, RANDOMKEY,
         * DBSIZE), follow the read mode. */
        if (!(cmd->flags & CMD_READONLY))
            return RAFT_LOCAL;
        return intercept_read(c);
    }
    if (raft_role(node.r) != RAFT_LEADER) {
        if (c->raft_pending > 0)
            return RAFT_RETRY;
        redirect(c);
        return RAFT_TAKEN;
    }
    if (cmd->flags & CMD_BLOCKING) {
        /* A blocking pop sees the client's own earlier writes, then blocks
         * here on the leader while its keys are empty (blocking.h). */
        if (c->raft_pending > 0)
            return RAFT_RETRY;
        int b = blocking_intercept(c, cmd);
        if (b != RAFT_LOCAL)
            return b;
    }
    /* An EXEC with watched keys is deciding: nothing may come between. */
    if (node.exec_barrier && node.exec_barrier != c)
        return barrier_wait(c);

    encode_entry((uint64_t)mstime(), c->db_index, c->argc, c->argv);

    /* An entry reaches the followers in one frame (a MsgApp carries at
     * least one entry): one the transport cannot carry would never
     * commit, and every later write would wait behind it for good. */
    if (node.tp && node.enc.len > MAX_ENTRY_BYTES) {
        if (c->raft_pending > 0)
            return RAFT_RETRY;
        reply_errorf(c,
                     "ERR raft: the command is too large to replicate (%zu bytes, at most "
                     "%zu)",
                     node.enc.len, (size_t)MAX_ENTRY_BYTES);
        return RAFT_TAKEN;
    }

    uint64_t index, term;
    int rc = raft_propose(node.r, node.enc.data, node.enc.len, &index, &term);
    if (rc == RAFT_EDROPPED) {
        if (c->raft_pending > 0)
            return RAFT_RETRY;
        reply_error(c, "BUSY the Raft log has too many uncommitted writes, try again");
        return RAFT_TAKEN;
    }
    if (rc < 0) {
        if (c->raft_pending > 0)
            return RAFT_RETRY;
        reply_errorf(c, "ERR raft: %s", raft_strerror(rc));
        return RAFT_TAKEN;
    }
    q_push(index, term, c);
    c->raft_pending++;
    node.proposals++;
    /* A proposal made while net.c's before-sleep rounds resume blocked
     * clients (a pipeline of writes and reads) may come after this
     * iteration's last node_before_sleep(): without this the loop would
     * sleep until the next event or tick (100 ms) with the write pending. */
    if (!ev_is_active(&node.wake))
        ev_idle_start(node.loop, &node.wake);
    return RAFT_TAKEN;
}

/* ---- apply ---- */

/* The live client of this node that proposed e, or NULL. */
static struct client *proposer_of(const struct raft_entry *e)
{
    for (size_t i = 0; i < node.qlen; i++) {
        struct pending *p = &node.q[(node.qhead + i) % node.qcap];
        if (p->index > e->index)
            break;
        if (p->index == e->index)
            return p->term == e->term ? p->c : NULL;
    }
    return NULL;
}

static void apply_entry(const struct raft_entry *e)
{
    struct client *ac = node.applyc;
    buf_clear(&ac->reply);
    /* The reply goes to the proposer as bytes: write it in that client's
     * protocol (a RESP3 client gets _ for a null, not $-1). */
    struct client *proposer = proposer_of(e);
    ac->resp = proposer ? proposer->resp : 2;
    aof_entry_begin(e->index);
    if (e->type == RAFT_ENTRY_NORMAL) {
        const uint8_t *d = e->data;
        int ok = e->len >= ENTRY_HEAD && d[0] == ENTRY_VERSION;
        uint64_t now = ok ? get_le(d + 1, 8) : 0;
        uint64_t dbid = ok ? get_le(d + 9, 4) : 0;
        size_t pos = 0;
        if (ok && client_select_db(ac, (int)dbid) == 0 &&
            aof_payload_next((const char *)d + ENTRY_HEAD, e->len - ENTRY_HEAD, &pos, &node.args) ==
                1) {
            /* Expiry decided at the proposal's time, the same on every
             * node: deleting an expired key here is deterministic. */
            server.fixed_time_ms = (int64_t)now;
            server.raft_applying = 1;
            server.raft_apply_index = e->index;
            db_set_expire_policy(1);
            /* A committed entry is applied whatever the local AOF's state:
             * refusing it (-MISCONF) would leave memory behind the log
             * while its (empty) frame marks it applied.  The AOF keeps its
             * frames in memory until the disk takes them. */
            const char *(*deny)(void) = server.deny_write;
            server.deny_write = NULL;
            /* One command, or a transaction (MULTI .. EXEC): the proposer
             * gets the reply of the last one, the EXEC's array. */
            do {
                buf_clear(&ac->reply);
                ac->argc = node.args.argc;
                ac->argv = node.args.argv;
                command_exec(ac);
                ac->argc = 0;
                ac->argv = NULL;
            } while (aof_payload_next((const char *)d + ENTRY_HEAD, e->len - ENTRY_HEAD, &pos,
                                      &node.args) == 1);
            if (ac->flags & CLIENT_MULTI)
                multi_discard(ac); /* a damaged transaction entry: no EXEC */
            server.deny_write = deny;
            db_set_expire_policy(0);
            server.raft_applying = 0;
            server.fixed_time_ms = 0;
        } else {
            /* Only this code writes entries: a bad one is a bug or a
             * damaged disk.  Apply nothing, say so, keep going. */
            log_warning("Raft entry %" PRIu64 " (term %" PRIu64 ") is malformed: not applied",
                        e->index, e->term);
            resp_add_error(&ac->reply, "ERR raft: malformed log entry", 29);
        }
    }
    aof_entry_end();
    node.applied_entries++;

    /* Answer this node's clients: proposals overtaken by this index that
     * were not this entry were lost (another leader's entry took their
     * place); the one that is this entry gets the reply. */
    struct pending *p;
    while ((p = q_front()) != NULL && p->index <= e->index) {
        if (p->index == e->index && p->term == e->term && e->type == RAFT_ENTRY_NORMAL) {
            answer_front(ac->reply.data, ac->reply.len);
        } else {
            static const char lost[] =
                "-ERR raft: the write was not committed (leadership changed), retry\r\n";
            node.lost_proposals++;
            answer_front(lost, sizeof(lost) - 1);
        }
    }
    buf_clear(&ac->reply);
}

static void fatal_storage(int rc)
{
    log_warning("Raft storage failure (%s): stopping, the node cannot go on without knowing "
                "what its disk holds",
                rstore_strerror(rc));
    exit(1);
}

void node_before_sleep(void)
{
    if (!node.on)
        return;
    while (raft_has_ready(node.r)) {
        struct raft_ready rd;
        int rc = raft_ready(node.r, &rd);
        if (rc < 0)
            fatal_storage(rc);
        /* The commit index alone need not be durable (it is recovered from
         * the AOF's last index and from the leader), so a Ready that only
         * moves it costs no fsync; it is written with the next transaction
         * (the core reports a hard state once, when it changes). */
        if (rd.has_soft_state) {
            /* Operators read elections from the log. */
            if (rd.soft_state.role == RAFT_LEADER)
                log_notice("Raft: this node is now the leader (term %" PRIu64 ")",
                           raft_term(node.r));
            else if (rd.soft_state.leader != RAFT_NONE)
                log_notice("Raft: %s, leader is node %" PRIu64 " (term %" PRIu64 ")",
                           raft_role_name(rd.soft_state.role), rd.soft_state.leader,
                           raft_term(node.r));
            else
                log_notice("Raft: %s, no leader known (term %" PRIu64 ")",
                           raft_role_name(rd.soft_state.role), raft_term(node.r));
        }
        if (rd.has_hard_state) {
            node.hs = rd.hard_state;
            node.hs_unsaved = 1;
        }
        if (rd.n_entries > 0 || (rd.has_hard_state && rd.must_sync)) {
            int64_t t0 = monotonic_us();
            rc = rstore_save(node.store, node.hs_unsaved ? &node.hs : NULL, rd.entries,
                             rd.n_entries);
            node.hs_unsaved = 0;
            node.last_save_us = monotonic_us() - t0;
            if (rc < 0)
                fatal_storage(rc);
            node.saves++;
            node.save_us_total += node.last_save_us;
        }
        /* Only after the persist: a vote or an entry acknowledged before
         * it is durable could be forgotten by a crash (Figure 2). */
        for (size_t i = 0; i < rd.n_messages && node.tp; i++)
            transport_send(node.tp, &rd.messages[i]);
        for (size_t i = 0; i < rd.n_read_states; i++)
            on_read_state(&rd.read_states[i]);
        if (rd.n_committed > 0) {
            int64_t t0 = monotonic_us();
            for (size_t i = 0; i < rd.n_committed; i++)
                apply_entry(&rd.committed_entries[i]);
            node.apply_us_total += monotonic_us() - t0;
        }
        raft_advance(node.r, &rd);
    }
    /* An EXEC with watched keys decides once the log is applied (or goes
     * elsewhere once this node no longer leads). */
    if (node.exec_barrier && server.unblock_client &&
        (raft_role(node.r) != RAFT_LEADER || raft_applied_index(node.r) == raft_last_index(node.r)))
        server.unblock_client(node.exec_barrier);
    if (node.nreads)
        release_reads();
    /* The next read asks for a new confirmation round. */
    node.batch_read_ctx = 0;
}

static void wake_cb(struct ev_loop *loop, ev_idle *w, int revents)
{
    (void)revents;
    /* The loop went round without sleeping: its before-sleep phase took
     * the pending proposals. */
    ev_idle_stop(loop, w);
}

static void tick_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)w;
    (void)revents;
    raft_tick(node.r);
}

/* ---- leader-side eviction (evict.h) ---- */

static uint64_t leader_term(void)
{
    return raft_role(node.r) == RAFT_LEADER ? raft_term(node.r) : 0;
}

/* server.raft_propose: a command the leader itself decided (RAFT.EVICT). */
static int propose_command(int dbid, int argc, const struct resp_arg *argv, uint64_t *index)
{
    if (raft_role(node.r) != RAFT_LEADER)
        return -1;
    encode_entry((uint64_t)mstime(), dbid, argc, argv);
    if (node.tp && node.enc.len > MAX_ENTRY_BYTES)
        return -1;
    uint64_t term;
    if (raft_propose(node.r, node.enc.data, node.enc.len, index, &term) < 0)
        return -1;
    if (!ev_is_active(&node.wake))
        ev_idle_start(node.loop, &node.wake);
    return 0;
}

/* ---- leader-side expiry ---- */

struct expired {
    int64_t now;
    struct resp_arg *argv; /* argv[0] is RAFT.EXPIRE; keys borrowed from the dict */
    int n, cap;            /* keys in argv[1..n] */
};

static void collect_expired(void *ud, struct dict_entry *e)
{
    struct expired *x = ud;
    if ((int64_t)(intptr_t)e->val > x->now)
        return;
    /* Every expired key of a visited bucket is taken (the cursor moves
     * past the bucket), so the batch may exceed EXPIRE_BATCH a little. */
    if (x->n + 1 >= x->cap) {
        x->cap = x->cap ? x->cap * 2 : EXPIRE_BATCH * 2;
        x->argv = xrealloc(x->argv, (size_t)x->cap * sizeof(*x->argv));
    }
    x->argv[x->n + 1].ptr = e->key;
    x->argv[x->n + 1].len = e->klen;
    x->n++;
}

static void propose_expire(int dbid, struct expired *x)
{
    x->argv[0].ptr = "RAFT.EXPIRE";
    x->argv[0].len = 11;
    encode_entry((uint64_t)x->now, dbid, x->n + 1, x->argv);
    uint64_t index, term;
    /* The keys are copied into the entry: the dict may change after. */
    raft_propose(node.r, node.enc.data, node.enc.len, &index, &term);
    x->n = 0;
}

void node_cron(void)
{
    if (!node.on || raft_role(node.r) != RAFT_LEADER)
        return;
    /* No entry may come between an EXEC's WATCH check and its entry. */
    if (node.exec_barrier)
        return;
    /* Expired keys are deleted through the log, so every node deletes the
     * same keys at the same point of the history.  The scan resumes where
     * it stopped (a scan from the start each tick would never reach the
     * keys past its first buckets in a big table). */
    struct expired x = {.now = mstime()};
    for (int i = 0; i < server.ndbs; i++) {
        struct db *db = server.dbs[i];
        if (db_expires_size(db) == 0) {
            node.expire_cursor[i] = 0;
            continue;
        }
        uint64_t cursor = node.expire_cursor[i];
        int entries = 0;
        for (int b = 0; b < EXPIRE_BUCKETS && entries < EXPIRE_ENTRIES; b++) {
            cursor = dict_scan(db->expires, cursor, collect_expired, &x);
            if (x.n >= EXPIRE_BATCH) {
                propose_expire(i, &x);
                entries++;
            }
            if (cursor == 0)
                break; /* a whole sweep: the rest waits for the next tick */
        }
        if (x.n > 0)
            propose_expire(i, &x);
        node.expire_cursor[i] = cursor;
    }
    free(x.argv);
}

/* ---- INFO raft ---- */

static void info_raft(struct buf *b)
{
    uint64_t entries = rstore_entry_count(node.store);
    uint64_t disk = 0;
    rstore_disk_size(node.store, &disk);
    uint64_t leader = raft_leader(node.r);
    const char *laddr = leader != RAFT_NONE ? client_addr_of(leader) : NULL;
    buf_printf(b,
               "raft_enabled:1\r\n"
               "raft_node_id:%" PRIu64 "\r\n"
               "raft_role:%s\r\n"
               "raft_term:%" PRIu64 "\r\n"
               "raft_voted_for:%" PRIu64 "\r\n"
               "raft_leader_id:%" PRIu64 "\r\n"
               "raft_leader_addr:%s\r\n"
               "raft_commit_index:%" PRIu64 "\r\n"
               "raft_applied_index:%" PRIu64 "\r\n"
               "raft_first_log_index:%" PRIu64 "\r\n"
               "raft_last_log_index:%" PRIu64 "\r\n"
               "raft_last_log_term:%" PRIu64 "\r\n"
               "raft_log_entries:%" PRIu64 "\r\n"
               "raft_db_bytes:%" PRIu64 "\r\n"
               "raft_aof_last_index:%" PRIu64 "\r\n"
               "raft_proposals:%lld\r\n"
               "raft_applied_entries:%lld\r\n"
               "raft_lost_proposals:%lld\r\n"
               "raft_pending_proposals:%zu\r\n"
               "raft_last_save_usec:%lld\r\n"
               "raft_saves:%lld\r\n"
               "raft_save_usec_total:%lld\r\n"
               "raft_apply_usec_total:%lld\r\n"
               "raft_read_mode:%s\r\n"
               "raft_read_index_requests:%lld\r\n"
               "raft_read_index_confirmed:%lld\r\n"
               "raft_read_index_failed:%lld\r\n"
               "raft_peers:%zu\r\n",
               raft_id(node.r), raft_role_name(raft_role(node.r)), raft_term(node.r),
               raft_vote(node.r), leader, laddr ? laddr : "", raft_commit_index(node.r),
               raft_applied_index(node.r), raft_first_index(node.r), raft_last_index(node.r),
               raft_last_term(node.r), entries, disk,
               server.cfg->aof_enabled ? aof_last_raft_index() : 0, node.proposals,
               node.applied_entries, node.lost_proposals, node.qlen, (long long)node.last_save_us,
               node.saves, (long long)node.save_us_total, (long long)node.apply_us_total,
               server.cfg->raft_read_mode == READ_STALE   ? "stale"
               : server.cfg->raft_read_mode == READ_LEASE ? "lease"
                                                          : "linearizable",
               node.read_index_requests, node.read_index_confirmed, node.read_index_failed,
               raft_peer_count(node.r));
    for (size_t i = 0; i < raft_peer_count(node.r); i++) {
        struct raft_peer_info pi;
        raft_peer_info(node.r, i, &pi);
        const char *addr = client_addr_of(pi.id);
        struct transport_peer_info ti = {0};
        int have_ti =
            node.tp && pi.id != raft_id(node.r) && transport_peer_info(node.tp, pi.id, &ti) == 0;
        int64_t since = have_ti && ti.last_contact_ms >= 0 ? ti.last_contact_ms : -1;
        buf_printf(b,
                   "raft_peer%zu:id=%" PRIu64 ",addr=%s,match=%" PRIu64 ",next=%" PRIu64
                   ",state=%s,inflight=%zu,active=%d,self=%d,connected=%s,"
                   "last_contact_ms=%lld,queued_bytes=%zu,reconnects=%" PRIu64
                   ",auth_failures=%" PRIu64 "\r\n",
                   i, pi.id, addr ? addr : "", pi.match, pi.next,
                   raft_progress_state_name(pi.state), pi.inflight, pi.recent_active ? 1 : 0,
                   pi.id == raft_id(node.r),
                   pi.id == raft_id(node.r)              ? "self"
                   : !have_ti                            ? "no"
                   : ti.connected_out && ti.connected_in ? "both"
                   : ti.connected_out                    ? "out"
                   : ti.connected_in                     ? "in"
                                                         : "no",
                   (long long)since, ti.queued_bytes, ti.reconnects, ti.auth_failures);
    }
}

/* ---- the cluster ---- */

static void on_message(void *ud, struct raft_msg *m)
{
    (void)ud;
    int rc = raft_step(node.r, m);
    if (rc == RAFT_ECORRUPT)
        log_warning("Raft: %s from node %" PRIu64 " would overwrite a committed entry: ignored "
                    "(a bug, or a peer with a damaged disk)",
                    raft_msg_type_name(m->type), m->from);
    else if (rc < 0 && rc != RAFT_EMSG)
        log_verbose("Raft: %s from node %" PRIu64 ": %s", raft_msg_type_name(m->type), m->from,
                    raft_strerror(rc));
    raft_msg_free(m);
}

static void on_peer_state(void *ud, uint64_t peer, int event)
{
    (void)ud;
    if (event == TRANSPORT_PEER_UP) {
        log_notice("Raft: connected to node %" PRIu64, peer);
        return;
    }
    if (event == TRANSPORT_PEER_DOWN)
        log_notice("Raft: lost the connection to node %" PRIu64, peer);
    struct raft_msg m = {.type = RAFT_MSG_UNREACHABLE, .from = peer, .to = raft_id(node.r)};
    raft_step(node.r, &m);
}

static int set_blocked(uint64_t peer, int blocked)
{
    if (!node.tp)
        return -1;
    log_warning("Fault injection: traffic with node %" PRIu64 " %s", peer,
                blocked ? "blocked" : "restored");
    return transport_set_blocked(node.tp, peer, blocked != 0) < 0 ? -1 : 0;
}

/* ---- life cycle ---- */

int node_start(struct ev_loop *loop)
{
    struct config *cfg = server.cfg;
    if (!cfg->raft_enabled)
        return 0;
    uint64_t id = (uint64_t)cfg->raft_node_id;
    /* The voters: raft.peers (which names this node too), or this node
     * alone. */
    uint64_t peers[CONFIG_MAX_PEERS + 1];
    size_t npeers = 0;
    peers[npeers++] = id;
    for (int i = 0; i < cfg->npeers; i++)
        if ((uint64_t)cfg->peers[i].id != id)
            peers[npeers++] = (uint64_t)cfg->peers[i].id;
    node.n_voters = npeers;
    int rc = rstore_open(cfg->raft_dir, &node.store);
    if (rc < 0) {
        log_warning("Can't open the Raft store in %s: %s", cfg->raft_dir, rstore_strerror(rc));
        return -1;
    }
    rc = rstore_check_node_id(node.store, id);
    struct raft_start_state st;
    if (rc == 0)
        rc = rstore_load(node.store, &st);
    if (rc < 0) {
        log_warning("Can't load the Raft state from %s: %s", cfg->raft_dir, rstore_strerror(rc));
        goto fail;
    }
    st.applied = cfg->aof_enabled ? aof_last_raft_index() : 0;
    if (st.applied > st.last_index) {
        log_warning("The AOF holds Raft entries up to index %" PRIu64 " but the Raft log in "
                    "%s ends at %" PRIu64 ": the Raft directory does not belong with this "
                    "AOF. Refusing to start.",
                    st.applied, cfg->raft_dir, st.last_index);
        goto fail;
    }
    if (st.applied + 1 < st.first_index) {
        log_warning("The Raft log in %s starts at index %" PRIu64 " but the AOF only holds "
                    "entries up to %" PRIu64 ": refusing to start.",
                    cfg->raft_dir, st.first_index, st.applied);
        goto fail;
    }
    /* The AOF holds only applied, hence committed, entries: the commit
     * index (not fsynced on its own) is at least that. */
    if (st.hs.commit < st.applied)
        st.hs.commit = st.applied;

    int eticks = (int)(cfg->raft_election_timeout_ms / cfg->raft_heartbeat_ms);
    /* A follower's election_elapsed reaches election_tick at least
     * (election_tick - 1) heartbeats after it heard from the leader (its
     * first tick may come at once; libev never fires a timer early); a
     * tenth of the election timeout is left for clock rate differences
     * and scheduling.  0 or less: no lease, every read confirms. */
    node.lease_us = ((int64_t)((eticks < 2 ? 2 : eticks) - 1) * cfg->raft_heartbeat_ms -
                     cfg->raft_election_timeout_ms / 10) *
                    1000;
    node.lease_until_us = 0;
    node.lease_term = 0;
    struct raft_config rcfg = {
        .id = id,
        .peers = peers,
        .n_peers = npeers,
        .election_tick = eticks < 2 ? 2 : eticks,
        .heartbeat_tick = 1,
        .pre_vote = true,
        .check_quorum = true,
        .max_inflight_msgs = 256,
        .max_size_per_msg = 1024 * 1024,
        .max_committed_size_per_ready = 16 * 1024 * 1024,
        .max_uncommitted_size = 0,
        .rand_seed = rand_u64(),
    };
    struct raft_storage stor = rstore_raft_storage(node.store);
    rc = raft_new(&rcfg, &stor, &st, &node.r);
    if (rc < 0) {
        log_warning("Can't start the Raft core: %s", raft_strerror(rc));
        goto fail;
    }
    node.applyc = client_create(-1);
    node.applyc->authenticated = 1;
    node.expire_cursor = xcalloc((size_t)server.ndbs, sizeof(*node.expire_cursor));
    aof_argv_init(&node.args);
    node.on = 1;
    node.loop = loop;
    node.started_ms = mstime();
    /* Outside apply, expired keys are only hidden (node.h). */
    db_set_expire_policy(0);
    server.raft_intercept = intercept;
    server.info_raft = info_raft;
    server.on_client_free = on_client_free;
    server.raft_leader_term = leader_term;
    server.raft_propose = propose_command;

    if (npeers == 1) {
        /* A single voter need not wait for an election timeout. */
        struct raft_msg hup = {.type = RAFT_MSG_HUP, .from = id, .to = id};
        raft_step(node.r, &hup);
    } else {
        struct transport_peer_addr addrs[CONFIG_MAX_PEERS];
        size_t naddrs = 0;
        for (int i = 0; i < cfg->npeers; i++)
            if ((uint64_t)cfg->peers[i].id != id)
                addrs[naddrs++] = (struct transport_peer_addr){(uint64_t)cfg->peers[i].id,
                                                               cfg->peers[i].raft_addr};
        struct transport_config tcfg = {
            .self_id = id,
            .listen_addr = cfg->raft_listen,
            .listen_fd = -1,
            .peers = addrs,
            .n_peers = naddrs,
            .secret = cfg->raft_secret,
        };
        struct transport_callbacks cbs = {.on_message = on_message, .on_peer_state = on_peer_state};
        rc = transport_start(loop, &tcfg, &cbs, NULL, &node.tp);
        if (rc < 0) {
            log_warning("Can't start the Raft transport on %s: %s", cfg->raft_listen,
                        strerror(-rc));
            raft_free(node.r);
            node.r = NULL;
            client_free(node.applyc);
            node.applyc = NULL;
            node.on = 0;
            server.raft_intercept = NULL;
            server.info_raft = NULL;
            server.on_client_free = NULL;
            server.raft_leader_term = NULL;
            server.raft_propose = NULL;
            goto fail;
        }
        if (getenv("RAFTCACHE_FAULT_INJECTION") &&
            strcmp(getenv("RAFTCACHE_FAULT_INJECTION"), "1") == 0) {
            log_warning("Fault injection enabled (RAFTCACHE_FAULT_INJECTION=1): RAFT.BLOCK "
                        "can cut this node off from its peers. Never in production.");
            server.raft_set_blocked = set_blocked;
        }
    }

    double period = (double)cfg->raft_heartbeat_ms / 1000.0;
    ev_timer_init(&node.tick, tick_cb, period, period);
    ev_timer_start(loop, &node.tick);
    ev_idle_init(&node.wake, wake_cb);
    log_notice("Raft node %" PRIu64 " started: term %" PRIu64 ", log %" PRIu64 "..%" PRIu64
               ", commit %" PRIu64 ", AOF holds up to %" PRIu64 " (store %s)",
               id, st.hs.term, st.first_index, st.last_index, st.hs.commit, st.applied,
               cfg->raft_dir);
    return 0;
fail:
    rstore_close(node.store);
    node.store = NULL;
    return -1;
}

void node_stop(void)
{
    if (!node.on)
        return;
    ev_timer_stop(node.loop, &node.tick);
    ev_idle_stop(node.loop, &node.wake);
    transport_stop(node.tp);
    node.tp = NULL;
    free(node.reads);
    node.reads = NULL;
    node.nreads = node.reads_cap = 0;
    free(node.exec_waiters);
    node.exec_waiters = NULL;
    node.n_exec_waiters = node.exec_waiters_cap = 0;
    node.exec_barrier = NULL;
    server.raft_set_blocked = NULL;
    /* Whatever was proposed but not applied gets no reply: the clients are
     * being closed. */
    raft_free(node.r);
    node.r = NULL;
    rstore_close(node.store);
    node.store = NULL;
    client_free(node.applyc);
    node.applyc = NULL;
    aof_argv_free(&node.args);
    buf_free(&node.enc);
    free(node.q);
    node.q = NULL;
    free(node.expire_cursor);
    node.expire_cursor = NULL;
    node.qlen = node.qcap = node.qhead = 0;
    server.raft_intercept = NULL;
    server.info_raft = NULL;
    server.on_client_free = NULL;
    server.raft_leader_term = NULL;
    server.raft_propose = NULL;
    node.on = 0;
}
