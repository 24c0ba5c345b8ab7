"""The birthday job's index: a shop's members by the month and day of their birthday.

Built ``CONCURRENTLY`` on PostgreSQL (the member table is large and written by every order);
SQLite (local dev) has no such option and builds it plainly.
"""

import django.db.models.functions.datetime
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


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("loyalty", "0002_ledger_append_only"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name="member",
            index=models.Index(
                models.F("shop"),
                django.db.models.functions.datetime.ExtractMonth("birthday"),
                django.db.models.functions.datetime.ExtractDay("birthday"),
                condition=models.Q(("birthday__isnull", False)),
                name="member_shop_birthday",
            ),
        ),
    ]
