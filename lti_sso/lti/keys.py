"""The tool's RSA keys: generated here, published in the JWKS, rotated.

One key is active and signs (deep-linking responses, service assertions).
A rotation makes a new key active and keeps the previous one published, so a
message the platform received just before still verifies; the key before
that is retired (no longer published) at the same time.
"""

import json
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.db import transaction
from django.utils import timezone
from jwcrypto.jwk import JWK

from lti_sso.models import LtiToolKey

KEY_SIZE = 2048


def _new_key() -> LtiToolKey:
    private = rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)
    pem = private.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    ).decode()
    jwk = JWK.from_pem(pem.encode())
    kid = jwk.thumbprint()
    public: dict[str, Any] = json.loads(jwk.export_public())
    public.update(kid=kid, alg="RS256", use="sig")
    return LtiToolKey(kid=kid, private_key_pem=pem, public_jwk=public)


@transaction.atomic
def ensure_tool_key() -> LtiToolKey:
    """The active key, created on first use."""
    active = LtiToolKey.objects.select_for_update().filter(active=True).first()
    if active is not None:
        return active
    key = _new_key()
    key.active = True
    key.save()
    return key


def active_tool_key() -> LtiToolKey:
    return ensure_tool_key()


@transaction.atomic
def rotate_tool_keys() -> LtiToolKey:
    """Make a new key active; the previous one stays published, older ones
    are retired."""
    now = timezone.now()
    keys = list(LtiToolKey.objects.select_for_update().filter(retired_at__isnull=True))
    for key in keys:
        if not key.active:
            key.retired_at = now
            key.save(update_fields=["retired_at"])
    LtiToolKey.objects.filter(active=True).update(active=False)
    key = _new_key()
    key.active = True
    key.save()
    return key


@transaction.atomic
def retire_inactive_keys() -> int:
    """Stop publishing every key but the active one."""
    return LtiToolKey.objects.filter(active=False, retired_at__isnull=True).update(
        retired_at=timezone.now()
    )


def published_jwks() -> dict[str, list[dict[str, Any]]]:
    """The JWKS served at lti:jwks: the active key and those not retired."""
    ensure_tool_key()
    keys = LtiToolKey.objects.filter(retired_at__isnull=True).order_by(
        "-active", "-created_at"
    )
    return {"keys": [dict(key.public_jwk) for key in keys]}
