"""Keep each webhook delivery's body as the exact bytes Shopify sent (``body``), not ``jsonb``.

Why: see ``WebhookDelivery``. Existing rows are converted from their ``jsonb`` (PostgreSQL's
normalised text of it; the original bytes were not kept before). The column keeps lz4
compression (0005), set again because a type change rewrites the column.
"""

from django.db import migrations, models

POSTGRESQL_FORWARD = [
    "ALTER TABLE shopify_app_webhookdelivery"
    " ALTER COLUMN payload TYPE bytea USING convert_to(payload::text, 'UTF8')",
    "ALTER TABLE shopify_app_webhookdelivery RENAME COLUMN payload TO body",
    """
DO $$
BEGIN
  ALTER TABLE shopify_app_webhookdelivery ALTER COLUMN body SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
  RAISE NOTICE 'PostgreSQL without lz4: webhook bodies stay pglz-compressed';
END
$$;
""",
]
POSTGRESQL_BACKWARD = [
    "ALTER TABLE shopify_app_webhookdelivery RENAME COLUMN body TO payload",
    "ALTER TABLE shopify_app_webhookdelivery"
    " ALTER COLUMN payload TYPE jsonb USING convert_from(payload, 'UTF8')::jsonb",
]
# SQLite (development) types by value: rename, then store the text as a blob.
SQLITE_FORWARD = [
    "ALTER TABLE shopify_app_webhookdelivery RENAME COLUMN payload TO body",
    "UPDATE shopify_app_webhookdelivery SET body = CAST(body AS BLOB)",
]
SQLITE_BACKWARD = [
    "UPDATE shopify_app_webhookdelivery SET body = CAST(body AS TEXT)",
    "ALTER TABLE shopify_app_webhookdelivery RENAME COLUMN body TO payload",
]


def _run(postgresql, sqlite):
    def run(apps, schema_editor):
        for statement in postgresql if schema_editor.connection.vendor == "postgresql" else sqlite:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("shopify_app", "0005_webhook_payload_lz4"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunPython(
                    _run(POSTGRESQL_FORWARD, SQLITE_FORWARD),
                    _run(POSTGRESQL_BACKWARD, SQLITE_BACKWARD),
                )
            ],
            state_operations=[
                migrations.RemoveField(model_name="webhookdelivery", name="payload"),
                migrations.AddField(
                    model_name="webhookdelivery",
                    name="body",
                    field=models.BinaryField(default=b""),
                    preserve_default=False,
                ),
            ],
        )
    ]
