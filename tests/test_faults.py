"""Fault tolerance: each failure injected, with the expected answer and no
data lost or half-written.

Database down (errors raised from an execute wrapper), Redis at a closed port
(the degrading cache), the broker down for class exports, the storage raising
OSError on upload, and a crash in the middle of the multi-row writes.
"""

import contextlib
import datetime
import json
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator

import pytest
import redis
from django.contrib.auth import get_user_model
from django.core.cache import cache, caches
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import DatabaseError, OperationalError, connection
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnreachable

from classes.imports import pupils_import
from classes.models import Class, Enrolment, School
from exports import archive
from exports.archive import archive_build, archive_import
from exports.models import BatchExport, BatchStatus
from exports.tasks import start_batch
from portfolio import services
from portfolio.models import Attachment, Entry, EntryMetier, Project
from tests.classes.test_import import GOOD, college
from tests.portfolio import files
from tests.portfolio.test_entries import entry_data
from webclasseur import faults
from webclasseur.cache import DegradingRedisCache

# --- Helpers -----------------------------------------------------------------

TRANSACTION_CONTROL = ("SAVEPOINT", "RELEASE", "ROLLBACK")


@contextlib.contextmanager
def database_down(*, only: str | None = None) -> Iterator[None]:
    """Every query raises OperationalError, as with a lost connection; with
    `only`, just the queries naming that table (the rest of the page works,
    then the view meets the error). Savepoint statements pass, so the test's
    own transaction stays usable."""

    def refuse(execute: Callable, sql: str, params, many, context):
        if sql.lstrip().upper().startswith(TRANSACTION_CONTROL) or (
            only is not None and only not in sql
        ):
            return execute(sql, params, many, context)
        raise OperationalError("could not connect to server: Connection refused")

    with connection.execute_wrapper(refuse):
        yield


def stored_files() -> set[str]:
    found: set[str] = set()

    def walk(folder: str) -> None:
        dirs, names = default_storage.listdir(folder)
        found.update(f"{folder}/{name}" for name in names)
        for name in dirs:
            walk(f"{folder}/{name}")

    if default_storage.exists("attachments"):
        walk("attachments")
    return found


def row_counts() -> tuple[int, ...]:
    user_model = get_user_model()
    return (
        Entry.objects.count(),
        Attachment.objects.count(),
        EntryMetier.objects.count(),
        user_model.objects.count(),
        Class.objects.count(),
        Enrolment.objects.count(),
    )


# --- Database down -------------------------------------------------------------


def assert_unavailable_page(response) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == str(faults.RETRY_AFTER_SECONDS)
    page = response.content.decode()
    assert 'id="service-unavailable"' in page
    assert "Traceback" not in page
    assert "OperationalError" not in page
    assert "Connection refused" not in page


def test_a_logged_in_page_answers_503_when_the_database_is_down(world):
    client = world.client_for("pupil")
    # A middleware further out (LTI's session cookie) also meets the error on
    # the way back; handler500 answers 503 for it, but the test client would
    # re-raise the exception it logged.
    client.raise_request_exception = False
    with database_down():
        response = client.get(reverse("portfolio:home"))
    assert_unavailable_page(response)


def test_a_view_meeting_a_database_error_answers_503(world):
    client = world.client_for("pupil")
    # The session and the user load; the entries table does not answer.
    with database_down(only=Entry._meta.db_table):
        response = client.get(reverse("portfolio:home"))
    assert_unavailable_page(response)


def test_a_login_attempt_answers_503_when_the_database_is_down(world):
    pupil = world.user("pupil")
    with database_down():
        response = Client().post(
            reverse("account_login"),
            {"login": pupil.email, "password": "parcours-avenir"},
        )
    assert_unavailable_page(response)


def test_the_api_answers_a_503_problem_when_the_database_is_down(world):
    client = world.client_for("pupil")
    client.raise_request_exception = False  # as above
    with database_down():
        response = client.get(reverse("api:me"))
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert json.loads(response.content)["status"] == 503


def test_the_503_page_is_rendered_without_touching_the_database(rf):
    request = rf.get("/")
    with database_down():
        response = faults.service_unavailable(request)
    assert_unavailable_page(response)


def test_healthz_names_the_database_when_it_is_down(db, client):
    with database_down():
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    body = json.loads(response.content)
    assert body == {
        "database": "error: OperationalError",
        "cache": "ok",
        "storage": "ok",
    }


def test_a_database_error_while_rendering_the_template_answers_503(world):
    """The manage page's template reads the classes' teachers itself (a lazy
    query run during rendering, after the view has returned its context)."""
    client = world.client_for("head")
    school = world.college_class("3e A").school
    with database_down(only='FROM "classes_teachingassignment"'):
        response = client.get(reverse("school_admin:manage", args=[school.pk]))
    assert_unavailable_page(response)


def test_a_database_error_after_the_view_answers_503(world):
    """The session is saved by SessionMiddleware once the page is rendered,
    outside DatabaseUnavailableMiddleware: handler500 answers 503 all the
    same (the test client re-raises unless told not to)."""
    client = world.client_for("pupil")
    client.raise_request_exception = False
    with database_down(only='UPDATE "django_session"'):
        response = client.get(reverse("portfolio:home"))
    assert_unavailable_page(response)
    client = world.client_for("pupil")
    client.raise_request_exception = False
    with database_down(only='UPDATE "django_session"'):
        api = client.get(reverse("api:me"))
    assert api.status_code == 503
    assert api["Content-Type"] == "application/problem+json"


def test_handler500_answers_503_for_a_database_error_and_500_otherwise(rf):
    try:
        raise OperationalError("could not connect to server: Connection refused")
    except OperationalError:
        response = faults.server_error(rf.get("/parcours/"))
    assert_unavailable_page(response)
    try:
        raise ValueError("boom")
    except ValueError:
        response = faults.server_error(rf.get("/parcours/"))
    assert response.status_code == 500


def test_other_errors_are_left_to_the_500_page(rf):
    middleware = faults.DatabaseUnavailableMiddleware(lambda request: None)  # type: ignore[arg-type,return-value]
    assert middleware.process_exception(rf.get("/"), ValueError("boom")) is None


# --- Redis down --------------------------------------------------------------

REDIS_AT_A_CLOSED_PORT = {
    "default": {
        "BACKEND": "webclasseur.cache.DegradingRedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}
redis_down = override_settings(
    CACHES=REDIS_AT_A_CLOSED_PORT,
    SESSION_ENGINE="django.contrib.sessions.backends.cached_db",
)


@redis_down
def test_the_cache_degrades_instead_of_failing_when_redis_is_down():
    assert isinstance(caches["default"], DegradingRedisCache)
    assert cache.get("missing", "default") == "default"
    assert cache.set("key", "value") is None
    assert cache.get("key") is None
    assert cache.add("key", "value") is True  # as DummyCache: locks never wait
    assert cache.get_many(["key", "other"]) == {}
    assert cache.set_many({"key": 1}) == ["key"]
    assert cache.delete("key") is False
    assert cache.has_key("key") is False
    assert cache.touch("key") is False
    assert cache.clear() is None
    cache.delete_many(["key"])
    with pytest.raises(ValueError, match="not found"):
        cache.incr("counter")


@redis_down
def test_the_site_keeps_serving_with_redis_down(world):
    pupil = world.user("pupil")
    client = Client()
    # Logging in goes through allauth's rate limits (in the cache) and writes
    # the session (cached_db: the database holds it).
    response = client.post(
        reverse("account_login"),
        {"login": pupil.email, "password": "parcours-avenir"},
    )
    assert response.status_code == 302, response.content.decode()[:500]
    page = client.get(reverse("portfolio:home"))
    assert page.status_code == 200
    assert page.wsgi_request.user == pupil
    # The session survives in the database alone.
    again = client.get(reverse("portfolio:entry_create"))
    assert again.status_code == 200
    assert again.wsgi_request.user == pupil


def test_healthz_names_the_file_store_when_it_fails(db, client, monkeypatch):
    """The store raising OSError (a full disk, S3 unreachable: the S3 storage
    turns boto's errors into OSError)."""

    def unreachable(name: str) -> bool:
        raise OSError("the file store does not answer")

    monkeypatch.setattr(default_storage, "exists", unreachable)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert json.loads(response.content)["storage"] == "error: OSError"


@redis_down
def test_healthz_names_the_cache_when_redis_is_down(db, client):
    response = client.get("/healthz")
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["database"] == "ok"
    assert body["cache"].startswith("error")


def test_a_batch_that_cannot_be_queued_is_marked_failed(world, monkeypatch):
    teacher = world.user("teacher")
    batch = BatchExport.objects.create(
        requester=teacher,
        school_class=world.college_class("3e A"),
        total=25,
        expires_at=timezone.now() + datetime.timedelta(hours=24),
    )

    def broker_down(*args, **kwargs):
        raise BrokerUnreachable("Error 111 connecting to 127.0.0.1:1.")

    monkeypatch.setattr(start_batch, "delay", broker_down)
    assert faults.queue_batch(batch.pk) is False
    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED
    assert batch.finished_at is not None


def test_a_batch_is_queued_when_the_broker_answers(world, monkeypatch):
    queued: list[int] = []
    monkeypatch.setattr(start_batch, "delay", queued.append)
    assert faults.queue_batch(1234) is True
    assert queued == [1234]


# --- Storage error on upload -------------------------------------------------


def full_disk(monkeypatch, *, after: int = 0) -> None:
    """The storage writes `after` files, then the disk is full."""
    original = FileSystemStorage._save
    calls = {"n": 0}

    def save(self, name, content):
        calls["n"] += 1
        if calls["n"] > after:
            raise OSError(28, "No space left on device")
        return original(self, name, content)

    monkeypatch.setattr(FileSystemStorage, "_save", save)


@pytest.mark.parametrize(
    "written_before_failing",
    [
        0,
        1,
    ],
)
def test_a_full_disk_on_upload_gives_a_message_and_leaves_nothing(
    world, monkeypatch, written_before_failing
):
    client = world.client_for("pupil")
    before, files_before = row_counts(), stored_files()
    # A photo stores two files (the photo, its thumbnail): 1 = the photo is
    # written, the thumbnail fails.
    full_disk(monkeypatch, after=written_before_failing)
    response = client.post(
        reverse("portfolio:entry_create"),
        {**entry_data(), "uploads": [files.photo_with_gps()]},
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert 'id="id_uploads-errors"' in page
    assert "Traceback" not in page
    assert row_counts() == before
    assert stored_files() == files_before
    # The form is still the new entry's (its rolled-back id is forgotten).
    assert response.context["entry"].pk is None


def test_a_full_disk_while_editing_keeps_the_entry_as_it_was(world, monkeypatch):
    client = world.client_for("pupil")
    entry = Entry.objects.filter(owner=world.user("pupil"), is_draft=False).first()
    assert entry is not None
    title, attachments = entry.title, entry.attachments.count()
    files_before = stored_files()
    full_disk(monkeypatch)
    data = entry_data(title="Titre changé", start_date=entry.start_date.isoformat())
    response = client.post(
        reverse("portfolio:entry_edit", args=[entry.pk]),
        {**data, "uploads": [files.png()]},
    )
    assert response.status_code == 422
    assert 'id="id_uploads-errors"' in response.content.decode()
    entry.refresh_from_db()
    assert entry.title == title
    assert entry.attachments.count() == attachments
    assert stored_files() == files_before


def test_the_storage_error_message(world, monkeypatch, settings):
    settings.LANGUAGE_CODE = "en"
    client = world.client_for("pupil")
    full_disk(monkeypatch)
    response = client.post(
        reverse("portfolio:entry_create"),
        {**entry_data(), "uploads": [files.png()]},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 422
    errors = response.context["form"].errors["uploads"]
    assert any("Saving the file failed" in error for error in errors) or any(
        "L'enregistrement du fichier a échoué" in error for error in errors
    )


# --- Crash in the middle of multi-row writes ---------------------------------


def fail_after(count: int, create: Callable, error: Exception) -> Callable:
    """A bulk_create that really inserts `count` rows one by one, then fails."""

    def bulk_create(objs, *args, **kwargs):
        objs = list(objs)
        create(objs[:count], *args, **kwargs)
        raise error

    return bulk_create


def test_a_crash_mid_way_through_a_class_activity_writes_no_entry(world, monkeypatch):
    event = world.college_class("3e A").events.get(title__startswith="Visite")
    before = row_counts()
    real = Entry.objects.bulk_create
    monkeypatch.setattr(
        Entry.objects,
        "bulk_create",
        fail_after(9, real, DatabaseError("the 10th insert failed")),
    )
    with pytest.raises(DatabaseError):
        services.class_event_record(by=world.user("teacher"), event=event)
    assert row_counts() == before
    assert not Entry.objects.filter(class_event=event).exists()
    event.refresh_from_db()
    assert event.recorded_at is None


def test_a_crash_mid_way_through_a_pupils_import_writes_nothing(world, monkeypatch):
    before = row_counts()
    real = Enrolment.objects.bulk_create
    monkeypatch.setattr(
        Enrolment.objects,
        "bulk_create",
        fail_after(1, real, DatabaseError("the 2nd enrolment failed")),
    )
    school: School = college()
    with pytest.raises(DatabaseError):
        pupils_import(by=world.user("head"), school=school, data=GOOD, dry_run=False)
    assert row_counts() == before
    assert not Class.objects.filter(school=school, name="5e Z").exists()


def test_a_crash_mid_way_through_an_archive_import_writes_nothing(world, monkeypatch):
    data = archive_build(owner=world.user("pupil"), with_passport=False)
    pupil = world.user("other_school_pupil")
    Entry.objects.filter(owner=pupil).delete()
    Project.objects.filter(owner=pupil).delete()
    before, files_before = row_counts(), stored_files()
    real = archive._import_entry
    imported: list[Entry] = []

    def import_entry(*args, **kwargs):
        if imported and any(e.attachments.exists() for e in imported):
            raise OSError(28, "No space left on device")
        entry = real(*args, **kwargs)
        imported.append(entry)
        return entry

    monkeypatch.setattr(archive, "_import_entry", import_entry)
    with pytest.raises(OSError, match="No space left"):
        archive_import(by=pupil, data=data)
    assert imported  # at least one entry (with its files) was saved first
    assert row_counts() == before
    assert not Entry.objects.filter(owner=pupil).exists()
    assert stored_files() == files_before


# --- Redis back after an outage: no stale value --------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RedisServer:
    """A throwaway redis-server that keeps its data across a restart."""

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                self.folder,
                "--dbfilename",
                "dump.rdb",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port)
        for _attempt in range(100):
            with contextlib.suppress(redis.exceptions.ConnectionError):
                if client.ping():
                    return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        """Save to disk, then stop: the values are there after start()."""
        redis.Redis(port=self.port).save()
        assert self.process is not None
        self.process.terminate()
        self.process.wait(timeout=10)


REDIS_SERVER = shutil.which("redis-server") or ""


@pytest.mark.skipif(not REDIS_SERVER, reason="redis-server is not installed")
def test_writes_dropped_during_an_outage_leave_no_stale_value(tmp_path):
    server = RedisServer(str(tmp_path))
    server.start()
    try:
        location = f"redis://127.0.0.1:{server.port}/0"
        options = {"socket_connect_timeout": 1, "socket_timeout": 1}
        degrading = DegradingRedisCache(location, {"OPTIONS": options})
        degrading.set("session", "logged in", 300)
        degrading.set("changed", "before", 300)
        degrading.set("untouched", "kept", 300)
        server.stop()
        # Redis is down: a logout and a change are dropped, reads miss.
        degrading.delete("session")
        degrading.set("changed", "after", 300)
        assert degrading.get("untouched") is None
        server.start()
        # Back with its old data: the dropped writes are deleted first.
        assert degrading.get("session") is None
        assert degrading.get("changed") is None
        assert degrading.get("untouched") == "kept"
        degrading.set("changed", "after", 300)
        assert degrading.get("changed") == "after"
    finally:
        if server.process is not None and server.process.poll() is None:
            server.process.terminate()
            server.process.wait(timeout=10)
