"""Integration tests of the connection commands (commands/connection.c):
PING ECHO QUIT HELLO AUTH SELECT RESET and CLIENT ID/INFO/LIST/KILL/SETNAME/
GETNAME/SETINFO, with redis-py, redis-cli and raw sockets.

redis-cli, when its output is not a terminal, prints an error reply as its
text followed by an empty line (as it does against redis-server)."""

import os
import socket
import sys
import time
import types
import unittest

import redis

try:
    from harness import Server, ServerTestCase, main
except AttributeError:
    # harness.py names a method of Server `signal`, which shadows the signal
    # module in the class body, so `def stop(self, sig=signal.SIGTERM)`
    # fails at import.  Until harness.py is fixed, load it with that default
    # spelled out (SIGTERM is 15 on Linux).
    _path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "harness.py")
    with open(_path) as _f:
        _src = _f.read().replace("sig=signal.SIGTERM", "sig=15")
    _mod = types.ModuleType("harness")
    _mod.__file__ = _path
    exec(compile(_src, _path, "exec"), _mod.__dict__)
    sys.modules["harness"] = _mod
    from harness import Server, ServerTestCase, main


class Conn:
    """A raw connection that sends commands and reads whole replies."""

    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.buf = b""

    def send(self, *args):
        out = b"*%d\r\n" % len(args)
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        self.s.sendall(out)

    def _fill(self):
        chunk = self.s.recv(65536)
        if not chunk:
            raise EOFError("connection closed")
        self.buf += chunk

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def read(self):
        """Reads one reply; returns it as raw RESP bytes."""
        line = self._line()
        t, rest = line[:1], line[1:]
        out = line + b"\r\n"
        if t in (b"$", b"="):
            n = int(rest)
            if n >= 0:
                while len(self.buf) < n + 2:
                    self._fill()
                out += self.buf[:n + 2]
                self.buf = self.buf[n + 2:]
        elif t in (b"*", b"%", b"~"):
            n = int(rest)
            for _ in range(max(n, 0) * (2 if t == b"%" else 1)):
                out += self.read()
        return out

    def call(self, *args):
        self.send(*args)
        return self.read()

    def closed(self, timeout=3.0):
        """True if the server closes the connection within timeout."""
        self.s.settimeout(timeout)
        try:
            while True:
                chunk = self.s.recv(65536)
                if not chunk:
                    return True
                self.buf += chunk
        except socket.timeout:
            return False
        except ConnectionResetError:
            return True

    def close(self):
        self.s.close()


def parse_client_list(text):
    out = []
    for line in text.strip().split("\n"):
        if line:
            out.append(dict(f.split("=", 1) for f in line.split(" ")))
    return out


class ConnectionTest(ServerTestCase):

    def conn(self):
        c = Conn(self.s.port)
        self.addCleanup(c.close)
        return c

    # ---- PING ECHO QUIT ----

    def test_ping_echo(self):
        self.assertTrue(self.r.ping())
        self.assertEqual(self.r.echo("hi there"), b"hi there")
        self.assertEqual(self.s.cli("PING"), "PONG\n")
        self.assertEqual(self.s.cli("PING", "msg"), "msg\n")
        self.assertEqual(self.s.cli("ECHO", "x y"), "x y\n")
        self.assertEqual(self.s.cli("PING", "a", "b"),
                         "ERR wrong number of arguments for 'ping' command\n\n")
        c = self.conn()
        # RESP2: PING with a message is a bulk string
        self.assertEqual(c.call("PING", "hi"), b"$2\r\nhi\r\n")
        self.assertEqual(c.call("PING"), b"+PONG\r\n")
        self.assertEqual(c.call("ECHO", ""), b"$0\r\n\r\n")
        self.assertEqual(c.call("HELLO", "3")[:3], b"%7\r")
        self.assertEqual(c.call("PING", "hi"), b"$2\r\nhi\r\n")

    def test_quit(self):
        # the reply is written, then the connection closes: PONG never comes
        out = self.s.raw(b"QUIT\r\nPING\r\n")
        self.assertEqual(out, b"+OK\r\n")
        c = self.conn()
        self.assertEqual(c.call("QUIT"), b"+OK\r\n")
        self.assertTrue(c.closed())
        self.assertEqual(self.s.cli("QUIT"), "OK\n")
        r = self.s.client()
        self.addCleanup(r.close)
        self.assertTrue(r.quit())

    # ---- HELLO ----

    def test_hello(self):
        c = self.conn()
        r = c.call("HELLO")
        self.assertTrue(r.startswith(b"*14\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n"))
        self.assertIn(b"$5\r\nproto\r\n:2\r\n", r)
        self.assertIn(b"$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n", r)
        self.assertTrue(r.endswith(b"$7\r\nmodules\r\n*0\r\n"))
        myid = int(c.call("CLIENT", "ID")[1:])
        self.assertIn(b"$2\r\nid\r\n:%d\r\n" % myid, r)
        r = c.call("HELLO", "3", "SETNAME", "resp3client")
        self.assertTrue(r.startswith(b"%7\r\n"))
        self.assertIn(b"$5\r\nproto\r\n:3\r\n", r)
        # RESP3 from now on: a missing key is "_", CLIENT INFO is verbatim
        self.assertEqual(c.call("GET", "nokey"), b"_\r\n")
        info = c.call("CLIENT", "INFO")
        self.assertTrue(info.startswith(b"="))
        self.assertIn(b"txt:id=%d " % myid, info)
        self.assertIn(b" name=resp3client ", info)
        self.assertIn(b" resp=3", info)
        self.assertEqual(c.call("HELLO", "4"), b"-NOPROTO unsupported protocol version\r\n")
        self.assertEqual(c.call("HELLO", "x"),
                         b"-ERR Protocol version is not an integer or out of range\r\n")
        self.assertEqual(c.call("HELLO", "2", "foo"), b"-ERR Syntax error in HELLO option 'foo'\r\n")
        # still RESP3 after the errors
        self.assertEqual(c.call("GET", "nokey"), b"_\r\n")
        r = c.call("HELLO", "2")
        self.assertTrue(r.startswith(b"*14\r\n"))
        self.assertEqual(c.call("GET", "nokey"), b"$-1\r\n")

        reply = self.r.execute_command("HELLO")
        d = dict(zip(reply[::2], reply[1::2]))
        self.assertEqual(d[b"server"], b"redis")
        self.assertEqual(d[b"version"], b"7.0.15")
        self.assertEqual(d[b"proto"], 2)
        self.assertEqual(d[b"modules"], [])
        out = self.s.cli("HELLO", "3")
        self.assertIn("server redis\nversion 7.0.15\nproto 3\n", out)
        self.assertEqual(self.s.cli("HELLO", "9"), "NOPROTO unsupported protocol version\n\n")

    # ---- AUTH without a password ----

    def test_auth_without_password(self):
        with self.assertRaises(redis.ResponseError) as cm:
            self.r.execute_command("AUTH", "foo")
        self.assertIn("called without any password configured", str(cm.exception))
        self.assertEqual(self.s.cli("AUTH", "foo"),
                         "ERR AUTH <password> called without any password configured for the "
                         "default user. Are you sure your configuration is correct?\n\n")
        self.assertEqual(self.s.cli("AUTH", "default", "whatever"), "OK\n")
        self.assertEqual(self.s.cli("AUTH", "bob", "x"),
                         "WRONGPASS invalid username-password pair or user is disabled.\n\n")

    # ---- SELECT ----

    def test_select(self):
        c = self.conn()
        self.assertEqual(c.call("SET", "k", "db0"), b"+OK\r\n")
        self.assertEqual(c.call("SELECT", "5"), b"+OK\r\n")
        self.assertEqual(c.call("GET", "k"), b"$-1\r\n")
        self.assertEqual(c.call("SET", "k", "db5"), b"+OK\r\n")
        self.assertEqual(c.call("SELECT", "16"), b"-ERR DB index is out of range\r\n")
        self.assertEqual(c.call("SELECT", "-1"), b"-ERR DB index is out of range\r\n")
        self.assertEqual(c.call("SELECT", "x"),
                         b"-ERR value is not an integer or out of range\r\n")
        self.assertEqual(c.call("GET", "k"), b"$3\r\ndb5\r\n")  # still in db 5
        self.assertEqual(self.r.get("k"), b"db0")
        self.assertEqual(self.s.cli("-n", "5", "GET", "k"), "db5\n")
        self.assertIn(b" db=5 ", c.call("CLIENT", "INFO"))
        self.assertEqual(self.s.cli("SELECT", "99"), "ERR DB index is out of range\n\n")
        r5 = self.s.client(db=5)
        try:
            self.assertEqual(r5.get("k"), b"db5")
        finally:
            r5.close()

    def test_reset(self):
        c = self.conn()
        c.call("HELLO", "3", "SETNAME", "x")
        c.call("SELECT", "2")
        self.assertEqual(c.call("RESET"), b"+RESET\r\n")
        self.assertEqual(c.call("GET", "nokey"), b"$-1\r\n")  # RESP2 again
        info = c.call("CLIENT", "INFO")
        self.assertIn(b" name= ", info)
        self.assertIn(b" db=0 ", info)
        self.assertEqual(self.s.cli("RESET"), "RESET\n")

    # ---- CLIENT ----

    def test_client_id_name(self):
        cid = self.r.client_id()
        self.assertIsInstance(cid, int)
        self.assertIsNone(self.r.client_getname())
        self.assertTrue(self.r.client_setname("worker-1"))
        self.assertEqual(self.r.client_getname(), "worker-1")
        with self.assertRaises(redis.ResponseError) as cm:
            self.r.client_setname("a b")
        self.assertEqual(str(cm.exception),
                         "Client names cannot contain spaces, newlines or special characters.")
        self.assertEqual(self.r.client_getname(), "worker-1")
        self.assertTrue(self.r.client_setname(""))
        self.assertIsNone(self.r.client_getname())
        self.assertTrue(self.s.cli("CLIENT", "ID").strip().isdigit())
        self.assertEqual(self.s.cli("CLIENT", "SETNAME", "cli"), "OK\n")
        self.assertEqual(self.s.cli("CLIENT", "GETNAME"), "\n")
        self.assertEqual(self.s.cli("CLIENT", "SETNAME", "a\nb"),
                         "ERR Client names cannot contain spaces, newlines or special "
                         "characters.\n\n")
        self.assertEqual(self.s.cli("CLIENT", "FOO"),
                         "ERR unknown subcommand 'FOO'. Try CLIENT HELP.\n\n")

    def test_client_setinfo(self):
        # Redis 7.2's CLIENT SETINFO (redis-py 5 sends it on connect)
        self.assertEqual(self.r.execute_command("CLIENT", "SETINFO", "LIB-NAME", "mylib"), b"OK")
        self.assertEqual(self.r.execute_command("CLIENT", "SETINFO", "LIB-VER", "1.2"), b"OK")
        info = self.r.client_info()
        self.assertEqual(info["lib-name"], "mylib")
        self.assertEqual(info["lib-ver"].strip(), "1.2")  # the line ends in "\n"
        self.assertEqual(self.s.cli("CLIENT", "SETINFO", "lib-name", "a b"),
                         "ERR lib-name cannot contain spaces, newlines or special "
                         "characters.\n\n")
        self.assertEqual(self.s.cli("CLIENT", "SETINFO", "foo", "x"),
                         "ERR Unrecognized option 'foo'\n\n")

    def test_client_info(self):
        self.r.client_setname("me")
        info = self.r.client_info()
        self.assertEqual(int(info["id"]), self.r.client_id())
        self.assertEqual(info["name"], "me")
        self.assertEqual(info["cmd"], "client|info")
        self.assertEqual(info["user"], "default")
        self.assertEqual(info["db"], 0)
        self.assertEqual(info["resp"].strip(), "2")
        self.assertTrue(info["addr"].startswith("127.0.0.1:"))
        self.assertEqual(info["laddr"], "127.0.0.1:%d" % self.s.port)
        out = self.s.cli("CLIENT", "INFO")
        line = parse_client_list(out)[0]
        self.assertEqual(line["cmd"], "client|info")
        self.assertEqual(line["flags"], "N")

    def test_client_list_two_connections(self):
        other = self.s.client(client_name="other-conn")
        self.addCleanup(other.close)
        other.ping()
        self.r.client_setname("main-conn")
        clients = self.r.client_list()
        by_name = {c["name"]: c for c in clients}
        self.assertIn("main-conn", by_name)
        self.assertIn("other-conn", by_name)
        self.assertEqual(int(by_name["main-conn"]["id"]), self.r.client_id())
        self.assertEqual(int(by_name["other-conn"]["id"]), other.client_id())
        self.assertEqual(by_name["main-conn"]["cmd"], "client|list")
        # oldest first
        ids = [int(c["id"]) for c in clients]
        self.assertEqual(ids, sorted(ids))
        # CLIENT LIST ID
        oid = other.client_id()
        only = self.r.client_list(client_id=[str(oid)])
        self.assertEqual([c["name"] for c in only], ["other-conn"])
        self.assertEqual(self.r.client_list(_type="pubsub"), [])
        self.assertEqual(len(self.r.client_list(_type="normal")), len(clients))
        # redis-cli sees itself and the others
        names = [c["name"] for c in parse_client_list(self.s.cli("CLIENT", "LIST"))]
        self.assertIn("other-conn", names)
        self.assertIn("main-conn", names)
        lines = parse_client_list(self.s.cli("CLIENT", "LIST", "ID", str(oid)))
        self.assertEqual(len(lines), 1)
        self.assertEqual(lines[0]["name"], "other-conn")
        # (redis-cli prints CLIENT LIST replies raw, errors included: one "\n")
        self.assertEqual(self.s.cli("CLIENT", "LIST", "ID", "abc"), "ERR Invalid client ID\n")
        self.assertEqual(self.s.cli("CLIENT", "LIST", "TYPE", "foo"),
                         "ERR Unknown client type 'foo'\n")

    def test_client_kill_by_id(self):
        victim = self.conn()
        vid = int(victim.call("CLIENT", "ID")[1:])
        self.assertEqual(self.r.client_kill_filter(_id=vid), 1)
        self.assertTrue(victim.closed())
        # gone from the list
        ids = [int(c["id"]) for c in self.r.client_list()]
        self.assertNotIn(vid, ids)
        self.assertEqual(self.r.client_kill_filter(_id=vid), 0)

    def test_client_kill_old_form_by_addr(self):
        victim = self.conn()
        victim.call("CLIENT", "SETNAME", "victim")
        addr = [c for c in self.r.client_list() if c["name"] == "victim"][0]["addr"]
        self.assertTrue(self.r.client_kill(addr))
        self.assertTrue(victim.closed())
        with self.assertRaises(redis.ResponseError) as cm:
            self.r.client_kill(addr)
        self.assertEqual(str(cm.exception), "No such client")

    def test_client_kill_with_cli(self):
        victim = self.conn()
        vid = int(victim.call("CLIENT", "ID")[1:])
        self.assertEqual(self.s.cli("CLIENT", "KILL", "ID", str(vid)), "1\n")
        self.assertTrue(victim.closed())
        victim2 = self.conn()
        victim2.call("CLIENT", "SETNAME", "v2")
        addr = [c for c in self.r.client_list() if c["name"] == "v2"][0]["addr"]
        self.assertEqual(self.s.cli("CLIENT", "KILL", addr), "OK\n")
        self.assertTrue(victim2.closed())
        self.assertEqual(self.s.cli("CLIENT", "KILL", "1.2.3.4:5"), "ERR No such client\n\n")
        self.assertEqual(self.s.cli("CLIENT", "KILL", "ID", "0"),
                         "ERR client-id should be greater than 0\n\n")
        self.assertEqual(self.s.cli("CLIENT", "KILL", "USER", "bob"),
                         "ERR No such user 'bob'\n\n")

    def test_client_kill_filters_skipme(self):
        a, b = self.conn(), self.conn()
        a.call("CLIENT", "SETNAME", "a")
        b.call("CLIENT", "SETNAME", "b")
        baddr = [c for c in self.r.client_list() if c["name"] == "b"][0]["addr"]
        # LADDR matches every connection to this port, but SKIPME spares us
        n = self.r.execute_command("CLIENT", "KILL", "LADDR", "127.0.0.1:%d" % self.s.port,
                                   "ADDR", baddr)
        self.assertEqual(n, 1)
        self.assertTrue(b.closed())
        self.assertEqual(a.call("PING"), b"+PONG\r\n")
        self.assertTrue(self.r.ping())

    def test_client_kill_self(self):
        c = self.conn()
        cid = int(c.call("CLIENT", "ID")[1:])
        # SKIPME yes (the default) spares the caller
        self.assertEqual(c.call("CLIENT", "KILL", "ID", str(cid)), b":0\r\n")
        # SKIPME no: the reply comes first, then the connection closes
        self.assertEqual(c.call("CLIENT", "KILL", "ID", str(cid), "SKIPME", "no"), b":1\r\n")
        self.assertTrue(c.closed())


class AuthTest(unittest.TestCase):
    """A server with a password (--requirepass secret)."""

    @classmethod
    def setUpClass(cls):
        cls.s = Server(args=["--requirepass", "secret"])

    @classmethod
    def tearDownClass(cls):
        cls.s.cleanup()

    def client(self, **kw):
        r = self.s.client(**kw)
        self.addCleanup(r.close)
        return r

    def test_noauth_before_auth(self):
        c = Conn(self.s.port)
        self.addCleanup(c.close)
        for cmd in (("PING",), ("GET", "k"), ("SELECT", "1"), ("CLIENT", "ID"), ("KEYS", "*")):
            self.assertEqual(c.call(*cmd), b"-NOAUTH Authentication required.\r\n", cmd)
        self.assertEqual(c.call("AUTH", "wrong"),
                         b"-WRONGPASS invalid username-password pair or user is disabled.\r\n")
        self.assertEqual(c.call("PING"), b"-NOAUTH Authentication required.\r\n")
        self.assertEqual(c.call("AUTH", "secret"), b"+OK\r\n")
        self.assertEqual(c.call("PING"), b"+PONG\r\n")
        r = self.client()
        with self.assertRaises(redis.exceptions.AuthenticationError):
            r.ping()

    def test_auth_forms(self):
        c = Conn(self.s.port)
        self.addCleanup(c.close)
        self.assertEqual(c.call("AUTH", "default", "secret"), b"+OK\r\n")
        c2 = Conn(self.s.port)
        self.addCleanup(c2.close)
        self.assertEqual(c2.call("AUTH", "DEFAULT", "secret"),
                         b"-WRONGPASS invalid username-password pair or user is disabled.\r\n")
        self.assertEqual(c2.call("AUTH", "a", "b", "c"), b"-ERR syntax error\r\n")
        # QUIT needs no AUTH
        self.assertEqual(c2.call("QUIT"), b"+OK\r\n")

    def test_redis_py(self):
        self.assertTrue(self.client(password="secret").ping())
        self.assertTrue(self.client(username="default", password="secret").ping())
        # redis-py 4.3 raises WRONGPASS on connect as a ResponseError
        with self.assertRaises((redis.exceptions.AuthenticationError,
                                redis.exceptions.ResponseError)) as cm:
            self.client(password="bad").ping()
        self.assertIn("WRONGPASS", str(cm.exception))
        r = self.client(password="secret")
        r.set("k", "v")
        self.assertEqual(r.get("k"), b"v")

    def test_redis_cli(self):
        out = self.s.cli("PING")
        self.assertEqual(out, "NOAUTH Authentication required.\n\n")
        self.assertEqual(self.s.cli("PING", extra=["--no-auth-warning", "-a", "secret"]), "PONG\n")
        self.assertEqual(self.s.cli("PING", extra=["--no-auth-warning", "--user", "default",
                                                    "--pass", "secret"]), "PONG\n")
        # a bad password: redis-cli reports the AUTH failure on stderr and
        # its command then gets NOAUTH
        out = self.s.cli("PING", extra=["--no-auth-warning", "-a", "bad"])
        self.assertEqual(out, "NOAUTH Authentication required.\n\n")

    def test_hello_auth(self):
        c = Conn(self.s.port)
        self.addCleanup(c.close)
        self.assertEqual(
            c.call("HELLO", "3"),
            b"-NOAUTH HELLO must be called with the client already authenticated, otherwise "
            b"the HELLO AUTH <user> <pass> option can be used to authenticate the "
            b"client and select the RESP protocol version at the same time\r\n")
        self.assertEqual(c.call("HELLO", "3", "AUTH", "default", "bad"),
                         b"-WRONGPASS invalid username-password pair or user is disabled.\r\n")
        r = c.call("HELLO", "3", "AUTH", "default", "secret", "SETNAME", "h")
        self.assertTrue(r.startswith(b"%7\r\n"))
        self.assertEqual(c.call("CLIENT", "GETNAME"), b"$1\r\nh\r\n")
        self.assertEqual(c.call("GET", "nokey"), b"_\r\n")

    def test_reset_deauthenticates(self):
        c = Conn(self.s.port)
        self.addCleanup(c.close)
        self.assertEqual(c.call("AUTH", "secret"), b"+OK\r\n")
        self.assertEqual(c.call("RESET"), b"+RESET\r\n")
        self.assertEqual(c.call("PING"), b"-NOAUTH Authentication required.\r\n")


if __name__ == "__main__":
    main()
