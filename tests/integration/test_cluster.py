"""A real multi-process Raft cluster on loopback (issue 5), end to end.

Every node is a raftcache-server process with its own YAML file, its own
temporary directory and free ports (cluster.py); faults are real: SIGKILL,
SIGSTOP/SIGCONT, and RAFT.BLOCK (RAFTCACHE_FAULT_INJECTION=1) for
partitions.  Election timeout 1000 ms, heartbeat 100 ms; every wait is a
poll against a generous deadline, so the file also passes under ASan.

  1. 3 and 5 nodes elect one leader; writes through it reach every node
     (stale reads on each); a follower answers writes with -MOVED naming
     the leader's client address, and redis-cli -c follows it; INFO raft
     per-peer lines on the leader.
  2. kill -9 of the leader under a write load (unique SET keys and INCR on
     one counter): a new leader within a few election timeouts (measured);
     every acknowledged write on the survivors and, after its restart, on
     the old leader; the counter within [acked, acked + unknown].  A
     follower 20 000 entries behind catches up; kill -9 of all three at
     once loses nothing.  5 nodes: two down still commit, three down do not.
  3. SIGSTOP of the leader past the election timeout, then SIGCONT: a new
     leader meanwhile; the old one steps down; the writes sent to it while
     it was paused and just after are never acknowledged without being
     committed (history checker + final reads).
  4. a partition (RAFT.BLOCK both ways between the leader and the rest):
     the minority leader cannot commit, the majority elects a leader and
     serves; after healing the logs and data converge and the term moved
     only by the majority's election (PreVote).
  5. a linearizability history (reads, writes, incrs on a few keys,
     following -MOVED) across a kill -9 + restart and a partition + heal.
  6. raft.secret: nodes with the secret form a cluster; a node with a
     wrong one is refused (auth failures in INFO raft) and never learns a
     leader; with the right secret it joins and catches up.
  7. a write too large for one transport frame is refused, not proposed
     (it would wedge the log).
  8. linearizable reads: a read on the leader sees a write acknowledged to
     another client just before; a follower answers reads with -MOVED; in
     lease mode the leader answers without a ReadIndex round per read, and
     a leader paused past its lease does not answer from its old state
     after SIGCONT.

  9. (only with CLUSTER_NEMESIS_SECONDS set) random faults for that long,
     history-checked: TestNemesis.

Run: RAFTCACHE_SERVER=build/raftcache-server /usr/bin/python3 test_cluster.py
"""

import collections
import os
import random
import shutil
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import cluster  # noqa: E402
import harness  # noqa: E402
from cluster import Cluster, ReplyError, wait_for  # noqa: E402
from linearizability import History, check  # noqa: E402

ELECTION_MS = 1000
SEED = int(os.environ.get("CLUSTER_SEED", str(int(time.time()))))


def is_not_committed(e):
    return "not committed" in e.text


# ---- clients ----

class Router:
    """Where a client sends its next command: the node named by the last
    -MOVED, else the next up node in turn (never a node the test paused or
    killed, unless told so)."""

    def __init__(self, c, rng):
        self.c = c
        self.rng = rng
        self.target = None

    def pick(self):
        if self.target is not None and self.target.up:
            return self.target
        ups = [n for n in self.c.nodes if n.up]
        self.target = self.rng.choice(ups) if ups else None
        return self.target

    def moved(self, e):
        self.target = self.c.by_addr(e.moved)
        if self.target is None or not self.target.up:
            # a follower still names the leader that is gone: as a client
            # whose connection would be refused, wait a little
            self.target = None
            time.sleep(0.02)

    def rotate(self):
        self.target = None


class Writer(threading.Thread):
    """Writes unique keys (SET w<id>:<seq>) and INCRs one counter, recording
    what was acknowledged.  An error reply means the write did not happen
    (-MOVED, -CLUSTERDOWN, not committed); a timeout or a lost connection
    means unknown."""

    def __init__(self, c, wid, stop, op_timeout=3.0):
        super().__init__(daemon=True)
        self.c, self.wid, self.stop_ev, self.op_timeout = c, wid, stop, op_timeout
        self.router = Router(c, random.Random(SEED + wid))
        self.acked = {}            # key -> value
        self.ack_times = []        # (invoke, complete) of every acknowledged op
        self.incr_acked = 0
        self.incr_unknown = 0
        self.incr_values = []
        self.errors = collections.Counter()
        self.unexpected = []

    def run(self):
        conn, seq = None, 0
        while not self.stop_ev.is_set():
            target = self.router.pick()
            if target is None:
                time.sleep(0.05)
                continue
            if conn is None or conn.port != target.port:
                if conn:
                    conn.close()
                try:
                    conn = target.conn(self.op_timeout)
                except OSError:
                    conn = None
                    self.errors["connect"] += 1
                    self.router.rotate()
                    time.sleep(0.02)
                    continue
            seq += 1
            incr = seq % 3 == 0
            key, val = "w%d:%d" % (self.wid, seq), "v%d" % seq
            args = ("INCR", "ctr") if incr else ("SET", key, val)
            t0 = time.monotonic()
            try:
                r = conn.call(*args)
            except ReplyError as e:
                if e.moved:
                    self.errors["moved"] += 1
                    self.router.moved(e)
                elif e.text.startswith("CLUSTERDOWN"):
                    self.errors["clusterdown"] += 1
                    self.router.rotate()
                    time.sleep(0.02)
                elif is_not_committed(e):
                    self.errors["not committed"] += 1
                else:
                    self.unexpected.append(e.text)
                continue
            except OSError:
                self.errors["unknown"] += 1
                if incr:
                    self.incr_unknown += 1
                conn.close()
                conn = None
                self.router.rotate()
                continue
            self.ack_times.append((t0, time.monotonic()))
            if incr:
                self.incr_acked += 1
                self.incr_values.append(r)
            else:
                self.acked[key] = val.encode()
        if conn:
            conn.close()


class HistoryClient(threading.Thread):
    """Random reads, writes (unique values) and INCRs on a few keys,
    recorded in a History; follows -MOVED.  After an unknown outcome it
    continues under a new client id (the old op may still be running)."""

    def __init__(self, c, history, cid, stop, keys=("k0", "k1", "k2"), op_timeout=2.0,
                 think=0.002):
        super().__init__(daemon=True)
        self.c, self.h, self.cid, self.stop_ev = c, history, cid, stop
        self.keys, self.op_timeout, self.think = keys, op_timeout, think
        self.rng = random.Random(SEED * 31 + cid)
        self.router = Router(c, self.rng)
        self.incarnation = 0
        self.counts = collections.Counter()
        self.unexpected = []

    def client_id(self):
        return "c%d.%d" % (self.cid, self.incarnation)

    def run(self):
        conn, seq = None, 0
        while not self.stop_ev.is_set():
            target = self.router.pick()
            if target is None:
                time.sleep(0.05)
                continue
            if conn is None or conn.port != target.port:
                if conn:
                    conn.close()
                try:
                    conn = target.conn(self.op_timeout)
                except OSError:
                    conn = None
                    self.router.rotate()
                    time.sleep(0.02)
                    continue
            seq += 1
            x = self.rng.random()
            if x < 0.15:
                key, kind, args = "ctr", "incr", ("INCR", "ctr")
            elif x < 0.25:
                key, kind, args = "ctr", "read", ("GET", "ctr")
            else:
                key = self.rng.choice(self.keys)
                if x < 0.6:
                    val = "%d-%d" % (self.cid, seq)
                    kind, args = "write", ("SET", key, val)
                else:
                    kind, args = "read", ("GET", key)
            i = self.h.invoke(self.client_id(), kind, key,
                              args[2] if kind == "write" else None)
            try:
                r = conn.call(*args)
            except ReplyError as e:
                self.h.fail(i)
                if e.moved:
                    self.counts["moved"] += 1
                    self.router.moved(e)
                elif e.text.startswith("CLUSTERDOWN"):
                    self.counts["clusterdown"] += 1
                    self.router.rotate()
                    time.sleep(0.02)
                elif is_not_committed(e):
                    self.counts["not committed"] += 1
                else:
                    self.unexpected.append(e.text)
                continue
            except OSError:
                self.h.info(i)
                self.counts["info"] += 1
                self.incarnation += 1
                conn.close()
                conn = None
                self.router.rotate()
                continue
            self.h.ok(i, r if kind != "write" else None)
            self.counts["ok"] += 1
            if self.think:
                time.sleep(self.think)
        if conn:
            conn.close()


def final_reads(c, h, keys, cid="final"):
    """One linearizable read of each key through the leader, recorded."""
    for key in keys:
        while True:
            i = h.invoke(cid, "read", key)
            try:
                v, _ = c.write("GET", key)
            except AssertionError:
                h.info(i)
                raise
            h.ok(i, v)
            break


def assert_linearizable(tc, h):
    ok, text = check(h)
    print("  history: %s" % text.splitlines()[0])
    tc.assertIs(ok, True, text)


# ---- tests ----

class ClusterTestCase(unittest.TestCase):
    def setUp(self):
        self.clusters = []
        self.stop_ev = threading.Event()
        self.threads = []

    def tearDown(self):
        self.stop_ev.set()
        for t in self.threads:
            t.join(30)
        errors = []
        for c in self.clusters:
            try:
                c.cleanup()
            except AssertionError as e:
                errors.append(str(e))
        if errors:
            raise AssertionError("\n".join(errors))

    def cluster(self, n, **kw):
        kw.setdefault("election_ms", ELECTION_MS)
        c = Cluster(n, **kw)
        self.clusters.append(c)
        return c

    def start(self, t):
        self.threads.append(t)
        t.start()
        return t

    def stop_threads(self):
        self.stop_ev.set()
        for t in self.threads:
            t.join(30)
            self.assertFalse(t.is_alive(), "a client thread did not stop")
        self.threads = []
        self.stop_ev = threading.Event()

    def stale_get_all(self, node, keys):
        """Values of keys on one node (read_mode stale: its own state)."""
        out = {}
        keys = list(keys)
        with node.conn(20) as conn:
            for i in range(0, len(keys), 500):
                chunk = keys[i:i + 500]
                for k, v in zip(chunk, conn.call("MGET", *chunk)):
                    out[k] = v
        return out

    def assert_has_all(self, node, acked, what):
        got = self.stale_get_all(node, acked)
        missing = [k for k, v in acked.items() if got.get(k) != v]
        self.assertEqual(missing[:20], [], "%s: %d of %d acknowledged writes missing or wrong"
                         % (what, len(missing), len(acked)))


class TestFormation(ClusterTestCase):
    def check_formation(self, n):
        c = self.cluster(n, read_mode="stale")
        leader = c.leader()
        infos = c.infos()
        term = int(infos[leader.node_id]["raft_term"])
        for node in c.nodes:
            i = infos[node.node_id]
            want = "leader" if node is leader else "follower"
            self.assertEqual(i["raft_role"], want, c.status())
            self.assertEqual(int(i["raft_term"]), term)
            self.assertEqual(i["raft_peers"], str(n))
            if node is not leader:
                # the leader's id once its first message arrived
                wait_for(lambda: node.info()["raft_leader_addr"] == leader.client_addr,
                         10, "node %d to know the leader" % node.node_id)

        # writes through the leader reach every node
        with leader.conn() as conn:
            for i in range(100):
                self.assertEqual(conn.call("SET", "k%d" % i, "v%d" % i), b"OK")
            self.assertEqual(conn.call("INCR", "n"), 1)
            self.assertEqual(conn.call("HSET", "h", "f", "x"), 1)
        last = c.wait_converged()
        for node in c.nodes:
            with node.conn() as conn:
                vals = conn.call("MGET", *["k%d" % i for i in range(100)])
                self.assertEqual(vals, [b"v%d" % i for i in range(100)],
                                 "node %d" % node.node_id)
                self.assertEqual(conn.call("GET", "n"), b"1")
                self.assertEqual(conn.call("HGET", "h", "f"), b"x")
                self.assertEqual(conn.call("DBSIZE"), 102)

        # the leader's view of each follower
        peers = leader.peers()
        self.assertEqual(sorted(peers), list(range(1, n + 1)))
        for pid, p in peers.items():
            if pid == leader.node_id:
                self.assertEqual(p["self"], "1")
                continue
            self.assertEqual(p["match"], str(last), p)
            self.assertEqual(p["connected"], "both", p)
            self.assertEqual(p["active"], "1", p)
            self.assertEqual(p["auth_failures"], "0", p)
            self.assertLess(int(p["last_contact_ms"]), 20 * c.heartbeat_ms, p)

        # a follower redirects writes to the leader's client address
        for node in c.followers(leader):
            with node.conn() as conn:
                with self.assertRaises(ReplyError) as cm:
                    conn.call("SET", "k0", "changed")
                self.assertEqual(cm.exception.text, "MOVED 0 %s" % leader.client_addr)
                # reads are served here in stale mode
                self.assertEqual(conn.call("GET", "k0"), b"v0")
        # redis-cli -c follows the redirection
        f = c.followers(leader)[0]
        out = cluster.redis_cli(f, "SET", "via-cli", "yes")
        self.assertIn("OK", out)
        self.assertEqual(leader.call("GET", "via-cli"), b"yes")
        # without -c it shows the error
        out = cluster.redis_cli(f, "SET", "via-cli", "no", extra=())
        self.assertIn("MOVED 0 %s" % leader.client_addr, out)
        c.wait_converged()
        for node in c.nodes:
            self.assertEqual(node.call("GET", "via-cli"), b"yes")
        return c

    def test_three_nodes(self):
        self.check_formation(3)

    def test_five_nodes(self):
        c = self.check_formation(5)
        leader = c.leader()
        # Two of five down: the other three still commit.
        down = c.followers(leader)[:2]
        for n in down:
            n.kill9()
        with leader.conn() as conn:
            self.assertEqual(conn.call("SET", "with3", "yes"), b"OK")
        # A third one down: no majority, no commit.
        third = [n for n in c.followers(leader) if n.up][0]
        third.kill9()
        pending = leader.conn(30)
        pending.send("SET", "with2", "yes")
        pending.settimeout(2 * c.election_s)
        with self.assertRaises(OSError, msg="a write committed by 2 of 5 nodes"):
            pending.reply()
        # CheckQuorum: the leader steps down.
        wait_for(lambda: leader.info()["raft_role"] != "leader", 5 * c.election_s,
                 "the leader without a majority to step down", status=c.status)
        with self.assertRaises(ReplyError) as cm:
            leader.call("SET", "with2b", "no")
        self.assertEqual(cm.exception.text, "CLUSTERDOWN No raft leader")
        for n in down + [third]:
            n.start()
        new = c.leader()
        c.wait_converged()
        # The pending write was either committed later (the leader that
        # had it won again) and acknowledged, or replaced and refused.
        pending.settimeout(30)
        try:
            outcome = pending.reply()
        except ReplyError as e:
            outcome = e.text
        pending.close()
        got = new.call("GET", "with2")
        if outcome == b"OK":
            self.assertEqual(got, b"yes")
        else:
            self.assertTrue(is_not_committed(ReplyError(outcome)), outcome)
            self.assertIsNone(got)
        for n in c.nodes:
            self.assertEqual(n.call("GET", "with3"), b"yes", "node %d" % n.node_id)
            self.assertIsNone(n.call("GET", "with2b"))


class TestFailover(ClusterTestCase):
    def test_kill_leader_under_load(self):
        c = self.cluster(3, read_mode="stale")
        old = c.leader()
        writers = [self.start(Writer(c, w, self.stop_ev)) for w in range(3)]
        acks = lambda: sum(len(w.ack_times) for w in writers)  # noqa: E731
        wait_for(lambda: acks() >= 150, 60, "150 acknowledged writes", status=c.status)

        t_kill = time.monotonic()
        old.kill9()
        new = c.leader(exclude=[old])
        t_leader = time.monotonic() - t_kill

        def first_ack():
            after = [done for w in writers for (inv, done) in list(w.ack_times)
                     if inv > t_kill]
            return min(after) if after else None

        t_first = wait_for(first_ack, 60, "a write acknowledged by the new leader",
                           status=c.status) - t_kill
        n0 = acks()
        wait_for(lambda: acks() >= n0 + 150, 60, "150 more writes", status=c.status)
        self.stop_threads()
        print("\n  failover: leader %d killed; node %d led after %.2f s; first write "
              "acknowledged %.2f s after the kill (election timeout %.1f s)"
              % (old.node_id, new.node_id, t_leader, t_first, c.election_s))
        # Followers time out after 1-2 election timeouts, then PreVote and
        # vote take a round trip each; the writers retry every few ms.
        self.assertLess(t_first, 3.5 * c.election_s, "failover too slow")

        for w in writers:
            self.assertEqual(w.unexpected, [], "unexpected error replies")
        acked = {}
        for w in writers:
            acked.update(w.acked)
        incr_acked = sum(w.incr_acked for w in writers)
        incr_unknown = sum(w.incr_unknown for w in writers)
        values = [v for w in writers for v in w.incr_values]
        self.assertEqual(len(values), len(set(values)), "two INCRs got the same reply")
        print("  %d SETs and %d INCRs acknowledged, %d INCRs unknown; errors %s"
              % (len(acked), incr_acked, incr_unknown,
                 dict(sum((w.errors for w in writers), collections.Counter()))))

        survivors = [n for n in c.nodes if n is not old]
        c.wait_converged(survivors)
        for node in survivors:
            self.assert_has_all(node, acked, "survivor %d" % node.node_id)
            ctr = int(node.call("GET", "ctr"))
            self.assertGreaterEqual(ctr, incr_acked, "node %d lost INCRs" % node.node_id)
            self.assertLessEqual(ctr, incr_acked + incr_unknown,
                                 "node %d applied an INCR twice" % node.node_id)
            self.assertGreaterEqual(ctr, max(values))

        # the old leader comes back and catches up
        old.start()
        c.wait_converged()
        self.assert_has_all(old, acked, "restarted old leader %d" % old.node_id)
        ctrs = {n.node_id: n.call("GET", "ctr") for n in c.nodes}
        self.assertEqual(len(set(ctrs.values())), 1, ctrs)
        dbsizes = {n.node_id: n.call("DBSIZE") for n in c.nodes}
        self.assertEqual(len(set(dbsizes.values())), 1, dbsizes)
        self.assertEqual(c.current_leader(), new, "the restarted node disrupted the leader")

    def test_catch_up_and_whole_cluster_crash(self):
        """A follower down for 20 000 writes catches up when it returns;
        then all three are killed at once and restarted: nothing
        acknowledged is lost, nothing is applied twice."""
        c = self.cluster(3, read_mode="stale")
        leader = c.leader()
        f = c.followers(leader)[0]
        f.kill9()
        out = subprocess.run(
            [shutil.which("redis-benchmark") or "/usr/bin/redis-benchmark", "-h", "127.0.0.1",
             "-p", str(leader.port), "-t", "incr", "-n", "20000", "-c", "10", "-P", "16", "-q"],
            capture_output=True, text=True, timeout=120)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(leader.call("GET", "counter:__rand_int__"), b"20000")
        t0 = time.monotonic()
        f.start()
        c.wait_converged()
        print("\n  a follower 20 000 entries behind caught up in %.2f s"
              % (time.monotonic() - t0))
        for n in c.nodes:
            self.assertEqual(n.call("GET", "counter:__rand_int__"), b"20000")
        with leader.conn() as conn:
            for i in range(100):
                conn.call("SET", "last%d" % i, i)
        for n in c.nodes:
            n.kill9()
        c.start()
        c.leader()
        c.wait_converged()
        for n in c.nodes:
            self.assertEqual(n.call("GET", "counter:__rand_int__"), b"20000")
            self.assertEqual(n.call("MGET", *["last%d" % i for i in range(100)]),
                             [b"%d" % i for i in range(100)])
            self.assertEqual(n.call("DBSIZE"), 101)

    def test_sigstop_leader(self):
        c = self.cluster(3)  # linearizable reads
        old = c.leader()
        h = History()
        clients = [self.start(HistoryClient(c, h, i, self.stop_ev)) for i in range(3)]
        wait_for(lambda: sum(x.counts["ok"] for x in clients) >= 100, 60, "100 ops")

        # Writes sent to the leader while it is paused: answered after
        # SIGCONT, by then a deposed leader.
        stuck = [old.conn(60) for _ in range(3)]
        old.pause()
        t_pause = time.monotonic()
        stuck_ops = []
        for i, conn in enumerate(stuck):
            key = "s%d" % i
            stuck_ops.append((conn, key, h.invoke("stuck%d" % i, "write", key, "paused")))
            conn.send("SET", key, "paused")
        others = [n for n in c.nodes if n is not old]
        new = c.leader(nodes=others)
        t_new = time.monotonic() - t_pause
        n0 = sum(x.counts["ok"] for x in clients)
        wait_for(lambda: sum(x.counts["ok"] for x in clients) >= n0 + 100, 60,
                 "100 ops on the new leader", status=c.status)
        # Paused for longer than the election timeout in any case.
        wait_for(lambda: time.monotonic() - t_pause > 2.5 * c.election_s, 10, "")
        term_new = int(new.info()["raft_term"])

        old.resume()
        # Right after SIGCONT, before it heard of the new term: a write and
        # a read on the old leader (recorded: they must be linearizable too).
        after = []
        for i, (kind, args) in enumerate((("write", ("SET", "s9", "resumed")),
                                          ("read", ("GET", "k0")))):
            conn = old.conn(30)
            key = args[1]
            op = h.invoke("resumed%d" % i, kind, key, args[2] if kind == "write" else None)
            conn.send(*args)
            after.append((conn, kind, op))

        outcomes = collections.Counter()
        for conn, op in [(a, b) for a, _, b in stuck_ops] + [(a, b) for a, _, b in after]:
            kind = h.ops()[op].kind
            try:
                r = conn.reply()
                h.ok(op, r if kind == "read" else None)
                outcomes["ok"] += 1
            except ReplyError as e:
                h.fail(op)
                outcomes["not committed" if is_not_committed(e) else e.text.split()[0]] += 1
            except OSError:
                h.info(op)
                outcomes["timeout"] += 1
            conn.close()
        for conn in stuck:
            conn.close()

        def stepped_down():
            i = old.info()
            return i and i["raft_role"] == "follower" and int(i["raft_term"]) >= term_new \
                and i["raft_leader_id"] == str(new.node_id)

        wait_for(stepped_down, 30, "the old leader to step down", status=c.status)
        n0 = sum(x.counts["ok"] for x in clients)
        wait_for(lambda: sum(x.counts["ok"] for x in clients) >= n0 + 50, 60, "50 more ops")
        self.stop_threads()
        final_reads(c, h, ["k0", "k1", "k2", "ctr", "s0", "s1", "s2", "s9"])
        print("\n  SIGSTOP: new leader %d after %.2f s; writes to the paused leader: %s; "
              "clients: %s" % (new.node_id, t_new, dict(outcomes),
                               dict(sum((x.counts for x in clients), collections.Counter()))))
        for x in clients:
            self.assertEqual(x.unexpected, [])
        assert_linearizable(self, h)
        # The deposed leader acknowledged nothing of what it could not commit:
        # every acknowledged stuck write is in the final state.
        c.wait_converged()
        for op in h.ops():
            if op.client.startswith("stuck") and op.status == "ok":
                self.assertEqual(c.write("GET", op.key)[0], b"paused")


class TestPartition(ClusterTestCase):
    def test_isolated_leader(self):
        c = self.cluster(3, read_mode="stale", fault_injection=True)
        old = c.leader()
        c.write("SET", "before", "1")
        c.wait_converged()
        term0 = int(old.info()["raft_term"])
        others = [n for n in c.nodes if n is not old]

        c.isolate(old)
        # The minority leader cannot commit: a write to it gets no OK.
        pending = old.conn(30)
        pending.send("SET", "minority", "x")
        pending.settimeout(2 * c.election_s)
        try:
            r = pending.reply()
            self.fail("the isolated leader acknowledged a write: %r" % r)
        except ReplyError as e:
            self.assertTrue(e.moved or e.text.startswith("CLUSTERDOWN"), e.text)
            pending.close()
            pending = None
        except OSError:
            pass  # waiting for a commit that cannot come
        # The majority elects a leader and serves.
        new = c.leader(nodes=others)
        self.assertIsNot(new, old)
        term_new = int(new.info()["raft_term"])
        with new.conn() as conn:
            for i in range(50):
                self.assertEqual(conn.call("SET", "majority%d" % i, i), b"OK")
        # CheckQuorum: the old leader stepped down; PreVote: its term
        # did not move while it was alone.
        wait_for(lambda: old.info()["raft_role"] != "leader", 5 * c.election_s,
                 "the isolated leader to step down", status=c.status)
        # a few more election timeouts alone
        time.sleep(2 * c.election_s)
        i = old.info()
        self.assertEqual(int(i["raft_term"]), term0, "the isolated node raised its term")
        with old.conn() as conn:
            with self.assertRaises(ReplyError) as cm:
                conn.call("SET", "minority2", "x")
            self.assertTrue(cm.exception.text.startswith("CLUSTERDOWN"), cm.exception.text)

        c.heal()
        last = c.wait_converged()
        # The write sent to the isolated leader was not committed: its
        # client finally hears so.
        if pending is not None:
            pending.settimeout(30)
            with self.assertRaises(ReplyError) as cm:
                pending.reply()
            self.assertTrue(is_not_committed(cm.exception) or cm.exception.moved,
                            cm.exception.text)
            pending.close()
        self.assertEqual(c.current_leader(), new, "the healed node disrupted the leader")
        infos = c.infos()
        for nid, i in infos.items():
            self.assertEqual(int(i["raft_term"]), term_new, "node %d: %s" % (nid, c.status()))
            self.assertEqual(int(i["raft_last_log_index"]), last)
        self.assertLessEqual(term_new, term0 + 2)  # one election (two on a split vote)
        dumps = {}
        for node in c.nodes:
            with node.conn() as conn:
                keys = sorted(conn.call("KEYS", "*"))
                dumps[node.node_id] = (keys, conn.call("MGET", *keys))
        self.assertEqual(dumps[1], dumps[2])
        self.assertEqual(dumps[1], dumps[3])
        self.assertNotIn(b"minority", dumps[1][0])
        self.assertEqual(len(dumps[1][0]), 51)


class TestHistory(ClusterTestCase):
    def test_linearizable_under_faults(self):
        c = self.cluster(3, fault_injection=True)
        c.leader()
        h = History()
        clients = [self.start(HistoryClient(c, h, i, self.stop_ev)) for i in range(4)]
        oks = lambda: sum(x.counts["ok"] for x in clients)  # noqa: E731

        def run_ops(n, what):
            n0 = oks()
            wait_for(lambda: oks() >= n0 + n, 90, "%d ops (%s)" % (n, what), status=c.status)

        run_ops(100, "start")
        victim = c.leader()
        victim.kill9()
        c.leader(exclude=[victim])
        run_ops(100, "after the kill")
        victim.start()
        run_ops(100, "after the restart")
        c.wait_converged(timeout=60)
        victim = c.leader()
        c.isolate(victim)
        c.leader(nodes=[n for n in c.nodes if n is not victim])
        run_ops(100, "during the partition")
        c.heal()
        c.wait_converged(timeout=60)
        run_ops(100, "after healing")
        self.stop_threads()
        final_reads(c, h, ["k0", "k1", "k2", "ctr"])
        print("\n  clients: %s" % dict(sum((x.counts for x in clients), collections.Counter())))
        for x in clients:
            self.assertEqual(x.unexpected, [])
        assert_linearizable(self, h)


class TestNemesis(ClusterTestCase):
    """Random faults for CLUSTER_NEMESIS_SECONDS (skipped when unset):
    kill -9 and restart, SIGSTOP/SIGCONT, isolation of a node, a cut
    between two nodes, kill -9 of all nodes, on a random node or the
    leader, while four clients record a history.  CLUSTER_NEMESIS_MODE
    (linearizable, lease) and CLUSTER_NEMESIS_NODES (3, 5) choose the
    cluster.  60 s make about 10 000 operations: a few seconds of
    checking."""

    @unittest.skipUnless(os.environ.get("CLUSTER_NEMESIS_SECONDS"),
                         "set CLUSTER_NEMESIS_SECONDS to run")
    def test_random_faults(self):
        seconds = float(os.environ["CLUSTER_NEMESIS_SECONDS"])
        c = self.cluster(int(os.environ.get("CLUSTER_NEMESIS_NODES", "3")),
                         read_mode=os.environ.get("CLUSTER_NEMESIS_MODE", "linearizable"),
                         fault_injection=True)
        rng = random.Random(SEED)
        c.leader()
        h = History()
        clients = [self.start(HistoryClient(c, h, i, self.stop_ev, op_timeout=1.5, think=0.02))
                   for i in range(4)]
        faults = []
        t_end = time.monotonic() + seconds
        while time.monotonic() < t_end:
            time.sleep(rng.uniform(0.3, 1.5))
            ups = [n for n in c.nodes if n.up]
            victim = (rng.choice(ups) if rng.random() < 0.5
                      else c.current_leader() or rng.choice(ups))
            kind = rng.choice(["kill", "pause", "isolate", "cut", "kill all"])
            faults.append("%s %d" % (kind, victim.node_id))
            if kind == "kill":
                victim.kill9()
                time.sleep(rng.uniform(0.2, 3))
                victim.start()
            elif kind == "pause":
                victim.pause()
                time.sleep(rng.uniform(0.2, 3))
                victim.resume()
            elif kind == "isolate":
                c.isolate(victim)
                time.sleep(rng.uniform(0.5, 3))
                c.heal()
            elif kind == "cut":
                c.block(victim, rng.choice([n for n in c.nodes if n is not victim]))
                time.sleep(rng.uniform(0.5, 3))
                c.heal()
            else:
                for n in c.nodes:
                    n.kill9()
                c.start()
        self.stop_threads()
        c.leader()
        c.wait_converged()
        final_reads(c, h, ["k0", "k1", "k2", "ctr"])
        print("\n  faults: %s\n  clients: %s" % (", ".join(faults), dict(
            sum((x.counts for x in clients), collections.Counter()))))
        for x in clients:
            self.assertEqual(x.unexpected, [])
        assert_linearizable(self, h)


class TestSecret(ClusterTestCase):
    def test_wrong_secret_cannot_join(self):
        c = self.cluster(3, secret="correct horse battery staple",
                         overrides={3: {"secret": "wrong"}})
        bad = c.node(3)
        leader = c.leader(nodes=c.nodes[:2])
        with leader.conn() as conn:
            self.assertEqual(conn.call("SET", "k", "v"), b"OK")

        def refused():
            p = leader.peers()
            q = bad.peers()
            return (int(p[3]["auth_failures"]) > 0 and p[3]["connected"] == "no" and
                    int(q[1]["auth_failures"]) > 0 and int(q[2]["auth_failures"]) > 0 and
                    q[1]["connected"] == "no")

        wait_for(refused, 20, "auth failures on both sides", status=c.status)
        # a few election timeouts: node 3 never learns of the leader
        time.sleep(2 * c.election_s)
        i = bad.info()
        self.assertEqual(i["raft_leader_id"], "0")
        self.assertNotEqual(i["raft_role"], "leader")
        self.assertEqual(i["raft_applied_index"], "0")
        self.assertEqual(i["raft_term"], "0")  # its pre-votes never got out
        self.assertIn("authentication", bad.log().lower() + leader.log().lower())
        self.assertEqual(leader.peers()[3]["match"], "0")

        # with the right secret it joins and catches up
        bad.stop()
        c.overrides = {}
        bad.write_config(c.config_text(bad))
        bad.start()
        c.wait_converged()
        with bad.conn() as conn:
            with self.assertRaises(ReplyError) as cm:
                conn.call("GET", "k")
            self.assertEqual(cm.exception.moved, leader.client_addr)
        self.assertEqual(c.current_leader(), leader)


class TestLimits(ClusterTestCase):
    def test_entry_too_large_for_the_transport(self):
        """A write whose log entry could not fit in one transport frame
        (64 MiB) is refused at once: proposed, it would never commit and
        every later write would wait behind it."""
        c = self.cluster(3, read_mode="stale")
        leader = c.leader()
        with leader.conn(60) as conn:
            self.assertEqual(conn.call("SET", "big", b"b" * (8 << 20)), b"OK")
            with self.assertRaises(ReplyError) as cm:
                conn.call("SET", "huge", b"h" * (65 << 20))
            self.assertRegex(cm.exception.text,
                             r"^ERR raft: the command is too large to replicate \(\d+ bytes, "
                             r"at most \d+\)$")
            # pipelined behind a pending write: replies stay in order
            conn.send("SET", "a", "1")
            conn.send("SET", "huge", b"h" * (65 << 20))
            conn.send("SET", "b", "2")
            self.assertEqual(conn.reply(), b"OK")
            with self.assertRaises(ReplyError):
                conn.reply()
            self.assertEqual(conn.reply(), b"OK")
        c.wait_converged()
        for node in c.nodes:
            with node.conn() as conn:
                self.assertEqual(conn.call("STRLEN", "big"), 8 << 20)
                self.assertEqual(conn.call("EXISTS", "huge"), 0)
                self.assertEqual(conn.call("MGET", "a", "b"), [b"1", b"2"])


class TestReads(ClusterTestCase):
    def test_linearizable_reads(self):
        c = self.cluster(3)
        leader = c.leader()
        before = int(leader.info()["raft_read_index_requests"])
        with leader.conn() as w, leader.conn() as r:
            for i in range(200):
                self.assertEqual(w.call("SET", "k", "v%d" % i), b"OK")
                self.assertEqual(r.call("GET", "k"), b"v%d" % i)
        with leader.conn() as conn:
            self.assertEqual(conn.call("DBSIZE"), 1)
            self.assertEqual(conn.call("KEYS", "*"), [b"k"])
            self.assertEqual(conn.call("RANDOMKEY"), b"k")
        i = leader.info()
        self.assertGreaterEqual(int(i["raft_read_index_requests"]) - before, 1)
        self.assertGreater(int(i["raft_read_index_confirmed"]), 0)
        self.assertEqual(i["raft_read_index_failed"], "0")
        for f in c.followers(leader):
            with f.conn() as conn:
                with self.assertRaises(ReplyError) as cm:
                    conn.call("GET", "k")
                self.assertEqual(cm.exception.moved, leader.client_addr)
                # keyspace reads without a key argument too
                for args in (("KEYS", "*"), ("SCAN", "0"), ("RANDOMKEY",), ("DBSIZE",),
                             ("EXISTS", "k"), ("MGET", "k", "x")):
                    with self.assertRaises(ReplyError, msg=repr(args)) as cm:
                        conn.call(*args)
                    self.assertEqual(cm.exception.moved, leader.client_addr, args)
                # connection and server commands are still answered here
                self.assertEqual(conn.call("PING"), b"PONG")
                self.assertIn(b"raft_role:follower", conn.call("INFO", "raft"))
        # redis-cli -c reads through the redirection
        self.assertEqual(cluster.redis_cli(c.followers(leader)[0], "GET", "k").strip(), "v199")

    def test_lease_reads(self):
        c = self.cluster(3, read_mode="lease")
        leader = c.leader()
        t0 = time.monotonic()
        with leader.conn() as w, leader.conn() as r:
            for i in range(200):
                self.assertEqual(w.call("SET", "k", "v%d" % i), b"OK")
                self.assertEqual(r.call("GET", "k"), b"v%d" % i)
        elapsed = time.monotonic() - t0
        i = leader.info()
        self.assertEqual(i["raft_read_mode"], "lease")
        # One ReadIndex round per lease (0.8 s here), not one per read.
        self.assertLessEqual(int(i["raft_read_index_requests"]), 2 + elapsed / 0.8)
        for f in c.followers(leader):
            with f.conn() as conn:
                with self.assertRaises(ReplyError) as cm:
                    conn.call("GET", "k")
                self.assertEqual(cm.exception.moved, leader.client_addr)

    def test_lease_after_pause(self):
        """A leader paused past its lease must not answer from its old state
        when it resumes: the lease is measured on the monotonic clock, not
        in the ticks the paused process missed."""
        c = self.cluster(3, read_mode="lease")
        old = c.leader()
        c.write("SET", "k", "old")
        self.assertEqual(old.call("GET", "k"), b"old")  # a lease is held
        conns = [old.conn(30) for _ in range(5)]
        old.pause()
        new = c.leader(nodes=[n for n in c.nodes if n is not old])
        self.assertEqual(new.call("SET", "k", "new"), b"OK")
        for conn in conns:
            conn.send("GET", "k")  # queued in the paused process's socket
        old.resume()
        replies = []
        for conn in conns:
            try:
                replies.append(conn.reply())
            except ReplyError as e:
                replies.append(e.text)
            conn.close()
        self.assertNotIn(b"old", replies, "a deposed leader served a stale lease read")
        for r in replies:
            self.assertIn(r, (b"new", "MOVED 0 %s" % new.client_addr, "CLUSTERDOWN No raft leader"))

if __name__ == "__main__":
    print("seed %d (CLUSTER_SEED)" % SEED)
    harness.main()
