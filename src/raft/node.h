/* node: the Raft node driver.  It owns the pure core (raft.h), the SQLite
 * store (storage_sqlite.h) and the tick timer, and connects them to the
 * server:
 *
 *   client write -> node intercept: the command, with the leader's clock and
 *   the client's db, is proposed as a log entry (every write of one loop
 *   iteration goes into one Ready: one SQLite transaction, one fsync);
 *   before the loop sleeps: Ready -> persist (rstore_save) -> send -> apply
 *   the committed entries in log order (each one executed with the time it
 *   was proposed at, its effects logged to the AOF as one frame carrying
 *   its Raft index) -> the proposing client gets the reply -> advance.
 *
 * A client with proposals in flight may send more writes (they pipeline
 * into the log); any other command waits until its earlier writes are
 * answered, so replies stay in order and a read sees the client's writes.
 *
 * Expiry: outside apply, expired keys are hidden, never deleted; the leader
 * proposes RAFT.EXPIRE for the expired keys it finds, and the deletion
 * happens on every node when that entry is applied.
 *
 * Start-up (shared/DESIGN.md): the AOF was replayed first (aof_start); then
 * node_start() loads the hard state and the log, tells the core that the
 * state machine already holds everything up to the AOF's last Raft index,
 * and the first Ready applies the committed entries above it. */
#ifndef RC_RAFT_NODE_H
#define RC_RAFT_NODE_H

struct ev_loop;

/* Starts the node when Raft is enabled (does nothing otherwise).  Returns
 * 0, or -1 after logging why the server must not start. */
int node_start(struct ev_loop *loop);
/* net.c before-sleep hook: processes Ready until there is none. */
void node_before_sleep(void);
/* From the server cron: leader-side active expiry. */
void node_cron(void);
/* Closes the store (after the loop stopped). */
void node_stop(void);

#endif
