/* raft: the Raft consensus core, a deterministic state machine with no I/O.
 *
 * Model: etcd's raft (RawNode: Tick, Step, Propose, Ready, Advance).  The core
 * never touches a socket, a file, a clock or a thread, and draws no random
 * number of its own: it is driven by
 *   - raft_tick()     one logical tick (the server calls it every heartbeat
 *                     period; the election timeout is counted in ticks);
 *   - raft_step()     one message from a peer, or a local request;
 *   - raft_propose()  a new command (leader only);
 *   - raft_read_index() a linearizable read (leader only, thesis 6.4);
 * and it hands back, through raft_ready(), what the server must do:
 *   1. persist rd.hard_state and rd.entries, atomically (one transaction,
 *      one fsync when rd.must_sync), truncating the stored log from
 *      rd.entries[0].index first;
 *   2. only then send rd.messages;
 *   3. apply rd.committed_entries in order, and answer rd.read_states once
 *      the applied index reaches their index;
 *   4. call raft_advance().
 * The same inputs in the same order give the same outputs: that is what the
 * cluster simulator in tests/sim/ relies on.
 *
 * References: "In Search of an Understandable Consensus Algorithm (Extended
 * Version)", Ongaro & Ousterhout 2014 (the "paper": Figure 2 is the protocol,
 * Figure 3 its properties, Figure 8 the commitment rule) and Ongaro's thesis
 * "Consensus: Bridging Theory and Practice" 2014 (PreVote 9.6, CheckQuorum
 * 6.2 / 9.6, ReadIndex 6.4).  docs/raft.md describes the interface and what
 * the simulator checks.
 *
 * Errors: functions return 0 or a negative RAFT_E* code (raft_strerror()
 * names them).  A storage read failure is sticky: every later call returns
 * RAFT_ESTORAGE and the server must stop the node.  Misuse of the API by the
 * caller (a broken precondition stated below) asserts; bytes from the network
 * never do (see raft_msg_decode()).
 *
 * Threads: none.  A struct raft is used by one thread at a time.
 */
#ifndef RC_RAFT_H
#define RC_RAFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "No node": node ids are nonzero. */
#define RAFT_NONE 0

/* At most this many voters (ReadIndex acknowledgements are a bitmask). */
#define RAFT_MAX_PEERS 64

/* ---- return codes ----
 * Far from -errno values so that one int can carry either. */
enum raft_code {
    RAFT_OK = 0,
    RAFT_ENOTLEADER = -3001,   /* not the leader: raft_leader() names it, if known */
    RAFT_EDROPPED = -3002,     /* proposal refused (uncommitted-size limit) */
    RAFT_EINVAL = -3003,       /* bad config, bad start state or bad argument */
    RAFT_ESTORAGE = -3004,     /* a storage read failed (sticky) */
    RAFT_EUNAVAILABLE = -3005, /* storage: the entry was compacted away */
    RAFT_EMSG = -3006,         /* a peer's message is inconsistent: ignored */
    RAFT_ECORRUPT = -3007,     /* a message asks to overwrite a committed entry: ignored */
    RAFT_ENOTSUP = -3008,      /* message type not implemented yet (snapshots) */
    RAFT_ENOMEM = -3009,       /* decoder: out of memory for a peer-sized message */
    /* message codec (raft_msg_decode); every one means "close that connection" */
    RAFT_EMSG_VERSION = -3020,   /* unknown format version */
    RAFT_EMSG_TOO_LARGE = -3021, /* frame longer than the caller's limit */
    RAFT_EMSG_CHECKSUM = -3022,  /* CRC32C mismatch */
    RAFT_EMSG_MALFORMED = -3023, /* intact frame, impossible content */
};

/* Text for a raft_code (or "unknown error"); static storage. */
const char *raft_strerror(int code);

/* ---- log entries ---- */

enum raft_entry_type {
    RAFT_ENTRY_NORMAL = 0, /* a command for the state machine */
    RAFT_ENTRY_NOOP = 1,   /* appended by each new leader (paper 8); apply skips it */
};

struct raft_entry {
    uint64_t term;
    uint64_t index;
    uint8_t type;  /* enum raft_entry_type */
    uint32_t len;  /* bytes of data */
    uint8_t *data; /* NULL when len == 0; ownership: see each use */
};

/* The state that must be durable before any message is sent (Figure 2,
 * "Persistent state on all servers", plus the commit index so a restarted
 * node re-applies without waiting for a leader). */
struct raft_hard_state {
    uint64_t term;   /* currentTerm */
    uint64_t vote;   /* votedFor in term, RAFT_NONE if none */
    uint64_t commit; /* highest index known committed */
};

/* ---- messages ----
 * The wire numbers are fixed (msg.c encodes them).  "local" messages are
 * only ever given to raft_step() by the server itself (term 0) and are never
 * sent nor decoded. */
enum raft_msg_type {
    RAFT_MSG_HUP = 1,      /* local: start an election now */
    RAFT_MSG_BEAT = 2,     /* local: leader, send heartbeats now */
    RAFT_MSG_PROP = 3,     /* local: propose entries (raft_propose() wraps it) */
    RAFT_MSG_APP = 4,      /* AppendEntries: index/log_term = prevLogIndex/Term,
                              entries, commit = leaderCommit */
    RAFT_MSG_APP_RESP = 5, /* index = last index now matching (or the rejected
                              prevLogIndex when reject); reject_hint/log_term =
                              the follower's guess of the last matching entry */
    RAFT_MSG_VOTE = 6,     /* RequestVote: index/log_term = lastLogIndex/Term */
    RAFT_MSG_VOTE_RESP = 7,
    RAFT_MSG_PRE_VOTE = 8, /* as VOTE, with term = candidate's term + 1 (thesis 9.6) */
    RAFT_MSG_PRE_VOTE_RESP = 9,
    RAFT_MSG_HEARTBEAT = 10,      /* commit = min(follower's match, leaderCommit); ctx */
    RAFT_MSG_HEARTBEAT_RESP = 11, /* ctx echoed: a ReadIndex acknowledgement */
    RAFT_MSG_READ_INDEX = 12,     /* local: raft_read_index() wraps it (ctx) */
    RAFT_MSG_SNAP = 13,           /* InstallSnapshot: index/log_term of the snapshot
                                     (stub: sent, not yet handled on receipt) */
    RAFT_MSG_SNAP_STATUS = 14,    /* local: from = peer; reject = the send failed */
    RAFT_MSG_UNREACHABLE = 15,    /* local: from = peer the transport lost */
    RAFT_MSG_TIMEOUT_NOW = 16,    /* reserved for leadership transfer */
};

struct raft_msg {
    uint8_t type; /* enum raft_msg_type */
    bool reject;
    uint64_t from;
    uint64_t to;
    uint64_t term; /* 0 for local messages */
    uint64_t log_term;
    uint64_t index;
    uint64_t commit;
    uint64_t reject_hint;
    uint64_t ctx; /* ReadIndex context; 0 = none */
    size_t n_entries;
    /* APP and PROP only; consecutive indexes starting at index + 1 (APP).
     * A message built by the core or by raft_msg_decode() owns one block:
     * entries[] followed by all the entries' data; raft_msg_free() frees it.
     * raft_step() borrows a message and copies what it keeps. */
    struct raft_entry *entries;
};

/* Frees m->entries (the message itself is the caller's); NULL-safe. */
void raft_msg_free(struct raft_msg *m);
/* "MsgApp", "MsgVoteResp", ... or "MsgUnknown"; static storage. */
const char *raft_msg_type_name(int type);

/* ---- stable storage: the server's read interface ----
 * The core never writes storage; it reads through these two calls the
 * entries that left its memory (raft_advance() drops persisted entries once
 * applied).  Ownership: ctx is the server's.
 *
 * term(): the term of entry `index`, for first_index - 1 <= index <=
 *   last_index (first_index - 1 names the snapshot's last entry; the core
 *   never asks for index 0).  Called only by raft_new().  Returns 0, or a
 *   negative code (any failure is fatal to raft_new()).
 * entries(): calls visit(arg, e) for the stored entries lo .. hi - 1 in
 *   index order, with no gap, and stops early (returning 0) as soon as
 *   visit returns nonzero.  Each e, and e->data, are borrowed for the
 *   duration of that visit call only.  Returns 0; RAFT_EUNAVAILABLE when lo
 *   is below the first stored index (compacted); any other negative value is
 *   a read failure (the core turns it into the sticky RAFT_ESTORAGE). */
typedef int (*raft_entry_visit_fn)(void *arg, const struct raft_entry *e);
struct raft_storage {
    void *ctx;
    int (*term)(void *ctx, uint64_t index, uint64_t *term);
    int (*entries)(void *ctx, uint64_t lo, uint64_t hi, raft_entry_visit_fn visit, void *arg);
};

/* What the node loaded from storage at start. */
struct raft_start_state {
    struct raft_hard_state hs; /* as last persisted; all zero on first boot */
    uint64_t first_index;      /* first stored entry; 1 unless the log was compacted */
    uint64_t last_index;       /* last stored entry; first_index - 1 if none */
    uint64_t applied;          /* highest index the state machine already holds
                                  (the AOF's last Raft index); first_index - 1 <=
                                  applied <= hs.commit */
};

/* ---- configuration ---- */

struct raft_config {
    uint64_t id;                           /* this node, nonzero, in peers */
    const uint64_t *peers;                 /* every voter, this node included (copied) */
    size_t n_peers;                        /* 1 .. RAFT_MAX_PEERS, no duplicates, no RAFT_NONE */
    int election_tick;                     /* election timeout in ticks (e.g. 10); the
                                              randomized timeout is drawn in
                                              [election_tick, 2 * election_tick) */
    int heartbeat_tick;                    /* leader heartbeat period (e.g. 1) < election_tick */
    bool pre_vote;                         /* thesis 9.6: a node must win a pre-election
                                              before it bumps its term */
    bool check_quorum;                     /* thesis 6.2: a leader that has not heard from a
                                              quorum for an election timeout steps down, and a
                                              node that heard from a leader within the election
                                              timeout ignores (pre)votes (the "leader lease") */
    size_t max_inflight_msgs;              /* >= 1: pipelined MsgApps per follower */
    uint64_t max_size_per_msg;             /* entry bytes per MsgApp (one entry at least;
                                              0 = one entry per message) */
    uint64_t max_committed_size_per_ready; /* entry bytes per rd.committed_entries
                                              (one entry at least; 0 = no limit) */
    uint64_t max_uncommitted_size;         /* leader: refuse proposals (RAFT_EDROPPED)
                                              while this many bytes are uncommitted
                                              (0 = no limit) */
    uint64_t rand_seed; /* seeds the election-timeout PRNG: give each node its own */
};

/* ---- life cycle ---- */

struct raft;

/* Creates a node from its persisted state: a follower of hs.term that
 * remembers hs.vote, with commit = hs.commit and applied = st->applied.
 * Reads the terms of the stored log through storage->term() (a few calls:
 * O(number of distinct terms * log2(entries))).  storage is copied; its ctx
 * must outlive the node.  Returns 0 and *out (free with raft_free), or
 * RAFT_EINVAL (bad config, or a start state that contradicts itself) or
 * RAFT_ESTORAGE. */
int raft_new(const struct raft_config *cfg, const struct raft_storage *storage,
             const struct raft_start_state *st, struct raft **out);
/* Frees the node, including an outstanding Ready; NULL-safe. */
void raft_free(struct raft *r);

/* ---- input ----
 * Precondition of every input call: no Ready is outstanding (raft_ready()
 * was not called, or raft_advance() was called since). */

/* One logical tick. */
int raft_tick(struct raft *r);

/* One message.  m is borrowed.  A network message (from the decoder) must
 * name this node in `to` and a configured peer in `from`; it is checked
 * before use, and an inconsistent one is ignored with RAFT_EMSG (or
 * RAFT_ECORRUPT: a message that would overwrite a committed entry; log it,
 * it means a bug or a peer with a corrupt disk).  Local messages: HUP, BEAT,
 * PROP (leader: as raft_propose for each entry; else RAFT_ENOTLEADER),
 * READ_INDEX (as raft_read_index(r, m->ctx)), SNAP_STATUS, UNREACHABLE.
 * Returns 0 when the message was taken into account. */
int raft_step(struct raft *r, const struct raft_msg *m);

/* Leader only: appends a normal entry holding a copy of data[0..len) and
 * returns its position in *index / *term (the entry is committed, or lost,
 * later: watch rd.committed_entries for index with that term).  Every
 * proposal made before the next raft_ready() goes out in one Ready: one
 * persist, one MsgApp per follower.  Returns RAFT_ENOTLEADER on a follower
 * or candidate (raft_leader() gives the leader, RAFT_NONE if unknown: the
 * server answers -MOVED or -CLUSTERDOWN), RAFT_EDROPPED above
 * max_uncommitted_size. */
int raft_propose(struct raft *r, const void *data, size_t len, uint64_t *index, uint64_t *term);

/* Leader only: asks for a linearizable read point (thesis 6.4, ReadIndex).
 * ctx (nonzero, unique among the pending ones) names the request.  Once the
 * leader has committed an entry of its term and a quorum has answered a
 * heartbeat sent after this call, a Ready carries read_state {ctx, index}:
 * serve the read once applied >= index.  Requests are batched: one heartbeat
 * round confirms every request made before it.  If the node loses its
 * leadership first, the read state comes back with err = RAFT_ENOTLEADER.
 * Returns RAFT_ENOTLEADER on a non-leader, RAFT_EINVAL for ctx 0. */
int raft_read_index(struct raft *r, uint64_t ctx);

/* ---- output ---- */

enum raft_role {
    RAFT_FOLLOWER = 0,
    RAFT_PRE_CANDIDATE = 1,
    RAFT_CANDIDATE = 2,
    RAFT_LEADER = 3,
};
const char *raft_role_name(int role); /* "follower", ...; static storage */

struct raft_soft_state {
    uint64_t leader; /* RAFT_NONE if unknown */
    uint8_t role;    /* enum raft_role */
};

struct raft_read_state {
    uint64_t ctx;   /* as given to raft_read_index() */
    uint64_t index; /* the commit index when the request arrived */
    int err;        /* 0, or RAFT_ENOTLEADER: leadership lost, fail the read */
};

/* Everything in a Ready is borrowed from the core until raft_advance(). */
struct raft_ready {
    bool has_soft_state; /* soft_state changed since the last Ready */
    struct raft_soft_state soft_state;
    bool has_hard_state; /* hard_state changed: persist it */
    struct raft_hard_state hard_state;
    /* true when term, vote or entries changed: the write needs an fsync
     * before messages go out (a commit-only change does not) */
    bool must_sync;
    /* To persist, in order.  Consecutive indexes; the stored log must be
     * truncated from entries[0].index (delete every stored entry with
     * index >= entries[0].index) in the same transaction as the append. */
    const struct raft_entry *entries;
    size_t n_entries;
    /* To apply, in order, after the persist; consecutive, starting right
     * after the last applied index.  May include entries of `entries`. */
    const struct raft_entry *committed_entries;
    size_t n_committed;
    /* To send after the persist.  The sender may encode them in place; it
     * must not free them. */
    const struct raft_msg *messages;
    size_t n_messages;
    const struct raft_read_state *read_states;
    size_t n_read_states;
};

/* Whether raft_ready() would return anything. */
bool raft_has_ready(struct raft *r);
/* Fills *rd (possibly empty).  Precondition: no Ready outstanding.  Returns
 * 0, or RAFT_ESTORAGE (reading committed entries failed; *rd untouched). */
int raft_ready(struct raft *r, struct raft_ready *rd);
/* Tells the core that rd (the last Ready) was persisted, sent and applied:
 * the entries are stable, the committed entries applied, the messages and
 * read states released.  Precondition: rd is the outstanding Ready.  May
 * produce new output (a leader counts its own persisted entries here, so a
 * single-node cluster commits on advance): check raft_has_ready() again. */
void raft_advance(struct raft *r, const struct raft_ready *rd);

/* ---- inspection (INFO raft, tests) ---- */

int raft_role(const struct raft *r); /* enum raft_role */
uint64_t raft_id(const struct raft *r);
uint64_t raft_term(const struct raft *r);
uint64_t raft_vote(const struct raft *r);
uint64_t raft_leader(const struct raft *r); /* RAFT_NONE if unknown */
uint64_t raft_commit_index(const struct raft *r);
uint64_t raft_applied_index(const struct raft *r);
uint64_t raft_first_index(const struct raft *r);
uint64_t raft_last_index(const struct raft *r);
uint64_t raft_last_term(const struct raft *r);
/* Term of the entry at index (first_index - 1 .. last_index), from memory:
 * 0 and *term untouched when out of range (RAFT_EUNAVAILABLE). */
int raft_term_at(const struct raft *r, uint64_t index, uint64_t *term);

enum raft_progress_state {
    RAFT_PROGRESS_PROBE = 0,     /* one MsgApp at a time until a match is found */
    RAFT_PROGRESS_REPLICATE = 1, /* pipelined, up to max_inflight_msgs */
    RAFT_PROGRESS_SNAPSHOT = 2,  /* waiting for a snapshot to be installed */
};
const char *raft_progress_state_name(int state);

struct raft_peer_info {
    uint64_t id;
    uint64_t match;     /* leader only: highest index known replicated */
    uint64_t next;      /* leader only: next index to send */
    int state;          /* enum raft_progress_state (leader only) */
    size_t inflight;    /* MsgApps sent and not yet acknowledged */
    bool recent_active; /* heard from within the current election timeout */
};
size_t raft_peer_count(const struct raft *r);
/* i in [0, raft_peer_count()); the leader's view (zeros elsewhere, but id). */
void raft_peer_info(const struct raft *r, size_t i, struct raft_peer_info *out);

#endif
