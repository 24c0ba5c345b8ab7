"""The beat schedule points at real tasks, and the issue task retries only retriable errors."""

from __future__ import annotations

from unittest import mock

import pytest
from celery.exceptions import Retry
from django.conf import settings

from config.celery import app
from loyalty import tasks
from shopify_app import admin_api
from shopify_app.exceptions import ShopifyRetriableError


def test_every_scheduled_loyalty_job_is_a_registered_task():
    app.loader.import_default_modules()
    names = [e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()]
    loyalty_jobs = [n for n in names if n.startswith("loyalty.")]
    assert len(loyalty_jobs) == 8  # with the VIP club's nightly evaluation and perks
    assert all(n in app.tasks for n in loyalty_jobs)


def test_redemption_issue_task_retries_a_retriable_error(shop, member):
    from loyalty.services.redemption import reward_redeem
    from tests.factories import RewardFactory
    from tests.loyalty.conftest import credit

    credit(member, 500, "seed")
    redemption = reward_redeem(member=member, reward=RewardFactory(shop=shop))

    with (
        mock.patch.object(
            admin_api, "mutate", autospec=True, side_effect=ShopifyRetriableError("502", status=502)
        ),
        pytest.raises(Retry),
    ):
        tasks.redemption_issue.apply(kwargs={"redemption_id": str(redemption.pk)}, throw=True)

    redemption.refresh_from_db()
    assert (redemption.status, redemption.attempts) == ("pending", 1)
