"""RGPD requests: a school manager sees what is held about a pupil (access) and
erases it (erasure), leaving only an ErasureRecord; the privacy notice records
when each user saw its current version."""

import datetime

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from classes import rgpd
from classes.models import (
    Enrolment,
    ErasureRecord,
    PrivacyNotice,
    PrivacyNoticeSeen,
    User,
)
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

TODAY = timezone.localdate()


def _school(world):
    return world.college_class("3e A").school


def _pupil_with_data(world, username="zoe.rgpd") -> tuple[User, list[str]]:
    """A pupil of 3e A with an entry, files, a comment, a project, an
    interview and an access log row."""
    school_class = world.college_class("3e A")
    pupil = User.objects.create_user(
        username=username,
        email=f"{username}@example.test",
        first_name="Zoé",
        last_name="Effacée",
    )
    Enrolment.objects.create(
        pupil=pupil, school_class=school_class, year=school_class.year
    )
    entry = Entry.objects.create(
        owner=pupil,
        title="Stage à la boulangerie",
        kind=EntryKind.COMPANY_VISIT,
        start_date=TODAY,
        visibility=Visibility.SHARED,
    )
    files = [
        default_storage.save(f"attachments/rgpd/{username}.txt", ContentFile(b"a")),
        default_storage.save(f"attachments/rgpd/{username}-t.txt", ContentFile(b"b")),
    ]
    Attachment.objects.create(
        entry=entry,
        file=files[0],
        thumbnail=files[1],
        original_name="notes.txt",
        content_type="text/plain",
        size=1,
    )
    Comment.objects.create(entry=entry, author=world.user("teacher"), body="Bravo")
    Project.objects.create(owner=pupil)
    Interview.objects.create(
        pupil=pupil,
        school=school_class.school,
        school_year=school_class.year,
        level=school_class.level,
        organiser=world.user("teacher"),
        planned_at=timezone.now() - datetime.timedelta(days=3),
    )
    AccessLog.objects.create(
        pupil=pupil,
        reader=world.user("teacher"),
        reader_name="x",
        what=AccessLog.What.PORTFOLIO,
    )
    return pupil, files


def _rows_referring_to(user_id: int) -> list[str]:
    """Every row, in any table, with a link to this user id (the history's
    event tables included)."""
    found = []
    for model in apps.get_models(include_auto_created=True):
        if not model._meta.managed or model._meta.proxy:
            # pghistory's Events and MiddlewareEvents: queries over the event
            # tables (checked themselves), with no table of their own.
            continue
        for field in model._meta.get_fields():
            if not (field.is_relation and field.concrete):
                continue
            if field.related_model is not User:
                continue
            if field.many_to_many:
                continue  # seen through the auto-created through model
            if model._base_manager.filter(**{field.attname: user_id}).exists():
                found.append(f"{model._meta.label}.{field.name}")
    if User.objects.filter(pk=user_id).exists():
        found.append("classes.User")
    return found


# --- Erasure -----------------------------------------------------------------


def test_erasure_leaves_no_row_and_no_file_only_a_record(
    world, django_capture_on_commit_callbacks
):
    pupil, files = _pupil_with_data(world)
    pupil_id = pupil.pk
    assert _rows_referring_to(pupil_id)  # the check sees the data before
    assert all(default_storage.exists(name) for name in files)

    with django_capture_on_commit_callbacks(execute=True):
        record = rgpd.pupil_erase(
            by=world.user("head"),
            pupil=pupil,
            school=_school(world),
            reason=ErasureRecord.Reason.REQUEST,
        )

    assert _rows_referring_to(pupil_id) == []
    assert not any(default_storage.exists(name) for name in files)
    record.refresh_from_db()
    assert record.pupil_id == pupil_id
    assert record.school == _school(world)
    assert record.erased_by == world.user("head")
    assert record.reason == "request"
    assert record.counts["files"] == 2
    assert record.counts["portfolio.Entry"] == 1
    assert record.counts["rows"] >= 7
    # Never a name, an email or a username in the record.
    stored = str(ErasureRecord.objects.filter(pk=record.pk).values().get())
    for personal in ("Zoé", "Effacée", "zoe.rgpd", "example.test"):
        assert personal not in stored
    # The staff and the others are untouched.
    assert User.objects.filter(pk=world.user("teacher").pk).exists()
    assert User.objects.filter(pk=world.user("pupil").pk).exists()


def test_a_departed_pupil_is_erased_too(world):
    pupil, _files = _pupil_with_data(world)
    Enrolment.objects.filter(pupil=pupil).update(
        left_on=TODAY, access_until=TODAY + datetime.timedelta(days=365)
    )
    rgpd.pupil_erase(
        by=world.user("head"),
        pupil=pupil,
        school=_school(world),
        reason=ErasureRecord.Reason.REQUEST,
    )
    assert not User.objects.filter(username="zoe.rgpd").exists()


@pytest.mark.parametrize(
    "alias",
    ["teacher", "cpe", "psyen", "documentalist", "pupil", "other_school_head"],
)
def test_only_a_manager_of_the_pupils_school_erases(world, alias):
    pupil, _files = _pupil_with_data(world)
    with pytest.raises(PermissionDenied):
        rgpd.pupil_erase(
            by=world.user(alias),
            pupil=pupil,
            school=_school(world),
            reason=ErasureRecord.Reason.REQUEST,
        )
    assert User.objects.filter(pk=pupil.pk).exists()
    assert not ErasureRecord.objects.exists()


def test_a_manager_cannot_erase_a_pupil_of_another_school(world):
    other = world.user("other_school_pupil")
    for school in (_school(world), other.enrolments.get().school_class.school):
        with pytest.raises(PermissionDenied):
            rgpd.pupil_erase(
                by=world.user("head"),
                pupil=other,
                school=school,
                reason=ErasureRecord.Reason.REQUEST,
            )
    assert User.objects.filter(pk=other.pk).exists()


@pytest.mark.parametrize("alias", ["teacher", "cpe", "head", "platform_admin"])
def test_staff_and_admins_cannot_be_erased(world, alias):
    with pytest.raises((ValidationError, PermissionDenied)):
        rgpd.pupil_erase(
            by=world.user("platform_admin"),
            pupil=world.user(alias),
            school=_school(world),
            reason=ErasureRecord.Reason.REQUEST,
        )
    assert User.objects.filter(pk=world.user(alias).pk).exists()


def test_a_pupil_with_a_staff_duty_is_refused_with_a_reason(world):
    pupil, _files = _pupil_with_data(world)
    pupil.is_staff = True
    pupil.save()
    with pytest.raises(ValidationError) as error:
        rgpd.pupil_erase(
            by=world.user("head"),
            pupil=pupil,
            school=_school(world),
            reason=ErasureRecord.Reason.REQUEST,
        )
    assert error.value.code == "staff_account"


def test_the_retention_rule_erases_only_expired_pupils(world):
    pupil, _files = _pupil_with_data(world)
    with pytest.raises(PermissionDenied):
        rgpd.pupil_erase(
            by=None,
            pupil=pupil,
            school=_school(world),
            reason=ErasureRecord.Reason.RETENTION,
        )
    with pytest.raises(PermissionDenied):
        rgpd.pupil_erase(
            by=None, pupil=pupil, school=None, reason=ErasureRecord.Reason.REQUEST
        )
    assert User.objects.filter(pk=pupil.pk).exists()


# --- Access ------------------------------------------------------------------


def test_the_summary_counts_each_kind_of_data(world):
    pupil, _files = _pupil_with_data(world)
    data = rgpd.pupil_data_summary(
        by=world.user("head"), pupil=pupil, school=_school(world)
    )
    counts = {kind.label: kind.count for kind in data.kinds}
    assert counts["classes.User"] == 1
    assert counts["portfolio.Entry"] == 1
    assert counts["portfolio.Attachment"] == 1
    assert counts["portfolio.Interview"] == 1
    assert counts["portfolio.AccessLog"] == 1
    assert data.files == 2
    assert [e.school_class.name for e in data.enrolments] == ["3e A"]
    with pytest.raises(PermissionDenied):
        rgpd.pupil_data_summary(
            by=world.user("cpe"), pupil=pupil, school=_school(world)
        )


# --- Pages -------------------------------------------------------------------


def test_the_manager_chooses_a_pupil_sees_the_summary_and_erases(world):
    pupil, _files = _pupil_with_data(world)
    school = _school(world)
    client = world.client_for("head")
    page = client.get(reverse("rgpd:requests", args=[school.pk]))
    assert page.status_code == 200
    assert f'value="{pupil.pk}"' in page.content.decode()
    chosen = client.get(reverse("rgpd:requests", args=[school.pk]), {"pupil": pupil.pk})
    summary_url = reverse("rgpd:summary", args=[school.pk, pupil.pk])
    assert chosen.status_code == 302
    assert chosen["Location"] == summary_url
    summary = client.get(summary_url)
    assert summary.status_code == 200
    assert 'id="data-kinds"' in summary.content.decode()
    erase_url = reverse("rgpd:erase", args=[school.pk, pupil.pk])
    confirm = client.get(erase_url)
    assert confirm.status_code == 200
    assert 'id="data-files">2<' in confirm.content.decode()
    # Without the confirmation box: nothing is deleted.
    refused = client.post(erase_url, {})
    assert refused.status_code == 422
    assert 'id="id_confirm-errors"' in refused.content.decode()
    assert User.objects.filter(pk=pupil.pk).exists()
    done = client.post(erase_url, {"confirm": "on"})
    assert done.status_code == 302
    assert not User.objects.filter(pk=pupil.pk).exists()
    listed = client.get(reverse("rgpd:requests", args=[school.pk]))
    assert f"#{pupil.pk}" in listed.content.decode()
    assert "Effacée" not in listed.content.decode()


def test_a_bad_pupil_choice_is_said_next_to_the_field(world):
    school = _school(world)
    response = world.client_for("head").get(
        reverse("rgpd:requests", args=[school.pk]),
        {"pupil": world.user("other_school_pupil").pk},
    )
    assert response.status_code == 422
    assert 'id="id_pupil-errors"' in response.content.decode()


def test_staff_are_not_offered_and_not_found(world):
    school = _school(world)
    client = world.client_for("head")
    page = client.get(reverse("rgpd:requests", args=[school.pk])).content.decode()
    assert f'value="{world.user("teacher").pk}"' not in page
    response = client.get(
        reverse("rgpd:erase", args=[school.pk, world.user("teacher").pk])
    )
    assert response.status_code == 404


# --- The privacy notice ------------------------------------------------------


def test_the_first_notice_is_seeded(db):
    notice = rgpd.current_privacy_notice()
    assert notice is not None
    assert notice.version == "1"
    assert "CNIL" in notice.text


def test_the_notice_is_recorded_as_seen(world):
    notice = rgpd.current_privacy_notice()
    pupil = world.user("pupil")
    client = world.client_for("pupil")
    response = client.get(reverse("notice:privacy_notice"))
    assert response.status_code == 200
    assert 'id="notice-text"' in response.content.decode()
    seen = PrivacyNoticeSeen.objects.get(user=pupil, notice=notice)
    client.get(reverse("notice:privacy_notice"))
    assert PrivacyNoticeSeen.objects.get(user=pupil, notice=notice) == seen
    # A new version is seen anew.
    newer = PrivacyNotice.objects.create(version="2", text="Nouveau texte")
    client.get(reverse("notice:privacy_notice"))
    assert PrivacyNoticeSeen.objects.filter(user=pupil, notice=newer).exists()


def test_the_notice_is_for_logged_in_users(world):
    response = world.client_for("anonymous").get(reverse("notice:privacy_notice"))
    assert response.status_code == 302
    assert not PrivacyNoticeSeen.objects.exists()
