/* sim: a deterministic cluster of Raft cores in one process.
 *
 * A virtual clock (ms) and a virtual network drive n cores (n <= 7): every
 * node ticks every 10 ms with its own phase and a little drift; messages are
 * encoded with the real codec (src/raft/msg.c), may be lost, duplicated,
 * delayed and so reordered, and do not cross partitions.  Each node has an
 * in-memory "disk" holding exactly what its Readies asked to persist: the
 * hard state and the log, and a durable applied state standing for the AOF.
 * A crash frees the core and everything it did not persist (a crash can also
 * strike in the middle of a Ready: before the persist, or after it but before
 * the messages leave); a restart builds a new core from the disk.
 *
 * Every step (one event, then every Ready it caused) is followed by the
 * checks of docs/raft.md "What the simulator checks":
 *   election safety      at most one leader per term (and at most one vote
 *                        per node per term, across restarts);
 *   log matching         an (index, term) pair names one entry content and
 *                        one previous term, everywhere and forever;
 *   leader append-only   a leader's Ready never truncates its log;
 *   leader completeness  a new leader holds every entry committed before it,
 *                        and a committed entry is on the disks of a quorum;
 *   state machine safety one entry per index is applied, by every node, in
 *                        order, without gaps or repeats, across restarts;
 *   Ready contract       consecutive entries, truncation point within the
 *                        stored log, never a committed entry truncated, the
 *                        hard state's term never decreasing, its vote never
 *                        changing within a term, must_sync when needed;
 *   client contract      a proposal acknowledged at (index, term) is what
 *                        gets applied at index if term matches; ReadIndex
 *                        answers are at least the commit index any node had
 *                        reached when the read was asked.
 * The first violation stops the run; sim_failure() says which and when.
 *
 * Determinism: everything is drawn from one PRNG seeded by the seed, so a
 * seed replays exactly; with trace on, every event is printed.
 */
#ifndef RC_SIM_H
#define RC_SIM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "raft/raft.h"

#define SIM_MAX_NODES 7
#define SIM_TICK_MS   10

struct sim_opts {
    int n_nodes; /* 1 .. SIM_MAX_NODES */
    bool pre_vote, check_quorum;
    int election_tick, heartbeat_tick;
    size_t max_inflight;
    uint64_t max_size_per_msg, max_committed_size, max_uncommitted_size;
    double loss, dup;         /* per message */
    int min_delay, max_delay; /* ms, inclusive */
    FILE *trace;              /* NULL: quiet */
};

/* Defaults: 3 nodes, PreVote + CheckQuorum, election 10 ticks, heartbeat 1,
 * no faults, delays 1..5 ms. */
void sim_default_opts(struct sim_opts *o);

struct sim;

struct sim *sim_new(uint64_t seed, const struct sim_opts *o);
void sim_free(struct sim *s);

/* Runs events until the clock reaches now + ms, or a check fails. */
void sim_run_for(struct sim *s, int64_t ms);
/* Runs until pred(s, arg) holds after a step (true), until ms elapse, or a
 * failure (false). */
bool sim_run_until(struct sim *s, int64_t ms, bool (*pred)(struct sim *, void *), void *arg);
int64_t sim_now(const struct sim *s);

bool sim_failed(const struct sim *s);
const char *sim_failure(const struct sim *s);
/* Records a failure (the first one is kept). */
void sim_fail(struct sim *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- faults (node = 0 .. n-1; node ids are node + 1) ---- */
/* group[i] for every node: messages cross only between equal groups. */
void sim_partition(struct sim *s, const int *group);
void sim_heal(struct sim *s);
void sim_set_faults(struct sim *s, double loss, double dup, int min_delay, int max_delay);
void sim_crash(struct sim *s, int node);
void sim_restart(struct sim *s, int node);
bool sim_is_up(const struct sim *s, int node);

/* ---- clients ---- */
/* Proposes a fresh client value at node: 0 and *index / *term, or the
 * core's error (RAFT_ENOTLEADER...).  The value is checked when applied. */
int sim_propose(struct sim *s, int node, uint64_t *index, uint64_t *term);
/* k proposals in one batch (one Ready, as in one server loop iteration);
 * returns how many were accepted. */
int sim_propose_many(struct sim *s, int node, int k);
/* Asks node for a ReadIndex; the answer is checked when it comes. */
int sim_read(struct sim *s, int node);
/* Answers received so far (ok and failed). */
uint64_t sim_reads_ok(const struct sim *s);
uint64_t sim_reads_failed(const struct sim *s);

/* ---- inspection ---- */
struct raft *sim_raft(struct sim *s, int node); /* NULL when down */
/* The up node that is leader in the highest term, or -1. */
int sim_leader(struct sim *s);
uint64_t sim_applied(const struct sim *s, int node);
/* How many distinct indexes some node has committed. */
uint64_t sim_committed(const struct sim *s);
/* Final check: all nodes up and equal (same log, same applied entries,
 * everything committed applied, every committed entry present).  Records a
 * failure and returns false otherwise. */
bool sim_check_converged(struct sim *s);
/* Messages delivered / dropped so far, for the trace and the tests. */
uint64_t sim_delivered(const struct sim *s);
/* Calls to the storage's entries() (entries read back from a "disk"). */
uint64_t sim_storage_reads(const struct sim *s);

/* ---- the randomized safety + liveness run ----
 * One seed: a chaos phase (loss, duplication, delay, partitions, crashes,
 * client proposals and reads at random), then the faults stop (heal,
 * restart, no loss): a leader must be elected and a batch of new proposals
 * must commit and be applied everywhere within a bound, and the cluster must
 * converge.  n_nodes 0 picks 3 or 5 from the seed.  Returns true when every
 * check held; otherwise err gets the failure. */
struct sim_run_stats {
    int n_nodes;
    uint64_t committed;
    uint64_t crashes;
    uint64_t elections;  /* distinct leader terms */
    int64_t liveness_ms; /* from the end of the faults to convergence */
};
bool sim_random_run(uint64_t seed, int n_nodes, FILE *trace, char *err, size_t errlen,
                    struct sim_run_stats *stats);

#endif
