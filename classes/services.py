"""Writes on schools, classes, enrolments and roles.

Each function takes the acting user as `by`. `by=None` means the platform
operator acting from a management command (the demo seed, an import); every
other caller is checked against the policy.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from classes.models import (
    Class,
    Enrolment,
    School,
    SchoolYear,
    StaffRole,
    TeachingAssignment,
    User,
)
from classes.permissions import can_manage_school
from classes.roles import forget_roles


def _require_manager(by: User | None, school: School) -> None:
    if by is not None and not can_manage_school(by, school):
        raise PermissionDenied


def school_create(
    *, by: User | None, uai: str, name: str, city: str, academy: str, kind: str
) -> School:
    """Create a school; only the platform operator or a platform admin may."""
    if by is not None and not by.is_superuser:
        raise PermissionDenied
    school = School(
        uai=uai.strip().upper(), name=name, city=city, academy=academy, kind=kind
    )
    school.full_clean()
    school.save()
    return school


def school_year_get_or_create(*, start_year: int) -> SchoolYear:
    year, _created = SchoolYear.objects.get_or_create(start_year=start_year)
    return year


def class_create(
    *, by: User | None, school: School, year: SchoolYear, name: str, level: str
) -> Class:
    _require_manager(by, school)
    school_class = Class(school=school, year=year, name=name.strip(), level=level)
    school_class.full_clean()
    school_class.save()
    return school_class


def user_create(
    *,
    username: str,
    first_name: str,
    last_name: str,
    email: str = "",
    password: str | None = None,
) -> User:
    """Create a person. Without a password the account can only be used by SSO."""
    user = User(
        username=username, first_name=first_name, last_name=last_name, email=email
    )
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.full_clean()
    user.save()
    return user


@transaction.atomic
def enrolment_create(*, by: User | None, pupil: User, school_class: Class) -> Enrolment:
    """Enrol a pupil in a class; a pupil has one class per school year."""
    _require_manager(by, school_class.school)
    existing = (
        Enrolment.objects.filter(pupil=pupil, year=school_class.year)
        .select_related("school_class__school")
        .first()
    )
    if existing is not None:
        raise ValidationError(
            _(
                "%(pupil)s is already enrolled in %(class)s (%(school)s) "
                "for %(year)s; a pupil has one class per school year."
            )
            % {
                "pupil": pupil,
                "class": existing.school_class,
                "school": existing.school_class.school.name,
                "year": school_class.year,
            },
            code="already_enrolled",
        )
    enrolment = Enrolment.objects.create(
        pupil=pupil, school_class=school_class, year=school_class.year
    )
    forget_roles(pupil)
    return enrolment


def teaching_assignment_create(
    *,
    by: User | None,
    teacher: User,
    school_class: Class,
    subject: str = "",
    is_principal: bool = False,
) -> TeachingAssignment:
    _require_manager(by, school_class.school)
    assignment = TeachingAssignment(
        teacher=teacher,
        school_class=school_class,
        subject=subject,
        is_principal=is_principal,
    )
    assignment.full_clean()
    assignment.save()
    forget_roles(teacher)
    return assignment


def staff_role_grant(
    *, by: User | None, user: User, school: School, role: str
) -> StaffRole:
    _require_manager(by, school)
    staff_role = StaffRole(user=user, school=school, role=role)
    staff_role.full_clean()
    staff_role.save()
    forget_roles(user)
    return staff_role
