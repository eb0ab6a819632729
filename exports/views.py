"""The passport pages, in the pupil space: choose, preview, download."""

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_POST

from classes.models import User
from classes.permissions import authenticated_user, require_pupil_space
from exports.archive import (
    MAX_UPLOAD_BYTES,
    ImportResult,
    archive_build,
    archive_import,
)
from exports.forms import ArchiveImportForm, PassportForm
from exports.leap2a import leap2a_zip
from exports.passport import (
    PassportChoice,
    build_passport,
    default_entries,
    passport_entries,
)
from exports.render import passport_html, passport_pdf
from portfolio.permissions import get_portfolio_owner_for


def _pupil(request: HttpRequest) -> User:
    user = authenticated_user(request)
    require_pupil_space(user)
    return get_portfolio_owner_for(user, user.pk, "edit")


def _choice(request: HttpRequest, owner: User) -> tuple[PassportForm, PassportChoice]:
    entries = passport_entries(owner).order_by("-start_date")
    if "entries" in request.GET or "with_project" in request.GET:
        form = PassportForm(request.GET, entries=entries)
        if form.is_valid():
            return form, form.choice()
        return form, PassportChoice()
    form = PassportForm(
        entries=entries,
        initial={
            "entries": list(default_entries(owner)),
            "with_project": True,
            "with_interviews": True,
        },
    )
    return form, PassportChoice()


@require_GET
def choose(request: HttpRequest) -> HttpResponse:
    owner = _pupil(request)
    form, _choice_made = _choice(request, owner)
    return render(
        request,
        "exports/choose.html",
        {"form": form, "query": request.GET.urlencode()},
        status=422 if form.errors else 200,
    )


@require_GET
def preview(request: HttpRequest) -> HttpResponse:
    """Exactly the PDF's page, in the browser."""
    owner = _pupil(request)
    _form, choice = _choice(request, owner)
    return HttpResponse(passport_html(build_passport(owner, choice), for_pdf=False))


@require_GET
def pdf(request: HttpRequest) -> HttpResponse:
    owner = _pupil(request)
    _form, choice = _choice(request, owner)
    archival = request.GET.get("archival") == "on"
    data = passport_pdf(
        owner,
        passport_html(build_passport(owner, choice), for_pdf=True),
        archival=archival,
    )
    name = slugify(f"passeport {owner.get_full_name()}") or "passeport"
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- The archive and the Leap2A export (“Mon archive”) -----------------------


def _zip_response(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}.zip"'
    response["Cache-Control"] = "private, no-store"
    return response


def _archive_page(
    request: HttpRequest,
    form: ArchiveImportForm,
    result: ImportResult | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "exports/archive.html",
        {"form": form, "result": result, "max_upload": MAX_UPLOAD_BYTES},
        status=status,
    )


@require_GET
def archive_page(request: HttpRequest) -> HttpResponse:
    _pupil(request)
    return _archive_page(request, ArchiveImportForm())


@require_GET
def archive_download(request: HttpRequest) -> HttpResponse:
    owner = _pupil(request)
    name = slugify(f"archive {owner.get_full_name()}") or "archive"
    return _zip_response(archive_build(owner=owner), name)


@require_POST
def archive_import_view(request: HttpRequest) -> HttpResponse:
    owner = _pupil(request)
    form = ArchiveImportForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            result = archive_import(
                by=owner,
                data=form.cleaned_data["archive"].read(),
                keep_sharing=form.cleaned_data["keep_sharing"],
            )
        except ValidationError as error:
            form.add_error("archive", error)
        else:
            return _archive_page(request, ArchiveImportForm(), result)
    return _archive_page(request, form, status=422)


@require_GET
def leap2a_download(request: HttpRequest) -> HttpResponse:
    owner = _pupil(request)
    name = slugify(f"leap2a {owner.get_full_name()}") or "leap2a"
    return _zip_response(leap2a_zip(owner=owner), name)
