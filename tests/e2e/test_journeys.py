"""A journey per role: log in on the login page and land in the right space."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import log_in, screenshot

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(
    ("alias", "url", "heading", "nav"),
    [
        ("eleve", r"/parcours/$", "Mon parcours", ["Mon parcours"]),
        ("lycee.eleve", r"/parcours/$", "Mon parcours", ["Mon parcours"]),
        ("prof", r"/classes/$", "Mes classes", ["Mes classes"]),
        (
            "principal",
            r"/etablissement/\d+/$",
            "Collège Jean-Moulin",
            ["Établissement"],
        ),
        ("cpe", r"/etablissement/\d+/$", "Collège Jean-Moulin", ["Établissement"]),
        ("psyen", r"/etablissement/\d+/$", "Collège Jean-Moulin", ["Établissement"]),
        (
            "documentaliste",
            r"/etablissement/\d+/$",
            "Collège Jean-Moulin",
            ["Établissement"],
        ),
        (
            "proviseure",
            r"/etablissement/\d+/$",
            "Lycée polyvalent Marie-Curie",
            ["Établissement"],
        ),
        ("admin", r"/etablissement/$", "Choisir un établissement", ["Établissement"]),
    ],
)
def test_each_role_logs_in_and_lands_in_its_space(page, alias, url, heading, nav):
    log_in(page, alias)
    expect(page).to_have_url(re.compile(url))
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    navigation = page.get_by_role("navigation", name="Menu principal")
    for label in nav:
        expect(navigation.get_by_role("link", name=label)).to_be_visible()
    screenshot(page, f"journey-{alias}")


def test_a_teacher_walks_from_a_class_to_a_pupils_portfolio(page):
    log_in(page, "prof")
    page.get_by_role("link", name="3e A").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("3e A")
    page.get_by_role("link", name=re.compile("MARTIN Léa")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Parcours de Léa Martin")
    screenshot(page, "teacher-pupil-portfolio")


def test_a_pupil_on_a_phone_uses_the_menu_and_logs_out(phone_page):
    page = phone_page
    log_in(page, "eleve")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon parcours")
    screenshot(page, "phone-pupil-home")
    page.get_by_role("button", name="Menu").click()
    menu = page.locator("#header-menu")
    expect(menu.get_by_role("link", name="Mon parcours")).to_be_visible()
    screenshot(page, "phone-pupil-menu")
    menu.get_by_role("link", name="Se déconnecter").click()
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def test_a_wrong_password_is_refused_next_to_the_form(page):
    page.goto("/accounts/login/")
    page.get_by_label("Adresse e-mail").fill("eleve@demo.webclasseur.test")
    page.get_by_label("Mot de passe").fill("pas le bon")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "L’adresse e-mail ou le mot de passe sont incorrects."
    )
    expect(page.get_by_label("Adresse e-mail")).to_have_value(
        "eleve@demo.webclasseur.test"
    )
    screenshot(page, "login-wrong-password")


def test_the_language_switch_turns_the_page_to_english(page):
    log_in(page, "eleve")
    page.get_by_role("button", name="EN").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My path")
    expect(page.locator("html")).to_have_attribute("lang", "en")
