"""Celery tasks of the VIP club: thin wrappers taking ids, safe to run twice."""

from __future__ import annotations

from celery import shared_task

from loyalty.vip import discounts, memberships, perks, services, tags
from shopify_app.exceptions import ShopifyRetriableError, ShopifyThrottled
from shopify_app.models import Shop


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=8)
def vip_customer_tags_sync(self, member_ids: list[int]) -> None:
    """Tag the members' Shopify customers with their tiers, in order. Retries with backoff on
    retriable Shopify errors; the mutations are idempotent, so a retry that redoes the members
    already synced (or follows a lost answer) is harmless."""
    try:
        for member_id in member_ids:
            tags.member_tags_sync(member_id=member_id)
    except ShopifyThrottled as exc:
        raise self.retry(countdown=max(1, int(exc.retry_after)), exc=exc) from exc
    except ShopifyRetriableError as exc:
        raise self.retry(countdown=min(600, 10 * 2**self.request.retries), exc=exc) from exc


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=8)
def vip_tier_discounts_sync(self, shop_id: int) -> None:
    """Bring the shop's tier segments and automatic discounts in Shopify to the tiers' state
    (``vip.discounts``). Retries with backoff on retriable Shopify errors; the sync states the
    end result and guards its creates, so a retry (or a second run) duplicates nothing."""
    shop = Shop.objects.get(pk=shop_id)
    try:
        discounts.vip_tier_discounts_sync(shop=shop)
    except ShopifyThrottled as exc:
        raise self.retry(countdown=max(1, int(exc.retry_after)), exc=exc) from exc
    except ShopifyRetriableError as exc:
        raise self.retry(countdown=min(600, 10 * 2**self.request.retries), exc=exc) from exc


@shared_task(acks_late=True, ignore_result=True)
def member_tiers_evaluate_shop(shop_id: int) -> int:
    """The nightly evaluation of one shop's members (bought terms that ran out first, and
    after it the running purchases of members it moved below them); returns how many changed
    tier."""
    shop = Shop.objects.get(pk=shop_id)
    memberships.memberships_refresh(shop=shop)
    changed = len(services.member_tiers_evaluate(shop=shop))
    memberships.memberships_refresh(shop=shop)
    return changed


@shared_task(ignore_result=True)
def member_tiers_evaluate_all() -> int:
    """Beat, daily: one evaluation task per shop with an enabled club."""
    from loyalty.vip.models import VipProgram

    shop_ids = list(
        VipProgram.objects.filter(enabled=True, shop__uninstalled_at__isnull=True).values_list(
            "shop_id", flat=True
        )
    )
    for shop_id in shop_ids:
        member_tiers_evaluate_shop.delay(shop_id=shop_id)
    return len(shop_ids)


@shared_task(acks_late=True, ignore_result=True)
def tier_perks_issue_shop(shop_id: int) -> int:
    """This period's recurring perk codes of one shop; returns how many were given."""
    return perks.tier_perks_issue(shop=Shop.objects.get(pk=shop_id))


@shared_task(ignore_result=True)
def tier_perks_issue_all() -> int:
    """Beat, daily: one perk task per shop with an enabled club and a tier with a perk."""
    from loyalty.vip.models import Tier

    shop_ids = list(
        Tier.objects.filter(
            active=True,
            perk_reward__isnull=False,
            shop__vip_program__enabled=True,
            shop__uninstalled_at__isnull=True,
        )
        .exclude(perk_every="")
        .values_list("shop_id", flat=True)
        .distinct()
    )
    for shop_id in shop_ids:
        tier_perks_issue_shop.delay(shop_id=shop_id)
    return len(shop_ids)
