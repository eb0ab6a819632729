"""Writes on portfolio data. Each function takes the acting user as `by` and
checks the policy (portfolio/permissions.py) before writing."""

import csv
import datetime
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from classes.models import (
    Assignment,
    ClassEvent,
    Enrolment,
    Level,
    School,
    SchoolYear,
    User,
    school_year_start_for,
)
from classes.permissions import (
    can_answer_assignment,
    can_edit_assignment,
    can_record_class_event,
)
from portfolio import permissions
from portfolio.models import (
    AccessLog,
    Attachment,
    Comment,
    Competence,
    DomainInterest,
    Entry,
    EntryFormation,
    EntryMetier,
    Interview,
    InterviewStatus,
    Metier,
    Project,
    SelfAssessment,
    Tag,
    Visibility,
    Wish,
)
from webclasseur.files import delete_stored_files
from webclasseur.uploads import CleanUpload, check_quota

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class MetierLine:
    label: str
    rome_code: str = ""


@dataclass(frozen=True)
class FormationLine:
    label: str
    diploma: str = ""


def _enrolment_at(pupil: User, day: datetime.date | None) -> Enrolment | None:
    """The pupil's enrolment in the school year of `day` (or this year)."""
    year_start = school_year_start_for(day or timezone.localdate())
    return (
        Enrolment.objects.filter(pupil=pupil, year__start_year=year_start)
        .select_related("school_class", "year")
        .first()
    )


def attachments_used_bytes(owner: User) -> int:
    used = Attachment.objects.filter(entry__owner=owner).aggregate(total=Sum("size"))
    return int(used["total"] or 0)


def entry_save(
    *,
    by: User,
    entry: Entry,
    metiers: Iterable[MetierLine] = (),
    formations: Iterable[FormationLine] = (),
    tag_names: Iterable[str] = (),
    uploads: Iterable[CleanUpload] = (),
    finish: bool = True,
) -> Entry:
    """Create or update the pupil's entry with its lists and new attachments.

    `finish=False` keeps it as a draft (title and date may still be missing).
    All or nothing: on any error no row is written and no file is left behind.
    """
    if entry.pk is None:
        if not permissions.can_edit_portfolio(by, by):
            raise PermissionDenied
        entry.owner = by
        if entry.assignment is not None and not can_answer_assignment(
            by, entry.assignment
        ):
            raise ValidationError(
                _("This activity is closed: it takes no more answers."),
                code="assignment_closed",
            )
    elif not permissions.can_edit_entry(by, entry):
        raise PermissionDenied
    entry.is_draft = not finish
    enrolment = _enrolment_at(by, entry.start_date)
    if enrolment is not None:
        entry.school_year = enrolment.year
        entry.level = enrolment.school_class.level
        entry.school_id = enrolment.school_class.school_id
    uploads = list(uploads)
    written: list[str] = []
    try:
        with transaction.atomic():
            # Entry.clean() checks the table constraints without a query each;
            # the foreign keys were set above from trusted rows.
            entry.full_clean(
                exclude=["owner", "school_year", "school"], validate_constraints=False
            )
            entry.save()
            _replace_lists(entry, list(metiers), list(formations), list(tag_names))
            if uploads:
                # Lock the pupil's row so two uploads cannot both pass the quota.
                User.objects.select_for_update().filter(pk=by.pk).first()
                check_quota(uploads, attachments_used_bytes(by))
                for upload in uploads:
                    _store_attachment(entry, upload, written)
    except Exception:
        for name in written:
            default_storage.delete(name)
        raise
    return entry


def _replace_lists(
    entry: Entry,
    metiers: list[MetierLine],
    formations: list[FormationLine],
    tag_names: list[str],
) -> None:
    entry.metiers.all().delete()
    for line in metiers:
        code = line.rome_code or _known_rome_code(line.label)
        metier = EntryMetier(entry=entry, label=line.label, rome_code=code)
        metier.full_clean(exclude=["entry"])
        metier.save()
    entry.formations.all().delete()
    EntryFormation.objects.bulk_create(
        EntryFormation(entry=entry, label=line.label, diploma=line.diploma)
        for line in formations
    )
    tags = []
    for name in dict.fromkeys(n.strip().lower() for n in tag_names if n.strip()):
        tag, _created = Tag.objects.get_or_create(owner=entry.owner, name=name[:40])
        tags.append(tag)
    entry.tags.set(tags)


def _known_rome_code(label: str) -> str:
    """The ROME code of a métier picked from the reference list, if any."""
    known = Metier.objects.filter(label__iexact=label.strip()).first()
    return known.rome_code if known else ""


def _store_attachment(entry: Entry, upload: CleanUpload, written: list[str]) -> None:
    """Store the file and its thumbnail, naming each in `written` as soon as it
    is on disk, so a failure later removes every file already written."""
    attachment = Attachment(
        entry=entry,
        original_name=upload.name,
        content_type=upload.content_type,
        size=len(upload.data),
        is_image=upload.is_image,
    )
    attachment.file.save(upload.name, ContentFile(upload.data), save=False)
    written.append(str(attachment.file.name))
    if upload.thumbnail is not None:
        attachment.thumbnail.save(
            "thumbnail.jpg", ContentFile(upload.thumbnail), save=False
        )
        written.append(str(attachment.thumbnail.name))
    attachment.save()


def entry_set_visibility(*, by: User, entry: Entry, visibility: str) -> Entry:
    if not permissions.can_edit_entry(by, entry):
        raise PermissionDenied
    if visibility not in visibilities_for(entry):
        raise ValidationError(_("Unknown visibility."), code="visibility")
    entry.visibility = visibility
    entry.save(update_fields=["visibility", "updated_at"])
    return entry


def visibilities_for(entry: Entry) -> list[str]:
    """Sharing with the assigning teacher only makes sense for an answer."""
    if entry.assignment_id is None:
        return [Visibility.PRIVATE, Visibility.SHARED]
    return list(Visibility.values)


def entry_move_to_trash(*, by: User, entry: Entry) -> Entry:
    """Soft delete: the pupil can restore it until the trash is purged."""
    if not permissions.can_edit_entry(by, entry):
        raise PermissionDenied
    entry.deleted_at = timezone.now()
    entry.save(update_fields=["deleted_at", "updated_at"])
    return entry


def entry_restore(*, by: User, entry: Entry) -> Entry:
    if not permissions.can_restore_entry(by, entry):
        raise PermissionDenied
    entry.deleted_at = None
    entry.save(update_fields=["deleted_at", "updated_at"])
    return entry


def trash_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete entries trashed more than TRASH_RETENTION_DAYS ago, for good.

    Files are removed from storage only once the deletion has committed, so a
    failed purge never leaves rows pointing at missing files.
    """
    cutoff = (now or timezone.now()) - datetime.timedelta(
        days=settings.TRASH_RETENTION_DAYS
    )
    with transaction.atomic():
        due = Entry.objects.filter(deleted_at__lt=cutoff)
        files = [
            name
            for pair in Attachment.objects.filter(entry__in=due).values_list(
                "file", "thumbnail"
            )
            for name in pair
            if name
        ]
        count = due.count()
        due.delete()
        transaction.on_commit(lambda: delete_stored_files(files))
    return count


def attachment_delete(*, by: User, attachment: Attachment) -> None:
    if not permissions.can_edit_entry(by, attachment.entry):
        raise PermissionDenied
    files = [name for name in (attachment.file.name, attachment.thumbnail.name) if name]
    with transaction.atomic():
        attachment.delete()
        transaction.on_commit(lambda: delete_stored_files(files))


def comment_create(*, by: User, entry: Entry, body: str) -> Comment:
    """Staff comment on a shared entry; the pupil answers on their own entry."""
    if not permissions.can_comment_entry(by, entry):
        raise PermissionDenied
    comment = Comment(entry=entry, author=by, body=body.strip())
    comment.full_clean()
    comment.save()
    return comment


def comments_mark_read(*, by: User, entry: Entry) -> int:
    """The pupil has seen the comments on their entry; returns how many were new."""
    if entry.owner_id != by.pk:
        return 0
    return (
        Comment.objects.filter(entry=entry, read_by_owner_at__isnull=True)
        .exclude(author_id=by.pk)
        .update(read_by_owner_at=timezone.now())
    )


def project_for(*, owner: User) -> Project:
    """The pupil's project, opened on first use."""
    project, _created = Project.objects.get_or_create(owner=owner)
    return project


@transaction.atomic
def project_update(
    *,
    by: User,
    project: Project,
    metiers: str,
    formations: str,
    interests: dict[str, int | None],
    wish: str,
) -> Project:
    if project.owner_id != by.pk:
        raise PermissionDenied
    project.metiers = metiers.strip()
    project.formations = formations.strip()
    project.full_clean()
    project.save()
    for domain, level in interests.items():
        if level:
            DomainInterest.objects.update_or_create(
                project=project, domain=domain, defaults={"level": level}
            )
        else:
            DomainInterest.objects.filter(project=project, domain=domain).delete()
    year = SchoolYear.objects.current()
    if year is not None:
        if wish.strip():
            Wish.objects.update_or_create(
                project=project, school_year=year, defaults={"text": wish.strip()}
            )
        else:
            Wish.objects.filter(project=project, school_year=year).delete()
    return project


def project_set_sharing(*, by: User, project: Project, shared: bool) -> Project:
    if project.owner_id != by.pk:
        raise PermissionDenied
    project.is_shared = shared
    project.save(update_fields=["is_shared", "updated_at"])
    return project


@transaction.atomic
def self_assessment_record(
    *, by: User, project: Project, levels: dict[int, int]
) -> list[SelfAssessment]:
    """Record today's levels; a level already given today is replaced."""
    if project.owner_id != by.pk:
        raise PermissionDenied
    today = timezone.localdate()
    active = set(Competence.objects.filter(is_active=True).values_list("pk", flat=True))
    recorded = []
    for competence_id, level in levels.items():
        if competence_id not in active:
            continue
        assessment, _created = SelfAssessment.objects.update_or_create(
            project=project,
            competence_id=competence_id,
            assessed_on=today,
            defaults={"level": level},
        )
        recorded.append(assessment)
    return recorded


def metiers_import(*, lines: Iterable[str]) -> tuple[int, int]:
    """Load métiers from CSV lines with the header `label,rome_code,domain`.

    Creates new codes and updates labels of known ones; the whole file is
    refused (nothing written) when a line is malformed.
    """
    reader = csv.DictReader(lines)
    if reader.fieldnames is None or not {"label", "rome_code"} <= set(
        reader.fieldnames
    ):
        raise ValidationError(
            _("The CSV file must have the columns label, rome_code and domain.")
        )
    rows = []
    for number, row in enumerate(reader, start=2):
        code = (row.get("rome_code") or "").strip().upper()
        metier = Metier(
            label=(row.get("label") or "").strip(),
            rome_code=code,
            domain=(row.get("domain") or code[:1]).strip().upper(),
        )
        try:
            metier.full_clean(validate_unique=False)
        except ValidationError as error:
            raise ValidationError(
                _("Line %(number)s: %(errors)s"),
                params={"number": number, "errors": "; ".join(error.messages)},
            ) from None
        rows.append(metier)
    created = updated = 0
    with transaction.atomic():
        for metier in rows:
            _obj, was_created = Metier.objects.update_or_create(
                rome_code=metier.rome_code,
                defaults={"label": metier.label, "domain": metier.domain},
            )
            created += was_created
            updated += not was_created
    return created, updated


# --- Answers to assignments and class-wide discoveries ---------------------


def answer_of(*, pupil: User, assignment: Assignment) -> Entry | None:
    """The pupil's current answer to the assignment (drafts included)."""
    return (
        Entry.objects.alive()
        .filter(owner=pupil, assignment=assignment)
        .order_by("-updated_at")
        .first()
    )


def answer_draft_for(*, by: User, assignment: Assignment) -> Entry:
    """A new, unsaved entry pre-filled from the assignment, shared with the
    teacher who gave it (the pupil can change that before saving)."""
    if not can_answer_assignment(by, assignment):
        raise PermissionDenied
    today = timezone.localdate()
    return Entry(
        owner=by,
        assignment=assignment,
        title=assignment.title,
        kind=assignment.kind,
        start_date=min(today, assignment.due_on),
        visibility=Visibility.TEACHER,
    )


def entry_mark_reviewed(*, by: User, entry: Entry, reviewed: bool = True) -> Entry:
    """The teacher has read the answer (or takes the mark back)."""
    if not permissions.can_review_entry(by, entry):
        raise PermissionDenied
    entry.reviewed_at = timezone.now() if reviewed else None
    entry.reviewed_by = by if reviewed else None
    # Not through save(): updated_at tells when the pupil last changed it.
    Entry.objects.filter(pk=entry.pk).update(
        reviewed_at=entry.reviewed_at, reviewed_by=entry.reviewed_by
    )
    return entry


@transaction.atomic
def assignment_delete(*, by: User, assignment: Assignment) -> int:
    """Delete the assignment; the pupils keep their answers as ordinary entries.

    An answer shared with the assigning teacher only has nobody to be shared
    with any more: it becomes private. Returns how many answers were unlinked.
    """
    if not can_edit_assignment(by, assignment):
        raise PermissionDenied
    answers = Entry.objects.filter(assignment=assignment)
    answers.filter(visibility=Visibility.TEACHER).update(visibility=Visibility.PRIVATE)
    count = answers.update(assignment=None)
    assignment.delete()
    return count


@transaction.atomic
def class_event_record(*, by: User, event: ClassEvent) -> int:
    """Record a class activity once for the class: each pupil enrolled in it
    gets a private draft entry, pre-filled, to complete with their own account.
    The entries are the pupils' from then on. Returns how many were made."""
    event = ClassEvent.objects.select_for_update().get(pk=event.pk)
    if not can_record_class_event(by, event):
        raise PermissionDenied
    enrolments = Enrolment.objects.filter(
        school_class_id=event.school_class_id, left_on__isnull=True
    )
    school_class = event.school_class
    entries = [
        Entry(
            owner_id=enrolment.pupil_id,
            title=event.title,
            kind=event.kind,
            start_date=event.date,
            organisation_name=event.place[:200],
            what_i_did=event.description,
            school_year_id=school_class.year_id,
            level=school_class.level,
            school_id=school_class.school_id,
            visibility=Visibility.PRIVATE,
            is_draft=True,
            class_event=event,
        )
        for enrolment in enrolments
    ]
    Entry.objects.bulk_create(entries)
    event.recorded_at = timezone.now()
    event.save(update_fields=["recorded_at"])
    return len(entries)


# --- Orientation interviews (EPO) and the access log -----------------------


def interview_plan(
    *,
    by: User,
    pupil: User,
    planned_at: datetime.datetime,
    place: str = "",
    family_invited: bool = False,
    participants: Iterable[User] = (),
) -> Interview:
    """Plan an interview with a pupil of a level the school holds them at."""
    if not permissions.can_plan_interview(by, pupil):
        raise PermissionDenied
    enrolment = _enrolment_at(pupil, None)
    if enrolment is None:  # pragma: no cover - the policy requires one
        raise PermissionDenied
    school = enrolment.school_class.school
    level = enrolment.school_class.level
    if level not in (school.interview_levels or []):
        labels = ", ".join(
            str(Level(value).label)
            for value in school.interview_levels
            if value in Level.values
        )
        raise ValidationError(
            _(
                "This school holds orientation interviews in: %(levels)s. "
                "%(pupil)s is in %(level)s."
            )
            % {
                "levels": labels or "—",
                "pupil": pupil,
                "level": enrolment.school_class.get_level_display(),
            },
            code="level",
        )
    if planned_at < timezone.now() - datetime.timedelta(hours=1):
        raise ValidationError(
            {"planned_at": _("This date is already past: choose a coming day.")}
        )
    staff = _staff_of(school, participants)
    interview = Interview(
        pupil=pupil,
        school=school,
        school_year=enrolment.year,
        level=level,
        organiser=by,
        planned_at=planned_at,
        place=place.strip(),
        family_invited=family_invited,
    )
    interview.full_clean(exclude=["pupil", "school", "school_year", "organiser"])
    with transaction.atomic():
        interview.save()
        interview.participants.set(staff)
    return interview


def _staff_of(school: School, people: Iterable[User]) -> list[User]:
    """Participants must work in the school (its teachers or its team)."""
    people = list(people)
    known = set(
        User.objects.filter(
            Q(teaching_assignments__school_class__school=school)
            | Q(staff_roles__school=school),
            pk__in=[person.pk for person in people],
        ).values_list("pk", flat=True)
    )
    strangers = [person for person in people if person.pk not in known]
    if strangers:
        raise ValidationError(
            {
                "participants": _("%(names)s does not work in this school.")
                % {"names": ", ".join(str(person) for person in strangers)}
            }
        )
    return people


def interview_prepare(
    *,
    by: User,
    interview: Interview,
    entries: Iterable[Entry],
    interests: str,
    worries: str,
    questions: str,
) -> Interview:
    """The pupil chooses shared entries to discuss and answers the questions."""
    if not permissions.can_prepare_interview(by, interview):
        raise PermissionDenied
    chosen = list(entries)
    shareable = set(
        permissions.entries_visible_to(by)
        .filter(owner=by, is_draft=False)
        .exclude(visibility=Visibility.PRIVATE)
        .values_list("pk", flat=True)
    )
    if any(entry.pk not in shareable for entry in chosen):
        raise ValidationError(
            {"entries": _("Choose among your shared entries only.")},
            code="private_entry",
        )
    interview.prep_interests = interests.strip()
    interview.prep_worries = worries.strip()
    interview.prep_questions = questions.strip()
    if not (chosen or interview.prep_interests or interview.prep_questions):
        raise ValidationError(
            _("Choose an entry or answer a question to prepare the interview.")
        )
    interview.status = InterviewStatus.PREPARED
    interview.full_clean(exclude=["pupil", "school", "school_year", "organiser"])
    with transaction.atomic():
        interview.save()
        interview.entries.set(chosen)
    return interview


def interview_record(
    *,
    by: User,
    interview: Interview,
    synthesis: str,
    next_steps: str,
    follow_up: str = "",
    confidential_note: str | None = None,
) -> Interview:
    """After the meeting: the synthesis and next steps the pupil reads, and the
    confidential note for the roles the school allows (None leaves it as is)."""
    if not permissions.can_conduct_interview(by, interview):
        raise PermissionDenied
    if interview.status == InterviewStatus.CANCELLED:
        raise ValidationError(_("This interview was cancelled."))
    if confidential_note is not None:
        if not permissions.can_read_confidential_note(by, interview):
            raise PermissionDenied
        interview.confidential_note = confidential_note.strip()
    interview.synthesis = synthesis.strip()
    interview.next_steps = next_steps.strip()
    interview.follow_up = follow_up.strip()
    if not interview.synthesis:
        raise ValidationError(
            {"synthesis": _("Write the synthesis the pupil will read.")}
        )
    interview.status = (
        InterviewStatus.FOLLOWED_UP if interview.follow_up else InterviewStatus.HELD
    )
    interview.full_clean(exclude=["pupil", "school", "school_year", "organiser"])
    interview.save()
    return interview


def interview_cancel(*, by: User, interview: Interview) -> Interview:
    if not permissions.can_conduct_interview(by, interview) or interview.is_held:
        raise PermissionDenied
    interview.status = InterviewStatus.CANCELLED
    interview.save(update_fields=["status", "updated_at"])
    return interview


def interview_set_in_passport(*, by: User, interview: Interview, shown: bool) -> None:
    """The pupil adds the synthesis and next steps to their passport."""
    if not permissions.can_choose_for_passport(by, interview):
        raise PermissionDenied
    interview.in_passport = shown
    interview.save(update_fields=["in_passport", "updated_at"])


def access_log_record(
    *, reader: User, pupil_id: int, what: str, object_id: int | None = None
) -> None:
    """A member of staff opened part of a pupil's portfolio (insert-only)."""
    access_log_record_many(reader=reader, reads=[(pupil_id, what, object_id)])


def access_log_record_many(
    *, reader: User, reads: Iterable[tuple[int, str, int | None]]
) -> None:
    """Log each read (pupil id, what, object id) in one INSERT whatever the
    page size; a pupil reading their own portfolio is not logged."""
    AccessLog.objects.bulk_create(
        AccessLog(
            pupil_id=pupil_id,
            reader=reader,
            reader_name=str(reader)[:300],
            what=what,
            object_id=object_id,
        )
        for pupil_id, what, object_id in reads
        if pupil_id != reader.pk
    )
