"""The e2e suite's processes, started the way ``make dev`` starts them, on free ports.

- the app (``manage.py runserver``, ``config.settings.base``) with devshop as its Shopify,
- devshop (``devshop.settings``) serving the shop's storefront, app proxy and admin frame,
- a Celery worker on the real Redis broker, consuming every queue.

All three use the test database pytest-django created (the app's and devshop's tables live
side by side there, as in the rest of the suite), so a test reads and writes rows with the ORM
while the browser talks to real servers. Each process logs to a file; a server that does not
come up fails the session with the end of its log.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent.parent
HOST = "127.0.0.1"
QUEUES = "webhooks,storefront,sync,batch"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


@dataclass
class Stack:
    app_url: str
    devshop_url: str
    log_dir: Path
    processes: list[tuple[str, subprocess.Popen]] = field(default_factory=list)

    def storefront(self, shop: str, locale: str | None = None) -> str:
        return f"{self.devshop_url}/store/{shop}/" + (f"{locale}/" if locale else "")

    def admin_frame(self, shop: str, handle: str = "loyalty") -> str:
        return f"{self.devshop_url}/devshop/admin/{shop}/apps/{handle}"

    def control(self, path: str, **params: object) -> dict:
        """POST one of devshop's controls (``/devshop/…``) and return its JSON answer."""
        response = requests.post(f"{self.devshop_url}/devshop/{path}", json=params, timeout=30)
        assert response.ok, response.text
        return response.json()

    def log_tail(self, name: str, lines: int = 40) -> str:
        path = self.log_dir / f"{name}.log"
        return (
            "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
            if path.exists()
            else ""
        )


def _env(database_url: str, redis_url: str, app_url: str, devshop_url: str) -> dict[str, str]:
    shop_origin = f"{devshop_url}/store/{{shop}}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(
        {
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "PYTHONUNBUFFERED": "1",
            # The app, configured as config.dev configures it for devshop (devshop.dev).
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "APP_URL": app_url,
            "SHOPIFY_SHOP_ORIGIN_TEMPLATE": shop_origin,
            "APP_BRIDGE_SCRIPT_URL": f"{devshop_url}/devshop/app-bridge.js",
            "SHOPIFY_ADMIN_APP_URL_TEMPLATE": f"{devshop_url}/devshop/{{host}}/apps/{{client_id}}",
            "SHOPIFY_EXTRA_FRAME_ANCESTORS": devshop_url,
            # devshop, when the settings module says so.
            "DEVSHOP_DATABASE_URL": database_url,
            "DEVSHOP_APP_URL": app_url,
            "DEVSHOP_SHOP_ORIGIN_TEMPLATE": shop_origin,
            "DEVSHOP_LOG_LEVEL": "WARNING",
        }
    )
    return env


# How long a server may take to answer (E2E_SERVER_TIMEOUT): on a machine shared with other
# test runs, runserver's start alone can take minutes.
SERVER_TIMEOUT = float(os.environ.get("E2E_SERVER_TIMEOUT", "90"))


def _wait_http(
    url: str, proc: subprocess.Popen, name: str, stack: Stack, timeout: float = SERVER_TIMEOUT
):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited ({proc.returncode}):\n{stack.log_tail(name)}")
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{name} did not answer {url} in {timeout:.0f} s:\n{stack.log_tail(name)}")


@contextmanager
def running_stack(*, database_url: str, redis_url: str, log_dir: Path) -> Iterator[Stack]:
    app_port, devshop_port = free_port(), free_port()
    stack = Stack(f"http://{HOST}:{app_port}", f"http://{HOST}:{devshop_port}", log_dir)
    env = _env(database_url, redis_url, stack.app_url, stack.devshop_url)
    devshop_env = {**env, "DJANGO_SETTINGS_MODULE": "devshop.settings"}
    py = sys.executable
    commands = [
        ("app", [py, "manage.py", "runserver", f"{HOST}:{app_port}", "--noreload"], env),
        (
            "devshop",
            [py, "manage.py", "runserver", f"{HOST}:{devshop_port}", "--noreload"],
            devshop_env,
        ),
        (
            "worker",
            [
                py,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "-Q",
                QUEUES,
                "--pool=solo",
                "--loglevel=WARNING",
                "--without-heartbeat",
                "--without-mingle",
                "--without-gossip",
            ],
            env,
        ),
    ]
    log_dir.mkdir(parents=True, exist_ok=True)
    try:
        for name, argv, proc_env in commands:
            log = (log_dir / f"{name}.log").open("w")
            proc = subprocess.Popen(
                argv, cwd=ROOT, env=proc_env, stdout=log, stderr=subprocess.STDOUT
            )
            stack.processes.append((name, proc))
        procs = dict(stack.processes)
        _wait_http(f"{stack.app_url}/healthz", procs["app"], "app", stack)
        _wait_http(f"{stack.devshop_url}/devshop/", procs["devshop"], "devshop", stack)
        yield stack
    finally:
        for _, proc in stack.processes:
            if proc.poll() is None:
                proc.terminate()
        for _, proc in stack.processes:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
