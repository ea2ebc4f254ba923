/* fixture: a hand-driven cluster of Raft cores for focused tests.
 *
 * Where the simulator (sim.h) runs a cluster on a virtual clock and network,
 * the fixture lets a test move every message by hand: nothing happens until
 * the test ticks a node, steps a message into it, or delivers the queued
 * messages (all, or those a filter keeps).  Each node has an in-memory disk
 * (hard state and log) written from its Readies, exactly as a server would:
 * persist, then queue the messages, then apply, then advance.  A node can be
 * started from any persisted log, which is how a test sets up the situations
 * of the paper's figures.
 *
 * Node ids are 1..n; arrays are indexed by id.
 */
#ifndef RC_RAFT_FIXTURE_H
#define RC_RAFT_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "raft/raft.h"

#define FX_MAX 7

struct fx_node {
    uint64_t id;
    struct raft *r; /* NULL when stopped */
    struct raft_config cfg;
    /* the disk */
    struct raft_hard_state hs;
    struct raft_entry *log; /* log[i - 1] is index i; data owned */
    size_t n_log, cap_log;
    uint64_t applied; /* the state machine's applied index */
    uint64_t apply_count;
    /* faults */
    bool fail_reads; /* entries() fails */
    uint64_t storage_reads;
    /* the last Ready's facts, for tests of the Ready contract */
    struct raft_ready last_rd; /* pointers not valid after processing */
    size_t readies;
    struct raft_read_state read_states[64];
    size_t n_read_states;
};

struct fx {
    int n;
    uint64_t peers[FX_MAX];
    struct fx_node nodes[FX_MAX + 1];
    /* messages sent and not yet delivered, in order (deep copies) */
    struct raft_msg *out;
    size_t n_out, cap_out;
};

/* n nodes with empty disks, all started with the default config
 * (election 10, heartbeat 1, no PreVote/CheckQuorum, inflight 256, 1 MiB). */
void fx_init(struct fx *f, int n);
void fx_free(struct fx *f);
/* Restarts every node with PreVote / CheckQuorum set as given. */
void fx_set_options(struct fx *f, bool pre_vote, bool check_quorum);
/* Replaces node id's disk by a log of terms[0..n) at indexes 1..n, and its
 * hard state (commit 0); the node must be stopped (fx_stop) or not started. */
void fx_set_disk(struct fx *f, uint64_t id, const uint64_t *terms, size_t n, uint64_t term,
                 uint64_t vote);
/* Starts (or restarts) node id from its disk with its cfg (edit f->nodes[id].cfg
 * before); asserts raft_new succeeds. */
void fx_start(struct fx *f, uint64_t id);
/* Crash: the core is freed; the disk stays. */
void fx_stop(struct fx *f, uint64_t id);

/* Processes every Ready of node id (persist, queue messages, apply, advance). */
void fx_ready(struct fx *f, uint64_t id);
/* Ticks node id k times, processing Readies. */
void fx_tick(struct fx *f, uint64_t id, int k);
/* Steps m into its destination and processes the Readies; returns what
 * raft_step returned. */
int fx_step(struct fx *f, const struct raft_msg *m);
/* Delivers queued messages, including the ones they cause, until none is
 * left; keep (if not NULL) decides for each whether it arrives or is lost.
 * Returns the number delivered. */
typedef bool (*fx_filter)(const struct raft_msg *m, void *arg);
size_t fx_deliver(struct fx *f, fx_filter keep, void *arg);
/* Delivers only the messages queued now (not the answers). */
size_t fx_deliver_once(struct fx *f, fx_filter keep, void *arg);
/* Drops every queued message. */
void fx_drop_all(struct fx *f);
/* Number of queued messages of a type (0 = any) from -> to (0 = any). */
size_t fx_count(const struct fx *f, int type, uint64_t from, uint64_t to);
/* The first queued message matching, or NULL. */
const struct raft_msg *fx_find(const struct fx *f, int type, uint64_t from, uint64_t to);

/* Filter: isolate the nodes whose bit (1 << id) is set in *(uint32_t *)arg. */
bool fx_not_isolated(const struct raft_msg *m, void *arg);

/* Campaigns node id (MsgHup) and delivers everything: returns its role. */
int fx_campaign(struct fx *f, uint64_t id);
/* Proposes a string at id; returns raft_propose's result. */
int fx_propose(struct fx *f, uint64_t id, const char *s);
/* Term of the disk entry at index (0 if none). */
uint64_t fx_disk_term(const struct fx *f, uint64_t id, uint64_t index);

#endif
