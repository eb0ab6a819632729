"""The layout, the home page that sends each role to its space, /healthz and the
error pages."""

import json

import pytest
from django.test import override_settings
from django.urls import reverse

from classes.models import School


@pytest.mark.parametrize(
    ("alias", "lands_on"),
    [
        ("pupil", "/parcours/"),
        ("other_school_pupil", "/parcours/"),
        ("teacher", "/classes/"),
        ("head", "/etablissement/"),
        ("psyen", "/etablissement/"),
        ("platform_admin", "/etablissement/"),
    ],
)
def test_home_sends_each_role_to_its_space(world, alias, lands_on):
    response = world.client_for(alias).get("/")
    assert response.status_code == 302
    assert response["Location"] == lands_on


def test_the_team_lands_on_its_school(world):
    response = world.client_for("cpe").get("/", follow=True)
    college = School.objects.get(uai="0693901R")
    assert response.redirect_chain[-1][0] == f"/etablissement/{college.pk}/"
    assert "Collège Jean-Moulin" in response.content.decode()


def test_a_user_with_no_role_gets_a_page_saying_what_to_do(world, django_user_model):
    user = django_user_model.objects.create_user("nobody", "nobody@example.fr", "x")
    world_client = world.client_for("anonymous")
    world_client.force_login(user)
    response = world_client.get("/")
    assert response.status_code == 200
    assert "rattaché à aucune classe" in response.content.decode()


@pytest.mark.parametrize(
    ("alias", "shown", "hidden"),
    [
        ("pupil", ["Mon parcours"], ["Mes classes", "Établissement</a>"]),
        ("teacher", ["Mes classes"], ["Mon parcours", "Établissement</a>"]),
        ("head", ["Établissement</a>"], ["Mon parcours", "Mes classes"]),
    ],
)
def test_the_header_shows_the_spaces_the_roles_allow(world, alias, shown, hidden):
    page = world.client_for(alias).get("/", follow=True).content.decode()
    for label in shown:
        assert label in page
    for label in hidden:
        assert label not in page


def test_the_layout_has_skip_links_language_switch_and_footer(world):
    page = world.client_for("pupil").get("/parcours/").content.decode()
    assert 'href="#content"' in page
    assert 'id="footer"' in page
    assert 'name="language" value="en"' in page
    assert '<html lang="fr"' in page


def test_the_language_switch_turns_the_pages_to_english(world):
    client = world.client_for("pupil")
    response = client.post(
        reverse("set_language"), {"language": "en", "next": "/parcours/"}
    )
    assert response.status_code == 302
    page = client.get("/parcours/").content.decode()
    assert '<html lang="en"' in page
    assert "My path" in page


def test_the_class_page_lists_pupils_and_links_only_visible_portfolios(world):
    school_class = world.college_class("3e A")
    url = reverse("classes:class_detail", args=[school_class.pk])
    pupil_page = world.client_for("pupil").get(url).content.decode()
    teacher_page = world.client_for("teacher").get(url).content.decode()
    classmate = world.user("classmate")
    portfolio_url = reverse("portfolio:pupil_portfolio", args=[classmate.pk])
    assert classmate.first_name in pupil_page
    assert portfolio_url not in pupil_page
    assert portfolio_url in teacher_page
    assert "25 élèves" in teacher_page


def test_my_classes_lists_professeur_principal_classes_first(world):
    page = world.client_for("teacher").get("/classes/").content.decode()
    assert page.index("3e A") < page.index("3e B")
    assert "professeur principal" in page


def test_the_school_overview_counts_pupils_by_class(world):
    college = School.objects.get(uai="0693901R")
    page = world.client_for("head").get(f"/etablissement/{college.pk}/")
    text = page.content.decode()
    assert "125 élèves inscrits" in text
    assert "Sophie Bernard" in text  # professeur principal of 3e A


def test_healthz_reports_database_and_cache(db, client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert json.loads(response.content) == {
        "database": "ok",
        "cache": "ok",
        "storage": "ok",
    }


def test_healthz_answers_503_naming_the_cache_when_it_is_down(db, client):
    unreachable = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        }
    }
    with override_settings(CACHES=unreachable):
        response = client.get("/healthz")
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["database"] == "ok"
    assert body["cache"].startswith("error: ")


def test_the_404_page_is_french_and_leaks_nothing(world):
    response = world.client_for("pupil").get("/classes/999999/")
    assert response.status_code == 404
    assert "Page non trouvée" in response.content.decode()


def test_the_403_page_is_french(world):
    response = world.client_for("pupil").get("/classes/")
    assert response.status_code == 403
    assert "Accès refusé" in response.content.decode()


def test_the_500_page_renders_without_a_request(db):
    from django.template.loader import render_to_string

    page = render_to_string("500.html")
    assert "Erreur inattendue" in page


@pytest.mark.parametrize(("debug", "shown"), [(True, True), (False, False)])
def test_the_demo_accounts_are_listed_on_the_login_page_in_debug_only(
    db, client, settings, debug, shown
):
    settings.SHOW_DEMO_ACCOUNTS = debug
    page = client.get(reverse("account_login")).content.decode()
    assert ("eleve@demo.webclasseur.test" in page) is shown
    assert ("parcours-avenir" in page) is shown


def test_a_wrong_password_gets_a_french_message_and_no_session(db, client):
    response = client.post(
        reverse("account_login"),
        {"login": "eleve@demo.webclasseur.test", "password": "wrong"},
    )
    assert response.status_code == 200
    assert (
        "L’adresse e-mail ou le mot de passe sont incorrects."
        in response.content.decode()
    )
    assert "_auth_user_id" not in client.session


def test_a_demo_account_logs_in_with_the_documented_password(db, client):
    response = client.post(
        reverse("account_login"),
        {"login": "eleve@demo.webclasseur.test", "password": "parcours-avenir"},
    )
    assert response.status_code == 302
    assert client.get("/").headers["Location"] == "/parcours/"


def test_self_sign_up_is_closed(db, client):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "new@example.fr",
            "password1": "Xy12!abcdef",
            "password2": "Xy12!abcdef",
        },
    )
    assert response.status_code == 200
    assert "Inscriptions fermées" in response.content.decode()
