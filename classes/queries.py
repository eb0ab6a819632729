"""Read helpers for the class and school pages. They take objects the policy
already let through and never widen what the caller may see."""

from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet

from classes.models import (
    LEVEL_ORDER,
    Class,
    Enrolment,
    School,
    SchoolYear,
    StaffRole,
    TeachingAssignment,
    User,
)
from classes.permissions import AnyUser, classes_visible_to


def taught_classes(user: AnyUser, year: SchoolYear | None) -> list[Class]:
    """This year's classes the user teaches, professeur principal classes first."""
    if year is None or not user.is_authenticated:
        return []
    classes = (
        classes_visible_to(user)
        .filter(year=year, teaching_assignments__teacher=user)
        .select_related("school")
        .annotate(
            pupil_count=Count("enrolments", distinct=True),
            is_principal=Count(
                "teaching_assignments",
                filter=Q(
                    teaching_assignments__teacher=user,
                    teaching_assignments__is_principal=True,
                ),
                distinct=True,
            ),
        )
    )
    return sorted(
        classes,
        key=lambda c: (-c.is_principal, LEVEL_ORDER.get(c.level, 99), c.name),
    )


def class_pupils(school_class: Class) -> QuerySet[User]:
    return User.objects.filter(enrolments__school_class=school_class).order_by(
        "last_name", "first_name"
    )


def class_teachers(school_class: Class) -> QuerySet[TeachingAssignment]:
    return school_class.teaching_assignments.select_related("teacher").order_by(
        "-is_principal", "teacher__last_name"
    )


@dataclass(frozen=True)
class LevelSummary:
    level_label: str
    classes: list[Class]
    pupil_count: int


def school_levels(school: School, year: SchoolYear | None) -> list[LevelSummary]:
    """The school's classes this year grouped by level, with pupil counts."""
    if year is None:
        return []
    principals = TeachingAssignment.objects.filter(is_principal=True).select_related(
        "teacher"
    )
    classes = (
        Class.objects.filter(school=school, year=year)
        .annotate(pupil_count=Count("enrolments", distinct=True))
        .prefetch_related(
            Prefetch("teaching_assignments", queryset=principals, to_attr="principals")
        )
    )
    by_level: dict[str, list[Class]] = {}
    for school_class in sorted(
        classes, key=lambda c: (LEVEL_ORDER.get(c.level, 99), c.name)
    ):
        by_level.setdefault(school_class.level, []).append(school_class)
    return [
        LevelSummary(
            level_label=level_classes[0].get_level_display(),
            classes=level_classes,
            pupil_count=sum(c.pupil_count for c in level_classes),
        )
        for level_classes in by_level.values()
    ]


def school_team(school: School) -> QuerySet[StaffRole]:
    return school.staff_roles.select_related("user").order_by("role", "user__last_name")


def enrolment_of(pupil: User, year: SchoolYear | None) -> Enrolment | None:
    if year is None:
        return None
    return (
        Enrolment.objects.filter(pupil=pupil, year=year)
        .select_related("school_class__school", "year")
        .first()
    )
