"""Class batch exports: the passports of a class in one ZIP, made by Celery
(eagerly here; against a real worker in CI through `manage.py batch_smoke`)."""

import datetime
import io
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from exports import batch
from exports.models import BatchExport, BatchStatus
from portfolio import services
from portfolio.models import Entry, EntryKind, Visibility

FAKE_PDF = b"%PDF-1.7 fake"


@pytest.fixture(autouse=True)
def _eager_celery():
    """In-process even on the PostgreSQL + Redis run (REDIS_URL makes Celery
    send tasks to a worker, and no worker sees the test database)."""
    from webclasseur.celery import app

    was = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = was


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def zip_of(batch_export: BatchExport) -> zipfile.ZipFile:
    with batch_export.file.open("rb") as handle:
        return zipfile.ZipFile(io.BytesIO(handle.read()))


@pytest.fixture
def fake_render(monkeypatch):
    """A cheap stand-in for WeasyPrint, recording who asked for whom."""
    calls: list[tuple[int, int]] = []

    def render(requester, pupil):
        calls.append((requester.pk, pupil.pk))
        return FAKE_PDF

    monkeypatch.setattr(batch, "render_pupil_pdf", render)
    return calls


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run the queued task when the test's transaction would have committed."""

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run


def start(world, run_on_commit, alias="teacher", class_name="3e A") -> BatchExport:
    with run_on_commit():
        made = batch.batch_start(
            by=world.user(alias), school_class=world.college_class(class_name)
        )
    made.refresh_from_db()
    return made


def test_it_exports_the_class_through_the_pages_without_anything_private(
    world, run_on_commit
):
    """The whole journey, with real PDFs: start, progress, download; each pupil
    has a PDF named after them; private entries, the pupil's unshared project
    and the confidential interview note are in none of them."""
    lea = world.user("pupil")
    mate = world.user("classmate")
    services.entry_save(
        by=mate,
        entry=Entry(
            kind=EntryKind.OTHER,
            title="Mon carnet secret de camarade",
            start_date=timezone.localdate(),
            visibility=Visibility.PRIVATE,
        ),
    )
    services.interview_set_in_passport(
        by=lea, interview=world.interview_of_lea(), shown=True
    )
    school_class = world.college_class("3e A")
    client = world.client_for("teacher")
    page = client.get(reverse("batch:start", args=[school_class.pk]))
    assert page.status_code == 200
    assert b'id="batch-start-form"' in page.content
    with run_on_commit():
        response = client.post(reverse("batch:start", args=[school_class.pk]))
    made = BatchExport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("batch:progress", args=[made.pk])
    assert made.status == BatchStatus.DONE
    assert made.total == made.done == 25
    assert made.failures == []
    assert made.requester == world.user("teacher")

    progress = client.get(reverse("batch:progress", args=[made.pk]))
    assert b"25 / 25" in progress.content
    assert b'id="batch-download"' in progress.content
    polled = client.get(
        reverse("batch:progress", args=[made.pk]), HTTP_HX_REQUEST="true"
    )
    assert b"<html" not in polled.content
    assert b"hx-trigger" not in polled.content  # finished: polling stops

    download = client.get(reverse("batch:download", args=[made.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    names = archive.namelist()
    assert len(names) == 25
    assert "martin-lea.pdf" in names
    lea_text = pdf_text(archive.read("martin-lea.pdf"))
    assert "Garage des Tonkins" in lea_text
    assert "Aller en 2de générale" in lea_text  # her project is shared
    assert "hésite entre la santé et le numérique" in lea_text.replace("\n", " ")
    for name in names:
        text = pdf_text(archive.read(name))
        assert "Recherches sur les bacs pro" not in text  # Léa's private entry
        assert "Mon carnet secret" not in text  # the classmate's private entry
        assert "Situation familiale" not in text  # the confidential note
        assert "Essai supprimé" not in text  # the trash


def test_the_passport_is_read_through_the_requesters_rights(world):
    """Private entries and an unshared project stay out; a teacher of another
    class gets nothing of the pupil."""
    lea = world.user("pupil")
    teacher = world.user("teacher")
    services.interview_set_in_passport(
        by=lea, interview=world.interview_of_lea(), shown=True
    )
    seen = batch.passport_seen_by(teacher, lea)
    titles = {entry.title for group in seen.groups for entry in group.entries}
    assert "Visite de l'atelier du Garage des Tonkins" in titles
    assert "Recherches sur les bacs pro du numérique" not in titles
    assert seen.project is not None
    assert len(seen.interviews) == 1
    services.project_set_sharing(by=lea, project=seen.project, shared=False)
    assert batch.passport_seen_by(teacher, lea).project is None
    # A teacher of another class sees nothing of Léa.
    stranger = batch.passport_seen_by(world.user("other_teacher"), lea)
    assert stranger.entry_count == 0
    assert stranger.project is None
    assert stranger.interviews == []


def test_progress_is_saved_after_each_pupil(world, run_on_commit, monkeypatch):
    seen_done: list[int] = []

    def render(requester, pupil):
        seen_done.append(BatchExport.objects.get().done)
        return FAKE_PDF

    monkeypatch.setattr(batch, "render_pupil_pdf", render)
    made = start(world, run_on_commit)
    assert seen_done == list(range(25))
    assert (made.done, made.total, made.status) == (25, 25, BatchStatus.DONE)
    assert made.percent == 100
    assert made.finished_at is not None
    assert made.expires_at == made.finished_at + batch.BATCH_KEEP


def test_a_failing_pupil_is_recorded_and_the_batch_goes_on(
    world, run_on_commit, monkeypatch
):
    mate = world.user("classmate")

    def render(requester, pupil):
        if pupil.pk == mate.pk:
            raise RuntimeError("broken image")
        return FAKE_PDF

    monkeypatch.setattr(batch, "render_pupil_pdf", render)
    made = start(world, run_on_commit)
    assert made.status == BatchStatus.DONE
    assert made.done == made.total == 25
    assert made.failures == [
        {"pupil": mate.get_full_name(), "reason": batch.REASON_RENDER_ERROR}
    ]
    names = zip_of(made).namelist()
    assert len(names) == 24
    assert "martin-lea.pdf" in names
    page = world.client_for("teacher").get(reverse("batch:progress", args=[made.pk]))
    assert b'id="batch-failures"' in page.content
    assert mate.get_full_name().encode() in page.content


def test_the_parts_are_removed_once_zipped(world, run_on_commit, fake_render):
    from django.core.files.storage import default_storage

    made = start(world, run_on_commit)
    assert len(fake_render) == 25
    lea = world.user("pupil")
    assert not default_storage.exists(batch.pupil_part_name(made, lea))


def test_a_batch_while_it_runs_polls_and_shows_the_count(world):
    made = BatchExport.objects.create(
        requester=world.user("teacher"),
        school_class=world.college_class("3e A"),
        status=BatchStatus.RUNNING,
        total=35,
        done=12,
        expires_at=timezone.now() + batch.BATCH_KEEP,
    )
    client = world.client_for("teacher")
    page = client.get(reverse("batch:progress", args=[made.pk]))
    assert b"12 / 35" in page.content
    assert b'hx-trigger="every 2s"' in page.content
    assert b'id="batch-download"' not in page.content
    # Not finished: no download yet.
    assert client.get(reverse("batch:download", args=[made.pk])).status_code == 403


def test_who_may_start_a_batch(world, fake_render):
    school_class = world.college_class("3e A")
    url = reverse("batch:start", args=[school_class.pk])
    assert world.client_for("other_teacher").post(url).status_code == 404
    assert world.client_for("pupil").post(url).status_code == 403
    assert world.client_for("platform_admin").post(url).status_code == 403
    assert world.client_for("other_school_head").post(url).status_code == 404
    assert BatchExport.objects.count() == 0
    assert world.client_for("head").post(url).status_code == 302
    assert BatchExport.objects.get().requester == world.user("head")


def test_only_the_requester_sees_and_downloads_the_batch(
    world, run_on_commit, fake_render
):
    made = start(world, run_on_commit)
    for alias in ("head", "psyen", "pupil", "other_teacher"):
        client = world.client_for(alias)
        assert client.get(reverse("batch:progress", args=[made.pk])).status_code == 404
        assert client.get(reverse("batch:download", args=[made.pk])).status_code == 404
    owner = world.client_for("teacher")
    assert owner.get(reverse("batch:download", args=[made.pk])).status_code == 200


def test_an_expired_batch_is_gone(world, run_on_commit, fake_render):
    made = start(world, run_on_commit)
    made.expires_at = timezone.now() - datetime.timedelta(minutes=1)
    made.save(update_fields=["expires_at"])
    client = world.client_for("teacher")
    response = client.get(reverse("batch:download", args=[made.pk]))
    assert response.status_code == 410
    assert b'id="batch-gone"' in response.content
    page = client.get(reverse("batch:progress", args=[made.pk]))
    assert b'id="batch-expired"' in page.content
    # Someone else still gets a 404, not a 410.
    other = world.client_for("head").get(reverse("batch:download", args=[made.pk]))
    assert other.status_code == 404
    # The next batch purges it, file included.
    path = made.file.name
    start(world, run_on_commit)
    assert not BatchExport.objects.filter(pk=made.pk).exists()
    from django.core.files.storage import default_storage

    assert not default_storage.exists(path)


def test_a_broken_chord_marks_the_batch_failed(world):
    made = BatchExport.objects.create(
        requester=world.user("teacher"),
        school_class=world.college_class("3e A"),
        status=BatchStatus.RUNNING,
        total=25,
        done=3,
        expires_at=timezone.now() + batch.BATCH_KEEP,
    )
    batch.batch_fail(batch_id=made.pk)
    made.refresh_from_db()
    assert made.status == BatchStatus.FAILED
    page = world.client_for("teacher").get(reverse("batch:progress", args=[made.pk]))
    assert b'id="batch-error"' in page.content
    assert b"hx-trigger" not in page.content


def test_a_class_with_no_visible_pupil_gives_an_empty_zip(
    world, run_on_commit, fake_render, monkeypatch
):
    monkeypatch.setattr(
        batch, "batch_pupils", lambda requester, school_class: batch.User.objects.none()
    )
    made = start(world, run_on_commit)
    assert (made.status, made.total, made.done) == (BatchStatus.DONE, 0, 0)
    assert zip_of(made).namelist() == []
    assert fake_render == []
