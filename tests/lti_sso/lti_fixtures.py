"""Fixtures driving the in-process LTI platform against the tool.

Imported by tests/lti_sso/conftest.py. The product modules (lti_sso.models,
lti_sso.lti) are imported inside the fixtures so that the SAML tests of this
folder do not depend on them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs

import pytest
from django.conf import settings as django_settings
from django.test import Client

from classes.demo import COLLEGE_UAI
from classes.models import Enrolment, School, StaffRole, TeachingAssignment, User
from tests.lti_sso.lti_platform import (
    DROP,
    AuthRequest,
    LtiTestPlatform,
    RsaKey,
    auth_request_from,
    login_query,
)

TOOL_ORIGIN = "https://testserver"
LOGIN_PATH = "/lti/login/"
LAUNCH_PATH = "/lti/launch/"
JWKS_PATH = "/lti/jwks/"
LAUNCH_URL = TOOL_ORIGIN + LAUNCH_PATH

LEA_SUB = "moodle-user-lea"
PROF_SUB = "moodle-user-prof"
CONTEXT_3EA = "course-3eA"


@pytest.fixture(scope="session")
def lti_server():
    platform = LtiTestPlatform()
    platform.serve()
    yield platform
    platform.shutdown()


@pytest.fixture(scope="session")
def attacker_server():
    """Another server on loopback, never registered: the tool must never
    send it a request."""
    server = LtiTestPlatform(client_id="attacker")
    server.serve()
    yield server
    server.shutdown()


@pytest.fixture
def attacker(attacker_server) -> LtiTestPlatform:
    attacker_server.reset()
    return attacker_server


@pytest.fixture(scope="session")
def stranger_key() -> RsaKey:
    """A key the platform never published, with the platform's own kid."""
    return RsaKey.generate()


def tool_client() -> Client:
    """A browser inside the LMS's iframe (requests are made with secure=True:
    HTTPS, as SameSite=None needs). CSRF is checked, as for a browser."""
    return Client(enforce_csrf_checks=True)


def csrf_post(client: Client, path: str, data: dict[str, Any] | None = None):
    """POST a form of the tool from inside the iframe: with the CSRF token of
    the cookie set by an earlier page, and the tool's own Origin."""
    cookie = client.cookies.get(django_settings.CSRF_COOKIE_NAME)
    assert cookie is not None, "no CSRF cookie: open a page with a form first"
    assert cookie["samesite"] == "None", cookie.output()
    assert cookie["secure"], cookie.output()
    return client.post(
        path,
        {**(data or {}), "csrfmiddlewaretoken": cookie.value},
        secure=True,
        HTTP_ORIGIN=TOOL_ORIGIN,
    )


@dataclass
class Lti:
    platform: LtiTestPlatform
    registration: Any  # lti_sso.models.LtiPlatform
    school: School

    # -- the OIDC flow, as the platform and the browser run it --------------
    def login(
        self, client: Client, *, method: str = "get", **params: str
    ) -> AuthRequest:
        """Third-party login initiation; return the tool's auth request."""
        query = login_query(self.platform, target_link_uri=LAUNCH_URL, **params)
        if method == "get":
            response = client.get(f"{LOGIN_PATH}?{query}", secure=True)
        else:
            response = client.post(
                LOGIN_PATH,
                query,
                content_type="application/x-www-form-urlencoded",
                secure=True,
            )
        assert response.status_code == 302, response.content[:500]
        auth = auth_request_from(response["Location"], self.platform)
        assert auth.redirect_uri == LAUNCH_URL, auth.params
        sent = {k: v[0] for k, v in parse_qs(query).items()}
        # The hints go back to the platform untouched.
        assert auth.params.get("login_hint") == sent["login_hint"], auth.params
        assert auth.params.get("lti_message_hint") == sent["lti_message_hint"]
        return auth

    def post_launch(self, client: Client, data: dict[str, str]):
        return client.post(LAUNCH_PATH, data, secure=True)

    def launch(
        self,
        client: Client | None = None,
        *,
        sub: str,
        roles: list[str],
        claims: dict[str, Any] | None = None,
        token: Callable[[dict[str, Any]], str] | None = None,
        state: str | None = None,
        extra_form: dict[str, str] | None = None,
        **options: Any,
    ):
        """A full launch: login initiation, id_token for the auth request,
        POST to the launch URL. `claims` overrides (DROP removes), `token`
        signs differently, `state` replaces the echoed state."""
        client = client or tool_client()
        auth = self.login(client)
        body = self.platform.id_token_claims(auth, sub=sub, roles=roles, **options)
        for name, value in (claims or {}).items():
            if value is DROP:
                body.pop(name, None)
            else:
                body[name] = value
        id_token = token(body) if token else self.platform.sign(body)
        data = {"id_token": id_token, "state": auth.state if state is None else state}
        data.update(extra_form or {})
        response = self.post_launch(client, data)
        response.client = client  # type: ignore[attr-defined]
        response.id_token = id_token  # type: ignore[attr-defined]
        response.auth = auth  # type: ignore[attr-defined]
        return response

    def refresh_tool_keys(self) -> None:
        response = Client().get(JWKS_PATH, secure=True)
        assert response.status_code == 200
        self.platform.learn_tool_keys(response.json())


@pytest.fixture
def lti(lti_server, world, settings) -> Lti:
    """The platform registered in the tool for the demo collège."""
    from lti_sso.lti.registration import ensure_tool_key, register_platform

    settings.LTI_ALLOW_INSECURE_PLATFORM_URLS = True
    lti_server.reset()
    school = School.objects.get(uai=COLLEGE_UAI)
    registration = register_platform(
        school=school,
        name="Moodle du collège",
        issuer=lti_server.issuer,
        client_id=lti_server.client_id,
        auth_login_url=lti_server.auth_login_url,
        auth_token_url=lti_server.token_url,
        key_set_url=lti_server.jwks_url,
        deployment_ids=[lti_server.deployment_id],
    )
    ensure_tool_key()
    result = Lti(platform=lti_server, registration=registration, school=school)
    result.refresh_tool_keys()
    return result


@pytest.fixture
def linked(lti, world):
    """Léa and Sophie Bernard known to the platform, and its course "3e A"
    linked to the class 3e A."""
    from lti_sso.models import LtiContext, LtiIdentity

    LtiIdentity.objects.create(
        platform=lti.registration, sub=LEA_SUB, user=world.user("pupil")
    )
    LtiIdentity.objects.create(
        platform=lti.registration, sub=PROF_SUB, user=world.user("teacher")
    )
    return LtiContext.objects.create(
        platform=lti.registration,
        context_id=CONTEXT_3EA,
        title="3e A",
        school_class=world.college_class("3e A"),
    )


def world_state() -> tuple:
    """Everything a refused launch must leave as it was."""
    from lti_sso.models import LtiContext, LtiIdentity, LtiResourceLink

    return (
        User.objects.count(),
        sorted(User.objects.values_list("pk", "first_name", "last_name", "email")),
        sorted(Enrolment.objects.values_list("pupil_id", "school_class_id")),
        sorted(TeachingAssignment.objects.values_list("teacher_id", "school_class_id")),
        sorted(StaffRole.objects.values_list("user_id", "school_id", "role")),
        sorted(LtiIdentity.objects.values_list("platform_id", "sub", "user_id")),
        sorted(LtiContext.objects.values_list("context_id", "school_class_id")),
        sorted(LtiResourceLink.objects.values_list("resource_link_id", "assignment")),
    )


class Refused:
    def __init__(self) -> None:
        self.before: tuple = ()

    def start(self) -> None:
        self.before = world_state()

    def unchanged(self) -> None:
        assert world_state() == self.before

    def check(self, response, client: Client | None = None) -> None:
        """403, nobody logged in, nothing created or changed, and never a
        redirect anywhere."""
        assert response.status_code == 403, (
            response.status_code,
            response.get("Location"),
            response.content[:400],
        )
        client = client or getattr(response, "client", None)
        if client is not None:
            assert "_auth_user_id" not in client.session
        assert world_state() == self.before


@pytest.fixture
def refused_launch(linked) -> Refused:
    checker = Refused()
    checker.start()
    return checker


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.forms.append(
                (values.get("action", ""), values.get("method", "get"), {})
            )
        elif tag in {"input", "textarea", "button"} and self.forms and "name" in values:
            self.forms[-1][2][values["name"]] = values.get("value", "")


def forms_of(html: str) -> list[tuple[str, str, dict[str, str]]]:
    """(action, method, fields) of each form of a page."""
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def deep_link_form(html: str) -> tuple[str, dict[str, str]]:
    """The action and fields of the form carrying the deep-linking JWT."""
    found = [(a, f) for a, m, f in forms_of(html) if "JWT" in f]
    assert len(found) == 1, html[:1500]
    return found[0]


SESSION_COOKIE = django_settings.SESSION_COOKIE_NAME
