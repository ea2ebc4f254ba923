"""Pub/sub end to end on a real server: redis-py's PubSub with channels and
patterns, redis-cli SUBSCRIBE in a subprocess receiving a PUBLISH, RESP2
subscribed mode and RESP3 push messages on raw sockets (redis-py 4.3 speaks
RESP2 only), PUBSUB introspection, INFO and CLIENT LIST fields, cleanup
when a subscriber disconnects, PUBLISH with Raft on (local delivery), and
client-output-buffer-limit: a subscriber that never reads is disconnected
(hard limit, soft limit) while the server's peak RSS stays bounded and the
other clients keep being served; the YAML form of the limit."""

import os
import socket
import subprocess
import time
import unittest

import redis

import harness
from harness import REDIS_CLI, Server, ServerTestCase, main

CONTEXT_ERR = ("Can't execute '%s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / "
               "RESET are allowed in this context")


def enc(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


class Push(list):
    """A RESP3 push message (>)."""


class RespError(Exception):
    pass


class Conn:
    """A raw connection with a small RESP2/RESP3 reader."""

    def __init__(self, port, rcvbuf=None, timeout=10):
        self.s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            # Before connecting: shrinking a live connection's window can
            # stall Linux's TCP.
            self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.s.settimeout(timeout)
        self.s.connect(("127.0.0.1", port))
        self.buf = b""

    def send(self, *args):
        self.s.sendall(enc(*args))

    def call(self, *args):
        self.send(*args)
        return self.read()

    def _fill(self):
        chunk = self.s.recv(65536)
        if not chunk:
            raise ConnectionError("closed by the server")
        self.buf += chunk

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exact(self, n):
        while len(self.buf) < n + 2:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def read(self):
        line = self._line()
        t, rest = line[:1], line[1:]
        if t == b"+":
            return rest.decode()
        if t == b"-":
            return RespError(rest.decode())
        if t == b":":
            return int(rest)
        if t == b"$":
            n = int(rest)
            return None if n < 0 else self._exact(n)
        if t == b"_":
            return None
        if t in (b"*", b">", b"~"):
            n = int(rest)
            if n < 0:
                return None
            items = [self.read() for _ in range(n)]
            return Push(items) if t == b">" else items
        if t == b"%":
            return dict((self.read(), self.read()) for _ in range(int(rest)))
        raise AssertionError("unexpected RESP type %r" % line)

    def close(self):
        self.s.close()


def wait_for(pred, timeout=5.0, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return
        time.sleep(0.02)
    raise AssertionError("timed out waiting for " + what)


def proc_status(pid, field):
    """A kB field of /proc/<pid>/status (VmRSS, VmHWM), in bytes."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no %s for pid %d" % (field, pid))


def rss_slack(pid):
    """How much more peak RSS a sanitizer build may show: ASan's quarantine
    keeps freed blocks (each step of a growing buffer) resident for a
    while."""
    with open("/proc/%d/maps" % pid) as f:
        return 3 if "libasan" in f.read() else 1


class PubSubTest(ServerTestCase):
    def numsub(self, ch):
        return dict(self.r.pubsub_numsub(ch))[ch.encode() if isinstance(ch, str) else ch]

    def next_message(self, p, timeout=5.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            m = p.get_message(timeout=0.2)
            if m is not None:
                return m
        raise AssertionError("no message within %ss" % timeout)

    def test_redis_py_channels_and_patterns(self):
        p = self.r.pubsub()
        try:
            p.subscribe("news", "sport")
            p.psubscribe("n*")
            confirmations = [self.next_message(p) for _ in range(3)]
            self.assertEqual([(m["type"], m["channel"], m["data"]) for m in confirmations],
                             [("subscribe", b"news", 1), ("subscribe", b"sport", 2),
                              ("psubscribe", b"n*", 3)])
            self.assertEqual(self.r.publish("news", "hello"), 2)
            got = [self.next_message(p) for _ in range(2)]
            self.assertEqual(got[0], {"type": "message", "pattern": None, "channel": b"news",
                                      "data": b"hello"})
            self.assertEqual(got[1], {"type": "pmessage", "pattern": b"n*",
                                      "channel": b"news", "data": b"hello"})
            self.assertEqual(self.r.publish("sport", b"\x00bin\r\n"), 1)
            self.assertEqual(self.next_message(p)["data"], b"\x00bin\r\n")
            self.assertEqual(self.r.publish("nothing", "x"), 1)  # the pattern only
            self.assertEqual(self.next_message(p)["type"], "pmessage")
            self.assertEqual(self.r.publish("other", "x"), 0)

            self.assertEqual(sorted(self.r.pubsub_channels()), [b"news", b"sport"])
            self.assertEqual(self.r.pubsub_channels("s*"), [b"sport"])
            self.assertEqual(self.r.pubsub_numsub("news", "none"), [(b"news", 1), (b"none", 0)])
            self.assertEqual(self.r.pubsub_numpat(), 1)

            # PING in subscribed mode (RESP2: ["pong", ""])
            p.ping()
            self.assertEqual(self.next_message(p)["type"], "pong")

            p.unsubscribe("news")
            m = self.next_message(p)
            self.assertEqual((m["type"], m["channel"], m["data"]), ("unsubscribe", b"news", 2))
            p.punsubscribe()
            m = self.next_message(p)
            self.assertEqual((m["type"], m["channel"], m["data"]), ("punsubscribe", b"n*", 1))
            self.assertEqual(self.r.publish("news", "x"), 0)
            self.assertEqual(self.r.publish("sport", "x"), 1)
        finally:
            p.close()
        wait_for(lambda: self.r.pubsub_numsub("sport") == [(b"sport", 0)],
                 what="the closed subscriber to leave")

    def test_redis_cli_subscribe(self):
        sub = subprocess.Popen([REDIS_CLI, "-h", "127.0.0.1", "-p", str(self.s.port),
                                "SUBSCRIBE", "cli-ch"], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL)
        try:
            wait_for(lambda: self.numsub("cli-ch") == 1, what="redis-cli to subscribe")
            self.assertEqual(self.s.cli("PUBLISH", "cli-ch", "hello from cli").strip(), "1")
            lines = []
            deadline = time.time() + 5
            while "hello from cli" not in lines and time.time() < deadline:
                line = sub.stdout.readline()
                if not line:
                    break
                lines.append(line.decode().rstrip("\n"))
            self.assertEqual(lines, ["subscribe", "cli-ch", "1", "message", "cli-ch",
                                     "hello from cli"])
        finally:
            sub.kill()
            sub.wait()
            sub.stdout.close()
        wait_for(lambda: self.numsub("cli-ch") == 0, what="the killed redis-cli to leave")
        self.assertEqual(self.r.publish("cli-ch", "x"), 0)

    def test_resp2_subscribed_mode(self):
        c = Conn(self.s.port)
        try:
            self.assertEqual(c.call("UNSUBSCRIBE"), [b"unsubscribe", None, 0])
            c.send("SUBSCRIBE", "a", "b")
            self.assertEqual([c.read(), c.read()],
                             [[b"subscribe", b"a", 1], [b"subscribe", b"b", 2]])
            self.assertEqual(c.call("PSUBSCRIBE", "x*"), [b"psubscribe", b"x*", 3])
            err = c.call("GET", "k")
            self.assertIsInstance(err, RespError)
            self.assertEqual(str(err), "ERR " + CONTEXT_ERR % "get")
            self.assertEqual(str(c.call("CONFIG", "GET", "port")),
                             "ERR " + CONTEXT_ERR % "config|get")
            self.assertEqual(c.call("PING"), [b"pong", b""])
            self.assertEqual(c.call("PING", "hi"), [b"pong", b"hi"])
            self.assertEqual(self.r.publish("a", "m1"), 1)
            self.assertEqual(c.read(), [b"message", b"a", b"m1"])
            self.assertEqual(self.r.publish("xy", "m2"), 1)
            self.assertEqual(c.read(), [b"pmessage", b"x*", b"xy", b"m2"])
            # unsubscribe from all channels: one confirmation each, any order
            c.send("UNSUBSCRIBE")
            got = sorted([c.read(), c.read()], key=lambda m: m[2])
            self.assertEqual([m[2] for m in got], [1, 2])
            self.assertEqual(sorted(m[1] for m in got), [b"a", b"b"])
            self.assertEqual(c.call("UNSUBSCRIBE"), [b"unsubscribe", None, 1])
            # RESET leaves subscribed mode
            self.assertEqual(c.call("RESET"), "RESET")
            self.assertEqual(self.r.pubsub_numpat(), 0)
            self.assertIsNone(c.call("GET", "k"))
            self.assertEqual(c.call("PING"), "PONG")
        finally:
            c.close()

    def test_resp3_push(self):
        c = Conn(self.s.port)
        try:
            hello = c.call("HELLO", "3")
            self.assertEqual(hello[b"proto"], 3)
            r = c.call("SUBSCRIBE", "a")
            self.assertIsInstance(r, Push)
            self.assertEqual(r, [b"subscribe", b"a", 1])
            self.assertEqual(c.call("PSUBSCRIBE", "a*"), Push([b"psubscribe", b"a*", 2]))
            # any command while subscribed
            self.assertEqual(c.call("SET", "k", "v"), "OK")
            self.assertEqual(c.call("GET", "k"), b"v")
            self.assertEqual(c.call("PING"), "PONG")
            self.assertEqual(self.r.publish("a", "hello"), 2)
            m1, m2 = c.read(), c.read()
            self.assertIsInstance(m1, Push)
            self.assertEqual(m1, [b"message", b"a", b"hello"])
            self.assertIsInstance(m2, Push)
            self.assertEqual(m2, [b"pmessage", b"a*", b"a", b"hello"])
            # it may publish to itself: the push comes before the reply
            c.send("PUBLISH", "a", "self")
            self.assertEqual(c.read(), [b"message", b"a", b"self"])
            self.assertEqual(c.read(), [b"pmessage", b"a*", b"a", b"self"])
            self.assertEqual(c.read(), 2)
            c.send("UNSUBSCRIBE")
            self.assertEqual(c.read(), Push([b"unsubscribe", b"a", 1]))
            self.assertEqual(c.call("UNSUBSCRIBE"), Push([b"unsubscribe", None, 1]))
            # shard channels: their own count and message type
            self.assertEqual(c.call("SSUBSCRIBE", "s"), Push([b"ssubscribe", b"s", 1]))
            self.assertEqual(self.r.execute_command("SPUBLISH", "s", "x"), 1)
            self.assertEqual(c.read(), Push([b"smessage", b"s", b"x"]))
        finally:
            c.close()

    def test_info_and_client_list(self):
        c = Conn(self.s.port)
        try:
            c.call("CLIENT", "SETNAME", "sub1")
            c.send("SUBSCRIBE", "i1", "i2")
            c.read()
            c.read()
            c.call("PSUBSCRIBE", "p*")
            stats = self.r.info("stats")
            self.assertEqual(stats["pubsub_channels"], 2)
            self.assertEqual(stats["pubsub_patterns"], 1)
            self.assertEqual(stats["pubsubshard_channels"], 0)
            self.assertEqual(self.r.info("clients")["pubsub_clients"], 1)
            clients = {x["name"]: x for x in self.r.client_list()}
            self.assertEqual(clients["sub1"]["flags"], "P")
            self.assertEqual((clients["sub1"]["sub"], clients["sub1"]["psub"],
                              clients["sub1"]["ssub"]), ("2", "1", "0"))
            self.assertEqual([x["name"] for x in self.r.client_list(_type="pubsub")], ["sub1"])
            self.assertNotIn("sub1", [x["name"] for x in self.r.client_list(_type="normal")])
        finally:
            c.close()
        wait_for(lambda: self.r.info("stats")["pubsub_channels"] == 0,
                 what="the subscriber's channels to go")
        self.assertEqual(self.r.info("stats")["pubsub_patterns"], 0)
        self.assertEqual(self.r.info("clients")["pubsub_clients"], 0)

    def test_many_subscribers_and_disconnects(self):
        conns = [Conn(self.s.port) for _ in range(50)]
        try:
            for i, c in enumerate(conns):
                c.send("SUBSCRIBE", "all", "mine:%d" % i)
            for c in conns:
                c.read()
                c.read()
            self.assertEqual(self.r.publish("all", "x"), 50)
            for c in conns:
                self.assertEqual(c.read(), [b"message", b"all", b"x"])
            # half of them go away without unsubscribing
            for c in conns[::2]:
                c.close()
            wait_for(lambda: self.numsub("all") == 25, what="25 subscribers to leave")
            self.assertEqual(self.r.publish("all", "y"), 25)
            self.assertEqual(self.r.publish("mine:0", "y"), 0)
            self.assertEqual(self.r.publish("mine:1", "y"), 1)
            for c in conns[1::2]:
                self.assertEqual(c.read(), [b"message", b"all", b"y"])
            self.assertEqual(conns[1].read(), [b"message", b"mine:1", b"y"])
        finally:
            for c in conns:
                c.close()
        wait_for(lambda: self.r.info("stats")["pubsub_channels"] == 0,
                 what="every channel to go")


class RaftPubSubTest(unittest.TestCase):
    def test_publish_with_raft_on(self):
        """PUBLISH is not a write: it is not logged, and it reaches the
        subscribers of the node that received it."""
        s = Server(env={"USE_RAFT": "1", "RAFT_DIR": "./raftdata"})
        try:
            r = s.client()
            wait_for(lambda: r.info("raft").get("raft_role") == "leader", timeout=10,
                     what="the node to lead")
            r.set("k", "v")
            before = r.info("raft")["raft_last_log_index"]
            c = Conn(s.port)
            try:
                self.assertEqual(c.call("SUBSCRIBE", "ch"), [b"subscribe", b"ch", 1])
                self.assertEqual(r.publish("ch", "m"), 1)
                self.assertEqual(c.read(), [b"message", b"ch", b"m"])
            finally:
                c.close()
            self.assertEqual(r.info("raft")["raft_last_log_index"], before)
            self.assertEqual(r.get("k"), b"v")
        finally:
            s.cleanup()


class IdleTimeoutTest(unittest.TestCase):
    def test_subscribers_are_exempt(self):
        """The idle timeout closes idle clients but not subscribers (Redis
        exempts them: they wait for messages)."""
        s = Server(args=["--timeout", "1"])
        try:
            sub, idle = Conn(s.port), Conn(s.port)
            self.assertEqual(sub.call("SUBSCRIBE", "t"), [b"subscribe", b"t", 1])
            self.assertEqual(idle.call("PING"), "PONG")
            time.sleep(2.5)
            r = s.client()
            self.assertEqual(r.publish("t", "still here"), 1)
            self.assertEqual(sub.read(), [b"message", b"t", b"still here"])
            with self.assertRaises((ConnectionError, OSError)):
                idle.s.settimeout(5)
                idle._fill()
            sub.close()
            idle.close()
        finally:
            s.cleanup()


class OutputLimitTest(unittest.TestCase):
    MSG = b"x" * (100 * 1000)

    def slow_subscriber(self, s, channel):
        c = Conn(s.port, rcvbuf=65536)
        self.assertEqual(c.call("SUBSCRIBE", channel), [b"subscribe", channel.encode(), 1])
        return c

    def test_slow_subscriber_is_disconnected(self):
        """50 MB published to a subscriber that never reads: closed at the
        32mb hard limit (the default), peak RSS bounded, others served."""
        s = Server()
        try:
            r, other = s.client(), s.client()
            pid = s.proc.pid
            base = proc_status(pid, "VmHWM")
            slow = self.slow_subscriber(s, "big")
            published, closed_after = 0, None
            worst = 0.0
            for batch in range(25):  # 25 x 20 x 100 kB = 50 MB
                pipe = r.pipeline(transaction=False)
                for _ in range(20):
                    pipe.publish("big", self.MSG)
                res = pipe.execute()
                published += 20 * len(self.MSG)
                if closed_after is None and 0 in res:
                    closed_after = published
                t0 = time.time()
                other.set("k%d" % batch, batch)
                self.assertEqual(other.get("k%d" % batch), str(batch).encode())
                self.assertTrue(other.ping())
                worst = max(worst, time.time() - t0)
            self.assertIsNotNone(closed_after, "the subscriber was never disconnected")
            # 32 MB in its output buffer plus what the sockets hold
            self.assertLessEqual(closed_after, 44 * 1000 * 1000)
            self.assertLess(worst, 2.0)
            growth = proc_status(pid, "VmHWM") - base
            self.assertLess(growth, 100 * 1024 * 1024 * rss_slack(pid),
                            "peak RSS grew by %d bytes" % growth)
            self.assertEqual(r.pubsub_numsub("big"), [(b"big", 0)])
            self.assertEqual(r.info("stats")["client_output_buffer_limit_disconnections"], 1)
            self.assertIn("scheduled to be closed ASAP for overcoming of output buffer limits",
                          s.log())
            # the server closed the connection: what was queued is not sent
            with self.assertRaises((ConnectionError, OSError)):
                slow.s.settimeout(10)
                while True:
                    slow._fill()
                    slow.buf = b""
            slow.close()
        finally:
            s.cleanup()

    def test_small_hard_limit_bounds_rss(self):
        s = Server()
        try:
            r = s.client()
            r.config_set("client-output-buffer-limit", "pubsub 4mb 1mb 60")
            pid = s.proc.pid
            base = proc_status(pid, "VmHWM")
            slow = self.slow_subscriber(s, "big")
            receivers = []
            for _ in range(25):
                pipe = r.pipeline(transaction=False)
                for _ in range(20):
                    pipe.publish("big", self.MSG)
                receivers += pipe.execute()
            self.assertIn(0, receivers)
            # at most the limit plus the sockets' buffers went to it
            self.assertLessEqual(sum(receivers) * len(self.MSG), 16 * 1000 * 1000)
            growth = proc_status(pid, "VmHWM") - base
            self.assertLess(growth, 40 * 1024 * 1024 * rss_slack(pid),
                            "peak RSS grew by %d bytes" % growth)
            self.assertEqual(r.info("stats")["client_output_buffer_limit_disconnections"], 1)
            slow.close()
        finally:
            s.cleanup()

    def test_soft_limit(self):
        """Over the soft limit for longer than its seconds: closed; a burst
        shorter than that is tolerated."""
        s = Server(args=["--client-output-buffer-limit", "pubsub 0 512kb 1"])
        try:
            r = s.client()
            self.assertEqual(r.config_get("client-output-buffer-limit")[
                "client-output-buffer-limit"],
                "normal 0 0 0 slave 268435456 67108864 60 pubsub 0 524288 1")
            slow = self.slow_subscriber(s, "soft")
            # enough to fill the sockets and go over 512 kB here
            for _ in range(8):
                pipe = r.pipeline(transaction=False)
                for _ in range(10):
                    pipe.publish("soft", self.MSG)
                self.assertEqual(pipe.execute(), [1] * 10)
            # still there: the soft limit's clock runs
            self.assertEqual(r.publish("soft", "x"), 1)
            time.sleep(1.3)
            r.publish("soft", "x")
            wait_for(lambda: r.pubsub_numsub("soft") == [(b"soft", 0)],
                     what="the slow subscriber to be closed")
            self.assertEqual(r.info("stats")["client_output_buffer_limit_disconnections"], 1)
            slow.close()
        finally:
            s.cleanup()

    def test_yaml_config(self):
        s = Server(config_text="server:\n"
                               "  client_output_buffer_limit:\n"
                               "    pubsub: 16mb 4mb 30\n"
                               "    normal: 0 0 0\n")
        try:
            r = s.client()
            self.assertEqual(r.config_get("client-output-buffer-limit")[
                "client-output-buffer-limit"],
                "normal 0 0 0 slave 268435456 67108864 60 pubsub 16777216 4194304 30")
            r.config_set("client-output-buffer-limit", "pubsub 1mb 0 0")
            self.assertEqual(r.config_get("client-output-buffer-limit")[
                "client-output-buffer-limit"],
                "normal 0 0 0 slave 268435456 67108864 60 pubsub 1048576 0 0")
            with self.assertRaises(redis.ResponseError) as cm:
                r.config_set("client-output-buffer-limit", "master 1 2 3")
            self.assertIn("Invalid client class specified in buffer limit configuration",
                          str(cm.exception))
        finally:
            s.cleanup()
        bad = Server(config_text="server:\n  client_output_buffer_limit: pubsub 1mb\n",
                     start=False)
        try:
            r = subprocess.run([harness.SERVER_BIN, "-c", bad.config_path, "--test-config"],
                               capture_output=True, timeout=30)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn(b"server.client_output_buffer_limit: expected CLASS HARD SOFT SECONDS",
                          r.stdout + r.stderr)
        finally:
            bad.cleanup()


if __name__ == "__main__":
    main()
