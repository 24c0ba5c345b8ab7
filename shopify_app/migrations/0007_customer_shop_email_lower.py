"""The CSV import's index: a shop's customers by ``lower(email)``, so matching a file's emails
case-insensitively is an index probe per email, not a scan of the shop's customers.

Built ``CONCURRENTLY`` on PostgreSQL (the customer mirror is large and written by every sync);
SQLite (local dev) has no such option and builds it plainly.
"""

import django.db.models.functions.text
from django.db import migrations, models

from shopify_app.migration_operations import AddIndexConcurrentlyOnPostgres


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("shopify_app", "0006_webhook_body_bytes"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name="customer",
            index=models.Index(
                models.F("shop"),
                django.db.models.functions.text.Lower("email"),
                name="customer_shop_email_lower",
            ),
        ),
    ]
