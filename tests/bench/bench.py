#!/usr/bin/python3
"""Side-by-side benchmark: raftcache vs Debian's redis-server, same machine,
same run, same redis-benchmark invocation.  Prints requests/s of each and the
ratio raftcache / redis (>= 1.0 means raftcache is at least as fast).

The machines are shared and noisy, so each row runs ROUNDS times with the two
servers alternating, and the median of each side is compared.  Only ratios
are meaningful; the absolute numbers are printed for context.

Usage:
  /usr/bin/python3 tests/bench/bench.py [--suite basic|aof|load|raft|cluster|all]
        [-n REQUESTS] [--rounds R] [--clients C] [--keys K] [--server PATH]
        [--failover-rounds F] [--markdown]

Suites:
  basic  SET, GET, HSET at -P 1 and -P 16 (in memory: no persistence on
         either side)
  aof    SET at -P 1 and -P 16 with appendonly on, fsync everysec and always
         on both sides, then the load rows below
  load   only the load rows: the same K-key data set (default 1M keys,
         SET key:<n> with a 32-byte value, fed by `redis-cli --pipe`) is
         written to each server with appendonly yes (fsync everysec,
         automatic rewrite off); each server is restarted and the time from
         process start to the first +PONG (PING answers -LOADING until the
         data is in memory) is measured, (a) with the log as written and
         (b) after BGREWRITEAOF (Redis 7: an RDB-preamble base file;
         raftcache: the compact framed AOF).  The ratio there is
         redis time / raftcache time, so >= 1.0 still means raftcache is at
         least as fast.
  raft   single-node Raft SET at -P 1 and -P 16 (USE_RAFT=1, the AOF at its
         default everysec) against redis-server with appendonly yes +
         appendfsync always: each side pays one fsync per batch of writes
         (raftcache: the SQLite commit of the Raft log).  Target ratio >=
         0.8.  Two more rows put raftcache's AOF at always as well (two
         fsyncs per batch).
  types  the data types of issue 7 at -P 1 and -P 16: LPUSH, LPOP (after
         an LPUSH run fills the list), SADD, ZADD, LRANGE_100 (redis-
         benchmark fills the list with its own LPUSH run first); each row
         is the named test of one redis-benchmark invocation
  memory memory per key: K keys (default 1M) written with `redis-cli
         --pipe` into a fresh server, used_memory (INFO memory) after minus
         before, divided by K: small strings (SET key:<n> <32 bytes>) and
         small hashes (HSET hash:<n> with 4 fields of 8-byte values).  The
         ratio is redis bytes / raftcache bytes, so >= 1.0 means raftcache
         needs at most as much memory.
  cluster
         a 3-node Raft cluster (tests/integration/cluster.py: three
         processes on loopback, free ports, AOF everysec, election timeout
         1000 ms, heartbeat 100 ms): SET throughput and p50/p99 latency
         (redis-benchmark --csv) at -P 1 and -P 16 against the leader,
         beside single-node Raft and redis-server with appendfsync always,
         the three alternating each round, medians compared.  Then
         failover: F times, a fresh cluster, kill -9 of the leader, the time
         until a client retrying SET on the survivors (following -MOVED)
         gets its first OK.  All of it shares the machine's cores: the
         three nodes and redis-benchmark compete for them.
"""

import argparse
import csv
import io
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("server exited early")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                if s.recv(16).startswith(b"+PONG"):
                    return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("server on port %d not ready" % port)


class Proc:
    def __init__(self, argv, port, cwd, env=None):
        self.port = port
        self.proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        wait_port(port, self.proc)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def redis_argv(workdir, persistence, port, extra=()):
    argv = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
            "--dir", workdir, "--daemonize", "no", "--protected-mode", "yes"]
    if persistence:
        argv += ["--appendonly", "yes", "--appendfsync", persistence]
    else:
        argv += ["--appendonly", "no"]
    return argv + list(extra)


def raftcache_argv(binary, workdir, persistence, port, extra=()):
    argv = [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", workdir,
            "--loglevel", "warning"]
    if persistence:
        argv += ["--appendonly", "yes", "--appendfsync", persistence]
    else:
        argv += ["--appendonly", "no"]
    return argv + list(extra)


def start_redis(workdir, persistence):
    port = free_port()
    return Proc(redis_argv(workdir, persistence, port), port, workdir)


def start_raftcache(binary, workdir, persistence):
    port = free_port()
    return Proc(raftcache_argv(binary, workdir, persistence, port), port, workdir)


# ---- load time ----

def command(port, *args):
    """One command on a fresh connection; returns the raw reply bytes."""
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
        s.sendall(b"".join(out))
        data = b""
        while True:
            chunk = s.recv(1 << 16)
            if not chunk:
                return data
            data += chunk
            head, sep, _ = data.partition(b"\r\n")
            if not sep:
                continue
            if not data.startswith(b"$"):
                return data
            n = int(head[1:])
            if n < 0 or len(data) >= len(head) + 2 + n + 2:
                return data


def info_field(port, section, name):
    for line in command(port, "INFO", section).decode().split("\r\n"):
        if line.startswith(name + ":"):
            return line.split(":", 1)[1]
    return None


def write_protocol(path, nkeys):
    """The data set as RESP, once, for `redis-cli --pipe`."""
    value = b"v" * 32
    with open(path, "wb") as f:
        chunk = []
        for i in range(nkeys):
            key = b"key:%09d" % i
            chunk.append(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$32\r\n%s\r\n"
                         % (len(key), key, value))
            if len(chunk) == 10000:
                f.write(b"".join(chunk))
                chunk = []
        f.write(b"".join(chunk))


def timed_start(argv, port, cwd, timeout=300):
    """Starts a server and returns (proc, seconds until the first +PONG)."""
    t0 = time.monotonic()
    proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = t0 + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("server exited early: %r" % argv)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
                s.sendall(b"PING\r\n")
                if s.recv(64).startswith(b"+PONG"):
                    return proc, time.monotonic() - t0
        except OSError:
            pass
        time.sleep(0.002)
    raise RuntimeError("server on port %d not ready" % port)


def stop_proc(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wait_rewrite(port, timeout=300):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if (info_field(port, "persistence", "aof_rewrite_in_progress") == "0" and
                info_field(port, "persistence", "aof_rewrite_scheduled") in ("0", None)):
            return
        time.sleep(0.05)
    raise RuntimeError("rewrite did not finish")


def load_times(who, binary, proto_path, nkeys):
    """Writes the data set, restarts twice; returns (as written, after
    BGREWRITEAOF) load seconds."""
    wd = tempfile.mkdtemp(prefix="rc-bench-load-")
    port = free_port()
    if who == "redis":
        argv = redis_argv(wd, "everysec", port, ["--auto-aof-rewrite-percentage", "0"])
    else:
        argv = raftcache_argv(binary, wd, "everysec", port, ["--auto-aof-rewrite-enabled", "no"])
    proc = None
    try:
        proc, _ = timed_start(argv, port, wd)
        with open(proto_path, "rb") as f:
            subprocess.run(["redis-cli", "-p", str(port), "--pipe"], stdin=f, check=True,
                           capture_output=True, timeout=600)
        times = []
        for rewrite in (False, True):
            if rewrite:
                command(port, "BGREWRITEAOF")
                time.sleep(0.2)
                wait_rewrite(port)
            stop_proc(proc)
            proc, secs = timed_start(argv, port, wd)
            n = int(command(port, "DBSIZE")[1:].strip())
            if n != nkeys:
                raise RuntimeError("%s loaded %d keys, expected %d" % (who, n, nkeys))
            times.append(secs)
        return times
    finally:
        if proc:
            stop_proc(proc)
        shutil.rmtree(wd, ignore_errors=True)


def bench_load(args, results):
    fd, proto = tempfile.mkstemp(prefix="rc-bench-proto-")
    os.close(fd)
    try:
        write_protocol(proto, args.keys)
        ours, theirs = [[], []], [[], []]
        for _ in range(args.rounds):
            for who in ("redis", "raftcache"):
                t = load_times(who, args.server, proto, args.keys)
                side = theirs if who == "redis" else ours
                side[0].append(t[0])
                side[1].append(t[1])
        for i, what in enumerate(("as written", "after BGREWRITEAOF")):
            mo, mt = statistics.median(ours[i]), statistics.median(theirs[i])
            label = "load %dk keys, %s" % (args.keys // 1000, what)
            results.append((label, mt, mo, mt / mo, "s"))
            print("%-40s redis %8.3f s  raftcache %8.3f s  ratio %.2f" % (label, mt, mo, mt / mo),
                  flush=True)
    finally:
        os.unlink(proto)


CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_ticks(pid):
    """User + system CPU time of a process so far, in clock ticks."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)


def run_benchmark(port, test, pipeline, requests, clients, row=None):
    """Runs redis-benchmark -t test; returns the rps of the CSV row named
    row (default: the first row)."""
    out = subprocess.run(
        ["redis-benchmark", "-h", "127.0.0.1", "-p", str(port), "-t", test, "-n",
         str(requests), "-c", str(clients), "-P", str(pipeline), "-r", "100000", "--csv"],
        capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        raise RuntimeError("redis-benchmark failed: %s" % out.stderr)
    rows = list(csv.reader(io.StringIO(out.stdout)))
    for r in rows[1:]:
        if r and (row is None or r[0] == row):
            return float(r[1])
    raise RuntimeError("no result %r from redis-benchmark: %r" % (row, out.stdout))


def run_benchmark_lat(port, test, pipeline, requests, clients):
    """Like run_benchmark, with the latency columns of redis-benchmark 7's
    CSV: returns {"rps", "p50", "p99"} (latencies in ms)."""
    out = subprocess.run(
        ["redis-benchmark", "-h", "127.0.0.1", "-p", str(port), "-t", test, "-n",
         str(requests), "-c", str(clients), "-P", str(pipeline), "-r", "100000", "--csv"],
        capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        raise RuntimeError("redis-benchmark failed: %s" % out.stderr)
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    for row in rows:
        if row.get("rps"):
            return {"rps": float(row["rps"]), "p50": float(row["p50_latency_ms"]),
                    "p99": float(row["p99_latency_ms"])}
    raise RuntimeError("no result from redis-benchmark: %r" % out.stdout)


def bench_rows(suite):
    """(persistence, redis-benchmark -t list, pipeline, CSV row or None, label)"""
    rows = []
    if suite in ("basic", "all"):
        for test in ("set", "get", "hset"):
            for p in (1, 16):
                rows.append((None, test, p, None, test.upper()))
    if suite in ("aof", "all"):
        for fsync in ("everysec", "always"):
            for p in (1, 16):
                rows.append((fsync, "set", p, None, "SET"))
    if suite in ("types", "all"):
        for t, row in (("lpush", "LPUSH"), ("lpush,lpop", "LPOP"), ("sadd", "SADD"),
                       ("zadd", "ZADD"), ("lrange_100", "LRANGE_100 (first 100 elements)")):
            for p in (1, 16):
                rows.append((None, t, p, row, row.split(" ")[0]))
    return rows


# ---- memory per key ----

def write_protocol_kind(path, nkeys, kind):
    with open(path, "wb") as f:
        chunk = []
        for i in range(nkeys):
            if kind == "string":
                key = b"key:%09d" % i
                chunk.append(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$32\r\n%s\r\n"
                             % (len(key), key, b"v" * 32))
            else:
                key = b"hash:%09d" % i
                parts = [b"HSET", key]
                for fno in range(4):
                    parts += [b"field%d" % fno, b"%08d" % (i + fno)]
                chunk.append(b"*%d\r\n" % len(parts) +
                             b"".join(b"$%d\r\n%s\r\n" % (len(x), x) for x in parts))
            if len(chunk) == 10000:
                f.write(b"".join(chunk))
                chunk = []
        f.write(b"".join(chunk))


def memory_per_key(who, binary, proto_path, nkeys):
    wd = tempfile.mkdtemp(prefix="rc-bench-mem-")
    p = None
    try:
        p = start_redis(wd, None) if who == "redis" else start_raftcache(binary, wd, None)
        before = int(info_field(p.port, "memory", "used_memory"))
        with open(proto_path, "rb") as f:
            subprocess.run(["redis-cli", "-p", str(p.port), "--pipe"], stdin=f, check=True,
                           capture_output=True, timeout=600)
        n = int(command(p.port, "DBSIZE")[1:].strip())
        if n != nkeys:
            raise RuntimeError("%s holds %d keys, expected %d" % (who, n, nkeys))
        after = int(info_field(p.port, "memory", "used_memory"))
        with open("/proc/%d/status" % p.proc.pid) as st:
            rss = [int(x.split()[1]) * 1024 for x in st if x.startswith("VmRSS:")][0]
        return (after - before) / nkeys, rss / nkeys
    finally:
        if p:
            p.stop()
        shutil.rmtree(wd, ignore_errors=True)


def bench_memory(args, results):
    for kind in ("string", "hash"):
        fd, proto = tempfile.mkstemp(prefix="rc-bench-proto-")
        os.close(fd)
        try:
            write_protocol_kind(proto, args.keys, kind)
            theirs = memory_per_key("redis", args.server, proto, args.keys)
            ours = memory_per_key("raftcache", args.server, proto, args.keys)
        finally:
            os.unlink(proto)
        label = "%dk %ss: bytes/key" % (args.keys // 1000, kind)
        results.append((label, theirs[0], ours[0], theirs[0] / ours[0], "B"))
        print("%-28s redis %8.1f B  raftcache %8.1f B  ratio %.2f   (RSS/key: redis %.1f B, "
              "raftcache %.1f B)" % (label, theirs[0], ours[0], theirs[0] / ours[0], theirs[1],
                                    ours[1]), flush=True)


# ---- single-node Raft ----

def start_raftcache_raft(binary, workdir, aof_fsync):
    port = free_port()
    env = dict(os.environ, USE_RAFT="1", RAFT_DIR=os.path.join(workdir, "raftdata"))
    return Proc(raftcache_argv(binary, workdir, aof_fsync, port), port, workdir, env=env)


def bench_raft(args, results):
    """SET through the Raft log vs redis-server with appendfsync always."""
    for aof_fsync in ("everysec", "always"):
        for pipeline in (1, 16):
            # one fsync per batch on both sides: -P 1 runs fewer requests
            n = args.n if pipeline > 1 else max(args.n // 4, 10000)
            ours, theirs = [], []
            for _ in range(args.rounds):
                for who in ("redis", "raftcache"):
                    wd = tempfile.mkdtemp(prefix="rc-bench-raft-")
                    try:
                        if who == "redis":
                            p = start_redis(wd, "always")
                        else:
                            p = start_raftcache_raft(args.server, wd, aof_fsync)
                        try:
                            rps = run_benchmark(p.port, "set", pipeline, n, args.clients)
                        finally:
                            p.stop()
                    finally:
                        shutil.rmtree(wd, ignore_errors=True)
                    (theirs if who == "redis" else ours).append(rps)
            mo, mt = statistics.median(ours), statistics.median(theirs)
            label = "SET -P %d raft (aof %s) vs redis always" % (pipeline, aof_fsync)
            results.append((label, mt, mo, mo / mt, "req/s"))
            print("%-40s redis %10.0f  raftcache %10.0f  ratio %.2f%s"
                  % (label, mt, mo, mo / mt,
                     "" if aof_fsync != "everysec" or mo / mt >= 0.8 else "  (below 0.8)"),
                  flush=True)


# ---- 3-node cluster ----

def import_cluster(binary):
    """tests/integration/cluster.py, pointed at the binary under test."""
    os.environ["RAFTCACHE_SERVER"] = binary
    sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
    import cluster
    return cluster


def bench_cluster(args):
    cluster = import_cluster(args.server)
    sides = ("redis always", "raft 1 node", "raft 3 nodes")
    table = []
    for pipeline in (1, 16):
        n = args.n if pipeline > 1 else max(args.n // 4, 10000)
        samples = {who: [] for who in sides}
        for _ in range(args.rounds):
            for who in sides:
                if who == "raft 3 nodes":
                    c = cluster.Cluster(3, loglevel="warning", binary=args.server)
                    try:
                        leader = c.leader()
                        res = run_benchmark_lat(leader.port, "set", pipeline, n, args.clients)
                        # every node applied it all: the cluster kept up
                        c.wait_converged(timeout=120)
                    finally:
                        c.cleanup(check=False)
                else:
                    wd = tempfile.mkdtemp(prefix="rc-bench-cluster-")
                    try:
                        if who == "redis always":
                            p = start_redis(wd, "always")
                        else:
                            p = start_raftcache_raft(args.server, wd, "everysec")
                        try:
                            res = run_benchmark_lat(p.port, "set", pipeline, n, args.clients)
                        finally:
                            p.stop()
                    finally:
                        shutil.rmtree(wd, ignore_errors=True)
                samples[who].append(res)
        med = {who: {k: statistics.median(r[k] for r in samples[who]) for k in ("rps", "p50", "p99")}
               for who in sides}
        table.append((pipeline, med))
        print("SET -P %-2d  " % pipeline + "  ".join(
            "%s %.0f req/s p50 %.3f p99 %.3f ms" % (who, med[who]["rps"], med[who]["p50"],
                                                   med[who]["p99"]) for who in sides), flush=True)

    failovers = []
    for _ in range(args.failover_rounds):
        c = cluster.Cluster(3, loglevel="warning", binary=args.server)
        try:
            c.leader()
            c.write("SET", "warm", "1")
            c.wait_converged()
            secs, _, _ = c.measure_failover()
            failovers.append(secs)
            print("failover %.3f s" % secs, flush=True)
        finally:
            c.cleanup(check=False)

    print()
    print("| SET, %d clients | redis always | raft 1 node | raft 3 nodes | 3 nodes / 1 node "
          "| 3 nodes / redis |" % args.clients)
    print("|---|---:|---:|---:|---:|---:|")
    for pipeline, med in table:
        r, one, three = med["redis always"], med["raft 1 node"], med["raft 3 nodes"]
        print("| -P %d req/s | %.0f | %.0f | %.0f | %.2f | %.2f |"
              % (pipeline, r["rps"], one["rps"], three["rps"], three["rps"] / one["rps"],
                 three["rps"] / r["rps"]))
        for k in ("p50", "p99"):
            print("| -P %d %s ms | %.3f | %.3f | %.3f | %.2f | %.2f |"
                  % (pipeline, k, r[k], one[k], three[k], three[k] / one[k], three[k] / r[k]))
    if failovers:
        print()
        print("Failover (kill -9 of the leader to the first acknowledged write, election "
              "timeout 1000 ms, %d runs): median %.2f s, min %.2f s, max %.2f s"
              % (len(failovers), statistics.median(failovers), min(failovers), max(failovers)))
        print("runs: " + ", ".join("%.2f" % f for f in sorted(failovers)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--suite", default="basic")
    ap.add_argument("-n", type=int, default=200000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--server", default=os.environ.get(
        "RAFTCACHE_SERVER", os.path.join(ROOT, "build", "raftcache-server")))
    ap.add_argument("--keys", type=int, default=1000000, help="keys of the load data set")
    ap.add_argument("--failover-rounds", type=int, default=5)
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args()
    args.server = os.path.abspath(args.server)
    if not shutil.which("redis-server") or not shutil.which("redis-benchmark"):
        sys.exit("needs Debian's redis-server and redis-tools")

    results = []
    for persistence, test, pipeline, csv_row, name in bench_rows(args.suite):
        # fsync per batch: -P 1 under always is slow; a quarter of the
        # requests still runs long enough to average out the disk.
        n = args.n if persistence != "always" or pipeline > 1 else max(args.n // 4, 10000)
        ours, theirs = [], []
        cpu = {"redis": [], "raftcache": []}
        for rnd in range(args.rounds):
            # Alternate who goes first (ABBA...): the second run of a pair
            # finds the machine in another state (caches, sockets in
            # TIME_WAIT, the other agent's load), which must not always
            # fall on the same side.
            order = ("redis", "raftcache") if rnd % 2 == 0 else ("raftcache", "redis")
            for who in order:
                wd = tempfile.mkdtemp(prefix="rc-bench-")
                try:
                    if who == "redis":
                        p = start_redis(wd, persistence)
                    else:
                        p = start_raftcache(args.server, wd, persistence)
                    try:
                        t0 = cpu_ticks(p.proc.pid)
                        rps = run_benchmark(p.port, test, pipeline, n, args.clients, csv_row)
                        t1 = cpu_ticks(p.proc.pid)
                        cpu[who].append((t1 - t0) * 1e6 / CLK_TCK / n)
                    finally:
                        p.stop()
                finally:
                    shutil.rmtree(wd, ignore_errors=True)
                (theirs if who == "redis" else ours).append(rps)
        mo, mt = statistics.median(ours), statistics.median(theirs)
        co, ct = statistics.median(cpu["raftcache"]), statistics.median(cpu["redis"])
        label = "%s -P %d" % (name, pipeline)
        if persistence:
            label += " (aof %s)" % persistence
        results.append((label, mt, mo, mo / mt, "req/s"))
        print("%-28s redis %12.0f  raftcache %12.0f  ratio %.2f   server CPU/req: redis %.2f us"
              "  raftcache %.2f us  (redis/raftcache %.2f)"
              % (label, mt, mo, mo / mt, ct, co, ct / co if co else float("inf")), flush=True)
    if args.suite in ("aof", "load", "all"):
        bench_load(args, results)
    if args.suite in ("memory", "all"):
        bench_memory(args, results)
    if args.suite in ("raft", "all"):
        bench_raft(args, results)
    if args.suite in ("cluster", "all"):
        bench_cluster(args)

    if args.markdown:
        print()
        print("| test (%d clients) | redis-server | raftcache | ratio |" % args.clients)
        print("|---|---:|---:|---:|")
        for label, mt, mo, r, unit in results:
            if unit == "B":
                print("| %s | %.1f B | %.1f B | %.2f |" % (label, mt, mo, r))
            elif unit == "s":
                print("| %s | %.3f s | %.3f s | %.2f |" % (label, mt, mo, r))
            else:
                print("| %s | %.0f req/s | %.0f req/s | %.2f |" % (label, mt, mo, r))


if __name__ == "__main__":
    main()
