/* blocking: clients blocked on list keys (BLPOP, BRPOP, BLMOVE,
 * BRPOPLPUSH).
 *
 * A blocking command that finds nothing to pop registers its client as a
 * waiter on its keys (FIFO per key) with a deadline and asks the executor
 * to keep the command (CMD_RETRY, as a Raft client waiting for its
 * proposals): the command stays unparsed in the client's query buffer and
 * the client runs nothing else.  Every write signals the keys it changed
 * (server_signal_key); a key with waiters becomes "ready", and before the
 * loop sleeps the waiters of each ready key are re-run oldest first, as
 * long as the list has elements for them: the re-run command pops (and is
 * logged as the pop that happened), or blocks again keeping its place and
 * deadline.  A waiter whose deadline passed is re-run once more and answers
 * null.
 *
 * With Raft, the leader makes the check before proposing (raft/node.c
 * calls blocking_intercept): a client whose keys are all empty blocks on
 * the leader without proposing; when a committed push fills a key, at most
 * as many waiters as the list has elements propose their command, which is
 * applied in log order on every node.  Followers redirect (-MOVED) like
 * for any write and never block anything. */
#ifndef RC_BLOCKING_H
#define RC_BLOCKING_H

#include <stdint.h>

struct client;
struct command;
struct resp_arg;

/* Sets up the key listener.  Idempotent. */
void blocking_init(void);

/* For the handlers: c found nothing; block it on keys[0..n) until
 * deadline_ms (0: forever).  If c cannot block (inside MULTI, a fake or
 * apply client) or its deadline already passed, returns 0 and the handler
 * answers null; else returns 1 and the handler answers nothing. */
int blocking_block(struct client *c, const struct resp_arg *keys, int n, int64_t deadline_ms);
/* The handler served c (or answered it): forget its registration. */
void blocking_done(struct client *c);
/* Parses a blocking timeout (seconds, decimals allowed) into an absolute
 * deadline in ms (0: forever), as Redis: replies and returns -1 on error.
 * A client already blocked keeps its first deadline. */
int blocking_parse_timeout(struct client *c, const struct resp_arg *a, int64_t *deadline_ms);

/* Raft leader, before proposing a blocking command: RAFT_LOCAL to propose
 * it (a key has data), RAFT_RETRY when c blocked, RAFT_TAKEN when c timed
 * out and was answered. */
int blocking_intercept(struct client *c, const struct command *cmd);

/* Before the loop sleeps: re-runs the waiters of ready keys and the ones
 * whose deadline passed (server.run_client). */
void blocking_before_sleep(void);
/* The earliest deadline of a blocked client (ms since the epoch), 0 if
 * none: the loop must wake up then. */
int64_t blocking_next_deadline(void);
/* c is being freed: drop its registration. */
void blocking_client_free(struct client *c);

#endif
