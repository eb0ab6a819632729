"""Who is who in a school: users, schools, years, classes, enrolments and roles."""

import datetime
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import PurePosixPath
from typing import Any

import pghistory
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from classes.kinds import KIND_ICONS, ActivityKind
from classes.validators import validate_uai

# The school year starts at the rentrée; from this day of August on, dates
# belong to the new year.
SCHOOL_YEAR_FIRST_MONTH = 8


def school_year_start_for(day: datetime.date) -> int:
    """Return the calendar year in which the school year containing `day` began."""
    return day.year if day.month >= SCHOOL_YEAR_FIRST_MONTH else day.year - 1


class User(AbstractUser):
    """A person: pupil, teacher, staff member or administrator.

    What a person may do comes from their enrolments, teaching assignments and
    staff roles, not from fields on the user. Pupils arriving by single sign-on
    may have no email address, hence the partial uniqueness constraint.
    """

    email = models.EmailField(_("email address"), blank=True)
    # The person's identifier in the school's information system (SIECLE, STS,
    # the ENT): what imports and single sign-on recognise them by.
    external_id = models.CharField(
        _("school system identifier"), max_length=64, blank=True
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~Q(external_id=""),
                name="user_external_id_unique_when_set",
                violation_error_message=_(
                    "Another person already has this identifier."
                ),
            ),
            models.UniqueConstraint(
                Lower("email"),
                condition=~Q(email=""),
                name="user_email_unique_when_set",
                violation_error_message=_("A user with this email already exists."),
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username


def default_confidential_note_roles() -> list[str]:
    return ["psyen"]


def default_interview_levels() -> list[str]:
    return ["3e", "2de_pro", "1re", "tle"]


class School(models.Model):
    class Kind(models.TextChoices):
        COLLEGE = "college", _("collège")
        LYCEE = "lycee", _("lycée général et technologique")
        LYCEE_PRO = "lycee_pro", _("lycée professionnel")
        LYCEE_POLYVALENT = "lycee_polyvalent", _("lycée polyvalent")

    uai = models.CharField(
        _("UAI"),
        max_length=8,
        unique=True,
        validators=[validate_uai],
        help_text=_("7 digits and a check letter, for example 0750655E."),
        error_messages={"unique": _("A school with this UAI already exists.")},
    )
    name = models.CharField(_("name"), max_length=200)
    city = models.CharField(_("city"), max_length=120)
    academy = models.CharField(_("académie"), max_length=80)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # Which team roles read the confidential notes of orientation interviews.
    confidential_note_roles = models.JSONField(
        _("roles reading confidential interview notes"),
        default=default_confidential_note_roles,
        blank=True,
    )
    # Levels at which orientation interviews (EPO) are held.
    interview_levels = models.JSONField(
        _("levels with orientation interviews"),
        default=default_interview_levels,
        blank=True,
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("school")
        verbose_name_plural = _("schools")

    def __str__(self) -> str:
        return f"{self.name} ({self.city})"


# Values computed once per request (SchoolYear.objects.current()): a dict
# while a request is served (classes.middleware.RequestMemoMiddleware), None
# outside requests (services, tasks, commands, tests calling code directly),
# where nothing is remembered. Never shared between two requests.
_request_memo: ContextVar[dict[object, object] | None] = ContextVar(
    "webclasseur_request_memo", default=None
)


@contextmanager
def request_memo() -> Iterator[None]:
    """Remember SchoolYear.objects.current() until the block ends (a request)."""
    token = _request_memo.set({})
    try:
        yield
    finally:
        _request_memo.reset(token)


def request_memo_forget() -> None:
    """Forget what the current request remembered (a school year was written)."""
    memo = _request_memo.get()
    if memo is not None:
        memo.clear()


class SchoolYearQuerySet(models.QuerySet["SchoolYear"]):
    def current(self) -> "SchoolYear | None":
        """The school year of today (read once per request)."""
        today = timezone.localdate()
        memo = _request_memo.get()
        key = ("current_school_year", self.db, today)
        if memo is not None and key in memo:
            return memo[key]  # type: ignore[return-value]
        year = self.filter(start_year=school_year_start_for(today)).first()
        if memo is not None:
            memo[key] = year
        return year


class SchoolYear(models.Model):
    start_year = models.PositiveSmallIntegerField(_("first calendar year"), unique=True)

    objects = SchoolYearQuerySet.as_manager()

    class Meta:
        ordering = ["-start_year"]
        verbose_name = _("school year")
        verbose_name_plural = _("school years")

    def __str__(self) -> str:
        return f"{self.start_year}-{self.start_year + 1}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        request_memo_forget()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        request_memo_forget()
        return super().delete(*args, **kwargs)


class Level(models.TextChoices):
    """Class levels, in school order (the value is stable, the label translated)."""

    SIXIEME = "6e", _("6e")
    CINQUIEME = "5e", _("5e")
    QUATRIEME = "4e", _("4e")
    TROISIEME = "3e", _("3e")
    TROISIEME_PREPA_METIERS = "3e_pm", _("3e prépa-métiers")
    SEGPA_6E = "segpa_6e", _("6e SEGPA")
    SEGPA_5E = "segpa_5e", _("5e SEGPA")
    SEGPA_4E = "segpa_4e", _("4e SEGPA")
    SEGPA_3E = "segpa_3e", _("3e SEGPA")
    SECONDE = "2de", _("2de")
    PREMIERE = "1re", _("1re")
    TERMINALE = "tle", _("Tle")
    SECONDE_PRO = "2de_pro", _("2de pro")
    PREMIERE_PRO = "1re_pro", _("1re pro")
    TERMINALE_PRO = "tle_pro", _("Tle pro")
    CAP_1 = "cap1", _("CAP 1re année")
    CAP_2 = "cap2", _("CAP 2e année")


LEVEL_ORDER = {value: index for index, value in enumerate(Level.values)}


class Class(models.Model):
    """A class (division) of a school for one school year, such as “3e B”."""

    school = models.ForeignKey(
        School,
        on_delete=models.PROTECT,
        related_name="classes",
        verbose_name=_("school"),
    )
    year = models.ForeignKey(
        SchoolYear,
        on_delete=models.PROTECT,
        related_name="classes",
        verbose_name=_("school year"),
    )
    name = models.CharField(_("name"), max_length=40)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)

    class Meta:
        ordering = ["name"]
        verbose_name = _("class")
        verbose_name_plural = _("classes")
        constraints = [
            models.UniqueConstraint(
                fields=["school", "year", "name"],
                name="class_name_unique_per_school_year",
                violation_error_message=_(
                    "This school already has a class with this name this year."
                ),
            )
        ]

    def __str__(self) -> str:
        return self.name


class Enrolment(models.Model):
    """A pupil in a class for a school year. One class per pupil and year.

    `year` repeats the class's year so the database itself can forbid a second
    enrolment in the same year; services keep the two equal.
    """

    pupil = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        related_name="enrolments",
        verbose_name=_("pupil"),
    )
    school_class = models.ForeignKey(
        Class,
        on_delete=models.CASCADE,
        related_name="enrolments",
        verbose_name=_("class"),
    )
    year = models.ForeignKey(
        SchoolYear, on_delete=models.PROTECT, related_name="+", verbose_name=_("year")
    )
    # A pupil who left the school: no longer in the class lists; they keep
    # reading and exporting their own portfolio until `access_until`.
    left_on = models.DateField(_("left the school on"), null=True, blank=True)
    access_until = models.DateField(
        _("keeps access to their portfolio until"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        # A class's pupils this year: class lists, progress, the policy's
        # "pupils of the classes I teach", the coverage.
        indexes = [
            models.Index(fields=["school_class", "year"], name="enrolment_class_year")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["pupil", "year"],
                name="enrolment_one_class_per_pupil_and_year",
                violation_error_message=_(
                    "This pupil is already enrolled in a class this school year."
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.pupil} — {self.school_class}"

    def clean(self) -> None:
        if (
            self.school_class_id is not None
            and self.year_id is not None
            and self.school_class.year_id != self.year_id
        ):
            raise ValidationError(
                {"year": _("The enrolment's year must be the class's school year.")},
                code="year_mismatch",
            )


# History of who teaches where and who holds which role (classes/history.py):
# PostgreSQL triggers, bulk writes included.
@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    meta={
        "verbose_name": _("teaching assignment history event"),
        "verbose_name_plural": _("teaching assignment history events"),
    },
)
class TeachingAssignment(models.Model):
    """A teacher in a class; the professeur principal has the flag set."""

    teacher = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        related_name="teaching_assignments",
        verbose_name=_("teacher"),
    )
    school_class = models.ForeignKey(
        Class,
        on_delete=models.CASCADE,
        related_name="teaching_assignments",
        verbose_name=_("class"),
    )
    subject = models.CharField(_("subject"), max_length=80, blank=True)
    is_principal = models.BooleanField(_("professeur principal"), default=False)

    class Meta:
        verbose_name = _("teaching assignment")
        verbose_name_plural = _("teaching assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["teacher", "school_class"],
                name="teaching_assignment_unique",
                violation_error_message=_("This teacher already teaches this class."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.teacher} — {self.school_class}"


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    meta={
        "verbose_name": _("staff role history event"),
        "verbose_name_plural": _("staff role history events"),
    },
)
class StaffRole(models.Model):
    """A person's role in a school's educational team."""

    class Role(models.TextChoices):
        HEAD = "head", _("chef d'établissement")
        DEPUTY = "deputy", _("adjoint(e)")
        CPE = "cpe", _("CPE")
        PSYEN = "psyen", _("Psy-EN")
        DOCUMENTALIST = "documentalist", _("professeur documentaliste")
        REFERENT = "referent", _("référent(e)")
        SCHOOL_ADMIN = "school_admin", _("administrateur de l'établissement")

    user = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        related_name="staff_roles",
        verbose_name=_("user"),
    )
    school = models.ForeignKey(
        School,
        on_delete=models.CASCADE,
        related_name="staff_roles",
        verbose_name=_("school"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("staff role")
        verbose_name_plural = _("staff roles")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "school", "role"],
                name="staff_role_unique",
                violation_error_message=_("This person already has this role here."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} ({self.school.uai})"


class AssignmentQuerySet(models.QuerySet["Assignment"]):
    def open_on(self, day: datetime.date) -> "AssignmentQuerySet":
        """Assignments the pupils can see on `day` (opened, whatever their state)."""
        return self.filter(opens_on__lte=day)


class Assignment(models.Model):
    """An activity a teacher gives to a class, or to some of its pupils.

    Pupils answer with entries of their portfolio (portfolio.Entry.assignment);
    the entries stay theirs when the assignment changes or is deleted.
    `version` grows at each save: a save made from an older version is refused,
    so two teachers editing at once cannot overwrite each other.
    """

    school_class = models.ForeignKey(
        Class,
        on_delete=models.CASCADE,
        related_name="assignments",
        verbose_name=_("class"),
    )
    author = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        related_name="authored_assignments",
        verbose_name=_("teacher"),
    )
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=30, choices=ActivityKind.choices)
    instructions = models.TextField(_("instructions"), max_length=5000)
    opens_on = models.DateField(_("visible to pupils from"), default=timezone.localdate)
    due_on = models.DateField(_("due date"))
    answer_expected = models.BooleanField(
        _("the pupils answer with an entry"), default=True
    )
    chosen_pupils = models.ManyToManyField(
        User,
        blank=True,
        related_name="chosen_assignments",
        verbose_name=_("pupils"),
        help_text=_("Leave empty to give the activity to the whole class."),
    )
    is_closed = models.BooleanField(_("closed to answers"), default=False)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [
            models.CheckConstraint(
                condition=Q(due_on__gte=F("opens_on")),
                name="assignment_due_after_opening",
                violation_error_message=_(
                    "The due date cannot be before the opening date."
                ),
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def icon(self) -> str:
        return KIND_ICONS.get(self.kind, "fr-icon-bookmark-line")


class AssignmentSeen(models.Model):
    """The pupil opened the assignment: it no longer counts as new for them."""

    assignment = models.ForeignKey(
        Assignment, on_delete=models.CASCADE, related_name="seen_by"
    )
    pupil = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "pupil"], name="assignment_seen_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.pupil_id} saw {self.assignment_id}"


def resource_path(instance: "ClassResource", filename: str) -> str:
    """A random name: the teacher's file name is kept in the database only."""
    suffix = PurePosixPath(filename).suffix.lower()
    return f"resources/{uuid.uuid4().hex[:2]}/{uuid.uuid4().hex}{suffix}"


class ClassResource(models.Model):
    """A link or a file for the class, or for one of its assignments."""

    school_class = models.ForeignKey(
        Class, on_delete=models.CASCADE, related_name="resources"
    )
    assignment = models.ForeignKey(
        Assignment,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="resources",
    )
    author = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    description = models.CharField(_("short description"), max_length=200)
    url = models.URLField(_("link"), blank=True, max_length=500)
    file = models.FileField(upload_to=resource_path, max_length=200, blank=True)
    original_name = models.CharField(_("file name"), max_length=150, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("class resource")
        verbose_name_plural = _("class resources")
        constraints = [
            models.CheckConstraint(
                condition=(Q(url="") & ~Q(file="")) | (~Q(url="") & Q(file="")),
                name="resource_is_a_link_or_a_file",
                violation_error_message=_("Give either a link or a file."),
            )
        ]

    def __str__(self) -> str:
        return self.description


class Announcement(models.Model):
    """A message from a teacher to the class."""

    school_class = models.ForeignKey(
        Class, on_delete=models.CASCADE, related_name="announcements"
    )
    author = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField(_("announcement"), max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")

    def __str__(self) -> str:
        return self.body[:40]


class ClassEvent(models.Model):
    """A planned activity of the class (a visit, a forum, an interview day).

    Once it has happened, a teacher can record it for the class: each pupil
    then gets a pre-filled draft entry in their own portfolio
    (`recorded_at` is set; portfolio.Entry.class_event links the entries).
    """

    school_class = models.ForeignKey(
        Class, on_delete=models.CASCADE, related_name="events"
    )
    author = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=30, choices=ActivityKind.choices)
    date = models.DateField(_("date"))
    place = models.CharField(_("place or organisation"), max_length=200, blank=True)
    description = models.TextField(
        _("what the class will do"), max_length=2000, blank=True
    )
    recorded_at = models.DateTimeField(
        _("recorded for the pupils on"), null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", "pk"]
        verbose_name = _("class activity")
        verbose_name_plural = _("class activities")

    def __str__(self) -> str:
        return self.title

    @property
    def icon(self) -> str:
        return KIND_ICONS.get(self.kind, "fr-icon-bookmark-line")


class PupilFlag(models.Model):
    """The educational team flags a pupil to follow. The reason is for the team
    only; a pupil never sees their flags. Cleared flags stay as the history."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    pupil = models.ForeignKey(User, on_delete=models.CASCADE, related_name="flags")
    reason = models.TextField(_("reason"), max_length=2000)
    raised_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    raised_at = models.DateTimeField(auto_now_add=True)
    cleared_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cleared_at = models.DateTimeField(null=True, blank=True)
    clearing_note = models.CharField(
        _("why the follow-up ends"), max_length=500, blank=True
    )

    class Meta:
        ordering = ["-raised_at", "-pk"]
        verbose_name = _("follow-up flag")
        verbose_name_plural = _("follow-up flags")
        constraints = [
            models.UniqueConstraint(
                fields=["school", "pupil"],
                condition=Q(cleared_at__isnull=True),
                name="one_open_flag_per_pupil",
                violation_error_message=_("This pupil is already flagged."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.pupil} ({self.raised_at:%Y-%m-%d})"


class ApiToken(models.Model):
    """A token a user creates for an integration (API v1). Only a hash of the
    secret is stored; `prefix` finds the row, the hash proves the secret."""

    class Scope(models.TextChoices):
        READ = "read", _("read only")
        READ_WRITE = "read_write", _("read and write")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=80)
    prefix = models.CharField(max_length=12, unique=True)
    key_hash = models.CharField(max_length=64)
    scope = models.CharField(_("scope"), max_length=12, choices=Scope.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


# --- RGPD: erasure records and the privacy notice -----------------------------


class ErasureRecord(models.Model):
    """What is left after a pupil's data were erased: that it happened, when,
    by whom, why, and how many rows and files went. Never a name: `pupil_id`
    is the id the account had (the account is gone, hence not a foreign key)."""

    class Reason(models.TextChoices):
        REQUEST = "request", _("erasure request")
        RETENTION = "retention", _("end of the retention period")

    school = models.ForeignKey(
        School,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("school"),
    )
    pupil_id = models.PositiveIntegerField(_("account id"))
    erased_at = models.DateTimeField(_("erased on"), default=timezone.now)
    erased_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("erased by"),
    )
    reason = models.CharField(_("reason"), max_length=12, choices=Reason.choices)
    # {"rows": total, "files": n, "<app>.<model>": rows of that kind}
    counts = models.JSONField(_("what was deleted"), default=dict)

    class Meta:
        ordering = ["-erased_at", "-pk"]
        verbose_name = _("erasure record")
        verbose_name_plural = _("erasure records")

    def __str__(self) -> str:
        return f"#{self.pupil_id} ({self.erased_at:%Y-%m-%d})"


class PrivacyNotice(models.Model):
    """A version of the privacy notice; the current one is the latest published."""

    version = models.CharField(_("version"), max_length=20, unique=True)
    text = models.TextField(_("text"))
    published_at = models.DateTimeField(_("published on"), default=timezone.now)

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("privacy notice")
        verbose_name_plural = _("privacy notices")

    def __str__(self) -> str:
        return self.version


class PrivacyNoticeSeen(models.Model):
    """When a user first saw a version of the privacy notice."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    notice = models.ForeignKey(
        PrivacyNotice, on_delete=models.CASCADE, related_name="seen_by"
    )
    seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "notice"], name="privacy_notice_seen_once"
            )
        ]
        verbose_name = _("privacy notice seen")
        verbose_name_plural = _("privacy notices seen")

    def __str__(self) -> str:
        return f"{self.notice} ({self.seen_at:%Y-%m-%d})"
