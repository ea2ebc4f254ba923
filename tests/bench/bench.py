#!/usr/bin/python3
"""Side-by-side benchmark: raftcache vs Debian's redis-server, same machine,
same run, same redis-benchmark invocation.  Prints requests/s of each and the
ratio raftcache / redis (>= 1.0 means raftcache is at least as fast).

The machines are shared and noisy, so each row runs ROUNDS times with the two
servers alternating, and the median of each side is compared.  Only ratios
are meaningful; the absolute numbers are printed for context.

Usage:
  /usr/bin/python3 tests/bench/bench.py [--suite basic|aof|all] [-n REQUESTS]
        [--rounds R] [--clients C] [--server PATH] [--markdown]

Suites:
  basic  SET, GET, HSET at -P 1 and -P 16 (in memory: no persistence on
         either side)
  aof    SET at -P 1 and -P 16 with appendonly on, fsync everysec and always
         on both sides (needs the AOF in raftcache)
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
    def __init__(self, argv, port, cwd):
        self.port = port
        self.proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL,
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


def start_redis(workdir, persistence):
    port = free_port()
    argv = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
            "--dir", workdir, "--daemonize", "no", "--protected-mode", "yes"]
    if persistence:
        argv += ["--appendonly", "yes", "--appendfsync", persistence]
    else:
        argv += ["--appendonly", "no"]
    return Proc(argv, port, workdir)


def start_raftcache(binary, workdir, persistence):
    port = free_port()
    argv = [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", workdir,
            "--loglevel", "warning"]
    if persistence:
        argv += ["--appendonly", "yes", "--appendfsync", persistence]
    else:
        argv += ["--appendonly", "no"]
    return Proc(argv, port, workdir)


def run_benchmark(port, test, pipeline, requests, clients):
    out = subprocess.run(
        ["redis-benchmark", "-h", "127.0.0.1", "-p", str(port), "-t", test, "-n",
         str(requests), "-c", str(clients), "-P", str(pipeline), "-r", "100000", "--csv"],
        capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        raise RuntimeError("redis-benchmark failed: %s" % out.stderr)
    rows = list(csv.reader(io.StringIO(out.stdout)))
    for row in rows[1:]:
        if row:
            return float(row[1])
    raise RuntimeError("no result from redis-benchmark: %r" % out.stdout)


def bench_rows(suite):
    rows = []
    if suite in ("basic", "all"):
        for test in ("set", "get", "hset"):
            for p in (1, 16):
                rows.append((None, test, p))
    if suite in ("aof", "all"):
        for fsync in ("everysec", "always"):
            for p in (1, 16):
                rows.append((fsync, "set", p))
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--suite", default="basic")
    ap.add_argument("-n", type=int, default=200000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--server", default=os.environ.get(
        "RAFTCACHE_SERVER", os.path.join(ROOT, "build", "raftcache-server")))
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args()
    if not shutil.which("redis-server") or not shutil.which("redis-benchmark"):
        sys.exit("needs Debian's redis-server and redis-tools")

    results = []
    for persistence, test, pipeline in bench_rows(args.suite):
        n = args.n if persistence != "always" or pipeline > 1 else max(args.n // 10, 10000)
        ours, theirs = [], []
        for _ in range(args.rounds):
            for who in ("redis", "raftcache"):
                wd = tempfile.mkdtemp(prefix="rc-bench-")
                try:
                    if who == "redis":
                        p = start_redis(wd, persistence)
                    else:
                        p = start_raftcache(args.server, wd, persistence)
                    try:
                        rps = run_benchmark(p.port, test, pipeline, n, args.clients)
                    finally:
                        p.stop()
                finally:
                    shutil.rmtree(wd, ignore_errors=True)
                (theirs if who == "redis" else ours).append(rps)
        mo, mt = statistics.median(ours), statistics.median(theirs)
        label = "%s -P %d" % (test.upper(), pipeline)
        if persistence:
            label += " (aof %s)" % persistence
        results.append((label, mt, mo, mo / mt))
        print("%-28s redis %12.0f  raftcache %12.0f  ratio %.2f" % (label, mt, mo, mo / mt),
              flush=True)

    if args.markdown:
        print()
        print("| test (%d clients) | redis-server req/s | raftcache req/s | ratio |" % args.clients)
        print("|---|---:|---:|---:|")
        for label, mt, mo, r in results:
            print("| %s | %.0f | %.0f | %.2f |" % (label, mt, mo, r))


if __name__ == "__main__":
    main()
