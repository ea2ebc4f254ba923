"""The append-only file, end to end: real servers, real files, restarts.

What is checked (issue "Durable data: the framed CRC64 append-only file"):
round trips under every fsync policy (a full dump of keys, types, values and
absolute expire times is identical after a restart), rewrite under a write
load and the automatic trigger, torn tails and mid-file corruption (the
server and raftcache-check-aof agree on the offset), a full disk (a file
size limit: -MISCONF, reads go on, nothing acknowledged is lost),
CONFIG SET appendonly / appendfsync at run time, INFO persistence and the
loading progress log.  Crash rounds with SIGKILL are in test_aof_crash.py,
which imports the helpers below.

Every test starts its own servers in its own temporary directory.  The AOF
is <workdir>/data/appendonly.aof.  Run with /usr/bin/python3; the binaries
come from $RAFTCACHE_SERVER (raftcache-check-aof is looked up beside it).
"""

import os
import resource
import signal
import socket
import struct
import subprocess
import threading
import time
import unittest

import redis

import harness

CHECK_BIN = os.path.join(os.path.dirname(harness.SERVER_BIN), "raftcache-check-aof")
NDBS = 16


# ---- helpers (test_aof_crash.py uses them too) ----

class AofServer(harness.Server):
    """A server with the AOF on in <workdir>/data, restartable in place.

    fsize: a soft RLIMIT_FSIZE in bytes for the process (hard limit left
    unlimited, so `prlimit --pid` can raise it again); None for no limit.
    The server ignores SIGXFSZ, so a write past the limit fails with EFBIG."""

    def __init__(self, fsync="everysec", extra=(), fsize=None, **kw):
        self.fsize = fsize
        self.fsync = fsync
        args = ["--appendonly", "yes", "--appendfsync", fsync, "--dir", "data"]
        args += list(extra)
        kw.setdefault("args", args)
        super().__init__(**kw)

    @property
    def aof_path(self):
        return os.path.join(self.workdir, "data", "appendonly.aof")

    def start(self, wait=True):
        self.logf = open(self.log_path, "ab")
        limit = self.fsize

        def pre():
            if limit is not None:
                resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))

        self.proc = subprocess.Popen(self.command_line(), cwd=self.workdir, env=self.env,
                                     stdout=self.logf, stderr=subprocess.STDOUT,
                                     preexec_fn=pre)
        if wait:
            self.wait_ready()
        return self

    def restart(self, sig=signal.SIGTERM, fsize="same", wait=True):
        rc = self.stop(sig=sig)
        if sig == signal.SIGTERM and rc != 0:
            raise AssertionError("server exited with %r on SIGTERM:\n%s" % (rc, self.log()))
        if fsize != "same":
            self.fsize = fsize
        self.start(wait=wait)
        return rc

    def run_to_exit(self, timeout=20):
        """Starts the server expecting it to refuse to start; returns the
        exit code."""
        self.start(wait=False)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.stop(sig=signal.SIGKILL)
            raise AssertionError("server did not exit:\n%s" % self.log())
        self.logf.close()
        self.proc = None
        return rc


def wait_for(cond, timeout=10.0, interval=0.02, what="condition"):
    deadline = time.time() + timeout
    while True:
        v = cond()
        if v:
            return v
        if time.time() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(interval)


def persistence(r):
    return r.info("persistence")


def wait_rewrite_done(r, before, timeout=20.0):
    """Waits until INFO says aof_rewrites > before and no rewrite runs."""
    def done():
        i = persistence(r)
        return i["aof_rewrites"] > before and i["aof_rewrite_in_progress"] == 0 and i
    return wait_for(done, timeout, what="the AOF rewrite to finish")


def dump(server, dbs=range(NDBS)):
    """{(db, key): (type, value, pexpiretime)} of the whole dataset.  The
    expire time is absolute (PEXPIRETIME), so it compares exactly."""
    out = {}
    for db in dbs:
        r = server.client(db=db)
        try:
            keys = list(r.scan_iter(count=1000))
            if not keys:
                continue
            p = r.pipeline(transaction=False)
            for k in keys:
                p.type(k)
            types = p.execute()
            p = r.pipeline(transaction=False)
            for k, t in zip(keys, types):
                if t == b"string":
                    p.get(k)
                elif t == b"hash":
                    p.hgetall(k)
                else:
                    raise AssertionError("unexpected type %r of %r" % (t, k))
                p.execute_command("PEXPIRETIME", k)
            vals = p.execute()
            for i, (k, t) in enumerate(zip(keys, types)):
                out[(db, k)] = (t, vals[2 * i], vals[2 * i + 1])
        finally:
            r.close()
    return out


def assert_same_dump(tc, before, after):
    if before == after:
        return
    missing = [k for k in before if k not in after][:5]
    extra = [k for k in after if k not in before][:5]
    differ = [(k, before[k], after[k]) for k in before
              if k in after and before[k] != after[k]][:5]
    tc.fail("dump differs: %d vs %d keys; missing %r; extra %r; differ %r"
            % (len(before), len(after), missing, extra, differ))


class RawConn:
    """A minimal RESP client on a raw socket: the tests need to send without
    waiting, see a reply that does not come, and survive a SIGKILL."""

    def __init__(self, port, timeout=5.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    @staticmethod
    def encode(*args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        return b"".join(out)

    def send(self, *args):
        self.sock.sendall(self.encode(*args))

    def send_many(self, cmds):
        self.sock.sendall(b"".join(self.encode(*c) for c in cmds))

    def settimeout(self, t):
        self.sock.settimeout(t)

    def _line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exact(self, n):
        while len(self.buf) < n + 2:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def reply(self):
        """One reply: bytes for +/-/$ (errors as ('err', text)), int for :."""
        line = self._line()
        t, rest = line[:1], line[1:]
        if t == b"+":
            return rest
        if t == b"-":
            return ("err", rest.decode())
        if t == b":":
            return int(rest)
        if t == b"$":
            n = int(rest)
            return None if n < 0 else self._exact(n)
        if t == b"*":
            n = int(rest)
            return None if n < 0 else [self.reply() for _ in range(n)]
        raise AssertionError("bad reply line %r" % line)

    def call(self, *args):
        self.send(*args)
        return self.reply()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


# ---- a reader of the file format, to find frames in the tests ----

def frames(data):
    """[(offset, kind, payload_len, frame_len)] of the intact prefix."""
    out = []
    off = 0
    while off + 32 <= len(data):
        if data[off:off + 4] != b"\xf7RCF":
            break
        n = struct.unpack_from("<I", data, off + 8)[0]
        end = off + 32 + n
        if end > len(data) or data[end - 4:end] != b"\xf7END":
            break
        out.append((off, data[off + 4:off + 5], n, 32 + n))
        off = end
    return out


def check_aof(path, *opts):
    r = subprocess.run([CHECK_BIN] + list(opts) + [path], capture_output=True, timeout=30)
    return r.returncode, r.stdout.decode("utf-8", "replace") + r.stderr.decode("utf-8", "replace")


class AofTestCase(unittest.TestCase):
    """Tracks the servers a test starts and removes them at the end."""

    def setUp(self):
        self.servers = []

    def tearDown(self):
        problems = []
        for s in self.servers:
            rc = s.stop()
            log = s.log()
            if rc not in (None, 0):
                problems.append("server exited with %r on SIGTERM" % rc)
            for bad in ("AddressSanitizer", "LeakSanitizer", "runtime error:"):
                if bad in log:
                    problems.append("%s in the server log:\n%s" % (bad, log[-3000:]))
            s.cleanup()
        if problems:
            self.fail("\n".join(problems))

    def server(self, fsync="everysec", extra=(), **kw):
        s = AofServer(fsync=fsync, extra=extra, **kw)
        self.servers.append(s)
        return s


# ---- 1. round trips ----

def populate(s):
    """Writes a bit of everything; returns nothing (the dump is the truth)."""
    r = s.client()
    now_ms = int(time.time() * 1000)
    r.set("plain", "value")
    r.set(b"bin\x00key\r\n\xff", b"bin\x00value\r\n\xf7RCF\xf7END")
    r.set("empty", "")
    r.set("ex", "1", ex=1000)
    r.set("px", "2", px=500000)
    r.set("exat", "3", exat=now_ms // 1000 + 3600)
    r.set("pxat", "4", pxat=now_ms + 3600000)
    r.set("later", "5")
    r.expire("later", 2000)
    r.set("platerat", "6")
    r.pexpireat("platerat", now_ms + 7200000)
    r.set("kept", "7", ex=1000)
    r.set("kept", "8", keepttl=True)
    r.set("persisted", "9", ex=1000)
    r.persist("persisted")
    r.set("getex", "10")
    r.getex("getex", ex=1234)
    r.set("f", "10.5")
    r.incrbyfloat("f", "0.1")
    r.incrbyfloat("f2", "3.0e3")
    r.incr("counter")
    r.incrby("counter", 41)
    r.decr("counter")
    r.append("appended", "ab")
    r.append("appended", "cd")
    r.setrange("ranged", 5, "xyz")
    r.set("deleted", "x")
    r.delete("deleted")
    r.set("renamed_from", "r", ex=5000)
    r.rename("renamed_from", "renamed_to")
    r.set("gd", "1")
    r.getdel("gd")
    r.mset({"m1": "a", "m2": "b"})
    r.msetnx({"m3": "c"})
    r.setnx("m1", "no")
    r.hset("h", mapping={"f1": "v1", "f2": "v2", b"\x00bin": b"\xff\x00"})
    r.hdel("h", "f2")
    r.hincrby("h", "n", 5)
    r.hincrbyfloat("h", "x", 1.5)
    r.hset("hexp", "a", "b")
    r.pexpire("hexp", 900000)
    r.hset("hgone", "a", "b")
    r.hdel("hgone", "a")
    # a key that expires and is deleted lazily, one that is deleted by the
    # active cycle (or never touched: it must not come back either)
    r.set("short_lazy", "x", px=50)
    r.set("short_active", "y", px=50)
    r.hset("short_hash", "f", "v")
    r.pexpire("short_hash", 50)
    # a key that expires in the future but is then overwritten without TTL
    r.set("ttl_cleared", "a", ex=100)
    r.set("ttl_cleared", "b")
    # other databases
    for db in (1, 3, 15):
        rd = s.client(db=db)
        rd.set("k", "db%d" % db)
        rd.hset("hh", "db", str(db))
        rd.set("t", "x", ex=500 + db)
        rd.close()
    rd = s.client(db=3)
    rd.copy("k", "k_copy")
    rd.execute_command("COPY", "k", "k_in_7", "DB", "7")
    rd.close()
    time.sleep(0.12)
    r.get("short_lazy")  # lazy delete, logged as DEL
    r.close()


class RoundTripTest(AofTestCase):
    def round_trip(self, fsync):
        s = self.server(fsync)
        populate(s)
        before = dump(s)
        self.assertNotIn((0, b"short_lazy"), before)
        self.assertNotIn((0, b"short_active"), before)
        self.assertNotIn((0, b"deleted"), before)
        self.assertEqual(before[(0, b"f")][1], b"10.6")
        self.assertEqual(before[(0, b"counter")][1], b"41")
        self.assertEqual(before[(0, b"ranged")][1], b"\0\0\0\0\0xyz")
        self.assertEqual(before[(7, b"k_in_7")][1], b"db3")
        self.assertEqual(before[(0, b"ttl_cleared")][2], -1)
        self.assertGreater(before[(0, b"kept")][2], 0)
        s.restart()
        after = dump(s)
        assert_same_dump(self, before, after)
        # and once more: a file loaded and appended to loads again
        r = s.client()
        r.set("after_restart", "1")
        r.close()
        before = dump(s)
        s.restart()
        assert_same_dump(self, before, dump(s))
        # the same data set through a rewrite (every type, TTLs, dbs)
        r = s.client()
        n = persistence(r)["aof_rewrites"]
        r.bgrewriteaof()
        wait_rewrite_done(r, n)
        r.close()
        s.restart()
        assert_same_dump(self, before, dump(s))
        self.assertNotIn("failed on replay", s.log())

    def test_round_trip_always(self):
        self.round_trip("always")

    def test_round_trip_everysec(self):
        self.round_trip("everysec")

    def test_round_trip_no(self):
        self.round_trip("no")

    def test_expired_key_written_to_later_does_not_come_back(self):
        # The log holds SET k v PXAT t, then APPEND k x made while k was
        # alive.  When the file is replayed after t, the APPEND must not
        # create a fresh "x" without TTL: nothing expires while loading.
        s = self.server("always")
        r = s.client()
        r.set("k", "v", px=700)
        r.append("k", "x")
        r.hset("h", "a", "1")
        r.pexpire("h", 700)
        r.hset("h", "b", "2")
        r.set("keep", "1")
        r.close()
        s.stop()
        time.sleep(0.8)
        s.start()
        r = s.client()
        self.assertIsNone(r.get("k"))
        self.assertEqual(r.hgetall("h"), {})
        self.assertEqual(r.get("keep"), b"1")
        self.assertEqual(r.dbsize(), 1)
        r.close()
        # the deletion made after the load is logged: still gone next time
        s.restart()
        r = s.client()
        self.assertEqual(r.dbsize(), 1)
        r.close()

    def test_flush_and_select_stream(self):
        # FLUSHDB / FLUSHALL are logged; SELECT switches in the stream are
        # replayed to the right db.
        s = self.server("everysec")
        r0, r5 = s.client(db=0), s.client(db=5)
        for i in range(20):
            r0.set("a%d" % i, i)
            r5.set("b%d" % i, i)
        r5.flushdb()
        r5.set("b_after", "1")
        r0.set("z", "1")
        before = dump(s)
        self.assertEqual(len(before), 22)
        s.restart()
        assert_same_dump(self, before, dump(s))
        r0 = s.client()
        r0.flushall()
        r0.set("only", "1")
        s.restart()
        self.assertEqual(dump(s), {(0, b"only"): (b"string", b"1", -1)})


# ---- 3. rewrite ----

class Writer(threading.Thread):
    """Keeps writing a mixed load on two dbs until stopped."""

    def __init__(self, s, seed=0, dbs=(0, 5)):
        super().__init__(daemon=True)
        self.s = s
        self.dbs = dbs
        self.stop_ev = threading.Event()
        self.count = 0
        self.error = None

    def run(self):
        try:
            rs = [self.s.client(db=d) for d in self.dbs]
            i = 0
            while not self.stop_ev.is_set():
                r = rs[i % len(rs)]
                k = i % 500
                op = i % 7
                if op == 0:
                    r.set("s%d" % k, "v%d" % i)
                elif op == 1:
                    r.incr("ctr")
                elif op == 2:
                    r.hset("h%d" % (k % 50), "f%d" % (i % 13), i)
                elif op == 3:
                    r.set("t%d" % k, i, ex=3600)
                elif op == 4:
                    r.delete("s%d" % ((k + 250) % 500))
                elif op == 5:
                    r.incrbyfloat("fl", "0.5")
                else:
                    r.append("ap%d" % (k % 20), "x")
                i += 1
                self.count = i
            for r in rs:
                r.close()
        except Exception as e:  # reported by the test
            self.error = e

    def finish(self):
        self.stop_ev.set()
        self.join(10)
        if self.error:
            raise self.error


class RewriteTest(AofTestCase):
    def rewrite_under_load(self, fsync):
        s = self.server(fsync, extra=["--auto-aof-rewrite-enabled", "no"])
        r = s.client()
        # a base of data so the child has something to write
        p = r.pipeline(transaction=False)
        for i in range(20000):
            p.set("base%d" % i, "x" * 20)
        p.execute()
        w = Writer(s)
        w.start()
        try:
            for _ in range(3):
                before = persistence(r)["aof_rewrites"]
                time.sleep(0.1)
                self.assertTrue(r.bgrewriteaof())
                wait_rewrite_done(r, before)
        finally:
            time.sleep(0.05)
            w.finish()
        self.assertGreater(w.count, 100)
        info = persistence(r)
        self.assertEqual(info["aof_last_bgrewrite_status"], "ok")
        self.assertEqual(info["aof_current_size"], os.path.getsize(s.aof_path))
        before = dump(s)
        r.close()
        s.restart()
        assert_same_dump(self, before, dump(s))
        rc, out = check_aof(s.aof_path)
        self.assertEqual(rc, 0, out)

    def test_rewrite_under_load_everysec(self):
        self.rewrite_under_load("everysec")

    def test_rewrite_under_load_always(self):
        self.rewrite_under_load("always")

    def test_rewrite_shrinks_and_reloads(self):
        s = self.server("no", extra=["--auto-aof-rewrite-enabled", "no"])
        r = s.client()
        for rnd in range(40):
            p = r.pipeline(transaction=False)
            for i in range(100):
                p.set("k%d" % i, "round %d" % rnd)
            p.execute()
        r.hset("h", mapping={"f%d" % i: i for i in range(200)})  # > one HSET batch
        r.set("ttl", "1", ex=1000)
        r2 = s.client(db=2)
        r2.set("in2", "x")
        r2.close()
        time.sleep(0.05)
        size_before = os.path.getsize(s.aof_path)
        before_n = persistence(r)["aof_rewrites"]
        r.bgrewriteaof()
        info = wait_rewrite_done(r, before_n)
        size_after = os.path.getsize(s.aof_path)
        self.assertLess(size_after * 5, size_before)
        self.assertEqual(info["aof_base_size"], size_after)
        self.assertEqual(info["aof_current_size"], size_after)
        self.assertGreaterEqual(info["aof_last_rewrite_time_sec"], 0)
        self.assertEqual(os.listdir(os.path.dirname(s.aof_path)), ["appendonly.aof"])
        # appending after the rewrite goes to the new file
        r.set("k0", "final")
        before = dump(s)
        r.close()
        s.restart()
        assert_same_dump(self, before, dump(s))
        self.assertIn("Background AOF rewrite finished successfully", s.log())

    def test_bgrewriteaof_twice_is_refused(self):
        s = self.server("no")
        r = s.client()
        p = r.pipeline(transaction=False)
        for i in range(30000):
            p.set("k%d" % i, "v")
        p.execute()
        raw = RawConn(s.port)
        # both in one read: the second runs while the first child surely lives
        raw.send_many([("BGREWRITEAOF",), ("BGREWRITEAOF",)])
        self.assertEqual(raw.reply(), b"Background append only file rewriting started")
        self.assertEqual(raw.reply(),
                         ("err", "ERR Background append only file rewriting already in progress"))
        raw.close()
        wait_for(lambda: persistence(r)["aof_rewrite_in_progress"] == 0, what="rewrite end")
        r.close()

    def test_automatic_rewrite(self):
        s = self.server("no", extra=["--auto-aof-rewrite-min-size", "64kb",
                                     "--auto-aof-rewrite-percentage", "100"])
        r = s.client()
        self.assertEqual(persistence(r)["aof_rewrites"], 0)
        for rnd in range(30):
            p = r.pipeline(transaction=False)
            for i in range(50):
                p.set("k%d" % i, "%d %s" % (rnd, "y" * 100))
            p.execute()
        info = wait_for(lambda: (lambda i: i["aof_rewrites"] >= 1
                                 and i["aof_rewrite_in_progress"] == 0 and i)(persistence(r)),
                        timeout=10, what="the automatic rewrite")
        self.assertIn("Starting automatic rewriting of AOF", s.log())
        self.assertLess(info["aof_base_size"], 64 * 1024)
        before = dump(s)
        r.close()
        s.restart()
        assert_same_dump(self, before, dump(s))

    def test_automatic_rewrite_percentage_zero_means_never(self):
        # docs/configuration.md: percentage 0 = never (Redis's way to turn
        # the trigger off).
        s = self.server("no", extra=["--auto-aof-rewrite-min-size", "1kb",
                                     "--auto-aof-rewrite-percentage", "0"])
        r = s.client()
        for i in range(300):
            r.set("k%d" % (i % 10), "x" * 50)
        time.sleep(0.4)
        self.assertEqual(persistence(r)["aof_rewrites"], 0)
        self.assertNotIn("Starting automatic rewriting", s.log())
        r.close()

    def test_failing_rewrite_backs_off(self):
        # A rewrite that keeps failing (here the child cannot create its
        # temporary file: a directory has its name) must not be forked
        # again at every cron by the automatic trigger.
        s = self.server("no", extra=["--auto-aof-rewrite-min-size", "1kb",
                                     "--auto-aof-rewrite-percentage", "10"])
        blocker = os.path.join(s.workdir, "data", "temp-rewriteaof-%d.aof" % s.proc.pid)
        os.mkdir(blocker)
        r = s.client()
        for i in range(30):
            r.set("k%d" % i, "x" * 100)
        wait_for(lambda: persistence(r)["aof_last_bgrewrite_status"] == "err",
                 what="the rewrite to fail")
        time.sleep(1.2)
        starts = s.log().count("Background append only file rewriting started")
        self.assertGreaterEqual(starts, 1)
        self.assertLessEqual(starts, 3, s.log())
        self.assertIn("Background AOF rewrite terminated with error", s.log())
        # BGREWRITEAOF by hand is never held back, and it clears the state
        os.rmdir(blocker)
        before = persistence(r)["aof_rewrites"]
        r.bgrewriteaof()
        info = wait_rewrite_done(r, before)
        self.assertEqual(info["aof_last_bgrewrite_status"], "ok")
        r.close()

    def test_bgrewriteaof_with_aof_off_then_enable(self):
        # BGREWRITEAOF while appendonly is off writes a snapshot file; turning
        # the AOF on while that child runs must not put the stale snapshot in
        # place as the live AOF (writes made between the fork and the CONFIG
        # SET would be missing from it).
        s = self.server("always", extra=["--auto-aof-rewrite-enabled", "no"])
        s.args[s.args.index("--appendonly") + 1] = "no"
        s.restart()
        r = s.client()
        p = r.pipeline(transaction=False)
        for i in range(20000):
            p.set("k%d" % i, "v")
        p.execute()
        self.assertEqual(persistence(r)["aof_enabled"], 0)
        raw = RawConn(s.port)
        # One read: the child cannot be reaped (cron) between them.
        raw.send_many([("BGREWRITEAOF",), ("SET", "between", "1"),
                       ("CONFIG", "SET", "appendonly", "yes")])
        self.assertEqual(raw.reply(), b"Background append only file rewriting started")
        self.assertEqual(raw.reply(), b"OK")
        self.assertEqual(raw.reply(), b"OK")
        raw.close()
        # As soon as a rewrite is counted, the AOF on disk must be complete.
        wait_for(lambda: persistence(r)["aof_rewrites"] >= 1, interval=0.002,
                 what="the first rewrite")
        r.close()
        s.args[s.args.index("--appendonly") + 1] = "yes"
        s.restart(sig=signal.SIGKILL)
        r = s.client()
        self.assertEqual(r.get("between"), b"1")
        self.assertEqual(r.dbsize(), 20001)
        r.close()


# ---- 4, 5. damage ----

class DamageTest(AofTestCase):
    def make_file(self, n=50):
        s = self.server("always")
        r = s.client()
        for i in range(n):
            r.set("k%d" % i, "value %d" % i)
        r.close()
        s.stop()
        return s

    def test_torn_tail_is_cut(self):
        s = self.make_file()
        with open(s.aof_path, "rb") as f:
            data = f.read()
        fr = frames(data)
        self.assertEqual(len(fr), 51)
        # a partial frame: the first 10 bytes of a valid one
        with open(s.aof_path, "ab") as f:
            f.write(data[fr[1][0]:fr[1][0] + 10])
        rc, out = check_aof(s.aof_path)
        self.assertEqual(rc, 1, out)
        self.assertIn("torn tail at offset %d (10 bytes)" % len(data), out)
        s.start()
        log = s.log()
        self.assertIn("10 bytes at offset %d were dropped" % len(data), log)
        r = s.client()
        self.assertEqual(r.dbsize(), 50)
        self.assertEqual(r.get("k49"), b"value 49")
        self.assertEqual(persistence(r)["aof_last_load_truncated_bytes"], 10)
        self.assertEqual(os.path.getsize(s.aof_path), len(data))
        r.set("after", "1")
        r.close()
        s.restart()
        r = s.client()
        self.assertEqual(r.dbsize(), 51)
        r.close()

    def test_last_frame_cut_in_the_middle(self):
        s = self.make_file()
        with open(s.aof_path, "rb") as f:
            data = f.read()
        last = frames(data)[-1]
        cut = last[0] + last[3] // 2
        os.truncate(s.aof_path, cut)
        s.start()
        self.assertIn("%d bytes at offset %d were dropped" % (cut - last[0], last[0]), s.log())
        r = s.client()
        self.assertEqual(r.dbsize(), 49)
        self.assertIsNone(r.get("k49"))
        self.assertEqual(r.get("k48"), b"value 48")
        r.close()

    def test_torn_tail_refused_when_load_truncated_off(self):
        s = self.make_file(10)
        with open(s.aof_path, "rb") as f:
            data = f.read()
        with open(s.aof_path, "ab") as f:
            f.write(data[frames(data)[1][0]:][:25])
        for how in ("args", "yaml"):
            if how == "args":
                s.args += ["--aof-load-truncated", "no"]
            else:
                s.args = s.args[:-2]
                s.config_path = os.path.join(s.workdir, "raftcache.yaml")
                with open(s.config_path, "w") as f:
                    f.write("aof:\n  load_truncated: false\n")
            open(s.log_path, "w").close()
            rc = s.run_to_exit()
            self.assertNotEqual(rc, 0)
            log = s.log()
            self.assertIn("data/appendonly.aof", log)
            self.assertIn("offset %d" % len(data), log)
            self.assertEqual(os.path.getsize(s.aof_path), len(data) + 25)
        # the tool repairs it, and the server then starts without cutting
        rc, out = check_aof(s.aof_path, "--fix", "--yes")
        self.assertEqual(rc, 0, out)
        self.assertIn("Successfully truncated", out)
        self.assertEqual(os.path.getsize(s.aof_path), len(data))
        rc, out = check_aof(s.aof_path)
        self.assertEqual(rc, 0, out)
        self.assertIn("OK", out)
        open(s.log_path, "w").close()
        s.start()
        self.assertNotIn("were dropped", s.log())
        r = s.client()
        self.assertEqual(r.dbsize(), 10)
        r.close()

    def test_corruption_mid_file_refuses_start(self):
        s = self.make_file(20)
        with open(s.aof_path, "rb") as f:
            data = f.read()
        fr = frames(data)
        off, kind, n, flen = fr[3]
        self.assertEqual(kind, b"C")
        bad = bytearray(data)
        bad[off + 20 + n // 2] ^= 0x01  # inside the payload
        with open(s.aof_path, "wb") as f:
            f.write(bad)
        open(s.log_path, "w").close()
        rc = s.run_to_exit()
        self.assertNotEqual(rc, 0)
        log = s.log()
        self.assertIn("data/appendonly.aof", log)
        self.assertIn("byte offset %d" % off, log)
        with open(s.aof_path, "rb") as f:
            self.assertEqual(f.read(), bytes(bad))  # untouched
        rc, out = check_aof(s.aof_path)
        self.assertEqual(rc, 1, out)
        self.assertIn("corrupt frame at offset %d" % off, out)
        rc, out = check_aof(s.aof_path, "--fix", "--yes")
        self.assertEqual(rc, 1, out)
        self.assertIn("Refusing to fix", out)
        with open(s.aof_path, "rb") as f:
            self.assertEqual(f.read(), bytes(bad))

    def test_not_an_aof_refuses_start(self):
        s = self.make_file(2)
        with open(s.aof_path, "wb") as f:
            f.write(b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n")
        rc = s.run_to_exit()
        self.assertNotEqual(rc, 0)
        self.assertIn("byte offset 0", s.log())


# ---- 6. disk full ----

class DiskFullTest(AofTestCase):
    LIMIT = 256 * 1024

    @staticmethod
    def reply_or_held(raw, r):
        """The next reply on raw, or None if it is held: it does not come
        and INFO (on another connection) says the AOF write failed."""
        raw.settimeout(0.3)
        while True:
            try:
                return raw.reply()
            except socket.timeout:
                if persistence(r)["aof_last_write_status"] == "err":
                    return None

    def fill_until_held_or_refused(self, r, raw, value, acked, limit_rounds=2000):
        """SETs on raw until a reply does not come (held) or is -MISCONF;
        returns ('held', key) or ('misconf', key)."""
        for i in range(limit_rounds):
            key = "k%d" % i
            raw.send("SET", key, value)
            rep = self.reply_or_held(raw, r)
            if rep is None:
                return "held", key
            if isinstance(rep, tuple):
                self.assertTrue(rep[1].startswith("MISCONF"), rep)
                return "misconf", key
            self.assertEqual(rep, b"OK")
            acked.append(key)
        self.fail("the file size limit was never reached")

    def disk_full(self, fsync):
        s = self.server(fsync, extra=["--auto-aof-rewrite-enabled", "no"], fsize=self.LIMIT)
        r = s.client()
        # Keys with a TTL, so that the active cycle is unlikely to find
        # "short" before the GET below does (lazy expiry logs a DEL).
        p = r.pipeline(transaction=False)
        for i in range(2000):
            p.set("ttl%d" % i, "x", ex=1000)
        p.execute()
        t_short = time.time()
        r.set("short", "gone soon", px=1500)
        value = "v" * 1000
        acked = []
        raw = RawConn(s.port)
        state, key = self.fill_until_held_or_refused(r, raw, value, acked)
        if fsync == "always":
            # The batch that failed is not acknowledged: its reply is held.
            self.assertEqual(state, "held")
        # Other writes are refused with MISCONF; reads go on.
        with self.assertRaises(redis.ResponseError) as cm:
            r.set("other", "x")
        self.assertTrue(str(cm.exception).startswith("MISCONF"), str(cm.exception))
        self.assertEqual(r.get("k0"), value.encode())
        self.assertEqual(r.get(acked[-1]), value.encode())
        # A read that deletes an expired key (a DEL to log) is not held
        # either: its reply acknowledges no write.
        time.sleep(max(0.0, t_short + 1.55 - time.time()))
        self.assertIsNone(r.get("short"))
        self.assertEqual(r.ping(), True)
        info = persistence(r)
        self.assertEqual(info["aof_last_write_status"], "err")
        self.assertIn("Error writing the AOF file", s.log())
        self.assertLessEqual(os.path.getsize(s.aof_path), self.LIMIT)
        # The disk "recovers": raise the limit of the running process.
        subprocess.run(["prlimit", "--pid", str(s.proc.pid), "--fsize=unlimited"], check=True)
        if state == "held":
            raw.settimeout(5)
            self.assertEqual(raw.reply(), b"OK")
            acked.append(key)
        wait_for(lambda: persistence(r)["aof_last_write_status"] == "ok", timeout=5,
                 what="the write error to clear")
        self.assertTrue(wait_for(lambda: self._try_set(r), timeout=3, what="writes again"))
        acked.append("other")
        self.assertEqual(raw.call("SET", "from_raw", "1"), b"OK")
        acked.append("from_raw")
        raw.close()
        self.assertIn("AOF write error looks solved", s.log())
        before = dump(s)
        r.close()
        s.restart(fsize=None)
        after = dump(s)
        assert_same_dump(self, before, after)
        for k in acked:
            self.assertIn((0, k.encode()), after, k)

    @staticmethod
    def _try_set(r):
        try:
            return r.set("other", "x")
        except redis.ResponseError:
            return False

    def test_disk_full_always(self):
        self.disk_full("always")

    def test_disk_full_everysec(self):
        self.disk_full("everysec")

    def test_rewrite_recovers_from_disk_full(self):
        # The file is full of overwrites: BGREWRITEAOF (not a write command,
        # so allowed) compacts it.  The batch whose write failed must end up
        # in the new file exactly once (INCR is not idempotent), in its db.
        s = self.server("always", extra=["--auto-aof-rewrite-enabled", "no"],
                        fsize=self.LIMIT)
        raw = RawConn(s.port)
        r = s.client()
        self.assertEqual(raw.call("SELECT", "3"), b"OK")
        held = 0
        for i in range(2000):
            raw.send_many([("SET", "fill%d" % (i % 5), "f" * 2000), ("INCR", "counter")])
            for j in range(2):
                if self.reply_or_held(raw, r) is None:
                    held = 2 - j
                    break
            if held:
                break
        self.assertTrue(held, "the limit was never reached")
        before_n = persistence(r)["aof_rewrites"]
        self.assertTrue(r.bgrewriteaof())
        wait_rewrite_done(r, before_n)
        raw.settimeout(5)
        # the held replies come once the new file holds the batch durably
        for _ in range(held):
            raw.reply()
        self.assertEqual(raw.call("INCR", "counter"), i + 2)
        raw.close()
        self.assertEqual(persistence(r)["aof_last_write_status"], "ok")
        before = dump(s)
        r.close()
        s.restart(fsize=None)
        assert_same_dump(self, before, dump(s))


# ---- 7, 8. CONFIG SET and INFO ----

class ConfigSetTest(AofTestCase):
    def test_appendonly_off_and_on(self):
        s = self.server("everysec", extra=["--auto-aof-rewrite-enabled", "no"])
        r = s.client()
        r.set("a", "1")
        r.config_set("appendonly", "no")
        self.assertEqual(r.config_get("appendonly"), {"appendonly": "no"})
        self.assertEqual(persistence(r)["aof_enabled"], 0)
        size = os.path.getsize(s.aof_path)
        for i in range(100):
            r.set("off%d" % i, i)
        time.sleep(0.1)
        self.assertEqual(os.path.getsize(s.aof_path), size)
        before_n = persistence(r)["aof_rewrites"]
        r.config_set("appendonly", "yes")
        wait_rewrite_done(r, before_n)
        self.assertIn("AOF enabled", s.log())
        r.set("on_again", "1")
        r.hset("h", "f", "v")
        before = dump(s)
        self.assertEqual(len(before), 103)
        r.close()
        s.restart()
        assert_same_dump(self, before, dump(s))
        s.restart()
        assert_same_dump(self, before, dump(s))

    def test_appendfsync_at_run_time(self):
        s = self.server("everysec")
        r = s.client()
        for policy in ("always", "no", "everysec", "always"):
            r.config_set("appendfsync", policy)
            self.assertEqual(r.config_get("appendfsync"), {"appendfsync": policy})
            self.assertEqual(persistence(r)["aof_fsync"], policy)
            for i in range(50):
                r.set("%s%d" % (policy, i), i)
        # under always, what was acknowledged survives a SIGKILL
        acked = dump(s)
        r.close()
        s.restart(sig=signal.SIGKILL)
        assert_same_dump(self, acked, dump(s))

    def test_policy_change_in_the_same_batch_releases_replies(self):
        # SET under always, then (same read, same batch) CONFIG SET
        # appendfsync everysec: the SET's reply waits for a durable batch,
        # which must still come.
        for to in ("everysec", "no"):
            s = self.server("always")
            raw = RawConn(s.port, timeout=3)
            raw.send_many([("SET", "a", "1"), ("CONFIG", "SET", "appendfsync", to),
                           ("GET", "a")])
            self.assertEqual(raw.reply(), b"OK")
            self.assertEqual(raw.reply(), b"OK")
            self.assertEqual(raw.reply(), b"1")
            raw.close()

    def test_rewrite_with_aof_off(self):
        # As Redis: BGREWRITEAOF works with the AOF off and writes the file.
        s = self.server("everysec")
        s.args[s.args.index("--appendonly") + 1] = "no"
        s.restart()
        r = s.client()
        r.set("x", "1")
        r.bgrewriteaof()
        wait_rewrite_done(r, 0)
        rc, out = check_aof(s.aof_path)
        self.assertEqual(rc, 0, out)
        self.assertIn("Frames: 2 intact (2 commands)", out)
        r.close()


class InfoTest(AofTestCase):
    def test_info_persistence(self):
        s = self.server("everysec", extra=["--auto-aof-rewrite-enabled", "no"])
        r = s.client()
        info = persistence(r)
        self.assertEqual(info["aof_enabled"], 1)
        self.assertEqual(info["aof_rewrite_in_progress"], 0)
        self.assertEqual(info["aof_last_rewrite_time_sec"], -1)
        self.assertEqual(info["aof_last_bgrewrite_status"], "ok")
        self.assertEqual(info["aof_last_write_status"], "ok")
        self.assertEqual(info["loading"], 0)
        self.assertEqual(info["aof_current_size"], os.path.getsize(s.aof_path))
        self.assertEqual(info["aof_base_size"], info["aof_current_size"])
        self.assertEqual(info["aof_fsync"], "everysec")
        for i in range(100):
            r.set("k%d" % (i % 10), "v" * 100)
        info = persistence(r)
        self.assertEqual(info["aof_current_size"], os.path.getsize(s.aof_path))
        self.assertGreater(info["aof_current_size"], info["aof_base_size"] + 100 * 100)
        r.bgrewriteaof()
        info = wait_rewrite_done(r, 0)
        self.assertEqual(info["aof_rewrites"], 1)
        self.assertGreaterEqual(info["aof_last_rewrite_time_sec"], 0)
        self.assertEqual(info["aof_last_bgrewrite_status"], "ok")
        self.assertEqual(info["aof_current_size"], os.path.getsize(s.aof_path))
        self.assertEqual(info["aof_base_size"], info["aof_current_size"])
        self.assertLess(info["aof_current_size"], 10 * 150)
        r.config_set("appendonly", "no")
        info = persistence(r)
        self.assertEqual(info["aof_enabled"], 0)
        self.assertNotIn("aof_current_size", info)
        r.close()

    def test_loading_progress(self):
        # > 16 MB: the loader logs its progress (bytes and percent).
        s = self.server("no", extra=["--auto-aof-rewrite-enabled", "no"])
        r = s.client()
        big = b"z" * (1024 * 1024)
        for i in range(18):
            r.set("big%d" % i, big)
        r.close()
        self.assertGreater(os.path.getsize(s.aof_path), 16 * 1024 * 1024)
        s.restart()
        log = s.log()
        self.assertRegex(log, r"Loading AOF: \d+ of \d+ bytes \(\d+\.\d%\)")
        self.assertIn("DB loaded from append only file", log)
        r = s.client()
        self.assertEqual(r.dbsize(), 18)
        self.assertEqual(r.strlen("big17"), len(big))
        self.assertEqual(persistence(r)["loading"], 0)
        r.close()


    def test_info_while_loading(self):
        # The server's own file of 50 MB, with a DEBUG SLEEP 0.4 frame
        # spliced in after the header: the loader is busy long enough for a
        # client to connect, and serves it at the progress points (every
        # 16 MB: one accepts, the next reads and runs the commands, the one
        # after writes the replies).  PING gets -LOADING, INFO the loading
        # fields.
        from test_check_aof import frame, resp
        s = self.server("no", extra=["--auto-aof-rewrite-enabled", "no"])
        r = s.client()
        big = b"q" * (1024 * 1024)
        for i in range(50):
            r.set("big%d" % i, big)
        r.close()
        s.stop()
        with open(s.aof_path, "rb") as f:
            data = f.read()
        hlen = frames(data[:4096])[0][3]
        with open(s.aof_path, "wb") as f:
            f.write(data[:hlen] + frame(b"C", resp("DEBUG", "SLEEP", "0.4")) + data[hlen:])
        total = os.path.getsize(s.aof_path)
        s.start(wait=False)
        deadline = time.time() + 10
        while True:
            try:
                raw = RawConn(s.port, timeout=10)
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.005)
        raw.send_many([("PING",), ("INFO", "persistence")])
        self.assertEqual(raw.reply(), ("err", "LOADING Redis is loading the dataset in memory"))
        info = dict(line.split(":", 1) for line in raw.reply().decode().split("\r\n")
                    if ":" in line)
        raw.close()
        self.assertEqual(info["loading"], "1")
        self.assertEqual(int(info["loading_total_bytes"]), total)
        self.assertGreaterEqual(int(info["loading_loaded_bytes"]), 16 * 1024 * 1024)
        self.assertLess(int(info["loading_loaded_bytes"]), total)
        self.assertGreater(float(info["loading_loaded_perc"]), 30.0)
        s.wait_ready()
        r = s.client()
        self.assertEqual(r.dbsize(), 50)
        self.assertEqual(persistence(r)["loading"], 0)
        r.close()

if __name__ == "__main__":
    harness.main()
