"""The pupil's week, on a phone: record a visit with a photo, find it, share it,
read the teacher's comment, delete it and bring it back."""

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.e2e.conftest import log_in, screenshot

pytestmark = pytest.mark.e2e


def a_photo(tmp_path):
    path = tmp_path / "atelier-boulangerie.jpg"
    image = Image.new("RGB", (1600, 1200), (200, 150, 90))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    path.write_bytes(out.getvalue())
    return path


def test_a_pupil_records_shares_gets_feedback_deletes_and_restores(
    phone_page, browser, live_server, tmp_path
):
    page = phone_page
    log_in(page, "eleve")
    page.get_by_role("link", name="Noter une découverte").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Noter une découverte")
    page.get_by_label("Type").select_option("company_visit")
    page.get_by_label("Titre").fill("Visite de la boulangerie Le Fournil")
    page.get_by_label("Date", exact=True).fill("2026-11-20")
    page.get_by_label("Organisme").fill("Boulangerie Le Fournil")
    page.get_by_label("Commune").fill("Villeurbanne")
    page.locator("#id_metiers-0-label").fill("Boulanger")
    page.get_by_label("Ce que j'ai appris").fill("Le pain se prépare la nuit.")
    page.get_by_label("Photos et documents").set_input_files(a_photo(tmp_path))
    screenshot(page, "pupil-phone-entry-form")
    page.get_by_role("button", name="Enregistrer", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Visite de la boulangerie Le Fournil"
    )
    expect(page.locator("#sharing")).to_contain_text("Vous seul(e) voyez cette trace")
    expect(
        page.get_by_role("img", name=re.compile("atelier-boulangerie"))
    ).to_be_visible()
    entry_url = page.url
    screenshot(page, "pupil-phone-entry-saved")

    # Find it in the timeline.
    page.goto("/parcours/")
    card = page.locator(".wc-entry", has_text="Visite de la boulangerie Le Fournil")
    expect(card).to_be_visible()
    expect(card).to_contain_text("Privée")
    screenshot(page, "pupil-phone-timeline")
    page.get_by_text("Chercher et filtrer").click()
    page.get_by_label("Type").select_option("company_visit")
    page.get_by_role("button", name="Appliquer").click()
    expect(card).to_be_visible()
    # Nothing is wider than the phone's screen, filters open.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    card.get_by_role("link").click()

    # Share it and see who can read it now.
    page.get_by_role(
        "button", name="Partager avec mes professeurs et l'équipe éducative"
    ).click()
    expect(page.locator("#sharing")).to_contain_text("Sophie Bernard")

    # The professeure principale comments, in her own browser.
    teacher_context = browser.new_context(base_url=live_server.url, locale="fr-FR")
    teacher = teacher_context.new_page()
    log_in(teacher, "prof")
    teacher.goto(entry_url)
    teacher.get_by_label("Votre commentaire").fill(
        "Bravo, pense à la formation CAP boulanger."
    )
    teacher.get_by_role("button", name="Publier le commentaire").click()
    expect(teacher.locator("#comments")).to_contain_text("Bravo")
    teacher_context.close()

    page.reload()
    expect(page.locator("#comments")).to_contain_text(
        "Bravo, pense à la formation CAP boulanger."
    )
    screenshot(page, "pupil-phone-comment")

    # Delete, then restore from the trash.
    page.get_by_role("link", name="Supprimer").click()
    page.get_by_role("button", name="Mettre à la corbeille").click()
    expect(page.get_by_text("est dans la corbeille")).to_be_visible()
    expect(
        page.locator(".wc-entry", has_text="Visite de la boulangerie Le Fournil")
    ).to_have_count(0)
    page.get_by_role("link", name=re.compile("Corbeille")).click()
    page.get_by_role(
        "button", name="Restaurer « Visite de la boulangerie Le Fournil »"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Visite de la boulangerie Le Fournil"
    )
    expect(page.locator("#comments")).to_contain_text("Bravo")
    screenshot(page, "pupil-phone-restored")


def test_bad_input_keeps_what_the_pupil_typed(phone_page):
    page = phone_page
    log_in(page, "eleve")
    page.goto("/parcours/traces/nouvelle/")
    page.get_by_label("Titre").fill("Stage trop long")
    page.get_by_label("Type").select_option("observation_stage")
    page.get_by_label("Date", exact=True).fill("2026-01-05")
    page.get_by_label("Date de fin").fill("2026-01-02")
    page.get_by_label("Ce que j'ai fait").fill("Beaucoup de choses.")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(page.locator("#id_end_date-errors")).to_have_text(
        "La date de fin ne peut pas être avant le début."
    )
    expect(page.get_by_label("Ce que j'ai fait")).to_have_value("Beaucoup de choses.")
    expect(page.get_by_label("Titre")).to_have_value("Stage trop long")
    screenshot(page, "pupil-phone-entry-error")
