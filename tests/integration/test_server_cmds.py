"""The server command group against a real raftcache-server: INFO, CONFIG,
COMMAND, DBSIZE, FLUSHDB, FLUSHALL, TIME, LASTSAVE, SHUTDOWN, DEBUG, MEMORY.

Where a reply can be compared with Redis itself, the test starts Debian's
redis-server 7.0 beside ours (skipped when it is not installed)."""

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import redis  # noqa: E402

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def raw_roundtrip(port, payload, replies=1, timeout=5.0):
    """Sends raw bytes on a new connection and returns the bytes of the
    first `replies` complete replies (or what came before the timeout)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(payload)
        out = b""
        deadline = time.time() + timeout
        while time.time() < deadline and not holds_replies(out, replies):
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            out += chunk
        return out


def holds_replies(data, n):
    pos = 0
    try:
        for _ in range(n):
            _, pos = parse_resp(data, pos)
    except (ValueError, IndexError):
        return False
    return pos <= len(data)


def parse_resp(data, pos=0):
    """A minimal RESP2/3 reader: returns (value, next position).  Maps are
    returned as lists of pairs; simple strings as ('+', text)."""
    t = data[pos:pos + 1]
    end = data.index(b"\r\n", pos)
    line = data[pos + 1:end]
    pos = end + 2
    if t in (b"+",):
        return ("+", line.decode()), pos
    if t == b"-":
        return ("-", line.decode()), pos
    if t == b":":
        return int(line), pos
    if t in (b"$", b"="):
        n = int(line)
        if n < 0:
            return None, pos
        return data[pos:pos + n], pos + n + 2
    if t == b"_":
        return None, pos
    if t in (b"*", b"~"):
        n = int(line)
        if n < 0:
            return None, pos
        out = []
        for _ in range(n):
            v, pos = parse_resp(data, pos)
            out.append(v)
        return out, pos
    if t == b"%":
        n = int(line)
        out = []
        for _ in range(n):
            k, pos = parse_resp(data, pos)
            v, pos = parse_resp(data, pos)
            out.append((k, v))
        return out, pos
    raise ValueError("unknown RESP type %r" % t)


def info_text(port, *sections):
    """INFO's raw text (redis-py would parse it into a dict)."""
    cmd = b"*%d\r\n$4\r\nINFO\r\n" % (len(sections) + 1)
    for sec in sections:
        cmd += b"$%d\r\n%s\r\n" % (len(sec), sec.encode())
    data = raw_roundtrip(port, cmd)
    value, end = parse_resp(data)
    assert end == len(data), data
    return value.decode()


class InfoTests(harness.ServerTestCase):
    def test_default_sections_and_fields(self):
        info = self.r.info()
        self.assertTrue(info["redis_version"].startswith("7.0."))
        self.assertIn("raftcache_version", info)
        self.assertEqual(info["redis_mode"], "standalone")
        self.assertEqual(info["tcp_port"], self.s.port)
        self.assertEqual(info["process_id"], self.s.proc.pid)
        self.assertEqual(len(str(info["run_id"])), 40)
        self.assertEqual(info["executable"], os.path.realpath(harness.SERVER_BIN))
        self.assertGreaterEqual(info["uptime_in_seconds"], 0)
        self.assertGreaterEqual(info["connected_clients"], 1)
        self.assertGreater(info["maxclients"], 0)
        self.assertGreater(info["used_memory"], 0)
        self.assertGreater(info["used_memory_rss"], 0)
        self.assertEqual(info["maxmemory_policy"], "noeviction")
        self.assertEqual(info["loading"], 0)
        self.assertEqual(info["role"], "master")
        self.assertEqual(info["connected_slaves"], 0)
        self.assertEqual(info["cluster_enabled"], 0)
        self.assertIn("used_cpu_sys", info)
        self.assertNotIn("cmdstat_info", info)  # commandstats is not default

    def test_wire_format(self):
        data = raw_roundtrip(self.s.port, b"INFO\r\n")
        self.assertTrue(data.startswith(b"$"), data[:40])
        body, _ = parse_resp(data)
        text = body.decode()
        self.assertTrue(text.startswith("# Server\r\nredis_version:7.0."))
        self.assertTrue(text.endswith("\r\n"))
        self.assertFalse(text.endswith("\r\n\r\n"))
        sections = re.findall(r"^# (\w+)\r$", text.replace("\r\n", "\r\n\n"), re.M)
        self.assertEqual(sections, ["Server", "Clients", "Memory", "Persistence", "Stats",
                                    "Replication", "CPU", "Modules", "Errorstats", "Cluster",
                                    "Keyspace"])
        for block in text.split("\r\n\r\n"):
            lines = block.split("\r\n")
            self.assertTrue(lines[0].startswith("# "), block)
            for line in lines[1:]:
                if line:
                    self.assertRegex(line, r"^[A-Za-z0-9_|]+:[^\r\n]*$")
        # RESP3: a verbatim string of format txt.
        data = raw_roundtrip(self.s.port, b"HELLO 3\r\nINFO server\r\n", replies=2)
        pos = parse_resp(data)[1]
        self.assertTrue(data[pos:].startswith(b"="), data[pos:pos + 20])
        verb, _ = parse_resp(data, pos)
        self.assertTrue(verb.startswith(b"txt:# Server\r\n"))

    def test_sections_selection(self):
        self.assertEqual(raw_roundtrip(self.s.port, b"INFO nosuch\r\n"),
                         b"$0\r\n\r\n")
        text = info_text(self.s.port, "keyspace", "CPU", "cpu")
        self.assertTrue(text.startswith("# CPU\r\n"))
        self.assertEqual(text.count("# CPU"), 1)
        self.assertIn("\r\n\r\n# Keyspace\r\n", text)
        everything = info_text(self.s.port, "everything")
        for name in ("# Server", "# Commandstats", "# Errorstats", "# Keyspace"):
            self.assertIn(name, everything)
        self.assertIn("# Commandstats", info_text(self.s.port, "all"))
        self.assertNotIn("# Commandstats", info_text(self.s.port, "default"))

    def test_keyspace(self):
        self.assertEqual(self.r.info("keyspace"), {})
        self.r.set("a", "1")
        self.r.set("b", "2", ex=100)
        r3 = self.s.client(db=3)
        r3.set("x", "1")
        ks = self.r.info("keyspace")
        self.assertEqual(ks["db0"]["keys"], 2)
        self.assertEqual(ks["db0"]["expires"], 1)
        self.assertIn("avg_ttl", ks["db0"])
        self.assertEqual(ks["db3"], {"keys": 1, "expires": 0, "avg_ttl": 0})
        r3.close()

    def test_stats_counters(self):
        before = self.r.info("stats")
        c2 = self.s.client()
        c2.ping()
        c2.close()
        self.r.set("k", "v")
        self.r.get("k")
        self.r.get("missing")
        after = self.r.info("stats")
        self.assertGreaterEqual(after["total_connections_received"],
                                before["total_connections_received"] + 1)
        self.assertGreaterEqual(after["total_commands_processed"],
                                before["total_commands_processed"] + 4)
        self.assertGreater(after["total_net_input_bytes"], before["total_net_input_bytes"])
        self.assertGreater(after["total_net_output_bytes"], before["total_net_output_bytes"])
        self.assertEqual(after["keyspace_hits"], before["keyspace_hits"] + 1)
        self.assertEqual(after["keyspace_misses"], before["keyspace_misses"] + 1)

    def test_commandstats_and_errorstats(self):
        self.r.config_resetstat()
        self.r.set("k", "v")
        self.r.set("k", "v")
        self.r.config_get("maxmemory")
        with self.assertRaises(redis.ResponseError):
            self.r.execute_command("NOSUCHCMD")
        with self.assertRaises(redis.ResponseError):
            self.r.execute_command("FLUSHALL", "bad")
        text = info_text(self.s.port, "commandstats")
        self.assertRegex(text, r"\r\ncmdstat_set:calls=2,usec=\d+,usec_per_call=\d+\.\d\d,"
                               r"rejected_calls=0,failed_calls=0\r\n")
        self.assertRegex(text, r"\r\ncmdstat_config\|get:calls=1,")
        self.assertRegex(text, r"\r\ncmdstat_flushall:calls=1,.*failed_calls=1\r\n")
        errs = self.r.info("errorstats")
        # redis-py 4.3 leaves a single "k=v" unparsed; newer ones make a dict.
        self.assertIn(errs["errorstat_ERR"], ("count=2", {"count": 2}))
        self.assertEqual(self.r.info("stats")["total_error_replies"], 2)


class ConfigTests(harness.ServerTestCase):
    def test_get_set(self):
        self.assertEqual(self.r.config_get("maxmemory"), {"maxmemory": "0"})
        self.assertEqual(self.r.config_get("nosuch*"), {})
        got = self.r.execute_command("CONFIG GET", "maxmemory", "maxmemory*", "port")
        self.assertEqual(got["maxmemory"], b"0" if isinstance(got["maxmemory"], bytes) else "0")
        self.assertEqual(len([k for k in got if k in ("maxmemory", b"maxmemory")]), 1)
        self.assertTrue(self.r.config_set("maxmemory", "1mb"))
        self.assertEqual(self.r.config_get("maxmemory"), {"maxmemory": "1048576"})
        self.assertEqual(self.r.info("memory")["maxmemory"], 1048576)
        self.assertTrue(self.r.execute_command("CONFIG SET", "maxmemory", "2000",
                                               "maxmemory-policy", "allkeys-lru"))
        self.assertEqual(self.r.info("memory")["maxmemory_policy"], "allkeys-lru")
        # redis-benchmark reads these two first.
        self.assertIn("save", self.r.config_get("save"))
        self.assertIn("appendonly", self.r.config_get("appendonly"))
        self.r.config_set("maxmemory", "0")
        self.r.config_set("maxmemory-policy", "noeviction")

    def test_set_errors_and_atomicity(self):
        before = self.r.config_get("maxmemory")
        with self.assertRaisesRegex(redis.ResponseError,
                                    r"^Unknown option or number of arguments for CONFIG SET - "
                                    r"'foo'$"):
            self.r.config_set("foo", "bar")
        with self.assertRaisesRegex(redis.ResponseError, r"duplicate parameter"):
            self.r.execute_command("CONFIG SET", "maxmemory", "1", "maxmemory", "2")
        with self.assertRaisesRegex(redis.ResponseError, r"^syntax error$"):
            self.r.execute_command("CONFIG SET", "maxmemory", "1", "x")
        with self.assertRaisesRegex(redis.ResponseError,
                                    r"wrong number of arguments for 'config\|set' command"):
            self.r.execute_command("CONFIG SET", "maxmemory")
        with self.assertRaisesRegex(redis.ResponseError,
                                    r"^unknown subcommand 'FOO'. Try CONFIG HELP.$"):
            self.r.execute_command("CONFIG", "FOO")
        with self.assertRaisesRegex(redis.ResponseError,
                                    r"\(possibly related to argument 'maxmemory'\)"):
            self.r.config_set("maxmemory", "lots")
        # All or nothing.
        with self.assertRaisesRegex(redis.ResponseError, r"argument 'databases'"):
            self.r.execute_command("CONFIG SET", "maxmemory", "12345", "databases", "2")
        self.assertEqual(self.r.config_get("maxmemory"), before)

    def test_maxclients_applied(self):
        # net.c acts on maxclients through the on_config_set hook.
        old = self.r.config_get("maxclients")["maxclients"]
        self.assertTrue(self.r.config_set("maxclients", "3"))
        self.assertEqual(self.r.info("clients")["maxclients"], 3)
        extra = [self.s.client() for _ in range(4)]
        errors = 0
        for c in extra:
            try:
                c.ping()
            except (redis.ConnectionError, redis.ResponseError):
                errors += 1
        self.assertGreaterEqual(errors, 1)
        for c in extra:
            c.close()
        self.assertTrue(self.r.config_set("maxclients", old))

    def test_resetstat(self):
        for _ in range(5):
            self.r.ping()
        with self.assertRaises(redis.ResponseError):
            self.r.execute_command("NOSUCH")
        self.assertTrue(self.r.config_resetstat())
        stats = self.r.info("stats")
        self.assertLessEqual(stats["total_commands_processed"], 2)
        self.assertEqual(stats["total_error_replies"], 0)
        self.assertEqual(self.r.info("errorstats"), {})
        text = info_text(self.s.port, "commandstats")
        self.assertNotIn("cmdstat_ping", text)

    def test_rewrite_without_file(self):
        with self.assertRaisesRegex(redis.ResponseError,
                                    r"^The server is running without a config file$"):
            self.r.execute_command("CONFIG REWRITE")
        help_lines = self.r.execute_command("CONFIG HELP")
        self.assertTrue(help_lines[0].startswith(b"CONFIG <subcommand>"))


class ConfigFileTests(harness.ServerTestCase):
    CONFIG = "server:\n  maxclients: 1234\n"

    def test_rewrite_refused_and_config_file(self):
        info = self.r.info("server")
        self.assertEqual(info["config_file"], self.s.config_path)
        self.assertEqual(self.r.info("clients")["maxclients"], 1234)
        with open(self.s.config_path) as f:
            before = f.read()
        with self.assertRaisesRegex(redis.ResponseError, r"^Rewriting config file: "):
            self.r.execute_command("CONFIG REWRITE")
        with open(self.s.config_path) as f:
            self.assertEqual(f.read(), before)


class CommandTests(harness.ServerTestCase):
    def test_count_list_info(self):
        count = self.r.execute_command("COMMAND COUNT")
        names = [n.decode() for n in self.r.execute_command("COMMAND LIST")]
        top = [n for n in names if "|" not in n]
        self.assertEqual(count, len(top))
        for must in ("get", "set", "hset", "del", "ping", "info", "config", "command",
                     "config|get", "command|docs", "client|list"):
            self.assertIn(must, names)
        pat = [n.decode() for n in
               self.r.execute_command("COMMAND LIST", "FILTERBY", "PATTERN", "config|*")]
        self.assertEqual(sorted(pat), ["config|get", "config|help", "config|resetstat",
                                       "config|rewrite", "config|set"])
        infos = self.r.execute_command("COMMAND INFO", "get", "nosuch", "config|set")
        self.assertEqual(infos[0][0], b"get")
        self.assertEqual(infos[0][1], 2)
        self.assertIsNone(infos[1])
        self.assertEqual(infos[2][0], b"config|set")
        self.assertEqual(infos[2][1], -4)
        self.assertEqual(self.r.execute_command("COMMAND GETKEYS", "set", "a", "b"), ["a"])
        self.assertEqual(self.r.execute_command("COMMAND GETKEYS", "mset", "a", "1", "b", "2"),
                         ["a", "b"])
        with self.assertRaisesRegex(redis.ResponseError, "^Invalid command specified$"):
            self.r.execute_command("COMMAND GETKEYS", "nosuch", "x")

    def test_bare_command(self):
        # COMMAND with no subcommand: every top-level command's info.
        data = raw_roundtrip(self.s.port, b"COMMAND\r\n")
        value, pos = parse_resp(data)
        self.assertEqual(pos, len(data))
        self.assertIsInstance(value, list, data[:80])
        self.assertEqual(len(value), self.r.execute_command("COMMAND COUNT"))
        for entry in value:
            self.assertEqual(len(entry), 10)

    def test_docs_resp2_and_resp3(self):
        for payload in (b"COMMAND DOCS\r\n", b"HELLO 3\r\nCOMMAND DOCS\r\n"):
            data = raw_roundtrip(self.s.port, payload, replies=payload.count(b"\r\n"))
            pos = 0
            if payload.startswith(b"HELLO"):
                pos = parse_resp(data)[1]
            value, end = parse_resp(data, pos)
            self.assertEqual(end, len(data), "trailing bytes after COMMAND DOCS")
            if isinstance(value, list) and value and not isinstance(value[0], tuple):
                pairs = list(zip(value[0::2], value[1::2]))
            else:
                pairs = value
            self.assertEqual(len(pairs), self.r.execute_command("COMMAND COUNT"))
            names = {k for k, _ in pairs}
            self.assertIn(b"set", names)
            self.assertIn(b"config", names)


class CompareWithRedisTests(unittest.TestCase):
    """Our COMMAND INFO against Redis 7.0's for every command we have."""

    @classmethod
    def setUpClass(cls):
        if not os.path.exists(REDIS_SERVER):
            raise unittest.SkipTest("redis-server not installed")
        cls.ours = harness.Server()
        cls.tmp = tempfile.mkdtemp(prefix="rc-redis-")
        cls.rport = harness.free_port()
        cls.redis = subprocess.Popen([REDIS_SERVER, "--port", str(cls.rport), "--bind",
                                      "127.0.0.1", "--save", "", "--appendonly", "yes",
                                      "--dir", cls.tmp], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while True:
            try:
                redis.Redis(port=cls.rport).ping()
                break
            except redis.ConnectionError:
                if time.time() > deadline:
                    raise
                time.sleep(0.05)

    @classmethod
    def tearDownClass(cls):
        cls.redis.terminate()
        cls.redis.wait(10)
        cls.ours.cleanup()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def infos(self, port):
        # COMMAND INFO without names is COMMAND (bare COMMAND has its own test).
        data = raw_roundtrip(port, b"COMMAND INFO\r\n")
        value, _ = parse_resp(data)
        out = {}
        for e in value:
            out[e[0].decode()] = e
            for sub in e[9] or []:
                out[sub[0].decode()] = sub
        return out

    def test_arity_and_keys_match_redis(self):
        ours, theirs = self.infos(self.ours.port), self.infos(self.rport)
        mismatches = []
        for name, e in sorted(ours.items()):
            if name not in theirs:
                continue  # ours only (none expected, but not this test's concern)
            t = theirs[name]
            if (e[1], e[3], e[4], e[5]) != (t[1], t[3], t[4], t[5]):
                mismatches.append("%s: ours arity=%s keys=%s,%s,%s redis arity=%s keys=%s,%s,%s"
                                  % (name, e[1], e[3], e[4], e[5], t[1], t[3], t[4], t[5]))
            flags = {f[1] for f in e[2]}
            tflags = {f[1] for f in t[2]}
            for f in ("write", "readonly"):
                if (f in flags) != (f in tflags):
                    mismatches.append("%s: flag %s differs" % (name, f))
        self.assertEqual(mismatches, [], "\n".join(mismatches))

    def test_info_fields_exist_in_redis(self):
        # Every field we print has Redis's name (tools parse them).
        ours = raw_roundtrip(self.ours.port, b"INFO everything\r\n")
        theirs = raw_roundtrip(self.rport, b"INFO everything\r\n")
        fields = lambda t: {l.split(":", 1)[0] for l in parse_resp(t)[0].decode().split("\r\n")
                            if ":" in l and not l.startswith(("db", "cmdstat_", "errorstat_"))}
        # ours only, documented in docs/persistence.md
        own = {"raftcache_version", "aof_fsync", "aof_last_load_truncated_bytes"}
        # Redis 7.2's fields, by Redis 7.2's names (docs/commands.md)
        own |= {"client_output_buffer_limit_disconnections", "pubsub_clients"}
        extra = {f for f in fields(ours) - fields(theirs) - own if not f.startswith("raft_")}
        self.assertEqual(extra, set())


class KeyspaceCommandTests(harness.ServerTestCase):
    def test_dbsize_flushdb_flushall(self):
        r1 = self.s.client(db=1)
        self.r.mset({"a": 1, "b": 2})
        r1.set("c", 3)
        self.assertEqual(self.r.dbsize(), 2)
        self.assertEqual(r1.dbsize(), 1)
        self.assertTrue(r1.flushdb())
        self.assertEqual(r1.dbsize(), 0)
        self.assertEqual(self.r.dbsize(), 2)
        r1.set("c", 3)
        self.assertTrue(self.r.flushall(asynchronous=True))
        self.assertEqual(self.r.dbsize(), 0)
        self.assertEqual(r1.dbsize(), 0)
        self.assertTrue(self.r.execute_command("FLUSHALL", "SYNC"))
        with self.assertRaisesRegex(redis.ResponseError, "^syntax error$"):
            self.r.execute_command("FLUSHDB", "LATER")
        r1.close()

    def test_time_lastsave(self):
        secs, usecs = self.r.time()
        self.assertLess(abs(secs + usecs / 1e6 - time.time()), 5)
        self.assertLessEqual(self.r.lastsave().timestamp(), time.time() + 1)

    def test_debug_memory(self):
        self.r.set("s", "hello")
        self.assertTrue(self.r.execute_command("DEBUG", "SLEEP", "0"))
        obj = self.r.debug_object("s")
        self.assertEqual(obj["encoding"], "embstr")
        self.assertEqual(obj["refcount"], 1)
        with self.assertRaisesRegex(redis.ResponseError, "^no such key$"):
            self.r.debug_object("nokey")
        self.assertGreaterEqual(self.r.memory_usage("s"), 5)
        self.assertIsNone(self.r.memory_usage("nokey"))


class ShutdownTests(unittest.TestCase):
    def test_shutdown(self):
        s = harness.Server()
        try:
            r = s.client()
            with self.assertRaisesRegex(redis.ResponseError, "^No shutdown in progress.$"):
                r.execute_command("SHUTDOWN", "ABORT")
            with self.assertRaisesRegex(redis.ResponseError, "^syntax error$"):
                r.execute_command("SHUTDOWN", "NOSAVE", "SAVE")
            # No reply: the connection closes as the server exits.
            with self.assertRaises(redis.ConnectionError):
                r.execute_command("SHUTDOWN", "NOSAVE")
            s.proc.wait(10)
            self.assertEqual(s.proc.returncode, 0, s.log())
            self.assertIn("User requested shutdown", s.log())
        finally:
            s.cleanup()


if __name__ == "__main__":
    harness.main()
