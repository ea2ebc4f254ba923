/* storage_sqlite: the Raft hard state and log in SQLite (issue 4, Storage).
 *
 * One database, <dir>/raft.db, in WAL mode with synchronous=FULL: a commit
 * appends the transaction's pages to raft.db-wal and fsyncs it, so a
 * transaction that rstore_save() reported as done survives a crash or a
 * power cut, and one that it did not is absent as a whole.  The schema is in
 * schema/NNN_*.sql (embedded in the binary at build time, schema/README.md),
 * its version is PRAGMA user_version:
 *
 *   log(idx INTEGER PRIMARY KEY, term, type, data BLOB)   the entries
 *   hard_state(id = 1, term, vote, commit_index)          exactly one row
 *   meta(key, value)     snapshot_index, snapshot_term (0, 0 until the first
 *                        compaction), node_id (once bound)
 *
 * Invariant of a healthy database: the log holds exactly the indexes
 * snapshot_index + 1 .. last_index, with no gap (last_index = snapshot_index
 * when it is empty).  rstore_open() checks it and refuses a database that
 * breaks it (RSTORE_ECORRUPT).
 *
 * A directory is used by one process at a time: rstore_open() takes an
 * exclusive flock(2) on <dir>/raft.lock and holds it until rstore_close()
 * (a second raftcache on the same directory would interleave two logs).
 *
 * Errors: every function returns 0 or a negative code: an RSTORE_E* below,
 * or -errno for a system call (mkdir, open of the lock file, stat).
 * rstore_strerror() names them.  Every failure is also logged (log.h, level
 * warning) with the path and, for SQLite, sqlite3_errmsg(): the code says
 * what class of failure, the log line says why.  A failed rstore_save() or
 * rstore_compact() leaves the database as it was before the call (the
 * transaction is rolled back), but after an I/O error the node must stop:
 * it cannot tell what the disk holds until it restarts and reloads.
 *
 * Threads: none.  A struct rstore is used by one thread at a time; it must
 * not be used in a child after fork(2) (open a new one there).
 */
#ifndef RC_RAFT_STORAGE_SQLITE_H
#define RC_RAFT_STORAGE_SQLITE_H

#include <stddef.h>
#include <stdint.h>

#include "raft/raft.h"

/* Far from the RAFT_E* codes (-30xx) and from -errno values. */
enum rstore_code {
    RSTORE_ESQLITE = -3101,  /* an SQLite call failed (I/O error, disk full,
                                not a database...): see the log line */
    RSTORE_ESCHEMA = -3102,  /* schema version newer than this binary knows,
                                or a database that is not raftcache's */
    RSTORE_ENODEID = -3103,  /* raft.db belongs to another node id */
    RSTORE_ECORRUPT = -3104, /* the stored log breaks the invariant above */
    RSTORE_EINVAL = -3105,   /* bad argument: entries not consecutive, a gap
                                after the stored log, an index below the
                                snapshot or above INT64_MAX, a compaction
                                past the log or with the wrong term */
    RSTORE_ELOCKED = -3106,  /* another process holds <dir>/raft.lock */
};

/* Text for an RSTORE_E* code, RAFT_EUNAVAILABLE or a -errno value; static
 * storage (strerror's for -errno). */
const char *rstore_strerror(int code);

/* The schema version this binary writes (the number of migrations it
 * carries). */
int rstore_schema_version(void);

struct rstore;

/* Opens (creating it when missing) the Raft store in dir:
 *   - mkdir -p dir (mode 0750 for what it creates), lock <dir>/raft.lock;
 *   - open <dir>/raft.db, journal_mode=WAL, synchronous=FULL, a busy
 *     timeout;
 *   - migrate: user_version 0 (a new file) -> every migration in one
 *     transaction; 0 < v < current -> migrations v+1.. in one transaction;
 *     v > current -> refused, RSTORE_ESCHEMA, logged as "raft.db schema
 *     version N is newer than this raftcache supports (M)"; version 0 with
 *     tables already in the file -> refused, RSTORE_ESCHEMA;
 *   - prepare every statement, check the log invariant (RSTORE_ECORRUPT).
 * dir is copied.  Returns 0 and *out (close with rstore_close), or a
 * negative code and *out untouched. */
int rstore_open(const char *dir, struct rstore **out);

/* Finalizes the statements and closes the database (SQLite checkpoints the
 * WAL into raft.db when it can), then releases the lock.  NULL-safe. */
void rstore_close(struct rstore *s);

/* Binds the store to a node id: the first call on a new database records id
 * (durably) in meta.node_id; later calls, on any later open, compare.  id
 * must be nonzero.  Returns 0; RSTORE_ENODEID when raft.db was bound to
 * another id (logged as "raft.db in DIR belongs to node X, not to node Y:
 * refusing to start"); RSTORE_EINVAL for id 0; RSTORE_ESQLITE.  The server
 * calls it right after rstore_open(), before rstore_load(). */
int rstore_check_node_id(struct rstore *s, uint64_t id);

/* Fills st->hs (the persisted hard state, zeros on a new database),
 * st->first_index (snapshot_index + 1: 1 until a compaction) and
 * st->last_index (last stored entry, first_index - 1 when the log is
 * empty).  st->applied is the caller's (the AOF's last Raft index) and is
 * not touched.  Returns 0 or RSTORE_ESQLITE; *st is untouched on error. */
int rstore_load(struct rstore *s, struct raft_start_state *st);

/* The read interface for raft_new(); ctx is s, which must outlive the node.
 *   term(i): first_index - 1 <= i <= last_index; i = first_index - 1 is
 *     answered from snapshot_term (0 on a log never compacted, i = 0).
 *     RAFT_EUNAVAILABLE below first_index - 1, RSTORE_EINVAL above
 *     last_index, RSTORE_ESQLITE, RSTORE_ECORRUPT (a row missing).
 *   entries(lo, hi, visit, arg): visits lo .. hi - 1 in index order, one
 *     SELECT stepped row by row (no copy: e and e->data point into SQLite's
 *     row and are valid during that visit call only; e->data is NULL when
 *     e->len is 0), stops (returning 0) when visit returns nonzero.
 *     lo >= hi visits nothing.  RAFT_EUNAVAILABLE when lo < first_index;
 *     RSTORE_EINVAL when hi - 1 > last_index (nothing visited);
 *     RSTORE_ECORRUPT when a row in lo .. hi - 1 is missing or holds an
 *     impossible value (a zero term, a type above 255); RSTORE_ESQLITE.
 *     visit must not call back into this store. */
struct raft_storage rstore_raft_storage(struct rstore *s);

/* Persists one Ready, in ONE transaction (one WAL fsync at commit):
 *   - when n > 0: deletes every stored entry with index >= ents[0].index
 *     (the conflicting suffix) and inserts ents[0 .. n);
 *   - when hs != NULL: writes the hard state.
 * ents must be consecutive (ents[i].index = ents[0].index + i), with
 * first_index <= ents[0].index <= last_index + 1 and a nonzero term;
 * RSTORE_EINVAL otherwise (nothing written).  n = 0 with hs = NULL is a
 * no-op.  Everything is borrowed; nothing is copied: the rows are bound
 * straight from ents[i].data.  Group commit is the caller's: one call per
 * Ready.  Returns 0 once the transaction is committed (durable), or a
 * negative code with the transaction rolled back. */
int rstore_save(struct rstore *s, const struct raft_hard_state *hs, const struct raft_entry *ents,
                size_t n);

/* Log compaction, once the state machine's snapshot covers upto_index:
 * deletes the entries <= upto_index and records snapshot_index =
 * upto_index, snapshot_term = upto_term, in one transaction.  The first
 * index becomes upto_index + 1.  upto_index at or below the current
 * snapshot index is a no-op (0).  RSTORE_EINVAL when upto_index is above
 * the last index or the stored term of upto_index is not upto_term.
 * (Installing a snapshot that runs past the log is a separate operation,
 * for the snapshot issue.) */
int rstore_compact(struct rstore *s, uint64_t upto_index, uint64_t upto_term);

/* ---- inspection (INFO raft), from memory: no SQL ---- */

/* Entries in the stored log (last_index - first_index + 1). */
uint64_t rstore_entry_count(const struct rstore *s);
uint64_t rstore_first_index(const struct rstore *s);
uint64_t rstore_last_index(const struct rstore *s);
/* The path of raft.db (static for the life of s). */
const char *rstore_db_path(const struct rstore *s);
/* Bytes on disk: raft.db plus raft.db-wal (0 for a missing WAL).
 * Returns 0 and *bytes, or -errno from stat(2). */
int rstore_disk_size(const struct rstore *s, uint64_t *bytes);

#endif
