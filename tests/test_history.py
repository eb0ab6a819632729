"""History of entries, comments, interviews and roles (django-pghistory).

The events are written by PostgreSQL triggers, so the tests that look at them
run on PostgreSQL (CI's second pass, DATABASE_URL set); on SQLite (first pass)
nothing is recorded and the pages say so, which the tests check there. No
library records bulk updates on SQLite (pgtrigger installs nothing there;
docs/privacy.md).
"""

import datetime

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from classes import rgpd
from classes.history import role_history
from classes.models import Enrolment, ErasureRecord, StaffRole, User
from portfolio.history import entry_history, event_model, history_purge_deleted
from portfolio.models import (
    Attachment,
    Comment,
    Entry,
    EntryKind,
    Interview,
    Visibility,
)
from portfolio.services import trash_purge

ON_POSTGRESQL = connection.vendor == "postgresql"
postgresql_only = pytest.mark.skipif(
    not ON_POSTGRESQL,
    reason="history triggers exist on PostgreSQL only (CI's PostgreSQL pass)",
)

SHARED_TITLE = "Visite de l'atelier du Garage des Tonkins"


def _events(name: str, **lookups):
    app = (
        "classes"
        if name in {"StaffRoleEvent", "TeachingAssignmentEvent"}
        else "portfolio"
    )
    model = apps.get_model(app, name) if app == "classes" else event_model(name)
    return model.objects.filter(**lookups).order_by("pgh_id")


def _new_entry(pupil: User, title: str = "Visite de la caserne") -> Entry:
    return Entry.objects.create(
        owner=pupil,
        title=title,
        kind=EntryKind.COMPANY_VISIT,
        start_date=datetime.date(2026, 10, 1),
        visibility=Visibility.SHARED,
    )


# --- What is tracked, on both databases -----------------------------------------


def test_the_confidential_note_is_never_copied_into_the_history():
    fields = {field.name for field in event_model("InterviewEvent")._meta.fields}
    assert "synthesis" in fields
    assert "confidential_note" not in fields


def test_the_history_page_says_when_nothing_is_recorded(world):
    entry = world.entry(SHARED_TITLE)
    response = world.client_for("pupil").get(
        reverse("portfolio:entry_history", args=[entry.pk])
    )
    assert response.status_code == 200
    # The note about SQLite shows exactly where the triggers do not exist.
    assert (b'id="history-off"' in response.content) == (not ON_POSTGRESQL)
    roles = world.client_for("head").get(
        reverse(
            "school_admin:role_history",
            args=[entry.owner.enrolments.get().school_class.school_id],
        )
    )
    assert roles.status_code == 200
    assert (b'id="history-off"' in roles.content) == (not ON_POSTGRESQL)


def test_staff_who_read_the_entry_cannot_read_its_history(world):
    entry = world.entry(SHARED_TITLE)
    url = reverse("portfolio:entry_history", args=[entry.pk])
    assert (
        world.client_for("teacher")
        .get(reverse("portfolio:entry_detail", args=[entry.pk]))
        .status_code
        == 200
    )
    for alias in ("teacher", "head", "psyen", "classmate"):
        assert world.client_for(alias).get(url).status_code == 404, alias


def test_the_entry_page_links_to_its_history_for_the_pupil_only(world):
    entry = world.entry(SHARED_TITLE)
    url = reverse("portfolio:entry_history", args=[entry.pk])
    page = reverse("portfolio:entry_detail", args=[entry.pk])
    assert url in world.client_for("pupil").get(page).content.decode()
    assert url not in world.client_for("teacher").get(page).content.decode()


# --- Recorded by the triggers (PostgreSQL) -------------------------------------


@postgresql_only
def test_a_change_made_on_a_page_records_who_before_and_after(world):
    entry = world.entry(SHARED_TITLE)
    pupil = entry.owner
    before = _events("EntryEvent", pgh_obj_id=entry.pk).count()
    response = world.client_for("pupil").post(
        reverse("portfolio:entry_share", args=[entry.pk]), {"visibility": "private"}
    )
    assert response.status_code == 302
    events = list(_events("EntryEvent", pgh_obj_id=entry.pk))
    assert len(events) == before + 1
    last = events[-1]
    assert last.pgh_label == "update"
    assert last.visibility == Visibility.PRIVATE
    assert last.pgh_context["user"] == pupil.pk
    assert last.pgh_context["url"] == reverse("portfolio:entry_share", args=[entry.pk])
    # The page shows it: who (the pupil: "vous"), the field, before and after.
    page = world.client_for("pupil").get(
        reverse("portfolio:entry_history", args=[entry.pk])
    )
    label = str(Entry._meta.get_field("visibility").verbose_name)
    assert capfirst(label) in page.content.decode()
    changes = entry_history(entry)
    visibility = [c for change in changes for c in change.changes if c.label == label]
    assert visibility[-1].after == str(Visibility.PRIVATE.label)
    assert visibility[-1].before != visibility[-1].after
    assert changes[-1].who == _("you")


@postgresql_only
def test_bulk_updates_and_bulk_creates_are_recorded(world):
    pupil = world.user("pupil")
    first, second = _new_entry(pupil, "Un"), _new_entry(pupil, "Deux")
    updated = Entry.objects.filter(pk__in=[first.pk, second.pk]).update(tutor="M. Bulk")
    assert updated == 2
    for entry in (first, second):
        labels = [
            event.pgh_label for event in _events("EntryEvent", pgh_obj_id=entry.pk)
        ]
        assert labels == ["insert", "update"]
        assert _events("EntryEvent", pgh_obj_id=entry.pk).last().tutor == "M. Bulk"
    created = Comment.objects.bulk_create(
        [
            Comment(entry=first, author=world.user("teacher"), body=f"Vu {n}")
            for n in range(3)
        ]
    )
    assert _events(
        "CommentEvent", entry_id=first.pk, pgh_label="insert"
    ).count() == len(created)
    # A bulk update that changes nothing tracked records nothing.
    count = _events("EntryEvent").count()
    Entry.objects.filter(pk=first.pk).update(tutor="M. Bulk")
    assert _events("EntryEvent").count() == count


@postgresql_only
def test_comments_written_changed_and_deleted_show_in_the_entry_history(world):
    pupil = world.user("pupil")
    entry = _new_entry(pupil)
    comment = Comment.objects.create(
        entry=entry, author=world.user("teacher"), body="Bien"
    )
    Comment.objects.filter(pk=comment.pk).update(body="Très bien")
    Comment.objects.filter(pk=comment.pk).delete()
    whats = [change.what for change in entry_history(entry)]
    assert whats == [
        _("Created"),
        _("Comment written"),
        _("Comment changed"),
        _("Comment deleted"),
    ]
    changed = entry_history(entry)[2].changes[0]
    assert (changed.before, changed.after) == ("Bien", "Très bien")


@postgresql_only
def test_changing_only_the_confidential_note_records_nothing(world):
    interview = world.interview_of_lea()
    count = _events("InterviewEvent", pgh_obj_id=interview.pk).count()
    Interview.objects.filter(pk=interview.pk).update(confidential_note="Secret")
    assert _events("InterviewEvent", pgh_obj_id=interview.pk).count() == count
    Interview.objects.filter(pk=interview.pk).update(synthesis="Synthèse")
    assert _events("InterviewEvent", pgh_obj_id=interview.pk).count() == count + 1


@postgresql_only
def test_roles_taken_back_on_the_page_show_in_the_school_history(world):
    head = world.user("head")
    role = StaffRole.objects.get(user__username="documentaliste")
    school = role.school
    response = world.client_for("head").post(
        reverse("school_admin:role_revoke", args=[role.pk])
    )
    assert response.status_code == 302
    event = _events("StaffRoleEvent", pgh_obj_id=role.pk).last()
    assert event.pgh_label == "delete"
    assert event.pgh_context["user"] == head.pk
    latest = role_history(school)[0]
    assert latest.what == _("Role removed")
    assert latest.who == head.get_full_name()
    assert "Julien Moreau" in latest.subject
    # A bulk change is recorded too.
    StaffRole.objects.filter(school=school, role=StaffRole.Role.CPE).update(
        role=StaffRole.Role.REFERENT
    )
    assert _events("StaffRoleEvent", school_id=school.pk, pgh_label="update").exists()
    page = world.client_for("head").get(
        reverse("school_admin:role_history", args=[school.pk])
    )
    assert _("Role removed") in page.content.decode()
    # Another school's managers do not see it.
    other = world.client_for("other_school_head").get(
        reverse("school_admin:role_history", args=[school.pk])
    )
    assert other.status_code == 404


# --- The history goes with what it describes (PostgreSQL) ----------------------


@postgresql_only
def test_the_trash_purge_removes_the_history_of_purged_entries(world):
    pupil = world.user("pupil")
    entry = _new_entry(pupil, "À jeter")
    Comment.objects.create(entry=entry, author=world.user("teacher"), body="Bof")
    Entry.objects.filter(pk=entry.pk).update(
        deleted_at=timezone.now() - datetime.timedelta(days=90)
    )
    kept = world.entry(SHARED_TITLE)
    kept_events = _events("EntryEvent", pgh_obj_id=kept.pk).count()
    assert _events("EntryEvent", pgh_obj_id=entry.pk).count() == 2
    assert trash_purge() >= 1
    assert history_purge_deleted() >= 3
    assert not _events("EntryEvent", pgh_obj_id=entry.pk).exists()
    assert not _events("CommentEvent", entry_id=entry.pk).exists()
    assert _events("EntryEvent", pgh_obj_id=kept.pk).count() == kept_events


@postgresql_only
def test_the_erasure_removes_every_event_about_the_pupil(
    world, django_capture_on_commit_callbacks
):
    school_class = world.college_class("3e A")
    pupil = User.objects.create_user(
        username="zoe.histoire", first_name="Zoé", last_name="Histoire"
    )
    Enrolment.objects.create(
        pupil=pupil, school_class=school_class, year=school_class.year
    )
    entry = _new_entry(pupil)
    Entry.objects.filter(pk=entry.pk).update(title="Visite de la caserne (2)")
    comment = Comment.objects.create(
        entry=entry, author=world.user("teacher"), body="Bravo"
    )
    Comment.objects.filter(pk=comment.pk).update(body="Bravo !")
    stored = default_storage.save("attachments/hist/zoe.txt", ContentFile(b"x"))
    Attachment.objects.create(
        entry=entry,
        file=stored,
        original_name="a.txt",
        content_type="text/plain",
        size=1,
    )
    interview = Interview.objects.create(
        pupil=pupil,
        school=school_class.school,
        school_year=school_class.year,
        level=school_class.level,
        organiser=world.user("teacher"),
        planned_at=timezone.now(),
    )
    assert _events("EntryEvent", owner_id=pupil.pk).count() == 2
    assert _events("CommentEvent", entry_id=entry.pk).count() == 2
    assert _events("InterviewEvent", pupil_id=pupil.pk).count() == 1
    summary = rgpd.pupil_data_summary(
        by=world.user("head"), pupil=pupil, school=school_class.school
    )
    labels = {kind.label: kind.count for kind in summary.kinds}
    assert labels["portfolio.EntryEvent"] == 2

    with django_capture_on_commit_callbacks(execute=True):
        record = rgpd.pupil_erase(
            by=world.user("head"),
            pupil=pupil,
            school=school_class.school,
            reason=ErasureRecord.Reason.REQUEST,
        )

    assert not _events("EntryEvent", pgh_obj_id=entry.pk).exists()
    assert not _events("EntryEvent", owner_id=pupil.pk).exists()
    assert not _events("CommentEvent", entry_id=entry.pk).exists()
    assert not _events("InterviewEvent", pgh_obj_id=interview.pk).exists()
    assert record.counts["portfolio.EntryEvent"] == 2
    assert record.counts["portfolio.CommentEvent"] >= 2
