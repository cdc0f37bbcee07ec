"""Formatting without root or a kernel: every recorded raw stream under
tests/fixtures/raw/<host-or-kernel>/ replayed with --read in every format
gives exactly the expected output next to it (JSON compared parsed), and
--read refuses what it cannot do with one line and exit status 2."""
import glob
import json
import os
import subprocess
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "fixtures", "raw")
BIN = os.environ.get("SOCKLENS_BIN", os.path.join(HERE, "..", "..", "build", "bin"))
FORMATS = {"text": [], "json": ["-o", "json"], "csv": ["-o", "csv"]}
ENV = dict(os.environ, TZ="UTC")


def replay(tool, *args, stdin=None):
    return subprocess.run([os.path.join(BIN, tool), *args], input=stdin, capture_output=True, env=ENV,
                          timeout=60)


def fixtures():
    """(directory name, tool, raw path) of every recorded stream."""
    for raw in sorted(glob.glob(os.path.join(FIXTURES, "*", "*.raw"))):
        yield os.path.basename(os.path.dirname(raw)), os.path.basename(raw)[:-4], raw


class ReplayTest(unittest.TestCase):
    def test_fixtures_exist_for_every_tool(self):
        tools = {tool for where, tool, _ in fixtures() if where.startswith("host-")}
        self.assertEqual(tools, {"tcpconnect", "tcpaccept", "tcpclose", "podnet"})

    def test_every_fixture_in_every_format(self):
        for where, tool, raw in fixtures():
            for fmt, opts in FORMATS.items():
                with self.subTest(where=where, tool=tool, format=fmt):
                    with open(raw[:-4] + "." + fmt, "rb") as f:
                        want = f.read()
                    got = replay(tool, "--read", raw, *opts)
                    self.assertEqual(got.returncode, 0, got.stderr)
                    self.assertEqual(got.stderr, b"")   # no "Tracing", no note
                    if fmt == "json":
                        self.assertEqual([json.loads(l) for l in got.stdout.splitlines()],
                                         [json.loads(l) for l in want.splitlines()])
                    else:
                        self.assertEqual(got.stdout.decode(), want.decode())

    def test_stdin_and_record_count(self):
        for where, tool, raw in fixtures():
            with self.subTest(where=where, tool=tool), open(raw, "rb") as f:
                data = f.read()
                got = replay(tool, "--read", "-", "-j", stdin=data)
                self.assertEqual(got.returncode, 0, got.stderr)
                lines = got.stdout.splitlines()
                self.assertGreater(len(lines), 0)
                one = replay(tool, "--read", "-", "-j", "--max-events", "1", stdin=data)
                self.assertEqual(one.stdout.splitlines(), lines[:1])

    def test_timestamps_count_from_the_first_record(self):
        for where, tool, raw in fixtures():
            with self.subTest(where=where, tool=tool):
                got = replay(tool, "--read", raw, "-t", "-H")
                self.assertEqual(got.returncode, 0, got.stderr)
                self.assertEqual(got.stdout.split()[0], b"0.000000")

    def test_raw_to_raw_is_the_same_stream(self):
        for where, tool, raw in fixtures():
            with self.subTest(where=where, tool=tool), open(raw, "rb") as f:
                self.assertEqual(replay(tool, "--read", raw, "-o", "raw").stdout, f.read())

    def check_refused(self, result, words):
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertEqual(result.stdout, b"")
        lines = result.stderr.decode().splitlines()
        self.assertEqual(len(lines), 1, lines)
        for w in words:
            self.assertIn(w, lines[0])

    def test_another_tools_stream_is_refused(self):
        raws = {tool: raw for where, tool, raw in fixtures() if where.startswith("host-")}
        self.check_refused(replay("tcpaccept", "--read", raws["tcpconnect"]), ["tcpconnect", "tcpaccept"])

    def test_bad_headers_are_refused(self):
        raws = {tool: raw for where, tool, raw in fixtures() if where.startswith("host-")}
        with open(raws["tcpclose"], "rb") as f:
            good = f.read()
        cases = {
            "magic": (b"NOTSOCKL" + good[8:], ["magic"]),
            "version": (good[:8] + (99).to_bytes(4, "little") + good[12:], ["version 99"]),
            "size": (good[:12] + (8).to_bytes(4, "little") + good[16:], ["8 bytes"]),
            "short": (good[:10], ["too short"]),
        }
        for name, (data, words) in cases.items():
            with self.subTest(case=name), tempfile.NamedTemporaryFile() as f:
                f.write(data)
                f.flush()
                self.check_refused(replay("tcpclose", "--read", f.name), words)

    def test_kernel_filters_are_refused(self):
        raws = {tool: raw for where, tool, raw in fixtures() if where.startswith("host-")}
        for tool, args in (("tcpconnect", ["-P", "80"]), ("tcpclose", ["-p", "1"]),
                           ("podnet", ["--proto", "tcp"]), ("tcpaccept", ["-4"]),
                           ("podnet", ["--sample", "10"])):
            with self.subTest(tool=tool):
                self.check_refused(replay(tool, "--read", raws[tool], *args), ["--read", "kernel"])

    def test_a_closed_pipe_ends_the_replay_quietly(self):
        for where, tool, raw in fixtures():
            with self.subTest(where=where, tool=tool):
                r = subprocess.run(["bash", "-c", 'set -o pipefail; "$0" --read "$1" -j | head -c 1 >/dev/null',
                                    os.path.join(BIN, tool), raw], capture_output=True, env=ENV, timeout=60)
                self.assertEqual((r.returncode, r.stderr), (0, b""))

    def test_no_outcome_is_made_up_for_a_capture_without_result(self):
        """tcpconnect -r on a stream recorded without -r: no result, no latency."""
        for where, tool, raw in fixtures():
            if tool != "tcpconnect":
                continue
            with self.subTest(where=where):
                rows = [json.loads(l) for l in replay(tool, "--read", raw, "-j", "-r").stdout.splitlines()]
                self.assertTrue(rows)
                self.assertEqual({(e["result"], e["latency_us"]) for e in rows}, {(None, None)})


if __name__ == "__main__":
    unittest.main()
