"""Who is who in a school: users, schools, years, classes, enrolments and roles."""

import datetime

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                condition=~Q(email=""),
                name="user_email_unique_when_set",
                violation_error_message=_("A user with this email already exists."),
            )
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username


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

    class Meta:
        ordering = ["name"]
        verbose_name = _("school")
        verbose_name_plural = _("schools")

    def __str__(self) -> str:
        return f"{self.name} ({self.city})"


class SchoolYearQuerySet(models.QuerySet["SchoolYear"]):
    def current(self) -> "SchoolYear | None":
        today = timezone.localdate()
        return self.filter(start_year=school_year_start_for(today)).first()


class SchoolYear(models.Model):
    start_year = models.PositiveSmallIntegerField(_("first calendar year"), unique=True)

    objects = SchoolYearQuerySet.as_manager()

    class Meta:
        ordering = ["-start_year"]
        verbose_name = _("school year")
        verbose_name_plural = _("school years")

    def __str__(self) -> str:
        return f"{self.start_year}-{self.start_year + 1}"


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

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
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
