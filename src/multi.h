/* multi: transactions (MULTI, EXEC, DISCARD, WATCH, UNWATCH), with Redis 7
 * semantics; the handlers are in commands/multi.c.
 *
 * Queueing.  After MULTI (CLIENT_MULTI), command_exec() looks a command up
 * and runs every check that may refuse it (unknown command, arity, NOAUTH,
 * LOADING, MISCONF for a write); a refused command marks the transaction
 * (CLIENT_DIRTY_EXEC, multi_flag_error) and EXEC then answers
 * "-EXECABORT Transaction discarded because of previous errors.".  A
 * command that passed is queued (multi_queue: its arguments are copied,
 * since c->argv points into the query buffer) and answered +QUEUED.  EXEC,
 * DISCARD, MULTI, WATCH, QUIT and RESET are never queued.
 *
 * EXEC runs the queued commands back to back (no other client runs in
 * between) and answers one array of their replies; an error of one command
 * is its element of the array.  While it runs, server.in_exec is 1 and the
 * client keeps CLIENT_MULTI, so a blocking command can tell it must not
 * block.  The effects of the whole transaction reach server.propagate in
 * ONE call (one AOF frame, or part of one Raft entry's frame): the payload
 * holds the effects in order, with a SELECT where the db changes and, when
 * the transaction ends in another db than it began, a SELECT back to the
 * first one, so the AOF's idea of the selected db stays right.  A
 * transaction that changed nothing propagates nothing.
 *
 * WATCH.  Watched keys live in one table (db, key) -> watchers.  The key
 * listener (server_signal_key) marks every watcher of a modified key
 * CLIENT_DIRTY_CAS; FLUSHDB/FLUSHALL dirty the watchers of keys that
 * existed.  As Redis 7: a key already expired (not yet deleted) when
 * WATCHed is not "modified" by its deletion, and a key that expires between
 * WATCH and EXEC (even if not deleted yet) fails the EXEC.  EXEC, DISCARD,
 * UNWATCH and RESET forget the watched keys; client_free() calls
 * multi_client_free().
 *
 * Raft (raft/node.c): MULTI, the queueing, WATCH, UNWATCH and DISCARD run on
 * the node the client talks to; EXEC becomes one log entry holding MULTI,
 * the queued commands and EXEC (multi_encode), applied on every node by its
 * apply client (which watches nothing).  docs/raft.md tells how WATCH is
 * decided on the leader before proposing. */
#ifndef RC_MULTI_H
#define RC_MULTI_H

#include <stdint.h>

#include "client.h"
#include "util/buf.h"

struct command;

/* Whether cmd, sent by c inside MULTI, is to be queued (1) or run now. */
int multi_should_queue(const struct client *c, const struct command *cmd);
/* Queues c->argc/c->argv (copied) for cmd and replies +QUEUED. */
void multi_queue(struct client *c, struct command *cmd);
/* A command of c was refused: inside MULTI the transaction is marked so
 * that EXEC aborts.  Does nothing outside MULTI. */
void multi_flag_error(struct client *c);
/* Whether cmd is EXEC. */
int multi_is_exec(const struct command *cmd);
/* For EXEC: whether the transaction queued a write command (MISCONF then
 * refuses the EXEC as a whole). */
int multi_has_writes(const struct client *c);
/* For EXEC refused as a whole (MISCONF, ...): replies "-EXECABORT
 * Transaction discarded because of: <error>" and discards. */
void multi_exec_abort(struct client *c, const char *error);
/* Forgets the queued commands and the watched keys; clears CLIENT_MULTI,
 * CLIENT_DIRTY_CAS and CLIENT_DIRTY_EXEC. */
void multi_discard(struct client *c);
/* RESET and client teardown: as multi_discard; the latter also frees the
 * per-client state. */
void multi_reset(struct client *c);
void multi_client_free(struct client *c);

/* Number of queued commands (-1 outside MULTI), as CLIENT LIST's multi=. */
int multi_queued_count(const struct client *c);
/* Whether c watches any key. */
int multi_has_watches(const struct client *c);
/* Decides the WATCH condition at time now: sets CLIENT_DIRTY_CAS if a
 * watched key was modified or has expired since it was watched; returns
 * whether c is dirty. */
int multi_watch_dirty(struct client *c, int64_t now);

/* Raft: appends MULTI, the queued commands and EXEC as RESP multibulks to
 * b (the entry's command payload). */
void multi_encode(const struct client *c, struct buf *b);
/* Raft: the db c will have selected after its transaction ran, starting
 * from db (the queued SELECTs that will succeed). */
int multi_final_db(const struct client *c, int db);

#endif
