"""The class space: resources, announcements and the calendar, with the
class-wide discoveries recorded once for every pupil."""

import datetime
import html

from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from classes.models import ClassEvent, ClassResource
from portfolio.models import Entry, Visibility
from portfolio.permissions import entries_visible_to
from tests.portfolio.files import html_as_jpg, png


def page_text(response) -> str:
    return html.unescape(response.content.decode()).replace("'", "’")


def class_url(world, name="3e A"):
    return reverse("classes:class_detail", args=[world.college_class(name).pk])


def test_the_class_page_shows_activities_calendar_announcements_resources(world):
    text = page_text(world.client_for("pupil").get(class_url(world)))
    for expected in (
        "Préparer la visite du lycée Marie-Curie",
        "Forum des métiers de Villeurbanne",
        "Visite de l’entreprise Boiron",
        "la convention du stage d’observation",
        "Onisep : les fiches métiers",
    ):
        assert expected in text
    # Pupils read; the teachers' buttons are not theirs.
    assert "Donner une activité" not in text
    assert "L’enregistrer pour chaque élève" not in text
    teacher = page_text(world.client_for("teacher").get(class_url(world)))
    assert "Donner une activité" in teacher
    assert "L’enregistrer pour chaque élève" in teacher


def test_a_file_resource_follows_the_attachment_rules(world):
    school_class = world.college_class("3e A")
    url = reverse("classes:resource_create", args=[school_class.pk])
    client = world.client_for("teacher")
    before = ClassResource.objects.count()
    response = client.post(url, {"description": "Affiche", "file": html_as_jpg()})
    assert response.status_code == 422
    text = page_text(response)
    errors = text[text.index('id="id_file-errors"') :][:400]
    assert "photo.jpg" in errors
    assert ClassResource.objects.count() == before

    response = client.post(url, {"description": "Plan d’accès", "file": png()})
    assert response.status_code == 302
    resource = ClassResource.objects.get(description="Plan d’accès")
    assert resource.original_name == "schema.png"
    assert default_storage.exists(resource.file.name)
    download = world.client_for("classmate").get(
        reverse("classes:resource_download", args=[resource.pk])
    )
    assert download.status_code == 200
    assert download["X-Content-Type-Options"] == "nosniff"
    other = world.client_for("other_class_pupil").get(
        reverse("classes:resource_download", args=[resource.pk])
    )
    assert other.status_code == 404


def test_a_resource_is_a_link_or_a_file_and_has_a_description(world):
    url = reverse("classes:resource_create", args=[world.college_class("3e A").pk])
    client = world.client_for("teacher")
    before = ClassResource.objects.count()
    both = client.post(
        url, {"description": "Les deux", "url": "https://www.onisep.fr", "file": png()}
    )
    assert both.status_code == 422
    assert "soit un lien, soit un fichier" in page_text(both)
    nothing = client.post(url, {"description": "Rien"})
    assert nothing.status_code == 422
    no_description = client.post(url, {"url": "https://www.onisep.fr"})
    assert no_description.status_code == 422
    assert ClassResource.objects.count() == before


def test_an_empty_announcement_is_refused(world):
    url = reverse("classes:announcement_create", args=[world.college_class("3e A").pk])
    response = world.client_for("teacher").post(url, {"body": "   "})
    assert response.status_code == 422
    text = page_text(response)
    assert "Écrivez l’annonce." in text[text.index('id="id_body-errors"') :][:300]
    ok = world.client_for("teacher").post(url, {"body": "Sortie lundi à 8 h."})
    assert ok.status_code == 302
    assert "Sortie lundi à 8 h." in page_text(
        world.client_for("pupil").get(class_url(world))
    )


def test_recording_a_class_activity_gives_each_pupil_a_draft_they_own(world):
    event = world.college_class("3e A").events.get(title__startswith="Visite")
    pupils = world.college_class("3e A").enrolments.count()
    before = Entry.objects.count()
    response = world.client_for("teacher").post(
        reverse("staff:event_record", args=[event.pk])
    )
    assert response.status_code == 302
    made = Entry.objects.filter(class_event=event)
    assert made.count() == pupils == Entry.objects.count() - before
    lea_entry = made.get(owner=world.user("pupil"))
    assert lea_entry.is_draft
    assert lea_entry.visibility == Visibility.PRIVATE
    assert lea_entry.start_date == event.date
    assert lea_entry.organisation_name == "Boiron, Messimy"
    # The drafts are the pupils' own: the teacher reads none of them.
    assert not entries_visible_to(world.user("teacher")).filter(class_event=event)
    # Léa completes it like any entry of hers.
    client = world.client_for("pupil")
    assert (
        client.get(reverse("portfolio:entry_edit", args=[lea_entry.pk])).status_code
        == 200
    )
    # Recording twice would duplicate: refused, nothing more written.
    again = world.client_for("teacher").post(
        reverse("staff:event_record", args=[event.pk])
    )
    assert again.status_code == 403
    assert Entry.objects.filter(class_event=event).count() == pupils


def test_a_future_activity_cannot_be_recorded_yet(world):
    event = world.college_class("3e A").events.get(title__startswith="Forum")
    assert event.date > timezone.localdate()
    response = world.client_for("teacher").post(
        reverse("staff:event_record", args=[event.pk])
    )
    assert response.status_code == 403
    assert not Entry.objects.filter(class_event=event).exists()


def test_deleting_a_recorded_activity_keeps_the_pupils_entries(world):
    event = world.college_class("3e A").events.get(title__startswith="Visite")
    client = world.client_for("teacher")
    client.post(reverse("staff:event_record", args=[event.pk]))
    count = Entry.objects.filter(class_event=event).count()
    client.post(reverse("classes:event_delete", args=[event.pk]))
    assert not ClassEvent.objects.filter(pk=event.pk).exists()
    assert (
        Entry.objects.filter(title=event.title, start_date=event.date).count() == count
    )


def test_planning_an_activity_needs_a_title_and_a_date(world):
    url = reverse("classes:event_create", args=[world.college_class("3e A").pk])
    client = world.client_for("teacher")
    before = ClassEvent.objects.count()
    response = client.post(url, {"title": "", "kind": "forum", "date": ""})
    assert response.status_code == 422
    text = page_text(response)
    assert 'id="id_title-errors"' in text
    assert 'id="id_date-errors"' in text
    assert ClassEvent.objects.count() == before
    ok = client.post(
        url,
        {
            "title": "Journée portes ouvertes du CFA",
            "kind": "open_day",
            "date": (timezone.localdate() + datetime.timedelta(days=30)).isoformat(),
        },
    )
    assert ok.status_code == 302
    assert ClassEvent.objects.count() == before + 1
