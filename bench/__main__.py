"""Run every benchmark module in this package and print its figures.

A benchmark is a module ``bench/<name>.py`` with a ``run() -> dict[str, object]`` function;
``python -m bench`` runs them all in name order, ``python -m bench webhook_intake`` only the
named ones. Each prints its own progress; the figures are repeated here in one table.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
from pathlib import Path


def _modules(selected: list[str]) -> list[str]:
    names = sorted(
        info.name
        for info in pkgutil.iter_modules([str(Path(__file__).parent)])
        if not info.name.startswith("_")
    )
    return [n for n in names if not selected or n in selected]


def main(argv: list[str]) -> int:
    results: dict[str, dict[str, object]] = {}
    for name in _modules(argv):
        module = importlib.import_module(f"bench.{name}")
        if not hasattr(module, "run"):
            continue
        print(f"== {name}", flush=True)
        started = time.monotonic()
        results[name] = module.run()
        print(f"   ({time.monotonic() - started:.0f} s)", flush=True)
    print("\n== figures")
    for name, figures in results.items():
        for key, value in figures.items():
            print(f"{name:>20}  {key:<34} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
