"""Request ids and the JSON error contract."""

from __future__ import annotations

import json
import logging

import pytest

from config.exceptions import AppError, drf_exception_handler
from config.logging import JsonFormatter, RequestIdFilter, request_id_var


@pytest.mark.django_db
def test_every_response_carries_a_request_id(client):
    response = client.get("/healthz")
    assert len(response["X-Request-ID"]) == 32


@pytest.mark.django_db
def test_a_well_formed_upstream_request_id_is_kept(client):
    response = client.get("/healthz", headers={"X-Request-ID": "lb-1234abcd"})
    assert response["X-Request-ID"] == "lb-1234abcd"


@pytest.mark.django_db
def test_a_malformed_upstream_request_id_is_replaced(client):
    response = client.get("/healthz", headers={"X-Request-ID": "<script>"})
    assert response["X-Request-ID"] != "<script>"


def test_json_log_lines_carry_the_request_id_and_extra_fields():
    record = logging.makeLogRecord(
        {"name": "t", "levelname": "INFO", "msg": "hello %s", "args": ("world",), "shop": "a"}
    )
    token = request_id_var.set("req-123")
    try:
        RequestIdFilter().filter(record)
        line = json.loads(JsonFormatter().format(record))
    finally:
        request_id_var.reset(token)
    assert line["message"] == "hello world"
    assert line["request_id"] == "req-123"
    assert line["shop"] == "a"


def test_app_errors_render_the_contract():
    class OutOfStock(AppError):
        """The reward is out of stock."""

        status = 409
        code = "out_of_stock"

    response = drf_exception_handler(OutOfStock(extra={"reward": 7}), {})
    assert response is not None
    assert response.status_code == 409
    assert response.data == {
        "message": "The reward is out of stock.",
        "code": "out_of_stock",
        "extra": {"reward": 7},
    }
