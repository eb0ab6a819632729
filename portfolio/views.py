"""The pupil space. Every pupil comes through portfolio.permissions."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from classes.models import SchoolYear
from classes.permissions import authenticated_user
from classes.queries import enrolment_of
from classes.roles import roles_of
from portfolio.permissions import get_portfolio_owner_for


def home(request: HttpRequest) -> HttpResponse:
    """“Mon parcours”: the pupil's own portfolio."""
    user = authenticated_user(request)
    if not roles_of(user).is_pupil:
        raise PermissionDenied
    owner = get_portfolio_owner_for(user, user.pk, "edit")
    year = SchoolYear.objects.current()
    return render(
        request,
        "portfolio/home.html",
        {"owner": owner, "enrolment": enrolment_of(owner, year)},
    )


def pupil_portfolio(request: HttpRequest, pupil_pk: int) -> HttpResponse:
    """A pupil's portfolio as their teachers and educational team see it."""
    owner = get_portfolio_owner_for(request.user, pupil_pk, "view")
    year = SchoolYear.objects.current()
    return render(
        request,
        "portfolio/pupil_portfolio.html",
        {
            "owner": owner,
            "enrolment": enrolment_of(owner, year),
            "is_owner": owner.pk == request.user.pk,
        },
    )
