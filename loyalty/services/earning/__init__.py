"""Earning: points for orders (with refunds and cancellations) and for actions.

One module per source: ``orders`` (one order) and ``orders_batch`` (many, set-based),
``actions`` (rules), over ``amounts`` (what an order earns) and ``multipliers`` (the hook the
VIP club fills). This package re-exports their public names, so callers import from
``loyalty.services.earning``.

Orders are reconciled, not replayed. ``order_points_sync`` looks at the mirrored Order and its
Refunds (``shopify_app`` upserts them before our handlers run, newest ``updated_at`` winning)
and writes whatever entries are missing, each under a deterministic key:

- ``order:<id>:earn``: the earn, once, from the eligible amount x rate x multiplier, rounded
  down; pending until the hold period ends when one is set.
- ``refund:<id>:reverse``: per refund, the refunded share of the *points actually awarded*.
  The target is computed from the cumulative refunded amount, so several partial refunds add
  up to exactly the award when everything is refunded, whatever order they arrive in.
- ``order:<id>:cancel``: the rest of the award; a still-pending earn is voided instead.

Because every path ends in the same reconciliation, duplicated and out-of-order
``orders/paid``, ``orders/updated``, ``orders/cancelled`` and ``refunds/create`` deliveries
converge on one correct result: a refund that arrives before ``orders/paid`` is applied right
after the earn; an order cancelled before it was paid earns nothing.
"""

from loyalty.services.earning.actions import (
    action_points_award,
    custom_action_award,
    review_points_award,
    signup_points_award,
    social_follow_award,
)
from loyalty.services.earning.amounts import (
    PAID_STATUSES,
    order_eligible_amount,
    order_points_quote,
    refund_eligible_amount,
)
from loyalty.services.earning.multipliers import (
    MultiplierProvider,
    earning_multiplier,
    floor_points,
    register_multiplier_provider,
    unregister_multiplier_provider,
)
from loyalty.services.earning.orders import order_points_sync
from loyalty.services.earning.orders_batch import EarnWrittenMeanwhile, orders_points_sync

__all__ = [
    "PAID_STATUSES",
    "EarnWrittenMeanwhile",
    "MultiplierProvider",
    "action_points_award",
    "custom_action_award",
    "earning_multiplier",
    "floor_points",
    "order_eligible_amount",
    "order_points_quote",
    "order_points_sync",
    "orders_points_sync",
    "refund_eligible_amount",
    "register_multiplier_provider",
    "review_points_award",
    "signup_points_award",
    "social_follow_award",
    "unregister_multiplier_provider",
]
