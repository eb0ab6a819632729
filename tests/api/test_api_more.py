"""Attachments, interviews, the school overview, exports, team flags and the
documentation page of the API."""

import datetime
import io
import json
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import modify_settings
from django.urls import reverse
from django.utils import timezone, translation
from drf_spectacular.settings import patched_settings

from classes.models import PupilFlag
from exports.batch import batch_finish
from exports.models import BatchExport, BatchStatus
from portfolio import coverage
from portfolio.models import AccessLog, Attachment
from portfolio.serializers import entry_etag
from tests.api.helpers import API
from tests.api.test_api_matrix import MATRIX, png_upload

SHARED = "Visite de l'atelier du Garage des Tonkins"
NOTE = "Situation familiale à suivre"


def _upload(client, entry, *files, **headers):
    return client.post(
        f"{API}/entries/{entry.pk}/attachments/", {"uploads": list(files)}, **headers
    )


# --- Attachments -----------------------------------------------------------------


def test_a_pupil_attaches_a_photo_and_keeps_the_rest_of_the_entry(world):
    entry = world.entry(SHARED)
    metiers = sorted(entry.metiers.values_list("label", flat=True))
    before = entry.attachments.count()
    client = world.client_for("pupil")
    response = _upload(client, entry, png_upload(), HTTP_IF_MATCH=entry_etag(entry))
    assert response.status_code == 201, response.content[:300]
    body = response.json()
    assert len(body["attachments"]) == before + 1
    assert response["ETag"] == body["etag"] != entry_etag(entry)
    entry.refresh_from_db()
    assert sorted(entry.metiers.values_list("label", flat=True)) == metiers
    assert entry.visibility == "shared"
    added = entry.attachments.get(original_name="atelier.png")
    assert added.is_image
    assert added.thumbnail
    # A stale ETag is refused, and nothing is written.
    stale = _upload(client, entry, png_upload("b.png"), HTTP_IF_MATCH='"0"')
    assert stale.status_code == 412
    assert entry.attachments.count() == before + 1


def test_a_disguised_file_gets_the_pages_message_and_nothing_is_written(world):
    entry = world.entry(SHARED)
    before = Attachment.objects.count()
    fake = SimpleUploadedFile("photo.png", b"<html><script>alert(1)</script>")
    with translation.override("en"):
        response = _upload(
            world.client_for("pupil"),
            entry,
            fake,
            png_upload(),
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    (message,) = response.json()["errors"]["uploads"]
    assert "photo.png" in message
    assert "is not really what its name says" in message
    assert Attachment.objects.count() == before


def test_an_upload_needs_a_file_and_takes_no_other_field(world):
    entry = world.entry(SHARED)
    client = world.client_for("pupil")
    empty = client.post(f"{API}/entries/{entry.pk}/attachments/", {})
    assert empty.status_code == 400
    assert "uploads" in empty.json()["errors"]
    extra = client.post(
        f"{API}/entries/{entry.pk}/attachments/",
        {"uploads": png_upload(), "owner": "3"},
    )
    assert extra.status_code == 400
    assert "owner" in extra.json()["errors"]


def test_downloads_have_the_pages_headers_and_staff_ones_are_logged(world):
    photo = world.entry(SHARED).attachments.get()
    url = f"{API}/attachments/{photo.pk}/"
    page = world.client_for("pupil").get(
        reverse("portfolio:attachment_download", args=[photo.pk])
    )
    own = world.client_for("pupil").get(url)
    assert own.status_code == 200
    assert own["Content-Type"] == photo.content_type
    for header in ("X-Content-Type-Options", "Content-Security-Policy"):
        assert own[header]
    assert own["Cache-Control"] == "private, max-age=0, no-store"
    for header in ("X-Content-Type-Options", "Content-Security-Policy"):
        assert own[header] == page[header]
    assert own["Cache-Control"] == page["Cache-Control"]
    assert own["Content-Disposition"] == page["Content-Disposition"]
    assert b"".join(own.streaming_content)
    assert not AccessLog.objects.filter(object_id=photo.entry_id).exists()
    teacher = world.client_for("teacher")
    # Even when the client only accepts JSON, the file is sent as it is.
    assert teacher.get(url, HTTP_ACCEPT="application/json").status_code == 200
    assert AccessLog.objects.filter(
        pupil=photo.entry.owner,
        reader=world.user("teacher"),
        what=AccessLog.What.ATTACHMENT,
        object_id=photo.entry_id,
    ).exists()


# --- Interviews ----------------------------------------------------------------------


def _interview_body(world, alias):
    interview = world.interview_of_lea()
    response = world.client_for(alias).get(f"{API}/interviews/{interview.pk}/")
    assert response.status_code == 200
    return response.json()


def test_the_confidential_note_key_reaches_only_the_psyen(world):
    interview = world.interview_of_lea()
    assert NOTE in interview.confidential_note
    for alias in ("pupil", "teacher", "head", "cpe", "documentalist"):
        body = _interview_body(world, alias)
        assert "confidential_note" not in body, alias
        assert NOTE not in json.dumps(body, ensure_ascii=False)
    note = _interview_body(world, "psyen")["confidential_note"]
    assert note == interview.confidential_note


def test_no_interview_list_carries_the_note(world):
    for alias in ("pupil", "teacher", "head", "psyen"):
        response = world.client_for(alias).get(f"{API}/interviews/")
        assert response.status_code == 200
        rows = response.json()["results"]
        assert rows, alias
        assert all("confidential_note" not in row for row in rows)
        assert NOTE not in response.content.decode()


def test_a_staff_read_of_an_interview_is_logged(world):
    interview = world.interview_of_lea()
    _interview_body(world, "teacher")
    assert AccessLog.objects.filter(
        pupil=interview.pupil,
        reader=world.user("teacher"),
        what=AccessLog.What.INTERVIEW,
        object_id=interview.pk,
    ).exists()


# --- The school overview -------------------------------------------------------------


def test_the_overview_has_the_coverage_pages_numbers(world):
    school_id = world.college_class("3e A").school_id
    client = world.client_for("head")
    response = client.get(f"{API}/schools/{school_id}/overview/", {"weeks": 4})
    assert response.status_code == 200
    body = response.json()
    assert body["weeks"] == 4
    assert body["reads_no_entries"] is False
    page = client.get(
        reverse("coverage:school_coverage", args=[school_id]), {"semaines": 4}
    )
    assert page.status_code == 200
    for name in ("pupil_total", "with_activity", "quiet_total"):
        assert body[name] == page.context[name], name
    names = [table["name"] for table in body["tables"]]
    assert "kinds" in names
    assert set(names) <= set(coverage.TABLE_NAMES)
    kinds = next(table for table in body["tables"] if table["name"] == "kinds")
    assert all(
        len(row["headers"]) + len(row["cells"]) == len(kinds["columns"])
        for row in kinds["rows"]
    )
    assert body["pupil_total"] >= 25


def test_a_bad_number_of_weeks_is_refused_by_name(world):
    school_id = world.college_class("3e A").school_id
    for weeks in ("0", "53", "six"):
        response = world.client_for("head").get(
            f"{API}/schools/{school_id}/overview/", {"weeks": weeks}
        )
        assert response.status_code == 400
        assert list(response.json()["errors"]) == ["weeks"]


# --- Exports -------------------------------------------------------------------------


def test_a_pupil_gets_their_passport_as_a_pdf(world):
    client = world.client_for("pupil")
    response = client.post(
        f"{API}/exports/passport/",
        json.dumps({"with_project": False}),
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert response["Cache-Control"] == "private, no-store"
    # An entry that is not one of hers is not a choice.
    refused = client.post(
        f"{API}/exports/passport/",
        json.dumps({"entries": [999999]}),
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert "entries" in refused.json()["errors"]


def test_a_class_batch_is_started_polled_and_downloaded(world):
    school_class = world.college_class("3e A")
    client = world.client_for("teacher")
    started = client.post(f"{API}/classes/{school_class.pk}/exports/")
    assert started.status_code == 202
    batch = BatchExport.objects.get(pk=started.json()["id"])
    assert batch.requester == world.user("teacher")
    assert started["Location"] == f"{API}/exports/{batch.pk}/"
    status = client.get(started["Location"]).json()
    assert status["status"] == BatchStatus.QUEUED
    assert status["download_url"] is None
    # Not done yet: seen, not downloadable.
    assert client.get(f"{API}/exports/{batch.pk}/download/").status_code == 403
    # Nobody else sees it, not even the school's head.
    head = world.client_for("head")
    assert head.get(f"{API}/exports/{batch.pk}/").status_code == 404
    batch_finish(batch_id=batch.pk, parts=[])
    done = client.get(f"{API}/exports/{batch.pk}/").json()
    assert done["status"] == BatchStatus.DONE
    download = client.get(done["download_url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "application/zip"
    data = b"".join(download.streaming_content)
    assert zipfile.ZipFile(io.BytesIO(data)).namelist() is not None


def test_an_expired_batch_is_gone(world):
    batch = BatchExport.objects.create(
        requester=world.user("teacher"),
        school_class=world.college_class("3e A"),
        expires_at=timezone.now() + datetime.timedelta(days=1),
    )
    batch_finish(batch_id=batch.pk, parts=[])
    BatchExport.objects.filter(pk=batch.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    response = world.client_for("teacher").get(f"{API}/exports/{batch.pk}/download/")
    assert response.status_code == 410
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 410


# --- Team flags never reach a pupil ----------------------------------------------


def _keys(value):
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _keys(item)
    elif isinstance(value, list):
        for item in value:
            yield from _keys(item)


def test_a_pupil_never_receives_team_flags(world):
    lea = world.user("pupil")
    school_id = world.college_class("3e A").school_id
    reason = "Absences répétées, à suivre en équipe"
    PupilFlag.objects.create(
        school_id=school_id, pupil=lea, reason=reason, raised_by=world.user("cpe")
    )
    client = world.client_for("pupil")
    answered = 0
    for row in MATRIX:
        if row.method != "GET" or row.path == "/schema/":
            continue
        kwargs = row.kwargs(world) if row.kwargs else {}
        response = client.get(API + row.path.format(**kwargs))
        if response.get("Content-Type", "").startswith("application/json"):
            answered += 1
            body = response.json()
            assert not {"flags", "reason"} & set(_keys(body)), row.path
            assert reason not in response.content.decode(), row.path
    assert answered >= 10


# --- The documentation page ----------------------------------------------------------

SIDECAR = {
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}


@modify_settings(INSTALLED_APPS={"append": "drf_spectacular_sidecar"})
def test_the_documentation_page_is_for_signed_in_staff(world):
    from django.contrib.staticfiles import finders

    with patched_settings(SIDECAR):
        anonymous = world.client_for("anonymous").get(f"{API}/docs/")
        assert anonymous.status_code == 302
        assert "/api/v1/docs/" in anonymous["Location"]
        for alias in ("pupil", "other_school_pupil"):
            assert world.client_for(alias).get(f"{API}/docs/").status_code == 403
        for alias in ("teacher", "head", "psyen", "platform_admin"):
            page = world.client_for(alias).get(f"{API}/docs/")
            assert page.status_code == 200, alias
            html = page.content.decode()
            bundle = "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js"
            assert bundle in html
            assert "cdn.jsdelivr.net" not in html
            # No inline script (the site's CSP allows scripts from itself only).
            assert '<script src="/api/v1/docs/?script="></script>' in html
            script = world.client_for(alias).get(f"{API}/docs/", {"script": ""})
            assert script.status_code == 200
            assert script["Content-Type"].startswith("application/javascript")
            assert "/api/v1/schema/" in script.content.decode()
    # The assets are served from the app, not a CDN.
    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
