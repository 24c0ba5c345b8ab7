"""The launcher's writes: each resolves the signed-in shopper's member and calls one loyalty
service. The customer is only ever the proxy's ``logged_in_customer_id``; nothing in a body
names a customer.

Idempotency: a retried click must never spend or credit twice.

- redeem: the client's ``Idempotency-Key`` is ``reward_redeem``'s ``request_key`` — the
  redemption id is derived from (shop, member, key), so a repeat returns the first redemption
  (its code) under the member lock, whatever the body says the second time.
- join, birthday and social follow are idempotent by their own keys (the member's unique
  ``(shop, customer)``, the same date set again, the rule's ``rule:<id>:member:<id>`` ledger
  key), so they answer a repeat with the same result with or without the header.
"""

from __future__ import annotations

from datetime import date

from config.exceptions import AppError
from loyalty.exceptions import NotEnrolled, RewardUnavailable, RuleUnavailable
from loyalty.models import (
    EarningRule,
    Member,
    PointsTransaction,
    ProgramSettings,
    Redemption,
    Reward,
)
from loyalty.services.birthdays import birthday_set
from loyalty.services.earning import social_follow_award
from loyalty.services.members import member_enrol
from loyalty.services.redemption import reward_redeem
from shopify_app.models import Customer, Shop


class ProgramClosed(AppError):
    """The rewards program is closed at the moment."""

    status = 403
    code = "program_closed"


class CustomerUnknown(AppError):
    """We could not find your account yet: please try again in a minute."""

    status = 404
    code = "customer_not_found"


def _open_program(shop: Shop) -> None:
    # Read, not get-or-create: a refused request writes nothing (no settings row means defaults).
    enabled = ProgramSettings.objects.filter(shop=shop).values_list("enabled", flat=True).first()
    if enabled is False:
        raise ProgramClosed()


def _customer(*, shop: Shop, customer_id: int) -> Customer:
    # A new account may not be mirrored yet (its customers/create webhook is in flight).
    customer = Customer.objects.filter(
        shop=shop, shopify_id=customer_id, deleted_at__isnull=True, redacted_at__isnull=True
    ).first()
    if customer is None:
        raise CustomerUnknown()
    return customer


def _member(*, shop: Shop, customer_id: int) -> Member:
    _open_program(shop)
    member = Member.objects.filter(shop=shop, customer__shopify_id=customer_id).first()
    if member is None:
        raise NotEnrolled()
    return member


def storefront_join(*, shop: Shop, customer_id: int) -> Member:
    """Make the shopper a member (opt-in programs, or an automatic one that has not enrolled
    them yet). Raises ``ProgramClosed``, ``CustomerUnknown``. Idempotent."""
    _open_program(shop)
    return member_enrol(customer=_customer(shop=shop, customer_id=customer_id))


def storefront_redeem(
    *,
    shop: Shop,
    customer_id: int,
    reward_id: int,
    points: int | None,
    request_key: str | None,
) -> Redemption:
    """Spend the member's points on a reward of this shop. Raises ``ProgramClosed``,
    ``NotEnrolled``, ``RewardUnavailable`` and what ``reward_redeem`` raises."""
    member = _member(shop=shop, customer_id=customer_id)
    reward = Reward.objects.filter(shop=shop, pk=reward_id).first()
    if reward is None:
        raise RewardUnavailable(extra={"reward_id": reward_id})
    return reward_redeem(member=member, reward=reward, points=points, request_key=request_key)


def storefront_birthday_set(*, shop: Shop, customer_id: int, birthday: date | str) -> Member:
    """Record the member's birthday, once (``birthday_set``)."""
    member = _member(shop=shop, customer_id=customer_id)
    return birthday_set(member=member, birthday=birthday)


def storefront_social_follow(*, shop: Shop, customer_id: int, rule_id: int) -> PointsTransaction:
    """Credit a social follow rule of this shop to the member, once (``social_follow_award``);
    a repeat returns the first entry."""
    member = _member(shop=shop, customer_id=customer_id)
    rule = EarningRule.objects.filter(
        shop=shop, pk=rule_id, kind=EarningRule.Kind.SOCIAL_FOLLOW, active=True
    ).first()
    if rule is None:
        raise RuleUnavailable(extra={"rule_id": rule_id})
    return social_follow_award(member=member, network=rule.network)
