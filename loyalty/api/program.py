"""The program's settings, its change history, and the onboarding's enrolment of existing
customers."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from loyalty import selectors
from loyalty.api.base import (
    EDIT_ERRORS,
    ERRORS,
    IF_MATCH,
    AdminApi,
    OutputModelSerializer,
    PageQuerySerializer,
    VersionField,
    if_match,
    page_of,
    paginate,
    with_version,
)
from loyalty.models import ChangeLog, ProgramSettings
from loyalty.services.program import EDITABLE_SETTINGS, program_settings_edit

_SETTINGS_FIELDS = sorted(EDITABLE_SETTINGS)
# The launcher texts a merchant may override (frontend/launcher/src/panel/home.tsx reads them).
LAUNCHER_TEXT_KEYS = ("guest_title", "guest_body")


class ProgramSettingsApi(AdminApi):
    """The shop's program settings. Edits send ``If-Match`` with the version they read."""

    class OutputSerializer(OutputModelSerializer):
        version = VersionField()

        class Meta:
            model = ProgramSettings
            fields = [*_SETTINGS_FIELDS, "version", "updated_at"]
            ref_name = "ProgramSettings"

    class InputSerializer(serializers.ModelSerializer):
        class Meta:
            model = ProgramSettings
            fields = _SETTINGS_FIELDS
            ref_name = "ProgramSettingsInput"
            extra_kwargs = {
                "points_per_unit": {"min_value": 0},
                "point_value_points": {"min_value": 1},
                "point_value_amount": {"min_value": 0},
                "minimum_order": {"min_value": 0},
                "expiry_months": {"min_value": 1, "max_value": 120},
                "hold_days": {"max_value": 365},
            }

        launcher_texts = serializers.DictField(
            child=serializers.CharField(allow_blank=True, max_length=300, trim_whitespace=True),
            required=False,
            help_text=f"Overrides of the launcher's texts, by key: {', '.join(LAUNCHER_TEXT_KEYS)}."
            " Plain text; an empty value restores the launcher's own.",
        )

        def validate_launcher_texts(self, value: dict[str, str]) -> dict[str, str]:
            # Only the keys the launcher reads: any other would be stored and never shown.
            unknown = sorted(set(value) - set(LAUNCHER_TEXT_KEYS))
            if unknown:
                raise serializers.ValidationError(f"Unknown text: {', '.join(unknown)}.")
            return {key: text for key, text in value.items() if text}

    @extend_schema(operation_id="program_settings_get", responses={200: OutputSerializer})
    def get(self, request):
        settings = selectors.program_settings_for(shop=request.shop)
        return with_version(Response(self.OutputSerializer(settings).data), settings)

    @extend_schema(
        operation_id="program_settings_update",
        request=InputSerializer,
        parameters=[IF_MATCH],
        responses={200: OutputSerializer, **EDIT_ERRORS},
    )
    def patch(self, request):
        payload = self.InputSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        settings = program_settings_edit(
            shop_id=request.shop.pk,
            staff_user_id=request.staff_user_id,
            version=if_match(request),
            fields=dict(payload.validated_data),
        )
        return with_version(Response(self.OutputSerializer(settings).data), settings)


class ChangeLogListApi(AdminApi):
    """Who changed what in the program, newest first."""

    class OutputSerializer(OutputModelSerializer):
        class Meta:
            model = ChangeLog
            fields = [
                "id",
                "staff_user_id",
                "action",
                "object_type",
                "object_id",
                "before",
                "after",
                "created_at",
            ]
            ref_name = "Change"

    @extend_schema(
        operation_id="changes_list",
        parameters=[PageQuerySerializer],
        responses={200: page_of(OutputSerializer), **ERRORS},
    )
    def get(self, request):
        return paginate(self, selectors.changelog_list(shop=request.shop), self.OutputSerializer)
