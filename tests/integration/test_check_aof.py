"""raftcache-check-aof: verdicts, exit codes, and --fix.

The AOF files here are written by an independent Python encoder of the
format in docs/persistence.md (its own CRC-64 too), so these tests also check
that the document and the C code agree.

The tool is looked up next to the server binary (harness.SERVER_BIN): both
are built into the same CMake build directory.
"""

import os
import shutil
import struct
import subprocess
import tempfile
import unittest

import harness

CHECK_BIN = os.path.join(os.path.dirname(harness.SERVER_BIN), "raftcache-check-aof")

# ---- an independent encoder of the format (docs/persistence.md) ----

_POLY = 0x95AC9329AC4BC9B5  # Jones polynomial 0xad93d23594c935a9, bit-reversed
_TABLE = []
for _b in range(256):
    _c = _b
    for _ in range(8):
        _c = (_c >> 1) ^ _POLY if _c & 1 else _c >> 1
    _TABLE.append(_c)


def crc64(data, crc=0):
    for byte in data:
        crc = _TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc


def frame(kind, payload, raft_index=0):
    head = b"\xf7RCF" + kind + b"\0\0\0" + struct.pack("<IQ", len(payload), raft_index)
    body = head + payload
    return body + struct.pack("<Q", crc64(body)) + b"\xf7END"


def resp(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


def header(base_index=0, base_term=0):
    payload = b"raftcache-aof 1\n"
    if base_term:
        payload += b"base-term %d\n" % base_term
    return frame(b"H", payload, base_index)


def sample_aof(n=10, raft=True):
    """Returns (bytes, list of frame offsets incl. the end)."""
    data = header(100 if raft else 0, 4 if raft else 0)
    offsets = [0]
    for i in range(n):
        offsets.append(len(data))
        payload = resp("SET", "key:%d" % i, b"\x00\xf7RCF value %d" % i)
        if i % 3 == 0:
            payload = resp("SELECT", 1) + payload
        data += frame(b"C", payload, 101 + i if raft else 0)
    offsets.append(len(data))
    return data, offsets


class CheckAofTest(unittest.TestCase):
    def setUp(self):
        if not os.path.exists(CHECK_BIN):
            self.fail("raftcache-check-aof not built: %s" % CHECK_BIN)
        self.dir = tempfile.mkdtemp(prefix="rc-check-aof-")
        self.path = os.path.join(self.dir, "appendonly.aof")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def write(self, data):
        with open(self.path, "wb") as f:
            f.write(data)

    def read(self):
        with open(self.path, "rb") as f:
            return f.read()

    def run_tool(self, *args, input=b"", path=True):
        cmd = [CHECK_BIN] + list(args) + ([self.path] if path else [])
        r = subprocess.run(cmd, input=input, capture_output=True, timeout=30)
        return r.returncode, r.stdout.decode("utf-8", "replace"), r.stderr.decode("utf-8", "replace")

    # ---- the encoder itself ----

    def test_python_crc_check_value(self):
        self.assertEqual(crc64(b"123456789"), 0xE9C6D914C4B8D9CA)

    # ---- verdicts ----

    def test_intact(self):
        data, offsets = sample_aof()
        self.write(data)
        rc, out, _ = self.run_tool()
        self.assertEqual(rc, 0, out)
        self.assertIn("Frames: 11 intact (14 commands), %d bytes" % len(data), out)
        self.assertIn("Last raft index: 110", out)
        self.assertIn("base raft index 100, base term 4", out)
        self.assertIn("\nOK\n", out)

    def test_empty_file_is_ok(self):
        self.write(b"")
        rc, out, _ = self.run_tool()
        self.assertEqual(rc, 0, out)
        self.assertIn("Frames: 0", out)
        self.assertIn("OK", out)

    def test_without_raft(self):
        data, _ = sample_aof(raft=False)
        self.write(data)
        rc, out, _ = self.run_tool()
        self.assertEqual(rc, 0, out)
        self.assertIn("Last raft index: 0", out)

    def test_torn_tail_reported_not_changed(self):
        data, offsets = sample_aof()
        cut = len(data) - 9
        self.write(data[:cut])
        rc, out, _ = self.run_tool()
        self.assertEqual(rc, 1, out)
        self.assertIn("torn tail at offset %d (%d bytes)" % (offsets[-2], cut - offsets[-2]), out)
        self.assertIn("Frames: 10 intact", out)
        self.assertIn("Last raft index: 109", out)
        self.assertEqual(self.read(), data[:cut])

    def test_torn_tail_at_every_cut(self):
        data, offsets = sample_aof(n=3)
        for cut in range(0, len(data) + 1, 7):
            self.write(data[:cut])
            rc, out, _ = self.run_tool()
            whole = [o for o in offsets if o <= cut][-1]
            if cut == whole:
                self.assertEqual(rc, 0, (cut, out))
            else:
                self.assertEqual(rc, 1, (cut, out))
                self.assertIn("torn tail at offset %d (%d bytes)" % (whole, cut - whole), out)

    def test_bad_crc_last_frame_is_torn(self):
        data, offsets = sample_aof()
        bad = bytearray(data)
        bad[offsets[-2] + 25] ^= 0x01
        self.write(bytes(bad))
        rc, out, _ = self.run_tool()
        self.assertEqual(rc, 1, out)
        self.assertIn("torn tail at offset %d" % offsets[-2], out)
        self.assertIn("CRC64 mismatch", out)

    def test_corrupt_mid_file(self):
        data, offsets = sample_aof()
        bad = bytearray(data)
        bad[offsets[4] + 30] ^= 0xFF
        self.write(bytes(bad))
        rc, out, _ = self.run_tool()
        self.assertEqual(rc, 1, out)
        self.assertIn("corrupt frame at offset %d: CRC64 mismatch" % offsets[4], out)
        self.assertIn("the first at offset %d" % offsets[5], out)
        self.assertIn("Frames: 4 intact", out)

    def test_bad_marker_mid_file(self):
        data, offsets = sample_aof()
        bad = bytearray(data)
        bad[offsets[6]] = ord("X")
        self.write(bytes(bad))
        rc, out, _ = self.run_tool()
        self.assertEqual(rc, 1, out)
        self.assertIn("corrupt frame at offset %d: bad start marker" % offsets[6], out)

    def test_redis_aof_is_not_ours(self):
        self.write(resp("SELECT", 0) + resp("SET", "k", "v"))
        rc, out, _ = self.run_tool()
        self.assertEqual(rc, 1, out)
        self.assertIn("corrupt frame at offset 0: bad start marker", out)

    def test_unknown_version(self):
        self.write(frame(b"H", b"raftcache-aof 2\n") + frame(b"C", resp("PING")))
        rc, out, _ = self.run_tool()
        self.assertEqual(rc, 1, out)
        self.assertIn("corrupt frame at offset 0: unsupported AOF format version", out)

    def test_list(self):
        data, _ = sample_aof(n=2)
        self.write(data)
        rc, out, _ = self.run_tool("--list")
        self.assertEqual(rc, 0, out)
        self.assertIn('"SELECT" "1"', out)
        self.assertIn('"SET" "key:1" "\\x00\\xf7RCF value 1"', out)
        self.assertIn("index 102", out)

    # ---- --fix ----

    def test_fix_asks_and_no_keeps_file(self):
        data, offsets = sample_aof()
        self.write(data[:-3])
        for answer in (b"n\n", b"\n", b"", b"maybe\n"):
            rc, out, _ = self.run_tool("--fix", input=answer)
            self.assertEqual(rc, 1, out)
            self.assertIn("[y/N]", out)
            self.assertIn("AOF not changed", out)
            self.assertEqual(self.read(), data[:-3])

    def test_fix_yes_on_terminal_answer(self):
        data, offsets = sample_aof()
        self.write(data[:-3])
        rc, out, _ = self.run_tool("--fix", input=b"y\n")
        self.assertEqual(rc, 0, out)
        self.assertIn("from %d to %d bytes" % (len(data) - 3, offsets[-2]), out)
        self.assertIn("Successfully truncated", out)
        self.assertEqual(self.read(), data[:offsets[-2]])
        rc, out, _ = self.run_tool()
        self.assertEqual(rc, 0, out)
        self.assertIn("Frames: 10 intact", out)

    def test_fix_with_yes_flag(self):
        data, offsets = sample_aof()
        self.write(data + b"\0" * 4096)  # a zero-filled tail after a crash
        rc, out, _ = self.run_tool("--fix", "--yes")
        self.assertEqual(rc, 0, out)
        self.assertNotIn("[y/N]", out)
        self.assertEqual(self.read(), data)

    def test_fix_refuses_mid_file_corruption(self):
        data, offsets = sample_aof()
        bad = bytearray(data)
        bad[offsets[3] + 12] ^= 0x01  # the raft index of frame 3
        self.write(bytes(bad))
        rc, out, _ = self.run_tool("--fix", "--yes")
        self.assertEqual(rc, 1, out)
        self.assertIn("Refusing to fix", out)
        self.assertIn("acknowledged writes", out)
        self.assertIn("truncate -s %d" % offsets[3], out)
        self.assertEqual(self.read(), bytes(bad))

    def test_fix_refuses_foreign_file(self):
        foreign = resp("SET", "k", "v")
        self.write(foreign)
        rc, out, _ = self.run_tool("--fix", "--yes")
        self.assertEqual(rc, 1, out)
        self.assertIn("Refusing to fix", out)
        self.assertEqual(self.read(), foreign)

    def test_fix_intact_is_noop(self):
        data, _ = sample_aof()
        self.write(data)
        rc, out, _ = self.run_tool("--fix", "--yes")
        self.assertEqual(rc, 0, out)
        self.assertIn("Nothing to fix", out)
        self.assertEqual(self.read(), data)

    # ---- usage and I/O errors ----

    def test_usage_errors(self):
        for args in ([], ["--bogus"], ["--yes"]):
            rc, _, err = self.run_tool(*args, path=bool(args))
            self.assertEqual(rc, 2, args)
            self.assertIn("Usage", err)
        rc, _, err = self.run_tool(self.path, "other", path=False)
        self.assertEqual(rc, 2)
        rc, out, _ = self.run_tool("--help", path=False)
        self.assertEqual(rc, 0)
        self.assertIn("Usage", out)

    def test_missing_file_and_directory(self):
        rc, _, err = self.run_tool()
        self.assertEqual(rc, 2)
        self.assertIn("No such file", err)
        rc, _, err = self.run_tool(self.dir, path=False)
        self.assertEqual(rc, 2)
        self.assertIn("Is a directory", err)


if __name__ == "__main__":
    harness.main()
