"""The intake benchmark's wrk script gives every request of every wrk thread its own id."""

import shutil
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bench._intake_load import wrk_command

WRK = shutil.which("wrk")


@pytest.mark.skipif(WRK is None, reason="wrk is not installed")
def test_every_request_of_every_wrk_thread_has_its_own_webhook_id(tmp_path: Path) -> None:
    received: list[tuple[str, str]] = []
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            with lock:
                received.append(
                    (self.headers["X-Shopify-Webhook-Id"], self.headers["X-Shopify-Event-Id"])
                )
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        command = wrk_command(
            WRK, tmp_path, duration=1, clients=4,
            url=f"http://127.0.0.1:{server.server_address[1]}/webhooks", label="t",
        )  # fmt: skip
        out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    finally:
        server.shutdown()
    ids = [webhook_id for webhook_id, _ in received]
    assert len(ids) > 10
    assert len(set(ids)) == len(ids)
    # Both wrk threads sent (with -t 2), and every id is also its Event-Id.
    assert {i.split("-")[1] for i in ids} == {"1", "2"}
    assert all(webhook_id == event_id for webhook_id, event_id in received)
    assert "sent " in out
