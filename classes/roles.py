"""What a user is this school year: pupil, teacher, member of an educational team.

Roles are derived from enrolments, teaching assignments and staff roles; they are
computed once per user object (so once per request) and kept on it.

A pupil who left the school (Enrolment.left_on set) is no longer a pupil of
their class: they only keep their own portfolio until `former_pupil_until`.
"""

import datetime
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import Max
from django.utils import timezone

from classes.models import Enrolment, SchoolYear, StaffRole, TeachingAssignment, User

_CACHE_ATTRIBUTE = "_webclasseur_roles"


@dataclass(frozen=True)
class Roles:
    current_year_id: int | None
    pupil_class_ids: frozenset[int]
    pupil_school_ids: frozenset[int]
    taught_class_ids: frozenset[int]
    team_school_ids: frozenset[int]
    is_platform_admin: bool
    # A pupil who left their school and still has access to their own
    # portfolio: the last day of that access (None otherwise, or once past).
    former_pupil_until: datetime.date | None = None

    @property
    def is_pupil(self) -> bool:
        return bool(self.pupil_class_ids)

    @property
    def is_teacher(self) -> bool:
        return bool(self.taught_class_ids)

    @property
    def is_team(self) -> bool:
        return bool(self.team_school_ids)


NO_ROLES = Roles(None, frozenset(), frozenset(), frozenset(), frozenset(), False)


def roles_of(user: User | AnonymousUser) -> Roles:
    """Return the user's roles for the current school year (cached on the user)."""
    if not user.is_authenticated:
        return NO_ROLES
    cached: Roles | None = getattr(user, _CACHE_ATTRIBUTE, None)
    if cached is not None:
        return cached
    year = SchoolYear.objects.current()
    year_id = year.pk if year else None
    enrolments = list(
        Enrolment.objects.filter(
            pupil=user, year_id=year_id, left_on__isnull=True
        ).values_list("school_class_id", "school_class__school_id")
    )
    former_pupil_until = Enrolment.objects.filter(
        pupil=user,
        left_on__isnull=False,
        access_until__gte=timezone.localdate(),
    ).aggregate(until=Max("access_until"))["until"]
    roles = Roles(
        current_year_id=year_id,
        pupil_class_ids=frozenset(class_id for class_id, _ in enrolments),
        pupil_school_ids=frozenset(school_id for _, school_id in enrolments),
        taught_class_ids=frozenset(
            TeachingAssignment.objects.filter(
                teacher=user, school_class__year_id=year_id
            ).values_list("school_class_id", flat=True)
        ),
        team_school_ids=frozenset(
            StaffRole.objects.filter(user=user).values_list("school_id", flat=True)
        ),
        is_platform_admin=user.is_superuser,
        former_pupil_until=former_pupil_until,
    )
    setattr(user, _CACHE_ATTRIBUTE, roles)
    return roles


def forget_roles(user: User) -> None:
    """Drop the cached roles, after a service changed them."""
    if hasattr(user, _CACHE_ATTRIBUTE):
        delattr(user, _CACHE_ATTRIBUTE)
