"""devshop's clock: wall time plus an offset that tests and the control page can move.

Everything time-dependent in devshop (token and refresh-token expiry, authorization codes,
the throttling bucket, bulk operation timestamps) reads ``now()``, so a test can jump an hour
ahead to expire an access token without sleeping. The offset lives in this process: devshop
runs as one process (standalone) or inside the test process, so that is where it is shared.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from django.utils import timezone

_lock = threading.Lock()
_offset = timedelta(0)


def now() -> datetime:
    return timezone.now() + _offset


def offset() -> timedelta:
    return _offset


def advance(seconds: float) -> datetime:
    """Move the clock forward (or back, with a negative value); returns the new now()."""
    global _offset
    with _lock:
        _offset += timedelta(seconds=seconds)
    return now()


def set_offset(seconds: float) -> datetime:
    global _offset
    with _lock:
        _offset = timedelta(seconds=seconds)
    return now()


def reset() -> None:
    set_offset(0)
