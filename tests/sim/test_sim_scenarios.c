/* test_sim_scenarios: scripted cluster scenarios on the simulator (sim.h),
 * each one a claim of the issue or of the thesis, with the safety checks of
 * the simulator running underneath every step. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "sim.h"

#define ELECTION_MS (10 * SIM_TICK_MS) /* election_tick 10 */

static void assert_sim_ok(struct sim *s)
{
    if (sim_failed(s))
        fail_msg("simulator: %s", sim_failure(s));
}

static struct sim *make(uint64_t seed, int n, bool pre_vote, bool check_quorum)
{
    struct sim_opts o;
    sim_default_opts(&o);
    o.n_nodes = n;
    o.pre_vote = pre_vote;
    o.check_quorum = check_quorum;
    if (getenv("SIM_TRACE"))
        o.trace = stdout;
    return sim_new(seed, &o);
}

static bool has_leader(struct sim *s, void *arg)
{
    (void)arg;
    return sim_leader(s) >= 0;
}

/* Every node up, same last index, all of it committed and applied. */
static bool converged(struct sim *s, void *arg)
{
    (void)arg;
    int l = sim_leader(s);
    if (l < 0)
        return false;
    uint64_t last = raft_last_index(sim_raft(s, l));
    for (int i = 0; i < *(int *)arg; i++) {
        struct raft *r = sim_raft(s, i);
        if (r == NULL || raft_last_index(r) != last || raft_commit_index(r) != last ||
            sim_applied(s, i) != last)
            return false;
    }
    return true;
}

static int elect(struct sim *s)
{
    assert_true(sim_run_until(s, 20 * ELECTION_MS, has_leader, NULL));
    assert_sim_ok(s);
    return sim_leader(s);
}

static void propose_n(struct sim *s, int node, int n)
{
    for (int i = 0; i < n; i++)
        assert_int_equal(sim_propose(s, node, NULL, NULL), 0);
}

static void wait_converged(struct sim *s, int n)
{
    assert_true(sim_run_until(s, 50 * ELECTION_MS, converged, &n));
    assert_sim_ok(s);
    assert_true(sim_check_converged(s));
}

/* Liveness on a healthy network, 3 and 5 nodes: a leader within a few
 * election timeouts; proposals commit everywhere. */
static void test_elect_and_replicate(void **state)
{
    (void)state;
    for (int n = 3; n <= 5; n += 2) {
        struct sim *s = make(11, n, true, true);
        int l = elect(s);
        assert_true(sim_now(s) < 4 * ELECTION_MS);
        for (int round = 0; round < 10; round++) {
            propose_n(s, l, 10);
            sim_run_for(s, SIM_TICK_MS);
        }
        wait_converged(s, n);
        assert_true(sim_committed(s) >= 101); /* 100 values and the no-op */
        sim_free(s);
    }
}

/* A single node is a cluster: it elects itself and commits alone. */
static void test_single_node(void **state)
{
    (void)state;
    struct sim *s = make(3, 1, true, true);
    int l = elect(s);
    assert_int_equal(l, 0);
    propose_n(s, 0, 5);
    wait_converged(s, 1);
    assert_int_equal(sim_committed(s), 6);
    assert_int_equal(sim_read(s, 0), 0);
    sim_run_for(s, SIM_TICK_MS);
    assert_int_equal(sim_reads_ok(s), 1);
    sim_free(s);
}

/* Thesis 9.6: with PreVote, a follower cut off for many election timeouts
 * does not raise its term, and when it returns the leader keeps its
 * leadership and its term. */
static void test_prevote_partitioned_follower_does_not_disrupt(void **state)
{
    (void)state;
    struct sim *s = make(5, 3, true, true);
    int l = elect(s);
    uint64_t term = raft_term(sim_raft(s, l));
    int f = (l + 1) % 3;
    int g[3] = {0, 0, 0};
    g[f] = 1;
    sim_partition(s, g);
    sim_run_for(s, 30 * ELECTION_MS);
    assert_int_equal(raft_term(sim_raft(s, f)), term);
    assert_int_not_equal(raft_role(sim_raft(s, f)), RAFT_LEADER);
    sim_heal(s);
    sim_run_for(s, 5 * ELECTION_MS);
    assert_sim_ok(s);
    assert_int_equal(sim_leader(s), l);
    assert_int_equal(raft_term(sim_raft(s, l)), term);
    assert_int_equal(raft_leader(sim_raft(s, f)), (uint64_t)l + 1);
    sim_free(s);
}

/* Without PreVote the same follower campaigns alone, term after term, and
 * its return deposes the leader: the disruption PreVote prevents. */
static void test_without_prevote_rejoin_disrupts(void **state)
{
    (void)state;
    struct sim *s = make(5, 3, false, false);
    int l = elect(s);
    uint64_t term = raft_term(sim_raft(s, l));
    int f = (l + 1) % 3;
    int g[3] = {0, 0, 0};
    g[f] = 1;
    sim_partition(s, g);
    sim_run_for(s, 30 * ELECTION_MS);
    assert_true(raft_term(sim_raft(s, f)) > term + 5);
    sim_heal(s);
    sim_run_for(s, 5 * ELECTION_MS);
    assert_sim_ok(s);
    int l2 = sim_leader(s);
    assert_true(l2 >= 0);
    assert_true(raft_term(sim_raft(s, l2)) > term);
    sim_free(s);
}

/* Thesis 6.2 (CheckQuorum): a leader cut off from its followers steps down
 * within two election timeouts; the majority elects another; what the old
 * leader accepted meanwhile never commits and is replaced on healing. */
static void test_check_quorum_isolated_leader_steps_down(void **state)
{
    (void)state;
    struct sim *s = make(7, 5, true, true);
    int l = elect(s);
    propose_n(s, l, 3);
    int n = 5;
    wait_converged(s, n);
    uint64_t commit = raft_commit_index(sim_raft(s, l));
    int g[5] = {0, 0, 0, 0, 0};
    g[l] = 1;
    sim_partition(s, g);
    propose_n(s, l, 4); /* accepted by a leader that cannot commit them */
    sim_run_for(s, 2 * ELECTION_MS + 2 * SIM_TICK_MS);
    assert_int_not_equal(raft_role(sim_raft(s, l)), RAFT_LEADER);
    assert_int_equal(raft_commit_index(sim_raft(s, l)), commit);
    int l2 = sim_leader(s);
    assert_true(l2 >= 0 && l2 != l);
    propose_n(s, l2, 2);
    sim_heal(s);
    wait_converged(s, n);
    /* the 4 lost proposals were overwritten: 3 + no-ops + 2 */
    assert_int_equal(raft_last_index(sim_raft(s, l)), sim_committed(s));
    sim_free(s);
}

/* A minority holding the old leader cannot commit; the majority can; once
 * healed, all logs converge to the majority's. */
static void test_minority_cannot_commit(void **state)
{
    (void)state;
    struct sim *s = make(13, 5, true, false); /* no CheckQuorum: it stays leader */
    int l = elect(s);
    int n = 5;
    propose_n(s, l, 2);
    wait_converged(s, n);
    uint64_t commit = sim_committed(s);
    int g[5] = {0, 0, 0, 0, 0};
    int buddy = (l + 1) % 5;
    g[l] = g[buddy] = 1;
    sim_partition(s, g);
    propose_n(s, l, 5);
    sim_run_for(s, 3 * ELECTION_MS);
    assert_int_equal(raft_role(sim_raft(s, l)), RAFT_LEADER);
    assert_int_equal(raft_commit_index(sim_raft(s, l)), commit);
    assert_int_equal(raft_commit_index(sim_raft(s, buddy)), commit);
    int l2 = sim_leader(s); /* the newer term's leader */
    assert_true(l2 != l && l2 != buddy);
    propose_n(s, l2, 3);
    sim_run_for(s, ELECTION_MS);
    assert_true(sim_committed(s) >= commit + 4);
    sim_heal(s);
    wait_converged(s, n);
    sim_free(s);
}

/* ReadIndex (thesis 6.4): a leader answers after a quorum round; followers
 * refuse; an isolated leader never answers, and its pending reads fail when
 * CheckQuorum makes it step down. */
static void test_read_index(void **state)
{
    (void)state;
    struct sim *s = make(17, 3, true, true);
    int l = elect(s);
    propose_n(s, l, 2);
    int n = 3;
    wait_converged(s, n);
    for (int k = 0; k < 5; k++)
        assert_int_equal(sim_read(s, l), 0);
    sim_run_for(s, 2 * SIM_TICK_MS);
    assert_int_equal(sim_reads_ok(s), 5);
    assert_int_equal(sim_read(s, (l + 1) % 3), RAFT_ENOTLEADER);

    int g[3] = {0, 0, 0};
    g[l] = 1;
    sim_partition(s, g);
    assert_int_equal(sim_read(s, l), 0);
    sim_run_for(s, ELECTION_MS / 2);
    assert_int_equal(sim_reads_ok(s), 5); /* no quorum: no answer */
    sim_run_for(s, 2 * ELECTION_MS);
    assert_int_not_equal(raft_role(sim_raft(s, l)), RAFT_LEADER);
    assert_int_equal(sim_reads_failed(s), 1);
    assert_sim_ok(s);
    sim_free(s);
}

/* Reads asked before the new leader commits its no-op wait for it. */
static void test_read_index_waits_for_first_commit(void **state)
{
    (void)state;
    struct sim *s = make(19, 3, true, true);
    int l = -1;
    /* step until a leader exists, then ask at once, in the same instant */
    assert_true(sim_run_until(s, 20 * ELECTION_MS, has_leader, NULL));
    l = sim_leader(s);
    struct raft *r = sim_raft(s, l);
    uint64_t term = raft_term(r), t = 0;
    assert_int_equal(raft_term_at(r, raft_commit_index(r), &t), 0);
    assert_true(t < term); /* nothing of this term committed yet */
    assert_int_equal(sim_read(s, l), 0);
    assert_int_equal(sim_reads_ok(s), 0);
    sim_run_for(s, ELECTION_MS);
    assert_int_equal(sim_reads_ok(s), 1);
    assert_sim_ok(s);
    sim_free(s);
}

/* Failover: the leader crashes; a new one serves within a few election
 * timeouts; the old one restarts from its disk and catches up. */
static void test_leader_crash_failover(void **state)
{
    (void)state;
    for (int n = 3; n <= 5; n += 2) {
        struct sim *s = make(23, n, true, true);
        int l = elect(s);
        propose_n(s, l, 20);
        wait_converged(s, n);
        uint64_t committed = sim_committed(s);
        sim_crash(s, l);
        int64_t t0 = sim_now(s);
        assert_true(sim_run_until(s, 20 * ELECTION_MS, has_leader, NULL));
        int64_t took = sim_now(s) - t0;
        /* at most two randomized timeouts (each < 2 election timeouts)
         * plus the rounds trips */
        assert_true(took < 5 * ELECTION_MS);
        int l2 = sim_leader(s);
        assert_true(l2 != l);
        propose_n(s, l2, 5);
        sim_restart(s, l);
        wait_converged(s, n);
        assert_true(sim_committed(s) >= committed + 6);
        sim_free(s);
    }
}

/* Every node crashes and restarts from its disk: nothing committed is
 * lost, and entries the state machine lost (AOF tail) are applied again. */
static void test_whole_cluster_restart(void **state)
{
    (void)state;
    struct sim *s = make(29, 3, true, true);
    int l = elect(s);
    propose_n(s, l, 30);
    int n = 3;
    wait_converged(s, n);
    uint64_t committed = sim_committed(s);
    for (int i = 0; i < 3; i++)
        sim_crash(s, i);
    sim_run_for(s, ELECTION_MS);
    for (int i = 0; i < 3; i++)
        sim_restart(s, i);
    l = elect(s);
    propose_n(s, l, 1);
    wait_converged(s, n);
    assert_true(sim_committed(s) >= committed + 2);
    sim_free(s);
}

/* A follower down while the others commit hundreds of entries catches up
 * on restart; the leader has dropped those entries from memory once
 * applied, so they come back from its storage. */
static void test_lagging_follower_catches_up_from_storage(void **state)
{
    (void)state;
    struct sim *s = make(31, 3, true, true);
    int l = elect(s);
    int lag = (l + 1) % 3;
    sim_crash(s, lag);
    for (int round = 0; round < 30; round++) {
        propose_n(s, l, 10);
        sim_run_for(s, SIM_TICK_MS);
    }
    sim_run_for(s, ELECTION_MS);
    assert_true(sim_committed(s) >= 301);
    uint64_t reads = sim_storage_reads(s);
    sim_restart(s, lag);
    int n = 3;
    wait_converged(s, n);
    assert_true(sim_storage_reads(s) > reads);
    sim_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_elect_and_replicate),
        cmocka_unit_test(test_single_node),
        cmocka_unit_test(test_prevote_partitioned_follower_does_not_disrupt),
        cmocka_unit_test(test_without_prevote_rejoin_disrupts),
        cmocka_unit_test(test_check_quorum_isolated_leader_steps_down),
        cmocka_unit_test(test_minority_cannot_commit),
        cmocka_unit_test(test_read_index),
        cmocka_unit_test(test_read_index_waits_for_first_commit),
        cmocka_unit_test(test_leader_crash_failover),
        cmocka_unit_test(test_whole_cluster_restart),
        cmocka_unit_test(test_lagging_follower_catches_up_from_storage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
