/* net: listeners and client connections on the libev loop (see net.h). */
#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ev.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "blocking.h"
#include "command.h"
#include "db.h"
#include "reply.h"
#include "server_state.h"
#include "util/log.h"
#include "util/util.h"

/* Bytes read per read(2) when nothing bigger is known to be coming, as
 * Redis's PROTO_IOBUF_LEN. */
#define IOBUF_LEN (16 * 1024)
/* A bulk at least this big is read straight into a buffer of its exact
 * size instead of through the 16k reads (Redis's PROTO_MBULK_BIG_ARG). */
#define BIG_ARG (32 * 1024)
/* Back-pressure: while a client has this much reply data not yet taken by
 * its socket, the server stops executing its commands and stops reading
 * from it; it resumes when the client has read its replies.  This bounds
 * the memory a client that pipelines without reading can make us hold. */
#define OUTPUT_HIGH_WATER (4 * 1024 * 1024)
#define OUTPUT_LOW_WATER  (1 * 1024 * 1024)
/* A reply buffer larger than this is released once empty, so one big reply
 * does not pin memory for the life of the connection. */
#define REPLY_KEEP_CAP (64 * 1024)
/* Accepts per listener event, as Redis's MAX_ACCEPTS_PER_CALL. */
#define MAX_ACCEPTS      1000
#define MAX_LISTENERS    16
#define MAX_BEFORE_SLEEP 8

struct conn {
    ev_io rio;
    ev_io wio;
    struct client *c;
    struct conn *next_pending;   /* pending-write list */
    struct conn *next_unblocked; /* clients to resume (Raft) */
};

struct listener {
    ev_io io;
    int fd;
    char addr[64];
};

static struct listener listeners[MAX_LISTENERS];
static int nlisteners;
static struct ev_loop *loop_;
static ev_prepare before_sleep_w;
static ev_timer cron_w;
static struct conn *pending_head;
static void (*before_sleep_fns[MAX_BEFORE_SLEEP])(void);
static int nbefore_sleep;
static void (*cron_fns[MAX_BEFORE_SLEEP])(void);
static int ncron;

static void process_input(struct conn *cn);
static void read_cb(struct ev_loop *loop, ev_io *w, int revents);

void net_add_before_sleep(void (*fn)(void))
{
    if (nbefore_sleep < MAX_BEFORE_SLEEP)
        before_sleep_fns[nbefore_sleep++] = fn;
}

void net_add_cron(void (*fn)(void))
{
    if (ncron < MAX_BEFORE_SLEEP)
        cron_fns[ncron++] = fn;
}

void net_process_events(void)
{
    /* A few iterations, as Redis's processEventsWhileBlocked: accept, run
     * the command, write the reply, all within one progress point. */
    for (int i = 0; i < 4; i++)
        ev_run(loop_, EVRUN_NOWAIT);
}

static int set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
        return -errno;
    return 0;
}

static void format_addr(const struct sockaddr_storage *ss, char *out, size_t outlen)
{
    char ip[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
        inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof(ip));
        port = ntohs(sin->sin_port);
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
        inet_ntop(AF_INET6, &sin6->sin6_addr, ip, sizeof(ip));
        port = ntohs(sin6->sin6_port);
    }
    /* Redis writes IPv6 peers as "::1:6379" in CLIENT LIST (no brackets). */
    snprintf(out, outlen, "%s:%d", ip, port);
}

/* ---- listeners ---- */

static int listen_one(const char *addr, int port, int backlog)
{
    struct addrinfo hints, *res = NULL;
    char portstr[16];
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST;
    snprintf(portstr, sizeof(portstr), "%d", port);
    const char *host = addr;
    if (strcmp(addr, "*") == 0)
        host = "0.0.0.0";
    int rc = getaddrinfo(host, portstr, &hints, &res);
    if (rc != 0) {
        log_warning("Could not create server TCP listening socket %s:%d: %s", addr, port,
                    gai_strerror(rc));
        return -1;
    }
    int fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, res->ai_protocol);
    if (fd < 0)
        goto fail;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (res->ai_family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    if (bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, backlog) < 0 ||
        set_nonblock(fd) < 0)
        goto fail;
    freeaddrinfo(res);
    return fd;
fail:
    log_warning("Could not create server TCP listening socket %s:%d: %s", addr, port,
                strerror(errno));
    if (fd >= 0)
        close(fd);
    freeaddrinfo(res);
    return -1;
}

int net_listen(struct ev_loop *loop)
{
    const struct config *cfg = server.cfg;
    loop_ = loop;
    if (cfg->port == 0) {
        log_warning("port is 0: not listening on TCP");
        return 0;
    }
    for (int i = 0; i < cfg->nbind && nlisteners < MAX_LISTENERS; i++) {
        int fd = listen_one(cfg->bind[i], cfg->port, cfg->tcp_backlog);
        if (fd < 0) {
            /* As Redis: an IPv6 address on a host without IPv6 is skipped,
             * any other bind failure is fatal. */
            if (errno == EADDRNOTAVAIL || errno == EAFNOSUPPORT)
                continue;
            return -1;
        }
        struct listener *l = &listeners[nlisteners++];
        l->fd = fd;
        snprintf(l->addr, sizeof(l->addr), "%s", cfg->bind[i]);
    }
    if (nlisteners == 0) {
        log_warning("Failed listening on port %d (tcp), aborting.", cfg->port);
        return -1;
    }
    server.tcp_port_bound = cfg->port;
    return 0;
}

/* ---- clients ---- */

static struct conn *unblocked_head;

static void conn_free(struct conn *cn)
{
    struct client *c = cn->c;
    if (server.on_client_free)
        server.on_client_free(c);
    if (c->flags & CLIENT_UNBLOCKED) {
        for (struct conn **pp = &unblocked_head; *pp; pp = &(*pp)->next_unblocked) {
            if (*pp == cn) {
                *pp = cn->next_unblocked;
                break;
            }
        }
    }
    ev_io_stop(loop_, &cn->rio);
    ev_io_stop(loop_, &cn->wio);
    if (c->flags & CLIENT_PENDING_WRITE) {
        for (struct conn **pp = &pending_head; *pp; pp = &(*pp)->next_pending) {
            if (*pp == cn) {
                *pp = cn->next_pending;
                break;
            }
        }
    }
    if (c->fd >= 0)
        close(c->fd);
    server_unlink_client(c);
    client_free(c);
    free(cn);
}

static void unblock_client(struct client *c)
{
    struct conn *cn = c->conn;
    if (!cn || !(c->flags & CLIENT_BLOCKED) || (c->flags & CLIENT_UNBLOCKED))
        return;
    c->flags |= CLIENT_UNBLOCKED;
    cn->next_unblocked = unblocked_head;
    unblocked_head = cn;
}

/* Runs the commands that blocked clients have waiting; returns whether
 * there were any. */
static int resume_unblocked(void)
{
    struct conn *cn = unblocked_head;
    unblocked_head = NULL;
    int any = cn != NULL;
    while (cn) {
        struct conn *next = cn->next_unblocked;
        cn->c->flags &= ~(CLIENT_UNBLOCKED | CLIENT_BLOCKED);
        process_input(cn);
        cn = next;
    }
    return any;
}

/* server.run_client: runs c's waiting commands now (blocking.c). */
static void run_client(struct client *c)
{
    struct conn *cn = c->conn;
    if (!cn)
        return;
    if (c->flags & CLIENT_UNBLOCKED) {
        for (struct conn **pp = &unblocked_head; *pp; pp = &(*pp)->next_unblocked) {
            if (*pp == cn) {
                *pp = cn->next_unblocked;
                break;
            }
        }
    }
    c->flags &= ~(CLIENT_UNBLOCKED | CLIENT_BLOCKED);
    process_input(cn);
}

static void on_reply(struct client *c)
{
    struct conn *cn = c->conn;
    if (!cn || (c->flags & CLIENT_PENDING_WRITE))
        return;
    c->flags |= CLIENT_PENDING_WRITE;
    cn->next_pending = pending_head;
    pending_head = cn;
}

static void pause_reading(struct conn *cn)
{
    if (!(cn->c->flags & CLIENT_READ_PAUSED)) {
        cn->c->flags |= CLIENT_READ_PAUSED;
        ev_io_stop(loop_, &cn->rio);
    }
}

static void resume_reading(struct conn *cn)
{
    if (cn->c->flags & CLIENT_READ_PAUSED) {
        cn->c->flags &= ~CLIENT_READ_PAUSED;
        ev_io_start(loop_, &cn->rio);
    }
}

/* Writes what the socket takes.  Returns 0 if all was written, 1 if some
 * remains, -1 if the connection is dead. */
static int write_pending(struct conn *cn)
{
    struct client *c = cn->c;
    while (client_pending_reply(c) > 0) {
        ssize_t n = write(c->fd, c->reply.data + c->sentpos, client_pending_reply(c));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                /* Drop what was sent once it is most of the buffer, so a
                 * client that keeps reading while its commands keep
                 * producing output does not grow the buffer forever (the
                 * move costs at most the unsent part). */
                if (c->sentpos >= REPLY_KEEP_CAP && c->sentpos * 2 >= c->reply.len) {
                    buf_consume(&c->reply, c->sentpos);
                    c->sentpos = 0;
                }
                return 1;
            }
            log_verbose("Error writing to client: %s", strerror(errno));
            return -1;
        }
        c->sentpos += (size_t)n;
        server.stat_net_output_bytes += n;
        server.stat_io_writes++;
    }
    c->sentpos = 0;
    if (c->reply.cap > REPLY_KEEP_CAP)
        buf_free(&c->reply);
    else
        buf_clear(&c->reply);
    return 0;
}

/* After output drained: the client may have commands waiting in its query
 * buffer that back-pressure held back. */
static void after_drain(struct conn *cn)
{
    struct client *c = cn->c;
    if ((c->flags & CLIENT_READ_PAUSED) && client_pending_reply(c) < OUTPUT_LOW_WATER) {
        resume_reading(cn);
        process_input(cn);
    }
}

static void write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)loop;
    (void)revents;
    struct conn *cn = w->data;
    /* Marked for closing (CLIENT KILL, output buffer limits) earlier in
     * this iteration: what it has queued is not sent. */
    if (cn->c->flags & CLIENT_CLOSE_ASAP) {
        conn_free(cn);
        return;
    }
    int rc = write_pending(cn);
    if (rc < 0) {
        conn_free(cn);
        return;
    }
    if (rc == 0) {
        ev_io_stop(loop_, &cn->wio);
        if (cn->c->flags & CLIENT_CLOSE_AFTER_REPLY) {
            conn_free(cn);
            return;
        }
    }
    after_drain(cn);
}

/* Runs complete commands from the query buffer until it holds only a
 * partial one, the client must be closed, or back-pressure applies. */
static void process_input(struct conn *cn)
{
    struct client *c = cn->c;
    while (c->qpos < c->query.len) {
        if (c->flags & (CLIENT_CLOSE_AFTER_REPLY | CLIENT_CLOSE_ASAP | CLIENT_BLOCKED))
            break;
        if (client_pending_reply(c) > OUTPUT_HIGH_WATER) {
            pause_reading(cn);
            break;
        }
        size_t consumed = 0, hint = 0;
        int st = resp_parse(&c->parser, c->query.data + c->qpos, c->query.len - c->qpos, &consumed,
                            &hint);
        if (st == RESP_NEED_MORE) {
            /* Make room for a big bulk in one allocation so it is read
             * with few syscalls and copied once. */
            if (hint >= BIG_ARG && buf_try_reserve(&c->query, hint) < 0) {
                reply_error(c, "ERR Protocol error: out of memory for the request");
                c->flags |= CLIENT_CLOSE_AFTER_REPLY;
            }
            break;
        }
        if (st == RESP_ERR) {
            log_verbose("Protocol error (%s) from client: id=%llu addr=%s", c->parser.err,
                        (unsigned long long)c->id, c->addr);
            reply_error(c, c->parser.err);
            c->flags |= CLIENT_CLOSE_AFTER_REPLY;
            /* Nothing more is parsed from this client. */
            c->qpos = c->query.len;
            break;
        }
        c->argc = c->parser.argc;
        c->argv = c->parser.argv;
        int rc = c->argc > 0 ? command_exec(c) : CMD_DONE;
        c->argc = 0;
        c->argv = NULL;
        if (rc == CMD_RETRY) {
            /* The command waits in the query buffer, unparsed as far as
             * the parser knows, until server.unblock_client(c). */
            c->flags |= CLIENT_BLOCKED;
            resp_parser_reset(&c->parser);
            break;
        }
        c->qpos += consumed;
    }
    /* Drop what was consumed; a partial command moves to the front. */
    if (c->qpos > 0) {
        buf_consume(&c->query, c->qpos);
        c->qpos = 0;
    }
}

static void read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)loop;
    (void)revents;
    struct conn *cn = w->data;
    struct client *c = cn->c;
    size_t want = IOBUF_LEN;
    /* Inside a big bulk: read exactly the rest of it when room was made.
     * (A buf keeps one byte of its capacity for a terminating NUL.) */
    size_t room = c->query.cap > c->query.len ? c->query.cap - c->query.len - 1 : 0;
    if (room > want)
        want = room;
    if (buf_try_reserve(&c->query, want) < 0) {
        log_warning("Closing client id=%llu: out of memory for its query buffer",
                    (unsigned long long)c->id);
        conn_free(cn);
        return;
    }
    ssize_t n = read(c->fd, c->query.data + c->query.len, want);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
            return;
        log_verbose("Reading from client: %s", strerror(errno));
        conn_free(cn);
        return;
    }
    if (n == 0) {
        log_verbose("Client closed connection id=%llu addr=%s", (unsigned long long)c->id, c->addr);
        conn_free(cn);
        return;
    }
    c->query.len += (size_t)n;
    c->io_epoch++;
    server.stat_net_input_bytes += n;
    server.stat_io_reads++;
    c->last_io_ms = mstime();
    process_input(cn);
    if (c->flags & CLIENT_CLOSE_ASAP)
        conn_free(cn);
}

static void accept_client(int fd, const struct sockaddr_storage *ss)
{
    if (server.nclients >= server.cfg->maxclients) {
        static const char msg[] = "-ERR max number of clients reached\r\n";
        /* Best effort, as Redis: the socket is new, so the short error fits
         * in its buffer. */
        ssize_t ignored = write(fd, msg, sizeof(msg) - 1);
        (void)ignored;
        close(fd);
        server.stat_rejected_conn++;
        return;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (server.cfg->tcp_keepalive > 0) {
        int idle = (int)server.cfg->tcp_keepalive;
        setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
        setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
        int intvl = idle / 3 > 0 ? idle / 3 : 1, cnt = 3;
        setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
        setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
    }
    struct client *c = client_create(fd);
    struct conn *cn = xcalloc(1, sizeof(*cn));
    cn->c = c;
    c->conn = cn;
    format_addr(ss, c->addr, sizeof(c->addr));
    struct sockaddr_storage local;
    socklen_t llen = sizeof(local);
    if (getsockname(fd, (struct sockaddr *)&local, &llen) == 0)
        format_addr(&local, c->laddr, sizeof(c->laddr));
    server_link_client(c);
    server.stat_numconnections++;
    ev_io_init(&cn->rio, read_cb, fd, EV_READ);
    cn->rio.data = cn;
    ev_io_init(&cn->wio, write_cb, fd, EV_WRITE);
    cn->wio.data = cn;
    ev_io_start(loop_, &cn->rio);
    log_verbose("Accepted %s", c->addr);
}

static void accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)loop;
    (void)revents;
    struct listener *l = w->data;
    for (int i = 0; i < MAX_ACCEPTS; i++) {
        struct sockaddr_storage ss;
        socklen_t slen = sizeof(ss);
        int fd = accept4(l->fd, (struct sockaddr *)&ss, &slen, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                log_warning("Accepting client connection: %s", strerror(errno));
            return;
        }
        accept_client(fd, &ss);
    }
}

/* ---- the loop's phases ---- */

static void write_pending_clients(struct conn **held);

/* Fires at a blocked client's deadline: the loop wakes up and the
 * before-sleep phase (blocking_before_sleep) answers it. */
static ev_timer block_timer;
static void block_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)w;
    (void)revents;
}

static void before_sleep_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
    (void)loop;
    (void)w;
    (void)revents;
    /* The hooks (Raft's Ready, the AOF) can unblock clients whose next
     * commands then produce more work for the hooks: a few rounds. */
    for (int round = 0; round < 16; round++) {
        for (int i = 0; i < nbefore_sleep; i++)
            before_sleep_fns[i]();
        if (!resume_unblocked())
            break;
    }

    /* Wake up for the first deadline of a client blocked on keys. */
    int64_t deadline = blocking_next_deadline();
    ev_timer_stop(loop_, &block_timer);
    if (deadline) {
        double in = (double)(deadline - mstime()) / 1000.0;
        ev_timer_set(&block_timer, in > 0 ? in : 0, 0);
        ev_timer_start(loop_, &block_timer);
    }

    /* Writing to a client can let it run commands that back-pressure held
     * back (after_drain), which queues more output: go round until nothing
     * is pending, or the loop would sleep with replies unsent. */
    struct conn *held = NULL;
    while (pending_head)
        write_pending_clients(&held);
    /* Clients whose writes are not durable yet stay pending: the next
     * iteration (at the latest the cron's) tries again. */
    pending_head = held;
}

static void write_pending_clients(struct conn **held)
{
    /* Take the list first: closing a client edits it. */
    struct conn *cn = pending_head;
    pending_head = NULL;
    while (cn) {
        struct conn *next = cn->next_pending;
        struct client *c = cn->c;
        if (c->flags & CLIENT_CLOSE_ASAP) {
            c->flags &= ~CLIENT_PENDING_WRITE;
            conn_free(cn);
            cn = next;
            continue;
        }
        if (c->wait_gen > server.durable_gen) {
            /* Its reply acknowledges a write that is not durable yet (the
             * AOF write or fsync failed): hold every byte of it. */
            cn->next_pending = *held;
            *held = cn;
            cn = next;
            continue;
        }
        c->flags &= ~CLIENT_PENDING_WRITE;
        int rc = write_pending(cn);
        if (rc < 0 || (rc == 0 && (c->flags & CLIENT_CLOSE_AFTER_REPLY))) {
            conn_free(cn);
        } else if (rc == 1) {
            ev_io_start(loop_, &cn->wio);
            /* Its socket is full: output piles up here, within the limits
             * of client-output-buffer-limit.  One over them is marked and
             * queued again, and closed in the next round. */
            client_check_obuf_limits(c, mstime());
        } else {
            after_drain(cn);
        }
        cn = next;
    }
}

static void clients_cron(int64_t now)
{
    long long timeout_ms = server.cfg->timeout * 1000;
    struct client *c = server.clients;
    while (c) {
        struct client *next = c->next;
        struct conn *cn = c->conn;
        if (cn && (c->flags & CLIENT_CLOSE_ASAP)) {
            conn_free(cn);
        } else if (cn && timeout_ms > 0 && now - c->last_io_ms > timeout_ms &&
                   !(c->flags & (CLIENT_IN_EXEC | CLIENT_PUBSUB))) {
            /* A subscriber waits for messages, idle by nature: exempt, as
             * in Redis. */
            log_verbose("Closing idle client id=%llu", (unsigned long long)c->id);
            conn_free(cn);
        } else if (c->query.len == 0 && c->query.cap > IOBUF_LEN * 2) {
            /* Give back a query buffer a big request left behind. */
            buf_free(&c->query);
        }
        c = next;
    }
}

static void cron_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)w;
    (void)revents;
    int64_t now = mstime();
    server.lru_clock = (uint32_t)(now / 1000);

    /* Active expiry: at most a quarter of each cron period, as Redis's
     * ACTIVE_EXPIRE_CYCLE_SLOW_TIME_PERC, shared among the databases. */
    int64_t budget = 1000000 / server.hz / 4;
    int64_t start = monotonic_us();
    for (int i = 0; i < server.ndbs; i++) {
        int64_t spent = monotonic_us() - start;
        if (spent >= budget)
            break;
        if (db_expires_size(server.dbs[i]) > 0)
            db_active_expire(server.dbs[i], now, budget - spent);
        dict_rehash_steps(server.dbs[i]->keys, 100);
        dict_rehash_steps(server.dbs[i]->expires, 100);
    }

    /* instantaneous_ops_per_sec over the last sample period */
    int64_t dt = now - server.ops_sample_time_ms;
    if (dt >= 1000) {
        server.ops_per_sec = (server.stat_numcommands - server.ops_sample_count) * 1000 / dt;
        server.ops_sample_count = server.stat_numcommands;
        server.ops_sample_time_ms = now;
    }
    clients_cron(now);
    for (int i = 0; i < ncron; i++)
        cron_fns[i]();
}

void net_start(struct ev_loop *loop)
{
    loop_ = loop;
    server.on_reply = on_reply;
    server.unblock_client = unblock_client;
    server.run_client = run_client;
    ev_timer_init(&block_timer, block_timer_cb, 0, 0);
    for (int i = 0; i < nlisteners; i++) {
        ev_io_init(&listeners[i].io, accept_cb, listeners[i].fd, EV_READ);
        listeners[i].io.data = &listeners[i];
        ev_io_start(loop, &listeners[i].io);
    }
    ev_prepare_init(&before_sleep_w, before_sleep_cb);
    ev_prepare_start(loop, &before_sleep_w);
    double period = 1.0 / server.hz;
    ev_timer_init(&cron_w, cron_cb, period, period);
    ev_timer_start(loop, &cron_w);
}

void net_stop(struct ev_loop *loop)
{
    for (int i = 0; i < nlisteners; i++) {
        ev_io_stop(loop, &listeners[i].io);
        close(listeners[i].fd);
    }
    nlisteners = 0;
    ev_prepare_stop(loop, &before_sleep_w);
    ev_timer_stop(loop, &cron_w);
    while (server.clients) {
        struct client *c = server.clients;
        if (c->conn) {
            conn_free(c->conn);
        } else {
            server_unlink_client(c);
            client_free(c);
        }
    }
    server.on_reply = NULL;
}
