"""Forged, tampered and replayed SAML responses are refused end to end through
the ACS: 403, nobody logged in, nothing created or changed."""

import copy

import pytest
from allauth.socialaccount.models import SocialAccount, SocialApp
from lxml import etree
from onelogin.saml2.utils import OneLogin_Saml2_Utils

from classes.models import Enrolment, StaffRole, TeachingAssignment, User
from tests.lti_sso.conftest import (
    app_settings,
    browser,
    gar_attributes,
    link,
    post_response,
    start_login,
)

NS = {
    "samlp": "urn:oasis:names:tc:SAML:2.0:protocol",
    "saml": "urn:oasis:names:tc:SAML:2.0:assertion",
    "ds": "http://www.w3.org/2000/09/xmldsig#",
}
LEA = "GAR-ELV-1"


def _state():
    return (
        User.objects.count(),
        SocialAccount.objects.count(),
        sorted(Enrolment.objects.values_list("pupil_id", "school_class_id")),
        TeachingAssignment.objects.count(),
        StaffRole.objects.count(),
        sorted(User.objects.values_list("pk", "first_name", "last_name")),
    )


@pytest.fixture
def lea(world, saml_app):
    user = world.user("pupil")
    link(user, LEA)
    return user


@pytest.fixture
def refused():
    """Check a response was refused and changed nothing."""
    before = {}

    def start():
        before["state"] = _state()

    def check(client, response):
        assert response.status_code == 403, response.content[:300]
        assert "_auth_user_id" not in client.session
        assert _state() == before["state"]

    check.start = start  # type: ignore[attr-defined]
    start()
    return check


def _pupil_response(idp, client, **options):
    request_id = start_login(client)
    return idp.authn_response(
        gar_attributes(LEA, div=["3e B"]), in_response_to=request_id, **options
    )


def _tree(xml):
    return etree.fromstring(xml.encode() if isinstance(xml, str) else xml)


def test_a_genuine_response_logs_in_to_compare(lea, idp):
    client = browser()
    response = post_response(client, _pupil_response(idp, client))
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(lea.pk)


def test_signature_removed(lea, idp, refused):
    client = browser()
    tree = _tree(_pupil_response(idp, client))
    for signature in tree.iterfind(".//ds:Signature", NS):
        signature.getparent().remove(signature)
    refused(client, post_response(client, etree.tostring(tree)))


def test_signature_by_another_key(lea, stranger_idp, refused):
    """Same issuer, the attacker's key; its certificate travels in KeyInfo."""
    client = browser()
    xml = _pupil_response(stranger_idp, client)
    assert "X509Certificate" in xml
    refused(client, post_response(client, xml))


@pytest.mark.parametrize(
    ("original", "forged"),
    [
        ("National_elv", "National_dir"),  # PRO
        ("0693901R", "0693902S"),  # UAI
        (LEA, "GAR-ELV-2"),  # IDO
    ],
)
def test_a_signed_attribute_modified(lea, idp, refused, original, forged):
    client = browser()
    xml = _pupil_response(idp, client)
    assert original in xml
    refused(client, post_response(client, xml.replace(original, forged)))


def test_wrapping_a_second_unsigned_assertion(lea, idp, refused):
    client = browser()
    tree = _tree(_pupil_response(idp, client))
    signed = tree.find("saml:Assertion", NS)
    evil = copy.deepcopy(signed)
    evil.set("ID", "_evil")
    evil.remove(evil.find("ds:Signature", NS))
    evil.find(
        ".//saml:Attribute[@Name='PRO']/saml:AttributeValue", NS
    ).text = "National_dir"
    signed.addprevious(evil)
    refused(client, post_response(client, etree.tostring(tree)))


def test_wrapping_the_signed_assertion_moved_under_an_unsigned_element(
    lea, idp, refused
):
    client = browser()
    tree = _tree(_pupil_response(idp, client))
    signed = tree.find("saml:Assertion", NS)
    evil = copy.deepcopy(signed)
    evil.remove(evil.find("ds:Signature", NS))
    evil.find(
        ".//saml:Attribute[@Name='IDO']/saml:AttributeValue", NS
    ).text = "GAR-ELV-2"
    extensions = etree.SubElement(tree, f"{{{NS['samlp']}}}Extensions")
    tree.remove(signed)
    extensions.append(signed)
    tree.find("samlp:Status", NS).addnext(evil)
    tree.remove(extensions)
    tree.insert(1, extensions)
    refused(client, post_response(client, etree.tostring(tree)))


def test_comment_injection_inside_ido_does_not_reach_leas_account(lea, idp):
    """The attacker's own identity "GAR-ELV-1.evil" signed by the IdP, with a
    comment slipped in after "GAR-ELV-1": canonicalisation drops comments, so
    the signature still holds; the identifier must be read whole."""
    client = browser()
    request_id = start_login(client)
    xml = idp.authn_response(
        gar_attributes(f"{LEA}.evil", div=["3e B"]), in_response_to=request_id
    )
    xml = xml.replace(f"{LEA}.evil", f"{LEA}<!---->.evil")
    response = post_response(client, xml)
    assert client.session.get("_auth_user_id") != str(lea.pk)
    if response.status_code == 302:
        # Accepted: then as the attacker's own, whole identifier.
        account = SocialAccount.objects.get(user_id=client.session["_auth_user_id"])
        assert account.uid == f"{LEA}.evil"
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("shift_seconds", [8 * 60, -8 * 60])
def test_expired_and_not_yet_valid_assertions(
    lea, idp, refused, monkeypatch, shift_seconds
):
    """The IdP gives 5 minutes; 2 minutes of clock skew are tolerated."""
    client = browser()
    xml = _pupil_response(idp, client)
    real_now = OneLogin_Saml2_Utils.now
    monkeypatch.setattr(
        OneLogin_Saml2_Utils, "now", staticmethod(lambda: real_now() + shift_seconds)
    )
    refused(client, post_response(client, xml))


def test_wrong_audience(lea, idp, refused):
    client = browser()
    xml = _pupil_response(idp, client, audience="https://other-sp.example.fr/sp")
    refused(client, post_response(client, xml))


def test_wrong_destination(lea, idp, refused):
    client = browser()
    xml = _pupil_response(
        idp, client, destination="https://other-sp.example.fr/saml/acs/"
    )
    refused(client, post_response(client, xml))


def test_wrong_issuer(lea, idp, refused):
    client = browser()
    xml = _pupil_response(idp, client)
    refused(
        client,
        post_response(
            client,
            xml.replace("https://ent.example.fr/idp<", "https://evil.example.fr/idp<"),
        ),
    )


def test_non_success_status(lea, idp, refused):
    client = browser()
    xml = _pupil_response(idp, client).replace(
        "urn:oasis:names:tc:SAML:2.0:status:Success",
        "urn:oasis:names:tc:SAML:2.0:status:Responder",
    )
    refused(client, post_response(client, xml))


def test_replay_in_the_same_and_in_a_fresh_session(lea, idp, refused):
    client = browser()
    xml = _pupil_response(idp, client)
    assert post_response(client, xml).status_code == 302
    client.logout()
    refused.start()
    refused(client, post_response(client, xml))
    fresh = browser()
    refused(fresh, post_response(fresh, xml))
    # Even while a new login of the fresh browser is pending.
    start_login(fresh)
    refused(fresh, post_response(fresh, xml))


def test_in_response_to_another_request(lea, idp, refused):
    victim, attacker = browser(), browser()
    victim_request = start_login(victim)
    start_login(attacker)
    xml = idp.authn_response(gar_attributes(LEA), in_response_to=victim_request)
    refused(attacker, post_response(attacker, xml))


def test_unsolicited_response_is_refused(lea, idp, refused):
    client = browser()
    xml = idp.authn_response(gar_attributes(LEA), in_response_to=None)
    refused(client, post_response(client, xml))


def test_response_for_idp_a_posted_to_idp_b(lea, idp, refused, saml_keys):
    settings = app_settings(saml_keys)
    settings["idp"] = {
        **settings["idp"],
        "entity_id": "https://ent-b.example.fr/idp",
        "x509cert": saml_keys.stranger.cert_body,
    }
    SocialApp.objects.create(
        provider="saml",
        provider_id="https://ent-b.example.fr/idp",
        client_id="ent-b",
        name="ENT B",
        settings=settings,
    )
    refused.start()
    client = browser()
    request_id = start_login(client, slug="ent-b")
    xml = idp.authn_response(gar_attributes(LEA), in_response_to=request_id)
    refused(client, post_response(client, xml, slug="ent-b"))


def test_sha1_signature(lea, idp, refused):
    client = browser()
    xml = _pupil_response(idp, client, sha1=True)
    assert "rsa-sha1" in xml
    refused(client, post_response(client, xml))


def test_doctype_and_external_entity(lea, idp, refused):
    client = browser()
    xml = _pupil_response(idp, client)
    body = xml.split("?>", 1)[1]
    evil = (
        '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        + body.replace("National_elv", "National_elv&x;")
    )
    refused(client, post_response(client, evil))


def test_unknown_transform_in_the_signature(lea, idp, refused):
    client = browser()
    xml = _pupil_response(idp, client)
    xslt = "http://www.w3.org/TR/1999/REC-xslt-19991116"
    evil = xml.replace(
        '<ns2:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>',
        f'<ns2:Transform Algorithm="{xslt}"/>',
    )
    assert xslt in evil
    refused(client, post_response(client, evil))


def test_no_open_redirect_through_next_or_relay_state(lea, idp):
    client = browser()
    response = client.get(
        "/accounts/saml/ent-test/login/?next=https://evil.example.fr/"
    )
    from tests.lti_sso.idp import request_id_from_redirect

    xml = idp.authn_response(
        gar_attributes(LEA, div=["3e B"]),
        in_response_to=request_id_from_redirect(response["Location"]),
    )
    final = post_response(client, xml, RelayState="https://evil.example.fr/")
    assert final.status_code == 302
    assert "evil" not in final["Location"]
