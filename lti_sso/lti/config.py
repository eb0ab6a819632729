"""pylti1p3's tool configuration, read from our models.

Every issuer may have several client IDs (one registration per school), so
registrations are always looked up by (issuer, client ID).
"""

import json
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from pylti1p3.deployment import Deployment
from pylti1p3.registration import Registration
from pylti1p3.tool_config import ToolConfAbstract

from lti_sso.lti.keys import active_tool_key
from lti_sso.models import LtiDeployment, LtiPlatform

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
#: Seconds any request to a platform may take (keys, token, roster).
TIMEOUT_SECONDS = 10


class TimeoutSession(requests.Session):
    """What the tool sends to platforms: never without a timeout, and no
    redirect followed (only registered or launch-given URLs are called)."""

    def request(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", TIMEOUT_SECONDS)
        kwargs["allow_redirects"] = False
        return super().request(*args, **kwargs)


def insecure_urls_allowed() -> bool:
    return bool(
        settings.DEBUG or getattr(settings, "LTI_ALLOW_INSECURE_PLATFORM_URLS", False)
    )


def is_acceptable_url(url: str) -> bool:
    """https, or http on the loopback when insecure URLs are allowed (tests,
    development)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    if not parts.hostname or parts.username or parts.password:
        return False
    if parts.scheme == "https":
        return True
    return (
        parts.scheme == "http"
        and parts.hostname in LOOPBACK_HOSTS
        and insecure_urls_allowed()
    )


def origin_of(url: str) -> str:
    """scheme://host[:port] of a URL ("" when it has none)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    return f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}".lower()


def platform_origins(platform: LtiPlatform) -> list[str]:
    """The origins the platform's pages are served from: those of its issuer
    and of its authentication URL (frame-ancestors, NRPS URLs)."""
    origins = [origin_of(platform.issuer), origin_of(platform.auth_login_url)]
    return sorted({origin for origin in origins if origin})


class ToolRegistration(Registration):
    """A registration whose kid is the one of our active key."""

    def __init__(self, platform: LtiPlatform) -> None:
        key = active_tool_key()
        self.platform = platform
        self._kid = key.kid
        self.set_issuer(platform.issuer)
        self.set_client_id(platform.client_id)
        self.set_auth_login_url(platform.auth_login_url)
        self.set_auth_token_url(platform.auth_token_url)
        self.set_tool_private_key(key.private_key_pem)
        if platform.key_set.strip():
            self.set_key_set(json.loads(platform.key_set))
        else:
            self.set_key_set_url(platform.key_set_url)

    def get_kid(self) -> str:
        return self._kid


def find_platform(issuer: str, client_id: str) -> LtiPlatform | None:
    if not issuer or not client_id:
        return None
    return (
        LtiPlatform.objects.select_related("school")
        .filter(issuer=issuer, client_id=client_id)
        .first()
    )


class ToolConf(ToolConfAbstract[Any]):
    def check_iss_has_one_client(self, iss: str) -> bool:
        return False

    def check_iss_has_many_clients(self, iss: str) -> bool:
        return True

    def find_registration_by_issuer(self, iss: str, *args: Any, **kwargs: Any) -> Any:
        return None

    def find_registration_by_params(
        self, iss: str, client_id: str, *args: Any, **kwargs: Any
    ) -> Any:
        platform = find_platform(iss, client_id)
        return ToolRegistration(platform) if platform is not None else None

    def find_deployment(self, iss: str, deployment_id: str) -> Deployment | None:
        return None

    def find_deployment_by_params(
        self, iss: str, deployment_id: str, client_id: str, *args: Any, **kwargs: Any
    ) -> Deployment | None:
        if not isinstance(deployment_id, str) or not deployment_id:
            return None
        found = LtiDeployment.objects.filter(
            platform__issuer=iss,
            platform__client_id=client_id,
            deployment_id=deployment_id,
        ).exists()
        return Deployment().set_deployment_id(deployment_id) if found else None
