"""School coverage of the parcours Avenir: for the current school year, by
level and class, how many pupils did each kind of activity, the stages, the
métiers discovered, and the pupils with nothing recent.

Pure read helpers: they take the querysets the policy produced (the classes
the viewer sees, the entries the viewer may read) and never widen them, so a
private entry is never counted. The whole page costs four queries, whatever
the number of pupils, and its figures are cached per school and audience
until a write changes them (cached_school_coverage). Every table is built
once here and shown both as HTML and as CSV, so both carry the same numbers.
"""

import datetime
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.db.models import Case, Count, F, Max, Q, QuerySet, When
from django.db.models.functions import Coalesce, Lower, Trim
from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from classes.models import LEVEL_ORDER, Class, Enrolment, Level, School, SchoolYear
from portfolio.models import Entry, EntryKind
from webclasseur.db_router import replica_configured, using_replica

if TYPE_CHECKING:  # the stubs are a development dependency
    from django_stubs_ext import StrOrPromise

DEFAULT_WEEKS = 6
MIN_WEEKS = 1
MAX_WEEKS = 52

# Cycle 4 (5e–4e–3e): each pupil should have discovered 40 to 50 métiers by
# the end of 3e.
CYCLE_4_LEVELS = frozenset(
    {
        Level.CINQUIEME,
        Level.QUATRIEME,
        Level.TROISIEME,
        Level.TROISIEME_PREPA_METIERS,
        Level.SEGPA_5E,
        Level.SEGPA_4E,
        Level.SEGPA_3E,
    }
)
METIER_TARGET = (40, 50)


@dataclass(frozen=True)
class StageIndicator:
    """A stage every pupil of some levels should have done this year."""

    name: str
    kind: str
    levels: frozenset[str]
    title: "StrOrPromise"
    level_label: "StrOrPromise"


STAGE_INDICATORS = (
    StageIndicator(
        name="observation_stage",
        kind=EntryKind.OBSERVATION_STAGE,
        levels=frozenset(
            {Level.TROISIEME, Level.TROISIEME_PREPA_METIERS, Level.SEGPA_3E}
        ),
        title=gettext_lazy("3e pupils with a completed observation stage"),
        level_label=gettext_lazy("All 3e pupils"),
    ),
    StageIndicator(
        name="seconde_stage",
        kind=EntryKind.SECONDE_STAGE,
        levels=frozenset({Level.SECONDE}),
        title=gettext_lazy("2de pupils with a completed stage de seconde"),
        level_label=gettext_lazy("All 2de pupils"),
    ),
    StageIndicator(
        name="pfmp",
        kind=EntryKind.PFMP,
        levels=frozenset({Level.SECONDE_PRO, Level.PREMIERE_PRO, Level.TERMINALE_PRO}),
        title=gettext_lazy("Lycée pro pupils with a PFMP this year"),
        level_label=gettext_lazy("All lycée pro pupils"),
    ),
)


# --- The numbers --------------------------------------------------------------


@dataclass
class PupilCoverage:
    pk: int
    last_name: str
    first_name: str
    kinds: dict[str, int] = field(default_factory=dict)
    last_activity: datetime.date | None = None
    metiers_this_year: int = 0
    metiers_cycle_4: int = 0

    @property
    def name(self) -> str:
        return f"{self.last_name.upper()} {self.first_name}".strip()

    @property
    def entry_count(self) -> int:
        return sum(self.kinds.values())

    def has_done(self, kind: str) -> bool:
        return self.kinds.get(kind, 0) > 0


@dataclass
class Group:
    """The pupils of a class, or of a whole level (`is_total`)."""

    level: str
    level_label: str
    label: str
    pupils: list[PupilCoverage]
    is_total: bool = False

    def count(self, predicate: Callable[[PupilCoverage], bool]) -> int:
        return sum(1 for pupil in self.pupils if predicate(pupil))

    def share(self, predicate: Callable[[PupilCoverage], bool]) -> float | None:
        """Percentage of the pupils, or None for an empty group."""
        if not self.pupils:
            return None
        return round(100 * self.count(predicate) / len(self.pupils), 1)

    def average(self, value: Callable[[PupilCoverage], int]) -> float | None:
        if not self.pupils:
            return None
        return round(sum(value(pupil) for pupil in self.pupils) / len(self.pupils), 1)


@dataclass
class PupilInClass:
    pupil: PupilCoverage
    group: Group


@dataclass
class SchoolCoverage:
    year: SchoolYear | None
    today: datetime.date
    weeks: int
    classes: list[Group]

    @property
    def since(self) -> datetime.date:
        """Activities on or after this day count as recent."""
        return self.today - datetime.timedelta(weeks=self.weeks)

    @property
    def pupils(self) -> list[PupilInClass]:
        return [
            PupilInClass(pupil, group)
            for group in self.classes
            for pupil in group.pupils
        ]

    def is_quiet(self, pupil: PupilCoverage) -> bool:
        """No activity in the last `weeks` weeks (or none at all this year)."""
        return pupil.last_activity is None or pupil.last_activity < self.since

    def groups(self, levels: Iterable[str] | None = None) -> list[Group]:
        """Class groups in school order, each level followed by its total when
        it has several classes."""
        wanted = None if levels is None else set(levels)
        rows: list[Group] = []
        by_level: dict[str, list[Group]] = {}
        for group in self.classes:
            if wanted is None or group.level in wanted:
                by_level.setdefault(group.level, []).append(group)
        for level, groups in by_level.items():
            rows += groups
            if len(groups) > 1:
                rows.append(
                    Group(
                        level=level,
                        level_label=groups[0].level_label,
                        label=_("All %(level)s") % {"level": groups[0].level_label},
                        pupils=[p for g in groups for p in g.pupils],
                        is_total=True,
                    )
                )
        return rows

    def total(self, levels: Iterable[str], label: str) -> Group:
        wanted = set(levels)
        return Group(
            level="",
            level_label="",
            label=label,
            pupils=[p for g in self.classes if g.level in wanted for p in g.pupils],
            is_total=True,
        )

    def has_level(self, levels: Iterable[str]) -> bool:
        wanted = set(levels)
        return any(group.level in wanted for group in self.classes)


def _metier_key(prefix: str = "") -> Case:
    """A métier is the same when its ROME code is, or (without a code) its
    label (`prefix`: the path to the EntryMetier from the queried model)."""
    return Case(
        When(**{f"{prefix}rome_code": ""}, then=Lower(Trim(f"{prefix}label"))),
        default=F(f"{prefix}rome_code"),
    )


# Heavy and read-only: on the read replica when one is configured.
@using_replica()
def school_coverage(
    *,
    classes: QuerySet[Class],
    readable: QuerySet[Entry],
    year: SchoolYear | None,
    weeks: int = DEFAULT_WEEKS,
    today: datetime.date,
) -> SchoolCoverage:
    """Coverage of the pupils of `classes` (the school's classes of `year` the
    viewer sees), counting only `readable` entries that are finished.

    Four queries: the classes, their pupils, entries per pupil and kind, and
    distinct métiers per pupil.
    """
    if year is None:
        return SchoolCoverage(year=None, today=today, weeks=weeks, classes=[])
    class_list = sorted(
        classes.filter(year=year),
        key=lambda c: (LEVEL_ORDER.get(c.level, 99), c.name),
    )
    groups = {
        c.pk: Group(
            level=c.level, level_label=c.get_level_display(), label=c.name, pupils=[]
        )
        for c in class_list
    }
    enrolments = (
        Enrolment.objects.filter(school_class__in=[c.pk for c in class_list])
        .filter(Q(left_on__isnull=True) | Q(left_on__gt=today))
        .order_by("pupil__last_name", "pupil__first_name", "pupil_id")
    )
    pupils: dict[int, PupilCoverage] = {}
    for pupil_id, class_id, last_name, first_name in enrolments.values_list(
        "pupil_id", "school_class_id", "pupil__last_name", "pupil__first_name"
    ):
        pupil = PupilCoverage(pk=pupil_id, last_name=last_name, first_name=first_name)
        pupils[pupil_id] = pupil
        groups[class_id].pupils.append(pupil)

    finished = readable.filter(
        is_draft=False, owner_id__in=enrolments.order_by().values("pupil_id")
    )
    per_kind = (
        finished.filter(school_year=year)
        .order_by()
        .values("owner_id", "kind")
        .annotate(
            n=Count("pk"),
            last=Max(
                Coalesce("end_date", "start_date"), filter=Q(start_date__lte=today)
            ),
        )
    )
    for row in per_kind:
        pupil = pupils[row["owner_id"]]
        pupil.kinds[row["kind"]] = row["n"]
        if row["last"] is not None and (
            pupil.last_activity is None or row["last"] > pupil.last_activity
        ):
            pupil.last_activity = row["last"]

    # From the entries (read by owner through their index) to their métiers:
    # one join, not a second lookup of each entry by its id.
    metiers = (
        finished.filter(
            Q(school_year=year) | Q(level__in=CYCLE_4_LEVELS),
            metiers__isnull=False,
        )
        .order_by()
        .values("owner_id")
        .annotate(
            this_year=Count(
                _metier_key("metiers__"), distinct=True, filter=Q(school_year=year)
            ),
            cycle_4=Count(
                _metier_key("metiers__"),
                distinct=True,
                filter=Q(level__in=CYCLE_4_LEVELS),
            ),
        )
    )
    for counted in metiers:
        pupil = pupils[counted["owner_id"]]
        pupil.metiers_this_year = counted["this_year"]
        pupil.metiers_cycle_4 = counted["cycle_4"]
    return SchoolCoverage(
        year=year, today=today, weeks=weeks, classes=list(groups.values())
    )


# --- The cache ------------------------------------------------------------------
#
# The figures are kept in the Django cache (Redis in production) per school,
# per audience (the viewers who read the same entries: see
# portfolio.permissions.coverage_audience), school year, weeks, day and
# language. Each school has a version, replaced after every write that changes
# its figures (portfolio/signals.py), so the next page is computed afresh; the
# key also carries the count and the last id of the school's enrolments this
# year, which the bulk writes (class imports) change without a signal.

CACHE_SECONDS = 15 * 60
# The first part of every key; the tests give each test its own, since the
# writes a test rolls back leave its figures in the cache.
_namespace = ["coverage"]


def cache_namespace_reset() -> None:
    """Start from an empty coverage cache (for the tests)."""
    _namespace[0] = f"coverage-{uuid.uuid4().hex}"


def _version_key(school_id: int) -> str:
    return f"{_namespace[0]}:version:{school_id}"


# The figures are read on the read replica when there is one
# (school_coverage is @using_replica): for this many seconds after a write,
# the replica may not have it yet, so figures computed then are not kept.
REPLICA_LAG_SECONDS = 30.0


# A school's version outlives the figures kept under it (CACHE_SECONDS); when
# it expires, the next page starts a new one (a miss, never stale figures).
VERSION_SECONDS = 24 * 60 * 60


def coverage_changed(school_ids: Iterable[int]) -> None:
    """Forget the cached coverage of these schools (called when a write that
    changes their figures is made, and again once it has committed)."""
    now = time.time()
    versions = {_version_key(pk): (uuid.uuid4().hex, now) for pk in set(school_ids)}
    if versions:
        cache.set_many(versions, timeout=VERSION_SECONDS)


def _as_version(value: object) -> tuple[str, float] | None:
    """A version read from the cache, or None when it is missing or of
    another shape (written by another version of this code)."""
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        return None
    version_id, changed_at = value
    if not isinstance(version_id, str) or not version_id:
        return None
    if isinstance(changed_at, bool) or not isinstance(changed_at, (int, float)):
        return None
    return version_id, float(changed_at)


def _school_version(school_id: int) -> tuple[str, float] | None:
    """The school's current cache version and when it was set (None: the
    cache is unavailable)."""
    key = _version_key(school_id)
    found = cache.get(key)
    version = _as_version(found)
    if version is None:
        if found is None:
            # Several processes may start it at once: the first one wins.
            cache.add(key, (uuid.uuid4().hex, 0.0), timeout=VERSION_SECONDS)
        else:
            # Left by another shape of this code: replaced, as after a write
            # (figures computed on a lagging replica are not kept).
            cache.set(key, (uuid.uuid4().hex, time.time()), timeout=VERSION_SECONDS)
        version = _as_version(cache.get(key))
    return version


def cached_school_coverage(
    *,
    school: School,
    audience: str,
    classes: QuerySet[Class],
    readable: QuerySet[Entry],
    year: SchoolYear | None,
    weeks: int = DEFAULT_WEEKS,
    today: datetime.date,
) -> SchoolCoverage:
    """school_coverage(), from the cache when nothing changed since it was
    computed for the same audience. `classes` and `readable` must be what the
    policy gives a viewer of `audience` (the caller's business)."""

    def compute() -> SchoolCoverage:
        return school_coverage(
            classes=classes.filter(school=school),
            readable=readable,
            year=year,
            weeks=weeks,
            today=today,
        )

    # The version is read before the figures are: a write committing in
    # between replaces it, so figures read before that write are never kept
    # under the new version.
    version = _school_version(school.pk) if year is not None else None
    if year is None or version is None:
        return compute()
    version_id, changed_at = version
    enrolments = Enrolment.objects.filter(
        year=year, school_class__school=school
    ).aggregate(n=Count("pk"), last=Max("pk"))
    key = ":".join(
        [
            _namespace[0],
            str(school.pk),
            version_id,
            audience,
            str(year.pk),
            str(weeks),
            today.isoformat(),
            translation.get_language() or "",
            f"{enrolments['n']}-{enrolments['last']}",
        ]
    )
    found = cache.get(key)
    if isinstance(found, SchoolCoverage):
        return found
    data = compute()
    if time.time() - changed_at >= REPLICA_LAG_SECONDS or not replica_configured():
        cache.set(key, data, CACHE_SECONDS)
    return data


# --- Tables (shown as HTML and exported as CSV) --------------------------------

Cell = int | float | str | datetime.date | None


@dataclass(frozen=True)
class Row:
    headers: tuple[str, ...]
    cells: tuple[Cell, ...]
    is_total: bool = False

    @property
    def texts(self) -> list[str]:
        return [format_cell(cell) for cell in self.cells]


@dataclass(frozen=True)
class Table:
    name: str
    caption: str
    filename: str
    header_columns: tuple[str, ...]
    data_columns: tuple[str, ...]
    rows: list[Row]

    @property
    def columns(self) -> tuple[str, ...]:
        return self.header_columns + self.data_columns


def format_cell(value: Cell, *, empty: str = "—") -> str:
    """The text of a cell, the same in the page and in the CSV file."""
    if value is None:
        return empty
    if isinstance(value, float):
        return formats.number_format(value, 1)
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def _class_headers(group: Group) -> tuple[str, str]:
    return (group.level_label, group.label)


LEVEL_CLASS = (
    gettext_lazy("Level"),
    gettext_lazy("Class"),
)


def _did(kind: str) -> Callable[[PupilCoverage], bool]:
    def did(pupil: PupilCoverage) -> bool:
        return pupil.has_done(kind)

    return did


def kinds_table(coverage: SchoolCoverage) -> Table:
    kinds = EntryKind.choices
    rows = [
        Row(
            headers=_class_headers(group),
            cells=(
                len(group.pupils),
                *(group.count(_did(kind)) for kind, _label in kinds),
                group.count(lambda p: p.entry_count > 0),
                group.share(lambda p: p.entry_count > 0),
            ),
            is_total=group.is_total,
        )
        for group in coverage.groups()
    ]
    return Table(
        name="kinds",
        caption=_("Pupils who did each kind of activity this year, by class"),
        filename=_("activities-by-class"),
        header_columns=tuple(str(c) for c in LEVEL_CLASS),
        data_columns=(
            _("Pupils"),
            *(str(label) for _kind, label in kinds),
            _("At least one activity"),
            _("Share with at least one activity (%)"),
        ),
        rows=rows,
    )


def stage_table(coverage: SchoolCoverage, indicator: StageIndicator) -> Table:
    def done(pupil: PupilCoverage) -> bool:
        return pupil.has_done(indicator.kind)

    groups = coverage.groups(indicator.levels)
    total = coverage.total(indicator.levels, str(indicator.level_label))
    if len({g.level for g in groups}) > 1:
        groups.append(total)
    rows = [
        Row(
            headers=_class_headers(group),
            cells=(len(group.pupils), group.count(done), group.share(done)),
            is_total=group.is_total,
        )
        for group in groups
    ]
    return Table(
        name=indicator.name,
        caption=str(indicator.title),
        filename=indicator.name.replace("_", "-"),
        header_columns=tuple(str(c) for c in LEVEL_CLASS),
        data_columns=(
            _("Pupils"),
            _("With the stage done"),
            _("Share (%)"),
        ),
        rows=rows,
    )


def metiers_table(coverage: SchoolCoverage) -> Table:
    low = METIER_TARGET[0]
    rows = [
        Row(
            headers=_class_headers(group),
            cells=(
                len(group.pupils),
                group.average(lambda p: p.metiers_this_year),
                group.average(lambda p: p.metiers_cycle_4),
                group.count(lambda p: p.metiers_cycle_4 >= low),
                group.share(lambda p: p.metiers_cycle_4 >= low),
            ),
            is_total=group.is_total,
        )
        for group in coverage.groups(CYCLE_4_LEVELS)
    ]
    return Table(
        name="metiers",
        caption=_("Métiers discovered per pupil in cycle 4 (target: 40 to 50)"),
        filename=_("metiers-by-class"),
        header_columns=tuple(str(c) for c in LEVEL_CLASS),
        data_columns=(
            _("Pupils"),
            _("Average métiers this year"),
            _("Average métiers since 5e"),
            _("Pupils with 40 métiers or more"),
            _("Share (%)"),
        ),
        rows=rows,
    )


# Bands of distinct métiers since 5e, the target band included.
METIER_BANDS: tuple[tuple[int, int | None], ...] = (
    (0, 0),
    (1, 9),
    (10, 19),
    (20, 29),
    (30, 39),
    METIER_TARGET,
    (METIER_TARGET[1] + 1, None),
)


def band_label(low: int, high: int | None) -> str:
    if high is None:
        return _("%(low)s or more") % {"low": low}
    if low == high:
        return str(low)
    label = _("%(low)s to %(high)s") % {"low": low, "high": high}
    if (low, high) == METIER_TARGET:
        return _("%(band)s (target)") % {"band": label}
    return label


def metier_distribution_table(coverage: SchoolCoverage) -> Table:
    pupils = [
        p for g in coverage.classes if g.level in CYCLE_4_LEVELS for p in g.pupils
    ]
    rows = []
    for low, high in METIER_BANDS:
        count = sum(
            1
            for p in pupils
            if p.metiers_cycle_4 >= low and (high is None or p.metiers_cycle_4 <= high)
        )
        share = round(100 * count / len(pupils), 1) if pupils else None
        rows.append(Row(headers=(band_label(low, high),), cells=(count, share)))
    return Table(
        name="metier_bands",
        caption=_("Cycle 4 pupils by number of métiers discovered since 5e"),
        filename=_("metiers-per-pupil"),
        header_columns=(_("Métiers discovered"),),
        data_columns=(_("Pupils"), _("Share (%)")),
        rows=rows,
    )


def _quiet_label(weeks: int) -> str:
    return ngettext(
        "No activity in the last week",
        "No activity in the last %(weeks)s weeks",
        weeks,
    ) % {"weeks": weeks}


def quiet_by_class_table(coverage: SchoolCoverage) -> Table:
    rows = [
        Row(
            headers=_class_headers(group),
            cells=(
                len(group.pupils),
                group.count(lambda p: p.entry_count == 0),
                group.count(coverage.is_quiet),
            ),
            is_total=group.is_total,
        )
        for group in coverage.groups()
    ]
    return Table(
        name="quiet_by_class",
        caption=_("Pupils without activity, by class"),
        filename=_("without-activity-by-class"),
        header_columns=tuple(str(c) for c in LEVEL_CLASS),
        data_columns=(
            _("Pupils"),
            _("No activity this year"),
            _quiet_label(coverage.weeks),
        ),
        rows=rows,
    )


def quiet_pupils_table(coverage: SchoolCoverage) -> Table:
    rows = [
        Row(
            headers=(item.pupil.name,),
            cells=(
                item.group.label,
                item.pupil.last_activity,
                _("No activity this year")
                if item.pupil.entry_count == 0
                else _quiet_label(coverage.weeks),
            ),
        )
        for item in coverage.pupils
        if coverage.is_quiet(item.pupil)
    ]
    return Table(
        name="quiet_pupils",
        caption=ngettext(
            "Pupils with no activity in the last week",
            "Pupils with no activity in the last %(weeks)s weeks",
            coverage.weeks,
        )
        % {"weeks": coverage.weeks},
        filename=_("pupils-without-activity"),
        header_columns=(_("Pupil"),),
        data_columns=(
            str(LEVEL_CLASS[1]),
            _("Last activity"),
            _("Situation"),
        ),
        rows=rows,
    )


def pupils_table(coverage: SchoolCoverage) -> Table:
    """Per pupil (CSV only: too long for the page)."""
    rows = [
        Row(
            headers=(item.pupil.last_name, item.pupil.first_name),
            cells=(
                item.group.label,
                item.pupil.entry_count,
                len([n for n in item.pupil.kinds.values() if n]),
                item.pupil.metiers_this_year,
                item.pupil.metiers_cycle_4
                if item.group.level in CYCLE_4_LEVELS
                else None,
                item.pupil.last_activity,
            ),
        )
        for item in coverage.pupils
    ]
    return Table(
        name="pupils",
        caption=_("Activities per pupil this year"),
        filename=_("activities-per-pupil"),
        header_columns=(_("Last name"), _("First name")),
        data_columns=(
            str(LEVEL_CLASS[1]),
            _("Activities this year"),
            _("Different kinds of activity"),
            _("Métiers this year"),
            _("Métiers since 5e"),
            _("Last activity"),
        ),
        rows=rows,
    )


def all_tables(coverage: SchoolCoverage) -> dict[str, Table]:
    """Every table of the page (and the per-pupil one), by name."""
    tables = [kinds_table(coverage)]
    tables += [
        stage_table(coverage, indicator)
        for indicator in STAGE_INDICATORS
        if coverage.has_level(indicator.levels)
    ]
    if coverage.has_level(CYCLE_4_LEVELS):
        tables += [metiers_table(coverage), metier_distribution_table(coverage)]
    tables += [
        quiet_by_class_table(coverage),
        quiet_pupils_table(coverage),
        pupils_table(coverage),
    ]
    return {table.name: table for table in tables}


TABLE_NAMES = (
    "kinds",
    *(indicator.name for indicator in STAGE_INDICATORS),
    "metiers",
    "metier_bands",
    "quiet_by_class",
    "quiet_pupils",
    "pupils",
)


# --- Bar charts (inline SVG; the same numbers are in the table beside) --------

CHART_WIDTH = 420
LABEL_WIDTH = 130
BAR_AREA = 190
ROW_HEIGHT = 26
BAR_HEIGHT = 16
TOP = 10
REFERENCE_TOP = 22


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str
    is_total: bool = False


@dataclass(frozen=True)
class PlacedBar:
    bar: Bar
    y: float
    width: float
    text_y: float
    text_x: float


@dataclass(frozen=True)
class BarChart:
    """A horizontal bar chart; `reference` draws a target band (low, high)."""

    id: str
    title: str
    desc: str
    bars: list[Bar]
    max_value: float
    reference: tuple[float, float] | None = None
    reference_label: str = ""

    label_x = LABEL_WIDTH - 6
    bar_x = LABEL_WIDTH
    width = CHART_WIDTH

    @property
    def top(self) -> int:
        return TOP + (REFERENCE_TOP if self.reference else 0)

    @property
    def height(self) -> int:
        return self.top + ROW_HEIGHT * len(self.bars) + 24

    @property
    def axis_y(self) -> int:
        return self.top + ROW_HEIGHT * len(self.bars)

    @property
    def axis_end(self) -> float:
        return LABEL_WIDTH + BAR_AREA

    @property
    def axis_max_label(self) -> str:
        return format_cell(self.max_value)

    def x(self, value: float) -> float:
        if self.max_value <= 0:
            return LABEL_WIDTH
        return round(
            LABEL_WIDTH + BAR_AREA * min(value, self.max_value) / self.max_value, 1
        )

    @property
    def placed(self) -> list[PlacedBar]:
        placed = []
        for index, bar in enumerate(self.bars):
            y = self.top + index * ROW_HEIGHT + (ROW_HEIGHT - BAR_HEIGHT) / 2
            end = self.x(bar.value)
            placed.append(
                PlacedBar(
                    bar=bar,
                    y=y,
                    width=round(end - LABEL_WIDTH, 1),
                    text_y=y + BAR_HEIGHT - 3,
                    text_x=end + 5,
                )
            )
        return placed

    @property
    def reference_label_y(self) -> int:
        return TOP + 8

    @property
    def band_y(self) -> int:
        return self.top - 4

    @property
    def band_height(self) -> int:
        return ROW_HEIGHT * len(self.bars) + 8

    @property
    def reference_mid_x(self) -> float:
        return round((self.reference_x + self.reference_end_x) / 2, 1)

    @property
    def reference_x(self) -> float:
        return self.x(self.reference[0]) if self.reference else 0

    @property
    def reference_width(self) -> float:
        if not self.reference:
            return 0
        return round(self.x(self.reference[1]) - self.x(self.reference[0]), 1)

    @property
    def reference_end_x(self) -> float:
        return self.x(self.reference[1]) if self.reference else 0


def _share_bars(
    groups: Iterable[Group], predicate: Callable[[PupilCoverage], bool]
) -> list[Bar]:
    bars = []
    for group in groups:
        share = group.share(predicate)
        bars.append(
            Bar(
                label=group.label,
                value=share or 0,
                text=_("%(share)s %% (%(count)s/%(total)s)")
                % {
                    "share": format_cell(share),
                    "count": group.count(predicate),
                    "total": len(group.pupils),
                },
                is_total=group.is_total,
            )
        )
    return bars


def _describe(bars: list[Bar]) -> str:
    return "; ".join(f"{bar.label}: {bar.text}" for bar in bars)


def activity_chart(coverage: SchoolCoverage) -> BarChart:
    bars = _share_bars(coverage.classes, lambda p: p.entry_count > 0)
    return BarChart(
        id="chart-kinds",
        title=_("Share of pupils with at least one activity this year, by class"),
        desc=_describe(bars),
        bars=bars,
        max_value=100,
    )


def stage_chart(coverage: SchoolCoverage, indicator: StageIndicator) -> BarChart:
    groups = [
        coverage.total(indicator.levels, str(indicator.level_label)),
        *(g for g in coverage.classes if g.level in indicator.levels),
    ]
    bars = _share_bars(groups, lambda p: p.has_done(indicator.kind))
    return BarChart(
        id=f"chart-{indicator.name}",
        title=str(indicator.title),
        desc=_describe(bars),
        bars=bars,
        max_value=100,
    )


def metiers_chart(coverage: SchoolCoverage) -> BarChart:
    low, high = METIER_TARGET
    bars = []
    for group in coverage.classes:
        if group.level not in CYCLE_4_LEVELS:
            continue
        average = group.average(lambda p: p.metiers_cycle_4)
        bars.append(
            Bar(
                label=group.label,
                value=average or 0,
                text=format_cell(average),
            )
        )
    reference_label = _(
        "Cycle 4 target: %(low)s to %(high)s métiers by the end of 3e"
    ) % {
        "low": low,
        "high": high,
    }
    return BarChart(
        id="chart-metiers",
        title=_("Average number of métiers discovered per pupil since 5e, by class"),
        desc=f"{reference_label}. {_describe(bars)}",
        bars=bars,
        max_value=max([high + 10, *(bar.value for bar in bars)]),
        reference=(low, high),
        reference_label=_("target: %(low)s to %(high)s") % {"low": low, "high": high},
    )


def metier_bands_chart(table: Table) -> BarChart:
    bars = [
        Bar(
            label=row.headers[0],
            value=float(row.cells[0] or 0),  # type: ignore[arg-type]
            text=format_cell(row.cells[0]),
        )
        for row in table.rows
    ]
    return BarChart(
        id="chart-metier-bands",
        title=table.caption,
        desc=_describe(bars),
        bars=bars,
        max_value=max([1.0, *(bar.value for bar in bars)]),
    )
