"""Blocking list pops end to end: BLPOP/BRPOP/BLMOVE/BRPOPLPUSH served at
once or after a push, waiters served oldest first, one element each,
timeouts, a waiter that disconnects, pipelined commands waiting behind a
blocked one, MULTI, the AOF logging the pop that happened, and Raft (a
single node and a 3-node cluster: the leader blocks, followers redirect)."""

import socket
import threading
import time

import redis

import harness
from harness import ServerTestCase, main
from test_aof import AofServer
from test_raft_single import RaftServer
from cluster import Cluster, Conn


def raw(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    return s


def enc(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


def recv_until(s, n, timeout=5.0):
    s.settimeout(timeout)
    data = b""
    while len(data) < n:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


class Waiter(threading.Thread):
    """A client running one blocking command in a thread."""

    def __init__(self, port, *cmd):
        super().__init__(daemon=True)
        self.port, self.cmd, self.result, self.error = port, cmd, None, None
        self.done_at = None

    def run(self):
        r = redis.Redis(port=self.port, socket_timeout=30)
        try:
            self.result = r.execute_command(*self.cmd)
        except Exception as e:  # noqa: BLE001 - reported by the test
            self.error = e
        self.done_at = time.monotonic()
        r.close()


def blocked_clients(r):
    return r.info("clients")["blocked_clients"]


def wait_blocked(r, n, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if blocked_clients(r) == n:
            return
        time.sleep(0.01)
    raise AssertionError("blocked_clients never reached %d" % n)


class BlockingTest(ServerTestCase):
    def test_served_at_once_and_wrongtype(self):
        r = self.r
        r.rpush("b", "x")
        self.assertEqual(r.blpop(["a", "b"], 1), (b"b", b"x"))
        r.rpush("a", "1", "2")
        self.assertEqual(r.brpop(["a"], 1), (b"a", b"2"))
        r.set("s", "v")
        with self.assertRaises(redis.ResponseError) as cm:
            r.blpop(["s"], 1)
        self.assertIn("WRONGTYPE", str(cm.exception))
        for bad, msg in ((["BLPOP", "a", "x"], "timeout is not a float or out of range"),
                         (["BLPOP", "a", "-1"], "timeout is negative")):
            with self.assertRaises(redis.ResponseError) as cm:
                r.execute_command(*bad)
            self.assertEqual(str(cm.exception), msg)

    def test_fifo_one_element_each(self):
        r = self.r
        ws = []
        for i in range(3):
            w = Waiter(self.s.port, "BLPOP", "q", 10)
            w.start()
            wait_blocked(r, i + 1)  # registered in this order
            ws.append(w)
        r.rpush("q", "first")
        ws[0].join(5)
        self.assertEqual(ws[0].result, (b"q", b"first"))
        self.assertIsNone(ws[1].result)
        r.rpush("q", "a", "b")  # one push serves the two others, in order
        for w in ws[1:]:
            w.join(5)
        self.assertEqual([w.result for w in ws[1:]], [(b"q", b"a"), (b"q", b"b")])
        self.assertEqual(blocked_clients(r), 0)
        self.assertEqual(r.exists("q"), 0)

    def test_several_keys_and_blmove(self):
        r = self.r
        w = Waiter(self.s.port, "BLPOP", "k1", "k2", 10)
        w.start()
        wait_blocked(r, 1)
        r.rpush("k2", "v2")
        w.join(5)
        self.assertEqual(w.result, (b"k2", b"v2"))
        m = Waiter(self.s.port, "BLMOVE", "src", "dst", "LEFT", "RIGHT", 10)
        m.start()
        wait_blocked(r, 1)
        r.rpush("src", "e1", "e2")
        m.join(5)
        self.assertEqual(m.result, b"e1")
        self.assertEqual(r.lrange("dst", 0, -1), [b"e1"])
        self.assertEqual(r.lrange("src", 0, -1), [b"e2"])
        self.assertEqual(r.brpoplpush("src", "dst", 1), b"e2")

    def test_timeouts(self):
        r = self.r
        t0 = time.monotonic()
        self.assertIsNone(r.blpop(["none"], 0.1))
        took = time.monotonic() - t0
        self.assertGreaterEqual(took, 0.09)
        self.assertLess(took, 2.0)
        self.assertIsNone(r.blmove("none", "d", 0.05, "LEFT", "LEFT"))
        # 0 = forever: still blocked after a while, served by a push
        w = Waiter(self.s.port, "BRPOP", "later", 0)
        w.start()
        wait_blocked(r, 1)
        time.sleep(0.3)
        self.assertIsNone(w.result)
        r.lpush("later", "z")
        w.join(5)
        self.assertEqual(w.result, (b"later", b"z"))
        # RESP3 timeout is a null
        s = raw(self.s.port)
        s.sendall(enc("HELLO", "3"))
        time.sleep(0.1)
        s.recv(65536)
        s.sendall(enc("BLPOP", "none", "0.05"))
        self.assertEqual(recv_until(s, 3), b"_\r\n")
        s.close()

    def test_disconnect_and_pipeline(self):
        r = self.r
        gone = raw(self.s.port)
        gone.sendall(enc("BLPOP", "p", 0))
        wait_blocked(r, 1)
        stay = raw(self.s.port)
        # pipelined: the PING waits behind the blocked BLPOP
        stay.sendall(enc("BLPOP", "p", 0) + enc("PING"))
        wait_blocked(r, 2)
        gone.close()
        wait_blocked(r, 1)
        stay.settimeout(0.3)
        with self.assertRaises(socket.timeout):
            stay.recv(100)
        r.rpush("p", "only")
        want = b"*2\r\n$1\r\np\r\n$4\r\nonly\r\n+PONG\r\n"
        self.assertEqual(recv_until(stay, len(want)), want)
        stay.close()
        self.assertEqual(blocked_clients(r), 0)

    def test_multi_does_not_block(self):
        r = self.r
        p = r.pipeline(transaction=True)
        p.blpop(["none"], 0)
        p.ping()
        self.assertEqual(p.execute(), [None, True])

    def test_client_list_flag(self):
        r = self.r
        w = Waiter(self.s.port, "BLPOP", "f", 10)
        w.start()
        wait_blocked(r, 1)
        flags = [c["flags"] for c in r.client_list()]
        self.assertIn("b", flags)
        r.rpush("f", "1")
        w.join(5)


class BlockingAofTest(harness.unittest.TestCase):
    def test_logged_as_the_pop(self):
        s = AofServer(fsync="always")
        try:
            r = s.client()
            w = Waiter(s.port, "BLPOP", "q", "x", 10)
            w.start()
            wait_blocked(r, 1)
            r.rpush("x", "a", "b")
            w.join(5)
            self.assertEqual(w.result, (b"x", b"a"))
            r.rpush("src", "m")
            self.assertEqual(r.blmove("src", "dst", 1, "RIGHT", "LEFT"), b"m")
            r.close()
            with open(s.aof_path, "rb") as f:
                log = f.read()
            self.assertNotIn(b"BLPOP", log)
            self.assertNotIn(b"BLMOVE", log)
            self.assertIn(b"LPOP", log)
            self.assertIn(b"LMOVE", log)
            s.restart()
            r = s.client()
            self.assertEqual(r.lrange("x", 0, -1), [b"b"])
            self.assertEqual(r.lrange("dst", 0, -1), [b"m"])
            self.assertEqual(r.exists("src"), 0)
            r.close()
        finally:
            s.cleanup()


class BlockingRaftTest(harness.unittest.TestCase):
    def test_single_node(self):
        s = RaftServer()
        try:
            r = s.client()
            w = Waiter(s.port, "BLPOP", "q", 10)
            w.start()
            wait_blocked(r, 1)
            r.rpush("q", "v1", "v2")
            w.join(5)
            self.assertEqual(w.result, (b"q", b"v1"))
            self.assertEqual(r.lrange("q", 0, -1), [b"v2"])
            self.assertIsNone(r.blpop(["none"], 0.1))
            # pushes and a blocking pop pipelined by one client: it sees
            # its own push
            p = r.pipeline(transaction=False)
            p.rpush("own", "mine")
            p.blpop(["own"], 1)
            self.assertEqual(p.execute(), [1, (b"own", b"mine")])
            r.close()
            s.restart()
            r = s.client()
            self.assertEqual(r.lrange("q", 0, -1), [b"v2"])
            self.assertEqual(r.exists("own"), 0)
            r.close()
        finally:
            s.cleanup()

    def test_cluster(self):
        cl = Cluster(3, read_mode="stale", election_ms=500, heartbeat_ms=50)
        try:
            leader = cl.leader()
            follower = cl.followers(leader)[0]
            with follower.conn() as c:
                try:
                    c.call("BLPOP", "q", 1)
                    self.fail("a follower must redirect")
                except Exception as e:  # noqa: BLE001
                    self.assertIn("MOVED", str(e))
            ws = [Waiter(leader.port, "BLPOP", "q", 10) for _ in range(2)]
            r = redis.Redis(port=leader.port)
            for i, w in enumerate(ws):
                w.start()
                wait_blocked(r, i + 1)
            with leader.conn() as c:
                c.call("RPUSH", "q", "a", "b", "c")
            for w in ws:
                w.join(5)
            self.assertEqual(sorted(w.result[1] for w in ws), [b"a", b"b"])
            self.assertEqual(ws[0].result, (b"q", b"a"))
            cl.wait_converged()
            for node in cl.nodes:
                with node.conn() as c:
                    self.assertEqual(c.call("LRANGE", "q", 0, -1), [b"c"])
            r.close()
        finally:
            cl.cleanup()


if __name__ == "__main__":
    main()
