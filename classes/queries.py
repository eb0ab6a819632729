"""Read helpers for the class and school pages. They take objects the policy
already let through and never widen what the caller may see."""

from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery

from classes.models import (
    LEVEL_ORDER,
    Assignment,
    Class,
    Enrolment,
    School,
    SchoolYear,
    StaffRole,
    TeachingAssignment,
    User,
)
from classes.permissions import AnyUser, assignments_visible_to, classes_visible_to
from classes.roles import roles_of


@dataclass(frozen=True)
class ClassRow:
    school_class: Class
    pupil_count: int
    is_principal: bool = False
    principals: list[User] = field(default_factory=list)


# Pupils still in the class (not those who left the school).
PRESENT_PUPILS = Count(
    "enrolments", filter=Q(enrolments__left_on__isnull=True), distinct=True
)


def _level_then_name(row: ClassRow) -> tuple[int, str]:
    return LEVEL_ORDER.get(row.school_class.level, 99), row.school_class.name


def taught_classes(user: AnyUser, year: SchoolYear | None) -> list[ClassRow]:
    """This year's classes the user teaches, professeur principal classes first."""
    if year is None or not user.is_authenticated:
        return []
    principal_here = TeachingAssignment.objects.filter(
        school_class=OuterRef("pk"), teacher=user, is_principal=True
    )
    classes = (
        classes_visible_to(user)
        .filter(year=year, teaching_assignments__teacher=user)
        .select_related("school")
        .annotate(pupils=PRESENT_PUPILS)
        .annotate(principal=Exists(principal_here))
    )
    rows = [
        ClassRow(c, pupil_count=c.pupils, is_principal=c.principal) for c in classes
    ]
    return sorted(rows, key=lambda row: (not row.is_principal, *_level_then_name(row)))


def class_pupils(school_class: Class) -> QuerySet[User]:
    """The class's pupils, without those who left the school."""
    return User.objects.filter(
        enrolments__school_class=school_class, enrolments__left_on__isnull=True
    ).order_by("last_name", "first_name")


def class_teachers(school_class: Class) -> QuerySet[TeachingAssignment]:
    return school_class.teaching_assignments.select_related("teacher").order_by(
        "-is_principal", "teacher__last_name"
    )


@dataclass(frozen=True)
class LevelSummary:
    level_label: str
    rows: list[ClassRow]

    @property
    def pupil_count(self) -> int:
        return sum(row.pupil_count for row in self.rows)


def school_levels(school: School, year: SchoolYear | None) -> list[LevelSummary]:
    """The school's classes this year grouped by level, with pupil counts."""
    if year is None:
        return []
    classes = Class.objects.filter(school=school, year=year).annotate(
        pupils=PRESENT_PUPILS
    )
    principals: dict[int, list[User]] = {}
    for assignment in TeachingAssignment.objects.filter(
        school_class__in=classes, is_principal=True
    ).select_related("teacher"):
        principals.setdefault(assignment.school_class_id, []).append(assignment.teacher)
    rows = sorted(
        (
            ClassRow(c, pupil_count=c.pupils, principals=principals.get(c.pk, []))
            for c in classes
        ),
        key=_level_then_name,
    )
    by_level: dict[str, list[ClassRow]] = {}
    for row in rows:
        by_level.setdefault(row.school_class.level, []).append(row)
    return [
        LevelSummary(
            level_label=level_rows[0].school_class.get_level_display(), rows=level_rows
        )
        for level_rows in by_level.values()
    ]


def school_team(school: School) -> QuerySet[StaffRole]:
    return school.staff_roles.select_related("user").order_by("role", "user__last_name")


def enrolment_of(pupil: User, year: SchoolYear | None) -> Enrolment | None:
    """The pupil's enrolment in `year`, unless they left the school."""
    if year is None:
        return None
    return (
        Enrolment.objects.filter(pupil=pupil, year=year, left_on__isnull=True)
        .select_related("school_class__school", "year")
        .first()
    )


def new_assignments_for(user: AnyUser) -> QuerySet[Assignment]:
    """Open assignments given to the pupil that they have not opened yet."""
    roles = roles_of(user)
    if not roles.is_pupil:
        return Assignment.objects.none()
    return (
        assignments_visible_to(user)
        .filter(school_class_id__in=roles.pupil_class_ids, is_closed=False)
        .exclude(seen_by__pupil_id=user.pk)
    )


def school_staff(school: School) -> QuerySet[User]:
    """People already known in the school: the teachers of its classes (any
    year) and the members of its educational team."""
    return (
        User.objects.filter(
            Q(teaching_assignments__school_class__school=school)
            | Q(staff_roles__school=school)
        )
        .distinct()
        .order_by("last_name", "first_name", "pk")
    )


def school_teaching(school: School, year: SchoolYear | None) -> list[Class]:
    """The school's classes this year, in school order, each with its
    teaching assignments prefetched (`teaching_assignments.all`)."""
    if year is None:
        return []
    classes = (
        Class.objects.filter(school=school, year=year)
        .annotate(pupils=PRESENT_PUPILS)
        .prefetch_related("teaching_assignments__teacher")
    )
    return sorted(classes, key=lambda c: (LEVEL_ORDER.get(c.level, 99), c.name))


def school_departures(school: School) -> QuerySet[Enrolment]:
    """Pupils recorded as having left the school, the latest first."""
    return (
        Enrolment.objects.filter(school_class__school=school, left_on__isnull=False)
        .select_related("pupil", "school_class", "year")
        .order_by("-left_on", "pupil__last_name")
    )


def with_class_names(pupils: QuerySet[User], year: SchoolYear | None) -> QuerySet[User]:
    """Annotate each pupil with the name of their class this year (`class_name`),
    to tell pupils apart in a select."""
    current = Enrolment.objects.filter(
        pupil=OuterRef("pk"), year=year, left_on__isnull=True
    ).values("school_class__name")[:1]
    return pupils.annotate(class_name=Subquery(current))
