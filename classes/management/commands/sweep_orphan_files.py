"""Delete stored files that no database row refers to (orphans).

A file can outlive its row: a crash between writing the file and committing
the row, a storage error while deleting, a worker killed in the middle of a
class export. This sweep walks the folders the application writes to
(SWEPT_FOLDERS, in the default storage), and deletes each file that no
FileField of any model names and that is older than the grace period (default
24 hours: an upload or an export in progress is never touched). Class export
parts (exports/batch-parts/<batch>-<pupil>.pdf) are kept while their batch is
queued or running.

Celery beat runs it daily (webclasseur.tasks.sweep_orphan_files); this command
is for running it by hand (`--dry-run` only lists).
"""

import datetime
import logging
import re
from collections.abc import Iterator

from django.apps import apps
from django.core.files.storage import Storage, default_storage
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import models
from django.utils import timezone

logger = logging.getLogger("webclasseur.retention")

#: Where the application stores files (attachments, class resources, exports).
SWEPT_FOLDERS = ("attachments", "resources", "exports")
DEFAULT_GRACE = datetime.timedelta(hours=24)
_PART = re.compile(r"^exports/batch-parts/(?P<batch>\d+)-\d+\.pdf$")


def _walk(storage: Storage, folder: str) -> Iterator[str]:
    try:
        folders, files = storage.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return
    for name in files:
        yield f"{folder}/{name}"
    for sub in folders:
        yield from _walk(storage, f"{folder}/{sub}")


def referenced_files() -> set[str]:
    """Every file name stored in a FileField of any model."""
    names: set[str] = set()
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.FileField):
                names.update(
                    name
                    for name in model._base_manager.exclude(
                        **{field.attname: ""}
                    ).values_list(field.attname, flat=True)
                    if name
                )
    return names


def _live_batch_ids() -> set[int]:
    from exports.models import BatchExport, BatchStatus

    return set(
        BatchExport.objects.filter(
            status__in=[BatchStatus.QUEUED, BatchStatus.RUNNING]
        ).values_list("pk", flat=True)
    )


def orphan_files_sweep(
    *,
    now: datetime.datetime | None = None,
    grace: datetime.timedelta = DEFAULT_GRACE,
    dry_run: bool = False,
    storage: Storage | None = None,
) -> list[str]:
    """Delete (or only list, `dry_run`) the orphan files older than `grace`;
    returns their names. A file that cannot be read or deleted is logged and
    skipped."""
    storage = storage or default_storage
    cutoff = (now or timezone.now()) - grace
    keep = referenced_files()
    live_batches = _live_batch_ids()
    removed = []
    for folder in SWEPT_FOLDERS:
        for name in _walk(storage, folder):
            if name in keep:
                continue
            part = _PART.match(name)
            if part and int(part["batch"]) in live_batches:
                continue
            try:
                if storage.get_modified_time(name) >= cutoff:
                    continue
                if not dry_run:
                    storage.delete(name)
            except OSError:
                logger.exception("orphan sweep: could not remove %s", name)
                continue
            removed.append(name)
    if removed and not dry_run:
        logger.info("orphan sweep: %s stored files deleted", len(removed))
    return removed


class Command(BaseCommand):
    help = (
        "Delete stored files (attachments, class resources, exports) that no "
        "database row refers to, once older than the grace period."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--grace-hours",
            type=int,
            default=int(DEFAULT_GRACE.total_seconds() // 3600),
            help="Keep orphans younger than this (hours; default 24).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Only list what would go."
        )

    def handle(self, *args: object, **options: object) -> None:
        grace_hours = int(str(options["grace_hours"]))
        if grace_hours < 0:
            raise CommandError("--grace-hours must be 0 or more.")
        removed = orphan_files_sweep(
            grace=datetime.timedelta(hours=grace_hours),
            dry_run=bool(options["dry_run"]),
        )
        for name in removed:
            self.stdout.write(name)
        verb = "would be deleted" if options["dry_run"] else "deleted"
        self.stdout.write(f"{len(removed)} orphan files {verb}.")
