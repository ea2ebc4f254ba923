/* net: listeners and client connections on the libev loop.
 *
 * Request path: accept -> read into client.query -> resp_parse -> command_exec
 * -> reply bytes appended to client.reply -> client put on the pending-write
 * list -> before the loop sleeps (ev_prepare) the before-sleep hooks run
 * (the AOF flush/fsync will be one), then every pending client is written
 * with one write(2); a client whose socket is full gets a write watcher.
 *
 * Why writes wait for the prepare phase: all commands that arrived in one
 * loop iteration (a pipeline, many clients) are answered with one syscall
 * per client, and a durability step (fsync: always) can run once for the
 * whole batch before any reply leaves the process. */
#ifndef RC_NET_H
#define RC_NET_H

struct ev_loop;

/* Binds every configured address on the configured port.  Returns 0, or -1
 * after logging why (no address could be bound). */
int net_listen(struct ev_loop *loop);
/* Starts accepting and the cron timer; sets server.on_reply. */
void net_start(struct ev_loop *loop);
/* Runs fn before every loop sleep, before replies are written. */
void net_add_before_sleep(void (*fn)(void));
/* Runs fn at every cron tick (hz times a second). */
void net_add_cron(void (*fn)(void));
/* Serves ready clients once without blocking (used during a long load). */
void net_process_events(void);
/* Closes listeners and all clients (shutdown). */
void net_stop(struct ev_loop *loop);

#endif
