"""A real LTI 1.3 platform (an LMS such as Moodle) for the tests, in-process.

It holds its own RSA key, generated for the test run, and serves on loopback
(a threaded http.server on 127.0.0.1:<free port>) what a platform serves to a
tool:

- /jwks: its public keys, which the tool fetches to verify the id_tokens;
- /auth: the OIDC authorization endpoint (never fetched: the harness reads the
  tool's redirect to it, as a browser would, and answers in `authorize`);
- /token: the OAuth2 token endpoint (client_credentials with a JWT client
  assertion, verified against the tool's public keys);
- /nrps/<context_id>: Names and Role Provisioning memberships, paged through
  `Link: <…>; rel="next"`, for a valid bearer token only;
- /deep-link-return: receives the tool's LtiDeepLinkingResponse (a form POST
  with a JWT), verifies it and records the content items.

The tool's public keys come from the tool itself (GET /lti/jwks/ through the
Django test client, see `learn_tool_keys`): the server thread never touches the
test database.

The `lti1p3platform` package (PyPI) was looked at and not used: it turns off the
audience check on the tool's JWTs (`verify_aud: False`), needs a framework
adapter per request type, and the attack tests need hand-made tokens anyway.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
DL_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
DL_CONTENT_ITEMS = "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"
DL_DATA = "https://purl.imsglobal.org/spec/lti-dl/claim/data"
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
NRPS_MEDIA_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
INSTITUTION = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#"
SYSTEM = "http://purl.imsglobal.org/vocab/lis/v2/system/person#"
LEARNER = MEMBERSHIP + "Learner"
INSTRUCTOR = MEMBERSHIP + "Instructor"
MENTOR = MEMBERSHIP + "Mentor"
STAFF = INSTITUTION + "Staff"
ADMINISTRATOR = INSTITUTION + "Administrator"
# A role that maps to nothing in a school.
GUEST = INSTITUTION + "Guest"

# Claims the harness removes with `claims={"name": DROP}`.
DROP = object()


@dataclass
class RsaKey:
    kid: str
    private: rsa.RSAPrivateKey

    @classmethod
    def generate(cls, kid: str | None = None) -> RsaKey:
        return cls(
            kid or uuid.uuid4().hex,
            rsa.generate_private_key(public_exponent=65537, key_size=2048),
        )

    @property
    def private_pem(self) -> bytes:
        return self.private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    @property
    def public_pem(self) -> bytes:
        return self.private.public_key().public_bytes(
            serialization.Encoding.PEM,
            serialization.PublicFormat.SubjectPublicKeyInfo,
        )

    @property
    def public_jwk(self) -> dict[str, Any]:
        jwk = json.loads(RSAAlgorithm.to_jwk(self.private.public_key()))
        return {**jwk, "kid": self.kid, "alg": "RS256", "use": "sig"}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unverified_header(token: str) -> dict[str, Any]:
    return jwt.get_unverified_header(token)


def hand_made_jwt(
    header: dict[str, Any], claims: dict[str, Any], signer: Callable[[bytes], bytes]
) -> str:
    """A compact JWS built by hand: what an attacker sends (alg none, HS256…)."""
    signing_input = (
        b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
    )
    return signing_input + "." + b64url(signer(signing_input.encode()))


def hs256_signer(secret: bytes) -> Callable[[bytes], bytes]:
    return lambda data: hmac.new(secret, data, hashlib.sha256).digest()


@dataclass
class Member:
    """A person of a course in the platform."""

    user_id: str
    given_name: str
    family_name: str
    roles: list[str]
    email: str = ""
    status: str = "Active"

    def as_nrps(self) -> dict[str, Any]:
        member: dict[str, Any] = {
            "status": self.status,
            "user_id": self.user_id,
            "name": f"{self.given_name} {self.family_name}",
            "given_name": self.given_name,
            "family_name": self.family_name,
            "roles": self.roles,
        }
        if self.email:
            member["email"] = self.email
        return member


@dataclass
class AuthRequest:
    """The tool's OIDC authentication request, read from its redirect."""

    params: dict[str, str]

    @property
    def state(self) -> str:
        return self.params["state"]

    @property
    def nonce(self) -> str:
        return self.params["nonce"]

    @property
    def redirect_uri(self) -> str:
        return self.params["redirect_uri"]


@dataclass
class Recorded:
    """What the platform received from the tool during one test."""

    token_requests: list[dict[str, str]] = field(default_factory=list)
    token_refusals: list[str] = field(default_factory=list)
    membership_requests: list[dict[str, str]] = field(default_factory=list)
    deep_link_responses: list[dict[str, Any]] = field(default_factory=list)
    deep_link_refusals: list[str] = field(default_factory=list)
    # Every request the server received ("GET /jwks"…).
    hits: list[str] = field(default_factory=list)


class LtiTestPlatform:
    """The platform's state and logic; `serve()` puts it on loopback."""

    def __init__(
        self, *, client_id: str = "webclasseur-tool", deployment_id: str = "1"
    ) -> None:
        self.key = RsaKey.generate()
        self.client_id = client_id
        self.deployment_id = deployment_id
        self.base_url = ""  # set by serve()
        self.tool_jwks: dict[str, Any] = {"keys": []}
        # context_id -> members; page size of the memberships endpoint.
        self.courses: dict[str, list[Member]] = {}
        self.page_size = 2
        # Where the "next page" links point (another host, in an attack).
        self.next_page_base = ""
        self.access_tokens: dict[str, float] = {}
        self.recorded = Recorded()
        self._server: ThreadingHTTPServer | None = None
        self._lock = threading.Lock()

    # -- URLs the tool registers ------------------------------------------
    @property
    def issuer(self) -> str:
        return self.base_url

    @property
    def jwks_url(self) -> str:
        return self.base_url + "/jwks"

    @property
    def auth_login_url(self) -> str:
        return self.base_url + "/auth"

    @property
    def token_url(self) -> str:
        return self.base_url + "/token"

    @property
    def deep_link_return_url(self) -> str:
        return self.base_url + "/deep-link-return"

    def memberships_url(self, context_id: str) -> str:
        return f"{self.base_url}/nrps/{context_id}"

    @property
    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.key.public_jwk]}

    def reset(self) -> None:
        self.recorded = Recorded()
        self.courses = {}
        self.access_tokens = {}
        self.tool_jwks = {"keys": []}
        self.page_size = 2
        self.next_page_base = ""

    # -- tokens ----------------------------------------------------------
    def sign(
        self,
        claims: dict[str, Any],
        *,
        key: RsaKey | None = None,
        headers: dict[str, Any] | None = None,
    ) -> str:
        key = key or self.key
        return jwt.encode(
            claims,
            key.private_pem,
            algorithm="RS256",
            headers={"kid": key.kid, **(headers or {})},
        )

    def id_token_claims(
        self,
        auth: AuthRequest | None,
        *,
        sub: str,
        roles: list[str],
        message_type: str = "LtiResourceLinkRequest",
        context_id: str = "course-3eA",
        context_title: str = "3e A",
        resource_link_id: str = "resource-1",
        target_link_uri: str = "",
        custom: dict[str, str] | None = None,
        given_name: str = "Léa",
        family_name: str = "Martin",
        email: str = "",
        nrps: bool = True,
        deep_link_data: str = "platform-opaque-data",
        lifetime: int = 300,
    ) -> dict[str, Any]:
        """The claims of a genuine launch answering `auth` (a deep-linking
        request when message_type says so)."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.client_id,
            "azp": self.client_id,
            "sub": sub,
            "iat": now,
            "exp": now + lifetime,
            "nonce": auth.nonce if auth else uuid.uuid4().hex,
            "name": f"{given_name} {family_name}",
            "given_name": given_name,
            "family_name": family_name,
            LTI + "message_type": message_type,
            LTI + "version": "1.3.0",
            LTI + "deployment_id": self.deployment_id,
            LTI + "target_link_uri": target_link_uri
            or (auth.redirect_uri if auth else ""),
            LTI + "roles": roles,
            LTI + "context": {
                "id": context_id,
                "label": context_title,
                "title": context_title,
                "type": [
                    "http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"
                ],
            },
            LTI + "tool_platform": {
                "guid": "moodle-test",
                "name": "Moodle de test",
                "product_family_code": "moodle",
            },
            LTI + "launch_presentation": {"document_target": "iframe"},
        }
        if email:
            claims["email"] = email
        if message_type == "LtiResourceLinkRequest":
            claims[LTI + "resource_link"] = {
                "id": resource_link_id,
                "title": "Webclasseur",
            }
        else:
            claims[DL_SETTINGS] = {
                "deep_link_return_url": self.deep_link_return_url,
                "accept_types": ["ltiResourceLink"],
                "accept_presentation_document_targets": ["iframe", "window"],
                "accept_multiple": False,
                "data": deep_link_data,
            }
        if custom is not None:
            claims[LTI + "custom"] = custom
        if nrps:
            claims[NRPS_CLAIM] = {
                "context_memberships_url": self.memberships_url(context_id),
                "service_versions": ["2.0"],
            }
        return claims

    # -- what the tool sends us ------------------------------------------
    def learn_tool_keys(self, jwks: dict[str, Any]) -> None:
        """The tool's public keys, as read from its JWKS URL."""
        self.tool_jwks = jwks

    def verify_tool_jwt(self, token: str, *, audience: str) -> dict[str, Any]:
        """Verify a JWT the tool signed: RS256 only, a kid from the tool's JWKS,
        issuer = our client id, audience as given, not expired."""
        header = jwt.get_unverified_header(token)
        if header.get("alg") != "RS256":
            raise jwt.InvalidTokenError(f"alg {header.get('alg')!r}")
        keys = {k.get("kid"): k for k in self.tool_jwks.get("keys", [])}
        if header.get("kid") not in keys:
            raise jwt.InvalidTokenError(f"unknown tool kid {header.get('kid')!r}")
        public_key = RSAAlgorithm.from_jwk(json.dumps(keys[header["kid"]]))
        return jwt.decode(
            token,
            public_key,  # type: ignore[arg-type]
            algorithms=["RS256"],
            audience=audience,
            issuer=self.client_id,
            options={"require": ["exp", "iat", "iss", "aud"]},
            leeway=5,
        )

    def handle_token_request(self, form: dict[str, str]) -> tuple[int, dict]:
        with self._lock:
            self.recorded.token_requests.append(form)
        try:
            if form.get("grant_type") != "client_credentials":
                raise ValueError("grant_type")
            if form.get("client_assertion_type") != ASSERTION_TYPE:
                raise ValueError("client_assertion_type")
            claims = self.verify_tool_jwt(
                form.get("client_assertion", ""), audience=self.token_url
            )
            if claims.get("sub") != self.client_id:
                raise ValueError("sub")
        except (ValueError, jwt.InvalidTokenError) as error:
            with self._lock:
                self.recorded.token_refusals.append(repr(error))
            return 401, {"error": "invalid_client"}
        scopes = form.get("scope", "").split()
        granted = [scope for scope in scopes if scope == NRPS_SCOPE]
        token = secrets.token_urlsafe(24)
        with self._lock:
            self.access_tokens[token] = time.time() + 3600
        return 200, {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": 3600,
            "scope": " ".join(granted),
        }

    def handle_memberships(
        self, path: str, query: dict[str, list[str]], headers: dict[str, str]
    ) -> tuple[int, dict, dict[str, str]]:
        with self._lock:
            self.recorded.membership_requests.append({"path": path, **headers})
        authorization = headers.get("authorization", "")
        token = authorization.removeprefix("Bearer ").strip()
        if not authorization.startswith("Bearer ") or (
            self.access_tokens.get(token, 0) < time.time()
        ):
            return 401, {"error": "invalid_token"}, {}
        context_id = path.removeprefix("/nrps/")
        if context_id not in self.courses:
            return 404, {"error": "unknown context"}, {}
        members = self.courses[context_id]
        page = int(query.get("page", ["1"])[0])
        start = (page - 1) * self.page_size
        chunk = members[start : start + self.page_size]
        extra = {}
        if start + self.page_size < len(members):
            base = self.next_page_base or self.base_url
            extra["Link"] = f'<{base}/nrps/{context_id}?page={page + 1}>; rel="next"'

        body = {
            "id": self.memberships_url(context_id),
            "context": {"id": context_id, "title": context_id},
            "members": [member.as_nrps() for member in chunk],
        }
        return 200, body, {"Content-Type": NRPS_MEDIA_TYPE, **extra}

    def handle_deep_link_return(self, form: dict[str, str]) -> tuple[int, str]:
        token = form.get("JWT", "")
        try:
            claims = self.verify_tool_jwt(token, audience=self.issuer)
            if claims.get(LTI + "message_type") != "LtiDeepLinkingResponse":
                raise ValueError("message_type")
            if claims.get(LTI + "version") != "1.3.0":
                raise ValueError("version")
            if claims.get(LTI + "deployment_id") != self.deployment_id:
                raise ValueError("deployment_id")
        except (ValueError, jwt.InvalidTokenError) as error:
            with self._lock:
                self.recorded.deep_link_refusals.append(repr(error))
            return 400, "refused"
        with self._lock:
            self.recorded.deep_link_responses.append(
                {"header": jwt.get_unverified_header(token), "claims": claims}
            )
        return 200, "ok"

    # -- loopback server ---------------------------------------------------
    def serve(self) -> None:
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _send(
                self, status: int, body: Any, headers: dict[str, str] | None = None
            ) -> None:
                headers = dict(headers or {})
                if isinstance(body, str):
                    data = body.encode()
                    headers.setdefault("Content-Type", "text/plain; charset=utf-8")
                else:
                    data = json.dumps(body).encode()
                    headers.setdefault("Content-Type", "application/json")
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _form(self) -> dict[str, str]:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode()
                return {k: v[0] for k, v in parse_qs(raw).items()}

            def do_GET(self) -> None:
                platform.recorded.hits.append("GET " + self.path)
                url = urlsplit(self.path)
                if url.path == "/jwks":
                    self._send(200, platform.jwks)
                elif url.path.startswith("/nrps/"):
                    headers = {k.lower(): v for k, v in self.headers.items()}
                    status, body, extra = platform.handle_memberships(
                        url.path, parse_qs(url.query), headers
                    )
                    self._send(status, body, extra)
                else:
                    self._send(404, "not found")

            def do_POST(self) -> None:
                platform.recorded.hits.append("POST " + self.path)
                url = urlsplit(self.path)
                if url.path == "/token":
                    status, body = platform.handle_token_request(self._form())
                    self._send(status, body)
                elif url.path == "/deep-link-return":
                    status, text = platform.handle_deep_link_return(self._form())
                    self._send(status, text)
                else:
                    self._send(404, "not found")

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        self._server = server
        self.base_url = f"http://127.0.0.1:{server.server_address[1]}"
        threading.Thread(target=server.serve_forever, daemon=True).start()

    def shutdown(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


def auth_request_from(location: str, platform: LtiTestPlatform) -> AuthRequest:
    """Check the tool's redirect goes to our auth URL with the OIDC parameters
    a platform requires, and return them."""
    url = urlsplit(location)
    assert f"{url.scheme}://{url.netloc}{url.path}" == platform.auth_login_url, location
    params = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert params.get("scope") == "openid", params
    assert params.get("response_type") == "id_token", params
    assert params.get("response_mode") == "form_post", params
    assert params.get("prompt") == "none", params
    assert params.get("client_id") == platform.client_id, params
    assert params.get("state"), params
    assert params.get("nonce"), params
    return AuthRequest(params)


def login_query(platform: LtiTestPlatform, **overrides: str) -> str:
    params = {
        "iss": platform.issuer,
        "login_hint": "hint-" + uuid.uuid4().hex[:8],
        "target_link_uri": "",
        "lti_message_hint": "message-" + uuid.uuid4().hex[:8],
        "client_id": platform.client_id,
        "lti_deployment_id": platform.deployment_id,
        **overrides,
    }
    return urlencode({k: v for k, v in params.items() if v is not None})
