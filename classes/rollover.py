"""Rolling a school over to the next school year (le passage d'année).

Each class of this year goes to a class of the next level the next year, with
the same name after its level prefix: "5e A" → "4e A", "601" → "501",
"2de 1" → "1re 1", "1re 2" → "Tle 2", "CAP1 MVA" → "CAP2 MVA". A name without
a known prefix gets the next level's label in front ("Les Aigles", 5e →
"4e Les Aigles"). Pupils of the last level of a cycle (3e, Tle, Tle pro,
CAP 2e année, 3e prépa-métiers, 3e SEGPA) leave the school: they are listed,
not enrolled.

Every pupil enrolled this year (and not gone) is enrolled next year in the
mapped class. Portfolios are not touched: entries keep their year, level and
school. Teaching assignments are per year and are not copied. Running it a
second time changes nothing; pupils already enrolled next year elsewhere are a
conflict, and then nothing is written.
"""

from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from classes import services
from classes.models import Class, Enrolment, Level, School, SchoolYear, User
from classes.permissions import can_manage_school

NEXT_LEVEL: dict[str, str | None] = {
    Level.SIXIEME: Level.CINQUIEME,
    Level.CINQUIEME: Level.QUATRIEME,
    Level.QUATRIEME: Level.TROISIEME,
    Level.TROISIEME: None,
    Level.TROISIEME_PREPA_METIERS: None,
    Level.SEGPA_6E: Level.SEGPA_5E,
    Level.SEGPA_5E: Level.SEGPA_4E,
    Level.SEGPA_4E: Level.SEGPA_3E,
    Level.SEGPA_3E: None,
    Level.SECONDE: Level.PREMIERE,
    Level.PREMIERE: Level.TERMINALE,
    Level.TERMINALE: None,
    Level.SECONDE_PRO: Level.PREMIERE_PRO,
    Level.PREMIERE_PRO: Level.TERMINALE_PRO,
    Level.TERMINALE_PRO: None,
    Level.CAP_1: Level.CAP_2,
    Level.CAP_2: None,
}

# Name prefixes per level, and what replaces them the next year; the longest
# matching prefix wins, compared without capitals.
_PREFIXES: dict[str, list[tuple[str, str]]] = {
    "6e": [("6e", "5e"), ("6ème", "5ème"), ("6eme", "5eme"), ("6", "5")],
    "5e": [("5e", "4e"), ("5ème", "4ème"), ("5eme", "4eme"), ("5", "4")],
    "4e": [("4e", "3e"), ("4ème", "3ème"), ("4eme", "3eme"), ("4", "3")],
    "2de": [
        ("2de", "1re"),
        ("2nde", "1ère"),
        ("seconde", "Première"),
        ("2", "1"),
    ],
    "1re": [("1re", "Tle"), ("1ère", "Tle"), ("première", "Terminale"), ("1", "T")],
    "2de_pro": [
        ("2de pro", "1re pro"),
        ("2nde pro", "1re pro"),
        ("2pro", "1pro"),
        ("2de", "1re"),
        ("2", "1"),
    ],
    "1re_pro": [
        ("1re pro", "Tle pro"),
        ("1ère pro", "Tle pro"),
        ("1pro", "Tpro"),
        ("1re", "Tle"),
        ("1", "T"),
    ],
    "cap1": [
        ("cap 1re année", "CAP 2e année"),
        ("cap1", "CAP2"),
        ("cap 1", "CAP 2"),
        ("1cap", "2CAP"),
        ("1 cap", "2 CAP"),
        ("1re année cap", "2e année CAP"),
    ],
}
_PREFIXES["segpa_6e"] = _PREFIXES["6e"]
_PREFIXES["segpa_5e"] = _PREFIXES["5e"]
_PREFIXES["segpa_4e"] = _PREFIXES["4e"]

_CLASS_NAME_MAX = Class._meta.get_field("name").max_length or 40


def next_class_name(name: str, level: str) -> str | None:
    """The name of the class next year, or None when its pupils leave."""
    next_level = NEXT_LEVEL.get(level)
    if next_level is None:
        return None
    for prefix, replacement in sorted(
        _PREFIXES.get(level, []), key=lambda pair: -len(pair[0])
    ):
        if name.casefold().startswith(prefix.casefold()):
            return (replacement + name[len(prefix) :])[:_CLASS_NAME_MAX]
    return f"{Level(next_level).label} {name}"[:_CLASS_NAME_MAX]


@dataclass
class ClassStep:
    """One class of this year and where its pupils go."""

    school_class: Class
    pupil_count: int
    next_name: str | None
    next_level: str | None
    next_class_exists: bool = False
    # Pupils already enrolled in the next class (an earlier roll-over).
    already_done: int = 0

    @property
    def leaving(self) -> bool:
        return self.next_name is None

    @property
    def next_level_label(self) -> str:
        return str(Level(self.next_level).label) if self.next_level else ""

    @property
    def to_enrol(self) -> int:
        return 0 if self.leaving else self.pupil_count - self.already_done


@dataclass
class RolloverPlan:
    """What the roll-over of a school would do; `conflicts` block it."""

    school: School
    year: SchoolYear | None
    next_start_year: int | None
    steps: list[ClassStep] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)

    @property
    def next_year_label(self) -> str:
        if self.next_start_year is None:
            return ""
        return f"{self.next_start_year}-{self.next_start_year + 1}"

    @property
    def staying(self) -> list[ClassStep]:
        return [step for step in self.steps if not step.leaving]

    @property
    def leaving(self) -> list[ClassStep]:
        return [step for step in self.steps if step.leaving]

    @property
    def leaving_count(self) -> int:
        return sum(step.pupil_count for step in self.leaving)

    @property
    def to_enrol_count(self) -> int:
        return sum(step.to_enrol for step in self.staying)

    @property
    def classes_to_create(self) -> list[str]:
        names = {
            step.next_name
            for step in self.staying
            if step.next_name and not step.next_class_exists
        }
        return sorted(names)

    @property
    def is_done(self) -> bool:
        """Everything already rolled over (or nothing to roll)."""
        return self.to_enrol_count == 0 and not self.classes_to_create


@dataclass(frozen=True)
class RolloverResult:
    next_year: SchoolYear
    classes_created: int
    pupils_enrolled: int
    pupils_leaving: int


def _require_manager(by: User | None, school: School) -> None:
    if by is not None and not can_manage_school(by, school):
        raise PermissionDenied


def _plan(school: School) -> RolloverPlan:
    year = SchoolYear.objects.current()
    if year is None:
        plan = RolloverPlan(school=school, year=None, next_start_year=None)
        plan.conflicts.append(
            _("There is no current school year: there is nothing to roll over.")
        )
        return plan
    next_start_year = year.start_year + 1
    plan = RolloverPlan(school=school, year=year, next_start_year=next_start_year)
    next_year = SchoolYear.objects.filter(start_year=next_start_year).first()

    current = list(
        Enrolment.objects.filter(
            year=year, school_class__school=school, left_on__isnull=True
        ).values_list("pupil_id", "school_class_id")
    )
    counts = Counter(class_id for _pupil, class_id in current)
    classes = Class.objects.filter(school=school, year=year).order_by("level", "name")
    next_classes: dict[str, Class] = {}
    next_enrolments: dict[int, Enrolment] = {}
    if next_year is not None:
        next_classes = {
            c.name: c for c in Class.objects.filter(school=school, year=next_year)
        }
        pupil_ids = [pupil_id for pupil_id, _class in current]
        for start in range(0, len(pupil_ids), 900):
            for enrolment in Enrolment.objects.filter(
                year=next_year, pupil_id__in=pupil_ids[start : start + 900]
            ).select_related("school_class__school", "pupil"):
                next_enrolments[enrolment.pupil_id] = enrolment

    steps: dict[int, ClassStep] = {}
    for school_class in sorted(classes, key=_class_order):
        next_level = NEXT_LEVEL.get(school_class.level)
        next_name = next_class_name(school_class.name, school_class.level)
        step = ClassStep(
            school_class=school_class,
            pupil_count=counts.get(school_class.pk, 0),
            next_name=next_name,
            next_level=next_level,
        )
        existing = next_classes.get(next_name) if next_name else None
        if existing is not None:
            step.next_class_exists = True
            if existing.level != next_level:
                plan.conflicts.append(
                    _(
                        "%(year)s already has a class %(class)s at the level "
                        "%(existing)s, where %(source)s should go to %(level)s."
                    )
                    % {
                        "year": plan.next_year_label,
                        "class": existing.name,
                        "existing": existing.get_level_display(),
                        "source": school_class.name,
                        "level": Level(next_level).label if next_level else "",
                    }
                )
        steps[school_class.pk] = step
        plan.steps.append(step)

    for pupil_id, class_id in current:
        next_enrolment = next_enrolments.get(pupil_id)
        if next_enrolment is None:
            continue
        step = steps[class_id]
        if (
            not step.leaving
            and next_enrolment.school_class.school_id == school.pk
            and next_enrolment.school_class.name == step.next_name
        ):
            step.already_done += 1
        elif not step.leaving:
            plan.conflicts.append(
                _(
                    "%(pupil)s (%(class)s) is already enrolled for %(year)s in "
                    "%(other)s (%(school)s), not in %(next)s."
                )
                % {
                    "pupil": next_enrolment.pupil,
                    "class": step.school_class.name,
                    "year": plan.next_year_label,
                    "other": next_enrolment.school_class.name,
                    "school": next_enrolment.school_class.school.name,
                    "next": step.next_name,
                }
            )
    return plan


def _class_order(school_class: Class) -> tuple[int, str]:
    return (Level.values.index(school_class.level), school_class.name)


def year_rollover_preview(*, by: User | None, school: School) -> RolloverPlan:
    """What rolling the school over to next year would do (nothing written)."""
    _require_manager(by, school)
    return _plan(school)


@transaction.atomic
def year_rollover(*, by: User | None, school: School) -> RolloverResult:
    """Create next year's classes and enrol this year's pupils in them.

    One transaction; refused (ValidationError, nothing written) when next year
    already holds enrolments that conflict. Running it again changes nothing.
    """
    _require_manager(by, school)
    plan = _plan(school)
    if plan.conflicts or plan.year is None or plan.next_start_year is None:
        raise ValidationError(plan.conflicts, code="conflict")
    next_year = services.school_year_get_or_create(start_year=plan.next_start_year)
    next_classes = {
        c.name: c for c in Class.objects.filter(school=school, year=next_year)
    }
    created = 0
    for step in plan.staying:
        assert step.next_name is not None  # noqa: S101 - staying steps have one
        assert step.next_level is not None  # noqa: S101
        if step.next_name not in next_classes:
            next_classes[step.next_name] = services.class_create(
                by=by,
                school=school,
                year=next_year,
                name=step.next_name,
                level=step.next_level,
            )
            created += 1
    already = set(
        Enrolment.objects.filter(
            year=next_year, school_class__school=school
        ).values_list("pupil_id", flat=True)
    )
    target_by_class = {
        step.school_class.pk: next_classes[step.next_name]
        for step in plan.staying
        if step.next_name is not None
    }
    new_enrolments = [
        Enrolment(
            pupil_id=pupil_id, school_class=target_by_class[class_id], year=next_year
        )
        for pupil_id, class_id in Enrolment.objects.filter(
            year=plan.year, school_class__school=school, left_on__isnull=True
        ).values_list("pupil_id", "school_class_id")
        if class_id in target_by_class and pupil_id not in already
    ]
    Enrolment.objects.bulk_create(new_enrolments, batch_size=500)
    return RolloverResult(
        next_year=next_year,
        classes_created=created,
        pupils_enrolled=len(new_enrolments),
        pupils_leaving=plan.leaving_count,
    )
