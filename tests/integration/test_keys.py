"""Integration tests of the generic keyspace commands (commands/keys.c):
DEL UNLINK EXISTS TYPE TOUCH, the EXPIRE and TTL families, PERSIST, KEYS,
SCAN, RENAME RENAMENX RANDOMKEY COPY, with redis-py and redis-cli."""

import os
import sys
import time
import types

import redis

try:
    from harness import ServerTestCase, main
except AttributeError:
    # harness.py names a method of Server `signal`, which shadows the signal
    # module in the class body, so `def stop(self, sig=signal.SIGTERM)`
    # fails at import.  Until harness.py is fixed, load it with that default
    # spelled out (SIGTERM is 15 on Linux).
    _path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "harness.py")
    with open(_path) as _f:
        _src = _f.read().replace("sig=signal.SIGTERM", "sig=15")
    _mod = types.ModuleType("harness")
    _mod.__file__ = _path
    exec(compile(_src, _path, "exec"), _mod.__dict__)
    sys.modules["harness"] = _mod
    from harness import ServerTestCase, main


# redis-cli, when its output is not a terminal, prints an error reply as
# its text followed by an empty line (as it does against redis-server).

class KeysTest(ServerTestCase):

    # ---- DEL UNLINK EXISTS TYPE TOUCH ----

    def test_del_unlink(self):
        self.r.mset({"a": 1, "b": 2, "c": 3})
        self.assertEqual(self.r.delete("a", "b", "a", "nokey"), 2)
        self.assertEqual(self.r.exists("a", "b"), 0)
        self.assertEqual(self.r.unlink("c", "c"), 1)
        self.assertEqual(self.r.dbsize(), 0)
        self.r.set("d", "1")
        self.assertEqual(self.s.cli("DEL", "d", "e"), "1\n")
        self.r.set("d", "1")
        self.assertEqual(self.s.cli("UNLINK", "d"), "1\n")
        self.assertEqual(self.s.cli("DEL"), "ERR wrong number of arguments for 'del' command\n\n")

    def test_exists_counts_repeats(self):
        self.r.set("a", "1")
        self.assertEqual(self.r.exists("a", "a", "b", "a"), 3)
        self.assertEqual(self.s.cli("EXISTS", "a", "a", "nokey"), "2\n")

    def test_type(self):
        self.r.set("s", "v")
        self.r.hset("h", "f", "v")
        self.assertEqual(self.r.type("s"), b"string")
        self.assertEqual(self.r.type("h"), b"hash")
        self.assertEqual(self.r.type("none"), b"none")
        self.assertEqual(self.s.cli("TYPE", "h"), "hash\n")
        self.assertEqual(self.s.cli("TYPE", "nokey"), "none\n")

    def test_touch(self):
        self.r.mset({"a": 1, "b": 2})
        self.assertEqual(self.r.touch("a", "b", "c"), 2)
        self.assertEqual(self.s.cli("TOUCH", "a", "zz"), "1\n")

    # ---- EXPIRE family ----

    def test_expire_ttl(self):
        self.r.set("k", "v")
        self.assertEqual(self.r.ttl("k"), -1)
        self.assertEqual(self.r.pttl("k"), -1)
        self.assertEqual(self.r.ttl("nokey"), -2)
        self.assertTrue(self.r.expire("k", 100))
        self.assertIn(self.r.ttl("k"), (99, 100))
        self.assertTrue(95000 < self.r.pttl("k") <= 100000)
        self.assertTrue(self.r.pexpire("k", 50000))
        self.assertIn(self.r.ttl("k"), (49, 50))
        at = int(time.time()) + 1000
        self.assertTrue(self.r.expireat("k", at))
        self.assertEqual(self.r.execute_command("EXPIRETIME", "k"), at)
        self.assertEqual(self.r.execute_command("PEXPIRETIME", "k"), at * 1000)
        self.assertTrue(self.r.pexpireat("k", at * 1000 + 123))
        self.assertEqual(self.r.execute_command("PEXPIRETIME", "k"), at * 1000 + 123)
        self.assertFalse(self.r.expire("nokey", 10))
        # redis-cli
        self.assertEqual(self.s.cli("EXPIRE", "k", "200"), "1\n")
        self.assertIn(self.s.cli("TTL", "k"), ("199\n", "200\n"))
        self.assertEqual(self.s.cli("PEXPIRE", "k", "300000"), "1\n")
        self.assertEqual(self.s.cli("EXPIREAT", "k", str(at)), "1\n")
        self.assertEqual(self.s.cli("EXPIRETIME", "k"), "%d\n" % at)
        self.assertEqual(self.s.cli("PEXPIREAT", "k", str(at * 1000)), "1\n")
        self.assertEqual(self.s.cli("PEXPIRETIME", "k"), "%d\n" % (at * 1000))
        pttl = int(self.s.cli("PTTL", "k"))
        self.assertTrue(0 < pttl <= 1000 * 1000)
        self.assertEqual(self.s.cli("TTL", "nokey"), "-2\n")

    def test_expire_options(self):
        self.r.set("k", "v")
        ex = lambda *a: self.r.execute_command("EXPIRE", "k", *a)
        self.assertEqual(ex(100, "XX"), 0)
        self.assertEqual(ex(100, "GT"), 0)
        self.assertEqual(ex(100, "NX"), 1)
        self.assertEqual(ex(50, "NX"), 0)
        self.assertEqual(ex(50, "GT"), 0)
        self.assertEqual(ex(200, "GT"), 1)
        self.assertEqual(ex(300, "LT"), 0)
        self.assertEqual(ex(150, "LT"), 1)
        self.assertEqual(ex(10, "XX"), 1)
        self.assertIn(self.r.ttl("k"), (9, 10))
        self.assertEqual(self.s.cli("EXPIRE", "k", "5", "xx", "lt"), "1\n")
        self.assertEqual(self.s.cli("PEXPIRE", "k", "5000", "nx"), "0\n")

    def test_expire_errors(self):
        self.r.set("k", "v")
        cases = [
            (["EXPIRE", "k", "10", "NX", "XX"],
             "ERR NX and XX, GT or LT options at the same time are not compatible"),
            (["EXPIRE", "k", "10", "GT", "LT"],
             "ERR GT and LT options at the same time are not compatible"),
            (["EXPIRE", "k", "10", "foo"], "ERR Unsupported option foo"),
            (["EXPIRE", "k", "abc"], "ERR value is not an integer or out of range"),
            (["EXPIRE", "k", "9223372036854775807"],
             "ERR invalid expire time in 'expire' command"),
            (["PEXPIRE", "k", "9223372036854775807"],
             "ERR invalid expire time in 'pexpire' command"),
            (["EXPIREAT", "k", "-9223372036854775808"],
             "ERR invalid expire time in 'expireat' command"),
        ]
        for args, msg in cases:
            with self.assertRaises(redis.ResponseError) as cm:
                self.r.execute_command(*args)
            self.assertEqual(str(cm.exception), msg[4:] if msg.startswith("ERR ") else msg, args)
            self.assertEqual(self.s.cli(*args), msg + "\n\n")
        self.assertEqual(self.r.ttl("k"), -1)

    def test_expire_in_past_deletes(self):
        self.r.set("k", "v")
        self.assertTrue(self.r.expire("k", -1))
        self.assertEqual(self.r.exists("k"), 0)
        self.r.set("k", "v")
        self.assertEqual(self.s.cli("PEXPIREAT", "k", "1000"), "1\n")
        self.assertEqual(self.r.exists("k"), 0)

    def test_short_ttl_expires(self):
        self.r.set("short", "v", px=100)
        self.r.set("alsoshort", "v")
        self.r.pexpire("alsoshort", 150)
        self.r.set("long", "v", ex=100)
        self.assertEqual(self.r.exists("short", "alsoshort"), 2)
        time.sleep(0.4)
        self.assertIsNone(self.r.get("short"))
        self.assertEqual(self.r.exists("alsoshort"), 0)
        self.assertEqual(self.r.ttl("short"), -2)
        self.assertEqual(self.s.cli("EXISTS", "alsoshort"), "0\n")
        self.assertEqual(self.r.keys("*"), [b"long"])
        self.assertEqual(list(self.r.scan_iter()), [b"long"])

    def test_persist(self):
        self.r.set("k", "v", ex=100)
        self.assertTrue(self.r.persist("k"))
        self.assertFalse(self.r.persist("k"))
        self.assertEqual(self.r.ttl("k"), -1)
        self.r.expire("k", 100)
        self.assertEqual(self.s.cli("PERSIST", "k"), "1\n")
        self.assertEqual(self.s.cli("PERSIST", "k"), "0\n")
        self.assertEqual(self.s.cli("PERSIST", "nokey"), "0\n")

    # ---- KEYS SCAN RANDOMKEY ----

    def test_keys(self):
        self.r.mset({"hello": 1, "hallo": 2, "hxllo": 3, "world": 4})
        self.assertEqual(sorted(self.r.keys("*")), [b"hallo", b"hello", b"hxllo", b"world"])
        self.assertEqual(sorted(self.r.keys("h?llo")), [b"hallo", b"hello", b"hxllo"])
        self.assertEqual(sorted(self.r.keys("h[ae]llo")), [b"hallo", b"hello"])
        self.assertEqual(self.r.keys("nomatch*"), [])
        out = self.s.cli("KEYS", "h[^e]llo")
        self.assertEqual(sorted(out.split()), ["hallo", "hxllo"])

    def test_scan_full_iteration(self):
        pipe = self.r.pipeline(transaction=False)
        for i in range(1000):
            pipe.set("key:%d" % i, i)
        pipe.set("other", 1)
        pipe.hset("hkey", "f", "v")
        pipe.execute()
        want = set(("key:%d" % i).encode() for i in range(1000))

        # redis-py, default COUNT: every key at least once
        seen = list(self.r.scan_iter(match="key:*"))
        self.assertEqual(set(seen), want)
        # by hand, checking the cursor protocol
        cursor, keys, calls = 0, [], 0
        while True:
            cursor, batch = self.r.scan(cursor, count=100)
            keys.extend(batch)
            calls += 1
            if cursor == 0:
                break
        self.assertGreater(calls, 1)
        self.assertEqual(set(keys), want | {b"other", b"hkey"})
        # TYPE filter
        self.assertEqual(list(self.r.scan_iter(_type="hash")), [b"hkey"])
        self.assertEqual(list(self.r.scan_iter(_type="nosuch")), [])
        # redis-cli --scan iterates with SCAN
        out = self.s.cli("--scan", "--pattern", "key:*")
        self.assertEqual(set(out.split()), set(k.decode() for k in want))
        out = self.s.cli("--scan", "--pattern", "key:99*")
        self.assertEqual(sorted(out.split()), sorted(["key:99"] + ["key:99%d" % i for i in range(10)]))
        first = self.s.cli("SCAN", "0", "COUNT", "5").split("\n")
        self.assertTrue(first[0].isdigit())

    def test_scan_errors(self):
        for args, msg in [
            (["SCAN", "abc"], "ERR invalid cursor"),
            (["SCAN", "0", "COUNT", "0"], "ERR syntax error"),
            (["SCAN", "0", "COUNT", "x"], "ERR value is not an integer or out of range"),
            (["SCAN", "0", "foo"], "ERR syntax error"),
        ]:
            with self.assertRaises(redis.ResponseError) as cm:
                self.r.execute_command(*args)
            self.assertEqual(str(cm.exception), msg[4:])
            self.assertEqual(self.s.cli(*args), msg + "\n\n")

    def test_randomkey(self):
        self.assertIsNone(self.r.randomkey())
        self.assertEqual(self.s.cli("RANDOMKEY"), "\n")
        self.r.set("only", "1")
        self.assertEqual(self.r.randomkey(), b"only")
        self.assertEqual(self.s.cli("RANDOMKEY"), "only\n")

    # ---- RENAME RENAMENX COPY ----

    def test_rename(self):
        with self.assertRaises(redis.ResponseError) as cm:
            self.r.rename("nokey", "x")
        self.assertEqual(str(cm.exception), "no such key")
        self.assertEqual(self.s.cli("RENAME", "nokey", "x"), "ERR no such key\n\n")
        self.r.set("a", "1", ex=100)
        self.assertTrue(self.r.rename("a", "b"))
        self.assertIsNone(self.r.get("a"))
        self.assertEqual(self.r.get("b"), b"1")
        self.assertIn(self.r.ttl("b"), (99, 100))
        self.assertTrue(self.r.rename("b", "b"))
        self.assertEqual(self.s.cli("RENAME", "b", "c"), "OK\n")
        self.r.set("d", "2")
        self.assertFalse(self.r.renamenx("c", "d"))
        self.assertEqual(self.s.cli("RENAMENX", "c", "d"), "0\n")
        self.assertTrue(self.r.renamenx("c", "e"))
        self.assertEqual(self.s.cli("RENAMENX", "e", "f"), "1\n")
        self.assertEqual(self.r.get("f"), b"1")

    def test_copy(self):
        self.r.set("a", "hello", ex=100)
        self.assertTrue(self.r.copy("a", "b"))
        self.assertEqual(self.r.get("b"), b"hello")
        self.assertIn(self.r.ttl("b"), (99, 100))
        self.assertFalse(self.r.copy("a", "b"))
        self.r.set("a", "new")
        self.assertTrue(self.r.copy("a", "b", replace=True))
        self.assertEqual(self.r.get("b"), b"new")
        self.assertEqual(self.s.cli("COPY", "a", "z", "DB", "1"), "1\n")
        r1 = self.s.client(db=1)
        try:
            self.assertEqual(r1.get("z"), b"new")
        finally:
            r1.close()
        self.assertEqual(self.s.cli("COPY", "a", "a"),
                         "ERR source and destination objects are the same\n\n")
        self.assertEqual(self.s.cli("COPY", "a", "z", "DB", "99"), "ERR DB index is out of range\n\n")

    def test_select_isolation(self):
        self.r.set("k", "db0")
        r1 = self.s.client(db=1)
        try:
            self.assertIsNone(r1.get("k"))
            r1.set("k", "db1")
            self.assertEqual(r1.keys("*"), [b"k"])
            self.assertEqual(self.r.get("k"), b"db0")
            self.assertEqual(r1.delete("k"), 1)
            self.assertEqual(self.r.get("k"), b"db0")
        finally:
            r1.close()
        self.assertEqual(self.s.cli("-n", "2", "SET", "k", "db2"), "OK\n")
        self.assertEqual(self.s.cli("-n", "2", "GET", "k"), "db2\n")
        self.assertEqual(self.r.get("k"), b"db0")
        self.assertEqual(self.s.cli("-n", "3", "EXISTS", "k"), "0\n")


if __name__ == "__main__":
    main()
