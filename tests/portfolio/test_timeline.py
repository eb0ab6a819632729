"""The timeline: grouped by school year, filtered, searched, in constant queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from classes.models import SchoolYear, User
from portfolio import services
from portfolio.models import Entry, EntryKind, Visibility


def add_entries(pupil: User, count: int, *, start: datetime.date) -> None:
    for index in range(count):
        services.entry_save(
            by=pupil,
            entry=Entry(
                kind=EntryKind.FORUM if index % 2 else EntryKind.COMPANY_VISIT,
                title=f"Découverte {index}",
                start_date=start + datetime.timedelta(days=index % 200),
                visibility=Visibility.SHARED if index % 3 else Visibility.PRIVATE,
            ),
            metiers=[services.MetierLine(f"Métier {index}", "")],
            tag_names=[f"tag{index % 4}"],
        )


def timeline_of(page: str) -> str:
    """The timeline part of the page (after the notices and filters)."""
    return page[page.index('aria-labelledby="year-') :]


def timeline_queries(client, url: str) -> int:
    client.get(url)  # warm-up: session bookkeeping is not the page's cost
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    ("alias", "url_name"),
    [("pupil", "portfolio:home"), ("teacher", "portfolio:pupil_portfolio")],
)
def test_the_timeline_costs_the_same_queries_at_10_and_at_200_entries(
    world, alias, url_name
):
    lea = world.user("pupil")
    year = SchoolYear.objects.get()
    start = datetime.date(year.start_year, 9, 1)
    kwargs = {"pupil_pk": lea.pk} if url_name == "portfolio:pupil_portfolio" else None
    url = reverse(url_name, kwargs=kwargs)
    client = world.client_for(alias)
    add_entries(lea, 10, start=start)
    at_10 = timeline_queries(client, url)
    add_entries(lea, 190, start=start)
    at_200 = timeline_queries(client, url)
    assert at_10 > 5  # the capture really sees the page's queries
    assert at_200 == at_10


def test_entries_are_grouped_by_school_year_newest_first(world):
    lea = world.user("pupil")
    this_year = SchoolYear.objects.get()
    services.entry_save(
        by=lea,
        entry=Entry(
            kind=EntryKind.OPEN_DAY,
            title="Portes ouvertes de l'an dernier",
            start_date=datetime.date(this_year.start_year - 1, 10, 10),
        ),
    )
    page = timeline_of(
        world.client_for("pupil").get(reverse("portfolio:home")).content.decode()
    )
    this_label, last_label = (
        str(this_year),
        f"{this_year.start_year - 1}-{this_year.start_year}",
    )
    assert page.index(this_label) < page.index(last_label)
    assert page.index("Forum des métiers du collège") < page.index(
        "Visite de l&#x27;atelier du Garage des Tonkins"
    )


def test_the_year_counts_entries_by_kind(world):
    page = world.client_for("pupil").get(reverse("portfolio:home")).content.decode()
    assert "1 × visite d&#x27;entreprise" in page
    assert "1 × forum ou carrefour des métiers" in page


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ({"kind": "forum"}, ["Forum des métiers"], ["Garage des Tonkins"]),
        ({"shared": "no"}, ["Recherches sur les bacs pro"], ["Forum des métiers"]),
        ({"tag": "mécanique"}, ["Garage des Tonkins"], ["Forum des métiers"]),
        ({"metier": "J1506"}, ["Forum des métiers"], ["Garage des Tonkins"]),
        ({"q": "diagnostic"}, ["Garage des Tonkins"], ["Forum des métiers"]),
        ({"q": "infirmière"}, ["Forum des métiers"], ["Garage des Tonkins"]),
    ],
)
def test_filters_and_search(world, query, shown, hidden):
    response = world.client_for("pupil").get(reverse("portfolio:home"), query)
    page = timeline_of(response.content.decode())
    for title in shown:
        assert title in page
    for title in hidden:
        assert title not in page


def test_search_never_reaches_another_pupils_entries(world):
    classmate = world.client_for("classmate")
    page = classmate.get(
        reverse("portfolio:home"), {"q": "diagnostic"}
    ).content.decode()
    assert "Visite de l&#x27;atelier du Garage des Tonkins" not in page


def test_staff_see_only_shared_entries_in_the_pupils_timeline(world):
    lea = world.user("pupil")
    page = (
        world.client_for("teacher")
        .get(reverse("portfolio:pupil_portfolio", args=[lea.pk]))
        .content.decode()
    )
    assert "Visite de l&#x27;atelier du Garage des Tonkins" in page
    assert "Recherches sur les bacs pro" not in page  # private
    assert "Essai supprimé" not in page  # in the trash


def test_a_new_pupil_is_told_what_to_record_first(world):
    Entry.objects.filter(owner=world.user("classmate")).delete()
    page = world.client_for("classmate").get(reverse("portfolio:home")).content.decode()
    assert "Votre portfolio est vide pour l'instant" in page
    assert "?kind=company_visit" in page
