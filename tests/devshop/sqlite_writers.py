"""devshop on SQLite with writers at once, as in ``make dev``: its server's threads answering the
app's GraphQL calls, a bulk operation's thread and the webhook loop's process.

Run by ``test_sqlite_writers.py`` as ``python -m tests.devshop.sqlite_writers`` with
``DJANGO_SETTINGS_MODULE=devshop.settings`` and ``DEVSHOP_DATABASE_URL=sqlite:///…``. Threads
allocate ids (``DevSequence.allocate``: read the row, then write it, in one transaction) at the
same time; prints the errors and the ranges handed out as one JSON line.
"""

from __future__ import annotations

import json
import threading

import django

THREADS = 8
ROUNDS = 25


def main() -> dict[str, object]:
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from devshop.models import DevSequence

    call_command("migrate", verbosity=0)
    start = threading.Barrier(THREADS)
    errors: list[str] = []
    firsts: list[int] = []

    def writer() -> None:
        start.wait()
        try:
            for _ in range(ROUNDS):
                try:
                    firsts.append(DevSequence.allocate("Customer", 3))
                except Exception as exc:  # reported: the test asserts there are none
                    errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            connection.close()

    threads = [threading.Thread(target=writer) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        journal_mode = cursor.fetchone()[0]
    return {"errors": errors, "firsts": firsts, "journal_mode": journal_mode}


if __name__ == "__main__":
    print(json.dumps(main()))
