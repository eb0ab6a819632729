"""Rolling a school over to the next school year: each class to the next level,
the last levels leaving, portfolios untouched, idempotent, managers only."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.translation import override

from classes import services
from classes.demo import COLLEGE_UAI, LYCEE_UAI
from classes.models import Class, Enrolment, School, SchoolYear
from classes.rollover import next_class_name, year_rollover, year_rollover_preview
from portfolio.models import Entry


def college() -> School:
    return School.objects.get(uai=COLLEGE_UAI)


def next_year_start() -> int:
    year = SchoolYear.objects.current()
    assert year is not None
    return year.start_year + 1


def next_year_classes(school: School) -> dict[str, str]:
    return dict(
        Class.objects.filter(
            school=school, year__start_year=next_year_start()
        ).values_list("name", "level")
    )


def portfolio_snapshot():
    return sorted(
        Entry.objects.values_list(
            "pk", "owner_id", "school_year_id", "level", "school_id", "updated_at"
        )
    )


@pytest.mark.parametrize(
    ("name", "level", "expected"),
    [
        ("5e A", "5e", "4e A"),
        ("6e A", "6e", "5e A"),
        ("601", "6e", "501"),
        ("4ème 2", "4e", "3ème 2"),
        ("3e A", "3e", None),
        ("2de 1", "2de", "1re 1"),
        ("1re 2", "1re", "Tle 2"),
        ("Tle 1", "tle", None),
        ("2de pro MELEC", "2de_pro", "1re pro MELEC"),
        ("1re pro MELEC", "1re_pro", "Tle pro MELEC"),
        ("CAP1 MVA", "cap1", "CAP2 MVA"),
        ("Les Aigles", "5e", "4e Les Aigles"),
    ],
)
def test_it_names_next_years_class(name, level, expected):
    assert next_class_name(name, level) == expected


def test_the_preview_counts_classes_pupils_and_leavers(world):
    with override("en"):
        plan = year_rollover_preview(by=world.user("head"), school=college())
    assert plan.conflicts == []
    mapping = {step.school_class.name: step.next_name for step in plan.steps}
    assert mapping == {
        "6e A": "5e A",
        "5e A": "4e A",
        "4e A": "3e A",
        "3e A": None,
        "3e B": None,
    }
    assert all(step.pupil_count == 25 for step in plan.steps)
    assert plan.classes_to_create == ["3e A", "4e A", "5e A"]
    assert plan.to_enrol_count == 75
    assert plan.leaving_count == 50
    assert plan.next_start_year == next_year_start()
    # The preview writes nothing.
    assert not SchoolYear.objects.filter(start_year=next_year_start()).exists()


def test_it_creates_next_year_and_enrols_every_staying_pupil(world):
    entries_before = portfolio_snapshot()
    result = year_rollover(by=world.user("head"), school=college())
    assert (result.classes_created, result.pupils_enrolled) == (3, 75)
    assert result.pupils_leaving == 50
    assert next_year_classes(college()) == {"5e A": "5e", "4e A": "4e", "3e A": "3e"}
    next_year = result.next_year
    for old, new in [("6e A", "5e A"), ("5e A", "4e A"), ("4e A", "3e A")]:
        pupils = set(
            Enrolment.objects.filter(
                year=SchoolYear.objects.current(),
                school_class__school=college(),
                school_class__name=old,
            ).values_list("pupil_id", flat=True)
        )
        moved = set(
            Enrolment.objects.filter(
                year=next_year, school_class__school=college(), school_class__name=new
            ).values_list("pupil_id", flat=True)
        )
        assert pupils == moved
    # 3e pupils leave: nothing for them next year; this year is unchanged.
    lea = world.user("pupil")
    assert not Enrolment.objects.filter(pupil=lea, year=next_year).exists()
    assert [e.school_class.name for e in Enrolment.objects.filter(pupil=lea)] == [
        "3e A"
    ]
    assert portfolio_snapshot() == entries_before
    # The other school is untouched.
    assert next_year_classes(School.objects.get(uai=LYCEE_UAI)) == {}


def test_running_it_twice_changes_nothing(world):
    year_rollover(by=world.user("head"), school=college())
    enrolments, classes = Enrolment.objects.count(), Class.objects.count()
    again = year_rollover(by=world.user("head"), school=college())
    assert (again.classes_created, again.pupils_enrolled) == (0, 0)
    assert (Enrolment.objects.count(), Class.objects.count()) == (enrolments, classes)
    plan = year_rollover_preview(by=world.user("head"), school=college())
    assert plan.is_done
    assert sum(step.already_done for step in plan.staying) == 75


def test_a_conflicting_enrolment_next_year_blocks_it_and_nothing_is_written(world):
    next_year = services.school_year_get_or_create(start_year=next_year_start())
    elsewhere = services.class_create(
        by=None,
        school=School.objects.get(uai=LYCEE_UAI),
        year=next_year,
        name="5e X",
        level="5e",
    )
    pupil = world.college_class("6e A").enrolments.first().pupil
    services.enrolment_create(by=None, pupil=pupil, school_class=elsewhere)
    enrolments, classes = Enrolment.objects.count(), Class.objects.count()
    with override("en"):
        plan = year_rollover_preview(by=world.user("head"), school=college())
        assert len(plan.conflicts) == 1
        assert "5e X" in plan.conflicts[0]
        with pytest.raises(ValidationError):
            year_rollover(by=world.user("head"), school=college())
    assert (Enrolment.objects.count(), Class.objects.count()) == (enrolments, classes)


def test_an_existing_next_class_at_another_level_is_a_conflict(world):
    next_year = services.school_year_get_or_create(start_year=next_year_start())
    services.class_create(
        by=None, school=college(), year=next_year, name="4e A", level="6e"
    )
    with pytest.raises(ValidationError):
        year_rollover(by=world.user("head"), school=college())
    assert Enrolment.objects.filter(year=next_year).count() == 0


def test_pupils_who_left_are_not_rolled_over(world):
    pupil = world.college_class("6e A").enrolments.first().pupil
    Enrolment.objects.filter(pupil=pupil).update(left_on="2020-01-01")
    result = year_rollover(by=world.user("head"), school=college())
    assert result.pupils_enrolled == 74
    assert not Enrolment.objects.filter(pupil=pupil, year=result.next_year).exists()


@pytest.mark.parametrize("alias", ["cpe", "psyen", "teacher", "other_school_head"])
def test_only_managers_may_roll_over(world, alias):
    with pytest.raises(PermissionDenied):
        year_rollover_preview(by=world.user(alias), school=college())
    with pytest.raises(PermissionDenied):
        year_rollover(by=world.user(alias), school=college())
    assert not SchoolYear.objects.filter(start_year=next_year_start()).exists()


# --- The page ------------------------------------------------------------------


def rollover_url():
    return reverse("school_import:year_rollover", args=[college().pk])


def test_the_page_previews_then_confirms(world):
    client = world.client_for("head")
    response = client.get(rollover_url())
    assert response.status_code == 200
    assert b'id="rollover-preview"' in response.content
    assert b'id="rollover-confirm"' in response.content
    response = client.post(rollover_url())
    assert response.status_code == 302
    assert next_year_classes(college()) == {"5e A": "5e", "4e A": "4e", "3e A": "3e"}
    response = client.get(rollover_url())
    assert b'id="rollover-done"' in response.content
    assert b'id="rollover-confirm"' not in response.content


def test_the_page_shows_conflicts_and_writes_nothing(world):
    next_year = services.school_year_get_or_create(start_year=next_year_start())
    services.class_create(
        by=None, school=college(), year=next_year, name="4e A", level="6e"
    )
    response = world.client_for("head").post(rollover_url())
    assert response.status_code == 422
    assert b'id="rollover-conflicts"' in response.content
    assert Enrolment.objects.filter(year=next_year).count() == 0


@pytest.mark.parametrize(
    ("alias", "status"),
    [("cpe", 403), ("teacher", 403), ("pupil", 403), ("other_school_head", 404)],
)
def test_the_page_is_for_managers_only(world, alias, status):
    assert world.client_for(alias).post(rollover_url()).status_code == status
    assert not SchoolYear.objects.filter(start_year=next_year_start()).exists()
