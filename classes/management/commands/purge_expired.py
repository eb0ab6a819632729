"""Apply every retention rule of docs/privacy.md. Celery beat runs it daily
(webclasseur.tasks.purge_expired, CELERY_BEAT_SCHEDULE); this command is for
running it by hand or from cron.

- access log rows older than ACCESS_LOG_RETENTION_MONTHS, and the history of
  roles (team roles, teaching assignments) older than the same period;
- pupils who left and whose `access_until` is past: their portfolio (entries,
  files, project, interviews, comments, self-assessment…) and their account;
- entries in the trash for more than TRASH_RETENTION_DAYS (portfolio.services),
  and the history events of entries deleted for good (portfolio.history);
- class passport exports (zip files) past their 24 hours (exports.batch).

Each erasure leaves a classes.ErasureRecord (classes.rgpd.pupil_erase) and a
log line (logger "webclasseur.retention": the account's id, the school's UAI
and the dates, never a name).
"""

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from classes import rgpd
from classes.history import role_history_purge
from classes.models import ErasureRecord, User
from exports.batch import batch_purge_expired
from portfolio.history import history_purge_deleted
from portfolio.models import AccessLog
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

    AccessLog.delete() refuses on purpose (the log is insert-only for the app),
    and so does PostgreSQL (a trigger); the retention purge and the erasure
    are the only places that remove rows (classes.rgpd.access_log_deletion).
    """
    cutoff = months_before(now or timezone.now(), settings.ACCESS_LOG_RETENTION_MONTHS)
    with rgpd.access_log_deletion():
        count, _by_model = AccessLog.objects.filter(at__lt=cutoff).delete()
    return count


def expired_departed_pupils(*, today: datetime.date) -> list[User]:
    """Pupils who left and whose access ended before `today`, with no enrolment
    that still gives access (still enrolled, or access not over) and no staff
    duty. Staff and platform accounts are never erased here."""
    return list(rgpd.expired_departed_pupils(today=today).order_by("pk"))


@dataclass(frozen=True)
class Erasure:
    """What was erased for one pupil (for the log; holds no personal data)."""

    user_id: int
    school_uai: str
    left_on: datetime.date | None
    access_until: datetime.date | None
    rows: int
    files: int


def departed_pupils_erase(*, now: datetime.datetime | None = None) -> list[Erasure]:
    """Erase the pupils whose access after leaving is over, through
    classes.rgpd.pupil_erase (reason "retention"): the account and, by cascade,
    every row that belongs to it, then their files once the deletion has
    committed; one ErasureRecord and one log line each. One transaction per
    pupil."""
    today = timezone.localdate(now) if now else timezone.localdate()
    erased = []
    for pupil in expired_departed_pupils(today=today):
        last = pupil.enrolments.select_related("school_class__school").order_by(
            "-year__start_year"
        )[0]
        school = last.school_class.school
        record = rgpd.pupil_erase(
            by=None,
            pupil=pupil,
            school=school,
            reason=ErasureRecord.Reason.RETENTION,
            now=now,
        )
        erasure = Erasure(
            user_id=record.pupil_id,
            school_uai=school.uai,
            left_on=last.left_on,
            access_until=last.access_until,
            rows=record.counts["rows"],
            files=record.counts["files"],
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


@dataclass(frozen=True)
class RetentionReport:
    """What one run of the retention rules deleted (counts only)."""

    access_log_rows: int
    erased: list[Erasure]
    trashed_entries: int
    history_events: int
    class_exports: int
    role_history_events: int

    def __str__(self) -> str:
        return (
            f"{self.access_log_rows} access log rows older than "
            f"{settings.ACCESS_LOG_RETENTION_MONTHS} months deleted; "
            f"{len(self.erased)} departed pupils erased; "
            f"{self.trashed_entries} trashed entries purged; "
            f"{self.history_events} history events of deleted entries removed; "
            f"{self.role_history_events} role history events older than "
            f"{settings.ACCESS_LOG_RETENTION_MONTHS} months deleted; "
            f"{self.class_exports} expired class exports deleted."
        )


def retention_apply(*, now: datetime.datetime | None = None) -> RetentionReport:
    """Every retention rule of docs/privacy.md, in order; the command and the
    daily Celery beat task (webclasseur.tasks.purge_expired) both run this."""
    now = now or timezone.now()
    logs = access_log_purge(now=now)
    erased = departed_pupils_erase(now=now)
    trashed = trash_purge(now=now)
    events = history_purge_deleted()
    batches = batch_purge_expired()
    roles = role_history_purge(
        before=months_before(now, settings.ACCESS_LOG_RETENTION_MONTHS)
    )
    return RetentionReport(logs, erased, trashed, events, batches, roles)


class Command(BaseCommand):
    help = (
        "Apply the retention rules: access log after ACCESS_LOG_RETENTION_MONTHS, "
        "departed pupils once their access is over, trash after "
        "TRASH_RETENTION_DAYS, history of deleted entries, role history after "
        "ACCESS_LOG_RETENTION_MONTHS, expired class exports."
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
        self.stdout.write(str(retention_apply(now=now)))
