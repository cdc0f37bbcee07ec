"""The real Prometheus engine for the metrics tests: Debian's
prometheus-node-exporter serving a temporary textfile directory, and
prometheus scraping it every second, both on 127.0.0.1 only, on free ports,
with every file in one temporary directory removed on stop (also when a test
fails or the interpreter exits).

    with PromRig() as rig:                       # or rig = PromRig(); rig.start() ... rig.stop()
        run_tool("--metrics-dir", rig.textfile_dir)
        rig.wait_for('socklens_tcp_connects_total{result="refused"}', lambda v: v == [3.0])
        rig.query('socklens_tcp_connects_total')  # [{"metric": {...}, "value": 3.0}, ...]

Measured here: the first file written to the textfile directory is answered
by a PromQL query about 6 s after start(), a replaced file about 1 s after it
is written (node_exporter reads the directory at each scrape; Prometheus
scrapes every 1 s); waits are bounded at 60 s by default.
"""
import atexit
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"
NODE_EXPORTER = shutil.which("prometheus-node-exporter") or "/usr/bin/prometheus-node-exporter"
HOST = "127.0.0.1"
# Loopback only, whatever http_proxy says: no proxy handler at all.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def skip_unless_available():
    """Raises SkipTest naming what is missing and how to install it."""
    missing = [p for p in (PROMETHEUS, NODE_EXPORTER) if not os.access(p, os.X_OK)]
    if missing:
        raise unittest.SkipTest(f"{', '.join(missing)} not installed: apt-get install prometheus "
                                "prometheus-node-exporter (scripts/install-deps --test)")


def _free_port():
    # The kernel picks a free port; it is closed again before the server binds
    # it, so start() retries if another process took it in between.
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _get(url, timeout=5):
    with _OPENER.open(url, timeout=timeout) as r:
        return r.status, r.read()


class PromRig:
    def __init__(self, scrape_interval="1s", timeout=60):
        self.scrape_interval = scrape_interval
        self.timeout = timeout
        self.tmp = None
        self.procs = {}
        self.logs = {}

    # -- lifecycle ----------------------------------------------------------

    def start(self):
        skip_unless_available()
        self.tmp = tempfile.mkdtemp(prefix="socklens-promrig-")
        atexit.register(self.stop)
        try:
            self.textfile_dir = os.path.join(self.tmp, "textfile")
            os.mkdir(self.textfile_dir)
            self.node_port = self._start_ready("node_exporter", lambda port: [
                NODE_EXPORTER, f"--web.listen-address={HOST}:{port}", "--collector.disable-defaults",
                "--collector.textfile", f"--collector.textfile.directory={self.textfile_dir}",
                "--log.level=warn"], "/metrics")
            config = os.path.join(self.tmp, "prometheus.yml")
            with open(config, "w") as f:
                # JSON is YAML: no YAML library needed.
                json.dump({
                    "global": {"scrape_interval": self.scrape_interval,
                               "scrape_timeout": self.scrape_interval,
                               "evaluation_interval": self.scrape_interval},
                    "scrape_configs": [{"job_name": "node",
                                        "static_configs": [{"targets": [f"{HOST}:{self.node_port}"]}]}],
                }, f)
            self.prom_port = self._start_ready("prometheus", lambda port: [
                PROMETHEUS, f"--config.file={config}", f"--storage.tsdb.path={self.tmp}/tsdb",
                f"--web.listen-address={HOST}:{port}", "--log.level=warn"], "/-/ready")
        except BaseException:
            self.stop()
            raise
        return self

    def _start_ready(self, name, argv_for_port, ready_path, attempts=3):
        """Starts a server on a free port; its port once ready_path answers 200."""
        for _ in range(attempts):
            port = _free_port()
            log_path = os.path.join(self.tmp, f"{name}.log")
            log = open(log_path, "ab")
            self.logs[name] = log_path
            # cwd in the temporary directory: nothing lands in the source tree
            proc = subprocess.Popen(argv_for_port(port), stdout=log, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, cwd=self.tmp)
            log.close()
            self.procs[name] = proc
            deadline = time.monotonic() + self.timeout
            while time.monotonic() < deadline and proc.poll() is None:
                try:
                    if _get(f"http://{HOST}:{port}{ready_path}", timeout=2)[0] == 200:
                        return port
                except (OSError, urllib.error.URLError):
                    pass
                time.sleep(0.1)
            if proc.poll() is None:
                raise RuntimeError(f"{name} not ready on {HOST}:{port} within {self.timeout} s:\n"
                                   + self.log_tail(name))
            # exited: most likely the port was taken in between; try another
        raise RuntimeError(f"{name} did not start ({attempts} attempts):\n" + self.log_tail(name))

    def stop(self):
        """Stops both servers and removes every temporary file. Idempotent."""
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.procs = {}
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None
        atexit.unregister(self.stop)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def log_tail(self, name, lines=30):
        try:
            with open(self.logs[name], errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except (KeyError, OSError):
            return "(no log)"

    # -- queries ------------------------------------------------------------

    def query(self, promql):
        """Evaluates promql now through /api/v1/query. A list of
        {"metric": {label: value}, "value": float} (one per series; a scalar
        result is one entry with no labels). Raises RuntimeError on an error."""
        url = f"http://{HOST}:{self.prom_port}/api/v1/query?" + urllib.parse.urlencode({"query": promql})
        try:
            body = _get(url, timeout=10)[1]
        except urllib.error.HTTPError as e:
            body = e.read()  # 400 for a bad query: the body says why
        answer = json.loads(body)
        if answer.get("status") != "success":
            raise RuntimeError(f"query {promql!r}: {answer.get('errorType')}: {answer.get('error')}")
        data = answer["data"]
        if data["resultType"] in ("scalar", "string"):
            return [{"metric": {}, "value": float(data["result"][1])}]
        if data["resultType"] != "vector":
            raise RuntimeError(f"query {promql!r}: a {data['resultType']}, not an instant vector")
        return [{"metric": r["metric"], "value": float(r["value"][1])} for r in data["result"]]

    def values(self, promql):
        """The query's values, sorted: [12345.0], [] when no series matches."""
        return sorted(r["value"] for r in self.query(promql))

    def wait_for(self, promql, predicate, timeout=None):
        """Polls until predicate(values(promql)) is true; returns those values.
        On timeout fails with the last answer and both servers' logs."""
        deadline = time.monotonic() + (timeout or self.timeout)
        last = None
        while True:
            last = self.values(promql)
            if predicate(last):
                return last
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{promql!r} is {last} after {timeout or self.timeout} s\n"
                    f"--- node_exporter:\n{self.log_tail('node_exporter')}"
                    f"--- prometheus:\n{self.log_tail('prometheus')}")
            time.sleep(0.5)
