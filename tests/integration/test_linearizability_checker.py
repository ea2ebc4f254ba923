"""Unit tests of the linearizability checker (linearizability.py).

No server is needed: ctest runs this file with the integration tests
because it lives beside the checker they use.  What is checked:

  1. hand-built histories, each in a linearizable form and in a minimally
     changed form that is not (concurrent writes, reads overlapping writes,
     info ops that took effect late or never, increments, INCR on a
     non-integer, fail ops); each anomaly's explanation names exactly the
     operations that cannot be ordered;
  2. the budgets: a history too concurrent for max_steps / time_limit /
     max_memory is reported unknown (None), quickly, never as a pass; many
     info increments in flight stay cheap;
  3. the recorder: ids, misuse errors, several threads recording at once
     against a real locked store (which must come out linearizable),
     dump/load;
  4. randomized: sequential runs of the model with random concurrency
     windows (and info / fail outcomes) are linearizable; one corrupted read
     or increment in them is caught and named; small random histories agree
     with a brute-force checker, and the explanation's witness is itself not
     linearizable by brute force.

LINCHECK_SEED sets the random seed (default: a fixed one); the seed is
printed on failure.
"""

import contextlib
import io
import itertools
import os
import random
import re
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import linearizability as L  # noqa: E402
from linearizability import INCR_ERROR, History, check  # noqa: E402

SEED = int(os.environ.get("LINCHECK_SEED", "20240605"))


def op(h, client, kind, key, arg=None, t=(0, 1), status="ok", result=None):
    """Adds one finished operation with explicit times; returns its id."""
    i = h.invoke(client, kind, key, arg, t=t[0])
    if status == "ok":
        h.ok(i, result, t=t[1])
    elif status == "fail":
        h.fail(i, t=t[1])
    elif status == "info":
        h.info(i, t=t[1])
    return i


def listed_ids(text):
    """Ids of the operations listed under "cannot be ordered"."""
    part = text.split("cannot be ordered", 1)[1]
    return set(int(x) for x in re.findall(r"#(\d+) client", part))


def culprit_ids(text):
    part = text.split("cannot be linearized", 1)[1].split("\n  ", 2)
    return set(int(x) for x in re.findall(r"#(\d+) client", "\n".join(part[:2])))


class Pairs(unittest.TestCase):
    """Each scenario built twice: a linearizable form, and the smallest
    change that makes it not."""

    def assertLin(self, h):
        ok, text = check(h)
        self.assertIs(ok, True, text)
        return text

    def assertNotLin(self, h, witness=None):
        ok, text = check(h)
        self.assertIs(ok, False, text)
        if witness is not None:
            self.assertEqual(listed_ids(text), set(witness), text)
        return text

    def test_concurrent_writes(self):
        # Two overlapping writes may land in either order.
        for final in ("1", "2"):
            h = History()
            op(h, 0, "write", "x", "1", t=(0, 10))
            op(h, 1, "write", "x", "2", t=(1, 9))
            op(h, 2, "read", "x", t=(11, 12), result=final)
            op(h, 2, "read", "x", t=(13, 14), result=final)
            self.assertLin(h)
        # ... but once a read saw one of them last, a later read cannot see
        # the other: the order is settled.
        h = History()
        a = op(h, 0, "write", "x", "1", t=(0, 10))
        b = op(h, 1, "write", "x", "2", t=(1, 9))
        c = op(h, 2, "read", "x", t=(11, 12), result="1")
        d = op(h, 2, "read", "x", t=(13, 14), result="2")
        self.assertNotLin(h, witness={a, b, c, d})

    def test_reads_overlapping_a_write(self):
        # A read that overlaps a write may see the old or the new value.
        for seen in (None, "1"):
            h = History()
            op(h, 0, "write", "x", "1", t=(2, 10))
            op(h, 1, "read", "x", t=(1, 3), result=seen)
            op(h, 1, "read", "x", t=(4, 5), result="1" if seen else None)
            op(h, 2, "read", "x", t=(11, 12), result="1")
            self.assertLin(h)
        # Two reads in an impossible order: new, then old.
        h = History()
        w = op(h, 0, "write", "x", "1", t=(0, 10))
        r1 = op(h, 1, "read", "x", t=(1, 2), result="1")
        r2 = op(h, 1, "read", "x", t=(3, 4), result=None)
        text = self.assertNotLin(h, witness={w, r1, r2})
        self.assertEqual(culprit_ids(text), {r2}, text)

    def test_stale_read_after_completed_write(self):
        def build(last):
            h = History()
            w1 = op(h, 0, "write", "x", "1", t=(0, 1))
            w2 = op(h, 0, "write", "x", "2", t=(2, 3))
            # Noise that has nothing to do with the anomaly: other reads,
            # a write nobody read, another key.
            op(h, 1, "read", "x", t=(1.5, 1.6), result="1")
            op(h, 1, "read", "x", t=(3.1, 3.2), result="2")
            op(h, 2, "write", "x", "7", t=(2.1, 2.2))
            op(h, 3, "write", "y", "1", t=(0, 100))
            r = op(h, 1, "read", "x", t=(4, 5), result=last)
            return h, {w1, w2, r}
        h, _ = build("2")
        # Not quite: the unread write of 7 ended after w2 began; 2 is still
        # possible (7 before 2).
        self.assertLin(h)
        h, witness = build("1")
        text = self.assertNotLin(h, witness=witness)
        self.assertIn("read('x') -> '1'", text)
        self.assertIn("[+4.000000 .. +5.000000] ok", text)
        self.assertNotIn("'y'", text)  # keys are checked apart

    def test_read_of_a_value_never_written(self):
        h = History()
        op(h, 0, "write", "x", "1", t=(0, 1))
        op(h, 1, "read", "x", t=(2, 3), result="1")
        self.assertLin(h)
        r = op(h, 1, "read", "x", t=(4, 5), result="42")
        self.assertNotLin(h, witness={r})
        # Also on a key nobody ever wrote.
        h = History()
        op(h, 1, "read", "z", t=(0, 1), result=None)
        self.assertLin(h)
        r = op(h, 1, "read", "z", t=(2, 3), result="")
        self.assertNotLin(h, witness={r})

    def test_info_write_took_effect_late(self):
        # An info write may take effect long after its client gave up.
        def build(after):
            h = History()
            w = op(h, 0, "write", "x", "1", t=(0, 0.5), status="info")
            op(h, 1, "read", "x", t=(1, 2), result=None)
            r = op(h, 1, "read", "x", t=(100, 101), result="1")
            r2 = op(h, 1, "read", "x", t=(102, 103), result=after)
            return h, {w, r, r2}
        h, _ = build("1")
        self.assertLin(h)
        # Once seen, it cannot be unseen.
        h, witness = build(None)
        text = self.assertNotLin(h, witness=witness)
        self.assertIn("info (outcome unknown)", text)

    def test_info_write_never_took_effect(self):
        h = History()
        op(h, 0, "write", "x", "1", t=(0, 1), status="info")
        op(h, 1, "read", "x", t=(5, 6), result=None)
        op(h, 1, "read", "x", t=(500, 501), result=None)
        self.assertLin(h)
        # A pending op (never completed) counts as info.
        h = History()
        h.invoke(0, "write", "x", "1", t=0)
        op(h, 1, "read", "x", t=(5, 6), result=None)
        op(h, 1, "read", "x", t=(7, 8), result="1")
        self.assertLin(h)
        # But it cannot take effect before it was invoked.
        h = History()
        r = op(h, 1, "read", "x", t=(0, 1), result="1")
        w = h.invoke(0, "write", "x", "1", t=2)
        text = self.assertNotLin(h, witness={r})
        self.assertNotIn("#%d " % w, text.split("cannot be ordered")[1])

    def test_failed_ops_did_not_happen(self):
        h = History()
        op(h, 0, "write", "x", "1", t=(0, 1), status="fail")
        op(h, 0, "incr", "c", t=(0, 1), status="fail")
        op(h, 1, "read", "x", t=(2, 3), result=None)
        op(h, 1, "incr", "c", t=(2, 3), result=1)
        self.assertLin(h)
        h = History()
        op(h, 0, "write", "x", "1", t=(0, 1), status="fail")
        r = op(h, 1, "read", "x", t=(2, 3), result="1")
        self.assertNotLin(h, witness={r})

    def test_increments(self):
        # Overlapping increments may return in either order.
        h = History()
        op(h, 0, "incr", "c", t=(0, 10), result=2)
        op(h, 1, "incr", "c", t=(1, 9), result=1)
        op(h, 2, "read", "c", t=(11, 12), result="2")
        self.assertLin(h)
        # A lost increment: two sequential INCRs both returned 1.
        h = History()
        a = op(h, 0, "incr", "c", t=(0, 1), result=1)
        b = op(h, 1, "incr", "c", t=(2, 3), result=1)
        text = self.assertNotLin(h, witness={a, b})
        self.assertEqual(culprit_ids(text), {b})
        # Two overlapping INCRs that both returned 1: one was lost too.
        h = History()
        a = op(h, 0, "incr", "c", t=(0, 10), result=1)
        b = op(h, 1, "incr", "c", t=(1, 9), result=1)
        self.assertNotLin(h, witness={a, b})

    def test_info_incr_counts_or_not(self):
        for later in (2, 3):
            h = History()
            op(h, 0, "incr", "c", t=(0, 1), result=1)
            op(h, 1, "incr", "c", t=(2, 3), status="info")
            op(h, 0, "incr", "c", t=(4, 5), result=later)
            self.assertLin(h)
        h = History()
        op(h, 0, "incr", "c", t=(0, 1), result=1)
        op(h, 1, "incr", "c", t=(2, 3), status="info")
        op(h, 0, "incr", "c", t=(4, 5), result=4)
        self.assertNotLin(h)
        # An info incr may take effect late: 2, then 3 only once.
        h = History()
        op(h, 1, "incr", "c", t=(0, 1), status="info")
        op(h, 0, "read", "c", t=(2, 3), result=None)
        op(h, 0, "incr", "c", t=(4, 5), result=1)
        op(h, 0, "read", "c", t=(6, 7), result="2")
        self.assertLin(h)
        op(h, 0, "incr", "c", t=(8, 9), result=4)
        self.assertNotLin(h)

    def test_incr_and_values(self):
        # SET k 5 then INCR -> 6; reads compare as text (bytes from redis-py).
        h = History()
        op(h, 0, "write", "k", 5, t=(0, 1))
        op(h, 0, "incr", "k", t=(2, 3), result=6)
        op(h, 0, "read", "k", t=(4, 5), result=b"6")
        op(h, 0, "write", "k", b"abc", t=(6, 7))
        op(h, 0, "incr", "k", t=(8, 9), result=INCR_ERROR)
        op(h, 0, "read", "k", t=(10, 11), result="abc")
        op(h, 0, "write", "k", "007", t=(12, 13))
        op(h, 0, "incr", "k", t=(14, 15), result=INCR_ERROR)  # Redis refuses 007
        op(h, 0, "write", "k", str(2**63 - 1), t=(16, 17))
        op(h, 0, "incr", "k", t=(18, 19), result=INCR_ERROR)  # would overflow
        op(h, 0, "write", "k", "-5", t=(20, 21))
        op(h, 0, "incr", "k", t=(22, 23), result=-4)
        self.assertLin(h)
        h = History()
        w = op(h, 0, "write", "k", "abc", t=(0, 1))
        i = op(h, 0, "incr", "k", t=(2, 3), result=1)
        self.assertNotLin(h, witness={w, i})
        h = History()
        w = op(h, 0, "write", "k", "1", t=(0, 1))
        i = op(h, 0, "incr", "k", t=(2, 3), result=INCR_ERROR)
        self.assertNotLin(h, witness={w, i})

    def test_fold_of_a_long_quiet_prefix(self):
        h = History()
        for j in range(40):
            op(h, j % 3, "incr", "c", t=(j, j + 0.5), result=j + 1)
        x = op(h, 0, "incr", "c", t=(40, 41), result=41)
        y = op(h, 1, "incr", "c", t=(40.2, 41.5), result=42)
        self.assertLin(h)
        # Lost: it overlapped x and y, and returned what x returned.
        b = op(h, 2, "incr", "c", t=(41, 43), result=41)
        text = self.assertNotLin(h, witness={x, y, b})
        self.assertIn("the 40 operations that all ended by +39.500000", text)
        self.assertIn("leave the key = '40'; the last of them:", text)
        self.assertIn("#39 client 0  incr('c') -> 40", text)
        self.assertEqual(culprit_ids(text), {b})
        self.assertLess(len(text.splitlines()), 16, text)
        # With no overlap, the fold goes up to the op itself.
        h = History()
        for j in range(40):
            op(h, j % 3, "incr", "c", t=(j, j + 0.5), result=j + 1)
        b = op(h, 2, "incr", "c", t=(41, 42), result=40)
        text = self.assertNotLin(h, witness={b})
        self.assertIn("the 40 operations that all ended by +39.500000", text)
        # Few ops before the quiet point: listed, not folded.
        h = History()
        for j in range(5):
            op(h, 0, "incr", "c", t=(j, j + 0.5), result=j + 1)
        b = op(h, 2, "incr", "c", t=(6, 7), result=5)
        text = self.assertNotLin(h, witness=set(range(6)))
        self.assertNotIn("leave the key", text)

    def test_fold_carries_info_ops_in_flight(self):
        # An info incr invoked early may have counted before the quiet
        # point, after it, or never: the fold says so and keeps it.
        def build(last):
            h = History()
            for j in range(10):
                op(h, 0, "incr", "c", t=(j, j + 0.5), result=j + 1)
            i = op(h, 1, "incr", "c", t=(3.2, 3.3), status="info")
            b = op(h, 2, "incr", "c", t=(11, 12), result=last)
            return h, i, b
        for last in (11, 12):
            self.assertLin(build(last)[0])
        h, i, b = build(10)
        text = self.assertNotLin(h, witness={i, b})
        self.assertIn("leave the key = one of '10', '11' (the 1 info ops invoked before "
                      "then may have taken effect already, or later, or never)", text)
        _, witness, cases = L.explain_key("c", h.ops())
        self.assertEqual(set(o.id for o in witness), {i, b})
        self.assertEqual(sorted((s, sorted(o.id for o in rest)) for s, rest in cases),
                         [("10", sorted([i, b])), ("11", [b])])
        for s, rest in cases:
            self.assertFalse(brute_force(rest, s))

    def test_several_keys_are_independent(self):
        h = History()
        for k in "abcd":
            op(h, 0, "write", k, "1", t=(0, 1))
            op(h, 0, "read", k, t=(2, 3), result="1")
        r = op(h, 1, "read", "c", t=(4, 5), result="2")
        ok, text = check(h)
        self.assertIs(ok, False)
        self.assertIn("key 'c': NOT linearizable", text)
        self.assertEqual(text.count("NOT linearizable"), 1, text)
        self.assertEqual(listed_ids(text), {r})

    def test_equal_times_overlap(self):
        # A call at the instant another returns counts as concurrent.
        h = History()
        op(h, 0, "write", "x", "1", t=(0, 5))
        op(h, 1, "read", "x", t=(5, 6), result=None)
        self.assertLin(h)
        h = History()
        op(h, 0, "write", "x", "1", t=(0, 5))
        op(h, 1, "read", "x", t=(5.000001, 6), result=None)
        self.assertNotLin(h)

    def test_empty_and_summary(self):
        self.assertEqual(check(History()), (True, "linearizable: empty history"))
        h = History()
        op(h, 0, "write", "x", "1", t=(0, 1))
        op(h, 0, "write", "x", "2", t=(0, 1), status="fail")
        op(h, 0, "write", "x", "3", t=(0, 1), status="info")
        h.invoke(0, "read", "x", t=2)
        ok, text = check(h)
        self.assertIs(ok, True)
        self.assertIn("4 operations on 1 keys (1 ok, 1 fail, 1 info, 1 pending)", text)


class Budgets(unittest.TestCase):
    """A history too concurrent to decide is unknown, never a pass."""

    def hard_history(self, n=24):
        # n info writes of distinct values all in flight at once, each value
        # then read in turn (so none can be dropped), then a read of the
        # first value again, which is impossible: every subset of the
        # writes that could have been overwritten unseen before each read
        # is a distinct configuration, 2^n of them.
        h = History()
        for i in range(n):
            op(h, i, "write", "c", "v%d" % i, t=(0, 1), status="info")
        for i in range(n):
            op(h, 99, "read", "c", t=(2 + 2 * i, 3 + 2 * i), result="v%d" % i)
        op(h, 99, "read", "c", t=(1000, 1001), result="v0")
        for i in range(n):
            op(h, i, "write", "w%d" % i, "x", t=(0, 1))
        return h

    def test_step_budget(self):
        t = time.monotonic()
        ok, text = check(self.hard_history(), max_steps=20000)
        self.assertIsNone(ok, text)
        self.assertLess(time.monotonic() - t, 5)
        self.assertIn("key 'c': UNKNOWN: search stopped after 20001 steps "
                      "(max_steps=20000, time_limit=60s)", text)
        self.assertTrue(text.startswith("unknown: 73 operations on 25 keys"), text)

    def test_time_limit(self):
        t = time.monotonic()
        ok, text = check(self.hard_history(), max_steps=10**9, time_limit=0.3)
        self.assertIsNone(ok, text)
        self.assertLess(time.monotonic() - t, 3)
        self.assertIn("time_limit=0.3s", text)

    def test_memory_limit(self):
        ok, text = check(self.hard_history(), max_memory=1 << 20)
        self.assertIsNone(ok, text)
        self.assertIn("the memo set reached max_memory=1048576 bytes", text)

    def test_an_anomaly_elsewhere_still_fails(self):
        h = self.hard_history()
        op(h, 0, "read", "w3", t=(4, 5), result="y")
        ok, text = check(h, max_steps=20000, explain_time=2)
        self.assertIs(ok, False, text)
        self.assertIn("key 'w3': NOT linearizable", text)
        self.assertIn("key 'c': UNKNOWN", text)

    def test_decided_when_small_enough(self):
        # The same shape with 8 writes: 2^8 configurations, decided.
        ok, text = check(self.hard_history(n=8))
        self.assertIs(ok, False, text)
        self.assertIn("first operation that cannot be linearized (completed at +1001.000000)",
                      text)

    def test_many_info_increments_are_cheap(self):
        # Info incrs are interchangeable: the search tries them in invoke
        # order only, so 200 of them in flight at once cost little.
        h = History()
        for i in range(200):
            op(h, i, "incr", "c", t=(0, 1), status="info")
        op(h, 999, "read", "c", t=(2, 3), result="150")
        op(h, 999, "incr", "c", t=(4, 5), result=160)
        op(h, 999, "read", "c", t=(6, 7), result="160")
        t = time.monotonic()
        ok, text = check(h, max_steps=200000)
        self.assertIs(ok, True, text)
        op(h, 999, "read", "c", t=(8, 9), result="155")
        ok, text = check(h, max_steps=200000)
        self.assertIs(ok, False, text)
        self.assertLess(time.monotonic() - t, 10)


class Recorder(unittest.TestCase):

    def test_misuse(self):
        h = History()
        with self.assertRaises(ValueError):
            h.invoke(0, "delete", "x")
        with self.assertRaises(ValueError):
            h.invoke(0, "write", "x")
        with self.assertRaises(ValueError):
            h.invoke(0, "read", "x", "1")
        with self.assertRaises(TypeError):
            h.invoke(0, "write", "x", 1.5)
        i = h.invoke(0, "set", "x", "1", t=5)
        with self.assertRaises(ValueError):
            h.ok(i, t=4)  # before its invoke
        h.ok(i, t=6)
        with self.assertRaises(ValueError):
            h.info(i)  # ended twice
        with self.assertRaises(ValueError):
            h.fail(99)
        j = h.invoke(0, "incr", "c")
        with self.assertRaises(TypeError):
            h.ok(j, "x1")  # not an integer reply... int("x1") fails
        self.assertEqual(h.ops()[0].kind, "write")
        self.assertEqual(h.ops()[j].status, "pending")

    def test_threads_on_a_real_linearizable_store(self):
        # A dict behind a lock is linearizable; every operation runs inside
        # its invoke..ok window, recorded from 8 threads at once.
        h = History()
        store = {}
        lock = threading.Lock()
        rng_seed = SEED

        def client(cid):
            rng = random.Random(rng_seed + cid)
            for n in range(150):
                key = rng.choice(["a", "b", "c"])
                kind = rng.choice(["write", "read", "incr"]) if key == "c" else \
                    rng.choice(["write", "read"])
                if kind == "write":
                    val = "%d-%d" % (cid, n) if key != "c" else str(rng.randrange(100))
                    i = h.invoke(cid, kind, key, val)
                    with lock:
                        store[key] = val
                    h.ok(i)
                elif kind == "read":
                    i = h.invoke(cid, kind, key)
                    with lock:
                        v = store.get(key)
                    h.ok(i, None if v is None else v.encode())
                else:
                    i = h.invoke(cid, kind, key)
                    with lock:
                        v = int(store.get(key, "0")) + 1
                        store[key] = str(v)
                    h.ok(i, v)
                if rng.random() < 0.05:
                    time.sleep(0.0005)

        threads = [threading.Thread(target=client, args=(c,)) for c in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(len(h), 8 * 150)
        self.assertEqual(sorted(o.id for o in h.ops()), list(range(8 * 150)))
        ok, text = check(h)
        self.assertIs(ok, True, text)

    def test_dump_and_load(self):
        h = History()
        op(h, 0, "write", "x", "1", t=(0, 1))
        op(h, 1, "incr", "k", t=(0, 1), result=INCR_ERROR)
        op(h, 1, "incr", "c", t=(0, 1), status="info")
        op(h, 2, "read", "x", t=(2, 3), result="2")
        h.invoke(3, "write", "x", "9", t=4)
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "h.jsonl")
            h.dump(path)
            g = History.load(path)
            self.assertEqual([o.to_dict() for o in g.ops()], [o.to_dict() for o in h.ops()])
            self.assertIs(g.ops()[1].result, INCR_ERROR)
            self.assertEqual(check(g)[0], check(h)[0])
            self.assertIs(check(g)[0], False)
            with contextlib.redirect_stdout(io.StringIO()) as out:
                self.assertEqual(L.main(["x", path]), 1)
            self.assertIn("key 'x': NOT linearizable", out.getvalue())


# ---- randomized ----

def brute_force(ops, init=None):
    """An independent, exponential reference: some subset of the info ops
    plus all ok ops, in some order that respects real time (a before b
    when a completed strictly before b was invoked), is a legal run."""
    ops = [o for o in ops if o.status != "fail" and not (o.status != "ok" and o.kind == "read")]
    ok_ops = [o for o in ops if o.status == "ok"]
    maybe = [o for o in ops if o.status != "ok"]

    def end(o):
        return o.complete if o.status == "ok" else float("inf")

    def run(seq):
        state = init
        for o in seq:
            if o.kind == "write":
                state = o.arg
            elif o.kind == "read":
                if o.result != state:
                    return False
            else:
                s = "0" if state is None else state
                try:
                    good = re.fullmatch(r"-?(0|[1-9][0-9]*)", s) and s != "-0" \
                        and -2**63 <= int(s) < 2**63 - 1
                except ValueError:
                    good = False
                if not good:
                    if o.status == "ok" and o.result is not INCR_ERROR:
                        return False
                    continue
                if o.status == "ok" and o.result != int(s) + 1:
                    return False
                state = str(int(s) + 1)
        return True

    for r in range(len(maybe) + 1):
        for extra in itertools.combinations(maybe, r):
            chosen = ok_ops + list(extra)
            for perm in itertools.permutations(chosen):
                if all(not (end(perm[j]) < perm[i].invoke)
                       for i in range(len(perm)) for j in range(i + 1, len(perm))):
                    if run(perm):
                        return True
    return False


def model_run(rng, n, width, p_info=0.1, p_fail=0.05):
    """A sequential run of the model with concurrency windows: op j takes
    effect at instant j (if it takes effect at all) and its window is
    [j - U(0, width), j + U(0, width)], so the history is linearizable by
    construction.  Keys: r0, r1 registers with unique values; c0 a counter
    (incr only); m0 mixed (small ints, 'abc', incr)."""
    h = History()
    state = {}
    serial = [0]

    def value():
        serial[0] += 1
        return "v%d" % serial[0]

    for j in range(1, n + 1):
        key = rng.choice(["r0", "r1", "r0", "c0", "m0"])
        if key.startswith("r"):
            kind = rng.choice(["write", "read", "read"])
            arg = value() if kind == "write" else None
        elif key == "c0":
            kind = rng.choice(["incr", "incr", "read"])
            arg = None
        else:
            kind = rng.choice(["write", "incr", "read"])
            arg = rng.choice(["1", "5", "abc", "-3"]) if kind == "write" else None
        inv = j - rng.uniform(0, width)
        comp = j + rng.uniform(0, width)
        outcome = rng.random()
        status = "info" if outcome < p_info else "fail" if outcome < p_info + p_fail else "ok"
        applies = status == "ok" or (status == "info" and rng.random() < 0.5)
        cur = state.get(key)
        result = None
        if kind == "write":
            if applies:
                state[key] = arg
        elif kind == "read":
            result = cur
        else:
            v = L._as_int(cur)
            if v is None or v == L.INT64_MAX:
                result = INCR_ERROR
            else:
                result = v + 1
                if applies:
                    state[key] = str(v + 1)
        i = h.invoke(rng.randrange(6), kind, key, arg, t=inv)
        if status == "ok":
            h.ok(i, result, t=comp)
        elif status == "fail":
            h.fail(i, t=comp)
        else:
            h.info(i, t=comp)
    return h


def corrupt(rng, h):
    """Changes one ok read or incr so that the history is certainly not
    linearizable; returns the op id, or None if no candidate exists."""
    ops = h.ops()
    cands = []
    for r in ops:
        if r.status != "ok":
            continue
        if r.kind == "read" and r.key.startswith("r"):
            # Stale: a value overwritten (by a write that completed before
            # r began) after its write completed.  Values are unique.
            writes = [w for w in ops if w.key == r.key and w.kind == "write" and w.status == "ok"]
            news = [w for w in writes if w.complete < r.invoke]
            if news:
                new = rng.choice(news)
                olds = [w for w in writes if w.complete < new.invoke and w.arg != r.result]
                if olds:
                    cands.append((r, rng.choice(olds).arg))
            cands.append((r, "never-written"))
        elif r.kind == "incr" and r.key == "c0":
            # Lost increment: the result of an incr that completed before.
            before = [a for a in ops if a.key == "c0" and a.kind == "incr" and a.status == "ok"
                      and a.complete < r.invoke]
            if before:
                cands.append((r, rng.choice(before).result))
    if not cands:
        return None
    r, bad = rng.choice(cands)
    r.result = bad
    return r.id


class Randomized(unittest.TestCase):

    def test_model_runs_are_linearizable_and_corruption_is_caught(self):
        rng = random.Random(SEED)
        caught = 0
        for round_ in range(150):
            n = rng.choice([20, 60, 150, 400])
            width = rng.choice([0.3, 1.5, 4.0, 10.0])
            h = model_run(rng, n, width, p_info=rng.choice([0, 0.1, 0.3]))
            ok, text = check(h)
            self.assertIs(ok, True, "seed %d round %d:\n%s" % (SEED, round_, text))
            victim = corrupt(rng, h)
            if victim is None:
                continue
            ok, text = check(h)
            self.assertIs(ok, False, "seed %d round %d: corruption of #%d missed:\n%s" % (
                SEED, round_, victim, text))
            # The corrupted op is the first that cannot be linearized: every
            # shorter prefix is a prefix of a linearizable history.
            self.assertIn(victim, culprit_ids(text),
                          "seed %d round %d:\n%s" % (SEED, round_, text))
            self.assertIn(victim, listed_ids(text), text)
            caught += 1
        self.assertGreater(caught, 120)

    def test_agrees_with_brute_force(self):
        rng = random.Random(SEED + 1)
        outcomes = {True: 0, False: 0}
        for round_ in range(500):
            h = History()
            n = rng.randrange(1, 8)
            for _ in range(n):
                kind = rng.choice(["write", "read", "incr", "read"])
                arg = rng.choice(["1", "2", "x"]) if kind == "write" else None
                a = rng.randrange(0, 8)
                b = a + rng.randrange(0, 5)
                status = rng.choice(["ok"] * 6 + ["info", "fail"])
                result = None
                if kind == "read":
                    result = rng.choice([None, "1", "2", "3", "x"])
                elif kind == "incr":
                    result = rng.choice([1, 2, 3, INCR_ERROR])
                op(h, rng.randrange(3), kind, "k", arg, t=(a, b), status=status, result=result)
            expect = brute_force(h.ops())
            ok, text = check(h)
            self.assertIs(ok, expect, "round %d:\n%s\n%s" % (
                round_, "\n".join(o.text() for o in h.ops()), text))
            outcomes[expect] += 1
            if not expect:
                _, witness, cases = L.explain_key("k", h.ops())
                for s, rest in cases:
                    self.assertFalse(brute_force(rest, s), "round %d: witness linearizes:\n%s" % (
                        round_, "\n".join(o.text() for o in rest)))
        # Both answers were exercised.
        self.assertGreater(outcomes[True], 100, outcomes)
        self.assertGreater(outcomes[False], 100, outcomes)


if __name__ == "__main__":
    unittest.main(verbosity=2)
