"""Celery tasks of the class batch export (the logic is in exports/batch.py).

A chord: `start_batch` fans out one `render_pupil` task per pupil (several
worker processes render in parallel), then `finish_batch` zips what they
wrote to the storage. `render_pupil` never raises for a pupil's failure (it is
recorded in the batch), so one broken passport does not break the chord; a
dead worker does, and `fail_batch` then marks the batch failed.
"""

from typing import Any

from celery import chord, shared_task

from exports import batch as services

# Per pupil: a soft limit recorded as a "timeout" failure, then a hard one.
PUPIL_SOFT_LIMIT = 120
PUPIL_HARD_LIMIT = 150


@shared_task(ignore_result=True)
def start_batch(batch_id: int) -> None:
    pupil_ids = services.batch_mark_running(batch_id=batch_id)
    if not pupil_ids:
        services.batch_finish(batch_id=batch_id, parts=[])
        return
    header = [render_pupil.s(batch_id, pupil_id) for pupil_id in pupil_ids]
    body = finish_batch.s(batch_id).on_error(fail_batch.si(batch_id))
    chord(header)(body)


@shared_task(soft_time_limit=PUPIL_SOFT_LIMIT, time_limit=PUPIL_HARD_LIMIT)
def render_pupil(batch_id: int, pupil_id: int) -> tuple[int, str | None]:
    return pupil_id, services.batch_render_pupil(batch_id=batch_id, pupil_id=pupil_id)


@shared_task(ignore_result=True)
def finish_batch(parts: list[Any], batch_id: int) -> None:
    services.batch_finish(batch_id=batch_id, parts=parts)


@shared_task(ignore_result=True)
def fail_batch(batch_id: int, *_error: Any) -> None:
    services.batch_fail(batch_id=batch_id)
