"""Léa downloads her archive from “Mon archive”; a pupil of another school
imports it through the page and finds the entries in her timeline, private."""

import io
import json
import zipfile

import pytest
from playwright.sync_api import expect

from portfolio.models import Entry, Interview, Visibility
from tests.e2e.conftest import log_in, screenshot

pytestmark = pytest.mark.e2e


def test_a_pupil_downloads_her_archive_and_another_school_imports_it(page, tmp_path):
    log_in(page, "eleve")
    page.get_by_role("link", name="Mon archive").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon archive")
    screenshot(page, "archive-page")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Télécharger mon archive (ZIP)").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".zip")
    path = tmp_path / download.suggested_filename
    download.save_as(path)

    with zipfile.ZipFile(path) as archive:
        raw = archive.read("manifest.json").decode()
        names = set(archive.namelist())
    manifest = json.loads(raw)
    lea_titles = set(
        Entry.objects.alive()
        .filter(owner__username="eleve")
        .values_list("title", flat=True)
    )
    titles = {entry["title"] for entry in manifest["entries"]}
    assert titles == lea_titles
    assert "Forum des métiers du collège" in titles
    assert "passeport.pdf" in names
    for entry in manifest["entries"]:
        assert {a["path"] for a in entry["attachments"]} <= names
    note = Interview.objects.get(pupil__username="eleve").confidential_note
    assert note
    assert note not in raw
    assert "confidential" not in raw

    # Another school: the lycée pupil imports it through the page.
    page.context.clear_cookies()
    log_in(page, "lycee.eleve")
    page.get_by_role("link", name="Mon archive").click()
    page.get_by_label("Archive à importer (ZIP)").set_input_files(path)
    page.get_by_role("button", name="Importer", exact=True).click()
    report = page.locator("#import-report")
    expect(report).to_be_visible()
    expect(report).to_contain_text("L'archive a été importée.")
    expect(report).to_contain_text(str(len(titles)))
    screenshot(page, "archive-import-report")

    imported = Entry.objects.filter(
        owner__username="lycee.eleve",
        source_id__in=[entry["source_id"] for entry in manifest["entries"]],
    )
    assert imported.count() == len(titles)
    assert not imported.exclude(visibility=Visibility.PRIVATE).exists()

    page.goto("/parcours/")
    card = page.locator(".wc-entry", has_text="Forum des métiers du collège")
    expect(card).to_be_visible()
    expect(card).to_contain_text("Privée")
    screenshot(page, "archive-imported-timeline")

    # The same archive again adds nothing.
    page.goto("/parcours/passeport/archive/")
    page.get_by_label("Archive à importer (ZIP)").set_input_files(path)
    page.get_by_role("button", name="Importer", exact=True).click()
    expect(page.locator("#import-report")).to_contain_text("déjà")
    assert imported.count() == len(titles)
    assert (
        Entry.objects.filter(owner__username="lycee.eleve")
        .filter(title="Forum des métiers du collège")
        .count()
        == 1
    )


def test_the_downloaded_archive_is_readable_as_a_zip(page):
    """The download is the whole ZIP (not a page or an error)."""
    log_in(page, "eleve")
    page.goto("/parcours/passeport/archive/")
    with page.expect_download() as download_info:
        page.locator("#archive-download").click()
    data = download_info.value.path().read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
