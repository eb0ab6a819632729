"""School administration (classes, teachers, team roles, settings, pupils who
leave) and the educational team's follow-up flags.

Every object comes through classes.permissions; writes go through
classes.services, which check the policy again.
"""

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from classes import queries, services
from classes.forms import (
    ClassForm,
    DepartureForm,
    FlagClearForm,
    FlagForm,
    SchoolSettingsForm,
    StaffRoleForm,
    TeachingForm,
    _PersonForm,
    form_errors_from,
)
from classes.models import Class, PupilFlag, School, SchoolYear, User
from classes.permissions import (
    authenticated_user,
    current_pupils_of,
    flaggable_pupils,
    flags_visible_to,
    get_departure_for,
    get_flag_for,
    get_school_for,
    get_staff_role_for,
    get_teaching_assignment_for,
)


def _form_page(
    request: HttpRequest,
    school: School,
    form: forms.Form,
    *,
    title: str,
    submit_label: str,
    cancel_url: str,
    intro: str = "",
    parent: tuple[str, str] | None = None,
) -> HttpResponse:
    """A form of the school administration, its errors next to their fields
    (422 when there are some)."""
    return render(
        request,
        "classes/form_page.html",
        {
            "breadcrumbs": [
                (reverse("classes:school_overview", args=[school.pk]), school.name),
                parent
                or (reverse("school_admin:manage", args=[school.pk]), _("Management")),
            ],
            "form": form,
            "page_title": title,
            "submit_label": submit_label,
            "cancel_url": cancel_url,
            "intro": intro,
        },
        status=422 if form.errors else 200,
    )


def _errors_on(form: forms.Form, error: ValidationError, **renames: str) -> None:
    """A service's errors next to the form's fields, some renamed."""
    if hasattr(error, "error_dict"):
        error = ValidationError(
            {
                renames.get(name, name): errors
                for name, errors in error.error_dict.items()
            }
        )
    form_errors_from(form, error)


# --- The management page -----------------------------------------------------


@require_GET
def manage(request: HttpRequest, pk: int) -> HttpResponse:
    """Classes and their teachers, the team, the settings, the pupils who left."""
    user = authenticated_user(request)
    school = get_school_for(user, pk, "manage")
    year = SchoolYear.objects.current()
    return render(
        request,
        "classes/school_admin/manage.html",
        {
            "school": school,
            "year": year,
            "classes": queries.school_teaching(school, year),
            "team": queries.school_team(school),
            "departures": queries.school_departures(school),
            "confidential_roles": _labels(
                school.confidential_note_roles,
                SchoolSettingsForm,
                "confidential_note_roles",
            ),
            "interview_levels": _labels(
                school.interview_levels, SchoolSettingsForm, "interview_levels"
            ),
        },
    )


def _labels(values: list[str], form_class: type[forms.Form], name: str) -> list[str]:
    choices = dict(form_class.base_fields[name].choices)  # type: ignore[attr-defined]
    return [str(choices.get(value, value)) for value in values]


def class_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = authenticated_user(request)
    school = get_school_for(user, pk, "manage")
    year = SchoolYear.objects.current()
    form = ClassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if year is None:
            raise Http404
        try:
            school_class = services.class_create(
                by=user,
                school=school,
                year=year,
                name=form.cleaned_data["name"],
                level=form.cleaned_data["level"],
            )
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(
                request, _("Class %(name)s created.") % {"name": school_class.name}
            )
            return redirect("school_admin:manage", pk=school.pk)
    return _form_page(
        request,
        school,
        form,
        title=_("Create a class"),
        intro=_("The class is created for the school year %(year)s.")
        % {"year": year or "—"},
        submit_label=_("Create the class"),
        cancel_url=reverse("school_admin:manage", args=[school.pk]),
    )


def _person_from(form: _PersonForm, *, by: User, school: School) -> User:
    """The person chosen in the list, or a new SSO-only account (in the
    caller's transaction, so nothing stays if the rest fails)."""
    data = form.cleaned_data
    if not form.is_new_person:
        person: User = data["person"]
        return person
    return services.staff_account_create(
        by=by,
        school=school,
        first_name=data["first_name"],
        last_name=data["last_name"],
        email=data["email"],
    )


def teaching_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Put a teacher in a class: someone known in the school, or a new account."""
    user = authenticated_user(request)
    school = get_school_for(user, pk, "manage")
    year = SchoolYear.objects.current()
    classes = Class.objects.filter(school=school, year=year)
    initial: dict[str, Any] = {}
    if request.GET.get("classe", "").isdigit():
        initial["school_class"] = int(request.GET["classe"])
    form = TeachingForm(
        request.POST or None,
        classes=classes,
        people=queries.school_staff(school),
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                teacher = _person_from(form, by=user, school=school)
                services.teaching_assignment_create(
                    by=user,
                    teacher=teacher,
                    school_class=data["school_class"],
                    subject=data["subject"],
                    is_principal=data["is_principal"],
                )
        except ValidationError as error:
            _errors_on(form, error, teacher="person", username="email")
        else:
            messages.success(
                request,
                _("%(teacher)s now teaches in %(class)s.")
                % {"teacher": teacher, "class": data["school_class"]},
            )
            return redirect("school_admin:manage", pk=school.pk)
    return _form_page(
        request,
        school,
        form,
        title=_("Add a teacher to a class"),
        submit_label=_("Add the teacher"),
        cancel_url=reverse("school_admin:manage", args=[school.pk]),
    )


@require_POST
def teaching_remove(request: HttpRequest, pk: int) -> HttpResponse:
    user = authenticated_user(request)
    assignment = get_teaching_assignment_for(user, pk, "remove")
    school_id = assignment.school_class.school_id
    services.teaching_assignment_remove(by=user, assignment=assignment)
    messages.success(
        request,
        _("%(teacher)s no longer teaches in %(class)s.")
        % {"teacher": assignment.teacher, "class": assignment.school_class},
    )
    return redirect("school_admin:manage", pk=school_id)


def role_grant(request: HttpRequest, pk: int) -> HttpResponse:
    user = authenticated_user(request)
    school = get_school_for(user, pk, "manage")
    form = StaffRoleForm(request.POST or None, people=queries.school_staff(school))
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                person = _person_from(form, by=user, school=school)
                staff_role = services.staff_role_grant(
                    by=user, user=person, school=school, role=form.cleaned_data["role"]
                )
        except ValidationError as error:
            _errors_on(form, error, user="person", username="email")
        else:
            messages.success(
                request,
                _("%(person)s is now %(role)s.")
                % {"person": person, "role": staff_role.get_role_display()},
            )
            return redirect("school_admin:manage", pk=school.pk)
    return _form_page(
        request,
        school,
        form,
        title=_("Give a role in the educational team"),
        submit_label=_("Give the role"),
        cancel_url=reverse("school_admin:manage", args=[school.pk]),
    )


@require_POST
def role_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user = authenticated_user(request)
    staff_role = get_staff_role_for(user, pk, "revoke")
    try:
        services.staff_role_revoke(by=user, staff_role=staff_role)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("%(person)s is no longer %(role)s.")
            % {"person": staff_role.user, "role": staff_role.get_role_display()},
        )
    return redirect("school_admin:manage", pk=staff_role.school_id)


def settings_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = authenticated_user(request)
    school = get_school_for(user, pk, "manage")
    form = SchoolSettingsForm(
        request.POST or None,
        initial={
            "confidential_note_roles": school.confidential_note_roles,
            "interview_levels": school.interview_levels,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.school_settings_update(by=user, school=school, **form.cleaned_data)
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, _("Settings saved."))
            return redirect("school_admin:manage", pk=school.pk)
    return _form_page(
        request,
        school,
        form,
        title=_("Orientation interview settings"),
        submit_label=_("Save the settings"),
        cancel_url=reverse("school_admin:manage", args=[school.pk]),
    )


def departure_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Record that a pupil left the school."""
    user = authenticated_user(request)
    school = get_school_for(user, pk, "manage")
    year = SchoolYear.objects.current()
    form = DepartureForm(
        request.POST or None,
        pupils=queries.with_class_names(current_pupils_of(school), year),
        initial={"left_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            enrolment = services.pupil_departure_record(
                by=user,
                pupil=form.cleaned_data["pupil"],
                school=school,
                left_on=form.cleaned_data["left_on"],
            )
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(
                request,
                _(
                    "Departure of %(pupil)s recorded. They keep access to their "
                    "portfolio until %(date)s."
                )
                % {"pupil": enrolment.pupil, "date": enrolment.access_until},
            )
            return redirect(
                reverse("school_admin:manage", args=[school.pk]) + "#departs"
            )
    return _form_page(
        request,
        school,
        form,
        title=_("Record a pupil's departure"),
        intro=_(
            "The pupil leaves the class lists; teachers and the team no longer "
            "see their portfolio. The pupil keeps reading and exporting it for "
            "a while. Nothing is deleted, and a departure recorded by mistake "
            "can be undone."
        ),
        submit_label=_("Record the departure"),
        cancel_url=reverse("school_admin:manage", args=[school.pk]),
    )


@require_POST
def departure_undo(request: HttpRequest, pk: int) -> HttpResponse:
    """A departure recorded by mistake: the pupil is back in their class."""
    user = authenticated_user(request)
    enrolment = get_departure_for(user, pk, "undo")
    services.pupil_departure_undo(by=user, enrolment=enrolment)
    messages.success(
        request,
        _("%(pupil)s is back in %(class)s.")
        % {"pupil": enrolment.pupil, "class": enrolment.school_class},
    )
    return redirect(
        reverse("school_admin:manage", args=[enrolment.school_class.school_id])
        + "#departs"
    )


# --- Follow-up flags -----------------------------------------------------------


@require_GET
def flag_list(request: HttpRequest, pk: int) -> HttpResponse:
    """“Élèves à suivre”: the school's pupils with an open flag."""
    user = authenticated_user(request)
    school = get_school_for(user, pk, "follow_pupils")
    year = SchoolYear.objects.current()
    flags = list(
        flags_visible_to(user)
        .filter(school=school, cleared_at__isnull=True)
        .select_related("pupil", "raised_by")
        .order_by("pupil__last_name", "pupil__first_name")
    )
    pupils = queries.with_class_names(
        User.objects.filter(pk__in=[flag.pupil_id for flag in flags]), year
    )
    class_names = {pupil.pk: getattr(pupil, "class_name", None) for pupil in pupils}
    return render(
        request,
        "classes/school_admin/flag_list.html",
        {
            "school": school,
            "rows": [(flag, class_names.get(flag.pupil_id)) for flag in flags],
        },
    )


def flag_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Flag a pupil to follow (the pupil may be given as `?eleve=<pk>`)."""
    user = authenticated_user(request)
    school = get_school_for(user, pk, "follow_pupils")
    pupils = queries.with_class_names(
        flaggable_pupils(user, school), SchoolYear.objects.current()
    )
    initial = {}
    if request.GET.get("eleve", "").isdigit():
        initial["pupil"] = int(request.GET["eleve"])
    form = FlagForm(request.POST or None, pupils=pupils, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            flag = services.pupil_flag_raise(
                by=user,
                school=school,
                pupil=form.cleaned_data["pupil"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(
                request,
                _("%(pupil)s is now among the pupils to follow.")
                % {"pupil": flag.pupil},
            )
            return redirect("school_admin:flag_list", pk=school.pk)
    return _form_page(
        request,
        school,
        form,
        title=_("Flag a pupil to follow"),
        intro=_("The educational team sees the flag; the pupil never does."),
        submit_label=_("Flag the pupil"),
        cancel_url=reverse("school_admin:flag_list", args=[school.pk]),
        parent=(
            reverse("school_admin:flag_list", args=[school.pk]),
            _("Pupils to follow"),
        ),
    )


def _history_page(
    request: HttpRequest,
    user: User,
    school: School,
    pupil: User,
    clear_form: FlagClearForm,
    status: int = 200,
) -> HttpResponse:
    flags = list(
        flags_visible_to(user)
        .filter(school=school, pupil=pupil)
        .select_related("raised_by", "cleared_by")
    )
    return render(
        request,
        "classes/school_admin/flag_history.html",
        {
            "school": school,
            "pupil": pupil,
            "open_flag": next((f for f in flags if f.cleared_at is None), None),
            "past_flags": [f for f in flags if f.cleared_at is not None],
            "clear_form": clear_form,
        },
        status=status,
    )


def _flaggable_pupil(user: User, school: School, pupil_pk: int) -> User:
    pupil = (
        queries.with_class_names(
            flaggable_pupils(user, school), SchoolYear.objects.current()
        )
        .filter(pk=pupil_pk)
        .first()
    )
    if pupil is None:
        raise Http404
    return pupil


@require_GET
def flag_history(request: HttpRequest, pk: int, pupil_pk: int) -> HttpResponse:
    """A pupil's follow-up flags in the school, the open one and the past ones."""
    user = authenticated_user(request)
    school = get_school_for(user, pk, "follow_pupils")
    pupil = _flaggable_pupil(user, school, pupil_pk)
    return _history_page(request, user, school, pupil, FlagClearForm())


@require_POST
def flag_clear(request: HttpRequest, pk: int) -> HttpResponse:
    """End a follow-up, with a note; the flag stays in the pupil's history."""
    user = authenticated_user(request)
    flag: PupilFlag = get_flag_for(user, pk, "clear")
    form = FlagClearForm(request.POST)
    if form.is_valid():
        try:
            services.pupil_flag_clear(
                by=user, flag=flag, note=form.cleaned_data["clearing_note"]
            )
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(
                request,
                _("The follow-up of %(pupil)s has ended.") % {"pupil": flag.pupil},
            )
            return redirect("school_admin:flag_list", pk=flag.school_id)
    pupil = _flaggable_pupil(user, flag.school, flag.pupil_id)
    return _history_page(request, user, flag.school, pupil, form, status=422)
