"""The identity-provider page of a school: connect an ENT or the GAR by pasting
its metadata (certificate pinned), see what to hand to its operator; bad
metadata gets a message under the field and saves nothing."""

import pytest
from allauth.socialaccount.models import SocialAccount, SocialApp
from django.urls import reverse
from django.utils import translation

from classes.demo import COLLEGE_UAI
from classes.models import School
from lti_sso.adapters import hardened_settings
from lti_sso.metadata import fingerprint, parse_idp_metadata
from tests.lti_sso.conftest import browser, gar_attributes, post_response
from tests.lti_sso.idp import (
    HOST,
    IDP_ENTITY_ID,
    IDP_SSO_URL,
    idp_metadata,
    request_id_from_redirect,
)


@pytest.fixture
def college(world) -> School:
    return School.objects.get(uai=COLLEGE_UAI)


def _post(client, school, data, app=None):
    url = (
        reverse("sso:idp_detail", args=[school.pk, app.pk])
        if app
        else reverse("sso:idp_create", args=[school.pk])
    )
    return client.post(url, data)


def _data(metadata: str, **overrides):
    return {
        "name": "ENT test",
        "metadata": metadata,
        "preset": "gar",
        "allowed_uais": [COLLEGE_UAI],
        **overrides,
    }


def test_the_head_connects_an_ent_and_a_pupil_logs_in_through_it(
    world, college, saml_keys, idp, settings
):
    settings.SAML_SP_PRIVATE_KEY_FILE = str(saml_keys.sp.key_file)
    settings.SAML_SP_CERTIFICATE_FILE = str(saml_keys.sp.cert_file)
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, HOST]
    head = world.client_for("head")
    response = _post(head, college, _data(idp_metadata(saml_keys.idp.cert_body)))
    assert response.status_code == 302
    app = SocialApp.objects.get(provider="saml")
    assert app.provider_id == IDP_ENTITY_ID
    assert app.client_id == "ent-test"
    assert app.settings["idp"]["x509cert"] == saml_keys.idp.cert_body
    assert "metadata_url" not in app.settings["idp"]
    assert app.settings["webclasseur"]["allowed_uais"] == [COLLEGE_UAI]
    page = head.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert fingerprint(saml_keys.idp.cert_body) in html
    assert IDP_SSO_URL in html
    assert "/accounts/saml/ent-test/metadata/" in html
    listing = head.get(reverse("sso:idp_list", args=[college.pk]))
    assert IDP_ENTITY_ID in listing.content.decode()

    # The app works: a pupil logs in through it (SP entity ID = metadata URL).
    client = browser()
    login = client.get("/accounts/saml/ent-test/login/")
    assert login["Location"].startswith(IDP_SSO_URL)
    xml = idp.authn_response(
        gar_attributes("GAR-PAGE-1", div=["4e A"]),
        in_response_to=request_id_from_redirect(login["Location"]),
        audience=f"http://{HOST}/accounts/saml/ent-test/metadata/",
    )
    post_response(client, xml)
    account = SocialAccount.objects.get(provider=IDP_ENTITY_ID, uid="GAR-PAGE-1")
    assert client.session["_auth_user_id"] == str(account.user_id)


def _doctype(cert: str) -> str:
    xml = idp_metadata(cert).replace('<?xml version="1.0"?>', "")
    return '<!DOCTYPE md [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + xml.replace(
        IDP_ENTITY_ID, "&x;"
    )


@pytest.mark.parametrize(
    ("case", "field"),
    [
        ("not_xml", "metadata"),
        ("doctype", "metadata"),
        ("no_certificate", "metadata"),
        ("bad_certificate", "metadata"),
        ("http_sso", "metadata"),
        ("not_metadata", "metadata"),
        ("no_school", "allowed_uais"),
        ("other_school", "allowed_uais"),
        ("empty_name", "name"),
        ("bad_preset", "preset"),
    ],
)
def test_bad_input_is_refused_under_its_field(world, college, saml_keys, case, field):
    cert = saml_keys.idp.cert_body
    data = {
        "not_xml": _data("Bonjour, voici nos métadonnées"),
        "doctype": _data(_doctype(cert)),
        "no_certificate": _data(idp_metadata(None)),
        "bad_certificate": _data(idp_metadata("TUlJQ2Zvbw==")),
        "http_sso": _data(idp_metadata(cert, sso_url="http://ent.example.fr/sso")),
        "not_metadata": _data("<html><body>ENT</body></html>"),
        "no_school": _data(idp_metadata(cert), allowed_uais=[]),
        "other_school": _data(idp_metadata(cert), allowed_uais=["0693902S"]),
        "empty_name": _data(idp_metadata(cert), name=""),
        "bad_preset": _data(idp_metadata(cert), preset="saml-magic"),
    }[case]
    response = _post(world.client_for("head"), college, data)
    assert response.status_code == 422
    assert f'id="id_{field}-errors"'.encode() in response.content
    assert not SocialApp.objects.exists()


def test_a_duplicate_entity_id_is_refused(world, college, saml_app, saml_keys):
    saml_app.settings["webclasseur"] = {"allowed_uais": [COLLEGE_UAI]}
    saml_app.save()
    response = _post(
        world.client_for("head"),
        college,
        _data(idp_metadata(saml_keys.stranger.cert_body), name="Autre"),
    )
    assert response.status_code == 422
    assert b'id="id_metadata-errors"' in response.content
    assert SocialApp.objects.count() == 1


def test_an_entity_id_people_logged_in_with_is_only_the_admins(
    world, college, saml_keys
):
    """Otherwise a manager could pin their own key for an ENT whose accounts
    exist and log in as those people."""
    SocialAccount.objects.create(
        user=world.user("other_school_pupil"), provider=IDP_ENTITY_ID, uid="X"
    )
    data = _data(idp_metadata(saml_keys.stranger.cert_body))
    response = _post(world.client_for("head"), college, data)
    assert response.status_code == 422
    assert b'id="id_metadata-errors"' in response.content
    assert not SocialApp.objects.exists()
    response = _post(world.client_for("platform_admin"), college, data)
    assert response.status_code == 302
    assert SocialApp.objects.get().provider_id == IDP_ENTITY_ID


def test_new_metadata_pins_the_new_certificate(world, college, saml_keys):
    head = world.client_for("head")
    _post(head, college, _data(idp_metadata(saml_keys.idp.cert_body)))
    app = SocialApp.objects.get()
    response = _post(
        head,
        college,
        _data(idp_metadata(saml_keys.stranger.cert_body), preset="gar_without_classes"),
        app=app,
    )
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.settings["idp"]["x509cert"] == saml_keys.stranger.cert_body
    assert app.settings["webclasseur_attributes"] == {"classes": ""}
    assert app.client_id == "ent-test"
    # Bad metadata on edit: nothing changes.
    response = _post(head, college, _data(idp_metadata(None)), app=app)
    assert response.status_code == 422
    app.refresh_from_db()
    assert app.settings["idp"]["x509cert"] == saml_keys.stranger.cert_body


def test_a_provider_shared_with_another_school_is_read_only_for_the_head(
    world, college, saml_keys
):
    world.client_for("platform_admin").post(
        reverse("sso:idp_create", args=[college.pk]),
        _data(
            idp_metadata(saml_keys.idp.cert_body),
            allowed_uais=[COLLEGE_UAI, "0693902S"],
        ),
    )
    app = SocialApp.objects.get()
    head = world.client_for("head")
    url = reverse("sso:idp_detail", args=[college.pk, app.pk])
    page = head.get(url)
    assert page.status_code == 200
    assert b'id="idp-form"' not in page.content
    assert head.post(url, _data(idp_metadata(None))).status_code == 403
    other_head = world.client_for("other_school_head")
    lycee = School.objects.get(uai="0693902S")
    assert (
        other_head.get(reverse("sso:idp_detail", args=[lycee.pk, app.pk])).status_code
        == 200
    )
    # Not a provider of the head's school: 404.
    assert head.get(reverse("sso:idp_detail", args=[lycee.pk, app.pk])).status_code in {
        403,
        404,
    }


def test_the_parser_reports_in_english_and_finds_every_part(saml_keys):
    parsed = parse_idp_metadata(idp_metadata(saml_keys.idp.cert_body))
    assert parsed.entity_id == IDP_ENTITY_ID
    assert parsed.slo_url.endswith("/slo")
    assert parsed.certificates == (saml_keys.idp.cert_body,)
    with translation.override("en"), pytest.raises(Exception, match="DOCTYPE"):
        parse_idp_metadata(_doctype(saml_keys.idp.cert_body))
    with translation.override("en"), pytest.raises(Exception, match="no signing"):
        parse_idp_metadata(idp_metadata(None))


def test_a_metadata_url_in_the_database_is_never_used():
    hardened = hardened_settings(
        {"idp": {"entity_id": "e", "metadata_url": "http://evil.example/md"}}
    )
    assert hardened["idp"] == {"entity_id": "e"}
