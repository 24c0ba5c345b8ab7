"""The referrer's reward when the program names a catalog reward instead of points.

The reward's discount code is given free through ``loyalty.services.grants`` (referrals never
writes loyalty's rows); what was granted and what became of it live on the referral.

1. ``referral_reward_grant`` runs inside the reconcile's transaction, under the referral's row
   lock: it freezes the grant on the referral (its code, the offer, ``reward_available_at`` =
   the hold's end) and enqueues ``referral_reward_code_sync`` on commit. A set ``reward_code``
   is what makes the grant once per referral under duplicated and reordered deliveries.
2. ``referral_reward_revoke`` (a cancellation or full refund before the hold's end, or a staff
   rejection) marks the referral undone and enqueues the same sync.
3. ``referral_reward_code_sync`` runs outside any transaction and brings Shopify in line with
   the referral: it makes the code of a completed referral, starting at the hold's end (so
   Shopify itself refuses it while the order may still be undone), and voids the code of a
   referral undone since. Both steps are idempotent (the code string is fixed; a void reads the
   code's state first). A reversal that lands while the code is being made fails the
   conditional update that would mark it issued, and the code is voided straight after.
4. ``reward_codes_mark_used``: the referrer's paid order that used the code marks it used.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from loyalty.services.grants import reward_grant_issue, reward_grant_prepare, reward_grant_void
from loyalty.services.invalidation import member_ids_changed
from referrals.models import Referral
from referrals.services.changes import referrer_changed
from shopify_app.exceptions import ShopifyError, ShopifyRetriableError
from shopify_app.models import Shop

logger = logging.getLogger(__name__)

Status = Referral.Status
CodeStatus = Referral.RewardCodeStatus
UNDONE = (Status.REVERSED, Status.REJECTED)
# A code still to make (or to void) after this has lost its task; the sweeper enqueues it.
SWEEP_AFTER = timedelta(minutes=5)


def _sync_later(referral_id: int) -> None:
    from referrals.tasks import referral_reward_code_sync as sync_task

    transaction.on_commit(lambda: sync_task.delay(referral_id=referral_id))


def referral_reward_grant(
    *,
    referral: Referral,
    reward_id: int,
    hold_until: datetime | None,
    at: datetime,
) -> None:
    """Grant the catalog reward ``reward_id`` (the program's) to the referrer of a completed
    referral; the caller holds the referral's row lock and saves it. Raises ``MemberExcluded``
    and ``RewardUnavailable`` (from loyalty), writing nothing."""
    grant = reward_grant_prepare(
        member=referral.referrer,
        reward_id=reward_id,
        starts_at=hold_until or at,
        now=at,
    )
    referral.reward_grant = dict(grant)
    referral.reward_code = grant["code"]
    referral.reward_code_status = CodeStatus.PENDING
    referral.reward_available_at = parse_datetime(grant["starts_at"])
    _sync_later(referral.pk)


def referral_reward_revocable(*, referral: Referral, at: datetime) -> bool:
    """Whether the referral's reward code can still be taken back at ``at``: granted, and
    ``at`` (when the order was undone, or now for staff) is before the hold's end."""
    return (
        bool(referral.reward_code)
        and referral.reward_available_at is not None
        and at < referral.reward_available_at
        # A failed code has nothing to void, but the referral is still undone.
        and referral.reward_code_status
        in (CodeStatus.PENDING, CodeStatus.ISSUED, CodeStatus.FAILED)
    )


def referral_reward_revoke(*, referral: Referral) -> None:
    """Enqueue the void of an undone referral's code (the caller checked it is revocable,
    set the referral's status and saves it)."""
    _sync_later(referral.pk)


def referral_reward_code_sync(*, referral_id: int) -> Referral:
    """``_code_sync``, then the referrer's launcher shows the code's new status."""
    referral = _code_sync(referral_id=referral_id)
    referrer_changed(referral)
    return referral


def _code_sync(*, referral_id: int) -> Referral:
    """Make the code of a completed referral, or void the code of an undone one (never inside
    a transaction). Writes the outcome on the referral: ``issued`` with the node id, ``voided``
    or ``used`` (a use before the void: kept, nothing clawed back — see
    ``loyalty.services.grants.reward_grant_void``), or ``failed`` with Shopify's refusal.
    Raises ``ShopifyRetriableError`` for the task to retry. Idempotent."""
    referral = Referral.objects.select_related("shop", "referrer__customer", "referrer__shop").get(
        pk=referral_id
    )
    if referral.reward_code_status == CodeStatus.PENDING and referral.status == Status.COMPLETED:
        try:
            node_id = reward_grant_issue(member=referral.referrer, grant=referral.reward_grant)
        except ShopifyRetriableError:
            raise
        except ShopifyError as exc:
            Referral.objects.filter(pk=referral.pk, reward_code_status=CodeStatus.PENDING).update(
                reward_code_status=CodeStatus.FAILED, reward_code_error=str(exc)[:2000]
            )
            referral.refresh_from_db()
            return referral
        made = Referral.objects.filter(
            pk=referral.pk, status=Status.COMPLETED, reward_code_status=CodeStatus.PENDING
        ).update(reward_code_status=CodeStatus.ISSUED, reward_node_id=node_id, reward_code_error="")
        referral.refresh_from_db()
        if made or referral.reward_code_status == CodeStatus.USED:
            return referral
        # Undone while Shopify was making it (a void may even have found no code yet): the
        # code just made must not stay, so it is voided now whatever the row says.
        return _void(referral)
    if referral.status in UNDONE and referral.reward_code_status in (
        CodeStatus.PENDING,
        CodeStatus.ISSUED,
    ):
        return _void(referral)
    return referral


def _void(referral: Referral) -> Referral:
    try:
        outcome = reward_grant_void(shop=referral.shop, code=referral.reward_code)
    except ShopifyRetriableError:
        raise
    except ShopifyError as exc:
        error = f"not voided: {exc}"[:2000]
        Referral.objects.filter(pk=referral.pk).exclude(reward_code_status=CodeStatus.USED).update(
            reward_code_status=CodeStatus.FAILED, reward_code_error=error
        )
        referral.refresh_from_db()
        return referral
    # "absent": Shopify never made it, and the referral will not ask for it again.
    status = CodeStatus.USED if outcome == "used" else CodeStatus.VOIDED
    Referral.objects.filter(
        pk=referral.pk,
        reward_code_status__in=[CodeStatus.PENDING, CodeStatus.ISSUED, CodeStatus.VOIDED],
    ).update(reward_code_status=status, reward_code_changed_at=timezone.now(), reward_code_error="")
    referral.refresh_from_db()
    return referral


def referral_reward_fail(*, referral_id: int, error: str) -> None:
    """The task gave up retrying: record why the code was not made (or not voided)."""
    failing = Referral.objects.filter(
        pk=referral_id, reward_code_status__in=[CodeStatus.PENDING, CodeStatus.ISSUED]
    )
    for referral in failing.only("pk", "shop_id", "referrer_id"):
        referrer_changed(referral)
    failing.update(reward_code_status=CodeStatus.FAILED, reward_code_error=error[:2000])


def reward_codes_mark_used(*, shop: Shop, codes: list[str], now: datetime | None = None) -> int:
    """Mark the granted codes an order used (the referrer's own order: the code is theirs
    only). Idempotent; returns how many changed."""
    wanted = {str(c).strip().upper() for c in codes if str(c).strip()}
    if not wanted:
        return 0
    used = Referral.objects.filter(
        shop=shop, reward_code__in=wanted, reward_code_status=CodeStatus.ISSUED
    )
    referrers = list(used.values_list("referrer_id", flat=True))
    member_ids_changed(shop_id=shop.pk, member_ids=referrers)  # their launchers show "used"
    return used.update(
        reward_code_status=CodeStatus.USED, reward_code_changed_at=now or timezone.now()
    )


def referral_reward_sweep(*, now: datetime | None = None) -> int:
    """Re-enqueue the sync of reward codes left to make or to void for longer than
    ``SWEEP_AFTER`` (a lost broker message, a killed worker). Returns how many."""
    from referrals.tasks import referral_reward_code_sync as sync_task

    cutoff = (now or timezone.now()) - SWEEP_AFTER
    todo = Q(reward_code_status=CodeStatus.PENDING) | Q(
        reward_code_status=CodeStatus.ISSUED, status__in=UNDONE
    )
    ids = list(
        Referral.objects.filter(todo, updated_at__lt=cutoff)
        .order_by("updated_at")
        .values_list("pk", flat=True)[:1000]
    )
    for pk in ids:
        sync_task.delay(referral_id=pk)
    return len(ids)
