"""Retention rules (docs/privacy.md), each applied by `manage.py purge_expired`
on a frozen clock (`now=`)."""

import datetime
import io
import logging
from zoneinfo import ZoneInfo

import pgtrigger
import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from classes.management.commands.purge_expired import (
    access_log_purge,
    departed_pupils_erase,
    expired_departed_pupils,
    months_before,
    retention_apply,
)
from classes.models import Enrolment, StaffRole, User
from portfolio.models import (
    AccessLog,
    Attachment,
    Comment,
    Entry,
    EntryKind,
    Interview,
    Project,
    Visibility,
)
from portfolio.services import trash_purge

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime.datetime(2031, 6, 15, 10, 0, tzinfo=PARIS)


def _log_row(pupil: User, reader: User, at: datetime.datetime) -> AccessLog:
    row = AccessLog.objects.create(
        pupil=pupil, reader=reader, reader_name="x", what=AccessLog.What.PORTFOLIO
    )
    # auto_now_add otherwise; the database refuses updates (PostgreSQL) unless
    # the trigger is lifted, which only a test does.
    with pgtrigger.ignore("portfolio.AccessLog:accesslog_insert_only_update"):
        AccessLog.objects.filter(pk=row.pk).update(at=at)
    return row


# --- The access log ----------------------------------------------------------


def test_months_before_keeps_the_day_or_takes_the_last_of_the_month():
    assert months_before(NOW, 12) == datetime.datetime(2030, 6, 15, 10, 0, tzinfo=PARIS)
    march_31 = datetime.datetime(2031, 3, 31, tzinfo=PARIS)
    assert months_before(march_31, 1).date() == datetime.date(2031, 2, 28)
    assert months_before(march_31, 13).date() == datetime.date(2030, 2, 28)
    assert months_before(march_31, 3).date() == datetime.date(2030, 12, 31)


def test_access_log_rows_older_than_the_retention_are_deleted(world, settings):
    settings.ACCESS_LOG_RETENTION_MONTHS = 12
    pupil, teacher = world.user("pupil"), world.user("teacher")
    old = _log_row(pupil, teacher, NOW - datetime.timedelta(days=370))
    just_old = _log_row(
        pupil, teacher, months_before(NOW, 12) - datetime.timedelta(seconds=1)
    )
    recent = _log_row(pupil, teacher, NOW - datetime.timedelta(days=300))
    deleted = access_log_purge(now=NOW)
    assert deleted >= 2
    remaining = set(AccessLog.objects.values_list("pk", flat=True))
    assert old.pk not in remaining
    assert just_old.pk not in remaining
    assert recent.pk in remaining
    # The rows that remain are all within the retention period.
    assert not AccessLog.objects.filter(at__lt=months_before(NOW, 12)).exists()


def test_the_access_log_retention_follows_the_setting(world, settings):
    settings.ACCESS_LOG_RETENTION_MONTHS = 3
    row = _log_row(
        world.user("pupil"), world.user("teacher"), NOW - datetime.timedelta(days=100)
    )
    access_log_purge(now=NOW)
    assert not AccessLog.objects.filter(pk=row.pk).exists()


def test_role_history_is_kept_as_long_as_the_access_log(world, settings):
    """The role history explains the access log (who could read what): it is
    kept for the same period, then deleted by the daily purge. The events are
    written here directly (SQLite has no history triggers)."""
    settings.ACCESS_LOG_RETENTION_MONTHS = 12
    role = StaffRole.objects.filter(school=world.college_class("3e A").school).first()
    assert role is not None
    event_model = apps.get_model("classes", "StaffRoleEvent")

    def event(at: datetime.datetime):
        created = event_model.objects.create(
            pgh_label="insert",
            pgh_obj=role,
            id=role.pk,
            user=role.user,
            school=role.school,
            role=role.role,
        )
        event_model.objects.filter(pk=created.pk).update(pgh_created_at=at)
        return created.pk

    old = event(months_before(NOW, 12) - datetime.timedelta(days=1))
    recent = event(NOW - datetime.timedelta(days=30))
    report = retention_apply(now=NOW)
    assert report.role_history_events >= 1
    remaining = set(event_model.objects.values_list("pk", flat=True))
    assert old not in remaining
    assert recent in remaining


def test_the_app_still_cannot_delete_one_access_log_row(world):
    row = _log_row(world.user("pupil"), world.user("teacher"), NOW)
    with pytest.raises(ValueError, match="insert-only"):
        row.delete()


# The database itself keeps the log insert-only: PostgreSQL triggers
# (pgtrigger.Protect), which SQLite does not have; the model's save() and
# delete() refusals above hold on both.
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="database triggers exist on PostgreSQL only (CI's PostgreSQL pass)",
)


@postgresql_only
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE portfolio_accesslog SET what = 'entry' WHERE id = %s",
        "UPDATE portfolio_accesslog SET reader_name = 'quelqu''un' WHERE id = %s",
        "UPDATE portfolio_accesslog SET at = at - interval '2 years' WHERE id = %s",
        "DELETE FROM portfolio_accesslog WHERE id = %s",
    ],
)
def test_the_database_refuses_to_change_or_delete_a_log_row(world, sql):
    row = _log_row(world.user("pupil"), world.user("teacher"), NOW)
    with (
        pytest.raises(DatabaseError, match="pgtrigger: Cannot"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [row.pk])
    with pytest.raises(DatabaseError, match="pgtrigger: Cannot"), transaction.atomic():
        AccessLog.objects.filter(pk=row.pk).delete()
    with pytest.raises(DatabaseError, match="pgtrigger: Cannot"), transaction.atomic():
        AccessLog.objects.filter(pk=row.pk).update(object_id=12)
    kept = AccessLog.objects.get(pk=row.pk)
    assert (kept.what, kept.reader_name, kept.object_id) == ("portfolio", "x", None)


@postgresql_only
def test_the_purge_still_deletes_and_a_deleted_reader_is_only_unlinked(world):
    pupil = world.user("pupil")
    reader = User.objects.create_user(username="ancien.prof", first_name="Ancien")
    old = _log_row(pupil, reader, NOW - datetime.timedelta(days=400))
    kept = _log_row(pupil, reader, NOW)
    # Deleting a staff account sets the reader to NULL (on_delete): allowed;
    # the name stays, so the pupil still reads who it was.
    reader.delete()
    kept.refresh_from_db()
    assert kept.reader_id is None
    assert kept.reader_name == "x"
    assert access_log_purge(now=NOW) >= 1
    assert not AccessLog.objects.filter(pk=old.pk).exists()
    assert AccessLog.objects.filter(pk=kept.pk).exists()
    # Outside the purge, the refusal is back.
    with pytest.raises(DatabaseError, match="pgtrigger: Cannot"), transaction.atomic():
        AccessLog.objects.filter(pk=kept.pk).delete()


# --- Departed pupils ---------------------------------------------------------


def _departed_pupil(world, username: str, *, access_until: datetime.date) -> User:
    school_class = world.college_class("3e A")
    pupil = User.objects.create_user(
        username=username,
        email=f"{username}@example.test",
        first_name="Zoé",
        last_name="Départ",
    )
    Enrolment.objects.create(
        pupil=pupil,
        school_class=school_class,
        year=school_class.year,
        left_on=access_until - datetime.timedelta(days=365),
        access_until=access_until,
    )
    return pupil


def _some_portfolio(world, pupil: User) -> tuple[Entry, list[str]]:
    entry = Entry.objects.create(
        owner=pupil,
        title="Visite de la boulangerie",
        kind=EntryKind.COMPANY_VISIT,
        start_date=datetime.date(2030, 3, 14),
        visibility=Visibility.SHARED,
    )
    stored = default_storage.save(
        f"attachments/retention/{pupil.username}.txt", ContentFile(b"bonjour")
    )
    thumb = default_storage.save(
        f"attachments/retention/{pupil.username}-thumb.txt", ContentFile(b"mini")
    )
    Attachment.objects.create(
        entry=entry,
        file=stored,
        thumbnail=thumb,
        original_name="notes.txt",
        content_type="text/plain",
        size=7,
    )
    Comment.objects.create(entry=entry, author=world.user("teacher"), body="Bravo !")
    Project.objects.create(owner=pupil)
    school_class = world.college_class("3e A")
    Interview.objects.create(
        pupil=pupil,
        school=school_class.school,
        school_year=school_class.year,
        level=school_class.level,
        organiser=world.user("teacher"),
        planned_at=NOW - datetime.timedelta(days=500),
    )
    _log_row(pupil, world.user("teacher"), NOW - datetime.timedelta(days=30))
    return entry, [stored, thumb]


def test_a_departed_pupil_is_kept_until_their_access_is_over(world):
    today = timezone.localdate(NOW)
    pupil = _departed_pupil(world, "zoe.depart", access_until=today)
    assert pupil not in expired_departed_pupils(today=today)
    erased = departed_pupils_erase(now=NOW)
    assert pupil.pk not in {erasure.user_id for erasure in erased}
    assert User.objects.filter(pk=pupil.pk).exists()


def test_a_departed_pupil_is_erased_once_their_access_is_over(
    world, caplog, django_capture_on_commit_callbacks
):
    yesterday = timezone.localdate(NOW) - datetime.timedelta(days=1)
    pupil = _departed_pupil(world, "zoe.partie", access_until=yesterday)
    entry, files = _some_portfolio(world, pupil)
    pupil_id = pupil.pk
    assert all(default_storage.exists(name) for name in files)

    with (
        caplog.at_level(logging.INFO, logger="webclasseur.retention"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        erased = departed_pupils_erase(now=NOW)

    assert pupil_id in {erasure.user_id for erasure in erased}
    # No row of the pupil is left, in any table that points at them.
    assert not User.objects.filter(pk=pupil_id).exists()
    assert not Entry.objects.filter(owner_id=pupil_id).exists()
    assert not Attachment.objects.filter(entry_id=entry.pk).exists()
    assert not Comment.objects.filter(entry_id=entry.pk).exists()
    assert not Project.objects.filter(owner_id=pupil_id).exists()
    assert not Interview.objects.filter(pupil_id=pupil_id).exists()
    assert not AccessLog.objects.filter(pupil_id=pupil_id).exists()
    assert not Enrolment.objects.filter(pupil_id=pupil_id).exists()
    # And, generically, in every table with a link to a user (the history's
    # event tables included; pghistory's Events views have no table).
    for model in apps.get_models():
        if not model._meta.managed or model._meta.proxy:
            continue
        for field in model._meta.get_fields():
            if field.is_relation and field.related_model is User and field.concrete:
                if field.many_to_many:
                    assert not model.objects.filter(**{field.name: pupil_id}).exists()
                else:
                    lookup = {field.attname: pupil_id}
                    assert not model._base_manager.filter(**lookup).exists(), model
    # Nor any of their files.
    assert not any(default_storage.exists(name) for name in files)
    # The erasure is recorded (without the pupil's name).
    record = [
        r.getMessage()
        for r in caplog.records
        if "erased departed pupil" in r.getMessage()
    ]
    assert any(f"user id {pupil_id}," in message for message in record)
    assert not any("Zoé" in message or "Départ" in message for message in record)
    # Teachers and the demo pupils are untouched.
    assert User.objects.filter(pk=world.user("teacher").pk).exists()
    assert User.objects.filter(pk=world.user("pupil").pk).exists()


def test_a_pupil_enrolled_again_or_with_a_staff_duty_is_not_erased(world):
    yesterday = timezone.localdate(NOW) - datetime.timedelta(days=1)
    back = _departed_pupil(world, "revenu", access_until=yesterday)
    next_year = world.college_class("3e A").year
    # Enrolled again somewhere (a later year): still a pupil with access.
    Enrolment.objects.filter(pupil=back).update(access_until=yesterday)
    Enrolment.objects.create(
        pupil=back,
        school_class=world.college_class("3e B"),
        year=type(next_year).objects.create(start_year=next_year.start_year + 7),
    )
    staff = _departed_pupil(world, "devenu.admin", access_until=yesterday)
    staff.is_staff = True
    staff.save()
    due = expired_departed_pupils(today=timezone.localdate(NOW))
    assert back not in due
    assert staff not in due


# --- Trash -------------------------------------------------------------------


def test_trash_older_than_the_retention_is_purged(world, settings):
    settings.TRASH_RETENTION_DAYS = 30
    pupil = world.user("pupil")
    old = Entry.objects.create(
        owner=pupil,
        title="Vieux brouillon",
        kind=EntryKind.COMPANY_VISIT,
        start_date=datetime.date(2031, 1, 5),
        deleted_at=NOW - datetime.timedelta(days=31),
    )
    young = Entry.objects.create(
        owner=pupil,
        title="Brouillon récent",
        kind=EntryKind.COMPANY_VISIT,
        start_date=datetime.date(2031, 1, 5),
        deleted_at=NOW - datetime.timedelta(days=29),
    )
    assert trash_purge(now=NOW) >= 1
    assert not Entry.objects.filter(pk=old.pk).exists()
    assert Entry.objects.filter(pk=young.pk).exists()


# --- The command -------------------------------------------------------------


def test_the_command_applies_every_rule_and_says_what_it_did(world):
    out = io.StringIO()
    call_command("purge_expired", stdout=out)
    said = out.getvalue()
    assert "access log rows older than 12 months deleted" in said
    assert "departed pupils erased" in said
    assert "trashed entries purged" in said
    assert "expired class exports deleted" in said


def test_the_dry_run_erases_nothing(world):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    pupil = _departed_pupil(world, "zoe.essai", access_until=yesterday)
    out = io.StringIO()
    call_command("purge_expired", "--dry-run", stdout=out)
    assert str(pupil.pk) in out.getvalue()
    assert User.objects.filter(pk=pupil.pk).exists()


# --- Celery beat -------------------------------------------------------------


def test_each_scheduled_task_is_a_registered_task(settings):
    from webclasseur.celery import app

    app.loader.import_default_modules()  # what the worker and beat do at start
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled == {
        "webclasseur.tasks.purge_expired",
        "webclasseur.tasks.sweep_orphan_files",
    }
    for name in scheduled:
        assert name in app.tasks, name
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        # Once a day: one hour, one minute, every day.
        schedule = entry["schedule"]
        assert (len(schedule.hour), len(schedule.minute)) == (1, 1)
        assert schedule.day_of_week == set(range(7))
        assert schedule.day_of_month == set(range(1, 32))


def test_the_daily_purge_task_applies_every_rule_on_a_frozen_clock(
    world, settings, django_capture_on_commit_callbacks
):
    from webclasseur.celery import app

    app.loader.import_default_modules()
    settings.TRASH_RETENTION_DAYS = 30
    yesterday = timezone.localdate(NOW) - datetime.timedelta(days=1)
    pupil = _departed_pupil(world, "zoe.beat", access_until=yesterday)
    _entry, files = _some_portfolio(world, pupil)
    old_log = _log_row(
        world.user("pupil"), world.user("teacher"), NOW - datetime.timedelta(days=400)
    )
    trashed = Entry.objects.create(
        owner=world.user("pupil"),
        title="Vieux brouillon",
        kind=EntryKind.COMPANY_VISIT,
        start_date=datetime.date(2031, 1, 5),
        deleted_at=NOW - datetime.timedelta(days=31),
    )
    task = app.tasks["webclasseur.tasks.purge_expired"]
    with django_capture_on_commit_callbacks(execute=True):
        said = task.apply(kwargs={"now": NOW.isoformat()}).get()
    assert "departed pupils erased" in said
    assert not User.objects.filter(pk=pupil.pk).exists()
    assert not AccessLog.objects.filter(pk=old_log.pk).exists()
    assert not Entry.objects.filter(pk=trashed.pk).exists()
    assert not any(default_storage.exists(name) for name in files)
