/* Unit tests for storage_sqlite (the Raft hard state and log in SQLite):
 * schema creation and refusal of a newer or foreign database, hard state
 * and entries (binary, empty) across reopen, truncation of a conflicting
 * suffix, the read interface raft_new() uses (order, early stop, compacted
 * ranges, the snapshot term), compaction, node id binding, the directory
 * lock, argument checks that leave the store untouched, and a crash check:
 * a child saving in a loop is SIGKILLed and the store must reopen with a
 * consistent log, hard state and log from the same transaction, and every
 * save it acknowledged.  Prints the cost of a save (with its fsync). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "raft/storage_sqlite.h"
#include "util/log.h"
#include "util/util.h"

/* ---- fixture: a fresh temporary directory per test ---- */

struct fx {
    char root[64];  /* mkdtemp */
    char dir[128];  /* root/raft: rstore_open must create it */
    char logf[128]; /* root/log: the store's log lines */
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    if (f == NULL)
        return -1;
    snprintf(f->root, sizeof(f->root), "/tmp/rc-rstore-XXXXXX");
    if (mkdtemp(f->root) == NULL) {
        free(f);
        return -1;
    }
    snprintf(f->dir, sizeof(f->dir), "%s/raft", f->root);
    snprintf(f->logf, sizeof(f->logf), "%s/log", f->root);
    if (log_set_file(f->logf) != 0) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int teardown(void **state)
{
    struct fx *f = *state;
    log_set_file(NULL);
    int rc = nftw(f->root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    free(f);
    return rc;
}

/* Whether the log file written since setup contains needle. */
static int log_contains(const struct fx *f, const char *needle)
{
    FILE *fp = fopen(f->logf, "r");
    if (fp == NULL)
        return 0;
    char line[1024];
    int found = 0;
    while (!found && fgets(line, sizeof(line), fp) != NULL)
        found = strstr(line, needle) != NULL;
    fclose(fp);
    return found;
}

static struct rstore *open_ok(const struct fx *f)
{
    struct rstore *s = NULL;
    assert_int_equal(rstore_open(f->dir, &s), 0);
    assert_non_null(s);
    return s;
}

/* A raw SQLite connection to look at (or damage) the file directly. */
static sqlite3 *raw_open(const struct fx *f)
{
    char path[192];
    snprintf(path, sizeof(path), "%s/raft.db", f->dir);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    return db;
}

static int64_t raw_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static void raw_exec(sqlite3 *db, const char *sql)
{
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
}

/* ---- entries: build and read back ---- */

static uint8_t payload_byte(uint64_t index, uint32_t k)
{
    /* NULs included on purpose (k % 7 == 0). */
    return k % 7 == 0 ? 0 : (uint8_t)(index * 31 + k * 7);
}

/* Entries lo .. lo + n - 1 of term `term`; entry i has (index % 5) * 9 bytes
 * (so some are empty, with data NULL), type NOOP when empty. */
static struct raft_entry *make_entries(uint64_t lo, size_t n, uint64_t term)
{
    struct raft_entry *v = xcalloc(n ? n : 1, sizeof(*v));
    for (size_t i = 0; i < n; i++) {
        v[i].index = lo + i;
        v[i].term = term;
        v[i].len = (uint32_t)((lo + i) % 5) * 9;
        v[i].type = v[i].len == 0 ? RAFT_ENTRY_NOOP : RAFT_ENTRY_NORMAL;
        if (v[i].len > 0) {
            v[i].data = xmalloc(v[i].len);
            for (uint32_t k = 0; k < v[i].len; k++)
                v[i].data[k] = payload_byte(lo + i, k);
        }
    }
    return v;
}

static void free_entries(struct raft_entry *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i].data);
    free(v);
}

/* A visitor that copies what it sees, and stops after `stop_after` (0 =
 * never). */
struct seen {
    struct raft_entry v[512];
    size_t n;
    size_t stop_after;
};

static int collect(void *arg, const struct raft_entry *e)
{
    struct seen *s = arg;
    assert_true(s->n < ARRAY_SIZE(s->v));
    s->v[s->n] = *e;
    s->v[s->n].data = e->len ? xmemdup(e->data, e->len) : NULL;
    if (e->len == 0)
        assert_null(e->data);
    s->n++;
    return s->stop_after != 0 && s->n == s->stop_after;
}

static void seen_reset(struct seen *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i].data);
    s->n = 0;
    s->stop_after = 0;
}

static void assert_entry_eq(const struct raft_entry *a, const struct raft_entry *b)
{
    assert_int_equal(a->index, b->index);
    assert_int_equal(a->term, b->term);
    assert_int_equal(a->type, b->type);
    assert_int_equal(a->len, b->len);
    if (a->len)
        assert_memory_equal(a->data, b->data, a->len);
}

/* Reads lo .. hi - 1 through the raft_storage interface into *seen. */
static int read_range(struct rstore *s, uint64_t lo, uint64_t hi, struct seen *out)
{
    struct raft_storage rs = rstore_raft_storage(s);
    return rs.entries(rs.ctx, lo, hi, collect, out);
}

static uint64_t term_of(struct rstore *s, uint64_t i)
{
    struct raft_storage rs = rstore_raft_storage(s);
    uint64_t t = 12345;
    assert_int_equal(rs.term(rs.ctx, i, &t), 0);
    return t;
}

static void load_ok(struct rstore *s, struct raft_start_state *st)
{
    memset(st, 0, sizeof(*st));
    st->applied = 77; /* the caller's: must stay */
    assert_int_equal(rstore_load(s, st), 0);
    assert_int_equal(st->applied, 77);
}

/* ---- tests ---- */

static void test_fresh_open_creates_schema(void **state)
{
    struct fx *f = *state;
    assert_int_equal(rstore_schema_version(), 1);
    struct rstore *s = open_ok(f);

    struct stat sb;
    assert_int_equal(stat(f->dir, &sb), 0);
    assert_true(S_ISDIR(sb.st_mode));
    assert_int_equal(sb.st_mode & 0027, 0); /* 0750 minus the umask */

    struct raft_start_state st;
    load_ok(s, &st);
    assert_int_equal(st.hs.term, 0);
    assert_int_equal(st.hs.vote, 0);
    assert_int_equal(st.hs.commit, 0);
    assert_int_equal(st.first_index, 1);
    assert_int_equal(st.last_index, 0);
    assert_int_equal(rstore_entry_count(s), 0);
    assert_int_equal(rstore_first_index(s), 1);
    assert_int_equal(rstore_last_index(s), 0);
    assert_non_null(strstr(rstore_db_path(s), "/raft/raft.db"));
    assert_int_equal(term_of(s, 0), 0); /* first_index - 1 of a new log */
    uint64_t bytes = 0;
    assert_int_equal(rstore_disk_size(s, &bytes), 0);
    assert_true(bytes > 0);
    rstore_close(s);

    sqlite3 *db = raw_open(f);
    assert_int_equal(raw_int(db, "PRAGMA user_version"), 1);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
                                 "name IN ('log', 'hard_state', 'meta')"),
                     3);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM hard_state"), 1);
    assert_int_equal(raw_int(db, "SELECT value FROM meta WHERE key = 'snapshot_index'"), 0);
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(q, 0), "wal");
    sqlite3_finalize(q);
    sqlite3_close(db);

    /* A second open of an existing store migrates nothing. */
    s = open_ok(f);
    rstore_close(s);
    rstore_close(NULL);
}

static void test_empty_file_gets_schema(void **state)
{
    struct fx *f = *state;
    char path[192];
    assert_int_equal(mkdir(f->dir, 0750), 0);
    snprintf(path, sizeof(path), "%s/raft.db", f->dir);
    int fd = open(path, O_CREAT | O_WRONLY, 0640);
    assert_true(fd >= 0);
    close(fd);
    struct rstore *s = open_ok(f);
    struct raft_start_state st;
    load_ok(s, &st);
    assert_int_equal(st.last_index, 0);
    rstore_close(s);
}

static void test_hard_state_round_trip(void **state)
{
    struct fx *f = *state;
    struct rstore *s = open_ok(f);
    assert_int_equal(rstore_save(s, NULL, NULL, 0), 0); /* no-op */

    struct raft_hard_state hs = {.term = 7, .vote = 3, .commit = 0};
    assert_int_equal(rstore_save(s, &hs, NULL, 0), 0);
    struct raft_start_state st;
    load_ok(s, &st);
    assert_int_equal(st.hs.term, 7);
    assert_int_equal(st.hs.vote, 3);
    assert_int_equal(st.hs.commit, 0);

    /* Values with the top bit set survive as bit patterns. */
    hs = (struct raft_hard_state){.term = UINT64_MAX - 1, .vote = UINT64_MAX, .commit = 0};
    assert_int_equal(rstore_save(s, &hs, NULL, 0), 0);
    rstore_close(s);

    s = open_ok(f);
    load_ok(s, &st);
    assert_int_equal(st.hs.term, UINT64_MAX - 1);
    assert_int_equal(st.hs.vote, UINT64_MAX);
    assert_int_equal(st.hs.commit, 0);
    assert_int_equal(st.first_index, 1);
    assert_int_equal(st.last_index, 0);
    rstore_close(s);
}

static void test_entries_round_trip(void **state)
{
    struct fx *f = *state;
    struct rstore *s = open_ok(f);
    struct raft_entry *ents = make_entries(1, 20, 2);
    /* A larger entry made of NULs and 0xff. */
    free(ents[7].data);
    ents[7].len = 100000;
    ents[7].data = xcalloc(1, ents[7].len);
    memset(ents[7].data + 50000, 0xff, 100);
    struct raft_hard_state hs = {.term = 2, .vote = 1, .commit = 5};
    assert_int_equal(rstore_save(s, &hs, ents, 20), 0);
    assert_int_equal(rstore_last_index(s), 20);
    assert_int_equal(rstore_entry_count(s), 20);

    struct seen *seen = xcalloc(1, sizeof(*seen));
    for (int pass = 0; pass < 2; pass++) {
        struct raft_start_state st;
        load_ok(s, &st);
        assert_int_equal(st.first_index, 1);
        assert_int_equal(st.last_index, 20);
        assert_int_equal(st.hs.commit, 5);
        assert_int_equal(read_range(s, 1, 21, seen), 0);
        assert_int_equal(seen->n, 20);
        for (size_t i = 0; i < 20; i++)
            assert_entry_eq(&seen->v[i], &ents[i]);
        assert_int_equal(term_of(s, 20), 2);
        seen_reset(seen);
        rstore_close(s);
        s = open_ok(f); /* the second pass reads what was reopened */
    }

    /* Empty entries are empty blobs, never SQL NULL. */
    sqlite3 *db = raw_open(f);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM log WHERE data IS NULL"), 0);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM log WHERE length(data) = 0"), 4);
    sqlite3_close(db);

    rstore_close(s);
    free(seen);
    free_entries(ents, 20);
}

static void test_truncate_conflicting_suffix(void **state)
{
    struct fx *f = *state;
    struct rstore *s = open_ok(f);
    struct raft_entry *a = make_entries(1, 10, 1);
    assert_int_equal(rstore_save(s, NULL, a, 10), 0);

    /* A new leader's entries 6..8 of term 2 replace 6..10 of term 1. */
    struct raft_entry *b = make_entries(6, 3, 2);
    b[0].len = 3;
    free(b[0].data);
    b[0].data = xmemdup("new", 3);
    b[0].type = RAFT_ENTRY_NORMAL;
    struct raft_hard_state hs = {.term = 2, .vote = 0, .commit = 4};
    assert_int_equal(rstore_save(s, &hs, b, 3), 0);
    assert_int_equal(rstore_last_index(s), 8);
    assert_int_equal(rstore_entry_count(s), 8);

    struct seen *seen = xcalloc(1, sizeof(*seen));
    for (int pass = 0; pass < 2; pass++) {
        assert_int_equal(read_range(s, 1, 9, seen), 0);
        assert_int_equal(seen->n, 8);
        for (size_t i = 0; i < 5; i++)
            assert_entry_eq(&seen->v[i], &a[i]);
        for (size_t i = 0; i < 3; i++)
            assert_entry_eq(&seen->v[5 + i], &b[i]);
        seen_reset(seen);
        /* 9 and 10 are gone. */
        assert_int_equal(read_range(s, 1, 11, seen), RSTORE_EINVAL);
        assert_int_equal(seen->n, 0);
        struct raft_storage rs = rstore_raft_storage(s);
        uint64_t t = 99;
        assert_int_equal(rs.term(rs.ctx, 9, &t), RSTORE_EINVAL);
        assert_int_equal(t, 99);
        assert_int_equal(term_of(s, 5), 1);
        assert_int_equal(term_of(s, 6), 2);
        rstore_close(s);
        s = open_ok(f);
        struct raft_start_state st;
        load_ok(s, &st);
        assert_int_equal(st.last_index, 8);
        assert_int_equal(st.hs.term, 2);
        assert_int_equal(st.hs.commit, 4);
    }
    sqlite3 *db = raw_open(f);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM log WHERE idx > 8"), 0);
    sqlite3_close(db);

    /* Appending right after the last entry deletes nothing; rewriting from
     * index 1 replaces everything. */
    struct raft_entry *c = make_entries(9, 2, 2);
    assert_int_equal(rstore_save(s, NULL, c, 2), 0);
    assert_int_equal(rstore_last_index(s), 10);
    assert_int_equal(term_of(s, 8), 2);
    struct raft_entry *d = make_entries(1, 1, 3);
    assert_int_equal(rstore_save(s, NULL, d, 1), 0);
    assert_int_equal(rstore_last_index(s), 1);
    assert_int_equal(rstore_entry_count(s), 1);
    assert_int_equal(term_of(s, 1), 3);

    rstore_close(s);
    free(seen);
    free_entries(a, 10);
    free_entries(b, 3);
    free_entries(c, 2);
    free_entries(d, 1);
}

static void test_save_refuses_bad_batches(void **state)
{
    struct fx *f = *state;
    struct rstore *s = open_ok(f);
    struct raft_entry *a = make_entries(1, 5, 1);
    struct raft_hard_state hs0 = {.term = 1, .vote = 1, .commit = 1};
    assert_int_equal(rstore_save(s, &hs0, a, 5), 0);

    struct raft_hard_state hs = {.term = 9, .vote = 9, .commit = 9};
    /* A gap after the last entry. */
    struct raft_entry *gap = make_entries(7, 1, 1);
    assert_int_equal(rstore_save(s, &hs, gap, 1), RSTORE_EINVAL);
    /* Index 0. */
    struct raft_entry *zero = make_entries(0, 1, 1);
    assert_int_equal(rstore_save(s, &hs, zero, 1), RSTORE_EINVAL);
    /* Not consecutive. */
    struct raft_entry *nc = make_entries(6, 3, 1);
    nc[2].index = 9;
    assert_int_equal(rstore_save(s, &hs, nc, 3), RSTORE_EINVAL);
    /* Term 0. */
    struct raft_entry *t0 = make_entries(6, 2, 1);
    t0[1].term = 0;
    assert_int_equal(rstore_save(s, &hs, t0, 2), RSTORE_EINVAL);
    /* Bytes promised, no pointer. */
    struct raft_entry nul = {.term = 1, .index = 6, .len = 4, .data = NULL};
    assert_int_equal(rstore_save(s, &hs, &nul, 1), RSTORE_EINVAL);
    /* Above what SQLite can order. */
    struct raft_entry big = {.term = 1, .index = (uint64_t)INT64_MAX + 1};
    assert_int_equal(rstore_save(s, &hs, &big, 1), RSTORE_EINVAL);
    assert_true(log_contains(f, "refusing"));

    /* Nothing of any of them was written: not even the hard state. */
    struct raft_start_state st;
    for (int pass = 0; pass < 2; pass++) {
        load_ok(s, &st);
        assert_int_equal(st.hs.term, 1);
        assert_int_equal(st.hs.commit, 1);
        assert_int_equal(st.last_index, 5);
        rstore_close(s);
        s = open_ok(f);
    }

    /* Below the first index after a compaction. */
    assert_int_equal(rstore_compact(s, 3, 1), 0);
    struct raft_entry *low = make_entries(3, 3, 2);
    assert_int_equal(rstore_save(s, NULL, low, 3), RSTORE_EINVAL);
    low[0].index = 4;
    low[1].index = 5;
    low[2].index = 6;
    assert_int_equal(rstore_save(s, NULL, low, 3), 0); /* from the first index is fine */
    assert_int_equal(rstore_last_index(s), 6);

    rstore_close(s);
    free_entries(a, 5);
    free_entries(gap, 1);
    free_entries(zero, 1);
    free_entries(nc, 3);
    free_entries(t0, 2);
    free_entries(low, 3);
}

static void test_entries_visit_and_compaction(void **state)
{
    struct fx *f = *state;
    struct rstore *s = open_ok(f);
    struct raft_entry *a = make_entries(1, 10, 1);
    struct raft_entry *b = make_entries(11, 10, 3);
    assert_int_equal(rstore_save(s, NULL, a, 10), 0);
    assert_int_equal(rstore_save(s, NULL, b, 10), 0);
    struct seen *seen = xcalloc(1, sizeof(*seen));

    /* Order, a sub-range, an early stop, an empty range. */
    assert_int_equal(read_range(s, 4, 15, seen), 0);
    assert_int_equal(seen->n, 11);
    for (size_t i = 0; i < seen->n; i++)
        assert_int_equal(seen->v[i].index, 4 + i);
    seen_reset(seen);
    seen->stop_after = 3;
    assert_int_equal(read_range(s, 2, 21, seen), 0);
    assert_int_equal(seen->n, 3);
    assert_int_equal(seen->v[2].index, 4);
    seen_reset(seen);
    assert_int_equal(read_range(s, 5, 5, seen), 0);
    assert_int_equal(read_range(s, 9, 5, seen), 0);
    assert_int_equal(seen->n, 0);
    /* The statement was reset after the early stop: a new read starts over. */
    assert_int_equal(read_range(s, 20, 21, seen), 0);
    assert_int_equal(seen->n, 1);
    assert_entry_eq(&seen->v[0], &b[9]);
    seen_reset(seen);

    /* Compaction: refused past the log or with the wrong term. */
    assert_int_equal(rstore_compact(s, 21, 3), RSTORE_EINVAL);
    assert_int_equal(rstore_compact(s, 12, 1), RSTORE_EINVAL);
    assert_true(log_contains(f, "the entry has term 3"));
    assert_int_equal(rstore_first_index(s), 1);
    assert_int_equal(rstore_compact(s, 12, 3), 0);
    assert_int_equal(rstore_compact(s, 7, 1), 0); /* at or below: no-op */
    assert_int_equal(rstore_compact(s, 12, 3), 0);

    struct raft_storage rs = rstore_raft_storage(s);
    for (int pass = 0; pass < 2; pass++) {
        struct raft_start_state st;
        load_ok(s, &st);
        assert_int_equal(st.first_index, 13);
        assert_int_equal(st.last_index, 20);
        assert_int_equal(rstore_entry_count(s), 8);
        assert_int_equal(read_range(s, 12, 21, seen), RAFT_EUNAVAILABLE);
        assert_int_equal(read_range(s, 1, 3, seen), RAFT_EUNAVAILABLE);
        assert_int_equal(seen->n, 0);
        assert_int_equal(read_range(s, 13, 21, seen), 0);
        assert_int_equal(seen->n, 8);
        assert_entry_eq(&seen->v[0], &b[2]);
        seen_reset(seen);
        /* term(first_index - 1) comes from the snapshot. */
        assert_int_equal(term_of(s, 12), 3);
        uint64_t t = 99;
        assert_int_equal(rs.term(rs.ctx, 11, &t), RAFT_EUNAVAILABLE);
        assert_int_equal(rs.term(rs.ctx, 0, &t), RAFT_EUNAVAILABLE);
        assert_int_equal(t, 99);
        rstore_close(s);
        s = open_ok(f);
        rs = rstore_raft_storage(s);
    }
    sqlite3 *db = raw_open(f);
    assert_int_equal(raw_int(db, "SELECT min(idx) FROM log"), 13);
    assert_int_equal(raw_int(db, "SELECT value FROM meta WHERE key = 'snapshot_term'"), 3);
    sqlite3_close(db);

    /* Compacting everything leaves an empty log that still knows its end. */
    assert_int_equal(rstore_compact(s, 20, 3), 0);
    assert_int_equal(rstore_entry_count(s), 0);
    struct raft_start_state st;
    load_ok(s, &st);
    assert_int_equal(st.first_index, 21);
    assert_int_equal(st.last_index, 20);
    assert_int_equal(term_of(s, 20), 3);
    rstore_close(s);
    s = open_ok(f);
    load_ok(s, &st);
    assert_int_equal(st.first_index, 21);
    assert_int_equal(st.last_index, 20);
    struct raft_entry *c = make_entries(21, 2, 4);
    assert_int_equal(rstore_save(s, NULL, c, 2), 0);
    assert_int_equal(read_range(s, 21, 23, seen), 0);
    assert_int_equal(seen->n, 2);
    assert_entry_eq(&seen->v[1], &c[1]);
    seen_reset(seen);

    rstore_close(s);
    free(seen);
    free_entries(a, 10);
    free_entries(b, 10);
    free_entries(c, 2);
}

static void test_gap_in_file_is_corruption(void **state)
{
    struct fx *f = *state;
    struct rstore *s = open_ok(f);
    struct raft_entry *a = make_entries(1, 6, 1);
    assert_int_equal(rstore_save(s, NULL, a, 6), 0);
    rstore_close(s);

    sqlite3 *db = raw_open(f);
    raw_exec(db, "DELETE FROM log WHERE idx = 3");
    sqlite3_close(db);
    s = NULL;
    assert_int_equal(rstore_open(f->dir, &s), RSTORE_ECORRUPT);
    assert_null(s);
    assert_true(log_contains(f, "no gap"));

    /* The first entry missing (not a snapshot) is caught too. */
    db = raw_open(f);
    raw_exec(db, "INSERT INTO log VALUES (3, 1, 0, x'00')");
    raw_exec(db, "DELETE FROM log WHERE idx = 1");
    sqlite3_close(db);
    assert_int_equal(rstore_open(f->dir, &s), RSTORE_ECORRUPT);
    free_entries(a, 6);
}

static void test_newer_schema_refused(void **state)
{
    struct fx *f = *state;
    struct rstore *s = open_ok(f);
    rstore_close(s);
    sqlite3 *db = raw_open(f);
    raw_exec(db, "PRAGMA user_version = 99");
    sqlite3_close(db);

    s = NULL;
    assert_int_equal(rstore_open(f->dir, &s), RSTORE_ESCHEMA);
    assert_null(s);
    assert_true(
        log_contains(f, "raft.db schema version 99 is newer than this raftcache supports (1)"));
    assert_string_equal(rstore_strerror(RSTORE_ESCHEMA), "unsupported raft.db schema");
    /* The refusal changed nothing: the version is still 99. */
    db = raw_open(f);
    assert_int_equal(raw_int(db, "PRAGMA user_version"), 99);
    sqlite3_close(db);
}

static void test_foreign_database_refused(void **state)
{
    struct fx *f = *state;
    assert_int_equal(mkdir(f->dir, 0750), 0);
    sqlite3 *db = raw_open(f);
    raw_exec(db, "CREATE TABLE users (name TEXT)");
    sqlite3_close(db);
    struct rstore *s = NULL;
    assert_int_equal(rstore_open(f->dir, &s), RSTORE_ESCHEMA);
    assert_true(log_contains(f, "not a raftcache Raft database"));

    /* Not SQLite at all. */
    char path[192];
    snprintf(path, sizeof(path), "%s/raft.db", f->dir);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    for (int i = 0; i < 4096; i++)
        fputc("garbage!"[i % 8], fp);
    fclose(fp);
    assert_int_equal(rstore_open(f->dir, &s), RSTORE_ESQLITE);
    assert_null(s);
    assert_true(log_contains(f, "file is not a database"));
}

static void test_node_id_binding(void **state)
{
    struct fx *f = *state;
    struct rstore *s = open_ok(f);
    assert_int_equal(rstore_check_node_id(s, 0), RSTORE_EINVAL);
    assert_int_equal(rstore_check_node_id(s, 7), 0);
    assert_int_equal(rstore_check_node_id(s, 7), 0);
    assert_int_equal(rstore_check_node_id(s, 8), RSTORE_ENODEID);
    rstore_close(s);

    s = open_ok(f);
    assert_int_equal(rstore_check_node_id(s, 2), RSTORE_ENODEID);
    assert_true(log_contains(f, "belongs to node 7, not to node 2: refusing to start"));
    assert_int_equal(rstore_check_node_id(s, 7), 0);
    rstore_close(s);
}

static void test_directory_lock(void **state)
{
    struct fx *f = *state;
    struct rstore *s = open_ok(f);
    struct rstore *t = NULL;
    assert_int_equal(rstore_open(f->dir, &t), RSTORE_ELOCKED);
    assert_null(t);
    assert_true(log_contains(f, "in use by another process"));
    rstore_close(s);
    t = open_ok(f);
    rstore_close(t);
}

static void test_open_errors_and_strings(void **state)
{
    struct fx *f = *state;
    char path[192];
    snprintf(path, sizeof(path), "%s/file", f->root);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fclose(fp);
    snprintf(path, sizeof(path), "%s/file/raft", f->root);
    struct rstore *s = NULL;
    assert_int_equal(rstore_open(path, &s), -ENOTDIR);
    assert_null(s);
    snprintf(path, sizeof(path), "%s/file", f->root);
    assert_int_equal(rstore_open(path, &s), -ENOTDIR);

    assert_string_equal(rstore_strerror(0), "success");
    assert_string_equal(rstore_strerror(RSTORE_ENODEID), "raft.db belongs to another node id");
    assert_string_equal(rstore_strerror(RAFT_EUNAVAILABLE), "log entry compacted away");
    assert_string_equal(rstore_strerror(-ENOENT), strerror(ENOENT));
    assert_string_equal(rstore_strerror(-999999), "unknown error");
    int codes[] = {RSTORE_ESQLITE, RSTORE_ECORRUPT, RSTORE_EINVAL, RSTORE_ELOCKED};
    for (size_t i = 0; i < ARRAY_SIZE(codes); i++)
        assert_string_not_equal(rstore_strerror(codes[i]), "unknown error");
}

/* ---- crash consistency ---- */

/* Entry data encodes (index, term), so a reader can tell a torn or stale
 * row from a good one. */
static void crash_fill(struct raft_entry *e, uint8_t *buf, uint64_t index, uint64_t term)
{
    e->index = index;
    e->term = term;
    e->type = RAFT_ENTRY_NORMAL;
    e->len = 16 + (uint32_t)(index % 23);
    memcpy(buf, &index, 8);
    memcpy(buf + 8, &term, 8);
    for (uint32_t k = 16; k < e->len; k++)
        buf[k] = (uint8_t)(index ^ k);
    e->data = buf;
}

/* The child: saves forever (batches of 1..8, now and then a new term that
 * rewrites the last two entries), reports each acknowledged last index on
 * the pipe.  Hard state commit = last index of the same transaction. */
static void crash_child(const char *dir, int wfd, unsigned seed) __attribute__((noreturn));
static void crash_child(const char *dir, int wfd, unsigned seed)
{
    struct rstore *s = NULL;
    if (rstore_open(dir, &s) != 0)
        _exit(2);
    struct raft_start_state st = {0};
    if (rstore_load(s, &st) != 0)
        _exit(3);
    uint64_t last = st.last_index, term = st.hs.term ? st.hs.term : 1;
    static uint8_t bufs[8][64];
    struct raft_entry ents[8];
    for (uint64_t it = 0;; it++) {
        seed = seed * 1103515245u + 12345u;
        uint64_t from = last + 1;
        size_t n = 1 + (seed >> 16) % 8;
        if (it % 7 == 3 && last >= 2) {
            term++;
            from = last - 1;
            if (n < 2)
                n = 2;
        }
        for (size_t i = 0; i < n; i++)
            crash_fill(&ents[i], bufs[i], from + i, term);
        struct raft_hard_state hs = {.term = term, .vote = 1, .commit = from + n - 1};
        if (rstore_save(s, &hs, ents, n) != 0)
            _exit(4);
        last = from + n - 1;
        if (write(wfd, &last, sizeof(last)) != (ssize_t)sizeof(last))
            _exit(5);
    }
}

struct crash_check {
    uint64_t next, prev_term;
    int bad;
};

static int crash_visit(void *arg, const struct raft_entry *e)
{
    struct crash_check *c = arg;
    uint64_t i, t;
    if (e->len < 16 || e->index != c->next || e->term < c->prev_term) {
        c->bad = 1;
        return 1;
    }
    memcpy(&i, e->data, 8);
    memcpy(&t, e->data + 8, 8);
    if (i != e->index || t != e->term || e->len != 16 + e->index % 23) {
        c->bad = 1;
        return 1;
    }
    c->next++;
    c->prev_term = e->term;
    return 0;
}

static void test_crash_consistency(void **state)
{
    struct fx *f = *state;
    uint64_t prev_last = 0;
    for (int round = 0; round < 6; round++) {
        int p[2];
        assert_int_equal(pipe(p), 0);
        fflush(NULL);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            close(p[0]);
            crash_child(f->dir, p[1], 1234u + (unsigned)round);
        }
        close(p[1]);
        /* Wait for a few acknowledged saves, then kill at a varying moment. */
        uint64_t acked = 0, v;
        int got = 0;
        while (got < 3 + round * 5 && read(p[0], &v, sizeof(v)) == (ssize_t)sizeof(v)) {
            acked = v;
            got++;
        }
        struct timespec ts = {0, (long)(round % 3) * 7000000L + 1000000L};
        nanosleep(&ts, NULL);
        assert_int_equal(kill(pid, SIGKILL), 0);
        int status = 0;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        if (!WIFSIGNALED(status))
            fail_msg("crash child exited by itself with status %d", WEXITSTATUS(status));
        while (read(p[0], &v, sizeof(v)) == (ssize_t)sizeof(v))
            acked = v;
        close(p[0]);
        assert_true(got >= 3);

        struct rstore *s = open_ok(f);
        struct raft_start_state st;
        load_ok(s, &st);
        /* Every acknowledged save is there; hard state and entries come from
         * the same transaction; the log is one gapless, well-formed run. */
        assert_true(st.last_index >= acked);
        assert_true(st.last_index >= prev_last);
        assert_int_equal(st.first_index, 1);
        assert_int_equal(st.hs.commit, st.last_index);
        assert_int_equal(st.hs.vote, 1);
        struct crash_check c = {.next = 1};
        struct raft_storage rs = rstore_raft_storage(s);
        assert_int_equal(rs.entries(rs.ctx, 1, st.last_index + 1, crash_visit, &c), 0);
        assert_int_equal(c.bad, 0);
        assert_int_equal(c.next, st.last_index + 1);
        assert_int_equal(c.prev_term, st.hs.term);
        printf("crash round %d: acknowledged up to %" PRIu64 ", reopened with %" PRIu64
               " entries, term %" PRIu64 "\n",
               round, acked, st.last_index, st.hs.term);
        prev_last = st.last_index;
        rstore_close(s);
    }
}

/* ---- cost of a save, fsync included (printed, not asserted) ---- */

static double time_saves(struct rstore *s, size_t batch, int rounds)
{
    struct raft_entry *ents = xcalloc(batch, sizeof(*ents));
    static uint8_t payload[64];
    memset(payload, 'x', sizeof(payload));
    uint64_t last = rstore_last_index(s);
    int64_t t0 = monotonic_us();
    for (int r = 0; r < rounds; r++) {
        for (size_t i = 0; i < batch; i++) {
            ents[i] =
                (struct raft_entry){.term = 1, .index = last + 1 + i, .len = 40, .data = payload};
        }
        struct raft_hard_state hs = {.term = 1, .vote = 1, .commit = last};
        assert_int_equal(rstore_save(s, &hs, ents, batch), 0);
        last += batch;
    }
    int64_t t1 = monotonic_us();
    free(ents);
    return (double)(t1 - t0) / rounds;
}

static void test_save_cost(void **state)
{
    struct fx *f = *state;
    struct rstore *s = open_ok(f);
    (void)time_saves(s, 1, 5); /* warm up: the WAL file grows */
    double one = time_saves(s, 1, 50);
    double hundred = time_saves(s, 100, 20);
    printf("rstore_save (one transaction, WAL fsync, 40-byte entries): "
           "batch of 1: %.0f us/save; batch of 100: %.0f us/save (%.1f us/entry)\n",
           one, hundred, hundred / 100);
    assert_int_equal(rstore_entry_count(s), 5 + 50 + 2000);
    uint64_t bytes = 0;
    assert_int_equal(rstore_disk_size(s, &bytes), 0);
    assert_true(bytes > 2000 * 40);
    rstore_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_fresh_open_creates_schema, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_file_gets_schema, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hard_state_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_entries_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncate_conflicting_suffix, setup, teardown),
        cmocka_unit_test_setup_teardown(test_save_refuses_bad_batches, setup, teardown),
        cmocka_unit_test_setup_teardown(test_entries_visit_and_compaction, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gap_in_file_is_corruption, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_foreign_database_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_node_id_binding, setup, teardown),
        cmocka_unit_test_setup_teardown(test_directory_lock, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_errors_and_strings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crash_consistency, setup, teardown),
        cmocka_unit_test_setup_teardown(test_save_cost, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
