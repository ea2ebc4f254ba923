/* client: the state of one connection, as the command layer sees it.
 *
 * Pure data: no socket calls and no event-loop types here, so command
 * handlers can be unit-tested with a client that has no file descriptor
 * (fd = -1).  net.c owns the socket and the libev watchers (reachable
 * through `conn`), reads into `query`, and writes out `reply`. */
#ifndef RC_CLIENT_H
#define RC_CLIENT_H

#include <stdint.h>

#include "resp.h"
#include "util/buf.h"

struct db;
struct command;
struct bpop_state;
struct multi_state;
struct pubsub_client;

/* flags */
#define CLIENT_CLOSE_AFTER_REPLY (1u << 0) /* QUIT, protocol error: flush then close */
#define CLIENT_CLOSE_ASAP        (1u << 1) /* CLIENT KILL: close without flushing */
#define CLIENT_PENDING_WRITE     (1u << 2) /* on the server's pending-write list */
#define CLIENT_READ_PAUSED       (1u << 3) /* back-pressure: not reading */
#define CLIENT_UNIX_SOCKET       (1u << 4)
#define CLIENT_IN_EXEC           (1u << 5)  /* a command is running */
#define CLIENT_BLOCKED           (1u << 6)  /* waits for its Raft proposals (RAFT_RETRY) */
#define CLIENT_UNBLOCKED         (1u << 7)  /* on net.c's list of clients to resume */
#define CLIENT_MULTI             (1u << 8)  /* inside MULTI: commands are queued */
#define CLIENT_DIRTY_CAS         (1u << 9)  /* a WATCHed key was touched: EXEC fails */
#define CLIENT_DIRTY_EXEC        (1u << 10) /* a command queued in MULTI was refused */
#define CLIENT_BLOCKED_KEYS      (1u << 11) /* waits on keys (BLPOP, BRPOP, BLMOVE) */
#define CLIENT_PUBSUB            (1u << 12) /* subscribed to channels or patterns */

struct client {
    uint64_t id;
    int fd; /* -1 for a fake client (tests, AOF loading) */
    uint32_t flags;
    char addr[64];            /* "ip:port" of the peer, "[::1]:port" style as Redis */
    char laddr[64];           /* local "ip:port" */
    char *name;               /* CLIENT SETNAME, NULL if none; owned */
    char *lib_name, *lib_ver; /* CLIENT SETINFO / HELLO ... SETNAME; owned */
    int resp;                 /* protocol: 2 or 3 */
    int authenticated;        /* 1 when no requirepass, or after AUTH */
    int db_index;
    struct db *db;
    int64_t ctime_ms;   /* connection time */
    int64_t last_io_ms; /* last interaction, for the idle timeout */

    /* input */
    struct buf query;
    size_t qpos; /* bytes of query already consumed */
    struct resp_parser parser;
    int argc;
    struct resp_arg *argv; /* the command being executed (points into query) */
    const struct command *cmd, *lastcmd;

    /* output: reply bytes not yet written start at reply.data + sentpos */
    struct buf reply;
    size_t sentpos;
    long long reply_bytes_total; /* for stats */

    /* write path: effects of the running command to log (see command.h) */
    int dirty;       /* dataset changes by the running command */
    int prop_custom; /* the handler chose what to propagate */
    struct buf prop; /* RESP-encoded effects when prop_custom */
    int prop_count;  /* commands in prop */

    /* durability: the reply bytes of this client's writes may leave only
     * once server.durable_gen >= wait_gen (fsync: always; later Raft) */
    uint64_t wait_gen;
    /* Raft: proposals of this client not yet applied */
    long long raft_pending;
    /* MULTI/EXEC: queued commands and watched keys (multi.h); NULL until
     * the client first uses them */
    struct multi_state *mstate;
    /* Raft linearizable reads (ReadIndex): io_epoch counts the reads from
     * the socket; a read confirmed by the leader's quorum round covers the
     * commands that had arrived when it was asked for (read_granted_epoch) */
    uint64_t io_epoch, read_granted_epoch, read_wait_epoch;
    uint64_t read_wait_ctx; /* 0 when not waiting */
    int read_failed;        /* the confirmation failed: leadership lost */

    /* blocking pops (blocking.c): NULL unless blocked; bpop_retry asks the
     * executor to keep the command for a re-run (CMD_RETRY) */
    struct bpop_state *bpop;
    int bpop_retry;
    /* pub/sub (pubsub.c): the client's subscriptions, NULL until its first */
    struct pubsub_client *pubsub;
    /* client-output-buffer-limit: when its output first went over the soft
     * limit (ms), 0 while under it */
    int64_t obuf_soft_since_ms;

    /* server's list of clients */
    struct client *prev, *next;
    void *conn; /* net.c private */
};

/* Creates a client with id, default db 0, RESP2, not authenticated unless no
 * password is required.  fd may be -1.  Returns owned; free with
 * client_free(). */
struct client *client_create(int fd);
void client_free(struct client *c); /* frees buffers and name; not the socket */
/* Switches c to database index idx; returns 0 or -1 if out of range. */
int client_select_db(struct client *c, int idx);
/* Bytes of reply not yet written. */
static inline size_t client_pending_reply(const struct client *c)
{
    return c->reply.len - c->sentpos;
}
/* The output buffer limits (client-output-buffer-limit) of c's class
 * (pubsub if it is subscribed, else normal): when its pending output is at
 * or over the hard limit, or over the soft limit for longer than the soft
 * seconds, c is marked CLIENT_CLOSE_ASAP (logged, counted in INFO stats)
 * and put on the pending-write list, where net.c closes it without writing
 * to it.  Returns 1 if c was marked.  now_ms: the time of the check. */
int client_check_obuf_limits(struct client *c, int64_t now_ms);

#endif
