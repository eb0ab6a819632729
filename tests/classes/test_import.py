"""Importing a school's classes and pupils from a CSV file.

All or nothing per run, a dry run that writes nothing, idempotent, fast on
10,000 lines; only the school's managers may import."""

import io
import time

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils.translation import override

from classes.demo import COLLEGE_UAI, LYCEE_UAI
from classes.imports import level_from, pupils_import
from classes.models import Class, Enrolment, School, SchoolYear, User

HEADER = "classe;niveau;nom;prenom;identifiant"


def csv_bytes(*rows: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return "\n".join([header, *rows]).encode(encoding)


def college() -> School:
    return School.objects.get(uai=COLLEGE_UAI)


def run(world, data: bytes, *, dry_run=False, alias="head"):
    with override("en"):
        return pupils_import(
            by=world.user(alias), school=college(), data=data, dry_run=dry_run
        )


GOOD = csv_bytes(
    "5e Z;5e;Durand;Zoé;INE-001",
    "5e Z;5e;Petit;Hugo;INE-002",
    "Tle Z;Tle;Roux;Inès;INE-003",
)


def counts():
    return (User.objects.count(), Class.objects.count(), Enrolment.objects.count())


# --- Levels -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("3e", "3e"),
        ("3E", "3e"),
        ("3ème", "3e"),
        ("2de", "2de"),
        ("2nde", "2de"),
        ("Tle", "tle"),
        ("tle", "tle"),
        ("2de pro", "2de_pro"),
        ("2de_pro", "2de_pro"),
        ("CAP 1re année", "cap1"),
        ("3e prépa-métiers", "3e_pm"),
        ("6e SEGPA", "segpa_6e"),
        ("7e", None),
        ("", None),
    ],
)
def test_it_reads_levels_as_values_or_french_labels(text, level):
    assert level_from(text) == level


# --- Dry run, import, idempotence -------------------------------------------


def test_a_dry_run_reports_the_changes_and_writes_nothing(world):
    before = counts()
    report = run(world, GOOD, dry_run=True)
    assert counts() == before
    assert not report.refused
    assert not report.written
    assert report.classes_created == ["5e Z", "Tle Z"]
    assert (report.pupils_created, report.pupils_moved, report.unchanged) == (3, 0, 0)


def test_it_creates_classes_pupils_and_enrolments_then_changes_nothing(world):
    users, classes, enrolments = counts()
    report = run(world, GOOD)
    assert report.written
    assert counts() == (users + 3, classes + 2, enrolments + 3)
    zoe = User.objects.get(external_id="INE-001")
    assert (zoe.first_name, zoe.last_name) == ("Zoé", "Durand")
    assert not zoe.has_usable_password()
    assert zoe.enrolments.get().school_class.name == "5e Z"
    assert Class.objects.get(school=college(), name="Tle Z").level == "tle"

    again = run(world, GOOD)
    assert counts() == (users + 3, classes + 2, enrolments + 3)
    assert again.classes_created == []
    assert (again.pupils_created, again.pupils_moved, again.unchanged) == (0, 0, 3)


def test_a_known_pupil_changing_class_is_moved(world):
    pupil = world.user("other_class_pupil")  # in 4e A
    User.objects.filter(pk=pupil.pk).update(external_id="INE-MOVE")
    report = run(world, csv_bytes("4e B;4e;Nom;Prénom;INE-MOVE"))
    assert report.written
    assert report.pupils_moved == 1
    assert report.moves[0].from_class == "4e A"
    assert report.moves[0].to_class == "4e B"
    enrolment = Enrolment.objects.get(pupil=pupil)
    assert enrolment.school_class.name == "4e B"
    # Known pupils keep their names.
    pupil.refresh_from_db()
    assert pupil.last_name != "Nom"


def test_a_known_pupil_not_enrolled_this_year_is_enrolled(world):
    someone = User.objects.create(username="ancien", external_id="INE-OLD")
    report = run(world, csv_bytes("3e A;3e;Ancien;Élève;INE-OLD"))
    assert report.pupils_enrolled == 1
    assert report.pupils_created == 0
    assert someone.enrolments.get().school_class == world.college_class("3e A")


def test_a_class_name_used_by_another_school_is_fine(world):
    assert Class.objects.filter(school__uai=LYCEE_UAI, name="2de 1").exists()
    report = run(world, csv_bytes("2de 1;2de;Durand;Zoé;INE-001"))
    assert report.written
    assert Class.objects.get(school=college(), name="2de 1").level == "2de"


def test_new_usernames_are_unique(world):
    User.objects.create(username="zoe.durand.ine-001")
    run(world, csv_bytes("5e Z;5e;Durand;Zoé;INE-001"))
    assert User.objects.get(external_id="INE-001").username == "zoe.durand.ine-001.2"


# --- Rejected lines: nothing written ----------------------------------------


def test_one_wrong_line_and_nothing_is_written(world):
    pupil = world.user("other_school_pupil")
    User.objects.filter(pk=pupil.pk).update(external_id="INE-LYCEE")
    before = counts()
    report = run(
        world,
        csv_bytes(
            "5e Z;5e;Durand;Zoé;INE-001",  # 2: fine
            "5e Z;7e;Petit;Hugo;INE-002",  # 3: unknown level
            "5e Z;5e;;Hugo;INE-004",  # 4: empty name
            "5e Z;5e;Durand;Zoé;INE-001",  # 5: same pupil as line 2
            "3e A;4e;Blanc;Eva;INE-005",  # 6: 3e A exists as a 3e
            "5e Z;4e;Blanc;Eva;INE-006",  # 7: 5e Z is a 5e on line 2
            "3e A;3e;Garcia;Hugo;INE-LYCEE",  # 8: enrolled in the lycée
            "5e Z;5e;Brun;Tom;",  # 9: no identifier
            "",  # blank lines are skipped
            "3e A;3e;Roux;Inès;INE-007",  # 11: fine
        ),
    )
    assert counts() == before
    assert not report.written
    assert report.refused
    reasons = {line.number: line.reason for line in report.rejected}
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8, 9]
    assert "unknown level “7e”" in reasons[3]
    assert "name" in reasons[4]
    assert "already on line 2" in reasons[5]
    assert "already exists with the level 3e" in reasons[6]
    assert "on line 2" in reasons[7]
    assert "another school" in reasons[8]
    assert "Lycée polyvalent Marie-Curie" in reasons[8]
    assert "identifier" in reasons[9]
    with override("en"):
        assert "Nothing was written." in report.lines()


def test_missing_columns_refuse_the_whole_file(world):
    report = run(world, csv_bytes("3e A;Martin", header="classe;nom"))
    assert report.refused
    assert len(report.file_errors) == 1
    assert "niveau, prenom, identifiant" in report.file_errors[0]


@pytest.mark.parametrize(
    "data",
    [b"", b"\x00\x01\x02binary\xff", csv_bytes()],
    ids=["empty", "binary", "header-only"],
)
def test_unreadable_or_empty_files_are_refused(world, data):
    before = counts()
    report = run(world, data)
    assert report.file_errors
    assert counts() == before


# --- Encodings and separators ------------------------------------------------


def test_commas_bom_and_header_spelling_are_accepted(world):
    data = "\ufeffClasse,Niveau,Nom,Prénom,Identifiant,Date\n5e Z,5e,Éluard,Chloé,I-9,x"
    report = run(world, data.encode("utf-8"))
    assert report.written
    assert report.encoding == "utf-8"
    assert User.objects.get(external_id="I-9").first_name == "Chloé"


def test_a_windows_1252_file_is_decoded_and_flagged(world):
    report = run(world, csv_bytes("5e Z;5e;Lefèvre;Zoé;I-10", encoding="cp1252"))
    assert report.written
    assert report.encoding == "cp1252"
    with override("en"):
        assert "Windows-1252" in report.encoding_note
    assert User.objects.get(external_id="I-10").last_name == "Lefèvre"


# --- Who may import ------------------------------------------------------------


@pytest.mark.parametrize("alias", ["cpe", "psyen", "teacher", "other_school_head"])
def test_only_managers_may_import(world, alias):
    with pytest.raises(PermissionDenied):
        run(world, GOOD, alias=alias)
    assert not User.objects.filter(external_id="INE-001").exists()


def test_the_platform_admin_may_import(world):
    assert run(world, GOOD, alias="platform_admin").written


# --- 10,000 lines --------------------------------------------------------------


def test_ten_thousand_lines_in_a_few_seconds(world):
    levels = ["6e", "5e", "4e", "3e"]
    rows = [
        f"{levels[n % 4]} {chr(65 + n % 20)};{levels[n % 4]};Nom{n};Prénom{n};B{n}"
        for n in range(10_000)
    ]
    data = csv_bytes(*rows)
    users, classes, enrolments = counts()

    start = time.perf_counter()
    report = run(world, data)
    first = time.perf_counter() - start
    start = time.perf_counter()
    again = run(world, data)
    second = time.perf_counter() - start
    print(f"\n10,000 lines: import {first:.2f} s, again {second:.2f} s")  # noqa: T201

    assert report.written
    assert report.pupils_created == 10_000
    new_classes = len(report.classes_created)
    assert counts() == (users + 10_000, classes + new_classes, enrolments + 10_000)
    assert again.pupils_created == 0
    assert again.classes_created == []
    assert again.unchanged == 10_000
    assert counts() == (users + 10_000, classes + new_classes, enrolments + 10_000)


# --- The page ------------------------------------------------------------------


def import_url():
    return reverse("school_import:pupils_import", args=[college().pk])


def upload(data: bytes, name="eleves.csv"):
    return SimpleUploadedFile(name, data, content_type="text/csv")


def test_the_page_shows_the_form(world):
    response = world.client_for("head").get(import_url())
    assert response.status_code == 200
    assert b'id="import-form"' in response.content
    assert b'name="file"' in response.content


def test_simulate_shows_the_report_and_writes_nothing(world):
    before = counts()
    response = world.client_for("head").post(
        import_url(), {"file": upload(GOOD), "action": "dry_run"}
    )
    assert response.status_code == 200
    assert counts() == before
    assert b'id="import-simulated"' in response.content
    assert b'<td id="count-created">3</td>' in response.content


def test_import_writes_and_reports(world):
    response = world.client_for("head").post(
        import_url(), {"file": upload(GOOD), "action": "import"}
    )
    assert response.status_code == 200
    assert b'id="import-done"' in response.content
    assert User.objects.filter(external_id__startswith="INE-").count() == 3


def test_rejected_lines_are_listed_next_to_the_form(world):
    before = counts()
    response = world.client_for("head").post(
        import_url(),
        {"file": upload(csv_bytes("5e Z;7e;Petit;Hugo;X-1")), "action": "import"},
    )
    assert response.status_code == 422
    assert counts() == before
    assert b'id="import-rejected"' in response.content
    assert b"<td>2</td>" in response.content


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"file": upload(csv_bytes("3e A", header="classe"))},
        {"file": upload(b"x" * (5 * 1024 * 1024 + 1))},
    ],
    ids=["no-file", "missing-columns", "too-large"],
)
def test_a_refused_file_gets_its_message_under_the_field(world, data):
    before = counts()
    response = world.client_for("head").post(import_url(), {**data, "action": "import"})
    assert response.status_code == 422
    assert b'id="id_file-errors"' in response.content
    assert counts() == before


def test_the_page_is_for_managers_only(world):
    for alias, status in [("cpe", 403), ("teacher", 403), ("other_school_head", 404)]:
        response = world.client_for(alias).post(
            import_url(), {"file": upload(GOOD), "action": "import"}
        )
        assert response.status_code == status
    assert not User.objects.filter(external_id="INE-001").exists()


# --- The management command ----------------------------------------------------


def test_the_command_imports_and_prints_the_report(world, tmp_path):
    path = tmp_path / "eleves.csv"
    path.write_bytes(GOOD)
    out = io.StringIO()
    call_command("import_pupils", COLLEGE_UAI, str(path), "--dry-run", stdout=out)
    assert not User.objects.filter(external_id="INE-001").exists()
    call_command("import_pupils", COLLEGE_UAI.lower(), str(path), stdout=out)
    assert User.objects.filter(external_id__startswith="INE-").count() == 3
    assert len(out.getvalue().splitlines()) > 10


def test_the_command_fails_on_rejected_lines(world, tmp_path):
    path = tmp_path / "eleves.csv"
    path.write_bytes(csv_bytes("5e Z;7e;Petit;Hugo;X-1"))
    with pytest.raises(CommandError):
        call_command("import_pupils", COLLEGE_UAI, str(path), stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("import_pupils", "0000000A", str(path), stdout=io.StringIO())


def test_the_current_year_is_used(world):
    run(world, GOOD)
    enrolment = Enrolment.objects.get(pupil__external_id="INE-001")
    assert enrolment.year == SchoolYear.objects.current()
