"""The pupil's passport: what goes in, read through the access policy.

The pupil chooses the entries (all their finished shared entries by default),
whether the project and the teachers' comments go in, and which held
interviews (only those they added to their passport, and only the synthesis
and next steps: a confidential note is never read here).
"""

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from classes.models import Enrolment, SchoolYear, User
from portfolio import queries
from portfolio.models import (
    Attachment,
    Comment,
    Entry,
    EntryKind,
    EntryMetier,
    Interview,
    Project,
    RomeDomain,
    SelfAssessment,
    Visibility,
)
from portfolio.permissions import (
    entries_visible_to,
    interviews_visible_to,
    projects_visible_to,
)

MAX_ENTRIES = 500
MAX_IMAGES_PER_ENTRY = 6


@dataclass(frozen=True)
class PassportChoice:
    entry_ids: frozenset[int] | None = None  # None: every shared entry
    with_project: bool = True
    with_comments: bool = False
    with_interviews: bool = True


def passport_entries(owner: User) -> QuerySet[Entry]:
    """The entries a pupil may put in their passport: their finished ones."""
    return entries_visible_to(owner).filter(owner=owner, is_draft=False)


def default_entries(owner: User) -> QuerySet[Entry]:
    return passport_entries(owner).exclude(visibility=Visibility.PRIVATE)


@dataclass
class Passport:
    owner: User
    enrolment: Enrolment | None
    generated_on: Any
    groups: list[queries.YearGroup]
    entry_count: int
    counts: list[tuple[str, int]]
    metiers: list[str]
    project: Project | None = None
    domains: list[tuple[Any, Any]] = field(default_factory=list)
    wishes: list[Any] = field(default_factory=list)
    assessments: list[SelfAssessment] = field(default_factory=list)
    interviews: list[Interview] = field(default_factory=list)
    with_comments: bool = False


def build_passport(owner: User, choice: PassportChoice) -> Passport:
    """Everything the passport shows, in a fixed number of queries."""
    chosen = passport_entries(owner)
    if choice.entry_ids is None:
        chosen = chosen.exclude(visibility=Visibility.PRIVATE)
    else:
        chosen = chosen.filter(pk__in=choice.entry_ids)
    comments = Comment.objects.none()
    if choice.with_comments:
        comments = Comment.objects.select_related("author").order_by("created_at")
    entries: list[Entry] = list(
        queries.with_timeline_data(chosen)
        .prefetch_related(
            "formations",
            Prefetch("comments", queryset=comments, to_attr="shown_comments"),
            Prefetch(
                "attachments",
                queryset=Attachment.objects.filter(is_image=True).exclude(thumbnail=""),
                to_attr="thumbnails",
            ),
        )
        .order_by("start_date", "created_at")[:MAX_ENTRIES]
    )
    kinds = dict(EntryKind.choices)
    counted = Counter(str(kinds.get(entry.kind, entry.kind)) for entry in entries)
    metiers = sorted(
        set(
            EntryMetier.objects.filter(entry__in=[e.pk for e in entries]).values_list(
                "label", flat=True
            )
        )
    )
    year = SchoolYear.objects.current()
    passport = Passport(
        owner=owner,
        enrolment=Enrolment.objects.filter(pupil=owner, year=year)
        .select_related("school_class__school", "year")
        .first(),
        generated_on=timezone.localdate(),
        groups=queries.group_by_school_year(entries[::-1]),
        entry_count=len(entries),
        counts=counted.most_common(),
        metiers=metiers,
        with_comments=choice.with_comments,
    )
    if choice.with_project:
        project = projects_visible_to(owner).filter(owner=owner).first()
        if project is not None:
            interests = {i.domain: i for i in project.interests.all()}
            passport.project = project
            passport.domains = [
                (domain, interests[domain.value])
                for domain in RomeDomain
                if domain.value in interests
            ]
            passport.wishes = list(project.wishes.select_related("school_year"))
            latest: dict[int, SelfAssessment] = {}
            for assessment in project.self_assessments.select_related("competence"):
                latest.setdefault(assessment.competence_id, assessment)
            passport.assessments = list(latest.values())
    if choice.with_interviews:
        passport.interviews = list(
            interviews_visible_to(owner)
            .filter(pupil=owner, in_passport=True)
            .only("pk", "planned_at", "level", "synthesis", "next_steps", "status")
            .order_by("planned_at")
        )
    return passport
