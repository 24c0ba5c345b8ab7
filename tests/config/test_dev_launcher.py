"""`make dev` prints its URLs once the app and devshop answer, not while they still start."""

from __future__ import annotations

import socket
import socketserver
import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest

from config import dev


class _StartingServer(socketserver.ThreadingTCPServer):
    """Closes the first ``refusals`` connections unanswered, as a server still starting does
    to a probe, then answers every request with ``status``."""

    daemon_threads = True

    def __init__(self, *, refusals: int, status: int) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.connections, self.refusals, self.status = 0, refusals, status

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/"


class _Handler(socketserver.BaseRequestHandler):
    server: _StartingServer

    def handle(self) -> None:
        self.server.connections += 1
        if self.server.connections <= self.server.refusals:
            return
        self.request.recv(65536)
        answer = f"HTTP/1.1 {self.server.status} X\r\nContent-Length: 0\r\n\r\n"
        self.request.sendall(answer.encode())


@pytest.fixture
def server_factory() -> Iterator:
    servers: list[_StartingServer] = []

    def start(*, refusals: int, status: int = 200) -> _StartingServer:
        server = _StartingServer(refusals=refusals, status=status)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


@pytest.fixture
def running() -> Iterator[subprocess.Popen]:
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
    yield proc
    proc.kill()
    proc.wait()


def test_waits_until_every_server_has_answered(server_factory, running):
    app = server_factory(refusals=3)
    devshop = server_factory(refusals=0, status=503)  # answering, even if not healthy yet

    assert dev.servers_wait([app.url, devshop.url], [running]) == "ready"
    assert app.connections == 4  # kept polling past the three unanswered probes


def test_stops_waiting_when_a_server_process_exits(running):
    ended = subprocess.Popen([sys.executable, "-c", "raise SystemExit(1)"])
    ended.wait()

    assert dev.servers_wait([_closed_port_url()], [running, ended]) == "exited"


def test_says_so_when_servers_are_slow(running):
    assert dev.servers_wait([_closed_port_url()], [running], limit_seconds=0) == "slow"
