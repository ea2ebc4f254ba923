/* main: command line, configuration, start-up and shutdown of
 * raftcache-server.  See docs/architecture.md for the whole picture. */
#include <errno.h>
#include <ev.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "aof.h"
#include "blocking.h"
#include "config.h"
#include "evict.h"
#include "net.h"
#include "raft/node.h"
#include "server_state.h"
#include "util/log.h"
#include "util/notify.h"
#include "util/util.h"

static void usage(FILE *out)
{
    fprintf(out, "Usage: raftcache-server [-c PATH | PATH] [--test-config] [--OPTION VALUE ...]\n"
                 "       raftcache-server --version | --help\n"
                 "\n"
                 "  -c PATH, --config PATH  YAML configuration file (see docs/configuration.md);\n"
                 "                          default: config/raftcache.yaml if it exists in the\n"
                 "                          working directory, else built-in defaults\n"
                 "  --test-config           check the configuration and exit (0 ok, 1 bad)\n"
                 "  --version, -v           print the version and exit\n"
                 "  --help, -h              print this help and exit\n"
                 "  --OPTION VALUE          override a setting by its Redis name, e.g.\n"
                 "                          --port 7000 --bind 127.0.0.1 ::1 --dir ./data\n"
                 "                          --requirepass s3cret --loglevel verbose\n"
                 "\n"
                 "Precedence: command line, then environment (USE_RAFT, RAFT_DIR), then the\n"
                 "file, then the defaults.\n");
}

static void print_version(void)
{
    printf("raftcache-server v=%s (Redis protocol compatible)\n", RC_VERSION);
}

static void on_shutdown_signal(struct ev_loop *loop, ev_signal *w, int revents)
{
    (void)revents;
    log_warning("Received %s scheduling shutdown...", w->signum == SIGINT ? "SIGINT" : "SIGTERM");
    log_warning("User requested shutdown...");
    server.shutdown_asap = 1;
    ev_break(loop, EVBREAK_ALL);
}

static void on_sighup(struct ev_loop *loop, ev_signal *w, int revents)
{
    (void)loop;
    (void)w;
    (void)revents;
    /* logrotate moved the file: start a new one at the configured path. */
    int rc = log_reopen();
    if (rc < 0)
        log_warning("Could not reopen the log file: %s", strerror(-rc));
    else
        log_notice("Log file reopened (SIGHUP)");
}

/* CONFIG SET hook for settings that need more than a new value. */
static int on_config_set(const char *name, char *err, size_t errlen)
{
    if (strcmp(name, "appendonly") == 0)
        return aof_set_enabled(server.cfg->aof_enabled, err, errlen);
    if (strcmp(name, "loglevel") == 0)
        log_set_level(server.cfg->log_level);
    return 0;
}

/* Stops the loop when a command (SHUTDOWN) asked for it. */
static void check_shutdown(void)
{
    if (server.shutdown_asap)
        ev_break(EV_DEFAULT, EVBREAK_ALL);
}

static int write_pidfile(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -errno;
    fprintf(f, "%ld\n", (long)getpid());
    if (fclose(f) != 0)
        return -errno;
    return 0;
}

static void seed_randomness(void)
{
    uint8_t seed[16];
    FILE *f = fopen("/dev/urandom", "rb");
    size_t got = f ? fread(seed, 1, sizeof(seed), f) : 0;
    if (f)
        fclose(f);
    if (got != sizeof(seed)) {
        /* No urandom (a chroot): time and pid are weak, but the hash seed
         * only defends against hash flooding. */
        uint64_t t = (uint64_t)ustime() ^ ((uint64_t)getpid() << 32);
        memcpy(seed, &t, 8);
        memcpy(seed + 8, &t, 8);
    }
    hash_set_seed(seed);
    uint64_t r;
    memcpy(&r, seed, sizeof(r));
    rand_seed(r ^ (uint64_t)ustime());
}

int main(int argc, char **argv)
{
    const char *config_path = NULL;
    int test_config = 0;
    char **overrides = xcalloc((size_t)argc + 1, sizeof(char *));
    int noverrides = 0;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            free(overrides);
            return 0;
        } else if (strcmp(a, "-v") == 0 || strcmp(a, "--version") == 0) {
            print_version();
            free(overrides);
            return 0;
        } else if (strcmp(a, "--test-config") == 0) {
            test_config = 1;
        } else if (strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "%s needs a path\n", a);
                free(overrides);
                return 1;
            }
            config_path = argv[++i];
        } else if (i == 1 && a[0] != '-') {
            /* redis-server style: the config file as the first argument */
            config_path = a;
        } else {
            overrides[noverrides++] = argv[i];
        }
    }
    if (!config_path && access("config/raftcache.yaml", R_OK) == 0)
        config_path = "config/raftcache.yaml";

    static struct config cfg;
    char err[1024];
    config_init(&cfg);
    if ((config_path && config_load_file(&cfg, config_path, err, sizeof(err)) < 0) ||
        config_apply_env(&cfg, err, sizeof(err)) < 0 ||
        config_apply_args(&cfg, noverrides, overrides, err, sizeof(err)) < 0 ||
        config_validate(&cfg, err, sizeof(err)) < 0) {
        fprintf(stderr, "*** FATAL CONFIG FILE ERROR ***\n%s\n", err);
        free(overrides);
        config_free(&cfg);
        return 1;
    }
    free(overrides);
    if (test_config) {
        printf("Configuration %s is OK\n", config_path ? config_path : "(built-in defaults)");
        config_free(&cfg);
        return 0;
    }

    log_set_level(cfg.log_level);
    if (cfg.log_file && cfg.log_file[0]) {
        int rc = log_set_file(cfg.log_file);
        if (rc < 0) {
            fprintf(stderr, "Can't open the log file %s: %s\n", cfg.log_file, strerror(-rc));
            return 1;
        }
    }
    seed_randomness();
    signal(SIGPIPE, SIG_IGN);
    /* Past a file size limit, write(2) must fail with EFBIG (and the AOF
     * refuse writes) instead of the signal killing the process. */
    signal(SIGXFSZ, SIG_IGN);

    log_notice("oO0OoO0OoO0Oo raftcache is starting oO0OoO0OoO0Oo");
    log_notice("raftcache version=%s, bits=%d, pid=%ld, just started", RC_VERSION,
               (int)(sizeof(long) * 8), (long)getpid());
    if (config_path)
        log_notice("Configuration loaded from %s", config_path);
    else
        log_warning("Warning: no config file specified, using the default config. In order to "
                    "specify a config file use raftcache-server -c /path/to/raftcache.yaml");

    server_state_init(&cfg);
    char *cwd = getcwd(NULL, 0);
    if (config_path && config_path[0] != '/' && cwd) {
        size_t n = strlen(cwd) + strlen(config_path) + 2;
        cfg.config_file = xrealloc(cfg.config_file, n);
        snprintf(cfg.config_file, n, "%s/%s", cwd, config_path);
    } else if (config_path) {
        free(cfg.config_file);
        cfg.config_file = xstrdup(config_path);
    }
    free(cwd);

    struct ev_loop *loop = ev_default_loop(EVFLAG_AUTO);
    if (!loop) {
        log_warning("Could not initialise the event loop");
        return 1;
    }
    if (net_listen(loop) < 0)
        return 1;
    if (cfg.pidfile && cfg.pidfile[0]) {
        int rc = write_pidfile(cfg.pidfile);
        if (rc < 0)
            log_warning("Failed to write PID file %s: %s", cfg.pidfile, strerror(-rc));
    }
    net_add_before_sleep(check_shutdown);
    /* Order matters: Raft's Ready (persist, apply: replies and AOF frames
     * appear), then the AOF write (and with fsync: always, the fsync),
     * then net.c writes the replies. */
    net_add_before_sleep(node_before_sleep);
    net_add_before_sleep(blocking_before_sleep);
    net_add_before_sleep(aof_before_sleep);
    net_add_cron(aof_cron);
    net_add_cron(node_cron);
    net_add_cron(evict_cron);
    server.on_config_set = on_config_set;
    net_start(loop);
    /* Loading serves clients now and then (-LOADING), as Redis does. */
    server.process_events = net_process_events;
    if (aof_start() < 0) {
        net_stop(loop);
        server_state_free();
        config_free(&cfg);
        ev_loop_destroy(loop);
        return 1;
    }
    server.process_events = NULL;
    if (node_start(loop) < 0) {
        aof_shutdown();
        net_stop(loop);
        server_state_free();
        config_free(&cfg);
        ev_loop_destroy(loop);
        return 1;
    }

    ev_signal sigterm_w, sigint_w, sighup_w;
    ev_signal_init(&sigterm_w, on_shutdown_signal, SIGTERM);
    ev_signal_init(&sigint_w, on_shutdown_signal, SIGINT);
    ev_signal_init(&sighup_w, on_sighup, SIGHUP);
    ev_signal_start(loop, &sigterm_w);
    ev_signal_start(loop, &sigint_w);
    ev_signal_start(loop, &sighup_w);

    log_notice("Server initialized");
    log_notice("Ready to accept connections tcp on port %d", cfg.port);
    notify_send("READY=1\nSTATUS=Ready to accept connections");

    ev_run(loop, 0);

    notify_send("STOPPING=1");
    net_stop(loop);
    node_stop();
    aof_shutdown();
    if (cfg.pidfile && cfg.pidfile[0])
        unlink(cfg.pidfile);
    log_warning("raftcache is now ready to exit, bye bye...");
    server_state_free();
    config_free(&cfg);
    ev_loop_destroy(loop);
    return 0;
}
