"""Single sign-on in Chromium: the head connects the test ENT by pasting its
metadata, then a pupil follows the ENT's link and lands in her space logged in.

The in-process IdP (pysaml2, signing with xmlsec1) is served on a random
loopback port by a tiny WSGI app: it reads the AuthnRequest (HTTP-Redirect
binding), signs a response for the demo pupil and answers an auto-posting form
to the webclasseur's ACS, as an ENT does.
"""

import html
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from allauth.socialaccount.models import SocialAccount, SocialApp
from playwright.sync_api import expect

from classes.demo import COLLEGE_UAI, DEMO_DOMAIN
from classes.models import School, User
from tests.e2e.conftest import log_in, screenshot
from tests.lti_sso.idp import (
    IDP_ENTITY_ID,
    KeyPair,
    TestIdP,
    encode,
    idp_metadata,
    make_key_pair,
    request_id_from_redirect,
)

pytestmark = pytest.mark.e2e

IDO = "GAR-ELV-LEA"


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@dataclass
class ServedIdP:
    idp: TestIdP
    keys: KeyPair
    sso_url: str
    acs_url: str = ""
    audience: str = ""
    attributes: dict[str, list[str]] | None = None


@pytest.fixture
def served_idp(tmp_path) -> Iterator[ServedIdP]:
    keys = make_key_pair(tmp_path / "idp", "ent.example.fr")
    sp = make_key_pair(tmp_path / "sp", "webclasseur.example.fr")
    served = ServedIdP(TestIdP(keys, sp, tmp_path / "work"), keys, "")
    served.sp_keys = sp  # type: ignore[attr-defined]

    def app(environ, start_response):
        query = environ.get("QUERY_STRING", "")
        request_id = request_id_from_redirect(f"/?{query}")
        xml = served.idp.authn_response(
            served.attributes or {},
            in_response_to=request_id,
            destination=served.acs_url,
            audience=served.audience,
        )
        body = (
            "<!doctype html><html><body onload='document.forms[0].submit()'>"
            f"<form method='post' action='{html.escape(served.acs_url)}'>"
            f"<input type='hidden' name='SAMLResponse' value='{encode(xml)}'>"
            "<noscript><button>Continuer</button></noscript></form></body></html>"
        )
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [body.encode()]

    server = make_server("127.0.0.1", 0, app, WSGIServer, _QuietHandler)
    # Metadata must name an https endpoint: TLS with the IdP's own certificate
    # (the browser context ignores that it is self-signed).
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(keys.cert_file, keys.key_file)
    server.socket = tls.wrap_socket(server.socket, server_side=True)
    served.sso_url = f"https://127.0.0.1:{server.server_port}/idp/sso"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield served
    server.shutdown()
    server.server_close()


def test_the_head_connects_the_ent_and_a_pupil_arrives_logged_in(
    browser, live_server, demo_world, served_idp, settings
):
    settings.SAML_SP_PRIVATE_KEY_FILE = str(served_idp.sp_keys.key_file)  # type: ignore[attr-defined]
    settings.SAML_SP_CERTIFICATE_FILE = str(served_idp.sp_keys.cert_file)  # type: ignore[attr-defined]
    base = live_server.url.replace("localhost", "127.0.0.1")
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "127.0.0.1"]
    college = School.objects.get(uai=COLLEGE_UAI)

    # 1. The head pastes the ENT's metadata (first without its certificate).
    context = browser.new_context(base_url=base, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, "principal")
    page.goto(f"/etablissement/{college.pk}/sso/nouveau/")
    page.locator("#id_name").fill("ENT Auvergne-Rhône-Alpes")
    page.locator("#id_metadata").fill(idp_metadata(None, sso_url=served_idp.sso_url))
    page.locator("#idp-form button[type=submit]").click()
    expect(page.locator("#id_metadata-errors")).to_be_visible()
    assert not SocialApp.objects.exists()
    screenshot(page, "sso-metadata-error")
    page.locator("#id_metadata").fill(
        idp_metadata(served_idp.keys.cert_body, sso_url=served_idp.sso_url)
    )
    page.locator("#idp-form button[type=submit]").click()
    app = SocialApp.objects.get()
    expect(page.locator(f"#idp-{app.pk}-entity-id")).to_have_text(IDP_ENTITY_ID)
    screenshot(page, "sso-provider")
    context.close()

    # The IdP uses the SP entity ID the page tells the operator to use.
    served_idp.audience = f"{base}/accounts/saml/{app.client_id}/metadata/"
    served_idp.acs_url = f"{base}/accounts/saml/{app.client_id}/acs/"
    lea = User.objects.get(email=f"eleve@{DEMO_DOMAIN}")
    SocialAccount.objects.create(user=lea, provider=IDP_ENTITY_ID, uid=IDO)
    served_idp.attributes = {
        "IDO": [IDO],
        "PRE": ["Léa"],
        "NOM": ["Martin"],
        "UAI": [COLLEGE_UAI],
        "PRO": ["National_elv"],
        "DIV": ["3e A"],
    }

    # 2. Léa follows the ENT's link: a GET on the login URL, no click.
    context = browser.new_context(
        base_url=base,
        locale="fr-FR",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        ignore_https_errors=True,
    )
    phone = context.new_page()
    phone.set_default_timeout(15_000)
    phone.goto(f"/accounts/saml/{app.client_id}/login/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Mon parcours")
    assert phone.url.startswith(f"{base}/parcours/")
    screenshot(phone, "sso-pupil-landed")
    context.close()
