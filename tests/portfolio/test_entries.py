"""The pupil records, shares, comments, deletes and restores entries."""

import datetime
import io

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import transaction
from django.test import TestCase, override_settings
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from portfolio import services
from portfolio.models import Attachment, Comment, Entry, Visibility
from portfolio.permissions import entries_visible_to, entry_audience
from tests.portfolio import files
from tests.test_access_matrix import CAST


def entry_data(**overrides):
    data = {
        "kind": "company_visit",
        "title": "Visite de la boulangerie",
        "start_date": timezone.localdate().isoformat(),
        "organisation_name": "Boulangerie Le Fournil",
        "organisation_town": "Villeurbanne",
        "what_i_did": "J'ai pétri la pâte.",
        "visibility": "private",
        "tags": "alimentation, visite",
        "metiers-TOTAL_FORMS": "2",
        "metiers-INITIAL_FORMS": "0",
        "metiers-0-label": "Boulanger",
        "metiers-0-rome_code": "D1102",
        "metiers-1-label": "",
        "metiers-1-rome_code": "",
        "formations-TOTAL_FORMS": "1",
        "formations-INITIAL_FORMS": "0",
        "formations-0-label": "CAP Boulanger",
        "formations-0-diploma": "CAP",
    }
    data.update(overrides)
    return data


def test_a_pupil_records_a_company_visit_with_a_photo(world):
    client = world.client_for("pupil")
    response = client.post(
        reverse("portfolio:entry_create"),
        {**entry_data(), "uploads": [files.photo_with_gps()]},
    )
    assert response.status_code == 302
    entry = Entry.objects.get(title="Visite de la boulangerie")
    assert response["Location"] == reverse("portfolio:entry_detail", args=[entry.pk])
    assert entry.owner == world.user("pupil")
    assert entry.level == "3e"
    assert entry.school_year is not None
    assert entry.visibility == Visibility.PRIVATE
    assert [(m.label, m.rome_code) for m in entry.metiers.all()] == [
        ("Boulanger", "D1102")
    ]
    assert sorted(t.name for t in entry.tags.all()) == ["alimentation", "visite"]
    photo = entry.attachments.get()
    with default_storage.open(photo.file.name) as stored:
        image = Image.open(io.BytesIO(stored.read()))
        assert dict(image.getexif()) == {}
    assert "visite" not in photo.file.name  # stored under a random name
    assert photo.original_name == "visite.jpg"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": ""}, "title", "Ce champ est obligatoire."),
        ({"title": "x" * 201}, "title", "au plus 200 caractères"),
        ({"start_date": ""}, "start_date", "Ce champ est obligatoire."),
        (
            {"start_date": "2024-05-10", "end_date": "2024-05-01"},
            "end_date",
            "La date de fin ne peut pas être avant le début.",
        ),
        ({"start_date": "2099-01-01"}, "start_date", "Cette date semble fausse"),
        ({"what_i_did": "a" * 5001}, "what_i_did", "au plus 5000 caractères"),
        (
            {"metiers-0-rome_code": "Z12"},
            "metiers-0-rome_code",
            "Un code ROME est une lettre de A à N suivie de 4 chiffres",
        ),
        (
            {
                "kind": "observation_stage",
                "start_date": "2026-01-05",
                "end_date": "2026-01-16",
                "day_count": "7",
            },
            "day_count",
            "5 jours au plus",
        ),
    ],
)
def test_bad_input_is_refused_next_to_the_field_and_nothing_is_stored(
    world, overrides, field, message
):
    client = world.client_for("pupil")
    before = Entry.objects.count()
    response = client.post(reverse("portfolio:entry_create"), entry_data(**overrides))
    assert response.status_code == 422
    page = response.content.decode()
    assert message in page
    assert f'id="id_{field}-errors"' in page
    assert Entry.objects.count() == before
    # What the pupil typed is still there.
    assert "Boulangerie Le Fournil" in page


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (files.html_as_jpg, "n’est pas vraiment ce que son nom indique"),
        (files.polyglot_png_html, "cache du code web"),
        (files.svg, "ce type de fichier n’est pas accepté"),
        (files.zip_renamed_docx, "n’est pas vraiment ce que son nom indique"),
    ],
)
def test_a_disguised_file_is_refused_in_french_and_nothing_is_stored(
    world, upload, message
):
    client = world.client_for("pupil")
    before = (Entry.objects.count(), Attachment.objects.count())
    response = client.post(
        reverse("portfolio:entry_create"), {**entry_data(), "uploads": [upload()]}
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert message in page
    assert 'id="id_uploads-errors"' in page
    assert "choisissez à nouveau vos fichiers" in page
    assert (Entry.objects.count(), Attachment.objects.count()) == before


@override_settings(ATTACHMENT_QUOTA_BYTES=100_000)
def test_the_quota_is_enforced(world):
    client = world.client_for("pupil")
    response = client.post(
        reverse("portfolio:entry_create"),
        {
            **entry_data(),
            "uploads": [files.photo_with_gps(size=(600, 400), noisy=True)],
        },
    )
    assert response.status_code == 422
    assert "il ne reste que" in response.content.decode()
    assert not Entry.objects.filter(title="Visite de la boulangerie").exists()


def test_a_draft_keeps_what_was_typed_without_title_or_date(world):
    client = world.client_for("pupil")
    response = client.post(
        reverse("portfolio:draft_autosave"),
        entry_data(title="", start_date="", what_i_did="Début de compte rendu"),
    )
    assert response.status_code == 200
    draft = Entry.objects.get(what_i_did="Début de compte rendu")
    assert draft.is_draft
    assert f'name="draft_pk" value="{draft.pk}"' in response.content.decode()
    # Staff never see drafts, even shared ones.
    draft.visibility = Visibility.SHARED
    draft.save()
    assert not entries_visible_to(world.user("teacher")).filter(pk=draft.pk).exists()
    # Finishing the form turns that same draft into the entry.
    response = client.post(
        reverse("portfolio:entry_create"), entry_data(draft_pk=str(draft.pk))
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert not draft.is_draft
    assert draft.title == "Visite de la boulangerie"


def test_sharing_shows_who_can_see_and_follows_the_policy(world):
    lea = world.user("pupil")
    entry = world.entry("Recherches sur les bacs pro du numérique")
    assert list(entry_audience(entry)) == []
    services.entry_set_visibility(by=lea, entry=entry, visibility=Visibility.SHARED)
    audience = {user.username for user in entry_audience(entry)}
    assert {"prof", "principal", "cpe", "psyen", "documentaliste"} <= audience
    for alias in CAST[1:]:
        user = world.user(alias)
        sees = entries_visible_to(user).filter(pk=entry.pk).exists()
        assert sees == (user.username in audience or user == lea), alias
    page = world.client_for("pupil").get(
        reverse("portfolio:entry_detail", args=[entry.pk])
    )
    assert "Sophie Bernard" in page.content.decode()


def test_a_teacher_comments_and_the_pupil_answers(world):
    entry = world.entry("Visite de l'atelier du Garage des Tonkins")
    url = reverse("portfolio:comment_create", args=[entry.pk])
    assert (
        world.client_for("teacher").post(url, {"body": "Et ensuite ?"}).status_code
        == 302
    )
    assert world.client_for("pupil").post(url, {"body": "Un CAP !"}).status_code == 302
    bodies = list(entry.comments.values_list("body", flat=True))
    assert bodies[-2:] == ["Et ensuite ?", "Un CAP !"]
    page = world.client_for("pupil").get(
        reverse("portfolio:entry_detail", args=[entry.pk])
    )
    assert "Et ensuite ?" in page.content.decode()


def test_an_empty_comment_is_refused_in_french(world):
    entry = world.entry("Visite de l'atelier du Garage des Tonkins")
    before = Comment.objects.count()
    response = world.client_for("teacher").post(
        reverse("portfolio:comment_create", args=[entry.pk]), {"body": ""}
    )
    assert response.status_code == 422
    assert "Ce champ est obligatoire." in response.content.decode()
    assert Comment.objects.count() == before


def test_delete_restore_and_purge(world, settings):
    lea = world.user("pupil")
    client = world.client_for("pupil")
    client.post(
        reverse("portfolio:entry_create"),
        {**entry_data(), "uploads": [files.photo_with_gps()]},
    )
    entry = Entry.objects.get(title="Visite de la boulangerie")
    photo = entry.attachments.get()
    names = [photo.file.name, photo.thumbnail.name]
    client.post(reverse("portfolio:entry_delete", args=[entry.pk]))
    entry.refresh_from_db()
    assert entry.deleted_at is not None
    assert not entries_visible_to(world.user("teacher")).filter(pk=entry.pk).exists()
    assert (
        "Visite de la boulangerie"
        in client.get(reverse("portfolio:trash")).content.decode()
    )
    client.post(reverse("portfolio:entry_restore", args=[entry.pk]))
    entry.refresh_from_db()
    assert entry.deleted_at is None
    # Purge: only what is older than the retention period goes, files after commit.
    services.entry_move_to_trash(by=lea, entry=entry)
    assert services.trash_purge() == 0
    later = timezone.now() + datetime.timedelta(days=settings.TRASH_RETENTION_DAYS + 1)

    def purge_then_fail():
        with transaction.atomic():
            services.trash_purge(now=later)
            raise RuntimeError("the purge fails after deleting the rows")

    with pytest.raises(RuntimeError):
        purge_then_fail()
    assert all(default_storage.exists(name) for name in names)  # nothing committed
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert services.trash_purge(now=later) == 2  # with the demo's trashed entry
    assert not Entry.objects.filter(pk=entry.pk).exists()
    assert not any(default_storage.exists(name) for name in names)


def test_purge_trash_command_reports(world):
    out = io.StringIO()
    call_command("purge_trash", stdout=out)
    assert "0 entries purged" in out.getvalue()


def test_a_document_has_no_thumbnail_and_downloads_as_an_attachment(world):
    client = world.client_for("pupil")
    client.post(
        reverse("portfolio:entry_create"), {**entry_data(), "uploads": [files.pdf()]}
    )
    document = Attachment.objects.get(original_name="convention.pdf")
    thumbnail = client.get(
        reverse("portfolio:attachment_thumbnail", args=[document.pk])
    )
    assert thumbnail.status_code == 404
    download = client.get(reverse("portfolio:attachment_download", args=[document.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download["Content-Security-Policy"]
