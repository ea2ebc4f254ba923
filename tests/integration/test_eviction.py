"""maxmemory and eviction end to end on a real server (docs/memory.md).

For each policy the server is filled past maxmemory and what was evicted
is checked against the policy: noeviction refuses SET with -OOM while GET
and DEL work; volatile-* never evict a key without a TTL (and refuse writes
once only such keys are left); volatile-ttl evicts the soonest-expiring;
allkeys-lru keeps the recently read keys, allkeys-lfu the often read ones.
Also: used_memory stays near maxmemory and the process's RSS stays bounded
while far more than the limit is written; used_memory follows what the
process holds; OBJECT FREQ / IDLETIME; the INFO fields; with the AOF on, a
restart reloads the dataset the evictions left; and a single-node Raft
server evicts through RAFT.EVICT log entries, with the same result after a
restart."""

import os
import signal
import time

import redis

import harness
from harness import ServerTestCase, main
from test_raft_single import RaftServer, log_rows

OOM = "OOM command not allowed when used memory > 'maxmemory'."
MB = 1024 * 1024
VALUE = b"x" * 1000


def asan(r):
    """Whether the server runs under AddressSanitizer: its heap then counts
    requested bytes, and its RSS holds shadow memory and a quarantine."""
    return "AddressSanitizer" in r.info("memory")["mem_allocator"]


def vm_rss(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def fill(r, prefix, n, ttl=None, start=0, chunk=100):
    """SETs prefix<i> = 1000 bytes for i in [start, start + n), pipelined by
    chunk (a small query buffer: client buffers count in used_memory)."""
    for base in range(start, start + n, chunk):
        p = r.pipeline(transaction=False)
        for i in range(base, min(base + chunk, start + n)):
            if ttl is None:
                p.set("%s%d" % (prefix, i), VALUE)
            else:
                p.set("%s%d" % (prefix, i), VALUE, ex=ttl(i))
        p.execute()


def alive(r, prefix, n):
    p = r.pipeline(transaction=False)
    for i in range(n):
        p.exists("%s%d" % (prefix, i))
    return sum(p.execute())


def check_log(server):
    """A clean stop, and no sanitizer report in the server's log."""
    rc = server.stop()
    log = server.log()
    for bad in ("AddressSanitizer", "LeakSanitizer", "runtime error:"):
        if bad in log:
            i = log.index(bad)
            raise AssertionError("%s in the server log:\n%s" % (bad, log[max(0, i - 500):i + 4000]))
    if rc not in (0, None):
        raise AssertionError("exit status %r:\n%s" % (rc, log[-3000:]))


class CheckedServerTestCase(ServerTestCase):
    @classmethod
    def tearDownClass(cls):
        try:
            check_log(cls.s)
        finally:
            cls.s.cleanup()


class EvictionTest(CheckedServerTestCase):
    ARGS = ("--appendonly", "no")

    def setUp(self):
        super().setUp()
        self.r.config_set("maxmemory", 0)
        self.r.config_set("maxmemory-policy", "noeviction")
        self.r.config_set("maxmemory-samples", 5)
        self.r.config_set("lfu-decay-time", 1)
        self.r.flushall()
        self.r.config_resetstat()

    def limit(self, mb, policy):
        """maxmemory = what the server uses now (empty) + mb."""
        base = self.r.info("memory")["used_memory"]
        limit = base + mb * MB
        self.r.config_set("maxmemory-policy", policy)
        self.r.config_set("maxmemory", limit)
        return limit

    def evicted(self):
        return self.r.info("stats")["evicted_keys"]

    def settle(self):
        """One eviction run stops after its time budget (the command runs
        anyway, as Redis's); commands and the cron go on.  Waits until
        they have nothing more to do."""
        last = -1
        for _ in range(200):
            ev = self.evicted()
            if ev == last:
                return
            last = ev
            time.sleep(0.02)

    def assert_near_limit(self, limit):
        used = self.r.info("memory")["used_memory"]
        # INFO evicts first: at most the limit, and not far below it
        self.assertLessEqual(used, limit)
        self.assertGreater(used, limit * 0.7)

    def test_noeviction(self):
        limit = self.limit(2, "noeviction")
        with self.assertRaises(redis.ResponseError) as cm:
            fill(self.r, "k", 5000)
        self.assertIn(OOM, str(cm.exception))
        n = self.r.dbsize()
        self.assertGreater(n, 1000)
        with self.assertRaises(redis.ResponseError):
            self.r.set("more", "v")
        with self.assertRaises(redis.ResponseError):
            self.r.rpush("list", "v")
        with self.assertRaises(redis.ResponseError):
            self.r.hset("hash", "f", "v")
        # reads, DEL, EXPIRE keep working
        self.assertEqual(self.r.get("k0"), VALUE)
        self.assertEqual(self.r.strlen("k1"), 1000)
        self.assertTrue(self.r.expire("k2", 1000))
        self.assertEqual(self.r.delete(*["k%d" % i for i in range(500)]), 500)
        self.assertTrue(self.r.set("more", "v"))
        self.assertEqual(self.evicted(), 0)
        self.assertLessEqual(self.r.info("memory")["used_memory"], limit)
        self.assertEqual(self.s.cli("SET", "a", "b").strip(), "OK")
        self.assertIn("errorstat_OOM:count=", self.s.cli("INFO", "errorstats"))

    def test_allkeys_lru_keeps_recently_read_keys(self):
        limit = self.limit(5, "allkeys-lru")
        fill(self.r, "cold", 2000)
        fill(self.r, "hot", 1000)
        time.sleep(2.1)  # the LRU clock counts seconds
        p = self.r.pipeline(transaction=False)
        for i in range(1000):
            p.get("hot%d" % i)
        p.execute()
        self.assertEqual(self.evicted(), 0)
        fill(self.r, "new", 2500)
        ev = self.evicted()
        self.assertGreater(ev, 300)
        hot, cold = alive(self.r, "hot", 1000), alive(self.r, "cold", 2000)
        # the idle keys go first
        self.assertGreaterEqual(hot, 950, (hot, cold, ev))
        self.assertLess(cold, 2000 - ev * 0.8, (hot, cold, ev))
        self.assert_near_limit(limit)

    def test_allkeys_lfu_keeps_often_read_keys(self):
        limit = self.limit(5, "allkeys-lfu")
        fill(self.r, "cold", 2000)
        fill(self.r, "hot", 1000)
        for _ in range(5):
            p = self.r.pipeline(transaction=False)
            for i in range(1000):
                p.get("hot%d" % i)
            p.execute()
        self.assertGreater(self.r.object("freq", "hot1"), 5)
        self.assertEqual(self.r.object("freq", "cold1"), 5)
        fill(self.r, "new", 2500)
        self.assertGreater(self.evicted(), 300)
        hot = alive(self.r, "hot", 1000)
        self.assertGreaterEqual(hot, 950)
        self.assert_near_limit(limit)

    def test_allkeys_random(self):
        limit = self.limit(3, "allkeys-random")
        fill(self.r, "k", 8000)
        ev = self.evicted()
        self.assertGreater(ev, 3000)
        self.assertEqual(self.r.dbsize(), 8000 - ev)
        # random: both halves lose keys
        self.assertLess(alive(self.r, "k", 4000), 4000)
        self.assert_near_limit(limit)

    def check_volatile(self, policy):
        limit = self.limit(4, policy)
        fill(self.r, "p", 1500)  # no TTL: never evicted
        fill(self.r, "t", 6000, ttl=lambda i: 10000 + i)
        self.assertGreater(self.evicted(), 2000)
        self.assertEqual(alive(self.r, "p", 1500), 1500)
        self.assert_near_limit(limit)
        # Once only keys without a TTL are left over the limit: -OOM
        self.r.config_set("maxmemory", self.r.info("memory")["used_memory"] - 3 * MB)
        self.settle()
        with self.assertRaises(redis.ResponseError) as cm:
            self.r.set("p-more", VALUE)
        self.assertEqual(str(cm.exception), OOM)
        self.assertEqual(alive(self.r, "p", 1500), 1500)
        self.assertEqual(alive(self.r, "t", 6000), 0)
        self.assertEqual(self.r.get("p7"), VALUE)

    def test_volatile_lru(self):
        self.check_volatile("volatile-lru")

    def test_volatile_lfu(self):
        self.check_volatile("volatile-lfu")

    def test_volatile_random(self):
        self.check_volatile("volatile-random")

    def test_volatile_ttl(self):
        self.limit(4, "volatile-ttl")
        fill(self.r, "p", 500)
        fill(self.r, "t", 6000, ttl=lambda i: 10000 + i)
        ev = self.evicted()
        self.assertGreater(ev, 2000)
        self.assertEqual(alive(self.r, "p", 500), 500)
        # the soonest-expiring went first: the survivors are mostly the
        # keys with the longest TTLs
        p = self.r.pipeline(transaction=False)
        for i in range(6000):
            p.exists("t%d" % i)
        live = [i for i, e in enumerate(p.execute()) if e]
        self.assertGreater(len(live), 1000)
        late = sum(1 for i in live if i >= 6000 - len(live) * 1.5)
        self.assertGreater(late, len(live) * 0.8, (len(live), late))
        self.r.config_set("maxmemory", 0)
        self.r.flushall()
        self.check_volatile("volatile-ttl")

    def test_rss_bounded_while_writing_far_more(self):
        pid = self.s.proc.pid
        limit = self.limit(5, "allkeys-lru")
        rss0 = vm_rss(pid)
        peak = 0
        for round_ in range(10):  # 60 MB through a 5 MB cache
            fill(self.r, "k", 6000, start=round_ * 6000)
            peak = max(peak, vm_rss(pid))
        self.assertGreater(self.evicted(), 50000)
        self.assert_near_limit(limit)
        info = self.r.info("memory")
        print("\nRSS before %.1f MB, peak %.1f MB, used_memory %.1f MB, peak %.1f MB, "
              "fragmentation %.2f" % (rss0 / MB, peak / MB, info["used_memory"] / MB,
                                      info["used_memory_peak"] / MB,
                                      info["mem_fragmentation_ratio"]))
        self.assertLess(info["used_memory_peak"], limit + 2 * MB)
        if not asan(self.r):
            # 60 MB went through; the process stays near the limit (plus
            # its code, libraries and the allocator's slack)
            self.assertLess(peak, limit + 12 * MB)

    def test_used_memory_follows_the_process(self):
        # a fresh process: one that held more before keeps those pages
        s = harness.Server(args=["--appendonly", "no"])
        try:
            r = s.client()
            pid = s.proc.pid
            i0, rss0 = r.info("memory"), vm_rss(pid)
            fill(r, "k", 20000)  # ~20 MB of values
            i1, rss1 = r.info("memory"), vm_rss(pid)
            grown = i1["used_memory"] - i0["used_memory"]
            # values, keys, entries and the table: a bit over the data itself
            self.assertGreater(grown, 20000 * 1000)
            self.assertLess(grown, 20000 * (1300 if not asan(r) else 2000))
            # the heap grew by what RSS grew by, within a few percent
            if not asan(r):
                self.assertLess(abs((rss1 - rss0) - grown), grown * 0.05, (rss1 - rss0, grown))
            self.assertGreaterEqual(i1["used_memory_peak"], i1["used_memory"])
            r.flushall()
            i2 = r.info("memory")
            self.assertLess(i2["used_memory"], i0["used_memory"] + MB)
            self.assertGreaterEqual(i2["used_memory_peak"], i1["used_memory"])
            r.close()
            check_log(s)
        finally:
            s.cleanup()

    def test_object_freq_idletime(self):
        self.r.set("k", "v")
        with self.assertRaises(redis.ResponseError) as cm:
            self.r.object("freq", "k")
        self.assertIn("An LFU maxmemory policy is not selected", str(cm.exception))
        time.sleep(2.1)
        self.assertGreaterEqual(self.r.object("idletime", "k"), 2)
        self.assertGreaterEqual(self.r.object("idletime", "k"), 2)  # OBJECT does not touch
        self.r.get("k")
        self.assertEqual(self.r.object("idletime", "k"), 0)
        self.assertIsNone(self.r.object("idletime", "nokey"))
        self.r.config_set("maxmemory-policy", "allkeys-lfu")
        with self.assertRaises(redis.ResponseError) as cm:
            self.r.object("idletime", "k")
        self.assertIn("An LFU maxmemory policy is selected, idle time not tracked",
                      str(cm.exception))
        self.r.set("f", "v")
        self.assertEqual(self.r.object("freq", "f"), 5)
        self.r.get("f")
        self.assertEqual(self.r.object("freq", "f"), 6)
        self.assertEqual(self.r.object("encoding", "f"), b"embstr")
        self.assertEqual(self.s.cli("OBJECT", "FREQ", "f").strip(), "6")
        self.assertIn("FREQ <key>", self.s.cli("OBJECT", "HELP"))

    def test_info_fields(self):
        self.limit(5, "allkeys-lru")
        mem = self.r.info("memory")
        for f in ("used_memory", "used_memory_human", "used_memory_rss", "used_memory_peak",
                  "used_memory_peak_human", "maxmemory", "maxmemory_human", "maxmemory_policy",
                  "mem_fragmentation_ratio"):
            self.assertIn(f, mem)
        self.assertEqual(mem["maxmemory_policy"], "allkeys-lru")
        self.assertGreater(mem["used_memory_rss"], mem["used_memory"])
        self.assertAlmostEqual(mem["mem_fragmentation_ratio"],
                               mem["used_memory_rss"] / mem["used_memory"], delta=0.1)
        self.r.set("a", "1")
        self.r.get("a")
        self.r.get("nokey")
        stats = self.r.info("stats")
        for f in ("evicted_keys", "keyspace_hits", "keyspace_misses", "expired_keys"):
            self.assertIn(f, stats)
        self.assertEqual(stats["keyspace_hits"], 1)
        self.assertEqual(stats["keyspace_misses"], 1)
        self.assertEqual(self.r.config_get("lfu-*"),
                         {"lfu-log-factor": "10", "lfu-decay-time": "1"})
        stats = self.r.memory_stats()
        self.assertIn("peak.allocated", stats)
        self.assertEqual(stats["keys.count"], 1)


class AofEvictionTest(CheckedServerTestCase):
    """Evictions are logged as DELs: a restart reloads the same dataset."""

    ARGS = ("--appendonly", "yes", "--appendfsync", "always", "--dir", "data")

    def dump(self):
        out = {}
        for k in self.r.scan_iter(count=1000):
            out[k] = (self.r.get(k), self.r.pttl(k) > 0)
        return out

    def test_restart_reloads_the_evicted_dataset(self):
        base = self.r.info("memory")["used_memory"]
        self.r.config_set("maxmemory-policy", "allkeys-lru")
        self.r.config_set("maxmemory", base + 3 * MB)
        fill(self.r, "k", 6000)
        fill(self.r, "t", 2000, ttl=lambda i: 100000)
        self.assertGreater(self.r.info("stats")["evicted_keys"], 3000)
        # no more evictions while the dump's commands run
        self.r.config_set("maxmemory", 0)
        before = self.dump()
        self.r.close()
        # restart without the limit, so nothing is evicted after the load
        self.s.stop(signal.SIGKILL)
        self.s.args = list(self.ARGS) + ["--maxmemory", "0"]
        self.s.start()
        self.r = self.s.client()
        after = self.dump()
        self.assertEqual(len(after), len(before))
        self.assertEqual(after, before)


class RaftEvictionTest(harness.ServerTestCase):
    """A single-node Raft server: the leader proposes RAFT.EVICT, every
    node (here the one) deletes when it applies; the log holds them."""

    @classmethod
    def setUpClass(cls):
        cls.s = RaftServer()

    @classmethod
    def tearDownClass(cls):
        try:
            cls.s.stop()
            cls.s.check_log()
        finally:
            cls.s.cleanup()

    def test_leader_evicts_through_the_log(self):
        r = self.r
        base = r.info("memory")["used_memory"]
        limit = base + 4 * MB
        r.config_set("maxmemory-policy", "allkeys-lru")
        r.config_set("maxmemory", limit)
        last = int(r.info("raft")["raft_last_log_index"])
        fill(r, "k", 12000)
        used = r.info("memory")["used_memory"]
        self.assertLessEqual(used, limit + MB)
        # stop evicting (the cron goes on otherwise) to count
        r.config_set("maxmemory", 0)
        ev = r.info("stats")["evicted_keys"]
        self.assertGreater(ev, 5000)
        self.assertEqual(r.dbsize(), 12000 - ev)
        rows = log_rows(self.s.workdir, above=last)
        evicts = [row for row in rows if b"RAFT.EVICT" in row[3]]
        self.assertGreater(len(evicts), 0)
        # the evicted keys are in those entries, once each
        named = sum(row[3].count(b"\r\n$") - 1 for row in evicts)
        self.assertGreaterEqual(named, ev)

        # noeviction: the leader refuses; nothing is proposed for it
        r.config_set("maxmemory-policy", "noeviction")
        r.config_set("maxmemory", r.info("memory")["used_memory"] - MB)
        n = int(r.info("raft")["raft_last_log_index"])
        with self.assertRaises(redis.ResponseError) as cm:
            r.set("x", "y")
        self.assertEqual(str(cm.exception), OOM)
        self.assertEqual(r.get("k11999"), VALUE)
        self.assertEqual(int(r.info("raft")["raft_last_log_index"]), n)

        # a restart (AOF + log replay) has the same dataset
        keys = sorted(r.scan_iter(count=1000))
        r.close()
        self.s.args = ["--maxmemory", "0"]
        self.s.restart()
        self.r = self.s.client()
        self.assertEqual(sorted(self.r.scan_iter(count=1000)), keys)


if __name__ == "__main__":
    main()
