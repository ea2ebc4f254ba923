"""The list commands end to end on a real server, through redis-py and
redis-cli: every non-blocking command, binary-safe elements, Redis's exact
error texts, wrong types, removal of emptied lists, TYPE and SCAN TYPE, a
list surviving a restart through the AOF and through BGREWRITEAOF (with its
TTL), and redis-benchmark's list tests running to the end."""

import time

import redis

import harness
from harness import ServerTestCase, main
from test_aof import AofServer, persistence, wait_rewrite_done

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


class ListsTest(ServerTestCase):
    def err(self, *args):
        with self.assertRaises(redis.ResponseError) as cm:
            self.r.execute_command(*args)
        return str(cm.exception)

    def cli(self, *args):
        return self.s.cli(*args).rstrip("\n")

    def items(self, key):
        return self.r.lrange(key, 0, -1)

    def test_push_len_range(self):
        r = self.r
        self.assertEqual(r.rpush("l", "a", "b", "c"), 3)
        self.assertEqual(r.lpush("l", "x", "y"), 5)
        self.assertEqual(self.items("l"), [b"y", b"x", b"a", b"b", b"c"])
        self.assertEqual(r.llen("l"), 5)
        self.assertEqual(self.cli("LLEN", "l"), "5")
        self.assertEqual(self.cli("RPUSH", "l", "d"), "6")
        self.assertEqual(self.cli("LPUSH", "l", "z"), "7")
        self.assertEqual(self.cli("LRANGE", "l", "0", "2"), "z\ny\nx")
        self.assertEqual(r.lrange("l", -2, -1), [b"c", b"d"])
        self.assertEqual(r.lrange("l", 5, 2), [])
        self.assertEqual(r.lrange("nokey", 0, -1), [])
        self.assertEqual(r.lpushx("nokey", "a"), 0)
        self.assertEqual(r.rpushx("nokey", "a"), 0)
        self.assertEqual(r.exists("nokey"), 0)
        self.assertEqual(r.lpushx("l", "p"), 8)
        self.assertEqual(self.cli("RPUSHX", "l", "q", "r"), "10")
        self.assertEqual(r.lindex("l", 0), b"p")
        self.assertEqual(r.lindex("l", -1), b"r")
        self.assertIsNone(r.lindex("l", 100))
        self.assertEqual(self.err("LRANGE", "l", "a", "1"),
                         "value is not an integer or out of range")
        self.assertEqual(self.err("LPUSH", "l"), "wrong number of arguments for 'lpush' command")
        self.assertEqual(r.type("l"), b"list")
        self.assertEqual(self.cli("TYPE", "l"), "list")

    def test_binary_safe(self):
        r = self.r
        vals = [b"", b"\x00\xff\r\n", b"x" * 100000]
        self.assertEqual(r.rpush("b", *vals), 3)
        self.assertEqual(self.items("b"), vals)
        self.assertEqual(r.lpos("b", b"\x00\xff\r\n"), 1)
        self.assertEqual(r.lrem("b", 0, b""), 1)

    def test_pop(self):
        r = self.r
        self.assertIsNone(r.lpop("l"))
        self.assertIsNone(r.rpop("l", 3))
        r.rpush("l", *"abcde")
        self.assertEqual(r.lpop("l"), b"a")
        self.assertEqual(r.rpop("l"), b"e")
        self.assertEqual(r.lpop("l", 2), [b"b", b"c"])
        self.assertEqual(r.lpop("l", 0), [])
        self.assertEqual(self.err("LPOP", "l", "-1"), "value is out of range, must be positive")
        self.assertEqual(self.err("RPOP", "l", "1", "2"),
                         "wrong number of arguments for 'rpop' command")
        self.assertEqual(self.cli("RPOP", "l", "5"), "d")
        self.assertEqual(r.exists("l"), 0)  # emptied: deleted
        self.assertEqual(self.cli("LPOP", "l"), "")

    def test_lset_linsert_lrem_ltrim(self):
        r = self.r
        self.assertEqual(self.err("LSET", "nokey", "0", "x"), "no such key")
        r.rpush("l", *"abcab")
        self.assertTrue(r.lset("l", -1, "z"))
        self.assertEqual(self.err("LSET", "l", "9", "x"), "index out of range")
        self.assertEqual(self.cli("LSET", "l", "0", "A"), "OK")
        self.assertEqual(self.items("l"), [b"A", b"b", b"c", b"a", b"z"])
        self.assertEqual(r.linsert("l", "BEFORE", "c", "X"), 6)
        self.assertEqual(r.linsert("l", "AFTER", "z", "end"), 7)
        self.assertEqual(r.linsert("l", "AFTER", "nope", "end"), -1)
        self.assertEqual(self.cli("LINSERT", "nokey", "AFTER", "a", "b"), "0")
        self.assertEqual(self.err("LINSERT", "l", "MIDDLE", "a", "b"), "syntax error")
        self.assertEqual(self.items("l"), [b"A", b"b", b"X", b"c", b"a", b"z", b"end"])
        r.rpush("l", "b", "b")
        self.assertEqual(r.lrem("l", -2, "b"), 2)
        self.assertEqual(r.lrem("l", 0, "b"), 1)
        self.assertEqual(self.cli("LREM", "l", "1", "zz"), "0")
        self.assertTrue(r.ltrim("l", 1, -2))
        self.assertEqual(self.items("l"), [b"X", b"c", b"a", b"z"])
        self.assertEqual(self.cli("LTRIM", "l", "0", "1"), "OK")
        self.assertEqual(self.items("l"), [b"X", b"c"])
        self.assertEqual(self.cli("LTRIM", "l", "5", "1"), "OK")
        self.assertEqual(r.exists("l"), 0)

    def test_lpos(self):
        r = self.r
        r.rpush("l", *"abc123cc")
        self.assertEqual(r.lpos("l", "c"), 2)
        self.assertEqual(r.lpos("l", "c", rank=-1), 7)
        self.assertEqual(r.lpos("l", "c", count=0), [2, 6, 7])
        self.assertEqual(r.lpos("l", "c", rank=2, count=2), [6, 7])
        self.assertEqual(r.lpos("l", "c", count=0, maxlen=3), [2])
        self.assertIsNone(r.lpos("l", "zz"))
        self.assertEqual(self.cli("LPOS", "l", "c", "RANK", "-2"), "6")
        self.assertEqual(self.err("LPOS", "l", "c", "RANK", "0"),
                         "RANK can't be zero: use 1 to start from the first match, 2 from the "
                         "second ... or use negative to start from the end of the list")
        self.assertEqual(self.err("LPOS", "l", "c", "COUNT", "-1"), "COUNT can't be negative")
        self.assertEqual(self.err("LPOS", "l", "c", "MAXLEN", "-1"), "MAXLEN can't be negative")
        self.assertEqual(self.err("LPOS", "l", "c", "BOGUS", "1"), "syntax error")

    def test_lmove_rpoplpush(self):
        r = self.r
        self.assertIsNone(r.lmove("src", "dst"))
        r.rpush("src", "a", "b", "c")
        self.assertEqual(r.lmove("src", "dst", "LEFT", "RIGHT"), b"a")
        self.assertEqual(r.rpoplpush("src", "dst"), b"c")
        self.assertEqual(self.cli("LMOVE", "src", "dst", "RIGHT", "LEFT"), "b")
        self.assertEqual(r.exists("src"), 0)
        self.assertEqual(self.items("dst"), [b"b", b"c", b"a"])
        self.assertEqual(self.cli("RPOPLPUSH", "dst", "dst"), "a")
        self.assertEqual(self.items("dst"), [b"a", b"b", b"c"])
        self.assertEqual(self.err("LMOVE", "dst", "x", "UP", "LEFT"), "syntax error")

    def test_wrong_type(self):
        r = self.r
        r.set("s", "v")
        r.rpush("l", "a")
        for args in (("LPUSH", "s", "a"), ("RPUSHX", "s", "a"), ("LPOP", "s"), ("LLEN", "s"),
                     ("LRANGE", "s", 0, -1), ("LINDEX", "s", 0), ("LSET", "s", 0, "a"),
                     ("LINSERT", "s", "BEFORE", "a", "b"), ("LREM", "s", 0, "a"),
                     ("LTRIM", "s", 0, 1), ("LPOS", "s", "a"), ("LMOVE", "l", "s", "LEFT", "LEFT"),
                     ("RPOPLPUSH", "s", "l"), ("HSET", "l", "f", "v"), ("GET", "l")):
            self.assertEqual(self.err(*args), WRONGTYPE, args)
        self.assertEqual(self.items("l"), [b"a"])
        self.assertEqual(self.cli("LLEN", "s"), WRONGTYPE)

    def test_scan_type_and_expiry(self):
        r = self.r
        r.rpush("l1", "a")
        r.rpush("l2", "a")
        r.set("s", "v")
        r.hset("h", "f", "v")
        keys = sorted(r.scan_iter(_type="list"))
        self.assertEqual(keys, [b"l1", b"l2"])
        self.assertEqual(r.pexpire("l1", 50), 1)
        self.assertEqual(r.rpush("l1", "b"), 2)
        self.assertGreater(r.pttl("l1"), 0)
        time.sleep(0.15)
        self.assertEqual(r.llen("l1"), 0)
        self.assertEqual(r.exists("l1"), 0)

    def test_command_info(self):
        lines = self.cli("COMMAND", "INFO", "lmove").split("\n")
        self.assertEqual(lines[:7], ["lmove", "5", "write", "denyoom", "1", "2", "1"])
        out = self.cli("COMMAND", "DOCS", "lpos")
        self.assertIn("RANK", out)


class ListsPersistenceTest(harness.unittest.TestCase):
    def test_restart_and_rewrite(self):
        s = AofServer(fsync="always")
        try:
            r = s.client()
            r.rpush("big", *["e%d" % i for i in range(1000)])
            r.lpush("big", "head")
            r.rpop("big")
            r.lmove("big", "moved", "LEFT", "RIGHT")
            r.linsert("big", "BEFORE", "e10", "ins")
            r.lrem("big", 0, "e20")
            r.lset("big", 5, "set5")
            r.ltrim("big", 1, -2)
            r.rpush("ttl", "x", "y")
            r.pexpireat("ttl", 4102444800000)
            r.rpush("gone", "a")
            r.lpop("gone")
            r.rpush("bin", b"\x00\r\n", b"")
            want = {k: r.lrange(k, 0, -1) for k in ("big", "moved", "ttl", "bin")}
            r.close()
            s.restart()
            r = s.client()
            for k, v in want.items():
                self.assertEqual(r.lrange(k, 0, -1), v, k)
            self.assertEqual(r.exists("gone"), 0)
            self.assertEqual(r.pexpiretime("ttl"), 4102444800000)
            n = persistence(r)["aof_rewrites"]
            r.bgrewriteaof()
            wait_rewrite_done(r, n)
            r.close()
            s.restart()
            r = s.client()
            for k, v in want.items():
                self.assertEqual(r.lrange(k, 0, -1), v, k)
            self.assertEqual(r.type("big"), b"list")
            self.assertEqual(r.pexpiretime("ttl"), 4102444800000)
            self.assertEqual(r.pexpiretime("big"), -1)
            r.close()
            self.assertNotIn("failed on replay", s.log())
        finally:
            s.cleanup()


class ListsBenchmarkTest(ServerTestCase):
    def test_benchmark_lists(self):
        names, out = harness.run_redis_benchmark(self, self.s.port, "-n", 20000, "-t",
                                                 "lpush,rpush,lpop,rpop,lrange_100")
        self.assertEqual(names, sorted(["LPUSH", "RPUSH", "LPOP", "RPOP",
                                        "LPUSH (needed to benchmark LRANGE)",
                                        "LRANGE_100 (first 100 elements)"]), out)

if __name__ == "__main__":
    main()
