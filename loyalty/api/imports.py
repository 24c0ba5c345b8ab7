"""CSV imports from another loyalty app (Smile.io, LoyaltyLion or the generic layout): upload
runs a dry run in a worker; the batch is polled for progress and its per-row diff; confirm runs
the same file for real (``loyalty.services.imports``)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from loyalty import selectors
from loyalty.api.base import ERRORS, AdminApi, OutputModelSerializer
from loyalty.exceptions import InvalidImport
from loyalty.models import ImportBatch
from loyalty.services import imports

MAX_FILE_BYTES = 20 * 1024 * 1024  # about 200,000 rows, the import's row limit
# Rows of the report an answer carries (errors first): enough to review, bounded for the page.
REPORT_ROWS = 1000


class ReportRowSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    email = serializers.CharField(allow_blank=True)
    status = serializers.ChoiceField(choices=["changed", "unchanged", "error"])
    current = serializers.IntegerField(allow_null=True, required=False)
    target = serializers.IntegerField(allow_null=True, required=False)
    delta = serializers.IntegerField(allow_null=True, required=False)
    error = serializers.CharField(allow_blank=True, required=False)

    class Meta:
        ref_name = "ImportReportRow"


class BatchSerializer(OutputModelSerializer):
    report = serializers.SerializerMethodField()
    report_truncated = serializers.SerializerMethodField()

    class Meta:
        model = ImportBatch
        fields = [
            "id",
            "format",
            "filename",
            "dry_run",
            "status",
            "rows_total",
            "rows_done",
            "rows_changed",
            "rows_unchanged",
            "rows_failed",
            "report",
            "report_truncated",
            "error",
            "created_at",
            "finished_at",
        ]
        ref_name = "ImportBatch"

    @extend_schema_field(ReportRowSerializer(many=True))
    def get_report(self, batch: ImportBatch) -> list[dict]:
        rows = sorted(batch.report or [], key=lambda r: (r.get("status") != "error", r["line"]))
        return ReportRowSerializer(rows[:REPORT_ROWS], many=True).data

    def get_report_truncated(self, batch: ImportBatch) -> bool:
        return len(batch.report or []) > REPORT_ROWS


class ImportUploadApi(AdminApi):
    """Upload a CSV: it is checked (a dry run, nothing written) in a worker. Poll the batch."""

    parser_classes = [MultiPartParser]

    class InputSerializer(serializers.Serializer):
        file = serializers.FileField()
        format = serializers.ChoiceField(choices=ImportBatch.Format.choices)

        class Meta:
            ref_name = "ImportUpload"

    @extend_schema(
        operation_id="import_upload",
        request={"multipart/form-data": InputSerializer},
        responses={202: BatchSerializer, **ERRORS},
    )
    def post(self, request):
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        upload = payload.validated_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise InvalidImport("The file is larger than 20 MB.")
        try:
            content = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise InvalidImport("The file is not UTF-8 text (export it as CSV, UTF-8).") from error
        batch = imports.points_import_enqueue(
            shop=request.shop,
            content=content,
            format=payload.validated_data["format"],
            dry_run=True,
            created_by=request.staff_user_id,
            filename=upload.name or "",
        )
        return Response(BatchSerializer(batch).data, status=status.HTTP_202_ACCEPTED)


class ImportDetailApi(AdminApi):
    """A batch's progress (``rows_done`` of ``rows_total``) and, once done, its per-row diff."""

    @extend_schema(operation_id="import_get", responses={200: BatchSerializer, **ERRORS})
    def get(self, request, batch_id):
        batch = selectors.import_batch_get(shop=request.shop, batch_id=batch_id)
        if batch is None:
            raise self.not_found("import")
        return Response(BatchSerializer(batch).data)


class ImportConfirmApi(AdminApi):
    """Run the file a finished dry run checked, for real (once: a second confirm is 409)."""

    @extend_schema(
        operation_id="import_confirm",
        request=None,
        responses={202: BatchSerializer, 409: ERRORS[400], **ERRORS},
    )
    def post(self, request, batch_id):
        batch = selectors.import_batch_get(shop=request.shop, batch_id=batch_id)
        if batch is None:
            raise self.not_found("import")
        real = imports.import_batch_confirm(batch=batch, created_by=request.staff_user_id)
        return Response(BatchSerializer(real).data, status=status.HTTP_202_ACCEPTED)
