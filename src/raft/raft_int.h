/* raft_int: the core's private structures, shared by the files of src/raft/.
 *
 * One concern per file; a function's prefix names its file:
 *   log.c        rlog_*      the log: term index, entries in memory, storage view
 *   progress.c   progress_*  a follower's replication progress (leader side)
 *   election.c   election_*  campaigns and votes (paper 5.2, 5.4.1; thesis 9.6)
 *   replication.c repl_*     AppendEntries and heartbeats (paper 5.3, 5.4.2)
 *   read_index.c readidx_*   ReadIndex (thesis 6.4)
 *   core.c       core_*      roles, tick, step dispatch, the public API
 *   ready.c      ready_*     the output queue, Ready and Advance
 * Nothing here is visible outside src/raft/.
 */
#ifndef RC_RAFT_INT_H
#define RC_RAFT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "raft/raft.h"

/* ---- log.c ----
 *
 * The log is [first, last].  Every entry's term is known from memory (a list
 * of term runs: the log's terms never decrease, so a run per term suffices);
 * entry contents live in memory for the tail [mem_first, last] and in stable
 * storage for [first, stable_last].  Invariants:
 *   first - 1 <= applied <= committed <= last
 *   stable_last <= last, and mem_first <= stable_last + 1: whatever is not
 *   yet persisted is in memory;
 *   committed entries are never truncated. */
struct term_run {
    uint64_t start; /* first index of the run */
    uint64_t term;
};

struct rlog {
    struct raft_storage st;
    uint64_t first;       /* first index in the log */
    uint64_t snap_term;   /* term of entry first - 1 (0 if first == 1) */
    uint64_t last;        /* last index */
    uint64_t stable_last; /* entries <= stable_last are persisted */
    uint64_t committed;
    uint64_t applied;
    struct term_run *runs; /* covering [first, last], start ascending */
    size_t n_runs, cap_runs;
    /* entries in memory: mem[mem_head .. mem_head + mem_n) are the indexes
     * last - mem_n + 1 .. last; each owns its data */
    struct raft_entry *mem;
    size_t mem_head, mem_n, mem_cap;
    /* committed entries read back from storage for the outstanding Ready */
    struct raft_entry *scratch;
    size_t n_scratch, cap_scratch;
};

int rlog_init(struct rlog *l, const struct raft_storage *st, const struct raft_start_state *s);
void rlog_free(struct rlog *l);
uint64_t rlog_mem_first(const struct rlog *l);
/* 0 and *term for first - 1 <= i <= last; RAFT_EUNAVAILABLE otherwise. */
int rlog_term(const struct rlog *l, uint64_t i, uint64_t *term);
/* The term of i, or 0 when unavailable (a term no entry has). */
uint64_t rlog_term_or0(const struct rlog *l, uint64_t i);
uint64_t rlog_last_term(const struct rlog *l);
bool rlog_match_term(const struct rlog *l, uint64_t i, uint64_t term);
/* Paper 5.4.1: a candidate's log (lasti, term) is at least as up-to-date. */
bool rlog_is_up_to_date(const struct rlog *l, uint64_t lasti, uint64_t term);
/* The largest j <= index whose term is <= term, and its term in *jterm
 * (j = first - 1 at worst; index itself when it is beyond last). */
uint64_t rlog_find_conflict_by_term(const struct rlog *l, uint64_t index, uint64_t term,
                                    uint64_t *jterm);
/* Appends copies of ents (consecutive; ents[0].index <= last + 1, above
 * committed), first truncating the log from ents[0].index. */
void rlog_append(struct rlog *l, const struct raft_entry *ents, size_t n);
/* Leader: appends one entry of `term` at last + 1 taking ownership of data
 * (xmalloc'd, or NULL when len == 0). */
void rlog_append_owned(struct rlog *l, uint64_t term, uint8_t type, uint8_t *data, uint32_t len);
/* Figure 2, AppendEntries receiver steps 2-5.  Returns 1 (accepted; *lastnew
 * = index + n), 0 (no entry (index, log_term): reject), RAFT_ECORRUPT (would
 * truncate a committed entry; nothing changed). */
int rlog_maybe_append(struct rlog *l, uint64_t index, uint64_t log_term, uint64_t commit,
                      const struct raft_entry *ents, size_t n, uint64_t *lastnew);
void rlog_commit_to(struct rlog *l, uint64_t c);
/* Figure 8: commits up to mci only if entry mci is of the leader's term. */
bool rlog_maybe_commit(struct rlog *l, uint64_t mci, uint64_t term);
/* Builds m->entries (one block) with entries lo.. up to max_bytes (one at
 * least) from memory or storage.  Returns 0, RAFT_EUNAVAILABLE, or
 * RAFT_ESTORAGE. */
int rlog_fill_msg(struct rlog *l, uint64_t lo, uint64_t max_bytes, struct raft_msg *m);
/* The committed entries after applied, up to max_bytes (0 = no limit; one
 * entry at least): borrowed until rlog_release_scratch(). */
int rlog_next_committed(struct rlog *l, uint64_t max_bytes, const struct raft_entry **out,
                        size_t *n);
void rlog_release_scratch(struct rlog *l);
/* After a Ready: entries through index are persisted; the state machine
 * applied through applied.  Drops from memory what is both. */
void rlog_stable_to(struct rlog *l, uint64_t index);
void rlog_applied_to(struct rlog *l, uint64_t applied);
/* The entry at i if its contents are in memory, else NULL. */
const struct raft_entry *rlog_mem_entry(const struct rlog *l, uint64_t i);

/* ---- progress.c ---- */

/* The indexes of the in-flight MsgApps to one follower: a ring. */
struct inflights {
    uint64_t *buf;
    size_t start, count, cap;
};

struct progress {
    uint64_t id;
    uint64_t match, next;
    int state;          /* enum raft_progress_state */
    bool probe_sent;    /* probe state: a MsgApp is out, wait */
    bool recent_active; /* heard from since the last quorum check */
    uint64_t pending_snapshot;
    struct inflights ins;
    int8_t vote; /* election: 0 no answer, 1 granted, -1 rejected */
};

void progress_init(struct progress *pr, uint64_t id, size_t max_inflight);
void progress_free(struct progress *pr);
void progress_reset(struct progress *pr, uint64_t last);
void progress_become_probe(struct progress *pr);
void progress_become_replicate(struct progress *pr);
void progress_become_snapshot(struct progress *pr, uint64_t snap_index);
/* An acknowledgement of n: true if match moved. */
bool progress_maybe_update(struct progress *pr, uint64_t n);
/* A rejection of the MsgApp whose prevLogIndex was `rejected`; false when
 * stale (already known or out of order). */
bool progress_maybe_decr_to(struct progress *pr, uint64_t rejected, uint64_t match_hint);
bool progress_is_paused(const struct progress *pr);
/* A MsgApp carrying n entries ending at last was sent. */
void progress_sent(struct progress *pr, size_t n, uint64_t last);
void inflights_free_le(struct inflights *in, uint64_t index);
void inflights_free_first(struct inflights *in);
bool inflights_full(const struct inflights *in);

/* ---- the node ---- */

struct read_req {
    uint64_t ctx;
    uint64_t index;
    uint64_t acks; /* bit i: peers[i] answered a heartbeat carrying ctx */
};

struct raft {
    uint64_t id;
    int election_tick, heartbeat_tick;
    bool pre_vote, check_quorum;
    uint64_t max_size_per_msg, max_committed_size, max_uncommitted_size;

    struct progress *peers; /* the voters, this node included */
    size_t n_peers;
    size_t self; /* index of this node in peers */

    uint64_t term, vote, lead;
    int role;
    struct rlog log;

    int election_elapsed;  /* ticks since the last reset (leader: since the
                              last quorum check) */
    int heartbeat_elapsed; /* leader */
    int randomized_timeout;
    uint64_t rng;

    bool bcast_pending;        /* leader: new entries not yet sent */
    bool commit_bcast_pending; /* leader: the commit index moved */
    uint64_t uncommitted_size; /* leader: data bytes above commit, this term */

    /* read_index.c */
    struct read_req *reads; /* confirmed-pending, FIFO */
    size_t n_reads, cap_reads;
    uint64_t *gated; /* waiting for the leader's first commit of its term */
    size_t n_gated, cap_gated;

    /* ready.c: output accumulated until the next Ready */
    struct raft_msg *msgs;
    size_t n_msgs, cap_msgs;
    struct raft_read_state *read_states;
    size_t n_read_states, cap_read_states;
    struct raft_hard_state prev_hs; /* as last handed out (persisted) */
    struct raft_soft_state prev_ss;
    bool in_ready;
    int err; /* sticky RAFT_ESTORAGE */
};

/* core.c */
struct progress *core_peer(struct raft *r, uint64_t id);
size_t core_quorum(const struct raft *r);
void core_become_follower(struct raft *r, uint64_t term, uint64_t lead);
void core_become_pre_candidate(struct raft *r);
void core_become_candidate(struct raft *r);
void core_become_leader(struct raft *r);
void core_fail(struct raft *r, int err);

/* ready.c */
/* Queues m (ownership of m->entries moves to the queue); fills from and,
 * unless set (votes carry their own), term. */
void ready_send(struct raft *r, struct raft_msg *m);
void ready_read_state(struct raft *r, uint64_t ctx, uint64_t index, int err);

/* election.c */
void election_hup(struct raft *r);
void election_campaign(struct raft *r, bool pre);
void election_handle_request(struct raft *r, const struct raft_msg *m);
void election_handle_response(struct raft *r, const struct raft_msg *m);

/* replication.c */
bool repl_send_append(struct raft *r, struct progress *pr, bool send_if_empty);
void repl_bcast_append(struct raft *r, bool send_if_empty);
void repl_bcast_heartbeat(struct raft *r, uint64_t ctx);
bool repl_maybe_commit(struct raft *r);
int repl_handle_append(struct raft *r, const struct raft_msg *m);
void repl_handle_heartbeat(struct raft *r, const struct raft_msg *m);
void repl_handle_append_resp(struct raft *r, struct progress *pr, const struct raft_msg *m);
void repl_handle_heartbeat_resp(struct raft *r, struct progress *pr, const struct raft_msg *m);
/* Leader: the entries up to stable_last are on this node's disk. */
void repl_self_persisted(struct raft *r);
bool repl_committed_in_term(const struct raft *r);

/* read_index.c */
int readidx_request(struct raft *r, uint64_t ctx);
void readidx_ack(struct raft *r, size_t peer, uint64_t ctx);
void readidx_release_gated(struct raft *r);
uint64_t readidx_last_ctx(const struct raft *r);
void readidx_reset(struct raft *r);
void readidx_free(struct raft *r);

#endif
