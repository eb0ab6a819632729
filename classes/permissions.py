"""Access policy for schools, classes and people.

Three kinds of functions, all taking the acting user first:

- `can_<action>(user, obj)`: may this user do this to this object?
- `<things>_visible_to(user)`: the queryset of what the user may see; lists
  are built from these so a list never shows what a detail page would refuse.
- `get_<thing>_for(user, pk, action)`: the object, or Http404 when the user may
  not see it (no existence leak), or PermissionDenied when the user sees it but
  may not do `action` to it. An unknown action is always denied.

Nothing is visible across schools, except to a platform administrator.
"""

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, Model, OuterRef, Q, QuerySet, Subquery
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from classes.models import (
    Announcement,
    Assignment,
    Class,
    ClassEvent,
    ClassResource,
    Enrolment,
    PupilFlag,
    School,
    SchoolYear,
    StaffRole,
    TeachingAssignment,
    User,
)
from classes.roles import roles_of

AnyUser = User | AnonymousUser
T = TypeVar("T", bound=Model)


def get_checked(
    user: AnyUser,
    visible: QuerySet[T],
    pk: int,
    action: str,
    checks: Mapping[str, Callable[[Any, Any], bool]],
) -> T:
    """The object `pk` among `visible`: 404 when the user may not see it, 403
    when they see it but `action` is not allowed (or unknown)."""
    found = visible.filter(pk=pk).first()
    if found is None:
        raise Http404
    check = checks.get(action)
    if check is None or not check(user, found):
        raise PermissionDenied
    return found


# Staff roles that administer a school (accounts, classes, year roll-over).
SCHOOL_MANAGER_ROLES = frozenset(
    {StaffRole.Role.HEAD, StaffRole.Role.DEPUTY, StaffRole.Role.SCHOOL_ADMIN}
)


def authenticated_user(request: HttpRequest) -> User:
    """The logged-in user of a request (LoginRequiredMiddleware guarantees one)."""
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


def can_use_pupil_space(user: AnyUser) -> bool:
    """“Mon parcours”: pupils enrolled this year, and pupils who left their
    school, until the end of the access they keep to their own portfolio."""
    roles = roles_of(user)
    return roles.is_pupil or roles.former_pupil_until is not None


def require_pupil_space(user: AnyUser) -> None:
    """PermissionDenied unless the user may use the pupil space; a pupil whose
    access ended after leaving their school is told so."""
    if can_use_pupil_space(user):
        return
    if user.is_authenticated:
        ended = (
            Enrolment.objects.filter(pupil_id=user.pk, left_on__isnull=False)
            .order_by("-access_until")
            .values_list("access_until", flat=True)
            .first()
        )
        if ended is not None:
            raise PermissionDenied(
                _(
                    "You left your school and your access to your portfolio "
                    "ended on %(date)s. Ask your new school, or your former "
                    "school, for a copy of your portfolio."
                )
                % {"date": date_format(ended, "DATE_FORMAT")}
            )
    raise PermissionDenied


def can_use_teacher_space(user: AnyUser) -> bool:
    """“Mes classes”: teachers with a class this year."""
    return roles_of(user).is_teacher


def can_use_school_space(user: AnyUser) -> bool:
    """“Établissement”: educational teams, and the platform administrator."""
    roles = roles_of(user)
    return roles.is_team or roles.is_platform_admin


def overview_schools_of(user: AnyUser) -> QuerySet[School]:
    """The schools whose overview the user opens from “Établissement”."""
    roles = roles_of(user)
    if roles.is_platform_admin:
        return School.objects.all()
    return School.objects.filter(pk__in=roles.team_school_ids)


def schools_visible_to(user: AnyUser) -> QuerySet[School]:
    """Schools the user belongs to this year (as pupil, teacher or team member)."""
    roles = roles_of(user)
    if roles.is_platform_admin:
        return School.objects.all()
    return School.objects.filter(
        Q(pk__in=roles.team_school_ids)
        | Q(pk__in=roles.pupil_school_ids)
        | Q(classes__pk__in=roles.taught_class_ids)
    ).distinct()


def classes_visible_to(user: AnyUser) -> QuerySet[Class]:
    """Classes whose page the user may open.

    A pupil sees their own class, a teacher the classes they teach this year,
    the educational team every class of their school, in any year.
    """
    roles = roles_of(user)
    if roles.is_platform_admin:
        return Class.objects.all()
    return Class.objects.filter(
        Q(pk__in=roles.pupil_class_ids)
        | Q(pk__in=roles.taught_class_ids)
        | Q(school_id__in=roles.team_school_ids)
    )


def pupils_visible_to(user: AnyUser) -> QuerySet[User]:
    """Pupils whose portfolio the user may look into (shared parts only, for staff).

    A pupil sees only themself; a teacher, the pupils of the classes they teach
    this year; the educational team, the pupils enrolled in their school this
    year. A pupil who left the school is no longer seen by its staff; they see
    themself until their access ends (`access_until`).
    """
    if not user.is_authenticated:
        return User.objects.none()
    own_access = Enrolment.objects.filter(pupil_id=user.pk).filter(
        Q(left_on__isnull=True) | Q(access_until__gte=timezone.localdate())
    )
    return User.objects.filter(
        (Q(pk=user.pk) & Exists(own_access)) | Q(pk__in=followed_pupil_ids(user))
    )


def followed_pupil_ids(user: AnyUser) -> QuerySet[Enrolment, Any]:
    """The ids of the pupils a member of staff follows (pupils_visible_to less
    the user themself): those enrolled this year, and still there, in a class
    they teach or in a school of their team.

    One subquery on the enrolments by class (the classes first), so the
    database reads the followed classes' enrolments through their index, not
    the whole académie's enrolments and users.
    """
    roles = roles_of(user)
    if not user.is_authenticated:
        return Enrolment.objects.none().values("pupil_id")
    classes = Class.objects.filter(
        Q(pk__in=roles.taught_class_ids) | Q(school_id__in=roles.team_school_ids)
    )
    return Enrolment.objects.filter(
        year_id=roles.current_year_id,
        left_on__isnull=True,
        school_class_id__in=classes.values("pk"),
    ).values("pupil_id")


def can_view_class(user: AnyUser, school_class: Class) -> bool:
    """Pupils of the class, its teachers this year and the school's team."""
    roles = roles_of(user)
    return (
        roles.is_platform_admin
        or school_class.pk in roles.pupil_class_ids
        or school_class.pk in roles.taught_class_ids
        or school_class.school_id in roles.team_school_ids
    )


def can_view_school(user: AnyUser, school: School) -> bool:
    return schools_visible_to(user).filter(pk=school.pk).exists()


def can_view_school_overview(user: AnyUser, school: School) -> bool:
    """The school overview is for the school's educational team only."""
    roles = roles_of(user)
    return roles.is_platform_admin or school.pk in roles.team_school_ids


def can_manage_school(user: AnyUser, school: School) -> bool:
    """Head, deputy and school admin manage classes, roles and enrolments."""
    if roles_of(user).is_platform_admin:
        return True
    if not user.is_authenticated:
        return False
    return StaffRole.objects.filter(
        user=user, school=school, role__in=SCHOOL_MANAGER_ROLES
    ).exists()


def can_follow_class(user: AnyUser, school_class: Class) -> bool:
    """Follow the pupils' progress: the class's teachers this year and the
    school's educational team (not its pupils, not the platform admin)."""
    roles = roles_of(user)
    return (
        school_class.pk in roles.taught_class_ids
        or school_class.school_id in roles.team_school_ids
    )


def can_prepare_class_council(user: AnyUser, school_class: Class) -> bool:
    """The conseil de classe synthesis: the class's professeur principal this
    year, and the school's educational team."""
    if not user.is_authenticated:
        return False
    if school_class.school_id in roles_of(user).team_school_ids:
        return True
    return school_class.teaching_assignments.filter(
        teacher_id=user.pk,
        is_principal=True,
        school_class__year_id=roles_of(user).current_year_id,
    ).exists()


def can_teach_class(user: AnyUser, school_class: Class) -> bool:
    """Give assignments, resources, announcements and activities to the class:
    its teachers this year."""
    return school_class.pk in roles_of(user).taught_class_ids


CLASS_ACTIONS = {
    "view": can_view_class,
    "teach": can_teach_class,
    "follow": can_follow_class,
    "prepare_council": can_prepare_class_council,
}


def can_follow_school_pupils(user: AnyUser, school: School) -> bool:
    """Follow-up flags: the school's educational team only (not its teachers,
    not its pupils, not the platform administrator as such)."""
    return school.pk in roles_of(user).team_school_ids


SCHOOL_ACTIONS = {
    "view": can_view_school,
    "view_overview": can_view_school_overview,
    "manage": can_manage_school,
    "follow_pupils": can_follow_school_pupils,
}


def get_class_for(user: AnyUser, pk: int, action: str) -> Class:
    visible = classes_visible_to(user).select_related("school", "year")
    return get_checked(user, visible, pk, action, CLASS_ACTIONS)


def get_school_for(user: AnyUser, pk: int, action: str) -> School:
    return get_checked(user, schools_visible_to(user), pk, action, SCHOOL_ACTIONS)


def assignments_visible_to(user: AnyUser) -> QuerySet[Assignment]:
    """Assignments the user may read.

    A pupil sees the opened assignments of their class given to the whole class
    or to them; teachers, the assignments of the classes they teach this year;
    the educational team, those of their school.
    """
    roles = roles_of(user)
    if roles.is_platform_admin:
        return Assignment.objects.all()
    if not user.is_authenticated:
        return Assignment.objects.none()
    chosen = Assignment.chosen_pupils.through.objects.filter(
        assignment_id=OuterRef("pk")
    )
    for_pupil = (
        Q(school_class_id__in=roles.pupil_class_ids)
        & Q(opens_on__lte=timezone.localdate())
        & (~Exists(chosen) | Exists(chosen.filter(user_id=user.pk)))
    )
    return Assignment.objects.filter(
        for_pupil
        | Q(school_class_id__in=roles.taught_class_ids)
        | Q(school_class__school_id__in=roles.team_school_ids)
    )


def can_view_assignment(user: AnyUser, assignment: Assignment) -> bool:
    return assignments_visible_to(user).filter(pk=assignment.pk).exists()


def can_edit_assignment(user: AnyUser, assignment: Assignment) -> bool:
    """Any teacher of the class this year edits, closes or deletes it."""
    return assignment.school_class_id in roles_of(user).taught_class_ids


def can_answer_assignment(user: AnyUser, assignment: Assignment) -> bool:
    """A pupil it is given to, while it expects answers and is not closed."""
    return (
        assignment.answer_expected
        and not assignment.is_closed
        and assignment.school_class_id in roles_of(user).pupil_class_ids
        and can_view_assignment(user, assignment)
    )


ASSIGNMENT_ACTIONS = {
    "view": can_view_assignment,
    "edit": can_edit_assignment,
    "answer": can_answer_assignment,
}


def get_assignment_for(user: AnyUser, pk: int, action: str) -> Assignment:
    visible = assignments_visible_to(user).select_related(
        "school_class__school", "author"
    )
    return get_checked(user, visible, pk, action, ASSIGNMENT_ACTIONS)


def class_resources_visible_to(user: AnyUser) -> QuerySet[ClassResource]:
    """The resources of the classes the user sees; an assignment's resources
    only with the assignment."""
    return ClassResource.objects.filter(
        school_class__in=classes_visible_to(user)
    ).filter(
        Q(assignment__isnull=True) | Q(assignment__in=assignments_visible_to(user))
    )


def _teaches_class_of(
    user: AnyUser, obj: ClassResource | Announcement | ClassEvent
) -> bool:
    return obj.school_class_id in roles_of(user).taught_class_ids


def get_class_resource_for(user: AnyUser, pk: int, action: str) -> ClassResource:
    checks = {"view": lambda _user, _obj: True, "delete": _teaches_class_of}
    return get_checked(user, class_resources_visible_to(user), pk, action, checks)


def announcements_visible_to(user: AnyUser) -> QuerySet[Announcement]:
    return Announcement.objects.filter(school_class__in=classes_visible_to(user))


def get_announcement_for(user: AnyUser, pk: int, action: str) -> Announcement:
    return get_checked(
        user,
        announcements_visible_to(user),
        pk,
        action,
        {"delete": _teaches_class_of},
    )


def class_events_visible_to(user: AnyUser) -> QuerySet[ClassEvent]:
    return ClassEvent.objects.filter(school_class__in=classes_visible_to(user))


def can_record_class_event(user: AnyUser, event: ClassEvent) -> bool:
    """Record a past activity for every pupil of the class, once."""
    return (
        _teaches_class_of(user, event)
        and event.recorded_at is None
        and event.date <= timezone.localdate()
    )


def get_class_event_for(user: AnyUser, pk: int, action: str) -> ClassEvent:
    checks = {
        "delete": _teaches_class_of,
        "record": can_record_class_event,
    }
    visible = class_events_visible_to(user).select_related("school_class")
    return get_checked(user, visible, pk, action, checks)


# --- School administration: teaching assignments, team roles, departures ---


def teaching_assignments_visible_to(user: AnyUser) -> QuerySet[TeachingAssignment]:
    """The teachers of the classes the user sees (listed on the class pages)."""
    return TeachingAssignment.objects.filter(school_class__in=classes_visible_to(user))


def _manages_school_of_class(
    user: AnyUser, obj: TeachingAssignment | Enrolment
) -> bool:
    return can_manage_school(user, obj.school_class.school)


def get_teaching_assignment_for(
    user: AnyUser, pk: int, action: str
) -> TeachingAssignment:
    visible = teaching_assignments_visible_to(user).select_related(
        "teacher", "school_class__school"
    )
    return get_checked(user, visible, pk, action, {"remove": _manages_school_of_class})


def staff_roles_visible_to(user: AnyUser) -> QuerySet[StaffRole]:
    """The team roles of the schools whose overview the user opens."""
    return StaffRole.objects.filter(school__in=overview_schools_of(user))


def get_staff_role_for(user: AnyUser, pk: int, action: str) -> StaffRole:
    visible = staff_roles_visible_to(user).select_related("user", "school")
    checks = {"revoke": lambda u, role: can_manage_school(u, role.school)}
    return get_checked(user, visible, pk, action, checks)


def current_pupils_of(school: School) -> QuerySet[User]:
    """The school's pupils this year who have not left it."""
    return User.objects.filter(
        enrolments__school_class__school=school,
        enrolments__year=SchoolYear.objects.current(),
        enrolments__left_on__isnull=True,
    ).order_by("last_name", "first_name", "pk")


def departures_visible_to(user: AnyUser) -> QuerySet[Enrolment]:
    """Enrolments of pupils who left, in the schools the user manages."""
    roles = roles_of(user)
    left = Enrolment.objects.filter(left_on__isnull=False)
    if roles.is_platform_admin:
        return left
    if not user.is_authenticated:
        return Enrolment.objects.none()
    managed = StaffRole.objects.filter(user=user, role__in=SCHOOL_MANAGER_ROLES).values(
        "school_id"
    )
    return left.filter(school_class__school_id__in=managed)


def get_departure_for(user: AnyUser, pk: int, action: str) -> Enrolment:
    """A recorded departure (404 outside the schools the user manages)."""
    visible = departures_visible_to(user).select_related(
        "pupil", "school_class__school"
    )
    return get_checked(user, visible, pk, action, {"undo": _manages_school_of_class})


# --- Follow-up flags: the educational team's, never the pupil's ------------


def flags_visible_to(user: AnyUser) -> QuerySet[PupilFlag]:
    """Flags (open and cleared) of the pupils the user's educational team
    follows: current pupils of the schools where the user is in the team.
    Teachers, pupils and the platform administrator see none."""
    roles = roles_of(user)
    if not roles.team_school_ids:
        return PupilFlag.objects.none()
    still_there = Enrolment.objects.filter(
        pupil_id=OuterRef("pupil_id"),
        school_class__school_id=OuterRef("school_id"),
        year_id=roles.current_year_id,
        left_on__isnull=True,
    )
    return PupilFlag.objects.filter(
        Exists(still_there), school_id__in=roles.team_school_ids
    )


def flaggable_pupils(user: AnyUser, school: School) -> QuerySet[User]:
    """The pupils the user may flag in `school`: its current pupils, for its
    educational team."""
    if not can_follow_school_pupils(user, school):
        return User.objects.none()
    return current_pupils_of(school)


def can_flag_pupil(user: AnyUser, pupil: User) -> bool:
    """A member of the educational team of the pupil's school this year."""
    roles = roles_of(user)
    return Enrolment.objects.filter(
        pupil_id=pupil.pk,
        year_id=roles.current_year_id,
        left_on__isnull=True,
        school_class__school_id__in=roles.team_school_ids,
    ).exists()


def can_clear_flag(user: AnyUser, flag: PupilFlag) -> bool:
    """An open flag, by the school's educational team."""
    return flag.cleared_at is None and can_follow_school_pupils(user, flag.school)


def get_flag_for(user: AnyUser, pk: int, action: str) -> PupilFlag:
    visible = flags_visible_to(user).select_related("pupil", "school")
    checks = {"view": lambda _u, _f: True, "clear": can_clear_flag}
    return get_checked(user, visible, pk, action, checks)


# --- RGPD requests (access, rectification, erasure) -----------------------


def is_staff_account(user: User) -> bool:
    """Staff, administrators, team members and teachers: never erased here."""
    return (
        user.is_staff
        or user.is_superuser
        # One query (the layout asks on every page), not one per table.
        or not not_staff_accounts(User.objects.filter(pk=user.pk)).exists()
    )


def not_staff_accounts(users: QuerySet[User]) -> QuerySet[User]:
    """The pupils among `users`: no staff, administrator, team member or teacher."""
    return (
        users.exclude(is_staff=True)
        .exclude(is_superuser=True)
        .exclude(Exists(StaffRole.objects.filter(user=OuterRef("pk"))))
        .exclude(Exists(TeachingAssignment.objects.filter(teacher=OuterRef("pk"))))
    )


def rgpd_pupils_of(school: School) -> QuerySet[User]:
    """The pupils whose requests `school` handles: those whose latest enrolment
    is in one of its classes (still there, or departed). No staff account."""
    latest_school = (
        Enrolment.objects.filter(pupil=OuterRef("pk"))
        .order_by("-year__start_year", "-pk")
        .values("school_class__school_id")[:1]
    )
    return not_staff_accounts(
        User.objects.annotate(latest_school_id=Subquery(latest_school)).filter(
            latest_school_id=school.pk
        )
    ).order_by("last_name", "first_name", "pk")


def can_handle_pupil_request(user: AnyUser, pupil: User, school: School) -> bool:
    """A manager of `school`, for one of its pupils (current or departed)."""
    return (
        can_manage_school(user, school)
        and rgpd_pupils_of(school).filter(pk=pupil.pk).exists()
    )
