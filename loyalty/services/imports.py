"""Importing balances from another loyalty app (a CSV), with a dry run and per-row errors.

The layouts read are described in ``import_csv``. An import is an ``ImportBatch``: created
``queued`` with the file (``import_batch_create``, which refuses an unusable file at once), then
run by a task (``points_import_enqueue`` → ``tasks.points_import_run`` → ``import_batch_run``)
in chunks of ``CHUNK_ROWS`` rows, each chunk one transaction that also counts its rows in
``rows_done``, so the admin can poll the batch for progress. ``points_import`` does both in the
caller's process (tests, a shell).

Each chunk is set-based, a fixed number of statements whatever its size: the customers are
matched on ``lower(email)`` (the ``customer_shop_email_lower`` index), their members read (and
the missing ones enrolled in one statement), locked in id order, what earlier imports credited
summed in one ``GROUP BY``, the credits written with their lots in one statement each
(``ledger.credits_write``) and the members' totals and imported fields in one more. A reduction
(a corrected file lowering a balance) consumes lots FIFO through ``ledger.entry_write``, one
row at a time, as it is rare.

Re-import never doubles: the file states each member's *imported* balance. A member's import
entries carry ``source_type="import"``; the row writes only the difference between the file's
value and what earlier imports already credited, keyed by the member and this file's content
hash and the imported total it started from, so re-running the same file is a no-op and a
corrected file adjusts to the new value. A crashed run re-run from the start therefore
resumes: the chunks it had committed find nothing left to do.
Points earned or spent in this app since are untouched. A reduction larger than the current
balance is refused for that row (never a negative balance). Only customers already mirrored
(synced from Shopify) can be imported; others are row errors, as are excluded members (also one
the import would enrol excluded, by the exclusion tag).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F, Sum
from django.db.models.functions import Lower
from django.utils import timezone

from loyalty.exceptions import ImportNotConfirmable, InsufficientPoints
from loyalty.models import ImportBatch, Member, PointsTransaction, ProgramSettings
from loyalty.services.bulk import rows_update
from loyalty.services.import_csv import ImportRow, import_rows_parse
from loyalty.services.invalidation import members_changed
from loyalty.services.ledger import credits_write, entry_write
from loyalty.services.members import _tagged, members_enrol
from loyalty.services.program import lot_expires_at, program_settings_get
from shopify_app.models import Customer, Shop

Kind = PointsTransaction.Kind
# Rows per chunk (one transaction, one progress step): large enough that a statement's fixed
# cost is spread thin, small enough that a chunk's member locks are held briefly.
CHUNK_ROWS = 2000
NOTE = "Points carried over from your previous rewards program"


def import_batch_create(
    *,
    shop: Shop,
    content: str,
    format: str = ImportBatch.Format.GENERIC,
    dry_run: bool,
    created_by: str = "",
    filename: str = "",
) -> ImportBatch:
    """A ``queued`` batch holding the file, its rows counted. Raises ``InvalidImport`` when the
    file as a whole is unusable (nothing is stored then)."""
    rows = import_rows_parse(content=content, format=format)
    return ImportBatch.objects.create(
        shop=shop,
        format=format,
        content_sha256=hashlib.sha256(content.encode()).hexdigest(),
        filename=filename[:255],
        dry_run=dry_run,
        created_by=created_by,
        rows_total=len(rows),
        content=content,
        status=ImportBatch.Status.QUEUED,
    )


def points_import_enqueue(
    *,
    shop: Shop,
    content: str,
    format: str = ImportBatch.Format.GENERIC,
    dry_run: bool,
    created_by: str = "",
    filename: str = "",
) -> ImportBatch:
    """Create the batch and run it in a worker once committed; returns it ``queued`` (poll
    ``status`` and ``rows_done`` of ``rows_total``)."""
    from loyalty.tasks import points_import_run  # tasks import services

    batch = import_batch_create(
        shop=shop,
        content=content,
        format=format,
        dry_run=dry_run,
        created_by=created_by,
        filename=filename,
    )
    transaction.on_commit(lambda: points_import_run.delay(batch_id=str(batch.pk)))
    return batch


def points_import(
    *,
    shop: Shop,
    content: str,
    format: str = ImportBatch.Format.GENERIC,
    dry_run: bool,
    created_by: str = "",
    filename: str = "",
) -> ImportBatch:
    """Import a CSV here and now (see the module docstring); ``dry_run`` computes the same
    report without writing points. Returns the finished ``ImportBatch``, whose ``report`` lists
    each row's status (``changed``/``unchanged``/``error``), current imported points, target
    and delta. Raises ``InvalidImport`` for an unusable file."""
    batch = import_batch_create(
        shop=shop,
        content=content,
        format=format,
        dry_run=dry_run,
        created_by=created_by,
        filename=filename,
    )
    return import_batch_run(batch_id=batch.pk)


def import_batch_run(*, batch_id: uuid.UUID | str, chunk_rows: int = CHUNK_ROWS) -> ImportBatch:
    """Run a queued (or interrupted) batch, chunk by chunk, each committing its writes with
    its progress. Ends the batch ``done`` with its report, or ``failed`` with the error, which
    is raised again; the file is emptied, except a finished dry run's (kept for the confirm
    step). A batch already done or failed is returned unchanged."""
    claimed = ImportBatch.objects.filter(
        pk=batch_id, status__in=[ImportBatch.Status.QUEUED, ImportBatch.Status.RUNNING]
    ).update(status=ImportBatch.Status.RUNNING, rows_done=0)
    batch = ImportBatch.objects.select_related("shop").get(pk=batch_id)
    if not claimed:
        return batch
    report: list[dict[str, Any]] = []
    counts = {"changed": 0, "unchanged": 0, "error": 0}
    try:
        rows = import_rows_parse(content=batch.content, format=batch.format)
        settings = program_settings_get(shop_id=batch.shop_id)
        for start in range(0, len(rows), chunk_rows):
            chunk = rows[start : start + chunk_rows]
            with transaction.atomic():
                results = _chunk_import(
                    shop=batch.shop,
                    rows=chunk,
                    digest=batch.content_sha256,
                    dry_run=batch.dry_run,
                    settings=settings,
                )
                for result in results:
                    counts[result["status"]] += 1
                ImportBatch.objects.filter(pk=batch.pk).update(
                    rows_done=F("rows_done") + len(chunk),
                    rows_changed=counts["changed"],
                    rows_unchanged=counts["unchanged"],
                    rows_failed=counts["error"],
                )
            report += results
    except Exception as exc:
        # The file goes too: a failed batch is not run again (the merchant uploads anew).
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=ImportBatch.Status.FAILED,
            error=str(exc)[:2000],
            content="",
            finished_at=timezone.now(),
        )
        raise
    # A dry run keeps its file for ``import_batch_confirm`` (the admin's confirm step), which
    # hands it to the real run; a real run has no further use for it.
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportBatch.Status.DONE,
        report=report,
        finished_at=timezone.now(),
        **({} if batch.dry_run else {"content": ""}),
    )
    batch.refresh_from_db()
    return batch


def import_batch_confirm(*, batch: ImportBatch, created_by: str) -> ImportBatch:
    """Run for real the file a finished dry run checked: a new queued batch with the same
    content (so the same content hash, and the rows the dry run reported), enqueued after
    commit; the dry run's copy of the file is emptied in the same transaction, so a second
    confirm (a double click) raises ``ImportNotConfirmable`` instead of queueing the file twice.
    Re-running a file is harmless anyway (imports write differences), but one run is clearer."""
    with transaction.atomic():
        dry = ImportBatch.objects.select_for_update().get(pk=batch.pk, shop_id=batch.shop_id)
        if not dry.dry_run or dry.status != ImportBatch.Status.DONE or not dry.content:
            raise ImportNotConfirmable()
        real = points_import_enqueue(
            shop=dry.shop,
            content=dry.content,
            format=dry.format,
            dry_run=False,
            created_by=created_by,
            filename=dry.filename,
        )
        ImportBatch.objects.filter(pk=dry.pk).update(content="")
    return real


def _customers_match(*, shop: Shop, emails: set[str]) -> dict[str, Customer]:
    """The shop's live customers by lower-cased email, in one query served by the
    ``customer_shop_email_lower`` index. Of customers whose emails differ only in case, the one
    stored in lower case (as the file's email is read) wins, then the oldest."""
    found: dict[str, Customer] = {}
    if not emails:
        return found
    customers = (
        Customer.objects.annotate(email_lower=Lower("email"))
        .filter(shop=shop, email_lower__in=emails, redacted_at__isnull=True)
        .filter(deleted_at__isnull=True)
        .order_by("pk")
    )
    for customer in customers:
        key = customer.email_lower
        best = found.get(key)
        if best is None or (customer.email == key and best.email != key):
            found[key] = customer
    return found


def _imported_totals(member_ids: Sequence[int]) -> dict[int, int]:
    """What earlier imports credited each member (posted import entries), in one query."""
    if not member_ids:
        return {}
    return dict(
        PointsTransaction.objects.filter(
            member_id__in=member_ids,
            source_type="import",
            status=PointsTransaction.Status.POSTED,
        )
        .values("member_id")
        .annotate(total=Sum("amount"))
        .values_list("member_id", "total")
    )


def _chunk_import(
    *,
    shop: Shop,
    rows: list[ImportRow],
    digest: str,
    dry_run: bool,
    settings: ProgramSettings,
) -> list[dict[str, Any]]:
    """One chunk's report rows; outside a dry run, its writes (the caller's transaction)."""
    at = timezone.now()
    customers = _customers_match(shop=shop, emails={r.email for r in rows if not r.errors})
    if dry_run:
        members = {
            m.customer_id: m
            for m in Member.objects.filter(
                shop=shop, customer_id__in=[c.pk for c in customers.values()]
            )
        }
    else:
        enrolled = members_enrol(shop_id=shop.pk, customers=list(customers.values()), now=at)
        locked = {
            m.pk: m
            for m in Member.objects.select_for_update()
            .filter(pk__in=[m.pk for m in enrolled.values()])
            .order_by("pk")
        }
        members_changed(shop_id=shop.pk, members=locked.values())  # member_lock's, for a batch
        members = {customer_id: locked[m.pk] for customer_id, m in enrolled.items()}
    imported = _imported_totals([m.pk for m in members.values()])  # under the locks
    results: list[dict[str, Any]] = []
    credits: list[PointsTransaction] = []
    touched: dict[int, Member] = {}
    for row in rows:
        result: dict[str, Any] = {"line": row.line, "email": row.email}
        results.append(result)
        customer = None if row.errors else customers.get(row.email)
        if not row.errors and customer is None:
            row.errors.append("no customer with this email in the shop (sync customers first)")
        if row.errors or customer is None:
            result.update(status="error", error="; ".join(row.errors))
            continue
        assert row.points is not None
        member = members.get(customer.pk)
        excluded = (
            member.state != Member.State.ACTIVE
            if member is not None
            else _tagged(customer, settings.exclusion_tag)
        )
        if excluded:
            result.update(status="error", error="member is excluded")
            continue
        current = imported.get(member.pk, 0) if member is not None else 0
        delta = row.points - current
        result.update(current=current, target=row.points, delta=delta)
        balance = member.balance if member is not None else 0
        if delta < 0 and -delta > balance:
            result.update(
                status="error", error=f"would take {-delta} points but the balance is {balance}"
            )
            continue
        result["status"] = "changed" if delta else "unchanged"
        if dry_run or member is None:
            continue
        # The key names the starting point too, so going back to an earlier file (A → B → A)
        # is a new, correct entry, while re-running a file is a no-op.
        key = f"import:{member.pk}:{digest[:32]}:{current}"
        earned_at = row.earned_at or at
        if delta > 0:
            credits.append(
                PointsTransaction(
                    shop_id=shop.pk, member=member, amount=delta, kind=Kind.IMPORT,
                    idempotency_key=key, source_type="import", source_id=digest[:64],
                    note=NOTE, earned_at=earned_at,
                    expires_at=lot_expires_at(settings=settings, earned_at=earned_at),
                )
            )  # fmt: skip
        elif delta < 0 and not _debit(
            member=member, amount=delta, key=key, digest=digest, earned_at=earned_at
        ):
            result.update(status="error", error="the member's lots do not cover the balance")
            continue
        if _imported_fields(member=member, row=row):
            touched[member.pk] = member
    for entry in credits_write(entries=credits, at=at):
        touched[entry.member.pk] = entry.member
    for member in touched.values():
        member.updated_at = at
    rows_update(
        rows=list(touched.values()),
        fields=[
            "balance", "pending", "lifetime_earned", "last_activity_at", "birthday",
            "imported_tier", "imported_referral_code", "updated_at",
        ],
    )  # fmt: skip
    return results


def _debit(*, member: Member, amount: int, key: str, digest: str, earned_at: datetime) -> bool:
    """Take back points a corrected file lowered (FIFO over lots, as every debit); False when
    the member's lots do not cover it (drift: ``loyalty_audit`` repairs it)."""
    try:
        with transaction.atomic():
            entry_write(
                member=member, amount=amount, kind=Kind.IMPORT, idempotency_key=key,
                source_type="import", source_id=digest[:64], note=NOTE,
                earned_at=earned_at,
            )  # fmt: skip
    except InsufficientPoints:
        return False
    return True


def _imported_fields(*, member: Member, row: ImportRow) -> bool:
    """Copy the row's birthday (unless the member has one), tier and referral code onto the
    member in memory; whether anything changed."""
    changed = False
    if row.birthday and member.birthday is None:
        member.birthday, changed = row.birthday, True
    if row.tier and member.imported_tier != row.tier:
        member.imported_tier, changed = row.tier, True
    if row.referral_code and member.imported_referral_code != row.referral_code:
        member.imported_referral_code, changed = row.referral_code, True
    return changed
