"""A linearizability checker for histories of a key-value store (WGL).

Clients record what they asked and what they got; check() decides whether
some order of the operations exists that (1) respects real time: an
operation that completed before another was invoked comes first, and
(2) is a legal run of the sequential model below.  That is the definition
of linearizability (Herlihy & Wing 1990).

The search is the Wing-Gong algorithm with Lowe's improvements ("Testing
for linearizability", Concurrency and Computation 2017), as Porcupine and
Knossos do it:

  * the history is a list of call and return events sorted by time; the
    search linearizes a pending call, or backtracks when it reaches a
    return whose call has not been linearized yet;
  * memoization: a configuration (set of linearized operations, model
    state) that was already explored is never explored again;
  * P-compositionality: linearizability is local (Herlihy & Wing), so each
    key is checked on its own, which turns one exponential search into
    many small ones.

The model (one register per key, as Redis strings):

  write(k, v)   SET k v             state := v
  read(k) -> v  GET k               v == state (None: the key is absent)
  incr(k) -> n  INCR k              state absent -> 0; n == state + 1 and
                                    state := n.  INCR on a value that is not
                                    a 64-bit integer (or would overflow)
                                    replies an error and changes nothing:
                                    record that reply as INCR_ERROR.

Values are compared as text: bytes are decoded as UTF-8 (invalid bytes kept
with surrogateescape), ints written with SET become their decimal text, so
SET k 5 then GET k -> b"5" matches.

Outcomes:

  ok    the reply arrived: the operation took effect exactly once, at some
        instant between its invoke and its completion.
  fail  the operation certainly did not take effect (an error reply given
        before the command ran: -MOVED, -CLUSTERDOWN, -BUSY, a refused
        connection).  It is left out of the check.
  info  unknown (timeout, connection lost, server killed): it may have
        taken effect at any instant after its invoke, or never.  An info
        read says nothing and is left out; an info write/incr is kept with
        no completion.  An operation never completed by the time check()
        runs counts as info.

Equal times count as overlapping (a call at the instant another returns is
concurrent with it), which errs toward "linearizable", never toward a false
alarm.

Recording (History is safe to share between client threads):

    h = History()
    i = h.invoke(client_id, "write", "x", "1")     # or "read"/"incr", arg None
    try:
        r.set("x", "1")
        h.ok(i)                                    # h.ok(i, result) for read/incr
    except (redis.ResponseError) as e:             # -MOVED / -CLUSTERDOWN
        h.fail(i)
    except (redis.ConnectionError, redis.TimeoutError):
        h.info(i)
    ...
    ok, text = check(h)        # ok: True, False, or None (= unknown)

invoke/ok/fail/info take an optional t= (seconds) for hand-built histories;
by default they read time.monotonic().  A client whose operation ended as
info should not issue its next operation under the same client id if the
old one may still be running (use a new id): a client is sequential.

Limits (so that a test never runs away; all are arguments of check()):

  max_steps    search steps per key (default 10,000,000: a few seconds of
               Python; a history of thousands of ops with a dozen clients
               usually needs a few steps per op).
  max_memory   estimated bytes of the memo set per key (default 256 MiB;
               an entry costs about 120 bytes plus one bit per op of the key).
  time_limit   wall-clock seconds for the whole check (default 60).
  explain_time wall-clock seconds spent reducing the explanation of each
               failing key (default 10); past it the explanation is what
               the reduction had reached.  At most MAX_LISTED operations
               are printed per key (the last ones, nearest the anomaly).

A key that runs out of any of them is reported as unknown, never as a pass.
An unknown result means the history was too concurrent for the budget:
typically many info writes of distinct values, each read by someone, in
flight on one key at once (each can take effect anywhere after its invoke:
2^k subsets).  Info incrs, and info writes of one value, cost little: they
are interchangeable, so the search takes them in invoke order only.  An info
write whose value nobody read costs nothing (it is dropped: it may never
have happened).  Keep keys few and ops per key in the low thousands, write
unique values, and let a client that got an info result continue under a
new client id.

Explanation of an anomaly (for a human), for each failing key:

  1. the first operation that cannot be linearized: the history is cut at
     each completion (ops still running at the cut count as info) and the
     shortest cut that is already not linearizable is found by bisection;
     linearizability is prefix-closed, so that prefix proves the anomaly;
  2. the operations of that prefix, reduced greedily: reads, and writes
     whose value no remaining read returned (on a key with no incr), are
     dropped while the rest stays not linearizable; neither kind of drop can
     turn a linearizable history into a non-linearizable one, so what stays
     is still a proof, and none of its reads or unread writes can go;
  3. when more than FOLD_MIN ops ended before a quiet point (no ok op in
     flight across it), they are folded into the state(s) they can leave,
     noting the info ops invoked before it, which may have taken effect
     already, later, or never.

Each listed op shows its id, client, call and result, and its invoke and
completion times in seconds after the first invoke of the history.

Command line: python3 linearizability.py HISTORY.jsonl  (see History.dump).
"""

import json
import math
import re
import sys
import threading
import time

__all__ = ["History", "Op", "INCR_ERROR", "check", "check_key_ops", "explain_key",
           "DEFAULT_MAX_STEPS", "DEFAULT_MAX_MEMORY", "DEFAULT_TIME_LIMIT",
           "DEFAULT_EXPLAIN_TIME", "MAX_LISTED"]

DEFAULT_MAX_STEPS = 10_000_000
DEFAULT_TIME_LIMIT = 60.0
DEFAULT_EXPLAIN_TIME = 10.0
DEFAULT_MAX_MEMORY = 256 << 20  # bytes of memo set, estimated
MAX_LISTED = 60  # operations printed per key at most
FOLD_MIN = 8     # fold an earlier quiet prefix into its state only past this many ops
FOLD_SHOW = 3    # and then still print its last few

INF = math.inf
INT64_MAX = (1 << 63) - 1
INT64_MIN = -(1 << 63)


class _IncrError:
    """The reply of an INCR on a value that is not an integer (or would
    overflow): the command ran, saw such a value, changed nothing."""

    def __repr__(self):
        return "ERR(not an integer)"

    def __reduce__(self):
        return "INCR_ERROR"


INCR_ERROR = _IncrError()

_KINDS = {"write": "write", "set": "write", "read": "read", "get": "read", "incr": "incr"}
PENDING, OK, FAIL, INFO = "pending", "ok", "fail", "info"


def _norm_value(v):
    """A register value as text (None = absent)."""
    if v is None or isinstance(v, str):
        return v
    if isinstance(v, (bytes, bytearray, memoryview)):
        return bytes(v).decode("utf-8", "surrogateescape")
    if isinstance(v, int) and not isinstance(v, bool):
        return str(v)
    raise TypeError("a register value must be str, bytes, int or None, not %r" % (v,))


def _norm_incr_result(v):
    if v is INCR_ERROR:
        return v
    if isinstance(v, (bytes, bytearray, str)):
        try:
            v = int(v)
        except ValueError:
            raise TypeError("an incr result must be an integer, not %r" % (v,)) from None
    if isinstance(v, int) and not isinstance(v, bool):
        return v
    raise TypeError("an incr result must be an int or INCR_ERROR, not %r" % (v,))


_INT_RE = re.compile(r"-?(0|[1-9][0-9]*)\Z")
_int_cache = {}


def _as_int(state):
    """state as Redis reads it for INCR: absent -> 0; None if not a 64-bit
    integer in canonical form (Redis refuses "007", "+1", " 1", "-0")."""
    if state is None:
        return 0
    n = _int_cache.get(state, _int_cache)
    if n is not _int_cache:
        return n
    n = None
    if len(state) <= 20 and _INT_RE.match(state) and state != "-0":
        n = int(state)
        if not INT64_MIN <= n <= INT64_MAX:
            n = None
    if len(_int_cache) < 100000:
        _int_cache[state] = n
    return n


class Op:
    """One operation of a history.  invoke/complete are seconds (complete
    is None while pending or when the outcome is info/fail with no time)."""

    __slots__ = ("id", "client", "kind", "key", "arg", "result", "status", "invoke", "complete")

    def __init__(self, id, client, kind, key, arg, invoke):
        self.id = id
        self.client = client
        self.kind = kind
        self.key = key
        self.arg = arg
        self.result = None
        self.status = PENDING
        self.invoke = invoke
        self.complete = None

    def call_text(self):
        if self.kind == "write":
            return "write(%r, %r)" % (self.key, self.arg)
        return "%s(%r)" % (self.kind, self.key)

    def text(self, t0=0.0):
        s = self.call_text()
        if self.status == OK and self.kind != "write":
            s += " -> %r" % (self.result,)
        end = "?" if self.complete is None or self.status != OK else "+%.6f" % (self.complete - t0)
        what = {OK: "ok", FAIL: "fail (did not happen)",
                INFO: "info (outcome unknown)", PENDING: "pending (counts as info)"}[self.status]
        return "#%d client %s  %-32s [+%.6f .. %s] %s" % (
            self.id, self.client, s, self.invoke - t0, end, what)

    def __repr__(self):
        return "<Op %s>" % self.text()

    def to_dict(self):
        res = self.result
        if res is INCR_ERROR:
            res = {"incr_error": True}
        return {"id": self.id, "client": self.client, "op": self.kind, "key": self.key,
                "arg": self.arg, "result": res, "status": self.status,
                "invoke": self.invoke, "complete": self.complete}


class History:
    """A recorder shared by client threads.  Every method is thread-safe."""

    def __init__(self, clock=time.monotonic):
        self._lock = threading.Lock()
        self._ops = []
        self._clock = clock

    def invoke(self, client, op, key, arg=None, t=None):
        """Records the start of an operation; returns its id.  op is
        "write" (or "set"), "read" (or "get"), or "incr"; arg is the value
        written (str, bytes or int), None for read and incr."""
        kind = _KINDS.get(op)
        if kind is None:
            raise ValueError("unknown operation %r (write, read, incr)" % (op,))
        if kind == "write":
            if arg is None:
                raise ValueError("write needs a value")
            arg = _norm_value(arg)
        elif arg is not None:
            raise ValueError("%s takes no argument" % kind)
        key = _norm_value(key)
        if key is None:
            raise ValueError("a key is required")
        with self._lock:
            when = self._clock() if t is None else float(t)
            o = Op(len(self._ops), client, kind, key, arg, when)
            self._ops.append(o)
            return o.id

    def _end(self, id, status, result, t):
        with self._lock:
            when = self._clock() if t is None else float(t)
            if not 0 <= id < len(self._ops):
                raise ValueError("no operation %r" % (id,))
            o = self._ops[id]
            if o.status != PENDING:
                raise ValueError("operation %d already ended (%s)" % (id, o.status))
            if when < o.invoke:
                raise ValueError("operation %d ends at %r, before its invoke %r"
                                 % (id, when, o.invoke))
            o.status, o.result, o.complete = status, result, when

    def ok(self, id, result=None, t=None):
        """The reply arrived.  result: the value read (str/bytes/int/None)
        for read, the new value (int) or INCR_ERROR for incr, ignored for
        write."""
        with self._lock:
            kind = self._ops[id].kind if 0 <= id < len(self._ops) else None
        if kind == "read":
            result = _norm_value(result)
        elif kind == "incr":
            result = _norm_incr_result(result)
        else:
            result = None
        self._end(id, OK, result, t)

    def fail(self, id, t=None):
        """The operation certainly did not take effect."""
        self._end(id, FAIL, None, t)

    def info(self, id, t=None):
        """The outcome is unknown: it may take effect later, or never."""
        self._end(id, INFO, None, t)

    def ops(self):
        """A snapshot of the operations (the Op objects themselves)."""
        with self._lock:
            return list(self._ops)

    def __len__(self):
        with self._lock:
            return len(self._ops)

    def dump(self, path):
        """Writes the history as JSON lines (one operation per line), for
        re-checking by hand: python3 linearizability.py PATH."""
        with open(path, "w") as f:
            for o in self.ops():
                f.write(json.dumps(o.to_dict()) + "\n")

    @classmethod
    def load(cls, path):
        h = cls()
        with open(path) as f:
            for line in f:
                if not line.strip():
                    continue
                d = json.loads(line)
                o = Op(len(h._ops), d["client"], _KINDS[d["op"]], d["key"], d["arg"], d["invoke"])
                o.status = d["status"]
                o.complete = d["complete"]
                res = d["result"]
                if isinstance(res, dict) and res.get("incr_error"):
                    res = INCR_ERROR
                o.result = res
                h._ops.append(o)
        return h


# ---- the search ----

class _Budget:
    """Steps left for one search, and the wall-clock deadline."""

    __slots__ = ("steps", "deadline", "memory", "used", "out_of_memory")

    def __init__(self, steps, deadline, memory=None):
        self.steps = steps
        self.deadline = deadline
        self.memory = DEFAULT_MAX_MEMORY if memory is None else memory
        self.used = 0
        self.out_of_memory = False


# What a search needs of an operation: kind code, argument, result, whether
# the result is known (ok), and the interval.
_W, _R, _I = 0, 1, 2
_KCODE = {"write": _W, "read": _R, "incr": _I}


class _KOp:
    __slots__ = ("op", "code", "arg", "result", "known", "invoke", "complete")

    def __init__(self, op, known, complete):
        self.op = op
        self.code = _KCODE[op.kind]
        self.arg = op.arg
        self.result = op.result
        self.known = known
        self.invoke = op.invoke
        self.complete = complete


def _prepare(ops):
    """The operations of one key that constrain the search: ok ones, and
    info/pending writes and incrs.  Info reads say nothing; fail ops did not
    happen; an info write whose value no ok read returned, on a key with no
    incr, can be assumed never to have happened without loss (it could only
    have been overwritten unseen, and a read of None or of another value
    does not need it)."""
    kops = []
    has_incr = any(o.kind == "incr" and o.status != FAIL for o in ops)
    seen = set(o.result for o in ops if o.kind == "read" and o.status == OK)
    for o in ops:
        if o.status == FAIL:
            continue
        if o.status == OK:
            kops.append(_KOp(o, True, o.complete))
            continue
        if o.kind == "read":
            continue
        if o.kind == "write" and not has_incr and o.arg not in seen:
            continue
        kops.append(_KOp(o, False, INF))
    return kops


def _search(kops, init, budget, collect=None, carry=0):
    """WGL with memoization over kops from state init.

    Returns True (linearizable), False (not), or None (budget exhausted).
    With collect (a set), (final state, lin & carry) of every complete
    linearization is added to it (lin: the bit set of the linearized ops,
    by index in kops), and the result is True if there was at least one."""
    n_known = sum(1 for k in kops if k.known)
    if n_known == 0:
        if collect is None:
            return True
        collect.add((init, 0))  # every info op may never happen
    events = []
    for i, k in enumerate(kops):
        events.append((k.invoke, 0, i))
        events.append((k.complete, 1, i))
    events.sort()
    m = len(events)
    tail = m + 1
    nxt = list(range(1, m + 2)) + [tail]
    prv = [0] + list(range(0, m + 1))
    is_call = [False] * (m + 2)
    opi = [0] * (m + 2)
    match = [0] * (m + 2)
    call_node = {}
    for pos, (_, kind, i) in enumerate(events, 1):
        opi[pos] = i
        if kind == 0:
            is_call[pos] = True
            call_node[i] = pos
        else:
            match[call_node[i]] = pos
    # Symmetry: info ops with the same effect (every info incr; info writes
    # of one value) are interchangeable, and each can take effect anywhere
    # after its invoke, so some linearization, if any exists, uses them in
    # invoke order.  Searching only those orders turns 2^k subsets of k
    # pending info incrs into k + 1 counts.
    pred = [-1] * len(kops)
    last_of = {}
    for i in sorted(range(len(kops)), key=lambda j: (kops[j].invoke, j)):
        k = kops[i]
        if not k.known:
            cls = (k.code, k.arg)
            pred[i] = last_of.get(cls, -1)
            last_of[cls] = i
    codes = [k.code for k in kops]
    args = [k.arg for k in kops]
    results = [k.result for k in kops]
    known = [k.known for k in kops]

    state = init
    lin = 0
    remaining = n_known
    stack = []
    cache = set()
    found = n_known == 0
    entry = nxt[0]
    steps = 0
    limit = budget.steps
    mem = 0
    mem_limit = budget.memory
    deadline = budget.deadline
    as_int = _as_int
    while True:
        steps += 1
        if steps > limit or (steps & 4095 == 0 and time.monotonic() > deadline):
            budget.used += steps
            return None
        if entry == tail:
            # Only in collect mode: everything is linearized (the state
            # was collected then); backtrack to look for other orders.
            if not stack:
                break
            entry, state = stack.pop()
            i = opi[entry]
            lin ^= 1 << i
            if known[i]:
                remaining += 1
            r = match[entry]
            prv[nxt[r]] = r
            nxt[prv[r]] = r
            prv[nxt[entry]] = entry
            nxt[prv[entry]] = entry
            entry = nxt[entry]
            continue
        if is_call[entry]:
            i = opi[entry]
            code = codes[i]
            ok = True
            p = pred[i]
            if p >= 0 and not (lin >> p) & 1:
                ok = False
                ns = state
            elif code == _W:
                ns = args[i]
            elif code == _R:
                ok = state == results[i]
                ns = state
            else:
                v = as_int(state)
                if v is None or v == INT64_MAX:
                    ns = state
                    ok = (not known[i]) or results[i] is INCR_ERROR
                else:
                    ns = str(v + 1)
                    ok = (not known[i]) or results[i] == v + 1
            if ok:
                nl = lin | (1 << i)
                ck = (nl, ns)
                if ck not in cache:
                    cache.add(ck)
                    mem += 120 + (nl.bit_length() >> 3)
                    if mem > mem_limit:
                        budget.used += steps
                        budget.out_of_memory = True
                        return None
                    stack.append((entry, state))
                    state = ns
                    lin = nl
                    r = match[entry]
                    nxt[prv[entry]] = nxt[entry]
                    prv[nxt[entry]] = prv[entry]
                    nxt[prv[r]] = nxt[r]
                    prv[nxt[r]] = prv[r]
                    if known[i]:
                        remaining -= 1
                    if remaining == 0:
                        if collect is None:
                            budget.used += steps
                            return True
                        # A complete linearization: the info ops not yet
                        # linearized never happen.  Keep going for the
                        # states reached when some of them do.
                        collect.add((ns, nl & carry))
                        found = True
                    entry = nxt[0]
                    continue
            entry = nxt[entry]
        else:
            # A return whose call is not linearized: backtrack.
            if not stack:
                break
            entry, state = stack.pop()
            i = opi[entry]
            lin ^= 1 << i
            if known[i]:
                remaining += 1
            r = match[entry]
            prv[nxt[r]] = r
            nxt[prv[r]] = r
            prv[nxt[entry]] = entry
            nxt[prv[entry]] = entry
            entry = nxt[entry]
    budget.used += steps
    return found if collect is not None else False


def check_key_ops(ops, init=None, max_steps=DEFAULT_MAX_STEPS, time_limit=DEFAULT_TIME_LIMIT,
                  max_memory=DEFAULT_MAX_MEMORY):
    """Checks the operations (Op objects) of one key from state init.
    Returns True, False, or None (budget exhausted)."""
    budget = _Budget(max_steps, time.monotonic() + time_limit, max_memory)
    return _search(_prepare(ops), init, budget)


# ---- explaining an anomaly ----

def _prefix_ops(ops, t):
    """The history as it stood at instant t: operations invoked at or
    before t; those not completed by t become pending (info).  Since
    linearizability is prefix-closed, a prefix that is not linearizable
    proves the whole history is not."""
    out = []
    for o in ops:
        if o.invoke > t or o.status == FAIL:
            continue
        if o.status == OK and o.complete <= t:
            out.append(o)
        else:
            p = Op(o.id, o.client, o.kind, o.key, o.arg, o.invoke)
            p.status = INFO
            out.append(p)
    return out


def _removable(o, remaining, has_incr):
    """Whether dropping o keeps "not linearizable => the original is not"
    true: dropping a read only removes a constraint; dropping a write whose
    value no remaining read returned, on a key without incr, cannot make
    any read unexplainable."""
    if o.kind == "read":
        return True
    if o.kind == "write" and not has_incr:
        return all(not (r.kind == "read" and r.status == OK and r.result == o.arg)
                   for r in remaining)
    return False


def explain_key(key, ops, t0=None, max_steps=DEFAULT_MAX_STEPS, explain_time=DEFAULT_EXPLAIN_TIME,
                max_memory=DEFAULT_MAX_MEMORY):
    """Explains why the operations (Op) of one key are not linearizable.
    Returns (text, witness, cases): witness, the operations listed (ops
    still running at the cut are copies with status info); cases, a list
    of (state, ops) such that each ops (a subset of witness) is not
    linearizable from state, which proves the whole is not."""
    if t0 is None:
        t0 = min(o.invoke for o in ops)
    deadline = time.monotonic() + explain_time
    notes = []

    def nonlin(subset, init=None):
        b = _Budget(max_steps, deadline, max_memory)
        return _search(_prepare(subset), init, b) is False

    # 1. The shortest non-linearizable prefix, cut at a completion.
    # The prefix at the last completion is the whole history but for info
    # ops invoked after it, which could take effect last: it fails too.
    ends = sorted(set(o.complete for o in ops if o.status == OK))
    lo, hi = 0, len(ends) - 1
    while lo < hi and time.monotonic() < deadline:
        mid = (lo + hi) // 2
        if nonlin(_prefix_ops(ops, ends[mid])):
            hi = mid
        else:
            lo = mid + 1
    cur = [o for o in ops if o.status != FAIL]
    culprits = []
    culprit_t = None
    if ends:
        cand = _prefix_ops(ops, ends[hi])
        if nonlin(cand):
            culprit_t = ends[hi]
            cur = cand
            culprits = [o for o in cur if o.status == OK and o.complete == culprit_t]
    # A read with no reply constrains nothing: never list it.
    cur = [o for o in cur if o.status == OK or o.kind != "read"]

    # 2. Drop reads and unread writes while the rest stays non-linearizable:
    # big chunks first, then smaller ones down to single operations.
    keep_ids = set(o.id for o in culprits)
    has_incr = any(o.kind == "incr" for o in cur)
    chunk = max(1, len(cur) // 2)
    shrunk = True
    while time.monotonic() < deadline:
        i = 0
        changed = False
        while i < len(cur) and time.monotonic() < deadline:
            group = [o for o in cur[i:i + chunk] if o.id not in keep_ids]
            gone = set(id(o) for o in group)
            rest = [o for o in cur if id(o) not in gone]
            if group and all(_removable(o, rest, has_incr) for o in group) and nonlin(rest):
                cur = rest
                changed = True
            else:
                i += chunk
        if chunk == 1 and not changed:
            break
        chunk = max(1, chunk // 2)
    else:
        shrunk = False
        notes.append("(explanation time limit reached: the list is not fully reduced)")

    # 3. Fold the operations that all ended before a quiet point (no ok
    # operation in flight across it) into what they can leave: a state,
    # and which of the info operations invoked before the point (carried)
    # took effect already.  Every folded op precedes every later op in real
    # time, so the rest (the later ops plus the carried ones not yet taken)
    # must fail from each such outcome.
    cases = [(None, list(cur))]
    folded = []
    carried = []
    first_culprit = min((o.invoke for o in culprits), default=INF)
    points = sorted(set(o.invoke for o in cur if o.invoke <= first_culprit), reverse=True)
    for t in points:
        before = [o for o in cur if o.status == OK and o.complete < t]
        carry = [o for o in cur if o.status != OK and o.invoke < t]
        after = [o for o in cur if o.invoke >= t]
        if len(before) + len(carry) + len(after) != len(cur):
            continue
        if len(before) <= FOLD_MIN:
            break  # few enough to list them all
        kops = _prepare(before + carry)
        mask = 0
        for i, k in enumerate(kops):
            if not k.known:
                mask |= 1 << i
        outcomes = set()
        b = _Budget(max_steps, deadline, max_memory)
        if _search(kops, None, b, collect=outcomes, carry=mask) and 0 < len(outcomes) <= 16:
            new_cases = []
            for state, bits in sorted(outcomes, key=repr):
                taken = set(id(kops[i].op) for i in range(len(kops)) if bits >> i & 1)
                new_cases.append((state, after + [o for o in carry if id(o) not in taken]))
            if all(nonlin(rest, state) for state, rest in new_cases):
                cases, folded, carried = new_cases, before, carry
                cur = after + carry
        break
    init_states = set(state for state, _ in cases)

    lines = ["key %r: NOT linearizable" % (key,)]
    if culprits:
        lines.append("  first operation that cannot be linearized (completed at +%.6f):"
                     % (culprit_t - t0))
        for o in culprits:
            lines.append("    " + o.text(t0))
    if folded:
        last = max(o.complete for o in folded)
        states = sorted(init_states, key=repr)
        lines.append("  the %d operations that all ended by +%.6f (before any other listed "
                     "below began) leave the key %s%s; the last of them:" % (
                         len(folded), last - t0,
                         "= %r" % states[0] if len(states) == 1 else
                         "= one of " + ", ".join(repr(x) for x in states),
                         " (the %d info ops invoked before then may have taken effect "
                         "already, or later, or never)" % len(carried) if carried else ""))
        for o in sorted(folded, key=lambda o: (o.complete, o.id))[-FOLD_SHOW:]:
            lines.append("    " + o.text(t0))
    lines.append("  operations that cannot be ordered%s (%d of %d on this key%s):" % (
        " from there" if folded else "", len(cur), len(ops), ", reduced" if shrunk else ""))
    shown = sorted(cur, key=lambda o: (o.invoke, o.id))
    if len(shown) > MAX_LISTED:
        # The first op that fails is near the end: show the last ones.
        lines.append("    ... %d earlier ones not shown" % (len(shown) - MAX_LISTED))
        shown = shown[-MAX_LISTED:]
    for o in shown:
        mark = "  <-" if o.id in keep_ids else ""
        lines.append("    " + o.text(t0) + mark)
    lines.append("  no order of these respects real time and the register's semantics "
                 "(info ops may take effect anywhere after their invoke, or never)")
    lines.extend("  " + n for n in notes)
    return "\n".join(lines), cur, cases


# ---- the entry point ----

def check(history, max_steps=DEFAULT_MAX_STEPS, time_limit=DEFAULT_TIME_LIMIT,
          explain=True, explain_time=DEFAULT_EXPLAIN_TIME, max_memory=DEFAULT_MAX_MEMORY):
    """Checks a History (or a list of Op).  Returns (ok, explanation):
    ok is True (linearizable), False (an anomaly: explanation names the
    operations), or None (unknown: a key exhausted max_steps, max_memory
    or the time_limit; explanation says which).  An anomaly on one key
    makes the answer False even if other keys are unknown.  Treat None as
    a test failure unless the test expects it: `assertIs(ok, True, text)`."""
    ops = history.ops() if isinstance(history, History) else list(history)
    if not ops:
        return True, "linearizable: empty history"
    t0 = min(o.invoke for o in ops)
    by_key = {}
    for o in ops:
        by_key.setdefault(o.key, []).append(o)
    deadline = time.monotonic() + time_limit
    bad, unknown = [], []
    steps = 0
    for key in sorted(by_key, key=repr):
        budget = _Budget(max_steps, deadline, max_memory)
        res = _search(_prepare(by_key[key]), None, budget)
        steps += budget.used
        if res is False:
            bad.append(key)
        elif res is None:
            why = ("the memo set reached max_memory=%d bytes" % max_memory
                   if budget.out_of_memory else
                   "max_steps=%d, time_limit=%gs" % (max_steps, time_limit))
            unknown.append((key, budget.used, why))
    counts = {s: sum(1 for o in ops if o.status == s) for s in (OK, FAIL, INFO, PENDING)}
    summary = "%d operations on %d keys (%d ok, %d fail, %d info, %d pending), %d search steps" % (
        len(ops), len(by_key), counts[OK], counts[FAIL], counts[INFO], counts[PENDING], steps)
    unk_text = ["key %r: UNKNOWN: search stopped after %d steps (%s); too concurrent to "
                "decide" % (k, u, why) for k, u, why in unknown]
    if bad:
        parts = ["not linearizable: " + summary]
        for key in bad:
            if explain:
                parts.append(explain_key(key, by_key[key], t0, max_steps, explain_time,
                                         max_memory)[0])
            else:
                parts.append("key %r: NOT linearizable" % (key,))
        parts.extend(unk_text)
        return False, "\n".join(parts)
    if unknown:
        return None, "\n".join(["unknown: " + summary] + unk_text)
    return True, "linearizable: " + summary


def main(argv):
    if len(argv) != 2:
        print("usage: %s HISTORY.jsonl" % argv[0], file=sys.stderr)
        return 2
    ok, text = check(History.load(argv[1]))
    print(text)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
