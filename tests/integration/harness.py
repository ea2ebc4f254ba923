"""Integration test harness: starts real raftcache-server processes on free
loopback ports and drives them with redis-py and redis-cli.

Rules (README, "Tests"): only 127.0.0.1 / ::1, free ports picked by the
kernel, every process cleaned up by PID, temporary directories removed.

Run with Debian's /usr/bin/python3 (python3-redis is installed for it).
The server binary comes from $RAFTCACHE_SERVER (ctest sets it), else
../../build/raftcache-server.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

import redis

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.environ.get("RAFTCACHE_SOURCE", os.path.abspath(os.path.join(HERE, "..", "..")))
SERVER_BIN = os.environ.get("RAFTCACHE_SERVER", os.path.join(SOURCE, "build", "raftcache-server"))
REDIS_CLI = shutil.which("redis-cli") or "/usr/bin/redis-cli"
REDIS_BENCHMARK = shutil.which("redis-benchmark") or "/usr/bin/redis-benchmark"


def free_port():
    """A port the kernel says is free on 127.0.0.1 now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One raftcache-server process.

    Server(config_text=None, args=[...], env={...}).  Starts in a fresh
    temporary directory (its cwd, holding data files), on a free port bound
    to 127.0.0.1 only, and waits until it answers PING.
    """

    def __init__(self, config_text=None, args=(), env=None, port=None, start=True,
                 workdir=None, wait=True):
        self.port = port or free_port()
        self.workdir = workdir or tempfile.mkdtemp(prefix="rc-test-")
        self.own_workdir = workdir is None
        self.config_path = None
        if config_text is not None:
            self.config_path = os.path.join(self.workdir, "raftcache.yaml")
            with open(self.config_path, "w") as f:
                f.write(config_text)
        self.args = list(args)
        self.env = dict(os.environ)
        self.env.update(env or {})
        self.proc = None
        self.log_path = os.path.join(self.workdir, "server.log")
        if start:
            self.start(wait=wait)

    def command_line(self):
        cmd = [SERVER_BIN]
        if self.config_path:
            cmd += ["-c", self.config_path]
        cmd += ["--port", str(self.port), "--bind", "127.0.0.1"]
        cmd += self.args
        return cmd

    def start(self, wait=True):
        self.logf = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.command_line(), cwd=self.workdir, env=self.env,
                                     stdout=self.logf, stderr=subprocess.STDOUT)
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout=10.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("server exited with %s:\n%s" % (self.proc.returncode, self.log()))
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                    s.sendall(b"PING\r\n")
                    data = s.recv(64)
                    if data.startswith(b"+PONG") or data.startswith(b"-NOAUTH"):
                        return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("server did not answer within %ss:\n%s" % (timeout, self.log()))

    def client(self, **kw):
        kw.setdefault("socket_timeout", 10)
        return redis.Redis(host="127.0.0.1", port=self.port, **kw)

    def cli(self, *args, input=None, check=True, extra=()):
        """Runs redis-cli against the server; returns its stdout (str)."""
        cmd = [REDIS_CLI, "-h", "127.0.0.1", "-p", str(self.port)] + list(extra) + [str(a) for a in args]
        r = subprocess.run(cmd, input=input, capture_output=True, timeout=30)
        if check and r.returncode != 0:
            raise AssertionError("redis-cli %s failed: %r %r" % (args, r.stdout, r.stderr))
        return r.stdout.decode("utf-8", "replace")

    def raw(self, payload, read_timeout=2.0, expect_close=False):
        """Sends raw bytes on a new connection and returns what comes back
        until the server closes or read_timeout passes."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=read_timeout) as s:
            s.sendall(payload)
            out = b""
            deadline = time.time() + read_timeout
            while time.time() < deadline:
                try:
                    chunk = s.recv(65536)
                except socket.timeout:
                    break
                if not chunk:
                    break
                out += chunk
            return out

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def send_signal(self, sig):
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, sig)

    def stop(self, sig=signal.SIGTERM, timeout=10.0):
        """Stops the process by PID; returns its exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            os.kill(self.proc.pid, sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.logf.close()
        rc = self.proc.returncode
        self.proc = None
        return rc

    def kill9(self):
        return self.stop(sig=signal.SIGKILL)

    def cleanup(self):
        self.stop()
        if self.own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)


class ServerTestCase(unittest.TestCase):
    """A test case with one server started for the whole class.

    Subclasses may set CONFIG (YAML text), ARGS and ENV.  self.r is a
    redis-py client (decode_responses=False), self.s the Server."""

    CONFIG = None
    ARGS = ()
    ENV = None

    @classmethod
    def setUpClass(cls):
        cls.s = Server(config_text=cls.CONFIG, args=cls.ARGS, env=cls.ENV)

    @classmethod
    def tearDownClass(cls):
        cls.s.cleanup()

    def setUp(self):
        self.r = self.s.client()
        self.r.flushall()

    def tearDown(self):
        self.r.close()


def run_redis_benchmark(test, port, *args):
    """Runs `redis-benchmark -q` with args against port; asserts it ran to
    the end with no error reply (it stops at the first one) and returns the
    sorted names of the tests that printed a result, and the output."""
    cmd = [REDIS_BENCHMARK, "-h", "127.0.0.1", "-p", str(port), "-q"] + [str(a) for a in args]
    p = subprocess.run(cmd, capture_output=True, timeout=300)
    out = (p.stdout + p.stderr).replace(b"\r", b"\n").decode("utf-8", "replace")
    test.assertEqual(p.returncode, 0, out)
    test.assertNotIn("rror", out)
    test.assertNotIn("ERR", out)
    done = [l for l in out.split("\n") if "requests per second" in l]
    return sorted(l.split(":")[0].strip() for l in done), out


def main():
    """Runs the unittest main of the calling module with verbose output."""
    if not os.path.exists(SERVER_BIN):
        print("server binary not found: %s" % SERVER_BIN, file=sys.stderr)
        sys.exit(1)
    unittest.main(verbosity=2)
