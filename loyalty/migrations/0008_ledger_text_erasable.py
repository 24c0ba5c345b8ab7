"""Let customers/redact erase a ledger entry's free text, and nothing else.

``reason`` (for staff) and ``note`` (shown to the customer) are free text a staff adjustment
may fill with anything about the customer. Redaction must erase them, so the append-only
trigger of 0002 now also accepts an UPDATE that sets either to '' — never to other text. The
facts (amount, kind, key, member, source, dates) stay frozen, and the status rule is unchanged.
PostgreSQL only, as 0002.
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION loyalty_points_txn_append_only() RETURNS trigger AS $$
BEGIN
    IF (to_jsonb(NEW) - 'status' - 'posted_at' - 'reason' - 'note')
       <> (to_jsonb(OLD) - 'status' - 'posted_at' - 'reason' - 'note') THEN
        RAISE EXCEPTION 'points ledger entry % is append-only', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF (NEW.reason <> OLD.reason AND NEW.reason <> '') OR (NEW.note <> OLD.note AND NEW.note <> '')
    THEN
        RAISE EXCEPTION 'points ledger entry %: free text may only be erased', OLD.id
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
"""

# 0002's function, restored on the way back.
PREVIOUS = """
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
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PREVIOUS, params=None)


class Migration(migrations.Migration):
    dependencies = [("loyalty", "0007_program_enrolment_scope")]

    operations = [migrations.RunPython(forward, backward)]
