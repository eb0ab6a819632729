"""What teachers and the educational team see of a class's portfolios: only
what each pupil shared (portfolio.permissions.entries_visible_to)."""

import datetime

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from classes.models import SchoolYear
from classes.permissions import authenticated_user, get_class_for
from classes.queries import class_pupils
from portfolio import queries
from portfolio.permissions import entries_visible_to

SORTS = {
    "name": lambda row: (row.pupil.last_name, row.pupil.first_name),
    "entries": lambda row: (-row.total, row.pupil.last_name),
    "last": lambda row: (row.last_activity or datetime.date.min, row.pupil.last_name),
}


@require_GET
def class_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The class's pupils with their shared entries this year, sortable; pupils
    with nothing shared yet come with a highlight."""
    user = authenticated_user(request)
    school_class = get_class_for(user, pk, "follow")
    year = SchoolYear.objects.current()
    rows = queries.class_progress(
        list(class_pupils(school_class)), entries_visible_to(user), year
    )
    sort = request.GET.get("tri", "name")
    if sort not in SORTS:
        sort = "name"
    rows.sort(key=SORTS[sort], reverse=sort == "last")
    return render(
        request,
        "portfolio/class_progress.html",
        {
            "school_class": school_class,
            "year": year,
            "rows": rows,
            "sort": sort,
            "groups": list(queries.PROGRESS_GROUPS),
            "without_entries": sum(1 for row in rows if not row.total),
        },
    )


@require_GET
def class_synthesis(request: HttpRequest, pk: int) -> HttpResponse:
    """A printable page per pupil for the conseil de classe (shared entries only)."""
    user = authenticated_user(request)
    school_class = get_class_for(user, pk, "prepare_council")
    year = SchoolYear.objects.current()
    return render(
        request,
        "portfolio/class_synthesis.html",
        {
            "school_class": school_class,
            "year": year,
            "rows": queries.class_synthesis(
                list(class_pupils(school_class)), entries_visible_to(user), year
            ),
        },
    )
