/* transport_tcp: Raft peer connections on the libev loop (contract, wire
 * format and handshake in transport_tcp.h).
 *
 * Objects: one struct transport; one struct peer per other node (its
 * outgoing connection, its authenticated incoming connection, its two send
 * queues, its counters); one struct conn per socket.  Incoming connections
 * still in their handshake sit on t->pending until HELLO names a peer and
 * the proof checks out; then they become peer->in.
 *
 * Bytes from the network are untrusted: every handshake field and every
 * frame is checked, each defect closes that one connection with a log line
 * and a counter, and nothing a peer sends can make us allocate more than
 * one frame of max_frame bytes per connection.
 */
#include "raft/transport_tcp.h"

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <ev.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "raft/msg.h"
#include "util/log.h"
#include "util/sha256.h"
#include "util/util.h"

#define MAX_ADDRS      4           /* resolved addresses kept per peer */
#define RBUF_MIN       (64 * 1024) /* read buffer of an idle connection */
#define READ_BUDGET    (4u << 20)  /* bytes read per callback, for fairness */
#define WRITE_ROUNDS   16          /* writev calls per callback */
#define ACCEPT_BUDGET  16          /* accepts per callback */
#define AUTH_NONE      0
#define AUTH_HMAC      1
#define TRANSCRIPT_LEN 83

static const char LABEL_ACCEPTOR[] = "raftcache-raft-hs1 acceptor";
static const char LABEL_DIALER[] = "raftcache-raft-hs1 dialer";

/* One encoded message waiting to be written. */
struct frame {
    struct frame *next;
    size_t len;
    uint8_t type;
    uint8_t data[];
};

struct fqueue {
    struct frame *head, *tail;
    size_t count, bytes;
};

enum out_state { OUT_WAITING, OUT_DIALING, OUT_UP };

enum conn_state {
    CS_CONNECTING,     /* out: connect() in progress */
    CS_WAIT_CHALLENGE, /* out: HELLO sent, reading CHALLENGE */
    CS_WAIT_ACCEPT,    /* out: PROOF sent, reading ACCEPT */
    CS_WAIT_HELLO,     /* in: reading HELLO */
    CS_WAIT_PROOF,     /* in: CHALLENGE sent, reading PROOF */
    CS_UP,
};

struct peer;

struct conn {
    struct transport *t;
    struct peer *peer; /* out: always; in: once HELLO named a configured peer */
    bool out;
    bool pending; /* on t->pending */
    int state;    /* enum conn_state */
    int fd;
    ev_io rio, wio;
    ev_timer timer; /* handshake deadline */
    struct sockaddr_storage ra;
    char remote[INET6_ADDRSTRLEN + 16]; /* "ip:port", for log lines */
    /* handshake */
    uint64_t dialer_id, acceptor_id;
    uint8_t nonce_d[TRANSPORT_NONCE_LEN], nonce_a[TRANSPORT_NONCE_LEN];
    uint8_t hs_in[TRANSPORT_CHALLENGE_LEN];
    size_t hs_have, hs_need;
    uint8_t hs_out[TRANSPORT_CHALLENGE_LEN + TRANSPORT_ACCEPT_LEN];
    size_t hs_out_len, hs_out_off;
    /* incoming, up: frames read so far are rbuf[rstart, rend) */
    uint8_t *rbuf;
    size_t rcap, rstart, rend;
    struct conn *prev, *next; /* t->pending */
};

struct peer {
    struct transport *t;
    uint64_t id;
    char *addr;
    struct sockaddr_storage sa[MAX_ADDRS];
    socklen_t salen[MAX_ADDRS];
    int n_sa, next_sa;
    int out_state; /* enum out_state */
    struct conn *out, *in;
    ev_timer dial_timer;
    unsigned failures;  /* consecutive failed attempts: the backoff exponent */
    bool quiet;         /* a failure of this streak was logged already */
    char last_why[128]; /* reason of the last logged failure of the streak */
    int64_t up_since_us;
    int64_t last_contact_us; /* 0 = never */
    struct fqueue ctrl, bulk;
    struct frame *cur; /* being written: finished before anything else */
    size_t cur_off;
    bool blocked;
    bool drop_pending;            /* a TRANSPORT_PEER_DROPPED report is due */
    struct transport_peer_info n; /* counters only */
};

struct transport {
    struct ev_loop *loop;
    uint64_t self;
    uint8_t *secret;
    size_t secret_len;
    uint8_t auth_mode;
    size_t max_frame, queue_max;
    double backoff_min, backoff_max, hs_timeout; /* seconds */
    struct transport_callbacks cbs;
    void *ud;
    int lfd;
    ev_io lio;
    ev_timer accept_pause; /* out of fds: retry accepting later */
    char listen_str[INET6_ADDRSTRLEN + 16];
    struct sockaddr_storage src; /* bound before connect when srclen > 0 */
    socklen_t srclen;
    struct peer *peers;
    size_t n_peers;
    struct conn *pending;
    size_t n_pending;
    ev_timer report; /* delivers TRANSPORT_PEER_DROPPED from the loop */
    int in_callback;
    int64_t refuse_log_us; /* rate limit of the acceptor's refusal warnings */
    uint64_t refuse_suppressed;
    struct transport_stats st;
};

/* ---- small helpers ---- */

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

const char *transport_refusal_name(int status)
{
    switch (status) {
    case TRANSPORT_REFUSE_NONE:
        return "accepted";
    case TRANSPORT_REFUSE_VERSION:
        return "unsupported protocol version";
    case TRANSPORT_REFUSE_UNKNOWN_ID:
        return "unknown node id";
    case TRANSPORT_REFUSE_WRONG_NODE:
        return "wrong node (check raft.peers)";
    case TRANSPORT_REFUSE_AUTH_MODE:
        return "raft.secret set on one side only";
    case TRANSPORT_REFUSE_ADDRESS:
        return "source address is not that peer's";
    case TRANSPORT_REFUSE_BAD_PROOF:
        return "authentication failed (different raft.secret?)";
    default:
        return "unknown refusal";
    }
}

const char *transport_event_name(int event)
{
    switch (event) {
    case TRANSPORT_PEER_UP:
        return "up";
    case TRANSPORT_PEER_DOWN:
        return "down";
    case TRANSPORT_PEER_DROPPED:
        return "dropped";
    default:
        return "unknown";
    }
}

static bool is_wire_type(int type)
{
    switch (type) {
    case RAFT_MSG_APP:
    case RAFT_MSG_APP_RESP:
    case RAFT_MSG_VOTE:
    case RAFT_MSG_VOTE_RESP:
    case RAFT_MSG_PRE_VOTE:
    case RAFT_MSG_PRE_VOTE_RESP:
    case RAFT_MSG_HEARTBEAT:
    case RAFT_MSG_HEARTBEAT_RESP:
    case RAFT_MSG_SNAP:
    case RAFT_MSG_TIMEOUT_NOW:
        return true;
    default:
        return false;
    }
}

static bool is_bulk(int type)
{
    return type == RAFT_MSG_APP || type == RAFT_MSG_SNAP;
}

static void fmt_sa(const struct sockaddr_storage *ss, char *out, size_t n)
{
    char ip[INET6_ADDRSTRLEN] = "?";
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
        inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip));
        snprintf(out, n, "%s:%u", ip, ntohs(s4->sin_port));
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
        inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
        snprintf(out, n, "[%s]:%u", ip, ntohs(s6->sin6_port));
    } else {
        snprintf(out, n, "?");
    }
}

/* The IPv4 address of a v4 or v4-mapped v6 socket address, so that a dual
 * stack listener compares its ::ffff:a.b.c.d sources with configured
 * a.b.c.d peers. */
static bool sa_v4(const struct sockaddr_storage *ss, struct in_addr *out)
{
    if (ss->ss_family == AF_INET) {
        *out = ((const struct sockaddr_in *)ss)->sin_addr;
        return true;
    }
    if (ss->ss_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)ss)->sin6_addr;
        if (IN6_IS_ADDR_V4MAPPED(a)) {
            memcpy(&out->s_addr, &a->s6_addr[12], 4);
            return true;
        }
    }
    return false;
}

/* Same IP (ports ignored). */
static bool sa_same_ip(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
    struct in_addr a4, b4;
    bool av4 = sa_v4(a, &a4), bv4 = sa_v4(b, &b4);
    if (av4 || bv4)
        return av4 && bv4 && a4.s_addr == b4.s_addr;
    if (a->ss_family != AF_INET6 || b->ss_family != AF_INET6)
        return false;
    return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
                  &((const struct sockaddr_in6 *)b)->sin6_addr, sizeof(struct in6_addr)) == 0;
}

static bool sa_is_wildcard(const struct sockaddr_storage *ss)
{
    if (ss->ss_family == AF_INET)
        return ((const struct sockaddr_in *)ss)->sin_addr.s_addr == htonl(INADDR_ANY);
    if (ss->ss_family == AF_INET6)
        return IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)ss)->sin6_addr);
    return true;
}

/* "host:port" or "[v6]:port" into host and port (NUL-terminated). */
static int split_hostport(const char *s, char *host, size_t hostsz, char *port, size_t portsz)
{
    const char *h, *he, *p;
    if (s == NULL)
        return -EINVAL;
    if (s[0] == '[') {
        h = s + 1;
        he = strchr(h, ']');
        if (he == NULL || he[1] != ':')
            return -EINVAL;
        p = he + 2;
    } else {
        he = strrchr(s, ':');
        if (he == NULL)
            return -EINVAL;
        h = s;
        p = he + 1;
    }
    size_t hl = (size_t)(he - h), pl = strlen(p);
    if (hl == 0 || hl >= hostsz || pl == 0 || pl >= portsz)
        return -EINVAL;
    for (size_t i = 0; i < pl; i++)
        if (p[i] < '0' || p[i] > '9')
            return -EINVAL;
    memcpy(host, h, hl);
    host[hl] = '\0';
    memcpy(port, p, pl + 1);
    return 0;
}

/* Resolves addr into up to max socket addresses (deduplicated).  Blocking
 * for names: called only at start.  Returns the count, or a negative code. */
static int resolve(const char *addr, bool passive, struct sockaddr_storage *sa, socklen_t *salen,
                   int max)
{
    char host[256], port[16];
    if (split_hostport(addr, host, sizeof(host), port, sizeof(port)) < 0)
        return -EINVAL;
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0) {
        log_warning("Raft transport: cannot resolve '%s': %s", addr, gai_strerror(rc));
        return -EADDRNOTAVAIL;
    }
    int n = 0;
    for (struct addrinfo *ai = res; ai != NULL && n < max; ai = ai->ai_next) {
        if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) ||
            ai->ai_addrlen > sizeof(struct sockaddr_storage))
            continue;
        struct sockaddr_storage ss;
        memset(&ss, 0, sizeof(ss));
        memcpy(&ss, ai->ai_addr, ai->ai_addrlen);
        bool dup = false;
        for (int i = 0; i < n; i++)
            if (salen[i] == ai->ai_addrlen && memcmp(&sa[i], &ss, ai->ai_addrlen) == 0)
                dup = true;
        if (dup)
            continue;
        sa[n] = ss;
        salen[n] = (socklen_t)ai->ai_addrlen;
        n++;
    }
    freeaddrinfo(res);
    if (n == 0) {
        log_warning("Raft transport: '%s' has no IPv4 or IPv6 address", addr);
        return -EADDRNOTAVAIL;
    }
    return n;
}

/* Best effort: a failure leaves the kernel's defaults, which still work. */
static void tune_socket(int fd)
{
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
    int idle = 10, intvl = 5, cnt = 3;
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
    unsigned ut = TRANSPORT_USER_TIMEOUT_MS;
    setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &ut, sizeof(ut));
}

static int fill_random(uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t r = getrandom(p, n, 0);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

static struct peer *find_peer(const struct transport *t, uint64_t id)
{
    for (size_t i = 0; i < t->n_peers; i++)
        if (t->peers[i].id == id)
            return &t->peers[i];
    return NULL;
}

static bool peer_has_ip(const struct peer *p, const struct sockaddr_storage *ss)
{
    for (int i = 0; i < p->n_sa; i++)
        if (sa_same_ip(&p->sa[i], ss))
            return true;
    return false;
}

static bool any_peer_has_ip(const struct transport *t, const struct sockaddr_storage *ss)
{
    for (size_t i = 0; i < t->n_peers; i++)
        if (peer_has_ip(&t->peers[i], ss))
            return true;
    return false;
}

/* Warnings about refused incoming connections, at most one a second: a
 * misconfigured peer redials every couple of seconds, a scanner faster. */
static void refuse_log(struct transport *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void refuse_log(struct transport *t, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    int64_t now = monotonic_us();
    if (t->refuse_log_us != 0 && now - t->refuse_log_us < 1000000) {
        t->refuse_suppressed++;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (t->refuse_suppressed > 0)
        log_warning("Raft transport: %s (%" PRIu64 " similar refusals not logged)", msg,
                    t->refuse_suppressed);
    else
        log_warning("Raft transport: %s", msg);
    t->refuse_log_us = now;
    t->refuse_suppressed = 0;
}

/* ---- send queues ---- */

static void fq_push(struct fqueue *q, struct frame *f)
{
    f->next = NULL;
    if (q->tail)
        q->tail->next = f;
    else
        q->head = f;
    q->tail = f;
    q->count++;
    q->bytes += f->len;
}

static struct frame *fq_pop(struct fqueue *q)
{
    struct frame *f = q->head;
    if (f == NULL)
        return NULL;
    q->head = f->next;
    if (q->head == NULL)
        q->tail = NULL;
    q->count--;
    q->bytes -= f->len;
    return f;
}

static size_t queued_bytes(const struct peer *p)
{
    return p->ctrl.bytes + p->bulk.bytes + (p->cur ? p->cur->len - p->cur_off : 0);
}

static void report_cb(struct ev_loop *loop, ev_timer *w, int revents);

/* Counts a message to p that will never be written; a bulk one is reported
 * to the node from the loop (never from inside transport_send, where the
 * node is in the middle of a Ready). */
static void note_drop(struct peer *p, int type)
{
    struct transport *t = p->t;
    p->n.drops_sent++;
    if (is_bulk(type)) {
        p->drop_pending = true;
        if (!ev_is_active(&t->report)) {
            ev_timer_set(&t->report, 0., 0.);
            ev_timer_start(t->loop, &t->report);
        }
    }
}

static void drop_queue(struct peer *p, struct fqueue *q)
{
    struct frame *f;
    while ((f = fq_pop(q)) != NULL) {
        note_drop(p, f->type);
        free(f);
    }
}

/* Everything queued for p, a partly written frame included (its connection
 * is gone: the rest of it cannot be sent on another one). */
static void drop_all(struct peer *p)
{
    if (p->cur) {
        note_drop(p, p->cur->type);
        free(p->cur);
        p->cur = NULL;
        p->cur_off = 0;
    }
    drop_queue(p, &p->ctrl);
    drop_queue(p, &p->bulk);
}

static void emit(struct transport *t, uint64_t id, int event)
{
    if (t->cbs.on_peer_state == NULL)
        return;
    t->in_callback++;
    t->cbs.on_peer_state(t->ud, id, event);
    t->in_callback--;
}

static void report_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    struct transport *t = w->data;
    for (size_t i = 0; i < t->n_peers; i++) {
        struct peer *p = &t->peers[i];
        if (p->drop_pending) {
            p->drop_pending = false;
            emit(t, p->id, TRANSPORT_PEER_DROPPED);
        }
    }
}

/* ---- connections ---- */

static void out_read_cb(struct ev_loop *loop, ev_io *w, int revents);
static void out_write_cb(struct ev_loop *loop, ev_io *w, int revents);
static void in_read_cb(struct ev_loop *loop, ev_io *w, int revents);
static void in_write_cb(struct ev_loop *loop, ev_io *w, int revents);
static void hs_timeout_cb(struct ev_loop *loop, ev_timer *w, int revents);

static struct conn *conn_new(struct transport *t, int fd, bool out)
{
    struct conn *c = xcalloc(1, sizeof(*c));
    c->t = t;
    c->fd = fd;
    c->out = out;
    ev_io_init(&c->rio, out ? out_read_cb : in_read_cb, fd, EV_READ);
    ev_io_init(&c->wio, out ? out_write_cb : in_write_cb, fd, EV_WRITE);
    ev_timer_init(&c->timer, hs_timeout_cb, t->hs_timeout, 0.);
    c->rio.data = c->wio.data = c->timer.data = c;
    ev_timer_start(t->loop, &c->timer);
    return c;
}

static void conn_free(struct conn *c)
{
    struct transport *t = c->t;
    ev_io_stop(t->loop, &c->rio);
    ev_io_stop(t->loop, &c->wio);
    ev_timer_stop(t->loop, &c->timer);
    if (c->fd >= 0)
        close(c->fd);
    if (c->pending) {
        if (c->prev)
            c->prev->next = c->next;
        else
            t->pending = c->next;
        if (c->next)
            c->next->prev = c->prev;
        t->n_pending--;
    }
    if (c->peer) {
        if (c->peer->out == c)
            c->peer->out = NULL;
        if (c->peer->in == c)
            c->peer->in = NULL;
    }
    free(c->rbuf);
    free(c);
}

/* Queues a handshake message and writes what the socket takes now; the
 * rest goes from the write watcher.  0, or -errno.  The previous message
 * is normally gone already (each side answers only a whole message), but a
 * dialer that pipelines PROOF behind HELLO without reading could leave the
 * CHALLENGE unsent: append rather than assume. */
static int hs_send(struct conn *c, const uint8_t *msg, size_t len)
{
    size_t rest = c->hs_out_len - c->hs_out_off;
    memmove(c->hs_out, c->hs_out + c->hs_out_off, rest);
    c->hs_out_off = 0;
    c->hs_out_len = rest;
    if (len > sizeof(c->hs_out) - rest)
        return -ENOBUFS;
    memcpy(c->hs_out + rest, msg, len);
    c->hs_out_len += len;
    while (c->hs_out_off < c->hs_out_len) {
        ssize_t n = write(c->fd, c->hs_out + c->hs_out_off, c->hs_out_len - c->hs_out_off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                ev_io_start(c->t->loop, &c->wio);
                return 0;
            }
            return -errno;
        }
        c->hs_out_off += (size_t)n;
    }
    return 0;
}

/* From the write watcher: the rest of a handshake message.  0 or -errno. */
static int hs_flush(struct conn *c)
{
    while (c->hs_out_off < c->hs_out_len) {
        ssize_t n = write(c->fd, c->hs_out + c->hs_out_off, c->hs_out_len - c->hs_out_off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return 0;
            return -errno;
        }
        c->hs_out_off += (size_t)n;
    }
    ev_io_stop(c->t->loop, &c->wio);
    return 0;
}

/* Reads the handshake message being waited for, never a byte past it.
 * Returns 1 when complete, 0 for more later, -errno, or -EPIPE at EOF. */
static int hs_read(struct conn *c)
{
    while (c->hs_have < c->hs_need) {
        ssize_t n = read(c->fd, c->hs_in + c->hs_have, c->hs_need - c->hs_have);
        if (n == 0)
            return -EPIPE;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return 0;
            return -errno;
        }
        c->hs_have += (size_t)n;
        if (c->peer)
            c->peer->last_contact_us = monotonic_us();
    }
    return 1;
}

/* MAC over the transcript T (transport_tcp.h) with the given label. */
static void hs_mac(const struct transport *t, const struct conn *c, const char *label,
                   uint8_t out[SHA256_DIGEST_LEN])
{
    uint8_t tr[TRANSCRIPT_LEN];
    tr[0] = TRANSPORT_HS_VERSION;
    tr[1] = RAFT_MSG_VERSION;
    tr[2] = t->auth_mode;
    put64(tr + 3, c->dialer_id);
    put64(tr + 11, c->acceptor_id);
    memcpy(tr + 19, c->nonce_d, TRANSPORT_NONCE_LEN);
    memcpy(tr + 51, c->nonce_a, TRANSPORT_NONCE_LEN);
    struct hmac_sha256_ctx h;
    hmac_sha256_init(&h, t->secret, t->secret_len);
    hmac_sha256_update(&h, label, strlen(label));
    hmac_sha256_update(&h, tr, sizeof(tr));
    hmac_sha256_final(&h, out);
}

/* ---- outgoing connections ---- */

static void dial_cb(struct ev_loop *loop, ev_timer *w, int revents);

/* Closes p's outgoing connection (or failed attempt), drops what was
 * queued, and schedules the next dial.  The first failure of a streak is
 * logged at `level`, the next ones at verbose (a peer down for an hour
 * would otherwise log every two seconds). */
static void out_fail(struct peer *p, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void out_fail(struct peer *p, int level, const char *fmt, ...)
{
    struct transport *t = p->t;
    char why[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);

    bool was_up = p->out_state == OUT_UP;
    if (p->out)
        conn_free(p->out);
    drop_all(p);
    if (was_up) {
        log_notice("Raft transport: lost the connection to peer %" PRIu64 " at %s: %s", p->id,
                   p->addr, why);
        if ((double)(monotonic_us() - p->up_since_us) >= t->backoff_max * 1e6)
            p->failures = 0;
    } else {
        p->n.connect_failures++;
        /* A new reason (refused -> authentication failed) is news for the
         * operator even within a streak. */
        bool same = p->quiet && strncmp(p->last_why, why, sizeof(p->last_why) - 1) == 0;
        log_msg(same ? LOG_VERBOSE : level,
                "Raft transport: cannot connect to peer %" PRIu64 " at %s: %s%s", p->id, p->addr,
                why, same ? "" : " (retrying with backoff)");
        size_t wl = strnlen(why, sizeof(p->last_why) - 1);
        memcpy(p->last_why, why, wl);
        p->last_why[wl] = '\0';
    }
    p->quiet = true;
    /* A failed address of a name with several: try the next one. */
    p->next_sa = (p->next_sa + 1) % p->n_sa;

    double d = t->backoff_min;
    for (unsigned i = 0; i < p->failures && d < t->backoff_max; i++)
        d *= 2;
    if (d > t->backoff_max)
        d = t->backoff_max;
    d = d / 2 + (d / 2) * ((double)(rand_u64() >> 11) / (double)(1ull << 53));
    if (p->failures < 64)
        p->failures++;
    p->out_state = OUT_WAITING;
    ev_timer_stop(t->loop, &p->dial_timer);
    ev_timer_set(&p->dial_timer, d, 0.);
    ev_timer_start(t->loop, &p->dial_timer);
    if (was_up)
        emit(t, p->id, TRANSPORT_PEER_DOWN);
}

static void dial(struct peer *p)
{
    struct transport *t = p->t;
    const struct sockaddr_storage *sa = &p->sa[p->next_sa];
    p->out_state = OUT_DIALING;
    int fd = socket(sa->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        out_fail(p, LOG_WARNING, "socket: %s", strerror(errno));
        return;
    }
    tune_socket(fd);
    if (t->srclen > 0 && t->src.ss_family == sa->ss_family &&
        bind(fd, (const struct sockaddr *)&t->src, t->srclen) < 0) {
        int e = errno;
        close(fd);
        out_fail(p, LOG_WARNING, "bind to the raft.listen address: %s", strerror(e));
        return;
    }
    if (connect(fd, (const struct sockaddr *)sa, p->salen[p->next_sa]) < 0 &&
        errno != EINPROGRESS) {
        int e = errno;
        close(fd);
        out_fail(p, LOG_NOTICE, "%s", strerror(e));
        return;
    }
    struct conn *c = conn_new(t, fd, true);
    c->peer = p;
    c->ra = *sa;
    fmt_sa(sa, c->remote, sizeof(c->remote));
    c->state = CS_CONNECTING;
    p->out = c;
    ev_io_start(t->loop, &c->wio);
}

static void dial_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    dial(w->data);
}

static void out_up(struct conn *c)
{
    struct peer *p = c->peer;
    struct transport *t = c->t;
    c->state = CS_UP;
    ev_timer_stop(t->loop, &c->timer);
    p->out_state = OUT_UP;
    p->up_since_us = monotonic_us();
    p->n.connects++;
    if (p->n.connects > 1)
        p->n.reconnects++;
    log_notice("Raft transport: connected to peer %" PRIu64 " at %s", p->id, c->remote);
    p->quiet = false;
    if (p->cur || p->ctrl.head || p->bulk.head)
        ev_io_start(t->loop, &c->wio);
    emit(t, p->id, TRANSPORT_PEER_UP);
}

/* Acceptor's CHALLENGE: check it, answer with PROOF. */
static void on_challenge(struct conn *c)
{
    struct peer *p = c->peer;
    struct transport *t = c->t;
    const uint8_t *b = c->hs_in;

    if (memcmp(b, "RCRC", 4) != 0) {
        t->st.handshake_failures++;
        out_fail(p, LOG_WARNING, "%s is not a raftcache Raft listener (bad handshake magic)",
                 c->remote);
        return;
    }
    if (b[4] != TRANSPORT_HS_VERSION) {
        t->st.refused_version++;
        out_fail(p, LOG_WARNING, "unsupported handshake version %u", b[4]);
        return;
    }
    if (b[5] != TRANSPORT_REFUSE_NONE) {
        if (b[5] == TRANSPORT_REFUSE_AUTH_MODE || b[5] == TRANSPORT_REFUSE_BAD_PROOF)
            p->n.auth_failures++;
        out_fail(p, LOG_WARNING, "refused by the peer: %s", transport_refusal_name(b[5]));
        return;
    }
    if (b[6] != t->auth_mode) {
        t->st.refused_auth++;
        p->n.auth_failures++;
        out_fail(p, LOG_WARNING, "raft.secret is set on %s only",
                 t->auth_mode == AUTH_HMAC ? "this node" : "the peer");
        return;
    }
    uint64_t aid = get64(b + 8), echo = get64(b + 16);
    if (aid != p->id || echo != t->self) {
        t->st.refused_id++;
        out_fail(p, LOG_WARNING, "the node at %s says it is %" PRIu64 " (check raft.peers)",
                 c->remote, aid);
        return;
    }
    memcpy(c->nonce_a, b + 24, TRANSPORT_NONCE_LEN);
    uint8_t mac[SHA256_DIGEST_LEN];
    hs_mac(t, c, LABEL_ACCEPTOR, mac);
    if (!sha256_equal_ct(mac, b + 56, SHA256_DIGEST_LEN)) {
        t->st.refused_auth++;
        p->n.auth_failures++;
        out_fail(p, LOG_WARNING, "the node at %s failed authentication (different raft.secret?)",
                 c->remote);
        return;
    }

    uint8_t proof[TRANSPORT_PROOF_LEN];
    memset(proof, 0, sizeof(proof));
    memcpy(proof, "RCRP", 4);
    proof[4] = TRANSPORT_HS_VERSION;
    hs_mac(t, c, LABEL_DIALER, proof + 8);
    c->state = CS_WAIT_ACCEPT;
    c->hs_have = 0;
    c->hs_need = TRANSPORT_ACCEPT_LEN;
    int rc = hs_send(c, proof, sizeof(proof));
    if (rc < 0)
        out_fail(p, LOG_NOTICE, "write: %s", strerror(-rc));
}

static void on_accept_msg(struct conn *c)
{
    struct peer *p = c->peer;
    const uint8_t *b = c->hs_in;
    if (memcmp(b, "RCRA", 4) != 0 || b[4] != TRANSPORT_HS_VERSION) {
        c->t->st.handshake_failures++;
        out_fail(p, LOG_WARNING, "bad ACCEPT message from %s", c->remote);
        return;
    }
    if (b[5] != TRANSPORT_REFUSE_NONE) {
        if (b[5] == TRANSPORT_REFUSE_BAD_PROOF)
            p->n.auth_failures++;
        out_fail(p, LOG_WARNING, "refused by the peer: %s", transport_refusal_name(b[5]));
        return;
    }
    out_up(c);
}

/* Takes frames from the queues, control first, into one writev. */
static void write_frames(struct peer *p)
{
    struct conn *c = p->out;
    for (int round = 0; round < WRITE_ROUNDS; round++) {
        struct iovec iov[TRANSPORT_IOV_BATCH];
        int n = 0;
        size_t total = 0;
        if (p->cur) {
            iov[n].iov_base = p->cur->data + p->cur_off;
            iov[n].iov_len = p->cur->len - p->cur_off;
            total += iov[n++].iov_len;
        }
        for (struct frame *f = p->ctrl.head; f && n < TRANSPORT_IOV_BATCH; f = f->next) {
            iov[n].iov_base = f->data;
            iov[n].iov_len = f->len;
            total += iov[n++].iov_len;
        }
        for (struct frame *f = p->bulk.head; f && n < TRANSPORT_IOV_BATCH; f = f->next) {
            iov[n].iov_base = f->data;
            iov[n].iov_len = f->len;
            total += iov[n++].iov_len;
        }
        if (n == 0) {
            ev_io_stop(c->t->loop, &c->wio);
            return;
        }
        ssize_t w = writev(c->fd, iov, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return;
            out_fail(p, LOG_NOTICE, "write: %s", strerror(errno));
            return;
        }
        p->n.bytes_sent += (uint64_t)w;
        /* Consume in the order the iovec was built: the partly written
         * frame, then control, then bulk. */
        size_t left = (size_t)w;
        if (p->cur) {
            size_t rest = p->cur->len - p->cur_off;
            if (left < rest) {
                p->cur_off += left;
                return;
            }
            left -= rest;
            free(p->cur);
            p->cur = NULL;
            p->cur_off = 0;
            p->n.msgs_sent++;
        }
        while (left > 0) {
            struct fqueue *q = p->ctrl.head ? &p->ctrl : &p->bulk;
            struct frame *f = fq_pop(q);
            assert(f != NULL);
            if (left >= f->len) {
                left -= f->len;
                free(f);
                p->n.msgs_sent++;
            } else {
                p->cur = f;
                p->cur_off = left;
                left = 0;
            }
        }
        if ((size_t)w < total)
            return; /* the socket is full: wait until it is writable */
    }
}

static void out_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)loop;
    (void)revents;
    struct conn *c = w->data;
    struct peer *p = c->peer;
    struct transport *t = c->t;

    if (c->state == CS_UP) {
        write_frames(p);
        return;
    }
    if (c->state != CS_CONNECTING) {
        int rc = hs_flush(c);
        if (rc < 0)
            out_fail(p, LOG_NOTICE, "write: %s", strerror(-rc));
        return;
    }
    int err = 0;
    socklen_t len = sizeof(err);
    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
        err = errno;
    if (err != 0) {
        out_fail(p, LOG_NOTICE, "%s", strerror(err));
        return;
    }
    ev_io_stop(t->loop, &c->wio);
    c->dialer_id = t->self;
    c->acceptor_id = p->id;
    int rc = fill_random(c->nonce_d, sizeof(c->nonce_d));
    if (rc < 0) {
        out_fail(p, LOG_WARNING, "getrandom: %s", strerror(-rc));
        return;
    }
    uint8_t hello[TRANSPORT_HELLO_LEN];
    memcpy(hello, "RCRH", 4);
    hello[4] = TRANSPORT_HS_VERSION;
    hello[5] = RAFT_MSG_VERSION;
    hello[6] = t->auth_mode;
    hello[7] = 0;
    put64(hello + 8, t->self);
    put64(hello + 16, p->id);
    memcpy(hello + 24, c->nonce_d, TRANSPORT_NONCE_LEN);
    c->state = CS_WAIT_CHALLENGE;
    c->hs_have = 0;
    c->hs_need = TRANSPORT_CHALLENGE_LEN;
    ev_io_start(t->loop, &c->rio);
    rc = hs_send(c, hello, sizeof(hello));
    if (rc < 0)
        out_fail(p, LOG_NOTICE, "write: %s", strerror(-rc));
}

static void out_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)loop;
    (void)revents;
    struct conn *c = w->data;
    struct peer *p = c->peer;

    if (c->state == CS_UP) {
        /* The acceptor never writes after ACCEPT: readable means EOF (the
         * peer closed or restarted), an error, or a protocol violation. */
        uint8_t scratch[64];
        ssize_t n = read(c->fd, scratch, sizeof(scratch));
        if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (n == 0) {
            out_fail(p, LOG_NOTICE, "closed by the peer");
        } else if (n < 0) {
            out_fail(p, LOG_NOTICE, "read: %s", strerror(errno));
        } else {
            c->t->st.protocol_errors++;
            p->n.protocol_errors++;
            out_fail(p, LOG_WARNING, "the peer wrote on a send-only connection");
        }
        return;
    }
    int rc = hs_read(c);
    if (rc == 0)
        return;
    if (rc < 0) {
        c->t->st.handshake_failures++;
        out_fail(p, LOG_NOTICE, "handshake: %s",
                 rc == -EPIPE ? "connection closed by the peer" : strerror(-rc));
        return;
    }
    if (c->state == CS_WAIT_CHALLENGE)
        on_challenge(c);
    else
        on_accept_msg(c);
}

/* ---- incoming connections ---- */

/* Closes an incoming connection in its handshake (no reply). */
static void in_drop(struct conn *c)
{
    conn_free(c);
}

/* Sends a CHALLENGE that carries only a refusal status, then closes. */
static void in_refuse(struct conn *c, int status)
{
    uint8_t msg[TRANSPORT_CHALLENGE_LEN];
    memset(msg, 0, sizeof(msg));
    memcpy(msg, "RCRC", 4);
    msg[4] = TRANSPORT_HS_VERSION;
    msg[5] = (uint8_t)status;
    msg[6] = c->t->auth_mode;
    /* Best effort: a fresh socket's buffer takes 88 bytes; if not, the
     * dialer learns only that we closed. */
    ssize_t n = write(c->fd, msg, sizeof(msg));
    (void)n;
    conn_free(c);
}

static void on_hello(struct conn *c)
{
    struct transport *t = c->t;
    const uint8_t *b = c->hs_in;

    if (memcmp(b, "RCRH", 4) != 0) {
        t->st.handshake_failures++;
        refuse_log(t, "closing the connection from %s: not a raftcache Raft peer (bad magic)",
                   c->remote);
        in_drop(c);
        return;
    }
    uint64_t did = get64(b + 8), to = get64(b + 16);
    if (b[4] != TRANSPORT_HS_VERSION || b[5] != RAFT_MSG_VERSION || b[7] != 0) {
        t->st.refused_version++;
        refuse_log(t,
                   "refusing node %" PRIu64 " from %s: handshake version %u, frame version %u "
                   "(we speak %u and %u)",
                   did, c->remote, b[4], b[5], TRANSPORT_HS_VERSION, RAFT_MSG_VERSION);
        in_refuse(c, TRANSPORT_REFUSE_VERSION);
        return;
    }
    struct peer *p = find_peer(t, did);
    if (p == NULL || did == t->self) {
        t->st.refused_id++;
        refuse_log(t, "refusing %s: it claims node id %" PRIu64 ", %s", c->remote, did,
                   did == t->self ? "which is ours" : "which is not in raft.peers");
        in_refuse(c, TRANSPORT_REFUSE_UNKNOWN_ID);
        return;
    }
    if (to != t->self) {
        t->st.refused_id++;
        refuse_log(t,
                   "refusing node %" PRIu64 " from %s: it wants node %" PRIu64 ", we are %" PRIu64
                   " (check raft.peers)",
                   did, c->remote, to, t->self);
        in_refuse(c, TRANSPORT_REFUSE_WRONG_NODE);
        return;
    }
    if (b[6] != t->auth_mode) {
        t->st.refused_auth++;
        p->n.auth_failures++;
        refuse_log(t, "refusing node %" PRIu64 " from %s: raft.secret is set on %s only", did,
                   c->remote, t->auth_mode == AUTH_HMAC ? "this node" : "that node");
        in_refuse(c, TRANSPORT_REFUSE_AUTH_MODE);
        return;
    }
    if (t->auth_mode == AUTH_NONE && !peer_has_ip(p, &c->ra)) {
        t->st.refused_address++;
        refuse_log(t, "refusing %s: it claims node id %" PRIu64 ", whose address is %s", c->remote,
                   did, p->addr);
        in_refuse(c, TRANSPORT_REFUSE_ADDRESS);
        return;
    }
    int rc = fill_random(c->nonce_a, sizeof(c->nonce_a));
    if (rc < 0) {
        log_warning("Raft transport: getrandom: %s", strerror(-rc));
        in_drop(c);
        return;
    }
    c->peer = p;
    c->dialer_id = did;
    c->acceptor_id = t->self;
    memcpy(c->nonce_d, b + 24, TRANSPORT_NONCE_LEN);

    uint8_t msg[TRANSPORT_CHALLENGE_LEN];
    memcpy(msg, "RCRC", 4);
    msg[4] = TRANSPORT_HS_VERSION;
    msg[5] = TRANSPORT_REFUSE_NONE;
    msg[6] = t->auth_mode;
    msg[7] = 0;
    put64(msg + 8, t->self);
    put64(msg + 16, did);
    memcpy(msg + 24, c->nonce_a, TRANSPORT_NONCE_LEN);
    hs_mac(t, c, LABEL_ACCEPTOR, msg + 56);
    c->state = CS_WAIT_PROOF;
    c->hs_have = 0;
    c->hs_need = TRANSPORT_PROOF_LEN;
    rc = hs_send(c, msg, sizeof(msg));
    if (rc < 0) {
        t->st.handshake_failures++;
        in_drop(c);
    }
}

static void in_up(struct conn *c)
{
    struct transport *t = c->t;
    struct peer *p = c->peer;
    /* Off the pending list: it now belongs to the peer. */
    if (c->prev)
        c->prev->next = c->next;
    else
        t->pending = c->next;
    if (c->next)
        c->next->prev = c->prev;
    c->prev = c->next = NULL;
    c->pending = false;
    t->n_pending--;

    if (p->in) {
        log_verbose("Raft transport: peer %" PRIu64 " reconnected from %s: closing its previous "
                    "connection",
                    p->id, c->remote);
        conn_free(p->in);
    }
    p->in = c;
    c->state = CS_UP;
    ev_timer_stop(t->loop, &c->timer);
    t->st.authenticated_in++;
    log_verbose("Raft transport: peer %" PRIu64 " connected from %s", p->id, c->remote);
}

static void on_proof(struct conn *c)
{
    struct transport *t = c->t;
    struct peer *p = c->peer;
    const uint8_t *b = c->hs_in;
    uint8_t reply[TRANSPORT_ACCEPT_LEN];

    if (memcmp(b, "RCRP", 4) != 0 || b[4] != TRANSPORT_HS_VERSION || b[5] || b[6] || b[7]) {
        t->st.handshake_failures++;
        refuse_log(t, "closing the connection of node %" PRIu64 " from %s: bad PROOF message",
                   p->id, c->remote);
        in_drop(c);
        return;
    }
    uint8_t mac[SHA256_DIGEST_LEN];
    hs_mac(t, c, LABEL_DIALER, mac);
    memset(reply, 0, sizeof(reply));
    memcpy(reply, "RCRA", 4);
    reply[4] = TRANSPORT_HS_VERSION;
    if (!sha256_equal_ct(mac, b + 8, SHA256_DIGEST_LEN)) {
        t->st.refused_auth++;
        p->n.auth_failures++;
        refuse_log(t,
                   "refusing node %" PRIu64 " from %s: authentication failed (different "
                   "raft.secret?)",
                   p->id, c->remote);
        reply[5] = TRANSPORT_REFUSE_BAD_PROOF;
        ssize_t n = write(c->fd, reply, sizeof(reply));
        (void)n;
        in_drop(c);
        return;
    }
    reply[5] = TRANSPORT_REFUSE_NONE;
    int rc = hs_send(c, reply, sizeof(reply));
    if (rc < 0) {
        t->st.handshake_failures++;
        in_drop(c);
        return;
    }
    in_up(c);
}

/* Closes an authenticated incoming connection for bad bytes. */
static void in_protocol_error(struct conn *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void in_protocol_error(struct conn *c, const char *fmt, ...)
{
    char why[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    c->t->st.protocol_errors++;
    c->peer->n.protocol_errors++;
    log_warning("Raft transport: closing the connection from peer %" PRIu64 " (%s): %s",
                c->peer->id, c->remote, why);
    conn_free(c);
}

/* Decodes and delivers every whole frame in the buffer.  Returns 0, or -1
 * when the connection was closed. */
static int deliver_frames(struct conn *c)
{
    struct transport *t = c->t;
    struct peer *p = c->peer;
    while (c->rstart < c->rend) {
        struct raft_msg m;
        size_t used = 0;
        int rc = raft_msg_decode(c->rbuf + c->rstart, c->rend - c->rstart, t->max_frame, &m, &used);
        if (rc == 0)
            break;
        if (rc < 0) {
            in_protocol_error(c, "bad frame: %s", raft_strerror(rc));
            return -1;
        }
        c->rstart += used;
        p->n.msgs_received++;
        if (m.from != p->id || m.to != t->self) {
            in_protocol_error(
                c, "%s from %" PRIu64 " to %" PRIu64 " on the connection of peer %" PRIu64,
                raft_msg_type_name(m.type), m.from, m.to, p->id);
            raft_msg_free(&m);
            return -1;
        }
        if (p->blocked) {
            p->n.drops_received++;
            raft_msg_free(&m);
            continue;
        }
        t->in_callback++;
        t->cbs.on_message(t->ud, &m);
        t->in_callback--;
    }
    return 0;
}

/* Makes room to read: the whole current frame once its length is known,
 * at least RBUF_MIN otherwise.  Returns 0 or -ENOMEM. */
static int rbuf_prepare(struct conn *c)
{
    if (c->rstart == c->rend) {
        c->rstart = c->rend = 0;
        if (c->rcap > RBUF_MIN) { /* the big frame is gone: give the memory back */
            free(c->rbuf);
            c->rbuf = NULL;
            c->rcap = 0;
        }
    }
    size_t have = c->rend - c->rstart;
    size_t need = RBUF_MIN;
    if (have >= 4) {
        /* raft_msg_decode() already refused a length above max_frame */
        size_t frame = (size_t)get32(c->rbuf + c->rstart) + 4;
        if (frame > need)
            need = frame;
    }
    if (c->rcap - c->rstart >= need && c->rend < c->rcap)
        return 0;
    if (c->rstart > 0) {
        memmove(c->rbuf, c->rbuf + c->rstart, have);
        c->rstart = 0;
        c->rend = have;
    }
    if (c->rcap < need) {
        uint8_t *nb = realloc(c->rbuf, need);
        if (nb == NULL)
            return -ENOMEM;
        c->rbuf = nb;
        c->rcap = need;
    }
    return 0;
}

static void read_frames(struct conn *c)
{
    struct peer *p = c->peer;
    size_t budget = READ_BUDGET;
    while (budget > 0) {
        if (rbuf_prepare(c) < 0) {
            log_warning("Raft transport: out of memory for a frame from peer %" PRIu64
                        ": closing its connection",
                        p->id);
            conn_free(c);
            return;
        }
        size_t room = c->rcap - c->rend;
        if (room > budget)
            room = budget;
        ssize_t n = read(c->fd, c->rbuf + c->rend, room);
        if (n == 0) {
            log_verbose("Raft transport: peer %" PRIu64 " closed its connection", p->id);
            conn_free(c);
            return;
        }
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return;
            log_verbose("Raft transport: read from peer %" PRIu64 ": %s", p->id, strerror(errno));
            conn_free(c);
            return;
        }
        c->rend += (size_t)n;
        budget -= (size_t)n;
        p->n.bytes_received += (uint64_t)n;
        p->last_contact_us = monotonic_us();
        if (deliver_frames(c) < 0)
            return;
        if ((size_t)n < room)
            return; /* drained */
    }
}

static void in_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)loop;
    (void)revents;
    struct conn *c = w->data;
    if (c->state == CS_UP) {
        read_frames(c);
        return;
    }
    int rc = hs_read(c);
    if (rc == 0)
        return;
    if (rc < 0) {
        c->t->st.handshake_failures++;
        log_verbose("Raft transport: handshake from %s: %s", c->remote,
                    rc == -EPIPE ? "connection closed" : strerror(-rc));
        in_drop(c);
        return;
    }
    if (c->state == CS_WAIT_HELLO)
        on_hello(c);
    else
        on_proof(c);
}

static void in_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)loop;
    (void)revents;
    struct conn *c = w->data;
    int rc = hs_flush(c);
    if (rc < 0) {
        if (c->state == CS_UP) {
            log_verbose("Raft transport: write to peer %" PRIu64 ": %s", c->peer->id,
                        strerror(-rc));
        } else {
            c->t->st.handshake_failures++;
        }
        conn_free(c);
    }
}

static void hs_timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    struct conn *c = w->data;
    c->t->st.handshake_failures++;
    if (c->out) {
        out_fail(c->peer, LOG_NOTICE, "%s timed out",
                 c->state == CS_CONNECTING ? "connect" : "handshake");
    } else {
        log_verbose("Raft transport: handshake from %s timed out", c->remote);
        in_drop(c);
    }
}

static void accept_pause_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)revents;
    struct transport *t = w->data;
    ev_io_start(loop, &t->lio);
}

static void accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)revents;
    struct transport *t = w->data;
    for (int i = 0; i < ACCEPT_BUDGET; i++) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof(ss);
        memset(&ss, 0, sizeof(ss));
        int fd = accept4(t->lfd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return;
            /* Out of descriptors or memory: a level-triggered listener
             * would spin; pause it a little. */
            log_warning("Raft transport: accept: %s", strerror(errno));
            ev_io_stop(loop, &t->lio);
            ev_timer_set(&t->accept_pause, 0.1, 0.);
            ev_timer_start(loop, &t->accept_pause);
            return;
        }
        t->st.accepted++;
        char remote[INET6_ADDRSTRLEN + 16];
        fmt_sa(&ss, remote, sizeof(remote));
        if (t->n_pending >= TRANSPORT_MAX_HANDSHAKES) {
            t->st.refused_busy++;
            refuse_log(t, "closing the connection from %s: %d handshakes in progress already",
                       remote, TRANSPORT_MAX_HANDSHAKES);
            close(fd);
            continue;
        }
        if (t->auth_mode == AUTH_NONE && !any_peer_has_ip(t, &ss)) {
            t->st.refused_address++;
            refuse_log(t,
                       "refusing the connection from %s: not the address of any peer in "
                       "raft.peers (no raft.secret is set)",
                       remote);
            close(fd);
            continue;
        }
        tune_socket(fd);
        struct conn *c = conn_new(t, fd, false);
        c->ra = ss;
        memcpy(c->remote, remote, sizeof(remote));
        c->state = CS_WAIT_HELLO;
        c->hs_need = TRANSPORT_HELLO_LEN;
        c->pending = true;
        c->next = t->pending;
        if (t->pending)
            t->pending->prev = c;
        t->pending = c;
        t->n_pending++;
        ev_io_start(loop, &c->rio);
    }
}

/* ---- life cycle ---- */

static void t_free(struct transport *t)
{
    if (t->loop) {
        ev_io_stop(t->loop, &t->lio);
        ev_timer_stop(t->loop, &t->accept_pause);
        ev_timer_stop(t->loop, &t->report);
    }
    while (t->pending)
        conn_free(t->pending);
    for (size_t i = 0; i < t->n_peers; i++) {
        struct peer *p = &t->peers[i];
        if (t->loop)
            ev_timer_stop(t->loop, &p->dial_timer);
        if (p->out)
            conn_free(p->out);
        if (p->in)
            conn_free(p->in);
        free(p->cur);
        struct frame *f;
        while ((f = fq_pop(&p->ctrl)) != NULL)
            free(f);
        while ((f = fq_pop(&p->bulk)) != NULL)
            free(f);
        free(p->addr);
    }
    free(t->peers);
    if (t->lfd >= 0)
        close(t->lfd);
    if (t->secret) {
        explicit_bzero(t->secret, t->secret_len);
        free(t->secret);
    }
    free(t);
}

static int open_listener(struct transport *t, const char *addr)
{
    struct sockaddr_storage sa[MAX_ADDRS];
    socklen_t salen[MAX_ADDRS];
    int n = resolve(addr, true, sa, salen, MAX_ADDRS);
    if (n < 0) {
        log_warning("Raft transport: raft.listen '%s' is not a valid host:port", addr);
        return n == -EINVAL ? -EINVAL : n;
    }
    int err = 0;
    for (int i = 0; i < n; i++) {
        int fd = socket(sa[i].ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            err = errno;
            continue;
        }
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, (const struct sockaddr *)&sa[i], salen[i]) < 0 || listen(fd, 128) < 0) {
            err = errno;
            close(fd);
            continue;
        }
        t->lfd = fd;
        return 0;
    }
    log_warning("Raft transport: cannot listen on %s: %s", addr, strerror(err));
    return err ? -err : -EADDRNOTAVAIL;
}

int transport_start(struct ev_loop *loop, const struct transport_config *cfg,
                    const struct transport_callbacks *cbs, void *ud, struct transport **out)
{
    int rc = 0;
    struct transport *t = xcalloc(1, sizeof(*t));
    t->lfd = -1;
    if (cfg->listen_addr == NULL)
        t->lfd = cfg->listen_fd; /* ours from now on, even on failure */
    t->loop = loop;

    if (cfg->self_id == RAFT_NONE || cbs == NULL || cbs->on_message == NULL) {
        log_warning("Raft transport: no node id or no message callback");
        rc = -EINVAL;
        goto fail;
    }
    t->self = cfg->self_id;
    t->cbs = *cbs;
    t->ud = ud;
    t->max_frame = cfg->max_frame ? cfg->max_frame : TRANSPORT_DEFAULT_MAX_FRAME;
    if (t->max_frame < RAFT_MSG_MIN_FRAME)
        t->max_frame = RAFT_MSG_MIN_FRAME;
    t->queue_max = cfg->send_queue_max ? cfg->send_queue_max : TRANSPORT_DEFAULT_QUEUE_MAX;
    unsigned bmin = cfg->backoff_min_ms ? cfg->backoff_min_ms : TRANSPORT_DEFAULT_BACKOFF_MIN;
    unsigned bmax = cfg->backoff_max_ms ? cfg->backoff_max_ms : TRANSPORT_DEFAULT_BACKOFF_MAX;
    if (bmax < bmin)
        bmax = bmin;
    t->backoff_min = bmin / 1000.0;
    t->backoff_max = bmax / 1000.0;
    t->hs_timeout =
        (cfg->handshake_timeout_ms ? cfg->handshake_timeout_ms : TRANSPORT_DEFAULT_HS_TIMEOUT) /
        1000.0;
    if (cfg->secret && cfg->secret[0]) {
        t->secret_len = strlen(cfg->secret);
        t->secret = xmemdup(cfg->secret, t->secret_len);
        t->auth_mode = AUTH_HMAC;
    } else {
        t->auth_mode = AUTH_NONE;
    }
    ev_timer_init(&t->report, report_cb, 0., 0.);
    t->report.data = t;
    ev_timer_init(&t->accept_pause, accept_pause_cb, 0.1, 0.);
    t->accept_pause.data = t;

    /* Peers (this node's own entry skipped). */
    t->peers = xcalloc(cfg->n_peers ? cfg->n_peers : 1, sizeof(*t->peers));
    for (size_t i = 0; i < cfg->n_peers; i++) {
        const struct transport_peer_addr *pa = &cfg->peers[i];
        if (pa->id == cfg->self_id)
            continue;
        if (pa->id == RAFT_NONE || find_peer(t, pa->id) != NULL || t->n_peers >= RAFT_MAX_PEERS) {
            log_warning("Raft transport: peer id %" PRIu64 " is zero, repeated, or one too many",
                        pa->id);
            rc = -EINVAL;
            goto fail;
        }
        struct peer *p = &t->peers[t->n_peers];
        p->t = t;
        p->id = pa->id;
        p->addr = xstrdup(pa->addr ? pa->addr : "");
        ev_timer_init(&p->dial_timer, dial_cb, 0., 0.);
        p->dial_timer.data = p;
        t->n_peers++;
        int n = resolve(p->addr, false, p->sa, p->salen, MAX_ADDRS);
        if (n < 0) {
            if (n == -EINVAL)
                log_warning("Raft transport: peer %" PRIu64 ": '%s' is not a valid host:port",
                            p->id, p->addr);
            rc = n;
            goto fail;
        }
        p->n_sa = n;
    }

    /* The listener. */
    if (cfg->listen_addr) {
        rc = open_listener(t, cfg->listen_addr);
        if (rc < 0)
            goto fail;
    } else {
        if (t->lfd < 0) {
            log_warning("Raft transport: neither a listen address nor a listening socket");
            rc = -EINVAL;
            goto fail;
        }
        int fl = fcntl(t->lfd, F_GETFL);
        if (fl < 0 || fcntl(t->lfd, F_SETFL, fl | O_NONBLOCK) < 0) {
            rc = -errno;
            log_warning("Raft transport: listening socket: %s", strerror(errno));
            goto fail;
        }
    }
    struct sockaddr_storage local;
    socklen_t llen = sizeof(local);
    memset(&local, 0, sizeof(local));
    if (getsockname(t->lfd, (struct sockaddr *)&local, &llen) < 0) {
        rc = -errno;
        log_warning("Raft transport: listening socket: %s", strerror(errno));
        goto fail;
    }
    fmt_sa(&local, t->listen_str, sizeof(t->listen_str));
    /* Dial from the address peers know us by (see the header). */
    if (!sa_is_wildcard(&local)) {
        t->src = local;
        if (t->src.ss_family == AF_INET)
            ((struct sockaddr_in *)&t->src)->sin_port = 0;
        else
            ((struct sockaddr_in6 *)&t->src)->sin6_port = 0;
        t->srclen = llen;
    }
    ev_io_init(&t->lio, accept_cb, t->lfd, EV_READ);
    t->lio.data = t;
    ev_io_start(loop, &t->lio);

    if (t->auth_mode == AUTH_NONE && t->n_peers > 0)
        log_warning("Raft transport: raft.secret is not set: peers are trusted by their source "
                    "address alone; set the same raft.secret on every node");
    for (size_t i = 0; i < t->n_peers; i++) {
        struct peer *p = &t->peers[i];
        p->out_state = OUT_DIALING; /* queue until the first attempt ends */
        ev_timer_start(loop, &p->dial_timer);
    }
    log_notice("Raft transport: node %" PRIu64 " listening on %s, %zu peer%s%s", t->self,
               t->listen_str, t->n_peers, t->n_peers == 1 ? "" : "s",
               t->auth_mode == AUTH_HMAC ? ", authenticated with raft.secret" : "");
    *out = t;
    return 0;

fail:
    t_free(t);
    return rc;
}

void transport_stop(struct transport *t)
{
    if (t == NULL)
        return;
    assert(t->in_callback == 0);
    t_free(t);
}

int transport_send(struct transport *t, const struct raft_msg *m)
{
    if (!is_wire_type(m->type) || m->from != t->self)
        return -EINVAL;
    struct peer *p = find_peer(t, m->to);
    if (p == NULL)
        return -ENOENT;
    if (p->blocked) {
        note_drop(p, m->type);
        return -ENETUNREACH;
    }
    if (p->out_state == OUT_WAITING) {
        note_drop(p, m->type);
        return -ENOTCONN;
    }
    size_t size = raft_msg_encoded_size(m);
    if (size > t->max_frame || size - 4 > UINT32_MAX) {
        log_warning("Raft transport: %s to peer %" PRIu64 " is %zu bytes, over the %zu-byte frame "
                    "limit: dropped",
                    raft_msg_type_name(m->type), p->id, size, t->max_frame);
        note_drop(p, m->type);
        return -EMSGSIZE;
    }
    size_t queued = queued_bytes(p);
    size_t limit = is_bulk(m->type) ? t->queue_max : t->queue_max + TRANSPORT_CONTROL_RESERVE;
    /* An empty queue takes any frame, so a limit below max_frame cannot
     * make a message unsendable forever. */
    if (queued > 0 && queued + size > limit) {
        note_drop(p, m->type);
        return -ENOBUFS;
    }
    struct frame *f = malloc(sizeof(*f) + size);
    if (f == NULL) {
        note_drop(p, m->type);
        return -ENOMEM;
    }
    f->len = raft_msg_encode(m, f->data);
    f->type = m->type;
    fq_push(is_bulk(m->type) ? &p->bulk : &p->ctrl, f);
    if (p->out_state == OUT_UP)
        ev_io_start(t->loop, &p->out->wio);
    return 0;
}

int transport_set_blocked(struct transport *t, uint64_t peer_id, bool blocked)
{
    struct peer *p = find_peer(t, peer_id);
    if (p == NULL)
        return -ENOENT;
    if (blocked && !p->blocked) {
        /* A partition also eats what was on its way; a half-written frame
         * is finished so the stream stays intact. */
        drop_queue(p, &p->ctrl);
        drop_queue(p, &p->bulk);
        log_notice("Raft transport: fault injection: traffic with peer %" PRIu64 " blocked",
                   peer_id);
    } else if (!blocked && p->blocked) {
        log_notice("Raft transport: fault injection: traffic with peer %" PRIu64 " unblocked",
                   peer_id);
    }
    p->blocked = blocked;
    return 0;
}

int transport_peer_info(const struct transport *t, uint64_t peer_id,
                        struct transport_peer_info *out)
{
    const struct peer *p = find_peer(t, peer_id);
    if (p == NULL)
        return -ENOENT;
    *out = p->n;
    out->id = p->id;
    out->addr = p->addr;
    out->connected_out = p->out_state == OUT_UP;
    out->connected_in = p->in != NULL;
    out->blocked = p->blocked;
    out->last_contact_ms = p->last_contact_us ? (monotonic_us() - p->last_contact_us) / 1000 : -1;
    out->queued_msgs = p->ctrl.count + p->bulk.count + (p->cur ? 1 : 0);
    out->queued_bytes = queued_bytes(p);
    return 0;
}

void transport_stats(const struct transport *t, struct transport_stats *out)
{
    *out = t->st;
}
