"""On-commit callbacks a test counts, without the launcher cache's invalidations (every write
registers one: ``shopify_app.storefront_cache.storefront_state_changed``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence


def work(callbacks: Sequence[Callable]) -> list[Callable]:
    """The callbacks that enqueue or do work, the state cache's bumps left out."""
    return [c for c in callbacks if not c.__qualname__.startswith("storefront_state_changed.")]
