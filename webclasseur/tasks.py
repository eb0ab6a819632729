"""Scheduled maintenance (Celery beat, CELERY_BEAT_SCHEDULE in settings).

Each task runs the same function as its management command, which stays for
running by hand: `manage.py purge_expired` (every retention rule of
docs/privacy.md) and `manage.py sweep_orphan_files`. `now` (ISO 8601) lets a
test run them on a frozen clock.
"""

import datetime

from celery import shared_task

from classes.management.commands.purge_expired import retention_apply
from classes.management.commands.sweep_orphan_files import orphan_files_sweep


def _moment(now: str | None) -> datetime.datetime | None:
    return datetime.datetime.fromisoformat(now) if now else None


@shared_task(ignore_result=True)
def purge_expired(now: str | None = None) -> str:
    """The retention rules: access log, departed pupils, trash, history of
    deleted entries, expired class exports. Returns what it did."""
    return str(retention_apply(now=_moment(now)))


@shared_task(ignore_result=True)
def sweep_orphan_files(now: str | None = None) -> int:
    """Stored files no row refers to, older than a day. Returns how many went."""
    return len(orphan_files_sweep(now=_moment(now)))
