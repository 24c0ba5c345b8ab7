"""What every admin view shares: the base class, versions (ETag / If-Match), cursor pagination,
and the error shape the OpenAPI schema documents."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response

from loyalty.services.changelog import version_of
from shopify_app.views.api import ShopAPIView


class AdminApi(ShopAPIView):
    """``request.shop`` and ``request.staff_user_id`` come from the session token."""

    @staticmethod
    def not_found(what: str) -> NotFound:
        # The same answer for "no such id" and "another shop's id": nothing leaks.
        return NotFound(f"No such {what} in this shop.")


class ErrorSerializer(serializers.Serializer):
    """``config.exceptions``' one error shape; ``extra.fields`` holds a 400's field errors."""

    message = serializers.CharField()
    code = serializers.CharField()
    extra = serializers.DictField()


ERRORS = {400: ErrorSerializer, 404: ErrorSerializer}
EDIT_ERRORS = {**ERRORS, 409: ErrorSerializer, 428: ErrorSerializer}

IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description="The version you edited (the ETag, or the body's `version`). A stale one "
    "answers 409.",
)
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description="One per form submission: a retry with it returns the first answer.",
)


def if_match(request: Request) -> str | None:
    """The version in ``If-Match`` (``"123"``, ``W/"123"`` or bare ``123``), or None."""
    raw = request.headers.get("If-Match", "").strip()
    if raw.startswith("W/"):
        raw = raw[2:]
    return raw.strip('"') or None


def with_version(response: Response, obj: Any) -> Response:
    response["ETag"] = f'"{version_of(obj)}"'
    return response


@extend_schema_field(OpenApiTypes.STR)
class VersionField(serializers.Field):
    """The object's version (as in its ETag), for a client to send back as ``If-Match``."""

    def __init__(self) -> None:
        super().__init__(source="*", read_only=True)

    def to_representation(self, value: Any) -> str:
        return version_of(value)


class AdminCursorPagination(CursorPagination):
    """Cursor pagination in the order the selector chose (its first field is the cursor's
    position, later ones break ties). Stable under inserts, and no COUNT over a big shop."""

    page_size = 50
    page_size_query_param = "limit"
    max_page_size = 200

    def get_ordering(self, request, queryset, view):
        return tuple(queryset.query.order_by)

    def paginate_queryset(self, queryset: QuerySet, request: Request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view)
        except (ValueError, TypeError, DjangoValidationError) as error:
            # A cursor that decodes but does not fit this list's order (an edited one).
            raise NotFound("Invalid cursor.") from error


def paginate(view: AdminApi, queryset: QuerySet, serializer: type[serializers.Serializer]):
    paginator = AdminCursorPagination()
    page = paginator.paginate_queryset(queryset, view.request, view=view)
    return paginator.get_paginated_response(serializer(page, many=True).data)


_PAGES: dict[type, type] = {}


def page_of(serializer: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """The schema of one page of ``serializer`` items (``next``/``previous`` cursors' URLs)."""
    if serializer not in _PAGES:
        meta = getattr(serializer, "Meta", None)
        name = getattr(meta, "ref_name", None) or serializer.__name__.replace("Serializer", "")
        _PAGES[serializer] = type(
            f"{name}Page",
            (serializers.Serializer,),
            {
                "next": serializers.URLField(allow_null=True),
                "previous": serializers.URLField(allow_null=True),
                "results": serializer(many=True),
            },
        )
    return _PAGES[serializer]


class PageQuerySerializer(serializers.Serializer):
    cursor = serializers.CharField(required=False, help_text="From a page's next/previous.")
    limit = serializers.IntegerField(required=False, min_value=1, max_value=200)


class OutputModelSerializer(serializers.ModelSerializer):
    """A ModelSerializer for answers only: every field read-only, so the schema marks them all
    present (``required``) in responses, and the generated types need no ``?``."""

    def get_fields(self):
        fields = super().get_fields()
        for field in fields.values():
            field.read_only = True
            field.required = False
        return fields
