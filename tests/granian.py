"""The production server (Granian, README "Deployment") in its own process, for tests that need
real HTTP: it serves ``config.wsgi:application`` on the test database, so the test must commit
its rows (``transactional_db``) for the server's connections to see them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connection


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def granian_server(*, workers: int, threads: int) -> Iterator[int]:
    """Start Granian with ``workers`` processes of ``threads`` threads; yield its port once it
    accepts connections, and stop it (killed if a loaded machine keeps it past 30 s)."""
    port = free_port()
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "granian", "config.wsgi:application", "--interface", "wsgi",
         "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
         "--blocking-threads", str(threads), "--no-access-log", "--log-level", "warning"],
        cwd=settings.BASE_DIR, env=env, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert process.poll() is None, "granian exited"
                assert time.monotonic() < deadline, "granian did not start"
                time.sleep(0.1)
        yield port
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:  # its graceful stop is not what the test is about
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
