"""The string commands end to end on a real server, through redis-py and
redis-cli: every command, the SET/GETEX options and their expiry, binary
safety, Redis's exact error texts, wrong types, RESP3 forms and the command
table as COMMAND INFO / DOCS show it."""

import socket
import time

import redis

from harness import ServerTestCase, main

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


class StringsTest(ServerTestCase):
    def err(self, *args):
        """The error text (without the "ERR " prefix redis-py strips) of a
        command that must fail."""
        with self.assertRaises(redis.ResponseError) as cm:
            self.r.execute_command(*args)
        return str(cm.exception)

    def cli(self, *args):
        return self.s.cli(*args).rstrip("\n")

    def raw(self, payload, expect_len):
        """Sends raw RESP on a fresh connection, returns expect_len bytes."""
        with socket.create_connection(("127.0.0.1", self.s.port), timeout=10) as s:
            s.sendall(payload)
            out = b""
            while len(out) < expect_len:
                chunk = s.recv(65536)
                if not chunk:
                    break
                out += chunk
            return out

    # ---- GET / SET ----

    def test_set_get(self):
        r = self.r
        self.assertIsNone(r.get("k"))
        self.assertTrue(r.set("k", "hello"))
        self.assertEqual(r.get("k"), b"hello")
        self.assertEqual(self.cli("GET", "k"), "hello")
        self.assertEqual(self.cli("SET", "k2", "from cli"), "OK")
        self.assertEqual(r.get("k2"), b"from cli")
        self.assertEqual(self.cli("GET", "nokey"), "")
        self.assertTrue(r.set("empty", ""))
        self.assertEqual(r.get("empty"), b"")
        self.assertEqual(self.cli("STRLEN", "empty"), "0")

    def test_binary_safe(self):
        r = self.r
        key = b"k\x00\r\n\xff"
        val = bytes(range(256)) * 4
        self.assertTrue(r.set(key, val))
        self.assertEqual(r.get(key), val)
        self.assertIsNone(r.get(b"k"))
        self.assertEqual(r.strlen(key), 1024)
        self.assertEqual(r.append(key, b"\x00\x00"), 1026)
        self.assertEqual(r.getrange(key, 1023, -1), b"\xff\x00\x00")
        self.assertEqual(r.mget([key, b"k\x00"]), [val + b"\x00\x00", None])
        self.assertEqual(r.setrange(b"sr\x00", 3, b"\x00x\r\n"), 7)
        self.assertEqual(r.get(b"sr\x00"), b"\x00\x00\x00\x00x\r\n")
        # A large value survives intact.
        big = b"\x01\x02" * (1 << 20)
        self.assertTrue(r.set("big", big))
        self.assertEqual(r.get("big"), big)

    def test_set_nx_xx_get(self):
        r = self.r
        self.assertIsNone(r.set("k", "v", xx=True))
        self.assertIsNone(r.get("k"))
        self.assertTrue(r.set("k", "v", nx=True))
        self.assertIsNone(r.set("k", "w", nx=True))
        self.assertEqual(r.get("k"), b"v")
        self.assertTrue(r.set("k", "w", xx=True))
        # (redis-py returns SET ... GET replies unconverted)
        self.assertEqual(r.set("k", "x", get=True), b"w")
        self.assertIsNone(r.set("new", "x", get=True))
        # NX and GET together (Redis 7): the old value, nothing set.
        self.assertEqual(r.set("k", "y", nx=True, get=True), b"x")
        self.assertEqual(r.get("k"), b"x")
        self.assertEqual(self.cli("SET", "k", "z", "XX", "GET"), "x")
        self.assertEqual(self.cli("SET", "k", "z", "NX"), "")
        r.hset("h", "f", "v")
        self.assertEqual(self.err("SET", "h", "v", "GET"), WRONGTYPE)
        self.assertEqual(r.hget("h", "f"), b"v")
        for args in (("NX", "XX"), ("XX", "NX"), ("bogus",), ("EX",), ("EX", "10", "PX", "10"),
                     ("KEEPTTL", "EX", "10"), ("PXAT", "1", "KEEPTTL"), ("PERSIST",)):
            self.assertEqual(self.err("SET", "k", "v", *args), "syntax error", args)
        self.assertEqual(self.cli("SET", "k", "v", "NX", "XX"), "ERR syntax error")

    def test_set_expire_options(self):
        r = self.r
        self.assertTrue(r.set("k", "v", ex=100))
        self.assertTrue(95 <= r.ttl("k") <= 100)
        self.assertTrue(r.set("k", "v", px=50000))
        self.assertTrue(45000 <= r.pttl("k") <= 50000)
        at = int(time.time()) + 1000
        self.assertTrue(r.set("k", "v", exat=at))
        self.assertTrue(990 <= r.ttl("k") <= 1000)
        self.assertTrue(r.set("k", "v", pxat=at * 1000))
        self.assertTrue(990 <= r.ttl("k") <= 1000)
        self.assertTrue(r.set("k", "w", keepttl=True))
        self.assertTrue(990 <= r.ttl("k") <= 1000)
        self.assertEqual(r.get("k"), b"w")
        self.assertTrue(r.set("k", "v"))
        self.assertEqual(r.ttl("k"), -1)
        self.assertEqual(self.cli("SET", "k", "v", "EX", "100", "EX", "200"), "OK")
        self.assertTrue(190 <= r.ttl("k") <= 200)

        inval = "invalid expire time in 'set' command"
        for args in (("EX", "0"), ("EX", "-1"), ("PX", "0"), ("EXAT", "0"), ("PXAT", "-1"),
                     ("EX", "9223372036854775"), ("PX", "9223372036854775807")):
            self.assertEqual(self.err("SET", "k", "v", *args), inval, args)
        self.assertEqual(self.err("SET", "k", "v", "EX", "ten"),
                         "value is not an integer or out of range")
        self.assertEqual(self.cli("SET", "k", "v", "PX", "0"),
                         "ERR invalid expire time in 'set' command")
        self.assertEqual(r.get("k"), b"v")

    def test_expiry(self):
        """Short TTLs of every kind, with one short sleep."""
        r = self.r
        r.set("px", "v", px=150)
        r.psetex("psetex", 150, "v")
        r.set("getex", "v")
        self.assertEqual(r.execute_command("GETEX", "getex", "PX", "150"), b"v")
        r.set("long", "v", px=60000)
        r.set("persist", "v", px=150)
        self.assertEqual(r.execute_command("GETEX", "persist", "PERSIST"), b"v")
        self.assertEqual(r.ttl("persist"), -1)
        self.assertEqual(r.get("px"), b"v")
        # An absolute time already past: the key is gone at once.
        r.set("past", "v")
        self.assertTrue(r.set("past", "w", pxat=int(time.time() * 1000) - 1000))
        self.assertIsNone(r.get("past"))
        self.assertEqual(r.exists("past"), 0)
        r.set("gpast", "v")
        self.assertEqual(r.execute_command("GETEX", "gpast", "EXAT", "1"), b"v")
        self.assertEqual(r.exists("gpast"), 0)
        time.sleep(0.3)
        for k in ("px", "psetex", "getex"):
            self.assertIsNone(r.get(k), k)
            self.assertEqual(r.exists(k), 0, k)
        self.assertEqual(r.get("long"), b"v")
        self.assertEqual(r.get("persist"), b"v")
        # A counter on an expired key starts again from zero.
        r.set("ctr", "41", px=100)
        time.sleep(0.15)
        self.assertEqual(r.incr("ctr"), 1)
        self.assertEqual(r.ttl("ctr"), -1)

    def test_setnx_setex_psetex(self):
        r = self.r
        self.assertTrue(r.setnx("k", "v"))
        self.assertFalse(r.setnx("k", "w"))
        self.assertEqual(self.cli("SETNX", "k", "x"), "0")
        self.assertEqual(r.get("k"), b"v")
        self.assertTrue(r.setex("k", 100, "w"))
        self.assertTrue(95 <= r.ttl("k") <= 100)
        self.assertEqual(r.get("k"), b"w")
        self.assertTrue(r.psetex("k", 100000, "x"))
        self.assertTrue(95000 <= r.pttl("k") <= 100000)
        self.assertEqual(self.cli("SETEX", "k2", "50", "cli"), "OK")
        self.assertEqual(r.get("k2"), b"cli")
        self.assertEqual(self.err("SETEX", "k", "0", "v"), "invalid expire time in 'setex' command")
        self.assertEqual(self.err("PSETEX", "k", "-1", "v"),
                         "invalid expire time in 'psetex' command")
        self.assertEqual(self.err("SETEX", "k", "x", "v"), "value is not an integer or out of range")
        self.assertEqual(self.err("SETEX", "k", "10"),
                         "wrong number of arguments for 'setex' command")

    def test_getset_getdel_getex(self):
        r = self.r
        self.assertIsNone(r.getset("k", "a"))
        r.expire("k", 100)
        self.assertEqual(r.getset("k", "b"), b"a")
        self.assertEqual(r.ttl("k"), -1)
        self.assertEqual(self.cli("GETSET", "k", "c"), "b")
        self.assertEqual(r.getdel("k"), b"c")
        self.assertIsNone(r.getdel("k"))
        self.assertEqual(r.exists("k"), 0)
        self.assertEqual(self.cli("GETDEL", "k"), "")

        r.set("k", "v")
        self.assertEqual(r.getex("k"), b"v")
        self.assertEqual(r.ttl("k"), -1)
        self.assertEqual(r.getex("k", ex=100), b"v")
        self.assertTrue(95 <= r.ttl("k") <= 100)
        self.assertEqual(r.getex("k", px=200000), b"v")
        self.assertTrue(195 <= r.ttl("k") <= 200)
        self.assertEqual(r.getex("k", exat=int(time.time()) + 300), b"v")
        self.assertTrue(295 <= r.ttl("k") <= 300)
        self.assertEqual(r.getex("k", pxat=int(time.time() * 1000) + 400000), b"v")
        self.assertTrue(395 <= r.ttl("k") <= 400)
        self.assertEqual(r.getex("k", persist=True), b"v")
        self.assertEqual(r.ttl("k"), -1)
        self.assertEqual(self.cli("GETEX", "k", "EX", "50"), "v")
        self.assertTrue(45 <= r.ttl("k") <= 50)
        self.assertIsNone(r.getex("nokey", ex=10))
        self.assertEqual(self.err("GETEX", "k", "EX", "0"), "invalid expire time in 'getex' command")
        self.assertEqual(self.err("GETEX", "k", "PERSIST", "EX", "1"), "syntax error")
        self.assertEqual(self.err("GETEX", "k", "KEEPTTL"), "syntax error")
        self.assertEqual(self.err("GETEX", "k", "EX", "1", "PX", "1"), "syntax error")
        self.assertEqual(self.err("GETEX", "k", "EX", "x"), "value is not an integer or out of range")

    # ---- multi-key ----

    def test_mget_mset_msetnx(self):
        r = self.r
        self.assertTrue(r.mset({"a": "1", "b": "2"}))
        r.hset("h", "f", "v")
        self.assertEqual(r.mget("a", "b", "h", "c"), [b"1", b"2", None, None])
        self.assertEqual(self.cli("MGET", "a", "nokey", "b"), "1\n\n2")
        self.assertEqual(self.cli("MSET", "c", "3", "d", "4"), "OK")
        self.assertEqual(r.mget("c", "d"), [b"3", b"4"])
        self.assertFalse(r.msetnx({"new": "x", "a": "y"}))
        self.assertIsNone(r.get("new"))
        self.assertTrue(r.msetnx({"new": "x", "new2": "y"}))
        self.assertEqual(r.mget("new", "new2", "a"), [b"x", b"y", b"1"])
        self.assertEqual(self.cli("MSETNX", "new", "z"), "0")
        self.assertEqual(self.err("MSET", "a", "1", "b"), "wrong number of arguments for 'mset' command")
        self.assertEqual(self.err("MSETNX", "a", "1", "b"),
                         "wrong number of arguments for 'msetnx' command")
        self.assertEqual(self.err("MGET"), "wrong number of arguments for 'mget' command")
        # MSET overwrites other types and drops TTLs.
        r.set("t", "x", ex=100)
        r.mset({"h": "s", "t": "y"})
        self.assertEqual(r.get("h"), b"s")
        self.assertEqual(r.ttl("t"), -1)

    # ---- counters ----

    def test_incr_decr(self):
        r = self.r
        self.assertEqual(r.incr("n"), 1)
        self.assertEqual(r.incrby("n", 10), 11)
        self.assertEqual(r.decr("n"), 10)
        self.assertEqual(r.decrby("n", 20), -10)
        self.assertEqual(self.cli("INCRBY", "n", "5"), "-5")
        self.assertEqual(self.cli("DECR", "n"), "-6")
        self.assertEqual(r.get("n"), b"-6")
        r.set("t", "5", ex=100)
        self.assertEqual(r.incr("t"), 6)
        self.assertTrue(95 <= r.ttl("t") <= 100)

        r.set("max", "9223372036854775807")
        self.assertEqual(self.err("INCR", "max"), "increment or decrement would overflow")
        r.set("min", "-9223372036854775808")
        self.assertEqual(self.err("DECR", "min"), "increment or decrement would overflow")
        self.assertEqual(self.err("DECRBY", "n", "-9223372036854775808"), "decrement would overflow")
        for bad in ("abc", " 1", "1 ", "01", "1.0", "", "9223372036854775808"):
            r.set("s", bad)
            self.assertEqual(self.err("INCR", "s"), "value is not an integer or out of range", bad)
        self.assertEqual(self.err("INCRBY", "n", "x"), "value is not an integer or out of range")
        self.assertEqual(self.cli("INCR", "s"), "ERR value is not an integer or out of range")

    def test_incrbyfloat(self):
        r = self.r
        self.assertEqual(r.incrbyfloat("f", 10.5), 10.5)
        self.assertEqual(r.get("f"), b"10.5")
        r.set("x", "3.0")
        # The exact text is the stored value (redis-py turns replies into floats).
        for incr, text in (("0.1", b"3.1"), ("-3.1", b"0"), ("5.0e3", b"5000"), ("0x10", b"5016")):
            r.execute_command("INCRBYFLOAT", "x", incr)
            self.assertEqual(r.get("x"), text, incr)
        self.assertEqual(self.cli("INCRBYFLOAT", "x", "1.25"), "5017.25")
        r.set("t", "1", ex=100)
        r.incrbyfloat("t", 1)
        self.assertTrue(95 <= r.ttl("t") <= 100)
        self.assertEqual(self.err("INCRBYFLOAT", "x", "inf"), "increment would produce NaN or Infinity")
        self.assertEqual(self.err("INCRBYFLOAT", "x", "nan"), "value is not a valid float")
        self.assertEqual(self.err("INCRBYFLOAT", "x", "abc"), "value is not a valid float")
        r.set("s", "1.5x")
        self.assertEqual(self.err("INCRBYFLOAT", "s", "1"), "value is not a valid float")
        self.assertEqual(r.get("x"), b"5017.25")

    # ---- byte ranges ----

    def test_append_strlen_getrange(self):
        r = self.r
        self.assertEqual(r.append("k", "hello"), 5)
        self.assertEqual(r.append("k", " world"), 11)
        self.assertEqual(self.cli("APPEND", "k", "!"), "12")
        self.assertEqual(r.strlen("k"), 12)
        self.assertEqual(r.strlen("nokey"), 0)
        self.assertEqual(r.getrange("k", 0, 4), b"hello")
        self.assertEqual(r.getrange("k", -6, -2), b"world")
        self.assertEqual(r.getrange("k", 6, 100), b"world!")
        self.assertEqual(r.getrange("k", -1, -5), b"")
        self.assertEqual(r.getrange("k", 5, 2), b"")
        self.assertEqual(r.getrange("nokey", 0, -1), b"")
        self.assertEqual(r.execute_command("SUBSTR", "k", "0", "3"), b"hell")
        self.assertEqual(self.cli("GETRANGE", "k", "0", "-1"), "hello world!")
        self.assertEqual(self.err("GETRANGE", "k", "a", "1"), "value is not an integer or out of range")

    def test_setrange(self):
        r = self.r
        self.assertEqual(r.setrange("k", 0, ""), 0)
        self.assertEqual(r.exists("k"), 0)
        self.assertEqual(r.setrange("k", 3, "abc"), 6)
        self.assertEqual(r.get("k"), b"\x00\x00\x00abc")
        self.assertEqual(r.setrange("k", 0, "XY"), 6)
        self.assertEqual(self.cli("SETRANGE", "k", "6", "def"), "9")
        self.assertEqual(r.get("k"), b"XY\x00abcdef")
        self.assertEqual(r.setrange("k", 100, ""), 9)
        self.assertEqual(self.err("SETRANGE", "k", "-1", "x"), "offset is out of range")
        self.assertEqual(self.err("SETRANGE", "k", "x", "x"), "value is not an integer or out of range")
        big = "string exceeds maximum allowed size (proto-max-bulk-len)"
        self.assertEqual(self.err("SETRANGE", "k", "536870912", "x"), big)
        self.assertEqual(self.err("SETRANGE", "new", "536870911", "xy"), big)
        self.assertEqual(r.exists("new"), 0)
        self.assertEqual(self.cli("SETRANGE", "k", "-1", "x"), "ERR offset is out of range")

    # ---- wrong type, RESP3, command table ----

    def test_wrong_type(self):
        r = self.r
        r.hset("h", "f", "v")
        for args in (("GET", "h"), ("GETSET", "h", "v"), ("GETDEL", "h"), ("GETEX", "h"),
                     ("INCR", "h"), ("DECR", "h"), ("INCRBY", "h", "1"), ("DECRBY", "h", "1"),
                     ("INCRBYFLOAT", "h", "1"), ("APPEND", "h", "x"), ("STRLEN", "h"),
                     ("GETRANGE", "h", "0", "1"), ("SUBSTR", "h", "0", "1"),
                     ("SETRANGE", "h", "0", "x"), ("SET", "h", "v", "GET")):
            self.assertEqual(self.err(*args), WRONGTYPE, args)
        self.assertEqual(self.cli("GET", "h"), WRONGTYPE)
        self.assertEqual(r.hgetall("h"), {b"f": b"v"})
        # Writes that replace the value accept any type.
        self.assertTrue(r.set("h", "s"))
        self.assertEqual(r.get("h"), b"s")

    def test_resp3(self):
        self.r.set("k", "v")
        cmds = (b"HELLO 3\r\n", b"GET nokey\r\n", b"GET k\r\n", b"MGET nokey k\r\n",
                b"SET k2 v XX\r\n", b"GETDEL nokey\r\n", b"SET k v GET\r\n")
        replies = [b"_\r\n", b"$1\r\nv\r\n", b"*2\r\n_\r\n$1\r\nv\r\n", b"_\r\n", b"_\r\n",
                   b"$1\r\nv\r\n"]
        tail = b"".join(replies)
        with socket.create_connection(("127.0.0.1", self.s.port), timeout=10) as s:
            s.sendall(b"".join(cmds))
            out = b""
            deadline = time.time() + 10
            while not out.endswith(tail) and time.time() < deadline:
                out += s.recv(65536)
        self.assertTrue(out.startswith(b"%"), out[:20])
        self.assertTrue(out.endswith(tail), out[-80:])
        self.assertEqual(self.s.cli("GET", "nokey", extra=["-3"]).strip(), "")

    def test_command_info_and_docs(self):
        r = self.r
        info = r.execute_command("COMMAND INFO", "set", "mget", "mset", "getex", "incrbyfloat")
        by_name = {i[0]: i for i in info}
        self.assertEqual(by_name[b"set"][1:6], [-3, [b"write", b"denyoom"], 1, 1, 1])
        self.assertEqual(by_name[b"mget"][1:6], [-2, [b"readonly", b"fast"], 1, -1, 1])
        self.assertEqual(by_name[b"mset"][1:6], [-3, [b"write", b"denyoom"], 1, -1, 2])
        self.assertEqual(by_name[b"getex"][1:6], [-2, [b"write", b"fast"], 1, 1, 1])
        self.assertEqual(by_name[b"incrbyfloat"][1], 3)
        out = self.cli("COMMAND", "DOCS", "getdel")
        for text in ("Get the value of a key and delete the key", "6.2.0", "string", "O(1)"):
            self.assertIn(text, out)


if __name__ == "__main__":
    main()
