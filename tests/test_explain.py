"""The database plans of the busiest pages at scale (PostgreSQL only: SQLite
has no comparable planner; CI's PostgreSQL pass runs these).

5,000 pupils in 143 classes of another school, 200,000 entries and 100,000
access-log rows are loaded and ANALYZEd; then each page is requested and
every query it ran on the entries, the access log or the enrolments is
EXPLAINed exactly as it was sent (pages, and the entries API list of a
teacher and of a member of the school's team). A sequential scan of one of these tables
fails the test: it would read the whole académie's table for one page.
"""

import datetime
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection
from django.db.models import Model
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from classes.models import Class, Enrolment, Level, School, SchoolYear, User
from classes.validators import uai_check_letter
from portfolio.models import AccessLog, Entry, EntryKind

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL plans only; runs in the PostgreSQL pass (DATABASE_URL)",
)

PUPILS = 5_000
ENTRIES_PER_PUPIL = 40
LOG_ROWS_PER_PUPIL = 20
CLASSES = 143


def plan_nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", []):
        yield from plan_nodes(child)


def seq_scans(sql: str) -> set[str]:
    """The relations the plan of `sql` reads with a sequential scan."""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
        (raw,) = cursor.fetchone()
    plan = raw if isinstance(raw, list) else json.loads(raw)
    return {
        node["Relation Name"]
        for node in plan_nodes(plan[0]["Plan"])
        if node["Node Type"] == "Seq Scan"
    }


def copy_rows(model: type[Model], template_pk: int, source: str, **exprs: str) -> None:
    """INSERT … SELECT: copies of the template row, one per row of `source`
    (SQL joined as `g`), with some columns computed (`exprs`); the others are
    the template's, so the loader follows the model's columns."""
    columns = [f.column for f in model._meta.concrete_fields if not f.primary_key]
    values = [exprs.get(column, f"t.{column}") for column in columns]
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608 - our own SQL
            f"SELECT {', '.join(values)} FROM {table} t, {source} "
            f"WHERE t.id = %s",
            [template_pk],
        )


@pytest.fixture
def academie(world):
    """Léa's school plus 5,000 other pupils with 40 entries and 20 access-log
    rows each; Léa's class (3e A) gets 60 shared entries per pupil. Loaded
    with INSERT … SELECT in the database (bulk_create takes minutes here)."""
    year = SchoolYear.objects.get()
    start = datetime.date(year.start_year, 9, 1)
    with connection.cursor() as cursor:
        # No triggers while loading (history, foreign-key checks): the rows
        # are copies of valid ones, and the plans are what is tested.
        cursor.execute("SET LOCAL session_replication_role = replica")
    template = User.objects.create(username="scale.0", last_name="N00000")
    copy_rows(
        User,
        template.pk,
        f"generate_series(1, {PUPILS - 1}) AS g(n)",
        username="'scale.' || g.n",
        last_name="'N' || lpad(g.n::text, 5, '0')",
    )
    # The 5,000 pupils in 143 classes of another school this year.
    other = School.objects.create(
        uai="0999990" + uai_check_letter("0999990"), name="Collège de l'échelle"
    )
    classes = Class.objects.bulk_create(
        Class(school=other, year=year, name=f"C{n}", level=Level.TROISIEME)
        for n in range(CLASSES)
    )
    enrolment = Enrolment.objects.create(
        pupil=template, school_class=classes[0], year=year
    )
    class_ids = "ARRAY[{}]".format(", ".join(str(c.pk) for c in classes))
    copy_rows(
        Enrolment,
        enrolment.pk,
        "(SELECT u.id, u.id FROM classes_user u "  # noqa: S608 - no outside input
        "WHERE u.username LIKE 'scale.%%' "
        f"AND u.id <> {int(template.pk)}) AS g(pupil_id, n)",
        pupil_id="g.pupil_id",
        school_class_id=f"({class_ids})[mod(g.n, {CLASSES}) + 1]",
    )
    kinds = "ARRAY[{}]".format(", ".join(f"'{kind}'" for kind in EntryKind.values))
    pupils = (
        "(SELECT u.id, n FROM classes_user u, "  # noqa: S608 - no outside input
        f"generate_series(0, {ENTRIES_PER_PUPIL - 1}) AS n "
        "WHERE u.username LIKE 'scale.%%') AS g(owner_id, n)"
    )
    entry = Entry.objects.create(
        owner=template,
        kind=EntryKind.FORUM,
        title="Modèle",
        start_date=start,
        school_year=year,
        level=Level.TROISIEME,
    )
    entry_exprs = {
        "owner_id": "g.owner_id",
        "title": "'Trace ' || g.n",
        "kind": f"({kinds})[mod(g.n, {len(EntryKind.values)}) + 1]",
        "start_date": "t.start_date + g.n",
        "visibility": "CASE WHEN mod(g.n, 2) = 1 THEN 'shared' ELSE 'private' END",
    }
    copy_rows(Entry, entry.pk, pupils, **entry_exprs)
    log = AccessLog.objects.create(
        pupil=template, reader_name="Prof", what=AccessLog.What.PORTFOLIO
    )
    copy_rows(
        AccessLog,
        log.pk,
        pupils.replace(str(ENTRIES_PER_PUPIL - 1), str(LOG_ROWS_PER_PUPIL - 1)),
        pupil_id="g.owner_id",
        at="t.at - g.n * interval '1 day'",
    )
    class_pupils = (  # noqa: S608 - our own SQL, no outside input
        "(SELECT e.pupil_id, n FROM classes_enrolment e, generate_series(0, 59) AS n "
        "WHERE e.school_class_id = {}) AS g(owner_id, n)"
    ).format(int(world.college_class("3e A").pk))
    copy_rows(
        Entry,
        entry.pk,
        class_pupils,
        **{**entry_exprs, "visibility": "'shared'"},
    )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")
        for table in (
            "classes_user",
            "classes_enrolment",
            "portfolio_entry",
            "portfolio_accesslog",
        ):
            cursor.execute(f"ANALYZE {table}")
    assert Entry.objects.count() > PUPILS * ENTRIES_PER_PUPIL
    return year


WATCHED = ("portfolio_entry", "portfolio_accesslog", "classes_enrolment")


def scanned_tables(
    client, url: str, before: Callable[[], None] | None = None
) -> tuple[int, dict[str, set[str]]]:
    """Request the page (after `before`); EXPLAIN every query it ran on the
    watched tables."""
    client.get(url)  # warm-up: session bookkeeping
    if before is not None:
        before()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    found = {}
    for query in captured.captured_queries:
        sql = query["sql"]
        if sql.lstrip().upper().startswith("SELECT") and any(
            table in sql for table in WATCHED
        ):
            found[sql] = seq_scans(sql) & set(WATCHED)
    return len(found), found


@pytest.mark.parametrize(
    ("alias", "url_name", "needs_pupil"),
    [
        ("pupil", "portfolio:home", False),
        ("teacher", "portfolio:pupil_portfolio", True),
        ("pupil", "portfolio:access_log", False),
        ("teacher", "staff:class_progress", False),
        # The API list of a teacher (page of 50 and its pagination COUNT):
        # their own entries or their pupils' shared ones.
        ("teacher", "api:entry_list", False),
        # The same list for a member of the school's team (all its pupils).
        ("head", "api:entry_list", False),
    ],
)
def test_no_page_reads_the_whole_entries_or_access_log_table(
    world, academie, alias, url_name, needs_pupil
):
    lea = world.user("pupil")
    if url_name == "staff:class_progress":
        url = reverse(url_name, kwargs={"pk": world.college_class("3e A").pk})
    elif needs_pupil:
        url = reverse(url_name, kwargs={"pupil_pk": lea.pk})
    elif url_name == "api:entry_list":
        url = reverse(url_name) + "?page_size=50"
    else:
        url = reverse(url_name)
    explained, found = scanned_tables(world.client_for(alias), url)
    assert explained >= 1  # the page really queried the watched tables
    scanned = {sql: tables for sql, tables in found.items() if tables}
    assert scanned == {}


def test_the_school_overview_reads_only_its_pupils_entries(world, academie):
    """The school overview computed afresh (its cache forgotten, as after a
    write): the entries per kind and the métiers of the school's pupils are
    read by owner, not by scanning the whole académie's entries."""
    from portfolio import coverage

    school = world.college_class("3e A").school
    url = reverse("coverage:school_coverage", args=[school.pk])
    _, found = scanned_tables(
        world.client_for("head"), url, before=coverage.cache_namespace_reset
    )
    assert any("portfolio_entrymetier" in sql for sql in found)
    scanned = {sql: tables for sql, tables in found.items() if tables}
    assert scanned == {}


def test_the_timeline_plan_uses_an_index_on_the_entries(world, academie):
    """The pupil timeline's own queryset, EXPLAINed on its own."""
    from portfolio import queries
    from portfolio.permissions import entries_visible_to

    lea = world.user("pupil")
    own = entries_visible_to(lea).filter(owner=lea)
    sql, params = queries.with_timeline_data(own).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        (raw,) = cursor.fetchone()
    plan = raw if isinstance(raw, list) else json.loads(raw)
    entry_scans = [
        node["Node Type"]
        for node in plan_nodes(plan[0]["Plan"])
        if node.get("Relation Name") == "portfolio_entry"
    ]
    assert entry_scans
    assert "Seq Scan" not in entry_scans
