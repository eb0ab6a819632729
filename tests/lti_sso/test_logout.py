"""IdP-initiated single logout through allauth's /sls/: a LogoutRequest signed
by the pinned IdP key ends the session; an unsigned or foreign-signed one does
not."""

from urllib.parse import urlparse

from tests.lti_sso.conftest import gar_attributes, link
from tests.lti_sso.idp import HOST, IDP_SLO_URL, SLUG

SLS_URL = f"http://{HOST}/accounts/saml/{SLUG}/sls/"


def _get(client, url: str):
    parts = urlparse(url)
    return client.get(f"{parts.path}?{parts.query}")


def test_a_signed_logout_request_from_the_idp_ends_the_session(world, sso_login, idp):
    link(world.user("pupil"), "GAR-ELV-1")
    client, _response = sso_login(gar_attributes("GAR-ELV-1", div=["3e A"]))
    assert "_auth_user_id" in client.session
    response = _get(client, idp.logout_request_url(destination=SLS_URL))
    assert response.status_code == 302
    # The LogoutResponse goes back to the IdP's SLO endpoint.
    assert response["Location"].startswith(IDP_SLO_URL)
    assert "SAMLResponse=" in response["Location"]
    assert "_auth_user_id" not in client.session
    assert client.get("/parcours/").status_code == 302


def test_an_unsigned_logout_request_leaves_the_session(world, sso_login, idp):
    link(world.user("pupil"), "GAR-ELV-1")
    client, _response = sso_login(gar_attributes("GAR-ELV-1", div=["3e A"]))
    response = _get(client, idp.logout_request_url(destination=SLS_URL, sign=False))
    assert response.status_code == 400
    assert b"not signed" in response.content
    assert "_auth_user_id" in client.session


def test_a_logout_request_signed_by_another_key_leaves_the_session(
    world, sso_login, stranger_idp
):
    link(world.user("pupil"), "GAR-ELV-1")
    client, _response = sso_login(gar_attributes("GAR-ELV-1", div=["3e A"]))
    response = _get(client, stranger_idp.logout_request_url(destination=SLS_URL))
    assert response.status_code == 400
    assert "_auth_user_id" in client.session


def test_a_logout_request_for_another_sp_address_leaves_the_session(
    world, sso_login, idp
):
    link(world.user("pupil"), "GAR-ELV-1")
    client, _response = sso_login(gar_attributes("GAR-ELV-1", div=["3e A"]))
    url = idp.logout_request_url(destination="https://elsewhere.example.fr/sls/")
    response = client.get(f"/accounts/saml/{SLUG}/sls/?{urlparse(url).query}")
    assert response.status_code == 400
    assert "_auth_user_id" in client.session
