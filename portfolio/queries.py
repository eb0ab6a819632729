"""Read helpers for the pupil space. They start from querysets the policy
produced and never widen them; each page costs a fixed number of queries."""

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import Count, F, Max, Prefetch, Q, QuerySet

from classes.models import SchoolYear, school_year_start_for
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
    pupils: list[Any], readable: QuerySet[Entry], year: SchoolYear | None
) -> list[PupilProgress]:
    """Entries this year per pupil and group of kinds, and the last activity,
    counted only over `readable` (what the viewer may see): two queries."""
    rows = {pupil.pk: PupilProgress(pupil=pupil) for pupil in pupils}
    if year is None:
        return list(rows.values())
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
