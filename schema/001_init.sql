-- 001_init: the Raft log, the hard state and the store's metadata.
-- Applied by storage_sqlite.c inside one transaction with the other pending
-- migrations; the code then sets PRAGMA user_version = 1 (see README.md).
-- Plain SQL (no STRICT tables, no UPSERT, no RETURNING): the code runs on any
-- SQLite from 3.20 (sqlite3_prepare_v3), and so must the schema.

-- The log entries.  idx is the Raft index and the rowid, so a range scan or
-- the truncation of a suffix is a B-tree seek.  type: enum raft_entry_type.
-- data: the command bytes, an empty blob (never NULL) when there are none.
CREATE TABLE log (
    idx  INTEGER PRIMARY KEY,
    term INTEGER NOT NULL,
    type INTEGER NOT NULL,
    data BLOB    NOT NULL
);

-- Raft's persistent state (Figure 2): exactly one row, id = 1, updated in
-- place.  vote is 0 for "none".  commit_index lets a restarted node re-apply
-- without waiting for a leader.  Node ids and terms are unsigned 64-bit in C
-- and stored as their two's-complement int64.
CREATE TABLE hard_state (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    term         INTEGER NOT NULL,
    vote         INTEGER NOT NULL,
    commit_index INTEGER NOT NULL
);
INSERT INTO hard_state (id, term, vote, commit_index) VALUES (1, 0, 0, 0);

-- Named integers:
--   snapshot_index, snapshot_term: the last entry that compaction removed
--     (0, 0 until then); the log starts at snapshot_index + 1.
--   node_id: the node this database belongs to (absent until the first
--     start binds it).
CREATE TABLE meta (
    key   TEXT    PRIMARY KEY NOT NULL,
    value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO meta (key, value) VALUES ('snapshot_index', 0), ('snapshot_term', 0);
