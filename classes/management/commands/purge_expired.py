"""Apply every retention rule of docs/privacy.md; run daily (cron or Celery beat).

- access log rows older than ACCESS_LOG_RETENTION_MONTHS;
- pupils who left and whose `access_until` is past: their portfolio (entries,
  files, project, interviews, comments, self-assessment…) and their account;
- entries in the trash for more than TRASH_RETENTION_DAYS (portfolio.services);
- class passport exports (zip files) past their 24 hours (exports.batch).

Each erasure is logged (logger "webclasseur.retention": the account's id, the
school's UAI and the dates, never a name). There is no erasure-record model
yet; the log is the record until one exists.
"""

import datetime
import logging
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from classes.models import Enrolment, StaffRole, TeachingAssignment, User
from exports.batch import batch_purge_expired
from exports.models import BatchExport
from portfolio.models import AccessLog, Attachment
from portfolio.services import trash_purge

logger = logging.getLogger("webclasseur.retention")


def months_before(moment: datetime.datetime, months: int) -> datetime.datetime:
    """The same day and time `months` months earlier (the last day of the month
    when that day does not exist: 31 March minus one month is 28/29 February)."""
    month_index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    next_month = datetime.date(year + month // 12, month % 12 + 1, 1)
    last_day = (next_month - datetime.timedelta(days=1)).day
    return moment.replace(year=year, month=month, day=min(moment.day, last_day))


def access_log_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete the access log rows older than ACCESS_LOG_RETENTION_MONTHS.

    AccessLog.delete() refuses on purpose (the log is insert-only for the app);
    the retention purge is the one place that removes rows, with a queryset
    delete.
    """
    cutoff = months_before(now or timezone.now(), settings.ACCESS_LOG_RETENTION_MONTHS)
    count, _by_model = AccessLog.objects.filter(at__lt=cutoff).delete()
    return count


def expired_departed_pupils(*, today: datetime.date) -> list[User]:
    """Pupils who left and whose access ended before `today`, with no enrolment
    that still gives access (still enrolled, or access not over) and no staff
    duty. Staff and platform accounts are never erased here."""
    still_open = Enrolment.objects.filter(pupil=OuterRef("pk")).filter(
        Q(left_on__isnull=True)
        | Q(access_until__isnull=True)
        | Q(access_until__gte=today)
    )
    return list(
        User.objects.filter(
            enrolments__left_on__isnull=False, enrolments__access_until__lt=today
        )
        .exclude(Exists(still_open))
        .exclude(is_staff=True)
        .exclude(is_superuser=True)
        .exclude(Exists(StaffRole.objects.filter(user=OuterRef("pk"))))
        .exclude(Exists(TeachingAssignment.objects.filter(teacher=OuterRef("pk"))))
        .distinct()
        .order_by("pk")
    )


@dataclass(frozen=True)
class Erasure:
    """What was erased for one pupil (for the log; holds no personal data)."""

    user_id: int
    school_uai: str
    left_on: datetime.date | None
    access_until: datetime.date | None
    rows: int
    files: int


def _files_of(pupil: User) -> list[str]:
    names = [
        name
        for pair in Attachment.objects.filter(entry__owner=pupil).values_list(
            "file", "thumbnail"
        )
        for name in pair
        if name
    ]
    names += [
        name
        for name in BatchExport.objects.filter(requester=pupil).values_list(
            "file", flat=True
        )
        if name
    ]
    return names


def _delete_files(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            logger.exception("could not delete a file of an erased pupil: %s", name)


def departed_pupils_erase(*, now: datetime.datetime | None = None) -> list[Erasure]:
    """Erase the pupils whose access after leaving is over: the account and,
    by cascade, every row that belongs to it (entries, attachments, comments on
    their entries, tags, project, wishes, self-assessment, interviews, access
    log, flags, tokens, SSO links, enrolments); their files are deleted from
    storage once the deletion has committed. One transaction per pupil."""
    today = timezone.localdate(now) if now else timezone.localdate()
    erased = []
    for pupil in expired_departed_pupils(today=today):
        last = pupil.enrolments.select_related("school_class__school").order_by(
            "-year__start_year"
        )[0]
        with transaction.atomic():
            files = _files_of(pupil)
            user_id = pupil.pk
            rows, _by_model = pupil.delete()
            transaction.on_commit(partial(_delete_files, files))
        erasure = Erasure(
            user_id=user_id,
            school_uai=last.school_class.school.uai,
            left_on=last.left_on,
            access_until=last.access_until,
            rows=rows,
            files=len(files),
        )
        logger.info(
            "erased departed pupil: user id %s, school %s, left on %s, access "
            "until %s, %s rows and %s files deleted",
            erasure.user_id,
            erasure.school_uai,
            erasure.left_on,
            erasure.access_until,
            erasure.rows,
            erasure.files,
        )
        erased.append(erasure)
    return erased


class Command(BaseCommand):
    help = (
        "Apply the retention rules: access log after ACCESS_LOG_RETENTION_MONTHS, "
        "departed pupils once their access is over, trash after "
        "TRASH_RETENTION_DAYS."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Only say which departed pupils would be erased (ids).",
        )

    def handle(self, *args: object, **options: object) -> None:
        now = timezone.now()
        if options["dry_run"]:
            due = expired_departed_pupils(today=timezone.localdate(now))
            self.stdout.write(
                f"{len(due)} departed pupils would be erased: "
                + ", ".join(str(user.pk) for user in due)
            )
            return
        logs = access_log_purge(now=now)
        erased = departed_pupils_erase(now=now)
        trashed = trash_purge(now=now)
        batches = batch_purge_expired()
        self.stdout.write(
            f"{logs} access log rows older than "
            f"{settings.ACCESS_LOG_RETENTION_MONTHS} months deleted; "
            f"{len(erased)} departed pupils erased; "
            f"{trashed} trashed entries purged; "
            f"{batches} expired class exports deleted."
        )
