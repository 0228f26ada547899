"""The real server stack for the benchmark: PostgreSQL (primary, streaming replica), Redis and
`mitmachstadt serve` (gunicorn), each started here on loopback and stopped by its own pid.

Nothing here touches processes it did not start. PostgreSQL runs as the `postgres` user
(Debian's /usr/lib/postgresql/<version>/bin via runuser) with its data directory under the
bench work directory; Redis runs without persistence.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
CLI = str(VENV_BIN / "mitmachstadt")
PG_ROOT = Path("/usr/lib/postgresql")
CLK_TCK = os.sysconf("SC_CLK_TCK")


class StackError(RuntimeError):
    pass


def shared_listener(port: int) -> socket.socket:
    """One listening socket for several app processes, as behind a load balancer.

    Every worker of every process accepts from the same queue. Not gunicorn's --reuse-port:
    since gunicorn 23 that gives each worker a socket of its own, and the connections queued
    at a worker that exits after --max-requests are reset (failed requests in the bench).
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def free_port(start: int = 55100) -> int:
    """A free loopback port at or above `start` (probing by binding)."""
    for port in range(start, start + 800):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise StackError("no free loopback port")


def pg_bin() -> Path:
    versions = sorted(
        (p for p in PG_ROOT.glob("*/bin") if (p / "initdb").exists()),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    if not versions:
        raise StackError(
            "PostgreSQL server binaries not found under /usr/lib/postgresql "
            "(apt-get install postgresql)"
        )
    return versions[-1]


def _as_postgres(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    prefix = [] if os.geteuid() != 0 else ["runuser", "-u", "postgres", "--"]
    return subprocess.run(  # type: ignore[call-overload, no-any-return]
        [*prefix, *args], check=True, text=True, capture_output=True, **kwargs
    )


# --- /proc ----------------------------------------------------------------------------------


def proc_children(pid: int) -> list[int]:
    """Direct children of `pid` (from /proc/<pid>/task/*/children)."""
    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            children += [int(x) for x in (task / "children").read_text().split()]
    return children


def proc_cpu_seconds(pid: int, *, with_children: bool = True) -> float:
    """CPU seconds of a process and its live children, plus those of its reaped children.

    utime+stime of the process, of each live child, and cutime+cstime (children that exited
    and were waited for, such as gunicorn workers recycled by --max-requests).
    """
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # After the ")": state is field 3, utime 14, stime 15, cutime 16, cstime 17 (1-based).
    utime, stime, cutime, cstime = (int(fields[i]) for i in (11, 12, 13, 14))
    total = (utime + stime + cutime + cstime) / CLK_TCK
    if with_children:
        for child in proc_children(pid):
            total += proc_cpu_seconds(child, with_children=True)
    return total


def _proc_status_mb(pid: int, field: str) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def proc_rss_mb(pid: int) -> float:
    return _proc_status_mb(pid, "VmRSS")


def proc_private_mb(pid: int) -> float:
    """Anonymous resident memory: the process's own, without file pages it shares with others
    (SQLite's memory-mapped database file, the code of libraries) that VmRSS also counts."""
    return _proc_status_mb(pid, "RssAnon")


# --- PostgreSQL -----------------------------------------------------------------------------


@dataclass
class Postgres:
    """A throw-away PostgreSQL cluster on a loopback port (primary or streaming replica)."""

    datadir: Path
    port: int
    name: str = "primary"
    log: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log = self.datadir.parent / f"{self.name}.log"

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/mitmachstadt"

    def init(self) -> None:
        if self.datadir.exists():
            shutil.rmtree(self.datadir)
        self.datadir.parent.mkdir(parents=True, exist_ok=True)
        self.datadir.mkdir()
        shutil.chown(self.datadir, "postgres", "postgres")
        os.chmod(self.datadir.parent, 0o755)
        _as_postgres(
            [
                str(pg_bin() / "initdb"),
                "-D",
                str(self.datadir),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ]
        )
        with (self.datadir / "postgresql.conf").open("a") as conf:
            conf.write(
                "\n# mitmachstadt bench\n"
                "listen_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.datadir}'\n"
                "shared_buffers = 512MB\n"
                "effective_cache_size = 4GB\n"
                "work_mem = 16MB\n"
                "maintenance_work_mem = 512MB\n"
                "max_connections = 200\n"
                "max_wal_size = 4GB\n"
                "wal_level = replica\n"
                "max_wal_senders = 4\n"
                "hot_standby = on\n"
            )
        with (self.datadir / "pg_hba.conf").open("a") as hba:
            hba.write("host replication postgres 127.0.0.1/32 trust\n")

    def start(self) -> None:
        self.log.touch()
        shutil.chown(self.log, "postgres", "postgres")
        _as_postgres(
            [
                str(pg_bin() / "pg_ctl"),
                "-D",
                str(self.datadir),
                "-o",
                f"-p {self.port}",
                "-l",
                str(self.log),
                "-w",
                "-t",
                "120",
                "start",
            ]
        )

    def stop(self) -> None:
        if (self.datadir / "postmaster.pid").exists():
            with contextlib.suppress(subprocess.CalledProcessError):
                _as_postgres(
                    [str(pg_bin() / "pg_ctl"), "-D", str(self.datadir), "-m", "fast", "stop"]
                )

    def postmaster_pid(self) -> int:
        return int((self.datadir / "postmaster.pid").read_text().split()[0])

    def psql(self, sql: str, db: str = "mitmachstadt") -> str:
        result = _as_postgres(
            [
                str(pg_bin() / "psql"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-d",
                db,
                "-At",
                "-c",
                sql,
            ]
        )
        return result.stdout.strip()

    def create_database(self) -> None:
        self.psql("CREATE DATABASE mitmachstadt", db="postgres")

    def replica(self, datadir: Path, port: int) -> Postgres:
        """A streaming replica of this cluster (pg_basebackup -R), started."""
        if datadir.exists():
            shutil.rmtree(datadir)
        datadir.mkdir(parents=True)
        shutil.chown(datadir, "postgres", "postgres")
        os.chmod(datadir, 0o700)
        _as_postgres(
            [
                str(pg_bin() / "pg_basebackup"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-D",
                str(datadir),
                "-R",
                "-X",
                "stream",
                "-c",
                "fast",
            ]
        )
        with (datadir / "postgresql.conf").open("a") as conf:
            conf.write(f"unix_socket_directories = '{datadir}'\n")
        replica = Postgres(datadir, port, name="replica")
        replica.start()
        return replica

    def cpu_seconds(self) -> float:
        return proc_cpu_seconds(self.postmaster_pid())


# --- Redis ----------------------------------------------------------------------------------


@dataclass
class Redis:
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise StackError("redis-server not found (apt-get install redis-server)")
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--maxmemory",
                "512mb",
                "--maxmemory-policy",
                "allkeys-lru",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), 1),
            ):
                return
            time.sleep(0.1)
        raise StackError("redis did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)

    def cpu_seconds(self) -> float:
        return proc_cpu_seconds(self.process.pid) if self.process else 0.0


# --- The application ------------------------------------------------------------------------


def app_env(
    *,
    database_url: str,
    var_dir: Path,
    replica_url: str = "",
    redis_url: str = "",
) -> dict[str, str]:
    """Production-like settings: DEBUG off, no dev mode, a secret key, bench headers on."""
    env = {k: v for k, v in os.environ.items() if k not in {"MITMACHSTADT_DEV", "DEBUG"}}
    env.update(
        DATABASE_URL=database_url,
        MITMACHSTADT_VAR_DIR=str(var_dir),
        SECRET_KEY="bench-secret-key-not-for-production-" + "x" * 20,
        SECURE_HTTPS="0",
        ALLOWED_HOSTS="*",
        MITMACHSTADT_BENCH="1",
        USE_X_FORWARDED_FOR="1",
        LOG_LEVEL="WARNING",
        PYTHONDONTWRITEBYTECODE="1",
    )
    env.pop("DATABASE_REPLICA_URL", None)
    env.pop("REDIS_URL", None)
    if replica_url:
        env["DATABASE_REPLICA_URL"] = replica_url
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def manage(env: dict[str, str], *args: str, log: Path | None = None) -> str:
    """Run a `mitmachstadt` command; its output also goes to `log` as it comes (if given)."""
    with subprocess.Popen(
        [CLI, *args],
        env=env,
        cwd=ROOT,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    ) as process:
        lines = []
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if log is not None:
                with log.open("a") as out:
                    out.write(line)
        code = process.wait()
    output = "".join(lines)
    if code != 0:
        raise StackError(f"mitmachstadt {' '.join(args)} failed:\n{output}")
    return output


@dataclass
class App:
    """One `mitmachstadt serve` process (a gunicorn master with its workers)."""

    env: dict[str, str]
    port: int
    workers: int = 4
    # A listening socket shared with other app processes (see `shared_listener`).
    listener: socket.socket | None = None
    log: Path | None = None
    process: subprocess.Popen[bytes] | None = None

    def start(self, host: str = "localhost") -> None:
        env = dict(self.env)
        bind = f"127.0.0.1:{self.port}"
        pass_fds: tuple[int, ...] = ()
        if self.listener is not None:
            bind = f"fd://{self.listener.fileno()}"
            pass_fds = (self.listener.fileno(),)
        out = self.log.open("ab") if self.log else subprocess.DEVNULL
        self.process = subprocess.Popen(
            [
                CLI,
                "serve",
                "--bind",
                bind,
                "--workers",
                str(self.workers),
                # The first request imports every app; on a busy machine that can take long.
                "--timeout",
                "120",
            ],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=out,
            start_new_session=True,
            pass_fds=pass_fds,
        )
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise StackError(f"the app server exited (see {self.log})")
            if len(proc_children(self.process.pid)) >= self.workers and _healthy(self.port, host):
                self.warm_up(host)
                return
            time.sleep(0.2)
        raise StackError("the app server did not become healthy")

    def warm_up(self, host: str) -> None:
        """Concurrent requests so that every worker has imported the apps and URLs."""
        from concurrent.futures import ThreadPoolExecutor

        def get(path: str) -> None:
            request = urllib.request.Request(
                f"http://127.0.0.1:{self.port}{path}", headers={"Host": host}
            )
            with contextlib.suppress(OSError), urllib.request.urlopen(request, timeout=150):
                pass

        with ThreadPoolExecutor(self.workers * 2) as pool:
            list(pool.map(get, ["/", "/ideas/", "/api/v1/ideas"] * self.workers * 2))

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)

    def worker_pids(self) -> list[int]:
        return proc_children(self.process.pid) if self.process else []

    def cpu_seconds(self) -> float:
        return proc_cpu_seconds(self.process.pid) if self.process else 0.0

    def worker_rss_mb(self) -> list[float]:
        return [proc_rss_mb(pid) for pid in self.worker_pids()]

    def worker_private_mb(self) -> list[float]:
        return [proc_private_mb(pid) for pid in self.worker_pids()]


def _healthy(port: int, host: str) -> bool:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/healthz", headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=150) as response:
            return bool(json.loads(response.read()).get("status") == "ok")
    except OSError:
        return False


@contextlib.contextmanager
def running(*parts: App | Redis | Postgres) -> Iterator[None]:
    """Stop the given parts (in reverse order) when the block ends, also on errors."""
    try:
        yield
    finally:
        for part in reversed(parts):
            with contextlib.suppress(Exception):
                part.stop()
