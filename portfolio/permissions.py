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

from classes.models import (
    Assignment,
    Class,
    Enrolment,
    School,
    SchoolYear,
    StaffRole,
    TeachingAssignment,
    User,
)
from classes.permissions import (
    AnyUser,
    followed_pupil_ids,
    get_checked,
    pupils_visible_to,
)
from classes.roles import roles_of
from portfolio.models import (
    Attachment,
    Comment,
    Entry,
    Interview,
    InterviewStatus,
    Project,
    Visibility,
)


def portfolio_owners_visible_to(user: AnyUser) -> QuerySet[User]:
    """Pupils whose portfolio the user may open: themself, or their pupils (staff)."""
    return pupils_visible_to(user)


def _readable_owner_ids(user: AnyUser) -> QuerySet[Any, Any]:
    """The owners whose entries the user may read some of: the user and the
    pupils they follow (portfolio_owners_visible_to), as one subquery the
    database answers through the enrolment and user indexes."""
    return followed_pupil_ids(user).union(
        User.objects.filter(Q(pk=user.pk)).values("pk")
    )


def _staff_readable(user: AnyUser) -> Q:
    """Of those owners' entries, the ones readable by staff: finished, shared
    with all their staff, or answers shared with the user as the teacher who
    gave the assignment."""
    return (
        Q(visibility=Visibility.SHARED)
        | Q(
            visibility=Visibility.TEACHER,
            assignment_id__in=Assignment.objects.filter(author_id=user.pk).values("pk"),
        )
    ) & Q(is_draft=False)


def entries_visible_to(user: AnyUser) -> QuerySet[Entry]:
    """Entries the user may read, trash excluded: all their own, and the shared
    entries of the pupils they follow.

    Written as "owner among (the user + their pupils)" and then "own, or
    readable by staff", so the database reads the entries by owner through
    the owner index (one short index scan per pupil), never the whole table:
    a condition "own OR (… owner among the pupils …)" cannot use an index
    (tests/test_explain.py)."""
    if not user.is_authenticated:
        return Entry.objects.none()
    return (
        Entry.objects.alive()
        .filter(owner_id__in=_readable_owner_ids(user))
        .filter(Q(owner_id=user.pk) | _staff_readable(user))
    )


def coverage_audience(user: AnyUser, school: School) -> str:
    """A name for what the user reads of the school's coverage (the classes of
    classes_visible_to and the entries of entries_visible_to, for the school's
    pupils): viewers with the same name see the same figures (the coverage
    cache shares them).

    Every member of the school's team sees all its classes and the shared
    entries of all its pupils: one audience, "team". Someone who gave
    assignments also reads the answers shared with them alone, and a pupil
    their own entries: they, and anyone else (a platform administrator
    outside the team, reading the entries of the classes they teach), get an
    audience of their own, named after their roles.
    """
    roles = roles_of(user)
    if (
        school.pk in roles.team_school_ids
        and not roles.pupil_class_ids
        and not Assignment.objects.filter(author_id=user.pk).exists()
    ):
        return "team"
    return "-".join(
        [
            f"user{user.pk}",
            "admin" if roles.is_platform_admin else "",
            "team" if school.pk in roles.team_school_ids else "",
            "p" + ".".join(map(str, sorted(roles.pupil_class_ids))),
            "t" + ".".join(map(str, sorted(roles.taught_class_ids))),
        ]
    )


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
        pupil_id=pupil_id, year=SchoolYear.objects.current(), left_on__isnull=True
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


# --- Orientation interviews (EPO) ------------------------------------------


def _principal_class_ids(user: AnyUser) -> set[int]:
    """Classes the user is professeur principal of this year."""
    if not user.is_authenticated:
        return set()
    roles = roles_of(user)
    return set(
        TeachingAssignment.objects.filter(
            teacher_id=user.pk,
            is_principal=True,
            school_class_id__in=roles.taught_class_ids,
        ).values_list("school_class_id", flat=True)
    )


def _psyen_school_ids(user: AnyUser) -> set[int]:
    if not user.is_authenticated:
        return set()
    return set(
        StaffRole.objects.filter(
            user_id=user.pk, role=StaffRole.Role.PSYEN
        ).values_list("school_id", flat=True)
    )


def interviews_visible_to(user: AnyUser) -> QuerySet[Interview]:
    """A pupil's own interviews; for staff, the interviews of the pupils of
    their school (team) or of the classes they are professeur principal of,
    and those they organise or take part in while they follow the pupil."""
    if not user.is_authenticated:
        return Interview.objects.none()
    roles = roles_of(user)
    year_id = roles.current_year_id
    followed = Q(school_id__in=roles.team_school_ids) | Q(
        pupil__enrolments__year_id=year_id,
        pupil__enrolments__school_class_id__in=_principal_class_ids(user),
    )
    involved = (Q(organiser_id=user.pk) | Q(participants__id=user.pk)) & Q(
        pupil__in=portfolio_owners_visible_to(user)
    )
    ids = Interview.objects.filter(followed | involved).values("pk")
    return Interview.objects.filter(Q(pupil_id=user.pk) | Q(pk__in=ids))


def can_plan_interview(user: AnyUser, pupil: User) -> bool:
    """The pupil's professeur principal this year, or a Psy-EN of their school."""
    if not user.is_authenticated or pupil.pk == user.pk:
        return False
    enrolment = (
        Enrolment.objects.filter(
            pupil=pupil, year_id=roles_of(user).current_year_id, left_on__isnull=True
        )
        .select_related("school_class")
        .first()
    )
    if enrolment is None:
        return False
    return can_plan_interviews_in(user, enrolment.school_class)


def can_plan_interviews_in(user: AnyUser, school_class: Class) -> bool:
    """Plan interviews with the pupils of a class this year: its professeur
    principal, a Psy-EN of its school."""
    if school_class.year_id != roles_of(user).current_year_id:
        return False
    return school_class.pk in _principal_class_ids(
        user
    ) or school_class.school_id in _psyen_school_ids(user)


def can_view_interview(user: AnyUser, interview: Interview) -> bool:
    return interviews_visible_to(user).filter(pk=interview.pk).exists()


def can_prepare_interview(user: AnyUser, interview: Interview) -> bool:
    """The pupil prepares it until it is held."""
    return interview.pupil_id == user.pk and interview.status in {
        InterviewStatus.PLANNED,
        InterviewStatus.PREPARED,
    }


def can_conduct_interview(user: AnyUser, interview: Interview) -> bool:
    """Write the synthesis and follow-up, change or cancel: whoever may plan an
    interview with the pupil, the organiser and the staff taking part."""
    if not isinstance(user, User) or interview.pupil_id == user.pk:
        return False
    if not can_view_interview(user, interview):
        return False
    return (
        interview.organiser_id == user.pk
        or interview.participants.filter(pk=user.pk).exists()
        or can_plan_interview(user, interview.pupil)
    )


def can_read_confidential_note(user: AnyUser, interview: Interview) -> bool:
    """Only staff whose team role the school allows (Psy-EN by default);
    never the pupil, never a teacher as such, never the platform admin."""
    if not user.is_authenticated or interview.pupil_id == user.pk:
        return False
    allowed = interview.school.confidential_note_roles or []
    return StaffRole.objects.filter(
        user_id=user.pk, school_id=interview.school_id, role__in=allowed
    ).exists()


def can_choose_for_passport(user: AnyUser, interview: Interview) -> bool:
    return interview.pupil_id == user.pk and interview.is_held


INTERVIEW_ACTIONS = {
    "view": can_view_interview,
    "prepare": can_prepare_interview,
    "conduct": can_conduct_interview,
    "passport": can_choose_for_passport,
}


def get_interview_for(user: AnyUser, pk: int, action: str) -> Interview:
    visible = interviews_visible_to(user).select_related(
        "pupil", "school", "organiser", "school_year"
    )
    return get_checked(user, visible, pk, action, INTERVIEW_ACTIONS)


# --- The history of an entry (portfolio/history.py) ---------------------------


def entries_with_history_visible_to(user: AnyUser) -> QuerySet[Entry]:
    """The user's own entries, trash included. Nobody else reads an entry's
    history: it holds every earlier version, private ones included."""
    if not user.is_authenticated:
        return Entry.objects.none()
    return Entry.objects.filter(owner=user)


def can_read_entry_history(user: AnyUser, entry: Entry) -> bool:
    return user.is_authenticated and entry.owner_id == user.pk


def get_entry_history_for(user: AnyUser, pk: int) -> Entry:
    """The entry whose history is asked for: 404 for anybody but its pupil."""
    return get_checked(
        user,
        entries_with_history_visible_to(user),
        pk,
        "read",
        {"read": can_read_entry_history},
    )
