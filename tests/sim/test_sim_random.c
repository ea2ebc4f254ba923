/* test_sim_random: thousands of randomized cluster runs (sim.h), each checked
 * for the Raft safety properties after every step and for liveness once the
 * faults stop.
 *
 *   test_sim_random                    the ctest run: RAFT_SIM_SEEDS seeds for
 *                                      3 nodes and as many for 5 (default
 *                                      below, smaller under ASan)
 *   test_sim_random --seeds N [--first S] [--nodes K] [--keep-going]
 *   test_sim_random --seed N [--nodes K] [--trace]
 *                                      replays one seed, printing every event
 *                                      with --trace
 * A failing seed prints itself with the command that replays it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "sim.h"

#if defined(__SANITIZE_ADDRESS__)
#define SIM_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SIM_ASAN 1
#endif
#endif

#ifdef SIM_ASAN
#define DEFAULT_SEEDS 1000
#else
#define DEFAULT_SEEDS 4000
#endif

static long n_seeds = DEFAULT_SEEDS;
static uint64_t first_seed = 1;
static const char *prog = "test_sim_random";
static int keep_going; /* --keep-going: count the failing seeds */

static void run_seeds(int n_nodes)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    uint64_t committed = 0, crashes = 0, elections = 0;
    int64_t live_max = 0, live_sum = 0;
    long failures = 0;
    for (long k = 0; k < n_seeds; k++) {
        uint64_t seed = first_seed + (uint64_t)k;
        char err[1024];
        struct sim_run_stats st;
        if (!sim_random_run(seed, n_nodes, NULL, err, sizeof(err), &st)) {
            print_message("seed %llu (%d nodes) FAILED: %s\n  replay: %s --seed %llu --nodes %d "
                          "--trace\n",
                          (unsigned long long)seed, n_nodes, err, prog, (unsigned long long)seed,
                          n_nodes);
            failures++;
            if (keep_going)
                continue;
            fail_msg("seed %llu failed", (unsigned long long)seed);
        }
        committed += st.committed;
        crashes += st.crashes;
        elections += st.elections;
        live_sum += st.liveness_ms;
        if (st.liveness_ms > live_max)
            live_max = st.liveness_ms;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    print_message("%ld seeds x %d nodes in %.2fs: %llu entries committed, %llu crashes, %llu "
                  "leader terms; time to converge after the faults: mean %lld ms, max %lld ms\n",
                  n_seeds, n_nodes, secs, (unsigned long long)committed,
                  (unsigned long long)crashes, (unsigned long long)elections,
                  (long long)(n_seeds ? live_sum / n_seeds : 0), (long long)live_max);
    if (failures)
        fail_msg("%ld of %ld seeds failed", failures, n_seeds);
}

static void test_random_3_nodes(void **state)
{
    (void)state;
    run_seeds(3);
}

static void test_random_5_nodes(void **state)
{
    (void)state;
    run_seeds(5);
}

static int usage(void)
{
    fprintf(stderr,
            "usage: %s [--seeds N] [--first S] [--nodes K] [--keep-going] | --seed N [--nodes K] "
            "[--trace]\n",
            prog);
    return 2;
}

int main(int argc, char **argv)
{
    prog = argv[0];
    const char *env = getenv("RAFT_SIM_SEEDS");
    if (env && *env)
        n_seeds = strtol(env, NULL, 10);
    long one_seed = -1;
    int nodes = 0;
    int trace = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
            one_seed = strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--seeds") == 0 && i + 1 < argc)
            n_seeds = strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--first") == 0 && i + 1 < argc)
            first_seed = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--nodes") == 0 && i + 1 < argc)
            nodes = atoi(argv[++i]);
        else if (strcmp(argv[i], "--trace") == 0)
            trace = 1;
        else if (strcmp(argv[i], "--keep-going") == 0)
            keep_going = 1;
        else
            return usage();
    }
    if (nodes < 0 || nodes > SIM_MAX_NODES)
        return usage();
    if (one_seed >= 0) {
        char err[1024];
        struct sim_run_stats st;
        bool ok =
            sim_random_run((uint64_t)one_seed, nodes, trace ? stdout : NULL, err, sizeof(err), &st);
        printf("seed %ld (%d nodes): %s%s\n", one_seed, st.n_nodes,
               ok ? "ok" : "FAILED: ", ok ? "" : err);
        if (ok)
            printf("  %llu entries committed, %llu crashes, %llu leader terms, converged %lld ms "
                   "after the faults\n",
                   (unsigned long long)st.committed, (unsigned long long)st.crashes,
                   (unsigned long long)st.elections, (long long)st.liveness_ms);
        return ok ? 0 : 1;
    }
    if (nodes == 3 || nodes == 5 || nodes == 0) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_random_3_nodes),
            cmocka_unit_test(test_random_5_nodes),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
    }
    run_seeds(nodes);
    return 0;
}
