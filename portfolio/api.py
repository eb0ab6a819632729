"""API of the portfolio: the pupil's entries (with the trash, the attachments
and the comments on them), the pupil's project, the orientation interviews and
the school overview figures. Same rules as the pages: objects from
portfolio.permissions, writes through portfolio.services, the pages' forms and
checks for the messages."""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from classes.models import SchoolYear, User
from classes.permissions import (
    classes_visible_to,
    get_assignment_for,
    get_school_for,
    require_pupil_space,
)
from classes.roles import roles_of
from portfolio import coverage, services
from portfolio.coverage_views import CoverageFilterForm
from portfolio.forms import (
    MAX_FILES_PER_ENTRY,
    CommentForm,
    EntryForm,
    FormationLineForm,
    MetierLineForm,
    ProjectForm,
)
from portfolio.models import (
    AccessLog,
    Comment,
    Entry,
    EntryKind,
    Interview,
    InterviewStatus,
    Project,
    Visibility,
)
from portfolio.permissions import (
    can_read_confidential_note,
    comments_visible_to,
    entries_visible_to,
    get_attachment_for,
    get_entry_for,
    get_interview_for,
    get_portfolio_owner_for,
    get_project_for,
    get_trashed_entry_for,
    interviews_visible_to,
    trashed_entries_visible_to,
)
from portfolio.serializers import (
    AttachmentUploadIn,
    CommentIn,
    CommentOut,
    EntryIn,
    EntryOut,
    EntryUpdateIn,
    InterviewDetailOut,
    InterviewOut,
    ProjectIn,
    ProjectOut,
    SchoolOverviewOut,
    TrashedEntryOut,
    entry_etag,
)
from webclasseur.api.base import (
    ApiListView,
    ApiView,
    FileContentNegotiation,
    acting_user,
    check_if_match,
    etag_of,
    form_errors,
)
from webclasseur.files import protected_file_response as file_response
from webclasseur.uploads import EXPECTED_TYPES, CleanUpload, check_quota, clean_upload

IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=True,
    description="The ETag read (header ETag, or the `etag` field).",
)
IF_MATCH_OPTIONAL = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="The ETag read: refused with 412 when the entry changed since.",
)


def _pupil(user: User) -> User:
    """The pupil writing in their own portfolio (403 for everyone else)."""
    require_pupil_space(user)
    return get_portfolio_owner_for(user, user.pk, "edit")


def _with_lists(entries: QuerySet[Entry]) -> QuerySet[Entry]:
    return entries.select_related("owner", "school_year").prefetch_related(
        "tags", "metiers", "formations", "attachments"
    )


def _entry_response(entry: Entry, code: int = status.HTTP_200_OK) -> Response:
    return Response(
        EntryOut(entry).data, status=code, headers={"ETag": entry_etag(entry)}
    )


def _log_reads(user: User, entries: list[Entry]) -> None:
    """Staff reads of pupils' entries go to the pupils' access log."""
    services.access_log_record_many(
        reader=user,
        reads=[(entry.owner_id, AccessLog.What.ENTRY, entry.pk) for entry in entries],
    )


# --- Entries ------------------------------------------------------------------


class EntryFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=EntryKind.choices)
    visibility = filters.ChoiceFilter(choices=Visibility.choices)
    year = filters.NumberFilter(
        field_name="school_year__start_year",
        min_value=1900,
        max_value=3000,
        help_text="First calendar year of the school year (2026 for 2026-2027).",
    )
    is_draft = filters.BooleanFilter()
    owner = filters.NumberFilter(
        field_name="owner_id", min_value=1, max_value=2**31, help_text="A pupil's id."
    )
    assignment = filters.NumberFilter(
        field_name="assignment_id", min_value=1, max_value=2**31
    )

    class Meta:
        model = Entry
        fields = ["kind", "visibility", "year", "is_draft", "owner", "assignment"]


def _form_data(data: dict[str, Any]) -> dict[str, Any]:
    """The API's fields as the page's EntryForm reads them."""
    names = [
        "kind",
        "title",
        "start_date",
        "end_date",
        "day_count",
        "organisation_name",
        "organisation_sector",
        "organisation_town",
        "contact",
        "tutor",
        "what_i_did",
        "what_i_learned",
        "what_i_liked",
        "interest",
        "visibility",
    ]
    form_data = {name: "" if data.get(name) is None else data[name] for name in names}
    form_data["tags"] = ", ".join(data.get("tags") or [])
    return form_data


def _current_input(entry: Entry) -> dict[str, Any]:
    """The entry as an input, for PATCH to change only what is sent."""
    return {
        **{name: getattr(entry, name) for name in _form_data({})},
        "tags": [tag.name for tag in entry.tags.all()],
        "metiers": [
            {"label": m.label, "rome_code": m.rome_code} for m in entry.metiers.all()
        ],
        "formations": [
            {"label": f.label, "diploma": f.diploma} for f in entry.formations.all()
        ],
        "is_draft": entry.is_draft,
    }


def _save(owner: User, entry: Entry, data: dict[str, Any]) -> Entry:
    """Check the data with the page's forms (same messages), then save through
    the service; all or nothing."""
    draft = bool(data.get("is_draft"))
    form = EntryForm(_form_data(data), instance=entry, owner=owner, draft=draft)
    metier_forms = [MetierLineForm(line) for line in data.get("metiers") or []]
    formation_forms = [FormationLineForm(line) for line in data.get("formations") or []]
    errors: dict[str, Any] = {}
    if not form.is_valid():
        errors.update(form_errors(form.errors))
    for name, line_forms in (
        ("metiers", metier_forms),
        ("formations", formation_forms),
    ):
        results = [line.is_valid() for line in line_forms]
        if not all(results):
            errors[name] = [form_errors(line.errors) for line in line_forms]
    if errors:
        raise exceptions.ValidationError(errors)
    return services.entry_save(
        by=owner,
        entry=form.save(commit=False),
        metiers=[
            services.MetierLine(
                label=line.cleaned_data["label"].strip(),
                rome_code=line.cleaned_data["rome_code"],
            )
            for line in metier_forms
            if line.cleaned_data["label"].strip()
        ],
        formations=[
            services.FormationLine(
                label=line.cleaned_data["label"].strip(),
                diploma=line.cleaned_data["diploma"].strip(),
            )
            for line in formation_forms
            if line.cleaned_data["label"].strip()
        ],
        tag_names=form.cleaned_data["tags"],
        finish=not draft,
    )


class EntryListView(ApiListView):
    """Entries the user may read: a pupil's own (drafts included), and for
    staff the finished entries their pupils share with them."""

    serializer_class = EntryOut
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = EntryFilter

    def get_queryset(self) -> QuerySet[Entry]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator
            return Entry.objects.none()
        user = acting_user(self.request)
        return _with_lists(entries_visible_to(user)).order_by(
            "-start_date", "-created_at", "-pk"
        )

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        assert page is not None  # noqa: S101 - every list is paginated
        _log_reads(acting_user(request), list(page))
        return self.get_paginated_response(EntryOut(page, many=True).data)

    @extend_schema(request=EntryIn, responses={201: EntryOut}, summary="Write an entry")
    def post(self, request: Request) -> Response:
        owner = _pupil(acting_user(request))
        serializer = EntryIn(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        entry = Entry(owner=owner)
        if data.get("assignment") is not None:
            try:
                entry.assignment = get_assignment_for(owner, data["assignment"], "view")
            except Http404:
                raise ValidationError(
                    {
                        "assignment": _(
                            "This activity does not exist or is not given to you."
                        )
                    }
                ) from None
            entry.visibility = data["visibility"]
        with transaction.atomic():
            saved = _save(owner, entry, data)
        return _entry_response(saved, status.HTTP_201_CREATED)


class EntryDetailView(ApiView):
    @extend_schema(responses=EntryOut, summary="Read an entry (with its ETag)")
    def get(self, request: Request, pk: int) -> Response:
        user = acting_user(request)
        entry = get_entry_for(user, pk, "view")
        _log_reads(user, [entry])
        return _entry_response(entry)

    def _update(self, request: Request, pk: int, *, partial: bool) -> Response:
        owner = _pupil(acting_user(request))
        serializer = EntryUpdateIn(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            # Lock the row: two clients with the same ETag cannot both pass.
            list(
                entries_visible_to(owner)
                .filter(pk=pk, owner_id=owner.pk)
                .select_for_update(of=("self",))
                .values_list("pk", flat=True)
            )
            entry = get_entry_for(owner, pk, "edit")
            check_if_match(request, entry_etag(entry))
            data = (
                {**_current_input(entry), **serializer.validated_data}
                if partial
                else dict(serializer.validated_data)
            )
            saved = _save(owner, entry, data)
        return _entry_response(saved)

    @extend_schema(
        request=EntryUpdateIn,
        responses=EntryOut,
        parameters=[IF_MATCH],
        summary="Replace an entry (If-Match required)",
    )
    def put(self, request: Request, pk: int) -> Response:
        return self._update(request, pk, partial=False)

    @extend_schema(
        request=EntryUpdateIn,
        responses=EntryOut,
        parameters=[IF_MATCH],
        summary="Change some fields of an entry (If-Match required)",
    )
    def patch(self, request: Request, pk: int) -> Response:
        return self._update(request, pk, partial=True)

    @extend_schema(
        request=None,
        responses={204: None},
        parameters=[IF_MATCH_OPTIONAL],
        summary="Move an entry to the trash",
    )
    def delete(self, request: Request, pk: int) -> Response:
        owner = _pupil(acting_user(request))
        entry = get_entry_for(owner, pk, "edit")
        check_if_match(request, entry_etag(entry), required=False)
        services.entry_move_to_trash(by=owner, entry=entry)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TrashListView(ApiListView):
    """The pupil's trash: entries they can restore until it is emptied."""

    serializer_class = TrashedEntryOut

    def get_queryset(self) -> QuerySet[Entry]:
        owner = _pupil(acting_user(self.request))
        return trashed_entries_visible_to(owner).order_by("-deleted_at", "-pk")


class EntryRestoreView(ApiView):
    @extend_schema(
        request=None, responses=EntryOut, summary="Restore an entry from the trash"
    )
    def post(self, request: Request, pk: int) -> Response:
        owner = _pupil(acting_user(request))
        entry = get_trashed_entry_for(owner, pk, "restore")
        services.entry_restore(by=owner, entry=entry)
        return _entry_response(entry)


# --- Attachments ---------------------------------------------------------------


def _checked_uploads(owner: User, files: list[UploadedFile]) -> list[CleanUpload]:
    """The page's checks, in its order and with its messages (EntryForm's
    clean_uploads): how many at once, each file's name, size and content,
    then the quota."""
    if not files:
        raise exceptions.ValidationError({"uploads": [_("This field is required.")]})
    if len(files) > MAX_FILES_PER_ENTRY:
        raise exceptions.ValidationError(
            {
                "uploads": [
                    _("Attach %(max)s files at most at once.")
                    % {"max": MAX_FILES_PER_ENTRY}
                ]
            }
        )
    cleaned: list[CleanUpload] = []
    messages: list[str] = []
    for upload in files:
        try:
            cleaned.append(clean_upload(upload))
        except ValidationError as error:
            messages += error.messages
    if messages:
        raise exceptions.ValidationError({"uploads": messages})
    try:
        check_quota(cleaned, services.attachments_used_bytes(owner))
    except ValidationError as error:
        raise exceptions.ValidationError({"uploads": error.messages}) from None
    return cleaned


class EntryAttachmentUploadView(ApiView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": AttachmentUploadIn},
        responses={201: EntryOut},
        parameters=[IF_MATCH_OPTIONAL],
        summary="Attach files to one of my entries",
        description="Multipart, one or more `uploads` parts (photos JPEG, PNG, "
        f"WebP, PDF, ODT or DOCX; {MAX_FILES_PER_ENTRY} at most at once). The "
        "checks and messages are the website's; all or nothing. Answers the "
        "entry with its new ETag.",
    )
    def post(self, request: Request, pk: int) -> Response:
        owner = _pupil(acting_user(request))
        entry = get_entry_for(owner, pk, "edit")
        unknown = sorted(set(request.data) - {"uploads"})
        if unknown:
            raise exceptions.ValidationError(
                {name: [_("This field cannot be set here.")] for name in unknown}
            )
        uploads = _checked_uploads(owner, request.FILES.getlist("uploads"))
        with transaction.atomic():
            list(
                entries_visible_to(owner)
                .filter(pk=entry.pk, owner_id=owner.pk)
                .select_for_update(of=("self",))
                .values_list("pk", flat=True)
            )
            entry = get_entry_for(owner, pk, "edit")
            check_if_match(request, entry_etag(entry), required=False)
            try:
                saved = services.entry_save(
                    by=owner,
                    entry=entry,
                    metiers=[
                        services.MetierLine(label=m.label, rome_code=m.rome_code)
                        for m in entry.metiers.all()
                    ],
                    formations=[
                        services.FormationLine(label=f.label, diploma=f.diploma)
                        for f in entry.formations.all()
                    ],
                    tag_names=[tag.name for tag in entry.tags.all()],
                    uploads=uploads,
                    finish=not entry.is_draft,
                )
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    raise
                raise exceptions.ValidationError({"uploads": error.messages}) from None
        return _entry_response(
            _with_lists(Entry.objects.filter(pk=saved.pk)).get(),
            status.HTTP_201_CREATED,
        )


class AttachmentDownloadView(ApiView):
    """The file, with the website's headers; a staff download goes to the
    pupil's access log."""

    content_negotiation_class = FileContentNegotiation

    @extend_schema(
        responses={
            (200, content_type): OpenApiTypes.BINARY
            for content_type in sorted(set(EXPECTED_TYPES.values()))
        },
        summary="Download an attachment",
        description="Images are sent inline (they were re-encoded on upload), "
        "documents as attachments; `Cache-Control: no-store`.",
    )
    def get(self, request: Request, pk: int) -> HttpResponseBase:
        user = acting_user(request)
        attachment = get_attachment_for(user, pk, "view")
        services.access_log_record(
            reader=user,
            pupil_id=attachment.entry.owner_id,
            what=AccessLog.What.ATTACHMENT,
            object_id=attachment.entry_id,
        )
        return file_response(
            attachment.file,
            name=attachment.original_name,
            content_type=attachment.content_type,
            inline=attachment.is_image,
        )


# --- Comments -------------------------------------------------------------------


class EntryCommentListView(ApiListView):
    """The comments on an entry the user reads (shared entries have them)."""

    serializer_class = CommentOut

    def get_queryset(self) -> QuerySet[Comment]:
        user = acting_user(self.request)
        entry = get_entry_for(user, self.kwargs["pk"], "view")
        services.comments_mark_read(by=user, entry=entry)
        return comments_visible_to(user).filter(entry=entry).select_related("author")

    @extend_schema(
        request=CommentIn, responses={201: CommentOut}, summary="Comment on an entry"
    )
    def post(self, request: Request, pk: int) -> Response:
        user = acting_user(request)
        entry = get_entry_for(user, pk, "comment")
        serializer = CommentIn(data=request.data)
        serializer.is_valid(raise_exception=True)
        form = CommentForm(serializer.validated_data)
        if not form.is_valid():
            raise exceptions.ValidationError(form_errors(form.errors))
        comment = services.comment_create(
            by=user, entry=entry, body=form.cleaned_data["body"]
        )
        return Response(CommentOut(comment).data, status=status.HTTP_201_CREATED)


# --- The project ------------------------------------------------------------------


def _project_etag(project: Project) -> str:
    return etag_of("project", project.pk, project.updated_at.isoformat())


def _project_data(project: Project) -> dict[str, Any]:
    wish = project.wishes.filter(school_year=SchoolYear.objects.current()).first()
    return {
        "is_shared": project.is_shared,
        "metiers": project.metiers,
        "formations": project.formations,
        "interests": {i.domain: i.level for i in project.interests.all()},
        "wish": wish.text if wish else "",
        "updated_at": project.updated_at,
        "etag": _project_etag(project),
    }


def _project_response(project: Project) -> Response:
    return Response(
        ProjectOut(_project_data(project)).data,
        headers={"ETag": _project_etag(project)},
    )


class ProjectView(ApiView):
    """The pupil's own orientation project."""

    @extend_schema(responses=ProjectOut, summary="Read my project (with its ETag)")
    def get(self, request: Request) -> Response:
        owner = _pupil(acting_user(request))
        services.project_for(owner=owner)
        return _project_response(get_project_for(owner, owner.pk, "view"))

    def _update(self, request: Request, *, partial: bool) -> Response:
        owner = _pupil(acting_user(request))
        services.project_for(owner=owner)
        serializer = ProjectIn(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            project = get_project_for(owner, owner.pk, "edit")
            check_if_match(request, _project_etag(project))
            current = _project_data(project)
            data = (
                {**current, **serializer.validated_data}
                if partial
                else {
                    "interests": {},
                    **serializer.validated_data,
                }
            )
            interests = {
                **(current["interests"] if partial else {}),
                **data["interests"],
            }
            form = ProjectForm(
                {
                    "metiers": data["metiers"],
                    "formations": data["formations"],
                    "wish": data["wish"],
                    **{f"interest_{d}": level or "" for d, level in interests.items()},
                }
            )
            if not form.is_valid():
                raise exceptions.ValidationError(form_errors(form.errors))
            services.project_update(
                by=owner,
                project=project,
                metiers=form.cleaned_data["metiers"],
                formations=form.cleaned_data["formations"],
                interests=form.interests(),
                wish=form.cleaned_data["wish"],
            )
            shared = data.get("is_shared", project.is_shared)
            if shared != project.is_shared:
                services.project_set_sharing(by=owner, project=project, shared=shared)
        return _project_response(project)

    @extend_schema(
        request=ProjectIn,
        responses=ProjectOut,
        parameters=[IF_MATCH],
        summary="Replace my project",
    )
    def put(self, request: Request) -> Response:
        return self._update(request, partial=False)

    @extend_schema(
        request=ProjectIn,
        responses=ProjectOut,
        parameters=[IF_MATCH],
        summary="Change part of my project",
    )
    def patch(self, request: Request) -> Response:
        return self._update(request, partial=True)


# --- Orientation interviews ---------------------------------------------------------


class InterviewFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=InterviewStatus.choices)
    pupil = filters.NumberFilter(
        field_name="pupil_id", min_value=1, max_value=2**31, help_text="A pupil's id."
    )
    year = filters.NumberFilter(
        field_name="school_year__start_year",
        min_value=1900,
        max_value=3000,
        help_text="First calendar year of the school year (2026 for 2026-2027).",
    )

    class Meta:
        model = Interview
        fields = ["status", "pupil", "year"]


class InterviewListView(ApiListView):
    """The interviews the user may read: a pupil's own; for staff, those of
    the pupils they follow (summary only: read one for the rest)."""

    serializer_class = InterviewOut
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = InterviewFilter

    def get_queryset(self) -> QuerySet[Interview]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator
            return Interview.objects.none()
        return (
            interviews_visible_to(acting_user(self.request))
            .defer("confidential_note")
            .select_related("pupil", "organiser", "school_year")
            .order_by("-planned_at", "-pk")
        )


class InterviewDetailView(ApiView):
    @extend_schema(
        responses=InterviewDetailOut,
        summary="Read an interview",
        description="`confidential_note` is in the answer only for the roles "
        "the school allows (the Psy-EN by default): never for the pupil, a "
        "teacher or the rest of the team. A staff read goes to the pupil's "
        "access log.",
    )
    def get(self, request: Request, pk: int) -> Response:
        user = acting_user(request)
        interview = get_interview_for(user, pk, "view")
        services.access_log_record(
            reader=user,
            pupil_id=interview.pupil_id,
            what=AccessLog.What.INTERVIEW,
            object_id=interview.pk,
        )
        serializer = InterviewDetailOut(
            interview,
            context={
                "readable_entries": entries_visible_to(user),
                "with_confidential_note": can_read_confidential_note(user, interview),
            },
        )
        return Response(serializer.data)


# --- School overview -----------------------------------------------------------------

WEEKS = OpenApiParameter(
    "weeks",
    {"type": "integer", "minimum": coverage.MIN_WEEKS, "maximum": coverage.MAX_WEEKS},
    OpenApiParameter.QUERY,
    required=False,
    description="A pupil with no activity for this many weeks counts as quiet "
    f"({coverage.DEFAULT_WEEKS} by default).",
)


def _cell(value: coverage.Cell) -> int | float | str | None:
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


class SchoolOverviewView(ApiView):
    """The school's coverage figures for its educational team: the numbers of
    the coverage page, counted over the entries the reader may read."""

    @extend_schema(
        responses=SchoolOverviewOut,
        parameters=[WEEKS],
        summary="The school's overview figures (its team)",
    )
    def get(self, request: Request, pk: int) -> Response:
        user = acting_user(request)
        school = get_school_for(user, pk, "view_overview")
        form = CoverageFilterForm(
            {"semaines": request.query_params["weeks"]}
            if "weeks" in request.query_params
            else None
        )
        if form.is_bound and not form.is_valid():
            raise exceptions.ValidationError(
                {"weeks": [str(message) for message in form.errors["semaines"]]}
            )
        data = coverage.school_coverage(
            classes=classes_visible_to(user).filter(school=school),
            readable=entries_visible_to(user),
            year=SchoolYear.objects.current(),
            weeks=form.weeks(),
            today=timezone.localdate(),
        )
        pupils = data.pupils
        tables = [
            {
                "name": table.name,
                "caption": str(table.caption),
                "columns": [str(column) for column in table.columns],
                "header_columns": len(table.header_columns),
                "rows": [
                    {
                        "headers": [str(header) for header in row.headers],
                        "cells": [_cell(cell) for cell in row.cells],
                        "is_total": row.is_total,
                    }
                    for row in table.rows
                ],
            }
            for table in coverage.all_tables(data).values()
        ]
        body = {
            "school": school.pk,
            "school_year": str(data.year) if data.year else None,
            "weeks": data.weeks,
            "since": data.since,
            "pupil_total": len(pupils),
            "with_activity": sum(1 for item in pupils if item.pupil.entry_count),
            "quiet_total": sum(1 for item in pupils if data.is_quiet(item.pupil)),
            "reads_no_entries": school.pk not in roles_of(user).team_school_ids,
            "tables": tables,
        }
        return Response(SchoolOverviewOut(body).data)
