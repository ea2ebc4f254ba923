"""The network layer and the RESP protocol, end to end on a real server:
pipelining, inline commands, byte-by-byte splits, RESP3, protocol errors
(the faulty client is closed, the others are untouched), back-pressure, the
idle timeout, maxclients and clean shutdown."""

import os
import signal
import socket
import subprocess
import time
import unittest

import redis

from harness import Server, ServerTestCase, main


def recv_exactly(s, n, timeout=10):
    s.settimeout(timeout)
    out = b""
    while len(out) < n:
        chunk = s.recv(n - len(out))
        if not chunk:
            break
        out += chunk
    return out


def read_until_closed(s, timeout=5):
    s.settimeout(timeout)
    out = b""
    while True:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            return out, False
        if not chunk:
            return out, True
        out += chunk


class ProtocolTest(ServerTestCase):
    def conn(self):
        return socket.create_connection(("127.0.0.1", self.s.port), timeout=10)

    def test_inline_and_multibulk(self):
        with self.conn() as s:
            s.sendall(b"PING\r\n")
            self.assertEqual(recv_exactly(s, 7), b"+PONG\r\n")
            s.sendall(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n")
            self.assertEqual(recv_exactly(s, 5), b"+OK\r\n")
            s.sendall(b'SET k2 "two words"\r\nGET k2\n')
            self.assertEqual(recv_exactly(s, 5 + 15), b"+OK\r\n$9\r\ntwo words\r\n")
            # An empty inline line is ignored, as Redis does.
            s.sendall(b"\r\nPING\r\n")
            self.assertEqual(recv_exactly(s, 7), b"+PONG\r\n")

    def test_split_at_every_byte(self):
        payload = b"*3\r\n$3\r\nSET\r\n$4\r\nk\x00\r\n\r\n$6\r\nv\r\n\x00ab\r\n*2\r\n$3\r\nGET\r\n$4\r\nk\x00\r\n\r\n"
        expected = b"+OK\r\n$6\r\nv\r\n\x00ab\r\n"
        with self.conn() as s:
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            for i in range(len(payload)):
                s.sendall(payload[i:i + 1])
                time.sleep(0.001)
            self.assertEqual(recv_exactly(s, len(expected)), expected)

    def test_pipeline_of_many_commands(self):
        n = 10000
        with self.conn() as s:
            req = b"".join(b"*3\r\n$3\r\nSET\r\n$%d\r\nkey:%d\r\n$1\r\nx\r\n" % (len(b"key:%d" % i), i)
                           for i in range(n))
            req += b"".join(b"INCR counter\r\n" for _ in range(n))
            s.sendall(req)
            expected_len = n * 5 + sum(len(b":%d\r\n" % (i + 1)) for i in range(n))
            data = recv_exactly(s, expected_len, timeout=30)
            self.assertEqual(data[:n * 5], b"+OK\r\n" * n)
            self.assertTrue(data.endswith(b":%d\r\n" % n))
        self.assertEqual(self.r.dbsize(), n + 1)
        # redis-py's pipeline too
        p = self.r.pipeline(transaction=False)
        for i in range(1000):
            p.get("key:%d" % i)
        self.assertEqual(p.execute(), [b"x"] * 1000)

    def test_binary_safe_big_value(self):
        value = os.urandom(3 * 1024 * 1024)
        key = b"bin\x00\r\nkey"
        self.r.set(key, value)
        self.assertEqual(self.r.get(key), value)
        self.assertEqual(self.r.strlen(key), len(value))

    def test_resp3_hello(self):
        with self.conn() as s:
            s.sendall(b"HELLO 3\r\n")
            data, _ = b"", None
            s.settimeout(2)
            time.sleep(0.2)
            data = s.recv(65536)
            self.assertTrue(data.startswith(b"%"), data)
            self.assertIn(b"proto", data)
            s.sendall(b"GET nosuchkey\r\n")
            self.assertEqual(recv_exactly(s, 3), b"_\r\n")
            s.sendall(b"HSET h f v\r\nHGETALL h\r\n")
            self.assertEqual(recv_exactly(s, 4 + 4 + 14), b":1\r\n%1\r\n$1\r\nf\r\n$1\r\nv\r\n")
        r3 = redis.Redis(host="127.0.0.1", port=self.s.port, protocol=3) \
            if "protocol" in redis.Redis.__init__.__code__.co_varnames else None
        if r3 is not None:
            r3.set("x", "1")
            self.assertEqual(r3.get("x"), b"1")
            r3.close()

    def assert_protocol_error(self, payload, text):
        with self.conn() as other, self.conn() as s:
            other.sendall(b"PING\r\n")
            self.assertEqual(recv_exactly(other, 7), b"+PONG\r\n")
            s.sendall(payload)
            data, closed = read_until_closed(s)
            self.assertEqual(data, b"-ERR Protocol error: " + text + b"\r\n")
            self.assertTrue(closed, "the server must close a client after a protocol error")
            # the other client is untouched
            other.sendall(b"PING\r\n")
            self.assertEqual(recv_exactly(other, 7), b"+PONG\r\n")

    def test_protocol_errors(self):
        self.assert_protocol_error(b"*1\r\n$abc\r\n", b"invalid bulk length")
        self.assert_protocol_error(b"*x\r\n", b"invalid multibulk length")
        self.assert_protocol_error(b"*1\r\n+PING\r\n", b"expected '$', got '+'")
        self.assert_protocol_error(b"*1\r\n$600000000\r\n", b"invalid bulk length")
        self.assert_protocol_error(b'SET "unbalanced\r\n', b"unbalanced quotes in request")
        self.assert_protocol_error(b"*3000000000\r\n", b"invalid multibulk length")
        self.assert_protocol_error(b"x" * (70 * 1024), b"too big inline request")

    def test_unknown_command_and_arity(self):
        with self.assertRaises(redis.ResponseError) as cm:
            self.r.execute_command("NOSUCH", "a", "b")
        self.assertEqual(str(cm.exception),
                         "unknown command 'NOSUCH', with args beginning with: 'a' 'b' ")
        with self.assertRaises(redis.ResponseError) as cm:
            self.r.execute_command("GET")
        self.assertEqual(str(cm.exception), "wrong number of arguments for 'get' command")

    def test_slow_reader_does_not_block_others(self):
        """A client that pipelines big replies without reading them is held
        back (back-pressure) while another client keeps being served."""
        self.r.set("big", b"x" * (512 * 1024))
        # A small receive buffer, set before connecting (shrinking it on a
        # live connection can stall Linux's TCP window).
        slow = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        slow.settimeout(10)
        slow.connect(("127.0.0.1", self.s.port))
        try:
            req = b"GET big\r\n" * 400  # ~200 MB of replies if all were produced
            slow.sendall(req)
            time.sleep(0.5)
            t0 = time.time()
            for i in range(200):
                self.r.set("fast:%d" % i, i)
                self.assertEqual(self.r.get("fast:%d" % i), str(i).encode())
            self.assertLess(time.time() - t0, 10)
            # the server did not buffer all 200 MB for the slow client
            info = self.r.info("memory")
            self.assertLess(info["used_memory"], 100 * 1024 * 1024)
            # the slow client then gets every reply, in order
            hdr = b"$524288\r\n"
            got = 0
            slow.settimeout(30)
            buf = b""
            while got < 400:
                chunk = slow.recv(1 << 20)
                self.assertTrue(chunk)
                buf += chunk
                while len(buf) >= len(hdr) + 524288 + 2:
                    self.assertTrue(buf.startswith(hdr))
                    buf = buf[len(hdr) + 524288 + 2:]
                    got += 1
            self.assertEqual(got, 400)
        finally:
            slow.close()


class LimitsTest(unittest.TestCase):
    def test_idle_timeout(self):
        s = Server(args=["--timeout", "1"])
        try:
            c = socket.create_connection(("127.0.0.1", s.port), timeout=5)
            c.sendall(b"PING\r\n")
            self.assertEqual(recv_exactly(c, 7), b"+PONG\r\n")
            data, closed = read_until_closed(c, timeout=5)
            self.assertTrue(closed, "an idle client is closed after the timeout")
            c.close()
        finally:
            s.cleanup()

    def test_maxclients(self):
        s = Server(args=["--maxclients", "2"])
        try:
            time.sleep(0.3)  # the harness's readiness probe has gone
            a = socket.create_connection(("127.0.0.1", s.port))
            b = socket.create_connection(("127.0.0.1", s.port))
            for x in (a, b):
                x.sendall(b"PING\r\n")
                self.assertEqual(recv_exactly(x, 7), b"+PONG\r\n")
            c = socket.create_connection(("127.0.0.1", s.port))
            data, closed = read_until_closed(c, timeout=3)
            self.assertEqual(data, b"-ERR max number of clients reached\r\n")
            for x in (a, b, c):
                x.close()
        finally:
            s.cleanup()

    def test_sigterm_clean_shutdown(self):
        s = Server()
        try:
            s.client().set("a", "1")
            rc = s.stop(sig=signal.SIGTERM)
            self.assertEqual(rc, 0)
            log = s.log()
            self.assertIn("Received SIGTERM scheduling shutdown", log)
            self.assertIn("ready to exit, bye bye", log)
            # Redis's log line format: pid:role dd Mon yyyy hh:mm:ss.mmm <level> msg
            import re
            self.assertRegex(log, r"\d+:M \d\d \w{3} \d{4} \d\d:\d\d:\d\d\.\d{3} [.\-*#] ")
        finally:
            s.cleanup()

    def test_bad_config_refuses_start(self):
        s = Server(config_text="server:\n  port: notaport\n", start=False)
        try:
            r = subprocess.run(s.command_line()[:3], capture_output=True, text=True, timeout=10,
                               cwd=s.workdir)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("raftcache.yaml:2:", r.stderr)
            r = subprocess.run(s.command_line()[:3] + ["--test-config"], capture_output=True, cwd=s.workdir,
                               text=True, timeout=10)
            self.assertEqual(r.returncode, 1)
        finally:
            s.cleanup()


if __name__ == "__main__":
    main()
