"""Access policy for portfolio data.

The pupil owns their portfolio. An entry is private unless the pupil shares it;
a shared, finished entry is visible to the pupil's current teachers and to the
school's educational team, who may comment on it. Drafts and the trash are the
pupil's only. The project has its own sharing switch. Nothing is visible across
schools. See classes/permissions.py for the shape of these functions.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from classes.models import Enrolment, SchoolYear, User
from classes.permissions import AnyUser, get_checked, pupils_visible_to
from classes.roles import roles_of
from portfolio.models import Attachment, Comment, Entry, Project, Visibility


def portfolio_owners_visible_to(user: AnyUser) -> QuerySet[User]:
    """Pupils whose portfolio the user may open: themself, or their pupils (staff)."""
    return pupils_visible_to(user)


def _staff_readable(user: AnyUser) -> Q:
    """Finished entries of the pupils the user follows (not their own), shared
    with all their staff, or answers shared with the user as the teacher who
    gave the assignment."""
    return (
        (
            Q(visibility=Visibility.SHARED)
            | Q(visibility=Visibility.TEACHER, assignment__author_id=user.pk)
        )
        & Q(is_draft=False)
        & Q(owner__in=portfolio_owners_visible_to(user))
        & ~Q(owner_id=user.pk)
    )


def entries_visible_to(user: AnyUser) -> QuerySet[Entry]:
    """Entries the user may read, trash excluded: all their own, and the shared
    entries of the pupils they follow."""
    if not user.is_authenticated:
        return Entry.objects.none()
    return Entry.objects.alive().filter(Q(owner_id=user.pk) | _staff_readable(user))


def trashed_entries_visible_to(user: AnyUser) -> QuerySet[Entry]:
    """The user's own entries in the trash; nobody else sees a pupil's trash."""
    if not user.is_authenticated:
        return Entry.objects.none()
    return Entry.objects.in_trash().filter(owner_id=user.pk)


def can_view_portfolio(user: AnyUser, owner: User) -> bool:
    return portfolio_owners_visible_to(user).filter(pk=owner.pk).exists()


def can_edit_portfolio(user: AnyUser, owner: User) -> bool:
    """Only the pupil writes in their portfolio."""
    return user.is_authenticated and owner.pk == user.pk


def can_view_entry(user: AnyUser, entry: Entry) -> bool:
    return entries_visible_to(user).filter(pk=entry.pk).exists()


def can_edit_entry(user: AnyUser, entry: Entry) -> bool:
    """The owner edits, shares, deletes their entries; staff never do."""
    return (
        user.is_authenticated and entry.owner_id == user.pk and entry.deleted_at is None
    )


def can_restore_entry(user: AnyUser, entry: Entry) -> bool:
    return (
        user.is_authenticated
        and entry.owner_id == user.pk
        and entry.deleted_at is not None
    )


def can_comment_entry(user: AnyUser, entry: Entry) -> bool:
    """Comments live on shared, finished entries: staff who see it, and the owner."""
    return (
        entry.is_shared
        and not entry.is_draft
        and entry.deleted_at is None
        and can_view_entry(user, entry)
    )


def can_review_entry(user: AnyUser, entry: Entry) -> bool:
    """Mark an answer as reviewed: a teacher of the assignment's class this
    year, who can read the answer."""
    return (
        entry.assignment_id is not None
        and entry.assignment is not None
        and entry.assignment.school_class_id in roles_of(user).taught_class_ids
        and can_comment_entry(user, entry)
    )


PORTFOLIO_ACTIONS = {"view": can_view_portfolio, "edit": can_edit_portfolio}
ENTRY_ACTIONS = {
    "view": can_view_entry,
    "edit": can_edit_entry,
    "comment": can_comment_entry,
    "review": can_review_entry,
}


def get_portfolio_owner_for(user: AnyUser, owner_pk: int, action: str) -> User:
    """The pupil whose portfolio is asked for (404 not visible, 403 not allowed)."""
    return get_checked(
        user, portfolio_owners_visible_to(user), owner_pk, action, PORTFOLIO_ACTIONS
    )


def get_entry_for(user: AnyUser, pk: int, action: str) -> Entry:
    visible = entries_visible_to(user).select_related("owner", "assignment")
    return get_checked(user, visible, pk, action, ENTRY_ACTIONS)


def get_trashed_entry_for(user: AnyUser, pk: int, action: str) -> Entry:
    return get_checked(
        user,
        trashed_entries_visible_to(user),
        pk,
        action,
        {"restore": can_restore_entry},
    )


def attachments_visible_to(user: AnyUser) -> QuerySet[Attachment]:
    return Attachment.objects.filter(entry__in=entries_visible_to(user))


def get_attachment_for(user: AnyUser, pk: int, action: str) -> Attachment:
    attachment = (
        attachments_visible_to(user).select_related("entry").filter(pk=pk).first()
    )
    if attachment is None:
        raise Http404
    allowed = {
        "view": True,
        "delete": can_edit_entry(user, attachment.entry),
    }.get(action, False)
    if not allowed:
        raise PermissionDenied
    return attachment


def comments_visible_to(user: AnyUser) -> QuerySet[Comment]:
    """Comments on the entries the user sees (shared entries only have them)."""
    return Comment.objects.filter(entry__in=entries_visible_to(user))


def unread_comments_for(user: AnyUser) -> QuerySet[Comment]:
    """Staff comments on the user's own entries they have not seen yet."""
    if not user.is_authenticated:
        return Comment.objects.none()
    return (
        comments_visible_to(user)
        .filter(entry__owner_id=user.pk, read_by_owner_at__isnull=True)
        .exclude(author_id=user.pk)
    )


def entry_audience(entry: Entry) -> QuerySet[User]:
    """Who, besides the pupil, can read this entry now (nobody when private):
    the teachers of the pupil's class this year and their school's team."""
    if not entry.is_shared or entry.is_draft or entry.deleted_at is not None:
        return User.objects.none()
    if entry.visibility == Visibility.TEACHER:
        if entry.assignment is None or entry.assignment.author_id is None:
            return User.objects.none()
        return User.objects.filter(pk=entry.assignment.author_id).filter(
            pk__in=_staff_following(entry.owner_id)
        )
    return (
        User.objects.filter(pk__in=_staff_following(entry.owner_id))
        .exclude(pk=entry.owner_id)
        .order_by("last_name", "first_name")
    )


def _staff_following(pupil_id: int) -> QuerySet[User, Any]:
    """The pupil's teachers this year and their school's educational team."""
    enrolments = Enrolment.objects.filter(
        pupil_id=pupil_id, year=SchoolYear.objects.current()
    )
    return User.objects.filter(
        Q(teaching_assignments__school_class__in=enrolments.values("school_class"))
        | Q(staff_roles__school__in=enrolments.values("school_class__school"))
    ).values("pk")


def projects_visible_to(user: AnyUser) -> QuerySet[Project]:
    """The user's own project, and the shared projects of the pupils they follow."""
    if not user.is_authenticated:
        return Project.objects.none()
    return Project.objects.filter(
        Q(owner_id=user.pk)
        | (Q(is_shared=True) & Q(owner__in=portfolio_owners_visible_to(user)))
    )


def shared_project_of(user: AnyUser, owner_pk: int) -> Project | None:
    """The pupil's project when it is shared and the user may see it: what the
    staff pages show (the pupil's own unshared project is not part of them)."""
    return projects_visible_to(user).filter(owner_id=owner_pk, is_shared=True).first()


def get_project_for(user: AnyUser, owner_pk: int, action: str) -> Project:
    project = projects_visible_to(user).filter(owner_id=owner_pk).first()
    if project is None:
        raise Http404
    if action == "view":
        return project
    if action == "edit" and project.owner_id == user.pk:
        return project
    raise PermissionDenied
