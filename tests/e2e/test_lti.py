"""LTI 1.3 in Chromium: the webclasseur launched inside a platform's iframe.

The in-process platform (tests/lti_sso/lti_platform.py) is served on
http://127.0.0.1:<port>, with three more pages added here, as a Moodle course
serves them:

- /course?as=<person>: the course page, with an iframe; a form targeting it
  POSTs the third-party login initiation to the tool (submitted by
  /platform.js, a static file of the platform);
- /auth: the OIDC authorization endpoint, answering the tool's
  authentication request with an auto-posting form that carries the signed
  id_token to the tool's launch URL (the redirect_uri), as a platform does;
- /embed?path=…: a page framing a tool page without any launch.

The tool is a live server of its own, on https://localhost:<port> — another
site than 127.0.0.1, so its cookies inside the iframe are third-party cookies.
It is served over TLS (a self-signed certificate the browser context accepts)
because pylti1p3 marks its state cookie `SameSite=None; Secure` only when the
request is secure: over plain http that cookie is SameSite=Lax by default, and
Chromium would neither store it from the cross-site iframe nor send it with
the launch POST. Chromium runs with a profile allowing third-party cookies
(see `lms_browser`).
"""

from __future__ import annotations

import html
import json
import re
import shutil
import ssl
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIServer
from django.db import connections
from django.test import Client
from django.test.testcases import LiveServerThread, QuietWSGIRequestHandler
from django.urls import reverse
from playwright.sync_api import BrowserContext, ConsoleMessage, Frame, Page, expect

from classes.demo import COLLEGE_UAI
from classes.models import Class, School, User
from portfolio.models import Entry
from tests.e2e.conftest import CHROMIUM_ARGS, screenshot
from tests.lti_sso.idp import make_key_pair
from tests.lti_sso.lti_platform import (
    INSTRUCTOR,
    LEARNER,
    LtiTestPlatform,
    auth_request_from,
)

pytestmark = pytest.mark.e2e

LEA_SUB = "moodle-user-lea"
PROF_SUB = "moodle-user-prof"
CONTEXT_3EA = "course-3eA"

# What the platform's pages run: submit the forms marked for it (the login
# initiation into the iframe, the id_token to the tool's launch URL).
PLATFORM_JS = (
    "document.querySelectorAll('form[data-autopost]')"
    ".forEach(function (form) { form.submit(); });\n"
)


# --- The tool on https://localhost ------------------------------------------


class _HttpsRequestHandler(QuietWSGIRequestHandler):
    def get_environ(self) -> dict[str, Any]:
        environ = super().get_environ()
        environ["HTTPS"] = "on"  # wsgi.url_scheme = https: request.is_secure()
        return environ


class _TlsServer(ThreadedWSGIServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ssl.SSLError):
            return  # Chromium's probes of the self-signed certificate
        super().handle_error(request, client_address)


class _TlsLiveServerThread(LiveServerThread):
    server_class = _TlsServer

    def __init__(self, *args: Any, tls: ssl.SSLContext, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tls = tls

    def _create_server(self, connections_override: Any = None) -> WSGIServer:
        server = self.server_class(
            (self.host, self.port),
            _HttpsRequestHandler,
            allow_reuse_address=False,
            connections_override=connections_override,
        )
        # The handshake happens in the request's thread, on first read.
        server.socket = self.tls.wrap_socket(
            server.socket, server_side=True, do_handshake_on_connect=False
        )
        return server


@dataclass
class Tool:
    url: str  # https://localhost:<port>


@pytest.fixture
def https_tool(transactional_db, tmp_path) -> Iterator[Tool]:
    """A live server of the webclasseur on https://localhost:<free port>."""
    keys = make_key_pair(tmp_path / "tls", "localhost")
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(keys.cert_file, keys.key_file)
    shared = {
        conn.alias: conn
        for conn in connections.all()
        if conn.vendor == "sqlite" and conn.is_in_memory_db()
    }
    thread = _TlsLiveServerThread(
        "localhost", StaticFilesHandler, connections_override=shared, tls=tls
    )
    thread.daemon = True
    for conn in shared.values():
        conn.inc_thread_sharing()
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    try:
        yield Tool(f"https://localhost:{thread.port}")
    finally:
        thread.terminate()
        for conn in shared.values():
            conn.dec_thread_sharing()


# --- The platform's course page -------------------------------------------------


@dataclass
class Person:
    sub: str
    roles: list[str]
    given_name: str
    family_name: str


@dataclass
class CoursePlatform:
    """The in-process platform with a course page, its auth endpoint
    answering browsers, and an embedding page."""

    platform: LtiTestPlatform
    tool_url: str = ""
    people: dict[str, Person] = field(default_factory=dict)
    # login_hint -> person, as issued by the course page.
    hints: dict[str, Person] = field(default_factory=dict)
    auth_refusals: list[str] = field(default_factory=list)
    id_tokens_sent: list[dict[str, Any]] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return self.platform.base_url

    def serve(self) -> None:
        self.platform.serve()
        server = self.platform._server
        assert server is not None
        course = self

        class CourseHandler(server.RequestHandlerClass):  # type: ignore[name-defined]
            def _page(self, status: int, body: str, content_type: str) -> None:
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path == "/platform.js":
                    self._page(200, PLATFORM_JS, "text/javascript; charset=utf-8")
                elif url.path == "/course":
                    self._page(200, course.course_page(query.get("as", "")), HTML)
                elif url.path == "/auth":
                    status, body = course.authorize(self.path)
                    self._page(status, body, HTML)
                elif url.path == "/embed":
                    self._page(200, course.embed_page(query.get("path", "/")), HTML)
                else:
                    super().do_GET()

        server.RequestHandlerClass = CourseHandler

    def course_page(self, alias: str) -> str:
        person = self.people.get(alias)
        if person is None:
            return _document("Inconnu", "<p>Personne inconnue.</p>")
        hint = f"hint-{alias}-{len(self.hints)}"
        self.hints[hint] = person
        fields = {
            "iss": self.platform.issuer,
            "login_hint": hint,
            "target_link_uri": self.tool_url + "/lti/launch/",
            "lti_message_hint": "resource-1",
            "client_id": self.platform.client_id,
            "lti_deployment_id": self.platform.deployment_id,
        }
        body = (
            f"<h1>Cours 3e A — {html.escape(person.given_name)}</h1>"
            + _form(self.tool_url + "/lti/login/", fields, target="tool")
            + '<iframe name="tool" id="tool" title="Webclasseur" '
            'width="1100" height="900"></iframe>'
        )
        return _document("Moodle de test — 3e A", body)

    def embed_page(self, path: str) -> str:
        body = (
            "<h1>Une page qui encadre le Webclasseur</h1>"
            f'<iframe name="tool" id="tool" title="Webclasseur" '
            f'src="{html.escape(self.tool_url + path)}" width="1100" height="700">'
            "</iframe>"
        )
        return _document("Autre site", body)

    def authorize(self, path: str) -> tuple[int, str]:
        """The OIDC authentication request of the tool, from the iframe."""
        try:
            auth = auth_request_from(self.base_url + path, self.platform)
            assert auth.redirect_uri == self.tool_url + "/lti/launch/", auth.params
            person = self.hints.pop(auth.params.get("login_hint", ""))
        except (AssertionError, KeyError) as error:
            self.auth_refusals.append(repr(error))
            return 400, _document("Refus", "<p>Demande refusée.</p>")
        claims = self.platform.id_token_claims(
            auth,
            sub=person.sub,
            roles=person.roles,
            given_name=person.given_name,
            family_name=person.family_name,
            nrps=False,
        )
        self.id_tokens_sent.append(claims)
        fields = {"id_token": self.platform.sign(claims), "state": auth.state}
        return 200, _document(
            "Connexion", _form(auth.redirect_uri, fields, target="_self")
        )

    def shutdown(self) -> None:
        self.platform.shutdown()


HTML = "text/html; charset=utf-8"


def _document(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="fr"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title>"
        '<script src="/platform.js" defer></script></head>'
        f"<body>{body}</body></html>"
    )


def _form(action: str, fields: dict[str, str], *, target: str) -> str:
    inputs = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
        for k, v in fields.items()
    )
    return (
        f'<form method="post" action="{html.escape(action)}" '
        f'target="{target}" data-autopost>{inputs}'
        "<noscript><button>Continuer</button></noscript></form>"
    )


@pytest.fixture
def moodle(https_tool) -> Iterator[CoursePlatform]:
    platform = CoursePlatform(LtiTestPlatform(), tool_url=https_tool.url)
    platform.serve()
    try:
        yield platform
    finally:
        platform.shutdown()


@pytest.fixture
def elsewhere(https_tool) -> Iterator[CoursePlatform]:
    """Another origin on loopback (another port), never registered."""
    other = CoursePlatform(LtiTestPlatform(client_id="elsewhere"))
    other.tool_url = https_tool.url
    other.serve()
    try:
        yield other
    finally:
        other.shutdown()


@pytest.fixture
def registered(moodle, demo_world, settings):
    """The platform registered for the demo collège; Léa and Sophie Bernard
    known to it; its course "3e A" linked to the class 3e A."""
    from lti_sso.lti.registration import ensure_tool_key, register_platform
    from lti_sso.models import LtiContext, LtiIdentity

    settings.LTI_ALLOW_INSECURE_PLATFORM_URLS = True  # the platform is on http
    platform = moodle.platform
    college = School.objects.get(uai=COLLEGE_UAI)
    registration = register_platform(
        school=college,
        name="Moodle du collège",
        issuer=platform.issuer,
        client_id=platform.client_id,
        auth_login_url=platform.auth_login_url,
        auth_token_url=platform.token_url,
        key_set_url=platform.jwks_url,
        deployment_ids=[platform.deployment_id],
    )
    ensure_tool_key()
    platform.learn_tool_keys(Client().get("/lti/jwks/", secure=True).json())
    lea = User.objects.get(username="eleve")
    prof = User.objects.get(username="prof")
    LtiIdentity.objects.create(platform=registration, sub=LEA_SUB, user=lea)
    LtiIdentity.objects.create(platform=registration, sub=PROF_SUB, user=prof)
    class_3e_a = Class.objects.get(school=college, name="3e A")
    LtiContext.objects.create(
        platform=registration,
        context_id=CONTEXT_3EA,
        title="3e A",
        school_class=class_3e_a,
    )
    moodle.people = {
        "lea": Person(LEA_SUB, [LEARNER], lea.first_name, lea.last_name),
        "prof": Person(PROF_SUB, [INSTRUCTOR], prof.first_name, prof.last_name),
    }
    return class_3e_a


# --- The browser ------------------------------------------------------------


@dataclass
class Watched:
    page: Page
    console: list[ConsoleMessage] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # (url, status, Content-Security-Policy, X-Frame-Options) of each answer
    # of the tool.
    tool_answers: list[tuple[str, int, str, str]] = field(default_factory=list)

    def framing_complaints(self) -> list[str]:
        words = re.compile(
            r"frame-ancestors|X-Frame-Options|Content Security Policy|Refused",
            re.IGNORECASE,
        )
        return [m.text for m in self.console if words.search(m.text)]


def _watched_page(context: BrowserContext, tool_url: str) -> Watched:
    page = context.new_page()
    page.set_default_timeout(15_000)
    watched = Watched(page)
    page.on("console", lambda message: watched.console.append(message))
    page.on("pageerror", lambda error: watched.errors.append(str(error)))

    def answer(response: Any) -> None:
        if response.url.startswith(tool_url):
            headers = response.headers
            watched.tool_answers.append(
                (
                    response.url,
                    response.status,
                    headers.get("content-security-policy", ""),
                    headers.get("x-frame-options", ""),
                )
            )

    page.on("response", answer)
    return watched


def _settled(frame: Frame) -> None:
    """The framed page loaded, its fonts too (a screenshot taken earlier may
    show the iframe blank)."""
    frame.wait_for_load_state("load")
    frame.evaluate("document.fonts.ready.then(() => true)")
    frame.page.wait_for_timeout(200)


@pytest.fixture
def lms_browser(
    browser, https_tool, tmp_path
) -> Iterator[Callable[[], BrowserContext]]:
    """Chromium with a profile of its own that accepts third-party cookies
    (Chrome's setting "Allow third-party cookies", `cookie_controls_mode` 0).
    Debian's Chromium 156 blocks them otherwise: in Playwright's contexts
    (incognito-like) and in a fresh persistent profile alike, and neither
    --disable-features=ThirdPartyCookieBlocking,TrackingProtection3pcd nor
    CDP's Network.setCookieControls lifts that. Safari, and Chrome users who
    block third-party cookies, cannot use the tool inside an iframe at all
    (docs/lti.md: "New window" then). Closed before the tool stops
    (https_tool); the tool's self-signed certificate is accepted in this
    profile only."""
    opened: list[BrowserContext] = []

    def open_context() -> BrowserContext:
        profile = tmp_path / f"profile-{len(opened)}"
        (profile / "Default").mkdir(parents=True)
        (profile / "Default" / "Preferences").write_text(
            json.dumps({"profile": {"cookie_controls_mode": 0}})
        )
        context = browser.browser_type.launch_persistent_context(
            str(profile),
            executable_path=shutil.which("chromium"),
            headless=True,
            args=CHROMIUM_ARGS,
            locale="fr-FR",
            ignore_https_errors=True,
            viewport={"width": 1200, "height": 1000},
        )
        opened.append(context)
        return context

    yield open_context
    for context in opened:
        context.close()


def test_a_pupil_opens_the_webclasseur_inside_the_course_iframe(
    lms_browser, moodle, registered, https_tool, elsewhere
):
    context = lms_browser()
    watched = _watched_page(context, https_tool.url)
    page = watched.page

    page.goto(f"{moodle.base_url}/course?as=lea")
    tool = page.frame_locator("#tool")
    expect(tool.get_by_role("heading", level=1)).to_have_text("Mon parcours")
    expect(tool.locator("body")).to_contain_text("Léa")
    assert moodle.auth_refusals == []
    assert len(moodle.id_tokens_sent) == 1
    frame = page.frame(name="tool")
    assert frame is not None
    assert frame.url == f"{https_tool.url}/parcours/"
    # The page stays the platform's; only the iframe is the tool.
    assert page.url == f"{moodle.base_url}/course?as=lea"

    # The session and state cookies crossed sites as SameSite=None; Secure.
    cookies = {c["name"]: c for c in context.cookies(https_tool.url)}
    session = cookies["sessionid"]
    assert (session["sameSite"], session["secure"]) == ("None", True), session

    # The pupil's space was framed under the platform's origin only.
    framed = [a for a in watched.tool_answers if a[0].endswith("/parcours/")]
    assert framed, watched.tool_answers
    _url, status, csp, xfo = framed[-1]
    assert status == 200
    assert f"frame-ancestors {moodle.base_url}" in csp, csp
    assert xfo == ""
    assert watched.framing_complaints() == []
    assert watched.errors == []
    _settled(frame)
    screenshot(page, "lti-pupil-in-course-iframe")

    # A link inside the iframe stays inside it, still logged in.
    tool.get_by_role("link", name="Noter une découverte").first.click()
    expect(tool.get_by_role("heading", level=1)).to_have_text("Noter une découverte")
    assert page.url == f"{moodle.base_url}/course?as=lea"
    assert watched.framing_complaints() == []
    _settled(frame)
    screenshot(page, "lti-pupil-in-course-iframe-form")

    # A form posted from inside the iframe: the CSRF cookie (SameSite=None;
    # Secure) and the tool's own Origin pass the CSRF check.
    tool.get_by_label("Type").select_option("company_visit")
    tool.get_by_label("Titre").fill("Visite de la menuiserie Durand")
    tool.get_by_label("Date", exact=True).fill("2026-11-20")
    tool.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(tool.get_by_role("heading", level=1)).to_have_text(
        "Visite de la menuiserie Durand"
    )
    assert Entry.objects.filter(
        owner__username="eleve", title="Visite de la menuiserie Durand"
    ).exists()
    csrf = {c["name"]: c for c in context.cookies(https_tool.url)}["csrftoken"]
    assert (csrf["sameSite"], csrf["secure"]) == ("None", True), csrf
    assert watched.framing_complaints() == []
    _settled(frame)
    screenshot(page, "lti-pupil-in-course-iframe-saved")

    # The same page of the tool, framed by an unregistered origin (another
    # loopback port), in the same browser (the LTI session cookie is sent):
    # frame-ancestors names the platform only, Chromium does not render it.
    assert elsewhere.base_url != moodle.base_url
    watched.console.clear()
    watched.tool_answers.clear()
    page.goto(f"{elsewhere.base_url}/embed?path=/parcours/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Une page qui encadre le Webclasseur"
    )
    page.wait_for_load_state("load")
    answered = [a for a in watched.tool_answers if a[0].endswith("/parcours/")]
    assert answered, watched.tool_answers
    _url, status, csp, _xfo = answered[-1]
    # Served (the session is valid) but with frame-ancestors of the platform.
    assert status == 200
    assert f"frame-ancestors {moodle.base_url}" in csp, csp
    assert elsewhere.base_url not in csp
    blocked = page.frame(name="tool")
    assert blocked is not None
    expect(page.frame_locator("#tool").get_by_text("Mon parcours")).to_have_count(0)
    assert "Mon parcours" not in blocked.content()
    complaints = watched.framing_complaints()
    assert any("frame-ancestors" in text for text in complaints), [
        m.text for m in watched.console
    ]
    screenshot(page, "lti-tool-refused-in-unregistered-frame")


def test_a_teacher_lands_on_the_class_page_inside_the_course_iframe(
    lms_browser, moodle, registered, https_tool
):
    context = lms_browser()
    watched = _watched_page(context, https_tool.url)
    page = watched.page
    page.goto(f"{moodle.base_url}/course?as=prof")
    tool = page.frame_locator("#tool")
    expect(tool.get_by_role("heading", level=1)).to_contain_text("3e A")
    frame = page.frame(name="tool")
    assert frame is not None
    assert frame.url == https_tool.url + reverse(
        "classes:class_detail", args=[registered.pk]
    ), frame.url
    assert moodle.auth_refusals == []
    assert watched.framing_complaints() == []
    assert watched.errors == []
    _settled(frame)
    screenshot(page, "lti-teacher-in-course-iframe")


def test_without_a_launch_the_tool_refuses_any_frame(
    lms_browser, moodle, registered, https_tool
):
    """A visitor who never launched: even the registered platform cannot
    frame the login page (frame-ancestors 'none')."""
    context = lms_browser()
    watched = _watched_page(context, https_tool.url)
    page = watched.page
    page.goto(f"{moodle.base_url}/embed?path=/accounts/login/")
    page.wait_for_load_state("load")
    answered = [a for a in watched.tool_answers if "/accounts/login/" in a[0]]
    assert answered, watched.tool_answers
    assert "frame-ancestors 'none'" in answered[-1][2]
    assert answered[-1][3] == "DENY"
    expect(page.frame_locator("#tool").get_by_label("Mot de passe")).to_have_count(0)
    assert any("frame-ancestors" in t for t in watched.framing_complaints()), [
        m.text for m in watched.console
    ]
