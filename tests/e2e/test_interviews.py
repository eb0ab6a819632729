"""An orientation interview from end to end, through the pages: the Psy-EN
plans it with a 3e pupil, the pupil prepares it on a phone, the Psy-EN writes
the synthesis and a confidential note, the pupil reads the synthesis, and the
professeur principal never sees the note."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.conftest import log_in, screenshot

pytestmark = pytest.mark.e2e

NOTE = "Tensions à la maison : prévenir l’assistante sociale."
SYNTHESIS = "Léa vise une 2de générale puis un bac ST2S."


def test_an_interview_is_planned_prepared_held_and_read(page, browser, live_server):
    # The Psy-EN plans it from the class's interview list.
    log_in(page, "psyen")
    page.goto("/etablissement/")  # the team's space: their school
    page.get_by_role("link", name="3e A", exact=True).first.click()
    page.get_by_role("link", name="Entretiens d'orientation").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("3e A")
    page.get_by_role("row", name=re.compile("MARTIN Léa")).get_by_role(
        "link", name=re.compile("Planifier")
    ).click()
    when = timezone.localtime() + datetime.timedelta(days=4)
    page.get_by_label("Date et heure").fill(when.strftime("%Y-%m-%dT10:30"))
    page.get_by_label("Lieu").fill("Bureau 12")
    page.locator("label", has_text="La famille est invitée").click()
    page.locator("label", has_text="Sophie Bernard").click()
    screenshot(page, "interview-plan")
    page.get_by_role("button", name="Planifier l'entretien").click()
    expect(page.locator("#interview-status")).to_have_text("Planifié")
    interview_url = page.url

    # The pupil prepares it on her phone.
    phone = browser.new_context(
        base_url=live_server.url,
        locale="fr-FR",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
    ).new_page()
    log_in(phone, "eleve")
    phone.get_by_role("link", name="Mes entretiens d'orientation").click()
    phone.get_by_role("link", name=re.compile(r"10:30")).click()
    phone.get_by_role("link", name="Préparer mon entretien").click()
    phone.locator("label", has_text="Forum des métiers du collège").click()
    # Her private research is not offered: only shared entries can be chosen.
    expect(
        phone.locator("label", has_text="Recherches sur les bacs pro")
    ).to_have_count(0)
    phone.get_by_label("Ce qui m'intéresse en ce moment").fill("La santé.")
    phone.get_by_label("Les questions que je veux poser").fill(
        "Quelle différence entre ST2S et ASSP ?"
    )
    screenshot(phone, "interview-prepare-phone")
    phone.get_by_role("button", name="Enregistrer ma préparation").click()
    expect(phone.locator("#interview-status")).to_have_text("Préparé par l'élève")
    expect(phone.locator("#preparation")).to_contain_text("Forum des métiers")

    # After the meeting the Psy-EN writes the synthesis and a confidential note.
    page.goto(interview_url)
    expect(page.locator("#preparation")).to_contain_text("ST2S et ASSP")
    page.get_by_role("link", name="Rédiger la synthèse").click()
    page.get_by_label("Synthèse (l'élève la lit)").fill(SYNTHESIS)
    page.get_by_label("Prochaines étapes convenues (l'élève les lit)").fill(
        "Visiter le lycée Marie-Curie."
    )
    page.get_by_label("Note confidentielle").fill(NOTE)
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("#interview-status")).to_have_text("Tenu")
    expect(page.locator("#confidential-note")).to_contain_text(NOTE)
    screenshot(page, "interview-held-psyen")

    # The pupil reads the synthesis, not the note, and adds it to her passport.
    phone.goto(interview_url)
    expect(phone.locator("#synthesis")).to_contain_text(SYNTHESIS)
    expect(phone.locator("body")).not_to_contain_text(NOTE)
    phone.get_by_role("button", name="Ajouter à mon passeport").click()
    expect(phone.locator("#synthesis")).to_contain_text("Dans mon passeport")
    screenshot(phone, "interview-held-pupil")

    # Her professeur principal takes part, reads the synthesis, never the note.
    teacher = browser.new_context(base_url=live_server.url, locale="fr-FR").new_page()
    log_in(teacher, "prof")
    teacher.goto(interview_url)
    expect(teacher.locator("#synthesis")).to_contain_text(SYNTHESIS)
    expect(teacher.locator("body")).not_to_contain_text(NOTE)
    expect(teacher.locator("#confidential-note")).to_have_count(0)
    teacher.get_by_role("link", name="Modifier la synthèse").click()
    expect(teacher.locator('[name="confidential_note"]')).to_have_count(0)
    screenshot(teacher, "interview-pp-view")
