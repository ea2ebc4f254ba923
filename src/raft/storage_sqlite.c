/* storage_sqlite: the Raft hard state and log in SQLite.  The contract and
 * the schema summary are in storage_sqlite.h; the DDL is schema/NNN_*.sql,
 * embedded as schema_sql.h by cmake/embed_schema.cmake.
 *
 * Why these choices:
 *   - WAL + synchronous=FULL: a commit is one append to the WAL and one
 *     fsync of it; readers never block the writer.  NORMAL would skip the
 *     fsync at commit and lose the last transactions on power loss, which
 *     Raft forbids (a vote or an acknowledged entry must survive).
 *   - Every statement is prepared once at open (SQLITE_PREPARE_PERSISTENT),
 *     and rstore_save() binds the entries' bytes with SQLITE_STATIC: the
 *     only per-entry work is the B-tree insert.
 *   - first/last index and the snapshot are cached in memory: the store is
 *     the only writer (the flock on raft.lock), so the cache cannot go stale,
 *     and INFO raft or the argument checks need no query.
 *   - Nothing is asserted about what the file holds: a row that breaks the
 *     invariant is RSTORE_ECORRUPT with a log line, as for any bytes read
 *     back from a disk.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "raft/storage_sqlite.h"
#include "schema_sql.h"
#include "util/log.h"
#include "util/util.h"

/* How long a statement waits for a lock held by another connection (an
 * operator's sqlite3 shell, a checkpoint) before failing.  The store runs
 * on the event loop's thread, so this is also the longest stall it can
 * cause. */
#define BUSY_TIMEOUT_MS 2000

enum stmt_id {
    ST_BEGIN,
    ST_COMMIT,
    ST_ROLLBACK,
    ST_HS_GET,
    ST_HS_SET,
    ST_META_GET,
    ST_META_SET,
    ST_LOG_TERM,
    ST_LOG_RANGE,
    ST_LOG_INSERT,
    ST_LOG_DELETE_FROM,
    ST_LOG_DELETE_UPTO,
    ST_COUNT_
};

static const char *const stmt_sql[ST_COUNT_] = {
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_HS_GET] = "SELECT term, vote, commit_index FROM hard_state WHERE id = 1",
    [ST_HS_SET] = "UPDATE hard_state SET term = ?1, vote = ?2, commit_index = ?3 WHERE id = 1",
    [ST_META_GET] = "SELECT value FROM meta WHERE key = ?1",
    [ST_META_SET] = "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
    [ST_LOG_TERM] = "SELECT term FROM log WHERE idx = ?1",
    /* (parentheses: one element made of two literals, for clang) */
    [ST_LOG_RANGE] = ("SELECT idx, term, type, data FROM log WHERE idx >= ?1 AND idx < ?2 "
                      "ORDER BY idx"),
    [ST_LOG_INSERT] = "INSERT INTO log (idx, term, type, data) VALUES (?1, ?2, ?3, ?4)",
    [ST_LOG_DELETE_FROM] = "DELETE FROM log WHERE idx >= ?1",
    [ST_LOG_DELETE_UPTO] = "DELETE FROM log WHERE idx <= ?1",
};

struct rstore {
    char *dir;
    char *db_path;  /* <dir>/raft.db */
    char *wal_path; /* <dir>/raft.db-wal */
    int lock_fd;    /* <dir>/raft.lock, flock'ed; -1 when none */
    sqlite3 *db;
    sqlite3_stmt *st[ST_COUNT_];
    /* The shape of the stored log: indexes snap_index + 1 .. last_index. */
    uint64_t snap_index;
    uint64_t snap_term;
    uint64_t last_index;
};

/* ---- errors ---- */

const char *rstore_strerror(int code)
{
    switch (code) {
    case 0:
        return "success";
    case RSTORE_ESQLITE:
        return "SQLite error";
    case RSTORE_ESCHEMA:
        return "unsupported raft.db schema";
    case RSTORE_ENODEID:
        return "raft.db belongs to another node id";
    case RSTORE_ECORRUPT:
        return "raft.db holds an inconsistent log";
    case RSTORE_EINVAL:
        return "invalid argument to the Raft store";
    case RSTORE_ELOCKED:
        return "Raft directory in use by another process";
    case RAFT_EUNAVAILABLE:
        return "log entry compacted away";
    default:
        if (code < 0 && code > -4096)
            return strerror(-code);
        return "unknown error";
    }
}

int rstore_schema_version(void)
{
    return RC_SCHEMA_VERSION;
}

/* Logs the connection's last SQLite error and returns RSTORE_ESQLITE. */
static int sql_fail(const struct rstore *s, const char *what)
{
    log_warning("Raft storage %s: %s failed: %s (SQLite code %d)", s->db_path, what,
                sqlite3_errmsg(s->db), sqlite3_extended_errcode(s->db));
    return RSTORE_ESQLITE;
}

/* Steps a statement that returns no row, then resets it. */
static int step_done(struct rstore *s, enum stmt_id id, const char *what)
{
    sqlite3_stmt *st = s->st[id];
    int rc = sqlite3_step(st);
    int ret = 0;
    if (rc != SQLITE_DONE)
        ret = sql_fail(s, what);
    sqlite3_reset(st);
    return ret;
}

/* SQLite integers are int64: a Raft index must fit so that rows sort by it.
 * Terms and ids are stored as their two's-complement bit pattern. */
static bool index_ok(uint64_t i)
{
    return i <= (uint64_t)INT64_MAX;
}

static void bind_u64(sqlite3_stmt *st, int col, uint64_t v)
{
    /* Binding an int cannot fail with a valid column number. */
    (void)sqlite3_bind_int64(st, col, (sqlite3_int64)v);
}

static uint64_t column_u64(sqlite3_stmt *st, int col)
{
    return (uint64_t)sqlite3_column_int64(st, col);
}

/* Rolls back the open transaction, if SQLite has not already done it (it
 * does after some errors, e.g. SQLITE_FULL during a statement). */
static void rollback(struct rstore *s)
{
    if (sqlite3_get_autocommit(s->db))
        return;
    if (step_done(s, ST_ROLLBACK, "ROLLBACK") != 0)
        log_warning("Raft storage %s: the failed transaction could not be rolled back", s->db_path);
}

/* ---- meta ---- */

/* *found = false when the key has no row. */
static int meta_get(struct rstore *s, const char *key, uint64_t *value, bool *found)
{
    sqlite3_stmt *st = s->st[ST_META_GET];
    int ret = 0;
    (void)sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *value = column_u64(st, 0);
        *found = true;
    } else if (rc == SQLITE_DONE) {
        *found = false;
    } else {
        ret = sql_fail(s, "reading meta");
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return ret;
}

static int meta_set(struct rstore *s, const char *key, uint64_t value)
{
    sqlite3_stmt *st = s->st[ST_META_SET];
    (void)sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    bind_u64(st, 2, value);
    int ret = step_done(s, ST_META_SET, "writing meta");
    sqlite3_clear_bindings(st);
    return ret;
}

/* ---- opening ---- */

/* mkdir -p with mode 0750 for each directory it creates. */
static int mkdir_p(const char *dir)
{
    if (dir[0] == '\0')
        return -ENOENT;
    char *p = xstrdup(dir);
    int ret = 0;
    for (char *c = p + 1;; c++) {
        if (*c != '/' && *c != '\0')
            continue;
        char saved = *c;
        *c = '\0';
        if (mkdir(p, 0750) != 0 && errno != EEXIST) {
            ret = -errno;
            log_warning("Raft storage: can't create the directory %s: %s", p, strerror(errno));
            goto out;
        }
        *c = saved;
        if (saved == '\0')
            break;
    }
    struct stat sb;
    if (stat(dir, &sb) != 0) {
        ret = -errno;
        log_warning("Raft storage: can't stat %s: %s", dir, strerror(errno));
    } else if (!S_ISDIR(sb.st_mode)) {
        ret = -ENOTDIR;
        log_warning("Raft storage: %s is not a directory", dir);
    }
out:
    free(p);
    return ret;
}

static char *path_join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + 1 + strlen(name) + 1;
    char *p = xmalloc(n);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

/* One process per directory: a second raftcache on the same raft.db would
 * append a second log into the first.  flock(2) is released by the kernel
 * when the process dies, so a crash never leaves a stale lock. */
static int take_lock(struct rstore *s)
{
    char *path = path_join(s->dir, "raft.lock");
    int ret = 0;
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0) {
        ret = -errno;
        log_warning("Raft storage: can't open %s: %s", path, strerror(errno));
        goto out;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno == EWOULDBLOCK) {
            ret = RSTORE_ELOCKED;
            log_warning("Raft storage: the directory %s is in use by another process "
                        "(%s is locked)",
                        s->dir, path);
        } else {
            ret = -errno;
            log_warning("Raft storage: can't lock %s: %s", path, strerror(errno));
        }
        close(fd);
        goto out;
    }
    s->lock_fd = fd;
out:
    free(path);
    return ret;
}

/* Runs a one-row PRAGMA query and returns its integer in *out. */
static int pragma_int(struct rstore *s, const char *sql, int64_t *out)
{
    sqlite3_stmt *st = NULL;
    int ret = 0;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return sql_fail(s, sql);
    if (sqlite3_step(st) == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    else
        ret = sql_fail(s, sql);
    sqlite3_finalize(st);
    return ret;
}

static int set_wal_mode(struct rstore *s)
{
    sqlite3_stmt *st = NULL;
    int ret = 0;
    if (sqlite3_prepare_v2(s->db, "PRAGMA journal_mode=WAL", -1, &st, NULL) != SQLITE_OK)
        return sql_fail(s, "PRAGMA journal_mode=WAL");
    if (sqlite3_step(st) != SQLITE_ROW) {
        ret = sql_fail(s, "PRAGMA journal_mode=WAL");
    } else {
        /* SQLite answers with the mode in force: it stays in the old one
         * when the file system cannot do WAL (no shared memory). */
        const char *mode = (const char *)sqlite3_column_text(st, 0);
        if (mode == NULL || strcmp(mode, "wal") != 0) {
            log_warning("Raft storage %s: can't switch to WAL mode (journal mode is %s)",
                        s->db_path, mode ? mode : "unknown");
            ret = RSTORE_ESQLITE;
        }
    }
    sqlite3_finalize(st);
    return ret;
}

static int exec_sql(struct rstore *s, const char *sql, const char *what)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        log_warning("Raft storage %s: %s failed: %s", s->db_path, what,
                    msg ? msg : sqlite3_errmsg(s->db));
        sqlite3_free(msg);
        return RSTORE_ESQLITE;
    }
    return 0;
}

/* Brings the schema to RC_SCHEMA_VERSION: every missing migration, and the
 * new user_version, in one transaction, so a crash leaves the old version
 * or the new one, never a half-migrated file. */
static int migrate(struct rstore *s)
{
    int64_t version = 0;
    int ret = pragma_int(s, "PRAGMA user_version", &version);
    if (ret != 0)
        return ret;
    if (version == RC_SCHEMA_VERSION)
        return 0;
    if (version > RC_SCHEMA_VERSION || version < 0) {
        log_warning("raft.db schema version %" PRId64
                    " is newer than this raftcache supports (%d): %s",
                    version, RC_SCHEMA_VERSION, s->db_path);
        return RSTORE_ESCHEMA;
    }
    if (version == 0) {
        /* user_version 0 means a new file, unless someone else's tables
         * are in it: never build our schema beside theirs. */
        int64_t tables = 0;
        ret = pragma_int(s, "SELECT count(*) FROM sqlite_master", &tables);
        if (ret != 0)
            return ret;
        if (tables != 0) {
            log_warning("Raft storage %s: the database has tables but no schema version: "
                        "not a raftcache Raft database",
                        s->db_path);
            return RSTORE_ESCHEMA;
        }
    }

    ret = exec_sql(s, "BEGIN IMMEDIATE", "BEGIN");
    if (ret != 0)
        return ret;
    for (int64_t v = version; v < RC_SCHEMA_VERSION; v++) {
        char what[96];
        snprintf(what, sizeof(what), "migration %s", rc_schema_names[v]);
        ret = exec_sql(s, rc_schema_migrations[v], what);
        if (ret != 0)
            goto fail;
    }
    char sql[64];
    snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", RC_SCHEMA_VERSION);
    ret = exec_sql(s, sql, "setting user_version");
    if (ret != 0)
        goto fail;
    ret = exec_sql(s, "COMMIT", "COMMIT of the migration");
    if (ret != 0)
        goto fail;
    if (version == 0)
        log_notice("Raft storage: created %s (schema version %d)", s->db_path, RC_SCHEMA_VERSION);
    else
        log_notice("Raft storage: migrated %s from schema version %" PRId64 " to %d", s->db_path,
                   version, RC_SCHEMA_VERSION);
    return 0;
fail:
    if (!sqlite3_get_autocommit(s->db))
        (void)exec_sql(s, "ROLLBACK", "ROLLBACK of the migration");
    return ret;
}

static int prepare_all(struct rstore *s)
{
    for (int i = 0; i < ST_COUNT_; i++) {
        if (sqlite3_prepare_v3(s->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->st[i],
                               NULL) != SQLITE_OK)
            return sql_fail(s, stmt_sql[i]);
    }
    return 0;
}

/* Reads the snapshot and the log bounds into the cache and checks the
 * invariant: the rows are exactly snap_index + 1 .. last_index.  The
 * count(*) walks the table once per start; it is what proves "no gap". */
static int load_shape(struct rstore *s)
{
    bool found_i = false, found_t = false;
    int ret = meta_get(s, "snapshot_index", &s->snap_index, &found_i);
    if (ret == 0)
        ret = meta_get(s, "snapshot_term", &s->snap_term, &found_t);
    if (ret != 0)
        return ret;
    if (!found_i || !found_t || !index_ok(s->snap_index)) {
        log_warning("Raft storage %s: meta.snapshot_index/snapshot_term missing or invalid",
                    s->db_path);
        return RSTORE_ECORRUPT;
    }

    int64_t lo = 0, hi = 0, count = 0;
    ret = pragma_int(s, "SELECT count(*) FROM log", &count);
    if (ret != 0)
        return ret;
    if (count == 0) {
        s->last_index = s->snap_index;
        return 0;
    }
    ret = pragma_int(s, "SELECT idx FROM log ORDER BY idx ASC LIMIT 1", &lo);
    if (ret == 0)
        ret = pragma_int(s, "SELECT idx FROM log ORDER BY idx DESC LIMIT 1", &hi);
    if (ret != 0)
        return ret;
    if (lo < 1 || (uint64_t)lo != s->snap_index + 1 || hi - lo + 1 != count) {
        log_warning("Raft storage %s: the log holds %" PRId64 " entries from index %" PRId64
                    " to %" PRId64 ", expected a run starting at %" PRIu64 " with no gap",
                    s->db_path, count, lo, hi, s->snap_index + 1);
        return RSTORE_ECORRUPT;
    }
    s->last_index = (uint64_t)hi;
    return 0;
}

int rstore_open(const char *dir, struct rstore **out)
{
    struct rstore *s = xcalloc(1, sizeof(*s));
    s->lock_fd = -1;
    s->dir = xstrdup(dir);
    s->db_path = path_join(dir, "raft.db");
    s->wal_path = path_join(dir, "raft.db-wal");

    int ret = mkdir_p(dir);
    if (ret == 0)
        ret = take_lock(s);
    if (ret != 0)
        goto fail;

    int rc = sqlite3_open_v2(
        s->db_path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        /* s->db, when not NULL, holds the message. */
        log_warning("Raft storage: can't open %s: %s", s->db_path,
                    s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
        ret = RSTORE_ESQLITE;
        goto fail;
    }
    sqlite3_extended_result_codes(s->db, 1);
    sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);

    /* The first statements also tell a file that is not a database. */
    ret = set_wal_mode(s);
    if (ret == 0)
        ret = exec_sql(s, "PRAGMA synchronous=FULL", "PRAGMA synchronous=FULL");
    if (ret == 0)
        ret = migrate(s);
    if (ret == 0)
        ret = prepare_all(s);
    if (ret == 0)
        ret = load_shape(s);
    if (ret != 0)
        goto fail;
    *out = s;
    return 0;
fail:
    rstore_close(s);
    return ret;
}

void rstore_close(struct rstore *s)
{
    if (s == NULL)
        return;
    for (int i = 0; i < ST_COUNT_; i++)
        sqlite3_finalize(s->st[i]);
    if (s->db != NULL && sqlite3_close(s->db) != SQLITE_OK)
        log_warning("Raft storage %s: close failed: %s", s->db_path, sqlite3_errmsg(s->db));
    /* Only now: the lock must outlive every write to the files. */
    if (s->lock_fd >= 0)
        close(s->lock_fd);
    free(s->dir);
    free(s->db_path);
    free(s->wal_path);
    free(s);
}

int rstore_check_node_id(struct rstore *s, uint64_t id)
{
    if (id == RAFT_NONE)
        return RSTORE_EINVAL;
    uint64_t stored = 0;
    bool found = false;
    int ret = meta_get(s, "node_id", &stored, &found);
    if (ret != 0)
        return ret;
    if (!found) {
        /* An autocommit statement: durable before the node says anything. */
        ret = meta_set(s, "node_id", id);
        if (ret == 0)
            log_notice("Raft storage: %s now belongs to node %" PRIu64, s->db_path, id);
        return ret;
    }
    if (stored != id) {
        log_warning("raft.db in %s belongs to node %" PRIu64 ", not to node %" PRIu64
                    ": refusing to start",
                    s->dir, stored, id);
        return RSTORE_ENODEID;
    }
    return 0;
}

int rstore_load(struct rstore *s, struct raft_start_state *st)
{
    sqlite3_stmt *q = s->st[ST_HS_GET];
    int ret = 0;
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        st->hs.term = column_u64(q, 0);
        st->hs.vote = column_u64(q, 1);
        st->hs.commit = column_u64(q, 2);
        st->first_index = s->snap_index + 1;
        st->last_index = s->last_index;
    } else if (rc == SQLITE_DONE) {
        log_warning("Raft storage %s: the hard_state row is missing", s->db_path);
        ret = RSTORE_ECORRUPT;
    } else {
        ret = sql_fail(s, "reading the hard state");
    }
    sqlite3_reset(q);
    return ret;
}

/* ---- the read interface ---- */

static int storage_term(void *ctx, uint64_t index, uint64_t *term)
{
    struct rstore *s = ctx;
    if (index == s->snap_index) {
        *term = s->snap_term;
        return 0;
    }
    if (index < s->snap_index)
        return RAFT_EUNAVAILABLE;
    if (index > s->last_index)
        return RSTORE_EINVAL;

    sqlite3_stmt *q = s->st[ST_LOG_TERM];
    int ret = 0;
    bind_u64(q, 1, index);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        *term = column_u64(q, 0);
    } else if (rc == SQLITE_DONE) {
        log_warning("Raft storage %s: entry %" PRIu64 " is missing", s->db_path, index);
        ret = RSTORE_ECORRUPT;
    } else {
        ret = sql_fail(s, "reading a term");
    }
    sqlite3_reset(q);
    return ret;
}

static int storage_entries(void *ctx, uint64_t lo, uint64_t hi, raft_entry_visit_fn visit,
                           void *arg)
{
    struct rstore *s = ctx;
    if (lo >= hi)
        return 0;
    if (lo <= s->snap_index)
        return RAFT_EUNAVAILABLE;
    if (hi - 1 > s->last_index)
        return RSTORE_EINVAL;

    sqlite3_stmt *q = s->st[ST_LOG_RANGE];
    bind_u64(q, 1, lo);
    bind_u64(q, 2, hi);
    uint64_t expect = lo;
    int ret = 0;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        struct raft_entry e;
        e.index = column_u64(q, 0);
        e.term = column_u64(q, 1);
        int64_t type = sqlite3_column_int64(q, 2);
        /* blob before bytes: the order SQLite documents for no conversion. */
        const void *data = sqlite3_column_blob(q, 3);
        int len = sqlite3_column_bytes(q, 3);
        if (e.index != expect || e.term == 0 || type < 0 || type > UINT8_MAX || len < 0 ||
            (len > 0 && data == NULL)) {
            log_warning("Raft storage %s: impossible row at index %" PRIu64 " (expected %" PRIu64
                        ", term %" PRIu64 ", type %" PRId64 ")",
                        s->db_path, e.index, expect, e.term, type);
            ret = RSTORE_ECORRUPT;
            goto out;
        }
        e.type = (uint8_t)type;
        e.len = (uint32_t)len;
        e.data = len > 0 ? (uint8_t *)data : NULL;
        expect++;
        if (visit(arg, &e) != 0)
            goto out;
    }
    if (rc != SQLITE_DONE) {
        ret = sql_fail(s, "reading entries");
    } else if (expect != hi) {
        log_warning("Raft storage %s: entry %" PRIu64 " is missing", s->db_path, expect);
        ret = RSTORE_ECORRUPT;
    }
out:
    /* Ends the read transaction: an open statement would pin the WAL
     * snapshot and stop checkpoints. */
    sqlite3_reset(q);
    return ret;
}

struct raft_storage rstore_raft_storage(struct rstore *s)
{
    struct raft_storage rs = {.ctx = s, .term = storage_term, .entries = storage_entries};
    return rs;
}

/* ---- writing ---- */

static int check_entries(const struct rstore *s, const struct raft_entry *ents, size_t n)
{
    uint64_t first = ents[0].index;
    if (first <= s->snap_index || first > s->last_index + 1 || !index_ok(first) ||
        n - 1 > (uint64_t)INT64_MAX - first) {
        log_warning("Raft storage %s: refusing to store entries from index %" PRIu64
                    ": the log holds %" PRIu64 "..%" PRIu64,
                    s->db_path, first, s->snap_index + 1, s->last_index);
        return RSTORE_EINVAL;
    }
    for (size_t i = 0; i < n; i++) {
        const struct raft_entry *e = &ents[i];
        if (e->index != first + i || e->term == 0 || (e->len > 0 && e->data == NULL)) {
            log_warning("Raft storage %s: refusing entry %zu of a batch: index %" PRIu64
                        " (expected %" PRIu64 "), term %" PRIu64,
                        s->db_path, i, e->index, first + i, e->term);
            return RSTORE_EINVAL;
        }
    }
    return 0;
}

static int insert_entries(struct rstore *s, const struct raft_entry *ents, size_t n)
{
    sqlite3_stmt *st = s->st[ST_LOG_INSERT];
    int ret = 0;
    for (size_t i = 0; i < n; i++) {
        const struct raft_entry *e = &ents[i];
        bind_u64(st, 1, e->index);
        bind_u64(st, 2, e->term);
        (void)sqlite3_bind_int(st, 3, e->type);
        /* A NULL pointer would bind SQL NULL: an empty entry is an empty
         * blob.  SQLITE_STATIC: no copy, the bytes are read by the step. */
        if (e->len == 0)
            (void)sqlite3_bind_zeroblob(st, 4, 0);
        else
            (void)sqlite3_bind_blob(st, 4, e->data, (int)e->len, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        if (rc != SQLITE_DONE) {
            ret = sql_fail(s, "inserting an entry");
            break;
        }
        sqlite3_reset(st);
    }
    sqlite3_reset(st);
    /* Don't leave a pointer to the caller's bytes bound. */
    sqlite3_clear_bindings(st);
    return ret;
}

static int write_hard_state(struct rstore *s, const struct raft_hard_state *hs)
{
    sqlite3_stmt *st = s->st[ST_HS_SET];
    bind_u64(st, 1, hs->term);
    bind_u64(st, 2, hs->vote);
    bind_u64(st, 3, hs->commit);
    int ret = step_done(s, ST_HS_SET, "writing the hard state");
    if (ret == 0 && sqlite3_changes(s->db) != 1) {
        log_warning("Raft storage %s: the hard_state row is missing", s->db_path);
        ret = RSTORE_ECORRUPT;
    }
    return ret;
}

int rstore_save(struct rstore *s, const struct raft_hard_state *hs, const struct raft_entry *ents,
                size_t n)
{
    if (n == 0 && hs == NULL)
        return 0;
    if (n > 0) {
        int bad = check_entries(s, ents, n);
        if (bad != 0)
            return bad;
    }

    int ret = step_done(s, ST_BEGIN, "BEGIN");
    if (ret != 0)
        return ret;
    if (n > 0) {
        /* The conflicting suffix goes in the same transaction as its
         * replacement: a crash never leaves the old suffix half replaced. */
        sqlite3_stmt *del = s->st[ST_LOG_DELETE_FROM];
        bind_u64(del, 1, ents[0].index);
        ret = step_done(s, ST_LOG_DELETE_FROM, "truncating the log");
        if (ret == 0)
            ret = insert_entries(s, ents, n);
        if (ret != 0)
            goto fail;
    }
    if (hs != NULL) {
        ret = write_hard_state(s, hs);
        if (ret != 0)
            goto fail;
    }
    /* With synchronous=FULL the commit fsyncs the WAL: durable on return. */
    ret = step_done(s, ST_COMMIT, "COMMIT");
    if (ret != 0)
        goto fail;
    if (n > 0)
        s->last_index = ents[n - 1].index;
    return 0;
fail:
    rollback(s);
    return ret;
}

int rstore_compact(struct rstore *s, uint64_t upto_index, uint64_t upto_term)
{
    if (upto_index <= s->snap_index)
        return 0;
    if (upto_index > s->last_index) {
        log_warning("Raft storage %s: can't compact up to %" PRIu64 ": the log ends at %" PRIu64,
                    s->db_path, upto_index, s->last_index);
        return RSTORE_EINVAL;
    }
    uint64_t term = 0;
    int ret = storage_term(s, upto_index, &term);
    if (ret != 0)
        return ret;
    if (term != upto_term) {
        log_warning("Raft storage %s: can't compact up to %" PRIu64 " with term %" PRIu64
                    ": the entry has term %" PRIu64,
                    s->db_path, upto_index, upto_term, term);
        return RSTORE_EINVAL;
    }

    ret = step_done(s, ST_BEGIN, "BEGIN");
    if (ret != 0)
        return ret;
    sqlite3_stmt *del = s->st[ST_LOG_DELETE_UPTO];
    bind_u64(del, 1, upto_index);
    ret = step_done(s, ST_LOG_DELETE_UPTO, "compacting the log");
    if (ret == 0)
        ret = meta_set(s, "snapshot_index", upto_index);
    if (ret == 0)
        ret = meta_set(s, "snapshot_term", upto_term);
    if (ret == 0)
        ret = step_done(s, ST_COMMIT, "COMMIT");
    if (ret != 0) {
        rollback(s);
        return ret;
    }
    s->snap_index = upto_index;
    s->snap_term = upto_term;
    return 0;
}

/* ---- inspection ---- */

uint64_t rstore_entry_count(const struct rstore *s)
{
    return s->last_index - s->snap_index;
}

uint64_t rstore_first_index(const struct rstore *s)
{
    return s->snap_index + 1;
}

uint64_t rstore_last_index(const struct rstore *s)
{
    return s->last_index;
}

const char *rstore_db_path(const struct rstore *s)
{
    return s->db_path;
}

int rstore_disk_size(const struct rstore *s, uint64_t *bytes)
{
    struct stat sb;
    if (stat(s->db_path, &sb) != 0)
        return -errno;
    uint64_t total = (uint64_t)sb.st_size;
    if (stat(s->wal_path, &sb) == 0)
        total += (uint64_t)sb.st_size;
    else if (errno != ENOENT)
        return -errno;
    *bytes = total;
    return 0;
}
