"""The history of an entry, read by its pupil, and the staff-only second
factor, in Chromium.

The history is recorded by PostgreSQL triggers (django-pghistory): on SQLite
the page says so and lists nothing; on PostgreSQL it shows each change with
its before and after. The test asserts whichever applies to the database it
runs on (connection.vendor), so it runs in both passes.
"""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.db import connection
from django.urls import reverse
from playwright.sync_api import expect

from portfolio.models import Entry
from tests.e2e.conftest import log_in, screenshot
from tests.e2e.test_accessibility import BLOCKING

pytestmark = pytest.mark.e2e

VISIT = "Visite de l'atelier du Garage des Tonkins"
RENAMED = "Visite de l'atelier Tonkins (carrosserie)"


def _blocking_axe_violations(page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): "
        + "; ".join(node["target"][0] for node in v["nodes"][:3])
        for v in results.response["violations"]
        if v["impact"] in BLOCKING
    ]


def _edit(page, entry: Entry, label: str, value: str) -> None:
    page.goto(reverse("portfolio:entry_detail", args=[entry.pk]))
    page.get_by_role("link", name="Modifier", exact=True).click()
    page.get_by_label(label, exact=True).fill(value)
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(page).to_have_url(
        re.compile(re.escape(reverse("portfolio:entry_detail", args=[entry.pk])))
    )


def test_a_pupil_edits_an_entry_twice_and_reads_its_history(page):
    visit = Entry.objects.get(title=VISIT)
    organisation_before = visit.organisation_name
    assert organisation_before not in ("", "Garage des Tonkins SARL")
    log_in(page, "eleve")
    _edit(page, visit, "Titre", RENAMED)
    expect(page.get_by_role("heading", level=1)).to_have_text(RENAMED)
    _edit(page, visit, "Organisme", "Garage des Tonkins SARL")
    visit.refresh_from_db()
    assert (visit.title, visit.organisation_name) == (
        RENAMED,
        "Garage des Tonkins SARL",
    )

    page.get_by_role("link", name="Historique", exact=True).click()
    expect(page).to_have_url(
        re.compile(re.escape(reverse("portfolio:entry_history", args=[visit.pk])))
    )
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Historique de « {RENAMED} »"
    )
    history = page.locator("#history")
    notice = page.locator("#history-off")
    if connection.vendor == "postgresql":
        expect(notice).to_have_count(0)
        # The demo's creation and its teacher's comment (both written by the
        # demo script: "the application"), then the pupil's two changes.
        changes = history.locator("> li")
        expect(changes).to_have_count(4)
        expect(changes.nth(0)).to_contain_text("Création")
        expect(changes.nth(0)).to_contain_text("par l’application")
        expect(changes.nth(1)).to_contain_text("Commentaire écrit")
        renamed, reorganised = changes.nth(2), changes.nth(3)
        for change in (renamed, reorganised):
            expect(change).to_contain_text("Modification")
            expect(change).to_contain_text(re.compile(r"Le .+, par vous"))
        expect(renamed.locator("tbody tr")).to_have_count(1)
        expect(renamed.locator("tbody tr td")).to_have_text(["Titre", VISIT, RENAMED])
        organisation = reorganised.locator("tbody tr", has_text="Organisme")
        expect(organisation.locator("td")).to_have_text(
            ["Organisme", organisation_before, "Garage des Tonkins SARL"]
        )
        expect(reorganised).not_to_contain_text(VISIT)
    else:
        expect(notice).to_be_visible()
        expect(notice).to_contain_text(
            "L’historique n’est enregistré qu’avec une base de données PostgreSQL."
        )
        expect(history).to_have_count(0)
    # The tables of changes too (only on PostgreSQL) pass axe.
    assert _blocking_axe_violations(page) == []
    screenshot(page, f"history-entry-{connection.vendor}")


def test_staff_see_the_two_factor_link_and_pupils_do_not(page, browser, live_server):
    log_in(page, "prof")
    link = page.get_by_role("link", name="Authentification à deux facteurs")
    expect(link).to_be_visible()
    link.click()
    expect(page).to_have_url(re.compile(re.escape(reverse("mfa_index")) + "$"))
    # allauth's own words for the page ("deux facteurs").
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Authentification à deux facteurs"
    )
    expect(
        page.get_by_role("heading", name="Application d'authentification")
    ).to_be_visible()
    expect(page.get_by_role("link", name="Activer")).to_be_visible()
    screenshot(page, "mfa-index-teacher")

    pupil_context = browser.new_context(base_url=live_server.url, locale="fr-FR")
    pupil = pupil_context.new_page()
    pupil.set_default_timeout(15_000)
    log_in(pupil, "eleve")
    expect(pupil.locator("header")).to_contain_text("Léa Martin")
    expect(
        pupil.get_by_role("link", name="Authentification à deux facteurs")
    ).to_have_count(0)
    # Nor may she open the page by its address.
    response = pupil.goto(reverse("mfa_index"))
    assert response is not None
    assert response.status == 404
    screenshot(pupil, "mfa-index-pupil-404")
    pupil_context.close()
