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

# What one passport may hold: the bounds of a render in the web request
# (WeasyPrint cannot be interrupted; see docs/passport.md). The render time grows
# with the pages: about 4 s for 100 entries, 9 s for 250, 21 s for 500 on a busy
# two-core machine, hence 200. Beyond MAX_ENTRIES
# the most recent entries are kept and the passport says how many were left out;
# pictures go to the most recent entries first, MAX_IMAGES_PER_ENTRY each and
# MAX_IMAGES in all (the fetcher also caps their bytes).
MAX_ENTRIES = 200
MAX_IMAGES_PER_ENTRY = 6
MAX_IMAGES = 40


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
    # Chosen but left out by the bounds above (the passport says so).
    entries_left_out: int = 0
    images_left_out: int = 0


def build_passport(
    owner: User, choice: PassportChoice, *, viewer: User | None = None
) -> Passport:
    """Everything the passport shows, in a fixed number of queries, read
    through `viewer`'s rights (the pupil themself by default; a teacher's
    class batch reads only what the teacher may see)."""
    viewer = viewer or owner
    chosen = entries_visible_to(viewer).filter(owner=owner, is_draft=False)
    if choice.entry_ids is None:
        chosen = chosen.exclude(visibility=Visibility.PRIVATE)
    else:
        chosen = chosen.filter(pk__in=choice.entry_ids)
    comments = Comment.objects.none()
    if choice.with_comments:
        comments = Comment.objects.select_related("author").order_by("created_at")
    newest_first: list[Entry] = list(
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
        .order_by("-start_date", "-created_at")[:MAX_ENTRIES]
    )
    entries_left_out = (
        chosen.count() - MAX_ENTRIES if len(newest_first) == MAX_ENTRIES else 0
    )
    images_left_out = _share_out_pictures(newest_first)
    entries = newest_first[::-1]
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
        groups=queries.group_by_school_year(newest_first),
        entry_count=len(entries),
        counts=counted.most_common(),
        metiers=metiers,
        with_comments=choice.with_comments,
        entries_left_out=entries_left_out,
        images_left_out=images_left_out,
    )
    if choice.with_project:
        project = projects_visible_to(viewer).filter(owner=owner).first()
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
            interviews_visible_to(viewer)
            .filter(pupil=owner, in_passport=True)
            .only("pk", "planned_at", "level", "synthesis", "next_steps", "status")
            .order_by("planned_at")
        )
    return passport


def _share_out_pictures(newest_first: list[Entry]) -> int:
    """Keep MAX_IMAGES_PER_ENTRY thumbnails per entry and MAX_IMAGES in all, the
    most recent entries first; returns how many were left out."""
    left = MAX_IMAGES
    dropped = 0
    for entry in newest_first:
        thumbnails: list[Attachment] = getattr(entry, "thumbnails", [])
        kept = thumbnails[: min(MAX_IMAGES_PER_ENTRY, left)]
        dropped += len(thumbnails) - len(kept)
        left -= len(kept)
        entry.thumbnails = kept  # type: ignore[attr-defined]
    return dropped
