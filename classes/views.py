"""Teacher, class and school pages. Every object comes through classes.permissions."""

import datetime

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from classes import queries, services
from classes.forms import (
    AnnouncementForm,
    AssignmentForm,
    ClassEventForm,
    ResourceForm,
    form_errors_from,
)
from classes.models import Class, SchoolYear, User
from classes.permissions import (
    announcements_visible_to,
    assignments_visible_to,
    authenticated_user,
    can_follow_class,
    can_follow_school_pupils,
    can_manage_school,
    can_prepare_class_council,
    can_teach_class,
    can_use_school_space,
    can_use_teacher_space,
    class_events_visible_to,
    class_resources_visible_to,
    get_announcement_for,
    get_assignment_for,
    get_class_event_for,
    get_class_for,
    get_class_resource_for,
    get_school_for,
    overview_schools_of,
    pupils_visible_to,
)
from webclasseur.files import protected_file_response
from webclasseur.forms import posted, posted_files


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


@require_GET
def class_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The class space: assignments, calendar, resources, announcements, people."""
    user = authenticated_user(request)
    school_class = get_class_for(user, pk, "view")
    return _class_page(request, user, school_class, AnnouncementForm())


def _class_page(
    request: HttpRequest,
    user: User,
    school_class: Class,
    announcement_form: AnnouncementForm,
    status: int = 200,
) -> HttpResponse:
    pupils = list(queries.class_pupils(school_class))
    openable = set(
        pupils_visible_to(user)
        .filter(pk__in=[p.pk for p in pupils])
        .exclude(pk=user.pk)
        .values_list("pk", flat=True)
    )
    today = timezone.localdate()
    events = list(class_events_visible_to(user).filter(school_class=school_class))
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
            "can_teach": can_teach_class(user, school_class),
            "assignments": assignments_visible_to(user)
            .filter(school_class=school_class)
            .select_related("author")
            .order_by("is_closed", "due_on", "pk"),
            "resources": class_resources_visible_to(user).filter(
                school_class=school_class, assignment__isnull=True
            ),
            "announcements": announcements_visible_to(user)
            .filter(school_class=school_class)
            .select_related("author")[:20],
            "upcoming_events": [e for e in events if e.date >= today],
            "past_events": [e for e in events if e.date < today][::-1],
            "today": today,
            "announcement_form": announcement_form,
        },
        status=status,
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
            "can_manage": can_manage_school(request.user, school),
            "can_follow_pupils": can_follow_school_pupils(request.user, school),
        },
    )


# --- The class space: assignments, resources, announcements, activities ----


def _form_page(
    request: HttpRequest,
    school_class: Class,
    form: forms.Form,
    *,
    title: str,
    submit_label: str,
    cancel_url: str,
    intro: str = "",
) -> HttpResponse:
    return render(
        request,
        "classes/form_page.html",
        {
            "breadcrumbs": [
                (reverse("classes:class_detail", args=[school_class.pk]), school_class)
            ],
            "form": form,
            "page_title": title,
            "submit_label": submit_label,
            "cancel_url": cancel_url,
            "intro": intro,
        },
        status=422 if form.errors else 200,
    )


def assignment_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = authenticated_user(request)
    school_class = get_class_for(user, pk, "teach")
    pupils = queries.class_pupils(school_class)
    today = timezone.localdate()
    form = AssignmentForm(
        posted(request),
        pupils=pupils,
        initial={
            "opens_on": today,
            "due_on": today + datetime.timedelta(days=14),
            "answer_expected": True,
            "kind": request.GET.get("kind", ""),
        },
    )
    if request.method == "POST" and form.is_valid():
        assignment = form.create_assignment(by=user, school_class=school_class)
        if assignment is not None:
            messages.success(request, _("Activity given to the class."))
            return redirect("staff:assignment_detail", pk=assignment.pk)
    return _form_page(
        request,
        school_class,
        form,
        title=_("Give an activity to the class"),
        submit_label=_("Give the activity"),
        cancel_url=reverse("classes:class_detail", args=[school_class.pk]),
    )


def assignment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = authenticated_user(request)
    assignment = get_assignment_for(user, pk, "edit")
    school_class = assignment.school_class
    form = AssignmentForm(
        posted(request),
        pupils=queries.class_pupils(school_class),
        saved_due_on=assignment.due_on,
        initial=AssignmentForm.initial_from(assignment),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.assignment_update(
                by=user,
                assignment=assignment,
                version=data["version"] or 0,
                title=data["title"],
                kind=data["kind"],
                instructions=data["instructions"],
                opens_on=data["opens_on"],
                due_on=data["due_on"],
                answer_expected=data["answer_expected"],
                pupils=data["chosen_pupils"],
            )
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, _("Activity saved. The answers are kept."))
            return redirect("staff:assignment_detail", pk=assignment.pk)
    return _form_page(
        request,
        school_class,
        form,
        title=_("Change the activity “%(title)s”") % {"title": assignment.title},
        submit_label=_("Save the activity"),
        cancel_url=reverse("staff:assignment_detail", args=[assignment.pk]),
    )


@require_POST
def assignment_close(request: HttpRequest, pk: int) -> HttpResponse:
    user = authenticated_user(request)
    assignment = get_assignment_for(user, pk, "edit")
    closed = request.POST.get("closed") == "1"
    services.assignment_set_closed(by=user, assignment=assignment, closed=closed)
    messages.success(
        request,
        _("Activity closed: it takes no more answers.")
        if closed
        else _("Activity open to answers again."),
    )
    return redirect("staff:assignment_detail", pk=assignment.pk)


def resource_create(request: HttpRequest, pk: int) -> HttpResponse:
    """A link or a file for the class, or for one of its assignments
    (`?activite=<pk>`)."""
    user = authenticated_user(request)
    school_class = get_class_for(user, pk, "teach")
    assignment = None
    assignment_pk = request.GET.get("activite", "")
    if assignment_pk.isdigit():
        assignment = get_assignment_for(user, int(assignment_pk), "edit")
        if assignment.school_class_id != school_class.pk:
            raise Http404
    form = ResourceForm(posted(request), posted_files(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.class_resource_add(
                by=user,
                school_class=school_class,
                description=form.cleaned_data["description"],
                url=form.cleaned_data["url"] or "",
                upload=form.checked_upload,
                assignment=assignment,
            )
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, _("Resource added."))
            if assignment is not None:
                return redirect("staff:assignment_detail", pk=assignment.pk)
            return redirect("classes:class_detail", pk=school_class.pk)
    back = (
        reverse("staff:assignment_detail", args=[assignment.pk])
        if assignment
        else reverse("classes:class_detail", args=[school_class.pk])
    )
    return _form_page(
        request,
        school_class,
        form,
        title=(
            _("Add a resource to “%(title)s”") % {"title": assignment.title}
            if assignment
            else _("Add a resource for the class")
        ),
        submit_label=_("Add the resource"),
        cancel_url=back,
    )


@require_GET
def resource_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    resource = get_class_resource_for(request.user, pk, "view")
    if not resource.file:
        return redirect(resource.url)
    return protected_file_response(
        resource.file,
        name=resource.original_name,
        content_type=resource.content_type,
        inline=resource.content_type.startswith("image/"),
    )


@require_POST
def resource_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = authenticated_user(request)
    resource = get_class_resource_for(user, pk, "delete")
    services.class_resource_delete(by=user, resource=resource)
    messages.success(request, _("Resource removed."))
    if resource.assignment_id:
        return redirect("staff:assignment_detail", pk=resource.assignment_id)
    return redirect("classes:class_detail", pk=resource.school_class_id)


@require_POST
def announcement_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = authenticated_user(request)
    school_class = get_class_for(user, pk, "teach")
    form = AnnouncementForm(request.POST)
    if form.is_valid():
        try:
            services.announcement_create(
                by=user, school_class=school_class, body=form.cleaned_data["body"]
            )
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, _("Announcement published to the class."))
            return redirect("classes:class_detail", pk=school_class.pk)
    return _class_page(request, user, school_class, form, status=422)


@require_POST
def announcement_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = authenticated_user(request)
    announcement = get_announcement_for(user, pk, "delete")
    services.announcement_delete(by=user, announcement=announcement)
    messages.success(request, _("Announcement removed."))
    return redirect("classes:class_detail", pk=announcement.school_class_id)


def event_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = authenticated_user(request)
    school_class = get_class_for(user, pk, "teach")
    form = ClassEventForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.class_event_create(
                by=user, school_class=school_class, **form.cleaned_data
            )
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, _("Activity added to the class calendar."))
            return redirect(
                reverse("classes:class_detail", args=[school_class.pk]) + "#calendar"
            )
    return _form_page(
        request,
        school_class,
        form,
        title=_("Plan a class activity"),
        intro=_(
            "A visit, a forum, an interview day… Once it has happened, you can "
            "record it for the class: each pupil gets an entry to complete."
        ),
        submit_label=_("Add to the calendar"),
        cancel_url=reverse("classes:class_detail", args=[school_class.pk]),
    )


@require_POST
def event_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = authenticated_user(request)
    event = get_class_event_for(user, pk, "delete")
    services.class_event_delete(by=user, event=event)
    messages.success(
        request,
        _(
            "Activity removed from the calendar. Entries already made stay "
            "with the pupils."
        ),
    )
    return redirect(
        reverse("classes:class_detail", args=[event.school_class_id]) + "#calendar"
    )
