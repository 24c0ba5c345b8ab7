"""Indexes for the admin's customers list on a big shop (``selectors.member_list``).

- ``member_shop_balance`` ``(shop, balance, id)``: the sort by balance (either direction, the
  id breaking ties as the cursor pagination orders) reads the first page off the index instead
  of sorting every member of the shop.
- Trigram GIN indexes on the customer's ``UPPER(email)``, ``UPPER(first_name)`` and
  ``UPPER(last_name)``: the search is ``icontains`` on each (Django's ``UPPER(col::text) LIKE
  UPPER('%word%')``), which no B-tree serves; ``pg_trgm`` answers it with a bitmap of the
  matching customers. The expressions match Django's exactly, or the planner ignores them.
  They live on ``shopify_app_customer`` but only this search uses them, so this migration owns
  them (raw SQL, outside the model state: ``Customer.Meta`` does not declare them).

Built ``CONCURRENTLY`` on PostgreSQL (the tables are written by every webhook); SQLite (local
dev) gets the B-tree only, plainly. ``pg_trgm`` is a trusted extension (PostgreSQL 13+): the
app's database owner may create it. Figures: ``python -m bench admin_members``.
"""

from django.db import migrations, models

from shopify_app.migration_operations import AddIndexConcurrentlyOnPostgres

TRGM = {
    "customer_email_trgm": "email",
    "customer_first_name_trgm": "first_name",
    "customer_last_name_trgm": "last_name",
}


def trgm_create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in TRGM.items():
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON shopify_app_customer"
            f" USING gin (UPPER({column}::text) gin_trgm_ops)"
        )


def trgm_drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in TRGM:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
    # The extension stays: other code may use it, and it costs nothing unused.


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("loyalty", "0016_vip_tier_discounts"),
        ("shopify_app", "0007_customer_shop_email_lower"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name="member",
            index=models.Index(fields=["shop", "balance", "id"], name="member_shop_balance"),
        ),
        migrations.RunPython(trgm_create, trgm_drop, elidable=False),
    ]
