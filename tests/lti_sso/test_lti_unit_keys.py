"""The tool's RSA keys: generated, published with their kid, rotated without
breaking what the previous key signed."""

import jwt
import pytest
from django.core.management import call_command
from jwt import PyJWK

from lti_sso.lti.keys import (
    active_tool_key,
    ensure_tool_key,
    published_jwks,
    retire_inactive_keys,
    rotate_tool_keys,
)
from lti_sso.models import LtiToolKey


def _verify(token: str, jwks: dict) -> dict:
    kid = jwt.get_unverified_header(token)["kid"]
    key = next(k for k in jwks["keys"] if k["kid"] == kid)
    return jwt.decode(token, PyJWK(key).key, algorithms=["RS256"], audience="p")


def _sign(key: LtiToolKey) -> str:
    return jwt.encode(
        {"aud": "p", "sub": "x"},
        key.private_key_pem,
        algorithm="RS256",
        headers={"kid": key.kid},
    )


@pytest.mark.django_db
def test_the_first_key_is_created_once_and_published_without_its_private_part(
    client,
):
    first = ensure_tool_key()
    assert ensure_tool_key().pk == first.pk
    response = client.get("/lti/jwks/")
    assert response.status_code == 200
    keys = response.json()["keys"]
    assert [k["kid"] for k in keys] == [first.kid]
    assert keys[0]["alg"] == "RS256"
    assert keys[0]["use"] == "sig"
    assert keys[0]["kty"] == "RSA"
    assert not {"d", "p", "q", "dp", "dq", "qi"} & set(keys[0])


@pytest.mark.django_db
def test_a_rotation_signs_with_a_new_key_and_keeps_the_previous_one_published():
    old = ensure_tool_key()
    signed_before = _sign(old)
    new = rotate_tool_keys()
    assert new.kid != old.kid
    assert active_tool_key().kid == new.kid
    jwks = published_jwks()
    assert {k["kid"] for k in jwks["keys"]} == {old.kid, new.kid}
    # What the old key signed just before the rotation still verifies.
    assert _verify(signed_before, jwks)["sub"] == "x"
    assert _verify(_sign(new), jwks)["sub"] == "x"


@pytest.mark.django_db
def test_the_key_before_the_previous_one_is_retired_at_the_next_rotation():
    first = ensure_tool_key()
    second = rotate_tool_keys()
    third = rotate_tool_keys()
    kids = {k["kid"] for k in published_jwks()["keys"]}
    assert kids == {second.kid, third.kid}
    first.refresh_from_db()
    assert first.retired_at is not None
    assert not first.active
    assert LtiToolKey.objects.filter(active=True).count() == 1


@pytest.mark.django_db
def test_retiring_stops_publishing_every_inactive_key():
    ensure_tool_key()
    current = rotate_tool_keys()
    assert retire_inactive_keys() == 1
    assert [k["kid"] for k in published_jwks()["keys"]] == [current.kid]


@pytest.mark.django_db
def test_the_management_command_rotates_and_retires(capsys):
    old = ensure_tool_key()
    call_command("lti_rotate_keys")
    new = active_tool_key()
    assert new.kid != old.kid
    assert new.kid in capsys.readouterr().out
    call_command("lti_rotate_keys", "--retire-only")
    assert [k["kid"] for k in published_jwks()["keys"]] == [new.kid]


def test_the_platform_admin_rotates_from_the_keys_page(world):
    admin = world.client_for("platform_admin")
    before = ensure_tool_key()
    page = admin.get("/lti/cles/")
    assert page.status_code == 200
    assert before.kid in page.content.decode()
    response = admin.post("/lti/cles/")
    assert response.status_code == 302
    assert active_tool_key().kid != before.kid
    kids = {k["kid"] for k in published_jwks()["keys"]}
    assert before.kid in kids


def test_nobody_else_rotates_the_keys(world):
    before = ensure_tool_key()
    for alias in ("head", "teacher", "pupil"):
        assert world.client_for(alias).post("/lti/cles/").status_code == 403
    assert active_tool_key().kid == before.kid
