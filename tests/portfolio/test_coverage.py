"""The school coverage page: what the educational team sees of the whole
school's parcours Avenir, counted only over entries they may read."""

import csv
import datetime
import io
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from classes import services as class_services
from classes.models import Level, School, SchoolYear, StaffRole
from classes.permissions import classes_visible_to
from classes.validators import uai_check_letter
from portfolio import coverage
from portfolio.coverage_views import CoverageFilterForm
from portfolio.models import Entry, EntryKind, EntryMetier, Visibility
from portfolio.permissions import entries_visible_to


def page_url(school_pk: int) -> str:
    return reverse("coverage:school_coverage", args=[school_pk])


def csv_url(school_pk: int) -> str:
    return reverse("coverage:school_coverage_csv", args=[school_pk])


def pupils_of(school_class):
    return [
        e.pupil
        for e in school_class.enrolments.select_related("pupil").order_by("pupil_id")
    ]


def make_entry(owner, *, kind, year, level=Level.TROISIEME, **fields):
    values = {
        "title": "Trace",
        "start_date": timezone.localdate() - datetime.timedelta(days=7),
        "visibility": Visibility.SHARED,
    }
    values.update(fields)
    return Entry.objects.create(
        owner=owner, kind=kind, school_year=year, level=level, **values
    )


def coverage_for(user, school, weeks=coverage.DEFAULT_WEEKS):
    return coverage.school_coverage(
        classes=classes_visible_to(user).filter(school=school),
        readable=entries_visible_to(user),
        year=SchoolYear.objects.current(),
        weeks=weeks,
        today=timezone.localdate(),
    )


def row_for(table, class_name):
    return next(
        row for row in table.rows if row.headers[-1] == class_name and not row.is_total
    )


def test_it_counts_only_finished_entries_the_viewer_may_read(world):
    """A private, draft or trashed observation stage is never counted, in the
    per-class numbers as in the totals."""
    school_class = world.college_class("3e B")
    year = SchoolYear.objects.current()
    first, second, third, fourth = pupils_of(school_class)[:4]
    kind = EntryKind.OBSERVATION_STAGE
    make_entry(first, kind=kind, year=year)
    make_entry(second, kind=kind, year=year, visibility=Visibility.PRIVATE)
    make_entry(third, kind=kind, year=year, is_draft=True)
    make_entry(fourth, kind=kind, year=year, deleted_at=timezone.now())
    secretive = class_services.user_create(
        username="secretive", first_name="Sacha", last_name="Secret"
    )
    class_services.enrolment_create(by=None, pupil=secretive, school_class=school_class)
    private = make_entry(
        secretive, kind=EntryKind.FORUM, year=year, visibility=Visibility.PRIVATE
    )
    EntryMetier.objects.create(entry=private, label="Boulanger", rome_code="D1102")

    head_view = coverage_for(world.user("head"), school_class.school)
    stages = coverage.stage_table(head_view, coverage.STAGE_INDICATORS[0])
    assert row_for(stages, "3e B").cells == (26, 1, 3.8)
    assert next(r for r in stages.rows if r.is_total).cells[:2] == (51, 1)
    found = {item.pupil.pk: item.pupil for item in head_view.pupils}[secretive.pk]
    assert (found.entry_count, found.metiers_this_year, found.last_activity) == (
        0,
        0,
        None,
    )

    admin_view = coverage_for(world.user("platform_admin"), school_class.school)
    assert all(item.pupil.entry_count == 0 for item in admin_view.pupils)


def test_the_page_shows_the_stage_share(world):
    school_class = world.college_class("3e A")
    year = SchoolYear.objects.current()
    for pupil in pupils_of(school_class)[:5]:
        make_entry(pupil, kind=EntryKind.OBSERVATION_STAGE, year=year)
    response = world.client_for("head").get(page_url(school_class.school_id))
    assert response.status_code == 200
    text = response.content.decode()
    assert 'id="table-observation_stage"' in text
    assert 'role="img"' in text
    assert '<title id="chart-observation_stage-title">' in text
    assert "20,0 % (5/25)" in text
    # A collège has no 2de: no stage de seconde section.
    assert 'id="table-seconde_stage"' not in text
    assert 'id="chart-metiers"' in text


def test_metier_counts_on_a_fresh_pupil(world):
    """Same ROME code, or same label without a code, is one métier: two this
    year, three since 5e (what was seen in 6e is not cycle 4)."""
    school_class = world.college_class("3e B")
    year = SchoolYear.objects.current()
    last_year = class_services.school_year_get_or_create(start_year=year.start_year - 1)
    pupil = class_services.user_create(
        username="new.pupil", first_name="Nina", last_name="Nouvelle"
    )
    class_services.enrolment_create(by=None, pupil=pupil, school_class=school_class)
    visit = make_entry(pupil, kind=EntryKind.COMPANY_VISIT, year=year)
    forum = make_entry(pupil, kind=EntryKind.FORUM, year=year)
    in_4e = make_entry(pupil, kind=EntryKind.FORUM, year=last_year, level="4e")
    in_6e = make_entry(pupil, kind=EntryKind.FORUM, year=last_year, level="6e")
    EntryMetier.objects.bulk_create(
        [
            EntryMetier(entry=visit, label="Infirmier", rome_code="J1506"),
            EntryMetier(entry=forum, label="Infirmière", rome_code="J1506"),
            EntryMetier(entry=visit, label="Luthier", rome_code=""),
            EntryMetier(entry=forum, label=" luthier ", rome_code=""),
            EntryMetier(entry=in_4e, label="Boulanger", rome_code="D1102"),
            EntryMetier(entry=in_4e, label="Infirmier", rome_code="J1506"),
            EntryMetier(entry=in_6e, label="Pilote", rome_code="N2102"),
        ]
    )
    found = {
        item.pupil.pk: item.pupil
        for item in coverage_for(world.user("head"), school_class.school).pupils
    }[pupil.pk]
    assert (found.metiers_this_year, found.metiers_cycle_4) == (2, 3)


def test_quiet_pupils_depend_on_the_number_of_weeks(world):
    school_class = world.college_class("4e A")
    year = SchoolYear.objects.current()
    pupil = class_services.user_create(
        username="quiet.pupil", first_name="Paul", last_name="Posé"
    )
    class_services.enrolment_create(by=None, pupil=pupil, school_class=school_class)
    silent = class_services.user_create(
        username="silent.pupil", first_name="Sam", last_name="Silencieux"
    )
    class_services.enrolment_create(by=None, pupil=silent, school_class=school_class)
    make_entry(
        pupil,
        kind=EntryKind.FORUM,
        year=year,
        start_date=timezone.localdate() - datetime.timedelta(weeks=3),
    )
    head = world.user("head")
    six = coverage_for(head, school_class.school, weeks=6)
    two = coverage_for(head, school_class.school, weeks=2)
    by_pk = {item.pupil.pk: item.pupil for item in six.pupils}
    assert not six.is_quiet(by_pk[pupil.pk])
    assert six.is_quiet(by_pk[silent.pk])
    assert two.is_quiet(by_pk[pupil.pk])
    names = [row.headers[0] for row in coverage.quiet_pupils_table(six).rows]
    assert "SILENCIEUX Sam" in names
    assert "POSÉ Paul" not in names

    client = world.client_for("head")
    text = client.get(page_url(school_class.school_id), {"semaines": "2"}).content
    assert "POSÉ Paul".encode() in text
    text = client.get(page_url(school_class.school_id)).content
    assert "POSÉ Paul".encode() not in text
    assert b"SILENCIEUX Sam" in text


@pytest.mark.parametrize("value", ["0", "53", "-1", "abc", "2.5"])
def test_a_bad_number_of_weeks_is_refused_next_to_the_field(world, value):
    school_pk = world.college_class("3e A").school_id
    client = world.client_for("head")
    response = client.get(page_url(school_pk), {"semaines": value})
    assert response.status_code == 422
    assert 'id="id_semaines-errors"' in response.content.decode()
    assert (
        client.get(
            csv_url(school_pk), {"table": "kinds", "semaines": value}
        ).status_code
        == 400
    )


def test_the_weeks_error_message(world):
    with translation.override("en"):
        form = CoverageFilterForm({"semaines": "60"})
        assert form.errors["semaines"] == [
            "Enter a whole number of weeks between 1 and 52."
        ]
        assert form.weeks() == coverage.DEFAULT_WEEKS
    assert CoverageFilterForm({"semaines": ""}).weeks() == coverage.DEFAULT_WEEKS
    assert CoverageFilterForm({"semaines": "52"}).weeks() == 52


def test_every_table_exports_as_csv_for_french_excel(world):
    school_pk = world.college_class("3e A").school_id
    client = world.client_for("cpe")
    page = client.get(page_url(school_pk)).content.decode()
    for name in coverage.TABLE_NAMES:
        if name != "pupils" and f'id="table-{name}"' not in page:
            continue  # not a table of this school (2de, lycée pro)
        assert f"table={name}&amp;semaines=6" in page
        response = client.get(csv_url(school_pk), {"table": name})
        assert response.status_code == 200, name
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        disposition = response["Content-Disposition"]
        assert disposition.startswith("attachment; filename=")
        assert "0693901R" in disposition
        assert disposition.endswith('.csv"')
        body = response.content.decode("utf-8")
        assert body.startswith("\ufeff")
        rows = list(csv.reader(io.StringIO(body[1:]), delimiter=";"))
        assert len(rows) > 1
        assert len({len(row) for row in rows}) == 1


def test_csv_numbers_match_the_page(world):
    school = world.college_class("3e A").school
    head = world.user("head")
    table = coverage.kinds_table(coverage_for(head, school))
    body = (
        world.client_for("head")
        .get(csv_url(school.pk), {"table": "kinds"})
        .content.decode("utf-8")[1:]
    )
    rows = list(csv.reader(io.StringIO(body), delimiter=";"))
    assert rows[0] == list(table.columns)
    assert rows[1:] == [
        [*row.headers, *(coverage.format_cell(c, empty="") for c in row.cells)]
        for row in table.rows
    ]


def test_csv_cells_never_run_as_formulas(world):
    school_class = world.college_class("6e A")
    pupil = class_services.user_create(
        username="formula", first_name="=HYPERLINK(1)", last_name="-2+3"
    )
    class_services.enrolment_create(by=None, pupil=pupil, school_class=school_class)
    body = (
        world.client_for("head")
        .get(csv_url(school_class.school_id), {"table": "pupils"})
        .content.decode("utf-8")
    )
    assert "'-2+3;'=HYPERLINK(1);6e A" in body


def test_an_unknown_table_is_not_found(world):
    school_pk = world.college_class("3e A").school_id
    client = world.client_for("head")
    assert client.get(csv_url(school_pk), {"table": "secrets"}).status_code == 404
    assert client.get(csv_url(school_pk)).status_code == 404


@pytest.mark.parametrize(
    ("alias", "status"),
    [
        ("head", 200),
        ("psyen", 200),
        ("platform_admin", 200),
        ("teacher", 403),
        ("pupil", 403),
        ("other_school_head", 404),
        ("other_school_pupil", 404),
    ],
)
def test_who_opens_the_page(world, alias, status):
    school_pk = world.college_class("3e A").school_id
    client = world.client_for(alias)
    assert client.get(page_url(school_pk)).status_code == status
    assert client.get(csv_url(school_pk), {"table": "kinds"}).status_code == status


def _new_uai(digits: str) -> str:
    return digits + uai_check_letter(digits)


def test_queries_do_not_grow_with_a_school_of_1000_pupils(world, capsys):
    """1,000 pupils in 40 classes with 3,000 entries cost the same queries as
    a class of 5; the render time is printed."""
    year = SchoolYear.objects.current()
    school = class_services.school_create(
        by=None,
        uai=_new_uai("0691234"),
        name="Collège des Mille",
        city="Lyon",
        academy="Lyon",
        kind=School.Kind.COLLEGE,
    )
    head = class_services.user_create(
        username="mille.head", first_name="Chef", last_name="Mille"
    )
    class_services.staff_role_grant(
        by=None, user=head, school=school, role=StaffRole.Role.HEAD
    )
    levels = [Level.SIXIEME, Level.CINQUIEME, Level.QUATRIEME, Level.TROISIEME]
    classes = [
        class_services.class_create(
            by=None, school=school, year=year, name=f"{level} {n:02d}", level=level
        )
        for level in levels
        for n in range(1, 11)
    ]
    start = timezone.localdate() - datetime.timedelta(days=10)

    def enrol(count: int, offset: int) -> None:
        entries = []
        for index in range(offset, offset + count):
            school_class = classes[index % len(classes)]
            pupil = class_services.user_create(
                username=f"mille.{index}", first_name="Élève", last_name=f"N{index:04d}"
            )
            class_services.enrolment_create(
                by=None, pupil=pupil, school_class=school_class
            )
            kinds = [
                EntryKind.OBSERVATION_STAGE,
                EntryKind.FORUM,
                EntryKind.values[index % len(EntryKind.values)],
            ]
            entries += [
                Entry(
                    owner=pupil,
                    kind=kind,
                    title=f"Trace {n}",
                    start_date=start - datetime.timedelta(weeks=n * index % 9),
                    school_year=year,
                    level=school_class.level,
                    visibility=Visibility.PRIVATE if n == 2 else Visibility.SHARED,
                )
                for n, kind in enumerate(kinds)
            ]
        created = Entry.objects.bulk_create(entries)
        EntryMetier.objects.bulk_create(
            EntryMetier(entry=entry, label=f"Métier {k}", rome_code="")
            for number, entry in enumerate(created)
            for k in range(number % 4)
        )

    client = world.client_for("head")
    client.force_login(head)
    enrol(5, 0)
    client.get(
        page_url(school.pk)
    )  # warm-up: session bookkeeping is not the page's cost
    # Each measured request computes the figures afresh (no cached figures).
    coverage.cache_namespace_reset()
    with CaptureQueriesContext(connection) as small:
        assert client.get(page_url(school.pk)).status_code == 200
    enrol(995, 5)
    client.get(
        page_url(school.pk)
    )  # warm-up: session bookkeeping is not the page's cost
    coverage.cache_namespace_reset()
    with CaptureQueriesContext(connection) as large:
        began = time.perf_counter()
        response = client.get(page_url(school.pk))
        elapsed = time.perf_counter() - began
    assert response.status_code == 200
    assert len(large) == len(small)
    assert '<p class="fr-callout__title">1000</p>' in response.content.decode()
    client.get(
        page_url(school.pk)
    )  # warm-up: session bookkeeping is not the page's cost
    coverage.cache_namespace_reset()
    with CaptureQueriesContext(connection) as export:
        assert client.get(csv_url(school.pk), {"table": "pupils"}).status_code == 200
    assert len(export) == len(small)
    with capsys.disabled():
        print(  # noqa: T201
            f"\ncoverage page, 1,000 pupils: {elapsed * 1000:.0f} ms, "
            f"{len(large)} queries"
        )
