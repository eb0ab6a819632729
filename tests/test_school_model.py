"""The school model refuses bad input with a clear message and writes nothing."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from classes import services
from classes.models import Class, Enrolment, Level, School, SchoolYear
from classes.validators import uai_check_letter, validate_uai


@pytest.mark.parametrize(
    ("uai", "letter"), [("0750655", "E"), ("0010001", "W"), ("0693901", "R")]
)
def test_it_computes_the_uai_check_letter(uai, letter):
    assert uai_check_letter(uai) == letter


@pytest.mark.parametrize("uai", ["0750655E", "0693902S"])
def test_it_accepts_valid_uai(uai):
    validate_uai(uai)


@pytest.mark.parametrize(
    ("uai", "code"),
    [
        ("750655E", "uai_format"),
        ("07506555", "uai_format"),
        ("0750655e", "uai_format"),
        ("0750655E ", "uai_format"),
        ("0750655F", "uai_check_letter"),
    ],
)
def test_it_refuses_malformed_uai(uai, code):
    with pytest.raises(ValidationError) as caught:
        validate_uai(uai)
    assert caught.value.code == code


def test_the_uai_messages_are_french_and_say_what_is_wrong(db):
    with translation.override("fr"), pytest.raises(ValidationError) as caught:
        services.school_create(
            by=None,
            uai="0750655F",
            name="Lycée",
            city="Paris",
            academy="Paris",
            kind=School.Kind.LYCEE,
        )
    message = caught.value.message_dict["uai"][0]
    assert "La lettre de contrôle du code UAI « 0750655F » est fausse" in message
    assert "ce serait E" in message
    assert not School.objects.filter(uai="0750655F").exists()


def test_it_refuses_a_second_school_with_the_same_uai(world):
    with translation.override("fr"), pytest.raises(ValidationError) as caught:
        services.school_create(
            by=None,
            uai="0693901r",
            name="Doublon",
            city="Lyon",
            academy="Lyon",
            kind=School.Kind.COLLEGE,
        )
    assert caught.value.message_dict["uai"] == [
        "Un établissement avec ce code UAI existe déjà."
    ]
    assert School.objects.filter(uai="0693901R").count() == 1


def test_a_pupil_cannot_be_enrolled_twice_in_one_school_year(world):
    pupil = world.user("pupil")
    other_class = world.college_class("3e B")
    with translation.override("fr"), pytest.raises(ValidationError) as caught:
        services.enrolment_create(by=None, pupil=pupil, school_class=other_class)
    assert caught.value.messages == [
        "Léa Martin est déjà inscrit(e) en 3e A (Collège Jean-Moulin) pour "
        f"{other_class.year} ; un élève n'a qu'une classe par année scolaire."
    ]
    assert Enrolment.objects.filter(pupil=pupil).count() == 1


def test_the_database_itself_forbids_two_enrolments_in_one_year(world):
    pupil = world.user("pupil")
    other_class = world.college_class("3e B")
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrolment.objects.create(
            pupil=pupil, school_class=other_class, year=other_class.year
        )


def test_a_pupil_can_be_enrolled_again_the_next_year(world):
    pupil = world.user("pupil")
    this_year = world.college_class("3e A").year
    next_year = services.school_year_get_or_create(start_year=this_year.start_year + 1)
    seconde = services.class_create(
        by=None,
        school=world.college_class("3e A").school,
        year=next_year,
        name="3e A",
        level=Level.TROISIEME,
    )
    services.enrolment_create(by=None, pupil=pupil, school_class=seconde)
    assert Enrolment.objects.filter(pupil=pupil).count() == 2


def test_class_names_are_unique_per_school_and_year(world):
    existing = world.college_class("3e A")
    with translation.override("fr"), pytest.raises(ValidationError) as caught:
        services.class_create(
            by=None,
            school=existing.school,
            year=existing.year,
            name="3e A",
            level=Level.TROISIEME,
        )
    assert "Cet établissement a déjà une classe de ce nom cette année." in (
        caught.value.messages
    )
    assert Class.objects.filter(school=existing.school, name="3e A").count() == 1


@pytest.mark.parametrize("alias", ["teacher", "cpe", "pupil", "other_school_head"])
def test_only_school_managers_add_classes(world, alias):
    school = world.college_class("3e A").school
    with pytest.raises(PermissionDenied):
        services.class_create(
            by=world.user(alias),
            school=school,
            year=SchoolYear.objects.get(),
            name="6e Z",
            level=Level.SIXIEME,
        )
    assert not Class.objects.filter(name="6e Z").exists()


def test_the_head_adds_a_class(world):
    created = services.class_create(
        by=world.user("head"),
        school=world.college_class("3e A").school,
        year=SchoolYear.objects.get(),
        name="6e Z",
        level=Level.SIXIEME,
    )
    assert created.pk is not None


def test_an_enrolment_year_must_be_the_class_year(world):
    pupil = world.user("pupil")
    school_class = world.college_class("3e B")
    other_year = services.school_year_get_or_create(
        start_year=school_class.year.start_year - 1
    )
    enrolment = Enrolment(pupil=pupil, school_class=school_class, year=other_year)
    with translation.override("fr"), pytest.raises(ValidationError) as caught:
        enrolment.full_clean()
    assert caught.value.message_dict["year"] == [
        "L'année de l'inscription doit être l'année scolaire de la classe."
    ]
