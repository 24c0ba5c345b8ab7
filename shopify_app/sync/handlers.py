"""The sync's entry points into the edge: the post-install hook and ``bulk_operations/finish``.

``register()`` is called from ``ShopifyAppConfig.ready()``.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from shopify_app.models import Shop, WebhookDelivery
from shopify_app.sync import services


def bulk_operation_finished(
    *, shop: Shop, payload: dict[str, Any], delivery: WebhookDelivery
) -> None:
    """bulk_operations/finish: check the run of that operation (on commit; it asks Shopify).

    An operation we don't know (another app version's, or a run already checked) is ignored.
    """
    from shopify_app.sync.tasks import sync_run_check as sync_run_check_task

    operation_id = payload.get("admin_graphql_api_id")
    if not isinstance(operation_id, str):
        return
    for run_id in services.sync_bulk_operation_finished(shop=shop, bulk_operation_id=operation_id):
        transaction.on_commit(lambda run_id=run_id: sync_run_check_task.delay(run_id))


def initial_sync_hook(*, shop_id: int) -> None:
    """Post-install hook: start the initial sync in a worker (runs after the install commits)."""
    from shopify_app.sync.tasks import sync_initial_start as sync_initial_start_task

    sync_initial_start_task.delay(shop_id)


def register() -> None:
    from shopify_app.services.shops import post_install_hook_register
    from shopify_app.webhooks.registry import register_handler

    register_handler("bulk_operations/finish", bulk_operation_finished)
    post_install_hook_register(initial_sync_hook)
