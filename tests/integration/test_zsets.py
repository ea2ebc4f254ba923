"""The sorted set commands end to end on a real server, through redis-py
and redis-cli: scores, ranks and ranges, a 100k-member sorted set checked
against a sorted Python list, a sorted set surviving a restart through the
AOF and through BGREWRITEAOF (exact scores), a 3-node Raft cluster ending
with the same sorted set everywhere, and redis-benchmark's zset tests."""

import random

import redis

import harness
from harness import ServerTestCase, main
from test_aof import AofServer, persistence, wait_rewrite_done
from cluster import Cluster

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


class ZsetsTest(ServerTestCase):
    def err(self, *args):
        with self.assertRaises(redis.ResponseError) as cm:
            self.r.execute_command(*args)
        return str(cm.exception)

    def cli(self, *args):
        return self.s.cli(*args).rstrip("\n")

    def test_basic(self):
        r = self.r
        self.assertEqual(r.zadd("z", {"a": 1, "b": 2.5, b"\x00\r\n": -1}), 3)
        self.assertEqual(r.zscore("z", "b"), 2.5)
        self.assertEqual(r.zrange("z", 0, -1, withscores=True),
                         [(b"\x00\r\n", -1.0), (b"a", 1.0), (b"b", 2.5)])
        self.assertEqual(r.zrank("z", "b"), 2)
        self.assertEqual(r.zrevrank("z", "b"), 0)
        self.assertEqual(r.zincrby("z", 10, "a"), 11.0)
        self.assertEqual(r.zadd("z", {"a": 0}, gt=True, ch=True), 0)
        self.assertEqual(r.zadd("z", {"a": 0}, lt=True, ch=True), 1)
        self.assertEqual(r.zcount("z", "(0", "+inf"), 1)
        self.assertEqual(r.zrangebyscore("z", "-inf", "+inf", start=1, num=1), [b"a"])
        self.assertEqual(r.zpopmin("z"), [(b"\x00\r\n", -1.0)])
        self.assertEqual(r.zpopmax("z", 5), [(b"b", 2.5), (b"a", 0.0)])
        self.assertEqual(r.exists("z"), 0)
        self.assertEqual(self.cli("ZADD", "z", "1", "x"), "1")
        self.assertEqual(self.cli("ZSCORE", "z", "x"), "1")
        self.assertEqual(self.err("ZADD", "z", "nan", "x"), "value is not a valid float")
        r.set("s", "v")
        self.assertEqual(self.err("ZADD", "s", 1, "a"), WRONGTYPE)
        self.assertEqual(r.type("z"), b"zset")

    def test_lex_and_store(self):
        r = self.r
        r.zadd("l", {m: 0 for m in "abcdefg"})
        self.assertEqual(r.zrangebylex("l", "[b", "(e"), [b"b", b"c", b"d"])
        self.assertEqual(r.zrevrangebylex("l", "+", "-", start=0, num=2), [b"g", b"f"])
        self.assertEqual(r.zlexcount("l", "-", "+"), 7)
        self.assertEqual(r.zremrangebylex("l", "-", "[b"), 2)
        r.zadd("w1", {"a": 1, "b": 2})
        r.zadd("w2", {"b": 3, "c": 4})
        r.sadd("s", "c")
        self.assertEqual(r.zunionstore("u", {"w1": 1, "w2": 2, "s": 10}), 3)
        self.assertEqual(r.zrange("u", 0, -1, withscores=True),
                         [(b"a", 1.0), (b"b", 8.0), (b"c", 18.0)])
        self.assertEqual(r.zinterstore("i", ["w1", "w2"], aggregate="MAX"), 1)
        self.assertEqual(r.zscore("i", "b"), 3.0)
        self.assertEqual(r.execute_command("ZRANGESTORE", "rs", "u", 1, -1), 2)
        self.assertEqual(sorted(m for m, _ in r.zscan_iter("u")), [b"a", b"b", b"c"])

    def test_large_against_model(self):
        """100k members: ranks, ranges and removals match a sorted list."""
        r = self.r
        rnd = random.Random(7)
        model = {}
        pipe = r.pipeline(transaction=False)
        for i in range(100000):
            m = "m%d" % i
            s = rnd.randint(0, 5000) / 4.0
            model[m] = s
            pipe.zadd("big", {m: s})
            if i % 5000 == 4999:
                pipe.execute()
        pipe.execute()
        order = sorted(model, key=lambda m: (model[m], m.encode()))
        self.assertEqual(r.zcard("big"), 100000)
        for m in rnd.sample(order, 200):
            self.assertEqual(r.zrank("big", m), order.index(m))
        for start in (0, 777, 50000, 99990):
            self.assertEqual([x.decode() for x in r.zrange("big", start, start + 9)],
                             order[start:start + 10])
        lo, hi = 100.0, 101.0
        want = [m for m in order if lo <= model[m] <= hi]
        self.assertEqual([x.decode() for x in r.zrangebyscore("big", lo, hi)], want)
        self.assertEqual(r.zcount("big", lo, hi), len(want))
        self.assertEqual(r.zremrangebyrank("big", 0, 999), 1000)
        self.assertEqual(r.zrange("big", 0, 0)[0].decode(), order[1000])


class ZsetsPersistenceTest(harness.unittest.TestCase):
    def test_restart_and_rewrite(self):
        s = AofServer(fsync="always")
        try:
            r = s.client()
            r.zadd("z", {"m%d" % i: i / 3.0 for i in range(1000)})
            r.zadd("z", {"inf": float("inf"), "ninf": float("-inf"), b"\x00": 0.1})
            r.zincrby("z", 1.1, "m5")
            r.zpopmin("z", 3)
            r.zremrangebyscore("z", 100, 200)
            r.zadd("ttl", {"a": 1})
            r.pexpireat("ttl", 4102444800000)
            r.zunionstore("u", ["z", "ttl"])
            want = {k: r.zrange(k, 0, -1, withscores=True) for k in ("z", "ttl", "u")}
            r.close()
            s.restart()
            r = s.client()
            for k, v in want.items():
                self.assertEqual(r.zrange(k, 0, -1, withscores=True), v, k)
            n = persistence(r)["aof_rewrites"]
            r.bgrewriteaof()
            wait_rewrite_done(r, n)
            r.close()
            s.restart()
            r = s.client()
            for k, v in want.items():
                self.assertEqual(r.zrange(k, 0, -1, withscores=True), v, k)
            self.assertEqual(r.pexpiretime("ttl"), 4102444800000)
            r.close()
            self.assertNotIn("failed on replay", s.log())
        finally:
            s.cleanup()


class ZsetsClusterTest(harness.unittest.TestCase):
    def test_same_on_every_node(self):
        cl = Cluster(3, read_mode="stale", election_ms=500, heartbeat_ms=50)
        try:
            leader = cl.leader()
            with leader.conn() as c:
                for i in range(50):
                    c.call("ZADD", "z", i % 7, "m%d" % i)
                c.call("ZINCRBY", "z", "0.1", "m3")
                c.call("ZPOPMAX", "z", 2)
                c.call("ZUNIONSTORE", "u", 1, "z", "WEIGHTS", "2")
            cl.wait_converged()
            seen = []
            for node in cl.nodes:
                with node.conn() as c:
                    seen.append(c.call("ZRANGE", "u", 0, -1, "WITHSCORES"))
            self.assertEqual(len(seen[0]), 96)
            self.assertEqual(seen[0], seen[1])
            self.assertEqual(seen[0], seen[2])
        finally:
            cl.cleanup()


class ZsetsBenchmarkTest(ServerTestCase):
    def test_benchmark_zsets(self):
        names, out = harness.run_redis_benchmark(self, self.s.port, "-n", 20000, "-t",
                                                 "zadd,zpopmin")
        self.assertEqual(names, ["ZADD", "ZPOPMIN"], out)

if __name__ == "__main__":
    main()
