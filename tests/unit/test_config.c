/* Unit tests for config: the built-in defaults, a full valid file, every
 * class of YAML error with its exact "file:line:column: message", the
 * environment and the command line (and their precedence over the file),
 * cross-key validation, CONFIG GET patterns and CONFIG SET with Redis 7's
 * error texts, and that every failure leaves the configuration untouched. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "util/log.h"
#include "util/util.h"

#define ERRLEN 512

/* ---------------------------------------------------------------------- */
/* Helpers                                                                 */

/* Temporary files written by a test, removed by teardown. */
static char g_paths[64][64];
static int g_npaths;

static const char *write_tmp(const char *text, size_t len)
{
    assert_true(g_npaths < 64);
    char *path = g_paths[g_npaths++];
    snprintf(path, 64, "/tmp/rc-test-config-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    close(fd);
    return path;
}

static const char *yaml_file(const char *text)
{
    return write_tmp(text, strlen(text));
}

static int teardown_files(void **state)
{
    (void)state;
    for (int i = 0; i < g_npaths; i++)
        unlink(g_paths[i]);
    g_npaths = 0;
    return 0;
}

/* Loads text into a fresh default config and expects it to fail with
 * "<path>:<expected>". */
static void expect_load_error(const char *text, const char *expected)
{
    struct config cfg;
    char err[ERRLEN], want[ERRLEN];
    const char *path = yaml_file(text);

    config_init(&cfg);
    assert_int_equal(config_load_file(&cfg, path, err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "%s:%s", path, expected);
    assert_string_equal(err, want);
    config_free(&cfg);
}

/* CONFIG GET "*" rendered as "name=value\n" lines: a snapshot of the
 * whole visible configuration, to check that a failure changed nothing. */
struct text {
    char buf[8192];
    size_t len;
    int count;
};

static void collect(void *ud, const char *name, const char *value)
{
    struct text *t = ud;
    int n = snprintf(t->buf + t->len, sizeof(t->buf) - t->len, "%s=%s\n", name, value);
    assert_true(n > 0 && (size_t)n < sizeof(t->buf) - t->len);
    t->len += (size_t)n;
    t->count++;
}

static void snapshot(const struct config *cfg, const char *pattern, struct text *t)
{
    t->len = 0;
    t->count = 0;
    t->buf[0] = '\0';
    config_get(cfg, pattern, collect, t);
}

/* The value CONFIG GET shows for one exact name, "" if none (as a copy). */
static const char *get1(const struct config *cfg, const char *name)
{
    static struct text t;
    snapshot(cfg, name, &t);
    assert_int_equal(t.count, 1);
    char *eq = strchr(t.buf, '=');
    assert_non_null(eq);
    t.buf[t.len - 1] = '\0'; /* the newline */
    return eq + 1;
}

/* ---------------------------------------------------------------------- */
/* Defaults and a valid file                                               */

static void test_defaults(void **state)
{
    (void)state;
    struct config cfg;
    char err[ERRLEN];

    config_init(&cfg);
    assert_int_equal(cfg.nbind, 2);
    assert_string_equal(cfg.bind[0], "127.0.0.1");
    assert_string_equal(cfg.bind[1], "::1");
    assert_int_equal(cfg.port, 6379);
    assert_int_equal(cfg.maxclients, 10000);
    assert_int_equal(cfg.timeout, 0);
    assert_string_equal(cfg.requirepass, "");
    assert_int_equal(cfg.databases, 16);
    assert_int_equal(cfg.tcp_backlog, 511);
    assert_int_equal(cfg.tcp_keepalive, 300);
    assert_int_equal(cfg.proto_max_bulk_len, 512LL * 1024 * 1024);
    assert_string_equal(cfg.pidfile, "");
    assert_int_equal(cfg.hz, 10);
    assert_int_equal(cfg.log_level, LOG_NOTICE);
    assert_string_equal(cfg.log_file, "");
    assert_int_equal(cfg.aof_enabled, 1);
    assert_string_equal(cfg.aof_dir, "./data");
    assert_string_equal(cfg.aof_filename, "appendonly.aof");
    assert_int_equal(cfg.aof_fsync, AOF_FSYNC_EVERYSEC);
    assert_int_equal(cfg.aof_rewrite_auto, 1);
    assert_int_equal(cfg.aof_rewrite_percentage, 100);
    assert_int_equal(cfg.aof_rewrite_min_size, 64LL * 1024 * 1024);
    assert_int_equal(cfg.aof_load_truncated, 1);
    assert_int_equal(cfg.raft_enabled, 0);
    assert_string_equal(cfg.raft_dir, "./raftdata");
    assert_int_equal(cfg.raft_node_id, 1);
    assert_string_equal(cfg.raft_listen, "127.0.0.1:7379");
    assert_int_equal(cfg.npeers, 0);
    assert_int_equal(cfg.raft_election_timeout_ms, 1000);
    assert_int_equal(cfg.raft_heartbeat_ms, 100);
    assert_int_equal(cfg.raft_read_mode, READ_LINEARIZABLE);
    assert_string_equal(cfg.raft_secret, "");
    assert_int_equal(cfg.maxmemory, 0);
    assert_string_equal(cfg.maxmemory_policy, "noeviction");
    assert_int_equal(cfg.maxmemory_samples, 5);
    assert_int_equal(cfg.lfu_log_factor, 10);
    assert_int_equal(cfg.lfu_decay_time, 1);
    assert_string_equal(cfg.config_file, "");
    assert_int_equal(config_validate(&cfg, err, sizeof(err)), 0);
    config_free(&cfg);
    config_free(&cfg); /* idempotent */
}

static void test_full_valid_file(void **state)
{
    (void)state;
    struct config cfg;
    char err[ERRLEN];
    const char *path =
        yaml_file("# every key, none at its default\n"
                  "server:\n"
                  "  bind: 0.0.0.0\n"
                  "  port: 7000\n"
                  "  maxclients: 50\n"
                  "  timeout: 30\n"
                  "  requirepass: \"s3cret: yes\"\n"
                  "  databases: 4\n"
                  "  tcp_backlog: 128\n"
                  "  tcp_keepalive: 0\n"
                  "  proto_max_bulk_len: 1gb\n"
                  "  pidfile: /run/rc.pid\n"
                  "  hz: 100\n"
                  "log: {level: debug, file: /var/log/rc.log}\n"
                  "aof:\n"
                  "  enabled: no\n"
                  "  dir: /var/lib/rc\n"
                  "  filename: rc.aof\n"
                  "  fsync: always\n"
                  "  load_truncated: False\n"
                  "  rewrite:\n"
                  "    auto: false\n"
                  "    percentage: 50\n"
                  "    min_size: 1048576\n"
                  "raft:\n"
                  "  enabled: YES\n"
                  "  dir: /var/lib/rc/raft\n"
                  "  node_id: 2\n"
                  "  listen: \"[::1]:7380\"\n"
                  "  peers:\n"
                  "    - {id: 1, raft: \"127.0.0.1:7379\", client: \"127.0.0.1:6379\"}\n"
                  "    - id: 2\n"
                  "      raft: \"[::1]:7380\"\n"
                  "      client: localhost:6380\n"
                  "  election_timeout_ms: 500\n"
                  "  heartbeat_ms: 50\n"
                  "  read_mode: lease\n"
                  "  secret: k3y\n"
                  "memory:\n"
                  "  maxmemory: 100mb\n"
                  "  policy: allkeys-lru\n"
                  "  samples: 10\n"
                  "  lfu_log_factor: 20\n"
                  "  lfu_decay_time: 0\n");

    config_init(&cfg);
    assert_int_equal(config_load_file(&cfg, path, err, sizeof(err)), 0);
    assert_int_equal(cfg.nbind, 1);
    assert_string_equal(cfg.bind[0], "0.0.0.0");
    assert_int_equal(cfg.port, 7000);
    assert_int_equal(cfg.maxclients, 50);
    assert_int_equal(cfg.timeout, 30);
    assert_string_equal(cfg.requirepass, "s3cret: yes");
    assert_int_equal(cfg.databases, 4);
    assert_int_equal(cfg.tcp_backlog, 128);
    assert_int_equal(cfg.tcp_keepalive, 0);
    assert_int_equal(cfg.proto_max_bulk_len, 1024LL * 1024 * 1024);
    assert_string_equal(cfg.pidfile, "/run/rc.pid");
    assert_int_equal(cfg.hz, 100);
    assert_int_equal(cfg.log_level, LOG_DEBUG);
    assert_string_equal(cfg.log_file, "/var/log/rc.log");
    assert_int_equal(cfg.aof_enabled, 0);
    assert_string_equal(cfg.aof_dir, "/var/lib/rc");
    assert_string_equal(cfg.aof_filename, "rc.aof");
    assert_int_equal(cfg.aof_fsync, AOF_FSYNC_ALWAYS);
    assert_int_equal(cfg.aof_load_truncated, 0);
    assert_int_equal(cfg.aof_rewrite_auto, 0);
    assert_int_equal(cfg.aof_rewrite_percentage, 50);
    assert_int_equal(cfg.aof_rewrite_min_size, 1048576);
    assert_int_equal(cfg.raft_enabled, 1);
    assert_string_equal(cfg.raft_dir, "/var/lib/rc/raft");
    assert_int_equal(cfg.raft_node_id, 2);
    assert_string_equal(cfg.raft_listen, "[::1]:7380");
    assert_int_equal(cfg.npeers, 2);
    assert_int_equal(cfg.peers[0].id, 1);
    assert_string_equal(cfg.peers[0].raft_addr, "127.0.0.1:7379");
    assert_string_equal(cfg.peers[0].client_addr, "127.0.0.1:6379");
    assert_int_equal(cfg.peers[1].id, 2);
    assert_string_equal(cfg.peers[1].raft_addr, "[::1]:7380");
    assert_string_equal(cfg.peers[1].client_addr, "localhost:6380");
    assert_int_equal(cfg.raft_election_timeout_ms, 500);
    assert_int_equal(cfg.raft_heartbeat_ms, 50);
    assert_int_equal(cfg.raft_read_mode, READ_LEASE);
    assert_string_equal(cfg.raft_secret, "k3y");
    assert_int_equal(cfg.maxmemory, 100LL * 1024 * 1024);
    assert_string_equal(cfg.maxmemory_policy, "allkeys-lru");
    assert_int_equal(cfg.maxmemory_samples, 10);
    assert_int_equal(cfg.lfu_log_factor, 20);
    assert_int_equal(cfg.lfu_decay_time, 0);
    assert_string_equal(cfg.config_file, path);
    assert_int_equal(config_validate(&cfg, err, sizeof(err)), 0);
    config_free(&cfg);
}

static void test_partial_and_empty_files(void **state)
{
    (void)state;
    struct config cfg;
    char err[ERRLEN];

    /* An empty file, a comment-only file and empty sections: all defaults. */
    const char *texts[] = {"", "# nothing\n", "server:\nlog:\naof: {}\nraft: ~\n", "---\n"};
    for (size_t i = 0; i < ARRAY_SIZE(texts); i++) {
        config_init(&cfg);
        assert_int_equal(config_load_file(&cfg, yaml_file(texts[i]), err, sizeof(err)), 0);
        assert_int_equal(cfg.port, 6379);
        assert_int_equal(cfg.nbind, 2);
        config_free(&cfg);
        teardown_files(NULL);
    }

    /* A key with no value is the empty string for a string key; a list
     * key with no value is the empty list. */
    config_init(&cfg);
    assert_int_equal(config_load_file(&cfg,
                                      yaml_file("server:\n  requirepass:\n  port: 0\n  bind:\n"
                                                "raft:\n  peers:\n"),
                                      err, sizeof(err)),
                     0);
    assert_string_equal(cfg.requirepass, "");
    assert_int_equal(cfg.nbind, 0);
    assert_int_equal(cfg.npeers, 0);
    assert_int_equal(cfg.port, 0);
    assert_int_equal(config_validate(&cfg, err, sizeof(err)), 0);
    config_free(&cfg);

    /* A file only overrides what it names: a second file keeps the first's
     * values for the other keys. */
    config_init(&cfg);
    assert_int_equal(
        config_load_file(&cfg, yaml_file("server: {port: 1000, hz: 20}\n"), err, sizeof(err)), 0);
    assert_int_equal(config_load_file(&cfg, yaml_file("server: {port: 2000}\n"), err, sizeof(err)),
                     0);
    assert_int_equal(cfg.port, 2000);
    assert_int_equal(cfg.hz, 20);
    config_free(&cfg);
}

/* ---------------------------------------------------------------------- */
/* YAML errors, each with its exact message                                */

static void test_error_unknown_key(void **state)
{
    (void)state;
    expect_load_error("server:\n  port: 1\n  prot: 2\n",
                      "3:3: unknown key 'prot' in section 'server'");
    expect_load_error("aof:\n  rewrite:\n    often: yes\n",
                      "3:5: unknown key 'often' in section 'aof.rewrite'");
    expect_load_error("raft:\n  peers:\n    - {id: 1, raft: \"a:1\", client: \"a:2\", x: 1}\n",
                      "3:43: unknown key 'x' in raft.peers[0] (expected id, raft, client)");
    /* A key that names a section but sits in the wrong place. */
    expect_load_error("server:\n  rewrite: {auto: no}\n",
                      "2:3: unknown key 'rewrite' in section 'server'");
}

static void test_error_unknown_section(void **state)
{
    (void)state;
    expect_load_error("srv:\n  port: 1\n",
                      "1:1: unknown section 'srv' (expected server, log, aof, raft, memory)");
    expect_load_error("aof.rewrite:\n  auto: no\n",
                      "1:1: unknown section 'aof.rewrite' (expected server, log, aof, raft, "
                      "memory)");
    expect_load_error("[1, 2]\n",
                      "1:1: expected a mapping of sections (server, log, aof, raft, memory), got "
                      "a list");
    expect_load_error("just text\n",
                      "1:1: expected a mapping of sections (server, log, aof, raft, memory), got "
                      "a scalar");
}

static void test_error_bad_port(void **state)
{
    (void)state;
    expect_load_error("server:\n  port: abc\n",
                      "2:9: server.port: expected an integer 0..65535, got 'abc'");
    expect_load_error("server:\n  port: 65536\n",
                      "2:9: server.port: expected an integer 0..65535, got '65536'");
    expect_load_error("server:\n  port: -1\n",
                      "2:9: server.port: expected an integer 0..65535, got '-1'");
    expect_load_error("server:\n  port: 6379.5\n",
                      "2:9: server.port: expected an integer 0..65535, got '6379.5'");
    expect_load_error("server:\n  port:\n",
                      "2:8: server.port: expected an integer 0..65535, got ''");
    expect_load_error("server:\n  timeout: -5\n",
                      "2:12: server.timeout: expected an integer >= 0, got '-5'");
    expect_load_error("server:\n  hz: 0\n", "2:7: server.hz: expected an integer 1..500, got '0'");
    expect_load_error("server:\n  databases: 10001\n",
                      "2:14: server.databases: expected an integer 1..10000, got '10001'");
}

static void test_error_bad_enum(void **state)
{
    (void)state;
    expect_load_error("aof:\n  fsync: sometimes\n",
                      "2:10: aof.fsync: expected one of (everysec, always, no), got 'sometimes'");
    expect_load_error("log:\n  level: loud\n",
                      "2:10: log.level: expected one of (debug, verbose, notice, warning), got "
                      "'loud'");
    expect_load_error("raft:\n  read_mode: fast\n",
                      "2:14: raft.read_mode: expected one of (linearizable, lease, stale), got "
                      "'fast'");
    expect_load_error("memory:\n  policy: lru\n",
                      "2:11: memory.policy: expected one of (volatile-lru, volatile-lfu, "
                      "volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, "
                      "noeviction), got 'lru'");
}

static void test_error_bad_bool(void **state)
{
    (void)state;
    expect_load_error("aof:\n  enabled: maybe\n",
                      "2:12: aof.enabled: expected a boolean (true, false, yes, no), got 'maybe'");
    expect_load_error("raft:\n  enabled: 1\n",
                      "2:12: raft.enabled: expected a boolean (true, false, yes, no), got '1'");
    expect_load_error("aof:\n  rewrite: {auto: on}\n",
                      "2:19: aof.rewrite.auto: expected a boolean (true, false, yes, no), got "
                      "'on'");
}

static void test_error_bad_size(void **state)
{
    (void)state;
    expect_load_error("memory:\n  maxmemory: 10xb\n",
                      "2:14: memory.maxmemory: expected a size in bytes (a number, or with a "
                      "unit: 100mb, 1gb), got '10xb'");
    expect_load_error("memory:\n  maxmemory: -1\n",
                      "2:14: memory.maxmemory: expected a size in bytes (a number, or with a "
                      "unit: 100mb, 1gb), got '-1'");
    expect_load_error("memory:\n  maxmemory: mb\n",
                      "2:14: memory.maxmemory: expected a size in bytes (a number, or with a "
                      "unit: 100mb, 1gb), got 'mb'");
    expect_load_error("server:\n  proto_max_bulk_len: 1k\n",
                      "2:23: server.proto_max_bulk_len: expected a size of at least 1048576 "
                      "bytes, got '1k'");
}

static void test_error_syntax(void **state)
{
    (void)state;
    expect_load_error("server:\n  port: 1\n bad: 2\n",
                      "3:2: did not find expected key (while parsing a block mapping that starts "
                      "at 1:1)");
    expect_load_error("server: [1, 2\n",
                      "2:1: did not find expected ',' or ']' (while parsing a flow sequence that "
                      "starts at 1:9)");
    expect_load_error("server:\n  port: 1: 2\n",
                      "2:10: mapping values are not allowed in this context");
    expect_load_error("server:\n\tport: 1\n",
                      "2:1: found character that cannot start any token (while scanning for the "
                      "next token that starts at 2:1)");
    expect_load_error("server:\n  port: *nowhere\n", "2:9: found undefined alias");
    expect_load_error("server: {}\n---\nlog: {}\n", "3:1: only one YAML document is allowed");

    /* Bytes that are not UTF-8: libyaml's reader error carries an offset. */
    struct config cfg;
    char err[ERRLEN], want[ERRLEN];
    const char *path = write_tmp("server:\n  port: \xff\n", 17);
    config_init(&cfg);
    assert_int_equal(config_load_file(&cfg, path, err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "%s:2:9: invalid leading UTF-8 octet (byte 0xff)", path);
    assert_string_equal(err, want);
    config_free(&cfg);
}

static void test_error_wrong_type(void **state)
{
    (void)state;
    expect_load_error("server:\n  port: [1, 2]\n",
                      "2:9: server.port: expected a scalar value, got a list");
    expect_load_error("server:\n  requirepass: {a: b}\n",
                      "2:16: server.requirepass: expected a scalar value, got a mapping");
    expect_load_error("server: 5\n", "1:9: server: expected a mapping, got a scalar");
    expect_load_error("log:\n  - level: debug\n", "2:3: log: expected a mapping, got a list");
    expect_load_error("aof:\n  rewrite: yes\n",
                      "2:12: aof.rewrite: expected a mapping, got a scalar");
    expect_load_error("server:\n  bind: {a: 1}\n",
                      "2:9: server.bind: expected a list or a string, got a mapping");
    expect_load_error("server:\n  bind: [127.0.0.1, [a]]\n",
                      "2:21: server.bind[1]: expected an address, got a list");
    expect_load_error("server:\n  bind: [127.0.0.1, \"\"]\n",
                      "2:21: server.bind[1]: expected an address, got ''");
    expect_load_error("raft:\n  peers: 1\n", "2:10: raft.peers: expected a list, got a scalar");
    expect_load_error("raft:\n  peers: [1]\n",
                      "2:11: raft.peers[0]: expected a mapping {id, raft, client}, got a scalar");
    expect_load_error("? [a]\n: 1\n", "1:3: expected a section name, got a list");
    expect_load_error("server:\n  requirepass: \"a\\0b\"\n",
                      "2:16: server.requirepass: contains a NUL byte");
}

static void test_error_duplicate_key(void **state)
{
    (void)state;
    expect_load_error("server:\n  port: 1\n  hz: 5\n  port: 2\n",
                      "4:3: duplicate key 'port' in section 'server'");
    expect_load_error("server: {}\nlog: {}\nserver: {}\n", "3:1: duplicate section 'server'");
    expect_load_error("aof:\n  rewrite: {auto: no, auto: yes}\n",
                      "2:23: duplicate key 'auto' in section 'aof.rewrite'");
    expect_load_error("raft:\n  peers:\n    - {id: 1, id: 2}\n",
                      "3:15: duplicate key 'id' in raft.peers[0]");
}

static void test_error_peers(void **state)
{
    (void)state;
    expect_load_error("raft:\n  peers:\n    - {id: 1, raft: \"a:1\"}\n",
                      "3:7: raft.peers[0]: missing key 'client'");
    expect_load_error("raft:\n  peers:\n    - {raft: \"a:1\", client: \"a:2\"}\n",
                      "3:7: raft.peers[0]: missing key 'id'");
    expect_load_error("raft:\n  peers:\n    - {id: 0, raft: \"a:1\", client: \"a:2\"}\n",
                      "3:12: raft.peers[0].id: expected an integer >= 1, got '0'");
    expect_load_error("raft:\n  peers:\n    - {id: 1, raft: \"a:0\", client: \"a:2\"}\n",
                      "3:21: raft.peers[0].raft: expected host:port (e.g. 127.0.0.1:7379 or "
                      "[::1]:7379), got 'a:0'");
    expect_load_error("raft:\n  peers:\n    - {id: 1, raft: \"a:1\", client: \"a\"}\n",
                      "3:36: raft.peers[0].client: expected host:port (e.g. 127.0.0.1:6379 or "
                      "[::1]:6379), got 'a'");
    expect_load_error("raft:\n  peers:\n"
                      "    - {id: 1, raft: \"a:1\", client: \"a:2\"}\n"
                      "    - {id: 1, raft: \"b:1\", client: \"b:2\"}\n",
                      "4:7: raft.peers[1]: duplicate peer id 1");
    expect_load_error("raft:\n  listen: 127.0.0.1\n",
                      "2:11: raft.listen: expected host:port (e.g. 127.0.0.1:7379 or "
                      "[::1]:7379), got '127.0.0.1'");
    expect_load_error("raft:\n  dir: \"\"\n", "2:8: raft.dir: expected a non-empty value, got ''");
    expect_load_error("aof:\n  dir: ~\n", "2:8: aof.dir: expected a non-empty value, got ''");
}

static void test_error_limits(void **state)
{
    (void)state;
    char text[4096];

    /* libyaml slows down quadratically with nesting: refused early. */
    memset(text, '[', 3000);
    text[3000] = '\0';
    expect_load_error(text, "1:33: nested more than 32 levels deep");
    strcpy(text, "server: &s {port: 1}\nlog:\n  x: [");
    for (int i = 0; i < 65; i++)
        strcat(text, "*s, ");
    strcat(text, "]\n");
    expect_load_error(text, "3:263: more than 64 aliases");
    /* A few aliases are fine (and an aliased mapping is checked where it is
     * used). */
    expect_load_error("server: &s {port: 1}\nlog: *s\n",
                      "1:13: unknown key 'port' in section 'log'");

    /* Over 1 MiB: refused before parsing. */
    struct config cfg;
    char err[ERRLEN], want[ERRLEN];
    size_t big = 1024 * 1024 + 1;
    char *buf = malloc(big);
    assert_non_null(buf);
    memset(buf, '#', big);
    const char *path = write_tmp(buf, big);
    free(buf);
    config_init(&cfg);
    assert_int_equal(config_load_file(&cfg, path, err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "%s: file too large (more than 1048576 bytes)", path);
    assert_string_equal(err, want);
    config_free(&cfg);
}

static void test_error_unreadable(void **state)
{
    (void)state;
    struct config cfg;
    char err[ERRLEN];

    config_init(&cfg);
    assert_int_equal(config_load_file(&cfg, "/nonexistent/raftcache.yaml", err, sizeof(err)), -1);
    assert_string_equal(err, "/nonexistent/raftcache.yaml: cannot open: No such file or directory");
    assert_int_equal(config_load_file(&cfg, "/tmp", err, sizeof(err)), -1);
    assert_string_equal(err, "/tmp: cannot open: Is a directory");
    /* A tiny error buffer is still NUL-terminated. */
    char small[8];
    assert_int_equal(config_load_file(&cfg, "/nonexistent/x", small, sizeof(small)), -1);
    assert_string_equal(small, "/nonexi");
    config_free(&cfg);
}

static void test_failed_load_leaves_cfg_unchanged(void **state)
{
    (void)state;
    struct config cfg;
    char err[ERRLEN];
    struct text before, after;

    config_init(&cfg);
    snapshot(&cfg, "*", &before);
    /* Good keys first, then a bad one: none of the good ones may stick. */
    assert_int_equal(config_load_file(&cfg,
                                      yaml_file("server:\n  port: 7000\n  bind: [0.0.0.0]\n"
                                                "raft:\n  peers:\n"
                                                "    - {id: 1, raft: \"a:1\", client: \"a:2\"}\n"
                                                "memory:\n  samples: x\n"),
                                      err, sizeof(err)),
                     -1);
    snapshot(&cfg, "*", &after);
    assert_string_equal(before.buf, after.buf);
    assert_string_equal(cfg.config_file, "");
    config_free(&cfg);
}

/* Each file in config/test-bad/ starts with "# expect: LINE:COL: message". */
static void test_bad_sample_files(void **state)
{
    (void)state;
    static const char *const files[] = {
        "unknown-key.yaml", "unknown-section.yaml", "bad-port.yaml",   "bad-fsync.yaml",
        "bad-peer.yaml",    "syntax.yaml",          "wrong-type.yaml",
    };

    for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
        char path[512], line[512], want[1024], err[ERRLEN];
        struct config cfg;
        snprintf(path, sizeof(path), "%s/config/test-bad/%s", RC_SOURCE_DIR, files[i]);
        FILE *f = fopen(path, "r");
        assert_non_null(f);
        assert_non_null(fgets(line, sizeof(line), f));
        fclose(f);
        assert_int_equal(strncmp(line, "# expect: ", 10), 0);
        line[strcspn(line, "\n")] = '\0';
        snprintf(want, sizeof(want), "%s:%s", path, line + 10);

        config_init(&cfg);
        assert_int_equal(config_load_file(&cfg, path, err, sizeof(err)), -1);
        assert_string_equal(err, want);
        config_free(&cfg);
    }
}

static void test_shipped_config_loads(void **state)
{
    (void)state;
    struct config cfg, def;
    char err[ERRLEN];
    struct text a, b;

    config_init(&cfg);
    config_init(&def);
    int rc = config_load_file(&cfg, RC_SOURCE_DIR "/config/raftcache.yaml", err, sizeof(err));
    if (rc != 0)
        fail_msg("%s", err);
    assert_int_equal(config_validate(&cfg, err, sizeof(err)), 0);
    /* The shipped file documents the defaults: it must not drift from
     * them. */
    snapshot(&cfg, "*", &a);
    snapshot(&def, "*", &b);
    assert_string_equal(a.buf, b.buf);
    assert_string_equal(cfg.raft_secret, def.raft_secret);
    config_free(&cfg);
    config_free(&def);
}

/* ---------------------------------------------------------------------- */
/* Validation                                                              */

static void expect_invalid(struct config *cfg, const char *msg)
{
    char err[ERRLEN];
    assert_int_equal(config_validate(cfg, err, sizeof(err)), -1);
    assert_string_equal(err, msg);
}

static void test_validate(void **state)
{
    (void)state;
    struct config cfg;
    char err[ERRLEN];

    config_init(&cfg);
    cfg.raft_heartbeat_ms = 1000;
    expect_invalid(&cfg, "raft.heartbeat_ms (1000) must be less than raft.election_timeout_ms "
                         "(1000)");
    cfg.raft_heartbeat_ms = 100;

    cfg.databases = 0;
    expect_invalid(&cfg, "server.databases: must be 1..10000, is 0");
    cfg.databases = 10001;
    expect_invalid(&cfg, "server.databases: must be 1..10000, is 10001");
    cfg.databases = 16;

    cfg.maxclients = 0;
    expect_invalid(&cfg, "server.maxclients: must be at least 1, is 0");
    cfg.maxclients = 1;

    cfg.hz = 0;
    expect_invalid(&cfg, "server.hz: must be 1..500, is 0");
    cfg.hz = 10;

    /* No address to bind is fine only without a TCP port. */
    for (int i = 0; i < cfg.nbind; i++)
        free(cfg.bind[i]);
    cfg.nbind = 0;
    expect_invalid(&cfg, "server.bind: no address to listen on (give one, or set port to 0)");
    cfg.port = 0;
    assert_int_equal(config_validate(&cfg, err, sizeof(err)), 0);

    free(cfg.aof_filename);
    cfg.aof_filename = xstrdup("../x.aof");
    expect_invalid(&cfg, "aof.filename: must be a plain file name (no '/'), is '../x.aof'");
    free(cfg.aof_filename);
    cfg.aof_filename = xstrdup("appendonly.aof");

    /* The peers list must hold this node, once, with distinct ids and
     * raft addresses. */
    char *argv[] = {"--raft-peers", "2,a:1,a:2 3,b:1,b:2"};
    assert_int_equal(config_apply_args(&cfg, 2, argv, err, sizeof(err)), 0);
    expect_invalid(&cfg, "raft.node_id 1 is not among raft.peers (the list must include this "
                         "node)");
    cfg.raft_node_id = 3;
    assert_int_equal(config_validate(&cfg, err, sizeof(err)), 0);
    cfg.peers[1].id = 2;
    expect_invalid(&cfg, "raft.peers[1]: duplicate peer id 2");
    cfg.peers[1].id = 3;
    free(cfg.peers[1].raft_addr);
    cfg.peers[1].raft_addr = xstrdup("a:1");
    expect_invalid(&cfg, "raft.peers[1]: raft address a:1 is also that of peer 2");
    free(cfg.peers[1].raft_addr);
    cfg.peers[1].raft_addr = xstrdup("b:1");

    /* With Raft on, raft.listen must be this node's peers address (or a
     * wildcard on its port): the others dial that address. */
    cfg.raft_enabled = 1;
    expect_invalid(&cfg, "raft.listen (127.0.0.1:7379) must be this node's address in "
                         "raft.peers (b:1), or a wildcard address on its port");
    free(cfg.raft_listen);
    cfg.raft_listen = xstrdup("0.0.0.0:1");
    assert_int_equal(config_validate(&cfg, err, sizeof(err)), 0);
    free(cfg.raft_listen);
    cfg.raft_listen = xstrdup("b:1");
    assert_int_equal(config_validate(&cfg, err, sizeof(err)), 0);
    free(cfg.raft_listen);
    cfg.raft_listen = xstrdup("0.0.0.0:2");
    expect_invalid(&cfg, "raft.listen (0.0.0.0:2) must be this node's address in raft.peers "
                         "(b:1), or a wildcard address on its port");
    config_free(&cfg);

    /* Cross-key problems in a file pass the loader and are caught here. */
    config_init(&cfg);
    assert_int_equal(config_load_file(&cfg,
                                      yaml_file("raft:\n  election_timeout_ms: 100\n"
                                                "  heartbeat_ms: 200\n"),
                                      err, sizeof(err)),
                     0);
    expect_invalid(&cfg, "raft.heartbeat_ms (200) must be less than raft.election_timeout_ms "
                         "(100)");
    config_free(&cfg);
}

/* ---------------------------------------------------------------------- */
/* Environment                                                             */

static void clear_env(void)
{
    unsetenv("USE_RAFT");
    unsetenv("RAFT_DIR");
    unsetenv("RAFTCACHE_PORT");
    unsetenv("RAFTCACHE_BIND");
}

static void test_env(void **state)
{
    (void)state;
    struct config cfg;
    char err[ERRLEN];
    static const char *const on[] = {"1", "true", "yes", "TRUE", "Yes"};
    static const char *const off[] = {"0", "false", "no", "NO"};

    clear_env();
    config_init(&cfg);
    assert_int_equal(config_apply_env(&cfg, err, sizeof(err)), 0);
    assert_int_equal(cfg.raft_enabled, 0);
    assert_string_equal(cfg.raft_dir, "./raftdata");

    for (size_t i = 0; i < ARRAY_SIZE(on); i++) {
        cfg.raft_enabled = 0;
        setenv("USE_RAFT", on[i], 1);
        assert_int_equal(config_apply_env(&cfg, err, sizeof(err)), 0);
        assert_int_equal(cfg.raft_enabled, 1);
    }
    for (size_t i = 0; i < ARRAY_SIZE(off); i++) {
        cfg.raft_enabled = 1;
        setenv("USE_RAFT", off[i], 1);
        assert_int_equal(config_apply_env(&cfg, err, sizeof(err)), 0);
        assert_int_equal(cfg.raft_enabled, 0);
    }
    /* Set but empty: as if unset. */
    cfg.raft_enabled = 1;
    setenv("USE_RAFT", "", 1);
    assert_int_equal(config_apply_env(&cfg, err, sizeof(err)), 0);
    assert_int_equal(cfg.raft_enabled, 1);

    setenv("USE_RAFT", "1", 1);
    setenv("RAFT_DIR", "/tmp/rd", 1);
    setenv("RAFTCACHE_PORT", "7001", 1);
    setenv("RAFTCACHE_BIND", "127.0.0.1, ::1 10.0.0.1", 1);
    assert_int_equal(config_apply_env(&cfg, err, sizeof(err)), 0);
    assert_int_equal(cfg.raft_enabled, 1);
    assert_string_equal(cfg.raft_dir, "/tmp/rd");
    assert_int_equal(cfg.port, 7001);
    assert_int_equal(cfg.nbind, 3);
    assert_string_equal(cfg.bind[2], "10.0.0.1");
    config_free(&cfg);

    /* Errors name the variable and change nothing. */
    config_init(&cfg);
    setenv("USE_RAFT", "maybe", 1);
    assert_int_equal(config_apply_env(&cfg, err, sizeof(err)), -1);
    assert_string_equal(err, "USE_RAFT: expected 1, true, yes, 0, false or no, got 'maybe'");
    setenv("USE_RAFT", "1", 1);
    setenv("RAFTCACHE_PORT", "http", 1);
    assert_int_equal(config_apply_env(&cfg, err, sizeof(err)), -1);
    assert_string_equal(err, "RAFTCACHE_PORT: expected an integer 0..65535, got 'http'");
    assert_int_equal(cfg.raft_enabled, 0);
    assert_string_equal(cfg.raft_dir, "./raftdata");
    assert_int_equal(cfg.port, 6379);
    assert_int_equal(cfg.nbind, 2);
    config_free(&cfg);
    clear_env();
}

/* ---------------------------------------------------------------------- */
/* Command line                                                            */

/* apply(cfg, err, "--port", "1", NULL): the arguments up to the NULL. */
static int apply(struct config *cfg, char *err, ...) __attribute__((sentinel));
static int apply(struct config *cfg, char *err, ...)
{
    char *argv[32];
    int argc = 0;
    va_list ap;
    va_start(ap, err);
    for (char *a; (a = va_arg(ap, char *)) != NULL;) {
        assert_true(argc < 32);
        argv[argc++] = a;
    }
    va_end(ap);
    return config_apply_args(cfg, argc, argv, err, ERRLEN);
}

static void test_args(void **state)
{
    (void)state;
    struct config cfg;
    char err[ERRLEN];

    config_init(&cfg);
    assert_int_equal(apply(&cfg, err, NULL), 0);
    assert_int_equal(apply(&cfg, err, "--port", "7000", "--bind", "127.0.0.1", "::1", "10.1.1.1",
                           "--dir", "/tmp/d", "--requirepass", "pw", "--maxclients", "5",
                           "--appendonly", "no", "--appendfsync", "always", "--maxmemory", "1gb",
                           "--loglevel", "warning", NULL),
                     0);
    assert_int_equal(cfg.port, 7000);
    assert_int_equal(cfg.nbind, 3);
    assert_string_equal(cfg.bind[0], "127.0.0.1");
    assert_string_equal(cfg.bind[2], "10.1.1.1");
    assert_string_equal(cfg.aof_dir, "/tmp/d");
    assert_string_equal(cfg.requirepass, "pw");
    assert_int_equal(cfg.maxclients, 5);
    assert_int_equal(cfg.aof_enabled, 0);
    assert_int_equal(cfg.aof_fsync, AOF_FSYNC_ALWAYS);
    assert_int_equal(cfg.maxmemory, 1024LL * 1024 * 1024);
    assert_int_equal(cfg.log_level, LOG_WARNING);

    /* Names are case-insensitive; --save alone or with "" is accepted and
     * ignored; the raft settings have names too. */
    assert_int_equal(apply(&cfg, err, "--save", "--HZ", "50", "--save", "", "--raft-enabled", "yes",
                           "--raft-peers", "1,127.0.0.1:7379,127.0.0.1:6379", "--save", NULL),
                     0);
    assert_int_equal(cfg.hz, 50);
    assert_int_equal(cfg.raft_enabled, 1);
    assert_int_equal(cfg.npeers, 1);
    assert_string_equal(cfg.peers[0].client_addr, "127.0.0.1:6379");
    /* A later --bind replaces the list. */
    assert_int_equal(apply(&cfg, err, "--bind", "0.0.0.0", NULL), 0);
    assert_int_equal(cfg.nbind, 1);
    assert_string_equal(cfg.bind[0], "0.0.0.0");
    config_free(&cfg);
}

static void test_args_errors(void **state)
{
    (void)state;
    struct config cfg;
    char err[ERRLEN];
    struct text before, after;

    config_init(&cfg);
    snapshot(&cfg, "*", &before);
    assert_int_equal(apply(&cfg, err, "--hz", "20", "--port", "x", NULL), -1);
    assert_string_equal(err, "--port: expected an integer 0..65535, got 'x'");
    assert_int_equal(apply(&cfg, err, "--port", "65536", NULL), -1);
    assert_string_equal(err, "--port: expected an integer 0..65535, got '65536'");
    assert_int_equal(apply(&cfg, err, "--foo", "1", NULL), -1);
    assert_string_equal(err, "unknown option '--foo'");
    assert_int_equal(apply(&cfg, err, "port", NULL), -1);
    assert_string_equal(err, "unexpected argument 'port' (options are --name value)");
    assert_int_equal(apply(&cfg, err, "--port", NULL), -1);
    assert_string_equal(err, "--port: missing value");
    assert_int_equal(apply(&cfg, err, "--bind", "--port", "1", NULL), -1);
    assert_string_equal(err, "--bind: missing value");
    assert_int_equal(apply(&cfg, err, "--appendonly", "maybe", NULL), -1);
    assert_string_equal(err,
                        "--appendonly: expected a boolean (true, false, yes, no), got 'maybe'");
    assert_int_equal(apply(&cfg, err, "--appendfsync", "x", NULL), -1);
    assert_string_equal(err, "--appendfsync: expected one of (everysec, always, no), got 'x'");
    assert_int_equal(apply(&cfg, err, "--maxmemory", "lots", NULL), -1);
    assert_string_equal(err, "--maxmemory: expected a size in bytes (a number, or with a unit: "
                             "100mb, 1gb), got 'lots'");
    assert_int_equal(apply(&cfg, err, "--save", "60", NULL), -1);
    assert_string_equal(err, "--save: expected \"\" or pairs of <seconds> <changes>, got '60'");
    assert_int_equal(apply(&cfg, err, "--raft-peers", "1,a:1", NULL), -1);
    assert_string_equal(err, "--raft-peers: expected space-separated peers "
                             "ID,RAFT_HOST:PORT,CLIENT_HOST:PORT with distinct ids, got '1,a:1'");
    assert_int_equal(apply(&cfg, err, "--raft-peers", "1,a:1,a:2 1,b:1,b:2", NULL), -1);
    assert_int_equal(apply(&cfg, err, "--dir", "", NULL), -1);
    assert_string_equal(err, "--dir: expected a non-empty value, got ''");
    /* Control bytes in an echoed value are masked. */
    assert_int_equal(apply(&cfg, err, "--port", "1\n2", NULL), -1);
    assert_string_equal(err, "--port: expected an integer 0..65535, got '1?2'");
    snapshot(&cfg, "*", &after);
    assert_string_equal(before.buf, after.buf);
    config_free(&cfg);
}

/* The file, then the environment, then the command line: each later source
 * wins for the keys it names and leaves the others alone. */
static void test_precedence(void **state)
{
    (void)state;
    struct config cfg;
    char err[ERRLEN];

    clear_env();
    config_init(&cfg);
    assert_int_equal(config_load_file(&cfg,
                                      yaml_file("server: {port: 1000, timeout: 7}\n"
                                                "raft: {enabled: false, dir: /file/raft}\n"
                                                "aof: {dir: /file/aof}\n"),
                                      err, sizeof(err)),
                     0);
    setenv("USE_RAFT", "yes", 1);
    setenv("RAFTCACHE_PORT", "2000", 1);
    assert_int_equal(config_apply_env(&cfg, err, sizeof(err)), 0);
    assert_int_equal(apply(&cfg, err, "--port", "3000", "--dir", "/args/aof", NULL), 0);
    assert_int_equal(cfg.port, 3000);                /* args over env over file */
    assert_int_equal(cfg.raft_enabled, 1);           /* env over file */
    assert_string_equal(cfg.raft_dir, "/file/raft"); /* file over default */
    assert_string_equal(cfg.aof_dir, "/args/aof");   /* args over file */
    assert_int_equal(cfg.timeout, 7);
    assert_string_equal(get1(&cfg, "port"), "3000");
    config_free(&cfg);
    clear_env();
}

/* ---------------------------------------------------------------------- */
/* CONFIG GET / SET                                                        */

static void test_config_get(void **state)
{
    (void)state;
    struct config cfg;
    struct text t;

    config_init(&cfg);
    snapshot(&cfg, "*", &t);
    assert_int_equal(t.count, 36);
    assert_non_null(strstr(t.buf, "lfu-log-factor=10\n"));
    assert_non_null(strstr(t.buf, "lfu-decay-time=1\n"));
    assert_non_null(strstr(t.buf, "port=6379\n"));
    assert_non_null(strstr(t.buf, "bind=127.0.0.1 ::1\n"));
    assert_non_null(strstr(t.buf, "save=\n"));
    assert_non_null(strstr(t.buf, "appendonly=yes\n"));
    assert_non_null(strstr(t.buf, "raft-enabled=no\n"));
    assert_null(strstr(t.buf, "raft-secret")); /* a secret is not shown */

    snapshot(&cfg, "port", &t);
    assert_string_equal(t.buf, "port=6379\n");
    snapshot(&cfg, "PoRt", &t);
    assert_string_equal(t.buf, "port=6379\n");
    snapshot(&cfg, "max*", &t);
    assert_string_equal(t.buf, "maxclients=10000\nmaxmemory=0\nmaxmemory-policy=noeviction\n"
                               "maxmemory-samples=5\n");
    snapshot(&cfg, "nothing*", &t);
    assert_int_equal(t.count, 0);
    snapshot(&cfg, "auto-aof-rewrite-*", &t);
    assert_string_equal(t.buf, "auto-aof-rewrite-enabled=yes\nauto-aof-rewrite-percentage=100\n"
                               "auto-aof-rewrite-min-size=67108864\n");
    snapshot(&cfg, "raft-*", &t);
    assert_string_equal(t.buf, "raft-enabled=no\nraft-dir=./raftdata\nraft-node-id=1\n"
                               "raft-listen=127.0.0.1:7379\nraft-peers=\n"
                               "raft-election-timeout-ms=1000\nraft-heartbeat-ms=100\n"
                               "raft-read-mode=linearizable\n");

    assert_string_equal(get1(&cfg, "proto-max-bulk-len"), "536870912");
    assert_string_equal(get1(&cfg, "appendfsync"), "everysec");
    assert_string_equal(get1(&cfg, "loglevel"), "notice");
    assert_string_equal(get1(&cfg, "dir"), "./data");
    assert_string_equal(get1(&cfg, "aof-load-truncated"), "yes");
    assert_string_equal(get1(&cfg, "tcp-keepalive"), "300");
    assert_string_equal(get1(&cfg, "requirepass"), "");

    char err[ERRLEN];
    char *argv[] = {"--raft-peers", "1,a:1,a:2 2,[::1]:3,b:4"};
    assert_int_equal(config_apply_args(&cfg, 2, argv, err, sizeof(err)), 0);
    assert_string_equal(get1(&cfg, "raft-peers"), "1,a:1,a:2 2,[::1]:3,b:4");
    config_free(&cfg);
}

static void expect_set_ok(struct config *cfg, const char *name, const char *value,
                          const char *get_name, const char *shown)
{
    char err[ERRLEN];
    if (config_set(cfg, name, value, err, sizeof(err)) != 0)
        fail_msg("CONFIG SET %s %s: %s", name, value, err);
    assert_string_equal(get1(cfg, get_name), shown);
}

static void test_config_set(void **state)
{
    (void)state;
    struct config cfg;

    config_init(&cfg);
    expect_set_ok(&cfg, "timeout", "60", "timeout", "60");
    expect_set_ok(&cfg, "TIMEOUT", "0", "timeout", "0");
    expect_set_ok(&cfg, "requirepass", "hunter2", "requirepass", "hunter2");
    expect_set_ok(&cfg, "requirepass", "", "requirepass", "");
    expect_set_ok(&cfg, "maxclients", "4294967295", "maxclients", "4294967295");
    expect_set_ok(&cfg, "appendfsync", "ALWAYS", "appendfsync", "always");
    assert_int_equal(cfg.aof_fsync, AOF_FSYNC_ALWAYS);
    expect_set_ok(&cfg, "appendonly", "no", "appendonly", "no");
    expect_set_ok(&cfg, "appendonly", "YES", "appendonly", "yes");
    expect_set_ok(&cfg, "maxmemory", "100mb", "maxmemory", "104857600");
    expect_set_ok(&cfg, "maxmemory", "1GB", "maxmemory", "1073741824");
    expect_set_ok(&cfg, "maxmemory-policy", "ALLKEYS-LRU", "maxmemory-policy", "allkeys-lru");
    expect_set_ok(&cfg, "maxmemory-samples", "10", "maxmemory-samples", "10");
    expect_set_ok(&cfg, "lfu-log-factor", "0", "lfu-log-factor", "0");
    expect_set_ok(&cfg, "lfu-decay-time", "5", "lfu-decay-time", "5");
    expect_set_ok(&cfg, "proto-max-bulk-len", "1mb", "proto-max-bulk-len", "1048576");
    expect_set_ok(&cfg, "auto-aof-rewrite-percentage", "0", "auto-aof-rewrite-percentage", "0");
    expect_set_ok(&cfg, "auto-aof-rewrite-min-size", "1kb", "auto-aof-rewrite-min-size", "1024");
    expect_set_ok(&cfg, "auto-aof-rewrite-enabled", "no", "auto-aof-rewrite-enabled", "no");
    expect_set_ok(&cfg, "aof-load-truncated", "no", "aof-load-truncated", "no");
    expect_set_ok(&cfg, "tcp-keepalive", "60", "tcp-keepalive", "60");
    /* hz is clamped into 1..500 as Redis does, not refused. */
    expect_set_ok(&cfg, "hz", "1000", "hz", "500");
    expect_set_ok(&cfg, "hz", "0", "hz", "1");
    expect_set_ok(&cfg, "hz", "42", "hz", "42");
    /* save is accepted (well-formed) and ignored: there is no RDB. */
    expect_set_ok(&cfg, "save", "", "save", "");
    expect_set_ok(&cfg, "save", "3600 1 300 100", "save", "");

    /* loglevel reaches the logger too. */
    int old = log_get_level();
    expect_set_ok(&cfg, "loglevel", "debug", "loglevel", "debug");
    assert_int_equal(cfg.log_level, LOG_DEBUG);
    assert_int_equal(log_get_level(), LOG_DEBUG);
    expect_set_ok(&cfg, "loglevel", "warning", "loglevel", "warning");
    assert_int_equal(log_get_level(), LOG_WARNING);
    log_set_level(old);
    config_free(&cfg);
}

static void expect_set_error(struct config *cfg, const char *name, const char *value,
                             const char *msg)
{
    char err[ERRLEN];
    struct text before, after;

    snapshot(cfg, "*", &before);
    int level = log_get_level();
    assert_int_equal(config_set(cfg, name, value, err, sizeof(err)), -1);
    assert_string_equal(err, msg);
    snapshot(cfg, "*", &after);
    assert_string_equal(before.buf, after.buf);
    assert_int_equal(log_get_level(), level);
}

#define FAILED(name, why) "ERR CONFIG SET failed (possibly related to argument '" name "') - " why

static void test_config_set_errors(void **state)
{
    (void)state;
    struct config cfg;

    config_init(&cfg);
    /* Unknown names are echoed as written. */
    expect_set_error(&cfg, "foo", "1",
                     "ERR Unknown option or number of arguments for CONFIG SET "
                     "- 'foo'");
    expect_set_error(&cfg, "FOO", "1",
                     "ERR Unknown option or number of arguments for CONFIG SET "
                     "- 'FOO'");
    /* Known ones by their own (lower-case) name. */
    expect_set_error(&cfg, "PORT", "7000", FAILED("port", "can't set immutable config"));
    expect_set_error(&cfg, "bind", "0.0.0.0", FAILED("bind", "can't set immutable config"));
    expect_set_error(&cfg, "databases", "3", FAILED("databases", "can't set immutable config"));
    expect_set_error(&cfg, "logfile", "/tmp/x", FAILED("logfile", "can't set immutable config"));
    expect_set_error(&cfg, "dir", "/tmp", FAILED("dir", "can't set immutable config"));
    expect_set_error(&cfg, "raft-secret", "x", FAILED("raft-secret", "can't set immutable config"));
    expect_set_error(&cfg, "raft-enabled", "yes",
                     FAILED("raft-enabled", "can't set immutable config"));

    expect_set_error(&cfg, "timeout", "x",
                     FAILED("timeout", "argument couldn't be parsed into an integer"));
    expect_set_error(&cfg, "timeout", "1.5",
                     FAILED("timeout", "argument couldn't be parsed into an integer"));
    expect_set_error(&cfg, "maxclients", "99999999999999999999",
                     FAILED("maxclients", "argument couldn't be parsed into an integer"));
    expect_set_error(&cfg, "timeout", "-1",
                     FAILED("timeout", "argument must be between 0 and 2147483647 inclusive"));
    expect_set_error(&cfg, "maxclients", "0",
                     FAILED("maxclients", "argument must be between 1 and 4294967295 inclusive"));
    expect_set_error(
        &cfg, "maxmemory-samples", "0",
        FAILED("maxmemory-samples", "argument must be between 1 and 2147483647 inclusive"));
    expect_set_error(&cfg, "hz", "-1",
                     FAILED("hz", "argument must be between 0 and 2147483647 inclusive"));
    expect_set_error(
        &cfg, "appendfsync", "foo",
        FAILED("appendfsync", "argument(s) must be one of the following: everysec, always, no"));
    expect_set_error(&cfg, "loglevel", "x",
                     FAILED("loglevel", "argument(s) must be one of the following: debug, "
                                        "verbose, notice, warning"));
    expect_set_error(&cfg, "maxmemory-policy", "x",
                     FAILED("maxmemory-policy",
                            "argument(s) must be one of the following: volatile-lru, "
                            "volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, "
                            "allkeys-lfu, allkeys-random, noeviction"));
    expect_set_error(&cfg, "appendonly", "maybe",
                     FAILED("appendonly", "argument must be 'yes' or 'no'"));
    /* CONFIG SET takes only yes/no, as Redis's does (the file also takes
     * true/false). */
    expect_set_error(&cfg, "aof-load-truncated", "true",
                     FAILED("aof-load-truncated", "argument must be 'yes' or 'no'"));
    expect_set_error(&cfg, "maxmemory", "1xb",
                     FAILED("maxmemory", "argument must be a memory value"));
    expect_set_error(&cfg, "maxmemory", "-1",
                     FAILED("maxmemory", "argument must be a memory value"));
    expect_set_error(&cfg, "auto-aof-rewrite-min-size", "1x",
                     FAILED("auto-aof-rewrite-min-size", "argument must be a memory value"));
    expect_set_error(&cfg, "proto-max-bulk-len", "1k",
                     FAILED("proto-max-bulk-len",
                            "argument must be between 1048576 and 9223372036854775807 inclusive"));
    expect_set_error(&cfg, "save", "x", FAILED("save", "Invalid save parameters"));
    expect_set_error(&cfg, "save", "3600", FAILED("save", "Invalid save parameters"));
    config_free(&cfg);
}

/* client-output-buffer-limit: Redis's syntax on CONFIG SET, the command
 * line and the YAML scalar; a class -> "hard soft seconds" mapping in YAML;
 * a partial setting keeps the other classes; errors change nothing. */
static void test_client_output_buffer_limit(void **state)
{
    (void)state;
    struct config cfg;
    char err[ERRLEN];
    const char *deflt = "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60";
    const char *name = "client-output-buffer-limit";

    config_init(&cfg);
    assert_string_equal(get1(&cfg, name), deflt);
    assert_int_equal(cfg.obuf_limits[OBUF_PUBSUB].hard, 32LL << 20);
    assert_int_equal(cfg.obuf_limits[OBUF_PUBSUB].soft, 8LL << 20);
    assert_int_equal(cfg.obuf_limits[OBUF_PUBSUB].soft_seconds, 60);

    expect_set_ok(&cfg, name, "pubsub 1mb 512kb 10", name,
                  "normal 0 0 0 slave 268435456 67108864 60 pubsub 1048576 524288 10");
    expect_set_ok(&cfg, name, "PUBSUB 1k 2k 3 replica 1 2 3", name,
                  "normal 0 0 0 slave 1 2 3 pubsub 1000 2000 3");
    expect_set_ok(&cfg, name, "slave 4 5 6  normal 7 8 9 ", name,
                  "normal 7 8 9 slave 4 5 6 pubsub 1000 2000 3");
    expect_set_ok(&cfg, name, "", name, "normal 7 8 9 slave 4 5 6 pubsub 1000 2000 3");
    expect_set_ok(&cfg, name, "normal 0 0 0 pubsub 32mb 8mb 60 slave 256mb 64mb 60", name, deflt);

#define OBUF_FAILED(why) FAILED("client-output-buffer-limit", why " in buffer limit configuration.")
    expect_set_error(&cfg, name, "normal 1 2", OBUF_FAILED("Wrong number of arguments"));
    expect_set_error(&cfg, name, "pubsub 1 2 3 normal 1", OBUF_FAILED("Wrong number of arguments"));
    expect_set_error(&cfg, name, "foo 1 2 3", OBUF_FAILED("Invalid client class specified"));
    expect_set_error(&cfg, name, "master 1 2 3", OBUF_FAILED("Invalid client class specified"));
    /* all or nothing: the valid first group is not applied either */
    expect_set_error(&cfg, name, "normal 1 1 1 pubsub x 2 3",
                     OBUF_FAILED("Error in hard, soft or soft_seconds setting"));
    expect_set_error(&cfg, name, "pubsub 1 2 -3",
                     OBUF_FAILED("Error in hard, soft or soft_seconds setting"));
    expect_set_error(&cfg, name, "pubsub 1 -2 3",
                     OBUF_FAILED("Error in hard, soft or soft_seconds setting"));
    expect_set_error(&cfg, name, "pubsub 1 2 1.5",
                     OBUF_FAILED("Error in hard, soft or soft_seconds setting"));
#undef OBUF_FAILED
    assert_string_equal(get1(&cfg, name), deflt);

    char *argv[] = {"--client-output-buffer-limit", "pubsub 4mb 1mb 5"};
    assert_int_equal(config_apply_args(&cfg, 2, argv, err, sizeof(err)), 0);
    assert_int_equal(cfg.obuf_limits[OBUF_PUBSUB].hard, 4LL << 20);
    assert_int_equal(cfg.obuf_limits[OBUF_PUBSUB].soft, 1LL << 20);
    assert_int_equal(cfg.obuf_limits[OBUF_PUBSUB].soft_seconds, 5);
    char *bad[] = {"--client-output-buffer-limit", "pubsub 4mb"};
    assert_int_equal(config_apply_args(&cfg, 2, bad, err, sizeof(err)), -1);
    assert_string_equal(err, "--client-output-buffer-limit: expected CLASS HARD SOFT SECONDS "
                             "groups (e.g. 'pubsub 32mb 8mb 60'): the words come in groups of "
                             "four, got 'pubsub 4mb'");
    config_free(&cfg);

    /* YAML: the scalar form, then the mapping form */
    config_init(&cfg);
    const char *path = yaml_file("server:\n  client_output_buffer_limit: pubsub 1mb 1mb 0\n");
    assert_int_equal(config_load_file(&cfg, path, err, sizeof(err)), 0);
    assert_string_equal(get1(&cfg, name),
                        "normal 0 0 0 slave 268435456 67108864 60 pubsub 1048576 1048576 0");
    config_free(&cfg);
    config_init(&cfg);
    path = yaml_file("server:\n"
                     "  client_output_buffer_limit:\n"
                     "    pubsub: 64mb 16mb 120\n"
                     "    normal: 1gb 0 0\n"
                     "    replica: 0 0 0\n");
    assert_int_equal(config_load_file(&cfg, path, err, sizeof(err)), 0);
    assert_string_equal(get1(&cfg, name),
                        "normal 1073741824 0 0 slave 0 0 0 pubsub 67108864 16777216 120");
    config_free(&cfg);

    expect_load_error("server:\n  client_output_buffer_limit: pubsub 1mb\n",
                      "2:31: server.client_output_buffer_limit: expected CLASS HARD SOFT "
                      "SECONDS groups (e.g. 'pubsub 32mb 8mb 60'): the words come in groups of "
                      "four, got 'pubsub 1mb'");
    expect_load_error("server:\n  client_output_buffer_limit: master 1 2 3\n",
                      "2:31: server.client_output_buffer_limit: expected CLASS HARD SOFT "
                      "SECONDS groups (e.g. 'pubsub 32mb 8mb 60'): the class must be normal, "
                      "replica or pubsub, got 'master 1 2 3'");
    expect_load_error("server:\n  client_output_buffer_limit:\n    pubsub: 1mb 1mb\n",
                      "3:13: server.client_output_buffer_limit.pubsub: expected \"HARD SOFT "
                      "SECONDS\" (e.g. 32mb 8mb 60), got '1mb 1mb'");
    expect_load_error("server:\n  client_output_buffer_limit:\n    pubsub: 1mb 1xb 3\n",
                      "3:13: server.client_output_buffer_limit.pubsub: expected CLASS HARD SOFT "
                      "SECONDS groups (e.g. 'pubsub 32mb 8mb 60'): hard and soft are sizes, "
                      "seconds an integer, all >= 0, got 'pubsub 1mb 1xb 3'");
    expect_load_error("server:\n  client_output_buffer_limit:\n    other: 1 1 1\n",
                      "3:5: server.client_output_buffer_limit: unknown client class 'other' "
                      "(expected normal, replica, pubsub)");
    expect_load_error("server:\n  client_output_buffer_limit:\n    pubsub: 1 1 1\n"
                      "    PUBSUB: 2 2 2\n",
                      "4:5: server.client_output_buffer_limit: duplicate class 'PUBSUB'");
    expect_load_error("server:\n  client_output_buffer_limit:\n    pubsub: [1, 1, 1]\n",
                      "3:13: server.client_output_buffer_limit.pubsub: expected \"HARD SOFT "
                      "SECONDS\", got a list");
}

static void test_fsync_name(void **state)
{
    (void)state;
    assert_string_equal(config_fsync_name(AOF_FSYNC_NO), "no");
    assert_string_equal(config_fsync_name(AOF_FSYNC_EVERYSEC), "everysec");
    assert_string_equal(config_fsync_name(AOF_FSYNC_ALWAYS), "always");
    assert_string_equal(config_fsync_name(42), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_defaults, teardown_files),
        cmocka_unit_test_teardown(test_full_valid_file, teardown_files),
        cmocka_unit_test_teardown(test_partial_and_empty_files, teardown_files),
        cmocka_unit_test_teardown(test_error_unknown_key, teardown_files),
        cmocka_unit_test_teardown(test_error_unknown_section, teardown_files),
        cmocka_unit_test_teardown(test_error_bad_port, teardown_files),
        cmocka_unit_test_teardown(test_error_bad_enum, teardown_files),
        cmocka_unit_test_teardown(test_error_bad_bool, teardown_files),
        cmocka_unit_test_teardown(test_error_bad_size, teardown_files),
        cmocka_unit_test_teardown(test_error_syntax, teardown_files),
        cmocka_unit_test_teardown(test_error_wrong_type, teardown_files),
        cmocka_unit_test_teardown(test_error_duplicate_key, teardown_files),
        cmocka_unit_test_teardown(test_error_peers, teardown_files),
        cmocka_unit_test_teardown(test_error_limits, teardown_files),
        cmocka_unit_test_teardown(test_error_unreadable, teardown_files),
        cmocka_unit_test_teardown(test_failed_load_leaves_cfg_unchanged, teardown_files),
        cmocka_unit_test_teardown(test_bad_sample_files, teardown_files),
        cmocka_unit_test_teardown(test_shipped_config_loads, teardown_files),
        cmocka_unit_test_teardown(test_validate, teardown_files),
        cmocka_unit_test_teardown(test_env, teardown_files),
        cmocka_unit_test_teardown(test_args, teardown_files),
        cmocka_unit_test_teardown(test_args_errors, teardown_files),
        cmocka_unit_test_teardown(test_precedence, teardown_files),
        cmocka_unit_test_teardown(test_config_get, teardown_files),
        cmocka_unit_test_teardown(test_config_set, teardown_files),
        cmocka_unit_test_teardown(test_config_set_errors, teardown_files),
        cmocka_unit_test_teardown(test_fsync_name, teardown_files),
        cmocka_unit_test_teardown(test_client_output_buffer_limit, teardown_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
