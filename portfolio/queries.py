"""Read helpers for the pupil space. They start from querysets the policy
produced and never widen them; each page costs a fixed number of queries."""

import datetime
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import Count, F, Max, Prefetch, Q, QuerySet, TextChoices
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from classes.models import (
    Assignment,
    AssignmentSeen,
    SchoolYear,
    User,
    school_year_start_for,
)
from portfolio.models import (
    Attachment,
    Comment,
    Entry,
    EntryKind,
    EntryMetier,
    Visibility,
)

SEARCHED_FIELDS = (
    "title",
    "organisation_name",
    "what_i_did",
    "what_i_learned",
    "what_i_liked",
)


def with_timeline_data(entries: QuerySet[Entry]) -> QuerySet[Entry]:
    """Everything a timeline card shows, in a fixed number of queries."""
    return (
        entries.select_related("school_year")
        .prefetch_related(
            "metiers",
            "tags",
            Prefetch(
                "attachments",
                queryset=Attachment.objects.filter(is_image=True),
                to_attr="images",
            ),
        )
        .annotate(
            attachment_count=Count("attachments", distinct=True),
            comment_count=Count("comments", distinct=True),
        )
        .order_by("-start_date", "-created_at")
    )


def search(entries: QuerySet[Entry], text: str) -> QuerySet[Entry]:
    """Full-text search (French stemming on PostgreSQL, substring on SQLite)."""
    text = text.strip()
    if not text:
        return entries
    metier_match = Q(metiers__label__icontains=text) | Q(
        metiers__rome_code=text.upper()
    )
    if connection.vendor == "postgresql":
        matching = entries.annotate(
            document=SearchVector(*SEARCHED_FIELDS, config="french")
        ).filter(document=SearchQuery(text, config="french", search_type="websearch"))
        return entries.filter(Q(pk__in=matching.values("pk")) | metier_match).distinct()
    substring = Q()
    for name in SEARCHED_FIELDS:
        substring |= Q(**{f"{name}__icontains": text})
    return entries.filter(substring | metier_match).distinct()


def apply_filters(entries: QuerySet[Entry], data: dict[str, Any]) -> QuerySet[Entry]:
    if data.get("kind"):
        entries = entries.filter(kind=data["kind"])
    if data.get("year"):
        entries = entries.filter(school_year_id=data["year"])
    if data.get("metier"):
        term = data["metier"].strip()
        entries = entries.filter(
            Q(metiers__label__icontains=term) | Q(metiers__rome_code=term.upper())
        ).distinct()
    if data.get("tag"):
        entries = entries.filter(tags__name=data["tag"])
    if data.get("shared") == "yes":
        entries = entries.filter(visibility=Visibility.SHARED)
    elif data.get("shared") == "no":
        entries = entries.filter(visibility=Visibility.PRIVATE)
    return search(entries, data.get("q") or "")


@dataclass
class YearGroup:
    start_year: int
    level_label: str = ""
    entries: list[Entry] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.start_year}-{self.start_year + 1}"


def group_by_school_year(entries: list[Entry]) -> list[YearGroup]:
    """Newest school year first; within a year, newest entry first."""
    groups: dict[int, YearGroup] = {}
    for entry in entries:
        if entry.school_year is not None:
            start = entry.school_year.start_year
        else:
            start = school_year_start_for(entry.start_date or entry.created_at.date())
        group = groups.setdefault(start, YearGroup(start_year=start))
        if not group.level_label and entry.level:
            group.level_label = entry.get_level_display()
        group.entries.append(entry)
    return [groups[year] for year in sorted(groups, reverse=True)]


def counts_by_kind(
    entries: QuerySet[Entry], year: SchoolYear | None
) -> list[tuple[str, int]]:
    """“3 company visits, 1 mini-stage” for the school year, biggest first."""
    if year is None:
        return []
    counted = Counter(
        dict(
            entries.filter(school_year=year, is_draft=False)
            .values_list("kind")
            .annotate(n=Count("pk"))
            .values_list("kind", "n")
        )
    )
    labels = dict(EntryKind.choices)
    return [(str(labels.get(kind, kind)), n) for kind, n in counted.most_common()]


def owner_years(entries: QuerySet[Entry]) -> list[tuple[int, str]]:
    years = SchoolYear.objects.filter(pk__in=entries.values("school_year")).order_by(
        "-start_year"
    )
    return [(year.pk, str(year)) for year in years]


@dataclass
class PupilProgress:
    pupil: Any
    counts: dict[str, int] = field(default_factory=dict)
    last_activity: Any = None
    assignments_given: int = 0
    assignments_answered: int = 0

    @property
    def total(self) -> int:
        return sum(self.counts.values())


# Columns of the progress table: kinds grouped the way a teacher counts them.
PROGRESS_GROUPS = {
    "visits": (EntryKind.COMPANY_VISIT, EntryKind.TRAINING_VISIT, EntryKind.OPEN_DAY),
    "meetings": (EntryKind.FORUM, EntryKind.PROFESSIONAL_MEETING, EntryKind.INTERVIEW),
    "stages": (
        EntryKind.MINI_STAGE,
        EntryKind.OBSERVATION_STAGE,
        EntryKind.SECONDE_STAGE,
        EntryKind.PFMP,
        EntryKind.IMMERSION,
    ),
    "other": (EntryKind.CLASS_ACTIVITY, EntryKind.PERSONAL_RESEARCH, EntryKind.OTHER),
}
KIND_TO_GROUP: dict[str, str] = {
    kind: group for group, kinds in PROGRESS_GROUPS.items() for kind in kinds
}


def class_progress(
    pupils: list[Any],
    readable: QuerySet[Entry],
    year: SchoolYear | None,
    assignments: QuerySet[Assignment] | None = None,
) -> list[PupilProgress]:
    """Entries this year per pupil and group of kinds, the last activity, and
    the class's assignments answered, counted only over `readable` (what the
    viewer may see): a fixed number of queries, whatever the class size."""
    rows = {pupil.pk: PupilProgress(pupil=pupil) for pupil in pupils}
    if year is None:
        return list(rows.values())
    if assignments is not None:
        _count_assignments(rows, readable, assignments)
    counted = (
        readable.filter(owner_id__in=rows, school_year=year)
        .values("owner_id", "kind")
        .annotate(n=Count("pk"), last=Max("start_date"))
    )
    for item in counted:
        row = rows[item["owner_id"]]
        group = KIND_TO_GROUP.get(item["kind"], "other")
        row.counts[group] = row.counts.get(group, 0) + item["n"]
        if row.last_activity is None or item["last"] > row.last_activity:
            row.last_activity = item["last"]
    return list(rows.values())


def _count_assignments(
    rows: dict[int, PupilProgress],
    readable: QuerySet[Entry],
    assignments: QuerySet[Assignment],
) -> None:
    expected = list(
        assignments.filter(answer_expected=True).prefetch_related(
            Prefetch(
                "chosen_pupils",
                queryset=User.objects.only("pk"),
                to_attr="chosen",
            )
        )
    )
    for assignment in expected:
        chosen = {pupil.pk for pupil in assignment.chosen} or rows.keys()
        for pupil_id in chosen:
            if pupil_id in rows:
                rows[pupil_id].assignments_given += 1
    answered = (
        readable.filter(
            owner_id__in=rows, assignment__in=[a.pk for a in expected], is_draft=False
        )
        .values("owner_id")
        .annotate(n=Count("assignment_id", distinct=True))
    )
    for item in answered:
        rows[item["owner_id"]].assignments_answered = item["n"]


@dataclass
class PupilSynthesis:
    progress: PupilProgress
    metiers: list[str] = field(default_factory=list)
    last_comments: list[Any] = field(default_factory=list)


def class_synthesis(
    pupils: list[Any], readable: QuerySet[Entry], year: SchoolYear | None
) -> list[PupilSynthesis]:
    """Per pupil, for the conseil de classe: shared entries this year by kind
    group, métiers discovered and the last three comments. Four queries."""
    rows = [
        PupilSynthesis(progress=row) for row in class_progress(pupils, readable, year)
    ]
    if year is None:
        return rows
    by_pupil = {row.progress.pupil.pk: row for row in rows}
    this_year = readable.filter(owner_id__in=by_pupil, school_year=year)
    metiers = (
        EntryMetier.objects.filter(entry__in=this_year)
        .values_list("entry__owner_id", "label")
        .order_by("entry__owner_id", "label")
        .distinct()
    )
    for owner_id, label in metiers:
        by_pupil[owner_id].metiers.append(label)
    comments = (
        Comment.objects.filter(entry__in=this_year)
        .exclude(author_id=F("entry__owner_id"))
        .select_related("author", "entry")
        .order_by("-created_at")
    )
    for comment in comments:
        row = by_pupil[comment.entry.owner_id]
        if len(row.last_comments) < 3:
            row.last_comments.append(comment)
    return rows


class AssignmentStatus(TextChoices):
    TODO = "todo", _("To do")
    DRAFT = "draft", _("Started")
    DONE = "done", _("Done")
    LATE = "late", _("Late")
    CLOSED = "closed", _("Closed")
    INFO = "info", _("For information")


STATUS_BADGES = {
    AssignmentStatus.TODO: "fr-badge--info",
    AssignmentStatus.DRAFT: "fr-badge--new",
    AssignmentStatus.DONE: "fr-badge--success",
    AssignmentStatus.LATE: "fr-badge--error",
    AssignmentStatus.CLOSED: "",
    AssignmentStatus.INFO: "",
}


@dataclass
class PupilAssignment:
    assignment: Assignment
    answer: Entry | None
    status: str
    is_new: bool

    @property
    def status_label(self) -> str:
        return str(AssignmentStatus(self.status).label)

    @property
    def badge(self) -> str:
        return STATUS_BADGES[AssignmentStatus(self.status)]


def assignment_status(
    assignment: Assignment, answer: Entry | None, today: datetime.date
) -> str:
    if answer is not None and not answer.is_draft:
        return AssignmentStatus.DONE
    if not assignment.answer_expected:
        return AssignmentStatus.INFO
    if assignment.is_closed:
        return AssignmentStatus.CLOSED
    if assignment.due_on < today:
        return AssignmentStatus.LATE
    if answer is not None:
        return AssignmentStatus.DRAFT
    return AssignmentStatus.TODO


def pupil_assignments(
    pupil: Any, assignments: QuerySet[Assignment], own_entries: QuerySet[Entry]
) -> list[PupilAssignment]:
    """The pupil's assignments with their status and answer: three queries."""
    today = timezone.localdate()
    listed = list(
        assignments.select_related("author").order_by("is_closed", "due_on", "pk")
    )
    answers: dict[int, Entry] = {}
    for entry in own_entries.filter(assignment__in=[a.pk for a in listed]).order_by(
        "is_draft", "-updated_at"
    ):
        answers.setdefault(entry.assignment_id, entry)  # type: ignore[arg-type]
    seen = set(
        AssignmentSeen.objects.filter(
            pupil=pupil, assignment__in=[a.pk for a in listed]
        ).values_list("assignment_id", flat=True)
    )
    return [
        PupilAssignment(
            assignment=assignment,
            answer=answers.get(assignment.pk),
            status=assignment_status(assignment, answers.get(assignment.pk), today),
            is_new=assignment.pk not in seen,
        )
        for assignment in listed
    ]


@dataclass
class AnswerRow:
    pupil: Any
    answer: Entry | None


def assignment_answers(
    assignment: Assignment, pupils: list[Any], readable: QuerySet[Entry]
) -> list[AnswerRow]:
    """Each pupil the assignment is given to, with the answer the viewer may
    read (a private answer or a draft counts as no answer): two queries."""
    chosen = set(assignment.chosen_pupils.values_list("pk", flat=True))
    given = [pupil for pupil in pupils if not chosen or pupil.pk in chosen]
    answers: dict[int, Entry] = {}
    for entry in (
        readable.filter(assignment=assignment)
        .select_related("reviewed_by")
        .annotate(comment_count=Count("comments", distinct=True))
        .order_by("-updated_at")
    ):
        answers.setdefault(entry.owner_id, entry)
    return [AnswerRow(pupil=pupil, answer=answers.get(pupil.pk)) for pupil in given]
