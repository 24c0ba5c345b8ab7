"""The earning multiplier hook (the VIP club fills it) and the one rounding rule for points."""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_FLOOR, Decimal

from loyalty.models import Member

MultiplierProvider = Callable[..., Decimal]
_multiplier_providers: list[MultiplierProvider] = []


def register_multiplier_provider(provider: MultiplierProvider) -> None:
    """Add ``provider(*, member, kind) -> Decimal`` (e.g. the VIP tier's 1.5x). Providers are
    multiplied together; with none registered the multiplier is 1. Registering twice is a no-op.
    """
    if provider not in _multiplier_providers:
        _multiplier_providers.append(provider)


def unregister_multiplier_provider(provider: MultiplierProvider) -> None:
    if provider in _multiplier_providers:
        _multiplier_providers.remove(provider)


def earning_multiplier(*, member: Member, kind: str) -> Decimal:
    result = Decimal(1)
    for provider in _multiplier_providers:
        factor = Decimal(provider(member=member, kind=kind))
        if factor < 0:
            raise ValueError(f"multiplier provider {provider!r} returned {factor}")
        result *= factor
    return result


def floor_points(value: Decimal) -> int:
    """Points are whole: a fractional award is rounded down, never up."""
    return int(value.to_integral_value(rounding=ROUND_FLOOR))
