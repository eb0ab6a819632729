"""RGPD requests (access, rectification, erasure) and the privacy notice.

- `pupil_erase`: delete a pupil's account, every row that belongs to it (by
  cascade) and their files, leaving one `ErasureRecord` (never a name). Used by
  the school's managers (reason "request") and by `manage.py purge_expired`
  once a departed pupil's access is over (reason "retention", `by=None`).
- `pupil_data_summary`: what the application holds about a pupil (counts per
  kind of data), for an access request. The pupil's own copy is their archive
  (exports.archive.archive_build, “Mon archive” in their space).
- Rectification: names and classes come from the school's system (SIECLE/ENT
  import, or the ENT's single sign-on); they are corrected there and imported
  again, or on the school management pages.

The policy: a manager of the school (classes.permissions.can_manage_school)
handles the requests of a pupil whose latest enrolment is in that school,
current or departed. Staff and administrator accounts are never erased here.
"""

import contextlib
import datetime
import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial

import pgtrigger
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import router, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.deletion import Collector
from django.utils import timezone
from django.utils.translation import gettext as _

from classes.models import (
    Enrolment,
    ErasureRecord,
    PrivacyNotice,
    PrivacyNoticeSeen,
    School,
    User,
)
from classes.permissions import (
    can_handle_pupil_request,
    can_manage_school,
    is_staff_account,
    not_staff_accounts,
)
from exports.models import BatchExport
from portfolio.history import history_erase_pupil, history_rows_of
from portfolio.models import Attachment, Entry
from webclasseur.files import delete_stored_files

logger = logging.getLogger("webclasseur.retention")

#: The trigger that keeps the access log insert-only on PostgreSQL
#: (portfolio.models.AccessLog.Meta.triggers).
ACCESS_LOG_DELETE_TRIGGER = "portfolio.AccessLog:accesslog_insert_only_delete"


@contextlib.contextmanager
def access_log_deletion() -> Iterator[None]:
    """Lift the database's refusal to delete access log rows, in this thread,
    for this block: only the retention purge and the erasure use it."""
    with pgtrigger.ignore(ACCESS_LOG_DELETE_TRIGGER):
        yield


# --- Who is concerned --------------------------------------------------------


def _check_request(by: User, pupil: User, school: School) -> None:
    if not can_manage_school(by, school):
        raise PermissionDenied
    if is_staff_account(pupil):
        raise ValidationError(
            _(
                "This is a staff or administrator account: it cannot be "
                "erased from this page."
            ),
            code="staff_account",
        )
    if not can_handle_pupil_request(by, pupil, school):
        raise PermissionDenied


def expired_departed_pupils(*, today: datetime.date) -> QuerySet[User]:
    """Pupils who left and whose access ended before `today`, with no enrolment
    that still gives access (still enrolled, or access not over) and no staff
    duty. Staff and platform accounts are never among them."""
    still_open = Enrolment.objects.filter(pupil=OuterRef("pk")).filter(
        Q(left_on__isnull=True)
        | Q(access_until__isnull=True)
        | Q(access_until__gte=today)
    )
    return not_staff_accounts(
        User.objects.filter(
            enrolments__left_on__isnull=False, enrolments__access_until__lt=today
        ).exclude(Exists(still_open))
    ).distinct()


# --- What is held ------------------------------------------------------------


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


def _rows_of(pupil: User) -> Counter[str]:
    """The rows deleting the account would delete, per model label."""
    collector = Collector(using=router.db_for_write(User), origin=pupil)
    collector.collect([pupil])
    counts: Counter[str] = Counter()
    for model, instances in collector.data.items():
        counts[model._meta.label] += len(instances)
    for queryset in collector.fast_deletes:
        counts[queryset.model._meta.label] += queryset.count()
    counts.update(history_rows_of(pupil))
    return +counts


@dataclass(frozen=True)
class DataKind:
    label: str  # "portfolio.Entry"
    name: str  # the model's plural verbose name, translated
    count: int


@dataclass(frozen=True)
class PupilDataSummary:
    """What the application holds about one pupil (for an access request, and
    to say what an erasure will delete)."""

    pupil: User
    enrolments: list[Enrolment]
    kinds: list[DataKind]
    rows: int
    files: int


def _kind_name(label: str) -> str:
    try:
        return str(apps.get_model(label)._meta.verbose_name_plural)
    except LookupError:
        return label


def pupil_data_summary(*, by: User, pupil: User, school: School) -> PupilDataSummary:
    """Counts per kind of data held about the pupil, and their enrolments."""
    _check_request(by, pupil, school)
    rows = _rows_of(pupil)
    kinds = sorted(
        (DataKind(label, _kind_name(label), count) for label, count in rows.items()),
        key=lambda kind: (kind.label != User._meta.label, kind.name.lower()),
    )
    enrolments = list(
        pupil.enrolments.select_related("school_class__school", "year").order_by(
            "-year__start_year"
        )
    )
    return PupilDataSummary(
        pupil=pupil,
        enrolments=enrolments,
        kinds=kinds,
        rows=sum(rows.values()),
        files=len(_files_of(pupil)),
    )


# --- Erasure -----------------------------------------------------------------


def pupil_erase(
    *,
    by: User | None,
    pupil: User,
    school: School | None,
    reason: str,
    now: datetime.datetime | None = None,
) -> ErasureRecord:
    """Delete the pupil's account and, by cascade, every row that belongs to it
    (entries, attachments, comments, tags, project, wishes, self-assessment,
    interviews, flags, access log, enrolments, tokens, SSO links, “seen”
    marks), then the history events about them (portfolio.history); their
    files once the deletion has committed. Leaves one
    ErasureRecord: the account id, the school, who, why and the counts.

    `by=None` is the retention rule (purge_expired): allowed only with reason
    "retention", for a pupil whose access after leaving is over (on `now`'s
    day: the command runs on a frozen clock in the tests).
    """
    if reason not in ErasureRecord.Reason.values:
        raise ValueError(f"unknown erasure reason: {reason!r}")
    if by is None:
        today = timezone.localdate(now) if now else timezone.localdate()
        if (
            reason != ErasureRecord.Reason.RETENTION
            or not expired_departed_pupils(today=today).filter(pk=pupil.pk).exists()
        ):
            raise PermissionDenied
    else:
        if school is None:
            raise PermissionDenied
        _check_request(by, pupil, school)
    with transaction.atomic():
        files = _files_of(pupil)
        pupil_id = pupil.pk
        entry_ids = list(Entry.objects.filter(owner=pupil).values_list("pk", flat=True))
        with access_log_deletion():
            rows, by_model = pupil.delete()
        # After the account: the cascade itself writes "delete" events.
        events = history_erase_pupil(pupil_id=pupil_id, entry_ids=entry_ids)
        by_model = dict(Counter(by_model) + events)
        rows += sum(events.values())
        record = ErasureRecord.objects.create(
            school=school,
            pupil_id=pupil_id,
            erased_by=by,
            reason=reason,
            erased_at=now or timezone.now(),
            counts={"rows": rows, "files": len(files), **by_model},
        )
        transaction.on_commit(partial(delete_stored_files, files))
    return record


def erasure_records_of(school: School) -> QuerySet[ErasureRecord]:
    return ErasureRecord.objects.filter(school=school).select_related("erased_by")


# --- The privacy notice ------------------------------------------------------


def current_privacy_notice() -> PrivacyNotice | None:
    return (
        PrivacyNotice.objects.filter(published_at__lte=timezone.now())
        .order_by("-published_at", "-pk")
        .first()
    )


def privacy_notice_seen_record(*, by: User, notice: PrivacyNotice) -> PrivacyNoticeSeen:
    """Remember the first time `by` saw this version of the notice."""
    seen, _created = PrivacyNoticeSeen.objects.get_or_create(user=by, notice=notice)
    return seen
