"""Shared pieces of the benchmarks: the stack, raw database access, figures, results files.

Every benchmark returns a list of :class:`Metric` (what the table shows) plus free-form details
(curves, raw samples, notes) and writes both to ``bench/results/<name>.json``.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"
CACHE = REPO / "bench" / ".cache"
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/test"

# tests/e2e/stack.py is the one harness for real processes; the benchmarks reuse it.
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
from tests.e2e.stack import PYTHON, Stack  # noqa: E402

# --- figures ---------------------------------------------------------------------------------------


@dataclass
class Metric:
    key: str
    label: str
    value: float | None
    unit: str
    target: float | None = None
    better: str = "lower"  # "lower" | "higher"
    ceiling: float | None = None
    ceiling_label: str = ""
    note: str = ""

    @property
    def ratio(self) -> float | None:
        """How many times the ceiling's cost the product pays (>= 1 normally)."""
        if self.value in (None, 0) or self.ceiling in (None, 0):
            return None
        return self.value / self.ceiling if self.better == "lower" else self.ceiling / self.value

    @property
    def verdict(self) -> str:
        if self.target is None or self.value is None:
            return ""
        ok = self.value <= self.target if self.better == "lower" else self.value >= self.target
        return "ok" if ok else "MISSED"

    def as_dict(self) -> dict:
        return {**asdict(self), "ratio": self.ratio, "verdict": self.verdict}


def percentile(values, q: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default), q in 0..100."""
    data = sorted(values)
    if not data:
        return None
    if len(data) == 1:
        return data[0]
    pos = (len(data) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(data) - 1)
    return data[lo] + (data[hi] - data[lo]) * (pos - lo)


def summary_ms(seconds: list[float]) -> dict:
    ms = [s * 1000 for s in seconds]
    return {
        "n": len(ms),
        "p50": percentile(ms, 50),
        "p90": percentile(ms, 90),
        "p95": percentile(ms, 95),
        "p99": percentile(ms, 99),
        "max": max(ms) if ms else None,
        "mean": sum(ms) / len(ms) if ms else None,
    }


def fmt(value, unit: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        if value.is_integer() and (abs(value) >= 10 or value == 0) and abs(value) < 1e12:
            text = f"{int(value):,}"
        elif abs(value) >= 100:
            text = f"{value:,.0f}"
        elif abs(value) >= 10:
            text = f"{value:.1f}"
        else:
            text = f"{value:.2f}"
    else:
        text = f"{value:,}"
    return f"{text} {unit}".strip()


def say(*args) -> None:
    print(*args, flush=True)


# --- machine and database --------------------------------------------------------------------------


def database_url_from_env() -> str:
    return os.environ.get("DATABASE_URL", "")


def db_kind(url: str | None = None) -> str:
    url = database_url_from_env() if url is None else url
    return "postgresql" if url.startswith("postgres") else "sqlite"


def _pg(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


def machine_info(database_url: str | None = None) -> dict:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_kb = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    url = database_url_from_env() if database_url is None else database_url
    db = f"SQLite {sqlite3.sqlite_version}"
    if url.startswith("postgres"):
        try:
            import psycopg

            with psycopg.connect(_pg(url)) as conn:
                db = "PostgreSQL " + conn.execute("show server_version").fetchone()[0]
        except Exception as exc:
            db = f"PostgreSQL (version unknown: {exc})"
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        commit = ""
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "database": db,
        "kernel": platform.release(),
        "commit": commit,
        "date": time.strftime("%Y-%m-%d %H:%M:%S +0000", time.gmtime()),
    }


class RawDB:
    """A plain DB-API connection to a stack's database (psycopg or sqlite3), for checks and ceilings."""

    def __init__(self, url: str):
        self.url = url
        self.kind = db_kind(url)
        if self.kind == "postgresql":
            import psycopg

            self.conn = psycopg.connect(_pg(url), autocommit=True)
            self.ph = "%s"
        else:
            path = url.removeprefix("sqlite:///")
            self.conn = sqlite3.connect(path, timeout=30, isolation_level=None)
            self.conn.execute("PRAGMA busy_timeout=30000")
            self.ph = "?"

    def q(self, sql: str, params=()) -> list[tuple]:
        cur = self.conn.execute(sql.replace("%s", self.ph), params)
        return cur.fetchall() if cur.description else []

    def one(self, sql: str, params=()):
        rows = self.q(sql, params)
        return rows[0][0] if rows else None

    def close(self) -> None:
        self.conn.close()


# --- the stack ---------------------------------------------------------------------------------------


class BenchStack(Stack):
    """The e2e stack with production-like worker settings and benchmark-owned database names.

    Differences from the test stack: PostgreSQL databases are named ``orderhub_bench_*``; the worker
    polls and runs periodic jobs at the product defaults (0.2 s, 15 s) and the delivery lease is the
    default 120 s, instead of the tests' hurried values; ``web_args`` adds gunicorn options.
    """

    def __init__(
        self, root: Path, *, web_args: list[str] | None = None, env: dict | None = None, **kw
    ):
        kw.setdefault("lease_seconds", 120)
        kw.setdefault("http_timeout", 10)
        super().__init__(root, **kw)
        for name in ("ORDERHUB_PERIODIC_SECONDS", "ORDERHUB_WORKER_POLL"):
            self.env.pop(name, None)
        # The simulated partners listen on 127.0.0.1, which the product refuses to send to unless
        # told (core/netguard.py); without this every delivery of a bench run is dead-lettered.
        self.env["ORDERHUB_ALLOW_PRIVATE_URLS"] = "1"
        self.env.update(env or {})
        self.web_args = web_args or []
        self.api_token = None

    def _database(self) -> tuple[str, str | None]:
        url = os.environ.get("DATABASE_URL", "")
        if url.startswith("postgres"):
            import psycopg

            name = f"orderhub_bench_{uuid.uuid4().hex[:10]}"
            with psycopg.connect(_pg(url), autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            base, _, _ = url.rpartition("/")
            return f"{base}/{name}", name
        return f"sqlite:///{self.root / 'bench.sqlite3'}", None

    @property
    def db_kind(self) -> str:
        return db_kind(self.database_url)

    def prepare(self) -> BenchStack:
        """Only the database part of :meth:`start`: migrate and seed (no processes)."""
        self.root.mkdir(parents=True, exist_ok=True)
        self.orderhub("migrate", "-v0")
        state_file = self.root / "state.json"
        self.orderhub(
            "seed_demo",
            "--no-orders",
            "--catalog-size",
            str(self.catalog_size),
            "--sim-http-port",
            str(self.sim_http),
            "--sim-smtp-port",
            str(self.sim_smtp),
            "--drop-root",
            str(self.root / "edi"),
            "--portal-url",
            self.base_url,
            "--http-timeout",
            str(self.http_timeout),
            "--write-state",
            str(state_file),
        )
        self.state = json.loads(state_file.read_text())
        self.api_token = self.state["api_token"]
        self.seeded()
        return self

    def seeded(self) -> None:
        """Run the one-off jobs the seed left (the search index rebuild after each demo catalog's
        import, ``catalog.tasks``) before anything is measured: otherwise the first workers to
        start run them during the measurement and their CPU (≈ 0.6–1 s per catalog of 2,000) is
        counted as forwarding's (found with py-spy on the forwarding drain, 2026-12-04)."""
        self.orderhub("worker", "--batch", "--queues", "imports")

    def start(self) -> BenchStack:
        if self.web_args:
            # Stack.start builds the gunicorn command itself; splice our options in through the env
            # variable gunicorn reads for extra command-line arguments.
            self.env["GUNICORN_CMD_ARGS"] = " ".join(self.web_args)
        super().start()
        return self

    def stop_workers(self) -> None:
        import signal

        for proc in self.workers:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.workers:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.workers = []

    def raw(self) -> RawDB:
        return RawDB(self.database_url)

    def django_env(self) -> dict:
        """Environment for an in-process ``django.setup()`` against this stack's database."""
        env = {
            "DJANGO_SETTINGS_MODULE": "orderhub.settings",
            "ORDERHUB_DATA_DIR": str(self.root),
            "DATABASE_URL": self.database_url,
        }
        # As the stack's own processes run: the simulator listens on 127.0.0.1 (netguard).
        for name in ("ORDERHUB_DEVELOPMENT", "ORDERHUB_ALLOW_PRIVATE_URLS"):
            if name in self.env:
                env[name] = self.env[name]
        return env


def setup_django(stack: BenchStack) -> None:
    """Django in this process on the stack's database; the outer DATABASE_URL is restored afterwards
    (the stack drops its PostgreSQL database through it)."""
    saved = {k: os.environ.get(k) for k in stack.django_env()}
    os.environ.update(stack.django_env())
    import django

    django.setup()
    from django.conf import settings

    settings.DATABASES  # noqa: B018 - evaluate the settings while the environment points at the stack
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


class bench_root:
    """A scratch directory for one benchmark's stack; kept (with the logs) when the benchmark fails."""

    def __init__(self, name: str, keep: bool = False):
        self.path = Path(tempfile.mkdtemp(prefix=f"orderhub-bench-{name}-"))
        self.keep = keep

    def __enter__(self) -> Path:
        return self.path

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None and not self.keep:
            shutil.rmtree(self.path, ignore_errors=True)
        else:
            say(f"  (scratch directory and logs kept in {self.path})")
        return False


def run_child(cmd: list[str], env: dict | None = None, cwd: Path | None = None) -> dict:
    """Run a subprocess to completion; wall time and its own peak RSS (``wait4``'s ru_maxrss)."""
    start = time.perf_counter()
    out_path = Path(tempfile.mkstemp(prefix="bench-child-")[1])
    with open(out_path, "w+b") as out:
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        output = out.read().decode("utf-8", "replace")
    out_path.unlink(missing_ok=True)
    return {
        "seconds": wall,
        "peak_rss_mb": usage.ru_maxrss / 1024,
        "user_s": usage.ru_utime,
        "sys_s": usage.ru_stime,
        "returncode": proc.returncode,
        "output": output[-4000:],
    }


# --- CPU accounting --------------------------------------------------------------------------------

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _proc_cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICK  # utime + stime
    except (OSError, IndexError, ValueError):
        return 0.0


def _all_pids() -> list[tuple[int, int, str]]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                head, tail = (entry / "stat").read_text().rsplit(")", 1)
                out.append((int(entry.name), int(tail.split()[1]), head.split("(", 1)[1]))
            except (OSError, IndexError, ValueError):
                continue
    return out


def descendants(pid: int) -> list[int]:
    procs = _all_pids()
    found, frontier = [pid], [pid]
    while frontier:
        parent = frontier.pop()
        kids = [p for p, pp, _ in procs if pp == parent]
        found += kids
        frontier += kids
    return found


class CpuMeter:
    """CPU seconds used by groups of processes between :meth:`start` and :meth:`stop`.

    Groups: ``web`` (gunicorn master and workers), ``workers`` (orderhub worker processes),
    ``simulator``, ``postgres`` (the server processes connected to this stack's database; every
    postgres process when there is no stack), ``bench`` (this process: the load generator).
    """

    def __init__(self, stack: BenchStack | None = None):
        self.stack = stack

    def _groups(self) -> dict[str, list[int]]:
        groups: dict[str, list[int]] = {}
        if self.stack is not None:
            if "web" in self.stack.procs:
                groups["web"] = descendants(self.stack.procs["web"].pid)
            groups["workers"] = [p.pid for p in self.stack.workers if p.poll() is None]
            if "simulator" in self.stack.procs:
                groups["simulator"] = [self.stack.procs["simulator"].pid]
        groups["postgres"] = self._postgres_pids()
        return groups

    def _postgres_pids(self) -> list[int]:
        """The server processes working for this stack's database (other sessions' use excluded)."""
        if self.stack is not None and self.stack.db_kind == "postgresql":
            try:
                if self._db is None:
                    self._db = self.stack.raw()
                return [
                    r[0]
                    for r in self._db.q(
                        "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                    )
                ]
            except Exception:
                pass
        if self.stack is not None and self.stack.db_kind == "sqlite":
            return []
        return [pid for pid, _, comm in _all_pids() if comm.startswith("postgres")]

    def _sample(self, first: bool = False) -> None:
        for name, pids in self._groups().items():
            base, last = self.base.setdefault(name, {}), self.last.setdefault(name, {})
            for pid in pids:
                cpu = _proc_cpu(pid)
                # A process first seen after the start began after it: all of its CPU counts.
                base.setdefault(pid, cpu if first else 0.0)
                last[pid] = max(cpu, last.get(pid, 0.0))

    def _sampler(self) -> None:
        while not self.stopped.wait(0.5):
            try:
                self._sample()
            except Exception:
                pass

    def start(self) -> CpuMeter:
        import threading

        self._db = None
        self.base: dict[str, dict[int, float]] = {}
        self.last: dict[str, dict[int, float]] = {}
        self._sample(first=True)
        self.bench0 = sum(os.times()[:2])
        self.t0 = time.perf_counter()
        # Sampled every half second, so processes that end before stop() (a closed database
        # connection's backend, say) still count.
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._sampler, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> dict:
        self.stopped.set()
        self.thread.join()
        self._sample()
        wall = time.perf_counter() - self.t0
        out = {}
        for name, last in self.last.items():
            used = sum(cpu - self.base[name].get(pid, 0.0) for pid, cpu in last.items())
            out[name] = {"cpu_s": round(used, 2), "cores": round(used / wall, 2) if wall else None}
        used = sum(os.times()[:2]) - self.bench0
        out["bench"] = {"cpu_s": round(used, 2), "cores": round(used / wall, 2) if wall else None}
        out["wall_s"] = round(wall, 2)
        if self._db is not None:
            self._db.close()
        return out


def _stat_busy() -> float:
    """Busy CPU seconds of the whole machine since boot (all cores)."""
    parts = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in parts[:8])
    return (user + nice + system + irq + softirq + steal) / _TICK


def _tree_cpu(pid: int) -> float:
    """CPU seconds of a process, its reaped children and its live descendants."""
    total = 0.0
    for p in descendants(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / _TICK
            if p == pid:
                total += (int(fields[13]) + int(fields[14])) / _TICK
        except (OSError, IndexError, ValueError):
            continue
    return total


class MachineLoad:
    """How busy the machine was while a benchmark ran, and how much of that was someone else.

    ``ours`` is this process tree (benchmark, stack processes, subprocesses), ``postgres`` every
    postgres process (ours and anybody else's; sampled every half second, so backends that end
    before the benchmark does still count), ``other`` the rest — other sessions' tests, say.
    A large ``other`` means the figures were taken on a shared, busy machine.
    """

    def _pg_sample(self) -> None:
        for pid, _, comm in _all_pids():
            if comm.startswith("postgres"):
                cpu = _proc_cpu(pid)
                self.pg_first.setdefault(pid, 0.0 if self.started else cpu)
                self.pg_last[pid] = max(cpu, self.pg_last.get(pid, 0.0))

    def _sampler(self) -> None:
        while not self.stopped.wait(0.5):
            self._pg_sample()

    def start(self) -> MachineLoad:
        import threading

        self.pg_first: dict[int, float] = {}
        self.pg_last: dict[int, float] = {}
        self.started = False
        self._pg_sample()
        self.started = True
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._sampler, daemon=True)
        self.thread.start()
        self.t0 = time.perf_counter()
        self.busy0 = _stat_busy()
        self.ours0 = _tree_cpu(os.getpid())
        return self

    def stop(self) -> dict:
        self.stopped.set()
        self.thread.join()
        self._pg_sample()
        wall = time.perf_counter() - self.t0
        busy = _stat_busy() - self.busy0
        ours = _tree_cpu(os.getpid()) - self.ours0
        pg = sum(last - self.pg_first.get(pid, 0.0) for pid, last in self.pg_last.items())
        cores = lambda x: round(x / wall, 2) if wall else None  # noqa: E731
        return {
            "wall_s": round(wall, 1),
            "busy_cores": cores(busy),
            "ours_cores": cores(ours),
            "postgres_cores": cores(pg),
            "other_cores": cores(max(0.0, busy - ours - pg)),
            "loadavg_end": os.getloadavg(),
        }


# --- results -----------------------------------------------------------------------------------------


def write_results(
    name: str, metrics: list[Metric], details: dict, *, quick: bool, database_url: str
) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    data = {
        "benchmark": name,
        "quick": quick,
        "db": db_kind(database_url),
        "machine": machine_info(database_url),
        "metrics": [m.as_dict() for m in metrics],
        "details": details,
    }
    text = json.dumps(data, indent=2, default=str)
    path = RESULTS / f"{name}.json"
    path.write_text(text)
    suffix = "-quick" if quick else ""
    (RESULTS / f"{name}.{db_kind(database_url)}{suffix}.json").write_text(text)
    return path


def print_metrics(metrics: list[Metric], db: str) -> None:
    rows = [("metric", "measured", "target", "ceiling (same run)", "ratio", "")]
    for m in metrics:
        target = (
            "—"
            if m.target is None
            else ("≤ " if m.better == "lower" else "≥ ") + fmt(float(m.target), m.unit)
        )
        ceiling = "—" if m.ceiling is None else fmt(float(m.ceiling), m.unit)
        ratio = "—" if m.ratio is None else f"{m.ratio:.2f}×"
        rows.append(
            (
                f"{m.label} [{db}]",
                fmt(m.value if m.value is None else float(m.value), m.unit),
                target,
                ceiling,
                ratio,
                m.verdict,
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for i, r in enumerate(rows):
        say(
            "  "
            + "  ".join(
                c.ljust(widths[j]) if j == 0 else c.rjust(widths[j]) for j, c in enumerate(r)
            )
        )
        if i == 0:
            say("  " + "  ".join("-" * w for w in widths))


def child_env(extra: dict | None = None) -> dict:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.update(extra or {})
    return env


__all__ = [
    "CACHE",
    "DEFAULT_PG",
    "PYTHON",
    "REPO",
    "RESULTS",
    "BenchStack",
    "CpuMeter",
    "MachineLoad",
    "Metric",
    "RawDB",
    "bench_root",
    "child_env",
    "db_kind",
    "fmt",
    "machine_info",
    "percentile",
    "print_metrics",
    "run_child",
    "say",
    "setup_django",
    "summary_ms",
    "write_results",
]
