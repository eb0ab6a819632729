"""The sweep of orphan files: stored files no row refers to, older than the
grace period, are deleted (manage.py sweep_orphan_files, and the daily Celery
beat task); referenced files, young files, running exports' parts and files
outside the application's folders are kept."""

import datetime
import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.utils import timezone

from classes.management.commands.sweep_orphan_files import orphan_files_sweep
from exports.models import BatchExport, BatchStatus
from portfolio.models import Attachment
from webclasseur.celery import app

LATER = timezone.now() + datetime.timedelta(days=2)


def _store(name: str) -> str:
    return default_storage.save(name, ContentFile(b"contenu"))


@pytest.fixture
def files(world):
    """One file of each case, written now."""
    entry = world.entry("Visite de l'atelier du Garage des Tonkins")
    referenced = _store("attachments/sweep/kept.txt")
    Attachment.objects.create(
        entry=entry,
        file=referenced,
        original_name="kept.txt",
        content_type="text/plain",
        size=7,
    )
    running = BatchExport.objects.create(
        requester=world.user("teacher"),
        school_class=world.college_class("3e A"),
        status=BatchStatus.RUNNING,
        expires_at=LATER,
    )
    done = BatchExport.objects.create(
        requester=world.user("teacher"),
        school_class=world.college_class("3e A"),
        status=BatchStatus.FAILED,
        expires_at=LATER,
    )
    return {
        "referenced": referenced,
        "orphan_attachment": _store("attachments/sweep/orphan.jpg"),
        "orphan_resource": _store("resources/ab/orphan.pdf"),
        "orphan_zip": _store("exports/batches/orphan.zip"),
        "running_part": _store(f"exports/batch-parts/{running.pk}-1.pdf"),
        "dead_part": _store(f"exports/batch-parts/{done.pk}-1.pdf"),
        "elsewhere": _store("not-ours/notes.txt"),
    }


def test_old_orphans_go_and_everything_else_stays(files):
    removed = orphan_files_sweep(now=LATER)
    gone = {"orphan_attachment", "orphan_resource", "orphan_zip", "dead_part"}
    for key, name in files.items():
        assert default_storage.exists(name) == (key not in gone), key
        assert (name in removed) == (key in gone), key


def test_young_orphans_are_kept_during_the_grace_period(files):
    assert not set(orphan_files_sweep()) & set(files.values())
    soon = timezone.now() + datetime.timedelta(hours=23)
    assert not set(orphan_files_sweep(now=soon)) & set(files.values())
    assert all(default_storage.exists(name) for name in files.values())


def test_the_command_reports_and_the_dry_run_deletes_nothing(files):
    out = io.StringIO()
    call_command("sweep_orphan_files", "--dry-run", "--grace-hours=0", stdout=out)
    said = out.getvalue()
    assert files["orphan_attachment"] in said
    assert files["referenced"] not in said
    assert "orphan files would be deleted" in said
    assert all(default_storage.exists(name) for name in files.values())

    out = io.StringIO()
    call_command("sweep_orphan_files", "--grace-hours=0", stdout=out)
    assert files["orphan_resource"] in out.getvalue()
    assert "orphan files deleted" in out.getvalue()
    assert not default_storage.exists(files["orphan_resource"])
    assert default_storage.exists(files["referenced"])


def test_a_negative_grace_is_refused(db):
    with pytest.raises(CommandError, match="grace"):
        call_command("sweep_orphan_files", "--grace-hours=-1")


def test_the_daily_task_sweeps_on_a_frozen_clock(files):
    app.loader.import_default_modules()  # what a worker does at start
    task = app.tasks["webclasseur.tasks.sweep_orphan_files"]
    assert task.apply(kwargs={"now": timezone.now().isoformat()}).get() >= 0
    assert default_storage.exists(files["orphan_zip"])  # too young then
    assert task.apply(kwargs={"now": LATER.isoformat()}).get() >= 4
    assert not default_storage.exists(files["orphan_zip"])
    assert default_storage.exists(files["referenced"])
