"""The passport pages, in the pupil space: choose, preview, download."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from classes.models import User
from classes.permissions import authenticated_user, require_pupil_space
from exports.forms import PassportForm
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
