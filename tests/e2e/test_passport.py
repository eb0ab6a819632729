"""The pupil chooses what goes in her passport, previews it and downloads it."""

import io

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.e2e.conftest import log_in, screenshot

pytestmark = pytest.mark.e2e


def test_a_pupil_previews_and_downloads_her_passport(page):
    log_in(page, "eleve")
    page.get_by_role("link", name="Mon passeport").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon passeport")
    # Shared entries are ticked by default; she leaves the garage visit out.
    garage = page.locator("label", has_text="Visite de l'atelier du Garage des Tonkins")
    forum = page.locator("label", has_text="Forum des métiers du collège")
    expect(page.locator("input[name=entries]:checked")).to_have_count(2)
    garage.click()
    screenshot(page, "passport-choose")

    with page.context.expect_page() as preview_info:
        page.get_by_role("button", name="Aperçu").click()
    preview = preview_info.value
    expect(preview.locator("h1")).to_have_text("Mon passeport d'orientation")
    expect(preview.locator("body")).to_contain_text("Forum des métiers du collège")
    expect(preview.locator("body")).not_to_contain_text("Garage des Tonkins")
    screenshot(preview, "passport-preview")

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Télécharger le PDF").click()
    path = download_info.value.path()
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    text = " ".join(p.extract_text() or "" for p in reader.pages).replace("\n", " ")
    assert "Forum des métiers du collège" in text
    assert "Garage des Tonkins" not in text
    assert "Recherches sur les bacs pro" not in text  # private, not ticked
    assert "Situation familiale" not in text  # the interview's confidential note
    assert forum.count() == 1
