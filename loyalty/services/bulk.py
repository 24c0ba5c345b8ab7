"""Set-based writes for batched webhook processing, one statement each, where the ORM costs more.

- ``rows_insert_new``: ``INSERT … ON CONFLICT DO NOTHING RETURNING``. Django's
  ``bulk_create(ignore_conflicts=True)`` cannot tell which rows a conflict skipped, and
  ``get_or_create`` costs a round trip (and a savepoint) per row; a batch needs to know which
  ledger entries (or members) its statement wrote, so it applies only those, exactly once.
- ``rows_update``: ``UPDATE … FROM`` a list of rows. ``bulk_update`` builds a ``CASE`` expression
  per field and row, which costs more CPU than the whole rest of a batch.

Portable between PostgreSQL and SQLite (3.35+).
"""

# S608: the SQL interpolates only identifiers taken from the model and placeholder lists;
# every value is a bound parameter.
# ruff: noqa: S608
from __future__ import annotations

from collections.abc import Sequence

from django.db import connection
from django.db.models import Model

# Rows per statement: well under PostgreSQL's 65,535 bind parameters for our widest model.
CHUNK_SIZE = 500


def rows_insert_new[M: Model](*, rows: Sequence[M], unique: Sequence[str]) -> list[M]:
    """Insert ``rows`` (unsaved instances of one model), skipping those whose ``unique`` fields
    (a unique constraint's fields) match a stored row or an earlier row of ``rows``.

    Returns the rows that were inserted, with their primary key set; the skipped ones keep
    ``pk is None``. Field defaults and ``auto_now``/``auto_now_add`` apply as in ``save()``.
    """
    if not rows:
        return []
    meta = rows[0]._meta
    quote = connection.ops.quote_name
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    keys = [meta.get_field(name) for name in unique]
    columns = ", ".join(quote(f.column) for f in fields)
    key_columns = ", ".join(quote(f.column) for f in keys)
    placeholders = "(" + ", ".join(["%s"] * len(fields)) + ")"
    inserted: list[M] = []
    for start in range(0, len(rows), CHUNK_SIZE):
        chunk = rows[start : start + CHUNK_SIZE]
        params: list[object] = []
        for row in chunk:
            params += [f.get_db_prep_save(f.pre_save(row, True), connection) for f in fields]
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {quote(meta.db_table)} ({columns})"
                f" VALUES {', '.join([placeholders] * len(chunk))}"
                f" ON CONFLICT ({key_columns}) DO NOTHING"
                f" RETURNING {quote(meta.pk.column)}, {key_columns}",
                params,
            )
            new = {tuple(r[1:]): r[0] for r in cursor.fetchall()}
        for row in chunk:
            pk = new.pop(tuple(getattr(row, f.attname) for f in keys), None)
            if pk is not None:
                row.pk = pk
                row._state.adding, row._state.db = False, connection.alias
                inserted.append(row)
    return inserted


def rows_update(*, rows: Sequence[Model], fields: Sequence[str]) -> None:
    """Write ``fields`` of ``rows`` (saved instances of one model, each once) in one statement
    per chunk. The caller holds the rows' locks: the values are absolute, not increments."""
    if not rows:
        return
    meta = rows[0]._meta
    quote = connection.ops.quote_name
    table, pk = quote(meta.db_table), quote(meta.pk.column)
    targets = [meta.get_field(name) for name in fields]
    names = [quote(f.column) for f in targets]
    assignments = ", ".join(f"{name} = v.{name}" for name in names)
    postgres = connection.vendor == "postgresql"
    # PostgreSQL: a VALUES list (a UNION of 500 SELECTs costs ~1 s to plan), its first row
    # cast to the columns' types, since a column NULL in every row (no member of the chunk has
    # a birthday) would otherwise be ``text``. SQLite cannot name the columns of VALUES, so it
    # gets a UNION of SELECTs.
    first_row = ", ".join(["%s"] + [f"CAST(%s AS {f.cast_db_type(connection)})" for f in targets])
    row = ", ".join(["%s"] * (len(names) + 1))
    first = f"SELECT %s AS {pk}, " + ", ".join(f"%s AS {name}" for name in names)
    for start in range(0, len(rows), CHUNK_SIZE):
        chunk = rows[start : start + CHUNK_SIZE]
        params: list[object] = []
        for instance in chunk:
            params.append(instance.pk)
            params += [
                f.get_db_prep_save(getattr(instance, f.attname), connection) for f in targets
            ]
        if postgres:
            listed = ", ".join([f"({first_row})"] + [f"({row})"] * (len(chunk) - 1))
            source = f"(VALUES {listed}) AS v ({pk}, {', '.join(names)})"
        else:
            source = "(" + " UNION ALL ".join([first] + [f"SELECT {row}"] * (len(chunk) - 1))
            source += ") AS v"
        sql = f"UPDATE {table} SET {assignments} FROM {source} WHERE {table}.{pk} = v.{pk}"
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
