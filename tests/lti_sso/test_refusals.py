"""Genuine, signed assertions that give no access: a 403 page that says why and
whom to contact, with nothing created or changed."""

import pytest
from allauth.socialaccount.models import SocialAccount
from django.utils import translation

from classes.models import Enrolment, StaffRole, User
from lti_sso.provisioning import Refusal, assertion_from_attributes
from tests.lti_sso.conftest import gar_attributes, link


def _counts():
    return (
        User.objects.count(),
        SocialAccount.objects.count(),
        Enrolment.objects.count(),
        StaffRole.objects.count(),
    )


def _assert_refused(client, response, before):
    assert response.status_code == 403
    assert b'id="sso-refused-reason"' in response.content
    assert b'id="sso-refused-contact"' in response.content
    assert "_auth_user_id" not in client.session
    assert _counts() == before


def test_an_unknown_uai_is_refused(world, sso_login):
    before = _counts()
    client, response = sso_login(gar_attributes("GAR-U-1", uai="0750655E"))
    _assert_refused(client, response, before)
    assert b"0750655E" in response.content


def test_an_unknown_or_absent_profile_is_refused(world, sso_login):
    before = _counts()
    client, response = sso_login(gar_attributes("GAR-P-1", pro="National_tut"))
    _assert_refused(client, response, before)
    attributes = gar_attributes("GAR-P-2")
    del attributes["PRO"]
    client, response = sso_login(attributes)
    _assert_refused(client, response, before)


def test_without_ido_the_name_id_is_never_used(world, sso_login):
    """Some ENTs put a session ID in the NameID: it must not identify anyone,
    even when it equals an existing identifier."""
    link(world.user("pupil"), "session-3f2a")
    before = _counts()
    attributes = gar_attributes("x")
    del attributes["IDO"]
    client, response = sso_login(attributes, name_id="session-3f2a")
    _assert_refused(client, response, before)


def test_a_known_user_refused_keeps_her_class_and_names(world, sso_login):
    lea = world.user("pupil")
    link(lea, "GAR-ELV-1")
    before = _counts()
    client, response = sso_login(
        gar_attributes("GAR-ELV-1", first="Autre", pro="National_xxx", div=["4e A"])
    )
    _assert_refused(client, response, before)
    lea.refresh_from_db()
    assert lea.first_name == "Léa"
    assert Enrolment.objects.get(pupil=lea).school_class.name == "3e A"


def test_two_idos_are_refused_in_english_too():
    with translation.override("en"), pytest.raises(Refusal, match="identifier"):
        assertion_from_attributes(
            idp_entity_id="https://ent.example.fr/idp",
            attributes={"IDO": ["a", "b"], "PRO": ["National_elv"]},
        )
