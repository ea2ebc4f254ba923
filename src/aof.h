/* aof: the append-only file: I/O, fsync policies, rewrite, loading.
 *
 * The frame format is aof_codec.h's (docs/persistence.md).  This module
 * decides what goes in the file and when it reaches the disk:
 *
 *   - server.propagate -> aof_propagate(): every effect of a write becomes
 *     one command frame (with a SELECT in front when the db changes) in an
 *     in-memory buffer.  Nothing is written yet.
 *   - aof_before_sleep(), called by net.c before any reply of the loop
 *     iteration is written: the buffer is written with one pwrite(2) and,
 *     with `fsync: always`, fdatasync'ed once for the whole batch (group
 *     commit).  The replies of that batch carry client.wait_gen and net.c
 *     sends them only once server.durable_gen says the batch is on disk.
 *     `everysec`: a background thread fsyncs once a second; `no`: the OS
 *     does.
 *   - A failed write or fsync is never ignored: the partial frame is cut
 *     off, the bytes are kept in memory and retried, write commands get
 *     -MISCONF, reads go on.  With `always`, the replies of the batch stay
 *     held until it is durable, so no +OK is sent for a write that is not.
 *   - Rewrite: a forked child writes the dataset as a compact AOF to a
 *     temporary file while the parent keeps serving and keeps a copy of
 *     every frame produced meanwhile; when the child is done, the parent
 *     appends that copy, fsyncs, renames the file into place and fsyncs the
 *     directory.  At any moment the file on disk is a complete AOF.
 *
 * The module is single-threaded except for the everysec fsync thread,
 * which touches only the file descriptor and a few atomics. */
#ifndef RC_AOF_H
#define RC_AOF_H

#include <stddef.h>
#include <stdint.h>

/* Start-up: when the AOF is enabled, creates the directory and an empty
 * AOF if there is none, else replays it into memory (CRC64 of every frame
 * checked; a torn tail cut off when aof.load_truncated is on), then opens
 * it for appending and installs the server hooks.  Returns 0, or -1 after
 * logging why the server must not start (the file and byte offset of the
 * damage, an I/O error...). */
int aof_start(void);
/* Flushes (and fsyncs) what is buffered, stops a rewrite child, closes. */
void aof_shutdown(void);
/* net.c's before-sleep hook: writes the buffered frames, fsyncs per policy. */
void aof_before_sleep(void);
/* From the server cron: everysec fsync, retry after errors, finishing a
 * rewrite whose child exited, the automatic rewrite trigger. */
void aof_cron(void);

/* BGREWRITEAOF.  Returns 0 when a rewrite started, or -1 with Redis's
 * message in err ("ERR Background append only file rewriting already in
 * progress"). */
int aof_rewrite_start(char *err, size_t errlen);
int aof_rewrite_in_progress(void);

/* CONFIG SET appendonly yes|no: yes writes a fresh AOF from memory (a
 * rewrite) and appends from then on; no flushes, fsyncs and closes it.
 * Returns 0 or -1 with a message in err. */
int aof_set_enabled(int on, char *err, size_t errlen);

/* Raft: the effects of applying one log entry go into one frame carrying
 * the entry's index (an entry with no effect still gets an empty frame),
 * so the AOF's last index says exactly which entries the data holds.
 * Between begin and end, propagated effects are collected, not framed. */
void aof_entry_begin(uint64_t raft_index);
void aof_entry_end(void);
/* The Raft index of the last frame loaded or appended (0 if none). */
uint64_t aof_last_raft_index(void);
/* Bytes the AOF's buffers hold (frames not yet written, and those kept
 * for a running rewrite): not counted for eviction (evict.h), as Redis's
 * mem_not_counted_for_evict, or evicting would grow them. */
size_t aof_buffer_bytes(void);

#endif
