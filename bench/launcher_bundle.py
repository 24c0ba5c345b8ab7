"""The storefront launcher's JavaScript as a shopper's browser downloads it.

Reads the built files (``make bench`` builds the frontend first): the loader every storefront
page loads and the panel loaded on first open. Printed: raw and gzip (level 9) bytes of each,
beside their budgets (10 KB and 35 KB gzip) and the launchers the issue compares against
(Smile 105 KB, LoyaltyLion 113 KB, Yotpo 1,084 KB of JavaScript; the issue does not say whether
compressed, so the peer ratio is printed against our raw bytes, the kinder reading for them).
Nothing is asserted: the build itself fails over budget (``frontend/scripts/size.mjs``).
"""

from __future__ import annotations

import gzip
from pathlib import Path

DIST = Path(__file__).resolve().parent.parent / "frontend" / "dist" / "launcher"
FILES = {"loader": ("launcher.js", 10 * 1024), "panel": ("panel.js", 35 * 1024)}
PEERS_KB = {"Smile": 105, "LoyaltyLion": 113, "Yotpo": 1084}


def run() -> dict[str, object]:
    figures: dict[str, object] = {}
    total = total_raw = 0
    for label, (name, budget) in FILES.items():
        path = DIST / name
        if not path.exists():
            print(f"   {path} is missing: build the frontend (make frontend)")
            return {"error": f"{name} not built"}
        raw = path.read_bytes()
        packed = len(gzip.compress(raw, compresslevel=9))
        total += packed
        total_raw += len(raw)
        print(f"   {label:<7} {name:<12} {len(raw):>7} B raw {packed:>6} B gzip (budget {budget})")
        figures[f"{label} gzip (B)"] = packed
        figures[f"{label} raw (B)"] = len(raw)
    figures["loader + panel gzip (KB)"] = round(total / 1024, 1)
    figures["loader + panel raw (KB)"] = round(total_raw / 1024, 1)
    for peer, kb in PEERS_KB.items():
        figures[f"{peer} ÷ ours raw"] = round(kb * 1024 / total_raw, 1)
    print(f"   loader + panel: {total / 1024:.1f} KB gzip, {total_raw / 1024:.1f} KB raw")
    return figures
