"""The in-process IdP, the SocialApp that trusts it, and a browser-like login."""

from dataclasses import dataclass

import pytest
from allauth.socialaccount.models import SocialAccount, SocialApp
from django.test import Client

from tests.lti_sso.idp import (
    HOST,
    IDP_ENTITY_ID,
    IDP_SLO_URL,
    IDP_SSO_URL,
    SLUG,
    SP_ENTITY_ID,
    KeyPair,
    TestIdP,
    encode,
    make_key_pair,
    request_id_from_redirect,
)
from tests.lti_sso.lti_fixtures import (  # noqa: F401 (fixtures of the LTI tests)
    attacker,
    attacker_server,
    linked,
    lti,
    lti_server,
    refused_launch,
    stranger_key,
)


@dataclass(frozen=True)
class Keys:
    idp: KeyPair
    sp: KeyPair
    stranger: KeyPair


@pytest.fixture(scope="session")
def saml_keys(tmp_path_factory) -> Keys:
    folder = tmp_path_factory.mktemp("saml")
    return Keys(
        idp=make_key_pair(folder / "idp", "ent.example.fr"),
        sp=make_key_pair(folder / "sp", "webclasseur.example.fr"),
        stranger=make_key_pair(folder / "stranger", "ent.example.fr"),
    )


@pytest.fixture(scope="session")
def idp(saml_keys, tmp_path_factory) -> TestIdP:
    return TestIdP(saml_keys.idp, saml_keys.sp, tmp_path_factory.mktemp("idp"))


@pytest.fixture(scope="session")
def stranger_idp(saml_keys, tmp_path_factory) -> TestIdP:
    """Same entity ID, another key: what an attacker can sign with."""
    return TestIdP(saml_keys.stranger, saml_keys.sp, tmp_path_factory.mktemp("s"))


def app_settings(keys: Keys) -> dict:
    return {
        "idp": {
            "entity_id": IDP_ENTITY_ID,
            "sso_url": IDP_SSO_URL,
            "slo_url": IDP_SLO_URL,
            "x509cert": keys.idp.cert_body,
        },
        "sp": {"entity_id": SP_ENTITY_ID},
        # Attempts to weaken the app in the database are overridden.
        "advanced": {
            "want_assertion_signed": False,
            "reject_deprecated_algorithm": False,
        },
    }


@pytest.fixture
def saml_app(db, saml_keys, settings) -> SocialApp:
    settings.SAML_SP_PRIVATE_KEY_FILE = str(saml_keys.sp.key_file)
    settings.SAML_SP_CERTIFICATE_FILE = str(saml_keys.sp.cert_file)
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, HOST]
    return SocialApp.objects.create(
        provider="saml",
        provider_id=IDP_ENTITY_ID,
        client_id=SLUG,
        name="ENT de test",
        settings=app_settings(saml_keys),
    )


def browser() -> Client:
    """A test client that sends a Host header, as browsers do (python3-saml
    reads it and wants a dotted domain name)."""
    return Client(HTTP_HOST=HOST)


def start_login(client: Client, slug: str = SLUG) -> str:
    """GET the login URL as the GAR's link does; return the AuthnRequest ID."""
    response = client.get(f"/accounts/saml/{slug}/login/")
    assert response.status_code == 302, response.content[:500]
    assert response["Location"].startswith(IDP_SSO_URL)
    return request_id_from_redirect(response["Location"])


def post_response(client: Client, xml: str | bytes, slug: str = SLUG, **extra):
    """POST a SAML Response to the ACS and follow allauth's hop to finish."""
    data = {"SAMLResponse": encode(xml), **extra}
    response = client.post(f"/accounts/saml/{slug}/acs/", data)
    assert response.status_code == 302
    return client.get(response["Location"])


def gar_attributes(
    ido: str,
    *,
    pro: str = "National_elv",
    uai: str | list[str] = "0693901R",
    first: str = "Léa",
    last: str = "Martin",
    div: list[str] | None = None,
) -> dict[str, list[str]]:
    attributes = {
        "IDO": [ido],
        "PRE": [first],
        "NOM": [last],
        "UAI": [uai] if isinstance(uai, str) else uai,
        "PRO": [pro],
    }
    if div is not None:
        attributes["DIV"] = div
    return attributes


@pytest.fixture
def sso_login(idp, saml_app):
    """Log in through the IdP like a browser: returns (client, final response)."""

    def login(attributes, client: Client | None = None, **options):
        client = client or browser()
        request_id = start_login(client)
        xml = idp.authn_response(attributes, in_response_to=request_id, **options)
        return client, post_response(client, xml)

    return login


def link(user, ido: str) -> SocialAccount:
    """What an earlier SSO login (or the school admin) recorded."""
    return SocialAccount.objects.create(
        user=user, provider=IDP_ENTITY_ID, uid=ido, extra_data={}
    )
