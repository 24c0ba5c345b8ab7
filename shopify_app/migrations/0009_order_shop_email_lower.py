"""The referral claims' index: a shop's mirrored orders by ``lower(email)``, so asking whether a
friend has ordered before (a claim, the "not new" fraud rule) probes an index instead of reading
every order of the shop (``bench/referrals_claims.py``: ~18x the PostgreSQL CPU per claim)."""

import django.db.models.functions.text
from django.db import migrations, models

from shopify_app.migration_operations import AddIndexConcurrentlyOnPostgres


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("shopify_app", "0008_webhook_next_attempt"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name="order",
            index=models.Index(
                models.F("shop"),
                django.db.models.functions.text.Lower("email"),
                name="order_shop_email_lower",
            ),
        ),
    ]
