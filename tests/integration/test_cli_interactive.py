"""redis-cli and redis-benchmark (Debian's 7.0 tools) against raftcache.

redis-cli 7 in interactive mode sends COMMAND DOCS at start and asserts on
the shape of the answer (an abort kills it), then uses it for HELP and for
the grey hints shown while typing.  These tests run it under a pseudo
terminal as a user would, type commands character by character (so the
hints are computed), and check both the answers and that it is still alive.

`redis-cli --stat` writes through stdio, which is only line-buffered on a
terminal, so it runs under a pty too.
"""

import fcntl
import os
import pty
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

REDIS_BENCHMARK = shutil.which("redis-benchmark") or "/usr/bin/redis-benchmark"
ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")


def strip_ansi(data):
    return ANSI.sub(b"", data).replace(b"\r", b"")


class PtyProcess:
    """A child process on a pseudo terminal of a fixed size."""

    def __init__(self, argv, env=None, cols=200, rows=50):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # child
            try:
                if env:
                    os.environ.update(env)
                os.execv(argv[0], argv)
            finally:
                os._exit(127)
        # A real window size: without it linenoise asks the terminal for
        # the cursor position, which nobody here would answer.
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.out = b""
        self.status = None

    def read_for(self, seconds):
        """Reads whatever comes within `seconds`; returns it."""
        return self.read_until(None, seconds)

    def read_until(self, pattern, timeout=10.0):
        """Reads until `pattern` (bytes, or a compiled regex) appears in the
        new output, or EOF, or the timeout; returns the new output."""
        got = b""
        deadline = time.time() + timeout
        while time.time() < deadline:
            r, _, _ = select.select([self.fd], [], [], 0.05)
            if r:
                try:
                    chunk = os.read(self.fd, 65536)
                except OSError:  # EIO: the child has gone
                    break
                if not chunk:
                    break
                # Should linenoise still ask where the cursor is, answer.
                if b"\x1b[6n" in chunk:
                    os.write(self.fd, b"\x1b[1;1R")
                got += chunk
                if pattern is not None:
                    plain = strip_ansi(got)
                    if (pattern.search(plain) if hasattr(pattern, "search") else pattern in plain):
                        break
        self.out += got
        return got

    def type(self, text, delay=0.003):
        for ch in text.encode():
            os.write(self.fd, bytes([ch]))
            time.sleep(delay)

    def alive(self):
        if self.status is not None:
            return False
        pid, status = os.waitpid(self.pid, os.WNOHANG)
        if pid == 0:
            return True
        self.status = status
        return False

    def wait(self, timeout=10.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if not self.alive():
                return self.status
            try:
                self.read_for(0.05)
            except OSError:
                time.sleep(0.05)
        return None

    def kill(self):
        if self.alive():
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
            self.status = -9
        try:
            os.close(self.fd)
        except OSError:
            pass


class RedisCliInteractive(harness.ServerTestCase):
    def setUp(self):
        super().setUp()
        self.home = tempfile.mkdtemp(prefix="rc-cli-home-")
        env = {"HOME": self.home, "TERM": "xterm", "REDISCLI_HISTFILE": "/dev/null",
               "REDISCLI_RCFILE": "/dev/null"}
        self.prompt = ("127.0.0.1:%d> " % self.s.port).encode()
        self.cli = PtyProcess([harness.REDIS_CLI, "-h", "127.0.0.1", "-p", str(self.s.port)],
                              env=env)
        first = self.cli.read_until(self.prompt, timeout=10)
        self.assertIn(self.prompt, strip_ansi(first),
                      "no prompt from redis-cli: %r" % strip_ansi(first))
        self.assertTrue(self.cli.alive(), "redis-cli died at start: %r" % self.cli.out)

    def tearDown(self):
        self.cli.kill()
        shutil.rmtree(self.home, ignore_errors=True)
        super().tearDown()

    def run_line(self, line, timeout=10):
        """Types a line, presses Enter, and returns the plain-text output that
        came between the Enter and the next prompt."""
        self.cli.type(line)
        typed = self.cli.read_for(0.1)
        os.write(self.cli.fd, b"\r")
        out = self.cli.read_until(re.compile(rb"\n" + re.escape(self.prompt)), timeout=timeout)
        self.assertTrue(self.cli.alive(), "redis-cli died after %r: %r" % (line, self.cli.out))
        plain = strip_ansi(out)
        # Drop the echo of the line itself and the final prompt.
        end = plain.rfind(b"\n" + self.prompt)
        if end >= 0:
            plain = plain[:end]
        return typed, plain.decode("utf-8", "replace")

    def test_commands_and_answers(self):
        _, out = self.run_line("SET foo bar")
        self.assertIn("OK", out)
        _, out = self.run_line("GET foo")
        self.assertIn('"bar"', out)
        _, out = self.run_line("HSET h f v")
        self.assertIn("(integer) 1", out)
        _, out = self.run_line("HGET h f")
        self.assertIn('"v"', out)
        _, out = self.run_line("INFO keyspace")
        self.assertIn("# Keyspace", out)
        self.assertIn("db0:keys=2,expires=0,avg_ttl=0", out)
        _, out = self.run_line("DBSIZE")
        self.assertIn("(integer) 2", out)
        _, out = self.run_line("CONFIG GET maxmemory")
        self.assertIn('"maxmemory"', out)
        _, out = self.run_line("NOSUCHCOMMAND x")
        self.assertIn("(error) ERR unknown command 'NOSUCHCOMMAND'", out)
        # Still answering after an error.
        _, out = self.run_line("PING")
        self.assertIn("PONG", out)
        self.cli.type("quit\r")
        status = self.cli.wait()
        self.assertIsNotNone(status, "redis-cli did not exit on quit")
        self.assertTrue(os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0,
                        "redis-cli ended badly: status %r" % status)

    def test_hints_come_from_command_docs(self):
        # While typing "INFO ", redis-cli shows the argument hint it built
        # from our COMMAND DOCS.
        typed, out = self.run_line("INFO ")
        self.assertIn(b"[section [section ...]]", strip_ansi(typed))
        typed, _ = self.run_line("CONFIG SET ")
        self.assertIn(b"parameter value [parameter value ...]", strip_ansi(typed))

    def test_help_from_command_docs(self):
        _, out = self.run_line("HELP INFO")
        self.assertIn("INFO [section [section ...]]", out)
        self.assertIn("Get information and statistics about the server", out)
        self.assertIn("since: 1.0.0", out)
        self.assertIn("group: server", out)
        _, out = self.run_line("HELP CONFIG SET")
        self.assertIn("CONFIG SET parameter value [parameter value ...]", out)
        _, out = self.run_line("HELP FLUSHALL")
        self.assertIn("FLUSHALL [ASYNC|SYNC]", out)
        # Every group name it learnt is a help topic.
        _, out = self.run_line("HELP @server")
        self.assertIn("DBSIZE", out)
        self.assertIn("COMMAND DOCS", out)


class RedisCliStat(harness.ServerTestCase):
    def test_stat_prints_lines(self):
        r = self.s.client()
        r.set("k1", "v")
        r.set("k2", "v")
        cli = PtyProcess([harness.REDIS_CLI, "-h", "127.0.0.1", "-p", str(self.s.port),
                          "--stat", "-i", "0.2"], env={"TERM": "xterm"})
        try:
            cli.read_for(2.0)
            self.assertTrue(cli.alive(), "redis-cli --stat exited: %r" % cli.out)
        finally:
            cli.kill()
        text = strip_ansi(cli.out).decode("utf-8", "replace")
        self.assertIn("------- data ------", text)
        self.assertNotIn("ERR", text)
        self.assertNotIn("rror", text)
        lines = [l for l in text.split("\n") if l.strip() and not l.startswith("---")
                 and not l.lstrip().startswith("keys")]
        self.assertGreaterEqual(len(lines), 3, text)
        # The keys column is the sum of the db*:keys fields.
        first = lines[0].split()
        self.assertEqual(first[0], "2", text)
        r.close()


class RedisBenchmark(harness.ServerTestCase):
    def test_benchmark_completes(self):
        cmd = [REDIS_BENCHMARK, "-h", "127.0.0.1", "-p", str(self.s.port), "-q", "-n", "2000",
               "-t", "set,get,incr,mset,ping_inline,ping_mbulk,hset"]
        r = subprocess.run(cmd, capture_output=True, timeout=240)
        out = (r.stdout + r.stderr).replace(b"\r", b"\n").decode("utf-8", "replace")
        self.assertEqual(r.returncode, 0, out)
        # It fetches CONFIG GET save / appendonly first and warns if it can't.
        self.assertNotIn("WARNING", out)
        self.assertNotIn("ERR", out)
        self.assertNotIn("rror", out)
        done = [l for l in out.split("\n") if "requests per second" in l]
        names = sorted(l.split(":")[0].strip() for l in done)
        self.assertEqual(names, sorted(["PING_INLINE", "PING_MBULK", "SET", "GET", "INCR",
                                        "HSET", "MSET (10 keys)"]), out)
        # The server is still there and counted the work.
        c = self.s.client()
        info = c.info("stats")
        self.assertGreaterEqual(info["total_commands_processed"], 7 * 2000)
        c.close()


if __name__ == "__main__":
    harness.main()
