"""The pupil's portfolio: entries (traces) with métiers, formations, tags,
attachments and comments, and the orientation project."""

import uuid
from pathlib import PurePosixPath
from typing import Any

import pghistory
import pgtrigger
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from classes.kinds import KIND_ICONS, ActivityKind
from classes.models import Assignment, ClassEvent, Level, School, SchoolYear
from portfolio.validators import validate_entry_date, validate_rome_code

# The kinds are shared with class assignments and events (classes.kinds).
EntryKind = ActivityKind


# The 3e observation sequence lasts at most 5 days, consecutive or not.
MAX_DAYS: dict[str, int] = {EntryKind.OBSERVATION_STAGE: 5, EntryKind.SECONDE_STAGE: 10}


class Visibility(models.TextChoices):
    PRIVATE = "private", _("Private: only me")
    # Answers to an assignment only: the assignment's author, nobody else.
    TEACHER = "teacher", _("Shared with the teacher who gave the activity")
    SHARED = "shared", _("Shared with my teachers and the educational team")


class Interest(models.IntegerChoices):
    NONE = 1, _("Not for me")
    LITTLE = 2, _("A little")
    MUCH = 3, _("A lot")
    PASSION = 4, _("Passionately")


class RomeDomain(models.TextChoices):
    """The 14 professional domains of the ROME (grands domaines A–N)."""

    A = "A", _("Agriculture, fishing, natural spaces, animal care")
    B = "B", _("Arts and crafts")
    C = "C", _("Banking, insurance, real estate")
    D = "D", _("Retail, sales and distribution")
    E = "E", _("Communication, media and multimedia")
    F = "F", _("Construction, building and public works")
    G = "G", _("Hospitality, tourism, leisure and entertainment")
    H = "H", _("Industry")
    I = "I", _("Installation and maintenance")  # noqa: E741 - the ROME letter
    J = "J", _("Health")
    K = "K", _("Services to people and communities")
    L = "L", _("Performing arts")
    M = "M", _("Business support")
    N = "N", _("Transport and logistics")


class Metier(models.Model):
    """Reference list of métiers (loaded by `manage.py import_metiers`)."""

    label = models.CharField(_("label"), max_length=200)
    rome_code = models.CharField(
        _("ROME code"), max_length=5, unique=True, validators=[validate_rome_code]
    )
    domain = models.CharField(_("domain"), max_length=1, choices=RomeDomain.choices)

    class Meta:
        ordering = ["label"]
        verbose_name = _("métier")
        verbose_name_plural = _("métiers")

    def __str__(self) -> str:
        return f"{self.label} ({self.rome_code})"


class Tag(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tags"
    )
    name = models.CharField(_("name"), max_length=40)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "name"], name="tag_unique_per_owner"
            )
        ]

    def __str__(self) -> str:
        return self.name


class EntryQuerySet(models.QuerySet["Entry"]):
    def alive(self) -> "EntryQuerySet":
        return self.filter(deleted_at__isnull=True)

    def in_trash(self) -> "EntryQuerySet":
        return self.filter(deleted_at__isnull=False)


# History (portfolio/history.py): PostgreSQL triggers record every insert and
# change, bulk updates included; an entry deleted for good takes its history
# with it (history_purge_deleted).
@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    exclude=["updated_at"],
    meta={
        "verbose_name": _("entry history event"),
        "verbose_name_plural": _("entry history events"),
    },
)
class Entry(models.Model):
    """One discovery or activity of the parcours Avenir, owned by the pupil."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="entries",
        verbose_name=_("pupil"),
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=30, choices=EntryKind.choices)
    start_date = models.DateField(
        _("date"), null=True, blank=True, validators=[validate_entry_date]
    )
    end_date = models.DateField(
        _("end date"), null=True, blank=True, validators=[validate_entry_date]
    )
    day_count = models.PositiveSmallIntegerField(
        _("number of days"), null=True, blank=True
    )
    # Where the pupil was when it happened, set from the enrolment.
    school_year = models.ForeignKey(
        SchoolYear, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    level = models.CharField(
        _("level"), max_length=10, choices=Level.choices, blank=True
    )
    school = models.ForeignKey(
        School, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    organisation_name = models.CharField(_("organisation"), max_length=200, blank=True)
    organisation_sector = models.CharField(_("sector"), max_length=120, blank=True)
    organisation_town = models.CharField(_("town"), max_length=120, blank=True)
    contact = models.CharField(_("contact person"), max_length=200, blank=True)
    tutor = models.CharField(_("tutor"), max_length=200, blank=True)
    what_i_did = models.TextField(_("what I did"), max_length=5000, blank=True)
    what_i_learned = models.TextField(_("what I learned"), max_length=5000, blank=True)
    what_i_liked = models.TextField(
        _("what I liked or disliked"), max_length=5000, blank=True
    )
    interest = models.PositiveSmallIntegerField(
        _("my interest"), choices=Interest.choices, null=True, blank=True
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="entries")
    visibility = models.CharField(
        _("visibility"),
        max_length=10,
        choices=Visibility.choices,
        default=Visibility.PRIVATE,
    )
    is_draft = models.BooleanField(_("draft"), default=False)
    # The assignment this entry answers; deleting the assignment only unlinks.
    assignment = models.ForeignKey(
        Assignment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="answers",
        verbose_name=_("assignment"),
    )
    reviewed_at = models.DateTimeField(_("reviewed on"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The class activity this entry was pre-filled from (class-wide discovery).
    class_event = models.ForeignKey(
        ClassEvent,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="entries",
    )
    deleted_at = models.DateTimeField(_("moved to the trash at"), null=True, blank=True)
    # A stable identity across instances and schools: set when an entry is
    # imported from an archive, and carried by every later export.
    source_id = models.CharField(max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EntryQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "-created_at"]
        verbose_name = _("entry")
        verbose_name_plural = _("entries")
        indexes = [models.Index(fields=["owner", "deleted_at", "-start_date"])]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "source_id"],
                condition=~Q(source_id=""),
                name="entry_source_id_unique_per_owner",
            ),
            models.UniqueConstraint(
                fields=["owner", "class_event"],
                condition=Q(class_event__isnull=False),
                name="entry_one_per_pupil_and_class_event",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=F("start_date")),
                name="entry_end_not_before_start",
                violation_error_message=_("The end date cannot be before the start."),
            ),
            models.CheckConstraint(
                condition=Q(is_draft=True)
                | (~Q(title="") & Q(start_date__isnull=False)),
                name="entry_finished_has_title_and_date",
                violation_error_message=_("A finished entry needs a title and a date."),
            ),
        ]

    def __str__(self) -> str:
        return self.title or str(_("Untitled draft"))

    def clean(self) -> None:
        """The constraints below, checked in Python so the message names a field."""
        errors = {}
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = _("The end date cannot be before the start.")
        if not self.is_draft:
            if not self.title.strip():
                errors["title"] = _("Give the entry a title.")
            if self.start_date is None:
                errors["start_date"] = _("Give the date of the activity.")
        if errors:
            raise ValidationError(errors)

    @property
    def icon(self) -> str:
        return KIND_ICONS.get(self.kind, "fr-icon-bookmark-line")

    @property
    def is_shared(self) -> bool:
        """Someone besides the pupil may read it (once finished)."""
        return self.visibility != Visibility.PRIVATE


class EntryMetier(models.Model):
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="metiers")
    label = models.CharField(_("métier"), max_length=200)
    rome_code = models.CharField(
        _("ROME code"), max_length=5, blank=True, validators=[validate_rome_code]
    )

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.label} ({self.rome_code})" if self.rome_code else self.label


class EntryFormation(models.Model):
    entry = models.ForeignKey(
        Entry, on_delete=models.CASCADE, related_name="formations"
    )
    label = models.CharField(_("formation"), max_length=200)
    diploma = models.CharField(_("diploma"), max_length=120, blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.label} ({self.diploma})" if self.diploma else self.label


def attachment_path(instance: "Attachment", filename: str) -> str:
    """A random name: the pupil's file name is kept in the database only."""
    suffix = PurePosixPath(filename).suffix.lower()
    return f"attachments/{uuid.uuid4().hex[:2]}/{uuid.uuid4().hex}{suffix}"


class Attachment(models.Model):
    entry = models.ForeignKey(
        Entry, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_path, max_length=200)
    thumbnail = models.FileField(upload_to=attachment_path, max_length=200, blank=True)
    original_name = models.CharField(_("file name"), max_length=150)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    is_image = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    exclude=["read_by_owner_at"],
    meta={
        "verbose_name": _("comment history event"),
        "verbose_name_plural": _("comment history events"),
    },
)
class Comment(models.Model):
    """Staff feedback on a shared entry, or the pupil's answer."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    body = models.TextField(_("comment"), max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)
    # When the pupil who owns the entry saw it (staff comments only).
    read_by_owner_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.body[:40]


class Project(models.Model):
    """The pupil's orientation project, with its own sharing switch."""

    owner = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="project"
    )
    is_shared = models.BooleanField(_("shared"), default=False)
    metiers = models.TextField(
        _("métiers I am considering"), max_length=2000, blank=True
    )
    formations = models.TextField(
        _("formations I am considering"), max_length=2000, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.owner}"


class DomainInterest(models.Model):
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="interests"
    )
    domain = models.CharField(max_length=1, choices=RomeDomain.choices)
    level = models.PositiveSmallIntegerField(choices=Interest.choices)

    class Meta:
        ordering = ["domain"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "domain"], name="domain_interest_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.domain}: {self.level}"


class Wish(models.Model):
    """What the pupil wishes for next year, written during a school year."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="wishes"
    )
    school_year = models.ForeignKey(
        SchoolYear, on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("my wishes for next year"), max_length=2000)

    class Meta:
        ordering = ["-school_year__start_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "school_year"], name="wish_per_year"
            )
        ]

    def __str__(self) -> str:
        return self.text[:40]


class CompetenceCategory(models.TextChoices):
    INFORM = "inform", _("S'informer et se repérer")
    DISCOVER = "discover", _("Se découvrir et cultiver ses ambitions")
    PROJECT = "project", _("Se construire et se projeter")


class Competence(models.Model):
    """A “compétence à s'orienter”; the list is configurable in the admin."""

    category = models.CharField(max_length=10, choices=CompetenceCategory.choices)
    label = models.CharField(_("competence"), max_length=200)
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["category", "position", "pk"]

    def __str__(self) -> str:
        return self.label


class SelfAssessment(models.Model):
    """A level the pupil gave themself on a date; history shows progress."""

    class Level(models.IntegerChoices):
        BEGINNING = 1, _("I am starting")
        PROGRESSING = 2, _("I am making progress")
        CONFIDENT = 3, _("I am at ease")
        EXPERT = 4, _("I could explain it to others")

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="self_assessments"
    )
    competence = models.ForeignKey(
        Competence, on_delete=models.CASCADE, related_name="+"
    )
    level = models.PositiveSmallIntegerField(choices=Level.choices)
    assessed_on = models.DateField(default=timezone.localdate)

    class Meta:
        ordering = ["-assessed_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.competence}: {self.level}"


class InterviewStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    PREPARED = "prepared", _("Prepared by the pupil")
    HELD = "held", _("Held")
    FOLLOWED_UP = "followed_up", _("Followed up")
    CANCELLED = "cancelled", _("Cancelled")


# The confidential note is never copied into the history, whose readers are
# not the note's readers.
@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    exclude=["confidential_note", "updated_at"],
    meta={
        "verbose_name": _("interview history event"),
        "verbose_name_plural": _("interview history events"),
    },
)
class Interview(models.Model):
    """An orientation interview (entretien personnalisé d'orientation).

    planned (by the professeur principal or the Psy-EN) → prepared (the pupil
    chose entries and answered the questions) → held (the synthesis and next
    steps are written; the pupil reads them) → followed up. The confidential
    note is read only by the roles the school allows (School.confidential_note_roles).
    """

    pupil = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="interviews",
        verbose_name=_("pupil"),
    )
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    school_year = models.ForeignKey(
        SchoolYear, on_delete=models.PROTECT, related_name="+"
    )
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("organised by"),
    )
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="+",
        verbose_name=_("staff taking part"),
    )
    planned_at = models.DateTimeField(_("date and time"))
    place = models.CharField(_("place"), max_length=120, blank=True)
    family_invited = models.BooleanField(_("the family is invited"), default=False)
    status = models.CharField(
        max_length=12, choices=InterviewStatus.choices, default=InterviewStatus.PLANNED
    )
    # The pupil's preparation.
    entries = models.ManyToManyField(
        Entry, blank=True, related_name="+", verbose_name=_("entries to discuss")
    )
    prep_interests = models.TextField(
        _("What interests me at the moment"), max_length=2000, blank=True
    )
    prep_worries = models.TextField(
        _("What I am unsure or worried about"), max_length=2000, blank=True
    )
    prep_questions = models.TextField(
        _("The questions I want to ask"), max_length=2000, blank=True
    )
    # After the meeting.
    synthesis = models.TextField(_("synthesis"), max_length=5000, blank=True)
    next_steps = models.TextField(_("agreed next steps"), max_length=3000, blank=True)
    confidential_note = models.TextField(
        _("confidential note"), max_length=5000, blank=True
    )
    follow_up = models.TextField(_("follow-up"), max_length=3000, blank=True)
    in_passport = models.BooleanField(_("shown in my passport"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-planned_at", "-pk"]
        verbose_name = _("orientation interview")
        verbose_name_plural = _("orientation interviews")

    def __str__(self) -> str:
        return f"{self.pupil} — {self.planned_at:%Y-%m-%d}"

    @property
    def is_held(self) -> bool:
        return self.status in {InterviewStatus.HELD, InterviewStatus.FOLLOWED_UP}


class AccessLog(models.Model):
    """Insert-only: a member of staff opened part of a pupil's portfolio.
    The pupil reads their own log; nothing updates or deletes rows."""

    class What(models.TextChoices):
        PORTFOLIO = "portfolio", _("your portfolio")
        ENTRY = "entry", _("an entry")
        PROJECT = "project", _("your project")
        INTERVIEW = "interview", _("an interview")
        ATTACHMENT = "attachment", _("a file")

    pupil = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reader_name = models.CharField(max_length=300)
    what = models.CharField(max_length=12, choices=What.choices)
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["pupil", "-at"])]
        # Insert-only in the database too (PostgreSQL): no UPDATE, except the
        # reader set to NULL when a staff account is deleted (on_delete); no
        # DELETE outside the retention purge and the RGPD erasure, which lift
        # this trigger (classes.rgpd.access_log_deletion).
        triggers = [
            pgtrigger.Protect(
                name="accesslog_insert_only_update",
                operation=pgtrigger.Update,
                condition=pgtrigger.Condition(
                    'NOT (NEW."reader_id" IS NULL AND '
                    '(OLD."id", OLD."pupil_id", OLD."reader_name", OLD."what", '
                    'OLD."object_id", OLD."at") IS NOT DISTINCT FROM '
                    '(NEW."id", NEW."pupil_id", NEW."reader_name", NEW."what", '
                    'NEW."object_id", NEW."at"))'
                ),
            ),
            pgtrigger.Protect(
                name="accesslog_insert_only_delete", operation=pgtrigger.Delete
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reader_name} → {self.pupil_id} {self.what}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("The access log is insert-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValueError("The access log is insert-only.")
