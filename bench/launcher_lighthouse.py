"""Lighthouse performance of devshop's storefront home page with and without the app embed.

1. devshop runs as ``make dev`` runs it (``manage.py runserver``, its own SQLite database in a
   temporary directory) with a seeded catalog, twice on two ports: one renders the theme with
   the app embed from ``extensions/`` (the loader, deferred, and its button), the other with an
   empty extensions directory. The page makes no app proxy request until the shopper shows
   intent, so the app itself need not run.
2. npm ``lighthouse`` (pinned in ``tests/crosscheck/package.json``) runs with Debian's Chromium
   (``CHROME_PATH``, headless), performance category only, its default mobile emulation and
   simulated throttling; the two pages alternate, ``BENCH_LIGHTHOUSE_RUNS`` (9) runs each.

Printed: the median performance score and Total Blocking Time of each, and the difference
(target: at most 1 point lost and at most 10 ms TBT added; Shopify allows 10 points). TBT under
simulated throttling moves with the machine's load from run to run, so beside the medians come
each page's spread (min, quartiles, max) and the *paired* difference: run n with the embed minus
run n without, taken back to back, so a load change between runs mostly cancels; its median and
quartiles are the figure to read. The load average is printed beside each run. Nothing is
asserted.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from bench._loyalty import ROOT

SHOP = "bench-lighthouse.myshopify.com"
RUNS = int(os.environ.get("BENCH_LIGHTHOUSE_RUNS", "9"))
PORTS = {"with embed": int(os.environ.get("BENCH_PORT", "8767")) + 10}
PORTS["without embed"] = PORTS["with embed"] + 1
CHROME = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
LIGHTHOUSE = ROOT / "tests/crosscheck/node_modules/lighthouse/cli/index.js"
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage"


def _env(tmp: Path, extensions: Path | None) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench._devshop_settings",
        "DEVSHOP_DATABASE_URL": f"sqlite:///{tmp / 'devshop.sqlite3'}",
        "BENCH_EXTENSIONS_DIR": str(extensions or ""),
        "DEVSHOP_LOG_LEVEL": "WARNING",
    }


def _manage(tmp: Path, *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=_env(tmp, None), check=True,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip


def _serve(tmp: Path, port: int, extensions: Path | None) -> subprocess.Popen:
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT, env=_env(tmp, extensions), start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if requests.get(_url(port), timeout=5).status_code == 200:
                return server
        except requests.RequestException:
            pass
        time.sleep(0.3)
    os.killpg(server.pid, signal.SIGTERM)
    raise SystemExit(f"devshop did not serve {_url(port)}")


def _url(port: int) -> str:
    return f"http://127.0.0.1:{port}/store/{SHOP}/"


def _lighthouse(url: str) -> tuple[float, float]:
    """(performance score 0-100, Total Blocking Time in ms) of one run."""
    out = subprocess.run(
        ["node", str(LIGHTHOUSE), url, "--only-categories=performance", "--output=json",
         "--output-path=stdout", "--quiet", f"--chrome-flags={CHROME_FLAGS}"],
        env={**os.environ, "CHROME_PATH": CHROME}, capture_output=True, text=True, check=True,
        timeout=300,
    ).stdout  # fmt: skip
    report = json.loads(out)
    if report.get("runtimeError"):
        raise SystemExit(f"lighthouse: {report['runtimeError']}")
    return (
        report["categories"]["performance"]["score"] * 100,
        report["audits"]["total-blocking-time"]["numericValue"],
    )


def _spread(values: list[float], *, signed: bool = False) -> str:
    """min q1 q3 max (quartiles need 2 values; with fewer, the one value)."""
    ordered = sorted(values)
    quartiles = statistics.quantiles(ordered, n=4, method="inclusive") if len(ordered) > 1 else []
    q1, q3 = (quartiles[0], quartiles[2]) if quartiles else (ordered[0], ordered[0])
    sign = "+" if signed else ""
    return " ".join(f"{v:{sign}.0f}" for v in (ordered[0], q1, q3, ordered[-1]))


def run() -> dict[str, object]:
    if not LIGHTHOUSE.exists():
        return {"error": "lighthouse not installed (npm install in tests/crosscheck)"}
    if not Path(CHROME).exists() or shutil.which("node") is None:
        return {"error": f"needs node and Chromium at {CHROME}"}
    if not (ROOT / "extensions/loyalty-launcher/assets/launcher.js").exists():
        return {"error": "the launcher is not built (make frontend)"}
    with tempfile.TemporaryDirectory(prefix="bench-lighthouse-") as name:
        tmp = Path(name)
        (tmp / "no-extensions").mkdir()
        _manage(tmp, "migrate", "--noinput", "-v0")
        _manage(tmp, "devshop_seed", "--shop", SHOP, "--customers", "0", "--orders", "0")
        servers = {
            "with embed": _serve(tmp, PORTS["with embed"], None),
            "without embed": _serve(tmp, PORTS["without embed"], tmp / "no-extensions"),
        }
        try:
            for label, port in PORTS.items():
                page = requests.get(_url(port), timeout=30).text
                embedded = "launcher.js" in page
                if embedded != (label == "with embed"):
                    state = "has" if embedded else "lacks"
                    raise SystemExit(f"{label}: the page {state} the embed")
            runs: dict[str, list[tuple[float, float]]] = {label: [] for label in PORTS}
            for n in range(RUNS):
                for label, port in PORTS.items():  # alternating, so both see the same load
                    load = os.getloadavg()[0]
                    score, tbt = _lighthouse(_url(port))
                    runs[label].append((score, tbt))
                    print(f"   run {n + 1} {label:<13} score {score:.0f}, TBT {tbt:.0f} ms"
                          f" (load {load:.2f})", flush=True)  # fmt: skip
        finally:
            for server in servers.values():
                os.killpg(server.pid, signal.SIGTERM)
                server.wait(timeout=30)
    scores = {label: statistics.median(s for s, _ in r) for label, r in runs.items()}
    tbts = {label: statistics.median(t for _, t in r) for label, r in runs.items()}
    with_, without = "with embed", "without embed"
    paired = [w[1] - o[1] for w, o in zip(runs[with_], runs[without], strict=True)]
    return {
        "performance score, median": f"{scores[with_]:.0f} with the embed,"
        f" {scores[without]:.0f} without: {scores[with_] - scores[without]:+.0f} (target ≥ -1)",
        "TBT ms, median": f"{tbts[with_]:.0f} with the embed, {tbts[without]:.0f} without:"
        f" {tbts[with_] - tbts[without]:+.0f} (target ≤ +10)",
        "TBT ms spread (min q1 q3 max)": f"with {_spread([t for _, t in runs[with_]])};"
        f" without {_spread([t for _, t in runs[without]])}",
        "TBT ms added, paired runs": f"median {statistics.median(paired):+.0f}"
        f" (min q1 q3 max {_spread(paired, signed=True)})",
        "setup": f"lighthouse 12.2.3 (mobile, simulated throttling), {RUNS} runs each,"
        f" alternating, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}",
    }


if __name__ == "__main__":
    print(run())
