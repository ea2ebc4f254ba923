/* Unit tests for raft/transport_tcp: real sockets on 127.0.0.1 (and other
 * loopback addresses) with ephemeral ports, one process, one libev loop
 * driven until a condition holds or a deadline passes.
 *
 * Real transports talk to each other (two and three nodes, both ways; a
 * large MsgApp batch with a heartbeat behind it; a peer restart; the fault
 * injection switch).  A "raw" peer written here from the byte layout in
 * transport_tcp.h plays the other side where a real transport cannot: a
 * wrong proof, unknown ids, bad versions, a source address that is not a
 * peer's, garbage frames after a good handshake, a silent client, and an
 * acceptor that stops reading so a backlog of MsgApps builds up and the
 * heartbeat sent after it must overtake it.  That the raw peer's own
 * handshake succeeds also checks the documented layout and MACs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <errno.h>
#include <ev.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "raft/msg.h"
#include "raft/transport_tcp.h"
#include "util/log.h"
#include "util/sha256.h"
#include "util/util.h"

#define MAX_GOT   64
#define WAIT_MS   5000
#define RAW_EOF   (-2)
#define RAW_TIMEO (-1)

/* ---- fixture ---- */

struct fx;

struct node {
    struct fx *f;
    uint64_t id;
    struct transport *t;
    struct raft_msg got[MAX_GOT];
    size_t n_got;
    unsigned ev[4][8]; /* [event][peer id] */
};

struct fx {
    struct ev_loop *loop;
    ev_timer tick; /* keeps EVRUN_ONCE from sleeping long */
    char logpath[64];
    struct node nodes[4];
};

static void tick_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)w;
    (void)revents;
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    if (f == NULL)
        return -1;
    f->loop = ev_loop_new(EVFLAG_AUTO);
    if (f->loop == NULL)
        return -1;
    ev_timer_init(&f->tick, tick_cb, 0.002, 0.002);
    ev_timer_start(f->loop, &f->tick);
    snprintf(f->logpath, sizeof(f->logpath), "/tmp/rc-transport-log-XXXXXX");
    int fd = mkstemp(f->logpath);
    if (fd < 0)
        return -1;
    close(fd);
    if (log_set_file(f->logpath) != 0)
        return -1;
    for (int i = 0; i < 4; i++)
        f->nodes[i].f = f;
    *state = f;
    return 0;
}

static void node_clear(struct node *n)
{
    for (size_t i = 0; i < n->n_got; i++)
        raft_msg_free(&n->got[i]);
    n->n_got = 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    for (int i = 0; i < 4; i++) {
        transport_stop(f->nodes[i].t);
        node_clear(&f->nodes[i]);
    }
    ev_timer_stop(f->loop, &f->tick);
    ev_loop_destroy(f->loop);
    log_set_file(NULL);
    unlink(f->logpath);
    free(f);
    return 0;
}

static bool log_contains(const struct fx *f, const char *needle)
{
    FILE *fp = fopen(f->logpath, "r");
    if (fp == NULL)
        return false;
    char line[1024];
    bool found = false;
    while (!found && fgets(line, sizeof(line), fp))
        found = strstr(line, needle) != NULL;
    fclose(fp);
    return found;
}

/* Runs the loop until cond(arg) holds; false after ms milliseconds. */
static bool run_until(struct fx *f, bool (*cond)(void *), void *arg, int ms)
{
    int64_t deadline = monotonic_us() + (int64_t)ms * 1000;
    while (!cond(arg)) {
        if (monotonic_us() > deadline)
            return false;
        ev_run(f->loop, EVRUN_ONCE);
    }
    return true;
}

static bool never(void *arg)
{
    (void)arg;
    return false;
}

static void run_for(struct fx *f, int ms)
{
    run_until(f, never, NULL, ms);
}

/* A listening socket on ip, ephemeral port unless port != 0. */
static int listen_on(const char *ip, int port, int *port_out)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    inet_pton(AF_INET, ip, &sa.sin_addr);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(fd, 16), 0);
    socklen_t len = sizeof(sa);
    getsockname(fd, (struct sockaddr *)&sa, &len);
    if (port_out)
        *port_out = ntohs(sa.sin_port);
    return fd;
}

static void on_message(void *ud, struct raft_msg *m)
{
    struct node *n = ud;
    if (n->n_got < MAX_GOT)
        n->got[n->n_got++] = *m; /* takes the entries */
    else
        raft_msg_free(m);
}

static void on_peer_state(void *ud, uint64_t peer, int event)
{
    struct node *n = ud;
    assert_true(event >= 1 && event <= 3);
    if (peer < 8)
        n->ev[event][peer]++;
}

static const struct transport_callbacks cbs = {on_message, on_peer_state};

/* Peer list "127.0.0.1:<port>" for ids 1..n (ports[i] is node i+1's). */
struct peers {
    char addr[4][64];
    struct transport_peer_addr pa[4];
    size_t n;
};

static void peers_init(struct peers *ps, const int *ports, const char *const *ips, size_t n)
{
    ps->n = n;
    for (size_t i = 0; i < n; i++) {
        snprintf(ps->addr[i], sizeof(ps->addr[i]), "%s:%d", ips ? ips[i] : "127.0.0.1", ports[i]);
        ps->pa[i].id = i + 1;
        ps->pa[i].addr = ps->addr[i];
    }
}

static struct transport_config base_cfg(uint64_t id, int lfd, const struct peers *ps,
                                        const char *secret)
{
    struct transport_config c;
    memset(&c, 0, sizeof(c));
    c.self_id = id;
    c.listen_addr = NULL;
    c.listen_fd = lfd;
    c.peers = ps->pa;
    c.n_peers = ps->n;
    c.secret = secret;
    c.backoff_min_ms = 5;
    c.backoff_max_ms = 50;
    c.handshake_timeout_ms = 1000;
    return c;
}

static void start_node(struct fx *f, struct node *n, const struct transport_config *c)
{
    n->id = c->self_id;
    assert_int_equal(transport_start(f->loop, c, &cbs, n, &n->t), 0);
}

struct link {
    struct node *a;
    uint64_t b;
};

static bool out_up(void *arg)
{
    struct link *l = arg;
    struct transport_peer_info pi;
    assert_int_equal(transport_peer_info(l->a->t, l->b, &pi), 0);
    return pi.connected_out;
}

static bool out_down(void *arg)
{
    return !out_up(arg);
}

static bool in_up(void *arg)
{
    struct link *l = arg;
    struct transport_peer_info pi;
    assert_int_equal(transport_peer_info(l->a->t, l->b, &pi), 0);
    return pi.connected_in;
}

struct want {
    struct node *n;
    size_t count;
};

static bool got_n(void *arg)
{
    struct want *w = arg;
    return w->n->n_got >= w->count;
}

static struct raft_msg hb(uint64_t from, uint64_t to, uint64_t term)
{
    struct raft_msg m;
    memset(&m, 0, sizeof(m));
    m.type = RAFT_MSG_HEARTBEAT;
    m.from = from;
    m.to = to;
    m.term = term;
    m.commit = term * 10;
    m.ctx = term + 1000;
    return m;
}

/* A MsgApp with n entries of len bytes each, data = a pattern of the entry
 * index; free with raft_msg_free. */
static struct raft_msg app(uint64_t from, uint64_t to, uint64_t prev, size_t n, size_t len)
{
    struct raft_msg m;
    memset(&m, 0, sizeof(m));
    m.type = RAFT_MSG_APP;
    m.from = from;
    m.to = to;
    m.term = 3;
    m.log_term = 3;
    m.index = prev;
    m.commit = prev;
    m.n_entries = n;
    m.entries = calloc(n ? n : 1, sizeof(struct raft_entry));
    assert_non_null(m.entries);
    for (size_t i = 0; i < n; i++) {
        struct raft_entry *e = &m.entries[i];
        e->term = 3;
        e->index = prev + 1 + i;
        e->len = (uint32_t)len;
        e->data = malloc(len ? len : 1);
        assert_non_null(e->data);
        for (size_t k = 0; k < len; k++)
            e->data[k] = (uint8_t)(e->index * 31 + k * 7);
    }
    return m;
}

/* The test's own messages own each entry's data separately. */
static void app_free(struct raft_msg *m)
{
    for (size_t i = 0; i < m->n_entries; i++)
        free(m->entries[i].data);
    free(m->entries);
    m->entries = NULL;
}

static void check_app_data(const struct raft_msg *m, size_t n, size_t len)
{
    assert_int_equal(m->type, RAFT_MSG_APP);
    assert_int_equal(m->n_entries, n);
    for (size_t i = 0; i < n; i++) {
        const struct raft_entry *e = &m->entries[i];
        uint64_t index = m->index + 1 + i;
        assert_int_equal(e->len, len);
        for (size_t k = 0; k < len; k += 4099)
            assert_int_equal(e->data[k], (uint8_t)(index * 31 + k * 7));
        assert_int_equal(e->data[len - 1], (uint8_t)(index * 31 + (len - 1) * 7));
    }
}

/* ---- the raw peer: the handshake from the header's byte layout ---- */

static void le64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void raw_mac(const char *secret, const char *label, uint8_t mode, uint64_t did, uint64_t aid,
                    const uint8_t *nd, const uint8_t *na, uint8_t *out)
{
    uint8_t tr[83];
    tr[0] = 1;
    tr[1] = RAFT_MSG_VERSION;
    tr[2] = mode;
    le64(tr + 3, did);
    le64(tr + 11, aid);
    memcpy(tr + 19, nd, 32);
    memcpy(tr + 51, na, 32);
    struct hmac_sha256_ctx h;
    hmac_sha256_init(&h, secret ? secret : "", secret ? strlen(secret) : 0);
    hmac_sha256_update(&h, label, strlen(label));
    hmac_sha256_update(&h, tr, sizeof(tr));
    hmac_sha256_final(&h, out);
}

/* A client socket from src_ip to 127.0.0.1:port (blocking connect: the
 * listener's backlog completes it), then non-blocking. */
static int raw_connect(const char *src_ip, int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    if (src_ip) {
        inet_pton(AF_INET, src_ip, &sa.sin_addr);
        assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    }
    sa.sin_port = htons((uint16_t)port);
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    return fd;
}

/* Reads exactly n bytes while running the loop: n, RAW_EOF or RAW_TIMEO. */
static int raw_read(struct fx *f, int fd, void *buf, size_t n, int ms)
{
    int64_t deadline = monotonic_us() + (int64_t)ms * 1000;
    size_t have = 0;
    while (have < n) {
        ssize_t r = read(fd, (uint8_t *)buf + have, n - have);
        if (r > 0) {
            have += (size_t)r;
            continue;
        }
        if (r == 0 || errno == ECONNRESET)
            return RAW_EOF;
        assert_true(errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR);
        if (monotonic_us() > deadline)
            return RAW_TIMEO;
        ev_run(f->loop, EVRUN_ONCE);
    }
    return (int)n;
}

static void raw_write(struct fx *f, int fd, const void *buf, size_t n)
{
    size_t done = 0;
    int64_t deadline = monotonic_us() + WAIT_MS * 1000;
    while (done < n) {
        ssize_t r = write(fd, (const uint8_t *)buf + done, n - done);
        if (r > 0) {
            done += (size_t)r;
            continue;
        }
        assert_true(errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR);
        assert_true(monotonic_us() < deadline);
        ev_run(f->loop, EVRUN_ONCE);
    }
}

/* Whether the transport closed fd (EOF or reset) within ms, skipping any
 * bytes it sent first. */
static bool raw_closed(struct fx *f, int fd, int ms)
{
    uint8_t b[256];
    int64_t deadline = monotonic_us() + (int64_t)ms * 1000;
    for (;;) {
        ssize_t r = read(fd, b, sizeof(b));
        if (r == 0 || (r < 0 && errno == ECONNRESET))
            return true;
        if (r > 0)
            continue;
        if (monotonic_us() > deadline)
            return false;
        ev_run(f->loop, EVRUN_ONCE);
    }
}

struct hello_opts {
    uint8_t hs_version, frame_version, mode, reserved;
    uint64_t from, to;
    const char *magic;
};

static void raw_hello(struct fx *f, int fd, const struct hello_opts *o, uint8_t nd[32])
{
    uint8_t h[TRANSPORT_HELLO_LEN];
    memcpy(h, o->magic ? o->magic : "RCRH", 4);
    h[4] = o->hs_version;
    h[5] = o->frame_version;
    h[6] = o->mode;
    h[7] = o->reserved;
    le64(h + 8, o->from);
    le64(h + 16, o->to);
    for (int i = 0; i < 32; i++)
        nd[i] = (uint8_t)(rand_u64() & 0xff);
    memcpy(h + 24, nd, 32);
    raw_write(f, fd, h, sizeof(h));
}

static struct hello_opts hello_std(uint64_t from, uint64_t to, uint8_t mode)
{
    struct hello_opts o = {1, RAFT_MSG_VERSION, mode, 0, from, to, NULL};
    return o;
}

/* The whole dialer side: HELLO, CHALLENGE (its MAC checked with
 * `secret`), PROOF computed with `proof_secret`; returns the status of
 * the CHALLENGE if nonzero, else that of ACCEPT; -1 if the acceptor's MAC
 * is wrong, RAW_EOF / RAW_TIMEO. */
static int raw_dial(struct fx *f, int fd, uint64_t from, uint64_t to, const char *secret,
                    const char *proof_secret)
{
    uint8_t mode = secret && secret[0] ? 1 : 0;
    struct hello_opts o = hello_std(from, to, mode);
    uint8_t nd[32], ch[TRANSPORT_CHALLENGE_LEN], mac[32];
    raw_hello(f, fd, &o, nd);
    int rc = raw_read(f, fd, ch, sizeof(ch), WAIT_MS);
    if (rc < 0)
        return rc;
    assert_memory_equal(ch, "RCRC", 4);
    assert_int_equal(ch[4], 1);
    if (ch[5] != 0)
        return ch[5];
    assert_int_equal(ch[6], mode);
    uint8_t id8[8];
    le64(id8, to);
    assert_memory_equal(ch + 8, id8, 8);
    le64(id8, from);
    assert_memory_equal(ch + 16, id8, 8);
    raw_mac(secret, "raftcache-raft-hs1 acceptor", mode, from, to, nd, ch + 24, mac);
    if (memcmp(mac, ch + 56, 32) != 0)
        return -1;
    uint8_t proof[TRANSPORT_PROOF_LEN];
    memset(proof, 0, sizeof(proof));
    memcpy(proof, "RCRP", 4);
    proof[4] = 1;
    raw_mac(proof_secret, "raftcache-raft-hs1 dialer", mode, from, to, nd, ch + 24, proof + 8);
    raw_write(f, fd, proof, sizeof(proof));
    uint8_t acc[TRANSPORT_ACCEPT_LEN];
    rc = raw_read(f, fd, acc, sizeof(acc), WAIT_MS);
    if (rc < 0)
        return rc;
    assert_memory_equal(acc, "RCRA", 4);
    assert_int_equal(acc[4], 1);
    return acc[5];
}

/* Sends a HELLO variant and returns the refusal status of the CHALLENGE. */
static int raw_hello_status(struct fx *f, int fd, const struct hello_opts *o)
{
    uint8_t nd[32], ch[TRANSPORT_CHALLENGE_LEN];
    raw_hello(f, fd, o, nd);
    int rc = raw_read(f, fd, ch, sizeof(ch), WAIT_MS);
    if (rc < 0)
        return rc;
    assert_memory_equal(ch, "RCRC", 4);
    return ch[5];
}

/* The acceptor side, on an accepted socket: checks HELLO from `from` and
 * answers with valid messages; returns 0 when the dialer's proof is right. */
static int raw_accept_hs(struct fx *f, int fd, uint64_t self, uint64_t from, const char *secret)
{
    uint8_t mode = secret && secret[0] ? 1 : 0;
    uint8_t h[TRANSPORT_HELLO_LEN], ch[TRANSPORT_CHALLENGE_LEN], p[TRANSPORT_PROOF_LEN], mac[32];
    assert_int_equal(raw_read(f, fd, h, sizeof(h), WAIT_MS), (int)sizeof(h));
    assert_memory_equal(h, "RCRH", 4);
    assert_int_equal(h[4], 1);
    assert_int_equal(h[5], RAFT_MSG_VERSION);
    assert_int_equal(h[6], mode);
    assert_int_equal(h[7], 0);
    uint8_t id8[8];
    le64(id8, from);
    assert_memory_equal(h + 8, id8, 8);
    le64(id8, self);
    assert_memory_equal(h + 16, id8, 8);
    memset(ch, 0, sizeof(ch));
    memcpy(ch, "RCRC", 4);
    ch[4] = 1;
    ch[6] = mode;
    le64(ch + 8, self);
    le64(ch + 16, from);
    for (int i = 0; i < 32; i++)
        ch[24 + i] = (uint8_t)(rand_u64() & 0xff);
    raw_mac(secret, "raftcache-raft-hs1 acceptor", mode, from, self, h + 24, ch + 24, ch + 56);
    raw_write(f, fd, ch, sizeof(ch));
    assert_int_equal(raw_read(f, fd, p, sizeof(p), WAIT_MS), (int)sizeof(p));
    assert_memory_equal(p, "RCRP", 4);
    raw_mac(secret, "raftcache-raft-hs1 dialer", mode, from, self, h + 24, ch + 24, mac);
    if (memcmp(mac, p + 8, 32) != 0)
        return -1;
    uint8_t acc[TRANSPORT_ACCEPT_LEN] = {'R', 'C', 'R', 'A', 1, 0, 0, 0};
    raw_write(f, fd, acc, sizeof(acc));
    return 0;
}

/* Accepts one connection on a non-blocking listener while running the loop. */
static int raw_accept(struct fx *f, int lfd)
{
    int64_t deadline = monotonic_us() + WAIT_MS * 1000;
    for (;;) {
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0)
            return fd;
        assert_true(errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR);
        assert_true(monotonic_us() < deadline);
        ev_run(f->loop, EVRUN_ONCE);
    }
}

static struct transport_stats stats_of(struct node *n)
{
    struct transport_stats st;
    transport_stats(n->t, &st);
    return st;
}

static struct transport_peer_info info_of(struct node *n, uint64_t peer)
{
    struct transport_peer_info pi;
    assert_int_equal(transport_peer_info(n->t, peer, &pi), 0);
    return pi;
}

/* ---- tests ---- */

/* Two authenticated nodes, messages both ways, fields intact, counters. */
static void test_two_nodes_exchange(void **state)
{
    struct fx *f = *state;
    struct node *a = &f->nodes[0], *b = &f->nodes[1];
    int ports[2];
    int la = listen_on("127.0.0.1", 0, &ports[0]);
    int lb = listen_on("127.0.0.1", 0, &ports[1]);
    struct peers ps;
    peers_init(&ps, ports, NULL, 2);
    struct transport_config ca = base_cfg(1, la, &ps, "s3cret");
    struct transport_config cb = base_cfg(2, lb, &ps, "s3cret");
    start_node(f, a, &ca);
    start_node(f, b, &cb);

    struct link ab = {a, 2}, ba = {b, 1};
    assert_true(run_until(f, out_up, &ab, WAIT_MS));
    assert_true(run_until(f, out_up, &ba, WAIT_MS));
    assert_int_equal(a->ev[TRANSPORT_PEER_UP][2], 1);
    assert_int_equal(b->ev[TRANSPORT_PEER_UP][1], 1);

    struct raft_msg m = hb(1, 2, 7);
    assert_int_equal(transport_send(a->t, &m), 0);
    struct raft_msg r;
    memset(&r, 0, sizeof(r));
    r.type = RAFT_MSG_APP_RESP;
    r.from = 2;
    r.to = 1;
    r.term = 7;
    r.reject = true;
    r.index = 41;
    r.reject_hint = 9;
    r.log_term = 6;
    assert_int_equal(transport_send(b->t, &r), 0);

    struct want wa = {a, 1}, wb = {b, 1};
    assert_true(run_until(f, got_n, &wb, WAIT_MS));
    assert_true(run_until(f, got_n, &wa, WAIT_MS));
    assert_int_equal(b->got[0].type, RAFT_MSG_HEARTBEAT);
    assert_int_equal(b->got[0].from, 1);
    assert_int_equal(b->got[0].to, 2);
    assert_int_equal(b->got[0].term, 7);
    assert_int_equal(b->got[0].commit, 70);
    assert_int_equal(b->got[0].ctx, 1007);
    assert_int_equal(a->got[0].type, RAFT_MSG_APP_RESP);
    assert_true(a->got[0].reject);
    assert_int_equal(a->got[0].index, 41);
    assert_int_equal(a->got[0].reject_hint, 9);
    assert_int_equal(a->got[0].log_term, 6);

    struct transport_peer_info pi = info_of(a, 2);
    assert_true(pi.connected_out);
    assert_true(pi.connected_in);
    assert_false(pi.blocked);
    assert_int_equal(pi.msgs_sent, 1);
    assert_int_equal(pi.msgs_received, 1);
    assert_int_equal(pi.bytes_sent, RAFT_MSG_MIN_FRAME);
    assert_int_equal(pi.connects, 1);
    assert_int_equal(pi.reconnects, 0);
    assert_int_equal(pi.auth_failures, 0);
    assert_int_equal(pi.drops_sent, 0);
    assert_int_equal(pi.queued_msgs, 0);
    assert_true(pi.last_contact_ms >= 0 && pi.last_contact_ms < WAIT_MS);
    assert_string_equal(pi.addr, ps.addr[1]);
    assert_int_equal(stats_of(a).authenticated_in, 1);
    assert_int_equal(stats_of(b).authenticated_in, 1);
    assert_int_equal(stats_of(a).refused_auth, 0);

    assert_int_equal(transport_peer_info(a->t, 1, &pi), -ENOENT); /* itself */
    assert_int_equal(transport_peer_info(a->t, 9, &pi), -ENOENT);
    assert_false(log_contains(f, "raft.secret is not set"));
}

/* Three nodes without a secret (all on 127.0.0.1, so the source check
 * passes): every pair, both ways; the start warns about the lack of auth. */
static void test_three_nodes_no_secret(void **state)
{
    struct fx *f = *state;
    int ports[3], lfd[3];
    for (int i = 0; i < 3; i++)
        lfd[i] = listen_on("127.0.0.1", 0, &ports[i]);
    struct peers ps;
    peers_init(&ps, ports, NULL, 3);
    for (int i = 0; i < 3; i++) {
        struct transport_config c = base_cfg((uint64_t)i + 1, lfd[i], &ps, NULL);
        start_node(f, &f->nodes[i], &c);
    }
    assert_true(log_contains(f, "raft.secret is not set"));
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            if (i == j)
                continue;
            struct link l = {&f->nodes[i], (uint64_t)j + 1};
            assert_true(run_until(f, out_up, &l, WAIT_MS));
            struct raft_msg m = hb((uint64_t)i + 1, (uint64_t)j + 1, (uint64_t)(10 * i + j));
            assert_int_equal(transport_send(f->nodes[i].t, &m), 0);
        }
    for (int j = 0; j < 3; j++) {
        struct want w = {&f->nodes[j], 2};
        assert_true(run_until(f, got_n, &w, WAIT_MS));
        uint64_t seen = 0;
        for (size_t k = 0; k < f->nodes[j].n_got; k++) {
            struct raft_msg *m = &f->nodes[j].got[k];
            assert_int_equal(m->to, (uint64_t)j + 1);
            assert_int_equal(m->term, 10 * (m->from - 1) + (uint64_t)j);
            seen |= 1u << m->from;
        }
        assert_int_equal(seen, (0xeu & ~(1u << (j + 1))));
        assert_int_equal(stats_of(&f->nodes[j]).authenticated_in, 2);
    }
}

/* Several MB of entries, queued with a heartbeat behind them before the
 * connection is up: the heartbeat is written first (control first at the
 * queue level), the MsgApps follow in order with their data intact. */
static void test_large_app_control_first(void **state)
{
    struct fx *f = *state;
    struct node *a = &f->nodes[0], *b = &f->nodes[1];
    int ports[2];
    int la = listen_on("127.0.0.1", 0, &ports[0]);
    int lb = listen_on("127.0.0.1", 0, &ports[1]);
    struct peers ps;
    peers_init(&ps, ports, NULL, 2);
    struct transport_config ca = base_cfg(1, la, &ps, "k");
    struct transport_config cb = base_cfg(2, lb, &ps, "k");
    start_node(f, a, &ca);
    start_node(f, b, &cb);

    const size_t per = 4, len = 1u << 20;
    for (uint64_t i = 0; i < 4; i++) {
        struct raft_msg m = app(1, 2, 10 + i * per, per, len);
        assert_int_equal(transport_send(a->t, &m), 0);
        app_free(&m);
    }
    struct raft_msg h = hb(1, 2, 3);
    assert_int_equal(transport_send(a->t, &h), 0);
    struct transport_peer_info pi = info_of(a, 2);
    assert_int_equal(pi.queued_msgs, 5);
    assert_true(pi.queued_bytes > 4 * per * len);

    struct want w = {b, 5};
    assert_true(run_until(f, got_n, &w, WAIT_MS));
    assert_int_equal(b->got[0].type, RAFT_MSG_HEARTBEAT);
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(b->got[1 + i].index, 10 + i * per);
        check_app_data(&b->got[1 + i], per, len);
    }
    pi = info_of(a, 2);
    assert_int_equal(pi.queued_msgs, 0);
    assert_int_equal(pi.queued_bytes, 0);
    assert_int_equal(pi.msgs_sent, 5);
    assert_int_equal(info_of(b, 1).msgs_received, 5);
}

/* The peer (a raw acceptor) stops reading, so MsgApps pile up in A's bulk
 * queue; a heartbeat sent then must be written right after the frame in
 * progress, before every queued MsgApp. */
static void test_heartbeat_overtakes_backlog(void **state)
{
    struct fx *f = *state;
    struct node *a = &f->nodes[0];
    int ports[2];
    int la = listen_on("127.0.0.1", 0, &ports[0]);
    int lraw = listen_on("127.0.0.1", 0, &ports[1]);
    int small = 64 * 1024;
    setsockopt(lraw, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
    fcntl(lraw, F_SETFL, fcntl(lraw, F_GETFL) | O_NONBLOCK);
    struct peers ps;
    peers_init(&ps, ports, NULL, 2);
    struct transport_config ca = base_cfg(1, la, &ps, "k");
    start_node(f, a, &ca);

    int fd = raw_accept(f, lraw);
    assert_int_equal(raw_accept_hs(f, fd, 2, 1, "k"), 0);
    struct link ab = {a, 2};
    assert_true(run_until(f, out_up, &ab, WAIT_MS));

    const int napp = 16;
    const size_t len = 2u << 20;
    for (int i = 0; i < napp; i++) {
        struct raft_msg m = app(1, 2, (uint64_t)i, 1, len);
        assert_int_equal(transport_send(a->t, &m), 0);
        app_free(&m);
    }
    run_for(f, 100); /* A writes until the socket is full */
    struct transport_peer_info pi = info_of(a, 2);
    size_t q = pi.queued_msgs;
    assert_true(q >= 2); /* a real backlog: the kernel took at most a few */
    struct raft_msg h = hb(1, 2, 9);
    assert_int_equal(transport_send(a->t, &h), 0);

    /* Read everything and find the heartbeat's place in the stream. */
    size_t cap = (size_t)napp * (len + 200) + 1024, have = 0;
    uint8_t *buf = malloc(cap);
    assert_non_null(buf);
    int frames = 0, hb_pos = -1;
    size_t off = 0;
    int64_t deadline = monotonic_us() + 20 * 1000000LL;
    while (frames < napp + 1) {
        struct raft_msg m;
        size_t used;
        int rc = raft_msg_decode(buf + off, have - off, 64u << 20, &m, &used);
        assert_true(rc >= 0);
        if (rc == 1) {
            if (m.type == RAFT_MSG_HEARTBEAT)
                hb_pos = frames;
            else
                assert_int_equal(m.index, (uint64_t)(frames - (hb_pos >= 0 ? 1 : 0)));
            raft_msg_free(&m);
            off += used;
            frames++;
            continue;
        }
        ssize_t r = read(fd, buf + have, cap - have);
        if (r > 0) {
            have += (size_t)r;
            continue;
        }
        assert_true(r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK));
        assert_true(monotonic_us() < deadline);
        ev_run(f->loop, EVRUN_ONCE);
    }
    free(buf);
    /* Before it: the frames already written and the one in progress. */
    assert_true(hb_pos >= 0);
    assert_true((size_t)hb_pos <= (size_t)napp - q + 1);
    assert_true(hb_pos < napp);
    close(fd);
    close(lraw);
}

/* Queue limits, frame limit, argument errors, drop reports, and the fate
 * of what was queued when the handshake never completes. */
static void test_queue_limits_and_drops(void **state)
{
    struct fx *f = *state;
    struct node *a = &f->nodes[0];
    int ports[2];
    int la = listen_on("127.0.0.1", 0, &ports[0]);
    int lsilent = listen_on("127.0.0.1", 0, &ports[1]); /* never answers */
    struct peers ps;
    peers_init(&ps, ports, NULL, 2);
    struct transport_config ca = base_cfg(1, la, &ps, "k");
    ca.send_queue_max = 1u << 20;
    ca.max_frame = 4u << 20;
    ca.handshake_timeout_ms = 200;
    ca.backoff_min_ms = 2000; /* stay "waiting" after the failure */
    ca.backoff_max_ms = 2000;
    start_node(f, a, &ca);

    /* Dialing: queued. */
    struct raft_msg m1 = app(1, 2, 1, 1, 600 * 1024);
    assert_int_equal(transport_send(a->t, &m1), 0);
    assert_int_equal(transport_send(a->t, &m1), -ENOBUFS); /* 1.2 MB > 1 MiB */
    struct raft_msg h = hb(1, 2, 1);
    assert_int_equal(transport_send(a->t, &h), 0); /* control: the reserve */
    app_free(&m1);
    struct raft_msg big = app(1, 2, 1, 1, 5u << 20);
    assert_int_equal(transport_send(a->t, &big), -EMSGSIZE);
    app_free(&big);
    assert_true(log_contains(f, "over the 4194304-byte frame limit"));

    struct raft_msg bad = hb(1, 2, 1);
    bad.type = RAFT_MSG_HUP;
    assert_int_equal(transport_send(a->t, &bad), -EINVAL);
    bad = hb(3, 2, 1);
    assert_int_equal(transport_send(a->t, &bad), -EINVAL);
    bad = hb(1, 7, 1);
    assert_int_equal(transport_send(a->t, &bad), -ENOENT);

    struct transport_peer_info pi = info_of(a, 2);
    assert_int_equal(pi.queued_msgs, 2);
    assert_int_equal(pi.drops_sent, 2);
    assert_false(pi.connected_out);
    /* No callback from inside transport_send: the report comes from the
     * loop, once for both drops. */
    assert_int_equal(a->ev[TRANSPORT_PEER_DROPPED][2], 0);
    run_for(f, 20);
    assert_int_equal(a->ev[TRANSPORT_PEER_DROPPED][2], 1);

    /* The handshake times out: the queued frames are dropped, and sends
     * are refused while waiting to redial. */
    run_for(f, 400);
    pi = info_of(a, 2);
    assert_int_equal(pi.queued_msgs, 0);
    assert_int_equal(pi.drops_sent, 4);
    assert_true(pi.connect_failures >= 1);
    assert_int_equal(a->ev[TRANSPORT_PEER_DROPPED][2], 2);
    assert_int_equal(a->ev[TRANSPORT_PEER_DOWN][2], 0); /* it was never up */
    assert_int_equal(transport_send(a->t, &h), -ENOTCONN);
    assert_true(stats_of(a).handshake_failures >= 1);
    close(lsilent);
}

/* Different secrets: each side refuses the other as dialer (the acceptor's
 * MAC is wrong), nothing is delivered, the counters say why. */
static void test_wrong_secret(void **state)
{
    struct fx *f = *state;
    struct node *a = &f->nodes[0], *b = &f->nodes[1];
    int ports[2];
    int la = listen_on("127.0.0.1", 0, &ports[0]);
    int lb = listen_on("127.0.0.1", 0, &ports[1]);
    struct peers ps;
    peers_init(&ps, ports, NULL, 2);
    struct transport_config ca = base_cfg(1, la, &ps, "alpha");
    struct transport_config cb = base_cfg(2, lb, &ps, "beta");
    start_node(f, a, &ca);
    start_node(f, b, &cb);
    for (int i = 0; i < 20; i++) {
        struct raft_msg m = hb(1, 2, 1);
        int rc = transport_send(a->t, &m);
        assert_true(rc == 0 || rc == -ENOTCONN);
        m = hb(2, 1, 1);
        rc = transport_send(b->t, &m);
        assert_true(rc == 0 || rc == -ENOTCONN);
        run_for(f, 20);
    }
    assert_int_equal(a->n_got, 0);
    assert_int_equal(b->n_got, 0);
    for (int i = 0; i < 2; i++) {
        struct node *n = &f->nodes[i];
        struct transport_peer_info pi = info_of(n, i == 0 ? 2 : 1);
        assert_false(pi.connected_out);
        assert_false(pi.connected_in);
        assert_true(pi.auth_failures >= 1);
        assert_true(pi.connect_failures >= 1);
        assert_int_equal(pi.msgs_sent, 0);
        assert_int_equal(pi.msgs_received, 0);
        assert_true(stats_of(n).refused_auth >= 1);
        assert_int_equal(stats_of(n).authenticated_in, 0);
        assert_int_equal(n->ev[TRANSPORT_PEER_UP][i == 0 ? 2 : 1], 0);
    }
    assert_true(log_contains(f, "failed authentication"));
}

/* The acceptor checks the dialer's proof: a raw dialer whose MAC uses
 * another secret gets BAD_PROOF and a closed socket; the right one gets in. */
static void test_acceptor_refuses_bad_proof(void **state)
{
    struct fx *f = *state;
    struct node *a = &f->nodes[0];
    int ports[3];
    int la = listen_on("127.0.0.1", 0, &ports[0]);
    int l2 = listen_on("127.0.0.1", 0, &ports[1]);
    int l3 = listen_on("127.0.0.1", 0, &ports[2]);
    struct peers ps;
    peers_init(&ps, ports, NULL, 3);
    struct transport_config ca = base_cfg(1, la, &ps, "alpha");
    start_node(f, a, &ca);

    int fd = raw_connect(NULL, ports[0]);
    assert_int_equal(raw_dial(f, fd, 3, 1, "alpha", "beta"), TRANSPORT_REFUSE_BAD_PROOF);
    assert_true(raw_closed(f, fd, WAIT_MS));
    close(fd);
    assert_int_equal(stats_of(a).refused_auth, 1);
    assert_int_equal(info_of(a, 3).auth_failures, 1);
    assert_false(info_of(a, 3).connected_in);
    assert_true(log_contains(f, "authentication failed"));

    /* HELLO and a (necessarily wrong) PROOF pipelined without reading the
     * CHALLENGE: the acceptor answers both and refuses the proof. */
    fd = raw_connect(NULL, ports[0]);
    uint8_t nd[32], both[TRANSPORT_CHALLENGE_LEN + TRANSPORT_ACCEPT_LEN];
    struct hello_opts o = hello_std(3, 1, 1);
    raw_hello(f, fd, &o, nd);
    uint8_t proof[TRANSPORT_PROOF_LEN];
    memset(proof, 0, sizeof(proof));
    memcpy(proof, "RCRP", 4);
    proof[4] = 1;
    raw_write(f, fd, proof, sizeof(proof));
    assert_int_equal(raw_read(f, fd, both, sizeof(both), WAIT_MS), (int)sizeof(both));
    assert_int_equal(both[5], 0);
    assert_memory_equal(both + TRANSPORT_CHALLENGE_LEN, "RCRA", 4);
    assert_int_equal(both[TRANSPORT_CHALLENGE_LEN + 5], TRANSPORT_REFUSE_BAD_PROOF);
    assert_true(raw_closed(f, fd, WAIT_MS));
    close(fd);
    assert_int_equal(stats_of(a).refused_auth, 2);

    /* A raw dialer that does not know the secret cannot check A's MAC. */
    fd = raw_connect(NULL, ports[0]);
    assert_int_equal(raw_dial(f, fd, 3, 1, "beta", "beta"), -1);
    close(fd);

    fd = raw_connect(NULL, ports[0]);
    assert_int_equal(raw_dial(f, fd, 3, 1, "alpha", "alpha"), 0);
    struct link l = {a, 3};
    assert_true(run_until(f, in_up, &l, WAIT_MS));
    assert_int_equal(stats_of(a).authenticated_in, 1);

    /* A frame from the authenticated raw peer is delivered. */
    struct raft_msg m = hb(3, 1, 5);
    uint8_t frame[RAFT_MSG_MIN_FRAME];
    raft_msg_encode(&m, frame);
    raw_write(f, fd, frame, sizeof(frame));
    struct want w = {a, 1};
    assert_true(run_until(f, got_n, &w, WAIT_MS));
    assert_int_equal(a->got[0].from, 3);
    assert_int_equal(a->got[0].term, 5);
    close(fd);
    close(l2);
    close(l3);
}

/* Without a secret: only peers' addresses are accepted, and the handshake
 * refuses unknown or wrong ids, unknown versions and a mode mismatch, each
 * with its status byte and counter. */
static void test_no_secret_refusals(void **state)
{
    struct fx *f = *state;
    struct node *a = &f->nodes[0];
    int ports[3];
    int la = listen_on("127.0.0.1", 0, &ports[0]);
    int l2 = listen_on("127.0.0.1", 0, &ports[1]);
    int l3 = listen_on("127.0.0.3", 0, &ports[2]);
    static const char *const ips[3] = {"127.0.0.1", "127.0.0.1", "127.0.0.3"};
    struct peers ps;
    peers_init(&ps, ports, ips, 3);
    struct transport_config ca = base_cfg(1, la, &ps, "");
    start_node(f, a, &ca);
    assert_true(log_contains(f, "raft.secret is not set"));

    /* From an address that is no peer's: closed before any byte. */
    int fd = raw_connect("127.0.0.2", ports[0]);
    assert_true(raw_closed(f, fd, WAIT_MS));
    close(fd);
    assert_int_equal(stats_of(a).refused_address, 1);
    assert_true(log_contains(f, "127.0.0.2"));

    struct {
        struct hello_opts o;
        int status;
    } cases[] = {
        {{1, RAFT_MSG_VERSION, 0, 0, 9, 1, NULL}, TRANSPORT_REFUSE_UNKNOWN_ID},
        {{1, RAFT_MSG_VERSION, 0, 0, 1, 1, NULL}, TRANSPORT_REFUSE_UNKNOWN_ID}, /* us */
        {{1, RAFT_MSG_VERSION, 0, 0, 2, 5, NULL}, TRANSPORT_REFUSE_WRONG_NODE},
        {{2, RAFT_MSG_VERSION, 0, 0, 2, 1, NULL}, TRANSPORT_REFUSE_VERSION},
        {{1, 9, 0, 0, 2, 1, NULL}, TRANSPORT_REFUSE_VERSION},
        {{1, RAFT_MSG_VERSION, 0, 4, 2, 1, NULL}, TRANSPORT_REFUSE_VERSION}, /* reserved */
        {{1, RAFT_MSG_VERSION, 1, 0, 2, 1, NULL}, TRANSPORT_REFUSE_AUTH_MODE},
        /* 127.0.0.1 is peer 2's address, not peer 3's */
        {{1, RAFT_MSG_VERSION, 0, 0, 3, 1, NULL}, TRANSPORT_REFUSE_ADDRESS},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        fd = raw_connect(NULL, ports[0]);
        assert_int_equal(raw_hello_status(f, fd, &cases[i].o), cases[i].status);
        assert_true(raw_closed(f, fd, WAIT_MS));
        close(fd);
    }
    struct transport_stats st = stats_of(a);
    assert_int_equal(st.refused_id, 3);
    assert_int_equal(st.refused_version, 3);
    assert_int_equal(st.refused_auth, 1);
    assert_int_equal(st.refused_address, 2);
    assert_int_equal(st.authenticated_in, 0);

    /* Not a handshake at all: closed without an answer. */
    fd = raw_connect(NULL, ports[0]);
    char junk[TRANSPORT_HELLO_LEN];
    memset(junk, 'x', sizeof(junk));
    memcpy(junk, "GET / HTTP/1.1\r\n", 16);
    raw_write(f, fd, junk, sizeof(junk));
    assert_true(raw_closed(f, fd, WAIT_MS));
    close(fd);
    assert_true(stats_of(a).handshake_failures >= 1);

    /* The right ones: peer 2 from 127.0.0.1, peer 3 from 127.0.0.3. */
    fd = raw_connect(NULL, ports[0]);
    assert_int_equal(raw_dial(f, fd, 2, 1, NULL, NULL), 0);
    int fd3 = raw_connect("127.0.0.3", ports[0]);
    assert_int_equal(raw_dial(f, fd3, 3, 1, NULL, NULL), 0);
    struct link l2k = {a, 2}, l3k = {a, 3};
    assert_true(run_until(f, in_up, &l2k, WAIT_MS));
    assert_true(run_until(f, in_up, &l3k, WAIT_MS));
    assert_int_equal(stats_of(a).authenticated_in, 2);
    close(fd);
    close(fd3);
    close(l2);
    close(l3);
}

/* After a good handshake, bad bytes close that connection (and only it):
 * the transport keeps working with its good peer. */
static void test_garbage_after_handshake(void **state)
{
    struct fx *f = *state;
    struct node *a = &f->nodes[0], *b = &f->nodes[1];
    int ports[3];
    int la = listen_on("127.0.0.1", 0, &ports[0]);
    int lb = listen_on("127.0.0.1", 0, &ports[1]);
    int l3 = listen_on("127.0.0.1", 0, &ports[2]);
    struct peers ps;
    peers_init(&ps, ports, NULL, 3);
    struct transport_config ca = base_cfg(1, la, &ps, "k");
    ca.max_frame = 1u << 20;
    struct transport_config cb = base_cfg(2, lb, &ps, "k");
    start_node(f, a, &ca);
    start_node(f, b, &cb);
    struct link ab = {a, 2}, ba = {b, 1};
    assert_true(run_until(f, out_up, &ab, WAIT_MS));
    assert_true(run_until(f, out_up, &ba, WAIT_MS));

    uint8_t good[RAFT_MSG_MIN_FRAME];
    struct raft_msg m = hb(3, 1, 4);
    raft_msg_encode(&m, good);

    enum { TOO_LARGE, BAD_VERSION, BAD_CRC, SHORT_LEN, SPOOF_FROM, WRONG_TO, NCASES };
    for (int k = 0; k < NCASES; k++) {
        uint8_t fr[RAFT_MSG_MIN_FRAME];
        memcpy(fr, good, sizeof(fr));
        switch (k) {
        case TOO_LARGE: /* length field = 1 MiB: the frame would be 1 MiB + 4 */
            fr[0] = 0;
            fr[1] = 0;
            fr[2] = 0x10;
            fr[3] = 0;
            break;
        case BAD_VERSION:
            fr[4] = 2;
            break;
        case BAD_CRC:
            fr[30] ^= 0x40;
            break;
        case SHORT_LEN:
            fr[0] = 10;
            fr[1] = fr[2] = fr[3] = 0;
            break;
        case SPOOF_FROM: {
            struct raft_msg s = hb(2, 1, 4); /* peer 2's id on peer 3's connection */
            raft_msg_encode(&s, fr);
            break;
        }
        case WRONG_TO: {
            struct raft_msg s = hb(3, 2, 4);
            raft_msg_encode(&s, fr);
            break;
        }
        default:
            break;
        }
        int fd = raw_connect(NULL, ports[0]);
        assert_int_equal(raw_dial(f, fd, 3, 1, "k", "k"), 0);
        struct link l = {a, 3};
        assert_true(run_until(f, in_up, &l, WAIT_MS));
        raw_write(f, fd, fr, sizeof(fr));
        assert_true(raw_closed(f, fd, WAIT_MS));
        close(fd);
        assert_false(info_of(a, 3).connected_in);
        assert_int_equal(stats_of(a).protocol_errors, (uint64_t)k + 1);
        assert_int_equal(info_of(a, 3).protocol_errors, (uint64_t)k + 1);
    }
    assert_int_equal(a->n_got, 0); /* nothing from the bad frames got through */
    assert_true(log_contains(f, "closing the connection from peer 3"));
    assert_true(log_contains(f, "bad frame"));

    /* The good peer was never disturbed. */
    assert_true(info_of(a, 2).connected_out);
    assert_true(info_of(a, 2).connected_in);
    struct raft_msg x = hb(1, 2, 11), y = hb(2, 1, 12);
    assert_int_equal(transport_send(a->t, &x), 0);
    assert_int_equal(transport_send(b->t, &y), 0);
    struct want wa = {a, 1}, wb = {b, 1};
    assert_true(run_until(f, got_n, &wa, WAIT_MS));
    assert_true(run_until(f, got_n, &wb, WAIT_MS));
    assert_int_equal(a->got[0].term, 12);
    assert_int_equal(b->got[0].term, 11);
    assert_int_equal(info_of(a, 2).reconnects, 0);
    close(l3);
}

/* A peer stops and a new process takes its port: the other side notices,
 * reports it, redials with backoff, and delivery resumes both ways. */
static void test_peer_restart(void **state)
{
    struct fx *f = *state;
    struct node *a = &f->nodes[0], *b = &f->nodes[1];
    int ports[2];
    int la = listen_on("127.0.0.1", 0, &ports[0]);
    int lb = listen_on("127.0.0.1", 0, &ports[1]);
    struct peers ps;
    peers_init(&ps, ports, NULL, 2);
    struct transport_config ca = base_cfg(1, la, &ps, "k");
    struct transport_config cb = base_cfg(2, lb, &ps, "k");
    start_node(f, a, &ca);
    start_node(f, b, &cb);
    struct link ab = {a, 2}, ba = {b, 1}, a_in = {a, 2};
    assert_true(run_until(f, out_up, &ab, WAIT_MS));
    assert_true(run_until(f, out_up, &ba, WAIT_MS));
    struct raft_msg m = hb(1, 2, 1);
    assert_int_equal(transport_send(a->t, &m), 0);
    struct want wb = {b, 1};
    assert_true(run_until(f, got_n, &wb, WAIT_MS));

    transport_stop(b->t);
    b->t = NULL;
    node_clear(b);
    assert_true(run_until(f, out_down, &ab, WAIT_MS));
    assert_int_equal(a->ev[TRANSPORT_PEER_DOWN][2], 1);
    run_for(f, 100); /* a few failed redials while it is down */
    assert_true(info_of(a, 2).connect_failures >= 1);
    assert_false(info_of(a, 2).connected_in);

    lb = listen_on("127.0.0.1", ports[1], NULL);
    start_node(f, b, &cb);
    assert_true(run_until(f, out_up, &ab, WAIT_MS));
    assert_true(run_until(f, out_up, &ba, WAIT_MS));
    assert_true(run_until(f, in_up, &a_in, WAIT_MS));
    assert_int_equal(a->ev[TRANSPORT_PEER_UP][2], 2);
    struct transport_peer_info pi = info_of(a, 2);
    assert_int_equal(pi.connects, 2);
    assert_int_equal(pi.reconnects, 1);

    m = hb(1, 2, 2);
    assert_int_equal(transport_send(a->t, &m), 0);
    struct raft_msg r = hb(2, 1, 3);
    assert_int_equal(transport_send(b->t, &r), 0);
    struct want wa = {a, 1};
    assert_true(run_until(f, got_n, &wb, WAIT_MS));
    assert_true(run_until(f, got_n, &wa, WAIT_MS));
    assert_int_equal(b->got[0].term, 2);
    assert_int_equal(a->got[0].term, 3);
    assert_true(log_contains(f, "lost the connection to peer 2"));
}

/* The fault injection switch drops both directions while the connections
 * stay up; unblocking resumes delivery. */
static void test_blocked(void **state)
{
    struct fx *f = *state;
    struct node *a = &f->nodes[0], *b = &f->nodes[1];
    int ports[2];
    int la = listen_on("127.0.0.1", 0, &ports[0]);
    int lb = listen_on("127.0.0.1", 0, &ports[1]);
    struct peers ps;
    peers_init(&ps, ports, NULL, 2);
    struct transport_config ca = base_cfg(1, la, &ps, "k");
    struct transport_config cb = base_cfg(2, lb, &ps, "k");
    start_node(f, a, &ca);
    start_node(f, b, &cb);
    struct link ab = {a, 2}, ba = {b, 1};
    assert_true(run_until(f, out_up, &ab, WAIT_MS));
    assert_true(run_until(f, out_up, &ba, WAIT_MS));

    assert_int_equal(transport_set_blocked(a->t, 9, true), -ENOENT);
    assert_int_equal(transport_set_blocked(a->t, 2, true), 0);
    assert_true(info_of(a, 2).blocked);
    struct raft_msg m = hb(1, 2, 1);
    assert_int_equal(transport_send(a->t, &m), -ENETUNREACH);
    struct raft_msg ap = app(1, 2, 5, 1, 100);
    assert_int_equal(transport_send(a->t, &ap), -ENETUNREACH);
    app_free(&ap);
    struct raft_msg r = hb(2, 1, 2);
    assert_int_equal(transport_send(b->t, &r), 0); /* B knows nothing */
    run_for(f, 100);
    assert_int_equal(a->n_got, 0);
    assert_int_equal(b->n_got, 0);
    struct transport_peer_info pi = info_of(a, 2);
    assert_int_equal(pi.drops_sent, 2);
    assert_int_equal(pi.drops_received, 1);
    assert_int_equal(pi.msgs_received, 1);
    assert_true(pi.connected_out && pi.connected_in);
    assert_int_equal(a->ev[TRANSPORT_PEER_DROPPED][2], 1); /* the MsgApp */

    assert_int_equal(transport_set_blocked(a->t, 2, false), 0);
    m = hb(1, 2, 3);
    r = hb(2, 1, 4);
    assert_int_equal(transport_send(a->t, &m), 0);
    assert_int_equal(transport_send(b->t, &r), 0);
    struct want wa = {a, 1}, wb = {b, 1};
    assert_true(run_until(f, got_n, &wa, WAIT_MS));
    assert_true(run_until(f, got_n, &wb, WAIT_MS));
    assert_int_equal(a->got[0].term, 4);
    assert_int_equal(b->got[0].term, 3);
    assert_int_equal(info_of(a, 2).reconnects, 0);
}

/* A client that connects and stays silent (or stops mid-HELLO) is closed
 * after the handshake timeout. */
static void test_handshake_timeout(void **state)
{
    struct fx *f = *state;
    struct node *a = &f->nodes[0];
    int ports[2];
    int la = listen_on("127.0.0.1", 0, &ports[0]);
    int l2 = listen_on("127.0.0.1", 0, &ports[1]);
    struct peers ps;
    peers_init(&ps, ports, NULL, 2);
    struct transport_config ca = base_cfg(1, la, &ps, "k");
    ca.handshake_timeout_ms = 150;
    start_node(f, a, &ca);
    int fd1 = raw_connect(NULL, ports[0]);
    int fd2 = raw_connect(NULL, ports[0]);
    raw_write(f, fd2, "RCRH\x01", 5);
    assert_true(raw_closed(f, fd1, WAIT_MS));
    assert_true(raw_closed(f, fd2, WAIT_MS));
    close(fd1);
    close(fd2);
    assert_true(stats_of(a).handshake_failures >= 2);
    assert_int_equal(stats_of(a).accepted, 2);
    close(l2);
}

/* Bad configurations are refused at start, with the listening socket
 * closed; the node's own entry in the peer list is skipped. */
static void test_start_errors(void **state)
{
    struct fx *f = *state;
    struct transport *t = NULL;
    int port;
    int busy = listen_on("127.0.0.1", 0, &port);
    char addr[64];
    snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);

    struct transport_peer_addr pa[3] = {{1, "127.0.0.1:1"}, {2, "127.0.0.1:2"}, {2, "x:3"}};
    struct transport_config c;
    memset(&c, 0, sizeof(c));
    c.listen_addr = "127.0.0.1:0";
    c.peers = pa;

    c.self_id = 0;
    assert_int_equal(transport_start(f->loop, &c, &cbs, NULL, &t), -EINVAL);
    c.self_id = 1;
    c.n_peers = 3; /* id 2 twice */
    assert_int_equal(transport_start(f->loop, &c, &cbs, NULL, &t), -EINVAL);
    pa[2].id = 3;
    pa[2].addr = "no-port";
    assert_int_equal(transport_start(f->loop, &c, &cbs, NULL, &t), -EINVAL);
    pa[2].addr = "[::1]:abc";
    assert_int_equal(transport_start(f->loop, &c, &cbs, NULL, &t), -EINVAL);
    c.n_peers = 2;
    c.listen_addr = "127.0.0.1:port";
    assert_int_equal(transport_start(f->loop, &c, &cbs, NULL, &t), -EINVAL);
    c.listen_addr = addr;
    assert_int_equal(transport_start(f->loop, &c, &cbs, NULL, &t), -EADDRINUSE);
    assert_true(log_contains(f, "cannot listen on"));
    /* A given listening socket is closed on failure. */
    int lfd = listen_on("127.0.0.1", 0, NULL);
    c.listen_addr = NULL;
    c.listen_fd = lfd;
    c.self_id = 0;
    assert_int_equal(transport_start(f->loop, &c, &cbs, NULL, &t), -EINVAL);
    assert_int_equal(fcntl(lfd, F_GETFD), -1);
    assert_int_equal(errno, EBADF);

    /* Fine: listen by address (IPv6 literal form too), self skipped. */
    c.self_id = 1;
    c.listen_addr = "127.0.0.1:0";
    assert_int_equal(transport_start(f->loop, &c, &cbs, &f->nodes[0], &t), 0);
    struct transport_peer_info pi;
    assert_int_equal(transport_peer_info(t, 2, &pi), 0);
    assert_int_equal(transport_peer_info(t, 1, &pi), -ENOENT);
    transport_stop(t);
    pa[1].addr = "[::1]:2";
    c.listen_addr = "localhost:0";
    assert_int_equal(transport_start(f->loop, &c, &cbs, &f->nodes[0], &t), 0);
    transport_stop(t);
    transport_stop(NULL);
    close(busy);

    assert_string_equal(transport_event_name(TRANSPORT_PEER_DOWN), "down");
    assert_string_equal(transport_refusal_name(TRANSPORT_REFUSE_BAD_PROOF),
                        "authentication failed (different raft.secret?)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_two_nodes_exchange, setup, teardown),
        cmocka_unit_test_setup_teardown(test_three_nodes_no_secret, setup, teardown),
        cmocka_unit_test_setup_teardown(test_large_app_control_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_heartbeat_overtakes_backlog, setup, teardown),
        cmocka_unit_test_setup_teardown(test_queue_limits_and_drops, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_secret, setup, teardown),
        cmocka_unit_test_setup_teardown(test_acceptor_refuses_bad_proof, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_secret_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_garbage_after_handshake, setup, teardown),
        cmocka_unit_test_setup_teardown(test_peer_restart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_blocked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_handshake_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_start_errors, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
