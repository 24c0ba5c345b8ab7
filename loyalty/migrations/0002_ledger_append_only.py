"""Make the ledger append-only in the database: an entry's facts never change.

The only UPDATE a PointsTransaction may see is its status moving pending → posted or
pending → void (with ``posted_at`` set alongside). Everything else — amount, kind, key, member,
source — is compared as a whole row (``to_jsonb``), so a column added later is covered too.
DELETE stays possible: customer and shop redaction (compliance webhooks) must erase rows.
PostgreSQL only; the SQLite development setup relies on the services alone.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION loyalty_points_txn_append_only() RETURNS trigger AS $$
BEGIN
    IF (to_jsonb(NEW) - 'status' - 'posted_at') <> (to_jsonb(OLD) - 'status' - 'posted_at') THEN
        RAISE EXCEPTION 'points ledger entry % is append-only', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF NEW.status <> OLD.status
       AND NOT (OLD.status = 'pending' AND NEW.status IN ('posted', 'void')) THEN
        RAISE EXCEPTION 'points ledger entry %: status % -> % is not allowed',
            OLD.id, OLD.status, NEW.status
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER loyalty_points_txn_append_only
    BEFORE UPDATE ON loyalty_pointstransaction
    FOR EACH ROW EXECUTE FUNCTION loyalty_points_txn_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS loyalty_points_txn_append_only ON loyalty_pointstransaction;
DROP FUNCTION IF EXISTS loyalty_points_txn_append_only();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("loyalty", "0001_ledger_and_program")]

    operations = [migrations.RunPython(create, drop)]
