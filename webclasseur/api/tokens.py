"""API tokens for integrations: created by a user for themself, read-only or
read-write, revocable, stored hashed (only a prefix to find the row and a
SHA-256 of the secret are kept; the secret is shown once, at creation).

A token reads `Authorization: Bearer wc_<prefix>_<secret>`.
"""

import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from classes.models import ApiToken, User
from classes.permissions import AnyUser, get_checked

TOKEN_START = "wc_"  # noqa: S105 - the visible start of every token, no secret
# last_used_at is written at most this often, not on every request.
LAST_USED_PRECISION = timedelta(minutes=5)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


# --- Policy -----------------------------------------------------------------


def api_tokens_visible_to(user: AnyUser) -> QuerySet[ApiToken]:
    """A user's own tokens, revoked ones included; nobody sees anyone else's."""
    if not user.is_authenticated:
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user_id=user.pk)


def can_revoke_api_token(user: AnyUser, token: ApiToken) -> bool:
    return token.user_id == user.pk and token.revoked_at is None


def get_api_token_for(user: AnyUser, pk: int, action: str) -> ApiToken:
    return get_checked(
        user, api_tokens_visible_to(user), pk, action, {"revoke": can_revoke_api_token}
    )


# --- Services ---------------------------------------------------------------


def api_token_create(*, by: User, name: str, scope: str) -> tuple[ApiToken, str]:
    """A new token for `by`; returns it with its full key, shown only once."""
    if not by.is_active:
        raise PermissionDenied
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    token = ApiToken(user=by, name=name.strip(), prefix=prefix, scope=scope)
    token.key_hash = _hash(secret)
    token.full_clean(exclude=["user"])
    token.save()
    return token, f"{TOKEN_START}{prefix}_{secret}"


def api_token_revoke(*, by: User, token: ApiToken) -> ApiToken:
    if not can_revoke_api_token(by, token):
        raise PermissionDenied
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    return token


# --- DRF authentication and permission ----------------------------------------


class ApiTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer wc_…`; anything else is left to the session."""

    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        keyword, _sep, key = header.partition(" ")
        if keyword.lower() != self.keyword.lower():
            return None
        key = key.strip()
        if not key.startswith(TOKEN_START) or key.count("_") < 2:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        prefix, _sep, secret = key.removeprefix(TOKEN_START).partition("_")
        token = (
            ApiToken.objects.select_related("user")
            .filter(prefix=prefix, revoked_at__isnull=True)
            .first()
        )
        if token is None or not hmac.compare_digest(token.key_hash, _hash(secret)):
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        # Makes unauthenticated requests 401 (with this header), not 403.
        return f'{self.keyword} realm="api"'


class TokenScopePermission(BasePermission):
    """A read-only token reads; only a read-write token (or the session) writes."""

    message = _lazy("This token is read-only.")

    def has_permission(self, request: Request, view: Any) -> bool:
        token = request.auth
        if isinstance(token, ApiToken) and token.scope != ApiToken.Scope.READ_WRITE:
            return request.method in SAFE_METHODS
        return True


class SessionOnlyPermission(BasePermission):
    """Managing tokens takes the web session: a token cannot make more tokens."""

    message = _lazy("Manage your tokens from the website, not with a token.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return not isinstance(request.auth, ApiToken)
