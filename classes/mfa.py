"""The optional second factor (allauth.mfa: TOTP and recovery codes) for staff.

Teachers, team members, school managers and platform administrators may set
up an authenticator app from /accounts/2fa/; once they have, the login asks
for a code after the password (allauth's login stage). Pupils are not offered
it: the pages that set it up answer 404 for them (`StaffMFAAdapter.can_set_up`
decides, `staff_only_mfa_urls` applies it), and nothing links to them.
The code entry during login (`mfa_authenticate`) and the re-authentication
stay as allauth draws them, in templates/mfa/.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from allauth.mfa.adapter import DefaultMFAAdapter, get_adapter
from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpRequest, HttpResponseBase
from django.urls import URLPattern, URLResolver, include, path

from classes.models import User
from classes.permissions import is_staff_account

#: The pages that set up, show or remove a second factor.
SETUP_VIEWS = frozenset(
    {
        "mfa_index",
        "mfa_activate_totp",
        "mfa_deactivate_totp",
        "mfa_view_recovery_codes",
        "mfa_generate_recovery_codes",
        "mfa_download_recovery_codes",
    }
)


class StaffMFAAdapter(DefaultMFAAdapter):
    """allauth's MFA adapter, with who may set up a second factor."""

    def can_set_up(self, user: User | AnonymousUser) -> bool:
        """Staff accounts (teachers, team, managers, administrators); never a
        pupil."""
        return (
            user.is_authenticated and isinstance(user, User) and is_staff_account(user)
        )


def staff_only(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """404 for a logged-in user who may not set up a second factor (anonymous
    users go on to the view, which sends them to the login page)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        adapter = get_adapter()
        if (
            request.user.is_authenticated
            and isinstance(adapter, StaffMFAAdapter)
            and not adapter.can_set_up(request.user)
        ):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _guarded(
    patterns: list[URLPattern | URLResolver],
) -> list[URLPattern | URLResolver]:
    guarded: list[URLPattern | URLResolver] = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            guarded.append(
                path(str(entry.pattern), include(_guarded(entry.url_patterns)))
            )
        elif entry.name in SETUP_VIEWS:
            guarded.append(
                path(str(entry.pattern), staff_only(entry.callback), name=entry.name)
            )
        else:
            guarded.append(entry)
    return guarded


def staff_only_mfa_urls() -> list[URLPattern | URLResolver]:
    """allauth.mfa's URLs, the setup pages guarded by `staff_only`; mounted at
    accounts/2fa/ before allauth's own (webclasseur/urls.py), so they win."""
    from allauth.mfa import urls

    return _guarded(list(urls.urlpatterns))
