"""The admin's TypeScript types are generated from the OpenAPI schema, and both are committed:
this fails when either drifts from the code (run ``make api-types`` and commit the result)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[3]
FRONTEND = ROOT / "frontend"
SCHEMA = FRONTEND / "admin" / "openapi.json"
TYPES = FRONTEND / "admin" / "src" / "api-types.ts"
GENERATOR = FRONTEND / "node_modules" / ".bin" / "openapi-typescript"
FIX = "run `make api-types` and commit frontend/admin/openapi.json and src/api-types.ts"


def test_the_committed_schema_is_the_apps(tmp_path):
    fresh = tmp_path / "openapi.json"
    call_command("spectacular", "--format", "openapi-json", "--file", str(fresh))

    assert fresh.read_text() == SCHEMA.read_text(), FIX


def test_the_committed_types_are_generated_from_the_schema(tmp_path):
    if not GENERATOR.exists() or shutil.which("node") is None:
        pytest.fail("openapi-typescript is not installed in frontend/node_modules: npm ci")
    fresh = tmp_path / "api-types.ts"
    subprocess.run(
        [str(GENERATOR), str(SCHEMA), "--output", str(fresh)],
        cwd=FRONTEND,
        check=True,
        capture_output=True,
        timeout=120,
    )

    assert fresh.read_text() == TYPES.read_text(), FIX


def test_the_schema_is_published_at_api_admin_schema_and_covers_the_admin_api_only(client, db):
    response = client.get("/api/admin/schema", {"format": "json"})

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    paths = set(schema["paths"])
    assert {"/api/admin/program", "/api/admin/members/{member_id}/adjustments"} <= paths
    assert all(p.startswith("/api/admin/") for p in paths)
    assert "/api/admin/schema" not in paths
    assert schema["components"]["securitySchemes"]["sessionToken"]["scheme"] == "bearer"
