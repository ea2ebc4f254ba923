"""The set commands end to end on a real server, through redis-py and
redis-cli: every command, binary-safe members, Redis's error texts, a set
surviving a restart through the AOF and through BGREWRITEAOF (SPOP logged
as the SREM of what it took), SPOP on a 3-node Raft cluster leaving the
same set on every node and replayed from a single node's log into a new
process, and redis-benchmark's set tests."""


import redis

import harness
from harness import ServerTestCase, main
from test_aof import AofServer, persistence, wait_rewrite_done
from cluster import Cluster
from test_raft_single import RaftServer

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


class SetsTest(ServerTestCase):
    def err(self, *args):
        with self.assertRaises(redis.ResponseError) as cm:
            self.r.execute_command(*args)
        return str(cm.exception)

    def cli(self, *args):
        return self.s.cli(*args).rstrip("\n")

    def test_basic(self):
        r = self.r
        self.assertEqual(r.sadd("s", "a", "b", "c", b"\x00\r\n"), 4)
        self.assertEqual(r.sadd("s", "a"), 0)
        self.assertEqual(r.smembers("s"), {b"a", b"b", b"c", b"\x00\r\n"})
        self.assertEqual(r.scard("s"), 4)
        self.assertTrue(r.sismember("s", b"\x00\r\n"))
        self.assertEqual(r.smismember("s", ["a", "zz"]), [1, 0])
        self.assertEqual(r.srem("s", "a", "zz"), 1)
        self.assertEqual(r.type("s"), b"set")
        self.assertEqual(self.cli("SCARD", "s"), "3")
        self.assertEqual(self.cli("SADD", "s", "d"), "1")
        r.set("str", "v")
        self.assertEqual(self.err("SADD", "str", "a"), WRONGTYPE)
        self.assertEqual(self.cli("SMEMBERS", "str"), WRONGTYPE)
        self.assertEqual(r.srem("s", "b", "c", b"\x00\r\n", "d"), 4)
        self.assertEqual(r.exists("s"), 0)

    def test_algebra(self):
        r = self.r
        r.sadd("a", 1, 2, 3, 4)
        r.sadd("b", 3, 4, 5)
        self.assertEqual(r.sinter("a", "b"), {b"3", b"4"})
        self.assertEqual(r.sunion("a", "b"), {b"1", b"2", b"3", b"4", b"5"})
        self.assertEqual(r.sdiff("a", "b"), {b"1", b"2"})
        self.assertEqual(r.sinterstore("d", "a", "b"), 2)
        self.assertEqual(r.sunionstore("d", "a", "b"), 5)
        self.assertEqual(r.sdiffstore("d", "a", "b"), 2)
        self.assertEqual(r.smembers("d"), {b"1", b"2"})
        self.assertEqual(r.execute_command("SINTERCARD", 2, "a", "b"), 2)
        self.assertEqual(r.execute_command("SINTERCARD", 2, "a", "b", "LIMIT", 1), 1)
        self.assertEqual(self.err("SINTERCARD", 0, "a"), "numkeys should be greater than 0")
        self.assertEqual(r.smove("a", "b", 1), True)
        self.assertEqual(r.smove("a", "b", 99), False)
        self.assertEqual(r.sismember("b", 1), 1)

    def test_spop_srandmember_sscan(self):
        r = self.r
        members = {b"m%d" % i for i in range(200)}
        r.sadd("s", *members)
        self.assertIn(r.srandmember("s"), members)
        self.assertEqual(len(set(r.srandmember("s", 50))), 50)
        self.assertEqual(len(r.srandmember("s", -500)), 500)
        popped = set(r.spop("s", 30))
        self.assertEqual(len(popped), 30)
        self.assertLessEqual(popped, members)
        self.assertEqual(r.scard("s"), 170)
        self.assertEqual(set(r.sscan_iter("s", count=7)), members - popped)
        self.assertEqual(set(r.sscan_iter("s", match="m1*")),
                         {m for m in members - popped if m.startswith(b"m1")})
        self.assertEqual(self.err("SPOP", "s", -1), "value is out of range, must be positive")
        self.assertEqual(len(r.spop("s", 1000)), 170)
        self.assertEqual(r.exists("s"), 0)
        self.assertIsNone(r.spop("s"))

    def test_redis_order_of_checks_and_reply_types(self):
        # As redis-server 7.0.15 answers.
        r = self.r
        r.set("str", "v")
        r.sadd("s", "a")
        self.assertEqual(r.smove("nokey", "str", "a"), False)  # no source: 0 before types
        self.assertEqual(self.err("SMOVE", "s", "str", "a"), WRONGTYPE)
        self.assertEqual(self.err("SRANDMEMBER", "s", "-9223372036854775808"),
                         "value is out of range, value must between -9223372036854775807 and "
                         "9223372036854775807")
        r.sadd("t", "x", "y", "z")
        # RESP3: SRANDMEMBER with a count is an array, SPOP with one a set
        out = self.s.raw(b"HELLO 3\r\nSRANDMEMBER s 5\r\nSRANDMEMBER t 2\r\nSRANDMEMBER s -2\r\n"
                         b"SPOP s 5\r\nQUIT\r\n")
        tail = out[out.index(b"*1\r\n$1\r\na\r\n"):]
        self.assertTrue(tail.startswith(b"*1\r\n$1\r\na\r\n*2\r\n$1\r\n"), out)
        self.assertTrue(tail.endswith(b"*2\r\n$1\r\na\r\n$1\r\na\r\n~1\r\n$1\r\na\r\n+OK\r\n"),
                        out)

    def test_command_info(self):
        lines = self.cli("COMMAND", "INFO", "sadd").split("\n")
        self.assertEqual(lines[:7], ["sadd", "-3", "write", "denyoom", "fast", "1", "1"])
        self.assertIn("@set", self.cli("COMMAND", "INFO", "smembers"))


class SetsPersistenceTest(harness.unittest.TestCase):
    def test_restart_and_rewrite(self):
        s = AofServer(fsync="always")
        try:
            r = s.client()
            r.sadd("big", *["e%d" % i for i in range(3000)])
            popped = r.spop("big", 100)
            r.spop("big")
            r.srem("big", "e1", "e2")
            r.smove("big", "moved", "e3")
            r.sadd("bin", b"\x00\r\n", b"")
            r.sadd("ttl", "x")
            r.pexpireat("ttl", 4102444800000)
            r.sunionstore("u", "big", "bin")
            r.sadd("gone", "a")
            r.spop("gone", 5)
            want = {k: r.smembers(k) for k in ("big", "moved", "bin", "ttl", "u")}
            self.assertFalse(set(popped) & want["big"])
            r.close()
            s.restart()
            r = s.client()
            for k, v in want.items():
                self.assertEqual(r.smembers(k), v, k)
            self.assertEqual(r.exists("gone"), 0)
            n = persistence(r)["aof_rewrites"]
            r.bgrewriteaof()
            wait_rewrite_done(r, n)
            r.close()
            s.restart()
            r = s.client()
            for k, v in want.items():
                self.assertEqual(r.smembers(k), v, k)
            self.assertEqual(r.type("big"), b"set")
            self.assertEqual(r.pexpiretime("ttl"), 4102444800000)
            r.close()
            self.assertNotIn("failed on replay", s.log())
        finally:
            s.cleanup()


class SetsClusterTest(harness.unittest.TestCase):
    def test_spop_same_on_every_node(self):
        """SPOP is applied from the log on each node: the choice must not
        depend on the node's dict layout or RNG."""
        cl = Cluster(3, read_mode="stale", election_ms=500, heartbeat_ms=50)
        try:
            leader = cl.leader()
            with leader.conn() as c:
                for i in range(0, 2000, 100):
                    c.call("SADD", "s", *["m%d" % j for j in range(i, i + 100)])
                for _ in range(20):
                    c.call("SPOP", "s", 7)
                    c.call("SPOP", "s")
                c.call("SREM", "s", "m5")
            cl.wait_converged()
            sets = []
            for node in cl.nodes:
                with node.conn() as c:
                    sets.append(set(c.call("SMEMBERS", "s")))
            # 2000 added, 160 popped, m5 removed unless a pop took it
            self.assertLessEqual(len(sets[0]), 1840)
            self.assertGreaterEqual(len(sets[0]), 1839)
            self.assertEqual(sets[0], sets[1])
            self.assertEqual(sets[0], sets[2])
        finally:
            cl.cleanup()


class SetsRaftReplayTest(harness.unittest.TestCase):
    def test_spop_replayed_from_the_log(self):
        """A single Raft node with no AOF rebuilds its data by applying the
        whole log again after kill -9: in a new process (a new SipHash seed,
        so other bucket orders), each SPOP entry must take what it took."""
        s = RaftServer(args=["--appendonly", "no"])
        try:
            r = s.client()
            r.sadd("s", *["m%d" % i for i in range(300)])
            taken = [r.spop("s")]
            for n in (1, 5, 50, 0, 250):
                taken.extend(r.spop("s", n))
            r.sadd("s", *["n%d" % i for i in range(100)])
            taken.extend(r.spop("s", 60))
            self.assertEqual(len(set(taken)), 1 + 1 + 5 + 50 + 243 + 60)
            before = r.smembers("s")
            self.assertEqual(len(before), 40)
            self.assertFalse(before & set(taken))
            r.close()
            s.kill9()
            s.start()
            r = s.client()
            self.assertEqual(r.smembers("s"), before)
            r.close()
            s.stop()
            s.check_log()
        finally:
            s.cleanup()


class SetsBenchmarkTest(ServerTestCase):
    def test_benchmark_sets(self):
        names, out = harness.run_redis_benchmark(self, self.s.port, "-n", 20000, "-t", "sadd,spop")
        self.assertEqual(names, ["SADD", "SPOP"], out)

if __name__ == "__main__":
    main()
