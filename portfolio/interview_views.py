"""Orientation interviews (entretiens personnalisés d'orientation): planned by
the professeur principal or the Psy-EN, prepared by the pupil, recorded after
the meeting. The confidential note is shown only where the policy allows."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from classes.forms import form_errors_from
from classes.models import SchoolYear, User
from classes.permissions import authenticated_user, can_use_pupil_space, get_class_for
from classes.queries import class_pupils
from portfolio import services
from portfolio.forms import InterviewPlanForm, InterviewPrepareForm, InterviewRecordForm
from portfolio.models import AccessLog, Entry, InterviewStatus, Visibility
from portfolio.permissions import (
    can_conduct_interview,
    can_plan_interview,
    can_plan_interviews_in,
    can_prepare_interview,
    can_read_confidential_note,
    entries_visible_to,
    get_interview_for,
    get_portfolio_owner_for,
    interviews_visible_to,
)
from webclasseur.forms import posted


@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    """The pupil's interviews."""
    user = authenticated_user(request)
    if not can_use_pupil_space(user):
        raise PermissionDenied
    return render(
        request,
        "portfolio/interviews/mine.html",
        {
            "interviews": interviews_visible_to(user)
            .filter(pupil=user)
            .defer("confidential_note")
            .select_related("organiser")
        },
    )


@require_GET
def class_list(request: HttpRequest, pk: int) -> HttpResponse:
    """Interviews to hold and held in a class this year (PP and team)."""
    user = authenticated_user(request)
    school_class = get_class_for(user, pk, "prepare_council")
    year = SchoolYear.objects.current()
    visible = (
        interviews_visible_to(user)
        .filter(school_year=year)
        .exclude(status=InterviewStatus.CANCELLED)
        .defer("confidential_note")
        .order_by("planned_at")
    )
    pupils = list(
        class_pupils(school_class).prefetch_related(
            Prefetch("interviews", queryset=visible, to_attr="year_interviews")
        )
    )
    held = sum(1 for p in pupils if any(i.is_held for i in p.year_interviews))
    return render(
        request,
        "portfolio/interviews/class_list.html",
        {
            "school_class": school_class,
            "pupils": pupils,
            "held": held,
            "to_hold": len(pupils) - held,
            "has_interviews": school_class.level
            in (school_class.school.interview_levels or []),
            # Whoever may plan with one pupil of the class may with all of them.
            "can_plan": can_plan_interviews_in(user, school_class),
        },
    )


def plan(request: HttpRequest, pupil_pk: int) -> HttpResponse:
    user = authenticated_user(request)
    pupil = get_portfolio_owner_for(user, pupil_pk, "view")
    if not can_plan_interview(user, pupil):
        raise PermissionDenied
    enrolment = pupil.enrolments.select_related("school_class__school").get(
        year=SchoolYear.objects.current()
    )
    school = enrolment.school_class.school
    staff = (
        User.objects.filter(
            Q(teaching_assignments__school_class=enrolment.school_class)
            | Q(staff_roles__school=school)
        )
        .exclude(pk=user.pk)
        .distinct()
        .order_by("last_name", "first_name")
    )
    form = InterviewPlanForm(posted(request), staff=staff)
    if request.method == "POST" and form.is_valid():
        try:
            interview = services.interview_plan(
                by=user, pupil=pupil, **form.cleaned_data
            )
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, _("Interview planned. The pupil can prepare it."))
            return redirect("interviews:detail", pk=interview.pk)
    return render(
        request,
        "portfolio/interviews/form.html",
        {
            "form": form,
            "pupil": pupil,
            "school_class": enrolment.school_class,
            "page_title": _("Plan an orientation interview with %(pupil)s")
            % {"pupil": pupil},
            "submit_label": _("Plan the interview"),
        },
        status=422 if form.errors else 200,
    )


@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = authenticated_user(request)
    interview = get_interview_for(user, pk, "view")
    is_pupil = interview.pupil_id == user.pk
    services.access_log_record(
        reader=user,
        pupil_id=interview.pupil_id,
        what=AccessLog.What.INTERVIEW,
        object_id=interview.pk,
    )
    return render(
        request,
        "portfolio/interviews/detail.html",
        {
            "interview": interview,
            "is_pupil": is_pupil,
            "participants": interview.participants.all(),
            # What the viewer may read of the entries the pupil chose.
            "entries": entries_visible_to(user).filter(
                pk__in=interview.entries.values("pk")
            ),
            "can_prepare": can_prepare_interview(user, interview),
            "can_conduct": can_conduct_interview(user, interview),
            "show_confidential": can_read_confidential_note(user, interview),
        },
    )


def prepare(request: HttpRequest, pk: int) -> HttpResponse:
    user = authenticated_user(request)
    interview = get_interview_for(user, pk, "prepare")
    choices = (
        entries_visible_to(user)
        .filter(owner=user, is_draft=False)
        .exclude(visibility=Visibility.PRIVATE)
        .order_by("-start_date")
    )
    form = InterviewPrepareForm(
        posted(request),
        choices=choices,
        initial={
            "entries": list(interview.entries.all()),
            "interests": interview.prep_interests,
            "worries": interview.prep_worries,
            "questions": interview.prep_questions,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.interview_prepare(
                by=user, interview=interview, **form.cleaned_data
            )
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, _("Your preparation is saved."))
            return redirect("interviews:detail", pk=interview.pk)
    return render(
        request,
        "portfolio/interviews/form.html",
        {
            "form": form,
            "interview": interview,
            "page_title": _("Prepare my orientation interview"),
            "submit_label": _("Save my preparation"),
            "private_count": Entry.objects.alive()
            .filter(owner=user, is_draft=False, visibility=Visibility.PRIVATE)
            .count(),
        },
        status=422 if form.errors else 200,
    )


def record(request: HttpRequest, pk: int) -> HttpResponse:
    user = authenticated_user(request)
    interview = get_interview_for(user, pk, "conduct")
    confidential = can_read_confidential_note(user, interview)
    initial = {
        "synthesis": interview.synthesis,
        "next_steps": interview.next_steps,
        "follow_up": interview.follow_up,
    }
    if confidential:
        initial["confidential_note"] = interview.confidential_note
    form = InterviewRecordForm(
        posted(request), initial=initial, with_confidential_note=confidential
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.interview_record(by=user, interview=interview, **form.cleaned_data)
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, _("Interview recorded. The pupil can read it."))
            return redirect("interviews:detail", pk=interview.pk)
    return render(
        request,
        "portfolio/interviews/form.html",
        {
            "form": form,
            "interview": interview,
            "page_title": _("After the interview with %(pupil)s")
            % {"pupil": interview.pupil},
            "submit_label": _("Save"),
        },
        status=422 if form.errors else 200,
    )


@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    user = authenticated_user(request)
    interview = get_interview_for(user, pk, "conduct")
    services.interview_cancel(by=user, interview=interview)
    messages.success(request, _("Interview cancelled."))
    return redirect("interviews:detail", pk=interview.pk)


@require_POST
def passport(request: HttpRequest, pk: int) -> HttpResponse:
    user = authenticated_user(request)
    interview = get_interview_for(user, pk, "passport")
    shown = request.POST.get("shown") == "1"
    services.interview_set_in_passport(by=user, interview=interview, shown=shown)
    messages.success(
        request,
        _("The synthesis will appear in your passport.")
        if shown
        else _("The synthesis will not appear in your passport."),
    )
    return redirect("interviews:detail", pk=interview.pk)
