"""The application error contract and the one DRF handler that renders it.

Every app subclasses ``AppError``; clients always get ``{"message", "code", "extra"}``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler


class AppError(Exception):
    """A business rule said no. ``status`` is the HTTP status an API answers with."""

    status = 400
    code = "error"

    def __init__(self, message: str = "", *, code: str | None = None, extra: dict | None = None):
        super().__init__(message or self.__class__.__doc__ or self.code)
        self.message = message or (self.__class__.__doc__ or self.code).strip()
        if code is not None:
            self.code = code
        self.extra = extra or {}


def drf_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, AppError):
        return Response(
            {"message": exc.message, "code": exc.code, "extra": exc.extra}, status=exc.status
        )
    if isinstance(exc, DjangoValidationError):
        # A model's ``full_clean`` in a service (constraints the serializer cannot see): the
        # same 400 shape as a serializer's field errors.
        fields = (
            exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
        )
        fields = {
            ("non_field_errors" if k == NON_FIELD_ERRORS else k): v for k, v in fields.items()
        }
        return Response(
            {"message": "Invalid input.", "code": "invalid", "extra": {"fields": fields}},
            status=400,
        )
    if isinstance(exc, Http404):  # DRF answers Django's 404 as NotFound: give it that code too
        exc = drf_exceptions.NotFound(str(exc) or None)
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, drf_exceptions.ValidationError):
        body = {"message": "Invalid input.", "code": "invalid", "extra": {"fields": exc.detail}}
    else:
        detail = getattr(exc, "detail", str(exc))
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        body = {"message": str(detail), "code": str(code), "extra": {}}
    response.data = body
    return response
