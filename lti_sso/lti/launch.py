"""OIDC login initiation and launch validation, on top of pylti1p3.

pylti1p3 checks the signature against the platform's keys, the registration,
the deployment and the message's required claims. Added here, because it
does not do them:

- the state is one-use and kept server-side (shared cache) with the nonce
  issued for it; the browser's state cookie must match the posted state;
- the id_token's nonce must be the one issued with that state, and a nonce is
  accepted once (cache.add with a TTL longer than any token's lifetime), so a
  replayed token is refused on every app server;
- RS256 only, with a kid; exp, iat (not in the future), iss, aud, sub and
  nonce required; `aud` must contain our client ID and, when it has several
  values or `azp` is sent, `azp` must be our client ID;
- version 1.3.0, a message type we serve (resource link, deep linking), and a
  target_link_uri on our own origin.
"""

import logging
import time
from typing import Any, cast
from urllib.parse import parse_qs, urlsplit

import jwt
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from pylti1p3.contrib.django import DjangoMessageLaunch, DjangoOIDCLogin
from pylti1p3.contrib.django.launch_data_storage.cache import DjangoCacheDataStorage
from pylti1p3.exception import LtiException
from pylti1p3.message_launch import TLaunchData

from lti_sso.lti.config import (
    TimeoutSession,
    ToolConf,
    find_platform,
    is_acceptable_url,
    origin_of,
    platform_origins,
)
from lti_sso.models import LtiPlatform

logger = logging.getLogger(__name__)

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
MESSAGE_TYPE = CLAIM + "message_type"
VERSION = CLAIM + "version"
DEPLOYMENT_ID = CLAIM + "deployment_id"
TARGET_LINK_URI = CLAIM + "target_link_uri"
RESOURCE_LINK = CLAIM + "resource_link"
ROLES = CLAIM + "roles"
CONTEXT = CLAIM + "context"
CUSTOM = CLAIM + "custom"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
DEEP_LINKING_SETTINGS = (
    "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
)
RESOURCE_LINK_REQUEST = "LtiResourceLinkRequest"
DEEP_LINKING_REQUEST = "LtiDeepLinkingRequest"

#: Seconds a login initiation stays valid (state and nonce).
STATE_TTL = 600
#: Seconds of clock difference tolerated with the platform (exp, iat).
LEEWAY = 60
#: Tokens older than this are refused even if their exp is later; the nonce
#: cache keeps nonces longer than that, so no accepted token can come back.
MAX_TOKEN_AGE = 3600
NONCE_TTL = MAX_TOKEN_AGE + 2 * LEEWAY
#: Seconds a validated launch stays usable (deep-linking picker, class choice).
LAUNCH_TTL = 3600


class LaunchRefused(PermissionDenied):
    """A launch (or login initiation) we refuse; `kind` picks the message."""

    def __init__(self, detail: str, kind: str = "invalid") -> None:
        super().__init__(detail)
        self.detail = detail
        self.kind = kind
        # The platform the one-use state was issued for, once it is known
        # (the refusal page may then be shown in that platform's iframe).
        self.platform: LtiPlatform | None = None


class _CacheStorage(DjangoCacheDataStorage):
    """pylti1p3's cache storage without its session-id cookie: what matters
    is kept under unguessable keys (launch ids) bound to our session."""

    def get_session_cookie_name(self) -> None:
        return None


def _state_key(state: str) -> str:
    return f"lti:state:{state}"


def _nonce_key(issuer: str, nonce: str) -> str:
    return f"lti:nonce:{issuer}:{nonce}"


def _launch_key(launch_id: str) -> str:
    return f"lti:launch:{launch_id}"


def _param(request: HttpRequest, name: str) -> str:
    value = request.POST.get(name) or request.GET.get(name) or ""
    return value if isinstance(value, str) else ""


class ToolOIDCLogin(DjangoOIDCLogin):
    def __init__(self, request: HttpRequest) -> None:
        storage = _CacheStorage()
        super().__init__(request, ToolConf(), launch_data_storage=storage)
        # pylti1p3 also keeps the nonce it issues (unused here: our own copy
        # is kept with the state); for as long as the state, not a day.
        self.set_launch_data_storage(storage)
        self.set_launch_data_lifetime(STATE_TTL)
        self.platform: LtiPlatform | None = None

    def validate_oidc_login(self) -> Any:
        registration = super().validate_oidc_login()
        self.platform = getattr(registration, "platform", None)
        return registration


def login_redirect(request: HttpRequest, launch_url: str) -> HttpResponse:
    """Answer a third-party login initiation: send the browser to the
    platform's registered authentication URL, with a fresh state and nonce."""
    issuer = _param(request, "iss")
    client_id = _param(request, "client_id")
    if not issuer or not _param(request, "login_hint"):
        raise LaunchRefused("login initiation without iss or login_hint")
    if client_id:
        platform = find_platform(issuer, client_id)
    else:
        # Without client_id, only an issuer registered once can be chosen.
        found = list(LtiPlatform.objects.filter(issuer=issuer)[:2])
        platform = found[0] if len(found) == 1 else None
    if platform is None:
        raise LaunchRefused(f"unknown platform {issuer!r} {client_id!r}", "unknown")
    deployment_id = _param(request, "lti_deployment_id")
    if (
        deployment_id
        and not platform.deployments.filter(deployment_id=deployment_id).exists()
    ):
        raise LaunchRefused(f"unknown deployment {deployment_id!r}", "unknown")
    target = _param(request, "target_link_uri")
    if target and origin_of(target) != origin_of(launch_url):
        # Never sent anywhere: the platform asks for a link that is not ours.
        raise LaunchRefused(f"foreign target_link_uri {target!r}")
    oidc = ToolOIDCLogin(request)
    # The platform's client_id param may be missing: look it up by ours.
    oidc._request._default_params = {"client_id": platform.client_id}
    try:
        redirect = oidc.get_redirect_object(launch_url)
    except Exception as error:
        raise LaunchRefused(f"login initiation: {error}") from error
    location = redirect.get_redirect_url()
    query = parse_qs(urlsplit(location).query)
    state, nonce = query["state"][0], query["nonce"][0]
    cache.set(
        _state_key(state),
        {"nonce": nonce, "platform": platform.pk},
        STATE_TTL,
    )
    response: HttpResponse = redirect.do_redirect()
    return response


class ToolMessageLaunch(DjangoMessageLaunch):
    """pylti1p3's launch with the checks listed in the module docstring."""

    def __init__(self, request: HttpRequest, launch_url: str) -> None:
        super().__init__(
            request,
            ToolConf(),
            launch_data_storage=_CacheStorage(),
            requests_session=TimeoutSession(),
        )
        self._django_request = request
        self._launch_url = launch_url
        self._state_data: dict[str, Any] = {}
        self.platform: LtiPlatform | None = None
        self.claims: dict[str, Any] = {}

    # --- pylti1p3 hooks ----------------------------------------------------

    def get_client_id(self) -> str:
        body = self._jwt.get("body", {})
        aud = body.get("aud")
        if isinstance(aud, str):
            return aud
        if isinstance(aud, list) and aud and all(isinstance(a, str) for a in aud):
            azp = body.get("azp")
            if len(aud) == 1:
                return str(aud[0])
            if isinstance(azp, str) and azp in aud:
                return azp
        raise LtiException("aud is missing or ambiguous")

    def validate_state(self) -> "ToolMessageLaunch":
        state = self._get_request_param("state")
        if not state or not isinstance(state, str):
            raise LaunchRefused("missing state")
        cookie = self._cookie_service.get_cookie(state)
        if cookie != state:
            raise LaunchRefused("state cookie missing or different")
        data = cache.get(_state_key(state))
        cache.delete(_state_key(state))
        if not isinstance(data, dict):
            raise LaunchRefused("unknown or already used state")
        self._state_data = data
        return self

    def validate_jwt_signature(self) -> "ToolMessageLaunch":
        header = self._jwt.get("header", {})
        if header.get("alg") != "RS256" or not header.get("kid"):
            raise LaunchRefused(f"refused JWT header {header!r}")
        public_key, _alg = self.get_public_key()
        registration = self._registration
        if registration is None:
            raise LaunchRefused("no registration", "unknown")
        client_id = registration.get_client_id()
        try:
            verified = jwt.decode(
                self._get_id_token(),
                public_key,
                algorithms=["RS256"],
                audience=client_id,
                issuer=registration.get_issuer(),
                leeway=LEEWAY,
                options={
                    "require": ["exp", "iat", "iss", "aud", "sub", "nonce"],
                    "verify_signature": True,
                    "verify_exp": True,
                    "verify_iat": True,
                    "verify_aud": True,
                    "verify_iss": True,
                },
            )
        except jwt.InvalidTokenError as error:
            raise LaunchRefused(f"id_token refused: {error}") from error
        if int(verified["iat"]) < time.time() - MAX_TOKEN_AGE:
            raise LaunchRefused("id_token too old")
        aud = verified["aud"]
        azp = verified.get("azp")
        if isinstance(aud, list) and len(aud) > 1 and azp != client_id:
            raise LaunchRefused("several audiences and azp is not our client ID")
        if azp is not None and azp != client_id:
            raise LaunchRefused("azp is not our client ID")
        # From here on, only what the signature covers is read.
        self._jwt["body"] = cast("TLaunchData", verified)
        self.claims = verified
        return self

    def validate_nonce(self) -> "ToolMessageLaunch":
        body = self._jwt.get("body", {})
        nonce = body.get("nonce")
        if not isinstance(nonce, str) or nonce != self._state_data.get("nonce"):
            raise LaunchRefused("nonce is not the one issued with this state")
        if not cache.add(_nonce_key(body["iss"], nonce), 1, NONCE_TTL):
            raise LaunchRefused("nonce replayed")
        return self

    def save_launch_data(self) -> "ToolMessageLaunch":
        cache.set(
            _launch_key(self._launch_id),
            {
                "platform": self.platform.pk if self.platform else None,
                "claims": self.claims,
            },
            LAUNCH_TTL,
        )
        return self

    # --- the whole validation ----------------------------------------------

    def validate(self) -> "ToolMessageLaunch":
        self._validated = True
        try:
            self.validate_state()
            self.validate_jwt_format()
            self.validate_registration()
            platform = getattr(self._registration, "platform", None)
            if platform is None or platform.pk != self._state_data.get("platform"):
                raise LaunchRefused("state issued for another platform", "unknown")
            self.platform = platform
            self.validate_jwt_signature()
            self.validate_nonce()
            try:
                self.validate_deployment()
            except LtiException as error:
                raise LaunchRefused(str(error), "unknown") from error
            self.validate_message()
            self._check_message()
            self.save_launch_data()
        except LaunchRefused as refusal:
            self._validated = False
            refusal.platform = self._state_platform()
            raise
        except Exception as error:
            self._validated = False
            kind = "unknown" if "Registration not found" in str(error) else "invalid"
            wrapped = LaunchRefused(f"{type(error).__name__}: {error}", kind)
            wrapped.platform = self._state_platform()
            raise wrapped from error
        return self

    def _state_platform(self) -> LtiPlatform | None:
        """The platform our own (server-side) state was issued for."""
        pk = self._state_data.get("platform")
        return LtiPlatform.objects.filter(pk=pk).first() if pk else None

    def _check_message(self) -> None:
        claims = self.claims
        message_type = claims.get(MESSAGE_TYPE)
        if claims.get(VERSION) != "1.3.0":
            raise LaunchRefused(f"version {claims.get(VERSION)!r}")
        if message_type not in (RESOURCE_LINK_REQUEST, DEEP_LINKING_REQUEST):
            raise LaunchRefused(f"message type {message_type!r}")
        if not isinstance(claims.get(ROLES), list):
            raise LaunchRefused("roles claim missing")
        target = claims.get(TARGET_LINK_URI)
        if not isinstance(target, str) or origin_of(target) != origin_of(
            self._launch_url
        ):
            raise LaunchRefused(f"target_link_uri {target!r} is not ours")
        context = claims.get(CONTEXT)
        if context is not None and not (
            isinstance(context, dict) and isinstance(context.get("id"), str)
        ):
            raise LaunchRefused("context claim without id")
        if message_type == DEEP_LINKING_REQUEST:
            settings = claims.get(DEEP_LINKING_SETTINGS) or {}
            return_url = settings.get("deep_link_return_url")
            if not isinstance(return_url, str):
                raise LaunchRefused("deep_link_return_url missing")
            # The answer is posted there: an address of the platform only.
            if self.platform is None or not (
                is_acceptable_url(return_url)
                and origin_of(return_url) in platform_origins(self.platform)
            ):
                raise LaunchRefused(f"deep_link_return_url {return_url!r} refused")


def validate_launch(request: HttpRequest, launch_url: str) -> ToolMessageLaunch:
    """The validated launch of this POST, or LaunchRefused."""
    if request.method != "POST":
        raise LaunchRefused("launch is not a POST")
    if not request.POST.get("id_token"):
        raise LaunchRefused("missing id_token")
    launch = ToolMessageLaunch(request, launch_url)
    launch.validate()
    return launch


def stored_launch(launch_id: str) -> tuple[LtiPlatform, dict[str, Any]] | None:
    """A launch validated earlier (by its id), or None once expired."""
    data = cache.get(_launch_key(launch_id))
    if not isinstance(data, dict):
        return None
    platform = (
        LtiPlatform.objects.select_related("school").filter(pk=data["platform"]).first()
    )
    if platform is None:
        return None
    return platform, data["claims"]


def forget_launch(launch_id: str) -> None:
    cache.delete(_launch_key(launch_id))
