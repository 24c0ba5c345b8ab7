"""A whole deployment on this machine, for fault tests: PostgreSQL, Redis, web, workers, beat.

Everything runs in a temporary directory on free ports and is never the shared PostgreSQL or
Redis: its own PostgreSQL cluster (Debian's ``initdb``/``pg_ctl``), its own ``redis-server``
(no persistence, so a restart loses every queued message, the harshest case), the production
web server (Granian, README "Deployment"), Celery worker mains with prefork pools, and beat.

``Supervisor`` stands in for the documented supervision (systemd ``Restart=always``): a worker
main, the web server or beat that exits is started again. Faults are plain signals:
``kill_pool_children`` (SIGKILL of a main's children), ``kill_main``, ``Redis.restart``,
``Postgres.restart`` (``pg_ctl -m immediate``: a crash, then recovery).

Used by ``tests/reliability`` and by ``bench/faults.py``. ``code_dir`` is the tree whose app is
run (the bench points it at an older checkout for its baseline).
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT = 90.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_progress(count, *, stall: float, what: str, interval: float = 0.2) -> None:
    """Wait until ``count()`` is 0, failing only when it has not fallen for ``stall`` seconds.

    A stuck queue fails after ``stall``; a slow one (a loaded machine) only takes longer, so
    the test proves the recovery happens without asserting how fast the machine is.
    """
    best, since = count(), time.monotonic()
    while best:
        time.sleep(interval)
        now = count()
        if now < best:
            best, since = now, time.monotonic()
        elif time.monotonic() - since > stall:
            raise TimeoutError(f"{what}: {best} still pending, none processed for {stall:.0f} s")


def wait_for(predicate, *, timeout: float, what: str, interval: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(interval)


def _pg_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise RuntimeError("initdb not found (Debian's postgresql package)")
    return Path(found[-1]).parent


def available() -> str | None:
    """Why the cluster cannot run here, or None."""
    try:
        _pg_bin()
    except RuntimeError as exc:
        return str(exc)
    if shutil.which("redis-server") is None:
        return "redis-server not found"
    return None


class Postgres:
    def __init__(self, root: Path) -> None:
        self.dir = root / "pg"
        self.port = free_port()
        self.bin = _pg_bin()
        self.log = root / "pg.log"
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/loyalty"

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bin / tool), *args]
        if os.geteuid() == 0:  # initdb and postgres refuse to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def init(self) -> None:
        self.dir.mkdir()
        self.log.touch()
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
            shutil.chown(self.log, "postgres", "postgres")
        self._run("initdb", "-D", str(self.dir), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                  "--no-sync", "--no-instructions")  # fmt: skip
        self.start()
        with psycopg.connect(self.url.replace("/loyalty", "/postgres"), autocommit=True) as conn:
            conn.execute("CREATE DATABASE loyalty")

    def start(self) -> None:
        # fsync off is safe for what is tested (a server crash, not the machine's): the WAL is
        # still written before a commit returns. synchronous_commit stays on: a 200 must mean
        # the delivery survives a crash of PostgreSQL.
        options = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
            " -c full_page_writes=off -c max_connections=200"
        )
        self._run("pg_ctl", "-D", str(self.dir), "-o", options, "-l", str(self.log), "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.dir), "-m", mode, "-w", "stop")

    def restart(self) -> None:
        """A crash (every backend killed, no checkpoint) and a restart with recovery."""
        self.stop("immediate")
        self.start()

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        with psycopg.connect(self.url, autocommit=True, connect_timeout=5) as conn:
            return conn.execute(sql, params).fetchall()


class Redis:
    def __init__(self, root: Path) -> None:
        self.dir = root / "redis"
        self.dir.mkdir()
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log = root / "redis.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no", "--dir", str(self.dir)],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        wait_for(self._answers, timeout=STARTUP_TIMEOUT, what="redis")

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()  # nothing persisted: every queued message is lost
            self.process.wait(timeout=30)

    def restart(self) -> None:
        self.stop()
        self.start()


def _children(pid: int) -> list[int]:
    found = []
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            fields = Path(stat).read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.split("/")[2]))
    return found


class Process:
    """One supervised process: started again by ``Supervisor`` whenever it exits."""

    def __init__(self, name: str, command: list[str], *, cwd: Path, env: dict, log: Path) -> None:
        self.name, self.command, self.cwd, self.env, self.log = name, command, cwd, env, log
        self.popen: subprocess.Popen | None = None
        self.starts = 0
        self.exits: list[int] = []

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.popen = subprocess.Popen(
                self.command, cwd=self.cwd, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        self.starts += 1

    @property
    def pid(self) -> int:
        assert self.popen is not None
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def stop(self) -> None:
        if self.popen is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=10)


class Supervisor(threading.Thread):
    """Restarts any of ``processes`` that exits, as ``Restart=always`` would (after 0.5 s)."""

    def __init__(self, processes: list[Process]) -> None:
        super().__init__(daemon=True)
        self.processes = processes
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.wait(0.5):
            for process in self.processes:
                if process.popen is not None and process.popen.poll() is not None:
                    process.exits.append(process.popen.returncode)
                    process.start()


class Cluster:
    def __init__(self, *, code_dir: Path = ROOT, worker_mains: int = 2, pool: int = 2) -> None:
        self.code_dir = code_dir
        self.root = Path(tempfile.mkdtemp(prefix="loyalty-faults-"))
        self.root.chmod(0o755)  # PostgreSQL runs as its own user
        self.pg = Postgres(self.root)
        self.redis = Redis(self.root)
        self.web_port = free_port()
        self.python = str(Path(sys.executable))
        self.worker_mains = worker_mains
        self.pool = pool
        self.workers: list[Process] = []
        self.web: Process | None = None
        self.beat: Process | None = None
        self.supervisor: Supervisor | None = None

    @property
    def env(self) -> dict[str, str]:
        return {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_"))},
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": self.pg.url,
            "REDIS_URL": self.redis.url,
            "PYTHONUNBUFFERED": "1",
        }

    def manage(self, *args: str) -> str:
        done = subprocess.run(
            [self.python, "manage.py", *args], cwd=self.code_dir, env=self.env,
            capture_output=True, text=True,
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"manage.py {args[0]} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def start(self, *, shop_domain: str) -> None:
        self.pg.init()
        self.redis.start()
        self.manage("migrate", "--noinput", "-v", "0")
        self.manage(
            "shell", "-c",
            "from tests.factories import ShopFactory; from loyalty.services.program import"
            f" program_settings_get; s = ShopFactory(domain={shop_domain!r});"
            " program_settings_get(shop_id=s.pk)",
        )  # fmt: skip
        env = self.env
        self.web = Process(
            "web",
            [self.python, "-m", "granian", "config.wsgi:application", "--interface", "wsgi",
             "--host", "127.0.0.1", "--port", str(self.web_port), "--workers", "1",
             "--blocking-threads", "4", "--no-access-log", "--log-level", "warning"],
            cwd=self.code_dir, env=env, log=self.root / "web.log",
        )  # fmt: skip
        for n in range(self.worker_mains):
            self.workers.append(
                Process(
                    f"worker{n}",
                    [
                        self.python,
                        "-m",
                        "celery",
                        "-A",
                        "config",
                        "worker",
                        "-P",
                        "prefork",
                        "-c",
                        str(self.pool),
                        "-n",
                        f"w{n}@%h",
                        "-Q",
                        "webhooks,storefront,sync,batch",
                        "--without-gossip",
                        "--without-mingle",
                        "-l",
                        "WARNING",
                    ],
                    cwd=self.code_dir,
                    env=env,
                    log=self.root / f"worker{n}.log",
                )
            )
        self.beat = Process(
            "beat",
            [self.python, "-m", "celery", "-A", "config", "beat", "-l", "WARNING",
             "-s", str(self.root / "beat-schedule")],
            cwd=self.code_dir, env=env, log=self.root / "beat.log",
        )  # fmt: skip
        for process in self.processes:
            process.start()
        wait_for(self._web_answers, timeout=STARTUP_TIMEOUT, what="the web server")
        wait_for(self.pools_up, timeout=STARTUP_TIMEOUT, what="the worker pools")
        # Past starting their pools too: a pool child killed before that makes Celery exit the
        # main ("Could not start worker processes"), which is not the fault being tested.
        wait_for(self.consuming, timeout=STARTUP_TIMEOUT, what="the worker mains consuming")
        self.supervisor = Supervisor(self.processes)
        self.supervisor.start()

    @property
    def processes(self) -> list[Process]:
        return [p for p in (self.web, *self.workers, self.beat) if p is not None]

    def _web_answers(self) -> bool:
        try:
            socket.create_connection(("127.0.0.1", self.web_port), timeout=1).close()
            return True
        except OSError:
            return False

    def pools_up(self) -> bool:
        return all(len(_children(w.pid)) >= self.pool for w in self.workers if w.alive())

    def consuming(self) -> bool:
        """Every worker main answers a remote-control ping: its event loop runs, so it is past
        starting its pool (a pool child killed before that makes Celery exit the main)."""
        from celery import Celery

        app = Celery(broker=self.redis.url, set_as_current=False)
        try:
            replies = app.control.ping(timeout=1.0)
        except Exception:  # the broker restarting
            return False
        finally:
            app.close()
        names = {name.split("@")[0] for reply in replies for name in reply}
        return names >= {f"w{n}" for n in range(self.worker_mains)}

    def pool_children(self, worker: Process) -> list[int]:
        return _children(worker.pid) if worker.alive() else []

    def kill_pool_children(self, worker: Process | None = None) -> int:
        killed = 0
        for w in [worker] if worker else self.workers:
            for pid in self.pool_children(w):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                    killed += 1
        return killed

    def kill_main(self, worker: Process) -> None:
        """SIGKILL of a worker main alone (its pool children notice and exit)."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(worker.pid, signal.SIGKILL)

    def pending(self) -> int:
        rows = self.pg.query(
            "SELECT count(*) FROM shopify_app_webhookdelivery WHERE status = 'pending'"
        )
        return rows[0][0]

    def stop(self) -> None:
        if self.supervisor is not None:
            self.supervisor.stopping.set()
            self.supervisor.join(5)
        for process in self.processes:
            process.stop()
        self.redis.stop()
        with contextlib.suppress(Exception):
            self.pg.stop("immediate")
        if not os.environ.get("KEEP_FAULT_CLUSTER"):
            shutil.rmtree(self.root, ignore_errors=True)


@contextlib.contextmanager
def running(*, shop_domain: str, **kwargs) -> Iterator[Cluster]:
    cluster = Cluster(**kwargs)
    try:
        cluster.start(shop_domain=shop_domain)
        yield cluster
    finally:
        cluster.stop()
