"""Class batch exports: the passports of a class's pupils in one ZIP.

A teacher of the class or the school's educational team (`follow` on the
class) starts a batch. Each pupil's passport is their default one (finished
entries they did not keep private, their project when shared, the interview
syntheses they added to their passport), but read through the *requester's*
rights: entries, project, interviews and image thumbnails all come from the
requester's `*_visible_to` querysets, so nothing private to the pupil, and
nothing the requester may not open, reaches the ZIP.

The work is a Celery chord (exports/tasks.py): one task per pupil renders a
PDF into the storage and counts itself done (or records why it failed), and a
finishing task zips the PDFs. With Redis and a worker of several processes
the pupils are rendered in parallel; without Redis, Celery runs it all eagerly
in the request.
"""

import datetime
import io
import logging
import zipfile
from collections.abc import Sequence

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import slugify

from classes import queries as class_queries
from classes.models import Class, User
from classes.permissions import (
    AnyUser,
    pupils_visible_to,
)
from exports.models import BatchExport, BatchStatus
from exports.passport import Passport, PassportChoice, build_passport
from exports.permissions import can_start_batch
from exports.render import passport_html, passport_pdf

logger = logging.getLogger(__name__)

# How long a finished batch is kept (a future setting, EXPORT_BATCH_KEEP).
BATCH_KEEP = datetime.timedelta(hours=24)
# Where the per-pupil PDFs wait for the finishing task.
PARTS_DIR = "exports/batch-parts"

# A rendered pupil: (pupil id, storage name or None); lists after JSON.
Part = Sequence[int | str | None]

REASON_RENDER_ERROR = "render_error"
REASON_TIMEOUT = "timeout"
REASON_NOT_VISIBLE = "not_visible"


# --- What goes in each passport --------------------------------------------


def batch_pupils(requester: AnyUser, school_class: Class) -> QuerySet[User]:
    """The class's current pupils whose portfolio the requester may open."""
    return class_queries.class_pupils(school_class).filter(
        pk__in=pupils_visible_to(requester).values("pk")
    )


def passport_seen_by(requester: User, pupil: User) -> Passport:
    """The pupil's default passport, read through the requester's rights:
    finished entries that are not private, the project when shared, the
    interviews the pupil added to their passport (synthesis and next steps
    only), no comments."""
    return build_passport(pupil, PassportChoice(with_comments=False), viewer=requester)


def render_pupil_pdf(requester: User, pupil: User) -> bytes:
    """One pupil's passport PDF, as the requester may see it."""
    html = passport_html(passport_seen_by(requester, pupil), for_pdf=True)
    return passport_pdf(requester, html)


# --- Services ---------------------------------------------------------------


def batch_start(*, by: User, school_class: Class) -> BatchExport:
    """Create the batch and queue it (after the transaction commits, so a
    worker finds the row). Eager without Redis: done when this returns
    outside a transaction."""
    if not can_start_batch(by, school_class):
        raise PermissionDenied
    batch_purge_expired()
    total = batch_pupils(by, school_class).count()
    batch = BatchExport.objects.create(
        requester=by,
        school_class=school_class,
        total=total,
        expires_at=timezone.now() + BATCH_KEEP,
    )
    from webclasseur.faults import queue_batch

    # With the broker down the batch is marked failed instead of a 500.
    transaction.on_commit(lambda: queue_batch(batch.pk))
    return batch


def pupil_part_name(batch: BatchExport, pupil: User) -> str:
    return f"{PARTS_DIR}/{batch.pk}-{pupil.pk}.pdf"


def batch_render_pupil(*, batch_id: int, pupil_id: int) -> str | None:
    """Render one pupil into the storage and count it; a failure is recorded
    in the batch and never raised, so the batch goes on. Returns the part's
    storage name, or None."""
    batch = BatchExport.objects.select_related("requester").get(pk=batch_id)
    pupil = User.objects.get(pk=pupil_id)
    name: str | None = None
    reason = ""
    try:
        if (
            not batch_pupils(batch.requester, batch.school_class)
            .filter(pk=pupil.pk)
            .exists()
        ):
            reason = REASON_NOT_VISIBLE
        else:
            data = render_pupil_pdf(batch.requester, pupil)
            name = default_storage.save(
                pupil_part_name(batch, pupil), ContentFile(data)
            )
    except Exception as exc:  # the batch goes on; the report lists the pupil
        from celery.exceptions import SoftTimeLimitExceeded

        reason = (
            REASON_TIMEOUT
            if isinstance(exc, SoftTimeLimitExceeded)
            else REASON_RENDER_ERROR
        )
        logger.exception("batch %s: passport of pupil %s failed", batch_id, pupil_id)
    with transaction.atomic():
        locked = BatchExport.objects.select_for_update().get(pk=batch_id)
        locked.done += 1
        fields = ["done"]
        if reason:
            locked.failures = [
                *locked.failures,
                {"pupil": pupil.get_full_name(), "reason": reason},
            ]
            fields.append("failures")
        locked.save(update_fields=fields)
    return name


def batch_mark_running(*, batch_id: int) -> list[int]:
    """The batch starts: the ids of the pupils to render."""
    batch = BatchExport.objects.select_related("requester", "school_class").get(
        pk=batch_id
    )
    pupil_ids = list(
        batch_pupils(batch.requester, batch.school_class).values_list("pk", flat=True)
    )
    BatchExport.objects.filter(pk=batch_id).update(
        status=BatchStatus.RUNNING, total=len(pupil_ids)
    )
    return pupil_ids


def zip_name(pupil: User, taken: set[str]) -> str:
    base = slugify(f"{pupil.last_name} {pupil.first_name}") or f"eleve-{pupil.pk}"
    name = f"{base}.pdf"
    if name in taken:
        name = f"{base}-{pupil.pk}.pdf"
    taken.add(name)
    return name


def batch_finish(*, batch_id: int, parts: Sequence[Part]) -> BatchExport:
    """Zip the rendered PDFs (`parts`: pupil id and storage name, None when
    the pupil failed), named after the pupils; drop the parts; the batch is
    done and kept for BATCH_KEEP."""
    batch = BatchExport.objects.select_related("school_class").get(pk=batch_id)
    names = {int(str(part[0])): str(part[1]) for part in parts if part[1]}
    pupils = User.objects.filter(pk__in=names).order_by("last_name", "first_name")
    buffer = io.BytesIO()
    taken: set[str] = set()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for pupil in pupils:
            part = names[pupil.pk]
            with default_storage.open(part, "rb") as handle:
                archive.writestr(zip_name(pupil, taken), handle.read())
            default_storage.delete(part)
    label = slugify(f"passeports {batch.school_class.name}") or "passeports"
    batch.file.save(f"{label}.zip", ContentFile(buffer.getvalue()), save=False)
    batch.status = BatchStatus.DONE
    batch.finished_at = timezone.now()
    batch.expires_at = batch.finished_at + BATCH_KEEP
    batch.save(update_fields=["file", "status", "finished_at", "expires_at"])
    return batch


def batch_fail(*, batch_id: int) -> None:
    """The chord broke (a worker died): the batch is failed, not left running."""
    BatchExport.objects.filter(pk=batch_id).exclude(status=BatchStatus.DONE).update(
        status=BatchStatus.FAILED, finished_at=timezone.now()
    )


def batch_purge_expired() -> int:
    """Delete expired batches and their files; returns how many."""
    expired = list(BatchExport.objects.filter(expires_at__lte=timezone.now()))
    for batch in expired:
        if batch.file:
            batch.file.delete(save=False)
        batch.delete()
    return len(expired)
