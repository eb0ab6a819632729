"""Platform registrations, written by a school's managers (or the platform
administrator, or a test with by=None)."""

import json
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from classes.models import School, User
from classes.permissions import can_manage_school
from lti_sso.lti.config import is_acceptable_url
from lti_sso.lti.keys import ensure_tool_key
from lti_sso.models import LtiDeployment, LtiPlatform

__all__ = ["ensure_tool_key", "parse_deployment_ids", "register_platform"]

URL_FIELDS = ("issuer", "auth_login_url", "auth_token_url", "key_set_url")


def parse_deployment_ids(text: str) -> list[str]:
    """One deployment ID per line (or separated by commas), without repeats."""
    values = [v.strip() for line in text.splitlines() for v in line.split(",")]
    return list(dict.fromkeys(v for v in values if v))


def _url_error() -> str:
    return _(
        "Give an https:// address (http:// is accepted only for 127.0.0.1 or "
        "localhost, in development)."
    )


def check_key_set(key_set: str) -> dict[str, Any] | None:
    """A pasted JWKS ({"keys": [...]}) or a single JWK, normalised; None when
    it is not one."""
    try:
        data = json.loads(key_set)
    except ValueError:
        return None
    if isinstance(data, dict) and "keys" not in data and data.get("kty"):
        data = {"keys": [data]}
    if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
        return None
    keys = data["keys"]
    if not keys or not all(
        isinstance(k, dict) and k.get("kty") == "RSA" and k.get("kid") and k.get("n")
        for k in keys
    ):
        return None
    return {"keys": keys}


def validate_platform(
    *,
    platform: LtiPlatform | None,
    name: str,
    issuer: str,
    client_id: str,
    auth_login_url: str,
    auth_token_url: str,
    key_set_url: str,
    key_set: str,
    deployment_ids: list[str],
) -> str:
    """Raise a ValidationError keyed by field; return the normalised key set."""
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("Give the platform a name, e.g. “Moodle du collège”.")]
    if not client_id:
        errors["client_id"] = [_("Give the client ID the platform gave the tool.")]
    values = {
        "issuer": issuer,
        "auth_login_url": auth_login_url,
        "auth_token_url": auth_token_url,
        "key_set_url": key_set_url,
    }
    for field, value in values.items():
        if field == "key_set_url" and not value:
            continue
        if not value:
            errors[field] = [_("This address is required.")]
        elif not is_acceptable_url(value):
            errors[field] = [_url_error()]
    normalised = ""
    if key_set:
        parsed = check_key_set(key_set)
        if parsed is None:
            errors["key_set"] = [
                _(
                    "Paste the platform's public keys as JSON: a JWKS "
                    '({"keys": [...]}) of RSA keys, each with its kid.'
                )
            ]
        else:
            normalised = json.dumps(parsed)
    elif not key_set_url:
        errors["key_set_url"] = [
            _("Give the platform's public keyset URL, or paste its keys below.")
        ]
    if not deployment_ids:
        errors["deployment_ids"] = [
            _("Give at least one deployment ID (one per line).")
        ]
    elif any(len(d) > 255 for d in deployment_ids):
        errors["deployment_ids"] = [_("A deployment ID has at most 255 characters.")]
    if issuer and client_id:
        others = LtiPlatform.objects.filter(issuer=issuer, client_id=client_id)
        if platform is not None:
            others = others.exclude(pk=platform.pk)
        if others.exists():
            errors["client_id"] = [
                _(
                    "This platform (same issuer and client ID) is already "
                    "registered. Each school gets its own client ID from the "
                    "platform."
                )
            ]
    if errors:
        raise ValidationError(errors)
    return normalised


@transaction.atomic
def register_platform(
    *,
    school: School,
    name: str,
    issuer: str,
    client_id: str,
    auth_login_url: str,
    auth_token_url: str,
    key_set_url: str = "",
    key_set: str = "",
    deployment_ids: list[str],
    by: User | None = None,
    platform: LtiPlatform | None = None,
) -> LtiPlatform:
    """Register (or, with `platform`, change) an LTI platform for a school.

    `by` must manage the school (None: the platform operator or a test).
    """
    if by is not None and not can_manage_school(by, school):
        raise PermissionDenied
    if platform is not None and platform.school_id != school.pk:
        raise PermissionDenied
    name, issuer, client_id = name.strip(), issuer.strip(), client_id.strip()
    auth_login_url, auth_token_url = auth_login_url.strip(), auth_token_url.strip()
    key_set_url, key_set = key_set_url.strip(), key_set.strip()
    deployment_ids = list(dict.fromkeys(d.strip() for d in deployment_ids if d.strip()))
    normalised = validate_platform(
        platform=platform,
        name=name,
        issuer=issuer,
        client_id=client_id,
        auth_login_url=auth_login_url,
        auth_token_url=auth_token_url,
        key_set_url=key_set_url,
        key_set=key_set,
        deployment_ids=deployment_ids,
    )
    if platform is None:
        platform = LtiPlatform(school=school)
    platform.name = name[:80]
    platform.issuer = issuer
    platform.client_id = client_id
    platform.auth_login_url = auth_login_url
    platform.auth_token_url = auth_token_url
    platform.key_set_url = key_set_url
    platform.key_set = normalised
    platform.full_clean(exclude=[*URL_FIELDS])
    platform.save()
    platform.deployments.exclude(deployment_id__in=deployment_ids).delete()
    kept = set(platform.deployments.values_list("deployment_id", flat=True))
    LtiDeployment.objects.bulk_create(
        LtiDeployment(platform=platform, deployment_id=d)
        for d in deployment_ids
        if d not in kept
    )
    ensure_tool_key()
    return platform
