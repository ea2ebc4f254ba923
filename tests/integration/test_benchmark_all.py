"""Plain `redis-benchmark -q` with every default test runs to the end
against raftcache: redis-benchmark stops at the first error reply, so every
default test must appear with a requests-per-second line and no error.

The issue asks for `-n 100000`; the test uses fewer requests (the command
set is what matters, and the suite has a time budget).  The full run is in
docs/performance.md."""


import harness
from harness import ServerTestCase, main


# redis-benchmark 7.0's default tests, as it names them in its output.
DEFAULT_TESTS = [
    "PING_INLINE", "PING_MBULK", "SET", "GET", "INCR", "LPUSH", "RPUSH", "LPOP", "RPOP", "SADD",
    "HSET", "SPOP", "ZADD", "ZPOPMIN", "LPUSH (needed to benchmark LRANGE)",
    "LRANGE_100 (first 100 elements)", "LRANGE_300 (first 300 elements)",
    "LRANGE_500 (first 500 elements)", "LRANGE_600 (first 600 elements)", "MSET (10 keys)",
]


class BenchmarkAllTest(ServerTestCase):
    def run_benchmark(self, *extra):
        return harness.run_redis_benchmark(self, self.s.port, "-n", 5000, *extra)

    def test_all_default_tests(self):
        names, out = self.run_benchmark()
        self.assertEqual(names, sorted(DEFAULT_TESTS), out)
        # The list the LRANGE tests read is there (SPOP and ZPOPMIN empty
        # myset and myzset: redis-benchmark adds one member over and over).
        self.assertEqual(self.r.type("mylist"), b"list")
        self.assertGreaterEqual(self.r.llen("mylist"), 600)

    def test_all_default_tests_pipelined(self):
        names, out = self.run_benchmark("-P", "16")
        self.assertEqual(names, sorted(DEFAULT_TESTS), out)


if __name__ == "__main__":
    main()
