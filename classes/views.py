"""Teacher, class and school pages. Every object comes through classes.permissions."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from classes import queries
from classes.models import SchoolYear
from classes.permissions import (
    authenticated_user,
    can_follow_class,
    can_prepare_class_council,
    can_use_school_space,
    can_use_teacher_space,
    get_class_for,
    get_school_for,
    overview_schools_of,
    pupils_visible_to,
)


def my_classes(request: HttpRequest) -> HttpResponse:
    """“Mes classes”: the classes the teacher teaches this year."""
    if not can_use_teacher_space(request.user):
        raise PermissionDenied
    year = SchoolYear.objects.current()
    return render(
        request,
        "classes/my_classes.html",
        {"year": year, "classes": queries.taught_classes(request.user, year)},
    )


def class_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = authenticated_user(request)
    school_class = get_class_for(user, pk, "view")
    pupils = list(queries.class_pupils(school_class))
    openable = set(
        pupils_visible_to(user)
        .filter(pk__in=[p.pk for p in pupils])
        .exclude(pk=user.pk)
        .values_list("pk", flat=True)
    )
    return render(
        request,
        "classes/class_detail.html",
        {
            "school_class": school_class,
            "pupils": pupils,
            "openable_pupil_ids": openable,
            "teachers": queries.class_teachers(school_class),
            "can_follow": can_follow_class(user, school_class),
            "can_prepare_council": can_prepare_class_council(user, school_class),
        },
    )


def school_home(request: HttpRequest) -> HttpResponse:
    """“Établissement”: straight to the school, or a choice for staff of several."""
    if not can_use_school_space(request.user):
        raise PermissionDenied
    schools = list(overview_schools_of(request.user))
    if len(schools) == 1:
        return redirect("classes:school_overview", pk=schools[0].pk)
    return render(request, "classes/school_choice.html", {"schools": schools})


def school_overview(request: HttpRequest, pk: int) -> HttpResponse:
    school = get_school_for(request.user, pk, "view_overview")
    year = SchoolYear.objects.current()
    levels = queries.school_levels(school, year)
    return render(
        request,
        "classes/school_overview.html",
        {
            "school": school,
            "year": year,
            "levels": levels,
            "pupil_total": sum(level.pupil_count for level in levels),
            "team": queries.school_team(school),
        },
    )
