/* transport_tcp: Raft messages between nodes over TCP, on the libev loop.
 *
 * The only Raft file with sockets.  It carries struct raft_msg values from
 * this node to its peers and back, framed by the codec of raft/msg.h; it
 * knows nothing of Raft beyond "MsgApp and MsgSnap are bulk, everything else
 * is control".  The node driver (node.c) hands it rd.messages after each
 * persist and steps what it delivers into the core.
 *
 * ---- Connections ----
 *
 * Every node dials every other node: one outgoing connection per peer, used
 * only to send; the connections peers dial to us are used only to receive.
 * So between two nodes there are two TCP connections, one per direction.
 * Why not one connection per pair (the lower id dials)?  Because then a pair
 * needs a rule for simultaneous dials and for which of two sockets wins
 * after a restart, and one side could send only when the other managed to
 * dial; with one connection per direction each side owns the fate of its
 * own sending path: it dials, it notices the loss (a write error, or EOF
 * read on a socket whose peer never writes after the handshake), it
 * reconnects.  The receiving side is passive: a newly authenticated
 * connection from a peer replaces the one it held (the peer restarted or
 * saw a failure first).  With at most 16 nodes the extra sockets cost
 * nothing.
 *
 * An outgoing connection is in one of three states, seen from the sender:
 *   dialing   a connect or handshake is in progress (or about to start):
 *             messages are queued and go out once it is up;
 *   up        the handshake succeeded: queued messages are written whenever
 *             the socket takes them;
 *   waiting   the last attempt failed; a timer dials again after a backoff
 *             that starts at backoff_min_ms, doubles per failure up to
 *             backoff_max_ms, and is drawn uniformly from [d/2, d] (jitter,
 *             so restarted nodes do not dial in lockstep).  Messages are
 *             dropped, not queued: they would be stale by the time they
 *             could be sent, and Raft retransmits what matters.
 * The failure count restarts when a connection stayed up for at least
 * backoff_max_ms, so a peer that accepts and then drops us at once is still
 * dialed with backoff.  Connect is non-blocking; connect plus handshake must
 * finish within handshake_timeout_ms.  When a connection that was up is
 * lost, every queued frame (and a partly written one) is dropped and the
 * node is told (TRANSPORT_PEER_DOWN): it steps RAFT_MSG_UNREACHABLE so the
 * leader probes that follower instead of pipelining into the void.
 *
 * When raft.listen names a specific address, outgoing connections are bound
 * to it (port 0) before connect, so peers see us coming from the address
 * they have in their peer list (the check below when there is no secret).
 * Sockets get TCP_NODELAY (a heartbeat must not wait for Nagle), SO_KEEPALIVE
 * and TCP_USER_TIMEOUT (TRANSPORT_USER_TIMEOUT_MS), so a peer whose host
 * vanished is noticed without relying on kernel defaults of many minutes.
 *
 * ---- Handshake, version 1 ----
 *
 * The dialer D and the acceptor A exchange four fixed-size messages before
 * any Raft frame.  All integers little-endian, as in raft/msg.h.
 *
 * HELLO, D -> A, 56 bytes:
 *   off size
 *     0    4  magic "RCRH"
 *     4    1  handshake version = 1 (TRANSPORT_HS_VERSION)
 *     5    1  frame version D will send (RAFT_MSG_VERSION)
 *     6    1  auth mode: 0 = none (no secret), 1 = HMAC-SHA256 with the secret
 *     7    1  reserved, 0
 *     8    8  D's node id
 *    16    8  the node id D means to reach (A's id in D's peer list)
 *    24   32  nonce_d: 32 fresh random bytes (getrandom)
 *
 * CHALLENGE, A -> D, 88 bytes:
 *     0    4  magic "RCRC"
 *     4    1  handshake version = 1
 *     5    1  status: 0 = go on; otherwise a refusal (enum
 *             transport_refusal), after which A closes the connection and
 *             bytes 8..87 are zero
 *     6    1  A's auth mode
 *     7    1  reserved, 0
 *     8    8  A's node id
 *    16    8  D's node id (echoed)
 *    24   32  nonce_a: 32 fresh random bytes
 *    56   32  mac_a = HMAC-SHA256(K, "raftcache-raft-hs1 acceptor" || T)
 *
 * PROOF, D -> A, 40 bytes (sent only if mac_a is right):
 *     0    4  magic "RCRP"
 *     4    1  handshake version = 1
 *     5    3  reserved, 0
 *     8   32  mac_d = HMAC-SHA256(K, "raftcache-raft-hs1 dialer" || T)
 *
 * ACCEPT, A -> D, 8 bytes:
 *     0    4  magic "RCRA"
 *     4    1  handshake version = 1
 *     5    1  status: 0 = accepted, or a refusal (TRANSPORT_REFUSE_BAD_PROOF)
 *     6    2  reserved, 0
 *
 * T, the transcript both MACs cover, is 83 bytes: handshake version (1),
 * frame version (1), auth mode (1), D's id (8), A's id (8), nonce_d (32),
 * nonce_a (32).  The labels are ASCII without a terminator.  K is the
 * secret's bytes; with no secret K is empty and the MACs only bind the
 * transcript, they prove nothing.
 *
 * Why this is enough: each side proves knowledge of K by a MAC over a nonce
 * the other side just drew, so a recorded exchange cannot be replayed; the
 * MAC names both ids, the version and the direction (the label), so a MAC
 * obtained from one connection is worthless for another pair, for the other
 * direction, or reflected back at its author.  The secret itself never
 * crosses the wire.  A verifies D only after proving itself, which lets D
 * refuse an impostor acceptor before sending anything.  MACs are compared
 * in constant time.  (No confidentiality: Raft traffic is in clear, as
 * Redis replication is; use a private network or a tunnel.)
 *
 * A refuses, with the status byte set and a log line: an unknown handshake
 * or frame version, a D id that is not a configured peer or is A's own, a
 * target id that is not A's, a different auth mode (one side has a secret,
 * the other not), and, without a secret, a source address that is not one
 * of the claimed peer's addresses.  Without a secret A also closes, without
 * reading anything, a connection from an address that is no peer's at all.
 * D checks A's reply the same way (magic, version, ids, mode, mac_a).  Any
 * failure closes the connection and is counted (struct transport_stats).
 * After ACCEPT, D sends Raft frames and A never writes again.
 *
 * ---- Frames, queues and limits ----
 *
 * transport_send() encodes a message at once into one heap block and
 * queues it; nothing is written until the loop finds the socket writable,
 * so all the messages of one Ready leave in one writev (up to
 * TRANSPORT_IOV_BATCH frames per call).  Each peer has two queues: control
 * (heartbeats, votes, every response: everything but MsgApp and MsgSnap)
 * and bulk (MsgApp, MsgSnap).  At every frame boundary the writer takes the
 * control queue first, so a heartbeat never waits behind a backlog of
 * appends, only behind the one frame being written.  (A control message
 * may thus overtake earlier MsgApps: Raft assumes a network that reorders,
 * and etcd's rafthttp separates MsgApp streams from the others the same
 * way; a heartbeat's commit is min(match, leader commit), so it never
 * commits an entry its follower has not received.)  Queued bytes per peer
 * are bounded by send_queue_max: beyond it a MsgApp or MsgSnap is dropped
 * (reported as TRANSPORT_PEER_DROPPED, so the leader probes and resends
 * later); control messages may go up to TRANSPORT_CONTROL_RESERVE bytes
 * further before they are dropped too.
 *
 * A received frame must decode (raft_msg_decode with max_frame), and must
 * come `from` the authenticated peer `to` this node; anything else (bad
 * length, unknown version, CRC mismatch, malformed content, a frame larger
 * than max_frame, a spoofed sender) closes that connection with a log line
 * and is counted; it never reaches the core, and never stops the node.  The
 * read buffer of a connection grows to hold one frame (at most max_frame)
 * and shrinks back once empty.  At most TRANSPORT_MAX_HANDSHAKES incoming
 * connections may be in their handshake at once; more are closed at accept.
 *
 * ---- Callbacks and threads ----
 *
 * One thread: the loop's.  Callbacks are called only from the loop (a
 * watcher of the transport), never from inside a transport_* call, so the
 * node may step the core in them.  A callback may call transport_send,
 * transport_set_blocked, transport_peer_info and transport_stats, but
 * never transport_stop.
 *
 * Fault injection (tests, DEBUG in test builds): transport_set_blocked()
 * drops every message to and from a peer, as a network partition would,
 * while connections stay up; unblocking resumes delivery.
 */
#ifndef RC_RAFT_TRANSPORT_TCP_H
#define RC_RAFT_TRANSPORT_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "raft/raft.h"

struct ev_loop;
struct transport;

#define TRANSPORT_HS_VERSION          1
#define TRANSPORT_DEFAULT_MAX_FRAME   (64u << 20)
#define TRANSPORT_DEFAULT_QUEUE_MAX   (64u << 20)
#define TRANSPORT_CONTROL_RESERVE     (1u << 20)
#define TRANSPORT_DEFAULT_BACKOFF_MIN 50   /* ms */
#define TRANSPORT_DEFAULT_BACKOFF_MAX 2000 /* ms */
#define TRANSPORT_DEFAULT_HS_TIMEOUT  2000 /* ms, connect + handshake */
#define TRANSPORT_USER_TIMEOUT_MS     20000
#define TRANSPORT_MAX_HANDSHAKES      64
#define TRANSPORT_IOV_BATCH           64

/* Handshake sizes and the status byte of CHALLENGE / ACCEPT (see above). */
#define TRANSPORT_HELLO_LEN     56
#define TRANSPORT_CHALLENGE_LEN 88
#define TRANSPORT_PROOF_LEN     40
#define TRANSPORT_ACCEPT_LEN    8
#define TRANSPORT_NONCE_LEN     32
enum transport_refusal {
    TRANSPORT_REFUSE_NONE = 0,
    TRANSPORT_REFUSE_VERSION = 1,    /* handshake or frame version unknown */
    TRANSPORT_REFUSE_UNKNOWN_ID = 2, /* dialer id not a peer, or the acceptor's own */
    TRANSPORT_REFUSE_WRONG_NODE = 3, /* target id is not the acceptor's */
    TRANSPORT_REFUSE_AUTH_MODE = 4,  /* one side has a secret, the other not */
    TRANSPORT_REFUSE_ADDRESS = 5,    /* no secret: source is not that peer's address */
    TRANSPORT_REFUSE_BAD_PROOF = 6,  /* mac_d wrong: a different secret */
};
/* "unsupported version", ...; static storage. */
const char *transport_refusal_name(int status);

struct transport_peer_addr {
    uint64_t id;
    const char *addr; /* "host:port" or "[v6]:port"; host numeric or a name */
};

struct transport_config {
    uint64_t self_id; /* nonzero */
    /* Where to listen: "host:port" / "[v6]:port".  NULL: use listen_fd, a
     * socket already bound and listening (tests with ephemeral ports,
     * socket activation); the transport takes it over and closes it. */
    const char *listen_addr;
    int listen_fd;
    /* The other nodes; an entry with self_id is skipped (so the cluster's
     * whole list may be passed).  At most RAFT_MAX_PEERS, ids nonzero and
     * unique.  Names are resolved once, at transport_start. */
    const struct transport_peer_addr *peers;
    size_t n_peers;
    const char *secret;            /* NULL or "" = none (logs a warning) */
    size_t max_frame;              /* 0 = TRANSPORT_DEFAULT_MAX_FRAME; both ways */
    size_t send_queue_max;         /* bytes per peer; 0 = TRANSPORT_DEFAULT_QUEUE_MAX */
    unsigned backoff_min_ms;       /* 0 = default */
    unsigned backoff_max_ms;       /* 0 = default; >= backoff_min_ms */
    unsigned handshake_timeout_ms; /* 0 = default */
};

enum transport_peer_event {
    /* Our outgoing connection to the peer is authenticated: messages flow. */
    TRANSPORT_PEER_UP = 1,
    /* It was up and is lost (queued messages dropped): step
     * RAFT_MSG_UNREACHABLE from that peer. */
    TRANSPORT_PEER_DOWN = 2,
    /* A MsgApp or MsgSnap to the peer was dropped (queue full, not
     * connected, blocked): step RAFT_MSG_UNREACHABLE as well, so the leader
     * goes back to probing and resends.  Coalesced: at most one per peer per
     * loop iteration. */
    TRANSPORT_PEER_DROPPED = 3,
};
const char *transport_event_name(int event); /* "up", "down", "dropped" */

struct transport_callbacks {
    /* A message from a peer, checked to come from that authenticated peer
     * and to be addressed to us.  *m is valid during the call only; the
     * callee owns m->entries (raft_msg_free(m) when done). */
    void (*on_message)(void *ud, struct raft_msg *m);
    /* enum transport_peer_event for peer_id; may be NULL. */
    void (*on_peer_state)(void *ud, uint64_t peer_id, int event);
};

/* Starts listening and dialing every peer (the first dials happen in the
 * loop, right away).  cfg and its strings are copied; cbs is copied; ud is
 * passed back to callbacks.  Returns 0 and *out, or a negative code after a
 * log line: -EINVAL (bad config: zero or duplicate ids, unparsable address),
 * -EADDRNOTAVAIL (a name that does not resolve), or -errno of the listen
 * socket (e.g. -EADDRINUSE).  On failure listen_fd, if given, is closed. */
int transport_start(struct ev_loop *loop, const struct transport_config *cfg,
                    const struct transport_callbacks *cbs, void *ud, struct transport **out);

/* Closes every connection and the listener, drops what is queued, stops
 * every watcher and frees t.  No callback is called.  NULL-safe.  Not from
 * inside a callback. */
void transport_stop(struct transport *t);

/* Encodes m (borrowed: nothing of it is kept) and queues it for m->to.
 * Returns 0 when queued, or a negative code when the message was dropped
 * (counted in that peer's drops_sent):
 *   -EINVAL      a local message type, or m->from is not this node;
 *   -ENOENT      m->to is not a configured peer;
 *   -EMSGSIZE    its frame would exceed max_frame (logged: the core's
 *                max_size_per_msg must stay well below it);
 *   -ENETUNREACH the peer is blocked (transport_set_blocked);
 *   -ENOTCONN    waiting to redial after a failure;
 *   -ENOBUFS     the peer's queue is full;
 *   -ENOMEM      no memory for the frame.
 * A dropped MsgApp or MsgSnap is also reported as TRANSPORT_PEER_DROPPED
 * from the loop. */
int transport_send(struct transport *t, const struct raft_msg *m);

/* Fault injection: while blocked, every message to the peer is dropped at
 * transport_send (and those already queued, but a frame half written), and
 * every message from it is dropped on receipt.  Connections stay up.
 * Returns 0, or -ENOENT for an unknown peer. */
int transport_set_blocked(struct transport *t, uint64_t peer_id, bool blocked);

struct transport_peer_info {
    uint64_t id;
    const char *addr;   /* as configured; valid until transport_stop */
    bool connected_out; /* our connection to it is up */
    bool connected_in;  /* it holds an authenticated connection to us */
    bool blocked;
    int64_t last_contact_ms; /* since bytes last arrived from it; -1 = never */
    size_t queued_msgs;      /* waiting to be written, a partly written one included */
    size_t queued_bytes;
    uint64_t connects;         /* outgoing connections that came up */
    uint64_t reconnects;       /* ... after the first */
    uint64_t connect_failures; /* outgoing attempts that failed (dial or handshake) */
    uint64_t auth_failures;    /* handshakes with it refused for authentication, either side */
    uint64_t protocol_errors;  /* its connections closed for bad bytes */
    uint64_t msgs_sent;        /* frames fully written */
    uint64_t bytes_sent;
    uint64_t msgs_received; /* frames decoded (delivered or dropped by the block) */
    uint64_t bytes_received;
    uint64_t drops_sent;     /* messages to it never written: see transport_send, plus
                                those queued when a connection was lost */
    uint64_t drops_received; /* messages from it discarded because it was blocked */
};
/* Fills *out for a configured peer.  Returns 0, or -ENOENT. */
int transport_peer_info(const struct transport *t, uint64_t peer_id,
                        struct transport_peer_info *out);

/* Counters of the listener and of handshakes, both directions. */
struct transport_stats {
    uint64_t accepted;           /* connections accepted by the listener */
    uint64_t authenticated_in;   /* incoming handshakes that succeeded */
    uint64_t refused_address;    /* no secret: source not a configured peer's address */
    uint64_t refused_id;         /* unknown id, our own id, or a target that is not us */
    uint64_t refused_version;    /* unknown handshake or frame version */
    uint64_t refused_auth;       /* MAC wrong or auth mode mismatch, detected here */
    uint64_t refused_busy;       /* too many handshakes in progress */
    uint64_t handshake_failures; /* other handshake ends: timeout, EOF, bad magic */
    uint64_t protocol_errors;    /* authenticated connections closed for bad bytes */
};
void transport_stats(const struct transport *t, struct transport_stats *out);

#endif
