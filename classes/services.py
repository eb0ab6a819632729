"""Writes on schools, classes, enrolments and roles.

Each function takes the acting user as `by`. `by=None` means the platform
operator acting from a management command (the demo seed, an import); every
other caller is checked against the policy.
"""

import datetime
import re
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from classes.models import (
    Announcement,
    Assignment,
    AssignmentSeen,
    Class,
    ClassEvent,
    ClassResource,
    Enrolment,
    Level,
    PupilFlag,
    School,
    SchoolYear,
    StaffRole,
    TeachingAssignment,
    User,
)
from classes.permissions import (
    SCHOOL_MANAGER_ROLES,
    can_clear_flag,
    can_follow_school_pupils,
    can_manage_school,
    can_teach_class,
    flaggable_pupils,
)
from classes.roles import forget_roles, roles_of
from webclasseur.uploads import CleanUpload


def _require_manager(by: User | None, school: School) -> None:
    if by is not None and not can_manage_school(by, school):
        raise PermissionDenied


def school_create(
    *, by: User | None, uai: str, name: str, city: str, academy: str, kind: str
) -> School:
    """Create a school; only the platform operator or a platform admin may."""
    if by is not None and not by.is_superuser:
        raise PermissionDenied
    school = School(
        uai=uai.strip().upper(), name=name, city=city, academy=academy, kind=kind
    )
    school.full_clean()
    school.save()
    return school


def school_year_get_or_create(*, start_year: int) -> SchoolYear:
    year, _created = SchoolYear.objects.get_or_create(start_year=start_year)
    return year


def _full_clean_on(obj: models.Model, field: str, **kwargs: object) -> None:
    """full_clean, with the errors of the model's constraints (which Django
    reports for the whole form) put on `field`, where the person can act."""
    try:
        obj.full_clean(**kwargs)  # type: ignore[arg-type]
    except ValidationError as error:
        errors = error.message_dict
        if NON_FIELD_ERRORS in errors:
            errors.setdefault(field, []).extend(errors.pop(NON_FIELD_ERRORS))
        raise ValidationError(errors) from None


def class_create(
    *, by: User | None, school: School, year: SchoolYear, name: str, level: str
) -> Class:
    """Create a class; a name is used once per school and year."""
    _require_manager(by, school)
    school_class = Class(school=school, year=year, name=name.strip(), level=level)
    if not school_class.name:
        raise ValidationError({"name": _("Give the class a name, for example 3e B.")})
    _full_clean_on(school_class, "name")
    school_class.save()
    return school_class


def user_create(
    *,
    username: str,
    first_name: str,
    last_name: str,
    email: str = "",
    password: str | None = None,
) -> User:
    """Create a person. Without a password the account can only be used by SSO."""
    user = User(
        username=username, first_name=first_name, last_name=last_name, email=email
    )
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.full_clean()
    user.save()
    return user


@transaction.atomic
def enrolment_create(*, by: User | None, pupil: User, school_class: Class) -> Enrolment:
    """Enrol a pupil in a class; a pupil has one class per school year."""
    _require_manager(by, school_class.school)
    existing = (
        Enrolment.objects.filter(pupil=pupil, year=school_class.year)
        .select_related("school_class__school")
        .first()
    )
    if existing is not None:
        raise ValidationError(
            _(
                "%(pupil)s is already enrolled in %(class)s (%(school)s) "
                "for %(year)s; a pupil has one class per school year."
            )
            % {
                "pupil": pupil,
                "class": existing.school_class,
                "school": existing.school_class.school.name,
                "year": school_class.year,
            },
            code="already_enrolled",
        )
    enrolment = Enrolment.objects.create(
        pupil=pupil, school_class=school_class, year=school_class.year
    )
    forget_roles(pupil)
    return enrolment


def teaching_assignment_create(
    *,
    by: User | None,
    teacher: User,
    school_class: Class,
    subject: str = "",
    is_principal: bool = False,
) -> TeachingAssignment:
    """Put a teacher in a class, with their subject and the professeur
    principal flag."""
    _require_manager(by, school_class.school)
    assignment = TeachingAssignment(
        teacher=teacher,
        school_class=school_class,
        subject=subject.strip(),
        is_principal=is_principal,
    )
    _full_clean_on(assignment, "teacher")
    assignment.save()
    forget_roles(teacher)
    return assignment


def staff_role_grant(
    *, by: User | None, user: User, school: School, role: str
) -> StaffRole:
    """Give a person a role in the school's educational team."""
    _require_manager(by, school)
    staff_role = StaffRole(user=user, school=school, role=role)
    _full_clean_on(staff_role, "user")
    staff_role.save()
    forget_roles(user)
    return staff_role


@transaction.atomic
def enrolment_move(*, by: User | None, pupil: User, to_class: Class) -> Enrolment:
    """Move a pupil to another class of the same school year (mid-year change).

    The pupil keeps their portfolio and their answers; from now on they appear
    in the new class, and the old class's teachers no longer follow them.
    """
    _require_manager(by, to_class.school)
    enrolment = (
        Enrolment.objects.select_for_update()
        .filter(pupil=pupil, year=to_class.year)
        .first()
    )
    if enrolment is None:
        raise ValidationError(
            _("%(pupil)s is not enrolled this school year.") % {"pupil": pupil},
            code="not_enrolled",
        )
    _require_manager(by, enrolment.school_class.school)
    enrolment.school_class = to_class
    enrolment.save(update_fields=["school_class"])
    forget_roles(pupil)
    return enrolment


# --- School administration ---------------------------------------------------


def teaching_assignment_remove(*, by: User, assignment: TeachingAssignment) -> None:
    """Take a teacher out of a class. What they gave the class (activities,
    resources) stays with the class; they no longer see it."""
    _require_manager(by, assignment.school_class.school)
    teacher = assignment.teacher
    assignment.delete()
    forget_roles(teacher)


@transaction.atomic
def staff_role_revoke(*, by: User, staff_role: StaffRole) -> None:
    """Take a team role back. The school keeps at least one person who manages
    it (head, deputy or school admin)."""
    _require_manager(by, staff_role.school)
    if staff_role.role in SCHOOL_MANAGER_ROLES:
        other_managers = (
            StaffRole.objects.select_for_update()
            .filter(school=staff_role.school, role__in=SCHOOL_MANAGER_ROLES)
            .exclude(user_id=staff_role.user_id)
        )
        if not other_managers.exists():
            raise ValidationError(
                _(
                    "%(person)s is the only person who manages this school: give "
                    "the role to someone else first."
                )
                % {"person": staff_role.user},
                code="last_manager",
            )
    user = staff_role.user
    staff_role.delete()
    forget_roles(user)


def _username_from(email: str) -> str:
    base = re.sub(r"[^\w.@+-]", "", email.lower())[:140] or "personne"
    username, n = base, 1
    while User.objects.filter(username=username).exists():
        n += 1
        username = f"{base}-{n}"
    return username


def staff_account_create(
    *, by: User, school: School, first_name: str, last_name: str, email: str
) -> User:
    """Create the account of a teacher or team member of the school. It has no
    password: the person logs in by single sign-on (ENT)."""
    _require_manager(by, school)
    first_name, last_name, email = first_name.strip(), last_name.strip(), email.strip()
    errors: dict[str, str] = {}
    if not first_name:
        errors["first_name"] = _("Give the person's first name.")
    if not last_name:
        errors["last_name"] = _("Give the person's last name.")
    if not email:
        errors["email"] = _("Give the person's email address.")
    elif User.objects.filter(email__iexact=email).exists():
        errors["email"] = _(
            "A user with this email already exists: choose them in the list."
        )
    if errors:
        raise ValidationError(errors)
    return user_create(
        username=_username_from(email),
        first_name=first_name,
        last_name=last_name,
        email=email,
    )


def school_settings_update(
    *,
    by: User,
    school: School,
    confidential_note_roles: Iterable[str],
    interview_levels: Iterable[str],
) -> School:
    """Who reads the confidential interview notes, and at which levels the
    orientation interviews are held."""
    _require_manager(by, school)
    roles = sorted(set(confidential_note_roles))
    levels = [level for level in Level.values if level in set(interview_levels)]
    errors: dict[str, str] = {}
    if not set(roles) <= set(StaffRole.Role.values):
        errors["confidential_note_roles"] = _("Choose roles from the list.")
    if len(levels) != len(set(interview_levels)):
        errors["interview_levels"] = _("Choose levels from the list.")
    if errors:
        raise ValidationError(errors)
    school.confidential_note_roles = roles
    school.interview_levels = levels
    school.save(update_fields=["confidential_note_roles", "interview_levels"])
    return school


@transaction.atomic
def pupil_departure_record(
    *, by: User | None, pupil: User, school: School, left_on: datetime.date
) -> Enrolment:
    """The pupil left the school on `left_on`.

    They leave the class lists and their teachers and the team no longer see
    their portfolio; they keep reading and exporting it themself for
    LEFT_PUPIL_ACCESS_DAYS days. Nothing of the portfolio is deleted.
    """
    _require_manager(by, school)
    year = SchoolYear.objects.current()
    enrolment = (
        Enrolment.objects.select_for_update()
        .filter(
            pupil=pupil, year=year, school_class__school=school, left_on__isnull=True
        )
        .first()
    )
    if enrolment is None:
        raise ValidationError(
            {"pupil": _("This pupil is not enrolled in the school this year.")},
            code="not_enrolled",
        )
    today = timezone.localdate()
    if left_on > today:
        raise ValidationError(
            {"left_on": _("The departure date cannot be in the future.")},
            code="future",
        )
    if year is not None and left_on < datetime.date(year.start_year, 8, 1):
        raise ValidationError(
            {
                "left_on": _(
                    "The departure date must be in this school year (from "
                    "1 August %(year)s)."
                )
                % {"year": year.start_year}
            },
            code="before_year",
        )
    enrolment.left_on = left_on
    enrolment.access_until = left_on + datetime.timedelta(
        days=settings.LEFT_PUPIL_ACCESS_DAYS
    )
    enrolment.save(update_fields=["left_on", "access_until"])
    forget_roles(pupil)
    return enrolment


def pupil_departure_undo(*, by: User, enrolment: Enrolment) -> Enrolment:
    """A departure recorded by mistake: the pupil is back in their class."""
    _require_manager(by, enrolment.school_class.school)
    enrolment.left_on = None
    enrolment.access_until = None
    enrolment.save(update_fields=["left_on", "access_until"])
    forget_roles(enrolment.pupil)
    return enrolment


# --- Follow-up flags ---------------------------------------------------------


def pupil_flag_raise(
    *, by: User, school: School, pupil: User, reason: str
) -> PupilFlag:
    """The educational team flags a current pupil of the school to follow.
    One open flag per pupil and school; the pupil never sees it."""
    if not can_follow_school_pupils(by, school):
        raise PermissionDenied
    if not flaggable_pupils(by, school).filter(pk=pupil.pk).exists():
        raise ValidationError(
            {"pupil": _("Choose a pupil of the school.")}, code="not_a_pupil"
        )
    flag = PupilFlag(school=school, pupil=pupil, reason=reason.strip(), raised_by=by)
    if not flag.reason:
        raise ValidationError(
            {"reason": _("Say why the team should follow this pupil.")},
            code="required",
        )
    _full_clean_on(flag, "pupil", exclude=["raised_by", "cleared_by"])
    try:
        with transaction.atomic():
            flag.save()
    except IntegrityError:
        # Another member of the team flagged the pupil at the same moment.
        raise ValidationError(
            {"pupil": _("This pupil is already flagged.")}, code="already_flagged"
        ) from None
    return flag


def pupil_flag_clear(*, by: User, flag: PupilFlag, note: str) -> PupilFlag:
    """End the follow-up, saying why; the flag stays in the pupil's history."""
    if not can_clear_flag(by, flag):
        raise PermissionDenied
    note = note.strip()
    if not note:
        raise ValidationError(
            {"clearing_note": _("Say why the follow-up ends.")}, code="required"
        )
    flag.cleared_by = by
    flag.cleared_at = timezone.now()
    flag.clearing_note = note
    flag.full_clean(exclude=["raised_by", "cleared_by", "school", "pupil"])
    updated = PupilFlag.objects.filter(pk=flag.pk, cleared_at__isnull=True).update(
        cleared_by=by, cleared_at=flag.cleared_at, clearing_note=note
    )
    if not updated:
        raise ValidationError(
            {"clearing_note": _("This follow-up has already ended.")},
            code="already_cleared",
        )
    return flag


# --- The class space: assignments, resources, announcements, activities ----


def _require_teacher(by: User, school_class: Class) -> None:
    if not can_teach_class(by, school_class):
        raise PermissionDenied


def _check_pupils(school_class: Class, pupils: Iterable[User]) -> list[User]:
    """Every chosen pupil must be in the class this year."""
    pupils = list(pupils)
    in_class = set(
        Enrolment.objects.filter(
            school_class=school_class, pupil__in=pupils, left_on__isnull=True
        ).values_list("pupil_id", flat=True)
    )
    outside = [pupil for pupil in pupils if pupil.pk not in in_class]
    if outside:
        raise ValidationError(
            {
                "chosen_pupils": _(
                    "%(names)s: not a pupil of %(class)s. Choose pupils of the class."
                )
                % {
                    "names": ", ".join(str(pupil) for pupil in outside),
                    "class": school_class,
                }
            },
            code="pupil_outside_class",
        )
    return pupils


def _check_assignment(assignment: Assignment, *, due_changed: bool) -> None:
    errors: dict[str, str] = {}
    if not assignment.instructions.strip():
        errors["instructions"] = _(
            "Write the instructions: the pupils need to know what to do."
        )
    if not assignment.title.strip():
        errors["title"] = _("Give the activity a title.")
    if due_changed and assignment.due_on and assignment.due_on < timezone.localdate():
        errors["due_on"] = _("This due date is already past: choose a later day.")
    if errors:
        raise ValidationError(errors)
    assignment.full_clean(exclude=["school_class", "author"])


@transaction.atomic
def assignment_create(
    *,
    by: User,
    school_class: Class,
    title: str,
    kind: str,
    instructions: str,
    due_on: datetime.date,
    opens_on: datetime.date | None = None,
    answer_expected: bool = True,
    pupils: Iterable[User] = (),
) -> Assignment:
    """Give an activity to the whole class, or to the chosen pupils of it."""
    _require_teacher(by, school_class)
    assignment = Assignment(
        school_class=school_class,
        author=by,
        title=title.strip(),
        kind=kind,
        instructions=instructions.strip(),
        opens_on=opens_on or timezone.localdate(),
        due_on=due_on,
        answer_expected=answer_expected,
    )
    chosen = _check_pupils(school_class, pupils)
    _check_assignment(assignment, due_changed=True)
    assignment.save()
    assignment.chosen_pupils.set(chosen)
    return assignment


@transaction.atomic
def assignment_update(
    *,
    by: User,
    assignment: Assignment,
    version: int,
    title: str,
    kind: str,
    instructions: str,
    due_on: datetime.date,
    opens_on: datetime.date,
    answer_expected: bool,
    pupils: Iterable[User] = (),
) -> Assignment:
    """Change an assignment; its answers stay as they are.

    `version` is the one the teacher's form was made from: when another
    teacher saved in between, nothing is written and the teacher is told.
    """
    _require_teacher(by, assignment.school_class)
    current = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if current.version != version:
        raise ValidationError(
            _(
                "Another teacher changed this activity while you were editing "
                "it. Nothing was saved: open the activity again to see their "
                "changes, then make yours."
            ),
            code="stale",
        )
    due_changed = due_on != current.due_on
    assignment.title = title.strip()
    assignment.kind = kind
    assignment.instructions = instructions.strip()
    assignment.due_on = due_on
    assignment.opens_on = opens_on
    assignment.answer_expected = answer_expected
    chosen = _check_pupils(assignment.school_class, pupils)
    _check_assignment(assignment, due_changed=due_changed)
    assignment.version = current.version + 1
    assignment.save()
    assignment.chosen_pupils.set(chosen)
    return assignment


def assignment_set_closed(*, by: User, assignment: Assignment, closed: bool) -> None:
    """A closed assignment takes no more answers; it can be reopened."""
    _require_teacher(by, assignment.school_class)
    Assignment.objects.filter(pk=assignment.pk).update(
        is_closed=closed, version=F("version") + 1, updated_at=timezone.now()
    )
    assignment.refresh_from_db()


def assignment_mark_seen(*, by: User, assignment: Assignment) -> None:
    """The pupil opened the assignment: it is no longer new for them."""
    if assignment.school_class_id in roles_of(by).pupil_class_ids:
        AssignmentSeen.objects.get_or_create(assignment=assignment, pupil=by)


@transaction.atomic
def class_resource_add(
    *,
    by: User,
    school_class: Class,
    description: str,
    url: str = "",
    upload: CleanUpload | None = None,
    assignment: Assignment | None = None,
) -> ClassResource:
    """A link or a checked file (webclasseur.uploads) for the class or one of
    its assignments. The file is removed again if the row cannot be written."""
    _require_teacher(by, school_class)
    if assignment is not None and assignment.school_class_id != school_class.pk:
        raise PermissionDenied
    resource = ClassResource(
        school_class=school_class,
        assignment=assignment,
        author=by,
        description=description.strip(),
        url=url.strip(),
    )
    if not resource.description:
        raise ValidationError(
            {"description": _("Describe the resource in a few words.")}
        )
    if bool(resource.url) == (upload is not None):
        raise ValidationError(
            {"url": _("Give either a link or a file (one of the two).")}
        )
    written = ""
    try:
        if upload is not None:
            resource.original_name = upload.name
            resource.content_type = upload.content_type
            resource.size = len(upload.data)
            resource.file.save(upload.name, ContentFile(upload.data), save=False)
            written = str(resource.file.name)
        resource.full_clean(exclude=["school_class", "assignment", "author"])
        resource.save()
    except Exception:
        if written:
            default_storage.delete(written)
        raise
    return resource


def class_resource_delete(*, by: User, resource: ClassResource) -> None:
    _require_teacher(by, resource.school_class)
    name = resource.file.name
    with transaction.atomic():
        resource.delete()
        if name:
            transaction.on_commit(lambda: default_storage.delete(name))


def announcement_create(*, by: User, school_class: Class, body: str) -> Announcement:
    _require_teacher(by, school_class)
    announcement = Announcement(school_class=school_class, author=by, body=body.strip())
    if not announcement.body:
        raise ValidationError({"body": _("Write the announcement.")})
    announcement.full_clean(exclude=["school_class", "author"])
    announcement.save()
    return announcement


def announcement_delete(*, by: User, announcement: Announcement) -> None:
    _require_teacher(by, announcement.school_class)
    announcement.delete()


def class_event_create(
    *,
    by: User,
    school_class: Class,
    title: str,
    kind: str,
    date: datetime.date,
    place: str = "",
    description: str = "",
) -> ClassEvent:
    """Put a planned activity (visit, forum, interview day) on the class calendar."""
    _require_teacher(by, school_class)
    event = ClassEvent(
        school_class=school_class,
        author=by,
        title=title.strip(),
        kind=kind,
        date=date,
        place=place.strip(),
        description=description.strip(),
    )
    if not event.title:
        raise ValidationError({"title": _("Give the activity a title.")})
    event.full_clean(exclude=["school_class", "author"])
    event.save()
    return event


def class_event_delete(*, by: User, event: ClassEvent) -> None:
    _require_teacher(by, event.school_class)
    event.delete()
