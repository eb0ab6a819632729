"""The orientation project, self-assessment history, and the métier reference list."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from portfolio import services
from portfolio.models import Competence, Metier, Project, SelfAssessment


def test_the_pupil_edits_the_project_with_interests_and_a_wish(world):
    client = world.client_for("classmate")
    response = client.post(
        reverse("portfolio:project_edit"),
        {
            "metiers": "Cuisinier",
            "formations": "CAP Cuisine",
            "wish": "Un CAP en alternance",
            "interest_G": "4",
            "interest_D": "2",
        },
    )
    assert response.status_code == 302
    project = Project.objects.get(owner=world.user("classmate"))
    assert project.metiers == "Cuisinier"
    assert dict(project.interests.values_list("domain", "level")) == {"G": 4, "D": 2}
    assert project.wishes.get().text == "Un CAP en alternance"
    assert not project.is_shared


def test_an_unshared_project_stays_hidden_from_staff(world):
    classmate = world.user("classmate")
    services.project_for(owner=classmate)
    url = reverse("portfolio:pupil_project", args=[classmate.pk])
    assert world.client_for("teacher").get(url).status_code == 404
    world.client_for("classmate").post(
        reverse("portfolio:project_share"), {"shared": "yes"}
    )
    assert world.client_for("teacher").get(url).status_code == 200


def test_self_assessments_keep_their_history(world):
    lea = world.user("pupil")
    project = services.project_for(owner=lea)
    competence = Competence.objects.filter(is_active=True).first()
    SelfAssessment.objects.create(
        project=project, competence=competence, level=1, assessed_on="2025-01-10"
    )
    response = world.client_for("pupil").post(
        reverse("portfolio:self_assessment"), {f"competence_{competence.pk}": "3"}
    )
    assert response.status_code == 302
    levels = list(
        SelfAssessment.objects.filter(
            project=project, competence=competence
        ).values_list("level", flat=True)
    )
    assert levels == [3, 1]  # newest first, the old one kept
    page = world.client_for("pupil").get(reverse("portfolio:project")).content.decode()
    assert "10/01/2025 : 1/4" in page


def test_a_bad_level_is_refused_in_french(world):
    competence = Competence.objects.first()
    response = world.client_for("pupil").post(
        reverse("portfolio:self_assessment"), {f"competence_{competence.pk}": "9"}
    )
    assert response.status_code == 422
    assert "Sélectionnez un choix valide" in response.content.decode()


def test_the_competence_list_is_seeded_in_three_categories(db):
    categories = set(Competence.objects.values_list("category", flat=True))
    assert categories == {"inform", "discover", "project"}


def test_import_metiers_creates_and_updates(db, tmp_path):
    csv_file = tmp_path / "rome.csv"
    csv_file.write_text(
        "label,rome_code,domain\n"
        "Boulanger-pâtissier,D1102,D\n"
        "Secrétariat médical,M1609,M\n",
        encoding="utf-8",
    )
    out = io.StringIO()
    call_command("import_metiers", csv_file, stdout=out)
    assert "2 métiers created, 0 updated" in out.getvalue()
    assert Metier.objects.get(rome_code="D1102").label == "Boulanger-pâtissier"


def test_a_malformed_line_refuses_the_whole_file(db, tmp_path):
    before = Metier.objects.count()
    csv_file = tmp_path / "rome.csv"
    csv_file.write_text(
        "label,rome_code,domain\nBoulanger,D1102,D\nMauvais,Z99,Z\n", encoding="utf-8"
    )
    with pytest.raises(CommandError, match="Ligne 3"):
        call_command("import_metiers", csv_file)
    assert Metier.objects.count() == before


def test_the_metier_autocomplete_offers_reference_metiers(world):
    response = world.client_for("pupil").get(
        reverse("portfolio:metier_search"), {"metiers-0-label": "infirm"}
    )
    assert response.status_code == 200
    assert 'value="Soins infirmiers généralistes"' in response.content.decode()


def test_a_metier_picked_from_the_list_gets_its_rome_code(world):
    entry = world.entry("Recherches sur les bacs pro du numérique")
    services.entry_save(
        by=world.user("pupil"),
        entry=entry,
        metiers=[services.MetierLine("Études et développement informatique")],
    )
    assert entry.metiers.get().rome_code == "M1805"


def test_editing_an_entry_keeps_its_lists(world):
    entry = world.entry("Forum des métiers du collège")
    page = (
        world.client_for("pupil")
        .get(reverse("portfolio:entry_edit", args=[entry.pk]))
        .content.decode()
    )
    assert 'value="Soins infirmiers généralistes"' in page
    assert 'value="forum"' in page
