/* test_raft_paper: the claims of the Raft paper, one test each, on cores
 * driven by hand (tests/sim/fixture.h): Election Safety, Leader Append-Only,
 * Log Matching, Leader Completeness, State Machine Safety (Figure 3), and
 * the commitment rule of Figure 8.  The randomized simulator checks the same
 * properties statistically; these tests pin the mechanisms down. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"

static struct raft *R(struct fx *f, uint64_t id)
{
    return f->nodes[id].r;
}

/* A message as a peer would send it (the fixture delivers it to m.to). */
static struct raft_msg msg(int type, uint64_t from, uint64_t to, uint64_t term)
{
    struct raft_msg m;
    memset(&m, 0, sizeof(m));
    m.type = (uint8_t)type;
    m.from = from;
    m.to = to;
    m.term = term;
    return m;
}

/* An AppendEntries with entries of the given terms after (prev, prev_term). */
static struct raft_msg app(uint64_t from, uint64_t to, uint64_t term, uint64_t prev,
                           uint64_t prev_term, const uint64_t *terms, size_t n, uint64_t commit,
                           struct raft_entry *buf)
{
    struct raft_msg m = msg(RAFT_MSG_APP, from, to, term);
    m.index = prev;
    m.log_term = prev_term;
    m.commit = commit;
    for (size_t k = 0; k < n; k++) {
        memset(&buf[k], 0, sizeof(buf[k]));
        buf[k].term = terms[k];
        buf[k].index = prev + 1 + k;
    }
    m.entries = n ? buf : NULL;
    m.n_entries = n;
    return m;
}

static struct raft_msg vote(uint64_t from, uint64_t to, uint64_t term, uint64_t last,
                            uint64_t last_term)
{
    struct raft_msg m = msg(RAFT_MSG_VOTE, from, to, term);
    m.index = last;
    m.log_term = last_term;
    return m;
}

/* ---- Election Safety: at most one leader per term ---- */

/* A node grants one vote per term, and remembers it across a restart: the
 * vote is in the hard state of the same Ready as the answer, which is sent
 * only after that Ready is persisted (must_sync). */
static void test_election_safety_one_vote_per_term(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, 3);
    struct raft_msg v2 = vote(2, 1, 1, 0, 0), v3 = vote(3, 1, 1, 0, 0);

    assert_int_equal(fx_step(&f, &v2), 0);
    const struct raft_msg *r = fx_find(&f, RAFT_MSG_VOTE_RESP, 1, 2);
    assert_non_null(r);
    assert_false(r->reject);
    assert_true(f.nodes[1].last_rd.has_hard_state && f.nodes[1].last_rd.must_sync);
    assert_int_equal(f.nodes[1].hs.term, 1);
    assert_int_equal(f.nodes[1].hs.vote, 2);
    fx_drop_all(&f);

    assert_int_equal(fx_step(&f, &v3), 0);
    r = fx_find(&f, RAFT_MSG_VOTE_RESP, 1, 3);
    assert_non_null(r);
    assert_true(r->reject);
    fx_drop_all(&f);

    /* crash and restart from the disk: the vote is still given */
    fx_stop(&f, 1);
    fx_start(&f, 1);
    assert_int_equal(raft_vote(R(&f, 1)), 2);
    fx_step(&f, &v3);
    assert_true(fx_find(&f, RAFT_MSG_VOTE_RESP, 1, 3)->reject);
    fx_drop_all(&f);
    fx_step(&f, &v2); /* repeating the same vote is fine */
    assert_false(fx_find(&f, RAFT_MSG_VOTE_RESP, 1, 2)->reject);
    fx_free(&f);
}

static bool only_to_2(const struct raft_msg *m, void *arg)
{
    (void)arg;
    return m->to == 2 || m->from == 2;
}

/* A candidate needs votes from a majority: 2 of 5 is not enough, 3 is; a
 * majority of refusals sends it back to follower. */
static void test_election_safety_majority(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, 5);
    struct raft_msg hup = msg(RAFT_MSG_HUP, 0, 1, 0);
    assert_int_equal(fx_step(&f, &hup), 0);
    assert_int_equal(raft_role(R(&f, 1)), RAFT_CANDIDATE);
    assert_int_equal(fx_count(&f, RAFT_MSG_VOTE, 1, 0), 4);
    fx_deliver(&f, only_to_2, NULL);
    assert_int_equal(raft_role(R(&f, 1)), RAFT_CANDIDATE); /* self + node 2 */
    struct raft_msg g3 = msg(RAFT_MSG_VOTE_RESP, 3, 1, 1);
    fx_step(&f, &g3);
    assert_int_equal(raft_role(R(&f, 1)), RAFT_LEADER);
    fx_drop_all(&f);

    /* node 2 campaigns in term 2 and collects three refusals */
    struct fx g;
    fx_init(&g, 5);
    assert_int_equal(fx_step(&g, &hup), 0);
    fx_drop_all(&g);
    for (uint64_t id = 2; id <= 4; id++) {
        struct raft_msg no = msg(RAFT_MSG_VOTE_RESP, id, 1, 1);
        no.reject = true;
        fx_step(&g, &no);
        assert_int_equal(raft_role(R(&g, 1)), id < 4 ? RAFT_CANDIDATE : RAFT_FOLLOWER);
    }
    assert_int_equal(raft_term(R(&g, 1)), 1); /* losing keeps the term */
    fx_free(&f);
    fx_free(&g);
}

/* Two candidates of the same term: the voters split, at most one wins. */
static void test_election_safety_split_vote(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, 3);
    struct raft_msg hup1 = msg(RAFT_MSG_HUP, 0, 1, 0), hup2 = msg(RAFT_MSG_HUP, 0, 2, 0);
    fx_step(&f, &hup1);
    fx_step(&f, &hup2);
    fx_deliver(&f, NULL, NULL);
    int leaders = 0;
    for (uint64_t id = 1; id <= 3; id++)
        if (raft_role(R(&f, id)) == RAFT_LEADER && raft_term(R(&f, id)) == 1)
            leaders++;
    assert_int_equal(leaders, 1);
    fx_free(&f);
}

/* ---- Leader Append-Only: a leader never overwrites or deletes entries
 * in its log; it only appends ---- */

static void test_leader_append_only(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, 3);
    const uint64_t lead[] = {1, 2, 2}, foll[] = {1, 1, 1, 1, 1};
    for (uint64_t id = 1; id <= 3; id++)
        fx_stop(&f, id);
    fx_set_disk(&f, 1, lead, 3, 2, 0);
    fx_set_disk(&f, 2, foll, 5, 2, 0);
    fx_set_disk(&f, 3, foll, 5, 2, 0);
    for (uint64_t id = 1; id <= 3; id++)
        fx_start(&f, id);
    assert_int_equal(fx_campaign(&f, 1), RAFT_LEADER); /* last term 2 > 1 */
    fx_tick(&f, 1, 3);
    fx_deliver(&f, NULL, NULL);
    /* the leader's log: its 3 entries untouched, plus its no-op */
    assert_int_equal(f.nodes[1].n_log, 4);
    for (uint64_t i = 1; i <= 3; i++)
        assert_int_equal(fx_disk_term(&f, 1, i), lead[i - 1]);
    assert_int_equal(fx_disk_term(&f, 1, 4), 3);
    /* the followers' longer, older suffix was replaced by the leader's */
    for (uint64_t id = 2; id <= 3; id++) {
        assert_int_equal(f.nodes[id].n_log, 4);
        for (uint64_t i = 1; i <= 4; i++)
            assert_int_equal(fx_disk_term(&f, id, i), fx_disk_term(&f, 1, i));
        assert_int_equal(raft_commit_index(R(&f, id)), 4);
    }
    fx_free(&f);
}

/* ---- Log Matching: same index and term => identical logs up to there ---- */

/* The consistency check of AppendEntries (5.3): a follower refuses entries
 * unless it holds the entry before them, with the same term; the refusal
 * hints where its log can match. */
static void test_log_matching_consistency_check(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, 3);
    fx_stop(&f, 2);
    const uint64_t terms[] = {1, 1, 2};
    fx_set_disk(&f, 2, terms, 3, 2, 0);
    fx_start(&f, 2);
    struct raft_entry buf[4];
    const uint64_t t2[] = {2};

    struct raft_msg m = app(1, 2, 2, 3, 1, t2, 1, 0, buf); /* prev (3, 1): we have (3, 2) */
    assert_int_equal(fx_step(&f, &m), 0);
    const struct raft_msg *r = fx_find(&f, RAFT_MSG_APP_RESP, 2, 1);
    assert_true(r->reject);
    assert_int_equal(r->index, 3);
    assert_int_equal(r->reject_hint, 2); /* last index with a term <= 1 */
    assert_int_equal(r->log_term, 1);
    assert_int_equal(f.nodes[2].n_log, 3);
    fx_drop_all(&f);

    m = app(1, 2, 2, 5, 2, t2, 1, 0, buf); /* prev beyond our log */
    fx_step(&f, &m);
    r = fx_find(&f, RAFT_MSG_APP_RESP, 2, 1);
    assert_true(r->reject);
    assert_int_equal(r->reject_hint, 3);
    assert_int_equal(r->log_term, 2);
    fx_drop_all(&f);

    m = app(1, 2, 2, 3, 2, t2, 1, 0, buf); /* prev (3, 2): match */
    fx_step(&f, &m);
    r = fx_find(&f, RAFT_MSG_APP_RESP, 2, 1);
    assert_false(r->reject);
    assert_int_equal(r->index, 4);
    assert_int_equal(fx_disk_term(&f, 2, 4), 2);
    fx_free(&f);
}

/* Conflicting entries are deleted with everything after them; entries that
 * match are kept, so a late duplicate of an older AppendEntries never cuts
 * off entries that followed it. */
static void test_log_matching_truncates_only_conflicts(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, 3);
    fx_stop(&f, 2);
    const uint64_t terms[] = {1, 1, 1, 1};
    fx_set_disk(&f, 2, terms, 4, 1, 0);
    fx_start(&f, 2);
    struct raft_entry buf[4];
    const uint64_t nt[] = {1, 2};
    struct raft_msg m = app(1, 2, 2, 1, 1, nt, 2, 0, buf); /* (2,1) matches, (3,2) conflicts */
    fx_step(&f, &m);
    assert_int_equal(f.nodes[2].n_log, 3);
    assert_int_equal(fx_disk_term(&f, 2, 3), 2);
    assert_int_equal(f.nodes[2].last_rd.n_entries, 1); /* only the new entry is written */
    fx_drop_all(&f);

    const uint64_t old[] = {1};
    m = app(1, 2, 2, 1, 1, old, 1, 0, buf); /* a late duplicate: prev (1,1), [(2,1)] */
    fx_step(&f, &m);
    assert_int_equal(f.nodes[2].n_log, 3);
    assert_int_equal(fx_disk_term(&f, 2, 3), 2);
    const struct raft_msg *r = fx_find(&f, RAFT_MSG_APP_RESP, 2, 1);
    assert_false(r->reject);
    assert_int_equal(r->index, 2); /* acknowledges what that message covered */
    fx_free(&f);
}

/* ---- Leader Completeness: a committed entry is in every later leader ---- */

/* The election restriction (5.4.1): a vote goes only to a candidate whose
 * log is at least as up-to-date: higher last term, or same last term and at
 * least as long. */
static void test_leader_completeness_vote_restriction(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, 3);
    fx_stop(&f, 1);
    const uint64_t terms[] = {1, 2, 2};
    fx_set_disk(&f, 1, terms, 3, 2, 0);
    fx_start(&f, 1);
    struct {
        uint64_t term, last, last_term;
        bool granted;
    } cases[] = {
        {3, 5, 1, false}, /* longer but older last term */
        {4, 2, 2, false}, /* same last term, shorter */
        {5, 3, 2, true},  /* same last term, as long */
        {6, 1, 3, true},  /* newer last term, shorter */
        {7, 9, 2, true},  /* same last term, longer */
    };
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        struct raft_msg v = vote(2, 1, cases[k].term, cases[k].last, cases[k].last_term);
        fx_step(&f, &v);
        const struct raft_msg *r = fx_find(&f, RAFT_MSG_VOTE_RESP, 1, 2);
        assert_non_null(r);
        assert_int_equal(r->reject, !cases[k].granted);
        assert_int_equal(raft_term(R(&f, 1)), cases[k].term);
        fx_drop_all(&f);
    }
    fx_free(&f);
}

/* ---- State Machine Safety: no two nodes apply different entries at an
 * index ---- */

/* A follower commits min(leaderCommit, index of the last new entry): its
 * entries beyond what this AppendEntries covered may be stale ones of an
 * older term, which the leader has not overwritten yet. */
static void test_state_machine_safety_follower_commit(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, 3);
    fx_stop(&f, 2);
    const uint64_t stale[] = {1, 1, 1, 1};
    fx_set_disk(&f, 2, stale, 4, 1, 0);
    fx_start(&f, 2);
    struct raft_entry buf[2];
    const uint64_t t[] = {1};
    /* leader of term 2 has (3, 2), (4, 2) and commit 4; it sends only (2, 1) */
    struct raft_msg m = app(1, 2, 2, 1, 1, t, 1, 4, buf);
    fx_step(&f, &m);
    assert_int_equal(raft_commit_index(R(&f, 2)), 2);
    assert_int_equal(f.nodes[2].applied, 2);
    /* a heartbeat never carries more than what the follower shares */
    struct raft_msg hb = msg(RAFT_MSG_HEARTBEAT, 1, 2, 2);
    hb.commit = 9; /* inconsistent: beyond its log */
    fx_step(&f, &hb);
    assert_int_equal(raft_commit_index(R(&f, 2)), 2);
    fx_free(&f);
}

/* Apply happens in log order, exactly once, and survives a restart: a node
 * whose state machine lost its tail (AOF not yet synced) re-applies from
 * the Raft log, reading it back from storage. */
static void test_state_machine_safety_apply_once_in_order(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, 3);
    assert_int_equal(fx_campaign(&f, 1), RAFT_LEADER);
    for (int k = 0; k < 5; k++)
        assert_int_equal(fx_propose(&f, 1, "x"), 0);
    fx_deliver(&f, NULL, NULL);
    for (uint64_t id = 1; id <= 3; id++) {
        assert_int_equal(f.nodes[id].applied, 6);
        assert_int_equal(f.nodes[id].apply_count, 6);
    }
    /* node 3's state machine only kept 3 entries */
    fx_stop(&f, 3);
    f.nodes[3].applied = 3;
    f.nodes[3].apply_count = 3;
    uint64_t reads = f.nodes[3].storage_reads;
    fx_start(&f, 3);
    assert_int_equal(raft_applied_index(R(&f, 3)), 3);
    fx_ready(&f, 3);
    assert_int_equal(f.nodes[3].applied, 6);
    assert_int_equal(f.nodes[3].apply_count, 6);
    assert_true(f.nodes[3].storage_reads > reads);
    fx_free(&f);
}

/* ---- Figure 8: a leader commits only entries of its own term by counting
 * replicas ---- */

static bool no_s5(const struct raft_msg *m, void *arg)
{
    (void)arg;
    return m->to != 5 && m->from != 5;
}

static bool votes_only_no_s5(const struct raft_msg *m, void *arg)
{
    return no_s5(m, arg) && (m->type == RAFT_MSG_VOTE || m->type == RAFT_MSG_VOTE_RESP);
}

struct fig8_filter {
    struct fx *f;
    bool allow_new;
};

/* S1 <-> S2, S3 only; and unless allow_new, no MsgApp that would land S1's
 * own-term entry (3, 4) on a follower (one that already holds index 2). */
static bool s2_s3_old_entries(const struct raft_msg *m, void *arg)
{
    const struct fig8_filter *ff = arg;
    bool peer = (m->from == 1 && (m->to == 2 || m->to == 3)) ||
                (m->to == 1 && (m->from == 2 || m->from == 3));
    if (!peer)
        return false;
    if (!ff->allow_new && m->type == RAFT_MSG_APP && m->n_entries > 0 &&
        m->entries[m->n_entries - 1].index >= 3 && fx_disk_term(ff->f, m->to, 2) == 2)
        return false;
    return true;
}

/* Figure 8 (c)/(d): S1, leader of term 4, holds (2, term 2); it gets it onto
 * S2 and S3, a majority, and must not count that as committed: S5, whose
 * (2, term 3) is more up-to-date than all of them, can still be elected and
 * overwrite it. */
static void figure8(bool own_term_reaches_majority)
{
    struct fx f;
    fx_init(&f, 5);
    for (uint64_t id = 1; id <= 5; id++)
        fx_stop(&f, id);
    const uint64_t s1[] = {1, 2}, s5[] = {1, 3}, rest[] = {1};
    fx_set_disk(&f, 1, s1, 2, 3, 0);
    fx_set_disk(&f, 5, s5, 2, 3, 0);
    for (uint64_t id = 2; id <= 4; id++)
        fx_set_disk(&f, id, rest, 1, 3, 0);
    for (uint64_t id = 1; id <= 5; id++) {
        f.nodes[id].cfg.max_size_per_msg = 0; /* one entry per MsgApp */
        fx_start(&f, id);
    }

    struct raft_msg hup = msg(RAFT_MSG_HUP, 0, 1, 0);
    fx_step(&f, &hup);
    fx_deliver(&f, votes_only_no_s5, NULL);
    assert_int_equal(raft_role(R(&f, 1)), RAFT_LEADER);
    assert_int_equal(raft_term(R(&f, 1)), 4);
    assert_int_equal(raft_last_index(R(&f, 1)), 3); /* its no-op (3, 4) */

    /* A heartbeat round unblocks the probes; S2 and S3 get (2, 2). */
    fx_tick(&f, 1, 1);
    struct fig8_filter ff = {&f, own_term_reaches_majority};
    fx_deliver(&f, s2_s3_old_entries, &ff);
    for (uint64_t id = 2; id <= 3; id++)
        assert_int_equal(fx_disk_term(&f, id, 2), 2);
    struct raft_peer_info pi;
    raft_peer_info(R(&f, 1), 1, &pi);
    assert_true(pi.match >= 2);

    if (!own_term_reaches_majority) {
        /* (2, 2) is on S1, S2, S3, a majority, and not committed (nor is
         * (1, 1): nothing of the disks was known committed) */
        assert_int_equal(raft_commit_index(R(&f, 1)), 0);
        /* S1 crashes; S5 is elected (term 5, after losing term 4 where
         * everybody had voted S1) and overwrites index 2 */
        fx_stop(&f, 1);
        fx_campaign(&f, 5);
        if (raft_role(R(&f, 5)) != RAFT_LEADER)
            fx_campaign(&f, 5);
        assert_int_equal(raft_role(R(&f, 5)), RAFT_LEADER);
        fx_tick(&f, 5, 2);
        fx_deliver(&f, NULL, NULL);
        for (uint64_t id = 2; id <= 5; id++) {
            assert_int_equal(fx_disk_term(&f, id, 2), 3);
            assert_int_equal(raft_commit_index(R(&f, id)), 3);
        }
    } else {
        /* (3, 4) reached S2 and S3: it commits, and (2, 2) with it */
        assert_int_equal(raft_commit_index(R(&f, 1)), 3);
        fx_stop(&f, 1);
        for (int round = 0; round < 3; round++) {
            fx_campaign(&f, 5);
            assert_int_not_equal(raft_role(R(&f, 5)), RAFT_LEADER);
        }
        /* S2 or S3 can win, and keeps (2, 2) */
        assert_int_equal(fx_campaign(&f, 2), RAFT_LEADER);
        fx_tick(&f, 2, 2);
        fx_deliver(&f, NULL, NULL);
        for (uint64_t id = 2; id <= 5; id++)
            assert_int_equal(fx_disk_term(&f, id, 2), 2);
    }
    fx_free(&f);
}

static void test_figure8_old_term_entry_not_committed_by_count(void **state)
{
    (void)state;
    figure8(false);
}

static void test_figure8_committed_with_own_term_entry(void **state)
{
    (void)state;
    figure8(true);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_election_safety_one_vote_per_term),
        cmocka_unit_test(test_election_safety_majority),
        cmocka_unit_test(test_election_safety_split_vote),
        cmocka_unit_test(test_leader_append_only),
        cmocka_unit_test(test_log_matching_consistency_check),
        cmocka_unit_test(test_log_matching_truncates_only_conflicts),
        cmocka_unit_test(test_leader_completeness_vote_restriction),
        cmocka_unit_test(test_state_machine_safety_follower_commit),
        cmocka_unit_test(test_state_machine_safety_apply_once_in_order),
        cmocka_unit_test(test_figure8_old_term_entry_not_committed_by_count),
        cmocka_unit_test(test_figure8_committed_with_own_term_entry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
