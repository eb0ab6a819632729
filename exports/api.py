"""API of the exports: a pupil's passport (made at once, answered as the PDF),
and class batches (started by the class's teachers and the school's team,
followed by polling, downloaded by their requester alone). The same rules as
the pages (exports/views.py, exports/batch_views.py): objects from the
policy, batches through exports.batch."""

from typing import Any

from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from classes.models import User
from classes.permissions import get_class_for, require_pupil_space
from exports import batch as services
from exports.batch_views import _reasons as failure_reasons
from exports.forms import PassportForm
from exports.models import BatchExport, BatchStatus
from exports.passport import build_passport, default_entries, passport_entries
from exports.permissions import get_batch_for
from exports.render import passport_html, passport_pdf
from portfolio.permissions import get_portfolio_owner_for
from webclasseur.api.base import (
    ApiView,
    FileContentNegotiation,
    Gone,
    InputSerializer,
    acting_user,
    form_errors,
    validated,
)
from webclasseur.files import protected_file_response

NO_STORE = "private, no-store"


def _pupil(user: User) -> User:
    require_pupil_space(user)
    return get_portfolio_owner_for(user, user.pk, "edit")


# --- The passport -----------------------------------------------------------------


class PassportIn(InputSerializer):
    entries = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**31),
        required=False,
        allow_null=True,
        default=None,
        max_length=500,
        help_text="Ids of your finished entries to put in; left out (or null): "
        "the entries you did not keep private, as on the website.",
    )
    with_project = serializers.BooleanField(required=False, default=True)
    with_interviews = serializers.BooleanField(required=False, default=True)
    with_comments = serializers.BooleanField(required=False, default=False)
    archival = serializers.BooleanField(
        required=False, default=False, help_text="PDF/A-3b, for archiving."
    )


class PassportView(ApiView):
    content_negotiation_class = FileContentNegotiation

    @extend_schema(
        request=PassportIn,
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
        summary="Make my passport (the PDF, at once)",
        description="The passport is made during the request (a few seconds) "
        "and answered as the PDF itself: there is no job to poll.",
    )
    def post(self, request: Request) -> HttpResponseBase:
        owner = _pupil(acting_user(request))
        data = validated(PassportIn, request)
        ids = data["entries"]
        if ids is None:
            ids = list(default_entries(owner).values_list("pk", flat=True))
        form = PassportForm(
            {
                "entries": ids,
                "with_project": data["with_project"],
                "with_interviews": data["with_interviews"],
                "with_comments": data["with_comments"],
            },
            entries=passport_entries(owner),
        )
        if not form.is_valid():
            raise exceptions.ValidationError(form_errors(form.errors))
        pdf = passport_pdf(
            owner,
            passport_html(build_passport(owner, form.choice()), for_pdf=True),
            archival=data["archival"],
        )
        name = slugify(f"passeport {owner.get_full_name()}") or "passeport"
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
        response["Cache-Control"] = NO_STORE
        return response


# --- Class batches ----------------------------------------------------------------


class BatchFailureOut(serializers.Serializer):
    pupil = serializers.CharField()
    reason = serializers.ChoiceField(
        choices=[
            services.REASON_RENDER_ERROR,
            services.REASON_TIMEOUT,
            services.REASON_NOT_VISIBLE,
        ]
    )
    message = serializers.CharField()


class BatchOut(serializers.ModelSerializer):
    school_class_name: serializers.Field = serializers.CharField(
        source="school_class.name"
    )
    percent = serializers.IntegerField()
    failures = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField(
        help_text="Once done, until it expires; null before and after."
    )

    class Meta:
        model = BatchExport
        fields = [
            "id",
            "school_class",
            "school_class_name",
            "status",
            "total",
            "done",
            "percent",
            "failures",
            "created_at",
            "finished_at",
            "expires_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_failures(self, batch: BatchExport) -> Any:
        reasons = failure_reasons()
        return BatchFailureOut(
            [
                {
                    "pupil": str(failure.get("pupil", "")),
                    "reason": failure.get("reason", services.REASON_RENDER_ERROR),
                    "message": reasons.get(
                        failure.get("reason", ""),
                        reasons[services.REASON_RENDER_ERROR],
                    ),
                }
                for failure in batch.failures
            ],
            many=True,
        ).data

    def get_download_url(self, batch: BatchExport) -> str | None:
        if batch.status != BatchStatus.DONE or batch.is_expired:
            return None
        return reverse("api:batch_download", args=[batch.pk])


def _batch_response(batch: BatchExport, code: int = status.HTTP_200_OK) -> Response:
    response = Response(BatchOut(batch).data, status=code)
    response["Cache-Control"] = NO_STORE
    return response


class ClassBatchStartView(ApiView):
    @extend_schema(
        request=None,
        responses={202: BatchOut},
        summary="Export the passports of a class (a batch to poll)",
        description="The class's teachers and the school's educational team. "
        "Each passport is read through your own rights. Poll "
        "`GET /exports/{id}/` until `status` is `done` (or `failed`), then "
        "download `download_url`.",
    )
    def post(self, request: Request, pk: int) -> Response:
        user = acting_user(request)
        school_class = get_class_for(user, pk, "follow")
        batch = services.batch_start(by=user, school_class=school_class)
        response = _batch_response(batch, status.HTTP_202_ACCEPTED)
        response["Location"] = reverse("api:batch_detail", args=[batch.pk])
        return response


class BatchDetailView(ApiView):
    @extend_schema(responses=BatchOut, summary="A batch's progress (its requester)")
    def get(self, request: Request, pk: int) -> Response:
        return _batch_response(get_batch_for(acting_user(request), pk, "view"))


class BatchDownloadView(ApiView):
    content_negotiation_class = FileContentNegotiation

    @extend_schema(
        responses={
            (200, "application/zip"): OpenApiTypes.BINARY,
            410: OpenApiResponse(description="Expired"),
        },
        summary="Download a finished batch (a ZIP of PDFs)",
        description="Its requester only, once done (403 before), until it "
        "expires (410 after).",
    )
    def get(self, request: Request, pk: int) -> HttpResponseBase:
        user = acting_user(request)
        batch = get_batch_for(user, pk, "view")
        if batch.is_expired:
            raise Gone(
                _(
                    "This export has expired: exports are kept for %(hours)s "
                    "hours. Start a new one from the class page."
                )
                % {"hours": int(services.BATCH_KEEP.total_seconds() // 3600)}
            )
        batch = get_batch_for(user, pk, "download")
        return protected_file_response(
            batch.file,
            name=f"passeports-{batch.school_class.name}.zip",
            content_type="application/zip",
        )
