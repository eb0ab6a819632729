"""What teachers and the educational team see of a class's portfolios: only
what each pupil shared (portfolio.permissions.entries_visible_to); and the
pages of an assignment, which show the pupils' answers."""

import datetime

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from classes import services as class_services
from classes.models import SchoolYear
from classes.permissions import (
    assignments_visible_to,
    authenticated_user,
    can_answer_assignment,
    can_edit_assignment,
    class_resources_visible_to,
    get_assignment_for,
    get_class_event_for,
    get_class_for,
)
from classes.queries import class_pupils
from classes.roles import roles_of
from portfolio import queries, services
from portfolio.permissions import entries_visible_to

SORTS = {
    "name": lambda row: (row.pupil.last_name, row.pupil.first_name),
    "entries": lambda row: (-row.total, row.pupil.last_name),
    "assignments": lambda row: (-row.assignments_answered, row.pupil.last_name),
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
        list(class_pupils(school_class)),
        entries_visible_to(user),
        year,
        assignments_visible_to(user).filter(school_class=school_class),
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


def assignment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An assignment: for a pupil, the instructions and their answer; for the
    staff, who answered (answers they may read) and what is left to review."""
    user = authenticated_user(request)
    assignment = get_assignment_for(user, pk, "view")
    is_pupil = assignment.school_class_id in roles_of(user).pupil_class_ids
    context: dict[str, object] = {
        "assignment": assignment,
        "school_class": assignment.school_class,
        "resources": class_resources_visible_to(user).filter(assignment=assignment),
        "is_pupil": is_pupil,
        "can_edit": can_edit_assignment(user, assignment),
    }
    if is_pupil:
        class_services.assignment_mark_seen(by=user, assignment=assignment)
        answer = services.answer_of(pupil=user, assignment=assignment)
        context.update(
            answer=answer,
            status=queries.assignment_status(assignment, answer, timezone.localdate()),
            can_answer=can_answer_assignment(user, assignment),
        )
    else:
        rows = queries.assignment_answers(
            assignment,
            list(class_pupils(assignment.school_class)),
            entries_visible_to(user),
        )
        context.update(
            rows=rows,
            answered=sum(1 for row in rows if row.answer),
            to_review=sum(
                1 for row in rows if row.answer and not row.answer.reviewed_at
            ),
        )
    return render(request, "portfolio/assignment_detail.html", context)


def assignment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = authenticated_user(request)
    assignment = get_assignment_for(user, pk, "edit")
    if request.method == "POST":
        unlinked = services.assignment_delete(by=user, assignment=assignment)
        messages.success(
            request,
            ngettext(
                "Activity deleted. The %(count)s answer stays in its pupil's "
                "portfolio.",
                "Activity deleted. The %(count)s answers stay in the pupils' "
                "portfolios.",
                unlinked,
            )
            % {"count": unlinked},
        )
        return redirect("classes:class_detail", pk=assignment.school_class_id)
    return render(
        request,
        "portfolio/assignment_delete.html",
        {
            "assignment": assignment,
            "school_class": assignment.school_class,
            "answer_count": entries_visible_to(user)
            .filter(assignment=assignment)
            .count(),
        },
    )


@require_POST
def event_record(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a class activity in every pupil's portfolio, once."""
    user = authenticated_user(request)
    event = get_class_event_for(user, pk, "record")
    made = services.class_event_record(by=user, event=event)
    messages.success(
        request,
        ngettext(
            "%(count)s pupil now has a draft entry to complete.",
            "%(count)s pupils now have a draft entry to complete.",
            made,
        )
        % {"count": made},
    )
    return redirect(
        reverse("classes:class_detail", args=[event.school_class_id]) + "#calendar"
    )
