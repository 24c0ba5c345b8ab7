"""The import runs in a task with progress on its ``ImportBatch``; analytics' indexes.

``ImportBatch`` gains ``status``, ``rows_done``, ``content`` (the file, until the run is done),
``error`` and ``finished_at``. Batches written before this migration ran synchronously and are
complete: they are marked ``done`` with every row counted.

``(shop, created_at)`` indexes on the ledger, ``Redemption`` and ``OrderPoints`` serve a shop's
rows over a date range. Built ``CONCURRENTLY`` on PostgreSQL (the ledger is the largest table
and written by every order); SQLite (local dev) builds them plainly.
"""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class AddIndexConcurrentlyOnPostgres(AddIndexConcurrently):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)
        else:
            migrations.AddIndex.database_forwards(
                self, app_label, schema_editor, from_state, to_state
            )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
        else:
            migrations.AddIndex.database_backwards(
                self, app_label, schema_editor, from_state, to_state
            )


def mark_earlier_batches_done(apps, schema_editor):
    ImportBatch = apps.get_model("loyalty", "ImportBatch")
    ImportBatch.objects.update(status="done", rows_done=models.F("rows_total"))


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("loyalty", "0008_ledger_text_erasable"),
    ]

    operations = [
        migrations.AddField(
            model_name="importbatch",
            name="content",
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name="importbatch",
            name="error",
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name="importbatch",
            name="finished_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="importbatch",
            name="rows_done",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="importbatch",
            name="status",
            field=models.CharField(
                choices=[
                    ("queued", "Queued"),
                    ("running", "Running"),
                    ("done", "Done"),
                    ("failed", "Failed"),
                ],
                default="queued",
                max_length=8,
            ),
        ),
        migrations.RunPython(mark_earlier_batches_done, migrations.RunPython.noop),
        AddIndexConcurrentlyOnPostgres(
            model_name="orderpoints",
            index=models.Index(fields=["shop", "created_at"], name="order_points_shop_created"),
        ),
        AddIndexConcurrentlyOnPostgres(
            model_name="pointstransaction",
            index=models.Index(fields=["shop", "created_at"], name="points_txn_shop_created"),
        ),
        AddIndexConcurrentlyOnPostgres(
            model_name="redemption",
            index=models.Index(fields=["shop", "created_at"], name="redemption_shop_created"),
        ),
    ]
