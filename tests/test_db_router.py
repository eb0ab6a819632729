"""The read replica: reads inside `using_replica()` go to it when it is
configured; writes, migrations and every other read stay on default.

In tests the replica is a second connection to the same test database (what
settings' TEST MIRROR gives when DATABASE_REPLICA_URL is set), so a query can be
seen arriving on one connection or the other.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connections, router
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from classes.demo import COLLEGE_UAI
from classes.models import School, SchoolYear, User
from classes.permissions import classes_visible_to
from portfolio import coverage
from portfolio.models import Tag
from portfolio.permissions import entries_visible_to
from webclasseur.db_router import DEFAULT, REPLICA, replica_configured, using_replica

PROJECT = Path(__file__).resolve().parent.parent
BOTH = [DEFAULT, REPLICA]


class Captured:
    """The queries each connection ran inside the block."""

    def __init__(self) -> None:
        self.default = CaptureQueriesContext(connections[DEFAULT])
        self.replica = CaptureQueriesContext(connections[REPLICA])

    def __enter__(self) -> "Captured":
        self.default.__enter__()
        self.replica.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.replica.__exit__(*exc)
        self.default.__exit__(*exc)

    def sql(self, alias: str) -> list[str]:
        captured = self.default if alias == DEFAULT else self.replica
        return [query["sql"] for query in captured.captured_queries]


@pytest.mark.django_db
def test_without_a_replica_the_context_changes_nothing():
    assert not replica_configured()
    with using_replica():
        assert router.db_for_read(School) == DEFAULT
        assert School.objects.filter(uai=COLLEGE_UAI).exists()


def test_migrations_run_on_default_only():
    assert router.allow_migrate(DEFAULT, "portfolio", model_name="entry")
    assert not router.allow_migrate(REPLICA, "portfolio", model_name="entry")
    assert not router.allow_migrate(REPLICA, "classes", model_name="user")


class TestWithAReplica:
    @pytest.fixture(scope="class", autouse=True)
    @classmethod
    def _replica(cls, django_db_setup):
        """A replica alias on the test database, as a TEST MIRROR of default;
        set up before the test's transaction so the test may use it."""
        primary = connections.settings[DEFAULT]
        replica = {**primary, "TEST": {**primary["TEST"], "MIRROR": DEFAULT}}
        if connections[DEFAULT].vendor == "sqlite":
            # The in-memory test database is shared between connections
            # table by table; a reader that takes no table locks neither
            # waits for nor blocks the test's writes on default.
            replica["OPTIONS"] = {
                **primary["OPTIONS"],
                "init_command": "PRAGMA read_uncommitted = true;",
            }
        connections.settings[REPLICA] = replica
        yield
        connections[REPLICA].close()
        del connections[REPLICA]
        del connections.settings[REPLICA]

    @pytest.mark.django_db(databases=BOTH)
    def test_healthz_checks_the_replica(self, client):
        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.json()["replica"] == "ok"

    @pytest.mark.django_db(databases=BOTH)
    def test_reads_stay_on_default_outside_the_context(self):
        assert replica_configured()
        with Captured() as captured:
            assert School.objects.count() == 2
        assert len(captured.sql(DEFAULT)) == 1
        assert captured.sql(REPLICA) == []

    @pytest.mark.django_db(databases=BOTH)
    def test_reads_inside_the_context_go_to_the_replica(self):
        with Captured() as captured, using_replica():
            assert School.objects.count() == 2
        assert captured.sql(DEFAULT) == []
        assert len(captured.sql(REPLICA)) == 1

    @pytest.mark.django_db(databases=BOTH)
    def test_writes_inside_the_context_go_to_default(self):
        with Captured() as captured, using_replica():
            school = School.objects.get(uai=COLLEGE_UAI)
            pupil = User.objects.get(username="eleve")
            Tag.objects.create(owner=pupil, name="écrit-sur-le-primaire")
        assert school._state.db == REPLICA
        assert pupil._state.db == REPLICA
        assert any("INSERT" in sql for sql in captured.sql(DEFAULT))
        assert not any("INSERT" in sql for sql in captured.sql(REPLICA))
        # A row read on the replica is saved, and read again, on default.
        school.name = "Collège Jean-Moulin (renommé)"
        with Captured() as captured:
            school.save(update_fields=["name"])
            assert School.objects.get(pk=school.pk).name.endswith("(renommé)")
        assert captured.sql(REPLICA) == []
        assert any("UPDATE" in sql for sql in captured.sql(DEFAULT))

    @pytest.mark.django_db(databases=BOTH)
    def test_the_context_ends_with_its_block_even_on_an_error(self):
        with pytest.raises(ZeroDivisionError), using_replica():
            1 / 0  # noqa: B018
        with Captured() as captured:
            School.objects.count()
        assert captured.sql(REPLICA) == []

    @pytest.mark.django_db(databases=BOTH)
    def test_the_school_overview_reads_from_the_replica(self):
        head = User.objects.get(username="principal")
        school = School.objects.get(uai=COLLEGE_UAI)
        # The policy decides on default (the head's roles are read here)...
        classes = classes_visible_to(head).filter(school=school)
        readable = entries_visible_to(head)
        year = SchoolYear.objects.current()
        # ...and the figures are counted on the replica.
        with Captured() as captured:
            figures = coverage.school_coverage(
                classes=classes,
                readable=readable,
                year=year,
                today=timezone.localdate(),
            )
        assert len(figures.pupils) == 125  # 5 classes of 25
        assert captured.sql(DEFAULT) == []
        assert any("classes_enrolment" in sql for sql in captured.sql(REPLICA))


def settings_with(**variables: str) -> subprocess.CompletedProcess[str]:
    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_"))
    }
    environment |= {
        "DJANGO_DEBUG": "True",
        "DJANGO_SETTINGS_MODULE": "webclasseur.settings",
        **variables,
    }
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "r = s.DATABASES.get('replica'); "
        "print(r and (r['ENGINE'], r['HOST'], r['NAME'], r['TEST']['MIRROR']))"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_settings_add_the_replica_database_only_when_configured():
    assert settings_with().stdout.strip() == "None"
    result = settings_with(
        DATABASE_URL="postgres://app@primary.example:5432/webclasseur",
        DATABASE_REPLICA_URL="postgres://reader@replica.example:5432/webclasseur",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(
        ("django.db.backends.postgresql", "replica.example", "webclasseur", "default")
    )


def test_a_malformed_replica_url_stops_start_up_naming_it():
    result = settings_with(DATABASE_REPLICA_URL="mysql://replica/webclasseur")
    assert result.returncode != 0
    assert "DATABASE_REPLICA_URL doit être" in result.stderr
