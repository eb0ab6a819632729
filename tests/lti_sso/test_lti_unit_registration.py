"""Registering a platform: the school's managers fill the form; the errors are
shown under the field that caused them, and nothing is saved."""

import json

import pytest
from django.utils.html import escape
from django.utils.translation import gettext

from lti_sso.models import LtiDeployment, LtiPlatform

URL_ERROR = (
    "Give an https:// address (http:// is accepted only for 127.0.0.1 or "
    "localhost, in development)."
)
JWKS = {"keys": [{"kty": "RSA", "kid": "k1", "n": "sXch", "e": "AQAB"}]}


def _data(**changes: str) -> dict[str, str]:
    data = {
        "name": "Moodle du collège",
        "issuer": "https://moodle.example.fr",
        "client_id": "abc123",
        "deployment_ids": "1\n2",
        "auth_login_url": "https://moodle.example.fr/mod/lti/auth.php",
        "auth_token_url": "https://moodle.example.fr/mod/lti/token.php",
        "key_set_url": "https://moodle.example.fr/mod/lti/certs.php",
        "key_set": "",
    }
    data.update(changes)
    return data


def _create_url(world) -> str:
    return f"/etablissement/{world.college_class('3e A').school_id}/lti/nouveau/"


def _field_error(html: str, field: str, message: str) -> bool:
    """The message is in the error block of that field (DSFR markup)."""
    start = html.find(f'id="id_{field}-errors"')
    return start != -1 and escape(gettext(message)) in html[start : start + 600]


def test_the_head_registers_a_platform_and_sees_the_tool_configuration(world):
    head = world.client_for("head")
    response = head.post(_create_url(world), _data())
    assert response.status_code == 302
    platform = LtiPlatform.objects.get(client_id="abc123")
    assert platform.school == world.college_class("3e A").school
    assert sorted(platform.deployments.values_list("deployment_id", flat=True)) == [
        "1",
        "2",
    ]
    page = head.get(response["Location"]).content.decode()
    for path in ("/lti/login/", "/lti/launch/", "/lti/jwks/"):
        assert f"http://testserver{path}" in page


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("issuer", "http://moodle.example.fr"),
        ("auth_login_url", "http://moodle.example.fr/mod/lti/auth.php"),
        ("auth_token_url", "ftp://moodle.example.fr/token"),
        ("key_set_url", "http://10.0.0.5/certs.php"),
        ("auth_login_url", "https://user:pw@moodle.example.fr/auth.php"),
    ],
)
def test_an_address_that_is_not_https_is_refused_under_its_field(world, field, value):
    response = world.client_for("head").post(
        _create_url(world), _data(**{field: value})
    )
    assert response.status_code == 422
    assert _field_error(response.content.decode(), field, URL_ERROR)
    assert not LtiPlatform.objects.filter(client_id="abc123").exists()


def test_loopback_http_needs_debug_or_the_setting(world, settings):
    loopback = {
        "issuer": "http://127.0.0.1:8001",
        "auth_login_url": "http://127.0.0.1:8001/auth",
        "auth_token_url": "http://localhost:8001/token",
        "key_set_url": "http://127.0.0.1:8001/jwks",
    }
    head = world.client_for("head")
    settings.LTI_ALLOW_INSECURE_PLATFORM_URLS = False
    settings.DEBUG = False
    assert head.post(_create_url(world), _data(**loopback)).status_code == 422
    settings.LTI_ALLOW_INSECURE_PLATFORM_URLS = True
    assert head.post(_create_url(world), _data(**loopback)).status_code == 302


def test_the_same_issuer_and_client_are_registered_once(world):
    head = world.client_for("head")
    assert head.post(_create_url(world), _data()).status_code == 302
    response = head.post(_create_url(world), _data(name="Encore"))
    assert response.status_code == 422
    assert _field_error(
        response.content.decode(),
        "client_id",
        "This platform (same issuer and client ID) is already registered. Each "
        "school gets its own client ID from the platform.",
    )
    assert LtiPlatform.objects.filter(client_id="abc123").count() == 1


def test_keys_come_from_a_url_or_a_pasted_jwks(world):
    head = world.client_for("head")
    response = head.post(_create_url(world), _data(key_set_url=""))
    assert response.status_code == 422
    assert _field_error(
        response.content.decode(),
        "key_set_url",
        "Give the platform's public keyset URL, or paste its keys below.",
    )
    bad = head.post(_create_url(world), _data(key_set_url="", key_set="{nope"))
    assert bad.status_code == 422
    assert 'id="id_key_set-errors"' in bad.content.decode()
    good = head.post(
        _create_url(world), _data(key_set_url="", key_set=json.dumps(JWKS))
    )
    assert good.status_code == 302
    assert json.loads(LtiPlatform.objects.get().key_set) == JWKS


def test_a_deployment_id_is_required(world):
    response = world.client_for("head").post(
        _create_url(world), _data(deployment_ids=" \n , ")
    )
    assert response.status_code == 422
    assert _field_error(
        response.content.decode(),
        "deployment_ids",
        "Give at least one deployment ID (one per line).",
    )
    assert not LtiDeployment.objects.exists()


def test_editing_replaces_the_deployments(world):
    head = world.client_for("head")
    response = head.post(_create_url(world), _data())
    detail = response["Location"]
    assert head.post(detail, _data(deployment_ids="2\n3")).status_code == 302
    platform = LtiPlatform.objects.get()
    assert sorted(platform.deployments.values_list("deployment_id", flat=True)) == [
        "2",
        "3",
    ]


def test_another_schools_head_cannot_see_the_platform(world):
    head = world.client_for("head")
    detail = head.post(_create_url(world), _data())["Location"]
    assert world.client_for("other_school_head").get(detail).status_code == 404
    assert world.client_for("cpe").get(detail).status_code == 403


def test_a_missing_field_does_not_hide_the_other_errors(world):
    """One round of corrections: the empty client ID, the ftp:// address and
    the missing keys are all shown at once, each under its field."""
    response = world.client_for("head").post(
        _create_url(world),
        _data(
            client_id="", auth_login_url="ftp://moodle.example.fr/auth", key_set_url=""
        ),
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert _field_error(
        html, "client_id", "Give the client ID the platform gave the tool."
    )
    assert _field_error(html, "auth_login_url", URL_ERROR)
    assert _field_error(
        html,
        "key_set_url",
        "Give the platform's public keyset URL, or paste its keys below.",
    )
    assert not LtiPlatform.objects.filter(name="Moodle du collège").exists()
