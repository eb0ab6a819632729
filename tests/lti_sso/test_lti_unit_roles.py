"""LTI roles → profile (lti_sso.lti.roles): context roles decide, institution
roles count only without a known context role, unknown roles give nothing."""

import pytest

from lti_sso.lti.roles import LtiProfile, is_learner_member, profile_from_roles

M = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
I = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#"  # noqa: E741
S = "http://purl.imsglobal.org/vocab/lis/v2/system/person#"


@pytest.mark.parametrize(
    ("roles", "expected"),
    [
        ([M + "Learner"], LtiProfile.PUPIL),
        (["Learner"], LtiProfile.PUPIL),
        (
            ["http://purl.imsglobal.org/vocab/lis/v2/membership/Learner#Learner"],
            LtiProfile.PUPIL,
        ),
        ([M + "Instructor"], LtiProfile.TEACHER),
        (["Instructor"], LtiProfile.TEACHER),
        (
            [
                "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor"
                "#TeachingAssistant"
            ],
            LtiProfile.TEACHER,
        ),
        ([M + "Mentor"], LtiProfile.TEAM),
        ([M + "Administrator"], LtiProfile.ADMIN),
        ([I + "Staff"], LtiProfile.TEAM),
        ([I + "Student"], LtiProfile.PUPIL),
        ([I + "Faculty"], LtiProfile.TEACHER),
        ([I + "Administrator"], LtiProfile.ADMIN),
        ([S + "Administrator"], LtiProfile.ADMIN),
    ],
)
def test_it_maps_known_roles(roles, expected):
    assert profile_from_roles(roles) == expected


@pytest.mark.parametrize(
    "roles",
    [
        [],
        [M + "ContentDeveloper"],
        [I + "Guest"],
        [S + "User"],
        ["http://example.org/roles#Instructor"],
        ["urn:lti:role:ims/lis/Instructor"],
        ["Observer"],
        "Instructor",  # not a list
        None,
        [42],
    ],
)
def test_it_gives_nothing_for_unknown_roles(roles):
    assert profile_from_roles(roles) is None


def test_the_context_role_wins_over_the_institution_role():
    """A member of staff enrolled as a learner in this course is a learner here."""
    assert profile_from_roles([I + "Faculty", M + "Learner"]) == LtiProfile.PUPIL
    assert profile_from_roles([I + "Student", M + "Instructor"]) == LtiProfile.TEACHER


def test_the_most_staff_like_context_role_wins():
    assert profile_from_roles([M + "Learner", M + "Instructor"]) == LtiProfile.TEACHER
    assert profile_from_roles([M + "Instructor", M + "Administrator"]) == (
        LtiProfile.ADMIN
    )


def test_an_nrps_member_is_a_pupil_only_as_a_learner():
    assert is_learner_member([M + "Learner"])
    assert not is_learner_member([M + "Instructor"])
    assert not is_learner_member([M + "Learner", M + "Instructor"])
    assert not is_learner_member(None)
