"""The pupil space, and the read-only views staff have of it.

Views stay thin: objects come from portfolio.permissions, writes go through
portfolio.services, reads through portfolio.queries.
"""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.forms import BaseFormSet
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_POST

from classes.models import Assignment, SchoolYear, User
from classes.permissions import (
    assignments_visible_to,
    authenticated_user,
    can_answer_assignment,
    get_assignment_for,
    require_pupil_space,
)
from classes.queries import enrolment_of
from portfolio import queries, services
from portfolio.forms import (
    CommentForm,
    EntryForm,
    FormationFormSet,
    MetierFormSet,
    ProjectForm,
    SelfAssessmentForm,
    TimelineFilterForm,
)
from portfolio.models import (
    AccessLog,
    Competence,
    Entry,
    EntryKind,
    Metier,
    Project,
    RomeDomain,
    SelfAssessment,
    Visibility,
)
from portfolio.permissions import (
    can_comment_entry,
    can_edit_entry,
    can_review_entry,
    entries_visible_to,
    entry_audience,
    get_attachment_for,
    get_entry_for,
    get_portfolio_owner_for,
    get_project_for,
    get_trashed_entry_for,
    shared_project_of,
    trashed_entries_visible_to,
    unread_comments_for,
)
from webclasseur.files import protected_file_response
from webclasseur.forms import posted


def _pupil(request: HttpRequest) -> User:
    """The logged-in pupil; the pupil space is for pupils only."""
    user = authenticated_user(request)
    require_pupil_space(user)
    get_portfolio_owner_for(user, user.pk, "edit")
    # request.user itself, not the row read again: its roles are already
    # computed (classes.roles caches them on the object).
    return user


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """“Mon parcours”: the timeline of the pupil's own entries."""
    owner = _pupil(request)
    own = entries_visible_to(owner).filter(owner=owner)
    filters = TimelineFilterForm(
        request.GET or None,
        years=queries.owner_years(own),
        tags=list(owner.tags.values_list("name", flat=True)),
    )
    entries = own
    if filters.is_valid():
        entries = queries.apply_filters(own, filters.cleaned_data)
    year = SchoolYear.objects.current()
    groups = queries.group_by_school_year(list(queries.with_timeline_data(entries)))
    return render(
        request,
        "portfolio/home.html",
        {
            "owner": owner,
            "enrolment": enrolment_of(owner, year),
            "groups": groups,
            "filters": filters,
            "is_filtered": bool(request.GET) and filters.is_valid(),
            "counts": queries.counts_by_kind(own, year),
            "has_entries": bool(groups) or own.exists(),
            "trash_count": trashed_entries_visible_to(owner).count(),
            "unread_entries": _unread_entries(owner),
            "assignments": [
                row
                for row in queries.pupil_assignments(
                    owner, assignments_visible_to(owner), own
                )
                if row.status not in {"done", "closed"}
            ],
        },
    )


def _unread_entries(owner: User) -> list[Entry]:
    """The pupil's entries with comments they have not read yet."""
    return list(
        entries_visible_to(owner)
        .filter(pk__in=unread_comments_for(owner).values("entry"))
        .order_by("-updated_at")[:10]
    )


def _entry_forms(
    request: HttpRequest, owner: User, entry: Entry, *, draft: bool
) -> tuple[EntryForm, BaseFormSet, BaseFormSet]:
    bound = request.method == "POST"
    initial_metiers = (
        [{"label": m.label, "rome_code": m.rome_code} for m in entry.metiers.all()]
        if entry.pk
        else []
    )
    initial_formations = (
        [{"label": f.label, "diploma": f.diploma} for f in entry.formations.all()]
        if entry.pk
        else []
    )
    form = EntryForm(
        request.POST if bound else None,
        request.FILES if bound else None,
        instance=entry,
        owner=owner,
        draft=draft,
        initial=_prefill(request) if not entry.pk else None,
    )
    metiers = MetierFormSet(
        request.POST if bound else None, prefix="metiers", initial=initial_metiers
    )
    formations = FormationFormSet(
        request.POST if bound else None, prefix="formations", initial=initial_formations
    )
    return form, metiers, formations


def _prefill(request: HttpRequest) -> dict[str, str]:
    kind = request.GET.get("kind", "")
    return {"kind": kind} if kind in EntryKind.values else {}


def _lines(formset: BaseFormSet, cls: type) -> list[Any]:
    return [
        cls(**{k: v.strip() for k, v in data.items()})
        for data in formset.cleaned_data
        if data and data.get("label", "").strip()
    ]


def _save_entry(request: HttpRequest, owner: User, entry: Entry) -> HttpResponse:
    draft = "save_draft" in request.POST
    form, metiers, formations = _entry_forms(request, owner, entry, draft=draft)
    if request.method == "POST":
        if form.is_valid() and metiers.is_valid() and formations.is_valid():
            is_new = entry.pk is None
            try:
                saved = services.entry_save(
                    by=owner,
                    entry=form.save(commit=False),
                    metiers=_lines(metiers, services.MetierLine),
                    formations=_lines(formations, services.FormationLine),
                    tag_names=form.cleaned_data["tags"],
                    uploads=form.checked_uploads,
                    finish=not draft,
                )
            except (ValidationError, OSError) as error:
                if is_new:
                    # The insert was rolled back: the form is still a new entry.
                    entry.pk = None
                    entry._state.adding = True
                if isinstance(error, OSError):
                    # Full disk or storage error: entry_save rolled back the
                    # rows and deleted the files it had written.
                    import logging

                    logging.getLogger(__name__).exception(
                        "entry save: the storage failed"
                    )
                    form.add_error(
                        "uploads" if form.checked_uploads else None,
                        _(
                            "Saving the file failed (storage error). Nothing "
                            "was saved: try again in a few minutes, or save "
                            "the entry without its file."
                        ),
                    )
                else:
                    form.add_error(None, error)
            else:
                if draft:
                    messages.info(request, _("Draft saved. Finish it when you like."))
                    return redirect("portfolio:entry_edit", pk=saved.pk)
                messages.success(request, _("Entry saved."))
                return redirect("portfolio:entry_detail", pk=saved.pk)
        if request.FILES:
            messages.warning(
                request,
                _(
                    "Nothing was saved yet: correct the fields shown, then "
                    "choose your files again."
                ),
            )
    drafts = (
        entries_visible_to(owner)
        .filter(owner=owner, is_draft=True)
        .exclude(pk=entry.pk)
        if entry.pk is None
        else Entry.objects.none()
    )
    return render(
        request,
        "portfolio/entry_form.html",
        {
            "form": form,
            "metiers": metiers,
            "formations": formations,
            "entry": entry,
            "drafts": drafts[:3],
        },
        status=422 if form.errors or metiers.total_error_count() else 200,
    )


def entry_create(request: HttpRequest) -> HttpResponse:
    owner = _pupil(request)
    entry = Entry(owner=owner)
    assignment = _answered_assignment(request, owner)
    if assignment is not None:
        existing = services.answer_of(pupil=owner, assignment=assignment)
        if existing is not None:
            return redirect("portfolio:entry_edit", pk=existing.pk)
        if not can_answer_assignment(owner, assignment):
            messages.error(
                request, _("This activity is closed: it takes no more answers.")
            )
            return redirect("staff:assignment_detail", pk=assignment.pk)
        entry = services.answer_draft_for(by=owner, assignment=assignment)
    draft_pk = request.POST.get("draft_pk", "")
    if draft_pk.isdigit():
        # The page kept a draft while the pupil typed: finish that one.
        draft = get_entry_for(owner, int(draft_pk), "edit")
        if draft.is_draft:
            entry = draft
    return _save_entry(request, owner, entry)


def _answered_assignment(request: HttpRequest, owner: User) -> Assignment | None:
    """The assignment a new entry answers (`activite` in the query or form)."""
    raw = request.POST.get("activite") or request.GET.get("activite", "")
    if not raw.isdigit():
        return None
    return get_assignment_for(owner, int(raw), "view")


def entry_edit(request: HttpRequest, pk: int) -> HttpResponse:
    owner = _pupil(request)
    entry = get_entry_for(owner, pk, "edit")
    return _save_entry(request, owner, entry)


@require_POST
def draft_autosave(request: HttpRequest) -> HttpResponse:
    """htmx: keep what the pupil typed as a draft while they write."""
    owner = _pupil(request)
    draft_pk = request.POST.get("draft_pk", "")
    entry = (
        get_entry_for(owner, int(draft_pk), "edit")
        if draft_pk.isdigit()
        else Entry(owner=owner)
    )
    if entry.pk and not entry.is_draft:
        return HttpResponse(status=204)  # finished entries are saved explicitly
    if entry.pk is None:
        assignment = _answered_assignment(request, owner)
        if assignment is not None and can_answer_assignment(owner, assignment):
            entry.assignment = assignment
    form = EntryForm(request.POST, instance=entry, owner=owner, draft=True)
    metiers = MetierFormSet(request.POST, prefix="metiers")
    formations = FormationFormSet(request.POST, prefix="formations")
    saved = None
    if form.is_valid() and metiers.is_valid() and formations.is_valid():
        saved = services.entry_save(
            by=owner,
            entry=form.save(commit=False),
            metiers=_lines(metiers, services.MetierLine),
            formations=_lines(formations, services.FormationLine),
            tag_names=form.cleaned_data["tags"],
            finish=False,
        )
    return render(
        request, "portfolio/_draft_status.html", {"saved": saved, "entry": entry}
    )


def _entry_page(
    request: HttpRequest,
    user: User,
    entry: Entry,
    comment_form: CommentForm,
    status: int = 200,
) -> HttpResponse:
    entry = queries.with_timeline_data(Entry.objects.filter(pk=entry.pk)).get()
    is_owner = entry.owner_id == user.pk
    return render(
        request,
        "portfolio/entry_detail.html",
        {
            "entry": entry,
            "is_owner": is_owner,
            "can_edit": can_edit_entry(user, entry),
            "can_comment": can_comment_entry(user, entry),
            "can_review": can_review_entry(user, entry),
            "visibilities": services.visibilities_for(entry),
            "comments": entry.comments.select_related("author"),
            "attachments": entry.attachments.all(),
            "formations": entry.formations.all(),
            "audience": entry_audience(entry) if is_owner else [],
            "comment_form": comment_form,
        },
        status=status,
    )


def entry_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = authenticated_user(request)
    entry = get_entry_for(user, pk, "view")
    services.comments_mark_read(by=user, entry=entry)
    services.access_log_record(
        reader=user,
        pupil_id=entry.owner_id,
        what=AccessLog.What.ENTRY,
        object_id=entry.pk,
    )
    return _entry_page(request, user, entry, CommentForm())


SHARING_MESSAGES = {
    Visibility.SHARED: _lazy(
        "Entry shared with your teachers and the educational team."
    ),
    Visibility.TEACHER: _lazy("Entry shared with the teacher who gave the activity."),
    Visibility.PRIVATE: _lazy("Entry private again: only you can see it."),
}


@require_POST
def entry_share(request: HttpRequest, pk: int) -> HttpResponse:
    owner = _pupil(request)
    entry = get_entry_for(owner, pk, "edit")
    visibility = request.POST.get("visibility", "")
    try:
        services.entry_set_visibility(by=owner, entry=entry, visibility=visibility)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, SHARING_MESSAGES[Visibility(visibility)])
    return redirect("portfolio:entry_detail", pk=entry.pk)


@require_POST
def entry_review(request: HttpRequest, pk: int) -> HttpResponse:
    """The teacher marks an answer as reviewed (or takes the mark back)."""
    user = authenticated_user(request)
    entry = get_entry_for(user, pk, "review")
    reviewed = request.POST.get("reviewed") != "0"
    services.entry_mark_reviewed(by=user, entry=entry, reviewed=reviewed)
    messages.success(
        request,
        _("Answer marked as reviewed.") if reviewed else _("Review mark removed."),
    )
    return redirect("portfolio:entry_detail", pk=entry.pk)


def entry_delete(request: HttpRequest, pk: int) -> HttpResponse:
    owner = _pupil(request)
    entry = get_entry_for(owner, pk, "edit")
    if request.method == "POST":
        services.entry_move_to_trash(by=owner, entry=entry)
        messages.success(
            request,
            _("“%(title)s” moved to the trash. You can restore it from there.")
            % {"title": entry},
        )
        return redirect("portfolio:home")
    return render(request, "portfolio/entry_delete.html", {"entry": entry})


@require_GET
def trash(request: HttpRequest) -> HttpResponse:
    owner = _pupil(request)
    return render(
        request,
        "portfolio/trash.html",
        {
            "entries": trashed_entries_visible_to(owner).order_by("-deleted_at"),
            "retention_days": settings.TRASH_RETENTION_DAYS,
        },
    )


@require_POST
def entry_restore(request: HttpRequest, pk: int) -> HttpResponse:
    owner = _pupil(request)
    entry = get_trashed_entry_for(owner, pk, "restore")
    services.entry_restore(by=owner, entry=entry)
    messages.success(request, _("“%(title)s” is back in your path.") % {"title": entry})
    return redirect("portfolio:entry_detail", pk=entry.pk)


@require_POST
def comment_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = authenticated_user(request)
    entry = get_entry_for(user, pk, "comment")
    form = CommentForm(request.POST)
    if form.is_valid():
        services.comment_create(by=user, entry=entry, body=form.cleaned_data["body"])
        messages.success(request, _("Comment posted."))
        return redirect(
            reverse("portfolio:entry_detail", args=[entry.pk]) + "#comments"
        )
    return _entry_page(request, user, entry, form, status=422)


@require_GET
def attachment_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Only through the policy; inline only for images we re-encoded ourselves."""
    user = authenticated_user(request)
    attachment = get_attachment_for(user, pk, "view")
    services.access_log_record(
        reader=user,
        pupil_id=attachment.entry.owner_id,
        what=AccessLog.What.ATTACHMENT,
        object_id=attachment.entry_id,
    )
    return protected_file_response(
        attachment.file,
        name=attachment.original_name,
        content_type=attachment.content_type,
        inline=attachment.is_image,
    )


@require_GET
def attachment_thumbnail(request: HttpRequest, pk: int) -> HttpResponseBase:
    attachment = get_attachment_for(authenticated_user(request), pk, "view")
    if not attachment.thumbnail:
        raise Http404  # documents have no thumbnail
    return protected_file_response(
        attachment.thumbnail,
        name=f"vignette-{attachment.pk}.jpg",
        content_type="image/jpeg",
        inline=True,
    )


@require_POST
def attachment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = authenticated_user(request)
    attachment = get_attachment_for(user, pk, "delete")
    entry_pk = attachment.entry_id
    services.attachment_delete(by=user, attachment=attachment)
    messages.success(request, _("Attachment deleted."))
    return redirect("portfolio:entry_edit", pk=entry_pk)


def pupil_portfolio(request: HttpRequest, pupil_pk: int) -> HttpResponse:
    """A pupil's portfolio as their teachers and educational team see it:
    shared entries only."""
    user = authenticated_user(request)
    owner = get_portfolio_owner_for(user, pupil_pk, "view")
    services.access_log_record(
        reader=user, pupil_id=owner.pk, what=AccessLog.What.PORTFOLIO
    )
    shared = entries_visible_to(user).filter(owner=owner)
    if owner.pk == user.pk:
        shared = shared.filter(visibility=Visibility.SHARED, is_draft=False)
    year = SchoolYear.objects.current()
    return render(
        request,
        "portfolio/pupil_portfolio.html",
        {
            "owner": owner,
            "enrolment": enrolment_of(owner, year),
            "is_owner": owner.pk == user.pk,
            "groups": queries.group_by_school_year(
                list(queries.with_timeline_data(shared))
            ),
            "project_shared": shared_project_of(user, owner.pk) is not None,
        },
    )


def _project_context(project: Project) -> dict[str, object]:
    interests = {i.domain: i for i in project.interests.all()}
    latest: dict[int, SelfAssessment] = {}
    history: dict[int, list[SelfAssessment]] = {}
    for assessment in project.self_assessments.select_related("competence"):
        latest.setdefault(assessment.competence_id, assessment)
        history.setdefault(assessment.competence_id, []).append(assessment)
    competences = list(Competence.objects.filter(is_active=True))
    return {
        "project": project,
        "domains": [(d, interests.get(d.value)) for d in RomeDomain],
        "wishes": project.wishes.select_related("school_year"),
        "competences": [
            (c, latest.get(c.pk), history.get(c.pk, [])) for c in competences
        ],
    }


def _own_project(request: HttpRequest) -> tuple[User, Project]:
    """The pupil and their project (opened on first visit), through the policy."""
    owner = _pupil(request)
    services.project_for(owner=owner)
    return owner, get_project_for(owner, owner.pk, "edit")


@require_GET
def project(request: HttpRequest) -> HttpResponse:
    owner = _pupil(request)
    current = services.project_for(owner=owner)
    return render(
        request,
        "portfolio/project.html",
        {**_project_context(current), "is_owner": True, "owner": owner},
    )


def project_edit(request: HttpRequest) -> HttpResponse:
    owner, current = _own_project(request)
    year = SchoolYear.objects.current()
    wish = current.wishes.filter(school_year=year).first()
    initial = {
        "metiers": current.metiers,
        "formations": current.formations,
        "wish": wish.text if wish else "",
        **{f"interest_{i.domain}": i.level for i in current.interests.all()},
    }
    form = ProjectForm(posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        services.project_update(
            by=owner,
            project=current,
            metiers=form.cleaned_data["metiers"],
            formations=form.cleaned_data["formations"],
            interests=form.interests(),
            wish=form.cleaned_data["wish"],
        )
        messages.success(request, _("Project saved."))
        return redirect("portfolio:project")
    return render(
        request,
        "portfolio/project_form.html",
        {"form": form, "year": year},
        status=422 if form.errors else 200,
    )


def self_assessment(request: HttpRequest) -> HttpResponse:
    owner, current = _own_project(request)
    competences = list(Competence.objects.filter(is_active=True))
    form = SelfAssessmentForm(posted(request), competences=competences)
    if request.method == "POST" and form.is_valid():
        services.self_assessment_record(by=owner, project=current, levels=form.levels())
        messages.success(request, _("Self-assessment recorded for today."))
        return redirect("portfolio:project")
    return render(
        request,
        "portfolio/self_assessment.html",
        {"form": form, "competences": competences},
        status=422 if form.errors else 200,
    )


@require_POST
def project_share(request: HttpRequest) -> HttpResponse:
    owner, current = _own_project(request)
    shared = request.POST.get("shared") == "yes"
    services.project_set_sharing(by=owner, project=current, shared=shared)
    messages.success(
        request,
        _("Project shared with your teachers and the educational team.")
        if shared
        else _("Project private again."),
    )
    return redirect("portfolio:project")


@require_GET
def pupil_project(request: HttpRequest, pupil_pk: int) -> HttpResponse:
    user = authenticated_user(request)
    owner = get_portfolio_owner_for(user, pupil_pk, "view")
    shared = shared_project_of(user, owner.pk)
    if shared is None:
        raise Http404
    services.access_log_record(
        reader=user, pupil_id=owner.pk, what=AccessLog.What.PROJECT
    )
    return render(
        request,
        "portfolio/project.html",
        {**_project_context(shared), "is_owner": False, "owner": owner},
    )


@require_GET
def metier_search(request: HttpRequest) -> HttpResponse:
    """Autocomplete for the métier fields (a <datalist> fragment for htmx)."""
    authenticated_user(request)
    # htmx sends the métier field under its own name (metiers-0-label).
    term = request.GET.get("q") or next(
        (request.GET.get(key, "") for key in request.GET if key.endswith("label")), ""
    )
    term = term.strip()[:60]
    found = (
        Metier.objects.filter(Q(label__icontains=term) | Q(rome_code=term.upper()))[:15]
        if len(term) >= 2
        else Metier.objects.none()
    )
    return render(request, "portfolio/_metier_options.html", {"metiers": found})


@require_GET
def access_log(request: HttpRequest) -> HttpResponse:
    """“Qui a consulté mon parcours”: every opening of the pupil's portfolio
    by a member of staff, newest first."""
    owner = _pupil(request)
    return render(
        request,
        "portfolio/access_log.html",
        {"rows": AccessLog.objects.filter(pupil=owner)[:200]},
    )
