"""The hash commands end to end on a real server, through redis-py and
redis-cli: every command, binary-safe fields and values, Redis's exact error
texts, wrong types, removal of emptied hashes, expiry of a hash key, RESP3
forms (HGETALL map, HRANDFIELD pairs) and full HSCAN iterations; both
encodings (small packed hashes and tables) through a restart and
BGREWRITEAOF."""

import socket
import time

import redis

import harness
from harness import ServerTestCase, main
from test_aof import AofServer, persistence, wait_rewrite_done

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


class HashesTest(ServerTestCase):
    def err(self, *args):
        with self.assertRaises(redis.ResponseError) as cm:
            self.r.execute_command(*args)
        return str(cm.exception)

    def cli(self, *args):
        return self.s.cli(*args).rstrip("\n")

    def fill(self, key, n):
        self.r.hset(key, mapping={"f%d" % i: "v%d" % i for i in range(n)})

    def resp3(self, cmds, tail):
        """Sends HELLO 3 then cmds on a fresh connection; returns all bytes
        read once they end with tail."""
        with socket.create_connection(("127.0.0.1", self.s.port), timeout=10) as s:
            s.sendall(b"HELLO 3\r\n" + b"".join(cmds))
            out = b""
            deadline = time.time() + 10
            while not out.endswith(tail) and time.time() < deadline:
                chunk = s.recv(65536)
                if not chunk:
                    break
                out += chunk
            return out

    # ---- set / get ----

    def test_hset_hget(self):
        r = self.r
        self.assertIsNone(r.hget("h", "f"))
        self.assertEqual(r.hset("h", "a", "1"), 1)
        self.assertEqual(r.hset("h", mapping={"a": "2", "b": "3"}), 1)
        self.assertEqual(r.hget("h", "a"), b"2")
        self.assertEqual(self.cli("HSET", "h", "c", "4", "d", "5"), "2")
        self.assertEqual(self.cli("HGET", "h", "c"), "4")
        self.assertEqual(self.cli("HGET", "h", "zz"), "")
        self.assertTrue(r.execute_command("HMSET", "h", "e", "6"))
        self.assertEqual(self.cli("HMSET", "h", "f", "7"), "OK")
        self.assertEqual(r.hlen("h"), 6)
        self.assertEqual(self.cli("HLEN", "nokey"), "0")
        self.assertEqual(self.err("HSET", "h", "a", "1", "b"), "wrong number of arguments for 'hset' command")
        self.assertEqual(self.err("HSET", "h", "a"), "wrong number of arguments for 'hset' command")
        self.assertEqual(self.err("HMSET", "h", "a", "1", "b"),
                         "wrong number of arguments for 'hmset' command")
        self.assertEqual(self.cli("HSET", "h", "x"), "ERR wrong number of arguments for 'hset' command")

    def test_binary_safe(self):
        r = self.r
        key, field, val = b"h\x00\xff", b"f\x00\r\n", bytes(range(256))
        self.assertEqual(r.hset(key, field, val), 1)
        self.assertEqual(r.hget(key, field), val)
        self.assertIsNone(r.hget(key, b"f"))
        self.assertEqual(r.hgetall(key), {field: val})
        self.assertEqual(r.hstrlen(key, field), 256)
        self.assertEqual(r.hmget(key, [field, b"f\x00"]), [val, None])
        self.assertEqual(r.hkeys(key), [field])
        self.assertEqual(r.hvals(key), [val])
        self.assertEqual(r.hscan(key, 0), (0, {field: val}))

    def test_hsetnx_hmget_hexists_hstrlen(self):
        r = self.r
        self.assertTrue(r.hsetnx("h", "a", "hello"))
        self.assertFalse(r.hsetnx("h", "a", "other"))
        self.assertEqual(self.cli("HSETNX", "h", "a", "x"), "0")
        self.assertEqual(self.cli("HSETNX", "h", "b", ""), "1")
        self.assertEqual(r.hget("h", "a"), b"hello")
        self.assertEqual(r.hmget("h", "a", "x", "b"), [b"hello", None, b""])
        self.assertEqual(r.hmget("nokey", "a", "b"), [None, None])
        self.assertEqual(self.cli("HMGET", "h", "x", "a"), "\nhello")
        self.assertTrue(r.hexists("h", "a"))
        self.assertTrue(r.hexists("h", "b"))
        self.assertFalse(r.hexists("h", "x"))
        self.assertFalse(r.hexists("nokey", "x"))
        self.assertEqual(r.hstrlen("h", "a"), 5)
        self.assertEqual(r.hstrlen("h", "b"), 0)
        self.assertEqual(r.hstrlen("h", "x"), 0)
        self.assertEqual(self.cli("HSTRLEN", "h", "a"), "5")

    def test_hdel_removes_empty_hash(self):
        r = self.r
        self.assertEqual(r.hdel("nokey", "a"), 0)
        r.hset("h", mapping={"a": "1", "b": "2", "c": "3"})
        self.assertEqual(r.hdel("h", "x", "y"), 0)
        self.assertEqual(r.hdel("h", "a", "x", "a"), 1)
        self.assertEqual(self.cli("HDEL", "h", "b"), "1")
        self.assertEqual(r.exists("h"), 1)
        self.assertEqual(r.hdel("h", "c", "zz"), 1)
        self.assertEqual(r.exists("h"), 0)
        self.assertEqual(r.type("h"), b"none")
        self.assertEqual(r.hgetall("h"), {})
        # The key can then hold anything.
        self.assertTrue(r.set("h", "s"))

    def test_hgetall_hkeys_hvals(self):
        r = self.r
        self.assertEqual(r.hgetall("nokey"), {})
        self.assertEqual(r.hkeys("nokey"), [])
        self.assertEqual(r.hvals("nokey"), [])
        self.fill("h", 200)
        want = {b"f%d" % i: b"v%d" % i for i in range(200)}
        self.assertEqual(r.hgetall("h"), want)
        self.assertEqual(sorted(r.hkeys("h")), sorted(want.keys()))
        self.assertEqual(sorted(r.hvals("h")), sorted(want.values()))
        # Keys and values come in the same order.
        self.assertEqual(dict(zip(r.hkeys("h"), r.hvals("h"))), want)
        r.delete("h")
        r.hset("h", "f", "v")
        self.assertEqual(self.cli("HGETALL", "h"), "f\nv")
        out = self.resp3([b"HGETALL h\r\n", b"HGETALL nokey\r\n", b"HKEYS h\r\n"],
                         b"%0\r\n*1\r\n$1\r\nf\r\n")
        self.assertTrue(out.endswith(b"%1\r\n$1\r\nf\r\n$1\r\nv\r\n%0\r\n*1\r\n$1\r\nf\r\n"),
                        out[-60:])

    # ---- counters ----

    def test_hincrby(self):
        r = self.r
        self.assertEqual(r.hincrby("h", "n", 5), 5)
        self.assertEqual(r.hincrby("h", "n", -10), -5)
        self.assertEqual(self.cli("HINCRBY", "h", "n", "3"), "-2")
        self.assertEqual(r.hget("h", "n"), b"-2")
        r.hset("h", mapping={"max": "9223372036854775807", "s": "abc", "f": "1.5"})
        self.assertEqual(self.err("HINCRBY", "h", "max", "1"), "increment or decrement would overflow")
        self.assertEqual(self.err("HINCRBY", "h", "s", "1"), "hash value is not an integer")
        self.assertEqual(self.err("HINCRBY", "h", "f", "1"), "hash value is not an integer")
        self.assertEqual(self.err("HINCRBY", "h", "n", "x"), "value is not an integer or out of range")
        self.assertEqual(self.cli("HINCRBY", "h", "s", "1"), "ERR hash value is not an integer")
        self.assertEqual(self.err("HINCRBY", "nokey", "n", "1.5"),
                         "value is not an integer or out of range")
        self.assertEqual(r.exists("nokey"), 0)

    def test_hincrbyfloat(self):
        r = self.r
        self.assertEqual(r.hincrbyfloat("h", "f", 1.5), 1.5)
        self.assertEqual(self.cli("HINCRBYFLOAT", "h", "f", "0.1"), "1.6")
        self.assertEqual(self.cli("HINCRBYFLOAT", "h", "f", "-1.6"), "0")
        self.assertEqual(self.cli("HINCRBYFLOAT", "h", "g", "2.0e2"), "200")
        self.assertEqual(r.hget("h", "g"), b"200")
        r.hset("h", mapping={"s": "abc", "i": "7", "inf": "inf"})
        self.assertEqual(self.cli("HINCRBYFLOAT", "h", "i", "0.25"), "7.25")
        self.assertEqual(self.err("HINCRBYFLOAT", "h", "s", "1"), "hash value is not a float")
        self.assertEqual(self.err("HINCRBYFLOAT", "h", "f", "inf"), "value is NaN or Infinity")
        self.assertEqual(self.err("HINCRBYFLOAT", "h", "inf", "1"),
                         "increment would produce NaN or Infinity")
        self.assertEqual(self.err("HINCRBYFLOAT", "h", "f", "nan"), "value is not a valid float")
        self.assertEqual(self.err("HINCRBYFLOAT", "h", "f", "x"), "value is not a valid float")
        self.assertEqual(r.hget("h", "f"), b"0")

    # ---- HRANDFIELD ----

    def test_hrandfield(self):
        r = self.r
        self.assertIsNone(r.hrandfield("nokey"))
        self.assertEqual(r.hrandfield("nokey", 5), [])
        self.fill("h", 30)
        fields = {b"f%d" % i for i in range(30)}
        self.assertIn(r.hrandfield("h"), fields)
        self.assertEqual(r.hrandfield("h", 0), [])
        for count in (1, 5, 20, 30, 100):
            got = r.hrandfield("h", count)
            self.assertEqual(len(got), min(count, 30), count)
            self.assertEqual(len(set(got)), len(got), count)
            self.assertTrue(set(got) <= fields)
        got = r.hrandfield("h", -100)
        self.assertEqual(len(got), 100)
        self.assertTrue(set(got) <= fields)
        self.assertGreater(len(set(got)), 1)
        pairs = r.hrandfield("h", 10, withvalues=True)
        self.assertEqual(len(pairs), 20)
        for f, v in zip(pairs[::2], pairs[1::2]):
            self.assertEqual(v, b"v" + f[1:])
        pairs = r.hrandfield("h", -40, withvalues=True)
        self.assertEqual(len(pairs), 80)
        out = self.cli("HRANDFIELD", "h", "3", "WITHVALUES").split("\n")
        self.assertEqual(len(out), 6)
        self.assertEqual(self.err("HRANDFIELD", "h", "x"), "value is not an integer or out of range")
        self.assertEqual(self.err("HRANDFIELD", "h", "1", "WITHVALUE"), "syntax error")
        self.assertEqual(self.err("HRANDFIELD", "h", "-9223372036854775808"),
                         "value is out of range, value must between -9223372036854775807 and "
                         "9223372036854775807")
        self.assertEqual(self.err("HRANDFIELD", "h", "-9223372036854775807", "WITHVALUES"),
                         "value is out of range")
        # RESP3: with values, each element is a [field, value] pair.
        r.delete("h")
        r.hset("h", "f", "v")
        tail = b"*2\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n"
        out = self.resp3([b"HRANDFIELD nokey\r\n", b"HRANDFIELD h -2 WITHVALUES\r\n"], tail)
        self.assertTrue(out.endswith(b"_\r\n" + tail), out[-80:])

    # ---- HSCAN ----

    def test_hscan(self):
        r = self.r
        self.assertEqual(r.hscan("nokey", 0), (0, {}))
        r.hset("small", "a", "1")
        self.assertEqual(r.hscan("small", 0), (0, {b"a": b"1"}))
        self.fill("h", 500)
        want = {b"f%d" % i: b"v%d" % i for i in range(500)}
        self.assertEqual(dict(r.hscan_iter("h")), want)
        self.assertEqual(dict(r.hscan_iter("h", count=1000)), want)
        got = dict(r.hscan_iter("h", match="f1?", count=20))
        self.assertEqual(got, {b"f1%d" % i: b"v1%d" % i for i in range(10)})
        # A cursor walk by hand, through redis-cli.
        cursor, seen, calls = "0", set(), 0
        while True:
            lines = self.cli("HSCAN", "h", cursor, "COUNT", "50").split("\n")
            cursor = lines[0]
            seen.update(lines[1::2])
            calls += 1
            if cursor == "0":
                break
            self.assertLess(calls, 1000)
        self.assertEqual(seen, {"f%d" % i for i in range(500)})
        self.assertEqual(self.err("HSCAN", "h", "abc"), "invalid cursor")
        self.assertEqual(self.err("HSCAN", "h", " 1"), "invalid cursor")
        self.assertEqual(self.err("HSCAN", "h", "0", "COUNT", "0"), "syntax error")
        self.assertEqual(self.err("HSCAN", "h", "0", "COUNT", "x"),
                         "value is not an integer or out of range")
        self.assertEqual(self.err("HSCAN", "h", "0", "MATCH"), "syntax error")
        self.assertEqual(self.err("HSCAN", "h", "0", "NOPE", "1"), "syntax error")
        self.assertEqual(self.cli("HSCAN", "h", "x"), "ERR invalid cursor")

    # ---- wrong type, expiry, command table ----

    def test_wrong_type(self):
        r = self.r
        r.set("s", "x")
        for args in (("HSET", "s", "f", "v"), ("HMSET", "s", "f", "v"), ("HSETNX", "s", "f", "v"),
                     ("HGET", "s", "f"), ("HMGET", "s", "f"), ("HDEL", "s", "f"),
                     ("HEXISTS", "s", "f"), ("HLEN", "s"), ("HSTRLEN", "s", "f"),
                     ("HGETALL", "s"), ("HKEYS", "s"), ("HVALS", "s"),
                     ("HINCRBY", "s", "f", "1"), ("HINCRBYFLOAT", "s", "f", "1"),
                     ("HRANDFIELD", "s"), ("HRANDFIELD", "s", "2"), ("HSCAN", "s", "0")):
            self.assertEqual(self.err(*args), WRONGTYPE, args)
        self.assertEqual(self.cli("HGET", "s", "f"), WRONGTYPE)
        self.assertEqual(r.get("s"), b"x")

    def test_expiry(self):
        r = self.r
        r.hset("h", mapping={"a": "1", "b": "2"})
        self.assertTrue(r.pexpire("h", 150))
        r.hset("h", "c", "3")
        self.assertGreater(r.pttl("h"), 0)
        self.assertEqual(r.hlen("h"), 3)
        time.sleep(0.25)
        self.assertEqual(r.hlen("h"), 0)
        self.assertIsNone(r.hget("h", "a"))
        self.assertEqual(r.exists("h"), 0)
        self.assertEqual(r.hset("h", "a", "new"), 1)
        self.assertEqual(r.ttl("h"), -1)
        self.assertEqual(r.hgetall("h"), {b"a": b"new"})

    def test_command_info_and_docs(self):
        info = self.r.execute_command("COMMAND INFO", "hset", "hget", "hrandfield", "hscan")
        by_name = {i[0]: i for i in info}
        self.assertEqual(by_name[b"hset"][1:6], [-4, [b"write", b"denyoom", b"fast"], 1, 1, 1])
        self.assertEqual(by_name[b"hget"][1:6], [3, [b"readonly", b"fast"], 1, 1, 1])
        self.assertEqual(by_name[b"hrandfield"][1:6], [-2, [b"readonly"], 1, 1, 1])
        self.assertEqual(by_name[b"hscan"][1:6], [-3, [b"readonly"], 1, 1, 1])
        out = self.cli("COMMAND", "DOCS", "hincrbyfloat")
        for text in ("Increment the float value of a hash field by the given amount", "2.6.0",
                     "hash", "increment"):
            self.assertIn(text, out)


def encoding(r, key):
    return r.execute_command("DEBUG", "OBJECT", key).split(b"encoding:")[1].split()[0]


class HashEncodingsPersistenceTest(harness.unittest.TestCase):
    def test_restart_and_rewrite(self):
        s = AofServer(fsync="always")
        try:
            r = s.client()
            r.hset("small", mapping={"f%d" % i: "v%d" % i for i in range(10)})
            r.hset("small", b"\x00\r\n", b"")
            r.hdel("small", "f3")
            r.hincrby("small", "n", 5)
            r.hset("wide", mapping={"f%d" % i: i for i in range(300)})
            r.hdel("wide", *["f%d" % i for i in range(250)])  # 50 left: still a table
            r.hset("long", mapping={"a": "1", "b": "x" * 100})
            self.assertEqual(encoding(r, "small"), b"listpack")
            self.assertEqual(encoding(r, "wide"), b"hashtable")
            self.assertEqual(encoding(r, "long"), b"hashtable")
            want = {k: r.hgetall(k) for k in ("small", "wide", "long")}
            r.close()
            for rewrite in (False, True):
                if rewrite:
                    r = s.client()
                    n = persistence(r)["aof_rewrites"]
                    r.bgrewriteaof()
                    wait_rewrite_done(r, n)
                    r.close()
                s.restart()
                r = s.client()
                for k, v in want.items():
                    self.assertEqual(r.hgetall(k), v, k)
                self.assertEqual(encoding(r, "small"), b"listpack")
                self.assertEqual(encoding(r, "long"), b"hashtable")
                r.close()
        finally:
            s.cleanup()


if __name__ == "__main__":
    main()
