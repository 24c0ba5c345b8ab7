"""devshop for ``bench/launcher_lighthouse.py``: its own settings, with the extensions directory
from ``BENCH_EXTENSIONS_DIR`` (an empty one renders the storefront without the app embed)."""

import os

from devshop.settings import *  # noqa: F403

DEVSHOP_EXTENSIONS_DIR = os.environ.get("BENCH_EXTENSIONS_DIR") or None
