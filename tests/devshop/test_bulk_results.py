"""Where bulk results go: a directory per database, a unique name per operation run."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.db import connection

from devshop import clock, conf
from devshop.models import DevBulkOperation
from devshop.services import bulk, customers

QUERY = "{ customers { nodes { id } } }"


def test_default_directory_is_per_database(settings, monkeypatch):
    settings.DEVSHOP_BULK_DIR = None
    ours = conf.bulk_results_dir()
    monkeypatch.setitem(connection.settings_dict, "NAME", "another_database")
    theirs = conf.bulk_results_dir()

    assert ours != theirs
    assert ours.parent == theirs.parent == Path(tempfile.gettempdir()) / "devshop-bulk"
    assert ours.is_dir() and theirs.is_dir()


def test_configured_directory_wins(settings, tmp_path):
    settings.DEVSHOP_BULK_DIR = str(tmp_path / "mine")

    assert conf.bulk_results_dir() == tmp_path / "mine"


def test_an_operation_id_seen_again_gets_a_new_file(devshop):
    # Another database (or a rerun on a fresh one) hands out the same operation ids.
    customers.customer_create(shop=devshop.shop, email="a@example.com")

    def run_with_id(operation_id: int) -> DevBulkOperation:
        operation = DevBulkOperation.objects.create(
            id=operation_id, shop=devshop.shop, query=QUERY, created_at=clock.now()
        )
        return bulk.bulk_operation_run(operation=operation)

    first = run_with_id(4_200_000_000_777)
    first_path = conf.bulk_results_dir() / first.file_name
    first_bytes = first_path.read_bytes()
    DevBulkOperation.objects.filter(pk=first.pk).delete()
    customers.customer_create(shop=devshop.shop, email="b@example.com")
    second = run_with_id(4_200_000_000_777)

    assert first.file_name != second.file_name
    assert first_path.read_bytes() == first_bytes  # untouched by the second run
    assert (conf.bulk_results_dir() / second.file_name).read_bytes().count(b"\n") == 2
