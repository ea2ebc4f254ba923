"""Transactions (MULTI, EXEC, DISCARD, WATCH, UNWATCH) against real servers.

  1. redis-py pipelines with transaction=True, exact replies on a raw
     socket (RESP2 and RESP3), EXECABORT, DISCARD, redis-cli;
  2. isolation: a transaction runs with no other client in between; WATCH
     races: optimistic-locking INCR loops from two threads end with the
     exact total; WATCH and expiry;
  3. the AOF: one frame per EXEC (none for a transaction that changed
     nothing), a restart sees it; a frame torn in the middle loses the whole
     transaction; kill -9 during a stream of transactions, then restart:
     every transaction is there entirely or not at all, and every
     acknowledged one is there;
  4. Raft, one node: one log entry per EXEC, the WATCH races, kill -9 and
     replay; three nodes: an EXEC on the leader is applied on the
     followers, a follower answers EXEC with -MOVED.
"""

import os
import random
import signal
import threading
import time
import unittest

import redis

import harness
from cluster import Cluster, Conn, ReplyError, parse_info, wait_for
from test_aof import AofTestCase, frames

RAFT_ENV = {"USE_RAFT": "1", "RAFT_DIR": "./raftdata"}
EXECABORT = "EXECABORT Transaction discarded because of previous errors."


def raw(port, timeout=10.0):
    return Conn(port, timeout=timeout)


def call_err(conn, *args):
    """The error text of a command expected to fail."""
    try:
        conn.call(*args)
    except ReplyError as e:
        return e.text
    raise AssertionError("%r did not fail" % (args,))


def optimistic_incr(port, key, n, retries, errors):
    """n increments of key by WATCH / GET / MULTI / SET / EXEC, retried on
    a failed EXEC (a null reply); counts the retries."""
    try:
        r = redis.Redis(host="127.0.0.1", port=port, socket_timeout=20)

        def step(pipe):
            v = int(pipe.get(key) or 0)
            if random.random() < 0.3:
                time.sleep(0.001)  # widen the window for the other writer
            pipe.multi()
            pipe.set(key, v + 1)

        for _ in range(n):
            while True:
                with r.pipeline() as pipe:
                    try:
                        pipe.watch(key)
                        step(pipe)
                        pipe.execute()
                        break
                    except redis.WatchError:
                        retries.append(1)
        r.close()
    except Exception as e:  # reported by the test
        errors.append(e)


def watch_race(tc, port, n=150):
    retries, errors = [], []
    threads = [threading.Thread(target=optimistic_incr, args=(port, "counter", n, retries, errors))
               for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
        tc.assertFalse(t.is_alive())
    tc.assertEqual(errors, [])
    r = redis.Redis(host="127.0.0.1", port=port)
    tc.assertEqual(int(r.get("counter")), 2 * n)
    r.close()
    return len(retries)


SANITIZER_MARKS = ("AddressSanitizer", "LeakSanitizer", "runtime error:")


class TestTransactions(harness.ServerTestCase):
    @classmethod
    def tearDownClass(cls):
        rc = cls.s.stop()
        log = cls.s.log()
        cls.s.cleanup()
        assert rc == 0, "exit status %r:\n%s" % (rc, log[-3000:])
        for bad in SANITIZER_MARKS:
            assert bad not in log, log[-5000:]

    def test_pipeline(self):
        p = self.r.pipeline(transaction=True)
        p.set("a", 1).incr("a").get("a").rpush("l", "x", "y").lrange("l", 0, -1)
        self.assertEqual(p.execute(), [True, 2, b"2", 2, [b"x", b"y"]])
        # an error at execution is one element; the rest ran
        self.r.set("s", "abc")
        p = self.r.pipeline(transaction=True)
        p.incr("s").set("t", "1")
        out = p.execute(raise_on_error=False)
        self.assertIsInstance(out[0], redis.ResponseError)
        self.assertEqual(str(out[0]), "value is not an integer or out of range")
        self.assertEqual(out[1], True)
        self.assertEqual(self.r.get("t"), b"1")

    def test_replies_resp2(self):
        with raw(self.s.port) as c:
            self.assertEqual(c.call("MULTI"), b"OK")
            self.assertEqual(call_err(c, "MULTI"), "ERR MULTI calls can not be nested")
            self.assertEqual(call_err(c, "WATCH", "k"), "ERR WATCH inside MULTI is not allowed")
            self.assertEqual(c.call("SET", "k", "v"), b"QUEUED")
            self.assertEqual(c.call("GET", "k"), b"QUEUED")
            self.assertEqual(c.call("EXEC"), [b"OK", b"v"])
            self.assertEqual(call_err(c, "EXEC"), "ERR EXEC without MULTI")
            self.assertEqual(call_err(c, "DISCARD"), "ERR DISCARD without MULTI")
            # refused while queueing: the whole transaction is discarded
            c.call("MULTI")
            self.assertEqual(c.call("SET", "k", "w"), b"QUEUED")
            self.assertEqual(call_err(c, "SET", "k"),
                             "ERR wrong number of arguments for 'set' command")
            self.assertEqual(call_err(c, "NOPE"),
                             "ERR unknown command 'NOPE', with args beginning with: ")
            self.assertEqual(call_err(c, "EXEC"), EXECABORT)
            self.assertEqual(c.call("GET", "k"), b"v")
            # DISCARD
            c.call("MULTI")
            c.call("SET", "k", "x")
            self.assertEqual(c.call("DISCARD"), b"OK")
            self.assertEqual(c.call("GET", "k"), b"v")
        # the exact bytes of a null EXEC and of +QUEUED
        out = self.s.raw(b"WATCH k\r\nSET k 1\r\nMULTI\r\nGET k\r\nEXEC\r\n", read_timeout=0.5)
        self.assertEqual(out, b"+OK\r\n+OK\r\n+OK\r\n+QUEUED\r\n*-1\r\n")

    def test_replies_resp3(self):
        out = self.s.raw(b"HELLO 3\r\nMULTI\r\nGET nokey\r\nEXEC\r\n"
                         b"WATCH k\r\nSET k 1\r\nMULTI\r\nGET k\r\nEXEC\r\n", read_timeout=0.5)
        hello_end = out.index(b"+OK\r\n")
        self.assertEqual(out[hello_end:],
                         b"+OK\r\n+QUEUED\r\n*1\r\n_\r\n+OK\r\n+OK\r\n+OK\r\n+QUEUED\r\n_\r\n")

    def test_redis_cli(self):
        out = self.s.cli(input=b"MULTI\nINCR n\nINCR n\nEXEC\n")
        self.assertEqual(out.split(), ["OK", "QUEUED", "QUEUED", "1", "2"])
        out = self.s.cli("COMMAND", "INFO", "exec")
        self.assertIn("@transaction", out)

    def test_isolation(self):
        # transactions moving 1 from x to y, against readers: no reader ever
        # sees a half-done transfer
        self.r.mset({"x": 1000, "y": 0})
        stop = threading.Event()
        bad, errors = [], []

        def reader():
            try:
                r = self.s.client()
                while not stop.is_set():
                    x, y = r.mget("x", "y")
                    if int(x) + int(y) != 1000:
                        bad.append((x, y))
                r.close()
            except Exception as e:
                errors.append(e)

        t = threading.Thread(target=reader)
        t.start()
        try:
            for _ in range(300):
                p = self.r.pipeline(transaction=True)
                p.decr("x").incr("y")
                p.execute()
        finally:
            stop.set()
            t.join(20)
        self.assertEqual(errors, [])
        self.assertEqual(bad, [])
        self.assertEqual(self.r.mget("x", "y"), [b"700", b"300"])

    def test_watch_race(self):
        retries = watch_race(self, self.s.port)
        print("\n  %d retried EXECs" % retries)

    def test_watch_and_expiry(self):
        self.r.set("e", "1", px=150)
        p = self.r.pipeline()
        p.watch("e")
        time.sleep(0.3)
        p.multi()
        p.set("e", "2")
        self.assertRaises(redis.WatchError, p.execute)
        p.reset()
        # a missing key watched and then created by another client
        p = self.r.pipeline()
        p.watch("m")
        self.s.client().set("m", "theirs")
        p.multi()
        p.set("m", "mine")
        self.assertRaises(redis.WatchError, p.execute)
        self.assertEqual(self.r.get("m"), b"theirs")

    def test_client_list(self):
        with raw(self.s.port) as c:
            c.call("CLIENT", "SETNAME", "tx")
            c.call("MULTI")
            c.call("PING")
            line = [ln for ln in self.r.client_list() if ln["name"] == "tx"][0]
            self.assertIn("x", line["flags"])
            c.call("DISCARD")
        # a client that goes away inside MULTI, watching keys
        c = raw(self.s.port)
        c.call("WATCH", "w1", "w2")
        c.call("MULTI")
        c.call("SET", "w1", "x")
        c.close()
        time.sleep(0.1)
        self.r.set("w1", "1")
        self.r.flushall()
        self.assertEqual(self.r.ping(), True)


def count_frames(path):
    with open(path, "rb") as f:
        return len(frames(f.read()))


class TestTransactionsAof(AofTestCase):
    def test_one_frame_per_exec(self):
        s = self.server("always", extra=["--auto-aof-rewrite-enabled", "no"])
        with raw(s.port) as c:
            c.call("SET", "before", "1")
            n0 = count_frames(s.aof_path)
            c.call("MULTI")
            for i in range(20):
                c.call("SET", "a%d" % i, i)
            c.call("SELECT", "3")
            c.call("INCRBY", "b", 7)
            c.call("EXPIRE", "b", 1000)
            c.call("SELECT", "0")
            c.call("SET", "c", "1")
            self.assertEqual(len(c.call("EXEC")), 25)
            self.assertEqual(count_frames(s.aof_path), n0 + 1)
            # nothing changed: no frame
            c.call("MULTI")
            c.call("GET", "a1")
            c.call("DEL", "nokey")
            c.call("EXEC")
            self.assertEqual(count_frames(s.aof_path), n0 + 1)
            # ends in another db than it began
            c.call("MULTI")
            c.call("SET", "d", "1")
            c.call("SELECT", "5")
            c.call("SET", "e", "1")
            c.call("EXEC")
            c.call("SET", "f", "1")  # in db 5
            self.assertEqual(count_frames(s.aof_path), n0 + 3)
        s.restart()
        r = s.client()
        self.assertEqual(r.get("a19"), b"19")
        self.assertEqual(r.get("d"), b"1")
        r.close()
        r3 = s.client(db=3)
        self.assertEqual(r3.get("b"), b"7")
        self.assertGreater(r3.ttl("b"), 900)
        r3.close()
        r5 = s.client(db=5)
        self.assertEqual(sorted(r5.keys()), [b"e", b"f"])
        r5.close()

    def test_torn_transaction_frame_is_lost_whole(self):
        s = self.server("always")
        r = s.client()
        r.set("before", "1")
        p = r.pipeline(transaction=True)
        for i in range(50):
            p.set("t%d" % i, "x" * 100)
        p.execute()
        r.close()
        s.stop()
        with open(s.aof_path, "rb") as f:
            data = f.read()
        last = frames(data)[-1]
        self.assertGreater(last[2], 50 * 100)  # the whole transaction in one frame
        for cut in (last[0] + 40, last[0] + last[3] // 2, last[0] + last[3] - 1):
            os.truncate(s.aof_path, cut)
            s.start()
            r = s.client()
            self.assertEqual(r.get("before"), b"1")
            self.assertEqual(r.keys("t*"), [])
            r.close()
            s.stop()
            with open(s.aof_path, "wb") as f:
                f.write(data)
        s.start()
        r = s.client()
        self.assertEqual(len(r.keys("t*")), 50)
        r.close()

    def test_kill9_during_transactions(self):
        seed = int(os.environ.get("MULTI_CRASH_SEED", str(int(time.time() * 1000) % 1000000)))
        rng = random.Random(seed)
        s = self.server("always", extra=["--auto-aof-rewrite-enabled", "no"])
        started = set()   # transactions sent (EXEC sent or not)
        acked = set()     # transactions whose EXEC reply came back
        for rnd in range(4):
            where = "seed %d round %d" % (seed, rnd)
            writers = [TxWriter(s.port, "r%dw%d" % (rnd, w), pipelined=(w == 1))
                       for w in range(2)]
            for w in writers:
                w.start()
            time.sleep(rng.uniform(0.1, 0.4))
            s.stop(sig=signal.SIGKILL)
            for w in writers:
                w.join(10)
                self.assertFalse(w.is_alive(), where)
                self.assertIsNone(w.error, where)
                started |= set(w.started)
                acked |= set(w.acked)
            self.assertTrue(acked, where)
            s.start()
            r = s.client()
            complete = 0
            for tx in sorted(started):
                got = r.mget(["%s:%d" % (tx, j) for j in range(TxWriter.KEYS)])
                present = sum(v is not None for v in got)
                self.assertIn(present, (0, TxWriter.KEYS),
                              "%s: transaction %s applied in part: %r" % (where, tx, got))
                if tx in acked:
                    self.assertEqual(present, TxWriter.KEYS, "%s: acked %s lost" % (where, tx))
                if present:
                    complete += 1
            self.assertEqual(int(r.get("total") or 0), complete * TxWriter.KEYS, where)
            r.close()


class TxWriter(threading.Thread):
    """Transactions of KEYS SETs and an INCRBY total KEYS, until the
    connection dies; pipelined: several transactions per write."""
    KEYS = 5

    def __init__(self, port, prefix, pipelined=False):
        super().__init__(daemon=True)
        self.port, self.prefix, self.pipelined = port, prefix, pipelined
        self.started, self.acked = [], []
        self.error = None

    def tx_cmds(self, tx):
        cmds = [("MULTI",)]
        cmds += [("SET", "%s:%d" % (tx, j), "v") for j in range(self.KEYS)]
        cmds += [("INCRBY", "total", self.KEYS), ("EXEC",)]
        return cmds

    def run(self):
        try:
            c = Conn(self.port, timeout=10)
        except OSError as e:
            self.error = e
            return
        i = 0
        try:
            while True:
                batch = ["%s_%d" % (self.prefix, i + k) for k in range(4 if self.pipelined else 1)]
                payload = b"".join(Conn.encode(*cmd) for tx in batch for cmd in self.tx_cmds(tx))
                self.started += batch
                c.sock.sendall(payload)
                for tx in batch:
                    for _ in range(self.KEYS + 2):
                        c.reply()
                    out = c.reply()
                    if not isinstance(out, list) or len(out) != self.KEYS + 1:
                        self.error = AssertionError("EXEC of %s: %r" % (tx, out))
                        return
                    self.acked.append(tx)
                i += len(batch)
        except (ConnectionError, OSError):
            pass  # the kill
        finally:
            c.close()


# ---- Raft ----

def raft_info(port):
    with Conn(port) as c:
        return parse_info(c.call("INFO", "raft"))


class RaftNode(harness.Server):
    def __init__(self, **kw):
        super().__init__(env=RAFT_ENV, **kw)


class TestTransactionsRaft(unittest.TestCase):
    def setUp(self):
        self.s = RaftNode()

    def tearDown(self):
        rc = self.s.stop()
        log = self.s.log()
        self.s.cleanup()
        self.assertEqual(rc, 0, log[-3000:])
        for bad in SANITIZER_MARKS:
            self.assertNotIn(bad, log)

    def applied(self):
        return int(raft_info(self.s.port)["raft_applied_index"])

    def test_one_entry_per_exec(self):
        with raw(self.s.port) as c:
            c.call("SET", "x", "1")
            a0 = self.applied()
            c.call("MULTI")
            self.assertEqual(c.call("INCR", "x"), b"QUEUED")
            c.call("SELECT", "2")
            c.call("SET", "y", "1")
            c.call("GET", "y")
            self.assertEqual(c.call("EXEC"), [2, b"OK", b"OK", b"1"])
            self.assertEqual(self.applied(), a0 + 1)
            # the SELECT inside moved this client
            self.assertEqual(c.call("GET", "y"), b"1")
            c.call("SELECT", "0")
            # errors inside, EXECABORT, empty: as without Raft
            c.call("SET", "s", "abc")
            a1 = self.applied()
            c.call("MULTI")
            c.call("INCR", "s")
            c.call("SET", "z", "1")
            out = c.call("EXEC")
            self.assertIsInstance(out[0], ReplyError)
            self.assertEqual(out[1], b"OK")
            c.call("MULTI")
            call_err(c, "SET")
            self.assertEqual(call_err(c, "EXEC"), EXECABORT)
            c.call("MULTI")
            self.assertEqual(c.call("EXEC"), [])
            self.assertEqual(self.applied(), a1 + 1)
            # a dirty WATCH is decided without an entry
            c.call("WATCH", "x")
            with Conn(self.s.port) as other:
                other.call("SET", "x", "9")
            a2 = self.applied()
            c.call("MULTI")
            c.call("SET", "x", "10")
            self.assertIsNone(c.call("EXEC"))
            self.assertEqual(self.applied(), a2)
            self.assertEqual(c.call("GET", "x"), b"9")
            # pipelined: a write, a transaction, a read, in order
            c.sock.sendall(b"".join(Conn.encode(*a) for a in (
                ("SET", "p", "1"), ("MULTI",), ("INCR", "p"), ("EXEC",), ("GET", "p"))))
            self.assertEqual([c.reply() for _ in range(5)], [b"OK", b"OK", b"QUEUED", [2], b"2"])

    def test_watch_race(self):
        # with a third client writing other keys meanwhile (those proposals
        # wait while a watching EXEC decides)
        stop = threading.Event()
        errors = []

        def other():
            try:
                with Conn(self.s.port) as c:
                    while not stop.is_set():
                        c.call("INCR", "other")
            except Exception as e:
                errors.append(e)

        t = threading.Thread(target=other)
        t.start()
        try:
            retries = watch_race(self, self.s.port, n=100)
        finally:
            stop.set()
            t.join(20)
        self.assertEqual(errors, [])
        print("\n  %d retried EXECs" % retries)

    def test_kill9_and_replay(self):
        started, acked = set(), set()
        for rnd in range(3):
            w = TxWriter(self.s.port, "r%d" % rnd, pipelined=True)
            w.start()
            time.sleep(0.3)
            self.s.stop(sig=signal.SIGKILL)
            w.join(10)
            self.assertIsNone(w.error)
            started |= set(w.started)
            acked |= set(w.acked)
            self.s.start()
            r = self.s.client()
            complete = 0
            for tx in sorted(started):
                got = r.mget(["%s:%d" % (tx, j) for j in range(TxWriter.KEYS)])
                present = sum(v is not None for v in got)
                self.assertIn(present, (0, TxWriter.KEYS), "transaction %s in part" % tx)
                if tx in acked:
                    self.assertEqual(present, TxWriter.KEYS, "acked %s lost" % tx)
                complete += present > 0
            self.assertEqual(int(r.get("total") or 0), complete * TxWriter.KEYS)
            r.close()
        self.assertTrue(acked)


class TestTransactionsCluster(unittest.TestCase):
    def test_three_nodes(self):
        cl = Cluster(3, read_mode="stale", election_ms=500, heartbeat_ms=50)
        try:
            leader = cl.leader()
            followers = cl.followers(leader)
            with leader.conn() as c:
                c.call("MULTI")
                for i in range(10):
                    c.call("SET", "k%d" % i, i)
                c.call("INCRBY", "n", 10)
                self.assertEqual(len(c.call("EXEC")), 11)
            cl.wait_converged()
            for f in followers:
                with f.conn() as c:
                    self.assertEqual(c.call("MGET", "k0", "k9", "n"), [b"0", b"9", b"10"])
            # a follower queues, then redirects the EXEC and forgets it
            with followers[0].conn() as c:
                c.call("MULTI")
                self.assertEqual(c.call("SET", "f", "1"), b"QUEUED")
                e = call_err(c, "EXEC")
                self.assertEqual(e, "MOVED 0 %s" % leader.client_addr)
                self.assertEqual(call_err(c, "EXEC"), "ERR EXEC without MULTI")
            # WATCH races on the leader; every node ends with the total
            retries = watch_race(self, leader.port, n=60)
            cl.wait_converged()
            for node in cl.nodes:
                with node.conn() as c:
                    self.assertEqual(c.call("GET", "counter"), b"120")
            print("\n  %d retried EXECs" % retries)
        finally:
            cl.cleanup()


if __name__ == "__main__":
    harness.main()
