"""`make dev`: migrate, then run the app with its Celery worker and beat, until Ctrl-C.

With no configuration this runs on SQLite with tasks executed in-process, and says so first.
``DATABASE_URL`` and ``REDIS_URL`` switch to PostgreSQL and a real worker + beat. devshop, the
local Shopify stand-in, runs beside the app (``devshop.dev``); this launcher is development
tooling, so importing devshop here does not put it in the production app.
"""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from devshop import dev as devshop_dev

ROOT = Path(__file__).resolve().parent.parent
HOST = os.environ.get("DEV_HOST", "127.0.0.1")
PORT = os.environ.get("DEV_PORT", "8000")


def _banner() -> None:
    database = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    print("Loyalty app — development server", flush=True)
    if database:
        print(f"  database: {database.split('@')[-1]} (DATABASE_URL)", flush=True)
    else:
        print(
            "  database: embedded SQLite (db.sqlite3); set DATABASE_URL for PostgreSQL", flush=True
        )
    if redis_url:
        print(f"  tasks:    Celery worker + beat on {redis_url} (REDIS_URL)", flush=True)
    else:
        print(
            "  tasks:    run in-process (no REDIS_URL); set REDIS_URL for a real worker", flush=True
        )


# Long enough for a cold start on a slow laptop (migrations are already done by then).
READY_LIMIT_SECONDS = 120.0


# Local servers: never through a proxy the developer's environment may name.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _answers(url: str) -> bool:
    """The server accepted the connection and sent an HTTP answer, whatever its status."""
    try:
        with _opener.open(url, timeout=2):
            return True
    except urllib.error.HTTPError:
        return True  # e.g. /healthz's 503 without Redis: the server is up
    except (OSError, http.client.HTTPException):
        return False


def servers_wait(
    urls: list[str],
    processes: list[subprocess.Popen],
    *,
    limit_seconds: float = READY_LIMIT_SECONDS,
) -> str:
    """Poll ``urls`` until each has answered once: ``"ready"``; ``"exited"`` as soon as one of
    ``processes`` ends; ``"slow"`` after ``limit_seconds``. The URLs are printed only then, so
    a newcomer who opens one at once finds a server behind it."""
    waiting = list(urls)
    deadline = time.monotonic() + limit_seconds
    while waiting:
        if any(proc.poll() is not None for proc in processes):
            return "exited"
        if time.monotonic() > deadline:
            return "slow"
        waiting = [url for url in waiting if not _answers(url)]
        if waiting:
            time.sleep(0.25)
    return "ready"


def _manage(*args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, check=True)


def _ensure_dev_admin() -> None:
    """A local Django-admin login (admin / admin) so /django-admin/ is usable at once."""
    code = (
        "from django.contrib.auth import get_user_model as g; U = g();\n"
        "U.objects.filter(username='admin').exists() or "
        "U.objects.create_superuser('admin', 'admin@example.com', 'admin')"
    )
    _manage("shell", "-c", code)


def main() -> int:
    _banner()
    _manage("migrate", "--noinput", "-v0")
    _ensure_dev_admin()
    # devshop sends webhooks and proxies storefront requests to the app: on DEV_PORT, not 8000.
    os.environ.setdefault("DEVSHOP_APP_URL", f"http://{HOST}:{PORT}")
    devshop_dev.prepare()
    # The app reaches its shops on devshop (the local Shopify stand-in) unless told otherwise,
    # loads devshop's App Bridge stand-in, lets devshop's admin page frame it, and sends
    # merchants opening it outside the admin to devshop's admin.
    for name, value in devshop_dev.app_environment(app_url=f"http://{HOST}:{PORT}").items():
        os.environ.setdefault(name, value)
    commands = [[sys.executable, "manage.py", "runserver", f"{HOST}:{PORT}", "--noreload"]]
    if os.environ.get("REDIS_URL"):
        commands.append(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--beat",
                "-Q",
                "webhooks,storefront,sync,batch",
                "--loglevel=INFO",
                "--concurrency=2",
            ]
        )
    processes = [subprocess.Popen(cmd, cwd=ROOT) for cmd in commands]
    for devshop_argv, devshop_env in devshop_dev.commands():
        processes.append(subprocess.Popen(devshop_argv, cwd=ROOT, env=devshop_env))

    def stop(*_: object) -> None:
        for proc in processes:
            if proc.poll() is None:
                proc.terminate()

    # Before the wait: Ctrl-C while the servers start stops them too, and the wait sees it.
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    app_health = f"http://{HOST}:{PORT}/healthz"
    print("  starting the app and devshop…", flush=True)
    state = servers_wait([app_health, devshop_dev.urls()["devshop controls"]], processes)
    if state == "slow":
        print(f"  still starting after {READY_LIMIT_SECONDS:.0f} s; these may not answer yet:")
    if state != "exited":
        for label, url in devshop_dev.urls().items():
            print(f"  {label + ':':<18}{url}", flush=True)
        print(f"  app:      {app_health}", flush=True)
        print(f"  admin:    http://{HOST}:{PORT}/django-admin/ (admin / admin)", flush=True)

    try:
        while all(proc.poll() is None for proc in processes):
            time.sleep(0.5)
    finally:
        stop()
        for proc in processes:
            proc.wait(timeout=15)
    return max((proc.returncode or 0) for proc in processes)


if __name__ == "__main__":
    sys.exit(main())
