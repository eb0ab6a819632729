"""The demo world: the shape the README promises, loaded once, deterministic."""

from io import StringIO

from django.core.management import call_command
from django.db.models import Count

from classes.demo import (
    DEMO_ACCOUNTS,
    PUPILS_PER_CLASS,
)
from classes.models import (
    Class,
    Enrolment,
    School,
    SchoolYear,
    StaffRole,
    TeachingAssignment,
    User,
)
from portfolio.demo import build_demo


def test_it_builds_two_schools_with_classes_of_25_pupils(world):
    assert sorted(School.objects.values_list("kind", flat=True)) == [
        "college",
        "lycee_polyvalent",
    ]
    counts = Class.objects.annotate(n=Count("enrolments")).values_list("n", flat=True)
    assert list(counts) == [PUPILS_PER_CLASS] * 9
    assert len({c.level for c in Class.objects.all()}) >= 6


def test_each_class_has_one_professeur_principal(world):
    for school_class in Class.objects.all():
        principals = TeachingAssignment.objects.filter(
            school_class=school_class, is_principal=True
        )
        assert principals.count() == 1, school_class


def test_each_school_has_a_head_a_cpe_or_its_team(world):
    college_roles = set(
        StaffRole.objects.filter(school__uai="0693901R").values_list("role", flat=True)
    )
    assert college_roles == {"head", "cpe", "psyen", "documentalist"}
    assert StaffRole.objects.filter(school__uai="0693902S", role="head").exists()


def test_every_demo_account_can_log_in_with_its_password(world):
    for account in DEMO_ACCOUNTS:
        user = User.objects.get(email=account.email)
        assert user.check_password("parcours-avenir"), account.alias


def test_the_command_loads_the_world_once(world):
    before = User.objects.count()
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "already loaded" in out.getvalue()
    assert User.objects.count() == before


def test_the_world_is_the_same_every_time(world):
    def snapshot():
        return sorted(
            Enrolment.objects.values_list(
                "school_class__school__uai",
                "school_class__name",
                "pupil__first_name",
                "pupil__last_name",
            )
        )

    first = snapshot()
    Enrolment.objects.all().delete()
    TeachingAssignment.objects.all().delete()
    StaffRole.objects.all().delete()
    User.objects.all().delete()
    Class.objects.all().delete()
    School.objects.all().delete()
    SchoolYear.objects.all().delete()
    build_demo()
    assert snapshot() == first
    assert len(first) == 9 * PUPILS_PER_CLASS
