"""A multi-process Raft cluster on loopback, for integration tests and the
benchmark.

    c = Cluster(3, read_mode="stale")      # starts 3 raftcache-server processes
    try:
        leader = c.leader()                # waits for one, via INFO raft
        leader.call("SET", "k", "v")
        c.wait_converged()
        c.nodes[1].kill9(); c.nodes[1].start()
    finally:
        c.cleanup()                        # by PID; raises on sanitizer reports

Every node runs in its own temporary directory (its cwd, holding ./data and
./raftdata) from its own YAML file (<workdir>/node.yaml), on ports the
kernel said were free (a client port and a Raft port per node; never the
fixed ports of config/cluster/).  Processes are signalled by PID only.

Waiting: every condition is polled against a deadline (wait_for), never
slept for a fixed time, so the same tests run under ASan, where everything
is several times slower.  The defaults are an election timeout of 1000 ms
and a heartbeat of 100 ms.

Conn is a raw RESP client with no retry and no reconnect: a hidden retry of
an INCR would spoil exactly-once accounting, and a test must see every
-MOVED itself.  Error replies are raised as ReplyError.

Environment:
  RAFTCACHE_SERVER   the server binary (harness.py)
  CLUSTER_KEEP=1     keep the nodes' directories (and print where they are)
"""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import harness

SERVER_BIN = harness.SERVER_BIN
REDIS_CLI = harness.REDIS_CLI

# Lines in a node's log (its stderr) that mean a sanitizer found a bug.
SANITIZER_MARKS = ("AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer",
                   "runtime error:")


def free_ports(n):
    """n distinct ports the kernel says are free on 127.0.0.1 now (all held
    open at once, so they differ from each other)."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def parse_info(text):
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#") or ":" not in line:
            continue
        k, v = line.split(":", 1)
        out[k] = v
    return out


def parse_peer_line(value):
    """'id=2,addr=...,match=5,...' -> dict of strings."""
    out = {}
    for part in value.split(","):
        if "=" in part:
            k, v = part.split("=", 1)
            out[k] = v
    return out


def wait_for(pred, timeout, what="condition", step=0.05, status=None):
    """Polls pred() until it returns something truthy, which is returned.
    On the deadline raises AssertionError naming `what` (and status(), if
    given, for the diagnosis)."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() >= deadline:
            msg = "timed out after %.1f s waiting for %s" % (timeout, what)
            if status is not None:
                msg += "\n" + status()
            raise AssertionError(msg)
        time.sleep(step)


# ---- a raw RESP client ----

class ReplyError(Exception):
    """An error reply (-MOVED ..., -CLUSTERDOWN ..., -ERR ...)."""

    def __init__(self, text):
        super().__init__(text)
        self.text = text

    @property
    def moved(self):
        """'host:port' of a -MOVED reply, else None."""
        if self.text.startswith("MOVED "):
            parts = self.text.split()
            if len(parts) == 3:
                return parts[2]
        return None


class Conn:
    """One RESP2 connection, no retry, no reconnect.  call() returns the
    reply (bytes, int, list, None) or raises ReplyError; socket.timeout
    (TimeoutError) and ConnectionError/OSError propagate."""

    def __init__(self, port, timeout=10.0, host="127.0.0.1"):
        self.port = port
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    @staticmethod
    def encode(*args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        return b"".join(out)

    def settimeout(self, t):
        self.sock.settimeout(t)

    def send(self, *args):
        self.sock.sendall(self.encode(*args))

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("connection closed by the server")
        self.buf += chunk

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _reply(self):
        line = self._line()
        t, rest = line[:1], line[1:]
        if t == b"+":
            return rest
        if t == b"-":
            return ReplyError(rest.decode("utf-8", "replace"))
        if t == b":":
            return int(rest)
        if t in (b"$", b"="):
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) < n + 2:
                self._fill()
            data, self.buf = self.buf[:n], self.buf[n + 2:]
            return data
        if t == b"*":
            n = int(rest)
            return None if n < 0 else [self._reply() for _ in range(n)]
        if t == b"_":
            return None
        raise ConnectionError("bad reply line %r" % line)

    def reply(self):
        r = self._reply()
        if isinstance(r, ReplyError):
            raise r
        return r

    def call(self, *args):
        self.send(*args)
        return self.reply()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# ---- one node ----

class Node(harness.Server):
    """One raftcache-server of a cluster: harness.Server with a YAML file
    of its own, restartable in place, pausable."""

    def __init__(self, cluster, node_id, port, raft_port, env, binary=None):
        self.cluster = cluster
        self.binary = binary or SERVER_BIN
        self.node_id = node_id
        self.raft_port = raft_port
        self.paused = False
        super().__init__(port=port, env=env, start=False)
        self.config_path = os.path.join(self.workdir, "node.yaml")

    # addresses
    @property
    def client_addr(self):
        return "127.0.0.1:%d" % self.port

    @property
    def raft_addr(self):
        return "127.0.0.1:%d" % self.raft_port

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    @property
    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    @property
    def up(self):
        """Running and not paused: it can answer."""
        return self.alive and not self.paused

    def write_config(self, text):
        with open(self.config_path, "w") as f:
            f.write(text)

    def command_line(self):
        # --port/--bind come from the YAML file.
        return [self.binary, "-c", self.config_path]

    def start(self, wait=True):
        self.paused = False
        return super().start(wait=wait)

    # signals, by PID
    def pause(self):
        self.send_signal(signal.SIGSTOP)
        self.paused = True

    def resume(self):
        self.send_signal(signal.SIGCONT)
        self.paused = False

    def stop(self, sig=signal.SIGTERM, timeout=20.0):
        if self.paused and self.alive:
            os.kill(self.proc.pid, signal.SIGCONT)
        self.paused = False
        return super().stop(sig=sig, timeout=timeout)

    def kill9(self):
        return self.stop(sig=signal.SIGKILL)

    def restart(self, sig=signal.SIGKILL):
        self.stop(sig=sig)
        self.start()

    # talking to it
    def conn(self, timeout=10.0):
        return Conn(self.port, timeout=timeout)

    def call(self, *args, timeout=10.0):
        with self.conn(timeout) as c:
            return c.call(*args)

    def info(self, timeout=2.0):
        """INFO raft as a dict of strings, or None if the node does not
        answer within timeout (dead, paused, busy)."""
        if not self.up:
            return None
        try:
            with self.conn(timeout) as c:
                return parse_info(c.call("INFO", "raft"))
        except (OSError, ReplyError):
            return None

    def peers(self, info=None):
        """The raft_peerN lines of INFO raft, by peer id: {id: {key: str}}."""
        info = info or self.info() or {}
        out = {}
        for k, v in info.items():
            if k.startswith("raft_peer") and k != "raft_peers":
                p = parse_peer_line(v)
                out[int(p["id"])] = p
        return out

    def check_log(self):
        log = self.log()
        for bad in SANITIZER_MARKS:
            if bad in log:
                i = log.index(bad)
                raise AssertionError("node %d: %s in its log:\n%s"
                                     % (self.node_id, bad, log[max(0, i - 500):i + 4000]))

    def __repr__(self):
        return "<node %d pid %s port %d raft %d>" % (self.node_id, self.pid, self.port,
                                                      self.raft_port)


# ---- a cluster ----

class Cluster:
    """n nodes (ids 1..n) that know each other from raft.peers.

    Options: read_mode ("linearizable", "lease", "stale"), secret (None =
    none), election_ms, heartbeat_ms, fault_injection (start every node
    with RAFTCACHE_FAULT_INJECTION=1 so RAFT.BLOCK works), aof_fsync,
    loglevel, start (start and wait for every node to answer PING),
    overrides {node_id: {"secret": ..., "read_mode": ...}} for one node,
    env (more environment variables), binary (default: SERVER_BIN).
    """

    def __init__(self, n, read_mode="linearizable", secret=None, election_ms=1000,
                 heartbeat_ms=100, fault_injection=False, aof_fsync="everysec",
                 loglevel="notice", start=True, overrides=None, env=None, binary=None):
        self.n = n
        self.read_mode = read_mode
        self.secret = secret
        self.election_ms = election_ms
        self.heartbeat_ms = heartbeat_ms
        self.aof_fsync = aof_fsync
        self.loglevel = loglevel
        self.overrides = overrides or {}
        e = dict(env or {})
        if fault_injection:
            e["RAFTCACHE_FAULT_INJECTION"] = "1"
        ports = free_ports(2 * n)
        self.nodes = []
        try:
            for i in range(n):
                self.nodes.append(Node(self, i + 1, ports[2 * i], ports[2 * i + 1], e, binary))
            for node in self.nodes:
                node.write_config(self.config_text(node))
            if start:
                self.start()
        except BaseException:
            self.cleanup(check=False)
            raise

    @property
    def election_s(self):
        return self.election_ms / 1000.0

    def node(self, node_id):
        return self.nodes[node_id - 1]

    def by_addr(self, addr):
        for node in self.nodes:
            if node.client_addr == addr:
                return node
        return None

    def config_text(self, node):
        o = self.overrides.get(node.node_id, {})
        secret = o.get("secret", self.secret)
        lines = [
            "# generated by tests/integration/cluster.py: node %d of %d" % (node.node_id, self.n),
            "server:",
            "  bind: [127.0.0.1]",
            "  port: %d" % node.port,
            "log:",
            "  level: %s" % self.loglevel,
            "aof:",
            "  enabled: true",
            "  dir: ./data",
            "  fsync: %s" % self.aof_fsync,
            "raft:",
            "  enabled: true",
            "  node_id: %d" % node.node_id,
            '  listen: "%s"' % node.raft_addr,
            "  dir: ./raftdata",
            "  election_timeout_ms: %d" % o.get("election_ms", self.election_ms),
            "  heartbeat_ms: %d" % o.get("heartbeat_ms", self.heartbeat_ms),
            "  read_mode: %s" % o.get("read_mode", self.read_mode),
        ]
        if secret is not None:
            lines.append('  secret: "%s"' % secret)
        lines.append("  peers:")
        for p in self.nodes:
            lines.append('    - {id: %d, raft: "%s", client: "%s"}'
                         % (p.node_id, p.raft_addr, p.client_addr))
        return "\n".join(lines) + "\n"

    def start(self):
        for node in self.nodes:
            if not node.alive:
                node.start(wait=False)
        for node in self.nodes:
            node.wait_ready(timeout=30.0)

    # ---- observing ----

    def infos(self, nodes=None):
        """{node_id: INFO raft dict or None} of the given (default: all)
        nodes."""
        return {n.node_id: n.info() for n in (nodes or self.nodes)}

    def status(self):
        """One line per node, for failure messages."""
        out = []
        for node in self.nodes:
            state = "down" if not node.alive else "paused" if node.paused else "up"
            i = node.info() if node.up else None
            if i:
                out.append("node %d (%s, pid %s): role=%s term=%s leader=%s commit=%s "
                           "applied=%s last=%s" % (
                               node.node_id, state, node.pid, i.get("raft_role"),
                               i.get("raft_term"), i.get("raft_leader_id"),
                               i.get("raft_commit_index"), i.get("raft_applied_index"),
                               i.get("raft_last_log_index")))
            else:
                out.append("node %d (%s, pid %s): no answer" % (node.node_id, state, node.pid))
        return "\n".join(out)

    def current_leader(self, nodes=None):
        """The node that leads now as far as the answering nodes of `nodes`
        (default: all up nodes) can tell, or None: a node whose role is
        leader, in the highest term any of them reports, acknowledged by a
        majority of the cluster (itself included) as leader of that term."""
        nodes = [n for n in (nodes or self.nodes) if n.up]
        infos = {n.node_id: n.info() for n in nodes}
        infos = {k: v for k, v in infos.items() if v}
        if not infos:
            return None
        top = max(int(v["raft_term"]) for v in infos.values())
        leaders = [k for k, v in infos.items()
                   if v["raft_role"] == "leader" and int(v["raft_term"]) == top]
        if len(leaders) != 1:
            return None
        lid = leaders[0]
        agree = sum(1 for v in infos.values()
                    if int(v["raft_term"]) == top and int(v["raft_leader_id"]) == lid)
        if agree < self.n // 2 + 1:
            return None
        return self.node(lid)

    def leader(self, timeout=None, nodes=None, exclude=()):
        """Waits for current_leader() among `nodes`; a leader in `exclude`
        (nodes or ids) does not count."""
        ex = {x if isinstance(x, int) else x.node_id for x in exclude}
        timeout = timeout if timeout is not None else max(30.0, 15 * self.election_s)

        def pred():
            ld = self.current_leader(nodes)
            return ld if ld is not None and ld.node_id not in ex else None

        return wait_for(pred, timeout, "a leader", step=0.05, status=self.status)

    def followers(self, leader=None):
        leader = leader or self.leader()
        return [n for n in self.nodes if n is not leader]

    def wait_converged(self, nodes=None, timeout=60.0):
        """Waits until the given (default: all up) nodes have the same last
        log index, commit index and applied index, and returns it."""
        nodes = [n for n in (nodes or self.nodes) if n.up]

        def pred():
            seen = set()
            for n in nodes:
                i = n.info()
                if not i:
                    return None
                a = (int(i["raft_last_log_index"]), int(i["raft_commit_index"]),
                     int(i["raft_applied_index"]))
                if a[0] != a[1] or a[1] != a[2]:
                    return None
                seen.add(a)
            return seen.pop()[0] if len(seen) == 1 else None

        return wait_for(pred, timeout, "nodes %s to converge" % [n.node_id for n in nodes],
                        step=0.1, status=self.status)

    def wait_applied(self, index, nodes=None, timeout=60.0):
        """Waits until every given (default: all up) node applied index."""
        nodes = [n for n in (nodes or self.nodes) if n.up]

        def pred():
            for n in nodes:
                i = n.info()
                if not i or int(i["raft_applied_index"]) < index:
                    return False
            return True

        wait_for(pred, timeout, "index %d applied on %s" % (index, [n.node_id for n in nodes]),
                 step=0.05, status=self.status)

    # ---- faults ----

    def block(self, a, b, blocked=True):
        """Cuts (or restores) Raft traffic between nodes a and b, both
        directions (RAFT.BLOCK on both sides; needs fault_injection)."""
        a = a if isinstance(a, Node) else self.node(a)
        b = b if isinstance(b, Node) else self.node(b)
        flag = 1 if blocked else 0
        for x, y in ((a, b), (b, a)):
            if x.up:
                x.call("RAFT.BLOCK", y.node_id, flag)

    def isolate(self, node, blocked=True):
        """Cuts node off from every other node (or reconnects it)."""
        for other in self.nodes:
            if other is not node:
                self.block(node, other, blocked)

    def heal(self):
        for i, a in enumerate(self.nodes):
            for b in self.nodes[i + 1:]:
                self.block(a, b, False)

    # ---- clients ----

    def write(self, *args, timeout=None, op_timeout=5.0):
        """Runs a command on the leader, following -MOVED and retrying
        -CLUSTERDOWN and refused connections, until it gets a reply other
        than those (returned, or raised if an error) or the deadline.
        Returns (reply, node that answered).  For setup and checks only:
        a retried write may have happened twice."""
        timeout = timeout if timeout is not None else max(30.0, 15 * self.election_s)
        deadline = time.monotonic() + timeout
        target = self.current_leader() or next(n for n in self.nodes if n.up)
        last = None
        while time.monotonic() < deadline:
            try:
                with target.conn(op_timeout) as c:
                    return c.call(*args), target
            except ReplyError as e:
                last = e
                if e.moved:
                    target = self.by_addr(e.moved) or target
                    continue
                if not e.text.startswith("CLUSTERDOWN") and "not committed" not in e.text:
                    raise
            except OSError as e:
                last = e
            time.sleep(0.05)
            ups = [n for n in self.nodes if n.up]
            target = ups[int(time.monotonic() * 20) % len(ups)]
        raise AssertionError("no answer to %r within %.0f s (last: %r)\n%s"
                             % (args, timeout, last, self.status()))

    def measure_failover(self, timeout=None, op_timeout=1.0, key="failover"):
        """Kills the leader with SIGKILL and measures the time from the
        kill to the first write acknowledged by a new leader: a client
        retries SET on the surviving nodes (following -MOVED, moving on
        after -CLUSTERDOWN or a refused connection, 5 ms between tries).
        Returns (seconds, old leader, new leader).  The old leader stays
        down."""
        timeout = timeout if timeout is not None else max(30.0, 15 * self.election_s)
        old = self.leader()
        self.write("SET", key, "before")
        survivors = [n for n in self.nodes if n is not old and n.up]
        t0 = time.monotonic()
        old.kill9()  # SIGKILL by PID, then reaps it
        deadline = t0 + timeout
        i, seq = 0, 0
        target = survivors[0]
        while time.monotonic() < deadline:
            seq += 1
            try:
                with target.conn(op_timeout) as c:
                    c.call("SET", key, "after-%d" % seq)
                return time.monotonic() - t0, old, target
            except ReplyError as e:
                nxt = self.by_addr(e.moved) if e.moved else None
                if nxt is not None and nxt is not old:
                    target = nxt
                    continue
            except OSError:
                pass
            i += 1
            target = survivors[i % len(survivors)]
            time.sleep(0.005)
        raise AssertionError("no write acknowledged within %.0f s of killing the leader\n%s"
                             % (timeout, self.status()))

    # ---- the end ----

    def cleanup(self, check=True):
        """Stops every node by PID (SIGCONT first for a paused one, then
        SIGTERM, SIGKILL after 20 s), removes the directories, and, if
        check, raises if a node's log holds a sanitizer report or a node
        did not exit 0 on SIGTERM."""
        problems = []
        for node in self.nodes:
            was_alive = node.alive
            try:
                rc = node.stop()
            except OSError:
                rc = None
            if was_alive and rc not in (0, None):
                problems.append("node %d exited %r on SIGTERM:\n%s"
                                % (node.node_id, rc, node.log()[-3000:]))
            try:
                node.check_log()
            except AssertionError as e:
                problems.append(str(e))
        keep = os.environ.get("CLUSTER_KEEP") == "1"
        for node in self.nodes:
            if keep:
                print("kept node %d: %s" % (node.node_id, node.workdir))
            else:
                shutil.rmtree(node.workdir, ignore_errors=True)
        if check and problems:
            raise AssertionError("\n\n".join(problems))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.cleanup(check=exc[0] is None)


def redis_cli(node, *args, extra=("-c",), timeout=30):
    """redis-cli against a node (default with -c, following -MOVED);
    returns stdout (str)."""
    cmd = [REDIS_CLI, "-h", "127.0.0.1", "-p", str(node.port)] + list(extra) + \
        [str(a) for a in args]
    r = subprocess.run(cmd, capture_output=True, timeout=timeout)
    return r.stdout.decode("utf-8", "replace")
