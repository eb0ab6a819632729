"""What a user is this school year: pupil, teacher, member of an educational team.

Roles are derived from enrolments, teaching assignments and staff roles; they are
computed once per user object (so once per request) and kept on it.
"""

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser

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
        Enrolment.objects.filter(pupil=user, year_id=year_id).values_list(
            "school_class_id", "school_class__school_id"
        )
    )
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
    )
    setattr(user, _CACHE_ATTRIBUTE, roles)
    return roles


def forget_roles(user: User) -> None:
    """Drop the cached roles, after a service changed them."""
    if hasattr(user, _CACHE_ATTRIBUTE):
        delattr(user, _CACHE_ATTRIBUTE)
